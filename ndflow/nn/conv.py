"""``tf.nn`` convolution and pooling: argument handling around the channels-last primitives
in ``ndflow.ops.conv_ops`` / ``ndflow.ops.pooling_ops``.  Channels-first data
(``data_format='NCHW'`` etc.) is transposed to channels-last and back."""
import numpy as np

from ndflow.core.tensor import Tensor
from ndflow.ops._base import convert, InvalidArgumentError
from ndflow.ops import array_ops as _A
from ndflow.ops import conv_ops as _C
from ndflow.ops import pooling_ops as _P

__all__ = ["conv1d", "conv2d", "conv3d", "convolution", "conv1d_transpose",
           "conv2d_transpose", "conv3d_transpose", "conv_transpose", "depthwise_conv2d",
           "separable_conv2d", "max_pool1d", "max_pool2d", "max_pool3d", "max_pool",
           "avg_pool1d", "avg_pool2d", "avg_pool3d", "avg_pool", "pool"]

_FORMATS = {1: ("NWC", "NCW"), 2: ("NHWC", "NCHW"), 3: ("NDHWC", "NCDHW")}


def _channels_first(data_format, nd, opname):
    if data_format is None:
        return False
    df = str(data_format).upper()
    if df in ("CHANNELS_LAST",) or df == _FORMATS[nd][0] or (df == "NHWC" and nd == 1):
        return False
    if df in ("CHANNELS_FIRST",) or df == _FORMATS[nd][1] or (df == "NCHW" and nd == 1):
        return True
    raise InvalidArgumentError("%s: data_format must be %r or %r, got %r."
                               % (opname, _FORMATS[nd][0], _FORMATS[nd][1], data_format))


def _spatial(value, nd, cf, what, opname, default=1):
    """strides/dilations/ksize given as an int or a list of 1, N or N+2 ints -> N ints."""
    if value is None:
        return (default,) * nd
    if isinstance(value, Tensor):
        value = value._value.tolist()
    if isinstance(value, (int, np.integer)):
        return (int(value),) * nd
    value = [int(v) for v in value]
    if len(value) == 1:
        return tuple(value) * nd
    if len(value) == nd:
        return tuple(value)
    if len(value) == nd + 2:
        inner = value[2:] if cf else value[1:-1]
        outer = value[:2] if cf else [value[0], value[-1]]
        if outer != [1, 1]:
            raise InvalidArgumentError(
                "%s: %s %s must be 1 in the batch and channel dimensions." % (opname, what,
                                                                              value))
        return tuple(inner)
    raise InvalidArgumentError("%s: %s must be an int or a list of 1, %d or %d ints, got %r."
                               % (opname, what, nd, nd + 2, value))


def _padding(padding, nd, cf, opname):
    if isinstance(padding, str):
        if padding.upper() not in ("SAME", "VALID"):
            raise InvalidArgumentError("%s: padding must be 'SAME', 'VALID' or a list of "
                                       "[before, after] pairs, got %r." % (opname, padding))
        return padding.upper()
    pads = [tuple(int(v) for v in p) for p in padding]
    if len(pads) == nd + 2:
        pads = pads[2:] if cf else pads[1:-1]
    if len(pads) != nd:
        raise InvalidArgumentError("%s: explicit padding needs %d pairs, got %r."
                                   % (opname, nd + 2, padding))
    return pads


def _to_last(x, nd, cf):
    if not cf:
        return x
    return _A.transpose(x, [0] + list(range(2, nd + 2)) + [1])


def _to_first(x, nd, cf):
    if not cf:
        return x
    return _A.transpose(x, [0, nd + 1] + list(range(1, nd + 1)))


def _conv(input, filters, strides, padding, data_format, dilations, nd, opname):
    x = convert(input)
    w = convert(filters)
    if w._value.ndim != nd + 2:
        raise InvalidArgumentError(
            "%s: filters must have rank %d (%s + in_channels, out_channels), got shape %s."
            % (opname, nd + 2, "spatial dims" if nd > 1 else "width", tuple(w._value.shape)))
    cf = _channels_first(data_format, nd, opname)
    st = _spatial(strides, nd, cf, "strides", opname)
    dl = _spatial(dilations, nd, cf, "dilations", opname)
    pad = _padding(padding, nd, cf, opname)
    if x._value.ndim != nd + 2:
        raise InvalidArgumentError(
            "%s: input must have rank %d (batch, %s), got shape %s." % (
                opname, nd + 2, "channels, spatial..." if cf else "spatial..., channels",
                tuple(x._value.shape)))
    y = _C.conv(_to_last(x, nd, cf), w, st, pad, dl, opname=opname)
    return _to_first(y, nd, cf)


