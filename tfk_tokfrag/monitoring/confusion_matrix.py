"""`ConfusionMatrixCallback`: the validation confusion matrix, each epoch, in TensorBoard."""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import tensorflow as tf
from tensorboard.compat.proto import summary_pb2

from tfk_tokfrag import _validation
from tfk_tokfrag.monitoring import pictures
from tfk_tokfrag.monitoring._markdown import escape
from tfk_tokfrag.monitoring._writers import SummaryCallback

IMAGE_TAG = "evaluation/confusion_matrix"
COUNTS_TAG = "evaluation/confusion_matrix_counts"
TABLE_TAG = "evaluation/confusion_matrix_table"
PLUGIN_NAME = "tfk_tokfrag_confusion_matrix"  # no TensorBoard plugin draws it


def _as_dataset(data, batch_size: int) -> tf.data.Dataset:
    if isinstance(data, tf.data.Dataset):
        return data
    if isinstance(data, tuple | list) and len(data) in (2, 3):
        return tf.data.Dataset.from_tensor_slices(tuple(data[:2])).batch(batch_size)
    raise ValueError(
        "validation_data must be a tf.data.Dataset of (inputs, labels[, weights]) batches "
        f"or a tuple (inputs, labels). Received: validation_data={type(data).__name__}"
    )


def _predicted_classes(outputs, threshold: float) -> np.ndarray:
    if isinstance(outputs, dict | list | tuple):
        raise ValueError(
            "ConfusionMatrixCallback needs a model with one output (logits or "
            f"probabilities). Received outputs of type {type(outputs).__name__}"
        )
    outputs = np.asarray(outputs)
    if outputs.ndim == 1 or outputs.shape[-1] == 1:
        return (outputs.reshape(len(outputs)) > threshold).astype(np.int64)
    return np.argmax(outputs.reshape(len(outputs), -1), axis=-1)


def _true_classes(labels, num_outputs: int) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.ndim >= 2 and labels.shape[-1] == num_outputs and num_outputs > 1:
        return np.argmax(labels, axis=-1).reshape(-1)  # one-hot
    return labels.reshape(-1).astype(np.int64)


def _confusion_table(counts: np.ndarray, class_names: Sequence[str]) -> str:
    """Markdown table: one row per true class, counts per predicted class, recall."""
    counts = np.asarray(counts)
    header = "| true \\ predicted | " + " | ".join(escape(n) for n in class_names)
    lines = [header + " | total | recall |", "|---" * (len(class_names) + 3) + "|"]
    for i, name in enumerate(class_names):
        total = int(counts[i].sum())
        recall = f"{counts[i, i] / total:.3f}" if total else "-"
        cells = " | ".join(str(int(c)) for c in counts[i])
        lines.append(f"| **{escape(name)}** | {cells} | {total} | {recall} |")
    accuracy = np.trace(counts) / max(int(counts.sum()), 1)
    lines.append("")
    lines.append(f"{int(counts.sum())} examples, accuracy {accuracy:.4f}.")
    return "\n".join(lines)


