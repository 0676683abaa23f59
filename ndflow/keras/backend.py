"""``keras.backend``: global Keras settings and the small Keras 2 backend helpers.

``clear_session()`` resets the automatic layer names (``dense``, ``dense_1`` ... start
again).  ``floatx``/``set_floatx``, ``epsilon``/``set_epsilon`` and
``image_data_format`` hold the global defaults.  The functions below them (``sum``,
``mean``, ``clip`` ...) are the Keras 2 ``K.*`` helpers that custom losses and metrics
written for TensorFlow 2 still use.
"""

import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.core.tensor import Tensor, convert_to_tensor
from ndflow.ops import math_ops as M
from ndflow.ops import reduction_ops as R
from ndflow.ops import array_ops as A
from ndflow.ops import linalg_ops as L

_config = {"epsilon": 1e-7, "image_data_format": "channels_last"}


def clear_session(free_memory=True):
    """Forget the automatic layer names, so new layers are named ``dense``, ``dense_1``..."""
    from ndflow.keras.engine import naming
    naming.reset()
    _uids.clear()


def floatx():
    return _dt.floatx()


def set_floatx(value):
    _dt.set_floatx(value)


def epsilon():
    return _config["epsilon"]


def set_epsilon(value):
    _config["epsilon"] = float(value)


def image_data_format():
    return _config["image_data_format"]


def set_image_data_format(data_format):
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError("image_data_format must be 'channels_last' or 'channels_first', "
                         "got %r." % (data_format,))
    _config["image_data_format"] = data_format


def backend():
    return "tensorflow"


def is_keras_tensor(x):
    from ndflow.keras.engine.keras_tensor import KerasTensor
    return isinstance(x, KerasTensor)


def learning_phase():
    from ndflow.keras.engine.layer import in_training_phase
    return 1 if in_training_phase() else 0


# ---- Keras 2 K.* helpers ---------------------------------------------------------------

def _t(x):
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def int_shape(x):
    return tuple(x.shape)


shape = A.shape


def ndim(x):
    return len(x.shape)


def dtype(x):
    return _t(x).dtype.name


cast = M.cast


def cast_to_floatx(x):
    return np.asarray(x, dtype=floatx())


def get_value(x):
    return np.array(_t(x)._value, copy=True)


def batch_get_value(tensors):
    return [get_value(t) for t in tensors]


def set_value(x, value):
    x.assign(np.asarray(value))


def batch_set_value(tuples):
    for x, v in tuples:
        set_value(x, v)


def count_params(x):
    return int(np.prod(x.shape))


def constant(value, dtype=None, shape=None, name=None):
    arr = np.asarray(value, dtype=dtype or floatx())
    if shape is not None:
        arr = np.broadcast_to(arr, shape).copy()
    return convert_to_tensor(arr)


def variable(value, dtype=None, name=None, constraint=None):
    from ndflow.core.variable import Variable as _V
    return _V(np.asarray(value, dtype=dtype or floatx()), name=name)


def zeros(shape, dtype=None, name=None):
    return A.zeros(shape, dtype=dtype or floatx())


def ones(shape, dtype=None, name=None):
    return A.ones(shape, dtype=dtype or floatx())


