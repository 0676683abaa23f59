"""Attention layers: ``Attention`` (dot-product, Luong), ``AdditiveAttention`` (Bahdanau)
and ``MultiHeadAttention`` (Keras weight layout: query/key/value projections
``(dim, num_heads, head_dim)`` with bias ``(num_heads, head_dim)``, output projection
``(num_heads, value_dim, out_dim)``).

Masks: padding masks of the inputs (from ``Embedding(mask_zero=True)``/``Masking``, or
passed explicitly), an ``attention_mask`` and ``use_causal_mask=True`` are combined with
AND; masked scores get -1e9 before the softmax, as Keras does.
"""
import numpy as np

from ndflow.core.tensor import Tensor
from ndflow.keras.engine.layer import Layer
from ndflow.keras import initializers, regularizers, constraints
from ndflow.keras.engine.masking import get_keras_mask, set_keras_mask
from ndflow.nn.activations import softmax
from ndflow.ops._base import wrap
from ndflow.ops import array_ops as _A
from ndflow.ops import math_ops as _M
from ndflow.ops import linalg_ops as _L
from ndflow.ops import reduction_ops as _R

__all__ = ["Attention", "AdditiveAttention", "MultiHeadAttention"]

_BIG = 1e9


def _mask_np(mask):
    if mask is None:
        return None
    v = mask._value if isinstance(mask, Tensor) else np.asarray(mask)
    return v.astype(bool)


def _causal(tq, tv):
    return np.tril(np.ones((tq, tv), bool))


def _masked_softmax(scores, allowed):
    """softmax over the last axis with ``allowed`` (a bool array broadcastable to the
    scores) False entries pushed to -1e9 first."""
    if allowed is not None:
        adder = np.where(allowed, 0.0, -_BIG).astype(scores._value.dtype)
        scores = _M.add(scores, wrap(adder))
    return softmax(scores, axis=-1)


class _Dropout:
    """Dropout of attention weights with a per-layer seeded generator."""

    def __init__(self, rate, seed):
        self.rate = float(rate)
        self.seed = seed
        self._rng = None

    def __call__(self, x, training):
        if not training or self.rate <= 0:
            return x
        from ndflow.backend import random as _rnd
        if self.seed is None:
            gen = _rnd.generator(None)
        else:
            if self._rng is None:
                self._rng = np.random.default_rng(int(self.seed))
            gen = self._rng
        dt = x._value.dtype
        keep = (gen.random(x._value.shape) >= self.rate).astype(dt)
        return _M.multiply(x, wrap(keep * dt.type(1.0 / (1.0 - self.rate))))


def _split_inputs(layer, inputs):
    if not isinstance(inputs, (list, tuple)) or len(inputs) not in (2, 3):
        raise ValueError(
            "%s %r must be called on a list [query, value] or [query, value, key], got %r."
            % (type(layer).__name__, layer.name, type(inputs).__name__))
    q, v = inputs[0], inputs[1]
    k = inputs[2] if len(inputs) == 3 else v
    return q, v, k


class Attention(Layer):
    """Dot-product attention: ``softmax(query @ key^T) @ value`` (``score_mode='dot'``)
    or ``sum(tanh(query + key))`` scores (``score_mode='concat'``)."""

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        kwargs.pop("causal", None)
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError("Attention: score_mode must be 'dot' or 'concat', got %r."
                             % (score_mode,))
        self.use_scale = bool(use_scale)
        self.score_mode = score_mode
        self.dropout = float(dropout)
        self.seed = seed
        self._drop = _Dropout(self.dropout, seed)
        self.supports_masking = True

    def build(self, input_shape=None):
        self.scale = self.add_weight(name="scale", shape=(), initializer="ones") \
            if self.use_scale else None
        self.concat_score_weight = self.add_weight(
            name="concat_score_weight", shape=(), initializer="ones") \
            if self.score_mode == "concat" else None
        self.built = True

    def _scores(self, q, k):
        if self.score_mode == "dot":
            s = _L.matmul(q, k, transpose_b=True)
            if self.scale is not None:
                s = _M.multiply(s, self.scale)
            return s
        t = _M.add(_A.expand_dims(q, -2), _A.expand_dims(k, -3))
        if self.scale is not None:
            t = _M.multiply(t, self.scale)
        return _M.multiply(self.concat_score_weight, _R.reduce_sum(_M.tanh(t), axis=-1))

    def call(self, inputs, mask=None, training=None, return_attention_scores=False,
             use_causal_mask=False):
        q, v, k = _split_inputs(self, inputs)
        if mask is None:
            mask = [get_keras_mask(q), get_keras_mask(v)]
        q_mask = _mask_np(mask[0]) if mask else None
        v_mask = _mask_np(mask[1]) if mask and len(mask) > 1 else None
        scores = self._scores(q, k)
        tq, tv = scores._value.shape[-2], scores._value.shape[-1]
        allowed = None
        if v_mask is not None:
            allowed = v_mask[:, None, :]
        if use_causal_mask:
            c = _causal(tq, tv)[None]
            allowed = c if allowed is None else allowed & c
        weights = _masked_softmax(scores, allowed)
        out = _L.matmul(self._drop(weights, training), v)
        if q_mask is not None:
            out = _M.multiply(out, wrap(q_mask[..., None].astype(out._value.dtype)))
            set_keras_mask(out, Tensor(q_mask))
        if return_attention_scores:
            return out, weights
        return out

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        return mask[0]

    def compute_output_shape(self, input_shape):
        q, v = input_shape[0], input_shape[1]
        return tuple(q)[:-1] + (tuple(v)[-1],)

    def get_config(self):
        config = super().get_config()
        config.update({"use_scale": self.use_scale, "score_mode": self.score_mode,
                       "dropout": self.dropout, "seed": self.seed})
        return config


