"""UCR/UEA `.ts` files: the parser, the tf.data examples, the info, every error."""

import os
import re

import numpy as np
import pytest
import tensorflow as tf

from tfk_tokfrag.data import dataset_info, load_dataset
from tfk_tokfrag.data.pipeline import batch_pipeline
from tfk_tokfrag.data.ts_files import (
    TsData,
    is_ts_source,
    read_ts_file,
    ts_examples,
    ts_info,
    ts_split_file,
)


def _format_row(case, label):
    """A `.ts` row from a `(time, channels)` float array: NaN written as `?`."""
    dims = [",".join("?" if np.isnan(v) else repr(float(v)) for v in dim) for dim in case.T]
    return ":".join([*dims, label])


def _write(path, header, rows, *, newline="\n"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="") as f:
        f.write(newline.join([*header, "@data", *rows]) + newline)
    return str(path)


def _header(name="Toy", classes=("up", "down"), **tags):
    lines = [f"@problemName {name}", "@timeStamps false"]
    lines += [f"@{tag} {value}" for tag, value in tags.items()]
    return [*lines, "@classLabel true " + " ".join(classes)]


def _cases(rng, lengths, channels):
    return [rng.normal(size=(t, channels)).astype(np.float64) for t in lengths]


def _examples(ds):
    return [(x.numpy(), int(y)) for x, y in ds]


def _assert_cases_equal(got, cases, labels):
    assert len(got) == len(cases)
    for (x, y), case, label in zip(got, cases, labels, strict=True):
        assert x.dtype == np.float32 and x.shape == case.shape
        np.testing.assert_array_equal(x, case.astype(np.float32))
        assert y == label


@pytest.fixture
def univariate(tmp_path):
    """`Toy_TRAIN.ts` (5 cases of 6 values) and `Toy_TEST.ts` (3 cases)."""
    rng = np.random.default_rng(0)
    classes = ("up", "down", "flat")
    header = _header(classes=classes, univariate="true", equalLength="true", seriesLength=6)
    splits = {}
    for split, n in (("TRAIN", 5), ("TEST", 3)):
        cases = _cases(rng, [6] * n, 1)
        labels = rng.integers(0, 3, size=n)
        rows = [_format_row(c, classes[y]) for c, y in zip(cases, labels, strict=True)]
        _write(tmp_path / f"Toy_{split}.ts", header, rows)
        splits[split.lower()] = (cases, labels)
    return tmp_path, classes, splits


def test_univariate_equal_length_split_by_split(univariate):
    folder, classes, splits = univariate
    for split, (cases, labels) in splits.items():
        ds, names = ts_examples(folder, split)
        assert names == list(classes)
        assert ds.element_spec[0].shape.as_list() == [6, 1]
        assert ds.element_spec[1].dtype == tf.int64
        assert int(ds.cardinality()) == len(cases)
        _assert_cases_equal(_examples(ds), cases, labels)


def test_read_ts_file_and_its_metadata(univariate):
    folder, classes, splits = univariate
    data = read_ts_file(folder / "Toy_TRAIN.ts")
    assert isinstance(data, TsData) and len(data) == 5
    assert data.class_names == classes and data.problem_name == "Toy"
    assert data.univariate and data.dimensions == 1 and data.equal_length
    assert data.series_length == 6 and not data.missing and not data.timestamps
    assert data.labels.dtype == np.int64
    cases, labels = splits["train"]
    _assert_cases_equal(list(zip(data.series, data.labels, strict=True)), cases, labels)
    with pytest.raises(AttributeError):
        data.problem_name = "other"  # frozen


def test_multivariate_unequal_length(tmp_path):
    rng = np.random.default_rng(1)
    cases = _cases(rng, [4, 7, 2, 5], 3)
    labels = [1, 0, 1, 1]
    header = _header(univariate="false", dimensions=3, equalLength="false")
    rows = [_format_row(c, ("up", "down")[y]) for c, y in zip(cases, labels, strict=True)]
    path = _write(tmp_path / "Toy_TRAIN.ts", header, rows)

    data = read_ts_file(path)
    assert (data.dimensions, data.univariate, data.equal_length) == (3, False, False)
    assert data.series_length is None
    ds, _ = ts_examples(tmp_path)
    assert ds.element_spec[0].shape.as_list() == [None, 3]
    _assert_cases_equal(_examples(ds), cases, labels)
    # Dimension d of a row is channel d: (time, channels).
    np.testing.assert_array_equal(data.series[1][:, 2], cases[1][:, 2].astype(np.float32))


