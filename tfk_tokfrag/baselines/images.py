"""Image anchors: the classic Keras ConvNet as a user would train it, published figures."""

from __future__ import annotations

import keras
import numpy as np
from sklearn.svm import SVC

from tfk_tokfrag.baselines.registry import register_baseline


def classic_convnet_keras(train, test, *, seed: int, epochs: int | None = None,
                          batch_size: int = 128):
    """Keras' MNIST example ConvNet, in plain Keras: Conv32-pool-Conv64-pool-Dense64.

    Pixels scaled to [0, 1], Adam(1e-3), `epochs` epochs (the anchored entry's budget;
    12 if not given), batch 128, no augmentation: what a user copies from keras.io.
    """
    keras.utils.set_random_seed(seed)
    (x_train, y_train), (x_test, _) = train, test
    model = keras.Sequential([
        keras.Input(x_train.shape[1:]),
        keras.layers.Rescaling(1 / 255),
        keras.layers.Conv2D(32, 3, activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(64, 3, activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Flatten(),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(int(y_train.max()) + 1),
    ])
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    model.fit(x_train.astype("float32"), y_train, batch_size=batch_size,
              epochs=epochs or 12, verbose=0)
    return np.argmax(model.predict(x_test.astype("float32"), verbose=0), axis=-1)


def rbf_svc(train, test, *, seed: int, epochs: int | None = None):
    """scikit-learn's `SVC()` (RBF kernel, its defaults) on the pixels scaled to [0, 1]."""
    (x_train, y_train), (x_test, _) = train, test
    model = SVC(random_state=seed)
    model.fit(x_train.reshape(len(x_train), -1) / 255.0, y_train)
    return model.predict(x_test.reshape(len(x_test), -1) / 255.0)


register_baseline(
    "rbf_svc",
    rbf_svc,
    description="scikit-learn SVC with its defaults (RBF kernel, C=1) on the raw pixels "
    "scaled to [0, 1]",
)
register_baseline(
    "classic_convnet_keras",
    classic_convnet_keras,
    description="Keras' MNIST example ConvNet (Conv32-pool-Conv64-pool-Dense64) in plain "
    "Keras, Adam, the same epoch budget",
)
register_baseline(
    "published_svc",
    None,
    description="scikit-learn SVC (RBF, C=10), the best classic model in Fashion-MNIST's "
    "own benchmark table (github.com/zalandoresearch/fashion-mnist): published, "
    "not measured here",
    published={"fashion_mnist": 0.897},
)
