"""The shared test harness, in the spirit of keras-hub's `src/tests/test_case.py`.

Every public layer goes through `run_layer_test`; every model through
`run_model_saving_test` and `run_export_test`. Tests compare the layer's results against
independent references; the harness only checks the properties every layer must have
(config round trips, shapes, training, mixed precision, tf.data, saving).
"""

from __future__ import annotations

import json
import os
import tempfile

import keras
import numpy as np
import tensorflow as tf

__all__ = ["TestCase", "to_numpy", "assert_allclose_structure", "tiny_inputs"]


def to_numpy(x):
    """Converts tensors (dense or ragged) and nested structures to NumPy."""
    if isinstance(x, dict):
        return {k: to_numpy(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return type(x)(to_numpy(v) for v in x)
    if isinstance(x, tf.RaggedTensor):
        return x.to_list()
    if hasattr(x, "numpy"):
        return x.numpy()
    return np.asarray(x)


def assert_allclose_structure(actual, expected, atol=1e-6, rtol=1e-6, msg=""):
    """`np.testing.assert_allclose` over matching dicts / lists / ragged lists."""
    actual, expected = to_numpy(actual), to_numpy(expected)
    if isinstance(expected, dict):
        assert set(actual) == set(expected), f"{msg} keys {set(actual)} != {set(expected)}"
        for key in expected:
            assert_allclose_structure(actual[key], expected[key], atol, rtol, f"{msg}[{key}]")
        return
    if isinstance(expected, list) and isinstance(actual, list):
        assert actual == expected, f"{msg} ragged values differ"
        return
    expected = np.asarray(expected)
    actual = np.asarray(actual)
    assert actual.shape == expected.shape, f"{msg} shape {actual.shape} != {expected.shape}"
    if expected.dtype.kind in "OSU":
        np.testing.assert_array_equal(actual, expected, err_msg=msg)
    else:
        np.testing.assert_allclose(
            actual.astype(np.float64), expected.astype(np.float64), atol=atol, rtol=rtol,
            err_msg=msg,
        )


WORDS = ("a", "three", "five", "maybe", "digit", "可能", "是", "三", "good", "bad", "film")


def tiny_inputs(model, batch=4, time=6, seed=0, words=WORDS):
    """Random raw inputs matching `model.input`: uint8 images and videos, float
    signals (standard normal), strings.

    Dimensions left free (`None`) after the batch one, such as a video's time, get
    `time`; a string input gets `batch` texts of five of `words`.
    """
    rng = np.random.default_rng(seed)

    def one(spec):
        if spec.dtype == "string":
            return tf.constant([" ".join(rng.choice(words, size=5)) for _ in range(batch)])
        shape = [batch] + [time if d is None else d for d in spec.shape[1:]]
        if _is_float(spec.dtype):
            values = rng.standard_normal(shape).astype(keras.backend.standardize_dtype(spec.dtype))
            return tf.constant(values)
        return tf.constant(rng.integers(0, 256, shape, dtype=np.uint8))

    structure = model.input
    if isinstance(structure, dict):
        return {k: one(v) for k, v in structure.items()}
    return one(structure)


def padded_clips(lengths, batch_size: int) -> tf.data.Dataset:
    """Random uint8 clips (32x32x1) of `lengths` frames, labelled `i % 8`, batched with
    zeros appended to the shorter clips of each batch (as `load_dataset` pads them)."""
    rng = np.random.default_rng(0)
    clips = [rng.integers(0, 256, (t, 32, 32, 1), dtype=np.uint8) for t in lengths]
    return tf.data.Dataset.from_generator(
        lambda: ((c, i % 8) for i, c in enumerate(clips)),
        output_signature=(tf.TensorSpec((None, 32, 32, 1), tf.uint8),
                          tf.TensorSpec((), tf.int64)),
    ).padded_batch(batch_size)


def run_folder(tmp_path_factory):
    """The folder of this test run that all its xdist workers share (each worker's own
    base temp folder is inside it); the base temp folder without xdist."""
    root = tmp_path_factory.getbasetemp()
    return root.parent if os.environ.get("PYTEST_XDIST_WORKER") else root


def distinct_zoo_models() -> list[str]:
    """One zoo entry per distinct architecture, in `list_models()` order: entries whose
    builder and config differ only in `num_classes` (the univariate UCR entries) count
    once."""
    from tfk_tokfrag.models import get_entry, list_models

    seen, names = set(), []
    for name in list_models():
        entry = get_entry(name)
        config = sorted((k, repr(v)) for k, v in entry.config.items() if k != "num_classes")
        key = (entry.builder.__name__, *config)
        if key not in seen:
            seen.add(key)
            names.append(name)
    return names


def zoo_models_covering_every_layer() -> list[str]:
    """Few zoo entries whose models use, between them, every layer class of the zoo:
    largest first, an entry is left out when one kept entry's model already has all of
    its layer classes (e.g. `image_only_digit_scenes` beside `fused_digit_scenes`).
    For the costly checks (several replicas) where what varies is the layers."""
    from tfk_tokfrag._keras_internals import all_layers
    from tfk_tokfrag.models import get_model

    classes = {name: frozenset(type(layer).__name__ for layer in all_layers(get_model(name)))
               for name in distinct_zoo_models()}
    kept = []
    for name in sorted(classes, key=lambda name: -len(classes[name])):
        if not any(classes[name] <= classes[other] for other in kept):
            kept.append(name)
    return kept


def _is_float(dtype) -> bool:
    return tf.as_dtype(keras.backend.standardize_dtype(dtype)).is_floating


def _batch_slice(data, start, stop):
    if isinstance(data, dict):
        return {k: _batch_slice(v, start, stop) for k, v in data.items()}
    return data[start:stop]


def _input_spec_from_data(data, batch_size=None):
    """keras.Input(s) matching `data` with the batch dimension left free."""
    if isinstance(data, dict):
        return {k: _input_spec_from_data(v, batch_size) for k, v in data.items()}
    data = tf.convert_to_tensor(data)
    return keras.Input(shape=tuple(data.shape[1:]), dtype=data.dtype.name, batch_size=batch_size)


class _CastToFloat(keras.layers.Layer):
    """Test-only head adapter: integer or bool outputs -> float32."""

    def call(self, x):
        return keras.ops.cast(x, "float32")


class TestCase:
    """Base class for the suite's test classes (plain pytest classes)."""

    # -- small helpers ------------------------------------------------------------
    def get_temp_dir(self) -> str:
        path = tempfile.mkdtemp(prefix="tfk_tokfrag_test_")
        return path

    def assertAllClose(self, actual, expected, atol=1e-6, rtol=1e-6, msg=""):  # noqa: N802
        assert_allclose_structure(actual, expected, atol=atol, rtol=rtol, msg=msg)

    # -- layers --------------------------------------------------------------------
    def run_layer_test(
        self,
        cls,
        init_kwargs: dict,
        input_data,
        expected_output_shape=None,
        expected_output_data=None,
        expected_output_dtype=None,
        expected_num_trainable_weights: int | None = None,
        expected_num_non_trainable_weights: int | None = None,
        call_kwargs: dict | None = None,
        run_training_check: bool = True,
        run_jit_compile: bool = True,
        run_mixed_precision_check: bool | None = None,
        run_data_map_check: bool = True,
        run_export_check: bool = True,
        atol: float = 1e-6,
    ):
        """Checks the properties every tfk_tokfrag layer must have.

        - `get_config()` holds every constructor argument and round-trips exactly,
          through `from_config` and through JSON serialization.
        - Eager and symbolic calls agree with `expected_output_shape` and with
          `compute_output_shape`.
        - One `fit` step (with `jit_compile=True` unless the layer works on strings).
        - mixed_float16 compute where the layer is numeric.
        - Inside `tf.data.Dataset.map`, batched and unbatched, equal to the eager call.
        - A model around the layer saves to `.keras` and exports a SavedModel that
          reloads with plain `tf.saved_model.load` with equal outputs.
        """
        call_kwargs = call_kwargs or {}
        layer = cls(**init_kwargs)

        # Config round trips.
        config = layer.get_config()
        for key, value in init_kwargs.items():
            assert key in config, f"get_config() lacks constructor argument {key!r}"
            if not callable(value):
                assert _plain(config[key]) == _plain(value), (
                    f"get_config()[{key!r}] = {config[key]!r}, constructed with {value!r}"
                )
        revived = cls.from_config(config)
        assert revived.get_config() == config, "from_config(get_config()) changed the config"
        serialized = json.loads(json.dumps(keras.saving.serialize_keras_object(layer)))
        deserialized = keras.saving.deserialize_keras_object(serialized)
        assert isinstance(deserialized, cls)
        assert deserialized.get_config() == config, "JSON round trip changed the config"

        # Eager call.
        output = layer(input_data, **call_kwargs)
        if expected_output_shape is not None:
            _assert_shape(output, expected_output_shape, "eager output")
        if expected_output_data is not None:
            self.assertAllClose(output, expected_output_data, atol=atol, rtol=atol)
        if expected_output_dtype is not None:
            _assert_dtype(output, expected_output_dtype, "eager output")
        if expected_num_trainable_weights is not None:
            assert len(layer.trainable_weights) == expected_num_trainable_weights
        if expected_num_non_trainable_weights is not None:
            assert len(layer.non_trainable_weights) == expected_num_non_trainable_weights

        # Symbolic call and compute_output_shape.
        symbolic_layer = cls(**init_kwargs)
        inputs = _input_spec_from_data(input_data)
        symbolic_out = symbolic_layer(inputs, **call_kwargs)
        if expected_output_shape is not None and not isinstance(symbolic_out, dict | list):
            expected = (None,) + tuple(expected_output_shape)[1:]
            _assert_shape(symbolic_out, expected, "symbolic output", allow_none=True)
            input_shape = (
                {k: v.shape for k, v in inputs.items()}
                if isinstance(inputs, dict) else inputs.shape
            )
            computed = cls(**init_kwargs).compute_output_shape(input_shape)
            _assert_shape_tuple(computed, expected, "compute_output_shape")
        elif (
            isinstance(expected_output_shape, dict)
            and isinstance(symbolic_out, dict)
            and not isinstance(inputs, dict)
        ):
            # Dict outputs of a single input: the same checks, key by key.
            expected = {
                key: (None,) + tuple(shape)[1:]
                for key, shape in expected_output_shape.items()
            }
            assert set(symbolic_out) == set(expected), (
                f"symbolic output keys {set(symbolic_out)} != {set(expected)}"
            )
            _assert_shape(symbolic_out, expected, "symbolic output", allow_none=True)
            if expected_output_dtype is not None:
                _assert_dtype(symbolic_out, expected_output_dtype, "symbolic output")
            computed = cls(**init_kwargs).compute_output_shape(inputs.shape)
            for key, shape in expected.items():
                _assert_shape_tuple(computed[key], shape, f"compute_output_shape[{key}]")

        numeric = not _is_string_data(input_data)
        if run_mixed_precision_check is None:
            run_mixed_precision_check = numeric

        if run_training_check:
            self._run_training_check(cls, init_kwargs, input_data, call_kwargs,
                                     jit_compile=run_jit_compile and numeric)
        if run_mixed_precision_check:
            self._run_mixed_precision_check(cls, init_kwargs, input_data, call_kwargs)
        if run_data_map_check:
            self._run_data_map_check(cls, init_kwargs, input_data, call_kwargs, atol)
        if run_export_check:
            model_layer = cls(**init_kwargs)
            inputs = _input_spec_from_data(input_data)
            model = keras.Model(inputs, model_layer(inputs, **call_kwargs))
            self.run_model_saving_test(model, input_data, atol=atol)
            self.run_export_test(model, input_data, atol=atol)
        return layer

    def _run_training_check(self, cls, init_kwargs, input_data, call_kwargs, jit_compile):
        layer = cls(**init_kwargs)
        inputs = _input_spec_from_data(input_data)
        y = layer(inputs, **call_kwargs)
        if isinstance(y, dict | list | tuple):
            y = y[0] if isinstance(y, list | tuple) else next(iter(y.values()))
        if not _is_float(y.dtype):
            y = _CastToFloat()(y)
        if len(y.shape) < 2:
            y = keras.layers.Reshape((1,))(y)
        y = keras.layers.Dense(1)(y)
        model = keras.Model(inputs, y)
        model.compile(optimizer="sgd", loss="mse", jit_compile=jit_compile)
        target = np.zeros([_batch_size(input_data)] + list(y.shape[1:]), "float32")
        history = model.fit(input_data, target, batch_size=_batch_size(input_data),
                            epochs=1, verbose=0)
        assert np.isfinite(history.history["loss"][0]), "training produced a NaN loss"

    def _run_mixed_precision_check(self, cls, init_kwargs, input_data, call_kwargs):
        layer = cls(**{**init_kwargs, "dtype": "mixed_float16"})
        output = layer(input_data, **call_kwargs)
        outputs = output.values() if isinstance(output, dict) else [output]
        for out in outputs:
            if _is_float(out.dtype):
                assert keras.backend.standardize_dtype(out.dtype) == "float16", (
                    f"mixed_float16 layer returned {out.dtype}"
                )
        for weight in layer.weights:
            if _is_float(weight.dtype):
                assert keras.backend.standardize_dtype(weight.dtype) == "float32"

    def _run_data_map_check(self, cls, init_kwargs, input_data, call_kwargs, atol):
        layer = cls(**init_kwargs)
        expected = to_numpy(layer(input_data, **call_kwargs))
        n = _batch_size(input_data)
        # Batched.
        ds = tf.data.Dataset.from_tensor_slices(input_data).batch(n)
        ds = ds.map(lambda x: layer(x, **call_kwargs))
        (batched,) = list(ds)
        self.assertAllClose(batched, expected, atol=atol, rtol=atol,
                            msg="Dataset.map (batched)")
        # Unbatched: one example at a time gives the rows of the batched output.
        ds = tf.data.Dataset.from_tensor_slices(input_data)
        ds = ds.map(lambda x: layer(x, **call_kwargs))
        for i, element in enumerate(ds):
            self.assertAllClose(element, _index(expected, i), atol=atol, rtol=atol,
                                msg=f"Dataset.map (unbatched) element {i}")

    # -- models --------------------------------------------------------------------
    def run_model_saving_test(self, model, input_data, atol=1e-6):
        """`.keras` save + `load_model(safe_mode=True)` gives equal outputs."""
        path = os.path.join(self.get_temp_dir(), "model.keras")
        expected = model(input_data, training=False)
        model.save(path)
        restored = keras.saving.load_model(path, safe_mode=True)
        actual = restored(input_data, training=False)
        self.assertAllClose(actual, expected, atol=atol, rtol=atol, msg=".keras round trip")
        return restored

    def run_export_test(self, model, input_data, second_batch_size=None, atol=1e-6):
        """SavedModel export reloaded with plain `tf.saved_model.load`.

        The reloaded `serve` endpoint must equal the Keras model in the same batch
        size and in a second, smaller one.
        """
        path = os.path.join(self.get_temp_dir(), "saved_model")
        model.export(path, format="tf_saved_model", verbose=False)
        reloaded = tf.saved_model.load(path)
        expected = model(input_data, training=False)
        actual = reloaded.serve(_as_tensors(input_data))
        self.assertAllClose(actual, expected, atol=atol, rtol=atol, msg="SavedModel serve")
        n = _batch_size(input_data)
        second = second_batch_size or max(1, n - 1)
        part = _batch_slice(input_data, 0, second)
        self.assertAllClose(
            reloaded.serve(_as_tensors(part)), model(part, training=False),
            atol=atol, rtol=atol, msg=f"SavedModel serve, batch size {second}",
        )
        return reloaded


def _plain(value):
    """Normalizes tuples to lists so configs compare by value."""
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _as_tensors(data):
    if isinstance(data, dict):
        return {k: tf.convert_to_tensor(v) for k, v in data.items()}
    return tf.convert_to_tensor(data)


def _is_string_data(data) -> bool:
    if isinstance(data, dict):
        return any(_is_string_data(v) for v in data.values())
    return tf.convert_to_tensor(data).dtype == tf.string


def _batch_size(data) -> int:
    if isinstance(data, dict):
        return _batch_size(next(iter(data.values())))
    return int(tf.convert_to_tensor(data).shape[0])


def _index(data, i):
    if isinstance(data, dict):
        return {k: _index(v, i) for k, v in data.items()}
    if isinstance(data, list):
        return data[i]
    return np.asarray(data)[i]


def _assert_dtype(output, expected, what):
    """`expected` is a dtype name, or for dict outputs a dict of them (a subset)."""
    if isinstance(output, dict):
        expected_dtypes = (
            expected if isinstance(expected, dict) else dict.fromkeys(output, expected)
        )
        for key, dtype in expected_dtypes.items():
            _assert_dtype(output[key], dtype, f"{what}[{key}]")
        return
    actual = keras.backend.standardize_dtype(output.dtype)
    assert actual == expected, f"{what}: dtype {actual}, expected {expected}"


def _assert_shape(tensor, expected, what, allow_none=False):
    if isinstance(tensor, dict):
        for key, value in tensor.items():
            _assert_shape(value, expected[key], f"{what}[{key}]", allow_none)
        return
    _assert_shape_tuple(tuple(tensor.shape), expected, what, allow_none)


def _assert_shape_tuple(actual, expected, what, allow_none=True):
    actual = tuple(None if d is None else int(d) for d in actual)
    expected = tuple(expected)
    assert len(actual) == len(expected), f"{what}: shape {actual}, expected {expected}"
    for a, e in zip(actual, expected, strict=True):
        if e is None or (allow_none and a is None):
            continue
        assert a == e, f"{what}: shape {actual}, expected {expected}"
