import glob
import os

import pytest
import tensorflow as tf

from tfk_tokfrag import demo


@pytest.mark.large
def test_demo_trains_logs_exports_and_scores_the_artifact(tmp_path, capsys):
    logdir = tmp_path / "runs" / "conv_net_digits"
    export = tmp_path / "saved_models" / "conv_net_digits"
    accuracy = demo.main(
        ["--epochs", "6", "--logdir", str(logdir), "--export", str(export), "--verbose", "0"]
    )
    out = capsys.readouterr().out
    assert "Test accuracy of the reloaded SavedModel" in out
    assert f"--logdir {logdir.parent}" in out
    assert accuracy > 0.9  # six epochs already learn the digits (0.989); the recipe's 20: 0.994
    assert glob.glob(os.path.join(logdir, "train", "events.out.tfevents.*"))
    assert glob.glob(os.path.join(logdir, "validation", "events.out.tfevents.*"))
    reloaded = tf.saved_model.load(str(export))
    assert "serve" in reloaded.signatures and "serving_default" in reloaded.signatures
