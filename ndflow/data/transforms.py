"""Dataset transformations (everything but the threaded ones, see ``parallel.py``)."""
import collections
import itertools
import json
import os
import tempfile

import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.backend import random as _random
from ndflow.core.shape import TensorShape
from ndflow.data import structure as _s
from ndflow.data.dataset import Dataset, INFINITE, UNKNOWN, merged_spec, probe, probing
from ndflow.data.sources import TensorSliceDataset, ListDataset

_ndarray = np.ndarray


def _known(n):
    return n >= 0


# ---- map / filter -------------------------------------------------------------------

class MapDataset(Dataset):
    def __init__(self, input_dataset, map_func):
        if not callable(map_func):
            raise TypeError("Dataset.map expects a function, got %s." % type(map_func).__name__)
        self._input = input_dataset
        self._fn = map_func

    def _iter(self):
        fn, call, norm = self._fn, _s.call, _s.normalize_output
        for e in self._input._iter():
            yield norm(call(fn, e))

    def _cardinality(self):
        return self._input._cardinality()

    def _spec(self):
        return probe_spec(self._input, lambda e: _s.spec_of(
            _s.normalize_output(_s.call(self._fn, e))))


def probe_spec(input_dataset, fn):
    """The spec of ``fn``'s output (``fn`` maps an internal element to a spec), found by
    running it on the input's first elements (see ``dataset.PROBE_ELEMENTS`` for why two
    and what that costs): dimensions that differ between the results are None.

    A leading dimension equal to an unknown input batch size is reported as None, as a
    traced TensorFlow function would.
    """
    elements = input_dataset._first_elements()
    with probe():
        specs = [fn(e) for e in elements]
    spec = _relax_entry_counts(merged_spec(specs), specs, elements)
    first = elements[0]
    in_leaves = [x for x in _s.flatten(input_dataset.element_spec)
                 if isinstance(x, (_s.TensorSpec, _s.SparseTensorSpec, _s.RaggedTensorSpec))]
    arrays = [a for a in _s.flatten(first) if _is_leaf_array(a) and _s.leading_dim(a)
              is not None]
    if (in_leaves and arrays and all(x.shape.rank and x.shape[0] is None for x in in_leaves)):
        b = _s.leading_dim(arrays[0])

        def relax(s):
            if (isinstance(s, (_s.TensorSpec, _s.SparseTensorSpec, _s.RaggedTensorSpec)) and s.shape.rank
                    and s.shape[0] == b):
                return _s._like(s, [None] + s.shape.as_list()[1:])
            return s
        spec = _s.map_structure(relax, spec)
    return spec


def _relax_entry_counts(spec, specs, elements):
    """The number of stored entries of an input SparseTensor is never known to a traced
    TensorFlow function: a leading output dimension equal to it in every probed element
    (``sp.values``, ``sp.indices``, anything computed from them) is reported as None."""
    counts = []
    for e in elements:
        counts.append({a._indices._value.shape[0] for a in _s.flatten(e)
                       if type(a) is _s.SparseTensor})
    if not counts[0]:
        return spec

    def leaf(s, *probed):
        if (isinstance(s, (_s.TensorSpec, _s.SparseTensorSpec, _s.RaggedTensorSpec)) and s.shape.rank
                and s.shape[0] is not None
                and all(p.shape.rank and p.shape[0] in c for p, c in zip(probed, counts))):
            return _s._like(s, [None] + s.shape.as_list()[1:])
        return s
    try:
        return _s.map_structure(leaf, spec, *specs)
    except ValueError:
        return spec


def _is_leaf_array(a):
    return type(a) in (_s.SparseTensor, _s.RaggedTensor) or isinstance(a, _ndarray)


def _truth(value, what):
    arr = np.asarray(value._value if hasattr(value, "_value") else value)
    if arr.shape != () or arr.dtype.kind != "b":
        raise TypeError("%s must return a scalar boolean tensor, got shape %s and dtype %s."
                        % (what, arr.shape, arr.dtype))
    return bool(arr)


