"""Video files (`.mp4 .avi .mov .mkv .webm .m4v`) decoded with PyAV, sampled while decoding.

PyAV (`pip install av`, or the `tfk_tokfrag[video]` extra) is the only decoder: its
wheels ship FFmpeg, so no system codec is needed and nothing is downloaded at run time.
It is imported when a video file is first read, so the rest of the package works
without it.

Frames come out as uint8 `(T, H, W, C)`, RGB (`channels=3`) or grey (`channels=1`, the
codec's luma scaled to full range), in presentation order.

Sampling happens while decoding, so memory holds only the frames that are kept:

* `fps`: the frame on screen nearest to each tick `k / fps` of the clip (timestamps
  decide, ties go to the earlier frame; a rate above the source's repeats frames);
* `num_frames`: that many evenly spaced frames over the clip (or over the `fps`
  ticks), index `k` being `round(k * (T - 1) / (num_frames - 1))`, the rule of
  `_ops.frame_indices` that folders of frames use (short clips repeat frames).

A container's frame count is never trusted. Before decoding, one demux-only pass lists
the video packets (~50 ms for a 10-minute clip: nothing is decoded) to plan which frames
to keep; the decoding pass then converts only those frames, straight into the output
array, and counts what really decodes. When the decoded frames differ from the packets
(a packet the decoder drops, say), the plan is made again from what decoded (and, if a
frame it needs was not kept, the file is decoded a second time): the result is always
the frames that decode, never what a header states.

A file that cannot give a whole, correct clip raises `VideoFileError` naming the file
and what is wrong: an empty file, a file FFmpeg cannot open (not a video, or its
header is gone), a file with no video stream, a truncated file (its container's own
size fields, RIFF for AVI, EBML for Matroska/WebM, the top-level boxes for MP4/MOV,
reach past the end of the file; or demuxing/decoding fails part-way), and frames that
change size mid-stream. A truncated file is an error even when frames decode before the
cut: a clip silently shorter than the recording would be a wrong example. To go on
without such files, `video_file_examples(..., on_error="skip")` drops them and reports
them once, at the end of the first pass.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import tensorflow as tf

from tfk_tokfrag import _validation
from tfk_tokfrag.data import _container_sizes, _ops
from tfk_tokfrag.data._bad_files import SkipReport, check_on_error
from tfk_tokfrag.data._video_sampling import check_fps, plan_frames, relative_times

VIDEO_FILE_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v")
INSTALL_HINT = 'pip install "tfk_tokfrag[video]" (or: pip install av)'
# FFmpeg's own decoding threads, measured in benchmarks/video_decode.py (2 cores): one
# decode stream uses frame threads (0.9-1.5x of one thread); tf.data, which decodes
# several files at once, is 20-27% faster with one thread per file.
THREAD_TYPE = "AUTO"
DATASET_THREAD_TYPE = "NONE"


class VideoFileError(ValueError):
    """A video file that cannot give a whole, correct clip.

    Args:
        path: the file.
        problem: what is wrong with it.
    """

    def __init__(self, path: str | os.PathLike, problem: str):
        self.path = os.fspath(path)
        self.problem = problem
        super().__init__(f"Cannot decode video file {self.path}: {problem}")

    def __reduce__(self):
        return type(self), (self.path, self.problem)


def import_av():
    """PyAV, or an `ImportError` of one line saying how to install it."""
    try:
        import av
    except ImportError:
        raise ImportError(
            f"Reading video files needs PyAV, which is not installed: {INSTALL_HINT}"
        ) from None
    return av


def _open(av, path: str):
    try:
        container = av.open(path)
    except av.error.FFmpegError as error:
        raise VideoFileError(
            path, f"FFmpeg cannot open it (not a video file, or a damaged one): {error}"
        ) from None
    if not container.streams.video:
        kinds = ", ".join(s.type for s in container.streams) or "none"
        container.close()
        raise VideoFileError(path, f"it has no video stream (streams: {kinds}).")
    return container


def _packet_plan(av, path, num_frames, fps) -> list[int]:
    """The frames to keep, planned from a demux-only pass (packets, nothing decoded)."""
    with _open(av, path) as container:
        stream = container.streams.video[0]
        time_base, rate = stream.time_base, stream.average_rate or stream.guessed_rate
        pts, count = [], 0
        try:
            for packet in container.demux(stream):
                if packet.size == 0 or packet.is_discard:
                    continue
                if packet.is_corrupt:
                    raise VideoFileError(path, f"packet {count} is damaged (truncated file?).")
                pts.append(packet.pts)
                count += 1
        except av.error.FFmpegError as error:
            raise VideoFileError(
                path, f"reading stopped after {count} packets (truncated or damaged): {error}"
            ) from None
    if count == 0:
        raise VideoFileError(path, "its video stream holds no frames.")
    if fps is None:
        return plan_frames(count, None, num_frames, None)
    # Packets come in decoding order: sorted timestamps are the presentation times.
    times = relative_times(pts if None in pts else sorted(pts), time_base, rate)
    return plan_frames(count, times, num_frames, fps) if times else []


def _to_array(reformatter, frame, channels: int) -> np.ndarray:
    """One decoded frame -> uint8 `(H, W, channels)`.

    One swscale context is reused for every frame (`frame.to_ndarray(format=...)` makes
    a new one per frame: most of a plain PyAV loop's cost), on one thread (swscale's own
    threads cost ~13% more CPU per frame here, PyAV >= 17).
    """
    image = reformatter.reformat(frame, format="rgb24" if channels == 3 else "gray", threads=1)
    array = image.to_ndarray()
    return array if channels == 3 else array[..., None]


def _output_array(shape: tuple[int, ...]) -> np.ndarray:
    """`np.empty(shape, uint8)` starting on a 64-byte boundary, which TensorFlow takes
    from `tf.numpy_function` without a copy (it copies less aligned arrays)."""
    size = int(np.prod(shape))
    raw = np.empty(size + 64, np.uint8)
    start = -raw.ctypes.data % 64
    return raw[start : start + size].reshape(shape)


def _decode_pass(av, path, plan, channels, thread_type):
    """Decodes every frame, converting only those `plan` names, straight into the output.

    Returns `(frames, times, count)`: uint8 `(len(plan), H, W, channels)` with frame
    `plan[j]` at `j` (`None` if no planned frame decoded), every decoded frame's time
    (`(seconds, precision)` or `None`) and the number of frames that decoded.
    """
    from av.video.reformatter import VideoReformatter

    reformatter = VideoReformatter()
    slots = {}
    for j, i in enumerate(plan):
        slots.setdefault(i, []).append(j)
    out, pts, count, shape = None, [], 0, None
    with _open(av, path) as container:
        stream = container.streams.video[0]
        stream.thread_type = thread_type
        time_base, rate = stream.time_base, stream.average_rate or stream.guessed_rate
        try:
            for packet in container.demux(stream):
                if packet.is_corrupt:
                    raise VideoFileError(
                        path, f"a packet after frame {count} is damaged (truncated file?)."
                    )
                for frame in packet.decode():
                    if shape is None:
                        shape = (frame.width, frame.height)
                    elif (frame.width, frame.height) != shape:
                        raise VideoFileError(
                            path,
                            f"frames change size mid-stream: frame {count} is "
                            f"{frame.width}x{frame.height}, the frames before it "
                            f"{shape[0]}x{shape[1]}.",
                        )
                    if count in slots:
                        image = _to_array(reformatter, frame, channels)
                        if out is None:
                            out = _output_array((len(plan), *image.shape))
                        for j in slots[count]:
                            out[j] = image
                    pts.append(frame.pts)
                    count += 1
        except av.error.FFmpegError as error:
            raise VideoFileError(
                path, f"decoding stopped after {count} frames (truncated or damaged): {error}"
            ) from None
    if count == 0:
        raise VideoFileError(path, "no frame of its video stream decodes.")
    return out, relative_times(pts, time_base, rate), count


def _check_file(path: str) -> None:
    """The checks made before FFmpeg reads the file: not empty, not cut short."""
    size = os.path.getsize(path)  # FileNotFoundError names the file
    if size == 0:
        raise VideoFileError(path, "the file is empty (0 bytes).")
    problem = _container_sizes.truncation(path, size)
    if problem:
        raise VideoFileError(path, problem)


def _decode(path: str, num_frames, fps, channels: int, thread_type: str) -> np.ndarray:
    """Checked arguments -> uint8 `(T, H, W, channels)` at the file's own size."""
    av = import_av()
    _check_file(path)
    plan = _packet_plan(av, path, num_frames, fps)
    for _ in range(2):
        out, times, count = _decode_pass(av, path, plan, channels, thread_type)
        if fps is not None and times is None:
            raise VideoFileError(path, f"it has no timestamps or frame rate to sample fps={fps}.")
        actual = plan_frames(count, times, num_frames, fps)
        if actual == plan:
            return out
        written = {i: j for j, i in enumerate(plan) if i < count}  # planned and decoded
        if all(i in written for i in actual):
            return out[[written[i] for i in actual]]
        plan = actual  # the packets did not tell what decodes: plan from the decoded frames
    raise VideoFileError(path, "it decodes to a different number of frames on each read.")


