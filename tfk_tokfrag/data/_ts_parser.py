"""Private: reading and checking the text of UCR/UEA `.ts` files (see `ts_files`)."""

from __future__ import annotations

import dataclasses
import os
import re

import numpy as np

TS_SUFFIX = ".ts"
SPLIT_SUFFIXES = {"train": "_TRAIN.ts", "test": "_TEST.ts"}

_BOOL_TAGS = ("timestamps", "missing", "univariate", "equallength")
_INT_TAGS = ("dimensions", "serieslength")
_TAG_NAMES = {  # lower case -> as the archive writes it, for messages
    "problemname": "@problemName",
    "timestamps": "@timeStamps",
    "missing": "@missing",
    "univariate": "@univariate",
    "dimensions": "@dimensions",
    "equallength": "@equalLength",
    "serieslength": "@seriesLength",
    "classlabel": "@classLabel",
    "targetlabel": "@targetLabel",
}
# What both the checking pass and `tf.strings.to_number` read as a number: decimal
# floats, nan and inf(inity); `?` is a missing value.
_VALUE = r"\s*(?:[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|nan|inf(?:inity)?)|\?)\s*"
_VALUE_RE = re.compile(_VALUE, re.IGNORECASE | re.ASCII)
_VALUES_RE = re.compile(f"{_VALUE}(?:,{_VALUE})*", re.IGNORECASE | re.ASCII)
_MISSING_RE = re.compile(r"\?|nan", re.IGNORECASE)  # in a row that matched _VALUES_RE
_WHITESPACE = " \t\n\r\f\v"  # what `tf.strings.strip` strips


@dataclasses.dataclass
class Header:
    """A checked header: its tags (lower-case names, parsed values), the classes, `@data`."""

    path: str
    tags: dict = dataclasses.field(default_factory=dict)  # lower-case tag -> value
    class_names: tuple[str, ...] = ()
    data_line: int = 0  # 1-based line of `@data`

    def get(self, tag, default=None):
        return self.tags.get(tag, default)

    @property
    def expected_dimensions(self) -> tuple[int | None, str]:
        """The channels the header declares, and the tag that declares them."""
        if "dimensions" in self.tags:
            return self.tags["dimensions"], f"@dimensions {self.tags['dimensions']}"
        if self.tags.get("univariate"):
            return 1, "@univariate true"
        return None, ""


@dataclasses.dataclass
class Scan:
    """What a checked file holds: int64 labels and lengths per case (values if kept)."""

    header: Header
    labels: np.ndarray
    lengths: np.ndarray
    dimensions: int
    missing: bool
    series: list | None


def _tag(text: str) -> tuple[str, str]:
    """`"@Tag  value ..."` -> `("tag", "value ...")` (any whitespace after the tag)."""
    tag, *value = text[1:].split(None, 1)
    return tag.lower(), value[0] if value else ""


def _error(path: str, line: int | None, what: str) -> ValueError:
    where = f"{path}, line {line}" if line else path
    return ValueError(f"{where}: {what}")


