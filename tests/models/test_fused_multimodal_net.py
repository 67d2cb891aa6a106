"""`fused_multimodal_net`: every modality subset, each fusion, padding, saving, errors."""

import itertools

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.test_case import WORDS, TestCase, tiny_inputs
from tfk_tokfrag.models import adapt_text_vocabulary, fused_multimodal_net, get_model

MODALITIES = ("image", "text", "video")
SUBSETS = [
    subset for size in (1, 2, 3) for subset in itertools.combinations(MODALITIES, size)
]
FUSIONS = ("concat", "gated_sum", "attention")
FUSION_LAYERS = {
    "concat": {"fuse_concat", "fused"},
    "gated_sum": {"modality_tokens", "gate_inputs", "gate", "gated_sum"},
    "attention": {"modality_tokens", "cross_modal_attention", "attention_residual",
                  "attention_norm", "pool_modalities"},
}
TINY = {
    "num_classes": 3,
    "fusion_dim": 8,
    "dropout": 0.0,
    "image_shape": (8, 8, 1),
    "image_filters": (4,),
    "text_max_tokens": 16,
    "text_sequence_length": 6,
    "text_vocabulary": list(WORDS),
    "text_embed_dim": 4,
    "text_units": 4,
    "text_encoder": "bilstm",  # the bag encoder has tests of its own below
    "video_shape": (None, 8, 8, 1),
    "video_encoder_filters": (4,),
    "video_encoder_dim": 8,
    "video_lstm_units": 4,
    "seed": 0,
}


def _build(modalities=MODALITIES, **kwargs):
    return fused_multimodal_net(modalities, **{**TINY, **kwargs})


def _inputs(model, batch=2, seed=0):
    return tiny_inputs(model, batch=batch, time=4, seed=seed)


def _layer_outputs(model, names, x):
    """The outputs of the named layers of `model` on `x`, as NumPy arrays."""
    probe = keras.Model(model.input, {name: model.get_layer(name).output for name in names})
    outputs = probe(x, training=False)
    return [np.asarray(outputs[name]) for name in names]


