"""The ``tf.ragged`` functions: ``constant``, ``map_flat_values``, ``range``,
``boolean_mask``, ``stack``, ``cross``, ``stack_dynamic_partitions`` and the conversions
between row splits and segment ids.

Every function takes a RaggedTensor, a dense tensor (or nested Python lists) and ndflow's
``RaggedList`` (converted with ``RaggedTensor.from_ragged_list``).  Values are moved with
ndflow ops (``gather``, ``concat``, ``stack``), so gradients flow through them; row
partitions are integer bookkeeping computed with NumPy.
"""
import builtins

import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.core.errors import InvalidArgumentError
from ndflow.core.ragged import RaggedList
from ndflow.core.tensor import Tensor, convert_to_tensor
from ndflow.ops import array_ops as _A
from ndflow.ragged.ragged_tensor import (RaggedTensor, convert_ragged, _index_arg,
                                         _index_dtype, _take_rows, _same_partition, _wrap)

__all__ = ["constant", "map_flat_values", "range_", "boolean_mask", "stack",
           "row_splits_to_segment_ids", "segment_ids_to_row_splits", "cross",
           "stack_dynamic_partitions"]


def _rank(x):
    return x.shape.rank if isinstance(x, RaggedTensor) else x._value.ndim


def _dense_or_ragged(x):
    """A RaggedTensor (RaggedList converted) or a Tensor."""
    x = convert_ragged(x)
    if isinstance(x, RaggedTensor):
        return x
    return convert_to_tensor(x)


# ---- constant ------------------------------------------------------------------------

def _to_python(x):
    """Nested lists of scalars: NumPy arrays and tensors inside ``x`` become lists."""
    if isinstance(x, Tensor):
        return x._value.tolist()
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, (list, tuple)):
        return [_to_python(y) for y in x]
    return x


def _depths(x, depth, scalar_depths, list_depth):
    if isinstance(x, list):
        list_depth[0] = builtins.max(list_depth[0], depth)
        for y in x:
            _depths(y, depth + 1, scalar_depths, list_depth)
    else:
        scalar_depths.add(depth)


def _values_array(items, dtype, who):
    """The flat values of ``constant`` as a Tensor, with tf.constant's default dtypes."""
    if dtype is not None:
        dt = _dt.as_dtype(dtype)
        try:
            arr = np.asarray(items)
        except ValueError:
            raise ValueError("%s: inner values have inconsistent shape; give a smaller "
                             "ragged_rank or make every innermost list the same length."
                             % who) from None
        if dt._np.kind in "iub" and arr.dtype.kind == "f" and arr.size:
            raise TypeError("Cannot convert %r to a tensor of dtype %s: it holds Python "
                            "floats." % (items if len(items) < 20 else items[:20], dt.name))
        if dt._np == object and arr.size and arr.dtype.kind not in "OUS":
            raise TypeError("%s: cannot convert %s values to dtype string."
                            % (who, _dt.from_numpy(arr.dtype).name))
        if dt._np != object and arr.dtype.kind in "OUS":
            raise TypeError("%s: cannot convert strings to dtype %s." % (who, dt.name))
        return Tensor(arr.astype(dt._np))
    try:
        arr = np.asarray(items)
    except ValueError:
        raise ValueError("%s: inner values have inconsistent shape; give a smaller "
                         "ragged_rank or make every innermost list the same length."
                         % who) from None
    if arr.dtype == object:
        raise ValueError("%s: inner values have inconsistent shape; give a smaller "
                         "ragged_rank or make every innermost list the same length." % who)
    if arr.size == 0 and arr.dtype.kind == "f":
        return Tensor(arr.astype(np.float32))
    return convert_to_tensor(items)   # tf.constant's dtypes: int32 / int64, float32


