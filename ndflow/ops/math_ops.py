"""Elementwise math primitives and their gradients (``tf.math``)."""
import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.ops._base import Op, execute, Tensor, convert, binary_args, wrap, InvalidArgumentError


def _need(op, i):
    return op.needs_grad[i]


# ---- binary arithmetic --------------------------------------------------------------------

class Add(Op):
    def forward(self, x, y):
        return x + y

    def backward(self, dy):
        return dy, dy


class Subtract(Op):
    def forward(self, x, y):
        return x - y

    def backward(self, dy):
        return dy, (negative(dy) if self.needs_grad[1] else None)


class Multiply(Op):
    def forward(self, x, y):
        return x * y

    def backward(self, dy):
        x, y = self.inputs
        return (multiply(dy, y) if self.needs_grad[0] else None,
                multiply(dy, x) if self.needs_grad[1] else None)


class Divide(Op):
    def forward(self, x, y):
        return x / y

    def backward(self, dy):
        x, y = self.inputs
        gx = divide(dy, y) if self.needs_grad[0] else None
        gy = negative(multiply(dy, divide(self.outputs, y))) if self.needs_grad[1] else None
        return gx, gy


class FloorDiv(Op):
    def forward(self, x, y):
        return np.floor_divide(x, y)

    def backward(self, dy):
        return None, None


class FloorMod(Op):
    def forward(self, x, y):
        return np.mod(x, y)

    def backward(self, dy):
        x, y = self.inputs
        return (dy if self.needs_grad[0] else None,
                negative(multiply(dy, floordiv(x, y))) if self.needs_grad[1] else None)


class Pow(Op):
    def forward(self, x, y):
        if x.dtype.kind in "iu" and np.any(y < 0):
            raise InvalidArgumentError(
                "pow: integers to negative integer powers are not allowed (got exponent %s). "
                "Cast the base to float first." % (y,))
        return np.power(x, y)

    def backward(self, dy):
        x, y = self.inputs
        gx = gy = None
        if self.needs_grad[0]:
            gx = multiply(dy, multiply(y, pow(x, subtract(y, 1))))
        if self.needs_grad[1]:
            safe_x = where(greater(x, 0), x, ones_like(x))
            gy = multiply(dy, multiply(self.outputs, log(safe_x)))
        return gx, gy


class Maximum(Op):
    def forward(self, x, y):
        return np.maximum(x, y)

    def backward(self, dy):
        x, y = self.inputs
        mask = wrap(x._value >= y._value)
        zero = zeros_like(dy)
        return (where(mask, dy, zero) if self.needs_grad[0] else None,
                where(mask, zero, dy) if self.needs_grad[1] else None)


class Minimum(Op):
    def forward(self, x, y):
        return np.minimum(x, y)

    def backward(self, dy):
        x, y = self.inputs
        mask = wrap(x._value <= y._value)
        zero = zeros_like(dy)
        return (where(mask, dy, zero) if self.needs_grad[0] else None,
                where(mask, zero, dy) if self.needs_grad[1] else None)


class SquaredDifference(Op):
    def forward(self, x, y):
        d = x - y
        return d * d

    def backward(self, dy):
        x, y = self.inputs
        g = multiply(multiply(dy, 2.0 if dy.dtype.is_floating else 2), subtract(x, y))
        return (g if self.needs_grad[0] else None,
                negative(g) if self.needs_grad[1] else None)


class Atan2(Op):
    def forward(self, y, x):
        return np.arctan2(y, x)

    def backward(self, dy):
        y, x = self.inputs
        denom = add(square(x), square(y))
        return (multiply(dy, divide(x, denom)) if self.needs_grad[0] else None,
                multiply(dy, divide(negative(y), denom)) if self.needs_grad[1] else None)


def _binary(op_cls, opname):
    def fn(x, y, name=None):
        x, y = binary_args(x, y, opname)
        try:
            return execute(op_cls(), (x, y))
        except ValueError as e:
            if "broadcast" in str(e):
                raise InvalidArgumentError(
                    "%s: incompatible shapes %s and %s: they cannot be broadcast together "
                    "(trailing dimensions must be equal or 1). Reshape or expand_dims one "
                    "side." % (opname, tuple(x._value.shape), tuple(y._value.shape))) from None
            raise
    fn.__name__ = opname
    fn.__qualname__ = opname
    fn.__doc__ = "Elementwise %s with broadcasting (``tf.math.%s``)." % (opname, opname)
    return fn