def video_frame_size(path: str | os.PathLike) -> tuple[int, int]:
    """`(height, width)` of a video file's first frame (checked as `decode_video_file`
    checks a file, then one frame decoded): the default frame size of a folder."""
    av = import_av()
    path = os.fspath(path)
    _check_file(path)
    with _open(av, path) as container:
        try:
            frame = next(container.decode(container.streams.video[0]), None)
        except av.error.FFmpegError as error:
            raise VideoFileError(path, f"its first frame does not decode: {error}") from None
        if frame is None:
            raise VideoFileError(path, "no frame of its video stream decodes.")
        return frame.height, frame.width


def decode_video_file(
    path: str | os.PathLike,
    *,
    num_frames: int | None = None,
    fps: float | None = None,
    image_size: int | Sequence[int] | None = None,
    channels: int = 3,
) -> np.ndarray:
    """Decodes a video file into uint8 `(T, H, W, C)` frames, sampled while decoding.

    Only the kept frames are converted and held, so 16 frames of a 10-minute clip cost
    16 frames of memory. Frames are counted as they decode (headers are not trusted).

    Args:
        path: a `.mp4`, `.avi`, `.mov`, `.mkv`, `.webm` or `.m4v` file (any container
            and codec FFmpeg reads).
        num_frames: keep this many evenly spaced frames (short clips repeat frames);
            `None`: all frames (or all `fps` ticks).
        fps: sample at this rate, by timestamp: the frame nearest to each tick `k / fps`;
            `None`: the file's own frames.
        image_size: `(height, width)` (or an int) every frame is resized to (bilinear,
            antialiased, rounded back to uint8: as every loader of the package resizes);
            `None`: the file's size.
        channels: 3 (RGB) or 1 (grey: the codec's luma, full range).

    Returns:
        A uint8 NumPy array `(T, H, W, channels)`.

    Raises:
        ImportError: PyAV is not installed (the message says what to install).
        FileNotFoundError: `path` does not exist.
        VideoFileError: the file is empty, not a video, has no video stream, is
            truncated or damaged, or its frames change size mid-stream.

    Example:

    ```python
    clip = decode_video_file("cam/0001.mp4", num_frames=16, image_size=112)
    clip.shape  # (16, 112, 112, 3)
    ```
    """
    num_frames = _ops.check_num_frames(num_frames)
    fps = check_fps(fps)
    _validation.choice("channels", channels, (1, 3))
    size = _ops.as_size(image_size)
    video = _decode(os.fspath(path), num_frames, fps, channels, THREAD_TYPE)
    if size is None:
        return video
    return _ops.resize_uint8(tf.convert_to_tensor(video), size).numpy()


