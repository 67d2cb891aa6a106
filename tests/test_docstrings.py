"""Every `>>>` example in the package's docstrings runs and prints what it says."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import tfk_tokfrag


def _modules_with_examples() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(tfk_tokfrag.__path__, "tfk_tokfrag."):
        spec = importlib.util.find_spec(info.name)
        if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
            continue
        with open(spec.origin, encoding="utf-8") as f:
            if ">>>" in f.read():
                names.append(info.name)
    return sorted(names)


MODULES = _modules_with_examples()


def test_the_examples_are_found():
    for name in ("tfk_tokfrag.layers.word_tokenizer", "tfk_tokfrag.layers.pixel_tokenizer",
                 "tfk_tokfrag.layers.temporal_fragmenter",
                 "tfk_tokfrag.models.lstm_video_classifier"):
        assert name in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(
        module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False
    )
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed"
