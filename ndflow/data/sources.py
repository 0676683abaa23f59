"""Datasets that make elements: slices, single tensors, generators, ranges, zip, concat."""
import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.core.shape import TensorShape
from ndflow.data import structure as _s
from ndflow.data.dataset import Dataset, INFINITE, UNKNOWN, _count


class TensorSliceDataset(Dataset):
    def __init__(self, tensors):
        self._element = _s.normalize(tensors, "Dataset.from_tensor_slices")
        leaves = _s.flatten(self._element)
        sizes = set()
        self._rows = {}   # leaf position -> (order, starts) of a SparseTensor's rows
        for k, a in enumerate(leaves):
            if isinstance(a, Dataset):
                raise TypeError("Dataset.from_tensor_slices: a component is a Dataset; "
                                "use Dataset.zip to combine datasets.")
            if type(a) is _s.SparseTensor:
                self._rows[k] = _sparse_slicing(a)
                sizes.add(_s.leading_dim(a))
                continue
            if type(a) is _s.RaggedTensor:
                self._rows[k] = None          # sliced row by row (see _row)
                sizes.add(a.nrows_int)
                continue
            if a.ndim == 0:
                raise ValueError(
                    "Dataset.from_tensor_slices: every component needs at least one "
                    "dimension to slice along, got a scalar %r. Use Dataset.from_tensors "
                    "for a single element." % (a[()],))
            sizes.add(a.shape[0])
        if len(sizes) > 1:
            raise ValueError(
                "Dataset.from_tensor_slices: all components must have the same size in "
                "their first dimension, got shapes %s. Check that features and labels hold "
                "the same number of samples." % [_shape_of(a) for a in leaves])
        self._leaves = leaves
        self._n = sizes.pop() if sizes else 0

    def _iter(self):
        leaves, elem = self._leaves, self._element
        if len(leaves) == 1 and type(elem) is np.ndarray:
            a = elem
            for i in range(self._n):
                yield a[i, ...]
            return
        if type(elem) is tuple and all(type(a) is np.ndarray for a in elem):
            for i in range(self._n):  # a flat tuple, the usual (features, labels)
                yield tuple([a[i, ...] for a in leaves])
            return
        pack = _s.pack_as
        if self._rows:
            rows = self._rows
            for i in range(self._n):
                yield pack(elem, [_row(a, rows[k], i) if k in rows else a[i, ...]
                                  for k, a in enumerate(leaves)])
            return
        for i in range(self._n):
            yield pack(elem, [a[i, ...] for a in leaves])

    def _slices(self, start, stop):
        """Element ``start:stop`` of every component, batched (fast path for batch)."""
        if self._rows:
            return self._gather(np.arange(start, min(stop, self._n)))
        return _s.pack_as(self._element, [a[start:stop] for a in self._leaves])

    def _gather(self, indices):
        """The elements at ``indices`` (an integer array), batched."""
        rows = self._rows
        return _s.pack_as(self._element, [_gather_rows(a, rows[k], indices) if k in rows
                                          else a[indices] for k, a in enumerate(self._leaves)])

    def _cardinality(self):
        return self._n

    def _spec(self):
        def leaf(a):
            if type(a) is _s.SparseTensor:
                return _s.SparseTensorSpec(a.shape[1:], a.dtype)
            if type(a) is _s.RaggedTensor:   # as TF: ragged_rank one less (0: dense rows)
                return _s.RaggedTensorSpec(a.shape[1:], a.dtype, a.ragged_rank - 1,
                                           a.row_splits_dtype)
            return _s.TensorSpec(a.shape[1:], _dt.from_numpy(a.dtype))
        return _s.map_structure(leaf, self._element)


def _shape_of(a):
    if type(a) in (_s.SparseTensor, _s.RaggedTensor):
        return tuple(a.shape.as_list())
    return tuple(a.shape)


def _row(a, slicing, i):
    """Element ``i`` of a SparseTensor or RaggedTensor component."""
    if type(a) is _s.RaggedTensor:
        r = a[i]
        return r if type(r) is _s.RaggedTensor else r._value
    return _s.sparse_row(a, *slicing, i)


