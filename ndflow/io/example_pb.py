"""``tf.train.Example`` and its parts: TensorFlow's example protocol buffers, by hand.

TensorFlow stores training examples as protocol buffer messages (``example.proto`` and
``feature.proto``)::

    BytesList       { repeated bytes value = 1; }
    FloatList       { repeated float value = 1 [packed]; }
    Int64List       { repeated int64 value = 1 [packed]; }
    Feature         { oneof kind { BytesList bytes_list = 1; FloatList float_list = 2;
                                   Int64List int64_list = 3; } }
    Features        { map<string, Feature> feature = 1; }
    FeatureList     { repeated Feature feature = 1; }
    FeatureLists    { map<string, FeatureList> feature_list = 1; }
    Example         { Features features = 1; }
    SequenceExample { Features context = 1; FeatureLists feature_lists = 2; }

The classes here behave like the classes protobuf generates for them, without a protobuf
dependency: the same constructors (``Feature(int64_list=Int64List(value=[1, 2]))``,
nested dicts work too), attribute access (``example.features.feature['x'].int64_list.value``),
``SerializeToString`` / ``FromString`` / ``ParseFromString`` / ``MergeFromString``,
``CopyFrom`` / ``MergeFrom`` / ``Clear`` / ``ClearField``, ``HasField``, ``WhichOneof``,
``ListFields``, ``ByteSize``, ``==``, pickling and copying, and ``print(message)`` in
protobuf's text format.

The wire format, as protobuf writes it: each field is a varint key ``number << 3 | wire
type`` followed by a varint (type 0), 4 little-endian bytes (type 5) or a varint length
and that many bytes (type 2: strings, bytes, sub-messages, packed repeated numbers).
int64 values are varints of their 64-bit two's complement (ten bytes when negative);
floats are IEEE float32.  A map field is a repeated sub-message ``{key = 1; value = 2}``.

Where ndflow differs from protobuf 7 (the one TensorFlow 2.21 uses):

* ``SerializeToString()`` always writes map entries sorted by key, i.e. the bytes of
  protobuf's ``SerializeToString(deterministic=True)``.  Without ``deterministic=True``
  protobuf writes them in hash-table order, which changes from one process to the next,
  so those bytes cannot be reproduced anyway; both parse to the same message.
* ``Int64List`` accepts ``bool`` values (as 0 and 1), and ``BytesList`` accepts ``str``
  (encoded as UTF-8): older protobuf versions did, the TFRecord tutorial relies on the
  first, and ndflow's string tensors can hand out ``str`` where TensorFlow's give bytes.
* ``print()`` follows protobuf 7: map entries in descending key order, floats with 6
  significant digits or, where those do not give the float back, 9.
"""
import math
import operator
import struct

import numpy as np

__all__ = ["BytesList", "FloatList", "Int64List", "Feature", "Features", "FeatureList",
           "FeatureLists", "Example", "SequenceExample", "DecodeError"]


class DecodeError(Exception):
    """The bytes are not a serialized message of the type asked for (protobuf's
    ``google.protobuf.message.DecodeError``)."""


class _Corrupt(Exception):
    """Raised inside the decoder; turned into ``DecodeError`` naming the message type."""


# ---- wire format --------------------------------------------------------------------
_U64 = (1 << 64) - 1
_I64_MIN, _I64_END = -(1 << 63), 1 << 63
_SMALL = [bytes([i]) for i in range(128)]


def _varint(n):
    """``n`` (an int64 or uint64) as a protobuf varint."""
    if 0 <= n < 128:
        return _SMALL[n]
    n &= _U64
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _read_varint(buf, pos, end):
    """``(value, next position)`` of the varint at ``buf[pos]`` (an unsigned 64-bit int)."""
    if pos < end:
        b = buf[pos]
        if b < 0x80:
            return b, pos + 1
    result = shift = 0
    while True:
        if pos >= end:
            raise _Corrupt("a varint runs past the end of its field")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result & _U64, pos
        shift += 7
        if shift >= 70:
            raise _Corrupt("a varint is longer than 10 bytes")


def _signed(v):
    return v - (1 << 64) if v >= _I64_END else v


def _read_len(buf, pos, end):
    """``(start, stop)`` of the length-delimited payload whose length varint is at pos."""
    n, pos = _read_varint(buf, pos, end)
    stop = pos + n
    if stop > end:
        raise _Corrupt("a length-delimited field runs past the end of its message")
    return pos, stop


def _skip(buf, pos, end, wire, number):
    """The position after the value of a field this decoder does not use."""
    if number == 0:
        raise _Corrupt("field number 0")
    if wire == 0:
        _, pos = _read_varint(buf, pos, end)
    elif wire == 1:
        pos += 8
    elif wire == 2:
        _, pos = _read_len(buf, pos, end)
    elif wire == 5:
        pos += 4
    elif wire == 3:  # a group: skip fields up to its end-group key
        while True:
            if pos >= end:
                raise _Corrupt("an unterminated group")
            tag, pos = _read_varint(buf, pos, end)
            if tag & 7 == 4:
                if tag >> 3 != number:
                    raise _Corrupt("mismatched end of group")
                break
            pos = _skip(buf, pos, end, tag & 7, tag >> 3)
    else:
        raise _Corrupt("wire type %d" % wire)
    if pos > end:
        raise _Corrupt("a field runs past the end of its message")
    return pos


