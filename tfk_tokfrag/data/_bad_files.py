"""Files that do not decode, in the folder loaders: named, then stopped at or skipped.

`on_error="raise"` stops the pass at a bad file with an error naming it and what is
wrong; `on_error="skip"` leaves bad files out, counts them and lists them in one
`TokfragWarning` at the end of the first pass. Video files (decoded in Python by PyAV)
report through `SkipReport` directly; images and frame folders, decoded in the graph by
TensorFlow, through `name_decoding_errors`, which keeps the decoding in the graph.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Sequence

import numpy as np
import tensorflow as tf

from tfk_tokfrag import _validation
from tfk_tokfrag._warnings import TokfragWarning

ON_ERROR = ("raise", "skip")
LISTED = 10  # bad files listed by name in the warning; the rest are counted
# Examples whose indices are checked at once (`name_decoding_errors`): 32, or as many
# as fit in 8 MiB; 4 when their size varies (clips of any length).
CHECK_WINDOW, CHECK_BYTES, CHECK_WINDOW_ANY_SIZE = 32, 8 << 20, 4


def check_on_error(on_error: str) -> str:
    return _validation.choice("on_error", on_error, ON_ERROR)


class SkipReport:
    """The files `on_error="skip"` dropped; warned about once, at the end of a pass.

    Args:
        total: the number of files of the dataset.
        what: what they are, plural (`"video files"`).
    """

    def __init__(self, total: int, what: str):
        self.total = total
        self.what = what
        self.problems: dict[str, str] = {}
        self.reported = False
        self._lock = threading.Lock()

    def add(self, path: str, error) -> None:
        with self._lock:
            self.problems.setdefault(path, str(error))

    def warn_once(self) -> np.bool_:
        with self._lock:
            if self.reported or not self.problems:
                return np.bool_(True)
            self.reported = True
            problems = list(self.problems.values())
        lines = "\n".join(f"  {message}" for message in problems[:LISTED])
        if len(problems) > LISTED:
            lines += f"\n  ... and {len(problems) - LISTED} more"
        warnings.warn(
            f"Skipped {len(problems)} of {self.total} {self.what} that cannot be decoded "
            f"(on_error='skip'):\n{lines}",
            TokfragWarning,
            stacklevel=2,
        )
        return np.bool_(True)


def _placeholder(spec: tf.TensorSpec) -> tf.Tensor:
    return tf.zeros([0 if d is None else d for d in spec.shape], spec.dtype)


def name_decoding_errors(
    ds: tf.data.Dataset,
    names: Sequence[str],
    what: str,
    problem: Callable[[int], str],
    report: SkipReport | None,
) -> tf.data.Dataset:
    """`(index, *example)` decoded in order from `names[index]` -> `example`, bad files named.

    The decoding stays in the graph and in parallel: an example whose decoding fails is
    dropped (`Dataset.ignore_errors`, which logs TensorFlow's error), and the gap it
    leaves in the indices tells which file it was; a marker after the last file catches
    a bad last file. Python runs only then (and, with a report, once at the end of a
    pass): `problem(index)` says what is wrong with file `index`.

    * `report=None` ("raise"): the pass stops there with a
      `tf.errors.InvalidArgumentError` whose message holds
      "Cannot decode <what> <name>: <problem>"; the cardinality stays known.
    * With a report ("skip"): bad files are left out and reported; the marker issues
      the warning.

    The indices are checked a window of examples at a time (`Dataset.window`: the
    examples are held, not copied, until their window is checked; `CHECK_WINDOW`): a
    `tf.data` step calling a function for each example costs ~20 us of CPU, as much as
    decoding a small PNG. Measured on 2 busy cores against the loader without checks,
    they add ~2% to a pass over 224x224 JPEGs and 4-10% (3-5 us of CPU per image) over
    8x8 or 64x64 PNGs.
    """
    num = len(names)

    def _message(index: int) -> str:
        return f"Cannot decode {what} {names[index]}: {problem(index)}"

    def _on_gap(expected, indices) -> np.bool_:
        # Raised here, not by `tf.debugging.Assert`, which escapes non-ASCII paths.
        missing = sorted(set(range(int(expected), int(indices[-1]))) - set(indices.tolist()))
        if report is None:
            raise ValueError(_message(missing[0]))
        for index in missing:
            report.add(names[index], _message(index))
        return report.warn_once() if indices[-1] == num else np.bool_(True)

    ds = ds.ignore_errors(log_warning=True)
    marker = tf.nest.map_structure(_placeholder, ds.element_spec)
    ds = ds.concatenate(tf.data.Dataset.from_tensors((tf.constant(num, tf.int64), *marker[1:])))

    window_size = CHECK_WINDOW_ANY_SIZE
    if all(s.shape.is_fully_defined() for s in ds.element_spec):
        size = sum(s.shape.num_elements() * s.dtype.size for s in ds.element_spec)
        window_size = max(1, min(CHECK_WINDOW, CHECK_BYTES // size))

    def _check(expected, window):
        indices = window[0].batch(window_size).get_single_element()
        count = tf.shape(indices, out_type=tf.int64)[0]
        end = tf.equal(indices[-1], num)
        report_now = indices[-1] - expected + 1 > count  # a gap
        if report is not None:
            report_now = report_now | end
        checked = tf.cond(
            report_now,
            lambda: tf.numpy_function(_on_gap, [expected, indices], tf.bool, stateful=True),
            lambda: tf.constant(True),
        )
        with tf.control_dependencies([checked]):
            keep = count - tf.cast(end, tf.int64)  # the marker is last
            return indices[-1] + 1, tf.data.Dataset.zip(window[1:]).take(keep)

    ds = ds.window(window_size).scan(tf.constant(0, tf.int64), _check).flat_map(lambda d: d)
    if report is None:
        ds = ds.apply(tf.data.experimental.assert_cardinality(num))
    return ds
