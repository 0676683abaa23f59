"""Keras 3 image augmentation layers beyond the basic ones of ``preprocessing_image``:
colour (``RandomGrayscale``, ``RandomHue``, ``RandomSaturation``, ``RandomColorJitter``,
``RandomColorDegeneration``, ``RandomSharpness``, ``RandomInvert``,
``RandomPosterization``, ``Solarization``, ``AutoContrast``, ``Equalization``), region
(``RandomErasing``, ``RandomGaussianBlur``), geometric (``RandomShear``,
``RandomPerspective``), batch mixing (``MixUp``, ``CutMix``) and ``Pipeline``.

Every layer works on a batch ``(B, H, W, C)`` or a single image ``(H, W, C)`` (channels
first with ``data_format="channels_first"``), draws from the layer's generator (``seed=``)
or ndflow's global stream, and is the identity when ``training=False`` (``AutoContrast``
always applies, as in Keras).  The arithmetic is NumPy on the data (augmentation needs no
gradient).  Bounding boxes, segmentation masks and labels (except for ``MixUp`` /
``CutMix``, which mix a ``{"images", "labels"}`` dict) are not supported.
"""
import numpy as np

from ndflow.core.tensor import Tensor
from ndflow.keras.engine.layer import Layer
from ndflow.keras.engine.random_state import layer_generator
from ndflow.keras.layers.convolutional import normalize_data_format
from ndflow.keras.layers.preprocessing_image import (_map_coords, _FILL_MODES,
                                                     RandomBrightness, RandomContrast)

__all__ = ["RandomGrayscale", "RandomHue", "RandomSaturation", "RandomColorJitter",
           "RandomColorDegeneration", "RandomSharpness", "RandomInvert",
           "RandomPosterization", "Solarization", "AutoContrast", "Equalization",
           "RandomErasing", "RandomGaussianBlur", "RandomShear", "RandomPerspective",
           "MixUp", "CutMix", "Pipeline"]

_EPSILON = 1e-7   # keras.config.epsilon()
_GRAY_WEIGHTS = np.array([0.2989, 0.5870, 0.1140])


# ---- helpers ---------------------------------------------------------------------------------

def _factor(factor, name, layer, bounds=(-1.0, 1.0)):
    """Keras' factor convention: a number f gives (max(-|f|, lower bound), |f|); a pair is
    sorted.  Both must lie within ``bounds``."""
    msg = ("%s: %s must be a number or a (lower, upper) pair in [%s, %s], got %r."
           % (layer, name, bounds[0], bounds[1], factor))
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or not all(isinstance(v, (int, float)) for v in factor):
            raise ValueError(msg)
        if factor[0] > bounds[1] or factor[1] < bounds[0]:
            raise ValueError(msg)
        return tuple(sorted(factor))
    if isinstance(factor, (int, float)) and not isinstance(factor, bool):
        if factor < bounds[0] or factor > bounds[1]:
            raise ValueError(msg)
        f = abs(factor)
        return (max(-f, bounds[0]), f)
    raise ValueError(msg)


def _value_range(value_range, layer):
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
        raise ValueError("%s: value_range must be a (min, max) pair, got %r."
                         % (layer, value_range))
    return sorted(value_range)


def _rescale(x, src, dst):
    """Map values linearly from range ``src`` to range ``dst``."""
    if src[0] == dst[0] and src[1] == dst[1]:
        return x
    return (x - src[0]) / (src[1] - src[0]) * (dst[1] - dst[0]) + dst[0]


def _grayscale(x):
    """(B, H, W, C) -> (B, H, W, 1) luma (RGB weights 0.2989, 0.587, 0.114); C=1 unchanged."""
    c = x.shape[-1]
    if c == 1:
        return x
    if c != 3:
        raise ValueError("grayscale conversion expects 1 or 3 channels, got %d." % c)
    return (x @ _GRAY_WEIGHTS.astype(x.dtype))[..., None]


