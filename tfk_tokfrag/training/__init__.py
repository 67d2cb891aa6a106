"""Training glue around `model.fit`: the recipe, resumable backups, TensorBoard."""

from tfk_tokfrag.training.callbacks import monitoring_callbacks
from tfk_tokfrag.training.confusion_matrix import ConfusionMatrixCallback
from tfk_tokfrag.training.fit import compile_classifier, fit_classifier, steps_per_epoch
from tfk_tokfrag.training.hparams import HParamsCallback
from tfk_tokfrag.training.learning_rate_logger import LearningRateLogger
from tfk_tokfrag.training.resumable_backup import ResumableBackup, atomic_save_model
from tfk_tokfrag.training.tensorboard_server import start_tensorboard
from tfk_tokfrag.training.token_pictures import TokenPictures
from tfk_tokfrag.training.train_model import select_model_inputs

__all__ = [
    "ConfusionMatrixCallback",
    "HParamsCallback",
    "LearningRateLogger",
    "ResumableBackup",
    "TokenPictures",
    "atomic_save_model",
    "compile_classifier",
    "fit_classifier",
    "monitoring_callbacks",
    "select_model_inputs",
    "start_tensorboard",
    "steps_per_epoch",
]
