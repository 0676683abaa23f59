"""Image preprocessing layers: ``Resizing``, ``CenterCrop`` and the random augmentations
(``RandomFlip``, ``RandomRotation``, ``RandomZoom``, ``RandomTranslation``,
``RandomContrast``, ``RandomBrightness``, ``RandomCrop``), which act only when
``training=True`` (``RandomCrop`` centre-crops at inference).

Resizing uses the resampling ops of ``ndflow.ops.image_ops`` (an interpolation matrix per
spatial axis, applied as a matrix product), so it is differentiable; the random geometric
layers sample with NumPy (``_affine``), as augmentation of input data needs no gradient.
"""
import numpy as np

from ndflow.core.tensor import Tensor
from ndflow.keras.engine.layer import Layer
from ndflow.keras.engine.random_state import layer_generator
from ndflow.keras.layers.convolutional import normalize_data_format
# the resampling core lives in ops (tf.image uses it too); re-exported here for the layers
# and for code that imports it from this module
from ndflow.ops.image_ops import (RESIZE_METHODS, KERAS_RESIZE_METHODS,  # noqa: F401
                                  resize_images, center_crop as _center_crop)

__all__ = ["Resizing", "CenterCrop", "RandomFlip", "RandomRotation", "RandomZoom",
           "RandomTranslation", "RandomContrast", "RandomCrop", "RandomBrightness",
           "resize_images", "RESIZE_METHODS"]


def _with_height_width(input_shape, height, width, data_format):
    """``input_shape`` (an image or a batch of them) with its height and width replaced."""
    s = list(input_shape)
    off = 1 if len(s) == 4 else 0
    h_ax = off + (1 if data_format == "channels_first" else 0)
    s[h_ax], s[h_ax + 1] = height, width
    return tuple(s)

class Resizing(Layer):
    """Resize images to (``height``, ``width``) with ``interpolation`` ('bilinear',
    'nearest', 'bicubic', 'area', 'lanczos3' or 'lanczos5'); ``antialias`` widens the kernel
    when downsampling; ``crop_to_aspect_ratio`` first center-crops to the target aspect
    ratio, ``pad_to_aspect_ratio`` first pads to it with ``fill_value``."""

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0,
                 antialias=False, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if fill_mode != "constant":
            raise ValueError("Resizing: fill_mode must be 'constant' (as in Keras), got %r."
                             % (fill_mode,))
        if pad_to_aspect_ratio and crop_to_aspect_ratio:
            raise ValueError("Resizing: set only one of pad_to_aspect_ratio and "
                             "crop_to_aspect_ratio.")
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        self.fill_mode = fill_mode
        self.fill_value = float(fill_value)
        self.height = int(height)
        self.width = int(width)
        if self.height < 1 or self.width < 1:
            raise ValueError("Resizing: height and width must be positive integers, got "
                             "height=%r, width=%r." % (height, width))
        method = str(interpolation).lower()
        if method not in KERAS_RESIZE_METHODS:
            hint = (" (%r is a tf.image.resize method that keras.layers.Resizing does not "
                    "accept)" % (interpolation,)) if method in RESIZE_METHODS else ""
            raise ValueError("Resizing: interpolation must be one of %s, got %r%s."
                             % (", ".join(repr(m) for m in KERAS_RESIZE_METHODS),
                                interpolation, hint))
        self.interpolation = method
        self.antialias = bool(antialias)
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.data_format = normalize_data_format(data_format, "Resizing")

    def call(self, inputs):
        return resize_images(inputs, (self.height, self.width), self.interpolation,
                             self.data_format, antialias=self.antialias,
                             crop_to_aspect_ratio=self.crop_to_aspect_ratio,
                             pad_to_aspect_ratio=self.pad_to_aspect_ratio,
                             fill_value=self.fill_value, name="Resizing %r" % (self.name,))

    def compute_output_shape(self, input_shape):
        return _with_height_width(input_shape, self.height, self.width, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width,
                       "interpolation": self.interpolation,
                       "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                       "pad_to_aspect_ratio": self.pad_to_aspect_ratio,
                       "fill_mode": self.fill_mode, "fill_value": self.fill_value,
                       "antialias": self.antialias, "data_format": self.data_format})
        return config


