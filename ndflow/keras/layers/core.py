"""Core layers: Dense, Dropout, Flatten, Activation, Reshape, Permute, RepeatVector,
Lambda, Identity.

Dense runs one fused primitive (``x @ kernel + bias``, optionally followed by relu) with
its own gradient: it is on every training step, and one op instead of three saves the
dispatch and tape bookkeeping of two.  Tests check it against the composite of
``matmul``, ``add`` and ``relu``.
"""
import numpy as np

from ndflow.backend import random as _rnd
from ndflow.core.engine import Op, execute
from ndflow.ops import math_ops as M
from ndflow.ops import array_ops as A
from ndflow.ops import linalg_ops as L
from ndflow.ops import reduction_ops as R
from ndflow.ops._base import wrap
from ndflow.keras import activations, initializers, regularizers, constraints
from ndflow.keras.engine.layer import Layer
from ndflow.keras.engine.input_spec import InputSpec


def _ser(obj, module):
    return None if obj is None else module.serialize(obj)


# ---- Dense --------------------------------------------------------------------------------

class DenseOp(Op):
    """y = x @ w (+ b), then relu when ``relu``; x may have any rank >= 2."""

    def __init__(self, relu=False, has_bias=True):
        self.relu = relu
        self.has_bias = has_bias

    def forward(self, x, w, b=None):
        y = L.matmul_arrays(x, w)
        if b is not None:
            y += b
        if self.relu:
            np.maximum(y, 0, out=y)
        return y

    def backward(self, dy):
        x, w = self.inputs[0], self.inputs[1]
        if self.relu:
            out = self.outputs._value
            dy = M.multiply(dy, wrap(np.greater(out, 0).astype(out.dtype)))
        nd = x._value.ndim
        gx = gw = gb = None
        if self.needs_grad[0]:
            gx = L.matmul(dy, w, transpose_b=True)
        if self.needs_grad[1]:
            if nd == 2:
                gw = L.matmul(x, dy, transpose_a=True)
            else:
                k = x._value.shape[-1]
                gw = L.matmul(A.reshape(x, (-1, k)), A.reshape(dy, (-1, dy._value.shape[-1])),
                              transpose_a=True)
        if self.has_bias and self.needs_grad[2]:
            gb = R.reduce_sum(dy, axis=tuple(range(nd - 1)))
        if self.has_bias:
            return gx, gw, gb
        return gx, gw


def dense(x, kernel, bias=None, relu=False):
    """The fused Dense primitive: ``relu?(x @ kernel + bias)``."""
    if bias is None:
        return execute(DenseOp(relu, False), (x, kernel))
    return execute(DenseOp(relu, True), (x, kernel, bias))


class Dense(Layer):
    """``activation(inputs @ kernel + bias)``, applied to the last axis of the input."""

    def __init__(self, units, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        try:
            units = int(units)
        except (TypeError, ValueError):
            raise TypeError("Dense: units must be a positive integer, got %r." % (units,)) \
                from None
        if units <= 0:
            raise ValueError("Dense: units must be a positive integer, got %d." % units)
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self._fuse_relu = self.activation is activations.relu
        self.supports_masking = True

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        last = input_shape[-1] if input_shape else None
        if last is None:
            raise ValueError("Dense layer %r needs the last dimension of its input to be known, "
                             "got input shape %s." % (self.name, input_shape))
        self.kernel = self.add_weight(name="kernel", shape=(last, self.units),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.units,),
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        else:
            self.bias = None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: int(last)})
        self.built = True

    def _check_input(self, inputs):
        v = getattr(inputs, "_value", None)
        k = self.__dict__.get("kernel")
        if v is not None and k is not None and v.ndim >= 2 and v.shape[-1] == k._value.shape[0]:
            return
        super()._check_input(inputs)

    def call(self, inputs):
        x = inputs
        if x._value.dtype != self.kernel._value.dtype:
            x = M.cast(x, self.kernel.dtype)
        y = dense(x, self.kernel, self.bias, relu=self._fuse_relu)
        if not self._fuse_relu and self.activation is not activations.linear:
            y = self.activation(y)
        return y

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)[:-1] + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units, "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": _ser(self.kernel_initializer, initializers),
            "bias_initializer": _ser(self.bias_initializer, initializers),
            "kernel_regularizer": _ser(self.kernel_regularizer, regularizers),
            "bias_regularizer": _ser(self.bias_regularizer, regularizers),
            "activity_regularizer": _ser(self.activity_regularizer, regularizers),
            "kernel_constraint": _ser(self.kernel_constraint, constraints),
            "bias_constraint": _ser(self.bias_constraint, constraints),
        })
        return config


