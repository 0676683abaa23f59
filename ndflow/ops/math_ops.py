"""Elementwise math primitives and their gradients (``tf.math``)."""
import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.ops._base import Op, execute, Tensor, convert, binary_args, wrap, InvalidArgumentError


def _need(op, i):
    return op.needs_grad[i]


def _cj(t):
    """conj(t) for a complex tensor, ``t`` itself otherwise.

    Gradients of complex inputs follow TensorFlow's convention: for a holomorphic
    y = f(z) the op passes back ``dy * conj(f'(z))`` (so that the gradient of a real loss L
    is dL/d(re z) + 1j * dL/d(im z)).  Backward passes wrap the derivative factor in
    ``_cj``; a real tensor pays one dtype check and takes the same path as before."""
    if t._value.dtype.kind != "c":
        return t
    from ndflow.ops import signal_ops
    return execute(signal_ops.Conj(), (t,))


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
        # complex inputs: TensorFlow's convention, d/dx = dy * conj(y)
        x, y = self.inputs
        return (multiply(dy, conj(y)) if self.needs_grad[0] else None,
                multiply(dy, conj(x)) if self.needs_grad[1] else None)


class Divide(Op):
    def forward(self, x, y):
        return x / y

    def backward(self, dy):
        x, y = self.inputs
        gx = divide(dy, _cj(y)) if self.needs_grad[0] else None
        gy = negative(multiply(dy, _cj(divide(self.outputs, y)))) \
            if self.needs_grad[1] else None
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
            gx = multiply(dy, _cj(multiply(y, pow(x, subtract(y, 1)))))
        if self.needs_grad[1]:
            # log(x) where it is defined (x > 0; x != 0 for a complex x), else 0
            ok = not_equal(x, 0) if x._value.dtype.kind == "c" else greater(x, 0)
            safe_x = where(ok, x, ones_like(x))
            gy = multiply(dy, _cj(multiply(self.outputs, log(safe_x))))
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
        if d.dtype.kind == "c":   # |x - y|**2, kept in the complex dtype (as TensorFlow)
            return d * np.conj(d)
        return d * d

    def backward(self, dy):
        x, y = self.inputs
        if dy._value.dtype.kind == "c":
            # |d|**2 is real-valued, so only the real part of dy counts: the gradient is
            # (dy + conj(dy)) * d.  (TensorFlow 2.21 passes back 2 * dy * d, which agrees
            # when dy is real; this one is the derivative of the forward for any dy.)
            g = multiply(add(dy, _cj(dy)), subtract(x, y))
            return (g if self.needs_grad[0] else None,
                    negative(g) if self.needs_grad[1] else None)
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


def _ragged(x):
    """Whether ``x`` is a ``tf.RaggedTensor`` (its class carries the ``_ndflow_ragged``
    marker, so that ops need not import ndflow.ragged, a layer above this one)."""
    return getattr(type(x), "_ndflow_ragged", False)


def _ragged_binary(fn, x, y):
    """``fn(x, y)`` with a RaggedTensor on either side: applied to its flat values, the
    other side broadcast against its rows, as TensorFlow's ragged dispatch does."""
    if _ragged(x):
        return x._ndflow_binary(fn, y, False)
    return y._ndflow_binary(fn, x, True)


def _binary(op_cls, opname):
    def fn(x, y, name=None):
        # fast path (the common case): two plain tensors of one dtype
        if type(x) is not Tensor or type(y) is not Tensor or \
                x._value.dtype is not y._value.dtype:
            if _ragged(x) or _ragged(y):
                return _ragged_binary(fn, x, y)
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
    if (type(x) is not Tensor or type(y) is not Tensor) and (_ragged(x) or _ragged(y)):
        return _ragged_binary(divide, x, y)
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
        x = self.inputs[0]
        if x._value.dtype.kind != "c":
            return (zeros_like(dy),)
        # s = z / |z| is not holomorphic: with Wirtinger derivatives ds/dz = 1 / (2|z|),
        # ds/dconj(z) = -s**2 / (2|z|), the gradient is (dy - s**2 conj(dy)) / (2|z|),
        # and 0 at z == 0 (as TensorFlow)
        from ndflow.ops import signal_ops
        s = self.outputs
        mag = signal_ops.complex_abs(x)
        nonzero = wrap(mag._value > 0)
        safe = where(nonzero, mag, ones_like(mag))
        num = subtract(dy, multiply(square(s), _cj(dy)))
        g = divide(num, cast(multiply(safe, 2), x.dtype))
        return (where(nonzero, g, zeros_like(g)),)


