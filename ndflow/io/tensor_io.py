"""``tf.io.serialize_tensor``, ``tf.io.parse_tensor`` and ``tf.io.decode_raw``.

A serialized tensor is TensorFlow's ``TensorProto`` message in protobuf wire format,
written and read here by hand (no protobuf dependency, and never pickle): the dtype code,
the shape, then the raw little-endian element bytes (``tensor_content``) or, for strings,
one length-prefixed field per element.  TensorFlow and ndflow read each other's output.
"""
import struct

import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.core import errors
from ndflow.core.tensor import Tensor, convert_to_tensor
from ndflow.io._util import string_array, to_bytes

# TensorFlow's DataType enum values
_CODE = {"float32": 1, "float64": 2, "int32": 3, "uint8": 4, "int16": 5, "int8": 6,
         "string": 7, "complex64": 8, "int64": 9, "bool": 10, "uint16": 17,
         "complex128": 18, "float16": 19, "uint32": 22, "uint64": 23}
_BY_CODE = {v: k for k, v in _CODE.items()}
_TF_ONLY = {11: "qint8", 12: "quint8", 13: "qint32", 14: "bfloat16", 15: "qint16",
            16: "quint16", 20: "resource", 21: "variant"}
_STRING = 7

# TensorProto field numbers
_F_DTYPE, _F_SHAPE, _F_CONTENT = 1, 2, 4
_F_HALF, _F_FLOAT, _F_DOUBLE, _F_INT, _F_STRING = 13, 5, 6, 7, 8
_F_SCOMPLEX, _F_INT64, _F_BOOL, _F_DCOMPLEX, _F_UINT32, _F_UINT64 = 9, 10, 11, 12, 16, 17


# ---- protobuf wire format ---------------------------------------------------------
def _varint(n):
    n &= (1 << 64) - 1  # negative int64 values take ten bytes, as in protobuf
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _key(field, wire):
    return _varint(field << 3 | wire)


def _len_field(field, payload):
    return _key(field, 2) + _varint(len(payload)) + payload


class _ParseError(Exception):
    pass


