"""Shared timing helpers: medians over repeats, anchor and ours in one process."""

from __future__ import annotations

import platform
import statistics
import time
from collections.abc import Callable


def median_seconds(fn: Callable[[], object], repeats: int = 7, warmup: int = 2) -> float:
    """Median wall time of `fn()` over `repeats` runs, after `warmup` untimed runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def interleaved_medians(
    fns: dict[str, Callable[[], object]], repeats: int = 7, warmup: int = 2
) -> dict[str, float]:
    """Median seconds per named callable, runs interleaved so drift hits all alike."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def rates(
    fns: dict[str, Callable[[], object]], items: int, repeats: int = 7
) -> dict[str, float]:
    """Items per second for each named callable (each call handles `items` items),
    from `interleaved_medians`: every callable is timed in the same rounds."""
    medians = interleaved_medians(fns, repeats=repeats)
    return {name: items / seconds for name, seconds in medians.items()}


def ratio_row(layer: str, case: str, anchor: str, per_s: dict[str, float], target: str,
              floor: str | None = None) -> dict:
    """One table row: ours against `anchor`, and the ceiling `floor` / `anchor`.

    `floor` names a callable that does only the work no implementation can avoid
    (a copy of the output, an empty call, the anchor's own kernels on pre-split input):
    its throughput over the anchor's is the best ratio this machine allows.
    """
    ceiling = "" if floor is None else f"{per_s[floor] / per_s[anchor]:.2f}x"
    return {
        "layer": layer,
        "case": case,
        "anchor": anchor,
        "anchor_per_s": f"{per_s[anchor]:,.0f}",
        "ours_per_s": f"{per_s['ours']:,.0f}",
        "ratio": f"{per_s['ours'] / per_s[anchor]:.2f}x",
        "ceiling": ceiling,
        "target": target,
    }


COLUMNS = ["layer", "case", "anchor", "anchor_per_s", "ours_per_s", "ratio", "ceiling",
           "target"]


def machine_line() -> str:
    import os

    import tensorflow as tf

    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, "
        f"Python {platform.python_version()}, TensorFlow {tf.__version__}"
    )


def print_table(rows: list[dict], columns: list[str]) -> None:
    """Prints rows as a Markdown table (paste into benchmarks/README.md)."""
    print("| " + " | ".join(columns) + " |")
    print("|" + "|".join("---" for _ in columns) + "|")
    for row in rows:
        print("| " + " | ".join(str(row.get(c, "")) for c in columns) + " |")


def repeat_calls(fn: Callable, x, calls: int) -> Callable[[], object]:
    """A callable running `fn(x)` `calls` times (keeps short calls above timer noise)."""

    def run():
        out = None
        for _ in range(calls):
            out = fn(x)
        return out

    return run
