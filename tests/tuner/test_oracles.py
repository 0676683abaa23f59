"""Objectives, RandomSearch / GridSearch / BayesianOptimization oracles driven directly."""
import itertools

import numpy as np
import pytest

import ndflow.tuner as kt
from ndflow.tuner.trial import TrialStatus


def test_objective_direction_follows_keras_rule():
    cases = {"val_accuracy": "max", "accuracy": "max", "val_acc": "max", "auc": "max",
             "val_auc_1": "max", "val_precision": "max", "recall": "max",
             "val_loss": "min", "loss": "min", "val_mae": "min", "mse": "min",
             "val_mean_squared_error": "min", "val_output_a_loss": "min"}
    for name, direction in cases.items():
        tuner_obj = kt.oracles.RandomSearchOracle(objective=name).objective
        assert (tuner_obj.name, tuner_obj.direction) == (name, direction)
    with pytest.raises(ValueError, match="Objective"):
        kt.oracles.RandomSearchOracle(objective="val_my_metric")
    obj = kt.Objective("val_my_metric", "max")
    assert kt.oracles.RandomSearchOracle(objective=obj).objective is obj
    assert obj.better_than(2, 1) and not kt.Objective("l", "min").better_than(2, 1)
    with pytest.raises(ValueError, match="'min' or 'max'"):
        kt.Objective("x", "up")


def _space(d):
    hp = kt.HyperParameters()
    for i in range(d):
        hp.Float("x%d" % i, -2.0, 2.0)
    return hp


def _bumpy(values):
    x = np.array([values[k] for k in sorted(values)])
    return float(np.sum((x - 0.3) ** 2) + 0.1 * np.sum(np.sin(3 * x)))


def drive(oracle, f):
    """Run an oracle to the end on ``f`` (to minimize); returns the trials in order."""
    while True:
        trial = oracle.create_trial("t0")
        if trial.status != TrialStatus.RUNNING:
            break
        oracle.update_trial(trial.trial_id, {oracle.objective.name: f(trial.hyperparameters
                                                                      .values)})
        trial.status = TrialStatus.COMPLETED
        oracle.end_trial(trial)
    return [oracle.trials[i] for i in oracle.start_order]


def test_random_search_respects_max_trials_and_never_repeats():
    hp = kt.HyperParameters()
    hp.Int("a", 0, 3)
    hp.Choice("b", ["x", "y"])
    oracle = kt.oracles.RandomSearchOracle(kt.Objective("s", "min"), max_trials=6, seed=1,
                                           hyperparameters=hp)
    trials = drive(oracle, lambda v: v["a"])
    assert [t.trial_id for t in trials] == ["0", "1", "2", "3", "4", "5"]
    combos = [(t.hyperparameters.values["a"], t.hyperparameters.values["b"]) for t in trials]
    assert len(set(combos)) == 6
    # the space has 8 points: a longer search stops after exhausting them
    oracle = kt.oracles.RandomSearchOracle(kt.Objective("s", "min"), max_trials=50, seed=1,
                                           hyperparameters=hp)
    assert len(drive(oracle, lambda v: v["a"])) == 8


def test_random_search_is_reproducible_from_its_seed():
    runs = [[t.hyperparameters.values for t in drive(
        kt.oracles.RandomSearchOracle(kt.Objective("s", "min"), max_trials=5, seed=s,
                                      hyperparameters=_space(2)), _bumpy)] for s in (4, 4, 5)]
    assert runs[0] == runs[1] and runs[0] != runs[2]


def test_trial_seeds_are_recorded_and_distinct():
    oracle = kt.oracles.RandomSearchOracle(kt.Objective("s", "min"), max_trials=5, seed=9,
                                           hyperparameters=_space(1))
    seeds = [t.seed for t in drive(oracle, _bumpy)]
    assert len(set(seeds)) == 5 and all(isinstance(s, int) for s in seeds)


