"""WAV reading and writing (``tf.audio.decode_wav`` / ``encode_wav``), in NumPy.

Like TensorFlow, only 16-bit PCM is read and written.  A file is parsed chunk by chunk: a
``RIFF``/``WAVE`` header, then the ``fmt `` chunk straight away (16 or 18 bytes), then
any chunks up to the end, exactly one of which is ``data``; unknown chunks (``LIST``,
``fact`` ...) are skipped (with their pad byte when odd-sized).  Samples ``s`` become
``s / 32768`` and are written back as ``round(clip(x, -1, 1) * 32768)`` clamped to the
int16 range (halves rounded away from zero, NaN written as 0).
"""
import collections
import struct

import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.core.errors import InvalidArgumentError
from ndflow.core.tensor import Tensor, convert_to_tensor
from ndflow.io._util import bytes_tensor, to_bytes

DecodeWav = collections.namedtuple("DecodeWav", ["audio", "sample_rate"])

_FN_DECODE = "tf.audio.decode_wav"
_FN_ENCODE = "tf.audio.encode_wav"


class _Reader:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def take(self, n, what):
        end = self.pos + n
        if end > len(self.data):
            raise InvalidArgumentError(
                "%s: the WAV data is cut short: reading %s needs %d bytes at offset %d, but "
                "only %d remain. The file may be truncated or damaged."
                % (_FN_DECODE, what, n, self.pos, max(len(self.data) - self.pos, 0)))
        out = self.data[self.pos:end]
        self.pos = end
        return out

    def expect(self, text, what):
        got = self.take(len(text), what)
        if got != text:
            raise InvalidArgumentError(
                "%s: not a WAV file: expected %r (%s) at offset %d but found %r."
                % (_FN_DECODE, text.decode("ascii"), what, self.pos - len(text), got))

    def u16(self, what):
        return struct.unpack("<H", self.take(2, what))[0]

    def u32(self, what):
        return struct.unpack("<I", self.take(4, what))[0]


