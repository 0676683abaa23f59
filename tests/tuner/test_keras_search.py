"""Tuners on real (tiny) Keras models: fit arguments, callbacks, best models, seeds."""
import gc
import os
import weakref

import numpy as np
import pytest

import ndflow.tuner as kt
from ndflow import keras

rng = np.random.default_rng(0)
X = rng.normal(size=(96, 4)).astype("float32")
Y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype("float32")
XV, YV = X[:48], Y[:48]


def build(hp):
    model = keras.Sequential([
        keras.layers.Dense(hp.Int("units", 4, 12, step=4), activation="relu", input_shape=(4,)),
        keras.layers.Dropout(hp.Float("drop", 0.0, 0.2, step=0.1)),
        keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(hp.Float("lr", 1e-3, 1e-1, sampling="log")),
                  loss="binary_crossentropy", metrics=["accuracy"])
    return model


def test_random_search_best_model_scores_its_trial(tmp_path):
    tuner = kt.RandomSearch(build, objective="val_accuracy", max_trials=3, seed=1,
                            directory=str(tmp_path), project_name="rs")
    tuner.search(X, Y, epochs=3, batch_size=32, validation_data=(XV, YV), verbose=0)
    best_trial = tuner.oracle.get_best_trials(1)[0]
    best_model = tuner.get_best_models(1)[0]
    # the model comes back with the weights of the trial's best epoch
    proba = best_model.predict(XV, verbose=0)[:, 0]
    assert np.mean((proba > 0.5) == YV) == pytest.approx(best_trial.score, abs=1e-6)
    best_hp = tuner.get_best_hyperparameters(1)[0]
    assert best_hp.values == best_trial.hyperparameters.values
    fresh = tuner.hypermodel.build(best_hp)
    assert fresh.layers[0].units == best_hp["units"]
    # the trial's checkpoint is an ordinary Keras weights file
    fresh.load_weights(os.path.join(tuner.project_dir, "trial_%s" % best_trial.trial_id,
                                    "checkpoint.weights.h5"))
    for a, b in zip(fresh.get_weights(), best_model.get_weights()):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert [t.status for t in tuner.oracle.trials.values()] == ["COMPLETED"] * 3


def test_search_passes_callbacks_and_fit_arguments(tmp_path):
    epochs_seen = []

    class Count(keras.callbacks.Callback):
        log = epochs_seen          # class attribute: shared by the per-trial copies

        def on_epoch_end(self, epoch, logs=None):
            self.log.append(epoch)

    stop = keras.callbacks.EarlyStopping(monitor="loss", patience=0, min_delta=1e9)
    tuner = kt.RandomSearch(build, objective="val_loss", max_trials=2, seed=3,
                            directory=str(tmp_path), project_name="cb")
    tuner.search(X, Y, epochs=10, validation_data=(XV, YV), callbacks=[stop, Count()],
                 verbose=0)
    # EarlyStopping (a fresh copy per trial) stops each trial after its second epoch
    assert epochs_seen == [0, 1, 0, 1]
    assert stop.model is None        # the user's own instance is never used


class SpyHyperband(kt.Hyperband):
    """Records the weights a resumed trial's model starts from."""

    def _build_hypermodel(self, hp):
        model = super()._build_hypermodel(hp)
        if "tuner/trial_id" in hp.values:
            self.start_weights = [np.array(w) for w in model.get_weights()]
        return model


def test_hyperband_on_keras_models(tmp_path):
    tuner = SpyHyperband(build, objective="val_accuracy", max_epochs=3, factor=3, seed=2,
                         directory=str(tmp_path), project_name="hb")
    tuner.search(X, Y, validation_data=(XV, YV), verbose=0)
    trials = [tuner.oracle.trials[i] for i in tuner.oracle.start_order]
    # max_epochs=3, factor=3: brackets b=1 (3 trials x 1 epoch, then 1 trial to 3 epochs)
    # and b=0 (2 trials x 3 epochs): ceil(1 + log3 3) = 2 -> sizes ceil(2/2*3)=3, 1; 2
    got = [(t.hyperparameters["tuner/bracket"], t.hyperparameters["tuner/round"],
            t.hyperparameters["tuner/initial_epoch"], t.hyperparameters["tuner/epochs"])
           for t in trials]
    assert got == [(1, 0, 0, 1)] * 3 + [(1, 1, 1, 3)] + [(0, 0, 0, 3)] * 2
    child = trials[3]
    parent = tuner.oracle.get_trial(child.hyperparameters["tuner/trial_id"])
    assert parent.score == max(t.score for t in trials[:3])
    # the child started from its parent's best-epoch weights
    parent_model = tuner.load_model(parent)
    for w0, wp in zip(tuner.start_weights, parent_model.get_weights()):
        np.testing.assert_array_equal(w0, np.asarray(wp))
    proba = parent_model.predict(XV, verbose=0)[:, 0]
    assert np.mean((proba > 0.5) == YV) == pytest.approx(parent.score, abs=1e-6)
    best = tuner.get_best_models(1)[0]
    proba = best.predict(XV, verbose=0)[:, 0]
    assert np.mean((proba > 0.5) == YV) == pytest.approx(
        tuner.oracle.get_best_trials(1)[0].score, abs=1e-6)


def test_trials_are_reproducible_and_models_released(tmp_path):
    built = []

    def tracked(hp):
        model = build(hp)
        built.append(weakref.ref(model))
        return model

    alive = []

    class Watched(kt.RandomSearch):
        def on_trial_end(self, trial):
            super().on_trial_end(trial)
            alive.append(sum(r() is not None for r in built))

    runs = []
    for name, workers in (("a", 1), ("b", 1), ("c", 2)):
        tuner = Watched(tracked, objective="val_loss", max_trials=3, seed=7,
                        directory=str(tmp_path), project_name=name,
                        max_parallel_trials=workers)
        tuner.search(X, Y, epochs=2, validation_data=(XV, YV), verbose=0)
        runs.append({i: (t.hyperparameters.values, t.score)
                     for i, t in tuner.oracle.trials.items()})
    # the same seed gives bit-identical trials, in this process or in worker processes
    assert runs[0] == runs[1] == runs[2]
    # no model outlives its trial (memory stays flat however long the search)
    assert alive == [0] * 9
    del tuner
    gc.collect()
    assert len(built) == 2 * (1 + 3) + 1     # parallel trials built in the workers
    assert [r for r in built if r() is not None] == []
