"""Shared by the two-process MPI tests: launching a script under ``mpiexec -n 2`` (the
test side) and saving each rank's results (the script side).

A script (``mpi_train.py``, ``mpi_evaluate.py``) defines ``run(tf, strategy, rank)`` that
returns a dict of arrays and ends with ``rank_main(run)``; the test calls
``two_rank_runs(script, tmp_dir)`` to get each rank's dict and the single-process
reference, the same ``run`` in this process with one replica and rank 0's seed."""
import importlib.util
import os
import shutil
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


# ---- script side ---------------------------------------------------------------------------

def rank_main(run):
    """Run ``run`` on this MPI rank and save its dict to ``<argv[1]>/rank<r>.npz``."""
    import ndflow as tf
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    rank = strategy.cluster_resolver.task_id
    out = run(tf, strategy, rank)
    np.savez(os.path.join(sys.argv[1], "rank%d.npz" % rank), **out)


# ---- test side -----------------------------------------------------------------------------

def load_script(path):
    """Import the script at ``path`` as a module (without running its ``__main__`` part)."""
    name = "ndflow_" + os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def mpiexec():
    import pytest
    try:
        import mpi4py  # noqa: F401
    except ImportError as e:
        pytest.fail("mpi4py is not installed (%s): install the test extra, "
                    "`pip install -e '.[test]'` (it brings mpi4py and mpich)." % e)
    here = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    found = here if os.path.exists(here) else shutil.which("mpiexec")
    if found is None:
        pytest.fail("no `mpiexec` next to %s nor on PATH: install an MPI library, e.g. "
                    "`pip install mpich` (part of the test extra)." % sys.executable)
    return found


def two_rank_runs(script, out):
    """Run ``script`` under ``mpiexec -n 2`` writing into the folder ``out``; return the two
    ranks' result dicts and the single-process reference."""
    import pytest
    import ndflow as tf
    cmd_mpiexec = mpiexec()
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    for name in ("PMI_SIZE", "PMI_RANK", "OMPI_COMM_WORLD_SIZE", "NDFLOW_MPI"):
        env.pop(name, None)
    cmd = [cmd_mpiexec, "-n", "2", sys.executable, script, str(out)]
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=90)
    except subprocess.TimeoutExpired as e:
        pytest.fail("`%s` did not finish within 90 s (a rank waiting in a collective?).\n"
                    "stdout:\n%s\nstderr:\n%s" % (" ".join(cmd), e.stdout, e.stderr))
    assert proc.returncode == 0, "`%s` failed (exit %d).\nstdout:\n%s\nstderr:\n%s" % (
        " ".join(cmd), proc.returncode, proc.stdout, proc.stderr)
    ranks = [dict(np.load(os.path.join(out, "rank%d.npz" % r))) for r in (0, 1)]
    # the single-process reference: the same program, one replica, rank 0's seed
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    assert strategy.num_replicas_in_sync == 1
    reference = load_script(script).run(tf, strategy, 0)
    return ranks, reference
