"""Tests for `WordVocabulary` against StringLookup, TextVectorization and hand-computed
cases (the layer's own behaviour is in `test_word_tokenizer.py`)."""

import gzip
import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfk_tokfrag.layers.word_vocabulary import (
    LEGACY_VOCABULARY_ASSET,
    VOCABULARY_ASSET,
    WordVocabulary,
)


def test_reserved_ids_come_first():
    vocabulary = WordVocabulary(num_oov_buckets=2, special_tokens=("[CLS]", "[SEP]"))
    reserved = ["", "[UNK]", "[UNK]", "[CLS]", "[SEP]"]
    assert vocabulary.reserved_tokens() == reserved
    assert vocabulary.get_vocabulary() == reserved
    assert vocabulary.num_tokens() == 0 and vocabulary.vocabulary_size() == 5
    vocabulary.set_vocabulary(["b", "a"])
    assert vocabulary.get_vocabulary() == reserved + ["b", "a"]
    assert vocabulary.get_vocabulary(include_special_tokens=False) == ["b", "a"]
    assert vocabulary.num_tokens() == 2 and vocabulary.vocabulary_size() == 7
    # A reserved prefix, as get_vocabulary() returns it, is recognised and skipped.
    vocabulary.set_vocabulary(vocabulary.get_vocabulary())
    assert vocabulary.get_vocabulary(include_special_tokens=False) == ["b", "a"]
    ids = vocabulary.lookup_ids(tf.constant(["a", "[SEP]", "b", "[CLS]"]))
    assert ids.numpy().tolist() == [6, 4, 5, 3]


def test_oov_buckets_match_string_lookup():
    tokens = ["alpha", "beta"]
    vocabulary = WordVocabulary(num_oov_buckets=3)
    vocabulary.set_vocabulary(tokens)
    lookup = keras.layers.StringLookup(vocabulary=tokens, num_oov_indices=3)
    words = tf.constant(["alpha", "gamma", "delta", "beta", "epsilon", "zeta"])
    expected = lookup(words).numpy() + 1  # StringLookup has no padding id
    np.testing.assert_array_equal(vocabulary.lookup_ids(words).numpy(), expected)


def test_lookup_tokens_inverts_lookup_ids():
    vocabulary = WordVocabulary(special_tokens=("[MASK]",))
    vocabulary.set_vocabulary(["x", "y"])
    ids = tf.constant([4, 3, 2, 1, 0, -3, 99], tf.int64)
    tokens = vocabulary.lookup_tokens(ids).numpy().tolist()
    # Ids outside the vocabulary give the OOV token.
    assert tokens == [b"y", b"x", b"[MASK]", b"[UNK]", b"", b"[UNK]", b"[UNK]"]


def test_max_tokens_counts_padding_only_for_ids():
    ids = WordVocabulary(max_tokens=4, special_tokens=("[CLS]",))
    assert ids.token_capacity() == 1  # padding, OOV, [CLS], one token
    with pytest.raises(ValueError, match="more than max_tokens=4 allows"):
        ids.set_vocabulary(["a", "b"])
    columns = WordVocabulary(max_tokens=4, output_mode="count")
    assert columns.token_capacity() == 3  # columns: OOV + three tokens
    columns.set_vocabulary(["a", "b", "c"])
    assert columns.num_columns() == 4
    assert WordVocabulary().token_capacity() is None


def test_num_columns():
    padded = WordVocabulary(max_tokens=10, output_mode="multi_hot", pad_to_max_tokens=True)
    padded.set_vocabulary(["a"])
    assert padded.num_columns() == 10
    # Rebuilt from a config: the recorded width holds until a vocabulary arrives.
    rebuilt = WordVocabulary(output_mode="count", num_columns=6)
    assert rebuilt.num_columns() == 6
    rebuilt.set_vocabulary(["a", "b"])
    assert rebuilt.num_columns() == 3


def test_bag_of_ids_matches_text_vectorization():
    corpus = ["a a b", "a c", "c", ""]
    tv = keras.layers.TextVectorization(output_mode="tf_idf")
    tv.adapt(corpus)
    weights = tv._lookup_layer.idf_weights.numpy()[: tv.vocabulary_size()]
    vocabulary = WordVocabulary(output_mode="tf_idf")
    vocabulary.set_vocabulary(tv.get_vocabulary(), weights)
    ids = tf.ragged.constant([[2, 2, 1], [4, 3], []], tf.int64)  # a a zz / b c / ""
    expected = tv(["a a zz", "b c", ""]).numpy()
    np.testing.assert_allclose(vocabulary.bag_of_ids(ids).numpy(), expected, rtol=1e-6)
    counts = WordVocabulary(output_mode="count")
    counts.set_vocabulary(["a", "c", "b"])
    assert counts.bag_of_ids(ids).numpy().tolist() == [[1, 2, 0, 0], [0, 0, 1, 1], [0] * 4]
    hot = WordVocabulary(output_mode="multi_hot")
    hot.set_vocabulary(["a", "c", "b"])
    assert hot.bag_of_ids(ids).numpy().tolist() == [[1, 1, 0, 0], [0, 0, 1, 1], [0] * 4]