# ---- Dropout ------------------------------------------------------------------------------

class _RandomMaskMultiply(Op):
    """x * mask, with ``mask = make_mask(generator, x)`` drawn in ``forward``.

    The random draw happens inside the primitive, so replaying the op (for example from a
    traced graph) draws a fresh mask each time; the mask is kept for the gradient.
    """

    def __init__(self, make_mask, generator):
        self.make_mask = make_mask
        self.generator = generator
        self.mask = None

    def forward(self, x):
        self.mask = self.make_mask(self.generator, x)
        return x * self.mask

    def backward(self, dy):
        return (M.multiply(dy, wrap(self.mask)),)


class _SeededLayer(Layer):
    """A layer that draws random numbers from its own generator, seeded from ``seed`` or,
    when seed is None, from ndflow's global stream on first use (so
    ``keras.utils.set_random_seed`` makes the draws reproducible)."""

    def _generator(self):
        gen = self.__dict__.get("_rng")
        if gen is None:
            seed = self.seed if self.seed is not None else _rnd.fresh_seed()
            gen = np.random.default_rng(int(seed))
            object.__setattr__(self, "_rng", gen)
        return gen


class Dropout(_SeededLayer):
    """During training, sets a fraction ``rate`` of inputs to 0 and scales the rest by
    1 / (1 - rate); at inference returns the input unchanged."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        rate = float(rate)
        if not 0 <= rate <= 1:
            raise ValueError("Dropout: rate must be a number in [0, 1], got %r." % rate)
        self.rate = rate
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        x = inputs
        if self.rate == 1:
            return M.zeros_like(x)
        return execute(_RandomMaskMultiply(self._mask, self._generator()), (x,))

    def _mask(self, gen, x):
        shape = x.shape
        if self.noise_shape is not None:
            shape = tuple(s if n is None else n for s, n in zip(shape, self.noise_shape))
        dt = x.dtype
        keep = gen.random(shape, dtype=np.float32 if dt == np.float32 else np.float64) >= \
            self.rate
        return np.multiply(keep, dt.type(1.0 / (1.0 - self.rate)), dtype=dt)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "noise_shape": self.noise_shape, "seed": self.seed})
        return config


# ---- shape layers ---------------------------------------------------------------------

class Flatten(Layer):
    """Flattens every axis but the batch axis: (batch, 28, 28) -> (batch, 784)."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format or "channels_last"

    def call(self, inputs):
        x = inputs
        if self.data_format == "channels_first" and x._value.ndim > 2:
            x = A.transpose(x, [0] + list(range(2, x._value.ndim)) + [1])
        shape = x._value.shape
        if len(shape) == 1:
            return A.reshape(x, (shape[0], 1))
        return A.reshape(x, (shape[0], -1))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        rest = input_shape[1:]
        if not rest:
            return (input_shape[0], 1)
        n = None if any(d is None for d in rest) else int(np.prod(rest))
        return (input_shape[0], n)

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class Reshape(Layer):
    """Reshapes each sample to ``target_shape`` (one entry may be -1)."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(int(d) for d in target_shape)
        if sum(1 for d in self.target_shape if d == -1) > 1:
            raise ValueError("Reshape: at most one dimension of target_shape may be -1, got "
                             "%s." % (self.target_shape,))

    def _resolve(self, in_shape):
        known = [d for d in in_shape]
        if any(d is None for d in known):
            return self.target_shape if -1 not in self.target_shape else tuple(
                None if d == -1 else d for d in self.target_shape)
        total = int(np.prod(known)) if known else 1
        tgt = list(self.target_shape)
        if -1 in tgt:
            rest = int(np.prod([d for d in tgt if d != -1])) if len(tgt) > 1 else 1
            if rest == 0 or total % rest:
                raise ValueError(self._err(in_shape))
            tgt[tgt.index(-1)] = total // rest
        elif int(np.prod(tgt)) != total:
            raise ValueError(self._err(in_shape))
        return tuple(tgt)

    def _err(self, in_shape):
        return ("Layer %r (Reshape): cannot reshape a sample of shape %s (%s values) into "
                "target_shape %s. The number of values must stay the same."
                % (self.name, tuple(in_shape),
                   int(np.prod(in_shape)) if None not in in_shape else "?",
                   self.target_shape))

    def call(self, inputs):
        shape = inputs._value.shape
        return A.reshape(inputs, (shape[0],) + self._resolve(shape[1:]))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        return (input_shape[0],) + tuple(self._resolve(input_shape[1:]))

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = list(self.target_shape)
        return config


class Permute(Layer):
    """Permutes the non-batch axes; ``dims`` counts from 1 (``Permute((2, 1))``)."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError("Permute: dims must be a permutation of 1..%d (the batch axis 0 "
                             "is not included), got %s." % (len(self.dims), self.dims))

    def call(self, inputs):
        return A.transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self):
        config = super().get_config()
        config["dims"] = list(self.dims)
        return config


