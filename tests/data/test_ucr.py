"""The five UCR/UEA problems registered by name (`tfk_tokfrag.data.ucr`).

`.ts` files are written here into a tmp folder standing for `$TFK_TOKFRAG_UCR_DIR`;
only the last test reads the real files, when sktime is installed.
"""

import importlib.util
import os

import numpy as np
import pytest

from tfk_tokfrag.data import dataset_info, list_datasets, load_dataset, ucr
from tfk_tokfrag.data.ucr import UCR_DIR_ENV, UCR_PROBLEMS, ucr_folder


def _write_problem(root, problem, classes, splits, lengths, channels, seed=0):
    """`<root>/<problem>/<problem>_TRAIN.ts` and `_TEST.ts`; returns the cases written."""
    rng = np.random.default_rng(seed)
    folder = os.path.join(root, problem)
    os.makedirs(folder, exist_ok=True)
    written = {}
    for split, size in splits.items():
        cases = [rng.normal(size=(lengths[i % len(lengths)], channels)) for i in range(size)]
        labels = [i % len(classes) for i in range(size)]
        rows = [
            ":".join([*(",".join(repr(float(v)) for v in dim) for dim in case.T), classes[y]])
            for case, y in zip(cases, labels, strict=True)
        ]
        header = [f"@problemName {problem}", "@classLabel true " + " ".join(classes), "@data"]
        with open(os.path.join(folder, f"{problem}_{split.upper()}.ts"), "w") as f:
            f.write("\n".join([*header, *rows]) + "\n")
        written[split] = (cases, np.array(labels))
    return written


@pytest.fixture
def ucr_root(tmp_path, monkeypatch):
    monkeypatch.setenv(UCR_DIR_ENV, str(tmp_path))
    return tmp_path


def test_the_five_problems_are_registered():
    assert set(UCR_PROBLEMS) <= set(list_datasets())
    info = dataset_info("ucr_basic_motions")
    assert info["source"] == "files" and info["modalities"] == ("series",)
    assert info["inputs"] == {"series": {"shape": (100, 6), "dtype": "float32"}}
    assert info["class_names"] == ("Standing", "Running", "Walking", "Badminton")
    assert info["splits"] == {"train": 40, "test": 40}
    assert dataset_info("ucr_italy_power_demand")["num_classes"] == 2


def test_loads_the_official_splits_from_the_folder(ucr_root):
    _, classes, _, _, _ = UCR_PROBLEMS["ucr_basic_motions"]
    written = _write_problem(ucr_root, "BasicMotions", classes, {"train": 5, "test": 3},
                             [7], channels=6)
    for split, (cases, labels) in written.items():
        x, y = next(iter(load_dataset("ucr_basic_motions", split, batch_size=8)))
        order = np.argsort([c[0, 0] for c in cases])  # the train split is shuffled
        got = np.argsort(x.numpy()[:, 0, 0])
        assert x.shape == (len(cases), 7, 6) and x.dtype == "float32"
        np.testing.assert_allclose(x.numpy()[got], np.stack(cases)[order], rtol=1e-6)
        np.testing.assert_array_equal(y.numpy()[got], labels[order])


def test_unequal_lengths_are_padded_and_lengths_returned(ucr_root):
    _, classes, _, _, _ = UCR_PROBLEMS["ucr_gunpoint"]
    written = _write_problem(ucr_root, "GunPoint", classes, {"train": 2, "test": 4},
                             [5, 9, 3], channels=1)
    x, y = next(iter(load_dataset("ucr_gunpoint", "test", batch_size=4,
                                  return_lengths=True)))
    cases, labels = written["test"]
    assert x["series"].shape == (4, 9, 1)
    np.testing.assert_array_equal(x["length"].numpy(), [5, 9, 3, 5])
    for row, case in zip(x["series"].numpy(), cases, strict=True):
        np.testing.assert_allclose(row[: len(case)], case, rtol=1e-6)
        assert not row[len(case):].any()  # zero padding at the end
    np.testing.assert_array_equal(y.numpy(), labels)


def test_classes_other_than_registered_are_an_error(ucr_root):
    _write_problem(ucr_root, "GunPoint", ("a", "b"), {"train": 2}, [4], channels=1)
    with pytest.raises(ValueError, match=r"GunPoint lists the classes \['a', 'b'\]"):
        next(iter(load_dataset("ucr_gunpoint", "train")))


def test_missing_folder_under_the_variable_names_it(ucr_root):
    with pytest.raises(FileNotFoundError, match=f"\\${UCR_DIR_ENV} is .* no OSULeaf/"):
        load_dataset("ucr_osuleaf", "train")


def test_without_sktime_the_error_says_pip_install(monkeypatch):
    monkeypatch.delenv(UCR_DIR_ENV, raising=False)
    monkeypatch.setattr(ucr.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(FileNotFoundError, match="pip install sktime"):
        ucr_folder("GunPoint")


@pytest.mark.skipif(importlib.util.find_spec("sktime") is None, reason="sktime not installed")
def test_the_real_files_match_the_registration(monkeypatch):
    monkeypatch.delenv(UCR_DIR_ENV, raising=False)
    for name, (problem, classes, splits, length, channels) in UCR_PROBLEMS.items():
        info = dataset_info(ucr_folder(problem))  # read as a folder: every row checked
        assert info["class_names"] == classes, name
        assert info["splits"] == splits and info["series_length"] == length, name
        assert info["inputs"]["series"]["shape"] == (None, channels), name
