"""Strategies: the default one, ``OneDeviceStrategy`` and ``MirroredStrategy``.

ndflow runs one replica per process.  A strategy is the replicas (its collectives: see
``collectives.py``) plus the TensorFlow API around them:

* ``with strategy.scope():`` models and optimizers built and compiled inside belong to the
  strategy, and ``model.fit`` trains through it (data-parallel when it has several
  replicas, see ``training.py``);
* ``strategy.run(fn, args)`` calls ``fn`` in a replica context (``get_replica_context()``
  inside it gives ``all_reduce`` / ``all_gather``) and returns its (local) result;
* ``strategy.reduce(op, value, axis)`` / ``gather`` combine the replicas' values.

``MirroredStrategy`` mirrors over the devices of one process, which for ndflow is one
device: one replica.  Data parallelism across processes and machines is
``MultiWorkerMirroredStrategy`` under ``mpirun``.
"""
import contextlib

import numpy as np

from ndflow.backend import device as _device
from ndflow.core import replica
from ndflow.core.tensor import Tensor
from ndflow.distribute import collectives, input_lib, values
from ndflow.keras.engine import distribution


class _Scope:
    """``strategy.scope()``: a re-entrant context manager."""

    def __init__(self, strategy):
        self._strategy = strategy

    def __enter__(self):
        current = distribution.current()
        if current is not None and current.strategy is not self._strategy:
            raise RuntimeError(
                "Mixing different tf.distribute.Strategy objects: the scope of %r is open, "
                "so the scope of %r cannot be entered inside it. Create and train each model "
                "within a single strategy's scope." % (current.strategy, self._strategy))
        distribution.enter_scope(self._strategy._hooks)
        return self._strategy

    def __exit__(self, *exc):
        distribution.exit_scope(self._strategy._hooks)
        return False


class ReplicaContext:
    """What ``tf.distribute.get_replica_context()`` returns inside ``strategy.run``."""

    def __init__(self, strategy, replica_id_in_sync_group=0):
        self._strategy = strategy
        self._replica_id = int(replica_id_in_sync_group)

    @property
    def strategy(self):
        return self._strategy

    @property
    def num_replicas_in_sync(self):
        return self._strategy.num_replicas_in_sync

    @property
    def replica_id_in_sync_group(self):
        t = Tensor.__new__(Tensor)
        t._value = np.asarray(self._replica_id, dtype=np.int32)
        return t

    @property
    def devices(self):
        return tuple(self._strategy.extended.worker_devices)

    def all_reduce(self, reduce_op, value, options=None):
        """SUM or MEAN of ``value`` (a tensor or a nested structure of them) over the
        replicas; every replica gets the result."""
        return values.reduce_across(self._strategy._comm, reduce_op, value, None,
                                    "ReplicaContext.all_reduce")

    def all_gather(self, value, axis, options=None):
        """The replicas' values concatenated along ``axis``."""
        return values.gather_across(self._strategy._comm, value, axis,
                                    "ReplicaContext.all_gather")

    def merge_call(self, merge_fn, args=(), kwargs=None):
        """Call ``merge_fn(strategy, *args, **kwargs)`` once per replica (ndflow runs one
        replica per process, so there is nothing to merge within a process)."""
        return merge_fn(self._strategy, *args, **(kwargs or {}))

    def __repr__(self):
        return "<ReplicaContext replica %d of %d>" % (self._replica_id,
                                                      self.num_replicas_in_sync)


class StrategyExtended:
    """``strategy.extended``: the device-level part of the API that programs use."""

    def __init__(self, strategy, devices):
        self._strategy = strategy
        self._devices = tuple(devices)

    @property
    def worker_devices(self):
        return self._devices

    @property
    def parameter_devices(self):
        return self._devices

    @property
    def num_replicas_in_sync(self):
        return self._strategy.num_replicas_in_sync

    @property
    def should_checkpoint(self):
        """True on the replica that should write checkpoints (rank 0)."""
        return self._strategy._comm.rank == 0

    @property
    def should_save_summary(self):
        return self._strategy._comm.rank == 0

    @property
    def experimental_should_init(self):
        return True

    @property
    def experimental_between_graph(self):
        return self._strategy._comm.size > 1

    def variable_created_in_scope(self, v):
        return False

    def colocate_vars_with(self, colocate_with_variable):
        return contextlib.nullcontext()

    def value_container(self, value):
        return value

    def read_var(self, v):
        return v

    def reduce_to(self, reduce_op, value, destinations, options=None):
        return values.reduce_across(self._strategy._comm, reduce_op, value, None,
                                    "strategy.extended.reduce_to")

    def batch_reduce_to(self, reduce_op, value_destination_pairs, options=None):
        return [self.reduce_to(reduce_op, v, d) for v, d in value_destination_pairs]

    def broadcast_to(self, tensor, destinations):
        return tensor

    def update(self, var, fn, args=(), kwargs=None, group=True):
        return fn(var, *args, **(kwargs or {}))

    def call_for_each_replica(self, fn, args=(), kwargs=None):
        return self._strategy.run(fn, args, kwargs)


