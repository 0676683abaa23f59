"""Convolutional LSTM layers: ``ConvLSTM1D``, ``ConvLSTM2D``, ``ConvLSTM3D``.

An LSTM whose input and recurrent transformations are convolutions.  Inputs are
``(batch, time, *spatial, channels)`` (``data_format='channels_last'``) or
``(batch, time, channels, *spatial)``; the states ``h`` and ``c`` are images
``(batch, *out_spatial, filters)`` where ``out_spatial`` is what the input convolution
(``strides``, ``padding``, ``dilation_rate``) gives.

Weights use Keras' layout (so they can be exchanged with Keras), held by a cell named
``conv_lstm_cell``:

* ``kernel``           ``(*kernel_size, in_channels, 4 * filters)``, gates ``i, f, c, o``;
* ``recurrent_kernel`` ``(*kernel_size, filters, 4 * filters)``, applied with stride 1,
  ``'same'`` padding and no dilation;
* ``bias``             ``(4 * filters,)`` (the forget part starts at 1 with
  ``unit_forget_bias=True``).

How a sequence runs: the input convolution does not depend on the recurrence, so it is
computed for every timestep at once (one convolution over ``batch * time`` images); the
loop then runs only the recurrent convolution and the gates, op by op, so everything is
differentiable with ``GradientTape`` (to any order).  Channels-first data is transposed
to channels-last once for the whole sequence.

Masks follow Keras' RNN: a masked step keeps the states, and its output repeats the
previous output (zeros before the first unmasked step).  Dropout: one input mask and one
recurrent mask per sequence, shared by the four gates.
"""
import numpy as np

from ndflow.core.tensor import Tensor
from ndflow.keras import activations, initializers, regularizers, constraints
from ndflow.keras.engine.input_spec import InputSpec
from ndflow.keras.layers.recurrent import (
    RNN, _DropoutCell, _build_lstm_bias, _initial_state_batch)
from ndflow.keras.layers.convolutional import (
    normalize_tuple, normalize_data_format, normalize_padding, conv_output_length)
from ndflow.ops._base import wrap
from ndflow.ops import array_ops as _A
from ndflow.ops import math_ops as _M
from ndflow.ops import conv_ops as _C

