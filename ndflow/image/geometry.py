"""Geometry: resizing, cropping and padding, flips, rotations, patches, random crops and
flips.

Everything that moves pixels is written with ndflow ops (resampling matrices, slices,
gathers, pads), so gradients flow back to the input image; only the random choices
(which images to flip, where to crop) are drawn with NumPy.
"""
import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.core.tensor import Tensor
from ndflow.ops import array_ops as _A
from ndflow.ops import math_ops as _M
from ndflow.ops.image_ops import (RESIZE_METHODS, resize_images, resize_nearest,
                                  aspect_preserving_size)
from ndflow.image._util import (tensor, check_rank, int_arg, float_arg, generator,
                                stateless_generator, InvalidArgumentError)

__all__ = ["ResizeMethod", "resize", "resize_with_pad", "resize_with_crop_or_pad",
           "central_crop", "crop_to_bounding_box", "pad_to_bounding_box", "flip_left_right",
           "flip_up_down", "random_flip_left_right", "random_flip_up_down",
           "stateless_random_flip_left_right", "stateless_random_flip_up_down", "rot90",
           "transpose", "extract_patches", "random_crop", "stateless_random_crop"]


class ResizeMethod:
    """The ``method`` names of ``tf.image.resize``."""
    BILINEAR = "bilinear"
    NEAREST_NEIGHBOR = "nearest"
    BICUBIC = "bicubic"
    AREA = "area"
    LANCZOS3 = "lanczos3"
    LANCZOS5 = "lanczos5"
    GAUSSIAN = "gaussian"
    MITCHELLCUBIC = "mitchellcubic"


def _batched(x):
    """(4-D view, function undoing it) for an image or a batch of images."""
    if x._value.ndim == 3:
        return _A.expand_dims(x, 0), lambda y: _A.squeeze(y, 0)
    return x, lambda y: y


def _hw(x):
    return x._value.shape[-3], x._value.shape[-2]


# ---- resize --------------------------------------------------------------------------------------

def _method(method, fn):
    m = str(method).lower()
    if m not in RESIZE_METHODS:
        raise ValueError("%s: method must be one of %s (or a tf.image.ResizeMethod "
                         "constant), got %r." % (fn, ", ".join(repr(v) for v in RESIZE_METHODS),
                                                 method))
    return m


def _size(size, fn):
    vals = size._value if isinstance(size, Tensor) else size
    try:
        a = np.asarray(vals)
        ok = a.shape == (2,) and a.dtype.kind in "iu"
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError("%s: size must be a 1-D pair of integers [new_height, new_width], "
                         "got %r." % (fn, size))
    nh, nw = int(a[0]), int(a[1])
    if nh < 1 or nw < 1:
        raise InvalidArgumentError("%s: the output size must be positive, got [%d, %d]."
                                   % (fn, nh, nw))
    return nh, nw


def _resize(x, nh, nw, method, antialias, fn):
    """Resize a 4-D batch (the size already checked)."""
    if method == "nearest":
        return resize_nearest(x, (nh, nw), 1)
    if x.dtype != _dt.float32:
        x = _M.cast(x, _dt.float32)
    return resize_images(x, (nh, nw), method, antialias=antialias, name=fn)


def _check_resizable(x, fn):
    if x.dtype.is_bool or not (x.dtype.is_floating or x.dtype.is_integer):
        raise TypeError("%s: images must be numbers (an integer or float dtype), got %s."
                        % (fn, x.dtype.name))
    h, w = _hw(x)
    if h < 1 or w < 1:
        raise InvalidArgumentError("%s: cannot resize an empty image (height %d, width %d)."
                                   % (fn, h, w))


def resize(images, size, method=ResizeMethod.BILINEAR, preserve_aspect_ratio=False,
           antialias=False, name=None):
    """Resize ``images`` (height, width, channels) or (batch, height, width, channels) to
    ``size = (new_height, new_width)``.

    ``method``: 'bilinear' (default), 'nearest', 'bicubic', 'area', 'lanczos3', 'lanczos5',
    'gaussian', 'mitchellcubic' (``tf.image.ResizeMethod``).  The result is float32, except
    with 'nearest', which keeps the input's dtype.  ``antialias`` low-passes when
    downsampling; ``preserve_aspect_ratio`` shrinks ``size`` to the largest size with the
    input's aspect ratio that fits in it."""
    fn = "tf.image.resize"
    x = tensor(images)
    check_rank(x, fn, "images")
    m = _method(method, fn)
    nh, nw = _size(size, fn)
    _check_resizable(x, fn)
    x, undo = _batched(x)
    if preserve_aspect_ratio:
        h, w = _hw(x)
        fh, fw = aspect_preserving_size(h, w, nh, nw)
        if fh < 1 or fw < 1:
            raise InvalidArgumentError(
                "%s: a %dx%d image fitted into %dx%d with preserve_aspect_ratio=True becomes "
                "empty (%dx%d)." % (fn, h, w, nh, nw, fh, fw))
        nh, nw = fh, fw
    return undo(_resize(x, nh, nw, m, bool(antialias), fn))


