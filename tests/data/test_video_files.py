"""Video files decoded with PyAV: real encoded files written by PyAV itself, every bad file.

Each clip is written here, into pytest's tmp_path, with frames whose brightness tells
their index (`24 + 8 * i`), so the tests can see which frames came back. Decoded frames
are compared with the frames written (within the codec's loss) and with OpenCV's
decode of the same file where `cv2` is installed.
"""

import re
import struct
import sys
import warnings
from fractions import Fraction

import numpy as np
import pytest
import tensorflow as tf

from tfk_tokfrag._warnings import TokfragWarning
from tfk_tokfrag.data import _ops, _video_sampling, dataset_info, load_dataset, video_files
from tfk_tokfrag.data.video_files import (
    VIDEO_FILE_SUFFIXES,
    VideoFileError,
    decode_video_file,
    video_file_examples,
    video_frame_size,
)

av = pytest.importorskip("av")

# (file name, encoder, pixel format, encoder options, mean abs error allowed vs written)
CODECS = [
    ("h264.mp4", "libx264", "yuv420p", {"crf": "12"}, 3.0),
    ("h264.mov", "libx264", "yuv420p", {"crf": "12"}, 3.0),
    ("h264.m4v", "libx264", "yuv420p", {"crf": "12"}, 3.0),
    ("h264.mkv", "libx264", "yuv420p", {"crf": "12"}, 3.0),
    ("mpeg4.avi", "mpeg4", "yuv420p", {"qscale": "1"}, 3.0),
    ("mjpeg.avi", "mjpeg", "yuvj420p", {"qscale": "1"}, 2.0),  # near lossless
    ("vp9.webm", "libvpx-vp9", "yuv420p", {"crf": "10", "b": "0"}, 3.0),
]


def _frames(n, height=32, width=48):
    """uint8 frames `(n, H, W, 3)`: smooth ramps, frame i at brightness ~24 + 8 i."""
    yy, xx = np.mgrid[0:height, 0:width]
    level = 24 + 8 * np.arange(n)[:, None, None]
    red, green = level + xx // 4, level + yy // 4
    blue = np.broadcast_to(level, red.shape)
    return np.stack([red, green, blue], -1).astype(np.uint8)


def _frame_numbers(video):
    """Which written frame each decoded frame is, from its brightness."""
    return np.round((video[..., 2].mean(axis=(1, 2)) - 24) / 8).astype(int).tolist()


def _encoder(codec):
    try:
        av.codec.Codec(codec, "w")
    except Exception:  # noqa: BLE001 (PyAV raises its own error types)
        pytest.skip(f"this PyAV wheel has no {codec} encoder")


def _write(path, frames, codec="libx264", pix_fmt="yuv420p", options=None, fps=30, **container):
    _encoder(codec)
    with av.open(str(path), "w", options=container) as out:
        stream = out.add_stream(codec, rate=fps, options=options or {})
        stream.width, stream.height, stream.pix_fmt = frames.shape[2], frames.shape[1], pix_fmt
        for frame in frames:
            out.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        out.mux(stream.encode())
    return str(path)


def _opencv_frames(path):
    cv2 = pytest.importorskip("cv2")
    capture, frames = cv2.VideoCapture(path, cv2.CAP_FFMPEG), []
    ok, frame = capture.read()
    while ok:
        frames.append(frame[..., ::-1])
        ok, frame = capture.read()
    capture.release()
    return np.stack(frames)


@pytest.mark.parametrize("name, codec, pix_fmt, options, tolerance", CODECS)
def test_decodes_what_was_written(tmp_path, name, codec, pix_fmt, options, tolerance):
    written = _frames(24)
    path = _write(tmp_path / name, written, codec, pix_fmt, options)
    video = decode_video_file(path)
    assert video.dtype == np.uint8 and video.shape == written.shape
    assert np.abs(video.astype(int) - written).mean() < tolerance
    assert _frame_numbers(video) == list(range(24))


