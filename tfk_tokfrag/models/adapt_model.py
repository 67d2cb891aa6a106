"""`adapt_model`: fit every layer of a model that learns its state from the data
(a `WordTokenizer`'s vocabulary, `MiniRocketFeatures`' biases) before training."""

from __future__ import annotations

import keras
import tensorflow as tf

from tfk_tokfrag.layers.minirocket_features import MiniRocketFeatures
from tfk_tokfrag.models.adapt_text_vocabulary import adapt_text_vocabulary, inputs_only


def _inputs_only(data):
    """`inputs_only(data)`, for a `tf.data.Dataset` only."""
    if not isinstance(data, tf.data.Dataset):
        raise TypeError(
            "adapt_model takes the training data as a tf.data.Dataset of batches. "
            f"Received: {type(data).__name__}"
        )
    return inputs_only(data)


def adapt_series_features(model: keras.Model, data, max_examples: int = 20_000) -> bool:
    """Adapts every `MiniRocketFeatures` of `model` (top level) not adapted yet.

    Each reads what the model feeds it (the normalized series and their lengths in
    `signal_classifier`), computed from `data`'s inputs by the model's own layers.
    Returns whether any layer was adapted.
    """
    layers = [
        layer for layer in model.layers
        if isinstance(layer, MiniRocketFeatures) and not layer.is_adapted
    ]
    if not layers:
        return False
    inputs = _inputs_only(data)
    for layer in layers:
        # `layer.input`: the tensors of its call, the series (and the lengths).
        feeder = keras.Model(model.inputs, layer.input)
        layer.adapt(inputs.map(_fed_by(feeder)), max_examples=max_examples)
    return True


def _fed_by(feeder: keras.Model):
    """`inputs -> tuple of what feeder computes from them` (for `Dataset.map`)."""
    return lambda x: tuple(keras.tree.flatten(feeder(x, training=False)))


def adapt_model(model: keras.Model, data) -> bool:
    """Adapts the layers of `model` that need the training data and have not seen it:
    `WordTokenizer`s without a vocabulary (`adapt_text_vocabulary`) and
    `MiniRocketFeatures` (`adapt_series_features`). Layers adapted before (a zoo
    model with its weights, a model trained already) are left as they are.

    `data`: a `tf.data.Dataset` of `(inputs, label)` batches or of inputs, as `fit`
    takes it. Returns whether any layer was adapted.
    """
    texts = adapt_text_vocabulary(model, data)
    series = adapt_series_features(model, data)
    return texts or series
