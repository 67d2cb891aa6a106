import keras
import numpy as np
import pytest

from tests.test_case import TestCase
from tfk_tokfrag.models import conv_net, get_model, list_models


def _classic_reference(input_shape=(28, 28, 1), num_classes=10):
    """The Keras MNIST example's ConvNet, written independently with Sequential."""
    return keras.Sequential(
        [
            keras.Input(input_shape),
            keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(2, padding="same"),
            keras.layers.Conv2D(64, 3, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(2, padding="same"),
            keras.layers.Flatten(),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(num_classes),
        ]
    )


class TestConvNet(TestCase):
    def test_defaults_are_the_classic_two_block_design(self):
        model = conv_net()
        reference = _classic_reference()
        assert model.count_params() == reference.count_params()
        ours = [w.shape for w in model.weights]
        theirs = [w.shape for w in reference.weights]
        assert ours == theirs
        # Same weights -> same logits: the graph is the same computation.
        for src, dst in zip(reference.weights, model.weights, strict=True):
            dst.assign(src)
        images = np.random.default_rng(0).integers(0, 256, (3, 28, 28, 1), dtype=np.uint8)
        self.assertAllClose(
            model(images), reference(images.astype("float32") / 255.0), atol=1e-5
        )

    def test_tunable_arguments_shape_the_graph(self):
        model = conv_net(
            input_shape=(8, 8, 1), filters=(16, 32, 64), convs_per_block=2,
            batch_norm=True, dropout=0.5, dense_units=(32, 16), num_classes=4,
        )
        convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
        assert [c.filters for c in convs] == [16, 16, 32, 32, 64, 64]
        assert sum(isinstance(x, keras.layers.BatchNormalization) for x in model.layers) == 6
        dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
        assert [d.units for d in dense] == [32, 16, 4]
        assert model.output_shape == (None, 4)

    def test_float_input_is_not_rescaled(self):
        model = conv_net(input_shape=(8, 8, 1), input_dtype="float32")
        pixels = np.random.default_rng(1).integers(0, 256, (2, 8, 8, 1), dtype=np.uint8)
        uint8_model = conv_net(input_shape=(8, 8, 1))
        uint8_model.set_weights(model.get_weights())
        self.assertAllClose(model(pixels / np.float32(255)), uint8_model(pixels), atol=1e-5)

    @pytest.mark.parametrize(
        "kwargs, message",
        [
            ({"filters": (32, 0)}, "filters=(32, 0)"),
            ({"num_classes": 1}, "num_classes=1"),
            ({"input_shape": (8, 8)}, "input_shape=(8, 8)"),
            ({"dropout": 1.0}, "dropout=1.0"),
            ({"batch_norm": "no"}, "batch_norm must be a bool. Received: batch_norm='no'"),
            ({"input_dtype": "int32"}, "input_dtype='int32'"),
            ({"augmentation": 0.7}, "augmentation=0.7"),
            ({"augmentation_rotation": -0.1}, "augmentation_rotation=-0.1"),
            ({"input_shape": (0, 0, 1)}, "input_shape=(0, 0, 1)"),
            ({"input_shape": (8, 8, 0)}, "input_shape=(8, 8, 0)"),
            ({"input_shape": (8, 8, 1), "patch_size": 16}, "patch_size (16, 16) does not fit"),
            ({"input_shape": (16, 4, 1), "patch_size": (2, 8)}, "8 pixels in width, the images 4"),
        ],
    )
    def test_bad_arguments_name_the_value(self, kwargs, message):
        with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
            conv_net(**kwargs)

    def test_saving_and_export_round_trip(self):
        model = get_model("conv_net_digits")
        images = np.random.default_rng(2).integers(0, 256, (4, 8, 8, 1), dtype=np.uint8)
        self.run_model_saving_test(model, images)
        self.run_export_test(model, images)

    def test_fit_step_with_jit_compile(self):
        model = get_model("conv_net_digits")
        model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      jit_compile=True)
        images = np.random.default_rng(3).integers(0, 256, (8, 8, 8, 1), dtype=np.uint8)
        history = model.fit(images, np.arange(8) % 10, epochs=1, verbose=0)
        assert np.isfinite(history.history["loss"][0])


def test_registry_lists_and_overrides():
    assert "conv_net_digits" in list_models()
    model = get_model("conv_net_digits", num_classes=3)
    assert model.output_shape == (None, 3)
    assert model.name == "conv_net_digits"
    with pytest.raises(ValueError, match="Unknown model 'nope'.*conv_net_digits"):
        get_model("nope")


class TestTestTimeFlip(TestCase):
    def _pair(self):
        kwargs = dict(input_shape=(8, 8, 1), num_classes=4, filters=(4,), dense_units=8,
                      batch_norm=True)
        plain = conv_net(**kwargs)
        flipped = conv_net(test_time_flip=True, **kwargs)
        flipped.set_weights(plain.get_weights())  # no weights of its own
        images = np.random.default_rng(1).integers(0, 256, (5, 8, 8, 1), dtype=np.uint8)
        return plain, flipped, images

    def test_inference_averages_an_image_and_its_mirror_image(self):
        plain, flipped, images = self._pair()
        expected = (np.asarray(plain(images, training=False))
                    + np.asarray(plain(images[:, :, ::-1], training=False))) / 2
        self.assertAllClose(flipped(images, training=False), expected, atol=1e-5)
        self.assertAllClose(flipped.predict(images, verbose=0), expected, atol=1e-5)

    def test_training_is_the_plain_model(self):
        plain, flipped, images = self._pair()
        self.assertAllClose(flipped(images, training=True), plain(images, training=True),
                            atol=1e-5)

    def test_round_trips_keras_and_saved_model(self):
        _, flipped, images = self._pair()
        self.run_model_saving_test(flipped, images, atol=1e-5)
        self.run_export_test(flipped, images, atol=1e-5)

    def test_bad_value_is_refused(self):
        with pytest.raises(ValueError, match="test_time_flip must be a bool"):
            conv_net(input_shape=(8, 8, 1), test_time_flip="yes")
