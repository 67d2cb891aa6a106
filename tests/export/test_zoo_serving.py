"""Every zoo model's artifact serves raw inputs in a process without keras."""

import os
import pickle
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from tests.test_case import distinct_zoo_models, tiny_inputs
from tfk_tokfrag.export import export_saved_model
from tfk_tokfrag.models import adapt_model, get_model

SERVER = r"""
import pickle, sys
for name in ("keras", "tfk_tokfrag", "tf_keras"):
    sys.modules[name] = None  # cannot be imported; find_spec says "not installed"
import numpy as np, tensorflow as tf
jobs = pickle.load(open(sys.argv[1], "rb"))
results = {}
for name, (path, inputs) in jobs.items():
    artifact = tf.saved_model.load(path)
    if isinstance(inputs, dict):
        inputs = {k: tf.constant(v) for k, v in inputs.items()}
    else:
        inputs = tf.constant(inputs)
    out = artifact.serve(inputs)
    results[name] = {k: v.numpy() for k, v in out.items()}
loaded = [m for m, v in sys.modules.items() if v is not None and
          m.split(".")[0] in ("keras", "tfk_tokfrag", "tf_keras")]
pickle.dump((results, loaded), open(sys.argv[2], "wb"))
"""


def _numpy(x):
    if isinstance(x, dict):
        return {k: v.numpy() for k, v in x.items()}
    return x.numpy()


@pytest.mark.large
def test_every_zoo_artifact_serves_without_keras(tmp_path):
    jobs, expected = {}, {}
    for name in distinct_zoo_models():
        model = get_model(name)
        x = tiny_inputs(model, batch=3, time=5, seed=1)
        adapt_model(model, tf.data.Dataset.from_tensors((x, 0)))
        path = str(tmp_path / name)
        export_saved_model(model, path)
        logits = np.asarray(model(x, training=False), "float64")
        e = np.exp(logits - logits.max(-1, keepdims=True))
        expected[name] = e / e.sum(-1, keepdims=True)
        jobs[name] = (path, _numpy(x))
    job_file, out_file = tmp_path / "jobs.pkl", tmp_path / "out.pkl"
    job_file.write_bytes(pickle.dumps(jobs))
    subprocess.run(
        [sys.executable, "-c", SERVER, str(job_file), str(out_file)], check=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}, cwd=tmp_path, timeout=600,
    )
    results, loaded = pickle.loads(out_file.read_bytes())
    assert loaded == []
    for name, probabilities in expected.items():
        np.testing.assert_allclose(results[name]["probabilities"], probabilities, atol=1e-5,
                                   err_msg=name)
        np.testing.assert_array_equal(results[name]["class_id"], probabilities.argmax(-1))


def test_saved_model_cli_run_serves_the_default_signature(tmp_path):
    model = get_model("conv_net_digits", filters=(4,), dense_units=8)
    path = str(tmp_path / "artifact")
    export_saved_model(model, path, class_names=[f"c{i}" for i in range(10)])
    cli = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    np.save(tmp_path / "images.npy", np.zeros((2, 8, 8, 1), np.uint8))
    result = subprocess.run(
        [cli, "run", "--dir", path, "--tag_set", "serve", "--signature_def",
         "serving_default", "--inputs", f"image={tmp_path / 'images.npy'}"],
        capture_output=True, text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "probabilities" in result.stdout and "class_name" in result.stdout
    expected = int(np.argmax(model(np.zeros((1, 8, 8, 1), np.uint8))[0]))
    assert f"b'c{expected}'" in result.stdout
