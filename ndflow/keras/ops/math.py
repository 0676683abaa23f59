"""``keras.ops.math``: segment reductions, top-k, log-sum-exp, FFTs on (real, imag) pairs,
framing and short-time Fourier transforms, ``erf`` and friends."""
import math as _math

import numpy as np

from ndflow.core.engine import stop_gradient as _stop
from ndflow.core.errors import InvalidArgumentError
from ndflow.ops import math_ops as M
from ndflow.ops import array_ops as A
from ndflow.ops import reduction_ops as R
from ndflow.ops._base import wrap as _wrap
from ndflow.keras.ops._base import (keras_op, tensor, cast, promote, float_tensor,
                                    check_float, axis_tuple, ndarray)
from ndflow.keras.ops.linalg import logdet  # noqa: F401  (keras.ops.math.logdet)


def _shape(x):
    return x._value.shape


def _ndim(x):
    return x._value.ndim


# ---- segment reductions ------------------------------------------------------------------

def _segments(data, segment_ids, num_segments, opname):
    data = tensor(data)
    ids = np.asarray(ndarray(tensor(segment_ids)))
    if ids.dtype.kind not in "iu":
        raise InvalidArgumentError("keras.ops.%s: segment_ids must be integers, got dtype %s."
                                   % (opname, ids.dtype))
    if ids.ndim != 1 or ids.shape[0] != _shape(data)[0]:
        raise ValueError("keras.ops.%s: segment_ids must be 1-D with one id per row of data "
                         "(%d), got shape %s." % (opname, _shape(data)[0], ids.shape))
    n = int(num_segments) if num_segments is not None else int(ids.max(initial=-1)) + 1
    return data, ids.astype(np.int64), n


@keras_op
def segment_sum(data, segment_ids, num_segments=None, sorted=False):
    data, ids, n = _segments(data, segment_ids, num_segments, "segment_sum")
    keep = (ids >= 0) & (ids < n)
    if not keep.all():
        data = A.gather(data, np.flatnonzero(keep), axis=0)
        ids = ids[keep]
    return M.unsorted_segment_sum(data, _wrap(ids), n)


def _masked_segment(data, ids, n, fill, reduce_fn):
    """out[k] = reduce over the rows with id k; rows of other segments count as ``fill``."""
    member = (ids[None, :] == np.arange(n)[:, None])               # (n, rows)
    member = member.reshape(member.shape + (1,) * (_ndim(data) - 1))
    shape = (n,) + _shape(data)
    filled = _wrap(np.full((), fill, dtype=data._value.dtype))
    vals = M.where(_wrap(np.broadcast_to(member, shape)),
                   A.broadcast_to(A.expand_dims(data, 0), shape), A.broadcast_to(filled, shape))
    return reduce_fn(vals, axis=1)


def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _highest(dtype):
    return np.inf if dtype.kind == "f" else np.iinfo(dtype).max


def _segment_extreme(data, segment_ids, num_segments, opname, reduce_fn, bound, finite):
    """The largest/smallest row of each segment: ``reduce_fn`` over the rows, the others
    masked with ``bound(dtype)`` (the dtype's lowest/highest value). An empty segment holds
    that bound too, but for floats the finite one, ``np.finfo(dtype).<finite>``."""
    data, ids, n = _segments(data, segment_ids, num_segments, opname)
    dt = data._value.dtype
    empty_fill = getattr(np.finfo(dt), finite) if dt.kind == "f" else bound(dt)
    out = _masked_segment(data, ids, n, bound(dt), reduce_fn)
    empty = np.bincount(ids[(ids >= 0) & (ids < n)], minlength=n) == 0
    if empty.any():
        e = _wrap(empty.reshape((n,) + (1,) * (_ndim(data) - 1)))
        out = M.where(A.broadcast_to(e, _shape(out)),
                      _wrap(np.full(_shape(out), empty_fill, dt)), out)
    return out


@keras_op
def segment_max(data, segment_ids, num_segments=None, sorted=False):
    """Largest row of each segment; an empty segment holds the dtype's lowest value."""
    return _segment_extreme(data, segment_ids, num_segments, "segment_max", R.reduce_max,
                            _lowest, "min")


@keras_op
def segment_min(data, segment_ids, num_segments=None, sorted=False):
    return _segment_extreme(data, segment_ids, num_segments, "segment_min", R.reduce_min,
                            _highest, "max")


@keras_op
def segment_prod(data, segment_ids, num_segments=None, sorted=False):
    data, ids, n = _segments(data, segment_ids, num_segments, "segment_prod")
    return _masked_segment(data, ids, n, 1, R.reduce_prod)


# ---- top-k, log-sum-exp ------------------------------------------------------------------

@keras_op
def top_k(x, k, sorted=True):
    x = tensor(x)
    values, indices = A.top_k(x, int(k), sorted=sorted)
    return values, indices


@keras_op
def in_top_k(targets, predictions, k):
    return M.in_top_k(tensor(targets), tensor(predictions), int(k))


