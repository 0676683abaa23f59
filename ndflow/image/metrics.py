"""Image measures: total variation, finite-difference and Sobel gradients, PSNR, SSIM and
multi-scale SSIM.  All written with ndflow ops (differentiable)."""
import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.ops import array_ops as _A
from ndflow.ops import math_ops as _M
from ndflow.ops import reduction_ops as _R
from ndflow.nn.conv import depthwise_conv2d as _depthwise_conv2d, avg_pool2d as _avg_pool2d
from ndflow.image._util import tensor, check_rank, check_min_rank, InvalidArgumentError
from ndflow.image.color import convert_image_dtype

__all__ = ["total_variation", "image_gradients", "sobel_edges", "psnr", "ssim",
           "ssim_multiscale"]


def _check_numeric(x, fn, signed=False):
    d = x.dtype
    if not (d.is_floating or d.is_integer):
        raise TypeError("%s: images must be numbers, got dtype %s." % (fn, d.name))
    if signed and d.is_unsigned:
        raise TypeError("%s: %s images would wrap around when subtracted; cast them first, "
                        "e.g. tf.cast(images, tf.float32)." % (fn, d.name))


def total_variation(images, name=None):
    """The sum of absolute differences between neighbouring pixels (down and right), over
    height, width and channels: a scalar for one image, one value per image for a
    batch."""
    fn = "tf.image.total_variation"
    x = tensor(images)
    check_rank(x, fn, "images")
    _check_numeric(x, fn, signed=True)
    dy = _M.subtract(_A.getitem(x, (Ellipsis, slice(1, None), slice(None), slice(None))),
                     _A.getitem(x, (Ellipsis, slice(None, -1), slice(None), slice(None))))
    dx = _M.subtract(_A.getitem(x, (Ellipsis, slice(1, None), slice(None))),
                     _A.getitem(x, (Ellipsis, slice(None, -1), slice(None))))
    axes = (-3, -2, -1)
    return _M.add(_R.reduce_sum(_M.abs(dy), axis=axes), _R.reduce_sum(_M.abs(dx), axis=axes))


def image_gradients(image):
    """(dy, dx): the forward differences ``image[i + 1] - image[i]`` down the height and
    across the width of a (batch, height, width, channels) tensor, zero in the last row /
    column."""
    fn = "tf.image.image_gradients"
    x = tensor(image)
    check_rank(x, fn, "image", (4,))
    _check_numeric(x, fn)
    dy = _M.subtract(_A.getitem(x, (slice(None), slice(1, None))),
                     _A.getitem(x, (slice(None), slice(None, -1))))
    dx = _M.subtract(_A.getitem(x, (slice(None), slice(None), slice(1, None))),
                     _A.getitem(x, (slice(None), slice(None), slice(None, -1))))
    dy = _A.pad(dy, [[0, 0], [0, 1], [0, 0], [0, 0]])
    dx = _A.pad(dx, [[0, 0], [0, 0], [0, 1], [0, 0]])
    return dy, dx


def sobel_edges(image):
    """The 3x3 Sobel responses of a float (batch, height, width, channels) tensor, with
    the borders reflected: shape (batch, height, width, channels, 2), [..., 0] the
    vertical derivative (dy), [..., 1] the horizontal one (dx)."""
    fn = "tf.image.sobel_edges"
    x = tensor(image)
    check_rank(x, fn, "image", (4,))
    if not x.dtype.is_floating:
        raise TypeError("%s: image must be float, got %s; convert it first with "
                        "tf.image.convert_image_dtype(image, tf.float32)." % (fn, x.dtype.name))
    h, w = x._value.shape[1:3]
    if h < 2 or w < 2:
        raise InvalidArgumentError("%s: the image must be at least 2x2 to reflect its "
                                   "borders, got %dx%d." % (fn, h, w))
    p = _A.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]], mode="REFLECT")

    def shifted(i, j):
        return _A.getitem(p, (slice(None), slice(i, i + h), slice(j, j + w)))

    smooth = (1.0, 2.0, 1.0)
    dy = dx = None
    for t, wt in enumerate(smooth):
        # rows below minus rows above (dy), columns right minus columns left (dx)
        ty = _M.multiply(_M.subtract(shifted(2, t), shifted(0, t)), wt)
        tx = _M.multiply(_M.subtract(shifted(t, 2), shifted(t, 0)), wt)
        dy = ty if dy is None else _M.add(dy, ty)
        dx = tx if dx is None else _M.add(dx, tx)
    return _A.stack([dy, dx], axis=-1)


