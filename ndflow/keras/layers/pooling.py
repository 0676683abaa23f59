"""Pooling layers: ``MaxPooling1D/2D/3D``, ``AveragePooling1D/2D/3D`` and the global
poolings (``keepdims`` supported; ``GlobalAveragePooling1D`` honours a mask from ``Embedding(mask_zero=True)`` or ``Masking``)."""
from ndflow.keras.engine.layer import Layer
from ndflow.keras.engine.input_spec import InputSpec
from ndflow.keras.layers.convolutional import (
    normalize_tuple, normalize_data_format, normalize_padding, to_channels_last,
    to_channels_first, conv_output_length)
from ndflow.keras.engine.masking import get_keras_mask
from ndflow.ops import pooling_ops as _P
from ndflow.ops import math_ops as _M
from ndflow.ops import reduction_ops as _R
from ndflow.ops import array_ops as _A

__all__ = ["MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D",
           "AveragePooling2D", "AveragePooling3D", "MaxPool1D", "MaxPool2D", "MaxPool3D",
           "AvgPool1D", "AvgPool2D", "AvgPool3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D",
           "GlobalMaxPooling3D", "GlobalAveragePooling1D", "GlobalAveragePooling2D",
           "GlobalAveragePooling3D", "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D",
           "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D"]


class _Pooling(Layer):
    kind = "MAX"

    def __init__(self, rank, pool_size, strides, padding, data_format, **kwargs):
        super().__init__(**kwargs)
        cls = type(self).__name__
        self.rank = rank
        self.pool_size = normalize_tuple(pool_size, rank, "pool_size", cls)
        self.strides = self.pool_size if strides is None else normalize_tuple(
            strides, rank, "strides", cls)
        self.padding = normalize_padding(padding, cls)
        self.data_format = normalize_data_format(data_format, cls)
        self.input_spec = InputSpec(ndim=rank + 2)

    def call(self, inputs):
        x = inputs
        cf = self.data_format == "channels_first"
        if cf:
            x = to_channels_last(x, self.rank)
        fn = _P.max_pool if self.kind == "MAX" else _P.avg_pool
        y = fn(x, self.pool_size, self.strides, self.padding.upper(), nd=self.rank,
               opname=type(self).__name__)
        return to_channels_first(y, self.rank) if cf else y

    def _tiling_max_pool(self, rank, data_format, compute_dtype):
        """Whether a convolution layer (of ``rank``, ``data_format`` and
        ``compute_dtype``) whose output only this layer reads may be run with it as one
        op: a plain max pooling, built, whose windows tile its input ('valid', strides
        equal to the pool size), with nothing else to do (``_Conv._fuses_with``)."""
        d = self.__dict__
        return (self.kind == "MAX" and type(self).call is _Pooling.call and d["built"] and
                self.rank == rank and self.data_format == data_format and
                self.padding == "valid" and self.strides == self.pool_size and
                self.activity_regularizer is None and not d.get("_mixed") and
                self.compute_dtype == compute_dtype)

    def compute_output_shape(self, input_shape):
        s = tuple(input_shape)
        if self.data_format == "channels_first":
            sp = s[2:]
        else:
            sp = s[1:-1]
        out = tuple(conv_output_length(n, k, self.padding, st)
                    for n, k, st in zip(sp, self.pool_size, self.strides))
        if self.data_format == "channels_first":
            return s[:2] + out
        return (s[0],) + out + (s[-1],)

    def get_config(self):
        config = super().get_config()
        config.update({"pool_size": self.pool_size, "strides": self.strides,
                       "padding": self.padding, "data_format": self.data_format})
        return config


def _pool_class(name, rank, kind, default_pool, default_format):
    def __init__(self, pool_size=default_pool, strides=None, padding="valid",
                 data_format=default_format, **kwargs):
        _Pooling.__init__(self, rank, pool_size, strides, padding, data_format, **kwargs)
    doc = "%s pooling over %d spatial dimension%s (window ``pool_size``, stride ``strides`` " \
          "defaulting to the window)." % ("Max" if kind == "MAX" else "Average", rank,
                                          "" if rank == 1 else "s")
    return type(name, (_Pooling,), {"__init__": __init__, "kind": kind, "__doc__": doc})


