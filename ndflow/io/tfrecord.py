"""TFRecord files: ``tf.io.TFRecordWriter``, ``tf.io.TFRecordOptions`` and a reader.

A TFRecord file is a sequence of records, each framed as

    uint64 length (little-endian)
    uint32 masked CRC32C of the 8 length bytes
    length bytes of data
    uint32 masked CRC32C of the data

where ``masked(crc) = rotate_right(crc, 15) + 0xa282ead8`` (mod 2**32).  With
``compression_type='GZIP'`` or ``'ZLIB'`` the whole stream of records is compressed as
one gzip / zlib stream.

This module depends on the standard library, NumPy and ``ndflow.core.errors`` only, so
that a ``tf.data.TFRecordDataset`` can read records through ``tf_record_iterator``.
"""
import os
import struct
import zlib

import numpy as np

from ndflow.core import errors

__all__ = ["crc32c", "masked_crc32c", "TFRecordOptions", "TFRecordWriter",
           "tf_record_iterator"]

# ---- CRC32C (Castagnoli) ----------------------------------------------------------
# Reflected CRC with polynomial 0x1EDC6F41 (bit-reversed: 0x82F63B78), initial value and
# final XOR 0xFFFFFFFF.  One table entry per byte value: the register after shifting that
# byte's 8 bits through the polynomial division.
_POLY = 0x82F63B78


def _make_table():
    table = []
    for byte in range(256):
        reg = byte
        for _ in range(8):
            reg = (reg >> 1) ^ _POLY if reg & 1 else reg >> 1
        table.append(reg)
    return table


_TABLE = _make_table()
_TABLE_NP = np.array(_TABLE, dtype=np.uint32)
_MASK_DELTA = 0xA282EAD8
_SMALL = 2048  # below this many bytes the plain loop is faster than the NumPy lanes


def _update_loop(reg, data):
    table = _TABLE
    for b in data:
        reg = table[(reg ^ b) & 0xFF] ^ (reg >> 8)
    return reg


# For long buffers the bytes are cut into K equal chunks that run through the table in
# parallel (one NumPy lane per chunk), then the K registers are merged.  The CRC register
# update is linear over GF(2): the register after chunks A then B equals
# Z_len(B)(register after A) XOR (register after B started from 0), where Z_n maps a
# register to the one after n zero bytes.  A linear map of 32-bit registers is stored as
# its 32 columns (the images of the 32 single-bit registers).

def _apply(op, reg):
    out = 0
    b = 0
    while reg:
        if reg & 1:
            out ^= op[b]
        reg >>= 1
        b += 1
    return out


def _compose(a, b):
    """The map ``a(b(x))``."""
    return [_apply(a, col) for col in b]


_ZERO1 = [_TABLE[(1 << b) & 0xFF] ^ ((1 << b) >> 8) for b in range(32)]
_ZERO_OPS = {1: _ZERO1}
_ZERO_TABLES = {}


