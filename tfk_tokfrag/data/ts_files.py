"""The UCR/UEA time-series classification archive format: `.ts` files.

A `.ts` file is a small text format: `#` comment lines, a header of `@` tags, then one
case per line after `@data`:

    #  GunPoint: one actor's hand position over time
    @problemName GunPoint
    @timeStamps false
    @missing false
    @univariate true
    @equalLength true
    @seriesLength 150
    @classLabel true 1 2
    @data
    -0.64,-0.64,-0.63,...:2
    -0.77,-0.77,-0.77,...:1

Values are separated by `,`, the dimensions (channels) of a multivariate case by `:`,
and the class label comes last. Tags are case-insensitive; blank lines are skipped
anywhere; `?` (or `NaN`) is a missing value, read as NaN. In unequal-length sets
(`@equalLength false`) cases differ in length, but the dimensions of one case have the
same length. The archive keeps a problem in a folder as `<Name>_TRAIN.ts` and
`<Name>_TEST.ts`.

Read here (no sktime involved):

* `read_ts_file(path)`: a whole file into a `TsData` (NumPy arrays, for inspection);
* `ts_examples(folder_or_file, split)`: unbatched `(float32 (time, channels), int64
  label)` for `batch_pipeline`, parsed in the tf.data graph line by line after a
  checking pass (so a file is never held in memory);
* `ts_info(folder_or_file)`: the `dataset_info` dict (class names, split sizes, shape).

Every header and every row is checked, and a bad one raises a `ValueError` naming the
file and the 1-based line; what the header declares (`@dimensions`, `@univariate true`,
`@seriesLength`, `@equalLength true`, `@missing false`) is checked against every row,
and the class label of a row must be one of `@classLabel`'s (exactly, else ignoring
case as sktime does). Tags this module does not know are ignored. Not supported (a
clear error says so): timestamped values (`@timeStamps true`, values written as
`(time,value)`), regression targets (`@targetLabel true`) and files without class
labels (`@classLabel false`).
"""

from __future__ import annotations

import dataclasses
import numbers
import os
from collections.abc import Sequence

import numpy as np
import tensorflow as tf

from tfk_tokfrag import _validation
from tfk_tokfrag.data import _ts_parser
from tfk_tokfrag.data._ts_parser import SPLIT_SUFFIXES, TS_SUFFIX


@dataclasses.dataclass(frozen=True, eq=False)
class TsData:
    """The cases of one `.ts` file, as `read_ts_file` returns them.

    Attributes:
        series: one float32 array `(time, channels)` per case (NaN where missing).
        labels: int64 `(num_cases,)`: the index of each case's class in `class_names`.
        class_names: the classes in the order of the `@classLabel` header.
        problem_name: `@problemName` (default: the file name without `_TRAIN.ts`).
        univariate: one channel per case.
        dimensions: the number of channels.
        equal_length: every case has the same length.
        series_length: that length, or `None` when lengths differ.
        missing: some value is missing (NaN).
        timestamps: `@timeStamps` (always `False`: timestamped files are rejected).
        path: the file read.
    """

    series: list[np.ndarray]
    labels: np.ndarray
    class_names: tuple[str, ...]
    problem_name: str
    univariate: bool
    dimensions: int
    equal_length: bool
    series_length: int | None
    missing: bool
    timestamps: bool
    path: str

    def __len__(self) -> int:
        return len(self.series)


def read_ts_file(path: str | os.PathLike) -> TsData:
    """Reads a UCR/UEA `.ts` classification file into NumPy arrays.

    Args:
        path: the `.ts` file.

    Returns:
        A `TsData`: float32 `(time, channels)` arrays (NaN where a value is `?` or
        `NaN`), int64 labels indexing `class_names` (the `@classLabel` order) and the
        header's description of the set.

    Raises:
        ValueError: naming the file and the 1-based line, for a malformed header or
            row (missing `@data` or `@classLabel`, an unknown class label, a wrong
            number of dimensions, a non-numeric value, dimensions of one case of
            different lengths, a row contradicting the header), and for timestamped
            or regression files, which are not supported.
    """
    scan = _ts_parser.scan_file(path, keep_series=True)
    header, lengths = scan.header, scan.lengths
    equal = bool(np.all(lengths == lengths[0]))
    return TsData(
        series=scan.series,
        labels=scan.labels,
        class_names=header.class_names,
        problem_name=header.tags["problemname"],
        univariate=scan.dimensions == 1,
        dimensions=scan.dimensions,
        equal_length=equal,
        series_length=int(lengths[0]) if equal else None,
        missing=scan.missing,
        timestamps=False,
        path=header.path,
    )


