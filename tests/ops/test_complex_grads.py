"""Gradients of complex inputs follow TensorFlow's convention: for a real loss L of a complex
z the gradient is dL/d(re z) + 1j * dL/d(im z) (for a holomorphic y = f(z), an op passes
back dy * conj(f'(z))).

Every op is checked against central finite differences on the real and imaginary parts in
complex128, for two real losses (sum |f(z)|**2 and sum real(f(z) * w)).  A second set of
cases compares complex64 results with constants printed by real TensorFlow 2.21 for the
same program.  Real inputs keep their real path (checked at the end).
"""
import warnings

import numpy as np
import pytest

import ndflow as tf

RNG = np.random.default_rng(7)


def _cplx(*shape):
    """Moduli in [0.3, 0.9], arguments in (-1.2, 1.2): away from zero and branch cuts."""
    return RNG.uniform(0.3, 0.9, size=shape) * np.exp(1j * RNG.uniform(-1.2, 1.2, size=shape))


Z = _cplx(2, 3)
W = _cplx(2, 3)
M1 = _cplx(3, 3) + 2 * np.eye(3)
M2 = _cplx(3, 2)

m = tf.math

# name -> (function of ndflow tensors, inputs, NumPy reference of the forward or None)
CASES = {
    "exp": (m.exp, [Z], np.exp),
    "expm1": (m.expm1, [Z], np.expm1),
    "log": (m.log, [Z], np.log),
    "log1p": (m.log1p, [Z], np.log1p),
    "square": (m.square, [Z], np.square),
    "sqrt": (m.sqrt, [Z], np.sqrt),
    "rsqrt": (m.rsqrt, [Z], lambda z: 1 / np.sqrt(z)),
    "reciprocal": (m.reciprocal, [Z], lambda z: 1 / z),
    "sin": (m.sin, [Z], np.sin),
    "cos": (m.cos, [Z], np.cos),
    "tan": (m.tan, [Z], np.tan),
    "tanh": (m.tanh, [Z], np.tanh),
    "sinh": (m.sinh, [Z], np.sinh),
    "cosh": (m.cosh, [Z], np.cosh),
    "asin": (m.asin, [Z], np.arcsin),
    "acos": (m.acos, [Z], np.arccos),
    "atan": (m.atan, [Z], np.arctan),
    "sigmoid": (m.sigmoid, [Z], lambda z: 1 / (1 + np.exp(-z))),
    "sign": (m.sign, [Z], lambda z: z / np.abs(z)),
    "angle": (m.angle, [Z], np.angle),
    "divide": (m.divide, [Z, W], np.divide),
    "pow": (m.pow, [Z, W], np.power),
    "pow_const": (lambda z: m.pow(z, 2.5), [Z], lambda z: z ** 2.5),
    "squared_difference": (m.squared_difference, [Z, W],
                           lambda x, y: np.abs(x - y) ** 2),
    "xlogy": (m.xlogy, [Z, W], lambda x, y: x * np.log(y)),
    "divide_no_nan": (m.divide_no_nan, [Z, W], np.divide),
    "reduce_sum": (lambda z: tf.reduce_sum(z, axis=1), [Z], lambda z: z.sum(1)),
    "reduce_mean": (lambda z: tf.reduce_mean(z, axis=0), [Z], lambda z: z.mean(0)),
    "reduce_prod": (lambda z: tf.reduce_prod(z, axis=1), [Z], lambda z: z.prod(1)),
    "reduce_prod_all": (tf.reduce_prod, [Z], np.prod),
    "cumsum": (lambda z: m.cumsum(z, axis=1, reverse=True, exclusive=True), [Z], None),
    "cumprod": (lambda z: m.cumprod(z, axis=1), [Z], lambda z: np.cumprod(z, 1)),
    "cumprod_rev": (lambda z: m.cumprod(z, axis=1, reverse=True), [Z],
                    lambda z: np.cumprod(z[:, ::-1], 1)[:, ::-1]),
    "reduce_variance": (lambda z: m.reduce_variance(z, axis=1), [Z],
                        lambda z: np.var(z, axis=1)),
    "reduce_std": (m.reduce_std, [Z], np.std),
    "norm": (lambda z: tf.norm(z, axis=1), [Z], lambda z: np.linalg.norm(z, axis=1)),
    "euclidean_norm": (lambda z: m.reduce_euclidean_norm(z, axis=0), [Z],
                       lambda z: np.linalg.norm(z, axis=0)),
    "matmul": (tf.matmul, [M1, M2], np.matmul),
    "matmul_ta": (lambda a, b: tf.matmul(a, b, transpose_a=True), [M1, M2],
                  lambda a, b: a.T @ b),
    "matmul_tb": (lambda a, b: tf.matmul(a, b, transpose_b=True), [M2.T.copy(), M1],
                  lambda a, b: a @ b.T),
    "matmul_tab": (lambda a, b: tf.matmul(a, b, transpose_a=True, transpose_b=True),
                   [M1, M2.T.copy()], lambda a, b: a.T @ b.T),
    "matvec": (tf.linalg.matvec, [M1, Z[0]], np.matmul),
    "tensordot": (lambda a, b: tf.tensordot(a, b, axes=[[0], [0]]), [M1, M2],
                  lambda a, b: np.tensordot(a, b, axes=[[0], [0]])),
    "einsum": (lambda a, b: tf.einsum("ij,jk->ki", a, b), [M1, M2],
               lambda a, b: np.einsum("ij,jk->ki", a, b)),
    "einsum_summed": (lambda a, b: tf.einsum("ij,kj->i", a, b), [Z, W],
                      lambda a, b: np.einsum("ij,kj->i", a, b)),
    "inv": (tf.linalg.inv, [M1], np.linalg.inv),
    "det": (tf.linalg.det, [M1], np.linalg.det),
    "solve": (tf.linalg.solve, [M1, M2], np.linalg.solve),
    "cast_real": (lambda z: tf.cast(z, tf.float64), [Z], np.real),
    "complex_of_parts": (lambda z: tf.complex(m.real(z), m.imag(z) * 2.0), [Z],
                         lambda z: z.real + 2j * z.imag),
    "chain": (lambda z, w: m.exp(m.sin(z) * w) / (z + 2.0), [Z, W],
              lambda z, w: np.exp(np.sin(z) * w) / (z + 2)),
}