# ---- PSNR / SSIM ----------------------------------------------------------------------------------

def _prepare_pair(a, b, max_val, fn):
    """Both images and ``max_val`` as float32 on the [0, 1] scale of ``a``'s dtype."""
    a, b = tensor(a), tensor(b)
    check_min_rank(a, fn, 3, "img1" if fn.endswith("ssim") else "a")
    check_min_rank(b, fn, 3, "img2" if fn.endswith("ssim") else "b")
    if a._value.shape != b._value.shape:
        raise InvalidArgumentError("%s: the two images must have the same shape, got %s and "
                                   "%s." % (fn, tuple(a._value.shape), tuple(b._value.shape)))
    for t in (a, b):
        _check_numeric(t, fn)
    if a.dtype.is_integer != b.dtype.is_integer or (a.dtype.is_integer and a.dtype != b.dtype):
        raise TypeError("%s: the two images must have the same kind of dtype, got %s and %s."
                        % (fn, a.dtype.name, b.dtype.name))
    mv = np.asarray(max_val._value if hasattr(max_val, "_value") else max_val)
    if a.dtype.is_integer:
        mv = np.float32(float(mv) / float(a.dtype.max))
    mv = np.float32(mv)
    return (convert_image_dtype(a, _dt.float32), convert_image_dtype(b, _dt.float32), mv)


def psnr(a, b, max_val, name=None):
    """Peak signal-to-noise ratio in dB between two images (or batches):
    ``10 log10(max_val**2 / mse)`` with the mean squared error over the last three
    axes (height, width, channels); float32."""
    fn = "tf.image.psnr"
    a, b, mv = _prepare_pair(a, b, max_val, fn)
    mse = _R.reduce_mean(_M.squared_difference(a, b), axis=(-3, -2, -1))
    with np.errstate(divide="ignore"):     # identical images: mse 0, PSNR +inf
        log_mse = _M.log(mse)
    return _M.subtract(np.float32(20.0 * np.log(mv) / np.log(10.0)),
                       _M.multiply(log_mse, np.float32(10.0 / np.log(10.0))))


def _gauss_1d(size, sigma):
    coords = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    g = np.exp(-coords ** 2 / (2.0 * sigma ** 2))
    return g / g.sum()


def _blur(x, g, c):
    """Separable Gaussian filtering (VALID) of a (batch, height, width, channels) tensor."""
    k = len(g)
    gy = np.tile(g.astype(np.float32).reshape(k, 1, 1, 1), (1, 1, c, 1))
    gx = np.tile(g.astype(np.float32).reshape(1, k, 1, 1), (1, 1, c, 1))
    y = _depthwise_conv2d(x, _A.constant(gy), [1, 1, 1, 1], "VALID")
    return _depthwise_conv2d(y, _A.constant(gx), [1, 1, 1, 1], "VALID")