@pytest.mark.parametrize("name, codec, pix_fmt, options, tolerance", CODECS)
def test_same_pixels_as_opencv(tmp_path, name, codec, pix_fmt, options, tolerance):
    path = _write(tmp_path / name, _frames(12), codec, pix_fmt, options)
    reference = _opencv_frames(path)
    np.testing.assert_array_equal(decode_video_file(path), reference)


def test_suffixes():
    assert VIDEO_FILE_SUFFIXES == (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v")


def test_video_frame_size(tmp_path):
    path = _write(tmp_path / "clip.webm", _frames(3, 24, 40), "libvpx-vp9")
    assert video_frame_size(path) == (24, 40)
    with pytest.raises(VideoFileError, match="empty"):
        video_frame_size(_bad_file(tmp_path, "empty")[0])


def test_grey_is_the_luma(tmp_path):
    path = _write(tmp_path / "clip.mp4", _frames(6))
    rgb = decode_video_file(path).astype(np.float64)
    grey = decode_video_file(path, channels=1)
    assert grey.shape == (6, 32, 48, 1) and grey.dtype == np.uint8
    luma = rgb @ np.array([0.299, 0.587, 0.114])
    assert np.abs(grey[..., 0] - luma).mean() < 2.0


def test_resize_is_the_package_resize(tmp_path):
    path = _write(tmp_path / "clip.mp4", _frames(4))
    full = decode_video_file(path)
    small = decode_video_file(path, image_size=(16, 20))
    np.testing.assert_array_equal(small, _ops.resize_uint8(tf.constant(full), (16, 20)))
    assert decode_video_file(path, image_size=8).shape == (4, 8, 8, 3)


@pytest.mark.parametrize("length, num_frames", [(24, 5), (24, 1), (24, 24), (10, 16)])
def test_num_frames_picks_the_frame_indices_rule(tmp_path, length, num_frames):
    path = _write(tmp_path / "clip.mp4", _frames(length))
    video = decode_video_file(path, num_frames=num_frames)
    assert video.shape[0] == num_frames
    expected = _ops.frame_indices(length, num_frames).numpy().tolist()
    assert _frame_numbers(video) == expected


def test_even_indices_is_frame_indices():
    for length in (1, 2, 3, 7, 24, 100, 301, 18000):
        for num_frames in (1, 2, 3, 5, 8, 16, 17, 33):
            np.testing.assert_array_equal(
                _video_sampling.even_indices(length, num_frames),
                _ops.frame_indices(length, num_frames),
                err_msg=f"length={length}, num_frames={num_frames}",
            )


@pytest.mark.parametrize("suffix", [".mp4", ".mkv"])  # mkv stores times in whole ms
@pytest.mark.parametrize(
    "fps, expected",
    [
        (30, list(range(24))),
        (10, list(range(0, 24, 3))),
        (15, list(range(0, 24, 2))),
        (12, [0, 2, 5, 7, 10, 12, 15, 17, 20, 22]),  # nearest frame, ties to the earlier
        (60, [i // 2 for i in range(48)]),  # above the source rate: frames repeat
    ],
)
def test_fps_keeps_the_frames_at_each_tick(tmp_path, suffix, fps, expected):
    path = _write(tmp_path / f"clip{suffix}", _frames(24))  # 0.8 s at 30 fps
    assert _frame_numbers(decode_video_file(path, fps=fps)) == expected


def test_fps_then_num_frames(tmp_path):
    path = _write(tmp_path / "clip.mp4", _frames(24))
    video = decode_video_file(path, fps=10, num_frames=4)  # ticks: frames 0, 3, ..., 21
    assert _frame_numbers(video) == [0, 6, 15, 21]


def test_only_the_kept_frames_are_converted(tmp_path, monkeypatch):
    """16 frames of a long clip never hold the whole clip decoded."""
    path = _write(tmp_path / "long.mp4", _frames(30, 16, 16).repeat(8, axis=0))
    converted = []
    to_array = video_files._to_array

    def _counting(reformatter, frame, channels):
        converted.append(frame)
        return to_array(reformatter, frame, channels)

    monkeypatch.setattr(video_files, "_to_array", _counting)
    video = decode_video_file(path, num_frames=16)
    assert video.shape == (16, 16, 16, 3)
    assert len(converted) == 16


def test_counts_what_decodes_not_the_header(tmp_path):
    """An AVI whose headers state 48 frames but holds 24 (not truncated)."""
    path = _write(tmp_path / "liar.avi", _frames(24), "mjpeg", "yuvj420p")
    data = bytearray(open(path, "rb").read())
    avih = data.index(b"avih") + 8
    struct.pack_into("<I", data, avih + 16, 48)  # dwTotalFrames
    strh = data.index(b"strh") + 8
    struct.pack_into("<I", data, strh + 32, 48)  # dwLength
    open(path, "wb").write(bytes(data))
    with av.open(path) as container:
        assert container.streams.video[0].frames == 48
    assert _frame_numbers(decode_video_file(path)) == list(range(24))
    video = decode_video_file(path, num_frames=5)
    assert _frame_numbers(video) == _ops.frame_indices(24, 5).numpy().tolist()


def test_a_wrong_packet_plan_is_made_again_from_what_decodes(tmp_path, monkeypatch):
    path = _write(tmp_path / "clip.mp4", _frames(24))
    plan = video_files._packet_plan
    passes = []
    decode_pass = video_files._decode_pass

    def _counting_pass(*args):
        passes.append(args[2])
        return decode_pass(*args)

    monkeypatch.setattr(video_files, "_decode_pass", _counting_pass)
    monkeypatch.setattr(  # as if the packets promised 40 frames
        video_files,
        "_packet_plan",
        lambda av, path, num_frames, fps: _video_sampling.plan_frames(40, None, num_frames, None),
    )
    assert _frame_numbers(decode_video_file(path, num_frames=5)) == [0, 6, 12, 17, 23]
    assert len(passes) == 2
    passes.clear()  # packets promising 30 frames of which 24 decode: those 24, one pass
    monkeypatch.setattr(
        video_files, "_packet_plan", lambda av, path, num_frames, fps: list(range(30))
    )
    assert _frame_numbers(decode_video_file(path)) == list(range(24))
    assert len(passes) == 1
    monkeypatch.setattr(video_files, "_packet_plan", plan)
    passes.clear()
    assert _frame_numbers(decode_video_file(path, num_frames=5)) == [0, 6, 12, 17, 23]
    assert len(passes) == 1


def _cut(path, fraction):
    data = open(path, "rb").read()
    cut = path.replace(".", f"_cut{int(fraction * 100)}.")
    open(cut, "wb").write(data[: int(len(data) * fraction)])
    return cut


def _size_change(path):
    """An MJPEG AVI whose stream switches from 48x32 to 40x24 at frame 3."""
    first, second = _frames(3), _frames(3, 24, 40)
    with av.open(path, "w") as out:
        stream = out.add_stream("mjpeg", rate=30)
        stream.width, stream.height, stream.pix_fmt = 48, 32, "yuvj420p"
        other = av.CodecContext.create("mjpeg", "w")
        other.width, other.height, other.pix_fmt = 40, 24, "yuvj420p"
        other.time_base = Fraction(1, 30)
        for frame in first:
            out.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        for i, array in enumerate(second):
            frame = av.VideoFrame.from_ndarray(array, format="rgb24")
            frame.pts = i
            for packet in other.encode(frame):
                packet.stream, packet.pts, packet.dts = stream, 3 + i, 3 + i
                out.mux(packet)
        out.mux(stream.encode())
    return path


def _audio_only(path):
    with av.open(path, "w") as out:
        stream = out.add_stream("aac", rate=16000, layout="mono")
        for i in range(4):
            frame = av.AudioFrame.from_ndarray(
                np.zeros((1, 1024), np.float32), format="fltp", layout="mono"
            )
            frame.sample_rate, frame.pts = 16000, i * 1024
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    return path


def _bad_file(tmp_path, case):
    """`(path, what the error says)` for each kind of bad file."""
    clip = _frames(24)
    if case == "empty":
        (tmp_path / "empty.mp4").write_bytes(b"")
        return str(tmp_path / "empty.mp4"), "empty"
    if case == "text":
        (tmp_path / "notes.mp4").write_text("not a video\n" * 40)
        return str(tmp_path / "notes.mp4"), "cannot open it"
    if case == "audio only":
        return _audio_only(str(tmp_path / "sound.mp4")), "no video stream"
    if case == "size change":
        return _size_change(str(tmp_path / "resized.avi")), "change size mid-stream"
    name, codec, pix_fmt, options, fraction = {
        "cut mp4": ("a.mp4", "libx264", "yuv420p", {}, 0.9),  # index (moov) at the end
        "cut mp4 faststart": ("b.mp4", "libx264", "yuv420p", {}, 0.6),
        "cut mkv": ("c.mkv", "libx264", "yuv420p", {}, 0.9),
        "cut webm": ("d.webm", "libvpx-vp9", "yuv420p", {}, 0.5),
        "cut avi": ("e.avi", "mpeg4", "yuv420p", {}, 0.9),
        "cut mjpeg avi": ("f.avi", "mjpeg", "yuvj420p", {}, 0.5),
    }[case]
    extra = {"movflags": "faststart"} if "faststart" in case else {}
    path = _write(tmp_path / name, clip, codec, pix_fmt, options, **extra)
    return _cut(path, fraction), "truncated"


BAD = ["empty", "text", "audio only", "size change", "cut mp4", "cut mp4 faststart", "cut mkv",
       "cut webm", "cut avi", "cut mjpeg avi"]


@pytest.mark.parametrize("case", BAD)
def test_bad_files_raise_naming_the_file(tmp_path, case):
    path, problem = _bad_file(tmp_path, case)
    with pytest.raises(VideoFileError, match=re.escape(path) + ".*" + problem) as info:
        decode_video_file(path, num_frames=4)
    assert info.value.path == path
    assert isinstance(info.value, ValueError)


def test_a_missing_file():
    with pytest.raises(FileNotFoundError, match="nowhere.mp4"):
        decode_video_file("nowhere.mp4")


def _clips(tmp_path, lengths):
    """One .mp4 per length; clip k starts at frame k (so its first frame tells k)."""
    paths = []
    for k, length in enumerate(lengths):
        paths.append(_write(tmp_path / f"clip{k}.mp4", _frames(k + length)[k:]))
    return paths


def test_examples_keep_order_and_labels(tmp_path):
    lengths = [9, 4, 7, 5, 8, 6]
    paths = _clips(tmp_path, lengths)
    ds = video_file_examples(paths, [3, 1, 4, 1, 5, 9])
    assert ds.element_spec[0].shape.as_list() == [None, 32, 48, 3]
    assert ds.element_spec[0].dtype == tf.uint8 and ds.element_spec[1].dtype == tf.int64
    got = [(video.numpy(), int(label)) for video, label in ds]
    assert [label for _, label in got] == [3, 1, 4, 1, 5, 9]
    for k, ((video, _), length) in enumerate(zip(got, lengths, strict=True)):
        assert _frame_numbers(video) == list(range(k, k + length))


def test_examples_sample_resize_and_grey(tmp_path):
    paths = _clips(tmp_path, [9, 4])
    ds = video_file_examples(paths, [0, 1], num_frames=3, image_size=(8, 12), channels=1)
    assert ds.element_spec[0].shape.as_list() == [3, 8, 12, 1]
    videos = [video.numpy() for video, _ in ds]
    expected = decode_video_file(paths[1], num_frames=3, image_size=(8, 12), channels=1)
    np.testing.assert_array_equal(videos[1], expected)
    ds = video_file_examples(paths, [0, 1], fps=15)
    assert [int(tf.shape(video)[0]) for video, _ in ds] == [5, 2]


def test_examples_stop_on_a_bad_file(tmp_path):
    paths = _clips(tmp_path, [4, 4])
    bad, _ = _bad_file(tmp_path, "cut mkv")
    ds = video_file_examples([paths[0], bad, paths[1]], [0, 1, 0])
    with pytest.raises(tf.errors.OpError, match=re.escape(bad) + ".*truncated"):
        list(ds)
    with pytest.raises(VideoFileError, match=re.escape(bad)):  # the size comes from it
        video_file_examples([bad, paths[0]], [1, 0])


def test_examples_skip_bad_files_and_report_them_once(tmp_path):
    paths = _clips(tmp_path, [4, 5, 6])
    empty, _ = _bad_file(tmp_path, "empty")
    cut, _ = _bad_file(tmp_path, "cut webm")
    resized, _ = _bad_file(tmp_path, "size change")
    files = [empty, paths[0], cut, paths[1], resized, paths[2]]
    ds = video_file_examples(files, [9, 0, 9, 1, 9, 2], num_frames=4, on_error="skip")
    with pytest.warns(TokfragWarning, match="Skipped 3 of 6 video files") as record:
        got = [(video.numpy(), int(label)) for video, label in ds]
    assert [label for _, label in got] == [0, 1, 2]
    message = str(record[0].message)
    for path, problem in [(empty, "empty"), (cut, "truncated"), (resized, "change size")]:
        assert re.search(re.escape(path) + ".*" + problem, message)
    assert len(record) == 1
    with warnings.catch_warnings(record=True) as again:
        warnings.simplefilter("always")
        assert len(list(ds)) == 3
    assert not [w for w in again if issubclass(w.category, TokfragWarning)]  # reported once


def test_examples_skip_with_nothing_bad_is_quiet(tmp_path):
    paths = _clips(tmp_path, [3, 3])
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        ds = video_file_examples(paths, [0, 1], on_error="skip")
        assert len(list(ds)) == 2
    assert not [w for w in record if issubclass(w.category, TokfragWarning)]


def test_without_pyav_one_line_says_what_to_install(tmp_path, monkeypatch):
    path = _write(tmp_path / "clip.mp4", _frames(2))
    monkeypatch.setitem(sys.modules, "av", None)  # `import av` now raises ImportError
    for call in (lambda: decode_video_file(path), lambda: video_file_examples([path], [0])):
        with pytest.raises(ImportError) as info:
            call()
        message = str(info.value)
        assert 'pip install "tfk_tokfrag[video]"' in message and "\n" not in message


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"fps": 0}, "fps must be None or a positive number. Received: fps=0"),
        ({"fps": "30"}, "fps must be None or a positive number"),
        ({"num_frames": 0}, "num_frames must be None or a positive int"),
        ({"channels": 4}, "channels must be one of (1, 3)"),
        ({"image_size": (0, 3)}, "image_size must be positive"),
    ],
)
def test_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        decode_video_file("clip.mp4", **kwargs)


