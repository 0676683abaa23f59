"""The fused convolution + max pooling op: forward against a loop convolution and a
reshaped NumPy max, gradients against central finite differences (float64), and the
same values and gradients as the separate ops (ties, higher order, threads included)."""
import numpy as np
import pytest

import ndflow as tf
from ndflow.ops import conv_ops, conv_pool_ops, pooling_ops

from .test_conv_ops import (naive_conv, numeric_grad, tape_grads, tf_same_pads,
                            assert_thread_count_invariant)

RNG = np.random.default_rng(4321)


def naive_tiled_max(y, pool):
    """VALID max pooling with strides == pool size: crop, split each spatial axis into
    (windows, pool) and take the max over the pool axes."""
    nd = len(pool)
    q = [n // p for n, p in zip(y.shape[1:-1], pool)]
    y = y[(slice(None),) + tuple(slice(0, a * p) for a, p in zip(q, pool))]
    split = (y.shape[0],) + sum(((a, p) for a, p in zip(q, pool)), ()) + (y.shape[-1],)
    return y.reshape(split).max(axis=tuple(2 + 2 * i for i in range(nd)))


@pytest.fixture
def sliced_threads(monkeypatch):
    """One-example slices shared by two threads: slicing, the pool of threads and the
    per-slice partial sums run on small data."""
    monkeypatch.setattr(conv_ops, "_CHUNK_BYTES", 1)
    old = conv_ops.kernel_threads()
    conv_ops.set_kernel_threads(2)
    yield
    conv_ops.set_kernel_threads(old)


CASES = [
    # spatial, kernel, strides, dilations, padding, pool, input channels
    ((9,), (3,), 1, 1, "VALID", (2,), 3),
    ((11,), (2,), 1, 2, "SAME", (3,), 1),
    ((8, 8), (3, 3), 1, 1, "VALID", (2, 2), 1),      # 6x6 output: windows cover it all
    ((9, 9), (3, 3), 1, 1, "VALID", (2, 2), 3),      # 7x7 output: last row/column unused
    ((9, 7), (3, 2), (2, 1), 1, "SAME", (2, 3), 2),
    ((8, 9), (2, 3), 1, (2, 1), [(1, 0), (2, 1)], (3, 2), 1),
    ((5, 6, 5), (2, 3, 2), 1, 1, "VALID", (2, 2, 2), 2),
]


@pytest.mark.parametrize("relu,use_bias", [(True, True), (False, False)])
@pytest.mark.parametrize("case", CASES, ids=[str(i) for i in range(len(CASES))])
def test_conv_pool_against_loops_and_finite_differences(sliced_threads, case, relu, use_bias):
    spatial, kernel, strides, dil, padding, pool, cin = case
    nd = len(spatial)
    x = RNG.normal(size=(3,) + spatial + (cin,))
    w = RNG.normal(size=kernel + (cin, 4))
    b = RNG.normal(size=(4,))
    st = (strides,) * nd if isinstance(strides, int) else strides
    dl = (dil,) * nd if isinstance(dil, int) else dil
    if padding == "SAME":
        pads = [tf_same_pads(n, k, s, d) for n, k, s, d in zip(spatial, kernel, st, dl)]
    elif padding == "VALID":
        pads = [(0, 0)] * nd
    else:
        pads = padding
    conv = naive_conv(x, w, st, pads, dl) + (b if use_bias else 0)
    ref = naive_tiled_max(np.maximum(conv, 0) if relu else conv, pool)

    def ours(*a):
        return conv_pool_ops.conv_pool(a[0], a[1], pool, strides, padding, dil,
                                       bias=a[2] if use_bias else None, relu=relu)
    arrays = [x, w, b] if use_bias else [x, w]
    y = ours(*arrays).numpy()
    assert y.shape == ref.shape
    np.testing.assert_allclose(y, ref, rtol=1e-10, atol=1e-10)
    dy = RNG.normal(size=y.shape)
    grads = tape_grads(ours, arrays, dy)

    def fwd(*a):
        return ours(*a).numpy()
    for i, g in enumerate(grads):
        np.testing.assert_allclose(g, numeric_grad(fwd, arrays, i, dy), atol=1e-6)


def separate(x, w, b, pool, relu=True, **kw):
    y = conv_ops.conv(x, w, bias=b, relu=relu, **kw)
    return pooling_ops.max_pool(y, pool, pool, "VALID")


@pytest.mark.parametrize("shape,cin,cout", [((28, 28), 1, 32), ((13, 13), 32, 64)])
def test_small_cnn_shapes_match_the_separate_ops(shape, cin, cout):
    """The small CNN's two layer pairs, float32, default slicing and threads: the pooled
    outputs are the same numbers and the gradients agree to float32 rounding (the filter
    gradient sums its products in another order)."""
    x = RNG.normal(size=(24,) + shape + (cin,)).astype(np.float32)
    w = (RNG.normal(size=(3, 3, cin, cout)) * 0.3).astype(np.float32)
    b = (RNG.normal(size=(cout,)) * 0.1).astype(np.float32)
    fused = tape_grads(lambda *a: conv_pool_ops.conv_pool(*a[:2], (2, 2), bias=a[2],
                                                          relu=True), [x, w, b],
                       dy := RNG.normal(size=(24,) + tuple(n // 2 - 1 for n in shape) +
                                        (cout,)).astype(np.float32))
    apart = tape_grads(lambda *a: separate(*a, (2, 2)), [x, w, b], dy)
    y_f = conv_pool_ops.conv_pool(x, w, (2, 2), bias=b, relu=True).numpy()
    np.testing.assert_array_equal(y_f, separate(x, w, b, (2, 2)).numpy())
    for f, s in zip(fused, apart):
        assert f.dtype == np.float32
        np.testing.assert_allclose(f, s, rtol=1e-4, atol=1e-4 * np.abs(s).max())


def test_ties_send_the_gradient_to_the_first_window_element():
    """A constant image and a kernel of equal weights make every window a tie: like
    MaxPool, the fused op gives each window's gradient to its first element."""
    x = np.ones((2, 6, 6, 1))
    w = np.full((3, 3, 1, 2), 0.5)
    b = np.array([0.25, -10.0])   # the second channel is all zero after relu
    dy = RNG.normal(size=(2, 2, 2, 2))
    fused = tape_grads(lambda *a: conv_pool_ops.conv_pool(*a[:2], (2, 2), bias=a[2],
                                                          relu=True), [x, w, b], dy)
    apart = tape_grads(lambda *a: separate(*a, (2, 2)), [x, w, b], dy)
    for f, s in zip(fused, apart):
        np.testing.assert_allclose(f, s, rtol=1e-12, atol=1e-12)
    # the first channel's bias gradient is the sum of its pooled gradients; the second's 0
    np.testing.assert_allclose(fused[2], [dy[..., 0].sum(), 0.0])
    # only the windows' first positions (even rows and columns) pass gradient back
    gx = fused[0][..., 0]
    assert np.abs(gx[:, 5, :]).max() == 0 and np.abs(gx[:, :, 5]).max() == 0


def test_second_order_gradient_is_the_separate_ops_one():
    """d/dw of |d loss / d b|^2: the backward pass is recorded, so it runs as the separate
    ops; checked against them and against finite differences."""
    x = RNG.normal(size=(2, 7, 7, 2))
    w = RNG.normal(size=(3, 3, 2, 3))
    b = RNG.normal(size=(3,))

    def gnorm(fn, xv, wv):
        xt, wt, bt = tf.constant(xv), tf.constant(wv), tf.constant(b)
        with tf.GradientTape() as outer:
            outer.watch(wt)
            with tf.GradientTape() as inner:
                inner.watch(bt)
                y = fn(xt, wt, bt)
                loss = tf.reduce_sum((y + 1.0) * (y + 1.0))   # nonzero slope at y = 0
            gb = inner.gradient(loss, bt)
            val = tf.reduce_sum(gb * gb)
        return val.numpy(), outer.gradient(val, wt).numpy()

    def fused(xt, wt, bt):
        return conv_pool_ops.conv_pool(xt, wt, (2, 2), padding="SAME", bias=bt, relu=True)

    def apart(xt, wt, bt):
        return separate(xt, wt, bt, (2, 2), padding="SAME")

    v_f, gw_f = gnorm(fused, x, w)
    v_s, gw_s = gnorm(apart, x, w)
    np.testing.assert_allclose(v_f, v_s, rtol=1e-12)
    np.testing.assert_allclose(gw_f, gw_s, rtol=1e-10, atol=1e-10)
    num = numeric_grad(lambda xv, wv: np.asarray(gnorm(fused, xv, wv)[0]), [x, w], 1, 1.0)
    np.testing.assert_allclose(gw_f, num, rtol=1e-5, atol=1e-5)


def test_persistent_tape_gives_the_same_gradients_twice():
    """The second backward pass rebuilds the im2col rows the first one released."""
    x = tf.constant(RNG.normal(size=(3, 8, 8, 2)).astype(np.float32))
    w = tf.Variable(RNG.normal(size=(3, 3, 2, 4)).astype(np.float32))
    b = tf.Variable(RNG.normal(size=(4,)).astype(np.float32))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = conv_pool_ops.conv_pool(x, w, (2, 2), bias=b, relu=True)
        loss = tf.reduce_sum(y * y)
    first = [g.numpy() for g in tape.gradient(loss, [x, w, b])]
    second = [g.numpy() for g in tape.gradient(loss, [x, w, b])]
    for a, c in zip(first, second):
        np.testing.assert_array_equal(a, c)


def test_thread_count_does_not_change_results(monkeypatch):
    monkeypatch.setattr(conv_ops, "_CHUNK_BYTES", 4096)
    x = RNG.normal(size=(16, 11, 11, 3)).astype(np.float32)
    w = RNG.normal(size=(3, 3, 3, 8)).astype(np.float32)
    b = RNG.normal(size=(8,)).astype(np.float32)
    dy = RNG.normal(size=(16, 4, 4, 8)).astype(np.float32)
    assert_thread_count_invariant(
        lambda xt, wt, bt: conv_pool_ops.conv_pool(xt, wt, (2, 2), bias=bt, relu=True),
        [x, w, b], dy)


def test_without_a_tape_the_output_is_the_same():
    x = RNG.normal(size=(5, 10, 10, 3)).astype(np.float32)
    w = RNG.normal(size=(3, 3, 3, 6)).astype(np.float32)
    plain = conv_pool_ops.conv_pool(x, w, (2, 2), relu=True).numpy()
    with tf.GradientTape():
        taped = conv_pool_ops.conv_pool(x, w, (2, 2), relu=True).numpy()
    np.testing.assert_array_equal(plain, taped)


def test_unfusable_geometry_raises_a_clear_error():
    x = np.zeros((1, 4, 4, 4), np.float32)
    w = np.zeros((3, 3, 2, 4), np.float32)   # 2 groups
    cfg = conv_ops.conv_config((4, 4), (3, 3), groups=2)
    assert not conv_pool_ops.fusable(cfg, (2, 2))
    with pytest.raises(tf.errors.InvalidArgumentError, match="conv_pool.*max_pool"):
        conv_pool_ops.conv_pool(x, w, (2, 2))
    w1 = np.zeros((3, 3, 4, 4), np.float32)   # 2x2 output, 3x3 windows
    assert not conv_pool_ops.fusable(conv_ops.conv_config((4, 4), (3, 3)), (3, 3))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"output \(2, 2\)"):
        conv_pool_ops.conv_pool(x, w1, (3, 3))
