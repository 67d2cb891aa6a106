"""`adapt_model`: fit every layer of a model that learns its state from the data
(a `WordTokenizer`'s vocabulary, `MiniRocketFeatures`' biases, a `RidgeClassifier`)
before training."""

from __future__ import annotations

import keras
import tensorflow as tf

from tfk_tokfrag import _keras_internals
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
    """Adapts every `MiniRocketFeatures` of `model` not adapted yet, nested
    functional or `Sequential` models included.

    Each reads what the model feeds it (the normalized series and their lengths in
    `signal_classifier`), computed from `data`'s inputs by the model's own layers.
    Returns whether any layer was adapted.

    Raises:
        ValueError: such a layer is out of reach (inside a subclassed layer or
            model), so it would train on features it never fitted.
    """
    found = _unadapted(model, MiniRocketFeatures)
    if not found:
        return False
    inputs = _inputs_only(data)
    for layer, feed in found:
        layer.adapt(inputs.map(feed), max_examples=max_examples)
    return True


def adapt_closed_form_heads(model: keras.Model, data) -> bool:
    """Fits every `RidgeClassifier` of `model` not adapted yet (nested functional
    models included), on what the model feeds it (the MiniRocket features in
    `signal_classifier`) and the labels.

    `data` must hold `(inputs, labels)` batches. Run it after the layers before the
    head are adapted (`adapt_series_features`). Returns whether any layer was adapted.

    Raises:
        ValueError: `data` has no labels, or such a layer is out of reach (inside a
            subclassed layer or model).
    """
    found = _unadapted(model, RidgeClassifier)
    if not found:
        return False
    if not isinstance(data, tf.data.Dataset) or not isinstance(data.element_spec, tuple) \
            or len(data.element_spec) < 2:
        raise ValueError(
            f"{model.name} has a classifier fitted in closed form on the training data "
            f"({found[0][0].name}): adapt_model needs a tf.data.Dataset of (inputs, "
            f"labels) batches. Received: {data!r}"
        )
    for layer, feed in found:
        layer.adapt(data.map(lambda x, y, *_, feed=feed: (feed(x)[0], y)))
    return True


def _unadapted(model: keras.Model, kind: type) -> list:
    """`[(layer, feed)]` for every layer of type `kind` inside `model` that is not
    adapted, `feed` mapping a batch of `model`'s inputs to the tuple of tensors
    the layer is called on (for `Dataset.map`).

    Functional and `Sequential` models nested in `model` are walked into; a layer
    they cannot reach (held by a subclassed layer or model) raises, since it would
    otherwise train without ever being fitted.
    """
    wanted = [layer for layer in _keras_internals.all_layers(model)
              if isinstance(layer, kind) and not layer.is_adapted]
    if not wanted:
        return []
    found = []
    _walk(model, kind, (), found)
    missed = [layer for layer in wanted if all(layer is not f for f, _ in found)]
    if missed:
        raise ValueError(
            f"{missed[0].name} ({kind.__name__}) in {model.name} needs adapting on the "
            "training data, and it is not reached from the model's inputs through "
            "functional models (it is held by a subclassed layer or model). Adapt it "
            "yourself before training: layer.adapt(...)."
        )
    return found


def _walk(model: keras.Model, kind: type, chain: tuple, found: list) -> None:
    """Appends to `found` the unadapted `kind` layers of the functional `model`,
    whose inputs `chain` (feeder models, applied in turn) computes from the outer
    model's inputs."""
    if getattr(model, "inputs", None) is None:  # subclassed: no graph to feed from
        return
    # A Sequential has `inputs` (one) but no `input`.
    inputs = model.inputs[0] if isinstance(model, keras.Sequential) else model.input
    for layer in model.layers:
        if isinstance(layer, kind) and not layer.is_adapted:
            found.append((layer, _fed_by((*chain, keras.Model(inputs, layer.input)))))
        elif isinstance(layer, keras.Model) and any(
                isinstance(inner, kind) for inner in _keras_internals.all_layers(layer)):
            args, kwargs = _keras_internals.first_call_arguments(layer)
            if len(args) != 1 or kwargs:
                continue  # called with several inputs: out of reach (`_unadapted` raises)
            _walk(layer, kind, (*chain, keras.Model(inputs, args[0])), found)


def _fed_by(chain: tuple):
    """`inputs -> tuple of what the last feeder computes` (for `Dataset.map`): each
    feeder model of `chain` applied to the previous one's outputs."""
    def feed(x):
        for feeder in chain:
            x = feeder(x, training=False)
        return tuple(keras.tree.flatten(x))

    return feed


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
