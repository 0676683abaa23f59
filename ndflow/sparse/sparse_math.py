"""The functions of ``tf.sparse``.

Index bookkeeping (sorting, merging, slicing the indices) is done with NumPy on the int64
indices; whatever moves or combines the values is written with ndflow ops (``GetItem``
gathers, segment sums, ``multiply``...) or the primitives of ``ndflow/ops/sparse_ops.py``,
so a GradientTape differentiates the results with respect to the values and to the dense
operands.  ``reduce_max`` (as in TensorFlow) has no gradient.

Most functions expect, as TensorFlow's do, indices in row-major order
(``tf.sparse.reorder`` sorts them).  ``to_dense`` checks it (``validate_indices``); the
functions that merge two SparseTensors (``add``, ``maximum``, ``minimum``) give
TensorFlow's results for unsorted inputs too.
"""
import builtins
import itertools

import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.core import nest as _nest
from ndflow.core.errors import InvalidArgumentError
from ndflow.core.shape import TensorShape
from ndflow.core.tensor import Tensor, convert_to_tensor
from ndflow.ops import array_ops as _A
from ndflow.ops import math_ops as _M
from ndflow.ops import sparse_ops as _S
from ndflow.ops._base import execute as _execute, wrap as _wrap
from ndflow.ops.signal_ops import conj as _conj
from ndflow.ops.string_hashes import fingerprint64 as _fingerprint64, to_bytes as _to_bytes
from ndflow.sparse.sparse_tensor import SparseTensor, _make

__all__ = ["to_dense", "from_dense", "to_indicator", "reorder", "reshape", "transpose",
           "add", "concat", "slice", "retain", "reset_shape", "fill_empty_rows",
           "sparse_dense_matmul", "reduce_sum", "reduce_max", "expand_dims", "eye",
           "maximum", "minimum", "mask", "split", "segment_sum", "segment_mean",
           "segment_sqrt_n", "softmax", "map_values", "bincount", "cross", "cross_hashed"]


# ---- helpers ------------------------------------------------------------------------------

def _describe(x):
    if isinstance(x, Tensor):
        return "a %s tensor of shape %s" % (x.dtype.name, tuple(x._value.shape))
    return "%s %r" % (type(x).__name__, x)


def _check_sp(x, fn, arg="sp_input"):
    if not isinstance(x, SparseTensor):
        raise TypeError(
            "tf.sparse.%s: Input must be a SparseTensor, but %s is %s. Make one with "
            "tf.sparse.from_dense(x) or tf.SparseTensor(indices, values, dense_shape)."
            % (fn, arg, _describe(x)))
    return x


def _parts(sp):
    """(indices array (N, rank), dense shape array (rank,), values Tensor)."""
    return sp._indices._value, sp._dense_shape._value, sp._values


def _take(values, order):
    """``values[order]`` as an ndflow op (differentiable), or ``values`` itself when
    ``order`` is None."""
    if order is None:
        return values
    return _execute(_A.GetItem(np.asarray(order, np.int64)), (values,))


def _order(idx):
    """The stable permutation that sorts the rows of ``idx`` in row-major order, or None
    when they are sorted already."""
    n, rank = idx.shape
    if n < 2 or rank == 0 or not _disorder(idx)[0].any():
        return None
    return np.lexsort(idx.T[::-1])


def _disorder(idx):
    """Boolean masks over rows 1..N-1: out of order w.r.t. the previous row, repeated."""
    if idx.shape[0] < 2:
        return np.zeros(0, bool), np.zeros(0, bool)
    diff = idx[1:] - idx[:-1]
    nz = diff != 0
    has = nz.any(axis=1)
    first = nz.argmax(axis=1)
    sign = diff[np.arange(diff.shape[0]), first]
    return has & (sign < 0), ~has


def _fmt(row):
    return "[%s]" % ",".join(str(int(v)) for v in row)


def _out_of_bounds(idx, shape):
    """The first row of ``idx`` outside ``shape``, or None."""
    if idx.size == 0:
        return None
    bad = ((idx < 0) | (idx >= shape)).any(axis=1)
    if bad.any():
        return int(np.argmax(bad))
    return None


def _int_list(value, fn, what):
    """A list of Python ints from a list/tuple/array/tensor/TensorShape (None -> -1)."""
    if isinstance(value, TensorShape):
        value = [-1 if d is None else d for d in value.as_list()]
    if isinstance(value, Tensor):
        value = value._value
    arr = np.asarray([-1 if v is None else v for v in value] if isinstance(value, (list, tuple))
                     else value)
    if arr.dtype.kind not in "iu" and not (arr.size == 0):
        raise TypeError("tf.sparse.%s: %s must be integers, got %r." % (fn, what, value))
    if arr.ndim != 1:
        raise InvalidArgumentError("tf.sparse.%s: %s must be a vector (1-D), got shape %s."
                                   % (fn, what, tuple(arr.shape)))
    return [int(v) for v in arr]


def _same_dtype(values, other, fn, what):
    """``other`` as a Tensor of ``values``' dtype (a tensor of another dtype raises)."""
    if isinstance(other, Tensor):
        if other._value.dtype != values._value.dtype:
            raise InvalidArgumentError(
                "tf.sparse.%s: %s has dtype %s but the SparseTensor's values are %s. Cast "
                "it with tf.cast(..., tf.%s)." % (fn, what, other.dtype.name,
                                                  values.dtype.name, values.dtype.name))
        return other
    return convert_to_tensor(other, dtype=values.dtype)


def _zero_of(values):
    """The scalar that stands for a missing entry: 0, False or an empty string."""
    v = values._value
    if v.dtype == object:
        zero = "" if v.size and isinstance(v[0], str) else b""
        out = np.empty((), object)
        out[()] = zero
        return _wrap(out)
    return _wrap(np.zeros((), v.dtype))


def _scalar_default(default_value, values, fn):
    if default_value is None:
        return _zero_of(values)
    d = _same_dtype(values, default_value, fn, "default_value")
    if d._value.ndim != 0:
        raise InvalidArgumentError("tf.sparse.%s: default_value should be a scalar, got shape "
                                   "%s." % (fn, tuple(d._value.shape)))
    return d


def _check_numeric(values, fn, kinds="iufc"):
    if values._value.dtype.kind not in kinds:
        raise InvalidArgumentError("tf.sparse.%s does not support values of dtype %s."
                                   % (fn, values.dtype.name))


def _axis(axis, rank, fn, extra=0):
    a = int(axis._value) if isinstance(axis, Tensor) else int(axis)
    if not -(rank + extra) <= a < rank + extra:
        raise InvalidArgumentError(
            "tf.sparse.%s: axis %d is out of range for a SparseTensor of rank %d (valid: "
            "%d to %d)." % (fn, a, rank, -(rank + extra), rank + extra - 1))
    return a % (rank + extra)


# ---- conversion ---------------------------------------------------------------------------