@keras_op
def logsumexp(x, axis=None, keepdims=False):
    x = float_tensor(x)
    return R.reduce_logsumexp(x, axis=list(axis_tuple(axis, _ndim(x), "logsumexp")),
                              keepdims=keepdims)


# ---- erf family --------------------------------------------------------------------------

@keras_op
def rsqrt(x):
    return M.rsqrt(check_float(tensor(x), "rsqrt"))


@keras_op
def erf(x):
    return M.erf(check_float(tensor(x), "erf"))


@keras_op
def erfc(x):
    x = float_tensor(x)
    return M.subtract(M.ones_like(x), M.erf(x))


def _erfinv_np(y):
    """erfinv in float64: an initial guess refined by Newton steps on math.erf."""
    y = np.asarray(y, dtype=np.float64)
    w = -np.log(np.clip((1.0 - y) * (1.0 + y), 1e-300, None))
    # M. Giles' single-precision approximation as the starting point
    w1 = w - 2.5
    p1 = 2.81022636e-08
    for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
              -0.00125372503, -0.00417768164, 0.246640727, 1.50140941):
        p1 = c + p1 * w1
    w2 = np.sqrt(np.maximum(w, 5.0)) - 3.0
    p2 = -0.000200214257
    for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
              -0.0076224613, 0.00943887047, 1.00167406, 2.83297682):
        p2 = c + p2 * w2
    x = np.where(w < 5.0, p1, p2) * y
    erf_v = np.vectorize(_math.erf, otypes=[np.float64])
    ok = np.abs(y) < 1
    for _ in range(3):
        err = erf_v(np.where(ok, x, 0.0)) - np.where(ok, y, 0.0)
        x = np.where(ok, x - err / (2.0 / np.sqrt(np.pi) * np.exp(-x * x)), x)
    x = np.where(y == 1, np.inf, np.where(y == -1, -np.inf, x))
    return np.where(np.abs(y) > 1, np.nan, x)


@keras_op
def erfinv(x):
    """Inverse of erf.  The value is found on the host; one Newton step written with ndflow
    ops then carries the exact derivative sqrt(pi)/2 * exp(erfinv(x)**2) to ``x``."""
    x = check_float(tensor(x), "erfinv")
    y0 = _wrap(_erfinv_np(x._value).astype(x._value.dtype))
    with np.errstate(all="ignore"):
        slope = M.multiply(M.exp(M.negative(M.square(y0))), 2.0 / _math.sqrt(_math.pi))
        finite = np.isfinite(y0._value)
        safe = M.where(_wrap(finite), slope, M.ones_like(slope))
        step = M.divide(M.subtract(x, _stop(M.erf(M.where(_wrap(finite), y0,
                                                           M.zeros_like(y0))))), safe)
        # the step's value is ~0 (y0 is converged); only its gradient matters
        step = M.subtract(step, _stop(step))
    return M.where(_wrap(finite), M.add(y0, step), y0)


# ---- FFTs --------------------------------------------------------------------------------

def _S():
    from ndflow.ops import signal_ops as S
    return S


def _complex_in(x, opname):
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError("keras.ops.%s expects a tuple (real, imag) of two tensors, got %r."
                         % (opname, type(x).__name__))
    re, im = promote(x[0], x[1], extra=(float,))
    if _shape(re) != _shape(im):
        raise ValueError("keras.ops.%s: real and imag must have the same shape, got %s and %s."
                         % (opname, _shape(re), _shape(im)))
    if re._value.dtype.name not in ("float32", "float64"):
        re, im = cast(re, "float32"), cast(im, "float32")
    return _S().complex(re, im)


def _parts(z):
    S = _S()
    return S.real(z), S.imag(z)


@keras_op
def fft(x):
    return _parts(_S().fft(_complex_in(x, "fft")))


@keras_op
def fft2(x):
    return _parts(_S().fft2d(_complex_in(x, "fft2")))


@keras_op
def ifft2(x):
    return _parts(_S().ifft2d(_complex_in(x, "ifft2")))


def _real_signal(x, opname):
    x = float_tensor(x)
    if x._value.dtype.name not in ("float32", "float64"):
        x = cast(x, "float32")
    return x


@keras_op
def rfft(x, fft_length=None):
    x = _real_signal(x, "rfft")
    return _parts(_S().rfft(x, None if fft_length is None else [int(fft_length)]))


@keras_op
def irfft(x, fft_length=None):
    z = _complex_in(x, "irfft")
    return _S().irfft(z, None if fft_length is None else [int(fft_length)])


@keras_op
def view_as_complex(x):
    x = float_tensor(x)
    if _shape(x)[-1:] != (2,):
        raise ValueError("keras.ops.view_as_complex: the last axis must have size 2 (real, "
                         "imag), got shape %s." % (_shape(x),))
    if x._value.dtype.name not in ("float32", "float64"):
        x = cast(x, "float32")
    return _S().complex(A.getitem(x, (Ellipsis, 0)), A.getitem(x, (Ellipsis, 1)))


