"""Pixel values: ``convert_image_dtype``, color spaces (grayscale, HSV, YIQ, YUV) and the
photometric adjustments (brightness, contrast, saturation, hue, gamma, standardization)
with their random variants.

Float images hold values in [0, 1]; integer images use their dtype's whole non-negative
range (0..255 for uint8).  The adjustments run on floats: an integer image is converted
to float32 with ``convert_image_dtype``, adjusted, and converted back (saturating), as
TensorFlow does.  Everything on float images is written with ndflow ops, so gradients
flow through it.
"""
import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.core.tensor import Tensor
from ndflow.ops import array_ops as _A
from ndflow.ops import linalg_ops as _L
from ndflow.ops import math_ops as _M
from ndflow.ops import reduction_ops as _R
from ndflow.ops._base import wrap
from ndflow.image._util import (tensor, check_min_rank, float_arg, generator,
                                stateless_generator)

__all__ = ["convert_image_dtype", "rgb_to_grayscale", "grayscale_to_rgb", "rgb_to_hsv",
           "hsv_to_rgb", "rgb_to_yiq", "yiq_to_rgb", "rgb_to_yuv", "yuv_to_rgb",
           "adjust_brightness", "adjust_contrast", "adjust_saturation", "adjust_hue",
           "adjust_gamma", "per_image_standardization", "random_brightness",
           "random_contrast", "random_saturation", "random_hue",
           "stateless_random_brightness", "stateless_random_contrast",
           "stateless_random_saturation", "stateless_random_hue"]


# ---- convert_image_dtype ------------------------------------------------------------------------

def _numeric_dtype(d, fn, what):
    if not (d.is_floating or d.is_integer):
        raise TypeError("%s: %s must be a floating-point or integer dtype, got %s. (A bool "
                        "mask is not an image: cast it with tf.cast first.)"
                        % (fn, what, d.name))


def _float_limit(fdt, idt):
    """The largest value of float dtype ``fdt`` that casts into integer dtype ``idt``
    without overflow."""
    top = np.iinfo(idt).max
    f = fdt.type(top)
    while int(f) > top:
        f = np.nextafter(f, fdt.type(0))
    return f


def _wrap_to_int(v, idt):
    """Float array -> integer dtype as TensorFlow's unsaturated cast does on x86-64:
    truncate toward zero into int32 (int64 for 32-bit unsigned and 64-bit targets), where
    values out of range (and NaN) become the most negative integer, then keep the low
    bits."""
    via = np.int64 if idt.itemsize == 8 or idt == np.uint32 else np.int32
    bits = np.iinfo(via).bits
    t = np.trunc(v)
    with np.errstate(invalid="ignore"):
        ok = (t >= -2.0 ** (bits - 1)) & (t < 2.0 ** (bits - 1))
    r = np.where(ok, t, 0).astype(np.int64)
    r = np.where(ok, r, np.iinfo(via).min).astype(via)
    return r.astype(idt)