def test_idf_of_reserved_ids():
    # Weights given for the OOV token and a special token are theirs; without
    # them, reserved ids get the mean weight of the tokens.
    vocabulary = WordVocabulary(output_mode="tf_idf", special_tokens=("[CLS]",))
    vocabulary.set_vocabulary(["[UNK]", "[CLS]", "a", "b"], [0.5, 0.25, 1.0, 2.0])
    ids = tf.ragged.constant([[1, 2, 3, 4, 4]], tf.int64)
    np.testing.assert_allclose(vocabulary.bag_of_ids(ids).numpy(), [[0.5, 0.25, 1.0, 4.0]])
    vocabulary.set_vocabulary(["a", "b"], [1.0, 2.0])
    np.testing.assert_allclose(vocabulary.bag_of_ids(ids).numpy(), [[1.5, 1.5, 1.0, 4.0]])
    with pytest.raises(ValueError, match="one weight per vocabulary entry"):
        vocabulary.set_vocabulary(["a", "b"], [1.0])
    with pytest.raises(ValueError, match="only used with output_mode='tf_idf'"):
        WordVocabulary().set_vocabulary(["a"], [1.0])


@pytest.mark.parametrize(
    "tokens, fragment",
    [
        (["a", "a"], "'a' twice"),
        (["a", "[CLS]"], "'[CLS]' twice"),
        (["a", "[UNK]"], "OOV token '[UNK]'"),
        (["a", ""], "padding token ''"),
        ([3], "vocabulary must hold strings"),
    ],
)
def test_bad_vocabularies(tokens, fragment):
    vocabulary = WordVocabulary(special_tokens=("[CLS]",))
    with pytest.raises(ValueError, match="vocabulary") as info:
        vocabulary.set_vocabulary(tokens)
    assert fragment in str(info.value)


def test_assets_round_trip(tmp_path):
    vocabulary = WordVocabulary(output_mode="tf_idf", num_oov_buckets=2)
    vocabulary.set_vocabulary(["line\nbreak", "ü😀"], [1.0, 2.0])
    vocabulary.save_assets(str(tmp_path))
    with gzip.open(tmp_path / VOCABULARY_ASSET, "rt", encoding="utf-8") as f:
        state = json.load(f)
    # Per column: the two OOV ids (mean weight), then the tokens.
    assert state == {"tokens": ["line\nbreak", "ü😀"], "idf_weights": [1.5, 1.5, 1.0, 2.0]}
    restored = WordVocabulary(output_mode="tf_idf", num_oov_buckets=2)
    restored.load_assets(str(tmp_path))
    assert restored.get_vocabulary() == vocabulary.get_vocabulary()
    ids = tf.ragged.constant([[1, 3, 4]], tf.int64)
    np.testing.assert_allclose(restored.bag_of_ids(ids).numpy(),
                               vocabulary.bag_of_ids(ids).numpy())
    # The same state, the same bytes (shipped zoo assets do not change on a re-save).
    with open(tmp_path / VOCABULARY_ASSET, "rb") as f:
        written = f.read()
    restored.save_assets(str(tmp_path))
    with open(tmp_path / VOCABULARY_ASSET, "rb") as f:
        assert f.read() == written
    # No asset: nothing happens. A plain list: the format before output_mode existed.
    empty = WordVocabulary()
    empty.load_assets(str(tmp_path / "missing"))
    assert empty.num_tokens() == 0
    os.makedirs(tmp_path / "old")
    with open(tmp_path / "old" / LEGACY_VOCABULARY_ASSET, "w", encoding="utf-8") as f:
        json.dump(["x", "y"], f)
    empty.load_assets(str(tmp_path / "old"))
    assert empty.get_vocabulary() == ["", "[UNK]", "x", "y"]
    # The escaped JSON of earlier versions, with IDF weights.
    os.makedirs(tmp_path / "escaped")
    with open(tmp_path / "escaped" / LEGACY_VOCABULARY_ASSET, "w", encoding="utf-8") as f:
        json.dump(state, f, ensure_ascii=True)
    older = WordVocabulary(output_mode="tf_idf", num_oov_buckets=2)
    older.load_assets(str(tmp_path / "escaped"))
    np.testing.assert_allclose(older.bag_of_ids(ids).numpy(),
                               vocabulary.bag_of_ids(ids).numpy())
    # Saved again over it: the new format replaces the old file.
    older.save_assets(str(tmp_path / "escaped"))
    assert os.listdir(tmp_path / "escaped") == [VOCABULARY_ASSET]


def test_tables_go_into_a_saved_model(tmp_path):
    vocabulary = WordVocabulary(num_oov_buckets=2)
    vocabulary.set_vocabulary(["a", "b"])
    module = tf.Module()
    module.vocabulary = vocabulary
    module.lookup = tf.function(
        vocabulary.lookup_ids, input_signature=[tf.TensorSpec([None], tf.string)]
    )
    words = tf.constant(["b", "zz", "a"])
    tf.saved_model.save(module, str(tmp_path))
    reloaded = tf.saved_model.load(str(tmp_path))
    np.testing.assert_array_equal(reloaded.lookup(words).numpy(),
                                  vocabulary.lookup_ids(words).numpy())


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"num_oov_buckets": 0}, "num_oov_buckets=0"),
        ({"oov_token": ""}, "oov_token=''"),
        ({"special_tokens": ("[UNK]",)}, "special_tokens=('[UNK]',)"),
        ({"output_mode": "one_hot"}, "output_mode='one_hot'"),
        ({"pad_to_max_tokens": True, "output_mode": "count"}, "pad_to_max_tokens=True"),
        ({"num_columns": 3}, "num_columns=3"),
        ({"max_tokens": 2, "num_oov_buckets": 1}, "max_tokens=2"),
    ],
)
def test_bad_arguments(kwargs, fragment):
    with pytest.raises(ValueError) as info:
        WordVocabulary(**kwargs)
    assert fragment in str(info.value)
