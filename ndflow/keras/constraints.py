"""``keras.constraints``: projections applied to a weight after each optimizer update.

A constraint is called as ``c(w)`` and returns the projected tensor; the optimizer
assigns it back (``variable.constraint`` holds it).
"""
from ndflow.ops import math_ops as M
from ndflow.ops import reduction_ops as R
from ndflow.keras.engine.serial import serialize_obj, resolve

_EPS = 1e-7


class Constraint:
    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _norms(w, axis):
    return M.sqrt(R.reduce_sum(M.square(w), axis=axis, keepdims=True))


class MaxNorm(Constraint):
    """Rescale each slice along ``axis`` whose L2 norm exceeds ``max_value``."""

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = M.clip_by_value(norms, 0.0, float(self.max_value))
        return M.multiply(w, M.divide(desired, M.add(norms, _EPS)))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Negative weights become zero."""

    def __call__(self, w):
        return M.multiply(w, M.cast(M.greater_equal(w, 0.0), w.dtype))


class UnitNorm(Constraint):
    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return M.divide(w, M.add(_norms(w, self.axis), _EPS))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Keep slice norms within [min_value, max_value]; ``rate`` moves them partway."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        clipped = M.clip_by_value(norms, float(self.min_value), float(self.max_value))
        desired = M.add(M.multiply(clipped, float(self.rate)),
                        M.multiply(norms, 1.0 - float(self.rate)))
        return M.multiply(w, M.divide(desired, M.add(norms, _EPS)))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


max_norm = MaxNorm
non_neg = NonNeg
unit_norm = UnitNorm
min_max_norm = MinMaxNorm

_CLASSES = {c.__name__: c for c in (MaxNorm, NonNeg, UnitNorm, MinMaxNorm, Constraint)}
_ALIASES = {"max_norm": MaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm,
            "min_max_norm": MinMaxNorm, "maxnorm": MaxNorm, "nonneg": NonNeg,
            "unitnorm": UnitNorm}


def serialize(constraint):
    return serialize_obj(constraint, "keras.constraints")


def deserialize(config, custom_objects=None):
    return resolve(config, _CLASSES, "constraint", custom_objects, _ALIASES)


def get(identifier, custom_objects=None):
    if identifier is None:
        return None
    if isinstance(identifier, (dict, str)):
        return resolve(identifier, _CLASSES, "constraint", custom_objects, _ALIASES)
    if callable(identifier):
        return identifier
    raise TypeError("Could not interpret constraint identifier %r (type %s)."
                    % (identifier, type(identifier).__name__))
