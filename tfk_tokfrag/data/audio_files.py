"""Folders of WAV recordings per class: float32 `(samples, channels)` clips.

Layout as for the other folders (`tfk_tokfrag.data.class_folders`): `root/<class>/<file>.wav`,
with optional split folders `root/<split>/<class>/...`. Labels are int64, the index of
the class folder in `class_names`; files keep a fixed order (class, then file name).

Every file's header is read when the folder is scanned (the chunk headers, nothing
decoded): a file that is not a WAV file, is truncated, holds no samples or stores them
in a format we do not read stops the scan with an error naming it and what is wrong
(with `on_error="skip"` it is left out, and the skipped files are listed in one
warning). The samples are then decoded inside `tf.data`, several files at once, order
kept:

* 16-bit PCM files laid out as `tf.audio.decode_wav` expects (what Python's `wave`
  module, `sox` and most recorders write) are decoded by `tf.audio.decode_wav`;
* all other files by `tf.io.decode_raw`, at the offset of the samples found by the
  scan: 8-, 16-, 24- and 32-bit PCM and 32- and 64-bit IEEE float, plain or inside
  `WAVE_FORMAT_EXTENSIBLE`, with any chunks before or after the samples (which
  `tf.audio.decode_wav` rejects, as it rejects everything but 16-bit PCM).

PCM samples are scaled to [-1, 1) (a 16-bit sample `s` gives `s / 32768`, an 8-bit one
`(s - 128) / 128`); float samples are kept as stored. Compressed WAV (mu-law, A-law,
ADPCM, MP3) is not read.
"""

from __future__ import annotations

import math
import os
import struct
import warnings
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import tensorflow as tf

from tfk_tokfrag import _validation
from tfk_tokfrag._warnings import TokfragWarning
from tfk_tokfrag.data._bad_files import check_on_error
from tfk_tokfrag.data.class_folders import SPLIT_FOLDERS, scan_files

AUDIO_SUFFIXES = (".wav",)
KAISER_BETA = 5.0  # scipy.signal.resample_poly's default window, ("kaiser", 5.0)
MAX_FILTER_SIZE = 1 << 24  # polyphase filter entries (64 MiB of float32)

_PCM, _IEEE_FLOAT, _EXTENSIBLE = 1, 3, 0xFFFE
_GUID_TAIL = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
# (format tag, bits per sample) -> branch of `_decode_samples`; 0 is tf.audio.decode_wav.
_CODECS = {(_PCM, 8): 1, (_PCM, 16): 2, (_PCM, 24): 3, (_PCM, 32): 4}
_CODECS.update({(_IEEE_FLOAT, 32): 5, (_IEEE_FLOAT, 64): 6})
_FORMAT_NAMES = {2: "Microsoft ADPCM", 6: "A-law", 7: "mu-law", 17: "IMA ADPCM", 85: "MP3"}


class WavHeader(NamedTuple):
    """What a WAV file's header says (`read_wav_header`).

    Attributes:
        format_tag: 1 (PCM) or 3 (IEEE float); `WAVE_FORMAT_EXTENSIBLE` is resolved.
        channels: interleaved channels.
        sample_rate: samples per second and channel.
        bits_per_sample: 8, 16, 24, 32 (PCM) or 32, 64 (float).
        data_offset: where the samples start in the file, in bytes.
        num_samples: whole samples per channel in the data chunk.
        decode_wav: whether `tf.audio.decode_wav` reads the file as it is.
    """

    format_tag: int
    channels: int
    sample_rate: int
    bits_per_sample: int
    data_offset: int
    num_samples: int
    decode_wav: bool


