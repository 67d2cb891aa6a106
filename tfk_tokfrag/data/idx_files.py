"""MNIST-style IDX files: `read_idx`, folders of them, and Fashion-MNIST offline.

The IDX format (LeCun's MNIST files): a 4-byte magic number `0x00 0x00 <type> <ndim>`,
`ndim` big-endian uint32 dimensions, then the values, big-endian, row-major. Types:
`0x08` uint8, `0x09` int8, `0x0B` int16, `0x0C` int32, `0x0D` float32, `0x0E`
float64. Files may be gzip-compressed (`.gz`, recognised by their content).

A folder of IDX files holds, per split, one images file `(N, H, W)` and one labels
file `(N,)`, named as MNIST and Fashion-MNIST name them:

    train-images-idx3-ubyte[.gz]   train-labels-idx1-ubyte[.gz]    split "train"
    t10k-images-idx3-ubyte[.gz]    t10k-labels-idx1-ubyte[.gz]     split "test"

(a `.` for the last `-`, as in `train-images.idx3-ubyte`, and a prefix, as in EMNIST's
`emnist-digits-train-images-idx3-ubyte.gz`, are accepted too).

Debian's package `dataset-fashion-mnist` installs Fashion-MNIST in this form in
`/usr/share/datasets/fashion-mnist/` (the four `.gz` files above);
`fashion_mnist_examples` reads it from there, else from a prepared TFDS copy.
"""

from __future__ import annotations

import gzip
import os
import re
import types
import zlib
from collections.abc import Sequence

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from tfk_tokfrag.data import _ops

FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"
FASHION_MNIST_CLASS_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
FASHION_MNIST_SPLITS = {"train": 60000, "test": 10000}
IDX_SPLITS = {"train": ("train",), "test": ("t10k", "test")}  # file name prefixes
IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def _open(path: str):
    with open(path, "rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gzipped else open(path, "rb")


def _read_header(path: str, f) -> tuple[np.dtype, tuple[int, ...]]:
    magic = f.read(4)
    if len(magic) < 4 or magic[:2] != b"\x00\x00" or magic[2] not in IDX_DTYPES:
        raise ValueError(
            f"{path} is not an IDX file: its magic number is {magic.hex() or 'missing'}, "
            "expected 0000 then a type code (08, 09, 0b, 0c, 0d, 0e) and the rank."
        )
    ndim = magic[3]
    raw = f.read(4 * ndim)
    if len(raw) < 4 * ndim:
        raise ValueError(f"{path} is truncated: its header states {ndim} dimensions.")
    return np.dtype(IDX_DTYPES[magic[2]]), tuple(int(d) for d in np.frombuffer(raw, ">u4"))


def idx_shape(path: str | os.PathLike) -> tuple[int, ...]:
    """The shape an IDX file's header states (only the header is read)."""
    path = os.fspath(path)
    try:
        with _open(path) as f:
            return _read_header(path, f)[1]
    except (EOFError, OSError, zlib.error) as error:
        raise ValueError(f"{path} cannot be read as an IDX file: {error}") from error


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """The array in an IDX file, plain or gzip-compressed, in native byte order.

    Raises:
        ValueError: naming the file: a bad magic number, a truncated file (or gzip
            stream), or more data than the header's dimensions hold.
    """
    path = os.fspath(path)
    try:
        with _open(path) as f:
            dtype, shape = _read_header(path, f)
            data = f.read()
    except (EOFError, OSError, zlib.error) as error:
        raise ValueError(f"{path} cannot be read as an IDX file: {error}") from error
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) != expected:
        what = "is truncated" if len(data) < expected else "has data past its end"
        raise ValueError(
            f"{path} {what}: its header states shape {shape} of {dtype.name} "
            f"({expected} bytes), the file holds {len(data)} bytes of values."
        )
    return np.frombuffer(data, dtype).reshape(shape).astype(dtype.newbyteorder("="))


def _find(folder: str, prefix: str, kind: str, rank: int) -> str | None:
    pattern = re.compile(rf"(?:.*[-_.])?{prefix}-{kind}[-.]idx{rank}-ubyte(?:\.gz)?")
    found = sorted(f for f in os.listdir(folder) if pattern.fullmatch(f))
    if len(found) > 1:
        raise ValueError(f"Several {prefix} {kind} files in {folder}: {found}; keep one.")
    return os.path.join(folder, found[0]) if found else None


