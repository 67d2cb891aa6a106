"""Where written TFRecords lie: shard names, the JSON description, sources, sharding.

Private to `tfk_tokfrag.data.tfrecords` (which re-exports `is_tfrecord_source` and
`shard_paths`).
"""

from __future__ import annotations

import json
import os
import re

import tensorflow as tf

from tfk_tokfrag import _validation

SHARD_SUFFIX = ".tfrecord"
DESCRIPTION_FORMAT = "tfk_tokfrag.tfrecords"
FORMAT_VERSION = 1
_SHARD_NAME = re.compile(r"^(?P<prefix>.+)-(?P<index>\d{5})-of-(?P<count>\d{5})\.tfrecord$")
_GLOB_CHARS = ("*", "?", "[")


def shard_paths(path_prefix: str | os.PathLike, num_shards: int) -> list[str]:
    """The shard files of a prefix: `{prefix}-{i:05d}-of-{num_shards:05d}.tfrecord`."""
    prefix = os.fspath(path_prefix)
    return [f"{prefix}-{i:05d}-of-{num_shards:05d}{SHARD_SUFFIX}" for i in range(num_shards)]


def written_files(prefix: str) -> list[str]:
    """The shards (of any count) and the description already written under `prefix`."""
    folder, base = os.path.split(prefix)
    if not tf.io.gfile.isdir(folder or "."):
        return []
    pattern = re.compile(re.escape(base) + r"-\d{5}-of-\d{5}\.tfrecord$")
    names = tf.io.gfile.listdir(folder or ".")
    return sorted(os.path.join(folder, n) for n in names if pattern.match(n) or n == f"{base}.json")


def is_pattern(path: str) -> bool:
    return any(c in path for c in _GLOB_CHARS)


def load_description(json_path: str) -> dict:
    if not tf.io.gfile.exists(json_path):
        raise FileNotFoundError(
            f"No description {json_path} beside the TFRecord shards. write_tfrecords "
            "writes it last (an interrupted write leaves none); the records cannot be "
            "parsed without it: write them again."
        )
    try:
        with tf.io.gfile.GFile(json_path) as f:
            description = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(
            f"{json_path} is not a valid JSON description of TFRecords: {err}"
        ) from err
    if not isinstance(description, dict) or description.get("format") != DESCRIPTION_FORMAT:
        raise ValueError(f"{json_path} is not a description written by write_tfrecords.")
    missing = [
        key
        for key in ("record_type", "features", "label_feature", "inputs_is_dict", "shards")
        if key not in description
    ]
    if missing:
        raise ValueError(f"{json_path} is not a valid description of TFRecords: no {missing}.")
    if description.get("format_version", 0) > FORMAT_VERSION:
        raise ValueError(
            f"{json_path} was written by a newer tfk_tokfrag "
            f"({description.get('tfk_tokfrag_version')}); upgrade to read it."
        )
    return description


def is_tfrecord_source(path) -> bool:
    """Whether `read_tfrecords` (and `load_dataset`) reads `path` as written TFRecords.

    True for a path or pattern ending in `.tfrecord` (a missing match is then the
    reader's clear error, not "unknown dataset"), a JSON written by `write_tfrecords`,
    a prefix with such a JSON, and a folder holding one. Nothing else (a dataset name,
    a folder of class folders) is.
    """
    if not isinstance(path, str | os.PathLike):
        return False
    path = os.path.expanduser(os.fspath(path))
    if path.endswith(SHARD_SUFFIX):
        return True
    if is_pattern(path):
        return False
    try:
        if path.endswith(".json"):
            return _is_description(path)
        if tf.io.gfile.isdir(path):
            return bool(descriptions_in(path))
    except (OSError, tf.errors.OpError):
        return False
    return _is_description(f"{path}.json")


def _is_description(json_path: str) -> bool:
    try:
        load_description(json_path)
    except (OSError, ValueError, tf.errors.OpError):
        return False
    return True


def descriptions_in(folder: str) -> list[str]:
    names = sorted(n for n in tf.io.gfile.listdir(folder) if n.endswith(".json"))
    return [p for p in (os.path.join(folder, n) for n in names) if _is_description(p)]


