"""``keras.ops.numpy``: NumPy's functions with Keras 3's signatures and dtype rules.

Each function converts its arguments (Python numbers and lists get Keras' default dtypes,
see ``_base``), promotes them to a common dtype and maps onto ndflow's primitives, so the
results are differentiable wherever the primitives are.  Index, count and comparison
results (``argmax``, ``isnan``, ``searchsorted`` ...) have no gradient.
"""
import builtins
import math as _math

import numpy as np

from ndflow.core.tensor import Tensor
from ndflow.core.errors import InvalidArgumentError
from ndflow.ops import math_ops as M
from ndflow.ops import array_ops as A
from ndflow.ops import reduction_ops as R
from ndflow.ops import linalg_ops as L
from ndflow.ops._base import wrap as _wrap
from ndflow.keras.ops._base import (keras_op, tensor, cast, promote, float_tensor,
                                    result_type, dtype_of, standardize_dtype, axis_tuple,
                                    one_axis, ndarray, is_float, is_int, floatx)

_pi = np.pi


def _shape(x):
    return x._value.shape


def _ndim(x):
    return x._value.ndim


def _const(value, like):
    """A constant array in ``like``'s dtype."""
    return _wrap(np.asarray(value, dtype=like._value.dtype))


def _np_int(x, opname):
    v = ndarray(x)
    if v.dtype.kind not in "iub":
        if v.dtype.kind == "f" and np.all(v == np.round(v)):
            return v.astype(np.int64)
        raise InvalidArgumentError("keras.ops.%s: indices must be integers, got dtype %s."
                                   % (opname, v.dtype))
    return v


def _i32(a):
    return _wrap(np.asarray(a).astype(np.int32))


# ---- the families of one-line ops: each factory makes the keras op called ``name`` ------

def _named_op(name, body):
    body.__name__ = body.__qualname__ = name
    return keras_op(body)


def _float_unary(name, math_fn):
    """``name(x)``: ``math_fn`` on ``x`` as a float tensor."""
    return _named_op(name, lambda x: math_fn(float_tensor(x)))


def _elementwise_np(name, np_fn):
    """``name(x)``: the NumPy function ``np_fn`` on ``x``'s values (not differentiable)."""
    return _named_op(name, lambda x: _wrap(np_fn(ndarray(tensor(x)))))


def _comparison(name, math_fn):
    """``name(x1, x2)``: the comparison ``math_fn`` after promoting the two operands."""
    return _named_op(name, lambda x1, x2: _compare(math_fn)(x1, x2))


def _logical(name, np_fn):
    """``name(x1, x2)``: the NumPy logical function ``np_fn`` on the truth values."""
    return _named_op(name, lambda x1, x2: _wrap(np_fn(_truth(x1), _truth(x2))))


def _bitwise(name, np_fn):
    """``name(x, y)``: the NumPy bitwise function ``np_fn`` on two integer/bool tensors."""
    return _named_op(name, lambda x, y: _wrap(np_fn(*_int_pair(x, y, name))))


# ---- elementwise: arithmetic -------------------------------------------------------------

@keras_op
def add(x1, x2):
    x1, x2 = promote(x1, x2)
    if x1._value.dtype == np.bool_:
        return logical_or(x1, x2)
    return M.add(x1, x2)


@keras_op
def subtract(x1, x2):
    x1, x2 = promote(x1, x2)
    return M.subtract(x1, x2)


@keras_op
def multiply(x1, x2):
    x1, x2 = promote(x1, x2)
    if x1._value.dtype == np.bool_:
        return logical_and(x1, x2)
    return M.multiply(x1, x2)


@keras_op
def divide(x1, x2):
    x1, x2 = promote(x1, x2, extra=(float,))
    return M.divide(x1, x2)


@keras_op
def true_divide(x1, x2):
    return divide(x1, x2)


@keras_op
def divide_no_nan(x1, x2):
    x1, x2 = promote(x1, x2, extra=(float,))
    return M.divide_no_nan(x1, x2)


@keras_op
def floor_divide(x1, x2):
    x1, x2 = promote(x1, x2)
    return M.floordiv(x1, x2)


@keras_op
def mod(x1, x2):
    x1, x2 = promote(x1, x2)
    if x1._value.dtype == np.bool_:
        x1, x2 = cast(x1, "int32"), cast(x2, "int32")
    return M.floormod(x1, x2)


@keras_op
def fmod(x1, x2):
    """Remainder with the sign of ``x1`` (C's fmod)."""
    x1, x2 = promote(x1, x2)
    r = M.floormod(x1, x2)
    rv, av = r._value, x1._value
    fix = (rv != 0) & ((rv < 0) != (av < 0))
    return M.where(_wrap(fix), M.subtract(r, x2), r)


@keras_op
def power(x1, x2):
    x1, x2 = promote(x1, x2)
    return M.pow(x1, x2)


@keras_op
def maximum(x1, x2):
    x1, x2 = promote(x1, x2)
    return M.maximum(x1, x2)


@keras_op
def minimum(x1, x2):
    x1, x2 = promote(x1, x2)
    return M.minimum(x1, x2)


@keras_op
def fmax(x1, x2):
    """Elementwise maximum that ignores a NaN on one side."""
    x1, x2 = promote(x1, x2)
    m = M.maximum(x1, x2)
    return M.where(M.is_nan(x1), x2, M.where(M.is_nan(x2), x1, m))


@keras_op
def fmin(x1, x2):
    x1, x2 = promote(x1, x2)
    m = M.minimum(x1, x2)
    return M.where(M.is_nan(x1), x2, M.where(M.is_nan(x2), x1, m))


@keras_op
def negative(x):
    return M.negative(tensor(x))


@keras_op
def abs(x):
    x = tensor(x)
    if x._value.dtype.kind == "c":
        from ndflow.ops import signal_ops as S
        return S.complex_abs(x)
    return M.abs(x)


@keras_op
def absolute(x):
    return abs(x)


fabs = _float_unary("fabs", M.abs)


@keras_op
def sign(x):
    return M.sign(tensor(x))


@keras_op
def square(x):
    x = tensor(x)
    if x._value.dtype == np.bool_:
        x = cast(x, "int32")
    return M.square(x)


reciprocal = _float_unary("reciprocal", M.reciprocal)
sqrt = _float_unary("sqrt", M.sqrt)


@keras_op
def cbrt(x):
    """Real cube root (negative for negative ``x``)."""
    x = _float_wide(x)
    return _odd(lambda a: M.pow(a, 1.0 / 3.0), x)


def _float_wide(x):
    """float_tensor, except int64 becomes float64 (Keras' TF backend does this for a few
    functions: cbrt, deg2rad, rad2deg)."""
    x = tensor(x)
    if x._value.dtype == np.int64:
        return cast(x, "float64")
    return float_tensor(x)


def _odd(f, x):
    """``f`` extended to negative ``x`` as an odd function (f(-x) = -f(x)), with gradients
    that stay finite: ``f`` only ever sees values >= 0."""
    pos = M.greater_equal(x, 0)
    ax = M.where(pos, x, M.negative(x))
    y = f(ax)
    return M.where(pos, y, M.negative(y))


exp = _float_unary("exp", M.exp)


@keras_op
def exp2(x):
    x = float_tensor(x)
    return M.exp(M.multiply(x, _math.log(2.0)))


expm1 = _float_unary("expm1", M.expm1)
log = _float_unary("log", M.log)
log1p = _float_unary("log1p", M.log1p)


@keras_op
def log2(x):
    x = float_tensor(x)
    return M.multiply(M.log(x), 1.0 / _math.log(2.0))


@keras_op
def log10(x):
    x = float_tensor(x)
    return M.multiply(M.log(x), 1.0 / _math.log(10.0))


@keras_op
def logaddexp(x1, x2):
    """log(exp(x1) + exp(x2)) without overflow."""
    x1, x2 = promote(x1, x2, extra=(float,))
    hi = M.maximum(x1, x2)
    same = M.equal(x1, x2)          # also covers two equal infinities
    zero = M.zeros_like(x1)
    d = M.negative(M.abs(M.subtract(M.where(same, zero, x1), M.where(same, zero, x2))))
    out = M.add(hi, M.log1p(M.exp(d)))
    return M.where(same, M.add(x1, _math.log(2.0)), out)


@keras_op
def logaddexp2(x1, x2):
    x1, x2 = promote(x1, x2, extra=(float,))
    ln2 = _math.log(2.0)
    return M.multiply(logaddexp(M.multiply(x1, ln2), M.multiply(x2, ln2)), 1.0 / ln2)


sin = _float_unary("sin", M.sin)
cos = _float_unary("cos", M.cos)
tan = _float_unary("tan", M.tan)
arcsin = _float_unary("arcsin", M.asin)
arccos = _float_unary("arccos", M.acos)
arctan = _float_unary("arctan", M.atan)


@keras_op
def arctan2(x1, x2):
    x1, x2 = promote(x1, x2, extra=(float,))
    return M.atan2(x1, x2)


