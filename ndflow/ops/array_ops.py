"""Array manipulation primitives: shapes, slicing, joining, gathering, creation."""
import builtins
from collections import namedtuple

import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.core.engine import stop_gradient  # noqa: F401  (A.stop_gradient)
from ndflow.core.tensor import Tensor
from ndflow.ops._base import (Op, execute, convert, wrap, normalize_axis, InvalidArgumentError,
                              convert_list)
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
        raise InvalidArgumentError("expand_dims: axis %d is out of range for a tensor of shape "
                                   "%s (valid: %d to %d)."
                                   % (axis, tuple(x._value.shape), -nd, nd - 1))
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


def _is_basic(key):
    """True when ``key`` uses only ints, slices, Ellipsis and None (no repeated positions)."""
    if not isinstance(key, tuple):
        key = (key,)
    for k in key:
        if not (k is None or k is Ellipsis or isinstance(k, (int, np.integer, builtins.slice))):
            return False
    return True


class _ScatterIntoZeros(Op):
    """Gradient of GetItem: place dy at the indexed positions of a zero tensor (positions
    named twice by an index array receive the sum)."""

    def __init__(self, key, shape):
        self.key = key
        self.shape = shape

    def forward(self, dy):
        out = np.zeros(self.shape, dtype=dy.dtype)
        if _is_basic(self.key):
            out[self.key] = dy
        else:
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



def strided_slice(input_, begin, end, strides=None, begin_mask=0, end_mask=0,
                  ellipsis_mask=0, new_axis_mask=0, shrink_axis_mask=0, var=None, name=None):
    """``input_[begin:end:strides]`` per dimension, with TensorFlow's bit masks: bit i of
    begin_mask/end_mask ignores begin[i]/end[i], ellipsis_mask puts ``...`` at i,
    new_axis_mask inserts a new axis, shrink_axis_mask takes the single index begin[i]."""
    x = convert(input_)
    begin = _shape_arg(begin, "strided_slice")
    end = _shape_arg(end, "strided_slice")
    strides = _shape_arg(strides, "strided_slice") if strides is not None else (1,) * len(begin)
    if not len(begin) == len(end) == len(strides):
        raise InvalidArgumentError(
            "strided_slice: begin, end and strides must have the same length, got %d, %d "
            "and %d." % (len(begin), len(end), len(strides)))
    key = []
    for i, (b, e, st) in enumerate(zip(begin, end, strides)):
        bit = 1 << i
        if ellipsis_mask & bit:
            key.append(Ellipsis)
        elif new_axis_mask & bit:
            key.append(None)
        elif shrink_axis_mask & bit:
            key.append(b)
        else:
            key.append(builtins.slice(None if begin_mask & bit else b,
                                      None if end_mask & bit else e, st))
    return getitem(x, tuple(key))


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
    if not isinstance(values, (list, tuple)):
        values = list(values) if not isinstance(values, Tensor) else unstack(values)
    if not values:
        raise ValueError("concat: values must be a non-empty list of tensors.")
    values = convert_list(values, "concat")
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


class Stack(Op):
    def __init__(self, axis):
        self.axis = axis

    def forward(self, *xs):
        return np.stack(xs, axis=self.axis)

    def backward(self, dy):
        return tuple(unstack(dy, axis=self.axis))


def stack(values, axis=0, name=None):
    if isinstance(values, Tensor):
        return convert(values)   # tf.stack of a tensor packs its rows back: same tensor
    values = list(values)
    if not values:
        raise ValueError("stack: values must be a non-empty list of tensors.")
    # Python numbers next to tensors adopt the tensors' dtype
    values = convert_list(values, "stack")
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
        _scatter_add_rows(moved, idx.reshape(-1), dyt.reshape((idx.size,) + moved.shape[1:]))
        return out

    def backward(self, ddx):
        return (execute(Gather(self.indices, self.axis), (ddx,)),)


