"""Suite-wide settings: quiet TensorFlow, fixed seeds, a fresh Keras state per test."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_keras_state():
    keras.utils.set_random_seed(1337)
    yield
    keras.mixed_precision.set_dtype_policy("float32")
    keras.backend.clear_session()
