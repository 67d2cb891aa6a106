"""`apply_conv_block`: the convolution block every ConvNet of the zoo is made of.

`conv_net`, the frame encoder of `lstm_video_classifier` and the image branch of
`fused_multimodal_net` are each raw pixels rescaled to `[0, 1]` (`rescale_pixels`)
followed by blocks of "same" convolutions closed by a 2x2 max pool
(`apply_conv_block`), as keras-hub's VGG backbone is a stack of `apply_vgg_block`.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from tfk_tokfrag import _validation


def batch_normalization(momentum: float, name: str) -> keras.layers.BatchNormalization:
    """The zoo's `BatchNormalization`: statistics of the global batch when built in the
    scope of a `tf.distribute` strategy with several replicas (`synchronized=True`).

    Then every replica normalizes with the statistics of the whole global batch and
    updates identical moving averages: the steps are those one device takes on that
    batch, and the workers of a cluster end with identical weights (with local
    statistics each worker keeps moving averages of its own part). Elsewhere the
    layer is Keras' default.
    """
    synchronized = tf.distribute.get_strategy().num_replicas_in_sync > 1
    return keras.layers.BatchNormalization(momentum=momentum, synchronized=synchronized,
                                           name=name)


def rescale_pixels(x, name: str | None = None):
    """Rescales raw pixels to `[0, 1]` inside the model.

    uint8 pixels in `[0, 255]` are divided by 255; float pixels are taken as already
    in `[0, 1]` and pass unchanged (a `Rescaling` layer of scale 1, so a model has the
    same layers, and takes the same weights, whatever its input dtype).

    Args:
        x: a symbolic tensor of images or frames.
        name: the name of the `Rescaling` layer (`None` lets Keras number it).

    Returns:
        The rescaled tensor (float32 with the default dtype policy).

    Example:

    >>> images = keras.Input((8, 8, 1), dtype="uint8")
    >>> rescale_pixels(images, name="rescale").dtype
    'float32'
    """
    scale = 1.0 / 255.0 if keras.backend.standardize_dtype(x.dtype) == "uint8" else 1.0
    return keras.layers.Rescaling(scale, name=name)(x)


def apply_conv_block(
    x,
    filters: int,
    *,
    num_convs: int = 1,
    kernel_size: int = 3,
    batch_norm: bool = False,
    batch_norm_momentum: float = 0.99,
    fused_activation: bool = False,
    name: str,
    conv_name: str | None = None,
    pool_name: str | None = None,
):
    """Applies one ConvNet block: `num_convs` convolutions with ReLU, then a max pool.

    Each convolution is a `Conv2D(filters, kernel_size, padding="same")`, followed by
    `BatchNormalization` if `batch_norm` (the convolution then has no bias: the
    normalization's offset replaces it) and a `ReLU` layer. With `fused_activation`
    the ReLU is the convolution's own `activation` instead of a layer of its own (the
    same computation in fewer layers; not with `batch_norm`, whose normalization comes
    between the two). The block ends with a 2x2 `MaxPooling2D(padding="same")`, which
    halves height and width (rounding up).

    Layers are named after the block, as keras-hub's `apply_vgg_block` names them:
    `{name}_conv{n}`, `{name}_bn{n}`, `{name}_relu{n}` for `n = 1..num_convs`, and
    `{name}_pool`.

    Args:
        x: a symbolic tensor `(batch, height, width, channels)`.
        filters: filters of each convolution.
        num_convs: convolutions before the pool.
        kernel_size: the convolutions' kernel size.
        batch_norm: add `BatchNormalization` after each convolution.
        batch_norm_momentum: momentum of its moving statistics (Keras' 0.99 suits
            thousands of steps; 0.9, PyTorch's and timm's, a few hundred).
        fused_activation: apply the ReLU inside each `Conv2D`.
        name: the block's name, the prefix of its layers' names.
        conv_name, pool_name: other names for the convolution (of a one-convolution
            block) and for the pool; the video frame encoder and the image branch of
            the multimodal net keep the layer names they were first saved with.

    Returns:
        The block's output, `(batch, ceil(height / 2), ceil(width / 2), filters)`.

    Example:

    >>> x = keras.Input((8, 8, 3))
    >>> y = apply_conv_block(x, 16, num_convs=2, batch_norm=True, name="block1")
    >>> y.shape
    (None, 4, 4, 16)
    >>> [layer.name for layer in keras.Model(x, y).layers[1:]]
    ['block1_conv1', 'block1_bn1', 'block1_relu1', 'block1_conv2', 'block1_bn2',
     'block1_relu2', 'block1_pool']
    """
    _validation.check_bool("batch_norm", batch_norm)
    _validation.check_bool("fused_activation", fused_activation)
    if fused_activation and batch_norm:
        raise ValueError(
            "fused_activation=True cannot be combined with batch_norm=True: the "
            "normalization comes between the convolution and its ReLU."
        )
    if conv_name is not None and num_convs != 1:
        raise ValueError(
            "conv_name names the convolution of a one-convolution block. "
            f"Received: conv_name={conv_name!r}, num_convs={num_convs!r}"
        )
    for n in range(1, num_convs + 1):
        x = keras.layers.Conv2D(
            filters,
            kernel_size,
            padding="same",
            activation="relu" if fused_activation else None,
            use_bias=not batch_norm,
            name=conv_name or f"{name}_conv{n}",
        )(x)
        if batch_norm:
            x = batch_normalization(batch_norm_momentum, name=f"{name}_bn{n}")(x)
        if not fused_activation:
            x = keras.layers.ReLU(name=f"{name}_relu{n}")(x)
    return keras.layers.MaxPooling2D(2, padding="same", name=pool_name or f"{name}_pool")(x)
