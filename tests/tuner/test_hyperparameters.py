"""HyperParameters: ranges, steps, sampling distributions, conditions, defaults."""
import math

import numpy as np
import pytest

import ndflow.tuner as kt
from ndflow.tuner import hyperparameters as hpm

N = 3000


def _samples(hp, n=N, seed=0):
    rng = np.random.default_rng(seed)
    return [hp.random_sample(rng) for _ in range(n)]


def test_int_with_step_stays_on_grid_and_covers_it():
    hp = hpm.Int("u", 32, 128, step=32)
    values = _samples(hp)
    assert set(values) == {32, 64, 96, 128}
    assert all(isinstance(v, int) for v in values)
    # every grid value about equally likely
    counts = np.array([values.count(v) for v in (32, 64, 96, 128)])
    assert counts.min() > N / 4 * 0.85


def test_int_step_not_dividing_range():
    # keras-tuner: values are min + k*step up to max -> 6, 9, 12
    assert set(_samples(hpm.Int("n", 6, 13, step=3), 500)) == {6, 9, 12}


def test_int_without_step_includes_both_ends():
    values = _samples(hpm.Int("n", 1, 3))
    assert set(values) == {1, 2, 3}
    counts = np.array([values.count(v) for v in (1, 2, 3)])
    assert counts.min() > N / 3 * 0.85


def test_int_log_step_is_geometric():
    values = _samples(hpm.Int("b", 2, 32, step=2, sampling="log"), 1000)
    assert set(values) == {2, 4, 8, 16, 32}


def test_float_step_grid_includes_max_and_is_clean():
    values = _samples(hpm.Float("d", 0.1, 0.5, step=0.1), 2000)
    assert set(values) == {0.1, 0.2, 0.3, 0.4, 0.5}


def test_float_linear_is_uniform():
    from scipy import stats
    values = np.array(_samples(hpm.Float("x", -2.0, 3.0)))
    assert values.min() >= -2.0 and values.max() <= 3.0
    assert stats.kstest((values + 2.0) / 5.0, "uniform").pvalue > 0.01


def test_float_log_sampling_is_log_uniform():
    from scipy import stats
    lo, hi = 1e-4, 1e-2
    values = np.array(_samples(hpm.Float("lr", lo, hi, sampling="log")))
    assert values.min() >= lo * (1 - 1e-12) and values.max() <= hi * (1 + 1e-12)
    u = (np.log(values) - math.log(lo)) / (math.log(hi) - math.log(lo))
    assert stats.kstest(u, "uniform").pvalue > 0.01
    # the same test rejects linear sampling: it can fail
    lin = np.array(_samples(hpm.Float("lr", lo, hi)))
    u_lin = (np.log(lin) - math.log(lo)) / (math.log(hi) - math.log(lo))
    assert stats.kstest(u_lin, "uniform").pvalue < 1e-6
    # a decade each: about half the samples below 1e-3
    assert abs(np.mean(values < 1e-3) - 0.5) < 0.04


def test_float_reverse_log_mirrors_log():
    from scipy import stats
    lo, hi = 0.001, 1.0
    values = np.array(_samples(hpm.Float("m", lo, hi, sampling="reverse_log")))
    assert values.min() >= lo - 1e-12 and values.max() <= hi + 1e-12
    mirrored = hi + lo - values          # log-uniform on [lo, hi]
    u = (np.log(mirrored) - math.log(lo)) / (math.log(hi) - math.log(lo))
    assert stats.kstest(u, "uniform").pvalue > 0.01
    assert np.median(values) > 0.9       # crowded near max_value


def test_int_log_without_step_is_log_uniform_over_integers():
    values = np.array(_samples(hpm.Int("n", 1, 1000, sampling="log")))
    assert values.min() >= 1 and values.max() <= 1000
    # P(n < 32) = log(32)/log(1001)
    assert abs(np.mean(values < 32) - math.log(32) / math.log(1001)) < 0.04


@pytest.mark.parametrize("hp", [
    hpm.Int("a", 0, 10), hpm.Int("b", 32, 128, step=32), hpm.Int("c", 2, 64, step=2,
                                                                  sampling="log"),
    hpm.Float("d", 0.1, 0.5, step=0.1), hpm.Float("e", 1e-4, 1e-1, sampling="log"),
    hpm.Float("f", 0.0, 1.0), hpm.Choice("g", ["x", "y", "z"]), hpm.Boolean("h")])
def test_prob_value_round_trip(hp):
    for v in set(_samples(hp, 200)):
        p = hp.value_to_prob(v)
        assert 0.0 <= p <= 1.0
        back = hp.prob_to_value(p)
        if isinstance(v, float):
            assert back == pytest.approx(v, rel=1e-9)
        else:
            assert back == v


