"""Recurrent layers: the cells (``SimpleRNNCell``, ``LSTMCell``, ``GRUCell``), ``RNN`` (any
cell, ``StackedRNNCells``), ``SimpleRNN``, ``LSTM``, ``GRU``, ``Bidirectional`` and
``TimeDistributed``.

Weights use Keras' layout, so they can be exchanged with Keras: LSTM gates ``i, f, c, o``
(kernel ``(input_dim, 4 * units)``), GRU gates ``z, r, h`` with ``reset_after=True``
(bias ``(2, 3 * units)``: input bias, recurrent bias).

Two ways to run a sequence:

* the generic loop (``RNN`` with any cell, or ``unroll=True``): the cell is called once per
  timestep with ndflow ops, so everything is differentiable to any order;
* the fused kernels (``LSTM``/``GRU``/``SimpleRNN`` with their default activations): the
  input projection of all timesteps is one GEMM; the recurrence runs in one primitive
  (``_LSTMScan`` etc.) whose forward is a plain NumPy loop and whose gradient is a NumPy
  backpropagation-through-time loop.  This removes ~10 op dispatches and tape records per
  step.  Tests check the fused kernels against the generic loop.
"""
import numpy as np

from ndflow.core.engine import Op, execute
from ndflow.core.tensor import Tensor
from ndflow.keras.engine.layer import Layer
from ndflow.keras.engine.random_state import layer_generator
from ndflow.keras import activations, initializers, regularizers, constraints
from ndflow.keras.engine.masking import get_keras_mask, set_keras_mask
from ndflow.ops._base import wrap
from ndflow.ops import array_ops as _A
from ndflow.ops import math_ops as _M
from ndflow.ops import linalg_ops as _L
from ndflow.keras.layers.core import dense

__all__ = ["SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells", "RNN", "SimpleRNN",
           "LSTM", "GRU", "Bidirectional", "TimeDistributed"]


def _get(module, value):
    return module.get(value) if value is not None else None


def _ser(module, value):
    return module.serialize(value) if value is not None else None


def _sigmoid(x):
    # numerically safe logistic
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _as_list(x):
    if x is None:
        return None
    if isinstance(x, (list, tuple)):
        return list(x)
    return [x]


# ---- cells ------------------------------------------------------------------------------------

