"""``tf.RaggedTensor``: a tensor whose rows may have different lengths.

A RaggedTensor is a ``values`` tensor (one ndflow ``Tensor`` of any dtype, or another
RaggedTensor for ``ragged_rank > 1``) cut into rows by ``row_splits``: row ``i`` is
``values[row_splits[i]:row_splits[i + 1]]``.  Following the splits down to the innermost
level gives ``flat_values``, the only place the numbers live.  The row partitions are
small int64 (or int32) tensors computed with NumPy; every transformation of the *values*
(``to_tensor``, slicing, arithmetic, ``tf.ragged.map_flat_values``) is written with ndflow
ops, so a ``GradientTape`` sees through a RaggedTensor to its flat values.

Besides TensorFlow's API it takes the ``RaggedList`` that ndflow's ``tf.strings`` functions
return wherever a RaggedTensor is accepted (see ``from_ragged_list``).
"""
import operator

import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.core.errors import InvalidArgumentError
from ndflow.core.ragged import RaggedList
from ndflow.core.shape import TensorShape
from ndflow.core.tensor import Tensor, convert_to_tensor
from ndflow.ops import array_ops as _A
from ndflow.ops._base import binary_args

__all__ = ["RaggedTensor", "convert_ragged", "is_ragged"]

_INDEX_NP = (np.dtype(np.int32), np.dtype(np.int64))


# ---- small helpers -----------------------------------------------------------------

def _wrap(array):
    return Tensor(np.asarray(array))


def is_ragged(x):
    return isinstance(x, RaggedTensor)


def convert_ragged(x):
    """``x`` as a RaggedTensor when it is one or a ``RaggedList``; otherwise unchanged."""
    if isinstance(x, RaggedTensor):
        return x
    if isinstance(x, RaggedList):
        return RaggedTensor.from_ragged_list(x)
    return x


def _index_dtype(dtype, what):
    dt = _dt.as_dtype(dtype)
    if dt._np not in _INDEX_NP:
        raise ValueError("%s must be tf.int32 or tf.int64, got %s." % (what, dt.name))
    return dt


def _index_arg(x, what, dtype=None):
    """A 1-D integer NumPy array from ``x`` and whether its dtype was explicit (a Tensor
    or an integer NumPy array keeps int32/int64; Python lists become ``dtype`` or int64)."""
    if isinstance(x, Tensor):
        arr, explicit = x._value, True
    elif isinstance(x, np.ndarray):
        arr, explicit = x, x.dtype.kind in "iu"
    else:
        arr, explicit = np.asarray(x), False
        if arr.size == 0 and arr.dtype.kind == "f":
            arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iu":
        raise ValueError("%s must have dtype int32 or int64, got %s: %r."
                         % (what, _dt.from_numpy(arr.dtype).name, x))
    if arr.ndim != 1:
        raise ValueError("%s must be a 1-D vector, got shape %s." % (what, tuple(arr.shape)))
    if explicit:
        if arr.dtype not in _INDEX_NP:
            arr = arr.astype(np.int64)
    else:
        arr = arr.astype(np.int64 if dtype is None else _dt.as_dtype(dtype)._np)
    return arr, explicit


def _nvals(values):
    if isinstance(values, RaggedTensor):
        return values.nrows_int
    return values._value.shape[0]


def _values_arg(values, who):
    """The ``values`` argument of a factory: a RaggedTensor (a RaggedList is converted)
    or a Tensor of rank >= 1 (a Variable is read, so later assigns don't leak in)."""
    if isinstance(values, RaggedTensor):
        return values
    if isinstance(values, RaggedList):
        return RaggedTensor.from_ragged_list(values)
    t = convert_to_tensor(values)
    if getattr(t, "_is_variable", False):
        t = t.value()
    if t._value.ndim == 0:
        raise ValueError("%s: values must have rank >= 1 (a vector of values, one row "
                         "per group), got a scalar %r." % (who, t))
    return t


def _ranges(starts, lengths):
    """``concat([arange(s, s + n) for s, n in zip(starts, lengths)])`` without a loop."""
    starts = np.asarray(starts, np.int64)
    lengths = np.asarray(lengths, np.int64)
    total = int(lengths.sum()) if lengths.size else 0
    if total == 0:
        return np.zeros(0, np.int64)
    offsets = np.cumsum(lengths) - lengths
    return np.arange(total, dtype=np.int64) + np.repeat(starts - offsets, lengths)


def _take_rows(values, rows):
    """Rows ``rows`` (a NumPy int vector) of a Tensor or RaggedTensor (differentiable)."""
    rows = np.asarray(rows, np.int64)
    if not isinstance(values, RaggedTensor):
        return _A.gather(values, rows)
    s = values._splits
    lengths = (s[1:] - s[:-1])[rows] if rows.size else np.zeros(0, np.int64)
    splits = np.concatenate([[0], np.cumsum(lengths)]).astype(s.dtype)
    inner = _take_rows(values._values, _ranges(s[:-1][rows] if rows.size else [], lengths))
    return RaggedTensor._make(inner, splits)


def _slice_rows(values, start, stop):
    """Rows ``start:stop`` of a Tensor or RaggedTensor (a contiguous slice)."""
    if not isinstance(values, RaggedTensor):
        return _A.getitem(values, slice(int(start), int(stop)))
    s = values._splits
    splits = s[start:stop + 1] - s[start]
    inner = _slice_rows(values._values, s[start], s[stop])
    return RaggedTensor._make(inner, splits, values._uniform)


def _check_splits(splits, nvals, who):
    if splits.size == 0:
        raise ValueError("%s: row_splits may not be empty; it holds nrows + 1 offsets "
                         "starting with 0 (e.g. [0] for no rows)." % who)
    if splits[0] != 0:
        raise InvalidArgumentError(
            "Arguments to %s do not form a valid RaggedTensor: row_splits must start with "
            "0, got %s." % (who, splits[:5].tolist()))
    if np.any(splits[1:] < splits[:-1]):
        raise InvalidArgumentError(
            "Arguments to %s do not form a valid RaggedTensor: row_splits must be "
            "non-decreasing, got %s." % (who, splits.tolist()[:20]))
    if splits[-1] != nvals:
        raise InvalidArgumentError(
            "Arguments to %s do not form a valid RaggedTensor: the last row split (%d) "
            "must equal the number of values (%d)." % (who, int(splits[-1]), nvals))


