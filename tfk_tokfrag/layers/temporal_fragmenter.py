"""`TemporalFragmenter`: sequences along a time axis -> fragments (clips) or tubelets."""

from __future__ import annotations

import math

import keras
import tensorflow as tf


def _is_positive_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _check_bool(name: str, value) -> None:
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be a bool. Received: {name}={value!r}")


def _dim(x, axis: int):
    """Static size of `axis` if known, else a scalar int32 tensor."""
    static = x.shape[axis]
    return int(static) if static is not None else tf.shape(x)[axis]


def _frame_size(x):
    """Elements per frame of `x` (batch, time, *frame): an int if known, else a tensor.

    (Not `-1` in a reshape, which fails on an empty batch.)
    """
    frame = x.shape[2:]
    if frame.is_fully_defined():
        return math.prod(int(d) for d in frame)
    return tf.reduce_prod(tf.shape(x)[2:])


def _is_static(*values) -> bool:
    return all(isinstance(v, int) for v in values)


def _num_candidates(time, length: int, stride: int, pad_end: bool):
    """Fragments cut from `time` frames (Python ints or int32 tensors), at least 1.

    As `tf.signal.frame`: `ceil(time / stride)` with `pad_end`, else
    `(time - length) // stride + 1`; but never fewer than one fragment.
    """
    if pad_end:
        count = (time + stride - 1) // stride
    else:
        count = (time - length) // stride + 1
    if _is_static(count):
        return max(count, 1)
    return tf.maximum(count, 1)


def _fit_time(x, time, target, pad_value):
    """Pads (with `pad_value`) or crops the time axis 1 of `x` to `target` frames."""
    if _is_static(time, target):
        if time == target:
            return x
        if time > target:
            return x[:, :target]
        paddings = [[0, 0], [0, target - time]] + [[0, 0]] * (x.shape.rank - 2)
        return tf.pad(x, paddings, constant_values=pad_value)
    extra = tf.maximum(target - time, 0)
    paddings = tf.concat(
        [[[0, 0]], [[0, extra]], tf.zeros([x.shape.rank - 2, 2], tf.int32)], axis=0
    )
    x = tf.pad(x, paddings, constant_values=pad_value)
    return x[:, :target]


