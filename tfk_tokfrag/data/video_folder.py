"""`video_folder`: clips per class folder -> `(uint8 video (T, H, W, C), label)` examples.

A clip is a video file (`.mp4 .avi .mov .mkv .webm .m4v`, decoded with PyAV by
`tfk_tokfrag.data.video_files`, sampled while decoding), a folder of frame images,
ordered by file name (`root/<class>/<clip>/frame_00000.png`, ...), or a `.npy` file
holding a uint8 array `(T, H, W, C)` (or `(T, H, W)` for one channel), as
`tfk_tokfrag.data.write_clips` writes them.

A clip that cannot be read is named with what is wrong: an `.npy` file when the folder
is scanned, a frame folder (and its bad frame) or a video file while decoding.
`on_error="raise"` stops there; `on_error="skip"` leaves such clips out and lists them
in one warning per kind (`_bad_files`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import tensorflow as tf

from tfk_tokfrag.data import _ops
from tfk_tokfrag.data._bad_files import SkipReport, check_on_error, name_decoding_errors
from tfk_tokfrag.data.class_folders import Holdout, class_folders, in_holdout_part, list_files
from tfk_tokfrag.data.image_folder import IMAGE_SUFFIXES, first_image_shape, image_problem
from tfk_tokfrag.data.video_files import (
    VIDEO_FILE_SUFFIXES,
    check_fps,
    video_file_examples,
)

CLIP_SUFFIXES = (".npy",)


def _npy_shape(path: str) -> tuple[int, ...]:
    """The shape of the clip array in `path` (header only), checked."""
    try:
        shape = np.load(path, mmap_mode="r").shape
    except (ValueError, OSError, EOFError) as error:
        raise ValueError(f"Clip file {path} is not a readable .npy array: {error}") from None
    if len(shape) not in (3, 4):
        raise ValueError(
            f"Clip file {path} must hold an array (T, H, W, C) or (T, H, W). "
            f"Received shape {shape}."
        )
    if shape[0] == 0:
        raise ValueError(f"Clip file {path} has no frames (shape {shape}).")
    return shape


def _clip_entries(folder: str) -> list[tuple[str, str]]:
    """The clips of a class folder, sorted by name, as `(name, kind)`: kind `"frames"`
    (a folder of frame images), `"npy"` or `"file"` (a video file)."""
    clips = []
    for entry in sorted(os.listdir(folder)):
        path = os.path.join(folder, entry)
        if os.path.isdir(path):
            if not entry.startswith("."):
                clips.append((entry, "frames"))
        elif entry.lower().endswith(CLIP_SUFFIXES):
            clips.append((entry, "npy"))
        elif entry.lower().endswith(VIDEO_FILE_SUFFIXES) and os.path.isfile(path):
            clips.append((entry, "file"))
    return clips


def scan_clips(root, class_names, report: SkipReport | None = None,
               part: Holdout | None = None):
    """`(frame clips, npy clips, video files, class_names)`, clips as `(paths, label)`
    (of the holdout `part` only, when given: `in_holdout_part`).

    `.npy` headers are read here: a bad one raises naming the file, or with `report`
    ("skip") is left out and reported.
    """
    folders, class_names = class_folders(root, class_names)
    frame_clips, npy_clips, file_clips = [], [], []  # ([frame paths] or path, label)
    for label, folder in enumerate(folders):
        clips = _clip_entries(folder)
        if not clips:  # (a bad clip counts: the folder is not empty, its clip is bad)
            raise ValueError(
                f"Class folder {folder} has no clips: expected folders of frame images "
                "or .npy files, or video files (" + " ".join(VIDEO_FILE_SUFFIXES) + ")."
            )
        for i in in_holdout_part([entry for entry, _ in clips], part):
            entry, kind = clips[i]
            path = os.path.join(folder, entry)
            if kind == "frames":
                frames = list_files(path, IMAGE_SUFFIXES)
                if not frames:
                    raise ValueError(
                        f"Clip folder {path} has no frames ({', '.join(IMAGE_SUFFIXES)})."
                    )
                frame_clips.append((frames, label))
            elif kind == "npy":
                try:
                    _npy_shape(path)
                except ValueError as error:
                    if report is None:
                        raise
                    report.add(path, error)
                    continue
                npy_clips.append((path, label))
            else:
                file_clips.append((path, label))
    return frame_clips, npy_clips, file_clips, class_names


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
    fps: float | None = None,
    on_error: str = "raise",
    holdout_part: tuple[str, float] | None = None,
) -> tuple[tf.data.Dataset, list[str]]:
    """Unbatched `(video uint8 (T, H, W, C), label int64)` from clips per class folder.

    A clip is a folder of frame images (sorted by file name), a `.npy` uint8 array
    `(T, H, W, C)` / `(T, H, W)`, or a video file (PyAV; `video_files.decode_video_file`);
    all may be mixed (frame folders come first, then arrays, then video files).

    Args:
        root: the folder of class folders.
        image_size: `(height, width)` every frame is resized to; `None`: the size of
            the first clip's first frame.
        num_frames: keep this many evenly spaced frames per clip (short clips repeat
            frames); `None`: all frames, so `T` varies between clips.
        channels: 1, 3 or 4; `None`: those of the first clip (3 for video files).
        class_names: the class folders to read, in label order (default: all, sorted).
        fps: video files: sample at this frame rate (by timestamp) while decoding.
        on_error: a clip that cannot be read (a damaged video file, a frame that does
            not decode, frames of different sizes in one folder, a bad `.npy` file):
            `"raise"` stops with an error naming it (a `ValueError` when the folder is
            scanned, a `tf.errors.InvalidArgumentError` while decoding); `"skip"`
            leaves it out, and the skipped clips are counted and listed in one
            `TokfragWarning` per kind (`.npy` files when scanned, frame folders and
            video files at the end of the first pass).
        holdout_part: `(split, fraction)`: only the clips of that split ("train" or
            "test") of a holdout of each class (`class_folders.in_holdout_part`).

    Returns:
        `(dataset, class_names)`.
    """
    _ops.check_num_frames(num_frames)
    check_fps(fps)
    check_on_error(on_error)
    skip = on_error == "skip"
    npy_report = SkipReport(0, "clip files (.npy)") if skip else None
    frame_clips, npy_clips, file_clips, class_names = scan_clips(root, class_names, npy_report,
                                                                holdout_part)
    if npy_report is not None:
        npy_report.total = len(npy_clips) + len(npy_report.problems)
        npy_report.warn_once()
    if not (frame_clips or npy_clips or file_clips):
        raise ValueError(f"None of the clips of {os.fspath(root)} can be read (on_error='skip').")
    frame_report = SkipReport(len(frame_clips), "clip folders") if skip else None
    folders = [os.path.dirname(frames[0]) for frames, _ in frame_clips]
    first_shape = None  # for video files alone, `video_file_examples` finds the size
    if frame_clips:
        first_shape = first_image_shape(
            [frames[0] for frames, _ in frame_clips], channels,
            report=frame_report, names=folders, what="clip folder",
        )
    elif npy_clips:
        first_shape = _npy_shape(npy_clips[0][0])[1:]
        first_shape = first_shape if len(first_shape) == 3 else (*first_shape, 1)
    channels = channels or (first_shape[-1] if first_shape else 3)
    size = _ops.as_size(image_size) or (first_shape[:2] if first_shape else None)

    def _finish(video, label):
        video = _ops.subsample_frames(video, num_frames)
        return _ops.resize_uint8(video, size), label

    parts = []
    if frame_clips:
        frames = tf.ragged.constant([f for f, _ in frame_clips], dtype=tf.string)
        labels = np.array([label for _, label in frame_clips], np.int64)

        def _load_frames(index, paths, label):
            if num_frames is not None:  # decode only the frames that are kept
                paths = tf.gather(paths, _ops.frame_indices(tf.shape(paths)[0], num_frames))
            video = _ops.decode_frames(tf.map_fn(tf.io.read_file, paths), channels)
            return index, _ops.resize_uint8(video, size), label

        def _problem(index: int) -> str:
            return _frames_problem(frame_clips[index][0], num_frames, channels)

        indices = np.arange(len(frame_clips), dtype=np.int64)
        ds = tf.data.Dataset.from_tensor_slices((indices, frames, labels))
        ds = ds.map(_load_frames, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        parts.append(name_decoding_errors(ds, folders, "clip folder", _problem, frame_report))
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
    if file_clips:
        parts.append(video_file_examples(
            [p for p, _ in file_clips], [label for _, label in file_clips],
            num_frames=num_frames, fps=fps, image_size=size, channels=channels,
            on_error=on_error,
        ))
    ds = parts[0]
    for part in parts[1:]:
        ds = ds.concatenate(part)
    return ds, class_names


def _frames_problem(paths: list[str], num_frames: int | None, channels: int) -> str:
    """Why a frame folder does not decode into a clip (asked once it has failed)."""
    if num_frames is not None:  # the frames that were decoded
        paths = [paths[i] for i in _ops.frame_indices(len(paths), num_frames).numpy()]
    sizes = {}
    for path in dict.fromkeys(paths):
        try:
            image = _ops.decode_image(tf.io.read_file(path), channels)
        except tf.errors.OpError:
            return f"its frame {path}: {image_problem(path)}"
        sizes.setdefault(tuple(image.shape[:2]), path)
    if len(sizes) > 1:
        (size, first), (other, path) = list(sizes.items())[:2]
        return (
            f"its frames differ in size: {first} is {size[0]}x{size[1]}, {path} is "
            f"{other[0]}x{other[1]} (height x width)."
        )
    return "its frames do not decode into one clip (TensorFlow's error is logged above)."
