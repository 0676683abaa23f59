"""``tf.TensorArray``: a list of same-dtype tensors that loops write into and read from.

In eager mode a TensorArray is simply a Python list of tensors.  ``stack``, ``gather``,
``concat`` build their result with ndflow's ``stack`` / ``concat`` ops and ``unstack`` /
``split`` cut their input with ndflow's ``unstack`` / ``split`` ops, so a GradientTape
sees every step: gradients flow from ``write`` to ``stack`` and from ``unstack`` to
``read``.

Like TensorFlow's eager TensorArray:

* ``write``, ``unstack`` ... return a TensorArray that shares its storage with the one
  they were called on (write ``ta = ta.write(i, x)`` as in graph code; both names see
  the write).
* Writing the same index twice replaces the element (graph-mode TensorFlow refuses).
* Elements never written read as zeros of ``element_shape`` (which must then be known).
* With ``clear_after_read`` (the default) an element can be ``read`` once; ``stack`` and
  ``gather`` do not clear.
"""
import operator

import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.core.errors import OutOfRangeError
from ndflow.core.shape import TensorShape
from ndflow.core.tensor import Tensor
from ndflow.ops._base import convert, wrap, InvalidArgumentError
from ndflow.ops import array_ops as A, math_ops as M

__all__ = ["TensorArray"]


class _Storage:
    """What TensorArrays returned by one another share."""

    __slots__ = ("elements", "cleared", "element_shape")

    def __init__(self, size, element_shape):
        self.elements = [None] * size
        self.cleared = set()          # indices read (and dropped) under clear_after_read
        self.element_shape = element_shape


def _merge(known, shape):
    """The most specific shape compatible with both (both already checked compatible)."""
    if known.rank is None:
        return TensorShape(shape)
    shape = TensorShape(shape)
    if shape.rank is None:
        return known
    return TensorShape([a if a is not None else b for a, b in zip(known, shape)])


def _index(index, what):
    if isinstance(index, Tensor):
        v = index._value
        if v.ndim != 0 or v.dtype.kind not in "iu":
            raise TypeError("TensorArray.%s: index must be a scalar integer, got a tensor of "
                            "dtype %s and shape %s." % (what, index.dtype.name,
                                                        tuple(v.shape)))
        return int(v)
    try:
        return operator.index(index)
    except TypeError:
        raise TypeError("TensorArray.%s: index must be an integer, got %r (%s)."
                        % (what, index, type(index).__name__)) from None


def _indices(indices, what):
    idx = np.asarray(indices._value if isinstance(indices, Tensor) else indices)
    if idx.size == 0:
        return []
    if idx.ndim != 1 or idx.dtype.kind not in "iu":
        raise TypeError("TensorArray.%s: indices must be a 1-D list or tensor of integers, "
                        "got %r." % (what, idx.tolist()))
    return [int(i) for i in idx]