def _rgb_to_hsv(x):
    """Last axis RGB -> HSV with hue in [0, 1) (the convention of tf.image.rgb_to_hsv)."""
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    v = x.max(axis=-1)
    rng = v - x.min(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(v > 0, rng / np.where(v > 0, v, 1), 0.0)
        safe = np.where(rng > 0, rng, 1)
        h = np.where(v == r, (g - b) / safe,
                     np.where(v == g, 2.0 + (b - r) / safe, 4.0 + (r - g) / safe))
    h = np.where(rng > 0, h / 6.0, 0.0)
    h = np.where(h < 0, h + 1.0, h)
    return np.stack([h, s, v], axis=-1).astype(x.dtype)


def _hsv_to_rgb(x):
    """Inverse of ``_rgb_to_hsv`` (piecewise-linear hue ramps, scaled by s and v)."""
    h, s, v = x[..., 0:1], x[..., 1:2], x[..., 2:3]
    h6 = h * 6.0
    ramps = np.concatenate([np.abs(h6 - 3.0) - 1.0, 2.0 - np.abs(h6 - 2.0),
                            2.0 - np.abs(h6 - 4.0)], axis=-1)
    ramps = np.clip(ramps, 0.0, 1.0)
    return (((ramps - 1.0) * s + 1.0) * v).astype(x.dtype)


def _depthwise_same(x, kernel):
    """Per-channel 2-D correlation of (B, H, W, C) ``x`` with ``kernel`` (kh, kw), zero
    padding, 'same' output size (TensorFlow puts the extra padding at the end)."""
    kh, kw = kernel.shape
    b, h, w, c = x.shape
    pt, pl = (kh - 1) // 2, (kw - 1) // 2
    p = np.pad(x, ((0, 0), (pt, kh - 1 - pt), (pl, kw - 1 - pl), (0, 0)))
    out = np.zeros_like(x)
    for i in range(kh):
        for j in range(kw):
            out = out + kernel[i, j] * p[:, i:i + h, j:j + w]
    return out


def _gaussian_kernel(size, sigma, dtype):
    """(size[0], size[1]) Gaussian: axis 0 uses ``sigma[1]`` over ``size[1]`` points and
    axis 1 ``sigma[0]`` over ``size[0]`` (the layout Keras builds; equal for square)."""
    def k1(n, s):
        t = np.arange(n, dtype=np.float64) - (n - 1) / 2.0
        g = np.exp(-0.5 * (t / s) ** 2)
        return g / g.sum()
    return np.outer(k1(size[1], sigma[1]), k1(size[0], sigma[0])).reshape(
        size[0], size[1]).astype(dtype)


def _sample(images, x_in, y_in, interpolation, fill_mode, fill_value):
    """Sample (B, H, W, C) ``images`` at per-pixel input coordinates (B, H, W)."""
    b, h, w, c = images.shape
    bidx = np.arange(b)[:, None, None]
    inside = None
    if fill_mode == "constant":
        inside = (x_in > -0.5) & (x_in < w - 0.5) & (y_in > -0.5) & (y_in < h - 0.5)
        x_in = np.clip(x_in, 0, w - 1)
        y_in = np.clip(y_in, 0, h - 1)
    else:
        x_in = _map_coords(x_in, w, fill_mode)
        y_in = _map_coords(y_in, h, fill_mode)
    if interpolation == "nearest":
        xi = np.clip(np.round(x_in), 0, w - 1).astype(np.int64)
        yi = np.clip(np.round(y_in), 0, h - 1).astype(np.int64)
        out = images[bidx, yi, xi].astype(np.float64)
    else:
        x0, y0 = np.floor(x_in), np.floor(y_in)
        fx, fy = (x_in - x0)[..., None], (y_in - y0)[..., None]
        out = 0.0
        for dy, wy in ((0, 1 - fy), (1, fy)):
            for dx, wx in ((0, 1 - fx), (1, fx)):
                yy = np.clip(y0 + dy, 0, h - 1).astype(np.int64)
                xx = np.clip(x0 + dx, 0, w - 1).astype(np.int64)
                out = out + wx * wy * images[bidx, yy, xx].astype(np.float64)
    if inside is not None:
        out = np.where(inside[..., None], out, fill_value)
    return out.astype(images.dtype)


def _check_interpolation(interpolation, layer):
    if interpolation not in ("bilinear", "nearest"):
        raise ValueError("%s: interpolation must be 'bilinear' or 'nearest', got %r."
                         % (layer, interpolation))


# ---- base ------------------------------------------------------------------------------------

class _AugmentLayer(Layer):
    """Channels-last float batches internally; identity (input unchanged) at inference
    unless ``_ALWAYS`` (AutoContrast); ``_CAST_AT_INFERENCE`` casts to the compute dtype
    even then, as some Keras layers do."""

    _ALWAYS = False
    _CAST_AT_INFERENCE = False
    _CONFIG_SEED = True

    def __init__(self, seed=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.data_format = normalize_data_format(data_format, type(self).__name__)

    def _generator(self):
        return layer_generator(self)

    def _to_batch(self, value):
        x = np.asarray(value)
        if x.ndim not in (3, 4):
            raise ValueError("%s %r expects images of shape (batch, height, width, channels) "
                             "or (height, width, channels), got %s."
                             % (type(self).__name__, self.name, tuple(x.shape)))
        x = x.astype(self.dtype)
        unbatched = x.ndim == 3
        if unbatched:
            x = x[None]
        if self.data_format == "channels_first":
            x = x.transpose(0, 2, 3, 1)
        return x, unbatched

    def _from_batch(self, y, unbatched):
        if self.data_format == "channels_first":
            y = y.transpose(0, 3, 1, 2)
        if unbatched:
            y = y[0]
        return np.ascontiguousarray(y.astype(self.dtype))

    def call(self, inputs, training=True):
        if not training and not self._ALWAYS:
            if self._CAST_AT_INFERENCE:
                return Tensor(np.asarray(inputs._value).astype(self.dtype))
            return inputs
        x, unbatched = self._to_batch(inputs._value)
        y = self._augment(x, self._generator())
        return Tensor(self._from_batch(y, unbatched))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        if self._CONFIG_SEED:
            config["seed"] = self.seed
        return config


# ---- colour ----------------------------------------------------------------------------------

class RandomGrayscale(_AugmentLayer):
    """Turns each image to grayscale (kept with its channel count) with probability
    ``factor``."""

    def __init__(self, factor=0.5, data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if not isinstance(factor, (int, float)) or factor < 0 or factor > 1:
            raise ValueError("RandomGrayscale: factor must be a probability in [0, 1], got "
                             "%r." % (factor,))
        self.factor = factor

    def _augment(self, x, gen):
        apply = gen.uniform(0.0, 1.0, size=x.shape[0]) < self.factor
        return np.where(apply[:, None, None, None], _grayscale(x), x)

    def get_config(self):
        config = super().get_config()
        config["factor"] = self.factor
        return config


class RandomHue(_AugmentLayer):
    """Shifts the hue of each image by a random amount: ``factor`` (in [0, 1]) is the
    largest shift as a fraction of half the hue circle, with a random sign."""

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _factor(factor, "factor", "RandomHue", (0, 1))
        self.value_range = value_range

    def _shifts(self, b, gen):
        sign = np.where(gen.uniform(0.0, 1.0, size=b) > 0.5, -1.0, 1.0)
        return sign * gen.uniform(self.factor[0], self.factor[1], size=b) * 0.5

    def _augment(self, x, gen):
        return self._apply(x, self._shifts(x.shape[0], gen))

    def _apply(self, x, shifts):
        x = _rescale(x, self.value_range, (0, 1))
        hsv = _rgb_to_hsv(x)
        h = hsv[..., 0] + shifts.astype(x.dtype)[:, None, None]
        h = np.where(h > 1.0, h - 1.0, h)
        h = np.where(h < 0.0, h + 1.0, h)
        hsv = np.stack([h, hsv[..., 1], hsv[..., 2]], axis=-1)
        rgb = np.clip(_hsv_to_rgb(hsv), 0.0, 1.0)
        return _rescale(rgb, (0, 1), self.value_range)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range})
        return config


class RandomSaturation(_AugmentLayer):
    """Scales each image's HSV saturation by ``f / (1 - f)`` with ``f`` drawn from the
    ``factor`` range (f = 0.5 keeps it, f = 0 gives grayscale, f -> 1 saturates)."""

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _factor(factor, "factor", "RandomSaturation")
        self.value_range = _value_range(value_range, "RandomSaturation")

    def _augment(self, x, gen):
        f = gen.uniform(self.factor[0], self.factor[1], size=x.shape[0])
        f = f / (1.0 - f + _EPSILON)
        hsv = _rgb_to_hsv(x)
        s = np.clip(hsv[..., 1] * f.astype(x.dtype)[:, None, None], self.value_range[0],
                    self.value_range[1])
        return _hsv_to_rgb(np.stack([hsv[..., 0], s, hsv[..., 2]], axis=-1))

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range})
        return config


