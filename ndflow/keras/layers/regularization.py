"""Regularization layers: GaussianNoise, GaussianDropout, ActivityRegularization.
(Dropout lives in core.py.)"""
import math


from ndflow.core.engine import Op, execute
from ndflow.keras import regularizers
from ndflow.keras.engine.layer import Layer
from ndflow.keras.layers.core import _SeededLayer, _RandomMaskMultiply


class _AddNoise(Op):
    """x + N(0, stddev) noise drawn in ``forward`` (replaying the op draws new noise)."""

    def __init__(self, stddev, generator):
        self.stddev = stddev
        self.generator = generator

    def forward(self, x):
        noise = self.generator.standard_normal(x.shape).astype(x.dtype)
        return x + noise * x.dtype.type(self.stddev)

    def backward(self, dy):
        return (dy,)


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
        return execute(_AddNoise(self.stddev, self._generator()), (inputs,))

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
        std = math.sqrt(self.rate / (1.0 - self.rate))

        def mask(gen, x):
            return (1.0 + std * gen.standard_normal(x.shape)).astype(x.dtype)
        return execute(_RandomMaskMultiply(mask, self._generator()), (inputs,))

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


