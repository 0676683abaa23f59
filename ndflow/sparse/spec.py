"""``tf.SparseTensorSpec``: the dense shape and dtype a ``tf.SparseTensor`` is expected to
have (what ``Dataset.element_spec`` reports for a sparse component).

    tf.SparseTensorSpec([None, 4], tf.float32)
    tf.SparseTensorSpec.from_value(sp)      # the spec of one SparseTensor
"""
from ndflow.backend import dtypes as _dt
from ndflow.core.shape import TensorShape

__all__ = ["SparseTensorSpec"]


def _merge_shapes(a, b):
    if a.rank is None or b.rank is None or a.rank != b.rank:
        return TensorShape(None)
    return TensorShape([x if x == y else None for x, y in zip(a.as_list(), b.as_list())])


class SparseTensorSpec:
    """The type of a ``tf.SparseTensor``: its dense shape (dimensions may be None, the
    whole shape may be unknown) and the dtype of its values."""

    __slots__ = ("_shape", "_dtype")

    def __init__(self, shape=None, dtype=_dt.float32):
        self._shape = TensorShape(shape)
        self._dtype = _dt.as_dtype(dtype)

    shape = property(lambda self: self._shape)
    dtype = property(lambda self: self._dtype)

    @property
    def value_type(self):
        from ndflow.sparse.sparse_tensor import SparseTensor
        return SparseTensor

    @classmethod
    def from_value(cls, value):
        """The spec of a SparseTensor (or of anything with ``dense_shape`` and ``dtype``)."""
        from ndflow.sparse.sparse_tensor import SparseTensor
        if not isinstance(value, SparseTensor):
            raise TypeError("SparseTensorSpec.from_value expects a tf.SparseTensor, got %s."
                            % type(value).__name__)
        return cls(value.shape, value.dtype)

    def is_compatible_with(self, spec_or_value):
        """True for a SparseTensorSpec or SparseTensor of the same dtype whose shape agrees
        with this one wherever both are known."""
        from ndflow.sparse.sparse_tensor import SparseTensor
        if not isinstance(spec_or_value, (SparseTensorSpec, SparseTensor)):
            return False
        return (self._dtype == spec_or_value.dtype
                and self._shape.is_compatible_with(spec_or_value.shape))

    def most_specific_common_supertype(self, others):
        """The most specific spec that all of ``self`` and ``others`` fit (dimensions that
        differ become None), or None when the dtypes differ or one is not sparse."""
        shape = self._shape
        for o in others:
            if not isinstance(o, SparseTensorSpec) or o.dtype != self._dtype:
                return None
            shape = _merge_shapes(shape, o.shape)
        return SparseTensorSpec(shape, self._dtype)

    def most_specific_compatible_type(self, other):
        merged = self.most_specific_common_supertype([other])
        if merged is None:
            raise ValueError("SparseTensorSpec.most_specific_compatible_type: %r and %r are "
                             "not compatible (both must be SparseTensorSpecs of one dtype)."
                             % (self, other))
        return merged

    def __eq__(self, other):
        return (isinstance(other, SparseTensorSpec) and self._shape == other._shape
                and self._dtype == other._dtype)

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(("SparseTensorSpec", self._shape, self._dtype))

    def __repr__(self):
        return "SparseTensorSpec(%r, %r)" % (self._shape, self._dtype)

    def __reduce__(self):
        return (SparseTensorSpec, (self._shape, self._dtype))
