"""The user's own files: a folder of images, texts or video clips per class.

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

import numpy as np
import tensorflow as tf

from tfk_tokfrag.data import _ops

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp")
TEXT_SUFFIXES = (".txt",)
CLIP_SUFFIXES = (".npy",)
SPLIT_FOLDERS = ("train", "test", "validation", "val")


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
    return os.path.isdir(name_or_path)


def _files(folder: str, suffixes: Sequence[str]) -> list[str]:
    return sorted(
        os.path.join(folder, f)
        for f in os.listdir(folder)
        if f.lower().endswith(tuple(suffixes)) and os.path.isfile(os.path.join(folder, f))
    )


def _class_folders(root: str, class_names: Sequence[str] | None) -> tuple[list[str], list[str]]:
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


def detect_kind(root) -> str:
    """`"image"`, `"text"` or `"video"`, from the files of the first class folder."""
    folders, _ = _class_folders(root, None)
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


def _scan_files(root, suffixes, class_names, what: str):
    folders, class_names = _class_folders(root, class_names)
    paths, labels = [], []
    for label, folder in enumerate(folders):
        files = _files(folder, suffixes)
        if not files:
            raise ValueError(f"Class folder {folder} has no {what} files ({', '.join(suffixes)}).")
        paths += files
        labels += [label] * len(files)
    return paths, np.array(labels, np.int64), class_names


def _first_image_shape(path: str, channels: int | None):
    image = tf.io.decode_image(
        tf.io.read_file(path), channels=channels or 0, expand_animations=False
    )
    return tuple(image.shape)


def image_folder(
    root: str | os.PathLike,
    *,
    image_size: int | Sequence[int] | None = None,
    channels: int | None = None,
    class_names: Sequence[str] | None = None,
) -> tuple[tf.data.Dataset, list[str]]:
    """Unbatched `(image uint8 (H, W, C), label int64)` from `root/<class>/*.png|jpg`.

    Args:
        root: the folder of class folders.
        image_size: `(height, width)` (or an int) every image is resized to (bilinear,
            antialiased, rounded back to uint8). `None`: the size of the first image;
            images of another size are resized to it.
        channels: 1, 3 or 4; `None`: the channels of the first image.
        class_names: the class folders to read, in label order (default: all, sorted).

    Returns:
        `(dataset, class_names)`.
    """
    paths, labels, class_names = _scan_files(root, IMAGE_SUFFIXES, class_names, "image")
    height, width, channels = _first_image_shape(paths[0], channels)
    size = _ops.as_size(image_size) or (height, width)

    def _load(path, label):
        image = tf.io.decode_image(
            tf.io.read_file(path), channels=channels, dtype=tf.uint8, expand_animations=False
        )
        image.set_shape([None, None, channels])
        return _ops.resize_uint8(image, size), label

    ds = tf.data.Dataset.from_tensor_slices((paths, labels))
    return ds.map(_load, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True), class_names


def text_folder(
    root: str | os.PathLike, *, class_names: Sequence[str] | None = None
) -> tuple[tf.data.Dataset, list[str]]:
    """Unbatched `(text string, label int64)` from `root/<class>/*.txt` (whole files).

    Returns:
        `(dataset, class_names)`.
    """
    paths, labels, class_names = _scan_files(root, TEXT_SUFFIXES, class_names, "text")
    ds = tf.data.Dataset.from_tensor_slices((paths, labels))
    ds = ds.map(
        lambda path, label: (tf.io.read_file(path), label),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=True,
    )
    return ds, class_names


def _scan_clips(root, class_names):
    folders, class_names = _class_folders(root, class_names)
    frame_clips, npy_clips = [], []  # (frame paths, label), (npy path, label)
    for label, folder in enumerate(folders):
        entries = sorted(os.listdir(folder))
        clips = 0
        for entry in entries:
            path = os.path.join(folder, entry)
            if os.path.isdir(path) and not entry.startswith("."):
                frames = _files(path, IMAGE_SUFFIXES)
                if not frames:
                    raise ValueError(
                        f"Clip folder {path} has no frames ({', '.join(IMAGE_SUFFIXES)})."
                    )
                frame_clips.append((frames, label))
                clips += 1
            elif entry.lower().endswith(CLIP_SUFFIXES):
                shape = np.load(path, mmap_mode="r").shape
                if len(shape) not in (3, 4):
                    raise ValueError(
                        f"Clip file {path} must hold an array (T, H, W, C) or (T, H, W). "
                        f"Received shape {shape}."
                    )
                if shape[0] == 0:
                    raise ValueError(f"Clip file {path} has no frames (shape {shape}).")
                npy_clips.append((path, label))
                clips += 1
        if not clips:
            raise ValueError(
                f"Class folder {folder} has no clips: expected folders of frame images "
                "or .npy files."
            )
    return frame_clips, npy_clips, class_names


def _load_npy(path, channels):
    """Reads a clip array and converts it to `channels` (grey <-> RGB, RGBA -> RGB)."""
    path = path.decode() if isinstance(path, bytes) else path
    video = np.load(path)
    if video.dtype != np.uint8:
        raise ValueError(f"Clip file {path} must hold uint8 frames, got {video.dtype}.")
    if video.ndim == 3:
        video = video[..., None]
    have = video.shape[-1]
    if have == 4 and channels != 4:
        video, have = video[..., :3], 3
    if have == channels:
        return video
    if have == 1 and channels == 3:
        return np.repeat(video, 3, axis=-1)
    if have == 3 and channels == 1:
        grey = video.astype(np.float32) @ np.array([0.2989, 0.587, 0.114], np.float32)
        return np.clip(np.round(grey), 0, 255).astype(np.uint8)[..., None]
    raise ValueError(f"Cannot convert clip {path} with {have} channels to {channels}.")


def video_folder(
    root: str | os.PathLike,
    *,
    image_size: int | Sequence[int] | None = None,
    num_frames: int | None = None,
    channels: int | None = None,
    class_names: Sequence[str] | None = None,
) -> tuple[tf.data.Dataset, list[str]]:
    """Unbatched `(video uint8 (T, H, W, C), label int64)` from clips per class folder.

    A clip is a folder of frame images (sorted by file name) or a `.npy` uint8 array
    `(T, H, W, C)` / `(T, H, W)`; both may be mixed (frame folders come first).

    Args:
        root: the folder of class folders.
        image_size: `(height, width)` every frame is resized to; `None`: the size of
            the first clip's first frame.
        num_frames: keep this many evenly spaced frames per clip (short clips repeat
            frames); `None`: all frames, so `T` varies between clips.
        channels: 1, 3 or 4; `None`: those of the first clip.
        class_names: the class folders to read, in label order (default: all, sorted).

    Returns:
        `(dataset, class_names)`.
    """
    _ops.check_num_frames(num_frames)
    frame_clips, npy_clips, class_names = _scan_clips(root, class_names)
    if frame_clips:
        first_shape = _first_image_shape(frame_clips[0][0][0], channels)
    else:
        first_shape = np.load(npy_clips[0][0], mmap_mode="r").shape[1:]
        first_shape = first_shape if len(first_shape) == 3 else (*first_shape, 1)
    channels = channels or first_shape[-1]
    size = _ops.as_size(image_size) or tuple(first_shape[:2])

    def _finish(video, label):
        video = _ops.subsample_frames(video, num_frames)
        return _ops.resize_uint8(video, size), label

    parts = []
    if frame_clips:
        frames = tf.ragged.constant([f for f, _ in frame_clips], dtype=tf.string)
        labels = np.array([label for _, label in frame_clips], np.int64)

        def _load_frames(paths, label):
            if num_frames is not None:  # decode only the frames that are kept
                paths = tf.gather(paths, _ops.frame_indices(tf.shape(paths)[0], num_frames))
            encoded = tf.map_fn(tf.io.read_file, paths)
            return _ops.decode_frames(encoded, channels), label

        ds = tf.data.Dataset.from_tensor_slices((frames, labels))
        ds = ds.map(_load_frames, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        parts.append(
            ds.map(
                lambda v, y: (_ops.resize_uint8(v, size), y),
                num_parallel_calls=tf.data.AUTOTUNE,
                deterministic=True,
            )
        )
    if npy_clips:
        paths = [p for p, _ in npy_clips]
        labels = np.array([label for _, label in npy_clips], np.int64)

        def _load_array(path, label):
            video = tf.numpy_function(
                lambda p: _load_npy(p, channels), [path], tf.uint8, stateful=False
            )
            video.set_shape([None, None, None, channels])
            return _finish(video, label)

        ds = tf.data.Dataset.from_tensor_slices((paths, labels))
        parts.append(ds.map(_load_array, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True))
    ds = parts[0]
    for part in parts[1:]:
        ds = ds.concatenate(part)
    return ds, class_names


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
    splits = [s for s in SPLIT_FOLDERS if os.path.isdir(os.path.join(root, s))]
    split_roots = {s: os.path.join(root, s) for s in splits} or {"train": root}
    kind = detect_kind(next(iter(split_roots.values())))
    sizes, class_names = {}, None
    for split, split_root in split_roots.items():
        if kind == "video":
            frame_clips, npy_clips, names = _scan_clips(split_root, None)
            sizes[split] = len(frame_clips) + len(npy_clips)
        else:
            suffixes = IMAGE_SUFFIXES if kind == "image" else TEXT_SUFFIXES
            paths, _, names = _scan_files(split_root, suffixes, None, kind)
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
