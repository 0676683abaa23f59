"""Image decoding and encoding: ``tf.io.decode_image`` / ``decode_png`` / ``decode_jpeg`` /
``decode_bmp`` / ``decode_gif``, ``encode_png``, ``encode_jpeg``, ``is_jpeg``.

Decoded images are (height, width, channels) tensors (GIFs: (frames, height, width, 3)),
uint8 unless asked otherwise, with TensorFlow's channel conversions:

- ``channels=0`` keeps the file's channels (a paletted PNG gives RGB, or RGBA when it has
  transparency; a 16-bit PNG decoded to uint8 keeps the high byte of each sample);
- ``channels=1`` gives grey: for PNG ``floor((9798 R + 19235 G + 3735 B) / 32768)``, for
  JPEG the decoder's luma; alpha is dropped;
- ``channels=3`` gives RGB: grey is repeated, alpha dropped;
- ``channels=4`` gives RGBA: an opaque alpha channel is added where there is none.

PNG encoding and BMP decoding are done here in NumPy; JPEG and GIF (and 8-bit PNG
decoding) use Pillow, an optional dependency imported on first use.
"""
import io

import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.core import errors
from ndflow.core.tensor import Tensor
from ndflow.io import _bmp, _png
from ndflow.io._util import _value, bytes_tensor, string_array, to_bytes


def _pil(fn):
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(
            "%s needs Pillow to decode and encode JPEG and GIF images (and to decode 8-bit "
            "PNGs). Install it with: pip install Pillow" % fn) from None
    return Image


def _sniff(data):
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == _png.SIGNATURE:
        return "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:2] == b"BM":
        return "bmp"
    return None


_NAMES = {"jpeg": "JPEG", "png": "PNG", "gif": "GIF", "bmp": "BMP"}


def _bad(fn, fmt, reason):
    return errors.InvalidArgumentError(
        "%s: invalid %s data: %s. The file may be damaged or cut short."
        % (fn, _NAMES[fmt], reason))


def _open(fn, fmt, data):
    Image = _pil(fn)
    try:
        im = Image.open(io.BytesIO(data))
        im.load()
    except Exception as e:  # Pillow raises OSError, SyntaxError, ValueError, ...
        raise _bad(fn, fmt, e) from None
    return im


# ---- channel and dtype conversions --------------------------------------------------
def _gray(rgb):
    """PNG's RGB -> grey: floor((9798 R + 19235 G + 3735 B) / 2**15), like libpng."""
    x = rgb.astype(np.int64)
    g = (9798 * x[..., 0] + 19235 * x[..., 1] + 3735 * x[..., 2]) >> 15
    return g.astype(rgb.dtype)[..., None]


def _set_channels(arr, channels):
    """Convert (..., C) pixels with C in 1-4 to ``channels`` (0 keeps them)."""
    c = arr.shape[-1]
    if channels == 0 or channels == c:
        return arr
    opaque = np.iinfo(arr.dtype).max
    if channels == 1:
        return arr[..., :1] if c <= 2 else _gray(arr[..., :3])
    if channels == 3:
        return np.repeat(arr[..., :1], 3, axis=-1) if c <= 2 else arr[..., :3]
    # channels == 4
    if c == 1:
        alpha = np.full(arr.shape[:-1] + (1,), opaque, dtype=arr.dtype)
        return np.concatenate([np.repeat(arr, 3, axis=-1), alpha], axis=-1)
    if c == 2:
        return np.concatenate([np.repeat(arr[..., :1], 3, axis=-1), arr[..., 1:]], axis=-1)
    alpha = np.full(arr.shape[:-1] + (1,), opaque, dtype=arr.dtype)
    return np.concatenate([arr, alpha], axis=-1)


def _to16(arr):
    return arr if arr.dtype == np.uint16 else arr.astype(np.uint16) * np.uint16(257)


def _to8(arr):
    return arr if arr.dtype == np.uint8 else (arr >> 8).astype(np.uint8)