def _weights(shape, complex_out, seed):
    r = np.random.default_rng(seed)
    w = r.normal(size=shape) + 1j * r.normal(size=shape)
    return w if complex_out else w.real


def _loss_fns(y_shape, complex_out, seed):
    wv = _weights(y_shape, complex_out, seed)

    def abs2(y):
        return tf.reduce_sum(tf.abs(y) ** 2)

    def real_w(y):
        return tf.reduce_sum(m.real(y * tf.constant(wv.astype(y.dtype.as_numpy_dtype))))
    return {"abs2": abs2, "real_w": real_w}


def _numeric_grad(loss_of, inputs, i, eps=1e-6):
    """dL/d(re) + 1j dL/d(im) of input ``i`` by central differences."""
    x = inputs[i]
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        parts = []
        for step in (eps, 1j * eps):
            e = np.zeros_like(x)
            e[idx] = step
            hi = list(inputs)
            lo = list(inputs)
            hi[i] = x + e
            lo[i] = x - e
            parts.append((loss_of(hi) - loss_of(lo)) / (2 * eps))
        g[idx] = parts[0] + 1j * parts[1]
    return g


@pytest.mark.parametrize("name", sorted(CASES))
def test_complex_gradient_matches_finite_differences(name):
    fn, inputs, ref = CASES[name]
    inputs = [np.asarray(v, np.complex128) for v in inputs]
    y = fn(*[tf.constant(v) for v in inputs])
    if ref is not None:
        np.testing.assert_allclose(y.numpy(), ref(*inputs), rtol=1e-10, atol=1e-12)
    complex_out = y.dtype.is_complex
    for lname, loss in _loss_fns(tuple(y.shape), complex_out, len(name)).items():
        ts = [tf.constant(v) for v in inputs]
        with tf.GradientTape() as tape:
            tape.watch(ts)
            out = loss(fn(*ts))
        grads = tape.gradient(out, ts)

        def loss_of(vals):
            return float(loss(fn(*[tf.constant(v) for v in vals])).numpy())
        for i, g in enumerate(grads):
            assert g is not None, (name, lname, i)
            assert g.dtype == tf.complex128, (name, lname, i, g.dtype)
            num = _numeric_grad(loss_of, inputs, i)
            np.testing.assert_allclose(g.numpy(), num, rtol=1e-6, atol=1e-7,
                                       err_msg="%s, loss %s, input %d" % (name, lname, i))


