"""``keras.datasets``: the classic small datasets, downloaded once and cached.

Each submodule's ``load_data()`` returns what Keras' does.  Files are cached under
``$NDFLOW_HOME/datasets`` (``~/.ndflow/datasets``); see ``ndflow.keras.utils.get_file``.
"""
import importlib

_SUBMODULES = ("mnist", "fashion_mnist", "cifar10", "cifar100", "imdb", "reuters",
               "boston_housing", "california_housing")


def __getattr__(name):
    if name in _SUBMODULES:
        mod = importlib.import_module("ndflow.keras.datasets." + name)
        globals()[name] = mod
        return mod
    raise AttributeError("module 'ndflow.keras.datasets' has no attribute %r" % name)


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES))
