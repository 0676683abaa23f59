"""The primitives behind ``tf.sparse`` that are not compositions of other ops: scattering
a SparseTensor's values into a dense tensor, and the sparse x dense matrix product.

A SparseTensor (``ndflow/sparse/``) keeps its indices as a NumPy int64 array and its
values as an ndflow Tensor, so each primitive here takes the values (and any dense
operand) as its inputs and the indices as constructor arguments: the tape then
differentiates with respect to the values and the dense operand, never the indices.
"""
import numpy as np

from ndflow.ops._base import Op, execute, wrap
from ndflow.ops import array_ops as A
from ndflow.ops import math_ops as M
from ndflow.ops import reduction_ops as R

__all__ = ["SparseToDense", "SparseDenseMatMul", "sparse_to_dense", "sparse_dense_matmul"]


class SparseToDense(Op):
    """``values`` written at ``key`` (a tuple of index arrays, one per dimension) into a
    tensor of ``shape`` filled with the scalar ``default``.  When a position is named
    twice the last value wins (the caller validates indices when it must)."""

    def __init__(self, key, shape):
        self.key = key
        self.shape = tuple(shape)

    def forward(self, values, default):
        out = np.empty(self.shape, dtype=values.dtype)
        out[...] = default
        out[self.key] = values
        return out

    def backward(self, dy):
        g_values = g_default = None
        if self.needs_grad[0]:
            g_values = execute(A.GetItem(self.key), (dy,))
        if self.needs_grad[1]:
            unfilled = np.ones(self.shape, dtype=dy._value.dtype)
            unfilled[self.key] = 0
            g_default = R.reduce_sum(M.multiply(dy, wrap(unfilled)))
        return g_values, g_default


def sparse_to_dense(key, shape, values, default):
    """The dense tensor of ``shape`` with ``values`` at ``key`` and ``default`` elsewhere
    (``values`` and ``default``: Tensors of one dtype, ``default`` a scalar)."""
    return execute(SparseToDense(key, shape), (values, default))


def _row_sums(rows, contrib, m):
    """``out[r] = sum of contrib[i] over i with rows[i] == r`` for ``m`` rows.

    Sorting the rows (they usually are already) lets ``np.add.reduceat`` sum each run in
    one pass, which is much faster than ``np.add.at`` on rows of many columns."""
    out = np.zeros((m,) + contrib.shape[1:], dtype=contrib.dtype)
    if rows.size == 0:
        return out
    if rows.size > 1 and np.any(rows[1:] < rows[:-1]):
        order = np.argsort(rows, kind="stable")
        rows, contrib = rows[order], contrib[order]
    starts = np.flatnonzero(np.concatenate(([True], rows[1:] != rows[:-1])))
    out[rows[starts]] = np.add.reduceat(contrib, starts, axis=0)
    return out


class SparseDenseMatMul(Op):
    """``A @ b`` for a sparse ``m x k`` matrix A given by ``rows``, ``cols`` (int arrays,
    already checked to lie inside ``m x k``) and the input ``values``, and a dense
    ``k x n`` matrix ``b``.  Duplicate positions of A add up."""

    def __init__(self, rows, cols, m):
        self.rows = rows
        self.cols = cols
        self.m = m

    def forward(self, values, b):
        contrib = values[:, None] * b[self.cols]
        return _row_sums(self.rows, contrib, self.m)

    def backward(self, dy):
        values, b = self.inputs
        g_values = g_b = None
        if self.needs_grad[0]:   # dL/dA[r, c] = dy[r, :] . b[c, :]
            g_values = R.reduce_sum(
                M.multiply(execute(A.GetItem(self.rows), (dy,)),
                           execute(A.GetItem(self.cols), (b,))), axis=1)
        if self.needs_grad[1]:   # dL/db = A^T dy: the same product with rows and columns swapped
            g_b = execute(SparseDenseMatMul(self.cols, self.rows, b._value.shape[0]),
                          (values, dy))
        return g_values, g_b


def sparse_dense_matmul(rows, cols, m, values, b):
    return execute(SparseDenseMatMul(rows, cols, m), (values, b))
