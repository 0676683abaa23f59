"""Convolution primitives (1-D, 2-D and 3-D) and their gradients.

Everything here works on channels-last arrays: inputs ``(batch, *spatial, channels)``,
kernels ``(*kernel_spatial, in_channels // groups, out_channels)``.  The ``tf.nn`` and Keras
wrappers transpose channels-first data around these ops.

Formulation (chosen by measurement, see benchmarks/bench_cnn.py and RESULTS.md):

* forward: im2col.  A strided view of the padded input holds every window without
  copying; one reshape turns it into the ``(rows, kernel_size * in_channels)`` matrix and
  one GEMM with the kernel gives the output (optionally + bias, relu, in the same op);
* filter gradient: one GEMM of the same im2col matrix (kept from the forward pass) with
  the output gradient;
* input gradient: one GEMM per kernel offset, added into a strided slice of the input
  gradient (about 2x faster than one big GEMM and a column scatter);
* depthwise convolution (one input channel per group): an elementwise multiply-add per
  kernel offset, about 10x faster than grouped GEMMs with a tiny inner dimension.

The three ops below are the three faces of the same bilinear map, so each one's gradient
is written with the other two (which also gives higher-order gradients):

* ``Conv(x, w)``                 y  = conv(x, w)
* ``ConvBackpropInput(dy, w)``   dx = conv^T(dy, w)   (this is also the transposed conv)
* ``ConvBackpropFilter(x, dy)``  dw

``ConvBackpropFilter`` reuses the im2col matrix that the forward pass built.
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from ndflow.ops._base import Op, execute, convert, InvalidArgumentError

__all__ = ["ConvConfig", "conv", "conv_transpose", "conv_config"]


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


def _im2col(x, cfg):
    """The (rows, kernel_size * channels) matrix of windows."""
    win = _windows(_pad(x, cfg.pads), cfg)
    rows = x.shape[0] * int(np.prod(cfg.out_spatial))
    return win.reshape(rows, -1)   # one copy


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


def _conv_forward(x, w, cfg, cols=None):
    if cols is None:
        cols = _im2col(x, cfg)
    b = x.shape[0]
    cout = w.shape[-1]
    if cfg.groups == 1:
        y = cols @ w.reshape(-1, cout)
    else:
        y = np.matmul(_grouped(cols, cfg, x.shape[-1]), _w_grouped(w, cfg))
        y = y.transpose(1, 0, 2).reshape(-1, cout)
    return y.reshape((b,) + cfg.out_spatial + (cout,)), cols


def _backprop_input(dy, w, cfg, cin):
    b = dy.shape[0]
    cout = w.shape[-1]
    dy2 = dy.reshape(-1, cout)
    if cfg.groups == 1:
        # one GEMM per kernel offset, each result added into its strided slice of dx:
        # measured ~2x faster than one big GEMM followed by a scatter of the columns
        wk = w.reshape(-1, cin, cout)
        dxp = np.zeros((b,) + cfg.padded + (cin,), dy.dtype)
        part_shape = (b,) + cfg.out_spatial + (cin,)
        for k, sl in enumerate(_offset_slices(cfg)):
            dxp[sl] += (dy2 @ wk[k].T).reshape(part_shape)
        return _crop(dxp, cfg)
    g = cfg.groups
    dyg = dy2.reshape(-1, g, cout // g).transpose(1, 0, 2)     # (G, rows, O/G)
    dc = np.matmul(dyg, _w_grouped(w, cfg).transpose(0, 2, 1))  # (G, rows, K*C/G)
    k = int(np.prod(cfg.kernel))
    dcols = dc.reshape(g, -1, k, cin // g).transpose(1, 2, 0, 3).reshape(-1, k * cin)
    return _col2im(dcols, cfg, b, cin)


def _backprop_filter(cols, dy, cfg, w_shape):
    cout = dy.shape[-1]
    dy2 = dy.reshape(-1, cout)
    if cfg.groups == 1:
        return (cols.T @ dy2).reshape(w_shape)
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
    every step: one op instead of three saves two passes over the output and their tape
    records.  Inputs are (x, w) or (x, w, b)."""

    def __init__(self, cfg, relu=False):
        self.cfg = cfg
        self.relu = relu
        self.cols = None

    def forward(self, x, w, b=None):
        if _is_depthwise(self.cfg, w.shape):
            y = _depthwise_forward(x, w, self.cfg)
        else:
            y, self.cols = _conv_forward(x, w, self.cfg)
        if b is not None:
            y += b
        if self.relu:
            np.maximum(y, 0, out=y)
        return y

    def backward(self, dy):
        x, w = self.inputs[0], self.inputs[1]
        if self.relu:
            dy = execute(ReluMask(self.outputs._value > 0), (dy,))
        gx = gw = gb = None
        if self.needs_grad[0]:
            gx = execute(ConvBackpropInput(self.cfg, x._value.shape), (dy, w))
        if self.needs_grad[1]:
            gw = execute(ConvBackpropFilter(self.cfg, w._value.shape, self.cols), (x, dy))
        self.cols = None
        if len(self.inputs) == 3:
            if self.needs_grad[2]:
                from ndflow.ops.reduction_ops import reduce_sum
                gb = reduce_sum(dy, axis=list(range(dy._value.ndim - 1)))
            return gx, gw, gb
        return gx, gw


class ReluMask(Op):
    """g * mask for relu's (constant) derivative mask; its own adjoint."""

    def __init__(self, mask):
        self.mask = mask

    def forward(self, g):
        return g * self.mask

    def backward(self, dy):
        return (execute(ReluMask(self.mask), (dy,)),)


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
    if bias is None:
        return execute(Conv(cfg, relu), (x, w))
    bias = convert(bias)
    if bias._value.shape != (cout,) or bias._value.dtype != x._value.dtype:
        raise InvalidArgumentError("%s: bias must be a %s vector of %d values, got %s %s."
                                   % (opname, x.dtype.name, cout, bias.dtype.name,
                                      tuple(bias._value.shape)))
    return execute(Conv(cfg, relu), (x, w, bias))


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
