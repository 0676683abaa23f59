"""Shared helpers for writing ops: argument conversion with TensorFlow's dtype rules."""
import numpy as np

from ndflow.core.tensor import Tensor, convert_to_tensor
from ndflow.core.engine import Op, execute
from ndflow.core.errors import InvalidArgumentError

__all__ = ["Op", "execute", "Tensor", "convert", "binary_args", "np", "InvalidArgumentError",
           "wrap", "normalize_axis"]

convert = convert_to_tensor


def wrap(array):
    t = Tensor.__new__(Tensor)
    t._value = array if type(array) is np.ndarray else np.asarray(array)
    return t


def binary_args(x, y, opname):
    """Convert ``x`` and ``y`` for a binary op.

    Python numbers and NumPy arrays adapt to the dtype of a tensor they meet; two tensors
    of different dtypes raise an error naming the op, as TensorFlow does.
    """
    xt = isinstance(x, Tensor)
    yt = isinstance(y, Tensor)
    if xt and yt:
        if x._value.dtype != y._value.dtype:
            raise InvalidArgumentError(
                "%s: cannot combine a %s tensor with a %s tensor (shapes %s and %s). "
                "ndflow, like TensorFlow, does not promote dtypes: cast one side first, "
                "e.g. tf.cast(y, %s)." % (
                    opname, x.dtype.name, y.dtype.name, tuple(x._value.shape),
                    tuple(y._value.shape), x.dtype.name))
        return x, y
    if xt:
        return x, _adapt(y, x, opname)
    if yt:
        return _adapt(x, y, opname), y
    x = convert_to_tensor(x)
    return x, _adapt(y, x, opname)


def _adapt(value, like, opname):
    dt = like._value.dtype
    if isinstance(value, (int, float, bool)) and not isinstance(value, bool) or \
            isinstance(value, bool):
        if dt.kind in "iu" and isinstance(value, float) and not float(value).is_integer():
            raise TypeError(
                "%s: cannot combine the Python float %r with a %s tensor without losing "
                "the fraction. Cast the tensor first: tf.cast(x, tf.float32)."
                % (opname, value, like.dtype.name))
        return wrap(np.asarray(value, dtype=dt))
    if isinstance(value, np.ndarray) or isinstance(value, np.generic):
        if value.dtype != dt:
            if dt.kind in "iub" and value.dtype.kind == "f":
                raise TypeError(
                    "%s: cannot combine a float array with a %s tensor. Cast one side first "
                    "with tf.cast." % (opname, like.dtype.name))
            value = value.astype(dt)
        return wrap(np.asarray(value))
    return convert_to_tensor(value, dtype=like.dtype)


def normalize_axis(axis, ndim, opname="op"):
    """A tuple of non-negative axes (None -> all axes)."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, Tensor):
        axis = axis._value.tolist()
    if isinstance(axis, (list, tuple, np.ndarray)):
        axes = [int(a) for a in axis]
    else:
        axes = [int(axis)]
    out = []
    for a in axes:
        if not -ndim <= a < max(ndim, 1):
            raise InvalidArgumentError(
                "%s: axis %d is out of range for a tensor of rank %d (valid: %d to %d)."
                % (opname, a, ndim, -ndim, ndim - 1))
        out.append(a % ndim if ndim else 0)
    return tuple(out)
