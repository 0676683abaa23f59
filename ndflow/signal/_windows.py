"""Window functions of ``tf.signal``: Hann, Hamming, Kaiser, Kaiser-Bessel-derived and
Vorbis.  Computed in float64 with NumPy, then cast to ``dtype``; they are constants (no
gradient)."""
import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.core.errors import InvalidArgumentError
from ndflow.core.tensor import Tensor


def _scalar(value):
    if isinstance(value, Tensor):
        v = value._value
        if v.ndim != 0:
            raise ValueError("expected a scalar, got a tensor of shape %s" % (tuple(v.shape),))
        return v[()]
    return value


def window_args(window_length, dtype, fname):
    """(length as a Python int, NumPy dtype) after TensorFlow's checks."""
    d = _dt.as_dtype(dtype)
    if not d.is_floating:
        raise ValueError("tf.signal.%s: dtype must be a floating point type. Found %s."
                         % (fname, d.name))
    n = _scalar(window_length)
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)):
        raise TypeError("tf.signal.%s: window_length must be an integer, got %r (type %s)."
                        % (fname, n, type(n).__name__))
    n = int(n)
    if n < 0:
        raise InvalidArgumentError("tf.signal.%s: window_length must be non-negative, got %d."
                                   % (fname, n))
    return n, d._np


def _out(w, np_dtype):
    return Tensor(np.asarray(w, dtype=np.float64).astype(np_dtype))


def _raised_cosine(window_length, periodic, a, b, dtype, fname):
    n, npd = window_args(window_length, dtype, fname)
    if n == 1:
        return _out(np.ones(1), npd)
    # TensorFlow's convention: ``periodic`` only changes windows of even length, whose
    # period becomes n (a symmetric window repeats every n - 1 samples).
    periodic = bool(_scalar(periodic))
    denom = n - 1 + (1 if periodic and n % 2 == 0 else 0)
    k = np.arange(n)
    return _out(a - b * np.cos(2.0 * np.pi * k / max(denom, 1)), npd)


def hann_window(window_length, periodic=True, dtype=_dt.float32, name=None):
    """0.5 - 0.5 cos(2 pi k / N), N = window_length - 1, or window_length when
    ``periodic`` and the length is even."""
    return _raised_cosine(window_length, periodic, 0.5, 0.5, dtype, "hann_window")


def hamming_window(window_length, periodic=True, dtype=_dt.float32, name=None):
    """0.54 - 0.46 cos(2 pi k / N), with N as for ``hann_window``."""
    return _raised_cosine(window_length, periodic, 0.54, 0.46, dtype, "hamming_window")


def _kaiser(n, beta):
    if n == 1:
        return np.ones(1)
    k = np.arange(n)
    half = (n - 1) / 2.0
    r = (k - half) / half
    return np.i0(beta * np.sqrt(np.clip(1.0 - r * r, 0.0, None))) / np.i0(beta)


def kaiser_window(window_length, beta=12.0, dtype=_dt.float32, name=None):
    """The (symmetric) Kaiser window: I0(beta sqrt(1 - r^2)) / I0(beta), r in [-1, 1]."""
    n, npd = window_args(window_length, dtype, "kaiser_window")
    return _out(_kaiser(n, float(_scalar(beta))), npd)


def kaiser_bessel_derived_window(window_length, beta=12.0, dtype=_dt.float32, name=None):
    """The Kaiser-Bessel-derived window (for MDCTs): the square root of the running sum of
    a Kaiser window of length window_length // 2 + 1, mirrored."""
    n, npd = window_args(window_length, dtype, "kaiser_bessel_derived_window")
    half = n // 2
    cs = np.cumsum(_kaiser(half + 1, float(_scalar(beta))))
    w = np.sqrt(cs[:half] / cs[-1])
    return _out(np.concatenate([w, w[::-1]]), npd)


def vorbis_window(window_length, dtype=_dt.float32, name=None):
    """sin(pi/2 sin^2(pi (k + 1/2) / N)), the power-complementary window of Vorbis."""
    n, npd = window_args(window_length, dtype, "vorbis_window")
    k = np.arange(n)
    return _out(np.sin(0.5 * np.pi * np.sin(np.pi * (k + 0.5) / max(n, 1)) ** 2), npd)
