"""Sharded TFRecords: any of our datasets written once, read back by many workers.

`write_tfrecords(dataset, prefix, num_shards=n)` writes `{prefix}-00000-of-0000n.tfrecord`
... and `{prefix}.json`, the description the reader needs (element spec, how each
tensor is stored, image format, class names, counts per shard, the package version).
Images are encoded once (PNG, lossless, or JPEG); a video becomes a
`tf.train.SequenceExample` with one encoded frame per step in the feature list
`image/encoded` and the label in the context under `clip/label/index`, the layout the
TF Model Garden's video readers expect; everything else becomes a `tf.train.Example`.

`read_tfrecords(source)` reads them back with a parallel interleave over the shard files
(one file per input pipeline and more: shards are what multi-worker training splits) and
decodes in the graph (`tf.io.decode_png` / `decode_jpeg`), giving the unbatched
`(inputs, label)` of the source, in the source's order. `load_dataset` reads the same
sources (a `prefix-*-of-*.tfrecord` pattern, a prefix, its JSON, or a folder holding
shards and JSON) through `tfrecord_examples`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence

import keras
import tensorflow as tf

from tfk_tokfrag import _validation
from tfk_tokfrag.data import _ops
from tfk_tokfrag.data import _tfrecord_codec as codec
from tfk_tokfrag.data import _tfrecord_files as sources
from tfk_tokfrag.data._tfrecord_files import (
    is_tfrecord_source,
    pipeline_num_examples,
    shard_paths,
)
from tfk_tokfrag.version import __version__

try:  # tqdm comes with tensorflow-datasets; Keras' Progbar stands in without it
    from tqdm import tqdm
except ImportError:  # pragma: no cover
    tqdm = None

__all__ = [
    "is_tfrecord_source",
    "pipeline_num_examples",
    "read_tfrecords",
    "shard_paths",
    "tfrecord_examples",
    "tfrecord_info",
    "verify_tfrecords",
    "write_tfrecords",
]

IMAGE_FORMATS = ("png", "jpeg")


class _Progress:
    """A tqdm bar (Keras' `Progbar` without tqdm), or nothing."""

    def __init__(self, total: int | None, description: str, enabled: bool):
        self._bar = None
        if enabled and tqdm is not None:
            self._bar = tqdm(total=total, desc=description, unit=" examples")
        elif enabled:
            self._bar = keras.utils.Progbar(total)

    def update(self):
        if self._bar is None:
            return
        if tqdm is not None:
            self._bar.update(1)
        else:
            self._bar.add(1)

    def close(self):
        if self._bar is not None and tqdm is not None:
            self._bar.close()


def write_tfrecords(
    dataset: tf.data.Dataset,
    path_prefix: str | os.PathLike,
    *,
    num_shards: int,
    image_format: str = "png",
    jpeg_quality: int = 95,
    class_names: Sequence[str] | None = None,
    batched: bool | None = None,
    split: str | None = None,
    overwrite: bool = False,
    progress: bool = True,
) -> dict:
    """Writes a dataset of `(inputs, label)` as sharded TFRecord files and a JSON.

    Inputs may be a uint8 image `(H, W, C)` (encoded once, PNG or JPEG), a string
    (text), a uint8 video `(T, H, W, C)` (a `tf.train.SequenceExample`: one encoded frame
    per step in the feature list `image/encoded`, the label in the context as
    `clip/label/index`, as the TF Model Garden's video readers expect), a numeric tensor
    such as a float time series `(time, channels)` (a float or int list and its shape),
    or a dict of those (multimodal: one `SequenceExample` whose context holds the image
    and text and whose feature list holds the video frames). Variable sizes are kept.

    Examples go round robin to the shards (example `i` to shard `i % num_shards`): the
    shards stay balanced, so workers that each read some shards get equal work, and
    `read_tfrecords` reading all of them interleaved gives back the source order.

    A batched dataset is unbatched first. Batches padded in time (`padded_batch`, as
    `load_dataset` makes of variable-length clips) are cut back to their true frames
    when the inputs are a dict with an int `"length"` (`return_lengths=True`) and one
    input of unknown first dimension (the JSON's `cut_to_length` names it); otherwise
    the padding cannot be told apart and is written as it is (write the unbatched
    examples, e.g. `load_dataset(..., batch_size=1)` as `convert` does, to avoid that).

    Args:
        dataset: a `tf.data.Dataset` of `(inputs, label)`, batched or not.
        path_prefix: where to write: `{path_prefix}-{i:05d}-of-{n:05d}.tfrecord` and
            `{path_prefix}.json` (missing folders are made).
        num_shards: the number of files; at least the number of workers that will
            read them (each reads whole files).
        image_format: `"png"` (lossless) or `"jpeg"` for images and video frames.
            JPEG holds 1 or 3 channels: 4-channel images stay PNG (the JSON says so).
        jpeg_quality: JPEG quality, 0 to 100.
        class_names: the name of each class, stored in the JSON; labels are checked to
            be indices into it.
        batched: whether `dataset` yields batches; default: batched when the label has
            a batch dimension (rank >= 1). Pass `False` for unbatched vector labels.
        split: the split the examples come from, stored in the JSON (a folder of
            several written datasets is read by split).
        overwrite: replace the shards and JSON already written under this prefix;
            otherwise they are an error.
        progress: show a progress bar (tqdm).

    Returns:
        The description written to `{path_prefix}.json`.

    Example:

    >>> import tempfile
    >>> prefix = os.path.join(tempfile.mkdtemp(), "train")
    >>> images = tf.zeros([5, 4, 4, 1], tf.uint8)
    >>> ds = tf.data.Dataset.from_tensor_slices((images, tf.range(5, dtype=tf.int64)))
    >>> info = write_tfrecords(ds, prefix, num_shards=2, progress=False)
    >>> [shard["num_examples"] for shard in info["shards"]]
    [3, 2]
    >>> read, _ = read_tfrecords(f"{prefix}-*-of-*.tfrecord")
    >>> [int(label) for _, label in read]
    [0, 1, 2, 3, 4]
    """
    num_shards = _validation.positive_int("num_shards", num_shards)
    _validation.choice("image_format", image_format, IMAGE_FORMATS)
    if not _validation.is_int(jpeg_quality) or not 0 <= jpeg_quality <= 100:
        raise ValueError(
            f"jpeg_quality must be an int in [0, 100]. Received: jpeg_quality={jpeg_quality!r}"
        )
    _validation.check_bool("overwrite", overwrite)
    _validation.check_bool("progress", progress)
    if class_names is not None:
        class_names = [str(c) for c in class_names]
    prefix = os.path.expanduser(os.fspath(path_prefix))
    if not os.path.basename(prefix):
        raise ValueError(
            "path_prefix must end with a file name prefix, not a folder. "
            f"Received: path_prefix={path_prefix!r}"
        )
    if not isinstance(dataset, tf.data.Dataset):
        raise ValueError(f"dataset must be a tf.data.Dataset. Received: dataset={dataset!r}")
    spec = dataset.element_spec
    if not isinstance(spec, tuple) or len(spec) != 2:
        raise ValueError(
            "write_tfrecords expects a dataset of (inputs, label) pairs. Received elements "
            f"of spec {spec!r}."
        )
    if batched is None:
        batched = isinstance(spec[1], tf.TensorSpec) and (spec[1].shape.rank or 0) >= 1
    if _validation.check_bool("batched", batched):
        dataset = dataset.unbatch()
    record_type, is_dict, fields, label = codec.plan_fields(
        dataset.element_spec, image_format, codec.first_channels(dataset)
    )

    cut = codec.padded_input(fields, is_dict) if batched else None
    existing = sources.written_files(prefix)
    if existing and not overwrite:
        raise FileExistsError(
            f"{prefix} already holds TFRecords ({', '.join(existing)}); pass overwrite=True "
            "to replace them."
        )
    for path in existing:
        tf.io.gfile.remove(path)
    if os.path.dirname(prefix):
        tf.io.gfile.makedirs(os.path.dirname(prefix))

    encoded = dataset.map(
        codec.encode_fn(fields, label, is_dict, jpeg_quality, cut),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=True,
    ).prefetch(tf.data.AUTOTUNE)
    paths = shard_paths(prefix, num_shards)
    counts = [0] * num_shards
    total = int(dataset.cardinality())
    bar = _Progress(total if total >= 0 else None, f"Writing {prefix}", progress)
    writers = [tf.io.TFRecordWriter(p) for p in paths]
    try:
        for i, (context, sequences) in enumerate(encoded.as_numpy_iterator()):
            if class_names is not None and label.kind == "int" and label.shape == ():
                index = int(context[label.key][0])
                if not 0 <= index < len(class_names):
                    raise ValueError(
                        f"Example {i} has label {index}, not an index into the "
                        f"{len(class_names)} class_names."
                    )
            writers[i % num_shards].write(codec.serialize(context, sequences, record_type))
            counts[i % num_shards] += 1
            bar.update()
    except BaseException:
        for writer in writers:
            writer.close()
        for path in paths:  # no half-written dataset: the shards are ours, just made
            tf.io.gfile.remove(path)
        raise
    finally:
        bar.close()
    for writer in writers:
        writer.close()

    inputs_spec, label_spec = dataset.element_spec
    description = {
        "format": sources.DESCRIPTION_FORMAT,
        "format_version": sources.FORMAT_VERSION,
        "tfk_tokfrag_version": __version__,
        "record_type": record_type,
        "element_spec": {
            "inputs": (
                {k: codec.spec_json(v) for k, v in inputs_spec.items()}
                if is_dict
                else codec.spec_json(inputs_spec)
            ),
            "label": codec.spec_json(label_spec),
        },
        "inputs_is_dict": is_dict,
        "features": [f.to_json() for f in fields],
        "label_feature": label.to_json(),
        "image_format": image_format,
        "jpeg_quality": jpeg_quality if image_format == "jpeg" else None,
        "class_names": class_names,
        "split": split,
        "order": "round_robin",
        "cut_to_length": cut,
        "num_shards": num_shards,
        "shards": [
            {
                "file": os.path.basename(path),
                "num_examples": count,
                "num_bytes": tf.io.gfile.stat(path).length,
            }
            for path, count in zip(paths, counts, strict=True)
        ],
        "num_examples": sum(counts),
    }
    with tf.io.gfile.GFile(f"{prefix}.json", "w") as f:  # last: its presence means complete
        json.dump(description, f, indent=2)
    return description


def read_tfrecords(
    source: str | os.PathLike,
    *,
    split: str | None = None,
    input_context: tf.distribute.InputContext | None = None,
    shard_index: int | None = None,
    num_shards: int | None = None,
    num_parallel_reads: int = tf.data.AUTOTUNE,
    deterministic: bool = True,
) -> tuple[tf.data.Dataset, dict]:
    """Reads TFRecords written by `write_tfrecords` back into unbatched `(inputs, label)`.

    The shard files (sorted) are read by a parallel interleave over all of them, one
    record from each in turn, which gives back the order they were written in (round
    robin; every file of the pipeline is open at once); records are parsed and
    images/frames decoded in the graph (`tf.io.decode_png` / `decode_jpeg`), in
    parallel, as the JSON beside them says.
    For multi-worker training, each input pipeline reads whole files: those of index
    `shard_index, shard_index + num_shards, ...`, so the pipelines read disjoint files
    that together hold every example once.

    Each shard's size is checked against the JSON first: a truncated (or changed) file
    is a `tf.errors.DataLossError` naming it. Corruption inside a file of the right size
    only shows when read, as TensorFlow's `DataLossError` (which gives an offset, not
    the file): `verify_tfrecords` finds the file.

    Args:
        source: a pattern of shards (`"out/train-*-of-*.tfrecord"`), the prefix given
            to `write_tfrecords`, its `.json`, or a folder holding shards and JSON.
        split: for a folder holding several written datasets: the one whose recorded
            split this is. Ignored for patterns, prefixes and JSON paths.
        input_context: a `tf.distribute.InputContext` (as given to the dataset function
            of `strategy.distribute_datasets_from_function`): read the files of input
            pipeline `input_pipeline_id` of `num_input_pipelines`.
        shard_index: without `input_context`: this pipeline's index, in
            `[0, num_shards)`.
        num_shards: the number of input pipelines sharing the files (not the number of
            files); it must not exceed the number of files.
        num_parallel_reads: files read in parallel (`tf.data.AUTOTUNE` or an int).
        deterministic: keep the order (the source's order when all files are read).

    Returns:
        `(dataset, info)`: the unbatched `tf.data.Dataset` (its cardinality known), and
        the description of the JSON with `json_path`, `files` (those this pipeline
        reads) and `pipeline_num_examples` added.
    """
    _validation.check_bool("deterministic", deterministic)
    if num_parallel_reads != tf.data.AUTOTUNE:
        num_parallel_reads = _validation.positive_int("num_parallel_reads", num_parallel_reads)
    json_path, description, files = sources.resolve(source, split)
    files, sharded = sources.shard_files(files, input_context, shard_index, num_shards)
    shards = {s["file"]: s for s in description["shards"]}
    for file in files:
        expected = shards[os.path.basename(file)]["num_bytes"]
        size = tf.io.gfile.stat(file).length
        if size != expected:
            raise tf.errors.DataLossError(
                None,
                None,
                f"The shard {file} is truncated or was changed since it was written: "
                f"{size} bytes on disk, {expected} written (see {json_path}). Write it again.",
            )
    count = sum(shards[os.path.basename(f)]["num_examples"] for f in files)

    fields = [codec.Field.from_json(f) for f in description["features"]]
    label = codec.Field.from_json(description["label_feature"])
    parse = codec.parse_fn(description["record_type"], fields, label, description["inputs_is_dict"])
    parallel = num_parallel_reads
    if parallel != tf.data.AUTOTUNE:
        parallel = min(parallel, len(files))
    ds = tf.data.Dataset.from_tensor_slices(files).interleave(
        tf.data.TFRecordDataset,
        cycle_length=len(files),
        block_length=1,
        num_parallel_calls=parallel,
        deterministic=deterministic,
    )
    ds = ds.map(parse, num_parallel_calls=tf.data.AUTOTUNE, deterministic=deterministic)
    ds = ds.apply(tf.data.experimental.assert_cardinality(count))
    if sharded:  # already split by file: a distribution strategy must not split it again
        options = tf.data.Options()
        options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF
        ds = ds.with_options(options)
    info = {**description, "json_path": json_path, "files": files}
    info["pipeline_num_examples"] = count
    return ds, info


def tfrecord_examples(
    source: str | os.PathLike,
    split: str = "train",
    *,
    image_size: int | Sequence[int] | None = None,
    num_frames: int | None = None,
    return_lengths: bool = False,
    input_context: tf.distribute.InputContext | None = None,
) -> tf.data.Dataset:
    """What `load_dataset` reads from TFRecords: `read_tfrecords` plus its options.

    Args:
        source: as for `read_tfrecords`.
        split: for a folder holding several written datasets, the one to read; a
            folder holding one dataset without a recorded split is `"train"`.
        image_size: resize images and frames to `(height, width)` (or an int).
        num_frames: keep this many evenly spaced frames per clip (a stored `"length"`
            beside the clip becomes `num_frames`).
        return_lengths: a stored video tensor becomes `{"video", "length"}`, as for
            video folders; stored dicts are returned as they were written.
        input_context: read only the files of this input pipeline (whole files, see
            `read_tfrecords`).

    Returns:
        The unbatched `(inputs, label)` `tf.data.Dataset`.
    """
    size = _ops.as_size(image_size)
    _ops.check_num_frames(num_frames)
    _validation.check_bool("return_lengths", return_lengths)
    ds, info = read_tfrecords(source, split=split, input_context=input_context)
    kinds = {f["name"]: f["kind"] for f in info["features"]}
    is_dict = info["inputs_is_dict"]
    videos = [name for name, kind in kinds.items() if kind == "video"]
    lengths = not is_dict and return_lengths and bool(videos)
    if size is None and num_frames is None and not lengths:
        return ds

    def prepare(inputs, label):
        named = dict(inputs) if is_dict else {next(iter(kinds)): inputs}
        for name, kind in kinds.items():
            if kind == "video":
                named[name] = _ops.resize_uint8(
                    _ops.subsample_frames(named[name], num_frames), size
                )
            elif kind == "image":
                named[name] = _ops.resize_uint8(named[name], size)
        if is_dict and num_frames is not None and len(videos) == 1 and "length" in named:
            named["length"] = tf.constant(num_frames, named["length"].dtype)
        if lengths:
            return _ops.video_with_length(named[videos[0]]), label
        return (named if is_dict else next(iter(named.values()))), label

    return ds.map(prepare, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)


def tfrecord_info(source: str | os.PathLike, split: str | None = None) -> dict:
    """`dataset_info` for written TFRecords (read from the JSON; nothing is decoded).

    A folder holding several written datasets lists each as a split (its recorded
    split, else its prefix's name).
    """
    path = os.path.expanduser(os.fspath(source))
    if not sources.is_pattern(path) and tf.io.gfile.isdir(path):
        found = sources.descriptions_in(path)
        if not found:
            raise FileNotFoundError(f"No TFRecord description (*.json) in the folder {path}.")
    else:
        found = [sources.resolve(path, split)[0]]
    descriptions = {p: sources.load_description(p) for p in found}
    first = descriptions[found[0]]
    spec = first["element_spec"]["inputs"]
    fields = first["features"]
    if first["inputs_is_dict"]:
        inputs = {k: {"shape": tuple(v["shape"]), "dtype": v["dtype"]} for k, v in spec.items()}
    else:
        inputs = {fields[0]["name"]: {"shape": tuple(spec["shape"]), "dtype": spec["dtype"]}}
    modalities = {"image": "image", "video": "video"}
    kinds = [
        "text" if f["kind"] == "bytes" and not f["shape"] else modalities.get(f["kind"])
        for f in fields
    ]
    class_names = first.get("class_names")
    return {
        "name": path,
        "source": "tfrecord",
        "modalities": tuple(k for k in ("image", "text", "video") if k in kinds),
        "inputs": inputs,
        "label": "label",
        "num_classes": None if class_names is None else len(class_names),
        "class_names": None if class_names is None else tuple(class_names),
        "splits": {
            d.get("split") or os.path.basename(p)[: -len(".json")]: d["num_examples"]
            for p, d in descriptions.items()
        },
        "description": f"{first['record_type']} TFRecords ({first['image_format']}) of {path}.",
    }


def verify_tfrecords(source: str | os.PathLike, *, split: str | None = None) -> dict:
    """Reads every record of every shard and checks them against the JSON.

    What to run when training stops on a `DataLossError` (TensorFlow names an offset,
    not the file): this names the shard.

    Args:
        source: as for `read_tfrecords`.
        split: as for `read_tfrecords`.

    Returns:
        `{shard file: number of records}`.

    Raises:
        tf.errors.DataLossError: a shard is truncated, corrupted (a record's checksum
            fails) or holds another number of records than the JSON says; the message
            names the file.
    """
    json_path, description, files = sources.resolve(source, split)
    expected = {s["file"]: s["num_examples"] for s in description["shards"]}
    counts = {}
    for file in files:
        count = 0
        try:
            for batch in tf.data.TFRecordDataset(file).batch(1024):
                count += int(tf.shape(batch)[0])
        except tf.errors.DataLossError as err:
            raise tf.errors.DataLossError(
                None, None, f"The shard {file} is damaged after record {count}: {err.message}"
            ) from err
        if count != expected[os.path.basename(file)]:
            raise tf.errors.DataLossError(
                None,
                None,
                f"The shard {file} holds {count} records; {json_path} says "
                f"{expected[os.path.basename(file)]}.",
            )
        counts[file] = count
    return counts