def idx_split_files(folder: str | os.PathLike, split: str) -> tuple[str, str]:
    """`(images file, labels file)` of `split` (`"train"` or `"test"`) in an IDX folder."""
    folder = os.path.expanduser(os.fspath(folder))
    if split not in IDX_SPLITS:
        raise ValueError(
            f"An IDX folder has the splits {tuple(IDX_SPLITS)}. Received: split={split!r}"
        )
    for prefix in IDX_SPLITS[split]:
        images = _find(folder, prefix, "images", 3)
        labels = _find(folder, prefix, "labels", 1)
        if images and labels:
            return images, labels
        if images or labels:
            raise ValueError(
                f"{images or labels} has no {'labels' if images else 'images'} file beside it "
                f"in {folder} (expected {prefix}-{'labels-idx1' if images else 'images-idx3'}"
                "-ubyte[.gz])."
            )
    expected = f"{IDX_SPLITS[split][0]}-images-idx3-ubyte[.gz]"
    raise FileNotFoundError(f"No IDX files for split {split!r} in {folder}: expected {expected}.")


def is_idx_folder(folder: str | os.PathLike) -> bool:
    """Whether `folder` holds an MNIST-style images file (of any split)."""
    folder = os.path.expanduser(os.fspath(folder))
    pattern = re.compile(r".*images[-.]idx3-ubyte(?:\.gz)?")
    return os.path.isdir(folder) and any(pattern.fullmatch(f) for f in os.listdir(folder))


def read_idx_split(folder: str | os.PathLike, split: str) -> tuple[np.ndarray, np.ndarray]:
    """`(images uint8 (N, H, W, 1), labels int64 (N,))` of a split of an IDX folder.

    Raises:
        ValueError: naming the files: images that are not uint8 `(N, H, W)`, labels
            that are not `(N,)` integers, or counts that differ.
    """
    images_path, labels_path = idx_split_files(folder, split)
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise ValueError(
            f"{images_path} must hold uint8 images (N, H, W); it holds {images.dtype.name} "
            f"of shape {images.shape}."
        )
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise ValueError(f"{labels_path} must hold integer labels (N,); it holds {labels.shape}.")
    if len(images) != len(labels):
        raise ValueError(
            f"{images_path} holds {len(images)} images but {labels_path} holds "
            f"{len(labels)} labels."
        )
    return images[..., None], labels.astype(np.int64)


def idx_folder(
    folder: str | os.PathLike,
    split: str = "train",
    *,
    image_size: int | Sequence[int] | None = None,
    class_names: Sequence[str] | None = None,
) -> tuple[tf.data.Dataset, list[str]]:
    """Unbatched `(image uint8 (H, W, 1), label int64)` of a split of an IDX folder.

    The split's arrays are read into memory (all of MNIST's training images are
    47 MB) and sliced by `tf.data`.

    Args:
        folder: the folder holding the IDX files (see the module docstring).
        split: `"train"` or `"test"` (`t10k-*` files).
        image_size: `(height, width)` (or an int) to resize the images to.
        class_names: the name of each label; default `"0"`, `"1"`, ... up to the
            largest label of the split.

    Returns:
        `(dataset, class_names)`.
    """
    images, labels = read_idx_split(folder, split)
    if class_names is None:
        class_names = [str(i) for i in range(int(labels.max(initial=-1)) + 1)]
    elif len(labels) and labels.max() >= len(class_names):
        raise ValueError(
            f"The {split} labels of {os.fspath(folder)} go up to {labels.max()}, but "
            f"{len(class_names)} class_names were given."
        )
    ds = tf.data.Dataset.from_tensor_slices((images, labels))
    size = _ops.as_size(image_size)
    if size is not None:
        ds = ds.map(
            lambda image, label: (_ops.resize_uint8(image, size), label),
            num_parallel_calls=tf.data.AUTOTUNE,
            deterministic=True,
        )
    return ds, list(class_names)


def _read_instructions(split: str, sizes: dict[str, int]):
    """A TFDS split string (`"train[:10%]+test"`) as `(split, start, stop)` triples."""
    infos = {name: types.SimpleNamespace(num_examples=n) for name, n in sizes.items()}
    return [
        (i.splitname, i.from_, i.to)
        for i in tfds.core.ReadInstruction.from_spec(split).to_absolute(infos)
    ]


