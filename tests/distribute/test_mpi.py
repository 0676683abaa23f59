"""MultiWorkerMirroredStrategy across two MPI processes (mpiexec -n 2).

The script tests/distribute/mpi_train.py trains a small model on fixed data with
``model.fit`` (arrays, then a Dataset) and with a custom loop (``strategy.run`` +
``all_reduce`` + ``strategy.reduce``).  Each rank starts from different weights and random
state (a rank-dependent seed), so the ranks only agree if fit broadcasts rank 0's.  The
reference is the same script run here as one process: the gradient of the mean loss over a
global batch equals the average of the two halves' mean gradients, so both runs must end
with the same weights (to float32 rounding) and report the same losses.

mpi4py and MPICH (with its ``mpiexec``) come with the ``test`` extra; without them this
test fails, it does not skip.
"""
import importlib.util
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import ndflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SCRIPT = os.path.join(HERE, "mpi_train.py")


def _load_script():
    spec = importlib.util.spec_from_file_location("ndflow_mpi_train", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _mpiexec():
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


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    mpiexec = _mpiexec()
    out = tmp_path_factory.mktemp("mpi")
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    for name in ("PMI_SIZE", "PMI_RANK", "OMPI_COMM_WORLD_SIZE", "NDFLOW_MPI"):
        env.pop(name, None)
    cmd = [mpiexec, "-n", "2", sys.executable, SCRIPT, str(out)]
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
    reference = _load_script().run(tf, strategy, 0)
    return ranks, reference


def test_two_replicas(runs):
    ranks, ref = runs
    assert int(ranks[0]["num_replicas"]) == 2 and int(ranks[1]["num_replicas"]) == 2
    assert int(ref["num_replicas"]) == 1
    # each replica got half of every global batch of 16
    assert ranks[0]["local_batch"].tolist() == [8, 8, 8, 8]
    assert ranks[1]["local_batch"].tolist() == [8, 8, 8, 8]
    assert ref["local_batch"].tolist() == [16, 16, 16, 16]


def test_ranks_end_identical(runs):
    ranks, _ = runs
    assert sorted(ranks[0]) == sorted(ranks[1])
    for key in ranks[0]:
        np.testing.assert_array_equal(ranks[0][key], ranks[1][key], err_msg=key)


def test_fit_equals_single_process(runs):
    ranks, ref = runs
    keys = [k for k in ref if k.startswith(("fit_w", "opt_w", "ctl_w", "ctl2_w",
                                            "custom_step_w"))]
    assert len([k for k in keys if k.startswith("fit_w")]) == 4
    assert len([k for k in keys if k.startswith("opt_w")]) == 10   # Adam: 2 + 4 x 2 slots
    for key in keys:
        np.testing.assert_allclose(ranks[0][key], ref[key], rtol=0, atol=1e-6, err_msg=key)
    assert len([k for k in keys if k.startswith("ctl2_w")]) == 4
    assert len([k for k in keys if k.startswith("custom_step_w")]) == 2
    # each custom loop moved the weights on from where the previous one left them
    assert np.abs(ref["fit_w0"] - ref["ctl_w0"]).max() > 1e-3
    assert np.abs(ref["ctl_w0"] - ref["ctl2_w0"]).max() > 1e-3


def test_reduced_logs_equal_single_process(runs):
    ranks, ref = runs
    for key in ("fit_loss", "fit_mae", "ds_loss", "eval", "ctl_loss"):
        np.testing.assert_allclose(ranks[0][key], ref[key], rtol=1e-6, atol=1e-7,
                                   err_msg=key)
    assert ref["fit_loss"][1] < ref["fit_loss"][0]


def test_gather_and_reduce_across_ranks(runs):
    ranks, _ = runs
    x, _ = _load_script().data()
    np.testing.assert_array_equal(ranks[0]["gathered_x"], x[:16])
    np.testing.assert_allclose(ranks[0]["mean_x"], x[:16].mean(axis=0), rtol=1e-6,
                               atol=1e-7)


def test_custom_train_step_without_averaging_is_reported(runs):
    ranks, ref = runs
    for r in ranks:
        # apply_gradients averaged the custom train_step's gradients: no error
        assert str(r["custom_step_error"]) == ""
        msg = str(r["forgetful_step_error"])
        assert "replicas' weights differ" in msg and "all_reduce" in msg
    assert str(ref["forgetful_step_error"]) == ""   # one replica: nothing to average
