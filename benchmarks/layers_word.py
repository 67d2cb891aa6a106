"""WordTokenizer throughput against keras.layers.TextVectorization (strings/s).

Run from the repository root: `python benchmarks/layers_word.py`.
Both layers get the same vocabulary and settings and are called through
`tf.function` on the same batch; runs are interleaved and medians reported. Every
comparison first checks that both sides give the same ids.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import _timing  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from tfk_tokfrag.layers import _text_ops  # noqa: E402
from tfk_tokfrag.layers.word_tokenizer import WordTokenizer  # noqa: E402

BATCH = 1024
VOCAB = 10_000
SEQUENCE_LENGTH = 64
TF_DATA_SENTENCES, TF_DATA_BATCH = 8_000, 256


def _latin_corpus(rng: random.Random, count: int = BATCH,
                  lengths: tuple[int, int] = (20, 40)) -> tuple[list[str], list[str]]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = list(
        dict.fromkeys(
            "".join(rng.choice(letters) for _ in range(rng.randint(2, 9)))
            for _ in range(VOCAB + 3_000)
        )
    )
    sentences = []
    for _ in range(count):
        n = rng.randint(*lengths)
        parts = []
        for _ in range(n):
            word = rng.choice(words)
            if rng.random() < 0.1:
                word = word.capitalize()
            parts.append(word + rng.choice(["", "", "", ",", "."]))
        sentences.append(" ".join(parts))
    return sentences, words[:VOCAB]


def _cjk_corpus(rng: random.Random) -> tuple[list[str], list[str]]:
    han = [chr(c) for c in range(0x4E00, 0x4E00 + 3_000)]
    latin = [f"w{i}" for i in range(VOCAB - len(han))]
    sentences = []
    for _ in range(BATCH):
        pieces = []
        for _ in range(rng.randint(20, 40)):
            if rng.random() < 0.7:
                pieces.append("".join(rng.choice(han) for _ in range(rng.randint(1, 3))))
            else:
                pieces.append(" " + rng.choice(latin) + " ")
        sentences.append("".join(pieces) + "。")
    return sentences, han + latin


def _cjk_standardize(strings):
    """What a TextVectorization user writes to split CJK: our "cjk" mode's steps as a
    custom `standardize` (Unicode lower, punctuation and symbols to spaces, a space
    around every CJK character), so both layers give the same ids."""
    strings = tf.strings.lower(strings, encoding="utf-8")
    strings = tf.strings.regex_replace(strings, r"[\p{P}\p{S}]", " ")
    return tf.strings.regex_replace(strings, "([" + _text_ops.CJK_CHAR_CLASS + "])", r" \1 ")


def _rates(calls, repeats):
    """`calls`: name -> (function, input). Strings/s, all timed in the same rounds."""
    return _timing.rates(
        {name: lambda f=f, x=x: f(x).numpy() for name, (f, x) in calls.items()},
        items=BATCH, repeats=repeats,
    )


def _tf_data_rates(layers: dict, sentences: list[str], repeats: int) -> dict[str, float]:
    """Strings/s of `from_tensor_slices(sentences).batch(256).map(layer)`, iterated to
    the end, for each named layer, in the same rounds.

    Finished iterators are kept until all rounds are timed: deleting one winds down
    tf.data's threads for up to seconds, which would slow whichever pass came next.
    """
    alive = []

    def one_pass(layer):
        dataset = tf.data.Dataset.from_tensor_slices(sentences).batch(TF_DATA_BATCH).map(layer)

        def run():
            iterator = iter(dataset)
            for _ in iterator:
                pass
            alive.append(iterator)

        return run

    per_s = _timing.rates({name: one_pass(layer) for name, layer in layers.items()},
                          len(sentences), repeats)
    alive.clear()
    return per_s


def _vocabulary_table(vocab):
    return tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(
            tf.constant(vocab), tf.range(2, len(vocab) + 2, dtype=tf.int64)
        ),
        default_value=1,
    )


def _ascii_standardize(strings):
    return _text_ops.standardize_strings(
        strings, True, standardize="lower_and_strip_punctuation", normalization=None,
        split="whitespace",
    )


def _graph(vocab, standardize):
    """strings -> `standardize` -> split, look up, pad: TextVectorization's last steps."""
    table = _vocabulary_table(vocab)

    def call(strings):
        tokens = tf.strings.split(standardize(strings))
        ids = tokens.with_flat_values(table.lookup(tokens.flat_values))
        return ids.to_tensor(default_value=0, shape=[None, SEQUENCE_LENGTH])

    return call


def _ascii_only_graph(vocab):
    """The floor of the tf.data row: our ASCII path alone (lower, strip ASCII
    punctuation, split, look up, pad), with no check for other text and no Unicode
    path: TextVectorization's own kernels, as few ops as can do the job on ASCII."""
    return _graph(vocab, _ascii_standardize)