# ---- constants printed by TensorFlow 2.21 (complex64), same inputs and loss ---------------

_z = np.array([0.5 + 0.25j, -0.75 + 0.5j, 0.3 - 0.6j], np.complex64)
_w = np.array([1.0 - 0.5j, 0.25 + 1.0j, -0.5 - 0.75j], np.complex64)
_m = np.array([[2 + 1j, 0.5 - 0.5j], [0.25j, 1.5 - 0.25j]], np.complex64)
_b = np.array([[1 - 1j, 0.5], [0.25 + 0.5j, -1j]], np.complex64)

# name -> (function, inputs, gradients printed by TF 2.21 for
#          L = sum(real(f(...) * c)) (or sum(f(...) * real(c)) for a real f), where c is
#          a constant equal to _w[:1])
TF_CASES = {
    "exp": (m.exp, (_z,),
            [[1.8014165 + 0.39083308j, 0.52777296 - 0.01919426j, 0.73299277 + 1.319231j]]),
    "log": (m.log, (_z,), [[1.2 + 1.6j, -1.2307692 + 0.1538462j, 1.3333334 - 1.j]]),
    "sqrt": (m.sqrt, (_z,),
             [[0.5740283 + 0.47907048j, -0.09940962 + 0.5803493j, 0.67977226 - 0.06129504j]]),
    "tanh": (m.tanh, (_z,),
             [[0.7073747 + 0.59407085j, 0.7569211 - 0.15684474j, 1.4410948 + 0.1013419j]]),
    "sigmoid": (m.sigmoid, (_z,),
                [[0.23070444 + 0.13368371j, 0.24723886 + 0.07140213j,
                  0.27843568 + 0.1085083j]]),
    "reciprocal": (m.reciprocal, (_z,),
                   [[-0.64 - 3.5200002j, -1.04142 + 0.89940834j, 0.44444454 + 2.4444447j]]),
    "divide": (m.divide, (_z, _w),
               [[1.0 + 0.j, -0.23529412 + 1.0588236j, -0.15384616 - 1.2307693j],
                [-0.3 + 0.4j, -0.8027682 - 0.5051903j, 0.852071 + 0.35502952j]]),
    "pow": (m.pow, (_z, _w),
            [[1.2674804 + 0.93683195j, 0.0389855 + 0.08873641j, 0.6305033 + 0.4916472j],
             [-0.54383373 - 0.21864061j, -0.02411606 - 0.21526544j, 0.03029089 + 0.6996441j]]),
    "sign": (m.sign, (_z,), [[0j, 0.59736937 + 0.89605421j, 1.4907119 + 0.74535596j]]),
    "angle": (m.angle, (_z,),
              [[-0.8 + 1.6j, -0.61538464 - 0.92307687j, 1.3333334 + 0.6666667j]]),
    "cast_float32": (lambda z: tf.cast(z, tf.float32), (_z,), [[1 + 0j, 1 + 0j, 1 + 0j]]),
    "reduce_prod": (tf.reduce_prod, (_z,),
                    [[0.375 - 0.5625j, 0.1875 + 0.375j, -0.46875 - 0.3125j]]),
    "matmul": (tf.matmul, (_m, _b),
               [[[1 + 1.75j, 0.625j], [1 + 1.75j, 0.625j]],
                [[2.625 - 0.25j, 2.625 - 0.25j], [1.625 + 1.75j, 1.625 + 1.75j]]]),
    "matmul_tt": (lambda a, c: tf.matmul(a, c, transpose_a=True, transpose_b=True), (_m, _b),
                  [[[1 + 1.125j, 1 + 1.125j], [1.25j, 1.25j]],
                   [[2.75 + 0.75j, 1.5 + 0.75j], [2.75 + 0.75j, 1.5 + 0.75j]]]),
    "einsum": (lambda a, c: tf.einsum("ij,jk->ki", a, c), (_m, _b),
               [[[1 + 1.75j, 0.625j], [1 + 1.75j, 0.625j]],
                [[2.625 - 0.25j, 2.625 - 0.25j], [1.625 + 1.75j, 1.625 + 1.75j]]]),
    "inv": (tf.linalg.inv, (_m,),
            [[[-0.08056776 - 0.15312277j, -0.2019037 - 0.29629564j],
              [-0.23208798 + 0.00480767j, -0.47669703 + 0.06450705j]]]),
    "solve": (tf.linalg.solve, (_m, _b),
              [[[0.16003491 - 0.40622884j, 0.15360704 - 0.16707903j],
                [-0.39145365 - 0.43577915j, -0.10833062 - 0.28457585j]],
               [[0.2670623 + 0.47477746j, 0.2670623 + 0.47477746j],
                [0.72997034 - 0.03560833j, 0.72997034 - 0.03560833j]]]),
    "reduce_variance": (m.reduce_variance, (_z,),
                        [[0.32222223 + 0.13333336j, -0.51111114 + 0.3j,
                          0.18888889 - 0.43333337j]]),
    "norm": (tf.norm, (_z,),
             [[0.39840952 + 0.19920476j, -0.5976143 + 0.3984095j, 0.23904572 - 0.47809142j]]),
}