def _scatter_add_rows(dst, idx, rows):
    """``dst[idx[i]] += rows[i]`` for every i into a ``dst`` of zeros, repeated indices
    summed.  ``np.add.at`` alone is slow per row; here the first row of each index is
    assigned in one fancy-index write and only the repeats go through ``np.add.at``, in
    a stable sorted order (fixed sums).  The gradient of an Embedding (6400 token rows of
    64 floats into a 10000-row table, 1618 repeats): 2.0 against 3.8 ms."""
    if idx.size == 0:
        return
    order = np.argsort(idx, kind="stable")
    sorted_idx, sorted_rows = idx[order], rows[order]
    first = np.concatenate(([True], sorted_idx[1:] != sorted_idx[:-1]))
    dst[sorted_idx[first]] = sorted_rows[first]
    repeat = ~first
    if repeat.any():
        np.add.at(dst, sorted_idx[repeat], sorted_rows[repeat])


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
        return _batched_gather(x, idx, axis, int(batch_dims))
    return execute(Gather(idx, axis), (x,))


def _batched_gather(x, idx, axis, batch_dims):
    """gather with ``batch_dims`` leading dimensions shared by params and indices."""
    if batch_dims < 0:
        batch_dims += idx.ndim
    if not 0 < batch_dims <= min(axis, idx.ndim) or \
            x._value.shape[:batch_dims] != idx.shape[:batch_dims]:
        raise InvalidArgumentError(
            "gather: batch_dims=%d needs params (shape %s) and indices (shape %s) to share "
            "their first %d dimensions, and axis (%d) >= batch_dims."
            % (batch_dims, tuple(x._value.shape), tuple(idx.shape), batch_dims, axis))
    parts = [gather(getitem(x, i), idx[i], axis=axis - 1, batch_dims=batch_dims - 1)
             for i in builtins.range(idx.shape[0])]
    return stack(parts)


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
    idx = np.asarray(convert(indices)._value)
    if idx.dtype.kind not in "iu":
        raise InvalidArgumentError("one_hot: indices must be integers, got dtype %s. Cast "
                                   "them with tf.cast(indices, tf.int32)." % idx.dtype)
    idx = idx.astype(np.int64)
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


# ---- constants ---------------------------------------------------------------------------

def constant(value, dtype=None, shape=None, name="Const"):
    """A tensor holding ``value`` (``tf.constant``): Python floats become float32, ints
    int32, NumPy arrays keep their dtype.  With ``shape``, a scalar is repeated to fill it
    and a value with the right number of elements is reshaped."""
    t = convert(value, dtype=dtype)
    if shape is None:
        return t
    shape = _shape_arg(shape, "constant")
    v = t._value
    if v.size == 1:
        return wrap(np.full(shape, v.reshape(()), dtype=v.dtype))
    if v.size != int(np.prod(shape, dtype=np.int64)):
        raise TypeError("constant: a value with %d elements (shape %s) cannot fill shape %s. "
                        "Pass a scalar, or a value with exactly %d elements."
                        % (v.size, tuple(v.shape), shape, int(np.prod(shape, dtype=np.int64))))
    return wrap(v.reshape(shape))


# ---- more creation ---------------------------------------------------------------------------

def linspace(start, stop, num, name=None, axis=0):
    """``num`` evenly spaced values from ``start`` to ``stop`` inclusive (``tf.linspace``)."""
    start, stop = convert(start), convert(stop)
    dt = start._value.dtype if start._value.dtype.kind == "f" else np.float32
    num = int(num._value if isinstance(num, Tensor) else num)
    if num < 0:
        raise InvalidArgumentError("linspace: num must be >= 0, got %d." % num)
    out = np.linspace(start._value.astype(np.float64), stop._value.astype(np.float64), num,
                      axis=axis)
    return wrap(out.astype(dt))


lin_space = linspace


# ---- reorder, repeat, pad ----------------------------------------------------------------

def reverse(tensor, axis, name=None):
    """Reverse ``tensor`` along each axis in ``axis`` (``tf.reverse``)."""
    x = convert(tensor)
    axes = normalize_axis(axis, x._value.ndim, "reverse")
    key = tuple(builtins.slice(None, None, -1) if i in axes else builtins.slice(None)
                for i in builtins.range(x._value.ndim))
    return execute(GetItem(key), (x,))