def to_dense(sp_input, default_value=None, validate_indices=True, name=None):
    """The dense tensor: the values at their indices, ``default_value`` (0, False or an
    empty string when None) everywhere else.  With ``validate_indices`` the indices must be
    in row-major order without repeats (``tf.sparse.reorder`` sorts them).

    Differentiable with respect to the values and ``default_value``."""
    sp = _check_sp(sp_input, "to_dense")
    idx, shape, values = _parts(sp)
    default = _scalar_default(default_value, values, "to_dense")
    if (shape < 0).any():
        raise InvalidArgumentError("tf.sparse.to_dense: the dense_shape %s has a negative "
                                   "size." % shape.tolist())
    bad = _out_of_bounds(idx, shape)
    problems = []
    if bad is not None:
        problems.append((bad, "indices[%d] = %s is out of bounds: need 0 <= index < %s"
                         % (bad, _fmt(idx[bad]), _fmt(shape))))
    if validate_indices:
        out_of_order, repeated = _disorder(idx)
        if out_of_order.any():
            i = int(np.argmax(out_of_order)) + 1
            problems.append((i, "indices[%d] = %s is out of order. Many sparse ops require "
                             "sorted indices; use tf.sparse.reorder to create a correctly "
                             "ordered copy (or pass validate_indices=False)"
                             % (i, _fmt(idx[i]))))
        if repeated.any():
            i = int(np.argmax(repeated)) + 1
            problems.append((i, "indices[%d] = %s is repeated" % (i, _fmt(idx[i]))))
    if problems:
        raise InvalidArgumentError("tf.sparse.to_dense: %s." % min(problems)[1])
    if idx.shape[1] == 0:   # a scalar: the last value given, or the default
        n = idx.shape[0]
        return _A.reshape(_take(values, [n - 1]), []) if n else _A.identity(default)
    return _S.sparse_to_dense(tuple(idx.T), tuple(int(d) for d in shape), values, default)


def from_dense(tensor, name=None):
    """A SparseTensor of the non-zero (non-empty for strings) entries of ``tensor``, in
    row-major order.  Differentiable with respect to ``tensor``."""
    x = tensor if isinstance(tensor, Tensor) else convert_to_tensor(tensor)
    v = x._value
    if v.ndim == 0:
        raise InvalidArgumentError("tf.sparse.from_dense: the input must have rank >= 1, got "
                                   "a scalar. Reshape it first: tf.reshape(x, [1]).")
    if v.dtype == object:
        nonzero = np.vectorize(lambda s: s != "" and s != b"", otypes=[bool])(v) if v.size \
            else np.zeros(v.shape, bool)
    else:
        nonzero = v != 0
    idx = np.argwhere(nonzero).astype(np.int64)
    values = _execute(_A.GetItem(tuple(idx.T)), (x,))
    return _make(idx, values, np.asarray(v.shape, np.int64))


def to_indicator(sp_input, vocab_size, name=None):
    """A bool tensor ``dense_shape[:-1] + [vocab_size]`` that is True at
    ``[i0, ..., value]`` for every stored ``value`` (ids in ``[0, vocab_size)``) whose
    index starts with ``[i0, ...]``."""
    sp = _check_sp(sp_input, "to_indicator")
    idx, shape, values = _parts(sp)
    v = values._value
    if v.dtype.kind not in "iuf":
        raise TypeError("tf.sparse.to_indicator: the values must be integer ids, got dtype "
                        "%s." % values.dtype.name)
    ids = v.astype(np.int64)
    vocab = int(vocab_size._value if isinstance(vocab_size, Tensor) else vocab_size)
    if idx.shape[1] == 0:
        raise InvalidArgumentError("tf.sparse.to_indicator: the SparseTensor must have rank "
                                   ">= 1, got a scalar one.")
    out_shape = tuple(int(d) for d in shape[:-1]) + (vocab,)
    full = np.concatenate([idx[:, :-1], ids[:, None]], axis=1)
    bad = _out_of_bounds(full, np.asarray(out_shape))
    if bad is not None:
        raise InvalidArgumentError(
            "tf.sparse.to_indicator: value %d at indices[%d] = %s is out of bounds for the "
            "output shape %s (ids must lie in [0, vocab_size=%d))."
            % (ids[bad], bad, _fmt(idx[bad]), list(out_shape), vocab))
    out = np.zeros(out_shape, bool)
    out[tuple(full.T)] = True
    return _wrap(out)


# ---- rearranging ------------------------------------------------------------------------

def reorder(sp_input, name=None):
    """The same SparseTensor with its indices sorted in row-major order (stable: repeated
    indices keep their order)."""
    sp = _check_sp(sp_input, "reorder")
    idx, shape, values = _parts(sp)
    order = _order(idx)
    if order is None:
        return _make(idx, values, shape)
    return _make(idx[order], _take(values, order), shape)


def reshape(sp_input, shape, name=None):
    """The SparseTensor with a new dense shape of the same size (one dimension may be -1:
    it is computed).  The values keep their order."""
    sp = _check_sp(sp_input, "reshape")
    idx, in_shape, values = _parts(sp)
    new = _int_list(shape, "reshape", "shape")
    total = int(np.prod(in_shape, dtype=np.int64))
    unknown = [i for i, d in enumerate(new) if d == -1]
    if len(unknown) > 1:
        raise InvalidArgumentError("tf.sparse.reshape: only one output dimension may be -1, "
                                   "not both %d and %d." % tuple(unknown[:2]))
    if any(d < -1 for d in new):
        raise InvalidArgumentError("tf.sparse.reshape: size %d in shape %s is negative."
                                   % (min(new), new))
    known = int(np.prod([d for d in new if d != -1], dtype=np.int64))
    if unknown:
        if known == 0 or total % known:
            raise InvalidArgumentError(
                "tf.sparse.reshape: the input SparseTensor has %d dense values, but the "
                "requested shape %s needs a multiple of %d. input_shape=%s."
                % (total, new, known, in_shape.tolist()))
        new[unknown[0]] = total // known
    elif known != total:
        raise InvalidArgumentError(
            "tf.sparse.reshape: the input SparseTensor has %d dense values, but the "
            "requested shape %s has %d. input_shape=%s." % (total, new, known,
                                                           in_shape.tolist()))
    linear = idx @ _strides(in_shape) if idx.shape[1] else np.zeros(idx.shape[0], np.int64)
    out = np.empty((idx.shape[0], len(new)), np.int64)
    for d, s in enumerate(_strides(new)):
        out[:, d], linear = np.divmod(linear, s)
    return _make(out, values, np.asarray(new, np.int64))


def _strides(shape):
    strides = np.ones(len(shape), np.int64)
    for i in range(len(shape) - 2, -1, -1):
        strides[i] = strides[i + 1] * int(shape[i + 1])
    return strides


