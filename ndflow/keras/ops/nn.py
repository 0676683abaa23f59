"""``keras.ops.nn``: activations, convolution and pooling, normalization, cross-entropies
and attention, with Keras 3's signatures (channels-last unless ``data_format`` says
otherwise; ``data_format=None`` reads ``keras.config.image_data_format()``)."""
import builtins
import math as _math

import numpy as np

from ndflow.ops import math_ops as M
from ndflow.ops import array_ops as A
from ndflow.ops import reduction_ops as R
from ndflow.ops import linalg_ops as L
from ndflow.ops._base import wrap as _wrap
from ndflow import nn as _nn
from ndflow.keras import activations as _act
from ndflow.keras.ops._base import (keras_op, tensor, cast, promote, float_tensor,
                                    standardize_dtype, axis_tuple, one_axis, ndarray,
                                    is_float, check_float)
from ndflow.keras.ops import numpy as _np_ops


def _shape(x):
    return x._value.shape


def _ndim(x):
    return x._value.ndim


def _epsilon(epsilon):
    if epsilon is not None:
        return float(epsilon)
    from ndflow.keras.backend import epsilon as _eps
    return _eps()


def _data_format(data_format):
    if data_format is None:
        from ndflow.keras.backend import image_data_format
        data_format = image_data_format()
    data_format = str(data_format).lower()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError("keras.ops: data_format must be 'channels_last' or 'channels_first', "
                         "got %r." % (data_format,))
    return data_format


def _float(x, opname):
    return check_float(tensor(x), opname)


def _float_activation(name):
    """The keras op ``name(x)``: the activation ``name`` of ``ndflow.nn`` on a float ``x``."""
    act = getattr(_act, name)

    def op(x):
        return act(_float(x, name))
    op.__name__ = op.__qualname__ = name
    return keras_op(op)


# ---- activations -------------------------------------------------------------------------

@keras_op
def relu(x):
    x = tensor(x)
    return _nn.relu(x)


@keras_op
def relu6(x):
    x = tensor(x)
    return M.minimum(_nn.relu(x), _np_ops._const(6, x))


@keras_op
def sigmoid(x):
    return _nn.sigmoid(_float(x, "sigmoid"))


sparse_sigmoid = _float_activation("sparse_sigmoid")


softplus = _float_activation("softplus")


softsign = _float_activation("softsign")


@keras_op
def soft_shrink(x, threshold=0.5):
    return _act.soft_shrink(_float(x, "soft_shrink"), threshold)


sparse_plus = _float_activation("sparse_plus")


silu = _float_activation("silu")


@keras_op
def swish(x):
    return silu(x)


@keras_op
def squareplus(x, b=4):
    return _act.squareplus(_float(x, "squareplus"), b)


log_sigmoid = _float_activation("log_sigmoid")


@keras_op
def leaky_relu(x, negative_slope=0.2):
    return _act.leaky_relu(float_tensor(x), negative_slope)


hard_sigmoid = _float_activation("hard_sigmoid")


hard_silu = _float_activation("hard_silu")


@keras_op
def hard_swish(x):
    return hard_silu(x)


@keras_op
def elu(x, alpha=1.0):
    return _act.elu(_float(x, "elu"), alpha)


selu = _float_activation("selu")


@keras_op
def gelu(x, approximate=True):
    return _act.gelu(_float(x, "gelu"), approximate=approximate)


@keras_op
def celu(x, alpha=1.0):
    return _act.celu(_float(x, "celu"), alpha)


@keras_op
def glu(x, axis=-1):
    return _act.glu(_float(x, "glu"), axis)


tanh_shrink = _float_activation("tanh_shrink")


hard_tanh = _float_activation("hard_tanh")


@keras_op
def hard_shrink(x, threshold=0.5):
    return _act.hard_shrink(_float(x, "hard_shrink"), threshold)


@keras_op
def threshold(x, threshold, default_value):
    return _act.threshold(tensor(x), threshold, default_value)


def _softmax_axes(x, axis, opname):
    if axis is None:
        return tuple(range(_ndim(x)))
    return axis_tuple(axis, _ndim(x), opname)


