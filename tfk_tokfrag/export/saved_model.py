"""`export_saved_model`: serving-ready SavedModels that take raw inputs."""

from __future__ import annotations

import datetime
import json
import os
import shutil
from collections.abc import Sequence

import keras
import numpy as np
import tensorflow as tf

from tfk_tokfrag import _stale_files
from tfk_tokfrag.export.requests import decode_images
from tfk_tokfrag.export.signature import InputSignature, strict_endpoint
from tfk_tokfrag.version import __version__

METADATA_FILENAME = "tfk_tokfrag.json"


def _ends_in_logits(model: keras.Model) -> bool:
    last = model.layers[-1]
    activation = getattr(last, "activation", None)
    return activation is None or getattr(activation, "__name__", "") == "linear"


def _is_image_spec(spec) -> bool:
    return (
        isinstance(spec, tf.TensorSpec)
        and spec.shape.rank == 4
        and spec.dtype == tf.uint8
        and spec.shape[1] is not None
        and spec.shape[2] is not None
        and spec.shape[3] in (1, 3)
    )


class _Postprocess:
    """Turns model outputs into `{"probabilities", "class_id", "class_name"}`."""

    def __init__(self, class_names: Sequence[str], from_logits: bool):
        self.class_names = tf.constant(list(class_names), dtype=tf.string)
        self.from_logits = from_logits

    def __call__(self, outputs):
        outputs = tf.cast(outputs, tf.float32)
        probabilities = tf.nn.softmax(outputs, axis=-1) if self.from_logits else outputs
        class_id = tf.argmax(probabilities, axis=-1, output_type=tf.int32)
        return {
            "probabilities": probabilities,
            "class_id": class_id,
            "class_name": tf.gather(self.class_names, class_id),
        }


def _decode_images(encoded: tf.Tensor, spec: tf.TensorSpec) -> tf.Tensor:
    """PNG/JPEG/GIF/BMP bytes `(batch,)` -> uint8 images resized to the model's size."""
    return decode_images(encoded, spec.shape[1], spec.shape[2], spec.shape[3])


def _one_blank_example(x: tf.Tensor) -> tf.Tensor:
    """A batch of one example shaped like `x`'s (sizes of 0 raised to 1): zeros, or
    empty strings."""
    shape = tf.maximum(tf.concat([[1], tf.shape(x)[1:]], axis=0), 1)
    blank = tf.fill(shape, tf.constant("" if x.dtype == tf.string else 0, x.dtype))
    blank.set_shape(tf.TensorShape([1]).concatenate(x.shape[1:]))
    return blank


def _any_batch_size(fn, inputs):
    """`fn(inputs)`, an empty batch included: then `fn`'s outputs for one blank
    example, cut to 0 rows.

    TensorFlow 2.21's oneDNN convolution (on by default on x86 CPUs) returns a wrong
    shape for a batch of 0 images, so a model with convolutions fails on one
    ("Incompatible shapes [128] vs. [0,4,4,64]"); a server flushing an empty batch
    gets an empty answer instead.
    """
    batch = tf.shape(tf.nest.flatten(inputs)[0])[0]
    return tf.cond(
        batch > 0,
        lambda: fn(inputs),
        lambda: tf.nest.map_structure(
            lambda t: t[:0], fn(tf.nest.map_structure(_one_blank_example, inputs))
        ),
    )


def _check_destination(path: str) -> None:
    """Refuses a destination whose replacement would destroy something not ours.

    Export writes a folder. It may go where nothing is, into an empty folder, or over
    a SavedModel this library exported (it has our metadata file); anything else (a
    file, a project folder holding `model.keras`, ...) is left alone with an error.
    """
    if not os.path.lexists(path):
        return
    if not os.path.isdir(path) or os.path.islink(path):
        raise FileExistsError(
            f"The export destination {path!r} is a file; a SavedModel is a folder. "
            "Choose a new or empty folder (nothing was written)."
        )
    entries = sorted(os.listdir(path))
    ours = METADATA_FILENAME in entries and "saved_model.pb" in entries
    if entries and not ours:
        shown = ", ".join(repr(e) for e in entries[:3]) + (", ..." if len(entries) > 3 else "")
        raise FileExistsError(
            f"The export destination {path!r} is a folder holding {len(entries)} "
            f"entries ({shown}) and not a SavedModel exported by tfk_tokfrag; exporting "
            "would replace them. Choose a new or empty folder (nothing was written)."
        )


