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
                "%s: cannot combine a tensor of dtype %s (shape %s) with a tensor of dtype "
                "%s (shape %s). ndflow, like TensorFlow, does not promote dtypes: cast one "
                "side first, e.g. tf.cast(y, tf.%s)." % (
                    opname, x.dtype.name, tuple(x._value.shape), y.dtype.name,
                    tuple(y._value.shape), x.dtype.name))
        return x, y
    if xt:
        return x, _adapt(y, x, opname)
    if yt:
        return _adapt(x, y, opname), y
    if isinstance(x, (bool, int, float)) and not isinstance(y, (bool, int, float)):
        y = convert_to_tensor(y)   # a Python number adapts to an array beside it
        return _adapt(x, y, opname), y
    x = convert_to_tensor(x)
    return x, _adapt(y, x, opname)


# Python numbers met in binary ops (2.0, 1, 0.5 ...) as ready-made 0-d tensors, per dtype
_scalar_cache = {}


def _adapt(value, like, opname):
    """``value`` (a Python number, NumPy array or nested list) as a tensor of ``like``'s dtype.

    Refuses conversions that would silently lose information (a fractional Python float
    or a float array meeting an integer or bool tensor)."""
    dt = like._value.dtype
    if isinstance(value, (bool, int, float)):
        if isinstance(value, float) and dt.kind in "iub" and not value.is_integer():
            raise TypeError(
                "%s: cannot combine the Python float %r with a %s tensor without losing "
                "the fraction. Cast the tensor first: tf.cast(x, tf.float32)."
                % (opname, value, like.dtype.name))
        key = (type(value), value, dt)
        t = _scalar_cache.get(key)
        if t is not None:
            return t
        try:
            t = wrap(np.asarray(value, dtype=dt))
        except OverflowError:
            raise InvalidArgumentError(
                "%s: the Python number %r does not fit in the %s tensor's dtype. Cast the "
                "tensor to a wider dtype first." % (opname, value, like.dtype.name)) from None
        if len(_scalar_cache) >= 512:
            _scalar_cache.clear()
        _scalar_cache[key] = t   # tensors are immutable, so one can be shared
        return t
    if isinstance(value, (np.ndarray, np.generic)):
        if value.dtype != dt:
            if dt.kind in "iub" and value.dtype.kind in "fc":
                raise TypeError(
                    "%s: cannot combine a %s NumPy array with a %s tensor. Cast one side "
                    "first with tf.cast." % (opname, value.dtype, like.dtype.name))
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


def convert_list(values, opname):
    """Convert a list for concat/stack: Python numbers and arrays take the dtype of the
    first tensor in the list; tensors of different dtypes raise."""
    values = list(values)
    like = next((v for v in values if isinstance(v, Tensor)), None)
    if like is None:
        like = convert_to_tensor(values[0]) if values else None
    out = [v if isinstance(v, Tensor) else _adapt(v, like, opname) for v in values]
    d = out[0]._value.dtype if out else None
    for v in out:
        if v._value.dtype != d:
            raise InvalidArgumentError(
                "%s: all inputs must have the same dtype, got %s. Cast them first with "
                "tf.cast." % (opname, [t.dtype.name for t in out]))
    return out
