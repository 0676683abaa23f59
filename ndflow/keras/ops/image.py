"""``keras.ops.image``: resizing, colour spaces, cropping and padding, patches, filters and
geometric transforms of (batch, height, width, channels) images (channels-first with
``data_format='channels_first'``; a single unbatched image works too).

Sampling transforms (``affine_transform``, ``map_coordinates``, ``perspective_transform``)
compute their source coordinates on the host and gather the pixels with ndflow ops, so
they are differentiable with respect to the images (not the transform)."""
import builtins

import numpy as np

from ndflow.ops import math_ops as M
from ndflow.ops import array_ops as A
from ndflow.ops import reduction_ops as R
from ndflow.ops import image_ops as _I
from ndflow.ops._base import wrap as _wrap
from ndflow import nn as _nn
from ndflow.keras.ops._base import (keras_op, tensor, cast, float_tensor, ndarray, is_float,
                                    promote)


def _shape(x):
    return x._value.shape


def _ndim(x):
    return x._value.ndim


def _data_format(data_format):
    if data_format is None:
        from ndflow.keras.backend import image_data_format
        data_format = image_data_format()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError("keras.ops.image: data_format must be 'channels_last' or "
                         "'channels_first', got %r." % (data_format,))
    return data_format


def _batched(images, rank, opname):
    """(tensor as a batch, whether a batch axis was added)."""
    x = tensor(images)
    if _ndim(x) == rank - 1:
        return A.expand_dims(x, 0), True
    if _ndim(x) != rank:
        raise ValueError("keras.ops.image.%s expects a %d-D (batched) or %d-D (single) image "
                         "tensor, got shape %s." % (opname, rank, rank - 1, _shape(x)))
    return x, False


def _to_last(x, cf):
    return A.transpose(x, [0] + list(range(2, _ndim(x))) + [1]) if cf else x


def _to_first(x, cf):
    return A.transpose(x, [0, _ndim(x) - 1] + list(range(1, _ndim(x) - 1))) if cf else x


def _back_to_dtype(out, dtype, rounding=True):
    """Float results back to an integer input's dtype: rounded (or truncated) and clipped
    to its range."""
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        v = np.round(out._value) if rounding else np.trunc(out._value)
        return _wrap(np.clip(v, info.min, info.max).astype(dtype))
    if out._value.dtype != dtype:
        return cast(out, dtype.name)
    return out


# ---- resize ------------------------------------------------------------------------------

@keras_op
def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    x = tensor(images)
    dtype = x._value.dtype
    if fill_mode != "constant":
        raise ValueError("keras.ops.image.resize: fill_mode must be 'constant', got %r."
                         % (fill_mode,))
    if _ndim(x) not in (3, 4):
        raise ValueError("keras.ops.image.resize expects a 3-D or 4-D image tensor, got shape "
                         "%s." % (_shape(x),))
    xf = x if dtype.kind == "f" else cast(x, "float32")
    out = _I.resize_images(xf, size, interpolation=interpolation,
                           data_format=_data_format(data_format), antialias=antialias,
                           crop_to_aspect_ratio=crop_to_aspect_ratio,
                           pad_to_aspect_ratio=pad_to_aspect_ratio, fill_value=fill_value,
                           name="keras.ops.image.resize")
    return _back_to_dtype(out, dtype)


# ---- colour ------------------------------------------------------------------------------

def _channel_axis(x, data_format):
    cf = _data_format(data_format) == "channels_first"
    if cf:
        return _ndim(x) - 3
    return _ndim(x) - 1


@keras_op
def rgb_to_grayscale(images, data_format=None):
    x = tensor(images)
    if _ndim(x) not in (3, 4):
        raise ValueError("keras.ops.image.rgb_to_grayscale expects a 3-D or 4-D tensor, got "
                         "shape %s." % (_shape(x),))
    ax = _channel_axis(x, data_format)
    if _shape(x)[ax] != 3:
        raise ValueError("keras.ops.image.rgb_to_grayscale: expected 3 channels, got shape "
                         "%s." % (_shape(x),))
    dtype = x._value.dtype
    xf = x if dtype.kind == "f" else cast(x, "float32")
    w = np.array([0.2989, 0.5870, 0.1140], dtype=xf._value.dtype)
    shape = [1] * _ndim(x)
    shape[ax] = 3
    out = R.reduce_sum(M.multiply(xf, _wrap(w.reshape(shape))), axis=ax, keepdims=True)
    return _back_to_dtype(out, dtype, rounding=False)