def _gather_rows(a, slicing, indices):
    """Elements ``indices`` of a SparseTensor or RaggedTensor component, batched."""
    if type(a) is _s.RaggedTensor:
        from ndflow.ragged.ragged_tensor import _take_rows
        return _take_rows(a, np.asarray(indices, np.int64))
    return _s.sparse_gather_rows(a, *slicing, indices)


def _sparse_slicing(sp):
    """The row grouping ``from_tensor_slices`` slices a SparseTensor with; like
    TensorFlow it needs the indices in canonical (row-major) order."""
    from ndflow.core import errors
    idx = sp._indices._value
    if idx.shape[1] == 0:
        raise ValueError("Dataset.from_tensor_slices: every component needs at least one "
                         "dimension to slice along, got a SparseTensor of rank 0. Use "
                         "Dataset.from_tensors for a single element.")
    if idx.shape[0] > 1:
        # row-major order: each index must compare greater than the one before it
        diff = idx[1:] - idx[:-1]
        nz = diff != 0
        first = np.argmax(nz, axis=1)
        lead = diff[np.arange(diff.shape[0]), first]
        bad = np.flatnonzero(~nz.any(axis=1) | (lead < 0))
        if bad.size:
            j = int(bad[0]) + 1
            raise errors.InvalidArgumentError(
                "Dataset.from_tensor_slices: the SparseTensor's indices[%d] = %s is out of "
                "order (or repeated); slicing needs them in row-major order. Sort them with "
                "tf.sparse.reorder(sp) first." % (j, idx[j].tolist()))
    return _s.sparse_rows(sp, "Dataset.from_tensor_slices")


class TensorDataset(Dataset):
    def __init__(self, tensors):
        self._element = _s.normalize(tensors, "Dataset.from_tensors")

    def _iter(self):
        yield self._element

    def _cardinality(self):
        return 1

    def _spec(self):
        return _s.spec_of(self._element)


class ListDataset(Dataset):
    """Elements from a Python list of internal elements (windows are made of these)."""

    def __init__(self, elements, spec=None):
        self._elements = elements
        self._given_spec = spec

    def _iter(self):
        return iter(self._elements)

    def _cardinality(self):
        return len(self._elements)

    def _spec(self):
        if self._given_spec is not None:
            return self._given_spec
        return Dataset._spec(self)


class RangeDataset(Dataset):
    def __init__(self, args, output_type):
        if not 1 <= len(args) <= 3:
            raise TypeError("Dataset.range takes 1 to 3 arguments (stop | start, stop[, "
                            "step]), got %d." % len(args))
        args = [_count(a, "Dataset.range argument") for a in args]
        start, stop, step = (0, args[0], 1) if len(args) == 1 else (
            args[0], args[1], args[2] if len(args) == 3 else 1)
        if step == 0:
            raise ValueError("Dataset.range: step must not be 0.")
        self._range = range(start, stop, step)
        self._dtype = _dt.as_dtype(output_type)

    def _iter(self):
        np_dtype = self._dtype._np
        for v in self._range:
            yield np.array(v, dtype=np_dtype)

    def _cardinality(self):
        return len(self._range)

    def _spec(self):
        return _s.TensorSpec([], self._dtype)


class GeneratorDataset(Dataset):
    def __init__(self, generator, output_types, output_shapes, args, output_signature):
        if not callable(generator):
            raise TypeError("Dataset.from_generator: `generator` must be a callable that "
                            "returns an iterator (pass the function, not the generator "
                            "object), got %s." % type(generator).__name__)
        if output_signature is not None:
            if output_types is not None or output_shapes is not None:
                raise TypeError("Dataset.from_generator: pass either `output_signature` or "
                                "`output_types`/`output_shapes`, not both.")
            spec = output_signature
            for leaf in _s.flatten(spec):
                if not isinstance(leaf, (_s.TensorSpec, _s.SparseTensorSpec)):
                    raise TypeError("Dataset.from_generator: `output_signature` must be a "
                                    "nest of tf.TensorSpec / tf.SparseTensorSpec, got a %s."
                                    % type(leaf).__name__)
        elif output_types is not None:
            if output_shapes is None:
                output_shapes = _s.map_structure(lambda _: None, output_types)
            spec = _s.map_structure(lambda t, sh: _s.TensorSpec(sh, t), output_types,
                                    _shapes_nest(output_types, output_shapes))
        else:
            raise TypeError("Dataset.from_generator needs `output_signature` (a nest of "
                            "tf.TensorSpec), e.g. output_signature=(tf.TensorSpec(shape=(None,"
                            "), dtype=tf.float32), tf.TensorSpec(shape=(), dtype=tf.int32)).")
        self._gen_fn = generator
        self._args = tuple(args) if args is not None else ()
        self._given_spec = spec

    def _iter(self):
        spec = self._given_spec
        args = [_s.to_array(a) for a in self._args]
        args = [a[()] if a.ndim == 0 else a for a in args]
        for i, value in enumerate(self._gen_fn(*args)):
            if isinstance(value, list) and isinstance(spec, tuple):
                value = tuple(value)
            try:
                yield _s.map_structure(_convert_to_spec, value, spec)
            except ValueError as e:
                if "nested structure" not in str(e):
                    raise
                raise TypeError(
                    "Dataset.from_generator: element %d yielded by the generator has "
                    "structure %s but the output signature is %r." % (
                        i, _s._describe(value), spec)) from None

    def _cardinality(self):
        return UNKNOWN

    def _spec(self):
        return self._given_spec


