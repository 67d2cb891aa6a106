"""signal_classifier on five UCR sets against 1-NN DTW and MiniRocket, in one run.

Every `signal_*` zoo entry is trained through `train_model` (its zoo recipe, seed 42)
and scored on the official TEST split; its anchors (`dtw_1nn`, `minirocket_ridge`,
`tfk_tokfrag.baselines.time_series`) are fitted on the same TRAIN split and scored on
the same TEST split in the same process. Needs sktime and numba (`pip install
tfk_tokfrag[bench]`). Run from the repository root:
`.venv/bin/python benchmarks/time_series.py [--sets gunpoint,osuleaf]`.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from tfk_tokfrag.baselines import run_baseline  # noqa: E402
from tfk_tokfrag.models import get_entry, list_models  # noqa: E402
from tfk_tokfrag.training.train_model import train_model  # noqa: E402

ANCHORS = ("dtw_1nn", "minirocket_ridge")
PREFIX = "signal_"


def run(entry_name: str, seed: int = 42) -> dict:
    """Test accuracy and seconds of one entry and of its anchors."""
    entry = get_entry(entry_name)
    result = train_model(entry_name, seed=seed, verbose=0)
    row = {"set": entry.dataset, "ours": result.test_accuracy,
           "ours_seconds": result.train_seconds}
    for anchor in entry.anchors:
        baseline = run_baseline(anchor, entry.dataset, seed=seed,
                                epochs=entry.training["epochs"])
        row[anchor], row[f"{anchor}_seconds"] = baseline.test_accuracy, baseline.train_seconds
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", help="comma-separated entry names without 'signal_'")
    args = parser.parse_args()
    names = [n for n in list_models() if n.startswith(PREFIX)]
    if args.sets:
        names = [PREFIX + s for s in args.sets.split(",")]
    header = (f"{'set':<24}{'ours':>8}{'1-NN DTW':>10}{'MiniRocket':>12}"
              f"{'ours - MR':>11}   seconds (ours / DTW / MiniRocket)")
    print(header, flush=True)
    rows = []
    for name in names:
        row = run(name)
        rows.append(row)
        print(f"{row['set']:<24}{row['ours']:>8.4f}{row['dtw_1nn']:>10.4f}"
              f"{row['minirocket_ridge']:>12.4f}{row['ours'] - row['minirocket_ridge']:>+11.4f}"
              f"   {row['ours_seconds']:.0f} / {row['dtw_1nn_seconds']:.0f} / "
              f"{row['minirocket_ridge_seconds']:.0f}", flush=True)
    n = len(rows)
    means = {key: sum(r[key] for r in rows) / n for key in ("ours", *ANCHORS)}
    print(f"{'mean':<24}{means['ours']:>8.4f}{means['dtw_1nn']:>10.4f}"
          f"{means['minirocket_ridge']:>12.4f}"
          f"{means['ours'] - means['minirocket_ridge']:>+11.4f}")
    print(f"ours >= 1-NN DTW on {sum(r['ours'] >= r['dtw_1nn'] for r in rows)}/{n}, "
          f">= MiniRocket on {sum(r['ours'] >= r['minirocket_ridge'] for r in rows)}/{n}")


if __name__ == "__main__":
    main()
