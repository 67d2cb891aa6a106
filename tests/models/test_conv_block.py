"""`apply_conv_block` and `rescale_pixels` against layers written out by hand."""

import keras
import numpy as np
import pytest

from tests.test_case import TestCase
from tfk_tokfrag.models.conv_block import apply_conv_block, rescale_pixels


def _block_model(**kwargs):
    inputs = keras.Input((6, 6, 2))
    return keras.Model(inputs, apply_conv_block(inputs, 4, **kwargs))


class TestConvBlock(TestCase):
    def test_equals_the_layers_written_out(self):
        model = _block_model(num_convs=2, kernel_size=3, batch_norm=True, name="b")
        reference = keras.Sequential(
            [
                keras.Input((6, 6, 2)),
                keras.layers.Conv2D(4, 3, padding="same", use_bias=False),
                keras.layers.BatchNormalization(),
                keras.layers.ReLU(),
                keras.layers.Conv2D(4, 3, padding="same", use_bias=False),
                keras.layers.BatchNormalization(),
                keras.layers.ReLU(),
                keras.layers.MaxPooling2D(2, padding="same"),
            ]
        )
        assert [layer.name for layer in model.layers[1:]] == [
            "b_conv1", "b_bn1", "b_relu1", "b_conv2", "b_bn2", "b_relu2", "b_pool",
        ]
        assert [w.shape for w in model.weights] == [w.shape for w in reference.weights]
        rng = np.random.default_rng(0)
        for src, dst in zip(reference.weights, model.weights, strict=True):
            value = rng.uniform(0.5, 1.5, src.shape).astype("float32")
            src.assign(value)
            dst.assign(value)
        x = rng.normal(size=(3, 6, 6, 2)).astype("float32")
        self.assertAllClose(model(x), reference(x), atol=1e-6)
        # Odd sizes round up, as "same" pooling does.
        odd = keras.Input((5, 7, 1))
        assert apply_conv_block(odd, 3, name="odd").shape == (None, 3, 4, 3)

    def test_fused_activation_is_the_same_computation(self):
        separate = _block_model(name="s")
        fused = _block_model(fused_activation=True, name="f", conv_name="conv1",
                             pool_name="pool1")
        assert [layer.name for layer in fused.layers[1:]] == ["conv1", "pool1"]
        assert [type(layer).__name__ for layer in separate.layers[1:]] == [
            "Conv2D", "ReLU", "MaxPooling2D",
        ]
        fused.set_weights(separate.get_weights())
        x = np.random.default_rng(1).normal(size=(2, 6, 6, 2)).astype("float32")
        self.assertAllClose(fused(x), separate(x), atol=1e-6)

    @pytest.mark.parametrize(
        "kwargs, message",
        [
            ({"fused_activation": True, "batch_norm": True}, "fused_activation=True"),
            ({"num_convs": 2, "conv_name": "c"}, "conv_name='c', num_convs=2"),
            ({"batch_norm": "no"}, "batch_norm must be a bool. Received: batch_norm='no'"),
            ({"fused_activation": 1}, "fused_activation must be a bool"),
        ],
    )
    def test_contradictory_arguments(self, kwargs, message):
        with pytest.raises(ValueError, match=message):
            _block_model(name="b", **kwargs)


@pytest.mark.parametrize("dtype, scale", [("uint8", 1 / 255), ("float32", 1.0)])
def test_rescale_pixels(dtype, scale):
    inputs = keras.Input((2, 2, 1), dtype=dtype)
    model = keras.Model(inputs, rescale_pixels(inputs, name="rescale"))
    pixels = np.array([0, 1, 128, 255], dtype).reshape(1, 2, 2, 1)
    assert model.layers[-1].name == "rescale"
    np.testing.assert_allclose(model(pixels), pixels.astype("float64") * scale, rtol=1e-6)
