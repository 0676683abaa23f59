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
import os

import numpy as np
import pytest

from _mpi_launch import HERE, load_script, two_rank_runs

SCRIPT = os.path.join(HERE, "mpi_train.py")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    return two_rank_runs(SCRIPT, tmp_path_factory.mktemp("mpi"))


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
    x, _ = load_script(SCRIPT).data()
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
