"""TensorBoard binds to loopback unless asked otherwise (no real server is started)."""

import io

import pytest

from tfk_tokfrag import cli
from tfk_tokfrag.monitoring import tensorboard_server


class _ExitedProcess:
    """Stands in for `subprocess.Popen`: records the command, prints `output`, exits 1."""

    commands: list[list[str]] = []
    output = "ERROR: TensorBoard could not bind to port 6006, it was already in use\n"

    def __init__(self, command, **kwargs):
        self.commands.append(command)
        self.stdout, self.stderr = None, io.StringIO(self.output)
        self.returncode = 1

    def poll(self):
        return self.returncode

    def wait(self, timeout=None):
        return self.returncode


@pytest.fixture
def popen(monkeypatch):
    _ExitedProcess.commands = []
    monkeypatch.setattr(tensorboard_server.subprocess, "Popen", _ExitedProcess)
    return _ExitedProcess


def _flag(command, name):
    return command[command.index(name) + 1]


def test_start_tensorboard_binds_to_loopback_by_default(popen, tmp_path):
    with pytest.raises(RuntimeError) as error:
        tensorboard_server.start_tensorboard(tmp_path, port=6006, timeout=5)
    (command,) = popen.commands
    assert _flag(command, "--host") == "127.0.0.1"
    # The first line names the address and TensorBoard's own reason.
    first = str(error.value).splitlines()[0]
    assert first.startswith("TensorBoard did not start on 127.0.0.1:6006 ")
    assert first.endswith(": TensorBoard could not bind to port 6006, it was already in use. "
                          "Its output:")


def test_another_host_only_when_asked(popen, tmp_path):
    with pytest.raises(RuntimeError, match="did not start on 0.0.0.0:6006"):
        tensorboard_server.start_tensorboard(tmp_path, host="0.0.0.0", port=6006, timeout=5)
    assert _flag(popen.commands[0], "--host") == "0.0.0.0"


def test_the_cli_asks_for_loopback(monkeypatch, tmp_path, capsys):
    calls = []

    def fake_start(logdir, **kwargs):
        calls.append(kwargs)
        raise RuntimeError("stop here\nmore output")

    monkeypatch.setattr(cli, "start_tensorboard", fake_start)
    assert cli.main(["tensorboard", "--logdir", str(tmp_path), "--port", "0"]) == 2
    assert calls == [{"host": "127.0.0.1", "port": 0}]
    assert capsys.readouterr().err.strip() == "tfk-tokfrag: error: stop here"
