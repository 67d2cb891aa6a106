"""Training throughput: our ConvNet through our pipeline vs plain Keras fed from NumPy.

    python benchmarks/training.py [--rounds 5] [--epochs-per-round 3]

- ours: `get_model("conv_net_digits", augmentation=0)` (PixelTokenizer front, uint8
  input rescaled in the model) trained with `model.fit` on `digits_dataset` (tf.data:
  cache, seeded shuffle, batch, prefetch).
- anchor: the same architecture written as a plain `keras.Sequential`, fed float32
  NumPy arrays (`model.fit(x, y, batch_size=32, shuffle=True)`).
Both compile with the same optimizer, loss and the default `jit_compile="auto"`, and
train the same number of epochs in alternating rounds; the first epoch of each model
(tracing) is dropped; throughput is the median over the remaining epochs, in training
images per second. Augmentation is off on both sides: Keras' own augmentation layers
turn XLA off, which would make the comparison about them.

Then the input pipeline alone: images per second of iterating `digits_dataset`, against
what training consumes (it must deliver at least 2x).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _timing  # noqa: E402
import keras  # noqa: E402

from tfk_tokfrag.data import digits_dataset, load_digits_arrays  # noqa: E402
from tfk_tokfrag.models import get_entry, get_model  # noqa: E402

BATCH = 32


class _EpochTimer(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


def plain_keras_convnet(config: dict) -> keras.Model:
    """The conv_net_digits architecture, written independently as a Sequential."""
    layers = [keras.Input(config["input_shape"])]
    for filters in config["filters"]:
        for _ in range(config["convs_per_block"]):
            layers += [
                keras.layers.Conv2D(filters, 3, padding="same", use_bias=False),
                keras.layers.BatchNormalization(),
                keras.layers.ReLU(),
            ]
        layers.append(keras.layers.MaxPooling2D(2, padding="same"))
    layers.append(keras.layers.Flatten())
    layers += [
        keras.layers.Dropout(config["dropout"]),
        keras.layers.Dense(config["dense_units"], activation="relu"),
        keras.layers.Dropout(config["dropout"]),
        keras.layers.Dense(config["num_classes"]),
    ]
    return keras.Sequential(layers)


def _compile(model):
    model.compile(
        optimizer=keras.optimizers.AdamW(1e-3, weight_decay=1e-4),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--epochs-per-round", type=int, default=3)
    args = parser.parse_args(argv)

    keras.utils.set_random_seed(0)
    images, labels = load_digits_arrays()["train"]
    n = len(labels)
    config = get_entry("conv_net_digits").config
    ours = _compile(get_model("conv_net_digits", augmentation=0.0))
    anchor = _compile(plain_keras_convnet(config))
    assert ours.count_params() == anchor.count_params(), "architectures differ"
    x_float = images.astype("float32") / 255.0
    train = digits_dataset("train", BATCH)

    timers = {"ours": _EpochTimer(), "anchor": _EpochTimer()}
    for _ in range(args.rounds):
        ours.fit(train, epochs=args.epochs_per_round, verbose=0, shuffle=False,
                 callbacks=[timers["ours"]])
        anchor.fit(x_float, labels, batch_size=BATCH, epochs=args.epochs_per_round,
                   verbose=0, shuffle=True, callbacks=[timers["anchor"]])
    per_s = {k: n / statistics.median(t.seconds[1:]) for k, t in timers.items()}

    # The input pipeline alone, a full epoch per run.
    def one_epoch():
        for _ in train:
            pass

    pipeline_per_s = n / _timing.median_seconds(one_epoch, repeats=7, warmup=2)

    rows = [
        {
            "case": "conv_net_digits, digits train split, batch 32",
            "anchor": "plain Keras Sequential, NumPy input",
            "anchor_img_per_s": f"{per_s['anchor']:,.0f}",
            "ours_img_per_s": f"{per_s['ours']:,.0f}",
            "ratio": f"{per_s['ours'] / per_s['anchor']:.2f}x",
            "target": ">= 0.95x",
        },
        {
            "case": "input pipeline alone vs what training consumes",
            "anchor": "our training (images/s)",
            "anchor_img_per_s": f"{per_s['ours']:,.0f}",
            "ours_img_per_s": f"{pipeline_per_s:,.0f}",
            "ratio": f"{pipeline_per_s / per_s['ours']:.1f}x",
            "target": ">= 2x",
        },
    ]
    print(f"machine: {_timing.machine_line()}; median of "
          f"{args.rounds * args.epochs_per_round - 1} epochs per model")
    _timing.print_table(
        rows, ["case", "anchor", "anchor_img_per_s", "ours_img_per_s", "ratio", "target"]
    )
    return rows


if __name__ == "__main__":
    main()
