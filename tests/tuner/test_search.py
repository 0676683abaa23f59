"""Search mechanics without Keras: resume after a kill, overwrite, seeds, parallel
workers, released models."""
import gc
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import types
import weakref

import numpy as np
import pytest

import ndflow.tuner as kt
from ndflow.tuner.tuner import set_trial_seed

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Killed(BaseException):
    """Stands for the process dying: not an Exception, so no trial handler catches it."""


class FakeModel:
    def __init__(self):
        self.w = np.zeros(3)

    def get_weights(self):
        return [self.w.copy()]

    def set_weights(self, weights):
        self.w = np.array(weights[0])


class Noisy(kt.HyperModel):
    """Score = smooth function of the values + noise from the trial's seeded RNG, so equal
    scores mean equal values *and* equal seeds; weights depend on restored checkpoints."""

    def __init__(self, kill_at=None, log=None):
        super().__init__()
        self.kill_at = kill_at
        self.log = [] if log is None else log
        self.models = []

    def build(self, hp):
        hp.Float("x", -1.0, 1.0)
        hp.Choice("c", [1, 2, 3])
        model = FakeModel()
        self.models.append(weakref.ref(model))
        return model

    def fit(self, hp, model, *args, epochs=3, initial_epoch=0, callbacks=(), **kwargs):
        self.log.append(dict(hp.values))
        if self.kill_at is not None and len(self.log) == self.kill_at:
            raise Killed()
        for cb in callbacks:
            cb.set_model(model)
        hist = []
        for epoch in range(initial_epoch, epochs):
            model.w = model.w + np.random.rand(3)
            score = -(hp["x"] - 0.2) ** 2 - 0.1 * hp["c"] + 0.01 * float(model.w.sum())
            hist.append(score)
            for cb in callbacks:
                cb.on_epoch_end(epoch, {"score": score})
        return types.SimpleNamespace(history={"score": hist},
                                     epoch=list(range(initial_epoch, epochs)))


def _make(kind, hm, directory, **kw):
    common = dict(objective=kt.Objective("score", "max"), seed=5, directory=str(directory),
                  project_name="p")
    common.update(kw)
    if kind == "random":
        return kt.RandomSearch(hm, max_trials=6, **common)
    if kind == "bayes":
        return kt.BayesianOptimization(hm, max_trials=8, num_initial_points=3, **common)
    return kt.Hyperband(hm, max_epochs=6, factor=3, **common)


def _results(tuner):
    return {t.trial_id: (t.hyperparameters.values, t.score, t.seed, t.status)
            for t in tuner.oracle.trials.values()}


@pytest.mark.parametrize("kind,kill_at", [("random", 4), ("bayes", 6), ("hyperband", 6)])
def test_killed_search_resumes_without_repeating_finished_trials(tmp_path, kind, kill_at):
    ref = _make(kind, Noisy(), tmp_path / "ref")
    ref.search(epochs=3, verbose=0)
    expected = _results(ref)

    first = Noisy(kill_at=kill_at)
    with pytest.raises(Killed):
        _make(kind, first, tmp_path / "run").search(epochs=3, verbose=0)
    state = json.load(open(tmp_path / "run" / "p" / "oracle.json"))
    assert state["format"] == "ndflow.tuner" and state["version"] == 1
    assert len(state["end_order"]) == kill_at - 1

    second = Noisy()
    resumed = _make(kind, second, tmp_path / "run")
    resumed.search(epochs=3, verbose=0)
    # the killed trial runs again, the finished ones do not
    assert len(second.log) == len(expected) - (kill_at - 1)
    assert second.log[0] == first.log[-1]
    assert _results(resumed) == expected
    # a third search finds nothing left to do
    again = Noisy()
    _make(kind, again, tmp_path / "run").search(epochs=3, verbose=0)
    assert again.log == []


