"""Tables that change after creation: ``tf.lookup.experimental.MutableHashTable`` and
``tf.lookup.experimental.DenseHashTable``.

Both map a key to a value that is a scalar or a vector (the shape of ``default_value``);
``insert`` adds or overwrites, ``lookup`` reads (``default_value`` where missing),
``remove`` / ``erase`` delete, ``export`` returns the contents.

``DenseHashTable`` is open addressing over a power-of-two number of buckets, laid out as
TensorFlow lays it out, so that ``export()`` returns the same bucket arrays: a key's home
bucket is its hash masked to the table size (an integer key hashes to itself as an unsigned
64-bit number, a string to MurmurHash64A of its bytes with seed ``0xDECAFCAFFE``; the
components of a vector key are combined in order); collisions probe ``home + 1``,
``+ 2``, ``+ 3``... (triangular steps); an erased bucket keeps ``deleted_key`` until it is
reused; before a batch that would push the load past 0.8 the bucket count doubles (until
it fits) and the live entries are re-inserted in bucket order.
"""
import struct

import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.core import errors
from ndflow.core.tensor import Tensor
from ndflow.lookup import _common as C

__all__ = ["MutableHashTable", "DenseHashTable"]

_M = 0xFFFFFFFFFFFFFFFF


def _default_array(default_value, value_dtype, where, what="default_value"):
    default = C.to_array(default_value, value_dtype, where, what)
    if default.ndim > 1:
        raise errors.InvalidArgumentError(
            "%s: `%s` must be a scalar or a vector (the shape of every value), got shape %s."
            % (where, what, C.shape_str(default.shape)))
    return default


def _keys_plain(arr):
    """The keys as a list of hashable Python values (``str`` or ``int``)."""
    return arr.tolist()


class _TableBase:
    _where = ""
    _kind = ""

    def _setup(self, key_dtype, value_dtype, default_value, name):
        self._key_dtype = _dt.as_dtype(key_dtype)
        self._value_dtype = _dt.as_dtype(value_dtype)
        C.check_supported(self._kind, self._key_dtype, self._value_dtype)
        self._default = _default_array(default_value, self._value_dtype, self._where)
        self._value_shape = self._default.shape
        self._name = name

    @property
    def key_dtype(self):
        return self._key_dtype

    @property
    def value_dtype(self):
        return self._value_dtype

    @property
    def name(self):
        return None  # an eager TensorFlow table has no graph name

    @property
    def resource_handle(self):
        return self

    def _keys(self, keys, method, mismatch=ValueError):
        return C.to_array(keys, self._key_dtype, "%s.%s" % (self._where, method), "keys",
                          mismatch)

    def _values_for(self, keys_shape, values, method):
        vals = C.to_array(values, self._value_dtype, "%s.%s" % (self._where, method),
                          "values")
        want = tuple(keys_shape) + self._value_shape
        if vals.shape != want:
            raise errors.InvalidArgumentError(
                "%s.%s: expected shape %s for the values (the keys' shape followed by the "
                "value shape %s), got %s." % (self._where, method, C.shape_str(want),
                                              C.shape_str(self._value_shape),
                                              C.shape_str(vals.shape)))
        return vals

    def _defaults(self, dynamic_default_values, batch_shape, n):
        """The value for each of ``n`` missing-or-not keys: shape [n] + value_shape."""
        vshape = self._value_shape
        if dynamic_default_values is None:
            d = self._default
        else:
            d = C.to_array(dynamic_default_values, self._value_dtype,
                           self._where + ".lookup", "dynamic_default_values")
            full = tuple(batch_shape) + vshape
            if d.shape == full:
                return d.reshape((n,) + vshape)
            if d.shape not in ((), vshape):
                raise errors.InvalidArgumentError(
                    "%s.lookup: expected shape %s or %s for `dynamic_default_values`, got %s."
                    % (self._where, C.shape_str(vshape), C.shape_str(full),
                       C.shape_str(d.shape)))
        return np.broadcast_to(d, (n,) + vshape)


# ---- MutableHashTable ---------------------------------------------------------------------

