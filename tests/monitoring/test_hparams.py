"""`HParamsCallback`: the HParams plugin's session records and the final metrics."""

from __future__ import annotations

import numpy as np
import pytest
from tensorboard.plugins.hparams import api_pb2
from tensorboard.plugins.hparams import metadata as hp_metadata

from tests.monitoring.events import values


def test_hparams_plugin_data(run):
    root = run["root"]
    content = root.PluginTagToContent("hparams")
    start = hp_metadata.parse_session_start_info_plugin_data(
        content["_hparams_/session_start_info"]
    )
    hparams = {name: value for name, value in start.hparams.items()}
    assert hparams["learning_rate"].number_value == pytest.approx(1e-2)
    assert hparams["optimizer"].string_value == "adam"
    assert hparams["batch_size"].number_value == 8
    assert hparams["mixup"].bool_value is False
    end = hp_metadata.parse_session_end_info_plugin_data(content["_hparams_/session_end_info"])
    assert end.status == api_pb2.STATUS_SUCCESS
    for name in ("loss", "accuracy", "val_loss", "val_accuracy"):
        final = values(root, f"final/{name}")
        assert list(final) == [1]
        np.testing.assert_allclose(final[1], run["history"][name][-1], rtol=1e-6)