def _first_size(paths, report: SkipReport | None) -> tuple[int, int]:
    """The frame size of the first file that opens (`report`: skip the others)."""
    for path in paths:
        try:
            return video_frame_size(path)
        except (VideoFileError, OSError) as error:
            if report is None:
                raise
            report.add(path, error)
    raise ValueError(
        f"None of the {len(paths)} video files decodes (on_error='skip'):\n"
        + "\n".join(f"  {message}" for message in report.problems.values())
    )


def video_file_examples(
    paths: Sequence[str | os.PathLike],
    labels: Sequence[int],
    *,
    num_frames: int | None = None,
    fps: float | None = None,
    image_size: int | Sequence[int] | None = None,
    channels: int | None = None,
    on_error: str = "raise",
) -> tf.data.Dataset:
    """Unbatched `(video uint8 (T, H, W, C), label int64)` decoded from video files.

    Files are decoded in parallel inside tf.data (`num_parallel_calls=AUTOTUNE`,
    `deterministic=True`, so the order is that of `paths`), each sampled while decoding
    (see `decode_video_file`) and resized in the graph with `_ops.resize_uint8`.

    Args:
        paths: the video files, in order.
        labels: one int label per file.
        num_frames: keep this many evenly spaced frames per clip; `None`: all frames,
            so `T` varies between clips.
        fps: sample every clip at this rate (by timestamp); `None`: their own frames.
        image_size: `(height, width)` (or an int) every frame is resized to; `None`: the
            size of the first clip that decodes.
        channels: 3 (RGB, the default for `None`) or 1 (grey).
        on_error: `"raise"`: a bad file stops the pass with an error naming it (a
            `tf.errors.InvalidArgumentError` whose message holds the `VideoFileError`);
            `"skip"`: bad files are dropped and listed in one `TokfragWarning` at the
            end of the first pass (with how many were skipped).

    Returns:
        A `tf.data.Dataset`.
    """
    check_on_error(on_error)
    channels = 3 if channels is None else _validation.choice("channels", channels, (1, 3))
    num_frames = _ops.check_num_frames(num_frames)
    fps = check_fps(fps)
    import_av()  # fail here, not inside tf.data, when PyAV is missing
    paths = [os.fspath(p) for p in paths]
    labels = np.asarray(labels, np.int64).reshape([-1])
    if not paths or len(paths) != len(labels):
        raise ValueError(
            "paths and labels must be non-empty and of the same length. "
            f"Received: {len(paths)} paths and {len(labels)} labels."
        )
    report = SkipReport(len(paths), "video files") if on_error == "skip" else None
    size = _ops.as_size(image_size) or _first_size(paths, report)
    empty = np.zeros([0, 1, 1, channels], np.uint8)

    def _decode_or_skip(path):
        path = path.decode()
        try:
            video = _decode(path, num_frames, fps, channels, DATASET_THREAD_TYPE)
        except (VideoFileError, OSError) as error:
            if report is None:
                raise
            report.add(path, error)
            return empty, np.bool_(False)
        return video, np.bool_(True)

    def _load(path, label):
        video, ok = tf.numpy_function(_decode_or_skip, [path], (tf.uint8, tf.bool), stateful=False)
        video.set_shape([num_frames, None, None, channels])
        ok.set_shape([])
        return video, label, ok

    ds = tf.data.Dataset.from_tensor_slices((paths, labels))
    ds = ds.map(_load, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    if report is not None:
        ds = ds.filter(lambda video, label, ok: ok)
    ds = ds.map(
        lambda video, label, ok: (_ops.resize_uint8(video, size), label),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=True,
    )
    if report is None:
        return ds

    # Runs once the files are exhausted: the end of a pass. Yields nothing.
    def _tail(_):
        done = tf.numpy_function(report.warn_once, [], tf.bool, stateful=True)
        return tf.logical_not(done)

    tail = tf.data.Dataset.range(1).filter(_tail)
    tail = tail.map(
        lambda _: (tf.zeros([num_frames or 0, *size, channels], tf.uint8), tf.constant(0, tf.int64))
    )
    return ds.concatenate(tail)
