"""How one `(inputs, label)` example becomes a `tf.train.Example` / `SequenceExample` and back.

Private to `tfk_tokfrag.data.tfrecords`. A `Field` says how one tensor of the example is
stored; `plan_fields` makes them from a dataset's element spec, `encode_fn` (a
`Dataset.map` function) turns an example into the tensors to store (images PNG/JPEG
encoded in the graph), `serialize` wraps those into the proto bytes, and `parse_fn`
parses and decodes them back in the graph. The field list goes into the JSON beside the
shards, so the reader needs nothing but that JSON.

Storage by kind:

* `image`: uint8 `(H, W, C)`, `C` in 1, 3, 4: one encoded PNG/JPEG in a bytes feature
  `<name>/encoded` (`image/encoded` for image datasets).
* `video`: uint8 `(T, H, W, C)`: one encoded frame per step in the feature list
  `image/encoded` of a `SequenceExample` (`<name>/encoded` when there are several
  videos), the layout of the TF Model Garden's video readers.
* `bytes`: strings (a text is a scalar string); `float`: float16/bfloat16/float32;
  `int`: bool and integers up to int64 (uint64 excluded); `tensor`: any other dtype
  (float64, uint64, complex), stored exactly with `tf.io.serialize_tensor`. The values
  go flat under `<name>`, and their shape under `<name>/shape` when the spec leaves a
  dimension unknown.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import tensorflow as tf

EXAMPLE = "example"
SEQUENCE_EXAMPLE = "sequence_example"
VIDEO_FRAMES_KEY = "image/encoded"  # the Model Garden video readers' keys
VIDEO_LABEL_KEY = "clip/label/index"
IMAGE_LABEL_KEY = "image/class/label"  # the Model Garden image classification key
IMAGE_CHANNELS = (1, 3, 4)
JPEG_CHANNELS = (1, 3)
LENGTH_KEY = "length"
_FLOAT_DTYPES = (tf.float16, tf.bfloat16, tf.float32)
_INT_DTYPES = (tf.bool, tf.int8, tf.int16, tf.int32, tf.int64, tf.uint8, tf.uint16, tf.uint32)
_DEFAULT_NAMES = {"image": "image", "video": "video", "bytes": "text"}


@dataclasses.dataclass(frozen=True)
class Field:
    """How one tensor is stored.

    Attributes:
        name: the input's key (dict inputs), or the tensor's default name.
        kind: `"image"`, `"video"`, `"bytes"`, `"float"`, `"int"` or `"tensor"`.
        key: the feature key in the proto.
        dtype: the tensor's dtype name.
        shape: its unbatched shape, `None` for unknown dimensions.
        image_format: `"png"` or `"jpeg"` for images and videos, else `None`.
        channels: the channels of images and videos (`None`: unknown).
    """

    name: str
    kind: str
    key: str
    dtype: str
    shape: tuple
    image_format: str | None = None
    channels: int | None = None

    @property
    def variable(self) -> bool:
        return any(d is None for d in self.shape)

    @property
    def shape_key(self) -> str:
        return f"{self.key}/shape"

    def to_json(self) -> dict:
        return {**dataclasses.asdict(self), "shape": list(self.shape)}

    @classmethod
    def from_json(cls, config: dict) -> Field:
        return cls(**{**config, "shape": tuple(config["shape"])})


def _kind(spec: tf.TensorSpec, channels: int | None, is_label: bool) -> str:
    rank = spec.shape.rank
    if spec.dtype == tf.uint8 and not is_label and rank in (3, 4):
        if channels is None or channels in IMAGE_CHANNELS:
            return "image" if rank == 3 else "video"
    if spec.dtype == tf.string:
        return "bytes"
    if spec.dtype in _FLOAT_DTYPES:
        return "float"
    if spec.dtype in _INT_DTYPES:
        return "int"
    return "tensor"


def spec_json(spec: tf.TensorSpec) -> dict:
    """`{"dtype", "shape"}` of a spec, `None` for unknown dimensions (the JSON's form)."""
    return {"dtype": spec.dtype.name, "shape": spec.shape.as_list()}


def first_channels(ds: tf.data.Dataset) -> dict:
    """Channels of the uint8 images/videos whose spec leaves them unknown (first example)."""
    inputs_spec = ds.element_spec[0]
    named = inputs_spec if isinstance(inputs_spec, dict) else {None: inputs_spec}
    unknown = [
        name
        for name, spec in named.items()
        if isinstance(spec, tf.TensorSpec)
        and spec.dtype == tf.uint8
        and spec.shape.rank in (3, 4)
        and spec.shape[-1] is None
    ]
    if not unknown:
        return {}
    first = next(iter(ds.take(1)), None)
    if first is None:
        return {}
    values = first[0] if isinstance(first[0], dict) else {None: first[0]}
    return {name: int(values[name].shape[-1]) for name in unknown}


def _check_spec(spec, where: str) -> tf.TensorSpec:
    if not isinstance(spec, tf.TensorSpec) or spec.shape.rank is None:
        raise ValueError(
            f"write_tfrecords stores dense tensors of known rank; {where} is {spec!r}."
        )
    return spec


def plan_fields(
    element_spec, image_format: str, channels: dict
) -> tuple[str, bool, list[Field], Field]:
    """`(record type, inputs is a dict, input fields, label field)` for an unbatched spec.

    `channels` maps an input name to the channel count seen in the first example (for
    images and videos whose spec leaves it unknown).
    """
    if not isinstance(element_spec, tuple) or len(element_spec) != 2:
        raise ValueError(
            "write_tfrecords expects a dataset of (inputs, label) pairs. Received elements "
            f"of spec {element_spec!r}."
        )
    inputs_spec, label_spec = element_spec
    is_dict = isinstance(inputs_spec, dict)
    named = inputs_spec if is_dict else {None: inputs_spec}
    kinds = {}
    for name, spec in named.items():
        if is_dict and not isinstance(name, str):
            raise ValueError(f"Dict inputs must have string keys. Received the key {name!r}.")
        where = f"inputs[{name!r}]" if is_dict else "inputs"
        _check_spec(spec, where)
        kinds[name] = _kind(spec, channels.get(name), is_label=False)
    num_videos = sum(k == "video" for k in kinds.values())
    record_type = SEQUENCE_EXAMPLE if num_videos else EXAMPLE

    fields = []
    for name, spec in named.items():
        kind = kinds[name]
        field_name = name if is_dict else _DEFAULT_NAMES.get(kind, "inputs")
        if kind == "video":
            key = VIDEO_FRAMES_KEY if num_videos == 1 else f"{field_name}/encoded"
        elif kind == "image":
            key = f"{field_name}/encoded"
        else:
            key = field_name
        fmt, num_channels = None, None
        if kind in ("image", "video"):
            num_channels = spec.shape[-1] if spec.shape[-1] is not None else channels.get(name)
            fmt = image_format
            if fmt == "jpeg" and num_channels not in JPEG_CHANNELS:
                fmt = "png"  # JPEG holds 1 or 3 channels: RGBA (or unknown) stays PNG
        fields.append(
            Field(
                field_name,
                kind,
                key,
                spec.dtype.name,
                tuple(spec.shape.as_list()),
                fmt,
                num_channels,
            )
        )

    _check_spec(label_spec, "the label")
    if record_type == SEQUENCE_EXAMPLE:
        label_key = VIDEO_LABEL_KEY
    elif not is_dict and kinds[None] == "image":
        label_key = IMAGE_LABEL_KEY
    else:
        label_key = "label"
    label = Field(
        "label",
        _kind(label_spec, None, is_label=True),
        label_key,
        label_spec.dtype.name,
        tuple(label_spec.shape.as_list()),
    )
    context_keys = [f.key for f in (*fields, label) if f.kind != "video"]
    context_keys += [f.shape_key for f in (*fields, label) if _has_shape_key(f)]
    if len(set(context_keys)) != len(context_keys):
        raise ValueError(
            f"The inputs' names give clashing feature keys {sorted(context_keys)}: rename "
            "the dict inputs (e.g. an input named 'label')."
        )
    return record_type, is_dict, fields, label


def _has_shape_key(field: Field) -> bool:
    return field.kind in ("bytes", "float", "int") and field.variable


def padded_input(fields: list[Field], is_dict: bool) -> str | None:
    """The input a dict's int scalar `"length"` measures, when that is unambiguous.

    `return_lengths=True` gives `{"video", "length"}`: after a `padded_batch`, the one
    input of unknown first dimension (not an image) is the padded one. With none or
    several such inputs, nothing is cut.
    """
    by_name = {f.name: f for f in fields}
    length = by_name.get(LENGTH_KEY)
    if not is_dict or length is None or length.kind != "int" or length.shape != ():
        return None
    padded = [
        f.name
        for f in fields
        if f.name != LENGTH_KEY and f.kind != "image" and f.shape[:1] == (None,)
    ]
    return padded[0] if len(padded) == 1 else None


def encode_fn(fields: list[Field], label: Field, is_dict: bool, jpeg_quality: int, cut: str | None):
    """A `Dataset.map` function: `(inputs, label)` -> `(context, feature lists)` tensors.

    Image/video channels are checked against the fields'. `cut`: the input cut to the
    dict's `"length"` (see `padded_input`), so only the true frames of padded batches
    are stored.
    """

    def encode(x: tf.Tensor, field: Field) -> tf.Tensor:
        if field.kind in ("image", "video"):
            x = tf.ensure_shape(x, [*[None] * (len(field.shape) - 1), field.channels])
            if field.image_format == "jpeg":
                one = lambda f: tf.io.encode_jpeg(f, quality=jpeg_quality)  # noqa: E731
            else:
                one = tf.io.encode_png
            if field.kind == "image":
                return one(x)
            return tf.map_fn(one, x, fn_output_signature=tf.TensorSpec([], tf.string))
        if field.kind == "tensor":
            return tf.io.serialize_tensor(x)
        if field.kind == "float":
            return tf.reshape(tf.cast(x, tf.float32), [-1])
        if field.kind == "int":
            return tf.reshape(tf.cast(x, tf.int64), [-1])
        return tf.reshape(x, [-1])

    def fn(inputs, y):
        named = inputs if is_dict else {fields[0].name: inputs}
        context, sequences = {}, {}
        for field in fields:
            x = named[field.name]
            if field.name == cut:
                x = x[: tf.cast(named[LENGTH_KEY], tf.int32)]
            (sequences if field.kind == "video" else context)[field.key] = encode(x, field)
            if _has_shape_key(field):
                context[field.shape_key] = tf.shape(x, out_type=tf.int64)
        context[label.key] = encode(y, label)
        if _has_shape_key(label):
            context[label.shape_key] = tf.shape(y, out_type=tf.int64)
        return context, sequences

    return fn


def _feature(value) -> tf.train.Feature:
    if isinstance(value, bytes):
        return tf.train.Feature(bytes_list=tf.train.BytesList(value=[value]))
    value = np.asarray(value)
    if value.dtype == np.float32:
        return tf.train.Feature(float_list=tf.train.FloatList(value=value.tolist()))
    if value.dtype == np.int64:
        return tf.train.Feature(int64_list=tf.train.Int64List(value=value.tolist()))
    return tf.train.Feature(bytes_list=tf.train.BytesList(value=value.tolist()))


def serialize(context: dict, sequences: dict, record_type: str) -> bytes:
    """The proto bytes of one encoded example (NumPy values from `encode_fn`)."""
    features = tf.train.Features(feature={k: _feature(v) for k, v in context.items()})
    if record_type == EXAMPLE:
        return tf.train.Example(features=features).SerializeToString()
    lists = {
        key: tf.train.FeatureList(feature=[_feature(frame) for frame in frames.tolist()])
        for key, frames in sequences.items()
    }
    return tf.train.SequenceExample(
        context=features, feature_lists=tf.train.FeatureLists(feature_list=lists)
    ).SerializeToString()


def _stored_dtype(field: Field):
    return {"float": tf.float32, "int": tf.int64}.get(field.kind, tf.string)


def _context_spec(field: Field) -> dict:
    if field.kind in ("bytes", "float", "int") and field.variable:
        return {
            field.key: tf.io.VarLenFeature(_stored_dtype(field)),
            field.shape_key: tf.io.FixedLenFeature([len(field.shape)], tf.int64),
        }
    if field.kind in ("bytes", "float", "int"):
        return {field.key: tf.io.FixedLenFeature(field.shape, _stored_dtype(field))}
    return {field.key: tf.io.FixedLenFeature([], tf.string)}


def _decode_image(encoded: tf.Tensor, field: Field) -> tf.Tensor:
    channels = field.channels or 0
    if field.image_format == "jpeg":
        return tf.io.decode_jpeg(encoded, channels=channels)
    return tf.io.decode_png(encoded, channels=channels)


def _restore(parsed: dict, field: Field) -> tf.Tensor:
    value = parsed[field.key]
    dtype = tf.as_dtype(field.dtype)
    if field.kind == "image":
        value = _decode_image(value, field)
    elif field.kind == "video":
        value = tf.map_fn(
            lambda f: _decode_image(f, field),
            value,
            fn_output_signature=tf.TensorSpec([None, None, field.channels], tf.uint8),
        )
    elif field.kind == "tensor":
        value = tf.io.parse_tensor(value, dtype)
    else:
        if isinstance(value, tf.SparseTensor):
            value = tf.reshape(tf.sparse.to_dense(value), parsed[field.shape_key])
        value = tf.cast(value, dtype) if field.kind != "bytes" else value
    return tf.ensure_shape(value, field.shape)


def parse_fn(record_type: str, fields: list[Field], label: Field, is_dict: bool):
    """A `Dataset.map` function: serialized proto -> `(inputs, label)` as written."""
    context_spec = {}
    for field in (*fields, label):
        if field.kind != "video":
            context_spec.update(_context_spec(field))
    sequence_spec = {
        f.key: tf.io.FixedLenSequenceFeature([], tf.string) for f in fields if f.kind == "video"
    }

    def fn(serialized):
        if record_type == EXAMPLE:
            context, sequences = tf.io.parse_single_example(serialized, context_spec), {}
        else:  # the same key may be in both (an image's and a video's "image/encoded")
            context, sequences = tf.io.parse_single_sequence_example(
                serialized, context_spec, sequence_spec
            )
        inputs = {f.name: _restore(sequences if f.kind == "video" else context, f) for f in fields}
        return (inputs if is_dict else inputs[fields[0].name]), _restore(context, label)

    return fn
