"""Regularization layers: GaussianNoise, GaussianDropout, ActivityRegularization.
(Dropout lives in core.py.)"""
import math


from ndflow.core.engine import execute
from ndflow.ops import math_ops as M
from ndflow.ops._base import wrap
from ndflow.keras import regularizers
from ndflow.keras.engine.layer import Layer
from ndflow.keras.layers.core import _SeededLayer, _MaskMultiply


class GaussianNoise(_SeededLayer):
    """Adds N(0, stddev) noise while training; identity at inference."""

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        if stddev < 0:
            raise ValueError("GaussianNoise: stddev must be >= 0, got %r." % (stddev,))
        self.stddev = float(stddev)
        self.seed = seed
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not training or self.stddev == 0:
            return inputs
        v = inputs._value
        noise = self._generator().standard_normal(v.shape).astype(v.dtype) * \
            v.dtype.type(self.stddev)
        return M.add(inputs, wrap(noise))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"stddev": self.stddev, "seed": self.seed})
        return config


class GaussianDropout(_SeededLayer):
    """Multiplies by N(1, sqrt(rate / (1 - rate))) noise while training."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate < 1:
            raise ValueError("GaussianDropout: rate must be in [0, 1), got %r." % (rate,))
        self.rate = float(rate)
        self.seed = seed
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        v = inputs._value
        std = math.sqrt(self.rate / (1.0 - self.rate))
        mask = (1.0 + std * self._generator().standard_normal(v.shape)).astype(v.dtype)
        return execute(_MaskMultiply(mask), (inputs,))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        return config


class ActivityRegularization(Layer):
    """Identity that adds ``l1 * sum(|x|) + l2 * sum(x**2)`` of its input to the losses."""

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1 = float(l1)
        self.l2 = float(l2)
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"l1": self.l1, "l2": self.l2})
        return config