class ScanDataset(Dataset):
    def __init__(self, input_dataset, initial_state, scan_func):
        self._input = input_dataset
        self._initial = _s.normalize_output(initial_state, "scan initial_state")
        self._fn = scan_func

    def _iter(self):
        state = self._initial
        for e in self._input._iter():
            args = _s.to_tensors(e)
            args = args if type(args) is tuple else (args,)
            result = self._fn(_s.to_tensors(state), *args)
            if not isinstance(result, (tuple, list)) or len(result) != 2:
                raise TypeError("Dataset.scan: scan_func must return (new_state, output), got "
                                "%s." % type(result).__name__)
            state = _s.normalize_output(result[0], "scan function")
            yield _s.normalize_output(result[1], "scan function")

    def _cardinality(self):
        return self._input._cardinality()


class FilterDataset(Dataset):
    def __init__(self, input_dataset, predicate):
        self._input = input_dataset
        self._pred = predicate

    def _iter(self):
        pred, call = self._pred, _s.call
        for e in self._input._iter():
            if _truth(call(pred, e), "The Dataset.filter predicate"):
                yield e

    def _spec(self):
        return self._input.element_spec


class TakeWhileDataset(FilterDataset):
    def _iter(self):
        pred, call = self._pred, _s.call
        for e in self._input._iter():
            if not _truth(call(pred, e), "The Dataset.take_while predicate"):
                return
            yield e


# ---- batching -------------------------------------------------------------------------

def stack(elements, what="Dataset.batch"):
    """Stack a list of internal elements into one batched element."""
    first = elements[0]
    if type(first) is _ndarray:
        return _stack_leaf(elements, 0, what)
    if type(first) is tuple and all(type(a) is _ndarray for a in first):
        return tuple([_stack_leaf(list(c), i, what) for i, c in enumerate(zip(*elements))])
    columns = zip(*[_s.flatten(e) for e in elements])
    return _s.pack_as(first, [_stack_leaf(list(c), i, what) for i, c in enumerate(columns)])


def _stack_leaf(arrays, index, what):
    first = arrays[0]
    # (not for 0-d strings: np.array would nest the 0-d object arrays instead of their str)
    if type(first) is _ndarray and (first.dtype != object or first.ndim):
        try:
            out = np.array(arrays)  # faster than np.stack for many small arrays
        except ValueError:
            out = None
        if out is not None and out.shape[1:] == first.shape and (
                out.dtype != object or first.dtype == object):
            return out
    if type(first) is _s.SparseTensor:
        if any(type(a) is not _s.SparseTensor for a in arrays):
            raise TypeError("%s: component %d is a SparseTensor in some elements and a "
                            "dense tensor in others." % (what, index))
        return _s.stack_sparse(arrays, what, index)
    if type(first) is _s.RaggedTensor:
        return _stack_ragged(arrays, what, index)
    if any(not isinstance(a, _ndarray) for a in arrays):
        if any(type(a) is _s.SparseTensor for a in arrays):
            raise TypeError("%s: component %d is a SparseTensor in some elements and a "
                            "dense tensor in others." % (what, index))
        raise TypeError("%s: component %d is not a tensor (a nested dataset from window() "
                        "must be turned into tensors first, e.g. with flat_map(lambda w: "
                        "w.batch(size)))." % (what, index))
    shapes = sorted({tuple(a.shape) for a in arrays})
    if len(shapes) == 1:
        return np.stack(arrays)
    raise ValueError(
        "%s: cannot batch elements whose component %d has different shapes %s. Use "
        "padded_batch() to pad them to a common shape, or resize them in map() first."
        % (what, index, shapes))


def _stack_ragged(arrays, what, index):
    """Batch RaggedTensors as tf.data does: the position in the batch becomes a new
    uniform first dimension, so the ragged_rank grows by one."""
    from ndflow.ragged.ragged_ops import stack as ragged_stack
    first = arrays[0]
    for a in arrays:
        if type(a) is not _s.RaggedTensor:
            raise TypeError("%s: component %d is a RaggedTensor in some elements and not "
                            "in others." % (what, index))
        if (a.ragged_rank != first.ragged_rank or a.dtype != first.dtype
                or a.row_splits_dtype != first.row_splits_dtype):
            raise TypeError("%s: component %d holds RaggedTensors of different types: %r "
                            "and %r." % (what, index, _s.RaggedTensorSpec.from_value(first),
                                         _s.RaggedTensorSpec.from_value(a)))
    return ragged_stack(list(arrays), axis=0)


def _ragged_rows(rt):
    """The rows of a RaggedTensor as internal leaves (arrays, or RaggedTensors)."""
    return [r if type(r) is _s.RaggedTensor else r._value for r in rt]


