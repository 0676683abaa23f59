"""``keras.regularizers``: penalties on weights (or activations) added to the loss."""
import numpy as np

from ndflow.ops import math_ops as M
from ndflow.ops import array_ops as A
from ndflow.ops import linalg_ops as LA
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
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError("%s must be a non-negative number, got %r." % (name, value)) from None
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


class OrthogonalRegularizer(Regularizer):
    """Pushes the rows (``mode="rows"``) or the columns (``mode="columns"``) of a 2-D
    weight towards being orthogonal to each other.

    The penalty is ``factor`` times the mean, over all ordered pairs of distinct rows
    (columns), of |cosine similarity|: the vectors are L2-normalized (a norm below 1e-7
    counts as 1e-7, so an all-zero row stays zero), their Gram matrix is formed and the
    mean of the absolute off-diagonal entries is taken.  On a ``Dense`` kernel of shape
    ``(input_dim, units)`` rows mode compares the ``input_dim`` rows.  A matrix with a
    single row (column) has no pair to compare and costs 0 (Keras 3.15 returns NaN).
    """

    _EPSILON = 1e-7   # Keras's backend epsilon, the smallest norm a vector is divided by

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = _check(factor, "OrthogonalRegularizer: factor")
        if mode not in ("rows", "columns"):
            raise ValueError("OrthogonalRegularizer: mode must be 'rows' or 'columns', got "
                             "%r." % (mode,))
        self.mode = mode

    def __call__(self, x):
        x = M.convert(x)
        shape = tuple(x._value.shape)
        if len(shape) != 2:
            raise ValueError(
                "OrthogonalRegularizer expects a 2-D weight matrix (e.g. a Dense kernel), "
                "got a tensor of shape %s (rank %d). Use it as kernel_regularizer= of a "
                "Dense layer, or reshape the weight to 2-D first." % (shape, len(shape)))
        if x._value.dtype.kind != "f":
            raise TypeError("OrthogonalRegularizer expects a floating-point weight matrix, "
                            "got dtype %s." % x.dtype.name)
        if self.mode == "columns":
            x = A.transpose(x)
        n = x._value.shape[0]
        if n < 2:
            return M.multiply(R.reduce_sum(x), 0.0)
        sq = R.reduce_sum(M.square(x), axis=1, keepdims=True)
        unit = M.multiply(x, M.rsqrt(M.maximum(sq, self._EPSILON ** 2)))
        gram = LA.matmul(unit, unit, transpose_b=True)
        off_diagonal = M.multiply(M.abs(gram), 1.0 - np.eye(n, dtype=x._value.dtype))
        return M.multiply(R.reduce_sum(off_diagonal), self.factor / (n * (n - 1)))

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


orthogonal_regularizer = OrthogonalRegularizer


def l1_l2(l1=0.01, l2=0.01):
    return L1L2(l1=l1, l2=l2)


l1 = L1
l2 = L2

_CLASSES = {"L1L2": L1L2, "L1": L1, "L2": L2, "Regularizer": Regularizer,
            "OrthogonalRegularizer": OrthogonalRegularizer}
_ALIASES = {"l1": L1, "l2": L2, "l1_l2": l1_l2, "l1l2": l1_l2,
            "orthogonal_regularizer": OrthogonalRegularizer}


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
                    "'l1', 'l2', 'l1_l2', 'orthogonal_regularizer', a Regularizer or a "
                    "callable."
                    % (identifier, type(identifier).__name__))