class CenterCrop(Layer):
    """Crop the central (``height``, ``width``) region; a smaller image is first resized
    up (as Keras does)."""

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.height = int(height)
        self.width = int(width)
        self.data_format = normalize_data_format(data_format, "CenterCrop")

    def call(self, inputs):
        x = inputs
        cf = self.data_format == "channels_first"
        off = 1 if x._value.ndim == 4 else 0
        h_ax = off + (1 if cf else 0)
        h, w = x._value.shape[h_ax], x._value.shape[h_ax + 1]
        if h < self.height or w < self.width:
            # Keras: resize so the crop fits, keeping the aspect ratio of the target
            scale = max(self.height / h, self.width / w)
            x = resize_images(x, (max(self.height, int(round(h * scale))),
                                  max(self.width, int(round(w * scale)))),
                              "bilinear", self.data_format)
        return _center_crop(x, self.height, self.width, h_ax)

    def compute_output_shape(self, input_shape):
        return _with_height_width(input_shape, self.height, self.width, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width,
                       "data_format": self.data_format})
        return config


# ---- random augmentation ---------------------------------------------------------------------------

def _factor_range(factor, name, layer, symmetric=True, lower_bound=None):
    if isinstance(factor, (int, float)):
        lo, hi = (-abs(float(factor)), abs(float(factor))) if symmetric else \
            (abs(float(factor)), abs(float(factor)))
    else:
        f = tuple(float(v) for v in factor)
        if len(f) != 2:
            raise ValueError("%s: %s must be a number or a (lower, upper) pair, got %r."
                             % (layer, name, factor))
        lo, hi = f
    if lo > hi:
        raise ValueError("%s: %s lower bound %r is larger than its upper bound %r."
                         % (layer, name, lo, hi))
    if lower_bound is not None and lo < lower_bound:
        raise ValueError("%s: %s must be >= %r, got %r." % (layer, name, lower_bound, factor))
    return lo, hi


_FILL_MODES = ("reflect", "wrap", "constant", "nearest")


def _map_coords(u, size, mode):
    """Map continuous pixel coordinates outside [0, size - 1] back inside (fill_mode)."""
    if mode == "reflect":
        if size == 1:
            return np.zeros_like(u)
        t = np.mod(u + 0.5, 2 * size)
        t = np.where(t >= size, 2 * size - t, t) - 0.5
        return np.clip(t, 0, size - 1)
    if mode == "wrap":
        return np.clip(np.mod(u + 0.5, size) - 0.5, 0, size - 1)
    return np.clip(u, 0, size - 1)   # nearest (constant is handled by the caller)


def _affine(images, matrices, interpolation, fill_mode, fill_value):
    """Sample (B, H, W, C) ``images`` through per-image 2x3 maps from output (x, y) to
    input coordinates: x_in = a0 x + a1 y + a2, y_in = b0 x + b1 y + b2."""
    b, h, w, c = images.shape
    ys, xs = np.meshgrid(np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64),
                         indexing="ij")
    m = matrices[:, :, None, None]
    x_in = m[:, 0] * xs + m[:, 1] * ys + m[:, 2]
    y_in = m[:, 3] * xs + m[:, 4] * ys + m[:, 5]
    bidx = np.arange(b)[:, None, None]
    inside = None
    if fill_mode == "constant":
        inside = (x_in > -0.5) & (x_in < w - 0.5) & (y_in > -0.5) & (y_in < h - 0.5)
    else:
        x_in = _map_coords(x_in, w, fill_mode)
        y_in = _map_coords(y_in, h, fill_mode)
    if interpolation == "nearest":
        xi = np.clip(np.round(x_in), 0, w - 1).astype(np.int64)
        yi = np.clip(np.round(y_in), 0, h - 1).astype(np.int64)
        out = images[bidx, yi, xi].astype(np.float64)
    else:
        x0 = np.floor(x_in)
        y0 = np.floor(y_in)
        fx = (x_in - x0)[..., None]
        fy = (y_in - y0)[..., None]
        out = 0.0
        for dy, wy in ((0, 1 - fy), (1, fy)):
            for dx, wx in ((0, 1 - fx), (1, fx)):
                xx = x0 + dx
                yy = y0 + dy
                val = images[bidx, np.clip(yy, 0, h - 1).astype(np.int64),
                             np.clip(xx, 0, w - 1).astype(np.int64)].astype(np.float64)
                if fill_mode == "constant":
                    ok = ((xx >= 0) & (xx <= w - 1) & (yy >= 0) & (yy <= h - 1))[..., None]
                    val = np.where(ok, val, fill_value)
                out = out + wx * wy * val
    if inside is not None:
        out = np.where(inside[..., None], out, fill_value)
    return out.astype(images.dtype)


