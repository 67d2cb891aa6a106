"""Tests for `WordTokenizer` against TextVectorization, StringLookup, unicodedata and
hand-computed cases."""

import json
import os
import resource
import subprocess
import sys
import time
import unicodedata

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_case import TestCase
from tfk_tokfrag.layers.word_tokenizer import WordTokenizer

CORPUS = [
    "The quick brown fox jumps over the lazy dog.",
    "A dog, a cat; and a FOX!",
    "Is the café open? Yes: it's open (until 9pm).",
    "the the the fox fox dog",
    "Numbers 2024 and 3.14 and x-ray e-mail [UNK] <tag>",
    "ünïcode wörds stay whole, naïve résumé.",
]
QUERIES = [
    "the fox and the dog",
    "A brand new word, never seen!",
    "",
    "   ",
    "café résumé 2024 x-ray",
    "THE LAZY DOG jumps over the quick brown fox again and again",
]


# Upper/lower case in and out of the BMP, context-dependent lower-casing (final
# sigma, dotted I), CJK, ASCII and Unicode punctuation, Unicode spaces, a character
# outside the BMP and U+FFFD.
_PARITY_ALPHABET = (
    "aZ Éé ΣσςΑ İı ǅ Ꭰꭰ Ａａ 我爱한글カナー々〆ｰ .,!?'-，。！「」《》¥+ \t\n"
    "\u00a0\u3000\u2003\u0301\U0001F600\U00010400\U00020000\ufffd 09"
)


def _ids(x):
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x)