def repeat(input, repeats, axis=None, name=None):
    """Repeat each element ``repeats`` times along ``axis`` (flattened when axis is None)."""
    x = convert(input)
    if axis is None:
        x = reshape(x, [-1])
        axis = 0
    (axis,) = normalize_axis(axis, x._value.ndim, "repeat")
    reps = np.asarray(repeats._value if isinstance(repeats, Tensor) else repeats)
    n = x._value.shape[axis]
    if reps.ndim > 1 or (reps.ndim == 1 and reps.size not in (1, n)) or np.any(reps < 0):
        raise InvalidArgumentError(
            "repeat: repeats must be a non-negative int or a list with one entry per element "
            "along axis %d (%d), got %s." % (axis, n, reps.tolist()))
    idx = np.repeat(np.arange(n), reps)
    return execute(Gather(idx, axis), (x,))


class Pad(Op):
    def __init__(self, paddings, value):
        self.paddings = paddings
        self.value = value

    def forward(self, x):
        return np.pad(x, self.paddings, mode="constant", constant_values=self.value)

    def backward(self, dy):
        key = tuple(builtins.slice(lo, dy._value.shape[i] - hi)
                    for i, (lo, hi) in enumerate(self.paddings))
        return (execute(GetItem(key), (dy,)),)


def pad(tensor, paddings, mode="CONSTANT", constant_values=0, name=None):
    """Pad ``tensor``: ``paddings[i] = [before, after]`` for dimension i.  ``mode`` is
    CONSTANT, REFLECT (edge not repeated) or SYMMETRIC (edge repeated)."""
    x = convert(tensor)
    p = np.asarray(paddings._value if isinstance(paddings, Tensor) else paddings)
    nd = x._value.ndim
    if p.shape != (nd, 2) or np.any(p < 0):
        raise InvalidArgumentError(
            "pad: paddings must be non-negative with shape [rank, 2] = [%d, 2] for a tensor "
            "of shape %s, got %s." % (nd, tuple(x._value.shape), p.tolist()))
    pads = tuple((int(a), int(b)) for a, b in p)
    mode = str(mode).upper()
    if mode == "CONSTANT":
        value = convert(constant_values, dtype=x.dtype)._value
        return execute(Pad(pads, value), (x,))
    if mode not in ("REFLECT", "SYMMETRIC"):
        raise InvalidArgumentError("pad: mode must be 'CONSTANT', 'REFLECT' or 'SYMMETRIC', "
                                   "got %r." % (mode,))
    out = x
    for i, (lo, hi) in enumerate(pads):
        if lo == hi == 0:
            continue
        n = x._value.shape[i]
        limit = n - 1 if mode == "REFLECT" else n
        if lo > limit or hi > limit:
            raise InvalidArgumentError(
                "pad: %s padding of dimension %d (size %d) must be at most %d, got %s."
                % (mode, i, n, limit, [lo, hi]))
        idx = np.pad(np.arange(n), (lo, hi), mode=mode.lower())
        out = execute(Gather(idx, i), (out,))
    return out


# ---- gather_nd, scatter, boolean_mask ---------------------------------------------------------

def _nd_key(idx, shape, opname):
    """Index tuple for the last axis of ``idx`` addressing the leading dims of ``shape``."""
    idx = np.asarray(idx)
    if idx.dtype.kind not in "iu":
        raise InvalidArgumentError("%s: indices must be integers, got dtype %s."
                                   % (opname, idx.dtype))
    if idx.ndim < 1 or idx.shape[-1] > len(shape):
        raise InvalidArgumentError(
            "%s: the last dimension of indices (shape %s) must be at most the rank of the "
            "indexed tensor (shape %s)." % (opname, tuple(idx.shape), tuple(shape)))
    k = idx.shape[-1]
    bound = np.asarray(shape[:k])
    bad = (idx < 0) | (idx >= bound)
    if bad.any():
        pos = np.argwhere(bad.any(axis=-1))[0]
        raise InvalidArgumentError(
            "%s: index %s (at position %s) is out of bounds for shape %s."
            % (opname, idx[tuple(pos)].tolist(), pos.tolist(), tuple(shape)))
    return tuple(np.moveaxis(idx, -1, 0))


def gather_nd(params, indices, batch_dims=0, name=None):
    """Gather slices of ``params`` named by the last axis of ``indices``."""
    x = convert(params)
    idx = convert(indices)._value
    if batch_dims:
        b = int(batch_dims)
        if x._value.shape[:b] != idx.shape[:b]:
            raise InvalidArgumentError(
                "gather_nd: batch_dims=%d but params %s and indices %s differ in their "
                "first dimensions." % (b, tuple(x._value.shape), tuple(idx.shape)))
        return stack([gather_nd(getitem(x, i), idx[i], batch_dims=b - 1)
                      for i in builtins.range(idx.shape[0])])
    key = _nd_key(idx, x._value.shape, "gather_nd")
    return execute(GetItem(key), (x,))