class _RandomImageLayer(Layer):
    """Acts only when training; channels-last internally; batched or single image."""

    def __init__(self, seed=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.data_format = normalize_data_format(data_format, type(self).__name__)

    def _generator(self):
        return layer_generator(self)

    def call(self, inputs, training=True):
        if not training:
            return inputs
        x = np.asarray(inputs._value)
        if x.dtype.kind != "f":
            x = x.astype(self.dtype)
        unbatched = x.ndim == 3
        if unbatched:
            x = x[None]
        if x.ndim != 4:
            raise ValueError("%s %r expects images of shape (batch, height, width, channels) "
                             "or (height, width, channels), got %s."
                             % (type(self).__name__, self.name, tuple(inputs._value.shape)))
        cf = self.data_format == "channels_first"
        if cf:
            x = x.transpose(0, 2, 3, 1)
        y = self._augment(x, self._generator())
        if cf:
            y = y.transpose(0, 3, 1, 2)
        if unbatched:
            y = y[0]
        return Tensor(np.ascontiguousarray(y))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"seed": self.seed, "data_format": self.data_format})
        return config


class _GeometricLayer(_RandomImageLayer):
    def _init_fill(self, fill_mode, interpolation, fill_value):
        if fill_mode not in _FILL_MODES:
            raise ValueError("%s: fill_mode must be one of %s, got %r."
                             % (type(self).__name__, _FILL_MODES, fill_mode))
        if interpolation not in ("bilinear", "nearest"):
            raise ValueError("%s: interpolation must be 'bilinear' or 'nearest', got %r."
                             % (type(self).__name__, interpolation))
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = float(fill_value)

    def _augment(self, x, gen):
        return _affine(x, self._matrices(x.shape, gen), self.interpolation, self.fill_mode,
                       self.fill_value)

    def get_config(self):
        config = super().get_config()
        config.update({"fill_mode": self.fill_mode, "interpolation": self.interpolation,
                       "fill_value": self.fill_value})
        return config


