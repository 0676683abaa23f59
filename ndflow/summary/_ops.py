"""``tf.summary.scalar`` / ``histogram`` / ``image`` / ``text`` / ``write``.

Each returns a boolean tensor: True when the summary was written, False when nothing is
recorded (no default writer, a no-op writer, or ``record_if`` false). The data is
converted only when it is recorded (``scalar`` checks its shape always, as TensorFlow
does).

What lands in the event file, per function (read by TensorBoard):

* ``scalar``: ``simple_value`` (float32), as ``tensorboardX`` and Keras' TensorBoard
  callback write it;
* ``histogram``: a float64 ``[buckets, 3]`` tensor of (left edge, right edge, count) with
  the ``histograms`` plugin tag; ``buckets`` equal-width buckets from the minimum to the
  maximum (30 by default), the maximum counted in the last one; all values in the last
  bucket when they are all equal; an empty ``[0, 3]`` tensor for no data (NaN and
  infinite values are left out);
* ``image``: a string tensor ``[width, height, png, png, ...]`` (``images`` plugin) of at
  most ``max_outputs`` images; floats are taken to lie in [0, 1] (scaled by 255.5 and
  truncated, clipped to 0..255), integers are rescaled from their type's range;
* ``text``: a string tensor (``text`` plugin) of the UTF-8 text.
"""
import struct
import zlib

import numpy as np

from ndflow.backend import to_numpy
from ndflow.core.tensor import convert_to_tensor
from ndflow.summary import _writer

# TensorFlow's DataType numbers
_DT = {np.dtype(np.float32): 1, np.dtype(np.float64): 2, np.dtype(np.int32): 3,
       np.dtype(np.uint8): 4, np.dtype(np.int16): 5, np.dtype(np.int8): 6,
       np.dtype(np.complex64): 8, np.dtype(np.int64): 9, np.dtype(np.bool_): 10,
       np.dtype(np.uint16): 17, np.dtype(np.complex128): 18, np.dtype(np.float16): 19,
       np.dtype(np.uint32): 22, np.dtype(np.uint64): 23}
_DT_STRING = 7


def _array(data):
    value = getattr(data, "_value", data)
    if type(value).__module__.startswith("cupy"):
        return to_numpy(value)
    return np.asarray(value)


def _result(written):
    return convert_to_tensor(bool(written))


def _step(step, fn):
    if step is None:
        step = _writer.get_step()
    if step is None:
        raise ValueError(
            "No step set. Please specify one either through the `step` argument or through "
            "tf.summary.experimental.set_step() (%s; writer.as_default(step=...) sets one "
            "too)." % fn)
    value = _array(step)
    if value.ndim != 0 or value.dtype.kind not in "iu":
        raise TypeError("%s: the step must be an integer scalar (a Python int, or an integer "
                        "tensor or variable such as optimizer.iterations), got %r."
                        % (fn, step))
    return int(value)


def _recording(step, fn):
    """(writer, step) when the summary is to be recorded, else None."""
    if not _writer._should_record():
        return None
    return _writer.default_writer(), _step(step, fn)


def _proto():
    return _writer._tensorboardx()[2]


def _metadata(pb, plugin, description):
    md = pb.SummaryMetadata()
    if plugin:
        md.plugin_data.plugin_name = plugin
    if description:
        md.summary_description = str(description)
    return md


def _tensor_proto(arr):
    from tensorboardX.proto.tensor_pb2 import TensorProto
    from tensorboardX.proto.tensor_shape_pb2 import TensorShapeProto
    shape = TensorShapeProto(dim=[TensorShapeProto.Dim(size=int(d)) for d in arr.shape])
    if arr.dtype.kind in "USO":
        flat = [_to_bytes(v) for v in arr.reshape(-1).tolist()]
        return TensorProto(dtype=_DT_STRING, tensor_shape=shape, string_val=flat)
    dt = _DT.get(arr.dtype)
    if dt is None:
        raise TypeError("tf.summary.write: unsupported dtype %s." % arr.dtype)
    content = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<")).tobytes()
    return TensorProto(dtype=dt, tensor_shape=shape, tensor_content=content)


