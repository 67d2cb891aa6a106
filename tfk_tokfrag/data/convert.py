"""`convert`: any dataset `load_dataset` reads, written as sharded TFRecords.

What the command line's `tfk-tokfrag convert SOURCE DEST --num-shards N` runs.
"""

from __future__ import annotations

import os

import tensorflow as tf

from tfk_tokfrag.data import registry, tfrecords
from tfk_tokfrag.data.load_dataset import load_dataset


def _class_names(source, split: str, load_kwargs: dict) -> list[str] | None:
    if load_kwargs.get("class_names") is not None:
        return list(load_kwargs["class_names"])
    registered = isinstance(source, str) and source in registry.list_datasets()
    if not registered and tfrecords.is_tfrecord_source(source):
        names = tfrecords.tfrecord_info(source, split)["class_names"]
    else:
        names = registry.dataset_info(source)["class_names"]
    return None if names is None else list(names)


def convert(
    source: str | os.PathLike,
    dest_prefix: str | os.PathLike,
    *,
    num_shards: int,
    split: str = "train",
    image_format: str = "png",
    jpeg_quality: int = 95,
    overwrite: bool = False,
    progress: bool = True,
    **load_kwargs,
) -> dict:
    """Reads a split with `load_dataset` and writes it with `write_tfrecords`.

    The examples are read in order, one per batch (`batch_size=1`, `shuffle=False`,
    `cache=False` unless given): nothing is padded, so clips keep their true lengths,
    and nothing but the batch in flight is held in memory. The class names (from
    `dataset_info`, or `class_names=` for folders) and the split go into the JSON.

    Args:
        source: a dataset name, a folder, or TFRecords (to write them again, e.g.
            with another number of shards).
        dest_prefix: the prefix of the files written (`{dest_prefix}-00000-of-...`).
        num_shards: the number of shard files.
        split: the split to read.
        image_format: `"png"` (lossless) or `"jpeg"`.
        jpeg_quality: JPEG quality, 0 to 100.
        overwrite: replace TFRecords already written under `dest_prefix`.
        progress: show a progress bar.
        **load_kwargs: more `load_dataset` arguments (`image_size`, `num_frames`,
            `return_lengths`, `class_names`, `data_dir`, ...).

    Returns:
        The description written to `{dest_prefix}.json`.
    """
    for key in ("batch_size", "shuffle", "drop_remainder", "map_fn"):
        if key in load_kwargs:
            raise ValueError(
                f"convert writes every example, unbatched and in order: {key} is not one "
                "of its options."
            )
    load_kwargs.setdefault("cache", False)
    ds = load_dataset(source, split, 1, shuffle=False, **load_kwargs)
    num_examples = int(ds.cardinality())  # batches of one: as many as examples
    ds = ds.unbatch()
    if num_examples >= 0:
        ds = ds.apply(tf.data.experimental.assert_cardinality(num_examples))
    return tfrecords.write_tfrecords(
        ds,
        dest_prefix,
        num_shards=num_shards,
        image_format=image_format,
        jpeg_quality=jpeg_quality,
        class_names=_class_names(source, split, load_kwargs),
        batched=False,
        split=split,
        overwrite=overwrite,
        progress=progress,
    )