class TestWordTokenizer(TestCase):
    # -- the shared harness ------------------------------------------------------------
    def test_layer_harness_dense(self):
        self.run_layer_test(
            WordTokenizer,
            init_kwargs={
                "vocabulary": ["the", "fox", "dog", "我", "爱"],
                "sequence_length": 6,
                "split": "cjk",
                "special_tokens": ("[CLS]", "[SEP]"),
                "padding_side": "left",
            },
            input_data=np.array(
                ["[CLS] The fox!", "我爱 the dog [SEP]", "", "unknown words here"],
                dtype=object,
            ),
            expected_output_shape=(4, 6),
            expected_output_data=[
                [0, 0, 0, 2, 4, 5],
                [0, 7, 8, 4, 6, 3],
                [0, 0, 0, 0, 0, 0],
                [0, 0, 0, 1, 1, 1],
            ],
            expected_output_dtype="int64",
            expected_num_trainable_weights=0,
        )

    def test_layer_harness_column_input_ngrams(self):
        self.run_layer_test(
            WordTokenizer,
            init_kwargs={
                "vocabulary": ["a", "b", "a b"],
                "ngrams": (1, 2),
                "sequence_length": 4,
                "num_oov_buckets": 3,
                "truncation_side": "left",
            },
            input_data=tf.constant([["a b"], ["b c a a"], ["x"]]),
            expected_output_shape=(3, 4),
            # a=4, b=5, "a b"=6 after padding and 3 OOV buckets; c, "b c", "c a" and
            # x hash into 1..3; truncation keeps the last 4 of the 7 tokens.
            expected_output_data=_expected_ngram_ids(),
            expected_output_dtype="int64",
            # Unbatched, a (batch, 1) dataset yields (1,) strings: a batch of one,
            # whose output is (1, 4), not a row of the batched output.
            run_data_map_check=False,
        )

    # -- TextVectorization parity ------------------------------------------------------
    @pytest.mark.parametrize(
        "settings_",
        [
            {},
            {"standardize": "lower"},
            {"standardize": None},
            {"standardize": "strip_punctuation"},
            {"ngrams": 2},
            {"ngrams": (1, 3)},
            {"max_tokens": 8},
            {"split": "character", "max_tokens": 20},
            {"sequence_length": 5},
        ],
        ids=lambda s: ",".join(f"{k}={v}" for k, v in s.items()) or "default",
    )
    def test_matches_text_vectorization(self, settings_):
        tv_kwargs = {
            "standardize": settings_.get("standardize", "lower_and_strip_punctuation"),
            "split": settings_.get("split", "whitespace"),
            "ngrams": settings_.get("ngrams"),
            "max_tokens": settings_.get("max_tokens"),
            "output_sequence_length": settings_.get("sequence_length"),
        }
        tv = keras.layers.TextVectorization(**tv_kwargs)
        ours = WordTokenizer(**settings_)
        # Case folding differs on non-ASCII capitals (ours is Unicode-aware), so the
        # parity corpus is lower-case outside ASCII.
        tv.adapt(CORPUS)
        ours.adapt(CORPUS)
        assert ours.get_vocabulary() == tv.get_vocabulary()
        assert ours.vocabulary_size() == tv.vocabulary_size()
        if settings_.get("sequence_length") is None:
            ours = WordTokenizer(**{**settings_, "sequence_length": 12})
            ours.set_vocabulary(tv.get_vocabulary())
            tv = keras.layers.TextVectorization(
                **{**tv_kwargs, "output_sequence_length": 12},
                vocabulary=tv.get_vocabulary()[2:],
            )
        np.testing.assert_array_equal(_ids(ours(QUERIES)), _ids(tv(QUERIES)))
        np.testing.assert_array_equal(_ids(ours(CORPUS)), _ids(tv(CORPUS)))

    @pytest.mark.parametrize("mode", ["multi_hot", "count", "tf_idf"])
    @pytest.mark.parametrize(
        "settings_",
        [{}, {"max_tokens": 8}, {"max_tokens": 40, "pad_to_max_tokens": True},
         {"ngrams": 2}, {"standardize": None}],
        ids=lambda s: ",".join(f"{k}={v}" for k, v in s.items()) or "default",
    )
    def test_bag_of_ids_match_text_vectorization(self, mode, settings_):
        tv = keras.layers.TextVectorization(output_mode=mode, **settings_)
        ours = WordTokenizer(output_mode=mode, **settings_)
        tv.adapt(CORPUS)
        ours.adapt(tf.data.Dataset.from_tensor_slices(CORPUS).batch(4))  # streamed
        assert ours.get_vocabulary()[:2] == ["", "[UNK]"]
        assert ours.get_vocabulary()[2:] == tv.get_vocabulary()[1:]  # no padding column
        for texts in (QUERIES, CORPUS):
            expected, got = tv(texts).numpy(), ours(texts).numpy()
            assert got.dtype == expected.dtype and got.shape == expected.shape
            np.testing.assert_allclose(got, expected, rtol=1e-6)
        assert ours.compute_output_shape((None,)) == tv.compute_output_shape((None,))
        if mode == "tf_idf":  # and with the vocabulary and weights given
            weights = tv._lookup_layer.idf_weights.numpy()[: tv.vocabulary_size()]
            given = WordTokenizer(output_mode=mode, vocabulary=tv.get_vocabulary(),
                                  idf_weights=weights, **settings_)
            np.testing.assert_allclose(given(QUERIES).numpy(), tv(QUERIES).numpy(),
                                       rtol=1e-6)

    def test_tf_idf_by_hand(self):
        # 4 documents; df(a)=2, df(b)=1, df(c)=2 -> idf = log(1 + 4 / (1 + df)).
        layer = WordTokenizer(output_mode="tf_idf")
        layer.adapt(["a a b", "a c", "c", ""])
        assert layer.get_vocabulary() == ["", "[UNK]", "a", "c", "b"]  # by count
        idf = {t: np.log(1 + 4 / (1 + df)) for t, df in {"a": 2, "b": 1, "c": 2}.items()}
        unk = np.mean([idf["c"], idf["a"], idf["b"]])
        np.testing.assert_allclose(
            layer(["a a zz", "b c"]).numpy(),
            [[unk, 2 * idf["a"], 0, 0], [0, 0, idf["c"], idf["b"]]], rtol=1e-6,
        )
        np.testing.assert_allclose(layer("zz").numpy(), [unk, 0, 0, 0], rtol=1e-6)

    def test_bag_of_ids_with_oov_buckets_and_special_tokens(self):
        layer = WordTokenizer(vocabulary=["cat", "dog"], output_mode="count",
                              num_oov_buckets=2, special_tokens=("[SEP]",))
        # Columns: 2 OOV buckets, [SEP], cat, dog (id k + 1 -> column k).
        got = layer(["cat [SEP] dog dog", ""]).numpy()
        np.testing.assert_array_equal(got, [[0, 0, 1, 1, 2], [0, 0, 0, 0, 0]])
        oov = layer(["zebra"]).numpy()[0]
        assert oov[:2].sum() == 1 and oov[2:].sum() == 0

    def test_layer_harness_bag_of_ids(self):
        self.run_layer_test(
            WordTokenizer,
            init_kwargs={
                "vocabulary": ["", "[UNK]", "the", "fox", "我"],
                "idf_weights": [0.0, 0.5, 0.25, 1.5, 2.0],
                "output_mode": "tf_idf",
                "split": "cjk",
                "max_tokens": 6,
                "pad_to_max_tokens": True,
            },
            input_data=np.array(["The fox, the 我!", "", "unknown"], dtype=object),
            expected_output_shape=(3, 6),
            expected_output_data=[[0, 0.5, 1.5, 2.0, 0, 0], [0] * 6, [0.5, 0, 0, 0, 0, 0]],
            expected_output_dtype="float32",
        )

    def test_tf_idf_weights_survive_keras_and_saved_model(self, tmp_path):
        layer = WordTokenizer(output_mode="tf_idf", name="bag")
        layer.adapt(CORPUS)
        inputs = keras.Input((), dtype="string")
        model = keras.Model(inputs, keras.layers.Dense(2, name="head")(layer(inputs)))
        expected = model(tf.constant(QUERIES)).numpy()
        model.save(tmp_path / "m.keras")
        reloaded = keras.saving.load_model(tmp_path / "m.keras")
        np.testing.assert_allclose(reloaded(tf.constant(QUERIES)).numpy(), expected, rtol=1e-6)
        np.testing.assert_allclose(reloaded.get_layer("bag")(QUERIES).numpy(),
                                   layer(QUERIES).numpy(), rtol=1e-6)
        model.export(tmp_path / "saved", verbose=False)
        artifact = tf.saved_model.load(str(tmp_path / "saved"))
        np.testing.assert_allclose(artifact.serve(tf.constant(QUERIES)).numpy(), expected,
                                   rtol=1e-6)

    def test_tie_order_matches_text_vectorization(self):
        corpus = ["b a c", "c a b", "d", "zz yy", "é e"]
        tv = keras.layers.TextVectorization()
        tv.adapt(corpus)
        ours = WordTokenizer()
        ours.adapt(corpus)
        assert ours.get_vocabulary() == tv.get_vocabulary()

    def test_oov_buckets_match_string_lookup(self):
        vocab = ["alpha", "beta"]
        ours = WordTokenizer(vocabulary=vocab, num_oov_buckets=4, standardize=None)
        lookup = keras.layers.StringLookup(vocabulary=vocab, num_oov_indices=4)
        words = ["alpha", "gamma", "delta", "beta", "epsilon", "zeta", "eta"]
        expected = _ids(lookup(tf.constant(words))) + 1  # StringLookup has no padding
        np.testing.assert_array_equal(_ids(ours(" ".join(words))), expected)
        assert ours.get_vocabulary() == ["", "[UNK]", "[UNK]", "[UNK]", "[UNK]",
                                         "alpha", "beta"]

    # -- hand-computed cases -------------------------------------------------------------
    def test_cjk_split(self):
        layer = WordTokenizer(split="cjk")
        layer.adapt(["我爱NLP 2024年", "日本語とカタカナー、한국어！"])
        vocab = set(layer.get_vocabulary())
        assert {"我", "爱", "nlp", "2024", "年"} <= vocab
        assert {"日", "本", "語", "と", "カ", "タ", "ナ", "ー", "한", "국", "어"} <= vocab
        assert "、" not in vocab and "！" not in vocab
        out = layer(["我爱NLP 2024年"])
        tokens = [layer.get_vocabulary()[i] for i in out[0].numpy()]
        assert tokens == ["我", "爱", "nlp", "2024", "年"]

    def test_unicode_punctuation_and_case(self):
        layer = WordTokenizer(split="cjk", sequence_length=None)
        layer.set_vocabulary(["café", "你", "好"])
        out = layer(["「你好」，CAFÉ！？。", "CAFÉ\u00a0café\u3000你"]).to_list()
        assert out == [[3, 4, 2], [2, 2, 3]]

    def test_left_and_right_padding_truncation(self):
        vocab = ["a", "b", "c", "d", "e"]  # ids 2..6
        text = ["a b c d e", "a b"]
        expected = {
            ("right", "right"): [[2, 3, 4], [2, 3, 0]],
            ("left", "right"): [[2, 3, 4], [0, 2, 3]],
            ("right", "left"): [[4, 5, 6], [2, 3, 0]],
            ("left", "left"): [[4, 5, 6], [0, 2, 3]],
        }
        for (padding, truncation), want in expected.items():
            layer = WordTokenizer(vocabulary=vocab, sequence_length=3,
                                  padding_side=padding, truncation_side=truncation)
            assert layer(text).numpy().tolist() == want, (padding, truncation)

    def test_special_tokens_never_split_or_standardized(self):
        layer = WordTokenizer(
            vocabulary=["cls", "hello", "world"],
            special_tokens=["[CLS]", "[SEP]", "[MASK]"],
            split="character",
            ngrams=None,
        )
        assert layer.get_vocabulary()[:5] == ["", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        assert layer("[CLS]ab").numpy().tolist() == [2, 1, 1]
        layer = WordTokenizer(
            vocabulary=["cls", "hello", "world"],
            special_tokens=["[CLS]", "[SEP]", "[MASK]"],
        )
        out = layer(["[CLS]hello [MASK] World![SEP]", "[cls] [CLS]"]).to_list()
        assert out == [[2, 6, 4, 7, 3], [5, 2]]
        assert layer.detokenize(tf.ragged.constant(out)).numpy().tolist() == [
            b"[CLS] hello [MASK] world [SEP]", b"cls [CLS]"
        ]

    def test_special_tokens_with_ngrams_adapt(self):
        layer = WordTokenizer(special_tokens=["[CLS]"], ngrams=2)
        layer.adapt(["[CLS] hello world", "[CLS] hello"])
        vocab = layer.get_vocabulary()
        assert vocab[:3] == ["", "[UNK]", "[CLS]"]
        assert "[CLS] hello" in vocab and "hello" in vocab
        ids = layer("[CLS] hello").numpy().tolist()
        assert [vocab[i] for i in ids] == ["[CLS]", "hello", "[CLS] hello"]

    def test_detokenize(self):
        layer = WordTokenizer(
            vocabulary=["我", "爱", "nlp", "2024", "年", "hello"],
            split="cjk", sequence_length=8,
        )
        ids = layer(["我爱NLP 2024年", "hello 我 unknownword", ""])
        out = layer.detokenize(ids).numpy().tolist()
        assert out == ["我爱 nlp 2024 年".encode(), "hello 我 [UNK]".encode(), b""]
        assert layer.detokenize([2, 3, 0, 0]).numpy() == "我爱".encode()
        char = WordTokenizer(vocabulary=["a", " ", "b"], split="character",
                             standardize=None)
        assert char.detokenize(char(["a b"])).numpy().tolist() == [b"a b"]

    def test_nfkc(self):
        cases = ["ＡＢＣ１２３", "ﬁne", "e\u0301t\u00e9", "\u1100\u1161\u11a8", "①㍿",
                 "ｶﾞｷﾞ", "a\u0323\u0302", "Ⅻ ㎏ ½"]
        vocab = []
        for case in cases:
            vocab += unicodedata.normalize("NFKC", case).lower().split()
        vocab = list(dict.fromkeys(vocab))
        layer = WordTokenizer(vocabulary=vocab, normalization="nfkc",
                              standardize="lower")
        for case in cases:
            expected = [vocab.index(t) + 2 for t in
                        unicodedata.normalize("NFKC", case).lower().split()]
            assert layer(case).numpy().tolist() == expected, case
        plain = WordTokenizer(vocabulary=vocab, standardize="lower")
        assert plain("ＡＢＣ１２３").numpy().tolist() == [1]

    def test_mask_zero(self):
        layer = WordTokenizer(vocabulary=["a"], sequence_length=3, mask_zero=True)
        mask = layer.compute_mask(tf.constant(["a", "a a a a"]))
        assert mask.numpy().tolist() == [[True, False, False], [True, True, True]]
        inputs = keras.Input(shape=(), dtype="string")
        ids = layer(inputs)
        assert ids._keras_mask.shape == (None, 3)

    # -- vocabulary sources ------------------------------------------------------------
    def test_has_vocabulary(self):
        def needs_adapt(layer):  # what callers tested before `has_vocabulary`
            return layer.vocabulary is None and not layer.get_vocabulary(False)

        layer = WordTokenizer(special_tokens=["[CLS]"], num_oov_buckets=2, sequence_length=3)
        assert not layer.has_vocabulary and needs_adapt(layer)
        layer.adapt(["a b"])
        assert layer.has_vocabulary and not needs_adapt(layer)
        given = WordTokenizer(vocabulary=["a"])
        assert given.has_vocabulary and not needs_adapt(given)
        empty = WordTokenizer(vocabulary=[])  # given, even if empty: no adapt
        assert empty.has_vocabulary and not needs_adapt(empty)
        later = WordTokenizer(output_mode="tf_idf")
        assert not later.has_vocabulary
        later.set_vocabulary(["x"], [1.0])
        assert later.has_vocabulary
        inputs = keras.Input(shape=(), dtype="string")
        restored = self.run_model_saving_test(
            keras.Model(inputs, layer(inputs)), tf.constant(["a", "b c"])
        )
        assert restored.layers[-1].has_vocabulary

    def test_adapt_sources_agree_and_stream(self):
        lines = CORPUS * 3
        expected = WordTokenizer()
        expected.adapt(lines)
        variants = [
            tf.data.Dataset.from_tensor_slices(lines),
            tf.data.Dataset.from_tensor_slices(lines).batch(4),
            tf.data.Dataset.from_tensor_slices(np.array(lines)[:, None]).batch(5),
            np.array(lines),
            (line for line in lines),
            (lines[i:i + 2] for i in range(0, len(lines), 2)),
        ]
        for data in variants:
            layer = WordTokenizer()
            layer.adapt(data, batch_size=3)
            assert layer.get_vocabulary() == expected.get_vocabulary()

    def test_adapt_min_frequency_and_max_tokens(self):
        layer = WordTokenizer(min_frequency=3)
        layer.adapt(["a a a b b c", "a b"])
        assert layer.get_vocabulary() == ["", "[UNK]", "a", "b"]
        layer = WordTokenizer(max_tokens=4, special_tokens=["[CLS]"])
        layer.adapt(["a a a b b c", "a b"])
        assert layer.get_vocabulary() == ["", "[UNK]", "[CLS]", "a"]

    def test_vocabulary_file_and_prefix(self):
        path = os.path.join(self.get_temp_dir(), "vocab.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write("the\nfox\r\n日本\n")
        layer = WordTokenizer(vocabulary=path)
        assert layer.get_vocabulary() == ["", "[UNK]", "the", "fox", "日本"]
        again = WordTokenizer(vocabulary=layer.get_vocabulary())
        assert again.get_vocabulary() == layer.get_vocabulary()
        # A .keras archive carries the vocabulary even when the file is gone.
        inputs = keras.Input(shape=(), dtype="string")
        model = keras.Model(inputs, layer(inputs))
        archive = os.path.join(self.get_temp_dir(), "m.keras")
        model.save(archive)
        os.remove(path)
        restored = keras.saving.load_model(archive)
        np.testing.assert_array_equal(
            restored(tf.constant(["the 日本 fox x"])).to_list(), [[2, 4, 3, 1]]
        )

    def test_weird_tokens_survive_keras_and_saved_model(self):
        vocab = ["line\nbreak", "tab\there", "ünï", "😀", "carriage\rret", '"q"', "\\n"]
        layer = WordTokenizer(vocabulary=None, standardize=None, split="character",
                              sequence_length=4)
        layer.set_vocabulary(vocab)
        texts = tf.constant(["😀ü", "ab"])
        inputs = keras.Input(shape=(), dtype="string")
        model = keras.Model(inputs, layer(inputs))
        expected = model(texts).numpy()
        assert expected.tolist() == [[5, 1, 0, 0], [1, 1, 0, 0]]
        restored = self.run_model_saving_test(model, texts)
        assert restored.layers[-1].get_vocabulary() == layer.get_vocabulary()
        # Adapted (not constructor) vocabulary with awkward tokens.
        adapted = WordTokenizer(standardize=None, sequence_length=4)
        adapted.adapt(["new\u200bline tab\ttab", "\u00a0x 😀"])
        assert "new\u200bline" in adapted.get_vocabulary()
        model = keras.Model(inputs, adapted(inputs))
        restored = self.run_model_saving_test(model, tf.constant(["😀 x", "tab"]))
        assert restored.layers[-1].get_vocabulary() == adapted.get_vocabulary()
        # SavedModel, reloaded in a fresh process.
        layer2 = WordTokenizer(standardize=None, sequence_length=3)
        layer2.set_vocabulary(["a\nb", "ü😀"])
        model = keras.Model(inputs, layer2(inputs))
        path = os.path.join(self.get_temp_dir(), "sm")
        model.export(path, format="tf_saved_model", verbose=False)
        script = (
            "import json, sys, tensorflow as tf\n"
            "m = tf.saved_model.load(sys.argv[1])\n"
            "print(json.dumps(m.serve(tf.constant(['ü😀 z', 'a\\nb'])).numpy().tolist()))"
        )
        result = subprocess.run(
            [sys.executable, "-c", script, path], capture_output=True, text=True,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}, timeout=120, check=True,
        )
        got = json.loads(result.stdout.strip().splitlines()[-1])
        # "a\nb" contains white space, so the text "a\nb" splits into "a", "b".
        assert got == model(tf.constant(["ü😀 z", "a\nb"])).numpy().tolist()
        assert got == [[3, 1, 0], [1, 1, 0]]

    def test_functional_bilstm_model_exports(self):
        layer = WordTokenizer(sequence_length=8)
        layer.adapt(CORPUS)
        inputs = keras.Input(shape=(), dtype="string")
        x = layer(inputs)
        x = keras.layers.Embedding(layer.vocabulary_size(), 8, mask_zero=True)(x)
        x = keras.layers.Bidirectional(keras.layers.LSTM(4))(x)
        model = keras.Model(inputs, keras.layers.Dense(1)(x))
        model.compile("sgd", "mse")
        model.fit(tf.constant(CORPUS), np.zeros((len(CORPUS), 1)), verbose=0)
        self.run_export_test(model, tf.constant(CORPUS))

    def test_ragged_output(self):
        layer = WordTokenizer(vocabulary=["a", "b"])
        out = layer(["a b a", "", "c"])
        assert isinstance(out, tf.RaggedTensor)
        assert out.to_list() == [[2, 3, 2], [], [1]]
        assert layer("b a").numpy().tolist() == [3, 2]
        assert layer.compute_output_shape((None,)) == (None, None)
        inputs = keras.Input(shape=(), dtype="string")
        model = keras.Model(inputs, layer(inputs))
        assert model(tf.constant(["b", "a a"])).to_list() == [[3], [2, 2]]
        ds = tf.data.Dataset.from_tensor_slices(["a b", "b"]).map(layer)
        assert [x.numpy().tolist() for x in ds] == [[2, 3], [3]]

    # -- bad input never crashes -------------------------------------------------------
    def test_bad_strings(self):
        layer = WordTokenizer(vocabulary=["ok"], sequence_length=4,
                              special_tokens=["[CLS]"], split="cjk",
                              normalization="nfkc")
        long_text = ("ok " * 350_000)[:1_000_000]
        data = tf.constant(["", " \t\n ", b"\xff\xfeok\xc3", b"ok \xf3\xb0\x80\x80",
                            long_text, "\u3000"])
        out = layer(data).numpy()
        assert out.shape == (6, 4)
        assert out[0].tolist() == [0, 0, 0, 0] and out[1].tolist() == [0, 0, 0, 0]
        # Invalid bytes become U+FFFD (a symbol, stripped); a plane-15 private-use
        # character in the input cannot impersonate the special token.
        assert out[2].tolist() == [3, 0, 0, 0]  # "ok" is id 3, after [CLS]
        assert out[3].tolist() == [3, 0, 0, 0]
        assert out[4].tolist() == [3, 3, 3, 3]
        assert out[5].tolist() == [0, 0, 0, 0]
        step = tf.function(layer)
        assert step(data).shape == (6, 4)

    @settings(max_examples=25, deadline=None)
    @given(st.lists(st.binary(max_size=40), min_size=1, max_size=4))
    def test_property_arbitrary_bytes_never_crash(self, blobs):
        layer = _shared_layer("bytes")
        out = layer(tf.constant(blobs, dtype=tf.string))
        assert out.shape == (len(blobs), 6)
        assert int(tf.reduce_min(out)) >= 0
        layer.detokenize(out)

    @settings(max_examples=60, deadline=None)
    @given(
        st.lists(
            st.lists(
                st.one_of(
                    st.text(alphabet=_PARITY_ALPHABET, max_size=6).map(
                        lambda t: t.encode("utf-8")
                    ),
                    st.text(max_size=3).map(lambda t: t.encode("utf-8", "replace")),
                    st.binary(max_size=2),
                ),
                max_size=6,
            ).map(b"".join),
            min_size=1, max_size=4,
        ),
        st.sampled_from(["whitespace", "cjk"]),
    )
    def test_property_fast_paths_match_general_pipeline(self, blobs, split):
        # The ASCII check, the one-scan "caseless" check with ASCII lower-casing and
        # the capture-free CJK rewrite must give the tokens of the general pipeline:
        # transcode, ICU lower-casing, punctuation, Unicode spaces, CJK regex, split.
        # NUL bytes are left out: the reference's ICU lower-casing
        # (`tf.strings.lower(..., encoding="utf-8")`) ends a string at its first NUL,
        # where the layer keeps the rest (found by hypothesis: b"\x00" -> no token).
        _check_general_pipeline([blob.replace(b"\x00", b"") for blob in blobs], split)

    def test_fast_paths_match_general_pipeline_examples(self):
        for split in ("whitespace", "cjk"):
            for batch in (
                ["我爱NLP 2024年！", "café naïve 我们\u3000ok"],  # caseless, valid
                ["ÉCOLE Σ 我", "plain ASCII, Text."],  # needs ICU lower-casing
                [b"\xff\xfe \xe6\x88 \xe6\x88\x91", "我"],  # malformed UTF-8
                ["ASCII only, Here!", ""],  # ASCII path
                ["emoji \U0001F600 𠮷野家 İstanbul"],  # outside the BMP
            ):
                _check_general_pipeline(batch, split)

    @settings(max_examples=25, deadline=None)
    @given(
        st.lists(
            st.text(
                alphabet=st.characters(
                    whitelist_categories=("Ll", "Lo", "Nd"),
                    max_codepoint=0xD7A3,
                ),
                min_size=1, max_size=6,
            ),
            min_size=0, max_size=6,
        )
    )
    def test_property_detokenize_roundtrip(self, words):
        layer = WordTokenizer(split="cjk")
        text = " ".join(words)
        layer.adapt([text])
        # The reference: lower-case letters only (lower-casing is the identity);
        # split CJK characters off,
        # rejoin CJK runs without spaces and everything else with one space.
        cjk = _cjk_reference_tokens(text.lower())
        expected = ""
        for i, token in enumerate(cjk):
            if i and not (_is_cjk(token) and _is_cjk(cjk[i - 1])):
                expected += " "
            expected += token
        got = layer.detokenize(layer(text)).numpy().decode("utf-8")
        assert got == expected

    # -- texts of every kind, pinned against a Python reference -------------------------
    @pytest.mark.parametrize("split", ["whitespace", "cjk"])
    def test_mixed_scripts_empty_and_invalid_texts_match_a_python_reference(self, split):
        texts = [
            "Café NAÏVE e\u0301te\u0301 über",  # Latin, precomposed and combining marks
            "我爱北京天安门，你好！",  # Chinese with CJK punctuation
            "مرحبا، بالعالم؟ ١٢٣",  # Arabic letters, punctuation and digits
            "emoji 😀👍🏽 stay out; ЁЛКА Ω",  # emoji are symbols: stripped
            "mixed我们Straße مرحبا😀e\u0301",
            "", " ", "\t\n\u3000\u00a0 ",  # empty and white space only
        ]
        expected = [_python_tokens(t, split) for t in texts]
        assert expected[5:] == [[], [], []]
        vocabulary = list(dict.fromkeys(t for row in expected for t in row))
        layer = WordTokenizer(vocabulary=vocabulary, split=split)
        ids = {t: i + 2 for i, t in enumerate(vocabulary)}
        assert layer(tf.constant(texts)).to_list() == [[ids[t] for t in row]
                                                       for row in expected]
        # The combining acute accent stays on its letter: "e\u0301" and "é" differ.
        assert "e\u0301te\u0301" in vocabulary and "été" not in vocabulary
        # Invalid UTF-8 bytes become U+FFFD, a symbol, and are dropped like one.
        broken = tf.constant([b"caf\xc3 \xff\xfe\xe6\x88 \xe4\xbd\xa0"])
        assert layer(broken).to_list() == [[ids.get(t, 1) for t in ["caf", "你"]]]
        dense = WordTokenizer(vocabulary=vocabulary, split=split, sequence_length=3)
        padded = dense(tf.constant(texts)).numpy()
        assert padded.shape == (len(texts), 3) and not padded[5:].any()

    @pytest.mark.parametrize("split", ["whitespace", "cjk"])
    def test_split_punctuation_makes_each_mark_a_token(self, split):
        unicode_texts = [
            "Great!! 好！！不错，OK?",
            "我爱北京天安门，你好！",
            "مرحبا، بالعالم؟ ١٢٣",
            "emoji 😀👍🏽 stay; ЁЛКА Ω",
            "", "\t\u3000 ",
        ]
        ascii_texts = ["ASCII only: yes, (really).", "don't--stop!!"]
        vocabulary = list(dict.fromkeys(
            t for text in unicode_texts + ascii_texts
            for t in _python_tokens(text, split, punctuation="split")
        ))
        ids = {t: i + 2 for i, t in enumerate(vocabulary)}
        layer = WordTokenizer(vocabulary=vocabulary, split=split,
                              standardize="lower_and_split_punctuation")
        for texts in (unicode_texts, ascii_texts):  # the Unicode and the ASCII path
            expected = [[ids[t] for t in _python_tokens(text, split, punctuation="split")]
                        for text in texts]
            assert layer(tf.constant(texts)).to_list() == expected
            assert tf.function(layer)(tf.constant(texts)).to_list() == expected
        assert _python_tokens("don't--stop!!", split, "split") == [
            "don", "'", "t", "-", "-", "stop", "!", "!"]
        # Without lower-casing, and in "character" mode marks are tokens anyway.
        cased = WordTokenizer(vocabulary=["OK", "!"], standardize="split_punctuation")
        assert cased(tf.constant(["OK! ok"])).to_list() == [[2, 3, 1]]
        chars = WordTokenizer(split="character", standardize="lower_and_split_punctuation")
        chars.adapt(["a!b"])
        assert chars.get_vocabulary()[2:] == ["b", "a", "!"]

    def test_character_split_keeps_combining_marks_as_their_own_tokens(self):
        layer = WordTokenizer(split="character", standardize="lower",
                              vocabulary=["e", "\u0301", "我", "😀", " "])
        assert layer("E\u0301 我😀").numpy().tolist() == [2, 3, 6, 4, 5]

    @pytest.mark.parametrize(
        "unit, split, per_unit",
        [("é我م😀a\u0301 ", "cjk", ["é", "我", "م", "a\u0301"]),
         ("ab ", "character", ["a", "b", " "]),
         ("x", "whitespace", None)],  # one word of a million characters
    )
    def test_a_million_characters_in_bounded_time_and_memory(self, unit, split, per_unit):
        text = (unit * (1_000_000 // len(unit) + 1))[:1_000_000]
        units, rest = divmod(len(text), len(unit))
        if per_unit is None:
            expected = 1
        else:
            expected = units * len(per_unit) + len(_python_tokens(unit[:rest], split))
        layer = WordTokenizer(vocabulary=["é", "我", "a"], split=split)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
        start = time.perf_counter()
        ids = layer(tf.constant([text, ""]))
        elapsed = time.perf_counter() - start
        grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak) / 1024
        assert ids.row_lengths().numpy().tolist() == [expected, 0]
        if per_unit is not None:
            first = ids[0, : len(per_unit)].numpy().tolist()
            assert first == [{"é": 2, "我": 3, "a": 4}.get(t, 1) for t in per_unit]
        # Linear work (0.1 s, 40 MiB measured): far inside these bounds, which a
        # quadratic regex or a copy per token would break.
        assert elapsed < 15, f"{elapsed:.1f} s for a million characters"
        assert grown_mib < 1024, f"peak memory grew by {grown_mib:.0f} MiB"

    # -- no vocabulary: an error, not every word out of vocabulary ------------------------
    def test_calling_without_a_vocabulary_raises(self):
        layer = WordTokenizer(sequence_length=4, name="words")
        message = "WordTokenizer 'words' has no vocabulary: call adapt"
        with pytest.raises(RuntimeError, match=message):
            layer(["a b"])
        with pytest.raises(RuntimeError, match=message):
            tf.data.Dataset.from_tensor_slices(["a b"]).map(layer)
        with pytest.raises(RuntimeError, match=message):
            tf.function(layer)(tf.constant(["a b"]))
        # A model can still be built and saved around it before adapt ...
        inputs = keras.Input(shape=(), dtype="string")
        model = keras.Model(inputs, layer(inputs))
        archive = os.path.join(self.get_temp_dir(), "unadapted.keras")
        model.save(archive)
        restored = keras.saving.load_model(archive)
        with pytest.raises(RuntimeError, match="has no vocabulary"):
            restored(tf.constant(["a b"]))
        with pytest.raises(RuntimeError, match=message):
            model(tf.constant(["a b"]))
        # ... and works once it has one; an explicitly empty vocabulary is one.
        layer.adapt(["a b b"])
        assert model(tf.constant(["b a c"])).numpy().tolist() == [[2, 3, 1, 0]]
        assert WordTokenizer(vocabulary=[])(["a b"]).to_list() == [[1, 1]]
        adapted_to_nothing = WordTokenizer()
        adapted_to_nothing.adapt(["", " !"])  # no token: a vocabulary all the same
        assert adapted_to_nothing.has_vocabulary
        assert adapted_to_nothing(["a b"]).to_list() == [[1, 1]]

    # -- property: any Unicode text ------------------------------------------------------
    @given(
        texts=st.lists(st.text(max_size=24), min_size=1, max_size=4),
        split=st.sampled_from(["whitespace", "cjk", "character"]),
        sequence_length=st.integers(1, 6),
    )
    def test_property_any_unicode_text(self, texts, split, sequence_length):
        ragged_layer, dense_layer = _shared_pair(split, sequence_length)
        size = ragged_layer.vocabulary_size()
        batch = tf.constant([t.encode("utf-8") for t in texts])
        rows = ragged_layer(batch).to_list()
        assert len(rows) == len(texts)
        # Ragged rows hold no padding id; every id is in [1, vocabulary_size).
        assert all(1 <= i < size for row in rows for i in row)
        # Each text alone gives its row of the batch.
        assert [ragged_layer(t).numpy().tolist() for t in texts] == rows
        # The dense output is the ragged one right-padded / truncated.
        expected = [(row + [0] * sequence_length)[:sequence_length] for row in rows]
        assert dense_layer(batch).numpy().tolist() == expected
        assert dense_layer.detokenize(dense_layer(batch)).shape == (len(texts),)

    # -- errors --------------------------------------------------------------------------
    @pytest.mark.parametrize(
        "kwargs, fragment",
        [
            ({"standardize": "upper"}, "standardize='upper'"),
            ({"normalization": "nfc"}, "normalization='nfc'"),
            ({"split": "words"}, "split='words'"),
            ({"ngrams": 0}, "ngrams=0"),
            ({"ngrams": (1, "2")}, "ngrams=(1, '2')"),
            ({"sequence_length": 0}, "sequence_length=0"),
            ({"sequence_length": 2.5}, "sequence_length=2.5"),
            ({"padding_side": "top"}, "padding_side='top'"),
            ({"truncation_side": "middle"}, "truncation_side='middle'"),
            ({"num_oov_buckets": 0}, "num_oov_buckets=0"),
            ({"oov_token": ""}, "oov_token=''"),
            ({"special_tokens": ("[A]", "[A]")}, "special_tokens=('[A]', '[A]')"),
            ({"special_tokens": ("a b",)}, "special_tokens=('a b',)"),
            ({"min_frequency": 0}, "min_frequency=0"),
            ({"mask_zero": "yes"}, "mask_zero='yes'"),
            ({"max_tokens": 2}, "max_tokens=2"),
            ({"vocabulary": "/no/such/file.txt"}, "vocabulary='/no/such/file.txt'"),
            ({"vocabulary": 7}, "vocabulary=7"),
            ({"vocabulary": ["a", "a"]}, "'a' twice"),
            ({"output_mode": "one_hot"}, "output_mode='one_hot'"),
            ({"output_mode": "count", "sequence_length": 4}, "sequence_length=4"),
            ({"output_mode": "count", "mask_zero": True}, "mask_zero=True"),
            ({"pad_to_max_tokens": True}, "pad_to_max_tokens=True"),
            ({"idf_weights": [1.0], "vocabulary": ["a"]}, "idf_weights=[1.0]"),
            ({"output_mode": "tf_idf", "vocabulary": ["a"]}, "idf_weights=None"),
            ({"output_mode": "tf_idf", "vocabulary": ["a"], "idf_weights": [1, 2]},
             "2 weights"),
        ],
    )
    def test_bad_arguments(self, kwargs, fragment):
        with pytest.raises(ValueError) as info:
            WordTokenizer(**kwargs)
        assert fragment in str(info.value)
        assert next(iter(kwargs)) in str(info.value)

    def test_bad_inputs(self):
        layer = WordTokenizer(vocabulary=["a"], sequence_length=2)
        with pytest.raises(ValueError, match="expects string inputs.*'int32'"):
            layer(tf.constant([1, 2]))
        with pytest.raises(ValueError, match=r"expects string inputs.*'float32'"):
            layer(keras.Input(shape=(), dtype="float32"))
        with pytest.raises(ValueError, match=r"\(batch,\), \(batch, 1\).*\(2, 2\)"):
            layer(tf.constant([["a", "b"], ["c", "d"]]))
        with pytest.raises(ValueError, match=r"Received shape \(None, 3\)"):
            layer(keras.Input(shape=(3,), dtype="string"))


def _expected_ngram_ids():
    def oov(token):
        return int(tf.strings.to_hash_bucket_fast(token, 3)) + 1

    return [
        [4, 5, 6, 0],
        _last4(["b", "c", "a", "a", "b c", "c a", "a a"], oov),
        [oov("x"), 0, 0, 0],
    ]


def _last4(tokens, oov):
    table = {"a": 4, "b": 5, "a b": 6}
    return [table.get(t) or oov(t) for t in tokens][-4:]



def _python_tokens(text, split, punctuation="strip"):
    """Tokens by the layer's documented rules, in plain Python: punctuation and symbols
    (Unicode P* and S*) removed (a space in "cjk" mode; with `punctuation="split"`
    each one a token of its own), lower-cased, split on white space, and in "cjk"
    mode every CJK character a token of its own."""
    marks = {"strip": " " if split == "cjk" else "", "split": None}[punctuation]
    text = "".join(
        (f" {c} " if marks is None else marks) if unicodedata.category(c)[0] in "PS"
        else c
        for c in text
    ).lower()
    if split == "cjk":
        return _cjk_reference_tokens(text)
    return list(text) if split == "character" else text.split()


_PAIRS = {}


def _shared_pair(split, sequence_length):
    """A ragged and a dense layer with the same small vocabulary (made once)."""
    if split not in _PAIRS:
        vocabulary = ["a", "é", "我", "ω", "1", " ", "e"]
        if split != "character":
            vocabulary.remove(" ")
        _PAIRS[split] = (
            WordTokenizer(vocabulary=vocabulary, split=split),
            {n: WordTokenizer(vocabulary=vocabulary, split=split, sequence_length=n)
             for n in range(1, 7)},
        )
    ragged_layer, dense_layers = _PAIRS[split]
    return ragged_layer, dense_layers[sequence_length]


_LAYERS = {}


# The general (slowest) pipeline's regexes, written out as the reference.
_PUNCTUATION_REGEX = r"[\p{P}\p{S}]"
_UNICODE_SPACE_REGEX = (
    r"[\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}]"
)
_CJK_SPLIT_REGEX = r"([\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\x{30FC}\x{FF70}])"


def _check_general_pipeline(blobs, split):
    """Tokens of the layer == those of the general (slowest) pipeline.

    Compared through ids: the layer's vocabulary is every reference token (in order
    of appearance), so each distinct token has an id of its own. (U+10FFFF is left
    out: the layer keeps that key for itself; it must come out as the OOV id.)
    """
    x = tf.constant(blobs, dtype=tf.string)
    ref = tf.strings.unicode_transcode(
        x, "UTF-8", "UTF-8", errors="replace", replacement_char=0xFFFD
    )
    ref = tf.strings.lower(ref, encoding="utf-8")
    # In "cjk" mode punctuation separates words; elsewhere it is removed.
    ref = tf.strings.regex_replace(
        ref, _PUNCTUATION_REGEX, " " if split == "cjk" else ""
    )
    ref = tf.strings.regex_replace(ref, _UNICODE_SPACE_REGEX, " ")
    if split == "cjk":
        ref = tf.strings.regex_replace(ref, _CJK_SPLIT_REGEX, r" \1 ")
    expected = [[t.decode("utf-8") for t in row] for row in tf.strings.split(ref).to_list()]
    vocabulary = list(dict.fromkeys(
        t for row in expected for t in row if t != "\U0010ffff"
    ))
    ids = {t: i + 2 for i, t in enumerate(vocabulary)}
    expected_ids = [[ids.get(t, 1) for t in row] for row in expected]
    layer = WordTokenizer(split=split, vocabulary=vocabulary)
    assert layer(x).to_list() == expected_ids
    assert tf.function(layer)(x).to_list() == expected_ids


def _shared_layer(key):
    if key not in _LAYERS:
        _LAYERS[key] = WordTokenizer(
            vocabulary=["a", "ü", "我"], split="cjk", normalization="nfkc",
            special_tokens=["[CLS]"], sequence_length=6,
        )
    return _LAYERS[key]


def _is_cjk(token):
    return len(token) == 1 and _cjk_char(token)


def _cjk_char(ch):
    cp = ord(ch)
    return (
        0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x3040 <= cp <= 0x30FF
        or 0xAC00 <= cp <= 0xD7A3 or 0x1100 <= cp <= 0x11FF or 0x3130 <= cp <= 0x318F
        or 0xF900 <= cp <= 0xFAFF or 0xFF66 <= cp <= 0xFF9F or 0x31F0 <= cp <= 0x31FF
        or 0x2E80 <= cp <= 0x2FDF or cp in (0x3005, 0x3006, 0x3007)
        or 0x3021 <= cp <= 0x3029 or 0x3038 <= cp <= 0x303B or 0xA960 <= cp <= 0xA97F
        or 0xD7B0 <= cp <= 0xD7FF or 0xFFA0 <= cp <= 0xFFDC
    )


def _cjk_reference_tokens(text):
    tokens = []
    for word in text.split():
        current = ""
        for ch in word:
            if _cjk_char(ch):
                if current:
                    tokens.append(current)
                    current = ""
                tokens.append(ch)
            else:
                current += ch
        if current:
            tokens.append(current)
    return tokens


def test_cjk_punctuation_separates_words():
    """Chinese has no spaces: its punctuation is where words end (hand-computed)."""
    layer = WordTokenizer(split="cjk", vocabulary=["max", "2024", "年", "nlp", "full"])
    ids = layer(tf.constant(["Max，2024年", "NLP、full。"])).to_list()
    tokens = [[layer.get_vocabulary()[i] for i in row] for row in ids]
    assert tokens == [["max", "2024", "年"], ["nlp", "full"]]
    # Whitespace mode keeps TextVectorization's rule: punctuation is removed.
    plain = WordTokenizer(vocabulary=["dont"])
    assert plain(tf.constant(["don't"])).to_list() == [[2]]  # "dont"
