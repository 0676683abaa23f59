"""tf.linalg decompositions: forward against NumPy float64 references and reconstruction,
gradients from the tape against central finite differences (float64, batched inputs)."""
import numpy as np
import pytest

import ndflow as tf

RNG = np.random.default_rng(0)


def _fd_check(fn, x, seed=1, eps=1e-6, tol=1e-6):
    """d sum(w * fn(x)) / dx from the tape against central finite differences."""
    x = np.asarray(x, np.float64)
    y0 = fn(tf.constant(x))
    outs0 = y0 if isinstance(y0, (tuple, list)) else (y0,)
    rng = np.random.default_rng(seed)
    ws = [rng.standard_normal(o.shape) for o in outs0]

    def scalar(t):
        y = fn(t)
        ys = y if isinstance(y, (tuple, list)) else (y,)
        return tf.add_n([tf.reduce_sum(o * w) for o, w in zip(ys, ws)])

    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        out = scalar(xt)
    g = tape.gradient(out, xt).numpy()
    num = np.zeros_like(x)
    flat = x.reshape(-1)
    for i in range(flat.size):
        p = flat.copy()
        p[i] += eps
        m = flat.copy()
        m[i] -= eps
        num.reshape(-1)[i] = (scalar(tf.constant(p.reshape(x.shape))).numpy()
                              - scalar(tf.constant(m.reshape(x.shape))).numpy()) / (2 * eps)
    np.testing.assert_allclose(g, num, rtol=tol, atol=tol)


def _spd(shape):
    x = RNG.standard_normal(shape)
    n = shape[-1]
    return x @ np.swapaxes(x, -1, -2) + n * np.eye(n)


def _sym(t):
    return (t + tf.linalg.matrix_transpose(t)) * 0.5


def test_cholesky_forward_batched_and_lower_only():
    a = _spd((2, 3, 4, 4))
    got = tf.linalg.cholesky(a).numpy()
    np.testing.assert_allclose(got, np.linalg.cholesky(a), rtol=1e-12)
    junk = a + np.triu(np.full((4, 4), 100.0), 1)      # upper triangle is not read
    np.testing.assert_allclose(tf.linalg.cholesky(junk).numpy(), got, rtol=1e-12)
    assert tf.linalg.cholesky(a.astype(np.float32)).dtype == tf.float32


def test_cholesky_not_positive_definite_gives_nans():
    # TF 2.21 fills the lower triangle of a failed factorisation with NaN (no error)
    a = np.stack([np.array([[1.0, 2.0], [2.0, 1.0]]), np.eye(2)])
    got = tf.linalg.cholesky(a).numpy()
    assert np.isnan(got[0][np.tril_indices(2)]).all() and got[0, 0, 1] == 0
    np.testing.assert_array_equal(got[1], np.eye(2))


def test_cholesky_rejects_non_square_and_ints():
    with pytest.raises(tf.errors.InvalidArgumentError, match="cholesky"):
        tf.linalg.cholesky(np.ones((2, 3)))
    with pytest.raises(tf.errors.InvalidArgumentError, match="float"):
        tf.linalg.cholesky(np.eye(2, dtype=np.int32))


def test_cholesky_gradient():
    x = RNG.standard_normal((2, 3, 3))
    _fd_check(lambda t: tf.linalg.cholesky(tf.matmul(t, t, transpose_b=True)
                                           + 3.0 * np.eye(3)), x)
    _fd_check(lambda t: tf.linalg.cholesky(_sym(t)), _spd((3, 3)))


@pytest.mark.parametrize("lower,adjoint", [(True, False), (True, True), (False, False),
                                           (False, True)])
def test_triangular_solve(lower, adjoint):
    a = RNG.standard_normal((2, 4, 4)) + 4 * np.eye(4)
    b = RNG.standard_normal((2, 4, 3))
    t = np.tril(a) if lower else np.triu(a)
    if adjoint:
        t = np.swapaxes(t, -1, -2)
    got = tf.linalg.triangular_solve(a, b, lower=lower, adjoint=adjoint).numpy()
    np.testing.assert_allclose(got, np.linalg.solve(t, b), rtol=1e-10)
    _fd_check(lambda m: tf.linalg.triangular_solve(m, b, lower=lower, adjoint=adjoint), a)
    _fd_check(lambda r: tf.linalg.triangular_solve(a, r, lower=lower, adjoint=adjoint), b)


