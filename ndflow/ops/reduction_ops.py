"""Reductions (``tf.reduce_*``, ``tf.math.argmax`` ...)."""
import numpy as np

from ndflow.ops._base import (Op, execute, convert, wrap, normalize_axis, InvalidArgumentError,
                              Tensor)
from ndflow.ops import math_ops as M
from ndflow.ops import array_ops as A


def _grad_shape(in_shape, axes):
    """Shape of a kept-dims reduction result, used to broadcast the gradient back."""
    return tuple(1 if i in axes else d for i, d in enumerate(in_shape))


class Sum(Op):
    def __init__(self, axes, keepdims):
        self.axes = axes
        self.keepdims = keepdims

    def forward(self, x):
        # axis=None is NumPy's fastest path for a full reduction
        axis = None if len(self.axes) == x.ndim else self.axes
        if x.dtype.kind in "iu":  # NumPy would widen int32 to int64; TF keeps the dtype
            return x.sum(axis=axis, keepdims=self.keepdims, dtype=x.dtype)
        return x.sum(axis=axis, keepdims=self.keepdims)

    def backward(self, dy):
        x = self.inputs[0]
        shape = x._value.shape
        if not self.keepdims:
            dy = A.reshape(dy, _grad_shape(shape, self.axes))
        return (A.broadcast_to(dy, shape),)


class Mean(Op):
    def __init__(self, axes, keepdims):
        self.axes = axes
        self.keepdims = keepdims

    def forward(self, x):
        if x.dtype.kind in "iu":
            return np.mean(x, axis=self.axes, keepdims=self.keepdims).astype(x.dtype)
        return np.mean(x, axis=self.axes, keepdims=self.keepdims)

    def backward(self, dy):
        x = self.inputs[0]
        shape = x._value.shape
        n = 1
        for a in self.axes:
            n *= shape[a]
        if not self.keepdims:
            dy = A.reshape(dy, _grad_shape(shape, self.axes))
        return (A.broadcast_to(M.divide(dy, max(n, 1)), shape),)


class _Extreme(Op):
    """max/min: the gradient goes to the extreme elements, split evenly among ties."""
    np_fn = None

    def __init__(self, axes, keepdims):
        self.axes = axes
        self.keepdims = keepdims

    def forward(self, x):
        if x.size == 0:  # like TensorFlow: the identity (lowest/highest value), not an error
            if x.dtype.kind == "f":
                start = -np.inf if type(self) is Max else np.inf
            elif x.dtype.kind == "b":
                start = type(self) is not Max
            else:
                info = np.iinfo(x.dtype)
                start = info.min if type(self) is Max else info.max
            return type(self).np_fn(x, axis=self.axes, keepdims=self.keepdims, initial=start)
        return type(self).np_fn(x, axis=self.axes, keepdims=self.keepdims)

    def backward(self, dy):
        x = self.inputs[0]
        shape = x._value.shape
        kshape = _grad_shape(shape, self.axes)
        y = self.outputs._value.reshape(kshape)
        mask = (x._value == y).astype(x._value.dtype)
        mask /= mask.sum(axis=self.axes, keepdims=True)
        if not self.keepdims:
            dy = A.reshape(dy, kshape)
        return (M.multiply(dy, wrap(mask)),)


class Max(_Extreme):
    np_fn = staticmethod(np.max)


class Min(_Extreme):
    np_fn = staticmethod(np.min)