def test_overwrite_starts_over(tmp_path):
    _make("random", Noisy(), tmp_path).search(epochs=2, verbose=0)
    hm = Noisy()
    tuner = _make("random", hm, tmp_path, overwrite=True)
    assert tuner.oracle.trials == {}
    tuner.search(epochs=2, verbose=0)
    assert len(hm.log) == 6


def test_search_killed_by_a_signal_resumes(tmp_path):
    script = textwrap.dedent("""
        import sys, time
        sys.path.insert(0, %r)
        import ndflow.tuner as kt

        class Slow(kt.HyperModel):
            def build(self, hp):
                hp.Int("n", 0, 1000)
                return object()
            def fit(self, hp, model, *a, **k):
                time.sleep(0.15)
                return float(hp["n"])

        t = kt.RandomSearch(Slow(), objective=kt.Objective("v", "min"), max_trials=20, seed=3,
                            directory=%r, project_name="p")
        t.search(verbose=0)
    """) % (ROOT, str(tmp_path))
    proc = subprocess.Popen([sys.executable, "-c", script])
    oracle_json = tmp_path / "p" / "oracle.json"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if len(json.load(open(oracle_json))["end_order"]) >= 3:
                break
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = json.load(open(oracle_json))["end_order"]
    assert 3 <= len(done) < 20

    calls = []

    class Fast(kt.HyperModel):
        def build(self, hp):
            hp.Int("n", 0, 1000)
            return object()

        def fit(self, hp, model, *a, **k):
            calls.append(hp["n"])
            return float(hp["n"])

    tuner = kt.RandomSearch(Fast(), objective=kt.Objective("v", "min"), max_trials=20, seed=3,
                            directory=str(tmp_path), project_name="p")
    tuner.search(verbose=0)
    assert len(calls) == 20 - len(done)
    assert len(tuner.oracle.trials) == 20
    assert all(t.status == "COMPLETED" for t in tuner.oracle.trials.values())
    # same values as an uninterrupted search with the same seed
    ref = kt.oracles.RandomSearchOracle(kt.Objective("v", "min"), max_trials=20, seed=3,
                                        hyperparameters=tuner.oracle.get_space())
    expected = []
    for _ in range(20):
        trial = ref.create_trial("t")
        expected.append(trial.hyperparameters.values)
        ref.update_trial(trial.trial_id, {"v": 0.0})
        ref.end_trial(trial)
    assert expected == [tuner.oracle.trials[i].hyperparameters.values
                        for i in tuner.oracle.start_order]


def test_trial_is_reproducible_from_its_recorded_seed(tmp_path):
    tuner = _make("random", Noisy(), tmp_path)
    tuner.search(epochs=3, verbose=0)
    saved = json.load(open(tmp_path / "p" / "trial_3" / "trial.json"))
    trial = tuner.oracle.get_trial("3")
    assert saved["seed"] == trial.seed
    # rerun trial 3 alone, after disturbing the global random state
    np.random.seed(123)
    set_trial_seed(999)
    results = tuner.run_trial(trial, epochs=3)
    assert max(results[0].history["score"]) == trial.score


def test_models_of_finished_trials_are_released(tmp_path):
    hm = Noisy()
    tuner = _make("random", hm, tmp_path, executions_per_trial=2)
    tuner.search(epochs=2, verbose=0)
    gc.collect()
    assert len(hm.models) == 1 + 6 * 2      # initial space build + 2 per trial
    assert [r for r in hm.models if r() is not None] == []


def test_executions_per_trial_average_best_epochs(tmp_path):
    hm = Noisy()
    tuner = _make("random", hm, tmp_path, executions_per_trial=3)
    tuner.search(epochs=2, verbose=0)
    trial = tuner.oracle.get_trial("0")
    # rerun the three executions by hand with the recorded seeds
    bests = []
    for execution in range(3):
        set_trial_seed(trial.seed + execution)
        model = FakeModel()
        h = hm.fit(trial.hyperparameters, model, epochs=2)
        bests.append(max(h.history["score"]))
    assert trial.score == pytest.approx(np.mean(bests), abs=1e-12)


