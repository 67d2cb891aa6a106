import numpy as np
import pytest
import tensorflow as tf

from tfk_tokfrag.export import (
    InputSignature,
    InputSpec,
    decode_image,
    prepare_requests,
    read_image_file,
    read_texts,
    read_video,
)
from tfk_tokfrag.export.requests import decode_images

IMAGE = InputSignature((InputSpec("image", (None, 8, 8, 1), "uint8"),), is_dict=False)
NAMED = InputSignature(
    (InputSpec("image", (None, 8, 8, 1), "uint8"), InputSpec("text", (None,), "string")),
    is_dict=True,
)


def _png(path, image):
    path.write_bytes(tf.io.encode_png(image).numpy())
    return str(path)


def _image(shape=(8, 8, 1), seed=0):
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def test_decode_image_keeps_pixels_at_size_and_resizes_like_tf_image():
    image = _image((12, 10, 1))
    data = tf.io.encode_png(image)
    np.testing.assert_array_equal(decode_image(data, 12, 10, 1).numpy(), image)
    expected = tf.image.resize(image, (4, 5), antialias=True)
    expected = np.clip(np.round(expected.numpy()), 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(decode_image(data, 4, 5, 1).numpy(), expected)
    # Inside a graph the size is unknown until run time: same pixels.
    graph = tf.function(lambda d: decode_image(d, 4, 5, 1))
    np.testing.assert_array_equal(graph(data).numpy(), expected)


def test_decode_images_names_every_item_that_does_not_decode():
    images = [_image((8, 8, 1), seed=i) for i in range(3)]
    pngs = [tf.io.encode_png(image).numpy() for image in images]
    graph = tf.function(lambda e: decode_images(e, 4, 5, 1),
                        input_signature=[tf.TensorSpec((None,), tf.string)])
    expected = [decode_image(png, 4, 5, 1).numpy() for png in pngs]
    for decode in (graph, lambda e: decode_images(e, 4, 5, 1)):  # in a graph, eagerly
        np.testing.assert_array_equal(decode(tf.constant(pngs)).numpy(), expected)
        assert decode(tf.constant([], tf.string)).shape == (0, 4, 5, 1)
    # Garbage, a truncated PNG, an empty item; bad items are named, from 0.
    bad = [pngs[0], b"\x00garbage", pngs[1][:25], pngs[2], b""]
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"items at indices\] \[1 2 4\] \[\(from 0\) of the batch"):
        graph(tf.constant(bad))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"items at indices\] \[0\]"):
        graph(tf.constant([b"GIF8 but not a GIF"]))


def test_files_that_are_not_images_or_missing_are_named(tmp_path):
    fake = tmp_path / "fake.png"
    fake.write_text("not a picture")
    with pytest.raises(ValueError, match=f"not an image.*{fake}"):
        read_image_file(str(fake))
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_image_file(str(tmp_path / "missing.png"))


def test_videos_from_arrays_and_frame_folders(tmp_path):
    clip = _image((3, 8, 8, 1))
    np.save(tmp_path / "clip.npy", clip)
    np.testing.assert_array_equal(read_video(str(tmp_path / "clip.npy"), (8, 8, 1)), clip)
    frames = tmp_path / "frames"
    frames.mkdir()
    for i, frame in enumerate(clip):
        _png(frames / f"{i:03d}.png", frame)
    np.testing.assert_array_equal(read_video(str(frames), (8, 8, 1)), clip)
    assert read_video(str(frames), (4, 4, 1)).shape == (3, 4, 4, 1)
    np.save(tmp_path / "float.npy", clip.astype("float32"))
    with pytest.raises(ValueError, match="must be uint8"):
        read_video(str(tmp_path / "float.npy"), (8, 8, 1))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="has no frames"):
        read_video(str(tmp_path / "empty"), (8, 8, 1))


def test_texts_from_files_or_literally(tmp_path):
    lines = tmp_path / "lines.txt"
    lines.write_text("a one\n\nthe two\n", encoding="utf-8")
    assert read_texts(str(lines)) == ["a one", "the two"]
    assert read_texts("just this") == ["just this"]


def test_images_go_encoded_to_their_endpoint_or_decoded_to_serve(tmp_path):
    paths = [_png(tmp_path / f"{i}.png", _image(seed=i)) for i in range(2)]
    endpoint, examples = prepare_requests(IMAGE, paths)
    assert endpoint == "serve_encoded_images"
    assert [label for label, _ in examples] == paths
    assert examples[0][1].dtype == tf.string and examples[0][1].shape == (1,)
    endpoint, examples = prepare_requests(IMAGE, paths, encoded_images=False)
    assert endpoint == "serve"
    np.testing.assert_array_equal(examples[1][1].numpy()[0], _image(seed=1))


def test_named_inputs_take_name_value_pairs(tmp_path):
    path = _png(tmp_path / "a.png", _image())
    endpoint, examples = prepare_requests(NAMED, [f"image={path}", "text=a three"])
    assert endpoint == "serve"
    (label, batch), = examples
    assert sorted(batch) == ["image", "text"]
    assert batch["text"].numpy().tolist() == [b"a three"]
    np.testing.assert_array_equal(batch["image"].numpy()[0], _image())
    with pytest.raises(ValueError, match="missing inputs: \\['text'\\]"):
        prepare_requests(NAMED, [f"image={path}"])
    with pytest.raises(ValueError, match="unknown input 'audio'"):
        prepare_requests(NAMED, ["audio=x.wav", "text=a"])
    with pytest.raises(ValueError, match="NAME=VALUE"):
        prepare_requests(NAMED, [path])
