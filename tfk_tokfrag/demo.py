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
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

MODEL_NAME = "conv_net_digits"


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
    import keras
    import numpy as np
    import tensorflow as tf

    from tfk_tokfrag.data import DIGITS_CLASS_NAMES, digits_dataset, load_digits_arrays
    from tfk_tokfrag.export import export_saved_model
    from tfk_tokfrag.models import get_entry, get_model
    from tfk_tokfrag.training import fit_classifier

    entry = get_entry(MODEL_NAME)
    epochs = args.epochs or entry.training["epochs"]
    print(f"tfk_tokfrag demo: {MODEL_NAME} on the bundled handwritten digits")
    print(f"  machine: {platform.machine()}, {os.cpu_count()} CPU cores, "
          f"TensorFlow {tf.__version__}, Keras {keras.__version__}")

    keras.utils.set_random_seed(args.seed)
    train_ds = digits_dataset("train", entry.training["batch_size"], seed=args.seed)
    test_ds = digits_dataset("test", 256, seed=args.seed)
    splits = load_digits_arrays(seed=args.seed)
    test_images, test_labels = splits["test"]
    print(f"  data: {len(splits['train'][1])} train / "
          f"{len(test_labels)} test images (stratified 80/20 split, seed {args.seed})")

    model = get_model(MODEL_NAME)
    print(f"  model: {model.count_params():,} parameters; training {epochs} epochs")
    start = time.perf_counter()
    fit_classifier(
        model,
        train_ds,
        epochs=epochs,
        validation_data=test_ds,
        logdir=args.logdir,
        learning_rate=entry.training["learning_rate"],
        weight_decay=entry.training["weight_decay"],
        verbose=args.verbose,
        sample_inputs=test_images[:4],
        class_names=DIGITS_CLASS_NAMES,
        hparams={"model": MODEL_NAME, "epochs": epochs, "seed": args.seed,
                 **{k: v for k, v in entry.training.items() if k != "epochs"}},
    )
    train_seconds = time.perf_counter() - start
    keras_accuracy = float(model.evaluate(test_ds, verbose=0, return_dict=True)["accuracy"])

    export_saved_model(
        model,
        args.export,
        class_names=DIGITS_CLASS_NAMES,
        model_name=MODEL_NAME,
        metrics={"test_accuracy": keras_accuracy, "train_seconds": round(train_seconds, 1)},
        verify_inputs=test_images[:64],
    )

    # Score the artifact itself, as a server would: plain TensorFlow, raw uint8 input.
    reloaded = tf.saved_model.load(args.export)
    predicted = reloaded.serve(tf.constant(test_images))["class_id"].numpy()
    correct = int(np.sum(predicted == test_labels))
    accuracy = correct / len(test_labels)

    print()
    print(f"Trained in {train_seconds:.1f} s. Exported the SavedModel to {args.export}/")
    print(f"Test accuracy of the reloaded SavedModel: {accuracy:.4f} "
          f"({correct}/{len(test_labels)} digits)")
    print(f"Keras model test accuracy:                {keras_accuracy:.4f}")
    tensorboard = os.path.relpath(os.path.join(os.path.dirname(sys.executable), "tfk-tokfrag"))
    print(f"Watch the run:  {tensorboard} tensorboard --logdir "
          f"{os.path.dirname(args.logdir) or args.logdir}   (or: tensorboard --logdir ...)")
    return accuracy


if __name__ == "__main__":
    main()
