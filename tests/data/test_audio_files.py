"""Folders of WAV files: written here with `wave` / by hand, compared with NumPy and SciPy."""

import struct
import wave

import numpy as np
import pytest
import scipy.io.wavfile
import scipy.signal
import tensorflow as tf

from tfk_tokfrag._warnings import TokfragWarning
from tfk_tokfrag.data import dataset_info, load_dataset
from tfk_tokfrag.data.audio_files import audio_folder, audio_info, read_wav_header, resample_audio
from tfk_tokfrag.layers import TemporalFragmenter

RESAMPLE_ATOL = 1e-5  # float32 convolution against scipy's float64 resample_poly

_GUID_TAIL = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"


def sine(rate, num_samples, freq=440.0, channels=1):
    """A sine of `freq` Hz per channel (channel k at amplitude 0.8 / (k + 1)), float64."""
    t = np.arange(num_samples) / rate
    return np.stack([0.8 / (k + 1) * np.sin(2 * np.pi * freq * t) for k in range(channels)], 1)


def to_int16(signal):
    return np.round(signal * 32767).astype(np.int16)


def write_pcm16(path, samples, rate):
    """16-bit PCM with Python's `wave` module; `samples` int16 `(n, channels)`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as f:
        f.setnchannels(samples.shape[1])
        f.setsampwidth(2)
        f.setframerate(rate)
        f.writeframes(samples.astype("<i2").tobytes())
    return path


def _chunk(chunk_id, body):
    return chunk_id + struct.pack("<I", len(body)) + body + b"\0" * (len(body) % 2)


def write_wav(path, data, rate, channels, tag, bits, *, extensible=False, before=b"", after=b""):
    """A WAV file written by hand: `data` the sample bytes, `before`/`after` extra chunks."""
    path.parent.mkdir(parents=True, exist_ok=True)
    align = channels * bits // 8
    fmt = struct.pack(
        "<HHIIHH", 0xFFFE if extensible else tag, channels, rate, rate * align, align, bits
    )
    if extensible:
        fmt += struct.pack("<HHIH", 22, bits, 0, tag) + _GUID_TAIL
    body = b"WAVE" + _chunk(b"fmt ", fmt) + before + _chunk(b"data", data) + after
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


def write_float32(path, signal, rate):
    return write_wav(path, signal.astype("<f4").tobytes(), rate, signal.shape[1], 3, 32)


def load(root, **kwargs):
    ds, class_names = audio_folder(root, **kwargs)
    return [(a, int(y)) for a, y in ds.as_numpy_iterator()], class_names, ds


def test_pcm16_and_float_wav_exact(tmp_path):
    pcm = to_int16(sine(8000, 300))
    floats = sine(8000, 200, freq=1000.0).astype(np.float32)
    write_pcm16(tmp_path / "beep" / "a.wav", pcm, 8000)
    write_float32(tmp_path / "hum" / "b.wav", floats, 8000)
    assert read_wav_header(tmp_path / "beep" / "a.wav").decode_wav  # tf.audio.decode_wav's path
    assert read_wav_header(tmp_path / "hum" / "b.wav").format_tag == 3
    examples, class_names, ds = load(tmp_path)
    assert class_names == ["beep", "hum"]
    assert ds.element_spec[0] == tf.TensorSpec([None, 1], tf.float32)
    (a, ya), (b, yb) = examples
    np.testing.assert_array_equal(a, pcm / 32768.0)
    decoded, rate = tf.audio.decode_wav((tmp_path / "beep" / "a.wav").read_bytes())
    np.testing.assert_array_equal(a, decoded)
    assert int(rate) == 8000 and audio_info(tmp_path)["sample_rate"] == 8000
    np.testing.assert_array_equal(b, floats)
    assert (ya, yb) == (0, 1)


def _encodings():
    """`(name, writer(path), expected float32 (n, 2))`: what tf.audio.decode_wav rejects."""
    rng = np.random.default_rng(0)
    s16 = rng.integers(-32768, 32768, (9, 2)).astype("<i2")
    s32 = rng.integers(-(2**31), 2**31, (9, 2)).astype("<i4")
    u8 = rng.integers(0, 256, (9, 2)).astype(np.uint8)
    s24 = rng.integers(-(2**23), 2**23, (9, 2)).astype(np.int32)
    b24 = s24.astype("<i4").view(np.uint8).reshape(9, 2, 4)[..., :3].tobytes()
    f64 = rng.uniform(-1, 1, (9, 2))
    f32 = f64.astype("<f4")
    odd_list = _chunk(b"LIST", b"INFOx")  # an odd size: tf.audio.decode_wav loses its place
    return [
        ("pcm8", lambda p: write_wav(p, u8.tobytes(), 8000, 2, 1, 8), (u8 - 128.0) / 128),
        ("pcm24", lambda p: write_wav(p, b24, 8000, 2, 1, 24), s24 / 2.0**23),
        ("pcm32", lambda p: write_wav(p, s32.tobytes(), 8000, 2, 1, 32), s32 / 2.0**31),
        ("float64", lambda p: write_wav(p, f64.astype("<f8").tobytes(), 8000, 2, 3, 64), f64),
        (
            "float32_extensible",
            lambda p: write_wav(p, f32.tobytes(), 8000, 2, 3, 32, extensible=True),
            f32,
        ),
        (
            "pcm16_odd_chunk_and_trailer",
            lambda p: write_wav(p, s16.tobytes(), 8000, 2, 1, 16, before=odd_list, after=odd_list),
            s16 / 32768.0,
        ),
    ]


ENCODINGS = _encodings()


def test_files_written_by_scipy(tmp_path):
    """An independent writer: scipy.io.wavfile (float32 with a 'fact' chunk, 32-bit PCM)."""
    floats = sine(11025, 64, channels=2).astype(np.float32)
    ints = (sine(11025, 64) * 2**31 * 0.9).astype(np.int32)
    (tmp_path / "a").mkdir()
    scipy.io.wavfile.write(tmp_path / "a" / "f.wav", 11025, floats)
    scipy.io.wavfile.write(tmp_path / "a" / "i.wav", 11025, ints)
    (f, _), (i, _) = load(tmp_path, channels=2)[0]
    np.testing.assert_array_equal(f, scipy.io.wavfile.read(tmp_path / "a" / "f.wav")[1])
    np.testing.assert_array_equal(i, np.repeat(ints / 2.0**31, 2, axis=1).astype(np.float32))


@pytest.mark.parametrize("name, writer, expected", ENCODINGS, ids=[e[0] for e in ENCODINGS])
def test_other_encodings(tmp_path, name, writer, expected):
    path = writer(tmp_path / "c" / f"{name}.wav")
    assert not read_wav_header(path).decode_wav
    [(audio, _)], _, _ = load(tmp_path)
    np.testing.assert_array_equal(audio, expected.astype(np.float32))


def test_stereo_channels_mix_and_copy(tmp_path):
    stereo = to_int16(sine(8000, 100, channels=2))
    mono = to_int16(sine(8000, 50, freq=300.0))
    write_pcm16(tmp_path / "a" / "stereo.wav", stereo, 8000)
    [(audio, _)], _, ds = load(tmp_path)
    assert ds.element_spec[0].shape.as_list() == [None, 2]
    np.testing.assert_array_equal(audio, stereo / 32768.0)
    write_pcm16(tmp_path / "b" / "mono.wav", mono, 8000)
    with pytest.raises(ValueError, match=r"mono\.wav has channels=1, but .*stereo\.wav has 2"):
        audio_folder(tmp_path)
    (mixed, _), (single, _) = load(tmp_path, channels=1)[0]
    np.testing.assert_allclose(mixed, stereo.mean(1, keepdims=True) / 32768.0, atol=1e-7)
    np.testing.assert_array_equal(single, mono / 32768.0)
    _, (copied, _) = load(tmp_path, channels=2)[0]
    np.testing.assert_array_equal(copied, np.repeat(mono, 2, axis=1) / 32768.0)
    with pytest.raises(ValueError, match=r"stereo\.wav has 2 channels; cannot make 3"):
        audio_folder(tmp_path, channels=3)


def test_crop_and_pad(tmp_path):
    long, short = to_int16(sine(8000, 120)), to_int16(sine(8000, 30))
    write_pcm16(tmp_path / "a" / "long.wav", long, 8000)
    write_pcm16(tmp_path / "a" / "short.wav", short, 8000)
    (cropped, _), (padded, _) = load(tmp_path, num_samples=64)[0]
    np.testing.assert_array_equal(cropped, long[:64] / 32768.0)  # the first 64 samples
    np.testing.assert_array_equal(padded[:30], short / 32768.0)
    np.testing.assert_array_equal(padded[30:], 0.0)
    assert audio_folder(tmp_path, num_samples=64)[0].element_spec[0].shape == (64, 1)


def test_resample_against_scipy(tmp_path):
    at_8k = to_int16(sine(8000, 400, freq=440.0, channels=2))
    at_22k = sine(22050, 1000, freq=1000.0, channels=2).astype(np.float32)
    write_pcm16(tmp_path / "a" / "x.wav", at_8k, 8000)
    write_float32(tmp_path / "b" / "y.wav", at_22k, 22050)
    at_16k = to_int16(sine(16000, 100, channels=2))
    write_pcm16(tmp_path / "b" / "z.wav", at_16k, 16000)
    with pytest.raises(ValueError, match=r"y\.wav has sample_rate=22050.*pass sample_rate="):
        audio_folder(tmp_path)
    (x, _), (y, _), (z, _) = load(tmp_path, sample_rate=16000)[0]
    np.testing.assert_allclose(
        x, scipy.signal.resample_poly(at_8k / 32768.0, 2, 1, axis=0), atol=RESAMPLE_ATOL
    )
    reference = scipy.signal.resample_poly(at_22k.astype(np.float64), 320, 441, axis=0)
    assert y.shape == reference.shape == (726, 2)
    np.testing.assert_allclose(y, reference, atol=RESAMPLE_ATOL)
    np.testing.assert_array_equal(z, at_16k / 32768.0)  # already at the rate: untouched
    assert audio_info(tmp_path, sample_rate=16000)["sample_rate"] == 16000


def test_resample_audio():
    signal = sine(48000, 480, channels=1).astype(np.float32)
    np.testing.assert_allclose(
        resample_audio(signal, 48000, 8000),
        scipy.signal.resample_poly(signal.astype(np.float64), 1, 6, axis=0),
        atol=RESAMPLE_ATOL,
    )
    assert resample_audio(signal, 8000, 8000) is not None
    with pytest.raises(ValueError, match="input_rate must be a positive int"):
        resample_audio(signal, 0, 8000)
    with pytest.raises(ValueError, match="16000 Hz to 16001 Hz needs a"):
        resample_audio(signal, 16000, 16001)


def test_bad_files_are_named(tmp_path):
    write_pcm16(tmp_path / "a" / "good.wav", to_int16(sine(8000, 10)), 8000)
    notes = tmp_path / "a" / "notes.wav"
    notes.write_text("these are not samples\n")
    with pytest.raises(ValueError, match=r"notes\.wav is not a WAV file: .*RIFF/WAVE header"):
        audio_folder(tmp_path)
    notes.unlink()
    truncated = tmp_path / "a" / "cut.wav"
    truncated.write_bytes((tmp_path / "a" / "good.wav").read_bytes()[:-6])
    with pytest.raises(ValueError, match=r"cut\.wav is truncated: .* states 20 bytes"):
        audio_folder(tmp_path)
    truncated.unlink()
    write_wav(tmp_path / "a" / "law.wav", b"\x01\x02", 8000, 1, 7, 8)
    with pytest.raises(ValueError, match=r"law\.wav: mu-law WAV is not read"):
        audio_folder(tmp_path)
    (tmp_path / "a" / "empty.wav").write_bytes(b"")
    with pytest.warns(TokfragWarning, match=r"(?s)Skipped 2 .*empty\.wav.*law\.wav"):
        examples, _, _ = load(tmp_path, on_error="skip")
    assert len(examples) == 1
    with pytest.raises(ValueError, match="on_error must be one of"):
        audio_folder(tmp_path, on_error="ignore")


def test_order_kept_in_parallel(tmp_path):
    for i in range(12):  # each file holds its own index: the order is visible
        samples = np.full((5 + i, 1), i, np.int16)
        write_pcm16(tmp_path / f"c{i % 3}" / f"f{i:02d}.wav", samples, 8000)
    examples, _, _ = load(tmp_path)
    order = [int(round(a[4, 0] * 32768)) for a, _ in examples]
    assert order == [0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11]
    assert [y for _, y in examples] == [0] * 4 + [1] * 4 + [2] * 4


def test_audio_info(tmp_path):
    for split, n in (("train", 3), ("test", 1)):
        for i in range(n):
            write_pcm16(tmp_path / split / "dog" / f"{i}.wav", np.zeros((8, 2), np.int16), 8000)
            write_pcm16(tmp_path / split / "cat" / f"{i}.wav", np.zeros((8, 2), np.int16), 8000)
    info = audio_info(tmp_path, num_samples=16)
    assert info["modalities"] == ("audio",) and info["class_names"] == ("cat", "dog")
    assert info["splits"] == {"train": 6, "test": 2} and info["sample_rate"] == 8000
    assert info["inputs"] == {"audio": {"shape": (16, 2), "dtype": "float32"}}


def test_temporal_fragmenter_frames_raw_audio(tmp_path):
    write_pcm16(tmp_path / "a" / "clip.wav", to_int16(sine(16000, 1000)), 16000)
    [(clip, _)], _, ds = load(tmp_path)
    fragmenter = TemporalFragmenter(400, fragment_stride=160, frame_rank=1)
    expected = tf.signal.frame(clip, 400, 160, axis=0)
    np.testing.assert_array_equal(fragmenter(clip), expected)
    fragments = next(iter(ds.map(lambda a, y: (fragmenter(a), y))))[0]
    np.testing.assert_array_equal(fragments, expected)
    assert fragments.shape == (4, 400, 1)


def test_load_dataset_reads_audio_class_folders(tmp_path):
    for name, freq in (("low", 220.0), ("high", 880.0)):
        for i, n in enumerate((800, 1000)):
            write_pcm16(tmp_path / "train" / name / f"{i}.wav", to_int16(sine(8000, n, freq)), 8000)
    batches = list(load_dataset(str(tmp_path), "train", batch_size=4, shuffle=False,
                                return_lengths=True))
    (inputs, labels), = batches
    assert inputs["audio"].shape == (4, 1000, 1) and inputs["audio"].dtype == tf.float32
    assert inputs["length"].numpy().tolist() == [800, 1000, 800, 1000]
    assert labels.numpy().tolist() == [0, 0, 1, 1]  # class folders sorted: high, low
    expected = to_int16(sine(8000, 800, 880.0)).astype(np.float32) / 32768
    np.testing.assert_array_equal(inputs["audio"][0, :800].numpy(), expected)
    fixed = next(iter(load_dataset(str(tmp_path), "train", batch_size=4, shuffle=False,
                                   sample_rate=4000, num_samples=300)))[0]
    assert fixed.shape == (4, 300, 1)
    info = dataset_info(str(tmp_path))
    assert info["class_names"] == ("high", "low") and info["splits"] == {"train": 4}