@pytest.mark.parametrize("name", sorted(TF_CASES))
def test_complex64_gradients_match_tensorflow_constants(name):
    fn, inputs, expected = TF_CASES[name]
    ts = [tf.constant(v) for v in inputs]
    w0 = tf.constant(_w[:1])
    with tf.GradientTape() as tape:
        tape.watch(ts)
        y = fn(*ts)
        if y.dtype.is_complex:
            loss = tf.reduce_sum(m.real(y * w0))
        else:
            loss = tf.reduce_sum(y * m.real(w0))
    grads = tape.gradient(loss, ts)
    for g, e in zip(grads, expected):
        assert g.dtype == tf.complex64
        np.testing.assert_allclose(g.numpy(), np.array(e, np.complex64), rtol=2e-5, atol=2e-6)


def test_complex_forward_results_match_tensorflow():
    """dtypes and values printed by TensorFlow 2.21."""
    z, w = tf.constant(_z), tf.constant(_w)
    s = m.sigmoid(z)
    assert s.dtype == tf.complex64
    np.testing.assert_allclose(s.numpy(), [0.62427515 + 0.05900296j, 0.31072372 + 0.11035149j,
                                           0.5813932 - 0.15091951j], rtol=1e-6)
    d = m.squared_difference(z, w)   # |z - w|**2, kept complex
    assert d.dtype == tf.complex64
    np.testing.assert_allclose(d.numpy(), [0.8125, 1.25, 0.6625], rtol=1e-6)
    v = m.reduce_variance(z)
    assert v.dtype == tf.float32
    np.testing.assert_allclose(v.numpy(), 0.5222222, rtol=1e-6)
    assert m.reduce_std(z).dtype == tf.float32
    n = tf.norm(z)
    assert n.dtype == tf.complex64
    np.testing.assert_allclose(n.numpy(), 1.2549901 + 0j, rtol=1e-6)
    np.testing.assert_allclose(m.angle(z).numpy(), [0.4636476, 2.55359, -1.1071488], rtol=1e-6)


def test_sign_and_angle_at_zero():
    """TF 2.21: the gradient of sign at 0 is 0, that of angle at 0 is NaN."""
    z = tf.constant(np.array([0j, 1 + 1j, -2 + 0j]))
    wv = tf.constant(np.array([1.5 + 0.5j, -1 + 2j, 0.3 - 1j]))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(z)
        ls = tf.reduce_sum(m.real(m.sign(z) * wv))
        la = tf.reduce_sum(m.angle(z) * m.real(wv))
    np.testing.assert_allclose(tape.gradient(ls, z).numpy(),
                               [0, 0.35355339 - 0.35355339j, 0.5j], atol=1e-12)
    with np.errstate(invalid="ignore"):   # 0 / 0 at z == 0
        ga = tape.gradient(la, z).numpy()
    assert np.isnan(ga[0])
    np.testing.assert_allclose(ga[1:], [0.5 - 0.5j, -0.15j], atol=1e-12)


