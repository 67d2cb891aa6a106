"""A whole training run with `monitoring_callbacks`, read back by the tests of each callback.

The model holds the real tokenization layers (found by the callbacks with
`isinstance`): a `PixelTokenizer` inside a nested functional model, a
`TemporalFragmenter` and a `WordTokenizer`, on dict inputs.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.monitoring.events import accumulator
from tfk_tokfrag.layers import PixelTokenizer, TemporalFragmenter, WordTokenizer
from tfk_tokfrag.monitoring import monitoring_callbacks

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
    word_tokenizer = WordTokenizer(max_tokens=20, sequence_length=6, name="word_tokenizer")
    word_tokenizer.adapt(CORPUS)
    fragments = TemporalFragmenter(2, 2, pad_end=True, name="temporal_fragmenter")(video)
    features = keras.layers.Concatenate()([
        image_encoder(images),
        keras.layers.Flatten()(fragments),
        keras.layers.GlobalAveragePooling1D()(keras.layers.Embedding(20, 4)(word_tokenizer(text))),
    ])
    outputs = keras.layers.Dense(NUM_CLASSES)(keras.layers.Rescaling(1 / 255)(features))
    return keras.Model({"image": images, "video": video, "text": text}, outputs)


@pytest.fixture(scope="session")
def run(tmp_path_factory):
    """Two epochs of the multimodal model with every monitoring callback, read back."""
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
        "callbacks": callbacks,
        "root": accumulator(logdir),
        "train": accumulator(logdir / "train"),
        "validation": accumulator(logdir / "validation"),
        "vocabulary": model.get_layer("word_tokenizer").get_vocabulary(),
    }
