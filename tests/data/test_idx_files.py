"""MNIST-style IDX files written here (plain and gzip); Fashion-MNIST's sources mocked."""

import gzip
import struct

import numpy as np
import pytest
import tensorflow as tf

from tfk_tokfrag.data import dataset_info, idx_files, load_dataset
from tfk_tokfrag.data.idx_files import (
    fashion_mnist_examples,
    idx_folder,
    idx_info,
    is_idx_folder,
    read_idx,
)

TYPE_CODES = {"u1": 0x08, "i1": 0x09, "i2": 0x0B, "i4": 0x0C, "f4": 0x0D, "f8": 0x0E}


def idx_bytes(array):
    """The IDX encoding of `array`, written independently of the reader (struct, big-endian)."""
    dtype = array.dtype.newbyteorder(">")
    header = bytes([0, 0, TYPE_CODES[dtype.str[1:]], array.ndim])
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(dtype).tobytes()


def write_idx(path, array, gz=False):
    data = idx_bytes(array)
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def write_mnist_folder(folder, num_train=7, num_test=3, gz=True, seed=0):
    """A tiny MNIST-layout folder; returns {split: (images (N, 5, 4), labels)}."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    suffix = ".gz" if gz else ""
    arrays = {}
    for split, prefix, n in (("train", "train", num_train), ("test", "t10k", num_test)):
        images = rng.integers(0, 256, (n, 5, 4), dtype=np.uint8)
        labels = (np.arange(n) % 3).astype(np.uint8)
        write_idx(folder / f"{prefix}-images-idx3-ubyte{suffix}", images, gz)
        write_idx(folder / f"{prefix}-labels-idx1-ubyte{suffix}", labels, gz)
        arrays[split] = images, labels
    return arrays


@pytest.mark.parametrize("dtype", list(TYPE_CODES))
@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gz"])
def test_read_idx_every_type(tmp_path, dtype, gz):
    rng = np.random.default_rng(1)
    values = rng.uniform(-100, 100, (3, 2, 4)) + (100 if dtype == "u1" else 0)
    array = values.astype(">" + dtype)
    path = write_idx(tmp_path / ("x.idx.gz" if gz else "x.idx"), array, gz)
    out = read_idx(path)
    assert out.dtype == array.dtype.newbyteorder("=") and out.dtype.isnative
    np.testing.assert_array_equal(out, array)


def test_read_idx_errors_name_the_file(tmp_path):
    good = idx_bytes(np.zeros((2, 3), np.uint8))
    cases = {
        "magic.idx": (b"\x1f\x00" + good[2:], r"magic\.idx is not an IDX file: its magic number"),
        "code.idx": (b"\x00\x00\x07\x02" + good[4:], r"code\.idx is not an IDX file"),
        "short.idx": (good[:-1], r"short\.idx is truncated: .*shape \(2, 3\).*holds 5 bytes"),
        "long.idx": (good + b"\x00", r"long\.idx has data past its end"),
        "dims.idx": (good[:9], r"dims\.idx is truncated: its header states 2 dimensions"),
        "empty.idx": (b"", r"empty\.idx is not an IDX file: its magic number is missing"),
    }
    for name, (data, message) in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(ValueError, match=message):
            read_idx(tmp_path / name)
    (tmp_path / "cut.gz").write_bytes(gzip.compress(good)[:-10])
    with pytest.raises(ValueError, match=r"cut\.gz cannot be read as an IDX file"):
        read_idx(tmp_path / "cut.gz")


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gz"])
def test_idx_folder(tmp_path, gz):
    arrays = write_mnist_folder(tmp_path, gz=gz)
    assert is_idx_folder(tmp_path)
    for split in ("train", "test"):
        ds, class_names = idx_folder(tmp_path, split)
        assert class_names == ["0", "1", "2"]
        assert ds.element_spec == (
            tf.TensorSpec([5, 4, 1], tf.uint8),
            tf.TensorSpec([], tf.int64),
        )
        images, labels = zip(*ds.as_numpy_iterator(), strict=True)
        np.testing.assert_array_equal(np.stack(images)[..., 0], arrays[split][0])
        np.testing.assert_array_equal(labels, arrays[split][1])
    ds, class_names = idx_folder(tmp_path, "test", image_size=8, class_names=["a", "b", "c"])
    assert class_names == ["a", "b", "c"] and ds.element_spec[0].shape == (8, 8, 1)
    info = idx_info(tmp_path)
    assert info["splits"] == {"train": 7, "test": 3} and info["class_names"] == ("0", "1", "2")
    assert info["inputs"] == {"image": {"shape": (5, 4, 1), "dtype": "uint8"}}


def test_idx_folder_other_names(tmp_path):
    """`train-images.idx3-ubyte` (a dot) and EMNIST's prefixed names."""
    images, labels = np.ones((2, 3, 3), np.uint8), np.array([1, 0], np.uint8)
    (tmp_path / "a").mkdir()
    write_idx(tmp_path / "a" / "train-images.idx3-ubyte", images)
    write_idx(tmp_path / "a" / "train-labels.idx1-ubyte", labels)
    (tmp_path / "b").mkdir()
    write_idx(tmp_path / "b" / "emnist-digits-test-images-idx3-ubyte.gz", images, gz=True)
    write_idx(tmp_path / "b" / "emnist-digits-test-labels-idx1-ubyte.gz", labels, gz=True)
    for folder, split in (("a", "train"), ("b", "test")):
        ds, _ = idx_folder(tmp_path / folder, split)
        assert [int(y) for _, y in ds.as_numpy_iterator()] == [1, 0]


