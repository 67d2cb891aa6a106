import keras
import pytest
import tensorflow as tf

from tfk_tokfrag.export import InputSignature, InputSpec


def _image_model():
    image = keras.Input((8, 8, 1), dtype="uint8", name="image")
    return keras.Model(image, keras.layers.Dense(3)(keras.layers.Flatten()(image)))


def _dict_model():
    inputs = {
        "image": keras.Input((8, 8, 1), dtype="uint8", name="image"),
        "text": keras.Input((), dtype="string", name="text"),
        "video": keras.Input((None, 8, 8, 1), dtype="uint8", name="video"),
    }
    pooled = keras.layers.GlobalAveragePooling2D()(keras.layers.Rescaling(1.0)(inputs["image"]))
    return keras.Model(inputs, keras.layers.Dense(3)(pooled))


def test_one_input_writes_the_export_metadata_form_and_reads_it_back():
    signature = InputSignature.from_model(_image_model())
    assert signature.to_json() == {"shape": [None, 8, 8, 1], "dtype": "uint8"}
    assert not signature.is_dict
    (spec,) = signature.specs
    assert (spec.kind, spec.frame_shape) == ("image", (8, 8, 1))
    again = InputSignature.from_json(signature.to_json())
    assert again.to_json() == signature.to_json()
    assert signature.to_tensor_specs() == tf.TensorSpec((None, 8, 8, 1), tf.uint8, name="image")


def test_named_inputs_round_trip_with_their_kinds():
    signature = InputSignature.from_model(_dict_model())
    assert signature.is_dict and signature.names == ["image", "text", "video"]
    assert signature.to_json() == {
        "image": {"shape": [None, 8, 8, 1], "dtype": "uint8"},
        "text": {"shape": [None], "dtype": "string"},
        "video": {"shape": [None, None, 8, 8, 1], "dtype": "uint8"},
    }
    assert InputSignature.from_json(signature.to_json()) == signature
    assert [signature[name].kind for name in signature.names] == ["image", "text", "video"]
    assert signature["video"].frame_shape == (8, 8, 1)
    specs = signature.to_tensor_specs()
    assert specs["text"] == tf.TensorSpec((None,), tf.string, name="text")


def test_reads_the_older_catalogue_form():
    old = {"input": {"shape": [None, 8, 8, 1], "dtype": "uint8"}}
    signature = InputSignature.from_json(old)
    assert not signature.is_dict
    assert signature.specs[0] == InputSpec("inputs", (None, 8, 8, 1), "uint8")


@pytest.mark.parametrize(
    "config, message",
    [
        ({}, "non-empty dict"),
        ([1, 2], "non-empty dict"),
        ({"image": {"shape": [None, 8]}}, "needs 'shape' and 'dtype'.*'image'"),
    ],
)
def test_malformed_signatures_say_what_is_wrong(config, message):
    with pytest.raises(ValueError, match=message):
        InputSignature.from_json(config)


def test_unknown_input_name_and_frames_of_text():
    signature = InputSignature.from_model(_dict_model())
    with pytest.raises(KeyError, match="no input 'audio'"):
        signature["audio"]
    with pytest.raises(ValueError, match="has no frames"):
        _ = signature["text"].frame_shape
