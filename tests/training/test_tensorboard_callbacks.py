"""TensorBoard monitoring: the event files read back with TensorBoard's `EventAccumulator`.

The tokenization layers are tiny stand-ins found by class name (the callbacks look
for `PixelTokenizer`, `TemporalFragmenter` and `WordTokenizer` by name and read
their documented attributes), so these tests do not depend on the real layers.
"""

from __future__ import annotations

import os

import keras
import numpy as np
import pytest
import tensorflow as tf
from tensorboard.backend.event_processing import event_accumulator as ea
from tensorboard.plugins.hparams import api_pb2
from tensorboard.plugins.hparams import metadata as hp_metadata

from tfk_tokfrag.training import _pictures
from tfk_tokfrag.training.callbacks import monitoring_callbacks
from tfk_tokfrag.training.confusion_matrix import ConfusionMatrixCallback
from tfk_tokfrag.training.learning_rate_logger import LearningRateLogger
from tfk_tokfrag.training.token_pictures import TokenPictures

MAGENTA, CYAN = np.array(_pictures.BORDER_COLOR), np.array(_pictures.FIRST_TOKEN_COLOR)
SIZE_GUIDANCE = {
    ea.TENSORS: 0,
    ea.IMAGES: 0,
    ea.SCALARS: 0,
    ea.HISTOGRAMS: 0,
    ea.COMPRESSED_HISTOGRAMS: 0,
}


# --- stand-ins for the tfk_tokfrag tokenization layers ------------------------------


class PixelTokenizer(keras.layers.Layer):
    def __init__(self, patch_size, strides=None, padding="valid", **kwargs):
        super().__init__(**kwargs)
        self.patch_size, self.strides, self.padding = patch_size, strides, padding

    def call(self, images):
        p, s = self.patch_size, self.strides or self.patch_size
        patches = tf.image.extract_patches(
            tf.cast(images, "float32"), [1, p, p, 1], [1, s, s, 1], [1, 1, 1, 1], "VALID"
        )
        return tf.reshape(patches, [tf.shape(images)[0], -1, p * p * images.shape[-1]])


class TemporalFragmenter(keras.layers.Layer):
    def __init__(self, fragment_length, fragment_stride=None, pad_end=False, **kwargs):
        super().__init__(**kwargs)
        self.fragment_length, self.fragment_stride = fragment_length, fragment_stride
        self.pad_end, self.patch_size = pad_end, None

    def call(self, clips):
        stride = self.fragment_stride or self.fragment_length
        return tf.signal.frame(clips, self.fragment_length, stride, pad_end=self.pad_end, axis=1)


class WordTokenizer(keras.layers.TextVectorization):
    pass


# --- reading event files ------------------------------------------------------------


def _accumulator(path) -> ea.EventAccumulator:
    accumulator = ea.EventAccumulator(str(path), size_guidance=SIZE_GUIDANCE)
    accumulator.Reload()
    return accumulator


def _values(accumulator, tag) -> dict:
    """`{step: ndarray}` of a tensor summary (TF2 writes scalars, images... as tensors)."""
    return {e.step: tf.make_ndarray(e.tensor_proto) for e in accumulator.Tensors(tag)}


def _plugin(accumulator, tag) -> str:
    return accumulator.SummaryMetadata(tag).plugin_data.plugin_name


def _images(accumulator, tag, step) -> list[np.ndarray]:
    value = _values(accumulator, tag)[step]  # [width, height, png, png, ...]
    return [tf.io.decode_png(png).numpy() for png in value[2:]]


def _text(accumulator, tag, step) -> str:
    return _values(accumulator, tag)[step].item().decode()


def _zoom(image, scale):
    return np.repeat(np.repeat(image, scale, axis=0), scale, axis=1)


# --- the drawing helpers, against hand-built references -------------------------------


def test_pixel_token_picture_non_overlapping_inserts_borders():
    image = np.random.default_rng(0).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    picture = _pictures.pixel_token_picture(image, (4, 4), (4, 4), "valid", scale=3)
    # Reference: zoom, then insert a line before each patch and one at the end.
    expected = _zoom(image, 3)
    for axis in (0, 1):
        for position in (24, 12, 0):
            expected = np.insert(expected, position, MAGENTA, axis=axis)
    assert picture.shape == (8 * 3 + 3, 8 * 3 + 3, 3)
    np.testing.assert_array_equal(picture, expected)


