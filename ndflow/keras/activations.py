"""``keras.activations``: activation functions by name and as functions.

``get('relu')`` returns the function; ``get(None)`` returns ``linear``; ``serialize(fn)``
gives the name back; an unknown name raises an error listing the valid ones.
"""
import math

from ndflow.core.tensor import Tensor, convert_to_tensor
from ndflow.core.errors import InvalidArgumentError
from ndflow.ops import math_ops as M
from ndflow.ops import array_ops as _A
from ndflow.ops import activation_extra_ops as _X
from ndflow import nn as _nn


def _t(x):
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """max(x, 0); with ``negative_slope``, ``max_value`` and ``threshold`` as in Keras."""
    x = _t(x)
    if negative_slope == 0 and max_value is None and threshold == 0:
        return _nn.relu(x)
    if threshold != 0:
        neg = M.multiply(M.subtract(x, threshold), negative_slope) if negative_slope else None
        pos = M.where(M.greater(x, threshold), x, M.zeros_like(x))
    else:
        neg = M.multiply(M.minimum(x, 0.0), negative_slope) if negative_slope else None
        pos = _nn.relu(x)
    if max_value is not None:
        pos = M.minimum(pos, float(max_value))
    if neg is not None:
        below = M.less_equal(x, threshold) if threshold != 0 else M.less(x, 0.0)
        pos = M.where(below, neg, pos)
    return pos


def sigmoid(x):
    return _nn.sigmoid(_t(x))


def tanh(x):
    return M.tanh(_t(x))


def softmax(x, axis=-1):
    x = _t(x)
    if x._value.ndim < 1:
        raise ValueError("softmax: cannot apply softmax to a scalar (shape ()). Give it a "
                         "tensor with at least one axis.")
    return _nn.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    return _nn.log_softmax(_t(x), axis=axis)


def linear(x):
    return x


def exponential(x):
    return M.exp(_t(x))


def elu(x, alpha=1.0):
    x = _t(x)
    neg = M.expm1(M.minimum(x, 0.0))
    if alpha != 1.0:
        neg = M.multiply(neg, float(alpha))
    return M.where(M.greater(x, 0.0), x, neg)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(x):
    return M.multiply(elu(x, _SELU_ALPHA), _SELU_SCALE)


def softplus(x):
    """log(1 + exp(x)), computed without overflow."""
    x = _t(x)
    return M.add(_nn.relu(x), M.log1p(M.exp(M.negative(M.abs(x)))))


def softsign(x):
    x = _t(x)
    return M.divide(x, M.add(M.abs(x), 1.0))


def silu(x):
    x = _t(x)
    return M.multiply(x, M.sigmoid(x))


swish = silu


def gelu(x, approximate=False):
    x = _t(x)
    if approximate:
        c = math.sqrt(2.0 / math.pi)
        inner = M.multiply(M.add(x, M.multiply(M.multiply(M.square(x), x), 0.044715)), c)
        return M.multiply(M.multiply(x, 0.5), M.add(M.tanh(inner), 1.0))
    return M.multiply(M.multiply(x, 0.5), M.add(M.erf(M.multiply(x, 1.0 / math.sqrt(2.0))), 1.0))


def hard_sigmoid(x):
    """relu6(x + 3) / 6 (Keras 3)."""
    x = _t(x)
    return M.multiply(relu6(M.add(x, 3.0)), 1.0 / 6.0)


def hard_silu(x):
    x = _t(x)
    return M.multiply(x, hard_sigmoid(x))


hard_swish = hard_silu


def leaky_relu(x, negative_slope=0.2):
    x = _t(x)
    return M.where(M.greater(x, 0.0), x, M.multiply(x, float(negative_slope)))


def relu6(x):
    return M.minimum(_nn.relu(_t(x)), 6.0)


def mish(x):
    x = _t(x)
    return M.multiply(x, M.tanh(softplus(x)))


# ---- Keras 3 additions ----

def _float_input(x, name):
    x = _t(x)
    if x._value.dtype.kind != "f":
        raise InvalidArgumentError(
            "keras.activations.%s expects a floating-point tensor, got dtype %s. Cast "
            "first: tf.cast(x, tf.float32)." % (name, x.dtype.name))
    return x