class MutableHashTable(_TableBase):
    """A key -> value table you can insert into and remove from
    (``tf.lookup.experimental.MutableHashTable``).

    Values are scalars or vectors: the shape of ``default_value``.
    """

    _where = "tf.lookup.experimental.MutableHashTable"
    _kind = "MutableHashTable"

    def __init__(self, key_dtype, value_dtype, default_value, name="MutableHashTable",
                 checkpoint=True, experimental_is_anonymous=False):
        self._setup(key_dtype, value_dtype, default_value, name)
        self._data = {}  # plain key -> value (a NumPy scalar or a 1-D array)

    def size(self, name=None):
        """The number of entries (a scalar int64 tensor)."""
        return Tensor(np.asarray(len(self._data), np.int64))

    def insert(self, keys, values, name=None):
        """Set ``values[i]`` for ``keys[i]`` (keys of any shape; values shaped like the keys
        followed by the value shape).  A key given twice keeps its last value."""
        k = self._keys(keys, "insert")
        v = self._values_for(k.shape, values, "insert")
        flat_v = v.reshape((k.size,) + self._value_shape)
        data = self._data
        if self._value_shape:
            for key, val in zip(_keys_plain(k.reshape(-1)), flat_v):
                data[key] = val.copy()
        else:
            for key, val in zip(_keys_plain(k.reshape(-1)), flat_v.tolist()):
                data[key] = val

    def insert_or_assign(self, keys, values, name=None):
        self.insert(keys, values)

    def remove(self, keys, name=None):
        """Delete ``keys`` (absent keys are ignored)."""
        k = self._keys(keys, "remove", TypeError)
        data = self._data
        for key in _keys_plain(k.reshape(-1)):
            data.pop(key, None)

    def lookup(self, keys, dynamic_default_values=None, name=None):
        """The value of each key (shape: the keys' shape followed by the value shape);
        missing keys get ``dynamic_default_values`` if given, else ``default_value``."""
        if dynamic_default_values is not None:
            return self._lookup_dense(keys, False, dynamic_default_values)
        return C.map_keys(keys, self._lookup_dense)

    def _lookup_dense(self, keys, lenient, dynamic_default_values=None):
        k = C.key_array(keys, self._key_dtype, self._where + ".lookup", ValueError, lenient)
        n = k.size
        vshape = self._value_shape
        defaults = self._defaults(dynamic_default_values, k.shape, n)
        out = np.array(defaults, dtype=self._default.dtype)
        get = self._data.get
        miss = _MISSING
        for i, key in enumerate(_keys_plain(k.reshape(-1))):
            val = get(key, miss)
            if val is not miss:
                out[i] = val
        return Tensor(out.reshape(k.shape + vshape))

    def export(self, name=None):
        """``(keys, values)``: every entry, in insertion order (TensorFlow promises none)."""
        keys = list(self._data.keys())
        n = len(keys)
        k = np.empty(n, dtype=object) if self._key_dtype == C.string else np.empty(
            n, dtype=self._key_dtype._np)
        k[:] = keys
        v = np.empty((n,) + self._value_shape, dtype=self._default.dtype)
        if n:
            v[:] = np.array(list(self._data.values()), dtype=self._default.dtype).reshape(
                v.shape)
        return Tensor(k), Tensor(v)

    def __repr__(self):
        return "<tf.lookup.experimental.MutableHashTable key_dtype=%s value_dtype=%s size=%d>"\
            % (self._key_dtype.name, self._value_dtype.name, len(self._data))


_MISSING = object()


# ---- DenseHashTable ------------------------------------------------------------------------

def murmur64a(data, seed=0xDECAFCAFFE):
    """MurmurHash64A (Austin Appleby's 64-bit MurmurHash2) of ``data`` (bytes)."""
    m = 0xC6A4A7935BD1E995
    n = len(data)
    h = seed ^ ((n * m) & _M)
    whole = n - (n & 7)
    for (k,) in struct.iter_unpack("<Q", data[:whole]):
        k = (k * m) & _M
        k ^= k >> 47
        k = (k * m) & _M
        h = ((h ^ k) * m) & _M
    if n & 7:
        h = ((h ^ int.from_bytes(data[whole:], "little")) * m) & _M
    h ^= h >> 47
    h = (h * m) & _M
    return h ^ (h >> 47)