def sum(x, axis=None, keepdims=False):
    return R.reduce_sum(x, axis=axis, keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    return R.reduce_mean(x, axis=axis, keepdims=keepdims)


def max(x, axis=None, keepdims=False):
    return R.reduce_max(x, axis=axis, keepdims=keepdims)


def min(x, axis=None, keepdims=False):
    return R.reduce_min(x, axis=axis, keepdims=keepdims)


def prod(x, axis=None, keepdims=False):
    return R.reduce_prod(x, axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    return R.reduce_std(x, axis=axis, keepdims=keepdims)


def var(x, axis=None, keepdims=False):
    return R.reduce_variance(x, axis=axis, keepdims=keepdims)


def any(x, axis=None, keepdims=False):
    return R.reduce_any(M.cast(x, "bool"), axis=axis, keepdims=keepdims)


def all(x, axis=None, keepdims=False):
    return R.reduce_all(M.cast(x, "bool"), axis=axis, keepdims=keepdims)


def argmax(x, axis=-1):
    return R.argmax(x, axis=axis)


def argmin(x, axis=-1):
    return R.argmin(x, axis=axis)


def clip(x, min_value, max_value):
    if max_value is not None and min_value is not None and max_value < min_value:
        max_value = min_value
    return M.clip_by_value(x, min_value, max_value)


square = M.square
abs = M.abs


def sqrt(x):
    x = _t(x)
    return M.sqrt(M.maximum(x, 0.0))


exp = M.exp
log = M.log
pow = M.pow
round = M.round
sign = M.sign
maximum = M.maximum
minimum = M.minimum
equal = M.equal
not_equal = M.not_equal
greater = M.greater
greater_equal = M.greater_equal
less = M.less
less_equal = M.less_equal
dot = L.matmul
transpose = A.transpose
reshape = A.reshape


def flatten(x):
    return A.reshape(x, [-1])


def batch_flatten(x):
    x = _t(x)
    return A.reshape(x, [x._value.shape[0], -1])


def expand_dims(x, axis=-1):
    return A.expand_dims(x, axis)


squeeze = A.squeeze


def concatenate(tensors, axis=-1):
    return A.concat(list(tensors), axis)


def stack(x, axis=0):
    return A.stack(list(x), axis=axis)


one_hot = A.one_hot
switch = M.where


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    from ndflow.keras import activations
    return activations.relu(x, negative_slope=alpha, max_value=max_value, threshold=threshold)


sigmoid = M.sigmoid
tanh = M.tanh


def softmax(x, axis=-1):
    from ndflow.keras import activations
    return activations.softmax(x, axis=axis)


def softplus(x):
    from ndflow.keras import activations
    return activations.softplus(x)


def stop_gradient(x):
    from ndflow.core.engine import stop_gradient as _sg
    return _sg(x)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    from ndflow.ops import random_ops
    return random_ops.normal(shape, mean, stddev, dtype=dtype or floatx(), seed=seed)


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    from ndflow.ops import random_ops
    return random_ops.uniform(shape, minval, maxval, dtype=dtype or floatx(), seed=seed)


def binary_crossentropy(target, output, from_logits=False):
    from ndflow.keras import losses
    return losses.binary_crossentropy(target, output, from_logits=from_logits)


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    from ndflow.keras import losses
    return losses.categorical_crossentropy(target, output, from_logits=from_logits, axis=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    from ndflow.keras import losses
    return losses.sparse_categorical_crossentropy(target, output, from_logits=from_logits,
                                                  axis=axis)


def standardize_dtype(dtype):
    """A dtype as Keras' canonical string ('float32', 'int64', ...; None -> floatx())."""
    from ndflow.keras.utils.utils_extra import standardize_dtype as _std
    return _std(dtype)


def is_float_dtype(dtype):
    d = standardize_dtype(dtype)
    return d.startswith("float") or d.startswith("bfloat")


def is_int_dtype(dtype):
    d = standardize_dtype(dtype)
    return d.startswith("int") or d.startswith("uint")


def result_type(*dtypes):
    """The dtype Keras 3 gives an operation on ``dtypes`` (JAX-like promotion: Python
    ``int``/``float`` are weak, int with float gives the float, no dtypes give floatx)."""
    import numpy as _np
    if not dtypes:
        return floatx()
    strong = [standardize_dtype(d) for d in dtypes if d not in (int, float, bool)]
    weak = [d for d in dtypes if d in (int, float, bool)]
    if not strong:
        return floatx() if float in weak else ("int32" if int in weak else "bool")
    floats = [d for d in strong if is_float_dtype(d)]
    if floats:
        if set(floats) == {"bfloat16"}:   # (this module's all/any shadow the builtins)
            return "bfloat16"
        floats = ["float32" if f == "bfloat16" else f for f in floats]
        return _np.result_type(*floats).name
    if float in weak:
        return floatx()
    out = _np.result_type(*strong).name
    return out


_uids = {}


def get_uid(prefix=""):
    """1, 2, 3, ... for each new call with the same ``prefix`` (reset by clear_session)."""
    _uids[prefix] = _uids.get(prefix, 0) + 1
    return _uids[prefix]


def __getattr__(name):
    if name == "Variable":
        from ndflow.keras.engine.layer import KerasVariable
        return KerasVariable
    raise AttributeError("module 'ndflow.keras.backend' has no attribute %r" % name)