def test_cast_between_complex_and_real():
    z = tf.constant(np.array([1.7 - 2.5j, -0.5 + 1j], np.complex64))
    with warnings.catch_warnings():
        warnings.simplefilter("error")       # no NumPy ComplexWarning
        np.testing.assert_array_equal(tf.cast(z, tf.float32).numpy(),
                                      np.array([1.7, -0.5], np.float32))
        # TF 2.21: complex -> int keeps the real part, truncated; -> bool: nonzero
        np.testing.assert_array_equal(tf.cast(z, tf.int32).numpy(), [1, 0])
        np.testing.assert_array_equal(tf.cast(z, tf.bool).numpy(), [True, True])
    # real -> complex: the gradient is the real part of dy
    x = tf.constant([-1.5, 0.5, 2.0], tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.cast(x, tf.complex128)
        loss = tf.reduce_sum(m.real(y * tf.constant(np.array([1 + 2j, 3 - 1j, -2 + 1j]))))
    g = tape.gradient(loss, x)
    assert g.dtype == tf.float64
    np.testing.assert_array_equal(g.numpy(), [1.0, 3.0, -2.0])
    # complex -> real: dy with a zero imaginary part
    with tf.GradientTape() as tape:
        tape.watch(z)
        loss = tf.reduce_sum(tf.cast(z, tf.float32) * tf.constant([2.0, -3.0]))
    g = tape.gradient(loss, z)
    assert g.dtype == tf.complex64
    np.testing.assert_array_equal(g.numpy(), [2 + 0j, -3 + 0j])


def test_second_derivative_of_a_holomorphic_function():
    """d/dz of real(exp(z) * conj-weighted) twice: the outer gradient of the inner gradient's
    real part, against finite differences of the inner gradient."""
    zv = np.array([0.3 + 0.4j, -0.2 + 0.7j])

    def inner(v):
        t = tf.constant(v)
        with tf.GradientTape() as tape:
            tape.watch(t)
            loss = tf.reduce_sum(m.real(m.exp(m.square(t))))
        return tape.gradient(loss, t)
    z = tf.constant(zv)
    with tf.GradientTape() as outer:
        outer.watch(z)
        with tf.GradientTape() as tape:
            tape.watch(z)
            loss = tf.reduce_sum(m.real(m.exp(m.square(z))))
        g = tape.gradient(loss, z)
        g_loss = tf.reduce_sum(m.real(g) ** 2 + m.imag(g))
    gg = outer.gradient(g_loss, z).numpy()

    def f(vals):
        gv = inner(vals[0]).numpy()
        return float(np.sum(gv.real ** 2 + gv.imag))
    np.testing.assert_allclose(gg, _numeric_grad(f, [zv], 0), rtol=1e-6, atol=1e-7)


def test_real_inputs_keep_real_gradients():
    x = tf.constant([0.5, 1.5, 2.5], tf.float32)
    y = tf.constant([2.0, -1.0, 4.0], tf.float32)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, y])
        loss = tf.reduce_sum(m.exp(x) + m.log(x) + m.sqrt(x) + x / y + m.pow(x, y) +
                             m.squared_difference(x, y) + m.sign(x))
        prod = tf.reduce_prod(x)
        mm = tf.reduce_sum(tf.matmul(tf.reshape(x, [1, 3]), tf.reshape(y, [3, 1])))
    gx, gy = tape.gradient(loss, [x, y])
    xv, yv = x.numpy().astype(np.float64), y.numpy().astype(np.float64)
    assert gx.dtype == tf.float32 and gy.dtype == tf.float32
    np.testing.assert_allclose(
        gx.numpy(), np.exp(xv) + 1 / xv + 0.5 / np.sqrt(xv) + 1 / yv +
        yv * xv ** (yv - 1) + 2 * (xv - yv), rtol=1e-5)
    np.testing.assert_allclose(
        gy.numpy(), -xv / yv ** 2 + xv ** yv * np.log(xv) - 2 * (xv - yv), rtol=1e-5)
    np.testing.assert_allclose(tape.gradient(prod, x).numpy(),
                               [xv[1] * xv[2], xv[0] * xv[2], xv[0] * xv[1]], rtol=1e-6)
    np.testing.assert_allclose(tape.gradient(mm, x).numpy(), yv, rtol=1e-6)
    # the angle of a real tensor has no gradient (TF 2.21: None)
    with tf.GradientTape() as tape:
        tape.watch(x)
        a = tf.reduce_sum(m.angle(x))
    assert tape.gradient(a, x) is None
