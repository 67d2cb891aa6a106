import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfk_tokfrag.export import Accuracy, evaluate_saved_model, export_saved_model
from tfk_tokfrag.models import conv_net
from tfk_tokfrag.training.evaluate import correct_per_example, evaluate_model


def _data(n=20):
    rng = np.random.default_rng(3)
    images = rng.integers(0, 256, (n, 8, 8, 1), dtype=np.uint8)
    labels = rng.integers(0, 10, n).astype(np.int64)
    return images, labels


def test_saved_model_and_keras_model_are_scored_against_numpy_argmax(tmp_path):
    keras.utils.set_random_seed(0)
    model = conv_net(input_shape=(8, 8, 1), filters=(4, 8), dense_units=8)
    images, labels = _data()
    expected = int(np.sum(np.argmax(model.predict(images, verbose=0), -1) == labels))
    data = tf.data.Dataset.from_tensor_slices((images, labels)).batch(6)
    path = os.path.join(tmp_path, "artifact")
    export_saved_model(model, path)

    assert evaluate_saved_model(path, data) == Accuracy(expected, 20)
    artifact = tf.saved_model.load(path)
    assert evaluate_saved_model(artifact, data) == Accuracy(expected, 20)
    assert evaluate_model(model, data) == Accuracy(expected, 20)
    # Per example, in the dataset's order (batches of 6: 6 + 6 + 6 + 2).
    np.testing.assert_array_equal(
        correct_per_example(model, data),
        np.argmax(model.predict(images, verbose=0), -1) == labels,
    )


def _image_dict_model():
    """A model with one named input, `{"image": uint8 (8, 8, 1)}`, and 4 logits."""
    keras.utils.set_random_seed(0)
    image = keras.Input((8, 8, 1), dtype="uint8", name="image")
    x = keras.layers.Flatten()(keras.layers.Rescaling(1 / 255)(image))
    return keras.Model({"image": image}, keras.layers.Dense(4)(x)), image, x


def test_a_dataset_with_more_named_inputs_gives_the_artifact_its_own(tmp_path):
    model, _, _ = _image_dict_model()
    images, labels = _data(9)
    labels = labels % 4
    texts = np.array([b"extra"] * 9)
    data = tf.data.Dataset.from_tensor_slices(({"image": images, "text": texts}, labels))
    data = data.batch(4)
    path = os.path.join(tmp_path, "artifact")
    export_saved_model(model, path)
    expected = int(np.sum(np.argmax(model.predict({"image": images}, verbose=0), -1) == labels))
    assert evaluate_saved_model(path, data) == Accuracy(expected, 9)
    assert evaluate_model(model, data) == Accuracy(expected, 9)


def test_accuracy_reads_like_the_cli_prints_it():
    assert str(Accuracy(358, 359)) == "0.9972 (358/359)"
    assert Accuracy(0, 0).value == 0.0


def test_unnamed_inputs_go_to_a_one_input_artifact_by_its_name(tmp_path):
    model, image, x = _image_dict_model()
    images, labels = _data(9)
    labels = labels % 4
    path = os.path.join(tmp_path, "artifact")
    export_saved_model(model, path)
    expected = int(np.sum(np.argmax(model.predict({"image": images}, verbose=0), -1) == labels))
    data = tf.data.Dataset.from_tensor_slices((images, labels)).batch(4)
    assert evaluate_saved_model(path, data) == Accuracy(expected, 9)

    two = keras.Input((3,), name="extra")
    both = keras.Model({"image": image, "extra": two},
                       keras.layers.Dense(4)(keras.layers.Concatenate()([x, two])))
    export_saved_model(both, os.path.join(tmp_path, "two"))
    with pytest.raises(ValueError, match="gives one unnamed input"):
        evaluate_saved_model(os.path.join(tmp_path, "two"), data)