class RandomColorJitter(_AugmentLayer):
    """Applies, in order, ``RandomBrightness``, ``RandomContrast``, ``RandomSaturation``
    and ``RandomHue`` for each factor given (``None`` skips that step)."""

    def __init__(self, value_range=(0, 255), brightness_factor=None, contrast_factor=None,
                 saturation_factor=None, hue_factor=None, seed=None, data_format=None,
                 **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.value_range = value_range
        self.brightness_factor = brightness_factor
        self.contrast_factor = contrast_factor
        self.saturation_factor = saturation_factor
        self.hue_factor = hue_factor
        self._steps = []
        if brightness_factor is not None:
            self._steps.append(RandomBrightness(brightness_factor, value_range=value_range))
        if contrast_factor is not None:
            self._steps.append(RandomContrast(contrast_factor, value_range=value_range))
        if saturation_factor is not None:
            self._steps.append(RandomSaturation(saturation_factor, value_range=value_range))
        if hue_factor is not None:
            self._steps.append(RandomHue(hue_factor, value_range=value_range))

    def _augment(self, x, gen):
        for step in self._steps:
            x = step._augment(x, gen).astype(x.dtype)
        return x

    def get_config(self):
        config = super().get_config()
        config.update({"value_range": self.value_range,
                       "brightness_factor": self.brightness_factor,
                       "contrast_factor": self.contrast_factor,
                       "saturation_factor": self.saturation_factor,
                       "hue_factor": self.hue_factor})
        return config


class RandomColorDegeneration(_AugmentLayer):
    """Blends each image towards its grayscale version by a random ``factor`` (0 keeps
    it, 1 is fully gray), clipped to ``value_range``."""

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _factor(factor, "factor", "RandomColorDegeneration")
        self.value_range = _value_range(value_range, "RandomColorDegeneration")

    def _augment(self, x, gen):
        f = gen.uniform(self.factor[0], self.factor[1], size=(x.shape[0], 1, 1, 1))
        out = x + f.astype(x.dtype) * (_grayscale(x) - x)
        return np.clip(out, self.value_range[0], self.value_range[1])

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range})
        return config