def _check_lengths(lengths, who):
    if lengths.size and lengths.min() < 0:
        raise InvalidArgumentError(
            "Arguments to %s do not form a valid RaggedTensor: row lengths must be >= 0, "
            "got %s." % (who, lengths.tolist()[:20]))


def _splits_for_values(values, arr, explicit, who):
    """Reconcile the dtype of new splits with the ones already inside ``values``."""
    if isinstance(values, RaggedTensor):
        inner = values._splits.dtype
        if arr.dtype != inner:
            if explicit:
                raise ValueError(
                    "%s: the new row partition has dtype %s but the values' row_splits "
                    "have dtype %s; they must match. Convert one with "
                    "rt.with_row_splits_dtype(tf.%s) or tf.cast."
                    % (who, _dt.from_numpy(arr.dtype).name, _dt.from_numpy(inner).name,
                       _dt.from_numpy(arr.dtype).name))
            arr = arr.astype(inner)
    return arr


def _is_vector_list(x):
    """Whether ``x`` is a list/tuple of vectors (not itself one vector of numbers)."""
    if not isinstance(x, (list, tuple)) or not x:
        return False
    first = x[0]
    if isinstance(first, Tensor):
        return first._value.ndim == 1
    return isinstance(first, (list, tuple, np.ndarray))


def _is_int_key(k):
    if isinstance(k, (bool, np.bool_)):
        return False
    if isinstance(k, (int, np.integer)):
        return True
    if isinstance(k, Tensor):
        return k._value.ndim == 0 and k._value.dtype.kind in "iu"
    return False


def _format_element(x):
    if isinstance(x, np.ndarray):
        if x.size == 0:
            return str(x.tolist())
        return np.array2string(x, separator=", ")
    if isinstance(x, (str, bytes)):
        return repr(str(x) if isinstance(x, str) else x)
    return str(x)


# ---- the class ---------------------------------------------------------------------

