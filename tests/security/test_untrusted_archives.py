"""Untrusted `.keras` archives: code is refused (safe mode), bad zips never reach Keras."""

import warnings
import zipfile

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfk_tokfrag import cli
from tfk_tokfrag.data import load_digits_arrays
from tfk_tokfrag.models import (
    KERAS_ARCHIVE_MAX_BYTES,
    check_keras_archive,
    get_model,
    keras_archive,
    load_keras_model,
)


@pytest.fixture
def malicious(tmp_path):
    """A `.keras` archive whose `Lambda` layer holds Python bytecode that writes a file."""
    marker = tmp_path / "pwned.txt"
    inputs = keras.Input((8, 8, 1), dtype="uint8")
    x = keras.layers.Rescaling(1 / 255)(inputs)
    marker_path = str(marker)  # reaches the function as a closure cell
    x = keras.layers.Lambda(lambda t: (open(marker_path, "w").close(), t)[1])(x)
    outputs = keras.layers.Dense(10)(keras.layers.Flatten()(x))
    path = tmp_path / "innocent.keras"
    with warnings.catch_warnings():  # Keras warns that it serializes a lambda
        warnings.simplefilter("ignore")
        keras.Model(inputs, outputs).save(path)
    marker.unlink()  # building the model ran the function once, here
    return path, marker


def test_the_malicious_archive_runs_its_code_outside_safe_mode(malicious):
    # The control: the archive really carries code that runs when it is loaded.
    path, marker = malicious
    keras.saving.load_model(path, safe_mode=False)
    assert marker.exists()


@pytest.mark.parametrize("command", ["evaluate", "export", "predict"])
def test_the_cli_refuses_an_archive_with_code(command, malicious, tmp_path, capsys):
    path, marker = malicious
    image = tmp_path / "digit.png"
    image.write_bytes(tf.io.encode_png(load_digits_arrays()["test"][0][0]).numpy())
    args = {
        "evaluate": ["evaluate", str(path), "--dataset", "digits"],
        "export": ["export", str(path), str(tmp_path / "exported")],
        "predict": ["predict", str(path), str(image)],
    }[command]
    assert cli.main(args) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert "Traceback" not in captured.err and len(err.splitlines()) == 1, err
    assert err.startswith(f"tfk-tokfrag: error: Refused {path}: the archive contains code")
    assert "safe mode (safe_mode=True)" in err
    assert not marker.exists()
    assert not (tmp_path / "exported").exists()


def test_code_is_refused_even_when_keras_allows_unsafe_deserialization(malicious):
    path, marker = malicious
    keras.config.enable_unsafe_deserialization()  # process-wide; undone below
    try:
        with pytest.raises(ValueError, match="the archive contains code"):
            load_keras_model(path)
    finally:
        keras.backend.clear_session()  # resets Keras' global state, safe mode included
    assert not marker.exists()


@pytest.fixture
def tiny_archive(tmp_path):
    model = get_model("conv_net_digits", filters=[2], dense_units=2)
    path = tmp_path / "tiny.keras"
    model.save(path)
    return path, model


def _rewrite(source, dest, extra: dict[str, bytes]):
    """A copy of the zip `source` with `extra` members added (names kept verbatim)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(dest, "w") as new:
        for info in old.infolist():
            new.writestr(info, old.read(info))
        for name, data in extra.items():
            new.writestr(zipfile.ZipInfo(name), data)
    return dest


@pytest.fixture
def keras_never_opens(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("Keras opened an archive the check should have refused")

    monkeypatch.setattr(keras.saving, "load_model", fail)


def test_a_valid_archive_loads_and_predicts_as_saved(tiny_archive):
    path, model = tiny_archive
    check_keras_archive(path)
    images = load_digits_arrays()["test"][0][:4]
    np.testing.assert_allclose(load_keras_model(path).predict(images, verbose=0),
                               model.predict(images, verbose=0), rtol=1e-6, atol=1e-6)


def test_predict_serves_a_valid_keras_file(tiny_archive, tmp_path, capsys):
    # The control for the refusals above: the same commands take a clean archive.
    path, model = tiny_archive
    image = load_digits_arrays()["test"][0][0]
    png = tmp_path / "digit.png"
    png.write_bytes(tf.io.encode_png(image).numpy())
    assert cli.main(["predict", str(path), str(png), "--top", "1"]) == 0
    expected = int(np.argmax(model.predict(image[None], verbose=0)[0]))
    assert capsys.readouterr().out.strip().startswith(f"{png}: {expected}  ({expected} ")


@pytest.mark.parametrize(
    "member", ["../evil.txt", "assets/../../evil.txt", "/tmp/evil.txt", "..\\evil.txt",
               "C:/evil.txt"],
)
def test_a_member_outside_the_archive_is_refused(member, tiny_archive, tmp_path,
                                                 keras_never_opens, capsys):
    path = _rewrite(tiny_archive[0], tmp_path / "traversal.keras", {member: b"owned"})
    with zipfile.ZipFile(path) as archive:
        assert member in archive.namelist()  # the name is stored verbatim
    assert cli.main(["evaluate", str(path), "--dataset", "digits"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert f"Refused {path}: its member {member!r} points outside the archive" in err
    assert not (tmp_path.parent / "evil.txt").exists()


def test_an_oversized_archive_is_refused(tiny_archive, monkeypatch, keras_never_opens,
                                         capsys):
    path = tiny_archive[0]
    with zipfile.ZipFile(path) as archive:
        total = sum(info.file_size for info in archive.infolist())
    assert KERAS_ARCHIVE_MAX_BYTES == 2 * 1024**3  # the documented limit: 2 GiB
    monkeypatch.setattr(keras_archive, "KERAS_ARCHIVE_MAX_BYTES", total - 1)
    assert cli.main(["export", str(path), str(path.parent / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert f"its members hold {total} bytes uncompressed, more than the {total - 1}" in err
    monkeypatch.setattr(keras_archive, "KERAS_ARCHIVE_MAX_BYTES", total)
    check_keras_archive(path)  # exactly at the limit is allowed


@pytest.mark.parametrize(
    "contents, reason",
    [
        ({"metadata.json": b"{}"}, "it has no config.json"),
        ({"config.json": b"{not json"}, "its config.json is not JSON"),
    ],
)
def test_a_zip_that_is_not_a_keras_archive_is_refused(contents, reason, tmp_path,
                                                      keras_never_opens):
    path = tmp_path / "odd.keras"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in contents.items():
            archive.writestr(name, data)
    with pytest.raises(ValueError, match=f"is not a valid .keras archive.*: {reason}"):
        load_keras_model(path)
