"""An export killed at any moment (a real SIGKILL) leaves the previous complete
SavedModel or nothing at its path, never a half-written one; the next export onto that
path removes what the killed one left beside it."""

import os
import textwrap

import numpy as np
import pytest
import tensorflow as tf

from tests.training.cluster import kill_after_lines
from tfk_tokfrag.export import export_saved_model, load_metadata
from tfk_tokfrag.models import conv_net

# Exports one small model onto the same path again and again, saying when each is done.
_EXPORTER = textwrap.dedent(
    """
    import sys
    from tfk_tokfrag.export import export_saved_model
    from tfk_tokfrag.models import conv_net
    model = conv_net(input_shape=(8, 8, 1), num_classes=3, filters=(4, 8), dense_units=8)
    for i in range(1000):
        export_saved_model(model, sys.argv[1], class_names=["a", "b", "c"])
        print("exported", i, flush=True)
    """
)


def _is_complete(path: str) -> bool:
    artifact = tf.saved_model.load(path)
    served = artifact.serve(tf.zeros((2, 8, 8, 1), tf.uint8))
    return load_metadata(path)["class_names"] == ["a", "b", "c"] and (
        tuple(served["class_id"].shape) == (2,)
    )


@pytest.mark.large
@pytest.mark.parametrize("delay", [0.0, 0.15, 0.4, 0.8])
def test_an_export_killed_at_any_moment_leaves_a_complete_artifact_or_none(tmp_path, delay):
    target = str(tmp_path / "model")
    # After a complete export, `delay` into the next: writing, verifying or renaming.
    kill_after_lines(_EXPORTER, target, "exported", 1, delay)
    leftovers = [n for n in os.listdir(tmp_path) if n != "model"]
    if os.path.exists(target):
        assert _is_complete(target)
    else:  # killed between moving the old one aside and renaming the new one in
        assert any(n.startswith(".model.old-") for n in leftovers), leftovers
    assert np.all([n.startswith((".model.tmp-", ".model.old-")) for n in leftovers])
    # The next export onto the same path sweeps what the killed one left.
    model = conv_net(input_shape=(8, 8, 1), num_classes=3, filters=(4, 8), dense_units=8)
    export_saved_model(model, target, class_names=["a", "b", "c"])
    assert os.listdir(tmp_path) == ["model"]
    assert _is_complete(target)
