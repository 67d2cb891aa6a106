"""`digit_scenes`: shapes, captions, and views that are each ambiguous."""

import re

import numpy as np

from tests.data.conftest import stored_examples
from tfk_tokfrag.data.builders import digit_scenes

_ZH = "零一二三四五六七八九"


def _named_digits(text):
    words = set(re.findall(r"[a-z]+", text))
    return {d for d in range(10) if digit_scenes.NUMBER_WORDS_EN[d] in words or _ZH[d] in text}


def test_digit_scenes_shapes_and_captions(offline_data_dir):
    examples = stored_examples(offline_data_dir, "digit_scenes", "test")
    assert len(examples) == 1000
    labels = np.array([ex["label"] for ex in examples])
    np.testing.assert_array_equal(np.bincount(labels), [100] * 10)
    chinese = 0
    for ex in examples:
        assert ex["image"].dtype == np.uint8 and ex["image"].shape == (16, 16, 1)
        assert ex["video"].dtype == np.uint8 and ex["video"].shape == (8, 16, 16, 1)
        text = ex["text"].decode("utf-8")
        named = _named_digits(text)
        assert ex["label"] in named, text
        assert len(named) == digit_scenes.NUM_CANDIDATES, text
        chinese += any(ch in _ZH for ch in text)
    assert 0.2 < chinese / len(examples) < 0.4
    # The candidates give no hint: the true digit is in each position equally often.
    positions = []
    for ex in examples:
        text = ex["text"].decode("utf-8")
        order = sorted(_named_digits(text), key=lambda d: _first_index(text, d))
        positions.append(order.index(ex["label"]))
    counts = np.bincount(positions, minlength=3)
    assert counts.min() > 0.25 * len(examples), counts


def _first_index(text, digit):
    en = re.search(rf"\b{digit_scenes.NUMBER_WORDS_EN[digit]}\b", text)
    return en.start() if en else text.index(_ZH[digit])


def test_digit_scenes_views_are_noisy_and_occluded(offline_data_dir):
    examples = stored_examples(offline_data_dir, "digit_scenes", "train")[:200]
    for ex in examples:
        # Each frame of the clip shows one 2-row slit of the digit over noise: rows far
        # from it are pure noise, which is bright only where noise alone is.
        assert ex["video"].std() > 40
        assert ex["image"].std() > 40
    # The noise is independent per example: no two images are identical.
    assert len({ex["image"].tobytes() for ex in examples}) == len(examples)
