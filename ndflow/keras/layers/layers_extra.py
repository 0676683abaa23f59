"""Keras 3 layers: ``RMSNormalization``, ``EinsumDense``, ``GroupedQueryAttention`` (exported
as ``GroupQueryAttention`` too), ``AlphaDropout``, ``Wrapper``, ``SpectralNormalization``,
``ReversibleEmbedding``, and ``serialize`` / ``deserialize`` of layers.

Weights have Keras 3's names, shapes and order, so weights copied from (or saved by) Keras
load here.
"""
import math

import numpy as np

from ndflow.core.tensor import Tensor
from ndflow.keras.engine.layer import Layer
from ndflow.keras.engine.masking import set_keras_mask
from ndflow.keras import activations, initializers, regularizers, constraints
from ndflow.keras.layers.attention import _QueryValueKeyBuild, _unpack_qvk_shapes
from ndflow.keras.layers.convolutional import _kernel_bias_config
from ndflow.keras.layers.core import _SeededLayer
from ndflow.keras.layers.embedding import Embedding
from ndflow.keras.layers.recurrent import _WrappedLayerConfig
from ndflow.ops._base import wrap
from ndflow.ops import array_ops as _A
from ndflow.ops import math_ops as _M
from ndflow.ops import linalg_ops as _L
from ndflow.ops import reduction_ops as _R

__all__ = ["RMSNormalization", "EinsumDense", "GroupedQueryAttention", "GroupQueryAttention",
           "AlphaDropout", "Wrapper", "SpectralNormalization", "ReversibleEmbedding",
           "serialize", "deserialize"]


def _get(module, value):
    return module.get(value) if value is not None else None


def _ser(module, value):
    return module.serialize(value) if value is not None else None


def _fresh_initializer(init):
    """A new initializer object with ``init``'s config (each sublayer gets its own)."""
    return initializers.get(initializers.serialize(init))


# ---- RMSNormalization -------------------------------------------------------------------

class RMSNormalization(Layer):
    """Root-mean-square normalization: ``x / sqrt(mean(x**2, axis) + epsilon) * scale``,
    with a trainable ``scale`` (initialized to ones) over the ``axis`` dimensions."""

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            self.axis = [int(a) for a in axis]
        else:
            self.axis = [int(axis)]
        self.epsilon = float(epsilon)
        self.supports_masking = True

    def build(self, input_shape):
        shape = tuple(input_shape)
        nd = len(shape)
        for a in self.axis:
            if not -nd <= a < nd:
                raise ValueError("RMSNormalization %r: axis %d is out of range for inputs of "
                                 "rank %d (shape %s)." % (self.name, a, nd, shape))
        sizes = tuple(shape[a] for a in self.axis)
        if any(s is None for s in sizes):
            raise ValueError("RMSNormalization %r: the normalized axes %s of the input must "
                             "have known sizes, got input shape %s."
                             % (self.name, self.axis, shape))
        self.scale = self.add_weight(name="scale", shape=sizes, initializer="ones")
        self.built = True

    def call(self, inputs):
        x = inputs
        nd = x._value.ndim
        axes = sorted(a % nd for a in self.axis)
        ms = _R.reduce_mean(_M.square(x), axis=axes, keepdims=True)
        y = _M.multiply(x, _M.rsqrt(_M.add(ms, self.epsilon)))
        bshape = [1] * nd
        for a, s in zip([a % nd for a in self.axis], self.scale._value.shape):
            bshape[a] = s
        return _M.multiply(y, _A.reshape(self.scale, bshape))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"axis": list(self.axis), "epsilon": self.epsilon})
        return config


# ---- EinsumDense ------------------------------------------------------------------------

def _einsum_specs(equation, layer_name):
    eq = str(equation).replace(" ", "")
    try:
        lhs, out = eq.split("->")
        ins, ker = lhs.split(",")
    except ValueError:
        raise ValueError("%s: equation must look like 'ab,bc->ac' (input,kernel->output), got "
                         "%r." % (layer_name, equation)) from None
    elided = False
    if "..." in ins or "..." in out:
        if not (ins.startswith("...") and out.startswith("...") and ins.count("...") == 1
                and out.count("...") == 1):
            raise ValueError(
                "%s: equation %r: '...' is supported only at the start of both the input and "
                "the output spec, e.g. '...b,bc->...c'." % (layer_name, equation))
        elided = True
        ins, out = ins[3:], out[3:]
    for part in (ins, ker, out):
        if not part.isalpha() and part != "":
            raise ValueError("%s: equation %r may use only letters (and a leading '...')."
                             % (layer_name, equation))
    return ins, ker, out, elided


