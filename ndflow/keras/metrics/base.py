"""The ``Metric`` base class and the reducing metrics ``Sum``, ``Mean``, ``MeanMetricWrapper``.

A metric keeps its state in non-trainable variables made with ``add_weight`` (or
``add_variable``); ``update_state`` accumulates, ``result`` reads, ``reset_state`` zeroes.
The built-in metrics update their variables with NumPy directly (assigning new arrays), so
the per-step cost inside ``fit`` stays small.
"""
import re

import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.core.tensor import Tensor
from ndflow.core.variable import Variable


def _wrap(a):
    t = Tensor.__new__(Tensor)
    t._value = a if type(a) is np.ndarray else np.asarray(a)
    return t


def _arr(x):
    """A NumPy array from a Tensor, array or Python value (no copy when possible)."""
    if isinstance(x, Tensor):
        return x._value
    if isinstance(x, np.ndarray):
        return x
    return np.asarray(x)


def _snake(name):
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s).lower()


class Metric:
    """Base class of stateful metrics (``keras.metrics.Metric``).

    Subclasses create state with ``self.add_weight(name, shape=(), initializer='zeros')``
    in ``__init__`` and implement ``update_state(y_true, y_pred, sample_weight=None)`` and
    ``result()``.  ``metric(y_true, y_pred)`` updates and returns the result.
    """

    def __init__(self, name=None, dtype=None, **kwargs):
        self.name = name if name is not None else _snake(type(self).__name__)
        self._dtype = _dt.as_dtype(dtype).name if dtype is not None else _dt.floatx()
        self._variables = []
        self._initial_values = []
        self.built = True
        self.stateful = True

    @property
    def dtype(self):
        return self._dtype

    # ---- state ----
    def add_variable(self, shape=(), initializer="zeros", dtype=None, aggregation="sum",
                     name=None):
        shape = tuple(int(d) for d in (shape or ()))
        dt = _dt.as_dtype(dtype or self._dtype)._np
        value = _initial_value(initializer, shape, dt)
        var = Variable(value, trainable=False, name=name or "variable")
        self._variables.append(var)
        self._initial_values.append(value.copy())
        return var

    def add_weight(self, name=None, shape=(), initializer="zeros", dtype=None,
                   aggregation="sum", synchronization=None, **kwargs):
        return self.add_variable(shape=shape, initializer=initializer, dtype=dtype,
                                 aggregation=aggregation, name=name)

    @property
    def variables(self):
        out = list(self._variables)
        for v in self.__dict__.values():
            if isinstance(v, Metric) and v is not self:
                out.extend(v.variables)
        return out

    weights = variables

    @property
    def non_trainable_weights(self):
        return self.variables

    @property
    def trainable_weights(self):
        return []

    def reset_state(self):
        """Set every state variable back to its initial value (zeros for most metrics)."""
        for v, init in zip(self._variables, self._initial_values):
            v._value = init.copy()
        for v in self.__dict__.values():
            if isinstance(v, Metric) and v is not self:
                v.reset_state()

    def reset_states(self):
        return self.reset_state()

    def update_state(self, *args, **kwargs):
        raise NotImplementedError("%s must implement update_state()." % type(self).__name__)

    def result(self):
        raise NotImplementedError("%s must implement result()." % type(self).__name__)

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    # ---- config ----
    def get_config(self):
        return {"name": self.name, "dtype": self._dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return "<%s name=%s>" % (type(self).__name__, self.name)


def _initial_value(initializer, shape, dt):
    if initializer is None or initializer == "zeros" or initializer == "Zeros":
        return np.zeros(shape, dtype=dt)
    if initializer == "ones" or initializer == "Ones":
        return np.ones(shape, dtype=dt)
    if isinstance(initializer, (int, float)):
        return np.full(shape, initializer, dtype=dt)
    if isinstance(initializer, (np.ndarray, Tensor)):
        return np.broadcast_to(_arr(initializer), shape).astype(dt)
    from ndflow.keras import initializers
    init = initializers.get(initializer)
    value = init(shape, dtype=np.dtype(dt).name)
    return np.asarray(_arr(value), dtype=dt).reshape(shape)


def samplewise(values, sample_weight):
    """Per-sample values (mean over non-batch axes) and their weights, as NumPy arrays.

    Returns (weighted values, per-sample weights or None)."""
    values = _arr(values)
    if values.dtype.kind != "f":
        values = values.astype(_dt.floatx())
    if sample_weight is None:
        if values.ndim > 1:
            values = values.reshape(values.shape[0], -1).mean(axis=1)
        return values, None
    sw = _arr(sample_weight).astype(values.dtype, copy=False)
    if sw.ndim == values.ndim + 1 and sw.shape[-1] == 1:
        sw = sw[..., 0]
    while sw.ndim < values.ndim:
        sw = sw[..., None]
    sw = np.broadcast_to(sw, values.shape)
    values = values * sw
    if values.ndim > 1:
        values = values.reshape(values.shape[0], -1).mean(axis=1)
        sw = sw.reshape(sw.shape[0], -1).mean(axis=1)
    return values, sw


class Sum(Metric):
    """Sum of the values (times their weights) seen so far."""

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(name="total")

    def update_state(self, values, sample_weight=None):
        values = _arr(values)
        if sample_weight is not None:
            sw = _arr(sample_weight)
            while sw.ndim < values.ndim:
                sw = sw[..., None]
            values = values * sw
        self.total._value = self.total._value + np.asarray(values.sum(), self.total._value.dtype)

    def result(self):
        return _wrap(self.total._value.copy())


class Mean(Metric):
    """Weighted mean of the values seen so far (``total / count``)."""

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(name="total")
        self.count = self.add_variable(name="count")

    def update_state(self, values, sample_weight=None):
        values, sw = samplewise(values, sample_weight)
        dt = self.total._value.dtype
        self.total._value = self.total._value + np.asarray(values.sum(), dt)
        if sw is None:
            n = values.shape[0] if values.ndim else 1
        else:
            n = sw.sum() if sw.ndim else sw
        self.count._value = self.count._value + np.asarray(n, dt)

    def _update_scalar(self, value, weight=1.0):
        """Fast path for one scalar (the loss tracker)."""
        dt = self.total._value.dtype
        self.total._value = np.asarray(self.total._value + value * weight, dt)
        self.count._value = np.asarray(self.count._value + weight, dt)

    def result(self):
        c = self.count._value
        t = self.total._value
        return _wrap(np.asarray(t / c if c != 0 else 0.0, dtype=t.dtype))


class MeanMetricWrapper(Mean):
    """Mean of ``fn(y_true, y_pred, **kwargs)`` over all samples seen."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name if name is not None else getattr(fn, "__name__", None),
                         dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs
        self._np_fn = getattr(fn, "_numpy_impl", None)

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self._np_fn is not None:
            values = self._np_fn(_arr(y_true), _arr(y_pred), **self._fn_kwargs)
        else:
            values = self._fn(y_true, y_pred, **self._fn_kwargs)
        Mean.update_state(self, values, sample_weight)

    def get_config(self):
        config = {"name": self.name, "dtype": self._dtype}
        config.update(self._fn_kwargs)
        if type(self) is MeanMetricWrapper:
            from ndflow.keras.saving.serialization import serialize_keras_object
            config["fn"] = serialize_keras_object(self._fn)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if cls is MeanMetricWrapper and "fn" in config:
            from ndflow.keras.metrics import get
            config["fn"] = get(config["fn"])
        return cls(**config)
