"""`adapt_model`: fit every layer of a model that learns its state from the data
(a `WordTokenizer`'s vocabulary, `MiniRocketFeatures`' biases, a `RidgeClassifier`)
before training."""

from __future__ import annotations

import keras
import tensorflow as tf

from tfk_tokfrag.layers.minirocket_features import MiniRocketFeatures
from tfk_tokfrag.layers.ridge_classifier import RidgeClassifier
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
        feeder = keras.Model(model.input, layer.input)
        layer.adapt(inputs.map(_fed_by(feeder)), max_examples=max_examples)
    return True


def adapt_closed_form_heads(model: keras.Model, data) -> bool:
    """Fits every `RidgeClassifier` of `model` (top level) not adapted yet, on what
    the model feeds it (the MiniRocket features in `signal_classifier`) and the labels.

    `data` must hold `(inputs, labels)` batches. Run it after the layers before the
    head are adapted (`adapt_series_features`). Returns whether any layer was adapted.
    """
    layers = [
        layer for layer in model.layers
        if isinstance(layer, RidgeClassifier) and not layer.is_adapted
    ]
    if not layers:
        return False
    if not isinstance(data, tf.data.Dataset) or not isinstance(data.element_spec, tuple) \
            or len(data.element_spec) < 2:
        raise ValueError(
            f"{model.name} has a classifier fitted in closed form on the training data "
            f"({layers[0].name}): adapt_model needs a tf.data.Dataset of (inputs, labels) "
            f"batches. Received: {data!r}"
        )
    for layer in layers:
        feed = _fed_by(keras.Model(model.input, layer.input))
        layer.adapt(data.map(lambda x, y, *_, feed=feed: (feed(x)[0], y)))
    return True


def _fed_by(feeder: keras.Model):
    """`inputs -> tuple of what feeder computes from them` (for `Dataset.map`)."""
    return lambda x: tuple(keras.tree.flatten(feeder(x, training=False)))


def adapt_model(model: keras.Model, data) -> bool:
    """Adapts the layers of `model` that need the training data and have not seen it:
    `WordTokenizer`s without a vocabulary (`adapt_text_vocabulary`),
    `MiniRocketFeatures` (`adapt_series_features`), then the classifiers fitted in
    closed form on what those give (`RidgeClassifier`: `adapt_closed_form_heads`).
    Layers adapted before (a zoo model with its weights, a model trained already)
    are left as they are.

    `data`: a `tf.data.Dataset` of `(inputs, label)` batches or of inputs, as `fit`
    takes it (with labels when the model has a closed-form classifier). Returns
    whether any layer was adapted.
    """
    texts = adapt_text_vocabulary(model, data)
    series = adapt_series_features(model, data)
    heads = adapt_closed_form_heads(model, data)
    return texts or series or heads
