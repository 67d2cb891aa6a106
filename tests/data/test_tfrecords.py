"""Sharded TFRecords: round trips of every kind of input, sharding, order, JSON, errors."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf

from tests.data.conftest import random_clips
from tfk_tokfrag.data import batch_pipeline
from tfk_tokfrag.data.tfrecords import (
    is_tfrecord_source,
    read_tfrecords,
    shard_paths,
    tfrecord_examples,
    tfrecord_info,
    verify_tfrecords,
    write_tfrecords,
)
from tfk_tokfrag.version import __version__

VIDEO_SPEC = tf.TensorSpec([None, 4, 6, 1], tf.uint8)
LABEL_SPEC = tf.TensorSpec([], tf.int64)


def _from_list(examples, signature):
    """A dataset of `examples` (a list of `(inputs, label)`), possibly of varying shapes."""
    return tf.data.Dataset.from_generator(lambda: iter(examples), output_signature=signature)


def _assert_same(got, expected):
    """Two lists of `(inputs, label)` examples are equal, tensor by tensor."""
    assert len(got) == len(expected)
    for a, b in zip(got, expected, strict=True):
        tf.nest.assert_same_structure(a, b)
        for x, y in zip(tf.nest.flatten(a), tf.nest.flatten(b), strict=True):
            assert x.dtype == y.dtype
            np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def _read_all(source, **kwargs):
    ds, info = read_tfrecords(source, **kwargs)
    return list(ds), info


def _smooth_images(n, height=16, width=16, channels=3):
    """Smooth uint8 images (gradients), on which JPEG's loss is small."""
    y, x = np.mgrid[0:height, 0:width]
    images = [
        np.stack([x * 6 + y * 3 + 10 * k + 20 * c for c in range(channels)], -1) for k in range(n)
    ]
    return np.array(images, np.uint8)


@pytest.fixture
def images():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, size=(7, 5, 6, 3), dtype=np.uint8), np.arange(7) % 3


def test_images_round_trip_exactly_as_png(tmp_path, images):
    x, y = images
    source = tf.data.Dataset.from_tensor_slices((x, y))
    write_tfrecords(source, tmp_path / "img", num_shards=3, progress=False)
    got, info = _read_all(tmp_path / "img")
    _assert_same(got, list(source))
    assert got[0][0].shape == (5, 6, 3) and info["record_type"] == "example"
    # one PNG per image, under the usual keys
    record = next(iter(tf.data.TFRecordDataset(info["files"][0])))
    example = tf.train.Example.FromString(record.numpy())
    assert set(example.features.feature) == {"image/encoded", "image/class/label"}
    encoded = example.features.feature["image/encoded"].bytes_list.value[0]
    np.testing.assert_array_equal(tf.io.decode_png(encoded), x[0])


def test_grey_images_and_jpeg_within_its_loss(tmp_path):
    for channels in (1, 3):
        x = _smooth_images(4, channels=channels)
        source = tf.data.Dataset.from_tensor_slices((x, np.arange(4)))
        prefix = tmp_path / f"jpeg{channels}"
        write_tfrecords(source, prefix, num_shards=2, image_format="jpeg", progress=False)
        got, info = _read_all(prefix)
        assert info["image_format"] == "jpeg" and info["features"][0]["image_format"] == "jpeg"
        for (image, _), expected in zip(got, x, strict=True):
            assert image.shape == expected.shape and image.dtype == tf.uint8
            error = np.abs(image.numpy().astype(int) - expected.astype(int))
            assert error.mean() < 2 and error.max() < 16
            reference = tf.io.decode_jpeg(tf.io.encode_jpeg(expected, quality=95))
            np.testing.assert_array_equal(image, reference)  # JPEG's loss, nothing more
        assert [int(label) for _, label in got] == [0, 1, 2, 3]
        record = next(iter(tf.data.TFRecordDataset(info["files"][0])))
        encoded = tf.train.Example.FromString(record.numpy()).features.feature["image/encoded"]
        assert encoded.bytes_list.value[0][:2] == b"\xff\xd8"  # a JPEG


