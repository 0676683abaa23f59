"""``tf.signal`` (ndflow.signal, ndflow.ops.signal_ops) without TensorFlow: FFTs against
``np.fft`` in float64, windows, framing, STFTs, mel filters, MFCCs and DCTs against
formulas written out here, and every tape gradient against central finite differences.

Constants marked "from TensorFlow 2.21" were printed by running the same call with real
TensorFlow and pasted in (they pin TensorFlow's conventions: odd-length "periodic"
windows, the HTK mel scale, the MFCC scaling).  Complex gradients follow TensorFlow:
for a real loss L of z = x + iy the gradient is dL/dx + i dL/dy.
"""
import numpy as np
import pytest

import ndflow as tf
from ndflow.core.errors import InvalidArgumentError
from ndflow.ops import signal_ops

RNG = np.random.default_rng(7)


def _real(shape, dtype=np.float64):
    return RNG.normal(size=shape).astype(dtype)


def _cplx(shape, dtype=np.complex128):
    return (RNG.normal(size=shape) + 1j * RNG.normal(size=shape)).astype(dtype)


def _loss_np(y, w):
    """A real loss of a (real or complex) array: sum(|y|^2) + sum(Re(w * y))."""
    return float(np.sum(np.abs(y) ** 2) + np.sum(np.real(w * y)))


def _loss_tf(y, w):
    if y.dtype.is_complex:
        wy = signal_ops.execute(signal_ops.ScaleBy(w), (y,))
        return tf.reduce_sum(signal_ops.complex_abs(y) ** 2) + tf.reduce_sum(
            signal_ops.real(wy))
    return tf.reduce_sum(y * y) + tf.reduce_sum(y * w)


def _check_grad(f_tf, f_np, x0, eps=1e-6, rtol=1e-6, atol=1e-8):
    """The tape gradient of _loss(f(x)) against central differences of the NumPy
    reference ``f_np`` (for complex x: along the real and the imaginary parts)."""
    y0 = f_np(x0)
    w = _cplx(y0.shape) if np.iscomplexobj(y0) else _real(y0.shape)
    xt = tf.constant(x0)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        loss = _loss_tf(f_tf(xt), w)
    g = tape.gradient(loss, xt)
    assert g is not None and g.dtype == xt.dtype
    g = g.numpy()

    def fd(direction):
        out = np.zeros(x0.shape)
        for idx in np.ndindex(x0.shape):
            hi, lo = x0.copy(), x0.copy()
            hi[idx] += eps * direction
            lo[idx] -= eps * direction
            out[idx] = (_loss_np(f_np(hi), w) - _loss_np(f_np(lo), w)) / (2 * eps)
        return out
    want = fd(1.0) + (1j * fd(1j) if np.iscomplexobj(x0) else 0)
    assert np.abs(want).max() > 1e-3
    np.testing.assert_allclose(g, want, rtol=rtol, atol=atol * np.abs(want).max())


def test_namespaces():
    import ndflow.signal
    import ndflow.audio
    assert tf.signal is ndflow.signal and tf.audio is ndflow.audio
    for name in ["fft", "ifft", "fft2d", "ifft2d", "fft3d", "ifft3d", "rfft", "irfft",
                 "rfft2d", "irfft2d", "fftshift", "ifftshift", "frame", "overlap_and_add",
                 "hann_window", "hamming_window", "kaiser_window", "vorbis_window", "stft",
                 "inverse_stft", "inverse_stft_window_fn", "linear_to_mel_weight_matrix",
                 "mfccs_from_log_mel_spectrograms", "dct", "idct"]:
        assert callable(getattr(tf.signal, name)), name


# ---- FFTs -------------------------------------------------------------------------------

@pytest.mark.parametrize("name,np_fn,rank", [
    ("fft", np.fft.fftn, 1), ("ifft", np.fft.ifftn, 1), ("fft2d", np.fft.fftn, 2),
    ("ifft2d", np.fft.ifftn, 2), ("fft3d", np.fft.fftn, 3), ("ifft3d", np.fft.ifftn, 3)])
@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_complex_ffts_match_numpy(name, np_fn, rank, dtype):
    x = _cplx((2, 3, 4, 5), dtype)
    y = getattr(tf.signal, name)(tf.constant(x))
    assert y.dtype == tf.as_dtype(dtype)
    axes = tuple(range(-rank, 0))
    want = np_fn(x.astype(np.complex128), axes=axes)
    tol = 1e-5 if dtype == np.complex64 else 1e-12
    np.testing.assert_allclose(y.numpy(), want, rtol=tol, atol=tol * np.abs(want).max())


def test_fft_of_empty_and_errors():
    assert tf.signal.fft(tf.zeros([2, 0], tf.complex64)).shape == (2, 0)
    with pytest.raises(InvalidArgumentError, match="complex64 or complex128"):
        tf.signal.fft(tf.constant([1.0, 2.0]))
    with pytest.raises(InvalidArgumentError, match="rank of at least 3"):
        tf.signal.fft3d(tf.zeros([2, 2], tf.complex64))
    with pytest.raises(InvalidArgumentError, match="rank of at least 1"):
        tf.signal.ifft(tf.constant(np.complex64(1j)))


