"""WordTokenizer throughput against keras.layers.TextVectorization (strings/s).

Run from the repository root: `python benchmarks/layers_word.py`.
Both layers get the same vocabulary and settings and are called through
`tf.function` on the same batch; runs are interleaved and medians reported.
"""

from __future__ import annotations

import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import _timing  # noqa: E402
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from tfk_tokfrag.layers.word_tokenizer import WordTokenizer  # noqa: E402

BATCH = 1024
VOCAB = 10_000
SEQUENCE_LENGTH = 64


def _latin_corpus(rng: random.Random) -> tuple[list[str], list[str]]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = list(
        dict.fromkeys(
            "".join(rng.choice(letters) for _ in range(rng.randint(2, 9)))
            for _ in range(VOCAB + 3_000)
        )
    )
    sentences = []
    for _ in range(BATCH):
        n = rng.randint(20, 40)
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


def _case(name, ours_kwargs, tv_kwargs, sentences, vocab, target, repeats):
    ours = WordTokenizer(vocabulary=vocab, sequence_length=SEQUENCE_LENGTH, **ours_kwargs)
    anchor = keras.layers.TextVectorization(
        vocabulary=vocab, output_sequence_length=SEQUENCE_LENGTH, **tv_kwargs
    )
    x = tf.constant(sentences)
    ours_fn = tf.function(lambda s: ours(s))
    anchor_fn = tf.function(lambda s: anchor(s))
    medians = _timing.interleaved_medians(
        {"anchor": lambda: anchor_fn(x).numpy(), "ours": lambda: ours_fn(x).numpy()},
        repeats=repeats,
    )
    anchor_rate = BATCH / medians["anchor"]
    ours_rate = BATCH / medians["ours"]
    return {
        "layer": "WordTokenizer",
        "case": name,
        "anchor": "TextVectorization",
        "anchor_per_s": f"{anchor_rate:,.0f}",
        "ours_per_s": f"{ours_rate:,.0f}",
        "ratio": f"{ours_rate / anchor_rate:.2f}x",
        "target": target,
    }


def run(repeats: int = 7) -> list[dict]:
    rng = random.Random(0)
    latin, latin_vocab = _latin_corpus(rng)
    cjk, cjk_vocab = _cjk_corpus(rng)
    return [
        _case(
            f"whitespace, lower+strip punct, {BATCH} sentences of 20-40 words, "
            f"vocab {VOCAB}",
            {}, {}, latin, latin_vocab, ">= 1.0x", repeats,
        ),
        _case(
            f"cjk split (anchor: whitespace split, cannot split CJK), {BATCH} mixed "
            "Han/Latin sentences",
            {"split": "cjk"}, {}, cjk, cjk_vocab, ">= 0.8x", repeats,
        ),
    ]


if __name__ == "__main__":
    print(_timing.machine_line())
    _timing.print_table(
        run(),
        ["layer", "case", "anchor", "anchor_per_s", "ours_per_s", "ratio", "target"],
    )