class _DropoutCell(Layer):
    """Dropout masks fixed for a whole sequence (Keras' DropoutRNNCell)."""

    def _init_dropout(self, dropout, recurrent_dropout, seed):
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.seed = seed
        object.__setattr__(self, "_dp_mask", None)
        object.__setattr__(self, "_rec_dp_mask", None)

    def _generator(self):
        return layer_generator(self)

    def _make_mask(self, shape, rate, dtype):
        keep = self._generator().random(shape) >= rate
        return keep.astype(dtype) * dtype.type(1.0 / (1.0 - rate))

    def reset_dropout_mask(self):
        object.__setattr__(self, "_dp_mask", None)

    def reset_recurrent_dropout_mask(self):
        object.__setattr__(self, "_rec_dp_mask", None)

    def get_dropout_mask(self, step_input):
        """The (scaled) input dropout mask as a NumPy array shaped like one step's input."""
        if self._dp_mask is None or self._dp_mask.shape != tuple(step_input.shape):
            v = step_input._value if isinstance(step_input, Tensor) else step_input
            object.__setattr__(self, "_dp_mask", self._make_mask(v.shape, self.dropout,
                                                                 v.dtype))
        return self._dp_mask

    def get_recurrent_dropout_mask(self, step_state):
        if self._rec_dp_mask is None or self._rec_dp_mask.shape != tuple(step_state.shape):
            v = step_state._value if isinstance(step_state, Tensor) else step_state
            object.__setattr__(self, "_rec_dp_mask", self._make_mask(
                v.shape, self.recurrent_dropout, v.dtype))
        return self._rec_dp_mask

    def _maybe_drop(self, x, h, training):
        if training and 0 < self.dropout < 1:
            x = _M.multiply(x, wrap(self.get_dropout_mask(x)))
        if training and 0 < self.recurrent_dropout < 1:
            h = _M.multiply(h, wrap(self.get_recurrent_dropout_mask(h)))
        return x, h

    def get_initial_state(self, batch_size=None, inputs=None, dtype=None):
        batch_size = _initial_state_batch(self, inputs if batch_size is None else batch_size)
        dt = np.dtype(self.dtype)
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else \
            [self.state_size]
        return [wrap(np.zeros((batch_size, s), dt)) for s in sizes]

    def _common_config(self):
        return {
            "units": self.units, "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": _ser(regularizers, self.kernel_regularizer),
            "recurrent_regularizer": _ser(regularizers, self.recurrent_regularizer),
            "bias_regularizer": _ser(regularizers, self.bias_regularizer),
            "kernel_constraint": _ser(constraints, self.kernel_constraint),
            "recurrent_constraint": _ser(constraints, self.recurrent_constraint),
            "bias_constraint": _ser(constraints, self.bias_constraint),
            "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        }

    def _init_common(self, units, use_bias, kernel_initializer, recurrent_initializer,
                     bias_initializer, kernel_regularizer, recurrent_regularizer,
                     bias_regularizer, kernel_constraint, recurrent_constraint, bias_constraint):
        if not isinstance(units, (int, np.integer)) or units <= 0:
            raise ValueError("%s: units must be a positive int, got %r."
                             % (type(self).__name__, units))
        self.units = int(units)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = _get(regularizers, kernel_regularizer)
        self.recurrent_regularizer = _get(regularizers, recurrent_regularizer)
        self.bias_regularizer = _get(regularizers, bias_regularizer)
        self.kernel_constraint = _get(constraints, kernel_constraint)
        self.recurrent_constraint = _get(constraints, recurrent_constraint)
        self.bias_constraint = _get(constraints, bias_constraint)

    def _build_kernels(self, input_dim, gates):
        self.kernel = self.add_weight(
            name="kernel", shape=(input_dim, gates * self.units),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            name="recurrent_kernel", shape=(self.units, gates * self.units),
            initializer=self.recurrent_initializer, regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint)


def _initial_state_batch(layer, value):
    """The batch size for ``get_initial_state``: an int (Keras 3), or the batch of an input
    tensor of shape ``(batch, ...)`` (what Keras 2 / TF 2 tutorials pass)."""
    if value is None or isinstance(value, (int, np.integer)):
        return value
    shape = getattr(value, "shape", None)
    if shape is not None and len(shape) == 0:
        return int(np.asarray(getattr(value, "_value", value)))   # a scalar tensor
    if shape is not None and len(shape) >= 1 and shape[0] is not None:
        return int(shape[0])
    raise TypeError("%s.get_initial_state: expected the batch size (an int) or an input "
                    "tensor of shape (batch, ...), got %r." % (type(layer).__name__, value))


def _input_dim(layer, input_shape):
    d = tuple(input_shape)[-1]
    if d is None:
        raise ValueError("%s %r: the last (feature) dimension of the input must be known, got "
                         "input shape %s." % (type(layer).__name__, layer.name,
                                              tuple(input_shape)))
    return int(d)


class SimpleRNNCell(_DropoutCell):
    """h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)."""

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        self._init_common(units, use_bias, kernel_initializer, recurrent_initializer,
                          bias_initializer, kernel_regularizer, recurrent_regularizer,
                          bias_regularizer, kernel_constraint, recurrent_constraint,
                          bias_constraint)
        self.activation = activations.get(activation)
        self._init_dropout(dropout, recurrent_dropout, seed)
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        self._build_kernels(_input_dim(self, input_shape), 1)
        self.bias = self.add_weight(
            name="bias", shape=(self.units,), initializer=self.bias_initializer,
            regularizer=self.bias_regularizer, constraint=self.bias_constraint) \
            if self.use_bias else None
        self.built = True

    def call(self, inputs, states, training=None):
        h = states[0] if isinstance(states, (list, tuple)) else states
        x, hd = self._maybe_drop(inputs, h, training)
        y = _L.matmul(x, self.kernel)
        if self.bias is not None:
            y = _M.add(y, self.bias)
        y = _M.add(y, _L.matmul(hd, self.recurrent_kernel))
        if self.activation is not None:
            y = self.activation(y)
        return y, [y]

    def get_config(self):
        config = super().get_config()
        config.update(self._common_config())
        config["activation"] = activations.serialize(self.activation)
        return config


class LSTMCell(_DropoutCell):
    """Long short-term memory cell; gates ``i, f, c, o`` side by side in each kernel."""

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 **kwargs):
        kwargs.pop("implementation", None)
        super().__init__(**kwargs)
        self._init_common(units, use_bias, kernel_initializer, recurrent_initializer,
                          bias_initializer, kernel_regularizer, recurrent_regularizer,
                          bias_regularizer, kernel_constraint, recurrent_constraint,
                          bias_constraint)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)
        self._init_dropout(dropout, recurrent_dropout, seed)
        self.state_size = [self.units, self.units]
        self.output_size = self.units

    def build(self, input_shape):
        self._build_kernels(_input_dim(self, input_shape), 4)
        _build_lstm_bias(self, self.units)
        self.built = True

    def call(self, inputs, states, training=None):
        h, c = states[0], states[1]
        x, hd = self._maybe_drop(inputs, h, training)
        z = _L.matmul(x, self.kernel)
        if self.bias is not None:
            z = _M.add(z, self.bias)
        z = _M.add(z, _L.matmul(hd, self.recurrent_kernel))
        zi, zf, zc, zo = _A.split(z, 4, axis=-1)
        ra = self.recurrent_activation
        i, f, o = ra(zi), ra(zf), ra(zo)
        c_new = _M.add(_M.multiply(f, c), _M.multiply(i, self.activation(zc)))
        h_new = _M.multiply(o, self.activation(c_new))
        return h_new, [h_new, c_new]

    def get_config(self):
        config = super().get_config()
        config.update(self._common_config())
        config.update({"activation": activations.serialize(self.activation),
                       "recurrent_activation": activations.serialize(
                           self.recurrent_activation),
                       "unit_forget_bias": self.unit_forget_bias})
        return config


