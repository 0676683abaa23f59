"""``tf.io.encode_base64``, ``tf.io.decode_base64``, ``tf.io.decode_compressed``:
element-wise on string tensors of any shape."""
import base64
import binascii
import zlib

import numpy as np

from ndflow.core import errors
from ndflow.core.tensor import Tensor
from ndflow.io._util import string_array


def _map(fn_name, x, f):
    arr = string_array(x, fn_name, "input")
    out = np.empty(arr.shape, dtype=object)
    for idx in np.ndindex(arr.shape):
        out[idx] = f(arr[idx])
    return Tensor(out)


def encode_base64(input, pad=False, name=None):
    """Web-safe base64 (``-`` and ``_`` for ``+`` and ``/``); ``=`` padding only with
    ``pad=True``."""
    def enc(b):
        s = base64.urlsafe_b64encode(b)
        return s if pad else s.rstrip(b"=")
    return _map("tf.io.encode_base64", input, enc)


def decode_base64(input, name=None):
    """Inverse of ``encode_base64`` (padding optional)."""
    def dec(b):
        s = b.strip()
        if s.strip(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_="):
            raise errors.InvalidArgumentError(
                "tf.io.decode_base64: invalid character found in %r: web-safe base64 uses "
                "A-Z, a-z, 0-9, '-' and '_' (and '=' padding)." % (b[:40],))
        s = s.rstrip(b"=")
        try:
            return base64.urlsafe_b64decode(s + b"=" * (-len(s) % 4))
        except (binascii.Error, ValueError) as e:
            raise errors.InvalidArgumentError(
                "tf.io.decode_base64: cannot decode %r: %s" % (b[:40], e)) from None
    return _map("tf.io.decode_base64", input, dec)


def decode_compressed(bytes, compression_type="", name=None):
    """Decompress each string: ``compression_type`` is ``''`` (no-op), ``'ZLIB'`` or
    ``'GZIP'``."""
    kind = (compression_type or "").upper()
    if kind not in ("", "NONE", "ZLIB", "GZIP"):
        raise errors.InvalidArgumentError(
            "tf.io.decode_compressed: compression_type must be '', 'ZLIB' or 'GZIP', got %r."
            % (compression_type,))
    bits = 31 if kind == "GZIP" else 15

    def dec(b):
        if kind in ("", "NONE"):
            return b
        try:
            z = zlib.decompressobj(bits)
            out = z.decompress(b) + z.flush()
        except zlib.error as e:
            raise errors.DataLossError(
                "tf.io.decode_compressed: cannot decompress the data as %s: %s. Check "
                "compression_type." % (kind, e)) from None
        if not z.eof:
            raise errors.DataLossError(
                "tf.io.decode_compressed: the %s data ends before the end of its compressed "
                "stream (it was cut short)." % kind)
        return out
    return _map("tf.io.decode_compressed", bytes, dec)
