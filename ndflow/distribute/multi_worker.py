"""``MultiWorkerMirroredStrategy``: one replica per process, the processes joined by MPI.

    # train.py                                    $ mpirun -n 4 python train.py
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    with strategy.scope():
        model = make_model()
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=256, epochs=5)     # 256 = global batch, 64 per process

Every process runs the same program.  ``fit`` splits each global batch over the processes,
averages the gradients with an MPI Allreduce and reports the loss/metrics of the whole
batch everywhere (see ``training.py``).  Without an MPI launcher (plain ``python
train.py``) the strategy has one replica and MPI is not started.  mpi4py (the ``mpi``
extra) and an MPI library are needed under ``mpirun``.
"""
import os
import warnings

from ndflow.backend import random as _random
from ndflow.distribute import cluster_resolver as _resolver
from ndflow.distribute import collectives
from ndflow.distribute.strategy import Strategy, _CPU0


class CommunicationImplementation:
    """``tf.distribute.experimental.CommunicationImplementation`` (accepted, unused:
    ndflow's collectives are MPI's)."""

    AUTO = "AUTO"
    RING = "RING"
    NCCL = "NCCL"


CollectiveCommunication = CommunicationImplementation


class CommunicationOptions:
    def __init__(self, bytes_per_pack=0, timeout_seconds=None,
                 implementation=CommunicationImplementation.AUTO):
        self.bytes_per_pack = bytes_per_pack
        self.timeout_seconds = timeout_seconds
        self.implementation = implementation


class MultiWorkerMirroredStrategy(Strategy):
    """Synchronous data parallelism over the processes of an MPI job
    (``mpirun -n N python train.py``): ``num_replicas_in_sync == N``."""

    def __init__(self, cluster_resolver=None, communication_options=None):
        comm = collectives.mpi_collectives("MultiWorkerMirroredStrategy")
        launched = collectives.launched_by_mpi()
        super().__init__(comm, ["/job:worker/replica:0/task:%d/device:CPU:0" % comm.rank]
                         if launched else [_CPU0])
        self._cluster_resolver = cluster_resolver if cluster_resolver is not None else \
            _resolver.MPIClusterResolver(comm, launched)
        self._communication_options = communication_options
        if not launched and os.environ.get("TF_CONFIG"):
            warnings.warn(
                "MultiWorkerMirroredStrategy: TF_CONFIG is set, but ndflow's workers find "
                "each other through MPI, not TF_CONFIG: this process trains as a single "
                "replica. Start the workers with `mpirun -n N python train.py`.",
                UserWarning, stacklevel=2)
        if comm.size > 1:
            # one random stream for all processes: models, shuffles and dropout built from
            # here on agree (rank 0's state wins)
            state = comm.bcast(_random.get_state() if comm.rank == 0 else None)
            if comm.rank != 0:
                _random.set_state(state)

    @property
    def cluster_resolver(self):
        return self._cluster_resolver
