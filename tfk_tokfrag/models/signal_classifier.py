"""`signal_classifier`: series -> z-normalized -> convs -> fragments -> convs -> BiLSTM,
beside MiniRocket's features of the series and of its first difference."""

from __future__ import annotations

from collections.abc import Sequence

import keras

from tfk_tokfrag import _validation
from tfk_tokfrag.layers.frame_wise import FrameWise
from tfk_tokfrag.layers.length_mask import LengthMask
from tfk_tokfrag.layers.masked_temporal_pooling import MaskedTemporalPooling
from tfk_tokfrag.layers.mean_of_probabilities import MeanOfProbabilities
from tfk_tokfrag.layers.minirocket_features import NUM_KERNELS, MiniRocketFeatures
from tfk_tokfrag.layers.ridge_classifier import RidgeClassifier
from tfk_tokfrag.layers.series_difference import SeriesDifference
from tfk_tokfrag.layers.series_standardization import SeriesStandardization
from tfk_tokfrag.layers.temporal_fragmenter import TemporalFragmenter
from tfk_tokfrag.models.conv_block import batch_normalization

NORMALIZATIONS = ("per_channel", "per_series", "none")
MINIROCKET_HEADS = ("joined", "ensemble", "ridge", "joined_ridge")


def _optional_ints(name: str, values) -> tuple[int, ...]:
    """`()` (none), an int or a sequence of positive ints, as a tuple."""
    if not _validation.is_int(values) and hasattr(values, "__len__") and len(values) == 0:
        return ()
    return _validation.positive_ints(name, values)


def _kernel_sizes(name: str, values, count: int, of: str) -> tuple[int, ...]:
    """One kernel size per convolution (`count` of them, in `of`); one int for all;
    `()` without convolutions."""
    sizes = _validation.positive_ints(name, values)
    if not count:
        return ()
    if len(sizes) == 1:
        sizes = sizes * count
    if len(sizes) != count:
        raise ValueError(
            f"{name} must be one int or one per convolution of {of} ({count}). "
            f"Received: {name}={sizes!r}"
        )
    return sizes


def fragment_encoder(
    fragment_shape: Sequence[int],
    filters: Sequence[int],
    kernel_sizes: Sequence[int],
    name: str = "fragment_encoder",
) -> keras.Model:
    """1-D convolutions over the steps of one fragment `(length, channels)`.

    Each block is `Conv1D(filters, kernel_size, padding="same")` (no bias), batch
    normalization (momentum 0.9) and ReLU; the output keeps one feature vector per step,
    `(length, filters[-1])`, for a masked pooling over the real steps.
    """
    inputs = keras.Input(tuple(fragment_shape), name="fragment")
    x = inputs
    for block, (block_filters, kernel) in enumerate(zip(filters, kernel_sizes, strict=True), 1):
        x = keras.layers.Conv1D(
            block_filters, kernel, padding="same", use_bias=False, name=f"conv{block}"
        )(x)
        # momentum 0.9: the moving statistics settle within the few hundred steps a
        # small UCR training set gives (the default 0.99 leaves them far from the
        # batch statistics there, and inference collapses to one class).
        x = batch_normalization(0.9, name=f"bn{block}")(x)
        x = keras.layers.ReLU(name=f"relu{block}")(x)
    return keras.Model(inputs, x, name=name)