def test_triangular_solve_broadcasts_batch_and_checks_shapes():
    a = np.tril(RNG.standard_normal((3, 3))) + 3 * np.eye(3)
    b = RNG.standard_normal((2, 3, 1))
    np.testing.assert_allclose(tf.linalg.triangular_solve(a, b).numpy(),
                               np.linalg.solve(a, b), rtol=1e-10)
    with pytest.raises(tf.errors.InvalidArgumentError, match="rhs"):
        tf.linalg.triangular_solve(a, np.ones((2, 1)))


def test_cholesky_solve():
    a = _spd((2, 4, 4))
    b = RNG.standard_normal((2, 4, 2))
    chol = tf.linalg.cholesky(a)
    np.testing.assert_allclose(tf.linalg.cholesky_solve(chol, b).numpy(),
                               np.linalg.solve(a, b), rtol=1e-10)
    _fd_check(lambda t: tf.linalg.cholesky_solve(tf.linalg.cholesky(_sym(t)), b), a)


def test_qr_forward():
    x = RNG.standard_normal((2, 5, 3))
    q, r = tf.linalg.qr(x)
    assert q.shape == (2, 5, 3) and r.shape == (2, 3, 3)
    np.testing.assert_allclose((q.numpy() @ r.numpy()), x, atol=1e-12)
    np.testing.assert_allclose(np.swapaxes(q.numpy(), -1, -2) @ q.numpy(),
                               np.broadcast_to(np.eye(3), (2, 3, 3)), atol=1e-12)
    np.testing.assert_array_equal(np.tril(r.numpy(), -1), 0)
    qf, rf = tf.linalg.qr(x, full_matrices=True)
    assert qf.shape == (2, 5, 5) and rf.shape == (2, 5, 3)
    np.testing.assert_allclose(qf.numpy() @ rf.numpy(), x, atol=1e-12)


def test_qr_gradient():
    _fd_check(lambda t: tf.linalg.qr(t), RNG.standard_normal((2, 4, 3)))
    _fd_check(lambda t: tf.linalg.qr(t), RNG.standard_normal((3, 3)))
    _fd_check(lambda t: tf.linalg.qr(t)[1], RNG.standard_normal((4, 2)))


def test_eigh_forward_and_gradient():
    a = _spd((2, 4, 4))
    e, v = tf.linalg.eigh(a)
    ref_e, _ = np.linalg.eigh(a)
    np.testing.assert_allclose(e.numpy(), ref_e, rtol=1e-12)
    rec = v.numpy() @ (e.numpy()[..., None] * np.swapaxes(v.numpy(), -1, -2))
    np.testing.assert_allclose(rec, a, atol=1e-10)
    # eigenvectors have a sign freedom: check sign-invariant functions of them
    _fd_check(lambda t: tf.linalg.eigh(_sym(t))[0], a)
    _fd_check(lambda t: tf.square(tf.linalg.eigh(_sym(t))[1]), a)
    # the lower triangle alone is read: the gradient lives there
    _fd_check(lambda t: tf.linalg.eigh(t)[0], a)


def test_svd_forward():
    x = RNG.standard_normal((2, 5, 3))
    s, u, v = tf.linalg.svd(x)
    np.testing.assert_allclose(s.numpy(), np.linalg.svd(x, compute_uv=False), rtol=1e-12)
    assert u.shape == (2, 5, 3) and v.shape == (2, 3, 3)
    rec = (u.numpy() * s.numpy()[..., None, :]) @ np.swapaxes(v.numpy(), -1, -2)
    np.testing.assert_allclose(rec, x, atol=1e-12)
    s2, u2, v2 = tf.linalg.svd(x, full_matrices=True)
    assert u2.shape == (2, 5, 5) and v2.shape == (2, 3, 3)
    only = tf.linalg.svd(x, compute_uv=False)
    np.testing.assert_allclose(only.numpy(), s.numpy(), rtol=1e-12)


@pytest.mark.parametrize("shape", [(2, 5, 3), (3, 3), (2, 3, 5)])
def test_svd_gradient(shape):
    x = RNG.standard_normal(shape)
    _fd_check(lambda t: tf.linalg.svd(t, compute_uv=False), x)
    # u and v have a joint sign freedom per column: u_i v_j^T products are invariant
    _fd_check(lambda t: tf.linalg.svd(t)[0], x)

    def uv(t):
        s, u, v = tf.linalg.svd(t)
        return tf.matmul(u, v, transpose_b=True), tf.square(u), tf.square(v)
    _fd_check(uv, x)


def test_slogdet_logdet():
    a = RNG.standard_normal((3, 4, 4))
    sign, logabs = tf.linalg.slogdet(a)
    rs, rl = np.linalg.slogdet(a)
    np.testing.assert_allclose(sign.numpy(), rs)
    np.testing.assert_allclose(logabs.numpy(), rl, rtol=1e-12)
    _fd_check(lambda t: tf.linalg.slogdet(t)[1], a)
    spd = _spd((2, 3, 3))
    np.testing.assert_allclose(tf.linalg.logdet(spd).numpy(), np.linalg.slogdet(spd)[1],
                               rtol=1e-12)
    _fd_check(lambda t: tf.linalg.logdet(_sym(t)), spd)