@pytest.mark.parametrize("shape,fft_length", [((3, 8), None), ((3, 9), None), ((5,), [8]),
                                              ((2, 10), [6]), ((2, 7), [7]), ((4,), [1])])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rfft_irfft_match_numpy(shape, fft_length, dtype):
    x = _real(shape, dtype)
    y = tf.signal.rfft(tf.constant(x), fft_length)
    assert y.dtype == (tf.complex64 if dtype == np.float32 else tf.complex128)
    n = None if fft_length is None else fft_length[0]
    want = np.fft.rfft(x.astype(np.float64), n=n)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(y.numpy(), want, rtol=tol, atol=tol * np.abs(want).max())
    # irfft of an arbitrary spectrum (imaginary DC and Nyquist parts are ignored)
    h = _cplx(shape, np.complex64 if dtype == np.float32 else np.complex128)
    if fft_length is None and shape[-1] < 2:
        return
    z = tf.signal.irfft(tf.constant(h), fft_length)
    assert z.dtype == tf.as_dtype(dtype)
    want = np.fft.irfft(h.astype(np.complex128), n=n)
    np.testing.assert_allclose(z.numpy(), want, rtol=tol, atol=tol * np.abs(want).max())


@pytest.mark.parametrize("rank,shape,fft_length", [(2, (2, 4, 6), None), (2, (3, 5), [4, 8]),
                                                   (2, (2, 6, 6), [3, 5]),
                                                   (3, (2, 3, 4, 5), None),
                                                   (3, (3, 4, 4), [2, 5, 6])])
def test_multidimensional_real_ffts_match_numpy(rank, shape, fft_length):
    suffix = {2: "2d", 3: "3d"}[rank]
    axes = tuple(range(-rank, 0))
    x = _real(shape)
    y = getattr(tf.signal, "rfft" + suffix)(tf.constant(x), fft_length)
    np.testing.assert_allclose(y.numpy(), np.fft.rfftn(x, s=fft_length, axes=axes),
                               rtol=1e-12, atol=1e-12)
    h = _cplx(y.shape)
    lengths = fft_length or list(shape[-rank:])
    z = getattr(tf.signal, "irfft" + suffix)(tf.constant(h), lengths)
    np.testing.assert_allclose(z.numpy(), np.fft.irfftn(h, s=lengths, axes=axes),
                               rtol=1e-12, atol=1e-12)


def test_fft_input_conversion_and_errors():
    # NumPy arrays take the op's default dtype, as in TensorFlow (from TensorFlow 2.21:
    # tf.signal.rfft(np.array([1., 2.])) is complex64)
    assert tf.signal.rfft(np.array([1.0, 2.0])).dtype == tf.complex64
    assert tf.signal.fft(np.array([1 + 2j, 3j])).dtype == tf.complex64
    assert tf.signal.fft([1 + 2j, 3j]).dtype == tf.complex128
    with pytest.raises(ValueError, match="float32 or float64"):
        tf.signal.rfft(tf.constant([1, 2], tf.float16))
    with pytest.raises(ValueError, match="complex64 or complex128"):
        tf.signal.irfft(tf.constant([1.0, 2.0]))
    with pytest.raises(TypeError, match=r"fft_length=\[256\]"):
        tf.signal.rfft(tf.constant([1.0, 2.0]), fft_length=5)
    with pytest.raises(TypeError, match="list of 2 integers"):
        tf.signal.rfft2d(tf.constant([[1.0, 2.0]]), fft_length=[2])
    with pytest.raises(InvalidArgumentError, match="at least 1"):
        tf.signal.rfft(tf.constant([1.0, 2.0]), fft_length=[0])
    with pytest.raises(InvalidArgumentError, match="Pass fft_length"):
        tf.signal.irfft(tf.constant([1j], tf.complex64))
    with pytest.raises(ValueError, match="rank at least 2"):
        tf.signal.rfft2d(tf.constant([1.0, 2.0]))


@pytest.mark.parametrize("name,np_fn,rank", [("fft", np.fft.fftn, 1),
                                             ("ifft", np.fft.ifftn, 1),
                                             ("fft2d", np.fft.fftn, 2),
                                             ("ifft3d", np.fft.ifftn, 3)])
def test_complex_fft_gradients(name, np_fn, rank):
    axes = tuple(range(-rank, 0))
    _check_grad(getattr(tf.signal, name), lambda v: np_fn(v, axes=axes), _cplx((2, 3, 4)))


@pytest.mark.parametrize("n_in,fft_length", [(6, None), (7, None), (5, [8]), (6, [4]),
                                             (7, [3]), (1, [4])])
def test_rfft_gradient(n_in, fft_length):
    n = None if fft_length is None else fft_length[0]
    _check_grad(lambda t: tf.signal.rfft(t, fft_length), lambda v: np.fft.rfft(v, n=n),
                _real((2, n_in)))


@pytest.mark.parametrize("n_in,fft_length", [(4, None), (4, [7]), (4, [6]), (5, [4]),
                                             (3, [9]), (4, [3]), (2, [1])])
def test_irfft_gradient(n_in, fft_length):
    # includes the imaginary parts of the DC / Nyquist terms (zero gradient), padding and
    # cropping of the bins -- cases where TensorFlow 2.21's own gradient fails
    n = None if fft_length is None else fft_length[0]
    _check_grad(lambda t: tf.signal.irfft(t, fft_length), lambda v: np.fft.irfft(v, n=n),
                _cplx((2, n_in)))


@pytest.mark.parametrize("shape,fft_length", [((3, 4), None), ((3, 5), [4, 6]),
                                              ((4, 6), [3, 4])])
def test_rfft2d_irfft2d_gradients(shape, fft_length):
    _check_grad(lambda t: tf.signal.rfft2d(t, fft_length),
                lambda v: np.fft.rfftn(v, s=fft_length, axes=(-2, -1)), _real(shape))
    lengths = fft_length or [shape[0], 2 * (shape[1] - 1)]
    _check_grad(lambda t: tf.signal.irfft2d(t, fft_length),
                lambda v: np.fft.irfftn(v, s=lengths, axes=(-2, -1)), _cplx(shape))