class Strategy:
    """Base class of the strategies (``tf.distribute.Strategy``)."""

    def __init__(self, comm, devices):
        from ndflow.distribute.training import DataParallelHooks
        self._comm = comm
        self._extended = StrategyExtended(self, devices)
        self._hooks = DataParallelHooks(self)
        self._replica_context = ReplicaContext(self, comm.rank)

    # ---- properties ----
    @property
    def extended(self):
        return self._extended

    @property
    def num_replicas_in_sync(self):
        return self._comm.size

    @property
    def cluster_resolver(self):
        return None

    # ---- scope ----
    def scope(self):
        """Context manager: models, optimizers and ``compile`` inside it belong to this
        strategy (``model.fit`` then trains through it)."""
        return _Scope(self)

    def _run_device(self):
        return contextlib.nullcontext()

    # ---- running replica functions ----
    def run(self, fn, args=(), kwargs=None, options=None):
        """Call ``fn(*args, **kwargs)`` as this process's replica and return its result.

        Inside ``fn``, ``tf.distribute.get_replica_context()`` gives ``all_reduce`` and
        ``all_gather`` across the replicas."""
        if not callable(fn):
            raise TypeError("strategy.run: fn must be callable, got %s." % type(fn).__name__)
        if isinstance(args, (Tensor, dict)) or not isinstance(args, (tuple, list)):
            raise TypeError("strategy.run: args must be a tuple or list of arguments, got %s. "
                            "Write args=(x,) for a single argument." % type(args).__name__)
        hooks = self._hooks
        distribution.enter_replica(hooks)
        hooks._in_run += 1
        # tf.nn.compute_average_loss / scale_regularization_loss divide by the replica
        # count inside strategy.run (the optimizer then sums the replicas' gradients); a
        # fit step keeps 1, since fit averages the replicas' gradients instead
        replica.push(self.num_replicas_in_sync)
        try:
            with self._run_device():
                return fn(*args, **(kwargs or {}))
        finally:
            replica.pop()
            hooks._in_run -= 1
            distribution.exit_replica(hooks)

    def experimental_run(self, fn, input_iterator=None):
        return self.run(fn, (next(input_iterator),) if input_iterator is not None else ())

    def reduce(self, reduce_op, value, axis):
        """Combine a per-replica ``value`` over the replicas: ``ReduceOp.SUM`` or ``MEAN``;
        with ``axis`` also over that axis of each value (a mean over all the samples of
        all replicas)."""
        return values.reduce_across(self._comm, reduce_op, value, axis, "strategy.reduce")

    def gather(self, value, axis):
        """The replicas' values concatenated along ``axis``, on every replica."""
        return values.gather_across(self._comm, value, axis, "strategy.gather")

    def experimental_local_results(self, value):
        """The values of this process's replicas: a one-element tuple."""
        return (value,)

    unwrap = experimental_local_results

    def group(self, value, name=None):
        return value

    # ---- input ----
    def experimental_distribute_dataset(self, dataset, options=None):
        """Each replica's share of ``dataset``, whose batches are GLOBAL batches: every
        batch is split into ``num_replicas_in_sync`` contiguous parts."""
        return input_lib.DistributedDataset(dataset, self._comm, split=True)

    def distribute_datasets_from_function(self, dataset_fn, options=None):
        """``dataset_fn(input_context)`` builds this process's dataset of per-replica
        batches (shard it with ``input_context.input_pipeline_id`` and size the batches
        with ``input_context.get_per_replica_batch_size(global_batch_size)``)."""
        if not callable(dataset_fn):
            raise TypeError("distribute_datasets_from_function: dataset_fn must be a function "
                            "taking a tf.distribute.InputContext, got %s."
                            % type(dataset_fn).__name__)
        ctx = values.InputContext(num_input_pipelines=self._comm.size,
                                  input_pipeline_id=self._comm.rank,
                                  num_replicas_in_sync=self._comm.size)
        return input_lib.DistributedDataset(dataset_fn(ctx), self._comm, split=False)

    experimental_distribute_datasets_from_function = distribute_datasets_from_function

    def experimental_distribute_values_from_function(self, value_fn):
        return value_fn(values.ValueContext(self._comm.rank, self._comm.size))

    def __repr__(self):
        return "<%s with %d replica(s)>" % (type(self).__name__, self.num_replicas_in_sync)


