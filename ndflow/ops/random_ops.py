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
    gen = _rnd.generator(seed)
    if d.kind in "iu":
        if maxval is None:
            raise InvalidArgumentError("random.uniform: an integer dtype needs maxval.")
        return wrap(gen.integers(int(minval), int(maxval), size=shape).astype(d))
    lo = convert(minval)._value.astype(d)
    hi = convert(1.0 if maxval is None else maxval)._value.astype(d)
    out = gen.random(size=shape, dtype=np.float64 if d != np.float32 else np.float32)
    return wrap((lo + out.astype(d) * (hi - lo)).astype(d))


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
    gen = _rnd.generator(seed)
    n = int(np.prod(shape, dtype=np.int64))
    z = gen.standard_normal(size=n)
    bad = np.abs(z) > 2
    while bad.any():
        z[bad] = gen.standard_normal(size=int(bad.sum()))
        bad = np.abs(z) > 2
    z = z.reshape(shape)
    return wrap((convert(mean)._value + z * convert(stddev)._value).astype(d))
