"""``RaggedList``: a legacy list-of-rows type, kept for old code.

Before ``tf.RaggedTensor`` existed (``ndflow/ragged/``), ndflow's ``tf.strings`` functions
returned a ``RaggedList`` where TensorFlow returns a RaggedTensor.  They now return
RaggedTensors; nothing in ndflow creates a ``RaggedList`` any more.  It remains a plain
Python ``list`` of rows (1-D tensors, or nested ``RaggedList``s) with a few RaggedTensor
methods (``to_list()``, ``to_tensor()``, ``row_lengths()``, ``values``...), and every
function that takes a RaggedTensor (``tf.strings``, ``tf.ragged``, ``tf.lookup`` tables,
the Keras text layers) still accepts one, converting it with
``tf.RaggedTensor.from_ragged_list``.  It lives in ``core`` so that all of them can
import it.
"""
import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.core.shape import TensorShape
from ndflow.core.tensor import Tensor

__all__ = ["RaggedList"]


def _leaf_list(row):
    v = row._value if isinstance(row, Tensor) else np.asarray(row)
    return v.tolist()


class RaggedList(list):
    """A list of rows of different lengths (see the module docstring)."""

    __slots__ = ()

    def __repr__(self):
        return "<ndflow.RaggedList %r>" % (self.to_list(),)

    __str__ = __repr__

    def to_list(self):
        """Nested Python lists of the values (strings as ``str``)."""
        return [r.to_list() if isinstance(r, RaggedList) else _leaf_list(r) for r in self]

    def numpy(self):
        """A 1-D object array holding each row as a NumPy array (nested rows as object
        arrays), like ``RaggedTensor.numpy()``."""
        out = np.empty(len(self), dtype=object)
        for i, r in enumerate(self):
            out[i] = r.numpy() if isinstance(r, RaggedList) else np.asarray(
                r._value if isinstance(r, Tensor) else r)
        return out

    def _leaves(self):
        for r in self:
            if isinstance(r, RaggedList):
                yield from r._leaves()
            else:
                yield r._value if isinstance(r, Tensor) else np.asarray(r)

    @property
    def dtype(self):
        for leaf in self._leaves():
            return _dt.from_numpy(leaf.dtype)
        return _dt.string

    @property
    def ragged_rank(self):
        inner = [r.ragged_rank for r in self if isinstance(r, RaggedList)]
        return 1 + (max(inner) if inner else 0)

    @property
    def shape(self):
        """``[nrows, None, ...]``: the ragged dimensions are unknown (``None``)."""
        leaf_rank = 1
        for leaf in self._leaves():
            leaf_rank = leaf.ndim
            break
        return TensorShape([len(self)] + [None] * (self.ragged_rank - 1 + leaf_rank))

    def nrows(self):
        return Tensor(np.asarray(len(self), np.int64))

    def row_lengths(self):
        """The length of each row (int64)."""
        return Tensor(np.array([len(r) for r in self], np.int64))

    @property
    def flat_values(self):
        """All innermost values, concatenated in order (a 1-D tensor)."""
        leaves = [leaf.reshape(-1) for leaf in self._leaves()]
        if not leaves:
            return Tensor(np.empty(0, dtype=object))
        return Tensor(np.concatenate(leaves))

    @property
    def values(self):
        """The rows concatenated (one ragged level less)."""
        if any(isinstance(r, RaggedList) for r in self):
            return RaggedList([x for r in self for x in r])
        return self.flat_values

    def to_tensor(self, default_value=None, shape=None):
        """A dense tensor: every row padded to the longest with ``default_value`` (``''``
        for strings, 0 for numbers).  ``shape`` (optional) truncates or pads further."""
        data = self.to_list()
        dims = []

        def measure(x, depth):
            if isinstance(x, list):
                if len(dims) <= depth:
                    dims.append(0)
                dims[depth] = max(dims[depth], len(x))
                for y in x:
                    measure(y, depth + 1)

        measure(data, 0)
        dtype = self.dtype
        np_dtype = object if dtype == _dt.string else dtype._np
        if default_value is None:
            default_value = "" if dtype == _dt.string else 0
        if isinstance(default_value, Tensor):
            default_value = default_value._value[()]
        if shape is not None:
            shape = [d if s is None or s == -1 else int(s)
                     for d, s in zip(dims, list(TensorShape(shape).as_list()))]
            dims = shape
        out = np.full(dims, default_value, dtype=np_dtype)

        def fill(x, index):
            if index and len(index) == len(dims):
                return
            for i, y in enumerate(x):
                if i >= dims[len(index)]:
                    break
                if isinstance(y, list):
                    fill(y, index + (i,))
                else:
                    out[index + (i,)] = y

        fill(data, ())
        return Tensor(out)
