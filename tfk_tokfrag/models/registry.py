"""The zoo registry: named model configs, `list_models()` and `get_model()`."""

from __future__ import annotations

import copy
import dataclasses
import difflib
import inspect
from collections.abc import Callable

import keras

from tfk_tokfrag.models.zoo_weights import load_zoo_weights


@dataclasses.dataclass(frozen=True)
class ZooEntry:
    """One named zoo model: a builder, its arguments, and how it is trained.

    Attributes:
        name: the entry's name, e.g. `"conv_net_digits"`.
        builder: the function that builds the functional model.
        config: keyword arguments for `builder`.
        dataset: the dataset it is trained on (a `tfk_tokfrag.data` name).
        task: a short description of the task, for the catalogue.
        training: the recipe: `epochs`, `batch_size`, `learning_rate`,
            `weight_decay`, `validation_freq` (evaluate the test split every this
            many epochs during training).
        description: one paragraph for the model card.
        anchors: names of `tfk_tokfrag.baselines` the catalogue measures in the same
            run and prints on the card: what a user would otherwise pick.
    """

    name: str
    builder: Callable[..., keras.Model]
    config: dict
    dataset: str
    task: str
    training: dict
    description: str = ""
    anchors: tuple[str, ...] = ()


_REGISTRY: dict[str, ZooEntry] = {}

DEFAULT_TRAINING = {
    "epochs": 10,
    "batch_size": 32,
    "learning_rate": 1e-3,
    "weight_decay": 1e-4,
    "validation_freq": 1,
}


def register_model(
    name: str,
    builder: Callable[..., keras.Model],
    config: dict,
    *,
    dataset: str,
    task: str,
    training: dict | None = None,
    description: str = "",
    anchors: tuple[str, ...] = (),
) -> ZooEntry:
    """Adds a named entry to the zoo. Names are unique."""
    if name in _REGISTRY:
        raise ValueError(f"A zoo entry named {name!r} is already registered.")
    unknown = set(training or {}) - set(DEFAULT_TRAINING)
    if unknown:
        raise ValueError(
            f"Unknown training keys {sorted(unknown)} for {name!r}; "
            f"known: {sorted(DEFAULT_TRAINING)}."
        )
    entry = ZooEntry(
        name=name,
        builder=builder,
        config=dict(config),
        dataset=dataset,
        task=task,
        training={**DEFAULT_TRAINING, **(training or {})},
        description=description,
        anchors=tuple(anchors),
    )
    _REGISTRY[name] = entry
    return entry


def list_models() -> list[str]:
    """The names of the zoo entries, sorted."""
    return sorted(_REGISTRY)


def get_entry(name: str) -> ZooEntry:
    """The `ZooEntry` registered under `name`."""
    if name not in _REGISTRY:
        raise ValueError(
            f"Unknown model {name!r}. Known models: {', '.join(list_models())}."
        )
    return _REGISTRY[name]


def _check_overrides(entry: ZooEntry, overrides: dict) -> None:
    """Names an override that is not an argument of the entry's builder."""
    parameters = inspect.signature(entry.builder).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return
    for key in overrides:
        if key not in parameters:
            close = difflib.get_close_matches(key, parameters, n=1)
            hint = f"Did you mean {close[0]!r}? " if close else ""
            raise ValueError(
                f"Unknown argument {key!r} for the zoo entry {entry.name!r} "
                f"({entry.builder.__name__}). {hint}Valid arguments: "
                f"{', '.join(parameters)}."
            )


def get_model(name: str, weights: str | None = None, **overrides) -> keras.Model:
    """Builds the zoo entry `name`, with any builder argument overridden.

    Args:
        name: a zoo entry (`list_models()`).
        weights: `None` for a fresh model; `"zoo"` for the trained weights (and
            tokenizer vocabularies) that ship in `models/NAME/`, read offline; or the
            path of a `.weights.h5` file saved from the same configuration.
        **overrides: builder arguments replacing the entry's (with weights, only
            those that leave the variables' shapes alone, e.g. `dropout`).

    Example:

    >>> from tfk_tokfrag.models import get_model
    >>> get_model("conv_net_digits", dropout=0.0).output_shape
    (None, 10)
    """
    entry = get_entry(name)
    if weights is not None and not (
        weights == "zoo" or (isinstance(weights, str) and weights.endswith(".weights.h5"))
    ):
        raise ValueError(
            "weights must be None, 'zoo' or the path of a .weights.h5 file. "
            f"Received: weights={weights!r}"
        )
    _check_overrides(entry, overrides)
    config = copy.deepcopy(entry.config)
    config.update(overrides)
    config.setdefault("name", name)
    model = entry.builder(**config)
    if weights == "zoo":
        load_zoo_weights(model, name)
    elif weights is not None:
        model.load_weights(weights)
    return model