def _variant_graphs(vocab) -> dict:
    """Other ways to build the all-ASCII dispatch, for `--iterator-start --variants`
    (each gives the anchor's ids on ASCII text; Unicode text is not their concern)."""
    def transcode_lower(s):
        s = tf.strings.unicode_transcode(s, "UTF-8", "UTF-8", errors="replace",
                                         replacement_char=0xFFFD)
        return tf.strings.lower(s, encoding="utf-8")

    def unicode_spaces(s):
        return tf.strings.regex_replace(s, _text_ops.UNICODE_SPACE_REGEX, " ")

    def strip(s):
        return tf.strings.regex_replace(s, _text_ops.PUNCTUATION_REGEX, "")

    def by_slices(pred, x, if_true, if_false):  # both sides run, one on an empty slice
        k = tf.where(pred, tf.shape(x)[0], 0)
        return tf.concat([if_true(x[:k]), if_false(x[k:])], 0)

    return {
        "check + Switch/Merge, nothing on the Unicode side": lambda v: _graph(
            v, lambda s: _text_ops.switch(
                _text_ops.all_ascii(s), s, _ascii_standardize, tf.identity)),
        "Unicode side without the caseless check": lambda v: _graph(
            v, lambda s: _text_ops.switch(
                _text_ops.all_ascii(s), s, _ascii_standardize,
                lambda u: strip(unicode_spaces(transcode_lower(u))))),
        "same, one punctuation regex after the Merge": lambda v: _graph(
            v, lambda s: strip(_text_ops.switch(
                _text_ops.all_ascii(s), s, tf.strings.lower,
                lambda u: unicode_spaces(transcode_lower(u))))),
        "same, per-batch slices instead of Switch/Merge": lambda v: _graph(
            v, lambda s: strip(by_slices(
                _text_ops.all_ascii(s), s, tf.strings.lower,
                lambda u: unicode_spaces(transcode_lower(u))))),
    }


def _layers(vocab, **ours_kwargs):
    ours = WordTokenizer(vocabulary=vocab, sequence_length=SEQUENCE_LENGTH, **ours_kwargs)
    anchor = keras.layers.TextVectorization(
        vocabulary=vocab, output_sequence_length=SEQUENCE_LENGTH
    )
    return tf.function(lambda s: ours(s)), tf.function(lambda s: anchor(s))


def run(repeats: int = 7) -> list[dict]:
    """Whitespace mode against TextVectorization (same ids), then CJK mode against
    TextVectorization as is (it cannot split CJK), TextVectorization on the same text
    split beforehand (the ceiling: the anchor's own kernels on our tokens, splitting
    for free) and TextVectorization with a CJK-splitting `standardize` (same ids)."""
    rng = random.Random(0)
    latin, latin_vocab = _latin_corpus(rng)
    cjk, cjk_vocab = _cjk_corpus(rng)
    rows = []

    ours, anchor = _layers(latin_vocab)
    x = tf.constant(latin)
    np.testing.assert_array_equal(ours(x).numpy(), anchor(x).numpy())
    per_s = _rates({"TextVectorization": (anchor, x), "ours": (ours, x)}, repeats)
    rows.append(_timing.ratio_row(
        "WordTokenizer",
        f"whitespace, lower+strip punct, {BATCH} sentences of 20-40 words, vocab {VOCAB}",
        "TextVectorization", per_s, ">= 1.0x",
    ))

    # The way users run it: in tf.data, 8,000 sentences of 40 words, batches of 256.
    sentences, _ = _latin_corpus(random.Random(1), TF_DATA_SENTENCES, (40, 40))
    tokenizer = WordTokenizer(vocabulary=latin_vocab, sequence_length=SEQUENCE_LENGTH)
    vectorizer = keras.layers.TextVectorization(
        vocabulary=latin_vocab, output_sequence_length=SEQUENCE_LENGTH
    )
    floor = _ascii_only_graph(latin_vocab)
    np.testing.assert_array_equal(tokenizer(sentences[:512]), vectorizer(sentences[:512]))
    np.testing.assert_array_equal(floor(tf.constant(sentences[:512])),
                                  vectorizer(sentences[:512]))
    per_s = _tf_data_rates(
        {"TextVectorization": vectorizer, "ours": tokenizer, "ascii_only": floor},
        sentences, repeats,
    )
    rows.append(_timing.ratio_row(
        "WordTokenizer",
        f"in tf.data: from_tensor_slices({TF_DATA_SENTENCES:,} sentences of 40 words)"
        f".batch({TF_DATA_BATCH}).map(layer), same settings (ceiling: our ASCII path "
        "alone, no Unicode support)",
        "TextVectorization", per_s, ">= 1.0x", floor="ascii_only",
    ))

    for mode in ("multi_hot", "tf_idf"):  # bag-of-ids rows, same vocabulary
        kwargs = {"vocabulary": latin_vocab, "output_mode": mode}
        if mode == "tf_idf":
            kwargs["idf_weights"] = [1.0 + i / VOCAB for i in range(len(latin_vocab))]
        bag = WordTokenizer(**kwargs)
        tv_bag = keras.layers.TextVectorization(**kwargs)
        bag_fn, tv_fn = tf.function(lambda s, b=bag: b(s)), tf.function(lambda s, t=tv_bag: t(s))
        np.testing.assert_allclose(bag_fn(x).numpy(), tv_fn(x).numpy(), rtol=1e-6)
        per_s = _rates({"TextVectorization": (tv_fn, x), "ours": (bag_fn, x)}, repeats)
        rows.append(_timing.ratio_row(
            "WordTokenizer", f"output_mode={mode}, same text and vocabulary",
            "TextVectorization", per_s, "(info)",
        ))

    ours, anchor = _layers(cjk_vocab, split="cjk")
    x = tf.constant(cjk)
    presplit = tf.constant(_cjk_standardize(x).numpy())
    np.testing.assert_array_equal(anchor(presplit).numpy(), ours(x).numpy())
    same_job = keras.layers.TextVectorization(
        vocabulary=cjk_vocab, output_sequence_length=SEQUENCE_LENGTH,
        standardize=_cjk_standardize,
    )
    same_job_fn = tf.function(lambda s: same_job(s))
    np.testing.assert_array_equal(same_job_fn(x).numpy(), ours(x).numpy())
    per_s = _rates(
        {
            "TextVectorization": (anchor, x),
            "ours": (ours, x),
            "TV + CJK standardize": (same_job_fn, x),
            "floor": (anchor, presplit),
        },
        repeats,
    )
    case = f"cjk split, {BATCH} mixed Han/Latin sentences, vocab {VOCAB}"
    rows.append(_timing.ratio_row(
        "WordTokenizer", case + " (the anchor cannot split CJK: 3.3x fewer tokens)",
        "TextVectorization", per_s, ">= 0.8x", floor="floor",
    ))
    rows.append(_timing.ratio_row(
        "WordTokenizer", case + " (same ids)", "TV + CJK standardize", per_s, "(same job)",
    ))
    return rows