class RandomSharpness(_AugmentLayer):
    """Blends each image with a 3x3-smoothed copy: ``f`` drawn from ``factor`` gives
    ``image + (1 - 2 f) * (smoothed - image)`` (f = 0.5 keeps the image, f > 0.5
    sharpens), clipped to ``value_range``."""

    _CAST_AT_INFERENCE = True

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _factor(factor, "factor", "RandomSharpness", (0, 1))
        self.value_range = _value_range(value_range, "RandomSharpness")

    def _augment(self, x, gen):
        s = 2.0 * gen.uniform(self.factor[0], self.factor[1], size=x.shape[0])
        kernel = np.full((3, 3), 1.0 / 13.0)
        kernel[1, 1] = 5.0 / 13.0
        smooth = _depthwise_same(x, kernel.astype(x.dtype))
        out = x + (1.0 - s.astype(x.dtype))[:, None, None, None] * (smooth - x)
        return np.clip(out, self.value_range[0], self.value_range[1])

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range})
        return config


class RandomInvert(_AugmentLayer):
    """Replaces each image ``x`` by ``value_range[1] - x`` with a probability drawn from
    the ``factor`` range (``factor=1.0``: probability uniform in [0, 1])."""

    def __init__(self, factor=1.0, value_range=(0, 255), seed=None, data_format=None,
                 **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _factor(factor, "factor", "RandomInvert", (0, 1))
        self.value_range = value_range

    def _augment(self, x, gen):
        b = x.shape[0]
        prob = gen.uniform(self.factor[0], self.factor[1], size=b)
        apply = gen.uniform(0.0, 1.0, size=b) < prob
        return np.where(apply[:, None, None, None], self.value_range[1] - x, x)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range})
        return config


class RandomPosterization(_AugmentLayer):
    """Keeps only the top ``bits`` bits of each 8-bit channel value, ``bits`` drawn from
    [lower, upper) of ``factor`` (an int in [1, 8] gives (1, factor); equal bounds fix
    it)."""

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _factor(factor, "factor", "RandomPosterization", (1, 8))
        self.value_range = _value_range(value_range, "RandomPosterization")

    def _augment(self, x, gen):
        b = x.shape[0]
        lo, hi = int(self.factor[0]), int(self.factor[1])
        bits = gen.integers(lo, hi, size=b) if lo != hi else np.full(b, lo)
        shift = (8 - bits).astype(np.uint8)[:, None, None, None]
        q = _rescale(x, self.value_range, (0, 255)).astype(np.uint8)
        q = np.left_shift(np.right_shift(q, shift), shift)
        return _rescale(q.astype(x.dtype), (0, 255), self.value_range)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range})
        return config