def test_rgba_stays_png_when_jpeg_is_asked(tmp_path):
    x = np.random.default_rng(1).integers(0, 256, size=(3, 4, 4, 4), dtype=np.uint8)
    source = tf.data.Dataset.from_tensor_slices((x, np.arange(3)))
    write_tfrecords(source, tmp_path / "rgba", num_shards=1, image_format="jpeg", progress=False)
    got, info = _read_all(tmp_path / "rgba")
    assert info["features"][0]["image_format"] == "png"
    _assert_same(got, list(source))


def test_text_round_trip(tmp_path):
    texts = ["a cat", "", "数字 七", "line\nbreak", "x" * 300]
    source = tf.data.Dataset.from_tensor_slices((texts, np.arange(5) % 2))
    write_tfrecords(source, tmp_path / "text", num_shards=2, progress=False)
    got, info = _read_all(tmp_path / "text")
    _assert_same(got, list(source))
    assert info["features"][0]["kind"] == "bytes" and info["features"][0]["key"] == "text"


def test_variable_length_video_is_a_model_garden_sequence_example(tmp_path):
    clips = random_clips(np.random.default_rng(2), [3, 1, 5, 2, 4])
    examples = [(clip, np.int64(k % 2)) for k, clip in enumerate(clips)]
    source = _from_list(examples, (VIDEO_SPEC, LABEL_SPEC))
    write_tfrecords(source, tmp_path / "clips", num_shards=2, progress=False)
    got, info = _read_all(tmp_path / "clips")
    _assert_same(got, list(source))
    assert info["record_type"] == "sequence_example"

    # The TF Model Garden's video decoder reads them (video_input.Decoder's specs).
    record = next(iter(tf.data.TFRecordDataset(info["files"][0])))
    context, sequences = tf.io.parse_single_sequence_example(
        record,
        context_features={"clip/label/index": tf.io.VarLenFeature(tf.int64)},
        sequence_features={"image/encoded": tf.io.FixedLenSequenceFeature((), tf.string)},
    )
    assert tf.sparse.to_dense(context["clip/label/index"]).numpy().tolist() == [0]
    frames = sequences["image/encoded"]
    assert frames.shape == (3,)  # one encoded frame per step
    np.testing.assert_array_equal(tf.io.decode_png(frames[2]), clips[0][2])


def test_multimodal_dict_round_trip(tmp_path):
    rng = np.random.default_rng(3)
    clips = random_clips(rng, [2, 4, 3])
    examples = [
        (
            {
                "image": rng.integers(0, 256, size=(6, 6, 1), dtype=np.uint8),
                "text": f"digit {k}".encode(),
                "video": clip,
            },
            np.int64(k),
        )
        for k, clip in enumerate(clips)
    ]
    signature = (
        {
            "image": tf.TensorSpec([6, 6, 1], tf.uint8),
            "text": tf.TensorSpec([], tf.string),
            "video": VIDEO_SPEC,
        },
        LABEL_SPEC,
    )
    source = _from_list(examples, signature)
    write_tfrecords(source, tmp_path / "scenes", num_shards=2, progress=False)
    ds, info = read_tfrecords(tmp_path / "scenes")
    assert ds.element_spec == signature
    _assert_same(list(ds), list(source))
    # the image and text in the context, the frames in the feature list
    record = next(iter(tf.data.TFRecordDataset(info["files"][0])))
    proto = tf.train.SequenceExample.FromString(record.numpy())
    assert set(proto.context.feature) == {"image/encoded", "text", "clip/label/index"}
    assert set(proto.feature_lists.feature_list) == {"image/encoded"}
    assert len(proto.feature_lists.feature_list["image/encoded"].feature) == 2


