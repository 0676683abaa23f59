"""Spectral primitives behind ``tf.signal``: FFTs, framing and overlap-add, DCTs, and the
complex-number helpers their gradients are checked with.

Every primitive is linear, so each backward pass is the transposed (adjoint) map, written
as another primitive of this module -- nested tapes give higher-order gradients.

Complex gradients follow TensorFlow's convention: for a real loss ``L`` of a complex
tensor ``z = x + iy`` the gradient is ``dL/dx + i dL/dy``.  With it the adjoint of
``y = A z`` is ``conj(A)^T g``; for the FFT that is ``n * ifft(g)``.
"""
import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.ops._base import Op, execute, Tensor, convert, wrap, InvalidArgumentError

__all__ = ["fft", "ifft", "fft2d", "ifft2d", "fft3d", "ifft3d", "rfft", "irfft", "rfft2d",
           "irfft2d", "rfft3d", "irfft3d", "fftshift", "ifftshift", "frame",
           "overlap_and_add", "dct", "idct", "complex_abs", "real", "imag", "complex",
           "conj"]

_REAL_OF = {np.dtype(np.complex64): np.dtype(np.float32),
            np.dtype(np.complex128): np.dtype(np.float64)}
_COMPLEX_OF = {np.dtype(np.float32): np.dtype(np.complex64),
               np.dtype(np.float64): np.dtype(np.complex128)}


def _prod(values):
    out = 1
    for v in values:
        out *= int(v)
    return out


def _input(x, default_np):
    """``x`` as a Tensor.  Like TensorFlow's generated FFT ops, a NumPy array (not a
    tensor) is converted to the op's default dtype (float32 / complex64)."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (np.ndarray, np.generic)) and np.asarray(x).dtype.kind in "fc":
        return wrap(np.asarray(x, dtype=default_np))
    return convert(x)


# ---- resizing (zero padding / cropping) -----------------------------------------------

class Resize(Op):
    """Pad (with ``value``) or crop every axis to ``shape``; padding goes at the end."""

    def __init__(self, shape, value=0):
        self.shape = tuple(int(s) for s in shape)
        self.value = value

    def forward(self, x):
        shape = self.shape
        if x.shape == shape:
            return x
        crop = tuple(slice(0, min(a, b)) for a, b in zip(x.shape, shape))
        x = x[crop]
        pads = [(0, b - a) for a, b in zip(x.shape, shape)]
        if any(p[1] for p in pads):
            x = np.pad(x, pads, mode="constant", constant_values=self.value)
        return np.ascontiguousarray(x)

    def backward(self, dy):
        # padded positions get no gradient; cropped ones get zeros
        return (execute(Resize(self.inputs[0]._value.shape), (dy,)),)


def pad_or_crop(x, shape, value=0):
    if tuple(x._value.shape) == tuple(shape):
        return x
    return execute(Resize(shape, value), (x,))


# ---- FFTs -------------------------------------------------------------------------------

class FFT(Op):
    """``scale * fftn`` (or ``scale * ifftn``) over the last ``rank`` axes."""

    def __init__(self, rank, inverse=False, scale=1.0):
        self.rank, self.inverse, self.scale = rank, inverse, scale

    def forward(self, x):
        if x.size == 0:
            return np.zeros(x.shape, x.dtype)
        axes = tuple(range(-self.rank, 0))
        y = np.fft.ifftn(x, axes=axes) if self.inverse else np.fft.fftn(x, axes=axes)
        if self.scale != 1.0:
            y *= self.scale
        return y.astype(x.dtype, copy=False)

    def backward(self, dy):
        n = _prod(self.inputs[0]._value.shape[-self.rank:])
        if self.inverse:   # ifft = conj(F)/n: adjoint F/n
            return (execute(FFT(self.rank, False, self.scale / n), (dy,)),)
        return (execute(FFT(self.rank, True, self.scale * n), (dy,)),)


def _half_weights(n):
    """How the adjoint of a real FFT of length ``n`` weighs each of its n//2+1 bins: 1 for
    the DC term (and the Nyquist term when n is even), 1/2 for the others, which stand for
    two bins of the full spectrum."""
    w = np.full(n // 2 + 1, 0.5)
    w[0] = 1.0
    if n % 2 == 0:
        w[-1] = 1.0
    return w


class RFFT(Op):
    """``scale * weight * rfftn(x)`` over the last ``len(lengths)`` axes, whose sizes are
    ``lengths`` already; ``weight`` (or None) multiplies the last output axis."""

    def __init__(self, lengths, scale=1.0, weight=None):
        self.lengths, self.scale, self.weight = tuple(lengths), scale, weight

    def forward(self, x):
        lengths = self.lengths
        rank = len(lengths)
        cdt = _COMPLEX_OF[x.dtype]
        if x.size == 0:
            return np.zeros(x.shape[:-1] + (lengths[-1] // 2 + 1,), cdt)
        y = np.fft.rfftn(x, axes=tuple(range(-rank, 0)))
        if self.weight is not None:
            y *= self.weight.astype(x.dtype)
        if self.scale != 1.0:
            y *= self.scale
        return y.astype(cdt, copy=False)

    def backward(self, dy):
        w = _half_weights(self.lengths[-1])
        if self.weight is not None:
            w = w * self.weight
        return (execute(IRFFT(self.lengths, self.scale * _prod(self.lengths), w), (dy,)),)


class IRFFT(Op):
    """``scale * irfftn(weight * x)`` with output lengths ``lengths``; the input's last
    axis holds lengths[-1]//2+1 bins and its other transformed axes lengths[:-1]."""

    def __init__(self, lengths, scale=1.0, weight=None):
        self.lengths, self.scale, self.weight = tuple(lengths), scale, weight

    def forward(self, x):
        lengths = self.lengths
        rank = len(lengths)
        rdt = _REAL_OF[x.dtype]
        if x.size == 0:
            return np.zeros(x.shape[:-1] + (lengths[-1],), rdt)
        if self.weight is not None:
            x = x * self.weight.astype(rdt)
        y = np.fft.irfftn(x, s=lengths, axes=tuple(range(-rank, 0)))
        if self.scale != 1.0:
            y *= self.scale
        return y.astype(rdt, copy=False)

    def backward(self, dy):
        w = 1.0 / _half_weights(self.lengths[-1])
        if self.weight is not None:
            w = w * self.weight
        return (execute(RFFT(self.lengths, self.scale / _prod(self.lengths), w), (dy,)),)