def _positive(value, fn, arg):
    v = int_arg(value, fn, arg)
    if v <= 0:
        raise ValueError("%s: %s must be > 0, got %d." % (fn, arg, v))
    return v


def _non_negative(value, fn, arg):
    v = int_arg(value, fn, arg)
    if v < 0:
        raise ValueError("%s: %s must be >= 0, got %d." % (fn, arg, v))
    return v


def resize_with_pad(image, target_height, target_width, method=ResizeMethod.BILINEAR,
                    antialias=False):
    """Resize to fit inside (target_height, target_width) keeping the aspect ratio, then
    pad with zeros (centred) to exactly that size."""
    fn = "tf.image.resize_with_pad"
    x = tensor(image)
    check_rank(x, fn, "image")
    th = _positive(target_height, fn, "target_height")
    tw = _positive(target_width, fn, "target_width")
    m = _method(method, fn)
    _check_resizable(x, fn)
    x, undo = _batched(x)
    h, w = _hw(x)
    # the geometry in float32, as TensorFlow computes it
    f32 = np.float32
    ratio = max(f32(w) / f32(tw), f32(h) / f32(th))
    fh, fw = f32(h) / ratio, f32(w) / ratio
    rh, rw = int(np.floor(fh)), int(np.floor(fw))
    if rh < 1 or rw < 1:
        raise InvalidArgumentError("%s: a %dx%d image fitted into %dx%d becomes empty "
                                   "(%dx%d)." % (fn, h, w, th, tw, rh, rw))
    top = int(np.floor((f32(th) - fh) / f32(2)))
    left = int(np.floor((f32(tw) - fw) / f32(2)))
    y = _resize(x, rh, rw, m, bool(antialias), fn)
    return undo(_pad(y, top, left, th, tw))


def _crop(x, top, left, ch, cw):
    key = (Ellipsis, slice(top, top + ch), slice(left, left + cw), slice(None))
    h, w = _hw(x)
    if (top, left, ch, cw) == (0, 0, h, w):
        return x
    return _A.getitem(x, key)


def _pad(x, top, left, th, tw):
    h, w = _hw(x)
    if (top, left, th, tw) == (0, 0, h, w):
        return x
    pads = [[0, 0]] * (x._value.ndim - 3) + [[top, th - h - top], [left, tw - w - left],
                                              [0, 0]]
    return _A.pad(x, pads)