def constant(pylist, dtype=None, ragged_rank=None, inner_shape=None, name=None,
             row_splits_dtype=_dt.int64):
    """A RaggedTensor from nested Python lists (``tf.ragged.constant``).

    ``ragged_rank`` (default: all but the innermost level and ``inner_shape``) says how
    many dimensions after the first are ragged; deeper lists must be of uniform shape.
    With ``ragged_rank=0`` (or a flat list) the result is an ordinary Tensor."""
    who = "tf.ragged.constant"
    sdt = _index_dtype(row_splits_dtype, "row_splits_dtype")._np
    if isinstance(pylist, (RaggedTensor, RaggedList)):
        rt = convert_ragged(pylist)
        if dtype is not None and _dt.as_dtype(dtype) != rt.dtype:
            raise TypeError("%s: the RaggedTensor has dtype %s, not %s; use "
                            "tf.ragged.map_flat_values(tf.cast, rt, dtype)."
                            % (who, rt.dtype.name, _dt.as_dtype(dtype).name))
        return rt.with_row_splits_dtype(sdt)
    data = _to_python(pylist)
    scalar_depths, list_depth = set(), [-1]
    _depths(data, 0, scalar_depths, list_depth)
    if len(scalar_depths) > 1 or (scalar_depths and list_depth[0] >= min(scalar_depths)):
        raise ValueError("all scalar values must have the same nesting depth")
    has_scalars = bool(scalar_depths)
    depth = scalar_depths.pop() if scalar_depths else list_depth[0] + 1
    if inner_shape is not None:
        inner_shape = tuple(int(d) for d in inner_shape)
    if ragged_rank is None:
        ragged_rank = builtins.max(0, depth - 1 - (len(inner_shape) if inner_shape else 0))
    ragged_rank = int(ragged_rank)
    if ragged_rank < 0:
        raise ValueError("Invalid ragged_rank=%d: must be nonnegative" % ragged_rank)
    if ragged_rank and ragged_rank >= depth:
        raise ValueError("pylist has scalar values depth %d, but ragged_rank=%d requires "
                         "scalar value depth greater than %d"
                         % (depth, ragged_rank, ragged_rank))
    if inner_shape is not None and has_scalars and \
            ragged_rank + 1 + len(inner_shape) != depth:
        raise ValueError("%s: ragged_rank=%d and inner_shape=%s need scalars at depth %d, "
                         "but pylist has them at depth %d."
                         % (who, ragged_rank, inner_shape, ragged_rank + 1 + len(inner_shape),
                            depth))
    if ragged_rank == 0:
        flat = _values_array(data, dtype, who)
        if inner_shape is not None:
            flat = _A.reshape(flat, ([-1] if flat._value.ndim else []) + list(inner_shape)) \
                if flat._value.ndim else flat
        return flat
    items = data
    nested_lengths = []
    for _ in builtins.range(ragged_rank):
        nested_lengths.append([len(x) for x in items])
        items = [y for x in items for y in x]
    flat = _values_array(items, dtype, who)
    if inner_shape is not None:
        try:
            flat = Tensor(flat._value.reshape((-1,) + inner_shape))
        except ValueError:
            raise ValueError("%s: the inner values (shape %s) do not fit inner_shape=%s."
                             % (who, tuple(flat._value.shape[1:]), inner_shape)) from None
    rt = flat
    for lengths in reversed(nested_lengths):
        splits = np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)]).astype(sdt)
        rt = RaggedTensor._make(rt, splits)
    return rt


# ---- map_flat_values ----------------------------------------------------------------

def _replace_ragged(x, found):
    if isinstance(x, (RaggedTensor, RaggedList)):
        x = convert_ragged(x)
        found.append(x)
        return x.flat_values
    if isinstance(x, list):
        return [_replace_ragged(y, found) for y in x]
    if isinstance(x, tuple) and not hasattr(x, "_fields"):
        return tuple(_replace_ragged(y, found) for y in x)
    if isinstance(x, dict):
        return {k: _replace_ragged(v, found) for k, v in x.items()}
    return x


def map_flat_values(op, *args, **kwargs):
    """``op`` applied to the flat values of the RaggedTensor arguments (which must share
    one row partition); the result keeps that partition.  Other arguments (scalars,
    tensors that broadcast against the flat values) pass through unchanged."""
    found = []
    args = _replace_ragged(list(args), found)
    kwargs = _replace_ragged(kwargs, found)
    if not found:
        return op(*args, **kwargs)
    first = found[0]
    rr = first.ragged_rank
    for rt in found[1:]:
        if rt.ragged_rank != rr:
            raise ValueError("All ragged inputs must have the same ragged_rank.")
        if not _same_partition(first, rt):
            raise InvalidArgumentError(
                "tf.ragged.map_flat_values: the ragged inputs have different row partitions "
                "(row lengths %s and %s); they must be the same."
                % ([x.numpy().tolist() for x in first.nested_row_lengths()],
                   [x.numpy().tolist() for x in rt.nested_row_lengths()]))
    out = op(*args, **kwargs)
    if isinstance(out, (RaggedTensor, RaggedList)):
        raise TypeError("tf.ragged.map_flat_values: op must return a dense tensor, got a %s."
                        % type(out).__name__)
    out = convert_to_tensor(out)
    n = first.flat_values._value.shape[0]
    if out._value.ndim == 0 or out._value.shape[0] != n:
        raise ValueError(
            "tf.ragged.map_flat_values requires that the output of `op` have the same "
            "outer-dimension size as flat_values of any ragged inputs. (output shape: %s; "
            "expected outer dimension size: %d)" % (tuple(out._value.shape), n))
    return first.with_flat_values(out)


