"""`lstm_video_classifier`: shapes, argument errors, and padding that changes nothing.

The fused net's video branch is tested in test_fused_multimodal_net.py.
"""

import numpy as np
import pytest

from tfk_tokfrag.models import lstm_video_classifier


def _clip(frames, seed=0, size=8):
    rng = np.random.default_rng(seed)
    return rng.integers(1, 256, size=(1, frames, size, size, 1)).astype("uint8")


def _pad(clip, frames):
    padding = np.zeros((1, frames - clip.shape[1], *clip.shape[2:]), clip.dtype)
    return np.concatenate([clip, padding], axis=1)


@pytest.mark.parametrize("temporal_head", ["lstm", "average"])
def test_zero_padding_of_a_clip_changes_nothing(temporal_head):
    # What `padded_batch` does to the shorter clips of a batch: trailing zero frames.
    model = lstm_video_classifier((None, 8, 8, 1), num_classes=3, fragment_length=2,
                                  fragment_stride=1, encoder_filters=(4,), encoder_dim=8,
                                  lstm_units=4, temporal_head=temporal_head, seed=0)
    clip = _clip(5)
    alone = model(clip).numpy()
    np.testing.assert_allclose(model(_pad(clip, 9)).numpy(), alone, atol=1e-5)
    batch = np.concatenate([_pad(clip, 9), _clip(9, seed=1)])  # a mixed-length batch
    np.testing.assert_allclose(model(batch).numpy()[:1], alone, atol=1e-5)

    unmasked = lstm_video_classifier((None, 8, 8, 1), num_classes=3, fragment_length=2,
                                     fragment_stride=1, encoder_filters=(4,), encoder_dim=8,
                                     lstm_units=4, temporal_head=temporal_head,
                                     mask_padding_frames=False, seed=0)
    unmasked.set_weights(model.get_weights())
    np.testing.assert_allclose(unmasked(clip).numpy(), alone, atol=1e-5)
    assert not np.allclose(unmasked(_pad(clip, 9)).numpy(), alone, atol=1e-5)


def test_output_shape():
    model = lstm_video_classifier((None, 16, 16, 1), num_classes=8)
    assert model.output_shape == (None, 8)
    assert model(np.zeros((2, 6, 16, 16, 1), "uint8")).shape == (2, 8)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"input_shape": (16, 16, 1)}, "input_shape=(16, 16, 1)"),
        ({"input_shape": (None, None, 16, 1)}, "input_shape=(None, None, 16, 1)"),
        ({"num_classes": 1}, "num_classes=1"),
        ({"encoder_filters": (8, 0)}, "encoder_filters=(8, 0)"),
        ({"fragment_pooling": "max"}, "fragment_pooling='max'"),
        ({"temporal_head": "gru"}, "temporal_head='gru'"),
        ({"dropout": 1.0}, "dropout=1.0"),
        ({"mask_padding_frames": "yes"}, "mask_padding_frames='yes'"),
        # A non-empty string is truthy: "no" used to build a BiLSTM.
        ({"bidirectional": "no"}, "bidirectional='no'"),
        ({"bidirectional": 0}, "bidirectional=0"),
    ],
)
def test_bad_arguments_name_the_value(kwargs, fragment):
    with pytest.raises(ValueError) as info:
        lstm_video_classifier(**kwargs)
    assert fragment in str(info.value)
