"""``keras.initializers``: how a layer's weights start.

An initializer is called as ``init(shape, dtype=None)`` and returns a Tensor.  Without a
``seed`` the numbers come from ndflow's global random stream (so
``keras.utils.set_random_seed`` makes weights reproducible); with a ``seed`` every call
returns the same values.
"""
import math

import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.backend import random as _rnd
from ndflow.core.tensor import Tensor
from ndflow.keras.engine.serial import serialize_obj, resolve


def _np_dtype(dtype):
    return _dt.as_dtype(dtype if dtype is not None else _dt.floatx())._np


def _shape(shape):
    if isinstance(shape, int):
        return (shape,)
    return tuple(int(d) for d in shape)


def _wrap(arr, dtype):
    t = Tensor.__new__(Tensor)
    t._value = np.asarray(arr, dtype=_np_dtype(dtype))
    return t


def compute_fans(shape):
    """(fan_in, fan_out) of a weight shape, as Keras computes them."""
    shape = _shape(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = int(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    """Base class: subclasses implement ``__call__(shape, dtype=None)``."""

    def __call__(self, shape, dtype=None, **kwargs):
        raise NotImplementedError

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("dtype", None)
        return cls(**config)

    def clone(self):
        return type(self).from_config(self.get_config())


class _Seeded(Initializer):
    def __init__(self, seed=None):
        self.seed = seed

    def _gen(self):
        if self.seed is None:
            return _rnd.generator(None)
        return np.random.default_rng(int(self.seed))

    def get_config(self):
        return {"seed": self.seed}


class Zeros(Initializer):
    def __call__(self, shape, dtype=None, **kwargs):
        return _wrap(np.zeros(_shape(shape)), dtype)


class Ones(Initializer):
    def __call__(self, shape, dtype=None, **kwargs):
        return _wrap(np.ones(_shape(shape)), dtype)


class Constant(Initializer):
    def __init__(self, value=0.0):
        if isinstance(value, Tensor):
            value = value._value
        if isinstance(value, np.ndarray):
            value = value.tolist()
        self.value = value

    def __call__(self, shape, dtype=None, **kwargs):
        return _wrap(np.broadcast_to(np.asarray(self.value), _shape(shape)), dtype)

    def get_config(self):
        return {"value": self.value}


class RandomNormal(_Seeded):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean = mean
        self.stddev = stddev

    def __call__(self, shape, dtype=None, **kwargs):
        z = self._gen().standard_normal(_shape(shape))
        return _wrap(self.mean + self.stddev * z, dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(_Seeded):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval = minval
        self.maxval = maxval

    def __call__(self, shape, dtype=None, **kwargs):
        d = _np_dtype(dtype)
        shape = _shape(shape)
        if d.kind in "iu":
            return _wrap(self._gen().integers(self.minval, self.maxval, size=shape), dtype)
        u = self._gen().random(shape)
        return _wrap(self.minval + (self.maxval - self.minval) * u, dtype)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


def _truncated(gen, shape):
    """Standard normal values redrawn until they lie within two standard deviations."""
    n = int(np.prod(shape, dtype=np.int64))
    z = gen.standard_normal(n)
    bad = np.abs(z) > 2
    while bad.any():
        z[bad] = gen.standard_normal(int(bad.sum()))
        bad = np.abs(z) > 2
    return z.reshape(shape)


class TruncatedNormal(_Seeded):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean = mean
        self.stddev = stddev

    def __call__(self, shape, dtype=None, **kwargs):
        return _wrap(self.mean + self.stddev * _truncated(self._gen(), _shape(shape)), dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class VarianceScaling(_Seeded):
    """Random values scaled by the fan-in / fan-out of the weight (Glorot, He, LeCun)."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        super().__init__(seed)
        if scale <= 0:
            raise ValueError("VarianceScaling: scale must be positive, got %r." % (scale,))
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError("VarianceScaling: mode must be 'fan_in', 'fan_out' or 'fan_avg', "
                             "got %r." % (mode,))
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError("VarianceScaling: distribution must be 'truncated_normal', "
                             "'untruncated_normal' or 'uniform', got %r." % (distribution,))
        self.scale = scale
        self.mode = mode
        self.distribution = distribution

    def __call__(self, shape, dtype=None, **kwargs):
        shape = _shape(shape)
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[
            self.mode]
        var = self.scale / max(1.0, n)
        gen = self._gen()
        if self.distribution == "truncated_normal":
            # 0.8796... is the stddev of a standard normal truncated to [-2, 2]
            std = math.sqrt(var) / 0.87962566103423978
            return _wrap(std * _truncated(gen, shape), dtype)
        if self.distribution == "untruncated_normal":
            return _wrap(math.sqrt(var) * gen.standard_normal(shape), dtype)
        limit = math.sqrt(3.0 * var)
        return _wrap(gen.uniform(-limit, limit, shape), dtype)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed}


class _FixedVS(VarianceScaling):
    _args = None

    def __init__(self, seed=None):
        scale, mode, dist = self._args
        super().__init__(scale, mode, dist, seed)

    def get_config(self):
        return {"seed": self.seed}


class GlorotUniform(_FixedVS):
    _args = (1.0, "fan_avg", "uniform")


class GlorotNormal(_FixedVS):
    _args = (1.0, "fan_avg", "truncated_normal")


class HeNormal(_FixedVS):
    _args = (2.0, "fan_in", "truncated_normal")


class HeUniform(_FixedVS):
    _args = (2.0, "fan_in", "uniform")


class LecunNormal(_FixedVS):
    _args = (1.0, "fan_in", "truncated_normal")


class LecunUniform(_FixedVS):
    _args = (1.0, "fan_in", "uniform")


class Orthogonal(_Seeded):
    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape, dtype=None, **kwargs):
        shape = _shape(shape)
        if len(shape) < 2:
            raise ValueError("Orthogonal initializer needs a shape of rank >= 2, got %s."
                             % (shape,))
        rows = int(np.prod(shape[:-1]))
        cols = shape[-1]
        a = self._gen().standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return _wrap(self.gain * q[:rows, :cols].reshape(shape), dtype)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None, **kwargs):
        shape = _shape(shape)
        if len(shape) != 2:
            raise ValueError("Identity initializer needs a 2D shape, got %s." % (shape,))
        return _wrap(self.gain * np.eye(*shape), dtype)

    def get_config(self):
        return {"gain": self.gain}


# snake_case aliases, as Keras exports them
zeros = Zeros
ones = Ones
constant = Constant
random_normal = RandomNormal
random_uniform = RandomUniform
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling
glorot_uniform = GlorotUniform
glorot_normal = GlorotNormal
he_normal = HeNormal
he_uniform = HeUniform
lecun_normal = LecunNormal
lecun_uniform = LecunUniform
orthogonal = Orthogonal
OrthogonalInitializer = Orthogonal   # Keras 3 alias
identity = Identity
IdentityInitializer = Identity

_CLASSES = {c.__name__: c for c in (
    Zeros, Ones, Constant, RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling,
    GlorotUniform, GlorotNormal, HeNormal, HeUniform, LecunNormal, LecunUniform, Orthogonal,
    Identity)}
_ALIASES = {
    "zeros": Zeros, "ones": Ones, "constant": Constant, "random_normal": RandomNormal,
    "random_uniform": RandomUniform, "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling, "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal, "he_normal": HeNormal, "he_uniform": HeUniform,
    "lecun_normal": LecunNormal, "lecun_uniform": LecunUniform, "orthogonal": Orthogonal,
    "identity": Identity, "uniform": RandomUniform, "normal": RandomNormal,
    "zero": Zeros, "one": Ones, "xavier_uniform": GlorotUniform,
    "xavier_normal": GlorotNormal,
}


def serialize(initializer):
    return serialize_obj(initializer, "keras.initializers")


def deserialize(config, custom_objects=None):
    return resolve(config, _CLASSES, "initializer", custom_objects, _ALIASES)


def get(identifier, custom_objects=None):
    """Resolve an initializer given as a name, config dict, instance, class or callable."""
    if identifier is None:
        return None
    if isinstance(identifier, (dict, str)):
        return resolve(identifier, _CLASSES, "initializer", custom_objects, _ALIASES)
    if isinstance(identifier, type):
        return identifier()
    if callable(identifier):
        return identifier
    raise TypeError("Could not interpret initializer identifier %r (type %s): expected a "
                    "name such as 'glorot_uniform', an Initializer or a callable."
                    % (identifier, type(identifier).__name__))
