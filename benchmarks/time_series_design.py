"""Chooses the signal_classifier design on validation data, never on a test split.

For each UCR set of the zoo, a stratified quarter of the official TRAIN split is held
out (seeded); every candidate design is trained with the zoo recipe on the other three
quarters and scored on that quarter. The table gives each candidate's validation
accuracy per set and its mean: the design the zoo entries use is the best mean, and
only then is it scored on TEST (by `python -m tfk_tokfrag.catalogue --only signal_*`
or `benchmarks/time_series.py`). Needs sktime for the .ts files (`pip install
tfk_tokfrag[bench]`). Run from the repository root:
`.venv/bin/python benchmarks/time_series_design.py [--candidates zoo frag32]`.

`--folds K --members N` asks another question with more validation data: stratified
K-fold cross-validation on TRAIN (every training series validated once), each fold
trained N times with seeds `seed`, `seed + 1`, ...; it prints the pooled accuracy of
the first model alone and of the N models' averaged class probabilities (a deep
ensemble), from the same trainings, and the first model's mean cross-entropy on the
series it did not see, after MiniRocket + ridge's accuracy on the same folds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from tfk_tokfrag.baselines import dataset_arrays  # noqa: E402
from tfk_tokfrag.baselines.time_series import minirocket_ridge  # noqa: E402
from tfk_tokfrag.data import stratified_split  # noqa: E402
from tfk_tokfrag.models import get_entry, get_model, list_models  # noqa: E402
from tfk_tokfrag.training import evaluate_model  # noqa: E402
from tfk_tokfrag.training.fit import fit_classifier  # noqa: E402

# name -> (model overrides, recipe overrides), applied on top of each zoo entry (whose
# config is the builder's defaults: series convolutions 64/128/64, 32-step fragments,
# one fragment convolution of 64, 9,996 MiniRocket features beside them).
_FRAGMENTS_ONLY = {"series_filters": (), "encoder_filters": (32, 64, 64),
                   "kernel_sizes": (7, 5, 3), "minirocket_features": 0}
_NO_ROCKET = {"minirocket_features": 0}
CANDIDATES = {
    "zoo": ({}, {}),
    "frag16": ({**_FRAGMENTS_ONLY, "fragment_length": 16, "fragment_stride": 8}, {}),
    "frag32": (_FRAGMENTS_ONLY, {}),  # the design before
    "frag64": ({**_FRAGMENTS_ONLY, "fragment_length": 64, "fragment_stride": 32}, {}),
    "wide": ({**_FRAGMENTS_ONLY, "series_filters": (), "encoder_filters": (64, 128, 128),
              "lstm_units": 128}, {}),
    "series_convs": ({**_NO_ROCKET, "encoder_filters": (32, 64, 64),
                      "kernel_sizes": (7, 5, 3)}, {}),
    # The design before MiniRocket's features joined (and its variants).
    "no_minirocket": (_NO_ROCKET, {}),
    "series_fcn": ({**_NO_ROCKET, "series_filters": (128, 256, 128)}, {}),
    "epochs400": (_NO_ROCKET, {"epochs": 400}),
    "zoo_frag64": ({**_NO_ROCKET, "fragment_length": 64, "fragment_stride": 32}, {}),
    "less_regularized": ({**_NO_ROCKET, "noise": 0.0, "dropout": 0.1}, {}),
    "lr3e-3": (_NO_ROCKET, {"learning_rate": 3e-3}),
    "batch32": (_NO_ROCKET, {"batch_size": 32}),
    "minirocket_dropout0.5": ({"minirocket_dropout": 0.5}, {}),  # the first joined design
    "ensemble": ({"minirocket_head": "ensemble"}, {}),
    # The joined design, averaged at inference with MiniRocket's own ridge classifier.
    "joined_ridge": ({"minirocket_head": "joined_ridge"}, {}),
    # The fragments' classifier alone, averaged with MiniRocket's ridge at inference.
    "ridge": ({"minirocket_head": "ridge"}, {}),
    # The recipe, shorter or with a real weight decay (AdamW's is decoupled: each step
    # shrinks the weights by weight_decay x learning rate, 1e-4 x 1e-3 by default).
    "epochs100": ({}, {"epochs": 100}),
    "epochs50": ({}, {"epochs": 50}),
    "wd1": ({}, {"weight_decay": 1.0}),
    # Half of the MiniRocket features on the series' first difference (MultiRocket's).
    "difference": ({"minirocket_difference": True}, {}),
}


def _trained(entry_name: str, model_overrides: dict, recipe_overrides: dict,
             x, y, fit, seed: int) -> keras.Model:
    """The entry's model (with the overrides) trained with its recipe on `fit`."""
    entry = get_entry(entry_name)
    recipe = {**entry.training, **recipe_overrides}
    keras.utils.set_random_seed(seed)
    model = get_model(entry_name, **model_overrides)
    train = (
        tf.data.Dataset.from_tensor_slices((x[fit], y[fit]))
        .shuffle(len(fit), seed=seed)
        .batch(recipe["batch_size"])
    )
    fit_classifier(model, train, epochs=recipe["epochs"], learning_rate=recipe["learning_rate"],
                   weight_decay=recipe["weight_decay"], verbose=0)
    return model


