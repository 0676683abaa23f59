"""evaluate / predict under MultiWorkerMirroredStrategy across two MPI processes.

tests/distribute/mpi_evaluate.py runs under ``mpiexec -n 2``: every global batch is split
over the two processes (8 + 7 samples of 15, and a last batch of one sample whose slice
on rank 1 is empty), evaluate sums the metrics' state over the ranks (AUC's confusion
counts, Mean's total and count, sample-weighted sums, a lazily built R2Score, the loss
tracker with a regularization term) and predict gathers the outputs in order.  Each rank
seeds its random generator differently, so the ranks only agree if evaluate and predict
take rank 0's weights.  The reference is the same script run here as one process: both
ranks must return exactly the same numbers, equal to the reference to float32 rounding.

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
SCRIPT = os.path.join(HERE, "mpi_evaluate.py")


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


def _load_script():
    spec = importlib.util.spec_from_file_location("ndflow_mpi_evaluate", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    mpiexec = _mpiexec()
    out = tmp_path_factory.mktemp("mpi_eval")
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
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    assert strategy.num_replicas_in_sync == 1
    reference = _load_script().run(tf, strategy, 0)
    return ranks, reference


def test_batches_are_split(runs):
    ranks, ref = runs
    assert int(ranks[0]["num_replicas"]) == 2 and int(ref["num_replicas"]) == 1
    # predict_step ran on 8 + 7 of each global batch of 15; on the last batch of one
    # sample rank 1 ran a stand-in step on that sample, whose output was dropped
    assert ranks[0]["pred_local_sizes"].tolist() == [8, 8, 8, 8, 1]
    assert ranks[1]["pred_local_sizes"].tolist() == [7, 7, 7, 7, 1]
    assert ref["pred_local_sizes"].tolist() == [15, 15, 15, 15, 1]


def test_ranks_return_identical_results(runs):
    ranks, _ = runs
    assert sorted(ranks[0]) == sorted(ranks[1])
    for key in ranks[0]:
        if key != "pred_local_sizes":
            np.testing.assert_array_equal(ranks[0][key], ranks[1][key], err_msg=key)


def test_evaluate_equals_single_process(runs):
    ranks, ref = runs
    assert ref["eval_keys"].tolist() == ["accuracy", "auc", "loss", "precision", "r2",
                                         "wmse"]
    assert ranks[0]["eval_keys"].tolist() == ref["eval_keys"].tolist()
    for key in ("eval_values", "eval_batch_logs", "eval_list", "one_sample_values",
                "custom_last_batch"):
        assert ranks[0][key].shape == ref[key].shape, key
        np.testing.assert_allclose(ranks[0][key], ref[key], rtol=1e-6, atol=1e-7,
                                   err_msg=key)
    # a callback saw the logs of every global batch, the last one included
    assert ref["eval_batch_logs"].shape == (5, 3)
    np.testing.assert_array_equal(ranks[0]["metric_vars"], ref["metric_vars"])


def test_predict_gathers_all_outputs_in_order(runs):
    ranks, ref = runs
    x, _, _ = _load_script().data()
    for key, rows in (("pred", 61), ("pred_ds", 40), ("two_out_a", 61), ("two_out_b", 61)):
        assert ranks[0][key].shape[0] == rows and ref[key].shape[0] == rows, key
        np.testing.assert_allclose(ranks[0][key], ref[key], rtol=1e-6, atol=1e-7,
                                   err_msg=key)
    # the gathered rows are the model's outputs for x in x's order (NumPy forward pass)
    w1, b1, w2, b2, w3, b3 = (ranks[0]["two_w%d" % i].astype(np.float64) for i in range(6))
    h = np.maximum(x.astype(np.float64) @ w1 + b1, 0.0)
    np.testing.assert_allclose(ranks[0]["two_out_a"], h @ w2 + b2, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ranks[0]["two_out_b"], h @ w3 + b3, rtol=1e-5, atol=1e-6)


def test_fit_validation_uses_the_distributed_evaluate(runs):
    ranks, ref = runs
    keys = [k for k in ref if k.startswith(("split_", "vdata_", "fit_w"))]
    assert len(keys) == 6 + 3 + 4
    for key in keys:
        np.testing.assert_allclose(ranks[0][key], ref[key], rtol=1e-6, atol=1e-6,
                                   err_msg=key)
    assert ref["split_val_loss"].shape == (2,)