class RepeatVector(Layer):
    """(batch, features) -> (batch, n, features)."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = int(n)
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        return A.tile(A.expand_dims(inputs, 1), [1, self.n, 1])

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        config = super().get_config()
        config["n"] = self.n
        return config


class Activation(Layer):
    """Applies an activation function: ``Activation('relu')``."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.supports_masking = True

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config


class Identity(Layer):
    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape


# ---- Lambda -------------------------------------------------------------------------------

class Lambda(Layer):
    """Wraps an arbitrary function as a layer: ``Lambda(lambda x: x * 2)``."""

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError("Lambda: function must be callable, got %r." % (function,))
        self.function = function
        self._output_shape = output_shape
        self.mask = mask
        self.arguments = dict(arguments or {})
        import inspect
        try:
            params = inspect.signature(function).parameters
        except (TypeError, ValueError):
            params = {}
        self._fn_takes_training = "training" in params
        self._fn_takes_mask = "mask" in params

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_takes_mask:
            kwargs["mask"] = mask
        if self._fn_takes_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            from ndflow.keras.engine.keras_tensor import infer_output_shape
            return infer_output_shape(self, input_shape)
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        shape = tuple(self._output_shape)
        batch = tuple(input_shape)[0] if not isinstance(input_shape, list) else \
            tuple(input_shape[0])[0]
        return (batch,) + shape

    def get_config(self):
        from ndflow.keras.saving.serialization import serialize_function
        config = super().get_config()
        config["function"] = serialize_function(self.function)
        if self._output_shape is not None:
            if callable(self._output_shape):
                config["output_shape"] = serialize_function(self._output_shape)
            else:
                config["output_shape"] = list(self._output_shape)
        config["arguments"] = self.arguments
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ndflow.keras.saving.serialization import in_safe_mode, deserialize_keras_object
        config = dict(config)
        fn = config.pop("function")
        out = config.get("output_shape")
        specs = [fn] + ([out] if isinstance(out, dict) else [])
        if in_safe_mode() and any(isinstance(s, dict) and s.get("class_name") == "__lambda__"
                                  for s in specs):
            raise ValueError(
                "Requested the deserialization of Lambda layer %r, whose function is a Python "
                "lambda stored as bytecode. Loading it would run code from the file, which "
                "may be unsafe, so it is refused in safe mode. If you trust the source of "
                "this file, pass safe_mode=False to the loading function (e.g. "
                "keras.models.load_model(path, safe_mode=False)) or wrap from_config in "
                "keras.saving.SafeModeScope(False)." % config.get("name"))
        if isinstance(fn, (dict, str)):
            fn = deserialize_keras_object(fn, custom_objects=custom_objects,
                                          kinds=("activations",))
        if isinstance(out, dict):
            config["output_shape"] = deserialize_keras_object(out,
                                                              custom_objects=custom_objects)
        return cls(fn, **config)