def validation_accuracy(entry_name: str, model_overrides: dict, recipe_overrides: dict,
                        seed: int = 42) -> float:
    x, y = dataset_arrays(get_entry(entry_name).dataset, "train")
    fit, held = stratified_split(y, 0.25, seed)
    model = _trained(entry_name, model_overrides, recipe_overrides, x, y, fit, seed)
    validation = tf.data.Dataset.from_tensor_slices((x[held], y[held])).batch(256)
    return evaluate_model(model, validation).value


def stratified_folds(labels: np.ndarray, folds: int, seed: int) -> list[np.ndarray]:
    """Sorted validation indices of `folds` folds: each class dealt round-robin, in a
    `default_rng(seed)` order, so every fold keeps the class proportions."""
    rng = np.random.default_rng(seed)
    assigned = np.empty(len(labels), int)
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        assigned[members] = (np.arange(len(members)) + rng.integers(folds)) % folds
    return [np.flatnonzero(assigned == k) for k in range(folds)]


def _fold_splits(labels: np.ndarray, folds: int, seed: int):
    """`(fit, held)` index arrays of each of `stratified_folds`' folds."""
    for held in stratified_folds(labels, folds, seed):
        yield np.setdiff1d(np.arange(len(labels)), held), held


def cross_validated(entry_name: str, model_overrides: dict, recipe_overrides: dict,
                    folds: int, members: int, seed: int = 42) -> tuple[float, float, float]:
    """Pooled K-fold accuracy of one model and of `members` models' mean probabilities,
    and the first model's mean held-out cross-entropy (finer than accuracy: it tells
    apart designs that get the same series right, by how sure they are of them)."""
    x, y = dataset_arrays(get_entry(entry_name).dataset, "train")
    single = ensemble = 0
    cross_entropy = 0.0
    for fit, held in _fold_splits(y, folds, seed):
        probabilities = []
        for member in range(members):
            model = _trained(entry_name, model_overrides, recipe_overrides, x, y, fit,
                             seed + member)
            logits = model.predict(x[held], batch_size=256, verbose=0)
            probabilities.append(keras.ops.convert_to_numpy(keras.ops.softmax(logits)))
        single += int(np.sum(probabilities[0].argmax(-1) == y[held]))
        ensemble += int(np.sum(np.mean(probabilities, 0).argmax(-1) == y[held]))
        chosen = probabilities[0][np.arange(len(held)), y[held]]
        cross_entropy -= float(np.sum(np.log(np.maximum(chosen, 1e-12))))
    return single / len(y), ensemble / len(y), cross_entropy / len(y)


def cross_validated_minirocket(entry_name: str, folds: int, seed: int = 42) -> float:
    """The same folds' pooled accuracy of MiniRocket + ridge (the anchor, seed 42)."""
    x, y = dataset_arrays(get_entry(entry_name).dataset, "train")
    correct = 0
    for fit, held in _fold_splits(y, folds, seed):
        predicted = minirocket_ridge((x[fit], y[fit]), (x[held], y[held]), seed=42)
        correct += int(np.sum(predicted == y[held]))
    return correct / len(y)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", nargs="*", default=list(CANDIDATES),
                        help="designs to train (none: with --folds, only the anchor)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--sets", nargs="+", default=None,
                        help="only these entries (e.g. signal_arrowhead signal_osuleaf)")
    parser.add_argument("--folds", type=int, default=0,
                        help="K-fold cross-validation on TRAIN instead of one held-out quarter")
    parser.add_argument("--members", type=int, default=1,
                        help="with --folds: models per fold, their probabilities averaged")
    args = parser.parse_args()
    entries = [name for name in list_models() if name.startswith("signal_")]
    if args.sets:
        entries = [name for name in entries if name in args.sets]
    if args.folds:
        print(f"| candidate | set | {args.folds}-fold accuracy, one model | "
              f"{args.members} models averaged | held-out cross-entropy, one model | seconds |"
              "\n|---|---|---|---|---|---|",
              flush=True)
        for name in entries:
            print(f"| MiniRocket + ridge (anchor) | {name.removeprefix('signal_')} | "
                  f"{cross_validated_minirocket(name, args.folds, args.seed):.4f} | | | |",
                  flush=True)
        for candidate in args.candidates:
            for name in entries:
                start = time.perf_counter()
                single, ensemble, cross_entropy = cross_validated(
                    name, *CANDIDATES[candidate], args.folds, args.members, args.seed)
                print(f"| {candidate} | {name.removeprefix('signal_')} | {single:.4f} | "
                      f"{ensemble:.4f} | {cross_entropy:.4f} | "
                      f"{time.perf_counter() - start:.0f} |", flush=True)
        return
    rows = {}
    for candidate in args.candidates:
        model_overrides, recipe_overrides = CANDIDATES[candidate]
        start = time.perf_counter()
        rows[candidate] = {
            name: validation_accuracy(name, model_overrides, recipe_overrides, args.seed)
            for name in entries
        }
        print(f"{candidate}: {rows[candidate]} ({time.perf_counter() - start:.0f} s)",
              flush=True)
    print()
    print("| candidate | " + " | ".join(e.removeprefix("signal_") for e in entries)
          + " | mean |")
    print("|---" * (len(entries) + 2) + "|")
    for candidate, accuracy in rows.items():
        values = [accuracy[e] for e in entries]
        print(f"| {candidate} | " + " | ".join(f"{v:.3f}" for v in values)
              + f" | **{statistics.mean(values):.3f}** |")


if __name__ == "__main__":
    main()