def test_pixel_token_picture_overlapping_strides_draws_stride_grid():
    image = np.full((8, 8, 3), 100, np.uint8)
    picture = _pictures.pixel_token_picture(image, (4, 4), (2, 2), "valid", scale=2)
    # 3x3 tokens start at 0, 2, 4 and end at 4, 6, 8: lines at 0, 2, 4, 6, 8.
    lines = [p * 2 + i for i, p in enumerate((0, 2, 4, 6, 8))]
    assert picture.shape == (8 * 2 + 5, 8 * 2 + 5, 3)
    line_pixels = np.concatenate([picture[lines].reshape(-1, 3), picture[:, lines].reshape(-1, 3)])
    is_border = (line_pixels == MAGENTA).all(-1) | (line_pixels == CYAN).all(-1)
    assert is_border.all()
    # Token 0 (pixels 0..3, lines 0 and 2 of the grid) is outlined in cyan.
    outline = [CYAN] * (lines[2] + 1)
    np.testing.assert_array_equal(picture[lines[0], lines[0] : lines[2] + 1], outline)
    np.testing.assert_array_equal(picture[lines[2], lines[0] : lines[2] + 1], outline)
    np.testing.assert_array_equal(picture[lines[0] : lines[2] + 1, lines[2]], outline)
    assert (picture[lines[4], :] == MAGENTA).all()
    cells = np.delete(np.delete(picture, lines, axis=0), lines, axis=1)
    assert (cells == 100).all()


def test_pixel_token_picture_same_padding_and_dropped_edge():
    image = np.full((10, 10, 3), 200, np.uint8)
    # "same": ceil(10 / 4) = 3 tokens, padded to 12 pixels, the padding hatched.
    picture = _pictures.pixel_token_picture(image, (4, 4), (4, 4), "same", scale=1)
    assert picture.shape == (12 + 4, 12 + 4, 3)
    pixels = np.delete(np.delete(picture, [0, 5, 10, 15], axis=0), [0, 5, 10, 15], axis=1)
    padded = pixels[10:]  # pixel rows 10 and 11 are padding
    assert {tuple(c) for c in padded.reshape(-1, 3)} <= set(_pictures.HATCH_COLORS)
    # "valid": 2 tokens; pixel rows 8 and 9 are in no token and dimmed.
    picture = _pictures.pixel_token_picture(image, (4, 4), (4, 4), "valid", scale=1)
    assert picture.shape == (10 + 3, 10 + 3, 3)
    assert (picture[-2:, 1:5] == int(200 * _pictures.DIM_FACTOR)).all()


def test_fragment_picture_rows_match_tf_signal_frame():
    rng = np.random.default_rng(1)
    clip = rng.integers(0, 256, (5, 2, 3, 3), dtype=np.uint8)
    length, stride = 3, 2
    picture = _pictures.fragment_picture(clip, length, stride, pad_end=True)
    reference = tf.signal.frame(clip, length, stride, pad_end=True, axis=0).numpy()
    frame_index = tf.signal.frame(np.arange(5), length, stride, pad_end=True, pad_value=-1).numpy()
    count = len(reference)  # ceil(5 / 2) = 3 fragments
    assert picture.shape == (count * 2 + (count + 1) * 3, length * 3 + (length - 1) + 6, 3)
    for i in range(count):
        for j in range(length):
            top, left = 3 + i * (2 + 3), 3 + j * (3 + 1)
            cell = picture[top : top + 2, left : left + 3]
            if frame_index[i, j] < 0:  # padding
                assert {tuple(c) for c in cell.reshape(-1, 3)} <= set(_pictures.HATCH_COLORS)
            else:
                np.testing.assert_array_equal(cell, reference[i, j])
    assert (picture[:3] == MAGENTA).all() and (picture[:, :3] == MAGENTA).all()


def test_to_rgb_uint8_conversions():
    grey = np.array([[[[0.0], [0.5], [1.0]]]])
    np.testing.assert_array_equal(
        _pictures.to_rgb_uint8(grey)[0, 0], [[0, 0, 0], [128, 128, 128], [255, 255, 255]]
    )
    assert _pictures.to_rgb_uint8(np.full((1, 2, 2, 3), 7.0))[0, 0, 0].tolist() == [7, 7, 7]
    assert _pictures.to_rgb_uint8(np.zeros((1, 2, 2, 4), np.uint8)).shape == (1, 2, 2, 3)


# --- a whole training run, read back -------------------------------------------------

NUM_CLASSES, CLASS_NAMES = 3, ["cat", "dog", "bird"]
CORPUS = ["the cat sat", "a dog ran", "the bird flew", "a cat ran", "the dog sat", "a bird sat"]