def test_grid_search_enumerates_every_combination_in_order():
    hp = kt.HyperParameters()
    hp.Choice("opt", ["sgd", "adam"])
    hp.Int("units", 16, 48, step=16)
    hp.Boolean("bn")
    oracle = kt.oracles.GridSearchOracle(kt.Objective("s", "min"), hyperparameters=hp)
    trials = drive(oracle, lambda v: 0.0)
    got = [tuple(t.hyperparameters.values[k] for k in ("opt", "units", "bn")) for t in trials]
    # defaults first, the last hyperparameter changes fastest
    expected = list(itertools.product(["sgd", "adam"], [16, 32, 48], [False, True]))
    assert got == expected


def test_grid_search_with_conditions_and_max_trials():
    hp = kt.HyperParameters()
    hp.Choice("model", ["a", "b"])
    with hp.conditional_scope("model", ["a"]):
        hp.Int("n", 1, 3)
    oracle = kt.oracles.GridSearchOracle(kt.Objective("s", "min"), hyperparameters=hp)
    got = [t.hyperparameters.values for t in drive(oracle, lambda v: 0.0)]
    assert got == [{"model": "a", "n": 1}, {"model": "a", "n": 2}, {"model": "a", "n": 3},
                   {"model": "b"}]
    oracle = kt.oracles.GridSearchOracle(kt.Objective("s", "min"), max_trials=2,
                                         hyperparameters=hp)
    assert len(drive(oracle, lambda v: 0.0)) == 2


def test_best_trials_follow_direction():
    for direction in ("min", "max"):
        oracle = kt.oracles.RandomSearchOracle(kt.Objective("s", direction), max_trials=8,
                                               seed=2, hyperparameters=_space(1))
        trials = drive(oracle, lambda v: v["x0"])
        scores = sorted((t.score for t in trials), reverse=direction == "max")
        assert [t.score for t in oracle.get_best_trials(3)] == scores[:3]


def test_gaussian_process_interpolates_and_is_uncertain_away_from_data():
    from ndflow.tuner.bayesian import GaussianProcess
    rng = np.random.default_rng(0)
    x = rng.random((12, 2))
    y = np.sin(3 * x[:, 0]) + x[:, 1] ** 2
    gp = GaussianProcess(alpha=1e-6).fit(x, y)
    mean, std = gp.predict(x)
    np.testing.assert_allclose(mean, y, atol=1e-3)
    assert std.max() < 1e-2
    _, far_std = gp.predict(np.array([[3.0, 3.0]]))
    assert far_std[0] > 10 * std.max()


def test_bayesian_optimization_beats_random_search_on_average():
    objective = kt.Objective("s", "min")
    rs, bo = [], []
    for seed in range(1, 11):
        rs.append(min(t.score for t in drive(kt.oracles.RandomSearchOracle(
            objective, max_trials=16, seed=seed, hyperparameters=_space(2)), _bumpy)))
        bo.append(min(t.score for t in drive(kt.oracles.BayesianOptimizationOracle(
            objective, max_trials=16, seed=seed, hyperparameters=_space(2)), _bumpy)))
    assert np.mean(bo) < np.mean(rs)
    assert sum(b < r for b, r in zip(bo, rs)) >= 7


def test_bayesian_handles_maximization_and_discrete_spaces():
    hp = kt.HyperParameters()
    hp.Int("units", 8, 128, step=8)
    hp.Choice("act", ["relu", "tanh", "gelu"])
    hp.Fixed("batch", 32)
    oracle = kt.oracles.BayesianOptimizationOracle(kt.Objective("acc", "max"), max_trials=20,
                                                   seed=3, hyperparameters=hp)
    f = lambda v: -abs(v["units"] - 64) / 64 + (0.5 if v["act"] == "tanh" else 0.0)
    trials = drive(oracle, f)
    assert len(trials) == 20
    values = [t.hyperparameters.values for t in trials]
    assert all(v["batch"] == 32 and v["units"] % 8 == 0 and 8 <= v["units"] <= 128
               for v in values)
    assert len({tuple(sorted(v.items())) for v in values}) == 20      # no repeats
    assert oracle.get_best_trials(1)[0].score >= 0.5 - 16 / 64
