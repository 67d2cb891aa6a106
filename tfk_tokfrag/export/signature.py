"""`InputSignature`: what a model (and the SavedModel exported from it) takes as input.

One object for the serving contract, written by the export (`tfk_tokfrag.json` beside
the SavedModel), by the catalogue (`models/NAME/config.json`) and read back by the
command line, in one JSON form:

- a model with one input: `{"shape": [null, 8, 8, 1], "dtype": "uint8"}`
- a model with named inputs: `{"image": {"shape": ..., "dtype": ...}, "text": {...}}`

`None` stands for a free dimension (the batch, or the time axis of a video).

`strict_endpoint` makes a SavedModel endpoint that takes exactly these dtypes.
"""

from __future__ import annotations

import dataclasses

import keras
import tensorflow as tf


@dataclasses.dataclass(frozen=True)
class InputSpec:
    """One input: its name, shape (batch first, `None` where free) and dtype name."""

    name: str
    shape: tuple[int | None, ...]
    dtype: str

    @property
    def kind(self) -> str:
        """`"text"`, `"image"` (uint8 rank 4), `"video"` (uint8 rank 5) or `"tensor"`."""
        if self.dtype == "string":
            return "text"
        if self.dtype == "uint8" and len(self.shape) in (4, 5):
            return "image" if len(self.shape) == 4 else "video"
        return "tensor"

    @property
    def frame_shape(self) -> tuple[int | None, int | None, int | None]:
        """`(height, width, channels)` of an image or of a video's frames."""
        if self.kind not in ("image", "video"):
            raise ValueError(f"input {self.name!r} of kind {self.kind!r} has no frames.")
        return tuple(self.shape[-3:])

    def to_tensor_spec(self) -> tf.TensorSpec:
        return tf.TensorSpec(self.shape, tf.as_dtype(self.dtype), name=self.name)

    def to_json(self) -> dict:
        return {"shape": list(self.shape), "dtype": self.dtype}

    @classmethod
    def from_json(cls, name: str, config: dict) -> InputSpec:
        try:
            shape, dtype = config["shape"], config["dtype"]
        except (KeyError, TypeError):
            raise ValueError(
                f"An input signature entry needs 'shape' and 'dtype'. Received for "
                f"{name!r}: {config!r}"
            ) from None
        return cls(name, tuple(None if d is None else int(d) for d in shape),
                   tf.as_dtype(dtype).name)


@dataclasses.dataclass(frozen=True)
class InputSignature:
    """The inputs of a model: one unnamed-at-call input, or a dict of named inputs.

    Example:
        >>> import keras
        >>> inputs = keras.Input((8, 8, 1), dtype="uint8", name="image")
        >>> model = keras.Model(inputs, keras.layers.Flatten()(inputs))
        >>> signature = InputSignature.from_model(model)
        >>> signature.to_json()
        {'shape': [None, 8, 8, 1], 'dtype': 'uint8'}
        >>> InputSignature.from_json(signature.to_json()).specs[0].kind
        'image'
    """

    specs: tuple[InputSpec, ...]
    is_dict: bool

    @property
    def names(self) -> list[str]:
        return [spec.name for spec in self.specs]

    @property
    def input_names(self) -> list[str] | None:
        """The names of a model's named inputs; `None` for one unnamed input."""
        return self.names if self.is_dict else None

    def __getitem__(self, name: str) -> InputSpec:
        for spec in self.specs:
            if spec.name == name:
                return spec
        raise KeyError(f"no input {name!r}; the inputs are {self.names}")

    @classmethod
    def from_model(cls, model: keras.Model) -> InputSignature:
        """The signature of `model.input` (one input, or a dict of named inputs)."""
        structure = model.input
        if isinstance(structure, dict):
            return cls(
                tuple(cls._spec(name, t) for name, t in structure.items()), is_dict=True
            )
        if isinstance(structure, list | tuple):
            if len(structure) != 1:
                raise ValueError(
                    "Models with one input or a dict of named inputs are supported. "
                    f"Received a model with {len(structure)} positional inputs."
                )
            structure = structure[0]
        name = (getattr(structure, "name", None) or "inputs").split(":")[0]
        return cls((cls._spec(name, structure),), is_dict=False)

    @staticmethod
    def _spec(name: str, tensor) -> InputSpec:
        return InputSpec(name, tuple(tensor.shape), tf.as_dtype(tensor.dtype).name)

    def to_tensor_specs(self):
        """`tf.TensorSpec` (one input) or `{name: tf.TensorSpec}`: an export signature."""
        if self.is_dict:
            return {spec.name: spec.to_tensor_spec() for spec in self.specs}
        return self.specs[0].to_tensor_spec()

    def to_json(self) -> dict:
        if self.is_dict:
            return {spec.name: spec.to_json() for spec in self.specs}
        return self.specs[0].to_json()

    @classmethod
    def from_json(cls, config: dict) -> InputSignature:
        """Reads `to_json()`'s form (and the catalogue's older `{"input": {...}}`)."""
        if not isinstance(config, dict) or not config:
            raise ValueError(f"An input signature is a non-empty dict. Received: {config!r}")
        if "dtype" in config and "shape" in config:
            return cls((InputSpec.from_json("inputs", config),), is_dict=False)
        if list(config) == ["input"]:  # catalogue cards written before this class
            return cls((InputSpec.from_json("inputs", config["input"]),), is_dict=False)
        return cls(
            tuple(InputSpec.from_json(name, value) for name, value in config.items()),
            is_dict=True,
        )


def strict_endpoint(fn, specs) -> tf.types.experimental.GenericFunction:
    """`fn` as a `tf.function` traced for `specs` only: an endpoint for
    `keras.export.ExportArchive.add_endpoint` (without its `input_signature`).

    Why not `add_endpoint(..., input_signature=[specs])`: a function with an input
    signature, reloaded by `tf.saved_model.load`, converts a NumPy argument with
    `tf.convert_to_tensor(value, dtype=spec.dtype)`, which casts silently: a float
    image array `images / 255.0` reached a uint8 model as black pixels, `300.0` as
    44, while a `tf.float32` tensor was refused. A function traced without one
    picks its traced graph by the argument's own dtype, so NumPy arrays and tensors
    of another dtype (float images for uint8, float64 for float32, int64 for
    uint8) are all refused alike, with TensorFlow's "Could not find matching
    concrete function" `ValueError` listing the expected `TensorSpec`; arrays and
    tensors of the right dtype, and Python lists of values that fit it, are served
    as before. The `serving_default` signature (TF Serving) is the same graph.

    Args:
        fn: the serving function of one argument.
        specs: its `tf.TensorSpec` or a dict of them (`InputSignature.to_tensor_specs()`).
    """
    function = tf.function(fn, autograph=False)
    function.get_concrete_function(specs)
    return function
