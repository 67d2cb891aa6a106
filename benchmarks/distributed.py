"""Multi-worker throughput: 1 process without a strategy vs 2 workers of
`MultiWorkerMirroredStrategy` on this machine, and the all-reduce cost per step.

    python benchmarks/distributed.py [--epochs 6] [--batch-size 64] [--repeats 3]
                                     [--no-batch-norm]

Each run trains `conv_net_digits` (augmentation off) with `fit_classifier` on the digits
train split for `--epochs` epochs, the global batch `--batch-size`; the first epoch
(tracing) is dropped and the median epoch gives training images per second across
the cluster. The runs alternate (1 process, 2 workers, ...) `--repeats` times; each
cluster is two real processes on 127.0.0.1 (free ports, TF_CONFIG), so the figure is
what `tfk-tokfrag train --strategy multi_worker` gets here. The communication cost is
the median time of an all-reduce (SUM) of as many float32 values as the model has
weights, between the two workers, after warm-up: what each step adds.

On 2 cores two workers share the CPU the one process has alone: expect no speed-up.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def _job(epochs: int, batch_size: int, multi_worker: bool, batch_norm: bool) -> dict:
    """One worker's (or the single process's) run; returns its figures."""
    from tfk_tokfrag.training import resolve_strategy

    strategy = resolve_strategy("multi_worker", peer_timeout=120) if multi_worker else None
    import contextlib

    import keras
    import numpy as np
    import tensorflow as tf

    from tfk_tokfrag.data import load_dataset
    from tfk_tokfrag.models import get_model
    from tfk_tokfrag.training import fit_classifier, shard_by_data

    scope = strategy.scope if strategy is not None else contextlib.nullcontext
    data = shard_by_data(load_dataset("digits", "train", batch_size, seed=0), strategy)
    examples = sum(int(y.shape[0]) for _, y in load_dataset("digits", "train", batch_size))

    class EpochTimes(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.start)

    times: list[float] = []
    keras.utils.set_random_seed(0)
    with scope():
        model = get_model("conv_net_digits", augmentation=0.0, batch_norm=batch_norm)
        fit_classifier(model, data, epochs=epochs, verbose=0, callbacks=[EpochTimes()])
    out = {"images_per_s": examples / statistics.median(times[1:]),
           "steps": -(-examples // batch_size)}
    if strategy is not None:
        size = sum(int(np.prod(w.shape)) for w in model.weights)
        values = tf.ones([size])

        @tf.function
        def all_reduce():
            return strategy.reduce("SUM", strategy.run(lambda: values), axis=None)

        samples = []
        for i in range(25):
            start = time.perf_counter()
            all_reduce().numpy()
            if i >= 5:
                samples.append(time.perf_counter() - start)
        out.update(all_reduce_ms=1000 * statistics.median(samples), values=size)
    return out


def _run(epochs: int, batch_size: int, workers: int, folder: str, batch_norm: bool) -> dict:
    from tests.training.cluster import free_ports, start_worker, wait_all

    args = [os.path.abspath(__file__), "--job", "--epochs", str(epochs),
            "--batch-size", str(batch_size)] + ([] if batch_norm else ["--no-batch-norm"])
    if workers == 1:
        import subprocess

        env = {k: v for k, v in os.environ.items() if k != "TF_CONFIG"}
        done = subprocess.run([sys.executable, *args], capture_output=True, text=True,
                              cwd=ROOT, env=env, timeout=600)
        logs = [done.stdout + done.stderr]
    else:
        ports = free_ports(workers)
        paths = [os.path.join(folder, f"w{i}.log") for i in range(workers)]
        processes = [start_worker([*args, "--multi-worker"], ports, i,
                                  os.path.join(folder, f"tmp{i}"), paths[i])
                     for i in range(workers)]
        codes = wait_all(processes, timeout=600)
        logs = [open(p).read() for p in paths]
        assert codes == [0] * workers, "\n".join(log[-2000:] for log in logs)
    lines = [line for line in logs[0].splitlines() if line.startswith("RESULT")]
    assert lines, logs[0][-3000:]
    return json.loads(lines[-1][len("RESULT"):])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-batch-norm", action="store_true",
                        help="conv_net_digits without batch norm (whose statistics "
                             "are all-reduced every step under a strategy)")
    parser.add_argument("--job", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--multi-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.job:
        out = _job(args.epochs, args.batch_size, args.multi_worker, not args.no_batch_norm)
        print("RESULT" + json.dumps(out), flush=True)
        return
    import _timing

    print(f"machine: {_timing.machine_line()}")
    one, two, reduce_ms = [], [], []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.repeats):
            batch_norm = not args.no_batch_norm
            one.append(_run(args.epochs, args.batch_size, 1, folder, batch_norm)["images_per_s"])
            result = _run(args.epochs, args.batch_size, 2, folder, batch_norm)
            two.append(result["images_per_s"])
            reduce_ms.append(result["all_reduce_ms"])
    a, b = statistics.median(one), statistics.median(two)
    step_ms = 1000 * args.batch_size / b
    print(f"conv_net_digits{' without batch norm' if args.no_batch_norm else ''}, "
          f"digits train, global batch {args.batch_size}, "
          f"median of {args.repeats} runs x {args.epochs - 1} epochs")
    print(f"1 process (no strategy): {a:,.0f} img/s  (runs: {[round(x) for x in one]})")
    print(f"2 workers (multi_worker): {b:,.0f} img/s  (runs: {[round(x) for x in two]})")
    print(f"ratio 2 workers / 1 process: {b / a:.2f}x")
    print(f"all-reduce of {result['values']:,} float32 between the 2 workers: "
          f"{statistics.median(reduce_ms):.2f} ms per step, of a {step_ms:.1f} ms step")


if __name__ == "__main__":
    main()