def test_examples_argument_errors(tmp_path):
    with pytest.raises(ValueError, match=re.escape("on_error must be one of ('raise', 'skip')")):
        video_file_examples(["a.mp4"], [0], on_error="ignore")
    with pytest.raises(ValueError, match="same length"):
        video_file_examples(["a.mp4", "b.mp4"], [0])


def test_load_dataset_reads_class_folders_of_video_files(tmp_path):
    root = tmp_path / "clips"
    for label, name in enumerate(("left", "right")):
        (root / name).mkdir(parents=True)
        for k in range(2):
            start = 3 * label + k
            _write(root / name / f"{k}.mp4", _frames(start + 6 + 2 * k)[start:])
    ds = load_dataset(str(root), "train", batch_size=4, shuffle=False, return_lengths=True)
    (inputs, labels), = list(ds)
    assert inputs["video"].shape == (4, 8, 32, 48, 3)  # padded to the longest clip
    assert inputs["length"].numpy().tolist() == [6, 8, 6, 8]
    assert labels.numpy().tolist() == [0, 0, 1, 1]
    first = _frame_numbers(inputs["video"][2, :6].numpy())
    assert first == list(range(3, 9))  # clip "right/0" starts at written frame 3
    sampled = next(iter(load_dataset(str(root), "train", batch_size=4, shuffle=False,
                                     num_frames=3, image_size=(16, 24))))[0]
    assert sampled.shape == (4, 3, 16, 24, 3)
    info = dataset_info(str(root))
    assert info["modalities"] == ("video",) and info["splits"] == {"train": 4}