MaxPooling1D = _pool_class("MaxPooling1D", 1, "MAX", 2, "channels_last")
MaxPooling2D = _pool_class("MaxPooling2D", 2, "MAX", (2, 2), None)
MaxPooling3D = _pool_class("MaxPooling3D", 3, "MAX", (2, 2, 2), None)
AveragePooling1D = _pool_class("AveragePooling1D", 1, "AVG", 2, "channels_last")
AveragePooling2D = _pool_class("AveragePooling2D", 2, "AVG", (2, 2), None)
AveragePooling3D = _pool_class("AveragePooling3D", 3, "AVG", (2, 2, 2), None)
for _c in (MaxPooling1D, MaxPooling2D, MaxPooling3D, AveragePooling1D, AveragePooling2D,
           AveragePooling3D):
    _c.__module__ = __name__
MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D


# ---- global pooling -----------------------------------------------------------------------------

class _GlobalPooling(Layer):
    kind = "MAX"
    rank = 2

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format, type(self).__name__)
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=self.rank + 2)
        self.supports_masking = self.rank == 1

    def _axes(self):
        if self.data_format == "channels_first":
            return list(range(2, self.rank + 2))
        return list(range(1, self.rank + 1))

    def call(self, inputs, mask=None):
        axes = self._axes()
        if self.rank == 1 and self.kind == "AVG":
            if mask is None:
                mask = get_keras_mask(inputs)
            if mask is not None:
                return self._masked(inputs, mask, axes[0])
        if self.kind == "MAX":
            return _R.reduce_max(inputs, axis=axes, keepdims=self.keepdims)
        return _R.reduce_mean(inputs, axis=axes, keepdims=self.keepdims)

    def _masked(self, x, mask, axis):
        m = _M.cast(mask, x.dtype)
        m = _A.expand_dims(m, 1 if axis == 2 else -1)   # broadcast over channels
        total = _R.reduce_sum(_M.multiply(x, m), axis=axis, keepdims=self.keepdims)
        count = _R.reduce_sum(m, axis=axis, keepdims=self.keepdims)
        return _M.divide_no_nan(total, count)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        s = list(input_shape)
        axes = self._axes()
        if self.keepdims:
            return tuple(1 if i in axes else d for i, d in enumerate(s))
        return tuple(d for i, d in enumerate(s) if i not in axes)

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return config


def _global_class(name, rank, kind, default_format):
    def __init__(self, data_format=default_format, keepdims=False, **kwargs):
        _GlobalPooling.__init__(self, data_format, keepdims, **kwargs)
    doc = "Global %s pooling over the %d spatial dimension%s." % (
        "max" if kind == "MAX" else "average", rank, "" if rank == 1 else "s")
    cls = type(name, (_GlobalPooling,), {"__init__": __init__, "kind": kind, "rank": rank,
                                         "__doc__": doc})
    cls.__module__ = __name__
    return cls


GlobalMaxPooling1D = _global_class("GlobalMaxPooling1D", 1, "MAX", "channels_last")
GlobalMaxPooling2D = _global_class("GlobalMaxPooling2D", 2, "MAX", None)
GlobalMaxPooling3D = _global_class("GlobalMaxPooling3D", 3, "MAX", None)
GlobalAveragePooling1D = _global_class("GlobalAveragePooling1D", 1, "AVG", "channels_last")
GlobalAveragePooling2D = _global_class("GlobalAveragePooling2D", 2, "AVG", None)
GlobalAveragePooling3D = _global_class("GlobalAveragePooling3D", 3, "AVG", None)
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = (GlobalMaxPooling1D, GlobalMaxPooling2D,
                                                     GlobalMaxPooling3D)
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (GlobalAveragePooling1D,
                                                     GlobalAveragePooling2D,
                                                     GlobalAveragePooling3D)
