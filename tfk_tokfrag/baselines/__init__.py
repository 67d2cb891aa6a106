"""Anchors the zoo is measured against, in the same run: what users would otherwise pick."""

from tfk_tokfrag.baselines import images as _images  # noqa: F401  (registers them)
from tfk_tokfrag.baselines import text as _text  # noqa: F401
from tfk_tokfrag.baselines import time_series as _time_series  # noqa: F401
from tfk_tokfrag.baselines.paired import PairedComparison, paired_comparison
from tfk_tokfrag.baselines.registry import (
    Baseline,
    BaselineResult,
    dataset_arrays,
    get_baseline,
    list_baselines,
    register_baseline,
    run_baseline,
)

__all__ = [
    "Baseline",
    "BaselineResult",
    "PairedComparison",
    "dataset_arrays",
    "get_baseline",
    "list_baselines",
    "paired_comparison",
    "register_baseline",
    "run_baseline",
]
