"""Test-time flip averaging on the shipped Fashion-MNIST entry: the same weights served
with and without it, on the official 10,000 test images.

    python benchmarks/fashion_tta.py

Loads `conv_net_fashion_mnist`'s zoo weights (models/conv_net_fashion_mnist/, trained by
`python -m tfk_tokfrag.catalogue --only conv_net_fashion_mnist`) twice: as the entry is,
and with `test_time_flip=True` (each image's logits averaged with its mirror image's,
inside the model). Both are exported as SavedModels and scored through their `serve`
endpoint with plain TensorFlow, as a server would; the Keras model's own score and the
inference time per image are printed beside. Needs Fashion-MNIST
(`apt-get install dataset-fashion-mnist`).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _timing  # noqa: E402

from tfk_tokfrag.data import load_dataset  # noqa: E402
from tfk_tokfrag.export import evaluate_saved_model, export_saved_model  # noqa: E402
from tfk_tokfrag.models import get_model  # noqa: E402
from tfk_tokfrag.training import evaluate_model  # noqa: E402

NAME = "conv_net_fashion_mnist"


def main() -> None:
    print(f"machine: {_timing.machine_line()}")
    test = load_dataset("fashion_mnist", "test", 500, shuffle=False)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for flip in (False, True):
            model = get_model(NAME, weights="zoo", test_time_flip=flip)
            start = time.perf_counter()
            keras_accuracy = evaluate_model(model, test)
            seconds = time.perf_counter() - start
            path = os.path.join(folder, f"flip{int(flip)}")
            export_saved_model(model, path)
            served = evaluate_saved_model(path, test)
            rows.append((flip, keras_accuracy, served, 1e6 * seconds / served.total))
    print(f"{NAME}, zoo weights, Fashion-MNIST official test split")
    print("| test_time_flip | Keras model | served SavedModel | inference us/image |")
    print("|---|---|---|---|")
    for flip, keras_accuracy, served, us in rows:
        print(f"| {flip} | {keras_accuracy.value:.4f} | {served.value:.4f} "
              f"({served.correct}/{served.total}) | {us:.0f} |")


if __name__ == "__main__":
    main()
