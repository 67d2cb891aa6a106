"""`paired_comparison`: is a difference in test accuracy more than the split's chance?

Two classifiers scored on the same test examples differ only where one is right and the
other wrong. McNemar's exact test asks whether those disagreements split unevenly: under
"equally good", each falls to either side with probability 1/2, so the count on one side
is binomial(n, 1/2). A zoo card states it next to each anchor: a margin of a tenth of a
point on 3,472 reviews is a couple of examples, which a seed or a split moves.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np


@dataclasses.dataclass(frozen=True)
class PairedComparison:
    """Where two classifiers disagree on the same examples.

    Attributes:
        ours_only: examples the first classifier gets right and the second wrong.
        theirs_only: the reverse.
        p_value: McNemar's exact two-sided p-value: the probability, were both equally
            good, of disagreements at least this uneven (1.0 when there are none).
    """

    ours_only: int
    theirs_only: int
    p_value: float

    def to_json(self) -> dict:
        return dataclasses.asdict(self)


def _exact_two_sided(smaller: int, n: int) -> float:
    # 2 * P(X <= smaller) for X ~ binomial(n, 1/2), capped at 1; integers throughout,
    # so a few thousand disagreements lose no precision.
    tail = sum(math.comb(n, k) for k in range(smaller + 1))
    return min(1.0, 2 * tail / 2**n)


def paired_comparison(ours_correct, theirs_correct) -> PairedComparison:
    """Compares two classifiers from their per-example correctness on the same examples.

    Args:
        ours_correct, theirs_correct: boolean arrays of one shape, `True` where each
            classifier's prediction is the label (example `i` the same in both).
    """
    ours = np.asarray(ours_correct)
    theirs = np.asarray(theirs_correct)
    if ours.dtype != bool or theirs.dtype != bool:
        raise ValueError("paired_comparison takes boolean arrays (prediction == label). "
                         f"Received dtypes {ours.dtype} and {theirs.dtype}.")
    if ours.shape != theirs.shape:
        raise ValueError("paired_comparison needs the same examples for both classifiers. "
                         f"Received shapes {ours.shape} and {theirs.shape}.")
    ours_only = int(np.sum(ours & ~theirs))
    theirs_only = int(np.sum(theirs & ~ours))
    n = ours_only + theirs_only
    p_value = _exact_two_sided(min(ours_only, theirs_only), n) if n else 1.0
    return PairedComparison(ours_only, theirs_only, p_value)
