"""Tables built once from an initializer: ``StaticHashTable`` and ``StaticVocabularyTable``.

``lookup`` takes keys of any shape (or a ``tf.RaggedTensor`` / ``tf.SparseTensor``,
whose values are looked up) and returns values of the same shape.
Keys of a dtype other than the table's are an error, as in TensorFlow: a table never casts
what it is given (except a ``StaticVocabularyTable`` built with ``lookup_key_dtype=int32``
over int64 keys).

``StaticVocabularyTable`` sends a key missing from the vocabulary to one of
``num_oov_buckets`` extra ids, ``vocab_size + Fingerprint64(key) % num_oov_buckets`` --
FarmHash's Fingerprint64 of the key's bytes (of its decimal text for an integer key), the
same ids TensorFlow gives.
"""
import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.core import errors
from ndflow.core.tensor import Tensor
from ndflow.lookup import _common as C
from ndflow.lookup.initializers import TableInitializerBase

__all__ = ["StaticHashTable", "StaticVocabularyTable"]


class _Index:
    """Finds the position of each key among a table's keys (-1 when absent)."""

    def __init__(self, keys, values, where):
        pos = {}
        vals = values.tolist()
        for i, k in enumerate(keys.tolist()):
            j = pos.setdefault(k, i)
            if j != i and vals[j] != vals[i] and not (vals[j] != vals[j] and
                                                       vals[i] != vals[i]):
                raise errors.FailedPreconditionError(
                    "%s: the initializer gives key %s two different values, %r and %r "
                    "(HashTable has different value for same key). Remove the duplicate "
                    "key." % (where, k, vals[j], vals[i]))
        self._pos = pos
        self._string = keys.dtype == object
        if not self._string:
            order = np.fromiter(pos.keys(), dtype=np.int64, count=len(pos))
            at = np.fromiter(pos.values(), dtype=np.int64, count=len(pos))
            s = np.argsort(order, kind="stable")
            self._sorted, self._at = order[s], at[s]
        self.size = len(pos)

    def find(self, flat):
        if self._string:
            get = self._pos.get
            return np.fromiter((get(k, -1) for k in flat.tolist()), dtype=np.int64,
                               count=flat.size)
        if not self.size:
            return np.full(flat.shape, -1, np.int64)
        flat = flat.astype(np.int64, copy=False)
        i = np.searchsorted(self._sorted, flat)
        i[i == self.size] = 0
        return np.where(self._sorted[i] == flat, self._at[i], -1)

    def keys(self):
        return list(self._pos.keys()), np.fromiter(self._pos.values(), np.int64,
                                                   count=self.size)


def _check_initializer(initializer, where):
    if not isinstance(initializer, TableInitializerBase):
        raise TypeError("%s: `initializer` must be a table initializer "
                        "(tf.lookup.KeyValueTensorInitializer, tf.lookup.TextFileInitializer "
                        "or tf.data.experimental.DatasetInitializer), got %s." % (
                            where, C.describe(initializer)))


def _column_array(items, dtype):
    if dtype == C.string:
        out = np.empty(len(items), dtype=object)
        out[:] = items
        return out
    return np.asarray(items, dtype=dtype._np).reshape(len(items))


class StaticHashTable:
    """An immutable key -> value table (``tf.lookup.StaticHashTable``).

        table = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(["a", "b"], [1, 2]), default_value=-1)
        table.lookup(tf.constant(["a", "z"]))   # [1, -1] (int32)
    """

    _where = "tf.lookup.StaticHashTable"

    def __init__(self, initializer, default_value, name=None, experimental_is_anonymous=False):
        _check_initializer(initializer, self._where)
        self._key_dtype = initializer.key_dtype
        self._value_dtype = initializer.value_dtype
        C.check_supported("StaticHashTable", self._key_dtype, self._value_dtype)
        default = C.to_array(default_value, self._value_dtype, self._where, "default_value")
        if default.ndim:
            raise ValueError("%s: `default_value` must be a scalar (the value for missing "
                             "keys), got shape %s. Shapes %s and () are not compatible." % (
                                 self._where, C.shape_str(default.shape),
                                 tuple(default.shape)))
        self._default = default
        self._name = name
        self._initializer = initializer
        keys, values = initializer._read()
        self._index = _Index(keys, values, self._where)
        self._values = values

    # ---- properties -------------------------------------------------------------------
    @property
    def key_dtype(self):
        return self._key_dtype

    @property
    def value_dtype(self):
        return self._value_dtype

    @property
    def default_value(self):
        return Tensor(self._default)

    @property
    def name(self):
        return None  # an eager TensorFlow table has no graph name

    @property
    def resource_handle(self):
        return self

    def size(self, name=None):
        """The number of entries (a scalar int64 tensor)."""
        return Tensor(np.asarray(self._index.size, np.int64))

    def export(self, name=None):
        """``(keys, values)``: two 1-D tensors holding every entry (in no promised order;
        ndflow gives the order the initializer listed them)."""
        keys, at = self._index.keys()
        return (Tensor(_column_array(keys, self._key_dtype)), Tensor(self._values[at]))

    def lookup(self, keys, name=None):
        """The value of each key (``default_value`` where missing), in the keys' shape."""
        return C.map_keys(keys, self._lookup_dense)

    def _lookup_dense(self, keys, lenient):
        arr = C.key_array(keys, self._key_dtype, self._where + ".lookup", TypeError, lenient)
        idx = self._index.find(arr.reshape(-1))
        out = self._values[np.maximum(idx, 0)] if self._values.size else np.empty(
            idx.shape, self._values.dtype)
        missing = idx < 0
        if missing.any():
            out = out.copy() if out.base is not None else out
            out[missing] = self._default
        return Tensor(out.reshape(arr.shape))

    def __repr__(self):
        return "<tf.lookup.StaticHashTable key_dtype=%s value_dtype=%s size=%d>" % (
            self._key_dtype.name, self._value_dtype.name, self._index.size)


