"""Throughput of the three tokenization layers against their anchors, in one run.

    python benchmarks/layers.py [--repeats 7]

Each row: the anchor (an upstream op or layer doing the same job) and our layer on the
same inputs, both compiled the same way, timed interleaved in this process; medians over
`--repeats` runs; `ratio` = ours / anchor throughput;
`ceiling` = the same for the unavoidable work alone (see each script), where a target
looks out of reach. Paste the printed table into
benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _timing  # noqa: E402
import layers_pixel  # noqa: E402
import layers_temporal  # noqa: E402
import layers_word  # noqa: E402

COLUMNS = _timing.COLUMNS


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    rows = []
    for module in (layers_pixel, layers_word, layers_temporal):
        rows += module.run(repeats=args.repeats)
    print(f"machine: {_timing.machine_line()}; medians of {args.repeats} runs")
    _timing.print_table(rows, COLUMNS)
    return rows


if __name__ == "__main__":
    main()