def iterator_start(rounds: int = 40, variants: bool = False) -> None:
    """Where the tf.data row's gap lies: the median time from `iter(dataset)` to the
    first batch (instantiating the map function for the new iterator, then one batch)
    and the median time of the rest of the pass, each layer in the same rounds.
    `variants`: also other builds of the dispatch (`_variant_graphs`)."""
    sentences, _ = _latin_corpus(random.Random(1), TF_DATA_SENTENCES, (40, 40))
    _, vocab = _latin_corpus(random.Random(0))
    layers = {
        "TextVectorization": keras.layers.TextVectorization(
            vocabulary=vocab, output_sequence_length=SEQUENCE_LENGTH),
        "ours": WordTokenizer(vocabulary=vocab, sequence_length=SEQUENCE_LENGTH),
        "ascii_only": _ascii_only_graph(vocab),
    }
    if variants:
        layers.update({name: build(vocab) for name, build in _variant_graphs(vocab).items()})
    check = tf.constant(sentences[:512])
    for layer in layers.values():
        np.testing.assert_array_equal(layer(check), layers["TextVectorization"](check))
    datasets = {name: tf.data.Dataset.from_tensor_slices(sentences).batch(TF_DATA_BATCH)
                .map(layer) for name, layer in layers.items()}
    first, rest, alive = {name: [] for name in layers}, {name: [] for name in layers}, []
    for _ in range(rounds):
        for name, dataset in datasets.items():
            start = time.perf_counter()
            iterator = iter(dataset)
            next(iterator)
            started = time.perf_counter()
            for _ in iterator:
                pass
            first[name].append(started - start)
            rest[name].append(time.perf_counter() - started)
            alive.append(iterator)  # deleting one winds down threads (see above)
    print("| layer | to the first batch (ms) | rest of the pass (ms) | whole pass (ms) |\n"
          "|---|---|---|---|")
    for name in layers:
        a, b = 1e3 * statistics.median(first[name]), 1e3 * statistics.median(rest[name])
        print(f"| {name} | {a:.2f} | {b:.2f} | {a + b:.2f} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterator-start", action="store_true",
                        help="only split the tf.data pass into iterator start and the rest")
    parser.add_argument("--no-grappler", action="store_true",
                        help="with --iterator-start: turn TensorFlow's graph optimizer off")
    parser.add_argument("--variants", action="store_true",
                        help="with --iterator-start: also other builds of the ASCII dispatch")
    parser.add_argument("--tf-data-sentences", type=int, default=TF_DATA_SENTENCES,
                        help="sentences per tf.data pass (the issue's case: 8,000)")
    args = parser.parse_args()
    TF_DATA_SENTENCES = args.tf_data_sentences
    print(_timing.machine_line())
    if args.iterator_start:
        if args.no_grappler:
            tf.config.optimizer.set_experimental_options({"disable_meta_optimizer": True})
        iterator_start(variants=args.variants)
    else:
        _timing.print_table(run(), _timing.COLUMNS)
