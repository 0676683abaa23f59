"""``ndflow.keras``: the Keras API (``from ndflow import keras``).

Submodules load on first use so that ``import ndflow.keras`` stays quick.
"""
import importlib

__version__ = "3.0.0"

_SUBMODULES = ("layers", "models", "optimizers", "losses", "metrics", "activations",
               "initializers", "regularizers", "constraints", "callbacks", "utils", "backend",
               "datasets", "saving", "preprocessing", "config", "random", "export",
               "mixed_precision", "applications", "ops")

# top-level names Keras exports, and the submodule that defines them
_NAMES = {"Model": "models", "Sequential": "models", "Input": "layers", "Layer": "layers",
          "InputSpec": "layers", "KerasTensor": "layers", "Variable": "backend",
          "DTypePolicy": "mixed_precision", "FloatDTypePolicy": "mixed_precision"}


def __getattr__(name):
    if name in _SUBMODULES:
        mod = importlib.import_module("ndflow.keras." + name)
        globals()[name] = mod
        return mod
    if name in _NAMES:
        value = getattr(importlib.import_module("ndflow.keras." + _NAMES[name]), name)
        globals()[name] = value
        return value
    raise AttributeError("module 'ndflow.keras' has no attribute %r" % name)


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES) + list(_NAMES))
