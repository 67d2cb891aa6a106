"""The class-folder layout every folder dataset shares, and its split folders.

    root/<class_name>/<file>                    one class per sub-folder
    root/<split>/<class_name>/<file>            optional split folders (train, test, ...)

Labels are the index of the class folder in `class_names` (default: the sorted
sub-folder names); files are listed in a fixed order (class, then file name).

A tree without split folders is one split, `"train"`, unless a `holdout` fraction
splits it: then `"test"` is that fraction of each class's files and `"train"` the rest.
"""

from __future__ import annotations

import hashlib
import numbers
import os
from collections.abc import Sequence

import numpy as np

SPLIT_FOLDERS = ("train", "test", "validation", "val")

# A split of a tree without split folders: `(split, fraction)`, split "train" or "test".
Holdout = tuple[str, float]


def list_files(folder: str, suffixes: Sequence[str]) -> list[str]:
    """The files of `folder` ending in one of `suffixes` (any case), sorted."""
    return sorted(
        os.path.join(folder, f)
        for f in os.listdir(folder)
        if f.lower().endswith(tuple(suffixes)) and os.path.isfile(os.path.join(folder, f))
    )


def class_folders(root: str, class_names: Sequence[str] | None) -> tuple[list[str], list[str]]:
    """`(class folder paths, class names)` of `root`, in label order."""
    root = os.path.expanduser(os.fspath(root))
    if not os.path.exists(root):
        raise FileNotFoundError(f"Dataset folder does not exist: {root}")
    if not os.path.isdir(root):
        raise NotADirectoryError(f"Expected a folder of class folders, got a file: {root}")
    found = sorted(
        d
        for d in os.listdir(root)
        if os.path.isdir(os.path.join(root, d)) and not d.startswith(".")
    )
    if class_names is None:
        class_names = found
        if not class_names:
            raise ValueError(f"No class folders in {root}: expected root/<class_name>/<files>.")
    else:
        class_names = list(class_names)
        missing = [c for c in class_names if c not in found]
        if missing:
            raise ValueError(f"class_names {missing} have no folder in {root}. Found: {found}")
    return [os.path.join(root, c) for c in class_names], list(class_names)


def check_holdout(holdout) -> float | None:
    """`None`, or a fraction strictly between 0 and 1."""
    if holdout is None:
        return None
    if (not isinstance(holdout, numbers.Real) or isinstance(holdout, bool)
            or not 0.0 < holdout < 1.0):
        raise ValueError(
            f"holdout must be None or a fraction in (0, 1), e.g. 0.2. Received: "
            f"holdout={holdout!r}"
        )
    return float(holdout)


def _name_hash(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big")


def in_holdout_part(names: Sequence[str], part: Holdout | None) -> list[int]:
    """Indices of one class's entries (file or clip names, in order) in `part`.

    `part = (split, fraction)`: the `round(n * fraction)` entries (at least one when
    the class has two or more, never all of them) whose names hash lowest form
    `"test"`, the others `"train"`. The choice depends on the names alone: the same on
    every machine and for every listing order, stratified by class, and files added
    later join either side without moving many others. `None`: every index.
    """
    if part is None:
        return list(range(len(names)))
    split, fraction = part
    n = len(names)
    held = 0 if n < 2 else min(n - 1, max(1, round(n * fraction)))
    ranked = sorted(range(n), key=lambda i: (_name_hash(names[i]), names[i]))
    test = set(ranked[:held])
    return [i for i in range(n) if (i in test) == (split == "test")]


def scan_files(root, suffixes, class_names, what: str, part: Holdout | None = None):
    """`(paths, int64 labels, class_names)` of the `suffixes` files of every class folder
    (of the holdout `part` only, when given: `in_holdout_part`)."""
    folders, class_names = class_folders(root, class_names)
    paths, labels = [], []
    for label, folder in enumerate(folders):
        files = list_files(folder, suffixes)
        if not files:
            raise ValueError(f"Class folder {folder} has no {what} files ({', '.join(suffixes)}).")
        files = [files[i] for i in in_holdout_part([os.path.basename(f) for f in files], part)]
        paths += files
        labels += [label] * len(files)
    return paths, np.array(labels, np.int64), class_names


def resolve_split(root, split: str, holdout: float | None = None) -> tuple[str, Holdout | None]:
    """`(folder, part)`: `root/<split>` if `root` has split folders, else `root` itself,
    which is one split ("train" or "all") or, with a `holdout` fraction, "train" and
    "test" (`part`, for `scan_files`/`scan_clips`)."""
    root = os.path.expanduser(os.fspath(root))
    holdout = check_holdout(holdout)
    present = [s for s in SPLIT_FOLDERS if os.path.isdir(os.path.join(root, s))]
    if present and holdout is not None:
        raise ValueError(
            f"holdout splits a folder without split folders; {root} has its own "
            f"({present}): read split={split!r} from them, without holdout."
        )
    if os.path.isdir(os.path.join(root, split)):
        return os.path.join(root, split), None
    if present:
        raise ValueError(f"No folder for split {split!r} in {root}. Found split folders: {present}")
    if split == "all":
        return root, None
    if holdout is not None and split in ("train", "test"):
        return root, (split, holdout)
    if holdout is not None:
        raise ValueError(
            f"With holdout, a folder without split folders has the splits 'train' and "
            f"'test' (and 'all'). Received: split={split!r}"
        )
    if split != "train":
        raise ValueError(
            f"{root} has no split folders, so it is one split: use split='train' or "
            f"'all', hold out a fraction of each class's files as the test split "
            f"(holdout=0.2; the command line's --holdout 0.2), or lay it out as "
            f"root/<split>/<class_name>/... Received: split={split!r}"
        )
    return root, None