def convert_image_dtype(image, dtype, saturate=False, name=None):
    """``image`` converted to ``dtype``, rescaling the values: floats span [0, 1], integers
    their dtype's range [0, MAX].

    - int -> float: divided by the source's MAX;
    - float -> int: multiplied by (MAX + 0.5) and truncated (values outside [0, 1] wrap
      around unless ``saturate=True``, which clips them);
    - int -> int: shifted by the difference in bits (``saturate=True`` clips negative
      values of a signed source before converting to an unsigned dtype);
    - float -> float: a cast (differentiable).
    """
    fn = "tf.image.convert_image_dtype"
    x = tensor(image)
    src = x.dtype
    dst = _dt.as_dtype(dtype)
    _numeric_dtype(src, fn, "image dtype")
    _numeric_dtype(dst, fn, "dtype")
    if src == dst:
        return x
    a = x._value
    sn, dn = src._np, dst._np
    if src.is_floating and dst.is_floating:
        return _M.cast(x, dst)
    if src.is_integer and dst.is_integer:
        smax, dmax = int(src.max), int(dst.max)
        if smax > dmax:       # fewer bits: integer-divide by the ratio of the ranges
            scale = (smax + 1) // (dmax + 1)
            out = np.floor_divide(a, np.asarray(scale, dtype=sn))
            if saturate:
                out = np.clip(out, dst.min, dmax)
            return wrap(out.astype(dn))
        scale = (dmax + 1) // (smax + 1)
        if saturate:
            a = np.clip(a, max(dst.min, src.min), min(dmax, smax))
        with np.errstate(over="ignore"):
            out = a.astype(dn) * np.asarray(scale, dtype=dn)
        return wrap(np.asarray(out, dtype=dn))
    if src.is_integer:        # int -> float
        return wrap(a.astype(dn) * dn.type(1.0 / float(src.max)))
    # float -> int (float16 is scaled in float32: its range cannot hold 2**31)
    work = np.promote_types(sn, np.float32)
    v = a.astype(work) * work.type(float(dst.max) + 0.5)
    if saturate:
        v = np.clip(v, work.type(dst.min), _float_limit(work, dn))
        v = np.nan_to_num(v, nan=0.0)
        return wrap(v.astype(dn))
    return wrap(_wrap_to_int(v, dn))


def _to_float(x, fn):
    """(float image, function restoring the original dtype)."""
    d = x.dtype
    if d.is_floating:
        return x, lambda y: y
    _numeric_dtype(d, fn, "image dtype")
    return (convert_image_dtype(x, _dt.float32),
            lambda y: convert_image_dtype(y, d, saturate=True))


def _as_float_pixels(x):
    """Integer pixel values as float32 without rescaling (the color-space conversions)."""
    return x if x.dtype.is_floating else _M.cast(x, _dt.float32)


# ---- color spaces --------------------------------------------------------------------------------

_GRAY_WEIGHTS = (0.2989, 0.587, 0.114)   # ITU-R BT.601 luma, as TensorFlow weighs it


def _check_rgb(x, fn, arg="images"):
    if x._value.ndim < 1 or x._value.shape[-1] != 3:
        raise ValueError("%s: the last dimension of %s must hold the 3 color channels "
                         "(red, green, blue), got shape %s."
                         % (fn, arg, tuple(x._value.shape)))


def _channels(x):
    return [_A.getitem(x, (Ellipsis, i)) for i in range(3)]


def rgb_to_grayscale(images, name=None):
    """One luma channel (0.2989 R + 0.587 G + 0.114 B) in place of the last axis's three;
    an integer image is weighed as float and converted back."""
    fn = "tf.image.rgb_to_grayscale"
    x = tensor(images)
    _check_rgb(x, fn)
    f, back = _to_float(x, fn)
    r, g, b = _channels(f)
    w = [np.asarray(v, dtype=f._value.dtype) for v in _GRAY_WEIGHTS]
    gray = _M.add(_M.add(_M.multiply(r, w[0]), _M.multiply(g, w[1])), _M.multiply(b, w[2]))
    return back(_A.expand_dims(gray, -1))


def grayscale_to_rgb(images, name=None):
    """The single channel repeated three times."""
    fn = "tf.image.grayscale_to_rgb"
    x = tensor(images)
    check_min_rank(x, fn, 2, "images", "(..., width, 1)")
    if x._value.shape[-1] != 1:
        raise ValueError("%s: the last dimension of a grayscale image must be 1, got shape "
                         "%s." % (fn, tuple(x._value.shape)))
    return _A.concat([x, x, x], axis=-1)


def _safe_div(num, den):
    """num / den where den != 0, else 0 (with a gradient free of NaNs)."""
    nz = _M.not_equal(den, 0)
    return _M.where(nz, _M.divide(num, _M.where(nz, den, _M.ones_like(den))),
                    _M.zeros_like(num))


