"""The ``tf.bitwise`` kernels: AND / OR / XOR / NOT and shifts on integer tensors.

Dtype rules follow TensorFlow: the eight integer dtypes only (no bool, no floats), both
operands of one dtype (a Python number or NumPy array adapts to a tensor beside it, two
tensors of different dtypes are an error), NumPy broadcasting.  A shift amount is
clamped to ``[0, bits - 1]``, so shifting an int8 by 8 or more acts like shifting by 7
and a negative amount acts like 0."""
import numpy as np

from ndflow.ops._base import binary_args, convert, wrap, InvalidArgumentError

__all__ = ["bitwise_and", "bitwise_or", "bitwise_xor", "invert", "left_shift", "right_shift"]

_INT_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")


def _check(t, opname):
    if t._value.dtype.kind not in "iu":
        raise InvalidArgumentError(
            "tf.bitwise.%s: needs integer tensors (%s), got dtype %s. Cast first, e.g. "
            "tf.cast(x, tf.int32)." % (opname, ", ".join(_INT_DTYPES), t.dtype.name))


def _binary(x, y, opname, kernel):
    x, y = binary_args(x, y, "tf.bitwise." + opname)
    _check(x, opname)
    try:
        return wrap(np.asarray(kernel(x._value, y._value)))
    except ValueError:
        raise InvalidArgumentError(
            "tf.bitwise.%s: shapes %s and %s cannot be broadcast together."
            % (opname, tuple(x._value.shape), tuple(y._value.shape))) from None


def bitwise_and(x, y, name=None):
    """Elementwise ``x & y``."""
    return _binary(x, y, "bitwise_and", np.bitwise_and)


def bitwise_or(x, y, name=None):
    """Elementwise ``x | y``."""
    return _binary(x, y, "bitwise_or", np.bitwise_or)


def bitwise_xor(x, y, name=None):
    """Elementwise ``x ^ y``."""
    return _binary(x, y, "bitwise_xor", np.bitwise_xor)


def invert(x, name=None):
    """Elementwise ``~x`` (every bit flipped)."""
    x = convert(x)
    _check(x, "invert")
    return wrap(np.asarray(np.invert(x._value)))


def _shift(kernel):
    def run(a, b):
        bits = a.dtype.itemsize * 8
        amount = np.clip(b, 0, bits - 1).astype(a.dtype)
        return kernel(a, amount)
    return run


def left_shift(x, y, name=None):
    """Elementwise ``x << y`` (bits shifted out are lost; the sign bit may be set)."""
    return _binary(x, y, "left_shift", _shift(np.left_shift))


def right_shift(x, y, name=None):
    """Elementwise ``x >> y``; signed values shift in copies of the sign bit."""
    return _binary(x, y, "right_shift", _shift(np.right_shift))