def _atomic_replace_dir(tmp_dir: str, path: str) -> None:
    """Moves the finished `tmp_dir` onto `path`; a good old `path` survives any crash.

    The new artifact is complete before it is renamed into place, and the old one is
    moved aside (not deleted) until the new one stands.
    """
    old_dir = None
    if os.path.exists(path):
        old_dir = _stale_files.make_temp_dir(path, "old")
        os.rmdir(old_dir)
        os.replace(path, old_dir)
    try:
        os.replace(tmp_dir, path)
    except BaseException:
        if old_dir is not None:
            os.replace(old_dir, path)
        raise
    if old_dir is not None:
        shutil.rmtree(old_dir, ignore_errors=True)


def export_saved_model(
    model: keras.Model,
    path: str | os.PathLike,
    *,
    class_names: Sequence[str] | None = None,
    from_logits: bool | None = None,
    model_name: str | None = None,
    metrics: dict | None = None,
    verify_inputs=None,
    atol: float = 1e-5,
    verbose: bool = False,
) -> str:
    """Exports a classifier as a SavedModel that serves raw inputs.

    The artifact needs nothing but TensorFlow to load and serve (`tf.saved_model.load`,
    `saved_model_cli`, TF Serving). Its endpoints, each returning a dict with
    `probabilities` (float32 `(batch, num_classes)`), `class_id` (int32 `(batch,)`) and
    `class_name` (string `(batch,)`):

    - `serve` (also `serving_default`): the model's own raw inputs, e.g. uint8 images,
      `tf.string` text, uint8 videos of any length, or a dict of them. Inputs of
      another dtype, NumPy arrays included (`images / 255.0`), raise a `ValueError`
      instead of being cast (see `signature.strict_endpoint`).
    - `serve_encoded_images` (single-input uint8 image models only): a `(batch,)`
      `tf.string` of PNG/JPEG/BMP/GIF bytes, decoded and resized inside the graph;
      items that do not decode are named by their index in the error.

    The folder is written beside `path` and renamed into place, so a crash never
    leaves a half-written artifact where a good one was. `path` must be new, an empty
    folder, or a SavedModel exported here before (replaced); anything else raises
    `FileExistsError` before anything is written. A metadata file
    (`tfk_tokfrag.json`) records the model name, versions, input signatures, label
    names and any `metrics` passed in (e.g. the test accuracy measured at export).

    Args:
        model: a Keras classifier (any input structure its `model.input` describes).
        path: the destination folder, e.g. `"saved_models/conv_net_digits"`.
        class_names: label names; default `"0"`, `"1"`, ...
        from_logits: whether the model outputs logits (softmax is applied in the
            artifact); by default inferred from the last layer's activation.
        model_name: recorded in the metadata; defaults to `model.name`.
        metrics: figures to record in the metadata, e.g. `{"test_accuracy": 0.99}`.
        verify_inputs: if given, the artifact is reloaded with plain
            `tf.saved_model.load` and its probabilities compared with the Keras model's
            on these inputs; a difference above `atol` raises.
        atol: tolerance of that check.
        verbose: print the endpoints Keras writes out.

    Returns:
        The path written.
    """
    path = os.fspath(path)
    _check_destination(path)
    num_classes = int(model.output.shape[-1])
    if class_names is None:
        class_names = [str(i) for i in range(num_classes)]
    class_names = [str(c) for c in class_names]
    if len(class_names) != num_classes:
        raise ValueError(
            f"class_names has {len(class_names)} names but the model has {num_classes} "
            f"outputs. Received: class_names={class_names!r}"
        )
    if from_logits is None:
        from_logits = _ends_in_logits(model)
    postprocess = _Postprocess(class_names, from_logits)
    signature = InputSignature.from_model(model)
    spec = signature.to_tensor_specs()

    archive = keras.export.ExportArchive()
    archive.track(model)

    def serve(inputs):
        return _any_batch_size(lambda x: postprocess(model(x, training=False)), inputs)

    # Strict dtypes: a NumPy float array is refused, never cast to uint8 (see
    # `strict_endpoint`).
    archive.add_endpoint("serve", strict_endpoint(serve, spec))
    if _is_image_spec(spec):

        def serve_encoded_images(encoded):
            return serve(_decode_images(encoded, spec))

        archive.add_endpoint(
            "serve_encoded_images",
            strict_endpoint(
                serve_encoded_images,
                tf.TensorSpec((None,), tf.string, name="encoded_images"),
            ),
        )

    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)
    # What an export killed mid-write left beside this target (its process is gone).
    _stale_files.remove_stale(path)
    tmp_dir = _stale_files.make_temp_dir(path)
    try:
        logger = tf.get_logger()
        level = logger.level
        if not verbose:  # TensorFlow logs "Assets written to: <the temporary folder>"
            logger.setLevel("ERROR")
        try:
            archive.write_out(tmp_dir, verbose=verbose)
        finally:
            logger.setLevel(level)
        metadata = {
            "model_name": model_name or model.name,
            "tfk_tokfrag_version": __version__,
            "tensorflow_version": tf.__version__,
            "keras_version": keras.__version__,
            "created": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            "from_logits": from_logits,
            "class_names": class_names,
            "inputs": signature.to_json(),
            "endpoints": ["serve", "serving_default"]
            + (["serve_encoded_images"] if _is_image_spec(spec) else []),
            "metrics": metrics or {},
        }
        with open(os.path.join(tmp_dir, METADATA_FILENAME), "w", encoding="utf-8") as f:
            json.dump(metadata, f, indent=2, ensure_ascii=False)
        if verify_inputs is not None:
            _verify(tmp_dir, model, postprocess, verify_inputs, atol)
        _atomic_replace_dir(tmp_dir, path)
    except BaseException:
        shutil.rmtree(tmp_dir, ignore_errors=True)
        raise
    return path


