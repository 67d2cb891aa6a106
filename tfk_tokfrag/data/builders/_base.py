"""The private base of the offline builders."""

from __future__ import annotations

import inspect
import sys

import numpy as np
import tensorflow_datasets as tfds
from etils import epath
from tensorflow_datasets.core.utils.py_utils import classproperty

from tfk_tokfrag.data.digits import DEFAULT_SEED, load_digits_arrays


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

    # TFDS announces "Downloading and preparing dataset ..." on stdout: wrong here, as
    # nothing is downloaded. Say what happens instead, once, on stderr.
    def _log_download_bytes(self) -> None:
        print(
            f"tfk_tokfrag: generating the offline dataset {self.name} {self.version} into "
            f"{self.data_dir} (no download; done once, later calls reuse it)...",
            file=sys.stderr,
        )

    def _log_download_done(self) -> None:
        print(f"tfk_tokfrag: dataset {self.name} {self.version} ready.", file=sys.stderr)


class RenderedFromDigits(OfflineBuilder, skip_registration=True):
    """An offline builder whose examples are drawn from the real digits of each split.

    Split `s` renders `SPLIT_SIZES[s]` examples from the digits of the same split of
    `load_digits_arrays()` (so test examples only show held-out digits), with a
    generator seeded by `(SEED, index of s)`: the examples are the same on every machine
    (not the record files' bytes: protobuf writes each example's feature map in an order
    that follows Python's per-process hash seed).
    Subclasses set `SPLIT_SIZES` and implement `_render`.
    """

    SPLIT_SIZES: dict[str, int] = {}
    SEED = DEFAULT_SEED

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        del dl_manager  # nothing to download
        return {split: self._generate_examples(split) for split in self.SPLIT_SIZES}

    def _generate_examples(self, split: str):
        images, labels = load_digits_arrays(seed=DEFAULT_SEED)[split]
        rng = np.random.default_rng([self.SEED, list(self.SPLIT_SIZES).index(split)])
        yield from self._render(images, labels, self.SPLIT_SIZES[split], rng)

    def _render(self, images, labels, num_examples: int, rng: np.random.Generator):
        """Yields `(key, example)` pairs."""
        raise NotImplementedError
