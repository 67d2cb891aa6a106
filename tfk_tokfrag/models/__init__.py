"""Functional model builders and the zoo registry."""

from tfk_tokfrag.models import zoo as _zoo  # noqa: F401  (registers the zoo entries)
from tfk_tokfrag.models import zoo_weights
from tfk_tokfrag.models.adapt_model import adapt_model, adapt_series_features
from tfk_tokfrag.models.adapt_text_vocabulary import adapt_text_vocabulary
from tfk_tokfrag.models.conv_net import conv_net
from tfk_tokfrag.models.fused_multimodal_net import fused_multimodal_net
from tfk_tokfrag.models.keras_archive import (
    KERAS_ARCHIVE_MAX_BYTES,
    check_keras_archive,
    load_keras_model,
)
from tfk_tokfrag.models.lstm_video_classifier import lstm_video_classifier
from tfk_tokfrag.models.registry import ZooEntry, get_entry, get_model, list_models, register_model
from tfk_tokfrag.models.signal_classifier import signal_classifier

__all__ = [
    "KERAS_ARCHIVE_MAX_BYTES",
    "ZooEntry",
    "adapt_model",
    "adapt_series_features",
    "adapt_text_vocabulary",
    "check_keras_archive",
    "conv_net",
    "fused_multimodal_net",
    "get_entry",
    "get_model",
    "list_models",
    "load_keras_model",
    "lstm_video_classifier",
    "register_model",
    "signal_classifier",
    "zoo_weights",
]
