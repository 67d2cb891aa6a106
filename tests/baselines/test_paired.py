"""`paired_comparison`: McNemar's exact test, against SciPy's binomial test."""

import numpy as np
import pytest
from scipy.stats import binomtest

from tfk_tokfrag.baselines import PairedComparison, paired_comparison


def _pair(both, ours_only, theirs_only, neither):
    """Correctness arrays with the four kinds of example in a shuffled order."""
    kinds = ([(True, True)] * both + [(True, False)] * ours_only
             + [(False, True)] * theirs_only + [(False, False)] * neither)
    order = np.random.default_rng(0).permutation(len(kinds))
    kinds = np.array(kinds, dtype=bool).reshape(-1, 2)[order]
    return kinds[:, 0], kinds[:, 1]


@pytest.mark.parametrize(
    "ours_only, theirs_only",
    [(150, 152), (10, 2), (2, 10), (0, 7), (1, 1), (60, 25), (1500, 1380)],
)
def test_the_p_value_is_the_exact_two_sided_binomial_test(ours_only, theirs_only):
    ours, theirs = _pair(3000, ours_only, theirs_only, 400)
    result = paired_comparison(ours, theirs)
    assert (result.ours_only, result.theirs_only) == (ours_only, theirs_only)
    # Independent reference: SciPy's exact binomial test of the disagreements at 1/2.
    expected = binomtest(ours_only, ours_only + theirs_only, 0.5).pvalue
    assert result.p_value == pytest.approx(expected, rel=1e-9)


def test_a_textbook_value_and_no_disagreement():
    # 10 against 2: 2 * (1 + 12 + 66) / 2**12 = 158 / 4096.
    assert paired_comparison(*_pair(5, 10, 2, 5)).p_value == 158 / 4096
    same = np.array([True, False, True])
    assert paired_comparison(same, same) == PairedComparison(0, 0, 1.0)
    assert paired_comparison(same, same).to_json() == {
        "ours_only": 0, "theirs_only": 0, "p_value": 1.0}


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="boolean arrays.*int64"):
        paired_comparison(np.array([1, 0]), np.array([True, False]))
    with pytest.raises(ValueError, match=r"same examples.*\(3,\) and \(2,\)"):
        paired_comparison(np.array([True] * 3), np.array([True] * 2))
