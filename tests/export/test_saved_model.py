import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from tests.test_case import TestCase
from tfk_tokfrag.export import export_saved_model, load_metadata
from tfk_tokfrag.models import conv_net

CLASS_NAMES = [f"digit-{i}" for i in range(10)]


def _model():
    return conv_net(input_shape=(8, 8, 1), filters=(4, 8), dense_units=8, batch_norm=True)


def _images(n=5, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, 8, 8, 1), dtype=np.uint8)


def _softmax(logits):
    e = np.exp(logits - logits.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


class TestExportSavedModel(TestCase):
    def test_serve_returns_probabilities_ids_and_names(self):
        model, images = _model(), _images()
        path = os.path.join(self.get_temp_dir(), "artifact")
        export_saved_model(model, path, class_names=CLASS_NAMES, verify_inputs=images,
                           metrics={"test_accuracy": 0.5})
        reloaded = tf.saved_model.load(path)
        out = reloaded.serve(tf.constant(images))
        expected = _softmax(np.asarray(model(images), "float64"))
        np.testing.assert_allclose(out["probabilities"].numpy(), expected, atol=1e-5)
        ids = expected.argmax(-1)
        np.testing.assert_array_equal(out["class_id"].numpy(), ids)
        assert [n.decode() for n in out["class_name"].numpy()] == [CLASS_NAMES[i] for i in ids]
        # serving_default is the same endpoint, for TF Serving.
        default = reloaded.signatures["serving_default"](image=tf.constant(images))
        np.testing.assert_allclose(default["probabilities"].numpy(), expected, atol=1e-5)
        meta = load_metadata(path)
        assert meta["class_names"] == CLASS_NAMES
        assert meta["metrics"] == {"test_accuracy": 0.5}
        assert meta["inputs"] == {"shape": [None, 8, 8, 1], "dtype": "uint8"}
        assert meta["tensorflow_version"] == tf.__version__

    def test_encoded_images_endpoint_decodes_png_and_jpeg(self):
        model, images = _model(), _images(3)
        path = os.path.join(self.get_temp_dir(), "artifact")
        export_saved_model(model, path)
        reloaded = tf.saved_model.load(path)
        pngs = tf.stack([tf.io.encode_png(img) for img in images])
        from_png = reloaded.serve_encoded_images(pngs)
        from_raw = reloaded.serve(tf.constant(images))
        np.testing.assert_allclose(from_png["probabilities"], from_raw["probabilities"],
                                   atol=1e-6)
        # A larger RGB JPEG is converted to grey and resized inside the graph.
        big = tf.image.resize(tf.image.grayscale_to_rgb(tf.constant(images[:1])), (32, 32))
        jpeg = tf.io.encode_jpeg(tf.cast(big[0], tf.uint8))
        out = reloaded.serve_encoded_images(tf.stack([jpeg]))
        assert out["probabilities"].shape == (1, 10)

    def test_requests_of_another_dtype_are_refused_not_cast(self):
        # A uint8 signature used to cast NumPy floats silently: `images / 255.0`
        # answered as for a black image and 300.0 as 44, while a tf.float32 tensor was
        # refused. Every other dtype, NumPy or tensor, is now refused alike.
        model, images = _model(), _images(2)
        path = os.path.join(self.get_temp_dir(), "artifact")
        export_saved_model(model, path)
        reloaded = tf.saved_model.load(path)
        expected = reloaded.serve(tf.constant(images))["probabilities"].numpy()
        for good in (images, images.tolist(), tf.constant(images)):
            np.testing.assert_allclose(reloaded.serve(good)["probabilities"], expected,
                                       atol=1e-6)
        black = reloaded.serve(np.zeros_like(images))["probabilities"].numpy()
        assert not np.allclose(black, expected)  # the answer a float request used to get
        bad_requests = {
            "NumPy float64 in [0, 1]": images / 255.0,
            "NumPy float32 in [0, 1]": (images / 255.0).astype("float32"),
            "NumPy float64 out of range": np.full(images.shape, 300.0),
            "NumPy int64 out of range": np.full(images.shape, 300),
            "NumPy int64 in range": images.astype("int64"),
            "tf.float32 tensor": tf.constant(images / 255.0, tf.float32),
            "Python floats": (images / 255.0).tolist(),
            "uint8 of another size": np.zeros((2, 9, 8, 1), np.uint8),
        }
        for what, request in bad_requests.items():
            with pytest.raises(ValueError, match="Could not find matching concrete "
                               r"function(.|\n)*dtype=tf.uint8"):
                reloaded.serve(request)
                pytest.fail(f"served {what}")
        # TF Serving's signature keeps its own strict dtype.
        default = reloaded.signatures["serving_default"](image=tf.constant(images))
        np.testing.assert_allclose(default["probabilities"], expected, atol=1e-6)
        # Encoded images: undecodable items are named by their index in the batch.
        pngs = [tf.io.encode_png(image).numpy() for image in images]
        batch = [pngs[0], b"not an image", pngs[1], pngs[1][:30], b""]
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"items at indices\] \[1 3 4\]"):
            reloaded.serve_encoded_images(tf.constant(batch))
        np.testing.assert_allclose(
            reloaded.serve_encoded_images(tf.constant(pngs))["probabilities"], expected,
            atol=1e-6,
        )
        with pytest.raises(ValueError, match="Could not find matching"):
            reloaded.serve_encoded_images(np.array([1.0, 2.0]))

    def test_an_empty_batch_gets_an_empty_answer(self):
        # The model alone fails on 0 images (TF 2.21's oneDNN convolution returns a
        # wrong shape for them); the served artifact answers with 0 rows of each output.
        model, images = _model(), _images(2)
        path = os.path.join(self.get_temp_dir(), "artifact")
        export_saved_model(model, path, class_names=CLASS_NAMES)
        reloaded = tf.saved_model.load(path)
        full = reloaded.serve(tf.constant(images))
        for empty in (reloaded.serve(tf.zeros((0, 8, 8, 1), tf.uint8)),
                      reloaded.serve_encoded_images(tf.zeros((0,), tf.string))):
            assert sorted(empty) == sorted(full)
            for key, value in empty.items():
                assert value.dtype == full[key].dtype, key
                assert value.shape == (0, *full[key].shape[1:]), key
        np.testing.assert_allclose(  # the answer for a real batch is unchanged
            full["probabilities"], _softmax(np.asarray(model(images), "float64")),
            atol=1e-5)

    def test_class_names_must_match_outputs(self):
        with pytest.raises(ValueError, match="class_names has 2 names"):
            export_saved_model(_model(), os.path.join(self.get_temp_dir(), "x"),
                               class_names=["a", "b"])

    def test_failed_export_keeps_the_previous_artifact(self):
        model, images = _model(), _images()
        path = os.path.join(self.get_temp_dir(), "artifact")
        export_saved_model(model, path, metrics={"round": 1})
        # A verification failure (impossible tolerance) must not touch the good copy.
        with pytest.raises(RuntimeError, match="disagrees"):
            export_saved_model(model, path, metrics={"round": 2}, verify_inputs=images,
                               atol=-1.0)
        assert load_metadata(path)["metrics"] == {"round": 1}
        assert sorted(os.listdir(os.path.dirname(path))) == ["artifact"]
        # A successful export replaces it.
        export_saved_model(model, path, metrics={"round": 3})
        assert load_metadata(path)["metrics"] == {"round": 3}
        assert sorted(os.listdir(os.path.dirname(path))) == ["artifact"]

    def test_destinations_that_are_not_ours_are_refused_untouched(self):
        root = self.get_temp_dir()
        project = os.path.join(root, "project")
        os.makedirs(project)
        for name, text in (("model.keras", "weights"), ("notes.txt", "mine")):
            with open(os.path.join(project, name), "w") as f:
                f.write(text)
        a_file = os.path.join(root, "a_file")
        with open(a_file, "w") as f:
            f.write("keep me")
        with pytest.raises(FileExistsError, match=r"holding 2 entries \('model.keras'"):
            export_saved_model(_model(), project)
        with pytest.raises(FileExistsError, match="is a file"):
            export_saved_model(_model(), a_file)
        assert sorted(os.listdir(project)) == ["model.keras", "notes.txt"]
        assert open(os.path.join(project, "notes.txt")).read() == "mine"
        assert open(a_file).read() == "keep me"
        assert sorted(os.listdir(root)) == ["a_file", "project"]  # no leftovers
        # A new or empty folder takes it.
        empty = os.path.join(root, "empty")
        os.makedirs(empty)
        export_saved_model(_model(), empty)
        assert "saved_model.pb" in os.listdir(empty)

    def test_serves_in_a_process_with_only_tensorflow(self):
        model, images = _model(), _images()
        path = os.path.join(self.get_temp_dir(), "artifact")
        export_saved_model(model, path)
        # `import tensorflow` itself imports keras when it is installed, so block the
        # import: the artifact must serve in a process where keras and tfk_tokfrag
        # cannot be imported at all.
        script = (
            "import json, sys\n"
            "for name in ('keras', 'tfk_tokfrag', 'tf_keras'):\n"
            "    sys.modules[name] = None  # import fails, find_spec says 'not installed'\n"
            "import numpy as np, tensorflow as tf\n"
            "m = tf.saved_model.load(sys.argv[1])\n"
            "x = np.array(json.loads(sys.argv[2]), np.uint8)\n"
            "out = m.serve(tf.constant(x))\n"
            "print(json.dumps({'p': out['probabilities'].numpy().tolist(),\n"
            "  'mods': sorted(k for k, v in sys.modules.items() if v is not None and\n"
            "                 k.split('.')[0] in ('keras', 'tfk_tokfrag', 'tf_keras'))}))\n"
        )
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
        result = subprocess.run(
            [sys.executable, "-c", script, path, json.dumps(images.tolist())],
            capture_output=True, text=True, check=True, env=env, cwd=self.get_temp_dir(),
        )
        reply = json.loads(result.stdout.strip().splitlines()[-1])
        assert reply["mods"] == [], f"serving imported {reply['mods']}"
        expected = _softmax(np.asarray(model(images), "float64"))
        np.testing.assert_allclose(np.array(reply["p"]), expected, atol=1e-5)

    def test_saved_model_cli_shows_the_signatures(self):
        path = os.path.join(self.get_temp_dir(), "artifact")
        export_saved_model(_model(), path)
        cli = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
        result = subprocess.run([cli, "show", "--dir", path, "--all"], capture_output=True,
                                text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
        assert result.returncode == 0, result.stderr
        for name in ("serving_default", "serve_encoded_images", "class_name", "probabilities"):
            assert name in result.stdout
