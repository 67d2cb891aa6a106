"""`write_clips`: the folder layouts, read back by `video_folder` (exactly but for mp4)."""

import os

import numpy as np
import pytest

from tests.data.conftest import random_clips
from tfk_tokfrag.data import video_folder, write_clips, write_video_file
from tfk_tokfrag.data.video_files import decode_video_file


@pytest.mark.parametrize("fmt", ["npy", "frames"])
def test_write_clips_and_read_them_back(tmp_path, fmt):
    rng = np.random.default_rng(1)
    videos = random_clips(rng, [3, 5, 2])
    paths = write_clips(tmp_path, videos, [1, 0, 1], ["left", "right"], format=fmt)
    assert [os.path.relpath(p, tmp_path) for p in paths][0].startswith(
        os.path.join("right", "clip_0")
    )
    ds, names = video_folder(tmp_path, class_names=["left", "right"])
    got = [(v.numpy(), int(y)) for v, y in ds]
    expected = sorted(zip([1, 0, 1], range(3), videos, strict=True), key=lambda t: (t[0], t[1]))
    assert names == ["left", "right"]
    assert [y for _, y in got] == [label for label, _, _ in expected]
    for (video, _), (_, _, original) in zip(got, expected, strict=True):
        np.testing.assert_array_equal(video, original)


def test_write_clips_errors(tmp_path):
    with pytest.raises(ValueError, match="uint8"):
        write_clips(tmp_path / "w", [np.zeros((2, 2, 2), np.float32)], [0])
    with pytest.raises(ValueError, match=r"format must be one of \('npy', 'frames', 'mp4'\)"):
        write_clips(tmp_path / "w", [np.zeros((2, 2, 2), np.uint8)], [0], format="gif")


def _smooth_clip(frames, height=32, width=32, channels=1):
    """Frames a lossy codec keeps close: smooth ramps, frame t brighter by 8 t."""
    yy, xx = np.mgrid[0:height, 0:width]
    clip = 40 + 8 * np.arange(frames)[:, None, None] + (xx + yy)[None] * 2
    return np.repeat(clip[..., None], channels, -1).astype(np.uint8)


@pytest.mark.parametrize("channels", [1, 3])
def test_write_video_file_round_trip(tmp_path, channels):
    pytest.importorskip("av")
    clip = _smooth_clip(9, channels=channels)
    path = write_video_file(tmp_path / "clip.mp4", clip)
    decoded = decode_video_file(path, channels=channels)
    assert decoded.shape == clip.shape
    assert np.abs(decoded.astype(int) - clip).mean() < 2.0  # H.264 at crf 12: near lossless


def test_write_clips_as_mp4_read_back_by_the_folder_loader(tmp_path):
    pytest.importorskip("av")
    clips = [_smooth_clip(n) for n in (4, 6, 5)]
    write_clips(tmp_path, clips, [1, 0, 1], format="mp4")
    ds, names = video_folder(tmp_path)
    got = [(v.numpy(), int(y)) for v, y in ds]
    assert names == ["0", "1"] and [y for _, y in got] == [0, 1, 1]
    assert [v.shape for v, _ in got] == [(6, 32, 32, 3), (4, 32, 32, 3), (5, 32, 32, 3)]
    grey, _ = video_folder(tmp_path, channels=1)
    assert [v.shape[-1] for v, _ in grey] == [1, 1, 1]


def test_write_video_file_errors(tmp_path):
    with pytest.raises(ValueError, match="uint8 frames"):
        write_video_file(tmp_path / "a.mp4", np.zeros((2, 4, 4, 2), np.uint8))
    with pytest.raises(ValueError, match="even frame size. Received 5x4"):
        write_video_file(tmp_path / "a.mp4", np.zeros((2, 5, 4, 1), np.uint8))