def _packed_varints(buf, start, stop):
    """The int64 values of a packed varint run ``buf[start:stop]`` (a list of ints)."""
    data = buf[start:stop]
    n = stop - start
    if n == 0:
        return []
    if n <= 48:
        if max(data) < 0x80:
            return list(data)
        out = []
        pos = start
        while pos < stop:
            v, pos = _read_varint(buf, pos, stop)
            out.append(_signed(v))
        return out
    b = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(b < 0x80)
    if not len(ends) or ends[-1] != n - 1:
        raise _Corrupt("a packed varint runs past the end of its field")
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    lengths = ends - starts + 1
    if lengths.max() > 10:
        raise _Corrupt("a varint is longer than 10 bytes")
    shift = (np.arange(n) - np.repeat(starts, lengths)).astype(np.uint64) * np.uint64(7)
    parts = (b & np.uint8(0x7F)).astype(np.uint64) << shift
    return np.bitwise_or.reduceat(parts, starts).view(np.int64).tolist()


def _decode_utf8(raw):
    try:
        return bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        raise _Corrupt("a string field is not valid UTF-8") from None


# ---- scalar values ------------------------------------------------------------------
_pack_f = struct.Struct("<f").pack
_unpack_f = struct.Struct("<f").unpack


def _f32(x):
    """``x`` rounded to float32 (as a Python float); too large values become +-inf."""
    try:
        return _unpack_f(_pack_f(x))[0]
    except OverflowError:
        return math.copysign(math.inf, x)


def _describe(v):
    return "%s %r" % (type(v).__name__, v) if len(repr(v)) < 60 else type(v).__name__


def _check_int64(v):
    t = type(v)
    if t is int:
        if _I64_MIN <= v < _I64_END:
            return v
        raise ValueError("tf.train.Int64List: value out of range: %d (int64 holds "
                         "-2**63 ... 2**63-1)." % v)
    if t is bool or isinstance(v, np.bool_):
        return int(v)
    if isinstance(v, (float, np.floating, str, bytes, complex)):
        raise TypeError("tf.train.Int64List: expected an integer, got %s. Round or cast "
                        "it first (int(x)), or store it in a tf.train.FloatList."
                        % _describe(v))
    try:
        i = operator.index(v)
    except TypeError:
        raise TypeError("tf.train.Int64List: expected an integer, got %s."
                        % _describe(v)) from None
    return _check_int64(i)


def _check_float(v):
    if type(v) is float:
        return _f32(v)
    if isinstance(v, (str, bytes, bytearray)):
        raise TypeError("tf.train.FloatList: expected a number, got %s. Convert it first "
                        "(float(x)), or store text in a tf.train.BytesList." % _describe(v))
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise TypeError("tf.train.FloatList: expected a number, got %s."
                        % _describe(v)) from None
    return _f32(x)


def _check_bytes(v):
    if type(v) is bytes:
        return v
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v)
    if isinstance(v, str):
        return v.encode("utf-8")
    if hasattr(v, "numpy") and getattr(v, "shape", None) == ():
        raise TypeError("tf.train.BytesList: expected bytes, got a tensor. Take its value "
                        "first: value=[t.numpy()].")
    raise TypeError("tf.train.BytesList: expected bytes, got %s. Serialize it first (for "
                    "a tensor: tf.io.serialize_tensor(t).numpy(); for text: "
                    "s.encode('utf-8'))." % _describe(v))


def _bulk(kind, values):
    """Checked values of a NumPy array or tensor, converted all at once (or None when
    they must go one at a time)."""
    arr = values
    if not isinstance(arr, np.ndarray):
        arr = getattr(values, "_value", None)
        if not isinstance(arr, np.ndarray):
            return None
    if arr.ndim != 1:
        return None
    k = arr.dtype.kind
    if kind == "float" and k in "fiub":
        with np.errstate(over="ignore"):
            return arr.astype(np.float32).tolist()
    if kind == "int64" and k in "iub":
        if k == "u" and arr.size and int(arr.max()) >= _I64_END:
            return None  # the per-value check reports the value out of range
        return arr.astype(np.int64).tolist()
    if kind == "bytes" and k == "S":
        return [bytes(x) for x in arr]
    return None


_CHECK = {"int64": _check_int64, "float": _check_float, "bytes": _check_bytes}


# ---- text format --------------------------------------------------------------------
def _escape_table(keep_high):
    table = []
    for b in range(256):
        named = {0x0A: b"\\n", 0x0D: b"\\r", 0x09: b"\\t", 0x22: b'\\"', 0x27: b"\\'",
                 0x5C: b"\\\\"}
        if b in named:
            table.append(named[b])
        elif b < 0x20 or b == 0x7F or (b >= 0x80 and not keep_high):
            table.append(b"\\%03o" % b)
        else:
            table.append(bytes([b]))
    return table


_ESC_BYTES = _escape_table(False)
_ESC_STRING = _escape_table(True)  # a string field prints its UTF-8 characters as they are


def _text_bytes(b):
    return b"".join([_ESC_BYTES[c] for c in b]).decode("ascii")


def _text_string(s):
    return b"".join([_ESC_STRING[c] for c in s.encode("utf-8")]).decode("utf-8")


def _text_float(v):
    if v != v:
        return "nan"
    if v == math.inf:
        return "inf"
    if v == -math.inf:
        return "-inf"
    s = "%.6g" % v
    if _f32(float(s)) != v:
        s = "%.9g" % v
    return s


def _map_order(key):
    """The order in which protobuf 7 (upb) writes map entries with deterministic=True: by
    UTF-8 bytes, except that a key comes after the longer keys it is a prefix of (b"\\xff"
    never occurs in UTF-8).  Its text format prints them in the reverse order."""
    return key.encode("utf-8") + b"\xff"


