"""Random bytes and random text into the file readers (hypothesis): a clear error that
names the file, or a parse; never another exception."""

import os
import tempfile

import numpy as np
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

from tfk_tokfrag.data.image_folder import image_folder
from tfk_tokfrag.data.ts_files import read_ts_file

_HEADER = b"@problemName p\n@timeStamps false\n@univariate true\n@classLabel true a b\n@data\n"


def _write(data: bytes, suffix: str) -> str:
    handle, path = tempfile.mkstemp(suffix=suffix)
    with os.fdopen(handle, "wb") as f:
        f.write(data)
    return path


@given(st.one_of(st.binary(max_size=300),
                 st.binary(max_size=200).map(lambda b: _HEADER + b),
                 st.text(max_size=200).map(lambda t: _HEADER + t.encode("utf-8", "replace"))))
def test_a_ts_file_of_random_bytes_is_read_or_refused_naming_it(data):
    path = _write(data, ".ts")
    try:
        parsed = read_ts_file(path)
    except ValueError as error:
        assert path in str(error), str(error)
    else:  # a parse: every series has a label among the declared ones
        assert len(parsed.labels) == len(parsed.series)
    finally:
        os.remove(path)


@settings(max_examples=8)  # each example builds a tf.data pipeline (~0.3 s)
@given(st.one_of(st.binary(max_size=300),
                 st.binary(max_size=100).map(lambda b: b"\x89PNG\r\n\x1a\n" + b),
                 st.binary(max_size=100).map(lambda b: b"\xff\xd8\xff" + b)))
def test_an_image_folder_with_a_file_of_random_bytes_names_it(data):
    with tempfile.TemporaryDirectory() as root:
        os.mkdir(os.path.join(root, "a"))
        good = tf.io.encode_png(np.full((4, 4, 1), 7, np.uint8))
        tf.io.write_file(os.path.join(root, "a", "0.png"), good)
        bad = os.path.join(root, "a", "1.png")
        with open(bad, "wb") as f:
            f.write(data)
        try:
            images = [x.numpy() for x, _ in image_folder(root, channels=1)]
        except (ValueError, tf.errors.InvalidArgumentError) as error:
            assert f"Cannot decode image file {bad}: " in str(error), str(error)
        else:  # random bytes that decode: both images read
            assert len(images) == 2