@pytest.mark.skipif(sys.platform.startswith("win"), reason="parallel trials need fork")
@pytest.mark.parametrize("kind", ["random", "hyperband"])
def test_parallel_trials_match_serial(tmp_path, kind):
    serial = _make(kind, Noisy(), tmp_path / "serial")
    serial.search(epochs=3, verbose=0)
    in_parent = Noisy()
    parallel = _make(kind, in_parent, tmp_path / "parallel", max_parallel_trials=2)
    parallel.search(epochs=3, verbose=0)
    assert in_parent.log == []          # every fit ran in a worker process
    a, b = _results(serial), _results(parallel)
    if kind == "random":
        assert a == b
    else:
        # promotions may happen in another order; every trial that tried the same values
        # from the same parent gets the same score
        assert len(a) == len(b) == 10
        key = lambda r: (tuple(sorted(r[0].items())) if "tuner/trial_id" not in r[0] else
                         tuple(sorted((k, v) for k, v in r[0].items() if k != "tuner/trial_id")))
        sa = {key(r): r[1] for r in a.values() if r[0]["tuner/round"] == 0}
        sb = {key(r): r[1] for r in b.values() if r[0]["tuner/round"] == 0}
        assert sa == sb
    assert parallel.get_best_models(1)[0].w.tolist() == serial.get_best_models(1)[0].w.tolist()


def test_failing_trials_are_reported_then_the_search_stops(tmp_path):
    class Broken(kt.HyperModel):
        def build(self, hp):
            hp.Int("n", 0, 9)
            return object()

        def fit(self, hp, model, *a, **k):
            raise ValueError("bad data shape in trial")

    tuner = kt.RandomSearch(Broken(), objective=kt.Objective("v", "min"), max_trials=10,
                            directory=str(tmp_path), project_name="p")
    with pytest.raises(RuntimeError, match="bad data shape"):
        tuner.search(verbose=0)
    assert [t.status for t in tuner.oracle.trials.values()] == ["FAILED"] * 3


def test_hypermodel_fit_may_return_dict_or_float(tmp_path):
    class DictFit(kt.HyperModel):
        def build(self, hp):
            hp.Int("n", 0, 9)
            return object()

        def fit(self, hp, model, *a, **k):
            return {"val_loss": (hp["n"] - 4) ** 2, "other": 1.0}

    tuner = kt.RandomSearch(DictFit(), objective="val_loss", max_trials=5, seed=1,
                            directory=str(tmp_path), project_name="d")
    tuner.search(verbose=0)
    best = tuner.oracle.get_best_trials(1)[0]
    assert best.score == min((t.hyperparameters["n"] - 4) ** 2
                             for t in tuner.oracle.trials.values())

    def build_only(hp):
        return hp.Float("x", 0.0, 1.0)

    class FloatFit(kt.HyperModel):
        def build(self, hp):
            return build_only(hp)

        def fit(self, hp, model, *a, **k):
            return abs(model - 0.5)

    tuner = kt.RandomSearch(FloatFit(), max_trials=4, seed=1, directory=str(tmp_path),
                            project_name="f")
    tuner.search(verbose=0)
    assert tuner.oracle.objective.name == "default_objective"
    scores = sorted(abs(t.hyperparameters["x"] - 0.5) for t in tuner.oracle.trials.values())
    assert tuner.oracle.get_best_trials(1)[0].score == scores[0]