def test_batch_pipeline_pads_unequal_lengths_and_returns_lengths(tmp_path):
    rng = np.random.default_rng(2)
    cases = _cases(rng, [3, 5, 2, 4, 1], 2)
    labels = [0, 1, 0, 1, 1]
    rows = [_format_row(c, ("up", "down")[y]) for c, y in zip(cases, labels, strict=True)]
    _write(tmp_path / "Toy_TRAIN.ts", _header(dimensions=2), rows)

    ds, _ = ts_examples(tmp_path, return_lengths=True)
    assert set(ds.element_spec[0]) == {"series", "length"}
    batches = list(batch_pipeline(ds, batch_size=2))
    assert [tuple(b[0]["series"].shape) for b in batches] == [(2, 5, 2), (2, 4, 2), (1, 1, 2)]
    lengths = np.concatenate([b[0]["length"].numpy() for b in batches])
    assert lengths.dtype == np.int32 and lengths.tolist() == [3, 5, 2, 4, 1]
    assert np.concatenate([b[1].numpy() for b in batches]).tolist() == labels
    for i, case in enumerate(cases):
        batch, row = divmod(i, 2)
        padded = batches[batch][0]["series"][row].numpy()
        np.testing.assert_array_equal(padded[: len(case)], case.astype(np.float32))
        assert not padded[len(case) :].any()  # padded with zeros at the end

    plain = list(batch_pipeline(ts_examples(tmp_path)[0], batch_size=5))
    assert plain[0][0].shape == (5, 5, 2)


def test_missing_values_are_nan_or_filled(tmp_path):
    header = _header(missing="true")
    rows = ["1,?,3:up", "NaN, 2 ,nan:down", "-inf,?,Infinity:up"]
    _write(tmp_path / "Toy_TRAIN.ts", header, rows)
    expected = np.array([[1, np.nan, 3], [np.nan, 2, np.nan], [-np.inf, np.nan, np.inf]])

    data = read_ts_file(tmp_path / "Toy_TRAIN.ts")
    assert data.missing
    np.testing.assert_array_equal(np.stack(data.series)[..., 0], expected)
    got = np.stack([x for x, _ in _examples(ts_examples(tmp_path)[0])])[..., 0]
    np.testing.assert_array_equal(got, expected)  # NaN kept by default

    filled, _ = ts_examples(tmp_path, fill_missing=-1.5)
    got = np.stack([x for x, _ in _examples(filled)])[..., 0]
    np.testing.assert_array_equal(got, np.where(np.isnan(expected), -1.5, expected))


def test_number_forms_match_numpy(tmp_path):
    values = ["8.6429E-4", "+1.5", ".5", "-1.", "1e5", "00.10", "-0.00033", "3"]
    _write(tmp_path / "x.ts", _header(), [",".join(values) + ":up"])
    expected = np.array([float(v) for v in values], np.float64).astype(np.float32)
    np.testing.assert_array_equal(read_ts_file(tmp_path / "x.ts").series[0][:, 0], expected)
    ((series, _),) = _examples(ts_examples(tmp_path / "x.ts")[0])
    np.testing.assert_array_equal(series[:, 0], expected)


def test_comments_blank_lines_case_crlf_bom(tmp_path):
    text = (
        "\ufeff# a comment\r\n\r\n@PROBLEMNAME Mixed\r\n@TimeStamps FALSE\r\n"
        "# another comment\r\n@Univariate\tTrue\r\n@CLASSLABEL  TRUE a\tb\r\n  @DATA  \r\n"
        "\r\n 1 , 2 : b \r\n# a comment among the rows\r\n\r\n3,4:a\r\n   \r\n5,6:B\r\n"
    )
    path = tmp_path / "Mixed_TEST.ts"
    path.write_bytes(text.encode("utf-8"))
    data = read_ts_file(path)
    assert data.problem_name == "Mixed" and data.class_names == ("a", "b")
    assert data.labels.tolist() == [1, 0, 1]  # "B" matches class "b" (case-insensitive)
    np.testing.assert_array_equal(np.stack(data.series)[..., 0], [[1, 2], [3, 4], [5, 6]])
    got = _examples(ts_examples(path, "test")[0])
    assert [y for _, y in got] == [1, 0, 1]
    np.testing.assert_array_equal(np.stack([x for x, _ in got])[..., 0], [[1, 2], [3, 4], [5, 6]])


def test_problem_name_defaults_to_the_file_name(tmp_path):
    path = _write(tmp_path / "Beef_TRAIN.ts", ["@classLabel true 1 2"], ["1,2:1"])
    assert read_ts_file(path).problem_name == "Beef"


