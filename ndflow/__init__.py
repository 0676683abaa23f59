"""ndflow: TensorFlow 2 and Keras on NumPy.

    import ndflow as tf
    from ndflow import keras

``import ndflow`` loads NumPy and ndflow's own core only; Keras, tf.data, the tuner and
distribution load on first use (PEP 562 ``__getattr__`` below).
"""
__version__ = "0.1.0"
VERSION = __version__

from ndflow.backend import dtypes as _dtypes
from ndflow.backend.dtypes import (DType, as_dtype, float16, float32, float64, half, double,
                                   int8, int16, int32, int64, uint8, uint16, uint32, uint64,
                                   complex64, complex128, string)
from ndflow.core import (Tensor, TensorShape, Variable, GradientTape, UnconnectedGradients,
                         convert_to_tensor, is_tensor, stop_gradient, custom_gradient,
                         VariableAggregation, VariableSynchronization, errors, function)
from ndflow.core.tensor_spec import TensorSpec
from ndflow.backend.device import device
from ndflow import ops as _ops  # attaches the Tensor operators
from ndflow.ops.math_ops import (
    add, subtract, multiply, divide, truediv, floordiv, pow, negative, abs, sign, square,
    sqrt, rsqrt, exp, log, sin, cos, tan, tanh, sigmoid, maximum, minimum, round, floor,
    ceil, equal, not_equal, less, less_equal, greater, greater_equal, logical_and,
    logical_or, logical_not, where, cast, clip_by_value, clip_by_norm, ones_like,
    zeros_like, add_n, squared_difference, is_nan, is_inf, is_finite, saturate_cast,
    cumsum, cumprod, realdiv, atan2, acos, asin, atan, cosh, sinh, scalar_mul, complex)
from ndflow.ops.reduction_ops import (reduce_sum, reduce_mean, reduce_max, reduce_min,
                                      reduce_prod, reduce_std, reduce_variance,
                                      reduce_logsumexp, reduce_any, reduce_all, argmax,
                                      argmin, count_nonzero, norm)
from ndflow.ops.array_ops import (reshape, broadcast_to, transpose, expand_dims, squeeze,
                                  concat, stack, unstack, split, tile, gather, zeros, ones,
                                  fill, eye, identity, shape, size, rank, one_hot, slice,
                                  strided_slice, constant, linspace, reverse, repeat, pad,
                                  gather_nd, scatter_nd, tensor_scatter_nd_update,
                                  tensor_scatter_nd_add, tensor_scatter_nd_sub, boolean_mask,
                                  sort, argsort, unique, unique_with_counts, roll, meshgrid,
                                  sequence_mask, bincount, histogram_fixed_width)
from ndflow.ops.array_ops import range_ as range
from ndflow.ops.linalg_ops import matmul, tensordot, einsum
from ndflow.ops.control_flow_ops import (cond, case, while_loop, map_fn, vectorized_map,
                                         clip_by_global_norm, ensure_shape, get_static_value,
                                         searchsorted, name_scope, control_dependencies,
                                         init_scope, executing_eagerly, py_function,
                                         numpy_function, scan, foldl, foldr, switch_case,
                                         Assert, identity_n, timestamp)
from ndflow.ops.tensor_array import TensorArray
from ndflow.ops.control_flow_ops import print_ as print
from ndflow.core.module import Module
from ndflow.core import nest
from ndflow.ops import debugging_ops as debugging
from ndflow.backend import dtypes
from ndflow import math, linalg, nn, random, config  # noqa: E402  (namespace modules)

bool = _dtypes.bool_
newaxis = None

_LAZY = {"keras": "ndflow.keras", "data": "ndflow.data", "tuner": "ndflow.tuner",
         "distribute": "ndflow.distribute", "image": "ndflow.image",
         "strings": "ndflow.strings", "io": "ndflow.io", "summary": "ndflow.summary",
         "train": "ndflow.train", "sparse": "ndflow.sparse", "ragged": "ndflow.ragged",
         "lookup": "ndflow.lookup", "signal": "ndflow.signal", "audio": "ndflow.audio",
         "bitwise": "ndflow.bitwise", "test": "ndflow.test", "version": "ndflow.version",
         # TF 2 keeps short aliases of these Keras modules (tf.metrics.BinaryAccuracy, ...)
         "metrics": "ndflow.keras.metrics", "losses": "ndflow.keras.losses",
         "optimizers": "ndflow.keras.optimizers", "initializers": "ndflow.keras.initializers"}


# classes at the top of tf that live in a lazy namespace: name -> (module, attribute)
_LAZY_CLASSES = {"SparseTensor": ("ndflow.sparse", "SparseTensor"),
                 "SparseTensorSpec": ("ndflow.sparse", "SparseTensorSpec"),
                 "RaggedTensor": ("ndflow.ragged", "RaggedTensor"),
                 "RaggedTensorSpec": ("ndflow.ragged", "RaggedTensorSpec")}


def __getattr__(name):
    if name in _LAZY_CLASSES:
        import importlib
        module, attr = _LAZY_CLASSES[name]
        try:
            value = getattr(importlib.import_module(module), attr)
        except (ModuleNotFoundError, AttributeError):
            raise AttributeError("module 'ndflow' has no attribute %r (not built yet)"
                                 % name) from None
        globals()[name] = value
        return value
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError("module 'ndflow' has no attribute %r" % name)
    import importlib
    try:
        mod = importlib.import_module(target)
    except ModuleNotFoundError as e:
        if e.name != target:
            raise
        raise AttributeError("module 'ndflow' has no attribute %r (not built yet)" % name)
    globals()[name] = mod
    return mod


def __dir__():
    return sorted(list(globals()) + list(_LAZY))

sigmoid = nn.sigmoid  # tf.sigmoid is tf.nn.sigmoid (its result remembers its logits)