def read_lines(path: str):
    """`(1-based line number, text)`, split on `\\n` as `tf.data.TextLineDataset` does."""
    with open(path, "rb") as f:
        for number, raw in enumerate(f, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise _error(path, number, f"not UTF-8 text ({e.reason}).") from None
            if number == 1:
                text = text.lstrip("\ufeff")
            yield number, text.strip(_WHITESPACE)


def _bool_value(path, number, tag, value) -> bool:
    if value.lower() not in ("true", "false"):
        raise _error(path, number, f"{_TAG_NAMES[tag]} must be true or false, got {value!r}.")
    return value.lower() == "true"


def _header_line(header: Header, number: int, text: str) -> None:
    """Reads one `@tag value` line of the header into `header`."""
    path = header.path
    tag, value = _tag(text)
    if tag not in _TAG_NAMES:
        return  # tags of later versions of the format are ignored
    if tag in header.tags:
        raise _error(path, number, f"{_TAG_NAMES[tag]} is given twice.")
    name = _TAG_NAMES[tag]
    if tag == "problemname":
        if not value:
            raise _error(path, number, "@problemName has no name.")
        header.tags[tag] = value
    elif tag in _BOOL_TAGS:
        header.tags[tag] = _bool_value(path, number, tag, value)
        if tag == "timestamps" and header.tags[tag]:
            raise _error(
                path,
                number,
                "timestamped values (@timeStamps true, values written as (time,value)) "
                "are not supported: write the values without timestamps.",
            )
    elif tag in _INT_TAGS:
        if not value.isdigit() or int(value) < 1:
            raise _error(path, number, f"{name} must be a positive int, got {value!r}.")
        header.tags[tag] = int(value)
    elif tag == "targetlabel":
        header.tags[tag] = _bool_value(path, number, tag, (value.split() or [""])[0])
        if header.tags[tag]:
            raise _error(
                path,
                number,
                "regression targets (@targetLabel true) are not supported: tfk_tokfrag "
                "reads classification sets (@classLabel true <class names>).",
            )
    else:  # classlabel
        flag, *names = value.split() or [""]
        header.tags[tag] = _bool_value(path, number, tag, flag)
        if not header.tags[tag]:
            raise _error(
                path,
                number,
                "the file has no class labels (@classLabel false): tfk_tokfrag reads "
                "classification sets (@classLabel true <class names>).",
            )
        if not names:
            raise _error(path, number, "@classLabel true lists no class names.")
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise _error(path, number, f"@classLabel lists {repeated} more than once.")
        header.class_names = tuple(names)


def read_header(path: str, lines) -> Header:
    """Consumes `lines` up to and including `@data`; checks the header."""
    header = Header(path)
    for number, text in lines:
        if not text or text.startswith("#"):
            continue
        if not text.startswith("@"):
            raise _error(path, number, "a data row before @data (the header must end with @data).")
        if _tag(text)[0] == "data":
            if _tag(text)[1]:
                raise _error(path, number, f"@data must stand alone on its line, got {text!r}.")
            header.data_line = number
            break
        _header_line(header, number, text)
    else:
        raise _error(path, None, "missing @data: no line starts the data.")
    if "classlabel" not in header.tags:
        raise _error(
            path,
            header.data_line,
            "missing @classLabel: the header must list the classes "
            "(@classLabel true <class names>) before @data.",
        )
    if header.get("univariate") and header.get("dimensions", 1) != 1:
        raise _error(
            path,
            header.data_line,
            f"the header says @univariate true and @dimensions {header.tags['dimensions']}.",
        )
    if header.get("problemname") is None:
        name = os.path.basename(path)
        for suffix in (*SPLIT_SUFFIXES.values(), TS_SUFFIX):
            if name.lower().endswith(suffix.lower()):
                name = name[: -len(suffix)]
                break
        header.tags["problemname"] = name
    return header


def read_file_header(path: str) -> Header:
    """The checked header of `path`, reading no further than `@data`."""
    lines = read_lines(path)
    try:
        return read_header(path, lines)
    finally:
        lines.close()


def _bad_value(dimension: str) -> str:
    """The first value of a dimension that is not a number, for the error message."""
    for position, value in enumerate(dimension.split(","), start=1):
        if not _VALUE_RE.fullmatch(value):
            if not value.strip(_WHITESPACE):
                return f"value {position} is empty"
            return f"value {position} ({value.strip(_WHITESPACE)!r}) is not a number or '?'"
    return "a value is not a number or '?'"


def _parse_row(header: Header, number: int, text: str, dimensions: int | None, labels, keep):
    """One data row -> `(label, length, dimensions, missing, values or None)`."""
    path = header.path
    *parts, label_text = text.split(":")
    if not parts:
        raise _error(path, number, "no class label: a row is values, then ':' and the class label.")
    expected, declared_by = header.expected_dimensions
    expected = expected or dimensions
    if expected is not None and len(parts) != expected:
        by = f" ({declared_by})" if declared_by else " (as the rows before)"
        raise _error(
            path,
            number,
            f"wrong number of dimensions: expected {expected}{by}, found {len(parts)}.",
        )
    label_text = label_text.strip(_WHITESPACE)
    label = labels.get(label_text, labels.get(label_text.lower()))
    if label is None:
        raise _error(
            path,
            number,
            f"unknown class label {label_text!r}; @classLabel lists {list(header.class_names)}.",
        )
    lengths, missing = [], False
    for d, part in enumerate(parts, start=1):
        part = part.strip(_WHITESPACE)
        if not part:
            lengths.append(0)
            continue
        if not _VALUES_RE.fullmatch(part):
            raise _error(path, number, f"dimension {d}: {_bad_value(part)}.")
        lengths.append(part.count(",") + 1)
        missing = missing or _MISSING_RE.search(part) is not None
    if len(set(lengths)) > 1:
        raise _error(
            path,
            number,
            f"the dimensions of one case differ in length: {lengths} values.",
        )
    length = lengths[0]
    if length == 0:
        raise _error(path, number, "the case has no values.")
    declared = header.get("serieslength")
    if header.get("equallength") is not False and declared is not None and length != declared:
        raise _error(
            path,
            number,
            f"{length} values per dimension, but the header declares @seriesLength {declared}.",
        )
    if missing and header.get("missing") is False:
        raise _error(path, number, "a missing value, but the header declares @missing false.")
    values = None
    if keep:
        values = np.array(
            [[np.nan if v.strip() == "?" else v for v in p.split(",")] for p in parts],
            dtype=np.float64,
        ).T.astype(np.float32)
    return label, length, len(parts), missing, values


def _label_lookup(class_names) -> dict[str, int]:
    lookup = {name: i for i, name in enumerate(class_names)}
    lowered = [name.lower() for name in class_names]
    if len(set(lowered)) == len(lowered):  # sktime reads labels case-insensitively
        lookup = {**dict(zip(lowered, range(len(lowered)), strict=True)), **lookup}
    return lookup


def scan_file(path: str, *, keep_series: bool) -> Scan:
    """Reads and checks a whole file, keeping the values only when `keep_series`."""
    path = os.path.expanduser(os.fspath(path))
    if not os.path.isfile(path):
        raise FileNotFoundError(f".ts file does not exist: {path}")
    lines = read_lines(path)
    header = read_header(path, lines)
    lookup = _label_lookup(header.class_names)
    labels, lengths, series = [], [], [] if keep_series else None
    dimensions, missing, first_row = None, False, None
    for number, text in lines:
        if not text or text.startswith("#"):
            continue
        if text.startswith("@"):
            raise _error(path, number, f"a header tag after @data: {text.split()[0]!r}.")
        label, length, dimensions, row_missing, values = _parse_row(
            header, number, text, dimensions, lookup, keep_series
        )
        if first_row is None:
            first_row = (number, length)
        elif header.get("equallength") and length != first_row[1]:
            raise _error(
                path,
                number,
                f"{length} values per dimension, but line {first_row[0]} has "
                f"{first_row[1]} and the header declares @equalLength true.",
            )
        labels.append(label)
        lengths.append(length)
        missing = missing or row_missing
        if keep_series:
            series.append(values)
    if not labels:
        raise _error(path, header.data_line, "no cases after @data.")
    return Scan(
        header, np.array(labels, np.int64), np.array(lengths, np.int64), dimensions, missing, series
    )
