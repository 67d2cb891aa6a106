"""The user's own files: what a path holds, and the reader for it.

`load_dataset(path, split)` and `dataset_info(path)` come here for anything that is not
a registered name. Checked in this order:

* sharded TFRecords written by `write_tfrecords` (a `prefix-*-of-*.tfrecord` pattern,
  the prefix, its JSON, or a folder holding them): `tfrecords.tfrecord_examples`;
* a UCR/UEA time-series archive problem (`<Name>_TRAIN.ts` / `<Name>_TEST.ts`, or one
  `.ts` file): `ts_files.ts_examples`, float32 `(time, channels)`;
* an MNIST-style IDX folder (`train-images-idx3-ubyte[.gz]`, ...): `idx_files.idx_folder`;
* class folders (the class of an example is the name of its folder):

      root/<class_name>/<file>                    one class per sub-folder
      root/<split>/<class_name>/<file>            optional split folders (train, test, ...)

  holding images (`image_folder`: `.png .jpg .jpeg .gif .bmp` -> uint8 `(H, W, C)`),
  texts (`text_folder`: `.txt`, one string per file), audio (`audio_files.audio_folder`:
  `.wav` -> float32 `(samples, channels)`) or clips (`video_folder`: folders of frame
  images or `.npy` uint8 arrays -> uint8 `(T, H, W, C)`).

Labels are int64: the index of the class in `class_names`, which defaults to the
sorted sub-folder names. Files are listed in a fixed order (class, then file name).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import tensorflow as tf

from tfk_tokfrag.data import _ops
from tfk_tokfrag.data.audio_files import AUDIO_SUFFIXES, audio_folder, audio_info, audio_with_length
from tfk_tokfrag.data.class_folders import (
    SPLIT_FOLDERS,
    class_folders,
    resolve_split,
    scan_files,
)
from tfk_tokfrag.data.idx_files import idx_folder, idx_info, is_idx_folder
from tfk_tokfrag.data.image_folder import IMAGE_SUFFIXES, image_folder
from tfk_tokfrag.data.text_folder import TEXT_SUFFIXES, text_folder
from tfk_tokfrag.data.tfrecords import is_tfrecord_source, tfrecord_examples, tfrecord_info
from tfk_tokfrag.data.ts_files import is_ts_source, ts_examples, ts_info
from tfk_tokfrag.data.video_files import VIDEO_FILE_SUFFIXES
from tfk_tokfrag.data.video_folder import CLIP_SUFFIXES, scan_clips, video_folder

__all__ = [
    "AUDIO_SUFFIXES",
    "CLIP_SUFFIXES",
    "IMAGE_SUFFIXES",
    "SPLIT_FOLDERS",
    "TEXT_SUFFIXES",
    "detect_kind",
    "folder_examples",
    "folder_info",
    "image_folder",
    "looks_like_path",
    "resolve_split",
    "text_folder",
    "video_folder",
]


def looks_like_path(name_or_path) -> bool:
    """Whether `name_or_path` is a path rather than a bare name.

    A `PathLike`, a string with a path separator or starting with `~` or `.`, or the
    name of an existing folder. `load_dataset` reads a registered dataset name as a
    name even when a folder of that name exists (`registry.is_folder`).
    """
    if isinstance(name_or_path, os.PathLike):
        return True
    if not isinstance(name_or_path, str):
        return False
    if "/" in name_or_path or os.sep in name_or_path or name_or_path.startswith(("~", ".")):
        return True
    return os.path.isdir(name_or_path) or os.path.isfile(name_or_path)


def detect_kind(root) -> str:
    """`"image"`, `"text"`, `"audio"` or `"video"`, from the files of the class folders."""
    folders, _ = class_folders(root, None)
    for folder in folders:
        entries = sorted(os.listdir(folder))
        if any(e.lower().endswith(IMAGE_SUFFIXES) for e in entries):
            return "image"
        if any(e.lower().endswith(TEXT_SUFFIXES) for e in entries):
            return "text"
        if any(e.lower().endswith(AUDIO_SUFFIXES) for e in entries):
            return "audio"
        if any(
            e.lower().endswith(CLIP_SUFFIXES + VIDEO_FILE_SUFFIXES)
            or os.path.isdir(os.path.join(folder, e))
            for e in entries
        ):
            return "video"
    raise ValueError(
        f"Cannot tell what {os.fspath(root)} holds: no image ({', '.join(IMAGE_SUFFIXES)}), "
        "text (.txt), audio (.wav) or clip (video files, .npy or a folder of frames) "
        "files in its class folders."
    )


def folder_examples(
    root: str | os.PathLike,
    split: str = "train",
    *,
    image_size: int | Sequence[int] | None = None,
    num_frames: int | None = None,
    return_lengths: bool = False,
    class_names: Sequence[str] | None = None,
    sample_rate: int | None = None,
    num_samples: int | None = None,
    fps: float | None = None,
    on_error: str = "raise",
    channels: int | None = None,
    input_context: tf.distribute.InputContext | None = None,
    holdout: float | None = None,
) -> tf.data.Dataset:
    """Unbatched `(inputs, label)` of a path's split, its format detected (see above).

    Args:
        root: TFRecords, a `.ts` archive folder or file, an IDX folder, or a folder of
            class folders (or of split folders of class folders).
        split: the split to read; a class-folder tree without split folders is
            `"train"`.
        image_size: images and video frames: `(height, width)` (or an int) to resize to.
        num_frames: videos: keep this many evenly spaced frames per clip.
        return_lengths: videos, audio and series: the inputs become a dict with the
            examples and their int32 `"length"` (before any padding).
        class_names: the classes to read, in label order (default: all).
        sample_rate: audio: resample every clip to this rate (Hz).
        num_samples: audio: crop or zero-pad every clip to this many samples.
        fps: video files: sample every clip at this frame rate while decoding.
        on_error: folders of images, clips and audio: a file that cannot be read
            (empty, truncated, damaged, or not what its name says): `"raise"` stops
            with an error naming it and what is wrong; `"skip"` leaves it out, and the
            skipped files are counted and listed in one `TokfragWarning`. TFRecords
            and `.ts` files always stop at a damaged file, naming it.
        channels: image and video folders: decode to 1 (grey) or 3 (RGB) channels;
            `None`: the files' own (RGB for video files).
        input_context: sharded TFRecords only: read the files of this input
            pipeline (`read_tfrecords`); other formats are split by a strategy's data
            sharding instead.
        holdout: class folders without split folders: the fraction of each class's
            files that is the `"test"` split, the rest being `"train"`
            (`class_folders.resolve_split`).
    """
    if input_context is not None and not is_tfrecord_source(root):
        raise ValueError(
            "input_context (reading a worker's own files) applies to sharded TFRecords "
            f"only; {os.fspath(root)!r} is not. Let the strategy split it by data."
        )
    if channels is not None and channels not in (1, 3):
        raise ValueError(f"channels must be None, 1 or 3. Received: channels={channels!r}")
    if holdout is not None and (
            is_tfrecord_source(root) or is_ts_source(root) or is_idx_folder(root)):
        raise ValueError(
            f"holdout splits class folders without split folders; {os.fspath(root)!r} "
            "is TFRecords, a .ts archive or an IDX folder, which have their own splits."
        )
    if is_tfrecord_source(root):
        if class_names is not None:
            raise ValueError("class_names does not apply to TFRecords: they store labels.")
        return tfrecord_examples(root, split, image_size=image_size, num_frames=num_frames,
                                 return_lengths=return_lengths, input_context=input_context)
    if is_ts_source(root):
        return ts_examples(root, split, return_lengths=return_lengths, class_names=class_names)[0]
    if is_idx_folder(root):
        return idx_folder(root, split, image_size=image_size, class_names=class_names)[0]
    root, part = resolve_split(root, split, holdout)
    kind = detect_kind(root)
    if kind == "image":
        return image_folder(root, image_size=image_size, class_names=class_names,
                            channels=channels, on_error=on_error, holdout_part=part)[0]
    if kind == "text":
        return text_folder(root, class_names=class_names, holdout_part=part)[0]
    if kind == "audio":
        ds, _ = audio_folder(root, sample_rate=sample_rate, num_samples=num_samples,
                             class_names=class_names, on_error=on_error, holdout_part=part)
        with_length = audio_with_length
    else:
        ds, _ = video_folder(root, image_size=image_size, num_frames=num_frames,
                             class_names=class_names, fps=fps, on_error=on_error,
                             channels=channels, holdout_part=part)
        with_length = _ops.video_with_length
    if return_lengths:
        ds = ds.map(lambda x, y: (with_length(x), y), num_parallel_calls=tf.data.AUTOTUNE)
    return ds


def folder_info(root: str | os.PathLike) -> dict:
    """`dataset_info` for a folder: kind, class names and counts (nothing decoded)."""
    if is_tfrecord_source(root):
        return tfrecord_info(root)
    root = os.path.expanduser(os.fspath(root))
    if not os.path.exists(root):
        raise FileNotFoundError(f"Dataset folder does not exist: {root}")
    if is_ts_source(root):
        return ts_info(root)
    if is_idx_folder(root):
        return idx_info(root)
    splits = [s for s in SPLIT_FOLDERS if os.path.isdir(os.path.join(root, s))]
    split_roots = {s: os.path.join(root, s) for s in splits} or {"train": root}
    kind = detect_kind(next(iter(split_roots.values())))
    if kind == "audio":
        return audio_info(root)
    sizes, class_names = {}, None
    for split, split_root in split_roots.items():
        if kind == "video":
            frame_clips, npy_clips, file_clips, names = scan_clips(split_root, None)
            sizes[split] = len(frame_clips) + len(npy_clips) + len(file_clips)
        else:
            suffixes = IMAGE_SUFFIXES if kind == "image" else TEXT_SUFFIXES
            paths, _, names = scan_files(split_root, suffixes, None, kind)
            sizes[split] = len(paths)
        class_names = class_names or tuple(names)
    shapes = {"image": (None, None, None), "text": (), "video": (None, None, None, None)}
    return {
        "name": root,
        "source": "folder",
        "modalities": (kind,),
        "inputs": {kind: {"shape": shapes[kind], "dtype": "string" if kind == "text" else "uint8"}},
        "label": "class folder",
        "num_classes": len(class_names),
        "class_names": class_names,
        "splits": sizes,
        "description": f"{kind} files per class folder in {root}.",
    }

