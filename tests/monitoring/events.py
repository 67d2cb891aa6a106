"""Reading TensorBoard event files back, with TensorBoard's own `EventAccumulator`."""

from __future__ import annotations

import numpy as np
import tensorflow as tf
from tensorboard.backend.event_processing import event_accumulator as ea

SIZE_GUIDANCE = {
    ea.TENSORS: 0,
    ea.IMAGES: 0,
    ea.SCALARS: 0,
    ea.HISTOGRAMS: 0,
    ea.COMPRESSED_HISTOGRAMS: 0,
}


def accumulator(path) -> ea.EventAccumulator:
    loaded = ea.EventAccumulator(str(path), size_guidance=SIZE_GUIDANCE)
    loaded.Reload()
    return loaded


def values(events, tag) -> dict:
    """`{step: ndarray}` of a tensor summary (TF2 writes scalars, images... as tensors)."""
    return {e.step: tf.make_ndarray(e.tensor_proto) for e in events.Tensors(tag)}


def plugin(events, tag) -> str:
    return events.SummaryMetadata(tag).plugin_data.plugin_name


def images(events, tag, step) -> list[np.ndarray]:
    value = values(events, tag)[step]  # [width, height, png, png, ...]
    return [tf.io.decode_png(png).numpy() for png in value[2:]]


def text(events, tag, step) -> str:
    return values(events, tag)[step].item().decode()


def zoom(image, scale):
    return np.repeat(np.repeat(image, scale, axis=0), scale, axis=1)
