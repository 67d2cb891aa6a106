"""`load_keras_model`: a `.keras` archive from anywhere, checked and loaded in safe mode.

A `.keras` file is a zip archive holding `config.json` (the model's configuration),
`model.weights.h5` and assets. The configuration of a `Lambda` layer may carry Python
bytecode, which `keras.saving.load_model(..., safe_mode=False)` would run. Every
`.keras` file this package loads goes through `load_keras_model`, which first checks
the archive (`check_keras_archive`) and then loads it with `safe_mode=True`: an archive
that carries code is refused, never run.
"""

from __future__ import annotations

import json
import os
import posixpath
import zipfile

import keras

# The most the members of a `.keras` archive may hold uncompressed. The zoo's largest
# model is a few MB; 2 GiB leaves room for real models and stops zip bombs.
KERAS_ARCHIVE_MAX_BYTES = 2 * 1024**3

_CONFIG = "config.json"


def _is_unsafe_member(name: str) -> bool:
    """A member name that would land outside a folder the archive is extracted into."""
    normalized = name.replace("\\", "/")
    return (
        normalized.startswith("/")
        or (len(normalized) > 1 and normalized[1] == ":")  # a Windows drive, C:...
        or ".." in posixpath.normpath(normalized).split("/")
    )


def _find_code(config) -> str | None:
    """The first serialized Python function (`__lambda__`) in a model config, if any."""
    stack = [config]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("class_name") == "__lambda__":
                return "a serialized Python function"
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return None


def _refused(path, what: str) -> ValueError:
    return ValueError(
        f"Refused {os.fspath(path)}: the archive contains code ({what}), which Keras safe "
        "mode (safe_mode=True) does not run. Load it with keras.saving.load_model(path, "
        "safe_mode=False) only if you trust where it came from."
    )


def check_keras_archive(path: str | os.PathLike) -> None:
    """Checks a `.keras` archive before Keras opens it.

    Refuses (`ValueError`, naming the file and the reason) a file that is not a zip
    archive or has no `config.json`, a member whose name leads outside the archive's
    folder (`../evil.txt`, `/etc/passwd`), members totalling more than
    `KERAS_ARCHIVE_MAX_BYTES` uncompressed, and a configuration that carries Python
    code (a `Lambda` layer's function). Reads only the zip directory and `config.json`.

    Raises:
        FileNotFoundError: if `path` does not exist.
        ValueError: if the archive is refused.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No .keras archive at {path}")
    invalid = f"{path} is not a valid .keras archive (a zip file holding {_CONFIG})"
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            for member in members:
                if _is_unsafe_member(member.filename):
                    raise ValueError(
                        f"Refused {path}: its member {member.filename!r} points outside "
                        "the archive (an absolute path or '..')."
                    )
            total = sum(member.file_size for member in members)
            if total > KERAS_ARCHIVE_MAX_BYTES:
                raise ValueError(
                    f"Refused {path}: its members hold {total} bytes uncompressed, more "
                    f"than the {KERAS_ARCHIVE_MAX_BYTES} allowed (KERAS_ARCHIVE_MAX_BYTES)."
                )
            if _CONFIG not in archive.namelist():
                raise ValueError(f"{invalid}: it has no {_CONFIG}.")
            config = json.loads(archive.read(_CONFIG))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError):
        raise ValueError(f"{invalid}: it is not a zip file.") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"{invalid}: its {_CONFIG} is not JSON ({error}).") from None
    if (code := _find_code(config)) is not None:
        raise _refused(path, code)


def load_keras_model(path: str | os.PathLike, compile: bool = False) -> keras.Model:
    """Loads a `.keras` archive with `safe_mode=True`, after `check_keras_archive`.

    Args:
        path: the `.keras` file.
        compile: restore the training configuration too (not needed to evaluate,
            export or predict).

    Raises:
        FileNotFoundError: if `path` does not exist.
        ValueError: if the archive is refused (see `check_keras_archive`), or if Keras
            safe mode refuses part of it.
    """
    check_keras_archive(path)
    try:
        return keras.saving.load_model(path, compile=compile, safe_mode=True)
    except ValueError as error:
        message = str(error)
        if "safe_mode=False" in message:  # Keras' own safe-mode refusals say so
            raise _refused(path, message.split(". ")[0]) from None
        raise
