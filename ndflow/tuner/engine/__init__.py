"""``kt.engine``: keras-tuner's old module paths.

``from kerastuner.engine.hyperparameters import HyperParameters`` and the like keep
working: ``ndflow.tuner.engine.<name>`` is the module ``ndflow.tuner.<name>``.
"""
import sys

from ndflow.tuner import hypermodel, hyperparameters, objective, oracle, trial, tuner

for _module in (hypermodel, hyperparameters, objective, oracle, trial, tuner):
    sys.modules.setdefault(__name__ + "." + _module.__name__.rsplit(".", 1)[1], _module)
del _module

__all__ = ["hypermodel", "hyperparameters", "objective", "oracle", "trial", "tuner"]
