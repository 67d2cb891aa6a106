"""Each Keras internal that `tfk_tokfrag._keras_internals` wraps still behaves as relied on.

When one of these fails after a Keras upgrade, the wrapper named in the test is the one
place to fix.
"""

import inspect
import re

import keras
import numpy as np
import tensorflow as tf
from keras.src.backend.tensorflow import trainer as keras_tf_trainer
from keras.src.backend.tensorflow.trainer import TensorFlowTrainer

import tfk_tokfrag.training  # noqa: F401  (installs the patches)
from tfk_tokfrag import _keras_internals


class _MaskRecorder(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.supports_masking = True

    def call(self, inputs, mask=None):
        self.seen_mask = mask
        return inputs


def test_set_keras_mask_reaches_the_next_layer():
    values = tf.constant([[3, 0, 5, 0]])
    _keras_internals.set_keras_mask(values, tf.not_equal(values, 0))
    recorder = _MaskRecorder()
    recorder(values)
    np.testing.assert_array_equal(recorder.seen_mask.numpy(), [[True, False, True, False]])


def test_all_layers_finds_nested_models_and_layers_held_as_attributes():
    class Holder(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.inner = keras.layers.Dense(2, name="held")

        def call(self, x):
            return self.inner(x)

    inner = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3, name="nested")])
    inputs = keras.Input((3,))
    model = keras.Model(inputs, Holder()(inner(inputs)))
    names = [layer.name for layer in _keras_internals.all_layers(model)]
    assert "nested" in names and "held" in names
    assert model.name not in names


def test_first_call_arguments_are_the_tensors_the_outer_model_feeds_a_nested_one():
    inner_input = keras.Input((3,))
    inner = keras.Model(inner_input, keras.layers.Dense(2)(inner_input))
    with np.testing.assert_raises_regex(ValueError, "never called"):
        _keras_internals.first_call_arguments(inner)
    outer_input = keras.Input((3,), name="outer")
    doubled = keras.layers.Rescaling(2.0)(outer_input)
    keras.Model(outer_input, inner(doubled))
    args, kwargs = _keras_internals.first_call_arguments(inner)
    assert args == (doubled,) and kwargs == {}
    assert inner.input is inner_input  # what `input` gives instead


def test_set_initial_epoch_in_on_train_begin_skips_the_done_epochs():
    class Resume(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            _keras_internals.set_initial_epoch(self.model, 3)

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    history = model.fit(np.zeros((4, 2)), np.zeros((4, 1)), epochs=5, verbose=0,
                        callbacks=[Resume()])
    assert history.epoch == [3, 4]


def test_keras_still_averages_the_first_distributed_batch():
    # The patched method: Keras builds from strategy.reduce("MEAN", first batch). When
    # this source changes, check whether patch_distributed_symbolic_build is needed
    # (tests/training/test_distribute.py checks the behaviour itself).
    source = inspect.getsource(_keras_internals.KERAS_MAYBE_SYMBOLIC_BUILD)
    assert re.search(r'distribute_strategy\.reduce\(\s*"MEAN"', source), source
    assert (TensorFlowTrainer._maybe_symbolic_build
            is _keras_internals._symbolic_build_from_one_replica)


def test_keras_still_reduces_multi_worker_step_outputs_along_axis_0():
    # The patched function: on several workers Keras reduces each step's scalar loss
    # and metrics with strategy.reduce("MEAN", v, axis=0), which fails
    # (keras-team/keras#20585). When this source changes, check whether
    # patch_multi_worker_reduction is needed (tests/training/test_multi_worker.py runs
    # two real workers, patched and not).
    source = inspect.getsource(_keras_internals.KERAS_REDUCE_PER_REPLICA)
    assert re.search(r'strategy\.reduce\(\s*"MEAN",\s*v,\s*axis=0\)', source), source
    assert (keras_tf_trainer.reduce_per_replica
            is _keras_internals._reduce_per_replica_multi_worker)


def test_keras_builds_from_a_batch_only_when_something_is_unbuilt():
    # `_needs_a_batch` repeats these conditions of Keras' own `_symbolic_build`; when
    # they change, update it.
    from keras.src.trainers.trainer import Trainer

    source = inspect.getsource(Trainer._symbolic_build)
    assert "if model_unbuilt or compile_metrics_unbuilt or compile_loss_unbuilt:" in source
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse", metrics=["mae"])
    assert _keras_internals._needs_a_batch(model)  # metrics not built before fit
    model.fit(np.zeros((4, 2)), np.zeros((4, 1)), epochs=1, verbose=0)
    assert not _keras_internals._needs_a_batch(model)
