"""`select_model_inputs`: `(inputs, label)` batches shaped to what a model takes."""

from __future__ import annotations

import keras
import tensorflow as tf

from tfk_tokfrag.data._named_inputs import select_inputs


def select_model_inputs(dataset: tf.data.Dataset, model: keras.Model) -> tf.data.Dataset:
    """Gives `model` exactly the named inputs it takes, from `(inputs, label)` batches.

    A dataset with more modalities than the model (e.g. `digit_scenes` for an
    image-only model) keeps only the model's entries (Keras would otherwise match them
    by position); a plain tensor (e.g. `imdb_reviews` text) feeding a model with one
    named input (e.g. `{"text": ...}`) is wrapped under that name.
    """
    names = list(model.input) if isinstance(model.input, dict) else None
    return select_inputs(dataset, names, f"model {model.name!r}")
