"""Image preprocessing layers: ``Resizing``, ``CenterCrop`` and the random augmentations
(``RandomFlip``, ``RandomRotation``, ``RandomZoom``, ``RandomTranslation``,
``RandomContrast``), which act only when ``training=True``.

Resizing is written with ops (an interpolation matrix per spatial axis, applied with
``einsum``), so it is differentiable; the random geometric layers sample with NumPy
(``_affine``), as augmentation of input data needs no gradient.
"""
import numpy as np

from ndflow.core.tensor import Tensor
from ndflow.keras.engine.layer import Layer
from ndflow.keras.engine.random_state import layer_generator
from ndflow.keras.layers.convolutional import normalize_data_format
from ndflow.ops import array_ops as _A
from ndflow.ops import linalg_ops as _L
from ndflow.ops import math_ops as _M

__all__ = ["Resizing", "CenterCrop", "RandomFlip", "RandomRotation", "RandomZoom",
           "RandomTranslation", "RandomContrast", "resize_images", "RESIZE_METHODS"]


# ---- resizing ------------------------------------------------------------------------------------
#
# Every method is separable: one (new, old) weight matrix per spatial axis, applied with einsum,
# so gradients flow through resizing.  Coordinates use half-pixel centres: output sample i sits
# at (i + 0.5) * old / new in a frame where input pixel j covers [j, j + 1).
#
# TensorFlow 2's tf.image.resize takes three routes, reproduced here:
# - 'nearest', 'bilinear' and 'bicubic' without antialiasing, and 'area', use the classic
#   resize kernels: nearest / two-tap linear / four-tap Keys cubic (a = -0.5; its fractional
#   offset is rounded to 1/1024 of a pixel, as TensorFlow reads the weights from a table) /
#   box averaging over the exact footprint of each output pixel;
# - 'lanczos3', 'lanczos5', 'gaussian', 'mitchellcubic', and 'bilinear' / 'bicubic' with
#   ``antialias=True``, weight every input pixel by a kernel of its distance to the sample
#   point; with antialiasing a downsampling kernel is stretched by old / new so that it
#   low-passes the signal;
# - in both, taps that fall outside the image are dropped and the rest renormalised to sum 1.

RESIZE_METHODS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5",
                  "gaussian", "mitchellcubic")
# the ones keras.layers.Resizing accepts (Keras 3 with the TensorFlow backend)
KERAS_RESIZE_METHODS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5")


def _triangle(t):
    return np.maximum(0.0, 1.0 - t)


def _keys_cubic(t, a=-0.5):
    near = ((a + 2) * t - (a + 3)) * t * t + 1
    far = ((a * t - 5 * a) * t + 8 * a) * t - 4 * a
    return np.where(t < 1, near, np.where(t < 2, far, 0.0))


def _mitchell_cubic(t, b=1.0 / 3, c=1.0 / 3):
    near = ((12 - 9 * b - 6 * c) * t ** 3 + (-18 + 12 * b + 6 * c) * t * t + (6 - 2 * b)) / 6
    far = ((-b - 6 * c) * t ** 3 + (6 * b + 30 * c) * t * t + (-12 * b - 48 * c) * t
           + (8 * b + 24 * c)) / 6
    return np.where(t < 1, near, np.where(t < 2, far, 0.0))


def _lanczos(radius):
    def kernel(t):
        return np.where(t < radius, np.sinc(t) * np.sinc(t / radius), 0.0)
    return kernel


def _gaussian(t, sigma=0.5):
    # sigma 1/2, cut off at distance 3 sigma = 1.5 (exclusive)
    return np.where(t < 3 * sigma, np.exp(-t * t / (2 * sigma * sigma)), 0.0)


# kernel and its reach (the distance from which it is zero)
_KERNELS = {"bilinear": (_triangle, 1.0), "bicubic": (_keys_cubic, 2.0),
            "mitchellcubic": (_mitchell_cubic, 2.0), "lanczos3": (_lanczos(3), 3.0),
            "lanczos5": (_lanczos(5), 5.0), "gaussian": (_gaussian, 1.5)}


def _normalize_rows(w):
    total = w.sum(axis=1, keepdims=True)
    return np.divide(w, total, out=np.zeros_like(w), where=np.abs(total) > 1e-30)