# ---- containers ---------------------------------------------------------------------
class RepeatedScalarContainer:
    """The ``value`` list of a BytesList / FloatList / Int64List: a list that checks and
    converts what goes in (floats are kept as float32 values)."""

    __slots__ = ("_owner", "_v", "_kind")

    def __init__(self, owner, kind, values=None):
        self._owner = owner
        self._kind = kind
        self._v = [] if values is None else values

    def _convert(self, values):
        if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
            raise TypeError("%s.value expects a list of values, got %s; wrap a single "
                            "value in a list: value=[x]." % (
                                type(self._owner).__name__, _describe(values)))
        fast = _bulk(self._kind, values)
        if fast is not None:
            return fast
        check = _CHECK[self._kind]
        return [check(v) for v in values]

    def append(self, value):
        self._v.append(_CHECK[self._kind](value))
        self._owner._changed()

    def extend(self, values):
        self._v.extend(self._convert(values))
        self._owner._changed()

    def insert(self, index, value):
        self._v.insert(index, _CHECK[self._kind](value))
        self._owner._changed()

    def __setitem__(self, index, value):
        if isinstance(index, slice):
            self._v[index] = self._convert(value)
        else:
            self._v[index] = _CHECK[self._kind](value)
        self._owner._changed()

    def __delitem__(self, index):
        del self._v[index]
        self._owner._changed()

    def remove(self, value):
        self._v.remove(value)
        self._owner._changed()

    def pop(self, index=-1):
        v = self._v.pop(index)
        self._owner._changed()
        return v

    def clear(self):
        del self[:]

    def sort(self, key=None, reverse=False):
        self._v.sort(key=key, reverse=reverse)
        self._owner._changed()

    def reverse(self):
        self._v.reverse()
        self._owner._changed()

    def __getitem__(self, index):
        return self._v[index]

    def __len__(self):
        return len(self._v)

    def __iter__(self):
        return iter(self._v)

    def __reversed__(self):
        return reversed(self._v)

    def __contains__(self, value):
        return value in self._v

    def index(self, value, *args):
        return self._v.index(value, *args)

    def count(self, value):
        return self._v.count(value)

    def __eq__(self, other):
        if isinstance(other, RepeatedScalarContainer):
            return self._v == other._v
        if isinstance(other, (list, tuple)):
            return self._v == list(other)
        return NotImplemented

    __hash__ = None

    def __array__(self, dtype=None, copy=None):
        if dtype is None and self._kind != "bytes":
            dtype = np.float32 if self._kind == "float" else np.int64
        return np.array(self._v, dtype=dtype)

    def __repr__(self):
        return repr(self._v)

    def __reduce__(self):
        return list, (self._v,)


class RepeatedCompositeContainer:
    """The ``feature`` list of a FeatureList: messages, added with ``add(**fields)`` or
    copied in with ``append`` / ``extend``."""

    __slots__ = ("_owner", "_v", "_cls")

    def __init__(self, owner, cls):
        self._owner = owner
        self._cls = cls
        self._v = []

    def _adopt(self, msg):
        msg._parent = self._owner
        msg._pname = None
        self._v.append(msg)

    def add(self, **kwargs):
        """A new message at the end of the list (``kwargs`` as for its constructor)."""
        msg = self._cls(**kwargs)
        self._adopt(msg)
        self._owner._changed()
        return msg

    def append(self, message):
        """Append a copy of ``message``; returns the copy."""
        msg = _copy_of(self._cls, message, "append")
        self._adopt(msg)
        self._owner._changed()
        return msg

    def extend(self, messages):
        """Append copies of ``messages``."""
        for m in messages:
            self._adopt(_copy_of(self._cls, m, "extend"))
        self._owner._changed()

    def insert(self, index, message):
        msg = _copy_of(self._cls, message, "insert")
        msg._parent, msg._pname = self._owner, None
        self._v.insert(index, msg)
        self._owner._changed()

    def __setitem__(self, index, value):
        raise TypeError("tf.train.%s.%s does not support item assignment; change the "
                        "message in place (lst[i].CopyFrom(msg)) or delete and insert."
                        % (type(self._owner).__name__, self._cls.__name__.lower()))

    def __delitem__(self, index):
        gone = self._v[index]
        for m in gone if isinstance(index, slice) else [gone]:
            m._parent = None
        del self._v[index]
        self._owner._changed()

    def remove(self, message):
        del self[self._v.index(message)]

    def pop(self, index=-1):
        m = self._v[index]
        del self[index]
        return m

    def clear(self):
        del self[:]

    def sort(self, key=None, reverse=False):
        self._v.sort(key=key, reverse=reverse)
        self._owner._changed()

    def MergeFrom(self, other):  # noqa: N802  (protobuf's spelling)
        self.extend(other)

    def __getitem__(self, index):
        return self._v[index]

    def __len__(self):
        return len(self._v)

    def __iter__(self):
        return iter(self._v)

    def __eq__(self, other):
        if isinstance(other, RepeatedCompositeContainer):
            return self._v == other._v
        if isinstance(other, (list, tuple)):
            return self._v == list(other)
        return NotImplemented

    __hash__ = None

    def __repr__(self):
        return repr(self._v)