def _to_bytes(v):
    if isinstance(v, bytes):
        return v
    if isinstance(v, str):
        return v.encode("utf-8")
    raise TypeError("tf.summary.text: expected strings, got %r (type %s)."
                    % (v, type(v).__name__))


# ---------------------------------------------------------------- scalar
def scalar(name, data, step=None, description=None):
    """Write a scalar (``data``: a number or a 0-d tensor) at ``step``."""
    arr = _array(data)
    if arr.shape != ():
        raise ValueError("tf.summary.scalar(%r): expected scalar shape, saw shape: %s. "
                         "Reduce the tensor first, e.g. tf.reduce_mean(x)."
                         % (name, tuple(arr.shape)))
    if arr.dtype.kind not in "biuf":
        raise TypeError("tf.summary.scalar(%r): expected a real number, got dtype %s."
                        % (name, arr.dtype))
    rec = _recording(step, "tf.summary.scalar(%r)" % name)
    if rec is None:
        return _result(False)
    writer, step = rec
    pb = _proto()
    value = pb.Summary.Value(tag=str(name), simple_value=float(np.float32(arr)))
    if description:
        value.metadata.CopyFrom(_metadata(pb, None, description))
    writer._write(value, step)
    return _result(True)


# ---------------------------------------------------------------- histogram
def histogram_buckets(values, buckets):
    """The ``[k, 3]`` float64 array of (left, right, count) that ``histogram`` writes."""
    x = np.asarray(values, dtype=np.float64).reshape(-1)
    k = int(buckets)
    if x.size == 0 or k <= 0:
        return np.zeros((0, 3), np.float64)
    lo, hi = float(x.min()), float(x.max())
    out = np.zeros((k, 3), np.float64)
    if hi == lo:
        out[:, 0] = lo
        out[:, 1] = lo
        out[-1, 2] = x.size
        return out
    width = (hi - lo) / k
    idx = np.floor((x - lo) / width).astype(np.int64)
    idx = np.minimum(idx, k - 1)
    counts = np.bincount(idx, minlength=k)[:k]
    edges = np.linspace(lo, hi, k + 1)
    edges[-1] = hi
    out[:, 0] = edges[:-1]
    out[:, 1] = edges[1:]
    out[:, 2] = counts
    return out


def histogram(name, data, step=None, buckets=None, description=None):
    """Write the distribution of the values of ``data`` (any shape) at ``step``."""
    rec = _recording(step, "tf.summary.histogram(%r)" % name)
    if rec is None:
        return _result(False)
    writer, step = rec
    arr = _array(data)
    if arr.dtype.kind not in "biuf":
        raise TypeError("tf.summary.histogram(%r): expected numbers, got dtype %s."
                        % (name, arr.dtype))
    values = arr.astype(np.float64).reshape(-1)
    values = values[np.isfinite(values)]      # NaN and infinities have no bucket
    table = histogram_buckets(values, 30 if buckets is None else buckets)
    pb = _proto()
    value = pb.Summary.Value(tag=str(name), metadata=_metadata(pb, "histograms", description),
                             tensor=_tensor_proto(table))
    writer._write(value, step)
    return _result(True)


