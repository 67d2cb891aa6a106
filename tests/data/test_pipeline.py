"""`batch_pipeline` (the one batching helper) and its array front ends."""

import numpy as np
import pytest
import tensorflow as tf

from tfk_tokfrag.data import (
    array_pipeline,
    batch_pipeline,
    digits_dataset,
    load_dataset,
    load_digits_arrays,
)


def _epochs(ds, n=2, part=0):
    return [np.concatenate([batch[part].numpy() for batch in ds]) for _ in range(n)]


def _examples(n=50):
    x = np.arange(n, dtype=np.int64)
    return tf.data.Dataset.from_tensor_slices((x, x % 3))


def test_batch_pipeline_is_the_usual_tf_data_chain():
    ds = _examples()
    # Cached in memory: the shuffle buffer holds the whole set, reshuffled each epoch.
    ours = _epochs(batch_pipeline(ds, 8, shuffle=True, seed=5))
    reference = _epochs(ds.cache().shuffle(50, seed=5, reshuffle_each_iteration=True).batch(8))
    np.testing.assert_array_equal(ours, reference)
    assert not np.array_equal(ours[0], ours[1])
    np.testing.assert_array_equal(np.sort(ours[0]), np.arange(50))
    # An explicit buffer, no cache.
    ours = _epochs(batch_pipeline(ds, 8, shuffle=True, seed=5, shuffle_buffer=7, cache=False))
    reference = _epochs(ds.shuffle(7, seed=5, reshuffle_each_iteration=True).batch(8))
    np.testing.assert_array_equal(ours, reference)
    # Not shuffled: the order of the examples; the last, smaller batch dropped on request.
    batches = [x.numpy().tolist() for x, _ in batch_pipeline(ds, 16, drop_remainder=True)]
    assert batches == [list(range(i, i + 16)) for i in (0, 16, 32)]


def test_batch_pipeline_pads_variable_lengths_and_maps_batches():
    ds = tf.data.Dataset.range(1, 4).map(lambda n: (tf.fill([n], tf.cast(n, tf.uint8)), n))
    ((x, y),) = list(batch_pipeline(ds, 3, map_fn=lambda v: tf.cast(v, tf.int32) * 10))
    np.testing.assert_array_equal(x, [[10, 0, 0], [20, 20, 0], [30, 30, 30]])
    np.testing.assert_array_equal(y, [1, 2, 3])


def test_batch_pipeline_file_cache(tmp_path):
    prefix = str(tmp_path / "examples")
    batches = [x.numpy().tolist() for x, _ in batch_pipeline(_examples(5), 5, cache=prefix)]
    assert batches == [[0, 1, 2, 3, 4]]
    assert any(p.name.startswith("examples") for p in tmp_path.iterdir())


def test_batch_pipeline_argument_errors():
    ds = _examples(5)
    with pytest.raises(ValueError, match=r"a positive int\. Received: batch_size=0"):
        batch_pipeline(ds, 0)
    with pytest.raises(ValueError, match=r"None or a positive int\. Received: shuffle_buffer=0"):
        batch_pipeline(ds, 2, shuffle_buffer=0)
    with pytest.raises(ValueError, match=r"a bool or a file prefix\. Received: cache=1"):
        batch_pipeline(ds, 2, cache=1)
    with pytest.raises(ValueError, match="batch_size"):
        array_pipeline(np.zeros((4, 2)), np.zeros(4), batch_size=True)


def test_pipeline_batches_shuffles_and_prefetches():
    ds = digits_dataset("train", batch_size=64, seed=42)
    images, labels = next(iter(ds))
    assert images.dtype == tf.uint8 and images.shape == (64, 8, 8, 1)
    assert labels.dtype == tf.int64
    # Every example exactly once per epoch, order reshuffled between epochs.
    epoch1 = np.concatenate([y.numpy() for _, y in ds])
    epoch2 = np.concatenate([y.numpy() for _, y in ds])
    train_labels = load_digits_arrays(seed=42)["train"][1]
    np.testing.assert_array_equal(np.sort(epoch1), np.sort(train_labels))
    assert not np.array_equal(epoch1, epoch2)
    # The test split is not shuffled: same order as the arrays.
    test = np.concatenate([y.numpy() for _, y in digits_dataset("test", 100)])
    np.testing.assert_array_equal(test, load_digits_arrays(seed=42)["test"][1])
    with pytest.raises(ValueError, match="split='val'"):
        digits_dataset("val")


def test_digits_dataset_gives_the_batches_of_load_dataset(offline_data_dir):
    for split in ("train", "test"):
        ours = digits_dataset(split, 100)
        named = load_dataset("digits", split, 100, data_dir=offline_data_dir)
        for part in (0, 1):
            np.testing.assert_array_equal(_epochs(ours, part=part), _epochs(named, part=part))


def test_shuffle_epoch_makes_each_pass_a_function_of_the_epoch():
    calls = tf.Variable(0, dtype=tf.int64)

    def count(x, y):
        calls.assign_add(1)
        return x, y

    examples = tf.data.Dataset.from_tensor_slices((np.arange(10), np.arange(10) % 2)).map(count)
    epoch = tf.Variable(0, dtype=tf.int64)
    ds = batch_pipeline(examples, batch_size=4, shuffle=True, seed=7, shuffle_epoch=epoch)
    assert int(ds.cardinality()) == 3  # still known: Keras counts steps from it
    calls.assign(0)  # (building the pipeline read one example to size the cache)

    def order():
        return np.concatenate([x.numpy() for x, _ in ds]).tolist()

    orders = {}
    for e in (0, 1, 2, 1, 0):
        epoch.assign(e)
        orders.setdefault(e, order())
        assert order() == orders[e]  # the same epoch reads the same order, every pass
        assert sorted(orders[e]) == list(range(10))
    assert len({tuple(o) for o in orders.values()}) == 3
    assert int(calls.numpy()) == 10  # the cache is filled once and shared by all passes


def test_shuffle_epoch_must_be_an_int64_variable():
    ds = tf.data.Dataset.from_tensor_slices((np.arange(4), np.arange(4)))
    with pytest.raises(ValueError, match="shuffle_epoch must be an int64 tf.Variable"):
        batch_pipeline(ds, shuffle=True, shuffle_epoch=tf.Variable(0, dtype=tf.int32))


@pytest.mark.parametrize("global_seed", [0, 1])
def test_shuffle_epoch_works_whatever_the_global_seed(global_seed):
    # With the global seed 0, tf.data's seed logic once failed on the tensor seed.
    def order():
        tf.random.set_seed(global_seed)
        examples = tf.data.Dataset.from_tensor_slices((np.arange(10), np.arange(10)))
        ds = batch_pipeline(examples, batch_size=5, shuffle=True, seed=0,
                            shuffle_epoch=tf.Variable(3, dtype=tf.int64))
        return np.concatenate([x.numpy() for x, _ in ds]).tolist()

    first = order()
    assert sorted(first) == list(range(10)) and first != list(range(10))
    assert order() == first
