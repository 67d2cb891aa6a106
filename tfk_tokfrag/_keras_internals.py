"""The only module that touches Keras internals (names that are not public API).

Each function here wraps one private Keras name that the package needs and that Keras
offers no public equivalent for. `tests/test_keras_internals.py` checks that each
still exists and behaves as relied upon, so an upstream change fails one named test
instead of somewhere deep in a layer.

Tested with Keras 3.14 to 3.15.x (the range `setup.py` allows).
"""

from __future__ import annotations

import keras
import tensorflow as tf
from keras.src import backend as _backend
from keras.src import tree as _tree
from keras.src.backend.tensorflow import trainer as _tf_trainer
from keras.src.backend.tensorflow.trainer import TensorFlowTrainer as _TensorFlowTrainer


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


def first_call_arguments(layer: keras.layers.Layer) -> tuple[tuple, dict]:
    """`(args, kwargs)` of the first call of `layer` in a functional graph: the
    symbolic tensors the enclosing model feeds it (`layer._inbound_nodes[0]`;
    keyword arguments that are `None` left out).

    For a layer, `layer.input` gives the same tensors; a nested model's `input` is
    its own `Input`s instead, and Keras has no public way to the tensors of its call.

    Raises:
        ValueError: `layer` was never called on symbolic tensors.
    """
    if not layer._inbound_nodes:
        raise ValueError(
            f"{layer.name} was never called in a functional model, so what the "
            "model feeds it is not known."
        )
    arguments = layer._inbound_nodes[0].arguments
    # Keras records the arguments it passes itself (`mask=None`) too: left out.
    return tuple(arguments.args), {k: v for k, v in arguments.kwargs.items() if v is not None}


def set_initial_epoch(model: keras.Model, epoch: int) -> None:
    """Makes the `fit` call now starting skip to `epoch` (as `BackupAndRestore` does).

    Keras' `fit` reads `model._initial_epoch` after `on_train_begin`, so a callback
    that restores a backup there can resume the epochs; there is no public setter.
    """
    model._initial_epoch = int(epoch)


# Keras' own method, kept to test that upstream still needs the patch below.
KERAS_MAYBE_SYMBOLIC_BUILD = _TensorFlowTrainer._maybe_symbolic_build


def _needs_a_batch(model) -> bool:
    """Whether `Trainer._symbolic_build` has anything to build from a batch (the
    conditions of Keras' own method)."""
    return (
        not all(layer.built for layer in model._flatten_layers())
        or (model._compile_metrics is not None and not model._compile_metrics.built)
        or (model._compile_loss is not None and not model._compile_loss.built)
    )


def _symbolic_build_from_one_replica(self, iterator=None, data_batch=None):
    """`TensorFlowTrainer._maybe_symbolic_build`, with the first batch of a
    distributed dataset read from one replica instead of averaged over them.

    Keras (3.13-3.15) builds a model trained under a `tf.distribute` strategy from the
    first batch, which it gets with `strategy.reduce("MEAN", batch)`: that cannot
    average strings (text models fail with "AddN ... string") nor per-replica batches
    of different shapes (variable-length video), and turns uint8 images into floats.
    The build needs only shapes and dtypes, which one replica's batch has. And only
    when something is still unbuilt is a batch read at all: Keras reads one at every
    `evaluate` (each epoch's validation), which on several workers leaves a
    half-read distributed iterator behind whose synchronization can hand a worker an
    empty batch in the next one.
    """
    if self._distribute_strategy is None:
        return
    if iterator is not None and _needs_a_batch(self):
        for _, _, it in iterator:
            batch = next(it)
            data_batch = _tree.map_structure(
                lambda x: (
                    self.distribute_strategy.experimental_local_results(x)[0]
                    if isinstance(x, tf.distribute.DistributedValues) else x
                ),
                batch,
            )
            break
    with self.distribute_strategy.scope():
        self._symbolic_build(data_batch=data_batch)


def patch_distributed_symbolic_build() -> None:
    """Installs `_symbolic_build_from_one_replica` as Keras' TensorFlow trainer's
    `_maybe_symbolic_build` (idempotent).

    Active only under a `tf.distribute` strategy (without one, both return at once).
    `tests/test_keras_internals.py` fails when Keras' own method stops averaging the
    batch (fixed upstream: drop this) or moves.
    """
    _TensorFlowTrainer._maybe_symbolic_build = _symbolic_build_from_one_replica


# Keras' own function, kept to test that upstream still needs the patch below.
KERAS_REDUCE_PER_REPLICA = _tf_trainer.reduce_per_replica


def _in_multi_worker_mode(strategy) -> bool:
    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) and (
        strategy.extended._in_multi_worker_mode()
    )


def _reduce_per_replica_multi_worker(values, strategy, reduction):
    """Keras' `reduce_per_replica` with the mean across workers taken over the
    replicas alone.

    Under `MultiWorkerMirroredStrategy` on several workers, Keras (3.13-3.15) reduces
    each train/test step's outputs (the loss and metric values, scalars) with
    `strategy.reduce("MEAN", value, axis=0)`, which also reduces along a first axis
    that scalars do not have: `fit` fails with "Invalid reduction dimension 0 for
    input with 0 dimensions" (keras-team/keras#20585). The mean over the replicas
    (`axis=None`) is what Keras computes on one machine. Every other case (one worker,
    other strategies, `"concat"` for `predict`) goes to Keras' own function.
    """
    if reduction in ("auto", "mean") and _in_multi_worker_mode(strategy):
        return _tree.map_structure(
            lambda value: strategy.reduce("MEAN", value, axis=None), values
        )
    return KERAS_REDUCE_PER_REPLICA(values, strategy, reduction)


def patch_multi_worker_reduction() -> None:
    """Installs `_reduce_per_replica_multi_worker` where Keras' TensorFlow trainer
    looks up `reduce_per_replica` (idempotent; active only on several workers).

    `tests/test_keras_internals.py` fails when Keras' own function stops reducing
    along axis 0 (fixed upstream: drop this) or moves.
    """
    _tf_trainer.reduce_per_replica = _reduce_per_replica_multi_worker
