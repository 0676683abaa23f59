"""``tf.signal.linear_to_mel_weight_matrix``: triangular mel filters on the HTK mel scale,
mel(f) = 1127 ln(1 + f / 700)."""
import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.core.tensor import Tensor

_MEL_Q = 1127.0
_MEL_BREAK_HZ = 700.0


def _hertz_to_mel(f):
    return _MEL_Q * np.log1p(np.asarray(f, dtype=np.float64) / _MEL_BREAK_HZ)


def _number(value, arg):
    if isinstance(value, Tensor):
        if value._value.ndim != 0:
            raise ValueError("tf.signal.linear_to_mel_weight_matrix: %s must be a scalar, got "
                             "shape %s." % (arg, tuple(value._value.shape)))
        value = value._value[()]
    return value


def _count(value, arg):
    value = _number(value, arg)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError("tf.signal.linear_to_mel_weight_matrix: %s must be an integer, got "
                        "%r (type %s)." % (arg, value, type(value).__name__))
    return int(value)


def linear_to_mel_weight_matrix(num_mel_bins=20, num_spectrogram_bins=129, sample_rate=8000,
                                lower_edge_hertz=125.0, upper_edge_hertz=3800.0,
                                dtype=_dt.float32, name=None):
    """A [num_spectrogram_bins, num_mel_bins] matrix that maps a linear-frequency magnitude
    spectrogram (bins 0 .. sample_rate/2) to mel bands: ``spectrogram @ matrix``.

    The mel bands are triangles spaced evenly on the HTK mel scale between
    ``lower_edge_hertz`` and ``upper_edge_hertz``; each peaks at 1 at its centre.  The
    DC bin (row 0) gets no weight.
    """
    d = _dt.as_dtype(dtype)
    if not d.is_floating:
        raise ValueError("tf.signal.linear_to_mel_weight_matrix: dtype must be a floating "
                         "point type. Got: %s" % d.name)
    num_mel_bins = _count(num_mel_bins, "num_mel_bins")
    num_spectrogram_bins = _count(num_spectrogram_bins, "num_spectrogram_bins")
    sample_rate = float(_number(sample_rate, "sample_rate"))
    lower = float(_number(lower_edge_hertz, "lower_edge_hertz"))
    upper = float(_number(upper_edge_hertz, "upper_edge_hertz"))
    fn = "tf.signal.linear_to_mel_weight_matrix"
    if num_mel_bins <= 0:
        raise ValueError("%s: num_mel_bins must be positive. Got: %d" % (fn, num_mel_bins))
    if num_spectrogram_bins < 0:
        raise ValueError("%s: num_spectrogram_bins must be non-negative. Got: %d"
                         % (fn, num_spectrogram_bins))
    if sample_rate <= 0.0:
        raise ValueError("%s: sample_rate must be positive. Got: %g" % (fn, sample_rate))
    if lower < 0.0:
        raise ValueError("%s: lower_edge_hertz must be non-negative. Got: %g" % (fn, lower))
    if lower >= upper:
        raise ValueError("%s: lower_edge_hertz %g >= upper_edge_hertz %g; the lower edge "
                         "must be below the upper one." % (fn, lower, upper))
    if upper > sample_rate / 2:
        raise ValueError("%s: upper_edge_hertz must not be larger than the Nyquist frequency "
                         "(sample_rate / 2). Got %g for sample_rate: %g" % (fn, upper,
                                                                            sample_rate))
    # the spectrogram's bins (without DC) on the mel scale, as a column
    hz = np.linspace(0.0, sample_rate / 2.0, num_spectrogram_bins)[1:]
    mel = _hertz_to_mel(hz)[:, None]
    edges = np.linspace(_hertz_to_mel(lower), _hertz_to_mel(upper), num_mel_bins + 2)
    left, centre, right = edges[:-2], edges[1:-1], edges[2:]
    rising = (mel - left) / (centre - left)
    falling = (right - mel) / (right - centre)
    w = np.maximum(0.0, np.minimum(rising, falling))
    w = np.concatenate([np.zeros((1, num_mel_bins)), w], axis=0)
    return Tensor(w.astype(d._np))