def transpose(sp_input, perm=None, name=None):
    """The SparseTensor with its dimensions permuted by ``perm`` (reversed when None);
    the result is in row-major order."""
    sp = _check_sp(sp_input, "transpose")
    idx, shape, values = _parts(sp)
    rank = idx.shape[1]
    perm = list(range(rank))[::-1] if perm is None else _int_list(perm, "transpose", "perm")
    if sorted(perm) != list(range(rank)):
        raise InvalidArgumentError(
            "tf.sparse.transpose: perm %s is not a permutation of the %d dimensions "
            "(0 to %d, each once)." % (perm, rank, rank - 1))
    new_idx = idx[:, perm]
    order = _order(new_idx)
    if order is not None:
        new_idx, values = new_idx[order], _take(values, order)
    return _make(new_idx, values, shape[perm])


def expand_dims(sp_input, axis=None, name=None):
    """Insert a dimension of size 1 at ``axis`` (-1, the end, when None)."""
    sp = _check_sp(sp_input, "expand_dims")
    idx, shape, values = _parts(sp)
    rank = idx.shape[1]
    a = _axis(-1 if axis is None else axis, rank, "expand_dims", extra=1)
    new_idx = np.insert(idx, a, 0, axis=1)
    return _make(new_idx, values, np.insert(shape, a, 1))


def reset_shape(sp_input, new_shape=None):
    """The SparseTensor with dense shape ``new_shape`` (each size at least the current
    one), or, when None, the tightest shape that holds its indices."""
    sp = _check_sp(sp_input, "reset_shape")
    idx, shape, values = _parts(sp)
    rank = idx.shape[1]
    if new_shape is None:
        new = idx.max(axis=0) + 1 if idx.shape[0] else np.zeros(rank, np.int64)
        return _make(idx, values, new.astype(np.int64))
    new = _int_list(new_shape, "reset_shape", "new_shape")
    if len(new) != rank:
        raise ValueError("tf.sparse.reset_shape: new_shape %s has rank %d but the "
                         "SparseTensor has rank %d." % (new, len(new), rank))
    if any(n < s for n, s in zip(new, shape.tolist())):
        raise ValueError(
            "tf.sparse.reset_shape: new_shape must have every size >= the SparseTensor's "
            "dense_shape; found new_shape %s, dense_shape %s." % (new, shape.tolist()))
    return _make(idx, values, np.asarray(new, np.int64))


# ---- combining ---------------------------------------------------------------------------

def _merge(ia, ib):
    """Merge two lists of indices as a two-pointer merge in row-major order does:
    ``(indices, from_a, from_b)`` where ``from_a[k]`` is the row of ``ia`` that lands at
    output ``k`` (-1 when none), likewise ``from_b``.  An index found in both lists is
    paired once (the i-th repeat in ``ia`` with the i-th in ``ib``)."""
    na, nb = ia.shape[0], ib.shape[0]
    sorted_a = not _disorder(ia)[0].any()
    sorted_b = not _disorder(ib)[0].any()
    if sorted_a and sorted_b:
        ranks = [_run_ranks(ia), _run_ranks(ib)]
        keys = np.concatenate([np.concatenate([ia, ranks[0][:, None]], axis=1),
                               np.concatenate([ib, ranks[1][:, None]], axis=1)])
        src = np.concatenate([np.arange(na), np.arange(nb)])
        from_b = np.concatenate([np.zeros(na, bool), np.ones(nb, bool)])
        order = np.lexsort(keys.T[::-1]) if keys.shape[0] else np.zeros(0, np.int64)
        keys, src, from_b = keys[order], src[order], from_b[order]
        if keys.shape[0]:
            new = np.concatenate([[True], (keys[1:] != keys[:-1]).any(axis=1)])
        else:
            new = np.zeros(0, bool)
        group = np.cumsum(new) - 1
        k = int(new.sum())
        out_a = np.full(k, -1, np.int64)
        out_b = np.full(k, -1, np.int64)
        out_a[group[~from_b]] = src[~from_b]
        out_b[group[from_b]] = src[from_b]
        return keys[new][:, :-1], out_a, out_b
    # unsorted input: follow the merge step by step, as TensorFlow's kernel does
    la, lb = ia.tolist(), ib.tolist()
    i = j = 0
    rows, out_a, out_b = [], [], []
    while i < na and j < nb:
        if la[i] < lb[j]:
            rows.append(la[i]), out_a.append(i), out_b.append(-1)
            i += 1
        elif la[i] > lb[j]:
            rows.append(lb[j]), out_a.append(-1), out_b.append(j)
            j += 1
        else:
            rows.append(la[i]), out_a.append(i), out_b.append(j)
            i += 1
            j += 1
    for i in range(i, na):
        rows.append(la[i]), out_a.append(i), out_b.append(-1)
    for j in range(j, nb):
        rows.append(lb[j]), out_a.append(-1), out_b.append(j)
    out = np.asarray(rows, np.int64).reshape(len(rows), ia.shape[1])
    return out, np.asarray(out_a, np.int64), np.asarray(out_b, np.int64)


def _run_ranks(idx):
    """For sorted indices: how many equal indices precede each one."""
    n = idx.shape[0]
    if n == 0:
        return np.zeros(0, np.int64)
    start = np.concatenate([[True], (idx[1:] != idx[:-1]).any(axis=1)])
    pos = np.arange(n)
    return pos - np.maximum.accumulate(np.where(start, pos, 0))


def _check_pair(a, b, fn):
    ia, sa, va = _parts(a)
    ib, sb, vb = _parts(b)
    if sa.shape[0] != sb.shape[0]:
        raise InvalidArgumentError("tf.sparse.%s: the operands have ranks %d and %d; they "
                                   "must be equal." % (fn, sa.shape[0], sb.shape[0]))
    for d, (x, y) in enumerate(zip(sa.tolist(), sb.tolist())):
        if x != y:
            raise InvalidArgumentError("tf.sparse.%s: Operands' shapes do not match: got %d "
                                       "and %d for dimension %d." % (fn, x, y, d))
    if va._value.dtype != vb._value.dtype:
        raise InvalidArgumentError("tf.sparse.%s: the operands' values have dtypes %s and "
                                   "%s; cast one with tf.cast." % (fn, va.dtype.name,
                                                                   vb.dtype.name))
    return ia, ib, sa, va, vb