def _ssim_maps(x, y, mv, filter_size, filter_sigma, k1, k2, fn):
    """(luminance * contrast-structure map, contrast-structure map) of two float32
    (batch, height, width, channels) images."""
    h, w, c = x._value.shape[1:]
    if h < filter_size or w < filter_size:
        raise InvalidArgumentError(
            "%s: the images (height %d, width %d) must be at least filter_size=%d in both "
            "dimensions; pass a smaller filter_size." % (fn, h, w, filter_size))
    g = _gauss_1d(filter_size, filter_sigma)
    c1 = np.float32((k1 * mv) ** 2)
    c2 = np.float32((k2 * mv) ** 2)
    mu_x, mu_y = _blur(x, g, c), _blur(y, g, c)
    mu_xy = _M.multiply(mu_x, mu_y)
    mu_sq = _M.add(_M.square(mu_x), _M.square(mu_y))
    luminance = _M.divide(_M.add(_M.multiply(mu_xy, 2.0), c1), _M.add(mu_sq, c1))
    cov2 = _M.multiply(_M.subtract(_blur(_M.multiply(x, y), g, c), mu_xy), 2.0)
    var_sum = _M.subtract(_blur(_M.add(_M.square(x), _M.square(y)), g, c), mu_sq)
    cs = _M.divide(_M.add(cov2, c2), _M.add(var_sum, c2))
    return _M.multiply(luminance, cs), cs


def _flatten_batch(x):
    lead = x._value.shape[:-3]
    return _A.reshape(x, (-1,) + tuple(x._value.shape[-3:])), lead


def ssim(img1, img2, max_val, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03,
         return_index_map=False):
    """Structural similarity between two images (or batches), in [-1, 1]; a Gaussian
    window of ``filter_size`` pixels and standard deviation ``filter_sigma`` (VALID, so
    the images must be at least ``filter_size`` wide and high), averaged over the window
    positions and the channels.  ``return_index_map=True`` returns the per-position map
    (averaged over channels) instead.  float32."""
    fn = "tf.image.ssim"
    x, y, mv = _prepare_pair(img1, img2, max_val, fn)
    x, lead = _flatten_batch(x)
    y, _ = _flatten_batch(y)
    m, _ = _ssim_maps(x, y, mv, int(filter_size), float(filter_sigma), float(k1),
                      float(k2), fn)
    if return_index_map:
        out = _R.reduce_mean(m, axis=-1)
        return _A.reshape(out, tuple(lead) + tuple(out._value.shape[1:]))
    out = _R.reduce_mean(m, axis=(1, 2, 3))
    return _A.reshape(out, tuple(lead))


_MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


def ssim_multiscale(img1, img2, max_val, power_factors=_MS_SSIM_WEIGHTS, filter_size=11,
                    filter_sigma=1.5, k1=0.01, k2=0.03):
    """Multi-scale SSIM: the contrast-structure terms of ``len(power_factors)`` scales
    (each half the size of the one before, by 2x2 averaging) and the full SSIM of the
    coarsest, combined as a weighted geometric mean with ``power_factors``.  float32."""
    fn = "tf.image.ssim_multiscale"
    x, y, mv = _prepare_pair(img1, img2, max_val, fn)
    x, lead = _flatten_batch(x)
    y, _ = _flatten_batch(y)
    weights = [float(p) for p in power_factors]
    per_scale = []
    for i, _w in enumerate(weights):
        if i:
            x, y = _halve(x), _halve(y)
        m, cs = _ssim_maps(x, y, mv, int(filter_size), float(filter_sigma), float(k1),
                           float(k2), fn)
        last = i == len(weights) - 1
        per_scale.append(_R.reduce_mean(m if last else cs, axis=(1, 2)))   # (batch, channels)
    out = None
    for v, wt in zip(per_scale, weights):
        term = _M.pow(_M.maximum(v, np.float32(0.0)), np.float32(wt))
        out = term if out is None else _M.multiply(out, term)
    out = _R.reduce_mean(out, axis=-1)
    return _A.reshape(out, tuple(lead))


def _halve(x):
    """2x2 average pooling; an odd height / width first repeats its last row / column."""
    h, w = x._value.shape[1:3]
    if h % 2 or w % 2:
        x = _A.pad(x, [[0, 0], [0, h % 2], [0, w % 2], [0, 0]], mode="SYMMETRIC")
    return _avg_pool2d(x, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