class Solarization(_AugmentLayer):
    """On the 0-255 scale: adds a random amount drawn from ``addition_factor`` (times 255
    for the upper bound), clips, then inverts (``255 - x``) every value at or above a
    threshold drawn from ``threshold_factor`` (times 255 for the upper bound)."""

    _CAST_AT_INFERENCE = True

    def __init__(self, addition_factor=0.0, threshold_factor=0.0, value_range=(0, 255),
                 seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.addition_factor = self._set(addition_factor, "addition_factor")
        self.threshold_factor = self._set(threshold_factor, "threshold_factor")
        self.value_range = _value_range(value_range, "Solarization")

    @staticmethod
    def _set(factor, name):
        vals = list(factor) if isinstance(factor, (tuple, list)) else [factor]
        if len(vals) not in (1, 2) or any(
                not isinstance(v, (int, float)) or v < 0 or v > 1 for v in vals):
            raise ValueError("Solarization: %s must be a number or a (lower, upper) pair in "
                             "[0, 1], got %r." % (name, factor))
        return tuple(sorted(vals)) if len(vals) == 2 else (0, vals[0])

    def _augment(self, x, gen):
        shape = (x.shape[0], 1, 1, 1)
        add = gen.uniform(self.addition_factor[0], self.addition_factor[1] * 255, size=shape)
        thr = gen.uniform(self.threshold_factor[0], self.threshold_factor[1] * 255,
                          size=shape)
        y = np.clip(_rescale(x, self.value_range, (0, 255)) + add.astype(x.dtype), 0, 255)
        y = np.where(y < thr.astype(x.dtype), y, 255 - y)
        return _rescale(y, (0, 255), self.value_range)

    def get_config(self):
        config = super().get_config()
        config.update({"value_range": self.value_range,
                       "addition_factor": self.addition_factor,
                       "threshold_factor": self.threshold_factor})
        return config


class AutoContrast(_AugmentLayer):
    """Stretches each image channel linearly so its minimum maps to the bottom of
    ``value_range`` and its maximum to the top (applied in training and inference; a
    constant channel is left unchanged)."""

    _ALWAYS = True
    _CONFIG_SEED = False

    def __init__(self, value_range=(0, 255), **kwargs):
        super().__init__(**kwargs)
        self.value_range = _value_range(value_range, "AutoContrast")

    def _augment(self, x, gen):
        y = _rescale(x, self.value_range, (0, 255))
        low = y.min(axis=(1, 2), keepdims=True)
        high = y.max(axis=(1, 2), keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = 255.0 / (high - low)
            y = np.clip(y * scale - low * scale, 0.0, 255.0)
            y = _rescale(y, (0, 255), self.value_range)
        return np.where(np.isnan(y), x, y)

    def get_config(self):
        config = super().get_config()
        config["value_range"] = self.value_range
        return config


class Equalization(_AugmentLayer):
    """Histogram equalization of each channel with ``bins`` bins over the 0-255 scale
    (the histogram of a channel is pooled over the whole batch, as Keras computes it)."""

    _CONFIG_SEED = False

    def __init__(self, value_range=(0, 255), bins=256, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.bins = int(bins)
        if self.bins < 2:
            raise ValueError("Equalization: bins must be an integer >= 2, got %r." % (bins,))
        self.value_range = _value_range(value_range, "Equalization")

    def _channel(self, ch):
        nb = self.bins
        ch = _rescale(ch, self.value_range, (0, 255))
        idx = np.clip((ch.astype(np.float32) * (nb - 1) / 255.0).astype(np.int32), 0, nb - 1)
        hist = np.bincount(idx.ravel(), minlength=nb)
        if np.count_nonzero(hist) <= 1:
            out = ch
        else:
            cdf = np.cumsum(hist)
            cdf_min = cdf[np.nonzero(cdf)[0][0]]
            denom = cdf[-1] - cdf_min
            denom = denom if denom != 0 else 1
            lut = np.clip(np.round((cdf - cdf_min) * 255.0 / denom), 0, 255)
            pos = np.clip(ch / 255.0 * (nb - 1), 0, nb - 1).astype(np.int32)
            out = lut[pos].astype(ch.dtype)
        return _rescale(out, (0, 255), self.value_range)

    def _augment(self, x, gen):
        return np.stack([self._channel(x[..., i]) for i in range(x.shape[-1])], axis=-1)

    def get_config(self):
        config = super().get_config()
        config.update({"bins": self.bins, "value_range": self.value_range})
        return config


# ---- regions ---------------------------------------------------------------------------------

def _box_mask(shape, ratio_x, ratio_y, gen):
    """Boolean (B, H, W, 1) masks of random boxes covering ``ratio`` of each side."""
    b, h, w = shape[:3]
    len_x, len_y = ratio_x * w, ratio_y * h
    x0 = gen.uniform(0.0, 1.0, size=b) * (w - len_x)
    y0 = gen.uniform(0.0, 1.0, size=b) * (h - len_y)
    x1, y1 = x0 + len_x, y0 + len_y
    gy, gx = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    m = ((gx >= x0[:, None, None]) & (gx < x1[:, None, None]) &
         (gy >= y0[:, None, None]) & (gy < y1[:, None, None]))
    return m[..., None], (x0, x1, y0, y1)


class RandomErasing(_AugmentLayer):
    """With a probability drawn from the ``factor`` range, replaces a random box (area
    fraction drawn from ``scale``) by ``fill_value`` (a number or one per channel;
    ``None``: Gaussian noise times ``value_range[1]``), clipped to ``value_range``."""

    _CAST_AT_INFERENCE = True

    def __init__(self, factor=1.0, scale=(0.02, 0.33), fill_value=None, value_range=(0, 255),
                 seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _factor(factor, "factor", "RandomErasing", (0, 1))
        self.scale = _factor(scale, "scale", "RandomErasing", (0, 1))
        if fill_value is not None and not (
                isinstance(fill_value, (int, float)) or
                (isinstance(fill_value, (tuple, list)) and len(fill_value) == 3)):
            raise ValueError("RandomErasing: fill_value must be None, a number or a list of "
                             "3 numbers, got %r." % (fill_value,))
        self.fill_value = fill_value
        self.value_range = value_range

    def _augment(self, x, gen):
        b = x.shape[0]
        ratios = np.sqrt(gen.uniform(self.scale[0], self.scale[1], size=(b, 2)))
        mask, _ = _box_mask(x.shape, ratios[:, 0], ratios[:, 1], gen)
        prob = gen.uniform(self.factor[0], self.factor[1], size=b)
        apply = gen.uniform(0.0, 1.0, size=b) < prob
        if self.fill_value is None:
            fill = gen.standard_normal(size=x.shape) * self.value_range[1]
        else:
            fill = np.broadcast_to(np.asarray(self.fill_value, dtype=np.float64), x.shape)
        fill = np.clip(fill, self.value_range[0], self.value_range[1]).astype(x.dtype)
        return np.where(mask & apply[:, None, None, None], fill, x)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "scale": self.scale,
                       "fill_value": self.fill_value, "value_range": self.value_range})
        return config


class RandomGaussianBlur(_AugmentLayer):
    """With a probability drawn from the ``factor`` range, blurs each image with a
    ``kernel_size`` Gaussian (zero padding) whose (x, y) sigmas are drawn once per call
    from the ``sigma`` range; the result is clipped to ``value_range``."""

    _CAST_AT_INFERENCE = True

    def __init__(self, factor=1.0, kernel_size=3, sigma=1.0, value_range=(0, 255),
                 data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _factor(factor, "factor", "RandomGaussianBlur", (0, 1))
        ks = tuple(kernel_size) if isinstance(kernel_size, (tuple, list)) else \
            (kernel_size, kernel_size)
        if len(ks) != 2 or any(not isinstance(k, int) or k < 1 or k % 2 == 0 for k in ks):
            raise ValueError("RandomGaussianBlur: kernel_size must be an odd positive integer "
                             "or a pair of them, got %r." % (kernel_size,))
        self.kernel_size = ks
        self.sigma = _factor(sigma, "sigma", "RandomGaussianBlur", (0, 1))
        self.value_range = value_range

    def _augment(self, x, gen):
        b = x.shape[0]
        prob = gen.uniform(self.factor[0], self.factor[1], size=b)
        apply = gen.uniform(0.0, 1.0, size=b) < prob
        sig = gen.uniform(self.sigma[0], self.sigma[1], size=2) + 1e-6
        blurred = _depthwise_same(x, _gaussian_kernel(self.kernel_size, sig, x.dtype))
        out = np.where(apply[:, None, None, None], blurred, x)
        return np.clip(out, self.value_range[0], self.value_range[1])

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "kernel_size": self.kernel_size,
                       "sigma": self.sigma, "value_range": self.value_range})
        return config


# ---- geometric -------------------------------------------------------------------------------

class RandomShear(_AugmentLayer):
    """Shears each image: output (x, y) samples input (x + sx * y, sy * x + y), with sx
    and sy drawn from the ``x_factor`` / ``y_factor`` ranges and a random common sign."""

    def __init__(self, x_factor=0.0, y_factor=0.0, interpolation="bilinear",
                 fill_mode="reflect", fill_value=0.0, data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.x_factor = self._set(x_factor, "x_factor")
        self.y_factor = self._set(y_factor, "y_factor")
        _check_interpolation(interpolation, "RandomShear")
        if fill_mode not in _FILL_MODES:
            raise ValueError("RandomShear: fill_mode must be one of %s, got %r."
                             % (_FILL_MODES, fill_mode))
        self.interpolation = interpolation
        self.fill_mode = fill_mode
        self.fill_value = fill_value

    @staticmethod
    def _set(factor, name):
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2 or factor[0] > 1 or factor[1] < 0:
                raise ValueError("RandomShear: %s must be a number or a (lower, upper) pair "
                                 "in [0, 1], got %r." % (name, factor))
            return tuple(sorted(factor))
        if not isinstance(factor, (int, float)) or factor < 0 or factor > 1:
            raise ValueError("RandomShear: %s must be a number in [0, 1], got %r."
                             % (name, factor))
        return (-abs(factor), abs(factor))

    def _augment(self, x, gen):
        b, h, w = x.shape[:3]
        sign = np.where(gen.uniform(0.0, 1.0, size=b) > 0.5, -1.0, 1.0)
        sy = gen.uniform(self.y_factor[0], self.y_factor[1], size=b) * sign
        sx = gen.uniform(self.x_factor[0], self.x_factor[1], size=b) * sign
        ys, xs = np.meshgrid(np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64),
                             indexing="ij")
        x_in = xs[None] + sx[:, None, None] * ys[None]
        y_in = sy[:, None, None] * xs[None] + ys[None]
        return _sample(x, x_in, y_in, self.interpolation, self.fill_mode,
                       float(self.fill_value))

    def get_config(self):
        config = super().get_config()
        config.update({"x_factor": self.x_factor, "y_factor": self.y_factor,
                       "fill_mode": self.fill_mode, "interpolation": self.interpolation,
                       "fill_value": self.fill_value})
        return config


def _homography(src, dst):
    """3x3 projective map H with H @ (src, 1) ~ (dst, 1) for four point pairs."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(src, dst):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs.extend([u, v])
    p = np.linalg.solve(np.array(rows, dtype=np.float64), np.array(rhs, dtype=np.float64))
    return np.append(p, 1.0).reshape(3, 3)


class RandomPerspective(_AugmentLayer):
    """With a probability drawn from the ``factor`` range, warps each image so that its
    corners move by up to ``scale / 2`` of their own coordinates: the output pixel at a
    moved corner shows the original corner (projective map, constant ``fill_value``
    outside)."""

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_value=0.0,
                 seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _factor(factor, "factor", "RandomPerspective", (0, 1))
        if not isinstance(scale, (int, float)) or scale < 0 or scale > 1:
            raise ValueError("RandomPerspective: scale must be a number in [0, 1], got %r."
                             % (scale,))
        self.scale = scale
        _check_interpolation(interpolation, "RandomPerspective")
        self.interpolation = interpolation
        self.fill_value = fill_value

    def _augment(self, x, gen):
        b, h, w = x.shape[:3]
        prob = gen.uniform(self.factor[0], self.factor[1], size=b)
        apply = gen.uniform(0.0, 1.0, size=b) < prob
        jitter = gen.uniform(-0.5 * self.scale, 0.5 * self.scale, size=(b, 4, 2))
        start = np.array([[0.0, 0.0], [w - 1, 0.0], [0.0, h - 1], [w - 1, h - 1]])
        ys, xs = np.meshgrid(np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64),
                             indexing="ij")
        pts = np.stack([xs.ravel(), ys.ravel(), np.ones(h * w)])
        x_in = np.empty((b, h, w))
        y_in = np.empty((b, h, w))
        for i in range(b):
            end = start + start * jitter[i] if apply[i] else start
            m = _homography(end, start) @ pts   # output point -> input point
            x_in[i] = (m[0] / m[2]).reshape(h, w)
            y_in[i] = (m[1] / m[2]).reshape(h, w)
        return _sample(x, x_in, y_in, self.interpolation, "constant", float(self.fill_value))

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "scale": self.scale,
                       "interpolation": self.interpolation, "fill_value": self.fill_value})
        return config


# ---- batch mixing ----------------------------------------------------------------------------

class _MixLayer(_AugmentLayer):
    """Takes images or a ``{"images": ..., "labels": ...}`` dict (labels mixed with the
    same weights)."""

    def call(self, inputs, training=True):
        if isinstance(inputs, dict):
            images, labels = inputs["images"], inputs.get("labels")
        else:
            images, labels = inputs, None
        value = images._value if hasattr(images, "_value") else np.asarray(images)
        if not training:
            out = Tensor(np.asarray(value).astype(self.dtype))
            lab = labels
        else:
            x, unbatched = self._to_batch(value)
            y, weights, perm = self._mix(x, self._generator())
            out = Tensor(self._from_batch(y, unbatched))
            lab = labels
            if labels is not None and perm is not None:
                lv = np.asarray(getattr(labels, "_value", labels)).astype(self.dtype)
                wl = weights.reshape((-1,) + (1,) * (lv.ndim - 1)).astype(self.dtype)
                lab = Tensor(wl * lv + (1 - wl) * lv[perm])
        if isinstance(inputs, dict):
            result = dict(inputs)
            result["images"] = out
            if labels is not None:
                result["labels"] = lab
            return result
        return out

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


class MixUp(_MixLayer):
    """Blends each image with another of the batch (a random permutation): weight
    ``lam ~ Beta(alpha, alpha)`` on the image itself."""

    def __init__(self, alpha=0.2, data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if not isinstance(alpha, (int, float)) or alpha <= 0:
            raise ValueError("MixUp: alpha must be a positive number, got %r." % (alpha,))
        self.alpha = alpha

    def _mix(self, x, gen):
        b = x.shape[0]
        perm = gen.permutation(b)
        lam = gen.beta(self.alpha, self.alpha, size=b)
        lw = lam.astype(x.dtype)[:, None, None, None]
        return lw * x + (1 - lw) * x[perm], lam, perm

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config


class CutMix(_MixLayer):
    """Pastes into each image a random box cut from another image of the batch; the box
    side ratio is ``sqrt(1 - lam)`` with ``lam ~ Beta(a, a)`` and ``a`` drawn from the
    ``factor`` range.  Labels are mixed by the pasted area.  A single image is returned
    unchanged."""

    def __init__(self, factor=1.0, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _factor(factor, "factor", "CutMix", (0, 1))

    def call(self, inputs, training=True):
        images = inputs["images"] if isinstance(inputs, dict) else inputs
        if np.ndim(getattr(images, "_value", images)) == 3:
            training = False
        return super().call(inputs, training=training)

    def _mix(self, x, gen):
        b, h, w = x.shape[:3]
        a = gen.uniform(self.factor[0], self.factor[1]) + 1e-6
        lam = gen.beta(a, a, size=b)
        ratio = np.sqrt(1.0 - lam)
        mask, (x0, x1, y0, y1) = _box_mask(x.shape, ratio, ratio, gen)
        weights = 1.0 - (x1 - x0) * (y1 - y0) / (w * h)
        perm = gen.permutation(b)
        return np.where(mask, x[perm], x), weights, perm

    def get_config(self):
        config = super().get_config()
        config["factor"] = self.factor
        return config


# ---- composition -----------------------------------------------------------------------------

class Pipeline(Layer):
    """Applies ``layers`` one after the other (like a Sequential without a model),
    passing the ``training`` flag down."""

    def __init__(self, layers, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self._pipeline_layers = list(layers)
        for layer in self._pipeline_layers:
            if not callable(layer):
                raise ValueError("Pipeline: every element of layers must be a callable "
                                 "layer, got %r." % (layer,))

    def call(self, inputs, training=True):
        x = inputs
        for layer in self._pipeline_layers:
            x = layer(x, training=training)
        return x

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        for layer in self._pipeline_layers:
            shape = tuple(layer.compute_output_shape(shape))
        return shape

    def get_config(self):
        from ndflow.keras.saving.serialization import serialize_keras_object
        return {"layers": [serialize_keras_object(layer) for layer in self._pipeline_layers],
                "name": self.name}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ndflow.keras.saving.serialization import deserialize_keras_object
        config = dict(config)
        layers = [deserialize_keras_object(c, custom_objects=custom_objects)
                  for c in config.pop("layers")]
        return cls(layers, **config)