def scatter_nd(indices, updates, shape, name=None):
    """A zero tensor of ``shape`` with ``updates`` added at ``indices`` (duplicates sum)."""
    upd = convert(updates)
    shape = _shape_arg(shape, "scatter_nd")
    idx = convert(indices)._value
    key = _nd_key(idx, shape, "scatter_nd")
    want = tuple(idx.shape[:-1]) + tuple(shape[idx.shape[-1]:])
    if tuple(upd._value.shape) != want:
        raise InvalidArgumentError(
            "scatter_nd: updates must have shape %s (indices.shape[:-1] + shape[%d:]), got %s."
            % (want, idx.shape[-1], tuple(upd._value.shape)))
    return execute(_ScatterIntoZeros(key, shape), (upd,))


class TensorScatterUpdate(Op):
    def __init__(self, key):
        self.key = key

    def forward(self, x, updates):
        out = x.copy()
        out[self.key] = updates
        return out

    def backward(self, dy):
        gx = gu = None
        if self.needs_grad[0]:  # overwritten positions get no gradient
            gx = execute(TensorScatterUpdate(self.key),
                         (dy, M.zeros_like(self.inputs[1])))
        if self.needs_grad[1]:
            gu = execute(GetItem(self.key), (dy,))
        return gx, gu


def _scatter_args(tensor, indices, updates, opname):
    from ndflow.ops._base import binary_args
    x = convert(tensor)
    x, upd = binary_args(x, updates, opname)
    idx = convert(indices)._value
    key = _nd_key(idx, x._value.shape, opname)
    want = tuple(idx.shape[:-1]) + tuple(x._value.shape[idx.shape[-1]:])
    if tuple(upd._value.shape) != want:
        raise InvalidArgumentError(
            "%s: updates must have shape %s (indices.shape[:-1] + tensor.shape[%d:]), got %s."
            % (opname, want, idx.shape[-1], tuple(upd._value.shape)))
    return x, key, upd


def tensor_scatter_nd_update(tensor, indices, updates, name=None):
    """A copy of ``tensor`` with the slices at ``indices`` replaced by ``updates``."""
    x, key, upd = _scatter_args(tensor, indices, updates, "tensor_scatter_nd_update")
    return execute(TensorScatterUpdate(key), (x, upd))


def tensor_scatter_nd_add(tensor, indices, updates, name=None):
    x, key, upd = _scatter_args(tensor, indices, updates, "tensor_scatter_nd_add")
    return M.add(x, execute(_ScatterIntoZeros(key, x._value.shape), (upd,)))


def tensor_scatter_nd_sub(tensor, indices, updates, name=None):
    x, key, upd = _scatter_args(tensor, indices, updates, "tensor_scatter_nd_sub")
    return M.subtract(x, execute(_ScatterIntoZeros(key, x._value.shape), (upd,)))


def boolean_mask(tensor, mask, axis=None, name=None):
    """The elements (or slices) of ``tensor`` where ``mask`` is True; the mask covers the
    dimensions ``axis`` .. ``axis + mask.ndim - 1`` and they become one dimension."""
    x = convert(tensor)
    m = np.asarray(convert(mask)._value)
    if m.dtype != np.bool_:
        raise InvalidArgumentError("boolean_mask: mask must be a bool tensor, got %s."
                                   % m.dtype)
    axis = 0 if axis is None else int(axis)
    (axis,) = normalize_axis(axis, x._value.ndim, "boolean_mask")
    k = m.ndim
    shape = x._value.shape
    if k == 0 or tuple(shape[axis:axis + k]) != m.shape:
        raise InvalidArgumentError(
            "boolean_mask: mask shape %s must match dimensions %d..%d of the tensor's shape "
            "%s." % (m.shape, axis, axis + k - 1, tuple(shape)))
    flat = reshape(x, list(shape[:axis]) + [-1] + list(shape[axis + k:])) if k != 1 else x
    return execute(Gather(np.flatnonzero(m), axis), (flat,))