# ---- range -----------------------------------------------------------------------------

def range_(starts, limits=None, deltas=1, dtype=None, name=None, row_splits_dtype=_dt.int64):
    """Row ``i`` is ``tf.range(starts[i], limits[i], deltas[i])``; scalars broadcast, and
    ``range(n)`` alone means ``range(0, n)``."""
    if limits is None:
        starts, limits = 0, starts
    sdt = _index_dtype(row_splits_dtype, "row_splits_dtype")._np
    parts = [convert_to_tensor(x) for x in (starts, limits, deltas)]
    for what, t in zip(("starts", "limits", "deltas"), parts):
        if t._value.ndim > 1:
            raise InvalidArgumentError("tf.ragged.range: %s must be a scalar or vector, got "
                                       "shape %s." % (what, tuple(t._value.shape)))
        if t._value.dtype.kind not in "iuf":
            raise TypeError("tf.ragged.range: %s must be numbers, got dtype %s."
                            % (what, t.dtype.name))
    if dtype is not None:
        np_dtype = _dt.as_dtype(dtype)._np
    else:
        kinds = [t._value.dtype for t in parts]
        floats = [d for d in kinds if d.kind == "f"]
        np_dtype = builtins.max(floats, key=lambda d: d.itemsize) if floats else \
            builtins.max(kinds, key=lambda d: d.itemsize)
    arrs = [t._value.astype(np_dtype) for t in parts]
    sizes = {a.shape[0] for a in arrs if a.ndim == 1}
    if len(sizes) > 1:
        raise InvalidArgumentError("tf.ragged.range: starts, limits and deltas must have the "
                                   "same length, got %s." % [tuple(a.shape) for a in arrs])
    n = sizes.pop() if sizes else 1
    s, l, d = (np.broadcast_to(a, (n,)) for a in arrs)
    if np.any(d == 0):
        raise InvalidArgumentError("tf.ragged.range: Requires delta != 0")
    if np.dtype(np_dtype).kind == "f":
        lengths = np.ceil(np.abs((l - s) / d)).astype(np.int64)
        lengths = np.where(((d > 0) & (l > s)) | ((d < 0) & (l < s)), lengths, 0)
    else:
        s64, l64, d64 = (x.astype(np.int64) for x in (s, l, d))
        span = np.where(d64 > 0, l64 - s64, s64 - l64)
        step = np.abs(d64)
        lengths = np.maximum(0, (span + step - 1) // step)
    if np.dtype(np_dtype).kind == "f":
        # each value is the previous one plus delta, rounded in the dtype (as TF does)
        rows = []
        for start, delta, count in zip(s, d, lengths):
            row = np.full(int(count), delta, np_dtype)
            if count:
                row[0] = start
            rows.append(np.cumsum(row, dtype=np_dtype))
        values = np.concatenate(rows).astype(np_dtype) if rows else np.zeros(0, np_dtype)
    else:
        pos = np.arange(int(lengths.sum()), dtype=np.int64) - np.repeat(
            np.cumsum(lengths) - lengths, lengths)
        values = (np.repeat(s.astype(np.int64), lengths) + pos * np.repeat(
            d.astype(np.int64), lengths)).astype(np_dtype)
    splits = np.concatenate([[0], np.cumsum(lengths)]).astype(sdt)
    return RaggedTensor._make(Tensor(values), splits)


# ---- row splits <-> segment ids -------------------------------------------------------

def row_splits_to_segment_ids(splits, name=None, out_type=None):
    """``[0, 3, 3, 5] -> [0, 0, 0, 2, 2]``: the row of every value."""
    if isinstance(splits, Tensor) and splits._value.ndim != 1:
        raise ValueError("row_splits_to_segment_ids: splits must have rank 1, got shape %s."
                         % (tuple(splits._value.shape),))
    if not isinstance(splits, Tensor) and np.ndim(splits) != 1:
        raise ValueError("row_splits_to_segment_ids: splits must have rank 1, got shape %s."
                         % (np.shape(splits),))
    s, _ = _index_arg(splits, "row_splits_to_segment_ids: splits")
    if s.size == 0:
        raise ValueError("row_splits_to_segment_ids: splits may not be empty.")
    dt = s.dtype if out_type is None else _index_dtype(out_type, "out_type")._np
    lengths = s[1:] - s[:-1]
    if lengths.size and lengths.min() < 0:
        raise InvalidArgumentError("row_splits_to_segment_ids: splits must be "
                                   "non-decreasing, got %s." % s.tolist()[:20])
    return _wrap(np.repeat(np.arange(len(lengths)), lengths).astype(dt))


def segment_ids_to_row_splits(segment_ids, num_segments=None, out_type=None, name=None):
    """``[0, 0, 0, 2, 2] -> [0, 3, 3, 5]``: row splits from the row of every value
    (``num_segments`` rows; by default ``max(segment_ids) + 1``)."""
    ids, _ = _index_arg(segment_ids, "segment_ids_to_row_splits: segment_ids")
    dt = ids.dtype if out_type is None else _index_dtype(out_type, "out_type")._np
    if ids.size and ids.min() < 0:
        raise InvalidArgumentError("segment_ids_to_row_splits: segment ids must be >= 0.")
    counts = np.bincount(ids) if ids.size else np.zeros(0, np.int64)
    if num_segments is not None:
        n = int(num_segments._value) if isinstance(num_segments, Tensor) else int(num_segments)
        counts = np.concatenate([counts, np.zeros(builtins.max(0, n - counts.size),
                                                  np.int64)])[:n]
    return _wrap(np.concatenate([[0], np.cumsum(counts)]).astype(dt))


# ---- boolean_mask ---------------------------------------------------------------------

def boolean_mask(data, mask, name=None):
    """Keep the items of ``data`` where ``mask`` is True, keeping ``data``'s rank: the
    last masked dimension becomes ragged.  A 1-D mask on dense data gives a dense
    tensor (``tf.boolean_mask``)."""
    data = _dense_or_ragged(data)
    mask = convert_ragged(mask)
    if not isinstance(mask, RaggedTensor):
        mask = convert_to_tensor(mask)
        if mask._value.ndim == 0:
            raise ValueError("tf.ragged.boolean_mask: mask cannot be scalar.")
    if mask.dtype != _dt.bool_:
        raise TypeError("tf.ragged.boolean_mask: mask must have dtype bool, got %s."
                        % mask.dtype.name)
    if _rank(mask) > _rank(data):
        raise ValueError("tf.ragged.boolean_mask: mask (rank %d) may not have a higher rank "
                         "than data (rank %d)." % (_rank(mask), _rank(data)))
    return _mask(data, mask)


def _mask(data, mask):
    if not isinstance(mask, RaggedTensor) and mask._value.ndim == 1:
        keep = mask._value
        n = data.nrows_int if isinstance(data, RaggedTensor) else data._value.shape[0]
        if keep.shape[0] != n:
            raise ValueError("tf.ragged.boolean_mask: mask has %d entries but data has %d "
                             "rows." % (keep.shape[0], n))
        if not isinstance(data, RaggedTensor):
            return _A.boolean_mask(data, mask)
        return _take_rows(data, np.flatnonzero(keep))
    if not isinstance(mask, RaggedTensor):
        mask = RaggedTensor.from_tensor(mask)
    if not isinstance(data, RaggedTensor):
        data = RaggedTensor.from_tensor(data)
    if data.nrows_int != mask.nrows_int or not np.array_equal(data._splits, mask._splits):
        raise InvalidArgumentError(
            "tf.ragged.boolean_mask: data and mask have different row lengths (%s and %s); "
            "the mask needs one entry per item." % (data.row_lengths().numpy().tolist(),
                                                    mask.row_lengths().numpy().tolist()))
    values = _mask(data._values, mask._values)
    if isinstance(mask._values, RaggedTensor) or mask._values._value.ndim > 1:
        splits = data._splits
    else:
        kept = np.concatenate([[0], np.cumsum(mask._values._value, dtype=np.int64)])
        splits = kept[data._splits.astype(np.int64)].astype(data._splits.dtype)
    return RaggedTensor._make(values, splits)


# ---- stack -----------------------------------------------------------------------------

def _concat_rows(parts):
    """All rows of ``parts`` (Tensors, or RaggedTensors of one ragged_rank) in order."""
    if not isinstance(parts[0], RaggedTensor):
        return _A.concat(parts, 0) if len(parts) > 1 else parts[0]
    values = _concat_rows([p._values for p in parts])
    dt = parts[0]._splits.dtype
    pieces, offset = [np.zeros(1, dt)], 0
    for p in parts:
        pieces.append((p._splits[1:].astype(np.int64) + offset).astype(dt))
        offset += int(p._splits[-1])
    return RaggedTensor._make(values, np.concatenate(pieces))


def _stack_ragged(parts, axis):
    if axis == 0:
        counts = [p.nrows_int for p in parts]
        outer = np.concatenate([[0], np.cumsum(counts)]).astype(parts[0]._splits.dtype)
        return RaggedTensor._make(_concat_rows(parts), outer)
    n = parts[0].nrows_int
    if any(p.nrows_int != n for p in parts):
        raise InvalidArgumentError(
            "tf.ragged.stack: to stack along axis %d every input needs the same number of "
            "rows, got %s." % (axis, [p.nrows_int for p in parts]))
    k = len(parts)
    dt = parts[0]._splits.dtype
    if axis == 1:
        rows = _concat_rows(parts)
        order = (np.arange(k)[None, :] * n + np.arange(n)[:, None]).reshape(-1)
        inner = _take_rows(rows, order)
        return RaggedTensor._make(inner, (np.arange(n + 1) * k).astype(dt))
    for p in parts[1:]:
        if not np.array_equal(p._splits, parts[0]._splits):
            raise InvalidArgumentError(
                "tf.ragged.stack: to stack along axis %d the inputs need the same row "
                "lengths, got %s and %s." % (axis, parts[0].row_lengths().numpy().tolist(),
                                             p.row_lengths().numpy().tolist()))
    values = [p._values for p in parts]
    if isinstance(values[0], RaggedTensor):
        stacked = _stack_ragged(values, axis - 1)
    else:
        stacked = _A.stack(values, axis - 1)
    return RaggedTensor._make(stacked, parts[0]._splits)


def _drop_uniform(rt):
    if not isinstance(rt, RaggedTensor):
        return rt
    return RaggedTensor._make(_drop_uniform(rt._values), rt._splits)


def stack(values, axis=0, name=None):
    """Stack tensors and RaggedTensors of one rank into a RaggedTensor one rank higher;
    along axis 0 the inputs may have different numbers of rows."""
    if isinstance(values, (Tensor, RaggedTensor)):
        raise TypeError("tf.ragged.stack: values must be a list of tensors or "
                        "RaggedTensors.")
    values = list(values)
    if not values:
        raise ValueError("rt_inputs may not be empty.")
    parts = []
    for v in values:
        v = convert_ragged(v)
        if not isinstance(v, RaggedTensor):
            v = convert_to_tensor(v) if isinstance(v, Tensor) or not isinstance(
                v, (list, tuple)) else _list_input(v)
        parts.append(v)
    ranks = [_rank(p) for p in parts]
    if len(set(ranks)) != 1:
        raise ValueError("tf.ragged.stack: all inputs must have the same rank, got ranks %s."
                         % ranks)
    rank = ranks[0]
    if not -(rank + 1) <= axis <= rank:
        raise ValueError("tf.ragged.stack: axis=%d out of bounds: expected %d<=axis<=%d"
                         % (axis, -(rank + 1), rank))
    axis %= rank + 1
    dtypes = {p.dtype for p in parts}
    if len(dtypes) != 1:
        raise InvalidArgumentError("tf.ragged.stack: all inputs must have the same dtype, got "
                                   "%s; cast them first." % [p.dtype.name for p in parts])
    if all(not isinstance(p, RaggedTensor) for p in parts) and axis > 0:
        return _A.stack(parts, axis)
    if rank == 1:
        lengths = np.array([p._value.shape[0] for p in parts], np.int64)
        flat = _A.concat(parts, 0) if len(parts) > 1 else parts[0]
        # TensorFlow partitions stacked vectors with int32 splits
        return RaggedTensor._make(flat, np.concatenate([[0], np.cumsum(lengths)]).astype(
            np.int32))
    rr = builtins.max([p.ragged_rank for p in parts if isinstance(p, RaggedTensor)] or [1])
    converted = []
    for p in parts:
        if not isinstance(p, RaggedTensor):
            p = RaggedTensor.from_tensor(p, ragged_rank=builtins.min(rr, rank - 1))
        converted.append(_drop_uniform(p))
    if len({p.ragged_rank for p in converted}) != 1:
        raise ValueError("tf.ragged.stack: the inputs have different ragged ranks %s."
                         % [p.ragged_rank for p in converted])
    if len({p._splits.dtype for p in converted}) != 1:
        converted = [p.with_row_splits_dtype(_dt.int64) for p in converted]
    return _stack_ragged(converted, axis)


def _list_input(v):
    try:
        return convert_to_tensor(v)
    except ValueError:
        return constant(v)


# ---- cross -----------------------------------------------------------------------------

def _text(x):
    if isinstance(x, bytes):
        return x.decode("utf-8", "surrogateescape")
    return str(x)


def cross(inputs, name=None):
    """Per row, every combination of one value from each input joined with ``"_X_"``
    (``tf.ragged.cross``).  Inputs are 2-D: RaggedTensors or dense tensors of strings or
    integers, all with the same number of rows."""
    rows = []
    for i, x in enumerate(inputs):
        x = _dense_or_ragged(x)
        if _rank(x) != 2:
            raise InvalidArgumentError("tf.ragged.cross only supports inputs with rank=2, "
                                       "got rank %d for inputs[%d]." % (_rank(x), i))
        if x.dtype != _dt.string and x.dtype._np.kind not in "iu":
            raise ValueError("Unexpected dtype for inputs[%d]: %s (tf.ragged.cross takes "
                             "strings or integers)." % (i, x.dtype.name))
        if isinstance(x, RaggedTensor):
            flat = x.flat_values._value.tolist()
            s = x._splits
            rows.append([flat[s[j]:s[j + 1]] for j in builtins.range(len(s) - 1)])
        else:
            rows.append(x._value.tolist())
    if not rows:
        raise ValueError("tf.ragged.cross: inputs may not be empty.")
    n = len(rows[0])
    if any(len(r) != n for r in rows):
        raise InvalidArgumentError("tf.ragged.cross: inputs must all have the same batch "
                                   "dimension size, got %s." % [len(r) for r in rows])
    out, lengths = [], []
    for j in builtins.range(n):
        combos = [""]
        for k, feature in enumerate(rows):
            sep = "_X_" if k else ""
            combos = [c + sep + _text(v) for c in combos for v in feature[j]]
        out.extend(combos)
        lengths.append(len(combos))
    flat = np.empty(len(out), dtype=object)
    flat[:] = out
    return RaggedTensor._make(Tensor(flat), np.concatenate([[0], np.cumsum(lengths)]).astype(
        np.int64))


# ---- stack_dynamic_partitions ---------------------------------------------------------

def stack_dynamic_partitions(data, partitions, num_partitions, name=None):
    """Row ``p`` of the result holds, in order, the items of ``data`` whose partition
    is ``p``."""
    data = _dense_or_ragged(data)
    parts = np.asarray(convert_to_tensor(partitions)._value)
    if parts.dtype.kind not in "iu":
        raise TypeError("tf.ragged.stack_dynamic_partitions: partitions must be integers, "
                        "got %s." % parts.dtype)
    num = int(num_partitions._value) if isinstance(num_partitions, Tensor) else \
        int(num_partitions)
    if parts.size and (parts.min() < 0 or parts.max() >= num):
        raise InvalidArgumentError("tf.ragged.stack_dynamic_partitions: partitions must be "
                                   "in [0, num_partitions=%d), got %s."
                                   % (num, parts.reshape(-1).tolist()[:20]))
    if parts.ndim > 1:
        if isinstance(data, RaggedTensor):
            raise ValueError("tf.ragged.stack_dynamic_partitions: partitions of rank > 1 "
                             "need dense data.")
        if data._value.shape[:parts.ndim] != parts.shape:
            raise ValueError("tf.ragged.stack_dynamic_partitions: partitions shape %s must "
                             "match the leading dimensions of data %s."
                             % (parts.shape, tuple(data._value.shape)))
        data = _A.reshape(data, [-1] + list(data._value.shape[parts.ndim:]))
        parts = parts.reshape(-1)
    n = data.nrows_int if isinstance(data, RaggedTensor) else data._value.shape[0]
    if parts.shape[0] != n:
        raise ValueError("tf.ragged.stack_dynamic_partitions: %d partitions for %d items of "
                         "data." % (parts.shape[0], n))
    order = np.argsort(parts, kind="stable")
    counts = np.bincount(parts, minlength=num) if parts.size else np.zeros(num, np.int64)
    splits_dtype = parts.dtype if parts.dtype in (np.int32, np.int64) else np.int64
    return RaggedTensor._make(_take_rows(data, order),
                              np.concatenate([[0], np.cumsum(counts)]).astype(splits_dtype))