def _int_attr(value, arg):
    if isinstance(value, Tensor):
        if value._value.ndim != 0:
            raise TypeError("%s: %s must be a scalar integer, got shape %s."
                            % (_FN_DECODE, arg, tuple(value._value.shape)))
        value = value._value[()]
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        value = int(value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError("%s: expected an int for %s, got %r." % (_FN_DECODE, arg, value))
    value = int(value)
    if value < -1:
        raise InvalidArgumentError("%s: %s must be >= -1 (-1 keeps the file's value), got %d."
                                   % (_FN_DECODE, arg, value))
    return value


def _contents(contents):
    if isinstance(contents, Tensor) and contents._value.dtype.kind != "O":
        raise TypeError("%s: contents must be a string tensor (the bytes of a WAV file, e.g. "
                        "from tf.io.read_file), got dtype %s." % (_FN_DECODE,
                                                                  contents.dtype.name))
    if isinstance(contents, (int, float, np.number)) and not isinstance(contents, bool):
        raise TypeError("%s: contents must be bytes (a WAV file's content, e.g. from "
                        "tf.io.read_file), got %r." % (_FN_DECODE, contents))
    return to_bytes(contents, _FN_DECODE, "contents")


def decode_wav(contents, desired_channels=-1, desired_samples=-1, name=None):
    """Decode a 16-bit PCM WAV file.

    Returns ``(audio, sample_rate)``: ``audio`` is float32 [samples, channels] with values
    in [-1, 1), ``sample_rate`` an int32 scalar.  ``desired_channels`` keeps the first
    channels, or repeats the last one to make more (a mono file becomes stereo);
    ``desired_samples`` crops, or pads with zeros.  -1 keeps the file's value.
    """
    desired_channels = _int_attr(desired_channels, "desired_channels")
    desired_samples = _int_attr(desired_samples, "desired_samples")
    data = _contents(contents)
    r = _Reader(data)
    r.expect(b"RIFF", "the RIFF header")
    r.u32("the RIFF size")
    r.expect(b"WAVE", "the WAVE header")
    r.expect(b"fmt ", "the format chunk, which must come first")
    fmt_size = r.u32("the format chunk size")
    if fmt_size not in (16, 18):
        raise InvalidArgumentError(
            "%s: bad format chunk size %d: expected 16 or 18 (plain PCM). Extensible or "
            "compressed WAV files are not supported; convert the file to 16-bit PCM."
            % (_FN_DECODE, fmt_size))
    audio_format = r.u16("the audio format")
    if audio_format != 1:
        raise InvalidArgumentError(
            "%s: audio format %d is not supported: only PCM (format 1) is. Convert the file "
            "to 16-bit PCM (e.g. with sox or ffmpeg -acodec pcm_s16le)."
            % (_FN_DECODE, audio_format))
    channels = r.u16("the channel count")
    if channels < 1:
        raise InvalidArgumentError("%s: bad number of channels %d: expected at least 1."
                                   % (_FN_DECODE, channels))
    sample_rate = r.u32("the sample rate")
    byte_rate = r.u32("the byte rate")
    block_align = r.u16("the block alignment")
    bits = r.u16("the bits per sample")
    if fmt_size == 18:
        r.take(2, "the format chunk's extension size")
    if bits != 16:
        raise InvalidArgumentError(
            "%s: can only read 16-bit WAV files, but this one has %d bits per sample. "
            "Convert it to 16-bit PCM (e.g. ffmpeg -acodec pcm_s16le)." % (_FN_DECODE, bits))
    if block_align != channels * 2:
        raise InvalidArgumentError(
            "%s: bad block alignment in the WAV header: expected %d (channels * 2) but got "
            "%d." % (_FN_DECODE, channels * 2, block_align))
    if byte_rate != sample_rate * block_align:
        raise InvalidArgumentError(
            "%s: bad byte rate in the WAV header: expected %d (sample_rate=%d * %d bytes "
            "per frame) but got %d." % (_FN_DECODE, sample_rate * block_align, sample_rate,
                                        block_align, byte_rate))
    samples = None
    while r.pos < len(data):
        chunk_id = r.take(4, "a chunk id")
        size = r.u32("a chunk size")
        if chunk_id == b"data":
            if samples is not None:
                raise InvalidArgumentError("%s: more than one data chunk found in the WAV "
                                           "data." % _FN_DECODE)
            frames = size // block_align
            raw = r.take(frames * block_align, "the samples")
            samples = np.frombuffer(raw, dtype="<i2").reshape(frames, channels)
        else:
            r.pos += size + (size & 1)   # chunks are padded to an even size
    if samples is None:
        raise InvalidArgumentError("%s: no data chunk found in the WAV data." % _FN_DECODE)
    out_channels = channels if desired_channels == -1 else desired_channels
    out_frames = samples.shape[0] if desired_samples == -1 else desired_samples
    src = np.minimum(np.arange(out_channels), channels - 1)
    audio = np.zeros((out_frames, out_channels), np.float32)
    keep = min(out_frames, samples.shape[0])
    audio[:keep] = samples[:keep][:, src].astype(np.float32) / np.float32(32768.0)
    return DecodeWav(Tensor(audio), Tensor(np.asarray(sample_rate, dtype=np.int32)))


def _sample_rate(sample_rate):
    if isinstance(sample_rate, Tensor):
        v = sample_rate._value
        if v.dtype != np.int32:
            raise InvalidArgumentError("%s: sample_rate must be an int32 scalar, got dtype %s."
                                       " Cast it: tf.cast(sample_rate, tf.int32)."
                                       % (_FN_ENCODE, sample_rate.dtype.name))
    else:
        if isinstance(sample_rate, (float, np.floating)):
            raise TypeError("%s: sample_rate must be an integer (samples per second), got %r."
                            % (_FN_ENCODE, sample_rate))
        v = np.asarray(sample_rate)
        if v.dtype.kind not in "iu":
            raise TypeError("%s: sample_rate must be an integer, got %r."
                            % (_FN_ENCODE, sample_rate))
    if v.ndim != 0:
        raise InvalidArgumentError("%s: sample_rate should be a scalar, got shape %s."
                                   % (_FN_ENCODE, tuple(v.shape)))
    rate = int(v[()])
    if not 0 < rate < 2 ** 31:
        raise InvalidArgumentError("%s: sample_rate must be in (0, 2^31), got %d."
                                   % (_FN_ENCODE, rate))
    return rate


def encode_wav(audio, sample_rate, name=None):
    """Encode float32 ``audio`` [samples, channels] (values in [-1, 1]; others are
    clipped) as a 16-bit PCM WAV file: a 0-d string tensor holding its bytes."""
    if isinstance(audio, Tensor):
        if audio._value.dtype != np.float32:
            raise InvalidArgumentError("%s: audio must be float32, got %s. Cast it first: "
                                       "tf.cast(audio, tf.float32)." % (_FN_ENCODE,
                                                                        audio.dtype.name))
        a = audio._value
    else:
        a = convert_to_tensor(audio, dtype=_dt.float32)._value if not isinstance(
            audio, np.ndarray) else np.asarray(audio, dtype=np.float32)
    if a.ndim != 2:
        raise InvalidArgumentError("%s: audio must be 2-dimensional [samples, channels], got "
                                   "shape %s. For a mono signal use audio[:, tf.newaxis]."
                                   % (_FN_ENCODE, tuple(a.shape)))
    rate = _sample_rate(sample_rate)
    frames, channels = a.shape
    if not 0 < channels < 2 ** 16:
        raise InvalidArgumentError("%s: the number of channels must be in (0, 2^16), got %d."
                                   % (_FN_ENCODE, channels))
    nbytes = frames * channels * 2
    if nbytes + 36 >= 2 ** 32:
        raise InvalidArgumentError("%s: %d samples are too many for a WAV file (4 GiB limit)."
                                   % (_FN_ENCODE, frames * channels))
    v = np.clip(a.astype(np.float64), -1.0, 1.0) * 32768.0
    v = np.copysign(np.floor(np.abs(v) + 0.5), v)      # halves away from zero
    v = np.where(np.isnan(v), 0.0, np.clip(v, -32768, 32767))
    body = v.astype("<i2").tobytes()
    header = struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + nbytes, b"WAVE", b"fmt ", 16, 1,
                         channels, rate, (rate * channels * 2) & 0xFFFFFFFF, channels * 2, 16,
                         b"data", nbytes)
    return bytes_tensor(header + body)
