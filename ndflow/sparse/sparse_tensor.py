"""``tf.SparseTensor``: a tensor given by the positions and values of its stored entries.

    sp = tf.SparseTensor(indices=[[0, 1], [2, 3]], values=[1.0, 2.0], dense_shape=[3, 4])
    tf.sparse.to_dense(sp)        # [[0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 2]]

``indices`` is an int64 ``(N, rank)`` tensor, ``values`` a ``(N,)`` tensor of any dtype
and ``dense_shape`` an int64 ``(rank,)`` tensor.  Most ``tf.sparse`` functions expect the
indices in row-major ("canonical") order; ``tf.sparse.reorder`` sorts them.

The values are an ordinary ndflow Tensor: a GradientTape that watches them (or the
Variable they were read from) differentiates ``tf.sparse.to_dense``,
``sparse_dense_matmul``, ``reduce_sum``, ``add`` and the other value-moving functions
with respect to them.  As in TensorFlow the indices carry no gradient.

Like TensorFlow's, a SparseTensor is not converted to a dense tensor implicitly
(``tf.convert_to_tensor(sp)`` raises; use ``tf.sparse.to_dense``), and of the Python
operators it has only ``sp * dense`` and ``sp / dense``, which broadcast the dense operand
to the sparse shape and return a SparseTensor with the same indices.
"""
import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.core.errors import InvalidArgumentError
from ndflow.core.shape import TensorShape
from ndflow.core.tensor import Tensor, convert_to_tensor
from ndflow.ops import array_ops as _A
from ndflow.ops import math_ops as _M
from ndflow.ops._base import execute as _execute, wrap as _wrap

__all__ = ["SparseTensor"]


def _int64_array(value, what):
    """``value`` (a list, array or int64 tensor) as an int64 NumPy array."""
    if isinstance(value, Tensor):
        if value._value.dtype != np.int64:
            raise ValueError(
                "SparseTensor: %s must be int64, got a tensor of dtype %s. Cast it first "
                "with tf.cast(%s, tf.int64)." % (what, value.dtype.name, what))
        return value._value
    if isinstance(value, TensorShape):
        if not value.is_fully_defined():
            raise ValueError("SparseTensor: dense_shape must be fully known, got %s."
                             % (value,))
        value = value.as_list()
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):
        arr = np.asarray(value, dtype=object)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64, copy=False)
    if arr.size == 0 and arr.dtype.kind in "fb":
        return arr.astype(np.int64)
    raise TypeError("SparseTensor: cannot convert %s %r to an int64 tensor: it must hold "
                    "integers." % (what, value))


def _values_tensor(values):
    if isinstance(values, Tensor):
        if values._is_variable:   # read now, as TensorFlow does (and on the tape)
            return values.value()
        return values
    return convert_to_tensor(values)


def _make(indices, values, dense_shape):
    """A SparseTensor from an int64 array of indices, a values Tensor and an int64 array
    of the dense shape, without checks (for the functions of ``tf.sparse``)."""
    sp = SparseTensor.__new__(SparseTensor)
    sp._indices = _wrap(indices)
    sp._values = values
    sp._dense_shape = _wrap(dense_shape)
    return sp