def _float_images(images, opname):
    x = tensor(images)
    if not is_float(x._value.dtype.name):
        raise ValueError("keras.ops.image.%s: images must have a float dtype, got %s."
                         % (opname, x._value.dtype))
    return x


def _split_channels(x, ax):
    return [A.getitem(x, tuple([builtins.slice(None)] * ax + [i])) for i in range(3)]


@keras_op
def rgb_to_hsv(images, data_format=None):
    x = _float_images(images, "rgb_to_hsv")
    ax = _channel_axis(x, data_format)
    r, g, b = _split_channels(x, ax)
    v = M.maximum(M.maximum(r, g), b)
    mn = M.minimum(M.minimum(r, g), b)
    delta = M.subtract(v, mn)
    zero = M.zeros_like(v)
    one = M.ones_like(v)
    pos_v = M.greater(v, 0)
    s = M.where(pos_v, M.divide(delta, M.where(pos_v, v, one)), zero)
    pos_d = M.greater(delta, 0)
    sd = M.where(pos_d, delta, one)
    hr = M.divide(M.subtract(g, b), sd)
    hg = M.add(M.divide(M.subtract(b, r), sd), 2.0)
    hb = M.add(M.divide(M.subtract(r, g), sd), 4.0)
    h = M.where(M.equal(v, r), hr, M.where(M.equal(v, g), hg, hb))
    h = M.where(pos_d, h, zero)
    h = M.multiply(h, 1.0 / 6.0)
    h = M.where(M.less(h, 0), M.add(h, 1.0), h)
    return A.stack([h, s, v], axis=ax)


@keras_op
def hsv_to_rgb(images, data_format=None):
    x = _float_images(images, "hsv_to_rgb")
    ax = _channel_axis(x, data_format)
    h, s, v = _split_channels(x, ax)
    h6 = M.multiply(h, 6.0)
    out = []
    for n in (5.0, 3.0, 1.0):
        k = M.floormod(M.add(h6, n), 6.0)
        f = M.maximum(M.minimum(M.minimum(k, M.subtract(4.0, k)), 1.0), 0.0)
        out.append(M.subtract(v, M.multiply(M.multiply(v, s), f)))
    return A.stack(out, axis=ax)


# ---- crop and pad ------------------------------------------------------------------------

def _resolve(size, a, b, target, what):
    """(before, after) from two of before/after/target."""
    if target is not None:
        target = int(target)
        if a is None and b is None:
            raise ValueError("keras.ops.image: with target_%s, give the top/left %s as well."
                             % (what, "cropping or padding"))
        if a is None:
            a = size - target - int(b)
        if b is None:
            b = size - target - int(a)
        if int(a) + int(b) + target != size:
            raise ValueError("keras.ops.image: the %s amounts %d + %d and target %d do not "
                             "add up to %d." % (what, int(a), int(b), target, size))
    return int(a or 0), int(b or 0)


@keras_op
def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None,
                right_cropping=None, target_height=None, target_width=None, data_format=None):
    x, unbatched = _batched(images, 4, "crop_images")
    cf = _data_format(data_format) == "channels_first"
    h_ax = 2 if cf else 1
    h, w = _shape(x)[h_ax], _shape(x)[h_ax + 1]
    top, bottom = _resolve(h, top_cropping, bottom_cropping, target_height, "height")
    left, right = _resolve(w, left_cropping, right_cropping, target_width, "width")
    if top + bottom >= h or left + right >= w or builtins.min(top, bottom, left, right) < 0:
        raise ValueError("keras.ops.image.crop_images: cropping (%d, %d, %d, %d) does not fit "
                         "an image of %dx%d." % (top, bottom, left, right, h, w))
    key = [builtins.slice(None)] * 4
    key[h_ax] = builtins.slice(top, h - bottom)
    key[h_ax + 1] = builtins.slice(left, w - right)
    out = A.getitem(x, tuple(key))
    return A.squeeze(out, 0) if unbatched else out


