"""The streaming vocabulary trainer behind `WordTokenizer.adapt` (TensorFlow only).

Token counts (and, for TF-IDF, document counts) are summed batch by batch, so the
data never has to fit in memory; the vocabulary is then ranked as
`TextVectorization.adapt` ranks it.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Iterable

import numpy as np
import tensorflow as tf

from tfk_tokfrag.layers import _text_ops


def make_count_function(
    tokenize: Callable[[tf.Tensor], tf.RaggedTensor], count_documents: bool
) -> tf.types.experimental.PolymorphicFunction:
    """A `tf.function`: a batch of strings -> (distinct tokens, counts, document counts).

    Args:
        tokenize: rank-1 strings -> ragged string tokens.
        count_documents: whether to count in how many strings each token occurs
            (TF-IDF needs it); otherwise the document counts are zeros.
    """

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def count(batch):
        """Distinct tokens, their counts, and in how many strings each is."""
        tokens = tokenize(batch)
        unique, index, counts = tf.unique_with_counts(tokens.flat_values, out_idx=tf.int64)
        if not count_documents:
            return unique, counts, tf.zeros_like(counts)
        num_unique = tf.size(unique, out_type=tf.int64)
        pairs, _ = tf.unique(tokens.value_rowids() * num_unique + index)
        document_counts = tf.math.bincount(
            pairs % num_unique, minlength=num_unique, maxlength=num_unique,
            dtype=tf.int64,
        )
        return unique, counts, document_counts

    return count


def compute_vocabulary(
    data,
    count_function: Callable,
    *,
    batch_size: int,
    steps: int | None = None,
    min_frequency: int = 1,
    max_size: int | None = None,
    exclude: Iterable[str] = (),
    idf: bool = False,
) -> tuple[list[str], np.ndarray | None]:
    """Counts the tokens of `data` batch by batch and ranks them.

    Args:
        data: a `tf.data.Dataset` of strings (batched or not), a list / NumPy array
            of strings, or any iterable of strings or of batches of them.
        count_function: from `make_count_function`.
        batch_size: strings per step when `data` is a list, an array or an iterable
            of single strings.
        steps: stop after this many batches (`None`: the whole of `data`).
        min_frequency: tokens seen fewer times are left out.
        max_size: keep at most this many tokens (`None`: all).
        exclude: tokens never to keep (those of the reserved ids).
        idf: also return each token's inverse document frequency.

    Returns:
        The tokens, most frequent first (ties in reverse byte order of the token,
        exactly as `TextVectorization.adapt`), and with `idf` their inverse document
        frequencies `log(1 + documents / (1 + documents with the token))` (float64),
        else `None`.
    """
    counts: collections.Counter = collections.Counter()
    document_counts: collections.Counter = collections.Counter()
    num_documents = 0
    for i, batch in enumerate(iter_string_batches(data, batch_size)):
        if steps is not None and i >= steps:
            break
        tokens, batch_counts, batch_document_counts = count_function(batch)
        tokens = tokens.numpy().tolist()
        counts.update(dict(zip(tokens, batch_counts.numpy().tolist(), strict=True)))
        if idf:
            document_counts.update(
                dict(zip(tokens, batch_document_counts.numpy().tolist(), strict=True))
            )
            num_documents += int(batch.shape[0])
    for token in exclude:
        counts.pop(token.encode("utf-8"), None)
    items = [(c, t) for t, c in counts.items() if c >= min_frequency]
    # TextVectorization: np.lexsort((tokens, counts))[::-1] -> count descending,
    # ties broken by the token bytes, descending.
    items.sort(reverse=True)
    if max_size is not None:
        items = items[:max_size]
    tokens = [t.decode("utf-8") for _, t in items]
    if not idf:
        return tokens, None
    # TextVectorization's inverse document frequency, in float64.
    df = np.array([document_counts[t] for _, t in items], np.float64)
    return tokens, np.log(1.0 + num_documents / (1.0 + df))


def iter_string_batches(data, batch_size: int):
    """Yields rank-1 string batches from datasets, arrays, lists and iterables."""

    def flat(batch):
        batch = tf.convert_to_tensor(batch)
        _text_ops.check_string_dtype(batch.dtype)
        return tf.reshape(batch, [-1])

    if isinstance(data, tf.data.Dataset):
        if data.element_spec.shape.rank == 0:
            data = data.batch(batch_size)
        for batch in data:
            yield flat(batch)
        return
    if isinstance(data, str | bytes):
        yield flat([data])
        return
    if isinstance(data, np.ndarray) or tf.is_tensor(data) or isinstance(
        data, list | tuple
    ):
        data = data if not tf.is_tensor(data) else data.numpy()
        n = len(data)
        for start in range(0, n, batch_size):
            chunk = data[start:start + batch_size]
            yield flat(np.asarray(chunk, dtype=object).reshape(-1))
        return
    pending = []
    for item in data:
        if isinstance(item, str | bytes):
            pending.append(item)
            if len(pending) == batch_size:
                yield flat(np.asarray(pending, dtype=object))
                pending = []
        else:
            yield flat(item)
    if pending:
        yield flat(np.asarray(pending, dtype=object))
