"""Keras 3 spatial layers ndflow lacked: ``UpSampling3D``, ``ZeroPadding3D``, ``Cropping3D``,
``DepthwiseConv1D``, ``AdaptiveAveragePooling1D/2D/3D``, ``AdaptiveMaxPooling1D/2D/3D`` and the
aliases ``Convolution1D/2D/3DTranspose`` and ``SeparableConvolution1D/2D``."""
import numpy as np

from ndflow.keras.engine.layer import Layer
from ndflow.keras.engine.input_spec import InputSpec
from ndflow.keras.layers.convolutional import (
    normalize_tuple, normalize_data_format, _DepthwiseConv,
    Conv1DTranspose, Conv2DTranspose, Conv3DTranspose, SeparableConv1D, SeparableConv2D)
from ndflow.keras.layers.reshaping import _UpSampling, _ZeroPadding, _Cropping
from ndflow.ops._base import wrap
from ndflow.ops import array_ops as _A
from ndflow.ops import linalg_ops as _L
from ndflow.ops import reduction_ops as _R

__all__ = ["UpSampling3D", "ZeroPadding3D", "Cropping3D", "DepthwiseConv1D",
           "AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D",
           "AdaptiveMaxPooling1D", "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D",
           "Convolution1DTranspose", "Convolution2DTranspose", "Convolution3DTranspose",
           "SeparableConvolution1D", "SeparableConvolution2D"]

Convolution1DTranspose = Conv1DTranspose
Convolution2DTranspose = Conv2DTranspose
Convolution3DTranspose = Conv3DTranspose
SeparableConvolution1D = SeparableConv1D
SeparableConvolution2D = SeparableConv2D


class UpSampling3D(_UpSampling):
    """Repeats each voxel ``size`` times along depth, height and width."""

    rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(size, data_format, "nearest", **kwargs)

    def get_config(self):
        config = super().get_config()
        config.update({"size": self.size, "data_format": self.data_format})
        return config


class ZeroPadding3D(_ZeroPadding):
    """Pads depth, height and width with zeros (an int, 3 ints or 3 (before, after) pairs)."""

    rank = 3

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.update({"padding": self.padding, "data_format": self.data_format})
        return config


class Cropping3D(_Cropping):
    """Crops depth, height and width (an int, 3 ints or 3 (before, after) pairs)."""

    rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.update({"cropping": self.cropping, "data_format": self.data_format})
        return config


class DepthwiseConv1D(_DepthwiseConv):
    """Each input channel of (batch, steps, channels) convolved with its own
    ``depth_multiplier`` filters. The kernel, ``(kernel_size, channels, depth_multiplier)``,
    is named ``kernel`` as in Keras 3."""

    rank = 1
    _depthwise_kernel_name = "kernel"

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, **kwargs):
        super().__init__(kernel_size, strides, padding, depth_multiplier, data_format,
                         dilation_rate, **kwargs)


# ---- adaptive pooling ---------------------------------------------------------------------

def _bins(n, m):
    """The ``m`` windows [start, end) adaptive pooling uses over a length ``n`` axis:
    start = floor(i * n / m), end = ceil((i + 1) * n / m)."""
    return [((i * n) // m, -(-((i + 1) * n) // m)) for i in range(m)]


class _AdaptivePooling(Layer):
    rank = 1
    kind = "AVG"

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        cls = type(self).__name__
        self.output_size = normalize_tuple(output_size, self.rank, "output_size", cls)
        self.data_format = normalize_data_format(data_format, cls)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _axes(self):
        return list(range(2, self.rank + 2)) if self.data_format == "channels_first" else \
            list(range(1, self.rank + 1))

    def call(self, inputs):
        x = inputs
        shape = tuple(x._value.shape)
        nd = len(shape)
        for a, m in zip(self._axes(), self.output_size):
            n = shape[a]
            if n < 1:
                raise ValueError("%s %r: spatial axis %d of the input has size 0 (shape %s)."
                                 % (type(self).__name__, self.name, a, shape))
            bins = _bins(n, m)
            if self.kind == "AVG":
                # average over each window = contraction with a (n, m) weight matrix
                w = np.zeros((n, m), dtype=x._value.dtype)
                for j, (s, e) in enumerate(bins):
                    w[s:e, j] = 1.0 / (e - s)
                y = _L.tensordot(x, wrap(w), [[a], [0]])          # axis a moved last
                perm = list(range(a)) + [nd - 1] + list(range(a, nd - 1))
                x = _A.transpose(y, perm)
            else:
                parts = []
                for s, e in bins:
                    key = [slice(None)] * nd
                    key[a] = slice(s, e)
                    parts.append(_R.reduce_max(_A.getitem(x, tuple(key)), axis=a,
                                               keepdims=True))
                x = _A.concat(parts, axis=a)
        return x

    def compute_output_shape(self, input_shape):
        s = list(input_shape)
        for a, m in zip(self._axes(), self.output_size):
            s[a] = m
        return tuple(s)

    def get_config(self):
        config = super().get_config()
        config.update({"output_size": self.output_size, "data_format": self.data_format})
        return config


def _adaptive_class(name, rank, kind):
    doc = ("Adaptive %s pooling over %d spatial dimension%s: the output has exactly "
           "``output_size`` positions per axis, position i pooling input positions "
           "floor(i*n/m) .. ceil((i+1)*n/m)-1." % ("average" if kind == "AVG" else "max",
                                                   rank, "" if rank == 1 else "s"))
    cls = type(name, (_AdaptivePooling,), {"rank": rank, "kind": kind, "__doc__": doc})
    cls.__module__ = __name__
    return cls


AdaptiveAveragePooling1D = _adaptive_class("AdaptiveAveragePooling1D", 1, "AVG")
AdaptiveAveragePooling2D = _adaptive_class("AdaptiveAveragePooling2D", 2, "AVG")
AdaptiveAveragePooling3D = _adaptive_class("AdaptiveAveragePooling3D", 3, "AVG")
AdaptiveMaxPooling1D = _adaptive_class("AdaptiveMaxPooling1D", 1, "MAX")
AdaptiveMaxPooling2D = _adaptive_class("AdaptiveMaxPooling2D", 2, "MAX")
AdaptiveMaxPooling3D = _adaptive_class("AdaptiveMaxPooling3D", 3, "MAX")