class RaggedTensor:
    """A tensor with one or more ragged (variable-length) dimensions (``tf.RaggedTensor``).

    Build one with ``tf.ragged.constant`` or a factory (``RaggedTensor.from_row_splits``,
    ``from_row_lengths``, ``from_value_rowids``, ``from_tensor`` ...), never directly.
    """

    # dense Tensors' binary operators step aside for ours (ndflow/ops/overloads.py), and
    # tf.math / tf.reduce_* functions hand RaggedTensors back to us (ndflow/ops/math_ops.py)
    _ndflow_defer_ops = True
    _ndflow_ragged = True

    __slots__ = ("_values", "_row_splits", "_uniform", "__weakref__")
    # NumPy hands ``ndarray + rt`` to rt.__radd__ instead of looping over the array
    __array_ufunc__ = None

    def __init__(self, values=None, row_partition=None, internal=False):
        if internal is not True:
            raise ValueError(
                "The RaggedTensor constructor is private: build one with a factory method "
                "such as tf.RaggedTensor.from_row_splits(values, row_splits), "
                "from_row_lengths, from_value_rowids, from_tensor, or tf.ragged.constant.")
        self._values = values
        self._row_splits = row_partition
        self._uniform = None

    @classmethod
    def _make(cls, values, splits, uniform=None):
        """Build without validation (``splits`` a NumPy int32/int64 vector)."""
        rt = object.__new__(cls)
        rt._values = values
        rt._row_splits = _wrap(splits)
        rt._uniform = uniform
        return rt

    @property
    def _splits(self):
        return self._row_splits._value

    @property
    def nrows_int(self):
        return self._row_splits._value.shape[0] - 1

    # ---- factories -------------------------------------------------------------------
    @classmethod
    def from_ragged_list(cls, ragged_list):
        """The RaggedTensor holding the rows of an ndflow ``RaggedList`` (what the
        ``tf.strings`` functions return): leaf rows are concatenated with ``tf.concat``,
        so gradients flow back to them."""
        rows = list(ragged_list)
        nested = [isinstance(r, RaggedList) for r in rows]
        if any(nested):
            if not all(nested):
                raise ValueError(
                    "RaggedTensor.from_ragged_list: the rows mix nested RaggedLists and "
                    "tensors; all rows of one level must be of the same kind.")
            inner = cls.from_ragged_list(RaggedList([x for r in rows for x in r]))
            lengths = np.array([len(r) for r in rows], np.int64)
            return cls._make(inner, np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64))
        tensors = [r if isinstance(r, Tensor) else convert_to_tensor(r) for r in rows]
        for t in tensors:
            if t._value.ndim == 0:
                raise ValueError("RaggedTensor.from_ragged_list: every row must be a tensor "
                                 "of rank >= 1, got a scalar %r." % (t,))
        if not tensors:
            flat = Tensor(np.empty(0, dtype=object))
        elif len(tensors) == 1:
            flat = tensors[0]
        else:
            flat = _A.concat(tensors, 0)
        lengths = np.array([t._value.shape[0] for t in tensors], np.int64)
        return cls._make(flat, np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64))

    @classmethod
    def from_row_splits(cls, values, row_splits, name=None, validate=True):
        """Rows ``values[row_splits[i]:row_splits[i + 1]]``."""
        values = _values_arg(values, "from_row_splits")
        splits, explicit = _index_arg(row_splits, "row_splits")
        if splits.size == 0:
            raise ValueError("from_row_splits: row_splits may not be empty; it holds "
                             "nrows + 1 offsets starting with 0 (e.g. [0] for no rows).")
        splits = _splits_for_values(values, splits, explicit, "from_row_splits")
        if validate:
            _check_splits(splits, _nvals(values), "from_row_splits")
        return cls._make(values, splits)

    @classmethod
    def from_row_lengths(cls, values, row_lengths, name=None, validate=True):
        """Row ``i`` holds the next ``row_lengths[i]`` values."""
        values = _values_arg(values, "from_row_lengths")
        lengths, explicit = _index_arg(row_lengths, "row_lengths")
        if validate:
            _check_lengths(lengths, "from_row_lengths")
        splits = np.concatenate([[0], np.cumsum(lengths)]).astype(lengths.dtype)
        splits = _splits_for_values(values, splits, explicit, "from_row_lengths")
        if validate:
            _check_splits(splits, _nvals(values), "from_row_lengths")
        return cls._make(values, splits)

    @classmethod
    def from_row_starts(cls, values, row_starts, name=None, validate=True):
        """Row ``i`` starts at ``row_starts[i]`` and ends where the next one starts."""
        values = _values_arg(values, "from_row_starts")
        starts, explicit = _index_arg(row_starts, "row_starts")
        n = _nvals(values)
        splits = np.concatenate([starts, [n]]).astype(starts.dtype)
        splits = _splits_for_values(values, splits, explicit, "from_row_starts")
        if validate:
            _check_splits(splits, n, "from_row_starts")
        return cls._make(values, splits)

    @classmethod
    def from_row_limits(cls, values, row_limits, name=None, validate=True):
        """Row ``i`` ends at ``row_limits[i]`` and starts where the previous one ends."""
        values = _values_arg(values, "from_row_limits")
        limits, explicit = _index_arg(row_limits, "row_limits")
        splits = np.concatenate([[0], limits]).astype(limits.dtype)
        splits = _splits_for_values(values, splits, explicit, "from_row_limits")
        if validate:
            _check_splits(splits, _nvals(values), "from_row_limits")
        return cls._make(values, splits)

    @classmethod
    def from_value_rowids(cls, values, value_rowids, nrows=None, name=None, validate=True):
        """Value ``j`` goes to row ``value_rowids[j]`` (sorted); ``nrows`` adds empty rows
        at the end (default: ``value_rowids[-1] + 1``)."""
        values = _values_arg(values, "from_value_rowids")
        rowids, explicit = _index_arg(value_rowids, "value_rowids")
        n = _nvals(values)
        if rowids.shape[0] != n:
            raise ValueError("from_value_rowids: value_rowids has %d entries but there are "
                             "%d values; give one row id per value."
                             % (rowids.shape[0], n))
        if validate and rowids.size and (rowids[0] < 0 or np.any(rowids[1:] < rowids[:-1])):
            raise InvalidArgumentError(
                "Arguments to from_value_rowids do not form a valid RaggedTensor: "
                "value_rowids must be non-negative and sorted, got %s."
                % rowids.tolist()[:20])
        needed = int(rowids[-1]) + 1 if rowids.size else 0
        if nrows is None:
            nrows = needed
        else:
            nrows = int(nrows._value) if isinstance(nrows, Tensor) else int(nrows)
            if nrows < needed:
                raise ValueError("Expected nrows >= value_rowids[-1] + 1; got nrows=%d, "
                                 "value_rowids[-1]=%d" % (nrows, needed - 1))
        counts = np.bincount(rowids, minlength=nrows) if rowids.size else np.zeros(nrows,
                                                                                   np.int64)
        splits = np.concatenate([[0], np.cumsum(counts)]).astype(rowids.dtype)
        splits = _splits_for_values(values, splits, explicit, "from_value_rowids")
        return cls._make(values, splits)

    @classmethod
    def from_uniform_row_length(cls, values, uniform_row_length, nrows=None, validate=True,
                                name=None):
        """Rows of ``uniform_row_length`` values each (a ragged tensor of uniform shape)."""
        values = _values_arg(values, "from_uniform_row_length")
        length = uniform_row_length
        dtype = np.int64
        if isinstance(length, Tensor):
            dtype = length._value.dtype
            length = length._value
        length = int(length)
        if length < 0:
            raise InvalidArgumentError("from_uniform_row_length: uniform_row_length must be "
                                       ">= 0, got %d." % length)
        n = _nvals(values)
        if length == 0:
            nrows = 0 if nrows is None else int(nrows)
        else:
            if validate and n % length:
                raise InvalidArgumentError(
                    "from_uniform_row_length: the %d values do not split into rows of %d."
                    % (n, length))
            if nrows is not None and int(nrows) != n // length:
                raise InvalidArgumentError(
                    "from_uniform_row_length: nrows=%d but %d values make %d rows of %d."
                    % (int(nrows), n, n // length, length))
            nrows = n // length
        splits = (np.arange(nrows + 1) * length).astype(dtype)
        splits = _splits_for_values(values, splits, isinstance(uniform_row_length, Tensor),
                                    "from_uniform_row_length")
        return cls._make(values, splits, length)

    @classmethod
    def from_nested_row_splits(cls, flat_values, nested_row_splits, name=None, validate=True):
        """Apply ``from_row_splits`` once per splits vector, innermost (last) first."""
        if isinstance(nested_row_splits, (Tensor, np.ndarray)):
            raise TypeError("from_nested_row_splits: nested_row_splits must be a list or "
                            "tuple of 1-D row_splits vectors, got a tensor.")
        result = _values_arg(flat_values, "from_nested_row_splits")
        for splits in reversed(list(nested_row_splits)):
            result = cls.from_row_splits(result, splits, validate=validate)
        return result

    @classmethod
    def from_nested_row_lengths(cls, flat_values, nested_row_lengths, name=None,
                                validate=True):
        """Apply ``from_row_lengths`` once per lengths vector, innermost (last) first."""
        if isinstance(nested_row_lengths, (Tensor, np.ndarray)):
            raise TypeError("from_nested_row_lengths: nested_row_lengths must be a list or "
                            "tuple of 1-D row_lengths vectors, got a tensor.")
        result = _values_arg(flat_values, "from_nested_row_lengths")
        for lengths in reversed(list(nested_row_lengths)):
            result = cls.from_row_lengths(result, lengths, validate=validate)
        return result

    @classmethod
    def from_nested_value_rowids(cls, flat_values, nested_value_rowids, nested_nrows=None,
                                 name=None, validate=True):
        """Apply ``from_value_rowids`` once per row-ids vector, innermost (last) first."""
        if isinstance(nested_value_rowids, (Tensor, np.ndarray)):
            raise TypeError("from_nested_value_rowids: nested_value_rowids must be a list "
                            "or tuple of 1-D value_rowids vectors, got a tensor.")
        ids = list(nested_value_rowids)
        nrows = [None] * len(ids) if nested_nrows is None else list(nested_nrows)
        if len(nrows) != len(ids):
            raise ValueError("from_nested_value_rowids: nested_nrows has %d entries but "
                             "nested_value_rowids has %d." % (len(nrows), len(ids)))
        result = _values_arg(flat_values, "from_nested_value_rowids")
        for rowids, n in zip(reversed(ids), reversed(nrows)):
            result = cls.from_value_rowids(result, rowids, n, validate=validate)
        return result

    @classmethod
    def from_tensor(cls, tensor, lengths=None, padding=None, ragged_rank=1, name=None,
                    row_splits_dtype=_dt.int64):
        """A RaggedTensor from a dense tensor: every row whole (uniform rows), cut to
        ``lengths`` (one vector, or one per ragged dimension), or with trailing
        ``padding`` values dropped from the innermost ragged dimension."""
        if isinstance(tensor, (RaggedTensor, RaggedList)):
            raise TypeError("from_tensor: expected a dense tensor, got a %s; it is already "
                            "ragged." % type(tensor).__name__)
        t = convert_to_tensor(tensor)
        if getattr(t, "_is_variable", False):
            t = t.value()
        shape = t._value.shape
        sdt = _index_dtype(row_splits_dtype, "row_splits_dtype")._np
        if not isinstance(ragged_rank, (int, np.integer)) or ragged_rank <= 0:
            raise ValueError("Argument `ragged_rank` must be greater than 0. Received %r."
                             % (ragged_rank,))
        if len(shape) < 2:
            raise ValueError(
                "The rank of a RaggedTensor must be greater than 1, i.e., a list of scalars "
                "won't have ragged dimensions. Received argument `tensor` with rank %d."
                % len(shape))
        if ragged_rank >= len(shape):
            raise ValueError("from_tensor: ragged_rank=%d needs a tensor of rank at least "
                             "%d, got shape %s." % (ragged_rank, ragged_rank + 1,
                                                    tuple(shape)))
        if lengths is not None and padding is not None:
            raise ValueError("Specify argument `lengths` or `padding`, but not both.")
        k = ragged_rank
        outer, inner = tuple(shape[:k + 1]), tuple(shape[k + 1:])
        flat = _A.reshape(t, [int(np.prod(outer))] + list(inner))
        if lengths is None and padding is None:
            rt = flat
            for level in range(k, 0, -1):
                n = int(np.prod(outer[:level]))
                splits = (np.arange(n + 1) * outer[level]).astype(sdt)
                rt = cls._make(rt, splits, outer[level])
            return rt
        # every position of the leading k+1 dims: which ones are kept
        if padding is not None:
            pad = convert_to_tensor(padding, dtype=t.dtype)._value
            if pad.shape != inner:
                raise ValueError("from_tensor: padding must have the shape of one inner "
                                 "value, %s, got %s." % (inner, tuple(pad.shape)))
            v = t._value.reshape((int(np.prod(outer[:k])), outer[k]) + inner)
            differs = (v != pad).reshape(v.shape[0], outer[k], int(np.prod(inner))).any(axis=2)
            # 1 + the position of the last non-padding value of each row (0: none)
            hits = differs * np.arange(1, outer[k] + 1)
            last = hits.max(axis=1) if outer[k] else np.zeros(differs.shape[0], np.int64)
            rt_lengths = [None] * (k - 1) + [last]
        else:
            if _is_vector_list(lengths):
                # as in TF: a list of explicit int tensors sets the splits dtype
                given = [_index_arg(x, "lengths") for x in lengths]
                if all(explicit for _, explicit in given) and \
                        len({a.dtype for a, _ in given}) == 1:
                    sdt = given[0][0].dtype
            else:
                if k != 1:
                    raise ValueError(
                        "from_tensor: with ragged_rank=%d, lengths must be a list of %d "
                        "row-length vectors (one per ragged dimension)." % (k, k))
                lengths = [lengths]
            if len(lengths) != k:
                raise ValueError("from_tensor: lengths has %d vectors but ragged_rank is "
                                 "%d; give one row-length vector per ragged dimension."
                                 % (len(lengths), k))
            rt_lengths = [_index_arg(x, "lengths")[0] for x in lengths]
        # walk the levels: ``parents`` are the flat indices (into the prefix of dims
        # 0..level-1) of the rows kept so far
        parents = np.arange(outer[0], dtype=np.int64)
        splits_list = []
        uniforms = []
        for level in range(1, k + 1):
            width = outer[level]
            given = rt_lengths[level - 1]
            if given is None:
                lens = np.full(parents.shape[0], width, np.int64)
                uniforms.append(width)
            else:
                given = np.asarray(given, np.int64)
                if given.shape[0] != parents.shape[0]:
                    raise ValueError("from_tensor: row lengths for ragged dimension %d "
                                     "have %d entries, expected %d."
                                     % (level, given.shape[0], parents.shape[0]))
                lens = np.clip(given, 0, width)
                uniforms.append(None)
            splits_list.append(np.concatenate([[0], np.cumsum(lens)]).astype(sdt))
            parents = _ranges(parents * width, lens)
        rt = _A.gather(flat, parents)
        for splits, u in zip(reversed(splits_list), reversed(uniforms)):
            rt = cls._make(rt, splits, u)
        return rt

    # ---- properties ------------------------------------------------------------------
    @property
    def values(self):
        """The concatenated rows (a Tensor, or a RaggedTensor when ragged_rank > 1)."""
        return self._values

    @property
    def flat_values(self):
        """The innermost values: a Tensor of rank ``1 + (rank - 1 - ragged_rank)``."""
        v = self._values
        while isinstance(v, RaggedTensor):
            v = v._values
        return v

    @property
    def row_splits(self):
        return self._row_splits

    @property
    def nested_row_splits(self):
        out = [self._row_splits]
        v = self._values
        while isinstance(v, RaggedTensor):
            out.append(v._row_splits)
            v = v._values
        return tuple(out)

    @property
    def ragged_rank(self):
        r, v = 1, self._values
        while isinstance(v, RaggedTensor):
            r, v = r + 1, v._values
        return r

    @property
    def dtype(self):
        return self.flat_values.dtype

    @property
    def row_splits_dtype(self):
        return _dt.from_numpy(self._splits.dtype)

    @property
    def shape(self):
        """``[nrows, (uniform row length or None) per ragged dimension, inner dims...]``."""
        dims = [self.nrows_int]
        v = self
        while isinstance(v, RaggedTensor):
            dims.append(v._uniform)
            v = v._values
        return TensorShape(dims + list(v._value.shape[1:]))

    def get_shape(self):
        return self.shape

    @property
    def uniform_row_length(self):
        """The length of every row when the rows are known to be uniform, else None."""
        if self._uniform is None:
            return None
        return Tensor(np.asarray(self._uniform, self._splits.dtype))

    # ---- row partition queries --------------------------------------------------------
    def nrows(self, out_type=None, name=None):
        dt = self._splits.dtype if out_type is None else _dt.as_dtype(out_type)._np
        return Tensor(np.asarray(self.nrows_int, dt))

    def row_starts(self, name=None):
        return _wrap(self._splits[:-1])

    def row_limits(self, name=None):
        return _wrap(self._splits[1:])

    def value_rowids(self, name=None):
        s = self._splits
        return _wrap(np.repeat(np.arange(len(s) - 1, dtype=s.dtype), s[1:] - s[:-1]))

    def nested_value_rowids(self, name=None):
        out, v = [], self
        while isinstance(v, RaggedTensor):
            out.append(v.value_rowids())
            v = v._values
        return tuple(out)

    def row_lengths(self, axis=1, name=None):
        """Row lengths along ``axis``: a scalar for 0, a vector for 1, and a ragged
        tensor of lengths for a deeper dimension."""
        rank = self.shape.rank
        if not isinstance(axis, (int, np.integer)) or not -rank <= axis < rank:
            raise ValueError("axis=%r out of bounds: expected %d<=axis<%d"
                             % (axis, -rank, rank))
        axis = int(axis) % rank
        if axis == 0:
            return self.nrows()
        if axis == 1:
            s = self._splits
            return _wrap(s[1:] - s[:-1])
        rr = self.ragged_rank
        if axis <= rr:
            return self.with_values(self._values.row_lengths(axis - 1))
        # a uniform inner dimension: every row there has the same length
        flat = self.flat_values
        inner = flat._value.shape[1:]
        j = axis - rr - 1
        fill = np.full(flat._value.shape[:1] + inner[:j], inner[j], self._splits.dtype)
        return self.with_flat_values(_wrap(fill))

    def nested_row_lengths(self, name=None):
        return tuple(_wrap(s._value[1:] - s._value[:-1]) for s in self.nested_row_splits)

    def bounding_shape(self, axis=None, name=None, out_type=None):
        """The smallest dense shape that holds every row: ``[nrows, longest row, ...]``."""
        dims = [self.nrows_int]
        v = self
        while isinstance(v, RaggedTensor):
            s = v._splits
            dims.append(int((s[1:] - s[:-1]).max()) if len(s) > 1 else 0)
            v = v._values
        dims += list(v._value.shape[1:])
        dt = self._splits.dtype if out_type is None else _dt.as_dtype(out_type)._np
        out = np.asarray(dims, dt)
        if axis is not None:
            if isinstance(axis, Tensor):
                axis = axis._value
            out = out[np.asarray(axis)]
        return _wrap(out)

    # ---- conversion ------------------------------------------------------------------
    def _dense_positions(self):
        """For every flat value, its index along each ragged-or-row dimension:
        ``[row, position in level-1 row, ...]`` (NumPy int64 vectors)."""
        splits = [s._value.astype(np.int64) for s in self.nested_row_splits]
        idx = np.arange(splits[-1][-1] if splits[-1].size else 0, dtype=np.int64)
        positions = []
        for s in reversed(splits):
            lengths = s[1:] - s[:-1]
            parent = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)[idx]
            positions.append(idx - s[:-1][parent])
            idx = parent
        positions.append(idx)
        return positions[::-1]

    def to_tensor(self, default_value=None, name=None, shape=None):
        """A dense tensor: rows padded with ``default_value`` (0, False or '') to the
        bounding shape, or cut / padded to ``shape`` (None entries keep the bound)."""
        flat = self.flat_values
        rr = self.ragged_rank
        inner = tuple(flat._value.shape[1:])
        dims = [int(d) for d in self.bounding_shape()._value[:rr + 1]]
        if shape is not None:
            if isinstance(shape, Tensor):
                shape = shape._value.tolist()
            want = TensorShape(shape)
            if want.rank is not None:
                if want.rank != rr + 1 + len(inner):
                    raise InvalidArgumentError(
                        "to_tensor: shape=%s has rank %d but the RaggedTensor has rank %d."
                        % (want.as_list(), want.rank, rr + 1 + len(inner)))
                w = [None if d is None or d < 0 else d for d in want.as_list()]
                for i in range(rr + 1):
                    if w[i] is not None:
                        dims[i] = w[i]
                for i, d in enumerate(w[rr + 1:]):
                    if d is not None and d != inner[i]:
                        raise InvalidArgumentError(
                            "to_tensor: shape=%s asks for inner dimension %d of size %d but "
                            "the flat values have %d there; only the row and ragged "
                            "dimensions can be cut or padded."
                            % (want.as_list(), rr + 1 + i, d, inner[i]))
        if default_value is None:
            dv = Tensor(np.zeros((), flat._value.dtype) if flat._value.dtype != object
                        else np.asarray("", dtype=object))
        else:
            dv = default_value if isinstance(default_value, Tensor) else convert_to_tensor(
                default_value, dtype=flat.dtype)
            if dv._value.dtype != flat._value.dtype:
                raise ValueError(
                    "to_tensor: default_value has dtype %s but the RaggedTensor has dtype %s."
                    % (dv.dtype.name, flat.dtype.name))
        if dv._value.shape != inner:
            dv = _A.broadcast_to(dv, list(inner))
        n = flat._value.shape[0]
        pos = self._dense_positions()
        keep = np.ones(n, bool)
        for p, d in zip(pos, dims):
            keep &= p < d
        index = np.full(int(np.prod(dims)), n, np.int64)
        if n:
            lin = np.ravel_multi_index(tuple(p[keep] for p in pos), dims)
            index[lin] = np.flatnonzero(keep)
        params = _A.concat([flat, _A.expand_dims(dv, 0)], 0)
        out = _A.gather(params, index)
        return _A.reshape(out, dims + list(inner))

    def to_list(self):
        """Nested Python lists of the values."""
        flat = self.flat_values._value.tolist()
        for s in reversed(self.nested_row_splits):
            s = s._value
            flat = [flat[s[i]:s[i + 1]] for i in range(len(s) - 1)]
        return flat

    def numpy(self):
        """The rows as NumPy arrays: one regular array when every row has the same
        shape, else an object array holding one array per row (as in TensorFlow)."""
        values = self._values.numpy() if isinstance(self._values, RaggedTensor) else \
            self._values.numpy()
        values = np.asarray(values) if not isinstance(values, np.ndarray) else values
        s = self._splits
        rows = [values[s[i]:s[i + 1]] for i in range(len(s) - 1)]
        if not rows:
            return np.zeros((0,) + values.shape, values.dtype)
        try:
            return np.array(rows)
        except ValueError:
            pass
        try:
            return np.array(rows, dtype=object)
        except ValueError:
            out = np.empty(len(rows), dtype=object)
            for i, r in enumerate(rows):
                out[i] = r
            return out

    def to_sparse(self, name=None):
        raise NotImplementedError("RaggedTensor.to_sparse: ndflow's tf.SparseTensor "
                                  "conversion is not available yet.")

    def merge_dims(self, outer_axis, inner_axis):
        """Merge dimensions ``outer_axis`` .. ``inner_axis`` into one; merging every
        ragged dimension gives a dense Tensor."""
        rank = self.shape.rank
        for name, a in (("outer_axis", outer_axis), ("inner_axis", inner_axis)):
            if not -rank <= a < rank:
                raise ValueError("merge_dims: %s=%d out of bounds: expected %d<=axis<%d"
                                 % (name, a, -rank, rank))
        o, i = outer_axis % rank, inner_axis % rank
        if o > i:
            raise ValueError("Expected outer_axis (%d) to be less than or equal to "
                             "inner_axis (%d)." % (outer_axis, inner_axis))
        if o == i:
            return self
        if o == 0:
            return _merge_leading(self, i)[0]
        if o > 1:
            return self.with_values(_merge_any(self._values, o - 1, i - 1))
        merged, boundary = _merge_leading(self._values, i - 1)
        return type(self)._make(merged, boundary(self._splits).astype(self._splits.dtype))

    # ---- new tensors with the same partition ---------------------------------------
    def with_values(self, new_values):
        """The same row partition over ``new_values`` (as many rows as ``values``)."""
        new_values = convert_ragged(new_values)
        if not isinstance(new_values, RaggedTensor):
            new_values = convert_to_tensor(new_values)
            if new_values._value.ndim == 0:
                raise ValueError("with_values: new_values must have rank >= 1, got a "
                                 "scalar.")
        if _nvals(new_values) != _nvals(self._values):
            raise ValueError("with_values: new_values has %d rows but values has %d; the "
                             "row partition needs the same number."
                             % (_nvals(new_values), _nvals(self._values)))
        splits = self._splits
        if isinstance(new_values, RaggedTensor) and new_values._splits.dtype != splits.dtype:
            raise ValueError("with_values: new_values has row_splits of dtype %s but this "
                             "RaggedTensor's are %s."
                             % (new_values.row_splits_dtype.name, self.row_splits_dtype.name))
        return type(self)._make(new_values, splits, self._uniform)

    def with_flat_values(self, new_values):
        """The same nested row partitions over new flat values."""
        if isinstance(self._values, RaggedTensor):
            return self.with_values(self._values.with_flat_values(new_values))
        return self.with_values(new_values)

    def with_row_splits_dtype(self, dtype):
        dt = _index_dtype(dtype, "with_row_splits_dtype: dtype")._np
        values = self._values
        if isinstance(values, RaggedTensor):
            values = values.with_row_splits_dtype(dtype)
        return type(self)._make(values, self._splits.astype(dt), self._uniform)

    # ---- indexing and iteration --------------------------------------------------------
    def __getitem__(self, key):
        if isinstance(key, list):
            key = tuple(key)
        if not isinstance(key, tuple):
            key = (key,)
        for k in key:
            if not (k is None or k is Ellipsis or isinstance(k, slice) or _is_int_key(k)):
                raise TypeError(
                    "Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and "
                    "scalar tf.int32/tf.int64 tensors are valid indices, got %r" % (k,))
        if sum(k is Ellipsis for k in key) > 1:
            raise ValueError("An index can only have a single ellipsis ('...').")
        if any(k is Ellipsis for k in key):
            at = next(j for j, k in enumerate(key) if k is Ellipsis)
            used = sum(1 for k in key if k is not None and k is not Ellipsis)
            fill = max(self.shape.rank - used, 0)
            key = key[:at] + (slice(None),) * fill + key[at + 1:]
        return _getitem(self, key)

    def __iter__(self):
        for i in range(self.nrows_int):
            yield self[i]

    def _ndflow_binary(self, fn, other, reflected):
        """``fn(self, other)`` (``fn(other, self)`` when ``reflected``) for a dense binary
        function ``fn`` such as tf.math.add: applied to the flat values."""
        return _binary(fn, getattr(fn, "__name__", "op"), reflected)(self, other)

    def _ndflow_reduce(self, kind, axis=None, keepdims=False):
        """``tf.reduce_<kind>(self, axis, keepdims)`` (kind: sum, mean, max, min, prod,
        any, all): a hook for ndflow's dense reductions to call on ragged input."""
        from ndflow.ragged import ragged_math
        return getattr(ragged_math, "reduce_" + kind)(self, axis=axis, keepdims=keepdims)

    # ---- Python protocols ---------------------------------------------------------------
    def __bool__(self):
        raise TypeError("RaggedTensor may not be used as a boolean.")

    def __hash__(self):
        raise TypeError("RaggedTensor is unhashable.")

    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            "A RaggedTensor (shape %s) can't be converted to a dense array: its rows have "
            "different lengths. Use rt.to_tensor() for a padded tensor, rt.flat_values for "
            "the values, rt.numpy() for NumPy rows, or tf.ragged.map_flat_values(op, rt) "
            "to apply a dense op (put the RaggedTensor on the left of an operator: "
            "rt + dense, not dense + rt)." % (self.shape,))

    def __repr__(self):
        with np.printoptions(formatter={"all": _format_element}):
            text = _format_element(self.numpy())
        return "<tf.RaggedTensor %s>" % text

    __str__ = __repr__

    def __copy__(self):
        return self

    def __reduce__(self):
        levels, v = [], self
        while isinstance(v, RaggedTensor):
            levels.append((v._splits, v._uniform))
            v = v._values
        return (_rebuild, (v, tuple(levels)))


