"""``tf.sparse``: ``tf.SparseTensor`` and the functions that work on it.

    sp = tf.SparseTensor(indices=[[0, 0], [1, 2]], values=[1.0, 2.0], dense_shape=[3, 4])
    tf.sparse.to_dense(sp)
    tf.sparse.sparse_dense_matmul(sp, tf.ones([4, 2]))
    tf.sparse.reduce_sum(sp, axis=1)

See ``ndflow/sparse/sparse_tensor.py`` for the class and ``ndflow/sparse/sparse_math.py``
for the functions (which are differentiable with respect to the values where TensorFlow's
are).
"""
from ndflow.sparse.sparse_tensor import SparseTensor
from ndflow.sparse.spec import SparseTensorSpec
from ndflow.sparse.sparse_math import (
    to_dense, from_dense, to_indicator, reorder, reshape, transpose, add, concat, slice,
    retain, reset_shape, fill_empty_rows, sparse_dense_matmul, reduce_sum, reduce_max,
    expand_dims, eye, maximum, minimum, mask, split, segment_sum, segment_mean,
    segment_sqrt_n, softmax, map_values, bincount, cross, cross_hashed)

__all__ = ["SparseTensor", "SparseTensorSpec", "to_dense", "from_dense", "to_indicator", "reorder", "reshape",
           "transpose", "add", "concat", "slice", "retain", "reset_shape", "fill_empty_rows",
           "sparse_dense_matmul", "reduce_sum", "reduce_max", "expand_dims", "eye", "maximum",
           "minimum", "mask", "split", "segment_sum", "segment_mean", "segment_sqrt_n",
           "softmax", "map_values", "bincount", "cross", "cross_hashed"]
