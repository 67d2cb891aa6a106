"""`train_model` end to end on the zoo entries whose data must be downloaded, with mocks."""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from tfk_tokfrag.export import load_metadata
from tfk_tokfrag.models import get_model
from tfk_tokfrag.monitoring import ConfusionMatrixCallback, monitoring_callbacks
from tfk_tokfrag.training import (
    compile_classifier,
    fit_classifier,
    select_model_inputs,
    train_model,
)


@pytest.mark.large
@pytest.mark.parametrize(
    "name, overrides, batch",
    [
        ("text_bilstm_imdb", {"text_max_tokens": 500, "text_sequence_length": 20,
                              "text_embed_dim": 8, "text_units": 4}, ["a good film", "bad"]),
        ("conv_net_classic", {"filters": (4, 8), "dense_units": 8}, None),
    ],
)
def test_zoo_entries_train_on_mock_tfds_data(tmp_path, name, overrides, batch):
    with tfds.testing.mock_data(num_examples=12, policy=tfds.testing.MockPolicy.USE_CODE):
        result = train_model(
            name, epochs=1, batch_size=4, overrides=overrides, max_steps_per_epoch=2,
            export=str(tmp_path / "export"), checkpoint_dir=str(tmp_path / "ckpt"),
            logdir=str(tmp_path / "runs"), verbose=0,
        )
    assert np.isfinite(result.history["loss"]).all()
    assert 0.0 <= result.test_accuracy <= 1.0
    meta = load_metadata(tmp_path / "export")
    assert meta["metrics"]["dataset"] in ("imdb_reviews", "mnist")
    artifact = tf.saved_model.load(str(tmp_path / "export"))
    if batch is not None:  # the text model serves raw strings
        out = artifact.serve({"text": tf.constant(batch)})
    else:
        out = artifact.serve(tf.zeros((2, 28, 28, 1), tf.uint8))
    assert out["probabilities"].shape[0] == 2
    assert len(meta["class_names"]) == out["probabilities"].shape[1]


def test_select_model_inputs_names_and_filters():

    text_model = get_model("text_only_digit_scenes")
    plain = tf.data.Dataset.from_tensors((tf.constant(["a b"]), tf.constant([0])))
    (inputs, _), = list(select_model_inputs(plain, text_model))
    assert list(inputs) == ["text"]
    full = tf.data.Dataset.from_tensors(({"text": tf.constant(["a"]),
                                          "image": tf.zeros((1, 16, 16, 1), tf.uint8)},
                                         tf.constant([0])))
    (inputs, _), = list(select_model_inputs(full, text_model))
    assert list(inputs) == ["text"]
    video_model = get_model("video_only_digit_scenes")
    with pytest.raises(ValueError, match=r"no \['video'\] input"):
        select_model_inputs(full, video_model)


def test_fit_classifier_prepares_named_inputs_and_vocabulary():

    model = get_model("text_only_digit_scenes", text_units=4, fusion_dim=8)
    data = tf.data.Dataset.from_tensor_slices(
        ({"text": ["maybe a three", "maybe a five"], "image": tf.zeros((2, 16, 16, 1))},
         [3, 5])
    ).batch(2)
    fit_classifier(model, data, epochs=1, validation_data=data, verbose=0)
    tokenizer = model.get_layer("text_tokenizer")
    assert {"maybe", "three", "five"} <= set(tokenizer.get_vocabulary())


@pytest.mark.parametrize("argument", ["logdir", "checkpoint_dir", "export"])
def test_an_output_folder_that_cannot_be_written_fails_before_training(tmp_path, argument):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    path = str(blocker / "out")
    expected = {"logdir": "logdir", "checkpoint_dir": "checkpoint_dir",
                "export": "the export's folder"}[argument]
    with pytest.raises(NotADirectoryError, match=f"{expected} .*a_file.* cannot be written "
                                                  r"\(Not a directory\); nothing was trained"):
        train_model("conv_net_digits", epochs=1, **{argument: path if argument != "export"
                                                     else os.path.join(path, "model")})


@pytest.mark.parametrize("arguments, message", [
    ({"epochs": 0}, "epochs must be a positive int. Received: epochs=0"),
    ({"batch_size": -1}, "batch_size must be a positive int"),
    ({"learning_rate": -1.0}, r"learning_rate must be a finite number > 0. Received: "
                              r"learning_rate=-1.0"),
    ({"learning_rate": 0.0}, "learning_rate must be a finite number > 0"),
    ({"learning_rate": float("nan")}, "learning_rate must be a finite number > 0"),
    ({"weight_decay": -0.1}, "weight_decay must be a finite number >= 0"),
    ({"validation_freq": 0}, "validation_freq must be a positive int"),
    ({"max_steps_per_epoch": 0}, "max_steps_per_epoch must be None or a positive int"),
])
def test_bad_recipes_are_refused_before_anything_runs(arguments, message, tmp_path):
    with pytest.raises(ValueError, match=message):
        train_model("conv_net_digits", checkpoint_dir=str(tmp_path / "ckpt"), **arguments)
    assert not (tmp_path / "ckpt").exists()


def test_fit_classifier_ends_on_the_moving_average_of_the_weights_with_ema():

    def trained(ema_momentum):
        keras.utils.set_random_seed(3)
        inputs = keras.Input((4,))
        model = keras.Model(inputs, keras.layers.Dense(2, name="logits")(inputs))
        x = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")
        data = tf.data.Dataset.from_tensor_slices((x, (x[:, 0] > 0).astype("int32"))).batch(8)
        fit_classifier(model, data, epochs=2, learning_rate=0.1, ema_momentum=ema_momentum,
                       jit_compile=False, verbose=0)
        return model

    plain, averaged = trained(None), trained(0.5)
    optimizer = averaged.optimizer
    assert optimizer.use_ema and optimizer.ema_momentum == 0.5
    for variable, average in zip(averaged.trainable_variables,
                                 optimizer._model_variables_moving_average, strict=True):
        np.testing.assert_array_equal(variable.numpy(), average.numpy())
    assert not np.array_equal(plain.get_layer("logits").kernel.numpy(),
                              averaged.get_layer("logits").kernel.numpy())
    assert not plain.optimizer.use_ema


@pytest.mark.parametrize("ema_momentum", [0.0, 1.0, -0.5])
def test_fit_classifier_refuses_an_ema_momentum_outside_0_1(ema_momentum):
    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    with pytest.raises(ValueError, match=f"ema_momentum must be None or in \\(0, 1\\). "
                                         f"Received: ema_momentum={ema_momentum}"):
        compile_classifier(model, total_steps=1, ema_momentum=ema_momentum)


def test_fit_classifier_evaluates_the_validation_data_every_validation_freq_epochs(tmp_path):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    x = np.eye(3, dtype="float32").repeat(2, axis=0)
    data = tf.data.Dataset.from_tensor_slices((x, np.arange(6) % 2)).batch(3)
    history = fit_classifier(model, data, epochs=6, validation_data=data, validation_freq=3,
                             logdir=str(tmp_path / "run"), jit_compile=False, verbose=0)
    assert len(history.history["loss"]) == 6
    assert len(history.history["val_loss"]) == 2  # after epochs 3 and 6
    # ... and the confusion matrix is drawn on the same epochs.
    callbacks = monitoring_callbacks(tmp_path / "other", validation_data=data, validation_freq=3)
    assert [c.freq for c in callbacks if isinstance(c, ConfusionMatrixCallback)] == [3]
    with pytest.raises(ValueError, match="validation_freq must be a positive int"):
        fit_classifier(model, data, epochs=1, validation_freq=0, verbose=0)
