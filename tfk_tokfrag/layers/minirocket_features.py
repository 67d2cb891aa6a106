"""`MiniRocketFeatures`: MiniRocket's random-bias dilated-kernel features, in-graph."""

from __future__ import annotations

import itertools

import keras
import numpy as np
import tensorflow as tf

from tfk_tokfrag import _validation
from tfk_tokfrag.layers._adapt_data import first_batches

KERNEL_LENGTH = 9
# MiniRocket's 84 kernels: weight -1 at the 9 taps and 2 at three of them (C(9, 3)).
_TAPS_AT_TWO = tuple(itertools.combinations(range(KERNEL_LENGTH), 3))
NUM_KERNELS = len(_TAPS_AT_TWO)


def kernel_weights() -> np.ndarray:
    """MiniRocket's 84 kernels as a `(9, 84)` float32 array of -1s and 2s."""
    weights = -np.ones((KERNEL_LENGTH, NUM_KERNELS), "float32")
    for kernel, taps in enumerate(_TAPS_AT_TWO):
        weights[list(taps), kernel] = 2.0
    return weights


def golden_quantiles(count: int) -> np.ndarray:
    """MiniRocket's low-discrepancy quantiles: `(i * golden ratio) % 1`, i = 1..count."""
    return (np.arange(1, count + 1) * ((np.sqrt(5) + 1) / 2)) % 1


def dilations_for(series_length: int, num_dilations: int) -> np.ndarray:
    """`num_dilations` dilations, exponentially spaced from 1 to the largest at which a
    kernel of 9 taps still spans the series (MiniRocket's, repeats kept: a dilation
    that repeats gets that many shares of the features, as MiniRocket's counts do)."""
    max_exponent = max(np.log2(max(series_length - 1, 1) / (KERNEL_LENGTH - 1)), 0.0)
    return np.floor(np.logspace(0, max_exponent, num_dilations, base=2)).astype("int32")


