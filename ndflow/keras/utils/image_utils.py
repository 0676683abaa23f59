"""Image files and arrays: ``load_img``, ``img_to_array``, ``array_to_img``, ``save_img``
(``keras.utils``) and ``smart_resize`` (``keras.preprocessing.image``).

Images are Pillow ``Image`` objects on the file side and NumPy arrays (height, width,
channels) on the array side; Pillow is imported on first use (``pip install Pillow``).
"""
import io
import os
import warnings

import numpy as np

from ndflow.ops.image_ops import resize_images as _resize_images

__all__ = ["load_img", "img_to_array", "array_to_img", "save_img", "smart_resize"]

# the resampling filters of Pillow that load_img accepts, by their Keras names
_PIL_FILTERS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")


def _pil(fn):
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("keras.utils.%s needs Pillow to read and write images: "
                          "pip install Pillow" % fn) from None
    return Image


def _data_format(data_format, fn):
    if data_format is None:
        from ndflow.keras.backend import image_data_format
        data_format = image_data_format()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError("%s: data_format must be 'channels_last' or 'channels_first', got %r."
                         % (fn, data_format))
    return data_format


def _floatx(dtype):
    if dtype is not None:
        return getattr(dtype, "name", dtype)
    from ndflow.keras.backend import floatx
    return floatx()


def img_to_array(img, data_format=None, dtype=None):
    """A Pillow image (or anything array-like) as a float array: (height, width, channels),
    or (channels, height, width) with ``data_format='channels_first'``; a 2-D (grayscale)
    image gets a channel axis of 1."""
    fmt = _data_format(data_format, "img_to_array")
    x = np.asarray(img, dtype=_floatx(dtype))
    if x.ndim == 3:
        return x.transpose(2, 0, 1) if fmt == "channels_first" else x
    if x.ndim == 2:
        return x[None] if fmt == "channels_first" else x[..., None]
    raise ValueError("img_to_array: expected an image of rank 2 (height, width) or 3 "
                     "(height, width, channels), got shape %s." % (x.shape,))


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A (height, width, channels) array (1, 3 or 4 channels) as a Pillow image.  With
    ``scale=True`` the values are first stretched to 0-255 (minimum to 0, maximum to 255)."""
    Image = _pil("array_to_img")
    fmt = _data_format(data_format, "array_to_img")
    x = np.array(getattr(x, "_value", x), dtype=_floatx(dtype))
    if x.ndim != 3:
        raise ValueError("array_to_img: expected one image of rank 3 (height, width, "
                         "channels), got an array of shape %s; for a batch, pass x[i]."
                         % (x.shape,))
    if fmt == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        top = np.max(x)
        if top != 0:
            x = x / top
        x = x * 255
    channels = x.shape[2]
    if channels == 4:
        return Image.fromarray(x.astype("uint8"), "RGBA")
    if channels == 3:
        return Image.fromarray(x.astype("uint8"), "RGB")
    if channels == 1:
        if np.max(x) > 255:     # 32-bit integer greyscale
            return Image.fromarray(x[:, :, 0].astype("int32"), "I")
        return Image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError("array_to_img: images need 1, 3 or 4 channels, got %d (shape %s)."
                     % (channels, x.shape))


def _crop_to_aspect(img, target_w, target_h):
    w, h = img.size
    crop_h = min(h, (w * target_h) // target_w)
    crop_w = min(w, (h * target_w) // target_h)
    top = (h - crop_h) // 2
    left = (w - crop_w) // 2
    return img.crop((left, top, left + crop_w, top + crop_h))


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest",
             keep_aspect_ratio=False):
    """Open an image file (a path or a binary file object) as a Pillow image in
    ``color_mode`` ('rgb', 'rgba' or 'grayscale'), resized to ``target_size`` = (height,
    width) with Pillow's ``interpolation`` filter; ``keep_aspect_ratio`` first crops the
    centre to the target's aspect ratio."""
    Image = _pil("load_img")
    if isinstance(path, io.BytesIO) or hasattr(path, "read"):
        img = Image.open(path)
    elif isinstance(path, (str, bytes, os.PathLike)):
        with open(os.fsdecode(path), "rb") as f:
            img = Image.open(io.BytesIO(f.read()))
    else:
        raise TypeError("load_img: path must be a file path or a binary file object, got %s."
                        % type(path).__name__)
    if color_mode == "grayscale":
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif color_mode == "rgba":
        if img.mode != "RGBA":
            img = img.convert("RGBA")
    elif color_mode == "rgb":
        if img.mode != "RGB":
            img = img.convert("RGB")
    else:
        raise ValueError("load_img: color_mode must be 'grayscale', 'rgb' or 'rgba', got %r."
                         % (color_mode,))
    if target_size is not None:
        size = (int(target_size[1]), int(target_size[0]))     # Pillow wants (width, height)
        if img.size != size:
            if interpolation not in _PIL_FILTERS:
                raise ValueError("load_img: interpolation must be one of %s, got %r."
                                 % (", ".join(repr(m) for m in _PIL_FILTERS), interpolation))
            resample = getattr(Image, "Resampling", Image)
            resample = getattr(resample, interpolation.upper())
            if keep_aspect_ratio:
                img = _crop_to_aspect(img, size[0], size[1])
            img = img.resize(size, resample)
    return img


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Save a (height, width, channels) array as an image file (the format from
    ``file_format`` or the file name's extension); extra keywords go to Pillow's
    ``Image.save`` (``quality=90``)."""
    img = array_to_img(x, data_format=data_format, scale=scale)
    if file_format is not None and str(file_format).lower() == "jpg":
        file_format = "jpeg"
    is_jpeg = (str(file_format).lower() == "jpeg" if file_format is not None else
               os.fspath(path).lower().endswith((".jpg", ".jpeg"))
               if isinstance(path, (str, os.PathLike)) else False)
    if img.mode == "RGBA" and is_jpeg:
        warnings.warn("save_img: JPEG has no alpha channel; saving the RGBA image as RGB.",
                      stacklevel=2)
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


def smart_resize(x, size, interpolation="bilinear", data_format="channels_last"):
    """Resize an image (or a batch) to ``size`` = (height, width) without distorting it:
    the largest centred window with the target's aspect ratio is cropped, then resized
    (as ``keras.preprocessing.image.smart_resize``).  Returns float32 values."""
    if len(size) != 2:
        raise ValueError("smart_resize: size must be (height, width), got %r." % (size,))
    fmt = _data_format(data_format, "smart_resize")
    from ndflow.core.tensor import Tensor
    is_tensor = isinstance(x, Tensor)
    arr = x if is_tensor else np.asarray(x)
    out = _resize_images(arr, tuple(int(s) for s in size), interpolation, fmt,
                         crop_to_aspect_ratio=True, name="smart_resize")
    return out if is_tensor else np.asarray(out._value)