class BatchDataset(Dataset):
    def __init__(self, input_dataset, batch_size, drop_remainder):
        if batch_size < 1:
            raise ValueError("Dataset.batch: batch_size must be at least 1, got %d."
                             % batch_size)
        self._input = input_dataset
        self._n = batch_size
        self._drop = bool(drop_remainder)

    def _iter(self):
        n, drop, src = self._n, self._drop, self._input
        if type(src) is TensorSliceDataset:  # slice the arrays directly: no per-element work
            total = src._n
            stop = total - total % n if drop else total
            for i in range(0, stop, n):
                yield src._slices(i, i + n)
            return
        if (type(src) is ShuffleDataset and type(src._input) is TensorSliceDataset
                and not probing()):
            yield from src._index_batches(n, drop)
            return
        buf = []
        for e in src._iter():
            buf.append(e)
            if len(buf) == n:
                yield stack(buf)
                buf = []
        if buf and not drop:
            yield stack(buf)

    def _cardinality(self):
        n = self._input._cardinality()
        if not _known(n):
            return n
        return n // self._n if self._drop else -(-n // self._n)

    def _spec(self):
        return _s.batch_spec(self._input.element_spec, self._n if self._drop else None)


class UnbatchDataset(Dataset):
    def __init__(self, input_dataset):
        self._input = input_dataset

    def _iter(self):
        for e in self._input._iter():
            if type(e) is _ndarray:
                if e.ndim == 0:
                    raise ValueError("Dataset.unbatch: the elements are scalars; there is "
                                     "no batch dimension to split.")
                for i in range(e.shape[0]):
                    yield e[i, ...]
                continue
            yield from _unbatch_element(e)

    def _spec(self):
        return _s.unbatch_spec(self._input.element_spec)


def _unbatch_element(e):
    """The rows of one batched internal element."""
    leaves = _s.flatten(e)
    sizes = {_s.leading_dim(a) for a in leaves}
    if None in sizes or len(sizes) != 1:
        raise ValueError("Dataset.unbatch: every component needs the same leading "
                         "(batch) dimension, got shapes %s."
                         % [_leaf_shape(a) for a in leaves])
    n = sizes.pop()
    columns = [_s.unstack_sparse(a, "Dataset.unbatch") if type(a) is _s.SparseTensor
               else _ragged_rows(a) if type(a) is _s.RaggedTensor else None for a in leaves]
    for i in range(n):
        yield _s.pack_as(e, [c[i] if c is not None else a[i, ...]
                             for a, c in zip(leaves, columns)])


def _leaf_shape(a):
    if type(a) in (_s.SparseTensor, _s.RaggedTensor):
        return tuple(a.shape.as_list())
    return tuple(a.shape)


def _has_sparse(spec):
    return any(isinstance(x, (_s.SparseTensorSpec, _s.RaggedTensorSpec))
               for x in _s.flatten(spec))


class RebatchDataset(Dataset):
    """Re-slice batches to ``batch_size`` rows (like ``unbatch().batch(batch_size)``)."""

    def __init__(self, input_dataset, batch_size, drop_remainder):
        if batch_size < 1:
            raise ValueError("Dataset.rebatch: batch_size must be at least 1, got %d."
                             % batch_size)
        self._input = input_dataset
        self._n = batch_size
        self._drop = bool(drop_remainder)

    def _iter(self):
        n = self._n
        if _has_sparse(self._input.element_spec):
            # SparseTensors cannot be concatenated row-wise as arrays: re-stack the rows
            buf = []
            for e in self._input._iter():
                for row in _unbatch_element(e):
                    buf.append(row)
                    if len(buf) == n:
                        yield stack(buf, "Dataset.rebatch")
                        buf = []
            if buf and not self._drop:
                yield stack(buf, "Dataset.rebatch")
            return
        pending, have, structure = [], 0, None
        for e in self._input._iter():
            leaves = _s.flatten(e)
            if structure is None:
                structure = e
            pending.append(leaves)
            have += leaves[0].shape[0]
            if have < n:
                continue
            joined = [np.concatenate(c) for c in zip(*pending)]
            start = 0
            while have - start >= n:
                yield _s.pack_as(structure, [a[start:start + n] for a in joined])
                start += n
            pending = [[a[start:] for a in joined]] if have > start else []
            have -= start
        if have and not self._drop:
            yield _s.pack_as(structure, [np.concatenate(c) for c in zip(*pending)])

    def _spec(self):
        return _s.batch_spec(_s.unbatch_spec(self._input.element_spec),
                             self._n if self._drop else None)


