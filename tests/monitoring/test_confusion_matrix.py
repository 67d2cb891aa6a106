"""`ConfusionMatrixCallback`: counts, heatmap and table, against predictions counted by hand."""

from __future__ import annotations

import keras
import numpy as np

from tests.monitoring.events import accumulator, images, plugin, text, values
from tfk_tokfrag.monitoring import ConfusionMatrixCallback, pictures


def test_confusion_matrix_counts_image_and_table(run):
    root = run["root"]
    counts = values(root, "evaluation/confusion_matrix_counts")
    num_classes = len(run["expected_counts"])  # 3: cat, dog, bird
    assert sorted(counts) == [0, 1]
    np.testing.assert_array_equal(counts[1], run["expected_counts"])
    assert plugin(root, "evaluation/confusion_matrix") == "images"
    (picture,) = images(root, "evaluation/confusion_matrix", step=1)
    cell, top, left = pictures.confusion_layout(num_classes, int(counts[1].max()))
    assert picture.shape == (top + 1 + 3 * (cell + 1), left + 1 + 3 * (cell + 1), 3)
    totals = counts[1].sum(axis=1, keepdims=True)
    normalised = counts[1] / np.maximum(totals, 1)
    for i in range(num_classes):
        for j in range(num_classes):  # cell corners hold the heatmap colour
            corner = picture[top + 1 + i * (cell + 1), left + 1 + j * (cell + 1)]
            np.testing.assert_array_equal(corner, pictures.ramp_color(normalised[i, j]))
    table = text(root, "evaluation/confusion_matrix_table", step=1)
    assert "| true \\ predicted | cat | dog | bird | total | recall |" in table
    first = " | ".join(str(c) for c in counts[1][0])
    assert f"| **cat** | {first} |" in table


def test_confusion_matrix_binary_and_one_hot(tmp_path):
    x = np.linspace(-1, 1, 20, dtype="float32")[:, None]
    labels = (x[:, 0] > 0.3).astype("int64")
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    callback = ConfusionMatrixCallback(tmp_path, (x, labels[:, None]), threshold=0.0)
    callback.set_model(model)
    counts = callback.compute_counts()
    predicted = (model.predict(x, verbose=0)[:, 0] > 0.0).astype(int)
    expected = np.array([[np.sum((labels == t) & (predicted == p)) for p in (0, 1)]
                         for t in (0, 1)])
    np.testing.assert_array_equal(counts, expected)

    one_hot = ConfusionMatrixCallback(tmp_path, (np.eye(3), np.eye(3)), class_names="abc")
    one_hot.set_model(keras.Sequential([keras.Input((3,)), keras.layers.Identity()]))
    np.testing.assert_array_equal(one_hot.compute_counts(), np.eye(3, dtype=int))


def test_class_names_are_escaped_in_the_markdown_table(tmp_path):
    callback = ConfusionMatrixCallback(tmp_path, (np.eye(2), np.arange(2)),
                                       class_names=["a|b", "c\\d"])
    callback.set_model(keras.Sequential([keras.Input((2,)), keras.layers.Identity()]))
    callback.on_epoch_end(0)
    table = text(accumulator(tmp_path), "evaluation/confusion_matrix_table", step=0)
    assert "| **a\\|b** | 1 | 0 | 1 | 1.000 |" in table
    assert "| **c\\\\d** | 0 | 1 | 1 | 1.000 |" in table
