"""`write_clips`: the two folder layouts, read back exactly by `video_folder`."""

import os

import numpy as np
import pytest

from tests.data.conftest import random_clips
from tfk_tokfrag.data import video_folder, write_clips


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
    with pytest.raises(ValueError, match="format must be 'npy' or 'frames'"):
        write_clips(tmp_path / "w", [np.zeros((2, 2, 2), np.uint8)], [0], format="gif")