def test_second_order_gradient_through_rfft():
    # d/dx of (d/dx sum |rfft(x)|^2 . v): the Hessian of sum|rfft x|^2 applied to v,
    # against finite differences of the first gradient
    x0, v = _real(6), _real(6)

    def grad(x):
        xt = tf.constant(x)
        with tf.GradientTape() as t:
            t.watch(xt)
            loss = tf.reduce_sum(signal_ops.complex_abs(tf.signal.rfft(xt)) ** 2)
        return t.gradient(loss, xt)

    xt = tf.constant(x0)
    with tf.GradientTape() as outer:
        outer.watch(xt)
        with tf.GradientTape() as inner:
            inner.watch(xt)
            loss = tf.reduce_sum(signal_ops.complex_abs(tf.signal.rfft(xt)) ** 2)
        g = inner.gradient(loss, xt)
        gv = tf.reduce_sum(g * v)
    hv = outer.gradient(gv, xt).numpy()
    eps = 1e-5
    want = (grad(x0 + eps * v).numpy() - grad(x0 - eps * v).numpy()) / (2 * eps)
    np.testing.assert_allclose(hv, want, rtol=1e-6, atol=1e-8)


def test_fftshift():
    x = np.arange(30).reshape(5, 6)
    np.testing.assert_array_equal(tf.signal.fftshift(x).numpy(), np.fft.fftshift(x))
    np.testing.assert_array_equal(tf.signal.ifftshift(x, axes=1).numpy(),
                                  np.fft.ifftshift(x, axes=1))
    np.testing.assert_array_equal(tf.signal.fftshift(x, axes=[-2]).numpy(),
                                  np.fft.fftshift(x, axes=0))
    # from TensorFlow 2.21: tf.signal.fftshift(tf.range(5)) == [3 4 0 1 2]
    assert tf.signal.fftshift(tf.range(5)).numpy().tolist() == [3, 4, 0, 1, 2]
    assert tf.signal.ifftshift(tf.range(5)).numpy().tolist() == [2, 3, 4, 0, 1]
    y = tf.constant(_real((3, 4)))
    with tf.GradientTape() as t:
        t.watch(y)
        s = tf.reduce_sum(tf.signal.fftshift(y) * np.arange(12.0).reshape(3, 4))
    np.testing.assert_array_equal(t.gradient(s, y).numpy(),
                                  np.fft.ifftshift(np.arange(12.0).reshape(3, 4)))


# ---- frame / overlap_and_add -------------------------------------------------------------

def _frame_np(x, frame_length, frame_step, pad_end=False, pad_value=0, axis=-1):
    length, step = frame_length, frame_step
    x = np.moveaxis(np.asarray(x), axis, -1)
    n = x.shape[-1]
    if pad_end:
        count = -(-n // step)
        need = max((count - 1) * step + length, n)
        x = np.concatenate([x, np.full(x.shape[:-1] + (need - n,), pad_value, x.dtype)], -1)
    else:
        count = max(0, 1 + (n - length) // step)
    frames = np.stack([x[..., i * step:i * step + length] for i in range(count)], -2) \
        if count else np.zeros(x.shape[:-1] + (0, length), x.dtype)
    axis = axis % (x.ndim)
    return np.moveaxis(frames, (-2, -1), (axis, axis + 1))


@pytest.mark.parametrize("shape,kw", [
    ((2, 10), dict(frame_length=4, frame_step=3)),
    ((2, 10), dict(frame_length=4, frame_step=3, pad_end=True)),
    ((2, 10), dict(frame_length=4, frame_step=3, pad_end=True, pad_value=-1.5)),
    ((1, 10), dict(frame_length=11, frame_step=3)),
    ((1, 10), dict(frame_length=11, frame_step=3, pad_end=True)),
    ((3, 10), dict(frame_length=4, frame_step=5)),
    ((3, 10), dict(frame_length=4, frame_step=5, pad_end=True)),
    ((6, 2), dict(frame_length=3, frame_step=2, axis=0)),
    ((2, 7, 3), dict(frame_length=2, frame_step=2, axis=1, pad_end=True)),
    ((2, 7, 3), dict(frame_length=3, frame_step=1, axis=-2))])
def test_frame_values_and_gradients(shape, kw):
    x = _real(shape)
    got = tf.signal.frame(tf.constant(x), **kw)
    want = _frame_np(x, **kw)
    assert got.shape == want.shape and got.dtype == tf.float64
    np.testing.assert_array_equal(got.numpy(), want)
    if want.size:
        _check_grad(lambda t: tf.signal.frame(t, **kw), lambda v: _frame_np(v, **kw), x)


def test_frame_shapes_dtypes_and_errors():
    # from TensorFlow 2.21: frame(range(10), 4, 3, pad_end=True, pad_value=7)
    got = tf.signal.frame(tf.range(10), 4, 3, pad_end=True, pad_value=7)
    assert got.dtype == tf.int32
    assert got.numpy().tolist() == [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9], [9, 7, 7, 7]]
    assert tf.signal.frame(tf.zeros([0]), 3, 2).shape == (0, 3)
    assert tf.signal.frame(tf.zeros([0]), 3, 2, pad_end=True).shape == (0, 3)
    assert tf.signal.frame(tf.zeros([1, 10]), 0, 3).shape == (1, 4, 0)
    assert tf.signal.frame([b"a", b"b", b"c"], 2, 1).numpy().tolist() == [[b"a", b"b"],
                                                                          [b"b", b"c"]]
    with pytest.raises(ValueError, match="rank at least 1"):
        tf.signal.frame(tf.constant(1.0), 3, 2)
    with pytest.raises(InvalidArgumentError, match="frame_step must be at least 1"):
        tf.signal.frame(tf.zeros([10]), 3, 0)
    with pytest.raises(InvalidArgumentError, match="frame_length must be at least 0"):
        tf.signal.frame(tf.zeros([10]), -1, 2)
    with pytest.raises(InvalidArgumentError, match="axis 2 is out of range"):
        tf.signal.frame(tf.zeros([1, 10]), 3, 2, axis=2)
    with pytest.raises(ValueError, match="scalar"):
        tf.signal.frame(tf.zeros([10]), [3], 2)
    with pytest.raises(TypeError, match="pad_value"):
        tf.signal.frame(tf.range(10), 4, 3, pad_end=True, pad_value=1.5)


def _ola_np(frames, step):
    frames = np.asarray(frames)
    f, n = frames.shape[-2:]
    out = np.zeros(frames.shape[:-2] + ((f - 1) * step + n,), frames.dtype)
    for i in range(f):
        out[..., i * step:i * step + n] += frames[..., i, :]
    return out


@pytest.mark.parametrize("shape,step", [((3, 4), 2), ((3, 4), 5), ((3, 4), 4), ((2, 3, 4), 1),
                                        ((4, 6), 4), ((2, 5, 7), 3), ((3, 0), 1)])
def test_overlap_and_add(shape, step):
    x = _real(shape)
    got = tf.signal.overlap_and_add(tf.constant(x), step)
    np.testing.assert_allclose(got.numpy(), _ola_np(x, step), rtol=1e-14, atol=1e-14)
    if x.size:
        _check_grad(lambda t: tf.signal.overlap_and_add(t, step), lambda v: _ola_np(v, step),
                    x)


def test_overlap_and_add_edge_cases():
    # from TensorFlow 2.21: overlap_and_add(zeros([0, 4]), 1) has shape (3,)
    assert tf.signal.overlap_and_add(tf.zeros([0, 4]), 1).shape == (3,)
    ints = np.arange(12, dtype=np.int32).reshape(3, 4)
    got = tf.signal.overlap_and_add(ints, 2)
    assert got.dtype == tf.int32
    assert got.numpy().tolist() == [0, 1, 6, 8, 14, 16, 10, 11]
    c = _cplx((3, 4), np.complex64)
    np.testing.assert_allclose(tf.signal.overlap_and_add(c, 3).numpy(), _ola_np(c, 3),
                               rtol=1e-6)
    with pytest.raises(ValueError, match="rank at least 2"):
        tf.signal.overlap_and_add(tf.zeros([4]), 1)
    with pytest.raises(ValueError, match="must be an integer"):
        tf.signal.overlap_and_add(tf.zeros([3, 4]), 2.0)
    with pytest.raises(InvalidArgumentError, match="at least 1"):
        tf.signal.overlap_and_add(tf.zeros([3, 4]), 0)


# ---- windows ----------------------------------------------------------------------------

@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 5, 8, 9, 255, 256])
@pytest.mark.parametrize("periodic", [True, False])
def test_hann_and_hamming_windows(n, periodic):
    k = np.arange(n)
    # TensorFlow's convention: "periodic" only changes windows of even length
    denom = n - 1 + (1 if periodic and n % 2 == 0 else 0)
    for fn, a, b in [(tf.signal.hann_window, 0.5, 0.5), (tf.signal.hamming_window, 0.54, 0.46)]:
        w = fn(n, periodic=periodic)
        want = np.ones(1) if n == 1 else a - b * np.cos(2 * np.pi * k / max(denom, 1))
        assert w.dtype == tf.float32 and w.shape == (n,)
        np.testing.assert_allclose(w.numpy(), want, rtol=1e-6, atol=1e-7)
        w64 = fn(n, periodic=periodic, dtype=tf.float64)
        np.testing.assert_allclose(w64.numpy(), want, rtol=1e-15, atol=1e-15)


