"""``keras.regularizers``: penalties on weights (or activations) added to the loss."""
from ndflow.ops import math_ops as M
from ndflow.ops import reduction_ops as R
from ndflow.keras.engine.serial import serialize_obj, resolve


class Regularizer:
    """Base class: ``reg(x)`` returns a scalar tensor added to the model's loss."""

    def __call__(self, x):
        return 0.0

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _check(value, name):
    value = float(value)
    if value < 0:
        raise ValueError("%s must be a non-negative number, got %r." % (name, value))
    return value


class L1L2(Regularizer):
    """l1 * sum(|x|) + l2 * sum(x**2)."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _check(l1 if l1 is not None else 0.0, "L1L2: l1")
        self.l2 = _check(l2 if l2 is not None else 0.0, "L1L2: l2")

    def __call__(self, x):
        out = None
        if self.l1:
            out = M.multiply(R.reduce_sum(M.abs(x)), self.l1)
        if self.l2:
            t = M.multiply(R.reduce_sum(M.square(x)), self.l2)
            out = t if out is None else M.add(out, t)
        if out is None:
            out = M.multiply(R.reduce_sum(x), 0.0)
        return out

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    def __init__(self, l1=0.01, **kwargs):
        l1 = kwargs.pop("l", l1)
        self.l1 = _check(l1, "L1: l1")

    def __call__(self, x):
        return M.multiply(R.reduce_sum(M.abs(x)), self.l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    def __init__(self, l2=0.01, **kwargs):
        l2 = kwargs.pop("l", l2)
        self.l2 = _check(l2, "L2: l2")

    def __call__(self, x):
        return M.multiply(R.reduce_sum(M.square(x)), self.l2)

    def get_config(self):
        return {"l2": self.l2}


def l1_l2(l1=0.01, l2=0.01):
    return L1L2(l1=l1, l2=l2)


l1 = L1
l2 = L2

_CLASSES = {"L1L2": L1L2, "L1": L1, "L2": L2, "Regularizer": Regularizer}
_ALIASES = {"l1": L1, "l2": L2, "l1_l2": l1_l2, "l1l2": l1_l2}


def serialize(regularizer):
    return serialize_obj(regularizer, "keras.regularizers")


def deserialize(config, custom_objects=None):
    return resolve(config, _CLASSES, "regularizer", custom_objects, _ALIASES)


def get(identifier, custom_objects=None):
    if identifier is None:
        return None
    if isinstance(identifier, str) and identifier.lower() in ("l1_l2", "l1l2"):
        return l1_l2()
    if isinstance(identifier, (dict, str)):
        return resolve(identifier, _CLASSES, "regularizer", custom_objects, _ALIASES)
    if callable(identifier):
        return identifier
    raise TypeError("Could not interpret regularizer identifier %r (type %s): expected "
                    "'l1', 'l2', 'l1_l2', a Regularizer or a callable."
                    % (identifier, type(identifier).__name__))
