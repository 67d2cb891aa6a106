"""`fused_multimodal_net`: image + text + video branches fused into one classifier."""

from __future__ import annotations

from collections.abc import Sequence

import keras

from tfk_tokfrag import _validation
from tfk_tokfrag.layers.pixel_tokenizer import PixelTokenizer
from tfk_tokfrag.models.conv_block import apply_conv_block, rescale_pixels
from tfk_tokfrag.models.lstm_video_classifier import video_features
from tfk_tokfrag.models.text_branch import TEXT_ENCODERS, text_features

MODALITIES = ("image", "text", "video")
FUSIONS = ("concat", "gated_sum", "attention")


def _image_branch(image, patch_size, filters, dim):
    x = rescale_pixels(image, name="image_rescale")
    x = PixelTokenizer(patch_size, output_layout="grid", name="image_tokens")(x)
    for block, block_filters in enumerate(filters, start=1):
        x = apply_conv_block(
            x,
            block_filters,
            fused_activation=True,
            name=f"image_block{block}",
            conv_name=f"image_conv{block}",
            pool_name=f"image_pool{block}",
        )
    x = keras.layers.Flatten(name="image_flatten")(x)
    return keras.layers.Dense(dim, activation="relu", name="image_features")(x)


def fused_multimodal_net(
    modalities: Sequence[str] = MODALITIES,
    num_classes: int = 10,
    fusion: str = "concat",
    fusion_dim: int = 64,
    dropout: float = 0.2,
    image_shape: Sequence[int] = (16, 16, 1),
    image_patch_size: int = 2,
    image_filters: int | Sequence[int] = (32, 64),
    text_max_tokens: int = 65536,
    text_sequence_length: int = 256,
    text_split: str = "cjk",
    text_standardize: str | None = "lower_and_strip_punctuation",
    text_vocabulary: Sequence[str] | str | None = None,
    text_embed_dim: int = 32,
    text_units: int = 32,
    text_encoder: str = "bag",
    text_ngrams: int | Sequence[int] = 2,
    text_ngram_dropout: float = 0.5,
    text_bag_dim: int = 16,
    text_idf_weights: Sequence[float] | None = None,
    video_shape: Sequence[int | None] = (None, 16, 16, 1),
    video_fragment_length: int = 2,
    video_fragment_stride: int | None = None,
    video_encoder_filters: int | Sequence[int] = (16, 32),
    video_encoder_dim: int = 64,
    video_lstm_units: int = 32,
    video_mask_padding_frames: bool = True,
    seed: int | None = None,
    name: str = "fused_multimodal_net",
) -> keras.Model:
    """Builds a functional classifier over any non-empty subset of image, text, video.

    Inputs are a dict with one entry per modality, each taken raw:
    - `"image"`: uint8 `(batch, H, W, C)` -> `PixelTokenizer` (grid of patch tokens)
      -> a ConvNet -> features;
    - `"text"`: `tf.string` `(batch,)` -> `WordTokenizer` (in-graph; `"cjk"` split
      by default, so Chinese, Japanese and Korean work) -> by default a TF-IDF bag
      of n-grams (character 1-2-grams of CJK text, word 1-2-grams elsewhere) scaled
      to unit norm -> features; or `Embedding` -> BiLSTM or Conv1D -> features
      (`text_branch.text_features`);
    - `"video"`: uint8 `(batch, time, H, W, C)`, any `time` -> the LSTM video encoder
      of `lstm_video_classifier` (temporal fragments, a shared frame ConvNet, a
      masked BiLSTM over fragments) -> features.

    Fusion of the per-modality features (each `fusion_dim` wide):
    - `"concat"`: concatenation, then a dense layer;
    - `"gated_sum"`: a softmax gate computed from all features weighs a sum of the
      modalities (the weights say which modality the model trusts per example);
    - `"attention"`: cross-modal attention: each modality's features are a token,
      multi-head self-attention lets every modality attend to the others, then the
      tokens are averaged.
    With a single modality there is nothing to fuse: it is that branch's classifier
    (`modalities=("text",)` is a text classifier).

    The text tokenizer needs a vocabulary: pass `text_vocabulary` (with
    `text_idf_weights` for the bag), or adapt it after building with
    `adapt_text_vocabulary(model, texts)`, which also learns the bag's IDF weights
    (the zoo's training does this on the training split).

    The text defaults suit real text (reviews, descriptions of 50-300 tokens) on
    small data: the bag is as strong as a linear model of TF-IDF n-grams (its
    `benchmarks/text.py` anchor) and has `text_max_tokens * text_bag_dim` weights
    (65,536 x 16: 4.2 MB): many n-grams and a narrow layer, as a bag model needs
    (chosen on validation splits, `benchmarks/text_design.py`). The bag's
    features are `text_bag_dim` wide (projected to `fusion_dim` for the
    `"gated_sum"` and `"attention"` fusions). The sequence encoders read
    `text_sequence_length` (256) tokens.

    Args:
        modalities: which inputs the model has, a non-empty subset of
            `("image", "text", "video")`.
        num_classes: number of classes.
        fusion: `"concat"`, `"gated_sum"` or `"attention"`.
        fusion_dim: features per modality.
        dropout: dropout before the classifier.
        image_shape, image_patch_size, image_filters: the image branch.
        text_encoder: `"bag"` (TF-IDF n-grams), `"bilstm"` or `"conv1d"`.
        text_max_tokens: vocabulary size (the bag's columns; the embedding's rows).
        text_split: `WordTokenizer`'s split, `"cjk"`, `"whitespace"` or
            `"character"`.
        text_standardize: `WordTokenizer`'s standardize (punctuation stripped by
            default; `"lower_and_split_punctuation"` keeps each mark as a token).
        text_vocabulary, text_idf_weights: a given vocabulary (a list or a file) and,
            for the bag, its IDF weights; `None`: adapt them.
        text_ngrams: the bag's n-grams (`2`: 1- and 2-grams of `text_split`'s
            tokens); the sequence encoders read single tokens.
        text_ngram_dropout: the bag's dropout of its TF-IDF columns in training.
        text_bag_dim: width of the bag's ReLU layer, its text features.
        text_sequence_length, text_embed_dim, text_units: the sequence encoders.
        video_shape, video_fragment_length, video_fragment_stride,
        video_encoder_filters, video_encoder_dim, video_lstm_units: the video branch.
        video_mask_padding_frames: mask each clip's trailing all-zero frames (the
            padding of shorter clips in a batch), as in `lstm_video_classifier`.
        seed: seed of the video branch's training-time sampling.
        name: the model name.

    Example:

    >>> model = fused_multimodal_net(("image", "video"), num_classes=10)
    >>> sorted(model.input)
    ['image', 'video']
    """
    modalities = tuple(modalities)
    if not modalities or any(m not in MODALITIES for m in modalities) or len(
        set(modalities)
    ) != len(modalities):
        raise ValueError(
            f"modalities must be a non-empty subset of {MODALITIES} without repeats. "
            f"Received: modalities={modalities!r}"
        )
    image_shape, video_shape = tuple(image_shape), tuple(video_shape)
    if len(image_shape) != 3:
        raise ValueError(
            "image_shape must be (height, width, channels). "
            f"Received: image_shape={image_shape!r}"
        )
    if len(video_shape) != 4 or any(d is None for d in video_shape[1:]):
        raise ValueError(
            "video_shape must be (time, height, width, channels) with known height, "
            f"width and channels. Received: video_shape={video_shape!r}"
        )
    _validation.choice("fusion", fusion, FUSIONS)
    _validation.choice("text_encoder", text_encoder, TEXT_ENCODERS)
    _validation.num_classes(num_classes)
    _validation.rate("dropout", dropout)
    _validation.rate("text_ngram_dropout", text_ngram_dropout)
    image_filters = _validation.positive_ints("image_filters", image_filters)
    video_encoder_filters = _validation.positive_ints(
        "video_encoder_filters", video_encoder_filters
    )
    for arg, value in (
        ("fusion_dim", fusion_dim),
        ("text_max_tokens", text_max_tokens),
        ("text_sequence_length", text_sequence_length),
        ("text_embed_dim", text_embed_dim),
        ("text_units", text_units),
        ("text_bag_dim", text_bag_dim),
        ("video_encoder_dim", video_encoder_dim),
        ("video_lstm_units", video_lstm_units),
    ):
        _validation.positive_int(arg, value)
    _validation.check_bool("video_mask_padding_frames", video_mask_padding_frames)

    # === Functional Model ===
    inputs, features = {}, []
    for modality in MODALITIES:  # a fixed order, whatever order was given
        if modality not in modalities:
            continue
        if modality == "image":
            inputs["image"] = keras.Input(image_shape, dtype="uint8", name="image")
            features.append(
                _image_branch(inputs["image"], image_patch_size, image_filters, fusion_dim)
            )
        elif modality == "text":
            inputs["text"] = keras.Input((), dtype="string", name="text")
            bag = text_encoder == "bag"
            x = text_features(
                inputs["text"],
                encoder=text_encoder,
                max_tokens=text_max_tokens,
                split=text_split,
                standardize=text_standardize,
                vocabulary=list(text_vocabulary)
                if isinstance(text_vocabulary, list | tuple)
                else text_vocabulary,
                dim=text_bag_dim if bag else fusion_dim,
                sequence_length=text_sequence_length,
                embed_dim=text_embed_dim,
                units=text_units,
                ngrams=text_ngrams,
                idf_weights=text_idf_weights,
                input_dropout=text_ngram_dropout,
            )
            if bag and fusion != "concat" and len(modalities) > 1:
                # A token as wide as the other modalities'.
                x = keras.layers.Dense(fusion_dim, activation="relu", name="text_to_fusion")(x)
            features.append(x)
        else:
            inputs["video"] = keras.Input(video_shape, dtype="uint8", name="video")
            x = video_features(
                inputs["video"],
                fragment_length=video_fragment_length,
                fragment_stride=video_fragment_stride,
                num_fragments=None,
                encoder_filters=video_encoder_filters,
                encoder_dim=video_encoder_dim,
                fragment_pooling="mean_and_delta",
                temporal_head="lstm",
                lstm_units=video_lstm_units,
                bidirectional=True,
                seed=seed,
                mask_padding_frames=video_mask_padding_frames,
                prefix="video_",
            )
            features.append(
                keras.layers.Dense(fusion_dim, activation="relu", name="video_features")(x)
            )

    if len(features) == 1:
        x = features[0]
    elif fusion == "concat":
        x = keras.layers.Concatenate(name="fuse_concat")(features)
        x = keras.layers.Dense(fusion_dim, activation="relu", name="fused")(x)
    else:
        tokens = keras.layers.Concatenate(axis=1, name="modality_tokens")(
            [keras.layers.Reshape((1, fusion_dim), name=f"{m}_token")(f)
             for m, f in zip(inputs, features, strict=True)]
        )
        if fusion == "gated_sum":
            gate = keras.layers.Concatenate(name="gate_inputs")(features)
            gate = keras.layers.Dense(len(features), activation="softmax", name="gate")(gate)
            x = keras.layers.Dot(axes=1, name="gated_sum")([gate, tokens])
        else:
            attended = keras.layers.MultiHeadAttention(
                num_heads=4, key_dim=max(1, fusion_dim // 4), name="cross_modal_attention"
            )(tokens, tokens)
            tokens = keras.layers.Add(name="attention_residual")([tokens, attended])
            tokens = keras.layers.LayerNormalization(name="attention_norm")(tokens)
            x = keras.layers.GlobalAveragePooling1D(name="pool_modalities")(tokens)
    if dropout:
        x = keras.layers.Dropout(dropout, name="dropout")(x)
    logits = keras.layers.Dense(num_classes, dtype="float32", name="logits")(x)
    return keras.Model(inputs, logits, name=name)

