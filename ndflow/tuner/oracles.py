"""``kt.oracles``: the search algorithms without a tuner."""
from ndflow.tuner.bayesian import BayesianOptimizationOracle
from ndflow.tuner.gridsearch import GridSearchOracle
from ndflow.tuner.hyperband import HyperbandOracle
from ndflow.tuner.oracle import Oracle, RandomSearchOracle

BayesianOptimization = BayesianOptimizationOracle
GridSearch = GridSearchOracle
Hyperband = HyperbandOracle
RandomSearch = RandomSearchOracle

__all__ = ["BayesianOptimizationOracle", "GridSearchOracle", "HyperbandOracle", "Oracle",
           "RandomSearchOracle"]