def test_time_series_and_numeric_tensors_round_trip(tmp_path):
    rng = np.random.default_rng(4)
    series = [rng.normal(size=(t, 2)).astype(np.float32) for t in (5, 3, 7, 1)]
    series[1][1, 0] = np.nan  # a missing value survives
    examples = [(s, np.int64(k)) for k, s in enumerate(series)]
    source = _from_list(examples, (tf.TensorSpec([None, 2], tf.float32), LABEL_SPEC))
    write_tfrecords(source, tmp_path / "series", num_shards=3, progress=False)
    got, info = _read_all(tmp_path / "series")
    assert info["features"][0]["kind"] == "float"
    assert got[1][0].shape == (3, 2) and np.isnan(got[1][0][1, 0])
    for (x, _), expected in zip(got, series, strict=True):
        np.testing.assert_array_equal(x, expected)  # NaN == NaN here

    numeric = (
        {
            "f64": rng.normal(size=(4, 3)),
            "i32": rng.integers(-5, 5, size=(4, 2, 2)).astype(np.int32),
            "flag": np.array([True, False, True, True]),
            "words": np.array([[b"a", b"b"], [b"c", b""], [b"d", b"e"], [b"f", b"g"]]),
        },
        rng.normal(size=(4, 2)).astype(np.float32),  # vector labels: unbatched
    )
    source = tf.data.Dataset.from_tensor_slices(numeric)
    write_tfrecords(source, tmp_path / "numeric", num_shards=2, batched=False, progress=False)
    got, info = _read_all(tmp_path / "numeric")
    kinds = {f["name"]: f["kind"] for f in info["features"]}
    assert kinds == {"f64": "tensor", "i32": "int", "flag": "int", "words": "bytes"}
    _assert_same(got, list(source))


def test_batched_sources_are_unbatched(tmp_path, images):
    x, y = images
    source = tf.data.Dataset.from_tensor_slices((x, y))
    write_tfrecords(source.batch(3), tmp_path / "batched", num_shards=2, progress=False)
    _assert_same(_read_all(tmp_path / "batched")[0], list(source))

    # padded video batches with their lengths: only the true frames are written
    clips = random_clips(np.random.default_rng(5), [3, 1, 5, 2])
    examples = [
        ({"video": c, "length": np.int32(len(c))}, np.int64(k)) for k, c in enumerate(clips)
    ]
    signature = ({"video": VIDEO_SPEC, "length": tf.TensorSpec([], tf.int32)}, LABEL_SPEC)
    source = _from_list(examples, signature)
    write_tfrecords(source.padded_batch(3), tmp_path / "padded", num_shards=2, progress=False)
    got, info = _read_all(tmp_path / "padded")
    assert info["cut_to_length"] == "video"
    _assert_same(got, list(source))

    # without lengths, the padding cannot be told apart: written as it is
    plain = _from_list([(c, np.int64(0)) for c in clips], (VIDEO_SPEC, LABEL_SPEC))
    write_tfrecords(plain.padded_batch(3), tmp_path / "plain", num_shards=1, progress=False)
    got, info = _read_all(tmp_path / "plain")
    assert [v.shape[0] for v, _ in got] == [5, 5, 5, 2] and info["cut_to_length"] is None


def _labelled(n):
    x = np.arange(n * 4, dtype=np.uint8).reshape(n, 2, 2, 1)
    return tf.data.Dataset.from_tensor_slices((x, np.arange(n, dtype=np.int64)))


def test_sharding_by_input_context_splits_files_disjointly(tmp_path):
    write_tfrecords(_labelled(11), tmp_path / "s", num_shards=5, progress=False)
    all_files = read_tfrecords(tmp_path / "s")[1]["files"]
    assert all_files == sorted(all_files) == shard_paths(str(tmp_path / "s"), 5)
    for pipelines in (1, 2, 3, 5):
        files, labels = [], []
        for index in range(pipelines):
            context = tf.distribute.InputContext(
                num_input_pipelines=pipelines, input_pipeline_id=index
            )
            ds, info = read_tfrecords(tmp_path / "s", input_context=context)
            assert set(files).isdisjoint(info["files"])
            files += info["files"]
            labels += [int(label) for _, label in ds]
            assert int(ds.cardinality()) == info["pipeline_num_examples"]
            explicit, _ = read_tfrecords(tmp_path / "s", shard_index=index, num_shards=pipelines)
            assert [int(label) for _, label in explicit] == labels[-len(list(explicit)) :]
            if pipelines > 1:
                policy = ds.options().experimental_distribute.auto_shard_policy
                assert policy == tf.data.experimental.AutoShardPolicy.OFF
        assert sorted(files) == all_files
        assert sorted(labels) == list(range(11))  # every example exactly once

    with pytest.raises(ValueError, match="6 input pipelines .* 5 shards"):
        read_tfrecords(tmp_path / "s", shard_index=0, num_shards=6)
    with pytest.raises(ValueError, match="either input_context or shard_index"):
        read_tfrecords(tmp_path / "s", input_context=tf.distribute.InputContext(), shard_index=0)
    with pytest.raises(ValueError, match="shard_index and num_shards go together"):
        read_tfrecords(tmp_path / "s", shard_index=1)
    with pytest.raises(ValueError, match=r"shard_index must be in \[0, num_shards\)"):
        read_tfrecords(tmp_path / "s", shard_index=2, num_shards=2)


