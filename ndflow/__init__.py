"""ndflow: TensorFlow 2 and Keras on NumPy.

    import ndflow as tf
    from ndflow import keras

``import ndflow`` loads NumPy and ndflow's own core only; Keras, tf.data, the tuner and
distribution load on first use (PEP 562 ``__getattr__`` below).
"""
__version__ = "0.1.0"

from ndflow.backend import dtypes as _dtypes
from ndflow.backend.dtypes import (DType, as_dtype, float16, float32, float64, half, double,
                                   int8, int16, int32, int64, uint8, uint16, uint32, uint64,
                                   complex64, complex128, string)
from ndflow.core import (Tensor, TensorShape, Variable, GradientTape, UnconnectedGradients,
                         convert_to_tensor, is_tensor, stop_gradient, custom_gradient,
                         VariableAggregation, VariableSynchronization, errors, function)
from ndflow import ops as _ops  # attaches the Tensor operators
from ndflow.ops.math_ops import (
    add, subtract, multiply, divide, truediv, floordiv, pow, negative, abs, sign, square,
    sqrt, rsqrt, exp, log, sin, cos, tan, tanh, sigmoid, maximum, minimum, round, floor,
    ceil, equal, not_equal, less, less_equal, greater, greater_equal, logical_and,
    logical_or, logical_not, where, cast, clip_by_value, ones_like, zeros_like, add_n,
    squared_difference, is_nan, is_inf, is_finite, saturate_cast)
from ndflow.ops.reduction_ops import (reduce_sum, reduce_mean, reduce_max, reduce_min,
                                      reduce_prod, reduce_std, reduce_variance,
                                      reduce_logsumexp, reduce_any, reduce_all, argmax,
                                      argmin, count_nonzero)
from ndflow.ops.array_ops import (reshape, broadcast_to, transpose, expand_dims, squeeze,
                                  concat, stack, unstack, split, tile, gather, zeros, ones,
                                  fill, eye, identity, shape, size, rank, one_hot, slice,
                                  strided_slice)
from ndflow.ops.array_ops import range_ as range
from ndflow.ops.linalg_ops import matmul
from ndflow import math, linalg, nn, random, config  # noqa: E402  (namespace modules)

bool = _dtypes.bool_
newaxis = None

_LAZY = {"keras": "ndflow.keras", "data": "ndflow.data", "tuner": "ndflow.tuner",
         "distribute": "ndflow.distribute"}


def __getattr__(name):
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError("module 'ndflow' has no attribute %r" % name)
    import importlib
    mod = importlib.import_module(target)
    globals()[name] = mod
    return mod


def __dir__():
    return sorted(list(globals()) + list(_LAZY))
