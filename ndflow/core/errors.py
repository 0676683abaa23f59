"""Exception types with TensorFlow's names (``tf.errors.*``)."""


class OpError(Exception):
    """Base of errors raised while running an op."""

    def __init__(self, message, node_def=None, op=None, error_code=None):
        super().__init__(message)
        self.message = message
        self.op = op
        self.node_def = node_def
        self.error_code = error_code


class InvalidArgumentError(OpError, ValueError):
    """An op received an argument it cannot use (bad shape, dtype mismatch, ...)."""


class NotFoundError(OpError):
    pass


class ResourceExhaustedError(OpError):
    pass


class UnimplementedError(OpError, NotImplementedError):
    pass


class FailedPreconditionError(OpError):
    pass


class OutOfRangeError(OpError):
    pass


class UnknownError(OpError):
    pass


class CancelledError(OpError):
    pass


class DeadlineExceededError(OpError):
    pass


class AlreadyExistsError(OpError):
    pass


class PermissionDeniedError(OpError):
    pass


class UnauthenticatedError(OpError):
    pass


class AbortedError(OpError):
    pass


class InternalError(OpError):
    pass


class UnavailableError(OpError):
    pass


class DataLossError(OpError):
    pass
