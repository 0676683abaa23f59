"""The two string hashes behind ``tf.strings.to_hash_bucket_fast`` / ``_strong`` and Keras's
``Hashing`` and lookup layers, in pure Python (a plain module: no ops).

* ``fingerprint64(data)`` -- Google's FarmHash "Fingerprint64" (the ``na`` variant of
  FarmHash's 64-bit hash).  ``tf.strings.to_hash_bucket_fast(s, n)`` is
  ``fingerprint64(utf8(s)) % n``.
* ``siphash24(data, k0, k1)`` -- SipHash-2-4 with the 128-bit key given as two 64-bit
  words, 64-bit output.  ``tf.strings.to_hash_bucket_strong(s, n, key=[k0, k1])`` is
  ``siphash24(utf8(s), k0, k1) % n``.

Both are fixed, portable functions of the bytes: the same input gives the same value on
every machine and in every process, which is what makes hashed bins stable between a
model trained with TensorFlow and the same model loaded into ndflow.

Python integers are unbounded, so every sum, product and shift that can exceed 64 bits is
reduced with ``& _M`` (arithmetic modulo 2**64, as C's ``uint64_t`` does).
"""
import struct

__all__ = ["fingerprint64", "siphash24", "to_bytes"]

_M = 0xFFFFFFFFFFFFFFFF

# FarmHash's mixing constants (large odd numbers with well-spread bits).
_K0 = 0xC3A5C85C97CB3127
_K1 = 0xB492B66FBE98F273
_K2 = 0x9AE16A3B2F90404F

_u64 = struct.Struct("<Q").unpack_from
_u32 = struct.Struct("<I").unpack_from


