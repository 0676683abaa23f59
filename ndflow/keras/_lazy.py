"""Lazy public namespaces: ``keras.layers.Dense`` imports its module on first access.

A namespace module declares ``_TABLE = {public name: implementation module}`` and
``__getattr__ = lazy_getattr(globals(), _TABLE)``; ``from ndflow.keras.layers import
Dense`` works through PEP 562.
"""
import importlib


def lazy_getattr(namespace, table, attr_names=None):
    modname = namespace["__name__"]
    attr_names = attr_names or {}

    def __getattr__(name):
        target = table.get(name)
        if target is None:
            raise AttributeError("module %r has no attribute %r" % (modname, name))
        value = getattr(importlib.import_module(target), attr_names.get(name, name))
        namespace[name] = value
        return value
    return __getattr__


def lazy_dir(namespace, table):
    def __dir__():
        return sorted(set(namespace) | set(table))
    return __dir__