class GRUCell(_DropoutCell):
    """Gated recurrent unit; gates ``z, r, h``.  ``reset_after=True`` (the default, and
    cuDNN's form) applies the reset gate after the recurrent matmul and keeps separate
    input and recurrent biases."""

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, reset_after=True, seed=None, **kwargs):
        kwargs.pop("implementation", None)
        super().__init__(**kwargs)
        self._init_common(units, use_bias, kernel_initializer, recurrent_initializer,
                          bias_initializer, kernel_regularizer, recurrent_regularizer,
                          bias_regularizer, kernel_constraint, recurrent_constraint,
                          bias_constraint)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = bool(reset_after)
        self._init_dropout(dropout, recurrent_dropout, seed)
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        self._build_kernels(_input_dim(self, input_shape), 3)
        if self.use_bias:
            shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
            self.bias = self.add_weight(
                name="bias", shape=shape, initializer=self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None
        self.built = True

    def call(self, inputs, states, training=None):
        h = states[0] if isinstance(states, (list, tuple)) else states
        x, hd = self._maybe_drop(inputs, h, training)
        u = self.units
        ra = self.recurrent_activation
        xw = _L.matmul(x, self.kernel)
        if self.reset_after:
            if self.bias is not None:
                xw = _M.add(xw, self.bias[0])
            inner = _L.matmul(hd, self.recurrent_kernel)
            if self.bias is not None:
                inner = _M.add(inner, self.bias[1])
            xz, xr, xh = _A.split(xw, 3, axis=-1)
            rz, rr, rh = _A.split(inner, 3, axis=-1)
            z = ra(_M.add(xz, rz))
            r = ra(_M.add(xr, rr))
            hh = self.activation(_M.add(xh, _M.multiply(r, rh)))
        else:
            if self.bias is not None:
                xw = _M.add(xw, self.bias)
            xz, xr, xh = _A.split(xw, 3, axis=-1)
            rk = self.recurrent_kernel
            z = ra(_M.add(xz, _L.matmul(hd, rk[:, :u])))
            r = ra(_M.add(xr, _L.matmul(hd, rk[:, u:2 * u])))
            hh = self.activation(_M.add(xh, _L.matmul(_M.multiply(r, hd), rk[:, 2 * u:])))
        h_new = _M.add(_M.multiply(z, h), _M.multiply(_M.subtract(1.0, z), hh))
        return h_new, [h_new]

    def get_config(self):
        config = super().get_config()
        config.update(self._common_config())
        config.update({"activation": activations.serialize(self.activation),
                       "recurrent_activation": activations.serialize(
                           self.recurrent_activation),
                       "reset_after": self.reset_after})
        return config


def _state_sizes(cell):
    s = cell.state_size
    return list(s) if isinstance(s, (list, tuple)) else [s]


def _deserialize_cell(config, custom_objects=None):
    if isinstance(config, Layer):
        return config
    from ndflow.keras.saving import serialization
    return serialization.deserialize_keras_object(config, custom_objects=custom_objects)


def _serialize_layer(layer):
    from ndflow.keras.saving import serialization
    return serialization.serialize_keras_object(layer)


def _build_lstm_bias(cell, units):
    """Give an LSTM-style ``cell`` its fused gate bias ``(4 * units,)`` (``None`` without
    ``use_bias``): ``bias_initializer`` for every gate, except ones for the forget gate (the
    second quarter) with ``unit_forget_bias``."""
    if not cell.use_bias:
        cell.bias = None
        return
    base = cell.bias_initializer

    def forget_ones(shape, dtype=None, **kw):
        def part(n):
            v = base((n,), dtype=dtype)
            return np.asarray(getattr(v, "_value", v))
        first = part(units)
        return np.concatenate([first, np.ones((units,), first.dtype), part(2 * units)])
    bias_init = forget_ones if cell.unit_forget_bias else base
    cell.bias = cell.add_weight(
        name="bias", shape=(4 * units,), initializer=bias_init,
        regularizer=cell.bias_regularizer, constraint=cell.bias_constraint)


class _WrappedLayerConfig:
    """``get_config`` / ``from_config`` of the layers that wrap another layer: the wrapped
    layer is serialized under ``"layer"`` and passed first to the constructor."""

    def get_config(self):
        config = super().get_config()
        config["layer"] = _serialize_layer(self.layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer = _deserialize_cell(config.pop("layer"), custom_objects)
        return cls(layer, **config)


class StackedRNNCells(Layer):
    """Several cells run one after the other at every timestep (a deep RNN in one layer);
    the states are the cells' states, in order."""

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        cells = list(cells)
        for c in cells:
            if not hasattr(c, "call") or not hasattr(c, "state_size"):
                raise ValueError("StackedRNNCells: every cell needs a call() method and a "
                                 "state_size attribute, got %r." % (c,))
        self.cells = cells

    @property
    def state_size(self):
        out = []
        for c in self.cells:
            out.extend(_state_sizes(c))
        return out

    @property
    def output_size(self):
        last = self.cells[-1]
        return getattr(last, "output_size", _state_sizes(last)[0])

    def build(self, input_shape):
        shape = tuple(input_shape)
        for c in self.cells:
            if isinstance(c, Layer) and not c.built:
                c.build(shape)
                c.built = True
            shape = shape[:-1] + (getattr(c, "output_size", _state_sizes(c)[0]),)
        self.built = True

    def get_initial_state(self, batch_size=None):
        out = []
        for c in self.cells:
            if hasattr(c, "get_initial_state"):
                out.extend(c.get_initial_state(batch_size))
            else:
                out.extend(wrap(np.zeros((batch_size, s), np.dtype(self.dtype)))
                           for s in _state_sizes(c))
        return out

    def call(self, inputs, states, training=None):
        new_states = []
        pos = 0
        x = inputs
        for c in self.cells:
            n = len(_state_sizes(c))
            st = list(states[pos:pos + n])
            pos += n
            x, ns = _call_cell(c, x, st, training)
            new_states.extend(ns)
        return x, new_states

    def reset_dropout_mask(self):
        for c in self.cells:
            if hasattr(c, "reset_dropout_mask"):
                c.reset_dropout_mask()
                c.reset_recurrent_dropout_mask()

    reset_recurrent_dropout_mask = reset_dropout_mask

    def get_config(self):
        config = super().get_config()
        config["cells"] = [_serialize_layer(c) for c in self.cells]
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["cells"] = [_deserialize_cell(c, custom_objects) for c in config["cells"]]
        return cls(**config)


def _call_cell(cell, x, states, training):
    kwargs = {}
    if "training" in _params(cell):
        kwargs["training"] = training
    out, new = cell(x, states, **kwargs)
    new = _as_list(new)
    return out, new


def _params(cell):
    import inspect
    try:
        return inspect.signature(type(cell).call).parameters
    except (TypeError, ValueError):
        return {}


# ---- fused recurrence kernels ------------------------------------------------------------------

class _ScanBase(Op):
    """Shared mask plumbing of the fused kernels.

    Inputs: ``xp`` (batch, time, gates * units) the projected inputs (bias included), the
    recurrent kernel, then the kernel-specific extras and the initial states.  Constants:
    ``mask`` (batch, time) bool in processing order, ``rmask`` (batch, units) the
    recurrent-dropout mask, ``zero_out`` (masked steps output 0 instead of the previous
    output).  Outputs: the sequence of outputs (batch, time, units) and the final states.
    """

    multi_output = True

    def __init__(self, mask, rmask, zero_out):
        self.mask = mask
        self.rmask = rmask
        self.zero_out = zero_out

    def _blend(self, t, new, old):
        if self.mask is None:
            return new
        return np.where(self.mask[:, t, None], new, old)

    def _output(self, t, h_new, h_prev):
        if self.mask is None:
            return h_new
        if self.zero_out:
            return h_new * self.mask[:, t, None]
        return np.where(self.mask[:, t, None], h_new, h_prev)

    def _split_grad(self, t, dh, dout):
        """(grad for the candidate, grad passed straight to the previous h)."""
        if self.mask is None:
            return dh + dout, 0.0
        m = self.mask[:, t, None]
        cand = np.where(m, dh + dout, 0)
        passed = np.where(m, 0, dh if self.zero_out else dh + dout)
        return cand, passed

    def _hr(self, h):
        return h if self.rmask is None else h * self.rmask


class _LSTMScan(_ScanBase):
    """LSTM with Keras' gate order (i, f, c, o).  Each step computes all four gates with
    one tanh over the (batch, 4 * units) pre-activations: the sigmoid gates as
    0.5 * tanh(z / 2) + 0.5 (the same float32 values as ``_sigmoid``), so a step is ~12
    NumPy calls on small arrays instead of ~20 (their fixed cost dominates here)."""

    def forward(self, xp, U, h0, c0):
        b, t_len, g = xp.shape
        u = g // 4
        dt = xp.dtype
        xs = xp.transpose(1, 0, 2)
        H = np.empty((t_len + 1, b, u), dt)
        C = np.empty((t_len + 1, b, u), dt)
        G = np.empty((t_len, b, g), dt)
        TC = np.empty((t_len, b, u), dt)
        H[0], C[0] = h0, c0
        # per column: scale before the tanh and after it, and the shift after it
        scale = np.full(g, 0.5, dt)
        scale[2 * u:3 * u] = 1
        shift = np.full(g, 0.5, dt)
        shift[2 * u:3 * u] = 0
        masked = None if self.mask is None else ~self.mask.all(axis=0)   # per step
        out = None if self.mask is None else np.empty((t_len, b, u), dt)
        z = np.empty((b, g), dt)
        ic = np.empty((b, u), dt)
        c_new = np.empty((b, u), dt)
        h_new = np.empty((b, u), dt)
        for t in range(t_len):
            h = H[t]
            np.matmul(self._hr(h), U, out=z)
            z += xs[t]
            z *= scale
            np.tanh(z, out=z)
            gt = G[t]
            np.multiply(z, scale, out=gt)
            gt += shift
            i, f, cc, o = gt[:, :u], gt[:, u:2 * u], gt[:, 2 * u:3 * u], gt[:, 3 * u:]
            partial = masked is not None and masked[t]
            c = c_new if partial else C[t + 1]
            hn = h_new if partial else H[t + 1]
            np.multiply(f, C[t], out=c)
            np.multiply(i, cc, out=ic)
            c += ic
            th = TC[t]
            np.tanh(c, out=th)
            np.multiply(o, th, out=hn)
            if partial:
                out[t] = self._output(t, hn, h)
                H[t + 1] = self._blend(t, hn, h)
                C[t + 1] = self._blend(t, c, C[t])
            elif out is not None:
                out[t] = hn
        self.saved = (H, C, G, TC)
        seq = H[1:] if out is None else out
        return np.ascontiguousarray(seq.transpose(1, 0, 2)), H[-1].copy(), C[-1].copy()

    def backward(self, dout, dhT, dcT):
        return execute(_ScanGrad(self), (dout, dhT, dcT))

    def grads(self, dout, dhT, dcT):
        H, C, G, TC = self.saved
        U = self.inputs[1]._value
        t_len, b, g = G.shape
        u = g // 4
        douts = dout.transpose(1, 0, 2)
        dZ = np.empty_like(G)
        dh = dhT.copy()
        dc = dcT.copy()
        UT = U.T
        deriv = np.empty((b, g), G.dtype)   # the gates' derivatives w.r.t. their inputs
        factor = np.empty((b, g), G.dtype)  # what multiplies them in dz
        dct = np.empty((b, u), G.dtype)
        for t in range(t_len - 1, -1, -1):
            gt = G[t]
            i, f, cc, o = gt[:, :u], gt[:, u:2 * u], gt[:, 2 * u:3 * u], gt[:, 3 * u:]
            dhc, dh_pass = self._split_grad(t, dh, douts[t])
            if self.mask is None:
                dcc, dc_pass = dc, 0.0
            else:
                m = self.mask[:, t, None]
                dcc, dc_pass = np.where(m, dc, 0), np.where(m, 0, dc)
            th = TC[t]
            # dct = dcc + dhc * o * (1 - th^2)
            np.multiply(th, th, out=dct)
            np.subtract(1, dct, out=dct)
            dct *= o
            dct *= dhc
            dct += dcc
            # sigmoid gates: s (1 - s); the candidate: 1 - cc^2
            np.subtract(1, gt, out=deriv)
            deriv *= gt
            np.multiply(cc, cc, out=deriv[:, 2 * u:3 * u])
            np.subtract(1, deriv[:, 2 * u:3 * u], out=deriv[:, 2 * u:3 * u])
            np.multiply(dct, cc, out=factor[:, :u])
            np.multiply(dct, C[t], out=factor[:, u:2 * u])
            np.multiply(dct, i, out=factor[:, 2 * u:3 * u])
            np.multiply(dhc, th, out=factor[:, 3 * u:])
            dz = dZ[t]
            np.multiply(factor, deriv, out=dz)
            dhr = dz @ UT
            dh = self._hr(dhr) + dh_pass
            dc = dct * f + dc_pass
        HR = self._hr(H[:-1])
        dU = HR.reshape(-1, u).T @ dZ.reshape(-1, g)
        return np.ascontiguousarray(dZ.transpose(1, 0, 2)), dU, dh, dc


class _GRUScan(_ScanBase):
    """GRU with reset_after=True; extra input: the recurrent bias ``br`` (3 * units)."""

    def forward(self, xp, U, br, h0):
        b, t_len, g = xp.shape
        u = g // 3
        dt = xp.dtype
        xs = xp.transpose(1, 0, 2)
        H = np.empty((t_len + 1, b, u), dt)
        Z = np.empty((t_len, b, u), dt)
        R = np.empty((t_len, b, u), dt)
        HH = np.empty((t_len, b, u), dt)
        RH = np.empty((t_len, b, u), dt)
        out = np.empty((t_len, b, u), dt)
        H[0] = h0
        for t in range(t_len):
            h = H[t]
            rec = self._hr(h) @ U + br
            x = xs[t]
            z = _sigmoid(x[:, :u] + rec[:, :u])
            r = _sigmoid(x[:, u:2 * u] + rec[:, u:2 * u])
            rh = rec[:, 2 * u:]
            hh = np.tanh(x[:, 2 * u:] + r * rh)
            hn = z * h + (1 - z) * hh
            Z[t], R[t], HH[t], RH[t] = z, r, hh, rh
            out[t] = self._output(t, hn, h)
            H[t + 1] = self._blend(t, hn, h)
        self.saved = (H, Z, R, HH, RH)
        return np.ascontiguousarray(out.transpose(1, 0, 2)), H[-1].copy()

    def backward(self, dout, dhT):
        return execute(_ScanGrad(self), (dout, dhT))

    def grads(self, dout, dhT):
        H, Z, R, HH, RH = self.saved
        U = self.inputs[1]._value
        t_len, b, u = Z.shape
        douts = dout.transpose(1, 0, 2)
        dX = np.empty((t_len, b, 3 * u), H.dtype)
        dRec = np.empty((t_len, b, 3 * u), H.dtype)
        dh = dhT.copy()
        UT = U.T
        for t in range(t_len - 1, -1, -1):
            z, r, hh, rh, h = Z[t], R[t], HH[t], RH[t], H[t]
            dhc, dh_pass = self._split_grad(t, dh, douts[t])
            dah = dhc * (1 - z) * (1 - hh * hh)
            daz = dhc * (h - hh) * z * (1 - z)
            dar = dah * rh * r * (1 - r)
            dX[t, :, :u] = daz
            dX[t, :, u:2 * u] = dar
            dX[t, :, 2 * u:] = dah
            dRec[t, :, :u] = daz
            dRec[t, :, u:2 * u] = dar
            dRec[t, :, 2 * u:] = dah * r
            dh = dhc * z + self._hr(dRec[t] @ UT) + dh_pass
        HR = self._hr(H[:-1])
        dU = HR.reshape(-1, u).T @ dRec.reshape(-1, 3 * u)
        dbr = dRec.reshape(-1, 3 * u).sum(axis=0)
        return np.ascontiguousarray(dX.transpose(1, 0, 2)), dU, dbr, dh


class _SimpleScan(_ScanBase):
    """SimpleRNN with tanh."""

    def forward(self, xp, U, h0):
        b, t_len, u = xp.shape
        xs = xp.transpose(1, 0, 2)
        H = np.empty((t_len + 1, b, u), xp.dtype)
        HN = np.empty((t_len, b, u), xp.dtype)
        out = np.empty((t_len, b, u), xp.dtype)
        H[0] = h0
        for t in range(t_len):
            h = H[t]
            hn = np.tanh(xs[t] + self._hr(h) @ U)
            HN[t] = hn
            out[t] = self._output(t, hn, h)
            H[t + 1] = self._blend(t, hn, h)
        self.saved = (H, HN)
        return np.ascontiguousarray(out.transpose(1, 0, 2)), H[-1].copy()

    def backward(self, dout, dhT):
        return execute(_ScanGrad(self), (dout, dhT))

    def grads(self, dout, dhT):
        H, HN = self.saved
        U = self.inputs[1]._value
        t_len, b, u = HN.shape
        douts = dout.transpose(1, 0, 2)
        dA = np.empty_like(HN)
        dh = dhT.copy()
        UT = U.T
        for t in range(t_len - 1, -1, -1):
            dhc, dh_pass = self._split_grad(t, dh, douts[t])
            hn = HN[t]
            dA[t] = dhc * (1 - hn * hn)
            dh = self._hr(dA[t] @ UT) + dh_pass
        HR = self._hr(H[:-1])
        dU = HR.reshape(-1, u).T @ dA.reshape(-1, u)
        return np.ascontiguousarray(dA.transpose(1, 0, 2)), dU, dh


class _ScanGrad(Op):
    """The gradients of a fused recurrence (one NumPy BPTT loop)."""

    multi_output = True

    def __init__(self, scan):
        self.scan = scan

    def forward(self, *dys):
        return self.scan.grads(*dys)

    def backward(self, *gs):
        raise NotImplementedError(
            "Second derivatives through the fused %s kernel are not supported. Create the "
            "layer with unroll=True: it then runs the cell op by op, which is "
            "differentiable to any order." % type(self.scan).__name__.strip("_"))


# ---- the RNN layer ---------------------------------------------------------------------------

class RNN(Layer):
    """Runs ``cell`` over the time axis of (batch, time, features) inputs.

    Masks (``mask=`` or the mask of an ``Embedding(mask_zero=True)``/``Masking`` input)
    skip timesteps: states are carried over and the output repeats the previous one (or
    is 0 with ``zero_output_for_mask=True``).  ``stateful=True`` keeps the final states
    for the next call (``reset_states()`` clears them).
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        kwargs.pop("time_major", None)
        super().__init__(**kwargs)
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
            raise ValueError("RNN: the cell must have a call() method and a state_size "
                             "attribute, got %r." % (cell,))
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.supports_masking = True
        object.__setattr__(self, "_states", None)

    # ---- building ----
    def build(self, input_shape):
        shape = tuple(input_shape)
        if len(shape) < 3:
            raise ValueError(
                "%s %r expects inputs of shape (batch, timesteps, features), got %s. For a "
                "single feature per step reshape to (batch, timesteps, 1); for token ids put "
                "an Embedding layer first." % (type(self).__name__, self.name, shape))
        step_shape = (shape[0],) + shape[2:]
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell.build(step_shape)
            self.cell.built = True
            # paths as in Keras: "lstm/lstm_cell/kernel"
            for v in self.cell.weights:
                if hasattr(v, "_path") and not v._path.startswith(self.name + "/"):
                    v._path = "%s/%s" % (self.name, v._path)
        self.built = True

    @property
    def states(self):
        return self._states

    def reset_states(self, states=None):
        if states is None:
            object.__setattr__(self, "_states", None)
        else:
            object.__setattr__(self, "_states", [Tensor(np.asarray(s)) for s in
                                                 _as_list(states)])

    reset_state = reset_states

    def get_initial_state(self, batch_size):
        batch_size = _initial_state_batch(self, batch_size)
        if hasattr(self.cell, "get_initial_state"):
            return list(self.cell.get_initial_state(batch_size=batch_size))
        dt = np.dtype(self.dtype)
        return [wrap(np.zeros((batch_size, s), dt)) for s in _state_sizes(self.cell)]

    # ---- running ----
    def call(self, sequences, initial_state=None, mask=None, training=None):
        x = sequences
        if isinstance(x, (list, tuple)):
            raise ValueError("%s %r: expected one input tensor, got a list of %d. Pass the "
                             "initial states with initial_state=." % (
                                 type(self).__name__, self.name, len(x)))
        if x._value.ndim < 3:
            raise ValueError("%s %r expects inputs of shape (batch, timesteps, features), got "
                             "%s." % (type(self).__name__, self.name, tuple(x._value.shape)))
        if mask is None:
            mask = get_keras_mask(x)
        mask_np = None
        if mask is not None:
            mask_np = np.asarray(mask._value if isinstance(mask, Tensor) else mask).astype(bool)
            if mask_np.ndim == 3:
                mask_np = mask_np.any(axis=-1)
            if mask_np.shape != tuple(x._value.shape[:2]):
                raise ValueError(
                    "%s %r: the mask must have shape (batch, timesteps) = %s, got %s."
                    % (type(self).__name__, self.name, tuple(x._value.shape[:2]),
                       mask_np.shape))
            if mask_np.all():
                mask_np = None
        batch = x._value.shape[0]
        if initial_state is not None:
            states = [Tensor(np.asarray(s, x._value.dtype)) if not isinstance(s, Tensor) else
                      (s if s._value.dtype == x._value.dtype else _M.cast(s, x._value.dtype))
                      for s in _as_list(initial_state)]
            n = len(_state_sizes(self.cell))
            if len(states) != n:
                raise ValueError("%s %r: initial_state has %d tensors but the cell has %d "
                                 "states." % (type(self).__name__, self.name, len(states), n))
        elif self.stateful and self._states is not None:
            states = list(self._states)
            if states[0]._value.shape[0] != batch:
                raise ValueError(
                    "%s %r is stateful with states for batch size %d but got a batch of %d. "
                    "A stateful RNN needs the same batch size every call (or call "
                    "reset_states())." % (type(self).__name__, self.name,
                                          states[0]._value.shape[0], batch))
        else:
            states = self.get_initial_state(batch)
        for c in (self.cell,):
            if hasattr(c, "reset_dropout_mask"):
                c.reset_dropout_mask()
                c.reset_recurrent_dropout_mask()
        fused = None if self.unroll else self._fused(x, states, mask_np, training)
        if fused is not None:
            outputs, last, new_states = fused
        else:
            outputs, last, new_states = self._loop(x, states, mask_np, training)
        if self.stateful:
            object.__setattr__(self, "_states", [Tensor(s._value) for s in new_states])
        out = outputs if self.return_sequences else last
        if self.return_sequences and mask is not None:
            set_keras_mask(out, mask if isinstance(mask, Tensor) else Tensor(np.asarray(mask)))
        if self.return_state:
            return [out] + list(new_states)
        return out

    def _fused(self, x, states, mask_np, training):
        return None

    def _loop(self, x, states, mask_np, training):
        t_len = x._value.shape[1]
        steps = range(t_len - 1, -1, -1) if self.go_backwards else range(t_len)
        outs = []
        prev_out = states[0]
        for t in steps:
            xt = x[:, t]
            out, new_states = _call_cell(self.cell, xt, states, training)
            if mask_np is not None:
                m = wrap(mask_np[:, t:t + 1])
                new_states = [_M.where(_A.broadcast_to(m, s._value.shape), ns, s)
                              for ns, s in zip(new_states, states)]
                keep = _A.broadcast_to(m, out._value.shape)
                if self.zero_output_for_mask:
                    out = _M.where(keep, out, _M.zeros_like(out))
                else:
                    out = _M.where(keep, out, prev_out)
            states = new_states
            prev_out = out
            outs.append(out)
        outputs = _A.stack(outs, axis=1) if self.return_sequences else None
        return outputs, outs[-1], states

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            mask = get_keras_mask(inputs)
        out_mask = mask if self.return_sequences else None
        if self.return_state:
            return [out_mask] + [None] * len(_state_sizes(self.cell))
        return out_mask

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        if isinstance(shape[0], (list, tuple)):
            shape = tuple(shape[0])
        units = getattr(self.cell, "output_size", None) or _state_sizes(self.cell)[0]
        out = (shape[0], shape[1], units) if self.return_sequences else (shape[0], units)
        if self.return_state:
            return [out] + [(shape[0], s) for s in _state_sizes(self.cell)]
        return out

    def get_config(self):
        config = super().get_config()
        config.update({"return_sequences": self.return_sequences,
                       "return_state": self.return_state, "go_backwards": self.go_backwards,
                       "stateful": self.stateful, "unroll": self.unroll,
                       "zero_output_for_mask": self.zero_output_for_mask})
        if type(self) is RNN:
            config["cell"] = _serialize_layer(self.cell)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if "cell" in config:
            config["cell"] = _deserialize_cell(config["cell"], custom_objects)
        return cls(**config)


_CELL_KEYS = ("units", "activation", "recurrent_activation", "use_bias", "kernel_initializer",
              "recurrent_initializer", "bias_initializer", "unit_forget_bias",
              "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
              "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
              "recurrent_dropout", "reset_after", "seed", "implementation")
_RNN_KEYS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll",
             "zero_output_for_mask")


class _BuiltinRNN(RNN):
    """SimpleRNN / LSTM / GRU: an RNN owning one cell made from the layer's arguments."""

    cell_class = None

    def __init__(self, units, **kwargs):
        cell_kwargs = {k: kwargs.pop(k) for k in list(kwargs) if k in _CELL_KEYS}
        rnn_kwargs = {k: kwargs.pop(k) for k in list(kwargs) if k in _RNN_KEYS}
        kwargs.pop("use_cudnn", None)
        cell_kwargs["dtype"] = kwargs.get("dtype")
        cell = self.cell_class(units, name=self.cell_class.__name__.replace(
            "Cell", "_cell").lower().replace("simplernn", "simple_rnn"), **cell_kwargs)
        super().__init__(cell, **rnn_kwargs, **kwargs)

    def __getattr__(self, name):
        # expose the cell's hyper-parameters (layer.units, layer.dropout, ...) like Keras
        if name in _CELL_KEYS and "cell" in self.__dict__:
            return getattr(self.__dict__["cell"], name)
        raise AttributeError("%r object has no attribute %r" % (type(self).__name__, name))

    def get_config(self):
        config = super().get_config()
        cell_config = self.cell.get_config()
        for k in _CELL_KEYS:
            if k in cell_config:
                config[k] = cell_config[k]
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)

    def _standard(self):
        cell = self.cell
        return cell.activation is activations.get("tanh") and (
            not hasattr(cell, "recurrent_activation") or
            cell.recurrent_activation is activations.get("sigmoid"))

    def _prepare(self, x, states, mask_np, training, gates, bias=None):
        """Dropout, the one-GEMM input projection of every step (``bias`` added in the
        same op), time reversal: returns (xp, mask, rmask)."""
        cell = self.cell
        if training and 0 < cell.dropout < 1:
            step = x._value[:, 0]
            x = _M.multiply(x, wrap(cell.get_dropout_mask(step)[:, None, :]))
        rmask = None
        if training and 0 < cell.recurrent_dropout < 1:
            rmask = cell.get_recurrent_dropout_mask(states[0]._value)
        xp = dense(x, cell.kernel, bias)
        if self.go_backwards:
            xp = _A.reverse(xp, [1])
            if mask_np is not None:
                mask_np = mask_np[:, ::-1]
        return xp, mask_np, rmask

    def _result(self, seq, states):
        last = seq[:, -1] if self.return_sequences else None
        return seq, last, states


class SimpleRNN(_BuiltinRNN):
    """Fully connected RNN: h_t = activation(x_t W + h_{t-1} U + b)."""

    cell_class = SimpleRNNCell

    def _fused(self, x, states, mask_np, training):
        if not self._standard() or x._value.ndim != 3:
            return None
        cell = self.cell
        xp, mask_np, rmask = self._prepare(x, states, mask_np, training, 1, cell.bias)
        seq, h = execute(_SimpleScan(mask_np, rmask, self.zero_output_for_mask),
                         (xp, cell.recurrent_kernel, states[0]))
        return seq, _last(seq, h, mask_np, self.zero_output_for_mask), [h]


def _last(seq, h, mask_np, zero_out):
    """The last output: the final state unless masking zeroed the last step's output."""
    if mask_np is not None and zero_out:
        return seq[:, -1]
    return h


class LSTM(_BuiltinRNN):
    """Long short-term memory layer (Keras weight layout; gates i, f, c, o)."""

    cell_class = LSTMCell

    def _fused(self, x, states, mask_np, training):
        if not self._standard() or x._value.ndim != 3:
            return None
        cell = self.cell
        xp, mask_np, rmask = self._prepare(x, states, mask_np, training, 4, cell.bias)
        seq, h, c = execute(_LSTMScan(mask_np, rmask, self.zero_output_for_mask),
                            (xp, cell.recurrent_kernel, states[0], states[1]))
        return seq, _last(seq, h, mask_np, self.zero_output_for_mask), [h, c]


class GRU(_BuiltinRNN):
    """Gated recurrent unit layer (Keras weight layout; ``reset_after=True`` by default)."""

    cell_class = GRUCell

    def _fused(self, x, states, mask_np, training):
        cell = self.cell
        if not self._standard() or not cell.reset_after or x._value.ndim != 3:
            return None
        xp, mask_np, rmask = self._prepare(x, states, mask_np, training, 3,
                                           None if cell.bias is None else cell.bias[0])
        if cell.bias is not None:
            br = cell.bias[1]
        else:
            br = wrap(np.zeros((3 * cell.units,), xp._value.dtype))
        seq, h = execute(_GRUScan(mask_np, rmask, self.zero_output_for_mask),
                         (xp, cell.recurrent_kernel, br, states[0]))
        return seq, _last(seq, h, mask_np, self.zero_output_for_mask), [h]


# ---- wrappers ----------------------------------------------------------------------------------

class Bidirectional(Layer):
    """Runs a recurrent layer forwards and a copy of it backwards and merges the outputs
    (``merge_mode``: 'concat', 'sum', 'mul', 'ave' or None for a list)."""

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None,
                 **kwargs):
        super().__init__(**kwargs)
        if not isinstance(layer, RNN):
            raise ValueError("Bidirectional: `layer` must be an RNN layer (LSTM, GRU, "
                             "SimpleRNN or RNN), got %r." % (layer,))
        if merge_mode not in ("concat", "sum", "mul", "ave", None):
            raise ValueError("Bidirectional: merge_mode must be 'concat', 'sum', 'mul', 'ave' "
                             "or None, got %r." % (merge_mode,))
        config = layer.get_config()
        config["name"] = "forward_" + layer.name
        self.forward_layer = type(layer).from_config(config)
        if backward_layer is None:
            bconfig = layer.get_config()
            bconfig["go_backwards"] = not layer.go_backwards
            bconfig["name"] = "backward_" + layer.name
            self.backward_layer = type(layer).from_config(bconfig)
        else:
            if backward_layer.go_backwards == layer.go_backwards:
                raise ValueError("Bidirectional: backward_layer must have go_backwards=%s "
                                 "(the opposite of the forward layer)."
                                 % (not layer.go_backwards,))
            self.backward_layer = backward_layer
        for l in (self.forward_layer, self.backward_layer):
            if l.return_sequences:
                l.zero_output_for_mask = True
        self.merge_mode = merge_mode
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self._initial_weights_bidir = weights

    def build(self, input_shape):
        self.forward_layer.build(input_shape)
        self.forward_layer.built = True
        self.backward_layer.build(input_shape)
        self.backward_layer.built = True
        self.built = True
        if self._initial_weights_bidir is not None:
            self.set_weights(self._initial_weights_bidir)
            self._initial_weights_bidir = None

    def call(self, inputs, initial_state=None, mask=None, training=None):
        if mask is None:
            mask = get_keras_mask(inputs)
        fw_init = bw_init = None
        if initial_state is not None:
            st = _as_list(initial_state)
            half = len(st) // 2
            fw_init, bw_init = st[:half], st[half:]
        fw = self.forward_layer(inputs, initial_state=fw_init, mask=mask, training=training)
        bw = self.backward_layer(inputs, initial_state=bw_init, mask=mask, training=training)
        if self.return_state:
            fw, fw_states = fw[0], fw[1:]
            bw, bw_states = bw[0], bw[1:]
        if self.return_sequences:
            bw = _A.reverse(bw, [1])
        if self.merge_mode == "concat":
            out = _A.concat([fw, bw], axis=-1)
        elif self.merge_mode == "sum":
            out = _M.add(fw, bw)
        elif self.merge_mode == "ave":
            out = _M.multiply(_M.add(fw, bw), 0.5)
        elif self.merge_mode == "mul":
            out = _M.multiply(fw, bw)
        else:
            out = [fw, bw]
        if self.return_sequences and mask is not None and not isinstance(out, list):
            set_keras_mask(out, mask)
        if self.return_state:
            outs = out if isinstance(out, list) else [out]
            return outs + list(fw_states) + list(bw_states)
        return out

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            mask = get_keras_mask(inputs)
        out_mask = mask if self.return_sequences else None
        if self.return_state:
            n = len(_state_sizes(self.forward_layer.cell))
            return [out_mask] * (2 if self.merge_mode is None else 1) + [None] * (2 * n)
        return [out_mask, out_mask] if self.merge_mode is None else out_mask

    def compute_output_shape(self, input_shape):
        fw = self.forward_layer.compute_output_shape(input_shape)
        states = []
        if self.return_state:
            fw, states = fw[0], fw[1:]
        fw = tuple(fw)
        if self.merge_mode == "concat":
            out = fw[:-1] + (None if fw[-1] is None else fw[-1] * 2,)
        elif self.merge_mode is None:
            out = [fw, fw]
        else:
            out = fw
        if self.return_state:
            outs = out if isinstance(out, list) else [out]
            return outs + list(states) * 2
        return out

    def get_config(self):
        config = super().get_config()
        config["layer"] = _serialize_layer(self.forward_layer)
        config["merge_mode"] = self.merge_mode
        config["backward_layer"] = _serialize_layer(self.backward_layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer = _deserialize_cell(config.pop("layer"), custom_objects)
        bw = config.pop("backward_layer", None)
        if bw is not None:
            bw = _deserialize_cell(bw, custom_objects)
        name = layer.name
        if name.startswith("forward_"):
            layer.name = name[len("forward_"):]
        return cls(layer, backward_layer=bw, **config)


class TimeDistributed(_WrappedLayerConfig, Layer):
    """Applies ``layer`` to every timestep: (batch, time, ...) -> (batch, time, ...)."""

    def __init__(self, layer, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(layer, Layer):
            raise ValueError("TimeDistributed: `layer` must be a Keras layer, got %r."
                             % (layer,))
        self.layer = layer
        self.supports_masking = True

    def build(self, input_shape):
        shape = tuple(input_shape)
        if len(shape) < 3:
            raise ValueError("TimeDistributed %r expects inputs with at least 3 dimensions "
                             "(batch, time, ...), got %s." % (self.name, shape))
        inner = (None if shape[0] is None or shape[1] is None else shape[0] * shape[1],) + \
            shape[2:]
        if not self.layer.built:
            self.layer.build(inner)
            self.layer.built = True
        self.built = True

    def call(self, inputs, training=None, mask=None):
        shape = inputs._value.shape
        b, t = shape[0], shape[1]
        flat = _A.reshape(inputs, (b * t,) + tuple(shape[2:]))
        kwargs = {}
        if getattr(self.layer, "_call_has_training", False):
            kwargs["training"] = training
        y = self.layer(flat, **kwargs)
        out = _A.reshape(y, (b, t) + tuple(y._value.shape[1:]))
        m = mask if mask is not None else get_keras_mask(inputs)
        if m is not None:
            set_keras_mask(out, m)
        return out

    def compute_mask(self, inputs, mask=None):
        return mask if mask is not None else get_keras_mask(inputs)

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        inner = self.layer.compute_output_shape((None,) + shape[2:])
        return (shape[0], shape[1]) + tuple(inner)[1:]