class Square(_Unary):
    np_fn = staticmethod(np.square)

    def backward(self, dy):
        x = self.inputs[0]
        return (multiply(dy, multiply(_cj(x), 2)),)


class Sqrt(_Unary):
    np_fn = staticmethod(np.sqrt)

    def backward(self, dy):
        return (divide(dy, multiply(_cj(self.outputs), 2)),)


class Rsqrt(Op):
    def forward(self, x):
        return 1 / np.sqrt(x)

    def backward(self, dy):
        y = _cj(self.outputs)
        return (multiply(dy, multiply(pow(y, 3), -0.5)),)


class Exp(_Unary):
    np_fn = staticmethod(np.exp)

    def backward(self, dy):
        return (multiply(dy, _cj(self.outputs)),)


class Expm1(_Unary):
    np_fn = staticmethod(np.expm1)

    def backward(self, dy):
        return (multiply(dy, _cj(add(self.outputs, 1))),)


class Log(_Unary):
    np_fn = staticmethod(np.log)

    def backward(self, dy):
        return (divide(dy, _cj(self.inputs[0])),)


class Log1p(_Unary):
    np_fn = staticmethod(np.log1p)

    def backward(self, dy):
        return (divide(dy, _cj(add(self.inputs[0], 1))),)


class Sin(_Unary):
    np_fn = staticmethod(np.sin)

    def backward(self, dy):
        return (multiply(dy, _cj(cos(self.inputs[0]))),)


class Cos(_Unary):
    np_fn = staticmethod(np.cos)

    def backward(self, dy):
        return (negative(multiply(dy, _cj(sin(self.inputs[0])))),)


class Tan(_Unary):
    np_fn = staticmethod(np.tan)

    def backward(self, dy):
        return (multiply(dy, _cj(add(square(self.outputs), 1))),)


class Tanh(_Unary):
    np_fn = staticmethod(np.tanh)

    def backward(self, dy):
        y = self.outputs
        return (multiply(dy, _cj(subtract(1, square(y)))),)


class Sinh(_Unary):
    np_fn = staticmethod(np.sinh)

    def backward(self, dy):
        return (multiply(dy, _cj(cosh(self.inputs[0]))),)


class Cosh(_Unary):
    np_fn = staticmethod(np.cosh)

    def backward(self, dy):
        return (multiply(dy, _cj(sinh(self.inputs[0]))),)


class Asin(_Unary):
    np_fn = staticmethod(np.arcsin)

    def backward(self, dy):
        return (divide(dy, _cj(sqrt(subtract(1, square(self.inputs[0]))))),)


class Acos(_Unary):
    np_fn = staticmethod(np.arccos)

    def backward(self, dy):
        return (negative(divide(dy, _cj(sqrt(subtract(1, square(self.inputs[0])))))),)


class Atan(_Unary):
    np_fn = staticmethod(np.arctan)

    def backward(self, dy):
        return (divide(dy, _cj(add(square(self.inputs[0]), 1))),)


class Sigmoid(Op):
    def forward(self, x):
        if x.dtype.kind == "c":
            return 1 / (1 + np.exp(-x))
        # stable for large |x|: exp of a non-positive number only
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e))

    def backward(self, dy):
        y = self.outputs
        return (multiply(dy, _cj(multiply(y, subtract(1, y)))),)


class Erf(Op):
    def forward(self, x):
        return _erf(x)

    def backward(self, dy):
        x = self.inputs[0]
        c = 2.0 / np.sqrt(np.pi)
        return (multiply(dy, multiply(exp(negative(square(x))), c)),)


def _erf(x):
    """erf without SciPy.  float64: math.erf per element (exact, slower); other dtypes:
    a vectorized float64 evaluation accurate to ~1e-7 relative, below float32's epsilon
    (Taylor series near 0, Numerical Recipes' Chebyshev fit of erfc elsewhere)."""
    if x.dtype == np.float64:
        import math
        return np.vectorize(math.erf, otypes=[np.float64])(x)
    z = np.abs(x.astype(np.float64))
    t = 1.0 / (1.0 + 0.5 * z)
    poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (
        -0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (
            -0.82215223 + t * 0.17087277))))))))
    far = 1.0 - t * np.exp(-z * z + poly)
    z2 = z * z
    near = z * (1 - z2 / 3 * (1 - z2 * 3 / 10 * (1 - z2 * 5 / 21 * (1 - z2 * 7 / 36 * (
        1 - z2 * 9 / 55 * (1 - z2 * 11 / 78)))))) * (2 / np.sqrt(np.pi))
    out = np.where(z < 0.5, near, far)
    return (np.sign(x) * out).astype(x.dtype)


