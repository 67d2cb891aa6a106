"""`TemporalFragmenter`: sequences along a time axis -> fragments (clips) or tubelets."""

from __future__ import annotations

import math

import keras
import tensorflow as tf

from tfk_tokfrag import _validation
from tfk_tokfrag.layers import _fragment_ops as ops
from tfk_tokfrag.layers._shapes import dim, maximum


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
    `fragment_count(time)` and `fragment_starts(time)` give, as plain ints, the
    fragments the layer cuts from a clip of `time` frames.

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
        pad_value: the value of padded frames, an int or a float that the
            fragments' dtype holds: an integer in range for integer dtypes (0 to
            255 for uint8), a value in the finite range for floats. Calling the
            layer with a dtype that cannot hold it raises a `ValueError` (never a
            wrapped or truncated padding value).
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
            segment sampling picks among each clip's own fragments. Lengths past
            the time dimension count as the whole clip; float lengths raise a
            `TypeError` and negative ones fail a `tf.debugging` assertion
            (`InvalidArgumentError`; XLA-compiled functions skip assertions).
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
        fragment_length = _validation.positive_int("fragment_length", fragment_length)
        if fragment_stride is not None and not _validation.is_positive_int(fragment_stride):
            raise ValueError(
                "fragment_stride must be a positive int or None. "
                f"Received: fragment_stride={fragment_stride!r}"
            )
        _validation.check_bool("pad_end", pad_end)
        if not _validation.is_real(pad_value) or math.isnan(pad_value):
            raise ValueError(
                "pad_value must be an int or a (non-NaN) float. "
                f"Received: pad_value={pad_value!r}"
            )
        if num_fragments is not None and not _validation.is_positive_int(num_fragments):
            raise ValueError(
                "num_fragments must be a positive int or None. "
                f"Received: num_fragments={num_fragments!r}"
            )
        try:
            patch_size, patch_hw = _validation.int_or_pair(
                "patch_size", patch_size, allow_none=True
            )
        except ValueError:
            raise ValueError(
                "patch_size must be a positive int, a pair of them, or None. "
                f"Received: patch_size={patch_size!r}"
            ) from None
        if frame_rank is not None and (not _validation.is_int(frame_rank) or frame_rank < 0):
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
        _validation.check_bool("return_mask", return_mask)
        if output_dtype is not None:
            try:
                output_dtype = keras.backend.standardize_dtype(output_dtype)
            except (ValueError, TypeError, AttributeError):
                raise ValueError(
                    "output_dtype must be a dtype name (such as 'float32') or None. "
                    f"Received: output_dtype={output_dtype!r}"
                ) from None
        seed = _validation.int_or_none("seed", seed)
        _validation.check_bool("lengths_from_padding", lengths_from_padding)
        super().__init__(**kwargs)

        # Checked ints (NumPy ones included) are stored as Python ints, for the config.
        fragment_stride, num_fragments, frame_rank = (
            None if value is None else int(value)
            for value in (fragment_stride, num_fragments, frame_rank)
        )
        self.fragment_length = fragment_length
        self.fragment_stride = fragment_stride
        self.pad_end = pad_end
        self.pad_value = _validation.plain_number(pad_value)
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
    def fragment_count(self, time: int) -> int:
        """How many fragments the layer outputs for a clip of `time` frames.

        `num_fragments` when set; else `ceil(time / fragment_stride)` with `pad_end`
        and `(time - fragment_length) // fragment_stride + 1` without, but at least
        one. The layer's graph counts with the same function.

        Args:
            time: the clip length in frames, an int >= 0.

        Returns:
            A plain int.

        Example:

        >>> TemporalFragmenter(4, fragment_stride=2).fragment_count(9)
        3
        >>> TemporalFragmenter(4, fragment_stride=2, pad_end=True).fragment_count(9)
        5
        """
        time = _validation.non_negative_int("time", time)
        if self.num_fragments is not None:
            return self.num_fragments
        return ops.num_candidates(time, self.fragment_length, self._stride, self.pad_end)

    def fragment_starts(self, time: int) -> tuple[int, ...]:
        """The first frame of each fragment the layer cuts from a clip of `time` frames.

        Fragment `i` holds frames `starts[i]` to `starts[i] + fragment_length - 1`;
        those at or past `time` are padding. With `num_fragments`, these are the
        fragments taken at inference (the segment centres); in training each is
        drawn at random within its segment.

        Args:
            time: the clip length in frames, an int >= 0.

        Returns:
            A tuple of `fragment_count(time)` plain ints.

        Example:

        >>> TemporalFragmenter(4, fragment_stride=2, pad_end=True).fragment_starts(9)
        (0, 2, 4, 6, 8)
        >>> TemporalFragmenter(4, fragment_stride=1, num_fragments=2).fragment_starts(9)
        (1, 4)
        """
        time = _validation.non_negative_int("time", time)
        candidates = ops.num_candidates(time, self.fragment_length, self._stride, self.pad_end)
        indices = range(candidates)
        if self.num_fragments is not None:
            k = self.num_fragments
            indices = [ops.segment_centres(segment, candidates, k) for segment in range(k)]
        return tuple(index * self._stride for index in indices)

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
            num = ops.num_candidates(
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
        ops.check_pad_value(self.pad_value, dtype)
        if hasattr(lengths, "dtype"):
            ops.check_lengths_dtype(lengths.dtype)
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
        ops.check_pad_value(self.pad_value, x.dtype)
        pad_value = tf.cast(self.pad_value, x.dtype)
        if self._patch_hw is not None:
            x = ops.crop_to_patches(x, self._patch_hw)
        batch, time = dim(x, 0), dim(x, 1)
        length, stride = self.fragment_length, self._stride
        candidates = ops.num_candidates(time, length, stride, self.pad_end)

        inferred = lengths is None and self.lengths_from_padding
        if inferred:
            lengths = ops.content_lengths(x, pad_value)
        if lengths is not None:
            lengths = ops.checked_lengths(lengths)
            valid = tf.clip_by_value(lengths, 0, time)  # (batch,)
        else:
            valid = None

        num = self.num_fragments or candidates
        if self.num_fragments is None:
            fragments = ops.all_fragments(x, time, num, length, stride, pad_value)
            starts = tf.range(num, dtype=tf.int32)[tf.newaxis] * stride
        else:
            if valid is not None:  # Each clip samples among its own fragments.
                counts = ops.num_candidates(valid, length, stride, self.pad_end)
            else:
                counts = tf.fill([batch], tf.convert_to_tensor(candidates, tf.int32))
            index = ops.sample_segments(batch, counts, num, training, self.seed_generator)
            starts = index * stride
            needed = maximum(time, (candidates - 1) * stride + length)
            fragments = ops.gather_fragments(x, time, starts, num, length, needed, pad_value)

        if self.return_mask or valid is not None:
            if valid is None:
                valid = tf.fill([batch], tf.convert_to_tensor(time, tf.int32))
            frame_mask, fragment_mask = ops.masks(starts, batch, num, length, valid)
        if lengths is not None and not inferred:  # Frames past a clip's end: padding.
            where = tf.reshape(
                frame_mask, [batch, num, length] + [1] * (fragments.shape.rank - 3)
            )
            fragments = tf.where(where, fragments, pad_value)

        if self._patch_hw is not None:
            fragments = ops.tubelets(fragments, self._patch_hw)
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