def _rebuild(flat_values, levels):
    rt = flat_values
    for splits, uniform in reversed(levels):
        rt = RaggedTensor._make(rt, splits, uniform)
    return rt


# ---- merge_dims helpers ---------------------------------------------------------------

def _merge_leading(x, k):
    """Merge dims 0..k (k >= 1) of a Tensor or RaggedTensor.  Returns the result and a
    function taking old dim-0 row boundaries (a NumPy vector) to the new ones."""
    if not isinstance(x, RaggedTensor):
        shape = x._value.shape
        width = int(np.prod(shape[1:k + 1]))
        return _A.reshape(x, [-1] + list(shape[k + 1:])), (lambda b: b * width)
    s = x._splits
    if k == 1:
        return x._values, (lambda b: s[b])
    merged, inner = _merge_leading(x._values, k - 1)
    return merged, (lambda b: inner(s[b]))


def _merge_any(x, o, i):
    if isinstance(x, RaggedTensor):
        return x.merge_dims(o, i)
    shape = x._value.shape
    return _A.reshape(x, list(shape[:o]) + [-1] + list(shape[i + 1:]))


# ---- indexing helpers -----------------------------------------------------------------

def _to_int(k):
    return int(k._value) if isinstance(k, Tensor) else int(k)


def _getitem(rt, key):
    """``rt[key]`` with ``key`` a tuple without Ellipsis."""
    if not key:
        return rt
    k0, rest = key[0], key[1:]
    if k0 is None:
        expanded = RaggedTensor._make(rt, np.asarray([0, rt.nrows_int], rt._splits.dtype),
                                      rt.nrows_int)
        return _getitem_inner(expanded, rest) if rest else expanded
    n = rt.nrows_int
    s = rt._splits
    if _is_int_key(k0):
        i = _to_int(k0)
        if not -n <= i < n:
            raise IndexError("Row key %d out of bounds for a RaggedTensor with %d rows."
                             % (i, n))
        i %= n
        row = _slice_rows(rt._values, s[i], s[i + 1])
        if not rest:
            return row
        if isinstance(row, RaggedTensor):
            return _getitem(row, rest)
        return _A.getitem(row, rest)
    # a slice of the rows, then the rest applies to the dimensions inside each row
    start, stop, step = k0.indices(n)
    if step == 1:
        stop = max(stop, start)
        rows = _slice_rows(rt, start, stop)
    else:
        rows = _take_rows(rt, np.arange(start, stop, step))
    return _getitem_inner(rows, rest)


