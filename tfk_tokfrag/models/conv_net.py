"""`conv_net`: a functional ConvNet builder for small images."""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import keras

from tfk_tokfrag import _validation
from tfk_tokfrag.layers.pixel_tokenizer import PixelTokenizer
from tfk_tokfrag.layers.random_shift_rotate import RandomShiftRotate
from tfk_tokfrag.layers.test_time_flip import FlipPairs, MeanOfPairs
from tfk_tokfrag.models.conv_block import apply_conv_block, rescale_pixels


def _is_fraction_below_half(value) -> bool:
    return (isinstance(value, numbers.Real) and not isinstance(value, bool)
            and 0.0 <= value < 0.5)


def conv_net(
    input_shape: Sequence[int | None] = (28, 28, 1),
    num_classes: int = 10,
    filters: int | Sequence[int] = (32, 64),
    kernel_size: int = 3,
    convs_per_block: int = 1,
    dense_units: int | Sequence[int] = 64,
    batch_norm: bool = False,
    batch_norm_momentum: float = 0.99,
    dropout: float = 0.0,
    augmentation: float = 0.0,
    augmentation_rotation: float | None = None,
    horizontal_flip: bool = False,
    test_time_flip: bool = False,
    input_dtype: str = "uint8",
    patch_size: int | Sequence[int] = 1,
    classifier_activation: str | None = None,
    name: str = "conv_net",
) -> keras.Model:
    """Builds a functional ConvNet classifier.

    The front of the model is a `PixelTokenizer` in grid layout: the image becomes a
    grid of pixel tokens, each patch's pixels stacked as channels (space-to-depth), and
    the convolutions run over that grid. With `patch_size=1` (the default) the tokens
    are the pixels themselves and the defaults reproduce the classic two-block design
    of the Keras MNIST example:
    `Conv2D(32) -> MaxPool -> Conv2D(64) -> MaxPool -> Dense(64) -> logits`. Each entry
    of `filters` adds a block (`apply_conv_block`) of `convs_per_block` 3x3 (by
    default) "same" convolutions with ReLU (and batch normalization before the ReLU if
    `batch_norm`), closed by a 2x2 max pool. The model takes raw pixels: uint8 images
    in `[0, 255]` are rescaled to `[0, 1]` inside the model, so a trained model (and
    its SavedModel) serves raw images.

    Args:
        input_shape: `(height, width, channels)` of one image; height and width may be
            `None` only if the pooled feature map is reduced globally (not supported
            with `Flatten`, so give them).
        num_classes: number of output classes.
        filters: filters per block, one block per entry.
        kernel_size: convolution kernel size.
        convs_per_block: convolutions in each block before its pool.
        dense_units: units of the hidden dense layer(s) before the classifier; `()` for
            none.
        batch_norm: add `BatchNormalization` after each convolution.
        batch_norm_momentum: momentum of its moving statistics: 0.99 (Keras' default)
            for long trainings, 0.9 for short ones (a few hundred steps), whose
            statistics would otherwise lag the weights.
        dropout: dropout rate before each dense layer (0 disables).
        augmentation: strength of training-time augmentation (random translation by
            this fraction of the image size and rotation by half of it, in turns);
            0 disables it. Inactive at inference and in exported models.
        augmentation_rotation: the maximum rotation on its own, in turns (e.g. 0 for
            upright images such as clothes or products); `None` keeps it at half of
            `augmentation`.
        horizontal_flip: also mirror training images left-right at random (for
            images whose classes are mirror-symmetric, such as clothes or objects;
            not for digits or text). Inactive at inference.
        test_time_flip: at inference (and in exported models), answer with the mean of
            the logits for each image and its left-right mirror image (`FlipPairs`,
            `MeanOfPairs`): test-time augmentation for mirror-symmetric classes, at
            twice the inference cost. Training is unchanged; the weights are those of
            the model without it.
        input_dtype: dtype of the input images, `"uint8"` (rescaled by 1/255) or a
            float dtype (taken as already in `[0, 1]`).
        patch_size: pixel-token size of the `PixelTokenizer` at the front (int or
            pair); `p` turns an `(H, W, C)` image into an `(H/p, W/p, p*p*C)` grid.
        classifier_activation: activation of the last layer; `None` gives logits.
        name: the model name.

    Returns:
        A functional `keras.Model` mapping images `(batch, *input_shape)` to
        `(batch, num_classes)` logits (or activations).

    Example:

    >>> model = conv_net(input_shape=(8, 8, 1), num_classes=10)
    >>> model.output_shape
    (None, 10)
    """
    shape = tuple(input_shape)
    if len(shape) != 3 or not all(
        d is None or _validation.is_positive_int(d) for d in shape
    ) or shape[2] is None:
        raise ValueError(
            "input_shape must be (height, width, channels) of positive ints (height and "
            f"width may be None). Received: input_shape={shape!r}"
        )
    patch = _validation.pair("patch_size", patch_size)
    for side, size, step in (("height", shape[0], patch[0]), ("width", shape[1], patch[1])):
        if size is not None and step > size:
            raise ValueError(
                f"patch_size {patch} does not fit the images: a patch is {step} pixels "
                f"in {side}, the images {size} (the model would see no token). Received: "
                f"input_shape={shape!r}, patch_size={patch_size!r}"
            )
    _validation.num_classes(num_classes)
    filters = _validation.positive_ints("filters", filters)
    (kernel_size,) = _validation.positive_ints("kernel_size", kernel_size)
    (convs_per_block,) = _validation.positive_ints("convs_per_block", convs_per_block)
    dense_units = () if dense_units in ((), []) else _validation.positive_ints(
        "dense_units", dense_units
    )
    _validation.rate("dropout", dropout)
    _validation.check_bool("batch_norm", batch_norm)
    _validation.rate("batch_norm_momentum", batch_norm_momentum)
    if not _is_fraction_below_half(augmentation):
        raise ValueError(
            "augmentation must be a number in [0, 0.5). Received: "
            f"augmentation={augmentation!r}"
        )
    if augmentation_rotation is not None and not _is_fraction_below_half(
        augmentation_rotation
    ):
        raise ValueError(
            "augmentation_rotation must be None or in [0, 0.5). Received: "
            f"augmentation_rotation={augmentation_rotation!r}"
        )
    _validation.check_bool("horizontal_flip", horizontal_flip)
    _validation.check_bool("test_time_flip", test_time_flip)
    _validation.choice(
        "input_dtype", input_dtype, ("uint8", "float16", "float32", "float64", "bfloat16")
    )

    # === Functional Model ===
    inputs = keras.Input(shape=tuple(input_shape), dtype=input_dtype, name="image")
    x = rescale_pixels(inputs, name="rescale")
    rotation = augmentation / 2 if augmentation_rotation is None else augmentation_rotation
    if augmentation or rotation or horizontal_flip:
        x = RandomShiftRotate(
            augmentation, rotation, horizontal_flip=horizontal_flip, name="augment"
        )(x)
    if test_time_flip:
        x = FlipPairs(name="flip_pairs")(x)
    x = PixelTokenizer(patch_size, output_layout="grid", name="pixel_tokens")(x)
    for block, block_filters in enumerate(filters, start=1):
        x = apply_conv_block(
            x,
            block_filters,
            num_convs=convs_per_block,
            kernel_size=kernel_size,
            batch_norm=batch_norm,
            batch_norm_momentum=batch_norm_momentum,
            name=f"block{block}",
        )
    x = keras.layers.Flatten(name="flatten")(x)
    for i, units in enumerate(dense_units):
        if dropout:
            x = keras.layers.Dropout(dropout, name=f"dropout{i + 1}")(x)
        x = keras.layers.Dense(units, activation="relu", name=f"dense{i + 1}")(x)
    if dropout:
        x = keras.layers.Dropout(dropout, name="dropout_head")(x)
    outputs = keras.layers.Dense(
        num_classes, activation=classifier_activation, dtype="float32", name="logits"
    )(x)
    if test_time_flip:
        outputs = MeanOfPairs(name="mean_of_pairs")(outputs)
    return keras.Model(inputs, outputs, name=name)