def conv1d(input, filters, stride, padding, data_format="NWC", dilations=None, name=None):
    """1-D convolution; ``filters`` is (width, in_channels, out_channels)."""
    return _conv(input, filters, stride, padding, data_format, dilations, 1, "conv1d")


def conv2d(input, filters, strides, padding, data_format="NHWC", dilations=None, name=None):
    """2-D convolution; ``filters`` is (height, width, in_channels, out_channels)."""
    return _conv(input, filters, strides, padding, data_format, dilations, 2, "conv2d")


def conv3d(input, filters, strides, padding, data_format="NDHWC", dilations=None, name=None):
    """3-D convolution; ``filters`` is (depth, height, width, in_channels, out_channels)."""
    return _conv(input, filters, strides, padding, data_format, dilations, 3, "conv3d")


def convolution(input, filters, strides=None, padding="VALID", data_format=None,
                dilations=None, name=None):
    """N-D convolution, N taken from the filters' rank."""
    nd = convert(filters)._value.ndim - 2
    if nd not in (1, 2, 3):
        raise InvalidArgumentError("convolution: filters must have rank 3, 4 or 5, got %d."
                                   % (nd + 2))
    return _conv(input, filters, strides, padding, data_format, dilations, nd, "convolution")


def _output_spatial(output_shape, nd, cf, opname):
    if isinstance(output_shape, Tensor):
        output_shape = output_shape._value.tolist()
    output_shape = [int(v) for v in output_shape]
    if len(output_shape) == nd + 2:
        return output_shape[2:] if cf else output_shape[1:-1], output_shape
    if len(output_shape) == nd:
        return output_shape, None
    raise InvalidArgumentError("%s: output_shape must have %d entries, got %r."
                               % (opname, nd + 2, output_shape))


def _conv_t(input, filters, output_shape, strides, padding, data_format, dilations, nd,
            opname):
    x = convert(input)
    w = convert(filters)
    cf = _channels_first(data_format, nd, opname)
    st = _spatial(strides, nd, cf, "strides", opname)
    dl = _spatial(dilations, nd, cf, "dilations", opname)
    pad = _padding(padding, nd, cf, opname)
    out_sp, full = _output_spatial(output_shape, nd, cf, opname)
    if full is not None:
        c = full[1] if cf else full[-1]
        if c != w._value.shape[-2]:
            raise InvalidArgumentError(
                "%s: output_shape asks for %d channels but the filters (shape %s) produce "
                "%d (filters are (spatial..., out_channels, in_channels))."
                % (opname, c, tuple(w._value.shape), w._value.shape[-2]))
    y = _C.conv_transpose(_to_last(x, nd, cf), w, out_sp, st, pad, dl, opname=opname)
    return _to_first(y, nd, cf)


def conv1d_transpose(input, filters, output_shape, strides, padding="SAME",
                     data_format="NWC", dilations=None, name=None):
    return _conv_t(input, filters, output_shape, strides, padding, data_format, dilations, 1,
                   "conv1d_transpose")


def conv2d_transpose(input, filters, output_shape, strides, padding="SAME",
                     data_format="NHWC", dilations=None, name=None):
    """Transposed 2-D convolution; ``filters`` is (height, width, out_channels,
    in_channels)."""
    return _conv_t(input, filters, output_shape, strides, padding, data_format, dilations, 2,
                   "conv2d_transpose")


def conv3d_transpose(input, filters, output_shape, strides, padding="SAME",
                     data_format="NDHWC", dilations=None, name=None):
    return _conv_t(input, filters, output_shape, strides, padding, data_format, dilations, 3,
                   "conv3d_transpose")


def conv_transpose(input, filters, output_shape, strides, padding="SAME", data_format=None,
                   dilations=None, name=None):
    nd = convert(filters)._value.ndim - 2
    return _conv_t(input, filters, output_shape, strides, padding, data_format, dilations, nd,
                   "conv_transpose")


