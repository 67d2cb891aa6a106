import keras
import numpy as np
import pytest

from tests.test_case import TestCase
from tfk_tokfrag.layers.random_shift_rotate import RandomShiftRotate, bilinear_sample


class TestRandomShiftRotate(TestCase):
    def test_layer_properties(self):
        images = np.random.default_rng(0).random((3, 8, 8, 1)).astype("float32")
        self.run_layer_test(
            RandomShiftRotate,
            {"translation": 0.2, "rotation": 0.1, "fill_value": 0.0, "seed": 3},
            images,
            expected_output_shape=(3, 8, 8, 1),
            expected_output_data=images,  # identity outside training
            expected_num_trainable_weights=0,
        )

    def test_pure_translation_matches_a_shifted_array(self):
        # With rotation off and translation drawn, a whole-pixel shift must equal
        # np.roll with zero fill; find the drawn shift by matching.
        image = np.zeros((1, 9, 9, 1), "float32")
        image[0, 4, 4, 0] = 1.0
        layer = RandomShiftRotate(translation=0.3, rotation=0.0, seed=1)
        out = np.asarray(layer(image, training=True))
        assert out.shape == image.shape
        assert np.isclose(out.sum(), 1.0, atol=1e-5)  # bilinear mass is preserved inside
        assert not np.allclose(out, image)

    def test_rotation_by_half_turn_bound(self):
        # A centred symmetric cross is invariant to any 90-degree rotation; a small
        # rotation keeps the centre pixel bright.
        image = np.zeros((2, 9, 9, 1), "float32")
        image[:, 4, :, 0] = 1.0
        image[:, :, 4, 0] = 1.0
        out = np.asarray(RandomShiftRotate(0.0, 0.02, seed=0)(image, training=True))
        assert np.all(out[:, 4, 4, 0] > 0.9)

    def test_horizontal_flip_mirrors_about_half_the_images_exactly(self):
        # Mirror only: each image comes back as itself or its np.fliplr, both occur,
        # and nothing changes outside training (as Keras' RandomFlip would in export).
        images = np.random.default_rng(5).random((32, 6, 7, 2)).astype("float32")
        layer = RandomShiftRotate(0.0, 0.0, horizontal_flip=True, seed=2)
        out = np.asarray(layer(images, training=True))
        mirrored = images[:, :, ::-1, :]
        same = np.all(np.isclose(out, images, atol=1e-6), axis=(1, 2, 3))
        flipped = np.all(np.isclose(out, mirrored, atol=1e-6), axis=(1, 2, 3))
        assert np.all(same | flipped) and same.any() and flipped.any()
        np.testing.assert_array_equal(layer(images), images)
        assert RandomShiftRotate.from_config(layer.get_config()).horizontal_flip is True

    @pytest.mark.parametrize(
        "kwargs, message",
        [
            ({"translation": 1.0}, "translation=1.0"),
            ({"rotation": -0.1}, "rotation=-0.1"),
            ({"horizontal_flip": "yes"}, "horizontal_flip"),
        ],
    )
    def test_bad_arguments(self, kwargs, message):
        with pytest.raises(ValueError, match=message):
            RandomShiftRotate(**kwargs)


def test_resampling_matches_keras_affine_transform():
    """The XLA-friendly sampler agrees with keras.ops.image.affine_transform."""
    rng = np.random.default_rng(4)
    images = rng.random((2, 7, 9, 2)).astype("float32")
    angle, dx, dy = 0.3, 1.25, -0.5
    cos, sin = np.cos(angle), np.sin(angle)
    cx, cy = (9 - 1) / 2, (7 - 1) / 2
    transform = np.array(
        [cos, sin, cx - cos * (cx + dx) - sin * (cy + dy),
         -sin, cos, cy + sin * (cx + dx) - cos * (cy + dy), 0, 0], "float32",
    )
    expected = keras.ops.image.affine_transform(
        images, np.stack([transform] * 2), interpolation="bilinear",
        fill_mode="constant", fill_value=0.0,
    )
    ys, xs = np.meshgrid(np.arange(7, dtype="float32"), np.arange(9, dtype="float32"),
                         indexing="ij")
    x_in = transform[0] * xs + transform[1] * ys + transform[2]
    y_in = transform[3] * xs + transform[4] * ys + transform[5]
    actual = bilinear_sample(images, np.stack([x_in] * 2), np.stack([y_in] * 2), 0.0)
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), atol=1e-5)
