"""A decoder for uncompressed BMP files (1, 4, 8, 24 and 32 bits per pixel), in NumPy.

Like TensorFlow: 24-bit files give RGB, 32-bit files give RGBA (the fourth byte is the
alpha channel), and 8-bit files whose palette is grey give one channel.  Other paletted
files give the palette's RGB colours.  Compressed (RLE) and 16-bit files return None, so
that the caller can fall back on Pillow.
"""
import struct

import numpy as np


class BMPError(ValueError):
    pass


def decode(data):
    if len(data) < 26 or data[:2] != b"BM":
        raise BMPError("the BMP header is missing or damaged")
    offset, hsize = struct.unpack("<II", data[10:18])
    if hsize == 12:
        w, h, _, bpp = struct.unpack("<HhHH", data[18:26])
        comp, ncolors, entry = 0, 0, 3
    elif hsize >= 40 and len(data) >= 54:
        w, h, _, bpp, comp = struct.unpack("<iiHHI", data[18:34])
        ncolors, = struct.unpack("<I", data[46:50])
        entry = 4
    else:
        raise BMPError("unknown BMP header size %d" % hsize)
    if w <= 0 or h == 0:
        raise BMPError("the image is empty (%d x %d)" % (w, h))
    if comp == 3 and bpp == 32 and len(data) >= 66:
        masks = struct.unpack("<III", data[54:66])
        if masks != (0x00FF0000, 0x0000FF00, 0x000000FF):
            return None
    elif comp != 0 or bpp not in (1, 4, 8, 24, 32):
        return None
    top_down = h < 0
    h = abs(h)
    stride = (bpp * w + 31) // 32 * 4
    if len(data) < offset + stride * h:
        raise BMPError("the pixel data is cut short: %d bytes, %d needed"
                       % (len(data) - offset, stride * h))
    rows = np.frombuffer(data, dtype=np.uint8, count=stride * h, offset=offset)
    rows = rows.reshape(h, stride)
    if not top_down:
        rows = rows[::-1]
    if bpp == 24:
        return np.ascontiguousarray(rows[:, :w * 3].reshape(h, w, 3)[..., ::-1])
    if bpp == 32:
        return np.ascontiguousarray(rows[:, :w * 4].reshape(h, w, 4)[..., [2, 1, 0, 3]])
    if bpp == 8:
        idx = rows[:, :w]
    elif bpp == 4:
        idx = np.stack([rows >> 4, rows & 0x0F], axis=-1).reshape(h, -1)[:, :w]
    else:
        idx = np.unpackbits(rows, axis=1)[:, :w]
    count = ncolors or (1 << bpp)
    start = 14 + hsize
    pal = np.frombuffer(data, dtype=np.uint8, count=count * entry, offset=start)
    pal = pal.reshape(count, entry)[:, 2::-1]  # BGR(X) -> RGB
    if int(idx.max()) >= count:
        raise BMPError("a pixel refers to colour %d of a %d-colour palette"
                       % (int(idx.max()), count))
    rgb = pal[idx]
    if bpp == 8 and (pal[:, 0] == pal[:, 1]).all() and (pal[:, 1] == pal[:, 2]).all():
        return np.ascontiguousarray(rgb[..., :1])
    return rgb