def _getitem_inner(rt, key):
    """Apply ``key`` to dimensions 1.. of ``rt`` (its rows are kept)."""
    if not key:
        return rt
    k1, rest = key[0], key[1:]
    if k1 is None:
        raise ValueError("tf.newaxis is only supported as the first index of a "
                         "RaggedTensor.")
    if _is_int_key(k1):
        if rt._uniform is None:
            raise ValueError("Cannot index into an inner ragged dimension.")
        # uniform rows (from_tensor, from_uniform_row_length): pick one column
        j, u = _to_int(k1), rt._uniform
        if not -u <= j < u:
            raise IndexError("Index %d out of bounds for rows of length %d." % (j, u))
        picked = _take_rows(rt._values, rt._splits[:-1].astype(np.int64) + j % u)
        if not rest:
            return picked
        if isinstance(picked, RaggedTensor):
            return _getitem_inner(picked, rest)
        return _A.getitem(picked, (slice(None),) + tuple(
            _to_int(k) if isinstance(k, Tensor) else k for k in rest))
    if k1 != slice(None):
        rt = _slice_within_rows(rt, k1)
    if not rest:
        return rt
    values = rt._values
    if isinstance(values, RaggedTensor):
        new_values = _getitem_inner(values, rest)
    else:
        new_values = _A.getitem(values, (slice(None),) + tuple(
            _to_int(k) if isinstance(k, Tensor) else k for k in rest))
    return RaggedTensor._make(new_values, rt._splits, rt._uniform)