@keras_op
def softmax(x, axis=-1):
    x = _float(x, "softmax")
    axes = _softmax_axes(x, axis, "softmax")
    if len(axes) == 1:
        return _nn.softmax(x, axis=axes[0])
    m = _stop(R.reduce_max(x, axis=list(axes), keepdims=True))
    e = M.exp(M.subtract(x, m))
    return M.divide(e, R.reduce_sum(e, axis=list(axes), keepdims=True))


@keras_op
def log_softmax(x, axis=-1):
    x = _float(x, "log_softmax")
    axes = _softmax_axes(x, axis, "log_softmax")
    if len(axes) == 1:
        return _nn.log_softmax(x, axis=axes[0])
    return M.subtract(x, R.reduce_logsumexp(x, axis=list(axes), keepdims=True))


@keras_op
def sparsemax(x, axis=-1):
    return _act.sparsemax(_float(x, "sparsemax"), axis=axis)


def _stop(x):
    from ndflow.core.engine import stop_gradient
    return stop_gradient(x)


# ---- convolution and pooling -------------------------------------------------------------

def _tf_format(data_format):
    return "channels_first" if _data_format(data_format) == "channels_first" else None


def _padding(padding, opname):
    p = str(padding).lower()
    if p not in ("valid", "same"):
        raise ValueError("keras.ops.%s: padding must be 'valid' or 'same', got %r."
                         % (opname, padding))
    return p.upper()


@keras_op
def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    x, w = promote(inputs, kernel)
    return _nn.convolution(x, w, strides=strides, padding=_padding(padding, "conv"),
                           data_format=_tf_format(data_format), dilations=dilation_rate)


@keras_op
def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    """Each input channel convolved with its own ``kernel[..., c, :]`` filters; the kernel is
    (spatial..., in_channels, channel_multiplier)."""
    x, w = promote(inputs, kernel)
    nd = _ndim(w) - 2
    cf = _data_format(data_format) == "channels_first"
    cin = _shape(x)[1 if cf else -1]
    if _shape(w)[-2] != cin:
        raise ValueError("keras.ops.depthwise_conv: the input has %d channels but the kernel "
                         "(shape %s) expects %d." % (cin, _shape(w), _shape(w)[-2]))
    # a grouped convolution with one group per input channel
    grouped = A.reshape(w, list(_shape(w)[:nd]) + [1, cin * _shape(w)[-1]])
    return _nn.convolution(x, grouped, strides=strides,
                           padding=_padding(padding, "depthwise_conv"),
                           data_format=_tf_format(data_format), dilations=dilation_rate)


@keras_op
def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    y = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    return conv(y, pointwise_kernel, 1, "valid", data_format)


def _tuple(v, n, what):
    if isinstance(v, (int, np.integer)):
        return (int(v),) * n
    v = tuple(int(a) for a in v)
    if len(v) == 1:
        return v * n
    if len(v) != n:
        raise ValueError("keras.ops: %s must be an int or %d ints, got %r." % (what, n, v))
    return v


def _conv_transpose_length(n, k, stride, padding, output_padding, dilation):
    k = (k - 1) * dilation + 1
    if output_padding is None:
        if padding == "valid":
            return n * stride + builtins.max(k - stride, 0)
        return n * stride
    pad = k // 2 if padding == "same" else 0
    return (n - 1) * stride + k - 2 * pad + output_padding


@keras_op
def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    """Transposed convolution; the kernel is (spatial..., out_channels, in_channels)."""
    x, w = promote(inputs, kernel)
    nd = _ndim(w) - 2
    cf = _data_format(data_format) == "channels_first"
    padding = str(padding).lower()
    _padding(padding, "conv_transpose")
    st = _tuple(strides, nd, "strides")
    dl = _tuple(dilation_rate, nd, "dilation_rate")
    op = None if output_padding is None else _tuple(output_padding, nd, "output_padding")
    spatial = _shape(x)[2:] if cf else _shape(x)[1:-1]
    out = [_conv_transpose_length(n, k, s, padding, None if op is None else op[i], d)
           for i, (n, k, s, d) in enumerate(zip(spatial, _shape(w)[:nd], st, dl))]
    return _nn.conv_transpose(x, w, out, st, padding=padding.upper(),
                              data_format=_tf_format(data_format), dilations=dl)


