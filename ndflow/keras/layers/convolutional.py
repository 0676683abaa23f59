"""Convolution layers: ``Conv1D/2D/3D``, ``SeparableConv1D/2D``, ``DepthwiseConv2D``,
``Conv1DTranspose``, ``Conv2DTranspose``.

The kernels live in ``ndflow.ops.conv_ops`` (channels-last); a channels-first layer
transposes its input to channels-last, convolves, and transposes back.
"""
from ndflow.keras.engine.layer import Layer
from ndflow.keras.engine.input_spec import InputSpec
from ndflow.keras import activations, initializers, regularizers, constraints
from ndflow.ops import conv_ops as _C
from ndflow.ops import conv_pool_ops as _CP
from ndflow.ops import math_ops as _M
from ndflow.ops import array_ops as _A

__all__ = ["Conv1D", "Conv2D", "Conv3D", "Convolution1D", "Convolution2D", "Convolution3D",
           "SeparableConv1D", "SeparableConv2D", "DepthwiseConv2D", "Conv1DTranspose",
           "Conv2DTranspose", "Conv3DTranspose"]


# ---- argument helpers shared by the layers of issue 6 ----------------------------------------

def normalize_tuple(value, n, name, layer_name, allow_zero=False):
    """An int or an iterable of ``n`` ints -> a tuple of ``n`` ints (Keras' rule)."""
    try:
        if isinstance(value, int):
            out = (value,) * n
        else:
            out = tuple(int(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError("%s: %s must be an int or a tuple of %d ints, got %r."
                         % (layer_name, name, n, value)) from None
    if len(out) != n:
        raise ValueError("%s: %s must be an int or a tuple of %d ints, got %r."
                         % (layer_name, name, n, value))
    low = 0 if allow_zero else 1
    if any(v < low for v in out):
        raise ValueError("%s: every %s must be >= %d, got %r." % (layer_name, name, low, value))
    return out


def normalize_data_format(value, layer_name):
    if value is None:
        from ndflow.keras import backend
        value = backend.image_data_format()
    v = str(value).lower()
    if v not in ("channels_last", "channels_first"):
        raise ValueError("%s: data_format must be 'channels_last' or 'channels_first', got %r."
                         % (layer_name, value))
    return v


def normalize_padding(value, layer_name, allowed=("valid", "same")):
    v = str(value).lower()
    if v not in allowed:
        raise ValueError("%s: padding must be one of %s, got %r."
                         % (layer_name, ", ".join(repr(a) for a in allowed), value))
    return v


def to_channels_last(x, rank):
    return _A.transpose(x, [0] + list(range(2, rank + 2)) + [1])


def to_channels_first(x, rank):
    return _A.transpose(x, [0, rank + 1] + list(range(1, rank + 1)))


def conv_output_length(n, k, padding, stride, dilation=1):
    if n is None:
        return None
    k_eff = (k - 1) * dilation + 1
    if padding in ("same", "causal"):
        return -(-n // stride)
    return max((n - k_eff) // stride + 1, 0)


def deconv_output_length(n, k, padding, output_padding, stride, dilation=1):
    """Keras' length of a transposed convolution's output."""
    if n is None:
        return None
    k_eff = (k - 1) * dilation + 1
    if output_padding is None:
        if padding == "valid":
            return n * stride + max(k_eff - stride, 0)
        return n * stride
    pad = k_eff // 2 if padding == "same" else 0
    return (n - 1) * stride + k_eff - 2 * pad + output_padding


_RELU = activations.get("relu")


def _get(module, value):
    return module.get(value) if value is not None else None


def _ser(module, value):
    return module.serialize(value) if value is not None else None


def _kernel_bias_config(layer):
    """The config entries of a layer's kernel and bias initializers, regularizers and
    constraints, and of its activity regularizer (in Keras' order)."""
    return {
        "kernel_initializer": initializers.serialize(layer.kernel_initializer),
        "bias_initializer": initializers.serialize(layer.bias_initializer),
        "kernel_regularizer": _ser(regularizers, layer.kernel_regularizer),
        "bias_regularizer": _ser(regularizers, layer.bias_regularizer),
        "activity_regularizer": _ser(regularizers, layer.activity_regularizer),
        "kernel_constraint": _ser(constraints, layer.kernel_constraint),
        "bias_constraint": _ser(constraints, layer.bias_constraint),
    }


class _BaseConv(Layer):
    """Shared machinery: argument storage, bias/activation, channels-first handling."""

    rank = 2

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        cls = type(self).__name__
        self.rank = rank
        if filters is not None:
            if not isinstance(filters, int) or filters <= 0:
                raise ValueError("%s: filters must be a positive int, got %r." % (cls, filters))
        self.filters = filters
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size", cls)
        self.strides = normalize_tuple(strides, rank, "strides", cls)
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate", cls)
        allowed = ("valid", "same", "causal") if rank == 1 else ("valid", "same")
        self.padding = normalize_padding(padding, cls, allowed)
        self.data_format = normalize_data_format(data_format, cls)
        self.groups = int(groups or 1)
        if filters is not None and filters % self.groups:
            raise ValueError("%s: filters (%d) must be divisible by groups (%d)."
                             % (cls, filters, self.groups))
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = _get(regularizers, kernel_regularizer)
        self.bias_regularizer = _get(regularizers, bias_regularizer)
        self.kernel_constraint = _get(constraints, kernel_constraint)
        self.bias_constraint = _get(constraints, bias_constraint)
        # no InputSpec until build: build's own message explains a missing channel axis

    @property
    def _channel_axis(self):
        return 1 if self.data_format == "channels_first" else -1

    def _input_channels(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != self.rank + 2:
            raise ValueError(
                "%s %r expects inputs of rank %d (batch, %s), got shape %s.%s" % (
                    type(self).__name__, self.name, self.rank + 2,
                    "channels, spatial..." if self.data_format == "channels_first"
                    else "spatial..., channels", input_shape,
                    " Single-channel data needs a channel axis (x[..., None] turns "
                    "(N, H, W) into (N, H, W, 1)); a single sample needs a batch axis "
                    "(x[None])." if len(input_shape) == self.rank + 1 else ""))
        c = input_shape[self._channel_axis]
        if c is None:
            raise ValueError("%s %r: the channel dimension of the input must be known, got "
                             "input shape %s." % (type(self).__name__, self.name, input_shape))
        return int(c)

    def _pads(self):
        if self.padding == "causal":
            return [((self.kernel_size[0] - 1) * self.dilation_rate[0], 0)]
        return self.padding.upper()

    def _finish(self, y):
        if self.use_bias:
            y = _M.add(y, self.bias)
        if self.activation is not None:
            y = self.activation(y)
        return y

    def _out_spatial(self, spatial):
        return tuple(conv_output_length(n, k, self.padding, s, d) for n, k, s, d in zip(
            spatial, self.kernel_size, self.strides, self.dilation_rate))

    def _out_channels(self, input_shape):
        return self.filters

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.data_format == "channels_first":
            sp = self._out_spatial(input_shape[2:])
            return (input_shape[0], self._out_channels(input_shape)) + sp
        sp = self._out_spatial(input_shape[1:-1])
        return (input_shape[0],) + sp + (self._out_channels(input_shape),)

    def _cf_wrap(self, x, fn):
        if self.data_format == "channels_first":
            return to_channels_first(fn(to_channels_last(x, self.rank)), self.rank)
        return fn(x)

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters, "kernel_size": self.kernel_size, "strides": self.strides,
            "padding": self.padding, "data_format": self.data_format,
            "dilation_rate": self.dilation_rate, "groups": self.groups,
            "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
            **_kernel_bias_config(self),
        })
        return config

    def _add_kernel_and_bias(self, kernel_shape, cin):
        """Create ``kernel`` (and ``bias``) and fix the input's channel count."""
        self.kernel = self.add_weight(
            name="kernel", shape=kernel_shape, initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias", shape=(self.filters,), initializer=self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis: cin})
        self.built = True


class _Conv(_BaseConv):
    def build(self, input_shape):
        cin = self._input_channels(input_shape)
        if cin % self.groups:
            raise ValueError("%s %r: the number of input channels (%d) must be divisible by "
                             "groups (%d)." % (type(self).__name__, self.name, cin, self.groups))
        self._add_kernel_and_bias(self.kernel_size + (cin // self.groups, self.filters), cin)

    def call(self, inputs, _then_pool=None):
        relu = self.activation is _RELU
        if _then_pool is not None:
            return self._call_then_pool(inputs, _then_pool, relu)

        def run(x):
            y = _C.conv(x, self.kernel, self.strides, self._pads(), self.dilation_rate,
                        opname=type(self).__name__, bias=self.bias, relu=relu)
            if self.activation is not None and not relu:
                y = self.activation(y)
            return y
        return self._cf_wrap(inputs, run)

    # ---- running together with the max pooling layer that follows (a model's choice) ----

    def _fuses_with(self, pool):
        """Whether a model may run this layer and ``pool``, the only consumer of its
        output, as one op (``ndflow.ops.conv_pool_ops``): ``pool`` is a plain max
        pooling whose windows tile the output, and neither layer does anything the
        fused op would skip (custom ``call``, groups, other activations, activity
        regularizers, mixed precision)."""
        d = self.__dict__
        if (type(self).call is not _Conv.call or self.groups != 1 or
                d.get("_mixed") or self.activity_regularizer is not None or
                not (self.activation is _RELU or self.activation is None or
                     self.activation is activations.linear)):
            return False
        geometry = getattr(pool, "_tiling_max_pool", None)
        return geometry is not None and geometry(self.rank, self.data_format,
                                                 self.compute_dtype)

    def _call_then_pool(self, inputs, pool, relu):
        """``pool(self(inputs))`` as one op when the geometry allows (else the two)."""
        x = inputs if self.data_format != "channels_first" else \
            to_channels_last(inputs, self.rank)
        x, kernel, bias, cfg = _C.conv_args(x, self.kernel, self.strides, self._pads(),
                                            self.dilation_rate, self.bias,
                                            type(self).__name__)
        if not _CP.fusable(cfg, pool.pool_size):
            return pool(self.call(inputs))
        y = _CP.conv_pool(x, kernel, pool.pool_size, self.strides, self._pads(),
                          self.dilation_rate, bias=bias, relu=relu,
                          opname="%s+%s" % (type(self).__name__, type(pool).__name__))
        return to_channels_first(y, self.rank) if self.data_format == "channels_first" \
            else y


class Conv1D(_Conv):
    """1-D convolution over (batch, steps, channels); ``padding`` may also be 'causal'."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format="channels_last", dilation_rate=1, groups=1, activation=None,
                 use_bias=True, **kwargs):
        super().__init__(1, filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, **kwargs)


class Conv2D(_Conv):
    """2-D convolution over images (batch, height, width, channels) by default."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, activation=None, use_bias=True, **kwargs):
        super().__init__(2, filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, **kwargs)


class Conv3D(_Conv):
    """3-D convolution over volumes (batch, depth, height, width, channels) by default."""

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1, 1), groups=1, activation=None,
                 use_bias=True, **kwargs):
        super().__init__(3, filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, **kwargs)


Convolution1D = Conv1D
Convolution2D = Conv2D
Convolution3D = Conv3D


# ---- depthwise and separable ------------------------------------------------------------------

class _DepthwiseBase(_BaseConv):
    def __init__(self, rank, filters, kernel_size, strides, padding, data_format, dilation_rate,
                 depth_multiplier, activation, use_bias, depthwise_initializer,
                 pointwise_initializer, bias_initializer, depthwise_regularizer,
                 pointwise_regularizer, bias_regularizer, activity_regularizer,
                 depthwise_constraint, pointwise_constraint, bias_constraint, **kwargs):
        super().__init__(rank, filters, kernel_size, strides, padding, data_format,
                         dilation_rate, 1, activation, use_bias, bias_initializer=bias_initializer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         bias_constraint=bias_constraint, **kwargs)
        self.depth_multiplier = int(depth_multiplier)
        if self.depth_multiplier < 1:
            raise ValueError("%s: depth_multiplier must be >= 1, got %r."
                             % (type(self).__name__, depth_multiplier))
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = _get(regularizers, depthwise_regularizer)
        self.depthwise_constraint = _get(constraints, depthwise_constraint)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.pointwise_regularizer = _get(regularizers, pointwise_regularizer)
        self.pointwise_constraint = _get(constraints, pointwise_constraint)

    _depthwise_kernel_name = "depthwise_kernel"   # the weight's name

    def _build_depthwise(self, cin):
        self.depthwise_kernel = self.add_weight(
            name=self._depthwise_kernel_name, shape=self.kernel_size + (cin, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint)

    def _depthwise(self, x):
        k = self.depthwise_kernel
        cin = k._value.shape[-2]
        w = _A.reshape(k, self.kernel_size + (1, cin * self.depth_multiplier))
        return _C.conv(x, w, self.strides, self._pads(), self.dilation_rate,
                       opname=type(self).__name__)

    def _build_bias(self, n):
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias", shape=(n,), initializer=self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None

    def get_config(self):
        config = super().get_config()
        for key in ("kernel_initializer", "kernel_regularizer", "kernel_constraint", "groups"):
            config.pop(key, None)
        config.update({
            "depth_multiplier": self.depth_multiplier,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "depthwise_regularizer": _ser(regularizers, self.depthwise_regularizer),
            "depthwise_constraint": _ser(constraints, self.depthwise_constraint),
        })
        return config


class _SeparableConv(_DepthwiseBase):
    def build(self, input_shape):
        cin = self._input_channels(input_shape)
        self._build_depthwise(cin)
        self.pointwise_kernel = self.add_weight(
            name="pointwise_kernel",
            shape=(1,) * self.rank + (cin * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint)
        self._build_bias(self.filters)
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis: cin})
        self.built = True

    def call(self, inputs):
        def run(x):
            y = self._depthwise(x)
            y = _C.conv(y, self.pointwise_kernel, 1, "VALID", opname=type(self).__name__)
            return self._finish(y)
        return self._cf_wrap(inputs, run)

    def get_config(self):
        config = super().get_config()
        config.update({
            "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
            "pointwise_regularizer": _ser(regularizers, self.pointwise_regularizer),
            "pointwise_constraint": _ser(constraints, self.pointwise_constraint),
        })
        return config


_SEP_DEFAULTS = dict(depth_multiplier=1, activation=None, use_bias=True,
                     depthwise_initializer="glorot_uniform",
                     pointwise_initializer="glorot_uniform", bias_initializer="zeros",
                     depthwise_regularizer=None, pointwise_regularizer=None,
                     bias_regularizer=None, activity_regularizer=None,
                     depthwise_constraint=None, pointwise_constraint=None,
                     bias_constraint=None)


def _split_kwargs(kwargs, defaults):
    own = {k: kwargs.pop(k, v) for k, v in defaults.items()}
    return own, kwargs


class SeparableConv1D(_SeparableConv):
    """Depthwise 1-D convolution followed by a pointwise (1x1) convolution."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format="channels_last", dilation_rate=1, **kwargs):
        own, rest = _split_kwargs(kwargs, _SEP_DEFAULTS)
        super().__init__(1, filters, kernel_size, strides, padding, data_format,
                         dilation_rate, **own, **rest)


class SeparableConv2D(_SeparableConv):
    """Depthwise 2-D convolution followed by a pointwise (1x1) convolution."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1), **kwargs):
        own, rest = _split_kwargs(kwargs, _SEP_DEFAULTS)
        super().__init__(2, filters, kernel_size, strides, padding, data_format,
                         dilation_rate, **own, **rest)


class _DepthwiseConv(_DepthwiseBase):
    """The depthwise convolutions without a pointwise step (DepthwiseConv1D/2D); the
    subclass sets the class attribute ``rank``."""

    def __init__(self, kernel_size, strides, padding, depth_multiplier, data_format,
                 dilation_rate, **kwargs):
        own, rest = _split_kwargs(kwargs, _SEP_DEFAULTS)
        own["depth_multiplier"] = depth_multiplier
        for key in ("pointwise_initializer", "pointwise_regularizer", "pointwise_constraint"):
            own.pop(key)
        super().__init__(self.rank, None, kernel_size, strides, padding, data_format,
                         dilation_rate, pointwise_initializer="glorot_uniform",
                         pointwise_regularizer=None, pointwise_constraint=None, **own, **rest)

    def build(self, input_shape):
        cin = self._input_channels(input_shape)
        self._build_depthwise(cin)
        self._build_bias(cin * self.depth_multiplier)
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis: cin})
        self.built = True

    def _out_channels(self, input_shape):
        c = input_shape[self._channel_axis]
        return None if c is None else c * self.depth_multiplier

    def call(self, inputs):
        return self._cf_wrap(inputs, lambda x: self._finish(self._depthwise(x)))

    def get_config(self):
        config = super().get_config()
        config.pop("filters", None)
        return config


class DepthwiseConv2D(_DepthwiseConv):
    """Each input channel convolved with its own ``depth_multiplier`` filters."""

    rank = 2

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=(1, 1), **kwargs):
        kwargs.pop("filters", None)
        super().__init__(kernel_size, strides, padding, depth_multiplier, data_format,
                         dilation_rate, **kwargs)


# ---- transposed ------------------------------------------------------------------------------

class _ConvTranspose(_BaseConv):
    def __init__(self, rank, filters, kernel_size, strides, padding, output_padding,
                 data_format, dilation_rate, activation, use_bias, **kwargs):
        super().__init__(rank, filters, kernel_size, strides, padding, data_format,
                         dilation_rate, 1, activation, use_bias, **kwargs)
        cls = type(self).__name__
        if output_padding is None:
            self.output_padding = None
        else:
            self.output_padding = normalize_tuple(output_padding, rank, "output_padding", cls,
                                                  allow_zero=True)
            for p, s in zip(self.output_padding, self.strides):
                if p >= s:
                    raise ValueError("%s: each output_padding must be smaller than its "
                                     "stride, got output_padding=%s, strides=%s."
                                     % (cls, self.output_padding, self.strides))

    def build(self, input_shape):
        cin = self._input_channels(input_shape)
        self._add_kernel_and_bias(self.kernel_size + (self.filters, cin), cin)

    def _out_spatial(self, spatial):
        op = self.output_padding or (None,) * self.rank
        return tuple(deconv_output_length(n, k, self.padding, p, s, d) for n, k, p, s, d in zip(
            spatial, self.kernel_size, op, self.strides, self.dilation_rate))

    def call(self, inputs):
        def run(x):
            out_sp = self._out_spatial(tuple(x._value.shape[1:-1]))
            y = _C.conv_transpose(x, self.kernel, out_sp, self.strides, self.padding.upper(),
                                  self.dilation_rate, opname=type(self).__name__)
            return self._finish(y)
        return self._cf_wrap(inputs, run)

    def get_config(self):
        config = super().get_config()
        config.pop("groups", None)
        config["output_padding"] = self.output_padding
        return config


class Conv1DTranspose(_ConvTranspose):
    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True, **kwargs):
        super().__init__(1, filters, kernel_size, strides, padding, output_padding,
                         data_format, dilation_rate, activation, use_bias, **kwargs)


class Conv2DTranspose(_ConvTranspose):
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 output_padding=None, data_format=None, dilation_rate=(1, 1), activation=None,
                 use_bias=True, **kwargs):
        super().__init__(2, filters, kernel_size, strides, padding, output_padding,
                         data_format, dilation_rate, activation, use_bias, **kwargs)


class Conv3DTranspose(_ConvTranspose):
    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 output_padding=None, data_format=None, dilation_rate=(1, 1, 1),
                 activation=None, use_bias=True, **kwargs):
        super().__init__(3, filters, kernel_size, strides, padding, output_padding,
                         data_format, dilation_rate, activation, use_bias, **kwargs)
