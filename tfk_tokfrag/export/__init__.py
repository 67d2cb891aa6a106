"""SavedModel export that serves raw inputs."""

from tfk_tokfrag.export.saved_model import METADATA_FILENAME, export_saved_model, load_metadata

__all__ = ["METADATA_FILENAME", "export_saved_model", "load_metadata"]
