"""Array manipulation primitives: shapes, slicing, joining, gathering, creation."""
import builtins

import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.core.engine import stop_gradient
from ndflow.core.tensor import Tensor
from ndflow.ops._base import Op, execute, convert, wrap, normalize_axis, InvalidArgumentError
from ndflow.ops import math_ops as M

__all__ = []


def _shape_arg(shape, opname):
    if isinstance(shape, Tensor):
        shape = shape._value.tolist()
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    try:
        return tuple(-1 if d is None else int(d) for d in shape)
    except TypeError:
        raise TypeError("%s: shape must be a list/tuple of ints or a 1-D int tensor, got %r"
                        % (opname, shape)) from None


class Reshape(Op):
    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        return x.reshape(self.shape)

    def backward(self, dy):
        return (reshape(dy, self.inputs[0]._value.shape),)


def reshape(tensor, shape, name=None):
    x = convert(tensor)
    shape = _shape_arg(shape, "reshape")
    try:
        return execute(Reshape(shape), (x,))
    except ValueError:
        raise InvalidArgumentError(
            "reshape: cannot reshape a tensor with %d elements (shape %s) into shape %s. "
            "The number of elements must stay the same (use -1 for one inferred dimension)."
            % (x._value.size, tuple(x._value.shape), list(shape))) from None


class BroadcastTo(Op):
    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        return np.broadcast_to(x, self.shape)

    def backward(self, dy):
        return (dy,)  # the engine sums the gradient back to the input's shape


def broadcast_to(input, shape, name=None):
    x = convert(input)
    shape = _shape_arg(shape, "broadcast_to")
    if x._value.shape == shape:
        return x
    try:
        return execute(BroadcastTo(shape), (x,))
    except ValueError:
        raise InvalidArgumentError("broadcast_to: cannot broadcast shape %s to %s."
                                   % (tuple(x._value.shape), shape)) from None


class Transpose(Op):
    def __init__(self, perm):
        self.perm = perm

    def forward(self, x):
        return np.transpose(x, self.perm)

    def backward(self, dy):
        return (transpose(dy, np.argsort(self.perm).tolist()),)


def transpose(a, perm=None, conjugate=False, name=None):
    x = convert(a)
    nd = x._value.ndim
    if perm is None:
        perm = tuple(range(nd - 1, -1, -1))
    else:
        perm = tuple(int(p) for p in (perm._value if isinstance(perm, Tensor) else perm))
        if sorted(p % nd for p in perm) != list(range(nd)):
            raise InvalidArgumentError("transpose: perm %s is not a permutation of the %d "
                                       "axes of a tensor of shape %s."
                                       % (list(perm), nd, tuple(x._value.shape)))
    return execute(Transpose(perm), (x,))


def expand_dims(input, axis, name=None):
    x = convert(input)
    nd = x._value.ndim + 1
    axis = int(axis)
    if not -nd <= axis < nd:
        raise InvalidArgumentError("expand_dims: axis %d out of range for a result of rank %d"
                                   % (axis, nd))
    shape = list(x._value.shape)
    shape.insert(axis % nd, 1)
    return reshape(x, shape)


def squeeze(input, axis=None, name=None):
    x = convert(input)
    shape = x._value.shape
    if axis is None:
        new = [d for d in shape if d != 1]
    else:
        axes = normalize_axis(axis, len(shape), "squeeze")
        for a in axes:
            if shape[a] != 1:
                raise InvalidArgumentError(
                    "squeeze: cannot squeeze axis %d of shape %s: its size is %d, not 1."
                    % (a, tuple(shape), shape[a]))
        new = [d for i, d in enumerate(shape) if i not in axes]
    return reshape(x, new)


# ---- indexing ----------------------------------------------------------------------------

def _index_key(key):
    """Turn tensors inside an index into NumPy arrays/ints."""
    if isinstance(key, tuple):
        return tuple(_index_key(k) for k in key)
    if isinstance(key, Tensor):
        v = key._value
        return int(v) if v.ndim == 0 and v.dtype.kind in "iu" else v
    if isinstance(key, list):
        return np.asarray([k._value if isinstance(k, Tensor) else k for k in key])
    if isinstance(key, builtins.slice):
        return builtins.slice(*(int(s._value) if isinstance(s, Tensor) else s
                       for s in (key.start, key.stop, key.step)))
    return key