def _check_rank(x, rank, fname):
    if x._value.ndim < rank:
        raise InvalidArgumentError(
            "tf.signal.%s: the input must have rank of at least %d (the transform runs over "
            "the innermost %d dimension%s), got shape %s." % (
                fname, rank, rank, "s" if rank > 1 else "", tuple(x._value.shape)))


def _complex_fft(input, rank, inverse, fname):
    x = _input(input, np.complex64)
    if x._value.dtype.kind != "c":
        raise InvalidArgumentError(
            "tf.signal.%s expects a complex64 or complex128 tensor, got %s. For a real "
            "signal use tf.signal.r%s, or cast: tf.cast(x, tf.complex64)."
            % (fname, x.dtype.name, fname.lstrip("i")))
    _check_rank(x, rank, fname)
    return execute(FFT(rank, inverse), (x,))


def fft(input, name=None):
    """Discrete Fourier transform over the innermost dimension (complex in, complex out)."""
    return _complex_fft(input, 1, False, "fft")


def ifft(input, name=None):
    """Inverse DFT over the innermost dimension (includes the 1/n)."""
    return _complex_fft(input, 1, True, "ifft")


def fft2d(input, name=None):
    """DFT over the two innermost dimensions."""
    return _complex_fft(input, 2, False, "fft2d")


def ifft2d(input, name=None):
    """Inverse DFT over the two innermost dimensions."""
    return _complex_fft(input, 2, True, "ifft2d")