def signal_classifier(
    input_shape: Sequence[int | None] = (None, 1),
    num_classes: int = 2,
    normalize: str = "per_channel",
    fragment_length: int = 32,
    fragment_stride: int | None = 16,
    encoder_filters: int | Sequence[int] = (64,),
    kernel_sizes: int | Sequence[int] = (3,),
    lstm_units: int = 64,
    bidirectional: bool = True,
    noise: float = 0.1,
    dropout: float = 0.3,
    length_input: bool = False,
    series_filters: int | Sequence[int] = (64, 128, 64),
    series_kernel_sizes: int | Sequence[int] = (8, 5, 3),
    minirocket_features: int = 10_000,
    minirocket_dropout: float = 0.8,
    minirocket_head: str = "joined",
    minirocket_difference: bool = True,
    name: str = "signal_classifier",
) -> keras.Model:
    """Builds a functional classifier of (multivariate) series over temporal fragments.

    `series (batch, time, channels)` float32, any `time` ->
    `SeriesStandardization` (z-normalized per series, padding excluded) ->
    Gaussian jitter in training only (`noise`) ->
    1-D convolutions over the whole series (`series_filters`, `()` for none: context
    across fragment edges; the steps past each series' end zeroed before each one) ->
    `TemporalFragmenter` (fragments of `fragment_length` steps every
    `fragment_stride`, padded at the end, with masks) ->
    1-D convolutions over the steps of each fragment, shared by all fragments
    (`FrameWise`, one batched call) -> a masked mean over the real steps of each
    fragment -> a (bidirectional) LSTM over the fragments, masked where they are
    padding, joined with the masked mean of the fragment features -> dropout ->
    joined with MiniRocket's features of the normalized series and of its first
    difference (`MiniRocketFeatures`, fixed dilated kernels whose biases and
    statistics `adapt` fits on the training series; `minirocket_features=0` for
    none) after their own dropout -> logits (float32, no softmax).

    The MiniRocket features must be adapted before training: `fit_classifier`,
    `train_model` and the CLI do it on the training data (`adapt_model`); with a
    plain `model.fit`, call `tfk_tokfrag.models.adapt_model(model, train_data)`
    first.

    Unequal lengths: a batch padded with zeros at the end of the time axis (as
    `load_dataset` pads it) is read the same as each series alone: each series ends
    at its last step that is not all zeros, or at its `length` with
    `length_input=True`. The padding is left out of the normalization, of the
    fragments' pooling and of the LSTM.

    Args:
        input_shape: `(time, channels)`; `time` may be `None`.
        num_classes: number of classes.
        normalize: `"per_channel"` (z-normalize each channel of each series),
            `"per_series"` (all channels of a series together) or `"none"`.
        fragment_length: steps per fragment.
        fragment_stride: hop between fragments (`None`: `fragment_length`; smaller
            overlaps).
        encoder_filters: filters of the fragment encoder's convolutions.
        kernel_sizes: their kernel sizes (one per convolution, or one int for all).
        lstm_units: units of the LSTM (per direction).
        bidirectional: wrap the LSTM in `Bidirectional`.
        noise: standard deviation of the Gaussian jitter added to the normalized
            series in training (0 for none).
        dropout: dropout rate before the classifier.
        length_input: the inputs are `{"series", "length"}` (int32 `(batch,)`, what
            `load_dataset(..., return_lengths=True)` gives) instead of the series
            alone; the lengths then mark the padding.
        series_filters: filters of convolutions over the whole series before it is
            cut into fragments (`padding="same"`, batch norm, ReLU); `()` for none.
        series_kernel_sizes: their kernel sizes (one per convolution, or one int).
        minirocket_features: how many MiniRocket features join the classifier's
            input (rounded down to a multiple of 84; 0 for none). They see each
            series' global shape at every scale, which the fragments miss on small
            training sets.
        minirocket_dropout: dropout rate on the MiniRocket features (where a trained
            classifier reads them: not with `minirocket_head="ridge"`).
        minirocket_head: `"joined"` (one classifier over the fragments' and the
            MiniRocket features), `"ensemble"` (a classifier on each, their class
            probabilities averaged: `MeanOfProbabilities`), `"ridge"` (a classifier
            on the fragments' features alone, and at inference its probabilities
            averaged with those of MiniRocket's own classifier: a `RidgeClassifier`
            on the MiniRocket features, fitted in closed form by `adapt_model`, not
            by training) or `"joined_ridge"` (the joined classifier, averaged with
            that ridge classifier at inference).
        minirocket_difference: half of the MiniRocket features read the series'
            first difference (`SeriesDifference`: `x[t + 1] - x[t]`) instead of
            the series, as MultiRocket's do (Tan et al., 2022): slopes and turning
            points, which tell apart outlines that differ in detail. Each half is
            rounded down to a multiple of 84 (9,912 features of the default 10,000).
        name: the model name.

    Example:

    >>> model = signal_classifier((None, 3), num_classes=4)
    >>> model.output_shape
    (None, 4)
    """
    input_shape = tuple(input_shape)
    if len(input_shape) != 2 or not _validation.is_positive_int(input_shape[1]) or (
        input_shape[0] is not None and not _validation.is_positive_int(input_shape[0])
    ):
        raise ValueError(
            "input_shape must be (time, channels) with a known number of channels "
            f"(time may be None). Received: input_shape={input_shape!r}"
        )
    _validation.num_classes(num_classes)
    _validation.choice("normalize", normalize, NORMALIZATIONS)
    _validation.positive_int("fragment_length", fragment_length)
    _validation.positive_int("fragment_stride", fragment_stride, allow_none=True)
    encoder_filters = _validation.positive_ints("encoder_filters", encoder_filters)
    kernel_sizes = _kernel_sizes("kernel_sizes", kernel_sizes, len(encoder_filters),
                                 "encoder_filters")
    _validation.positive_int("lstm_units", lstm_units)
    _validation.check_bool("bidirectional", bidirectional)
    if not _validation.is_real(noise) or not noise >= 0:
        raise ValueError(f"noise must be a float >= 0. Received: noise={noise!r}")
    _validation.rate("dropout", dropout)
    _validation.check_bool("length_input", length_input)
    series_filters = _optional_ints("series_filters", series_filters)
    series_kernel_sizes = _kernel_sizes("series_kernel_sizes", series_kernel_sizes,
                                        len(series_filters), "series_filters")
    if not _validation.is_int(minirocket_features) or not (
            minirocket_features == 0 or minirocket_features >= NUM_KERNELS):
        raise ValueError(
            f"minirocket_features must be 0 (none) or at least {NUM_KERNELS} (one per "
            f"kernel). Received: minirocket_features={minirocket_features!r}"
        )
    _validation.rate("minirocket_dropout", minirocket_dropout)
    _validation.choice("minirocket_head", minirocket_head, MINIROCKET_HEADS)
    _validation.check_bool("minirocket_difference", minirocket_difference)
    if minirocket_difference and minirocket_features and minirocket_features < 2 * NUM_KERNELS:
        raise ValueError(
            f"minirocket_features must be at least {2 * NUM_KERNELS} with "
            f"minirocket_difference=True (one per kernel on the series and on its "
            f"difference). Received: minirocket_features={minirocket_features!r}"
        )
    channels = input_shape[1]

    # === Inputs ===
    series = keras.Input(input_shape, dtype="float32", name="series")
    inputs = series
    lengths = None
    if length_input:
        lengths = keras.Input((), dtype="int32", name="length")
        inputs = {"series": series, "length": lengths}

    # === Normalization (padding excluded) ===
    standardized = SeriesStandardization(
        per_channel=normalize != "per_series",
        return_lengths=True,
        name="standardize",
    )(series, lengths=lengths)
    x = series if normalize == "none" else standardized["series"]
    lengths = standardized["length"]
    # MiniRocket's features of the series as normalized (no jitter: fixed features).
    rocket = ridge = None
    if minirocket_features:
        share = minirocket_features // 2 if minirocket_difference else minirocket_features
        rocket = MiniRocketFeatures(share, name="minirocket")(x, lengths=lengths)
        if minirocket_difference:
            difference = SeriesDifference(return_lengths=True, name="difference")(
                x, lengths=lengths)
            rocket = keras.layers.Concatenate(name="minirocket_both")([
                rocket,
                MiniRocketFeatures(share, seed=1, name="minirocket_difference")(
                    difference["series"], lengths=difference["length"]),
            ])
        if minirocket_head in ("ridge", "joined_ridge"):
            ridge = RidgeClassifier(num_classes, dtype="float32", name="minirocket_ridge")(rocket)
        if minirocket_dropout and minirocket_head != "ridge":  # not trained on there
            rocket = keras.layers.Dropout(minirocket_dropout, name="minirocket_dropout")(rocket)
    if noise:
        x = keras.layers.GaussianNoise(noise, name="jitter")(x)

    # === Convolutions over the whole series (context across fragment edges) ===
    # Zeros past each series' end before every convolution: a padded series then
    # reads as it does alone (its "same" padding is zeros too).
    for block, (block_filters, kernel) in enumerate(
            zip(series_filters, series_kernel_sizes, strict=True), 1):
        x = LengthMask(name=f"series_mask{block}")(x, lengths=lengths)
        x = keras.layers.Conv1D(block_filters, kernel, padding="same", use_bias=False,
                                name=f"series_conv{block}")(x)
        x = batch_normalization(0.9, name=f"series_bn{block}")(x)
        x = keras.layers.ReLU(name=f"series_relu{block}")(x)

    # === Fragments -> 1-D convs -> masked step pooling ===
    cut = TemporalFragmenter(
        fragment_length,
        fragment_stride=fragment_stride,
        pad_end=True,
        frame_rank=1,
        return_mask=True,
        name="fragmenter",
    )(x, lengths=lengths)
    encoder = fragment_encoder(
        (fragment_length, series_filters[-1] if series_filters else channels),
        encoder_filters, kernel_sizes,
    )
    steps = FrameWise(encoder, frame_rank=2, name="encode_fragments")(cut["fragments"])
    fragments = MaskedTemporalPooling(axis=2, name="pool_steps")(steps, mask=cut["frame_mask"])

    # === Fragments in order (LSTM) and as a bag (mean) ===
    rnn = keras.layers.LSTM(lstm_units, name="lstm")
    if bidirectional:
        rnn = keras.layers.Bidirectional(rnn, name="bilstm")
    ordered = rnn(fragments, mask=cut["fragment_mask"])
    bag = MaskedTemporalPooling(axis=1, name="pool_fragments")(
        fragments, mask=cut["fragment_mask"]
    )
    x = keras.layers.Concatenate(name="features")([ordered, bag])
    if dropout:
        x = keras.layers.Dropout(dropout, name="dropout")(x)
    if rocket is not None and minirocket_head == "ensemble":
        heads = [
            keras.layers.Dense(num_classes, dtype="float32", name="fragments_logits")(x),
            keras.layers.Dense(num_classes, dtype="float32", name="minirocket_logits")(rocket),
        ]
        logits = MeanOfProbabilities(name="logits")(heads)
    else:
        if rocket is not None and minirocket_head != "ridge":
            x = keras.layers.Concatenate(name="with_minirocket")([x, rocket])
        logits = keras.layers.Dense(
            num_classes, dtype="float32", name="trained_logits" if ridge is not None else "logits"
        )(x)
        if ridge is not None:
            logits = MeanOfProbabilities(trained_inputs=1, name="logits")([logits, ridge])
    return keras.Model(inputs, logits, name=name)