def _multimodal_model():
    """Dict inputs; the pixel tokenizer sits in a nested functional model."""
    image_in = keras.Input((8, 8, 3), name="image")
    tokens = PixelTokenizer(4, strides=2, name="pixel_tokenizer")(image_in)
    image_encoder = keras.Model(
        image_in, keras.layers.GlobalAveragePooling1D()(tokens), name="image_encoder"
    )

    images = keras.Input((8, 8, 3), name="image")
    video = keras.Input((5, 4, 4, 3), name="video")
    text = keras.Input((), dtype="string", name="text")
    word_tokenizer = WordTokenizer(max_tokens=20, output_sequence_length=6, name="word_tokenizer")
    word_tokenizer.adapt(CORPUS)
    fragments = TemporalFragmenter(2, 2, pad_end=True, name="temporal_fragmenter")(video)
    features = keras.layers.Concatenate()([
        image_encoder(images),
        keras.layers.Flatten()(fragments),
        keras.layers.GlobalAveragePooling1D()(keras.layers.Embedding(20, 4)(word_tokenizer(text))),
    ])
    outputs = keras.layers.Dense(NUM_CLASSES)(keras.layers.Rescaling(1 / 255)(features))
    return keras.Model({"image": images, "video": video, "text": text}, outputs)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    keras.utils.set_random_seed(7)
    rng = np.random.default_rng(7)
    n = 24
    inputs = {
        "image": rng.integers(0, 256, (n, 8, 8, 3)).astype("float32"),
        "video": rng.integers(0, 256, (n, 5, 4, 4, 3)).astype("float32"),
        "text": np.array([CORPUS[i % len(CORPUS)] for i in range(n)]),
    }
    labels = rng.integers(0, NUM_CLASSES, n)
    train = tf.data.Dataset.from_tensor_slices((inputs, labels)).batch(8)  # 3 steps / epoch
    validation = tf.data.Dataset.from_tensor_slices((inputs, labels)).batch(10)

    model = _multimodal_model()
    schedule = keras.optimizers.schedules.CosineDecay(1e-2, decay_steps=6)
    model.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
    )
    logdir = tmp_path_factory.mktemp("runs") / "multimodal"
    samples = {key: value[:2] for key, value in inputs.items()}
    callbacks = monitoring_callbacks(
        logdir,
        model=model,
        sample_inputs=samples,
        validation_data=validation,
        class_names=CLASS_NAMES,
        hparams={"learning_rate": 1e-2, "optimizer": "adam", "batch_size": 8, "mixup": False},
        update_freq=2,  # 3 steps per epoch: step scalars at 2, 4, 6
    )
    history = model.fit(train, epochs=2, validation_data=validation, callbacks=callbacks,
                        verbose=0, shuffle=False)
    batches = tf.data.Dataset.from_tensor_slices(inputs).batch(5)
    predicted = np.argmax(model.predict(batches, verbose=0), axis=-1)
    expected_counts = np.zeros((NUM_CLASSES, NUM_CLASSES), np.int64)
    for true, guess in zip(labels, predicted, strict=True):
        expected_counts[true, guess] += 1
    return {
        "logdir": logdir,
        "inputs": inputs,
        "samples": samples,
        "schedule": schedule,
        "history": history.history,
        "expected_counts": expected_counts,
        "root": _accumulator(logdir),
        "train": _accumulator(logdir / "train"),
        "validation": _accumulator(logdir / "validation"),
        "vocabulary": model.get_layer("word_tokenizer").get_vocabulary(),
    }


def test_one_event_file_per_run_folder(run):
    for folder in ("", "train", "validation"):
        files = [f for f in os.listdir(run["logdir"] / folder) if f.startswith("events.out")]
        assert len(files) == 1, (folder, files)


def test_epoch_scalars_and_learning_rate(run):
    train, validation = run["train"], run["validation"]
    for accumulator in (train, validation):
        for tag in ("epoch_loss", "epoch_accuracy"):
            assert _plugin(accumulator, tag) == "scalars"
            assert sorted(_values(accumulator, tag)) == [0, 1]
    np.testing.assert_allclose(
        _values(validation, "epoch_accuracy")[1], run["history"]["val_accuracy"][-1], rtol=1e-6
    )
    # Keras writes the learning rate at each epoch end: the schedule at 3 and 6 steps.
    learning_rate = _values(train, "epoch_learning_rate")
    for epoch, steps in ((0, 3), (1, 6)):
        np.testing.assert_allclose(learning_rate[epoch], float(run["schedule"](steps)), rtol=1e-5)