class EinsumDense(Layer):
    """A dense layer written as an einsum: ``output = einsum(equation, inputs, kernel)``
    (+ ``bias`` over ``bias_axes``), e.g. ``EinsumDense('abc,cd->abd', output_shape=(None,
    64), bias_axes='d')``. ``output_shape`` leaves out the batch axis (with a leading
    ``...`` it gives the named output axes only); ``None`` entries come from the input."""

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, lora_rank=None, lora_alpha=None,
                 gptq_unpacked_column_size=None, quantization_config=None, **kwargs):
        super().__init__(**kwargs)
        if lora_rank is not None:
            raise NotImplementedError("EinsumDense: lora_rank is not supported by ndflow; "
                                      "pass lora_rank=None.")
        if quantization_config is not None:
            raise NotImplementedError("EinsumDense: quantization is not supported by ndflow; "
                                      "pass quantization_config=None.")
        self.equation = str(equation)
        _einsum_specs(self.equation, "EinsumDense")
        if isinstance(output_shape, (int, np.integer)):
            output_shape = (int(output_shape),)
        elif isinstance(output_shape, (list, tuple)):
            output_shape = tuple(None if d is None else int(d) for d in output_shape)
        else:
            raise ValueError("EinsumDense: output_shape must be an int or a tuple of ints "
                             "(None for axes taken from the input), got %r." % (output_shape,))
        self.partial_output_shape = output_shape
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = _get(regularizers, kernel_regularizer)
        self.bias_regularizer = _get(regularizers, bias_regularizer)
        self.kernel_constraint = _get(constraints, kernel_constraint)
        self.bias_constraint = _get(constraints, bias_constraint)

    def _analyze(self, input_shape):
        """(full output shape, kernel shape, bias shape or None) for ``input_shape``."""
        name = "EinsumDense %r" % self.name
        ins, ker, out, elided = _einsum_specs(self.equation, name)
        input_shape = tuple(input_shape)
        if elided:
            n_el = len(input_shape) - len(ins)
            if n_el < 0:
                raise ValueError("%s: equation %r needs inputs of rank >= %d, got shape %s."
                                 % (name, self.equation, len(ins), input_shape))
            named_in = input_shape[n_el:]
            lead_out = input_shape[:n_el]
            want = len(out)
            given = list(self.partial_output_shape)
        else:
            if len(ins) != len(input_shape):
                raise ValueError("%s: equation %r names %d input axes but the input has shape "
                                 "%s (rank %d)." % (name, self.equation, len(ins), input_shape,
                                                    len(input_shape)))
            named_in = input_shape
            lead_out = ()
            want = len(out) - 1
            given = [None] + list(self.partial_output_shape)
        if len(self.partial_output_shape) != want:
            raise ValueError(
                "%s: output_shape %s must have %d entries for equation %r (the output spec "
                "%r%s), got %d." % (name, self.partial_output_shape, want, self.equation, out,
                                    "" if elided else " without its batch axis",
                                    len(self.partial_output_shape)))
        sizes = []
        for c, g in zip(out, given):
            if c in ins:
                d = named_in[ins.index(c)]
                if g is not None and d is not None and g != d:
                    raise ValueError(
                        "%s: output_shape gives %d for axis %r but the input has %d there "
                        "(input shape %s)." % (name, g, c, d, input_shape))
                sizes.append(d if d is not None else g)
            else:
                if g is None:
                    raise ValueError("%s: output axis %r is not an input axis, so output_shape "
                                     "must give its size, got None." % (name, c))
                sizes.append(g)
        kshape = []
        for c in ker:
            if c in ins:
                d = named_in[ins.index(c)]
            elif c in out:
                d = sizes[out.index(c)]
            else:
                raise ValueError("%s: kernel axis %r of equation %r is neither an input nor an "
                                 "output axis." % (name, c, self.equation))
            if d is None:
                raise ValueError("%s: the size of kernel axis %r must be known, got input "
                                 "shape %s." % (name, c, input_shape))
            kshape.append(int(d))
        bshape = None
        if self.bias_axes:
            for c in self.bias_axes:
                if c not in out:
                    raise ValueError("%s: bias axis %r is not in the output spec %r of equation "
                                     "%r." % (name, c, out, self.equation))
            first = min(out.index(c) for c in self.bias_axes)
            bshape = tuple(int(sizes[i]) if out[i] in self.bias_axes else 1
                           for i in range(first, len(out)))
        return tuple(lead_out) + tuple(sizes), tuple(kshape), bshape

    def build(self, input_shape):
        full, kshape, bshape = self._analyze(input_shape)
        self.full_output_shape = full
        self.kernel = self.add_weight(name="kernel", shape=kshape,
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        if bshape is not None:
            self.bias = self.add_weight(name="bias", shape=bshape,
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        else:
            self.bias = None
        self.built = True

    def call(self, inputs, training=None):
        y = _L.einsum(self.equation, inputs, self.kernel)
        if self.bias is not None:
            y = _M.add(y, self.bias)
        if self.activation is not None:
            y = self.activation(y)
        return y

    def compute_output_shape(self, input_shape):
        return self._analyze(input_shape)[0]

    def get_config(self):
        config = super().get_config()
        config.update({
            "output_shape": self.partial_output_shape, "equation": self.equation,
            "activation": activations.serialize(self.activation), "bias_axes": self.bias_axes,
            **_kernel_bias_config(self),
            "quantization_config": None,
        })
        return config


# ---- GroupedQueryAttention --------------------------------------------------------------

def _bool_np(mask):
    if mask is None:
        return None
    v = mask._value if isinstance(mask, Tensor) else np.asarray(mask)
    return v.astype(bool)


class GroupedQueryAttention(_QueryValueKeyBuild, Layer):
    """Grouped-query attention (``keras.layers.GroupQueryAttention``): ``num_query_heads``
    query heads share ``num_key_value_heads`` key/value heads (each key/value head serves
    ``num_query_heads // num_key_value_heads`` consecutive query heads). Inputs are
    ``(batch, time, features)``; the output has the query's shape. The projections are
    ``EinsumDense`` sublayers named ``query``, ``key``, ``value`` and ``attention_output``,
    as in Keras."""

    def __init__(self, head_dim, num_query_heads, num_key_value_heads, dropout=0.0,
                 use_bias=True, sliding_window=None, flash_attention=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate=False, seed=None,
                 **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        for what, v in (("head_dim", head_dim), ("num_query_heads", num_query_heads),
                        ("num_key_value_heads", num_key_value_heads)):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v <= 0:
                raise ValueError("GroupQueryAttention: %s must be a positive int, got %r."
                                 % (what, v))
        if num_query_heads % num_key_value_heads:
            raise ValueError("GroupQueryAttention: num_query_heads (%d) must be a multiple of "
                             "num_key_value_heads (%d)." % (num_query_heads,
                                                            num_key_value_heads))
        if use_gate:
            raise NotImplementedError("GroupQueryAttention: use_gate=True is not supported by "
                                      "ndflow; pass use_gate=False.")
        if sliding_window is not None:
            raise NotImplementedError("GroupQueryAttention: sliding_window is not supported "
                                      "by ndflow; pass sliding_window=None.")
        self.head_dim = int(head_dim)
        self.num_query_heads = int(num_query_heads)
        self.num_key_value_heads = int(num_key_value_heads)
        self.num_repeats = self.num_query_heads // self.num_key_value_heads
        self.dropout = float(dropout)
        self.use_bias = bool(use_bias)
        self.use_gate = False
        self.sliding_window = None
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = _get(regularizers, kernel_regularizer)
        self.bias_regularizer = _get(regularizers, bias_regularizer)
        self.kernel_constraint = _get(constraints, kernel_constraint)
        self.bias_constraint = _get(constraints, bias_constraint)
        self.seed = seed
        from ndflow.keras.layers.attention import _Dropout
        object.__setattr__(self, "_drop", _Dropout(self.dropout, seed))
        self.supports_masking = True

    def _dense(self, equation, output_shape, bias_axes, name):
        return EinsumDense(
            equation, output_shape=output_shape, bias_axes=bias_axes if self.use_bias else None,
            kernel_initializer=_fresh_initializer(self.kernel_initializer),
            bias_initializer=_fresh_initializer(self.bias_initializer),
            kernel_regularizer=self.kernel_regularizer, bias_regularizer=self.bias_regularizer,
            kernel_constraint=self.kernel_constraint, bias_constraint=self.bias_constraint,
            name=name, dtype=self._dtype_policy.name)

    def build(self, query_shape, value_shape=None, key_shape=None):
        query_shape, value_shape, key_shape = _unpack_qvk_shapes(query_shape, value_shape,
                                                                 key_shape)
        query_shape = tuple(query_shape)
        value_shape = tuple(value_shape) if value_shape is not None else query_shape
        key_shape = tuple(key_shape) if key_shape is not None else value_shape
        hq, hkv, hd = self.num_query_heads, self.num_key_value_heads, self.head_dim
        self._query_dense = self._dense("bqm,muh->bquh", (None, hq, hd), "uh", "query")
        self._query_dense.build(query_shape)
        self._key_dense = self._dense("bkm,mvh->bkvh", (None, hkv, hd), "vh", "key")
        self._key_dense.build(key_shape)
        self._value_dense = self._dense("bkm,mvh->bkvh", (None, hkv, hd), "vh", "value")
        self._value_dense.build(value_shape)
        self._output_dense = self._dense("bquh,uhm->bqm", (None, query_shape[-1]), "m",
                                         "attention_output")
        self._output_dense.build((None, query_shape[0], hq, hd))
        self._record_build_shapes(query_shape, value_shape, key_shape)
        self.built = True

    def _tensor(self, x):
        if isinstance(x, Tensor):
            return x
        return Tensor(np.asarray(x).astype(self.dtype))

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        value = self._tensor(value)
        key_is_value = key is None or key is value
        key = value if key is None else self._tensor(key)
        for what, t in (("query", query), ("value", value), ("key", key)):
            if t._value.ndim != 3:
                raise ValueError("GroupQueryAttention %r: %s must have shape (batch, time, "
                                 "features), got shape %s." % (self.name, what,
                                                               tuple(t._value.shape)))
        query_mask, value_mask, key_mask = self._build_and_masks(
            query, value, key, key_is_value, query_mask, value_mask, key_mask)
        b, tq = query._value.shape[:2]
        tv = value._value.shape[1]
        allowed = None

        def both(a, m):
            return m if a is None else np.logical_and(a, m)
        if attention_mask is not None:
            am = _bool_np(attention_mask)
            if am.ndim == 2:
                am = am[None]
            allowed = both(allowed, np.broadcast_to(am, (b, tq, tv)))
        qm, vm, km = _bool_np(query_mask), _bool_np(value_mask), _bool_np(key_mask)
        if qm is not None:
            allowed = both(allowed, qm[:, :, None])
        if vm is not None:
            allowed = both(allowed, vm[:, None, :])
        if km is not None:
            allowed = both(allowed, km[:, None, :])
        if use_causal_mask:
            allowed = both(allowed, np.tril(np.ones((tq, tv), bool))[None])
        q = self._query_dense(query)                     # (B, T, Hq, hd)
        k = self._key_dense(key)                         # (B, S, Hkv, hd)
        v = self._value_dense(value)
        if self.num_repeats > 1:
            k = _A.repeat(k, self.num_repeats, axis=2)
            v = _A.repeat(v, self.num_repeats, axis=2)
        q = _M.multiply(q, 1.0 / math.sqrt(self.head_dim))
        q = _A.transpose(q, [0, 2, 1, 3])                # (B, H, T, hd)
        k = _A.transpose(k, [0, 2, 1, 3])
        v = _A.transpose(v, [0, 2, 1, 3])
        scores = _L.matmul(q, k, transpose_b=True)       # (B, H, T, S)
        from ndflow.keras.layers.attention import _masked_softmax
        probs = _masked_softmax(scores, None if allowed is None else allowed[:, None])
        ctx = _L.matmul(self._drop(probs, training), v)   # (B, H, T, hd)
        ctx = _A.transpose(ctx, [0, 2, 1, 3])
        out = self._output_dense(ctx)
        if query_mask is not None:
            set_keras_mask(out, query_mask if isinstance(query_mask, Tensor)
                           else Tensor(qm))
        if return_attention_scores:
            return out, probs
        return out

    def compute_mask(self, query, value=None, key=None, query_mask=None, **kwargs):
        return query_mask

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        return tuple(query_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "head_dim": self.head_dim, "num_query_heads": self.num_query_heads,
            "num_key_value_heads": self.num_key_value_heads, "use_bias": self.use_bias,
            "use_gate": self.use_gate, "sliding_window": self.sliding_window,
            "dropout": self.dropout,
            **_kernel_bias_config(self),
            "seed": self.seed,
        })
        return config


GroupQueryAttention = GroupedQueryAttention


# ---- AlphaDropout -----------------------------------------------------------------------

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class AlphaDropout(_SeededLayer):
    """Dropout that keeps the mean and variance of self-normalizing (SELU) activations:
    dropped units are set to SELU's negative saturation value, then an affine map
    ``a * x + b`` restores zero mean and unit variance. Identity at inference."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        rate = float(rate)
        if not 0 <= rate <= 1:
            raise ValueError("AlphaDropout: rate must be a number in [0, 1], got %r." % rate)
        self.rate = rate
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not training or not 0 < self.rate < 1:
            return inputs
        x = inputs
        shape = tuple(x._value.shape)
        if self.noise_shape is not None:
            shape = tuple(s if n is None else n for s, n in zip(shape, self.noise_shape))
        dt = x._value.dtype
        gen = self._generator()
        keep = (gen.random(shape) >= self.rate).astype(dt)
        alpha_p = -_SELU_ALPHA * _SELU_SCALE
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        dropped = (1.0 - keep) * alpha_p
        y = _M.add(_M.multiply(x, wrap(keep)), wrap(dropped.astype(dt)))
        return _M.add(_M.multiply(y, a), b)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed, "noise_shape": self.noise_shape})
        return config


# ---- Wrapper and SpectralNormalization --------------------------------------------------

class Wrapper(_WrappedLayerConfig, Layer):
    """Base class of layers that wrap another layer (``self.layer``): builds the wrapped
    layer, serializes it in the config under ``"layer"``."""

    def __init__(self, layer, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(layer, Layer):
            raise ValueError("%s: `layer` must be a Keras layer instance, got %r."
                             % (type(self).__name__, layer))
        self.layer = layer

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer.build(input_shape)
            self.layer.built = True
        self.built = True

    def call(self, inputs, *args, **kwargs):
        return self.layer(inputs, *args, **kwargs)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)


class SpectralNormalization(Wrapper):
    """Divides the wrapped layer's ``kernel`` (or ``embeddings``) by its largest singular
    value, estimated by ``power_iterations`` steps of power iteration per training call
    (the estimate lives in the non-trainable weight ``vector_u``). At inference the layer
    runs with the kernel as last normalized."""

    def __init__(self, layer, power_iterations=1, **kwargs):
        super().__init__(layer, **kwargs)
        if not isinstance(power_iterations, (int, np.integer)) or power_iterations <= 0:
            raise ValueError("SpectralNormalization: power_iterations must be a positive int, "
                             "got %r." % (power_iterations,))
        self.power_iterations = int(power_iterations)

    def _target(self):
        for attr in ("kernel", "embeddings"):
            v = getattr(self.layer, attr, None)
            if v is not None:
                return v
        raise ValueError("SpectralNormalization: the wrapped layer %r (%s) has no `kernel` or "
                         "`embeddings` weight to normalize. Wrap a Dense, Conv or Embedding "
                         "layer." % (self.layer.name, type(self.layer).__name__))

    def build(self, input_shape=None):
        super().build(input_shape)
        kernel = self._target()
        self.__dict__["_sn_kernel"] = kernel
        self.vector_u = self.add_weight(
            name="vector_u", shape=(1, int(kernel._value.shape[-1])),
            initializer=initializers.TruncatedNormal(stddev=0.02), trainable=False)
        self.built = True

    @property
    def weights(self):
        # Keras' order: the wrapped kernel, vector_u, then the wrapped layer's other weights
        inner = self.layer.weights
        k = self.__dict__.get("_sn_kernel")
        u = self.__dict__.get("vector_u")
        if k is None or u is None:
            return super().weights
        out = []
        for w in inner:
            out.append(w)
            if w is k:
                out.append(u)
        return out

    def normalized_weights(self):
        """(new vector_u, normalized kernel) as NumPy arrays."""
        kernel = self.__dict__["_sn_kernel"]
        kv = np.asarray(kernel._value, dtype=np.float64)
        w = kv.reshape(-1, kv.shape[-1])
        u = np.asarray(self.vector_u._value, dtype=np.float64)

        def normalize(x):
            return x / np.sqrt(max(float(np.sum(x * x)), 1e-12))
        v = None
        for _ in range(self.power_iterations):
            v = normalize(u @ w.T)
            u = normalize(v @ w)
        sigma = float((v @ w @ u.T).reshape(()))
        return u, kv / sigma

    def call(self, inputs, training=False):
        if training:
            kernel = self.__dict__["_sn_kernel"]
            if np.any(kernel._value != 0):
                u, k = self.normalized_weights()
                self.vector_u.assign(u.astype(self.vector_u._value.dtype))
                kernel.assign(k.astype(kernel._value.dtype))
        return self.layer(inputs)

    def get_config(self):
        config = super().get_config()
        config["power_iterations"] = self.power_iterations
        return config


# ---- ReversibleEmbedding ----------------------------------------------------------------

class ReversibleEmbedding(Embedding):
    """An ``Embedding`` that also maps vectors back to logits over the vocabulary:
    ``layer(ids)`` embeds, ``layer(x, reverse=True)`` computes ``x @ embeddings.T`` (or
    ``x @ reverse_embeddings`` with ``tie_weights=False``), optionally soft-capped with
    ``tanh(logits / cap) * cap``."""

    def __init__(self, input_dim, output_dim, tie_weights=True,
                 embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, reverse_dtype=None,
                 logit_soft_cap=None, **kwargs):
        kwargs.pop("quantization_config", None)
        super().__init__(input_dim, output_dim, embeddings_initializer=embeddings_initializer,
                         embeddings_regularizer=embeddings_regularizer,
                         embeddings_constraint=embeddings_constraint, mask_zero=mask_zero,
                         **kwargs)
        self.tie_weights = bool(tie_weights)
        self.reverse_dtype = reverse_dtype
        self.logit_soft_cap = None if logit_soft_cap is None else float(logit_soft_cap)

    def build(self, input_shape=None):
        super().build(input_shape)
        if not self.tie_weights:
            self.reverse_embeddings = self.add_weight(
                name="reverse_embeddings", shape=(self.output_dim, self.input_dim),
                initializer=self.embeddings_initializer,
                regularizer=self.embeddings_regularizer,
                constraint=self.embeddings_constraint)
        self.built = True

    def call(self, inputs, reverse=False):
        if not reverse:
            return super().call(inputs)
        x = inputs
        if x._value.dtype.kind != "f":
            x = _M.cast(x, self.compute_dtype)
        kernel = _A.transpose(self.embeddings) if self.tie_weights else self.reverse_embeddings
        if self.reverse_dtype is not None:
            x = _M.cast(x, self.reverse_dtype)
            kernel = _M.cast(kernel, self.reverse_dtype)
        elif kernel._value.dtype != x._value.dtype:
            kernel = _M.cast(kernel, x._value.dtype)
        logits = _L.matmul(x, kernel)
        if self.logit_soft_cap is not None:
            cap = self.logit_soft_cap
            logits = _M.multiply(_M.tanh(_M.divide(logits, cap)), cap)
        return logits

    def compute_mask(self, inputs, mask=None):
        return None if not self.mask_zero else super().compute_mask(inputs, mask)

    def compute_output_shape(self, input_shape, reverse=False):
        if reverse:
            return tuple(input_shape)[:-1] + (self.input_dim,)
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self):
        config = super().get_config()
        config.update({"quantization_config": None,
                       "tie_weights": self.tie_weights, "reverse_dtype": self.reverse_dtype,
                       "logit_soft_cap": self.logit_soft_cap})
        return config


# ---- serialize / deserialize --------------------------------------------------------------

def serialize(layer):
    """A layer's Keras 3 config dict (``module``, ``class_name``, ``config``, ...)."""
    from ndflow.keras.saving import serialization
    if not isinstance(layer, Layer):
        raise ValueError("keras.layers.serialize expects a Layer instance, got %r." % (layer,))
    return serialization.serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    """Rebuild a layer from ``serialize``'s output (custom classes via ``custom_objects``)."""
    from ndflow.keras.saving import serialization
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError("keras.layers.deserialize expects a dict with 'class_name' and "
                         "'config' (the output of keras.layers.serialize), got %r."
                         % (config,))
    obj = serialization.deserialize_keras_object(config, custom_objects=custom_objects)
    if not isinstance(obj, Layer):
        raise ValueError("keras.layers.deserialize: %r does not describe a layer (got %s)."
                         % (config.get("class_name"), type(obj).__name__))
    return obj
