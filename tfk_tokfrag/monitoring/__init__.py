"""TensorBoard monitoring of training runs: callbacks for `model.fit`, their pictures,
and a local TensorBoard server.

- `monitoring_callbacks(logdir, ...)`: the callbacks of a run, Keras' `TensorBoard`
  first, then the ones below that apply to the model;
- `TokenPictures`: what the tokenization layers see (pixel tokens, temporal
  fragments, word tokens) as images and tables;
- `ConfusionMatrixCallback`, `HParamsCallback`, `LearningRateLogger`;
- `start_tensorboard(logdir)`: TensorBoard in a child process, stopped from Python.

`tfk_tokfrag.monitoring.pictures` draws the pictures with NumPy, asking the layers
for their geometry.
"""

from tfk_tokfrag.monitoring.callbacks import monitoring_callbacks
from tfk_tokfrag.monitoring.confusion_matrix import ConfusionMatrixCallback
from tfk_tokfrag.monitoring.hparams import HParamsCallback
from tfk_tokfrag.monitoring.learning_rate_logger import LearningRateLogger
from tfk_tokfrag.monitoring.tensorboard_server import TensorBoardServer, start_tensorboard
from tfk_tokfrag.monitoring.token_pictures import TokenPictures, tokenizer_layers

__all__ = [
    "ConfusionMatrixCallback",
    "HParamsCallback",
    "LearningRateLogger",
    "TensorBoardServer",
    "TokenPictures",
    "monitoring_callbacks",
    "start_tensorboard",
    "tokenizer_layers",
]