def to_bytes(value):
    """The bytes TensorFlow hashes for ``value``: UTF-8 of a string, bytes as they are,
    the decimal text of an integer (``tf.as_string``)."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    return str(value).encode("utf-8")


# ---- FarmHash Fingerprint64 -------------------------------------------------------------

def _ror(v, n):
    """Rotate a 64-bit value right by ``n`` bits (0 < n < 64)."""
    return ((v >> n) | (v << (64 - n))) & _M


def _shift_mix(v):
    return v ^ (v >> 47)


def _mix16(u, v, mul):
    """Folds two 64-bit words into one (a Murmur-like multiply/xor-shift)."""
    a = ((u ^ v) * mul) & _M
    a ^= a >> 47
    b = ((v ^ a) * mul) & _M
    b ^= b >> 47
    return (b * mul) & _M


def _fp_0_to_16(s, n):
    if n >= 8:
        mul = _K2 + 2 * n
        a = (_u64(s, 0)[0] + _K2) & _M
        b = _u64(s, n - 8)[0]
        c = (_ror(b, 37) * mul + a) & _M
        d = ((_ror(a, 25) + b) * mul) & _M
        return _mix16(c, d, mul)
    if n >= 4:
        mul = _K2 + 2 * n
        first = _u32(s, 0)[0]
        last = _u32(s, n - 4)[0]
        return _mix16(n + (first << 3), last, mul)
    if n > 0:
        # first, middle and last byte; both halves stay within 32 bits
        y = s[0] + (s[n >> 1] << 8)
        z = n + (s[n - 1] << 2)
        return (_shift_mix(((y * _K2) ^ (z * _K0)) & _M) * _K2) & _M
    return _K2


def _fp_17_to_32(s, n):
    mul = _K2 + 2 * n
    a = (_u64(s, 0)[0] * _K1) & _M
    b = _u64(s, 8)[0]
    c = (_u64(s, n - 8)[0] * mul) & _M
    d = (_u64(s, n - 16)[0] * _K2) & _M
    return _mix16((_ror((a + b) & _M, 43) + _ror(c, 30) + d) & _M,
                  (a + _ror((b + _K2) & _M, 18) + c) & _M, mul)


def _fp_33_to_64(s, n):
    mul = _K2 + 2 * n
    a = (_u64(s, 0)[0] * _K2) & _M
    b = _u64(s, 8)[0]
    c = (_u64(s, n - 8)[0] * mul) & _M
    d = (_u64(s, n - 16)[0] * _K2) & _M
    y = (_ror((a + b) & _M, 43) + _ror(c, 30) + d) & _M
    z = _mix16(y, (a + _ror((b + _K2) & _M, 18) + c) & _M, mul)
    e = (_u64(s, 16)[0] * mul) & _M
    f = _u64(s, 24)[0]
    g = ((y + _u64(s, n - 32)[0]) * mul) & _M
    h = ((z + _u64(s, n - 24)[0]) * mul) & _M
    return _mix16((_ror((e + f) & _M, 43) + _ror(g, 30) + h) & _M,
                  (e + _ror((f + a) & _M, 18) + g) & _M, mul)


def _weak32(s, off, a, b):
    """Mixes the 32 bytes at ``s[off:off+32]`` into the pair (a, b); returns a new pair."""
    w, x, y, z = struct.unpack_from("<4Q", s, off)
    a = (a + w) & _M
    b = _ror((b + a + z) & _M, 21)
    c = a
    a = (a + x + y) & _M
    b = (b + _ror(a, 44)) & _M
    return (a + z) & _M, (b + c) & _M


def _fp_long(s, n):
    """More than 64 bytes: 64-byte blocks through a 56-byte state, then the last 64 bytes."""
    seed = 81
    x = seed
    y = (seed * _K1 + 113) & _M
    z = (_shift_mix((y * _K2 + 113) & _M) * _K2) & _M
    v0 = v1 = w0 = w1 = 0
    x = (x * _K2 + _u64(s, 0)[0]) & _M
    end = ((n - 1) // 64) * 64          # offset just past the last whole block we loop on
    tail = end + ((n - 1) & 63) - 63    # the final 64 bytes (may overlap the last block)
    pos = 0
    while True:
        x = (_ror((x + y + v0 + _u64(s, pos + 8)[0]) & _M, 37) * _K1) & _M
        y = (_ror((y + v1 + _u64(s, pos + 48)[0]) & _M, 42) * _K1) & _M
        x ^= w1
        y = (y + v0 + _u64(s, pos + 40)[0]) & _M
        z = (_ror((z + w0) & _M, 33) * _K1) & _M
        v0, v1 = _weak32(s, pos, (v1 * _K1) & _M, (x + w0) & _M)
        w0, w1 = _weak32(s, pos + 32, (z + w1) & _M, (y + _u64(s, pos + 16)[0]) & _M)
        x, z = z, x
        pos += 64
        if pos == end:
            break
    mul = _K1 + ((z & 0xFF) << 1)
    pos = tail
    w0 = (w0 + ((n - 1) & 63)) & _M
    v0 = (v0 + w0) & _M
    w0 = (w0 + v0) & _M
    x = (_ror((x + y + v0 + _u64(s, pos + 8)[0]) & _M, 37) * mul) & _M
    y = (_ror((y + v1 + _u64(s, pos + 48)[0]) & _M, 42) * mul) & _M
    x ^= (w1 * 9) & _M
    y = (y + v0 * 9 + _u64(s, pos + 40)[0]) & _M
    z = (_ror((z + w0) & _M, 33) * mul) & _M
    v0, v1 = _weak32(s, pos, (v1 * mul) & _M, (x + w0) & _M)
    w0, w1 = _weak32(s, pos + 32, (z + w1) & _M, (y + _u64(s, pos + 16)[0]) & _M)
    x, z = z, x
    return _mix16((_mix16(v0, w0, mul) + _shift_mix(y) * _K0 + z) & _M,
                  (_mix16(v1, w1, mul) + x) & _M, mul)


def fingerprint64(data):
    """FarmHash Fingerprint64 of ``data`` (bytes, or a str hashed as UTF-8): an int in
    ``[0, 2**64)``."""
    s = to_bytes(data)
    n = len(s)
    if n <= 16:
        return _fp_0_to_16(s, n)
    if n <= 32:
        return _fp_17_to_32(s, n)
    if n <= 64:
        return _fp_33_to_64(s, n)
    return _fp_long(s, n)


# ---- SipHash-2-4 ------------------------------------------------------------------------

def _rol(v, n):
    """Rotate a 64-bit value left by ``n`` bits (0 < n < 64)."""
    return ((v << n) | (v >> (64 - n))) & _M


def _sip_rounds(v0, v1, v2, v3, count):
    """``count`` SipRounds (add, rotate, xor) on the four state words."""
    for _ in range(count):
        v0 = (v0 + v1) & _M
        v1 = _rol(v1, 13) ^ v0
        v0 = _rol(v0, 32)
        v2 = (v2 + v3) & _M
        v3 = _rol(v3, 16) ^ v2
        v0 = (v0 + v3) & _M
        v3 = _rol(v3, 21) ^ v0
        v2 = (v2 + v1) & _M
        v1 = _rol(v1, 17) ^ v2
        v2 = _rol(v2, 32)
    return v0, v1, v2, v3


def siphash24(data, k0, k1):
    """SipHash-2-4 of ``data`` (bytes, or a str hashed as UTF-8) under the key ``(k0, k1)``
    (two unsigned 64-bit words; negative ints are taken modulo 2**64): an int in
    ``[0, 2**64)``."""
    s = to_bytes(data)
    k0 &= _M
    k1 &= _M
    n = len(s)
    whole = n - (n & 7)
    # the message as 64-bit little-endian words; the last one holds the 0-7 leftover
    # bytes with the length's low byte in its top byte
    words = list(struct.unpack_from("<%dQ" % (whole // 8), s))
    words.append(int.from_bytes(s[whole:], "little") | ((n & 0xFF) << 56))
    # the four state words start as the key xor-ed with "somepseudorandomlygeneratedbytes"
    v0 = k0 ^ 0x736F6D6570736575
    v1 = k1 ^ 0x646F72616E646F6D
    v2 = k0 ^ 0x6C7967656E657261
    v3 = k1 ^ 0x7465646279746573
    for m in words:                     # compression: 2 rounds per word
        v3 ^= m
        v0, v1, v2, v3 = _sip_rounds(v0, v1, v2, v3, 2)
        v0 ^= m
    v2 ^= 0xFF                          # finalisation: 4 rounds
    v0, v1, v2, v3 = _sip_rounds(v0, v1, v2, v3, 4)
    return v0 ^ v1 ^ v2 ^ v3