__all__ = ["ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]


def _get(module, value):
    return module.get(value) if value is not None else None


def _ser(module, value):
    return module.serialize(value) if value is not None else None


def _last_perm(rank):
    """(batch, C, *S) -> (batch, *S, C)."""
    return [0] + list(range(2, rank + 2)) + [1]


def _first_perm(rank):
    """(batch, *S, C) -> (batch, C, *S)."""
    return [0, rank + 1] + list(range(1, rank + 1))


class ConvLSTMCell(_DropoutCell):
    """One step of a convolutional LSTM (Keras' ``ConvLSTMCell``; not exported by Keras'
    ``keras.layers``, so not by ndflow's either).  ``call(inputs, [h, c])`` takes one
    timestep in the cell's ``data_format``."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, activation="tanh",
                 recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, owner=None, **kwargs):
        super().__init__(**kwargs)
        who = owner or "ConvLSTM%dD" % rank
        self.rank = int(rank)
        if isinstance(filters, bool) or not isinstance(filters, (int, np.integer)) or \
                filters <= 0:
            raise ValueError("%s: filters must be a positive int, got %r." % (who, filters))
        self.filters = int(filters)
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size", who)
        self.strides = normalize_tuple(strides, rank, "strides", who)
        self.padding = normalize_padding(padding, who)
        self.data_format = normalize_data_format(data_format, who)
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate", who)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError("%s: strides > 1 together with dilation_rate > 1 is not "
                             "supported, got strides=%s and dilation_rate=%s. Use one of "
                             "them." % (who, self.strides, self.dilation_rate))
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.kernel_regularizer = _get(regularizers, kernel_regularizer)
        self.recurrent_regularizer = _get(regularizers, recurrent_regularizer)
        self.bias_regularizer = _get(regularizers, bias_regularizer)
        self.kernel_constraint = _get(constraints, kernel_constraint)
        self.recurrent_constraint = _get(constraints, recurrent_constraint)
        self.bias_constraint = _get(constraints, bias_constraint)
        self._init_dropout(dropout, recurrent_dropout, seed)
        self.state_size = [self.filters, self.filters]
        self.output_size = self.filters

    # ---- shapes ----
    def _split_shape(self, shape):
        """(channels, spatial) of a step shape (batch, ...) in the cell's data format."""
        shape = tuple(shape)
        if self.data_format == "channels_first":
            return shape[1], tuple(shape[2:])
        return shape[-1], tuple(shape[1:-1])

    def out_spatial(self, spatial):
        return tuple(conv_output_length(n, k, self.padding, s, d) for n, k, s, d in zip(
            spatial, self.kernel_size, self.strides, self.dilation_rate))

    def state_shape(self, batch, spatial):
        out = self.out_spatial(spatial)
        if self.data_format == "channels_first":
            return (batch, self.filters) + out
        return (batch,) + out + (self.filters,)

    def build(self, input_shape):
        shape = tuple(input_shape)
        if len(shape) != self.rank + 2:
            raise ValueError("ConvLSTMCell %r: expected one timestep of rank %d (batch, "
                             "spatial..., channels), got shape %s."
                             % (self.name, self.rank + 2, shape))
        cin, spatial = self._split_shape(shape)
        if cin is None:
            raise ValueError("ConvLSTM%dD: the channel dimension of the inputs must be "
                             "known, got input step shape %s." % (self.rank, shape))
        if any(n is None for n in spatial):
            raise ValueError("ConvLSTM%dD supports only static spatial dimensions, got "
                             "input step shape %s. Give the Input a full shape."
                             % (self.rank, shape))
        self.input_dim = int(cin)
        self.spatial_dims = spatial
        f = self.filters
        self.kernel = self.add_weight(
            name="kernel", shape=self.kernel_size + (self.input_dim, 4 * f),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            name="recurrent_kernel", shape=self.kernel_size + (f, 4 * f),
            initializer=self.recurrent_initializer, regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint)
        _build_lstm_bias(self, f)
        self.built = True

    def get_initial_state(self, batch_size=None, spatial=None):
        batch_size = _initial_state_batch(self, batch_size)
        shape = self.state_shape(batch_size, self.spatial_dims if spatial is None
                                 else spatial)
        dt = np.dtype(self.dtype)
        return [wrap(np.zeros(shape, dt)), wrap(np.zeros(shape, dt))]

    # ---- computing (channels-last arrays) ----
    def input_conv(self, x):
        """The four gates' input convolutions (and bias) of channels-last ``x``."""
        return _C.conv(x, self.kernel, self.strides, self.padding.upper(),
                       self.dilation_rate, opname="ConvLSTM%dD" % self.rank, bias=self.bias)

    def recurrent_conv(self, h):
        return _C.conv(h, self.recurrent_kernel, 1, "SAME", 1,
                       opname="ConvLSTM%dD" % self.rank)

    def gates(self, z, c):
        """New (h, c) from the gates' pre-activations ``z`` (..., 4 * filters)."""
        zi, zf, zc, zo = _A.split(z, 4, axis=-1)
        ra = self.recurrent_activation
        c_new = _M.add(_M.multiply(ra(zf), c), _M.multiply(ra(zi), self.activation(zc)))
        h_new = _M.multiply(ra(zo), self.activation(c_new))
        return h_new, c_new

    def call(self, inputs, states, training=None):
        h, c = states[0], states[1]
        cf = self.data_format == "channels_first"
        if cf:
            perm = _last_perm(self.rank)
            inputs, h, c = (_A.transpose(t, perm) for t in (inputs, h, c))
        x, hd = self._maybe_drop(inputs, h, training)
        h_new, c_new = self.gates(_M.add(self.input_conv(x), self.recurrent_conv(hd)), c)
        if cf:
            perm = _first_perm(self.rank)
            h_new, c_new = _A.transpose(h_new, perm), _A.transpose(c_new, perm)
        return h_new, [h_new, c_new]

    def get_config(self):
        config = super().get_config()
        config.update(_cell_config(self))
        return config


def _cell_config(cell):
    return {
        "filters": cell.filters, "kernel_size": cell.kernel_size, "strides": cell.strides,
        "padding": cell.padding, "data_format": cell.data_format,
        "dilation_rate": cell.dilation_rate,
        "activation": activations.serialize(cell.activation),
        "recurrent_activation": activations.serialize(cell.recurrent_activation),
        "use_bias": cell.use_bias,
        "kernel_initializer": initializers.serialize(cell.kernel_initializer),
        "recurrent_initializer": initializers.serialize(cell.recurrent_initializer),
        "bias_initializer": initializers.serialize(cell.bias_initializer),
        "unit_forget_bias": cell.unit_forget_bias,
        "kernel_regularizer": _ser(regularizers, cell.kernel_regularizer),
        "recurrent_regularizer": _ser(regularizers, cell.recurrent_regularizer),
        "bias_regularizer": _ser(regularizers, cell.bias_regularizer),
        "kernel_constraint": _ser(constraints, cell.kernel_constraint),
        "recurrent_constraint": _ser(constraints, cell.recurrent_constraint),
        "bias_constraint": _ser(constraints, cell.bias_constraint),
        "dropout": cell.dropout, "recurrent_dropout": cell.recurrent_dropout,
        "seed": cell.seed,
    }


_CELL_ATTRS = ("filters", "kernel_size", "strides", "padding", "data_format",
               "dilation_rate", "activation", "recurrent_activation", "use_bias",
               "kernel_initializer", "recurrent_initializer", "bias_initializer",
               "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer",
               "bias_regularizer", "kernel_constraint", "recurrent_constraint",
               "bias_constraint", "dropout", "recurrent_dropout", "seed", "kernel",
               "recurrent_kernel", "bias")


class _ConvLSTM(RNN):
    """The shared N-D convolutional LSTM layer (``rank`` set by the subclasses)."""

    rank = None

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, **kwargs):
        cell = ConvLSTMCell(
            self.rank, filters, kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation,
            recurrent_activation=recurrent_activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed, name="conv_lstm_cell",
            dtype=kwargs.get("dtype"), owner=type(self).__name__)
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful,
                         activity_regularizer=activity_regularizer, **kwargs)
        object.__setattr__(self, "_call_spatial", None)

    def __getattr__(self, name):
        # the cell's hyper-parameters and weights (layer.filters, layer.kernel, ...)
        if name in _CELL_ATTRS and "cell" in self.__dict__:
            return getattr(self.__dict__["cell"], name)
        raise AttributeError("%r object has no attribute %r" % (type(self).__name__, name))

    # ---- shapes ----
    def _check_rank(self, shape):
        if len(shape) != self.rank + 3:
            layout = ("(batch, time, channels, %s)" if self.cell.data_format ==
                      "channels_first" else "(batch, time, %s, channels)") % ", ".join(
                "dim%d" % (i + 1) for i in range(self.rank))
            raise ValueError("%s %r expects inputs of rank %d %s, got shape %s."
                             % (type(self).__name__, self.name, self.rank + 3, layout,
                                tuple(shape)))

    def build(self, input_shape):
        shape = tuple(input_shape)
        if shape and isinstance(shape[0], (list, tuple)):
            shape = tuple(shape[0])
        self._check_rank(shape)
        RNN.build(self, shape)
        axis = 2 if self.cell.data_format == "channels_first" else -1
        self.input_spec = InputSpec(ndim=self.rank + 3, axes={axis: self.cell.input_dim})
        self.built = True

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        if shape and isinstance(shape[0], (list, tuple)):
            shape = tuple(shape[0])
        self._check_rank(shape)
        _, spatial = self.cell._split_shape((shape[0],) + shape[2:])
        state = self.cell.state_shape(shape[0], spatial)
        out = (shape[0], shape[1]) + state[1:] if self.return_sequences else state
        if self.return_state:
            return [out, state, state]
        return out

    def get_initial_state(self, batch_size):
        return self.cell.get_initial_state(batch_size, self._call_spatial)

    # ---- running ----
    def call(self, sequences, initial_state=None, mask=None, training=None):
        if isinstance(sequences, Tensor):
            self._check_rank(sequences._value.shape)
            _, spatial = self.cell._split_shape(
                (sequences._value.shape[0],) + sequences._value.shape[2:])
            object.__setattr__(self, "_call_spatial", spatial)
        if mask is not None:
            m = np.asarray(mask._value if isinstance(mask, Tensor) else mask)
            if m.ndim > 2:  # a Masking layer's per-position mask: a step counts if any does
                mask = Tensor(m.reshape(m.shape[:2] + (-1,)).any(axis=-1))
        try:
            return super().call(sequences, initial_state=initial_state, mask=mask,
                                training=training)
        finally:
            object.__setattr__(self, "_call_spatial", None)

    def _loop(self, x, states, mask_np, training):
        cell = self.cell
        r = self.rank
        cf = cell.data_format == "channels_first"
        if cf:
            x = _A.transpose(x, [0, 1] + list(range(3, r + 3)) + [2])
            states = [_A.transpose(s, _last_perm(r)) for s in states]
        shape = tuple(x._value.shape)
        b, t_len, step = shape[0], shape[1], shape[2:]
        if t_len == 0:
            raise ValueError("%s %r: the input sequence has no timesteps (shape %s)."
                             % (type(self).__name__, self.name, shape))
        if training and 0 < cell.dropout < 1:
            dmask = cell.get_dropout_mask(x._value[:, 0])
            x = _M.multiply(x, wrap(dmask[:, None]))
        rmask = None
        if training and 0 < cell.recurrent_dropout < 1:
            rmask = wrap(cell.get_recurrent_dropout_mask(states[0]._value))
        # every timestep's input convolution at once
        zx = cell.input_conv(_A.reshape(x, (b * t_len,) + step))
        zx = _A.reshape(zx, (b, t_len) + tuple(zx._value.shape[1:]))
        h, c = states[0], states[1]
        steps = range(t_len - 1, -1, -1) if self.go_backwards else range(t_len)
        outs = []
        prev = None
        for t in steps:
            hd = h if rmask is None else _M.multiply(h, rmask)
            h_new, c_new = cell.gates(_M.add(zx[:, t], cell.recurrent_conv(hd)), c)
            if mask_np is None:
                h, c, out = h_new, c_new, h_new
            else:
                keep = _A.broadcast_to(wrap(mask_np[:, t].reshape((b,) + (1,) * (r + 1))),
                                       h_new._value.shape)
                if prev is None or self.zero_output_for_mask:
                    prev = _M.zeros_like(h_new)
                out = _M.where(keep, h_new, prev)
                h = _M.where(keep, h_new, h)
                c = _M.where(keep, c_new, c)
            prev = out
            outs.append(out)
        outputs = _A.stack(outs, axis=1) if self.return_sequences else None
        last = outs[-1]
        if cf:
            perm = _first_perm(r)
            if outputs is not None:
                outputs = _A.transpose(outputs, [0, 1, r + 2] + list(range(2, r + 2)))
            last, h, c = (_A.transpose(v, perm) for v in (last, h, c))
        return outputs, last, [h, c]

    # ---- config ----
    def get_config(self):
        config = super().get_config()
        for key, value in _cell_config(self.cell).items():   # Keras' key order
            config[key] = value
            if key == "bias_regularizer":
                config["activity_regularizer"] = _ser(regularizers,
                                                      self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


class ConvLSTM1D(_ConvLSTM):
    """1-D convolutional LSTM: inputs (batch, time, steps, channels)."""

    rank = 1


class ConvLSTM2D(_ConvLSTM):
    """2-D convolutional LSTM: inputs (batch, time, rows, cols, channels)."""

    rank = 2


class ConvLSTM3D(_ConvLSTM):
    """3-D convolutional LSTM: inputs (batch, time, dim1, dim2, dim3, channels)."""

    rank = 3