def add(a, b, threshold=0):
    """``a + b`` where at least one operand is a SparseTensor.

    Two SparseTensors give a SparseTensor of the union of their indices (both in
    row-major order, as TensorFlow expects); a sum of two stored values whose magnitude is
    below ``threshold`` is dropped.  A SparseTensor and a dense tensor of the same shape
    give a dense tensor (repeated sparse indices add up).  Differentiable with respect to
    the values and the dense operand."""
    a_sp, b_sp = isinstance(a, SparseTensor), isinstance(b, SparseTensor)
    if not a_sp and not b_sp:
        raise TypeError("tf.sparse.add: At least one input should be a SparseTensor, got "
                        "%s and %s; do you mean to use tf.add()?" % (_describe(a),
                                                                    _describe(b)))
    if a_sp and b_sp:
        ia, ib, shape, va, vb = _check_pair(a, b, "add")
        _check_numeric(va, "add")
        out_idx, from_a, from_b = _merge(ia, ib)
        k = out_idx.shape[0]
        na = ia.shape[0]
        seg = np.empty(na + ib.shape[0], np.int64)
        seg[from_a[from_a >= 0]] = np.flatnonzero(from_a >= 0)
        seg[na + from_b[from_b >= 0]] = np.flatnonzero(from_b >= 0)
        summed = _execute(_M.UnsortedSegmentSum(seg, k), (_A.concat([va, vb], 0),))
        thr = threshold._value if isinstance(threshold, Tensor) else np.asarray(threshold)
        paired = (from_a >= 0) & (from_b >= 0)
        drop = paired & (np.abs(summed._value) < thr)
        if drop.any():
            keep = np.flatnonzero(~drop)
            return _make(out_idx[keep], _take(summed, keep), shape)
        return _make(out_idx, summed, shape)
    sp, dense = (a, b) if a_sp else (b, a)
    idx, shape, values = _parts(sp)
    d = _same_dtype(values, dense, "add", "the dense operand")
    if d._value.ndim != shape.shape[0]:
        raise InvalidArgumentError("tf.sparse.add: the operands have different ranks: %d "
                                   "(sparse) and %d (dense)." % (shape.shape[0],
                                                                 d._value.ndim))
    for i, (x, y) in enumerate(zip(shape.tolist(), d._value.shape)):
        if x != y:
            raise InvalidArgumentError(
                "tf.sparse.add: dimension %d does not match (no broadcasting is supported): "
                "sparse side %d vs dense side %d." % (i, x, y))
    bad = _out_of_bounds(idx, shape)
    if bad is not None:
        raise InvalidArgumentError("tf.sparse.add: indices[%d] = %s is out of bounds of the "
                                   "dense shape %s." % (bad, _fmt(idx[bad]), _fmt(shape)))
    scattered = _execute(_A._ScatterIntoZeros(tuple(idx.T), d._value.shape), (values,))
    return _M.add(d, scattered)


def _extreme(sp_a, sp_b, fn, op):
    _check_sp(sp_a, fn, "sp_a")
    _check_sp(sp_b, fn, "sp_b")
    ia, ib, shape, va, vb = _check_pair(sp_a, sp_b, fn)
    _check_numeric(va, fn, "iuf")
    out_idx, from_a, from_b = _merge(ia, ib)
    zero = _zero_of(va)
    pad_a = _A.concat([va, _A.reshape(zero, [1])], 0)
    pad_b = _A.concat([vb, _A.reshape(zero, [1])], 0)
    got_a = _take(pad_a, np.where(from_a >= 0, from_a, ia.shape[0]))
    got_b = _take(pad_b, np.where(from_b >= 0, from_b, ib.shape[0]))
    return _make(out_idx, op(got_a, got_b), shape)


def maximum(sp_a, sp_b, name=None):
    """The element-wise maximum of two SparseTensors of one shape (a missing entry counts
    as 0): a SparseTensor of the union of their indices."""
    return _extreme(sp_a, sp_b, "maximum", _M.maximum)


def minimum(sp_a, sp_b, name=None):
    """The element-wise minimum of two SparseTensors of one shape (a missing entry counts
    as 0): a SparseTensor of the union of their indices."""
    return _extreme(sp_a, sp_b, "minimum", _M.minimum)


def concat(axis, sp_inputs, expand_nonconcat_dims=False, name=None):
    """Join SparseTensors along ``axis``; the result is in row-major order.  The other
    dimensions must match unless ``expand_nonconcat_dims`` (then the largest is used)."""
    if isinstance(sp_inputs, SparseTensor) or not isinstance(sp_inputs, (list, tuple)):
        raise TypeError("tf.sparse.concat: sp_inputs must be a list of SparseTensors, got "
                        "%s." % _describe(sp_inputs))
    if not sp_inputs:
        raise ValueError("tf.sparse.concat: sp_inputs is empty; give at least one "
                         "SparseTensor.")
    sps = [_check_sp(s, "concat", "sp_inputs[%d]" % i) for i, s in enumerate(sp_inputs)]
    rank = sps[0]._dense_shape._value.shape[0]
    dtype = sps[0]._values._value.dtype
    for i, s in enumerate(sps):
        if s._dense_shape._value.shape[0] != rank:
            raise InvalidArgumentError("tf.sparse.concat: sp_inputs[%d] has rank %d but "
                                       "sp_inputs[0] has rank %d." % (
                                           i, s._dense_shape._value.shape[0], rank))
        if s._values._value.dtype != dtype:
            raise InvalidArgumentError("tf.sparse.concat: sp_inputs[%d] has dtype %s but "
                                       "sp_inputs[0] has %s." % (i, s.dtype.name,
                                                                 sps[0].dtype.name))
    ax = _axis(axis, rank, "concat")
    shapes = np.stack([s._dense_shape._value for s in sps])
    if not expand_nonconcat_dims:
        for i in range(1, len(sps)):
            for d in range(rank):
                if d != ax and shapes[i, d] != shapes[0, d]:
                    raise InvalidArgumentError(
                        "tf.sparse.concat: input shapes must match except along axis %d: "
                        "expected %d for dimension %d but got %d at position %d (pass "
                        "expand_nonconcat_dims=True to use the largest size)."
                        % (ax, shapes[0, d], d, shapes[i, d], i))
    out_shape = shapes.max(axis=0)
    out_shape[ax] = shapes[:, ax].sum()
    offsets = np.concatenate([[0], np.cumsum(shapes[:, ax])[:-1]])
    parts = []
    for s, off in zip(sps, offsets):
        p = s._indices._value.copy()
        p[:, ax] += off
        parts.append(p)
    idx = np.concatenate(parts)
    values = _A.concat([s._values for s in sps], 0) if len(sps) > 1 else sps[0]._values
    order = _order(idx)
    if order is not None:
        idx, values = idx[order], _take(values, order)
    return _make(idx, values, out_shape)