class Reciprocal(_Unary):
    np_fn = staticmethod(np.reciprocal)

    def backward(self, dy):
        return (negative(multiply(dy, _cj(square(self.outputs)))),)


class _NoGradUnary(_Unary):
    def backward(self, dy):
        return (None,)


class Round(_NoGradUnary):
    np_fn = staticmethod(np.rint)  # banker's rounding, like tf.round


class Floor(_NoGradUnary):
    np_fn = staticmethod(np.floor)


class Ceil(_NoGradUnary):
    np_fn = staticmethod(np.ceil)


def _is_sparse(x):
    """Whether ``x`` is a ``tf.SparseTensor``: its class carries the ``_ndflow_sparse``
    marker, so that ops need not import ndflow.sparse (a layer above this one)."""
    return getattr(type(x), "_ndflow_sparse", False)


def _unary(op_cls, opname, float_only=False, sparse=False):
    if sparse:
        # TensorFlow applies these zero-keeping ops to a SparseTensor's values and returns
        # a SparseTensor with the same indices; a dense tensor pays one type check
        def fn(x, name=None):
            if type(x) is not Tensor:
                if _is_sparse(x):
                    return x.with_values(fn(x.values))
                if _ragged(x):
                    return x.with_flat_values(fn(x.flat_values))
            x = _float_only(x, opname) if float_only else convert(x)
            return execute(op_cls(), (x,))
    else:
        def fn(x, name=None):
            if type(x) is not Tensor and _ragged(x):   # element-wise on the flat values
                return x.with_flat_values(fn(x.flat_values))
            x = _float_only(x, opname) if float_only else convert(x)
            return execute(op_cls(), (x,))
    fn.__name__ = opname
    fn.__qualname__ = opname
    fn.__doc__ = "Elementwise %s (``tf.math.%s``)." % (opname, opname)
    return fn


negative = _unary(Negative, "negative", sparse=True)
neg = negative
_real_abs = _unary(Abs, "abs")


def abs(x, name=None):
    """Elementwise absolute value (``tf.math.abs``); the magnitude, a real tensor, for a
    complex one.  A SparseTensor gives a SparseTensor of the absolute values."""
    if type(x) is not Tensor and _is_sparse(x):
        return x.with_values(abs(x.values))
    if type(x) is not Tensor and _ragged(x):
        return x.with_flat_values(abs(x.flat_values))
    x = convert(x)
    if x._value.dtype.kind == "c":
        from ndflow.ops.signal_ops import complex_abs
        return complex_abs(x)
    return _real_abs(x)
sign = _unary(Sign, "sign", sparse=True)
square = _unary(Square, "square", sparse=True)
sqrt = _unary(Sqrt, "sqrt", True, sparse=True)
rsqrt = _unary(Rsqrt, "rsqrt", True)
exp = _unary(Exp, "exp", True)
expm1 = _unary(Expm1, "expm1", True)
log = _unary(Log, "log", True)
log1p = _unary(Log1p, "log1p", True)
sin = _unary(Sin, "sin", True, sparse=True)
cos = _unary(Cos, "cos", True)
tan = _unary(Tan, "tan", True, sparse=True)
tanh = _unary(Tanh, "tanh", True, sparse=True)
sinh = _unary(Sinh, "sinh", True)
cosh = _unary(Cosh, "cosh", True)
asin = _unary(Asin, "asin", True, sparse=True)
acos = _unary(Acos, "acos", True)
atan = _unary(Atan, "atan", True, sparse=True)
sigmoid = _unary(Sigmoid, "sigmoid", True)
erf = _unary(Erf, "erf", True, sparse=True)
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
        if (type(x) is not Tensor or type(y) is not Tensor) and (_ragged(x) or _ragged(y)):
            return _ragged_binary(fn, x, y)
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
    try:
        return execute(Where(), (condition, x, y))
    except ValueError:
        raise InvalidArgumentError(
            "where: condition %s, x %s and y %s cannot be broadcast to one shape (trailing "
            "dimensions must be equal or 1)." % (tuple(condition._value.shape),
                                                tuple(x._value.shape),
                                                tuple(y._value.shape))) from None