class PaddedBatchDataset(BatchDataset):
    def __init__(self, input_dataset, batch_size, padded_shapes, padding_values,
                 drop_remainder):
        super().__init__(input_dataset, batch_size, drop_remainder)
        try:
            spec = input_dataset.element_spec
        except Exception:  # noqa: BLE001  (an empty input, say: iteration will tell)
            spec = None
        for leaf in _s.flatten(spec) if spec is not None else ():
            if isinstance(leaf, _s.SparseTensorSpec):
                _refuse_sparse_padding(leaf)
            if isinstance(leaf, _s.RaggedTensorSpec):
                raise TypeError(
                    "Dataset.padded_batch: padding works on dense tensor components only, "
                    "got %r. Use batch() for RaggedTensors (it batches them without "
                    "padding), or pad them in a map() first with rt.to_tensor()." % (leaf,))
        self._shapes = padded_shapes
        self._values = padding_values

    def _iter(self):
        buf = []
        for e in self._input._iter():
            buf.append(e)
            if len(buf) == self._n:
                yield self._pad(buf)
                buf = []
        if buf and not self._drop:
            yield self._pad(buf)

    def _pad(self, elements):
        first = elements[0]
        shapes = self._shapes
        if shapes is None:
            shapes = _s.map_structure(lambda a: None, first)
        values = self._values
        if values is None or not _s.is_nest(values):
            values = _s.map_structure(lambda a: self._values, first)
        columns = list(zip(*[_s.flatten(e) for e in elements]))
        flat_shapes = _s.flatten_up_to(first, shapes)
        flat_values = _s.flatten_up_to(first, values)
        out = [self._pad_leaf(list(col), sh, val, i)
               for i, (col, sh, val) in enumerate(zip(columns, flat_shapes, flat_values))]
        return _s.pack_as(first, out)

    @staticmethod
    def _pad_leaf(arrays, padded_shape, value, index):
        if type(arrays[0]) is _s.SparseTensor:
            _refuse_sparse_padding(_s.SparseTensorSpec(arrays[0].shape, arrays[0].dtype))
        rank = arrays[0].ndim
        if any(a.ndim != rank for a in arrays):
            raise ValueError("Dataset.padded_batch: component %d has elements of different "
                             "ranks %s." % (index, sorted({a.ndim for a in arrays})))
        biggest = [max(a.shape[d] for a in arrays) for d in range(rank)]
        if padded_shape is not None:
            dims = TensorShape(padded_shape).as_list() if not isinstance(
                padded_shape, TensorShape) else padded_shape.as_list()
            if len(dims) != rank:
                raise ValueError("Dataset.padded_batch: padded shape %s of component %d does "
                                 "not have the elements' rank %d." % (dims, index, rank))
            for d, want in enumerate(dims):
                if want is not None and want >= 0:
                    if want < biggest[d]:
                        raise ValueError(
                            "Dataset.padded_batch: component %d has an element of size %d "
                            "in dimension %d, larger than the padded shape %s."
                            % (index, biggest[d], d, dims))
                    biggest[d] = want
        dtype = arrays[0].dtype
        if value is None:
            value = "" if dtype.kind == "O" else 0
        else:
            value = np.asarray(value._value if hasattr(value, "_value") else value)
        out = np.full([len(arrays)] + biggest, value, dtype=dtype)
        for i, a in enumerate(arrays):
            out[(i,) + tuple(slice(0, d) for d in a.shape)] = a
        return out

    def _spec(self):
        def leaf(s):
            return _s.TensorSpec([None] * s.shape.rank if s.shape.rank is not None else None,
                                 s.dtype)
        spec = _s.map_structure(leaf, self._input.element_spec)
        return _s.batch_spec(spec, self._n if self._drop else None)


def _refuse_sparse_padding(spec):
    # as TensorFlow: only dense components can be padded
    raise TypeError(
        "Dataset.padded_batch pads dense tensors only, but a component of the elements is "
        "%r. Use batch() for SparseTensors (it batches them without padding: the dense "
        "shape becomes the largest of each dimension), or make them dense with "
        "tf.sparse.to_dense in a map() first." % (spec,))


# ---- order ----------------------------------------------------------------------------

def _seed_int(x):
    return int(x) & (2 ** 63 - 1)


