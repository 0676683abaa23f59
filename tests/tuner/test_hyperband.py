"""Hyperband runs keras-tuner's bracket schedule; later rounds resume from checkpoints.

The expected schedules are computed by hand from keras-tuner's rules (R = max_epochs,
f = factor):
  brackets: count of R, R/f, R/f^2, ... that are >= 1, run from the largest down to 0;
  round r of bracket b: ceil(ceil(1 + log_f R) / (b + 1) * f^(b - r)) trials,
  trained to ceil(R / f^(b - r)) epochs, starting from the previous round's epochs.
"""
import types

import numpy as np

import ndflow.tuner as kt


class FakeModel:
    """Keras-like model: one weight vector that grows by 1 per epoch."""

    def __init__(self):
        self.w = np.zeros(2)

    def get_weights(self):
        return [self.w.copy()]

    def set_weights(self, weights):
        self.w = np.array(weights[0])


class Recorder(kt.HyperModel):
    """Logs every fit; the score peaks at epoch 3 and prefers x near 0.3."""

    def __init__(self):
        super().__init__()
        self.fits = []

    def build(self, hp):
        hp.Float("x", 0.0, 1.0)
        return FakeModel()

    def fit(self, hp, model, *args, epochs=1, initial_epoch=0, callbacks=(), **kwargs):
        record = {"values": dict(hp.values), "initial_epoch": initial_epoch, "epochs": epochs,
                  "start_w": float(model.w[0]), "w_after": {}}
        self.fits.append(record)
        for cb in callbacks:
            cb.set_model(model)
        history = {"val_score": []}
        for epoch in range(initial_epoch, epochs):
            model.w = model.w + 1.0
            record["w_after"][epoch] = float(model.w[0])
            logs = {"val_score": -(hp["x"] - 0.3) ** 2 - 0.01 * (epoch - 3) ** 2}
            history["val_score"].append(logs["val_score"])
            for cb in callbacks:
                cb.on_epoch_end(epoch, logs)
        return types.SimpleNamespace(history=history, epoch=list(range(initial_epoch, epochs)))


class LoggingHyperband(kt.Hyperband):
    def run_trial(self, trial, *args, **kwargs):
        self.order.append(trial.trial_id)
        return super().run_trial(trial, *args, **kwargs)


def run_hyperband(tmp_path, max_epochs, factor, iterations=1):
    hm = Recorder()
    tuner = LoggingHyperband(hm, objective=kt.Objective("val_score", "max"),
                             max_epochs=max_epochs, factor=factor,
                             hyperband_iterations=iterations, seed=11,
                             directory=str(tmp_path), project_name="hb")
    tuner.order = []
    tuner.search(epochs=1000, verbose=0)
    return tuner, hm


def schedule(tuner):
    out = []
    for trial_id in tuner.order:
        v = tuner.oracle.get_trial(trial_id).hyperparameters.values
        out.append((v["tuner/bracket"], v["tuner/round"], v["tuner/initial_epoch"],
                    v["tuner/epochs"]))
    return out


def check_promotions(tuner, hm):
    """Each later-round trial continues the best not-yet-promoted trial of the previous
    round, from the weights of that trial's best epoch."""
    oracle = tuner.oracle
    by_values = {}
    for rec in hm.fits:
        by_values.setdefault(tuple(sorted(rec["values"].items())), rec)
    for trial_id in tuner.order:
        trial = oracle.get_trial(trial_id)
        v = trial.hyperparameters.values
        rec = by_values[tuple(sorted(v.items()))]
        assert rec["initial_epoch"] == v["tuner/initial_epoch"]
        assert rec["epochs"] == v["tuner/epochs"]
        if v["tuner/round"] == 0:
            assert "tuner/trial_id" not in v and rec["start_w"] == 0.0
            continue
        parent = oracle.get_trial(v["tuner/trial_id"])
        pv = parent.hyperparameters.values
        assert (pv["tuner/bracket"], pv["tuner/round"]) == (v["tuner/bracket"],
                                                            v["tuner/round"] - 1)
        assert pv["x"] == v["x"]
        parent_rec = by_values[tuple(sorted(pv.items()))]
        # resumed from the parent's best epoch checkpoint
        assert rec["start_w"] == parent_rec["w_after"][parent.best_step]
        # the parent is the best of its round among those not promoted before
        siblings = [oracle.get_trial(t) for t in tuner.order
                    if oracle.get_trial(t).hyperparameters.values.get("tuner/bracket")
                    == pv["tuner/bracket"] and oracle.get_trial(t).hyperparameters
                    .values["tuner/round"] == pv["tuner/round"]
                    and tuner.order.index(t) < tuner.order.index(trial_id)]
        promoted_before = [oracle.get_trial(t).hyperparameters.values["tuner/trial_id"]
                           for t in tuner.order[:tuner.order.index(trial_id)]
                           if oracle.get_trial(t).hyperparameters.values.get("tuner/trial_id")]
        pool = [s for s in siblings if s.trial_id not in promoted_before]
        assert parent.score == max(s.score for s in pool)


