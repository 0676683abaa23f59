"""Random ops (``tf.random``) with TensorFlow's global/op seed rules (see backend.random)."""
import numpy as np

from ndflow.backend import dtypes as _dt, random as _rnd
from ndflow.ops._base import convert, wrap, InvalidArgumentError
from ndflow.ops.array_ops import _shape_arg

set_seed = _rnd.set_seed


def _fdtype(dtype):
    d = _dt.as_dtype(dtype if dtype is not None else "float32")
    return d._np


def uniform(shape, minval=0, maxval=None, dtype=None, seed=None, name=None):
    """Uniform values in [minval, maxval); integer dtypes need an explicit maxval."""
    shape = _shape_arg(shape, "random.uniform")
    d = _fdtype(dtype)
    return wrap(_draw_uniform(_rnd.generator(seed), shape, minval, maxval, d))


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None, name=None):
    shape = _shape_arg(shape, "random.normal")
    d = _fdtype(dtype)
    gen = _rnd.generator(seed)
    z = gen.standard_normal(size=shape, dtype=np.float32 if d == np.float32 else np.float64)
    return wrap((convert(mean)._value + z * convert(stddev)._value).astype(d))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None, name=None):
    """Normal values redrawn until they lie within two standard deviations of the mean."""
    shape = _shape_arg(shape, "random.truncated_normal")
    d = _fdtype(dtype)
    z = _draw_truncated(_rnd.generator(seed), shape)
    return wrap((convert(mean)._value + z * convert(stddev)._value).astype(d))


def shuffle(value, seed=None, name=None):
    """``value`` with its first dimension randomly permuted (``tf.random.shuffle``)."""
    x = convert(value)
    if x._value.ndim == 0:
        raise InvalidArgumentError("random.shuffle needs a tensor of rank >= 1, got a scalar.")
    perm = _rnd.generator(seed).permutation(x._value.shape[0])
    return wrap(x._value[perm])


def categorical(logits, num_samples, dtype=None, seed=None, name=None):
    """For each row of ``logits`` (shape [batch, classes]), ``num_samples`` class indices
    drawn with probabilities softmax(logits) (``tf.random.categorical``)."""
    lg = convert(logits)._value
    if lg.ndim != 2:
        raise InvalidArgumentError("random.categorical expects logits of shape "
                                   "[batch_size, num_classes], got %s." % (tuple(lg.shape),))
    n = int(num_samples)
    d = _dt.as_dtype(dtype if dtype is not None else "int64")._np
    gen = _rnd.generator(seed)
    # Gumbel-max trick: argmax(logits + Gumbel noise) is a sample from softmax(logits)
    u = gen.random(size=(lg.shape[0], n, lg.shape[1]))
    gumbel = -np.log(-np.log(np.clip(u, 1e-300, 1.0)))
    return wrap(np.argmax(lg.astype(np.float64)[:, None, :] + gumbel, axis=-1).astype(d))


def _draw_uniform(gen, shape, minval, maxval, d):
    if d.kind in "iu":
        if maxval is None:
            raise InvalidArgumentError("random.uniform: an integer dtype needs maxval.")
        return gen.integers(int(minval), int(maxval), size=shape).astype(d)
    lo = np.asarray(convert(minval)._value, dtype=d)
    hi = np.asarray(convert(1.0 if maxval is None else maxval)._value, dtype=d)
    out = gen.random(size=shape, dtype=np.float32 if d == np.float32 else np.float64)
    return (lo + out.astype(d) * (hi - lo)).astype(d)


def _draw_truncated(gen, shape):
    z = gen.standard_normal(size=shape)
    bad = np.abs(z) > 2
    while bad.any():
        z[bad] = gen.standard_normal(size=int(bad.sum()))
        bad = np.abs(z) > 2
    return z