def _shuffle_stream(items, size, rng):
    """TensorFlow's buffered shuffle: fill a buffer of ``size``, then emit a random
    buffer entry and put the next item in its place; finally drain the buffer randomly."""
    buf = []
    picks, j = rng.integers(0, size, 1024).tolist(), 0
    for e in items:
        if len(buf) < size:
            buf.append(e)
            continue
        if j == 1024:
            picks, j = rng.integers(0, size, 1024).tolist(), 0
        i = picks[j]
        j += 1
        out = buf[i]
        buf[i] = e
        yield out
    for d in rng.random(len(buf)).tolist():
        i = int(d * len(buf))
        buf[i], buf[-1] = buf[-1], buf[i]
        yield buf.pop()


class ShuffleDataset(Dataset):
    def __init__(self, input_dataset, buffer_size, seed, reshuffle_each_iteration):
        if buffer_size < 1:
            raise ValueError("Dataset.shuffle: buffer_size must be at least 1, got %d. For a "
                             "full shuffle use the number of elements." % buffer_size)
        self._input = input_dataset
        self._size = buffer_size
        if seed is None:
            self._base = [_random.fresh_seed()]
        else:
            g = _random.get_global_seed()
            self._base = [_seed_int(_random._DEFAULT_GLOBAL_SEED if g is None else g),
                          _seed_int(seed)]
        self._reshuffle = bool(reshuffle_each_iteration)
        self._epochs = itertools.count()

    def _rng(self):
        epoch = next(self._epochs) if self._reshuffle else 0
        return np.random.default_rng(self._base + [epoch])

    def _iter(self):
        if probing():
            yield from self._input._iter()
            return
        yield from _shuffle_stream(self._input._iter(), self._size, self._rng())

    def _index_batches(self, batch_size, drop_remainder):
        """Batches of a shuffled TensorSliceDataset, gathered by index: the same order as
        ``_iter`` gives, without touching elements one by one (fast path for batch)."""
        src = self._input
        positions = _shuffle_stream(range(src._n), self._size, self._rng())
        while True:
            idx = list(itertools.islice(positions, batch_size))
            if not idx or (drop_remainder and len(idx) < batch_size):
                return
            yield src._gather(np.array(idx, dtype=np.intp))

    def _cardinality(self):
        return self._input._cardinality()

    def _spec(self):
        return self._input.element_spec


class RepeatDataset(Dataset):
    def __init__(self, input_dataset, count):
        self._input = input_dataset
        self._count = count

    def _iter(self):
        count, i = self._count, 0
        while count < 0 or i < count:
            empty = True
            for e in self._input._iter():
                empty = False
                yield e
            if empty:
                return
            i += 1

    def _cardinality(self):
        n = self._input._cardinality()
        if self._count < 0:
            return 0 if n == 0 else INFINITE
        if self._count == 0:
            return 0
        return n * self._count if _known(n) else n

    def _spec(self):
        return self._input.element_spec


class TakeDataset(Dataset):
    def __init__(self, input_dataset, count):
        self._input = input_dataset
        self._count = count

    def _iter(self):
        if self._count < 0:
            yield from self._input._iter()
            return
        if self._count == 0:
            return
        for i, e in enumerate(self._input._iter(), 1):
            yield e
            if i >= self._count:
                return

    def _cardinality(self):
        n = self._input._cardinality()
        if self._count < 0 or n == UNKNOWN:
            return n
        return self._count if n == INFINITE else min(n, self._count)

    def _spec(self):
        return self._input.element_spec


class SkipDataset(Dataset):
    def __init__(self, input_dataset, count):
        self._input = input_dataset
        self._count = count

    def _iter(self):
        if self._count < 0:
            return
        yield from itertools.islice(self._input._iter(), self._count, None)

    def _cardinality(self):
        n = self._input._cardinality()
        if self._count < 0:
            return 0
        return max(0, n - self._count) if _known(n) else n

    def _spec(self):
        return self._input.element_spec


class ShardDataset(Dataset):
    def __init__(self, input_dataset, num_shards, index):
        if num_shards < 1 or not 0 <= index < num_shards:
            raise ValueError("Dataset.shard: need num_shards >= 1 and 0 <= index < num_shards, "
                             "got num_shards=%d, index=%d." % (num_shards, index))
        self._input = input_dataset
        self._num, self._index = num_shards, index

    def _iter(self):
        yield from itertools.islice(self._input._iter(), self._index, None, self._num)

    def _cardinality(self):
        n = self._input._cardinality()
        if not _known(n):
            return n
        return n // self._num + (1 if self._index < n % self._num else 0)

    def _spec(self):
        return self._input.element_spec