def _slice_within_rows(rt, sl):
    """``rt[:, sl]``: the same slice taken inside every row."""
    s = rt._splits.astype(np.int64)
    lengths = s[1:] - s[:-1]
    picks, counts = [], []
    for start, length in zip(s[:-1], lengths):
        a, b, c = sl.indices(int(length))
        r = np.arange(a, b, c, dtype=np.int64)
        picks.append(start + r)
        counts.append(r.size)
    idx = np.concatenate(picks) if picks else np.zeros(0, np.int64)
    splits = np.concatenate([[0], np.cumsum(counts)]).astype(rt._splits.dtype)
    uniform = None if rt._uniform is None else len(range(rt._uniform)[sl])
    return RaggedTensor._make(_take_rows(rt._values, idx), splits, uniform)


# ---- element-wise operators ----------------------------------------------------------

def _same_partition(a, b):
    sa, sb = a.nested_row_splits, b.nested_row_splits
    if len(sa) != len(sb):
        return False
    return all(x._value.shape == y._value.shape and np.array_equal(x._value, y._value)
               for x, y in zip(sa, sb))


def _dense_for_flat(rt, dense, opname):
    """``dense`` rearranged to broadcast against ``rt.flat_values``: dense dims that line
    up with the rows or ragged dimensions must be 1 (or match nrows / a uniform length)."""
    flat = rt.flat_values
    inner = flat._value.shape[1:]
    d = dense._value.ndim
    if d <= len(inner):
        return dense
    rr = rt.ragged_rank
    rank = 1 + rr + len(inner)
    if d > rank:
        raise ValueError("%s: a tensor of shape %s has a higher rank than the RaggedTensor "
                         "(shape %s) it is combined with." % (opname, tuple(dense._value.shape),
                                                              rt.shape))
    dshape = (1,) * (rank - d) + tuple(dense._value.shape)
    outer, dinner = dshape[:rr + 1], dshape[rr + 1:]
    uniform = [rt.nrows_int]
    v = rt
    while isinstance(v, RaggedTensor):
        uniform.append(v._uniform)
        v = v._values
    for j, (dd, u) in enumerate(zip(outer, uniform)):
        if dd != 1 and dd != u:
            what = "the %d rows" % u if j == 0 else "ragged dimension %d" % j
            raise InvalidArgumentError(
                "%s: a tensor of shape %s does not broadcast against the RaggedTensor of "
                "shape %s: its dimension %d (size %d) lines up with %s and must be 1%s."
                % (opname, tuple(dense._value.shape), rt.shape, j - (rank - d), dd, what,
                   " or %d" % u if u is not None else ""))
    dense = _A.reshape(dense, list(dshape)) if d != rank else dense
    if all(dd == 1 for dd in outer):
        return _A.reshape(dense, list(dinner))
    pos = rt._dense_positions()
    lin = np.zeros(flat._value.shape[0], np.int64)
    for p, dd in zip(pos, outer):
        lin = lin * dd + (p if dd != 1 else 0)
    return _A.gather(_A.reshape(dense, [-1] + list(dinner)), lin)