def test_round_robin_shards_and_deterministic_source_order(tmp_path):
    info = write_tfrecords(_labelled(11), tmp_path / "o", num_shards=4, progress=False)
    assert [s["num_examples"] for s in info["shards"]] == [3, 3, 3, 2]
    first = tf.data.TFRecordDataset(shard_paths(str(tmp_path / "o"), 4)[1])
    labels = [tf.train.Example.FromString(r.numpy()) for r in first]
    assert [e.features.feature["image/class/label"].int64_list.value[0] for e in labels] == [
        1,
        5,
        9,
    ]  # example i in shard i % 4
    for reads in (tf.data.AUTOTUNE, 1, 2):
        for _ in range(2):
            ds, _ = read_tfrecords(tmp_path / "o", num_parallel_reads=reads)
            assert [int(label) for _, label in ds] == list(range(11))


def test_the_json_description(tmp_path):
    clips = random_clips(np.random.default_rng(6), [2, 3, 1])
    examples = [({"video": c, "text": b"t"}, np.int64(k)) for k, c in enumerate(clips)]
    signature = ({"video": VIDEO_SPEC, "text": tf.TensorSpec([], tf.string)}, LABEL_SPEC)
    returned = write_tfrecords(
        _from_list(examples, signature),
        tmp_path / "d" / "train",
        num_shards=2,
        class_names=["zero", "one", "two"],
        split="train",
        image_format="jpeg",
        jpeg_quality=90,
        progress=False,
    )
    with open(tmp_path / "d" / "train.json") as f:
        written = json.load(f)
    assert written == returned
    assert written["format"] == "tfk_tokfrag.tfrecords"
    assert written["tfk_tokfrag_version"] == __version__
    assert written["element_spec"] == {
        "inputs": {
            "video": {"dtype": "uint8", "shape": [None, 4, 6, 1]},
            "text": {"dtype": "string", "shape": []},
        },
        "label": {"dtype": "int64", "shape": []},
    }
    assert written["inputs_is_dict"] is True and written["record_type"] == "sequence_example"
    assert (written["image_format"], written["jpeg_quality"]) == ("jpeg", 90)
    assert written["class_names"] == ["zero", "one", "two"] and written["split"] == "train"
    assert written["order"] == "round_robin" and written["num_shards"] == 2
    assert [s["file"] for s in written["shards"]] == [
        "train-00000-of-00002.tfrecord",
        "train-00001-of-00002.tfrecord",
    ]
    assert [s["num_examples"] for s in written["shards"]] == [2, 1]
    assert written["num_examples"] == 3
    for shard in written["shards"]:
        assert shard["num_bytes"] == os.path.getsize(tmp_path / "d" / shard["file"])
    assert written["label_feature"]["key"] == "clip/label/index"

    info = tfrecord_info(tmp_path / "d")
    assert info["class_names"] == ("zero", "one", "two") and info["num_classes"] == 3
    assert info["splits"] == {"train": 3} and info["source"] == "tfrecord"
    assert info["modalities"] == ("text", "video")
    assert info["inputs"]["video"] == {"shape": (None, 4, 6, 1), "dtype": "uint8"}