def celu(x, alpha=1.0):
    """x for x > 0, alpha * (exp(x / alpha) - 1) otherwise (continuously differentiable
    ELU; the slope is 1 on both sides of 0)."""
    x = _float_input(x, "celu")
    alpha = float(alpha)
    if alpha == 0:
        raise ValueError("keras.activations.celu: alpha must be non-zero (it divides x), got "
                         "alpha=0. The default is alpha=1.0.")
    # exp only ever sees the non-positive part, so large x cannot overflow
    neg = M.multiply(M.expm1(M.multiply(M.minimum(x, 0.0), 1.0 / alpha)), alpha)
    return M.where(M.greater(x, 0.0), x, neg)


def glu(x, axis=-1):
    """Gated linear unit: ``x`` is split in two halves ``a``, ``b`` along ``axis``;
    returns ``a * sigmoid(b)`` (half the size along ``axis``)."""
    x = _float_input(x, "glu")
    ndim = x._value.ndim
    if ndim == 0:
        raise ValueError("keras.activations.glu needs a tensor with at least one axis to "
                         "split in two halves, got a scalar.")
    if not -ndim <= int(axis) < ndim:
        raise ValueError("keras.activations.glu: axis=%d is out of range for an input of "
                         "shape %s (valid: %d to %d)."
                         % (int(axis), tuple(x._value.shape), -ndim, ndim - 1))
    size = x._value.shape[int(axis)]
    if size % 2:
        raise ValueError(
            "keras.activations.glu splits x into two equal halves along axis=%d, so that "
            "axis must have an even size; got x.shape=%s (size %d). Give the layer before "
            "it an even number of units (the output has half as many)."
            % (int(axis), tuple(x._value.shape), size))
    a, b = _A.split(x, 2, axis=int(axis))
    return M.multiply(a, M.sigmoid(b))


def hard_shrink(x, threshold=0.5):
    """x where |x| > threshold, 0 elsewhere (also at |x| == threshold)."""
    x = _float_input(x, "hard_shrink")
    return M.where(M.greater(M.abs(x), float(threshold)), x, M.zeros_like(x))


def soft_shrink(x, threshold=0.5):
    """x - threshold above threshold, x + threshold below -threshold, 0 in between."""
    x = _float_input(x, "soft_shrink")
    t = float(threshold)
    zero = M.zeros_like(x)
    return M.where(M.greater(x, t), M.subtract(x, t),
                   M.where(M.less(x, -t), M.add(x, t), zero))


def hard_tanh(x):
    """x clipped to [-1, 1] (slope 1 on the closed interval, as in Keras)."""
    x = _float_input(x, "hard_tanh")
    return M.clip_by_value(x, -1.0, 1.0)