class MessageMap:
    """A ``map<string, message>`` field (``Features.feature``, ``FeatureLists.feature_list``).

    Reading a missing key creates an empty entry, as in protobuf (``get`` and ``in`` do
    not); entries cannot be assigned, only changed in place:
    ``features.feature['x'].CopyFrom(feature)``.
    """

    __slots__ = ("_owner", "_d", "_cls", "_name")

    def __init__(self, owner, cls, name):
        self._owner = owner
        self._cls = cls
        self._name = name
        self._d = {}

    def _key(self, key):
        if type(key) is str:
            return key
        if isinstance(key, str):
            return str(key)
        if isinstance(key, (bytes, bytearray)):
            try:
                return bytes(key).decode("utf-8")
            except UnicodeDecodeError:
                raise ValueError("tf.train.%s.%s: a key given as bytes must be UTF-8, got "
                                 "%r." % (type(self._owner).__name__, self._name,
                                          key)) from None
        raise TypeError("tf.train.%s.%s: keys are strings, got %s."
                        % (type(self._owner).__name__, self._name, _describe(key)))

    def _put(self, key, msg):
        old = self._d.get(key)
        if old is not None:
            old._parent = None
        msg._parent, msg._pname = self._owner, None
        self._d[key] = msg

    def __getitem__(self, key):
        key = self._key(key)
        msg = self._d.get(key)
        if msg is None:
            msg = self._cls()
            self._put(key, msg)
            self._owner._changed()
        return msg

    def get_or_create(self, key):
        return self[key]

    def get(self, key, default=None):
        return self._d.get(self._key(key), default)

    def __contains__(self, key):
        try:
            return self._key(key) in self._d
        except (TypeError, ValueError):
            return False

    def __setitem__(self, key, value):
        raise ValueError(
            "tf.train.%s.%s: message values cannot be assigned; fill the entry in place "
            "instead: %s[%r].CopyFrom(value)." % (type(self._owner).__name__, self._name,
                                                   self._name, key))

    def __delitem__(self, key):
        msg = self._d.pop(self._key(key))
        msg._parent = None
        self._owner._changed()

    def pop(self, key, *default):
        k = self._key(key)
        if k not in self._d:
            if default:
                return default[0]
            raise KeyError(key)
        msg = self._d[k]
        del self[k]
        return msg

    def clear(self):
        for msg in self._d.values():
            msg._parent = None
        self._d.clear()
        self._owner._changed()

    def update(self, other=(), **kwargs):
        raise ValueError("tf.train.%s.%s: message values cannot be assigned; use "
                         "%s[key].CopyFrom(value) for each entry."
                         % (type(self._owner).__name__, self._name, self._name))

    def MergeFrom(self, other):  # noqa: N802  (protobuf's spelling)
        for k, v in other.items():
            self[k].CopyFrom(v)

    def keys(self):
        return self._d.keys()

    def values(self):
        return self._d.values()

    def items(self):
        return self._d.items()

    def __iter__(self):
        return iter(self._d)

    def __len__(self):
        return len(self._d)

    def __eq__(self, other):
        if isinstance(other, MessageMap):
            return self._d == other._d
        if isinstance(other, dict):
            return self._d == other
        return NotImplemented

    __hash__ = None

    def __repr__(self):
        return repr(self._d)


def _copy_of(cls, value, where):
    if isinstance(value, cls):
        msg = cls()
        msg.MergeFrom(value)
        return msg
    if isinstance(value, dict):
        return cls(**value)
    raise TypeError("tf.train.%s: %s expects a tf.train.%s (or a dict of its fields), got "
                    "%s." % (cls.__name__, where, cls.__name__, type(value).__name__))


# ---- messages -----------------------------------------------------------------------
_MESSAGE, _REPEATED_MESSAGE, _MAP = "message", "repeated message", "map"


class _Field:
    """What ``ListFields`` pairs with each value: the field's ``name`` and ``number``."""

    __slots__ = ("name", "number", "kind", "type", "oneof", "tag")

    def __init__(self, name, number, kind, type_=None, oneof=None):
        self.name = name
        self.number = number
        self.kind = kind
        self.type = type_
        self.oneof = oneof
        # every field here is length-delimited (wire type 2): messages, bytes, map entries,
        # and the packed float / int64 lists
        self.tag = _varint(number << 3 | 2)

    def __repr__(self):
        return "<field %s = %d>" % (self.name, self.number)


def _field_property(f):
    name = f.name

    if f.kind == _MESSAGE:
        def get(self):
            v = self._values.get(name)
            if v is None:
                v = f.type()
                v._parent, v._pname = self, name
                self._values[name] = v
            return v
        what = "message field"
    else:
        def get(self):
            v = self._values.get(name)
            if v is None:
                if f.kind == _MAP:
                    v = MessageMap(self, f.type, name)
                elif f.kind == _REPEATED_MESSAGE:
                    v = RepeatedCompositeContainer(self, f.type)
                else:
                    v = RepeatedScalarContainer(self, f.kind)
                self._values[name] = v
            return v
        what = "map, or repeated field"

    def set_(self, value):
        raise AttributeError(
            'Assignment not allowed to %s "%s" in protocol message object (tf.train.%s). '
            "Use %s.CopyFrom(...), or for a list .extend(...), or pass it to the "
            "constructor." % (what, name, type(self).__name__, name))

    return property(get, set_, doc="The ``%s`` field (number %d)." % (name, f.number))


