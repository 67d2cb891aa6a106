"""Trained weights that ship with the zoo: `models/NAME/`, saved and loaded offline.

Each trained entry's folder holds:

* `NAME.weights.h5`: every variable of the model (`model.save_weights`);
* `assets/LAYER/vocabulary.json.gz`: the vocabulary (and IDF weights) of each
  `WordTokenizer`, which are lookup tables, not variables;
* `reference.npz`: a few real test inputs and the logits the trained model gave them,
  so a test can check that the shipped weights still give those outputs.

The catalogue writes them (`python -m tfk_tokfrag.catalogue`); `get_model(NAME,
weights="zoo")` reads them. The folder is the repository's `models/`, or the one the
`TFK_TOKFRAG_ZOO_DIR` environment variable names.
"""

from __future__ import annotations

import os
import pathlib
import shutil

import keras
import numpy as np

from tfk_tokfrag import _keras_internals
from tfk_tokfrag.layers.word_tokenizer import WordTokenizer

ZOO_DIR_ENV = "TFK_TOKFRAG_ZOO_DIR"
REFERENCE_FILE = "reference.npz"
ASSETS_DIR = "assets"
# The zoo's promise about its size (issue 12): what `save_zoo_weights` refuses past,
# for an entry's weights and vocabularies together.
MAX_WEIGHTS_BYTES = 5 * 1024 * 1024


def zoo_dir() -> str:
    """The folder of the zoo catalogue: `$TFK_TOKFRAG_ZOO_DIR`, else the repo's `models/`."""
    return os.environ.get(ZOO_DIR_ENV) or str(pathlib.Path(__file__).resolve().parents[2]
                                              / "models")


def weights_path(name: str, directory: str | None = None) -> str:
    """Where entry `name`'s weights are (or go): `ZOO_DIR/NAME/NAME.weights.h5`."""
    return os.path.join(directory or zoo_dir(), name, f"{name}.weights.h5")


def entry_bytes(name: str, directory: str | None = None) -> int:
    """Bytes of what entry `name` ships to be loaded: its weights and vocabularies."""
    path = weights_path(name, directory)
    assets = os.path.join(os.path.dirname(path), ASSETS_DIR)
    files = [path] if os.path.exists(path) else []
    files += [os.path.join(root, f) for root, _, names in os.walk(assets) for f in names]
    return sum(os.path.getsize(f) for f in files)


def has_zoo_weights(name: str, directory: str | None = None) -> bool:
    """Whether entry `name` ships trained weights."""
    return os.path.exists(weights_path(name, directory))


def _tokenizers(model: keras.Model) -> list[WordTokenizer]:
    return [la for la in _keras_internals.all_layers(model) if isinstance(la, WordTokenizer)]


def _storable(value) -> np.ndarray:
    """An array `np.load` reads without pickle: strings become fixed-width bytes."""
    array = np.asarray(value)
    return array.astype(np.bytes_) if array.dtype == object else array


def _flatten_inputs(inputs) -> dict[str, np.ndarray]:
    if isinstance(inputs, dict):
        return {f"input/{k}": _storable(v) for k, v in inputs.items()}
    return {"input": _storable(inputs)}


def save_zoo_weights(model: keras.Model, name: str, reference_inputs,
                     directory: str | None = None) -> str:
    """Saves `model`'s weights, tokenizer vocabularies and reference outputs for `name`.

    `reference_inputs`: a few real inputs (a batch, or a dict of them, as the model
    takes them); their logits are recorded with the weights. Returns the weights path.
    """
    path = weights_path(name, directory)
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    # Keras also saves a compiled model's optimizer state (twice the weights, for
    # Adam): a copy without one holds just what inference needs.
    bare = model.__class__.from_config(model.get_config())
    bare.set_weights(model.get_weights())
    bare.save_weights(path)
    asset_dirs = []
    for tokenizer in _tokenizers(model):
        asset_dirs.append(os.path.join(folder, ASSETS_DIR, tokenizer.name))
        os.makedirs(asset_dirs[-1], exist_ok=True)
        tokenizer.save_assets(asset_dirs[-1])
    size = entry_bytes(name, directory)
    if size > MAX_WEIGHTS_BYTES:
        os.remove(path)
        for asset_dir in asset_dirs:
            shutil.rmtree(asset_dir)
        raise ValueError(
            f"The weights and vocabularies of {name!r} take {size / 2**20:.1f} MB; the "
            f"zoo ships at most {MAX_WEIGHTS_BYTES / 2**20:.0f} MB per entry. Make the "
            "model smaller."
        )
    logits = keras.ops.convert_to_numpy(model(reference_inputs, training=False))
    arrays = _flatten_inputs(keras.tree.map_structure(keras.ops.convert_to_numpy,
                                                      reference_inputs))
    np.savez(os.path.join(folder, REFERENCE_FILE), logits=logits, **arrays)
    return path


def load_zoo_weights(model: keras.Model, name: str, directory: str | None = None) -> None:
    """Loads what `save_zoo_weights` saved for `name` into `model` (built from its config)."""
    path = weights_path(name, directory)
    if not os.path.exists(path):
        raise FileNotFoundError(
            f"The zoo entry {name!r} ships no trained weights (no file {path}). Train it "
            f"with `tfk-tokfrag train {name}` or `python -m tfk_tokfrag.catalogue --only "
            f"{name}`."
        )
    folder = os.path.dirname(path)
    for tokenizer in _tokenizers(model):
        asset_dir = os.path.join(folder, ASSETS_DIR, tokenizer.name)
        if not os.path.isdir(asset_dir):
            raise FileNotFoundError(
                f"The zoo entry {name!r} has no vocabulary for its tokenizer "
                f"{tokenizer.name!r} (no folder {asset_dir})."
            )
        tokenizer.load_assets(asset_dir)
    try:
        model.load_weights(path)
    except ValueError as error:
        raise ValueError(
            f"The shipped weights of {name!r} do not fit this model; were builder "
            f"arguments overridden? ({error})"
        ) from error


def reference_outputs(name: str, directory: str | None = None):
    """`(inputs, logits)` recorded with `name`'s weights (inputs a dict if named)."""
    path = os.path.join(directory or zoo_dir(), name, REFERENCE_FILE)
    with np.load(path, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    logits = arrays.pop("logits")
    if "input" in arrays:
        return arrays["input"], logits
    return {key.split("/", 1)[1]: value for key, value in arrays.items()}, logits
