"""`lstm_video_classifier`: temporal fragments -> shared frame ConvNet -> (Bi)LSTM."""

from __future__ import annotations

from collections.abc import Sequence

import keras

from tfk_tokfrag import _validation
from tfk_tokfrag.layers.frame_wise import FrameWise
from tfk_tokfrag.layers.masked_temporal_pooling import MaskedTemporalPooling
from tfk_tokfrag.layers.temporal_fragmenter import TemporalFragmenter
from tfk_tokfrag.models.conv_block import apply_conv_block, rescale_pixels


def frame_encoder(
    frame_shape: Sequence[int],
    filters: Sequence[int] = (16, 32),
    embed_dim: int = 64,
    input_dtype: str = "uint8",
    name: str = "frame_encoder",
) -> keras.Model:
    """A small functional ConvNet mapping one frame `(H, W, C)` to `embed_dim` features.

    It keeps *where* things are (flatten, not global pooling): motion is a change of
    position between frames.
    """
    inputs = keras.Input(tuple(frame_shape), dtype=input_dtype, name="frame")
    x = rescale_pixels(inputs)
    for block, block_filters in enumerate(filters, start=1):
        x = apply_conv_block(
            x,
            block_filters,
            fused_activation=True,
            name=f"block{block}",
            conv_name=f"conv{block}",
            pool_name=f"pool{block}",
        )
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(embed_dim, activation="relu", name="embed")(x)
    return keras.Model(inputs, x, name=name)


def video_features(
    video,
    *,
    fragment_length: int,
    fragment_stride: int | None,
    num_fragments: int | None,
    encoder_filters: Sequence[int],
    encoder_dim: int,
    fragment_pooling: str,
    temporal_head: str,
    lstm_units: int,
    bidirectional: bool,
    seed: int | None,
    mask_padding_frames: bool = True,
    prefix: str = "",
):
    """The video encoder on a symbolic `video` input: fragments -> frames -> LSTM.

    Returns the clip's features, `(batch, lstm_units * (2 if bidirectional else 1))`
    or `(batch, encoder_dim)` for the order-free `"average"` head.
    """
    frame_shape = tuple(video.shape[2:])
    encoder = frame_encoder(
        frame_shape, encoder_filters, encoder_dim, video.dtype, name=f"{prefix}frame_encoder"
    )
    cut = TemporalFragmenter(
        fragment_length,
        fragment_stride=fragment_stride,
        pad_end=True,
        num_fragments=num_fragments,
        frame_rank=3,
        return_mask=True,
        seed=seed,
        lengths_from_padding=mask_padding_frames,
        name=f"{prefix}fragmenter",
    )(video)
    fragments, fragment_mask, frame_mask = (
        cut["fragments"], cut["fragment_mask"], cut["frame_mask"]
    )
    # (batch, F, L, H, W, C) -> (batch, F, L, D): one encoder call for all frames.
    features = FrameWise(encoder, frame_rank=3, name=f"{prefix}encode_frames")(fragments)
    if temporal_head == "average":
        flat = keras.layers.Reshape((-1, encoder_dim), name=f"{prefix}bag_of_frames")(features)
        flat_mask = keras.layers.Reshape((-1,), name=f"{prefix}bag_mask")(frame_mask)
        return MaskedTemporalPooling(axis=1, name=f"{prefix}average_frames")(
            flat, mask=flat_mask
        )
    x = MaskedTemporalPooling(
        axis=2, with_delta=fragment_pooling == "mean_and_delta", name=f"{prefix}pool_fragments"
    )(features, mask=frame_mask)
    rnn = keras.layers.LSTM(lstm_units, name=f"{prefix}lstm")
    if bidirectional:
        rnn = keras.layers.Bidirectional(rnn, name=f"{prefix}bilstm")
    return rnn(x, mask=fragment_mask)


