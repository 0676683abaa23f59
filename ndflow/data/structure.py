"""Dataset elements: nested structures of arrays, and their specs (``tf.TensorSpec``, from
``ndflow.core``; ``tf.SparseTensorSpec``, from ``ndflow.sparse``; ``tf.RaggedTensorSpec``,
from ``ndflow.ragged``).  RaggedTensors, immutable too, travel as they are like SparseTensors.

Inside a pipeline an element is a nest of NumPy arrays and ``tf.SparseTensor``s (which
are immutable, so they travel as they are): tuples (namedtuples too) and dicts are
structure, everything else is a leaf.  Elements become ndflow Tensors only
where user code sees them (map functions, iteration), so the pipeline itself stays cheap.
"""
import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.core.shape import TensorShape
from ndflow.core.tensor import Tensor, convert_to_tensor, decodable
from ndflow.core.tensor_spec import TensorSpec
from ndflow.sparse.sparse_tensor import SparseTensor, _make as _make_sparse
from ndflow.sparse.spec import SparseTensorSpec
from ndflow.ragged.ragged_tensor import RaggedTensor
from ndflow.ragged.spec import RaggedTensorSpec

_ndarray = np.ndarray


# ---- nests ----------------------------------------------------------------------------

def is_nest(x):
    return isinstance(x, (tuple, dict))


def flatten(x):
    """The leaves of a nest, in order (dicts in insertion order)."""
    if type(x) is tuple or isinstance(x, tuple):
        out = []
        for v in x:
            out.extend(flatten(v))
        return out
    if isinstance(x, dict):
        out = []
        for v in x.values():
            out.extend(flatten(v))
        return out
    return [x]


def pack_as(structure, leaves):
    """Rebuild ``structure``'s shape with ``leaves`` (the inverse of ``flatten``)."""
    it = iter(leaves)
    result = _pack(structure, it)
    return result


def _pack(s, it):
    if isinstance(s, tuple):
        items = [_pack(v, it) for v in s]
        return type(s)(*items) if hasattr(s, "_fields") else tuple(items)
    if isinstance(s, dict):
        return {k: _pack(v, it) for k, v in s.items()}
    return next(it)


def map_structure(fn, *structures):
    """``fn`` applied leaf by leaf to one or more nests of the same structure."""
    s0 = structures[0]
    if isinstance(s0, tuple):
        for s in structures[1:]:
            if not isinstance(s, tuple) or len(s) != len(s0):
                raise ValueError("The two structures don't have the same nested structure: "
                                 "%s and %s." % (_describe(s0), _describe(s)))
        items = [map_structure(fn, *parts) for parts in zip(*structures)]
        return type(s0)(*items) if hasattr(s0, "_fields") else tuple(items)
    if isinstance(s0, dict):
        for s in structures[1:]:
            if not isinstance(s, dict) or set(s) != set(s0):
                raise ValueError("The two structures don't have the same nested structure: "
                                 "%s and %s." % (_describe(s0), _describe(s)))
        return {k: map_structure(fn, *[s[k] for s in structures]) for k in s0}
    for s in structures[1:]:
        if is_nest(s):
            raise ValueError("The two structures don't have the same nested structure: "
                             "%s and %s." % (_describe(s0), _describe(s)))
    return fn(*structures)


def map_up_to(shallow, fn, *values):
    """Apply ``fn`` to the parts of ``values`` found at the leaves of ``shallow``."""
    if isinstance(shallow, tuple):
        return tuple(map_up_to(s, fn, *[v[i] for v in values]) for i, s in enumerate(shallow))
    if isinstance(shallow, dict):
        return {k: map_up_to(s, fn, *[v[k] for v in values]) for k, s in shallow.items()}
    return fn(*values)


def flatten_up_to(shallow, value):
    """The parts of ``value`` at the leaves of ``shallow`` (they may be tuples)."""
    out = []
    map_up_to(shallow, out.append, value)
    return out


def same_structure(a, b):
    try:
        map_structure(lambda *x: None, a, b)
    except ValueError:
        return False
    return True