def _combine(a, b):
    """Folds hash ``b`` into running hash ``a``."""
    return (a ^ ((b + 0x9E3779B97F4A7800 + (a << 10) + (a >> 4)) & _M)) & _M


def _hash_scalar(k):
    if type(k) is str:
        return murmur64a(k.encode("utf-8", "surrogateescape"))
    return k & _M


class DenseHashTable(_TableBase):
    """An open-addressing key -> value table (``tf.lookup.experimental.DenseHashTable``).

    ``empty_key`` and ``deleted_key`` are two reserved keys (never inserted or looked up)
    marking free and erased buckets; their shape (scalar or vector) is the key shape.
    ``initial_num_buckets`` (default 2**17) must be a power of two, at least 4.
    """

    _where = "tf.lookup.experimental.DenseHashTable"
    _kind = "DenseHashTable"
    _max_load = 0.8

    def __init__(self, key_dtype, value_dtype, default_value, empty_key, deleted_key,
                 initial_num_buckets=None, name="MutableDenseHashTable", checkpoint=True,
                 experimental_is_anonymous=False):
        self._setup(key_dtype, value_dtype, default_value, name)
        w = self._where
        empty = C.to_array(empty_key, self._key_dtype, w, "empty_key", TypeError)
        deleted = C.to_array(deleted_key, self._key_dtype, w, "deleted_key", TypeError)
        if empty.ndim > 1:
            raise errors.InvalidArgumentError(
                "%s: `empty_key` must be a scalar or a vector, got shape %s."
                % (w, C.shape_str(empty.shape)))
        if empty.shape != deleted.shape:
            raise errors.InvalidArgumentError(
                "%s: `empty_key` and `deleted_key` must have the same shape, got shapes: %s "
                "and %s." % (w, C.shape_str(empty.shape), C.shape_str(deleted.shape)))
        self._key_shape = empty.shape
        self._empty_plain = self._plain(empty.reshape(1, -1))[0]
        self._deleted_plain = self._plain(deleted.reshape(1, -1))[0]
        if self._empty_plain == self._deleted_plain:
            raise errors.InvalidArgumentError(
                "%s: `empty_key` and `deleted_key` cannot be equal (both %r); pick two "
                "different keys that never occur in the data." % (w, self._empty_plain))
        self._empty, self._deleted = empty, deleted
        nb = 2 ** 17 if initial_num_buckets is None else int(initial_num_buckets)
        if nb < 4 or nb & (nb - 1):
            raise errors.InvalidArgumentError(
                "%s: the number of buckets must be at least 4 and a power of 2, got: %d."
                % (w, nb))
        self._alloc(nb)

    # ---- storage ----------------------------------------------------------------------
    def _plain(self, rows):
        """Hashable keys for a [n, key_size] array: scalars, or tuples for vector keys."""
        if self._key_shape:
            return [tuple(r) for r in rows.tolist()]
        return rows[:, 0].tolist()

    def _alloc(self, nb):
        ks = int(np.prod(self._key_shape)) if self._key_shape else 1
        vs = int(np.prod(self._value_shape)) if self._value_shape else 1
        kdt = object if self._key_dtype == C.string else self._key_dtype._np
        self._bkeys = np.empty((nb, ks), dtype=kdt)
        self._bkeys[:] = self._empty.reshape(1, ks)
        self._bvals = np.zeros((nb, vs), dtype=self._default.dtype)
        self._state = np.zeros(nb, np.int8)  # 0 empty, 1 full, 2 erased
        self._slot = {}
        self._nb = nb

    def _home(self, key):
        if type(key) is tuple:
            h = 0
            for part in key:
                h = _combine(h, _hash_scalar(part))
            return h
        return _hash_scalar(key)

    def _place(self, key, krow, vrow):
        """Put a key that is not in the table into the first free or erased bucket of its
        probe sequence."""
        mask = self._nb - 1
        b = self._home(key) & mask
        state = self._state
        step = 0
        while state[b] == 1:
            step += 1
            b = (b + step) & mask
        state[b] = 1
        self._bkeys[b] = krow
        self._bvals[b] = vrow
        self._slot[key] = b

    def _grow(self, incoming):
        need = len(self._slot) + incoming
        nb = self._nb
        if need <= self._max_load * nb:
            return
        while need > self._max_load * nb:
            nb *= 2
        old_keys, old_vals, old_state = self._bkeys, self._bvals, self._state
        live = np.nonzero(old_state == 1)[0]
        plain = self._plain(old_keys[live]) if live.size else []
        self._alloc(nb)
        for key, b in zip(plain, live.tolist()):
            self._place(key, old_keys[b], old_vals[b])

    def _key_rows(self, keys, method, mismatch):
        """Keys as ([n, key_size] array, batch shape, plain keys); refuses the reserved
        keys."""
        k = C.to_array(keys, self._key_dtype, "%s.%s" % (self._where, method), "keys",
                       mismatch)
        ks = self._key_shape
        if ks:
            if k.ndim < 2 or k.shape[-1:] != ks:
                raise errors.InvalidArgumentError(
                    "%s.%s: keys must have shape [batch, %d] (one vector key of length %d "
                    "per row), got %s." % (self._where, method, ks[0], ks[0],
                                           C.shape_str(k.shape)))
            batch = k.shape[:-1]
        else:
            if k.ndim > 1:
                raise errors.InvalidArgumentError(
                    "%s.%s: keys must be a scalar or a 1-D batch of keys, got shape %s. "
                    "Flatten them with tf.reshape(keys, [-1])." % (
                        self._where, method, C.shape_str(k.shape)))
            batch = k.shape
        rows = k.reshape(-1, ks[0] if ks else 1)
        plain = self._plain(rows)
        for what, reserved in (("empty_key", self._empty_plain),
                               ("deleted_key", self._deleted_plain)):
            if reserved in plain:
                raise errors.InvalidArgumentError(
                    "%s.%s: using the %s (%r) as a table key is not allowed." % (
                        self._where, method, what, reserved))
        return rows, batch, plain

    # ---- public API -------------------------------------------------------------------
    def size(self, name=None):
        """The number of entries (a scalar int64 tensor)."""
        return Tensor(np.asarray(len(self._slot), np.int64))

    def insert(self, keys, values, name=None):
        """Set ``values[i]`` for ``keys[i]`` (overwriting an existing key's value)."""
        rows, batch, plain = self._key_rows(keys, "insert", ValueError)
        v = self._values_for(batch, values, "insert")
        vrows = v.reshape(len(plain), -1)
        self._grow(len(plain))
        slot = self._slot
        for i, key in enumerate(plain):
            b = slot.get(key)
            if b is None:
                self._place(key, rows[i], vrows[i])
            else:
                self._bvals[b] = vrows[i]

    def insert_or_assign(self, keys, values, name=None):
        self.insert(keys, values)

    def erase(self, keys, name=None):
        """Delete ``keys`` (absent keys are ignored); their buckets become erased."""
        rows, batch, plain = self._key_rows(keys, "erase", ValueError)
        slot = self._slot
        for key in plain:
            b = slot.pop(key, None)
            if b is not None:
                self._state[b] = 2
                self._bkeys[b] = self._deleted.reshape(-1)

    def remove(self, keys, name=None):
        self.erase(keys)

    def lookup(self, keys, name=None):
        """The value of each key (shape: the keys' batch shape followed by the value shape;
        ``default_value`` where missing)."""
        rows, batch, plain = self._key_rows(keys, "lookup", ValueError)
        get = self._slot.get
        idx = np.fromiter((get(k, -1) for k in plain), dtype=np.int64, count=len(plain))
        out = self._bvals[np.maximum(idx, 0)]
        missing = idx < 0
        if missing.any():
            out[missing] = self._default.reshape(-1)
        return Tensor(out.reshape(tuple(batch) + self._value_shape))

    def export(self, name=None):
        """``(keys, values)``: the whole bucket array -- ``[num_buckets, key_size]`` keys
        (``empty_key`` / ``deleted_key`` in free / erased buckets) and
        ``[num_buckets, value_size]`` values."""
        return Tensor(self._bkeys.copy()), Tensor(self._bvals.copy())

    def __repr__(self):
        return ("<tf.lookup.experimental.DenseHashTable key_dtype=%s value_dtype=%s size=%d "
                "num_buckets=%d>" % (self._key_dtype.name, self._value_dtype.name,
                                     len(self._slot), self._nb))