# ---- sorting ---------------------------------------------------------------------------------

def _along_axis_key(idx, axis):
    """Index tuple equivalent to ``np.take_along_axis(x, idx, axis)``."""
    key = []
    for d in builtins.range(idx.ndim):
        if d == axis:
            key.append(idx)
        else:
            shape = [1] * idx.ndim
            shape[d] = idx.shape[d]
            key.append(np.arange(idx.shape[d]).reshape(shape))
    return tuple(key)


def _descending_argsort(v, axis):
    """argsort from largest to smallest; equal values keep their original order."""
    n = v.shape[axis]
    return n - 1 - np.flip(np.argsort(np.flip(v, axis), axis=axis, kind="stable"), axis)


def _sort_args(values, axis, direction, opname):
    x = convert(values)
    if x._value.ndim == 0:
        raise InvalidArgumentError("%s needs a tensor of rank >= 1, got a scalar." % opname)
    (axis,) = normalize_axis(axis, x._value.ndim, opname)
    direction = str(direction).upper()
    if direction not in ("ASCENDING", "DESCENDING"):
        raise InvalidArgumentError("%s: direction must be 'ASCENDING' or 'DESCENDING', got %r."
                                   % (opname, direction))
    if direction == "ASCENDING":
        idx = np.argsort(x._value, axis=axis, kind="stable")
    else:
        idx = _descending_argsort(x._value, axis)
    return x, axis, idx


def sort(values, axis=-1, direction="ASCENDING", name=None):
    """``values`` sorted along ``axis`` (``tf.sort``); the gradient follows the elements."""
    x, axis, idx = _sort_args(values, axis, direction, "sort")
    return execute(GetItem(_along_axis_key(idx, axis)), (x,))


def argsort(values, axis=-1, direction="ASCENDING", stable=False, name=None):
    """The int32 indices that sort ``values`` along ``axis`` (``tf.argsort``)."""
    _, _, idx = _sort_args(values, axis, direction, "argsort")
    return wrap(idx.astype(np.int32))


def top_k(input, k=1, sorted=True, name=None):
    """The ``k`` largest entries along the last axis and their int32 indices
    (``tf.math.top_k``); among equal values the lower index comes first."""
    x = convert(input)
    k = int(k._value if isinstance(k, Tensor) else k)
    if x._value.ndim == 0 or not 0 <= k <= x._value.shape[-1]:
        raise InvalidArgumentError(
            "top_k: k must be between 0 and the size of the last dimension; got k=%d for "
            "shape %s." % (k, tuple(x._value.shape)))
    axis = x._value.ndim - 1
    idx = _descending_argsort(x._value, axis)[..., :k]
    values = execute(GetItem(_along_axis_key(idx, axis)), (x,))
    return _TopKV2(values, wrap(idx.astype(np.int32)))


_TopKV2 = namedtuple("TopKV2", ["values", "indices"])
_Unique = namedtuple("Unique", ["y", "idx"])
_UniqueWithCounts = namedtuple("UniqueWithCounts", ["y", "idx", "count"])


def _unique(x, out_idx):
    x = convert(x)
    v = x._value
    if v.ndim != 1:
        raise InvalidArgumentError("unique expects a 1-D tensor, got shape %s. Flatten it "
                                   "first with tf.reshape(x, [-1])." % (tuple(v.shape),))
    u, first, inv, counts = np.unique(v, return_index=True, return_inverse=True,
                                      return_counts=True)
    order = np.argsort(first, kind="stable")  # TensorFlow keeps first-occurrence order
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    itype = _dt.as_dtype(out_idx)._np
    return (wrap(u[order]), wrap(rank[inv.reshape(-1)].astype(itype)),
            wrap(counts[order].astype(itype)))


def unique(x, out_idx=_dt.int32, name=None):
    """Unique elements in order of first appearance, and for each input element the index
    of its value in ``y`` (``tf.unique``)."""
    y, idx, _ = _unique(x, out_idx)
    return _Unique(y, idx)


def unique_with_counts(x, out_idx=_dt.int32, name=None):
    return _UniqueWithCounts(*_unique(x, out_idx))