class GetItem(Op):
    def __init__(self, key):
        self.key = key

    def forward(self, x):
        return np.asarray(x[self.key])

    def backward(self, dy):
        return (execute(_ScatterIntoZeros(self.key, self.inputs[0]._value.shape), (dy,)),)


class _ScatterIntoZeros(Op):
    """Gradient of GetItem: place dy at the indexed positions of a zero tensor."""

    def __init__(self, key, shape):
        self.key = key
        self.shape = shape

    def forward(self, dy):
        out = np.zeros(self.shape, dtype=dy.dtype)
        np.add.at(out, self.key, dy)
        return out

    def backward(self, ddx):
        return (execute(GetItem(self.key), (ddx,)),)


def getitem(tensor, key):
    x = convert(tensor)
    key = _index_key(key)
    try:
        return execute(GetItem(key), (x,))
    except IndexError as e:
        raise InvalidArgumentError("slicing a tensor of shape %s with %r failed: %s"
                                   % (tuple(x._value.shape), key, e)) from None


def variable_getitem(var, key):
    """``v[key]`` on a Variable: a VariableSlice whose ``assign`` writes into ``v``."""
    from ndflow.core.variable import VariableSlice
    from ndflow.core.engine import record
    key = _index_key(key)
    op = GetItem(key)
    out = VariableSlice.__new__(VariableSlice)
    out._value = op.forward(var._value)
    out._variable = var
    out._index = key
    record(op, (var,), out)
    return out


def slice(input_, begin, size, name=None):
    x = convert(input_)
    begin = _shape_arg(begin, "slice")
    size = _shape_arg(size, "slice")
    key = tuple(builtins.slice(b, None if s == -1 else b + s) for b, s in zip(begin, size))
    return getitem(x, key)



def strided_slice(input_, begin, end, strides=None, name=None, **masks):
    x = convert(input_)
    begin = _shape_arg(begin, "strided_slice")
    end = _shape_arg(end, "strided_slice")
    strides = _shape_arg(strides, "strided_slice") if strides is not None else (1,) * len(begin)
    key = tuple(builtins.slice(b, e, s) for b, e, s in zip(begin, end, strides))
    return getitem(x, key)


# ---- joining and splitting -----------------------------------------------------------------

class Concat(Op):
    def __init__(self, axis):
        self.axis = axis

    def forward(self, *xs):
        return np.concatenate(xs, axis=self.axis)

    def backward(self, dy):
        sizes = [t._value.shape[self.axis] for t in self.inputs]
        return tuple(split(dy, sizes, axis=self.axis))


def concat(values, axis, name=None):
    values = [convert(v) for v in values]
    if not values:
        raise ValueError("concat: values must be a non-empty list of tensors.")
    _same_dtype(values, "concat")
    nd = values[0]._value.ndim
    (axis,) = normalize_axis(axis, nd, "concat")
    for v in values:
        if v._value.ndim != nd or any(a != b for i, (a, b) in enumerate(
                zip(v._value.shape, values[0]._value.shape)) if i != axis):
            raise InvalidArgumentError(
                "concat: all inputs must have the same shape except along axis %d; got %s."
                % (axis, [tuple(t._value.shape) for t in values]))
    if len(values) == 1:
        return values[0]
    return execute(Concat(axis), tuple(values))


def _same_dtype(values, opname):
    d = values[0]._value.dtype
    for v in values[1:]:
        if v._value.dtype != d:
            raise InvalidArgumentError("%s: all inputs must have the same dtype, got %s."
                                       % (opname, [t.dtype.name for t in values]))


class Stack(Op):
    def __init__(self, axis):
        self.axis = axis

    def forward(self, *xs):
        return np.stack(xs, axis=self.axis)

    def backward(self, dy):
        return tuple(unstack(dy, axis=self.axis))


