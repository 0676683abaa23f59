"""``tf.data.Dataset``: an input pipeline built from chained transformations.

Every dataset is a small class with ``_iter()`` (a generator of internal elements: nests
of NumPy arrays, see ``structure.py``), ``_cardinality()`` and ``_spec()``.  Iterating a
dataset starts a fresh pass over its inputs, so a dataset can be iterated many times
(once per epoch).  The sources live in ``sources.py``, the transformations in
``transforms.py`` and the threaded ones (prefetch, parallel map) in ``parallel.py``.
"""
import copy
import os
import threading

import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.core.tensor import Tensor
from ndflow.data import structure as _s

AUTOTUNE = -1
INFINITE = -1
UNKNOWN = -2


_probe_state = threading.local()


def probing():
    """True while a dataset runs only to find its element_spec (shuffles then keep
    their epoch counters and caches stay empty, so probing changes nothing)."""
    return getattr(_probe_state, "on", False)


class probe:
    """A context for running a pipeline only to learn its element_spec: ``probing()`` is
    on (shuffles keep their epoch counters, caches stay empty, prefetch starts no thread)
    and the global random state, with the generators of seeded random ops, is put back
    afterwards, so asking for an element_spec does not change later random results."""

    def __enter__(self):
        from ndflow.backend import random as _random
        self._before = probing()
        _probe_state.on = True
        st = _random._state
        self._gen = st["global_gen"]
        self._gen_state = None if self._gen is None else self._gen.bit_generator.state
        self._op_gens = {k: g.bit_generator.state for k, g in st["op_gens"].items()}
        return self

    def __exit__(self, *exc):
        from ndflow.backend import random as _random
        _probe_state.on = self._before
        st = _random._state
        if self._gen is not None:
            self._gen.bit_generator.state = self._gen_state
            st["global_gen"] = self._gen
        for k, g in list(st["op_gens"].items()):
            if k in self._op_gens:
                g.bit_generator.state = self._op_gens[k]
            else:
                del st["op_gens"][k]   # created by the probe: as if it never ran
        return False


# How many leading elements a spec probe looks at.  TensorFlow traces a map function once
# on symbolic tensors, and its shape functions mark sizes that depend on the data (the
# length of tf.strings.split's result, of tf.unique's, of a decoded image) as None.  ndflow
# has no symbolic shapes, so it runs the function on the first two elements of the input
# and reports a dimension that differs between the two results as None (and a rank that
# differs as unknown).  Those two elements are the first ones any pass over the dataset
# reads, so the probe touches no data a pass would not; it runs in a ``probe`` context
# (see above), which leaves shuffles, caches, prefetch threads and the random state as
# they were.  A size that depends on the data but happens to be equal in the first two
# elements is reported as known (TensorFlow would say None); a leading dimension equal to
# an unknown input batch size is relaxed to None separately (see transforms.probe_spec).
PROBE_ELEMENTS = 2


def _int64(n):
    return Tensor(np.array(n, dtype=np.int64))


def _count(value, what):
    """An int from a Python int or a scalar integer tensor/array."""
    if isinstance(value, (Tensor, np.ndarray, np.generic)):
        arr = np.asarray(value)
        if arr.ndim != 0 or arr.dtype.kind not in "iu":
            raise TypeError("%s must be a scalar integer, got shape %s dtype %s."
                            % (what, arr.shape, arr.dtype))
        return int(arr)
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError("%s must be an integer, got %r (type %s)."
                        % (what, value, type(value).__name__))
    return int(value)


def merged_spec(specs):
    """The spec that all of ``specs`` (specs of probed elements) fit: dimensions that
    differ become None.  Results of different structures keep the first one's."""
    spec = specs[0]
    for other in specs[1:]:
        try:
            spec = _s.merge_specs(spec, other)
        except ValueError:
            break
    return spec


class Iterator:
    """What ``iter(dataset)`` returns: yields the elements as Tensors."""

    def __init__(self, dataset):
        self._dataset = dataset
        self._gen = dataset._iter()

    def __iter__(self):
        return self

    def __next__(self):
        return _s.to_tensors(next(self._gen))

    def get_next(self):
        return self.__next__()

    @property
    def element_spec(self):
        return self._dataset.element_spec


