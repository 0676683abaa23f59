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
    out = execute(Softmax(axis), (x,))
    if axis == x._value.ndim - 1:
        out._keras_logits = x  # lets a cross-entropy over the last axis use the logits
    return out


def log_softmax(logits, axis=None, name=None):
    x = convert(logits)
    axis = _axis_check(x, -1 if axis is None else int(axis), "log_softmax")
    return execute(LogSoftmax(axis), (x,))


def sigmoid(x, name=None):
    """Elementwise logistic function; the result remembers its logits (see softmax)."""
    x = convert(x)
    out = M.sigmoid(x)
    out._keras_logits = x
    return out

tanh = M.tanh


# ---- more activations ------------------------------------------------------------------------
# Piecewise ones are small primitives so that the gradient at the kink follows TensorFlow
# (relu6 and leaky_relu pass nothing/alpha at exactly 0); smooth ones are composites.

def _float(x, opname):
    x = convert(x)
    if x._value.dtype.kind != "f":
        raise InvalidArgumentError("%s expects a floating-point tensor, got %s. Cast first: "
                                   "tf.cast(x, tf.float32)." % (opname, x.dtype.name))
    return x


class Relu6(Op):
    def forward(self, x):
        return np.clip(x, 0, 6)

    def backward(self, dy):
        xv = self.inputs[0]._value
        return (M.where(_wrap((xv > 0) & (xv < 6)), dy, M.zeros_like(dy)),)


def relu6(features, name=None):
    return execute(Relu6(), (_float(features, "relu6"),))


class LeakyRelu(Op):
    def __init__(self, alpha):
        self.alpha = alpha

    def forward(self, x):
        return np.where(x > 0, x, x * np.asarray(self.alpha, dtype=x.dtype))

    def backward(self, dy):
        pos = _wrap(self.inputs[0]._value > 0)
        return (M.where(pos, dy, M.multiply(dy, self.alpha)),)


def leaky_relu(features, alpha=0.2, name=None):
    return execute(LeakyRelu(float(alpha)), (_float(features, "leaky_relu"),))


class Elu(Op):
    def forward(self, x):
        return np.where(x > 0, x, np.expm1(np.minimum(x, 0)))

    def backward(self, dy):
        # for x <= 0: d/dx (e^x - 1) = e^x = y + 1
        y = self.outputs
        pos = _wrap(self.inputs[0]._value > 0)
        return (M.where(pos, dy, M.multiply(dy, M.add(y, 1))),)


def elu(features, name=None):
    return execute(Elu(), (_float(features, "elu"),))


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(features, name=None):
    x = _float(features, "selu")
    return M.multiply(M.where(M.greater(x, 0), x, M.multiply(elu(x), _SELU_ALPHA)),
                      _SELU_SCALE)


class Softplus(Op):
    def forward(self, x):
        # log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no overflow for large |x|
        return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))

    def backward(self, dy):
        return (M.multiply(dy, M.sigmoid(self.inputs[0])),)


def softplus(features, name=None):
    return execute(Softplus(), (_float(features, "softplus"),))


def softsign(features, name=None):
    x = _float(features, "softsign")
    return M.divide(x, M.add(M.abs(x), 1))


def silu(features, beta=1.0, name=None):
    x = _float(features, "silu")
    return M.multiply(x, M.sigmoid(M.multiply(x, beta) if beta != 1.0 else x))


swish = silu


def gelu(features, approximate=False, name=None):
    """x * P(X <= x) for a standard normal X; ``approximate`` uses the tanh formula."""
    x = _float(features, "gelu")
    if approximate:
        c = np.sqrt(2.0 / np.pi)
        inner = M.multiply(M.add(x, M.multiply(M.pow(x, 3), 0.044715)), c)
        return M.multiply(M.multiply(x, 0.5), M.add(M.tanh(inner), 1))
    return M.multiply(M.multiply(x, 0.5), M.add(M.erf(M.multiply(x, 1 / np.sqrt(2.0))), 1))


def log_sigmoid(x, name=None):
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|."""
    return M.negative(softplus(M.negative(_float(x, "log_sigmoid"))))


def hard_sigmoid(x):
    x = _float(x, "hard_sigmoid")
    return M.clip_by_value(M.add(M.multiply(x, 1.0 / 6.0), 0.5), 0.0, 1.0)