def stack(values, axis=0, name=None):
    values = [convert(v) for v in values]
    if not values:
        raise ValueError("stack: values must be a non-empty list of tensors.")
    if not all(isinstance(v, Tensor) for v in values):
        values = [convert(v) for v in values]
    # Python numbers next to tensors adopt the tensors' dtype
    _same_dtype(values, "stack")
    shape = values[0]._value.shape
    for v in values:
        if v._value.shape != shape:
            raise InvalidArgumentError("stack: all inputs must have the same shape, got %s."
                                       % [tuple(t._value.shape) for t in values])
    (axis,) = normalize_axis(axis, len(shape) + 1, "stack")
    return execute(Stack(axis), tuple(values))


class Unstack(Op):
    multi_output = True

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        return tuple(np.take(x, i, axis=self.axis) for i in range(x.shape[self.axis]))

    def backward(self, *dys):
        return (stack(list(dys), axis=self.axis),)


def unstack(value, num=None, axis=0, name=None):
    x = convert(value)
    (axis,) = normalize_axis(axis, x._value.ndim, "unstack")
    return list(execute(Unstack(axis), (x,)))


class Split(Op):
    multi_output = True

    def __init__(self, sizes, axis):
        self.sizes = sizes
        self.axis = axis

    def forward(self, x):
        idx = np.cumsum(self.sizes)[:-1]
        return tuple(np.split(x, idx, axis=self.axis))

    def backward(self, *dys):
        return (concat(list(dys), axis=self.axis),)