class ConfusionMatrixCallback(SummaryCallback):
    """Logs the confusion matrix of a classifier on validation data, each epoch.

    At the end of every `freq`-th epoch, the model predicts `validation_data` and
    the callback writes, at step = epoch index (the x axis of the `epoch_*`
    scalars):

    - `evaluation/confusion_matrix`: a heatmap image, rows = true class, columns =
      predicted class, colour = count / row total (white 0 -> dark blue 1), with
      each count printed in its cell and the class indices along the edges;
    - `evaluation/confusion_matrix_counts`: the int64 counts `(K, K)` as a tensor
      summary (exact, for scripts; TensorBoard does not draw it);
    - `evaluation/confusion_matrix_table`: a Markdown table in the Text tab, with
      the class names, counts, totals and per-class recall.

    The predicted class is the argmax of the model's output (logits or
    probabilities); a single-unit output is a binary classifier thresholded at
    `threshold` (use `threshold=0.0` for logits). Labels may be sparse class ids
    or one-hot.

    Args:
        logdir: the run folder to write into, or a `tf.summary.SummaryWriter`.
        validation_data: a finite `tf.data.Dataset` of `(inputs, labels)` or
            `(inputs, labels, sample_weights)` batches, or a tuple `(inputs,
            labels)` of arrays (batched by `batch_size`).
        class_names: names of the classes, in id order; their count is `K`.
            Default: `class_0`, ... for as many classes as the model outputs.
        freq: log every this many epochs.
        threshold: decision threshold of single-unit (binary) outputs.
        batch_size: batch size for array `validation_data`.

    Example:

    >>> import tempfile, keras, numpy as np
    >>> x = np.eye(3, dtype="float32").repeat(4, axis=0)
    >>> y = np.arange(3).repeat(4)
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3)])
    >>> model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    >>> callback = ConfusionMatrixCallback(tempfile.mkdtemp(), (x, y))
    >>> _ = model.fit(x, y, epochs=1, callbacks=[callback], verbose=0)
    >>> int(callback.last_counts.sum()), callback.last_counts.shape
    (12, (3, 3))
    """

    def __init__(
        self,
        logdir: str | os.PathLike | tf.summary.SummaryWriter,
        validation_data,
        class_names: Sequence[str] | None = None,
        freq: int = 1,
        threshold: float = 0.5,
        batch_size: int = 256,
    ):
        super().__init__(logdir)
        freq = _validation.positive_int("freq", freq)
        self.validation_data = _as_dataset(validation_data, batch_size)
        self.class_names = None if class_names is None else [str(n) for n in class_names]
        self.freq = freq
        self.threshold = float(threshold)
        self.last_counts = None
        self._outputs_of = None  # (model, its graph call), traced once per model

    def compute_counts(self) -> np.ndarray:
        """Predicts the validation data; returns the `(K, K)` int64 counts."""
        true, predicted, width = [], [], None
        # A plain graph call, not `predict_on_batch`: under a tf.distribute strategy
        # that runs the batch on every replica and returns their outputs end to end.
        # Kept between epochs, so it is traced once.
        model = self.model
        if self._outputs_of is None or self._outputs_of[0] is not model:
            self._outputs_of = (model, tf.function(lambda x: model(x, training=False),
                                                   reduce_retracing=True))
        outputs_of = self._outputs_of[1]
        for batch in self.validation_data:
            inputs, labels = batch[0], batch[1]
            outputs = outputs_of(inputs).numpy()
            width = int(np.asarray(outputs).shape[-1]) if np.ndim(outputs) > 1 else 1
            predicted.append(_predicted_classes(outputs, self.threshold))
            true.append(_true_classes(labels, width))
        num_classes = (
            len(self.class_names) if self.class_names else max(2, width or 2)
        )
        true = np.concatenate(true) if true else np.zeros(0, np.int64)
        predicted = np.concatenate(predicted) if predicted else np.zeros(0, np.int64)
        bad = (true < 0) | (true >= num_classes) | (predicted < 0) | (predicted >= num_classes)
        if bad.any():
            raise ValueError(
                f"Expected class ids in [0, {num_classes}), received labels "
                f"{sorted(set(true[bad].tolist()))[:5]} and predictions "
                f"{sorted(set(predicted[bad].tolist()))[:5]}; pass class_names for all "
                "classes."
            )
        flat = np.bincount(true * num_classes + predicted, minlength=num_classes**2)
        return flat.reshape(num_classes, num_classes).astype(np.int64)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.freq:
            return
        counts = self.compute_counts()
        self.last_counts = counts
        names = self.class_names or [f"class_{i}" for i in range(len(counts))]
        legend = ", ".join(f"{i} = {escape(n)}" for i, n in enumerate(names))
        with self._writing():
            tf.summary.image(
                IMAGE_TAG,
                pictures.confusion_matrix_picture(counts)[None],
                step=epoch,
                description=(
                    "Rows: true class, columns: predicted class; colour: count / row "
                    f"total, count printed in each cell. Classes: {legend}."
                ),
            )
            metadata = summary_pb2.SummaryMetadata(
                summary_description="Confusion-matrix counts: rows true, columns predicted.",
                plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name=PLUGIN_NAME),
            )
            tf.summary.write(COUNTS_TAG, tf.constant(counts), step=epoch, metadata=metadata)
            tf.summary.text(TABLE_TAG, _confusion_table(counts, names), step=epoch)
