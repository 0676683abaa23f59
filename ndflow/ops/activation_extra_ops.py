"""Primitives behind some of the Keras 3 activations.

``sparsemax`` (Martins & Astudillo, 2016) is the Euclidean projection of a vector onto
the probability simplex: ``max(x - tau, 0)``, where the threshold ``tau`` makes the
outputs sum to 1.  Finding ``tau`` needs a sort, so the forward pass is one NumPy kernel;
its Jacobian is simple, so the backward pass is written with ndflow ops:

    on the support S (the outputs > 0): dx = dy - mean(dy over S);  elsewhere dx = 0.

The mask of the support is a constant of the backward pass, so the second derivative is
zero (sparsemax is piecewise linear), which nested tapes get right.
"""
from ndflow.ops._base import Op, execute, convert, wrap, np, normalize_axis, InvalidArgumentError
from ndflow.ops import math_ops as M
from ndflow.ops import reduction_ops as R


def _sparsemax_last_axis(z):
    """sparsemax of each row of ``z`` along its last axis (NumPy, ``z`` floating)."""
    n = z.shape[-1]
    z_sorted = -np.sort(-z, axis=-1)                   # largest first
    cumsum = np.cumsum(z_sorted, axis=-1)
    ranks = np.arange(1, n + 1, dtype=z.dtype)
    # the support holds the k largest entries, k the last rank where 1 + k z_(k) > sum_(<=k)
    in_support = 1 + ranks * z_sorted > cumsum
    k = np.maximum(in_support.sum(axis=-1, keepdims=True), 1)
    total = np.take_along_axis(cumsum, k - 1, axis=-1)
    tau = (total - 1) / k.astype(z.dtype)
    return np.maximum(z - tau, 0)


class Sparsemax(Op):
    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        # float16 sums lose too much: compute in float32 at least, give back x's dtype
        work = x.astype(np.float32) if x.dtype.itemsize < 4 else x
        out = _sparsemax_last_axis(np.moveaxis(work, self.axis, -1))
        return np.ascontiguousarray(np.moveaxis(out, -1, self.axis)).astype(x.dtype, copy=False)

    def backward(self, dy):
        support = wrap((self.outputs._value > 0).astype(dy._value.dtype))
        count = R.reduce_sum(support, axis=self.axis, keepdims=True)
        mean = M.divide(R.reduce_sum(M.multiply(dy, support), axis=self.axis, keepdims=True),
                        M.maximum(count, 1.0))
        return (M.multiply(support, M.subtract(dy, mean)),)


def sparsemax(x, axis=-1, opname="sparsemax"):
    """sparsemax of ``x`` along ``axis``: non-negative, sums to 1 along ``axis``, and
    often exactly 0 for the smaller entries (unlike softmax)."""
    x = convert(x)
    if x._value.dtype.kind != "f":
        raise InvalidArgumentError(
            "%s expects a floating-point tensor, got dtype %s. Cast first: "
            "tf.cast(x, tf.float32)." % (opname, x.dtype.name))
    if x._value.ndim == 0:
        raise InvalidArgumentError(
            "%s needs a tensor with at least one axis (it normalizes along `axis`), got a "
            "scalar. Give it a vector or a batch of vectors." % opname)
    (axis,) = normalize_axis(axis, x._value.ndim, opname)
    if x._value.shape[axis] == 0:
        return x
    return execute(Sparsemax(axis), (x,))