class EnumerateDataset(Dataset):
    def __init__(self, input_dataset, start):
        self._input = input_dataset
        self._start = start

    def _iter(self):
        for i, e in enumerate(self._input._iter(), self._start):
            yield (np.array(i, dtype=np.int64), e)

    def _cardinality(self):
        return self._input._cardinality()

    def _spec(self):
        return (_s.TensorSpec([], _dt.int64), self._input.element_spec)


# ---- caching --------------------------------------------------------------------------

class MemoryCacheDataset(Dataset):
    def __init__(self, input_dataset):
        self._input = input_dataset
        self._data = None

    def _iter(self):
        if self._data is not None:
            yield from self._data
            return
        pending = []
        for e in self._input._iter():
            pending.append(e)
            yield e
        if not probing():
            self._data = pending  # only a complete pass is kept

    def _cardinality(self):
        return self._input._cardinality()

    def _spec(self):
        return self._input.element_spec


_MAGIC = b"NDFLOW-DATASET-CACHE 1\n"


def _encode_structure(e):
    if isinstance(e, tuple):
        return {"tuple": [_encode_structure(v) for v in e]}
    if isinstance(e, dict):
        return {"dict": [[k, _encode_structure(v)] for k, v in e.items()]}
    if type(e) is _s.SparseTensor:
        return {"sparse": 1}   # written as three arrays: indices, values, dense_shape
    return None


class _SparseSlot:
    """Where a SparseTensor sits in a cached element's structure."""


def _decode_structure(j):
    if j is None:
        return 0
    if "sparse" in j:
        return _SparseSlot()
    if "tuple" in j:
        return tuple(_decode_structure(v) for v in j["tuple"])
    return {k: _decode_structure(v) for k, v in j["dict"]}


class FileCacheDataset(Dataset):
    """Writes the first complete pass to ``filename`` (NumPy .npy records, no pickle) and
    reads that file on later passes, in this process or the next one."""

    def __init__(self, input_dataset, filename):
        self._input = input_dataset
        self._path = filename

    def _iter(self):
        if os.path.exists(self._path):
            yield from self._read()
            return
        if probing():
            yield from self._input._iter()
            return
        from numpy.lib import format as npformat
        directory = os.path.dirname(os.path.abspath(self._path))
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=os.path.basename(self._path) + ".",
                                   suffix=".part", dir=directory)
        complete = False
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(_MAGIC)
                header = False
                for e in self._input._iter():
                    if not header:
                        f.write(json.dumps(_encode_structure(e)).encode() + b"\n")
                        header = True
                    f.write(b"E")
                    for a in _cache_arrays(e):
                        if a.dtype.kind == "O":
                            a = np.array(a.tolist(), dtype=str if a.size == 0 or isinstance(
                                a.flat[0], str) else bytes)
                        npformat.write_array(f, np.asarray(a), allow_pickle=False)
                    yield e
                if not header:
                    f.write(b"null\n")
                f.write(b"Z")
            complete = True
            os.replace(tmp, self._path)
        finally:
            if not complete and os.path.exists(tmp):
                os.remove(tmp)

    def _read(self):
        from numpy.lib import format as npformat
        with open(self._path, "rb") as f:
            if f.read(len(_MAGIC)) != _MAGIC:
                raise ValueError("Dataset.cache: %s is not an ndflow dataset cache file; "
                                 "delete it or pass another filename." % self._path)
            structure = _decode_structure(json.loads(f.readline()))
            slots = _s.flatten(structure)
            n_leaves = sum(3 if isinstance(x, _SparseSlot) else 1 for x in slots)
            while True:
                marker = f.read(1)
                if marker == b"Z":
                    return
                if marker != b"E":
                    raise ValueError("Dataset.cache: %s is truncated or corrupt; delete it to "
                                     "rebuild the cache." % self._path)
                leaves = []
                for _ in range(n_leaves):
                    a = npformat.read_array(f, allow_pickle=False)
                    if a.dtype.kind in "US":
                        a = a.astype(object)
                    leaves.append(a)
                if n_leaves != len(slots):
                    it, leaves = iter(leaves), []
                    for x in slots:
                        if isinstance(x, _SparseSlot):
                            idx, vals, shape = next(it), next(it), next(it)
                            leaves.append(_s.make_sparse(idx, vals, shape))
                        else:
                            leaves.append(next(it))
                yield _s.pack_as(structure, leaves)

    def _cardinality(self):
        return self._input._cardinality()

    def _spec(self):
        return self._input.element_spec


