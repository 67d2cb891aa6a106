"""`RandomShiftRotate`: training-only random translation, rotation and mirroring of images."""

from __future__ import annotations

import math

import keras

from tfk_tokfrag import _validation


def bilinear_sample(images, x, y, fill_value):
    """Samples `images` (b, h, w, c) at float coordinates `x`, `y` (b, h, w).

    Points outside the image take `fill_value`, blended bilinearly at the border. The
    gather-based equivalent of `keras.ops.image.affine_transform(...,
    interpolation="bilinear", fill_mode="constant")` that XLA compiles; public so
    other resampling layers can share it.
    """
    ops = keras.ops
    shape = ops.shape(images)
    batch, height, width, channels = shape[0], shape[1], shape[2], shape[3]
    flat = ops.reshape(images, (batch, height * width, channels))
    x0, y0 = ops.floor(x), ops.floor(y)
    out = 0.0
    for xi, wx in ((x0, 1.0 - (x - x0)), (x0 + 1.0, x - x0)):
        for yi, wy in ((y0, 1.0 - (y - y0)), (y0 + 1.0, y - y0)):
            inside = (
                (xi >= 0) & (xi <= ops.cast(width - 1, "float32"))
                & (yi >= 0) & (yi <= ops.cast(height - 1, "float32"))
            )
            index = ops.cast(
                ops.clip(yi, 0, ops.cast(height - 1, "float32")) * ops.cast(width, "float32")
                + ops.clip(xi, 0, ops.cast(width - 1, "float32")),
                "int32",
            )
            index = ops.reshape(index, (batch, height * width, 1))
            values = ops.take_along_axis(
                flat, ops.broadcast_to(index, (batch, height * width, channels)), axis=1
            )
            values = ops.reshape(values, (batch, height, width, channels))
            values = ops.where(inside[..., None], values, fill_value)
            out = out + (wx * wy)[..., None] * values
    return out


@keras.saving.register_keras_serializable(package="tfk_tokfrag")
class RandomShiftRotate(keras.layers.Layer):
    """Randomly shifts, rotates (and optionally mirrors) images, in training only.

    Keras' own `RandomTranslation`, `RandomRotation` and `RandomFlip` default to
    `training=True`,
    so a model that contains them augments when it is called as `model(x)` or served
    from `model.export(...)`, and they turn off XLA for the whole model. This layer
    augments only when it is told it is training (as `fit` does) and is the identity
    otherwise, so exported models are deterministic; shift, rotation and mirror are one
    affine resampling written with gathers, which compiles with XLA (Keras'
    `affine_transform` does not).

    Args:
        translation: maximum shift, as a fraction of height and width.
        rotation: maximum rotation, as a fraction of a full turn.
        horizontal_flip: also mirror each image left-right with probability 1/2 (for
            classes that are mirror-symmetric, such as clothes or objects; not for
            digits or text).
        fill_value: value of the pixels shifted or rotated in.
        seed: seed of the random draws.

    Call arguments:
        images: float images `(batch, height, width, channels)` or one image.
        training: augment only if True.

    Input shape:
        `(batch, height, width, channels)` or `(height, width, channels)`.

    Output shape:
        Same as the input.

    Example:

    >>> import numpy as np
    >>> layer = RandomShiftRotate(translation=0.1, rotation=0.05)
    >>> images = np.ones((2, 8, 8, 1), "float32")
    >>> bool(np.array_equal(layer(images), images))  # identity outside training
    True
    """

    def __init__(
        self,
        translation: float = 0.1,
        rotation: float = 0.05,
        fill_value: float = 0.0,
        seed: int | None = None,
        horizontal_flip: bool = False,
        **kwargs,
    ):
        translation = _validation.rate("translation", translation)
        if not _validation.is_real(rotation) or not 0.0 <= rotation < 0.5:
            raise ValueError(f"rotation must be in [0, 0.5). Received: rotation={rotation!r}")
        if not _validation.is_real(fill_value):
            raise ValueError(
                f"fill_value must be an int or a float. Received: fill_value={fill_value!r}"
            )
        _validation.check_bool("horizontal_flip", horizontal_flip)
        seed = _validation.int_or_none("seed", seed)
        super().__init__(**kwargs)
        self.translation = translation
        self.rotation = float(rotation)
        self.horizontal_flip = horizontal_flip
        self.fill_value = _validation.plain_number(fill_value)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = True

    def call(self, images, training=None):
        if not training or not (self.translation or self.rotation or self.horizontal_flip):
            return images
        ops = keras.ops
        unbatched = len(images.shape) == 3
        if unbatched:
            images = ops.expand_dims(images, 0)
        shape = ops.shape(images)
        batch = shape[0]
        height = ops.cast(shape[1], "float32")
        width = ops.cast(shape[2], "float32")
        dx = keras.random.uniform(
            (batch,), -self.translation, self.translation, seed=self.seed_generator
        ) * width
        dy = keras.random.uniform(
            (batch,), -self.translation, self.translation, seed=self.seed_generator
        ) * height
        angle = keras.random.uniform(
            (batch,), -self.rotation, self.rotation, seed=self.seed_generator
        ) * (2.0 * math.pi)
        cos, sin = ops.cos(angle), ops.sin(angle)
        cx, cy = (width - 1.0) / 2.0, (height - 1.0) / 2.0
        # Output pixel p samples the input at R^-1 (M (p - c) - t) + c, M a mirror or
        # the identity: one affine map for mirror, shift and rotation, one bilinear
        # resampling.
        ys, xs = ops.meshgrid(
            ops.arange(shape[1], dtype="float32"),
            ops.arange(shape[2], dtype="float32"),
            indexing="ij",
        )
        xs = xs[None] - cx
        if self.horizontal_flip:  # x -> -x about the centre, for half of the images
            heads = keras.random.uniform((batch,), seed=self.seed_generator) < 0.5
            xs = xs * ops.where(heads, -1.0, 1.0)[:, None, None]
        xs, ys = xs - dx[:, None, None], ys[None] - cy - dy[:, None, None]
        cos, sin = cos[:, None, None], sin[:, None, None]
        x_in = cos * xs + sin * ys + cx
        y_in = -sin * xs + cos * ys + cy
        out = bilinear_sample(ops.cast(images, "float32"), x_in, y_in, self.fill_value)
        out = ops.cast(out, self.compute_dtype)
        return out[0] if unbatched else out

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "translation": self.translation,
                "rotation": self.rotation,
                "fill_value": self.fill_value,
                "seed": self.seed,
                "horizontal_flip": self.horizontal_flip,
            }
        )
        return config