def _split_files(folder: str) -> dict[str, str]:
    """`{"train": path, "test": path}` of the `<Name>_TRAIN.ts` / `_TEST.ts` in `folder`."""
    found = {}
    for split, suffix in SPLIT_SUFFIXES.items():
        matches = sorted(
            f
            for f in os.listdir(folder)
            if f.lower().endswith(suffix.lower()) and os.path.isfile(os.path.join(folder, f))
        )
        if len(matches) > 1:
            raise ValueError(
                f"{folder} holds several {suffix} files {matches}: pass one file, or a "
                "folder holding one problem."
            )
        if matches:
            found[split] = os.path.join(folder, matches[0])
    return found


def is_ts_source(path: str | os.PathLike) -> bool:
    """Whether `path` is a `.ts` file or a folder holding `<Name>_TRAIN.ts` / `_TEST.ts`."""
    path = os.path.expanduser(os.fspath(path))
    if os.path.isfile(path):
        return path.lower().endswith(TS_SUFFIX)
    if not os.path.isdir(path):
        return False
    suffixes = tuple(s.lower() for s in SPLIT_SUFFIXES.values())
    return any(f.lower().endswith(suffixes) for f in os.listdir(path))


def ts_split_file(folder_or_file: str | os.PathLike, split: str = "train") -> str:
    """The `.ts` file of a split: `<Name>_TRAIN.ts` or `<Name>_TEST.ts`, or the file given.

    A file given directly is read whatever its name, unless its name says it is the
    other split (`..._TEST.ts` with `split="train"`), which is an error.
    """
    _validation.choice("split", split, tuple(SPLIT_SUFFIXES))
    path = os.path.expanduser(os.fspath(folder_or_file))
    if not os.path.exists(path):
        raise FileNotFoundError(f"Dataset folder or .ts file does not exist: {path}")
    if os.path.isfile(path):
        for other, suffix in SPLIT_SUFFIXES.items():
            if other != split and path.lower().endswith(suffix.lower()):
                raise ValueError(
                    f"{path} is the {other!r} split of its problem, but split={split!r}: "
                    f"pass split={other!r} (or the folder)."
                )
        return path
    files = _split_files(path)
    if split not in files:
        raise FileNotFoundError(
            f"No <Name>{SPLIT_SUFFIXES[split]} file for split {split!r} in {path}. Found: "
            f"{sorted(os.path.basename(f) for f in files.values()) or 'no .ts split files'}"
        )
    return files[split]


def _check_other_split(folder_or_file, split: str, header: _ts_parser.Header) -> None:
    """Both splits of a folder must list the same classes (and channels, if declared)."""
    path = os.path.expanduser(os.fspath(folder_or_file))
    if not os.path.isdir(path):
        return
    for other, other_path in _split_files(path).items():
        if other == split:
            continue
        other_header = _ts_parser.read_file_header(other_path)
        if other_header.class_names != header.class_names:
            raise ValueError(
                f"The splits of {path} list different classes: {header.path} has "
                f"{list(header.class_names)}, {other_path} has "
                f"{list(other_header.class_names)}."
            )
        mine, theirs = header.get("dimensions"), other_header.get("dimensions")
        if mine is not None and theirs is not None and mine != theirs:
            raise ValueError(
                f"The splits of {path} have different @dimensions: {mine} in "
                f"{header.path}, {theirs} in {other_path}."
            )


def _class_order(class_names, wanted, path) -> np.ndarray:
    """Maps header labels to the labels of `wanted` (-1: a class not read)."""
    if wanted is None:
        return np.arange(len(class_names), dtype=np.int64)
    wanted = list(wanted)
    missing = [c for c in wanted if c not in class_names]
    if missing or len(set(wanted)) != len(wanted) or not wanted:
        raise ValueError(
            f"class_names must be distinct classes of {path}: {list(class_names)}. "
            f"Received: class_names={wanted!r}"
        )
    return np.array([wanted.index(c) if c in wanted else -1 for c in class_names], np.int64)