sinh = _float_unary("sinh", M.sinh)
cosh = _float_unary("cosh", M.cosh)
tanh = _float_unary("tanh", M.tanh)


@keras_op
def arcsinh(x):
    x = float_tensor(x)
    return _odd(lambda a: M.log(M.add(a, M.sqrt(M.add(M.square(a), 1.0)))), x)


@keras_op
def arccosh(x):
    x = float_tensor(x)
    return M.log(M.add(x, M.sqrt(M.subtract(M.square(x), 1.0))))


@keras_op
def arctanh(x):
    x = float_tensor(x)
    return M.multiply(M.subtract(M.log1p(x), M.log1p(M.negative(x))), 0.5)


@keras_op
def deg2rad(x):
    return M.multiply(_float_wide(x), _pi / 180.0)


@keras_op
def rad2deg(x):
    return M.multiply(_float_wide(x), 180.0 / _pi)


@keras_op
def hypot(x1, x2):
    x1, x2 = promote(x1, x2, extra=(float,))
    return M.sqrt(M.add(M.square(x1), M.square(x2)))


@keras_op
def sinc(x):
    """sin(pi x) / (pi x), and 1 at 0."""
    x = float_tensor(x)
    zero = M.equal(x, 0)
    safe = M.where(zero, M.ones_like(x), x)
    px = M.multiply(safe, _pi)
    return M.where(zero, M.ones_like(x), M.divide(M.sin(px), px))


@keras_op
def heaviside(x1, x2):
    """0 where x1 < 0, x2 where x1 == 0, 1 where x1 > 0."""
    x1, x2 = promote(x1, x2, extra=(float,))
    one, zero = M.ones_like(x1), M.zeros_like(x1)
    x2 = A.broadcast_to(x2, np.broadcast_shapes(_shape(x1), _shape(x2)))
    x1 = A.broadcast_to(x1, _shape(x2))
    return M.where(M.less(x1, 0), A.broadcast_to(zero, _shape(x2)),
                   M.where(M.greater(x1, 0), A.broadcast_to(one, _shape(x2)), x2))


@keras_op
def ldexp(x1, x2):
    """x1 * 2 ** x2 (``x2`` integer)."""
    x1 = float_tensor(x1)
    e = ndarray(x2)
    if e.dtype.kind not in "iub":
        raise TypeError("keras.ops.ldexp: x2 must be an integer tensor, got dtype %s."
                        % e.dtype)
    scale = _wrap(np.ldexp(np.ones((), dtype=x1._value.dtype), e))
    return M.multiply(x1, scale)


@keras_op
def nextafter(x1, x2):
    """The next float after x1 towards x2; its gradient is 1 for x1 (the step is a
    constant)."""
    x1, x2 = promote(x1, x2, extra=(float,))
    nxt = np.nextafter(x1._value, x2._value)
    shape = np.broadcast_shapes(_shape(x1), _shape(x2))
    step = _wrap(np.broadcast_to(nxt - np.broadcast_to(x1._value, shape), shape))
    return M.add(A.broadcast_to(x1, shape), step)


@keras_op
def gcd(x1, x2):
    x1, x2 = promote(x1, x2)
    return _wrap(np.gcd(x1._value, x2._value))


@keras_op
def lcm(x1, x2):
    x1, x2 = promote(x1, x2)
    return _wrap(np.lcm(x1._value, x2._value))


# ---- rounding ----------------------------------------------------------------------------

floor = _float_unary("floor", M.floor)
ceil = _float_unary("ceil", M.ceil)


@keras_op
def trunc(x):
    x = tensor(x)
    if not is_float(x._value.dtype.name):
        return x
    return M.where(M.greater_equal(x, 0), M.floor(x), M.ceil(x))


@keras_op
def round(x, decimals=0):
    """Round half to even to ``decimals`` digits (negative: to tens, hundreds ...)."""
    x = tensor(x)
    decimals = int(decimals)
    if not is_float(x._value.dtype.name):
        if decimals >= 0:
            return x
        f = 10 ** (-decimals)
        xf = cast(x, "float64")
        return cast(M.multiply(M.round(M.divide(xf, float(f))), float(f)), x.dtype)
    if decimals == 0:
        return M.round(x)
    f = 10.0 ** decimals
    return M.divide(M.round(M.multiply(x, f)), f)


# ---- comparison and logic ----------------------------------------------------------------

def _compare(fn):
    def op(x1, x2):
        x1, x2 = promote(x1, x2)
        return fn(x1, x2)
    return op


equal = _comparison("equal", M.equal)
not_equal = _comparison("not_equal", M.not_equal)
less = _comparison("less", M.less)
less_equal = _comparison("less_equal", M.less_equal)
greater = _comparison("greater", M.greater)
greater_equal = _comparison("greater_equal", M.greater_equal)


def _truth(x):
    return np.asarray(ndarray(tensor(x))).astype(bool)


logical_and = _logical("logical_and", np.logical_and)
logical_or = _logical("logical_or", np.logical_or)
logical_xor = _logical("logical_xor", np.logical_xor)


@keras_op
def logical_not(x):
    return _wrap(np.logical_not(_truth(x)))


@keras_op
def isclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    x1, x2 = promote(x1, x2)
    return _wrap(np.isclose(x1._value, x2._value, rtol=rtol, atol=atol, equal_nan=equal_nan))


@keras_op
def allclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    x1, x2 = promote(x1, x2)
    return _wrap(np.asarray(np.allclose(x1._value, x2._value, rtol=rtol, atol=atol,
                                        equal_nan=equal_nan)))


isnan = _elementwise_np("isnan", np.isnan)
isinf = _elementwise_np("isinf", np.isinf)
isfinite = _elementwise_np("isfinite", np.isfinite)
isposinf = _elementwise_np("isposinf", np.isposinf)
isneginf = _elementwise_np("isneginf", np.isneginf)
isreal = _elementwise_np("isreal", np.isreal)


@keras_op
def signbit(x):
    v = ndarray(tensor(x))
    if v.dtype == np.bool_:
        return _wrap(np.zeros(v.shape, dtype=bool))
    return _wrap(np.signbit(v))


# ---- bitwise -----------------------------------------------------------------------------

def _int_pair(x, y, opname):
    x, y = promote(x, y)
    if x._value.dtype.kind not in "iub":
        raise TypeError("keras.ops.%s expects integer or bool tensors, got %s."
                        % (opname, x._value.dtype))
    return x._value, y._value


bitwise_and = _bitwise("bitwise_and", np.bitwise_and)
bitwise_or = _bitwise("bitwise_or", np.bitwise_or)
bitwise_xor = _bitwise("bitwise_xor", np.bitwise_xor)


@keras_op
def bitwise_invert(x):
    v = ndarray(tensor(x))
    if v.dtype.kind not in "iub":
        raise TypeError("keras.ops.bitwise_invert expects an integer or bool tensor, got %s."
                        % v.dtype)
    return _wrap(np.invert(v))


@keras_op
def bitwise_not(x):
    return bitwise_invert(x)


bitwise_left_shift = _bitwise("bitwise_left_shift", np.left_shift)
bitwise_right_shift = _bitwise("bitwise_right_shift", np.right_shift)


@keras_op
def left_shift(x, y):
    return bitwise_left_shift(x, y)


@keras_op
def right_shift(x, y):
    return bitwise_right_shift(x, y)


# ---- complex parts -----------------------------------------------------------------------

def _signal():
    from ndflow.ops import signal_ops as S
    return S


@keras_op
def real(x):
    x = tensor(x)
    if x._value.dtype.kind == "c":
        return _signal().real(x)
    return x


@keras_op
def imag(x):
    x = tensor(x)
    if x._value.dtype.kind == "c":
        return _signal().imag(x)
    return M.zeros_like(x)


@keras_op
def conj(x):
    x = tensor(x)
    if x._value.dtype.kind == "c":
        return _signal().conj(x)
    return x


@keras_op
def conjugate(x):
    return conj(x)


@keras_op
def angle(x):
    x = tensor(x)
    if x._value.dtype.kind == "c":
        S = _signal()
        return M.atan2(S.imag(x), S.real(x))
    x = float_tensor(x)
    return M.atan2(M.zeros_like(x), x)


# ---- reductions --------------------------------------------------------------------------

_SUM_DTYPES = {"bool": "int32", "int8": "int32", "int16": "int32", "uint8": "uint32",
               "uint16": "uint32"}


def _reduce_axes(x, axis, opname):
    axes = axis_tuple(axis, _ndim(x), opname)
    return list(axes)


@keras_op
def sum(x, axis=None, keepdims=False):
    x = tensor(x)
    x = cast(x, _SUM_DTYPES.get(x._value.dtype.name, x._value.dtype.name))
    return R.reduce_sum(x, axis=_reduce_axes(x, axis, "sum"), keepdims=keepdims)


@keras_op
def prod(x, axis=None, keepdims=False, dtype=None):
    x = tensor(x)
    if dtype is not None:
        x = cast(x, dtype)
    x = cast(x, _SUM_DTYPES.get(x._value.dtype.name, x._value.dtype.name))
    return R.reduce_prod(x, axis=_reduce_axes(x, axis, "prod"), keepdims=keepdims)