# ---------------------------------------------------------------- image
def _to_uint8(arr, name):
    kind = arr.dtype.kind
    if arr.dtype == np.uint8:
        return arr
    if kind == "f":
        scaled = arr * arr.dtype.type(255.5)
        return np.clip(np.nan_to_num(scaled), 0, 255).astype(np.uint8)
    if kind in "iu":
        top = int(np.iinfo(arr.dtype).max)
        if top > 255:
            return np.clip(arr // ((top + 1) // 256), 0, 255).astype(np.uint8)
        return (np.clip(arr, 0, top).astype(np.int64) * (256 // (top + 1))).astype(np.uint8)
    raise TypeError("tf.summary.image(%r): expected float or integer pixels, got dtype %s."
                    % (name, arr.dtype))


def _png(img):
    """PNG bytes of one ``[h, w, c]`` uint8 image (c = 1, 2, 3 or 4)."""
    h, w, c = img.shape
    color_type = {1: 0, 2: 4, 3: 2, 4: 6}[c]
    rows = np.zeros((h, 1 + w * c), np.uint8)           # filter byte 0 for every row
    rows[:, 1:] = img.reshape(h, w * c)

    def chunk(tag, body):
        return (struct.pack(">I", len(body)) + tag + body
                + struct.pack(">I", zlib.crc32(tag + body) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", w, h, 8, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows.tobytes(), 6)) + chunk(b"IEND", b""))


def image(name, data, step=None, max_outputs=3, description=None):
    """Write up to ``max_outputs`` images from ``data`` of shape ``[k, height, width,
    channels]`` (channels 1, 2, 3 or 4) at ``step``."""
    rec = _recording(step, "tf.summary.image(%r)" % name)
    if rec is None:
        return _result(False)
    writer, step = rec
    arr = _array(data)
    if arr.ndim != 4:
        raise ValueError("tf.summary.image(%r): the images must have rank 4 [k, height, width, "
                         "channels], got shape %s. For one image use x[tf.newaxis] or "
                         "tf.reshape(x, (-1, h, w, c))." % (name, tuple(arr.shape)))
    if arr.shape[-1] not in (1, 2, 3, 4):
        raise ValueError("tf.summary.image(%r): the last axis holds the channels and must be "
                         "1, 2, 3 or 4, got shape %s." % (name, tuple(arr.shape)))
    pixels = _to_uint8(arr[:max(int(max_outputs), 0)], name)
    k, h, w, _ = arr.shape
    encoded = [str(w).encode(), str(h).encode()] + [_png(img) for img in pixels]
    pb = _proto()
    value = pb.Summary.Value(tag=str(name), metadata=_metadata(pb, "images", description),
                             tensor=_tensor_proto(np.array(encoded, dtype=object)))
    writer._write(value, step)
    return _result(True)


# ---------------------------------------------------------------- text
def text(name, data, step=None, description=None):
    """Write a string (or a tensor of strings; shown as a table) at ``step``."""
    rec = _recording(step, "tf.summary.text(%r)" % name)
    if rec is None:
        return _result(False)
    writer, step = rec
    arr = _array(data)
    if arr.dtype.kind not in "USO":
        raise TypeError("tf.summary.text(%r): expected a string or a tensor of strings, got "
                        "dtype %s. Format numbers first, e.g. str(x) or tf.strings.as_string."
                        % (name, arr.dtype))
    pb = _proto()
    value = pb.Summary.Value(tag=str(name), metadata=_metadata(pb, "text", description),
                             tensor=_tensor_proto(arr.astype(object)))
    writer._write(value, step)
    return _result(True)


# ---------------------------------------------------------------- generic
def write(tag, tensor, step=None, metadata=None, name=None):
    """Write ``tensor`` under ``tag`` with optional ``metadata`` (a ``SummaryMetadata``
    message or its serialized bytes); ``tensor`` may be a callable, called only when the
    summary is recorded."""
    rec = _recording(step, "tf.summary.write(%r)" % tag)
    if rec is None:
        return _result(False)
    writer, step = rec
    if callable(tensor):
        tensor = tensor()
    arr = _array(tensor)
    if arr.dtype.kind == "O":
        arr = arr.astype(object)
    pb = _proto()
    md = pb.SummaryMetadata()
    if isinstance(metadata, (bytes, bytearray)):
        md.ParseFromString(bytes(metadata))
    elif metadata is not None:
        md.ParseFromString(metadata.SerializeToString())
    value = pb.Summary.Value(tag=str(tag), metadata=md, tensor=_tensor_proto(arr))
    writer._write(value, step)
    return _result(True)
