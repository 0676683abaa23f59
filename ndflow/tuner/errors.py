"""``kt.errors``: exceptions a hypermodel raises to control the search.

``FailedTrialError``: the trial failed and must not be retried.  ``Fatal*Error``: stop
the whole search at once (no other trial would succeed either).
"""


class FailedTrialError(Exception):
    """Raise in ``build``/``fit`` to mark the trial FAILED without retries."""


class FatalError(Exception):
    """Raise in ``build``/``fit`` to stop the search immediately."""


class FatalValueError(FatalError, ValueError):
    pass


class FatalTypeError(FatalError, TypeError):
    pass


class FatalRuntimeError(FatalError, RuntimeError):
    pass