def _verify(path, model, postprocess, inputs, atol):
    reloaded = tf.saved_model.load(path)
    if isinstance(inputs, dict):
        inputs = {k: tf.convert_to_tensor(v) for k, v in inputs.items()}
    else:
        inputs = tf.convert_to_tensor(inputs)
    expected = postprocess(model(inputs, training=False))["probabilities"].numpy()
    actual = reloaded.serve(inputs)["probabilities"].numpy()
    diff = float(np.max(np.abs(actual - expected))) if expected.size else 0.0
    if diff > atol:
        raise RuntimeError(
            f"The exported SavedModel disagrees with the Keras model: max abs difference "
            f"of probabilities {diff:.3g} > atol={atol}."
        )


def load_metadata(path: str | os.PathLike) -> dict:
    """The metadata an export wrote beside the SavedModel."""
    with open(os.path.join(os.fspath(path), METADATA_FILENAME), encoding="utf-8") as f:
        return json.load(f)


def load_saved_model(path: str | os.PathLike):
    """`tf.saved_model.load(path)`, with one clear error for a folder that is not one.

    A TensorFlow SavedModel is a program: loading and calling it runs its graph, which
    may read and write files. Load only SavedModels from trusted sources (TensorFlow's
    security guidance, SECURITY.md). Nothing in this package loads one implicitly.

    Raises:
        ValueError: if TensorFlow cannot read the SavedModel (e.g. a corrupt
            `saved_model.pb`).
    """
    path = os.fspath(path)
    try:
        return tf.saved_model.load(path)
    except (OSError, tf.errors.OpError) as error:
        reason = (getattr(error, "message", None) or str(error)).strip().splitlines()
        raise ValueError(
            f"{path} is not a valid SavedModel: TensorFlow cannot load it "
            f"({reason[0] if reason else type(error).__name__})."
        ) from error