@keras_op
def mean(x, axis=None, keepdims=False):
    x = float_tensor(x)
    return R.reduce_mean(x, axis=_reduce_axes(x, axis, "mean"), keepdims=keepdims)


def _extreme(reduce_fn, combine, x, axis, keepdims, initial, opname):
    x = tensor(x)
    out = reduce_fn(x, axis=_reduce_axes(x, axis, opname), keepdims=keepdims)
    if initial is not None:
        out = combine(out, initial)
    return out


@keras_op
def max(x, axis=None, keepdims=False, initial=None):
    return _extreme(R.reduce_max, maximum, x, axis, keepdims, initial, "max")


@keras_op
def min(x, axis=None, keepdims=False, initial=None):
    return _extreme(R.reduce_min, minimum, x, axis, keepdims, initial, "min")


@keras_op
def amax(x, axis=None, keepdims=False):
    return max(x, axis=axis, keepdims=keepdims)


@keras_op
def amin(x, axis=None, keepdims=False):
    return min(x, axis=axis, keepdims=keepdims)


@keras_op
def ptp(x, axis=None, keepdims=False):
    x = tensor(x)
    return M.subtract(max(x, axis=axis, keepdims=keepdims), min(x, axis=axis, keepdims=keepdims))


@keras_op
def var(x, axis=None, keepdims=False):
    x = float_tensor(x)
    axes = _reduce_axes(x, axis, "var")
    m = R.reduce_mean(x, axis=axes, keepdims=True)
    return R.reduce_mean(M.square(M.subtract(x, m)), axis=axes, keepdims=keepdims)


@keras_op
def std(x, axis=None, keepdims=False):
    return M.sqrt(var(x, axis=axis, keepdims=keepdims))


@keras_op
def all(x, axis=None, keepdims=False):
    v = _truth(x)
    return _wrap(np.all(v, axis=axis_tuple(axis, v.ndim, "all"), keepdims=keepdims))


@keras_op
def any(x, axis=None, keepdims=False):
    v = _truth(x)
    return _wrap(np.any(v, axis=axis_tuple(axis, v.ndim, "any"), keepdims=keepdims))


@keras_op
def count_nonzero(x, axis=None):
    v = ndarray(tensor(x))
    return _i32(np.count_nonzero(v, axis=axis_tuple(axis, v.ndim, "count_nonzero")))


def _arg_extreme(np_fn, x, axis, keepdims, opname):
    v = ndarray(tensor(x))
    if axis is None:
        out = np_fn(v.reshape(-1))
        if keepdims:
            out = np.reshape(out, (1,) * v.ndim)
        return _i32(out)
    a = one_axis(axis, v.ndim, opname)
    return _i32(np_fn(v, axis=a, keepdims=bool(keepdims)))


@keras_op
def argmax(x, axis=None, keepdims=False):
    return _arg_extreme(np.argmax, x, axis, keepdims, "argmax")


@keras_op
def argmin(x, axis=None, keepdims=False):
    return _arg_extreme(np.argmin, x, axis, keepdims, "argmin")


def _nan_filled(x, value):
    v = x._value
    if v.dtype.kind not in "fc":
        return x
    return M.where(_wrap(np.isnan(v)), _const(value, x), x)


@keras_op
def nanargmax(x, axis=None, keepdims=False):
    return argmax(_nan_filled(tensor(x), -np.inf), axis=axis, keepdims=keepdims)


@keras_op
def nanargmin(x, axis=None, keepdims=False):
    return argmin(_nan_filled(tensor(x), np.inf), axis=axis, keepdims=keepdims)


@keras_op
def nansum(x, axis=None, keepdims=False):
    return sum(_nan_filled(tensor(x), 0), axis=axis, keepdims=keepdims)


@keras_op
def nanprod(x, axis=None, keepdims=False):
    return prod(_nan_filled(tensor(x), 1), axis=axis, keepdims=keepdims)


def _not_nan_count(x, axis, keepdims):
    v = x._value
    ok = ~np.isnan(v) if v.dtype.kind in "fc" else np.ones(v.shape, bool)
    n = np.sum(ok, axis=axis_tuple(axis, v.ndim, "nan"), keepdims=keepdims)
    return _wrap(np.asarray(n, dtype=v.dtype))