def test_files_splits_and_class_names(univariate, tmp_path):
    folder, classes, splits = univariate
    assert ts_split_file(folder, "test") == str(folder / "Toy_TEST.ts")
    ds, _ = ts_examples(folder / "Toy_TEST.ts", "test")  # a file given directly
    assert len(_examples(ds)) == 3
    with pytest.raises(ValueError, match=r"Toy_TEST\.ts is the 'test' split.*split='train'"):
        ts_examples(folder / "Toy_TEST.ts")
    with pytest.raises(ValueError, match="split must be one of"):
        ts_examples(folder, "validation")

    cases, labels = splits["train"]
    ds, names = ts_examples(folder, class_names=["flat", "up"])
    keep = [i for i, y in enumerate(labels) if classes[y] in names]
    assert names == ["flat", "up"] and int(ds.cardinality()) == len(keep)
    _assert_cases_equal(
        _examples(ds), [cases[i] for i in keep], [names.index(classes[labels[i]]) for i in keep]
    )
    with pytest.raises(ValueError, match="class_names must be distinct classes"):
        ts_examples(folder, class_names=["sideways"])


def test_split_folder_errors(tmp_path):
    only_train = tmp_path / "a"
    _write(only_train / "A_TRAIN.ts", _header(), ["1:up"])
    with pytest.raises(FileNotFoundError, match=r"No <Name>_TEST\.ts file for split 'test'"):
        ts_examples(only_train, "test")

    two = tmp_path / "b"
    _write(two / "A_TRAIN.ts", _header(), ["1:up"])
    _write(two / "B_TRAIN.ts", _header(), ["1:up"])
    with pytest.raises(ValueError, match="holds several _TRAIN.ts files"):
        ts_examples(two)

    differ = tmp_path / "c"
    _write(differ / "C_TRAIN.ts", _header(classes=("up", "down")), ["1:up"])
    _write(differ / "C_TEST.ts", _header(classes=("down", "up")), ["1:up"])
    with pytest.raises(ValueError, match=r"list different classes.*\['up', 'down'\]"):
        ts_examples(differ, "test")
    with pytest.raises(ValueError, match="list different classes"):
        ts_info(differ)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        ts_examples(tmp_path / "nowhere")


def test_ts_info(univariate, tmp_path):
    folder, classes, _ = univariate
    info = ts_info(folder)
    assert info["name"] == "Toy" and info["modalities"] == ("series",)
    assert info["inputs"] == {"series": {"shape": (None, 1), "dtype": "float32"}}
    assert info["class_names"] == classes and info["num_classes"] == 3
    assert info["splits"] == {"train": 5, "test": 3}
    assert info["series_length"] == 6 and info["missing"] is False
    one = ts_info(folder / "Toy_TEST.ts")
    assert one["splits"] == {"test": 3}


def test_is_ts_source(univariate, tmp_path):
    folder, _, _ = univariate
    assert is_ts_source(folder) and is_ts_source(folder / "Toy_TRAIN.ts")
    assert is_ts_source(str(folder))
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("x")
    assert not is_ts_source(tmp_path / "other")
    assert not is_ts_source(tmp_path / "other" / "notes.txt")
    assert not is_ts_source(tmp_path / "missing")


def test_argument_errors(univariate):
    folder, _, _ = univariate
    with pytest.raises(ValueError, match="fill_missing must be None or a number"):
        ts_examples(folder, fill_missing="0")
    with pytest.raises(ValueError, match="return_lengths must be a bool"):
        ts_examples(folder, return_lengths=1)


