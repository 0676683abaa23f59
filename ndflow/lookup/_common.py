"""What every lookup table shares: the key/value dtypes TensorFlow's table kernels accept,
conversion of keys and values to NumPy arrays, and lookups over ragged and sparse inputs.

Keys are held in a plain form that Python can hash and compare: a ``str`` for a string key
(``bytes`` are decoded as UTF-8, invalid bytes kept as lone surrogates -- the same
``surrogateescape`` convention as ``ndflow.strings`` -- so equal bytes give equal keys), and
a NumPy integer array for integer keys.
"""
import functools

import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.backend import to_numpy
from ndflow.core import errors
from ndflow.core.ragged import RaggedList
from ndflow.core.tensor import Tensor
from ndflow.ops.string_hashes import fingerprint64
from ndflow.ragged.ragged_tensor import RaggedTensor

string, int32, int64 = _dt.string, _dt.int32, _dt.int64
float32, float64, bool_ = _dt.float32, _dt.float64, _dt.bool_

# key dtype -> value dtypes of the CPU kernels TensorFlow 2.21 registers for each table
SUPPORTED = {
    "StaticHashTable": {
        string: (string, int64, int32, float32, float64, bool_),
        int64: (string, int64, int32, float32, float64),
        int32: (string, int32, float32, float64)},
    "MutableHashTable": {
        string: (int64, int32, float32, float64, bool_),
        int64: (string, int64, int32, float32, float64),
        int32: (int32, float32, float64)},
    "DenseHashTable": {
        string: (int64, int32, float32, float64, bool_),
        int64: (int64, int32, float32, float64, bool_),
        int32: (int32, float32, float64)},
}


class UnsupportedDtypesError(errors.NotFoundError, TypeError):
    """A key/value dtype pair no table kernel exists for.  TensorFlow raises
    ``NotFoundError`` ("Could not find device for node"); this is also a ``TypeError``."""


def check_supported(table, key_dtype, value_dtype):
    allowed = SUPPORTED[table]
    values = allowed.get(key_dtype)
    if values is None or value_dtype not in values:
        pairs = "; ".join("%s -> %s" % (k.name, ", ".join(v.name for v in vs))
                          for k, vs in allowed.items())
        raise UnsupportedDtypesError(
            "%s: no table exists for keys of dtype %s and values of dtype %s. Supported "
            "key -> value dtypes: %s. Cast the keys or values (tf.cast, "
            "tf.strings.as_string) to one of these." % (table, key_dtype.name,
                                                         value_dtype.name, pairs))


def dtype_of(x):
    """The ndflow dtype of a tensor, NumPy array or Python value (None if unknown)."""
    if isinstance(x, Tensor):
        return x.dtype
    if isinstance(x, np.ndarray):
        return _dt.from_numpy(x.dtype) if x.dtype.kind in "biufOUS" else None
    return None


def _decode(v):
    if type(v) is str:
        return v
    if isinstance(v, (bytes, np.bytes_)):
        return bytes(v).decode("utf-8", "surrogateescape")
    if isinstance(v, str):
        return str(v)
    raise TypeError("expected a string, got %s %r" % (type(v).__name__, v))


def string_array(arr):
    """An object array of ``str`` for a NumPy array of strings (``U``, ``S`` or object)."""
    kind = arr.dtype.kind
    if kind == "U":
        return arr.astype(object)
    flat = arr.reshape(-1).tolist()
    if kind == "O" and all(type(v) is str for v in flat):
        return arr
    out = np.empty(arr.shape, dtype=object)
    out.reshape(-1)[:] = [_decode(v) for v in flat] if flat else []
    return out


def describe(x):
    if isinstance(x, Tensor):
        return "a tensor of dtype %s and shape %s" % (x.dtype.name, list(x._value.shape))
    if isinstance(x, np.ndarray):
        return "a NumPy array of dtype %s and shape %s" % (x.dtype, list(x.shape))
    return "%s %r" % (type(x).__name__, x)


