"""The main job (`make demo`): train, watch, export, reload, score.

Trains the zoo's `conv_net_digits` on the bundled handwritten digits (no download)
with `model.fit` and Keras' progress bar, writes TensorBoard logs under `runs/`,
exports a SavedModel under `saved_models/`, reloads it with plain
`tf.saved_model.load` and prints its test accuracy.

    python -m tfk_tokfrag.demo [--epochs N] [--seed S] [--logdir DIR] [--export DIR]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402  (after quieting TensorFlow's C++ start-up logs)
import tensorflow as tf  # noqa: E402

from tfk_tokfrag.data import dataset_info, load_dataset  # noqa: E402
from tfk_tokfrag.export import evaluate_saved_model  # noqa: E402
from tfk_tokfrag.models import get_entry  # noqa: E402
from tfk_tokfrag.training.train_model import train_model  # noqa: E402

MODEL_NAME = "conv_net_digits"
DATASET = "digits"


def _parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m tfk_tokfrag.demo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=None,
                        help="epochs (default: the zoo recipe's)")
    parser.add_argument("--seed", type=int, default=42, help="seed of the split and training")
    parser.add_argument("--logdir", default=os.path.join("runs", MODEL_NAME))
    parser.add_argument("--export", default=os.path.join("saved_models", MODEL_NAME))
    parser.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2),
                        help="Keras fit verbosity (1 = progress bar)")
    return parser.parse_args(argv)


def main(argv=None) -> float:
    args = _parse_args(argv)
    entry = get_entry(MODEL_NAME)
    epochs = args.epochs or entry.training["epochs"]
    splits = dataset_info(DATASET)["splits"]
    print(f"tfk_tokfrag demo: {MODEL_NAME} on the bundled handwritten digits")
    print(f"  machine: {platform.machine()}, {os.cpu_count()} CPU cores, "
          f"TensorFlow {tf.__version__}, Keras {keras.__version__}")
    print(f"  data: {splits['train']} train / {splits['test']} test images "
          f"(stratified 80/20 split, seed 42)")
    print(f"  training {epochs} epochs")

    # The one workflow the CLI and the catalogue use too: fit, score, export, verify.
    result = train_model(MODEL_NAME, dataset=DATASET, epochs=epochs, seed=args.seed,
                         logdir=args.logdir, export=args.export, verbose=args.verbose)

    # Score the artifact itself, as a server would: plain TensorFlow, raw uint8 input.
    test = load_dataset(DATASET, "test", 256, shuffle=False)
    accuracy = evaluate_saved_model(args.export, test)

    print()
    print(f"Trained {result.model.count_params():,} parameters in "
          f"{result.train_seconds:.1f} s. Exported the SavedModel to {args.export}/")
    print(f"Test accuracy of the reloaded SavedModel: {accuracy.value:.4f} "
          f"({accuracy.correct}/{accuracy.total} digits)")
    print(f"Keras model test accuracy:                {result.test_accuracy:.4f}")
    tensorboard = os.path.relpath(os.path.join(os.path.dirname(sys.executable), "tfk-tokfrag"))
    print(f"Watch the run:  {tensorboard} tensorboard --logdir "
          f"{os.path.dirname(args.logdir) or args.logdir}   (or: tensorboard --logdir ...)")
    return accuracy.value


if __name__ == "__main__":
    main()
