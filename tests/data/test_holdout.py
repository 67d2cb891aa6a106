"""A folder without split folders held out into "train" and "test" (`holdout`)."""

import hashlib
import os

import numpy as np
import pytest
import tensorflow as tf

from tfk_tokfrag.data import load_dataset
from tfk_tokfrag.data.class_folders import in_holdout_part


def _reference_test_names(names, fraction):
    """Written from the contract: the round(n * f) names (>= 1, < n) of lowest
    SHA-256 (first 8 bytes, big-endian) are the test part."""
    n = len(names)
    k = 0 if n < 2 else min(n - 1, max(1, round(n * fraction)))
    key = {m: int.from_bytes(hashlib.sha256(m.encode()).digest()[:8], "big") for m in names}
    return set(sorted(names, key=lambda m: (key[m], m))[:k])


@pytest.mark.parametrize("n, fraction", [(1, 0.2), (2, 0.2), (5, 0.2), (10, 0.2), (37, 0.25),
                                         (7, 0.9)])
def test_parts_are_disjoint_cover_the_class_and_match_the_reference(n, fraction):
    names = [f"clip_{i:03d}.txt" for i in range(n)]
    test = [names[i] for i in in_holdout_part(names, ("test", fraction))]
    train = [names[i] for i in in_holdout_part(names, ("train", fraction))]
    assert set(test) == _reference_test_names(names, fraction)
    assert sorted(test + train) == names and not set(test) & set(train)
    # The listing order does not matter, only the names.
    shuffled = list(reversed(names))
    assert {shuffled[i] for i in in_holdout_part(shuffled, ("test", fraction))} == set(test)
    assert in_holdout_part(names, None) == list(range(n))


def test_added_files_move_few_others():
    names = [f"{i}.wav" for i in range(100)]
    before = {names[i] for i in in_holdout_part(names, ("test", 0.2))}
    more = names + [f"new_{i}.wav" for i in range(5)]
    after = {more[i] for i in in_holdout_part(more, ("test", 0.2))}
    assert len(before) == 20 and len(after) == 21
    assert len(before - after) <= 5  # only files pushed past the boundary by new ones


@pytest.fixture
def text_root(tmp_path):
    for cls, count in (("neg", 9), ("pos", 16)):
        os.makedirs(tmp_path / cls)
        for i in range(count):
            (tmp_path / cls / f"{i}.txt").write_text(f"{cls} {i}", encoding="utf-8")
    return tmp_path


def _texts(root, split, **kwargs):
    ds = load_dataset(root, split, batch_size=64, shuffle=False, **kwargs)
    return [(t.decode(), int(label)) for x, y in ds
            for t, label in zip(x.numpy(), y.numpy(), strict=True)]


def test_text_folder_splits_by_class(text_root):
    train = _texts(text_root, "train", holdout=0.2)
    test = _texts(text_root, "test", holdout=0.2)
    everything = _texts(text_root, "all", holdout=0.2)
    assert sorted(train + test) == sorted(everything) == sorted(_texts(text_root, "train"))
    assert not set(train) & set(test)
    assert [y for _, y in test].count(0) == 2 and [y for _, y in test].count(1) == 3
    names = [f"{i}.txt" for i in range(9)]
    expected = sorted(f"neg {os.path.splitext(m)[0]}" for m in _reference_test_names(names, 0.2))
    assert sorted(t for t, y in test if y == 0) == expected


def test_image_and_clip_folders_split_the_same_way(tmp_path):
    rng = np.random.default_rng(0)
    for cls in ("a", "b"):
        for i in range(5):
            image = rng.integers(0, 256, (4, 4, 1), dtype=np.uint8)
            os.makedirs(tmp_path / "images" / cls, exist_ok=True)
            tf.io.write_file(str(tmp_path / "images" / cls / f"{i}.png"), tf.io.encode_png(image))
            os.makedirs(tmp_path / "clips" / cls, exist_ok=True)
            np.save(tmp_path / "clips" / cls / f"{i}.npy", rng.integers(
                0, 256, (2 + i, 4, 4, 1), dtype=np.uint8))
    names = [f"{i}" for i in range(5)]
    for kind in ("images", "clips"):
        counts = {split: sum(len(y) for _, y in load_dataset(
            tmp_path / kind, split, batch_size=4, holdout=0.4)) for split in ("train", "test")}
        assert counts == {"train": 6, "test": 4}
    # The clips of the test part are those the names choose (one length per name).
    lengths = sorted(int(x.shape[1]) for x, _ in load_dataset(
        tmp_path / "clips", "test", batch_size=1, holdout=0.4, shuffle=False))
    chosen = sorted(2 + int(m) for m in names if f"{m}.npy" in _reference_test_names(
        [f"{m}.npy" for m in names], 0.4))
    assert lengths == sorted(chosen * 2)


@pytest.mark.parametrize("holdout", [0, 1, 1.5, -0.1, True, "0.2"])
def test_bad_fractions_are_refused(text_root, holdout):
    with pytest.raises(ValueError, match="holdout must be None or a fraction"):
        load_dataset(text_root, "test", holdout=holdout)


def test_holdout_where_it_does_not_apply(text_root, tmp_path):
    with pytest.raises(ValueError, match="hold out a fraction"):
        load_dataset(text_root, "test")  # says how
    with pytest.raises(ValueError, match="'train' and 'test'"):
        load_dataset(text_root, "validation", holdout=0.2)
    with pytest.raises(ValueError, match="only applies to folders"):
        load_dataset("digits", "test", holdout=0.2)
    split = tmp_path / "split"
    os.makedirs(split / "train" / "a")
    (split / "train" / "a" / "x.txt").write_text("x")
    with pytest.raises(ValueError, match="has its own"):
        load_dataset(split, "train", holdout=0.2)
