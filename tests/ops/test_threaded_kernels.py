"""Large matmuls split among the kernel threads, and the row scatter of gather's gradient:
equal to NumPy's one-call results, and independent of the thread count."""
import numpy as np
import pytest

import ndflow as tf
from ndflow.ops import linalg_ops, array_ops, conv_ops

RNG = np.random.default_rng(7)


@pytest.fixture
def threaded(monkeypatch):
    """Every product counts as large, two kernel threads."""
    monkeypatch.setattr(linalg_ops, "_THREADED_MACS", 1)
    old = conv_ops.kernel_threads()
    conv_ops.set_kernel_threads(2)
    yield
    conv_ops.set_kernel_threads(old)


@pytest.mark.parametrize("a_shape,b_shape", [
    ((300, 70), (70, 40)),        # rows split in 4
    ((5, 60, 33), (33, 17)),      # batched operand folded into rows
    ((20, 900), (900, 30)),       # too few rows: the inner dimension is split
    ((8, 40), (40, 9)),           # too small to split either way: one call
])
def test_threaded_matmul_equals_numpy(threaded, a_shape, b_shape):
    a = RNG.normal(size=a_shape)
    b = RNG.normal(size=b_shape)
    got = linalg_ops.matmul_arrays(a, b)
    assert got.shape == a_shape[:-1] + b_shape[1:]
    np.testing.assert_allclose(got, np.matmul(a, b), rtol=1e-12, atol=1e-12)
    # through the op, with its gradients
    at, bt = tf.constant(a), tf.constant(b)
    with tf.GradientTape() as tape:
        tape.watch([at, bt])
        y = tf.matmul(at, bt) if len(a_shape) == 2 else tf.tensordot(at, bt, 1)
        loss = tf.reduce_sum(y * y)
    ga, gb = tape.gradient(loss, [at, bt])
    ref = 2 * np.matmul(a, b)
    np.testing.assert_allclose(ga.numpy(), np.matmul(ref, b.T), rtol=1e-10)
    np.testing.assert_allclose(gb.numpy(), np.tensordot(a, ref, (list(range(len(a_shape) - 1)),
                                                                  list(range(len(a_shape) - 1)))),
                               rtol=1e-10)


def test_threaded_matmul_does_not_depend_on_the_thread_count(monkeypatch):
    monkeypatch.setattr(linalg_ops, "_THREADED_MACS", 1)
    a = RNG.normal(size=(24, 4000)).astype(np.float32)    # the inner dimension is split
    b = RNG.normal(size=(4000, 50)).astype(np.float32)
    c = RNG.normal(size=(500, 64)).astype(np.float32)     # rows are split
    d = RNG.normal(size=(64, 256)).astype(np.float32)
    old = conv_ops.kernel_threads()
    results = []
    try:
        for n in (1, 2):
            conv_ops.set_kernel_threads(n)
            results.append((linalg_ops.matmul_arrays(a, b), linalg_ops.matmul_arrays(c, d)))
    finally:
        conv_ops.set_kernel_threads(old)
    for one, two in zip(*results):
        np.testing.assert_array_equal(one, two)


def test_gather_gradient_sums_repeated_indices():
    """Rows gathered many times get the sum of their gradients (float64 reference with
    np.add.at), for gathers along a middle axis too."""
    params = RNG.normal(size=(50, 6))
    idx = RNG.integers(0, 50, (40, 30))     # ~1200 gathers of 50 rows: many repeats
    dy = RNG.normal(size=(40, 30, 6))
    p = tf.constant(params)
    with tf.GradientTape() as tape:
        tape.watch(p)
        loss = tf.reduce_sum(tf.gather(p, idx) * dy)
    ref = np.zeros_like(params)
    np.add.at(ref, idx.reshape(-1), dy.reshape(-1, 6))
    np.testing.assert_allclose(tape.gradient(loss, p).numpy(), ref, rtol=1e-12, atol=1e-12)
    # axis=1, indices of rank 2, a row never gathered stays 0
    params = RNG.normal(size=(3, 9, 4))
    idx = np.array([[0, 2, 2], [8, 0, 2]])
    dy = RNG.normal(size=(3, 2, 3, 4))
    p = tf.constant(params)
    with tf.GradientTape() as tape:
        tape.watch(p)
        loss = tf.reduce_sum(tf.gather(p, idx, axis=1) * dy)
    ref = np.zeros_like(params)
    np.add.at(np.moveaxis(ref, 1, 0), idx, np.moveaxis(dy, (1, 2), (0, 1)))
    got = tape.gradient(loss, p).numpy()
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12)
    assert np.all(got[:, 1] == 0)


def test_gather_gradient_has_its_own_gradient():
    """Second order: d/dp of sum(grad^2), where grad = d sum(gather(p, idx) * w) / dp
    holds w scattered onto the gathered rows; checked against the formula."""
    params = RNG.normal(size=(6, 3))
    idx = np.array([0, 2, 2, 5])
    w = tf.constant(RNG.normal(size=(4, 3)))
    p = tf.constant(params)
    with tf.GradientTape() as outer:
        outer.watch(p)
        with tf.GradientTape() as inner:
            inner.watch(p)
            loss = tf.reduce_sum(tf.gather(p, idx) * tf.gather(p, idx) * w)
        g = inner.gradient(loss, p)
        val = tf.reduce_sum(g)
    # g[r] = sum over gathers of r of 2 * p[r] * w_i, so d sum(g) / dp[r] = 2 * sum_i w_i
    ref = np.zeros_like(params)
    np.add.at(ref, idx, 2 * w.numpy())
    np.testing.assert_allclose(outer.gradient(val, p).numpy(), ref, rtol=1e-12)
