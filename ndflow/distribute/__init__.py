"""``tf.distribute``: strategies for data-parallel training.

* ``get_strategy()`` / ``has_strategy()`` / ``in_cross_replica_context()`` /
  ``get_replica_context()``: what is in effect;
* ``OneDeviceStrategy``, ``MirroredStrategy``: one replica (ndflow runs one replica per
  process), so existing programs run unchanged;
* ``MultiWorkerMirroredStrategy``: one replica per process of an MPI job
  (``mpirun -n 8 python train.py``), through mpi4py (the ``mpi`` extra).

Loaded on first use of ``tf.distribute``; mpi4py only when a multi-worker strategy is
created under an MPI launcher.
"""
from ndflow.distribute import cluster_resolver, experimental  # noqa: F401
from ndflow.distribute.input_lib import DistributedDataset, DistributedIterator  # noqa: F401
from ndflow.distribute.multi_worker import MultiWorkerMirroredStrategy  # noqa: F401
from ndflow.distribute.strategy import (CrossDeviceOps, HierarchicalCopyAllReduce,  # noqa: F401
                                        MirroredStrategy, NcclAllReduce, OneDeviceStrategy,
                                        ReductionToOneDevice, ReplicaContext, Strategy,
                                        StrategyExtended, experimental_set_strategy,
                                        get_replica_context, get_strategy, has_strategy,
                                        in_cross_replica_context)
from ndflow.distribute.values import (DistributedValues, InputContext,  # noqa: F401
                                      InputOptions, InputReplicationMode, ReduceOp,
                                      RunOptions)