def _parse_fmt(path: str, body: bytes) -> tuple[int, int, int, int, int]:
    if len(body) < 16:
        raise ValueError(f"{path}: its 'fmt ' chunk is {len(body)} bytes, expected 16 or more.")
    tag, channels, rate, _, block_align, bits = struct.unpack("<HHIIHH", body[:16])
    if tag == _EXTENSIBLE:
        if len(body) < 40 or body[26:40] != _GUID_TAIL:
            raise ValueError(f"{path}: WAVE_FORMAT_EXTENSIBLE header without a known sub-format.")
        tag = struct.unpack("<H", body[24:26])[0]
    if (tag, bits) not in _CODECS:
        what = _FORMAT_NAMES.get(tag, f"{bits}-bit PCM" if tag == _PCM else f"format tag {tag}")
        what = f"{bits}-bit float" if tag == _IEEE_FLOAT else what
        raise ValueError(
            f"{path}: {what} WAV is not read; supported: 8-, 16-, 24- and 32-bit PCM, "
            "32- and 64-bit float."
        )
    if channels < 1 or rate < 1 or block_align != channels * bits // 8:
        raise ValueError(
            f"{path}: inconsistent WAV header (channels={channels}, sample_rate={rate}, "
            f"block_align={block_align}, bits_per_sample={bits})."
        )
    return tag, channels, rate, block_align, bits