add = _binary(Add, "add")
subtract = _binary(Subtract, "subtract")
multiply = _binary(Multiply, "multiply")
_divide_raw = _binary(Divide, "divide")
floordiv = _binary(FloorDiv, "floordiv")
floormod = _binary(FloorMod, "floormod")
pow = _binary(Pow, "pow")
maximum = _binary(Maximum, "maximum")
minimum = _binary(Minimum, "minimum")
squared_difference = _binary(SquaredDifference, "squared_difference")
atan2 = _binary(Atan2, "atan2")
mod = floormod
floor_div = floordiv


def divide(x, y, name=None):
    """x / y; integer tensors are divided in float64 like TensorFlow's truediv."""
    x, y = binary_args(x, y, "divide")
    if x._value.dtype.kind in "iub":
        ft = np.float64 if x._value.dtype.itemsize >= 4 else np.float32
        x = cast(x, ft)
        y = cast(y, ft)
    return _divide_raw(x, y)


truediv = divide
realdiv = divide


def divide_no_nan(x, y, name=None):
    x, y = binary_args(x, y, "divide_no_nan")
    zero = wrap(y._value == 0)
    safe_y = where(zero, ones_like(y), y)
    return where(zero, zeros_like(divide(x, safe_y)), divide(x, safe_y))


def add_n(inputs, name=None):
    inputs = list(inputs)
    if not inputs:
        raise ValueError("add_n: inputs must be a non-empty list of tensors.")
    total = convert(inputs[0])
    for t in inputs[1:]:
        total = add(total, t)
    return total


# ---- unary ------------------------------------------------------------------------------

class _Unary(Op):
    np_fn = None

    def forward(self, x):
        return type(self).np_fn(x)


def _float_only(x, opname):
    x = convert(x)
    if x._value.dtype.kind not in "fc":
        raise InvalidArgumentError(
            "%s expects a floating-point tensor, got dtype %s. Cast first: "
            "tf.cast(x, tf.float32)." % (opname, x.dtype.name))
    return x


class Negative(_Unary):
    np_fn = staticmethod(np.negative)

    def backward(self, dy):
        return (negative(dy),)


class Abs(_Unary):
    np_fn = staticmethod(np.abs)

    def backward(self, dy):
        return (multiply(dy, sign(self.inputs[0])),)


class Sign(_Unary):
    np_fn = staticmethod(np.sign)

    def backward(self, dy):
        return (zeros_like(dy),)


class Square(_Unary):
    np_fn = staticmethod(np.square)

    def backward(self, dy):
        x = self.inputs[0]
        return (multiply(dy, multiply(x, 2)),)


class Sqrt(_Unary):
    np_fn = staticmethod(np.sqrt)

    def backward(self, dy):
        return (divide(dy, multiply(self.outputs, 2)),)


class Rsqrt(Op):
    def forward(self, x):
        return 1 / np.sqrt(x)

    def backward(self, dy):
        y = self.outputs
        return (multiply(dy, multiply(pow(y, 3), -0.5)),)


class Exp(_Unary):
    np_fn = staticmethod(np.exp)

    def backward(self, dy):
        return (multiply(dy, self.outputs),)


class Expm1(_Unary):
    np_fn = staticmethod(np.expm1)

    def backward(self, dy):
        return (multiply(dy, add(self.outputs, 1)),)


class Log(_Unary):
    np_fn = staticmethod(np.log)

    def backward(self, dy):
        return (divide(dy, self.inputs[0]),)


class Log1p(_Unary):
    np_fn = staticmethod(np.log1p)

    def backward(self, dy):
        return (divide(dy, add(self.inputs[0], 1)),)


class Sin(_Unary):
    np_fn = staticmethod(np.sin)

    def backward(self, dy):
        return (multiply(dy, cos(self.inputs[0])),)


class Cos(_Unary):
    np_fn = staticmethod(np.cos)

    def backward(self, dy):
        return (negative(multiply(dy, sin(self.inputs[0]))),)


class Tan(_Unary):
    np_fn = staticmethod(np.tan)

    def backward(self, dy):
        return (multiply(dy, add(square(self.outputs), 1)),)


class Tanh(_Unary):
    np_fn = staticmethod(np.tanh)

    def backward(self, dy):
        y = self.outputs
        return (multiply(dy, subtract(1, square(y))),)


class Sinh(_Unary):
    np_fn = staticmethod(np.sinh)

    def backward(self, dy):
        return (multiply(dy, cosh(self.inputs[0])),)


class Cosh(_Unary):
    np_fn = staticmethod(np.cosh)

    def backward(self, dy):
        return (multiply(dy, sinh(self.inputs[0])),)


class Asin(_Unary):
    np_fn = staticmethod(np.arcsin)

    def backward(self, dy):
        return (divide(dy, sqrt(subtract(1, square(self.inputs[0])))),)


