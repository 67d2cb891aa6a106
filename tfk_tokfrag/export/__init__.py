"""SavedModel export that serves raw inputs, its input signature, and its evaluation."""

from tfk_tokfrag.export.evaluate import Accuracy, check_inputs_fit, evaluate_saved_model
from tfk_tokfrag.export.requests import (
    decode_image,
    prepare_requests,
    read_image_file,
    read_texts,
    read_video,
)
from tfk_tokfrag.export.saved_model import (
    METADATA_FILENAME,
    export_saved_model,
    load_metadata,
    load_saved_model,
)
from tfk_tokfrag.export.signature import InputSignature, InputSpec

__all__ = [
    "Accuracy",
    "InputSignature",
    "InputSpec",
    "METADATA_FILENAME",
    "check_inputs_fit",
    "decode_image",
    "evaluate_saved_model",
    "export_saved_model",
    "load_metadata",
    "load_saved_model",
    "prepare_requests",
    "read_image_file",
    "read_texts",
    "read_video",
]
