"""A PNG encoder (NumPy + zlib) and a decoder for non-interlaced, non-palette PNGs.

The decoder serves 16-bit images, which Pillow only returns at 8 bits per channel when they
have colour; 8-bit images go through Pillow's faster C decoder.
"""
import struct
import zlib

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_COLOR_TYPE = {1: 0, 2: 4, 3: 2, 4: 6}   # channels -> PNG colour type
_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}     # colour type -> channels (palette excluded)


class PNGError(ValueError):
    pass


def _chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def _filter_rows(raw, bpp):
    """Filter each row with the PNG filter (None, Sub, Up, Average, Paeth) whose output
    has the smallest sum of absolute values (read as signed bytes), as libpng does."""
    x = raw.astype(np.int16)
    a = np.zeros_like(x)
    a[:, bpp:] = x[:, :-bpp]
    b = np.zeros_like(x)
    b[1:] = x[:-1]
    c = np.zeros_like(x)
    c[1:, bpp:] = x[:-1, :-bpp]
    p = a + b - c
    pa, pb, pc = np.abs(p - a), np.abs(p - b), np.abs(p - c)
    paeth = np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))
    cands = np.stack([x, x - a, x - b, x - (a + b) // 2, x - paeth]).astype(np.uint8)
    signed = cands.view(np.int8).astype(np.int32)
    best = np.abs(signed).sum(axis=2).argmin(axis=0)  # one filter per row
    rows = cands[best, np.arange(raw.shape[0])]
    return np.concatenate([best.astype(np.uint8)[:, None], rows], axis=1)


def encode(image, level=-1):
    """PNG bytes of ``image``: (height, width, channels) uint8 or uint16, 1-4 channels."""
    h, w, c = image.shape
    depth = 16 if image.dtype == np.uint16 else 8
    if depth == 16:
        raw = np.ascontiguousarray(image, dtype=">u2").view(np.uint8).reshape(h, w * c * 2)
    else:
        raw = np.ascontiguousarray(image, dtype=np.uint8).reshape(h, w * c)
    rows = _filter_rows(raw, c * depth // 8)
    header = struct.pack(">IIBBBBB", w, h, depth, _COLOR_TYPE[c], 0, 0, 0)
    return b"".join((SIGNATURE, _chunk(b"IHDR", header),
                     _chunk(b"IDAT", zlib.compress(rows.tobytes(), level)),
                     _chunk(b"IEND", b"")))


def header(data):
    """``(width, height, bit_depth, color_type, interlace)`` from the IHDR chunk."""
    if len(data) < 33 or data[:8] != SIGNATURE or data[12:16] != b"IHDR":
        raise PNGError("the PNG header is missing or damaged")
    w, h, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", data[16:29])
    return w, h, depth, color, interlace


def _unfilter(data, h, stride, bpp):
    out = np.empty((h, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.uint8)
    pos = 0
    for i in range(h):
        ft = data[pos]
        line = np.frombuffer(data, dtype=np.uint8, count=stride, offset=pos + 1)
        pos += stride + 1
        if ft == 0:
            cur = line
        elif ft == 1:    # Sub: running sum of every bpp-th byte
            cur = (np.cumsum(line.reshape(-1, bpp), axis=0, dtype=np.int64) & 0xFF
                   ).astype(np.uint8).reshape(-1)
        elif ft == 2:    # Up
            cur = line + prev
        elif ft in (3, 4):  # Average / Paeth: each byte needs the one decoded before it
            cur = bytearray(line.tobytes())
            up = prev.tobytes()
            if ft == 3:
                for j in range(stride):
                    left = cur[j - bpp] if j >= bpp else 0
                    cur[j] = (cur[j] + ((left + up[j]) >> 1)) & 0xFF
            else:
                for j in range(stride):
                    if j >= bpp:
                        left, ul = cur[j - bpp], up[j - bpp]
                    else:
                        left = ul = 0
                    above = up[j]
                    p = left + above - ul
                    pa, pb, pc = abs(p - left), abs(p - above), abs(p - ul)
                    pred = left if pa <= pb and pa <= pc else (above if pb <= pc else ul)
                    cur[j] = (cur[j] + pred) & 0xFF
            cur = np.frombuffer(bytes(cur), dtype=np.uint8)
        else:
            raise PNGError("row %d has an unknown filter type %d" % (i, ft))
        out[i] = cur
        prev = out[i]
    return out


def decode(data):
    """Decode a non-interlaced greyscale/RGB(A) PNG of bit depth 8 or 16.

    Returns (height, width, channels) uint8 or uint16; a ``tRNS`` colour key becomes an
    alpha channel (0 where the pixel equals the key).
    """
    w, h, depth, color, interlace = header(data)
    if color not in _CHANNELS or depth not in (8, 16) or interlace:
        raise PNGError("this decoder handles non-interlaced greyscale/RGB(A) PNGs of 8 or 16 "
                       "bits only")
    channels = _CHANNELS[color]
    idat = []
    trns = None
    pos = 8
    while pos + 12 <= len(data):
        length, = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        crc = data[pos + 8 + length:pos + 12 + length]
        if len(body) < length or len(crc) < 4:
            raise PNGError("the %s chunk is cut short" % kind.decode("latin-1"))
        if struct.unpack(">I", crc)[0] != zlib.crc32(kind + body) & 0xFFFFFFFF:
            raise PNGError("the CRC of the %s chunk does not match" % kind.decode("latin-1"))
        if kind == b"IDAT":
            idat.append(body)
        elif kind == b"tRNS":
            trns = body
        elif kind == b"IEND":
            break
        pos += 12 + length
    item = depth // 8
    stride = w * channels * item
    try:
        raw = zlib.decompress(b"".join(idat))
    except zlib.error as e:
        raise PNGError("the image data cannot be decompressed (%s)" % e) from None
    if len(raw) < h * (stride + 1):
        raise PNGError("the image data is cut short")
    rows = _unfilter(raw, h, stride, channels * item)
    if depth == 16:
        img = rows.view(">u2").astype(np.uint16).reshape(h, w, channels)
    else:
        img = rows.reshape(h, w, channels)
    if trns is not None and color in (0, 2):
        key = np.frombuffer(trns[:2 * channels], dtype=">u2").astype(np.int64)
        if depth == 8:
            key = key & 0xFF
        opaque = np.iinfo(img.dtype).max
        alpha = np.where((img == key.astype(img.dtype)).all(axis=-1), 0, opaque)
        img = np.concatenate([img, alpha.astype(img.dtype)[..., None]], axis=-1)
    return img