class Acos(_Unary):
    np_fn = staticmethod(np.arccos)

    def backward(self, dy):
        return (negative(divide(dy, sqrt(subtract(1, square(self.inputs[0]))))),)


class Atan(_Unary):
    np_fn = staticmethod(np.arctan)

    def backward(self, dy):
        return (divide(dy, add(square(self.inputs[0]), 1)),)


class Sigmoid(Op):
    def forward(self, x):
        # stable for large |x|: exp of a non-positive number only
        out = np.empty_like(x)
        pos = x >= 0
        out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
        e = np.exp(x[~pos])
        out[~pos] = e / (1.0 + e)
        return out

    def backward(self, dy):
        y = self.outputs
        return (multiply(dy, multiply(y, subtract(1, y))),)


class Erf(Op):
    def forward(self, x):
        return _erf(x)

    def backward(self, dy):
        x = self.inputs[0]
        c = 2.0 / np.sqrt(np.pi)
        return (multiply(dy, multiply(exp(negative(square(x))), c)),)


def _erf(x):
    """erf with float64 accuracy, without SciPy (Abramowitz-Stegun 7.1.26 is too coarse)."""
    import math
    vec = np.vectorize(math.erf, otypes=[np.float64])
    return vec(x).astype(x.dtype)


class Reciprocal(_Unary):
    np_fn = staticmethod(np.reciprocal)

    def backward(self, dy):
        return (negative(multiply(dy, square(self.outputs))),)


class _NoGradUnary(_Unary):
    def backward(self, dy):
        return (None,)


class Round(_NoGradUnary):
    np_fn = staticmethod(np.rint)  # banker's rounding, like tf.round


class Floor(_NoGradUnary):
    np_fn = staticmethod(np.floor)


class Ceil(_NoGradUnary):
    np_fn = staticmethod(np.ceil)


def _unary(op_cls, opname, float_only=False):
    def fn(x, name=None):
        x = _float_only(x, opname) if float_only else convert(x)
        return execute(op_cls(), (x,))
    fn.__name__ = opname
    fn.__qualname__ = opname
    fn.__doc__ = "Elementwise %s (``tf.math.%s``)." % (opname, opname)
    return fn


negative = _unary(Negative, "negative")
neg = negative
abs = _unary(Abs, "abs")
sign = _unary(Sign, "sign")
square = _unary(Square, "square")
sqrt = _unary(Sqrt, "sqrt", True)
rsqrt = _unary(Rsqrt, "rsqrt", True)
exp = _unary(Exp, "exp", True)
expm1 = _unary(Expm1, "expm1", True)
log = _unary(Log, "log", True)
log1p = _unary(Log1p, "log1p", True)
sin = _unary(Sin, "sin", True)
cos = _unary(Cos, "cos", True)
tan = _unary(Tan, "tan", True)
tanh = _unary(Tanh, "tanh", True)
sinh = _unary(Sinh, "sinh", True)
cosh = _unary(Cosh, "cosh", True)
asin = _unary(Asin, "asin", True)
acos = _unary(Acos, "acos", True)
atan = _unary(Atan, "atan", True)
sigmoid = _unary(Sigmoid, "sigmoid", True)
erf = _unary(Erf, "erf", True)
reciprocal = _unary(Reciprocal, "reciprocal", True)
round = _unary(Round, "round")
floor = _unary(Floor, "floor")
ceil = _unary(Ceil, "ceil")


# ---- comparisons and logic (no gradient) ----------------------------------------------

class _Compare(Op):
    def backward(self, dy):
        return None, None


def _compare(np_fn, opname):
    cls = type(opname.title().replace("_", ""), (_Compare,),
               {"forward": lambda self, x, y: np_fn(x, y)})

    def fn(x, y, name=None):
        x, y = binary_args(x, y, opname)
        return execute(cls(), (x, y))
    fn.__name__ = opname
    fn.__qualname__ = opname
    return fn


equal = _compare(np.equal, "equal")
not_equal = _compare(np.not_equal, "not_equal")
less = _compare(np.less, "less")
less_equal = _compare(np.less_equal, "less_equal")
greater = _compare(np.greater, "greater")
greater_equal = _compare(np.greater_equal, "greater_equal")


def _bool_args(x, y, opname):
    x, y = convert(x), convert(y)
    for t in (x, y):
        if t._value.dtype.kind not in "biu":
            raise InvalidArgumentError("%s expects boolean (or integer) tensors, got %s."
                                       % (opname, t.dtype.name))
    return x, y


