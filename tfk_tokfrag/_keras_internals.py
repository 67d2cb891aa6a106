"""The only module that touches Keras internals (names that are not public API).

Each function here wraps one private Keras name that the package needs and that Keras
offers no public equivalent for. `tests/test_keras_internals.py` checks that each
still exists and behaves as relied upon, so an upstream change fails one named test
instead of somewhere deep in a layer.

Tested with Keras 3.13.2 to 3.15.x (the range `setup.py` allows).
"""

from __future__ import annotations

import keras
from keras.src import backend as _backend


def set_keras_mask(tensor, mask) -> None:
    """Attaches a Keras mask to a tensor a layer returns (`tensor._keras_mask`).

    Keras layers receive it as `mask=` downstream, as `Embedding(mask_zero=True)`'s
    output does. Public Keras only sets masks through `compute_mask`, which a layer
    whose mask depends on its output values (the padded ids of a tokenizer) cannot
    use without computing the output twice.
    """
    _backend.set_keras_mask(tensor, mask)


def all_layers(model: keras.layers.Layer) -> list[keras.layers.Layer]:
    """Every layer inside `model`, depth first: nested models and layers held by
    subclassed layers (as attributes) included, `model` itself excluded.

    `Model.layers` lists only the top-level layers; Keras' own recursive walk
    (`Layer._flatten_layers`) is private.
    """
    return list(model._flatten_layers(include_self=False, recursive=True))


def set_initial_epoch(model: keras.Model, epoch: int) -> None:
    """Makes the `fit` call now starting skip to `epoch` (as `BackupAndRestore` does).

    Keras' `fit` reads `model._initial_epoch` after `on_train_begin`, so a callback
    that restores a backup there can resume the epochs; there is no public setter.
    """
    model._initial_epoch = int(epoch)