def _kernel_matrix(old, new, kernel, radius, antialias):
    # TensorFlow places the samples and measures the distances in float32, so a tap lying
    # exactly at the kernel's reach may fall just inside it or just outside; the gaussian is
    # not zero there, so repeat the float32 steps to include the same taps.
    f32 = np.float32
    inv_scale = f32(1.0 / np.float64(f32(new) / f32(old)))
    stretch = max(inv_scale, f32(1.0)) if antialias else f32(1.0)
    reach = f32(radius) * stretch
    samples = (np.arange(new, dtype=f32) + f32(0.5)) * inv_scale
    first = np.ceil(samples - reach - f32(0.5))[:, None]
    last = np.floor(samples + reach - f32(0.5))[:, None]
    src = np.arange(old, dtype=f32)[None, :]
    dist = np.abs((src + f32(0.5) - samples[:, None]) * (f32(1.0) / stretch))
    w = np.where((src >= first) & (src <= last), kernel(dist.astype(np.float64)), 0.0)
    return _normalize_rows(w)


def _bicubic_matrix(old, new):
    # TensorFlow computes the source position in float32 and rounds its fractional part to
    # 1/1024 before evaluating the cubic; do the same so that results agree to float32.
    scale = np.float32(old) / np.float32(new)
    pos = (np.arange(new, dtype=np.float32) + np.float32(0.5)) * scale - np.float32(0.5)
    base = np.floor(pos)
    frac = np.rint((pos - base).astype(np.float64) * 1024) / 1024
    base = base.astype(np.int64)
    w = np.zeros((new, old))
    rows = np.arange(new)
    for k in (-1, 0, 1, 2):
        idx = base + k
        ok = (idx >= 0) & (idx < old)
        w[rows[ok], idx[ok]] = _keys_cubic(np.abs(k - frac[ok]))
    return _normalize_rows(w)


def _area_matrix(old, new):
    scale = old / new
    lo = np.arange(new)[:, None] * scale
    j = np.arange(old)[None, :]
    overlap = np.minimum(lo + scale, j + 1) - np.maximum(lo, j)
    return np.maximum(overlap, 0.0) / scale


def _interp_matrix(old, new, method, dtype, antialias=False):
    """(new, old) matrix mapping a signal of length ``old`` to ``new`` samples with
    half-pixel centres, as TensorFlow 2's ``tf.image.resize`` does."""
    if method in ("bilinear", "bicubic") and antialias:
        return _kernel_matrix(old, new, *_KERNELS[method], True).astype(dtype)
    if method == "bicubic":
        return _bicubic_matrix(old, new).astype(dtype)
    if method == "area":
        return _area_matrix(old, new).astype(dtype)
    if method in _KERNELS and method != "bilinear":
        return _kernel_matrix(old, new, *_KERNELS[method], antialias).astype(dtype)
    m = np.zeros((new, old), dtype)
    scale = old / new
    centers = (np.arange(new) + 0.5) * scale
    if method == "nearest":
        src = np.minimum(np.floor(centers).astype(np.int64), old - 1)
        m[np.arange(new), src] = 1
        return m
    src = np.clip(centers - 0.5, 0, old - 1)
    lo = np.floor(src).astype(np.int64)
    hi = np.minimum(lo + 1, old - 1)
    frac = (src - lo).astype(dtype)
    rows = np.arange(new)
    np.add.at(m, (rows, lo), 1 - frac)
    np.add.at(m, (rows, hi), frac)
    return m


# gaussian and mitchellcubic blur even at an unchanged size (their kernels are not zero at
# distance 1); the other methods leave an axis of unchanged length as it is
_SMOOTHING = ("gaussian", "mitchellcubic")


def _aspect_preserving_size(h, w, nh, nw):
    """tf.image.resize(preserve_aspect_ratio=True): the largest size within (nh, nw) with
    the input's aspect ratio (computed in float32 and rounded half to even, as TF does)."""
    f32 = np.float32
    scale = min(f32(nh) / f32(h), f32(nw) / f32(w))
    return int(np.round(scale * f32(h))), int(np.round(scale * f32(w)))


def _crop_or_pad_to_aspect(x, th, tw, h_ax, crop, pad, fill_value):
    """Keras' crop_to_aspect_ratio / pad_to_aspect_ratio: the largest centred window of the
    target ratio th:tw (crop), or the input grown to that ratio with ``fill_value`` rows
    (columns) on both sides (pad); sizes are truncated, not rounded."""
    h, w = x._value.shape[h_ax], x._value.shape[h_ax + 1]
    if crop:
        ch = max(1, min(h, int(w * th / tw)))
        cw = max(1, min(w, int(h * tw / th)))
        return _center_crop(x, ch, cw, h_ax)
    if pad:
        top = (max(h, int(w * th / tw)) - h) // 2
        left = (max(w, int(h * tw / th)) - w) // 2
        if top or left:
            pads = [[0, 0]] * x._value.ndim
            pads[h_ax], pads[h_ax + 1] = [top, top], [left, left]
            x = _A.pad(x, pads, constant_values=fill_value)
    return x


