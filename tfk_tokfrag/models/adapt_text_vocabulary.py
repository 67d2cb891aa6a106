"""`adapt_text_vocabulary`: give every `WordTokenizer` of a model a vocabulary."""

from __future__ import annotations

import keras
import tensorflow as tf

from tfk_tokfrag import _keras_internals
from tfk_tokfrag.layers.word_tokenizer import WordTokenizer


def inputs_only(data: tf.data.Dataset) -> tf.data.Dataset:
    """The model inputs of a dataset of `(inputs, label[, weight])` or of inputs."""
    if isinstance(data.element_spec, tuple):
        return data.map(lambda x, *_: x)
    return data


def adapt_text_vocabulary(model: keras.Model, texts, batch_size: int = 256) -> bool:
    """Adapts the vocabulary of every `WordTokenizer` in `model` that has none.

    `texts` is a `tf.data.Dataset` (of strings, of `(inputs, label)` pairs whose
    inputs are strings or dicts with a `"text"` entry) or a list of strings.
    Tokenizers given a vocabulary (or adapted before) are left as they are.
    Returns whether any tokenizer was adapted.
    """
    tokenizers = [
        layer for layer in _keras_internals.all_layers(model)
        if isinstance(layer, WordTokenizer) and not layer.has_vocabulary
    ]
    if not tokenizers:
        return False
    if isinstance(texts, tf.data.Dataset):
        texts = inputs_only(texts)
        if isinstance(texts.element_spec, dict):
            texts = texts.map(lambda x: x["text"])
    for tokenizer in tokenizers:
        tokenizer.adapt(texts, batch_size=batch_size)
    return True
