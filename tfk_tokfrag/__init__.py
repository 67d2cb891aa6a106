"""tfk_tokfrag: Keras 3 tokenization layers and a model zoo for images, text and video.

The public surface:

- `tfk_tokfrag.layers`: `PixelTokenizer`, `WordTokenizer`, `TemporalFragmenter`, ...
- `tfk_tokfrag.models`: `conv_net`, `lstm_video_classifier`, `fused_multimodal_net`,
  `list_models()`, `get_model(name, **overrides)`.
- `tfk_tokfrag.data`: tf.data pipelines and the offline datasets.
- `tfk_tokfrag.training`: the training recipe around `model.fit`, resumable backups,
  `train_model` (the one workflow the CLI, the demo and the catalogue use).
- `tfk_tokfrag.monitoring`: TensorBoard callbacks (token pictures, confusion matrix,
  HParams, learning rate) and `start_tensorboard`.
- `tfk_tokfrag.export`: `export_saved_model` (SavedModels that serve raw inputs), its
  `InputSignature`, `evaluate_saved_model`.

See docs/ARCHITECTURE.md for the layout and what each package may import.
"""

from tfk_tokfrag import data, export, layers, models, monitoring, training
from tfk_tokfrag.export import export_saved_model
from tfk_tokfrag.layers import PixelTokenizer, TemporalFragmenter, WordTokenizer
from tfk_tokfrag.models import get_model, list_models
from tfk_tokfrag.version import __version__

__all__ = [
    "PixelTokenizer",
    "TemporalFragmenter",
    "WordTokenizer",
    "__version__",
    "data",
    "export",
    "export_saved_model",
    "get_model",
    "layers",
    "list_models",
    "models",
    "monitoring",
    "training",
]