class RandomFlip(_RandomImageLayer):
    """Flips each image left-right and/or up-down with probability 1/2 (training only)."""

    def __init__(self, mode="horizontal_and_vertical", seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if mode not in ("horizontal", "vertical", "horizontal_and_vertical"):
            raise ValueError("RandomFlip: mode must be 'horizontal', 'vertical' or "
                             "'horizontal_and_vertical', got %r." % (mode,))
        self.mode = mode

    def _augment(self, x, gen):
        b = x.shape[0]
        out = x.copy()
        if "horizontal" in self.mode:
            flip = gen.random(b) < 0.5
            out[flip] = out[flip, :, ::-1]
        if "vertical" in self.mode:
            flip = gen.random(b) < 0.5
            out[flip] = out[flip, ::-1]
        return out

    def get_config(self):
        config = super().get_config()
        config["mode"] = self.mode
        return config


class RandomRotation(_GeometricLayer):
    """Rotates each image by a random angle: ``factor`` is a fraction of a full turn
    (0.1 -> up to +-36 degrees); positive angles rotate counter-clockwise."""

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = factor
        self._range = _factor_range(factor, "factor", "RandomRotation")
        self._init_fill(fill_mode, interpolation, fill_value)

    def _matrices(self, shape, gen):
        b, h, w = shape[:3]
        theta = gen.uniform(self._range[0], self._range[1], size=b) * 2 * np.pi
        cx, cy = (w - 1) / 2.0, (h - 1) / 2.0
        cos, sin = np.cos(theta), np.sin(theta)
        return np.stack([cos, -sin, cx - cos * cx + sin * cy,
                         sin, cos, cy - sin * cx - cos * cy], axis=1)

    def get_config(self):
        config = super().get_config()
        config["factor"] = self.factor
        return config


class RandomZoom(_GeometricLayer):
    """Zooms each image by a random factor: ``height_factor`` 0.2 -> zoom in [-20%, +20%]
    (positive values zoom out); ``width_factor=None`` keeps the aspect ratio."""

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.height_factor = height_factor
        self.width_factor = width_factor
        self._h = _factor_range(height_factor, "height_factor", "RandomZoom",
                                lower_bound=-1.0)
        self._w = None if width_factor is None else _factor_range(
            width_factor, "width_factor", "RandomZoom", lower_bound=-1.0)
        self._init_fill(fill_mode, interpolation, fill_value)

    def _matrices(self, shape, gen):
        b, h, w = shape[:3]
        zy = 1.0 + gen.uniform(self._h[0], self._h[1], size=b)
        zx = zy if self._w is None else 1.0 + gen.uniform(self._w[0], self._w[1], size=b)
        cx, cy = (w - 1) / 2.0, (h - 1) / 2.0
        zero = np.zeros(b)
        return np.stack([zx, zero, cx - zx * cx, zero, zy, cy - zy * cy], axis=1)

    def get_config(self):
        config = super().get_config()
        config.update({"height_factor": self.height_factor, "width_factor": self.width_factor})
        return config


class RandomTranslation(_GeometricLayer):
    """Shifts each image by a random fraction of its height and width."""

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.height_factor = height_factor
        self.width_factor = width_factor
        self._h = _factor_range(height_factor, "height_factor", "RandomTranslation")
        self._w = _factor_range(width_factor, "width_factor", "RandomTranslation")
        self._init_fill(fill_mode, interpolation, fill_value)

    def _matrices(self, shape, gen):
        b, h, w = shape[:3]
        dy = gen.uniform(self._h[0], self._h[1], size=b) * h
        dx = gen.uniform(self._w[0], self._w[1], size=b) * w
        one, zero = np.ones(b), np.zeros(b)
        return np.stack([one, zero, -dx, zero, one, -dy], axis=1)

    def get_config(self):
        config = super().get_config()
        config.update({"height_factor": self.height_factor, "width_factor": self.width_factor})
        return config


class RandomContrast(_RandomImageLayer):
    """Scales each image's deviation from its per-channel mean by a random factor in
    ``[1 - lower, 1 + upper]``, then clips to ``value_range``."""

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = factor
        lo, hi = (factor, factor) if isinstance(factor, (int, float)) else tuple(factor)
        if lo < 0 or hi < 0 or lo > 1:
            raise ValueError("RandomContrast: factor must be non-negative (and the lower "
                             "bound <= 1), got %r." % (factor,))
        self._range = (1.0 - lo, 1.0 + hi)
        self.value_range = tuple(value_range)

    def _augment(self, x, gen):
        b = x.shape[0]
        f = gen.uniform(self._range[0], self._range[1], size=b).astype(x.dtype)
        mean = x.mean(axis=(1, 2), keepdims=True)
        out = (x - mean) * f[:, None, None, None] + mean
        return np.clip(out, self.value_range[0], self.value_range[1])

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": list(self.value_range)})
        return config


class RandomCrop(_RandomImageLayer):
    """Crops a random (``height``, ``width``) window when training (one offset for the
    whole batch, as Keras draws it).  At inference, and when an image is not larger than
    the target, the largest centred window with the target's aspect ratio is cropped and
    resized to (``height``, ``width``) (``smart_resize``), so the output shape is always
    the target's."""

    def __init__(self, height, width, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.height = int(height)
        self.width = int(width)
        if self.height < 1 or self.width < 1:
            raise ValueError("RandomCrop: height and width must be positive integers, got "
                             "height=%r, width=%r." % (height, width))

    def call(self, inputs, training=True):
        x = inputs
        rank = x._value.ndim
        if rank not in (3, 4):
            raise ValueError("RandomCrop %r expects images of shape (batch, height, width, "
                             "channels) or (height, width, channels), got %s."
                             % (self.name, tuple(x._value.shape)))
        h_ax = (1 if rank == 4 else 0) + (1 if self.data_format == "channels_first" else 0)
        h, w = x._value.shape[h_ax], x._value.shape[h_ax + 1]
        if x._value.dtype.kind != "f":
            x = Tensor(np.asarray(x._value, dtype=self.dtype))
        if training and h > self.height and w > self.width:
            gen = self._generator()
            top = int(gen.integers(0, h - self.height + 1))
            left = int(gen.integers(0, w - self.width + 1))
            key = [slice(None)] * rank
            key[h_ax] = slice(top, top + self.height)
            key[h_ax + 1] = slice(left, left + self.width)
            return Tensor(np.ascontiguousarray(x._value[tuple(key)]))
        return resize_images(x, (self.height, self.width), "bilinear", self.data_format,
                             crop_to_aspect_ratio=True, name="RandomCrop %r" % (self.name,))

    def compute_output_shape(self, input_shape):
        return _with_height_width(input_shape, self.height, self.width, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width})
        return config


class RandomBrightness(_RandomImageLayer):
    """Adds a random delta to each image (training only): ``factor`` 0.2 draws from
    [-0.2, 0.2] (a pair gives the bounds, each in [-1, 1]) times the width of
    ``value_range``; the result is clipped to ``value_range``."""

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = factor
        lo, hi = _factor_range(factor, "factor", "RandomBrightness")
        if lo < -1.0 or hi > 1.0:
            raise ValueError("RandomBrightness: factor must be in [-1, 1] (a fraction of the "
                             "value range), got %r." % (factor,))
        self._range = (lo, hi)
        if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
            raise ValueError("RandomBrightness: value_range must be a (min, max) pair, got "
                             "%r." % (value_range,))
        self.value_range = sorted(float(v) for v in value_range)

    def _augment(self, x, gen):
        lo, hi = self.value_range
        delta = gen.uniform(self._range[0], self._range[1], size=x.shape[0]) * (hi - lo)
        out = x + delta.astype(x.dtype)[:, None, None, None]
        return np.clip(out, lo, hi)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": list(self.value_range)})
        return config