def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x), without overflow for large |x|."""
    return _nn.log_sigmoid(_float_input(x, "log_sigmoid"))


def sparse_plus(x):
    """0 for x <= -1, x for x >= 1, (x + 1)**2 / 4 in between (a smooth-enough relu)."""
    x = _float_input(x, "sparse_plus")
    quad = M.multiply(M.square(M.add(x, 1.0)), 0.25)
    return M.where(M.less_equal(x, -1.0), M.zeros_like(x),
                   M.where(M.greater_equal(x, 1.0), x, quad))


def sparse_sigmoid(x):
    """0 for x <= -1, 1 for x >= 1, (x + 1) / 2 in between."""
    x = _float_input(x, "sparse_sigmoid")
    return M.where(M.less_equal(x, -1.0), M.zeros_like(x),
                   M.where(M.greater_equal(x, 1.0), M.ones_like(x),
                           M.multiply(M.add(x, 1.0), 0.5)))


def sparsemax(x, axis=-1):
    """Euclidean projection of ``x`` onto the probability simplex along ``axis``:
    ``max(x - tau, 0)`` with ``tau`` chosen so that the outputs sum to 1."""
    return _X.sparsemax(_t(x), axis=axis, opname="keras.activations.sparsemax")


def squareplus(x, b=4):
    """(x + sqrt(x**2 + b)) / 2, a smooth relu; ``b >= 0`` sets the smoothness."""
    x = _float_input(x, "squareplus")
    b = float(b)
    if b < 0:
        raise ValueError("keras.activations.squareplus: b must be >= 0 (sqrt(x**2 + b) is "
                         "undefined near 0 otherwise), got b=%r. The default is b=4." % b)
    return M.multiply(M.add(x, M.sqrt(M.add(M.square(x), b))), 0.5)


def tanh_shrink(x):
    """x - tanh(x)."""
    x = _float_input(x, "tanh_shrink")
    return M.subtract(x, M.tanh(x))


def threshold(x, threshold, default_value):
    """x where x > threshold, ``default_value`` elsewhere (also at x == threshold)."""
    x = _t(x)
    if x._value.dtype.kind not in "fiu":
        raise InvalidArgumentError(
            "keras.activations.threshold expects a numeric tensor, got dtype %s."
            % x.dtype.name)
    fill = M.add(M.zeros_like(x), default_value)
    return M.where(M.greater(x, threshold), x, fill)


_ACTIVATIONS = {
    "relu": relu, "sigmoid": sigmoid, "softmax": softmax, "tanh": tanh, "linear": linear,
    "elu": elu, "selu": selu, "softplus": softplus, "softsign": softsign, "swish": swish,
    "silu": silu, "gelu": gelu, "exponential": exponential, "hard_sigmoid": hard_sigmoid,
    "hard_silu": hard_silu, "hard_swish": hard_swish, "leaky_relu": leaky_relu,
    "relu6": relu6, "mish": mish, "log_softmax": log_softmax,
    "celu": celu, "glu": glu, "hard_shrink": hard_shrink, "hard_tanh": hard_tanh,
    "log_sigmoid": log_sigmoid, "soft_shrink": soft_shrink, "sparse_plus": sparse_plus,
    "sparse_sigmoid": sparse_sigmoid, "sparsemax": sparsemax, "squareplus": squareplus,
    "tanh_shrink": tanh_shrink, "threshold": threshold,
}

ALL_OBJECTS_DICT = dict(_ACTIVATIONS)


def serialize(activation):
    """The name of a built-in activation; a registered custom one as a config dict."""
    if activation is None:
        return "linear"
    for name, fn in _ACTIVATIONS.items():
        if fn is activation:
            return "silu" if name == "swish" else ("hard_silu" if name == "hard_swish" else name)
    from ndflow.keras.engine.layer import Layer
    if isinstance(activation, Layer):
        return {"module": "keras.layers", "class_name": type(activation).__name__,
                "config": activation.get_config(), "registered_name": None}
    name = getattr(activation, "__name__", None)
    try:
        from ndflow.keras.saving import registry
        reg = registry.get_registered_name(activation)
        if reg and reg != name:
            return reg
    except (ImportError, AttributeError):
        pass
    if name is None:
        raise ValueError("activations.serialize: cannot serialize %r: it is neither a built-in "
                         "activation nor a named function." % (activation,))
    return name


def deserialize(config, custom_objects=None):
    if isinstance(config, dict):
        name = config.get("config") if isinstance(config.get("config"), str) else \
            config.get("class_name")
        if isinstance(config.get("config"), dict) and config.get("class_name"):
            from ndflow.keras.saving.serialization import deserialize_keras_object
            return deserialize_keras_object(config, custom_objects=custom_objects)
        return get(name, custom_objects=custom_objects)
    return get(config, custom_objects=custom_objects)


def get(identifier, custom_objects=None):
    """Resolve an activation given as None, a name, a config dict or a callable."""
    if identifier is None:
        return linear
    if isinstance(identifier, dict):
        return deserialize(identifier, custom_objects=custom_objects)
    if isinstance(identifier, str):
        if custom_objects and identifier in custom_objects:
            return custom_objects[identifier]
        fn = _ACTIVATIONS.get(identifier)
        if fn is None:
            fn = _ACTIVATIONS.get(identifier.lower())
        if fn is None:
            try:
                from ndflow.keras.saving import registry
                fn = registry.get_registered_object(identifier, custom_objects)
            except (ImportError, AttributeError):
                fn = None
        if fn is None:
            raise ValueError(
                "Unknown activation function %r. Valid names are: %s. A custom function can "
                "be passed directly (activation=my_fn) or registered with "
                "keras.utils.register_keras_serializable()."
                % (identifier, ", ".join(sorted(_ACTIVATIONS))))
        return fn
    if callable(identifier):
        return identifier
    raise TypeError("Could not interpret activation identifier %r (type %s): expected a "
                    "name such as 'relu', a function, or None."
                    % (identifier, type(identifier).__name__))