def rgb_to_hsv(images, name=None):
    """RGB -> HSV, each in [0, 1] (hue as a fraction of a full turn; 0 for grays).
    Integer inputs are converted to float32 without rescaling."""
    fn = "tf.image.rgb_to_hsv"
    x = tensor(images)
    _check_rgb(x, fn)
    x = _as_float_pixels(x)
    r, g, b = _channels(x)
    v = _M.maximum(_M.maximum(r, g), b)
    lo = _M.minimum(_M.minimum(r, g), b)
    chroma = _M.subtract(v, lo)
    s = _safe_div(chroma, v)
    # hue sector: red max -> (g - b), green max -> 2 + (b - r), blue max -> 4 + (r - g)
    hr = _safe_div(_M.subtract(g, b), chroma)
    hg = _M.add(_safe_div(_M.subtract(b, r), chroma), 2.0)
    hb = _M.add(_safe_div(_M.subtract(r, g), chroma), 4.0)
    h = _M.where(_M.equal(v, r), hr, _M.where(_M.equal(v, g), hg, hb))
    h = _M.divide(h, 6.0)
    h = _M.where(_M.less(h, 0), _M.add(h, 1.0), h)
    h = _M.where(_M.greater(chroma, 0), h, _M.zeros_like(h))
    return _A.stack([h, s, v], axis=-1)


def hsv_to_rgb(images, name=None):
    """HSV -> RGB (the inverse of ``rgb_to_hsv``); hue wraps around modulo 1."""
    fn = "tf.image.hsv_to_rgb"
    x = tensor(images)
    _check_rgb(x, fn)
    x = _as_float_pixels(x)
    h, s, v = _channels(x)
    h6 = _M.multiply(h, 6.0)
    out = []
    # channel = v - v s clip(min(k, 4 - k), 0, 1) with k = (n + 6 h) mod 6, n = 5, 3, 1
    for n in (5.0, 3.0, 1.0):
        k = _M.add(h6, n)
        k = _M.subtract(k, _M.multiply(_A.stop_gradient(_M.floor(_M.divide(k, 6.0))), 6.0))
        ramp = _M.clip_by_value(_M.minimum(k, _M.subtract(4.0, k)), 0.0, 1.0)
        out.append(_M.subtract(v, _M.multiply(_M.multiply(v, s), ramp)))
    return _A.stack(out, axis=-1)


# x @ K for pixels x = (r, g, b): column j of K gives output channel j
_RGB_TO_YIQ = np.array([[0.299, 0.59590059, 0.2115],
                        [0.587, -0.27455667, -0.52273617],
                        [0.114, -0.32134392, 0.31119955]])
_YIQ_TO_RGB = np.array([[1.0, 1.0, 1.0],
                        [0.95598634, -0.27201283, -1.10674021],
                        [0.6208248, -0.64720424, 1.70423049]])
_RGB_TO_YUV = np.array([[0.299, -0.14714119, 0.61497538],
                        [0.587, -0.28886916, -0.51496512],
                        [0.114, 0.43601035, -0.10001026]])
_YUV_TO_RGB = np.array([[1.0, 1.0, 1.0],
                        [0.0, -0.394642334, 2.03206185],
                        [1.13988303, -0.58062185, 0.0]])


def _linear_color(images, kernel, fn):
    x = tensor(images)
    _check_rgb(x, fn)
    x = _as_float_pixels(x)
    k = _A.constant(kernel.astype(x._value.dtype))
    return _A.reshape(_L.matmul(_A.reshape(x, (-1, 3)), k), x._value.shape)


def rgb_to_yiq(images):
    """RGB -> YIQ (NTSC): luma Y in [0, 1], chroma I in [-0.5959, 0.5959], Q in
    [-0.5227, 0.5227]."""
    return _linear_color(images, _RGB_TO_YIQ, "tf.image.rgb_to_yiq")


def yiq_to_rgb(images):
    """YIQ -> RGB (the inverse of ``rgb_to_yiq``)."""
    return _linear_color(images, _YIQ_TO_RGB, "tf.image.yiq_to_rgb")


