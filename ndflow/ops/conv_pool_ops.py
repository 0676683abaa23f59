"""A convolution followed by max pooling, as one op: ``Conv2D(..., activation='relu')``
then ``MaxPooling2D()``, the pair at the heart of every small convnet.

``conv_pool(x, w, pool_size, ..., bias=b, relu=True)`` computes
``max_pool(relu(conv(x, w) + b), pool_size)`` for pooling windows that tile the
convolution's output (strides equal to the pool size, 'VALID' padding).  Keras models
call it when a convolution layer's output goes only to such a pooling layer
(``ndflow.keras.engine.fusion``); the result and the gradients are those of the two
ops (tested against them), only the work differs:

* the GEMM's rows come window-offset-major: first every output position that is at
  offset (0, 0) of its pooling window, then every one at (0, 1), and so on.  The
  maximum over the windows is then a maximum of a few contiguous blocks, computed while
  the slice's GEMM result is in the cache; the convolution's full output is never
  written to memory;
* positions that no pooling window covers (the last row and column of an odd-sized
  output) are not computed at all, neither forward nor in the gradients (17 % of the
  small CNN's second convolution);
* relu commutes with max, so it runs on the pooled output, a quarter of the elements;
* backward, the pooled gradient is sent to each window's maximum by building the
  GEMM's gradient rows directly (one block per window offset), instead of writing the
  convolution-sized gradient, masking it with relu and then reading it back.

Everything works on channels-last arrays, ``x`` (batch, *spatial, C) and ``w``
(*k, C, O), without groups; the kernels reuse ``conv_ops``' helpers.  When a tape
records the backward pass (higher-order gradients), the gradient is written with the
separate ops (``MaxPoolGrad``, ``ReluMask``, ``ConvBackpropInput/Filter``), whose own
gradients are known.
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from ndflow.core.engine import is_recording
from ndflow.ops._base import Op, execute, wrap
from ndflow.ops import conv_ops as _C
from ndflow.ops import pooling_ops as _P

__all__ = ["conv_pool", "fusable"]

# The fused op's slices of the batch hold this many times conv_ops' _CHUNK_BYTES: unlike
# the separate ops it makes no pass over a slice's whole GEMM result after the GEMM, and
# fewer, larger slices measured faster (the small CNN's two pairs in 4 slices each:
# forward 1.6-1.9 + 3.7-3.9 ms, backward 9.1 ms; in 12 and 16 slices: 2.1-2.8 + 4.0,
# 10.1-11.7 ms; benchmarks/RESULTS.md).
_SLICE_CHUNKS = 4


def fusable(cfg, pool):
    """Whether a convolution with geometry ``cfg`` can be fused with a max pooling of
    window (and stride) ``pool``, 'VALID': no groups, and at least one whole window."""
    return (cfg.groups == 1 and len(pool) == len(cfg.out_spatial) and
            all(p >= 1 and o >= p for o, p in zip(cfg.out_spatial, pool)))


class _Geometry:
    """Sizes shared by the forward and backward passes: ``pool`` (P per dimension),
    ``pooled`` (Q = out // P per dimension), ``n_off`` (offsets per window) and ``rows``
    (GEMM rows per example, n_off * prod(Q))."""

    def __init__(self, cfg, pool):
        self.cfg = cfg
        self.pool = tuple(pool)
        self.pooled = tuple(o // p for o, p in zip(cfg.out_spatial, self.pool))
        self.n_off = int(np.prod(self.pool))
        self.rows = self.n_off * int(np.prod(self.pooled))
        self.nd = len(self.pool)
        # the part of the convolution's output that the windows cover, as a geometry
        # for conv_ops' input-gradient kernel
        self.covered = tuple(q * p for q, p in zip(self.pooled, self.pool))
        self.covered_cfg = _C.ConvConfig(cfg.in_spatial, cfg.kernel, cfg.strides,
                                         cfg.dilations, cfg.pads, cfg.groups)
        self.covered_cfg.out_spatial = self.covered

    def windows(self, xp):
        """Read-only view (batch, *Q, *P, *kernel, C) of the padded input ``xp``: the
        input under kernel offset k of the output position q * P + o."""
        cfg, nd, st = self.cfg, self.nd, xp.strides
        shape = (xp.shape[0],) + self.pooled + self.pool + cfg.kernel + (xp.shape[-1],)
        strides = ((st[0],) +
                   tuple(st[1 + i] * cfg.strides[i] * self.pool[i] for i in range(nd)) +
                   tuple(st[1 + i] * cfg.strides[i] for i in range(nd)) +
                   tuple(st[1 + i] * cfg.dilations[i] for i in range(nd)) + (st[-1],))
        return as_strided(xp, shape, strides, writeable=False)

    def to_spatial(self, d, batch):
        """GEMM rows ``d`` (rows, O) of ``batch`` examples in window-offset-major order,
        copied into the covered output's own layout (batch, *covered, O)."""
        nd, cout = self.nd, d.shape[-1]
        out = np.empty((batch,) + self.covered + (cout,), d.dtype)
        interleaved = sum(((q, p) for q, p in zip(self.pooled, self.pool)), ())
        order = (nd,) + sum(((nd + 1 + i, i) for i in range(nd)), ()) + (2 * nd + 1,)
        np.copyto(out.reshape((batch,) + interleaved + (cout,)),
                  d.reshape(self.pool + (batch,) + self.pooled + (cout,)).transpose(order))
        return out


def _im2col_pooled(xp, geo, ones_column):
    """``(matrix, fill)`` like ``conv_ops._im2col_matrix``, with each example's rows in
    (window offset, example, pooled position) order within its slice of the batch:
    ``fill(b0, b1)`` writes the rows of examples b0..b1 and ``matrix(b0, b1)`` is their
    (rows, K [+ 1]) matrix.  ``ones_column`` adds a column of ones (for the bias)."""
    b, c = xp.shape[0], xp.shape[-1]
    nd, k = geo.nd, int(np.prod(geo.cfg.kernel))
    extra = int(bool(ones_column))
    win = geo.windows(xp)   # (batch, *Q, *P, *kernel, C)
    total = b * geo.rows
    if c == 1:
        # one input channel: stored column-major, (K, rows), as conv_ops does, so that
        # the copy's innermost axis runs along an input row
        buf = np.empty((k + extra, total), xp.dtype)
        src = win[..., 0].transpose(
            tuple(range(1 + 2 * nd, 1 + 3 * nd)) + tuple(range(1 + nd, 1 + 2 * nd)) + (0,) +
            tuple(range(1, 1 + nd)))   # (*kernel, *P, batch, *Q)
        lead = (slice(None),) * (2 * nd)

        def fill(b0, b1):
            r0, r1 = b0 * geo.rows, b1 * geo.rows
            dst = np.reshape(buf[:k, r0:r1], geo.cfg.kernel + geo.pool + (b1 - b0,) +
                             geo.pooled, copy=False)
            np.copyto(dst, src[lead + (slice(b0, b1),)])
            if extra:
                buf[k, r0:r1] = 1
        return (lambda b0, b1: buf[:, b0 * geo.rows:b1 * geo.rows].T), fill
    cols = np.empty((total, k * c + extra), xp.dtype)
    src = win.transpose(tuple(range(1 + nd, 1 + 2 * nd)) + (0,) + tuple(range(1, 1 + nd)) +
                        tuple(range(1 + 2 * nd, 2 + 3 * nd)))   # (*P, batch, *Q, *kernel, C)
    lead = (slice(None),) * nd

    def fill(b0, b1):
        r0, r1 = b0 * geo.rows, b1 * geo.rows
        dst = np.reshape(cols[r0:r1, :k * c], geo.pool + (b1 - b0,) + geo.pooled +
                         geo.cfg.kernel + (c,), copy=False)
        np.copyto(dst, src[lead + (slice(b0, b1),)])
        if extra:
            cols[r0:r1, -1] = 1
    return (lambda b0, b1: cols[b0 * geo.rows:b1 * geo.rows]), fill


def _window_max(z, ys, argmax):
    """``ys`` = the maximum over the first axis of ``z`` (n_off, n) and, if given,
    ``argmax`` = the first index holding it (TensorFlow's tie rule)."""
    np.copyto(ys, z[0])
    if argmax is None:
        for k in range(1, z.shape[0]):
            np.maximum(ys, z[k], out=ys)
        return
    argmax.fill(0)
    above = np.empty(ys.shape, bool)
    for k in range(1, z.shape[0]):
        np.greater(z[k], ys, out=above)   # strictly: a tie keeps the earlier offset
        np.maximum(ys, z[k], out=ys)
        # argmax < k everywhere, so this sets argmax = k exactly where ``above``
        np.maximum(argmax, np.multiply(above, k, dtype=argmax.dtype), out=argmax)


class ConvPool(Op):
    """y = max_pool(relu?(conv(x, w) [+ b])), inputs (x, w) or (x, w, b).

    Keeps, for the gradient, the im2col matrix (in the fused row order), the slices of
    the batch it was built in, and the window offset of each output's maximum."""

    def __init__(self, cfg, pool, relu=False):
        self.geo = _Geometry(cfg, pool)
        self.relu = relu
        self.cols = self.slices = self.argmax = None

    def forward(self, x, w, b=None):
        geo = self.geo
        cfg = geo.cfg
        batch, cout = x.shape[0], w.shape[-1]
        w2 = w.reshape(-1, cout)
        if b is not None:
            w2 = np.concatenate([w2, b.reshape(1, cout)])
        matrix, fill = _im2col_pooled(_C._pad(x, cfg.pads), geo, b is not None)
        y = np.empty((batch,) + geo.pooled + (cout,), x.dtype)
        keep = is_recording()
        argmax = np.empty(y.shape, np.min_scalar_type(geo.n_off - 1)) if keep else None

        def run(b0, b1):
            fill(b0, b1)
            z = np.matmul(matrix(b0, b1), w2)   # (rows, O), window-offset-major
            ys = y[b0:b1].reshape(-1)
            _window_max(z.reshape(geo.n_off, -1), ys,
                        None if argmax is None else argmax[b0:b1].reshape(-1))
            if self.relu:
                _C._relu_inplace(ys)
        slices = _C.batch_slices(batch, geo.rows * max(w2.shape[0], cout) * x.itemsize //
                                 _SLICE_CHUNKS)
        _C.run_slices(run, slices)
        if keep:
            self.cols, self.slices, self.argmax = matrix, slices, argmax
        return y

    def backward(self, dy):
        if is_recording():
            return self._backward_ops(dy)
        return self._backward_sweep(dy._value)

    def _backward_sweep(self, dy):
        """One sweep over the forward pass's slices of the batch: per slice, the pooled
        gradient (masked by relu) is spread into the GEMM's gradient rows, one block per
        window offset, which give the filter, bias and input gradients while the slice is
        in the cache."""
        geo, cfg = self.geo, self.geo.cfg
        x, w = self.inputs[0]._value, self.inputs[1]._value
        need_x, need_w = self.needs_grad[0], self.needs_grad[1]
        need_b = len(self.inputs) == 3 and self.needs_grad[2]
        matrix, slices, argmax = self.cols, self.slices, self.argmax
        self.cols = None
        if matrix is None:   # a second backward pass over the same op: rebuild the rows
            matrix, fill = _im2col_pooled(_C._pad(x, cfg.pads), geo, len(self.inputs) == 3)
            _C.run_slices(fill, slices)
        cout = dy.shape[-1]
        k = int(np.prod(w.shape[:-1]))
        y = self.outputs._value
        if need_x:
            wt = _C._transposed_kernel(w)
            dxp = np.empty((x.shape[0],) + cfg.padded + (x.shape[-1],), dy.dtype)
        with_ones = len(self.inputs) == 3
        dw_parts, db_parts = {}, {}

        def run(b0, b1):
            g = dy[b0:b1].reshape(-1)
            if self.relu:
                g = g * (y[b0:b1].reshape(-1) > 0)
            a = argmax[b0:b1].reshape(-1)
            d = np.empty((geo.n_off, g.size), g.dtype)
            hit = np.empty(g.size, bool)
            for o in range(geo.n_off):
                np.equal(a, o, out=hit)
                np.multiply(g, hit, out=d[o])
            d = d.reshape(-1, cout)   # the gradient of the GEMM's rows
            m = matrix(b0, b1)
            if need_w:
                dw_parts[b0] = _C._filter_grad_t(m if with_ones and need_b else m[:, :k], d)
            elif need_b:
                db_parts[b0] = np.dot(_C._filled(1, d.shape[0], d.dtype), d)
            if need_x:
                # in the output's layout the strided slices that receive each kernel
                # offset's share have contiguous rows (2.5x faster than scattering from
                # the window-offset-major rows)
                d = geo.to_spatial(d, b1 - b0).reshape(-1, cout)
                _C._input_grad_slice(d, wt, geo.covered_cfg, dxp[b0:b1])
        _C.run_slices(run, slices)
        gx = wrap(_C._crop(dxp, cfg)) if need_x else None
        gw = gb = None
        if need_w:
            dw = _C._sum_in_order(dw_parts)   # transposed: (out_channels, K [+ 1])
            gw = wrap(np.ascontiguousarray(dw[:, :k].T).reshape(w.shape))
            if need_b:
                gb = wrap(dw[:, k].copy())
        elif need_b:
            gb = wrap(_C._sum_in_order(db_parts))
        if len(self.inputs) == 3:
            return gx, gw, gb
        return gx, gw

    def _backward_ops(self, dy):
        """The gradient written with the separate ops, for a tape that records the
        backward pass.  The convolution's output and each window's maximum are the
        gradient's constants; they are recomputed here (the forward pass kept neither
        in the unfused layout)."""
        geo, cfg = self.geo, self.geo.cfg
        self.cols = None
        x, w = self.inputs[0], self.inputs[1]
        b = self.inputs[2] if len(self.inputs) == 3 else None
        y_full, _ = _C._conv_forward(x._value, w._value, cfg,
                                     None if b is None else b._value, self.relu)
        pcfg = _P.pool_config(cfg.out_spatial, geo.pool, geo.pool, "VALID")
        offsets = _P._offsets(pcfg)
        argmax = np.empty(self.outputs._value.shape, _P._argmax_dtype(offsets))
        _P._window_max(y_full, np.empty(argmax.shape, y_full.dtype), offsets, argmax)
        d = execute(_P.MaxPoolGrad(pcfg, argmax, y_full.shape), (dy,))
        if self.relu:
            d = execute(_C.ReluMask(y_full), (d,))
        gx = gw = gb = None
        if self.needs_grad[0]:
            gx = execute(_C.ConvBackpropInput(cfg, x._value.shape), (d, w))
        if self.needs_grad[1]:
            gw = execute(_C.ConvBackpropFilter(cfg, w._value.shape), (x, d))
        if b is None:
            return gx, gw
        if self.needs_grad[2]:
            gb = execute(_C.BiasGrad(), (d,))
        return gx, gw, gb


def conv_pool(x, w, pool_size, strides=1, padding="VALID", dilations=1, bias=None,
              relu=False, opname="conv_pool"):
    """``max_pool(relu?(conv(x, w, strides, padding, dilations) + bias), pool_size)`` with
    pooling strides equal to ``pool_size`` and 'VALID' pooling, as one op (channels-last
    ``x`` (batch, *spatial, C), ``w`` (*k, C, O)).  Raises if the pair cannot be fused
    (groups, or an output smaller than one window): check ``fusable`` first."""
    x, w, bias, cfg = _C.conv_args(x, w, strides, padding, dilations, bias, opname)
    pool = _C._tuple(pool_size, len(cfg.kernel), "pool_size", opname)
    if not fusable(cfg, pool):
        raise _C.InvalidArgumentError(
            "%s: cannot fuse a convolution with output %s (groups=%d) with a %s max "
            "pooling; call conv and max_pool separately." % (
                opname, cfg.out_spatial, cfg.groups, pool))
    inputs = (x, w) if bias is None else (x, w, bias)
    return execute(ConvPool(cfg, pool, relu), inputs)
