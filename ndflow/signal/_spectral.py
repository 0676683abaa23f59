"""Short-time Fourier transforms (``tf.signal.stft`` / ``inverse_stft``), the window that
makes ``inverse_stft`` invert ``stft``, MFCCs and MDCTs -- composites of the primitives in
``ndflow.ops.signal_ops``."""
import numpy as np

from ndflow.core.tensor import Tensor, convert_to_tensor
from ndflow.ops import signal_ops as _so
from ndflow.ops.array_ops import concat, getitem, reverse
from ndflow.ops.math_ops import multiply, negative, subtract
from ndflow.signal._windows import hann_window, vorbis_window


def _int(value, fname, arg, minimum):
    if isinstance(value, Tensor):
        if value._value.ndim != 0:
            raise ValueError("tf.signal.%s: %s must be a scalar integer, got shape %s."
                             % (fname, arg, tuple(value._value.shape)))
        value = value._value[()]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError("tf.signal.%s: %s must be an integer, got %r (type %s)."
                        % (fname, arg, value, type(value).__name__))
    if int(value) < minimum:
        raise ValueError("tf.signal.%s: %s must be at least %d, got %d."
                         % (fname, arg, minimum, int(value)))
    return int(value)


def _next_pow2(n):
    return 1 if n <= 1 else 1 << (n - 1).bit_length()


def _apply_window(frames, window_fn, frame_length, fname):
    window = window_fn(frame_length, dtype=frames.dtype)
    window = convert_to_tensor(window)
    if tuple(window._value.shape) != (frame_length,):
        raise ValueError("tf.signal.%s: window_fn(%d, dtype=%s) returned a window of shape "
                         "%s; expected shape (%d,)." % (fname, frame_length, frames.dtype.name,
                                                        tuple(window._value.shape),
                                                        frame_length))
    return multiply(frames, window)


def stft(signals, frame_length, frame_step, fft_length=None, window_fn=hann_window,
         pad_end=False, name=None):
    """Short-time Fourier transform of real ``signals`` [..., samples].

    Frames of ``frame_length`` samples every ``frame_step`` samples (the last ones padded
    with zeros when ``pad_end``) are multiplied by ``window_fn(frame_length, dtype)`` and
    transformed with an ``fft_length``-point real FFT (default: the smallest power of 2
    >= frame_length).  The result is complex [..., frames, fft_length // 2 + 1].
    """
    x = convert_to_tensor(signals)
    if x._value.dtype not in (np.float32, np.float64):
        raise ValueError("tf.signal.stft: signals must be float32 or float64, got %s. Cast "
                         "first: tf.cast(signals, tf.float32)." % x.dtype.name)
    if x._value.ndim < 1:
        raise ValueError("tf.signal.stft: signals must have rank at least 1 ([..., "
                         "samples]), got a scalar.")
    frame_length = _int(frame_length, "stft", "frame_length", 1)
    frame_step = _int(frame_step, "stft", "frame_step", 1)
    fft_length = (_next_pow2(frame_length) if fft_length is None
                  else _int(fft_length, "stft", "fft_length", 1))
    frames = _so.frame(x, frame_length, frame_step, pad_end=pad_end)
    if window_fn is not None:
        frames = _apply_window(frames, window_fn, frame_length, "stft")
    return _so.rfft(frames, [fft_length])


def inverse_stft(stfts, frame_length, frame_step, fft_length=None, window_fn=hann_window,
                 name=None):
    """Rebuild signals from ``stfts`` [..., frames, fft_length // 2 + 1]: an inverse real
    FFT per frame, cropped (or zero-padded) to ``frame_length``, multiplied by
    ``window_fn(frame_length, dtype)``, then overlap-added every ``frame_step`` samples.

    For a perfect reconstruction pass ``window_fn=tf.signal.inverse_stft_window_fn(
    frame_step, forward_window_fn)`` with the window the STFT used.
    """
    x = _so._input(stfts, np.complex64)
    if x._value.dtype.kind != "c":
        raise ValueError("tf.signal.inverse_stft: stfts must be complex64 or complex128 "
                         "(the output of tf.signal.stft), got %s." % x.dtype.name)
    if x._value.ndim < 2:
        raise ValueError("tf.signal.inverse_stft: stfts must have rank at least 2 ([..., "
                         "frames, bins]), got shape %s." % (tuple(x._value.shape),))
    frame_length = _int(frame_length, "inverse_stft", "frame_length", 1)
    frame_step = _int(frame_step, "inverse_stft", "frame_step", 1)
    fft_length = (_next_pow2(frame_length) if fft_length is None
                  else _int(fft_length, "inverse_stft", "fft_length", 1))
    frames = _so.irfft(x, [fft_length])
    shape = tuple(frames._value.shape)
    frames = _so.pad_or_crop(frames, shape[:-1] + (frame_length,))
    if window_fn is not None:
        frames = _apply_window(frames, window_fn, frame_length, "inverse_stft")
    return _so.overlap_and_add(frames, frame_step)