def test_window_constants_from_tensorflow():
    # from TensorFlow 2.21
    np.testing.assert_allclose(tf.signal.hann_window(5).numpy(), [0.0, 0.5, 1.0, 0.5, 0.0],
                               atol=1e-7)
    np.testing.assert_allclose(tf.signal.hann_window(2).numpy(), [0.0, 1.0], atol=1e-7)
    np.testing.assert_allclose(tf.signal.hann_window(2, periodic=False).numpy(), [0.0, 0.0],
                               atol=1e-7)
    np.testing.assert_allclose(tf.signal.hamming_window(5).numpy(),
                               [0.08000001, 0.54, 1.0, 0.54, 0.08000001], rtol=1e-6)
    np.testing.assert_allclose(tf.signal.kaiser_window(5).numpy(),
                               [5.2773448e-05, 2.1567266e-01, 1.0, 2.1567266e-01,
                                5.2773448e-05], rtol=2e-6)
    np.testing.assert_allclose(tf.signal.kaiser_window(6, beta=3.0).numpy(),
                               [0.20488471, 0.62474626, 0.95222163, 0.95222163, 0.62474626,
                                0.20488471], rtol=2e-6)
    np.testing.assert_allclose(tf.signal.vorbis_window(5).numpy(),
                               [0.14943586, 0.8563191, 1.0, 0.8563191, 0.14943568], rtol=2e-6)
    np.testing.assert_allclose(tf.signal.kaiser_bessel_derived_window(6).numpy(),
                               [0.00713103, 0.70710677, 0.99997455, 0.99997455, 0.70710677,
                                0.00713103], rtol=2e-6)


def test_kaiser_and_vorbis_formulas():
    for n in (1, 2, 7, 16):
        for beta in (0.0, 5.0, 12.0):
            np.testing.assert_allclose(
                tf.signal.kaiser_window(n, beta=beta, dtype=tf.float64).numpy(),
                np.kaiser(n, beta), rtol=1e-12)
        k = np.arange(n)
        np.testing.assert_allclose(tf.signal.vorbis_window(n, dtype=tf.float64).numpy(),
                                   np.sin(np.pi / 2 * np.sin(np.pi * (k + 0.5) / n) ** 2),
                                   rtol=1e-14)


