"""`load_dataset`: one call from a dataset name or a folder to batched `(inputs, label)`."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

import tensorflow as tf

from tfk_tokfrag import _validation
from tfk_tokfrag.data import registry
from tfk_tokfrag.data._bad_files import check_on_error
from tfk_tokfrag.data.class_folders import check_holdout
from tfk_tokfrag.data.digits import DEFAULT_SEED
from tfk_tokfrag.data.folders import folder_examples
from tfk_tokfrag.data.pipeline import (  # noqa: F401 (their old home)
    MEMORY_CACHE_LIMIT_BYTES,
    SHUFFLE_BUFFER_LIMIT_BYTES,
    batch_pipeline,
)
from tfk_tokfrag.data.tfds_sources import tfds_examples


def load_dataset(
    name_or_path: str | os.PathLike,
    split: str = "train",
    batch_size: int = 32,
    *,
    shuffle: bool | None = None,
    seed: int = DEFAULT_SEED,
    data_dir: str | os.PathLike | None = None,
    map_fn: Callable | None = None,
    cache: bool | str = True,
    image_size: int | Sequence[int] | None = None,
    num_frames: int | None = None,
    drop_remainder: bool = False,
    return_lengths: bool = False,
    shuffle_buffer: int | None = None,
    class_names: Sequence[str] | None = None,
    download: bool = False,
    shuffle_epoch: tf.Variable | None = None,
    sample_rate: int | None = None,
    num_samples: int | None = None,
    fps: float | None = None,
    on_error: str = "raise",
    channels: int | None = None,
    input_context: tf.distribute.InputContext | None = None,
    holdout: float | None = None,
) -> tf.data.Dataset:
    """A batched, prefetched `tf.data.Dataset` of `(inputs, label)` for training.

    `inputs` is an image (uint8 `(batch, H, W, C)`), text (string `(batch,)`) or video
    (uint8 `(batch, T, H, W, C)`) tensor, or a dict of them for multimodal datasets
    (`digit_scenes`: `{"image", "text", "video"}`). Labels are int64 `(batch,)`.

    The pipeline: decode and preprocess (parallel; `tfds_examples` for names,
    `folders.folder_examples` for folders) -> `batch_pipeline`: `cache` -> seeded
    `shuffle` (reshuffled every epoch) -> `batch` (`padded_batch` with zeros when clips
    have different lengths) -> `map_fn` on each batch's inputs (parallel, order kept) ->
    `prefetch`.

    What it reads, one line each (a name is looked up first, then a path's format is
    detected by `tfk_tokfrag.data.folders`):

    * a registered name (`list_datasets()`): the offline builders `digits`,
      `moving_digits`, `digit_scenes`; `fashion_mnist` (Debian's IDX files, offline);
      TFDS `mnist`, `cifar10`, `imdb_reviews`, `ucf101`, `moving_mnist` if prepared;
    * image class folders (`.png .jpg .jpeg .gif .bmp`) -> uint8 `(H, W, C)`;
    * text class folders (`.txt`, one example per file) -> string;
    * video class folders: video files (`.mp4 .avi .mov .mkv .webm .m4v`, decoded with
      PyAV, sampled while decoding), folders of frame images, or `.npy` uint8 arrays
      -> uint8 `(T, H, W, C)`;
    * audio class folders (`.wav`: PCM 8-32 bit or float) -> float32
      `(samples, channels)`, resampled in-graph to `sample_rate`, cut or padded to
      `num_samples`;
    * a UCR/UEA time-series archive problem (`<Name>_TRAIN.ts` / `<Name>_TEST.ts`) or
      one `.ts` file -> float32 `(time, channels)` (`NaN` where missing);
    * an MNIST-style IDX folder (`train-images-idx3-ubyte[.gz]`, ...) -> uint8
      `(H, W, 1)`;
    * sharded TFRecords written by `write_tfrecords` (`prefix-*-of-*.tfrecord`, the
      prefix, or their folder): parallel interleave, decoded in-graph.

    Variable-length examples (clips, audio, series) are zero-padded at the end of the
    time axis to the longest of the batch. `return_lengths=True` makes the inputs a
    dict with the examples (`"video"`, `"audio"` or `"series"`) and their int32
    `"length"` before padding, so a model can mask them.

    Args:
        name_or_path: a name from `list_datasets()`, or a path in one of the formats
            above (see `tfk_tokfrag.data.folders`; the format is detected).
        split: `"train"`, `"test"`, ... For folders: `root/<split>/` if the folder has
            split folders, else the whole folder is the `"train"` split (or, with
            `holdout`, `"train"` and `"test"` are parts of it).
        batch_size: examples per batch.
        shuffle: shuffle the examples; default `True` for `"train"` splits only.
        seed: the shuffling seed (and the moving_mnist permutations).
        data_dir: TFDS data folder; default `$TFK_TOKFRAG_DATA_DIR`, else TFDS's
            (`~/tensorflow_datasets`). Offline datasets are generated there on first
            use.
        map_fn: applied to each batch's inputs in `Dataset.map` with parallel calls,
            e.g. a tokenizer layer (`WordTokenizer`, `PixelTokenizer`) to tokenize in
            the pipeline instead of in the model.
        cache: `True`: cache the decoded examples in memory when they fit (estimated
            at most 1 GiB); a string: cache into that file prefix; `False`: never.
        image_size: `(height, width)` (or an int) to resize images and frames to.
        num_frames: keep this many evenly spaced frames per clip.
        drop_remainder: drop the last, smaller batch.
        return_lengths: `moving_digits` and video folders: inputs become
            `{"video", "length"}` (int32 true lengths, before padding). Ignored elsewhere.
        shuffle_buffer: shuffle buffer size in examples; default: the whole split
            when cached in memory, else as many examples as fit in ~256 MiB.
        class_names: folders only: the class folders to read, in label order.
        download: TFDS datasets only: let TFDS download a dataset that is missing
            from `data_dir` (off by default: nothing is ever downloaded silently).
        shuffle_epoch: an int64 `tf.Variable` holding the current epoch: the order
            of each pass is then a function of `seed` and that epoch, so a resumed
            run sees the order of an uninterrupted one (see `batch_pipeline`;
            `tfk_tokfrag.training.EpochVariable` keeps it up to date in `fit`).
        sample_rate: audio folders: resample every clip to this rate (Hz).
        num_samples: audio folders: crop or zero-pad every clip to this many samples.
        fps: video files: sample every clip at this frame rate while decoding (with
            `num_frames`, a cap on the frames kept); a long clip is never held decoded.
        on_error: folders of images, clips and audio, for a file that cannot be read
            (empty, truncated, damaged, or not what its name says): `"raise"` stops
            the pass with an error naming it and what is wrong; `"skip"` leaves it
            out, and the skipped files are counted and listed in one `TokfragWarning`
            (the number of examples is then unknown, so `cache=True` does not cache
            in memory). TFRecords and `.ts` files always stop at a damaged file,
            naming it.
        channels: image and video folders: decode to 1 (grey) or 3 (RGB) channels;
            `None`: the files' own (RGB for video files).
        input_context: sharded TFRecords only: this input pipeline reads its own
            whole files (`input_pipeline_id`, `input_pipeline_id + n`, ... of the
            sorted shards; `tf.distribute.InputContext`), as each worker of a cluster
            does in `train_model`.
        holdout: class folders without split folders: the fraction of each class's
            files that forms the `"test"` split (e.g. `0.2`); `"train"` is the rest,
            `"all"` everything. Files are assigned by a hash of their names (the
            same on every machine, stratified by class, no seed; see
            `class_folders.in_holdout_part`), so the two splits never share a file.

    Returns:
        A `tf.data.Dataset` of `(inputs, label)` batches.

    Example:
        >>> ds = load_dataset("digits", "test", batch_size=64)  # built offline once
        >>> images, labels = next(iter(ds))
        >>> tuple(images.shape), images.dtype.name, tuple(labels.shape)
        ((64, 8, 8, 1), 'uint8', (64,))
    """
    # Argument errors first, before any file is read or dataset generated.
    _validation.positive_int("batch_size", batch_size)
    _validation.positive_int("shuffle_buffer", shuffle_buffer, allow_none=True)
    check_on_error(on_error)
    check_holdout(holdout)
    if shuffle is None:
        shuffle = split.split("[")[0] == "train"

    if registry.is_folder(name_or_path):
        ds = folder_examples(
            name_or_path,
            split,
            image_size=image_size,
            num_frames=num_frames,
            return_lengths=return_lengths,
            class_names=class_names,
            sample_rate=sample_rate,
            num_samples=num_samples,
            fps=fps,
            on_error=on_error,
            channels=channels,
            input_context=input_context,
            holdout=holdout,
        )
    else:
        if holdout is not None:
            raise ValueError("holdout only applies to folders without split folders, "
                             "not to named datasets (they have their splits).")
        if class_names is not None:
            raise ValueError("class_names only applies to folders, not to named datasets.")
        if channels is not None:
            raise ValueError("channels only applies to folders, not to named datasets.")
        if input_context is not None:
            raise ValueError("input_context applies to sharded TFRecords, not to named "
                             "datasets (a strategy splits those by data).")
        ds = tfds_examples(
            name_or_path,
            split,
            data_dir=data_dir,
            image_size=image_size,
            num_frames=num_frames,
            return_lengths=return_lengths,
            download=download,
            seed=seed,
        )
    return batch_pipeline(
        ds,
        batch_size,
        shuffle=shuffle,
        seed=seed,
        map_fn=map_fn,
        cache=cache,
        drop_remainder=drop_remainder,
        shuffle_buffer=shuffle_buffer,
        shuffle_epoch=shuffle_epoch,
    )
