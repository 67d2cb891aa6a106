"""Suite-wide settings: quiet TensorFlow, a private data dir, fixed seeds, fresh Keras state."""

import gc
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

from tests.test_case import run_folder  # noqa: E402

# Property tests draw the same examples on every run (a red CI run must be reproducible,
# never a lucky draw): `derandomize` seeds each test from its own name. The "ci" profile
# (the default) also keeps them few and without deadlines (TensorFlow's first calls
# trace graphs; a 2-core CI machine is slow); a test may ask for more with its own
# `@settings(max_examples=...)`. `HYPOTHESIS_PROFILE=explore pytest ...` draws new
# examples to hunt for bugs locally ("deterministic" is the former name of "ci").
settings.register_profile(
    "ci", max_examples=15, deadline=None, derandomize=True, print_blob=True
)
settings.register_profile(
    "deterministic", max_examples=15, deadline=None, derandomize=True, print_blob=True
)
settings.register_profile("explore", derandomize=False, max_examples=500, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True, scope="session")
def _private_data_dir(tmp_path_factory):
    """Offline datasets are generated into a folder of this test run, never read from
    ~/tensorflow_datasets, where a copy made by older code could be waiting. The
    workers of `pytest -n 2` share it: each dataset is generated once per run, under
    the lock that lets processes share a data folder (`tfds_sources._preparing`)."""
    previous = os.environ.get("TFK_TOKFRAG_DATA_DIR")
    folder = run_folder(tmp_path_factory) / "tensorflow_datasets"
    folder.mkdir(exist_ok=True)
    os.environ["TFK_TOKFRAG_DATA_DIR"] = str(folder)
    yield
    if previous is None:
        os.environ.pop("TFK_TOKFRAG_DATA_DIR", None)
    else:
        os.environ["TFK_TOKFRAG_DATA_DIR"] = previous


@pytest.fixture(autouse=True)
def _fresh_keras_state():
    keras.utils.set_random_seed(1337)
    yield
    keras.mixed_precision.set_dtype_policy("float32")
    keras.backend.clear_session(free_memory=False)
    _collect_the_tests_garbage()


def _collect_the_tests_garbage():
    """Collect what the test left in reference cycles, then freeze what survives.

    `clear_session()`'s own `gc.collect()` walks the whole heap: ~850,000 objects
    (TensorFlow, Keras, earlier tests) for the ~60 each test leaves, 0.3-0.7 s a test
    and 570 s of CPU in a 1,950 s suite (`--durations`: the teardowns). `gc.freeze()`
    moves the survivors to the permanent generation, so the next collection, and
    Python's own automatic ones during tests, walk only what a test created: each
    test's garbage is still collected in its own teardown. What a longer-lived fixture
    holds and later drops is freed by reference counting as before; only its cycles
    stay until the process ends (the largest process of `make test`: 2.3 GB). The
    suite took 617 s instead of 973 s back to back (2026-12-07, 2 cores)."""
    gc.collect()
    gc.freeze()


@pytest.hookimpl(trylast=True)  # after xdist's own hook, which marks the groups
def pytest_collection_modifyitems(items):
    """The `large` tests first (in their usual order), then the rest: `pytest -n 2`
    hands tests out in order, so the long ones start early and the many short ones
    even out the workers at the end, instead of one worker running a minutes-long
    test alone while the other waits.

    Under `--dist loadgroup`, tests marked `xdist_group(NAME)` go to one worker: xdist
    3.8 tells its scheduler by the node id `ID@NAME` it writes into `item._nodeid`, which
    pytest 9 no longer reads (`nodeid` is `str(item._id)`), so no test had a group
    (pytest-dev/pytest-xdist#1386; fix in PR #1388). That id goes into `_id` here."""
    items.sort(key=lambda item: item.get_closest_marker("large") is None)
    for item in items:
        grouped = getattr(item, "_nodeid", None)
        if grouped and grouped != item.nodeid and hasattr(item, "_id"):
            from _pytest.nodes import coerce_node_id  # pytest 9; older ones read _nodeid

            item._id = coerce_node_id(grouped)
