"""signal_classifier on five UCR sets against 1-NN DTW and MiniRocket, in one run.

Every `signal_*` zoo entry is trained through `train_model` (its zoo recipe, seed 42)
and scored on the official TEST split; its anchors (`dtw_1nn`, `minirocket_ridge`,
`tfk_tokfrag.baselines.time_series`) are fitted on the same TRAIN split and scored on
the same TEST split in the same process. Needs sktime and numba (`pip install
tfk_tokfrag[bench]`). Run from the repository root:
`.venv/bin/python benchmarks/time_series.py [--sets gunpoint,osuleaf]`.
`--anchor-seeds N` trains nothing: it fits MiniRocket + ridge with N seeds per set and
prints how its TEST accuracy spreads (its features depend on the seed). `--seeds 1 2`
trains each entry once per training seed instead and prints how ours spreads, next to
MiniRocket's seed-42 figure.
"""

from __future__ import annotations

import argparse
import os
import statistics

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


def anchor_spread(names: list[str], seeds: int) -> None:
    """MiniRocket + ridge's TEST accuracy over `seeds` seeds (0, 1, ...) and with 42,
    the seed of the zoo's runs, per set."""
    print("| set | MiniRocket, seed 42 | mean | sd | min | max | seeds |\n"
          "|---|---|---|---|---|---|---|", flush=True)
    for name in names:
        dataset = get_entry(name).dataset
        accuracies = [run_baseline("minirocket_ridge", dataset, seed=seed).test_accuracy
                      for seed in range(seeds)]
        at_42 = run_baseline("minirocket_ridge", dataset, seed=42).test_accuracy
        print(f"| {dataset} | {at_42:.4f} | {statistics.mean(accuracies):.4f} | "
              f"{statistics.stdev(accuracies):.4f} | {min(accuracies):.4f} | "
              f"{max(accuracies):.4f} | {seeds} |", flush=True)


def seed_spread(names: list[str], seeds: list[int]) -> None:
    """Our TEST accuracy with each training seed (the zoo recipe, nothing else
    changed), next to MiniRocket + ridge at seed 42."""
    for name in names:
        dataset = get_entry(name).dataset
        anchor = run_baseline("minirocket_ridge", dataset, seed=42).test_accuracy
        accuracies = []
        for seed in seeds:
            result = train_model(name, seed=seed, verbose=0)
            accuracies.append(result.test_accuracy)
            print(f"{dataset} seed {seed}: {accuracies[-1]:.4f} "
                  f"({result.train_seconds:.0f} s; MiniRocket {anchor:.4f})", flush=True)
        spread = statistics.stdev(accuracies) if len(accuracies) > 1 else 0.0
        print(f"{dataset}: {len(seeds)} seeds, mean {statistics.mean(accuracies):.4f}, "
              f"sd {spread:.4f}, min {min(accuracies):.4f}, max {max(accuracies):.4f}; "
              f">= MiniRocket in {sum(a >= anchor for a in accuracies)}/{len(seeds)}",
              flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", help="comma-separated entry names without 'signal_'")
    parser.add_argument("--anchor-seeds", type=int, metavar="N",
                        help="only MiniRocket + ridge, with seeds 0..N-1 (no training)")
    parser.add_argument("--seeds", nargs="+", type=int, metavar="SEED",
                        help="train each entry once per seed (no DTW)")
    args = parser.parse_args()
    names = [n for n in list_models() if n.startswith(PREFIX)]
    if args.sets:
        names = [PREFIX + s for s in args.sets.split(",")]
    if args.anchor_seeds:
        anchor_spread(names, args.anchor_seeds)
        return
    if args.seeds:
        seed_spread(names, args.seeds)
        return
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