def test_schedule_max_epochs_6_factor_3(tmp_path):
    # brackets: 6, 2 >= 1 -> 2 brackets (b = 1, 0); ceil(1 + log3 6) = 3
    # b=1: r0 ceil(3/2*3)=5 trials x 2 epochs, r1 ceil(3/2)=2 trials 2 -> 6 epochs
    # b=0: r0 3 trials x 6 epochs
    tuner, hm = run_hyperband(tmp_path, 6, 3)
    expected = [(1, 0, 0, 2)] * 5 + [(1, 1, 2, 6)] * 2 + [(0, 0, 0, 6)] * 3
    assert schedule(tuner) == expected
    assert len(tuner.oracle.trials) == 10
    assert sum(r["epochs"] - r["initial_epoch"] for r in hm.fits) == 5 * 2 + 2 * 4 + 3 * 6
    check_promotions(tuner, hm)


def test_schedule_max_epochs_10_factor_2(tmp_path):
    # brackets: 10, 5, 2.5, 1.25 -> 4 (b = 3..0); ceil(1 + log2 10) = ceil(4.32) = 5
    # b=3 (5/4=1.25): sizes ceil(10), ceil(5), ceil(2.5)=3, ceil(1.25)=2;
    #                 epochs ceil(10/8)=2, ceil(10/4)=3, 5, 10
    # b=2 (5/3):      sizes ceil(6.67)=7, ceil(3.33)=4, ceil(1.67)=2; epochs 3, 5, 10
    # b=1 (2.5):      sizes 5, ceil(2.5)=3; epochs 5, 10
    # b=0 (5):        size 5; epochs 10
    tuner, hm = run_hyperband(tmp_path, 10, 2)
    expected = ([(3, 0, 0, 2)] * 10 + [(3, 1, 2, 3)] * 5 + [(3, 2, 3, 5)] * 3
                + [(3, 3, 5, 10)] * 2
                + [(2, 0, 0, 3)] * 7 + [(2, 1, 3, 5)] * 4 + [(2, 2, 5, 10)] * 2
                + [(1, 0, 0, 5)] * 5 + [(1, 1, 5, 10)] * 3
                + [(0, 0, 0, 10)] * 5)
    assert schedule(tuner) == expected
    check_promotions(tuner, hm)


def test_hyperband_iterations_repeat_the_sweep(tmp_path):
    tuner, _ = run_hyperband(tmp_path, 6, 3, iterations=2)
    one = [(1, 0, 0, 2)] * 5 + [(1, 1, 2, 6)] * 2 + [(0, 0, 0, 6)] * 3
    assert schedule(tuner) == one + one


def test_best_model_is_the_best_epoch_of_the_best_trial(tmp_path):
    tuner, hm = run_hyperband(tmp_path, 6, 3)
    best = tuner.oracle.get_best_trials(1)[0]
    # the score of a trial is its best epoch's value
    assert best.best_step == 3
    assert best.score == -(best.hyperparameters["x"] - 0.3) ** 2
    model = tuner.get_best_models(1)[0]
    rec = [r for r in hm.fits if r["values"] == best.hyperparameters.values][0]
    assert model.w[0] == rec["w_after"][3]
    assert tuner.get_best_hyperparameters(1)[0].values == best.hyperparameters.values