def _describe(s):
    if isinstance(s, tuple):
        return "(" + ", ".join(_describe(v) for v in s) + ("," if len(s) == 1 else "") + ")"
    if isinstance(s, dict):
        return "{" + ", ".join("%r: %s" % (k, _describe(v)) for k, v in s.items()) + "}"
    if isinstance(s, (SparseTensor, SparseTensorSpec)):
        return "SparseTensor"
    if isinstance(s, (RaggedTensor, RaggedTensorSpec)):
        return "RaggedTensor"
    return "." if not isinstance(s, TensorSpec) else "TensorSpec"


# ---- conversion between user values, arrays and tensors -------------------------------

def _wrap(a):
    t = Tensor.__new__(Tensor)
    t._value = a
    return t


def to_tensors(e):
    """An internal element (nest of arrays) as the nest of Tensors users see."""
    t = type(e)
    if t is _ndarray:
        return _wrap(e)
    if t is tuple:
        return tuple([to_tensors(v) for v in e])
    if t is dict:
        return {k: to_tensors(v) for k, v in e.items()}
    if isinstance(e, tuple):
        return t(*[to_tensors(v) for v in e])
    return e  # a nested Dataset (window), or None


def to_numpy(e):
    """An internal element as NumPy values (0-d arrays become NumPy scalars)."""
    t = type(e)
    if t is _ndarray:
        if e.dtype == object:     # strings: as Tensor.numpy() gives them (with .decode)
            return decodable(e)
        return e[()] if e.ndim == 0 else e
    if isinstance(e, tuple):
        items = [to_numpy(v) for v in e]
        return t(*items) if hasattr(e, "_fields") else tuple(items)
    if isinstance(e, dict):
        return {k: to_numpy(v) for k, v in e.items()}
    if t is SparseTensor:  # as TensorFlow's as_numpy_iterator: the dense array
        return to_numpy(sparse_to_dense_array(e))
    if t is RaggedTensor:  # as TensorFlow's as_numpy_iterator: rt.numpy(), rows as arrays
        return e.numpy()
    return e


def to_array(v, dtype=None):
    """One leaf value (Tensor, array, pandas object, Python value) as a backend array."""
    if type(v) is _ndarray and dtype is None:
        return v.astype(object) if v.dtype.kind in "US" else v
    if isinstance(v, Tensor) and dtype is None:
        return v._value
    return convert_to_tensor(v, dtype=dtype)._value