def test_window_arguments_and_errors():
    assert tf.signal.hann_window(tf.constant(4)).shape == (4,)
    np.testing.assert_allclose(tf.signal.hann_window(4, periodic=tf.constant(False)).numpy(),
                               tf.signal.hann_window(4, periodic=False).numpy())
    assert tf.signal.hann_window(5, dtype=tf.float16).dtype == tf.float16
    with pytest.raises(ValueError, match="floating point"):
        tf.signal.hann_window(5, dtype=tf.int32)
    with pytest.raises(InvalidArgumentError, match="non-negative"):
        tf.signal.hamming_window(-1)
    with pytest.raises(TypeError, match="integer"):
        tf.signal.vorbis_window(5.0)


# ---- STFT ---------------------------------------------------------------------------------

def _stft_np(x, frame_length, frame_step, fft_length=None, window="hann", pad_end=False):
    fft_length = fft_length or 1 << (frame_length - 1).bit_length()
    frames = _frame_np(x, frame_length, frame_step, pad_end=pad_end)
    if window == "hann":
        k = np.arange(frame_length)
        denom = frame_length - 1 + (frame_length % 2 == 0)
        frames = frames * (0.5 - 0.5 * np.cos(2 * np.pi * k / denom))
    return np.fft.rfft(frames, n=fft_length)


@pytest.mark.parametrize("kw", [dict(frame_length=20, frame_step=10),
                                dict(frame_length=20, frame_step=10, pad_end=True),
                                dict(frame_length=20, frame_step=10, fft_length=16),
                                dict(frame_length=33, frame_step=7),
                                dict(frame_length=16, frame_step=4, window=None)])
def test_stft_values_and_gradients(kw):
    x = _real((2, 100))
    tkw = dict(kw)
    if "window" in tkw:
        tkw.pop("window")
        tkw["window_fn"] = None
    got = tf.signal.stft(tf.constant(x), **tkw)
    want = _stft_np(x, **kw)
    assert got.dtype == tf.complex128 and got.shape == want.shape
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12, atol=1e-12)
    _check_grad(lambda t: tf.signal.stft(t, **tkw), lambda v: _stft_np(v, **kw), _real((1, 48)))


def test_stft_of_the_simple_audio_tutorial():
    wave = (_real(16000) * 0.1).astype(np.float32)
    spec = tf.abs(tf.signal.stft(wave, frame_length=255, frame_step=128))
    assert spec.shape == (124, 129) and spec.dtype == tf.float32
    np.testing.assert_allclose(spec.numpy(), np.abs(_stft_np(wave.astype(np.float64), 255,
                                                             128)), rtol=1e-4, atol=1e-4)
    batch = tf.signal.stft(tf.constant(np.stack([wave, wave])), 255, 128)
    assert batch.shape == (2, 124, 129) and batch.dtype == tf.complex64


def test_stft_window_fn_receives_length_and_dtype():
    calls = []

    def window(n, dtype):
        calls.append((n, dtype))
        return tf.ones([n], dtype)
    x = _real((3, 50))
    got = tf.signal.stft(tf.constant(x), 16, 8, window_fn=window)
    assert calls == [(16, tf.float64)]
    np.testing.assert_allclose(got.numpy(), _stft_np(x, 16, 8, window=None), rtol=1e-12)
    with pytest.raises(ValueError, match="expected shape"):
        tf.signal.stft(tf.constant(x), 16, 8, window_fn=lambda n, dtype: tf.ones([n + 1], dtype))
    with pytest.raises(ValueError, match="float32 or float64"):
        tf.signal.stft(tf.range(10), 4, 2)
    with pytest.raises(TypeError, match="integer"):
        tf.signal.stft(tf.constant(x), 16.0, 8)


def _istft_np(spec, frame_length, frame_step, fft_length, window):
    frames = np.fft.irfft(spec, n=fft_length)
    frames = frames[..., :frame_length]
    if frames.shape[-1] < frame_length:
        frames = np.concatenate([frames, np.zeros(frames.shape[:-1] + (
            frame_length - frames.shape[-1],))], -1)
    if window is not None:
        frames = frames * window
    return _ola_np(frames, frame_step)


@pytest.mark.parametrize("frame_length,fft_length,window", [(20, None, "hann"),
                                                            (20, 32, None), (16, None, None),
                                                            (40, 32, "hann")])
def test_inverse_stft_values_and_gradients(frame_length, fft_length, window):
    spec = _cplx((2, 5, 17))
    fl = fft_length or 1 << (frame_length - 1).bit_length()
    w = tf.signal.hann_window(frame_length, dtype=tf.float64).numpy() if window else None
    kw = dict(fft_length=fft_length, window_fn=tf.signal.hann_window if window else None)
    got = tf.signal.inverse_stft(tf.constant(spec), frame_length, 10, **kw)
    want = _istft_np(spec, frame_length, 10, fl, w)
    assert got.dtype == tf.float64
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12, atol=1e-12)
    _check_grad(lambda t: tf.signal.inverse_stft(t, frame_length, 10, **kw),
                lambda v: _istft_np(v, frame_length, 10, fl, w), spec[:1, :3])


def test_inverse_stft_reconstructs_the_signal():
    x = _real((2, 400)).astype(np.float32)
    spec = tf.signal.stft(x, 64, 16)
    back = tf.signal.inverse_stft(spec, 64, 16,
                                  window_fn=tf.signal.inverse_stft_window_fn(16))
    np.testing.assert_allclose(back.numpy()[:, 64:-64], x[:, 64:back.shape[1] - 64],
                               rtol=1e-4, atol=1e-5)