@keras_op
def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None,
               right_padding=None, target_height=None, target_width=None, data_format=None):
    x, unbatched = _batched(images, 4, "pad_images")
    cf = _data_format(data_format) == "channels_first"
    h_ax = 2 if cf else 1
    h, w = _shape(x)[h_ax], _shape(x)[h_ax + 1]

    def resolve(size, a, b, target):
        if target is not None:
            target = int(target)
            if a is None and b is None:
                raise ValueError("keras.ops.image.pad_images: with a target size, give the "
                                 "top/left padding as well.")
            if a is None:
                a = target - size - int(b)
            if b is None:
                b = target - size - int(a)
        return int(a or 0), int(b or 0)
    top, bottom = resolve(h, top_padding, bottom_padding, target_height)
    left, right = resolve(w, left_padding, right_padding, target_width)
    if builtins.min(top, bottom, left, right) < 0:
        raise ValueError("keras.ops.image.pad_images: the padding must be non-negative, got "
                         "(%d, %d, %d, %d)." % (top, bottom, left, right))
    pads = [[0, 0]] * 4
    pads[h_ax] = [top, bottom]
    pads[h_ax + 1] = [left, right]
    out = A.pad(x, pads)
    return A.squeeze(out, 0) if unbatched else out


# ---- patches -----------------------------------------------------------------------------

def _same_pads(n, k_eff, s):
    from ndflow.ops.conv_ops import same_pads
    return same_pads(n, k_eff, s)


def _patches(images, size, strides, dilation_rate, padding, data_format, nd, opname):
    x, unbatched = _batched(images, nd + 2, opname)
    cf = _data_format(data_format) == "channels_first"
    x = _to_last(x, cf)
    if isinstance(size, (int, np.integer)):
        size = (int(size),) * nd
    else:
        size = tuple(int(s) for s in size)
    strides = size if strides is None else (
        (int(strides),) * nd if isinstance(strides, (int, np.integer)) else
        tuple(int(s) for s in strides))
    dil = (int(dilation_rate),) * nd if isinstance(dilation_rate, (int, np.integer)) else \
        tuple(int(d) for d in dilation_rate)
    spatial = _shape(x)[1:-1]
    k_eff = [(k - 1) * d + 1 for k, d in zip(size, dil)]
    if str(padding).lower() == "same":
        pads = [_same_pads(n, ke, s) for n, ke, s in zip(spatial, k_eff, strides)]
    elif str(padding).lower() == "valid":
        pads = [(0, 0)] * nd
    else:
        raise ValueError("keras.ops.image.%s: padding must be 'valid' or 'same', got %r."
                         % (opname, padding))
    if any(p != (0, 0) for p in pads):
        x = A.pad(x, [[0, 0]] + [list(p) for p in pads] + [[0, 0]])
    padded = _shape(x)[1:-1]
    outs = [(n - ke) // s + 1 for n, ke, s in zip(padded, k_eff, strides)]
    if builtins.min(outs) < 1:
        raise ValueError("keras.ops.image.%s: patches of %s do not fit in %s." % (
            opname, tuple(k_eff), tuple(padded)))
    # index grids: output position o and patch offset k along each axis
    key = [builtins.slice(None)]
    total = nd * 2
    for i in range(nd):
        pos = np.arange(outs[i]) * strides[i]
        off = np.arange(size[i]) * dil[i]
        shape_o = [1] * total
        shape_o[i] = outs[i]
        shape_k = [1] * total
        shape_k[nd + i] = size[i]
        key.append(pos.reshape(shape_o) + off.reshape(shape_k))
    key.append(builtins.slice(None))
    p = A.getitem(x, tuple(key))     # (batch, out..., k..., channels)
    c = _shape(x)[-1]
    p = A.reshape(p, [_shape(x)[0]] + outs + [int(np.prod(size)) * c])
    p = _to_first(p, cf)
    return A.squeeze(p, 0) if unbatched else p


@keras_op
def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid",
                    data_format=None):
    return _patches(images, size, strides, dilation_rate, padding, data_format, 2,
                    "extract_patches")


@keras_op
def extract_patches_3d(volumes, size, strides=None, dilation_rate=1, padding="valid",
                       data_format=None):
    return _patches(volumes, size, strides, dilation_rate, padding, data_format, 3,
                    "extract_patches_3d")


# ---- filters -----------------------------------------------------------------------------

def _depthwise(x, kernel2d, padding="SAME"):
    """Each channel of channels-last ``x`` convolved with the same 2-D kernel."""
    c = _shape(x)[-1]
    kh, kw = kernel2d.shape
    w = np.broadcast_to(kernel2d[:, :, None, None], (kh, kw, 1, c)).astype(x._value.dtype)
    return _nn.convolution(x, _wrap(np.ascontiguousarray(w)), strides=1, padding=padding)


def _gaussian_1d(size, sigma):
    t = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    g = np.exp(-0.5 * (t / sigma) ** 2)
    return g / g.sum()


