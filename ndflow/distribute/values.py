"""``ReduceOp``, ``InputContext``, ``ValueContext`` and the reductions across replicas.

In ndflow each process holds exactly one replica, so a "per-replica value" is simply the
local value: ``strategy.run`` returns it as is, and ``strategy.reduce`` / ``all_reduce``
combine the local values of all processes through the strategy's collectives.
"""
import enum

import numpy as np

from ndflow.core import nest
from ndflow.core.tensor import Tensor, convert_to_tensor


class ReduceOp(enum.Enum):
    """How values from the replicas are combined: ``SUM`` or ``MEAN``."""

    SUM = "SUM"
    MEAN = "MEAN"

    @staticmethod
    def from_variable_aggregation(aggregation):
        """SUM for ``VariableAggregation.SUM``, MEAN for ``MEAN``."""
        name = {1: "SUM", 2: "MEAN"}.get(aggregation) if isinstance(aggregation, int) else \
            str(getattr(aggregation, "name", aggregation)).split(".")[-1].upper()
        if name in ("SUM", "MEAN"):
            return ReduceOp(name)
        raise ValueError("ReduceOp.from_variable_aggregation: cannot convert the variable "
                         "aggregation %r to a ReduceOp; only VariableAggregation.SUM and "
                         ".MEAN have one." % (aggregation,))

    def __str__(self):
        return "ReduceOp." + self.value


def as_reduce_op(reduce_op, where):
    if isinstance(reduce_op, ReduceOp):
        return reduce_op
    if isinstance(reduce_op, str):
        try:
            return ReduceOp(reduce_op.upper())
        except ValueError:
            pass
    if hasattr(reduce_op, "name") and str(getattr(reduce_op, "name")).upper() in ("SUM",
                                                                                   "MEAN"):
        return ReduceOp(str(reduce_op.name).upper())
    raise ValueError("%s: reduce_op must be tf.distribute.ReduceOp.SUM or .MEAN (or the "
                     "strings 'SUM' / 'MEAN'), got %r." % (where, reduce_op))


class InputContext:
    """What ``distribute_datasets_from_function`` tells the dataset function: how many
    input pipelines (processes) there are, which one this is, and the replica count."""

    def __init__(self, num_input_pipelines=1, input_pipeline_id=0, num_replicas_in_sync=1):
        self._num_input_pipelines = int(num_input_pipelines)
        self._input_pipeline_id = int(input_pipeline_id)
        self._num_replicas_in_sync = int(num_replicas_in_sync)

    @property
    def num_input_pipelines(self):
        return self._num_input_pipelines

    @property
    def input_pipeline_id(self):
        return self._input_pipeline_id

    @property
    def num_replicas_in_sync(self):
        return self._num_replicas_in_sync

    def get_per_replica_batch_size(self, global_batch_size):
        """``global_batch_size // num_replicas_in_sync``; it must divide exactly."""
        n = self._num_replicas_in_sync
        if global_batch_size % n:
            raise ValueError("InputContext.get_per_replica_batch_size: the global batch size "
                             "%r is not divisible by num_replicas_in_sync %d. Choose a global "
                             "batch size that is a multiple of the number of replicas."
                             % (global_batch_size, n))
        return global_batch_size // n

    def __repr__(self):
        return ("tf.distribute.InputContext(input pipeline id %d, total: %d)"
                % (self._input_pipeline_id, self._num_input_pipelines))


class ValueContext:
    """What ``experimental_distribute_values_from_function`` passes to its function."""

    def __init__(self, replica_id_in_sync_group=0, num_replicas_in_sync=1):
        self._replica_id_in_sync_group = int(replica_id_in_sync_group)
        self._num_replicas_in_sync = int(num_replicas_in_sync)

    @property
    def replica_id_in_sync_group(self):
        return self._replica_id_in_sync_group

    @property
    def num_replicas_in_sync(self):
        return self._num_replicas_in_sync


def _leaf_array(v):
    if isinstance(v, Tensor):
        return v._value
    return convert_to_tensor(v)._value


def _tensor(a):
    t = Tensor.__new__(Tensor)
    t._value = np.asarray(a)
    return t