def test_inverse_stft_window_fn():
    # from TensorFlow 2.21: inverse_stft_window_fn(3)(8, tf.float64)
    np.testing.assert_allclose(
        tf.signal.inverse_stft_window_fn(3)(8, tf.float64).numpy(),
        [0.0, 0.1404234, 0.51095832, 0.87226042, 0.95887094, 0.87226042, 0.51095832,
         0.1404234], rtol=1e-7, atol=1e-8)
    # from TensorFlow 2.21: a step longer than the window gives 1 / window
    np.testing.assert_allclose(
        tf.signal.inverse_stft_window_fn(7, tf.signal.hamming_window)(5, tf.float32).numpy(),
        [12.499998, 1.8518518, 1.0, 1.8518518, 12.499998], rtol=1e-6)
    # the general formula: w[n] / sum_k w[n + k * step]^2 over the frames that overlap n
    w = tf.signal.hann_window(20, dtype=tf.float64).numpy()
    denom = np.array([sum(w[m] ** 2 for m in range(20) if m % 8 == n % 8) for n in range(20)])
    np.testing.assert_allclose(
        tf.signal.inverse_stft_window_fn(8)(20, tf.float64).numpy(), w / denom, rtol=1e-12)


def test_inverse_stft_errors():
    with pytest.raises(ValueError, match="rank at least 2"):
        tf.signal.inverse_stft(tf.zeros([17], tf.complex64), 20, 10)
    with pytest.raises(ValueError, match="complex64 or complex128"):
        tf.signal.inverse_stft(tf.zeros([3, 17]), 20, 10)


# ---- mel filters, MFCCs, DCT ----------------------------------------------------------

def _mel_np(num_mel, num_spec, sr, lo, hi):
    def mel(f):
        return 1127.0 * np.log(1.0 + np.asarray(f, dtype=np.float64) / 700.0)
    freqs = np.linspace(0.0, sr / 2.0, num_spec)
    edges = np.linspace(mel(lo), mel(hi), num_mel + 2)
    out = np.zeros((num_spec, num_mel))
    for i in range(1, num_spec):
        m = mel(freqs[i])
        for j in range(num_mel):
            left, centre, right = edges[j], edges[j + 1], edges[j + 2]
            out[i, j] = max(0.0, min((m - left) / (centre - left), (right - m) / (right - centre)))
    return out


@pytest.mark.parametrize("args", [(20, 129, 8000, 125.0, 3800.0), (4, 9, 16000, 0, 8000),
                                  (40, 257, 16000, 80.0, 7600.0), (3, 6, 100, 10, 40),
                                  (4, 1, 16000, 0, 8000)])
def test_linear_to_mel_weight_matrix_formula(args):
    got = tf.signal.linear_to_mel_weight_matrix(*args, dtype=tf.float64)
    assert got.dtype == tf.float64 and got.shape == (args[1], args[0])
    np.testing.assert_allclose(got.numpy(), _mel_np(*args), rtol=1e-12, atol=1e-14)
    assert tf.signal.linear_to_mel_weight_matrix(*args).dtype == tf.float32


def test_linear_to_mel_weight_matrix_constants_from_tensorflow():
    # from TensorFlow 2.21: linear_to_mel_weight_matrix(4, 9, 16000, 0, 8000) (float32;
    # TF computes in float32, so the last digits may differ by ~1e-7)
    want = np.array([[0.0, 0.0, 0.0, 0.0],
                     [0.23947641, 0.7605236, 0.0, 0.0],
                     [0.0, 0.3215719, 0.6784281, 0.0],
                     [0.0, 0.0, 0.69641066, 0.30358934],
                     [0.0, 0.0, 0.22174808, 0.77825195],
                     [0.0, 0.0, 0.0, 0.83900255],
                     [0.0, 0.0, 0.0, 0.5182856],
                     [0.0, 0.0, 0.0, 0.24226765],
                     [0.0, 0.0, 0.0, 0.0]])
    got = tf.signal.linear_to_mel_weight_matrix(4, 9, 16000, 0, 8000)
    np.testing.assert_allclose(got.numpy(), want, rtol=0, atol=5e-7)
    # defaults: 129 x 20; tensors are accepted for the rates and edges
    assert tf.signal.linear_to_mel_weight_matrix().shape == (129, 20)
    got_t = tf.signal.linear_to_mel_weight_matrix(4, 9, tf.constant(16000), tf.constant(0.0),
                                                  tf.constant(8000.0))
    np.testing.assert_array_equal(got_t.numpy(), got.numpy())


@pytest.mark.parametrize("args,kw,exc,match", [
    ((0, 9, 16000, 0, 8000), {}, ValueError, "num_mel_bins must be positive"),
    ((4, 9, 0, 0, 8000), {}, ValueError, "sample_rate must be positive"),
    ((4, 9, 16000, -1, 8000), {}, ValueError, "lower_edge_hertz must be non-negative"),
    ((4, 9, 16000, 100, 50), {}, ValueError, ">= upper_edge_hertz"),
    ((4, 9, 16000, 100, 9000), {}, ValueError, "Nyquist"),
    ((4, 9, 16000, 0, 8000), {"dtype": tf.int32}, ValueError, "floating point"),
    ((4.0, 9, 16000, 0, 8000), {}, TypeError, "integer")])
def test_linear_to_mel_weight_matrix_errors(args, kw, exc, match):
    with pytest.raises(exc, match=match):
        tf.signal.linear_to_mel_weight_matrix(*args, **kw)


