"""Max and average pooling (1-D, 2-D, 3-D) and their gradients, channels-last.

A pooling window has few elements (4 for 2x2), so the kernels loop over the offsets inside
the window and combine whole strided slices of the input with one NumPy call each
(``np.maximum`` / ``+=``): no window copy is ever made.  The gradient ops are primitives too
(with their own gradients), so second derivatives through pooling work.
"""
import numpy as np

from ndflow.ops._base import Op, execute, convert, InvalidArgumentError
from ndflow.core.engine import is_recording
from ndflow.ops.conv_ops import conv_config, parallel_batches, _tuple

__all__ = ["max_pool", "avg_pool", "pool_config"]


def pool_config(in_spatial, ksize, strides, padding, dilations=1, opname="pool"):
    n = len(in_spatial)
    ksize = _tuple(ksize, n, "ksize", opname)
    if strides is None:
        strides = ksize
    if any(k < 1 for k in ksize):
        raise InvalidArgumentError("%s: pool size must be >= 1, got %s." % (opname, ksize))
    if isinstance(padding, str) and padding.upper() not in ("SAME", "VALID"):
        raise InvalidArgumentError("%s: padding must be 'SAME' or 'VALID', got %r."
                                   % (opname, padding))
    return conv_config(in_spatial, ksize, strides, padding, dilations, 1, opname)


def _offsets(cfg):
    """For every position in the window, the slices of the padded input that it reads."""
    out = []
    for off in np.ndindex(*cfg.kernel):
        out.append((slice(None),) + tuple(
            slice(o * d, o * d + s * (n - 1) + 1, s) for o, d, s, n in
            zip(off, cfg.dilations, cfg.strides, cfg.out_spatial)) + (slice(None),))
    return out


def _pad(x, cfg, value):
    if not any(lo or hi for lo, hi in cfg.pads):
        return x
    xp = np.full((x.shape[0],) + cfg.padded + (x.shape[-1],), value, dtype=x.dtype)
    xp[_inner(cfg)] = x
    return xp


def _inner(cfg):
    return (slice(None),) + tuple(slice(lo, lo + n) for n, (lo, _) in
                                  zip(cfg.in_spatial, cfg.pads)) + (slice(None),)


def _crop(xp, cfg):
    return xp[_inner(cfg)] if any(lo or hi for lo, hi in cfg.pads) else xp


def _scatter(parts, cfg, x_shape, dtype):
    """Sum per-offset arrays (shaped like the output) back into an input-shaped array."""
    dxp = np.zeros((x_shape[0],) + cfg.padded + (x_shape[-1],), dtype)
    for sl, part in zip(_offsets(cfg), parts):
        if part is not None:
            dxp[sl] += part
    return _crop(dxp, cfg)


# ---- max pooling ------------------------------------------------------------------------------
#
# Forward and gradient run over cache-sized slices of the batch (``parallel_batches``), so
# the passes each one makes over its slice (one per window offset) read cached data.  When
# a tape is recording, the forward pass also notes, per output, which window offset holds
# the maximum (one small integer per output, found with one comparison per offset while
# the slice is in the cache): the gradient then needs no pass over the input.

def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _argmax_dtype(offsets):
    return np.min_scalar_type(len(offsets) - 1)


def _window_max(xs, ys, offsets, argmax=None):
    """``ys`` = the maximum of each window of ``xs`` (padded input, one slice of the
    batch); ``argmax`` (optional, output-shaped): the index in ``offsets`` of each window's
    first maximum (on ties the first offset wins, as in TensorFlow)."""
    np.copyto(ys, xs[offsets[0]])
    if argmax is None:
        for sl in offsets[1:]:
            np.maximum(ys, xs[sl], out=ys)
        return
    argmax.fill(0)
    above = np.empty(ys.shape, bool)
    before = np.empty_like(ys)
    for k, sl in enumerate(offsets[1:], 1):
        # where the running maximum changed, offset k holds a strictly greater value (a
        # tie keeps the earlier maximum).  Comparing the contiguous maxima before and
        # after costs a copy and a compare of contiguous arrays instead of a second pass
        # over the strided window slice, whose 32-float rows make NumPy's loops ~4x
        # slower per element.
        np.copyto(before, ys)
        np.maximum(ys, xs[sl], out=ys)
        np.not_equal(ys, before, out=above)
        # argmax < k everywhere, so this sets argmax = k exactly where ``above``
        np.maximum(argmax, np.multiply(above, k, dtype=argmax.dtype), out=argmax)


def _disjoint(cfg):
    return all(d == 1 and s >= k for k, s, d in zip(cfg.kernel, cfg.strides, cfg.dilations))


def _tiles(cfg):
    """Whether the windows cover the padded input exactly, each element once."""
    return _disjoint(cfg) and all(s == k and p == o * s for k, s, p, o in zip(
        cfg.kernel, cfg.strides, cfg.padded, cfg.out_spatial))


