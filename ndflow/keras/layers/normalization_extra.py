"""``GroupNormalization`` and ``UnitNormalization``."""

from ndflow.keras.engine.layer import Layer
from ndflow.keras import initializers, regularizers, constraints
from ndflow.ops import array_ops as _A
from ndflow.ops import math_ops as _M
from ndflow.ops import reduction_ops as _R

__all__ = ["GroupNormalization", "UnitNormalization"]


def _ser(module, value):
    return module.serialize(value) if value is not None else None


def _get(module, value):
    return module.get(value) if value is not None else None


class GroupNormalization(Layer):
    """Normalizes each sample over groups of channels: the ``axis`` channels are split in
    ``groups`` groups and every group is normalized over its channels and all other
    non-batch axes.  ``groups=1`` is layer normalization over all features,
    ``groups=channels`` is instance normalization."""

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.groups = int(groups)
        self.axis = int(axis)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = _get(regularizers, beta_regularizer)
        self.gamma_regularizer = _get(regularizers, gamma_regularizer)
        self.beta_constraint = _get(constraints, beta_constraint)
        self.gamma_constraint = _get(constraints, gamma_constraint)
        self.supports_masking = True

    def build(self, input_shape):
        shape = tuple(input_shape)
        c = shape[self.axis]
        if c is None:
            raise ValueError("GroupNormalization %r: axis %d of the input must have a known "
                             "size, got input shape %s." % (self.name, self.axis, shape))
        if c < self.groups:
            raise ValueError("GroupNormalization %r: groups (%d) cannot exceed the number of "
                             "channels (%d)." % (self.name, self.groups, c))
        if c % self.groups:
            raise ValueError("GroupNormalization %r: the number of channels (%d) must be a "
                             "multiple of groups (%d)." % (self.name, c, self.groups))
        self.gamma = self.add_weight(name="gamma", shape=(c,),
                                     initializer=self.gamma_initializer,
                                     regularizer=self.gamma_regularizer,
                                     constraint=self.gamma_constraint) if self.scale else None
        self.beta = self.add_weight(name="beta", shape=(c,), initializer=self.beta_initializer,
                                    regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint) if self.center else None
        self.built = True

    def call(self, inputs):
        x = inputs
        shape = x._value.shape
        nd = len(shape)
        axis = self.axis % nd
        c = shape[axis]
        g = self.groups
        grouped = shape[:axis] + (g, c // g) + shape[axis + 1:]
        xg = _A.reshape(x, grouped)
        # reduce over everything but the batch axis and the group axis
        axes = [i for i in range(1, nd + 1) if i != axis]
        mean = _R.reduce_mean(xg, axis=axes, keepdims=True)
        centered = _M.subtract(xg, mean)
        var = _R.reduce_mean(_M.square(centered), axis=axes, keepdims=True)
        y = _M.multiply(centered, _M.rsqrt(_M.add(var, self.epsilon)))
        y = _A.reshape(y, shape)
        bshape = [1] * nd
        bshape[axis] = c
        if self.gamma is not None:
            y = _M.multiply(y, _A.reshape(self.gamma, bshape))
        if self.beta is not None:
            y = _M.add(y, _A.reshape(self.beta, bshape))
        return y

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "groups": self.groups, "axis": self.axis, "epsilon": self.epsilon,
            "center": self.center, "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": _ser(regularizers, self.beta_regularizer),
            "gamma_regularizer": _ser(regularizers, self.gamma_regularizer),
            "beta_constraint": _ser(constraints, self.beta_constraint),
            "gamma_constraint": _ser(constraints, self.gamma_constraint),
        })
        return config


class UnitNormalization(Layer):
    """Scales each sample to unit L2 norm along ``axis``."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else int(axis)
        self.supports_masking = True

    def call(self, inputs):
        sq = _R.reduce_sum(_M.square(inputs), axis=self.axis, keepdims=True)
        return _M.multiply(inputs, _M.rsqrt(_M.maximum(sq, 1e-12)))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