def inverse_stft_window_fn(frame_step, forward_window_fn=hann_window, name=None):
    """A ``window_fn`` for ``inverse_stft`` that undoes ``stft`` with
    ``forward_window_fn``: the forward window divided by the sum of the squared forward
    windows that overlap each sample."""
    step = _int(frame_step, "inverse_stft_window_fn", "frame_step", 1)

    def inverse_stft_window_fn_inner(frame_length, dtype):
        w = convert_to_tensor(forward_window_fn(frame_length, dtype=dtype))
        wv = w._value
        n = wv.shape[0]
        segs = -(-n // step)
        sq = np.zeros(segs * step)
        sq[:n] = wv.astype(np.float64) ** 2
        denom = np.tile(sq.reshape(segs, step).sum(axis=0), segs)[:n]
        with np.errstate(divide="ignore", invalid="ignore"):
            return Tensor((wv.astype(np.float64) / denom).astype(wv.dtype))

    return inverse_stft_window_fn_inner


def mfccs_from_log_mel_spectrograms(log_mel_spectrograms, name=None):
    """Mel-frequency cepstral coefficients: the type-II DCT of the log-mel spectrogram
    [..., num_mel_bins] along its last axis, scaled by 1 / sqrt(2 * num_mel_bins).
    Keep the first few (e.g. ``[..., :13]``)."""
    x = convert_to_tensor(log_mel_spectrograms)
    if x._value.dtype not in (np.float32, np.float64):
        raise TypeError("tf.signal.mfccs_from_log_mel_spectrograms: expected float32 or "
                        "float64, got %s." % x.dtype.name)
    if x._value.ndim < 1:
        raise ValueError("tf.signal.mfccs_from_log_mel_spectrograms: the input must have "
                         "rank at least 1 ([..., num_mel_bins]), got a scalar.")
    n = x._value.shape[-1]
    if n < 1:
        raise ValueError("tf.signal.mfccs_from_log_mel_spectrograms: num_mel_bins (the last "
                         "dimension) must be positive, got shape %s." % (tuple(x._value.shape),))
    return _so.dct2_scaled(x, 1.0 / np.sqrt(2.0 * n))


def _quarters(x, q, count):
    return [getitem(x, (Ellipsis, slice(i * q, (i + 1) * q))) for i in range(count)]


def mdct(signals, frame_length, window_fn=vorbis_window, pad_end=False, norm=None,
         name=None):
    """Modified discrete cosine transform of real ``signals`` [..., samples].

    Frames of ``frame_length`` samples (a multiple of 4) every ``frame_length / 2``
    samples are windowed (default: the Vorbis window, which with 50% overlap allows
    perfect reconstruction; ``window_fn=None`` means a flat window of sqrt(1/2)), folded
    to ``frame_length / 2`` samples and transformed with a type-IV DCT.  The result is
    [..., frames, frame_length / 2]; ``norm='ortho'`` uses the orthonormal DCT.
    """
    x = convert_to_tensor(signals)
    if x._value.dtype not in (np.float32, np.float64):
        raise ValueError("tf.signal.mdct: signals must be float32 or float64, got %s."
                         % x.dtype.name)
    if x._value.ndim < 1:
        raise ValueError("tf.signal.mdct: signals must have rank at least 1, got a scalar.")
    frame_length = _int(frame_length, "mdct", "frame_length", 4)
    if frame_length % 4:
        raise ValueError("tf.signal.mdct: the frame length must be a multiple of 4, got %d."
                         % frame_length)
    if norm not in (None, "ortho"):
        raise ValueError("tf.signal.mdct: unknown normalization %r. Expected None or "
                         "'ortho'." % (norm,))
    frames = _so.frame(x, frame_length, frame_length // 2, pad_end=pad_end)
    if window_fn is not None:
        frames = _apply_window(frames, window_fn, frame_length, "mdct")
    else:   # a flat window that still satisfies w[n]^2 + w[n + N]^2 = 1
        frames = multiply(frames, np.sqrt(0.5))
    a, b, c, d = _quarters(frames, frame_length // 4, 4)
    folded = concat([subtract(negative(reverse(c, [-1])), d), subtract(a, reverse(b, [-1]))],
                    -1)
    return _so.dct(folded, type=4, norm=norm)


def inverse_mdct(mdcts, window_fn=vorbis_window, norm=None, name=None):
    """Inverse of ``mdct``: a type-IV DCT per frame (scaled by 1 / (2N) without
    ``norm``), unfolded to 2N samples, windowed and overlap-added every N samples, where
    N = mdcts.shape[-1]."""
    x = convert_to_tensor(mdcts)
    if x._value.dtype not in (np.float32, np.float64):
        raise ValueError("tf.signal.inverse_mdct: mdcts must be float32 or float64, got %s."
                         % x.dtype.name)
    if x._value.ndim < 2:
        raise ValueError("tf.signal.inverse_mdct: mdcts must have rank at least 2 ([..., "
                         "frames, frame_length / 2]), got shape %s."
                         % (tuple(x._value.shape),))
    if norm not in (None, "ortho"):
        raise ValueError("tf.signal.inverse_mdct: unknown normalization %r. Expected None "
                         "or 'ortho'." % (norm,))
    n = x._value.shape[-1]
    if n % 2:
        raise ValueError("tf.signal.inverse_mdct: the last dimension (frame_length / 2) must "
                         "be even, got %d." % n)
    if norm is None:
        y = _so.dct2_like(x, 4, 1.0 / (2.0 * n))
    else:
        y = _so.dct(x, type=4, norm="ortho")
    u, v = _quarters(y, n // 2, 2)
    frames = concat([v, negative(reverse(v, [-1])), negative(reverse(u, [-1])), negative(u)],
                    -1)
    if window_fn is not None:
        frames = _apply_window(frames, window_fn, 2 * n, "inverse_mdct")
    else:
        frames = multiply(frames, np.sqrt(0.5))
    return _so.overlap_and_add(frames, n)