def resize_with_crop_or_pad(image, target_height, target_width):
    """Centre-crop and/or zero-pad to (target_height, target_width); an odd margin puts
    the extra row / column at the bottom / right."""
    fn = "tf.image.resize_with_crop_or_pad"
    x = tensor(image)
    check_rank(x, fn, "image")
    th = _positive(target_height, fn, "target_height")
    tw = _positive(target_width, fn, "target_width")
    h, w = _hw(x)
    ch, cw = min(h, th), min(w, tw)
    x = _crop(x, (h - ch) // 2, (w - cw) // 2, ch, cw)
    return _pad(x, (th - ch) // 2, (tw - cw) // 2, th, tw)


def central_crop(image, central_fraction):
    """The central region keeping ``central_fraction`` (in (0, 1]) of the height and of
    the width."""
    fn = "tf.image.central_crop"
    x = tensor(image)
    check_rank(x, fn, "image")
    f = float_arg(central_fraction, fn, "central_fraction")
    if not 0.0 < f <= 1.0:
        raise ValueError("%s: central_fraction must be within (0, 1], got %r." % (fn, f))
    if f == 1.0:
        return x
    h, w = _hw(x)
    top, left = int((h - h * f) / 2), int((w - w * f) / 2)
    return _crop(x, top, left, h - 2 * top, w - 2 * left)


def crop_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """The (target_height, target_width) window whose top-left corner is at
    (offset_height, offset_width)."""
    fn = "tf.image.crop_to_bounding_box"
    x = tensor(image)
    check_rank(x, fn, "image")
    oh = _non_negative(offset_height, fn, "offset_height")
    ow = _non_negative(offset_width, fn, "offset_width")
    th = _positive(target_height, fn, "target_height")
    tw = _positive(target_width, fn, "target_width")
    h, w = _hw(x)
    if oh + th > h or ow + tw > w:
        raise ValueError("%s: the box (offset %d, %d; size %d, %d) reaches past the image "
                         "(height %d, width %d): need offset + target <= image size."
                         % (fn, oh, ow, th, tw, h, w))
    return _crop(x, oh, ow, th, tw)


def pad_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """Place the image at (offset_height, offset_width) in a zero canvas of size
    (target_height, target_width)."""
    fn = "tf.image.pad_to_bounding_box"
    x = tensor(image)
    check_rank(x, fn, "image")
    oh = _non_negative(offset_height, fn, "offset_height")
    ow = _non_negative(offset_width, fn, "offset_width")
    th = _non_negative(target_height, fn, "target_height")
    tw = _non_negative(target_width, fn, "target_width")
    h, w = _hw(x)
    if oh + h > th or ow + w > tw:
        raise ValueError("%s: the image (height %d, width %d) placed at offset (%d, %d) does "
                         "not fit in (%d, %d): need offset + image size <= target."
                         % (fn, h, w, oh, ow, th, tw))
    return _pad(x, oh, ow, th, tw)


# ---- flips, rotations ---------------------------------------------------------------------------

def flip_left_right(image):
    """Mirror the width axis."""
    x = tensor(image)
    check_rank(x, "tf.image.flip_left_right", "image")
    return _A.reverse(x, [-2])


def flip_up_down(image):
    """Mirror the height axis."""
    x = tensor(image)
    check_rank(x, "tf.image.flip_up_down", "image")
    return _A.reverse(x, [-3])


def _random_flip(image, axis, gen, fn):
    x = tensor(image)
    check_rank(x, fn, "image")
    if x._value.ndim == 3:
        return _A.reverse(x, [axis]) if gen.random() < 0.5 else x
    flip = gen.random(x._value.shape[0]) < 0.5
    if not flip.any():
        return x
    mask = np.broadcast_to(flip[:, None, None, None], x._value.shape)
    return _M.where(mask, _A.reverse(x, [axis]), x)


def random_flip_left_right(image, seed=None):
    """Flip left-right with probability 1/2 (each image of a batch independently)."""
    return _random_flip(image, -2, generator(seed), "tf.image.random_flip_left_right")


def random_flip_up_down(image, seed=None):
    """Flip up-down with probability 1/2 (each image of a batch independently)."""
    return _random_flip(image, -3, generator(seed), "tf.image.random_flip_up_down")


def stateless_random_flip_left_right(image, seed):
    fn = "tf.image.stateless_random_flip_left_right"
    return _random_flip(image, -2, stateless_generator(seed, fn), fn)


def stateless_random_flip_up_down(image, seed):
    fn = "tf.image.stateless_random_flip_up_down"
    return _random_flip(image, -3, stateless_generator(seed, fn), fn)


def _swap_hw(x):
    nd = x._value.ndim
    perm = list(range(nd - 3)) + [nd - 2, nd - 3, nd - 1]
    return _A.transpose(x, perm)


def rot90(image, k=1, name=None):
    """Rotate counter-clockwise by ``k`` quarter turns."""
    fn = "tf.image.rot90"
    x = tensor(image)
    check_rank(x, fn, "image")
    k = int_arg(k, fn, "k") % 4
    if k == 1:
        return _swap_hw(_A.reverse(x, [-2]))
    if k == 2:
        return _A.reverse(x, [-3, -2])
    if k == 3:
        return _swap_hw(_A.reverse(x, [-3]))
    return x


def transpose(image, name=None):
    """Swap the height and width axes."""
    x = tensor(image)
    check_rank(x, "tf.image.transpose", "image")
    return _swap_hw(x)


# ---- patches --------------------------------------------------------------------------------------

def _four(values, fn, arg):
    try:
        v = [int(a) for a in (values._value.tolist() if isinstance(values, Tensor)
                               else values)]
    except (TypeError, ValueError):
        v = None
    if v is None or len(v) != 4:
        raise ValueError("%s: %s must be a list of 4 integers [1, rows, cols, 1], got %r."
                         % (fn, arg, values))
    if v[0] != 1 or v[3] != 1:
        raise ValueError("%s: %s must be 1 for the batch and channel dimensions ([1, rows, "
                         "cols, 1]), got %r." % (fn, arg, v))
    if v[1] < 1 or v[2] < 1:
        raise ValueError("%s: %s must be positive, got %r." % (fn, arg, v))
    return v[1], v[2]


def _patch_positions(n, k, stride, rate, padding, fn, axis):
    """(output length, pad before, (out, k) index array into the padded axis)."""
    eff = (k - 1) * rate + 1
    if padding == "VALID":
        out = (n - eff) // stride + 1 if n >= eff else 0
        if n < eff:
            raise InvalidArgumentError(
                "%s: the %s patch extent (size %d with rate %d spans %d) is larger than the "
                "image's %s (%d) with padding 'VALID'; use padding='SAME' or smaller sizes."
                % (fn, axis, k, rate, eff, axis, n))
        before = 0
    else:
        out = -(-n // stride)
        before = max((out - 1) * stride + eff - n, 0) // 2
    idx = np.arange(out)[:, None] * stride + np.arange(k)[None, :] * rate
    return out, before, idx


def extract_patches(images, sizes, strides, rates, padding, name=None):
    """Patches of (sizes[1], sizes[2]) pixels every (strides[1], strides[2]) pixels, with
    the patch's own pixels ``rates`` apart, flattened into the last axis: the result is
    (batch, out_rows, out_cols, rows * cols * channels).  ``padding`` 'VALID' keeps
    patches inside the image, 'SAME' pads with zeros so out = ceil(size / stride)."""
    fn = "tf.image.extract_patches"
    x = tensor(images)
    check_rank(x, fn, "images", (4,))
    kh, kw = _four(sizes, fn, "sizes")
    sh, sw = _four(strides, fn, "strides")
    rh, rw = _four(rates, fn, "rates")
    pad = str(padding).upper()
    if pad not in ("SAME", "VALID"):
        raise ValueError("%s: padding must be 'SAME' or 'VALID', got %r." % (fn, padding))
    b, h, w, c = x._value.shape
    oh, top, ri = _patch_positions(h, kh, sh, rh, pad, fn, "height")
    ow, left, ci = _patch_positions(w, kw, sw, rw, pad, fn, "width")
    hp = max(h + top, int(ri.max()) + 1 if ri.size else 0)
    wp = max(w + left, int(ci.max()) + 1 if ci.size else 0)
    if (top, left, hp, wp) != (0, 0, h, w):
        x = _A.pad(x, [[0, 0], [top, hp - h - top], [left, wp - w - left], [0, 0]])
    y = _A.gather(x, ri.reshape(-1), axis=1)                  # (b, oh*kh, wp, c)
    y = _A.gather(y, ci.reshape(-1), axis=2)                  # (b, oh*kh, ow*kw, c)
    y = _A.reshape(y, (b, oh, kh, ow, kw, c))
    y = _A.transpose(y, (0, 1, 3, 2, 4, 5))
    return _A.reshape(y, (b, oh, ow, kh * kw * c))


# ---- random crops ----------------------------------------------------------------------------------

def _random_crop(value, size, gen, fn):
    x = tensor(value)
    shape = x._value.shape
    vals = size._value.tolist() if isinstance(size, Tensor) else size
    try:
        size = [int(s) for s in vals]
    except (TypeError, ValueError):
        raise ValueError("%s: size must be a list of integers, one per dimension of value "
                         "(shape %s), got %r." % (fn, tuple(shape), vals)) from None
    if len(size) != len(shape):
        raise InvalidArgumentError("%s: size %s must have one entry per dimension of value "
                                   "(shape %s)." % (fn, size, tuple(shape)))
    if any(s < 0 or s > n for s, n in zip(size, shape)):
        raise InvalidArgumentError("%s: size %s must fit in value's shape %s (need 0 <= "
                                   "size <= shape in every dimension)."
                                   % (fn, size, tuple(shape)))
    offsets = [int(gen.integers(0, n - s + 1)) for s, n in zip(size, shape)]
    return _A.getitem(x, tuple(slice(o, o + s) for o, s in zip(offsets, size)))


def random_crop(value, size, seed=None, name=None):
    """A window of shape ``size`` at a uniformly random position (any rank: give the batch
    and channels sizes too, e.g. ``[batch, 24, 24, 3]``)."""
    return _random_crop(value, size, generator(seed), "tf.image.random_crop")


def stateless_random_crop(value, size, seed, name=None):
    fn = "tf.image.stateless_random_crop"
    return _random_crop(value, size, stateless_generator(seed, fn), fn)
