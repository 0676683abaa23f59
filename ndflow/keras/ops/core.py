"""``keras.ops.core``: conversion, casting, shapes, control flow (run eagerly, so gradients
flow through every iteration) and scatter/slice updates."""
import builtins

import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.core.tensor import Tensor
from ndflow.core import engine as _engine
from ndflow.ops import math_ops as M
from ndflow.ops import array_ops as A
from ndflow.ops._base import wrap as _wrap
from ndflow.keras.ops._base import (keras_op, tensor, cast as _cast, standardize_dtype,
                                    ndarray, one_axis, _is_kt)


def _shape(x):
    return x._value.shape


def _ndim(x):
    return x._value.ndim


# ---- conversion, dtypes, shapes ----------------------------------------------------------

@keras_op
def cast(x, dtype):
    return _cast(tensor(x), standardize_dtype(dtype))


@keras_op
def saturate_cast(x, dtype):
    """Cast after clipping to the target dtype's range (no wrap-around)."""
    x = tensor(x)
    name = standardize_dtype(dtype)
    target = _dt.as_dtype(name)
    src = x._value.dtype
    if target.is_integer or target.is_floating:
        lo, hi = target.min, target.max
        if src.kind in "iu":
            info = np.iinfo(src)
            lo, hi = builtins.max(lo, info.min), builtins.min(hi, info.max)
        if src.kind in "iuf" and (src.kind != "f" or target.is_integer or
                                  np.finfo(src).max > hi):
            if src.kind == "f" and target.is_integer:
                # the largest float not above the integer limit
                hi = float(np.nextafter(np.asarray(hi, src), np.asarray(-np.inf, src))) \
                    if float(np.asarray(hi, src)) > hi else hi
            x = M.clip_by_value(x, _wrap(np.asarray(lo).astype(src)),
                                _wrap(np.asarray(hi).astype(src)))
    return _cast(x, name)


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    if _is_kt(x):
        return x if dtype is None else cast(x, dtype)
    return tensor(x, None if dtype is None else standardize_dtype(dtype))


def convert_to_numpy(x):
    if isinstance(x, Tensor):
        return np.array(x._value)
    if isinstance(x, (list, tuple)) and builtins.any(isinstance(v, Tensor) for v in x):
        return np.asarray(tensor(x)._value)
    return np.asarray(x)


def is_tensor(x):
    return isinstance(x, Tensor)


def shape(x):
    """The static shape as a tuple of ints (``None`` for a symbolic unknown dimension)."""
    if _is_kt(x):
        return tuple(x._shape)
    s = getattr(x, "shape", None)
    if isinstance(x, Tensor):
        return tuple(x._value.shape)
    if s is not None:
        return tuple(s)
    return tuple(np.shape(x))


def dtype(x):
    """The dtype's name ('float32', 'int32' ...)."""
    if _is_kt(x):
        return x.dtype.name
    if isinstance(x, Tensor):
        return x._value.dtype.name
    return tensor(x)._value.dtype.name


@keras_op
def stop_gradient(variable):
    return _engine.stop_gradient(tensor(variable))


custom_gradient = _engine.custom_gradient


# ---- slicing and scatter -----------------------------------------------------------------

def _int_list(v):
    return [int(i) for i in np.asarray(ndarray(v)).reshape(-1)]


@keras_op
def slice(inputs, start_indices, shape):
    x = tensor(inputs)
    begin = _int_list(start_indices)
    size = _int_list(shape)
    key = tuple(builtins.slice(b, None if s == -1 else b + s) for b, s in zip(begin, size))
    return A.getitem(x, key)