def _pool(kind, inputs, pool_size, strides, padding, data_format, opname):
    x = tensor(inputs)
    nd = _ndim(x) - 2
    ks = _tuple(pool_size, nd, "pool_size")
    st = ks if strides is None else _tuple(strides, nd, "strides")
    return _nn.pool(x, ks, kind, strides=st, padding=_padding(padding, opname),
                    data_format=_tf_format(data_format))


@keras_op
def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    return _pool("MAX", inputs, pool_size, strides, padding, data_format, "max_pool")


@keras_op
def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    return _pool("AVG", tensor(inputs), pool_size, strides, padding, data_format,
                 "average_pool")


def _adaptive(reduce_fn, inputs, output_size, data_format, opname):
    x = float_tensor(inputs)
    nd = _ndim(x) - 2
    cf = _data_format(data_format) == "channels_first"
    out_size = _tuple(output_size, nd, "output_size")
    first = 2 if cf else 1
    for i in range(nd):
        ax = first + i
        n, o = _shape(x)[ax], out_size[i]
        parts = []
        for j in range(o):
            lo = (j * n) // o
            hi = -((-(j + 1) * n) // o)
            key = [builtins.slice(None)] * _ndim(x)
            key[ax] = builtins.slice(lo, hi)
            parts.append(reduce_fn(A.getitem(x, tuple(key)), axis=ax, keepdims=True))
        x = A.concat(parts, axis=ax)
    return x


@keras_op
def adaptive_average_pool(inputs, output_size, data_format=None):
    """Average over the bins [floor(i n / o), ceil((i + 1) n / o)) of each spatial axis."""
    return _adaptive(R.reduce_mean, inputs, output_size, data_format, "adaptive_average_pool")


@keras_op
def adaptive_max_pool(inputs, output_size, data_format=None):
    return _adaptive(R.reduce_max, inputs, output_size, data_format, "adaptive_max_pool")


# ---- one-hot -----------------------------------------------------------------------------

@keras_op
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    if sparse:
        raise ValueError("keras.ops.one_hot: sparse=True is not supported by ndflow.")
    idx = ndarray(tensor(x))
    out = A.one_hot(_wrap(idx.astype(np.int64) if idx.dtype.kind in "iub" else idx),
                    int(num_classes), dtype=standardize_dtype(dtype))
    if axis != -1:
        out = _np_ops.moveaxis(out, -1, axis)
    return out


@keras_op
def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    if num_classes is None:
        num_classes = kwargs.pop("num_tokens", None)
    if num_classes is None:
        raise ValueError("keras.ops.multi_hot needs num_classes.")
    if sparse:
        raise ValueError("keras.ops.multi_hot: sparse=True is not supported by ndflow.")
    idx = ndarray(tensor(inputs))
    if idx.dtype.kind not in "iu":
        idx = idx.astype(np.int64)
    n = int(num_classes)
    batched = idx.ndim > 1
    rows = idx if batched else idx[None]
    rows = rows.reshape(rows.shape[0], -1)
    out = np.zeros((rows.shape[0], n), dtype=standardize_dtype(dtype))
    for r, row in enumerate(rows):
        ok = row[(row >= 0) & (row < n)]
        out[r, ok] = 1
    if not batched:
        out = out[0]
    t = _wrap(out)
    if axis != -1:
        t = _np_ops.moveaxis(t, -1, axis)
    return t


# ---- cross-entropies ---------------------------------------------------------------------

def _losses():
    from ndflow.keras import losses
    return losses


def _same_shape(target, output, opname):
    if _shape(target) != _shape(output):
        raise ValueError("keras.ops.%s: target and output must have the same shape, got %s "
                         "and %s." % (opname, _shape(target), _shape(output)))


@keras_op
def binary_crossentropy(target, output, from_logits=False):
    output = float_tensor(output)
    target = cast(tensor(target), output._value.dtype.name)
    _same_shape(target, output, "binary_crossentropy")
    return _losses()._binary_crossentropy_elementwise(target, output, from_logits)


@keras_op
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    output = float_tensor(output)
    target = cast(tensor(target), output._value.dtype.name)
    _same_shape(target, output, "categorical_crossentropy")
    if _ndim(output) < 1:
        raise ValueError("keras.ops.categorical_crossentropy: output must have at least one "
                         "axis, got a scalar.")
    return _losses().categorical_crossentropy(target, output, from_logits=from_logits,
                                              axis=axis)


@keras_op
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    output = float_tensor(output)
    return _losses().sparse_categorical_crossentropy(tensor(target), output,
                                                     from_logits=from_logits, axis=axis)


# ---- normalization -----------------------------------------------------------------------

@keras_op
def moments(x, axes, keepdims=False, synchronized=False):
    x = tensor(x)
    dt = x._value.dtype.name
    xf = cast(x, "float32") if dt in ("float16", "bfloat16") or not is_float(dt) else x
    axes = list(axis_tuple(axes, _ndim(x), "moments"))
    mean = R.reduce_mean(xf, axis=axes, keepdims=True)
    var = R.reduce_mean(M.square(M.subtract(xf, mean)), axis=axes, keepdims=True)
    if not keepdims:
        mean = A.squeeze(mean, axes) if axes else mean
        var = A.squeeze(var, axes) if axes else var
    if dt in ("float16", "bfloat16"):
        # keep float16 from overflowing: clip to its largest value first
        big = float(np.finfo(np.float16).max)
        mean = M.clip_by_value(mean, -big, big)
        var = M.clip_by_value(var, -big, big)
    if xf is not x:
        mean, var = cast(mean, dt), cast(var, dt)
    return mean, var


@keras_op
def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    x = tensor(x)
    dt = x._value.dtype.name
    nd = _ndim(x)
    ax = one_axis(axis, nd, "batch_normalization")
    shape = [1] * nd
    shape[ax] = _shape(x)[ax]

    def prep(v):
        v = cast(tensor(v), dt)
        return A.reshape(v, shape) if _ndim(v) == 1 else v
    inv = M.rsqrt(M.add(prep(variance), float(epsilon)))
    if scale is not None:
        inv = M.multiply(inv, prep(scale))
    out = M.multiply(M.subtract(x, prep(mean)), inv)
    if offset is not None:
        out = M.add(out, prep(offset))
    return out


@keras_op
def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    if kwargs.get("rms_scaling"):
        return rms_normalization(x, scale=gamma, axis=axis, epsilon=epsilon)
    x = float_tensor(x)
    axes = list(axis_tuple(axis, _ndim(x), "layer_normalization"))
    eps = _epsilon(epsilon)
    mean, var = moments(x, axes, keepdims=True)
    out = M.multiply(M.subtract(x, mean), M.rsqrt(M.add(var, eps)))
    if gamma is not None:
        out = M.multiply(out, _bcast_param(gamma, x, axes))
    if beta is not None:
        out = M.add(out, _bcast_param(beta, x, axes))
    return out


def _bcast_param(p, x, axes):
    p = cast(tensor(p), x._value.dtype.name)
    if _ndim(p) == len(axes) and _ndim(p) < _ndim(x):
        shape = [1] * _ndim(x)
        for a, d in zip(axes, _shape(p)):
            shape[a] = d
        p = A.reshape(p, shape)
    return p


@keras_op
def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    x = float_tensor(x)
    axes = list(axis_tuple(axis, _ndim(x), "rms_normalization"))
    eps = _epsilon(epsilon)
    ms = R.reduce_mean(M.square(x), axis=axes, keepdims=True)
    out = M.multiply(x, M.rsqrt(M.add(ms, eps)))
    if scale is not None:
        out = M.multiply(out, _bcast_param(scale, x, axes))
    return out


@keras_op
def normalize(x, axis=-1, order=2, epsilon=None):
    x = float_tensor(x)
    eps = _epsilon(epsilon)
    axes = list(axis_tuple(axis, _ndim(x), "normalize"))
    from ndflow.keras.ops.linalg import _vector_norm
    n = _vector_norm(x, order, axes, True)
    return M.divide(x, M.maximum(n, eps))


@keras_op
def psnr(x1, x2, max_val):
    x1, x2 = promote(x1, x2, extra=(float,))
    mse = R.reduce_mean(M.square(M.subtract(x1, x2)))
    mv = cast(tensor(max_val), x1._value.dtype.name)
    ln10 = _math.log(10.0)
    return M.subtract(M.multiply(M.log(mv), 20.0 / ln10), M.multiply(M.log(mse), 10.0 / ln10))


# ---- ctc ---------------------------------------------------------------------------------

@keras_op
def ctc_loss(target, output, target_length, output_length, mask_index=0):
    from ndflow.ops.ctc_ops import ctc_loss as _ctc
    output = float_tensor(output)
    return _ctc(tensor(target), output, tensor(target_length), tensor(output_length),
                logits_time_major=False, blank_index=int(mask_index))


def _log_softmax_np(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


@keras_op
def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1,
               merge_repeated=True, mask_index=0):
    """Greedy or beam-search CTC decoding of logits ``(batch, time, classes)``.

    Returns ``(decoded, scores)``: ``decoded`` is ``(top_paths, batch, time)`` int32 with
    -1 after each sequence; greedy scores are minus the summed best log-probabilities,
    ``(batch, 1)``; beam-search scores are the paths' log-probabilities."""
    raw = np.asarray(ndarray(float_tensor(inputs)), dtype=np.float64)
    logp = _log_softmax_np(raw)
    lens = np.asarray(ndarray(tensor(sequence_lengths))).astype(np.int64).reshape(-1)
    b, t, c = logp.shape
    blank = int(mask_index) % c
    dt = float_tensor(inputs)._value.dtype.name
    if strategy == "greedy":
        out = np.full((1, b, t), -1, dtype=np.int32)
        scores = np.zeros((b, 1))
        for i in range(b):
            n = builtins.min(int(lens[i]), t)
            best = logp[i, :n].argmax(axis=-1)
            # Keras' greedy score: minus the summed best raw logits
            scores[i, 0] = -raw[i, np.arange(n), best].sum()
            seq = []
            prev = None
            for k in best:
                if k != blank and not (merge_repeated and k == prev):
                    seq.append(k)
                prev = k
            out[0, i, :len(seq)] = seq
        return _wrap(out), _wrap(scores.astype(dt))
    if strategy != "beam_search":
        raise ValueError("keras.ops.ctc_decode: strategy must be 'greedy' or 'beam_search', "
                         "got %r." % (strategy,))
    top_paths = int(top_paths)
    out = np.full((top_paths, b, t), -1, dtype=np.int32)
    scores = np.full((b, top_paths), -np.inf)
    for i in range(b):
        n = builtins.min(int(lens[i]), t)
        beams = _prefix_beam_search(logp[i, :n], blank, int(beam_width), merge_repeated)
        for p, (seq, score) in enumerate(beams[:top_paths]):
            out[p, i, :len(seq)] = seq
            scores[i, p] = score
    return _wrap(out), _wrap(scores.astype(dt))


def _logsumexp2(a, b):
    if a == -np.inf:
        return b
    if b == -np.inf:
        return a
    m = builtins.max(a, b)
    return m + np.log(np.exp(a - m) + np.exp(b - m))


def _prefix_beam_search(logp, blank, width, merge_repeated):
    """CTC prefix beam search: each prefix keeps the log-probability of ending in a blank
    and in its last label; the ``width`` most probable prefixes survive each frame."""
    beams = {(): (0.0, -np.inf)}          # prefix -> (log p ending blank, log p ending label)
    for frame in logp:
        nxt = {}

        def add(prefix, pb, pl):
            ob, ol = nxt.get(prefix, (-np.inf, -np.inf))
            nxt[prefix] = (_logsumexp2(ob, pb), _logsumexp2(ol, pl))

        for prefix, (pb, pl) in beams.items():
            total = _logsumexp2(pb, pl)
            add(prefix, total + frame[blank], -np.inf)
            for k in range(len(frame)):
                if k == blank:
                    continue
                p = frame[k]
                if prefix and prefix[-1] == k and merge_repeated:
                    add(prefix, -np.inf, pl + p)               # repeat collapses
                    add(prefix + (k,), -np.inf, pb + p)        # a blank separated them
                else:
                    add(prefix + (k,), -np.inf, total + p)
        ranked = sorted(nxt.items(), key=lambda kv: -_logsumexp2(*kv[1]))
        beams = dict(ranked[:width])
    ranked = sorted(beams.items(), key=lambda kv: -_logsumexp2(*kv[1]))
    return [(list(p), _logsumexp2(*v)) for p, v in ranked]


# ---- attention ---------------------------------------------------------------------------

@keras_op
def dot_product_attention(query, key, value, bias=None, mask=None, scale=None,
                          is_causal=False, flash_attention=None, attn_logits_soft_cap=None):
    """softmax(q k^T * scale + bias, masked) v on (batch, seq, heads, head_dim) tensors;
    key/value may have fewer heads (grouped-query attention)."""
    if flash_attention:
        raise ValueError("keras.ops.dot_product_attention: flash_attention=True needs a GPU "
                         "kernel that ndflow does not have; leave it None or False.")
    q, k, v = promote(query, key, value)
    check_float(q, "dot_product_attention")
    if _ndim(q) != 4 or _ndim(k) != 4 or _ndim(v) != 4:
        raise ValueError("keras.ops.dot_product_attention expects 4-D tensors (batch, seq, "
                         "heads, head_dim), got %s, %s and %s." % (_shape(q), _shape(k),
                                                                  _shape(v)))
    n, kh = _shape(q)[2], _shape(k)[2]
    if n != kh:
        if n % kh:
            raise ValueError("keras.ops.dot_product_attention: the query's %d heads must be a "
                             "multiple of the key's %d." % (n, kh))
        k = A.repeat(k, n // kh, axis=2)
        v = A.repeat(v, n // kh, axis=2)
    h = _shape(q)[-1]
    s = 1.0 / _math.sqrt(h) if scale is None else float(scale)
    logits = L.einsum("btnh,bsnh->bnts", q, k)
    logits = M.multiply(logits, s)
    if attn_logits_soft_cap is not None:
        cap = float(attn_logits_soft_cap)
        logits = M.multiply(M.tanh(M.divide(logits, cap)), cap)
    if bias is not None:
        logits = M.add(logits, cast(tensor(bias), q._value.dtype.name))
    keep = None
    if mask is not None:
        keep = np.asarray(ndarray(tensor(mask))).astype(bool)
    if is_causal:
        t, sl = _shape(q)[1], _shape(k)[1]
        causal = np.tril(np.ones((t, sl), dtype=bool))
        keep = causal if keep is None else keep & causal
    if keep is not None:
        keep = np.broadcast_to(keep, _shape(logits))
        big = np.finfo(q._value.dtype).min * 0.7
        logits = M.where(_wrap(keep), logits, _np_ops._const(big, logits))
    probs = _nn.softmax(logits, axis=-1)
    return L.einsum("bnts,bsnh->btnh", probs, v)


# ---- space/depth rearrangements ----------------------------------------------------------

@keras_op
def depth_to_space(x, block_size, data_format="channels_last"):
    x = tensor(x)
    bs = int(block_size)
    cf = _data_format(data_format) == "channels_first"
    if cf:
        b, c, hh, ww = _shape(x)
        y = A.reshape(x, [b, bs, bs, c // (bs * bs), hh, ww])
        y = A.transpose(y, [0, 3, 4, 1, 5, 2])
        return A.reshape(y, [b, c // (bs * bs), hh * bs, ww * bs])
    b, hh, ww, c = _shape(x)
    y = A.reshape(x, [b, hh, ww, bs, bs, c // (bs * bs)])
    y = A.transpose(y, [0, 1, 3, 2, 4, 5])
    return A.reshape(y, [b, hh * bs, ww * bs, c // (bs * bs)])


@keras_op
def space_to_depth(x, block_size, data_format="channels_last"):
    x = tensor(x)
    bs = int(block_size)
    cf = _data_format(data_format) == "channels_first"
    if cf:
        b, c, hh, ww = _shape(x)
        y = A.reshape(x, [b, c, hh // bs, bs, ww // bs, bs])
        y = A.transpose(y, [0, 3, 5, 1, 2, 4])
        return A.reshape(y, [b, c * bs * bs, hh // bs, ww // bs])
    b, hh, ww, c = _shape(x)
    y = A.reshape(x, [b, hh // bs, bs, ww // bs, bs, c])
    y = A.transpose(y, [0, 1, 3, 2, 4, 5])
    return A.reshape(y, [b, hh // bs, ww // bs, bs * bs * c])


# ---- unfold / fold (im2col / col2im, channels first) -------------------------------------

def _pair(v, what):
    return _tuple(v, 2, what)


def _unfold_index(h, w, k, d, p, s):
    """Row/column source positions (in the padded image) of every patch element:
    arrays (kh*kw, L)."""
    hp, wp = h + 2 * p[0], w + 2 * p[1]
    oh = (hp - d[0] * (k[0] - 1) - 1) // s[0] + 1
    ow = (wp - d[1] * (k[1] - 1) - 1) // s[1] + 1
    if oh < 1 or ow < 1:
        raise ValueError("keras.ops.unfold/fold: the kernel %s (dilation %s) does not fit in "
                         "the padded input %s." % (k, d, (hp, wp)))
    ki = np.arange(k[0]) * d[0]
    kj = np.arange(k[1]) * d[1]
    oi = np.arange(oh) * s[0]
    oj = np.arange(ow) * s[1]
    rows = (ki[:, None, None, None] + oi[None, None, :, None])
    cols = (kj[None, :, None, None] + oj[None, None, None, :])
    rows = np.broadcast_to(rows, (k[0], k[1], oh, ow)).reshape(k[0] * k[1], oh * ow)
    cols = np.broadcast_to(cols, (k[0], k[1], oh, ow)).reshape(k[0] * k[1], oh * ow)
    return rows, cols, hp, wp


@keras_op
def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    x = tensor(x)
    if _ndim(x) != 4:
        raise ValueError("keras.ops.unfold expects a 4-D (N, C, H, W) tensor, got shape %s."
                         % (_shape(x),))
    n, c, h, w = _shape(x)
    k, d, p, s = (_pair(kernel_size, "kernel_size"), _pair(dilation, "dilation"),
                  _pair(padding, "padding"), _pair(stride, "stride"))
    rows, cols, _, _ = _unfold_index(h, w, k, d, p, s)
    xp = A.pad(x, [[0, 0], [0, 0], [p[0], p[0]], [p[1], p[1]]]) if any(p) else x
    patches = A.getitem(xp, (builtins.slice(None), builtins.slice(None), rows, cols))
    return A.reshape(patches, [n, c * rows.shape[0], rows.shape[1]])


@keras_op
def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    x = tensor(x)
    if _ndim(x) != 3:
        raise ValueError("keras.ops.fold expects a 3-D (N, C*kH*kW, L) tensor, got shape %s."
                         % (_shape(x),))
    oh, ow = _pair(output_size, "output_size")
    k, d, p, s = (_pair(kernel_size, "kernel_size"), _pair(dilation, "dilation"),
                  _pair(padding, "padding"), _pair(stride, "stride"))
    rows, cols, hp, wp = _unfold_index(oh, ow, k, d, p, s)
    n, ck, nl = _shape(x)
    kk = k[0] * k[1]
    if ck % kk or nl != rows.shape[1]:
        raise ValueError("keras.ops.fold: input shape %s does not match kernel %s and %d "
                         "blocks." % (_shape(x), k, rows.shape[1]))
    c = ck // kk
    # (N, C, kk, L) -> scatter-add into (hp, wp) positions, for every (N, C)
    vals = A.transpose(A.reshape(x, [n, c, kk, nl]), [2, 3, 0, 1])      # (kk, L, N, C)
    idx = np.stack([rows, cols], axis=-1)                              # (kk, L, 2)
    img = A.scatter_nd(idx, vals, (hp, wp, n, c))
    img = A.transpose(img, [2, 3, 0, 1])
    return A.getitem(img, (builtins.slice(None), builtins.slice(None),
                           builtins.slice(p[0], p[0] + oh), builtins.slice(p[1], p[1] + ow)))


# ---- complex -----------------------------------------------------------------------------

@keras_op
def polar(abs_, angle):
    from ndflow.ops import signal_ops as S
    r, th = promote(abs_, angle, extra=(float,))
    return S.complex(M.multiply(r, M.cos(th)), M.multiply(r, M.sin(th)))