def fft3d(input, name=None):
    """DFT over the three innermost dimensions."""
    return _complex_fft(input, 3, False, "fft3d")


def ifft3d(input, name=None):
    """Inverse DFT over the three innermost dimensions."""
    return _complex_fft(input, 3, True, "ifft3d")


def _fft_lengths(fft_length, rank, fname):
    """``fft_length`` (a list / tuple / 1-D tensor of ``rank`` ints) as a tuple."""
    if isinstance(fft_length, Tensor):
        fft_length = fft_length._value
    arr = np.asarray(fft_length)
    if arr.ndim != 1 or arr.shape[0] != rank or (arr.size and arr.dtype.kind not in "iu"):
        raise TypeError(
            "tf.signal.%s: fft_length must be a list of %d integer%s (one per transformed "
            "dimension), got %r. For example fft_length=[%s]." % (
                fname, rank, "s" if rank > 1 else "", fft_length, ", ".join(["256"] * rank)))
    lengths = tuple(int(v) for v in arr)
    if any(v < 1 for v in lengths):
        raise InvalidArgumentError(
            "tf.signal.%s: every fft_length must be at least 1, got %s." % (fname, list(lengths)))
    return lengths


def _rfft(input_tensor, fft_length, rank, fname):
    x = _input(input_tensor, np.float32)
    if x._value.dtype not in _COMPLEX_OF:
        raise ValueError(
            "tf.signal.%s requires a float32 or float64 tensor, got %s. Cast first (tf.cast"
            "(x, tf.float32)); for a complex signal use tf.signal.fft." % (fname, x.dtype.name))
    if x._value.ndim < rank:
        raise ValueError("tf.signal.%s: the input must have rank at least %d, got shape %s."
                         % (fname, rank, tuple(x._value.shape)))
    shape = tuple(x._value.shape)
    lengths = (shape[-rank:] if fft_length is None
               else _fft_lengths(fft_length, rank, fname))
    if fft_length is None and any(v < 1 for v in lengths):
        raise InvalidArgumentError("tf.signal.%s: cannot transform an empty dimension (shape "
                                   "%s)." % (fname, shape))
    x = pad_or_crop(x, shape[:-rank] + tuple(lengths))
    return execute(RFFT(lengths), (x,))