def to_array(value, dtype, where, arg, mismatch=ValueError):
    """``value`` as a NumPy array of ``dtype`` (strings as an object array of ``str``).

    A tensor must already have ``dtype`` (``mismatch`` is raised otherwise, as TensorFlow
    does: it never casts a tensor silently); Python values and NumPy arrays are converted
    when that loses nothing, else TypeError.
    """
    if isinstance(value, Tensor):
        if value.dtype != dtype:
            fix = ("tf.strings.as_string(x)" if dtype == string else
                   "tf.strings.to_number(x, %s)" % dtype.name
                   if value.dtype == string else "tf.cast(x, tf.%s)" % dtype.name)
            raise mismatch("%s: `%s` must have dtype %s, got %s. Convert it first, e.g. "
                           "with %s." % (where, arg, dtype.name, describe(value), fix))
        arr = to_numpy(value._value)
        return string_array(arr) if dtype == string else arr
    if isinstance(value, (str, bytes, np.str_, np.bytes_)):
        arr = np.empty((), dtype=object)
        arr[()] = value
    else:
        try:
            arr = np.asarray(value, dtype=object if dtype == string and isinstance(
                value, (list, tuple)) else None)
        except ValueError:
            raise TypeError("%s: `%s` must be rectangular (every row the same length), got "
                            "%s." % (where, arg, describe(value))) from None
    kind = arr.dtype.kind
    if dtype == string:
        if kind not in "OUS":
            raise TypeError("%s: `%s` must hold strings (the table's dtype is string), got %s."
                            " Convert numbers with tf.strings.as_string." % (
                                where, arg, describe(value)))
        try:
            return string_array(arr)
        except TypeError as e:
            raise TypeError("%s: `%s` must hold strings, but %s." % (where, arg, e)) from None
    if kind in "OUS":
        if kind == "O" and arr.size and all(isinstance(v, (int, float, bool, np.number))
                                            for v in arr.reshape(-1).tolist()):
            arr = np.array(arr.tolist())
            kind = arr.dtype.kind
        else:
            raise TypeError("%s: cannot convert `%s` (%s) to dtype %s. Pass numbers, or "
                            "parse strings with tf.strings.to_number." % (
                                where, arg, describe(value), dtype.name))
    np_dtype = dtype._np
    if arr.size and kind != "b" and np_dtype.kind in "iu":
        if kind in "fc" and not np.all(np.mod(arr.real, 1) == 0):
            raise TypeError("%s: cannot convert `%s` (%s) to dtype %s without losing the "
                            "fractional part. Round or tf.cast explicitly." % (
                                where, arg, describe(value), dtype.name))
        info = np.iinfo(np_dtype)
        if arr.min() < info.min or arr.max() > info.max:
            raise TypeError("%s: `%s` (%s) does not fit in dtype %s (range %d to %d)."
                            % (where, arg, describe(value), dtype.name, info.min, info.max))
    if np_dtype == np.bool_ and kind != "b":
        raise TypeError("%s: cannot convert `%s` (%s) to dtype bool; pass True/False." % (
            where, arg, describe(value)))
    return arr.astype(np_dtype, copy=False)


def shape_str(shape):
    return "[%s]" % ",".join(str(d) for d in shape)


# ---- lookups over ragged and sparse inputs ---------------------------------------------

def map_keys(keys, fn):
    """``fn`` (a dense keys tensor/array -> result Tensor) applied to ``keys``, keeping a
    RaggedTensor ragged and a SparseTensor sparse (their values looked up), as
    TensorFlow's ``lookup`` does.  A legacy ``RaggedList`` is converted to a RaggedTensor."""
    if isinstance(keys, RaggedList):
        keys = RaggedTensor.from_ragged_list(keys)
    if isinstance(keys, RaggedTensor):
        return keys.with_flat_values(fn(keys.flat_values, True))
    if isinstance(keys, Tensor) or isinstance(keys, (np.ndarray, list, tuple, str, bytes,
                                                     int, np.generic)):
        return fn(keys, False)
    if hasattr(keys, "indices") and hasattr(keys, "values") and hasattr(keys, "dense_shape"):
        return type(keys)(keys.indices, fn(keys.values, False), keys.dense_shape)
    return fn(keys, False)


def key_array(keys, key_dtype, where, mismatch, lenient_empty=False):
    """The keys to look up as a NumPy array of the table's key dtype.

    ``mismatch`` is the error raised for a tensor of another dtype.  ``lenient_empty``
    accepts empty ragged values whatever their dtype.
    """
    if lenient_empty:
        v = keys._value if isinstance(keys, Tensor) else None
        if v is not None and v.size == 0:
            return np.empty(v.shape, dtype=key_dtype._np)
    if isinstance(keys, np.ndarray) and keys.dtype.kind in "iu" and key_dtype.is_integer:
        return keys.astype(key_dtype._np, copy=False) if np.can_cast(
            keys.dtype, key_dtype._np) else to_array(keys, key_dtype, where, "keys")
    return to_array(keys, key_dtype, where, "keys", mismatch)


# ---- hashing ----------------------------------------------------------------------------

@functools.lru_cache(maxsize=1 << 16)
def _fp64_str(s):
    return fingerprint64(s.encode("utf-8", "surrogateescape"))


def hash_buckets(keys, num_buckets):
    """``Fingerprint64(key) % num_buckets`` for each key (an int64 array), as
    ``tf.strings.to_hash_bucket_fast`` computes it; integer keys are hashed as their
    decimal text (``tf.strings.as_string``), which is what TensorFlow's vocabulary tables
    do with out-of-vocabulary integer keys."""
    if keys.dtype.kind in "iu":
        return np.array([_fp64_str(str(k)) % num_buckets for k in keys.tolist()],
                        dtype=np.int64)
    return np.array([_fp64_str(k) % num_buckets for k in keys.tolist()], dtype=np.int64)
