"""`TokenPictures`: what the tokenizers see, as TensorBoard images and text."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import tensorflow as tf

from tfk_tokfrag import _keras_internals, _validation
from tfk_tokfrag._warnings import TokfragWarning
from tfk_tokfrag.layers import PixelTokenizer, TemporalFragmenter, WordTokenizer
from tfk_tokfrag.monitoring import _markdown, pictures
from tfk_tokfrag.monitoring._writers import SummaryCallback

PIXEL_TAG = "tokens/pixel_tokens"
FRAGMENT_TAG = "tokens/temporal_fragments"
WORD_TAG = "tokens/word_tokens"

# The tokenization layers drawn from a model (subclasses included).
TOKENIZER_CLASSES = (PixelTokenizer, TemporalFragmenter, WordTokenizer)

_IMAGE_TARGET = 192  # pixels along the longer side of a token picture
_FRAME_TARGET = 64  # pixels along the longer side of one frame in a clip picture
_MAX_TOKENS_SHOWN = 64
# The name of the layers built only for their geometry (explicit configuration), so
# that they take no automatic name (`pixel_tokenizer_1`, ...) from the model's layers.
_GEOMETRY_NAME = "token_pictures_geometry"


def tokenizer_layers(model) -> list:
    """The `PixelTokenizer`, `TemporalFragmenter` and `WordTokenizer` layers in `model`.

    Nested models and layers held by subclassed layers included, depth first.
    """
    return [
        layer
        for layer in _keras_internals.all_layers(model)
        if isinstance(layer, TOKENIZER_CLASSES)
    ]


def _to_numpy(value):
    if isinstance(value, tf.RaggedTensor):
        return value
    if hasattr(value, "numpy"):
        return value.numpy()
    return np.asarray(value)


def _is_text(array) -> bool:
    return isinstance(array, np.ndarray) and array.dtype.kind in "OSU"


def _as_strings(array) -> list[str]:
    flat = np.asarray(array).reshape(-1)
    return [v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in flat]


def _sample_values(samples) -> list:
    values = list(samples.values()) if isinstance(samples, Mapping) else [samples]
    out = []
    for value in values:
        if isinstance(value, list | tuple) and value and isinstance(value[0], str | bytes):
            value = np.array(value, dtype=object)
        out.append(_to_numpy(value))
    return out


def _capture_layer_inputs(model, layers, samples) -> dict:
    """Runs `model(samples)` once and returns `{id(layer): first input}` per layer."""
    captured = {}

    def wrap(layer):
        original = layer.call

        def call(*args, **kwargs):
            if id(layer) not in captured:
                captured[id(layer)] = args[0] if args else next(iter(kwargs.values()))
            return original(*args, **kwargs)

        return call

    for layer in layers:
        layer.call = wrap(layer)
    try:
        model(samples, training=False)
    finally:
        for layer in layers:
            try:
                del layer.call  # back to the class's method
            except AttributeError:
                object.__delattr__(layer, "call")
    return captured


def _image_description(shape, tokenizer: PixelTokenizer) -> str:
    (h, w), ((ph, pw), (sh, sw)) = shape, pictures.patch_and_strides(tokenizer)
    rows, cols = tokenizer.grid_shape(h, w)
    text = (
        f"{h}x{w} images cut into {rows}x{cols} = {rows * cols} pixel tokens of "
        f"{ph}x{pw} pixels, strides {sh}x{sw}, padding `{tokenizer.padding}`. Magenta "
        "lines: token borders."
    )
    if sh < ph or sw < pw:
        text += (
            " Tokens overlap (strides smaller than the patch): the lines are the grid of "
            "the strides, each token spans several cells; token 0 is outlined in cyan."
        )
    if sh > ph or sw > pw:
        text += " Strides larger than the patch leave gaps between tokens."
    text += " Dimmed pixels are in no token; hatched pixels are zero padding."
    return text


def _clip_description(time: int, fragmenter: TemporalFragmenter, patch) -> str:
    starts = fragmenter.fragment_starts(time)
    count, length = len(starts), fragmenter.fragment_length
    stride = fragmenter.fragment_stride or length
    text = (
        f"Clips of {time} frames cut into {count} fragments of {length} frames "
        f"(stride {stride}, pad_end={fragmenter.pad_end}): one row per fragment, frames "
        "left to right; hatched frames are padding."
    )
    if fragmenter.num_fragments is not None:
        text += (
            f" Segment sampling: the fragments at the centres of {count} segments, as "
            "at inference (in training, one at random within each segment)."
        )
    last = max(starts) + length
    if last < time:
        text += f" Frames {last} to {time - 1} are in no fragment (dropped)."
    if stride < length:
        text += " Fragments overlap, so frames repeat across rows."
    if patch is not None:
        text += f" Magenta lines on the frames: {patch[0]}x{patch[1]} tubelet patches."
    return text


def _ids_rows(ids) -> list[list[int]]:
    if isinstance(ids, Mapping):
        ids = ids.get("ids", ids.get("token_ids", next(iter(ids.values()))))
    if isinstance(ids, tf.RaggedTensor):
        return [list(map(int, row)) for row in ids.to_list()]
    array = np.asarray(_to_numpy(ids))
    if array.ndim == 1:
        array = array[:, None]
    return [list(map(int, row)) for row in array.reshape(len(array), -1)]


def _word_table(strings, ids_rows, vocabulary, pad_id: int | None = 0) -> str:
    header = "| # | text | ids | tokens |" if vocabulary else "| # | text | ids |"
    lines = [header, "|---" * (4 if vocabulary else 3) + "|"]
    for i, (text, ids) in enumerate(zip(strings, ids_rows, strict=True)):
        ids = [t for t in ids if t != pad_id]
        more = " …" if len(ids) > _MAX_TOKENS_SHOWN else ""
        ids = ids[:_MAX_TOKENS_SHOWN]
        row = f"| {i} | {_markdown.escape(text)} | {' '.join(map(str, ids))}{more} |"
        if vocabulary:
            tokens = [vocabulary[t] if 0 <= t < len(vocabulary) else f"<{t}>" for t in ids]
            row += " " + " ".join(_markdown.code(t) for t in tokens) + more + " |"
        lines.append(row)
    return "\n".join(lines)


class TokenPictures(SummaryCallback):
    """Logs what the tokenizers see for a fixed batch of sample inputs.

    Three kinds of pictures, written at train begin (step 0) and, with
    `every_n_epochs`, again after every n-th epoch (step = epochs done):

    - images cut into pixel tokens: each image zoomed (nearest neighbour) with a
      magenta line inserted at every token border; with overlapping strides the
      lines form the grid of the strides and token 0 is outlined in cyan; pixels
      that no token holds are dimmed, zero padding (`padding="same"`) hatched;
    - clips laid out as their temporal fragments: one row per fragment, its frames
      side by side (grey separators, magenta between fragments), padded frames
      hatched; with a tubelet `patch_size` the patch grid is drawn on each frame;
    - text: a Markdown table (Text tab) of the raw strings next to their token ids
      and, with a vocabulary, the token strings (padding id 0 left out).

    Configure it explicitly (any of `image_patch_size`, `fragment_length`,
    `tokenizer`), taking from `samples` the first batch of images (rank 4, or rank
    3 grey), of clips (rank 5) and of strings; or give none of these to configure
    it from the model being trained: every `PixelTokenizer`, `TemporalFragmenter`
    and `WordTokenizer` inside it (subclasses, nested and dict-input models
    included; see `tokenizer_layers`) is drawn from the very tensor that reaches it
    when the model runs on `samples` (so after any resizing or rescaling before
    it), under the tag `tokens/<layer name>`. The geometry comes from the layer
    itself (`PixelTokenizer.token_spans`, `TemporalFragmenter.fragment_starts`: for
    segment sampling, the fragments taken at inference); word tokens are the
    layer's output on the strings, with its `get_vocabulary()`. Explicit tags:
    `tokens/pixel_tokens`, `tokens/temporal_fragments`, `tokens/word_tokens`,
    drawn with the geometry of a `PixelTokenizer` or `TemporalFragmenter` of the
    given arguments.

    Args:
        logdir: the run folder to write into, or a `tf.summary.SummaryWriter`.
        samples: a batch of model inputs: an array or tensor, a list of strings,
            or a dict of them (multimodal models).
        image_patch_size: patch size of the pixel tokens, an int or a pair.
        image_strides: step between pixel tokens; default: the patch size.
        image_padding: `"valid"` or `"same"`, as `PixelTokenizer`'s `padding`.
        fragment_length: frames per temporal fragment.
        fragment_stride: hop between fragment starts; default: `fragment_length`.
        pad_end: whether the last fragments run past the clip, padded.
        fragment_patch_size: tubelet patch size to draw on each frame, or None.
        tokenizer: a callable mapping a `tf.string` tensor `(batch,)` to token ids
            `(batch, length)` (dense or ragged), e.g. a `WordTokenizer` or
            `keras.layers.TextVectorization`.
        vocabulary: the token strings by id; default: `tokenizer.get_vocabulary()`
            when the tokenizer has it.
        max_outputs: at most this many samples per picture kind.
        scale: integer zoom of the pictures; default: automatic (images about
            192 pixels, frames about 64 pixels on their longer side).
        every_n_epochs: also log after every n-th epoch; 0 logs at train begin only.

    Example:

    >>> import tempfile, keras, numpy as np
    >>> images = np.random.default_rng(0).integers(0, 256, (2, 8, 8, 3), "uint8")
    >>> callback = TokenPictures(tempfile.mkdtemp(), images, image_patch_size=4, scale=2)
    >>> drawn = callback.pictures()
    >>> drawn["tokens/pixel_tokens"].shape  # 8 * 2 pixels + 3 lines each way
    (2, 19, 19, 3)
    """

    def __init__(
        self,
        logdir: str | os.PathLike | tf.summary.SummaryWriter,
        samples,
        image_patch_size: int | tuple[int, int] | None = None,
        image_strides: int | tuple[int, int] | None = None,
        fragment_length: int | None = None,
        fragment_stride: int | None = None,
        tokenizer: Callable | None = None,
        max_outputs: int = 4,
        *,
        image_padding: str = "valid",
        pad_end: bool = False,
        fragment_patch_size: int | tuple[int, int] | None = None,
        vocabulary: Sequence[str] | None = None,
        scale: int | None = None,
        every_n_epochs: int = 0,
    ):
        super().__init__(logdir)
        if samples is None:
            raise ValueError("samples must be a batch of inputs. Received: samples=None")
        self.samples = samples
        self.max_outputs = _validation.positive_int("max_outputs", max_outputs)
        self.scale = None if scale is None else _validation.positive_int("scale", scale)
        if not isinstance(every_n_epochs, int) or every_n_epochs < 0:
            raise ValueError(
                f"every_n_epochs must be an int >= 0. Received: every_n_epochs={every_n_epochs!r}"
            )
        self.every_n_epochs = every_n_epochs
        if image_padding not in ("valid", "same"):
            raise ValueError(
                "image_padding must be 'valid' or 'same'. "
                f"Received: image_padding={image_padding!r}"
            )
        if tokenizer is not None and not callable(tokenizer):
            raise ValueError(f"tokenizer must be callable. Received: tokenizer={tokenizer!r}")
        self.image_patch_size = image_patch_size
        self.image_strides = image_strides
        self.image_padding = image_padding
        self.fragment_length = fragment_length
        self.fragment_stride = fragment_stride
        self.pad_end = bool(pad_end)
        self.fragment_patch_size = fragment_patch_size
        self.tokenizer = tokenizer
        self.vocabulary = None if vocabulary is None else [str(t) for t in vocabulary]
        self.explicit = any(
            v is not None for v in (image_patch_size, fragment_length, tokenizer)
        )
        if self.explicit:
            self._explicit_views()  # validates arguments and samples now

    # --- what to draw -------------------------------------------------------------

    def _explicit_views(self) -> list[dict]:
        values = _sample_values(self.samples)
        texts = [v for v in values if _is_text(v)]
        numeric = [v for v in values if isinstance(v, np.ndarray) and not _is_text(v)]
        images = [v if v.ndim == 4 else v[..., None] for v in numeric if v.ndim in (3, 4)]
        clips = [v for v in numeric if v.ndim == 5]
        views = []
        if self.image_patch_size is not None:
            if not images:
                raise ValueError(
                    "image_patch_size is set but samples hold no images (batch, height, "
                    f"width, channels); received shapes {[np.shape(v) for v in values]}"
                )
            patch = _validation.pair("image_patch_size", self.image_patch_size)
            strides = patch if self.image_strides is None else _validation.pair(
                "image_strides", self.image_strides
            )
            tokenizer = PixelTokenizer(
                patch, strides=strides, padding=self.image_padding, name=_GEOMETRY_NAME
            )
            views.append(self._pixel_view(PIXEL_TAG, images[0], tokenizer))
        if self.fragment_length is not None:
            if not clips:
                raise ValueError(
                    "fragment_length is set but samples hold no clips (batch, time, height, "
                    f"width, channels); received shapes {[np.shape(v) for v in values]}"
                )
            length = _validation.positive_int("fragment_length", self.fragment_length)
            stride = length if self.fragment_stride is None else _validation.positive_int(
                "fragment_stride", self.fragment_stride
            )
            patch = None if self.fragment_patch_size is None else _validation.pair(
                "fragment_patch_size", self.fragment_patch_size
            )
            fragmenter = TemporalFragmenter(
                length, fragment_stride=stride, pad_end=self.pad_end, name=_GEOMETRY_NAME
            )
            views.append(self._fragment_view(FRAGMENT_TAG, clips[0], fragmenter, patch))
        if self.tokenizer is not None:
            if not texts:
                raise ValueError(
                    "tokenizer is set but samples hold no strings; received dtypes "
                    f"{[getattr(v, 'dtype', type(v)) for v in values]}"
                )
            views.append(self._word_view(WORD_TAG, texts[0], self.tokenizer, self.vocabulary))
        return views

    def _model_views(self) -> list[dict]:
        model = self.model
        layers = tokenizer_layers(model)
        if not layers:
            names = ", ".join(cls.__name__ for cls in TOKENIZER_CLASSES)
            warnings.warn(
                f"TokenPictures found no {names} in model {model.name!r} and was "
                "given no image_patch_size, fragment_length or tokenizer: it logs nothing.",
                TokfragWarning,
                stacklevel=2,
            )
            return []
        captured = _capture_layer_inputs(model, layers, self.samples)
        views = []
        for layer in layers:
            if id(layer) not in captured:
                continue  # not on the path of these inputs
            value = _to_numpy(captured[id(layer)])
            tag = f"tokens/{layer.name}"
            if isinstance(layer, PixelTokenizer):
                views.append(self._pixel_view(tag, value if value.ndim == 4 else value[None],
                                              layer))
            elif isinstance(layer, TemporalFragmenter):
                patch = None if layer.patch_size is None else _validation.pair(
                    "patch_size", layer.patch_size
                )
                views.append(self._fragment_view(tag, value, layer, patch))
            else:
                views.append(self._word_view(tag, value, layer, layer.get_vocabulary()))
        return views

    def _pixel_view(self, tag, images, tokenizer: PixelTokenizer) -> dict:
        images = images[: self.max_outputs]
        rgb = pictures.to_rgb_uint8(images)
        height, width = rgb.shape[1:3]
        scale = self.scale or pictures.auto_scale(height, width, _IMAGE_TARGET)
        data = np.stack(
            [pictures.pixel_token_picture(image, tokenizer, scale) for image in rgb]
        )
        return {"kind": "image", "tag": tag, "data": data,
                "description": _image_description((height, width), tokenizer)}

    def _fragment_view(self, tag, clips, fragmenter: TemporalFragmenter, patch) -> dict:
        clips = clips[: self.max_outputs]
        if clips.ndim == 5:
            frames = pictures.to_rgb_uint8(clips)
        else:  # signals (batch, time) or features (batch, time, ...): a strip per frame
            flat = clips.reshape(clips.shape[0], clips.shape[1], 1, -1, 1)
            frames = pictures.to_rgb_uint8(flat.astype(np.float64))
            patch = None
        batch, time, height, width = frames.shape[:4]
        scale = self.scale or pictures.auto_scale(height, width, _FRAME_TARGET)
        # Tubelets cut each frame as a PixelTokenizer with strides = patch does.
        tubelets = None if patch is None else PixelTokenizer(patch, name=_GEOMETRY_NAME)
        data = []
        for clip in frames:
            if tubelets is None:
                zoomed = np.repeat(np.repeat(clip, scale, axis=1), scale, axis=2)
            else:
                zoomed = np.stack(
                    [pictures.pixel_token_picture(frame, tubelets, scale) for frame in clip]
                )
            data.append(pictures.fragment_picture(zoomed, fragmenter))
        return {"kind": "image", "tag": tag, "data": np.stack(data),
                "description": _clip_description(time, fragmenter, patch)}

    def _word_view(self, tag, texts, tokenizer, vocabulary) -> dict:
        strings = _as_strings(texts)[: self.max_outputs]
        if vocabulary is None and hasattr(tokenizer, "get_vocabulary"):
            vocabulary = list(tokenizer.get_vocabulary())
        rows = _ids_rows(tokenizer(tf.constant(strings)))
        table = _word_table(strings, rows, vocabulary)
        return {"kind": "text", "tag": tag, "data": table,
                "description": "Raw strings, their token ids (padding id 0 left out) and "
                               "the token strings."}

    # --- logging --------------------------------------------------------------------

    def pictures(self) -> dict:
        """`{tag: uint8 pictures (k, h, w, 3) or a Markdown table}` for the samples."""
        views = self._explicit_views() if self.explicit else self._model_views()
        return {view["tag"]: view["data"] for view in views}

    def log(self, step: int = 0) -> None:
        """Writes the pictures and tables at `step`."""
        views = self._explicit_views() if self.explicit else self._model_views()
        with self._writing():
            for view in views:
                if view["kind"] == "image":
                    tf.summary.image(view["tag"], view["data"], step=step,
                                     max_outputs=self.max_outputs,
                                     description=view["description"])
                else:
                    tf.summary.text(view["tag"], view["data"], step=step,
                                    description=view["description"])

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self.log(step=0)

    def on_epoch_end(self, epoch, logs=None):
        if self.every_n_epochs and (epoch + 1) % self.every_n_epochs == 0:
            self.log(step=epoch + 1)