@keras_op
def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    x, unbatched = _batched(images, 4, "gaussian_blur")
    cf = _data_format(data_format) == "channels_first"
    dtype = x._value.dtype
    x = _to_last(float_tensor(x) if dtype.kind != "f" else x, cf)
    ks = (int(kernel_size),) * 2 if isinstance(kernel_size, (int, np.integer)) else \
        tuple(int(k) for k in kernel_size)
    sg = (float(sigma),) * 2 if isinstance(sigma, (int, float)) else tuple(float(s) for s in sigma)
    kernel = np.outer(_gaussian_1d(ks[0], sg[0]), _gaussian_1d(ks[1], sg[1]))
    out = _to_first(_depthwise(x, kernel), cf)
    out = _back_to_dtype(out, dtype)
    return A.squeeze(out, 0) if unbatched else out


@keras_op
def sobel_edges(images, data_format=None):
    """Vertical and horizontal Sobel responses, stacked last: (..., channels, 2) = [dy, dx]
    (the image is extended by reflection at its border)."""
    x, unbatched = _batched(images, 4, "sobel_edges")
    cf = _data_format(data_format) == "channels_first"
    x = _to_last(float_tensor(x), cf)
    ky = np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], dtype=np.float64)
    kx = ky.T
    # the border is extended by reflection (the edge pixel is not repeated)
    xp = A.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]], mode="REFLECT")
    dy = _depthwise(xp, ky, padding="VALID")
    dx = _depthwise(xp, kx, padding="VALID")
    out = A.stack([dy, dx], axis=-1)         # (b, h, w, c, 2)
    if cf:
        out = A.transpose(out, [0, 3, 1, 2, 4])
    return A.squeeze(out, 0) if unbatched else out


@keras_op
def ssim(image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03,
         data_format=None):
    """Mean structural similarity of each image pair (a Gaussian window, 'valid' positions,
    averaged over positions and channels): one value per image, or a scalar for a single
    image."""
    x1, x2 = promote(image1, image2, extra=(float,))
    unbatched = _ndim(x1) == 3
    if unbatched:
        x1, x2 = A.expand_dims(x1, 0), A.expand_dims(x2, 0)
    cf = _data_format(data_format) == "channels_first"
    x1, x2 = _to_last(x1, cf), _to_last(x2, cf)
    g = _gaussian_1d(int(filter_size), float(filter_sigma))
    kernel = np.outer(g, g)

    def blur(t):
        return _depthwise(t, kernel, padding="VALID")
    c1 = (float(k1) * float(max_val)) ** 2
    c2 = (float(k2) * float(max_val)) ** 2
    mu1, mu2 = blur(x1), blur(x2)
    mu11, mu22, mu12 = M.square(mu1), M.square(mu2), M.multiply(mu1, mu2)
    s11 = M.subtract(blur(M.square(x1)), mu11)
    s22 = M.subtract(blur(M.square(x2)), mu22)
    s12 = M.subtract(blur(M.multiply(x1, x2)), mu12)
    num = M.multiply(M.add(M.multiply(mu12, 2.0), c1), M.add(M.multiply(s12, 2.0), c2))
    den = M.multiply(M.add(M.add(mu11, mu22), c1), M.add(M.add(s11, s22), c2))
    out = R.reduce_mean(M.divide(num, den), axis=[1, 2, 3])
    return A.reshape(out, []) if unbatched else out


# ---- sampling ----------------------------------------------------------------------------

_FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


def _map_coord(c, n, mode):
    """Continuous source coordinates ``c`` of an axis of size ``n`` folded back into the
    image by ``mode``, then clamped to [0, n - 1] (TensorFlow's projective-transform
    rules); 'constant' leaves them as they are, and out-of-image pixels read the fill
    value."""
    c = np.asarray(c, dtype=np.float64)
    if mode == "constant":
        return c
    if mode not in _FILL_MODES:
        raise ValueError("keras.ops.image: fill_mode must be one of %s, got %r."
                         % (", ".join(_FILL_MODES), mode))
    if n <= 1:
        return np.zeros_like(c)
    if mode == "reflect":          # (d c b a | a b c d | d c b a)
        sz2 = 2 * n
        lc = np.where(c < -sz2, sz2 * (np.trunc(-c / sz2) + 1) + c, c)
        lc = np.where(lc < -n, lc + sz2, -lc - 1)
        hc = c - sz2 * np.trunc(c / sz2)
        hc = np.where(hc >= n, sz2 - hc - 1, hc)
        c = np.where(c < 0, lc, np.where(c > n - 1, hc, c))
    elif mode == "wrap":           # (a b c d | a b c d | a b c d)
        sz = n - 1
        lc = c + n * (np.trunc(-c / sz) + 1)
        hc = c - n * np.trunc(c / sz)
        c = np.where(c < 0, lc, np.where(c > n - 1, hc, c))
    elif mode == "mirror":         # (d c b | a b c d | c b a)
        period = 2 * (n - 1)
        m = np.mod(c, period)
        c = np.where(m > n - 1, period - m, m)
    return np.clip(c, 0, n - 1)