def test_a_truncated_or_corrupted_shard_is_named(tmp_path):
    write_tfrecords(_labelled(6), tmp_path / "t", num_shards=2, progress=False)
    first, second = shard_paths(str(tmp_path / "t"), 2)
    data = open(first, "rb").read()
    with open(first, "wb") as f:
        f.write(data[:-10])
    with pytest.raises(tf.errors.DataLossError, match="t-00000-of-00002.tfrecord is truncated"):
        read_tfrecords(tmp_path / "t")
    with pytest.raises(tf.errors.DataLossError, match="t-00000-of-00002.tfrecord is damaged"):
        verify_tfrecords(tmp_path / "t")
    # the other pipeline's file is fine
    assert len(list(read_tfrecords(tmp_path / "t", shard_index=1, num_shards=2)[0])) == 3

    # a flipped byte (same size): TensorFlow's error when read, verify_tfrecords names it
    with open(first, "wb") as f:
        f.write(data)
    assert verify_tfrecords(tmp_path / "t") == {first: 3, second: 3}
    damaged = bytearray(data)
    damaged[len(data) // 2] ^= 0xFF
    with open(first, "wb") as f:
        f.write(bytes(damaged))
    with pytest.raises(tf.errors.DataLossError):
        list(read_tfrecords(tmp_path / "t")[0])
    with pytest.raises(tf.errors.DataLossError, match="t-00000-of-00002.tfrecord is damaged"):
        verify_tfrecords(tmp_path / "t")


def test_missing_or_corrupt_description_and_missing_shards(tmp_path):
    write_tfrecords(_labelled(4), tmp_path / "m", num_shards=2, progress=False)
    pattern = str(tmp_path / "m-*-of-*.tfrecord")
    with pytest.raises(FileNotFoundError, match="No TFRecord shards match .*nothing-"):
        read_tfrecords(tmp_path / "nothing-*-of-*.tfrecord")
    with pytest.raises(FileNotFoundError, match="No TFRecords at"):
        read_tfrecords(tmp_path / "nothing")

    os.remove(shard_paths(str(tmp_path / "m"), 2)[1])
    with pytest.raises(FileNotFoundError, match="Shards listed in .*m.json are missing"):
        read_tfrecords(tmp_path / "m")

    (tmp_path / "m.json").write_text('{"format": "tfk_tokfrag.tfrecords", "shards": [')
    with pytest.raises(ValueError, match="m.json is not a valid JSON description"):
        read_tfrecords(pattern)
    (tmp_path / "m.json").write_text('{"something": "else"}')
    with pytest.raises(ValueError, match="m.json is not a description written by"):
        read_tfrecords(pattern)
    os.remove(tmp_path / "m.json")
    with pytest.raises(FileNotFoundError, match="No description .*m.json beside"):
        read_tfrecords(pattern)


def test_reading_through_batch_pipeline_gives_the_source_batches(tmp_path):
    clips = random_clips(np.random.default_rng(7), [3, 1, 5, 2, 4])
    examples = [(c, np.int64(k % 3)) for k, c in enumerate(clips)]
    source = _from_list(examples, (VIDEO_SPEC, LABEL_SPEC))
    write_tfrecords(source, tmp_path / "v", num_shards=3, progress=False)
    read, _ = read_tfrecords(str(tmp_path / "v-*-of-*.tfrecord"))
    expected = list(batch_pipeline(source, 2))
    got = list(batch_pipeline(read, 2))
    assert [b[0].shape for b in got] == [(2, 3, 4, 6, 1), (2, 5, 4, 6, 1), (1, 4, 4, 6, 1)]
    _assert_same(got, expected)


def test_sources_load_dataset_routes_here(tmp_path):
    write_tfrecords(_labelled(4), tmp_path / "r" / "train", num_shards=2, progress=False)
    (tmp_path / "classes" / "cat").mkdir(parents=True)
    assert is_tfrecord_source(str(tmp_path / "r" / "train-*-of-*.tfrecord"))
    assert is_tfrecord_source(str(tmp_path / "r" / "train-00000-of-00002.tfrecord"))
    assert is_tfrecord_source(tmp_path / "r" / "train")
    assert is_tfrecord_source(tmp_path / "r" / "train.json")
    assert is_tfrecord_source(tmp_path / "r")
    assert not is_tfrecord_source(tmp_path / "classes")
    assert not is_tfrecord_source("digits")
    assert not is_tfrecord_source(tmp_path / "r" / "missing")
    assert not is_tfrecord_source(3)
    for source in (tmp_path / "r" / "train", tmp_path / "r" / "train.json", tmp_path / "r"):
        assert [int(y) for _, y in read_tfrecords(source)[0]] == [0, 1, 2, 3]


def test_a_folder_of_splits_and_the_load_dataset_options(tmp_path):
    clips = random_clips(np.random.default_rng(8), [3, 5])
    source = _from_list([(c, np.int64(k)) for k, c in enumerate(clips)], (VIDEO_SPEC, LABEL_SPEC))
    for split in ("train", "test"):
        write_tfrecords(source, tmp_path / split, num_shards=1, split=split, progress=False)
    assert tfrecord_info(tmp_path)["splits"] == {"test": 2, "train": 2}
    ds = tfrecord_examples(tmp_path, "test", image_size=(8, 12), num_frames=4, return_lengths=True)
    (first, label), _ = list(ds)
    assert first["video"].shape == (4, 8, 12, 1) and int(first["length"]) == 4
    assert int(label) == 0
    _assert_same(list(tfrecord_examples(tmp_path, "train")), list(source))
    with pytest.raises(ValueError, match="none is of split 'validation'"):
        tfrecord_examples(tmp_path, "validation")
    with pytest.raises(ValueError, match="train.json \\(split 'train'\\)"):
        read_tfrecords(tmp_path)  # two datasets, no split


def test_existing_files_and_argument_errors(tmp_path, images, capsys):
    x, y = images
    source = tf.data.Dataset.from_tensor_slices((x, y))
    write_tfrecords(source, tmp_path / "e", num_shards=3, progress=True)
    assert "Writing" in capsys.readouterr().err  # the progress bar
    with pytest.raises(FileExistsError, match="pass overwrite=True"):
        write_tfrecords(source, tmp_path / "e", num_shards=2, progress=False)
    write_tfrecords(source, tmp_path / "e", num_shards=2, overwrite=True, progress=False)
    assert sorted(os.listdir(tmp_path)) == [
        "e-00000-of-00002.tfrecord",
        "e-00001-of-00002.tfrecord",
        "e.json",
    ]  # the three older shards are gone
    _assert_same(_read_all(str(tmp_path / "e-*-of-*.tfrecord"))[0], list(source))

    with pytest.raises(ValueError, match="num_shards must be a positive int"):
        write_tfrecords(source, tmp_path / "x", num_shards=0)
    with pytest.raises(ValueError, match="image_format must be one of"):
        write_tfrecords(source, tmp_path / "x", num_shards=1, image_format="gif")
    with pytest.raises(ValueError, match="jpeg_quality must be an int in"):
        write_tfrecords(source, tmp_path / "x", num_shards=1, jpeg_quality=101)
    with pytest.raises(ValueError, match=r"\(inputs, label\) pairs"):
        write_tfrecords(tf.data.Dataset.range(3), tmp_path / "x", num_shards=1)
    with pytest.raises(ValueError, match="Example 3 has label 3"):
        write_tfrecords(
            _labelled(5), tmp_path / "x", num_shards=1, class_names=["a", "b", "c"], progress=False
        )
    assert not any(p.startswith("x") for p in os.listdir(tmp_path))  # nothing half-written


def test_load_dataset_reads_a_workers_own_files_and_counts_them(tmp_path, images):
    from tfk_tokfrag.data import load_dataset
    from tfk_tokfrag.data.tfrecords import pipeline_num_examples

    x, y = images  # 7 examples in 3 shards: 3, 2, 2
    source = tf.data.Dataset.from_tensor_slices((x, y))
    write_tfrecords(source, tmp_path / "train", num_shards=3, split="train", progress=False)
    assert pipeline_num_examples(tmp_path, 2, "train") == [5, 2]  # files 0, 2 and 1
    assert pipeline_num_examples(tmp_path, 3, "train") == [3, 2, 2]
    with pytest.raises(ValueError, match="there are 3 shards"):
        pipeline_num_examples(tmp_path, 4, "train")
    read = []
    for index in range(2):
        context = tf.distribute.InputContext(2, index, 2)
        ds = load_dataset(tmp_path, "train", 2, shuffle=False, input_context=context)
        read.append(np.concatenate([np.asarray(batch) for batch, _ in ds]))
    assert [len(r) for r in read] == [5, 2]
    # Together every example once.
    got = np.concatenate(read)
    assert sorted(map(bytes, got)) == sorted(map(bytes, x))
    context = tf.distribute.InputContext(2, 0, 2)
    with pytest.raises(ValueError, match="not to named datasets"):
        load_dataset("digits", "train", 2, input_context=context)
    folder = tmp_path / "texts" / "a"
    folder.mkdir(parents=True)
    (folder / "1.txt").write_text("x")
    with pytest.raises(ValueError, match="sharded TFRecords only"):
        load_dataset(tmp_path / "texts", "train", 2, input_context=context)