def rgb_to_yuv(images):
    """RGB -> YUV (BT.601): luma Y in [0, 1], chroma U in [-0.436, 0.436], V in
    [-0.615, 0.615]."""
    return _linear_color(images, _RGB_TO_YUV, "tf.image.rgb_to_yuv")


def yuv_to_rgb(images):
    """YUV -> RGB (the inverse of ``rgb_to_yuv``)."""
    return _linear_color(images, _YUV_TO_RGB, "tf.image.yuv_to_rgb")


# ---- adjustments ---------------------------------------------------------------------------------

def _scalar_like(value, x):
    """A scalar argument (number or tensor) as a 0-d tensor of ``x``'s float dtype."""
    if isinstance(value, Tensor):
        return _M.cast(value, x.dtype)
    return wrap(np.asarray(value, dtype=x._value.dtype))


def adjust_brightness(image, delta):
    """``image + delta`` (delta on the [0, 1] scale; an integer image saturates)."""
    fn = "tf.image.adjust_brightness"
    x = tensor(image)
    f, back = _to_float(x, fn)
    return back(_M.add(f, _scalar_like(delta, f)))


def adjust_contrast(images, contrast_factor):
    """Each channel's deviation from its mean over the image (height and width) scaled by
    ``contrast_factor``: ``(x - mean) * contrast_factor + mean``."""
    fn = "tf.image.adjust_contrast"
    x = tensor(images)
    check_min_rank(x, fn, 3, "images")
    f, back = _to_float(x, fn)
    mean = _R.reduce_mean(f, axis=(-3, -2), keepdims=True)
    out = _M.add(_M.multiply(_M.subtract(f, mean), _scalar_like(contrast_factor, f)), mean)
    return back(out)


def adjust_saturation(image, saturation_factor, name=None):
    """The HSV saturation multiplied by ``saturation_factor`` and clipped to [0, 1]."""
    fn = "tf.image.adjust_saturation"
    x = tensor(image)
    _check_rgb(x, fn, "image")
    f, back = _to_float(x, fn)
    h, s, v = _channels(rgb_to_hsv(f))
    s = _M.clip_by_value(_M.multiply(s, _scalar_like(saturation_factor, f)), 0.0, 1.0)
    return back(hsv_to_rgb(_A.stack([h, s, v], axis=-1)))


def adjust_hue(image, delta, name=None):
    """The HSV hue rotated by ``delta`` (a fraction of a full turn, in [-1, 1])."""
    fn = "tf.image.adjust_hue"
    x = tensor(image)
    _check_rgb(x, fn, "image")
    dv = float_arg(delta, fn, "delta")
    if not -1.0 <= dv <= 1.0:
        raise ValueError("%s: delta must be in [-1, 1] (a fraction of a full turn of "
                         "hue), got %r." % (fn, dv))
    f, back = _to_float(x, fn)
    h, s, v = _channels(rgb_to_hsv(f))
    h = _M.add(h, _scalar_like(delta, f))
    h = _M.subtract(h, _A.stop_gradient(_M.floor(h)))
    return back(hsv_to_rgb(_A.stack([h, s, v], axis=-1)))


def adjust_gamma(image, gamma=1, gain=1):
    """``gain * image ** gamma`` (gamma >= 0; < 1 brightens, > 1 darkens)."""
    fn = "tf.image.adjust_gamma"
    x = tensor(image)
    g = float_arg(gamma, fn, "gamma")
    if g < 0:
        raise ValueError("%s: gamma must be a non-negative real number, got %r." % (fn, g))
    f, back = _to_float(x, fn)
    out = _M.multiply(_scalar_like(gain, f), _M.pow(f, _scalar_like(gamma, f)))
    return back(out)


