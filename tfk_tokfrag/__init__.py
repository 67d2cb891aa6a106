"""tfk_tokfrag: Keras 3 tokenization layers and a model zoo for images, text and video."""

from tfk_tokfrag.version import __version__

__all__ = ["__version__"]