class StaticVocabularyTable:
    """Keys -> int64 ids, with out-of-vocabulary keys hashed into extra buckets
    (``tf.lookup.StaticVocabularyTable``).

    A key in the vocabulary gets its value from ``initializer`` (int64); any other key
    gets ``vocab_size + Fingerprint64(key) % num_oov_buckets``.  ``initializer=None``
    makes every key out-of-vocabulary.  ``lookup_key_dtype=tf.int32`` lets an int64
    vocabulary be looked up with int32 keys.
    """

    _where = "tf.lookup.StaticVocabularyTable"

    def __init__(self, initializer, num_oov_buckets, lookup_key_dtype=None, name=None,
                 experimental_is_anonymous=False):
        if isinstance(num_oov_buckets, Tensor):
            num_oov_buckets = num_oov_buckets._value[()]
        if num_oov_buckets is None or num_oov_buckets <= 0:
            raise ValueError("%s: `num_oov_buckets` must be > 0, got %r; for a table "
                             "without out-of-vocabulary buckets use StaticHashTable."
                             % (self._where, num_oov_buckets))
        self._num_oov = int(num_oov_buckets)
        self._name = name
        if initializer is None:
            # TensorFlow ignores lookup_key_dtype here: an empty vocabulary of strings
            self._key_dtype = C.string
            self._table_key_dtype = C.string
            self._index = _Index(np.empty(0, object), np.empty(0, np.int64), self._where)
            self._values = np.empty(0, np.int64)
            return
        _check_initializer(initializer, self._where)
        if initializer.value_dtype != C.int64:
            raise TypeError("%s: invalid `value_dtype`, expected int64 but got %s. Give the "
                            "initializer int64 ids, e.g. tf.range(n, dtype=tf.int64)."
                            % (self._where, initializer.value_dtype.name))
        kd = initializer.key_dtype
        if kd not in (C.int64, C.string):
            raise TypeError("%s: invalid `key_dtype`, expected one of (tf.int64, tf.string), "
                            "but got %s. Build the vocabulary from int64 or string keys."
                            % (self._where, kd.name))
        if lookup_key_dtype is None:
            lookup_key_dtype = kd
        lookup_key_dtype = _dt.as_dtype(lookup_key_dtype)
        if kd == C.string and lookup_key_dtype != C.string:
            raise TypeError("%s: `lookup_key_dtype` %s cannot look up a vocabulary of string "
                            "keys; leave it unset (string)." % (self._where,
                                                                lookup_key_dtype.name))
        if kd == C.int64 and lookup_key_dtype not in (C.int64, C.int32):
            raise TypeError("%s: `lookup_key_dtype` %s cannot look up a vocabulary of int64 "
                            "keys; use int64 or int32." % (self._where, lookup_key_dtype.name))
        self._key_dtype = lookup_key_dtype
        self._table_key_dtype = kd
        keys, values = initializer._read()
        self._index = _Index(keys, values, self._where)
        self._values = values

    @property
    def key_dtype(self):
        return self._key_dtype

    @property
    def value_dtype(self):
        return C.int64

    @property
    def name(self):
        return self._name

    @property
    def resource_handle(self):
        return self

    def size(self, name=None):
        """Vocabulary size plus ``num_oov_buckets`` (a scalar int64 tensor)."""
        return Tensor(np.asarray(self._index.size + self._num_oov, np.int64))

    def lookup(self, keys, name=None):
        """The id of each key, in the keys' shape (int64)."""
        return C.map_keys(keys, self._lookup_dense)

    def _lookup_dense(self, keys, lenient):
        arr = C.key_array(keys, self._key_dtype, self._where + ".lookup", TypeError, lenient)
        flat = arr.reshape(-1)
        idx = self._index.find(flat)
        missing = idx < 0
        out = self._values[np.maximum(idx, 0)] if self._values.size else np.zeros(
            idx.shape, np.int64)
        if missing.any():
            out = np.array(out, dtype=np.int64)
            out[missing] = self._index.size + C.hash_buckets(flat[missing], self._num_oov)
        return Tensor(np.asarray(out, np.int64).reshape(arr.shape))

    def __repr__(self):
        return ("<tf.lookup.StaticVocabularyTable key_dtype=%s vocab_size=%d "
                "num_oov_buckets=%d>" % (self._key_dtype.name, self._index.size,
                                         self._num_oov))
