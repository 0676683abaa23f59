"""``tf.debugging``: assertions that raise ``InvalidArgumentError`` with the values."""
import numpy as np

from ndflow.ops._base import convert, InvalidArgumentError
from ndflow.backend import dtypes as _dt


def _fail(message, summary):
    raise InvalidArgumentError("%s%s" % (message + ": " if message else "", summary))


def _pair(x, y, check, what, message):
    xv, yv = convert(x)._value, convert(y)._value
    try:
        ok = np.all(check(xv, yv))
    except ValueError:
        _fail(message, "shapes %s and %s are incompatible" % (xv.shape, yv.shape))
    if not ok:
        _fail(message, "Condition x %s y did not hold. x = %s, y = %s" % (what, xv, yv))


def assert_equal(x, y, message=None, summarize=None, name=None):
    _pair(x, y, np.equal, "==", message)


def assert_none_equal(x, y, message=None, summarize=None, name=None):
    _pair(x, y, np.not_equal, "!=", message)


def assert_less(x, y, message=None, summarize=None, name=None):
    _pair(x, y, np.less, "<", message)


def assert_less_equal(x, y, message=None, summarize=None, name=None):
    _pair(x, y, np.less_equal, "<=", message)


def assert_greater(x, y, message=None, summarize=None, name=None):
    _pair(x, y, np.greater, ">", message)


def assert_greater_equal(x, y, message=None, summarize=None, name=None):
    _pair(x, y, np.greater_equal, ">=", message)


def assert_near(x, y, rtol=None, atol=None, message=None, summarize=None, name=None):
    xv = convert(x)._value
    eps = 1e-6 if xv.dtype != np.float64 else 1e-12
    rtol = 10 * eps if rtol is None else rtol
    atol = 10 * eps if atol is None else atol
    _pair(x, y, lambda a, b: np.abs(a - b) <= atol + rtol * np.abs(b), "~=", message)


def assert_positive(x, message=None, summarize=None, name=None):
    _pair(x, 0, np.greater, ">", message)


def assert_non_negative(x, message=None, summarize=None, name=None):
    _pair(x, 0, np.greater_equal, ">=", message)


def assert_negative(x, message=None, summarize=None, name=None):
    _pair(x, 0, np.less, "<", message)


def assert_rank(x, rank, message=None, name=None):
    r = convert(x)._value.ndim
    if r != int(rank):
        _fail(message, "tensor must have rank %d, got rank %d (shape %s)"
              % (int(rank), r, convert(x)._value.shape))


def assert_type(tensor, tf_type, message=None, name=None):
    d = convert(tensor).dtype
    if d != _dt.as_dtype(tf_type):
        raise TypeError("%s%s tensor expected, got %s" % (message + ": " if message else "",
                                                         _dt.as_dtype(tf_type).name, d.name))


def assert_shapes(shapes, data=None, summarize=None, message=None, name=None):
    """Each (tensor, shape) pair must match; named dimensions must agree across tensors."""
    sizes = {}
    for t, shape in (shapes.items() if isinstance(shapes, dict) else shapes):
        actual = convert(t)._value.shape
        if len(shape) != len(actual):
            _fail(message, "expected rank %d (shape %s), got shape %s"
                  % (len(shape), list(shape), actual))
        for want, got in zip(shape, actual):
            if isinstance(want, int):
                if want != got:
                    _fail(message, "expected shape %s, got %s" % (list(shape), actual))
            elif want is not None and want != ".":
                if sizes.setdefault(want, got) != got:
                    _fail(message, "dimension %r is %d in one tensor and %d in another"
                          % (want, sizes[want], got))


def assert_all_finite(t, message, name=None):
    return check_numerics(t, message)


def check_numerics(tensor, message, name=None):
    t = convert(tensor)
    v = t._value
    if v.dtype.kind == "f" and not np.all(np.isfinite(v)):
        kinds = [k for k, bad in (("NaN", np.isnan(v).any()), ("Inf", np.isinf(v).any()))
                 if bad]
        _fail(message, "Tensor had %s values" % " and ".join(kinds))
    return t


def enable_check_numerics(*args, **kwargs):
    pass


def disable_check_numerics():
    pass


def set_log_device_placement(enabled):
    pass
