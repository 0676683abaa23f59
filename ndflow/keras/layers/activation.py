"""Activation layers: Softmax, ReLU, LeakyReLU, ELU, PReLU."""
from ndflow.ops import math_ops as M
from ndflow.nn import activations as _nn
from ndflow.keras import activations, initializers, regularizers, constraints
from ndflow.keras.engine.layer import Layer


def _ser(obj, module):
    return None if obj is None else module.serialize(obj)


class _Elementwise(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


class Softmax(_Elementwise):
    """Softmax over ``axis``; masked positions (mask False) get probability 0."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs, mask=None):
        if mask is not None:
            from ndflow.ops._base import wrap
            import numpy as np
            m = np.asarray(getattr(mask, "_value", mask)).astype(bool)
            big = np.where(m, 0.0, -1e9).astype(inputs._value.dtype)
            inputs = M.add(inputs, wrap(np.broadcast_to(big, inputs._value.shape)))
        if isinstance(self.axis, (list, tuple)):
            from ndflow.ops import reduction_ops as R
            lse = R.reduce_logsumexp(inputs, axis=self.axis, keepdims=True)
            return M.exp(M.subtract(inputs, lse))
        return _nn.softmax(inputs, axis=self.axis)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


class ReLU(_Elementwise):
    """relu with optional ``max_value``, ``negative_slope`` and ``threshold``."""

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0:
            raise ValueError("ReLU: max_value must be >= 0, got %r." % (max_value,))
        if negative_slope is None or negative_slope < 0:
            raise ValueError("ReLU: negative_slope must be >= 0, got %r." % (negative_slope,))
        if threshold is None or threshold < 0:
            raise ValueError("ReLU: threshold must be >= 0, got %r." % (threshold,))
        self.max_value = max_value
        self.negative_slope = negative_slope
        self.threshold = threshold

    def call(self, inputs):
        return activations.relu(inputs, negative_slope=self.negative_slope,
                                max_value=self.max_value, threshold=self.threshold)

    def get_config(self):
        config = super().get_config()
        config.update({"max_value": self.max_value, "negative_slope": self.negative_slope,
                       "threshold": self.threshold})
        return config


class LeakyReLU(_Elementwise):
    """x if x > 0 else negative_slope * x (``alpha=`` is accepted as in Keras 2)."""

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError("LeakyReLU: negative_slope must be >= 0, got %r."
                             % (negative_slope,))
        self.negative_slope = float(negative_slope)

    def call(self, inputs):
        return activations.leaky_relu(inputs, negative_slope=self.negative_slope)

    def get_config(self):
        config = super().get_config()
        config["negative_slope"] = self.negative_slope
        return config


class ELU(_Elementwise):
    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = float(alpha)

    def call(self, inputs):
        return activations.elu(inputs, alpha=self.alpha)

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config


class PReLU(_Elementwise):
    """Leaky relu whose slope ``alpha`` is learned (one per feature, or shared on axes)."""

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None,
                 alpha_constraint=None, shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif isinstance(shared_axes, (list, tuple)):
            self.shared_axes = list(shared_axes)
        else:
            self.shared_axes = [shared_axes]

    def build(self, input_shape):
        shape = list(input_shape[1:])
        if self.shared_axes is not None:
            for a in self.shared_axes:
                shape[a - 1] = 1
        if any(d is None for d in shape):
            raise ValueError("PReLU layer %r needs every non-batch dimension known (or "
                             "shared with shared_axes), got input shape %s."
                             % (self.name, tuple(input_shape)))
        self.alpha = self.add_weight(name="alpha", shape=shape,
                                     initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)
        self.built = True

    def call(self, inputs):
        pos = _nn.relu(inputs)
        neg = M.multiply(M.negative(self.alpha), _nn.relu(M.negative(inputs)))
        return M.add(pos, neg)

    def get_config(self):
        config = super().get_config()
        config.update({
            "alpha_initializer": _ser(self.alpha_initializer, initializers),
            "alpha_regularizer": _ser(self.alpha_regularizer, regularizers),
            "alpha_constraint": _ser(self.alpha_constraint, constraints),
            "shared_axes": self.shared_axes})
        return config
