"""``keras.random``: seeded random tensors (the same generator as ``tf.random``)."""
from ndflow.ops.random_ops import normal, uniform, truncated_normal, shuffle, categorical

import numpy as _np

from ndflow.backend import random as _rnd
from ndflow.backend import dtypes as _dt
from ndflow.ops._base import convert as _convert, wrap as _wrap


class SeedGenerator:
    """A stateful source of seeds for the ``keras.random`` functions: passing the same
    ``SeedGenerator`` as ``seed`` to successive calls gives different, reproducible draws."""

    def __init__(self, seed=None, name=None, **kwargs):
        if seed is not None and (not isinstance(seed, (int, _np.integer)) or
                                 isinstance(seed, bool)):
            raise ValueError("SeedGenerator: seed must be an int or None, got %r." % (seed,))
        self.name = name or "seed_generator"
        self._initial_seed = _rnd.fresh_seed() if seed is None else int(seed)
        self._gen = _np.random.default_rng(self._initial_seed)

    def next(self, ordered=True):
        return int(self._gen.integers(0, 2 ** 31 - 1))

    def get_config(self):
        return {"seed": self._initial_seed}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _gen(seed):
    if isinstance(seed, SeedGenerator):
        return seed._gen
    if seed is None:
        return _rnd.generator(None)
    return _np.random.default_rng(int(seed))


def _fd(dtype):
    return _dt.as_dtype(dtype if dtype is not None else _dt.floatx())._np


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers drawn uniformly from [minval, maxval)."""
    return _wrap(_gen(seed).integers(minval, maxval, size=tuple(shape)).astype(
        _dt.as_dtype(dtype)._np))


def gamma(shape, alpha, dtype=None, seed=None):
    """Gamma(alpha, 1) samples."""
    return _wrap(_gen(seed).gamma(alpha, 1.0, size=tuple(shape)).astype(_fd(dtype)))


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Beta(alpha, beta) samples."""
    return _wrap(_gen(seed).beta(alpha, beta, size=tuple(shape)).astype(_fd(dtype)))


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Binomial(counts, probabilities) samples (as floats, like Keras)."""
    return _wrap(_gen(seed).binomial(_np.asarray(counts).astype(_np.int64),
                                     _np.asarray(probabilities, _np.float64),
                                     size=tuple(shape)).astype(_fd(dtype)))


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zero each entry with probability ``rate`` and scale the rest by 1/(1-rate)."""
    from ndflow.ops import math_ops as _M
    x = _convert(inputs)
    rate = float(rate)
    if not 0 <= rate < 1:
        raise ValueError("keras.random.dropout: rate must be in [0, 1), got %r." % rate)
    shape = tuple(x._value.shape) if noise_shape is None else tuple(
        s if n is None else n for s, n in zip(x._value.shape, noise_shape))
    keep = (_gen(seed).random(shape) >= rate).astype(x._value.dtype) / (1.0 - rate)
    return _M.multiply(x, _wrap(keep.astype(x._value.dtype)))