def test_defaults_and_values():
    hp = kt.HyperParameters()
    assert hp.Int("units", 32, 128, step=32) == 32
    assert hp.Float("rate", 0.1, 0.5) == 0.1
    assert hp.Float("lr", 1e-4, 1e-2, sampling="log", default=1e-3) == 1e-3
    assert hp.Choice("act", ["relu", "tanh"]) == "relu"
    assert hp.Boolean("bn") is False
    assert hp.Fixed("batch", 64) == 64
    assert hp.values == {"units": 32, "rate": 0.1, "lr": 1e-3, "act": "relu", "bn": False,
                         "batch": 64}
    assert hp.get("units") == 32 and hp["act"] == "relu" and "bn" in hp
    hp.values["units"] = 96
    assert hp.Int("units", 32, 128, step=32) == 96      # registered: returns the value
    assert len(hp.space) == 6
    with pytest.raises(KeyError, match="does not exist"):
        hp.get("nope")


def test_invalid_declarations_raise_clear_errors():
    hp = kt.HyperParameters()
    with pytest.raises(ValueError, match="min_value"):
        hp.Int("a", 5, 1)
    with pytest.raises(ValueError, match="min_value > 0"):
        hp.Float("b", 0.0, 1.0, sampling="log")
    with pytest.raises(ValueError, match="sampling"):
        hp.Float("c", 0.1, 1.0, sampling="square")
    with pytest.raises(ValueError, match="integer"):
        hp.Int("d", 0.5, 3)
    with pytest.raises(ValueError, match="not one of"):
        hp.Choice("e", [1, 2], default=3)
    with pytest.raises(TypeError, match="one type"):
        hp.Choice("f", [1, "a"])


def test_conditional_scope_and_parent_conditions():
    hp = kt.HyperParameters()
    model = hp.Choice("model", ["mlp", "cnn"])
    with hp.conditional_scope("model", ["mlp"]):
        units = hp.Int("units", 8, 64, step=8)
    with hp.conditional_scope("model", ["cnn"]):
        filters = hp.Int("filters", 4, 16, step=4)
    kernel = hp.Int("kernel", 3, 5, parent_name="model", parent_values=["cnn"])
    assert (model, units, filters, kernel) == ("mlp", 8, None, None)
    assert hp.values == {"model": "mlp", "units": 8}
    with pytest.raises(ValueError, match="inactive"):
        hp.get("filters")
    assert not hp.is_active("filters") and hp.is_active("units")
    hp.values["model"] = "cnn"
    hp.ensure_active_values()
    assert hp.values == {"model": "cnn", "filters": 4, "kernel": 3}
    with pytest.raises(ValueError, match="not defined"):
        with hp.conditional_scope("missing", [1]):
            pass


def test_random_values_respect_conditions():
    hp = kt.HyperParameters()
    hp.Choice("model", ["mlp", "cnn"])
    with hp.conditional_scope("model", ["mlp"]):
        hp.Int("units", 8, 64, step=8)
    with hp.conditional_scope("model", ["cnn"]):
        hp.Int("filters", 4, 16, step=4)
    oracle = kt.oracles.RandomSearchOracle(kt.Objective("s", "min"), max_trials=50, seed=3,
                                           hyperparameters=hp)
    seen = set()
    for _ in range(30):
        values = oracle._random_values()
        if values is None:
            break
        oracle._tried_so_far.add(oracle._values_hash(values))
        keys = set(values)
        assert keys in ({"model", "units"}, {"model", "filters"}), values
        seen.add(values["model"])
    assert seen == {"mlp", "cnn"}


def test_config_round_trip_and_copy_independence():
    hp = kt.HyperParameters()
    hp.Int("a", 1, 9, step=2)
    hp.Float("b", 1e-3, 1.0, sampling="log")
    hp.Choice("c", [1, 2, 4])
    with hp.conditional_scope("c", [4]):
        hp.Boolean("d")
    hp.values["a"] = 7
    clone = kt.HyperParameters.from_config(hp.get_config())
    assert clone.get_config() == hp.get_config()
    clone.values["a"] = 9
    assert hp.values["a"] == 7
    assert [type(p).__name__ for p in clone.space] == ["Int", "Float", "Choice", "Boolean"]
    assert clone.space[3].conditions == [hpm.Condition("c", [4])]


def test_name_scope():
    hp = kt.HyperParameters()
    with hp.name_scope("block1"):
        hp.Int("units", 1, 4)
    assert "block1/units" in hp.values


def test_old_keras_tuner_module_paths():
    from ndflow.tuner.engine.hypermodel import HyperModel
    from ndflow.tuner.engine.hyperparameters import HyperParameters
    assert HyperParameters is kt.HyperParameters and HyperModel is kt.HyperModel
    assert kt.oracles.Hyperband is kt.HyperbandOracle and kt.tuners.Hyperband is kt.Hyperband