def test_retries_failed_trials_and_fatal_errors(tmp_path):
    calls = []

    class Flaky(kt.HyperModel):
        def __init__(self, error):
            super().__init__()
            self.error = error

        def build(self, hp):
            hp.Int("n", 0, 99)
            return object()

        def fit(self, hp, model, *a, **k):
            calls.append(hp["n"])
            if len(calls) == 1:
                raise self.error
            return float(hp["n"])

    # an ordinary error: the trial is retried (same values) up to max_retries_per_trial
    tuner = kt.RandomSearch(Flaky(ValueError("flaky")), objective=kt.Objective("v", "min"),
                            max_trials=3, seed=2, max_retries_per_trial=1,
                            directory=str(tmp_path), project_name="a")
    tuner.search(verbose=0)
    assert len(calls) == 4 and calls[0] == calls[1]
    assert [t.status for t in tuner.oracle.trials.values()] == ["COMPLETED"] * 3

    # FailedTrialError: no retry
    calls.clear()
    tuner = kt.RandomSearch(Flaky(kt.errors.FailedTrialError("no")),
                            objective=kt.Objective("v", "min"), max_trials=3, seed=2,
                            max_retries_per_trial=1, directory=str(tmp_path), project_name="b")
    tuner.search(verbose=0)
    assert len(calls) == 3
    assert [t.status for t in tuner.oracle.trials.values()] == ["FAILED", "COMPLETED",
                                                                "COMPLETED"]

    # a fatal error stops the search at once
    calls.clear()
    tuner = kt.RandomSearch(Flaky(kt.errors.FatalValueError("stop")),
                            objective=kt.Objective("v", "min"), max_trials=3, seed=2,
                            directory=str(tmp_path), project_name="c")
    with pytest.raises(kt.errors.FatalValueError, match="stop"):
        tuner.search(verbose=0)
    assert len(calls) == 1


def test_initial_space_explores_conditional_scopes(tmp_path, capsys):
    class Branchy(kt.HyperModel):
        def build(self, hp):
            kind = hp.Choice("kind", ["mlp", "cnn", "rnn"])
            with hp.conditional_scope("kind", ["mlp"]):
                if kind == "mlp":
                    hp.Int("units", 8, 32, step=8)
            with hp.conditional_scope("kind", ["cnn"]):
                if kind == "cnn":
                    hp.Int("filters", 4, 8, step=4)
            return object()

        def fit(self, hp, model, *a, **k):
            return {"mlp": 1.0, "cnn": 0.5, "rnn": 2.0}[hp["kind"]] + hp.values.get(
                "filters", 0) / 100

    tuner = kt.GridSearch(Branchy(), objective=kt.Objective("loss", "min"),
                          directory=str(tmp_path), project_name="g")
    # both branches were built once so the space knows their hyperparameters
    assert [hp.name for hp in tuner.oracle.get_space().space] == ["kind", "units", "filters"]
    tuner.search_space_summary()
    out = capsys.readouterr().out
    assert "Default search space size: 3" in out and "filters (Int)" in out
    tuner.search(verbose=0)
    got = [t.hyperparameters.values for t in tuner.oracle.trials.values()]
    assert got == [{"kind": "mlp", "units": u} for u in (8, 16, 24, 32)] + [
        {"kind": "cnn", "filters": 4}, {"kind": "cnn", "filters": 8}, {"kind": "rnn"}]
    assert tuner.get_best_hyperparameters(1)[0].values == {"kind": "cnn", "filters": 4}
    tuner.results_summary(2)
    out = capsys.readouterr().out
    assert "Showing 2 best trials" in out and "Score: 0.54" in out


def test_fixed_space_with_tune_new_entries_false(tmp_path):
    hp = kt.HyperParameters()
    hp.Int("a", 0, 5)
    seen = []

    class Two(kt.HyperModel):
        def build(self, hp):
            seen.append((hp.Int("a", 0, 5), hp.Int("b", 10, 20, default=12)))
            return object()

        def fit(self, hp, model, *a, **k):
            return float(hp["a"])

    tuner = kt.RandomSearch(Two(), objective=kt.Objective("v", "min"), max_trials=4, seed=1,
                            hyperparameters=hp, tune_new_entries=False,
                            directory=str(tmp_path), project_name="t")
    tuner.search(verbose=0)
    assert [h.name for h in tuner.oracle.get_space().space] == ["a"]
    assert all(b == 12 for _, b in seen)              # untuned entries keep their default
    assert len({a for a, _ in seen[1:]}) == 4

    with pytest.raises(RuntimeError, match="allow_new_entries"):
        kt.RandomSearch(Two(), objective=kt.Objective("v", "min"), max_trials=2,
                        hyperparameters=hp, allow_new_entries=False,
                        directory=str(tmp_path), project_name="u")


