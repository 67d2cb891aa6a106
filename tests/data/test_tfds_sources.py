"""TFDS datasets by name, with `tfds.testing.mock_data` (nothing is downloaded)."""

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from tfk_tokfrag.data import dataset_info, load_dataset
from tfk_tokfrag.data.tfds_sources import tfds_examples


def _mock(num_examples=6):
    return tfds.testing.mock_data(
        num_examples=num_examples, policy=tfds.testing.MockPolicy.USE_CODE
    )


def _encoded(name, split, key):
    """The mock examples' encoded frames, as our loaders read them (frames not decoded)."""
    decoders = {key: tfds.decode.SkipDecoding()}
    return [ex[key] for ex in tfds.load(name, split=split, decoders=decoders)]


@pytest.mark.parametrize(
    "name, kwargs, shape, dtype, num_classes",
    [
        ("mnist", {}, (4, 28, 28, 1), tf.uint8, 10),
        ("mnist", {"image_size": 16}, (4, 16, 16, 1), tf.uint8, 10),
        ("cifar10", {}, (4, 32, 32, 3), tf.uint8, 10),
        ("imdb_reviews", {}, (4,), tf.string, 2),
        ("ucf101", {}, (4, 16, 64, 64, 3), tf.uint8, 101),
        ("ucf101", {"num_frames": 5, "image_size": (24, 32)}, (4, 5, 24, 32, 3), tf.uint8, 101),
        ("moving_mnist", {}, (4, 20, 64, 64, 1), tf.uint8, 2),
        ("moving_mnist", {"num_frames": 10, "image_size": 32}, (4, 10, 32, 32, 1), tf.uint8, 2),
    ],
)
def test_load_dataset_by_name_with_mock_data(name, kwargs, shape, dtype, num_classes):
    with _mock():
        ds = load_dataset(name, "train", batch_size=4, **kwargs)
        assert ds.element_spec[0].shape[1:] == shape[1:]
        inputs, labels = next(iter(ds))
    assert inputs.shape == shape and inputs.dtype == dtype
    assert labels.shape == (4,) and labels.dtype == tf.int64
    assert np.all((labels.numpy() >= 0) & (labels.numpy() < num_classes))
    assert dataset_info(name)["num_classes"] == num_classes


def test_image_preprocessing_matches_tf_resize():
    with _mock(3):
        raw = [ex["image"] for ex in tfds.load("cifar10", split="test")]
        ours = [x for x, _ in tfds_examples("cifar10", "test", image_size=(16, 16))]
        same = [x for x, _ in tfds_examples("cifar10", "test")]
    for r, o, s in zip(raw, ours, same, strict=True):
        np.testing.assert_array_equal(s, r)
        expected = tf.image.resize(r, (16, 16), antialias=True)
        expected = tf.cast(tf.clip_by_value(tf.round(expected), 0, 255), tf.uint8)
        np.testing.assert_array_equal(o, expected)


def test_ucf101_keeps_evenly_spaced_frames():
    with _mock(2):
        raw = _encoded("ucf101", "train", "video")
        ours = [x for x, _ in tfds_examples("ucf101", "train", num_frames=4, image_size=256)]
    for encoded, video in zip(raw, ours, strict=True):
        frames = np.stack([tf.io.decode_image(f).numpy() for f in encoded])
        idx = np.round(np.linspace(0, len(frames) - 1, 4)).astype(int)
        np.testing.assert_array_equal(video.numpy(), frames[idx])


def test_moving_mnist_order_label():
    with _mock(6):
        raw = [
            np.stack([tf.io.decode_image(f).numpy() for f in encoded])
            for encoded in _encoded("moving_mnist", "test", "image_sequence")
        ]
        ours = [(x.numpy(), int(y)) for x, y in tfds_examples("moving_mnist", "test", seed=3)]
        again = [x.numpy() for x, _ in tfds_examples("moving_mnist", "test", seed=3)]
    assert [y for _, y in ours] == [0, 1, 0, 1, 0, 1]
    for (video, label), original, repeat in zip(ours, raw, again, strict=True):
        np.testing.assert_array_equal(video, repeat)  # the permutation is seeded
        if label == 0:
            np.testing.assert_array_equal(video, original)
        else:  # the same frames, in another order
            assert not np.array_equal(video, original)
            key = lambda v: sorted(f.tobytes() for f in v)  # noqa: E731
            assert key(video) == key(original)


def test_imdb_text_is_passed_through():
    with _mock(3):
        raw = [ex["text"].numpy() for ex in tfds.load("imdb_reviews", split="test")]
        ours = [x.numpy() for x, _ in tfds_examples("imdb_reviews", "test")]
    assert ours == raw


def test_missing_tfds_dataset_is_not_downloaded(tmp_path):
    with pytest.raises(FileNotFoundError, match="not prepared") as error:
        load_dataset("mnist", data_dir=tmp_path)
    assert str(tmp_path) in str(error.value)
    assert not (tmp_path / "downloads").exists()


def test_offline_dataset_prepares_in_tfds_default_folder(tmp_path, monkeypatch):
    """No `data_dir` and no `$TFK_TOKFRAG_DATA_DIR`: TFDS's default folder (a fresh
    machine's `~/tensorflow_datasets`) is created, locked and prepared."""
    from tensorflow_datasets.core import constants

    default = tmp_path / "tensorflow_datasets"
    monkeypatch.delenv("TFK_TOKFRAG_DATA_DIR", raising=False)
    monkeypatch.setattr(constants, "DATA_DIR", str(default))
    test = load_dataset("digits", "test", batch_size=400)
    images, labels = next(iter(test))
    assert images.shape[0] == labels.shape[0] > 0
    assert (default / ".digits.prepare.lock").exists()
    assert tfds.builder("digits", data_dir=str(default)).is_prepared()


def _dataset_ops(ds):
    graph = tf.compat.v1.GraphDef.FromString(ds._as_serialized_graph().numpy())
    return {node.op for node in graph.node}


def test_read_split_leaves_caching_to_the_pipeline(offline_data_dir):
    """TFDS would cache a small split itself (a second copy next to `batch_pipeline`'s,
    and a warning on every partial read); `read_split` turns that off."""
    from tfk_tokfrag.data import read_split

    builder = tfds.builder("digits", data_dir=offline_data_dir)
    examples = read_split(builder, "test")
    pairs = read_split(builder, "test", as_supervised=True)
    assert not any("Cache" in op for op in _dataset_ops(examples) | _dataset_ops(pairs))
    first = next(iter(examples))
    image, label = next(iter(pairs))
    np.testing.assert_array_equal(image, first["image"])
    assert int(label) == int(first["label"])
    assert any("Cache" in op for op in _dataset_ops(load_dataset(
        "digits", "test", batch_size=8, data_dir=offline_data_dir)))  # the pipeline's own
