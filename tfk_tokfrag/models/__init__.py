"""Functional model builders and the zoo registry."""

from tfk_tokfrag.models import zoo as _zoo  # noqa: F401  (registers the zoo entries)
from tfk_tokfrag.models.conv_net import conv_net
from tfk_tokfrag.models.registry import ZooEntry, get_entry, get_model, list_models, register_model

__all__ = [
    "ZooEntry",
    "conv_net",
    "get_entry",
    "get_model",
    "list_models",
    "register_model",
]
