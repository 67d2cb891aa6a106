"""Training glue around `model.fit`: the recipe, resumable backups, the zoo workflow.

The TensorBoard callbacks and server live in `tfk_tokfrag.monitoring`; they are
re-exported here, where they were first published.
"""

from tfk_tokfrag.monitoring import (
    ConfusionMatrixCallback,
    HParamsCallback,
    LearningRateLogger,
    TokenPictures,
    monitoring_callbacks,
    start_tensorboard,
)
from tfk_tokfrag.training.distribute import (
    FileSharding,
    WorkerFiles,
    file_sharded_dataset,
    file_sharding,
    is_chief,
    plan_file_sharding,
    resolve_strategy,
    shard_by_data,
    tf_config,
    wait_for_peers,
    worker_input_context,
)
from tfk_tokfrag.training.epoch_variable import EpochVariable
from tfk_tokfrag.training.evaluate import correct_per_example, evaluate_model
from tfk_tokfrag.training.fit import compile_classifier, fit_classifier, steps_per_epoch
from tfk_tokfrag.training.model_inputs import select_model_inputs
from tfk_tokfrag.training.resumable_backup import (
    ResumableBackup,
    atomic_save_model,
    read_backup_epoch,
)
from tfk_tokfrag.training.train_model import TrainResult, train_model

__all__ = [
    "ConfusionMatrixCallback",
    "EpochVariable",
    "FileSharding",
    "HParamsCallback",
    "LearningRateLogger",
    "ResumableBackup",
    "TokenPictures",
    "TrainResult",
    "WorkerFiles",
    "atomic_save_model",
    "compile_classifier",
    "correct_per_example",
    "evaluate_model",
    "file_sharded_dataset",
    "file_sharding",
    "fit_classifier",
    "is_chief",
    "monitoring_callbacks",
    "plan_file_sharding",
    "read_backup_epoch",
    "resolve_strategy",
    "select_model_inputs",
    "shard_by_data",
    "start_tensorboard",
    "steps_per_epoch",
    "tf_config",
    "train_model",
    "wait_for_peers",
    "worker_input_context",
]
