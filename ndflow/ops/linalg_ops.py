"""Linear algebra primitives (``tf.linalg``)."""
import numpy as np

from ndflow.ops._base import Op, execute, convert, binary_args, wrap, InvalidArgumentError
from ndflow.ops import array_ops as A


class MatMul(Op):
    def forward(self, a, b):
        return np.matmul(a, b)

    def backward(self, dy):
        a, b = self.inputs
        ga = gb = None
        if self.needs_grad[0]:
            ga = matmul(dy, b, transpose_b=True)
        if self.needs_grad[1]:
            gb = matmul(a, dy, transpose_a=True)
        return ga, gb


def _swap_last(x):
    nd = x._value.ndim
    if nd < 2:
        return x
    perm = list(range(nd - 2)) + [nd - 1, nd - 2]
    return A.transpose(x, perm)


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, output_type=None, name=None):
    """Matrix product of the last two axes, batched and broadcast over the leading ones."""
    a, b = binary_args(a, b, "matmul")
    if transpose_a or adjoint_a:
        a = _swap_last(a)
    if transpose_b or adjoint_b:
        b = _swap_last(b)
    sa, sb = a._value.shape, b._value.shape
    if len(sa) < 2 or len(sb) < 2:
        raise InvalidArgumentError(
            "matmul: both arguments must have rank >= 2, got shapes %s and %s. For a "
            "matrix-vector product use tf.linalg.matvec, or expand_dims the vector."
            % (tuple(sa), tuple(sb)))
    if sa[-1] != sb[-2]:
        raise InvalidArgumentError(
            "matmul: incompatible shapes %s and %s: the last dimension of a (%d) must equal "
            "the second-to-last dimension of b (%d). Check transpose_a/transpose_b or the "
            "layer sizes." % (tuple(sa), tuple(sb), sa[-1], sb[-2]))
    return execute(MatMul(), (a, b))