def _read_varint(buf, pos):
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise _ParseError("the data ends inside a varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift >= 70:
            raise _ParseError("a varint is longer than 10 bytes")


def _fields(buf):
    """Yield ``(field, wire_type, value)``; LEN values are memoryview slices."""
    pos = 0
    n = len(buf)
    while pos < n:
        key, pos = _read_varint(buf, pos)
        field, wire = key >> 3, key & 7
        if field == 0:
            raise _ParseError("field number 0")
        if wire == 0:
            value, pos = _read_varint(buf, pos)
        elif wire == 1:
            value, pos = buf[pos:pos + 8], pos + 8
        elif wire == 2:
            size, pos = _read_varint(buf, pos)
            value, pos = buf[pos:pos + size], pos + size
        elif wire == 5:
            value, pos = buf[pos:pos + 4], pos + 4
        else:
            raise _ParseError("unsupported wire type %d" % wire)
        if pos > n:
            raise _ParseError("the data ends inside field %d" % field)
        yield field, wire, value


def _signed64(v):
    return v - (1 << 64) if v >= 1 << 63 else v


# ---- serialize -----------------------------------------------------------------------
def _shape_proto(shape):
    dims = b"".join(_len_field(2, _key(1, 0) + _varint(d) if d else b"") for d in shape)
    return _len_field(_F_SHAPE, dims)


def serialize_tensor(tensor, name=None):
    """``tensor`` as a 0-d ``tf.string`` tensor holding its serialized ``TensorProto``."""
    t = convert_to_tensor(tensor)
    arr = t._value
    dtype = t.dtype
    code = _CODE.get(dtype.name)
    if code is None:
        raise errors.InvalidArgumentError(
            "tf.io.serialize_tensor: cannot serialize dtype %s." % dtype.name)
    parts = [_key(_F_DTYPE, 0) + _varint(code), _shape_proto(arr.shape)]
    if code == _STRING:
        for v in string_array(arr, "tf.io.serialize_tensor", "tensor").reshape(-1):
            parts.append(_len_field(_F_STRING, v))
    elif arr.size:
        le = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<"))
        parts.append(_len_field(_F_CONTENT, le.tobytes()))
    out = np.empty((), dtype=object)
    out[()] = b"".join(parts)
    return Tensor(out)


# ---- parse ---------------------------------------------------------------------------
def _parse_shape(buf):
    dims = []
    for field, wire, value in _fields(buf):
        if field == 2 and wire == 2:
            size = 0
            for f2, w2, v2 in _fields(value):
                if f2 == 1 and w2 == 0:
                    size = _signed64(v2)
            if size < 0:
                raise _ParseError("the shape has an unknown dimension (%d)" % size)
            dims.append(size)
        elif field == 3 and wire == 0 and value:
            raise _ParseError("the shape has unknown rank")
    return tuple(dims)


def _unpack_repeated(values, wire_kinds, fmt):
    """Decode repeated scalar values collected as (wire, value) pairs, packed or not."""
    out = []
    size = struct.calcsize(fmt) if fmt else 0
    for wire, value in values:
        if wire == 2:  # packed
            if fmt:
                out.extend(v for v, in struct.iter_unpack("<" + fmt, bytes(value)))
            else:
                pos = 0
                while pos < len(value):
                    v, pos = _read_varint(value, pos)
                    out.append(v)
        elif wire == 0 and not fmt:
            out.append(value)
        elif fmt and wire in wire_kinds and len(value) == size:
            out.append(struct.unpack("<" + fmt, bytes(value))[0])
        else:
            raise _ParseError("a value field has an unexpected wire type %d" % wire)
    return out


def _from_proto(buf):
    code = None
    shape = ()
    content = None
    repeated = {}
    for field, wire, value in _fields(buf):
        if field == _F_DTYPE and wire == 0:
            code = value
        elif field == _F_SHAPE and wire == 2:
            shape = _parse_shape(value)
        elif field == _F_CONTENT and wire == 2:
            content = bytes(value)
        elif field in (_F_HALF, _F_FLOAT, _F_DOUBLE, _F_INT, _F_STRING, _F_SCOMPLEX,
                       _F_INT64, _F_BOOL, _F_DCOMPLEX, _F_UINT32, _F_UINT64):
            repeated.setdefault(field, []).append((wire, value))
    if code is None:
        raise _ParseError("it has no dtype field")
    if code not in _BY_CODE:
        raise _ParseError("its dtype is %s, which ndflow does not support"
                          % _TF_ONLY.get(code, "code %d" % code))
    dtype = _dt.as_dtype(_BY_CODE[code])
    size = int(np.prod(shape, dtype=np.int64))
    if code == _STRING:
        vals = [bytes(v) for w, v in repeated.get(_F_STRING, [])]
        if len(vals) != size:
            raise _ParseError("it holds %d strings for shape %s" % (len(vals), list(shape)))
        arr = np.empty(size, dtype=object)
        for i, v in enumerate(vals):
            arr[i] = v
        return arr.reshape(shape)
    np_dtype = np.dtype(dtype._np)
    if content is not None:
        if len(content) != size * np_dtype.itemsize:
            raise _ParseError("tensor_content has %d bytes, but shape %s of %s needs %d"
                              % (len(content), list(shape), dtype.name,
                                 size * np_dtype.itemsize))
        return np.frombuffer(content, dtype=np_dtype.newbyteorder("<")).astype(
            np_dtype).reshape(shape)
    # typed value fields: fewer values than elements repeat the last one
    name = dtype.name
    if name == "float16":
        vals = np.array(_unpack_repeated(repeated.get(_F_HALF, []), (), ""),
                        dtype=np.uint16).view(np.float16)
    elif name == "float32":
        vals = np.array(_unpack_repeated(repeated.get(_F_FLOAT, []), (5,), "f"), np.float32)
    elif name == "float64":
        vals = np.array(_unpack_repeated(repeated.get(_F_DOUBLE, []), (1,), "d"), np.float64)
    elif name == "complex64":
        v = np.array(_unpack_repeated(repeated.get(_F_SCOMPLEX, []), (5,), "f"), np.float32)
        vals = v[0::2] + 1j * v[1::2]
    elif name == "complex128":
        v = np.array(_unpack_repeated(repeated.get(_F_DCOMPLEX, []), (1,), "d"), np.float64)
        vals = v[0::2] + 1j * v[1::2]
    elif name == "int64":
        vals = np.array([_signed64(v) for v in
                         _unpack_repeated(repeated.get(_F_INT64, []), (), "")], np.int64)
    elif name == "uint64":
        vals = np.array(_unpack_repeated(repeated.get(_F_UINT64, []), (), ""), np.uint64)
    elif name == "uint32":
        vals = np.array(_unpack_repeated(repeated.get(_F_UINT32, []), (), ""), np.uint64)
    elif name == "bool":
        vals = np.array(_unpack_repeated(repeated.get(_F_BOOL, []), (), ""), np.int64) != 0
    else:  # int32, int16, int8, uint8, uint16 use int_val
        vals = np.array([_signed64(v) for v in
                         _unpack_repeated(repeated.get(_F_INT, []), (), "")], np.int64)
    vals = vals.astype(np_dtype)
    if vals.size > size:
        raise _ParseError("it holds %d values for shape %s" % (vals.size, list(shape)))
    if vals.size == size:
        return vals.reshape(shape)
    out = np.full(size, vals[-1] if vals.size else 0, dtype=np_dtype)
    out[:vals.size] = vals
    return out.reshape(shape)


def parse_tensor(serialized, out_type, name=None):
    """The tensor serialized by ``serialize_tensor``; its dtype must be ``out_type``."""
    out_type = _dt.as_dtype(out_type)
    buf = to_bytes(serialized, "tf.io.parse_tensor", "serialized")
    try:
        arr = _from_proto(memoryview(buf))
    except _ParseError as e:
        raise errors.InvalidArgumentError(
            "tf.io.parse_tensor: could not parse `serialized` as a serialized tensor "
            "(TensorProto): %s. Pass the output of tf.io.serialize_tensor." % e) from None
    got = _dt.from_numpy(arr.dtype)
    if got != out_type:
        raise errors.InvalidArgumentError(
            "tf.io.parse_tensor: type mismatch between the parsed tensor (%s) and out_type "
            "(%s). Pass out_type=tf.%s (the dtype it was serialized with), then tf.cast if "
            "you need %s." % (got.name, out_type.name, got.name, out_type.name))
    return Tensor(arr)


# ---- decode_raw ---------------------------------------------------------------------
_RAW_TYPES = ("float16", "float32", "float64", "int32", "uint16", "uint8", "int16", "int8",
              "int64", "complex64", "complex128", "bool", "uint32", "uint64")


def decode_raw(input_bytes, out_type, little_endian=True, fixed_length=None, name=None):
    """Reinterpret the bytes of each string as a vector of ``out_type`` numbers.

    The result has shape ``input_bytes.shape + [n]``; all strings must have the same
    length unless ``fixed_length`` is given (shorter strings are then zero-padded, longer
    ones cut).
    """
    dtype = _dt.as_dtype(out_type)
    if dtype.name not in _RAW_TYPES:
        raise errors.InvalidArgumentError(
            "tf.io.decode_raw: out_type must be one of %s, got %s."
            % (", ".join(_RAW_TYPES), dtype.name))
    np_dtype = np.dtype(dtype._np)
    src = np.dtype(np_dtype).newbyteorder("<" if little_endian else ">")
    strings = string_array(input_bytes, "tf.io.decode_raw", "input_bytes")
    flat = strings.reshape(-1)
    item = np_dtype.itemsize
    if fixed_length is not None:
        if fixed_length % item:
            raise errors.InvalidArgumentError(
                "tf.io.decode_raw: fixed_length (%d) must be a multiple of the size of %s "
                "(%d bytes)." % (fixed_length, dtype.name, item))
        flat = [s[:fixed_length].ljust(fixed_length, b"\0") for s in flat]
        width = fixed_length
    else:
        width = len(flat[0]) if len(flat) else 0
        for i, s in enumerate(flat):
            if len(s) != width:
                raise errors.InvalidArgumentError(
                    "tf.io.decode_raw: all strings must have the same length, but element "
                    "%d has %d bytes and element 0 has %d. Pass fixed_length to pad or cut "
                    "them." % (i, len(s), width))
        if width % item:
            raise errors.InvalidArgumentError(
                "tf.io.decode_raw: the input has length %d, which is not a multiple of %d, "
                "the size of %s." % (width, item, dtype.name))
    n = width // item
    data = b"".join(flat)
    if dtype.name == "bool":
        arr = np.frombuffer(data, dtype=np.uint8) != 0
    else:
        arr = np.frombuffer(data, dtype=src).astype(np_dtype)
    return Tensor(arr.reshape(strings.shape + (n,)))
