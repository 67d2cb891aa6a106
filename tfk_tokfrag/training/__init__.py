"""Training glue around `model.fit`: the recipe, callbacks."""

from tfk_tokfrag.training.fit import compile_classifier, fit_classifier, steps_per_epoch

__all__ = ["compile_classifier", "fit_classifier", "steps_per_epoch"]
