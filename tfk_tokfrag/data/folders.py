"""The user's own files: which reader a folder needs, and what it holds.

Layout (the class of an example is the name of its folder):

    root/<class_name>/<file>                    one class per sub-folder
    root/<split>/<class_name>/<file>            optional split folders (train, test, ...)

* images: `*.png`, `*.jpg`, `*.jpeg`, `*.gif`, `*.bmp`, decoded with
  `tf.io.decode_image` into uint8 `(H, W, C)`;
* texts: `*.txt`, read as one UTF-8 string per file;
* clips: either a folder of frame images, ordered by file name
  (`root/<class>/<clip>/frame_00000.png`, ...), or a `.npy` file holding a uint8 array
  `(T, H, W, C)` (or `(T, H, W)` for one channel), as written by
  `tfk_tokfrag.data.clip_files.write_clips`. Decoded into uint8 `(T, H, W, C)`; no
  video codec (and no downloaded binary) is involved.

Labels are int64: the index of the class folder in `class_names`, which defaults to the
sorted sub-folder names. Files are listed in a fixed order (class, then file name).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import tensorflow as tf

from tfk_tokfrag.data import _ops
from tfk_tokfrag.data.class_folders import (
    SPLIT_FOLDERS,
    class_folders,
    resolve_split,
    scan_files,
)
from tfk_tokfrag.data.image_folder import IMAGE_SUFFIXES, image_folder
from tfk_tokfrag.data.text_folder import TEXT_SUFFIXES, text_folder
from tfk_tokfrag.data.ts_files import is_ts_source, ts_examples, ts_info
from tfk_tokfrag.data.video_folder import CLIP_SUFFIXES, scan_clips, video_folder

__all__ = [
    "CLIP_SUFFIXES",
    "IMAGE_SUFFIXES",
    "SPLIT_FOLDERS",
    "TEXT_SUFFIXES",
    "detect_kind",
    "folder_examples",
    "folder_info",
    "image_folder",
    "looks_like_path",
    "resolve_split",
    "text_folder",
    "video_folder",
]


def looks_like_path(name_or_path) -> bool:
    """Whether `name_or_path` is a path rather than a bare name.

    A `PathLike`, a string with a path separator or starting with `~` or `.`, or the
    name of an existing folder. `load_dataset` reads a registered dataset name as a
    name even when a folder of that name exists (`registry.is_folder`).
    """
    if isinstance(name_or_path, os.PathLike):
        return True
    if not isinstance(name_or_path, str):
        return False
    if "/" in name_or_path or os.sep in name_or_path or name_or_path.startswith(("~", ".")):
        return True
    return os.path.isdir(name_or_path) or os.path.isfile(name_or_path)


def detect_kind(root) -> str:
    """`"image"`, `"text"` or `"video"`, from the files of the first class folder."""
    folders, _ = class_folders(root, None)
    for folder in folders:
        entries = sorted(os.listdir(folder))
        if any(e.lower().endswith(IMAGE_SUFFIXES) for e in entries):
            return "image"
        if any(e.lower().endswith(TEXT_SUFFIXES) for e in entries):
            return "text"
        if any(
            e.lower().endswith(CLIP_SUFFIXES) or os.path.isdir(os.path.join(folder, e))
            for e in entries
        ):
            return "video"
    raise ValueError(
        f"Cannot tell what {os.fspath(root)} holds: no image ({', '.join(IMAGE_SUFFIXES)}), "
        "text (.txt) or clip (.npy or a folder of frames) files in its class folders."
    )


def folder_examples(
    root: str | os.PathLike,
    split: str = "train",
    *,
    image_size: int | Sequence[int] | None = None,
    num_frames: int | None = None,
    return_lengths: bool = False,
    class_names: Sequence[str] | None = None,
) -> tf.data.Dataset:
    """Unbatched `(inputs, label)` of a folder's split, its kind detected.

    What `load_dataset` reads from a folder: `image_folder`, `text_folder` or
    `video_folder` on `resolve_split(root, split)`.

    Args:
        root: the folder of class folders (or of split folders of class folders).
        split: the split folder to read; a folder without split folders is `"train"`.
        image_size: images and video frames: `(height, width)` (or an int) to resize to.
        num_frames: videos: keep this many evenly spaced frames per clip.
        return_lengths: videos: the inputs become `{"video", "length"}` (int32 number
            of frames, before any padding).
        class_names: the class folders to read, in label order (default: all, sorted).
    """
    if is_ts_source(root):
        return ts_examples(root, split, return_lengths=return_lengths, class_names=class_names)[0]
    root = resolve_split(root, split)
    kind = detect_kind(root)
    if kind == "image":
        return image_folder(root, image_size=image_size, class_names=class_names)[0]
    if kind == "text":
        return text_folder(root, class_names=class_names)[0]
    ds, _ = video_folder(
        root, image_size=image_size, num_frames=num_frames, class_names=class_names
    )
    if return_lengths:
        ds = ds.map(
            lambda v, y: (_ops.video_with_length(v), y), num_parallel_calls=tf.data.AUTOTUNE
        )
    return ds


def folder_info(root: str | os.PathLike) -> dict:
    """`dataset_info` for a folder: kind, class names and counts (nothing decoded)."""
    root = os.path.expanduser(os.fspath(root))
    if not os.path.exists(root):
        raise FileNotFoundError(f"Dataset folder does not exist: {root}")
    if is_ts_source(root):
        return ts_info(root)
    splits = [s for s in SPLIT_FOLDERS if os.path.isdir(os.path.join(root, s))]
    split_roots = {s: os.path.join(root, s) for s in splits} or {"train": root}
    kind = detect_kind(next(iter(split_roots.values())))
    sizes, class_names = {}, None
    for split, split_root in split_roots.items():
        if kind == "video":
            frame_clips, npy_clips, names = scan_clips(split_root, None)
            sizes[split] = len(frame_clips) + len(npy_clips)
        else:
            suffixes = IMAGE_SUFFIXES if kind == "image" else TEXT_SUFFIXES
            paths, _, names = scan_files(split_root, suffixes, None, kind)
            sizes[split] = len(paths)
        class_names = class_names or tuple(names)
    shapes = {"image": (None, None, None), "text": (), "video": (None, None, None, None)}
    return {
        "name": root,
        "source": "folder",
        "modalities": (kind,),
        "inputs": {kind: {"shape": shapes[kind], "dtype": "string" if kind == "text" else "uint8"}},
        "label": "class folder",
        "num_classes": len(class_names),
        "class_names": class_names,
        "splits": sizes,
        "description": f"{kind} files per class folder in {root}.",
    }


# TODO(integration): temporary aliases for modules written before the split; remove.
_class_folders, _scan_files = class_folders, scan_files
