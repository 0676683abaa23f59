"""Spatial reshaping layers: ``UpSampling1D/2D``, ``ZeroPadding1D/2D``, ``Cropping1D/2D``."""
from ndflow.keras.engine.layer import Layer
from ndflow.keras.engine.input_spec import InputSpec
from ndflow.keras.layers.convolutional import normalize_tuple, normalize_data_format
from ndflow.ops import array_ops as _A

__all__ = ["UpSampling1D", "UpSampling2D", "ZeroPadding1D", "ZeroPadding2D", "Cropping1D",
           "Cropping2D"]


def _spatial_axes(rank, data_format):
    return list(range(2, rank + 2)) if data_format == "channels_first" else \
        list(range(1, rank + 1))


def _pairs(value, rank, name, layer):
    """int -> ((v, v),) * rank; (a, b) (rank 1) or per-dimension ints/pairs."""
    if isinstance(value, int):
        out = ((value, value),) * rank
    elif rank == 1:
        v = tuple(value)
        out = (tuple(int(a) for a in v),) if len(v) == 2 and all(isinstance(a, int) for a in v) \
            else None
    else:
        v = tuple(value)
        if len(v) != rank:
            out = None
        else:
            out = tuple((int(p), int(p)) if isinstance(p, int) else tuple(int(a) for a in p)
                        for p in v)
    if out is None or any(len(p) != 2 or min(p) < 0 for p in out):
        raise ValueError("%s: %s must be an int, %s, got %r." % (
            layer, name, "a pair (before, after)" if rank == 1 else
            "a tuple of %d ints or a tuple of %d (before, after) pairs" % (rank, rank), value))
    return out


class _UpSampling(Layer):
    rank = 1

    def __init__(self, size, data_format, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        cls = type(self).__name__
        self.size = normalize_tuple(size, self.rank, "size", cls)
        self.data_format = normalize_data_format(data_format, cls)
        interpolation = str(interpolation).lower()
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError("%s: interpolation must be 'nearest' or 'bilinear', got %r."
                             % (cls, interpolation))
        self.interpolation = interpolation
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs):
        axes = _spatial_axes(self.rank, self.data_format)
        if self.interpolation == "bilinear":
            from ndflow.keras.layers.preprocessing_image import resize_images
            shape = inputs._value.shape
            new = [shape[a] * s for a, s in zip(axes, self.size)]
            return resize_images(inputs, new, "bilinear", self.data_format)
        x = inputs
        for a, s in zip(axes, self.size):
            if s > 1:
                x = _A.repeat(x, s, axis=a)
        return x

    def compute_output_shape(self, input_shape):
        s = list(input_shape)
        for a, k in zip(_spatial_axes(self.rank, self.data_format), self.size):
            s[a] = None if s[a] is None else s[a] * k
        return tuple(s)


class UpSampling1D(_UpSampling):
    """Repeat each timestep ``size`` times: (batch, steps, features) -> steps * size."""

    rank = 1

    def __init__(self, size=2, **kwargs):
        super().__init__(size, "channels_last", **kwargs)

    def get_config(self):
        config = super().get_config()
        config["size"] = self.size[0]
        return config


class UpSampling2D(_UpSampling):
    """Repeat rows and columns (``nearest``) or interpolate (``bilinear``)."""

    rank = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(size, data_format, interpolation, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.update({"size": self.size, "data_format": self.data_format,
                       "interpolation": self.interpolation})
        return config


class _ZeroPadding(Layer):
    rank = 1

    def __init__(self, padding, data_format, **kwargs):
        super().__init__(**kwargs)
        cls = type(self).__name__
        self.padding = _pairs(padding, self.rank, "padding", cls)
        self.data_format = normalize_data_format(data_format, cls)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs):
        pads = [[0, 0]] * (self.rank + 2)
        for a, p in zip(_spatial_axes(self.rank, self.data_format), self.padding):
            pads[a] = list(p)
        return _A.pad(inputs, pads)

    def compute_output_shape(self, input_shape):
        s = list(input_shape)
        for a, p in zip(_spatial_axes(self.rank, self.data_format), self.padding):
            s[a] = None if s[a] is None else s[a] + p[0] + p[1]
        return tuple(s)


class ZeroPadding1D(_ZeroPadding):
    rank = 1

    def __init__(self, padding=1, **kwargs):
        super().__init__(padding, "channels_last", **kwargs)

    def get_config(self):
        config = super().get_config()
        config["padding"] = self.padding[0]
        return config


class ZeroPadding2D(_ZeroPadding):
    rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.update({"padding": self.padding, "data_format": self.data_format})
        return config


class _Cropping(Layer):
    rank = 1

    def __init__(self, cropping, data_format, **kwargs):
        super().__init__(**kwargs)
        cls = type(self).__name__
        self.cropping = _pairs(cropping, self.rank, "cropping", cls)
        self.data_format = normalize_data_format(data_format, cls)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs):
        shape = inputs._value.shape
        key = [slice(None)] * (self.rank + 2)
        for a, (lo, hi) in zip(_spatial_axes(self.rank, self.data_format), self.cropping):
            if lo + hi >= shape[a]:
                raise ValueError(
                    "%s %r: cropping %s removes all of axis %d (size %d) of the input of "
                    "shape %s." % (type(self).__name__, self.name, self.cropping, a, shape[a],
                                   tuple(shape)))
            key[a] = slice(lo, shape[a] - hi)
        return _A.getitem(inputs, tuple(key))

    def compute_output_shape(self, input_shape):
        s = list(input_shape)
        for a, p in zip(_spatial_axes(self.rank, self.data_format), self.cropping):
            s[a] = None if s[a] is None else s[a] - p[0] - p[1]
        return tuple(s)


class Cropping1D(_Cropping):
    rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping, "channels_last", **kwargs)

    def get_config(self):
        config = super().get_config()
        config["cropping"] = self.cropping[0]
        return config


class Cropping2D(_Cropping):
    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.update({"cropping": self.cropping, "data_format": self.data_format})
        return config