def test_step_scalars_every_update_freq_steps(run):
    assert sorted(_values(run["train"], "batch_loss")) == [2, 4, 6]
    batch_lr = _values(run["root"], "batch_learning_rate")
    assert sorted(batch_lr) == [2, 4, 6]
    assert _plugin(run["root"], "batch_learning_rate") == "scalars"
    for step, value in batch_lr.items():  # step k applied the schedule at k - 1
        np.testing.assert_allclose(value, float(run["schedule"](step - 1)), rtol=1e-5)
    assert batch_lr[6] < batch_lr[2]  # the cosine decay shows


def test_weight_histograms(run):
    tags = [t for t in run["train"].Tags()["tensors"] if t.endswith("/histogram")]
    assert any("dense" in t and "kernel" in t for t in tags), tags
    for tag in tags:
        assert _plugin(run["train"], tag) == "histograms"
        assert sorted(_values(run["train"], tag)) == [0, 1]


def test_pixel_token_picture_from_nested_model(run):
    root = run["root"]
    tag = "tokens/pixel_tokenizer"
    assert _plugin(root, tag) == "images"
    pictures = _images(root, tag, step=0)
    assert len(pictures) == 2
    scale = 16  # auto zoom: 8 pixels -> 128 (capped at 16x)
    lines = [p * scale + i for i, p in enumerate((0, 2, 4, 6, 8))]  # patch 4, stride 2
    for picture, image in zip(pictures, run["samples"]["image"].astype("uint8"), strict=True):
        assert picture.shape == (8 * scale + 5, 8 * scale + 5, 3)
        border = np.concatenate([picture[lines].reshape(-1, 3), picture[:, lines].reshape(-1, 3)])
        assert ((border == MAGENTA).all(-1) | (border == CYAN).all(-1)).all()
        cells = np.delete(np.delete(picture, lines, axis=0), lines, axis=1)
        np.testing.assert_array_equal(cells, _zoom(image, scale))
    description = root.SummaryMetadata(tag).summary_description
    assert "3x3 = 9 pixel tokens" in description and "overlap" in description


def test_temporal_fragment_picture(run):
    pictures = _images(run["root"], "tokens/temporal_fragmenter", step=0)
    clip = run["samples"]["video"][1].astype("uint8")
    picture = pictures[1]
    scale, fh = 16, 4 * 16  # auto zoom: 4x4 frames -> 64 pixels
    count, length = 3, 2  # ceil(5 / 2) fragments of 2 frames, frame 5 is padding
    assert picture.shape == (count * fh + (count + 1) * 3, length * fh + 1 + 6, 3)
    for i in range(count):
        for j in range(length):
            t = i * 2 + j
            top, left = 3 + i * (fh + 3), 3 + j * (fh + 1)
            cell = picture[top : top + fh, left : left + fh]
            if t < 5:
                np.testing.assert_array_equal(cell, _zoom(clip[t], scale))
            else:
                assert {tuple(c) for c in cell.reshape(-1, 3)} <= set(_pictures.HATCH_COLORS)


def test_word_token_table(run):
    table = _text(run["root"], "tokens/word_tokenizer", step=0)
    vocabulary = run["vocabulary"]
    lines = table.splitlines()
    assert lines[0] == "| # | text | ids | tokens |"
    for i, text in enumerate(run["samples"]["text"]):
        words = text.split()
        ids = [vocabulary.index(w) for w in words]
        assert lines[2 + i] == (
            f"| {i} | {text} | {' '.join(map(str, ids))} | "
            + " ".join(f"`{w}`" for w in words) + " |"
        )


def test_confusion_matrix_counts_image_and_table(run):
    root = run["root"]
    counts = _values(root, "evaluation/confusion_matrix_counts")
    assert sorted(counts) == [0, 1]
    np.testing.assert_array_equal(counts[1], run["expected_counts"])
    assert _plugin(root, "evaluation/confusion_matrix") == "images"
    (picture,) = _images(root, "evaluation/confusion_matrix", step=1)
    cell, top, left = _pictures.confusion_layout(NUM_CLASSES, int(counts[1].max()))
    assert picture.shape == (top + 1 + 3 * (cell + 1), left + 1 + 3 * (cell + 1), 3)
    totals = counts[1].sum(axis=1, keepdims=True)
    normalised = counts[1] / np.maximum(totals, 1)
    for i in range(NUM_CLASSES):
        for j in range(NUM_CLASSES):  # cell corners hold the heatmap colour
            corner = picture[top + 1 + i * (cell + 1), left + 1 + j * (cell + 1)]
            np.testing.assert_array_equal(corner, _pictures.ramp_color(normalised[i, j]))
    table = _text(root, "evaluation/confusion_matrix_table", step=1)
    assert "| true \\ predicted | cat | dog | bird | total | recall |" in table
    first = " | ".join(str(c) for c in counts[1][0])
    assert f"| **cat** | {first} |" in table