class Dataset:
    """A sequence of elements, each a tensor or a (nested) tuple/dict of tensors."""

    _cached_spec = None

    # ---- what each subclass provides ------------------------------------------------
    def _iter(self):
        raise NotImplementedError

    def _cardinality(self):
        return UNKNOWN

    def _spec(self):
        return merged_spec([_s.spec_of(e) for e in self._first_elements()])

    def _first_elements(self, n=PROBE_ELEMENTS):
        """Up to ``n`` leading elements, read in a ``probe`` context; raises on an empty
        dataset (its element_spec cannot be inferred)."""
        out = []
        with probe():
            it = self._iter()
            try:
                for e in it:
                    out.append(e)
                    if len(out) >= n:
                        break
            finally:
                close = getattr(it, "close", None)
                if close is not None:
                    close()
        if not out:
            raise ValueError("Cannot infer the element_spec of an empty %s."
                             % type(self).__name__)
        return out

    def _first_element(self):
        return self._first_elements(1)[0]

    # ---- Python protocols -------------------------------------------------------------
    def __iter__(self):
        return Iterator(self)

    def __len__(self):
        n = self._cardinality()
        if n == INFINITE:
            raise TypeError("The dataset is infinite (it repeats forever), so it has no len().")
        if n == UNKNOWN:
            raise TypeError("The dataset length is unknown (a filter, a generator or a "
                            "flat_map makes it unknowable without iterating). Use "
                            "dataset.cardinality() or count the elements by iterating.")
        return n

    def __bool__(self):
        return True

    def __repr__(self):
        try:
            spec = self.element_spec
        except Exception:  # noqa: BLE001  (repr must not fail)
            spec = "?"
        return "<%s element_spec=%r>" % (type(self).__name__, spec)

    @property
    def element_spec(self):
        """The TensorSpec (or nest of them) of one element."""
        if self._cached_spec is None:
            self._cached_spec = self._spec()
        return self._cached_spec

    def cardinality(self):
        """The number of elements as an int64 scalar tensor; ``tf.data.INFINITE_CARDINALITY``
        (-1) or ``tf.data.UNKNOWN_CARDINALITY`` (-2) when not a finite known number."""
        return _int64(self._cardinality())

    def as_numpy_iterator(self):
        """Iterate the elements as NumPy values."""
        for e in self._iter():
            yield _s.to_numpy(e)

    def reduce(self, initial_state, reduce_func):
        state = initial_state
        for e in self._iter():
            x = _s.to_tensors(e)
            state = reduce_func(state, *x) if type(x) is tuple else reduce_func(state, x)
        return _s.to_tensors(_s.normalize_output(state, "reduce function"))

    def get_single_element(self):
        it = self._iter()
        try:
            first = next(it)
        except StopIteration:
            raise ValueError("get_single_element: the dataset is empty.") from None
        for _ in it:
            raise ValueError("get_single_element: the dataset has more than one element.")
        return _s.to_tensors(first)

    def options(self):
        return getattr(self, "_options", None) or Options()

    def with_options(self, options, name=None):
        if not isinstance(options, Options):
            raise TypeError("with_options expects a tf.data.Options, got %s."
                            % type(options).__name__)
        new = copy.copy(self)  # like TensorFlow: a new dataset, the same elements
        new._options = options
        return new

    # ---- sources ----------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors, name=None):
        """One element per slice along the first dimension of every component."""
        return _sources.TensorSliceDataset(tensors)

    @staticmethod
    def from_tensors(tensors, name=None):
        """A dataset with ``tensors`` as its single element."""
        return _sources.TensorDataset(tensors)

    @staticmethod
    def from_generator(generator, output_types=None, output_shapes=None, args=None,
                       output_signature=None, name=None):
        """Elements produced by calling ``generator(*args)`` afresh on every iteration."""
        return _sources.GeneratorDataset(generator, output_types, output_shapes, args,
                                         output_signature)

    @staticmethod
    def range(*args, output_type=_dt.int64, name=None):
        """``range(stop)``, ``range(start, stop[, step])`` as int64 scalars."""
        return _sources.RangeDataset(args, output_type)

    @staticmethod
    def zip(*datasets, name=None):
        """Elements are tuples (or the given nest) of the datasets' elements."""
        if len(datasets) == 1 and not isinstance(datasets[0], Dataset):
            datasets = datasets[0]
        return _sources.ZipDataset(datasets)

    @staticmethod
    def counter(start=0, step=1, dtype=_dt.int64, name=None):
        """``start, start + step, ...`` forever."""
        return _sources.CounterDataset(start, step, dtype)

    @staticmethod
    def list_files(file_pattern, shuffle=None, seed=None, name=None):
        """The files matching a glob pattern (or a list of patterns), as 0-d string
        tensors (``bytes``), matched now.  Sorted when ``shuffle=False``; by default in a
        new random order on each pass."""
        from ndflow.io.file_io import glob_patterns
        names = glob_patterns(file_pattern, "Dataset.list_files")
        if not names:
            from ndflow.core import errors
            raise errors.InvalidArgumentError(
                "Dataset.list_files: no files matched pattern %r; check the path and the "
                "wildcards." % (file_pattern,))
        arr = np.empty(len(names), dtype=object)
        arr[:] = [n.encode("utf-8") for n in names]
        ds = _sources.TensorSliceDataset(arr)
        if shuffle is None or shuffle:
            ds = ds.shuffle(len(names), seed=seed)
        return ds

    @staticmethod
    def sample_from_datasets(datasets, weights=None, seed=None, stop_on_empty_dataset=False,
                             rerandomize_each_iteration=None):
        """Interleave ``datasets`` at random, each picked with probability proportional
        to ``weights`` (uniform by default)."""
        return _sources.SampleDataset(datasets, weights, seed, stop_on_empty_dataset)

    @staticmethod
    def choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset=True):
        """Element ``i`` comes from ``datasets[c]``, ``c`` the ``i``-th choice."""
        return _sources.ChooseDataset(datasets, choice_dataset, stop_on_empty_dataset)

    def scan(self, initial_state, scan_func, name=None):
        """``scan_func(state, element) -> (new_state, output)``; yields the outputs."""
        return _transforms.ScanDataset(self, initial_state, scan_func)

    def concatenate(self, dataset, name=None):
        return _sources.ConcatenateDataset(self, dataset)

    # ---- transformations --------------------------------------------------------------
    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None):
        """Apply ``map_func`` to every element (tuples are unpacked into arguments).

        ``num_parallel_calls`` (an int or ``tf.data.AUTOTUNE``) runs calls in a thread
        pool when they take long enough for threads to pay; the order stays the same.
        """
        if num_parallel_calls is None or num_parallel_calls == 1:
            return _transforms.MapDataset(self, map_func)
        return _parallel.ParallelMapDataset(self, map_func, num_parallel_calls)

    def filter(self, predicate, name=None):
        return _transforms.FilterDataset(self, predicate)

    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None,
              deterministic=None, name=None):
        """Stack ``batch_size`` consecutive elements; the last batch may be smaller
        unless ``drop_remainder=True``."""
        return _transforms.BatchDataset(self, _count(batch_size, "batch_size"),
                                        drop_remainder)

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None,
                     drop_remainder=False, name=None):
        return _transforms.PaddedBatchDataset(self, _count(batch_size, "batch_size"),
                                              padded_shapes, padding_values, drop_remainder)

    def unbatch(self, name=None):
        return _transforms.UnbatchDataset(self)

    def rebatch(self, batch_size, drop_remainder=False, name=None):
        return _transforms.RebatchDataset(self, _count(batch_size, "batch_size"),
                                          drop_remainder)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=None, name=None):
        """Shuffle through a buffer of ``buffer_size`` elements (TensorFlow's algorithm).

        With a seed the order is the same in every run; with
        ``reshuffle_each_iteration`` (the default) each pass over the dataset gets a
        new order.
        """
        if reshuffle_each_iteration is None:
            reshuffle_each_iteration = True
        return _transforms.ShuffleDataset(self, _count(buffer_size, "buffer_size"), seed,
                                          reshuffle_each_iteration)

    def repeat(self, count=None, name=None):
        return _transforms.RepeatDataset(self, -1 if count is None else
                                         _count(count, "repeat count"))

    def take(self, count, name=None):
        return _transforms.TakeDataset(self, _count(count, "take count"))

    def skip(self, count, name=None):
        return _transforms.SkipDataset(self, _count(count, "skip count"))

    def prefetch(self, buffer_size, name=None):
        """Produce elements in a background thread, ``buffer_size`` ahead."""
        return _parallel.PrefetchDataset(self, _count(buffer_size, "buffer_size"))

    def cache(self, filename="", name=None):
        """Keep the elements of the first complete pass in memory (``filename=''``) or
        in a file, and replay them afterwards."""
        if filename:
            return _transforms.FileCacheDataset(self, os.fspath(filename))
        return _transforms.MemoryCacheDataset(self)

    def shard(self, num_shards, index, name=None):
        return _transforms.ShardDataset(self, _count(num_shards, "num_shards"),
                                        _count(index, "index"))

    def enumerate(self, start=0, name=None):
        return _transforms.EnumerateDataset(self, _count(start, "start"))

    def window(self, size, shift=None, stride=1, drop_remainder=False, name=None):
        """Each element is a nest of datasets holding ``size`` consecutive elements."""
        size = _count(size, "size")
        shift = size if shift is None else _count(shift, "shift")
        return _transforms.WindowDataset(self, size, shift, _count(stride, "stride"),
                                         drop_remainder)

    def flat_map(self, map_func, name=None):
        return _transforms.FlatMapDataset(self, map_func)

    def interleave(self, map_func, cycle_length=None, block_length=None,
                   num_parallel_calls=None, deterministic=None, name=None):
        """Open ``map_func(element)`` datasets ``cycle_length`` at a time and take
        ``block_length`` elements from each in turn (TensorFlow's order).

        ``num_parallel_calls`` is accepted; elements are produced in the consumer's thread
        (put a ``prefetch`` after the interleave to overlap it with training).
        """
        if cycle_length is None or cycle_length == AUTOTUNE:
            cycle_length = os.cpu_count() or 1
        block_length = 1 if block_length is None else block_length
        return _transforms.InterleaveDataset(self, map_func, _count(cycle_length, "cycle_length"),
                                             _count(block_length, "block_length"))

    def take_while(self, predicate, name=None):
        return _transforms.TakeWhileDataset(self, predicate)

    def apply(self, transformation_func):
        result = transformation_func(self)
        if not isinstance(result, Dataset):
            raise TypeError("Dataset.apply: the transformation must return a Dataset, got %s."
                            % type(result).__name__)
        return result


class _OptionGroup:
    """A group of options: any attribute can be set and read back (unset ones are None)."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return None

    def __repr__(self):
        return "%s(%s)" % (type(self).__name__, ", ".join(
            "%s=%r" % kv for kv in sorted(vars(self).items())))


class Options(_OptionGroup):
    """``tf.data.Options``: accepted and kept, so code that sets them runs unchanged.

    ndflow's pipelines are always deterministic and have no graph optimizer, so
    ``deterministic``, ``experimental_optimization``, ``threading`` and
    ``experimental_distribute`` (auto-shard policy) have no effect.
    """

    def __init__(self):
        self.deterministic = True
        self.experimental_deterministic = True
        self.experimental_optimization = _OptionGroup()
        self.experimental_distribute = _OptionGroup()
        self.threading = _OptionGroup()


from ndflow.data import sources as _sources  # noqa: E402  (they subclass Dataset)
from ndflow.data import transforms as _transforms  # noqa: E402
from ndflow.data import parallel as _parallel  # noqa: E402