def test_each_trial_gets_fresh_callbacks_and_its_own_tensorboard_dir(tmp_path):
    class TensorBoard:            # stands for keras.callbacks.TensorBoard
        def __init__(self, log_dir):
            self.log_dir = log_dir
            self.used = False

    seen = []

    class Logs(kt.HyperModel):
        def build(self, hp):
            hp.Int("n", 0, 9)
            return object()

        def fit(self, hp, model, *a, callbacks=(), **k):
            board = [cb for cb in callbacks if isinstance(cb, TensorBoard)][0]
            seen.append((board.log_dir, board.used))
            board.used = True
            return float(hp["n"])

    user_board = TensorBoard(str(tmp_path / "logs"))
    tuner = kt.RandomSearch(Logs(), objective=kt.Objective("v", "min"), max_trials=2, seed=1,
                            executions_per_trial=2, directory=str(tmp_path), project_name="p")
    tuner.search(callbacks=[user_board], verbose=0)
    base = str(tmp_path / "logs")
    assert seen == [(os.path.join(base, "trial_0", "execution0"), False),
                    (os.path.join(base, "trial_0", "execution1"), False),
                    (os.path.join(base, "trial_1", "execution0"), False),
                    (os.path.join(base, "trial_1", "execution1"), False)]
    assert user_board.log_dir == base and not user_board.used


def test_state_from_another_version_or_algorithm_is_refused(tmp_path):
    _make("random", Noisy(), tmp_path).search(epochs=1, verbose=0)
    with pytest.raises(RuntimeError, match="RandomSearchOracle.*overwrite=True"):
        _make("hyperband", Noisy(), tmp_path)
    fname = tmp_path / "p" / "oracle.json"
    state = json.load(open(fname))
    state["version"] = 0
    json.dump(state, open(fname, "w"))
    with pytest.raises(RuntimeError, match="version 0.*overwrite=True"):
        _make("random", Noisy(), tmp_path)
    tuner = _make("random", Noisy(), tmp_path, overwrite=True)
    assert tuner.oracle.trials == {}


def test_multi_objective_minimizes_min_terms_minus_max_terms(tmp_path):
    class Two(kt.HyperModel):
        def build(self, hp):
            hp.Int("n", 0, 20)
            return FakeModel()

        def fit(self, hp, model, *a, callbacks=(), **k):
            n = hp["n"]
            for cb in callbacks:
                cb.set_model(model)
            hist = {"val_loss": [], "val_accuracy": []}
            for epoch in range(2):
                logs = {"val_loss": (n - 7) ** 2 / 100 + epoch, "val_accuracy": n / 100}
                for key in hist:
                    hist[key].append(logs[key])
                for cb in callbacks:
                    cb.on_epoch_end(epoch, logs)
            return types.SimpleNamespace(history=hist, epoch=[0, 1])

    tuner = kt.RandomSearch(Two(), objective=["val_loss", "val_accuracy"], max_trials=6,
                            seed=4, directory=str(tmp_path), project_name="m")
    assert isinstance(tuner.oracle.objective, kt.MultiObjective)
    assert tuner.oracle.objective.name_to_direction == {"val_loss": "min",
                                                        "val_accuracy": "max"}
    tuner.search(verbose=0)
    for trial in tuner.oracle.trials.values():
        n = trial.hyperparameters["n"]
        assert trial.score == pytest.approx((n - 7) ** 2 / 100 - n / 100)   # epoch 0 is best
        assert trial.best_step == 0
    best = tuner.oracle.get_best_trials(1)[0]
    assert best.score == min(t.score for t in tuner.oracle.trials.values())