def normalize(value, what="value"):
    """A user structure as an internal element: lists inside it are leaves (tensors),
    as in ``tf.data``; tuples and dicts are structure."""
    if isinstance(value, tuple):
        items = [normalize(v, what) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    if isinstance(value, dict):
        return {k: normalize(v, what) for k, v in value.items()}
    if value is None:
        raise TypeError("%s: None is not a valid dataset component (a tensor, an array or "
                        "a nest of them was expected)." % what)
    from ndflow.data.dataset import Dataset
    if isinstance(value, (Dataset, SparseTensor, RaggedTensor)):
        return value
    try:
        return to_array(value)
    except Exception as e:  # noqa: BLE001  (re-raised with context)
        raise TypeError("%s: could not convert a component of type %s to a tensor: %s"
                        % (what, type(value).__name__, e)) from None


def normalize_output(value, what="map function"):
    """The return value of a user function as an internal element (lists become tuples,
    as tf.data does)."""
    t = type(value)
    if t is Tensor:
        return value._value
    if t is tuple:
        for v in value:
            if type(v) is not Tensor:
                break
        else:  # the usual case: a flat tuple of tensors
            return tuple([v._value for v in value])
    if isinstance(value, list):
        value = tuple(value)  # as tf.data does: a returned list is a tuple of components
    if isinstance(value, tuple):
        items = [normalize_output(v, what) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    if isinstance(value, dict):
        return {k: normalize_output(v, what) for k, v in value.items()}
    t = type(value)
    if t is _ndarray:
        return value.astype(object) if value.dtype.kind in "US" else value
    if isinstance(value, Tensor):
        return value._value
    if isinstance(value, (SparseTensor, RaggedTensor)):
        return value
    if value is None:
        raise TypeError("The %s returned None; it must return a tensor or a nest "
                        "(tuple/dict) of tensors." % what)
    if hasattr(value, "_iter") and hasattr(value, "element_spec"):
        return value  # a Dataset-valued component (as window() makes)
    return to_array(value)


def call(fn, element):
    """Call a user function on an internal element, unpacking tuples into arguments."""
    t = type(element)
    if t is tuple:
        return fn(*[_wrap(v) if type(v) is _ndarray else to_tensors(v) for v in element])
    if t is _ndarray:
        return fn(_wrap(element))
    args = to_tensors(element)
    if type(args) is tuple:
        return fn(*args)
    return fn(args)


# ---- specs ----------------------------------------------------------------------------

class DatasetSpec:
    """The type of a dataset-valued component (the elements ``window`` yields)."""

    def __init__(self, element_spec):
        self.element_spec = element_spec

    def __eq__(self, other):
        return isinstance(other, DatasetSpec) and other.element_spec == self.element_spec

    def __repr__(self):
        return "DatasetSpec(%r)" % (self.element_spec,)


def spec_of(element):
    """The nest of TensorSpecs describing one internal element."""
    from ndflow.data.dataset import Dataset

    def leaf(a):
        if type(a) is SparseTensor:
            return SparseTensorSpec(a.shape, a.dtype)
        if type(a) is RaggedTensor:
            return RaggedTensorSpec.from_value(a)
        if isinstance(a, Dataset):
            return DatasetSpec(a.element_spec)
        return TensorSpec(a.shape, _dt.from_numpy(a.dtype))
    return map_structure(leaf, element)


def merge_shapes(a, b):
    """The most specific shape compatible with both (differing dims become None)."""
    a, b = TensorShape(a), TensorShape(b)
    if a.rank is None or b.rank is None or a.rank != b.rank:
        return TensorShape(None)
    return TensorShape([x if x == y else None for x, y in zip(a, b)])


def _like(spec, shape):
    """A spec of ``spec``'s kind (dense or sparse) and dtype with another shape."""
    if isinstance(spec, SparseTensorSpec):
        return SparseTensorSpec(shape, spec.dtype)
    if isinstance(spec, RaggedTensorSpec):
        # a batch dimension more or less moves the ragged_rank with it
        old, new = spec.shape.rank, TensorShape(shape).rank
        rr = spec.ragged_rank + (new - old if old is not None and new is not None else 0)
        return spec._with_shape(shape, max(rr, 0))
    return TensorSpec(shape, spec.dtype)


def merge_specs(a, b):
    """The most specific spec both ``a`` and ``b`` fit: dimensions that differ become None
    (a rank that differs makes the shape unknown).  Leaves of different kinds or dtypes
    keep ``a``'s."""
    def leaf(x, y):
        if isinstance(x, RaggedTensorSpec) and isinstance(y, RaggedTensorSpec):
            merged = x.most_specific_common_supertype([y])
            return x if merged is None else merged
        if isinstance(x, (TensorSpec, SparseTensorSpec)) and type(x) is type(y):
            return _like(x, merge_shapes(x.shape, y.shape))
        if isinstance(x, DatasetSpec) and isinstance(y, DatasetSpec):
            try:
                return DatasetSpec(merge_specs(x.element_spec, y.element_spec))
            except ValueError:
                return x
        return x
    return map_structure(leaf, a, b)


def batch_spec(spec, batch_dim):
    def leaf(s):
        if s.shape.rank is None:
            return _like(s, None)
        return _like(s, [batch_dim] + s.shape.as_list())
    return map_structure(leaf, spec)


def unbatch_spec(spec):
    def leaf(s):
        if s.shape.rank is None:
            return _like(s, None)
        if s.shape.rank == 0:
            raise ValueError("Cannot unbatch a dataset whose components are scalars: every "
                             "component needs a leading (batch) dimension, got %r." % (s,))
        return _like(s, s.shape.as_list()[1:])
    return map_structure(leaf, spec)


# ---- SparseTensor leaves --------------------------------------------------------------

def sparse_parts(sp):
    """The int64 indices, values and int64 dense shape of a SparseTensor, as arrays."""
    return sp._indices._value, sp._values._value, sp._dense_shape._value


def make_sparse(indices, values, dense_shape):
    """A SparseTensor from arrays (no checks: the pipeline made them consistent)."""
    return _make_sparse(indices, _wrap(values), dense_shape)


def sparse_to_dense_array(sp):
    idx, vals, shape = sparse_parts(sp)
    out = np.zeros(tuple(shape.tolist()), dtype=vals.dtype)
    if vals.dtype == object:
        out[...] = b""
    if idx.shape[0]:
        out[tuple(idx.T)] = vals
    return out


def sparse_rows(sp, what):
    """``(order, starts)``: a stable order of the stored entries by their first index, and
    where each row's entries begin in it (``starts[i]:starts[i + 1]`` is row ``i``)."""
    idx, _, shape = sparse_parts(sp)
    if shape.shape[0] == 0:
        raise ValueError("%s: a SparseTensor of rank 0 has no first dimension to split "
                         "along." % what)
    rows = idx[:, 0]
    order = np.argsort(rows, kind="stable")
    starts = np.searchsorted(rows[order], np.arange(int(shape[0]) + 1), side="left")
    return order, starts


def sparse_row(sp, order, starts, i):
    """Row ``i`` of a SparseTensor (its first dimension removed)."""
    idx, vals, shape = sparse_parts(sp)
    sel = order[starts[i]:starts[i + 1]]
    return make_sparse(idx[sel, 1:], vals[sel], shape[1:])


def sparse_gather_rows(sp, order, starts, rows):
    """Rows ``rows`` (an integer array) of a SparseTensor, batched in that order."""
    idx, vals, shape = sparse_parts(sp)
    parts = [order[starts[r]:starts[r + 1]] for r in rows.tolist()]
    counts = np.array([len(p) for p in parts], dtype=np.int64)
    sel = np.concatenate(parts) if parts else np.zeros(0, np.intp)
    new_idx = idx[sel].copy()
    new_idx[:, 0] = np.repeat(np.arange(len(parts), dtype=np.int64), counts)
    return make_sparse(new_idx, vals[sel], np.concatenate([[len(parts)], shape[1:]])
                       .astype(np.int64))


def stack_sparse(items, what, index):
    """Batch SparseTensors as tf.data does: the position in the batch becomes a new first
    column of the indices and the dense shape is ``[batch] + the largest of each
    dimension``."""
    parts = [sparse_parts(sp) for sp in items]
    ranks = sorted({p[2].shape[0] for p in parts})
    if len(ranks) != 1:
        from ndflow.core.errors import InvalidArgumentError
        raise InvalidArgumentError("%s: cannot batch SparseTensors of different ranks %s (component "
            "%d); give them one rank first (e.g. tf.sparse.reshape)." % (what, ranks, index))
    dtypes = {p[1].dtype for p in parts}
    if len(dtypes) != 1:
        raise TypeError("%s: component %d is a SparseTensor whose values have different "
                        "dtypes %s in different elements." % (what, index, sorted(map(str, dtypes))))
    rank = ranks[0]
    counts = np.array([p[0].shape[0] for p in parts], dtype=np.int64)
    idx = np.empty((int(counts.sum()), rank + 1), dtype=np.int64)
    idx[:, 0] = np.repeat(np.arange(len(parts), dtype=np.int64), counts)
    if rank:
        idx[:, 1:] = np.concatenate([p[0] for p in parts])
    vals = np.concatenate([p[1] for p in parts])
    biggest = np.max(np.stack([p[2] for p in parts]), axis=0) if rank else \
        np.zeros(0, np.int64)
    shape = np.concatenate([[len(parts)], biggest]).astype(np.int64)
    return make_sparse(idx, vals, shape)


def unstack_sparse(sp, what):
    """The rows of a batched SparseTensor (each with ``dense_shape[1:]``)."""
    order, starts = sparse_rows(sp, what)
    return [sparse_row(sp, order, starts, i) for i in range(len(starts) - 1)]


def leading_dim(a):
    """The size of the first dimension of a leaf (None for a scalar)."""
    if type(a) is SparseTensor:
        shape = a._dense_shape._value
        return int(shape[0]) if shape.shape[0] else None
    if type(a) is RaggedTensor:
        return a.nrows_int
    return a.shape[0] if a.ndim else None