class Generator:
    """A random number generator with its own state (``tf.random.Generator``).

    ``Generator.from_seed(s)`` always produces the same sequence for the same ``s``,
    independent of ``tf.random.set_seed``."""

    def __init__(self, copy_from=None, state=None, alg=None, seed=None):
        if copy_from is not None:
            self._gen = np.random.Generator(type(copy_from._gen.bit_generator)())
            self._gen.bit_generator.state = copy_from._gen.bit_generator.state
        elif seed is not None:
            self._gen = np.random.default_rng(_seed_words(seed))
        else:
            self._gen = np.random.default_rng()

    @classmethod
    def from_seed(cls, seed, alg=None):
        return cls(seed=seed)

    @classmethod
    def from_non_deterministic_state(cls, alg=None):
        return cls()

    def reset_from_seed(self, seed):
        self._gen = np.random.default_rng(_seed_words(seed))

    def normal(self, shape, mean=0.0, stddev=1.0, dtype=None, name=None):
        d = _fdtype(dtype)
        z = self._gen.standard_normal(size=_shape_arg(shape, "Generator.normal"))
        return wrap((convert(mean)._value + z * convert(stddev)._value).astype(d))

    def uniform(self, shape, minval=0, maxval=None, dtype=None, name=None):
        d = _fdtype(dtype)
        return wrap(_draw_uniform(self._gen, _shape_arg(shape, "Generator.uniform"),
                                  minval, maxval, d))

    def truncated_normal(self, shape, mean=0.0, stddev=1.0, dtype=None, name=None):
        d = _fdtype(dtype)
        z = _draw_truncated(self._gen, _shape_arg(shape, "Generator.truncated_normal"))
        return wrap((convert(mean)._value + z * convert(stddev)._value).astype(d))

    def uniform_full_int(self, shape, dtype=None, name=None):
        d = _dt.as_dtype(dtype if dtype is not None else "uint64")._np
        info = np.iinfo(d)
        return wrap(self._gen.integers(info.min, info.max, size=_shape_arg(
            shape, "Generator.uniform_full_int"), dtype=d, endpoint=True))

    def make_seeds(self, count=1):
        return wrap(self._gen.integers(0, 2 ** 63 - 1, size=(2, int(count)), dtype=np.int64))

    def split(self, count=1):
        return [Generator(seed=int(s)) for s in self._gen.integers(0, 2 ** 63 - 1, size=count)]


def _seed_words(seed):
    if isinstance(seed, (list, tuple, np.ndarray)) or hasattr(seed, "_value"):
        vals = np.asarray(getattr(seed, "_value", seed)).ravel().tolist()
        return [int(v) % 2 ** 64 for v in vals]
    return int(seed) % 2 ** 64


_global_generator = [None]


def get_global_generator():
    if _global_generator[0] is None:
        _global_generator[0] = Generator()
    return _global_generator[0]


def set_global_generator(generator):
    _global_generator[0] = generator


def stateless_uniform(shape, seed, minval=0, maxval=None, dtype=None, name=None, alg=None):
    """Uniform values that depend only on ``seed`` (a pair of ints)."""
    return Generator(seed=seed).uniform(shape, minval, maxval, dtype)


def stateless_normal(shape, seed, mean=0.0, stddev=1.0, dtype=None, name=None, alg=None):
    return Generator(seed=seed).normal(shape, mean, stddev, dtype)


def stateless_truncated_normal(shape, seed, mean=0.0, stddev=1.0, dtype=None, name=None,
                               alg=None):
    return Generator(seed=seed).truncated_normal(shape, mean, stddev, dtype)


def _seed_pair(seed, fn):
    s = np.asarray(convert(seed)._value)
    if s.shape != (2,) or s.dtype.kind not in "iu":
        raise InvalidArgumentError("%s: seed must be a pair of integers (shape [2]), got "
                                   "shape %s and dtype %s." % (fn, list(s.shape), s.dtype))
    return s


def _derived_seeds(s, extra, count):
    info = np.iinfo(s.dtype)
    gen = np.random.default_rng([int(v) % 2 ** 64 for v in s.tolist()] + list(extra))
    return gen.integers(info.min, info.max, size=(count, 2), dtype=s.dtype, endpoint=True)


def split(seed, num=2, alg="auto_select"):
    """``num`` new seeds derived from the seed pair ``seed``: shape ``[num, 2]``, the
    seed's dtype, the same for the same seed (for the ``tf.random.stateless_*`` ops)."""
    s = _seed_pair(seed, "tf.random.split")
    if int(num) < 0:
        raise InvalidArgumentError("tf.random.split: num must be >= 0, got %d." % int(num))
    return wrap(_derived_seeds(s, [0x5EED], int(num)))


def fold_in(seed, data, alg="auto_select"):
    """A new seed pair derived from the seed pair ``seed`` and the integer ``data``
    (a step number, a worker index)."""
    s = _seed_pair(seed, "tf.random.fold_in")
    d = int(np.asarray(convert(data)._value))
    return wrap(_derived_seeds(s, [0xF01D, d % 2 ** 64], 1)[0])
