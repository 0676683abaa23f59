"""Preprocessing layers: Rescaling and Normalization (with ``adapt``)."""
import numpy as np

from ndflow.core.tensor import Tensor
from ndflow.ops import math_ops as M
from ndflow.ops._base import wrap
from ndflow.keras.engine.layer import Layer


class Rescaling(Layer):
    """``inputs * scale + offset`` (e.g. ``Rescaling(1. / 255)`` for pixel values)."""

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset

    def call(self, inputs):
        x = inputs
        if x._value.dtype.kind != "f":
            x = M.cast(x, self.dtype)
        dt = x._value.dtype
        return M.add(M.multiply(x, wrap(np.asarray(self.scale, dtype=dt))),
                     wrap(np.asarray(self.offset, dtype=dt)))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"scale": _plain(self.scale), "offset": _plain(self.offset)})
        return config


def _plain(v):
    if isinstance(v, Tensor):
        v = v._value
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, np.generic):
        return v.item()
    return v


def _batches(data, batch_size):
    """Yield NumPy batches from an array, tensor, or an iterable of batches (Dataset)."""
    if isinstance(data, Tensor):
        data = data._value
    if isinstance(data, (np.ndarray, list)):
        arr = np.asarray(data)
        step = batch_size or len(arr) or 1
        for i in range(0, len(arr), step):
            yield arr[i:i + step]
        return
    for batch in data:
        if isinstance(batch, tuple):
            batch = batch[0]
        yield np.asarray(getattr(batch, "_value", batch))


class Normalization(Layer):
    """``(x - mean) / sqrt(variance)`` per feature along ``axis``; the statistics come from
    ``mean=``/``variance=`` or from ``adapt(data)``.  With ``invert=True`` it maps back."""

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, int):
            axis = (axis,)
        self.axis = tuple(axis)
        if (mean is None) != (variance is None):
            raise ValueError("Normalization: pass both mean and variance, or neither (and "
                             "call adapt()); got mean=%r variance=%r." % (mean, variance))
        self.input_mean = mean
        self.input_variance = variance
        self.invert = bool(invert)
        self._adapted = mean is not None

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        nd = len(input_shape)
        keep = sorted(a % nd for a in self.axis)
        for a in keep:
            if input_shape[a] is None:
                raise ValueError("Normalization %r: axis %d of the input must be known, got "
                                 "shape %s." % (self.name, a, input_shape))
        self._keep_axes = keep
        self._reduce_axes = tuple(a for a in range(nd) if a not in keep)
        self._stat_shape = tuple(input_shape[a] if a in keep else 1 for a in range(nd))
        shape = tuple(input_shape[a] for a in keep)
        self.mean = self.add_weight(name="mean", shape=shape, initializer="zeros",
                                    trainable=False)
        self.variance = self.add_weight(name="variance", shape=shape, initializer="ones",
                                        trainable=False)
        if self.input_mean is not None:
            dt = self.mean._value.dtype
            self.mean.assign(np.broadcast_to(np.asarray(_plain(self.input_mean), dt), shape))
            self.variance.assign(np.broadcast_to(np.asarray(_plain(self.input_variance), dt),
                                                 shape))
        self.built = True

    def adapt(self, data, batch_size=None, steps=None):
        """Compute the mean and variance of ``data`` (array, tensor or Dataset)."""
        count = 0
        total = None
        total_sq = None
        for i, batch in enumerate(_batches(data, batch_size)):
            if steps is not None and i >= steps:
                break
            batch = np.asarray(batch, dtype=np.float64)
            if batch.ndim == 1 and self.axis:
                batch = batch[:, None]
            if not self.built:
                self.build((None,) + batch.shape[1:])
            axes = self._reduce_axes
            n = int(np.prod([batch.shape[a] for a in axes])) if axes else 1
            s = batch.sum(axis=axes).reshape(self.mean._value.shape) if axes else batch
            sq = (batch ** 2).sum(axis=axes).reshape(self.mean._value.shape) if axes else \
                batch ** 2
            total = s if total is None else total + s
            total_sq = sq if total_sq is None else total_sq + sq
            count += n
        if count == 0:
            raise ValueError("Normalization.adapt got no data.")
        mean = total / count
        var = np.maximum(total_sq / count - mean ** 2, 0.0)
        self.mean.assign(mean.astype(self.mean._value.dtype))
        self.variance.assign(var.astype(self.variance._value.dtype))
        self._adapted = True

    def call(self, inputs):
        x = inputs
        if x._value.dtype.kind != "f":
            x = M.cast(x, self.dtype)
        dt = x._value.dtype
        mean = self.mean._value.reshape(self._stat_shape).astype(dt)
        std = np.maximum(np.sqrt(self.variance._value.reshape(self._stat_shape)),
                         1e-7).astype(dt)
        if self.invert:
            return M.add(M.multiply(x, wrap(std)), wrap(mean))
        return M.divide(M.subtract(x, wrap(mean)), wrap(std))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"axis": list(self.axis), "invert": self.invert,
                       "mean": _plain(self.input_mean), "variance": _plain(self.input_variance)})
        return config
