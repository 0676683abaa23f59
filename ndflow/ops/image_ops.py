"""Image resampling primitives shared by ``tf.image`` and the Keras preprocessing layers.

Resizing is separable: one (new, old) weight matrix per spatial axis, applied as a
matrix product, so gradients flow through it; 'nearest' can also be done as a gather, which
keeps the input's dtype (``tf.image.resize`` does that).
"""
import numpy as np

from ndflow.core.tensor import Tensor
from ndflow.ops import array_ops as _A
from ndflow.ops import linalg_ops as _L
from ndflow.ops import math_ops as _M

__all__ = ["RESIZE_METHODS", "KERAS_RESIZE_METHODS", "resize_images", "resize_nearest",
           "interp_matrix", "nearest_indices", "aspect_preserving_size", "center_crop"]

# ---- resizing ------------------------------------------------------------------------------------
#
# Every method is separable: one (new, old) weight matrix per spatial axis, applied with matmul,
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


def nearest_indices(old, new):
    """For each of ``new`` output samples, the input pixel (of ``old``) whose cell holds the
    sample's half-pixel centre."""
    centers = (np.arange(new) + 0.5) * (old / new)
    return np.minimum(np.floor(centers).astype(np.int64), old - 1)


def interp_matrix(old, new, method, dtype, antialias=False):
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
    if method == "nearest":
        m[np.arange(new), nearest_indices(old, new)] = 1
        return m
    scale = old / new
    centers = (np.arange(new) + 0.5) * scale
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


def aspect_preserving_size(h, w, nh, nw):
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
        return center_crop(x, ch, cw, h_ax)
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
        nh, nw = aspect_preserving_size(h, w, nh, nw)
    dt = x._value.dtype
    antialias = bool(antialias)
    # matrix products (BLAS) rather than einsum, whose strided loops are many times slower
    if nh != h or method in _SMOOTHING:
        ah = _A.constant(interp_matrix(h, nh, method, dt, antialias))
        if cf:      # (nh, h) @ (b, c, h, w)
            x = _L.matmul(ah, x)
        else:       # (nh, h) @ (b, h, w * c)
            b, _, _, c = x._value.shape
            x = _A.reshape(_L.matmul(ah, _A.reshape(x, (b, h, w * c))), (b, nh, w, c))
    if nw != w or method in _SMOOTHING:
        aw = _A.constant(interp_matrix(w, nw, method, dt, antialias))
        # (b, c, H, w) @ (w, nw), or (nw, w) @ (b, H, w, c)
        x = _L.matmul(x, aw, transpose_b=True) if cf else _L.matmul(aw, x)
    return _A.squeeze(x, 0) if unbatched else x


def center_crop(x, ch, cw, h_ax):
    """The centred (``ch``, ``cw``) window of ``x``, whose spatial axes are ``h_ax`` and
    ``h_ax + 1`` (an odd margin leaves the extra row / column at the end)."""
    h, w = x._value.shape[h_ax], x._value.shape[h_ax + 1]
    top = (h - ch) // 2
    left = (w - cw) // 2
    key = [slice(None)] * x._value.ndim
    key[h_ax] = slice(top, top + ch)
    key[h_ax + 1] = slice(left, left + cw)
    return _A.getitem(x, tuple(key))


def resize_nearest(x, size, h_ax=1):
    """Nearest-neighbour resize of ``x`` (a tensor whose spatial axes are ``h_ax`` and
    ``h_ax + 1``) to ``size``, as a gather: the dtype is kept and the gradient flows to
    the picked pixels."""
    nh, nw = size
    h, w = x._value.shape[h_ax], x._value.shape[h_ax + 1]
    if nh != h:
        x = _A.gather(x, nearest_indices(h, nh), axis=h_ax)
    if nw != w:
        x = _A.gather(x, nearest_indices(w, nw), axis=h_ax + 1)
    return x
