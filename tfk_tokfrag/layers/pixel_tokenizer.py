"""`PixelTokenizer`: images -> pixel tokens (patches), with an exact inverse."""

from __future__ import annotations

import keras
import tensorflow as tf

from tfk_tokfrag import _validation
from tfk_tokfrag.layers import _patch_ops as ops
from tfk_tokfrag.layers._shapes import crop_or_pad, dim, static_or_none, windows_extent

_PADDINGS = ("valid", "same")
_LAYOUTS = ("sequence", "grid")
_INTERPOLATIONS = ("bilinear", "bicubic")


@keras.saving.register_keras_serializable(package="tfk_tokfrag")
class PixelTokenizer(keras.layers.Layer):
    """Cuts images into pixel tokens (patches), optionally embedded.

    Each token holds the pixels of one `patch_size` patch, flattened in
    `(patch_height, patch_width, channels)` row-major order, the same order as
    `keras.ops.image.extract_patches`. Tokens come in row-major patch order, either
    as a sequence `(batch, num_tokens, features)` for a Transformer or as a grid
    `(batch, rows, cols, features)` (space-to-depth) that a ConvNet takes directly.
    `patch_size=1` gives one token per pixel.

    Non-overlapping patches (`strides` equal to `patch_size`, the default) are cut
    by a reshape and a transpose, several times faster than `extract_patches`.
    Smaller `strides` give overlapping patches; `detokenize()` inverts the raw
    tokens in either case, averaging the overlaps.

    With `embed_dim`, each token is projected by a learned linear map (a ViT patch
    embedding). With `position_embedding=True`, a learned position embedding is
    added to each token; it is built for the token grid of `image_size` (or of the
    image size seen when the layer is built) and resized with `interpolation` when
    the images called on give another grid. With `class_token=True`, a learned class
    token is prepended to the sequence. Without these options the layer has no
    weights.

    `grid_shape(height, width)` and `token_spans(height, width)` give the token grid
    of an image size as plain ints, computed as the layer computes it.

    Images may be uint8, integer or float; they are cast (not rescaled) to the
    layer's compute dtype, so under `mixed_float16` the tokens are float16. Height
    and width may be unknown until call time. A single image `(height, width,
    channels)` gives the tokens of that image without a batch axis, so the layer
    works in `tf.data.Dataset.map` before or after batching. The layer uses
    TensorFlow ops (it is meant for the TensorFlow backend, `tf.data` and
    SavedModels).

    Args:
        patch_size: patch size, an int or a pair `(patch_height, patch_width)`.
        strides: step between patches, an int or a pair; `None` (the default)
            means `patch_size` (non-overlapping patches). Smaller strides give
            overlapping patches, larger ones leave gaps.
        padding: `"valid"` keeps only whole patches (the ragged bottom/right edge is
            dropped); `"same"` zero-pads the bottom/right edge so every pixel is in
            a token, giving `ceil(size / stride)` tokens along each axis as Keras
            convolutions do. Unlike TensorFlow's `"SAME"`, all padding goes to the
            bottom/right, so the first token always starts at pixel `(0, 0)`.
        output_layout: `"sequence"` for `(batch, rows * cols, features)` or `"grid"`
            for `(batch, rows, cols, features)`.
        embed_dim: if set, the size of a learned linear projection (with bias) of
            each token; `None` keeps the raw `patch_height * patch_width *
            channels` pixel values.
        position_embedding: add a learned position embedding, one vector per token
            position of the grid (truncated-normal initialized, stddev 0.02).
        class_token: prepend a learned class token (zeros-initialized) to the
            sequence. Needs `embed_dim` and `output_layout="sequence"`. It carries
            no position embedding of its own (its vector is learned anyway).
        image_size: `(height, width)` (or an int for square images) that the
            position embedding is built for; `None` uses the image size seen at
            build time. Also the default size for `detokenize()`.
        interpolation: how the position embedding is resized to another token
            grid, `"bicubic"` (the default, as ViT/DeiT fine-tuning does) or
            `"bilinear"`; both with `tf.image.resize` (half-pixel centres, no
            antialiasing).
        **kwargs: base layer arguments, such as `name` and `dtype`.

    Call arguments:
        images: a batch `(batch, height, width, channels)` or a single image
            `(height, width, channels)`, of any real dtype.

    Input shape:
        4D tensor `(batch, height, width, channels)` or 3D `(height, width,
        channels)`; `channels` must be known.

    Output shape:
        With `output_layout="sequence"`: `(batch, rows * cols (+ 1 with
        class_token), features)`; with `"grid"`: `(batch, rows, cols, features)`,
        where `features` is `embed_dim` or `patch_height * patch_width *
        channels`, and `rows = (height - patch_height) // stride_height + 1` with
        `"valid"` padding or `ceil(height / stride_height)` with `"same"`
        (likewise `cols`). Without a batch axis for a single image. Images that
        give no token (smaller than a patch with `"valid"` padding, or empty) are
        refused: a `ValueError` when their size is known as the layer is built or
        called, else a failed `tf.debugging.Assert` (`InvalidArgumentError`) when
        the graph runs.

    Example:

    >>> import numpy as np
    >>> from tfk_tokfrag.layers.pixel_tokenizer import PixelTokenizer
    >>> images = np.arange(2 * 8 * 8 * 3).reshape((2, 8, 8, 3)).astype("uint8")
    >>> tokenizer = PixelTokenizer(patch_size=4)
    >>> tokens = tokenizer(images)
    >>> tuple(tokens.shape)
    (2, 4, 48)
    >>> restored = tokenizer.detokenize(tokens, image_size=(8, 8))
    >>> bool(np.array_equal(np.asarray(restored), images))
    True
    >>> grid = PixelTokenizer(patch_size=4, strides=2, output_layout="grid")(images)
    >>> tuple(grid.shape)
    (2, 3, 3, 48)
    >>> vit = PixelTokenizer(patch_size=4, embed_dim=16, position_embedding=True,
    ...                      class_token=True)
    >>> tuple(vit(images).shape)
    (2, 5, 16)
    """

    def __init__(
        self,
        patch_size: int | tuple[int, int] = 16,
        strides: int | tuple[int, int] | None = None,
        padding: str = "valid",
        output_layout: str = "sequence",
        embed_dim: int | None = None,
        position_embedding: bool = False,
        class_token: bool = False,
        image_size: int | tuple[int, int] | None = None,
        interpolation: str = "bicubic",
        **kwargs,
    ):
        patch_size, patch_hw = _validation.int_or_pair("patch_size", patch_size)
        strides, strides_hw = _validation.int_or_pair("strides", strides, allow_none=True)
        _validation.choice("padding", padding, _PADDINGS)
        _validation.choice("output_layout", output_layout, _LAYOUTS)
        if embed_dim is not None and not _validation.is_positive_int(embed_dim):
            raise ValueError(
                f"embed_dim must be a positive int or None. Received: embed_dim={embed_dim!r}"
            )
        _validation.check_bool("position_embedding", position_embedding)
        _validation.check_bool("class_token", class_token)
        if class_token and (embed_dim is None or output_layout != "sequence"):
            raise ValueError(
                "class_token=True needs embed_dim and output_layout='sequence'. "
                f"Received: class_token={class_token!r}, embed_dim={embed_dim!r}, "
                f"output_layout={output_layout!r}"
            )
        image_size, image_hw = _validation.int_or_pair("image_size", image_size, allow_none=True)
        _validation.choice("interpolation", interpolation, _INTERPOLATIONS)
        strides_hw = strides_hw or patch_hw
        if image_hw is not None and position_embedding:
            if 0 in ops.token_grid(image_hw, patch_hw, strides_hw, padding):
                raise ValueError(
                    "image_size gives no whole patch to build the position embedding for. "
                    f"Received: image_size={image_size!r}, patch_size={patch_size!r}, "
                    f"padding={padding!r}"
                )
        super().__init__(**kwargs)
        self._patch_hw = patch_hw
        self._strides_hw = strides_hw
        self.patch_size = patch_size
        self.strides = strides
        self.padding = padding
        self.output_layout = output_layout
        self.embed_dim = None if embed_dim is None else int(embed_dim)
        self.position_embedding = position_embedding
        self.class_token = class_token
        self.image_size = image_size
        self.interpolation = interpolation

        self._image_hw = image_hw
        self._overlapping = self._strides_hw != self._patch_hw

    # -- shapes ----------------------------------------------------------------------
    def grid_shape(self, height: int, width: int) -> tuple[int, int]:
        """The `(rows, cols)` token grid this layer cuts from images of a given size.

        `rows = (height - patch_height) // stride_height + 1` with `"valid"`
        padding (0 for images smaller than a patch), `ceil(height / stride_height)`
        with `"same"`; likewise `cols`. The layer's graph uses the same formula.

        Args:
            height: the image height in pixels, an int >= 0.
            width: the image width in pixels, an int >= 0.

        Returns:
            `(rows, cols)`, plain ints; the sequence layout has `rows * cols` pixel
            tokens (plus the class token, with `class_token=True`).

        Example:

        >>> PixelTokenizer(patch_size=4, strides=2).grid_shape(8, 10)
        (3, 4)
        >>> PixelTokenizer(patch_size=4, padding="same").grid_shape(10, 10)
        (3, 3)
        """
        height = _validation.non_negative_int("height", height)
        width = _validation.non_negative_int("width", width)
        return self._grid((height, width))

    def token_spans(self, height: int, width: int):
        """The pixel rows and columns each row and column of the token grid holds.

        Args:
            height: the image height in pixels, an int >= 0.
            width: the image width in pixels, an int >= 0.

        Returns:
            `(row_spans, col_spans)`: token row `i` holds pixel rows
            `row_spans[i][0]` to `row_spans[i][1] - 1`, likewise columns (one span
            per row and column of `grid_shape(height, width)`). With `"same"`
            padding the last spans may reach into the zero padding past the image.

        Example:

        >>> PixelTokenizer(patch_size=4, strides=2).token_spans(8, 5)
        (((0, 4), (2, 6), (4, 8)), ((0, 4),))
        """
        grid = self.grid_shape(height, width)
        return tuple(
            tuple((i * stride, i * stride + patch) for i in range(count))
            for count, patch, stride in zip(grid, self._patch_hw, self._strides_hw, strict=True)
        )

    def _grid(self, image_hw):
        """`(rows, cols)` of the token grid for `(height, width)` (ints or tensors)."""
        return ops.token_grid(image_hw, self._patch_hw, self._strides_hw, self.padding)

    def _check_rank(self, shape):
        shape = tuple(shape)
        if len(shape) not in (3, 4):
            raise ValueError(
                "PixelTokenizer expected images of rank 3 or 4 "
                f"(batch, height, width, channels), received shape {shape}"
            )
        if shape[-1] is None:
            raise ValueError(
                "PixelTokenizer expected images with a known number of channels "
                f"(batch, height, width, channels), received shape {shape}"
            )
        return shape

    def _require_tokens(self, image_hw, x=None):
        describe = (f"patch_size={self.patch_size!r}, strides={self.strides!r}, "
                    f"padding={self.padding!r}")
        return ops.require_tokens(self._grid(image_hw), image_hw, describe, x)

    def _features(self, channels: int) -> int:
        return self._patch_hw[0] * self._patch_hw[1] * channels

    def build(self, input_shape):
        shape = self._check_rank(input_shape)
        self._require_tokens(tuple(None if d is None else int(d) for d in shape[-3:-1]))
        channels = int(shape[-1])
        features = self._features(channels)
        if self.embed_dim is not None:
            self.kernel = self.add_weight(
                name="kernel",
                shape=(features, self.embed_dim),
                initializer="glorot_uniform",
            )
            self.bias = self.add_weight(name="bias", shape=(self.embed_dim,), initializer="zeros")
            features = self.embed_dim
        if self.position_embedding:
            image_hw = self._image_hw or tuple(shape[-3:-1])
            if None in image_hw:
                raise ValueError(
                    "position_embedding=True needs the image size: pass image_size= or "
                    f"build the layer on images of known height and width. Received "
                    f"input shape {shape}"
                )
            grid = self._grid(tuple(int(d) for d in image_hw))  # Checked: no 0.
            self.position_embeddings = self.add_weight(
                name="position_embeddings",
                shape=(*grid, features),
                initializer=keras.initializers.TruncatedNormal(stddev=0.02),
            )
        if self.class_token:
            self.class_embedding = self.add_weight(
                name="class_embedding", shape=(self.embed_dim,), initializer="zeros"
            )

    def compute_output_shape(self, input_shape):
        shape = self._check_rank(input_shape)
        unbatched = len(shape) == 3
        height, width, channels = shape[-3:]
        image_hw = tuple(None if d is None else int(d) for d in (height, width))
        self._require_tokens(image_hw)
        rows, cols = self._grid(image_hw)
        features = self.embed_dim or self._features(int(channels))
        if self.output_layout == "grid":
            out = (rows, cols, features)
        else:
            num = None if rows is None or cols is None else rows * cols
            if num is not None and self.class_token:
                num += 1
            out = (num, features)
        return out if unbatched else (shape[0], *out)

    # -- tokenize --------------------------------------------------------------------
    def call(self, images):
        shape = self._check_rank(images.shape)
        dtype = images.dtype
        if not (dtype.is_floating or dtype.is_integer or dtype.is_bool):
            raise ValueError(
                "PixelTokenizer expected real-valued images (uint8, int or float), "
                f"received dtype {images.dtype.name} with shape {shape}"
            )
        unbatched = len(shape) == 3
        x = images[tf.newaxis] if unbatched else images
        if x.dtype != self.compute_dtype:
            x = tf.cast(x, self.compute_dtype)

        x = self._require_tokens((dim(x, 1), dim(x, 2)), x)
        grid_hw = self._grid((dim(x, 1), dim(x, 2)))
        # Without a position grid to add, non-overlapping tokens are cut straight into
        # the sequence layout: one reshape fewer.
        direct_sequence = self.output_layout == "sequence" and not self.position_embedding
        if self._overlapping:
            tokens = ops.cut_overlapping(
                x, self._patch_hw, self._strides_hw, grid_hw, self.padding
            )
        else:
            tokens = ops.cut_blocks(x, self._patch_hw, grid_hw, sequence=direct_sequence)

        if self.embed_dim is not None:
            tokens = tf.matmul(tokens, tf.cast(self.kernel, tokens.dtype))
            tokens = tokens + tf.cast(self.bias, tokens.dtype)
        if self.position_embedding:
            tokens = tokens + self._position_grid(grid_hw, tokens.dtype)
        if self.output_layout == "sequence":
            batch = dim(x, 0)
            num = grid_hw[0] * grid_hw[1]
            if tokens.shape.rank == 4:
                tokens = tf.reshape(tokens, [batch, num, tokens.shape[-1]])
            if self.class_token:
                cls = tf.cast(self.class_embedding, tokens.dtype)
                cls = tf.broadcast_to(cls, [batch, 1, self.embed_dim])
                tokens = tf.concat([cls, tokens], axis=1)
        return tokens[0] if unbatched else tokens

    def _position_grid(self, grid_hw, dtype):
        """The position embedding, resized to the token grid if it differs."""
        table = self.position_embeddings
        built_hw = tuple(table.shape[:2])
        if tuple(static_or_none(d) for d in grid_hw) != built_hw:
            # Resizing to the same size is the identity for both methods, so an
            # unknown grid size can always go through the resize.
            table = tf.image.resize(
                tf.convert_to_tensor(table)[tf.newaxis],
                tf.stack(grid_hw),
                method=self.interpolation,
            )[0]
        return tf.cast(table, dtype)

    # -- detokenize ------------------------------------------------------------------
    def detokenize(self, tokens, image_size=None):
        """Rebuilds images from raw pixel tokens (the inverse of calling the layer).

        Where patches overlap, the pixel is the mean of its copies; pixels no token
        covers (the edge dropped by `"valid"` padding, gaps between strided patches)
        are zero. Only for layers without `embed_dim` and `position_embedding`,
        whose tokens are raw pixels.

        Args:
            tokens: raw tokens in this layer's `output_layout`, batched or not
                (`(batch, num_tokens, features)` or `(batch, rows, cols,
                features)`).
            image_size: `(height, width)` of the images to rebuild (an int for
                square ones, or scalar tensors). Defaults to the layer's
                `image_size`; with the grid layout, to the extent the tokens cover.

        Returns:
            Images `(batch, height, width, channels)` (or one image) in the dtype
            of `tokens` (float in the compute dtype if `tokens` are not float).
        """
        if self.embed_dim is not None or self.position_embedding:
            raise ValueError(
                "detokenize() inverts raw pixel tokens only, but this layer embeds its "
                f"tokens (embed_dim={self.embed_dim!r}, "
                f"position_embedding={self.position_embedding!r})"
            )
        tokens = tf.convert_to_tensor(tokens)
        if not tokens.dtype.is_floating:
            tokens = tf.cast(tokens, self.compute_dtype)
        grid = self.output_layout == "grid"
        rank = 4 if grid else 3
        if tokens.shape.rank not in (rank - 1, rank):
            layout = "(batch, rows, cols, features)" if grid else "(batch, num_tokens, features)"
            raise ValueError(
                f"detokenize() expected tokens of rank {rank - 1} or {rank} {layout} "
                f"(output_layout={self.output_layout!r}), received shape "
                f"{tuple(tokens.shape)}"
            )
        unbatched = tokens.shape.rank == rank - 1
        if unbatched:
            tokens = tokens[tf.newaxis]
        (ph, pw), (sh, sw) = self._patch_hw, self._strides_hw
        features = tokens.shape[-1]
        if features is None or features % (ph * pw):
            raise ValueError(
                f"detokenize() expected token features divisible by patch_height * "
                f"patch_width = {ph * pw}, received shape {tuple(tokens.shape)}"
            )
        channels = features // (ph * pw)

        if image_size is None:
            image_size = self.image_size
        if image_size is None:
            if not grid:
                raise ValueError(
                    "detokenize() needs image_size for sequence tokens when the layer "
                    "has no image_size. Received: image_size=None"
                )
            rows, cols = dim(tokens, 1), dim(tokens, 2)
            height, width = windows_extent(rows, sh, ph), windows_extent(cols, sw, pw)
            if self.padding == "same":  # The padding is not part of the image.
                height, width = rows * sh, cols * sw
        else:
            if isinstance(image_size, int):
                image_size = (image_size, image_size)
            height, width = (
                int(d) if isinstance(d, int) else tf.cast(d, tf.int32) for d in image_size
            )
            rows, cols = self._grid((height, width))
            if grid and (
                tokens.shape[1] not in (None, static_or_none(rows))
                or tokens.shape[2] not in (None, static_or_none(cols))
            ):
                raise ValueError(
                    f"detokenize() expected a ({rows}, {cols}) token grid for images "
                    f"of size {(height, width)}, received tokens of shape "
                    f"{tuple(tokens.shape)}"
                )
            if (
                not grid
                and None not in (static_or_none(rows), static_or_none(cols))
                and (tokens.shape[1] not in (None, rows * cols))
            ):
                raise ValueError(
                    f"detokenize() expected {rows * cols} tokens for images of size "
                    f"{(height, width)}, received tokens of shape {tuple(tokens.shape)}"
                )
        batch = dim(tokens, 0)
        patches = tf.reshape(tokens, [batch, rows, cols, ph, pw, channels])
        if not self._overlapping:
            images = ops.join_blocks(patches)
            extent = (rows * ph, cols * pw)
        else:
            images = ops.fold(patches, (sh, sw))
            extent = (windows_extent(rows, sh, ph), windows_extent(cols, sw, pw))
        images = crop_or_pad(images, (1, 2), extent, (height, width))
        return images[0] if unbatched else images

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "patch_size": self.patch_size,
                "strides": self.strides,
                "padding": self.padding,
                "output_layout": self.output_layout,
                "embed_dim": self.embed_dim,
                "position_embedding": self.position_embedding,
                "class_token": self.class_token,
                "image_size": self.image_size,
                "interpolation": self.interpolation,
            }
        )
        return config

