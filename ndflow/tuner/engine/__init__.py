"""``kt.engine``: keras-tuner's old module paths (``kt.engine.hyperparameters`` ...)."""
from ndflow.tuner import hypermodel, hyperparameters, objective, oracle, trial, tuner

__all__ = ["hypermodel", "hyperparameters", "objective", "oracle", "trial", "tuner"]
