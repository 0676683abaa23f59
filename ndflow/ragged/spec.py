"""``tf.RaggedTensorSpec``: the shape, dtype, ragged_rank and row_splits dtype a
``tf.RaggedTensor`` is expected to have (what ``Dataset.element_spec`` reports for a
ragged component).

    tf.RaggedTensorSpec([None, None], tf.string)          # ragged_rank 1, int64 splits
    tf.RaggedTensorSpec.from_value(rt)                    # the spec of one RaggedTensor
"""
from ndflow.backend import dtypes as _dt
from ndflow.core.shape import TensorShape

__all__ = ["RaggedTensorSpec"]


def _merge_shapes(a, b):
    if a.rank is None or b.rank is None or a.rank != b.rank:
        return TensorShape(None)
    return TensorShape([x if x == y else None for x, y in zip(a.as_list(), b.as_list())])


class RaggedTensorSpec:
    """The type of a ``tf.RaggedTensor``: its shape (ragged dimensions are None), the
    dtype of its values, its ragged_rank (default: rank - 1) and row_splits dtype."""

    __slots__ = ("_shape", "_dtype", "_ragged_rank", "_row_splits_dtype")

    def __init__(self, shape=None, dtype=_dt.float32, ragged_rank=None,
                 row_splits_dtype=_dt.int64, flat_values_spec=None):
        self._shape = TensorShape(shape)
        self._dtype = _dt.as_dtype(dtype)
        if flat_values_spec is not None and flat_values_spec.dtype != self._dtype:
            raise ValueError("RaggedTensorSpec: dtype %s differs from flat_values_spec's "
                             "dtype %s." % (self._dtype.name, flat_values_spec.dtype.name))
        rank = self._shape.rank
        if ragged_rank is None:
            if rank is None:
                raise ValueError("RaggedTensorSpec: give ragged_rank when the shape's rank "
                                 "is unknown.")
            ragged_rank = rank - 1
        ragged_rank = int(ragged_rank)
        if ragged_rank < 0 or (rank is not None and ragged_rank >= max(rank, 1)):
            raise ValueError("RaggedTensorSpec: ragged_rank must be at least 0 and less than "
                             "the rank (%s), got %d." % (rank, ragged_rank))
        self._ragged_rank = ragged_rank
        self._row_splits_dtype = _dt.as_dtype(row_splits_dtype)
        if self._row_splits_dtype not in (_dt.int32, _dt.int64):
            raise ValueError("RaggedTensorSpec: row_splits_dtype must be tf.int32 or "
                             "tf.int64, got %s." % self._row_splits_dtype.name)

    shape = property(lambda self: self._shape)
    dtype = property(lambda self: self._dtype)
    ragged_rank = property(lambda self: self._ragged_rank)
    row_splits_dtype = property(lambda self: self._row_splits_dtype)

    @property
    def value_type(self):
        from ndflow.ragged.ragged_tensor import RaggedTensor
        return RaggedTensor

    @classmethod
    def from_value(cls, value):
        """The spec of a RaggedTensor."""
        from ndflow.ragged.ragged_tensor import RaggedTensor
        if not isinstance(value, RaggedTensor):
            raise TypeError("RaggedTensorSpec.from_value expects a tf.RaggedTensor, got %s."
                            % type(value).__name__)
        return cls(value.shape, value.dtype, value.ragged_rank, value.row_splits_dtype)

    def is_compatible_with(self, spec_or_value):
        """True for a RaggedTensorSpec or RaggedTensor of the same dtype and ragged_rank
        whose shape agrees with this one wherever both are known."""
        other = spec_or_value
        if not isinstance(other, RaggedTensorSpec):
            try:
                other = RaggedTensorSpec.from_value(other)
            except TypeError:
                return False
        return (self._dtype == other.dtype and self._ragged_rank == other.ragged_rank
                and self._row_splits_dtype == other.row_splits_dtype
                and self._shape.is_compatible_with(other.shape))

    def most_specific_common_supertype(self, others):
        """The most specific spec that all of ``self`` and ``others`` fit (dimensions that
        differ become None), or None when dtypes or ragged ranks differ."""
        shape = self._shape
        for o in others:
            if (not isinstance(o, RaggedTensorSpec) or o.dtype != self._dtype
                    or o.ragged_rank != self._ragged_rank
                    or o.row_splits_dtype != self._row_splits_dtype):
                return None
            shape = _merge_shapes(shape, o.shape)
        return RaggedTensorSpec(shape, self._dtype, self._ragged_rank, self._row_splits_dtype)

    def _with_shape(self, shape, ragged_rank):
        return RaggedTensorSpec(shape, self._dtype, ragged_rank, self._row_splits_dtype)

    def __eq__(self, other):
        return (isinstance(other, RaggedTensorSpec) and self._shape == other._shape
                and self._dtype == other._dtype and self._ragged_rank == other._ragged_rank
                and self._row_splits_dtype == other._row_splits_dtype)

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(("RaggedTensorSpec", self._shape, self._dtype, self._ragged_rank,
                     self._row_splits_dtype))

    def __repr__(self):
        return "RaggedTensorSpec(%r, %r, %d, %r)" % (self._shape, self._dtype,
                                                     self._ragged_rank, self._row_splits_dtype)

    def __reduce__(self):
        return (RaggedTensorSpec, (self._shape, self._dtype, self._ragged_rank,
                                   self._row_splits_dtype))
