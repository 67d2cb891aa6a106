"""`load_dataset` on the offline datasets: batching, shuffling, caching, map_fn."""

import numpy as np
import pytest
import tensorflow as tf

from tfk_tokfrag.data import load_dataset, load_digits_arrays


def _labels(ds):
    return np.concatenate([y.numpy() for _, y in ds])


def test_digits_batches_shuffling_and_splits(offline_data_dir):
    arrays = load_digits_arrays()
    test = load_dataset("digits", "test", batch_size=64, data_dir=offline_data_dir)
    batches = list(test)
    assert [len(y) for _, y in batches] == [64] * 5 + [359 - 5 * 64]
    images = np.concatenate([x.numpy() for x, _ in batches])
    assert images.dtype == np.uint8
    np.testing.assert_array_equal(images, arrays["test"][0])  # test: not shuffled
    np.testing.assert_array_equal(_labels(batches), arrays["test"][1])

    train = load_dataset("digits", batch_size=100, data_dir=offline_data_dir, drop_remainder=True)
    epoch1, epoch2 = _labels(train), _labels(train)
    assert len(epoch1) == 1400
    assert not np.array_equal(epoch1, epoch2)  # reshuffled every epoch
    again = load_dataset("digits", batch_size=100, data_dir=offline_data_dir, drop_remainder=True)
    np.testing.assert_array_equal(_labels(again), epoch1)  # same seed, same order
    other = load_dataset(
        "digits", batch_size=100, data_dir=offline_data_dir, seed=1, drop_remainder=True
    )
    assert not np.array_equal(_labels(other), epoch1)
    full = load_dataset("digits", batch_size=2000, data_dir=offline_data_dir)
    np.testing.assert_array_equal(np.sort(_labels(full)), np.sort(arrays["train"][1]))


def test_moving_digits_padded_batches(offline_data_dir):
    ds = load_dataset(
        "moving_digits", "test", batch_size=16, data_dir=offline_data_dir, return_lengths=True
    )
    x, y = next(iter(ds))
    video, length = x["video"].numpy(), x["length"].numpy()
    assert video.dtype == np.uint8 and video.shape[0] == 16 and video.shape[2:] == (32, 32, 1)
    assert video.shape[1] == length.max() and y.dtype == tf.int64
    # Padding frames are all zero and real frames never are.
    nonzero = video.reshape(16, video.shape[1], -1).any(-1)
    np.testing.assert_array_equal(nonzero.sum(1), length)
    plain = load_dataset("moving_digits", "test", batch_size=16, data_dir=offline_data_dir)
    assert plain.element_spec[0].shape.as_list() == [None, None, 32, 32, 1]
    fixed = load_dataset(
        "moving_digits", "test", batch_size=16, data_dir=offline_data_dir, num_frames=8
    )
    assert fixed.element_spec[0].shape.as_list() == [None, 8, 32, 32, 1]


def test_digit_scenes_dict_inputs_and_map_fn(offline_data_dir):
    def to_float(inputs):
        return {**inputs, "image": tf.cast(inputs["image"], tf.float32) / 255.0}

    ds = load_dataset(
        "digit_scenes", batch_size=8, data_dir=offline_data_dir, map_fn=to_float, cache=False
    )
    x, y = next(iter(ds))
    assert set(x) == {"image", "text", "video"}
    assert x["image"].dtype == tf.float32 and x["image"].shape == (8, 16, 16, 1)
    assert x["text"].dtype == tf.string and x["text"].shape == (8,)
    assert x["video"].dtype == tf.uint8 and x["video"].shape == (8, 8, 16, 16, 1)
    assert y.shape == (8,)


def test_a_tokenizer_layer_as_map_fn(offline_data_dir):
    from tfk_tokfrag.layers.word_tokenizer import WordTokenizer

    tokenizer = WordTokenizer(vocabulary=["maybe", "three", "三"], split="cjk", sequence_length=12)
    ds = load_dataset(
        "digit_scenes",
        "test",
        batch_size=4,
        data_dir=offline_data_dir,
        map_fn=lambda x: tokenizer(x["text"]),
    )
    tokens, _ = next(iter(ds))
    assert tokens.shape == (4, 12) and tokens.dtype.is_integer


def test_env_var_data_dir_and_file_cache(offline_data_dir, monkeypatch, tmp_path):
    monkeypatch.setenv("TFK_TOKFRAG_DATA_DIR", offline_data_dir)
    cache = str(tmp_path / "cache" / "digits")
    (tmp_path / "cache").mkdir()
    ds = load_dataset("digits", "test", batch_size=400, cache=cache)
    assert len(_labels(ds)) == 359
    assert any(p.name.startswith("digits") for p in (tmp_path / "cache").iterdir())


def test_argument_errors(offline_data_dir):
    with pytest.raises(ValueError, match="batch_size"):
        load_dataset("digits", batch_size=0, data_dir=offline_data_dir)
    with pytest.raises(ValueError, match="image_size"):
        load_dataset("digits", image_size=(0, 3), data_dir=offline_data_dir)
    with pytest.raises(ValueError, match="num_frames"):
        load_dataset("moving_digits", num_frames=0, data_dir=offline_data_dir)