def _dct_matrix(n, dct_type, norm):
    k = np.arange(n)[:, None]
    m = np.arange(n)[None, :]
    if dct_type == 1:
        mat = 2 * np.cos(np.pi * k * m / (n - 1))
        mat[:, 0] = 1
        mat[:, -1] = (-1.0) ** k[:, 0]
        return mat
    if dct_type == 2:
        mat = 2 * np.cos(np.pi * k * (2 * m + 1) / (2 * n))
        if norm == "ortho":
            mat[0] *= np.sqrt(1 / (4 * n))
            mat[1:] *= np.sqrt(1 / (2 * n))
        return mat
    if dct_type == 3:
        mat = 2 * np.cos(np.pi * m * (2 * k + 1) / (2 * n))
        mat[:, 0] = 1
        if norm == "ortho":
            mat[:, 0] *= np.sqrt(1 / n)
            mat[:, 1:] *= np.sqrt(1 / (2 * n))
        return mat
    mat = 2 * np.cos(np.pi * (2 * k + 1) * (2 * m + 1) / (4 * n))
    return mat * np.sqrt(1 / (2 * n)) if norm == "ortho" else mat


@pytest.mark.parametrize("dct_type", [1, 2, 3, 4])
@pytest.mark.parametrize("norm", [None, "ortho"])
@pytest.mark.parametrize("n", [None, 3, 9])
def test_dct_and_idct(dct_type, norm, n):
    if dct_type == 1 and norm == "ortho":
        with pytest.raises(ValueError, match="type-I"):
            tf.signal.dct(tf.zeros([3]), type=1, norm="ortho")
        return
    x = _real((3, 6))

    def ref(v, t):
        v = np.asarray(v)
        length = n or v.shape[-1]
        v = np.concatenate([v, np.zeros(v.shape[:-1] + (max(length - v.shape[-1], 0),))],
                           -1)[..., :length]
        return v @ _dct_matrix(length, t, norm).T
    got = tf.signal.dct(tf.constant(x), type=dct_type, n=n, norm=norm)
    np.testing.assert_allclose(got.numpy(), ref(x, dct_type), rtol=1e-12, atol=1e-12)
    inverse_type = {2: 3, 3: 2}.get(dct_type, dct_type)
    goti = tf.signal.idct(tf.constant(x), type=dct_type, n=n, norm=norm)
    np.testing.assert_allclose(goti.numpy(), ref(x, inverse_type), rtol=1e-12, atol=1e-12)
    got32 = tf.signal.dct(tf.constant(x.astype(np.float32)), type=dct_type, n=n, norm=norm)
    assert got32.dtype == tf.float32
    np.testing.assert_allclose(got32.numpy(), ref(x, dct_type), rtol=1e-4, atol=1e-4)
    _check_grad(lambda t: tf.signal.dct(t, type=dct_type, n=n, norm=norm),
                lambda v: ref(v, dct_type), x[:2])
    _check_grad(lambda t: tf.signal.idct(t, type=dct_type, n=n, norm=norm),
                lambda v: ref(v, inverse_type), x[:2])


def test_idct_inverts_dct():
    x = _real((4, 10))
    for t in (2, 3, 4):
        back = tf.signal.idct(tf.signal.dct(x, type=t, norm="ortho"), type=t, norm="ortho")
        np.testing.assert_allclose(back.numpy(), x, rtol=1e-12, atol=1e-12)
        scaled = tf.signal.idct(tf.signal.dct(x, type=t), type=t)
        np.testing.assert_allclose(scaled.numpy(), 2 * 10 * x, rtol=1e-12, atol=1e-11)
    back1 = tf.signal.idct(tf.signal.dct(x, type=1), type=1)
    np.testing.assert_allclose(back1.numpy(), 2 * 9 * x, rtol=1e-12, atol=1e-11)


def test_dct_second_order_gradient():
    x0, v = _real(5), _real(5)
    xt = tf.constant(x0)
    with tf.GradientTape() as outer:
        outer.watch(xt)
        with tf.GradientTape() as inner:
            inner.watch(xt)
            y = tf.signal.dct(xt, type=2)
            loss = tf.reduce_sum(y * y * y)
        g = inner.gradient(loss, xt)
        gv = tf.reduce_sum(g * v)
    hv = outer.gradient(gv, xt).numpy()
    m = _dct_matrix(5, 2, None)
    want = m.T @ (6 * (m @ x0) * (m @ v))   # Hessian of sum((Mx)^3) applied to v
    np.testing.assert_allclose(hv, want, rtol=1e-10)


@pytest.mark.parametrize("kw,exc,match", [
    (dict(n=0), ValueError, "positive integer"), (dict(axis=0), NotImplementedError, "-1"),
    (dict(type=5), ValueError, "types I, II, III and IV"),
    (dict(norm="bad"), ValueError, "normalization")])
def test_dct_errors(kw, exc, match):
    with pytest.raises(exc, match=match):
        tf.signal.dct(tf.zeros([3, 5]), **kw)
    with pytest.raises(TypeError, match="float32 or float64"):
        tf.signal.dct(tf.zeros([3, 5], tf.int32))
    with pytest.raises(ValueError, match="greater than one"):
        tf.signal.dct(tf.zeros([3, 1]), type=1)


def test_mfccs_from_log_mel_spectrograms():
    lm = _real((3, 5))
    got = tf.signal.mfccs_from_log_mel_spectrograms(tf.constant(lm))
    want = lm @ _dct_matrix(5, 2, None).T / np.sqrt(2 * 5)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12, atol=1e-12)
    _check_grad(tf.signal.mfccs_from_log_mel_spectrograms,
                lambda v: v @ _dct_matrix(5, 2, None).T / np.sqrt(10), lm)
    # from TensorFlow 2.21: MFCCs of [[1, 2, 3, 4]] (float32)
    np.testing.assert_allclose(
        tf.signal.mfccs_from_log_mel_spectrograms([[1.0, 2.0, 3.0, 4.0]]).numpy(),
        [[7.0710678e+00, -2.2304425e+00, 8.4293696e-08, -1.5851244e-01]], rtol=1e-6,
        atol=1e-6)
    # from TensorFlow 2.21: tf.signal.dct([[1., 2., 3., 4.]], type=4, norm="ortho")
    np.testing.assert_allclose(
        tf.signal.dct([[1.0, 2.0, 3.0, 4.0]], type=4, norm="ortho").numpy(),
        [[3.5997367, -3.3399112, 1.7714077, -1.6580117]], rtol=1e-6)
    with pytest.raises(ValueError, match="must be positive"):
        tf.signal.mfccs_from_log_mel_spectrograms(tf.zeros([3, 0]))
    with pytest.raises(TypeError, match="float32 or float64"):
        tf.signal.mfccs_from_log_mel_spectrograms(tf.zeros([3, 5], tf.int32))