class Cast(Op):
    def __init__(self, np_dtype):
        self.np_dtype = np_dtype

    def forward(self, x):
        if x.dtype.kind == "c" and self.np_dtype.kind not in "cb":
            # complex -> real or integer keeps the real part, as TensorFlow
            return x.real.astype(self.np_dtype)
        return x.astype(self.np_dtype)

    def backward(self, dy):
        # complex -> real: the gradient is dy as a complex number (imaginary part 0);
        # real -> complex: the real part of dy
        src = self.inputs[0]._value.dtype
        if src.kind not in "fc":
            return (None,)
        return (cast(dy, src),)


def cast(x, dtype, name=None):
    """``x`` converted to ``dtype`` (floats truncate toward zero when cast to ints; complex
    numbers cast to a real dtype keep their real part).  A SparseTensor gives a
    SparseTensor of the cast values."""
    d = _dt.as_dtype(dtype)._np
    if not isinstance(x, Tensor):
        if _is_sparse(x):
            return x.with_values(cast(x.values, dtype))
        if _ragged(x):
            return x.with_flat_values(cast(x.flat_values, dtype))
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
        xv = x._value
        below = wrap(np.broadcast_to(xv < lo._value, dy._value.shape))
        above = wrap(np.broadcast_to(xv > hi._value, dy._value.shape))
        zero = zeros_like(dy)
        inside = where(below, zero, where(above, zero, dy))
        return (inside,
                where(below, dy, zero) if self.needs_grad[1] else None,
                where(above, dy, zero) if self.needs_grad[2] else None)


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """Clamp ``t`` to [clip_value_min, clip_value_max] (bounds broadcast against ``t``)."""
    t = convert(t)
    _, lo = binary_args(t, clip_value_min, "clip_by_value")
    _, hi = binary_args(t, clip_value_max, "clip_by_value")
    try:
        return execute(ClipByValue(), (t, lo, hi))
    except ValueError:
        raise InvalidArgumentError(
            "clip_by_value: the bounds (shapes %s and %s) must be scalars or broadcast to "
            "the clipped tensor's shape %s." % (tuple(lo._value.shape), tuple(hi._value.shape),
                                                tuple(t._value.shape))) from None


def clip_by_norm(t, clip_norm, axes=None, name=None):
    """Rescale ``t`` so that its L2 norm over ``axes`` is at most ``clip_norm``."""
    from ndflow.ops.reduction_ops import reduce_sum
    t = _float_only(t, "clip_by_norm")
    l2sum = reduce_sum(multiply(t, t), axis=axes, keepdims=True)
    positive = greater(l2sum, 0)
    # sqrt only of positive sums, so the gradient at an all-zero t stays finite
    l2norm = where(positive, sqrt(where(positive, l2sum, ones_like(l2sum))), l2sum)
    clip_norm = cast(clip_norm, t.dtype) if isinstance(clip_norm, Tensor) else clip_norm
    return divide(multiply(t, clip_norm), maximum(l2norm, clip_norm))


# ---- cumulative sums and products ----------------------------------------------------------

def _cumulate(np_fn, x, axis, exclusive, reverse):
    if reverse:
        x = np.flip(x, axis)
    # dtype: NumPy would widen int32 to int64; TF keeps the input's dtype
    out = np_fn(x, axis=axis, dtype=x.dtype if x.dtype.kind in "iu" else None)
    if exclusive:
        ident = np.zeros_like if np_fn is np.cumsum else np.ones_like
        first = ident(np.take(x, [0], axis=axis))
        out = np.concatenate([first, np.delete(out, -1, axis=axis)], axis=axis)
    if reverse:
        out = np.flip(out, axis)
    return out


class Cumsum(Op):
    def __init__(self, axis, exclusive, reverse):
        self.axis, self.exclusive, self.reverse = axis, exclusive, reverse

    def forward(self, x):
        return _cumulate(np.cumsum, x, self.axis, self.exclusive, self.reverse)

    def backward(self, dy):
        # each input feeds every later (earlier, when reversed) output
        return (cumsum(dy, self.axis, self.exclusive, not self.reverse),)


