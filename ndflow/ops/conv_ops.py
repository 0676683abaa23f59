"""Convolution primitives (1-D, 2-D and 3-D) and their gradients.

Everything here works on channels-last arrays: inputs ``(batch, *spatial, channels)``,
kernels ``(*kernel_spatial, in_channels // groups, out_channels)``.  The ``tf.nn`` and Keras
wrappers transpose channels-first data around these ops.

Formulation (chosen by measurement, see benchmarks/bench_cnn.py and RESULTS.md):

* forward: im2col.  A strided view of the padded input holds every window; it is copied
  into the ``(rows, kernel_size * in_channels)`` matrix and one GEMM with the kernel gives
  the output.  The bias rides in the same GEMM (a column of ones in the matrix) and the
  relu follows on the still cache-resident result;
* filter gradient: a GEMM of the same im2col matrix (kept from the forward pass) with the
  output gradient, computed transposed (``dy.T @ cols``, the faster orientation);
* input gradient: one GEMM per kernel offset, added into a strided slice of the input
  gradient (faster than one big GEMM and a column scatter);
* depthwise convolution (one input channel per group): an elementwise multiply-add per
  kernel offset, about 10x faster than grouped GEMMs with a tiny inner dimension.

The kernels (except grouped/depthwise ones) run over slices of the batch
(``parallel_batches``): each slice's arrays are about the size of a core's L2 cache, so
the copies, bias and relu run on cached data, and the slices are shared among a few
threads (NumPy and the BLAS release the GIL), which is how TensorFlow uses the cores too.

The three ops below are the three faces of the same bilinear map, so each one's gradient
is written with the other two (which also gives higher-order gradients):

* ``Conv(x, w)``                 y  = conv(x, w)
* ``ConvBackpropInput(dy, w)``   dx = conv^T(dy, w)   (this is also the transposed conv)
* ``ConvBackpropFilter(x, dy)``  dw

``ConvBackpropFilter`` reuses the im2col matrix that the forward pass built.
"""

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ndflow.backend.threads import kernel_threads, set_kernel_threads
from ndflow.ops._parallel import run_slices
from ndflow.core.engine import is_recording
from ndflow.ops._base import Op, execute, convert, wrap, InvalidArgumentError

__all__ = ["ConvConfig", "conv", "conv_transpose", "conv_config", "parallel_batches",
           "run_slices", "set_kernel_threads", "kernel_threads"]


# ---- running a kernel over slices of the batch, on a few threads -------------------------------

