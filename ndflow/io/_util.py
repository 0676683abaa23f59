"""Small helpers shared by the ``tf.io`` modules: turning arguments into bytes, paths and
arrays, wrapping results as tensors, and mapping OS errors onto ``tf.errors``."""
import os

import numpy as np

from ndflow.core import errors
from ndflow.core.tensor import Tensor


def _value(x):
    """The NumPy value behind a Tensor / Variable, or ``x`` itself."""
    if isinstance(x, Tensor):
        return x._value
    v = getattr(x, "_value", None)  # Variable
    if isinstance(v, np.ndarray) and hasattr(x, "assign"):
        return v
    return x


def to_bytes(x, fn, arg):
    """``x`` (bytes, str, a 0-d string tensor or array) as ``bytes``.

    ``fn`` and ``arg`` name the function and argument for the error message.
    """
    x = _value(x)
    if isinstance(x, (list, tuple)):
        x = np.array(x, dtype=object)
    if isinstance(x, np.ndarray):
        if x.ndim != 0:
            raise errors.InvalidArgumentError(
                "%s: `%s` must be a scalar (one string), got shape %s. Call %s once per "
                "element (for example inside Dataset.map)." % (fn, arg, tuple(x.shape), fn))
        x = x[()]
    if isinstance(x, np.bytes_):
        return bytes(x)
    if isinstance(x, (bytes, bytearray, memoryview)):
        return bytes(x)
    if isinstance(x, str):
        return x.encode("utf-8")
    raise TypeError("%s: `%s` must be a string (bytes or str, or a string tensor), got %s. "
                    "Encode the value to bytes first." % (fn, arg, type(x).__name__))


def to_path(x, fn, arg="filename"):
    """A file name argument as a ``str`` path."""
    x = _value(x)
    if isinstance(x, os.PathLike):
        return os.fspath(x)
    b = to_bytes(x, fn, arg)
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        return os.fsdecode(b)


def string_array(x, fn, arg):
    """``x`` as a NumPy object array of ``bytes`` (any shape)."""
    x = _value(x)
    if isinstance(x, (bytes, bytearray, str, np.bytes_, np.str_)):
        out = np.empty((), dtype=object)
        out[()] = to_bytes(x, fn, arg)
        return out
    arr = np.asarray(x, dtype=object)
    out = np.empty(arr.shape, dtype=object)
    for idx in np.ndindex(arr.shape):
        v = arr[idx]
        if isinstance(v, str):
            v = v.encode("utf-8")
        elif isinstance(v, (bytearray, memoryview, np.bytes_)):
            v = bytes(v)
        elif not isinstance(v, bytes):
            raise TypeError("%s: `%s` must hold strings (bytes or str), found %s."
                            % (fn, arg, type(v).__name__))
        out[idx] = v
    return out


def bytes_tensor(b):
    """A 0-d ``tf.string`` tensor holding ``b``."""
    arr = np.empty((), dtype=object)
    arr[()] = b
    return Tensor(arr)


def os_error(e, fn, path):
    """The ``tf.errors`` exception for an ``OSError`` raised while ``fn`` used ``path``."""
    reason = e.strerror or str(e)
    where = "%s: %s; %s" % (fn, path, reason)
    if isinstance(e, FileNotFoundError):
        return errors.NotFoundError(where)
    if isinstance(e, (IsADirectoryError, NotADirectoryError)):
        return errors.FailedPreconditionError(where)
    if isinstance(e, FileExistsError):
        return errors.AlreadyExistsError(where)
    if isinstance(e, PermissionError):
        return errors.PermissionDeniedError(where)
    return errors.UnknownError(where)


def local_path(path, fn):
    """Checks that ``path`` is a local path (``file://`` is stripped)."""
    if path.startswith("file://"):
        return path[len("file://"):]
    head = path.split("/", 1)[0]
    if head.endswith(":") and "://" in path and len(head) > 2:
        raise errors.UnimplementedError(
            "%s: ndflow reads and writes local files only, got %r (scheme %r). Copy the "
            "file to a local path first (for example with the provider's command-line "
            "tool)." % (fn, path, head[:-1]))
    return path