def test_pinv_lstsq_rank():
    x = RNG.standard_normal((2, 5, 3))
    np.testing.assert_allclose(tf.linalg.pinv(x).numpy(), np.linalg.pinv(x), atol=1e-12)
    _fd_check(tf.linalg.pinv, x)
    b = RNG.standard_normal((2, 5, 2))
    ref = np.linalg.lstsq(x[0], b[0], rcond=None)[0]
    np.testing.assert_allclose(tf.linalg.lstsq(x, b).numpy()[0], ref, rtol=1e-9)
    np.testing.assert_allclose(tf.linalg.lstsq(x, b, fast=False).numpy()[0], ref,
                               rtol=1e-9)
    lam = 0.5
    xt = x[1].T
    ridge = np.linalg.solve(xt @ x[1] + lam * np.eye(3), xt @ b[1])
    np.testing.assert_allclose(tf.linalg.lstsq(x, b, l2_regularizer=lam).numpy()[1],
                               ridge, rtol=1e-9)
    wide = np.swapaxes(x, -1, -2)      # M < N: the minimum-norm solution
    bw = RNG.standard_normal((2, 3, 2))
    np.testing.assert_allclose(tf.linalg.lstsq(wide, bw).numpy(),
                               np.linalg.pinv(wide) @ bw, rtol=1e-9)
    _fd_check(lambda t: tf.linalg.lstsq(t, b), x)
    low = x[0] @ np.array([[1.0, 2.0, 3.0], [0.0, 1.0, 1.0], [1.0, 3.0, 4.0]])
    r = tf.linalg.matrix_rank(np.stack([low, x[1]]))
    assert r.dtype == tf.int32
    np.testing.assert_array_equal(r.numpy(), [2, 3])


def test_band_part():
    x = RNG.standard_normal((2, 4, 5))
    for lo, up in [(0, 0), (-1, 0), (0, -1), (1, 2), (-1, -1)]:
        i, j = np.arange(4)[:, None], np.arange(5)[None]
        mask = ((lo < 0) | (i - j <= lo)) & ((up < 0) | (j - i <= up))
        np.testing.assert_array_equal(tf.linalg.band_part(x, lo, up).numpy(), x * mask)
    _fd_check(lambda t: tf.linalg.band_part(t, 1, 0), x)


def test_eig_eigvals_complex():
    a = np.array([[0.0, -1.0], [1.0, 0.0]], np.float32)
    e = tf.linalg.eigvals(a)
    assert e.dtype == tf.complex64
    np.testing.assert_allclose(sorted(e.numpy(), key=lambda z: z.imag), [-1j, 1j],
                               atol=1e-6)
    x = RNG.standard_normal((2, 3, 3))
    e, v = tf.linalg.eig(x)
    assert e.dtype == tf.complex128 and v.dtype == tf.complex128
    np.testing.assert_allclose(x @ v.numpy(), v.numpy() * e.numpy()[..., None, :],
                               atol=1e-10)


def _expm_ref(a, terms=60):
    """exp(a) by scaling and squaring a long Taylor series (float64)."""
    s = max(0, int(np.ceil(np.log2(max(np.abs(a).sum(axis=-2).max(), 1e-300)))) + 1)
    b = a / 2.0 ** s
    out = np.broadcast_to(np.eye(a.shape[-1]), a.shape).copy()
    term = out.copy()
    for k in range(1, terms):
        term = term @ b / k
        out = out + term
    for _ in range(s):
        out = out @ out
    return out


def test_expm():
    for scale in (0.1, 1.0, 8.0):
        a = scale * RNG.standard_normal((2, 3, 3))
        np.testing.assert_allclose(tf.linalg.expm(a).numpy(), _expm_ref(a), rtol=1e-11,
                                   atol=1e-13)
    rot = np.array([[0.0, -np.pi / 2], [np.pi / 2, 0.0]])     # a quarter turn
    np.testing.assert_allclose(tf.linalg.expm(rot).numpy(), [[0, -1], [1, 0]], atol=1e-14)
    assert tf.linalg.expm(rot.astype(np.float32)).dtype == tf.float32
    _fd_check(tf.linalg.expm, 0.5 * RNG.standard_normal((2, 3, 3)))
    _fd_check(tf.linalg.expm, 4.0 * RNG.standard_normal((3, 3)))