def _shapes_nest(types, shapes):
    """``output_shapes`` as a nest matching ``output_types`` (a lone shape may be a list)."""
    if not _s.is_nest(types):
        return TensorShape(shapes)
    return _s.map_up_to(types, lambda sh: TensorShape(sh), shapes)


def _convert_to_spec(value, spec):
    if isinstance(spec, _s.SparseTensorSpec):
        return _convert_to_sparse_spec(value, spec)
    try:
        arr = _s.to_array(value, spec.dtype)
    except (TypeError, ValueError) as e:
        raise TypeError("Dataset.from_generator: the generator yielded %r, which could not be "
                        "converted to %s as the signature %r asks: %s" % (
                            value, spec.dtype.name, spec, e)) from None
    if not spec.shape.is_compatible_with(arr.shape):
        raise ValueError("Dataset.from_generator: the generator yielded an element of shape "
                         "%s where an element of shape %s was expected (signature %r)."
                         % (tuple(arr.shape), spec.shape, spec))
    return arr


def _convert_to_sparse_spec(value, spec):
    if not isinstance(value, _s.SparseTensor):
        if all(hasattr(value, a) for a in ("indices", "values", "dense_shape")):
            value = _s.SparseTensor.from_value(value)   # a SparseTensorValue
        else:
            raise TypeError("Dataset.from_generator: the generator yielded a %s where the "
                            "signature %r asks for a tf.SparseTensor."
                            % (type(value).__name__, spec))
    if value.dtype != spec.dtype:
        raise TypeError("Dataset.from_generator: the generator yielded a SparseTensor of "
                        "dtype %s where the signature %r asks for %s."
                        % (value.dtype.name, spec, spec.dtype.name))
    if not spec.shape.is_compatible_with(value.shape):
        raise ValueError("Dataset.from_generator: the generator yielded a SparseTensor of "
                         "dense shape %s where %s was expected (signature %r)."
                         % (value.shape, spec.shape, spec))
    return value


class ZipDataset(Dataset):
    def __init__(self, datasets):
        leaves = _s.flatten(datasets)
        for d in leaves:
            if not isinstance(d, Dataset):
                raise TypeError("Dataset.zip expects datasets (or a nest of them), got a %s."
                                % type(d).__name__)
        self._structure = datasets
        self._datasets = leaves

    def _iter(self):
        its = [d._iter() for d in self._datasets]
        pack = _s.pack_as
        while True:
            parts = []
            for it in its:
                try:
                    parts.append(next(it))
                except StopIteration:
                    return
            yield pack(self._structure, parts)

    def _cardinality(self):
        cards = [d._cardinality() for d in self._datasets]
        finite = [c for c in cards if c >= 0]
        if finite:
            return min(finite)
        return UNKNOWN if UNKNOWN in cards else INFINITE

    def _spec(self):
        return _s.pack_as(self._structure, [d.element_spec for d in self._datasets])


