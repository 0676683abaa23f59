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
import os

import numpy as np
import pytest

from _mpi_launch import HERE, load_script, two_rank_runs

SCRIPT = os.path.join(HERE, "mpi_evaluate.py")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    return two_rank_runs(SCRIPT, tmp_path_factory.mktemp("mpi_eval"))


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
    x, _, _ = load_script(SCRIPT).data()
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