class Cumprod(Op):
    def __init__(self, axis, exclusive, reverse):
        self.axis, self.exclusive, self.reverse = axis, exclusive, reverse

    def forward(self, x):
        return _cumulate(np.cumprod, x, self.axis, self.exclusive, self.reverse)

    def backward(self, dy):
        # d out_j / d x_i = out_j / x_i for every output that includes x_i.  Like
        # TensorFlow this divides by x, so an input that is exactly 0 gets a NaN gradient.
        # Complex inputs: conj(out_j / x_i) (the convention of _cj; TensorFlow 2.21 leaves
        # the conj out here, which is not the derivative of its forward).
        x = self.inputs[0]
        summed = cumsum(multiply(_cj(self.outputs), dy), self.axis, self.exclusive,
                        not self.reverse)
        return (divide(summed, _cj(x)),)


def _cum(op_cls, opname):
    def fn(x, axis=0, exclusive=False, reverse=False, name=None):
        from ndflow.ops._base import normalize_axis
        x = convert(x)
        if x._value.dtype.kind == "b":
            raise InvalidArgumentError("%s does not accept a bool tensor; cast it first, "
                                       "e.g. tf.cast(x, tf.int32)." % opname)
        if x._value.ndim == 0:
            raise InvalidArgumentError("%s needs a tensor of rank >= 1, got a scalar."
                                       % opname)
        (axis,) = normalize_axis(axis, x._value.ndim, opname)
        return execute(op_cls(axis, bool(exclusive), bool(reverse)), (x,))
    fn.__name__ = fn.__qualname__ = opname
    fn.__doc__ = ("``tf.math.%s``: running %s along ``axis``; ``exclusive`` leaves the "
                  "current element out, ``reverse`` runs from the end." % (
                      opname, "sum" if opname == "cumsum" else "product"))
    return fn


cumsum = _cum(Cumsum, "cumsum")
cumprod = _cum(Cumprod, "cumprod")


def scalar_mul(scalar, x, name=None):
    return multiply(x, scalar)


def xlogy(x, y, name=None):
    """x * log(y), and 0 where x == 0 (even when y == 0)."""
    x, y = binary_args(x, y, "xlogy")
    zero = equal(x, 0)
    safe_y = where(zero, ones_like(y), y)
    return where(zero, zeros_like(multiply(x, y)), multiply(x, log(safe_y)))


def ones_like(x, dtype=None, name=None):
    x = convert(x)
    return wrap(np.ones_like(x._value, dtype=None if dtype is None else _dt.as_dtype(dtype)._np))


def zeros_like(x, dtype=None, name=None):
    x = convert(x)
    return wrap(np.zeros_like(x._value, dtype=None if dtype is None else _dt.as_dtype(dtype)._np))


def real(x, name=None):
    """The real part of a complex tensor (differentiable); a real tensor as it is."""
    from ndflow.ops import signal_ops
    return signal_ops.real(x)


def imag(x, name=None):
    """The imaginary part of a complex tensor (differentiable); zeros for a real one."""
    from ndflow.ops import signal_ops
    return signal_ops.imag(x)


def conj(x, name=None):
    """The complex conjugate; a real tensor as it is."""
    x = convert(x)
    if x._value.dtype.kind != "c":
        return x
    from ndflow.ops import signal_ops
    return signal_ops.conj(x)


def complex(real, imag, name=None):
    """``real + 1j * imag`` (float32 -> complex64, float64 -> complex128)."""
    from ndflow.ops import signal_ops
    return signal_ops.complex(real, imag)


class Angle(Op):
    def forward(self, z):
        return np.angle(z).astype(z.real.dtype)

    def backward(self, dy):
        # angle = atan2(im, re): d/dre = -im / |z|**2, d/dim = re / |z|**2, so the gradient
        # dL/dre + 1j dL/dim is dy * 1j * z / |z|**2 (NaN at z == 0, as in TensorFlow)
        z = self.inputs[0]
        re, im = real(z), imag(z)
        mag2 = add(square(re), square(im))
        return (complex(divide(multiply(negative(dy), im), mag2),
                        divide(multiply(dy, re), mag2)),)


