"""Fixtures for the dataset tests: the offline datasets prepared once, in a temp dir."""

import pytest
import tensorflow_datasets as tfds

OFFLINE = ("digits", "moving_digits", "digit_scenes")


def prepare_offline(data_dir):
    """Generates the three offline datasets into `data_dir` (never ~/tensorflow_datasets)."""
    import tfk_tokfrag.data.builders  # noqa: F401 (registers the builders)

    tfds.disable_progress_bar()
    config = tfds.download.DownloadConfig(compute_stats=tfds.download.ComputeStatsMode.SKIP)
    for name in OFFLINE:
        tfds.builder(name, data_dir=str(data_dir)).download_and_prepare(download_config=config)
    return str(data_dir)


@pytest.fixture(scope="session")
def offline_data_dir(tmp_path_factory):
    return prepare_offline(tmp_path_factory.mktemp("tfds_offline"))