def resize_images(images, size, interpolation="bilinear", data_format="channels_last", *,
                  antialias=False, preserve_aspect_ratio=False, crop_to_aspect_ratio=False,
                  pad_to_aspect_ratio=False, fill_value=0.0, name="resize"):
    """Resize a (batch, H, W, C) (or channels-first, or unbatched) tensor to ``size``.

    ``interpolation`` is one of ``RESIZE_METHODS``; ``antialias`` widens the kernel when
    downsampling (no effect on 'nearest' and 'area', as in TensorFlow);
    ``preserve_aspect_ratio`` (tf.image.resize) shrinks ``size`` to the input's aspect ratio;
    ``crop_to_aspect_ratio`` / ``pad_to_aspect_ratio`` (Keras) first crop or pad the input to
    the target's aspect ratio.  ``name`` is used in error messages."""
    x = images if isinstance(images, Tensor) else _A.constant(images)
    if x._value.dtype.kind != "f":
        x = _M.cast(x, "float32")
    method = str(interpolation).lower()
    if method not in RESIZE_METHODS:
        raise ValueError("%s: interpolation must be one of %s, got %r."
                         % (name, ", ".join(repr(m) for m in RESIZE_METHODS), interpolation))
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("%s: set only one of crop_to_aspect_ratio and pad_to_aspect_ratio."
                         % name)
    if preserve_aspect_ratio and (crop_to_aspect_ratio or pad_to_aspect_ratio):
        raise ValueError("%s: preserve_aspect_ratio cannot be combined with "
                         "crop_to_aspect_ratio or pad_to_aspect_ratio." % name)
    try:
        nh, nw = (int(v) for v in size)
    except (TypeError, ValueError):
        raise ValueError("%s: size must be a pair of integers (height, width), got %r."
                         % (name, size)) from None
    if nh < 1 or nw < 1:
        raise ValueError("%s: size must be positive, got %r." % (name, tuple(size)))
    unbatched = x._value.ndim == 3
    if unbatched:
        x = _A.expand_dims(x, 0)
    if x._value.ndim != 4:
        raise ValueError("%s: expected images of rank 3 (height, width, channels) or 4 "
                         "(batch, height, width, channels), got shape %s."
                         % (name, tuple(x._value.shape),))
    cf = data_format == "channels_first"
    h_ax, w_ax = (2, 3) if cf else (1, 2)
    if crop_to_aspect_ratio or pad_to_aspect_ratio:
        x = _crop_or_pad_to_aspect(x, nh, nw, h_ax, crop_to_aspect_ratio, pad_to_aspect_ratio,
                                   fill_value)
    h, w = x._value.shape[h_ax], x._value.shape[w_ax]
    if h < 1 or w < 1:
        raise ValueError("%s: cannot resize an empty image (height %d, width %d)."
                         % (name, h, w))
    if preserve_aspect_ratio:
        nh, nw = _aspect_preserving_size(h, w, nh, nw)
    dt = x._value.dtype
    antialias = bool(antialias)
    if nh != h or method in _SMOOTHING:
        ah = _A.constant(_interp_matrix(h, nh, method, dt, antialias))
        x = _L.einsum("oh,bchw->bcow" if cf else "oh,bhwc->bowc", ah, x)
    if nw != w or method in _SMOOTHING:
        aw = _A.constant(_interp_matrix(w, nw, method, dt, antialias))
        x = _L.einsum("pw,bchw->bchp" if cf else "pw,bhwc->bhpc", aw, x)
    return _A.squeeze(x, 0) if unbatched else x


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
        s = list(input_shape)
        off = 1 if len(s) == 4 else 0
        h_ax = off + (1 if self.data_format == "channels_first" else 0)
        s[h_ax], s[h_ax + 1] = self.height, self.width
        return tuple(s)

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width,
                       "interpolation": self.interpolation,
                       "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                       "pad_to_aspect_ratio": self.pad_to_aspect_ratio,
                       "fill_mode": self.fill_mode, "fill_value": self.fill_value,
                       "antialias": self.antialias, "data_format": self.data_format})
        return config


def _center_crop(x, ch, cw, h_ax):
    h, w = x._value.shape[h_ax], x._value.shape[h_ax + 1]
    top = (h - ch) // 2
    left = (w - cw) // 2
    key = [slice(None)] * x._value.ndim
    key[h_ax] = slice(top, top + ch)
    key[h_ax + 1] = slice(left, left + cw)
    return _A.getitem(x, tuple(key))


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
        s = list(input_shape)
        off = 1 if len(s) == 4 else 0
        h_ax = off + (1 if self.data_format == "channels_first" else 0)
        s[h_ax], s[h_ax + 1] = self.height, self.width
        return tuple(s)

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
