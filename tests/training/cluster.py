"""Real multi-worker clusters on 127.0.0.1 for the tests: free ports, TF_CONFIG, and
waits that always end (a worker blocked in TensorFlow ignores SIGTERM: SIGKILL)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def tf_config(ports: list[int], index: int) -> str:
    return json.dumps({
        "cluster": {"worker": [f"127.0.0.1:{p}" for p in ports]},
        "task": {"type": "worker", "index": index},
    })


def start_worker(args: list[str], ports: list[int], index: int, tmp_dir: str,
                 log_path: str) -> subprocess.Popen:
    """`python ARGS` as worker `index` of the cluster on `ports`; output to `log_path`;
    its temporary files under `tmp_dir` (to check that it cleans them up)."""
    os.makedirs(tmp_dir, exist_ok=True)
    env = {**os.environ, "TF_CONFIG": tf_config(ports, index), "TMPDIR": tmp_dir,
           "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": ROOT}
    with open(log_path, "w") as log:
        return subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT)


def wait_all(processes: list[subprocess.Popen], timeout: float) -> list[int]:
    """Return codes of `processes`; any still running after `timeout` s is killed
    (its code is then -9)."""
    deadline = time.monotonic() + timeout
    for p in processes:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    for p in processes:
        if p.poll() is None:
            p.kill()
            p.wait(timeout=30)
    return [p.returncode for p in processes]


def run_cluster(args_of, n: int, tmp_path, timeout: float, name: str = "run"):
    """Starts `n` workers (`args_of(index)` -> their arguments) and waits for them all;
    returns `(return codes, logs)`."""
    ports = free_ports(n)
    logs = [str(tmp_path / f"{name}-worker{i}.log") for i in range(n)]
    processes = [
        start_worker(args_of(i), ports, i, str(tmp_path / f"tmp{i}"), logs[i])
        for i in range(n)
    ]
    codes = wait_all(processes, timeout)
    return codes, [open(log).read() for log in logs]


def kill_after_lines(script: str, argument: str, prefix: str, count: int, delay: float,
                     timeout: float = 120) -> list[str]:
    """Runs `python -c script argument`, waits (at most `timeout` s) for `count` lines
    of its output starting with `prefix`, then `delay` s more, and kills it (SIGKILL).
    Returns those lines."""
    process = subprocess.Popen(
        [sys.executable, "-c", script, argument], cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    seen: list[str] = []
    try:
        deadline = time.monotonic() + timeout
        while len(seen) < count and time.monotonic() < deadline:
            line = process.stdout.readline()
            assert line or process.poll() is None, f"the script ended: {seen}"
            if line.startswith(prefix):
                seen.append(line.strip())
        assert len(seen) >= count, f"{count} lines {prefix!r} not within {timeout} s"
        time.sleep(delay)
        process.kill()
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
    return seen