HEADER = ["@problemName Bad", "@timeStamps false", "@classLabel true a b"]
ROW_ERRORS = [
    # (header, rows, line of the error, what the message says)
    (HEADER, ["1,2:a", "1,2:c"], 6, "unknown class label 'c'; @classLabel lists ['a', 'b']"),
    (HEADER, ["1,2:a", "1,2"], 6, "no class label"),
    (HEADER, ["1,2:a", "1,x:b"], 6, "dimension 1: value 2 ('x') is not a number or '?'"),
    (HEADER, ["1,2,:a"], 5, "dimension 1: value 3 is empty"),
    (HEADER, ["1,0x10:a"], 5, "value 2 ('0x10') is not a number"),
    (HEADER, ["1,2:3,4:a", "1:b"], 6, "wrong number of dimensions: expected 2 (as the rows"),
    (
        ["@dimensions 2", *HEADER],
        ["1:a"],
        6,
        "wrong number of dimensions: expected 2 (@dimensions 2), found 1",
    ),
    (["@univariate true", *HEADER], ["1:2:a"], 6, "expected 1 (@univariate true)"),
    (HEADER, ["1,2:3:a"], 5, "dimensions of one case differ in length: [2, 1]"),
    (HEADER, [":a"], 5, "the case has no values"),
    (["@seriesLength 3", *HEADER], ["1,2,3:a", "1,2:a"], 7, "2 values per dimension, but"),
    (["@equalLength true", *HEADER], ["1,2,3:a", "1,2:a"], 7, "line 6 has 3 and the header"),
    (["@missing false", *HEADER], ["1,?:a"], 6, "a missing value, but the header declares"),
    (HEADER, ["1:a", "@missing true"], 6, "a header tag after @data: '@missing'"),
]
HEADER_ERRORS = [
    # (lines before @data, line of the error, what the message says)
    (["@classLabel true a b", "1,2:a"], 2, "a data row before @data"),
    (["@timeStamps true", "@classLabel true a"], 1, "timestamped values (@timeStamps true"),
    (["@targetLabel true"], 1, "regression targets (@targetLabel true) are not supported"),
    (["@classLabel false"], 1, "no class labels (@classLabel false)"),
    (["@classLabel true"], 1, "@classLabel true lists no class names"),
    (["@classLabel true a b a"], 1, "@classLabel lists ['a'] more than once"),
    (["@classLabel maybe a"], 1, "@classLabel must be true or false, got 'maybe'"),
    (["@classLabel"], 1, "@classLabel must be true or false, got ''"),
    (["@univariate yes", "@classLabel true a"], 1, "@univariate must be true or false"),
    (["@dimensions two", "@classLabel true a"], 1, "@dimensions must be a positive int"),
    (["@seriesLength 0", "@classLabel true a"], 1, "@seriesLength must be a positive int"),
    (["@problemName", "@classLabel true a"], 1, "@problemName has no name"),
    (["@missing false", "@MISSING false"], 2, "@missing is given twice"),
    (["@problemName x"], 2, "missing @classLabel"),
    (["@univariate true", "@dimensions 3", "@classLabel true a"], 4, "@univariate true and"),
]


def _check_error(path, line, what):
    pattern = re.escape(f"{path}, line {line}: ") + ".*" + re.escape(what)
    with pytest.raises(ValueError, match=pattern):
        read_ts_file(path)
    with pytest.raises(ValueError, match=pattern):
        ts_examples(path)


@pytest.mark.parametrize("header, rows, line, what", ROW_ERRORS)
def test_row_errors_name_the_file_and_line(tmp_path, header, rows, line, what):
    _check_error(_write(tmp_path / "Bad_TRAIN.ts", header, rows), line, what)


@pytest.mark.parametrize("header, line, what", HEADER_ERRORS)
def test_header_errors_name_the_file_and_line(tmp_path, header, line, what):
    _check_error(_write(tmp_path / "Bad_TRAIN.ts", header, []), line, what)


def test_file_level_errors(tmp_path):
    path = tmp_path / "Bad_TRAIN.ts"
    path.write_text("# only a comment\n@classLabel true a\n")
    with pytest.raises(ValueError, match=re.escape(f"{path}: missing @data")):
        read_ts_file(path)
    path.write_text("@classLabel true a\n@data extra\n1:a\n")
    with pytest.raises(ValueError, match="line 2: @data must stand alone"):
        read_ts_file(path)
    path.write_text("@classLabel true a\n@data\n\n# nothing\n")
    with pytest.raises(ValueError, match="line 2: no cases after @data"):
        ts_examples(path)
    path.write_bytes(b"@classLabel true a\n@data\n1,2:a\n\xff\xfe:a\n")
    with pytest.raises(ValueError, match="line 4: not UTF-8 text"):
        read_ts_file(path)
    with pytest.raises(FileNotFoundError, match=".ts file does not exist"):
        read_ts_file(tmp_path / "none.ts")


def test_load_dataset_and_dataset_info_read_an_archive_folder(tmp_path):
    rng = np.random.default_rng(5)
    cases = _cases(rng, [4, 7, 5], channels=2)
    labels = ["a", "b", "a"]
    header = _header(classes=("a", "b"), univariate="false", dimensions=2, equalLength="false")
    for split in ("TRAIN", "TEST"):
        _write(tmp_path / "Toy" / f"Toy_{split}.ts", header,
               [_format_row(c, y) for c, y in zip(cases, labels, strict=True)])
    folder = str(tmp_path / "Toy")
    batches = list(load_dataset(folder, "test", batch_size=3, return_lengths=True))
    (inputs, y), = batches
    assert inputs["series"].shape == (3, 7, 2)
    assert inputs["length"].numpy().tolist() == [4, 7, 5]
    assert y.numpy().tolist() == [0, 1, 0]
    np.testing.assert_array_equal(inputs["series"][0, :4].numpy(), cases[0].astype(np.float32))
    assert not inputs["series"][0, 4:].numpy().any()  # zero padding after the true length
    info = dataset_info(folder)
    assert info["class_names"] == ("a", "b") and info["splits"] == {"train": 3, "test": 3}
