"""Five UCR/UEA archive problems by name, read from the `.ts` files sktime bundles.

The `sktime` wheel ships a few problems of the UCR/UEA time-series classification
archive (timeseriesclassification.com) with their official TRAIN/TEST splits, as
`sktime/datasets/data/<Name>/<Name>_TRAIN.ts` and `_TEST.ts`. They are registered here
as named datasets, read with `ts_files.ts_examples` (sktime itself is never imported:
its package folder is only located):

| name | problem | train / test | length | channels | classes |
|---|---|---|---|---|---|
| `ucr_gunpoint` | GunPoint | 50 / 150 | 150 | 1 | 2 |
| `ucr_arrowhead` | ArrowHead | 36 / 175 | 251 | 1 | 3 |
| `ucr_basic_motions` | BasicMotions | 40 / 40 | 100 | 6 | 4 |
| `ucr_osuleaf` | OSULeaf | 200 / 242 | 427 | 1 | 6 |
| `ucr_italy_power_demand` | ItalyPowerDemand | 67 / 1029 | 24 | 1 | 2 |

Where the files are read from: `$TFK_TOKFRAG_UCR_DIR/<Name>/` when that variable is
set (a folder of the archive's problem folders, e.g. the full archive unpacked), else
the installed sktime package's `datasets/data/<Name>/`. Any other archive problem is
read by passing its folder to `load_dataset` directly. Series come as float32 `(time,
channels)`; `return_lengths=True` gives `{"series", "length"}`.
"""

from __future__ import annotations

import importlib.util
import os

import tensorflow as tf

from tfk_tokfrag.data.registry import ExampleOptions, register_dataset
from tfk_tokfrag.data.ts_files import ts_examples

UCR_DIR_ENV = "TFK_TOKFRAG_UCR_DIR"

# name -> (archive problem, class names as in @classLabel, split sizes, length, channels)
UCR_PROBLEMS = {
    "ucr_gunpoint": ("GunPoint", ("1", "2"), {"train": 50, "test": 150}, 150, 1),
    "ucr_arrowhead": ("ArrowHead", ("0", "1", "2"), {"train": 36, "test": 175}, 251, 1),
    "ucr_basic_motions": (
        "BasicMotions",
        ("Standing", "Running", "Walking", "Badminton"),
        {"train": 40, "test": 40},
        100,
        6,
    ),
    "ucr_osuleaf": (
        "OSULeaf", ("1", "2", "3", "4", "5", "6"), {"train": 200, "test": 242}, 427, 1
    ),
    "ucr_italy_power_demand": (
        "ItalyPowerDemand", ("1", "2"), {"train": 67, "test": 1029}, 24, 1
    ),
}

_DESCRIPTIONS = {
    "ucr_gunpoint": "actor's hand X position, drawing a gun or pointing (Ratanamahatana "
    "and Keogh)",
    "ucr_arrowhead": "outlines of projectile points (arrowheads) as 1-D series, three "
    "types (Ye and Keogh)",
    "ucr_basic_motions": "3-D accelerometer and gyroscope of a smart watch (6 channels): "
    "standing, running, walking, badminton (UEA)",
    "ucr_osuleaf": "leaf outlines as 1-D series, six tree species (Gandhi)",
    "ucr_italy_power_demand": "a day of Italian electrical power demand (24 hours): "
    "October-March or April-September",
}


def ucr_folder(problem: str) -> str:
    """The folder holding `<problem>_TRAIN.ts` and `_TEST.ts`.

    `$TFK_TOKFRAG_UCR_DIR/<problem>` when the variable is set, else the folder the
    installed sktime package bundles (`sktime/datasets/data/<problem>`), located
    without importing sktime.

    Raises:
        FileNotFoundError: neither is there; the message says `pip install sktime`.
    """
    root = os.environ.get(UCR_DIR_ENV)
    if root:
        folder = os.path.join(os.path.expanduser(root), problem)
        if not os.path.isdir(folder):
            raise FileNotFoundError(
                f"${UCR_DIR_ENV} is {root!r}, which has no {problem}/ folder "
                f"(expected {problem}/{problem}_TRAIN.ts and _TEST.ts)."
            )
        return folder
    spec = importlib.util.find_spec("sktime")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        folder = os.path.join(location, "datasets", "data", problem)
        if os.path.isdir(folder):
            return folder
    where = f"the installed sktime ({locations[0]}) does not bundle it" if locations else (
        "sktime is not installed"
    )
    raise FileNotFoundError(
        f"The UCR problem {problem} is read from the .ts files the sktime wheel bundles, "
        f"but {where}. Install it with `pip install sktime` (or `pip install "
        f"tfk_tokfrag[bench]`), or set ${UCR_DIR_ENV} to a folder holding "
        f"{problem}/{problem}_TRAIN.ts and {problem}/{problem}_TEST.ts."
    )


def _ucr_examples(problem: str, class_names: tuple[str, ...]):
    def examples(builder, split: str, options: ExampleOptions) -> tf.data.Dataset:
        del builder  # read from files, no TFDS builder
        ds, names = ts_examples(ucr_folder(problem), split, return_lengths=options.return_lengths)
        if tuple(names) != class_names:
            raise ValueError(
                f"{problem} lists the classes {names}, not {list(class_names)} as registered."
            )
        return ds

    return examples


for _name, (_problem, _classes, _splits, _length, _channels) in UCR_PROBLEMS.items():
    register_dataset(
        _name,
        _ucr_examples(_problem, _classes),
        source="files",
        inputs={"series": ((_length, _channels), "float32")},
        label=f"{_problem} class (@classLabel)",
        class_names=_classes,
        splits=_splits,
        description=(
            f"UCR/UEA archive problem {_problem}, official TRAIN/TEST split: "
            f"{_DESCRIPTIONS[_name]}. Read from the .ts files bundled with sktime "
            f"(`pip install sktime`) or ${UCR_DIR_ENV}/{_problem}/."
        ),
    )