@keras_op
def nanmean(x, axis=None, keepdims=False):
    x = float_tensor(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        return M.divide(nansum(x, axis=axis, keepdims=keepdims),
                        _not_nan_count(x, axis, keepdims))


@keras_op
def nanvar(x, axis=None, keepdims=False):
    x = float_tensor(x)
    m = nanmean(x, axis=axis, keepdims=True)
    d = _nan_filled(M.subtract(x, m), 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return M.divide(sum(M.square(d), axis=axis, keepdims=keepdims),
                        _not_nan_count(x, axis, keepdims))


@keras_op
def nanstd(x, axis=None, keepdims=False):
    return M.sqrt(nanvar(x, axis=axis, keepdims=keepdims))


def _nan_extreme(fn, fill, x, axis, keepdims):
    x = tensor(x)
    v = x._value
    if v.dtype.kind not in "fc":
        return fn(x, axis=axis, keepdims=keepdims)
    out = fn(_nan_filled(x, fill), axis=axis, keepdims=keepdims)
    all_nan = np.all(np.isnan(v), axis=axis_tuple(axis, v.ndim, "nan"), keepdims=keepdims)
    return M.where(_wrap(all_nan), _const(np.nan, x), out)


@keras_op
def nanmax(x, axis=None, keepdims=False):
    return _nan_extreme(max, -np.inf, x, axis, keepdims)


@keras_op
def nanmin(x, axis=None, keepdims=False):
    return _nan_extreme(min, np.inf, x, axis, keepdims)


@keras_op
def average(x, axis=None, weights=None):
    x = tensor(x)
    if weights is None:
        return mean(x, axis=axis)
    x, w = promote(x, weights, extra=(float,))
    if _shape(w) != _shape(x) and axis is not None and _ndim(w) == 1 and _ndim(x) > 1:
        shape = [1] * _ndim(x)
        shape[one_axis(axis, _ndim(x), "average")] = -1
        w = A.reshape(w, shape)
    try:
        w = A.broadcast_to(w, _shape(x))
    except InvalidArgumentError:
        raise ValueError("keras.ops.average: weights of shape %s must have the shape of x %s, "
                         "or be 1-D along `axis`." % (_shape(w), _shape(x))) from None
    return M.divide(sum(M.multiply(x, w), axis=axis), sum(w, axis=axis))


# ---- quantiles ---------------------------------------------------------------------------

_QUANTILE_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(x, q, axis, method, keepdims, opname, skip_nan=False):
    if method not in _QUANTILE_METHODS:
        raise ValueError("keras.ops.%s: method must be one of %s, got %r."
                         % (opname, ", ".join(_QUANTILE_METHODS), method))
    x = float_tensor(x)
    qv = np.asarray(ndarray(q), dtype=np.float64)
    if np.any((qv < 0) | (qv > 1)):
        raise ValueError("keras.ops.%s: quantiles must be in [0, 1] (percentiles in "
                         "[0, 100]), got %s." % (opname, qv.tolist()))
    nd = _ndim(x)
    axes = axis_tuple(axis, nd, opname)
    keep = [i for i in range(nd) if i not in axes]
    shape = _shape(x)
    flat = A.reshape(A.transpose(x, keep + list(axes)), [shape[i] for i in keep] + [-1])
    s = A.sort(flat, axis=-1)          # NaN sorts last
    total = _shape(s)[-1]
    if skip_nan:
        n = np.sum(~np.isnan(flat._value), axis=-1)          # per row
    else:
        n = np.full(_shape(s)[:-1], total)
    n = n.astype(np.float64)
    # positions: shape (rows..., q...)
    pos = np.multiply.outer(np.maximum(n - 1, 0), qv)
    lo = np.floor(pos)
    hi = np.ceil(pos)
    if method == "lower":
        idx_lo, idx_hi, frac = lo, lo, np.zeros_like(pos)
    elif method == "higher":
        idx_lo, idx_hi, frac = hi, hi, np.zeros_like(pos)
    elif method == "nearest":
        r = np.around(pos)
        idx_lo, idx_hi, frac = r, r, np.zeros_like(pos)
    elif method == "midpoint":
        idx_lo, idx_hi, frac = lo, hi, np.where(hi > lo, 0.5, 0.0)
    else:
        idx_lo, idx_hi, frac = lo, hi, pos - lo
    rows = _shape(s)[:-1]
    s2 = A.reshape(s, [-1, total])
    nrows = int(np.prod(rows, dtype=np.int64))
    qsize = qv.size
    r_idx = np.repeat(np.arange(nrows), qsize)
    lo_i = np.clip(idx_lo.reshape(nrows * qsize), 0, total - 1).astype(np.int64)
    hi_i = np.clip(idx_hi.reshape(nrows * qsize), 0, total - 1).astype(np.int64)
    vlo = A.getitem(s2, (r_idx, lo_i))
    vhi = A.getitem(s2, (r_idx, hi_i))
    fr = _wrap(frac.reshape(-1).astype(x._value.dtype))
    out = M.add(vlo, M.multiply(M.subtract(vhi, vlo), fr))
    if skip_nan:
        empty = np.repeat(n.reshape(-1) == 0, qsize)
        out = M.where(_wrap(empty), _const(np.nan, out), out)
    out = A.reshape(out, list(rows) + list(qv.shape))
    # q's dimensions come first, as in NumPy
    nr, nq = len(rows), qv.ndim
    out = A.transpose(out, list(range(nr, nr + nq)) + list(range(nr)))
    if keepdims:
        full = list(qv.shape) + [1 if i in axes else shape[i] for i in range(nd)]
        out = A.reshape(out, full)
    return out


@keras_op
def quantile(x, q, axis=None, method="linear", keepdims=False):
    return _quantile(x, q, axis, method, keepdims, "quantile")


@keras_op
def percentile(x, q, axis=None, method="linear", keepdims=False):
    return _quantile(x, np.asarray(ndarray(q), dtype=np.float64) / 100.0, axis, method,
                     keepdims, "percentile")


@keras_op
def median(x, axis=None, keepdims=False):
    return _quantile(x, 0.5, axis, "linear", keepdims, "median")


@keras_op
def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    return _quantile(x, q, axis, method, keepdims, "nanquantile", skip_nan=True)


@keras_op
def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    return _quantile(x, np.asarray(ndarray(q), dtype=np.float64) / 100.0, axis, method,
                     keepdims, "nanpercentile", skip_nan=True)


@keras_op
def nanmedian(x, axis=None, keepdims=False):
    return _quantile(x, 0.5, axis, "linear", keepdims, "nanmedian", skip_nan=True)


# ---- cumulative --------------------------------------------------------------------------

def _cumulative(fn, x, axis, dtype, opname):
    x = tensor(x)
    if dtype is not None:
        x = cast(x, dtype)
    if x._value.dtype == np.bool_:
        x = cast(x, "int32")
    if axis is None:
        x = A.reshape(x, [-1])
        axis = 0
    if _ndim(x) == 0:
        x = A.reshape(x, [1])
    return fn(x, axis=one_axis(axis, _ndim(x), opname))


@keras_op
def cumsum(x, axis=None, dtype=None):
    return _cumulative(M.cumsum, x, axis, dtype, "cumsum")


@keras_op
def cumprod(x, axis=None, dtype=None):
    return _cumulative(M.cumprod, x, axis, dtype, "cumprod")


@keras_op
def nancumsum(x, axis=None, dtype=None):
    return cumsum(_nan_filled(tensor(x), 0), axis=axis, dtype=dtype)


@keras_op
def nancumprod(x, axis=None, dtype=None):
    return cumprod(_nan_filled(tensor(x), 1), axis=axis, dtype=dtype)


@keras_op
def diff(a, n=1, axis=-1):
    x = tensor(a)
    ax = one_axis(axis, _ndim(x), "diff")
    for _ in range(int(n)):
        hi = [builtins.slice(None)] * _ndim(x)
        lo = list(hi)
        hi[ax] = builtins.slice(1, None)
        lo[ax] = builtins.slice(None, -1)
        a1, a0 = A.getitem(x, tuple(hi)), A.getitem(x, tuple(lo))
        x = M.not_equal(a1, a0) if x._value.dtype == np.bool_ else M.subtract(a1, a0)
    return x


@keras_op
def trapezoid(y, x=None, dx=1.0, axis=-1):
    y = float_tensor(y)
    ax = one_axis(axis, _ndim(y), "trapezoid")
    hi = [builtins.slice(None)] * _ndim(y)
    lo = list(hi)
    hi[ax] = builtins.slice(1, None)
    lo[ax] = builtins.slice(None, -1)
    mid = M.multiply(M.add(A.getitem(y, tuple(hi)), A.getitem(y, tuple(lo))), 0.5)
    if x is None:
        return M.multiply(sum(mid, axis=ax), float(dx))
    x, = promote(x, extra=(y._value.dtype.name,))
    d = diff(x, axis=-1 if _ndim(x) == 1 else ax)
    if _ndim(x) == 1 and _ndim(y) > 1:
        shape = [1] * _ndim(y)
        shape[ax] = -1
        d = A.reshape(d, shape)
    return sum(M.multiply(mid, d), axis=ax)


# ---- shape manipulation ------------------------------------------------------------------

@keras_op
def reshape(x, newshape):
    x = tensor(x)
    if isinstance(newshape, (int, np.integer)):
        newshape = (newshape,)
    elif not isinstance(newshape, (list, tuple)):
        newshape = ndarray(newshape).reshape(-1).tolist()
    return A.reshape(x, [-1 if d is None else int(d) for d in newshape])


@keras_op
def transpose(x, axes=None):
    x = tensor(x)
    if axes is not None:
        axes = [int(a) % builtins.max(_ndim(x), 1) for a in ndarray(axes).reshape(-1)]
    return A.transpose(x, axes)


@keras_op
def expand_dims(x, axis):
    x = tensor(x)
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    out_nd = _ndim(x) + len(axes)
    pos = sorted(one_axis(a, out_nd, "expand_dims") for a in axes)
    if len(set(pos)) != len(pos):
        raise ValueError("keras.ops.expand_dims: repeated axis in %r." % (axis,))
    shape = list(_shape(x))
    for p in pos:
        shape.insert(p, 1)
    return A.reshape(x, shape)


@keras_op
def squeeze(x, axis=None):
    x = tensor(x)
    if axis is None:
        return A.squeeze(x)
    axes = axis_tuple(axis, _ndim(x), "squeeze")
    for a in axes:
        if _shape(x)[a] != 1:
            raise ValueError("keras.ops.squeeze: cannot squeeze axis %d of shape %s: its size "
                             "is %d, not 1." % (a, _shape(x), _shape(x)[a]))
    return A.reshape(x, [d for i, d in enumerate(_shape(x)) if i not in axes])


@keras_op
def ravel(x):
    return A.reshape(tensor(x), [-1])


@keras_op
def flip(x, axis=None):
    x = tensor(x)
    if _ndim(x) == 0:
        return x
    return A.reverse(x, list(axis_tuple(axis, _ndim(x), "flip")))


@keras_op
def fliplr(x):
    return flip(x, 1)


@keras_op
def flipud(x):
    return flip(x, 0)


@keras_op
def swapaxes(x, axis1, axis2):
    x = tensor(x)
    nd = _ndim(x)
    a1, a2 = one_axis(axis1, nd, "swapaxes"), one_axis(axis2, nd, "swapaxes")
    perm = list(range(nd))
    perm[a1], perm[a2] = perm[a2], perm[a1]
    return A.transpose(x, perm)


@keras_op
def moveaxis(x, source, destination):
    x = tensor(x)
    nd = _ndim(x)
    src = [one_axis(a, nd, "moveaxis") for a in (source if isinstance(
        source, (list, tuple)) else [source])]
    dst = [one_axis(a, nd, "moveaxis") for a in (destination if isinstance(
        destination, (list, tuple)) else [destination])]
    if len(src) != len(dst):
        raise ValueError("keras.ops.moveaxis: source %r and destination %r must have the same "
                         "number of axes." % (source, destination))
    rest = [i for i in range(nd) if i not in src]
    perm = [None] * nd
    for s, d in zip(src, dst):
        perm[d] = s
    it = iter(rest)
    perm = [p if p is not None else next(it) for p in perm]
    return A.transpose(x, perm)


@keras_op
def rot90(array, k=1, axes=(0, 1)):
    x = tensor(array)
    nd = _ndim(x)
    if nd < 2:
        raise ValueError("keras.ops.rot90 needs an array of rank >= 2, got shape %s."
                         % (_shape(x),))
    a0, a1 = (one_axis(a, nd, "rot90") for a in axes)
    if a0 == a1:
        raise ValueError("keras.ops.rot90: the two axes must differ, got %r." % (axes,))
    k = int(k) % 4
    if k == 0:
        return x
    if k == 2:
        return flip(x, [a0, a1])
    perm = list(range(nd))
    perm[a0], perm[a1] = perm[a1], perm[a0]
    if k == 1:
        return A.transpose(flip(x, a1), perm)
    return flip(A.transpose(x, perm), a1)


@keras_op
def roll(x, shift, axis=None):
    x = tensor(x)
    if axis is None:
        return A.reshape(A.roll(A.reshape(x, [-1]), shift, 0), _shape(x))
    return A.roll(x, shift, axis)


@keras_op
def broadcast_to(x, shape):
    return A.broadcast_to(tensor(x), [int(d) for d in shape])


@keras_op
def tile(x, repeats):
    x = tensor(x)
    reps = [int(r) for r in np.atleast_1d(ndarray(repeats))]
    nd = _ndim(x)
    if len(reps) < nd:
        reps = [1] * (nd - len(reps)) + reps
    elif len(reps) > nd:
        x = A.reshape(x, [1] * (len(reps) - nd) + list(_shape(x)))
    return A.tile(x, reps)


@keras_op
def repeat(x, repeats, axis=None):
    return A.repeat(tensor(x), ndarray(repeats) if not isinstance(repeats, int) else repeats,
                    axis=axis)


def _split_sizes(n, indices_or_sections, even, opname):
    if isinstance(indices_or_sections, (int, np.integer)):
        k = int(indices_or_sections)
        if k <= 0:
            raise ValueError("keras.ops.%s: the number of sections must be positive, got %d."
                             % (opname, k))
        if even:
            if n % k:
                raise ValueError("keras.ops.%s: an axis of size %d cannot be split into %d "
                                 "equal sections; use array_split for unequal sections."
                                 % (opname, n, k))
            return [n // k] * k
        q, r = divmod(n, k)
        return [q + 1] * r + [q] * (k - r)
    points = [builtins.min(builtins.max(int(i) + (n if int(i) < 0 else 0), 0), n)
              for i in ndarray(indices_or_sections).reshape(-1)]
    bounds = [0] + points + [n]
    return [builtins.max(b - a, 0) for a, b in zip(bounds[:-1], bounds[1:])]


def _split(x, indices_or_sections, axis, even, opname):
    x = tensor(x)
    ax = one_axis(axis, _ndim(x), opname)
    sizes = _split_sizes(_shape(x)[ax], indices_or_sections, even, opname)
    if builtins.sum(sizes) != _shape(x)[ax]:   # split points out of order
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        out = []
        for st, sz in zip(starts, sizes):
            key = [builtins.slice(None)] * _ndim(x)
            key[ax] = builtins.slice(int(st), int(st + sz))
            out.append(A.getitem(x, tuple(key)))
        return out
    return A.split(x, sizes, axis=ax)


@keras_op
def split(x, indices_or_sections, axis=0):
    return _split(x, indices_or_sections, axis, True, "split")


@keras_op
def array_split(x, indices_or_sections, axis=0):
    return _split(x, indices_or_sections, axis, False, "array_split")


@keras_op
def hsplit(x, indices_or_sections):
    x = tensor(x)
    return _split(x, indices_or_sections, 0 if _ndim(x) == 1 else 1, True, "hsplit")


@keras_op
def vsplit(x, indices_or_sections):
    return _split(x, indices_or_sections, 0, True, "vsplit")


@keras_op
def dsplit(x, indices_or_sections):
    return _split(x, indices_or_sections, 2, True, "dsplit")


def _promote_list(xs):
    xs = list(xs)
    if not xs:
        raise ValueError("keras.ops: expected a non-empty list of tensors.")
    return promote(*xs)


@keras_op
def stack(x, axis=0):
    if isinstance(x, Tensor):
        x = A.unstack(x, axis=0)
    xs = _promote_list(x)
    return A.stack(xs, axis=int(axis))


@keras_op
def concatenate(xs, axis=0):
    if isinstance(xs, Tensor):
        xs = A.unstack(xs, axis=0)
    xs = _promote_list(xs)
    if axis is None:
        xs = [A.reshape(t, [-1]) for t in xs]
        axis = 0
    return A.concat(xs, axis=int(axis))


def _atleast(x, n):
    s = _shape(x)
    if len(s) >= n:
        return x
    if n == 2:
        return A.reshape(x, (1,) * (2 - len(s)) + s)
    if len(s) == 0:
        return A.reshape(x, (1, 1, 1))
    if len(s) == 1:
        return A.reshape(x, (1, s[0], 1))
    return A.reshape(x, s + (1,))


@keras_op
def hstack(xs):
    xs = _promote_list(xs)
    xs = [A.reshape(t, [1]) if _ndim(t) == 0 else t for t in xs]
    return A.concat(xs, axis=0 if _ndim(xs[0]) == 1 else 1)


@keras_op
def vstack(xs):
    xs = [_atleast(t, 2) for t in _promote_list(xs)]
    return A.concat(xs, axis=0)


@keras_op
def dstack(xs):
    xs = [_atleast(t, 3) for t in _promote_list(xs)]
    return A.concat(xs, axis=2)


@keras_op
def append(x1, x2, axis=None):
    x1, x2 = promote(x1, x2)
    if axis is None:
        return A.concat([A.reshape(x1, [-1]), A.reshape(x2, [-1])], axis=0)
    return A.concat([x1, x2], axis=int(axis))


@keras_op
def meshgrid(*x, indexing="xy"):
    xs = promote(*x) if x else []
    return A.meshgrid(*xs, indexing=indexing)


_PAD_INDEX_MODES = {"edge": "edge", "reflect": "reflect", "symmetric": "symmetric",
                    "wrap": "wrap"}


@keras_op
def pad(x, pad_width, mode="constant", constant_values=None):
    """NumPy's pad: ``pad_width`` is an int, a (before, after) pair or one pair per axis;
    ``mode`` is 'constant', 'edge', 'reflect', 'symmetric' or 'wrap'."""
    x = tensor(x)
    nd = _ndim(x)
    pw = np.asarray(ndarray(pad_width), dtype=np.int64)
    try:
        pw = np.broadcast_to(pw.reshape(-1, 2) if pw.size == 2 and pw.ndim == 1 else pw,
                             (nd, 2))
    except ValueError:
        raise ValueError("keras.ops.pad: pad_width must be an int, a (before, after) pair or "
                         "%d pairs, got %s." % (nd, pw.tolist())) from None
    if np.any(pw < 0):
        raise ValueError("keras.ops.pad: pad_width must be non-negative, got %s."
                         % pw.tolist())
    pads = [[int(a), int(b)] for a, b in pw]
    if mode == "constant":
        value = 0 if constant_values is None else constant_values
        value = np.asarray(ndarray(value)).astype(x._value.dtype)
        return A.pad(x, pads, constant_values=value.item() if value.ndim == 0 else value)
    if constant_values is not None:
        raise ValueError("keras.ops.pad: constant_values is only used with mode='constant', "
                         "got mode=%r." % (mode,))
    if mode not in _PAD_INDEX_MODES:
        raise ValueError("keras.ops.pad: mode must be 'constant', 'edge', 'reflect', "
                         "'symmetric' or 'wrap', got %r." % (mode,))
    out = x
    for ax, (lo, hi) in enumerate(pads):
        if lo == hi == 0:
            continue
        n = _shape(x)[ax]
        if n == 0 or (mode == "reflect" and n == 1):
            raise ValueError("keras.ops.pad: cannot %s-pad an axis of size %d." % (mode, n))
        idx = np.pad(np.arange(n), (lo, hi), mode=_PAD_INDEX_MODES[mode])
        out = A.gather(out, idx, axis=ax)
    return out


# ---- creation ----------------------------------------------------------------------------

def _shape_tuple(shape):
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(d) for d in ndarray(shape).reshape(-1)) if not isinstance(
        shape, (list, tuple)) else tuple(int(d) for d in shape)


def _np_dtype(dtype):
    from ndflow.backend import dtypes as _dt
    return _dt.as_dtype(standardize_dtype(dtype))._np


@keras_op
def zeros(shape, dtype=None):
    return _wrap(np.zeros(_shape_tuple(shape), dtype=_np_dtype(dtype)))


@keras_op
def ones(shape, dtype=None):
    return _wrap(np.ones(_shape_tuple(shape), dtype=_np_dtype(dtype)))


@keras_op
def empty(shape, dtype=None):
    return zeros(shape, dtype=dtype)


@keras_op
def full(shape, fill_value, dtype=None):
    v = tensor(fill_value, standardize_dtype(dtype))
    return A.broadcast_to(v, _shape_tuple(shape))


@keras_op
def zeros_like(x, dtype=None):
    x = tensor(x)
    return M.zeros_like(x, dtype=None if dtype is None else standardize_dtype(dtype))


@keras_op
def ones_like(x, dtype=None):
    x = tensor(x)
    return M.ones_like(x, dtype=None if dtype is None else standardize_dtype(dtype))


@keras_op
def empty_like(x, dtype=None):
    return zeros_like(x, dtype=dtype)


@keras_op
def full_like(x, fill_value, dtype=None):
    x = tensor(x)
    dt = x._value.dtype.name if dtype is None else standardize_dtype(dtype)
    return A.broadcast_to(tensor(fill_value, dt), _shape(x))


@keras_op
def array(x, dtype=None):
    return tensor(x, None if dtype is None else standardize_dtype(dtype))


@keras_op
def copy(x):
    return A.identity(tensor(x))


def _scalar(v):
    if isinstance(v, Tensor):
        return v._value.item()
    if isinstance(v, np.generic):
        return v.item()
    return v


@keras_op
def arange(start, stop=None, step=None, dtype=None):
    start, stop, step = _scalar(start), _scalar(stop), _scalar(step)
    if stop is None:
        start, stop = 0, start
    if step is None:
        step = 1
    if dtype is None:
        dtype = result_type(*[dtype_of(v) for v in (start, stop, step)])
    dt = _np_dtype(dtype)
    if dt.kind in "iu" and builtins.all(isinstance(v, (int, np.integer))
                                        for v in (start, stop, step)):
        return _wrap(np.arange(start, stop, step, dtype=dt))
    return _wrap(np.arange(start, stop, step, dtype=np.float64).astype(dt))


def _linspace(start, stop, num, endpoint, dtype, axis, opname):
    num = int(num)
    if num < 0:
        raise ValueError("keras.ops.%s: num must be >= 0, got %d." % (opname, num))
    if dtype is None:
        dt = result_type(dtype_of(start), dtype_of(stop), float)
    else:
        dt = standardize_dtype(dtype)
    wdt = dt if is_float(dt) else "float64"
    start, stop = promote(start, stop, extra=(wdt,))
    shape = np.broadcast_shapes(_shape(start), _shape(stop))
    start = A.broadcast_to(start, shape)
    stop = A.broadcast_to(stop, shape)
    div = (num - 1) if endpoint else num
    steps = np.arange(num, dtype=start._value.dtype).reshape((num,) + (1,) * len(shape))
    delta = M.subtract(stop, start)
    if div > 0:
        step = M.divide(delta, _const(div, delta))
        out = M.add(start, M.multiply(_wrap(steps), step))
    else:
        step = _const(np.nan, delta)
        out = M.add(start, M.multiply(_wrap(steps), delta))
    if endpoint and num > 1:
        last = np.zeros((num,) + shape, dtype=bool)
        last[-1] = True
        out = M.where(_wrap(last), A.broadcast_to(stop, (num,) + shape), out)
    out = moveaxis(out, 0, axis) if shape else out
    if not is_float(dt):
        out = _wrap(np.floor(out._value).astype(_np_dtype(dt)))
    else:
        out = cast(out, dt)
    return out, step


@keras_op
def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    out, step = _linspace(start, stop, num, endpoint, dtype, axis, "linspace")
    return (out, step) if retstep else out


@keras_op
def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    dt = result_type(dtype_of(start), dtype_of(stop), float) if dtype is None else \
        standardize_dtype(dtype)
    exps, _ = _linspace(start, stop, num, endpoint, "float64" if not is_float(dt) else dt,
                        axis, "logspace")
    out = M.pow(_const(base, exps), exps)
    return cast(out, dt) if is_float(dt) else _wrap(out._value.astype(_np_dtype(dt)))


@keras_op
def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    dt = result_type(dtype_of(start), dtype_of(stop), float) if dtype is None else \
        standardize_dtype(dtype)
    wdt = dt if is_float(dt) else "float64"
    start, stop = promote(start, stop, extra=(wdt,))
    if np.any(start._value == 0) or np.any(stop._value == 0):
        raise ValueError("keras.ops.geomspace: start and stop must be non-zero.")
    sgn = M.sign(start)
    exps, _ = _linspace(M.log(M.abs(start)), M.log(M.abs(stop)), num, endpoint, wdt, 0,
                        "geomspace")
    out = M.multiply(sgn, M.exp(exps))
    num = int(num)
    if num > 0:   # exact endpoints, as NumPy gives
        first = np.zeros((num,) + _shape(out)[1:], dtype=bool)
        first[0] = True
        out = M.where(_wrap(first), A.broadcast_to(start, _shape(out)), out)
        if endpoint and num > 1:
            last = np.zeros_like(first)
            last[-1] = True
            out = M.where(_wrap(last), A.broadcast_to(stop, _shape(out)), out)
    out = moveaxis(out, 0, axis) if _ndim(out) > 1 else out
    return cast(out, dt) if is_float(dt) else _wrap(out._value.astype(_np_dtype(dt)))


@keras_op
def eye(N, M=None, k=0, dtype=None):
    return _wrap(np.eye(int(N), None if M is None else int(M), int(k), dtype=_np_dtype(dtype)))


@keras_op
def identity(n, dtype=None):
    return _wrap(np.eye(int(n), dtype=_np_dtype(dtype)))


@keras_op
def tri(N, M=None, k=0, dtype=None):
    return _wrap(np.tri(int(N), None if M is None else int(M), int(k), dtype=_np_dtype(dtype)))


def _tri_mask(x, k, lower):
    s = _shape(x)
    if len(s) < 2:
        raise ValueError("keras.ops.%s needs a tensor of rank >= 2, got shape %s."
                         % ("tril" if lower else "triu", s))
    m = np.tri(s[-2], s[-1], int(k), dtype=bool)
    return m if lower else ~np.tri(s[-2], s[-1], int(k) - 1, dtype=bool)


@keras_op
def tril(x, k=0):
    x = tensor(x)
    return M.where(_wrap(_tri_mask(x, k, True)), x, M.zeros_like(x))


@keras_op
def triu(x, k=0):
    x = tensor(x)
    return M.where(_wrap(_tri_mask(x, k, False)), x, M.zeros_like(x))


# ---- diagonals ---------------------------------------------------------------------------

@keras_op
def diagonal(x, offset=0, axis1=0, axis2=1):
    x = tensor(x)
    nd = _ndim(x)
    if nd < 2:
        raise ValueError("keras.ops.diagonal needs a tensor of rank >= 2, got shape %s."
                         % (_shape(x),))
    a1, a2 = one_axis(axis1, nd, "diagonal"), one_axis(axis2, nd, "diagonal")
    x = moveaxis(x, [a1, a2], [nd - 2, nd - 1])
    n, m = _shape(x)[-2:]
    k = int(offset)
    if k >= 0:
        length = builtins.max(builtins.min(n, m - k), 0)
        rows, cols = np.arange(length), np.arange(length) + k
    else:
        length = builtins.max(builtins.min(n + k, m), 0)
        rows, cols = np.arange(length) - k, np.arange(length)
    return A.getitem(x, (Ellipsis, rows, cols))


@keras_op
def diag(x, k=0):
    x = tensor(x)
    k = int(k)
    if _ndim(x) == 1:
        n = _shape(x)[0]
        size = n + builtins.abs(k)
        r = np.arange(n)
        rows, cols = (r, r + k) if k >= 0 else (r - k, r)
        idx = np.stack([rows, cols], axis=-1)
        return A.scatter_nd(idx, x, (size, size))
    if _ndim(x) == 2:
        return diagonal(x, offset=k)
    raise ValueError("keras.ops.diag expects a 1-D or 2-D tensor, got shape %s." % (_shape(x),))


@keras_op
def diagflat(x, k=0):
    return diag(A.reshape(tensor(x), [-1]), k)


@keras_op
def trace(x, offset=0, axis1=0, axis2=1):
    x = tensor(x)
    x = cast(x, _SUM_DTYPES.get(x._value.dtype.name, x._value.dtype.name))
    return R.reduce_sum(diagonal(x, offset, axis1, axis2), axis=-1)


# ---- indexing ----------------------------------------------------------------------------

def _wrap_negative(idx, n):
    return np.where(idx < 0, idx + n, idx)


@keras_op
def take(x, indices, axis=None):
    x = tensor(x)
    idx = _np_int(indices, "take").astype(np.int64)
    if axis is None:
        x = A.reshape(x, [-1])
        axis = 0
    ax = one_axis(axis, _ndim(x), "take")
    return A.gather(x, _wrap_negative(idx, _shape(x)[ax]), axis=ax)


@keras_op
def take_along_axis(x, indices, axis=None):
    x = tensor(x)
    idx = _np_int(indices, "take_along_axis").astype(np.int64)
    if axis is None:
        x = A.reshape(x, [-1])
        idx = idx.reshape(-1)
        axis = 0
    nd = _ndim(x)
    ax = one_axis(axis, nd, "take_along_axis")
    if idx.ndim != nd:
        raise ValueError("keras.ops.take_along_axis: indices (shape %s) must have the rank of "
                         "x (shape %s)." % (idx.shape, _shape(x)))
    # broadcast every axis but `axis`
    xs, is_ = list(_shape(x)), list(idx.shape)
    xs[ax] = is_[ax] = 1
    b = list(np.broadcast_shapes(tuple(xs), tuple(is_)))
    xb = list(b)
    xb[ax] = _shape(x)[ax]
    ib = list(b)
    ib[ax] = idx.shape[ax]
    x = A.broadcast_to(x, xb)
    idx = np.broadcast_to(_wrap_negative(idx, _shape(x)[ax]), ib)
    key = []
    for d in range(nd):
        if d == ax:
            key.append(idx)
        else:
            s = [1] * nd
            s[d] = ib[d]
            key.append(np.arange(ib[d]).reshape(s))
    return A.getitem(x, tuple(key))


@keras_op
def get_item(x, key):
    return A.getitem(tensor(x), key)


@keras_op
def where(condition, x1=None, x2=None):
    if x1 is None and x2 is None:
        return nonzero(condition)
    if x1 is None or x2 is None:
        raise ValueError("keras.ops.where needs both x1 and x2, or neither (then it returns "
                         "the indices where condition is true).")
    c = _wrap(_truth(condition))
    x1, x2 = promote(x1, x2)
    shape = np.broadcast_shapes(_shape(c), _shape(x1), _shape(x2))
    return M.where(A.broadcast_to(c, shape) if _shape(c) != shape else c,
                   A.broadcast_to(x1, shape), A.broadcast_to(x2, shape))


@keras_op
def nonzero(x):
    return tuple(_i32(i) for i in np.nonzero(ndarray(tensor(x))))


@keras_op
def select(condlist, choicelist, default=0):
    if len(condlist) != len(choicelist) or not condlist:
        raise ValueError("keras.ops.select: condlist and choicelist must be non-empty lists of "
                         "the same length, got %d and %d." % (len(condlist), len(choicelist)))
    vals = promote(*(list(choicelist) + [default]))
    conds = [_truth(c) for c in condlist]
    shape = np.broadcast_shapes(*([c.shape for c in conds] + [_shape(v) for v in vals]))
    out = A.broadcast_to(vals[-1], shape)
    for c, v in reversed(list(zip(conds, vals[:-1]))):
        out = M.where(_wrap(np.broadcast_to(c, shape)), A.broadcast_to(v, shape), out)
    return out


@keras_op
def searchsorted(sorted_sequence, values, side="left"):
    if side not in ("left", "right"):
        raise ValueError("keras.ops.searchsorted: side must be 'left' or 'right', got %r."
                         % (side,))
    a, v = promote(sorted_sequence, values)
    if _ndim(a) != 1:
        raise ValueError("keras.ops.searchsorted: sorted_sequence must be 1-D, got shape %s."
                         % (_shape(a),))
    return _i32(np.searchsorted(a._value, v._value, side=side))


@keras_op
def digitize(x, bins):
    b = ndarray(tensor(bins))
    if b.ndim != 1:
        raise ValueError("keras.ops.digitize: bins must be 1-D, got shape %s." % (b.shape,))
    return _i32(np.digitize(ndarray(tensor(x)), b))


@keras_op
def unravel_index(indices, shape):
    idx = _np_int(tensor(indices), "unravel_index")
    dt = idx.dtype if idx.dtype.kind in "iu" else np.int32
    parts = np.unravel_index(idx, _shape_tuple(shape))
    return tuple(_wrap(np.asarray(i).astype(dt)) for i in parts)


@keras_op
def argsort(x, axis=-1):
    x = tensor(x)
    if axis is None:
        x = A.reshape(x, [-1])
        axis = -1
    if _ndim(x) == 0:
        return _i32(np.zeros((), np.int32))
    return A.argsort(x, axis=int(axis))


@keras_op
def sort(x, axis=-1):
    x = tensor(x)
    if axis is None:
        x = A.reshape(x, [-1])
        axis = -1
    if _ndim(x) == 0:
        return x
    return A.sort(x, axis=int(axis))


@keras_op
def argpartition(x, kth, axis=-1):
    return _i32(np.argpartition(ndarray(tensor(x)), int(kth), axis=axis))


@keras_op
def isin(x1, x2, assume_unique=False, invert=False):
    x1, x2 = promote(x1, x2)
    return _wrap(np.isin(x1._value, x2._value, assume_unique=assume_unique, invert=invert))


@keras_op
def bincount(x, weights=None, minlength=0, sparse=False):
    if sparse:
        raise ValueError("keras.ops.bincount: sparse=True is not supported by ndflow.")
    v = _np_int(tensor(x), "bincount")
    if v.size and v.min() < 0:
        raise ValueError("keras.ops.bincount: x must be non-negative, found %d." % v.min())
    w = None
    if weights is not None:
        w = tensor(weights)
        dt = w._value.dtype
        if dt == np.bool_ or dt.kind in "iu" and dt.itemsize < 4:
            dt = np.dtype("int32")
        w = w._value
    else:
        dt = np.dtype("int32")
    n = builtins.max(int(v.max()) + 1 if v.size else 0, int(minlength))
    if v.ndim == 1:
        out = np.bincount(v, weights=w, minlength=n)
    elif v.ndim == 2:
        out = np.stack([np.bincount(row, weights=None if w is None else w[i], minlength=n)
                        for i, row in enumerate(v)]) if len(v) else np.zeros((0, n))
    else:
        raise ValueError("keras.ops.bincount expects a 1-D or 2-D tensor, got shape %s."
                         % (v.shape,))
    return _wrap(out.astype(dt))


@keras_op
def histogram(x, bins=10, range=None):
    v = ndarray(tensor(x))
    if v.ndim != 1:
        raise ValueError("keras.ops.histogram expects a 1-D tensor, got shape %s." % (v.shape,))
    counts, edges = np.histogram(v, bins=int(bins), range=range)
    dt = v.dtype if v.dtype.kind == "f" else np.dtype(floatx())
    return _wrap(counts.astype(dt)), _wrap(edges.astype(dt))


@keras_op
def unique(x, sorted=True, return_index=False, return_inverse=False, return_counts=False,
           axis=None, size=None, fill_value=None):
    v = ndarray(tensor(x))
    u, first, inv, counts = np.unique(v, return_index=True, return_inverse=True,
                                      return_counts=True, axis=axis)
    if not sorted:   # order of first appearance
        order = np.argsort(first, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(order.size)
        u = np.take(u, order, axis=0 if axis is None else axis)
        first, counts = first[order], counts[order]
        inv = rank[inv]
    if size is not None:
        size = int(size)
        ax = 0 if axis is None else axis
        n = u.shape[ax]
        fill = 0 if fill_value is None else fill_value
        if n >= size:
            u = np.take(u, np.arange(size), axis=ax)
            first, counts = first[:size], counts[:size]
        else:
            pad_shape = list(u.shape)
            pad_shape[ax] = size - n
            u = np.concatenate([u, np.full(pad_shape, fill, dtype=u.dtype)], axis=ax)
            first = np.concatenate([first, np.zeros(size - n, first.dtype)])
            counts = np.concatenate([counts, np.zeros(size - n, counts.dtype)])
    outs = [_wrap(u)]
    if return_index:
        outs.append(_i32(first))
    if return_inverse:
        outs.append(_i32(inv.reshape(v.shape) if axis is None else inv.reshape(-1)))
    if return_counts:
        outs.append(_i32(counts))
    return outs[0] if len(outs) == 1 else tuple(outs)


# ---- linear algebra ----------------------------------------------------------------------

def _matmul_dtype(x1, x2):
    x1, x2 = promote(x1, x2)
    name = x1._value.dtype.name
    if name == "bool" or is_int(name) and x1._value.dtype.itemsize < 4:
        x1, x2 = cast(x1, "int32"), cast(x2, "int32")
    return x1, x2


@keras_op
def matmul(x1, x2):
    x1, x2 = _matmul_dtype(x1, x2)
    if _ndim(x1) == 0 or _ndim(x2) == 0:
        raise ValueError("keras.ops.matmul: inputs must not be scalars, got shapes %s and %s "
                         "(use multiply)." % (_shape(x1), _shape(x2)))
    v1, v2 = _ndim(x1) == 1, _ndim(x2) == 1
    if v1:
        x1 = A.reshape(x1, [1, -1])
    if v2:
        x2 = A.reshape(x2, [-1, 1])
    out = L.matmul(x1, x2)
    if v1 and v2:
        return A.reshape(out, [])
    if v1:
        return A.squeeze(out, -2)
    if v2:
        return A.squeeze(out, -1)
    return out


@keras_op
def dot(x1, x2):
    x1, x2 = _matmul_dtype(x1, x2)
    if _ndim(x1) == 0 or _ndim(x2) == 0:
        return M.multiply(x1, x2)
    if _ndim(x2) == 1:
        return L.tensordot(x1, x2, [[_ndim(x1) - 1], [0]])
    if _ndim(x1) <= 2 and _ndim(x2) == 2:
        return matmul(x1, x2)
    return L.tensordot(x1, x2, [[_ndim(x1) - 1], [_ndim(x2) - 2]])


@keras_op
def inner(x1, x2):
    x1, x2 = _matmul_dtype(x1, x2)
    if _ndim(x1) == 0 or _ndim(x2) == 0:
        return M.multiply(x1, x2)
    return L.tensordot(x1, x2, [[_ndim(x1) - 1], [_ndim(x2) - 1]])


@keras_op
def outer(x1, x2):
    x1, x2 = promote(x1, x2)
    return M.multiply(A.reshape(x1, [-1, 1]), A.reshape(x2, [1, -1]))


@keras_op
def vdot(x1, x2):
    x1, x2 = _matmul_dtype(x1, x2)
    return R.reduce_sum(M.multiply(conj(A.reshape(x1, [-1])), A.reshape(x2, [-1])))


@keras_op
def tensordot(x1, x2, axes=2):
    x1, x2 = _matmul_dtype(x1, x2)
    return L.tensordot(x1, x2, axes)


@keras_op
def einsum(subscripts, *operands, **kwargs):
    ops = promote(*operands)
    name = ops[0]._value.dtype.name
    if name == "bool" or is_int(name) and ops[0]._value.dtype.itemsize < 4:
        ops = [cast(o, "int32") for o in ops]
    return L.einsum(subscripts, *ops)


@keras_op
def kron(x1, x2):
    x1, x2 = promote(x1, x2)
    nd = builtins.max(_ndim(x1), _ndim(x2))
    s1 = (1,) * (nd - _ndim(x1)) + _shape(x1)
    s2 = (1,) * (nd - _ndim(x2)) + _shape(x2)
    a = A.reshape(x1, [d for s in s1 for d in (s, 1)])
    b = A.reshape(x2, [d for s in s2 for d in (1, s)])
    return A.reshape(M.multiply(a, b), [p * q for p, q in zip(s1, s2)])


@keras_op
def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    x1, x2 = promote(x1, x2)
    if axis is not None:
        axisa = axisb = axisc = axis
    a = moveaxis(x1, axisa, -1)
    b = moveaxis(x2, axisb, -1)
    na, nb = _shape(a)[-1], _shape(b)[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError("keras.ops.cross: the vectors must have 2 or 3 components, got %d "
                         "and %d." % (na, nb))

    def comp(t, i, n):
        if i >= n:
            return M.zeros_like(A.getitem(t, (Ellipsis, 0)))
        return A.getitem(t, (Ellipsis, i))

    a0, a1, a2 = (comp(a, i, na) for i in range(3))
    b0, b1, b2 = (comp(b, i, nb) for i in range(3))
    z = M.subtract(M.multiply(a0, b1), M.multiply(a1, b0))
    if na == 2 and nb == 2:
        return z
    out = A.stack([M.subtract(M.multiply(a1, b2), M.multiply(a2, b1)),
                   M.subtract(M.multiply(a2, b0), M.multiply(a0, b2)), z], axis=-1)
    return moveaxis(out, -1, axisc)


@keras_op
def vander(x, N=None, increasing=False):
    x = tensor(x)
    if _ndim(x) != 1:
        raise ValueError("keras.ops.vander expects a 1-D tensor, got shape %s." % (_shape(x),))
    n = _shape(x)[0] if N is None else int(N)
    powers = np.arange(n)
    if not increasing:
        powers = powers[::-1]
    cols = [M.ones_like(x) if p == 0 else M.pow(x, _const(p, x)) for p in powers]
    if not cols:
        return _wrap(np.zeros((_shape(x)[0], 0), dtype=x._value.dtype))
    return A.stack(cols, axis=1)


@keras_op
def slogdet(x):
    """(sign, log|det|) of square matrices."""
    x = float_tensor(x)
    d = L.det(x)
    return M.sign(d), M.log(M.abs(d))


# ---- statistics over pairs ---------------------------------------------------------------

@keras_op
def corrcoef(x):
    x = float_tensor(x)
    if _ndim(x) == 1:
        x = A.reshape(x, [1, -1])
    c = M.subtract(x, R.reduce_mean(x, axis=1, keepdims=True))
    cov = L.matmul(c, c, transpose_b=True)
    d = M.sqrt(A.getitem(cov, (np.arange(_shape(cov)[0]), np.arange(_shape(cov)[0]))))
    out = M.divide(M.divide(cov, A.reshape(d, [-1, 1])), A.reshape(d, [1, -1]))
    out = M.clip_by_value(out, -1.0, 1.0)
    return A.reshape(out, []) if _shape(out) == (1, 1) else out


@keras_op
def correlate(x1, x2, mode="valid"):
    if mode not in ("valid", "same", "full"):
        raise ValueError("keras.ops.correlate: mode must be 'valid', 'same' or 'full', got %r."
                         % (mode,))
    a, v = promote(x1, x2, extra=(float,))
    if _ndim(a) != 1 or _ndim(v) != 1:
        raise ValueError("keras.ops.correlate expects 1-D tensors, got shapes %s and %s."
                         % (_shape(a), _shape(v)))
    m, n = _shape(a)[0], _shape(v)[0]
    if n > m:
        return flip(_correlate(v, a, mode))
    return _correlate(a, v, mode)


def _correlate(a, v, mode):
    m, n = _shape(a)[0], _shape(v)[0]
    # full correlation: out[j] = sum_i a[j + i - (n - 1)] * v[i], a zero outside [0, m)
    ap = A.pad(a, [[n - 1, n - 1]])
    idx = np.arange(m + n - 1)[:, None] + np.arange(n)[None, :]
    full = L.matmul(A.gather(ap, idx), A.reshape(conj(v), [-1, 1]))
    full = A.reshape(full, [-1])
    if mode == "full":
        return full
    if mode == "valid":
        return A.getitem(full, builtins.slice(n - 1, m))
    start = (n - 1) // 2
    return A.getitem(full, builtins.slice(start, start + m))


# ---- misc --------------------------------------------------------------------------------

@keras_op
def clip(x, x_min, x_max):
    x = tensor(x)
    dt = result_type(x._value.dtype.name, dtype_of(x_min), dtype_of(x_max))
    x = cast(x, dt)
    lo, hi = tensor(x_min, dt), tensor(x_max, dt)
    return M.clip_by_value(x, lo, hi)


@keras_op
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    x = tensor(x)
    v = x._value
    if v.dtype.kind not in "fc":
        return x
    fi = np.finfo(v.dtype)
    hi = fi.max if posinf is None else posinf
    lo = fi.min if neginf is None else neginf
    out = M.where(_wrap(np.isnan(v)), _const(nan, x), x)
    out = M.where(_wrap(np.isposinf(v)), _const(hi, x), out)
    return M.where(_wrap(np.isneginf(v)), _const(lo, x), out)


@keras_op
def ndim(x):
    return _ndim(tensor(x))


@keras_op
def size(x):
    return _i32(np.asarray(ndarray(tensor(x)).size))


@keras_op
def view(x, dtype=None):
    x = tensor(x)
    if dtype is None:
        return x
    return _wrap(np.ascontiguousarray(x._value).view(_np_dtype(dtype)))


# ---- window functions --------------------------------------------------------------------

def _window(np_fn, x, *args):
    n = int(_scalar(x))
    return _wrap(np_fn(n, *args).astype(floatx()))


@keras_op
def bartlett(x):
    return _window(np.bartlett, x)


@keras_op
def blackman(x):
    return _window(np.blackman, x)


@keras_op
def hamming(x):
    return _window(np.hamming, x)


@keras_op
def hanning(x):
    return _window(np.hanning, x)


@keras_op
def kaiser(x, beta):
    return _window(np.kaiser, x, float(_scalar(beta)))


# ---- vectorize ---------------------------------------------------------------------------

def _parse_signature(signature):
    ins, outs = signature.replace(" ", "").split("->")

    def dims(part):
        groups = []
        depth = 0
        cur = ""
        for ch in part:
            if ch == "(":
                depth += 1
                cur = ""
            elif ch == ")":
                depth -= 1
                groups.append(tuple(d for d in cur.split(",") if d))
            elif depth:
                cur += ch
        return groups
    return dims(ins), dims(outs)


def vectorize(pyfunc, *, excluded=None, signature=None):
    """A function that applies ``pyfunc`` to each element (or, with a ``signature`` such as
    ``"(n),(n)->()"``, each core sub-array) of its broadcast tensor arguments."""
    from ndflow.keras.ops.core import map as _map
    excluded = set(excluded or ())
    in_core, out_core = _parse_signature(signature) if signature else (None, None)

    def wrapper(*args, **kwargs):
        pos = [i for i in range(len(args)) if i not in excluded]
        ts = [tensor(args[i]) for i in pos]
        cores = in_core or [()] * len(ts)
        if len(cores) != len(ts):
            raise ValueError("keras.ops.vectorize: the signature %r names %d inputs, got %d."
                             % (signature, len(cores), len(ts)))
        loops = [_shape(t)[:_ndim(t) - len(c)] for t, c in zip(ts, cores)]
        loop = np.broadcast_shapes(*loops) if loops else ()
        flat = []
        for t, c in zip(ts, cores):
            core_shape = _shape(t)[_ndim(t) - len(c):]
            t = A.broadcast_to(t, tuple(loop) + core_shape)
            flat.append(A.reshape(t, [-1] + list(core_shape)))

        def one(elems):
            call = list(args)
            for i, e in zip(pos, elems if isinstance(elems, (list, tuple)) else [elems]):
                call[i] = e
            return pyfunc(*call, **kwargs)

        n = int(np.prod(loop, dtype=np.int64))
        if n == 0:
            raise ValueError("keras.ops.vectorize: cannot map over an empty batch.")
        out = _map(one, flat if len(flat) > 1 else flat[0])

        def restore(o):
            return A.reshape(o, list(loop) + list(_shape(o)[1:]))
        if isinstance(out, (list, tuple)):
            return type(out)(restore(o) for o in out)
        return restore(out)
    return wrapper