def split(value, num_or_size_splits, axis=0, num=None, name=None):
    x = convert(value)
    (axis,) = normalize_axis(axis, x._value.ndim, "split")
    n = x._value.shape[axis]
    if isinstance(num_or_size_splits, Tensor):
        num_or_size_splits = num_or_size_splits._value.tolist()
    if isinstance(num_or_size_splits, (int, np.integer)):
        k = int(num_or_size_splits)
        if k <= 0 or n % k:
            raise InvalidArgumentError(
                "split: dimension %d of size %d cannot be split into %d equal parts."
                % (axis, n, k))
        sizes = [n // k] * k
    else:
        sizes = [int(s) for s in num_or_size_splits]
        if sizes.count(-1) == 1:
            sizes[sizes.index(-1)] = n - (sum(sizes) + 1)
        if sum(sizes) != n:
            raise InvalidArgumentError("split: sizes %s do not add up to %d (dimension %d)."
                                       % (sizes, n, axis))
    return list(execute(Split(sizes, axis), (x,)))


class Tile(Op):
    def __init__(self, multiples):
        self.multiples = multiples

    def forward(self, x):
        return np.tile(x, self.multiples)

    def backward(self, dy):
        shape = self.inputs[0]._value.shape
        inter = []
        for m, d in zip(self.multiples, shape):
            inter += [m, d]
        g = reshape(dy, inter)
        from ndflow.ops.reduction_ops import reduce_sum
        return (reduce_sum(g, axis=list(range(0, 2 * len(shape), 2))),)


def tile(input, multiples, name=None):
    x = convert(input)
    multiples = _shape_arg(multiples, "tile")
    if len(multiples) != x._value.ndim:
        raise InvalidArgumentError("tile: multiples has %d entries but the input has rank %d."
                                   % (len(multiples), x._value.ndim))
    return execute(Tile(multiples), (x,))


# ---- gather ------------------------------------------------------------------------------

class Gather(Op):
    def __init__(self, indices, axis, batch_dims=0):
        self.indices = indices
        self.axis = axis

    def forward(self, params):
        return np.take(params, self.indices, axis=self.axis)

    def backward(self, dy):
        shape = self.inputs[0]._value.shape
        return (execute(_GatherGrad(self.indices, self.axis, shape), (dy,)),)


class _GatherGrad(Op):
    def __init__(self, indices, axis, shape):
        self.indices = indices
        self.axis = axis
        self.shape = shape

    def forward(self, dy):
        out = np.zeros(self.shape, dtype=dy.dtype)
        moved = np.moveaxis(out, self.axis, 0)
        idx = self.indices
        dyt = np.moveaxis(dy, tuple(range(self.axis, self.axis + idx.ndim)),
                          tuple(range(idx.ndim)))
        np.add.at(moved, idx, dyt)
        return out

    def backward(self, ddx):
        return (execute(Gather(self.indices, self.axis), (ddx,)),)


def gather(params, indices, validate_indices=None, axis=None, batch_dims=0, name=None):
    x = convert(params)
    idx = np.asarray(convert(indices)._value)
    if idx.dtype.kind not in "iu":
        raise InvalidArgumentError("gather: indices must be integers, got dtype %s."
                                   % idx.dtype)
    axis = 0 if axis is None else axis
    (axis,) = normalize_axis(axis, x._value.ndim, "gather")
    n = x._value.shape[axis]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx[(idx < 0) | (idx >= n)].ravel()[0]
        raise InvalidArgumentError("gather: index %d is out of range [0, %d) for axis %d of "
                                   "params with shape %s." % (bad, n, axis,
                                                              tuple(x._value.shape)))
    if batch_dims:
        raise NotImplementedError("gather with batch_dims is not supported yet")
    return execute(Gather(idx, axis), (x,))


# ---- creation ----------------------------------------------------------------------------

def _float_dtype(dtype):
    return _dt.as_dtype(dtype)._np if dtype is not None else _dt.float32._np


def zeros(shape, dtype=None, name=None):
    return wrap(np.zeros(_shape_arg(shape, "zeros"), dtype=_float_dtype(dtype)))


def ones(shape, dtype=None, name=None):
    return wrap(np.ones(_shape_arg(shape, "ones"), dtype=_float_dtype(dtype)))


def fill(dims, value, name=None):
    v = convert(value)
    return wrap(np.full(_shape_arg(dims, "fill"), v._value, dtype=v._value.dtype))


def eye(num_rows, num_columns=None, batch_shape=None, dtype=None, name=None):
    m = np.eye(int(num_rows), None if num_columns is None else int(num_columns),
               dtype=_float_dtype(dtype))
    if batch_shape is not None:
        m = np.broadcast_to(m, tuple(batch_shape) + m.shape).copy()
    return wrap(m)


def range_(start, limit=None, delta=1, dtype=None, name="range"):
    vals = [v._value.item() if isinstance(v, Tensor) else v for v in (start, limit, delta)]
    start, limit, delta = vals
    if limit is None:
        start, limit = 0, start
    if dtype is not None:
        np_dtype = _dt.as_dtype(dtype)._np
    elif any(isinstance(v, float) for v in (start, limit, delta)):
        np_dtype = np.float32
    else:
        np_dtype = np.int32
    return wrap(np.arange(start, limit, delta).astype(np_dtype))


def identity(input, name=None):
    x = convert(input)
    if getattr(x, "_is_variable", False):
        return x.value()
    return execute(_Identity(), (x,))


class _Identity(Op):
    def forward(self, x):
        return x

    def backward(self, dy):
        return (dy,)


def shape(input, out_type=None, name=None):
    x = convert(input)
    return wrap(np.asarray(x._value.shape, dtype=_dt.as_dtype(out_type or "int32")._np))


def size(input, out_type=None, name=None):
    x = convert(input)
    return wrap(np.asarray(x._value.size, dtype=_dt.as_dtype(out_type or "int32")._np))


def rank(input, name=None):
    return wrap(np.asarray(convert(input)._value.ndim, dtype=np.int32))


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    idx = np.asarray(convert(indices)._value).astype(np.int64)
    depth = int(depth)
    np_dtype = _dt.as_dtype(dtype)._np if dtype is not None else (
        convert(on_value)._value.dtype if on_value is not None else np.float32)
    on = 1 if on_value is None else convert(on_value)._value
    off = 0 if off_value is None else convert(off_value)._value
    valid = (idx >= 0) & (idx < depth)
    out = (np.arange(depth) == idx[..., None]) & valid[..., None]
    res = np.where(out, on, off).astype(np_dtype)
    if axis is not None and axis != -1:
        res = np.moveaxis(res, -1, axis)
    return wrap(res)


def stack_hook(values):
    """Pack a nested list holding tensors (used by convert_to_tensor)."""
    return stack([stack_hook(v) if isinstance(v, (list, tuple)) else convert(v) for v in values])
