"""`text_features`: raw strings -> one feature vector per string (a bag or a sequence)."""

from __future__ import annotations

import keras

from tfk_tokfrag.layers.word_tokenizer import WordTokenizer

TEXT_ENCODERS = ("bag", "bilstm", "conv1d")


def text_features(
    text,
    *,
    encoder: str,
    max_tokens: int,
    split: str,
    vocabulary,
    standardize: str | None = "lower_and_strip_punctuation",
    dim: int,
    sequence_length: int | None = None,
    embed_dim: int | None = None,
    units: int | None = None,
    ngrams=None,
    idf_weights=None,
    input_dropout: float = 0.0,
    prefix: str = "text_",
):
    """Applies a text encoder to a `tf.string` `(batch,)` tensor; `(batch, dim)` out.

    Encoders (`WordTokenizer` first, in-graph, named `{prefix}tokenizer`):
    - `"bag"`: a bag of n-grams: the tokenizer's `"tf_idf"` row over `max_tokens`
      columns (`ngrams`; IDF weights learned by `adapt` with the vocabulary), scaled
      to unit L2 norm (so long and short texts weigh the same, as scikit-learn's
      `TfidfVectorizer` does), `input_dropout` (which drops whole n-grams), then a
      ReLU `Dense(dim)`: a linear bag-of-n-grams model with one hidden layer;
    - `"bilstm"`, `"conv1d"`: `sequence_length` ids -> `Embedding(embed_dim)`
      (masking the padding) -> a BiLSTM of `units`, or a width-3 `Conv1D(units)` and
      a global max pool -> a ReLU `Dense(dim)`.
    """
    if encoder == "bag":
        x = WordTokenizer(
            max_tokens=max_tokens,
            split=split,
            standardize=standardize,
            ngrams=ngrams,
            output_mode="tf_idf",
            pad_to_max_tokens=True,  # the width does not wait for the vocabulary
            vocabulary=vocabulary,
            idf_weights=idf_weights,
            name=f"{prefix}tokenizer",
        )(text)
        x = keras.layers.UnitNormalization(name=f"{prefix}l2_normalize")(x)
        if input_dropout:
            x = keras.layers.Dropout(input_dropout, name=f"{prefix}ngram_dropout")(x)
        return keras.layers.Dense(dim, activation="relu", name=f"{prefix}features")(x)

    ids = WordTokenizer(
        max_tokens=max_tokens,
        sequence_length=sequence_length,
        split=split,
        standardize=standardize,
        vocabulary=vocabulary,
        name=f"{prefix}tokenizer",
    )(text)
    x = keras.layers.Embedding(max_tokens, embed_dim, mask_zero=True, name=f"{prefix}embedding")(
        ids
    )
    if encoder == "bilstm":
        x = keras.layers.Bidirectional(keras.layers.LSTM(units), name=f"{prefix}bilstm")(x)
    else:
        x = keras.layers.Conv1D(units, 3, padding="same", activation="relu", name=f"{prefix}conv")(
            x
        )
        x = keras.layers.GlobalMaxPooling1D(name=f"{prefix}pool")(x)
    return keras.layers.Dense(dim, activation="relu", name=f"{prefix}features")(x)
