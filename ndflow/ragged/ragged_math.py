"""Reductions of a RaggedTensor: what ``tf.reduce_sum(rt, axis)`` (and ``mean``, ``max``,
``min``, ``prod``, ``any``, ``all``) compute on ragged input in TensorFlow.

ndflow's ``tf.reduce_*`` live in ``ndflow/ops``, which may not import this package; until
they dispatch here, call these directly (``ndflow.ragged.ragged_math.reduce_sum(rt, 1)``).

Every reduction is built from one step, the *segmented row combination*: the rows of a
tensor are grouped into segments and the rows of each segment combined element by element
(rows of different lengths line up at their starts; a missing element is skipped).  For a
dense tensor the rows of a segment are gathered into a padded block (the padding is the
reduction's identity: 0, 1, the dtype's lowest / highest value, False, True) and reduced
with the dense op, so gradients flow through ``gather``.  For a ragged tensor the same
step recurses one level down.  An empty row reduces to the identity, as in TensorFlow.
"""
import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.core.tensor import Tensor
from ndflow.ops import array_ops as _A, math_ops as _M, reduction_ops as _R
from ndflow.ragged.ragged_tensor import RaggedTensor, convert_ragged

__all__ = ["reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod",
           "reduce_any", "reduce_all"]

_DENSE = {"sum": _R.reduce_sum, "prod": _R.reduce_prod, "max": _R.reduce_max,
          "min": _R.reduce_min, "any": _R.reduce_any, "all": _R.reduce_all}


def _identity(kind, np_dtype):
    if kind == "sum":
        return np.zeros((), np_dtype)
    if kind == "prod":
        return np.ones((), np_dtype)
    if kind in ("any", "all"):
        return np.asarray(kind == "all")
    info = np.finfo(np_dtype) if np_dtype.kind == "f" else np.iinfo(np_dtype)
    return np.asarray(info.min if kind == "max" else info.max, np_dtype)


def _combine_rows(kind, x, seg, nseg):
    """Segment ``g`` of the result combines, element-wise, the rows ``r`` of ``x`` with
    ``seg[r] == g`` (a Tensor gives a Tensor of ``nseg`` rows, a RaggedTensor a
    RaggedTensor)."""
    seg = np.asarray(seg, np.int64)
    if isinstance(x, RaggedTensor):
        s = x._splits.astype(np.int64)
        lengths = s[1:] - s[:-1]
        longest = np.zeros(nseg, np.int64)
        if lengths.size:
            np.maximum.at(longest, seg, lengths)
        offsets = np.cumsum(longest) - longest
        rowid = np.repeat(np.arange(len(lengths)), lengths)
        position = np.arange(s[-1]) - s[:-1][rowid]
        values = _combine_rows(kind, x._values, offsets[seg][rowid] + position,
                               int(longest.sum()))
        splits = np.concatenate([[0], np.cumsum(longest)]).astype(x._splits.dtype)
        return RaggedTensor._make(values, splits)
    n = x._value.shape[0]
    counts = np.bincount(seg, minlength=nseg) if seg.size else np.zeros(nseg, np.int64)
    width = int(counts.max()) if counts.size else 0
    order = np.argsort(seg, kind="stable")
    table = np.full((nseg, width), n, np.int64)
    if seg.size:
        sorted_seg = seg[order]
        rank = np.arange(seg.size) - (np.cumsum(counts) - counts)[sorted_seg]
        table[sorted_seg, rank] = order
    pad = Tensor(np.broadcast_to(_identity(kind, x._value.dtype), (1,) + x._value.shape[1:])
                 .copy())
    block = _A.gather(_A.concat([x, pad], 0), table.reshape(-1))
    block = _A.reshape(block, [nseg, width] + list(x._value.shape[1:]))
    return _DENSE[kind](block, axis=1)


def _reduce_one(kind, x, axis):
    """Reduce one axis (non-negative) of a Tensor or RaggedTensor."""
    if not isinstance(x, RaggedTensor):
        return _DENSE[kind](x, axis=axis)
    if axis == 0:
        combined = _combine_rows(kind, x, np.zeros(x.nrows_int, np.int64), 1)
        return combined[0]
    if axis == 1:
        return _combine_rows(kind, x._values, x.value_rowids()._value, x.nrows_int)
    return x.with_values(_reduce_one(kind, x._values, axis - 1))


