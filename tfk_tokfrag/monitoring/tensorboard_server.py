"""`TensorBoardServer`: a local TensorBoard process, started and stopped from Python.

Used by `tfk-tokfrag tensorboard --logdir runs`. The server runs TensorBoard's own
command line (`python -m tensorboard.main`) in a child process bound to
`127.0.0.1` by default, so stopping it stops everything it started.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
import urllib.request

_URL_PATTERN = re.compile(r"TensorBoard \S+ at (http://\S+?/?) \(Press CTRL\+C to quit\)")


class TensorBoardServer:
    """A TensorBoard server in a child process; use `start_tensorboard` to make one.

    Args:
        process: the running `subprocess.Popen` of `python -m tensorboard.main`.
        url: the address it serves, such as `http://127.0.0.1:6006/`.
        logdir: the log directory it reads.

    Example:

    >>> import tempfile
    >>> url, server = start_tensorboard(tempfile.mkdtemp())  # doctest: +SKIP
    >>> url  # doctest: +SKIP
    'http://127.0.0.1:40123/'
    >>> server.stop()  # doctest: +SKIP
    """

    def __init__(self, process: subprocess.Popen, url: str, logdir: str):
        self.process = process
        self.url = url
        self.logdir = logdir
        self.output: list[str] = []  # the server's stderr lines, for error messages
        self._reader = None  # the thread reading them

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        """Stops the server (SIGTERM, then SIGKILL after `timeout` seconds)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        if self._reader is not None:
            self._reader.join(timeout)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()

    def wait(self) -> int:
        """Blocks until the server exits (Ctrl+C stops it); returns its exit code."""
        try:
            return self.process.wait()
        except KeyboardInterrupt:
            self.stop()
            return 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def _drain(stream, lines: list[str], found: threading.Event, url: list[str]) -> None:
    for line in iter(stream.readline, ""):
        lines.append(line.rstrip("\n"))
        match = _URL_PATTERN.search(line)
        if match and not found.is_set():
            url.append(match.group(1))
            found.set()
    found.set()  # the process ended


def start_tensorboard(
    logdir: str | os.PathLike,
    host: str = "127.0.0.1",
    port: int = 0,
    timeout: float = 60.0,
    reload_interval: float = 5.0,
    extra_args: tuple[str, ...] = (),
) -> tuple[str, TensorBoardServer]:
    """Starts TensorBoard on `logdir` and returns `(url, server)` once it serves.

    Args:
        logdir: the folder of runs (e.g. `runs/`); it need not exist yet.
        host: the address to bind; the default, loopback, is reachable from this
            machine only.
        port: the port; 0 lets the system pick a free one (see the returned url).
        timeout: seconds to wait for the server to answer before giving up.
        reload_interval: seconds between TensorBoard's rereads of the logs.
        extra_args: more `tensorboard` command-line flags.

    Returns:
        `(url, server)`; call `server.stop()` (or use it as a context manager) to
        stop TensorBoard.

    Raises:
        RuntimeError: if TensorBoard exits or does not answer within `timeout`
            seconds; the message's first line names the host, the port and the
            cause (e.g. the port is in use), the next ones hold its last output.
    """
    logdir = os.path.abspath(os.fspath(logdir))
    command = [
        sys.executable, "-m", "tensorboard.main",
        "--logdir", logdir,
        "--host", host,
        "--port", str(int(port)),
        "--reload_interval", str(reload_interval),
        *extra_args,
    ]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL=os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3"))
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    server = TensorBoardServer(process, "", logdir)
    found, url = threading.Event(), []
    server._reader = threading.Thread(
        target=_drain, args=(process.stderr, server.output, found, url), daemon=True
    )
    server._reader.start()
    deadline = time.monotonic() + timeout
    try:
        if not found.wait(timeout):
            raise RuntimeError(f"no answer within {timeout:.0f} s")
        if not url:
            raise RuntimeError("it exited")
        server.url = url[0] if url[0].endswith("/") else url[0] + "/"
        while True:  # serving message printed; wait until it answers
            try:
                with urllib.request.urlopen(server.url + "data/environment", timeout=5):
                    break
            except OSError:
                if time.monotonic() > deadline or not server.running:
                    raise
                time.sleep(0.2)
    except (RuntimeError, OSError) as error:
        server.stop()
        exited = found.is_set() and not url  # its output ended: it said why last
        cause = (_cause(server.output) if exited else None) or str(error)
        tail = "\n".join(server.output[-10:])
        raise RuntimeError(
            f"TensorBoard did not start on {host}:{port} (logdir {logdir}): {cause}. "
            f"Its output:\n{tail}"
        ) from None
    return server.url, server


_ABSL_PREFIX = re.compile(r"^[EF]\d{4} [\d:.]+\s+\d+ \S+\] ")


def _cause(output: list[str]) -> str | None:
    """The error TensorBoard printed last (e.g. the port is in use), or its last line."""
    lines = [line.strip() for line in output if line.strip()]
    for line in reversed(lines):
        if line.startswith("ERROR:"):
            return line[len("ERROR:"):].strip()
        if _ABSL_PREFIX.match(line):
            return _ABSL_PREFIX.sub("", line)
    return lines[-1] if lines else None
