"""Helpers shared by the ``tf.image`` modules: argument conversion, rank checks, random
generators with TensorFlow's seed rules."""
import numpy as np

from ndflow.backend import random as _rnd
from ndflow.core.tensor import Tensor, convert_to_tensor
from ndflow.core.errors import InvalidArgumentError

__all__ = ["tensor", "check_rank", "check_min_rank", "int_arg", "float_arg", "generator",
           "stateless_generator", "InvalidArgumentError"]

_RANK_HINT = {2: " A single-channel image needs a channels axis: tf.expand_dims(image, -1).",
              5: ""}


def tensor(value):
    """``value`` as a Tensor (tensors pass through unchanged)."""
    return value if isinstance(value, Tensor) else convert_to_tensor(value)


def _shape(x):
    return tuple(x._value.shape)


def check_rank(x, fn, arg="image", ranks=(3, 4)):
    """Raise unless ``x`` is one image (height, width, channels) or a batch of them
    (``ranks`` (4,): a batch only)."""
    nd = x._value.ndim
    if nd in ranks:
        return
    hint = _RANK_HINT.get(nd, "")
    if ranks == (3, 4):
        want = "rank 3 (height, width, channels) or 4 (batch, height, width, channels)"
    elif ranks == (4,):
        want = "rank 4 (batch, height, width, channels)"
        if nd == 3:
            hint = " Add a batch axis to a single image: tf.expand_dims(%s, 0)." % arg
    else:
        want = "rank %s" % " or ".join(str(r) for r in ranks)
    raise ValueError("%s: %s must have %s, got shape %s.%s" % (fn, arg, want, _shape(x), hint))


def check_min_rank(x, fn, n, arg="image", what="(..., height, width, channels)"):
    if x._value.ndim < n:
        raise ValueError("%s: %s must have rank >= %d %s, got shape %s.%s"
                         % (fn, arg, n, what, _shape(x), _RANK_HINT.get(x._value.ndim, "")))


def _scalar(value, fn, arg):
    if isinstance(value, Tensor):
        value = value._value
    a = np.asarray(value)
    if a.ndim != 0 and a.size == 1:
        a = a.reshape(())
    if a.ndim != 0 or a.dtype.kind not in "biuf":
        raise TypeError("%s: %s must be a number, got %r." % (fn, arg, value))
    return a


def int_arg(value, fn, arg):
    """A Python int from an int, NumPy integer or scalar integer tensor."""
    a = _scalar(value, fn, arg)
    if a.dtype.kind == "f":
        if not float(a).is_integer():
            raise TypeError("%s: %s must be an integer, got %r." % (fn, arg, float(a)))
    return int(a)


def float_arg(value, fn, arg):
    return float(_scalar(value, fn, arg))


def generator(seed):
    """The NumPy generator a random image op with op seed ``seed`` draws from (the global /
    op seed rules of ``tf.random``: ``tf.random.set_seed`` makes the sequence repeat)."""
    return _rnd.generator(seed)


def stateless_generator(seed, fn):
    """A fresh generator determined by ``seed`` alone, a pair of integers (the
    ``stateless_random_*`` ops)."""
    s = np.asarray(seed._value if isinstance(seed, Tensor) else seed)
    if s.shape != (2,) or s.dtype.kind not in "iu":
        raise ValueError("%s: seed must be a pair of integers, shape [2], e.g. seed=(1, 2); "
                         "got %r." % (fn, seed))
    return np.random.default_rng([int(v) % 2 ** 64 for v in s.tolist()])