class TestFusedMultimodalNet(TestCase):
    @pytest.mark.parametrize(
        "modalities, fusion",
        [(s, f) for s in SUBSETS if len(s) > 1 for f in FUSIONS]
        + [(s, "concat") for s in SUBSETS if len(s) == 1],
        ids=lambda v: "+".join(v) if isinstance(v, tuple) else v,
    )
    def test_every_subset_and_fusion(self, modalities, fusion):
        model = _build(modalities, fusion=fusion)
        assert list(model.input) == list(modalities)
        x = _inputs(model)
        logits = np.asarray(model(x, training=False))
        assert logits.shape == (2, 3) and np.isfinite(logits).all()
        names = {layer.name for layer in model.layers}
        features = [f"{m}_features" for m in modalities]
        assert names >= set(features)
        expected = FUSION_LAYERS[fusion] if len(modalities) > 1 else set()
        assert names >= expected
        for other in FUSIONS:
            assert not names & (FUSION_LAYERS[other] - expected), other

        if len(modalities) == 1:
            # Nothing to fuse: that branch's classifier.
            (branch,) = _layer_outputs(model, features, x)
            logits_layer = model.get_layer("logits")
            self.assertAllClose(logits_layer(branch), logits, atol=1e-6)
        elif fusion == "concat":
            *parts, fused = _layer_outputs(model, [*features, "fuse_concat"], x)
            self.assertAllClose(fused, np.concatenate(parts, axis=-1), atol=0)
        elif fusion == "gated_sum":
            *parts, gate, mixed = _layer_outputs(model, [*features, "gate", "gated_sum"], x)
            self.assertAllClose(gate.sum(-1), np.ones(2), atol=1e-6)
            self.assertAllClose(mixed, np.einsum("bm,mbd->bd", gate, np.stack(parts)),
                                atol=1e-6)
        else:
            *parts, pooled = _layer_outputs(model, [*features, "pool_modalities"], x)
            tokens = np.stack(parts, axis=1)  # (batch, modalities, fusion_dim)
            attended = model.get_layer("cross_modal_attention")(tokens, tokens)
            expected = np.asarray(model.get_layer("attention_norm")(tokens + attended))
            self.assertAllClose(pooled, expected.mean(axis=1), atol=1e-5)

    def test_the_order_of_modalities_does_not_matter(self):
        given = _build(("video", "text", "image"))
        canonical = _build(MODALITIES)
        assert list(given.input) == list(MODALITIES)
        assert [layer.name for layer in given.layers] == [
            layer.name for layer in canonical.layers
        ]
        given.set_weights(canonical.get_weights())
        x = _inputs(canonical)
        self.assertAllClose(given(x), canonical(x), atol=0)

    @pytest.mark.parametrize("fusion", FUSIONS)
    def test_fit_step_and_keras_round_trip(self, fusion):
        model = _build(fusion=fusion, dropout=0.2)
        model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        x = _inputs(model, batch=4)
        before = [np.array(w) for w in model.trainable_weights]
        history = model.fit(x, np.arange(4) % 3, batch_size=4, epochs=1, verbose=0)
        assert np.isfinite(history.history["loss"][0])
        changed = [not np.array_equal(a, np.asarray(b))
                   for a, b in zip(before, model.trainable_weights, strict=True)]
        assert all(changed), "some weights did not train"
        restored = self.run_model_saving_test(model, x, atol=0)
        assert [layer.name for layer in restored.layers] == [
            layer.name for layer in model.layers
        ]

    def test_export_round_trip(self):
        model = _build(fusion="attention")
        self.run_export_test(model, _inputs(model, batch=3), atol=1e-6)

    def test_text_padding_changes_nothing(self):
        # The BiLSTM reads only the tokens: Embedding(mask_zero=True) masks the
        # padding WordTokenizer adds up to sequence_length.
        short = _build(("text",), text_sequence_length=6)
        long = _build(("text",), text_sequence_length=12)
        long.set_weights(short.get_weights())
        texts = np.array(["three digit", "a good film maybe"])
        self.assertAllClose(long({"text": texts}), short({"text": texts}), atol=1e-6)

    def test_video_padding_changes_nothing(self):
        # Trailing zero frames, as `padded_batch` adds to the shorter clips of a batch
        # (was test_fused_video_branch_ignores_zero_padding in test_lstm_video_classifier).
        model = _build(("video",))
        clip = np.random.default_rng(0).integers(1, 256, (1, 4, 8, 8, 1)).astype("uint8")
        padded = np.concatenate([clip, np.zeros((1, 3, 8, 8, 1), "uint8")], axis=1)
        self.assertAllClose(model({"video": padded}), model({"video": clip}), atol=1e-5)

        unmasked = _build(("video",), video_mask_padding_frames=False)
        unmasked.set_weights(model.get_weights())
        self.assertAllClose(unmasked({"video": clip}), model({"video": clip}), atol=1e-6)
        assert not np.allclose(unmasked({"video": padded}), model({"video": clip}), atol=1e-5)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"modalities": ()}, "modalities=()"),
        ({"modalities": ("image", "audio")}, "modalities=('image', 'audio')"),
        ({"modalities": ("text", "text")}, "modalities=('text', 'text')"),
        ({"fusion": "sum"}, "fusion='sum'"),
        ({"text_encoder": "gru"}, "text_encoder='gru'"),
        ({"num_classes": 1}, "num_classes=1"),
        ({"dropout": 1.0}, "dropout=1.0"),
        ({"image_filters": (4, 0)}, "image_filters=(4, 0)"),
        ({"video_encoder_filters": 0}, "video_encoder_filters=(0,)"),
        ({"video_mask_padding_frames": 1}, "video_mask_padding_frames=1"),
        ({"fusion_dim": 0}, "fusion_dim=0"),
        ({"text_embed_dim": 0}, "text_embed_dim=0"),
        ({"text_units": -1}, "text_units=-1"),
        ({"text_bag_dim": 0}, "text_bag_dim=0"),
        ({"video_encoder_dim": 0}, "video_encoder_dim=0"),
        ({"video_lstm_units": 2.5}, "video_lstm_units=2.5"),
        ({"image_shape": (8, 8)}, "image_shape=(8, 8)"),
        ({"video_shape": (None, 8, None, 1)}, "video_shape=(None, 8, None, 1)"),
        # Checked by the branch's layer, under the layer's own argument name.
        ({"image_patch_size": 0}, "patch_size=0"),
        ({"text_sequence_length": 0}, "sequence_length=0"),
        ({"video_fragment_length": 0}, "fragment_length=0"),
    ],
)
def test_bad_arguments_name_the_value(kwargs, fragment):
    with pytest.raises(ValueError) as info:
        _build(**kwargs)
    assert fragment in str(info.value)


# === The bag-of-n-grams text encoder (the default) ===

TEXTS = ["a good film", "a bad film", "good good film maybe", "bad digit", "可能是三",
         "three good films", "a film", "maybe bad"]
BAG = {"modalities": ("text",), "num_classes": 2, "fusion_dim": 8, "text_max_tokens": 32}


def _adapted_bag(**kwargs):
    model = fused_multimodal_net(**{**BAG, **kwargs})
    assert adapt_text_vocabulary(model, TEXTS)
    return model