class MaxPool(Op):
    def __init__(self, cfg):
        self.cfg = cfg
        self.argmax = None

    def forward(self, x):
        xp = _pad(x, self.cfg, _lowest(x.dtype))
        y = np.empty((x.shape[0],) + self.cfg.out_spatial + (x.shape[-1],), x.dtype)
        offsets = _offsets(self.cfg)
        argmax = np.empty(y.shape, _argmax_dtype(offsets)) if is_recording() else None

        def run(b0, b1):
            _window_max(xp[b0:b1], y[b0:b1], offsets,
                        None if argmax is None else argmax[b0:b1])
        parallel_batches(run, x.shape[0], xp[:1].nbytes)
        self.argmax = argmax
        return y

    def backward(self, dy):
        x = self.inputs[0]._value
        if self.argmax is None:   # the forward ran while no tape was recording
            offsets = _offsets(self.cfg)
            y = self.outputs._value
            self.argmax = np.empty(y.shape, _argmax_dtype(offsets))
            _window_max(_pad(x, self.cfg, _lowest(x.dtype)), np.empty_like(y), offsets,
                        self.argmax)
        return (execute(MaxPoolGrad(self.cfg, self.argmax, x.shape), (dy,)),)


class MaxPoolGrad(Op):
    """dx: each output gradient goes to the input element that was the window's max
    (``argmax``: its window offset, as MaxPool found it)."""

    def __init__(self, cfg, argmax, x_shape):
        self.cfg = cfg
        self.argmax = argmax
        self.x_shape = x_shape

    def forward(self, dy):
        cfg, argmax = self.cfg, self.argmax
        dxp = np.empty((self.x_shape[0],) + cfg.padded + (self.x_shape[-1],), dy.dtype)
        offsets = _offsets(cfg)
        disjoint, tiles = _disjoint(cfg), _tiles(cfg)

        def run(b0, b1):
            d, dst, a = dy[b0:b1], dxp[b0:b1], argmax[b0:b1]
            hit = np.empty(a.shape, bool)
            if not tiles:   # when they tile, the slices below write every element
                dst.fill(0)
            for k, sl in enumerate(offsets):
                np.equal(a, k, out=hit)
                if disjoint:   # windows don't overlap: write each slice once
                    np.multiply(d, hit, out=dst[sl])
                else:
                    dst[sl] += d * hit
        parallel_batches(run, dy.shape[0], dxp[:1].nbytes)
        return _crop(dxp, cfg)

    def backward(self, g):
        return (execute(MaxPoolGradGrad(self.cfg, self.argmax), (g,)),)


class MaxPoolGradGrad(Op):
    """Adjoint of MaxPoolGrad: pick each window's argmax element of ``g``."""

    def __init__(self, cfg, argmax):
        self.cfg = cfg
        self.argmax = argmax

    def forward(self, g):
        gp = _pad(g, self.cfg, 0)
        out = np.zeros(self.argmax.shape, g.dtype)
        for k, sl in enumerate(_offsets(self.cfg)):
            out += gp[sl] * (self.argmax == k)
        return out

    def backward(self, dy):
        return (execute(MaxPoolGrad(self.cfg, self.argmax, self.inputs[0]._value.shape),
                        (dy,)),)


# ---- average pooling -------------------------------------------------------------------------

def _counts(cfg, dtype):
    """How many real (not padding) elements each window holds, shaped (1, *out, 1)."""
    if not any(lo or hi for lo, hi in cfg.pads):
        return np.asarray(np.prod(cfg.kernel), dtype)
    ones = np.zeros((1,) + cfg.padded + (1,), dtype)
    ones[_inner(cfg)] = 1
    cnt = None
    for sl in _offsets(cfg):
        cnt = ones[sl].copy() if cnt is None else cnt + ones[sl]
    return cnt


class AvgPool(Op):
    def __init__(self, cfg):
        self.cfg = cfg

    def forward(self, x):
        xp = _pad(x, self.cfg, 0)
        s = None
        for sl in _offsets(self.cfg):
            s = xp[sl].copy() if s is None else np.add(s, xp[sl], out=s)
        s /= _counts(self.cfg, x.dtype)
        return s

    def backward(self, dy):
        return (execute(AvgPoolGrad(self.cfg, self.inputs[0]._value.shape), (dy,)),)


class AvgPoolGrad(Op):
    def __init__(self, cfg, x_shape):
        self.cfg = cfg
        self.x_shape = x_shape

    def forward(self, dy):
        share = dy / _counts(self.cfg, dy.dtype)
        return _scatter([share] * len(_offsets(self.cfg)), self.cfg, self.x_shape, dy.dtype)

    def backward(self, g):
        return (execute(AvgPool(self.cfg), (g,)),)


# ---- entry points (channels-last) -------------------------------------------------------------

def _prep(x, nd, opname):
    x = convert(x)
    if nd is None:
        nd = x._value.ndim - 2
    if x._value.ndim != nd + 2 or nd < 1:
        raise InvalidArgumentError(
            "%s: a %d-D pooling needs a rank-%d input (batch, spatial..., channels), got "
            "shape %s." % (opname, nd, nd + 2, tuple(x._value.shape)))
    return x, nd


def max_pool(x, ksize, strides=None, padding="VALID", dilations=1, nd=None,
             opname="max_pool"):
    x, nd = _prep(x, nd, opname)
    cfg = pool_config(x._value.shape[1:-1], ksize, strides, padding, dilations, opname)
    return execute(MaxPool(cfg), (x,))


def avg_pool(x, ksize, strides=None, padding="VALID", dilations=1, nd=None,
             opname="avg_pool"):
    x, nd = _prep(x, nd, opname)
    if x._value.dtype.kind not in "fc":
        raise InvalidArgumentError("%s: expected a floating-point input, got %s; cast it "
                                   "first." % (opname, x.dtype.name))
    cfg = pool_config(x._value.shape[1:-1], ksize, strides, padding, dilations, opname)
    return execute(AvgPool(cfg), (x,))
