"""``kt.tuners``: the tuners."""
from ndflow.tuner.bayesian import BayesianOptimization
from ndflow.tuner.gridsearch import GridSearch
from ndflow.tuner.hyperband import Hyperband
from ndflow.tuner.tuner import RandomSearch, Tuner

__all__ = ["BayesianOptimization", "GridSearch", "Hyperband", "RandomSearch", "Tuner"]