@keras.saving.register_keras_serializable(package="tfk_tokfrag")
class MiniRocketFeatures(keras.layers.Layer):
    """MiniRocket's features of a (multivariate) series: what fraction of each dilated
    kernel's outputs exceeds each of its biases, a fixed, non-trainable transform.

    MiniRocket (Dempster, Schmidt and Webb, 2021) convolves a series with 84 fixed
    kernels of 9 taps (weights -1 and 2) at exponentially spaced dilations, and for
    each kernel and dilation counts the proportion of positive values (PPV) of the
    output minus a few biases; the biases are quantiles of that kernel's output on
    random training series, so `adapt` must see the training data before the
    features mean anything (as MiniRocket's `fit`). Every second kernel and dilation
    counts only the outputs whose window lies inside the series (MiniRocket's
    alternating padding). Multivariate series: each kernel and dilation sums a random
    subset of the channels (as `MiniRocketMultivariate`). The features come out
    standardized with the mean and standard deviation `adapt` measured (constant
    ones as zeros), ready for a linear classifier.

    Unequal lengths: each series counts only its first `length` steps (zeros are
    assumed past it, as `Dataset.padded_batch` pads), so a series gives the same
    features alone or in a padded batch.

    Differences from sktime's MiniRocket: the dilations are spread over
    `max_dilations_per_kernel` slots with repeats kept (instead of unique dilations
    with a feature count each: the same allocation), and the random draws differ, so
    features match MiniRocket's in kind and number, not value by value.

    Args:
        num_features: features wanted; rounded down to a multiple of 84 (MiniRocket's
            default 10,000 gives 9,996).
        max_dilations_per_kernel: dilation slots (at most `num_features // 84`).
        seed: seed of the random choices (training series for the biases, channel
            subsets).
        **kwargs: base layer arguments, such as `name`.

    Call arguments:
        inputs: float series `(batch, time, channels)`.
        lengths: optional int `(batch,)`: each series' real length (default: `time`).

    Input shape:
        `(batch, time, channels)`, or one series `(time, channels)` (as in
        `Dataset.map` before batching); `time` may be unknown, `channels` known.

    Output shape:
        `(batch, output_dim)` (or `(output_dim,)` for one series), in the layer's
        compute dtype; the kernels and comparisons always run in float32 (a
        comparison in float16 would move the features).

    Example:

    >>> import numpy as np
    >>> series = np.random.default_rng(0).normal(size=(8, 50, 1)).astype("float32")
    >>> layer = MiniRocketFeatures(num_features=840, seed=0)
    >>> layer.adapt(series)
    >>> layer(series).shape
    TensorShape([8, 840])
    """

    def __init__(self, num_features: int = 10_000, max_dilations_per_kernel: int = 32,
                 seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        _validation.positive_int("num_features", num_features)
        if num_features < NUM_KERNELS:
            raise ValueError(
                f"num_features must be at least {NUM_KERNELS} (one per kernel). "
                f"Received: num_features={num_features!r}"
            )
        _validation.positive_int("max_dilations_per_kernel", max_dilations_per_kernel)
        _validation.non_negative_int("seed", seed)
        self.num_features = int(num_features)
        self.max_dilations_per_kernel = int(max_dilations_per_kernel)
        self.seed = int(seed)
        per_kernel = self.num_features // NUM_KERNELS
        self.num_slots = min(per_kernel, self.max_dilations_per_kernel)
        # Features per kernel in each dilation slot: as even as possible, the first
        # slots (the smallest dilations) taking the remainder, as MiniRocket does.
        base, extra = divmod(per_kernel, self.num_slots)
        self.slot_features = tuple(base + (slot < extra) for slot in range(self.num_slots))
        # Where each slot's features (and biases) start: slot, then kernel, then bias.
        self._slot_starts = np.cumsum((0,) + self.slot_features[:-1]) * NUM_KERNELS
        self.output_dim = NUM_KERNELS * per_kernel
        self.supports_masking = False
        self._kernel_weights = kernel_weights()

    @property
    def is_adapted(self) -> bool:
        """Whether `adapt` has set the dilations, biases and feature statistics."""
        return self.built and bool(self.adapted.numpy())

    def build(self, input_shape):
        _check_rank(input_shape)
        channels = int(input_shape[-1])
        self.channels = channels
        # Fixed state, read in float32 under any dtype policy (autocast off).
        def state(name, shape, initializer, dtype="float32"):
            return self.add_weight(name=name, shape=shape, initializer=initializer,
                                   dtype=dtype, trainable=False, autocast=False)

        self.channel_mask = state(
            "channel_mask", (self.num_slots, NUM_KERNELS, channels),
            keras.initializers.Constant(self._channel_subsets(channels)),
        )
        self.dilations = state("dilations", (self.num_slots,), "ones", "int32")
        self.biases = state("biases", (self.output_dim,), "zeros")
        self.feature_mean = state("feature_mean", (self.output_dim,), "zeros")
        self.feature_std = state("feature_std", (self.output_dim,), "ones")
        self.adapted = state("adapted", (), "zeros", "int32")

    def _channel_subsets(self, channels: int) -> np.ndarray:
        """`(slots, 84, channels)` 0/1: the channels each kernel and dilation sums
        (all of them for one channel; else `MiniRocketMultivariate`'s random subsets
        of 1 to 9 channels, more often few)."""
        mask = np.zeros((self.num_slots, NUM_KERNELS, channels), "float32")
        if channels == 1:
            mask[...] = 1.0
            return mask
        rng = np.random.default_rng(self.seed + 1)
        limit = np.log2(min(channels, KERNEL_LENGTH) + 1)
        for slot in range(self.num_slots):
            for kernel in range(NUM_KERNELS):
                count = int(2 ** rng.uniform(0, limit))
                mask[slot, kernel, rng.choice(channels, count, replace=False)] = 1.0
        return mask

    # === The transform ===

    def _slot_outputs(self, padded, time, pad, dilation, channel_mask):
        """Kernel outputs at one dilation, each kernel summing the channels of
        `channel_mask` `(84, channels)`: `(batch, time, 84)`."""
        taps = (tf.range(KERNEL_LENGTH) - KERNEL_LENGTH // 2) * dilation
        positions = pad + tf.range(time)[:, tf.newaxis] + taps[tf.newaxis, :]
        windows = tf.gather(padded, positions, axis=1)  # (batch, time, 9, channels)
        kernels = (tf.constant(self._kernel_weights)[:, tf.newaxis, :]
                   * tf.transpose(channel_mask)[tf.newaxis])  # (9, ch, 84)
        return tf.einsum("btjc,jck->btk", windows, kernels)

    def _padded(self, inputs, lengths):
        """The series zeroed past their lengths and zero-padded on both sides for the
        largest dilation: `(padded, pad, time, lengths, steps (1, time), inside
        (batch, time))`."""
        inputs = tf.cast(inputs, tf.float32)
        time = tf.shape(inputs)[1]
        if lengths is None:
            lengths = tf.fill(tf.shape(inputs)[:1], time)
        lengths = tf.clip_by_value(tf.cast(tf.reshape(lengths, [-1]), tf.int32), 0, time)
        steps = tf.range(time)[tf.newaxis, :]
        inside = steps < lengths[:, tf.newaxis]
        inputs = inputs * tf.cast(inside, tf.float32)[..., tf.newaxis]
        pad = (KERNEL_LENGTH // 2) * tf.reduce_max(self.dilations)
        padded = tf.pad(inputs, [[0, 0], [pad, pad], [0, 0]])
        return padded, pad, time, lengths, steps, inside

    def _slot_groups(self):
        """The dilation slots grouped by their number of biases per kernel (at most two
        groups, MiniRocket's allocation being as even as possible): `[(slots, count)]`,
        and for each feature, in feature order (slot, kernel, bias), its column in the
        groups' counts laid end to end (each group `(its slots, 84, count)`)."""
        groups = [([s for s, c in enumerate(self.slot_features) if c == count], count)
                  for count in sorted(set(self.slot_features), reverse=True)]
        where, offset = {}, 0
        for slots, count in groups:
            for i, slot in enumerate(slots):
                where[slot] = offset + i * NUM_KERNELS * count
            offset += len(slots) * NUM_KERNELS * count
        columns = np.concatenate([
            where[slot] + np.arange(NUM_KERNELS * count)
            for slot, count in enumerate(self.slot_features)])
        return groups, columns.astype("int32")

    def _raw_features(self, inputs, lengths):
        padded, pad, time, lengths, steps, inside = self._padded(inputs, lengths)
        # Every second kernel and slot: only windows inside the series count.
        alternate = (np.arange(NUM_KERNELS)[np.newaxis] + np.arange(self.num_slots)[:, np.newaxis]
                     ) % 2 == 1  # (slots, 84)

        def slot_counts(args):
            dilation, channel_mask, biases, slot_alternate = args
            outputs = self._slot_outputs(padded, time, pad, dilation, channel_mask)
            edge = (KERNEL_LENGTH // 2) * dilation
            interior = (steps >= edge) & (steps < lengths[:, tf.newaxis] - edge)
            valid = tf.where(slot_alternate[tf.newaxis, :, tf.newaxis],
                             interior[:, tf.newaxis, :], inside[:, tf.newaxis, :])
            # Time last (contiguous reductions); steps that do not count at -inf.
            outputs = tf.where(valid, tf.transpose(outputs, (0, 2, 1)), -np.inf)
            above = outputs[:, :, tf.newaxis, :] > biases[tf.newaxis, :, :, tf.newaxis]
            counts = tf.reduce_sum(tf.cast(above, tf.float32), axis=-1)  # (batch, 84, f)
            totals = tf.maximum(tf.reduce_sum(tf.cast(valid, tf.float32), axis=-1), 1.0)
            return counts / totals[..., tf.newaxis]

        # One loop over the dilation slots of each group (not one copy of the ops per
        # slot): the graph, and so tracing, saving and loading, stays the size of two.
        groups, columns = self._slot_groups()
        shares = []
        for slots, count in groups:
            biases = tf.stack([
                tf.reshape(self.biases[self._slot_starts[slot]:
                                       self._slot_starts[slot] + NUM_KERNELS * count],
                           (NUM_KERNELS, count)) for slot in slots])
            group = tf.map_fn(
                slot_counts,
                (tf.gather(self.dilations, slots), tf.gather(self.channel_mask, slots),
                 biases, tf.constant(alternate[slots])),
                fn_output_signature=tf.float32,
            )  # (slots, batch, 84, count)
            shares.append(tf.reshape(tf.transpose(group, (1, 0, 2, 3)),
                                     (tf.shape(group)[1], -1)))
        return tf.gather(tf.concat(shares, axis=1), columns, axis=1)

    def call(self, inputs, lengths=None):
        one_series = len(inputs.shape) == 2
        if one_series:
            inputs = inputs[tf.newaxis]
            lengths = None if lengths is None else tf.reshape(lengths, [1])
        features = self._raw_features(inputs, lengths)
        features = (features - self.feature_mean) / self.feature_std
        features = tf.cast(features, self.compute_dtype)
        return features[0] if one_series else features

    def compute_output_shape(self, input_shape):
        _check_rank(input_shape)
        if len(input_shape) == 2:
            return (self.output_dim,)
        return (input_shape[0], self.output_dim)

    # === Adapt: dilations from the length, biases from training series ===

    def adapt(self, data, lengths=None, batch_size: int = 256, max_examples: int = 20_000):
        """Fits the dilations, biases and feature statistics on training series.

        Args:
            data: series `(n, time, channels)` (a NumPy array or tensor), or a
                `tf.data.Dataset` of batches of series or of `(series, lengths)`.
            lengths: with an array, the real length of each series (default: all of
                `time`).
            batch_size: batch size for computing the features' statistics.
            max_examples: at most this many series are read.
        """
        series, lengths = _collect_series(data, lengths, max_examples)
        if not self.built:
            self.build((None, None, series.shape[-1]))
        if series.shape[-1] != self.channels:
            raise ValueError(
                f"MiniRocketFeatures was built for {self.channels} channels; adapt "
                f"received series with {series.shape[-1]}."
            )
        rng = np.random.default_rng(self.seed)
        longest = int(lengths.max())
        self.dilations.assign(dilations_for(longest, self.num_slots))
        quantiles = golden_quantiles(self.output_dim)
        biases = np.zeros(self.output_dim, "float32")
        for slot, count in enumerate(self.slot_features):
            chosen = rng.integers(len(series), size=NUM_KERNELS)
            padded, pad, time, *_ = self._padded(series[chosen], lengths[chosen])
            outputs = self._slot_outputs(padded, time, pad, self.dilations[slot],
                                         self.channel_mask[slot]).numpy()
            for kernel, example in enumerate(chosen):
                own = outputs[kernel, :lengths[example], kernel]
                at = self._slot_starts[slot] + kernel * count
                biases[at:at + count] = np.quantile(own, quantiles[at:at + count])
        self.biases.assign(biases)
        features = np.concatenate([
            self._raw_features(series[i:i + batch_size], lengths[i:i + batch_size]).numpy()
            for i in range(0, len(series), batch_size)
        ])
        std = features.std(axis=0)
        self.feature_mean.assign(features.mean(axis=0))
        self.feature_std.assign(np.where(std > 1e-6, std, 1.0).astype("float32"))
        self.adapted.assign(1)

    def get_config(self):
        config = super().get_config()
        config.update({
            "num_features": self.num_features,
            "max_dilations_per_kernel": self.max_dilations_per_kernel,
            "seed": self.seed,
        })
        return config


def _check_rank(input_shape) -> None:
    if len(input_shape) not in (2, 3) or input_shape[-1] is None:
        raise ValueError(
            "MiniRocketFeatures expected series (batch, time, channels) or one series "
            "(time, channels), with a known number of channels; received shape "
            f"{tuple(input_shape)}"
        )


def _collect_series(data, lengths, max_examples: int):
    """`(series (n, time, channels) float32, lengths (n,) int)` from an array or a
    dataset of batches (zero-padded to the longest series)."""
    if isinstance(data, tf.data.Dataset):
        if lengths is not None:
            raise ValueError("Pass lengths inside the dataset, as (series, lengths) batches.")
        parts, part_lengths = [], []
        for batch in first_batches(data, max_examples, "MiniRocketFeatures.adapt"):
            if isinstance(batch, tuple):
                x, batch_lengths = batch[0], batch[1].reshape(-1)
            else:
                x, batch_lengths = batch, np.full(len(batch), batch.shape[1])
            parts.append(x)
            part_lengths.append(batch_lengths)
        longest = max(part.shape[1] for part in parts)
        series = np.concatenate([
            np.pad(part, [(0, 0), (0, longest - part.shape[1]), (0, 0)]) for part in parts
        ])
        lengths = np.concatenate(part_lengths)
    else:
        series = np.asarray(data)
    if series.ndim != 3 or not len(series):
        raise ValueError(
            "MiniRocketFeatures.adapt expected series (n, time, channels), received "
            f"shape {series.shape}"
        )
    if lengths is None:
        lengths = np.full(len(series), series.shape[1])
    lengths = np.asarray(lengths).reshape(-1)
    series, lengths = series[:max_examples].astype("float32"), lengths[:max_examples]
    lengths = np.clip(lengths.astype("int64"), 1, series.shape[1])
    return series, lengths
