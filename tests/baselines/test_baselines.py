"""The anchors: `register_baseline`, `run_baseline`, `dataset_arrays` and the baselines."""

import os

import numpy as np
import pytest
import tensorflow as tf
from sklearn.svm import SVC

from tfk_tokfrag.baselines import (
    dataset_arrays,
    get_baseline,
    list_baselines,
    register_baseline,
    run_baseline,
)
from tfk_tokfrag.data import load_digits_arrays


def test_the_zoo_anchors_are_registered():
    assert {
        "rbf_svc", "classic_convnet_keras", "published_svc", "tfidf_linear_svc", "dtw_1nn",
        "minirocket_ridge",
    } <= set(list_baselines())
    assert list_baselines() == sorted(list_baselines())


@pytest.mark.parametrize(
    "name, kwargs, message",
    [
        ("rbf_svc", {"fit_predict": lambda *a, **k: None}, "already registered"),
        ("mine", {}, "exactly one of fit_predict and published"),
        ("mine", {"fit_predict": lambda *a, **k: None, "published": {"digits": 0.5}},
         "exactly one of fit_predict and published"),
    ],
)
def test_register_errors(name, kwargs, message):
    kwargs = dict(kwargs)
    with pytest.raises(ValueError, match=message):
        register_baseline(name, kwargs.pop("fit_predict", None), description="x", **kwargs)
    assert "mine" not in list_baselines()


def test_unknown_names_list_the_known_ones():
    with pytest.raises(ValueError, match="Unknown baseline 'svm'.*rbf_svc"):
        get_baseline("svm")
    with pytest.raises(ValueError, match="no published figure for 'digits'"):
        run_baseline("published_svc", "digits")


def test_a_published_figure_is_returned_as_such():
    result = run_baseline("published_svc", "fashion_mnist")
    assert result.published and result.train_seconds is None
    assert result.test_accuracy == 0.897 and result.to_json()["dataset"] == "fashion_mnist"
    assert result.correct is None


def test_rbf_svc_on_digits_matches_scikit_learn_on_the_same_split():
    # Independent reference: the split's arrays straight from the builder's NumPy
    # function, an SVC fitted by hand on pixels in [0, 1].
    splits = load_digits_arrays()
    (x_train, y_train), (x_test, y_test) = splits["train"], splits["test"]
    reference = SVC().fit(x_train.reshape(len(x_train), -1) / 255.0, y_train)
    expected = np.mean(reference.predict(x_test.reshape(len(x_test), -1) / 255.0) == y_test)
    result = run_baseline("rbf_svc", "digits")
    assert result.test_accuracy == round(float(expected), 4) and not result.published
    # Per example too, in the split's order, for the cards' paired comparisons; the
    # JSON figures keep only the accuracy.
    np.testing.assert_array_equal(
        result.correct,
        reference.predict(x_test.reshape(len(x_test), -1) / 255.0) == y_test,
    )
    assert "correct" not in result.to_json()
    assert result.test_accuracy > 0.95


def test_dataset_arrays_reads_a_folder_in_one_batch(tmp_path):
    rng = np.random.default_rng(0)
    written = {}
    for split, count in (("train", 5), ("test", 3)):
        for label in ("cat", "dog"):
            folder = tmp_path / split / label
            os.makedirs(folder)
            for i in range(count):
                image = rng.integers(0, 256, (6, 5, 1), dtype=np.uint8)
                tf.io.write_file(str(folder / f"{i}.png"), tf.io.encode_png(image))
                written.setdefault(split, []).append((label, image))
    images, labels = dataset_arrays(str(tmp_path), "train")
    assert images.shape == (10, 6, 5, 1) and images.dtype == np.uint8
    assert sorted(labels.tolist()) == [0] * 5 + [1] * 5
    # Every image comes back once, with its folder's label.
    expected = sorted((["cat", "dog"].index(name), image.tobytes())
                      for name, image in written["train"])
    assert sorted(zip(labels.tolist(), (i.tobytes() for i in images), strict=True)) == expected


def test_tfidf_linear_svc_reads_chinese_without_a_segmenter():
    good = ["这个很好", "质量很好，喜欢", "好用，满意", "非常好", "很满意，好"]
    bad = ["太差了", "质量很差，失望", "差评，不满意", "非常差", "很失望，差"]
    texts = [t.encode("utf-8") for t in good + bad]
    labels = np.array([1] * 5 + [0] * 5)
    test = ([s.encode("utf-8") for s in ("真的很好", "真的很差")], np.array([1, 0]))
    predicted = get_baseline("tfidf_linear_svc").fit_predict(
        (np.array(texts, dtype=object), labels), test, seed=0
    )
    np.testing.assert_array_equal(predicted, [1, 0])


def test_dtw_1nn_finds_the_series_it_was_shown_warped():
    pytest.importorskip("sktime")
    t = np.linspace(0, 1, 40)
    train = np.stack([np.sin(2 * np.pi * 2 * t), np.sign(np.sin(2 * np.pi * 2 * t))])[..., None]
    # The same two shapes, played faster at the start (time warped by a square root).
    test = np.stack([np.interp(np.sqrt(t), t, series) for series in train[:, :, 0]])[..., None]
    predicted = get_baseline("dtw_1nn").fit_predict((train, np.array([0, 1])),
                                                    (test, np.array([0, 1])), seed=0)
    np.testing.assert_array_equal(predicted, [0, 1])
