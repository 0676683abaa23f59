"""Activation functions (``tf.nn.relu``, ``tf.nn.softmax`` ...).

relu, softmax and log_softmax are fused primitives: one kernel forward, one backward,
which is measurably faster on the eager hot path than composing max/exp/sum/div ops.
Tests check each one against the composite written with primitives.
"""
import numpy as np

from ndflow.core.engine import Op, execute
from ndflow.core.tensor import convert_to_tensor as convert
from ndflow.core.errors import InvalidArgumentError
from ndflow.ops import math_ops as M


def _wrap(a):
    from ndflow.ops._base import wrap
    return wrap(a)


class Relu(Op):
    def forward(self, x):
        return np.maximum(x, 0)

    def backward(self, dy):
        # the gradient at exactly 0 is 0, as in TensorFlow
        mask = _wrap(self.outputs._value > 0)
        return (M.where(mask, dy, M.zeros_like(dy)),)


def relu(features, name=None):
    return execute(Relu(), (convert(features),))


class Softmax(Op):
    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        e = np.exp(x - x.max(axis=self.axis, keepdims=True))
        e /= e.sum(axis=self.axis, keepdims=True)
        return e

    def backward(self, dy):
        from ndflow.ops.reduction_ops import reduce_sum
        y = self.outputs
        s = reduce_sum(M.multiply(dy, y), axis=self.axis, keepdims=True)
        return (M.multiply(y, M.subtract(dy, s)),)


class LogSoftmax(Op):
    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        z = x - x.max(axis=self.axis, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=self.axis, keepdims=True))

    def backward(self, dy):
        from ndflow.ops.reduction_ops import reduce_sum
        p = M.exp(self.outputs)
        return (M.subtract(dy, M.multiply(p, reduce_sum(dy, axis=self.axis, keepdims=True))),)


def _axis_check(x, axis, opname):
    nd = x._value.ndim
    if nd == 0 or not -nd <= axis < nd:
        raise InvalidArgumentError("%s: axis %d is out of range for a tensor of shape %s."
                                   % (opname, axis, tuple(x._value.shape)))
    if x._value.dtype.kind != "f":
        raise InvalidArgumentError("%s expects a floating-point tensor, got %s."
                                   % (opname, x.dtype.name))
    return axis % nd


def softmax(logits, axis=None, name=None):
    x = convert(logits)
    axis = _axis_check(x, -1 if axis is None else int(axis), "softmax")
    return execute(Softmax(axis), (x,))


def log_softmax(logits, axis=None, name=None):
    x = convert(logits)
    axis = _axis_check(x, -1 if axis is None else int(axis), "log_softmax")
    return execute(LogSoftmax(axis), (x,))


sigmoid = M.sigmoid
tanh = M.tanh