def depthwise_conv2d(input, filter, strides, padding, data_format=None, dilations=None,
                     name=None):
    """Each input channel convolved with its own ``channel_multiplier`` filters;
    ``filter`` is (height, width, in_channels, channel_multiplier) and output channel
    ``c * channel_multiplier + j`` comes from input channel ``c``."""
    opname = "depthwise_conv2d"
    x = convert(input)
    w = convert(filter)
    if w._value.ndim != 4:
        raise InvalidArgumentError("%s: filter must have rank 4 (height, width, in_channels, "
                                   "channel_multiplier), got shape %s."
                                   % (opname, tuple(w._value.shape)))
    cf = _channels_first(data_format, 2, opname)
    cin = x._value.shape[1 if cf else -1]
    kh, kw, fc, m = w._value.shape
    if fc != cin:
        raise InvalidArgumentError("%s: input has %d channels but the filter (shape %s) "
                                   "expects %d." % (opname, cin, tuple(w._value.shape), fc))
    w_grouped = _A.reshape(w, (kh, kw, 1, cin * m))
    return _conv(x, w_grouped, strides, padding, data_format, dilations, 2, opname)


def separable_conv2d(input, depthwise_filter, pointwise_filter, strides, padding,
                     data_format=None, dilations=None, name=None):
    """A depthwise convolution followed by a 1x1 (pointwise) convolution."""
    y = depthwise_conv2d(input, depthwise_filter, strides, padding, data_format, dilations)
    return conv2d(y, pointwise_filter, 1, "VALID", data_format or "NHWC")


# ---- pooling -------------------------------------------------------------------------------------

def _pool(kind, input, ksize, strides, padding, data_format, nd, opname, dilations=None):
    x = convert(input)
    if nd is None:
        nd = x._value.ndim - 2
        if nd not in (1, 2, 3):
            raise InvalidArgumentError("%s: input must have rank 3, 4 or 5, got shape %s."
                                       % (opname, tuple(x._value.shape)))
    if x._value.ndim != nd + 2:
        raise InvalidArgumentError("%s: input must have rank %d, got shape %s."
                                   % (opname, nd + 2, tuple(x._value.shape)))
    cf = _channels_first(data_format, nd, opname)
    ks = _spatial(ksize, nd, cf, "ksize", opname)
    st = _spatial(strides, nd, cf, "strides", opname, default=None) \
        if strides is not None else ks
    dl = _spatial(dilations, nd, cf, "dilations", opname)
    if not isinstance(padding, str):
        raise InvalidArgumentError("%s: padding must be 'SAME' or 'VALID', got %r."
                                   % (opname, padding))
    fn = _P.max_pool if kind == "MAX" else _P.avg_pool
    y = fn(_to_last(x, nd, cf), ks, st, padding, dl, nd, opname)
    return _to_first(y, nd, cf)


def max_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):
    return _pool("MAX", input, ksize, strides, padding, data_format, 1, "max_pool1d")


def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    return _pool("MAX", input, ksize, strides, padding, data_format, 2, "max_pool2d")


def max_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None):
    return _pool("MAX", input, ksize, strides, padding, data_format, 3, "max_pool3d")


def max_pool(input, ksize, strides, padding, data_format=None, name=None):
    return _pool("MAX", input, ksize, strides, padding, data_format, None, "max_pool")


def avg_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):
    return _pool("AVG", input, ksize, strides, padding, data_format, 1, "avg_pool1d")


def avg_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    return _pool("AVG", input, ksize, strides, padding, data_format, 2, "avg_pool2d")


def avg_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None):
    return _pool("AVG", input, ksize, strides, padding, data_format, 3, "avg_pool3d")


def avg_pool(input, ksize, strides, padding, data_format=None, name=None):
    return _pool("AVG", input, ksize, strides, padding, data_format, None, "avg_pool")


def pool(input, window_shape, pooling_type, strides=None, padding="VALID", data_format=None,
         dilations=None, name=None):
    """``tf.nn.pool``: pooling_type 'MAX' or 'AVG' over an N-D window."""
    kind = str(pooling_type).upper()
    if kind not in ("MAX", "AVG"):
        raise InvalidArgumentError("pool: pooling_type must be 'MAX' or 'AVG', got %r."
                                   % (pooling_type,))
    return _pool(kind, input, window_shape, strides, padding, data_format, None, "pool",
                 dilations)
