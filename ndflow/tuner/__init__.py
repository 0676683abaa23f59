"""``ndflow.tuner``: hyperparameter search with the keras-tuner API.

    import ndflow.tuner as kt

    tuner = kt.Hyperband(build_model, objective="val_accuracy", max_epochs=10)
    tuner.search(x, y, validation_data=(xv, yv))
    best_hp = tuner.get_best_hyperparameters(1)[0]

Code written for ``keras_tuner`` (or the old ``kerastuner``) runs unchanged when that
name is mapped to this package.
"""
from ndflow.tuner import engine, errors, oracles, tuners
from ndflow.tuner.bayesian import BayesianOptimization, BayesianOptimizationOracle
from ndflow.tuner.gridsearch import GridSearch, GridSearchOracle
from ndflow.tuner.hyperband import Hyperband, HyperbandOracle
from ndflow.tuner.hypermodel import HyperModel
from ndflow.tuner.hyperparameters import HyperParameter, HyperParameters
from ndflow.tuner.objective import MultiObjective, Objective
from ndflow.tuner.oracle import Oracle, RandomSearchOracle
from ndflow.tuner.trial import Trial, TrialStatus
from ndflow.tuner.tuner import RandomSearch, Tuner

__version__ = "1.4.7"

__all__ = ["BayesianOptimization", "BayesianOptimizationOracle", "GridSearch",
           "GridSearchOracle", "Hyperband", "HyperbandOracle", "HyperModel", "HyperParameter",
           "HyperParameters", "MultiObjective", "Objective", "Oracle", "RandomSearch",
           "RandomSearchOracle", "Trial", "TrialStatus", "Tuner", "engine", "errors",
           "oracles", "tuners"]