def _cache_arrays(e):
    for a in _s.flatten(e):
        if type(a) is _s.SparseTensor:
            yield from _s.sparse_parts(a)
        else:
            yield a


# ---- windows and nested datasets ------------------------------------------------------

class WindowDataset(Dataset):
    def __init__(self, input_dataset, size, shift, stride, drop_remainder):
        for what, v in (("size", size), ("shift", shift), ("stride", stride)):
            if v < 1:
                raise ValueError("Dataset.window: %s must be at least 1, got %d." % (what, v))
        self._input = input_dataset
        self._size, self._shift, self._stride = size, shift, stride
        self._drop = bool(drop_remainder)

    def _iter(self):
        size, shift, stride = self._size, self._shift, self._stride
        span = (size - 1) * stride + 1
        buf = collections.deque()
        it = self._input._iter()
        idx, start, exhausted = 0, 0, False
        while True:
            while not exhausted and idx < start + span:
                try:
                    e = next(it)
                except StopIteration:
                    exhausted = True
                    break
                if idx >= start:
                    buf.append((idx, e))
                idx += 1
            while buf and buf[0][0] < start:
                buf.popleft()
            if not buf:
                return
            items = [e for i, e in buf if i < start + span and (i - start) % stride == 0]
            if len(items) < size and self._drop:
                return
            yield self._window(items)
            start += shift

    def _window(self, items):
        columns = zip(*[_s.flatten(e) for e in items])
        # each window's spec is the input's (as TensorFlow's), not its first element's
        specs = _s.flatten(self._input.element_spec)
        return _s.pack_as(items[0], [ListDataset(list(c), sp) for c, sp in zip(columns, specs)])

    def _cardinality(self):
        n = self._input._cardinality()
        if not _known(n):
            return n
        if self._drop:
            span = (self._size - 1) * self._stride + 1
            return 0 if n < span else (n - span) // self._shift + 1
        return -(-n // self._shift)

    def _spec(self):
        spec = self._input.element_spec
        return _s.pack_as(spec, [_s.DatasetSpec(x) for x in _s.flatten(spec)])


def _as_dataset(value, what):
    if not isinstance(value, Dataset):
        raise TypeError("%s: the function must return a Dataset, got %s."
                        % (what, type(value).__name__))
    return value


class FlatMapDataset(Dataset):
    def __init__(self, input_dataset, map_func):
        self._input = input_dataset
        self._fn = map_func

    def _iter(self):
        fn, call = self._fn, _s.call
        for e in self._input._iter():
            yield from _as_dataset(call(fn, e), "Dataset.flat_map")._iter()

    def _spec(self):
        # the merged specs of the datasets made from the first input elements (why: see
        # dataset.PROBE_ELEMENTS)
        what = "Dataset.%s" % ("flat_map" if type(self) is FlatMapDataset else "interleave")
        elements = self._input._first_elements()
        with probe():
            return merged_spec([_as_dataset(_s.call(self._fn, e), what).element_spec
                                for e in elements])


class InterleaveDataset(FlatMapDataset):
    def __init__(self, input_dataset, map_func, cycle_length, block_length):
        super().__init__(input_dataset, map_func)
        if cycle_length < 1 or block_length < 1:
            raise ValueError("Dataset.interleave: cycle_length and block_length must be at "
                             "least 1, got %d and %d." % (cycle_length, block_length))
        self._cycle, self._block = cycle_length, block_length

    def _iter(self):
        fn, call = self._fn, _s.call
        inputs = self._input._iter()
        slots = [None] * self._cycle
        inputs_done = False
        k = 0
        while True:
            if slots[k] is None and not inputs_done:
                try:
                    e = next(inputs)
                except StopIteration:
                    inputs_done = True
                else:
                    slots[k] = _as_dataset(call(fn, e), "Dataset.interleave")._iter()
            if slots[k] is not None:
                for _ in range(self._block):
                    try:
                        yield next(slots[k])
                    except StopIteration:
                        slots[k] = None
                        break
            if inputs_done and all(s is None for s in slots):
                return
            k = (k + 1) % self._cycle
