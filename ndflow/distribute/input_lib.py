"""Distributed datasets: each replica's share of the input.

``strategy.experimental_distribute_dataset(ds)``: ``ds`` yields *global* batches; each
replica gets a contiguous slice of every batch (``num_replicas_in_sync`` nearly equal
parts, the first replicas one sample larger when the batch does not divide evenly, and
possibly empty when a batch has fewer samples than there are replicas).

``strategy.distribute_datasets_from_function(fn)``: ``fn(InputContext)`` builds this
process's dataset, which already yields per-replica batches; it is used as it comes.
"""
import numpy as np

from ndflow.core import nest
from ndflow.core.tensor import Tensor, convert_to_tensor


def _wrap(a):
    t = Tensor.__new__(Tensor)
    t._value = a
    return t


def split_bounds(n, size, rank):
    """Start and stop of replica ``rank``'s slice when ``n`` samples go to ``size``
    replicas in contiguous, nearly equal parts (the first ``n % size`` get one more)."""
    base, extra = divmod(int(n), int(size))
    start = rank * base + min(rank, extra)
    return start, start + base + (1 if rank < extra else 0)


def leading_size(element, where):
    """The batch size (first dimension) of a structure of batched arrays/tensors."""
    sizes = set()
    for leaf in nest.flatten(element):
        if leaf is None:
            continue
        a = leaf._value if isinstance(leaf, Tensor) else np.asarray(leaf)
        if a.ndim == 0:
            raise ValueError(
                "%s: every component of a distributed batch needs a batch dimension, got a "
                "scalar. Batch the dataset with the GLOBAL batch size first, e.g. "
                "dataset.batch(64) for 64 samples per step over all replicas." % where)
        sizes.add(a.shape[0])
    if len(sizes) > 1:
        raise ValueError("%s: the components of a batch have different batch sizes %s; they "
                         "must all have the same first dimension." % (where, sorted(sizes)))
    return sizes.pop() if sizes else 0


def take_slice(element, start, stop):
    def cut(leaf):
        if leaf is None:
            return None
        a = leaf._value if isinstance(leaf, Tensor) else convert_to_tensor(leaf)._value
        return _wrap(a[start:stop])
    return nest.map_structure(cut, element)


class DistributedIterator:
    """Iterator over a ``DistributedDataset``: ``next(it)`` / ``it.get_next()``."""

    def __init__(self, dataset):
        self._dataset = dataset
        self._it = iter(dataset._dataset)

    def __iter__(self):
        return self

    def __next__(self):
        return self._dataset._local(next(self._it))

    def get_next(self):
        return next(self)

    @property
    def element_spec(self):
        return self._dataset.element_spec


class DistributedDataset:
    """This replica's view of a dataset; iterate it (``for x in dist_ds``) or pass it to
    ``model.fit``."""

    _ndflow_per_replica = True    # fit: the batches are already this replica's share

    def __init__(self, dataset, comm, split):
        if not hasattr(dataset, "__iter__"):
            raise TypeError("experimental_distribute_dataset: expected a tf.data.Dataset (or "
                            "another iterable of batches), got %s." % type(dataset).__name__)
        self._dataset = dataset
        self._comm = comm
        self._split = split and comm.size > 1

    def _local(self, element):
        if not self._split:
            return element
        n = leading_size(element, "experimental_distribute_dataset")
        start, stop = split_bounds(n, self._comm.size, self._comm.rank)
        return take_slice(element, start, stop)

    def __iter__(self):
        return DistributedIterator(self)

    @property
    def element_spec(self):
        return getattr(self._dataset, "element_spec", None)

    def cardinality(self):
        if hasattr(self._dataset, "cardinality"):
            return self._dataset.cardinality()
        return convert_to_tensor(np.int64(-2))

    def reduce(self, initial_state, reduce_func):
        state = initial_state
        for element in self:
            state = reduce_func(state, element)
        return state

    def __repr__(self):
        return "<DistributedDataset of %r>" % (self._dataset,)