def _fashion_mnist_from_idx(folder: str, split: str) -> tf.data.Dataset:
    sizes = {name: idx_shape(idx_split_files(folder, name)[1])[0] for name in IDX_SPLITS}
    parts = []
    for name, start, stop in _read_instructions(split, sizes):
        images, labels = read_idx_split(folder, name)
        parts.append(tf.data.Dataset.from_tensor_slices((images[start:stop], labels[start:stop])))
    ds = parts[0]
    for part in parts[1:]:
        ds = ds.concatenate(part)
    return ds


def fashion_mnist_examples(
    split: str = "train",
    data_dir: str | os.PathLike | None = None,
    *,
    image_size: int | Sequence[int] | None = None,
) -> tf.data.Dataset:
    """Unbatched `(image uint8 (28, 28, 1), label int64)` of Fashion-MNIST, offline.

    Read from Debian's `dataset-fashion-mnist` IDX files in `FASHION_MNIST_DIR` when
    they are there, else from TFDS's prepared `fashion_mnist` in `data_dir`. Nothing
    is downloaded. Both give the same examples in the same order (Zalando's files).
    Labels index `FASHION_MNIST_CLASS_NAMES`.

    Args:
        split: `"train"` (60,000 images) or `"test"` (10,000), or a TFDS split
            string such as `"train[:10%]"`.
        data_dir: the TFDS data folder; default `$TFK_TOKFRAG_DATA_DIR`, else TFDS's.
        image_size: `(height, width)` (or an int) to resize the images to.

    Raises:
        FileNotFoundError: neither copy is on this machine; the message says how to
            get one.
    """
    size = _ops.as_size(image_size)
    if is_idx_folder(FASHION_MNIST_DIR):
        ds = _fashion_mnist_from_idx(FASHION_MNIST_DIR, split)
    else:
        builder = tfds.builder("fashion_mnist", data_dir=_ops.default_data_dir(data_dir))
        if not builder.is_prepared():
            raise FileNotFoundError(
                "Fashion-MNIST is not on this machine: neither Debian's IDX files in "
                f"{FASHION_MNIST_DIR} nor TFDS's prepared 'fashion_mnist' in "
                f"{builder.data_dir_root}. Install the files with `sudo apt-get install "
                "dataset-fashion-mnist`, or prepare the TFDS copy where there is network "
                "(`tfds.builder('fashion_mnist', data_dir=...).download_and_prepare()`) "
                f"and point data_dir (or ${_ops.DATA_DIR_ENV}) at it."
            )
        ds = _ops.read_split(builder, split).map(
            lambda ex: (ex["image"], ex["label"]), num_parallel_calls=tf.data.AUTOTUNE
        )
    if size is not None:
        ds = ds.map(
            lambda image, label: (_ops.resize_uint8(image, size), label),
            num_parallel_calls=tf.data.AUTOTUNE,
            deterministic=True,
        )
    return ds


def idx_info(folder: str | os.PathLike, class_names: Sequence[str] | None = None) -> dict:
    """`dataset_info` for an IDX folder: inputs, class names, split sizes (headers only)."""
    folder = os.path.expanduser(os.fspath(folder))
    sizes, shape = {}, None
    for split in IDX_SPLITS:
        try:
            images_path, labels_path = idx_split_files(folder, split)
        except FileNotFoundError:
            continue
        shape = shape or idx_shape(images_path)[1:]
        sizes[split] = idx_shape(labels_path)[0]
    if shape is None:
        raise FileNotFoundError(f"No IDX images and labels files in {folder}.")
    if class_names is None:
        labels = read_idx(idx_split_files(folder, next(iter(sizes)))[1]).astype(np.int64)
        class_names = [str(i) for i in range(int(labels.max(initial=-1)) + 1)]
    return {
        "name": folder,
        "source": "folder",
        "modalities": ("image",),
        "inputs": {"image": {"shape": (*shape, 1), "dtype": "uint8"}},
        "label": "class index",
        "num_classes": len(class_names),
        "class_names": tuple(class_names),
        "splits": sizes,
        "description": f"MNIST-style IDX images and labels in {folder}.",
    }