# Bytes of the largest per-slice array: about one core's L2 cache.  Measured on the small
# CNN (benchmarks/bench_cnn.py): slices of 4-16 images beat whole-batch kernels by 10-20 %
# on one thread, because the bias/relu/col2im passes then read cached data.
_CHUNK_BYTES = 1 << 20
def batch_slices(batch, example_bytes):
    """Consecutive (start, stop) slices of ``range(batch)``, each holding at most about
    ``_CHUNK_BYTES`` of an array that takes ``example_bytes`` per example.

    Their number is rounded up to a multiple of 4 and their sizes differ by at most one
    example, so that 2 or 4 threads get equal shares: with 11 slices of 12 examples and
    a 7-example remainder (the small CNN's first layer), one of two threads did 6 slices
    while the other waited for it.  The slices depend on the shapes alone."""
    per = max(1, _CHUNK_BYTES // max(int(example_bytes), 1))
    n = -(-batch // per)
    if n > 1:
        n = min(batch, -(-n // 4) * 4)
    return [(i * batch // n, (i + 1) * batch // n) for i in range(n)]


def parallel_batches(fn, batch, example_bytes):
    """Call ``fn(start, stop)`` for every slice of ``batch_slices(batch, example_bytes)``.

    ``fn`` must touch only its own slice of the outputs.  The slices depend on the shapes
    alone, not on the thread count, so results are the same with any number of threads.
    The calling thread and up to ``kernel_threads() - 1`` pool threads take slices in turn
    until none is left."""
    run_slices(fn, batch_slices(batch, example_bytes))


# ---- geometry ------------------------------------------------------------------------------

def _tuple(value, n, what, opname):
    if isinstance(value, (int, np.integer)):
        return (int(value),) * n
    value = tuple(int(v) for v in value)
    if len(value) == 1:
        return value * n
    if len(value) != n:
        raise InvalidArgumentError("%s: %s must be an int or a list of %d ints, got %r."
                                   % (opname, what, n, value))
    return value


def same_pads(in_size, k_eff, stride):
    """TensorFlow's 'SAME' padding: (before, after) so that out = ceil(in / stride)."""
    out = -(-in_size // stride)
    total = max((out - 1) * stride + k_eff - in_size, 0)
    return total // 2, total - total // 2


class ConvConfig:
    """Geometry shared by the three convolution ops.

    ``in_spatial`` is the spatial shape of the convolution's input (for a transposed
    convolution: of its output); ``pads`` holds (before, after) per spatial dimension.
    """

    __slots__ = ("in_spatial", "kernel", "strides", "dilations", "pads", "groups",
                 "out_spatial", "padded")

    def __init__(self, in_spatial, kernel, strides, dilations, pads, groups=1):
        self.in_spatial = tuple(in_spatial)
        self.kernel = tuple(kernel)
        self.strides = tuple(strides)
        self.dilations = tuple(dilations)
        self.pads = tuple(tuple(p) for p in pads)
        self.groups = int(groups)
        self.padded = tuple(n + lo + hi for n, (lo, hi) in zip(self.in_spatial, self.pads))
        self.out_spatial = tuple(
            (p - (k - 1) * d - 1) // s + 1
            for p, k, d, s in zip(self.padded, self.kernel, self.dilations, self.strides))

    def check(self, opname):
        if any(o <= 0 for o in self.out_spatial):
            raise InvalidArgumentError(
                "%s: the (dilated) kernel %s does not fit in the padded input %s, which "
                "would give the empty output %s. Use padding='same', a smaller kernel or "
                "stride, or a larger input." % (
                    opname, tuple((k - 1) * d + 1 for k, d in zip(self.kernel, self.dilations)),
                    self.padded, self.out_spatial))


def conv_config(in_spatial, kernel, strides=1, padding="VALID", dilations=1, groups=1,
                opname="conv"):
    """Build a ConvConfig from TensorFlow-style arguments (padding 'SAME'/'VALID'/pairs)."""
    n = len(in_spatial)
    strides = _tuple(strides, n, "strides", opname)
    dilations = _tuple(dilations, n, "dilations", opname)
    if any(s < 1 for s in strides) or any(d < 1 for d in dilations):
        raise InvalidArgumentError("%s: strides and dilations must be >= 1, got %s and %s."
                                   % (opname, strides, dilations))
    k_eff = [(k - 1) * d + 1 for k, d in zip(kernel, dilations)]
    if isinstance(padding, str):
        p = padding.upper()
        if p == "SAME":
            pads = [same_pads(n_, ke, s) for n_, ke, s in zip(in_spatial, k_eff, strides)]
        elif p == "VALID":
            pads = [(0, 0)] * n
        else:
            raise InvalidArgumentError("%s: padding must be 'SAME', 'VALID' or explicit "
                                       "(before, after) pairs, got %r." % (opname, padding))
    else:
        pads = [tuple(int(v) for v in p) for p in padding]
        if len(pads) != n or any(len(p) != 2 or min(p) < 0 for p in pads):
            raise InvalidArgumentError("%s: explicit padding must be %d non-negative "
                                       "(before, after) pairs, got %r." % (opname, n, padding))
    cfg = ConvConfig(in_spatial, kernel, strides, dilations, pads, groups)
    cfg.check(opname)
    return cfg



# ---- kernels -------------------------------------------------------------------------------

def _pad(x, pads):
    if not any(lo or hi for lo, hi in pads):
        return x
    shape = (x.shape[0],) + tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[1:-1], pads)) \
        + (x.shape[-1],)
    out = np.zeros(shape, x.dtype)
    out[(slice(None),) + tuple(slice(lo, lo + n) for n, (lo, _) in
                               zip(x.shape[1:-1], pads))] = x
    return out


def _windows(xp, cfg):
    """Read-only view (batch, *out, *kernel, channels) of every window of padded ``xp``."""
    st = xp.strides
    nd = len(cfg.kernel)
    shape = (xp.shape[0],) + cfg.out_spatial + cfg.kernel + (xp.shape[-1],)
    strides = (st[0],) + tuple(st[1 + i] * cfg.strides[i] for i in range(nd)) + \
        tuple(st[1 + i] * cfg.dilations[i] for i in range(nd)) + (st[-1],)
    return as_strided(xp, shape, strides, writeable=False)


def _offset_slices(cfg):
    """For each kernel offset, the slices of the padded input that it reads."""
    out = []
    for off in np.ndindex(*cfg.kernel):
        out.append((slice(None),) + tuple(
            slice(o * d, o * d + s * (n - 1) + 1, s) for o, d, s, n in
            zip(off, cfg.dilations, cfg.strides, cfg.out_spatial)) + (slice(None),))
    return out


def _crop(dxp, cfg):
    """Remove the padding from a gradient computed on the padded input."""
    if any(lo or hi for lo, hi in cfg.pads):
        dxp = dxp[(slice(None),) + tuple(slice(lo, lo + n) for n, (lo, _) in
                                         zip(cfg.in_spatial, cfg.pads))]
    return dxp


_CONSTANTS = {}


def _filled(value, shape, dtype):
    """A shared read-only array of ``value`` (0 or 1), cached per value and dtype."""
    n = int(np.prod(shape))
    a = _CONSTANTS.get((value, dtype))
    if a is None or a.size < n:
        a = np.full(n, value, dtype)
        a.flags.writeable = False
        _CONSTANTS[(value, dtype)] = a
    return a[:n].reshape(shape)


def _relu_inplace(a):
    # np.maximum against an array of zeros: ~3x faster than against the scalar 0, which
    # NumPy does not vectorize (the cached zeros only for slice-sized arrays)
    zero = _filled(0, a.shape, a.dtype) if a.nbytes <= 4 * _CHUNK_BYTES else 0
    np.maximum(a, zero, out=a)


def _im2col_matrix(xp, cfg, ones_column=False):
    """``(cols, fill)``: an empty (rows, K) im2col matrix of the padded input ``xp``, and
    ``fill(b0, b1)``, which copies the windows of examples b0..b1 into their rows.

    Columns are in (kernel offset, channel) order, like ``w.reshape(-1, out_channels)``;
    ``ones_column`` adds a last column of ones, so that a GEMM with the bias appended to
    the kernel also adds the bias."""
    b, c = xp.shape[0], xp.shape[-1]
    k = int(np.prod(cfg.kernel))
    rows = b * int(np.prod(cfg.out_spatial))
    extra = int(bool(ones_column))
    if c == 1:
        # one input channel: stored offset-major, (K, rows), and filled by one copy from
        # the window view transposed to (*kernel, batch, *out), whose innermost axis then
        # runs along an input row (row-major columns would be filled kw floats at a time,
        # ~10x slower).  One call per slice, not one per offset: on two threads the nine
        # short copies spent longer waiting for the GIL than copying (0.57 ms against
        # 0.26 for the small CNN's first layer).
        nd = len(cfg.kernel)
        buf = np.empty((k + extra, b) + cfg.out_spatial, xp.dtype)
        win = _windows(xp, cfg)[..., 0].transpose(
            tuple(range(1 + nd, 1 + 2 * nd)) + tuple(range(1 + nd)))

        def fill(b0, b1):
            dst = buf[:k, b0:b1].reshape(cfg.kernel + (b1 - b0,) + cfg.out_spatial)
            np.copyto(dst, win[(slice(None),) * nd + (slice(b0, b1),)])
            if extra:
                buf[k, b0:b1] = 1
        return buf.reshape(k + extra, rows).T, fill
    cols = np.empty((rows, k * c + extra), xp.dtype)
    win = _windows(xp, cfg)
    dst = cols[:, :k * c].reshape(win.shape)   # a view: the rows are only split
    per = rows // b

    def fill(b0, b1):
        np.copyto(dst[b0:b1], win[b0:b1])
        if extra:
            cols[b0 * per:b1 * per, -1] = 1
    return cols, fill


def _im2col(x, cfg):
    """The (rows, kernel_size * channels) matrix of windows (a view or copy of it)."""
    if cfg.groups > 1:
        win = _windows(_pad(x, cfg.pads), cfg)
        return win.reshape(x.shape[0] * int(np.prod(cfg.out_spatial)), -1)
    cols, fill = _im2col_matrix(_pad(x, cfg.pads), cfg)
    parallel_batches(fill, x.shape[0], cols[:1].nbytes * (cols.shape[0] // x.shape[0]))
    return cols


def _col2im(dcols, cfg, batch, channels):
    """Adjoint of _im2col: scatter-add (rows, K * C) columns back into an input array."""
    nd = len(cfg.kernel)
    dcols = dcols.reshape((batch,) + cfg.out_spatial + cfg.kernel + (channels,))
    dxp = np.zeros((batch,) + cfg.padded + (channels,), dcols.dtype)
    lead = (slice(None),) * (1 + nd)
    for off, sl in zip(np.ndindex(*cfg.kernel), _offset_slices(cfg)):
        dxp[sl] += dcols[lead + off]
    return _crop(dxp, cfg)


def _grouped(cols, cfg, cin):
    """cols (rows, K*C) -> (G, rows, K*C/G) with each group's channels together."""
    g = cfg.groups
    k = int(np.prod(cfg.kernel))
    rows = cols.shape[0]
    return cols.reshape(rows, k, g, cin // g).transpose(2, 0, 1, 3).reshape(g, rows, -1)


def _w_grouped(w, cfg):
    """w (*k, C/G, O) -> (G, K*C/G, O/G)."""
    g = cfg.groups
    k = int(np.prod(cfg.kernel))
    cg, o = w.shape[-2], w.shape[-1]
    return w.reshape(k, cg, g, o // g).transpose(2, 0, 1, 3).reshape(g, k * cg, o // g)


def _is_depthwise(cfg, w_shape):
    return cfg.groups > 1 and w_shape[-2] == 1


# Depthwise convolution (one input channel per group): an elementwise multiply-accumulate
# per kernel offset.  Measured ~10x faster than the grouped GEMMs, whose inner dimension
# would be just the kernel size.

def _depthwise_forward(x, w, cfg):
    cin = x.shape[-1]
    m = w.shape[-1] // cin
    wk = w.reshape(-1, cin, m)
    xp = _pad(x, cfg.pads)
    out = np.zeros((x.shape[0],) + cfg.out_spatial + (cin, m), x.dtype)
    for k, sl in enumerate(_offset_slices(cfg)):
        out += xp[sl][..., None] * wk[k]
    return out.reshape(out.shape[:-2] + (cin * m,))


def _depthwise_backprop_input(dy, w, cfg, cin):
    m = w.shape[-1] // cin
    wk = w.reshape(-1, cin, m)
    dy4 = dy.reshape(dy.shape[:-1] + (cin, m))
    dxp = np.zeros((dy.shape[0],) + cfg.padded + (cin,), dy.dtype)
    for k, sl in enumerate(_offset_slices(cfg)):
        dxp[sl] += (dy4 * wk[k]).sum(axis=-1) if m > 1 else dy4[..., 0] * wk[k, :, 0]
    return _crop(dxp, cfg)


def _depthwise_backprop_filter(x, dy, cfg, w_shape):
    cin = x.shape[-1]
    m = w_shape[-1] // cin
    xp = _pad(x, cfg.pads)
    dy3 = dy.reshape(-1, cin, m)
    dw = np.empty((len(_offset_slices(cfg)), cin, m), dy.dtype)
    for k, sl in enumerate(_offset_slices(cfg)):
        xs = xp[sl].reshape(-1, cin)
        dw[k] = np.einsum("rc,rcm->cm", xs, dy3) if m > 1 else \
            np.einsum("rc,rc->c", xs, dy3[:, :, 0])[:, None]
    return dw.reshape(w_shape)


def _conv_forward(x, w, cfg, bias=None, relu=False):
    """(y, cols) for groups == 1: y = conv(x, w) [+ bias] [then relu], and the im2col
    matrix (kept for the filter gradient).  Per slice of the batch: fill the slice's rows
    of the matrix, one GEMM into the slice of y, relu while it is in the cache."""
    b, cout = x.shape[0], w.shape[-1]
    cols, fill = _im2col_matrix(_pad(x, cfg.pads), cfg, bias is not None)
    w2 = w.reshape(-1, cout)
    if bias is not None:
        w2 = np.concatenate([w2, bias.reshape(1, cout)])
    per = int(np.prod(cfg.out_spatial))
    y = np.empty((b * per, cout), x.dtype)

    def run(b0, b1):
        fill(b0, b1)
        out = y[b0 * per:b1 * per]
        np.matmul(cols[b0 * per:b1 * per], w2, out=out)
        if relu:
            _relu_inplace(out)
    parallel_batches(run, b, per * max(cols.shape[1], cout) * x.itemsize)
    return y.reshape((b,) + cfg.out_spatial + (cout,)), cols


def _grouped_forward(x, w, cfg):
    cols = _im2col(x, cfg)
    cout = w.shape[-1]
    y = np.matmul(_grouped(cols, cfg, x.shape[-1]), _w_grouped(w, cfg))
    y = y.transpose(1, 0, 2).reshape(-1, cout)
    return y.reshape((x.shape[0],) + cfg.out_spatial + (cout,)), cols


def _transposed_kernel(w):
    """w (*k, C, O) -> (K, O, C): per kernel offset, the matrix that maps an output
    gradient row to its share of the input gradient."""
    return np.ascontiguousarray(np.swapaxes(w.reshape(-1, w.shape[-2], w.shape[-1]), 1, 2))


def _input_grad_slice(d, wt, cfg, dst):
    """Input gradient of one slice of the batch: ``d`` (rows, O) output gradient rows,
    ``dst`` (slice, *padded, C) receives it.  One GEMM per kernel offset, each result
    added into its strided slice of dst: faster than one big GEMM and a column scatter."""
    dst.fill(0)
    part = np.empty((d.shape[0], wt.shape[-1]), d.dtype)
    part_nd = part.reshape((dst.shape[0],) + cfg.out_spatial + (wt.shape[-1],))
    for k, sl in enumerate(_offset_slices(cfg)):
        np.matmul(d, wt[k], out=part)
        dst[sl] += part_nd


def _backprop_input(dy, w, cfg, cin):
    b = dy.shape[0]
    cout = w.shape[-1]
    dy2 = dy.reshape(-1, cout)
    if cfg.groups == 1:
        wt = _transposed_kernel(w)
        per = int(np.prod(cfg.out_spatial))
        dxp = np.empty((b,) + cfg.padded + (cin,), dy.dtype)

        def run(b0, b1):
            _input_grad_slice(dy2[b0 * per:b1 * per], wt, cfg, dxp[b0:b1])
        parallel_batches(run, b, max(per * cout, dxp[0].size) * dy.itemsize)
        return _crop(dxp, cfg)
    g = cfg.groups
    dyg = dy2.reshape(-1, g, cout // g).transpose(1, 0, 2)     # (G, rows, O/G)
    dc = np.matmul(dyg, _w_grouped(w, cfg).transpose(0, 2, 1))  # (G, rows, K*C/G)
    k = int(np.prod(cfg.kernel))
    dcols = dc.reshape(g, -1, k, cin // g).transpose(1, 2, 0, 3).reshape(-1, k * cin)
    return _col2im(dcols, cfg, b, cin)


# The filter gradient's slices hold this many times _CHUNK_BYTES: it makes no pass over its
# partial results, so it only needs enough slices to share among the threads.
_FILTER_SLICES = 4


def _filter_grad_t(cols, d):
    """The filter gradient of one slice, transposed: ``d.T @ cols``, (out_channels, K).
    For row-major columns this orientation of the GEMM measured ~12 % faster than
    ``cols.T @ d`` (7.8 against 8.8 ms on one core at the small CNN's second layer);
    the offset-major columns of a one-channel input keep ``cols.T @ d``, which reads
    them in their stored order (the other orientation measured no faster there).

    ``np.dot``, not ``np.matmul``: for a GEMM with a dimension under 16 (the first
    layer's 9 or 10 columns) NumPy 2's matmul kept the GIL, so the slices of the batch
    ran one after another instead of on both cores (2.1 ms on two threads against 1.9 on
    one for the small CNN's first layer; np.dot: 1.15 ms).  np.dot calls the BLAS with
    the GIL released whatever the shapes."""
    if cols.strides[0] == cols.itemsize:   # offset-major: cols.T is the stored layout
        return np.dot(cols.T, d).T
    return np.dot(d.T, cols)


def _backprop_filter(cols, dy, cfg, w_shape):
    cout = dy.shape[-1]
    dy2 = dy.reshape(-1, cout)
    if cfg.groups == 1:
        # partial GEMMs over slices of the batch, summed in a fixed order
        k = int(np.prod(w_shape[:-1]))
        cols = cols[:, :k]   # without the bias's column of ones
        b = dy.shape[0]
        per = dy2.shape[0] // b
        parts = {}

        def run(b0, b1):
            parts[b0] = _filter_grad_t(cols[b0 * per:b1 * per], dy2[b0 * per:b1 * per])
        parallel_batches(run, b, per * max(k, cout) * dy.itemsize // _FILTER_SLICES)
        return np.ascontiguousarray(_sum_in_order(parts).T).reshape(w_shape)
    g = cfg.groups
    cin = w_shape[-2] * g
    k = int(np.prod(cfg.kernel))
    dyg = dy2.reshape(-1, g, cout // g).transpose(1, 0, 2)
    dw = np.matmul(_grouped(cols, cfg, cin).transpose(0, 2, 1), dyg)  # (G, K*C/G, O/G)
    dw = dw.reshape(g, k, cin // g, cout // g).transpose(1, 2, 0, 3)
    return dw.reshape(w_shape)


# ---- the three primitives ------------------------------------------------------------------

class Conv(Op):
    """y = conv(x, w) [+ b] [then relu]; keeps the im2col matrix for the filter gradient.

    The optional bias and relu are fused because every conv layer of a CNN runs them on
    every step: the bias rides in the GEMM and the relu runs on cached slices, instead of
    two more ops, tape records and passes over the output.  Inputs are (x, w) or (x, w, b).
    """

    def __init__(self, cfg, relu=False):
        self.cfg = cfg
        self.relu = relu
        self.cols = None

    def forward(self, x, w, b=None):
        if self.cfg.groups == 1:
            y, self.cols = _conv_forward(x, w, self.cfg, b, self.relu)
            return y
        if _is_depthwise(self.cfg, w.shape):
            y = _depthwise_forward(x, w, self.cfg)
        else:
            y, self.cols = _grouped_forward(x, w, self.cfg)
        if b is not None:
            y += b
        if self.relu:
            _relu_inplace(y)
        return y

    def backward(self, dy):
        if self.cfg.groups == 1 and not is_recording():
            return self._backward_sweep(dy._value)
        x, w = self.inputs[0], self.inputs[1]
        if self.relu:
            dy = execute(ReluMask(self.outputs._value), (dy,))
        gx = gw = gb = None
        if self.needs_grad[0]:
            gx = execute(ConvBackpropInput(self.cfg, x._value.shape), (dy, w))
        if self.needs_grad[1]:
            gw = execute(ConvBackpropFilter(self.cfg, w._value.shape, self.cols), (x, dy))
        self.cols = None
        if len(self.inputs) == 3:
            if self.needs_grad[2]:
                gb = execute(BiasGrad(), (dy,))
            return gx, gw, gb
        return gx, gw


    def _backward_sweep(self, dy):
        """The gradients when no tape records the backward pass (so they need no gradients
        of their own): one sweep over slices of the batch applies the relu mask and
        computes the bias, filter and input gradients of each slice while it is in the
        cache, instead of one op and one pass over the whole gradient for each."""
        cfg, cols = self.cfg, self.cols
        self.cols = None
        x, w = self.inputs[0]._value, self.inputs[1]._value
        need_x, need_w = self.needs_grad[0], self.needs_grad[1]
        need_b = len(self.inputs) == 3 and self.needs_grad[2]
        b, cout = dy.shape[0], dy.shape[-1]
        per = int(np.prod(cfg.out_spatial))
        k = int(np.prod(w.shape[:-1]))
        dy2 = dy.reshape(-1, cout)
        y2 = self.outputs._value.reshape(-1, cout)
        if need_w and cols is None:   # a second backward pass over the same op
            cols = _im2col(x, cfg)
        if need_x:
            wt = _transposed_kernel(w)
            dxp = np.empty((b,) + cfg.padded + (x.shape[-1],), dy.dtype)
        # the column of ones that added the bias in the forward GEMM gives the bias
        # gradient as the last row of the filter gradient's GEMM
        ones_row = need_b and need_w and cols.shape[1] == k + 1
        dw_parts, db_parts = {}, {}

        def run(b0, b1):
            d = dy2[b0 * per:b1 * per]
            if self.relu:
                d = d * (y2[b0 * per:b1 * per] > 0)
            if need_w:
                c = cols[b0 * per:b1 * per]
                dw_parts[b0] = _filter_grad_t(c if ones_row else c[:, :k], d)
            if need_b and not ones_row:
                db_parts[b0] = np.dot(_filled(1, d.shape[0], d.dtype), d)
            if need_x:
                _input_grad_slice(d, wt, cfg, dxp[b0:b1])
        parallel_batches(run, b, per * cout * dy.itemsize)   # d is what every step reuses
        gx = wrap(_crop(dxp, cfg)) if need_x else None
        gw = gb = None
        if need_w:
            dw = _sum_in_order(dw_parts)   # transposed: (out_channels, K [+ 1])
            gw = wrap(np.ascontiguousarray(dw[:, :k].T).reshape(w.shape))
            if ones_row:
                gb = wrap(dw[:, k].copy())
        if need_b and not ones_row:
            gb = wrap(_sum_in_order(db_parts))
        if len(self.inputs) == 3:
            return gx, gw, gb
        return gx, gw


def _sum_in_order(parts):
    """Sum per-slice partial results in slice order (so any thread count gives the same
    float result)."""
    starts = sorted(parts)
    total = parts[starts[0]]
    for s in starts[1:]:
        total += parts[s]
    return total


class ReluMask(Op):
    """g * (y > 0), relu's derivative applied to ``g``, from the relu's output ``y``
    (constant); its own adjoint.  Runs on cache-sized slices of the batch."""

    def __init__(self, y):
        self.y = y

    def forward(self, g):
        y = self.y
        if g.shape != y.shape or g.ndim == 0:
            return g * (y > 0)
        out = np.empty(g.shape, g.dtype)

        def run(b0, b1):
            np.multiply(g[b0:b1], np.greater(y[b0:b1], 0), out=out[b0:b1])
        parallel_batches(run, g.shape[0], g[:1].nbytes)
        return out

    def backward(self, dy):
        return (execute(ReluMask(self.y), (dy,)),)


class BiasGrad(Op):
    """The bias gradient: ``dy`` summed over every axis but the last, as one matrix-vector
    product (~10x faster than np.sum over the leading axes of a channels-last array)."""

    def forward(self, dy):
        d2 = dy.reshape(-1, dy.shape[-1])
        return _filled(1, d2.shape[0], dy.dtype) @ d2

    def backward(self, g):
        from ndflow.ops.array_ops import broadcast_to
        return (broadcast_to(g, self.inputs[0]._value.shape),)


class ConvBackpropInput(Op):
    """dx = conv^T(dy, w), shaped like the convolution's input (``x_shape``)."""

    def __init__(self, cfg, x_shape):
        self.cfg = cfg
        self.x_shape = tuple(x_shape)

    def forward(self, dy, w):
        if _is_depthwise(self.cfg, w.shape):
            return _depthwise_backprop_input(dy, w, self.cfg, self.x_shape[-1])
        return _backprop_input(dy, w, self.cfg, self.x_shape[-1])

    def backward(self, g):
        dy, w = self.inputs
        gdy = gw = None
        if self.needs_grad[0]:
            gdy = execute(Conv(self.cfg), (g, w))
        if self.needs_grad[1]:
            gw = execute(ConvBackpropFilter(self.cfg, w._value.shape), (g, dy))
        return gdy, gw


class ConvBackpropFilter(Op):
    """dw from the convolution's input ``x`` and output gradient ``dy``."""

    def __init__(self, cfg, w_shape, cols=None):
        self.cfg = cfg
        self.w_shape = tuple(w_shape)
        self.cols = cols

    def forward(self, x, dy):
        if _is_depthwise(self.cfg, self.w_shape):
            return _depthwise_backprop_filter(x, dy, self.cfg, self.w_shape)
        cols = self.cols if self.cols is not None else _im2col(x, self.cfg)
        self.cols = None
        return _backprop_filter(cols, dy, self.cfg, self.w_shape)

    def backward(self, g):
        x, dy = self.inputs
        gx = gdy = None
        if self.needs_grad[0]:
            gx = execute(ConvBackpropInput(self.cfg, x._value.shape), (dy, g))
        if self.needs_grad[1]:
            gdy = execute(Conv(self.cfg), (x, g))
        return gx, gdy


# ---- functional entry points (channels-last) ------------------------------------------------

def _check_float(x, w, opname):
    if x._value.dtype != w._value.dtype:
        raise InvalidArgumentError(
            "%s: input is %s but filters are %s; cast one of them (tf.cast) so they match."
            % (opname, x.dtype.name, w.dtype.name))
    if x._value.dtype.kind not in "fc":
        raise InvalidArgumentError("%s: expected floating-point input, got %s. Cast it with "
                                   "tf.cast(x, tf.float32)." % (opname, x.dtype.name))


def conv(x, w, strides=1, padding="VALID", dilations=1, opname="conv", bias=None,
         relu=False):
    """N-d convolution of channels-last ``x`` (batch, *spatial, C) with ``w``
    (*k, C // groups, O); the number of groups is C // w.shape[-2].  ``bias`` (O,) and
    ``relu`` are applied in the same op."""
    x, w, bias, cfg = conv_args(x, w, strides, padding, dilations, bias, opname)
    if bias is None:
        return execute(Conv(cfg, relu), (x, w))
    return execute(Conv(cfg, relu), (x, w, bias))


def conv_args(x, w, strides, padding, dilations, bias, opname):
    """``conv``'s arguments checked and converted: ``(x, w, bias, cfg)``."""
    x = convert(x)
    w = convert(w)
    _check_float(x, w, opname)
    nd = w._value.ndim - 2
    if x._value.ndim != nd + 2:
        raise InvalidArgumentError(
            "%s: a %d-D convolution needs a rank-%d input (batch, %sspatial..., channels), "
            "got shape %s." % (opname, nd, nd + 2, "", tuple(x._value.shape)))
    cin = x._value.shape[-1]
    cg, cout = w._value.shape[-2:]
    if cg == 0 or cin % cg or cout % (cin // cg):
        raise InvalidArgumentError(
            "%s: input has %d channels but the filters expect %d input channels (filter "
            "shape %s). The input depth must equal (or be a multiple of, for grouped "
            "convolution) the filters' in-channels dimension." % (
                opname, cin, cg, tuple(w._value.shape)))
    cfg = conv_config(x._value.shape[1:-1], w._value.shape[:-2], strides, padding, dilations,
                      cin // cg, opname)
    if bias is not None:
        bias = convert(bias)
        if bias._value.shape != (cout,) or bias._value.dtype != x._value.dtype:
            raise InvalidArgumentError("%s: bias must be a %s vector of %d values, got %s %s."
                                       % (opname, x.dtype.name, cout, bias.dtype.name,
                                          tuple(bias._value.shape)))
    return x, w, bias, cfg


def conv_transpose(x, w, output_spatial, strides=1, padding="VALID", dilations=1,
                   opname="conv_transpose"):
    """Transposed convolution (gradient of ``conv`` w.r.t. its input).

    ``x``: (batch, *in_spatial, C_in); ``w``: (*k, C_out, C_in) as in
    ``tf.nn.conv2d_transpose``; the result has shape (batch, *output_spatial, C_out).
    """
    x = convert(x)
    w = convert(w)
    _check_float(x, w, opname)
    nd = w._value.ndim - 2
    output_spatial = tuple(int(v) for v in output_spatial)
    if x._value.ndim != nd + 2 or len(output_spatial) != nd:
        raise InvalidArgumentError(
            "%s: expected a rank-%d input and %d output spatial sizes, got input shape %s "
            "and output size %s." % (opname, nd + 2, nd, tuple(x._value.shape),
                                     output_spatial))
    cout, cin = w._value.shape[-2:]
    if x._value.shape[-1] != cin:
        raise InvalidArgumentError(
            "%s: input has %d channels but the filters (shape %s) expect %d (the last "
            "filter dimension)." % (opname, x._value.shape[-1], tuple(w._value.shape), cin))
    cfg = conv_config(output_spatial, w._value.shape[:-2], strides, padding, dilations, 1,
                      opname)
    if cfg.out_spatial != tuple(x._value.shape[1:-1]):
        raise InvalidArgumentError(
            "%s: output size %s is inconsistent with the input's spatial size %s for these "
            "strides/padding (a forward convolution of the output would give %s)."
            % (opname, output_spatial, tuple(x._value.shape[1:-1]), cfg.out_spatial))
    x_shape = (x._value.shape[0],) + output_spatial + (cout,)
    return execute(ConvBackpropInput(cfg, x_shape), (x, w))

