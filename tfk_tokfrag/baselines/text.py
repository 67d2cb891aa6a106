"""Text anchors: TF-IDF n-grams and a linear SVM, what a practitioner fits first."""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from tfk_tokfrag.baselines.registry import register_baseline


def _as_str(texts) -> list[str]:
    """Texts as `dataset_arrays` gives them (UTF-8 bytes) or already `str`."""
    return [t.decode("utf-8") if isinstance(t, bytes) else str(t) for t in texts]


def tfidf_linear_svc(train, test, *, seed: int, epochs: int | None = None):
    """TF-IDF of character 1-2-grams + `LinearSVC()`, scikit-learn defaults otherwise.

    `TfidfVectorizer(analyzer="char", ngram_range=(1, 2))`: every character and pair of
    characters (spaces and punctuation included), no vocabulary cap, lower-cased, smooth
    IDF, rows L2-normalized; `LinearSVC(C=1.0)` (squared hinge, L2). Character n-grams
    need no word segmenter, so the same anchor reads Chinese and English. `epochs` is
    not used (a convex fit runs to convergence).
    """
    del epochs
    (x_train, y_train), (x_test, _) = train, test
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 2))
    classifier = LinearSVC(random_state=seed)
    classifier.fit(vectorizer.fit_transform(_as_str(x_train)), np.asarray(y_train))
    return classifier.predict(vectorizer.transform(_as_str(x_test)))


register_baseline(
    "tfidf_linear_svc",
    tfidf_linear_svc,
    description="scikit-learn TfidfVectorizer(analyzer='char', ngram_range=(1, 2)) + "
    "LinearSVC (C=1): character 1-2-gram TF-IDF and a linear SVM",
)
