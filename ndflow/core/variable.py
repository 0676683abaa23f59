"""Variable: a mutable tensor that holds state (``tf.Variable``).

A Variable is a Tensor subclass, so every op accepts it directly.  Assignment replaces the
backing array with a new one instead of writing in place, so a tensor read earlier (and
any op that saved it for its gradient) never changes under the user's feet.
"""
import itertools

import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.core.tensor import Tensor, convert_to_tensor, _as_array
from ndflow.core import engine

_uid = itertools.count()


class VariableSynchronization:
    AUTO = 0
    NONE = 1
    ON_WRITE = 2
    ON_READ = 3


class VariableAggregation:
    NONE = 0
    SUM = 1
    MEAN = 2
    ONLY_FIRST_REPLICA = 3


class Variable(Tensor):
    """A tensor whose value can change through ``assign`` (``tf.Variable``)."""

    __slots__ = ("_name", "trainable", "constraint", "_uid", "synchronization",
                 "aggregation", "__dict__")
    _is_variable = True

    def __init__(self, initial_value=None, trainable=None, validate_shape=True,
                 caching_device=None, name=None, variable_def=None, dtype=None,
                 import_scope=None, constraint=None, synchronization=None,
                 aggregation=None, shape=None, experimental_enable_variable_lifting=None):
        if initial_value is None:
            raise ValueError("tf.Variable needs an initial_value (a tensor, array, number "
                             "or a callable returning one).")
        if callable(initial_value) and not isinstance(initial_value, Tensor):
            initial_value = initial_value()
        if dtype is not None:
            value = _as_array(initial_value, _dt.as_dtype(dtype)._np)
        else:
            value = convert_to_tensor(initial_value)._value
        self._value = np.array(value, copy=True)
        self._uid = next(_uid)
        self._name = "Variable" if name is None else str(name)
        if trainable is None:
            trainable = synchronization != VariableSynchronization.ON_READ
        self.trainable = bool(trainable)
        self.constraint = constraint
        self.synchronization = synchronization or VariableSynchronization.AUTO
        self.aggregation = aggregation or VariableAggregation.NONE

    @property
    def name(self):
        return self._name if ":" in self._name else self._name + ":0"

    @property
    def dtype(self):
        return _dt.from_numpy(self._value.dtype)

    def numpy(self):
        v = self._value
        if v.ndim == 0:
            return v[()]
        return v.copy()

    def value(self):
        return engine.execute(_ReadVariable(), (self,))

    def read_value(self):
        return self.value()

    # ---- assignment ----
    def _coerce(self, value, what):
        if isinstance(value, Tensor) and value._value.dtype != self._value.dtype:
            raise TypeError(
                "Variable.%s: variable %r has dtype %s but the value is a tensor of dtype %s. "
                "Cast it first: tf.cast(value, tf.%s)." % (what, self._name, self.dtype.name,
                                                  value.dtype.name, self.dtype.name))
        arr = _as_array(value, self._value.dtype)
        if arr.shape != self._value.shape:
            if arr.size == self._value.size and arr.ndim == 0:
                arr = np.broadcast_to(arr, self._value.shape)
            else:
                raise ValueError(
                    "Variable.%s: cannot assign a value of shape %s to variable %r of shape "
                    "%s. The shapes must match exactly." % (
                        what, tuple(arr.shape), self._name, tuple(self._value.shape)))
        return arr

    def _set(self, new):
        """Replace the value (never in place); recorded ops keep the value they read."""
        if engine._holding:
            engine.snapshot_variable(self)
        self._value = new
        return self

    def assign(self, value, use_locking=None, name=None, read_value=True):
        return self._set(np.array(self._coerce(value, "assign"), copy=True))

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        return self._set(self._value + self._coerce(delta, "assign_add"))

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        return self._set(self._value - self._coerce(delta, "assign_sub"))

    def scatter_nd_update(self, indices, updates):
        new = self._value.copy()
        idx = np.asarray(convert_to_tensor(indices)._value)
        upd = _as_array(updates, self._value.dtype)
        new[tuple(np.moveaxis(idx, -1, 0))] = upd
        return self._set(new)

    def _assign_slice(self, index, value):
        new = self._value.copy()
        new[index] = _as_array(value, self._value.dtype)
        return self._set(new)

    def ref(self):
        from ndflow.core.tensor import _Ref
        return _Ref(self)

    def __repr__(self):
        from ndflow.core.tensor import _numpy_repr, _shape_str
        return "<tf.Variable '%s' shape=%s dtype=%s, numpy=%s>" % (
            self.name, _shape_str(self._value.shape), self.dtype.name,
            _numpy_repr(self._value))

    __str__ = __repr__

    def __deepcopy__(self, memo):
        return Variable(self._value.copy(), trainable=self.trainable, name=self._name)

    def __reduce__(self):
        return (Variable, (self._value, self.trainable, True, None, self._name))

    __hash__ = None


class _ReadVariable(engine.Op):
    """Snapshot of a variable's current value (gradient flows to the variable)."""

    def forward(self, x):
        return x

    def backward(self, dy):
        return (dy,)


class VariableSlice(Tensor):
    """``v[index]``: a tensor holding the slice, whose ``assign`` writes into ``v``."""

    __slots__ = ("_variable", "_index")

    def assign(self, value, use_locking=None, name=None, read_value=True):
        return self._variable._assign_slice(self._index, value)

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        return self._variable._assign_slice(self._index, self._variable._value[self._index]
                                            + _as_array(delta, self._variable._value.dtype))

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        return self._variable._assign_slice(self._index, self._variable._value[self._index]
                                            - _as_array(delta, self._variable._value.dtype))