def _round_half_away(c):
    return np.sign(c) * np.floor(np.abs(c) + 0.5)


def _sample(x, rows, cols, order, fill_mode, fill_value):
    """Sample channels-last images ``x`` (b, h, w, c) at float positions rows/cols
    (b, H, W): nearest (order 0) or bilinear (order 1); out-of-image neighbours read
    ``fill_value``."""
    b, h, w, c = _shape(x)
    rows = _map_coord(rows, h, fill_mode)
    cols = _map_coord(cols, w, fill_mode)
    bidx = np.arange(b).reshape(b, 1, 1)
    fill = _wrap(np.asarray(fill_value, dtype=x._value.dtype))

    def read(ri, ci):
        ok = (ri >= 0) & (ri < h) & (ci >= 0) & (ci < w)
        v = A.getitem(x, (bidx, np.clip(ri, 0, h - 1), np.clip(ci, 0, w - 1)))
        return M.where(_wrap(np.broadcast_to(ok[..., None], _shape(v))), v,
                       A.broadcast_to(fill, _shape(v)))

    if order == 0:
        return read(_round_half_away(rows).astype(np.int64),
                    _round_half_away(cols).astype(np.int64))
    r0, c0 = np.floor(rows), np.floor(cols)
    fr, fc = (rows - r0)[..., None], (cols - c0)[..., None]
    r0, c0 = r0.astype(np.int64), c0.astype(np.int64)
    dt = x._value.dtype
    out = None
    for dr, wr in ((0, 1 - fr), (1, fr)):
        for dc, wc in ((0, 1 - fc), (1, fc)):
            term = M.multiply(read(r0 + dr, c0 + dc), _wrap((wr * wc).astype(dt)))
            out = term if out is None else M.add(out, term)
    return out


def _interp_order(interpolation):
    if interpolation == "nearest":
        return 0
    if interpolation == "bilinear":
        return 1
    raise ValueError("keras.ops.image: interpolation must be 'nearest' or 'bilinear', got %r."
                     % (interpolation,))


