"""``SpatialDropout1D/2D/3D``: dropout of whole feature maps (one keep/drop decision per
sample and channel, shared by all timesteps or pixels)."""

from ndflow.keras.engine.layer import Layer
from ndflow.keras.engine.random_state import layer_generator
from ndflow.keras.layers.convolutional import normalize_data_format
from ndflow.ops._base import wrap
from ndflow.ops import math_ops as _M

__all__ = ["SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D"]


class _SpatialDropout(Layer):
    rank = 1

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        rate = float(rate)
        if not 0 <= rate <= 1:
            raise ValueError("%s: rate must be in [0, 1], got %r." % (type(self).__name__, rate))
        self.rate = rate
        self.seed = seed
        self.data_format = normalize_data_format(data_format, type(self).__name__) \
            if self.rank > 1 else "channels_last"
        self.supports_masking = True

    def _generator(self):
        return layer_generator(self)

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        shape = inputs._value.shape
        if len(shape) != self.rank + 2:
            raise ValueError("%s %r expects inputs of rank %d, got shape %s."
                             % (type(self).__name__, self.name, self.rank + 2, tuple(shape)))
        if self.data_format == "channels_first":
            noise = shape[:2] + (1,) * self.rank
        else:
            noise = (shape[0],) + (1,) * self.rank + (shape[-1],)
        dt = inputs._value.dtype
        if self.rate == 1:
            return _M.zeros_like(inputs)
        keep = (self._generator().random(noise) >= self.rate).astype(dt)
        return _M.multiply(inputs, wrap(keep * dt.type(1.0 / (1.0 - self.rate))))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        if self.rank > 1:
            config["data_format"] = self.data_format
        return config


class SpatialDropout1D(_SpatialDropout):
    rank = 1

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(rate, None, seed, **kwargs)


class SpatialDropout2D(_SpatialDropout):
    rank = 2


class SpatialDropout3D(_SpatialDropout):
    rank = 3
