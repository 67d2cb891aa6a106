"""Writes video clips in the folder formats `video_folder` / `load_dataset` read."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

import numpy as np
import tensorflow as tf

from tfk_tokfrag.data.video_files import import_av

FORMATS = ("npy", "frames", "mp4")


def write_clips(
    root: str | os.PathLike,
    videos: Iterable[np.ndarray],
    labels: Iterable[int],
    class_names: Sequence[str] | None = None,
    *,
    format: str = "npy",  # noqa: A002 (the natural name for users)
) -> list[str]:
    """Writes clips as `root/<class_name>/clip_<i>.npy`, `.../clip_<i>/frame_<t>.png`
    or `.../clip_<i>.mp4`.

    Three layouts `tfk_tokfrag.data.folders.video_folder` reads:

    * `format="npy"`: one `.npy` file per clip holding the uint8 array `(T, H, W, C)`
      (`numpy.save`, so `numpy.load` reads it back exactly);
    * `format="frames"`: one folder per clip with a PNG per frame, `frame_00000.png`,
      `frame_00001.png`, ... (frames are read back in file-name order);
    * `format="mp4"`: one H.264 `.mp4` file per clip (`write_video_file`: lossy, as
      real recordings are; needs PyAV).

    Read the result with `load_dataset(root, class_names=class_names)` (or
    `video_folder(root, class_names=class_names)`) to keep the label numbering: by
    default, labels follow the sorted class folder names.

    Args:
        root: the folder to write into (created if needed; existing files of the same
            name are overwritten).
        videos: uint8 arrays `(T, H, W, C)` or `(T, H, W)`, `T >= 1`.
        labels: the class index of each video.
        class_names: folder name of each class index; default: the index written with
            as many digits as the largest label, so that sorting keeps the order.
        format: `"npy"`, `"frames"` or `"mp4"`.

    Returns:
        The paths written, one per clip.
    """
    if format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}. Received: format={format!r}")
    videos, labels = list(videos), [int(v) for v in labels]
    if len(videos) != len(labels):
        raise ValueError(
            f"videos and labels must have the same length. Received {len(videos)} "
            f"videos and {len(labels)} labels."
        )
    if class_names is None:
        width = len(str(max(labels, default=0)))
        class_names = [f"{i:0{width}d}" for i in range(max(labels, default=-1) + 1)]
    index_width = len(str(max(len(videos) - 1, 0)))
    written = []
    for i, (video, label) in enumerate(zip(videos, labels, strict=True)):
        video = np.asarray(video)
        if video.dtype != np.uint8:
            raise ValueError(f"Clip {i} must be uint8. Received dtype {video.dtype}.")
        if video.ndim == 3:
            video = video[..., None]
        if video.ndim != 4 or video.shape[0] < 1:
            raise ValueError(
                f"Clip {i} must have shape (T, H, W, C) or (T, H, W) with T >= 1. "
                f"Received shape {video.shape}."
            )
        if not 0 <= label < len(class_names):
            raise ValueError(
                f"Label {label} of clip {i} has no class name (class_names has "
                f"{len(class_names)} entries)."
            )
        folder = os.path.join(os.fspath(root), class_names[label])
        os.makedirs(folder, exist_ok=True)
        name = f"clip_{i:0{index_width}d}"
        if format == "npy":
            path = os.path.join(folder, name + ".npy")
            np.save(path, video)
        elif format == "mp4":
            path = write_video_file(os.path.join(folder, name + ".mp4"), video)
        else:
            path = os.path.join(folder, name)
            _write_frames(path, video)
        written.append(path)
    return written


def _write_frames(folder: str, video: np.ndarray) -> None:
    os.makedirs(folder, exist_ok=True)
    width = max(5, len(str(len(video) - 1)))
    for t, frame in enumerate(video):
        if frame.shape[-1] not in (1, 3, 4):
            raise ValueError(f"PNG frames need 1, 3 or 4 channels, got {frame.shape[-1]}.")
        path = os.path.join(folder, f"frame_{t:0{width}d}.png")
        tf.io.write_file(path, tf.io.encode_png(frame))


def write_video_file(path: str | os.PathLike, video: np.ndarray, fps: int = 10,
                     crf: int = 12) -> str:
    """Encodes uint8 frames `(T, H, W, C)` (C 1 or 3) as an H.264 `.mp4` (yuv420p).

    `crf`: x264's constant rate factor, 0 (lossless) to 51; 12 is visually lossless.
    H.264 in yuv420p needs an even height and width.
    """
    av = import_av()
    video = np.asarray(video)
    if video.dtype != np.uint8 or video.ndim != 4 or video.shape[-1] not in (1, 3):
        raise ValueError(
            "write_video_file takes uint8 frames (T, H, W, C) with C 1 or 3. Received "
            f"dtype {video.dtype}, shape {video.shape}."
        )
    height, width = video.shape[1:3]
    if height % 2 or width % 2:
        raise ValueError(
            f"H.264 (yuv420p) needs an even frame size. Received {height}x{width}."
        )
    path = os.fspath(path)
    fmt = "gray" if video.shape[-1] == 1 else "rgb24"
    with av.open(path, "w") as container:
        stream = container.add_stream("libx264", rate=fps, options={"crf": str(crf)})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for frame in video:
            array = frame[..., 0] if fmt == "gray" else frame
            container.mux(stream.encode(av.VideoFrame.from_ndarray(array, format=fmt)))
        container.mux(stream.encode())
    return path
