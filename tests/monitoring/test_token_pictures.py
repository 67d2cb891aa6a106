"""`TokenPictures`: the tokenization layers' pictures, from a model and configured by hand."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from tests.monitoring.events import accumulator, images, text, zoom
from tfk_tokfrag.layers import PixelTokenizer, TemporalFragmenter, WordTokenizer
from tfk_tokfrag.monitoring import TokenPictures, pictures, tokenizer_layers

MAGENTA, CYAN = np.array(pictures.BORDER_COLOR), np.array(pictures.FIRST_TOKEN_COLOR)


# --- drawn from the layers of the model in training (conftest.run) -----------------


def test_pixel_token_picture_from_nested_model(run):
    root = run["root"]
    tag = "tokens/pixel_tokenizer"
    assert root.SummaryMetadata(tag).plugin_data.plugin_name == "images"
    drawn = images(root, tag, step=0)
    assert len(drawn) == 2
    scale = 16  # auto zoom: 8 pixels -> 128 (capped at 16x)
    lines = [p * scale + i for i, p in enumerate((0, 2, 4, 6, 8))]  # patch 4, stride 2
    for picture, image in zip(drawn, run["samples"]["image"].astype("uint8"), strict=True):
        assert picture.shape == (8 * scale + 5, 8 * scale + 5, 3)
        border = np.concatenate([picture[lines].reshape(-1, 3), picture[:, lines].reshape(-1, 3)])
        assert ((border == MAGENTA).all(-1) | (border == CYAN).all(-1)).all()
        cells = np.delete(np.delete(picture, lines, axis=0), lines, axis=1)
        np.testing.assert_array_equal(cells, zoom(image, scale))
    description = root.SummaryMetadata(tag).summary_description
    assert "3x3 = 9 pixel tokens" in description and "overlap" in description


def test_temporal_fragment_picture(run):
    drawn = images(run["root"], "tokens/temporal_fragmenter", step=0)
    clip = run["samples"]["video"][1].astype("uint8")
    picture = drawn[1]
    scale, fh = 16, 4 * 16  # auto zoom: 4x4 frames -> 64 pixels
    count, length = 3, 2  # ceil(5 / 2) fragments of 2 frames, frame 5 is padding
    assert picture.shape == (count * fh + (count + 1) * 3, length * fh + 1 + 6, 3)
    for i in range(count):
        for j in range(length):
            t = i * 2 + j
            top, left = 3 + i * (fh + 3), 3 + j * (fh + 1)
            cell = picture[top : top + fh, left : left + fh]
            if t < 5:
                np.testing.assert_array_equal(cell, zoom(clip[t], scale))
            else:
                assert {tuple(c) for c in cell.reshape(-1, 3)} <= set(pictures.HATCH_COLORS)


def test_word_token_table(run):
    table = text(run["root"], "tokens/word_tokenizer", step=0)
    vocabulary = run["vocabulary"]
    lines = table.splitlines()
    assert lines[0] == "| # | text | ids | tokens |"
    for i, sample in enumerate(run["samples"]["text"]):
        words = sample.split()
        ids = [vocabulary.index(w) for w in words]
        assert lines[2 + i] == (
            f"| {i} | {sample} | {' '.join(map(str, ids))} | "
            + " ".join(f"`{w}`" for w in words) + " |"
        )


def test_tokenizer_layers_are_found_by_type_in_nested_models():
    class Patches(PixelTokenizer):  # a subclass is a PixelTokenizer too
        pass

    inputs = keras.Input((8, 8, 3))
    inner = keras.Sequential([keras.Input((8, 8, 3)), Patches(4, name="patches")], name="inner")
    vectorizer = keras.layers.TextVectorization(name="not_ours")
    model = keras.Model(inputs, inner(inputs))
    assert [layer.name for layer in tokenizer_layers(model)] == ["patches"]
    assert tokenizer_layers(keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])) == []
    assert not tokenizer_layers(keras.Sequential([vectorizer]))


# --- configured by hand ---------------------------------------------------------------


def test_token_pictures_explicit_configuration(tmp_path):
    rng = np.random.default_rng(3)
    grey = rng.integers(0, 256, (3, 6, 6, 1), dtype=np.uint8)  # grey, uint8
    clips = rng.random((2, 4, 3, 3, 3)).astype("float32")  # floats in [0, 1]
    vectorizer = keras.layers.TextVectorization(max_tokens=10)
    vectorizer.adapt(["red fish", "blue fish"])
    callback = TokenPictures(
        tmp_path,
        {"image": grey, "video": clips, "text": ["blue fish", "red | fish"]},
        image_patch_size=3,
        fragment_length=3,
        fragment_stride=1,
        tokenizer=vectorizer,
        max_outputs=2,
        scale=2,
    )
    callback.log(step=5)
    root = accumulator(tmp_path)
    pixel = images(root, "tokens/pixel_tokens", step=5)
    assert len(pixel) == 2  # max_outputs
    assert pixel[0].shape == (6 * 2 + 3, 6 * 2 + 3, 3)
    cells = np.delete(np.delete(pixel[0], [0, 7, 14], axis=0), [0, 7, 14], axis=1)
    np.testing.assert_array_equal(cells, zoom(np.repeat(grey[0], 3, axis=-1), 2))
    fragments = images(root, "tokens/temporal_fragments", step=5)
    assert fragments[0].shape == (2 * 6 + 3 * 3, 3 * 6 + 2 + 6, 3)  # 2 fragments of 3 frames
    first_frame = fragments[0][3:9, 3:9]
    np.testing.assert_array_equal(first_frame, zoom(np.round(clips[0, 0] * 255), 2))
    table = text(root, "tokens/word_tokens", step=5)
    assert "| 1 | red \\| fish |" in table and "`red` `fish`" in table


def test_token_pictures_explicit_configuration_takes_no_layer_names(tmp_path):
    images_in = np.zeros((1, 8, 8, 3), np.uint8)
    TokenPictures(tmp_path, images_in, image_patch_size=4).pictures()
    assert PixelTokenizer(4).name == "pixel_tokenizer"
    assert TemporalFragmenter(2).name == "temporal_fragmenter"
    assert WordTokenizer().name == "word_tokenizer"


def test_token_pictures_rejects_missing_inputs(tmp_path):
    with pytest.raises(ValueError, match="fragment_length is set but samples hold no clips"):
        TokenPictures(tmp_path, np.zeros((1, 8, 8, 3)), fragment_length=2)
    with pytest.raises(ValueError, match="image_patch_size must be a positive int"):
        TokenPictures(tmp_path, np.zeros((1, 8, 8, 3)), image_patch_size=0)