class AdditiveAttention(Attention):
    """Bahdanau attention: scores ``sum(scale * tanh(query + key), -1)``."""

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        kwargs.pop("score_mode", None)
        super().__init__(use_scale=use_scale, score_mode="concat", dropout=dropout, **kwargs)

    def build(self, input_shape=None):
        dim = None
        if input_shape is not None:
            dim = tuple(input_shape[0])[-1]
        if self.use_scale:
            if dim is None:
                raise ValueError("AdditiveAttention %r: the query's last dimension must be "
                                 "known to build the scale weight." % self.name)
            self.scale = self.add_weight(name="scale", shape=(dim,),
                                         initializer="glorot_uniform")
        else:
            self.scale = None
        self.concat_score_weight = None
        self.built = True

    def _scores(self, q, k):
        t = _M.tanh(_M.add(_A.expand_dims(q, -2), _A.expand_dims(k, -3)))
        if self.scale is not None:
            t = _M.multiply(t, self.scale)
        return _R.reduce_sum(t, axis=-1)

    def get_config(self):
        config = super().get_config()
        config.pop("score_mode", None)
        return config


class MultiHeadAttention(Layer):
    """Multi-head attention (``Attention Is All You Need``), Keras' ``MultiHeadAttention``
    for inputs of shape (batch, time, features); attention runs over the time axis."""

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 seed=None, **kwargs):
        kwargs.pop("flash_attention", None)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        for what, val in (("num_heads", num_heads), ("key_dim", key_dim)):
            if not isinstance(val, (int, np.integer)) or val <= 0:
                raise ValueError("MultiHeadAttention: %s must be a positive int, got %r."
                                 % (what, val))
        self.num_heads = int(num_heads)
        self.key_dim = int(key_dim)
        self.value_dim = int(value_dim) if value_dim else self.key_dim
        self.dropout = float(dropout)
        self.use_bias = bool(use_bias)
        if isinstance(output_shape, int):
            output_shape = (output_shape,)
        self._output_shape = tuple(output_shape) if output_shape else None
        if attention_axes is not None:
            axes = (attention_axes,) if isinstance(attention_axes, int) else \
                tuple(attention_axes)
            if axes not in ((1,), (-2,)):
                raise NotImplementedError(
                    "MultiHeadAttention: ndflow supports attention over the time axis of "
                    "(batch, time, features) inputs only (attention_axes=None or (1,)), got "
                    "%r." % (attention_axes,))
        self.attention_axes = attention_axes
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer) \
            if kernel_regularizer is not None else None
        self.bias_regularizer = regularizers.get(bias_regularizer) \
            if bias_regularizer is not None else None
        self.kernel_constraint = constraints.get(kernel_constraint) \
            if kernel_constraint is not None else None
        self.bias_constraint = constraints.get(bias_constraint) \
            if bias_constraint is not None else None
        self.seed = seed
        self._drop = _Dropout(self.dropout, seed)
        self.supports_masking = True

    def _w(self, name, shape, bias_shape):
        k = self.add_weight(name=name + "/kernel", shape=shape,
                            initializer=self.kernel_initializer,
                            regularizer=self.kernel_regularizer,
                            constraint=self.kernel_constraint)
        b = None
        if self.use_bias:
            b = self.add_weight(name=name + "/bias", shape=bias_shape,
                                initializer=self.bias_initializer,
                                regularizer=self.bias_regularizer,
                                constraint=self.bias_constraint)
        return k, b

    def build(self, query_shape, value_shape=None, key_shape=None):
        if isinstance(query_shape, list) and value_shape is None and \
                isinstance(query_shape[0], (list, tuple)):
            shapes = query_shape
            query_shape, value_shape = shapes[0], shapes[1]
            key_shape = shapes[2] if len(shapes) > 2 else None
        value_shape = value_shape if value_shape is not None else query_shape
        key_shape = key_shape if key_shape is not None else value_shape
        qd, vd, kd = tuple(query_shape)[-1], tuple(value_shape)[-1], tuple(key_shape)[-1]
        n = self.num_heads
        self.query_kernel, self.query_bias = self._w("query", (qd, n, self.key_dim),
                                                     (n, self.key_dim))
        self.key_kernel, self.key_bias = self._w("key", (kd, n, self.key_dim),
                                                 (n, self.key_dim))
        self.value_kernel, self.value_bias = self._w("value", (vd, n, self.value_dim),
                                                     (n, self.value_dim))
        out = self._output_shape or (qd,)
        self.output_kernel, self.output_bias = self._w(
            "attention_output", (n, self.value_dim) + tuple(out), tuple(out))
        self.built = True

    def _maybe_build(self, inputs):
        pass   # built in call(), where the shapes of query, value and key are all known

    def _tensor(self, x):
        if isinstance(x, Tensor):
            return x
        x = np.asarray(x)
        if x.dtype.kind in "iub" or x.dtype.kind == "f":
            x = x.astype(self.dtype)
        return Tensor(x)

    def _project(self, x, kernel, bias):
        """(B, T, D) x (D, N, H) -> (B, N, T, H)."""
        b, t, d = x._value.shape
        n, h = kernel._value.shape[1:]
        y = _L.matmul(_A.reshape(x, (b * t, d)), _A.reshape(kernel, (d, n * h)))
        if bias is not None:
            y = _M.add(y, _A.reshape(bias, (n * h,)))
        return _A.transpose(_A.reshape(y, (b, t, n, h)), [0, 2, 1, 3])

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        value = self._tensor(value)
        if key is None:
            key_is_value = True
            key = value
        else:
            key_is_value = key is value
            key = self._tensor(key)
        for name, t in (("query", query), ("value", value), ("key", key)):
            if not isinstance(t, Tensor) or t._value.ndim != 3:
                raise ValueError(
                    "MultiHeadAttention %r: %s must have shape (batch, time, features), got "
                    "%s." % (self.name, name, getattr(t, "shape", t)))
        if not self.built:
            self.build(tuple(query._value.shape), tuple(value._value.shape),
                       tuple(key._value.shape))
        if query_mask is None:
            query_mask = get_keras_mask(query)
        if value_mask is None:
            value_mask = get_keras_mask(value)
        if key_mask is None and not key_is_value:
            key_mask = get_keras_mask(key)
        allowed = self._attention_mask(query, value, _mask_np(query_mask),
                                       _mask_np(value_mask), _mask_np(key_mask),
                                       attention_mask, use_causal_mask)
        q = self._project(query, self.query_kernel, self.query_bias)
        k = self._project(key, self.key_kernel, self.key_bias)
        v = self._project(value, self.value_kernel, self.value_bias)
        q = _M.multiply(q, 1.0 / float(np.sqrt(self.key_dim)))
        scores = _L.matmul(q, k, transpose_b=True)               # (B, N, T, S)
        if allowed is not None:
            allowed = allowed[:, None] if allowed.ndim == 3 else allowed
        probs = _masked_softmax(scores, allowed)
        ctx = _L.matmul(self._drop(probs, training), v)           # (B, N, T, Hv)
        b, n, t, hv = ctx._value.shape
        ctx = _A.reshape(_A.transpose(ctx, [0, 2, 1, 3]), (b * t, n * hv))
        out_dims = tuple(self.output_kernel._value.shape[2:])
        w = _A.reshape(self.output_kernel, (n * hv, int(np.prod(out_dims))))
        out = _L.matmul(ctx, w)
        if self.output_bias is not None:
            out = _M.add(out, _A.reshape(self.output_bias, (-1,)))
        out = _A.reshape(out, (b, t) + out_dims)
        if query_mask is not None:
            set_keras_mask(out, query_mask if isinstance(query_mask, Tensor)
                           else Tensor(_mask_np(query_mask)))
        if return_attention_scores:
            return out, probs
        return out

    def _attention_mask(self, query, value, q_mask, v_mask, k_mask, attention_mask, causal):
        auto = None
        if q_mask is not None:
            auto = q_mask[:, :, None]
        for m in (v_mask, k_mask):
            if m is not None:
                m = m[:, None, :]
                auto = m if auto is None else auto & m
        if causal:
            c = _causal(query._value.shape[1], value._value.shape[1])[None]
            auto = c if auto is None else auto & c
        if attention_mask is not None:
            am = _mask_np(attention_mask)
            auto = am if auto is None else am & auto
        return auto

    def compute_mask(self, query, value=None, key=None, query_mask=None, **kwargs):
        return query_mask if query_mask is not None else get_keras_mask(query)

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        q = tuple(query_shape)
        if self._output_shape:
            return q[:-1] + self._output_shape
        return q

    def get_config(self):
        config = super().get_config()
        ser = lambda mod, v: mod.serialize(v) if v is not None else None  # noqa: E731
        config.update({
            "num_heads": self.num_heads, "key_dim": self.key_dim,
            "value_dim": self.value_dim, "dropout": self.dropout, "use_bias": self.use_bias,
            "output_shape": self._output_shape, "attention_axes": self.attention_axes,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": ser(regularizers, self.kernel_regularizer),
            "bias_regularizer": ser(regularizers, self.bias_regularizer),
            "activity_regularizer": ser(regularizers, self.activity_regularizer),
            "kernel_constraint": ser(constraints, self.kernel_constraint),
            "bias_constraint": ser(constraints, self.bias_constraint),
            "seed": self.seed,
        })
        return config