def read_wav_header(path: str | os.PathLike) -> WavHeader:
    """Reads and checks the header of a WAV file (its chunk headers; no samples).

    Raises:
        ValueError: naming the file: not a RIFF/WAVE file, no `fmt `/`data` chunk, a
            sample format that is not read, a data chunk longer than the file
            (truncated), or no samples.
    """
    path = os.fspath(path)
    file_size = os.path.getsize(path)
    with open(path, "rb") as f:
        head = f.read(12)
        if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            raise ValueError(
                f"{path} is not a WAV file: it does not start with a RIFF/WAVE header "
                f"(first bytes: {head!r})."
            )
        fmt, fmt_first, even_chunks, pos = None, False, True, 12
        while True:
            f.seek(pos)
            chunk = f.read(8)
            if len(chunk) < 8:
                missing = "'fmt '" if fmt is None else "'data'"
                raise ValueError(f"{path} is not a complete WAV file: no {missing} chunk.")
            chunk_id, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if chunk_id == b"data":
                break
            if chunk_id == b"fmt ":
                body = f.read(size)
                fmt = _parse_fmt(path, body)
                # tf.audio.decode_wav wants a plain PCM 'fmt ' chunk right after the header.
                fmt_first = pos == 12 and size in (16, 18) and body[:2] == b"\x01\x00"
            even_chunks = even_chunks and size % 2 == 0
            pos += 8 + size + size % 2
    if fmt is None:
        raise ValueError(f"{path}: its 'data' chunk comes before any 'fmt ' chunk.")
    tag, channels, rate, block_align, bits = fmt
    data_offset = pos + 8
    if data_offset + size > file_size:
        raise ValueError(
            f"{path} is truncated: its data chunk states {size} bytes of samples, the "
            f"file holds {file_size - data_offset}."
        )
    if size < block_align:
        raise ValueError(f"{path} holds no samples (its data chunk is {size} bytes).")
    decode_wav = (
        fmt_first
        and even_chunks
        and bits == 16
        and size % block_align == 0
        and data_offset + size == file_size  # decode_wav parses what follows as chunks
    )
    return WavHeader(tag, channels, rate, bits, data_offset, size // block_align, decode_wav)


# === Decoding and resampling, in graph ===


def _decode_samples(contents, codec, offset, num_bytes, channels) -> tf.Tensor:
    """The samples of a WAV file's bytes as float32 `(samples, channels)`."""
    data = tf.strings.substr(contents, offset, num_bytes)

    def raw(dtype, scale, shift=0.0):
        return (tf.cast(tf.io.decode_raw(data, dtype), tf.float32) - shift) / scale

    def pcm24():
        octets = tf.reshape(tf.cast(tf.io.decode_raw(data, tf.uint8), tf.int32), [-1, 3])
        values = octets[:, 0] + octets[:, 1] * 256 + octets[:, 2] * 65536
        values = tf.where(values >= 1 << 23, values - (1 << 24), values)
        return tf.cast(values, tf.float32) / float(1 << 23)

    branches = [
        lambda: tf.reshape(tf.audio.decode_wav(contents)[0], [-1]),
        lambda: raw(tf.uint8, 128.0, 128.0),
        lambda: raw(tf.int16, 32768.0),
        pcm24,
        lambda: raw(tf.int32, float(1 << 31)),
        lambda: tf.io.decode_raw(data, tf.float32),
        lambda: tf.cast(tf.io.decode_raw(data, tf.float64), tf.float32),
    ]
    return tf.reshape(tf.switch_case(codec, branches), [-1, channels])


def _polyphase_taps(up: int, down: int) -> tuple[np.ndarray, int]:
    """The filter of `scipy.signal.resample_poly(x, up, down)`, one column per phase.

    `resample_poly`'s filter is `h = up * firwin(2 * half_len + 1, 1 / max(up, down),
    window=("kaiser", 5.0))` with `half_len = 10 * max(up, down)`, centred on tap
    `half_len`; output `n` is `sum_j x[j] * h(n * down - j * up)` (`h(t)` the tap at
    offset `t` from the centre). Outputs `m * up + r` read inputs `m * down + first +
    l` with the same weights `taps[l, r] = h(r * down - (first + l) * up)`, so all
    outputs are one `conv1d` of stride `down` with `up` output channels.

    Returns:
        `(taps float32 (length, up), first)`, `first <= 0` the offset of the first
        input an output reads.
    """
    max_rate = max(up, down)
    half_len = 10 * max_rate
    first = -(half_len // up)
    length = ((up - 1) * down + half_len) // up - first + 1
    offsets = np.arange(-half_len, half_len + 1)
    lowpass = np.sinc(offsets / max_rate) / max_rate * np.kaiser(offsets.size, KAISER_BETA)
    h = lowpass * (up / lowpass.sum())  # firwin scales the taps to a gain of 1 at 0 Hz
    t = np.arange(up)[None, :] * down - (first + np.arange(length))[:, None] * up
    taps = np.where(np.abs(t) <= half_len, h[np.clip(t + half_len, 0, 2 * half_len)], 0.0)
    return taps.astype(np.float32), first


def _resample_poly(audio: tf.Tensor, up: int, down: int) -> tf.Tensor:
    """`scipy.signal.resample_poly(audio, up, down, axis=0)` as one strided `conv1d`."""
    taps, first = _polyphase_taps(up, down)
    num_in = tf.shape(audio, out_type=tf.int64)[0]
    num_out = (num_in * up + down - 1) // down
    blocks = (num_out + up - 1) // up
    pad_right = tf.maximum((blocks - 1) * down + taps.shape[0] - num_in + first, 0)
    signal = tf.pad(tf.transpose(audio), tf.stack([[0, 0], [-first, pad_right]]))
    out = tf.nn.conv1d(signal[:, :, None], taps[:, None, :], stride=down, padding="VALID")
    out = tf.reshape(out[:, :blocks], [tf.shape(audio)[1], -1])[:, :num_out]
    return tf.transpose(out)


def resample_audio(audio, input_rate: int, output_rate: int) -> tf.Tensor:
    """Resamples float `(samples, channels)` audio from `input_rate` to `output_rate` Hz.

    Band-limited polyphase resampling with TensorFlow ops, the same filter and
    alignment as `scipy.signal.resample_poly(audio, up, down, axis=0)` with `up /
    down = output_rate / input_rate` in lowest terms (a Kaiser-windowed sinc, beta 5,
    `20 * max(up, down) + 1` taps): `ceil(samples * up / down)` samples come out,
    the first at time 0; the signal is taken as zero outside the clip.

    Args:
        audio: float `(samples, channels)`.
        input_rate: the rate of `audio`, in Hz.
        output_rate: the rate wanted, in Hz.

    Returns:
        float32 `(ceil(samples * output_rate / input_rate), channels)`.
    """
    input_rate = _validation.positive_int("input_rate", input_rate)
    output_rate = _validation.positive_int("output_rate", output_rate)
    audio = tf.convert_to_tensor(audio, tf.float32)
    divisor = math.gcd(input_rate, output_rate)
    up, down = output_rate // divisor, input_rate // divisor
    if up == down:
        return audio
    _check_filter_size(up, down, f"from {input_rate} Hz to {output_rate} Hz")
    return _resample_poly(audio, up, down)


def _check_filter_size(up: int, down: int, what: str) -> None:
    length = (up * down + 20 * max(up, down)) // up + 1  # an upper bound of _polyphase_taps'
    if length * up > MAX_FILTER_SIZE:
        raise ValueError(
            f"Resampling {what} needs a {length} x {up} polyphase filter (ratio {up}/{down}), "
            f"more than {MAX_FILTER_SIZE} taps; resample these files beforehand."
        )


def _fit_length(audio, num_samples):
    audio = audio[:num_samples]
    audio = tf.pad(audio, [[0, num_samples - tf.shape(audio)[0]], [0, 0]])
    return tf.ensure_shape(audio, [num_samples, audio.shape[1]])


# === Folders ===


def _scan_audio(root, class_names, on_error, holdout_part=None):
    """Paths, labels, headers and the skipped `(path, reason)` of a folder's WAV files."""
    paths, labels, class_names = scan_files(root, AUDIO_SUFFIXES, class_names, "audio",
                                            holdout_part)
    kept, headers, skipped = [], [], []
    for i, path in enumerate(paths):
        try:
            headers.append(read_wav_header(path))
            kept.append(i)
        except (OSError, ValueError) as error:
            if on_error == "raise":
                raise
            skipped.append((path, str(error)))
    if not kept:
        raise ValueError(
            f"No readable WAV file in {os.fspath(root)}: all {len(paths)} were skipped, "
            f"e.g. {skipped[0][1]}"
        )
    return [paths[i] for i in kept], labels[kept], headers, skipped, class_names


def _common(paths, headers, field: str, hint: str) -> int:
    values = [getattr(h, field) for h in headers]
    for path, value in zip(paths, values, strict=True):
        if value != values[0]:
            raise ValueError(f"{path} has {field}={value}, but {paths[0]} has {values[0]}: {hint}")
    return values[0]


def audio_folder(
    root: str | os.PathLike,
    *,
    sample_rate: int | None = None,
    num_samples: int | None = None,
    channels: int | None = None,
    class_names: Sequence[str] | None = None,
    on_error: str = "raise",
    holdout_part: tuple[str, float] | None = None,
) -> tuple[tf.data.Dataset, list[str]]:
    """Unbatched `(audio float32 (samples, channels), label int64)` from `root/<class>/*.wav`.

    Each clip is decoded (see the module docstring), converted to `channels`,
    resampled to `sample_rate` (`resample_audio`, the filter of
    `scipy.signal.resample_poly`), then cropped or zero-padded to `num_samples`.

    Args:
        root: the folder of class folders.
        sample_rate: the rate, in Hz, every file is resampled to (files already at it
            are left as they are). `None`: the files' own rate, which must be the
            same for all (an error names a file that differs).
        num_samples: the fixed length of every clip, in samples at the output rate:
            longer clips keep their first `num_samples` samples, shorter ones are
            padded with zeros at the end. `None`: each file's own length.
        channels: `1`: the channels are averaged to mono; `k > 1`: files with `k`
            channels are kept, mono files are copied to the `k` channels, any other
            count is an error naming the file. `None`: the channels of the first
            file, which every file must have.
        class_names: the class folders to read, in label order (default: all, sorted).
        on_error: `"raise"` (default): a file that cannot be read stops the scan with
            an error naming it; `"skip"`: it is left out and the skipped files are
            listed in one `TokfragWarning`.
        holdout_part: `(split, fraction)`: only the files of that split ("train" or
            "test") of a holdout of each class (`class_folders.in_holdout_part`).

    Returns:
        `(dataset, class_names)`. The clips' rate is `sample_rate`, or the files'
        common rate (`audio_info(root)["sample_rate"]`).
    """
    sample_rate = _validation.positive_int("sample_rate", sample_rate, allow_none=True)
    num_samples = _validation.positive_int("num_samples", num_samples, allow_none=True)
    channels = _validation.positive_int("channels", channels, allow_none=True)
    check_on_error(on_error)
    paths, labels, headers, skipped, class_names = _scan_audio(root, class_names, on_error,
                                                               holdout_part)
    if skipped:
        listed = "\n".join(f"  {reason}" for _, reason in skipped)
        warnings.warn(
            f"Skipped {len(skipped)} unreadable WAV file(s) of {os.fspath(root)}:\n{listed}",
            TokfragWarning,
            stacklevel=2,
        )
    if channels is None:
        channels = _common(paths, headers, "channels", "pass channels=1 to mix them to mono.")
    elif channels > 1:
        for path, header in zip(paths, headers, strict=True):
            if header.channels not in (1, channels):
                raise ValueError(
                    f"{path} has {header.channels} channels; cannot make {channels} of "
                    "them (only mono files are copied to several channels)."
                )
    if sample_rate is None:
        sample_rate = _common(
            paths, headers, "sample_rate", "pass sample_rate=... to resample them to one rate."
        )
    ratios = []  # (up, down) per file; (1, 1) when the file is at sample_rate
    for path, header in zip(paths, headers, strict=True):
        divisor = math.gcd(header.sample_rate, sample_rate)
        ratios.append((sample_rate // divisor, header.sample_rate // divisor))
        if ratios[-1] != (1, 1):
            what = f"{path} from {header.sample_rate} Hz to {sample_rate} Hz"
            _check_filter_size(*ratios[-1], what)
    distinct = sorted(set(ratios))
    fields = (
        paths,
        labels,
        [0 if h.decode_wav else _CODECS[(h.format_tag, h.bits_per_sample)] for h in headers],
        np.array([h.data_offset for h in headers], np.int64),
        np.array([h.num_samples * h.channels * h.bits_per_sample // 8 for h in headers], np.int64),
        [h.channels for h in headers],
        [distinct.index(ratio) for ratio in ratios],
    )

    def _load(path, label, codec, offset, num_bytes, file_channels, ratio):
        audio = _decode_samples(tf.io.read_file(path), codec, offset, num_bytes, file_channels)
        if channels == 1:
            audio = tf.reduce_mean(audio, axis=1, keepdims=True)
        else:
            audio = tf.broadcast_to(audio, [tf.shape(audio)[0], channels])
        if distinct != [(1, 1)]:
            audio = tf.switch_case(
                ratio,
                [
                    (lambda a=audio: a)
                    if (up, down) == (1, 1)
                    else (lambda a=audio, up=up, down=down: _resample_poly(a, up, down))
                    for up, down in distinct
                ],
            )
        audio.set_shape([None, channels])
        return (audio if num_samples is None else _fit_length(audio, num_samples)), label

    ds = tf.data.Dataset.from_tensor_slices(fields)
    return ds.map(_load, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True), class_names


def audio_with_length(audio: tf.Tensor) -> dict[str, tf.Tensor]:
    """`{"audio": audio, "length": int32 number of samples}` for `return_lengths=True`."""
    return {"audio": audio, "length": tf.shape(audio, out_type=tf.int32)[0]}


def audio_info(
    root: str | os.PathLike,
    *,
    sample_rate: int | None = None,
    num_samples: int | None = None,
    channels: int | None = None,
) -> dict:
    """`dataset_info` for a folder of WAV files: kind, class names, counts, rate.

    Only the headers are read. The arguments are those of `audio_folder`, for the
    shape its clips will have; `sample_rate` and `channels` are those of the first
    file of the first split when not given.
    """
    root = os.path.expanduser(os.fspath(root))
    if not os.path.exists(root):
        raise FileNotFoundError(f"Dataset folder does not exist: {root}")
    splits = [s for s in SPLIT_FOLDERS if os.path.isdir(os.path.join(root, s))]
    split_roots = {s: os.path.join(root, s) for s in splits} or {"train": root}
    sizes, class_names, first = {}, None, None
    for split, split_root in split_roots.items():
        paths, _, names = scan_files(split_root, AUDIO_SUFFIXES, None, "audio")
        sizes[split] = len(paths)
        class_names = class_names or tuple(names)
        first = first or read_wav_header(paths[0])
    rate = sample_rate or first.sample_rate
    return {
        "name": root,
        "source": "folder",
        "modalities": ("audio",),
        "inputs": {
            "audio": {"shape": (num_samples, channels or first.channels), "dtype": "float32"}
        },
        "label": "class folder",
        "num_classes": len(class_names),
        "class_names": class_names,
        "splits": sizes,
        "sample_rate": rate,
        "description": f"WAV recordings per class folder in {root}, {rate} Hz.",
    }
