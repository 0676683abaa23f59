"""``tf.ragged``: tensors whose rows have different lengths.

    rt = tf.ragged.constant([[1, 2], [3], []])
    rt.row_lengths()            # [2, 1, 0]
    (rt * 10).to_tensor()       # [[10, 20], [30, 0], [0, 0]]

``tf.RaggedTensor`` is the class (``ndflow/ragged/ragged_tensor.py``); the functions live
in ``ndflow/ragged/ragged_ops.py``; ``RaggedTensorSpec`` (its type, as ``Dataset.element_spec``
reports it) in ``ndflow/ragged/spec.py``.  ``tf.strings`` functions return RaggedTensors;
the legacy ``RaggedList`` (``ndflow/core/ragged.py``) is still accepted everywhere.
"""
from ndflow.ragged.ragged_tensor import RaggedTensor
from ndflow.ragged.spec import RaggedTensorSpec
from ndflow.ragged.ragged_ops import (constant, map_flat_values, boolean_mask, stack,
                                      row_splits_to_segment_ids, segment_ids_to_row_splits,
                                      cross, stack_dynamic_partitions)
from ndflow.ragged.ragged_ops import range_ as range  # noqa: A001 (tf.ragged.range)

__all__ = ["RaggedTensor", "RaggedTensorSpec", "constant", "map_flat_values", "range", "boolean_mask", "stack",
           "row_splits_to_segment_ids", "segment_ids_to_row_splits", "cross",
           "stack_dynamic_partitions"]