def _irfft(input_tensor, fft_length, rank, fname):
    x = _input(input_tensor, np.complex64)
    if x._value.dtype.kind != "c":
        raise ValueError(
            "tf.signal.%s requires a complex64 or complex128 tensor, got %s." % (
                fname, x.dtype.name))
    if x._value.ndim < rank:
        raise ValueError("tf.signal.%s: the input must have rank at least %d, got shape %s."
                         % (fname, rank, tuple(x._value.shape)))
    shape = tuple(x._value.shape)
    if fft_length is None:
        lengths = shape[-rank:-1] + (2 * (shape[-1] - 1),)
        if any(v < 1 for v in lengths):
            raise InvalidArgumentError(
                "tf.signal.%s: cannot infer fft_length from an input of shape %s (the "
                "default is 2 * (n - 1) for an innermost length n). Pass fft_length."
                % (fname, shape))
    else:
        lengths = _fft_lengths(fft_length, rank, fname)
    x = pad_or_crop(x, shape[:-rank] + tuple(lengths[:-1]) + (lengths[-1] // 2 + 1,))
    return execute(IRFFT(lengths), (x,))


def rfft(input_tensor, fft_length=None, name=None):
    """DFT of a real signal over its innermost dimension: the ``fft_length // 2 + 1``
    non-negative frequency terms.  The signal is zero-padded or cropped to ``fft_length``
    (default: its length)."""
    return _rfft(input_tensor, fft_length, 1, "rfft")


def irfft(input_tensor, fft_length=None, name=None):
    """Inverse of ``rfft``: a real signal of length ``fft_length`` (default ``2 * (n - 1)``)
    from ``fft_length // 2 + 1`` frequency terms (the input is padded or cropped to that)."""
    return _irfft(input_tensor, fft_length, 1, "irfft")


def rfft2d(input_tensor, fft_length=None, name=None):
    """Real DFT over the two innermost dimensions."""
    return _rfft(input_tensor, fft_length, 2, "rfft2d")


def irfft2d(input_tensor, fft_length=None, name=None):
    """Inverse real DFT over the two innermost dimensions."""
    return _irfft(input_tensor, fft_length, 2, "irfft2d")


def rfft3d(input_tensor, fft_length=None, name=None):
    """Real DFT over the three innermost dimensions."""
    return _rfft(input_tensor, fft_length, 3, "rfft3d")


def irfft3d(input_tensor, fft_length=None, name=None):
    """Inverse real DFT over the three innermost dimensions."""
    return _irfft(input_tensor, fft_length, 3, "irfft3d")


# ---- fftshift ---------------------------------------------------------------------------

class Roll(Op):
    def __init__(self, shifts, axes):
        self.shifts, self.axes = shifts, axes

    def forward(self, x):
        return np.roll(x, self.shifts, self.axes)

    def backward(self, dy):
        return (execute(Roll(tuple(-s for s in self.shifts), self.axes), (dy,)),)


def _shift(x, axes, inverse, fname):
    x = convert(x)
    nd = x._value.ndim
    if axes is None:
        axes = tuple(range(nd))
    else:
        if isinstance(axes, Tensor):
            axes = axes._value.tolist()
        axes = tuple(axes) if isinstance(axes, (list, tuple, np.ndarray)) else (axes,)
        for a in axes:
            if not -nd <= int(a) < nd:
                raise InvalidArgumentError(
                    "tf.signal.%s: axis %d is out of range for a tensor of rank %d."
                    % (fname, int(a), nd))
        axes = tuple(int(a) % nd for a in axes)
    if not axes:
        return x
    shape = x._value.shape
    shifts = tuple((-(shape[a] // 2)) if inverse else shape[a] // 2 for a in axes)
    return execute(Roll(shifts, axes), (x,))


def fftshift(x, axes=None, name=None):
    """Move the zero-frequency term to the centre of the spectrum along ``axes`` (default:
    all)."""
    return _shift(x, axes, False, "fftshift")


def ifftshift(x, axes=None, name=None):
    """The inverse of ``fftshift``."""
    return _shift(x, axes, True, "ifftshift")


# ---- frame / overlap_and_add --------------------------------------------------------------

def _frame_last(x, length, step, nframes):
    """Frames of the last axis (exactly (nframes-1)*step + length long)."""
    if nframes == 0 or length == 0:
        return np.zeros(x.shape[:-1] + (nframes, length), x.dtype)
    win = np.lib.stride_tricks.sliding_window_view(x, length, axis=-1)
    return np.ascontiguousarray(win[..., ::step, :][..., :nframes, :])


def _ola_last(f, step):
    """Overlap-add the frames on the last two axes (frames, length) with hop ``step``."""
    nframes, length = f.shape[-2], f.shape[-1]
    out_len = (nframes - 1) * step + length
    lead = f.shape[:-2]
    if length == 0 or nframes == 0:
        return np.zeros(lead + (max(out_len, 0),), f.dtype)
    segs = -(-length // step)
    if segs * step != length:
        f = np.pad(f, [(0, 0)] * (f.ndim - 1) + [(0, segs * step - length)])
    f = f.reshape(lead + (nframes, segs, step))
    out = np.zeros(lead + (nframes + segs - 1, step), f.dtype)
    for s in range(segs):
        out[..., s:s + nframes, :] += f[..., :, s, :]
    return out.reshape(lead + ((nframes + segs - 1) * step,))[..., :out_len]


class Frame(Op):
    """Frames of ``length`` samples every ``step`` samples along ``axis``, whose length is
    exactly (nframes - 1) * step + length; the frames replace ``axis`` by two axes."""

    def __init__(self, length, step, axis, nframes):
        self.length, self.step, self.axis, self.nframes = length, step, axis, nframes

    def forward(self, x):
        a = self.axis
        y = _frame_last(np.moveaxis(x, a, -1), self.length, self.step, self.nframes)
        return np.ascontiguousarray(np.moveaxis(y, (-2, -1), (a, a + 1)))

    def backward(self, dy):
        return (execute(OverlapAdd(self.step, self.axis), (dy,)),)


class OverlapAdd(Op):
    """Sum of the frames on axes (axis, axis+1), each shifted by ``step`` from the last."""

    def __init__(self, step, axis):
        self.step, self.axis = step, axis

    def forward(self, f):
        a = self.axis
        y = _ola_last(np.moveaxis(f, (a, a + 1), (-2, -1)), self.step)
        return np.ascontiguousarray(np.moveaxis(y, -1, a))

    def backward(self, dy):
        shape = self.inputs[0]._value.shape
        a = self.axis
        return (execute(Frame(shape[a + 1], self.step, a, shape[a]), (dy,)),)


class _ZerosLike(Op):
    """A constant of zeros shaped ``shape`` whose gradient to its input is zero."""

    def __init__(self, shape):
        self.shape = tuple(shape)

    def forward(self, x):
        return np.zeros(self.shape, x.dtype)

    def backward(self, dy):
        return (wrap(np.zeros_like(self.inputs[0]._value)),)


def _int_arg(value, fname, arg, minimum=None):
    """A Python int from an int, NumPy integer or 0-d integer tensor."""
    if isinstance(value, Tensor):
        v = value._value
        if v.ndim != 0:
            raise ValueError("tf.signal.%s: %s must be a scalar, got shape %s."
                             % (fname, arg, tuple(v.shape)))
        value = v[()]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        if isinstance(value, (list, tuple, np.ndarray)):
            raise ValueError("tf.signal.%s: %s must be a scalar integer, got %r."
                             % (fname, arg, value))
        raise ValueError("tf.signal.%s: %s must be an integer, got %r (type %s)."
                         % (fname, arg, value, type(value).__name__))
    value = int(value)
    if minimum is not None and value < minimum:
        raise InvalidArgumentError("tf.signal.%s: %s must be at least %d, got %d."
                                   % (fname, arg, minimum, value))
    return value


def frame(signal, frame_length, frame_step, pad_end=False, pad_value=0, axis=-1, name=None):
    """Slide a window of ``frame_length`` samples, ``frame_step`` apart, along ``axis``.

    The result replaces ``axis`` by [num_frames, frame_length].  Without ``pad_end`` only
    whole frames are kept: num_frames = 1 + (n - frame_length) // frame_step (0 when
    n < frame_length).  With ``pad_end`` the signal is padded with ``pad_value`` so that
    every sample starts a frame slot: num_frames = ceil(n / frame_step).
    """
    x = convert(signal)
    nd = x._value.ndim
    if nd == 0:
        raise ValueError("tf.signal.frame: the signal must have rank at least 1, got a "
                         "scalar.")
    length = _int_arg(frame_length, "frame", "frame_length", 0)
    step = _int_arg(frame_step, "frame", "frame_step", 1)
    ax = _int_arg(axis, "frame", "axis")
    if not -nd <= ax < nd:
        raise InvalidArgumentError("tf.signal.frame: axis %d is out of range for a signal "
                                   "of rank %d (valid: %d to %d)." % (ax, nd, -nd, nd - 1))
    ax %= nd
    shape = tuple(x._value.shape)
    n = shape[ax]
    if pad_end:
        nframes = -(-n // step)
    else:
        nframes = max(0, 1 + (n - length) // step)
    out_shape = shape[:ax] + (nframes, length) + shape[ax + 1:]
    if nframes == 0:
        return execute(_ZerosLike(out_shape), (x,))
    need = (nframes - 1) * step + length
    value = 0
    if need > n:
        if x._value.dtype.kind in "iub" and isinstance(pad_value, float) and \
                not float(pad_value).is_integer():
            raise TypeError("tf.signal.frame: pad_value %r does not fit the signal's dtype "
                            "%s." % (pad_value, x.dtype.name))
        value = convert(pad_value, dtype=x.dtype)._value if not isinstance(pad_value, Tensor) \
            else pad_value._value.astype(x._value.dtype)
    x = pad_or_crop(x, shape[:ax] + (need,) + shape[ax + 1:], value)
    return execute(Frame(length, step, ax, nframes), (x,))


def overlap_and_add(signal, frame_step, name=None):
    """Rebuild a signal from frames: ``signal`` is [..., frames, frame_length]; frame i
    is added at offset i * frame_step.  The result is [..., (frames - 1) * frame_step +
    frame_length]."""
    x = convert(signal)
    if x._value.ndim < 2:
        raise ValueError("tf.signal.overlap_and_add: the signal must have rank at least 2 "
                         "([..., frames, frame_length]), got shape %s."
                         % (tuple(x._value.shape),))
    if isinstance(frame_step, (float, np.floating)) or (
            isinstance(frame_step, Tensor) and frame_step._value.dtype.kind not in "iu"):
        raise ValueError("tf.signal.overlap_and_add: frame_step must be an integer, got %r."
                         % (frame_step,))
    step = _int_arg(frame_step, "overlap_and_add", "frame_step", 1)
    nframes, length = x._value.shape[-2:]
    if (nframes - 1) * step + length < 0:
        raise InvalidArgumentError(
            "tf.signal.overlap_and_add: no frames and frame_step %d > frame_length %d give "
            "a negative output length." % (step, length))
    return execute(OverlapAdd(step, x._value.ndim - 2), (x,))


# ---- DCT --------------------------------------------------------------------------------

def _dct_base(x, dct_type, norm):
    """DCT of ``dct_type`` over the last axis (SciPy's definitions), computed with FFTs in
    the input's precision."""
    n = x.shape[-1]
    rdt = x.dtype
    cdt = _COMPLEX_OF[rdt]
    k = np.arange(n)
    if dct_type == 1:
        ext = np.concatenate([x, x[..., -2:0:-1]], axis=-1)
        y = np.fft.rfft(ext, axis=-1).real
    elif dct_type == 2:
        tw = (2.0 * np.exp(-1j * np.pi * k / (2 * n))).astype(cdt)
        y = (np.fft.rfft(x, n=2 * n, axis=-1)[..., :n] * tw).real
        if norm == "ortho":
            s = np.full(n, np.sqrt(1.0 / (2 * n)))
            s[0] = np.sqrt(1.0 / (4 * n))
            y = y * s.astype(rdt)
    elif dct_type == 3:
        a = np.full(n, 2.0)
        a[0] = 1.0
        if norm == "ortho":
            a = np.full(n, np.sqrt(2.0 / n))
            a[0] = np.sqrt(1.0 / n)
        tw = (a * np.exp(1j * np.pi * k / (2 * n))).astype(cdt)
        y = (np.fft.ifft(x * tw, n=2 * n, axis=-1)[..., :n]).real * (2 * n)
    else:
        pre = np.exp(-1j * np.pi * k / (2 * n)).astype(cdt)
        post = 2.0 * np.exp(-1j * np.pi * (2 * k + 1) / (4 * n))
        if norm == "ortho":
            post = post * np.sqrt(1.0 / (2 * n))
        y = (np.fft.fft(x * pre, n=2 * n, axis=-1)[..., :n] * post.astype(cdt)).real
    return np.ascontiguousarray(y, dtype=rdt)


class DCT(Op):
    """``post * DCT_type(pre * x)`` over the last axis; ``pre``/``post`` are float64 vectors
    (or None) -- they let each transform's adjoint be another DCT."""

    def __init__(self, dct_type, norm, pre=None, post=None):
        self.dct_type, self.norm, self.pre, self.post = dct_type, norm, pre, post

    def forward(self, x):
        if x.size == 0:
            return np.zeros(x.shape, x.dtype)
        if self.pre is not None:
            x = x * self.pre.astype(x.dtype)
        y = _dct_base(x, self.dct_type, self.norm)
        if self.post is not None:
            y *= self.post.astype(y.dtype)
        return y

    def backward(self, dy):
        n = self.inputs[0]._value.shape[-1]
        ones = np.ones(n)
        pre = ones if self.pre is None else self.pre
        post = ones if self.post is None else self.post
        t, norm = self.dct_type, self.norm
        if t == 4 or norm == "ortho":       # symmetric, or orthogonal with the adjoint type
            op = DCT({2: 3, 3: 2}.get(t, t), norm, post, pre)
        elif t == 2:                         # M2^T = M3 diag(2, 1, ..., 1)
            d = ones.copy()
            d[0] = 2.0
            op = DCT(3, None, post * d, pre)
        elif t == 3:                         # M3^T = diag(1/2, 1, ..., 1) M2
            c = ones.copy()
            c[0] = 0.5
            op = DCT(2, None, post, pre * c)
        else:                                # M1^T = diag(w) M1 diag(1/w), w = (1/2, 1, .., 1/2)
            w = ones.copy()
            w[0] = w[-1] = 0.5
            op = DCT(1, None, post / w, pre * w)
        return (execute(op, (dy,)),)


def _dct_args(input, dct_type, n, axis, norm, fname):
    if dct_type not in (1, 2, 3, 4):
        raise ValueError("tf.signal.%s: types I, II, III and IV are supported, got type=%r."
                         % (fname, dct_type))
    if norm not in (None, "ortho"):
        raise ValueError("tf.signal.%s: unknown normalization %r. Expected None or 'ortho'."
                         % (fname, norm))
    if dct_type == 1 and norm == "ortho":
        raise ValueError("tf.signal.%s: normalization is not supported for the type-I DCT "
                         "(norm must be None)." % fname)
    if n is not None and (not isinstance(n, (int, np.integer)) or n < 1):
        raise ValueError("tf.signal.%s: n should be a positive integer or None, got %r."
                         % (fname, n))
    if axis != -1:
        raise NotImplementedError("tf.signal.%s: axis must be -1 (the innermost dimension), "
                                  "got %r. Transpose the input first." % (fname, axis))
    x = convert(input)
    if x._value.dtype not in _COMPLEX_OF:
        raise TypeError("tf.signal.%s: the input must be float32 or float64, got %s. Cast "
                        "first: tf.cast(x, tf.float32)." % (fname, x.dtype.name))
    if x._value.ndim == 0:
        raise ValueError("tf.signal.%s: the input must have rank at least 1, got a scalar."
                         % fname)
    if n is not None:
        shape = tuple(x._value.shape)
        x = pad_or_crop(x, shape[:-1] + (int(n),))
    if dct_type == 1 and x._value.shape[-1] <= 1:
        raise ValueError("tf.signal.%s: the type-I DCT requires the innermost dimension to "
                         "be greater than one, got %d." % (fname, x._value.shape[-1]))
    return x


def dct(input, type=2, n=None, axis=-1, norm=None, name=None):
    """Discrete cosine transform (types I-IV, as in SciPy) over the innermost dimension.
    ``n`` crops or zero-pads the input first; ``norm='ortho'`` makes types II-IV
    orthonormal."""
    x = _dct_args(input, type, n, axis, norm, "dct")
    return execute(DCT(type, norm), (x,))


def idct(input, type=2, n=None, axis=-1, norm=None, name=None):
    """Inverse DCT: the DCT of the inverse type (II <-> III; I and IV are their own).  With
    ``norm='ortho'`` it inverts ``dct`` exactly; without, ``idct(dct(x))`` is ``x``
    scaled by 2N (2(N-1) for type I)."""
    x = _dct_args(input, type, n, axis, norm, "idct")
    return execute(DCT({2: 3, 3: 2}.get(type, type), norm), (x,))


def dct2_scaled(x, scale):
    """``scale * dct(x, type=2)`` as one primitive (MFCCs)."""
    return dct2_like(x, 2, scale)


def dct2_like(x, dct_type, scale):
    """``scale * dct(x, type=dct_type)`` (no normalization) as one primitive."""
    return execute(DCT(dct_type, None, None, np.full(x._value.shape[-1], float(scale))), (x,))


# ---- complex helpers (TensorFlow's gradient convention) ---------------------------------

class ComplexAbs(Op):
    def forward(self, z):
        return np.abs(z)

    def backward(self, dy):
        # dy * z / |z| (0 where z == 0), written with primitives so that it can be
        # differentiated again
        from ndflow.ops.math_ops import divide, multiply, where
        z, mag = self.inputs[0], self.outputs
        nonzero = wrap(mag._value > 0)
        safe = where(nonzero, mag, wrap(np.ones_like(mag._value)))
        scale = where(nonzero, divide(dy, safe), wrap(np.zeros_like(dy._value)))
        return (execute(Complex(), (multiply(scale, execute(Real(), (z,))),
                                    multiply(scale, execute(Imag(), (z,))))),)


class ScaleBy(Op):
    """``x * c`` for a constant array ``c`` (real or complex).  The adjoint multiplies by
    conj(c), and keeps the real part when ``x`` is real."""

    def __init__(self, c):
        self.c = c

    def forward(self, x):
        return x * self.c

    def backward(self, dy):
        x = self.inputs[0]._value
        g = execute(ScaleBy(np.conj(self.c)), (dy,))
        if x.dtype.kind != "c" and g._value.dtype.kind == "c":
            g = execute(Real(), (g,))
        return (g,)


class Real(Op):
    def forward(self, z):
        return np.ascontiguousarray(z.real)

    def backward(self, dy):
        return (execute(Complex(), (dy, wrap(np.zeros_like(dy._value)))),)


class Imag(Op):
    def forward(self, z):
        return np.ascontiguousarray(z.imag)

    def backward(self, dy):
        return (execute(Complex(), (wrap(np.zeros_like(dy._value)), dy)),)


class Complex(Op):
    def forward(self, re, im):
        out = np.empty(np.broadcast_shapes(re.shape, im.shape), _COMPLEX_OF[re.dtype])
        out.real = re
        out.imag = im
        return out

    def backward(self, dy):
        return execute(Real(), (dy,)), execute(Imag(), (dy,))


class Conj(Op):
    def forward(self, z):
        return np.conj(z)

    def backward(self, dy):
        return (execute(Conj(), (dy,)),)


def complex_abs(x, name=None):
    """|x| of a complex tensor (a real tensor), differentiable."""
    x = convert(x)
    if x._value.dtype.kind != "c":
        raise InvalidArgumentError("complex_abs expects a complex tensor, got %s."
                                   % x.dtype.name)
    return execute(ComplexAbs(), (x,))


def real(x, name=None):
    """The real part of a complex tensor (a real tensor is returned as it is)."""
    x = convert(x)
    return execute(Real(), (x,)) if x._value.dtype.kind == "c" else x


def imag(x, name=None):
    """The imaginary part of a complex tensor (zeros for a real tensor)."""
    x = convert(x)
    if x._value.dtype.kind != "c":
        return wrap(np.zeros_like(x._value))
    return execute(Imag(), (x,))


def complex(real, imag, name=None):
    """``real + 1j * imag`` from two float32 (-> complex64) or float64 tensors."""
    re, im = convert(real), convert(imag)
    if re._value.dtype != im._value.dtype or re._value.dtype not in _COMPLEX_OF:
        raise InvalidArgumentError(
            "complex: real and imag must both be float32 or both float64, got %s and %s."
            % (re.dtype.name, im.dtype.name))
    return execute(Complex(), (re, im))


def conj(x, name=None):
    """The complex conjugate (a real tensor is returned as it is)."""
    x = convert(x)
    return execute(Conj(), (x,)) if x._value.dtype.kind == "c" else x


def real_dtype(dtype):
    """float32 for complex64, float64 for complex128 (as an ndflow DType)."""
    return _dt.as_dtype(_REAL_OF[np.dtype(_dt.as_dtype(dtype)._np)])
