"""`WordTokenizer`: raw strings -> integer token ids, in-graph (TensorFlow only)."""

from __future__ import annotations

import collections
import json
import os
import re

import keras
import numpy as np
import tensorflow as tf

from tfk_tokfrag.layers import _text_ops

_STANDARDIZE = (None, "lower", "strip_punctuation", "lower_and_strip_punctuation")
_NORMALIZATION = (None, "nfkc")
_SPLIT = ("whitespace", "cjk", "character")
_SIDES = ("left", "right")
_OUTPUT_MODES = ("int", "multi_hot", "count", "tf_idf")
_VOCAB_ASSET = "vocabulary.json"


@keras.saving.register_keras_serializable(package="tfk_tokfrag")
class WordTokenizer(keras.layers.Layer):
    """Tokenizes raw strings into integer word ids, entirely in the TensorFlow graph.

    The layer standardizes, splits and looks up text with `tf.strings` ops and a
    `tf.lookup.StaticHashTable`, so a model that starts with it (and its exported
    SavedModel) takes raw text. It is TensorFlow-only: it works in any Keras 3 model
    run with the TensorFlow backend, inside `tf.data.Dataset.map` and `tf.function`.

    Processing order: invalid UTF-8 is replaced by U+FFFD; `special_tokens` found in
    the raw text are cut out (never standardized or split); `normalization`;
    `standardize`; `split`; `ngrams`; vocabulary lookup; padding/truncation.

    Compared with `keras.layers.TextVectorization` (whose ids it reproduces for
    ASCII-cased text with ASCII punctuation): lower-casing is Unicode-aware ("É" ->
    "é"), punctuation stripping removes all Unicode punctuation and symbols
    (`\\p{P}`, `\\p{S}`, so "，。！？「」" too; with `split="cjk"` each becomes a
    space, as punctuation is where words end in unspaced CJK text), white space
    includes Unicode spaces (U+00A0, U+3000, ...), and it adds CJK splitting, NFKC,
    special tokens, hashed OOV buckets, `min_frequency`, left padding/truncation and
    `detokenize`.

    Ids: 0 is padding, `1..num_oov_buckets` are out-of-vocabulary ids (a token's
    bucket is `tf.strings.to_hash_bucket_fast`, as in `StringLookup`), then one id per
    special token, then the vocabulary, most frequent first (ties in reverse byte
    order of the token, exactly as `TextVectorization.adapt`).

    Args:
        max_tokens: maximum size of the vocabulary including padding, OOV ids and
            special tokens, or `None` for no limit. Only used by `adapt`.
        min_frequency: tokens seen fewer times than this during `adapt` are left out.
        vocabulary: `None` (then call `adapt`), a list of tokens, or the path of a
            UTF-8 text file with one token per line. A leading padding token `""`,
            OOV tokens and the special tokens, as returned by `get_vocabulary()`,
            are recognised and skipped.
        standardize: `None`, `"lower"`, `"strip_punctuation"` or
            `"lower_and_strip_punctuation"`.
        normalization: `None` or `"nfkc"` (applied before `standardize`; built from
            TensorFlow core ops, see `tfk_tokfrag.layers._text_ops` for exactly what
            it covers).
        split: `"whitespace"`, `"cjk"` (like whitespace, but every Han, Hiragana,
            Katakana and Hangul character is a token of its own, while Latin words
            and numbers stay whole) or `"character"` (every code point, spaces
            included, like `TextVectorization(split="character")`).
        ngrams: `None`, an int `n` (all n-grams up to `n`) or a tuple of n-gram
            widths, joined with a space, as in `TextVectorization`.
        sequence_length: int, to pad or truncate the output to `(batch,
            sequence_length)`, or `None` for a `tf.RaggedTensor` of ids.
        padding_side: `"right"` or `"left"`.
        truncation_side: `"right"` (keep the first tokens) or `"left"` (keep the
            last tokens).
        num_oov_buckets: number of OOV ids (>= 1); more than one hashes OOV tokens.
        oov_token: the string `get_vocabulary()` and `detokenize` give OOV ids.
        special_tokens: tuple of strings (e.g. `("[CLS]", "[SEP]", "[MASK]")`) with
            ids right after the OOV ids. In the input text they are matched
            literally, before standardization, and always form one token. They must
            be non-empty and free of white space.
        mask_zero: if `True` (and `sequence_length` is set), the output carries a
            Keras mask `ids != 0` for downstream mask-consuming layers. A following
            `Embedding` replaces it with its own (`mask_zero=True` there).
        output_mode: `"int"` (token ids), or one row per string over the ids, as in
            `TextVectorization`: `"multi_hot"` (1 where an id occurs), `"count"`
            (how often) or `"tf_idf"` (count times the id's inverse document
            frequency `log(1 + documents / (1 + documents with the token))`, learned
            by `adapt`; OOV ids and special tokens get the mean weight). Column `k`
            stands for id `k + 1`: there is no padding column, so with the default
            OOV settings the columns are `TextVectorization`'s. In these modes
            `max_tokens` counts columns (padding excluded, as in
            `TextVectorization`), and `sequence_length` and `mask_zero` do not apply.
        pad_to_max_tokens: with a bag-of-ids `output_mode`, always output
            `max_tokens` columns (zeros beyond the vocabulary), so the width does not
            change with the vocabulary.
        idf_weights: with `output_mode="tf_idf"` and a given `vocabulary`, one
            inverse document frequency per vocabulary entry (required then, as in
            `TextVectorization`).
        num_columns: with a bag-of-ids `output_mode`, the output width to assume
            until a vocabulary is set. `get_config()` records the current width, so
            that a saved model is rebuilt with its true shapes before its vocabulary
            is loaded back; there is rarely a reason to pass it.
        **kwargs: base `Layer` arguments (`name`, ...).

    Call arguments:
        inputs: string tensor of shape `(batch,)`, `(batch, 1)` or `()`.

    Input shape:
        `(batch,)`, `(batch, 1)` or a scalar.

    Output shape:
        int64 `(batch, sequence_length)` (`(sequence_length,)` for a scalar), or a
        ragged `(batch, None)` when `sequence_length=None` (a 1-D tensor for a
        scalar). Ragged outputs work in functional models with the TensorFlow
        backend. With a bag-of-ids `output_mode`: `(batch, columns)`, int64 for
        `"multi_hot"` and `"count"`, float32 for `"tf_idf"`.

    Example:

    >>> tokenizer = WordTokenizer(
    ...     vocabulary=["我", "爱", "nlp", "2024", "年"], split="cjk",
    ...     sequence_length=6)
    >>> tokenizer(["我爱NLP 2024年！"]).numpy().tolist()
    [[2, 3, 4, 5, 6, 0]]
    >>> tokenizer.detokenize([[2, 3, 4, 5, 6, 0]]).numpy()[0].decode()
    '我爱 nlp 2024 年'
    >>> bag = WordTokenizer(vocabulary=["the", "cat"], output_mode="count")
    >>> bag(["the cat saw the dog"]).numpy().tolist()  # [UNK], the, cat
    [[2, 2, 1]]
    """

    def __init__(
        self,
        max_tokens: int | None = None,
        min_frequency: int = 1,
        vocabulary: list[str] | tuple[str, ...] | str | None = None,
        standardize: str | None = "lower_and_strip_punctuation",
        normalization: str | None = None,
        split: str = "whitespace",
        ngrams: int | tuple[int, ...] | None = None,
        sequence_length: int | None = None,
        padding_side: str = "right",
        truncation_side: str = "right",
        num_oov_buckets: int = 1,
        oov_token: str = "[UNK]",
        special_tokens: tuple[str, ...] | list[str] | None = None,
        mask_zero: bool = False,
        output_mode: str = "int",
        pad_to_max_tokens: bool = False,
        idf_weights=None,
        num_columns: int | None = None,
        **kwargs,
    ):
        # --- validation --------------------------------------------------------
        if standardize not in _STANDARDIZE:
            raise ValueError(
                f"standardize must be one of {_STANDARDIZE}. "
                f"Received: standardize={standardize!r}"
            )
        if normalization not in _NORMALIZATION:
            raise ValueError(
                f"normalization must be one of {_NORMALIZATION}. "
                f"Received: normalization={normalization!r}"
            )
        if split not in _SPLIT:
            raise ValueError(
                f"split must be one of {_SPLIT}. Received: split={split!r}"
            )
        if isinstance(ngrams, list):
            ngrams = tuple(ngrams)
        if not (
            ngrams is None
            or (_is_int(ngrams) and ngrams >= 1)
            or (
                isinstance(ngrams, tuple)
                and len(ngrams) > 0
                and all(_is_int(n) and n >= 1 for n in ngrams)
            )
        ):
            raise ValueError(
                "ngrams must be None, a positive int or a non-empty tuple of positive "
                f"ints. Received: ngrams={ngrams!r}"
            )
        if sequence_length is not None and not (
            _is_int(sequence_length) and sequence_length >= 1
        ):
            raise ValueError(
                "sequence_length must be None or a positive int. "
                f"Received: sequence_length={sequence_length!r}"
            )
        if padding_side not in _SIDES:
            raise ValueError(
                f"padding_side must be 'left' or 'right'. "
                f"Received: padding_side={padding_side!r}"
            )
        if truncation_side not in _SIDES:
            raise ValueError(
                f"truncation_side must be 'left' or 'right'. "
                f"Received: truncation_side={truncation_side!r}"
            )
        if not (_is_int(num_oov_buckets) and num_oov_buckets >= 1):
            raise ValueError(
                "num_oov_buckets must be a positive int. "
                f"Received: num_oov_buckets={num_oov_buckets!r}"
            )
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
        if not isinstance(min_frequency, int | np.integer) or isinstance(
            min_frequency, bool
        ) or min_frequency < 1:
            raise ValueError(
                "min_frequency must be a positive int. "
                f"Received: min_frequency={min_frequency!r}"
            )
        if not isinstance(mask_zero, bool):
            raise ValueError(
                f"mask_zero must be a bool. Received: mask_zero={mask_zero!r}"
            )
        if output_mode not in _OUTPUT_MODES:
            raise ValueError(
                f"output_mode must be one of {_OUTPUT_MODES}. "
                f"Received: output_mode={output_mode!r}"
            )
        if output_mode != "int" and sequence_length is not None:
            raise ValueError(
                "sequence_length must be None when output_mode is "
                f"{output_mode!r} (one row per string over the ids). "
                f"Received: sequence_length={sequence_length!r}"
            )
        if output_mode != "int" and mask_zero:
            raise ValueError(
                f"mask_zero must be False when output_mode is {output_mode!r}. "
                f"Received: mask_zero={mask_zero!r}"
            )
        if not isinstance(pad_to_max_tokens, bool) or (
            pad_to_max_tokens and (output_mode == "int" or max_tokens is None)
        ):
            raise ValueError(
                "pad_to_max_tokens must be a bool, and True only with max_tokens set "
                "and output_mode 'multi_hot', 'count' or 'tf_idf'. Received: "
                f"pad_to_max_tokens={pad_to_max_tokens!r} (output_mode={output_mode!r}, "
                f"max_tokens={max_tokens!r})"
            )
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
        if num_columns is not None and (
            output_mode == "int" or not (_is_int(num_columns) and num_columns >= 1)
        ):
            raise ValueError(
                "num_columns must be None, or a positive int with output_mode "
                f"'multi_hot', 'count' or 'tf_idf'. Received: num_columns={num_columns!r} "
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
        # Reserved ids that count towards max_tokens: the padding id has no column
        # in the bag-of-ids modes, as in TextVectorization.
        num_reserved = (output_mode == "int") + num_oov_buckets + len(special_tokens or ())
        if max_tokens is not None and not (
            _is_int(max_tokens) and max_tokens > num_reserved
        ):
            raise ValueError(
                "max_tokens must be None or an int larger than the number of reserved "
                f"ids (padding with output_mode 'int', OOV, special tokens: "
                f"{num_reserved}). Received: max_tokens={max_tokens!r}"
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

        super().__init__(**kwargs)
        # String inputs: no conversion to floatx, no XLA.
        self._convert_input_args = False
        self._allow_non_tensor_positional_args = True
        self.supports_jit = False

        # --- one attribute per constructor argument ---------------------------
        self.max_tokens = max_tokens
        self.min_frequency = min_frequency
        self.vocabulary = list(vocabulary) if isinstance(vocabulary, tuple) else (
            vocabulary
        )
        self.standardize = standardize
        self.normalization = normalization
        self.split = split
        self.ngrams = ngrams
        self.sequence_length = sequence_length
        self.padding_side = padding_side
        self.truncation_side = truncation_side
        self.num_oov_buckets = num_oov_buckets
        self.oov_token = oov_token
        self.special_tokens = special_tokens
        self.mask_zero = mask_zero
        self.output_mode = output_mode
        self.pad_to_max_tokens = pad_to_max_tokens
        self.idf_weights = list(idf_weights) if idf_weights is not None else None
        self.num_columns = num_columns

        # --- derived state -----------------------------------------------------
        self._special_list = list(special_tokens or ())
        self._placeholders = [
            _text_ops.special_placeholder(i) for i in range(len(self._special_list))
        ]
        self._to_public = {p: t for p, t in zip(self._placeholders,
                                                self._special_list, strict=True)}
        self._to_internal = {t: p for p, t in self._to_public.items()}
        self._ngram_widths = (
            tuple(range(1, ngrams + 1)) if _is_int(ngrams) else ngrams
        )
        if normalization == "nfkc":
            self._nfkc_char_table, self._nfkc_pair_table = (
                _text_ops.make_nfkc_lookup_tables()
            )
        self._adapt_function = None
        self._tokens = []  # learned tokens, public form
        self._idf = None  # tf_idf: one float32 weight per output column
        if isinstance(vocabulary, str):
            with open(vocabulary, encoding="utf-8") as f:
                tokens = f.read().split("\n")
            tokens = [t[:-1] if t.endswith("\r") else t for t in tokens]
            while tokens and tokens[-1] == "":
                tokens.pop()
            self.set_vocabulary(tokens, self.idf_weights)
        elif vocabulary is not None:
            self.set_vocabulary(list(vocabulary), self.idf_weights)
        else:
            self.set_vocabulary([], [] if output_mode == "tf_idf" else None)
        self.built = True

    # -- Keras plumbing --------------------------------------------------------------
    @property
    def compute_dtype(self):
        return "string"

    @property
    def variable_dtype(self):
        return "string"

    def build(self, input_shape=None):
        self.built = True

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        _check_input_shape(input_shape)
        width = self.sequence_length if self.output_mode == "int" else self._num_columns()
        if len(input_shape) == 0:
            return (width,)
        return (input_shape[0], width)

    def compute_output_spec(self, inputs):
        _check_dtype(inputs.dtype)
        shape = self.compute_output_shape(inputs.shape)
        ragged = self.output_mode == "int" and self.sequence_length is None and len(shape) == 2
        dtype = "float32" if self.output_mode == "tf_idf" else "int64"
        return keras.KerasTensor(shape, dtype=dtype, ragged=ragged)

    def compute_mask(self, inputs, previous_mask=None):
        if not self.mask_zero or self.sequence_length is None:
            return None
        if isinstance(inputs, keras.KerasTensor):
            return keras.KerasTensor(
                self.compute_output_shape(inputs.shape), dtype="bool"
            )
        return tf.not_equal(self.call(inputs), 0)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "max_tokens": self.max_tokens,
                "min_frequency": self.min_frequency,
                "vocabulary": self.vocabulary,
                "standardize": self.standardize,
                "normalization": self.normalization,
                "split": self.split,
                "ngrams": self.ngrams,
                "sequence_length": self.sequence_length,
                "padding_side": self.padding_side,
                "truncation_side": self.truncation_side,
                "num_oov_buckets": self.num_oov_buckets,
                "oov_token": self.oov_token,
                "special_tokens": self.special_tokens,
                "mask_zero": self.mask_zero,
                "output_mode": self.output_mode,
                "pad_to_max_tokens": self.pad_to_max_tokens,
                "idf_weights": self.idf_weights,
                "num_columns": None if self.output_mode == "int" else self._num_columns(),
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        if isinstance(config.get("special_tokens"), list):
            config["special_tokens"] = tuple(config["special_tokens"])
        vocabulary = config.get("vocabulary")
        if isinstance(vocabulary, str) and not os.path.isfile(vocabulary):
            # A vocabulary file that does not exist where the model is loaded: the
            # `.keras` archive carries the vocabulary itself (see `load_assets`).
            config["vocabulary"] = None
            idf_weights = config.pop("idf_weights", None)
            layer = cls(**config)
            layer.vocabulary, layer.idf_weights = vocabulary, idf_weights
            return layer
        return cls(**config)

    def save_assets(self, dir_path):
        # JSON, not one token per line: tokens may hold newlines, tabs, any Unicode.
        state = {"tokens": self._tokens}
        if self._idf is not None:
            state["idf_weights"] = self._idf[: self._num_reserved_columns() + len(
                self._tokens)].tolist()
        with open(os.path.join(dir_path, _VOCAB_ASSET), "w", encoding="utf-8") as f:
            json.dump(state, f, ensure_ascii=True)

    def load_assets(self, dir_path):
        path = os.path.join(dir_path, _VOCAB_ASSET)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                state = json.load(f)
            if isinstance(state, list):  # written before output_mode existed
                state = {"tokens": state}
            idf = state.get("idf_weights")
            if idf is not None:  # per column: the reserved ones first
                self._set_tokens(state["tokens"])
                self._set_idf(np.asarray(idf, np.float32))
            else:
                self.set_vocabulary(state["tokens"])

    # -- vocabulary ------------------------------------------------------------------
    def _reserved_tokens(self) -> list[str]:
        return [""] + [self.oov_token] * self.num_oov_buckets + self._special_list

    def get_vocabulary(self, include_special_tokens: bool = True) -> list[str]:
        """The vocabulary; with `include_special_tokens`, index == token id."""
        if include_special_tokens:
            return self._reserved_tokens() + list(self._tokens)
        return list(self._tokens)

    def vocabulary_size(self) -> int:
        """Number of ids, padding, OOV ids and special tokens included."""
        return len(self._reserved_tokens()) + len(self._tokens)

    def _num_reserved_columns(self) -> int:
        """Columns of the reserved ids in the bag-of-ids modes: OOV ids, specials."""
        return self.num_oov_buckets + len(self._special_list)

    def _num_columns(self) -> int:
        """Output width of the bag-of-ids modes: id `k + 1` -> column `k`."""
        if self.pad_to_max_tokens:
            return self.max_tokens
        if not self._tokens and self.num_columns is not None:
            return self.num_columns  # rebuilt from a config, vocabulary still to come
        return self.vocabulary_size() - 1

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Replaces the vocabulary (a list of tokens, reserved prefix optional).

        With `output_mode="tf_idf"`, `idf_weights` gives one weight per entry of
        `vocabulary`; weights given for a reserved prefix (OOV token, special tokens)
        are used for those ids, which otherwise get the mean of the others.
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
        if self._special_list and (
            tokens[start: start + len(self._special_list)] == self._special_list
        ):
            num_special = len(self._special_list)
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

    def _set_idf(self, column_weights: np.ndarray) -> None:
        """One float32 weight per output column, zeros past the vocabulary."""
        width = self._num_columns()
        weights = np.zeros(width, np.float32)
        weights[: len(column_weights)] = column_weights[:width]
        self._idf = weights

    def _set_tokens(self, tokens: list[str]) -> None:
        """Checks the tokens (reserved prefix removed) and builds the lookup table."""
        reserved = self._reserved_tokens()
        bad = [t for t in tokens if t == "" or t == self.oov_token]
        if bad:
            raise ValueError(
                "vocabulary must not contain the padding token '' or the OOV token "
                f"{self.oov_token!r} after the reserved prefix. "
                f"Received: vocabulary containing {bad[0]!r}"
            )
        seen = set(self._special_list)
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
        self._tokens = tokens
        start = len(reserved)
        keys = [self._internal(t) for t in tokens]
        values = list(range(start, start + len(tokens)))
        for i, (placeholder, text) in enumerate(
            zip(self._placeholders, self._special_list, strict=True)
        ):
            special_id = 1 + self.num_oov_buckets + i
            keys += [placeholder, text]
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

    def _max_ids(self) -> int:
        """Most ids `max_tokens` allows, padding included."""
        return self.max_tokens + (self.output_mode != "int")

    def _internal(self, token: str) -> str:
        """Public token -> the key it has after special tokens became placeholders."""
        if not self._special_list:
            return token
        if token in self._to_internal:
            return self._to_internal[token]
        if self._ngram_widths and " " in token:
            return " ".join(self._to_internal.get(p, p) for p in token.split(" "))
        return token

    def _public(self, token: str) -> str:
        if not self._special_list:
            return token
        return "".join(self._to_public.get(c, c) for c in token)

    def adapt(self, data, batch_size: int = 1024, steps: int | None = None) -> None:
        """Learns the vocabulary from `data`, streaming batch by batch.

        Args:
            data: a `tf.data.Dataset` of strings (batched or not), a list / NumPy
                array of strings, or any iterable of strings or of batches of them.
            batch_size: strings per step when `data` is a list, an array or an
                iterable of single strings.
            steps: stop after this many batches (`None`: the whole of `data`).
        """
        if not (_is_int(batch_size) and batch_size >= 1):
            raise ValueError(
                f"batch_size must be a positive int. Received: batch_size={batch_size!r}"
            )
        counts: collections.Counter = collections.Counter()
        document_counts: collections.Counter = collections.Counter()
        num_documents = 0
        for i, batch in enumerate(_iter_batches(data, batch_size)):
            if steps is not None and i >= steps:
                break
            tokens, batch_counts, batch_document_counts = self._count_function()(batch)
            tokens = tokens.numpy().tolist()
            counts.update(dict(zip(tokens, batch_counts.numpy().tolist(), strict=True)))
            if self.output_mode == "tf_idf":
                document_counts.update(
                    dict(zip(tokens, batch_document_counts.numpy().tolist(), strict=True))
                )
                num_documents += int(batch.shape[0])
        for token in [b"", self.oov_token.encode("utf-8")] + [
            t.encode("utf-8") for t in self._placeholders + self._special_list
        ]:
            counts.pop(token, None)
        items = [(c, t) for t, c in counts.items() if c >= self.min_frequency]
        # TextVectorization: np.lexsort((tokens, counts))[::-1] -> count descending,
        # ties broken by the token bytes, descending.
        items.sort(reverse=True)
        if self.max_tokens is not None:
            items = items[: self._max_ids() - len(self._reserved_tokens())]
        vocabulary = [self._public(t.decode("utf-8")) for _, t in items]
        if self.output_mode != "tf_idf":
            self.set_vocabulary(vocabulary)
            return
        # TextVectorization's inverse document frequency, in float64 then float32.
        df = np.array([document_counts[t] for _, t in items], np.float64)
        self.set_vocabulary(vocabulary, np.log(1.0 + num_documents / (1.0 + df)))

    def _count_function(self):
        if self._adapt_function is None:

            @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
            def count(batch):
                """Distinct tokens, their counts, and in how many strings each is."""
                tokens = self._tokenize(batch)
                unique, index, counts = tf.unique_with_counts(
                    tokens.flat_values, out_idx=tf.int64
                )
                if self.output_mode != "tf_idf":  # document counts are not needed
                    return unique, counts, tf.zeros_like(counts)
                num_unique = tf.size(unique, out_type=tf.int64)
                pairs, _ = tf.unique(tokens.value_rowids() * num_unique + index)
                document_counts = tf.math.bincount(
                    pairs % num_unique, minlength=num_unique, maxlength=num_unique,
                    dtype=tf.int64,
                )
                return unique, counts, document_counts

            self._adapt_function = count
        return self._adapt_function

    # -- the graph -------------------------------------------------------------------
    def _standardize_strings(self, x: tf.Tensor, ascii_only: bool) -> tf.Tensor:
        lower = self.standardize in ("lower", "lower_and_strip_punctuation")
        # Valid UTF-8 whose Unicode lower-casing is ASCII lower-casing (e.g. Chinese
        # text, accented lower-case letters): one regex scan both validates it and
        # lets the cheap ASCII `tf.strings.lower` replace the ICU one.
        caseless = None
        if not ascii_only and lower and self.normalization is None:
            caseless = tf.reduce_all(
                tf.strings.regex_full_match(x, _text_ops.caseless_utf8_regex())
            )
        if not ascii_only:
            # Transcoding is costly: only when some string is malformed UTF-8.
            def checked():
                return tf.cond(
                    tf.reduce_all(
                        tf.strings.regex_full_match(x, _text_ops.VALID_UTF8_REGEX)
                    ),
                    lambda: x,
                    lambda: tf.strings.unicode_transcode(
                        x, "UTF-8", "UTF-8", errors="replace", replacement_char=0xFFFD
                    ),
                )

            x = checked() if caseless is None else tf.cond(
                caseless, lambda: x, checked
            )
            if self._special_list:
                x = tf.strings.regex_replace(
                    x, _text_ops.PRIVATE_PLANES_REGEX, "\ufffd"
                )
        pad = "" if self.split == "character" else " "
        for text, placeholder in zip(self._special_list, self._placeholders,
                                     strict=True):
            x = tf.strings.regex_replace(
                x, re.escape(text), pad + placeholder + pad
            )
        if self.normalization == "nfkc" and not ascii_only:
            x = _text_ops.nfkc(x, self._nfkc_char_table, self._nfkc_pair_table)
        if lower:
            if caseless is None:
                x = tf.strings.lower(x, encoding="" if ascii_only else "utf-8")
            else:
                x = tf.cond(
                    caseless,
                    lambda: tf.strings.lower(x),
                    lambda: tf.strings.lower(x, encoding="utf-8"),
                )
        strip = self.standardize in ("strip_punctuation", "lower_and_strip_punctuation")
        unicode_spaces = not ascii_only and self.split != "character"
        if strip and unicode_spaces and self.split == "cjk":
            # Both become a space here: one scan instead of two.
            x = tf.strings.regex_replace(x, _text_ops.PUNCTUATION_OR_SPACE_REGEX, " ")
            unicode_spaces = False
        elif strip:
            # CJK text has no spaces: there punctuation is the word boundary, so in
            # "cjk" mode it becomes a space ("Max，2024年" -> max / 2024 / 年); elsewhere
            # it is removed, as TextVectorization does ("don't" -> dont).
            x = tf.strings.regex_replace(
                x, _text_ops.PUNCTUATION_REGEX, " " if self.split == "cjk" else ""
            )
        if unicode_spaces:
            x = tf.strings.regex_replace(x, _text_ops.UNICODE_SPACE_REGEX, " ")
        if not ascii_only and self.split == "cjk":
            x = tf.strings.regex_replace(
                x, _text_ops.CJK_SINGLE_CHAR_REGEX, _text_ops.CJK_SPACED_REWRITE
            )
        return x

    def _tokenize(self, x: tf.Tensor) -> tf.RaggedTensor:
        """Rank-1 strings -> ragged string tokens (special tokens as placeholders)."""
        ascii_only = _text_ops.all_ascii(x)
        x = tf.cond(
            ascii_only,
            lambda: self._standardize_strings(x, True),
            lambda: self._standardize_strings(x, False),
        )
        if self.split == "character":
            tokens = tf.strings.unicode_split(x, "UTF-8")
        else:
            tokens = tf.strings.split(x)
        if self._ngram_widths is not None:
            tokens = tf.strings.ngrams(
                tokens, ngram_width=self._ngram_widths, separator=" "
            )
        return tokens

    def _lookup(self, tokens: tf.Tensor) -> tf.Tensor:
        ids = self._lookup_table.lookup(tokens)
        if self.num_oov_buckets == 1:
            return ids  # the table's default value is the OOV id
        oov = tf.strings.to_hash_bucket_fast(tokens, self.num_oov_buckets) + 1
        return tf.where(tf.equal(ids, -1), oov, ids)

    def call(self, inputs):
        inputs = _as_string_tensor(inputs)
        rank = inputs.shape.rank
        _check_input_shape(tuple(inputs.shape))
        if rank == 0:
            strings = tf.reshape(inputs, [1])
        elif rank == 2:
            strings = tf.squeeze(inputs, axis=1)
        else:
            strings = inputs
        tokens = self._tokenize(strings)
        ids = tokens.with_flat_values(self._lookup(tokens.flat_values))
        if self.output_mode != "int":
            bags = self._bag_of_ids(ids)
            return bags[0] if rank == 0 else bags
        if self.sequence_length is None:
            return ids[0] if rank == 0 else ids
        outputs = self._to_dense(ids)
        if rank == 0:
            outputs = tf.reshape(outputs, [self.sequence_length])
        if self.mask_zero:
            keras.src.backend.set_keras_mask(outputs, tf.not_equal(outputs, 0))
        return outputs

    def _bag_of_ids(self, ids: tf.RaggedTensor) -> tf.Tensor:
        """(batch, None) ids -> (batch, columns): multi-hot, counts or TF-IDF."""
        width = self._num_columns()
        counts = tf.math.bincount(
            ids - 1, minlength=width, maxlength=width, axis=-1, dtype=tf.int64,
            binary_output=self.output_mode == "multi_hot",
        )
        counts.set_shape([ids.shape[0], width])  # bincount of ragged loses it in graphs
        if self.output_mode != "tf_idf":
            return counts
        return tf.cast(counts, tf.float32) * tf.constant(self._idf, tf.float32)

    def _to_dense(self, ids: tf.RaggedTensor) -> tf.Tensor:
        length = self.sequence_length
        # `to_tensor(shape=...)` keeps the first `length` ids of each row itself, so
        # only left truncation and left padding need a ragged slice (several ops).
        if self.truncation_side == "left":
            ids = ids[:, -length:]
        elif self.padding_side == "left":
            ids = ids[:, :length]
        if self.padding_side == "right":
            return ids.to_tensor(default_value=0, shape=[None, length])
        reversed_ids = _reverse_rows(ids)
        dense = reversed_ids.to_tensor(default_value=0, shape=[None, length])
        return tf.reverse(dense, axis=[1])

    # -- inverse ---------------------------------------------------------------------
    def detokenize(self, ids):
        """Ids -> strings, padding removed.

        Tokens are joined with a space, except that two adjacent CJK characters are
        joined with nothing (and `split="character"` joins everything with nothing).
        OOV ids give `oov_token`; ids outside the vocabulary too.

        Args:
            ids: int ids of shape `(batch, length)` (dense or ragged) or `(length,)`.

        Returns:
            A string tensor of shape `(batch,)`, or a scalar for 1-D ids.
        """
        if self.output_mode != "int":
            raise ValueError(
                "detokenize needs ids, which only output_mode='int' produces. "
                f"Received: a layer with output_mode={self.output_mode!r}"
            )
        if isinstance(ids, tf.RaggedTensor):
            ragged = ids
        else:
            ids = tf.convert_to_tensor(ids)
            if ids.shape.rank == 1:
                return self.detokenize(ids[tf.newaxis])[0]
            ragged = tf.RaggedTensor.from_tensor(ids)
        if ragged.shape.rank != 2:
            raise ValueError(
                "detokenize expects ids of rank 1 (length,) or 2 (batch, length). "
                f"Received shape {ragged.shape}"
            )
        ragged = tf.cast(ragged, tf.int64)
        ragged = tf.ragged.boolean_mask(ragged, tf.not_equal(ragged, 0))
        flat = ragged.flat_values
        size = tf.cast(tf.shape(self._inverse_vocabulary)[0], tf.int64)
        flat = tf.where((flat >= 0) & (flat < size), flat, 1)
        tokens = tf.gather(self._inverse_vocabulary, flat)
        if self.split == "character":
            return tf.strings.reduce_join(ragged.with_flat_values(tokens), axis=-1)
        is_cjk = tf.strings.regex_full_match(tokens, _text_ops.CJK_SINGLE_CHAR_REGEX)
        row_starts = ragged.row_starts()
        positions = tf.range(tf.size(flat, out_type=tf.int64))
        first = tf.equal(positions, tf.gather(row_starts, ragged.value_rowids()))
        prev_cjk = tf.concat([[False], is_cjk[:-1]], axis=0)
        no_space = first | (is_cjk & prev_cjk)
        pieces = tf.strings.join([tf.where(no_space, "", " "), tokens])
        return tf.strings.reduce_join(ragged.with_flat_values(pieces), axis=-1)


# -- helpers -------------------------------------------------------------------------
def _is_int(value) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _to_str(token) -> str:
    if isinstance(token, bytes):
        return token.decode("utf-8")
    if not isinstance(token, str):
        raise ValueError(
            f"vocabulary must hold strings. Received: a token {token!r} "
            f"of type {type(token).__name__}"
        )
    return token


def _check_dtype(dtype) -> None:
    dtype = keras.backend.standardize_dtype(dtype)
    if dtype != "string":
        raise ValueError(
            f"WordTokenizer expects string inputs (dtype 'string'). "
            f"Received dtype {dtype!r}"
        )


def _check_input_shape(shape) -> None:
    if len(shape) > 2 or (len(shape) == 2 and shape[1] not in (1, None)):
        raise ValueError(
            "WordTokenizer expects strings of shape (batch,), (batch, 1) or (). "
            f"Received shape {shape}"
        )
    if len(shape) == 2 and shape[1] is None:
        raise ValueError(
            "WordTokenizer expects strings of shape (batch,), (batch, 1) or (); the "
            f"last dimension must be 1. Received shape {shape}"
        )


def _as_string_tensor(inputs) -> tf.Tensor:
    if isinstance(inputs, tf.RaggedTensor | tf.SparseTensor):
        raise ValueError(
            "WordTokenizer expects a dense string tensor. "
            f"Received {type(inputs).__name__} of shape {inputs.shape}"
        )
    if not tf.is_tensor(inputs):
        inputs = tf.convert_to_tensor(inputs)
    _check_dtype(inputs.dtype)
    return inputs


def _reverse_rows(rt: tf.RaggedTensor) -> tf.RaggedTensor:
    splits = rt.row_splits
    row_ids = rt.value_rowids()
    positions = tf.range(tf.shape(rt.flat_values, out_type=tf.int64)[0])
    index = tf.gather(splits, row_ids + 1) - 1 - (positions - tf.gather(splits, row_ids))
    return tf.RaggedTensor.from_row_splits(tf.gather(rt.flat_values, index), splits)


def _iter_batches(data, batch_size):
    """Yields rank-1 string batches from datasets, arrays, lists and iterables."""

    def flat(batch):
        batch = tf.convert_to_tensor(batch)
        _check_dtype(batch.dtype)
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