def logical_and(x, y, name=None):
    x, y = _bool_args(x, y, "logical_and")
    return wrap(np.logical_and(x._value, y._value))


def logical_or(x, y, name=None):
    x, y = _bool_args(x, y, "logical_or")
    return wrap(np.logical_or(x._value, y._value))


def logical_xor(x, y, name=None):
    x, y = _bool_args(x, y, "logical_xor")
    return wrap(np.logical_xor(x._value, y._value))


def logical_not(x, name=None):
    x = convert(x)
    return wrap(np.logical_not(x._value))


def bitwise_and(x, y):
    x, y = binary_args(x, y, "bitwise_and")
    return wrap(np.bitwise_and(x._value, y._value))


def bitwise_or(x, y):
    x, y = binary_args(x, y, "bitwise_or")
    return wrap(np.bitwise_or(x._value, y._value))


def bitwise_xor(x, y):
    x, y = binary_args(x, y, "bitwise_xor")
    return wrap(np.bitwise_xor(x._value, y._value))


def invert(x):
    x = convert(x)
    return wrap(np.invert(x._value))


def is_nan(x, name=None):
    return wrap(np.isnan(convert(x)._value))


def is_inf(x, name=None):
    return wrap(np.isinf(convert(x)._value))


def is_finite(x, name=None):
    return wrap(np.isfinite(convert(x)._value))


# ---- select, cast -----------------------------------------------------------------------

class Where(Op):
    def forward(self, cond, x, y):
        return np.where(cond, x, y)

    def backward(self, dy):
        cond = self.inputs[0]
        zero = zeros_like(dy)
        return (None,
                where(cond, dy, zero) if self.needs_grad[1] else None,
                where(cond, zero, dy) if self.needs_grad[2] else None)


def where(condition, x=None, y=None, name=None):
    """Select from ``x`` where ``condition`` holds, else ``y``; with one argument, the
    indices (int64, shape (n, rank)) of the true elements."""
    condition = convert(condition)
    if x is None and y is None:
        return wrap(np.argwhere(condition._value).astype(np.int64))
    if x is None or y is None:
        raise ValueError("tf.where needs both x and y, or neither.")
    x, y = binary_args(x, y, "where")
    if condition._value.dtype != np.bool_:
        condition = wrap(condition._value.astype(bool))
    return execute(Where(), (condition, x, y))


class Cast(Op):
    def __init__(self, np_dtype):
        self.np_dtype = np_dtype

    def forward(self, x):
        return x.astype(self.np_dtype)

    def backward(self, dy):
        src = self.inputs[0]._value.dtype
        if src.kind not in "fc":
            return (None,)
        return (cast(dy, src),)


def cast(x, dtype, name=None):
    """``x`` converted to ``dtype`` (floats truncate toward zero when cast to ints)."""
    d = _dt.as_dtype(dtype)._np
    if not isinstance(x, Tensor):
        return convert(x, dtype=d) if not isinstance(x, float) or d.kind not in "iu" \
            else wrap(np.asarray(x).astype(d))
    if x._value.dtype == d:
        return x
    return execute(Cast(d), (x,))


def saturate_cast(value, dtype, name=None):
    d = _dt.as_dtype(dtype)
    value = convert(value)
    if d.is_integer or d.is_floating:
        value = clip_by_value(value, max(d.min, value.dtype.min) if value.dtype.is_numeric
                              else d.min, min(d.max, value.dtype.max))
    return cast(value, d)


# ---- clip -------------------------------------------------------------------------------

class ClipByValue(Op):
    def forward(self, x, lo, hi):
        return np.minimum(np.maximum(x, lo), hi)

    def backward(self, dy):
        x, lo, hi = self.inputs
        inside = wrap((x._value >= lo._value) & (x._value <= hi._value))
        zero = zeros_like(dy)
        return (where(inside, dy, zero), None, None)


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    t = convert(t)
    lo = convert(clip_value_min, dtype=t.dtype) if not isinstance(clip_value_min, Tensor) \
        else clip_value_min
    hi = convert(clip_value_max, dtype=t.dtype) if not isinstance(clip_value_max, Tensor) \
        else clip_value_max
    return execute(ClipByValue(), (t, lo, hi))


def ones_like(x, dtype=None, name=None):
    x = convert(x)
    return wrap(np.ones_like(x._value, dtype=None if dtype is None else _dt.as_dtype(dtype)._np))


def zeros_like(x, dtype=None, name=None):
    x = convert(x)
    return wrap(np.zeros_like(x._value, dtype=None if dtype is None else _dt.as_dtype(dtype)._np))


def real(x):
    return wrap(np.real(convert(x)._value))
