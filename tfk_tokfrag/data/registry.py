"""The datasets `load_dataset` knows by name: `register_dataset()`, `list_datasets()`.

A named dataset is a `DatasetEntry`: what it holds (inputs, label, class names, split
sizes, a description), where it comes from (`"offline"`: generated locally by a builder
of `tfk_tokfrag.data.builders`; `"tfds"`: read from the user's TFDS `data_dir`), and the
function that turns its TFDS examples into `(inputs, label)`. The built-in datasets are
registered in `tfk_tokfrag.data.tfds_sources`, each next to that function, as the zoo's
models are registered with `tfk_tokfrag.models.register_model`.

`dataset_info(name_or_path)` describes a registered dataset or a folder.
"""

from __future__ import annotations

import dataclasses
import os
import warnings
from collections.abc import Callable, Mapping, Sequence

import tensorflow as tf
import tensorflow_datasets as tfds

from tfk_tokfrag import _validation
from tfk_tokfrag.data import folders
from tfk_tokfrag.data.digits import DEFAULT_SEED

SOURCES = ("offline", "tfds", "files")
MODALITIES = ("image", "text", "video", "series")


@dataclasses.dataclass(frozen=True)
class ExampleOptions:
    """The preprocessing `load_dataset` asks of a dataset's `examples` function.

    Attributes:
        image_size: `(height, width)` to resize images and frames to; `None`: the
            dataset's own size.
        num_frames: evenly spaced frames to keep per clip; `None`: all of them (or
            the dataset's default).
        return_lengths: variable-length clips: the inputs become
            `{"video", "length"}`, `length` the int32 number of frames.
        seed: seeds any random preprocessing (e.g. `moving_mnist`'s permutations).
    """

    image_size: tuple[int, int] | None = None
    num_frames: int | None = None
    return_lengths: bool = False
    seed: int = DEFAULT_SEED


@dataclasses.dataclass(frozen=True)
class DatasetEntry:
    """One named dataset: what it holds, where it comes from, how it is read.

    Attributes:
        name: the name `load_dataset` takes.
        examples: `examples(builder, split, options)` returns the unbatched
            `(inputs, label)` `tf.data.Dataset` of `split` (a TFDS split string),
            read from the prepared TFDS `builder` and preprocessed as `options` (an
            `ExampleOptions`) asks. Images and videos stay uint8, labels are int64.
        source: `"offline"`: generated locally by a builder of
            `tfk_tokfrag.data.builders`, never downloaded; `"tfds"`: read from the
            user's TFDS `data_dir`; `"files"`: read from local files by `examples`
            itself (its `builder` is `None`; e.g. `tfk_tokfrag.data.ucr`).
        inputs: `{input name: (shape, dtype)}` with the default preprocessing; `None`
            in a shape marks a variable size.
        label: what the label means.
        class_names: the name of each class; `None`: read from the TFDS builder's
            `label` feature.
        splits: `{split: number of examples}`.
        description: one paragraph for `dataset_info` and the command line's `list`.
        tfds_name: the TFDS builder that holds the data.
    """

    name: str
    examples: Callable[..., tf.data.Dataset]
    source: str
    inputs: dict
    label: str
    class_names: tuple[str, ...] | None
    splits: dict
    description: str
    tfds_name: str

    @property
    def modalities(self) -> tuple[str, ...]:
        """The kinds of inputs, among `"image"`, `"text"` and `"video"`."""
        return tuple(k for k in MODALITIES if k in self.inputs)


_REGISTRY: dict[str, DatasetEntry] = {}