def ts_examples(
    folder_or_file: str | os.PathLike,
    split: str = "train",
    *,
    return_lengths: bool = False,
    fill_missing: float | None = None,
    class_names: Sequence[str] | None = None,
) -> tuple[tf.data.Dataset, list[str]]:
    """Unbatched `(series float32 (time, channels), label int64)` from a `.ts` split.

    The file is checked once in Python (errors name the file and line), then parsed
    line by line in the tf.data graph (parallel calls, order kept): no file is held in
    memory. `batch_pipeline` (and `load_dataset`) pads unequal-length series with zeros
    at the end of the time axis to the longest of each batch (`padded_batch`).

    Args:
        folder_or_file: a folder holding `<Name>_TRAIN.ts` and/or `<Name>_TEST.ts`, or
            one `.ts` file.
        split: `"train"` or `"test"`: which file of the folder to read.
        return_lengths: the inputs become `{"series": ..., "length": int32}` (the
            length before any padding), so a model can mask the padding.
        fill_missing: a number replacing missing values (`?` and `NaN`); default
            `None` keeps them as NaN, which a model must handle (or pass e.g. `0.0`).
        class_names: the classes to read, in label order (default: all, in the
            `@classLabel` order); cases of other classes are left out.

    Returns:
        `(dataset, class_names)`. The time axis is static when every case of the
        split has the same length, `None` otherwise.

    Example:

    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> with open(os.path.join(folder, "Toy_TRAIN.ts"), "w") as f:
    ...     _ = f.write("@classLabel true up down\\n@data\\n1,2,3:up\\n3,?,1:down\\n")
    >>> ds, names = ts_examples(folder, "train")
    >>> [(x.numpy()[:, 0].tolist(), int(y)) for x, y in ds], names
    ([([1.0, 2.0, 3.0], 0), ([3.0, nan, 1.0], 1)], ['up', 'down'])
    """
    _validation.check_bool("return_lengths", return_lengths)
    if fill_missing is not None and (
        not isinstance(fill_missing, numbers.Real) or isinstance(fill_missing, bool)
    ):
        raise ValueError(
            f"fill_missing must be None or a number. Received: fill_missing={fill_missing!r}"
        )
    path = ts_split_file(folder_or_file, split)
    scan = _ts_parser.scan_file(path, keep_series=False)
    _check_other_split(folder_or_file, split, scan.header)
    order = _class_order(scan.header.class_names, class_names, path)
    labels = order[scan.labels]
    keep = labels >= 0
    channels = scan.dimensions
    static_length = int(scan.lengths[0]) if np.all(scan.lengths == scan.lengths[0]) else None

    def _is_data(line):  # the rows `scan_file` read: neither blank nor a comment
        line = tf.strings.strip(line)
        return tf.logical_and(
            tf.strings.length(line) > 0, tf.not_equal(tf.strings.substr(line, 0, 1), "#")
        )

    def _parse(line, label):
        parts = tf.strings.split(tf.strings.strip(line), ":")[:channels]
        values = tf.strings.strip(tf.strings.split(parts, ","))
        values = tf.ragged.map_flat_values(lambda v: tf.where(tf.equal(v, "?"), "nan", v), values)
        values = tf.cast(tf.strings.to_number(values, tf.float64), tf.float32)
        series = tf.transpose(values.to_tensor())
        series.set_shape([static_length, channels])
        if fill_missing is not None:
            series = tf.where(tf.math.is_nan(series), tf.cast(fill_missing, tf.float32), series)
        if return_lengths:
            return {"series": series, "length": tf.shape(series, out_type=tf.int32)[0]}, label
        return series, label

    lines = tf.data.TextLineDataset(path).skip(scan.header.data_line).filter(_is_data)
    ds = tf.data.Dataset.zip(lines, tf.data.Dataset.from_tensor_slices(labels))
    if not keep.all():
        ds = ds.filter(lambda line, label: label >= 0)
    ds = ds.apply(tf.data.experimental.assert_cardinality(int(keep.sum())))
    ds = ds.map(_parse, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    names = [scan.header.class_names[i] for i in np.argsort(order) if order[i] >= 0]
    return ds, names


def ts_info(folder_or_file: str | os.PathLike) -> dict:
    """`dataset_info` for a `.ts` folder (or file): classes, split sizes, input shape.

    Every split file is read and checked (its values are not kept).
    """
    path = os.path.expanduser(os.fspath(folder_or_file))
    if os.path.isdir(path):
        files = _split_files(path)
        if not files:
            raise FileNotFoundError(f"No <Name>_TRAIN.ts or <Name>_TEST.ts file in {path}.")
    else:
        split = "test" if path.lower().endswith(SPLIT_SUFFIXES["test"].lower()) else "train"
        files = {split: ts_split_file(path, split)}
    scans = {split: _ts_parser.scan_file(file, keep_series=False) for split, file in files.items()}
    first = next(iter(scans.values()))
    _check_other_split(path, next(iter(scans)), first.header)
    channels = {scan.dimensions for scan in scans.values()}
    if len(channels) > 1:
        raise ValueError(f"The splits of {path} have different numbers of dimensions: {channels}.")
    lengths = np.concatenate([scan.lengths for scan in scans.values()])
    equal = bool(np.all(lengths == lengths[0]))
    return {
        "name": first.header.tags["problemname"],
        "source": "folder",
        "modalities": ("series",),
        "inputs": {"series": {"shape": (None, first.dimensions), "dtype": "float32"}},
        "label": "@classLabel",
        "num_classes": len(first.header.class_names),
        "class_names": first.header.class_names,
        "splits": {split: len(scan.labels) for split, scan in scans.items()},
        "series_length": int(lengths[0]) if equal else None,
        "missing": any(scan.missing for scan in scans.values()),
        "description": (
            f"UCR/UEA time-series archive problem {first.header.tags['problemname']} "
            f"({'univariate' if first.dimensions == 1 else f'{first.dimensions} dimensions'}, "
            f"{'equal' if equal else 'unequal'} length) in {path}."
        ),
    }