def _rank(x):
    return x.shape.rank if isinstance(x, RaggedTensor) else x._value.ndim


def _axes(axis, rank, who):
    if isinstance(axis, Tensor):
        axis = axis._value.tolist()
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    out = []
    for a in axes:
        a = int(a)
        if not -rank <= a < rank:
            raise ValueError("%s: axis %d is out of range for a RaggedTensor of rank %d "
                             "(valid: %d to %d)." % (who, a, rank, -rank, rank - 1))
        out.append(a % rank)
    return sorted(set(out), reverse=True)


def _keep(x, axis, who):
    """Put back a dimension of size 1 at ``axis`` (``keepdims=True``)."""
    if not isinstance(x, RaggedTensor):
        return _A.expand_dims(x, axis)
    rr = x.ragged_rank
    if axis > rr:
        return x.with_flat_values(_A.expand_dims(x.flat_values, axis - rr))
    raise NotImplementedError("%s(keepdims=True) on ragged dimension %d of the result is "
                              "not supported; use keepdims=False." % (who, axis))


def _reduce(kind, input_tensor, axis, keepdims, who):
    rt = convert_ragged(input_tensor)
    if not isinstance(rt, RaggedTensor):
        return _DENSE[kind](input_tensor, axis=axis, keepdims=keepdims)
    rank = rt.shape.rank
    if axis is None:
        out = _DENSE[kind](rt.flat_values)
        return _A.reshape(out, [1] * rank) if keepdims else out
    out = rt
    for a in _axes(axis, rank, who):
        out = _reduce_one(kind, out, a)
        if keepdims:
            out = _keep(out, a, who)
    return out


def reduce_sum(input_tensor, axis=None, keepdims=False, name=None):
    return _reduce("sum", input_tensor, axis, keepdims, "reduce_sum")


def reduce_prod(input_tensor, axis=None, keepdims=False, name=None):
    return _reduce("prod", input_tensor, axis, keepdims, "reduce_prod")


def reduce_max(input_tensor, axis=None, keepdims=False, name=None):
    return _reduce("max", input_tensor, axis, keepdims, "reduce_max")


def reduce_min(input_tensor, axis=None, keepdims=False, name=None):
    return _reduce("min", input_tensor, axis, keepdims, "reduce_min")


def reduce_any(input_tensor, axis=None, keepdims=False, name=None):
    return _reduce("any", input_tensor, axis, keepdims, "reduce_any")


def reduce_all(input_tensor, axis=None, keepdims=False, name=None):
    return _reduce("all", input_tensor, axis, keepdims, "reduce_all")


def reduce_mean(input_tensor, axis=None, keepdims=False, name=None):
    """The sum over the present elements divided by their count (an empty row gives NaN);
    integer input gives float64, as TensorFlow's ragged mean does."""
    rt = convert_ragged(input_tensor)
    if not isinstance(rt, RaggedTensor):
        return _R.reduce_mean(input_tensor, axis=axis, keepdims=keepdims)
    flat = rt.flat_values
    if flat._value.dtype.kind in "iub":
        flat = _M.cast(flat, _dt.float64)
        rt = rt.with_flat_values(flat)
    total = _reduce("sum", rt, axis, keepdims, "reduce_mean")
    ones = rt.with_flat_values(Tensor(np.ones(flat._value.shape, flat._value.dtype)))
    count = _reduce("sum", ones, axis, keepdims, "reduce_mean")
    # an empty row divides by NaN (not 0): no 0/0 warning forward or backward, and its NaN
    # gradient only reaches the padding, never the values
    count = count.flat_values if isinstance(count, RaggedTensor) else count
    c = count._value
    count = Tensor(np.where(c > 0, c, np.nan).astype(c.dtype))
    if isinstance(total, RaggedTensor):
        return total.with_flat_values(_M.divide(total.flat_values, count))
    return _M.divide(total, count)