def _from_folder(folder: str, split: str | None) -> str:
    """The description of `split` among those of `folder`."""
    found = descriptions_in(folder)
    if not found:
        raise FileNotFoundError(f"No TFRecord description (*.json) in the folder {folder}.")
    splits = {path: load_description(path).get("split") for path in found}
    matching = [path for path, s in splits.items() if split is not None and s == split]
    if len(matching) == 1:
        return matching[0]
    unnamed = splits[found[0]] is None and split in ("train", "all")  # as a plain folder
    if len(found) == 1 and (split is None or unnamed):
        return found[0]
    listing = ", ".join(f"{os.path.basename(p)} (split {s!r})" for p, s in splits.items())
    raise ValueError(
        f"The folder {folder} holds TFRecords {listing}: "
        f"{'several are' if matching else 'none is'} of split {split!r}. Pass the prefix "
        "or a shard pattern of the one to read."
    )


def resolve(source, split: str | None) -> tuple[str, dict, list[str]]:
    """`(json path, description, sorted shard files)` of a pattern, prefix, JSON or folder."""
    path = os.path.expanduser(os.fspath(source))
    if is_pattern(path) or path.endswith(SHARD_SUFFIX):
        files = sorted(tf.io.gfile.glob(path))
        if not files:
            raise FileNotFoundError(f"No TFRecord shards match {path}.")
        prefixes = set()
        for file in files:
            match = _SHARD_NAME.match(os.path.basename(file))
            if match is None:
                raise ValueError(
                    f"{file} is not a shard written by write_tfrecords "
                    "({prefix}-00000-of-00004.tfrecord)."
                )
            prefixes.add(os.path.join(os.path.dirname(file), match["prefix"]))
        if len(prefixes) > 1:
            raise ValueError(f"{path} matches the shards of several datasets: {sorted(prefixes)}.")
        json_path = f"{prefixes.pop()}.json"
        description = load_description(json_path)
        listed = {s["file"] for s in description["shards"]}
        stale = [f for f in files if os.path.basename(f) not in listed]
        if stale:
            raise ValueError(f"{stale} are not listed in {json_path}: shards of an older write?")
        return json_path, description, files
    if path.endswith(".json"):
        json_path = path
    elif tf.io.gfile.isdir(path):
        json_path = _from_folder(path, split)
    elif tf.io.gfile.exists(f"{path}.json"):
        json_path = f"{path}.json"
    else:
        raise FileNotFoundError(
            f"No TFRecords at {path}: expected a shard pattern (prefix-*-of-*.tfrecord), "
            "the prefix given to write_tfrecords, its .json, or a folder holding them."
        )
    description = load_description(json_path)
    folder = os.path.dirname(json_path)
    files = [os.path.join(folder, s["file"]) for s in description["shards"]]
    missing = [f for f in files if not tf.io.gfile.exists(f)]
    if missing:
        raise FileNotFoundError(f"Shards listed in {json_path} are missing: {missing}.")
    return json_path, description, files


def shard_files(files, input_context, shard_index, num_shards) -> tuple[list[str], bool]:
    if input_context is not None:
        if shard_index is not None or num_shards is not None:
            raise ValueError("Pass either input_context or shard_index and num_shards, not both.")
        shard_index = input_context.input_pipeline_id
        num_shards = input_context.num_input_pipelines
    elif (shard_index is None) != (num_shards is None):
        raise ValueError(
            "shard_index and num_shards go together. Received: "
            f"shard_index={shard_index!r}, num_shards={num_shards!r}"
        )
    if num_shards is None:
        return list(files), False
    num_shards = _validation.positive_int("num_shards", num_shards)
    shard_index = _validation.non_negative_int("shard_index", shard_index)
    if shard_index >= num_shards:
        raise ValueError(
            f"shard_index must be in [0, num_shards). Received: shard_index={shard_index}, "
            f"num_shards={num_shards}"
        )
    if len(files) < num_shards:
        raise ValueError(
            f"Cannot give each of {num_shards} input pipelines a file of their own: there "
            f"are {len(files)} shards. Write at least as many shards as input pipelines "
            "(write_tfrecords(..., num_shards=...))."
        )
    return list(files[shard_index::num_shards]), True


def pipeline_num_examples(source: str | os.PathLike, num_input_pipelines: int,
                          split: str | None = None) -> list[int]:
    """The examples each of `num_input_pipelines` pipelines reads when they split the
    shard files (`read_tfrecords(..., shard_index=i, num_shards=n)`), from the JSON.

    Raises:
        ValueError: fewer files than pipelines.
    """
    _, description, files = resolve(source, split)
    counts = {s["file"]: s["num_examples"] for s in description["shards"]}
    return [
        sum(counts[os.path.basename(f)]
            for f in shard_files(files, None, index, num_input_pipelines)[0])
        for index in range(num_input_pipelines)
    ]