class Prod(Op):
    def __init__(self, axes, keepdims):
        self.axes = axes
        self.keepdims = keepdims

    def forward(self, x):
        return np.prod(x, axis=self.axes, keepdims=self.keepdims,
                       dtype=x.dtype if x.dtype.kind in "iu" else None)

    def backward(self, dy):
        # d prod / d x_i = prod of the others; computed without dividing (zeros allowed).
        # Complex inputs: the conjugate of that (TensorFlow's convention, see math_ops._cj)
        x = self.inputs[0]
        xv = x._value
        shape = xv.shape
        kshape = _grad_shape(shape, self.axes)
        moved = np.moveaxis(xv, self.axes, tuple(range(len(self.axes))))
        lead = int(np.prod([shape[a] for a in self.axes], dtype=np.int64))
        flat = moved.reshape((lead,) + moved.shape[len(self.axes):])
        ones = np.ones_like(flat[:1])
        left = np.cumprod(np.concatenate([ones, flat[:-1]], axis=0), axis=0)
        right = np.cumprod(np.concatenate([ones, flat[:0:-1]], axis=0), axis=0)[::-1]
        others = (left * right).reshape(moved.shape)
        others = np.moveaxis(others, tuple(range(len(self.axes))), self.axes)
        if not self.keepdims:
            dy = A.reshape(dy, kshape)
        if others.dtype.kind == "c":
            others = np.conj(others)
        return (M.multiply(dy, wrap(others)),)


def _ragged_reduce(x, opname, axis, keepdims):
    """A RaggedTensor reduces itself (ndflow.ragged.ragged_math), as TensorFlow's ragged
    dispatch does; its class carries the ``_ndflow_reduce`` hook."""
    return x._ndflow_reduce(opname[len("reduce_"):], axis, keepdims)


def _reduce(op_cls, opname, float_result=False):
    def fn(input_tensor, axis=None, keepdims=False, name=None):
        if type(input_tensor) is not Tensor and hasattr(type(input_tensor), "_ndflow_reduce"):
            return _ragged_reduce(input_tensor, opname, axis, keepdims)
        x = convert(input_tensor)
        if x._value.dtype == np.bool_ and op_cls in (Sum, Mean, Prod):
            raise InvalidArgumentError("%s does not accept a bool tensor; cast it first, "
                                       "e.g. tf.cast(x, tf.float32)." % opname)
        if axis is None:
            axes = tuple(range(x._value.ndim))
        else:
            axes = normalize_axis(axis, x._value.ndim, opname)
        if not axes:
            return x
        return execute(op_cls(axes, bool(keepdims)), (x,))
    fn.__name__ = opname
    fn.__qualname__ = opname
    fn.__doc__ = "``tf.%s``: reduce over ``axis`` (all axes when None)." % opname
    return fn


reduce_sum = _reduce(Sum, "reduce_sum")
reduce_mean = _reduce(Mean, "reduce_mean")
reduce_max = _reduce(Max, "reduce_max")
reduce_min = _reduce(Min, "reduce_min")
reduce_prod = _reduce(Prod, "reduce_prod")


def reduce_variance(input_tensor, axis=None, keepdims=False, name=None):
    x = convert(input_tensor)
    if x._value.dtype.kind not in "fc":
        raise InvalidArgumentError("reduce_variance expects a floating-point tensor, got %s. "
                                   "Cast first: tf.cast(x, tf.float32)." % x.dtype.name)
    mean = reduce_mean(x, axis=axis, keepdims=True)
    d = M.subtract(x, mean)
    if x._value.dtype.kind == "c":   # mean of |x - mean|**2: a real tensor, as TensorFlow
        return reduce_mean(M.real(M.multiply(d, M.conj(d))), axis=axis, keepdims=keepdims)
    return reduce_mean(M.square(d), axis=axis, keepdims=keepdims)


def reduce_std(input_tensor, axis=None, keepdims=False, name=None):
    return M.sqrt(reduce_variance(input_tensor, axis=axis, keepdims=keepdims))


def reduce_logsumexp(input_tensor, axis=None, keepdims=False, name=None):
    x = convert(input_tensor)
    m = A.stop_gradient(reduce_max(x, axis=axis, keepdims=True))
    m = M.where(M.is_finite(m), m, M.zeros_like(m))
    s = M.log(reduce_sum(M.exp(M.subtract(x, m)), axis=axis, keepdims=True))
    out = M.add(s, m)
    if not keepdims:
        axes = normalize_axis(axis, x._value.ndim, "reduce_logsumexp")
        out = A.squeeze(out, axis=list(axes)) if axes else out
    return out