def _convert_image_dtype(arr, dtype, fn):
    """``tf.image.convert_image_dtype`` from uint8/uint16 pixels to ``dtype``."""
    out = np.dtype(dtype._np)
    in_max = np.iinfo(arr.dtype).max
    if out == arr.dtype:
        return arr
    if out.kind == "f":
        scaled = arr.astype(np.float32) * np.float32(1.0 / in_max)
        if out == np.float64:
            scaled = arr.astype(np.float64) * (1.0 / in_max)
        return scaled.astype(out)
    if out.kind in "iu":
        out_max = np.iinfo(out).max
        if out_max > in_max:
            return arr.astype(out) * out.type((out_max + 1) // (in_max + 1))
        return (arr // ((in_max + 1) // (out_max + 1))).astype(out)
    raise TypeError("%s: dtype must be an integer or floating dtype (uint8, uint16, "
                    "float32, ...), got %s." % (fn, dtype.name))


# ---- per-format decoders ---------------------------------------------------------------
def _png_native(fn, data, want16):
    """PNG pixels with the file's channels: uint16 when ``want16`` (8-bit samples are
    scaled by 257, as libpng does), else uint8."""
    try:
        _, _, depth, color, interlace = _png.header(data)
    except ValueError as e:
        raise _bad(fn, "png", e) from None
    if depth == 16 and color in (0, 2, 4, 6) and not interlace:
        try:
            arr = _png.decode(data)
        except ValueError as e:
            raise _bad(fn, "png", e) from None
    else:
        im = _open(fn, "png", data)
        mode = im.mode
        trns = im.info.get("transparency")
        if mode in ("I", "I;16", "I;16B", "I;16L"):
            arr = np.asarray(im).astype(np.uint16)[..., None]
        elif depth == 16 and want16:
            raise errors.UnimplementedError(
                "%s: cannot decode this interlaced 16-bit colour PNG at 16 bits (Pillow "
                "gives 8). Decode it with dtype=tf.uint8, or save it without interlacing."
                % fn)
        elif mode in ("P", "PA"):
            arr = np.asarray(im.convert("RGBA" if trns is not None or mode == "PA"
                                        else "RGB"))
        elif mode == "1":
            arr = np.asarray(im.convert("L"))[..., None]
        elif mode in ("L", "RGB") and trns is not None:
            px = np.asarray(im)
            px = px[..., None] if px.ndim == 2 else px
            key = np.atleast_1d(np.asarray(trns, dtype=np.int64) & 0xFF)
            alpha = np.where((px == key.astype(np.uint8)).all(axis=-1), 0, 255)
            arr = np.concatenate([px, alpha.astype(np.uint8)[..., None]], axis=-1)
        elif mode in ("L", "LA", "RGB", "RGBA"):
            arr = np.asarray(im)
        else:
            arr = np.asarray(im.convert("RGBA"))
        if arr.ndim == 2:
            arr = arr[..., None]
    return _to16(arr) if want16 else _to8(arr)


def _jpeg_native(fn, data, channels, ratio):
    Image = _pil(fn)
    try:
        im = Image.open(io.BytesIO(data))
        w, h = im.size
        if ratio > 1 or (channels == 1 and im.mode in ("RGB", "YCbCr")):
            # libjpeg decodes straight to luma for grey, and scales by 1/2, 1/4, 1/8 while
            # decoding; Pillow picks the largest scale that keeps at least the size asked
            mode = "L" if channels == 1 and im.mode in ("RGB", "YCbCr") else im.mode
            im.draft(mode, (max(1, w // ratio), max(1, h // ratio)))
        im.load()
        want = (-(-w // ratio), -(-h // ratio))
        if im.size != want:  # a side shorter than ratio: finish with a box filter
            im = im.reduce((-(-im.size[0] // want[0]), -(-im.size[1] // want[1])))
    except Exception as e:
        raise _bad(fn, "jpeg", e) from None
    if im.mode == "L":
        return np.asarray(im)[..., None]
    if im.mode != "RGB":
        im = im.convert("RGB")
    return np.asarray(im)


def _gif_frames(fn, data):
    im = _open(fn, "gif", data)
    frames = []
    try:
        for i in range(getattr(im, "n_frames", 1)):
            im.seek(i)
            frames.append(np.asarray(im.convert("RGB")))
    except Exception as e:
        raise _bad(fn, "gif", e) from None
    return np.stack(frames)


def _bmp_native(fn, data):
    try:
        arr = _bmp.decode(data)
    except ValueError as e:
        raise _bad(fn, "bmp", e) from None
    if arr is None:  # compressed / 16-bit: let Pillow do it
        im = _open(fn, "bmp", data)
        arr = np.asarray(im.convert("RGBA" if "A" in im.mode else "RGB"))
    return arr


def _check_channels(fn, channels):
    channels = 0 if channels is None else _value(channels)
    try:
        c = int(channels)
    except (TypeError, ValueError):
        c = None
    if c not in (0, 1, 3, 4):
        raise errors.InvalidArgumentError(
            "%s: `channels` must be 0 (as in the file), 1 (grey), 3 (RGB) or 4 (RGBA), got "
            "%r." % (fn, channels))
    return c


def _decode(fn, op, contents, channels, want16=False, ratio=1, expand_animations=True):
    """Decode one image; ``op`` is 'image', 'png', 'jpeg', 'bmp' or 'gif'.

    The result is uint8, except for PNG data with ``want16`` (uint16).
    """
    channels = _check_channels(fn, channels)
    data = to_bytes(contents, fn, "contents")
    if not data:
        raise errors.InvalidArgumentError("%s: `contents` is empty (an empty file?)." % fn)
    fmt = _sniff(data)
    if fmt is None:
        raise errors.InvalidArgumentError(
            "%s: unknown image format (the data starts with %r). JPEG, PNG, GIF and BMP "
            "are supported." % (fn, data[:8]))
    if op == "bmp" and fmt != "bmp":
        raise errors.InvalidArgumentError(
            "%s: the data is a %s image, not BMP. Use tf.io.decode_%s or "
            "tf.io.decode_image." % (fn, _NAMES[fmt], fmt))
    if op in ("png", "jpeg", "gif") and fmt == "bmp":
        raise errors.InvalidArgumentError(
            "%s: the data is a BMP image. Use tf.io.decode_bmp or tf.io.decode_image."
            % fn)
    if fmt == "jpeg" and channels == 4:
        raise errors.InvalidArgumentError(
            "%s: JPEG images have 1 or 3 channels, so channels=4 is not supported for "
            "JPEG. Decode with channels=3 and add an alpha channel yourself." % fn)
    if fmt == "bmp" and channels == 1:
        raise errors.InvalidArgumentError(
            "%s: `channels` must be 0, 3 or 4 for BMP, got 1. Decode with channels=3 and "
            "convert with tf.image.rgb_to_grayscale." % fn)
    if (fmt == "gif" or op == "gif") and channels in (1, 4):
        raise errors.InvalidArgumentError(
            "%s: `channels` must be 0 or 3 for GIF, got %d." % (fn, channels))

    if fmt == "gif":
        frames = _gif_frames(fn, data)
        if op in ("png", "jpeg") and frames.shape[0] > 1:
            raise errors.InvalidArgumentError(
                "%s: the data is an animated GIF with %d frames, which only "
                "tf.io.decode_gif and tf.io.decode_image can decode."
                % (fn, frames.shape[0]))
        if op == "gif" or (op == "image" and expand_animations):
            return frames
        return frames[0]
    if fmt == "png":
        arr = _set_channels(_png_native(fn, data, want16), channels)
    elif fmt == "jpeg":
        arr = _set_channels(_jpeg_native(fn, data, channels, ratio), channels)
    else:
        arr = _set_channels(_bmp_native(fn, data), channels)
    if op == "gif":  # decode_gif of a still image: one RGB frame
        return _set_channels(_to8(arr), 3)[None]
    return arr


def _tensor(arr):
    return Tensor(np.ascontiguousarray(arr))


# ---- public decoders -------------------------------------------------------------
def decode_image(contents, channels=None, dtype=_dt.uint8, name=None,
                 expand_animations=True):
    """Decode a BMP, GIF, JPEG or PNG image (the format is detected from the bytes).

    Returns (height, width, channels), or for a GIF (frames, height, width, 3) unless
    ``expand_animations=False`` (then its first frame).  A ``dtype`` other than uint8 is
    reached as ``tf.image.convert_image_dtype`` does (floats in [0, 1]); 16-bit PNGs keep
    their full precision for uint16 and floating dtypes.
    """
    fn = "tf.io.decode_image"
    dtype = _dt.as_dtype(dtype)
    if dtype.name == "uint8":
        return _tensor(_decode(fn, "image", contents, channels,
                               expand_animations=expand_animations))
    data = to_bytes(contents, fn, "contents")
    is_png = _sniff(data) == "png"
    arr = _decode(fn, "image", data, channels, want16=is_png,
                  expand_animations=expand_animations)
    if dtype.name == "uint16" and not is_png:
        return _tensor(_to16_scale(arr))
    return _tensor(_convert_image_dtype(arr, dtype, fn))


def _to16_scale(arr):
    # convert_image_dtype(uint8 -> uint16) multiplies by 256 (PNG's own expansion is 257)
    return arr.astype(np.uint16) * np.uint16(256)


def decode_png(contents, channels=0, dtype=_dt.uint8, name=None):
    """Decode a PNG image (JPEG and still GIF data are decoded too, as in TensorFlow).

    ``dtype`` is uint8 or uint16 (8-bit files are scaled by 257 for uint16; 16-bit files
    keep their high byte for uint8).
    """
    fn = "tf.io.decode_png"
    dtype = _dt.as_dtype(dtype)
    if dtype.name not in ("uint8", "uint16"):
        raise errors.InvalidArgumentError(
            "%s: dtype must be tf.uint8 or tf.uint16, got %s. Use tf.io.decode_image for "
            "floating output." % (fn, dtype.name))
    data = to_bytes(contents, fn, "contents")
    want16 = dtype.name == "uint16"
    if want16 and _sniff(data) != "png":
        return _tensor(_to16_scale(_decode(fn, "png", data, channels)))
    return _tensor(_decode(fn, "png", data, channels, want16=want16))


def decode_jpeg(contents, channels=0, ratio=1, fancy_upscaling=True,
                try_recover_truncated=False, acceptable_fraction=1, dct_method="",
                name=None):
    """Decode a JPEG image to uint8 (PNG and still GIF data are decoded too).

    ``ratio`` (1, 2, 4 or 8) downscales while decoding.  ``fancy_upscaling``,
    ``try_recover_truncated``, ``acceptable_fraction`` and ``dct_method`` are accepted for
    compatibility; Pillow's libjpeg settings are used, so pixels may differ from
    TensorFlow's by a few levels.
    """
    fn = "tf.io.decode_jpeg"
    if ratio not in (1, 2, 4, 8):
        raise errors.InvalidArgumentError(
            "%s: ratio must be 1, 2, 4 or 8, got %r." % (fn, ratio))
    return _tensor(_decode(fn, "jpeg", contents, channels, ratio=ratio))


def decode_bmp(contents, channels=0, name=None):
    """Decode a BMP image to uint8 (channels 0, 3 or 4)."""
    return _tensor(_decode("tf.io.decode_bmp", "bmp", contents, channels))


def decode_gif(contents, name=None):
    """Decode all frames of a GIF: (frames, height, width, 3) uint8.  PNG and JPEG data
    give one frame."""
    return _tensor(_decode("tf.io.decode_gif", "gif", contents, 0))


def is_jpeg(contents, name=None):
    """True where the string starts with the JPEG signature ``\\xff\\xd8\\xff``."""
    arr = string_array(contents, "tf.io.is_jpeg", "contents")
    out = np.zeros(arr.shape, dtype=np.bool_)
    for idx in np.ndindex(arr.shape):
        out[idx] = arr[idx][:3] == b"\xff\xd8\xff"
    return Tensor(out)


# ---- encoders ----------------------------------------------------------------------
def _image_array(image, fn, allowed):
    """``image`` as a NumPy array of one of ``allowed`` dtypes (names)."""
    v = _value(image)
    if isinstance(image, Tensor) or (isinstance(v, np.ndarray) and v is not image):
        arr = v
        if arr.dtype.name not in allowed:
            raise errors.InvalidArgumentError(
                "%s: image must have dtype %s, got %s. Convert it first, for example with "
                "tf.image.convert_image_dtype(image, tf.%s, saturate=True)."
                % (fn, " or ".join(allowed), _dt.from_numpy(arr.dtype).name, allowed[0]))
        return arr
    arr = np.asarray(v)
    if arr.dtype.name in allowed:
        return arr
    if arr.dtype.kind in "iuf" and arr.size:
        target = np.dtype(allowed[0])
        info = np.iinfo(target)
        if (np.all(arr == np.round(arr)) and arr.min() >= info.min
                and arr.max() <= info.max):
            return arr.astype(target)
    raise errors.InvalidArgumentError(
        "%s: image must be a %s array (whole numbers in [0, %d]), got dtype %s."
        % (fn, " or ".join(allowed), np.iinfo(np.dtype(allowed[0])).max, arr.dtype))


def encode_png(image, compression=-1, name=None):
    """PNG-encode a uint8 or uint16 image (height, width, channels), 1-4 channels.

    A batch (..., height, width, channels) gives a string tensor of the batch's shape.
    ``compression`` is the zlib level, -1 (default) or 0-9.  Needs no Pillow.
    """
    fn = "tf.io.encode_png"
    arr = _image_array(image, fn, ("uint8", "uint16"))
    if arr.ndim < 3:
        raise errors.InvalidArgumentError(
            "%s: image must have rank 3 (height, width, channels), got shape %s. Add a "
            "channel axis with tf.expand_dims(image, -1)." % (fn, list(arr.shape)))
    if arr.shape[-1] not in (1, 2, 3, 4):
        raise errors.InvalidArgumentError(
            "%s: image must have 1, 2, 3 or 4 channels, got %d (shape %s)."
            % (fn, arr.shape[-1], list(arr.shape)))
    if not -1 <= int(compression) <= 9:
        raise errors.InvalidArgumentError(
            "%s: compression must be in [-1, 9], got %r." % (fn, compression))
    if arr.shape[-3] == 0 or arr.shape[-2] == 0:
        raise errors.InvalidArgumentError(
            "%s: cannot encode an empty image (shape %s)." % (fn, list(arr.shape)))
    if arr.ndim == 3:
        return bytes_tensor(_png.encode(arr, int(compression)))
    batch = arr.shape[:-3]
    out = np.empty(batch, dtype=object)
    for idx in np.ndindex(batch):
        out[idx] = _png.encode(arr[idx], int(compression))
    return Tensor(out)


def encode_jpeg(image, format="", quality=95, progressive=False, optimize_size=False,
                chroma_downsampling=True, density_unit="in", x_density=300, y_density=300,
                xmp_metadata="", name=None):
    """JPEG-encode a uint8 image (height, width, 1 or 3 channels) with Pillow.

    ``format`` '' picks grayscale or RGB from the channels; 'grayscale' and 'rgb' require
    1 and 3 channels.  ``quality`` is 0-100; ``chroma_downsampling=False`` keeps full
    colour resolution (4:4:4).
    """
    fn = "tf.io.encode_jpeg"
    arr = _image_array(image, fn, ("uint8",))
    if arr.ndim != 3:
        raise errors.InvalidArgumentError(
            "%s: image must have rank 3 (height, width, channels), got shape %s."
            % (fn, list(arr.shape)))
    c = arr.shape[-1]
    if format not in ("", "grayscale", "rgb"):
        raise errors.InvalidArgumentError(
            "%s: format must be '', 'grayscale' or 'rgb', got %r." % (fn, format))
    if c not in (1, 3):
        raise errors.InvalidArgumentError(
            "%s: image must have 1 or 3 channels, got %d (shape %s). Drop an alpha channel "
            "with image[..., :3]." % (fn, c, list(arr.shape)))
    if format and c != {"grayscale": 1, "rgb": 3}[format]:
        raise errors.InvalidArgumentError(
            "%s: format %r expects %d channels, got %d." % (
                fn, format, {"grayscale": 1, "rgb": 3}[format], c))
    if not 0 <= int(quality) <= 100:
        raise errors.InvalidArgumentError(
            "%s: quality must be in [0, 100], got %r." % (fn, quality))
    if density_unit not in ("in", "cm"):
        raise errors.InvalidArgumentError(
            "%s: density_unit must be 'in' or 'cm', got %r." % (fn, density_unit))
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise errors.InvalidArgumentError(
            "%s: cannot encode an empty image (shape %s)." % (fn, list(arr.shape)))
    Image = _pil(fn)
    im = Image.fromarray(np.ascontiguousarray(arr[..., 0] if c == 1 else arr),
                         "L" if c == 1 else "RGB")
    scale = 2.54 if density_unit == "cm" else 1.0
    opts = dict(quality=max(int(quality), 1), progressive=bool(progressive),
                optimize=bool(optimize_size),
                dpi=(int(round(x_density * scale)), int(round(y_density * scale))))
    if c == 3:
        opts["subsampling"] = 2 if chroma_downsampling else 0
    if xmp_metadata:
        opts["xmp"] = xmp_metadata.encode("utf-8") if isinstance(
            xmp_metadata, str) else bytes(xmp_metadata)
    buf = io.BytesIO()
    im.save(buf, "JPEG", **opts)
    return bytes_tensor(buf.getvalue())