def test_hparams_plugin_data(run):
    root = run["root"]
    content = root.PluginTagToContent("hparams")
    start = hp_metadata.parse_session_start_info_plugin_data(
        content["_hparams_/session_start_info"]
    )
    values = {name: value for name, value in start.hparams.items()}
    assert values["learning_rate"].number_value == pytest.approx(1e-2)
    assert values["optimizer"].string_value == "adam"
    assert values["batch_size"].number_value == 8
    assert values["mixup"].bool_value is False
    end = hp_metadata.parse_session_end_info_plugin_data(content["_hparams_/session_end_info"])
    assert end.status == api_pb2.STATUS_SUCCESS
    for name in ("loss", "accuracy", "val_loss", "val_accuracy"):
        final = _values(root, f"final/{name}")
        assert list(final) == [1]
        np.testing.assert_allclose(final[1], run["history"][name][-1], rtol=1e-6)


# --- explicit configuration, standalone callbacks -----------------------------------


def test_token_pictures_explicit_configuration(tmp_path):
    rng = np.random.default_rng(3)
    images = rng.integers(0, 256, (3, 6, 6, 1), dtype=np.uint8)  # grey, uint8
    clips = rng.random((2, 4, 3, 3, 3)).astype("float32")  # floats in [0, 1]
    vectorizer = keras.layers.TextVectorization(max_tokens=10)
    vectorizer.adapt(["red fish", "blue fish"])
    callback = TokenPictures(
        tmp_path,
        {"image": images, "video": clips, "text": ["blue fish", "red | fish"]},
        image_patch_size=3,
        fragment_length=3,
        fragment_stride=1,
        tokenizer=vectorizer,
        max_outputs=2,
        scale=2,
    )
    callback.log(step=5)
    root = _accumulator(tmp_path)
    pixel = _images(root, "tokens/pixel_tokens", step=5)
    assert len(pixel) == 2  # max_outputs
    assert pixel[0].shape == (6 * 2 + 3, 6 * 2 + 3, 3)
    cells = np.delete(np.delete(pixel[0], [0, 7, 14], axis=0), [0, 7, 14], axis=1)
    np.testing.assert_array_equal(cells, _zoom(np.repeat(images[0], 3, axis=-1), 2))
    fragments = _images(root, "tokens/temporal_fragments", step=5)
    assert fragments[0].shape == (2 * 6 + 3 * 3, 3 * 6 + 2 + 6, 3)  # 2 fragments of 3 frames
    first_frame = fragments[0][3:9, 3:9]
    np.testing.assert_array_equal(first_frame, _zoom(np.round(clips[0, 0] * 255), 2))
    table = _text(root, "tokens/word_tokens", step=5)
    assert "| 1 | red \\| fish |" in table and "`red` `fish`" in table


def test_token_pictures_rejects_missing_inputs(tmp_path):
    with pytest.raises(ValueError, match="fragment_length is set but samples hold no clips"):
        TokenPictures(tmp_path, np.zeros((1, 8, 8, 3)), fragment_length=2)
    with pytest.raises(ValueError, match="image_patch_size must be a positive int"):
        TokenPictures(tmp_path, np.zeros((1, 8, 8, 3)), image_patch_size=0)


def test_learning_rate_logger_standalone_epochs_and_steps(tmp_path):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    model.compile(keras.optimizers.SGD(schedule), "mse")
    logger = LearningRateLogger(tmp_path, update_freq=1)
    model.fit(np.ones((6, 2)), np.ones((6, 1)), batch_size=2, epochs=2, callbacks=[logger],
              verbose=0)
    root = _accumulator(tmp_path)
    batch = _values(root, "batch_learning_rate")
    assert sorted(batch) == [1, 2, 3, 4, 5, 6]
    for step, value in batch.items():
        np.testing.assert_allclose(value, 0.1 * 0.5 ** (step - 1), rtol=1e-5)
    epoch = _values(root, "epoch_learning_rate")
    np.testing.assert_allclose([epoch[0], epoch[1]], [0.1 * 0.5**3, 0.1 * 0.5**6], rtol=1e-5)


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