@keras.saving.register_keras_serializable(package="tfk_tokfrag")
class TemporalFragmenter(keras.layers.Layer):
    """Cuts sequences along their time axis into fragments, optionally tubelets.

    Works on video `(batch, time, height, width, channels)`, feature sequences
    `(batch, time, features)` and raw signals `(batch, time)`; in general on any
    `(batch, time, *frame)`, where the rank of one frame is `frame_rank`. Fragment
    `i` holds frames `i * fragment_stride` to `i * fragment_stride +
    fragment_length - 1`, the same frames as `tf.signal.frame(x, fragment_length,
    fragment_stride, pad_end=pad_end, pad_value=pad_value, axis=1)`, with one
    difference: a clip shorter than one fragment is never an error and never gives
    zero fragments; it is padded with `pad_value` to one whole fragment (also when
    `pad_end=False`). The time dimension may be unknown until call time.

    Non-overlapping fragments (`fragment_stride >= fragment_length`, the default
    being equal) are cut by a reshape, which costs no copy when the clip length is
    a multiple of the stride; overlapping ones are copied by one gather of
    blocks of `gcd(fragment_length, fragment_stride)` frames.

    Segment sampling, as in Temporal Segment Networks (Wang et al., 2016): with
    `num_fragments=K`, the fragments the layer would otherwise cut (the candidate
    start positions `0, fragment_stride, 2 * fragment_stride, ...`) are split into
    `K` equal segments and one fragment is taken from each. In training each
    fragment is drawn uniformly at random within its segment (independently per
    clip, with `keras.random` and the layer's seed); at inference it is the one at
    the segment centre. The output then always has exactly `K` fragments; a clip
    with fewer than `K` candidates repeats some. Use `fragment_stride=1` to let
    every frame be a start position.

    With `patch_size`, each fragment of a video is further cut into
    `(fragment_length, patch_height, patch_width)` tubelets (the video counterpart
    of `PixelTokenizer`, as in ViViT's tubelet embedding): tubelets come in
    row-major patch order, each flattened in `(time, patch_height, patch_width,
    channels)` row-major order. Rows and columns of pixels that do not fill a whole
    patch are dropped.

    With `return_mask=True` the layer returns a dict whose masks follow the Keras
    convention (True = real data), so `fragment_mask` can be passed as `mask=` to a
    following recurrent layer. A frame is padding when it lies past the end of the
    clip: past the time dimension of the input or, when the `lengths` call argument
    gives each clip's true length, past that length (with `lengths_from_padding`,
    past the clip's last frame that is not all `pad_value`). A fragment is masked out
    only when all its frames are padding.

    Integer inputs (such as uint8 video) keep their dtype unless `output_dtype` is
    set; float inputs are cast to the layer's compute dtype as usual in Keras (so
    under `mixed_float16` the fragments are float16). A single unbatched example
    `(time, *frame)` gives the fragments without a batch axis, so the layer works
    in `tf.data.Dataset.map` before or after batching. The layer uses TensorFlow
    ops (it is meant for the TensorFlow backend, `tf.data` and SavedModels).

    Args:
        fragment_length: frames per fragment, a positive int.
        fragment_stride: hop between the starts of consecutive fragments, a
            positive int; `None` (the default) means `fragment_length`
            (non-overlapping fragments). Smaller gives overlap, larger gaps.
        pad_end: if True, the last fragments may run past the end of the clip and
            are padded with `pad_value` (`ceil(time / fragment_stride)`
            fragments); if False (the default) the frames that do not fill a
            fragment are dropped (`(time - fragment_length) // fragment_stride + 1`
            fragments). Either way at least one fragment is returned.
        pad_value: the value of padded frames, an int or a float, cast to the
            dtype of the fragments.
        num_fragments: if set, the number `K` of fragments to sample per clip
            (segment sampling, see above); `None` (the default) returns every
            fragment.
        patch_size: if set, an int or a pair `(patch_height, patch_width)`: cut
            each fragment of a video into tubelets. Needs `frame_rank` 3 (or None).
        frame_rank: the rank of one frame: 0 for signals `(batch, time)`, 1 for
            feature sequences `(batch, time, features)`, 3 for video `(batch, time,
            height, width, channels)`. It tells a batch from a single example,
            which the rank alone cannot (a batch of signals and one feature
            sequence are both rank 2). `None` (the default) infers it when the
            layer is built, taking the first input to be batched (3 with
            `patch_size`); set it when the layer first sees single examples, as
            in `Dataset.map` before `batch()`.
        return_mask: if True, return a dict of fragments and masks instead of
            the fragments alone.
        output_dtype: if set, the dtype the fragments are cast to (the input is
            cast first, so padding is exact); `None` (the default) keeps the input
            dtype, after Keras' usual cast of float inputs to the compute dtype.
        seed: an int seed for the random segment sampling in training, or None.
        lengths_from_padding: if True and no `lengths` are given, each clip ends
            at its last frame holding anything but `pad_value`: the trailing frames
            that `Dataset.padded_batch` adds to shorter clips (zeros) are masked
            out, as `keras.layers.Masking` does for time steps. A clip that really
            ends in frames that are all `pad_value` (e.g. black) loses them too.
        **kwargs: base layer arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: a batch `(batch, time, *frame)` or one example `(time, *frame)`.
        lengths: optional int tensor `(batch,)` (a scalar for one example): the
            true length of each clip of a batch padded to a common length. Frames
            past it are padding: they take `pad_value` and are masked out, so a
            clip gives the same fragments however far its batch was padded; and
            segment sampling picks among each clip's own fragments.
        training: in training, segment sampling is random; else deterministic.

    Input shape:
        `(batch, time, *frame)` or `(time, *frame)` with `len(frame) ==
        frame_rank`; `time` may be unknown.

    Output shape:
        Fragments `(batch, num_fragments, fragment_length, *frame)`, or with
        `patch_size`, `(batch, num_fragments, num_patches, fragment_length *
        patch_height * patch_width * channels)` where `num_patches = (height //
        patch_height) * (width // patch_width)`. With `return_mask`, a dict
        `{"fragments": ..., "fragment_mask": bool (batch, num_fragments),
        "frame_mask": bool (batch, num_fragments, fragment_length)}`. Without the
        batch axis for a single example.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from tfk_tokfrag.layers.temporal_fragmenter import TemporalFragmenter
    >>> signal = np.arange(8, dtype="float32")[None]  # (batch=1, time=8)
    >>> frames = TemporalFragmenter(4, fragment_stride=2)(signal)
    >>> np.asarray(frames)[0].tolist()
    [[0.0, 1.0, 2.0, 3.0], [2.0, 3.0, 4.0, 5.0], [4.0, 5.0, 6.0, 7.0]]
    >>> out = TemporalFragmenter(3, pad_end=True, return_mask=True)(
    ...     signal, lengths=np.array([5]))
    >>> tuple(out["fragments"].shape)
    (1, 3, 3)
    >>> np.asarray(out["fragment_mask"]).tolist()
    [[True, True, False]]
    >>> padded = np.array([[1, 2, 3, 4, 5, 0, 0, 0, 0]], "float32")  # 5 + padding
    >>> out = TemporalFragmenter(3, pad_end=True, return_mask=True,
    ...                          lengths_from_padding=True)(padded)
    >>> np.asarray(out["fragment_mask"]).tolist()
    [[True, True, False]]
    >>> video = np.zeros((2, 20, 8, 8, 3), "uint8")
    >>> clips = TemporalFragmenter(4, num_fragments=3, patch_size=4)(video)
    >>> tuple(clips.shape), clips.dtype.name
    ((2, 3, 4, 192), 'uint8')
    >>> inputs = keras.Input((None, 6))  # Variable-length feature sequences.
    >>> out = TemporalFragmenter(4, frame_rank=1, return_mask=True)(inputs)
    >>> summary = keras.layers.Reshape((-1, 24))(out["fragments"])
    >>> state = keras.layers.LSTM(8)(summary, mask=out["fragment_mask"])
    >>> tuple(keras.Model(inputs, state)(np.ones((2, 13, 6))).shape)
    (2, 8)
    """

    def __init__(
        self,
        fragment_length: int,
        fragment_stride: int | None = None,
        pad_end: bool = False,
        pad_value: int | float = 0,
        num_fragments: int | None = None,
        patch_size: int | tuple[int, int] | None = None,
        frame_rank: int | None = None,
        return_mask: bool = False,
        output_dtype: str | None = None,
        seed: int | None = None,
        lengths_from_padding: bool = False,
        **kwargs,
    ):
        if not _is_positive_int(fragment_length):
            raise ValueError(
                "fragment_length must be a positive int. "
                f"Received: fragment_length={fragment_length!r}"
            )
        if fragment_stride is not None and not _is_positive_int(fragment_stride):
            raise ValueError(
                "fragment_stride must be a positive int or None. "
                f"Received: fragment_stride={fragment_stride!r}"
            )
        _check_bool("pad_end", pad_end)
        if (
            isinstance(pad_value, bool)
            or not isinstance(pad_value, int | float)
            or (isinstance(pad_value, float) and math.isnan(pad_value))
        ):
            raise ValueError(
                "pad_value must be an int or a (non-NaN) float. "
                f"Received: pad_value={pad_value!r}"
            )
        if num_fragments is not None and not _is_positive_int(num_fragments):
            raise ValueError(
                "num_fragments must be a positive int or None. "
                f"Received: num_fragments={num_fragments!r}"
            )
        if patch_size is None:
            patch_hw = None
        elif _is_positive_int(patch_size):
            patch_hw = (patch_size, patch_size)
        elif (
            isinstance(patch_size, list | tuple)
            and len(patch_size) == 2
            and all(_is_positive_int(v) for v in patch_size)
        ):
            patch_size = patch_hw = tuple(patch_size)
        else:
            raise ValueError(
                "patch_size must be a positive int, a pair of them, or None. "
                f"Received: patch_size={patch_size!r}"
            )
        if frame_rank is not None and (
            isinstance(frame_rank, bool) or not isinstance(frame_rank, int)
            or frame_rank < 0
        ):
            raise ValueError(
                "frame_rank must be a non-negative int (0 for signals, 1 for "
                f"features, 3 for video) or None. Received: frame_rank={frame_rank!r}"
            )
        if patch_size is not None and frame_rank not in (None, 3):
            raise ValueError(
                "patch_size cuts video frames (height, width, channels), so it "
                f"needs frame_rank=3 or None. Received: frame_rank={frame_rank!r} "
                f"with patch_size={patch_size!r}"
            )
        _check_bool("return_mask", return_mask)
        if output_dtype is not None:
            try:
                output_dtype = keras.backend.standardize_dtype(output_dtype)
            except (ValueError, TypeError, AttributeError):
                raise ValueError(
                    "output_dtype must be a dtype name (such as 'float32') or None. "
                    f"Received: output_dtype={output_dtype!r}"
                ) from None
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"seed must be an int or None. Received: seed={seed!r}")
        _check_bool("lengths_from_padding", lengths_from_padding)
        super().__init__(**kwargs)

        self.fragment_length = fragment_length
        self.fragment_stride = fragment_stride
        self.pad_end = pad_end
        self.pad_value = pad_value
        self.num_fragments = num_fragments
        self.patch_size = patch_size
        self.frame_rank = frame_rank
        self.return_mask = return_mask
        self.output_dtype = output_dtype
        self.seed = seed
        self.lengths_from_padding = lengths_from_padding

        self._stride = fragment_stride or fragment_length
        self._patch_hw = patch_hw
        self._frame_rank = 3 if patch_hw is not None and frame_rank is None else (
            frame_rank
        )
        if num_fragments is not None:
            self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = False

    # -- shapes ----------------------------------------------------------------------
    def _check_shape(self, shape):
        """Validates an input shape; returns (shape, frame_rank, unbatched)."""
        shape = tuple(shape)
        frame_rank = self._frame_rank
        if frame_rank is None:  # Not built yet: the input is taken to be batched.
            if len(shape) < 2:
                raise ValueError(
                    "TemporalFragmenter expected inputs of rank at least 2 "
                    f"(batch, time, *frame), received shape {shape}"
                )
            frame_rank = len(shape) - 2
        if len(shape) not in (frame_rank + 1, frame_rank + 2):
            layout = {0: "", 1: ", features", 3: ", height, width, channels"}.get(
                frame_rank, f", <{frame_rank} frame dims>"
            )
            raise ValueError(
                f"TemporalFragmenter expected inputs of rank {frame_rank + 2} "
                f"(batch, time{layout}) or {frame_rank + 1} (time{layout}) with "
                f"frame_rank={frame_rank}, received shape {shape}"
            )
        if self._patch_hw is not None:
            height, width, channels = shape[-3:]
            if channels is None:
                raise ValueError(
                    "TemporalFragmenter with patch_size expected video with a known "
                    "number of channels (batch, time, height, width, channels), "
                    f"received shape {shape}"
                )
            for size, patch, name in zip(
                (height, width), self._patch_hw, ("height", "width"), strict=True
            ):
                if size is not None and size < patch:
                    raise ValueError(
                        f"TemporalFragmenter expected frames at least as large as "
                        f"patch_size={self.patch_size!r}, received shape {shape} "
                        f"({name} {size})"
                    )
        return shape, frame_rank, len(shape) == frame_rank + 1

    def build(self, input_shape):
        _, frame_rank, _ = self._check_shape(input_shape)
        self._frame_rank = frame_rank

    def compute_output_shape(self, input_shape):
        shape, frame_rank, unbatched = self._check_shape(input_shape)
        batch = () if unbatched else (shape[0],)
        time, frame = shape[len(batch)], shape[len(batch) + 1 :]
        if self.num_fragments is not None:
            num = self.num_fragments
        elif time is None:
            num = None
        else:
            num = _num_candidates(
                int(time), self.fragment_length, self._stride, self.pad_end
            )
        length = self.fragment_length
        if self._patch_hw is None:
            fragments = (*batch, num, length, *frame)
        else:
            (ph, pw), (height, width, channels) = self._patch_hw, frame
            patches = (
                None if height is None or width is None
                else (height // ph) * (width // pw)
            )
            fragments = (*batch, num, patches, length * ph * pw * channels)
        if not self.return_mask:
            return fragments
        return {
            "fragments": fragments,
            "fragment_mask": (*batch, num),
            "frame_mask": (*batch, num, length),
        }

    def compute_output_spec(self, inputs, lengths=None, training=None):
        shapes = self.compute_output_shape(inputs.shape)
        dtype = self.output_dtype or keras.backend.standardize_dtype(inputs.dtype)
        if not self.return_mask:
            return keras.KerasTensor(shapes, dtype=dtype)
        return {
            key: keras.KerasTensor(shape, dtype=dtype if key == "fragments" else "bool")
            for key, shape in shapes.items()
        }

    # -- fragments -------------------------------------------------------------------
    def call(self, inputs, lengths=None, training=None):
        shape, _, unbatched = self._check_shape(inputs.shape)
        if inputs.dtype == tf.string:
            raise ValueError(
                "TemporalFragmenter expected numeric inputs, received dtype string "
                f"with shape {shape}"
            )
        x = inputs[tf.newaxis] if unbatched else inputs
        if self.output_dtype is not None and x.dtype != self.output_dtype:
            x = tf.cast(x, self.output_dtype)
        pad_value = tf.cast(self.pad_value, x.dtype)
        if self._patch_hw is not None:
            x = self._crop_to_patches(x)
        batch, time = _dim(x, 0), _dim(x, 1)
        length, stride = self.fragment_length, self._stride
        candidates = _num_candidates(time, length, stride, self.pad_end)

        inferred = lengths is None and self.lengths_from_padding
        if inferred:
            lengths = _content_lengths(x, pad_value)
        if lengths is not None:
            lengths = tf.cast(tf.reshape(lengths, [-1]), tf.int32)
            valid = tf.clip_by_value(lengths, 0, time)  # (batch,)
        else:
            valid = None

        if self.num_fragments is None:
            fragments = self._all_fragments(x, time, candidates, pad_value)
            starts = tf.range(candidates, dtype=tf.int32)[tf.newaxis] * stride
        else:
            starts = self._sample_starts(batch, candidates, valid, training)
            needed = (candidates - 1) * stride + length
            if _is_static(time, needed):
                needed = max(time, needed)
            else:
                needed = tf.maximum(time, needed)
            x = _fit_time(x, time, needed, pad_value)
            # One gather of frames from the rows of a (batch * time, frame) matrix.
            frames = (
                (tf.range(batch) * needed)[:, tf.newaxis, tf.newaxis]
                + starts[:, :, tf.newaxis]
                + tf.range(length)
            )
            matrix = tf.reshape(x, [batch * needed, _frame_size(x)])
            fragments = tf.gather(matrix, tf.reshape(frames, [-1]))
            frame = [_dim(x, i) for i in range(2, x.shape.rank)]
            fragments = tf.reshape(
                fragments, [batch, self.num_fragments, length, *frame]
            )

        if self.return_mask or valid is not None:
            if valid is None:
                valid = tf.fill([batch], tf.convert_to_tensor(time, tf.int32))
            num = self.num_fragments or candidates
            positions = starts[:, :, tf.newaxis] + tf.range(length)
            frame_mask = tf.broadcast_to(
                positions < valid[:, tf.newaxis, tf.newaxis], [batch, num, length]
            )
            fragment_mask = tf.broadcast_to(
                starts < valid[:, tf.newaxis], [batch, num]
            )
        if lengths is not None and not inferred:  # Frames past a clip's end: padding.
            where = tf.reshape(
                frame_mask, [batch, num, length] + [1] * (fragments.shape.rank - 3)
            )
            fragments = tf.where(where, fragments, pad_value)

        if self._patch_hw is not None:
            fragments = self._tubelets(fragments)
        if not self.return_mask:
            return fragments[0] if unbatched else fragments
        outputs = {
            "fragments": fragments,
            "fragment_mask": fragment_mask,
            "frame_mask": frame_mask,
        }
        if unbatched:
            outputs = {key: value[0] for key, value in outputs.items()}
        return outputs

    def _all_fragments(self, x, time, num, pad_value):
        """Every fragment, as `tf.signal.frame` cuts them: (batch, num, length, ...)."""
        length, stride = self.fragment_length, self._stride
        batch = _dim(x, 0)
        frame = [_dim(x, i) for i in range(2, x.shape.rank)]
        if stride >= length:
            # Non-overlapping: blocks of `stride` frames, keep the first `length`.
            x = _fit_time(x, time, num * stride, pad_value)
            blocks = tf.reshape(x, [batch, num, stride, *frame])
            return blocks if stride == length else blocks[:, :, :length]
        # Overlapping: as `tf.signal.frame`, cut the clip into sub-blocks of
        # g = gcd(length, stride) frames; fragment i is sub-blocks i * hop to
        # i * hop + per - 1. One gather on the rows of a (batch * blocks, g * frame)
        # matrix (the fastest gather on CPU) copies them; the clip is cropped only
        # when its length is not a multiple of g, and padded only when it must be.
        g = math.gcd(length, stride)
        per, hop = length // g, stride // g
        needed = (num - 1) * stride + length
        if _is_static(time, needed):
            target = needed if time < needed else time - time % g
        else:
            target = tf.where(time < needed, needed, time - time % g)
        x = _fit_time(x, time, target, pad_value)
        rows = target // g
        matrix = tf.reshape(x, [batch * rows, g * _frame_size(x)])
        index = (
            (tf.range(batch) * rows)[:, tf.newaxis, tf.newaxis]
            + (tf.range(num) * hop)[:, tf.newaxis]
            + tf.range(per)
        )
        fragments = tf.gather(matrix, tf.reshape(index, [-1]))
        return tf.reshape(fragments, [batch, num, length, *frame])

    def _sample_starts(self, batch, candidates, valid, training):
        """TSN segment sampling: start frames (batch, K), one per segment."""
        k = self.num_fragments
        if valid is not None:
            counts = _num_candidates(valid, self.fragment_length, self._stride,
                                     self.pad_end)
        else:
            counts = tf.fill([batch], tf.convert_to_tensor(candidates, tf.int32))
        counts = counts[:, tf.newaxis]  # (batch, 1)
        segment = tf.range(k)[tf.newaxis]  # (1, K)
        if training:
            offset = keras.random.uniform(
                tf.stack([batch, k]), seed=self.seed_generator, dtype="float32"
            )
            position = (tf.cast(segment, tf.float32) + offset) * tf.cast(
                counts, tf.float32
            ) / k
            index = tf.minimum(tf.cast(tf.floor(position), tf.int32), counts - 1)
            # Rounding never leaves the segment: clip to its integer range.
            index = tf.clip_by_value(
                index, segment * counts // k, ((segment + 1) * counts - 1) // k
            )
        else:  # The segment centre, (k + 1/2) * count / K, in exact integers.
            index = (2 * segment + 1) * counts // (2 * k)
        return index * self._stride

    def _crop_to_patches(self, x):
        """Drops rows and columns of pixels that do not fill a whole patch."""
        (ph, pw) = self._patch_hw
        height, width = _dim(x, 2), _dim(x, 3)
        rows, cols = height // ph, width // pw
        if _is_static(height, width) and (rows * ph, cols * pw) == (height, width):
            return x
        return x[:, :, : rows * ph, : cols * pw]

    def _tubelets(self, fragments):
        """(batch, num, length, H, W, C) -> (batch, num, patches, length*ph*pw*C)."""
        (ph, pw) = self._patch_hw
        batch, num, length, height, width, channels = (_dim(fragments, i)
                                                       for i in range(6))
        rows, cols = height // ph, width // pw
        x = tf.reshape(fragments, [batch, num, length, rows, ph, cols, pw, channels])
        x = tf.transpose(x, [0, 1, 3, 5, 2, 4, 6, 7])
        return tf.reshape(x, [batch, num, rows * cols, length * ph * pw * channels])

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "fragment_length": self.fragment_length,
                "fragment_stride": self.fragment_stride,
                "pad_end": self.pad_end,
                "pad_value": self.pad_value,
                "num_fragments": self.num_fragments,
                "patch_size": self.patch_size,
                "frame_rank": self.frame_rank,
                "return_mask": self.return_mask,
                "output_dtype": self.output_dtype,
                "seed": self.seed,
                "lengths_from_padding": self.lengths_from_padding,
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("patch_size"), list):  # JSON turns pairs into lists.
            config["patch_size"] = tuple(config["patch_size"])
        return cls(**config)


def _content_lengths(x, pad_value):
    """(batch,) int32: 1 + the index of each clip's last frame not all `pad_value`."""
    content = tf.not_equal(x, pad_value)
    if x.shape.rank > 2:
        content = tf.reduce_any(content, axis=list(range(2, x.shape.rank)))
    positions = tf.range(1, tf.shape(x)[1] + 1, dtype=tf.int32)
    return tf.reduce_max(tf.where(content, positions[tf.newaxis], 0), axis=1)
