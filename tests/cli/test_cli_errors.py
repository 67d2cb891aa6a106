"""User errors end with one line on stderr naming the bad value, and exit status 2."""

import socket

import pytest
import tensorflow as tf

from tfk_tokfrag import cli
from tfk_tokfrag.data import load_digits_arrays
from tfk_tokfrag.export import export_saved_model
from tfk_tokfrag.models import get_model

QUICK = ["--epochs", "1", "--max-steps-per-epoch", "1", "--verbose", "0"]


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory):
    """Tiny models built for 16x16 images (the digits are 8x8), a corrupt SavedModel,
    a file that is not a .keras archive and a digit image."""
    folder = tmp_path_factory.mktemp("artifacts")
    model = get_model("conv_net_digits", filters=[2], dense_units=2, input_shape=(16, 16, 1))
    model.save(folder / "m16.keras")
    export_saved_model(model, folder / "saved16")
    corrupt = folder / "corrupt"
    export_saved_model(get_model("conv_net_digits", filters=[2], dense_units=2), corrupt)
    (corrupt / "saved_model.pb").write_bytes(b"not a protocol buffer")
    (folder / "garbage.keras").write_bytes(b"not a zip archive")
    image = load_digits_arrays()["test"][0][0]
    (folder / "digit.png").write_bytes(tf.io.encode_png(image).numpy())
    return folder


def _one_line_error(capsys) -> str:
    """The error line, which ends stderr; before it, at most progress lines (the first
    use of an offline dataset generates it)."""
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    lines = captured.err.strip().splitlines()
    assert [line for line in lines if "error:" in line] == lines[-1:], lines
    assert lines[-1].startswith("tfk-tokfrag: error: ")
    return lines[-1]


@pytest.mark.parametrize(
    "args, fragments",
    [
        # --set: a misspelt key is named with the closest valid key and the list of them.
        (["train", "conv_net_digits", "--set", "dropuot=0.1", *QUICK],
         ["'dropuot'", "Did you mean 'dropout'?", "Valid arguments: input_shape"]),
        (["train", "conv_net_digits", "--set", "zzz=1", *QUICK],
         ["'zzz'", "Valid arguments:"]),
        # --set: a value of the wrong kind.
        (["train", "conv_net_digits", "--set", "augmentation=strong", *QUICK],
         ["augmentation must be a number in [0, 0.5)", "augmentation='strong'"]),
        # Numbers argparse refuses before anything trains or is saved.
        (["train", "conv_net_digits", "--epochs", "0"],
         ["argument --epochs: expected a positive int, received '0'"]),
        (["train", "conv_net_digits", "--learning-rate", "-1"],
         ["argument --learning-rate: expected a positive number, received '-1'"]),
        (["train", "conv_net_digits", "--learning-rate", "nan"],
         ["argument --learning-rate: expected a positive number, received 'nan'"]),
        (["train", "conv_net_digits", "--batch-size", "two"],
         ["argument --batch-size: expected a positive int, received 'two'"]),
        (["train", "conv_net_digits", "--validation-freq", "0"],
         ["argument --validation-freq: expected a positive int, received '0'"]),
        (["predict", "zoo:conv_net_digits", "x.png", "--top", "-2"],
         ["argument --top: expected a positive int, received '-2'"]),
        (["predict", "zoo:conv_net_digits", "x.png", "--top", "0"],
         ["argument --top: expected a positive int, received '0'"]),
        (["tensorboard", "--port", "70000"],
         ["argument --port: expected a port in [0, 65535], received '70000'"]),
    ],
)
def test_bad_arguments_are_refused_in_one_line(args, fragments, tmp_path, monkeypatch,
                                               capsys):
    monkeypatch.chdir(tmp_path)  # train's default runs/ and checkpoints/ would land here
    assert cli.main(args) == 2
    err = _one_line_error(capsys)
    for fragment in fragments:
        assert fragment in err
    assert list(tmp_path.iterdir()) == []  # nothing trained, nothing saved


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["evaluate", "{dir}/corrupt", "--dataset", "digits"],
         ["{dir}/corrupt is not a valid SavedModel", "saved_model.pb"]),
        (["predict", "{dir}/corrupt", "{dir}/digit.png"],
         ["{dir}/corrupt is not a valid SavedModel", "saved_model.pb"]),
        (["evaluate", "{dir}/m16.keras", "--dataset", "digits"],
         ["do not fit the model", "expected shape (None, 16, 16, 1)",
          "received shape (None, 8, 8, 1)"]),
        (["evaluate", "{dir}/saved16", "--dataset", "digits"],
         ["do not fit the model", "expected shape (None, 16, 16, 1) (uint8)",
          "received shape (None, 8, 8, 1) (uint8)"]),
        (["evaluate", "{dir}/garbage.keras", "--dataset", "digits"],
         ["{dir}/garbage.keras is not a valid .keras archive", "not a zip file"]),
        (["export", "{dir}/garbage.keras", "{dir}/out"],
         ["{dir}/garbage.keras is not a valid .keras archive", "not a zip file"]),
        (["predict", "{dir}/garbage.keras", "{dir}/digit.png"],
         ["{dir}/garbage.keras is not a valid .keras archive", "not a zip file"]),
    ],
)
def test_bad_models_are_refused_in_one_line(args, fragments, artifacts, capsys):
    def fill(text):
        return text.replace("{dir}", str(artifacts))

    assert cli.main([fill(a) for a in args]) == 2
    err = _one_line_error(capsys)
    for fragment in fragments:
        assert fill(fragment) in err
    assert "File not found" not in err
    assert not (artifacts / "out").exists()


def test_tensorboard_on_a_busy_port_names_the_port_and_the_cause(tmp_path, capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert cli.main(["tensorboard", "--logdir", str(tmp_path), "--port", str(port)]) == 2
    err = _one_line_error(capsys)
    assert f"127.0.0.1:{port}" in err
    assert f"could not bind to port {port}, it was already in use" in err


def test_help_says_savedmodels_are_programs_from_trusted_sources(capsys):
    for command in ("evaluate", "predict"):
        assert cli.main([command, "--help"]) == 0
        out = " ".join(capsys.readouterr().out.split())
        assert "A TensorFlow SavedModel is a program" in out
        assert "only SavedModels from trusted sources" in out
