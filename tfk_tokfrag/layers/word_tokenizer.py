"""`WordTokenizer`: raw strings -> integer token ids, in-graph (TensorFlow only)."""

from __future__ import annotations

import os

import keras
import tensorflow as tf

from tfk_tokfrag import _keras_internals, _validation
from tfk_tokfrag.layers import _text_ops, _word_vocabulary_trainer
from tfk_tokfrag.layers.word_vocabulary import (
    WordVocabulary,
    read_vocabulary_file,
    standardize_vocabulary_arguments,
)

_STANDARDIZE = (None, "lower", "strip_punctuation", "lower_and_strip_punctuation",
                "split_punctuation", "lower_and_split_punctuation")
_NORMALIZATION = (None, "nfkc")
_SPLIT = ("whitespace", "cjk", "character")


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

    Like `TextVectorization` with its `StringLookup`, the layer keeps the string
    graph (`tfk_tokfrag.layers._text_ops`) apart from its vocabulary, a
    `tfk_tokfrag.layers.word_vocabulary.WordVocabulary` (lookup tables, reserved ids,
    IDF weights, assets), and `adapt` streams through a vocabulary trainer.
    `has_vocabulary` says whether there is a vocabulary yet. Without one the layer
    can be placed in a model (and saved), but calling it on text raises a
    `RuntimeError`, where it would otherwise silently map every
    word to the OOV id.

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
        standardize: `None`, `"lower"`, `"strip_punctuation"`,
            `"lower_and_strip_punctuation"`, `"split_punctuation"` or
            `"lower_and_split_punctuation"` (every punctuation mark or symbol a token
            of its own, as BERT's basic tokenizer does, instead of removed:
            "great!!" -> great / ! / !; with `split="character"` they are tokens
            anyway).
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
    >>> WordTokenizer().has_vocabulary  # adapt() or set_vocabulary() first
    False
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
        # --- validation (the vocabulary checks its own arguments) ---------------
        _validation.choice("standardize", standardize, _STANDARDIZE)
        _validation.choice("normalization", normalization, _NORMALIZATION)
        _validation.choice("split", split, _SPLIT)
        ngrams = _check_ngrams(ngrams)
        sequence_length = _validation.positive_int(
            "sequence_length", sequence_length, allow_none=True
        )
        _check_side("padding_side", padding_side)
        _check_side("truncation_side", truncation_side)
        min_frequency = _validation.positive_int("min_frequency", min_frequency)
        _validation.check_bool("mask_zero", mask_zero)
        word_vocabulary = WordVocabulary(
            max_tokens=max_tokens,
            num_oov_buckets=num_oov_buckets,
            oov_token=oov_token,
            special_tokens=special_tokens,
            output_mode=output_mode,
            pad_to_max_tokens=pad_to_max_tokens,
            num_columns=num_columns,
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
        vocabulary, idf_weights = standardize_vocabulary_arguments(
            vocabulary, idf_weights, output_mode
        )

        super().__init__(**kwargs)
        # String inputs: no conversion to floatx, no XLA.
        self._convert_input_args = False
        self._allow_non_tensor_positional_args = True
        self.supports_jit = False

        # --- one attribute per constructor argument ---------------------------
        self.max_tokens = word_vocabulary.max_tokens
        self.min_frequency = min_frequency
        self.vocabulary = vocabulary
        self.standardize = standardize
        self.normalization = normalization
        self.split = split
        self.ngrams = ngrams
        self.sequence_length = sequence_length
        self.padding_side = padding_side
        self.truncation_side = truncation_side
        self.num_oov_buckets = word_vocabulary.num_oov_buckets
        self.oov_token = oov_token
        self.special_tokens = tuple(special_tokens) if special_tokens is not None else None
        self.mask_zero = mask_zero
        self.output_mode = output_mode
        self.pad_to_max_tokens = pad_to_max_tokens
        self.idf_weights = idf_weights
        self.num_columns = None if num_columns is None else int(num_columns)

        # --- derived state -----------------------------------------------------
        self._word_vocabulary = word_vocabulary
        self._ngram_widths = (
            tuple(range(1, ngrams + 1)) if _validation.is_int(ngrams) else ngrams
        )
        if normalization == "nfkc":
            self._nfkc_char_table, self._nfkc_pair_table = (
                _text_ops.make_nfkc_lookup_tables()
            )
        self._adapt_function = None
        self._vocabulary_set = False  # by set_vocabulary (or adapt), even if empty
        if isinstance(vocabulary, str):
            self.set_vocabulary(read_vocabulary_file(vocabulary), self.idf_weights)
        elif vocabulary is not None:
            self.set_vocabulary(vocabulary, self.idf_weights)
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
        _text_ops.check_input_shape(input_shape)
        if self.output_mode == "int":
            width = self.sequence_length
        else:
            width = self._word_vocabulary.num_columns()
        if len(input_shape) == 0:
            return (width,)
        return (input_shape[0], width)

    def compute_output_spec(self, inputs):
        _text_ops.check_string_dtype(inputs.dtype)
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
        bag_of_ids = self.output_mode != "int"
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
                "num_columns": self._word_vocabulary.num_columns() if bag_of_ids else None,
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
        self._word_vocabulary.save_assets(dir_path)

    def load_assets(self, dir_path):
        self._word_vocabulary.load_assets(dir_path)

    # -- vocabulary ------------------------------------------------------------------
    @property
    def has_vocabulary(self) -> bool:
        """Whether the layer has a vocabulary, so that `adapt` is not needed.

        `True` when a `vocabulary` was given to the constructor (a list, even an
        empty one, or a file), `set_vocabulary` or `adapt` ran (even if they found
        no token), or the layer holds tokens (loaded back with a saved model);
        `False` before that, when calling the layer raises a `RuntimeError`.
        """
        return (
            self.vocabulary is not None
            or self._vocabulary_set
            or bool(self._word_vocabulary.num_tokens())
        )

    def get_vocabulary(self, include_special_tokens: bool = True) -> list[str]:
        """The vocabulary; with `include_special_tokens`, index == token id."""
        return self._word_vocabulary.get_vocabulary(include_special_tokens)

    def vocabulary_size(self) -> int:
        """Number of ids, padding, OOV ids and special tokens included."""
        return self._word_vocabulary.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Replaces the vocabulary (a list of tokens, reserved prefix optional).

        With `output_mode="tf_idf"`, `idf_weights` gives one weight per entry of
        `vocabulary`; weights given for a reserved prefix (OOV token, special tokens)
        are used for those ids, which otherwise get the mean of the others.
        """
        self._word_vocabulary.set_vocabulary(vocabulary, idf_weights)
        self._vocabulary_set = True

    def adapt(self, data, batch_size: int = 1024, steps: int | None = None) -> None:
        """Learns the vocabulary from `data`, streaming batch by batch.

        Args:
            data: a `tf.data.Dataset` of strings (batched or not), a list / NumPy
                array of strings, or any iterable of strings or of batches of them.
            batch_size: strings per step when `data` is a list, an array or an
                iterable of single strings.
            steps: stop after this many batches (`None`: the whole of `data`).
        """
        batch_size = _validation.positive_int("batch_size", batch_size)
        tf_idf = self.output_mode == "tf_idf"
        if self._adapt_function is None:
            self._adapt_function = _word_vocabulary_trainer.make_count_function(
                self._tokenize, count_documents=tf_idf
            )
        tokens, idf_weights = _word_vocabulary_trainer.compute_vocabulary(
            data, self._adapt_function, batch_size=batch_size, steps=steps,
            min_frequency=self.min_frequency,
            max_size=self._word_vocabulary.token_capacity(),
            exclude=self._word_vocabulary.reserved_keys(), idf=tf_idf,
        )
        self.set_vocabulary(
            _text_ops.public_forms(tokens, self.special_tokens or ()), idf_weights
        )

    # -- the graph -------------------------------------------------------------------
    def _tokenize(self, x: tf.Tensor) -> tf.RaggedTensor:
        """Rank-1 strings -> ragged string tokens (special tokens as placeholders)."""
        return _text_ops.tokenize(
            x,
            standardize=self.standardize,
            normalization=self.normalization,
            split=self.split,
            ngram_widths=self._ngram_widths,
            special_tokens=self.special_tokens or (),
            nfkc_tables=(
                (self._nfkc_char_table, self._nfkc_pair_table)
                if self.normalization == "nfkc" else None
            ),
        )

    def call(self, inputs):
        if not self.has_vocabulary:  # Every word would silently be out of vocabulary.
            raise RuntimeError(
                f"WordTokenizer {self.name!r} has no vocabulary: call adapt() with "
                "sample texts or set_vocabulary(), or pass vocabulary=, before calling "
                "it on text. (A model can be built around it before that.)"
            )
        strings, rank = _text_ops.as_string_batch(inputs)
        tokens = self._tokenize(strings)
        ids = tokens.with_flat_values(self._word_vocabulary.lookup_ids(tokens.flat_values))
        if self.output_mode != "int":
            bags = self._word_vocabulary.bag_of_ids(ids)
            return bags[0] if rank == 0 else bags
        if self.sequence_length is None:
            return ids[0] if rank == 0 else ids
        outputs = _text_ops.pad_or_truncate(
            ids, self.sequence_length, self.padding_side, self.truncation_side
        )
        if rank == 0:
            outputs = tf.reshape(outputs, [self.sequence_length])
        if self.mask_zero:
            _keras_internals.set_keras_mask(outputs, tf.not_equal(outputs, 0))
        return outputs

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
        tokens = self._word_vocabulary.lookup_tokens(ragged.flat_values)
        return _text_ops.join_tokens(ragged.with_flat_values(tokens), self.split)


# -- helpers -------------------------------------------------------------------------
def _check_ngrams(ngrams):
    """`None`, a positive int or a non-empty tuple of them (a list becomes a tuple)."""
    ngrams = tuple(ngrams) if isinstance(ngrams, list) else ngrams
    widths = ngrams if isinstance(ngrams, tuple) else (ngrams,)
    if ngrams is not None and not (widths and all(map(_validation.is_positive_int, widths))):
        raise ValueError(
            "ngrams must be None, a positive int or a non-empty tuple of positive "
            f"ints. Received: ngrams={ngrams!r}"
        )
    if ngrams is None or isinstance(ngrams, tuple):
        return None if ngrams is None else tuple(int(w) for w in ngrams)
    return int(ngrams)


def _check_side(name: str, value) -> None:
    if value not in ("left", "right"):
        raise ValueError(f"{name} must be 'left' or 'right'. Received: {name}={value!r}")
