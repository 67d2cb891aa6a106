"""The private base of the offline builders."""

from __future__ import annotations

import inspect

import tensorflow_datasets as tfds
from etils import epath
from tensorflow_datasets.core.utils.py_utils import classproperty


class OfflineBuilder(tfds.core.GeneratorBasedBuilder, skip_registration=True):
    """A `GeneratorBasedBuilder` that generates locally and never downloads.

    `code_path` is the builder's own source file. TFDS 4.9.10 computes it through the
    `importlib_resources` backport, which it only declares as a dependency for Python
    < 3.9, so on newer Pythons without the backport `download_and_prepare()` would fail
    with `ModuleNotFoundError`; TFDS's own fallback (`inspect.getfile`) is used instead.
    """

    @classproperty
    @classmethod
    def code_path(cls) -> epath.Path | None:
        try:
            return epath.Path(inspect.getfile(cls))
        except (TypeError, OSError):
            return None