def lstm_video_classifier(
    input_shape: Sequence[int | None] = (None, 32, 32, 1),
    num_classes: int = 8,
    fragment_length: int = 4,
    fragment_stride: int | None = None,
    num_fragments: int | None = None,
    encoder_filters: int | Sequence[int] = (16, 32),
    encoder_dim: int = 64,
    fragment_pooling: str = "mean_and_delta",
    temporal_head: str = "lstm",
    lstm_units: int = 64,
    bidirectional: bool = True,
    dropout: float = 0.0,
    input_dtype: str = "uint8",
    seed: int | None = None,
    mask_padding_frames: bool = True,
    name: str = "lstm_video_classifier",
) -> keras.Model:
    """Builds a functional video classifier over temporal fragments.

    `video (batch, time, H, W, C)`, any `time` ->
    `TemporalFragmenter` (fragments, padded at the end, with masks) ->
    (trailing all-zero frames, the padding of shorter clips, masked out) ->
    a per-frame ConvNet shared across all frames (`FrameWise`, one batched call) ->
    pooling of the frames of each fragment (padding frames excluded) ->
    a (bidirectional) LSTM over the fragments, masked where fragments are padding ->
    logits.

    With `temporal_head="average"` the LSTM is replaced by a masked average of all
    frame features: an order-free baseline (a "bag of frames"), the model to compare
    against to see what time adds.

    Args:
        input_shape: `(time, height, width, channels)`; `time` may be `None`.
        num_classes: number of classes.
        fragment_length: frames per fragment.
        fragment_stride: hop between fragments (default `fragment_length`; smaller
            overlaps).
        num_fragments: if set, segment sampling of that many fragments (random
            within segments in training, centred at inference); else all fragments.
        encoder_filters: filters of the frame ConvNet's blocks.
        encoder_dim: features per frame.
        fragment_pooling: `"mean"` or `"mean_and_delta"` (also last-minus-first
            frame features of each fragment).
        temporal_head: `"lstm"` or `"average"` (the order-free baseline).
        lstm_units: units of the LSTM (per direction).
        bidirectional: wrap the LSTM in `Bidirectional`.
        dropout: dropout rate before the classifier.
        input_dtype: `"uint8"` (rescaled by 1/255) or a float dtype.
        seed: seed of the training-time segment sampling.
        mask_padding_frames: treat each clip's trailing all-zero frames as padding
            (those `Dataset.padded_batch` adds to the shorter clips of a batch):
            they are masked out of the fragment pooling and the LSTM, so a clip is
            classified the same however far its batch was padded.
        name: the model name.

    Example:

    >>> model = lstm_video_classifier((None, 16, 16, 1), num_classes=8)
    >>> model.output_shape
    (None, 8)
    """
    input_shape = tuple(input_shape)
    if len(input_shape) != 4 or any(d is None for d in input_shape[1:]):
        raise ValueError(
            "input_shape must be (time, height, width, channels) with known height, "
            f"width and channels. Received: input_shape={input_shape!r}"
        )
    _validation.num_classes(num_classes)
    encoder_filters = _validation.positive_ints("encoder_filters", encoder_filters)
    _validation.choice("fragment_pooling", fragment_pooling, ("mean", "mean_and_delta"))
    _validation.choice("temporal_head", temporal_head, ("lstm", "average"))
    _validation.rate("dropout", dropout)
    _validation.check_bool("bidirectional", bidirectional)
    _validation.check_bool("mask_padding_frames", mask_padding_frames)

    # === Functional Model ===
    video = keras.Input(input_shape, dtype=input_dtype, name="video")
    x = video_features(
        video,
        fragment_length=fragment_length,
        fragment_stride=fragment_stride,
        num_fragments=num_fragments,
        encoder_filters=encoder_filters,
        encoder_dim=encoder_dim,
        fragment_pooling=fragment_pooling,
        temporal_head=temporal_head,
        lstm_units=lstm_units,
        bidirectional=bidirectional,
        seed=seed,
        mask_padding_frames=mask_padding_frames,
    )
    if dropout:
        x = keras.layers.Dropout(dropout, name="dropout")(x)
    logits = keras.layers.Dense(num_classes, dtype="float32", name="logits")(x)
    return keras.Model(video, logits, name=name)