@keras_op
def view_as_real(x):
    x = tensor(x)
    if x._value.dtype.kind != "c":
        raise ValueError("keras.ops.view_as_real expects a complex tensor, got %s."
                         % x._value.dtype)
    re, im = _parts(x)
    return A.stack([re, im], axis=-1)


# ---- framing, STFT -----------------------------------------------------------------------

@keras_op
def extract_sequences(x, sequence_length, sequence_stride):
    """Frames of ``sequence_length`` samples every ``sequence_stride`` samples along the last
    axis: (..., num_frames, sequence_length)."""
    x = tensor(x)
    n = _shape(x)[-1]
    length, stride = int(sequence_length), int(sequence_stride)
    if length < 1 or stride < 1:
        raise ValueError("keras.ops.extract_sequences: sequence_length and sequence_stride "
                         "must be positive, got %d and %d." % (length, stride))
    frames = max(0, (n - length) // stride + 1) if n >= length else 0
    idx = np.arange(frames)[:, None] * stride + np.arange(length)[None, :]
    return A.gather(x, idx.astype(np.int64), axis=_ndim(x) - 1)


def _window_array(window, length, fft_length, dtype):
    if window is None:
        w = np.ones(length)
    elif isinstance(window, str):
        n = np.arange(length)
        if window in ("hann", "hanning"):
            w = 0.5 - 0.5 * np.cos(2 * np.pi * n / length)
        elif window == "hamming":
            w = 0.54 - 0.46 * np.cos(2 * np.pi * n / length)
        else:
            raise ValueError("keras.ops.stft: window must be 'hann', 'hamming', None or an "
                             "array, got %r." % (window,))
    else:
        w = np.asarray(ndarray(window), dtype=np.float64)
        if w.shape != (length,):
            raise ValueError("keras.ops.stft: the window must have sequence_length=%d values, "
                             "got shape %s." % (length, w.shape))
    left = (fft_length - length) // 2
    w = np.pad(w, (left, fft_length - length - left))
    return w.astype(dtype)


@keras_op
def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    x = _real_signal(x, "stft")
    length, stride, nfft = int(sequence_length), int(sequence_stride), int(fft_length)
    if length > nfft:
        raise ValueError("keras.ops.stft: sequence_length (%d) must be <= fft_length (%d)."
                         % (length, nfft))
    if center:
        pads = [[0, 0]] * (_ndim(x) - 1) + [[nfft // 2, nfft // 2]]
        x = A.pad(x, pads, mode="REFLECT")
    # frames of fft_length samples; the window (zero-padded to fft_length) selects the
    # sequence_length samples in its middle
    frames = extract_sequences(x, nfft, stride)
    w = _wrap(_window_array(window, length, nfft, x._value.dtype))
    return rfft(M.multiply(frames, w))


@keras_op
def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann",
          center=True):
    length_, stride, nfft = int(sequence_length), int(sequence_stride), int(fft_length)
    frames = irfft(x, nfft)                                   # (..., num_frames, nfft)
    dt = frames._value.dtype
    w = _window_array(window, length_, nfft, np.float64)
    frames = M.multiply(frames, _wrap(w.astype(dt)))
    n_frames = _shape(frames)[-2]
    total = nfft + stride * (n_frames - 1)
    # overlap-add as a scatter of every frame sample to its output position
    pos = (np.arange(n_frames)[:, None] * stride + np.arange(nfft)[None, :]).reshape(-1)
    lead = _shape(frames)[:-2]
    flat = A.reshape(frames, list(lead) + [-1])
    moved = A.transpose(flat, [_ndim(flat) - 1] + list(range(_ndim(flat) - 1)))
    out = A.scatter_nd(pos.reshape(-1, 1), moved, (total,) + tuple(lead))
    out = A.transpose(out, list(range(1, _ndim(out))) + [0])
    # divide by the summed squared window
    norm = np.zeros(total)
    np.add.at(norm, pos, np.tile(w ** 2, n_frames))
    start = nfft // 2 if center else 0
    end = total - nfft // 2 if center else total
    if length is not None:
        end = start + int(length)
    norm = norm[start:end]
    out = A.getitem(out, (Ellipsis, slice(start, end)))
    safe = np.where(norm > 1e-10, norm, 1.0)
    out = M.divide(out, _wrap(safe.astype(dt)))
    if length is not None and _shape(out)[-1] < int(length):
        pads = [[0, 0]] * (_ndim(out) - 1) + [[0, int(length) - _shape(out)[-1]]]
        out = A.pad(out, pads)
    return out


# ---- distances ---------------------------------------------------------------------------

@keras_op
def cdist(x, y):
    """Euclidean distances between the rows of x (..., m, d) and y (..., n, d)."""
    x, y = promote(x, y, extra=(float,))
    d = M.subtract(A.expand_dims(x, -2), A.expand_dims(y, -3))
    sq = R.reduce_sum(M.square(d), axis=-1)
    pos = M.greater(sq, 0)
    return M.where(pos, M.sqrt(M.where(pos, sq, M.ones_like(sq))), M.zeros_like(sq))

