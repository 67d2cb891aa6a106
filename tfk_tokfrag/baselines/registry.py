"""The anchors the zoo is measured against: `register_baseline()`, `run_baseline()`.

A baseline is what a practitioner would otherwise pick for a dataset (TF-IDF + a linear
SVM for text, 1-NN DTW or MiniRocket for time series, the classic Keras ConvNet for
images). The catalogue runs an entry's baselines in the same run as the entry
(`ZooEntry.anchors`), so every card compares figures measured on the same machine, the
same split and the same day; `benchmarks/` prints the same figures in tables.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

import numpy as np
import tensorflow as tf

from tfk_tokfrag.data import dataset_info, load_dataset


@dataclasses.dataclass(frozen=True)
class Baseline:
    """One named anchor.

    Attributes:
        name: the name entries list in `anchors`.
        fit_predict: `fit_predict(train, test, *, seed, epochs)` -> predicted test
            labels, where `train` and `test` are `(inputs, labels)` NumPy pairs as
            `dataset_arrays` returns them and `epochs` is the zoo entry's epoch
            budget (for baselines trained by epochs; others ignore it). `None` for a
            published figure.
        description: what it is, one line for the cards (with its reference).
        published: a figure quoted from the literature instead of measured
            (`{dataset: accuracy}`), stated as such on the cards.
    """

    name: str
    fit_predict: Callable | None
    description: str
    published: dict | None = None


@dataclasses.dataclass(frozen=True)
class BaselineResult:
    """What one baseline scored on one dataset's test split."""

    name: str
    dataset: str
    test_accuracy: float
    train_seconds: float | None  # fit + predict; None for a published figure
    description: str
    published: bool = False
    # Per test example (in `dataset_arrays` order): was the prediction the label? For
    # paired comparisons with a model scored on the same split; None for a published
    # figure. Not part of `to_json` (the cards keep the counts, not the examples).
    correct: np.ndarray | None = dataclasses.field(default=None, repr=False, compare=False)

    def to_json(self) -> dict:
        figures = dataclasses.asdict(self)
        del figures["correct"]
        return figures


_REGISTRY: dict[str, Baseline] = {}


def register_baseline(name: str, fit_predict: Callable | None, *, description: str,
                      published: dict | None = None) -> Baseline:
    """Adds a named baseline. Names are unique; give `fit_predict` or `published`."""
    if name in _REGISTRY:
        raise ValueError(f"A baseline named {name!r} is already registered.")
    if (fit_predict is None) == (published is None):
        raise ValueError(f"Baseline {name!r}: give exactly one of fit_predict and published.")
    baseline = Baseline(name, fit_predict, description, published)
    _REGISTRY[name] = baseline
    return baseline


def list_baselines() -> list[str]:
    """The names of the registered baselines, sorted."""
    return sorted(_REGISTRY)


def get_baseline(name: str) -> Baseline:
    """The `Baseline` registered under `name`."""
    if name not in _REGISTRY:
        raise ValueError(
            f"Unknown baseline {name!r}. Known baselines: {', '.join(list_baselines())}."
        )
    return _REGISTRY[name]


def _to_numpy(value):
    if isinstance(value, dict):
        return {k: _to_numpy(v) for k, v in value.items()}
    if isinstance(value, tf.RaggedTensor):
        return [row.numpy() for row in value]
    return value.numpy()


def dataset_arrays(dataset: str, split: str, **load_kwargs) -> tuple:
    """`(inputs, labels)` of a whole split as NumPy (one batch; strings stay bytes).

    `dataset`: a registered name or a folder, as `load_dataset` takes it.

    Read through `load_dataset`, so a baseline sees exactly the examples the zoo's
    models see. Clips or series of different lengths come back zero-padded to the
    longest, as the models get them; pass `return_lengths=True` for their lengths.
    """
    # One batch of exactly the split's size: a larger batch_size would make tf.data
    # allocate buffers for it when a map is fused into the batch.
    size = dataset_info(dataset)["splits"][split]
    data = load_dataset(dataset, split, batch_size=max(size, 1), shuffle=False,
                        cache=False, **load_kwargs)
    inputs, labels = [], []
    for x, y in data:
        inputs.append(_to_numpy(x))
        labels.append(y.numpy())
    if len(inputs) != 1:
        raise ValueError(f"{dataset!r} split {split!r} did not come as one batch.")
    return inputs[0], np.asarray(labels[0])


def run_baseline(name: str, dataset: str, seed: int = 42,
                 epochs: int | None = None) -> BaselineResult:
    """Fits baseline `name` on `dataset`'s train split and scores it on its test split.

    `epochs`: the budget of the zoo entry it anchors, for baselines trained by epochs.
    """
    baseline = get_baseline(name)
    if baseline.published is not None:
        if dataset not in baseline.published:
            raise ValueError(f"Baseline {name!r} has no published figure for {dataset!r}.")
        return BaselineResult(name, dataset, baseline.published[dataset], None,
                              baseline.description, published=True)
    train = dataset_arrays(dataset, "train")
    test = dataset_arrays(dataset, "test")
    start = time.perf_counter()
    predicted = np.asarray(baseline.fit_predict(train, test, seed=seed, epochs=epochs))
    seconds = time.perf_counter() - start
    correct = predicted == test[1]
    return BaselineResult(name, dataset, round(float(np.mean(correct)), 4), round(seconds, 2),
                          baseline.description, correct=correct)
