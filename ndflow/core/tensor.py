"""Tensor: an immutable n-dimensional array, and conversion of Python/NumPy values.

A Tensor wraps one backend array (``_value``).  Its arithmetic operators are attached
by ``ndflow.ops`` (see ``ndflow/ops/overloads.py``), because core may not import ops.
"""
import numbers

import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.core.shape import TensorShape

_from_numpy = _dt.from_numpy
_ndarray = np.ndarray


class Tensor:
    """An immutable array with a dtype and a shape (``tf.Tensor``)."""

    # _keras_mask: the boolean mask a Keras masking layer attached (unset when none);
    # _keras_logits: set on the output of tf.nn.softmax / tf.nn.sigmoid to the logits they
    # were computed from, so cross-entropy losses can work from the logits (as Keras does)
    __slots__ = ("_value", "_keras_mask", "_keras_logits", "__weakref__")
    __array_priority__ = 100  # NumPy defers ``ndarray + Tensor`` to Tensor.__radd__
    _is_variable = False      # Variable sets True (a class attribute: fast to test)

    def __init__(self, value):
        if type(value) is not _ndarray:
            value = np.asarray(value)
        self._value = value

    # ---- properties -------------------------------------------------------------
    @property
    def dtype(self):
        return _from_numpy(self._value.dtype)

    @property
    def shape(self):
        return TensorShape(self._value.shape)

    @property
    def ndim(self):
        return self._value.ndim

    @property
    def device(self):
        return "/job:localhost/replica:0/task:0/device:CPU:0"

    @property
    def name(self):
        raise AttributeError("Tensor.name is meaningless when eager execution is enabled.")

    def get_shape(self):
        return self.shape

    def set_shape(self, shape):
        """Check that ``shape`` is compatible with the (always known) eager shape."""
        if not TensorShape(shape).is_compatible_with(self._value.shape):
            raise ValueError("Tensor's shape %s is not compatible with supplied shape %s."
                             % (_shape_str(self._value.shape), TensorShape(shape)))

    def numpy(self):
        """The value as a NumPy array (a NumPy scalar for a 0-d tensor).  Strings come out
        as ``TextStr``: a ``str`` that also has ``.decode()``, like TensorFlow's bytes."""
        v = self._value
        if v.dtype == object:
            return decodable(v)
        if v.ndim == 0:
            return v[()]
        return v

    def ref(self):
        return _Ref(self)

    def experimental_ref(self):
        return _Ref(self)

    # ---- Python protocols ---------------------------------------------------------
    def __array__(self, dtype=None, copy=None):
        v = self._value
        if dtype is not None and v.dtype != dtype:
            return v.astype(dtype)
        if copy:
            return v.copy()
        return v

    def __len__(self):
        if self._value.ndim == 0:
            raise TypeError("len() of a 0-d tensor (a scalar) is not defined.")
        return self._value.shape[0]

    def __iter__(self):
        if self._value.ndim == 0:
            raise TypeError("Cannot iterate over a scalar tensor.")
        for i in range(self._value.shape[0]):
            yield self[i]

    def __bool__(self):
        if self._value.size != 1:
            raise ValueError(
                "The truth value of a tensor with %d elements (shape %s) is ambiguous. "
                "Use tf.reduce_any() or tf.reduce_all() to reduce it to one value."
                % (self._value.size, tuple(self._value.shape)))
        return bool(self._value)

    def __float__(self):
        return float(self._value)

    def __int__(self):
        return int(self._value)

    def __index__(self):
        if self._value.dtype.kind not in "iub" or self._value.ndim != 0:
            raise TypeError("Only integer scalar tensors can be used as an index, got "
                            "dtype %s and shape %s." % (self.dtype.name, tuple(self._value.shape)))
        return int(self._value)

    def __complex__(self):
        return complex(self._value)

    def __format__(self, spec):
        if self._value.ndim == 0:
            return format(self._value[()], spec)
        return format(str(self), spec)

    def __setitem__(self, key, value):
        raise TypeError(
            "'%s' object does not support item assignment: tensors are immutable. "
            "Keep the values in a tf.Variable and use v.assign(...) or v[index].assign(...), "
            "or build a new tensor with tf.tensor_scatter_nd_update(tensor, indices, updates)."
            % type(self).__name__)

    __hash__ = None  # like TensorFlow: tensors are unhashable, use tensor.ref()

    def __repr__(self):
        return "<tf.Tensor: shape=%s, dtype=%s, numpy=%s>" % (
            _shape_str(self._value.shape), self.dtype.name, _numpy_repr(self._value))

    def __str__(self):
        v = self._value
        body = np.array2string(v) if v.ndim else str(v)
        sep = "\n" if v.ndim > 1 else ""
        return "tf.Tensor(%s%s, shape=%s, dtype=%s)" % (sep, body, _shape_str(v.shape),
                                                      self.dtype.name)

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return Tensor(self._value.copy())

    def __reduce__(self):
        return (Tensor, (self._value,))


class TextStr(str):
    """A string element taken out of a string tensor.

    ndflow keeps strings as ``str`` where TensorFlow gives ``bytes``; TensorFlow code
    very often writes ``t.numpy().decode("utf-8")`` or ``[w.decode() for w in
    t.numpy()]``, so the strings handed out by ``numpy()`` and ``as_numpy_iterator()``
    answer ``decode`` too (returning the plain ``str``).  Everything else is ``str``."""

    __slots__ = ()

    def decode(self, encoding="utf-8", errors="strict"):
        return str(self)


