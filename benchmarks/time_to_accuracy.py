"""Time to accuracy of the image recipes on a user's folder of small grey images.

The case users reported: a folder of 4,000 small (20x20) grey images, trained with
`tfk-tokfrag train conv_net_digits --set input_shape=[20,20,1]`. The folder is made
from real images: the first 4,000 Fashion-MNIST training images (Debian's
`dataset-fashion-mnist`), resized to 20x20 and written as PNG files under
`root/{train,test}/<class>/` (3,200 / 800). Both recipes train `conv_net_digits`'
architecture on it through `train_model` (the CLI's code, reading the PNG folder),
and after every epoch the elapsed training time and the test accuracy are recorded
(airbench's time-to-accuracy); an RBF SVC on the same pixels is the anchor. Run from
the repository root: `.venv/bin/python benchmarks/time_to_accuracy.py`.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from tfk_tokfrag.baselines import dataset_arrays, get_baseline  # noqa: E402
from tfk_tokfrag.data import load_dataset  # noqa: E402
from tfk_tokfrag.models import get_entry  # noqa: E402
from tfk_tokfrag.training import train_model  # noqa: E402

NAME = "conv_net_digits"
SIZE, COUNT, TRAIN = 20, 4000, 3200
# The recipe conv_net_digits had until 2026-12 (as in benchmarks/demo_recipe.py).
OLD = ({"epochs": 60, "batch_size": 32, "learning_rate": 1e-3, "weight_decay": 1e-4},
       {"batch_norm_momentum": 0.99})


class _EpochClock(keras.callbacks.Callback):
    """(training seconds so far, test accuracy) after every epoch; the time spent
    validating is left out."""

    def __init__(self):
        super().__init__()
        self.points, self._elapsed, self._start = [], 0.0, None

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self._last = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self._elapsed += self._last - self._start
        self.points.append((self._elapsed, float(logs["val_accuracy"])))


def write_folder(root: str) -> None:
    images, labels = next(iter(load_dataset("fashion_mnist", "train", batch_size=COUNT,
                                            shuffle=False)))
    images = tf.image.resize(tf.cast(images, tf.float32), (SIZE, SIZE), antialias=True)
    images = tf.cast(tf.clip_by_value(tf.round(images), 0, 255), tf.uint8).numpy()
    for i, (image, label) in enumerate(zip(images, labels.numpy(), strict=True)):
        folder = os.path.join(root, "train" if i < TRAIN else "test", str(label))
        os.makedirs(folder, exist_ok=True)
        tf.io.write_file(os.path.join(folder, f"{i:05d}.png"), tf.io.encode_png(image))


def _time_to(points, level):
    return next((f"{seconds:.0f} s" for seconds, accuracy in points if accuracy >= level), "-")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    new = ({k: get_entry(NAME).training[k] for k in OLD[0]}, {})
    # The new settings run as long as the old recipe: their accuracy per second.
    new_long = ({**new[0], "epochs": OLD[0]["epochs"]}, {})
    with tempfile.TemporaryDirectory() as root:
        write_folder(root)
        curves = {}
        for label, (recipe, overrides) in (("old", OLD), ("new", new), ("new, longer", new_long)):
            clock = _EpochClock()
            result = train_model(NAME, dataset=root, seed=args.seed, verbose=0,
                                 overrides={"input_shape": (SIZE, SIZE, 1), **overrides},
                                 callbacks=[clock], **recipe)
            curves[label] = (recipe, clock.points, result.test_accuracy)
            print(f"{label}: {result.test_accuracy:.4f} after {clock.points[-1][0]:.0f} s "
                  f"of training", flush=True)
        train, test = dataset_arrays(root, "train"), dataset_arrays(root, "test")
        start = time.perf_counter()
        predicted = get_baseline("rbf_svc").fit_predict(train, test, seed=args.seed)
        svc_seconds = time.perf_counter() - start
        svc = float(np.mean(np.asarray(predicted) == test[1]))
    levels = (0.78, 0.80, 0.82, 0.84, 0.86)
    print()
    print("| recipe | final test accuracy | training | "
          + " | ".join(f"time to {level:.0%}" for level in levels) + " |")
    print("|---" * (3 + len(levels)) + "|")
    for label, (recipe, points, accuracy) in curves.items():
        print(f"| {label}: {recipe['epochs']} epochs of {recipe['batch_size']}, lr "
              f"{recipe['learning_rate']:g} | {accuracy:.4f} | {points[-1][0]:.0f} s | "
              + " | ".join(_time_to(points, level) for level in levels) + " |")
    print(f"| anchor: RBF SVC (fit + predict) | {svc:.4f} | {svc_seconds:.1f} s | "
          + " | ".join("-" for _ in levels) + " |")


if __name__ == "__main__":
    main()