def register_dataset(
    name: str,
    examples: Callable[..., tf.data.Dataset],
    *,
    source: str,
    inputs: Mapping[str, tuple[Sequence[int | None], str]],
    label: str,
    class_names: Sequence[str] | None,
    splits: Mapping[str, int],
    description: str = "",
    tfds_name: str | None = None,
) -> DatasetEntry:
    """Adds a named dataset to `list_datasets()`. Names are unique.

    Args:
        name: the name `load_dataset` will take; it must not read as a path (no
            `/`, not starting with `.` or `~`).
        examples: `examples(builder, split, options)`, see `DatasetEntry.examples`.
        source: `"offline"` (a builder of this package, generated on first use),
            `"tfds"` (prepared by the user; downloaded only on `download=True`) or
            `"files"` (local files `examples` reads itself, given `builder=None`).
        inputs: `{input name: (shape, dtype)}` with the default preprocessing.
        label: what the label means.
        class_names: the name of each class; `None`: those of the TFDS builder's
            `label` feature.
        splits: `{split: number of examples}`.
        description: one paragraph for `dataset_info`.
        tfds_name: the TFDS builder to read (e.g. `"ucf101/ucf101_1_256"`); default:
            `name`.

    Returns:
        The `DatasetEntry`.
    """
    if (
        not isinstance(name, str)
        or not name
        or "/" in name
        or os.sep in name
        or name.startswith(("~", "."))
    ):
        raise ValueError(
            "A dataset name must be a non-empty string that does not read as a path "
            f"(no '/', not starting with '.' or '~'). Received: name={name!r}"
        )
    if name in _REGISTRY:
        raise ValueError(f"A dataset named {name!r} is already registered.")
    if not callable(examples):
        raise ValueError(
            "examples must be a function (builder, split, options) -> tf.data.Dataset. "
            f"Received: examples={examples!r}"
        )
    _validation.choice("source", source, SOURCES)
    if not inputs:
        raise ValueError(f"inputs must name at least one input. Received: inputs={inputs!r}")
    entry = DatasetEntry(
        name=name,
        examples=examples,
        source=source,
        inputs={key: (tuple(shape), str(dtype)) for key, (shape, dtype) in inputs.items()},
        label=label,
        class_names=None if class_names is None else tuple(class_names),
        splits={
            str(split): _validation.non_negative_int(f"splits[{split!r}]", size)
            for split, size in splits.items()
        },
        description=description,
        tfds_name=tfds_name or name,
    )
    _REGISTRY[name] = entry
    return entry


def list_datasets() -> list[str]:
    """Names `load_dataset` accepts, offline builders first."""
    return sorted(_REGISTRY, key=lambda n: (_REGISTRY[n].source != "offline", n))


def get_dataset_entry(name: str) -> DatasetEntry:
    """The `DatasetEntry` registered under `name`.

    Raises:
        ValueError: `name` is not registered (the message lists the known names).

    Example:

    >>> entry = get_dataset_entry("digits")
    >>> entry.source, entry.modalities, entry.splits
    ('offline', ('image',), {'train': 1438, 'test': 359})
    """
    if name not in _REGISTRY:
        raise ValueError(
            f"Unknown dataset {name!r}. Known datasets: {', '.join(list_datasets())}; "
            "or pass the path of a folder (image, text or video files per class)."
        )
    return _REGISTRY[name]


def get_entry(name: str) -> DatasetEntry:
    """Deprecated alias of `get_dataset_entry` (`tfk_tokfrag.models.get_entry` is the
    zoo's)."""
    warnings.warn(
        "tfk_tokfrag.data.registry.get_entry is deprecated; use get_dataset_entry.",
        DeprecationWarning,
        stacklevel=2,
    )
    return get_dataset_entry(name)


def is_folder(name_or_path: str | os.PathLike) -> bool:
    """Whether `load_dataset` and `dataset_info` read `name_or_path` as a folder.

    A registered name is a name, even if a folder of that name exists; anything else
    that `folders.looks_like_path` is a folder.
    """
    registered = isinstance(name_or_path, str) and name_or_path in _REGISTRY
    return not registered and folders.looks_like_path(name_or_path)


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
    if is_folder(name_or_path):
        return folders.folder_info(name_or_path)
    entry = get_dataset_entry(name_or_path)
    class_names = entry.class_names
    if class_names is None:
        class_names = tuple(tfds.builder(entry.tfds_name).info.features["label"].names)
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