class TestBagTextEncoder(TestCase):
    def test_features_are_unit_norm_tf_idf_rows_of_text_vectorization(self):
        # ASCII, whitespace split: the columns and IDF weights of Keras' own layer.
        english = [t for t in TEXTS if t.isascii()]
        model = fused_multimodal_net(**{**BAG, "text_split": "whitespace"})
        assert adapt_text_vocabulary(model, english)
        assert not adapt_text_vocabulary(model, TEXTS)  # adapted already: left as it is
        reference = keras.layers.TextVectorization(
            max_tokens=32, ngrams=2, output_mode="tf_idf", pad_to_max_tokens=True
        )
        reference.adapt(english)
        expected = np.array(reference(english))
        expected /= np.linalg.norm(expected, axis=1, keepdims=True)
        (rows,) = _layer_outputs(model, ["text_l2_normalize"], {"text": np.array(english)})
        self.assertAllClose(rows, expected, atol=1e-6)

    def test_cjk_split_gives_character_bigrams_and_length_does_not_count(self):
        model = _adapted_bag(text_ngrams=1)
        tokenizer = model.get_layer("text_tokenizer")
        assert {"可", "能", "是", "三"} <= set(tokenizer.get_vocabulary())
        bigrams = _adapted_bag().get_layer("text_tokenizer").get_vocabulary()
        assert {"可 能", "能 是", "是 三"} <= set(bigrams)
        once, twice = np.array(["a good film"]), np.array(["a good film a good film"])
        self.assertAllClose(model({"text": twice}), model({"text": once}), atol=1e-6)

    def test_fit_and_round_trips_with_raw_strings(self):
        model = _adapted_bag()
        model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        x = {"text": tf.constant(TEXTS)}
        history = model.fit(x, np.arange(8) % 2, batch_size=4, epochs=1, verbose=0)
        assert np.isfinite(history.history["loss"][0])
        config = model.get_config()
        rebuilt = keras.Model.from_config(config)
        assert rebuilt.get_layer("text_tokenizer").get_config()["output_mode"] == "tf_idf"
        restored = self.run_model_saving_test(model, x, atol=1e-6)
        self.assertAllClose(
            restored.get_layer("text_tokenizer").get_vocabulary(),
            model.get_layer("text_tokenizer").get_vocabulary(), atol=0,
        )
        self.run_export_test(model, x, atol=1e-6)

    def test_defaults_suit_real_text(self):
        model = fused_multimodal_net(("text",), num_classes=3)
        tokenizer = model.get_layer("text_tokenizer")
        assert (tokenizer.output_mode, tokenizer.ngrams, tokenizer.split) == ("tf_idf", 2, "cjk")
        assert model.get_layer("text_features").input.shape == (None, 65536)
        assert model.get_layer("text_features").output.shape == (None, 16)
        assert model.count_params() * 4 < 5e6  # the weights of a zoo entry, in bytes
        # The other modalities' tokens are fusion_dim wide: the text's is projected.
        for fusion in ("gated_sum", "attention"):
            fused = fused_multimodal_net(("image", "text"), num_classes=3, fusion=fusion)
            assert fused.get_layer("text_to_fusion").output.shape == (None, 64)
        concat = fused_multimodal_net(("image", "text"), num_classes=3)
        assert "text_to_fusion" not in [layer.name for layer in concat.layers]
        bilstm = fused_multimodal_net(("text",), num_classes=3, text_encoder="bilstm")
        assert bilstm.get_layer("text_tokenizer").sequence_length == 256
        assert tokenizer.standardize == "lower_and_strip_punctuation"
        for encoder in ("bag", "bilstm"):  # both tokenizers take the standardize
            marks = fused_multimodal_net(("text",), num_classes=3, text_encoder=encoder,
                                         text_standardize="lower_and_split_punctuation")
            assert marks.get_layer("text_tokenizer").standardize == (
                "lower_and_split_punctuation")

    def test_zoo_entries_keep_the_encoder_they_were_trained_with(self):
        for name in ("text_bilstm_imdb", "text_only_digit_scenes"):
            names = {layer.name for layer in get_model(name).layers}
            assert "text_bilstm" in names, name


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"text_ngram_dropout": 1.5}, "text_ngram_dropout=1.5"),
        ({"text_standardize": "upper"}, "standardize='upper'"),
        ({"text_ngrams": 0}, "ngrams=0"),
        ({"text_max_tokens": 0}, "text_max_tokens=0"),
        ({"text_vocabulary": ["good", "bad"]}, "idf_weights=None"),
        ({"text_vocabulary": ["good"], "text_idf_weights": ["x"]}, "idf_weights=['x']"),
    ],
)
def test_bag_bad_arguments_name_the_value(kwargs, fragment):
    with pytest.raises(ValueError) as info:
        fused_multimodal_net(**{**BAG, **kwargs})
    assert fragment in str(info.value)