def split(sp_input=None, num_split=None, axis=None, name=None):
    """Split into ``num_split`` SparseTensors along ``axis``; the first
    ``size % num_split`` pieces get one more row.  The values keep their order."""
    if axis is None:
        raise ValueError("tf.sparse.split: axis is required.")
    if num_split is None:
        raise ValueError("tf.sparse.split: num_split is required.")
    sp = _check_sp(sp_input, "split")
    idx, shape, values = _parts(sp)
    ax = _axis(axis, idx.shape[1], "split")
    n = int(num_split)
    dim = int(shape[ax])
    if not 1 <= n <= dim:
        raise InvalidArgumentError("tf.sparse.split: num_split should be between 1 and the "
                                   "size of the split dimension (%d), got %d." % (dim, n))
    sizes = [dim // n + (1 if i < dim % n else 0) for i in range(n)]
    starts = np.concatenate([[0], np.cumsum(sizes)])
    piece = np.searchsorted(starts[1:], idx[:, ax], side="right")
    out = []
    for p in range(n):
        sel = np.flatnonzero(piece == p)
        part = idx[sel]
        part[:, ax] -= starts[p]
        new_shape = shape.copy()
        new_shape[ax] = sizes[p]
        out.append(_make(part, _take(values, sel), new_shape))
    return out


def slice(sp_input, start, size, name=None):  # noqa: A001  (tf.sparse.slice)
    """The entries with ``start <= index < start + size``, shifted by ``start``; the
    dense shape is clipped to the input's.  The values keep their order."""
    sp = _check_sp(sp_input, "slice")
    idx, shape, values = _parts(sp)
    rank = idx.shape[1]
    start = _int_list(start, "slice", "start")
    size = _int_list(size, "slice", "size")
    for what, v in (("start", start), ("size", size)):
        if len(v) != rank:
            raise InvalidArgumentError("tf.sparse.slice: expected %s to be a vector of length "
                                       "%d (the rank) but got length %d." % (what, rank,
                                                                             len(v)))
    if any(s < 0 for s in size):
        raise InvalidArgumentError("tf.sparse.slice: expected a non-negative size, got %s."
                                   % size)
    lo, hi = np.asarray(start, np.int64), np.asarray(start, np.int64) + size
    out_shape = np.maximum(0, np.minimum(hi, shape) - lo)
    keep = ((idx >= lo) & (idx < hi)).all(axis=1)
    sel = None if keep.all() else np.flatnonzero(keep)
    new_idx = (idx if sel is None else idx[sel]) - lo
    return _make(new_idx, _take(values, sel), out_shape.astype(np.int64))


def retain(sp_input, to_retain):
    """The entries where the 1-D bool ``to_retain`` (one flag per value) is True."""
    sp = _check_sp(sp_input, "retain")
    idx, shape, values = _parts(sp)
    flags = to_retain._value if isinstance(to_retain, Tensor) else np.asarray(to_retain)
    if flags.ndim != 1 or flags.shape[0] != idx.shape[0]:
        raise ValueError("tf.sparse.retain: to_retain must be a 1-D vector with one flag per "
                         "value (%d), got shape %s." % (idx.shape[0], tuple(flags.shape)))
    sel = np.flatnonzero(flags.astype(bool))
    return _make(idx[sel], _take(values, sel), shape)


def fill_empty_rows(sp_input, default_value, name=None):
    """Give every empty row (first dimension) one entry ``default_value`` at
    ``[row, 0, ..., 0]``.  Returns ``(sparse, empty_row_indicator)``: the result, ordered by
    row (stable), and a bool vector marking the rows that were empty.  Differentiable with
    respect to the values and ``default_value``."""
    sp = _check_sp(sp_input, "fill_empty_rows")
    idx, shape, values = _parts(sp)
    if idx.shape[1] == 0:
        raise InvalidArgumentError("tf.sparse.fill_empty_rows: the SparseTensor must have "
                                   "rank >= 1, got a scalar one.")
    if isinstance(default_value, Tensor) and default_value._value.dtype != \
            values._value.dtype:
        raise ValueError("tf.sparse.fill_empty_rows: default_value has dtype %s but the "
                         "values are %s; cast it with tf.cast." % (default_value.dtype.name,
                                                                   values.dtype.name))
    default = _scalar_default(default_value, values, "fill_empty_rows")
    rows = int(shape[0])
    r = idx[:, 0]
    if r.size and (r.min() < 0 or r.max() >= rows):
        i = int(np.argmax((r < 0) | (r >= rows)))
        raise InvalidArgumentError("tf.sparse.fill_empty_rows: indices[%d] = %s is out of "
                                   "bounds of the dense shape %s." % (i, _fmt(idx[i]),
                                                                      _fmt(shape)))
    present = np.zeros(rows, bool)
    present[r] = True
    empty = np.flatnonzero(~present)
    added = np.zeros((empty.size, idx.shape[1]), np.int64)
    added[:, 0] = empty
    all_idx = np.concatenate([idx, added])
    src = np.concatenate([np.arange(idx.shape[0]), np.full(empty.size, idx.shape[0])])
    order = np.argsort(all_idx[:, 0], kind="stable")
    padded = _A.concat([values, _A.reshape(default, [1])], 0)
    out = _make(all_idx[order], _take(padded, src[order]), shape)
    return out, _wrap(~present)


def mask(a, mask_indices, name=None):
    """Drop the slices of an IndexedSlices-like ``a`` (with ``values``, ``indices`` and
    ``dense_shape``) whose index is in ``mask_indices``; returns the same type."""
    if isinstance(a, SparseTensor) or not (hasattr(a, "values") and hasattr(a, "indices")):
        raise TypeError("tf.sparse.mask works on IndexedSlices (values, 1-D indices, "
                        "dense_shape), got %s. For a SparseTensor use tf.sparse.retain."
                        % _describe(a))
    ind = convert_to_tensor(a.indices)._value
    drop = convert_to_tensor(mask_indices)._value
    keep = np.flatnonzero(~np.isin(ind, drop))
    values = _take(convert_to_tensor(a.values), keep)
    return type(a)(values, _wrap(ind[keep]), getattr(a, "dense_shape", None))


# ---- products and reductions --------------------------------------------------------------

def _sp_dense_matmul(sp, b, adjoint_a, adjoint_b):
    idx, shape, values = _parts(sp)
    if shape.shape[0] != 2:
        raise InvalidArgumentError("tf.sparse.sparse_dense_matmul: the SparseTensor must be "
                                   "a matrix (rank 2), got rank %d." % shape.shape[0])
    b = _same_dtype(values, b, "sparse_dense_matmul", "the dense operand")
    if b._value.ndim != 2:
        raise InvalidArgumentError("tf.sparse.sparse_dense_matmul: the dense operand must be "
                                   "a matrix (rank 2), got shape %s."
                                   % (tuple(b._value.shape),))
    m, k = int(shape[0]), int(shape[1])
    bad = _out_of_bounds(idx, shape)
    if bad is not None:
        raise InvalidArgumentError("tf.sparse.sparse_dense_matmul: indices[%d] = %s is out "
                                   "of bounds of the SparseTensor's shape %s."
                                   % (bad, _fmt(idx[bad]), _fmt(shape)))
    rows, cols = idx[:, 0], idx[:, 1]
    if adjoint_a:
        rows, cols, m, k = cols, rows, k, m
        values = _conj(values)
    if adjoint_b:
        b = _conj(_A.transpose(b))
    if b._value.shape[0] != k:
        raise InvalidArgumentError(
            "tf.sparse.sparse_dense_matmul: cannot multiply A and B because the inner "
            "dimensions do not match: %d vs. %d (A: %s%s, B: %s%s). Did you forget a "
            "transpose (adjoint_a / adjoint_b)?" % (
                k, b._value.shape[0], shape.tolist(), " adjoint" if adjoint_a else "",
                list(b._value.shape[::-1] if adjoint_b else b._value.shape),
                " adjoint" if adjoint_b else ""))
    _check_numeric(values, "sparse_dense_matmul")
    return _S.sparse_dense_matmul(rows, cols, m, values, b)


def sparse_dense_matmul(sp_a, b, adjoint_a=False, adjoint_b=False, name=None):
    """The matrix product of a SparseTensor and a dense matrix (either order: ``sp_a``
    may be dense when ``b`` is sparse), with optional adjoints (conjugate transposes).
    Returns a dense tensor; differentiable with respect to the sparse values and the
    dense operand."""
    if isinstance(sp_a, SparseTensor):
        if isinstance(b, SparseTensor):
            raise TypeError("tf.sparse.sparse_dense_matmul: both operands are SparseTensors; "
                            "one must be dense (use tf.sparse.to_dense on one of them).")
        return _sp_dense_matmul(sp_a, b, bool(adjoint_a), bool(adjoint_b))
    if isinstance(b, SparseTensor):
        # A' B' = ((B')^H (A')^H)^H
        a = _same_dtype(b._values, sp_a, "sparse_dense_matmul", "the dense operand")
        prod = _sp_dense_matmul(b, a, not adjoint_b, not adjoint_a)
        return _conj(_A.transpose(prod))
    raise TypeError("tf.sparse.sparse_dense_matmul: Input must be a SparseTensor: one of sp_a "
                    "and b must be a SparseTensor, got %s and %s. For two dense matrices use "
                    "tf.matmul." % (_describe(sp_a), _describe(b)))


def _reduction(sp_input, axis, keepdims, output_is_sparse, fn):
    sp = _check_sp(sp_input, fn)
    idx, shape, values = _parts(sp)
    rank = idx.shape[1]
    if fn == "reduce_sum":
        _check_numeric(values, fn)
    else:
        _check_numeric(values, fn, "iuf")
    if axis is None:
        axes = set(range(rank))
    else:
        if isinstance(axis, Tensor):
            axis = axis._value.tolist()
        axes = set()
        for a in (axis if isinstance(axis, (list, tuple)) else [axis]):
            a = int(a)
            if not -rank <= a < rank:
                raise InvalidArgumentError("tf.sparse.%s: invalid reduction dimension %d for "
                                           "an input with %d dimensions." % (fn, a, rank))
            axes.add(a % rank)
    kept = [d for d in range(rank) if d not in axes]
    keys = idx[:, kept]
    keep_shape = np.asarray([1 if d in axes else shape[d] for d in range(rank)], np.int64)
    if output_is_sparse:
        if kept and keys.shape[0]:
            groups, inv = np.unique(keys, axis=0, return_inverse=True)
            inv = inv.reshape(-1)
        else:
            groups = np.zeros((1 if keys.shape[0] else 0, len(kept)), np.int64)
            inv = np.zeros(keys.shape[0], np.int64)
        reduced = _group_reduce(values, inv, groups.shape[0], fn, idx)
        if keepdims:
            out_idx = np.zeros((groups.shape[0], rank), np.int64)
            out_idx[:, kept] = groups
            return _make(out_idx, reduced, keep_shape)
        return _make(groups.astype(np.int64), reduced, shape[kept])
    out_shape = [int(shape[d]) for d in kept]
    bad = _out_of_bounds(idx, shape)
    if bad is not None:
        raise InvalidArgumentError("tf.sparse.%s: indices[%d] = %s is out of bounds of the "
                                   "dense shape %s." % (fn, bad, _fmt(idx[bad]), _fmt(shape)))
    seg = np.ravel_multi_index(tuple(keys.T), out_shape) if kept else \
        np.zeros(idx.shape[0], np.int64)
    flat = _group_reduce(values, seg, int(np.prod(out_shape, dtype=np.int64)), fn, idx)
    return _A.reshape(flat, keep_shape.tolist() if keepdims else out_shape)


def _group_reduce(values, groups, n, fn, idx=None):
    """Sum (differentiable) or max (no gradient, 0 for an empty group) of the values in
    each of ``n`` groups."""
    if fn == "reduce_sum":
        return _execute(_M.UnsortedSegmentSum(groups, n), (values,))
    v = values._value
    low = -np.inf if v.dtype.kind == "f" else np.iinfo(v.dtype).min
    out = np.full(n, low, dtype=v.dtype)
    nan = np.isnan(v) if v.dtype.kind == "f" else None
    if nan is not None and nan.any():
        # TensorFlow folds each group in row-major order with "keep the new value unless
        # it is smaller": a NaN replaces the maximum so far, and the next value replaces
        # the NaN.  Groups without NaN are plain maxima.
        np.maximum.at(out, groups[~nan], v[~nan])
        for g in np.unique(groups[nan]):
            members = np.flatnonzero(groups == g)
            members = members[_order(idx[members])] if _order(idx[members]) is not None \
                else members
            acc = low
            for x in v[members]:
                acc = acc if x < acc else x
            out[g] = acc
    else:
        np.maximum.at(out, groups, v)
    out[np.bincount(groups, minlength=n) == 0] = 0
    return _wrap(out)


def reduce_sum(sp_input, axis=None, keepdims=None, output_is_sparse=False, name=None):
    """The sum over ``axis`` (all axes when None) of a SparseTensor: a dense tensor, or a
    SparseTensor of the non-empty groups (in row-major order) with ``output_is_sparse``.
    Differentiable with respect to the values."""
    return _reduction(sp_input, axis, bool(keepdims), output_is_sparse, "reduce_sum")


def reduce_max(sp_input, axis=None, keepdims=None, output_is_sparse=False, name=None):
    """The maximum over ``axis`` of the stored values (the implicit zeros do not take
    part; a group with no stored value gives 0 in the dense result).  No gradient, as in
    TensorFlow."""
    return _reduction(sp_input, axis, bool(keepdims), output_is_sparse, "reduce_max")


def eye(num_rows, num_columns=None, dtype=_dt.float32, name=None):
    """The identity matrix ``num_rows x num_columns`` as a SparseTensor."""
    n = int(num_rows)
    m = n if num_columns is None else int(num_columns)
    k = min(n, m)
    diag = np.arange(k, dtype=np.int64)
    ones = np.ones(k, dtype=_dt.as_dtype(dtype)._np)
    return _make(np.stack([diag, diag], axis=1), _wrap(ones), np.asarray([n, m], np.int64))


def softmax(sp_input, name=None):
    """Softmax over the last dimension, among the stored values only (entries that share
    all but their last index form one group).  Differentiable."""
    sp = _check_sp(sp_input, "softmax")
    idx, shape, values = _parts(sp)
    if idx.shape[1] < 2:
        raise InvalidArgumentError("tf.sparse.softmax: the input should have rank >= 2, but "
                                   "received shape %s." % shape.tolist())
    _check_numeric(values, "softmax", "f")
    if idx.shape[0] == 0:
        return _make(idx, values, shape)
    _, inv = np.unique(idx[:, :-1], axis=0, return_inverse=True)
    inv = inv.reshape(-1)
    n = int(inv.max()) + 1
    top = np.full(n, -np.inf, values._value.dtype)
    np.maximum.at(top, inv, values._value)
    e = _M.exp(_M.subtract(values, _wrap(top[inv])))
    total = _execute(_M.UnsortedSegmentSum(inv, n), (e,))
    return _make(idx, _M.divide(e, _take(total, inv)), shape)


def map_values(op, *args, **kwargs):
    """``op`` applied to the values of the SparseTensors among ``args`` / ``kwargs`` (which
    must all have the same indices and dense shape); the result has those indices."""
    structure = [list(args), kwargs]
    flat = _nest.flatten(structure)
    sps = [x for x in flat if isinstance(x, SparseTensor)]
    if not sps:
        raise ValueError("tf.sparse.map_values: no SparseTensor in the arguments of "
                         "map_values; pass at least one.")
    first = sps[0]
    for s in sps[1:]:
        if not np.array_equal(s._dense_shape._value, first._dense_shape._value):
            raise InvalidArgumentError(
                "tf.sparse.map_values: mismatched shapes: the SparseTensors have dense "
                "shapes %s and %s." % (first._dense_shape._value.tolist(),
                                       s._dense_shape._value.tolist()))
        if not np.array_equal(s._indices._value, first._indices._value):
            raise InvalidArgumentError("tf.sparse.map_values: mismatched indices: every "
                                       "SparseTensor must have the same indices.")
    new_args, new_kwargs = _nest.pack_sequence_as(
        structure, [x._values if isinstance(x, SparseTensor) else x for x in flat])
    out = op(*new_args, **new_kwargs)
    out = out if isinstance(out, Tensor) else convert_to_tensor(out)
    if out._value.shape != first._values._value.shape:
        raise ValueError("tf.sparse.map_values: op must keep the shape of the values %s, got "
                         "%s." % (tuple(first._values._value.shape),
                                  tuple(out._value.shape)))
    return _make(first._indices._value, out, first._dense_shape._value)


# ---- segments ------------------------------------------------------------------------------

def _segments(data, indices, segment_ids, num_segments, fn):
    x = data if isinstance(data, Tensor) else convert_to_tensor(data)
    arrays = []
    for what, v in (("indices", indices), ("segment_ids", segment_ids)):
        a = v._value if isinstance(v, Tensor) else np.asarray(v)
        if a.dtype.kind not in "iu" and a.size:
            raise InvalidArgumentError("tf.sparse.%s: %s must be int32 or int64, got dtype %s."
                                       % (fn, what, a.dtype))
        if a.ndim != 1:
            raise InvalidArgumentError("tf.sparse.%s: %s should be a vector, got shape %s."
                                       % (fn, what, tuple(a.shape)))
        arrays.append(a.astype(np.int64))
    ind, seg = arrays
    if ind.size != seg.size:
        raise InvalidArgumentError("tf.sparse.%s: segment_ids and indices should have the "
                                   "same size, got %d and %d." % (fn, seg.size, ind.size))
    if x._value.ndim == 0:
        raise InvalidArgumentError("tf.sparse.%s: data must have rank >= 1." % fn)
    rows = x._value.shape[0]
    bad = np.flatnonzero((ind < 0) | (ind >= rows))
    if bad.size:
        raise InvalidArgumentError("tf.sparse.%s: indices[%d] == %d is out of range [0, %d)."
                                   % (fn, bad[0], ind[bad[0]], rows))
    if seg.size > 1 and (np.diff(seg) < 0).any():
        raise InvalidArgumentError("tf.sparse.%s: segment ids are not increasing; sort them "
                                   "(with the indices) first." % fn)
    if seg.size and seg[0] < 0:
        raise InvalidArgumentError("tf.sparse.%s: segment id %d is negative." % (fn, seg[0]))
    if num_segments is None:
        n = int(seg[-1]) + 1 if seg.size else 0
    else:
        n = int(num_segments._value if isinstance(num_segments, Tensor) else num_segments)
        if seg.size and seg[-1] >= n:
            raise InvalidArgumentError("tf.sparse.%s: segment ids must be < num_segments (%d), "
                                       "got %d." % (fn, n, seg[-1]))
    picked = _take(x, ind)
    total = _execute(_M.UnsortedSegmentSum(seg, n), (picked,))
    counts = np.bincount(seg, minlength=n)[:n]
    return x, total, counts


def segment_sum(data, indices, segment_ids, num_segments=None, name=None,
                sparse_gradient=False):
    """``out[s] = sum of data[indices[i]]`` over the i with ``segment_ids[i] == s``
    (segment ids sorted; ``num_segments`` rows, or the last id + 1).  Differentiable
    with respect to ``data``."""
    return _segments(data, indices, segment_ids, num_segments, "segment_sum")[1]


def _scaled_segments(data, indices, segment_ids, num_segments, fn, scale):
    x, total, counts = _segments(data, indices, segment_ids, num_segments, fn)
    if x._value.dtype.kind != "f":
        raise InvalidArgumentError("tf.sparse.%s needs float data, got dtype %s."
                                   % (fn, x.dtype.name))
    div = scale(np.maximum(counts, 1).astype(x._value.dtype))
    div = div.reshape((-1,) + (1,) * (x._value.ndim - 1))
    return _M.divide(total, _wrap(div))


def segment_mean(data, indices, segment_ids, num_segments=None, name=None,
                 sparse_gradient=False):
    """Like ``segment_sum`` divided by each segment's size (empty segments give 0)."""
    return _scaled_segments(data, indices, segment_ids, num_segments, "segment_mean",
                            lambda c: c)


def segment_sqrt_n(data, indices, segment_ids, num_segments=None, name=None,
                   sparse_gradient=False):
    """Like ``segment_sum`` divided by the square root of each segment's size."""
    return _scaled_segments(data, indices, segment_ids, num_segments, "segment_sqrt_n",
                            np.sqrt)


# ---- counting and crossing ----------------------------------------------------------------

def _flat_values(x, fn, what):
    """(values array, row of each value or None, number of rows or None, rank, indices
    for a SparseTensor or None) of a dense tensor or SparseTensor."""
    if isinstance(x, SparseTensor):
        idx, shape, values = _parts(x)
        rank = shape.shape[0]
        rows = idx[:, 0] if rank == 2 else None
        return values._value, rows, (int(shape[0]) if rank == 2 else None), rank, idx
    t = x if isinstance(x, Tensor) else convert_to_tensor(x)
    v = t._value
    rows = nrows = None
    if v.ndim == 2:
        nrows = v.shape[0]
        rows = np.repeat(np.arange(nrows, dtype=np.int64), v.shape[1])
    return v.reshape(-1), rows, nrows, v.ndim, None


def bincount(values, weights=None, axis=0, minlength=None, maxlength=None,
             binary_output=False, name=None):
    """Count each non-negative integer of ``values`` (dense or SparseTensor) as a
    SparseTensor: ``axis=0`` counts over everything (shape ``[size]``), ``axis=-1`` per
    row of a 2-D input (``[rows, size]``).  ``size`` is the largest value + 1, at least
    ``minlength`` and at most ``maxlength`` (larger values are not counted).  With
    ``weights`` (same layout as ``values``) the weights are summed instead;
    ``binary_output`` gives 1 for every value present."""
    if weights is not None and binary_output:
        raise ValueError("tf.sparse.bincount: the arguments binary_output and weights are "
                         "mutually exclusive; give only one.")
    if axis not in (0, -1):
        raise ValueError("tf.sparse.bincount: axis must be 0 or -1, got %r." % (axis,))
    v, rows, nrows, rank, sp_idx = _flat_values(values, "bincount", "values")
    if v.dtype not in (np.int32, np.int64):
        raise InvalidArgumentError("tf.sparse.bincount: values must be int32 or int64, got "
                                   "dtype %s." % v.dtype)
    if axis == -1 and rank > 2:
        raise InvalidArgumentError("tf.sparse.bincount: with axis=-1 the input must be a 1 "
                                   "or 2-dimensional tensor, got rank %d." % rank)
    if v.size and v.min() < 0:
        raise InvalidArgumentError("tf.sparse.bincount: input values must all be "
                                   "non-negative, got %d." % v.min())
    size = (int(v.max()) if v.size else 0) + 1
    if minlength is not None and int(minlength) >= 0:
        size = max(size, int(minlength))
    if maxlength is not None and int(maxlength) >= 0:
        size = min(size, int(maxlength))
    if weights is not None:
        w = _flat_values(weights, "bincount", "weights")[0]
        if w.shape != v.shape:
            raise InvalidArgumentError("tf.sparse.bincount: weights must have the layout of "
                                       "values (%d values), got %d." % (v.size, w.size))
        out_dtype = w.dtype
    else:
        w = np.ones(v.shape, v.dtype)
        out_dtype = v.dtype
    keep = v < size
    per_row = axis == -1 and rank == 2
    if per_row:
        keys = np.stack([rows[keep], v[keep].astype(np.int64)], axis=1)
        out_shape = [nrows, size]
    else:
        keys = v[keep].astype(np.int64)[:, None]
        out_shape = [size]
    w = w[keep]
    if keys.shape[0]:
        uniq, inv = np.unique(keys, axis=0, return_inverse=True)
        inv = inv.reshape(-1)
    else:
        uniq, inv = np.zeros((0, keys.shape[1]), np.int64), np.zeros(0, np.int64)
    if binary_output:
        counts = np.ones(uniq.shape[0], out_dtype)
    else:
        counts = np.zeros(uniq.shape[0], out_dtype)
        np.add.at(counts, inv, w.astype(out_dtype))
    return _make(uniq.astype(np.int64), _wrap(counts), np.asarray(out_shape, np.int64))


_M64 = (1 << 64) - 1
_CAT_MUL = 0xC6A4A7935BD1E995
_CROSS_DEFAULT_KEY = 0xDECAFCAFFE   # the key tf.sparse.cross_hashed uses when none is given


def _cat64(h, fp):
    """Chain a 64-bit fingerprint onto a running hash (FarmHash-style mixing, as
    TensorFlow's ``FingerprintCat64``)."""
    def mix(v):
        return v ^ (v >> 47)
    out = h ^ _CAT_MUL
    out ^= (mix((fp * _CAT_MUL) & _M64) * _CAT_MUL) & _M64
    out = (out * _CAT_MUL) & _M64
    out = (mix(out) * _CAT_MUL) & _M64
    return mix(out)


def _feature_rows(inputs, fn):
    """The features of each row of every input: a list (per input) of lists (per row)."""
    if not isinstance(inputs, (list, tuple)) or not inputs:
        raise TypeError("tf.sparse.%s: inputs must be a non-empty list of SparseTensors or "
                        "2-D tensors, got %s." % (fn, _describe(inputs)))
    batch = None
    columns = []
    for pos, x in enumerate(inputs):
        if isinstance(x, SparseTensor):
            idx, shape, values = _parts(x)
            if shape.shape[0] != 2:
                raise InvalidArgumentError("tf.sparse.%s: SparseTensor inputs must be 2-D, "
                                           "got rank %d at position %d."
                                           % (fn, shape.shape[0], pos))
            n = int(shape[0])
            per_row = [[] for _ in range(n)]
            for r, val in zip(idx[:, 0].tolist(), values._value.tolist()):
                per_row[r].append(val)
            dtype = values._value.dtype
        else:
            t = x if isinstance(x, Tensor) else convert_to_tensor(x)
            if t._value.ndim != 2:
                raise InvalidArgumentError("tf.sparse.%s: dense inputs should be matrices "
                                           "(2-D) but received shape %s at position %d."
                                           % (fn, list(t._value.shape), pos))
            n = t._value.shape[0]
            per_row = t._value.tolist()
            dtype = t._value.dtype
        if dtype.kind not in "iuO":
            raise TypeError("tf.sparse.%s: inputs must hold strings or integers, got dtype "
                            "%s at position %d; cast to tf.int64 or tf.string first."
                            % (fn, dtype, pos))
        if batch is None:
            batch = n
        elif n != batch:
            raise InvalidArgumentError("tf.sparse.%s: expected batch size %d, got %d at "
                                       "input %d." % (fn, batch, n, pos))
        columns.append(per_row)
    return columns, batch


def _crossed(inputs, fn, feature, combine, out_dtype):
    columns, batch = _feature_rows(inputs, fn)
    idx, vals = [], []
    longest = 0
    for r in range(batch):
        count = 0
        for combo in itertools.product(*[[feature(f) for f in col[r]] for col in columns]):
            idx.append((r, count))
            vals.append(combine(combo))
            count += 1
        longest = builtins.max(longest, count)
    values = np.empty(len(vals), out_dtype)
    values[:] = vals
    return _make(np.asarray(idx, np.int64).reshape(len(idx), 2), _wrap(values),
                 np.asarray([batch, longest], np.int64))


def cross(inputs, name=None, separator=None):
    """The crosses of string / integer features, row by row: every combination of one
    feature from each input, joined with ``separator`` ("_X_" by default), as a 2-D
    SparseTensor of strings (the first input varies slowest)."""
    sep = "_X_" if separator is None else separator
    sep = sep.decode("utf-8") if isinstance(sep, bytes) else str(sep)

    def text(f):
        return f.decode("utf-8", "replace") if isinstance(f, bytes) else str(f)
    return _crossed(inputs, "cross", text, sep.join, object)


def cross_hashed(inputs, num_buckets=0, hash_key=None, name=None):
    """Like ``cross``, but each cross is a hash: the features' fingerprints (FarmHash
    Fingerprint64 of a string, an integer as itself) chained from ``hash_key`` as
    TensorFlow does, modulo ``num_buckets`` (when > 0).  An int64 SparseTensor."""
    key = _CROSS_DEFAULT_KEY if hash_key is None else int(hash_key) & _M64
    buckets = int(num_buckets) if num_buckets else 0
    modulus = buckets if buckets > 0 else (1 << 63) - 1

    def fingerprint(f):
        if isinstance(f, (int, np.integer)):
            return int(f) & _M64
        return _fingerprint64(_to_bytes(f))

    def combine(fps):
        h = key
        for fp in fps:
            h = _cat64(h, fp)
        return h % modulus
    return _crossed(inputs, "cross_hashed", fingerprint, combine, np.int64)
