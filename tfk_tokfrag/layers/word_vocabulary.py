"""`WordVocabulary`: the token <-> id tables of a `WordTokenizer` (TensorFlow only)."""

from __future__ import annotations

import gzip
import json
import os
import re

import numpy as np
import tensorflow as tf

from tfk_tokfrag import _validation
from tfk_tokfrag.layers import _text_ops

_OUTPUT_MODES = ("int", "multi_hot", "count", "tf_idf")
# The asset a `.keras` archive holds for each `WordTokenizer`.
# The tokens (and IDF weights) as gzip-compressed UTF-8 JSON: a 65,536 n-gram Chinese
# vocabulary with its weights takes 0.26 MB this way against 2.3 MB as the escaped
# JSON of earlier versions (`LEGACY_VOCABULARY_ASSET`, still read).
VOCABULARY_ASSET = "vocabulary.json.gz"
LEGACY_VOCABULARY_ASSET = "vocabulary.json"


class WordVocabulary(tf.Module):
    """The vocabulary of a `WordTokenizer`: reserved ids, lookup tables, IDF weights.

    What `keras.layers.StringLookup` is to `keras.layers.TextVectorization`: the
    tokenizer standardizes and splits text, this object turns the tokens into ids
    (and back) and ids into bag-of-ids rows. It holds TensorFlow lookup tables, so it
    is a `tf.Module`: the layer that owns it carries it into a SavedModel.

    Ids: 0 is padding, `1..num_oov_buckets` are out-of-vocabulary ids (a token's
    bucket is `tf.strings.to_hash_bucket_fast`, as in `StringLookup`), then one id per
    special token, then the tokens in the order they were given.

    Args:
        max_tokens: the most ids allowed, padding, OOV ids and special tokens
            included (with a bag-of-ids `output_mode`: columns, so padding is not
            counted), or `None` for no limit.
        num_oov_buckets: number of OOV ids (>= 1); more than one hashes OOV tokens.
        oov_token: the string `get_vocabulary()` gives OOV ids.
        special_tokens: tuple of distinct, non-empty strings without white space,
            with ids right after the OOV ids.
        output_mode: `"int"`, `"multi_hot"`, `"count"` or `"tf_idf"`, as in
            `WordTokenizer`: decides whether padding counts towards `max_tokens`,
            what `bag_of_ids` gives and whether IDF weights are kept.
        pad_to_max_tokens: with a bag-of-ids `output_mode`, rows always have
            `max_tokens` columns.
        num_columns: with a bag-of-ids `output_mode`, the width to assume while the
            vocabulary is empty (a layer rebuilt from its config, before its
            vocabulary is loaded back).
        name: the module's name.

    Example:

    >>> vocabulary = WordVocabulary(special_tokens=("[CLS]",))
    >>> vocabulary.set_vocabulary(["the", "cat"])
    >>> vocabulary.get_vocabulary()
    ['', '[UNK]', '[CLS]', 'the', 'cat']
    >>> vocabulary.lookup_ids(tf.constant(["cat", "dog", "[CLS]"])).numpy().tolist()
    [4, 1, 2]
    >>> vocabulary.lookup_tokens(tf.constant([3, 1, 99], tf.int64)).numpy().tolist()
    [b'the', b'[UNK]', b'[UNK]']
    """

    def __init__(
        self,
        max_tokens: int | None = None,
        num_oov_buckets: int = 1,
        oov_token: str = "[UNK]",
        special_tokens: tuple[str, ...] | list[str] | None = None,
        output_mode: str = "int",
        pad_to_max_tokens: bool = False,
        num_columns: int | None = None,
        name: str | None = None,
    ):
        num_oov_buckets = _validation.positive_int("num_oov_buckets", num_oov_buckets)
        if not isinstance(oov_token, str) or not oov_token:
            raise ValueError(
                f"oov_token must be a non-empty string. Received: oov_token={oov_token!r}"
            )
        if isinstance(special_tokens, list):
            special_tokens = tuple(special_tokens)
        if special_tokens is not None and (
            not isinstance(special_tokens, tuple)
            or not all(
                isinstance(t, str) and t and not re.search(r"\s", t)
                for t in special_tokens
            )
            or len(set(special_tokens)) != len(special_tokens)
            or oov_token in special_tokens
        ):
            raise ValueError(
                "special_tokens must be None or a tuple of distinct, non-empty strings "
                "without white space, different from oov_token. "
                f"Received: special_tokens={special_tokens!r}"
            )
        _validation.choice("output_mode", output_mode, _OUTPUT_MODES)
        if not isinstance(pad_to_max_tokens, bool) or (
            pad_to_max_tokens and (output_mode == "int" or max_tokens is None)
        ):
            raise ValueError(
                "pad_to_max_tokens must be a bool, and True only with max_tokens set "
                "and output_mode 'multi_hot', 'count' or 'tf_idf'. Received: "
                f"pad_to_max_tokens={pad_to_max_tokens!r} (output_mode={output_mode!r}, "
                f"max_tokens={max_tokens!r})"
            )
        if num_columns is not None and (
            output_mode == "int" or not _validation.is_positive_int(num_columns)
        ):
            raise ValueError(
                "num_columns must be None, or a positive int with output_mode "
                f"'multi_hot', 'count' or 'tf_idf'. Received: num_columns={num_columns!r} "
                f"(output_mode={output_mode!r})"
            )
        # Reserved ids that count towards max_tokens: the padding id has no column
        # in the bag-of-ids modes, as in TextVectorization.
        num_reserved = (output_mode == "int") + num_oov_buckets + len(special_tokens or ())
        if max_tokens is not None and not (
            _validation.is_int(max_tokens) and max_tokens > num_reserved
        ):
            raise ValueError(
                "max_tokens must be None or an int larger than the number of reserved "
                f"ids (padding with output_mode 'int', OOV, special tokens: "
                f"{num_reserved}). Received: max_tokens={max_tokens!r}"
            )
        super().__init__(name=name)
        # Checked ints (NumPy ones included) are kept as Python ints, for configs.
        self.max_tokens = None if max_tokens is None else int(max_tokens)
        self.num_oov_buckets = num_oov_buckets
        self.oov_token = oov_token
        # Tuples, not lists: a `tf.Module` would wrap a list for tracking.
        self.special_tokens = tuple(special_tokens or ())
        self.output_mode = output_mode
        self.pad_to_max_tokens = pad_to_max_tokens
        self._initial_columns = None if num_columns is None else int(num_columns)
        self._tokens = ()  # the tokens after the reserved ids, public form
        self._idf = None  # tf_idf: one float32 weight per output column
        self.set_vocabulary([], [] if output_mode == "tf_idf" else None)

    # -- the vocabulary --------------------------------------------------------------
    def reserved_tokens(self) -> list[str]:
        """The tokens of the reserved ids: padding `""`, OOV ids, special tokens."""
        return [""] + [self.oov_token] * self.num_oov_buckets + list(self.special_tokens)

    def get_vocabulary(self, include_special_tokens: bool = True) -> list[str]:
        """The vocabulary; with `include_special_tokens`, index == token id."""
        if include_special_tokens:
            return self.reserved_tokens() + list(self._tokens)
        return list(self._tokens)

    def vocabulary_size(self) -> int:
        """Number of ids, padding, OOV ids and special tokens included."""
        return len(self.reserved_tokens()) + len(self._tokens)

    def num_tokens(self) -> int:
        """Number of tokens after the reserved ids (0 before a vocabulary is set)."""
        return len(self._tokens)

    def reserved_keys(self) -> list[str]:
        """The strings tokenization gives that map to reserved ids (not tokens)."""
        placeholders = [_text_ops.special_placeholder(i) for i in range(len(self.special_tokens))]
        return self.reserved_tokens() + placeholders

    def token_capacity(self) -> int | None:
        """How many tokens `max_tokens` leaves room for after the reserved ids."""
        if self.max_tokens is None:
            return None
        return self._max_ids() - len(self.reserved_tokens())

    def num_columns(self) -> int:
        """Width of a bag-of-ids row: id `k + 1` -> column `k` (no padding column)."""
        if self.pad_to_max_tokens:
            return self.max_tokens
        if not self._tokens and self._initial_columns is not None:
            return self._initial_columns  # rebuilt from a config, vocabulary to come
        return self.vocabulary_size() - 1

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Replaces the vocabulary (a list of tokens, reserved prefix optional).

        A leading padding token `""`, OOV tokens and the special tokens, as returned
        by `get_vocabulary()`, are recognised and skipped. With `output_mode="tf_idf"`,
        `idf_weights` gives one weight per entry of `vocabulary`; weights given for a
        reserved prefix (OOV token, special tokens) are used for those ids, which
        otherwise get the mean of the others.
        """
        tokens = [_to_str(t) for t in vocabulary]
        if self.output_mode == "tf_idf":
            if idf_weights is None or len(idf_weights) != len(tokens):
                raise ValueError(
                    "With output_mode='tf_idf', idf_weights must give one weight per "
                    f"vocabulary entry ({len(tokens)}). Received: "
                    f"{'None' if idf_weights is None else len(idf_weights)} weights"
                )
            weights = np.asarray(idf_weights, np.float64).astype(np.float32).reshape(-1)
        elif idf_weights is not None:
            raise ValueError(
                "idf_weights is only used with output_mode='tf_idf'. Received: "
                f"idf_weights with output_mode={self.output_mode!r}"
            )
        # Skip a leading reserved prefix (as returned by get_vocabulary()).
        num_pad = num_oov = num_special = 0
        if tokens[:1] == [""]:
            num_pad = 1
        # (TextVectorization's bag-of-ids vocabularies start at the OOV token.)
        while num_pad + num_oov < len(tokens) and tokens[num_pad + num_oov] == (
            self.oov_token
        ):
            num_oov += 1
        start = num_pad + num_oov
        special = list(self.special_tokens)
        if special and tokens[start: start + len(special)] == special:
            num_special = len(special)
        if self.output_mode == "tf_idf":
            token_weights = weights[start + num_special:]
            mean = np.mean(token_weights, dtype=np.float32) if len(token_weights) else 0.0
            reserved = np.full(self._num_reserved_columns(), mean, np.float32)
            oov = weights[num_pad:start][: self.num_oov_buckets]
            reserved[: len(oov)] = oov
            reserved[self.num_oov_buckets: self.num_oov_buckets + num_special] = (
                weights[start: start + num_special]
            )
        self._set_tokens(tokens[start + num_special:])
        if self.output_mode == "tf_idf":
            self._set_idf(np.concatenate([reserved, token_weights]))

    # -- in the graph ----------------------------------------------------------------
    def lookup_ids(self, tokens: tf.Tensor) -> tf.Tensor:
        """String tokens (as tokenization gives them) -> int64 ids, same shape."""
        ids = self._lookup_table.lookup(tokens)
        if self.num_oov_buckets == 1:
            return ids  # the table's default value is the OOV id
        oov = tf.strings.to_hash_bucket_fast(tokens, self.num_oov_buckets) + 1
        return tf.where(tf.equal(ids, -1), oov, ids)

    def lookup_tokens(self, ids: tf.Tensor) -> tf.Tensor:
        """int64 ids -> their tokens; ids outside the vocabulary give `oov_token`."""
        size = tf.cast(tf.shape(self._inverse_vocabulary)[0], tf.int64)
        ids = tf.where((ids >= 0) & (ids < size), ids, 1)
        return tf.gather(self._inverse_vocabulary, ids)

    def bag_of_ids(self, ids: tf.RaggedTensor) -> tf.Tensor:
        """(batch, None) ids -> (batch, columns): multi-hot, counts or TF-IDF."""
        width = self.num_columns()
        counts = tf.math.bincount(
            ids - 1, minlength=width, maxlength=width, axis=-1, dtype=tf.int64,
            binary_output=self.output_mode == "multi_hot",
        )
        counts.set_shape([ids.shape[0], width])  # bincount of ragged loses it in graphs
        if self.output_mode != "tf_idf":
            return counts
        return tf.cast(counts, tf.float32) * tf.constant(self._idf, tf.float32)

    # -- assets ----------------------------------------------------------------------
    def save_assets(self, dir_path: str) -> None:
        """Writes the tokens (and IDF weights) to `dir_path/vocabulary.json.gz`."""
        # JSON, not one token per line: tokens may hold newlines, tabs, any Unicode.
        state = {"tokens": list(self._tokens)}
        if self._idf is not None:
            state["idf_weights"] = self._idf[: self._num_reserved_columns() + len(
                self._tokens)].tolist()  # float32 values: exact as JSON doubles
        text = json.dumps(state, ensure_ascii=False).encode("utf-8")
        with open(os.path.join(dir_path, VOCABULARY_ASSET), "wb") as f:
            f.write(gzip.compress(text, mtime=0))  # the same bytes for the same state
        legacy = os.path.join(dir_path, LEGACY_VOCABULARY_ASSET)
        if os.path.exists(legacy):  # re-saved over an older folder: replaced
            os.remove(legacy)

    def load_assets(self, dir_path: str) -> None:
        """Reads back what `save_assets` wrote (nothing happens without the file), or
        the plain `vocabulary.json` of earlier versions."""
        path = os.path.join(dir_path, VOCABULARY_ASSET)
        legacy = os.path.join(dir_path, LEGACY_VOCABULARY_ASSET)
        if os.path.exists(path):
            with open(path, "rb") as f:
                state = json.loads(gzip.decompress(f.read()).decode("utf-8"))
        elif os.path.exists(legacy):
            with open(legacy, encoding="utf-8") as f:
                state = json.load(f)
        else:
            return
        if isinstance(state, list):  # written before output_mode existed
            state = {"tokens": state}
        idf = state.get("idf_weights")
        if idf is not None:  # per column: the reserved ones first
            self._set_tokens(state["tokens"])
            self._set_idf(np.asarray(idf, np.float32))
        else:
            self.set_vocabulary(state["tokens"])

    # -- internals -------------------------------------------------------------------
    def _max_ids(self) -> int:
        """Most ids `max_tokens` allows, padding included."""
        return self.max_tokens + (self.output_mode != "int")

    def _num_reserved_columns(self) -> int:
        """Columns of the reserved ids in the bag-of-ids modes: OOV ids, specials."""
        return self.num_oov_buckets + len(self.special_tokens)

    def _set_idf(self, column_weights: np.ndarray) -> None:
        """One float32 weight per output column, zeros past the vocabulary."""
        width = self.num_columns()
        weights = np.zeros(width, np.float32)
        weights[: len(column_weights)] = column_weights[:width]
        self._idf = weights

    def _set_tokens(self, tokens: list[str]) -> None:
        """Checks the tokens (reserved prefix removed) and builds the lookup tables."""
        reserved = self.reserved_tokens()
        bad = [t for t in tokens if t == "" or t == self.oov_token]
        if bad:
            raise ValueError(
                "vocabulary must not contain the padding token '' or the OOV token "
                f"{self.oov_token!r} after the reserved prefix. "
                f"Received: vocabulary containing {bad[0]!r}"
            )
        seen = set(self.special_tokens)
        for token in tokens:
            if token in seen:
                raise ValueError(
                    "vocabulary must not repeat a token (or a special token). "
                    f"Received: vocabulary with {token!r} twice"
                )
            seen.add(token)
        if self.max_tokens is not None and len(reserved) + len(tokens) > self._max_ids():
            raise ValueError(
                f"vocabulary has {len(reserved) + len(tokens)} ids with the reserved "
                f"ones, more than max_tokens={self.max_tokens} allows"
                + ("" if self.output_mode == "int" else " (padding not counted)") + "."
            )
        self._tokens = tuple(tokens)
        start = len(reserved)
        keys = _text_ops.internal_forms(tokens, self.special_tokens)
        values = list(range(start, start + len(tokens)))
        for i, text in enumerate(self.special_tokens):
            special_id = 1 + self.num_oov_buckets + i
            keys += [_text_ops.special_placeholder(i), text]
            values += [special_id, special_id]
        # A sentinel key (never produced by tokenization: plane-16 private-use
        # code points are replaced) keeps the table non-empty before `adapt`.
        keys.append(chr(0x10FFFF))
        values.append(1)
        with tf.init_scope():
            self._lookup_table = tf.lookup.StaticHashTable(
                tf.lookup.KeyValueTensorInitializer(
                    tf.constant(keys, tf.string), tf.constant(values, tf.int64)
                ),
                default_value=1 if self.num_oov_buckets == 1 else -1,
            )
            self._inverse_vocabulary = tf.constant(self.get_vocabulary(), tf.string)


def standardize_vocabulary_arguments(vocabulary, idf_weights, output_mode: str):
    """Checks `WordTokenizer`'s `vocabulary` and `idf_weights` arguments.

    Returns them as a list of strings, a file path or `None`, and a list of numbers
    or `None` (arrays and tuples become lists, as a layer config holds them).
    """
    if isinstance(idf_weights, np.ndarray | tf.Tensor):
        idf_weights = np.asarray(idf_weights).tolist()
    if idf_weights is not None and (
        output_mode != "tf_idf"
        or not isinstance(idf_weights, list | tuple)
        or not all(isinstance(w, float | int | np.number) and not isinstance(w, bool)
                   for w in idf_weights)
    ):
        raise ValueError(
            "idf_weights must be None, or a list of numbers with "
            f"output_mode='tf_idf'. Received: idf_weights={idf_weights!r} "
            f"(output_mode={output_mode!r})"
        )
    if idf_weights is not None and vocabulary is None:
        raise ValueError(
            "idf_weights goes with a given vocabulary (adapt() learns both). "
            "Received: idf_weights without a vocabulary"
        )
    if output_mode == "tf_idf" and vocabulary is not None and idf_weights is None:
        raise ValueError(
            "idf_weights is required when output_mode is 'tf_idf' and a vocabulary "
            "is given (or call adapt() instead). Received: idf_weights=None"
        )
    if isinstance(vocabulary, np.ndarray):
        vocabulary = [_to_str(t) for t in vocabulary.tolist()]
    if vocabulary is not None and not isinstance(vocabulary, list | tuple | str):
        raise ValueError(
            "vocabulary must be None, a list of strings or a file path. "
            f"Received: vocabulary={vocabulary!r}"
        )
    if isinstance(vocabulary, str) and not os.path.isfile(vocabulary):
        raise ValueError(
            "vocabulary is a string, so it must be the path of an existing file "
            f"with one token per line. Received: vocabulary={vocabulary!r}"
        )
    if isinstance(vocabulary, tuple):
        vocabulary = list(vocabulary)
    return vocabulary, list(idf_weights) if idf_weights is not None else None


def read_vocabulary_file(path: str) -> list[str]:
    """The tokens of a UTF-8 text file with one token per line (`\\r\\n` too)."""
    with open(path, encoding="utf-8") as f:
        tokens = f.read().split("\n")
    tokens = [t[:-1] if t.endswith("\r") else t for t in tokens]
    while tokens and tokens[-1] == "":
        tokens.pop()
    return tokens


def _to_str(token) -> str:
    if isinstance(token, bytes):
        return token.decode("utf-8")
    if not isinstance(token, str):
        raise ValueError(
            f"vocabulary must hold strings. Received: a token {token!r} "
            f"of type {type(token).__name__}"
        )
    return token