def roll(input, shift, axis, name=None):
    """Shift elements along ``axis`` cyclically (``tf.roll``)."""
    x = convert(input)
    shifts = np.atleast_1d(np.asarray(shift._value if isinstance(shift, Tensor) else shift))
    axes = np.atleast_1d(np.asarray(axis._value if isinstance(axis, Tensor) else axis))
    out = x
    for s, a in zip(np.broadcast_to(shifts, np.broadcast_shapes(shifts.shape, axes.shape)),
                    np.broadcast_to(axes, np.broadcast_shapes(shifts.shape, axes.shape))):
        (a,) = normalize_axis(int(a), x._value.ndim, "roll")
        n = x._value.shape[a]
        idx = (np.arange(n) - int(s)) % n if n else np.arange(0)
        out = execute(Gather(idx, a), (out,))
    return out


def zeros_like(input, dtype=None, name=None):
    return M.zeros_like(input, dtype=dtype)


def ones_like(input, dtype=None, name=None):
    return M.ones_like(input, dtype=dtype)


def meshgrid(*args, **kwargs):
    """N-D coordinate grids from 1-D inputs, built from reshape + broadcast_to so that
    gradients flow back to the inputs (as in TF)."""
    indexing = kwargs.get("indexing", "xy")
    if indexing not in ("xy", "ij"):
        raise ValueError("meshgrid: indexing must be 'xy' or 'ij', got %r." % (indexing,))
    xs = [reshape(convert(a), [-1]) for a in args]
    n = len(xs)
    sizes = [x._value.shape[0] for x in xs]
    # 'xy' (Cartesian) swaps the first two output axes
    axis_of = list(range(n))
    if indexing == "xy" and n > 1:
        axis_of[0], axis_of[1] = 1, 0
    shape = [0] * n
    for i, a in enumerate(axis_of):
        shape[a] = sizes[i]
    out = []
    for i, x in enumerate(xs):
        s = [1] * n
        s[axis_of[i]] = sizes[i]
        out.append(broadcast_to(reshape(x, s), shape))
    return out


# ---- sequence_mask, bincount, histogram_fixed_width ----------------------------------------

def sequence_mask(lengths, maxlen=None, dtype=_dt.bool_, name=None):
    """``mask[..., j] = j < lengths[...]`` for ``j < maxlen`` (``tf.sequence_mask``);
    ``maxlen`` defaults to the largest length."""
    lens = convert(lengths)._value
    if lens.dtype.kind not in "iuf":
        raise InvalidArgumentError("sequence_mask: lengths must be numbers, got dtype %s."
                                   % lens.dtype)
    if maxlen is None:
        n = int(lens.max()) if lens.size else 0
        n = builtins.max(n, 0)
    else:
        m = np.asarray(maxlen._value if isinstance(maxlen, Tensor) else maxlen)
        if m.ndim != 0:
            raise ValueError("sequence_mask: maxlen must be a scalar, got shape %s."
                             % (tuple(m.shape),))
        n = int(m)
        if n < 0:
            raise InvalidArgumentError("sequence_mask: maxlen must be >= 0, got %d." % n)
    mask = np.arange(n) < lens[..., None]
    out_dt = _dt.as_dtype(dtype)._np
    return wrap(mask if out_dt == np.bool_ else mask.astype(out_dt))


_BINCOUNT_WEIGHT_DTYPES = (np.int32, np.int64, np.float32, np.float64)


