"""lstm_video_moving_digits trained with and without masking of padding frames, each
evaluated on the test split in zero-padded batches of 32 and one clip at a time.

`padded_batch` pads the shorter clips of a batch with zero frames; a model that does
not mask them learns from them, and then answers differently when it sees one clip
alone (as a SavedModel serving one request does). Run from the repository root:
`.venv/bin/python benchmarks/video_padding.py` (~8 minutes on 2 cores).
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from tfk_tokfrag.data import load_dataset  # noqa: E402
from tfk_tokfrag.training.train_model import train_model  # noqa: E402


def accuracy(model, batch_size: int) -> float:
    """Test accuracy of `model` on moving_digits, fed in (zero-padded) batches."""
    correct = total = 0
    for x, y in load_dataset("moving_digits", "test", batch_size=batch_size, shuffle=False):
        predicted = np.argmax(model.predict_on_batch(x), axis=-1)
        correct += int((predicted == y.numpy()).sum())
        total += len(predicted)
    return correct / total


if __name__ == "__main__":
    for mask in (False, True):
        result = train_model("lstm_video_moving_digits",
                             overrides={"mask_padding_frames": mask}, verbose=0, seed=42)
        print(f"mask_padding_frames={mask}: test accuracy in batches of 32 "
              f"{accuracy(result.model, 32):.4f}, one clip at a time "
              f"{accuracy(result.model, 1):.4f}", flush=True)