def reduce_across(comm, reduce_op, value, axis, where):
    """``reduce_op`` of a (nested) value over the replicas; along ``axis`` too when given.

    SUM/MEAN over the replicas with ``axis=None``; with an axis the per-replica values are
    (conceptually) concatenated along it and summed / averaged over it."""
    op = as_reduce_op(reduce_op, where)
    leaves = nest.flatten(value)
    arrays = [_leaf_array(v) for v in leaves]
    locals_, counts = [], []
    for a in arrays:
        if axis is None:
            locals_.append(a)
            counts.append(1)
            continue
        if a.ndim == 0:
            raise ValueError("%s: axis=%r needs values with at least one dimension, got a "
                             "scalar. Use axis=None to reduce scalars over the replicas."
                             % (where, axis))
        ax = int(axis)
        if not -a.ndim <= ax < a.ndim:
            raise ValueError("%s: axis=%d is out of range for a value of shape %s."
                             % (where, ax, a.shape))
        locals_.append(np.sum(a, axis=ax))
        counts.append(a.shape[ax])
    if comm.size > 1:
        buf = np.concatenate([np.asarray(x, np.float64).ravel() for x in locals_]
                             + [np.asarray(counts, np.float64)])
        total = comm.allreduce_sum(buf)
        out, pos = [], 0
        for x in locals_:
            out.append(total[pos:pos + x.size].reshape(x.shape))
            pos += x.size
        counts = total[pos:]
    else:
        out = [np.asarray(x) for x in locals_]
    results = []
    for a, s, c in zip(arrays, out, counts):
        if op is ReduceOp.SUM:
            r = np.asarray(s).astype(a.dtype, copy=False)
        elif a.dtype.kind in "iub" and axis is not None:
            r = np.asarray(s, np.float64) / float(c)            # as TensorFlow: float64
        else:
            r = np.asarray(np.asarray(s) / float(c)).astype(a.dtype, copy=False)
        results.append(_tensor(r))
    return nest.pack_sequence_as(value, results)


def gather_across(comm, value, axis, where):
    """The replicas' values concatenated along ``axis`` (in replica order)."""
    leaves = nest.flatten(value)
    arrays = [_leaf_array(v) for v in leaves]
    for a in arrays:
        if a.ndim == 0:
            raise ValueError("%s: cannot gather scalars along axis %r; give the values at "
                             "least one dimension (e.g. tf.expand_dims(v, 0))." % (where, axis))
    if comm.size == 1:
        return nest.pack_sequence_as(value, [_tensor(a) for a in arrays])
    everyone = comm.allgather(arrays)
    out = [_tensor(np.concatenate([parts[i] for parts in everyone], axis=int(axis)))
           for i in range(len(arrays))]
    return nest.pack_sequence_as(value, out)


class DistributedValues:
    """Base class of per-replica values.  ndflow keeps one replica per process, so
    ``strategy.run`` returns plain local values and nothing is an instance of this class;
    it exists for ``isinstance`` checks in programs written for TensorFlow."""


class InputReplicationMode(enum.Enum):
    PER_WORKER = "PER_WORKER"
    PER_REPLICA = "PER_REPLICA"


class InputOptions:
    """Options of the distributed-dataset functions (accepted; ndflow's input pipeline
    runs in the process that trains)."""

    def __init__(self, experimental_fetch_to_device=None,
                 experimental_replication_mode=InputReplicationMode.PER_WORKER,
                 experimental_place_dataset_on_device=False,
                 experimental_per_replica_buffer_size=1):
        self.experimental_fetch_to_device = experimental_fetch_to_device
        self.experimental_replication_mode = experimental_replication_mode
        self.experimental_place_dataset_on_device = experimental_place_dataset_on_device
        self.experimental_per_replica_buffer_size = experimental_per_replica_buffer_size


class RunOptions:
    def __init__(self, experimental_enable_dynamic_batch_size=True,
                 experimental_bucketizing_dynamic_shape=False,
                 experimental_xla_options=None):
        self.experimental_enable_dynamic_batch_size = experimental_enable_dynamic_batch_size
        self.experimental_bucketizing_dynamic_shape = experimental_bucketizing_dynamic_shape
        self.experimental_xla_options = experimental_xla_options
