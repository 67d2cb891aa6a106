"""The datasets `load_dataset` knows by name: `list_datasets()` and `dataset_info()`."""

from __future__ import annotations

import dataclasses
import os

from tfk_tokfrag.data.builders import _render
from tfk_tokfrag.data.digits import DIGITS_CLASS_NAMES

UCF101_DEFAULT_FRAMES = 16
UCF101_DEFAULT_SIZE = (64, 64)
MOVING_MNIST_SPLITS = {"train": "test[:80%]", "test": "test[80%:]"}
MOVING_MNIST_CLASS_NAMES = ("ordered", "shuffled")
CIFAR10_CLASS_NAMES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)


@dataclasses.dataclass(frozen=True)
class _Entry:
    name: str
    source: str  # "offline": generated locally by our builders; "tfds": user's data_dir
    inputs: dict  # input name -> (shape, dtype) with the default preprocessing
    label: str
    class_names: tuple[str, ...] | None  # None: read from the TFDS builder's features
    splits: dict
    description: str

    @property
    def modalities(self) -> tuple[str, ...]:
        return tuple(k for k in ("image", "text", "video") if k in self.inputs)


_ENTRIES = {
    e.name: e
    for e in (
        _Entry(
            "digits",
            "offline",
            {"image": ((8, 8, 1), "uint8")},
            "digit class",
            DIGITS_CLASS_NAMES,
            {"train": 1438, "test": 359},
            "scikit-learn's bundled 8x8 handwritten digits (no download).",
        ),
        _Entry(
            "moving_digits",
            "offline",
            {"video": ((None, _render.CANVAS, _render.CANVAS, 1), "uint8")},
            "direction of the linearly moving digit (E, NE, N, NW, W, SW, S, SE)",
            _render.DIRECTION_NAMES,
            {"train": 8000, "test": 1000},
            f"Moving-MNIST-style clips of the real digits, {_render.MIN_FRAMES}-"
            f"{_render.MAX_FRAMES} frames: a digit moving linearly at 1 px/frame among "
            f"{_render.NUM_DISTRACTORS} same-intensity digits bouncing at 2 px/frame along "
            "alike streaks; the label is only in the frame order (a mean-frame model: "
            "at most 1/6, chance 1/8). "
            "Batches are zero-padded in time; `return_lengths=True` adds the lengths.",
        ),
        _Entry(
            "digit_scenes",
            "offline",
            {
                "image": ((_render.SCENE_SIZE, _render.SCENE_SIZE, 1), "uint8"),
                "text": ((), "string"),
                "video": (
                    (_render.SCENE_FRAMES, _render.SCENE_SIZE, _render.SCENE_SIZE, 1),
                    "uint8",
                ),
            },
            "digit class",
            DIGITS_CLASS_NAMES,
            {"train": 4000, "test": 1000},
            "A noisy half-masked image, a caption naming the digit among 2 decoys "
            "(30% in Chinese) and a slit-occluded noisy clip of one digit class; each "
            "view alone is ambiguous, together they are not.",
        ),
        _Entry(
            "mnist",
            "tfds",
            {"image": ((28, 28, 1), "uint8")},
            "digit class",
            DIGITS_CLASS_NAMES,
            {"train": 60000, "test": 10000},
            "MNIST handwritten digits from TensorFlow Datasets.",
        ),
        _Entry(
            "cifar10",
            "tfds",
            {"image": ((32, 32, 3), "uint8")},
            "object class",
            CIFAR10_CLASS_NAMES,
            {"train": 50000, "test": 10000},
            "CIFAR-10 colour images from TensorFlow Datasets.",
        ),
        _Entry(
            "imdb_reviews",
            "tfds",
            {"text": ((), "string")},
            "review sentiment (the 'unsupervised' split has label -1)",
            ("neg", "pos"),
            {"train": 25000, "test": 25000, "unsupervised": 50000},
            "IMDB movie reviews (plain text) from TensorFlow Datasets.",
        ),
        _Entry(
            "ucf101",
            "tfds",
            {"video": ((UCF101_DEFAULT_FRAMES, *UCF101_DEFAULT_SIZE, 3), "uint8")},
            "action class",
            None,
            {"train": 9537, "test": 3783},
            f"UCF101 action clips (TFDS config ucf101_1_256, split 1): "
            f"{UCF101_DEFAULT_FRAMES} evenly spaced frames (num_frames) resized to "
            f"{UCF101_DEFAULT_SIZE[0]}x{UCF101_DEFAULT_SIZE[1]} (image_size); only the "
            "kept frames are decoded.",
        ),
        _Entry(
            "moving_mnist",
            "tfds",
            {"video": ((20, 64, 64, 1), "uint8")},
            "frame order: 0 'ordered' (as recorded) or 1 'shuffled' (frames randomly "
            "permuted); every other clip is shuffled",
            MOVING_MNIST_CLASS_NAMES,
            {"train": 8000, "test": 2000},
            "Moving MNIST from TensorFlow Datasets. TFDS has only an unlabelled 'test' "
            "split of 10,000 clips: our 'train' is its first 80%, our 'test' the rest. "
            "It has no labels, and bouncing motion is time-reversible (a reversed clip "
            "is an equally valid clip), so the label is order verification: is the clip "
            "in its recorded order or are its frames shuffled? The frame set is the "
            "same either way, so only the order tells.",
        ),
    )
}


def list_datasets() -> list[str]:
    """Names `load_dataset` accepts, offline builders first."""
    return sorted(_ENTRIES, key=lambda n: (_ENTRIES[n].source != "offline", n))


def get_entry(name: str) -> _Entry:
    """The registry entry of `name`; a `ValueError` listing the known names otherwise."""
    if name not in _ENTRIES:
        raise ValueError(
            f"Unknown dataset {name!r}. Known datasets: {', '.join(list_datasets())}; "
            "or pass the path of a folder (image, text or video files per class)."
        )
    return _ENTRIES[name]


def dataset_info(name_or_path: str | os.PathLike) -> dict:
    """What a dataset gives: class names, modalities, inputs, split sizes, description.

    Args:
        name_or_path: a name from `list_datasets()` or a folder accepted by
            `load_dataset` (then the folder is scanned; nothing is decoded).

    Returns:
        A dict with `name`, `source` (`"offline"`: generated locally, no download;
        `"tfds"`: read from the user's TFDS `data_dir`; `"folder"`), `modalities`,
        `inputs` (`{key: {"shape": ..., "dtype": ...}}` with the default
        preprocessing; `None` marks a variable size), `label`, `num_classes`,
        `class_names`, `splits` (`{split: num_examples}`) and `description`.
    """
    from tfk_tokfrag.data import folders

    if folders.looks_like_path(name_or_path):
        return folders.folder_info(name_or_path)
    entry = get_entry(name_or_path)
    class_names = entry.class_names
    if class_names is None:
        import tensorflow_datasets as tfds

        class_names = tuple(tfds.builder(entry.name).info.features["label"].names)
    return {
        "name": entry.name,
        "source": entry.source,
        "modalities": entry.modalities,
        "inputs": {
            k: {"shape": shape, "dtype": dtype} for k, (shape, dtype) in entry.inputs.items()
        },
        "label": entry.label,
        "num_classes": len(class_names),
        "class_names": class_names,
        "splits": dict(entry.splits),
        "description": entry.description,
    }