def per_image_standardization(image):
    """Each image scaled to mean 0 and variance 1 over all its pixels and channels:
    ``(x - mean) / max(stddev, 1 / sqrt(num_elements))``.  The result is float32;
    integer images are standardized from their raw values."""
    fn = "tf.image.per_image_standardization"
    x = tensor(image)
    check_min_rank(x, fn, 3, "image")
    _numeric_dtype(x.dtype, fn, "image dtype")
    x = _M.cast(x, _dt.float32)
    axes = (-3, -2, -1)
    n = int(np.prod(x._value.shape[-3:]))
    mean = _R.reduce_mean(x, axis=axes, keepdims=True)
    centred = _M.subtract(x, mean)
    var = _R.reduce_mean(_M.square(centred), axis=axes, keepdims=True)
    # max(stddev, 1/sqrt(n)) as sqrt(max(var, 1/n)): no infinite derivative at var = 0
    std = _M.sqrt(_M.maximum(var, np.float32(1.0 / max(n, 1))))
    return _M.divide(centred, std)


# ---- random adjustments --------------------------------------------------------------------------

def _check_range(lower, upper, fn):
    lo, hi = float(lower), float(upper)
    if hi <= lo:
        raise ValueError("%s: upper must be > lower, got lower=%r, upper=%r." % (fn, lo, hi))
    if lo < 0:
        raise ValueError("%s: lower must be non-negative, got %r." % (fn, lo))
    return lo, hi


def _check_max_delta(max_delta, fn, limit=None):
    m = float(max_delta)
    if m < 0:
        raise ValueError("%s: max_delta must be non-negative, got %r." % (fn, m))
    if limit is not None and m > limit:
        raise ValueError("%s: max_delta must be <= %r, got %r." % (fn, limit, m))
    return m


def _uniform(gen, lo, hi):
    return float(lo + (hi - lo) * gen.random())


def random_brightness(image, max_delta, seed=None):
    """``adjust_brightness`` by a delta drawn uniformly from [-max_delta, max_delta)."""
    m = _check_max_delta(max_delta, "tf.image.random_brightness")
    return adjust_brightness(image, _uniform(generator(seed), -m, m))


def random_contrast(image, lower, upper, seed=None):
    """``adjust_contrast`` by a factor drawn uniformly from [lower, upper)."""
    lo, hi = _check_range(lower, upper, "tf.image.random_contrast")
    return adjust_contrast(image, _uniform(generator(seed), lo, hi))


def random_saturation(image, lower, upper, seed=None):
    """``adjust_saturation`` by a factor drawn uniformly from [lower, upper)."""
    lo, hi = _check_range(lower, upper, "tf.image.random_saturation")
    return adjust_saturation(image, _uniform(generator(seed), lo, hi))


def random_hue(image, max_delta, seed=None):
    """``adjust_hue`` by a delta drawn uniformly from [-max_delta, max_delta), max_delta
    in [0, 0.5]."""
    m = _check_max_delta(max_delta, "tf.image.random_hue", 0.5)
    return adjust_hue(image, _uniform(generator(seed), -m, m))


def stateless_random_brightness(image, max_delta, seed):
    fn = "tf.image.stateless_random_brightness"
    m = _check_max_delta(max_delta, fn)
    return adjust_brightness(image, _uniform(stateless_generator(seed, fn), -m, m))


def stateless_random_contrast(image, lower, upper, seed):
    fn = "tf.image.stateless_random_contrast"
    lo, hi = _check_range(lower, upper, fn)
    return adjust_contrast(image, _uniform(stateless_generator(seed, fn), lo, hi))


def stateless_random_saturation(image, lower, upper, seed=None):
    fn = "tf.image.stateless_random_saturation"
    lo, hi = _check_range(lower, upper, fn)
    return adjust_saturation(image, _uniform(stateless_generator(seed, fn), lo, hi))


def stateless_random_hue(image, max_delta, seed):
    fn = "tf.image.stateless_random_hue"
    m = _check_max_delta(max_delta, fn, 0.5)
    return adjust_hue(image, _uniform(stateless_generator(seed, fn), -m, m))
