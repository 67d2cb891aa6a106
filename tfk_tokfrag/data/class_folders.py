"""The class-folder layout every folder dataset shares, and its split folders.

    root/<class_name>/<file>                    one class per sub-folder
    root/<split>/<class_name>/<file>            optional split folders (train, test, ...)

Labels are the index of the class folder in `class_names` (default: the sorted
sub-folder names); files are listed in a fixed order (class, then file name).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

SPLIT_FOLDERS = ("train", "test", "validation", "val")


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


def scan_files(root, suffixes, class_names, what: str):
    """`(paths, int64 labels, class_names)` of the `suffixes` files of every class folder."""
    folders, class_names = class_folders(root, class_names)
    paths, labels = [], []
    for label, folder in enumerate(folders):
        files = list_files(folder, suffixes)
        if not files:
            raise ValueError(f"Class folder {folder} has no {what} files ({', '.join(suffixes)}).")
        paths += files
        labels += [label] * len(files)
    return paths, np.array(labels, np.int64), class_names


def resolve_split(root, split: str) -> str:
    """`root/<split>` if `root` has split folders, else `root` itself (split 'train')."""
    root = os.path.expanduser(os.fspath(root))
    if os.path.isdir(os.path.join(root, split)):
        return os.path.join(root, split)
    present = [s for s in SPLIT_FOLDERS if os.path.isdir(os.path.join(root, s))]
    if present:
        raise ValueError(f"No folder for split {split!r} in {root}. Found split folders: {present}")
    if split not in ("train", "all"):
        raise ValueError(
            f"{root} has no split folders, so it is one split: use split='train' or "
            f"'all', or lay it out as root/<split>/<class_name>/... Received: "
            f"split={split!r}"
        )
    return root