def angle(input, name=None):
    """The argument of a complex tensor (differentiable); 0 or pi for a real one (no
    gradient)."""
    x = convert(input)
    v = x._value
    if v.dtype.kind == "c":
        return execute(Angle(), (x,))
    return wrap(np.angle(v).astype(v.dtype))


def confusion_matrix(labels, predictions, num_classes=None, weights=None, dtype=_dt.int32,
                     name=None):
    """m[i, j] = number (or summed weight) of examples with label i predicted as j."""
    lab = np.asarray(convert(labels)._value).ravel().astype(np.int64)
    pred = np.asarray(convert(predictions)._value).ravel().astype(np.int64)
    if lab.shape != pred.shape:
        raise InvalidArgumentError("confusion_matrix: labels (%d values) and predictions "
                                   "(%d values) must have the same size."
                                   % (lab.size, pred.size))
    n = int(num_classes) if num_classes is not None else int(
        max(lab.max(initial=-1), pred.max(initial=-1)) + 1)
    w = np.ones(lab.shape) if weights is None else np.asarray(
        convert(weights)._value, dtype=np.float64).ravel()
    m = np.zeros((n, n))
    np.add.at(m, (lab, pred), w)
    return wrap(m.astype(_dt.as_dtype(dtype)._np))


def in_top_k(targets, predictions, k, name=None):
    """Whether each target class is among the ``k`` largest predictions of its row."""
    p = np.asarray(convert(predictions)._value)
    t = np.asarray(convert(targets)._value).astype(np.int64)
    target_vals = p[np.arange(p.shape[0]), t]
    # ties count in the target's favour, as in TensorFlow
    larger = (p > target_vals[:, None]).sum(axis=1)
    return wrap((larger < int(k)) & np.isfinite(target_vals))


def multiply_no_nan(x, y, name=None):
    """x * y, but 0 where y == 0 even if x is inf or NaN."""
    x, y = binary_args(x, y, "multiply_no_nan")
    zero = equal(y, 0)
    return where(zero, zeros_like(multiply(x, y)), multiply(where(zero, zeros_like(x), x), y))


class UnsortedSegmentSum(Op):
    def __init__(self, ids, num_segments):
        self.ids = ids
        self.num_segments = num_segments

    def forward(self, data):
        out = np.zeros((self.num_segments,) + data.shape[self.ids.ndim:], dtype=data.dtype)
        np.add.at(out, self.ids, data)
        return out

    def backward(self, dy):
        from ndflow.ops.array_ops import GetItem
        return (execute(GetItem(self.ids), (dy,)),)


def _segment_ids(data, segment_ids, num_segments, opname):
    data = convert(data)
    ids = np.asarray(convert(segment_ids)._value)
    if ids.dtype.kind not in "iu" or data._value.shape[:ids.ndim] != ids.shape:
        raise InvalidArgumentError(
            "%s: segment_ids (shape %s) must be integers whose shape is a prefix of the data "
            "shape %s." % (opname, ids.shape, tuple(data._value.shape)))
    n = int(num_segments) if num_segments is not None else int(ids.max(initial=-1)) + 1
    if ids.size and (ids.min() < 0 or ids.max() >= n):
        raise InvalidArgumentError("%s: segment ids must be in [0, %d), got values from %d "
                                   "to %d." % (opname, n, ids.min(), ids.max()))
    return data, ids, n


def unsorted_segment_sum(data, segment_ids, num_segments, name=None):
    """out[k] = sum of data[i] over the i with segment_ids[i] == k."""
    data, ids, n = _segment_ids(data, segment_ids, num_segments, "unsorted_segment_sum")
    return execute(UnsortedSegmentSum(ids, n), (data,))


def unsorted_segment_mean(data, segment_ids, num_segments, name=None):
    data, ids, n = _segment_ids(data, segment_ids, num_segments, "unsorted_segment_mean")
    total = execute(UnsortedSegmentSum(ids, n), (data,))
    counts = np.bincount(ids.ravel(), minlength=n).astype(data._value.dtype)
    counts = counts.reshape((n,) + (1,) * (data._value.ndim - ids.ndim))
    return divide(total, wrap(np.maximum(counts, 1)))


def segment_sum(data, segment_ids, name=None):
    """Like unsorted_segment_sum, with sorted ids and as many segments as the largest id + 1."""
    return unsorted_segment_sum(data, segment_ids, None)


def segment_mean(data, segment_ids, name=None):
    return unsorted_segment_mean(data, segment_ids, None)