class TensorArray:
    """A list of tensors of one dtype, as ``tf.TensorArray``."""

    def __init__(self, dtype, size=None, dynamic_size=None, clear_after_read=None,
                 tensor_array_name=None, handle=None, flow=None, infer_shape=True,
                 element_shape=None, colocate_with_first_write_call=True, name=None):
        if size is None:
            raise ValueError("TensorArray: size must be given when executing eagerly, e.g. "
                             "tf.TensorArray(tf.float32, size=0, dynamic_size=True).")
        size = _index(size, "__init__ (size)")
        if size < 0:
            raise ValueError("TensorArray: size must be >= 0, got %d." % size)
        self._dtype = _dt.as_dtype(dtype)
        self._dynamic_size = bool(dynamic_size)
        self._clear_after_read = True if clear_after_read is None else bool(clear_after_read)
        self._infer_shape = bool(infer_shape)
        self._storage = _Storage(size, TensorShape(element_shape))

    def _share(self):
        """A new TensorArray object over the same storage (what write & co. return)."""
        out = TensorArray.__new__(TensorArray)
        out.__dict__.update(self.__dict__)
        return out

    # ---- properties ----------------------------------------------------------------
    @property
    def dtype(self):
        return self._dtype

    @property
    def dynamic_size(self):
        return self._dynamic_size

    @property
    def element_shape(self):
        return self._storage.element_shape

    @property
    def flow(self):
        """Graph-mode plumbing; a constant 0 when executing eagerly, as in TensorFlow."""
        return wrap(np.asarray(0, dtype=np.int32))

    @property
    def handle(self):
        return None

    def __repr__(self):
        return "<tf.TensorArray dtype=%s size=%d element_shape=%s>" % (
            self._dtype.name, len(self._storage.elements), self._storage.element_shape)

    # ---- helpers -------------------------------------------------------------------
    def _convert(self, value, what):
        """``value`` as a tensor of this array's dtype.

        Tensors must already have the dtype; NumPy arrays and Python values are converted
        to it unless that would drop a fraction (or turn numbers into bool / strings)."""
        want = self._dtype
        if isinstance(value, Tensor):
            if value._is_variable:
                value = value.value()
            if value._value.dtype != want._np:
                raise InvalidArgumentError(
                    "TensorArray.%s: the TensorArray has dtype %s but the value has dtype %s. "
                    "Cast it first: tf.cast(value, tf.%s)."
                    % (what, want.name, value.dtype.name, want.name))
            return value
        t = convert(value)
        have = t._value.dtype
        if have == want._np:
            return t
        from_tensors = isinstance(value, (list, tuple)) and any(
            isinstance(v, Tensor) for v in value)
        lossy = ((want._np.kind in "iub" and have.kind in "fc")
                 or (want._np.kind == "b") != (have.kind == "b")
                 or (want._np.kind == "O") != (have.kind == "O")
                 or (want._np.kind in "iuf" and have.kind == "c"))
        if lossy:
            raise InvalidArgumentError(
                "TensorArray.%s: the TensorArray has dtype %s but the value converts to dtype "
                "%s. Convert it explicitly: tf.cast(value, tf.%s)."
                % (what, want.name, t.dtype.name, want.name))
        if from_tensors:
            return M.cast(t, want)   # keeps the gradient path to the listed tensors
        return convert(value, dtype=want)   # straight from Python / NumPy: no rounding

    def _check_shape(self, shape, what):
        st = self._storage
        if not st.element_shape.is_compatible_with(shape):
            raise ValueError(
                "TensorArray.%s: incompatible shape for value %s, expected %s (the "
                "element_shape given or inferred from the first write)."
                % (what, TensorShape(shape), st.element_shape))

    def _infer(self, shape):
        if self._infer_shape:
            self._storage.element_shape = _merge(self._storage.element_shape, shape)

    def _zeros(self, what):
        es = self._storage.element_shape
        if not es.is_fully_defined():
            raise ValueError(
                "TensorArray.%s: an element that was never written is read as zeros of the "
                "element shape, but the element shape %s is not fully known. Write every "
                "element first, or pass element_shape= to the TensorArray."
                % (what, es))
        if self._dtype._np.kind == "O":
            return wrap(np.full(tuple(es), "", dtype=object))
        return wrap(np.zeros(tuple(es), dtype=self._dtype._np))

    def _element(self, i, what):
        t = self._storage.elements[i]
        return self._zeros(what) if t is None else t

    def _put(self, index, value, what):
        """Store an already converted tensor at ``index`` (growing when dynamic)."""
        st = self._storage
        n = len(st.elements)
        if index < 0:
            raise OutOfRangeError(
                "TensorArray.%s: writing to a negative index (%d) is not allowed." % (what, index))
        if index >= n:
            if not self._dynamic_size:
                raise OutOfRangeError(
                    "TensorArray.%s: tried to write to index %d but the array has size %d and "
                    "is not resizeable. Create it with dynamic_size=True to let it grow."
                    % (what, index, n))
            st.elements.extend([None] * (index + 1 - n))
        self._check_shape(value._value.shape, what)
        self._infer(value._value.shape)
        st.elements[index] = value
        st.cleared.discard(index)

    def _stack(self, indices, what):
        st = self._storage
        if not indices:
            es = st.element_shape
            shape = (0,) + tuple(es) if es.is_fully_defined() else (0,)
            return wrap(np.zeros(shape, dtype=self._dtype._np))
        return A.stack([self._element(i, what) for i in indices])

    # ---- the API -------------------------------------------------------------------
    def size(self, name=None):
        """The number of elements, an int32 scalar tensor."""
        return wrap(np.asarray(len(self._storage.elements), dtype=np.int32))

    def write(self, index, value, name=None):
        """Store ``value`` at ``index``; returns the TensorArray (sharing this storage)."""
        index = _index(index, "write")
        self._put(index, self._convert(value, "write"), "write")
        return self._share()

    def read(self, index, name=None):
        """The element at ``index`` (zeros of element_shape if it was never written)."""
        index = _index(index, "read")
        st = self._storage
        if index < 0:
            raise OutOfRangeError("TensorArray.read: reading from a negative index (%d) is "
                                  "not allowed." % index)
        if index >= len(st.elements):
            raise OutOfRangeError("TensorArray.read: tried to read from index %d but the array "
                                  "size is %d." % (index, len(st.elements)))
        if index in st.cleared:
            raise InvalidArgumentError(
                "TensorArray.read: could not read index %d twice because it was cleared "
                "after a previous read. Create the TensorArray with clear_after_read=False "
                "to read an element more than once." % index)
        out = self._element(index, "read")
        if self._clear_after_read:
            st.elements[index] = None
            st.cleared.add(index)
        return out

    def stack(self, name=None):
        """All elements stacked along a new first axis."""
        return self._stack(list(range(len(self._storage.elements))), "stack")

    def gather(self, indices, name=None):
        """The elements at ``indices`` stacked along a new first axis."""
        n = len(self._storage.elements)
        idx = []
        for i in _indices(indices, "gather"):
            if not -n <= i < n:
                raise IndexError("TensorArray.gather: index %d is out of range for a "
                                 "TensorArray of size %d." % (i, n))
            idx.append(i % n)
        return self._stack(idx, "gather")

    def concat(self, name=None):
        """All elements joined along their first axis (they must be at least 1-D)."""
        st = self._storage
        n = len(st.elements)
        if n == 0:
            raise InvalidArgumentError("TensorArray.concat: the TensorArray is empty; there "
                                       "is nothing to concatenate. Use stack() instead, or "
                                       "check size() first.")
        parts = [self._element(i, "concat") for i in range(n)]
        for i, p in enumerate(parts):
            if p._value.ndim == 0:
                raise InvalidArgumentError(
                    "TensorArray.concat: element %d is a scalar, but concat needs elements of "
                    "rank >= 1. Use stack() for scalars." % i)
        return A.concat(parts, axis=0)

    def unstack(self, value, name=None):
        """Make the elements the rows of ``value`` (replacing the current elements)."""
        value = self._convert(value, "unstack")
        if value._value.ndim == 0:
            raise ValueError("TensorArray.unstack: value must have rank >= 1 (its rows become "
                             "the elements), got a scalar.")
        n = value._value.shape[0]
        st = self._storage
        if not self._dynamic_size and n > len(st.elements):
            raise ValueError(
                "TensorArray.unstack: cannot unstack %d tensors into a TensorArray of static "
                "size %d. Create it with dynamic_size=True or a larger size." % (
                    n, len(st.elements)))
        self._check_shape(value._value.shape[1:], "unstack")
        self._infer(value._value.shape[1:])
        st.elements = A.unstack(value) if n else []
        st.cleared = set()
        return self._share()

    def scatter(self, indices, value, name=None):
        """Write the rows of ``value`` at ``indices``."""
        idx = _indices(indices, "scatter")
        value = self._convert(value, "scatter")
        if value._value.ndim == 0 or value._value.shape[0] != len(idx):
            raise InvalidArgumentError(
                "TensorArray.scatter: value must have one row per index; got %d indices and a "
                "value of shape %s." % (len(idx), tuple(value._value.shape)))
        rows = A.unstack(value) if idx else []
        for i, row in zip(idx, rows):
            self._put(i, row, "scatter")
        return self._share()

    def split(self, value, lengths, name=None):
        """Cut ``value`` along its first axis into pieces of ``lengths``; they become the
        elements (replacing the current ones)."""
        value = self._convert(value, "split")
        lens = _indices(lengths, "split")
        if value._value.ndim == 0:
            raise InvalidArgumentError("TensorArray.split: value must have rank >= 1, got a "
                                       "scalar.")
        if any(n < 0 for n in lens) or sum(lens) != value._value.shape[0]:
            raise InvalidArgumentError(
                "TensorArray.split: the lengths %s must be non-negative and add up to "
                "value.shape[0] = %d." % (lens, value._value.shape[0]))
        st = self._storage
        if not self._dynamic_size and len(lens) != len(st.elements):
            raise InvalidArgumentError(
                "TensorArray.split: the TensorArray has size %d but %d lengths were given, and "
                "it is not dynamically resizeable (dynamic_size=True)." % (
                    len(st.elements), len(lens)))
        piece = (None,) + tuple(value._value.shape[1:])
        self._check_shape(piece, "split")
        self._infer(piece)
        st.elements = A.split(value, lens, axis=0) if lens else []
        st.cleared = set()
        return self._share()

    def identity(self):
        """A TensorArray sharing this one's elements."""
        return self._share()

    def close(self, name=None):
        """Drop every element (the size becomes 0)."""
        self._storage.elements = []
        self._storage.cleared = set()

    def grad(self, source, flow=None, name=None):
        raise NotImplementedError(
            "TensorArray.grad is a graph-mode helper; when executing eagerly compute "
            "gradients through a TensorArray with tf.GradientTape instead.")

    def mark_used(self):
        """Accepted for compatibility (TensorFlow's unused-result warning)."""