@keras_op
def slice_update(inputs, start_indices, updates):
    x = tensor(inputs)
    u = _cast(tensor(updates), x._value.dtype.name)
    begin = _int_list(start_indices)
    if len(begin) != _ndim(x) or _ndim(u) != _ndim(x):
        raise ValueError("keras.ops.slice_update: start_indices (%s) and updates (shape %s) "
                         "must match the rank of inputs (shape %s)."
                         % (begin, _shape(u), _shape(x)))
    pads = []
    for b, n, m in zip(begin, _shape(x), _shape(u)):
        b = builtins.min(builtins.max(b, 0), n - m)      # clamp so that the update fits
        pads.append([b, n - m - b])
    region = np.zeros(_shape(x), dtype=bool)
    region[tuple(builtins.slice(p[0], p[0] + m) for p, m in zip(pads, _shape(u)))] = True
    return M.where(_wrap(region), A.pad(u, pads), x)


def _indices(indices, opname):
    idx = np.asarray(ndarray(tensor(indices)))
    if idx.dtype.kind not in "iu":
        raise ValueError("keras.ops.%s: indices must be integers, got dtype %s."
                         % (opname, idx.dtype))
    if idx.ndim == 1:
        idx = idx[:, None]
    return idx.astype(np.int64)


@keras_op
def scatter(indices, values, shape):
    """zeros(shape) with ``values`` added at ``indices`` (repeated indices add up)."""
    idx = _indices(indices, "scatter")
    v = tensor(values)
    return A.scatter_nd(idx, v, [int(d) for d in np.asarray(ndarray(shape)).reshape(-1)])


@keras_op
def scatter_update(inputs, indices, updates, reduction=None):
    x = tensor(inputs)
    idx = _indices(indices, "scatter_update")
    u = _cast(tensor(updates), x._value.dtype.name)
    if reduction is None:
        return A.tensor_scatter_nd_update(x, idx, u)
    if reduction == "add":
        return A.tensor_scatter_nd_add(x, idx, u)
    if reduction not in ("max", "min", "mul"):
        raise ValueError("keras.ops.scatter_update: reduction must be None, 'add', 'max', "
                         "'min' or 'mul', got %r." % (reduction,))
    # combine the updates aimed at each position, then with the existing value
    key = tuple(np.moveaxis(idx, -1, 0))
    out = np.array(x._value, copy=True)
    uv = u._value
    fn = {"max": np.maximum, "min": np.minimum, "mul": np.multiply}[reduction]
    fn.at(out, key, uv)
    # gradients: the chosen element (max/min) or the product rule are not modelled; the
    # result has no gradient (as for integer outputs)
    return _wrap(out)


@keras_op
def unstack(x, num=None, axis=0):
    x = tensor(x)
    ax = one_axis(axis, _ndim(x), "unstack")
    if num is not None and int(num) != _shape(x)[ax]:
        raise ValueError("keras.ops.unstack: num=%d but axis %d has size %d."
                         % (int(num), ax, _shape(x)[ax]))
    return A.unstack(x, axis=ax)


# ---- control flow (eager) ----------------------------------------------------------------

def _flatten(x):
    if isinstance(x, dict):
        out = []
        for k in sorted(x):
            out.extend(_flatten(x[k]))
        return out
    if isinstance(x, (list, tuple)):
        out = []
        for v in x:
            out.extend(_flatten(v))
        return out
    return [x]


def _pack(structure, flat):
    it = iter(flat)

    def build(s):
        if isinstance(s, dict):
            return type(s)((k, build(s[k])) for k in sorted(s))
        if isinstance(s, tuple) and hasattr(s, "_fields"):
            return type(s)(*[build(v) for v in s])
        if isinstance(s, (list, tuple)):
            return type(s)(build(v) for v in s)
        return next(it)
    return build(structure)


def _truth(pred):
    if isinstance(pred, Tensor):
        return bool(np.all(pred._value))
    return bool(pred)


def cond(pred, true_fn, false_fn):
    return true_fn() if _truth(pred) else false_fn()


