"""The warning category tfk_tokfrag raises (tests turn it into an error)."""


class TokfragWarning(UserWarning):
    """Warnings issued by tfk_tokfrag itself."""