_CPU0 = "/job:localhost/replica:0/task:0/device:CPU:0"


class _DefaultStrategy(Strategy):
    """The strategy in effect outside every ``scope()``: one replica, no distribution."""

    def __init__(self):
        super().__init__(collectives.LocalCollectives(), [_CPU0])


class OneDeviceStrategy(Strategy):
    """Everything on one device; one replica (``tf.distribute.OneDeviceStrategy``)."""

    def __init__(self, device):
        self._device = _device.canonical(device)
        if self._device is None:
            raise ValueError("OneDeviceStrategy: expected a device string such as '/cpu:0' "
                             "or '/gpu:0', got %r." % (device,))
        super().__init__(collectives.LocalCollectives(), [self._device])

    def _run_device(self):
        return _device.device(self._device)


class CrossDeviceOps:
    """How a ``MirroredStrategy`` reduces across its devices.  Accepted so that programs
    written for several GPUs run; ndflow mirrors over one device per process."""

    def __init__(self, *args, **kwargs):
        pass


class ReductionToOneDevice(CrossDeviceOps):
    pass


class HierarchicalCopyAllReduce(CrossDeviceOps):
    pass


class NcclAllReduce(CrossDeviceOps):
    pass


class MirroredStrategy(Strategy):
    """Synchronous data parallelism over the devices of this process
    (``tf.distribute.MirroredStrategy``).

    ndflow runs one replica per process, so ``MirroredStrategy()`` has one replica and
    ``fit`` inside its scope trains exactly as without it.  To train on several processes
    or machines, use ``MultiWorkerMirroredStrategy`` and launch with ``mpirun -n N``."""

    def __init__(self, devices=None, cross_device_ops=None):
        if cross_device_ops is not None and not isinstance(cross_device_ops, CrossDeviceOps):
            raise TypeError("MirroredStrategy: cross_device_ops must be a "
                            "tf.distribute.CrossDeviceOps (e.g. HierarchicalCopyAllReduce()), "
                            "got %s." % type(cross_device_ops).__name__)
        if devices is None:
            devices = [_CPU0]
        elif isinstance(devices, str):
            devices = [devices]
        devices = [_device.canonical(d) for d in devices]
        if len(devices) != len(set(devices)):
            raise ValueError("MirroredStrategy: the devices %s contain duplicates." % devices)
        if len(devices) > 1:
            raise ValueError(
                "MirroredStrategy(devices=%s): ndflow runs one replica per process, so it can "
                "mirror over one device only. For data-parallel training use "
                "tf.distribute.MultiWorkerMirroredStrategy() and start one process per "
                "replica with `mpirun -n %d python train.py`." % (devices, len(devices)))
        if not devices:
            raise ValueError("MirroredStrategy: the list of devices is empty.")
        super().__init__(collectives.LocalCollectives(), devices)
        self._cross_device_ops = cross_device_ops


_DEFAULT = []


def _default_strategy():
    if not _DEFAULT:
        _DEFAULT.append(_DefaultStrategy())
    return _DEFAULT[0]


def get_strategy():
    """The strategy in effect: the one whose ``run`` or ``scope()`` is active, else the
    default (one replica)."""
    hooks = distribution.current_replica() or distribution.current()
    return hooks.strategy if hooks is not None else _default_strategy()


def has_strategy():
    """True inside a non-default strategy's scope (or ``run``)."""
    return get_strategy() is not _default_strategy()


def in_cross_replica_context():
    """True inside a ``strategy.scope()`` but not inside ``strategy.run``."""
    return distribution.current_replica() is None and distribution.current() is not None


def get_replica_context():
    """Inside ``strategy.run`` (or a ``fit`` step): that replica's context; inside a
    ``scope()``: None (cross-replica context); elsewhere: the default replica context."""
    hooks = distribution.current_replica()
    if hooks is not None:
        return hooks.strategy._replica_context
    if distribution.current() is not None:
        return None
    return _default_strategy()._replica_context


_SET = []   # the scope entered by experimental_set_strategy


def experimental_set_strategy(strategy):
    """Enter ``strategy``'s scope for the rest of the program (None: leave it)."""
    while _SET:
        _SET.pop().__exit__(None, None, None)
    if strategy is not None:
        scope = strategy.scope()
        scope.__enter__()
        _SET.append(scope)