def reduce_any(input_tensor, axis=None, keepdims=False, name=None):
    if type(input_tensor) is not Tensor and hasattr(type(input_tensor), "_ndflow_reduce"):
        return _ragged_reduce(input_tensor, "reduce_any", axis, keepdims)
    x = convert(input_tensor)
    return wrap(np.any(x._value, axis=normalize_axis(axis, x._value.ndim, "reduce_any"),
                       keepdims=keepdims))


def reduce_all(input_tensor, axis=None, keepdims=False, name=None):
    if type(input_tensor) is not Tensor and hasattr(type(input_tensor), "_ndflow_reduce"):
        return _ragged_reduce(input_tensor, "reduce_all", axis, keepdims)
    x = convert(input_tensor)
    return wrap(np.all(x._value, axis=normalize_axis(axis, x._value.ndim, "reduce_all"),
                       keepdims=keepdims))


def _arg(np_fn, opname):
    def fn(input, axis=None, output_type=np.int64, name=None):
        from ndflow.backend import dtypes
        x = convert(input)
        if axis is None:
            axis = 0
        (ax,) = normalize_axis(axis, x._value.ndim, opname)
        return wrap(np_fn(x._value, axis=ax).astype(dtypes.as_dtype(output_type)._np))
    fn.__name__ = opname
    return fn


argmax = _arg(np.argmax, "argmax")
argmin = _arg(np.argmin, "argmin")


def count_nonzero(input, axis=None, keepdims=False, dtype=np.int64, name=None):
    from ndflow.backend import dtypes
    x = convert(input)
    res = np.count_nonzero(x._value, axis=normalize_axis(axis, x._value.ndim, "count_nonzero"),
                           keepdims=keepdims)
    return wrap(np.asarray(res).astype(dtypes.as_dtype(dtype)._np))


def _sum_abs2(x, axis, keepdims):
    """sum of x**2, or of x * conj(x) (kept complex, as TensorFlow) for a complex x."""
    if x._value.dtype.kind == "c":
        return reduce_sum(M.multiply(x, M.conj(x)), axis=axis, keepdims=keepdims)
    return reduce_sum(M.square(x), axis=axis, keepdims=keepdims)


def reduce_euclidean_norm(input_tensor, axis=None, keepdims=False, name=None):
    x = convert(input_tensor)
    return M.sqrt(_sum_abs2(x, axis, keepdims))


def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None):
    """Vector norms over ``axis`` (``ord`` 'euclidean'/2, 1, np.inf or any p > 0) and the
    Frobenius norm over a pair of axes (``tf.norm`` / ``tf.linalg.norm``)."""
    x = convert(tensor)
    if x._value.dtype.kind not in "fc":
        raise InvalidArgumentError("norm expects a floating-point tensor, got %s."
                                   % x.dtype.name)
    keepdims = bool(keepdims)
    axes = normalize_axis(axis, x._value.ndim, "norm")
    is_matrix = isinstance(axis, (list, tuple)) and len(axis) == 2
    if ord in ("euclidean", "fro") or (ord == 2 and not is_matrix):
        if ord == "fro" and not is_matrix and axis is not None:
            raise InvalidArgumentError("norm: ord='fro' needs axis to be a pair of axes.")
        return M.sqrt(_sum_abs2(x, axes, keepdims))
    if is_matrix:
        raise InvalidArgumentError(
            "norm: ord=%r over a pair of axes (a matrix norm) is not supported; use "
            "ord='euclidean' or 'fro' (Frobenius)." % (ord,))
    if ord == 1:
        return reduce_sum(M.abs(x), axis=axes, keepdims=keepdims)
    if ord == np.inf:
        return reduce_max(M.abs(x), axis=axes, keepdims=keepdims)
    try:
        p = float(ord)
    except (TypeError, ValueError):
        p = -1.0
    if not p > 0:
        raise InvalidArgumentError("norm: ord must be 'euclidean', 'fro', 1, 2, np.inf or a "
                                   "positive number, got %r." % (ord,))
    s = reduce_sum(M.pow(M.abs(x), p), axis=axes, keepdims=keepdims)
    return M.pow(s, 1.0 / p)