def decodable(v):
    """An object (string) array as ``numpy()`` returns it: a 0-d one as its element, and
    ``str`` elements as ``TextStr``; ``bytes`` and other elements unchanged."""
    if v.ndim == 0:
        e = v[()]
        return TextStr(e) if type(e) is str else e
    out = np.empty(v.shape, object)
    flat_out = out.reshape(-1)
    for i, e in enumerate(v.reshape(-1)):
        flat_out[i] = TextStr(e) if type(e) is str else e
    return out


def _shape_str(shape):
    if len(shape) == 1:
        return "(%d,)" % shape[0]
    return "(%s)" % ", ".join(str(d) for d in shape)


def _numpy_repr(v):
    if v.ndim == 0:
        return repr(v[()].item()) if v.dtype.kind != "O" else repr(v[()])
    return ("\n" if v.ndim > 1 else "") + repr(v)


class _Ref:
    """A hashable reference to a tensor or variable (``tensor.ref()``)."""

    __slots__ = ("_obj",)

    def __init__(self, obj):
        self._obj = obj

    def deref(self):
        return self._obj

    def __hash__(self):
        return id(self._obj)

    def __eq__(self, other):
        return isinstance(other, _Ref) and other._obj is self._obj


# ---- conversion ------------------------------------------------------------------

def _default_array(value):
    """NumPy array for a Python value with TensorFlow's default dtypes."""
    if isinstance(value, bool):
        return np.array(value, dtype=np.bool_)
    if isinstance(value, int):
        if -2 ** 31 <= value < 2 ** 31:
            return np.array(value, dtype=np.int32)
        return np.array(value, dtype=np.int64)
    if isinstance(value, float):
        return np.array(value, dtype=np.float32)
    if isinstance(value, (str, bytes)):
        return np.array(value, dtype=object)
    arr = np.asarray(value)
    kind = arr.dtype.kind
    if kind == "f" and arr.dtype == np.float64:
        return arr.astype(np.float32)
    if kind == "i" and arr.dtype == np.int64:
        if arr.size == 0 or (arr.min() >= -2 ** 31 and arr.max() < 2 ** 31):
            return arr.astype(np.int32)
        return arr
    if kind == "S" and not isinstance(value, np.ndarray):
        # NumPy's fixed-width bytes drop trailing NUL bytes (b"a\x00" -> b"a"), which
        # corrupts binary strings such as serialized protos: keep the Python objects
        return np.array(value, dtype=object)
    if kind in "US":
        return arr.astype(object)
    return arr


# set by ndflow.ops: packs a (nested) list that holds tensors with a differentiable stack
pack_hook = [None]


def _contains_tensor(value):
    for v in value:
        if isinstance(v, Tensor):
            return True
        if isinstance(v, (list, tuple)) and _contains_tensor(v):
            return True
    return False


def convert_to_tensor(value, dtype=None, dtype_hint=None, name=None):
    """Convert a Tensor, Variable, NumPy array, Python number or nested list to a Tensor.

    NumPy arrays keep their dtype; Python floats become float32 and ints int32 (as in
    TensorFlow) unless ``dtype`` says otherwise.
    """
    if isinstance(value, Tensor):
        if dtype is not None:
            dtype = _dt.as_dtype(dtype)
            if value._value.dtype != dtype._np:
                raise ValueError(
                    "Tensor conversion requested dtype %s for a tensor with dtype %s: %r. "
                    "Use tf.cast(x, %s) to change the dtype." % (
                        dtype.name, value.dtype.name, value, dtype.name))
        return value
    if dtype is not None:
        dtype = _dt.as_dtype(dtype)
        return Tensor(_as_array(value, dtype._np))
    if isinstance(value, _ndarray):
        if value.dtype.kind in "US":
            return Tensor(value.astype(object))
        return Tensor(value)
    if isinstance(value, np.generic):
        return Tensor(np.asarray(value))
    if isinstance(value, (list, tuple)) and value and _contains_tensor(value) and pack_hook[0]:
        return pack_hook[0](value)
    if hasattr(value, "__array__") and not isinstance(value, (list, tuple, numbers.Number)):
        arr = np.asarray(value)
        return Tensor(arr)
    arr = _default_array(value)
    if dtype_hint is not None:
        hint = _dt.as_dtype(dtype_hint)
        if arr.dtype.kind in "iuf" and hint._np.kind == "f":
            arr = arr.astype(hint._np)
    return Tensor(arr)


def _as_array(value, np_dtype):
    """``value`` as an array of ``np_dtype``; refuses to truncate Python floats to ints."""
    if isinstance(value, Tensor):
        value = value._value
    elif isinstance(value, (list, tuple)) and value and _contains_tensor(value) and pack_hook[0]:
        value = pack_hook[0](value)._value
    if np_dtype.kind in "iu" and isinstance(value, float) and not value.is_integer():
        raise TypeError("Cannot convert %r to a tensor of dtype %s: it is not an integer. "
                        "Cast explicitly with tf.cast if truncation is intended."
                        % (value, _dt.from_numpy(np_dtype).name))
    arr = np.asarray(value)
    if arr.dtype != np_dtype:
        arr = arr.astype(np_dtype)
    return arr


def is_tensor(x):
    """Whether ``x`` is a tensor-like ndflow value: a Tensor or Variable, a
    ``tf.SparseTensor`` or a ``tf.RaggedTensor`` (their classes carry the
    ``_ndflow_sparse`` / ``_ndflow_ragged`` markers), as in TensorFlow."""
    return isinstance(x, Tensor) or getattr(type(x), "_ndflow_sparse", False) or \
        getattr(type(x), "_ndflow_ragged", False)