def switch(index, branches, *operands):
    i = int(np.asarray(ndarray(index)).reshape(()))
    i = builtins.min(builtins.max(i, 0), len(branches) - 1)
    return branches[i](*operands)


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    single = not isinstance(loop_vars, (list, tuple))
    state = (loop_vars,) if single else tuple(loop_vars)
    i = 0
    while _truth(cond(*state)):
        if maximum_iterations is not None and i >= int(maximum_iterations):
            break
        out = body(*state)
        if single:
            state = (out,) if not (isinstance(out, (list, tuple)) and len(out) == 1) \
                else tuple(out)
        else:
            state = tuple(out) if isinstance(out, (list, tuple)) else (out,)
        i += 1
    if single:
        return state[0]
    return type(loop_vars)(state) if isinstance(loop_vars, tuple) else list(state)


def fori_loop(lower, upper, body_fun, init_val):
    val = init_val
    lo = int(np.asarray(ndarray(lower)).reshape(()))
    hi = int(np.asarray(ndarray(upper)).reshape(()))
    for i in range(lo, hi):
        val = body_fun(_wrap(np.asarray(i, dtype=np.int32)), val)
    return val


def _leading(xs, opname):
    flat = [tensor(v) for v in _flatten(xs)]
    if not flat:
        raise ValueError("keras.ops.%s: nothing to iterate over." % opname)
    n = _shape(flat[0])[0]
    for v in flat:
        if _shape(v)[:1] != (n,):
            raise ValueError("keras.ops.%s: every input must have the same leading size, got "
                             "%s." % (opname, [_shape(t) for t in flat]))
    return flat, n


def _stack_results(results):
    flats = [_flatten(r) for r in results]
    stacked = [A.stack([tensor(f[k]) for f in flats]) for k in range(len(flats[0]))]
    return _pack(results[0], stacked)


def map(f, xs):
    flat, n = _leading(xs, "map")
    results = [f(_pack(xs, [A.getitem(v, i) for v in flat])) for i in range(n)]
    if not results:
        raise ValueError("keras.ops.map: xs has no elements along its first axis.")
    return _stack_results(results)


def vectorized_map(function, elements):
    return map(function, elements)


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """Carry ``init`` through ``f(carry, x) -> (carry, y)`` over the leading axis of ``xs``;
    returns the last carry and the stacked ``y``s."""
    if xs is None:
        if length is None:
            raise ValueError("keras.ops.scan needs xs or length.")
        n = int(length)
        items = [None] * n
    else:
        flat, n = _leading(xs, "scan")
        if length is not None and int(length) != n:
            raise ValueError("keras.ops.scan: length=%d but xs has %d elements."
                             % (int(length), n))
        items = [_pack(xs, [A.getitem(v, i) for v in flat]) for i in range(n)]
    order = range(n - 1, -1, -1) if reverse else range(n)
    carry = init
    ys = [None] * n
    for i in order:
        carry, y = f(carry, items[i])
        ys[i] = y
    if n == 0 or builtins.all(v is None for v in _flatten(ys[0])):
        return carry, None
    return carry, _stack_results(ys)


def associative_scan(f, elems, reverse=False, axis=0):
    """Inclusive scan of the associative ``f`` along ``axis`` (computed left to right)."""
    flat = [tensor(v) for v in _flatten(elems)]
    ax = one_axis(axis, _ndim(flat[0]), "associative_scan")
    n = _shape(flat[0])[ax]

    def take(i):
        key = [builtins.slice(None)] * _ndim(flat[0])
        key[ax] = builtins.slice(i, i + 1)
        return _pack(elems, [A.getitem(v, tuple(key)) for v in flat])

    order = list(range(n - 1, -1, -1)) if reverse else list(range(n))
    outs = [None] * n
    acc = None
    for i in order:
        cur = take(i)
        acc = cur if acc is None else (f(cur, acc) if reverse else f(acc, cur))
        outs[i] = acc
    flats = [_flatten(o) for o in outs]
    joined = [A.concat([tensor(fl[k]) for fl in flats], axis=ax) for k in range(len(flats[0]))]
    return _pack(elems, joined)