@keras_op
def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant",
                     fill_value=0, data_format=None):
    """Output pixel (y, x) reads the input at ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)
    with k = c0 x + c1 y + 1, for each image's ``transform = [a0, a1, a2, b0, b1, b2, c0,
    c1]``."""
    x, unbatched = _batched(images, 4, "affine_transform")
    cf = _data_format(data_format) == "channels_first"
    dtype = x._value.dtype
    x = _to_last(x if dtype.kind == "f" else cast(x, "float32"), cf)
    t = np.asarray(ndarray(tensor(transform)), dtype=np.float32)
    if t.ndim == 1:
        t = t[None]
    b, h, w, _ = _shape(x)
    if t.shape[-1] != 8 or t.shape[0] not in (1, b):
        raise ValueError("keras.ops.image.affine_transform: transform must have shape (8,) or "
                         "(batch, 8), got %s." % (t.shape,))
    # source positions in float32, operation by operation as TensorFlow's kernel computes
    # them, so that positions exactly between two pixels round the same way
    t = np.broadcast_to(t, (b, 8)).astype(np.float32)
    yy, xx = np.meshgrid(np.arange(h, dtype=np.float32), np.arange(w, dtype=np.float32),
                         indexing="ij")
    a = t[:, :, None, None]
    k = a[:, 6] * xx + a[:, 7] * yy + np.float32(1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        src_x = ((a[:, 0] * xx + a[:, 1] * yy + a[:, 2]) / k).astype(np.float64)
        src_y = ((a[:, 3] * xx + a[:, 4] * yy + a[:, 5]) / k).astype(np.float64)
    out = _sample(x, src_y, src_x, _interp_order(interpolation), fill_mode, fill_value)
    out = _back_to_dtype(_to_first(out, cf), dtype, rounding=False)
    return A.squeeze(out, 0) if unbatched else out


@keras_op
def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    """Values of ``inputs`` at the (fractional) points ``coordinates`` (one array of
    positions per input axis): nearest (order 0) or linear (order 1) interpolation."""
    x = tensor(inputs)
    coords = [np.asarray(ndarray(tensor(c)), dtype=np.float64) for c in coordinates]
    if len(coords) != _ndim(x):
        raise ValueError("keras.ops.image.map_coordinates: expected %d coordinate arrays (one "
                         "per input axis), got %d." % (_ndim(x), len(coords)))
    order = int(order)
    if order not in (0, 1):
        raise ValueError("keras.ops.image.map_coordinates: order must be 0 or 1, got %d."
                         % order)
    shape = _shape(x)
    if fill_mode not in _FILL_MODES:
        raise ValueError("keras.ops.image.map_coordinates: fill_mode must be one of %s, got "
                         "%r." % (", ".join(_FILL_MODES), fill_mode))
    src = x if x._value.dtype.kind == "f" or order == 0 else cast(x, "float32")
    fill = _wrap(np.asarray(fill_value, dtype=src._value.dtype))

    def read(idx):
        # the fill mode folds the integer sample positions back into the input
        ok = np.ones(np.broadcast_shapes(*[i.shape for i in idx]), dtype=bool)
        folded = []
        for i, n in zip(idx, shape):
            if fill_mode == "constant":
                ok &= (i >= 0) & (i < n)
            folded.append(np.clip(_fold_index(i, n, fill_mode), 0, n - 1))
        v = A.getitem(src, tuple(folded))
        if fill_mode != "constant":
            return v
        return M.where(_wrap(ok), v, A.broadcast_to(fill, _shape(v)))

    if order == 0:
        return read([np.round(c).astype(np.int64) for c in coords])
    lo = [np.floor(c) for c in coords]
    frac = [c - f for c, f in zip(coords, lo)]
    lo = [f.astype(np.int64) for f in lo]
    out = None
    for corner in range(2 ** len(coords)):
        idx, weight = [], 1.0
        for d in range(len(coords)):
            bit = (corner >> d) & 1
            idx.append(lo[d] + bit)
            weight = weight * (frac[d] if bit else 1 - frac[d])
        term = M.multiply(read(idx), _wrap(np.asarray(weight, dtype=src._value.dtype)))
        out = term if out is None else M.add(out, term)
    return _back_to_dtype(out, x._value.dtype)


def _fold_index(i, n, mode):
    """Integer positions ``i`` mapped into an axis of size ``n`` (SciPy's ndimage modes)."""
    if mode in ("constant", "nearest"):
        return i
    if n == 1:
        return np.zeros_like(i)
    if mode == "wrap":
        return np.mod(i, n)
    if mode == "mirror":
        s = n - 1
        return np.abs(np.mod(i + s, 2 * s) - s)
    # reflect: (d c b a | a b c d | d c b a)
    m = np.mod(i, 2 * n)
    return np.where(m >= n, 2 * n - 1 - m, m)


def _homography(start, end):
    """The 8 coefficients mapping ``end`` points to ``start`` points (4 pairs each)."""
    rows, rhs = [], []
    for (sx, sy), (ex, ey) in zip(start, end):
        rows.append([ex, ey, 1, 0, 0, 0, -sx * ex, -sx * ey])
        rhs.append(sx)
        rows.append([0, 0, 0, ex, ey, 1, -sy * ex, -sy * ey])
        rhs.append(sy)
    return np.linalg.solve(np.asarray(rows, dtype=np.float64), np.asarray(rhs, np.float64))


@keras_op
def perspective_transform(images, start_points, end_points, interpolation="bilinear",
                          fill_value=0, data_format=None):
    """Warp so that the four ``start_points`` (x, y) land on the ``end_points``."""
    s = np.asarray(ndarray(tensor(start_points)), dtype=np.float64)
    e = np.asarray(ndarray(tensor(end_points)), dtype=np.float64)
    if s.ndim == 2:
        s, e = s[None], e[None]
    if s.shape[-2:] != (4, 2) or e.shape != s.shape:
        raise ValueError("keras.ops.image.perspective_transform: start_points and end_points "
                         "must have shape (4, 2) or (batch, 4, 2), got %s and %s."
                         % (s.shape, e.shape))
    t = np.stack([_homography(si, ei) for si, ei in zip(s, e)])
    return affine_transform(images, t.astype(np.float32), interpolation=interpolation,
                            fill_mode="constant", fill_value=fill_value,
                            data_format=data_format)

