"""Attention layers: ``Attention`` (dot-product, Luong), ``AdditiveAttention`` (Bahdanau)
and ``MultiHeadAttention`` (Keras weight layout: query/key/value projections
``(dim, num_heads, head_dim)`` with bias ``(num_heads, head_dim)``, output projection
``(num_heads, value_dim, out_dim)``, the same for inputs of any rank). ``MultiHeadAttention``
takes inputs of rank >= 3 and attends over any ``attention_axes``.

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


def _prod(dims):
    n = 1
    for d in dims:
        n *= int(d)
    return n


def _fmt_axes(axes):
    return "%r" % (tuple(axes),) if axes is not None else "None"


def _unpack_qvk_shapes(query_shape, value_shape, key_shape):
    """``build`` may get the shapes as one list ``[query, value(, key)]``; split it."""
    if isinstance(query_shape, list) and value_shape is None and \
            isinstance(query_shape[0], (list, tuple)):
        shapes = query_shape
        query_shape, value_shape = shapes[0], shapes[1]
        key_shape = shapes[2] if len(shapes) > 2 else None
    return query_shape, value_shape, key_shape


class _QueryValueKeyBuild:
    """For the attention layers that build from the shapes of query, value and key (which
    only ``call`` knows): records Keras' build config (the three shapes, batch unknown)
    and rebuilds from it."""

    def _record_build_shapes(self, query_shape, value_shape, key_shape):
        free = lambda s: None if s is None else (None,) + tuple(s)[1:]  # noqa: E731
        self._qvk_build_shapes = {"query_shape": free(query_shape),
                                  "value_shape": free(value_shape)}
        if key_shape is not value_shape and tuple(key_shape) != tuple(value_shape):
            self._qvk_build_shapes["key_shape"] = free(key_shape)
        if self._build_shapes is None:
            self._build_shapes = free(query_shape)

    def _build_and_masks(self, query, value, key, key_is_value, query_mask, value_mask,
                         key_mask):
        """Build on the first call (then apply weights given to the constructor) and
        return the query, value and key masks: the explicit ones, else those the tensors
        carry (a key that is the value shares its mask)."""
        if not self.built:
            self.build(tuple(query._value.shape), tuple(value._value.shape),
                       tuple(key._value.shape))
            if self._initial_weights is not None:
                self.set_weights(self._initial_weights)
                self._initial_weights = None
        if query_mask is None:
            query_mask = get_keras_mask(query)
        if value_mask is None:
            value_mask = get_keras_mask(value)
        if key_mask is None and not key_is_value:
            key_mask = get_keras_mask(key)
        return query_mask, value_mask, key_mask

    def _maybe_build(self, inputs):
        pass   # built in call(), where the shapes of query, value and key are all known

    def _maybe_build_symbolic(self, shapes):
        pass   # only the query's shape is known here; call() on the inferred data builds

    def get_build_config(self):
        shapes = self.__dict__.get("_qvk_build_shapes")
        if shapes:
            return {"shapes_dict": dict(shapes)}
        return super().get_build_config()

    def build_from_config(self, config):
        shapes = (config or {}).get("shapes_dict")
        if shapes and shapes.get("query_shape") is not None:
            if not self.built:
                self.build(shapes["query_shape"], shapes.get("value_shape"),
                           shapes.get("key_shape"))
            return
        super().build_from_config(config)


class MultiHeadAttention(_QueryValueKeyBuild, Layer):
    """Multi-head attention (``Attention Is All You Need``), Keras' ``MultiHeadAttention``.

    Inputs have rank >= 3: ``(batch, *positions, features)``. ``attention_axes`` (an int or
    a tuple of ints, negative ones counted from the end of the query's shape) names the
    axes attention runs over; the other position axes act as extra batch axes. ``None``
    attends over every axis but the batch and the features (the time axis of a
    ``(batch, time, features)`` input). With several attention axes, the softmax runs over
    all of them jointly: every query position attends to every key position.

    Attention scores (``return_attention_scores=True``) have Keras' layout
    ``(batch, *other_axes, num_heads, *query_attention_dims, *key_attention_dims)``, where
    ``other_axes`` are the non-attention position axes in order and the attention dims
    follow the order of ``attention_axes``. An ``attention_mask`` has that layout with the
    leading axes optional: ``(batch, *query_attention_dims, *key_attention_dims)`` is
    broadcast over the heads and the other axes (axes of size 1 are inserted just before
    the query attention dims, as Keras does). Padding masks of the inputs have the input's
    shape without the features. ``use_causal_mask=True`` needs a single attention axis.
    """

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
        self.attention_axes = self._check_axes_arg(attention_axes)
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

    # ---- attention axes --------------------------------------------------------------

    def _check_axes_arg(self, attention_axes):
        """``attention_axes`` as given, an int made a 1-tuple (as Keras stores it); checks
        what can be checked without knowing the input rank."""
        if attention_axes is None:
            return None
        if isinstance(attention_axes, (int, np.integer)) and \
                not isinstance(attention_axes, bool):
            axes = (attention_axes,)
        else:
            try:
                axes = tuple(attention_axes)
            except TypeError:
                axes = None
        fix = ("Fix: pass None, an int or a tuple of ints naming position axes, e.g. "
               "attention_axes=(1, 2) for inputs (batch, height, width, features).")
        if axes is None or any(isinstance(a, bool) or not isinstance(a, (int, np.integer))
                               for a in axes):
            raise ValueError("MultiHeadAttention %r: attention_axes must be None, an int or "
                             "a tuple of ints, got %r. %s" % (self.name, attention_axes, fix))
        axes = tuple(int(a) for a in axes)
        if not axes:
            raise ValueError("MultiHeadAttention %r: attention_axes=() names no axis to "
                             "attend over. %s" % (self.name, fix))
        if 0 in axes:
            raise ValueError("MultiHeadAttention %r: attention_axes=%r includes axis 0, the "
                             "batch axis; attention runs over position axes 1 .. rank-2. %s"
                             % (self.name, attention_axes, fix))
        if -1 in axes:
            raise ValueError("MultiHeadAttention %r: attention_axes=%r includes axis -1, the "
                             "features axis; attention runs over position axes 1 .. rank-2 "
                             "(-2 is the last one). %s" % (self.name, attention_axes, fix))
        if len(set(axes)) != len(axes):
            raise ValueError("MultiHeadAttention %r: attention_axes=%r names an axis twice. "
                             "%s" % (self.name, attention_axes, fix))
        return axes

    def _resolve_axes(self, rank, shape):
        """The attention axes for inputs of ``rank`` as non-negative ints, in the order
        given (which fixes the layout of the attention scores)."""
        if self.attention_axes is None:
            return tuple(range(1, rank - 1))
        axes = []
        for a in self.attention_axes:
            b = a + rank if a < 0 else a
            if not 1 <= b <= rank - 2:
                raise ValueError(
                    "MultiHeadAttention %r: attention_axes=%s does not fit inputs of rank %d "
                    "(query shape %s): axis %d is %s. Attention axes must lie in 1 .. %d "
                    "(or -%d .. -2): axis 0 is the batch axis and axis %d (-1) holds the "
                    "features. Fix: choose among the position axes %s, or pass "
                    "attention_axes=None to attend over all of them."
                    % (self.name, _fmt_axes(self.attention_axes), rank, tuple(shape), a,
                       "the batch axis" if b == 0 else
                       "the features axis" if b == rank - 1 else "out of range",
                       rank - 2, rank - 1, rank - 1, tuple(range(1, rank - 1))))
            axes.append(b)
        if len(set(axes)) != len(axes):
            raise ValueError(
                "MultiHeadAttention %r: attention_axes=%s names the same axis twice for "
                "inputs of rank %d (normalized: %r). Fix: name each position axis once."
                % (self.name, _fmt_axes(self.attention_axes), rank, tuple(axes)))
        return tuple(axes)

    # ---- weights -----------------------------------------------------------------------

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
        query_shape, value_shape, key_shape = _unpack_qvk_shapes(query_shape, value_shape,
                                                                 key_shape)
        value_shape = value_shape if value_shape is not None else query_shape
        key_shape = key_shape if key_shape is not None else value_shape
        qd, vd, kd = tuple(query_shape)[-1], tuple(value_shape)[-1], tuple(key_shape)[-1]
        n = self.num_heads
        # the kernels do not depend on the input rank: (features, heads, head_dim), as in
        # Keras, so weights copy between the two for inputs of any rank
        self.query_kernel, self.query_bias = self._w("query", (qd, n, self.key_dim),
                                                     (n, self.key_dim))
        self.key_kernel, self.key_bias = self._w("key", (kd, n, self.key_dim),
                                                 (n, self.key_dim))
        self.value_kernel, self.value_bias = self._w("value", (vd, n, self.value_dim),
                                                     (n, self.value_dim))
        out = self._output_shape or (qd,)
        self.output_kernel, self.output_bias = self._w(
            "attention_output", (n, self.value_dim) + tuple(out), tuple(out))
        self._record_build_shapes(query_shape, value_shape, key_shape)
        self.built = True

    def _tensor(self, x):
        if isinstance(x, Tensor):
            return x
        x = np.asarray(x)
        if x.dtype.kind in "iub" or x.dtype.kind == "f":
            x = x.astype(self.dtype)
        return Tensor(x)

    def _project(self, x, kernel, bias):
        """(..., D) x (D, N, H) -> (..., N, H)."""
        lead = tuple(x._value.shape[:-1])
        d = x._value.shape[-1]
        n, h = kernel._value.shape[1:]
        y = _L.matmul(_A.reshape(x, (_prod(lead), d)), _A.reshape(kernel, (d, n * h)))
        if bias is not None:
            y = _M.add(y, _A.reshape(bias, (n * h,)))
        return _A.reshape(y, lead + (n, h))

    def _check_shapes(self, query, value, key):
        for name, t in (("query", query), ("value", value), ("key", key)):
            if not isinstance(t, Tensor) or t._value.ndim < 3:
                raise ValueError(
                    "MultiHeadAttention %r: %s must have rank >= 3, e.g. (batch, time, "
                    "features) or (batch, height, width, features), got shape %s. Fix: add "
                    "a time axis, e.g. with layers.Reshape or tf.expand_dims."
                    % (self.name, name, getattr(t, "shape", t)))
        qs, vs, ks = query._value.shape, value._value.shape, key._value.shape
        r = len(qs)
        for name, s in (("value", vs), ("key", ks)):
            if len(s) != r:
                raise ValueError(
                    "MultiHeadAttention %r: query has rank %d (shape %s) but %s has rank %d "
                    "(shape %s). Fix: query, value and key must have the same rank; only "
                    "the attention axes and the features may differ in size."
                    % (self.name, r, tuple(qs), name, len(s), tuple(s)))
        axes = self._resolve_axes(r, qs)
        for i in range(r - 1):
            if i not in axes and vs[i] != qs[i]:
                raise ValueError(
                    "MultiHeadAttention %r: with attention_axes=%s (resolved to %r), axis %d "
                    "is a batch-like axis and must have the same size in query and value, "
                    "got query shape %s and value shape %s. Fix: make the sizes match or "
                    "add axis %d to attention_axes."
                    % (self.name, _fmt_axes(self.attention_axes), axes, i, tuple(qs),
                       tuple(vs), i))
        if tuple(ks[:-1]) != tuple(vs[:-1]):
            raise ValueError(
                "MultiHeadAttention %r: key shape %s and value shape %s must agree on every "
                "axis but the last (features). Fix: pass a key with value's positions."
                % (self.name, tuple(ks), tuple(vs)))
        return axes

    # ---- call --------------------------------------------------------------------------

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
        axes = self._check_shapes(query, value, key)
        query_mask, value_mask, key_mask = self._build_and_masks(
            query, value, key, key_is_value, query_mask, value_mask, key_mask)
        qs, vs = tuple(query._value.shape), tuple(value._value.shape)
        r, na = len(qs), len(axes)
        other = [i for i in range(r - 1) if i not in axes]       # batch + non-attention
        lead = tuple(qs[i] for i in other)
        tq = tuple(qs[a] for a in axes)
        ts = tuple(vs[a] for a in axes)
        n = self.num_heads
        scores_shape = lead + (n,) + tq + ts
        allowed = self._attention_mask(qs, vs, axes, other, scores_shape,
                                       _mask_np(query_mask), _mask_np(value_mask),
                                       _mask_np(key_mask), attention_mask, use_causal_mask)
        # projected (..., N, H) -> (*other, N, *attention, H) -> (*other, N, T, H)
        perm = other + [r - 1] + list(axes) + [r]
        q = _A.transpose(self._project(query, self.query_kernel, self.query_bias), perm)
        k = _A.transpose(self._project(key, self.key_kernel, self.key_bias), perm)
        v = _A.transpose(self._project(value, self.value_kernel, self.value_bias), perm)
        if na > 1:
            t, s = _prod(tq), _prod(ts)
            q = _A.reshape(q, lead + (n, t, self.key_dim))
            k = _A.reshape(k, lead + (n, s, self.key_dim))
            v = _A.reshape(v, lead + (n, s, self.value_dim))
            if allowed is not None:   # flatten the attention dims of the mask too
                pre = allowed.shape[:len(lead) + 1]
                allowed = np.broadcast_to(allowed, pre + tq + ts).reshape(pre + (t, s))
        q = _M.multiply(q, 1.0 / float(np.sqrt(self.key_dim)))
        scores = _L.matmul(q, k, transpose_b=True)               # (*other, N, T, S)
        probs = _masked_softmax(scores, allowed)                 # joint over attention axes
        ctx = _L.matmul(self._drop(probs, training), v)           # (*other, N, T, Hv)
        hv = self.value_dim
        if na > 1:
            ctx = _A.reshape(ctx, lead + (n,) + tq + (hv,))
        ctx = _A.transpose(ctx, [int(i) for i in np.argsort(perm)])   # (*query[:-1], N, Hv)
        ctx = _A.reshape(ctx, (_prod(qs[:-1]), n * hv))
        out_dims = tuple(self.output_kernel._value.shape[2:])
        w = _A.reshape(self.output_kernel, (n * hv, _prod(out_dims)))
        out = _L.matmul(ctx, w)
        if self.output_bias is not None:
            out = _M.add(out, _A.reshape(self.output_bias, (-1,)))
        out = _A.reshape(out, qs[:-1] + out_dims)
        if query_mask is not None:
            set_keras_mask(out, query_mask if isinstance(query_mask, Tensor)
                           else Tensor(_mask_np(query_mask)))
        if return_attention_scores:
            if na > 1:
                probs = _A.reshape(probs, scores_shape)
            return out, probs
        return out

    def _padding_mask(self, m, shape, name, other, axes, is_query):
        """A padding mask of shape ``shape[:-1]`` laid out like the attention scores:
        (*other, 1, *query_dims, 1...) for the query, (*other, 1, 1..., *key_dims) for
        value and key."""
        want = tuple(shape[:-1])
        if m.ndim != len(want) or any(a not in (1, b) for a, b in zip(m.shape, want)):
            raise ValueError(
                "MultiHeadAttention %r: %s_mask must have the %s's shape without the "
                "features axis, %s, got shape %s. Fix: pass a boolean mask with one entry "
                "per %s position." % (self.name, name, name, want, tuple(m.shape), name))
        m = np.transpose(m, other + list(axes))
        lo = m.shape[:len(other)]
        pos = m.shape[len(other):]
        ones = (1,) * len(axes)
        return m.reshape(lo + (1,) + (pos + ones if is_query else ones + pos))

    def _attention_mask(self, qs, vs, axes, other, scores_shape, q_mask, v_mask, k_mask,
                        attention_mask, causal):
        """The boolean mask of allowed (query, key) pairs in the layout of the attention
        scores (or broadcastable to it), or None."""
        auto = None
        if q_mask is not None:
            auto = self._padding_mask(q_mask, qs, "query", other, axes, True)
        for name, m in (("value", v_mask), ("key", k_mask)):
            if m is not None:
                m = self._padding_mask(m, vs, name, other, axes, False)
                auto = m if auto is None else auto & m
        if causal:
            if len(axes) != 1:
                raise ValueError(
                    "MultiHeadAttention %r: use_causal_mask=True needs a single attention "
                    "axis, got attention_axes=%s (resolved to %r for inputs of rank %d). "
                    "Fix: attend over one axis (e.g. attention_axes=%d), or pass an explicit "
                    "attention_mask of shape %s."
                    % (self.name, _fmt_axes(self.attention_axes), axes, len(qs), axes[-1],
                       (qs[0],) + tuple(qs[a] for a in axes) + tuple(vs[a] for a in axes)))
            c = _causal(qs[axes[0]], vs[axes[0]])
            c = c.reshape((1,) * (len(other) + 1) + c.shape)
            auto = c if auto is None else auto & c
        if attention_mask is not None:
            am = _mask_np(attention_mask)
            rank = len(scores_shape)
            if am.ndim > rank:
                raise ValueError(self._mask_shape_error(am, scores_shape, axes, qs, vs))
            # Keras: missing leading axes go just before the query attention dims
            am = am.reshape(am.shape[:am.ndim - 2 * len(axes)] + (1,) * (rank - am.ndim) +
                            am.shape[am.ndim - 2 * len(axes):]) \
                if am.ndim >= 2 * len(axes) else None
            if am is None or any(a not in (1, b) for a, b in zip(am.shape, scores_shape)):
                raise ValueError(self._mask_shape_error(_mask_np(attention_mask),
                                                        scores_shape, axes, qs, vs))
            auto = am if auto is None else am & auto
        return auto

    def _mask_shape_error(self, am, scores_shape, axes, qs, vs):
        other = [i for i in range(len(qs) - 1) if i not in axes]
        short = (qs[0],) + tuple(qs[a] for a in axes) + tuple(vs[a] for a in axes)
        return ("MultiHeadAttention %r: attention_mask of shape %s does not broadcast to "
                "the attention scores %s = (batch, *other axes %r, num_heads, *query dims, "
                "*key dims) for attention_axes=%s (resolved to %r). Fix: pass a mask of "
                "shape %s, or with the other axes and the heads: %s."
                % (self.name, tuple(am.shape), tuple(scores_shape), other[1:],
                   _fmt_axes(self.attention_axes), axes, short, tuple(scores_shape)))

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