class SparseTensor:
    """A sparse tensor: ``indices`` (int64, ``(N, rank)``), ``values`` (``(N,)``) and
    ``dense_shape`` (int64, ``(rank,)``).  See the module docstring."""

    __slots__ = ("_indices", "_values", "_dense_shape", "__weakref__")
    # lets ndflow.ops and tf.is_tensor recognize a SparseTensor without importing this
    # package (tf.abs, tf.cast, tf.math.sqrt ... then work on the values)
    _ndflow_sparse = True

    def __init__(self, indices, values, dense_shape):
        idx = _int64_array(indices, "indices")
        shape = _int64_array(dense_shape, "dense_shape")
        vals = _values_tensor(values)
        if idx.ndim != 2:
            raise ValueError(
                "SparseTensor: indices must have rank 2 (one row [i0, i1, ...] per value), "
                "got shape %s. For a single value write [[i0, i1, ...]]."
                % (tuple(idx.shape),))
        if vals._value.ndim != 1:
            raise ValueError("SparseTensor: values must have rank 1 (one value per row of "
                             "indices), got shape %s." % (tuple(vals._value.shape),))
        if shape.ndim != 1:
            raise ValueError("SparseTensor: dense_shape must have rank 1, got shape %s."
                             % (tuple(shape.shape),))
        if idx.shape[0] != vals._value.shape[0]:
            raise ValueError(
                "SparseTensor: indices has %d rows but values has %d entries; they must "
                "have one row per value." % (idx.shape[0], vals._value.shape[0]))
        if idx.shape[1] != shape.shape[0]:
            raise ValueError(
                "SparseTensor: each index has %d coordinates but dense_shape %s has rank "
                "%d; they must agree." % (idx.shape[1], shape.tolist(), shape.shape[0]))
        self._indices = _wrap(idx)
        self._values = vals
        self._dense_shape = _wrap(shape)

    # ---- components ---------------------------------------------------------------------
    @property
    def indices(self):
        """The positions of the stored values: an int64 tensor ``(N, rank)``."""
        return self._indices

    @property
    def values(self):
        """The stored values: a tensor ``(N,)``."""
        return self._values

    @property
    def dense_shape(self):
        """The shape of the dense tensor this one stands for: int64 ``(rank,)``."""
        return self._dense_shape

    @property
    def dtype(self):
        return self._values.dtype

    @property
    def shape(self):
        """The dense shape as a ``TensorShape`` (negative sizes are unknown: None)."""
        return TensorShape([None if d < 0 else int(d) for d in self._dense_shape._value])

    def get_shape(self):
        return self.shape

    def set_shape(self, shape):
        """Check that ``shape`` is compatible with the (always known) dense shape."""
        if not self.shape.is_compatible_with(shape):
            raise ValueError("Shapes %s and %s are not compatible (SparseTensor.set_shape)."
                             % (self.shape, TensorShape(shape)))

    def consumers(self):
        return []

    def with_values(self, new_values):
        """A SparseTensor with the same indices and dense shape and ``new_values``."""
        vals = _values_tensor(new_values)
        n = self._indices._value.shape[0]
        if vals._value.ndim != 1 or vals._value.shape[0] != n:
            raise ValueError("SparseTensor.with_values: new_values must have shape (%d,) "
                             "(one value per index), got %s."
                             % (n, tuple(vals._value.shape)))
        return _make(self._indices._value, vals, self._dense_shape._value)

    @classmethod
    def from_value(cls, sparse_tensor_value):
        """A SparseTensor from a SparseTensor or anything with ``indices``, ``values`` and
        ``dense_shape`` (such as TensorFlow 1's ``SparseTensorValue``)."""
        v = sparse_tensor_value
        if not all(hasattr(v, a) for a in ("indices", "values", "dense_shape")):
            raise TypeError("SparseTensor.from_value: %r is neither a SparseTensor nor a "
                            "SparseTensorValue (an object with indices, values and "
                            "dense_shape)." % (v,))
        return cls(v.indices, v.values, v.dense_shape)

    # ---- Python protocols ---------------------------------------------------------------
    def __repr__(self):
        return "SparseTensor(indices=%s, values=%s, dense_shape=%s)" % (
            self._indices, self._values, self._dense_shape)

    __str__ = __repr__

    def __array__(self, dtype=None, copy=None):
        raise ValueError(
            "Attempt to convert a SparseTensor (dense_shape %s, %d stored values) to a "
            "dense tensor or array: this is never done implicitly. Use "
            "tf.sparse.to_dense(sp) for the dense tensor, or sp.values / sp.indices for "
            "the parts (a tf.data map function, too, must return dense tensors in "
            "ndflow)." % (self._dense_shape._value.tolist(),
                            self._indices._value.shape[0]))

    def __reduce__(self):
        return (SparseTensor, (self._indices, self._values, self._dense_shape))

    # ---- sparse (op) dense ----------------------------------------------------------------
    def __mul__(self, other):
        return _cwise(self, other, "mul")

    def __truediv__(self, other):
        return _cwise(self, other, "div")

    __div__ = __truediv__


# int types that TensorFlow's truediv turns into float32 (the others into float64)
_SMALL_INTS = {np.dtype(t) for t in (np.int8, np.int16, np.uint8, np.uint16)}


def _cwise(sp, other, kind):
    """``sp * other`` or ``sp / other`` for a dense ``other`` that broadcasts to the
    sparse shape: a SparseTensor with sp's indices."""
    what = "SparseTensor.__%s__" % ("mul" if kind == "mul" else "truediv")
    if isinstance(other, SparseTensor):
        raise TypeError("%s: the other operand is a SparseTensor too; multiply or divide by "
                        "a dense tensor (tf.sparse.to_dense(other)), or combine two "
                        "SparseTensors with tf.sparse.add / maximum / minimum." % what)
    values = sp._values
    # a tensor of another dtype raises (ValueError); Python numbers and arrays adapt
    y = convert_to_tensor(other, dtype=values.dtype)
    idx = sp._indices._value
    sp_shape = sp._dense_shape._value.tolist()
    y_shape = list(y._value.shape)
    rank = len(sp_shape)
    if len(y_shape) > rank or any(d != 1 and d != s for d, s in
                                  zip(y_shape[::-1], sp_shape[::-1])):
        raise InvalidArgumentError(
            "%s broadcasts the dense operand to the sparse shape only; got incompatible "
            "shapes: sparse %s vs. dense %s." % (what, sp_shape, y_shape))
    if y._value.ndim == 0:
        picked = y
    else:
        n = idx.shape[0]
        off = rank - len(y_shape)
        key = tuple(idx[:, off + j] if d != 1 else np.zeros(n, np.int64)
                    for j, d in enumerate(y_shape))
        try:
            picked = _execute(_A.GetItem(key), (y,))
        except IndexError:
            raise InvalidArgumentError(
                "%s: an index of the SparseTensor lies outside its dense_shape %s."
                % (what, sp_shape)) from None
    if kind == "mul":
        return _make(idx, _M.multiply(values, picked), sp._dense_shape._value)
    if np.any(picked._value == 0):
        raise InvalidArgumentError(
            "%s cannot divide by zero, but the dense operand is zero at a position where "
            "the SparseTensor stores a value." % what)
    if values._value.dtype.kind in "iu":
        to = _dt.float32 if values._value.dtype in _SMALL_INTS else _dt.float64
        values, picked = _M.cast(values, to), _M.cast(picked, to)
    return _make(idx, _M.divide(values, picked), sp._dense_shape._value)