class ConcatenateDataset(Dataset):
    def __init__(self, first, second):
        if not isinstance(second, Dataset):
            raise TypeError("Dataset.concatenate expects a Dataset, got a %s."
                            % type(second).__name__)
        self._first, self._second = first, second
        self._cached_spec = self._spec()  # like TensorFlow, refuse mismatched types now

    def _iter(self):
        yield from self._first._iter()
        yield from self._second._iter()

    def _cardinality(self):
        a, b = self._first._cardinality(), self._second._cardinality()
        if INFINITE in (a, b):
            return INFINITE
        if UNKNOWN in (a, b):
            return UNKNOWN
        return a + b

    def _spec(self):
        a, b = self._first.element_spec, self._second.element_spec
        try:
            ok = _s.same_structure(a, b) and all(
                type(x) is type(y) and x.dtype == y.dtype
                for x, y in zip(_s.flatten(a), _s.flatten(b)))
        except AttributeError:
            ok = False
        if not ok:
            raise TypeError("Dataset.concatenate: the datasets have different element types: "
                            "%r and %r." % (a, b))
        return _s.merge_specs(a, b)


class CounterDataset(RangeDataset):
    """``Dataset.counter``: start, start + step, ... forever."""

    def __init__(self, start, step, output_type):
        self._start, self._step = _count(start, "start"), _count(step, "step")
        self._dtype = _dt.as_dtype(output_type)

    def _iter(self):
        np_dtype, v = self._dtype._np, self._start
        while True:
            yield np.array(v, dtype=np_dtype)
            v += self._step

    def _cardinality(self):
        return INFINITE


class SampleDataset(Dataset):
    """``Dataset.sample_from_datasets``: each element comes from a dataset picked at
    random with probability proportional to its weight."""

    def __init__(self, datasets, weights, seed, stop_on_empty_dataset):
        datasets = list(datasets)
        if not datasets or not all(isinstance(d, Dataset) for d in datasets):
            raise TypeError("sample_from_datasets expects a non-empty list of Datasets.")
        if weights is None:
            weights = [1.0] * len(datasets)
        weights = np.asarray(weights._value if hasattr(weights, "_value") else weights,
                             dtype=np.float64)
        if weights.shape != (len(datasets),) or np.any(weights < 0) or weights.sum() <= 0:
            raise ValueError("sample_from_datasets: weights must be %d non-negative numbers "
                             "with a positive sum, got %r." % (len(datasets), weights))
        from ndflow.backend import random as _random
        self._datasets, self._weights = datasets, weights
        self._seed = _random.fresh_seed() if seed is None else _count(seed, "seed")
        self._stop = bool(stop_on_empty_dataset)
        self._epochs = 0

    def _iter(self):
        rng = np.random.default_rng([self._seed & (2 ** 63 - 1), self._epochs])
        self._epochs += 1
        its = [d._iter() for d in self._datasets]
        weights = self._weights.copy()
        while weights.sum() > 0:
            k = int(rng.choice(len(its), p=weights / weights.sum()))
            try:
                yield next(its[k])
            except StopIteration:
                if self._stop:
                    return
                weights[k] = 0.0

    def _spec(self):
        return self._datasets[0].element_spec


class ChooseDataset(Dataset):
    """``Dataset.choose_from_datasets``: element i comes from ``datasets[choice[i]]``."""

    def __init__(self, datasets, choice_dataset, stop_on_empty_dataset):
        self._datasets = list(datasets)
        if not self._datasets or not all(isinstance(d, Dataset) for d in self._datasets):
            raise TypeError("choose_from_datasets expects a non-empty list of Datasets.")
        if not isinstance(choice_dataset, Dataset):
            raise TypeError("choose_from_datasets: choice_dataset must be a Dataset of int64 "
                            "scalars, got %s." % type(choice_dataset).__name__)
        self._choice = choice_dataset
        self._stop = bool(stop_on_empty_dataset)

    def _iter(self):
        its = [d._iter() for d in self._datasets]
        done = [False] * len(its)
        for c in self._choice._iter():
            k = int(c)
            if not 0 <= k < len(its):
                raise ValueError("choose_from_datasets: choice %d is out of range for %d "
                                 "datasets." % (k, len(its)))
            if done[k]:
                continue
            try:
                yield next(its[k])
            except StopIteration:
                if self._stop:
                    return
                done[k] = True
                if all(done):
                    return

    def _spec(self):
        return self._datasets[0].element_spec