def bincount(arr, weights=None, minlength=None, maxlength=None, dtype=_dt.int32, name=None,
             axis=None, binary_output=False):
    """How often each value ``0 .. n-1`` occurs in ``arr`` (or the sum of its ``weights``),
    as ``tf.math.bincount``.  ``n`` is ``max(arr) + 1``, at least ``minlength`` and at
    most ``maxlength`` (values beyond are dropped).  ``axis=-1`` counts each row of a
    2-D ``arr`` separately; ``axis=None`` or ``0`` counts the whole (flattened) array.
    ``binary_output`` gives 1 where a value occurs.  The result has the weights' dtype
    when weights are given, else ``dtype``."""
    a = convert(arr)._value
    if a.dtype.kind == "f":
        a = a.astype(np.int32)
    elif a.dtype not in (np.int32, np.int64):
        raise InvalidArgumentError(
            "bincount: arr must be int32 or int64, got dtype %s. Cast it first: "
            "tf.cast(arr, tf.int32)." % a.dtype)
    if axis not in (None, 0, -1):
        raise ValueError("bincount: axis must be None, 0 or -1, got %r." % (axis,))
    w = None
    if weights is not None:
        if binary_output:
            raise ValueError("bincount: weights and binary_output=True cannot be used "
                             "together; pass only one of them.")
        w = convert(weights)._value
        if w.size == 0:
            w = None
        elif w.dtype.type not in _BINCOUNT_WEIGHT_DTYPES:
            raise InvalidArgumentError(
                "bincount: weights must be int32, int64, float32 or float64, got %s."
                % w.dtype)
        elif w.shape != a.shape:
            raise InvalidArgumentError(
                "bincount: weights must have the shape of arr %s, got %s."
                % (tuple(a.shape), tuple(w.shape)))
    if a.size and a.min() < 0:
        raise InvalidArgumentError("bincount: arr must be non-negative, found %d."
                                   % int(a.min()))
    out_dt = w.dtype if w is not None else _dt.as_dtype(dtype)._np
    length = int(a.max()) + 1 if a.size else 0
    if minlength is not None:
        length = builtins.max(length, int(convert(minlength)._value))
    if maxlength is not None:
        length = builtins.min(length, builtins.max(int(convert(maxlength)._value), 0))
    per_row = axis == -1 and a.ndim >= 2
    if per_row and a.ndim > 2:
        raise InvalidArgumentError("bincount: with axis=-1, arr must have rank <= 2, got "
                                   "rank %d." % a.ndim)
    rows = a if per_row else a.reshape(1, -1)
    wrows = None if w is None else (w if per_row else w.reshape(1, -1))
    out = np.zeros((rows.shape[0], length), dtype=np.float64 if w is not None and
                   w.dtype.kind == "f" else np.int64)
    for r in builtins.range(rows.shape[0]):
        keep = rows[r] < length
        vals = rows[r][keep]
        if binary_output:
            out[r, vals] = 1
        else:
            np.add.at(out[r], vals, 1 if wrows is None else wrows[r][keep])
    if not per_row:
        out = out[0]
    return wrap(out.astype(out_dt))


def histogram_fixed_width(values, value_range, nbins=100, dtype=_dt.int32, name=None):
    """Counts of ``values`` in ``nbins`` equal-width bins spanning ``value_range =
    [lo, hi]`` (``tf.histogram_fixed_width``); values below ``lo`` count in the first bin,
    values at or above ``hi`` in the last."""
    from ndflow.ops._base import binary_args
    v, r = binary_args(values, value_range, "histogram_fixed_width")
    if v._value.dtype not in (np.int32, np.int64, np.float32, np.float64):
        raise InvalidArgumentError(
            "histogram_fixed_width: values must be int32, int64, float32 or float64, got %s."
            % v.dtype.name)
    out_dt = _dt.as_dtype(dtype)
    if out_dt not in (_dt.int32, _dt.int64):
        raise InvalidArgumentError("histogram_fixed_width: dtype must be int32 or int64, got "
                                   "%s." % out_dt.name)
    rng = r._value
    if rng.shape != (2,):
        raise InvalidArgumentError("histogram_fixed_width: value_range must be a vector of 2 "
                                   "elements [lo, hi], got shape %s." % (tuple(rng.shape),))
    lo, hi = rng[0], rng[1]
    if not lo < hi:
        raise InvalidArgumentError("histogram_fixed_width: value_range must satisfy "
                                   "value_range[0] < value_range[1], got %s." % rng.tolist())
    nb = int(convert(nbins)._value)
    if nb <= 0:
        raise InvalidArgumentError("histogram_fixed_width: nbins must be positive, got %d."
                                   % nb)
    x = v._value.reshape(-1)
    if x.dtype.kind == "f" and np.isnan(x).any():
        raise InvalidArgumentError("histogram_fixed_width: values must not contain NaN.")
    # the offset is taken in the values' dtype, the division by the bin width in float64
    width = np.float64(hi - lo) / nb
    pos = np.floor((x - lo).astype(np.float64) / width)
    idx = np.clip(pos, 0, nb - 1).astype(np.int64)
    return wrap(np.bincount(idx, minlength=nb).astype(out_dt._np))