def _binary(fn, opname, reflected=False):
    def method(self, other):
        if other is None and opname.endswith(("__eq__", "__ne__")):
            return opname.endswith("__ne__")
        other = convert_ragged(other)
        flat = self.flat_values
        if isinstance(other, RaggedTensor):
            if not _same_partition(self, other):
                raise InvalidArgumentError(
                    "%s: the two RaggedTensors have different row partitions (shapes %s and "
                    "%s, row lengths %s and %s); element-wise ops need the same rows."
                    % (opname, self.shape, other.shape,
                       [x.numpy().tolist() for x in self.nested_row_lengths()][:2],
                       [x.numpy().tolist() for x in other.nested_row_lengths()][:2]))
            y = other.flat_values
        elif isinstance(other, (bool, int, float, complex, np.generic)) and \
                np.ndim(other) == 0 and not isinstance(other, np.ndarray):
            y = other
        else:
            y = other if isinstance(other, Tensor) else binary_args(flat, other, opname)[1]
            y = _dense_for_flat(self, y, opname)
        out = fn(y, flat) if reflected else fn(flat, y)
        return self.with_flat_values(out)
    method.__name__ = opname.split(".")[-1]
    return method


def _logical_not(x):
    if x._value.dtype != np.bool_:
        raise InvalidArgumentError(
            "~ (logical_not) on a RaggedTensor needs dtype bool, got %s." % x.dtype.name)
    return ~x


def _install_operators():
    R = RaggedTensor
    table = [("add", operator.add), ("sub", operator.sub), ("mul", operator.mul),
             ("truediv", operator.truediv), ("floordiv", operator.floordiv),
             ("mod", operator.mod), ("pow", operator.pow), ("and", operator.and_),
             ("or", operator.or_), ("xor", operator.xor)]
    for name, fn in table:
        setattr(R, "__%s__" % name, _binary(fn, "RaggedTensor.__%s__" % name))
        setattr(R, "__r%s__" % name, _binary(fn, "RaggedTensor.__r%s__" % name,
                                             reflected=True))
    for name, fn in [("lt", operator.lt), ("le", operator.le), ("gt", operator.gt),
                     ("ge", operator.ge), ("eq", operator.eq), ("ne", operator.ne)]:
        setattr(R, "__%s__" % name, _binary(fn, "RaggedTensor.__%s__" % name))
    R.__neg__ = lambda self: self.with_flat_values(-self.flat_values)
    R.__abs__ = lambda self: self.with_flat_values(abs(self.flat_values))
    R.__invert__ = lambda self: self.with_flat_values(_logical_not(self.flat_values))


_install_operators()