class _Message:
    """Base of the example messages (see the module docstring)."""

    __slots__ = ("_values", "_has", "_parent", "_pname", "_unknown")
    _FIELDS = ()
    _FULL_NAME = ""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._BY_NAME = {f.name: f for f in cls._FIELDS}
        cls._BY_NUMBER = {f.number: f for f in cls._FIELDS}
        cls._ONEOFS = {}
        for f in cls._FIELDS:
            if f.oneof:
                cls._ONEOFS.setdefault(f.oneof, []).append(f.name)
            setattr(cls, f.name, _field_property(f))

    def __init__(self, **kwargs):
        self._values = {}
        self._has = set()
        self._parent = None
        self._pname = None
        self._unknown = b""
        for name, value in kwargs.items():
            f = self._BY_NAME.get(name)
            if f is None:
                raise ValueError('Protocol message %s has no "%s" field. Its fields: %s.'
                                 % (type(self).__name__, name,
                                    ", ".join(self._BY_NAME)))
            if value is None:
                continue
            if f.kind == _MESSAGE:
                child = getattr(self, name)
                if isinstance(value, dict):
                    child.CopyFrom(f.type(**value))
                elif isinstance(value, f.type):
                    child.CopyFrom(value)
                else:
                    raise TypeError("tf.train.%s(%s=...) expects a tf.train.%s (or a dict "
                                    "of its fields), got %s." % (
                                        type(self).__name__, name, f.type.__name__,
                                        type(value).__name__))
            elif f.kind == _MAP:
                if not hasattr(value, "items"):
                    raise TypeError("tf.train.%s(%s=...) expects a dict of {name: "
                                    "tf.train.%s}, got %s." % (
                                        type(self).__name__, name, f.type.__name__,
                                        type(value).__name__))
                m = getattr(self, name)
                for k, v in value.items():
                    m._put(m._key(k), _copy_of(f.type, v, name))
            elif f.kind == _REPEATED_MESSAGE:
                getattr(self, name).extend(value)
            else:
                getattr(self, name).extend(value)

    # ---- presence -------------------------------------------------------------------
    def _set_has(self, name):
        group = self._BY_NAME[name].oneof
        if group:
            for other in self._ONEOFS[group]:
                if other != name and other in self._values:
                    self._values.pop(other)._parent = None
                    self._has.discard(other)
        self._has.add(name)

    def _changed(self):
        """Called after this message changed: marks it present in its parents."""
        m = self
        while True:
            p = m._parent
            if p is None:
                return
            name = m._pname
            if name is not None:
                if name in p._has:
                    return
                p._set_has(name)
            m = p

    def HasField(self, field_name):  # noqa: N802  (protobuf's spelling)
        """Whether a message field (or a oneof, by its name) is set."""
        if field_name in self._ONEOFS:
            return any(n in self._has for n in self._ONEOFS[field_name])
        f = self._BY_NAME.get(field_name)
        if f is None:
            raise ValueError('Protocol message %s has no "%s" field.'
                             % (type(self).__name__, field_name))
        if f.kind != _MESSAGE:
            raise ValueError('Protocol message %s has no singular "%s" field: a repeated '
                             'field has no presence; test len(message.%s) instead.'
                             % (type(self).__name__, field_name, field_name))
        return field_name in self._has

    def WhichOneof(self, oneof_group):  # noqa: N802
        """The name of the field set in the oneof ``oneof_group`` (None when none is)."""
        names = self._ONEOFS.get(oneof_group)
        if names is None:
            raise ValueError('Protocol message %s has no oneof "%s" field.%s' % (
                type(self).__name__, oneof_group,
                " Its oneof: %s." % ", ".join(self._ONEOFS) if self._ONEOFS else ""))
        for n in names:
            if n in self._has:
                return n
        return None

    def ClearField(self, field_name):  # noqa: N802
        if field_name in self._ONEOFS:
            for n in self._ONEOFS[field_name]:
                self.ClearField(n)
            return
        if field_name not in self._BY_NAME:
            raise ValueError('Protocol message %s has no "%s" field.'
                             % (type(self).__name__, field_name))
        v = self._values.pop(field_name, None)
        if isinstance(v, _Message):
            v._parent = None
        elif isinstance(v, MessageMap):
            for m in v._d.values():
                m._parent = None
            v._owner = _Detached()
        elif v is not None:
            v._owner = _Detached()
        self._has.discard(field_name)
        self._changed()

    def Clear(self):  # noqa: N802
        for name in list(self._values):
            self.ClearField(name)
        self._unknown = b""
        self._changed()

    def ListFields(self):  # noqa: N802
        """``[(field, value)]`` for the fields that are set, in field-number order; each
        ``field`` has ``.name`` and ``.number``."""
        out = []
        for f in self._FIELDS:
            if f.kind == _MESSAGE:
                if f.name in self._has:
                    out.append((f, self._values[f.name]))
            else:
                v = self._values.get(f.name)
                if v:
                    out.append((f, v))
        return out

    def IsInitialized(self):  # noqa: N802
        return True  # proto3: no required fields

    # ---- copying ----------------------------------------------------------------------
    def _check_same(self, other, what):
        if not isinstance(other, type(self)):
            raise TypeError("Parameter to %s() must be instance of same class: expected "
                            "tf.train.%s, got %s." % (what, type(self).__name__,
                                                      type(other).__name__))

    def MergeFrom(self, other):  # noqa: N802
        """Merge ``other`` in: set sub-messages merge, lists are appended to, map entries
        are replaced."""
        self._check_same(other, "MergeFrom")
        if other is self:
            other = type(self).FromString(self.SerializeToString())
        for f in other._FIELDS:
            name = f.name
            v = other._values.get(name)
            if f.kind == _MESSAGE:
                if name in other._has:
                    getattr(self, name).MergeFrom(v)
            elif v:
                if f.kind == _MAP:
                    m = getattr(self, name)
                    for k, msg in v._d.items():
                        m._put(k, _copy_of(f.type, msg, "MergeFrom"))
                elif f.kind == _REPEATED_MESSAGE:
                    c = getattr(self, name)
                    for msg in v._v:
                        c._adopt(_copy_of(f.type, msg, "MergeFrom"))
                else:
                    getattr(self, name)._v.extend(v._v)
        self._unknown += other._unknown
        self._changed()

    def CopyFrom(self, other):  # noqa: N802
        """Make this message a copy of ``other`` (of the same type)."""
        self._check_same(other, "CopyFrom")
        if other is self:
            return
        self.Clear()
        self.MergeFrom(other)

    def __copy__(self):
        return type(self).FromString(self.SerializeToString())

    def __deepcopy__(self, memo=None):
        return type(self).FromString(self.SerializeToString())

    def __reduce__(self):
        return _from_string, (type(self).__name__, self.SerializeToString())

    # ---- serializing ------------------------------------------------------------------
    def SerializeToString(self, deterministic=None):  # noqa: N802
        """The message in protobuf wire format.  Map entries are always written sorted by
        key (protobuf's ``deterministic=True`` bytes)."""
        out = []
        self._encode(out)
        return b"".join(out)

    SerializePartialToString = SerializeToString

    def _encode(self, out):
        values = self._values
        for f in self._FIELDS:
            v = values.get(f.name)
            if v is None:
                continue
            kind = f.kind
            if kind == _MESSAGE:
                if f.name in self._has:
                    body = v.SerializeToString()
                    out += (f.tag, _varint(len(body)), body)
            elif not (v._d if kind == _MAP else v._v):
                continue
            elif kind == "bytes":
                tag = f.tag
                for b in v._v:
                    out += (tag, _varint(len(b)), b)
            elif kind == "float":
                body = struct.pack("<%df" % len(v._v), *v._v)
                out += (f.tag, _varint(len(body)), body)
            elif kind == "int64":
                vals = v._v
                if min(vals) >= 0 and max(vals) < 128:
                    body = bytes(vals)
                else:
                    body = b"".join([_varint(x) for x in vals])
                out += (f.tag, _varint(len(body)), body)
            elif kind == _REPEATED_MESSAGE:
                for m in v._v:
                    body = m.SerializeToString()
                    out += (f.tag, _varint(len(body)), body)
            else:  # map<string, message>: entries {key = 1; value = 2}, sorted by key
                for key in sorted(v._d, key=_map_order):
                    kb = key.encode("utf-8")
                    vb = v._d[key].SerializeToString()
                    entry = b"".join((b"\n", _varint(len(kb)), kb, b"\x12", _varint(len(vb)),
                                      vb))
                    out += (f.tag, _varint(len(entry)), entry)
        if self._unknown:
            out.append(self._unknown)

    def ByteSize(self):  # noqa: N802
        return len(self.SerializeToString())

    # ---- parsing ------------------------------------------------------------------------
    @classmethod
    def FromString(cls, s):  # noqa: N802
        """A new message parsed from serialized bytes."""
        msg = cls()
        msg.MergeFromString(s)
        return msg

    def ParseFromString(self, serialized):  # noqa: N802
        """Replace the contents by the message in ``serialized``; returns its length."""
        self.Clear()
        return self.MergeFromString(serialized)

    def MergeFromString(self, serialized):  # noqa: N802
        """Merge the message in ``serialized`` into this one; returns its length."""
        buf = _as_buffer(serialized, type(self).__name__)
        try:
            self._merge(buf, 0, len(buf))
        except (_Corrupt, IndexError, struct.error) as e:
            raise DecodeError("Error parsing message with type '%s': wire format was "
                              "corrupt (%s)." % (self._FULL_NAME, e)) from None
        self._changed()
        return len(buf)

    def _merge(self, buf, pos, end):
        by_number = self._BY_NUMBER
        unknown = []
        while pos < end:
            start = pos
            tag, pos = _read_varint(buf, pos, end)
            number, wire = tag >> 3, tag & 7
            f = by_number.get(number)
            if f is not None:
                kind = f.kind
                if wire == 2:
                    a, pos = _read_len(buf, pos, end)
                    if kind == _MESSAGE:
                        getattr(self, f.name)._merge(buf, a, pos)
                        self._set_has(f.name)
                    elif kind == "bytes":
                        getattr(self, f.name)._v.append(buf[a:pos])
                    elif kind == "float":
                        if (pos - a) % 4:
                            raise _Corrupt("a packed float field is not a multiple of 4 "
                                           "bytes long")
                        getattr(self, f.name)._v.extend(
                            struct.unpack("<%df" % ((pos - a) // 4), buf[a:pos]))
                    elif kind == "int64":
                        getattr(self, f.name)._v.extend(_packed_varints(buf, a, pos))
                    elif kind == _REPEATED_MESSAGE:
                        msg = f.type()
                        msg._merge(buf, a, pos)
                        getattr(self, f.name)._adopt(msg)
                    else:
                        key, msg = _map_entry(f.type, buf, a, pos)
                        getattr(self, f.name)._put(key, msg)
                    continue
                if kind == "float" and wire == 5:
                    if pos + 4 > end:
                        raise _Corrupt("a float runs past the end of its message")
                    getattr(self, f.name)._v.append(_unpack_f(buf[pos:pos + 4])[0])
                    pos += 4
                    continue
                if kind == "int64" and wire == 0:
                    v, pos = _read_varint(buf, pos, end)
                    getattr(self, f.name)._v.append(_signed(v))
                    continue
            # a field this message does not know (or of an unexpected wire type): keep it
            pos = _skip(buf, pos, end, wire, number)
            unknown.append(buf[start:pos])
        if unknown:
            self._unknown += b"".join(unknown)

    # ---- comparing and printing --------------------------------------------------------
    def __eq__(self, other):
        if not isinstance(other, _Message):
            return NotImplemented
        return type(other) is type(self) and (
            self.SerializeToString() == other.SerializeToString())

    def __ne__(self, other):
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = None

    def _text(self, out, indent):
        pad = " " * indent
        for f in self._FIELDS:
            name = f.name
            v = self._values.get(name)
            if v is None:
                continue
            kind = f.kind
            if kind == _MESSAGE:
                if name in self._has:
                    out.append("%s%s {\n" % (pad, name))
                    v._text(out, indent + 2)
                    out.append(pad + "}\n")
            elif kind == "int64":
                out += ["%s%s: %d\n" % (pad, name, x) for x in v._v]
            elif kind == "float":
                out += ["%s%s: %s\n" % (pad, name, _text_float(x)) for x in v._v]
            elif kind == "bytes":
                out += ['%s%s: "%s"\n' % (pad, name, _text_bytes(x)) for x in v._v]
            elif kind == _REPEATED_MESSAGE:
                for m in v._v:
                    out.append("%s%s {\n" % (pad, name))
                    m._text(out, indent + 2)
                    out.append(pad + "}\n")
            else:
                inner = pad + "  "
                for key in sorted(v._d, key=_map_order, reverse=True):
                    out.append('%s%s {\n%skey: "%s"\n%svalue {\n'
                               % (pad, name, inner, _text_string(key), inner))
                    v._d[key]._text(out, indent + 4)
                    out.append("%s}\n%s}\n" % (inner, pad))

    def __str__(self):
        out = []
        self._text(out, 0)
        return "".join(out)

    __repr__ = __str__


class _Detached:
    """The owner of a container whose field was cleared: changes go nowhere."""

    def _changed(self):
        pass


def _as_buffer(serialized, what):
    if type(serialized) is bytes:
        return serialized
    if isinstance(serialized, (bytes, bytearray, memoryview)):
        return bytes(serialized)
    if hasattr(serialized, "numpy"):
        raise TypeError("tf.train.%s: expected bytes, got a tensor. Pass its value: "
                        "ParseFromString(t.numpy())." % what)
    raise TypeError("tf.train.%s: expected the serialized message as bytes, got %s."
                    % (what, type(serialized).__name__))


def _map_entry(value_cls, buf, pos, end):
    """``(key, message)`` of one serialized map entry ``{string key = 1; value = 2}``."""
    key = ""
    msg = value_cls()
    while pos < end:
        tag, pos = _read_varint(buf, pos, end)
        if tag == 0x0A:
            a, pos = _read_len(buf, pos, end)
            key = _decode_utf8(buf[a:pos])
        elif tag == 0x12:
            a, pos = _read_len(buf, pos, end)
            msg._merge(buf, a, pos)
        else:
            pos = _skip(buf, pos, end, tag & 7, tag >> 3)
    return key, msg


class BytesList(_Message):
    """``tf.train.BytesList(value=[b'...', ...])``: a list of byte strings."""
    __slots__ = ()
    _FULL_NAME = "tensorflow.BytesList"
    _FIELDS = (_Field("value", 1, "bytes"),)


class FloatList(_Message):
    """``tf.train.FloatList(value=[...])``: a list of float32 numbers."""
    __slots__ = ()
    _FULL_NAME = "tensorflow.FloatList"
    _FIELDS = (_Field("value", 1, "float"),)


class Int64List(_Message):
    """``tf.train.Int64List(value=[...])``: a list of int64 numbers."""
    __slots__ = ()
    _FULL_NAME = "tensorflow.Int64List"
    _FIELDS = (_Field("value", 1, "int64"),)


class Feature(_Message):
    """One feature: exactly one of ``bytes_list``, ``float_list``, ``int64_list`` (the
    oneof ``'kind'``; ``feature.WhichOneof('kind')`` says which)."""
    __slots__ = ()
    _FULL_NAME = "tensorflow.Feature"
    _FIELDS = (_Field("bytes_list", 1, _MESSAGE, BytesList, "kind"),
               _Field("float_list", 2, _MESSAGE, FloatList, "kind"),
               _Field("int64_list", 3, _MESSAGE, Int64List, "kind"))


class Features(_Message):
    """``tf.train.Features(feature={'name': tf.train.Feature(...), ...})``."""
    __slots__ = ()
    _FULL_NAME = "tensorflow.Features"
    _FIELDS = (_Field("feature", 1, _MAP, Feature),)


class FeatureList(_Message):
    """``tf.train.FeatureList(feature=[tf.train.Feature(...), ...])``: one feature per
    step of a sequence."""
    __slots__ = ()
    _FULL_NAME = "tensorflow.FeatureList"
    _FIELDS = (_Field("feature", 1, _REPEATED_MESSAGE, Feature),)


class FeatureLists(_Message):
    """``tf.train.FeatureLists(feature_list={'name': tf.train.FeatureList(...), ...})``."""
    __slots__ = ()
    _FULL_NAME = "tensorflow.FeatureLists"
    _FIELDS = (_Field("feature_list", 1, _MAP, FeatureList),)


class Example(_Message):
    """``tf.train.Example(features=tf.train.Features(feature={...}))``: one record of named
    features, the usual content of a TFRecord file."""
    __slots__ = ()
    _FULL_NAME = "tensorflow.Example"
    _FIELDS = (_Field("features", 1, _MESSAGE, Features),)


class SequenceExample(_Message):
    """``tf.train.SequenceExample(context=tf.train.Features(...),
    feature_lists=tf.train.FeatureLists(...))``: per-record features plus named lists of
    per-step features."""
    __slots__ = ()
    _FULL_NAME = "tensorflow.SequenceExample"
    _FIELDS = (_Field("context", 1, _MESSAGE, Features),
               _Field("feature_lists", 2, _MESSAGE, FeatureLists))


_CLASSES = {c.__name__: c for c in (BytesList, FloatList, Int64List, Feature, Features,
                                    FeatureList, FeatureLists, Example, SequenceExample)}


def _from_string(name, data):
    """Unpickling: the message class by name, parsed from its bytes."""
    return _CLASSES[name].FromString(data)


# ---- fast decoding for tf.io.parse_*example ---------------------------------------------
# These read only what the parsers need, straight from the bytes, without building
# message objects.  A feature comes back as ``(kind, payloads)``: kind 1 bytes, 2 float,
# 3 int64, 0 for a Feature with no list set; payloads the byte ranges of the list message
# (protobuf merges repeated occurrences of one sub-message, i.e. concatenates them).

def _feature(buf, pos, end):
    kind, parts = 0, []
    while pos < end:
        tag, pos = _read_varint(buf, pos, end)
        if tag in (0x0A, 0x12, 0x1A):
            a, pos = _read_len(buf, pos, end)
            k = tag >> 3
            if k != kind:
                kind, parts = k, []
            parts.append((a, pos))
        else:
            pos = _skip(buf, pos, end, tag & 7, tag >> 3)
    return kind, parts


def _entries(buf, pos, end):
    """``(key, start, stop)`` of each entry of a serialized map<string, message>."""
    while pos < end:
        tag, pos = _read_varint(buf, pos, end)
        if tag != 0x0A:
            pos = _skip(buf, pos, end, tag & 7, tag >> 3)
            continue
        a, pos = _read_len(buf, pos, end)
        key, va, vb = "", a, a
        p = a
        while p < pos:
            t, p = _read_varint(buf, p, pos)
            if t == 0x0A:
                ka, p = _read_len(buf, p, pos)
                key = _decode_utf8(buf[ka:p])
            elif t == 0x12:
                va, p = _read_len(buf, p, pos)
                vb = p
            else:
                p = _skip(buf, p, pos, t & 7, t >> 3)
        yield key, va, vb


def _features_into(buf, pos, end, out):
    for key, a, b in _entries(buf, pos, end):
        out[key] = _feature(buf, a, b)


def decode_example(buf):
    """``{name: (kind, payloads)}`` of a serialized Example (raises ``_Corrupt``)."""
    out = {}
    pos, end = 0, len(buf)
    while pos < end:
        tag, pos = _read_varint(buf, pos, end)
        if tag == 0x0A:
            a, pos = _read_len(buf, pos, end)
            _features_into(buf, a, pos, out)
        else:
            pos = _skip(buf, pos, end, tag & 7, tag >> 3)
    return out


def decode_sequence_example(buf):
    """``(context, feature_lists)`` of a serialized SequenceExample: ``{name: (kind,
    payloads)}`` and ``{name: [(kind, payloads) per step]}`` (raises ``_Corrupt``)."""
    context, lists = {}, {}
    pos, end = 0, len(buf)
    while pos < end:
        tag, pos = _read_varint(buf, pos, end)
        if tag == 0x0A:
            a, pos = _read_len(buf, pos, end)
            _features_into(buf, a, pos, context)
        elif tag == 0x12:
            a, pos = _read_len(buf, pos, end)
            for key, va, vb in _entries(buf, a, pos):
                steps = []
                p = va
                while p < vb:
                    t, p = _read_varint(buf, p, vb)
                    if t == 0x0A:
                        fa, p = _read_len(buf, p, vb)
                        steps.append(_feature(buf, fa, p))
                    else:
                        p = _skip(buf, p, vb, t & 7, t >> 3)
                lists[key] = steps
        else:
            pos = _skip(buf, pos, end, tag & 7, tag >> 3)
    return context, lists


def feature_values(buf, kind, parts):
    """The values of a decoded feature: a list of bytes, or a float32 / int64 array."""
    if kind == 1:
        vals = []
        for a, b in parts:
            pos = a
            while pos < b:
                tag, pos = _read_varint(buf, pos, b)
                if tag == 0x0A:
                    s, pos = _read_len(buf, pos, b)
                    vals.append(buf[s:pos])
                else:
                    pos = _skip(buf, pos, b, tag & 7, tag >> 3)
        return vals
    if kind == 2:
        chunks = []
        for a, b in parts:
            pos = a
            while pos < b:
                tag, pos = _read_varint(buf, pos, b)
                if tag == 0x0A:
                    s, pos = _read_len(buf, pos, b)
                    if (pos - s) % 4:
                        raise _Corrupt("a packed float field is not a multiple of 4 bytes "
                                       "long")
                    chunks.append(np.frombuffer(buf, dtype="<f4", count=(pos - s) // 4,
                                                offset=s))
                elif tag == 0x0D:
                    if pos + 4 > b:
                        raise _Corrupt("a float runs past the end of its message")
                    chunks.append(np.frombuffer(buf, dtype="<f4", count=1, offset=pos))
                    pos += 4
                else:
                    pos = _skip(buf, pos, b, tag & 7, tag >> 3)
        if len(chunks) == 1:
            return chunks[0].astype(np.float32)
        return (np.concatenate(chunks).astype(np.float32) if chunks
                else np.zeros(0, np.float32))
    if kind == 3:
        vals = []
        for a, b in parts:
            pos = a
            while pos < b:
                tag, pos = _read_varint(buf, pos, b)
                if tag == 0x0A:
                    s, pos = _read_len(buf, pos, b)
                    vals.extend(_packed_varints(buf, s, pos))
                elif tag == 0x08:
                    v, pos = _read_varint(buf, pos, b)
                    vals.append(_signed(v))
                else:
                    pos = _skip(buf, pos, b, tag & 7, tag >> 3)
        return np.array(vals, dtype=np.int64)
    return None