def _zeros_op(n):
    """``Z_n`` for ``n`` a power of two (cached)."""
    op = _ZERO_OPS.get(n)
    if op is None:
        half = _zeros_op(n // 2)
        op = _ZERO_OPS[n] = _compose(half, half)
    return op


def _zeros_tables(n):
    """``Z_n`` as four 256-entry tables, one per byte of the register (cached)."""
    tables = _ZERO_TABLES.get(n)
    if tables is None:
        op = _zeros_op(n)
        tables = _ZERO_TABLES[n] = np.array(
            [[_apply(op, v << (8 * k)) for v in range(256)] for k in range(4)],
            dtype=np.uint32)
    return tables


def _apply_lanes(tables, regs):
    mask = np.uint32(0xFF)
    return (tables[0][regs & mask] ^ tables[1][(regs >> np.uint32(8)) & mask]
            ^ tables[2][(regs >> np.uint32(16)) & mask] ^ tables[3][regs >> np.uint32(24)])


def _update_lanes(reg, data):
    n = len(data)
    lanes = 1 << max(1, int(np.log2(np.sqrt(n * 8.0))))
    lanes = min(lanes, 8192)
    chunk = 1 << int(np.log2(n // lanes))  # power of two: Z_chunk comes from squaring
    body = lanes * chunk
    cols = np.frombuffer(data, dtype=np.uint8, count=body).reshape(lanes, chunk).T.copy()
    regs = np.zeros(lanes, dtype=np.uint32)
    regs[0] = reg
    table = _TABLE_NP
    mask = np.uint32(0xFF)
    eight = np.uint32(8)
    for j in range(chunk):
        regs = table[(regs ^ cols[j]) & mask] ^ (regs >> eight)
    length = chunk
    while regs.shape[0] > 1:  # merge neighbours: (A, B) -> Z_len(B)(A) ^ B
        regs = _apply_lanes(_zeros_tables(length), regs[0::2]) ^ regs[1::2]
        length *= 2
    return _update(int(regs[0]), data[body:])


def _update(reg, data):
    if len(data) < _SMALL:
        return _update_loop(reg, data)
    return _update_lanes(reg, data)


def crc32c(data, crc=0):
    """CRC32C (Castagnoli) of ``data``; pass a previous result as ``crc`` to continue."""
    reg = (crc ^ 0xFFFFFFFF) & 0xFFFFFFFF
    return _update(reg, memoryview(data).cast("B")) ^ 0xFFFFFFFF


def masked_crc32c(data):
    """The masked CRC32C that TFRecord files store."""
    crc = crc32c(data)
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + _MASK_DELTA) & 0xFFFFFFFF


# ---- options ------------------------------------------------------------------------
_TYPES = {None: "", "": "", "NONE": "", "GZIP": "GZIP", "ZLIB": "ZLIB"}


def _compression_name(value, where):
    if isinstance(value, TFRecordOptions):
        return value.compression_type
    key = value.upper() if isinstance(value, str) else value
    if key not in _TYPES:
        raise ValueError(
            "%s: not a valid compression_type: %r. Use '' (or None) for no compression, "
            "'GZIP' or 'ZLIB'." % (where, value))
    return _TYPES[key]


class TFRecordOptions:
    """How a TFRecord file is compressed (``tf.io.TFRecordOptions``).

    ``compression_type`` is ``''``/None, ``'GZIP'`` or ``'ZLIB'``; ``compression_level``
    (0-9, -1 for zlib's default), ``window_bits``, ``mem_level`` and
    ``compression_strategy`` are passed to zlib; the buffer sizes and ``flush_mode`` are
    accepted for compatibility.
    """
    compression_type_map = {1: "ZLIB", 2: "GZIP", 0: ""}

    def __init__(self, compression_type=None, flush_mode=None, input_buffer_size=None,
                 output_buffer_size=None, window_bits=None, compression_level=None,
                 compression_method=None, mem_level=None, compression_strategy=None):
        self.compression_type = _compression_name(compression_type, "tf.io.TFRecordOptions")
        self.flush_mode = flush_mode
        self.input_buffer_size = input_buffer_size
        self.output_buffer_size = output_buffer_size
        self.window_bits = window_bits
        self.compression_level = compression_level
        self.compression_method = compression_method
        self.mem_level = mem_level
        self.compression_strategy = compression_strategy
        if compression_level is not None and not -1 <= compression_level <= 9:
            raise ValueError("tf.io.TFRecordOptions: compression_level must be in [-1, 9], "
                             "got %r." % (compression_level,))

    @classmethod
    def get_compression_type_string(cls, options):
        """``''``, ``'GZIP'`` or ``'ZLIB'`` for options given as a string, None or
        ``TFRecordOptions``."""
        return _compression_name(options, "TFRecordOptions.get_compression_type_string")

    def _compressor(self):
        bits = self.window_bits if self.window_bits is not None else 15
        if self.compression_type == "GZIP":
            bits += 16
        level = -1 if self.compression_level is None else self.compression_level
        mem = 9 if self.mem_level is None else self.mem_level
        strategy = 0 if self.compression_strategy is None else self.compression_strategy
        return zlib.compressobj(level, zlib.DEFLATED, bits, mem, strategy)


def _as_options(options, where):
    if isinstance(options, TFRecordOptions):
        return options
    return TFRecordOptions(_compression_name(options, where))


def _record_bytes(record, where):
    if isinstance(record, str):
        return record.encode("utf-8")
    if isinstance(record, (bytes, bytearray, memoryview)):
        return bytes(record)
    if hasattr(record, "numpy"):  # a 0-d string tensor
        value = record.numpy()
        if isinstance(value, (bytes, str)):
            return _record_bytes(value, where)
        raise errors.InvalidArgumentError(
            "%s: a record must be one string; got a tensor of shape %s." % (
                where, tuple(getattr(record, "shape", ()))))
    raise TypeError("%s: a record must be bytes or str, got %s. Serialize it first (for "
                    "example with tf.io.serialize_tensor)." % (where, type(record).__name__))


def _fspath(path):
    """A file name given as str, bytes, os.PathLike or a scalar string tensor."""
    if hasattr(path, "numpy"):
        path = path.numpy()
    if isinstance(path, bytes):
        return path.decode("utf-8")
    return os.fspath(path)


def frame_record(data):
    """``data`` framed as one TFRecord (length, its CRC, data, the data's CRC)."""
    head = struct.pack("<Q", len(data))
    return b"".join((head, struct.pack("<I", masked_crc32c(head)), data,
                     struct.pack("<I", masked_crc32c(data))))


class TFRecordWriter:
    """Writes records to a TFRecord file (``tf.io.TFRecordWriter``).

        with tf.io.TFRecordWriter("data.tfrecord") as writer:
            writer.write(serialized_bytes)

    ``options`` is a compression type (``''``, ``'GZIP'``, ``'ZLIB'``) or a
    ``TFRecordOptions``.  The file is created (or truncated) when the writer is made.
    """

    def __init__(self, path, options=None):
        self._path = _fspath(path)
        self._options = _as_options(options, "tf.io.TFRecordWriter")
        try:
            self._file = open(self._path, "wb")
        except OSError as e:
            cls = errors.NotFoundError if isinstance(e, FileNotFoundError) else errors.UnknownError
            raise cls("tf.io.TFRecordWriter: cannot create %s: %s" % (
                self._path, e.strerror or e)) from None
        self._zip = (self._options._compressor()
                     if self._options.compression_type else None)

    def _put(self, data):
        if self._zip is not None:
            data = self._zip.compress(data)
        if data:
            self._file.write(data)

    def _check_open(self):
        if self._file is None:
            raise errors.FailedPreconditionError(
                "tf.io.TFRecordWriter(%r): Writer is closed." % self._path)

    def write(self, record):
        """Append one record (bytes, str, or a scalar string tensor)."""
        self._check_open()
        self._put(frame_record(_record_bytes(record, "tf.io.TFRecordWriter.write")))

    def flush(self):
        self._check_open()
        if self._zip is not None:
            self._file.write(self._zip.flush(zlib.Z_SYNC_FLUSH))
        self._file.flush()

    def close(self):
        if self._file is None:
            return
        if self._zip is not None:
            self._file.write(self._zip.flush(zlib.Z_FINISH))
            self._zip = None
        self._file.close()
        self._file = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


# ---- reading ------------------------------------------------------------------------
class _Inflater:
    """A readable stream of the decompressed bytes of a gzip or zlib file."""

    def __init__(self, raw, gzip, chunk):
        self._raw = raw
        self._bits = 31 if gzip else 15
        self._chunk = chunk
        self._z = zlib.decompressobj(self._bits)
        self._buf = bytearray()
        self._eof = False

    def _fill(self, n):
        while len(self._buf) < n and not self._eof:
            data = self._raw.read(self._chunk)
            if not data:  # a cut-short stream shows up as a truncated record
                self._buf += self._z.flush()
                self._eof = True
                break
            self._buf += self._z.decompress(data)
            while self._z.eof and self._z.unused_data:  # concatenated gzip members
                rest = self._z.unused_data
                self._z = zlib.decompressobj(self._bits)
                self._buf += self._z.decompress(rest)

    def read(self, n):
        self._fill(n)
        out = bytes(self._buf[:n])
        del self._buf[:n]
        return out


def tf_record_iterator(path, compression_type=None, buffer_size=None):
    """Yield the records of the TFRecord file ``path`` as ``bytes``, in order.

    ``compression_type`` is ``''``/None, ``'GZIP'``, ``'ZLIB'`` or a ``TFRecordOptions``.
    Both CRCs of every record are checked; a damaged or cut-short file raises
    ``tf.errors.DataLossError`` naming the file, the record's index and byte offset.
    """
    path = _fspath(path)
    kind = _compression_name(compression_type, "tf_record_iterator")
    chunk = buffer_size or 256 * 1024
    try:
        raw = open(path, "rb", buffering=chunk)
    except OSError as e:
        cls = errors.NotFoundError if isinstance(e, FileNotFoundError) else errors.UnknownError
        raise cls("TFRecord reader: cannot open %s: %s" % (path, e.strerror or e)) from None
    hint = ("" if kind else " If the file was written with compression, pass "
            "compression_type='GZIP' or 'ZLIB'.")
    with raw:
        stream = _Inflater(raw, kind == "GZIP", chunk) if kind else raw
        offset = 0
        index = 0
        while True:
            try:
                head = stream.read(12)
            except zlib.error as e:
                raise _inflate_error(path, kind, index, offset, e) from None
            if not head:
                return
            if len(head) < 12:
                raise errors.DataLossError(
                    "TFRecord file %s: truncated record #%d at byte offset %d: the file ends "
                    "inside the record's 12-byte header. The file was cut short (an "
                    "interrupted write?).%s" % (path, index, offset, hint))
            length_bytes = head[:8]
            stored, = struct.unpack("<I", head[8:])
            computed = masked_crc32c(length_bytes)
            if stored != computed:
                raise errors.DataLossError(
                    "TFRecord file %s: corrupted record #%d at byte offset %d: the CRC32C of "
                    "its length field does not match (stored 0x%08x, computed 0x%08x). The "
                    "file is damaged or is not a TFRecord file.%s"
                    % (path, index, offset, stored, computed, hint))
            length, = struct.unpack("<Q", length_bytes)
            try:
                body = stream.read(length + 4)
            except zlib.error as e:
                raise _inflate_error(path, kind, index, offset, e) from None
            if len(body) < length + 4:
                raise errors.DataLossError(
                    "TFRecord file %s: truncated record #%d at byte offset %d: it needs %d "
                    "data bytes and a 4-byte CRC but the file ends after %d of them. The "
                    "file was cut short (an interrupted write?)."
                    % (path, index, offset, length, len(body)))
            data = body[:length]
            stored, = struct.unpack("<I", body[length:])
            computed = masked_crc32c(data)
            if stored != computed:
                raise errors.DataLossError(
                    "TFRecord file %s: corrupted record #%d at byte offset %d: the CRC32C of "
                    "its %d data bytes does not match (stored 0x%08x, computed 0x%08x). The "
                    "file is damaged." % (path, index, offset, length, stored, computed))
            yield data
            offset += 16 + length
            index += 1


def _inflate_error(path, kind, index, offset, e):
    return errors.DataLossError(
        "TFRecord file %s: cannot decompress it as %s (error: %s) while reading record #%d "
        "(byte offset %d of the decompressed stream). Check compression_type: the file "
        "may be damaged, or compressed differently (try '', 'GZIP' or 'ZLIB')."
        % (path, kind, e, index, offset))