def test_idx_folder_errors(tmp_path):
    write_mnist_folder(tmp_path, gz=False)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.zeros(4, np.uint8))
    with pytest.raises(ValueError, match=r"t10k-images-idx3-ubyte holds 3 images but .*holds 4"):
        idx_folder(tmp_path, "test")
    (tmp_path / "train-labels-idx1-ubyte").unlink()
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte has no labels file beside it"):
        idx_folder(tmp_path, "train")
    with pytest.raises(ValueError, match="splits \\('train', 'test'\\). Received: split='val'"):
        idx_folder(tmp_path, "val")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match=r"No IDX files for split 'train' in .*empty"):
        idx_folder(tmp_path / "empty", "train")
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.arange(3, dtype=np.uint8))
    with pytest.raises(ValueError, match=r"2 class_names were given"):
        idx_folder(tmp_path, "test", class_names=["a", "b"])
    assert not is_idx_folder(tmp_path / "empty")


def test_fashion_mnist_reads_the_debian_files(tmp_path, monkeypatch):
    arrays = write_mnist_folder(tmp_path / "fashion-mnist", num_train=10, num_test=4)
    monkeypatch.setattr(idx_files, "FASHION_MNIST_DIR", str(tmp_path / "fashion-mnist"))
    ds = fashion_mnist_examples("test")
    labels = [int(y) for _, y in ds.as_numpy_iterator()]
    np.testing.assert_array_equal(labels, arrays["test"][1])
    sliced = list(fashion_mnist_examples("train[:30%]+test[-1:]").as_numpy_iterator())
    assert len(sliced) == 4
    np.testing.assert_array_equal(sliced[3][0][..., 0], arrays["test"][0][-1])
    assert fashion_mnist_examples("train", image_size=14).element_spec[0].shape == (14, 14, 1)
    assert len(idx_files.FASHION_MNIST_CLASS_NAMES) == 10


def test_fashion_mnist_missing_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setattr(idx_files, "FASHION_MNIST_DIR", str(tmp_path / "not_installed"))
    with pytest.raises(FileNotFoundError, match="apt-get install dataset-fashion-mnist") as error:
        fashion_mnist_examples("train", data_dir=tmp_path / "tfds")
    assert "download_and_prepare()" in str(error.value)
    assert str(tmp_path / "tfds") in str(error.value)


def test_load_dataset_and_dataset_info_read_an_idx_folder(tmp_path):
    arrays = write_mnist_folder(tmp_path / "mnist", num_train=5, num_test=4)
    images, labels = next(iter(load_dataset(str(tmp_path / "mnist"), "test", batch_size=8)))
    np.testing.assert_array_equal(images.numpy()[..., 0], arrays["test"][0])
    np.testing.assert_array_equal(labels.numpy(), arrays["test"][1])
    assert dataset_info(str(tmp_path / "mnist"))["splits"] == {"train": 5, "test": 4}