def test_log_mel_mfcc_pipeline_trains():
    # the tutorial's pipeline, differentiated end to end w.r.t. the waveform
    x = tf.constant(_real((2, 800)) * 0.3)
    mel = tf.signal.linear_to_mel_weight_matrix(20, 129, 8000, 125.0, 3800.0, tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x)
        spec = signal_ops.complex_abs(tf.signal.stft(x, 256, 128))
        log_mel = tf.math.log(tf.tensordot(spec, mel, 1) + 1e-6)
        mfcc = tf.signal.mfccs_from_log_mel_spectrograms(log_mel)[..., :13]
        loss = tf.reduce_sum(mfcc * mfcc)
    g = tape.gradient(loss, x)
    assert g.shape == (2, 800) and np.all(np.isfinite(g.numpy()))
    assert np.abs(g.numpy()).max() > 0


# ---- the complex helpers used above ------------------------------------------------------

def test_complex_helpers_and_their_gradients():
    z = _cplx((2, 3))
    _check_grad(signal_ops.complex_abs, np.abs, z)
    _check_grad(signal_ops.real, np.real, z)
    _check_grad(signal_ops.imag, np.imag, z)
    _check_grad(signal_ops.conj, np.conj, z)
    re, im = _real((2, 3)), _real((2, 3))
    _check_grad(lambda t: signal_ops.complex(t, tf.constant(im)), lambda v: v + 1j * im, re)
    _check_grad(lambda t: signal_ops.complex(tf.constant(re), t), lambda v: re + 1j * v, im)
    assert signal_ops.complex(tf.constant([1.0]), tf.constant([2.0])).dtype == tf.complex64
    # TensorFlow's convention on a simple case: d/dz sum |z|^2 = 2 z
    zt = tf.constant(z)
    with tf.GradientTape() as t:
        t.watch(zt)
        loss = tf.reduce_sum(signal_ops.complex_abs(zt) ** 2)
    np.testing.assert_allclose(t.gradient(loss, zt).numpy(), 2 * z, rtol=1e-12)


# ---- MDCT -------------------------------------------------------------------------------

def _mdct_np(x, frame_length, window):
    """2 * sum_n w[n] x[n] cos(pi / N (n + 1/2 + N/2)(k + 1/2)) per frame (hop N)."""
    n2 = frame_length
    n = n2 // 2
    frames = _frame_np(x, n2, n)
    t = np.arange(n2)
    k = np.arange(n)[:, None]
    basis = np.cos(np.pi / n * (t + 0.5 + n / 2) * (k + 0.5))
    return 2 * (frames * window) @ basis.T


@pytest.mark.parametrize("frame_length", [4, 8, 16])
def test_mdct_formula_and_gradient(frame_length):
    x = _real((2, 40))
    w = tf.signal.vorbis_window(frame_length, dtype=tf.float64).numpy()
    got = tf.signal.mdct(tf.constant(x), frame_length)
    np.testing.assert_allclose(got.numpy(), _mdct_np(x, frame_length, w), rtol=1e-12,
                               atol=1e-12)
    # window_fn=None is a flat window of sqrt(1/2) (as in TensorFlow)
    np.testing.assert_allclose(tf.signal.mdct(x, frame_length, window_fn=None).numpy(),
                               _mdct_np(x, frame_length, np.sqrt(0.5)), rtol=1e-12,
                               atol=1e-12)
    ortho = tf.signal.mdct(x, frame_length, norm="ortho").numpy()
    np.testing.assert_allclose(ortho, got.numpy() / np.sqrt(frame_length), rtol=1e-12)
    _check_grad(lambda t: tf.signal.mdct(t, frame_length),
                lambda v: _mdct_np(v, frame_length, w), x[:1, :24])


def test_inverse_mdct_reconstructs_and_matches_tensorflow():
    x = _real((2, 64))
    for norm in (None, "ortho"):
        back = tf.signal.inverse_mdct(tf.signal.mdct(x, 16, norm=norm), norm=norm).numpy()
        np.testing.assert_allclose(back[:, 8:-8], x[:, 8:-8], rtol=1e-10, atol=1e-10)
    # from TensorFlow 2.21: mdct / inverse_mdct of this signal (frame_length 8, float32)
    s = np.array([1.764052, 0.400157, 0.978738, 2.240893, 1.867558, -0.977278, 0.950088,
                  -0.151357, -0.103219, 0.410599, 0.144044, 1.454273], np.float32)
    m = tf.signal.mdct(s, 8)
    np.testing.assert_allclose(m.numpy()[:2], [[-4.891062, 6.36137, 2.146257, 0.014188],
                                               [-1.031271, 0.202817, -2.562702, 2.793259]],
                               rtol=1e-5, atol=1e-5)
    _check_grad(lambda t: tf.signal.inverse_mdct(t),
                lambda v: tf.signal.inverse_mdct(tf.constant(v)).numpy(), _real((3, 4)))
    with pytest.raises(ValueError, match="multiple of 4"):
        tf.signal.mdct(s, 6)
    with pytest.raises(ValueError, match="rank at least 2"):
        tf.signal.inverse_mdct(tf.zeros([4]))
    with pytest.raises(ValueError, match="normalization"):
        tf.signal.mdct(s, 8, norm="bad")
