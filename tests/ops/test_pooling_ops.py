"""Pooling ops: forward against a naive NumPy loop, gradients against finite differences."""
import numpy as np
import pytest

import ndflow as tf

RNG = np.random.default_rng(99)


def same_pads(n, k, s):
    out = -(-n // s)
    tot = max((out - 1) * s + k - n, 0)
    return tot // 2, tot - tot // 2


def naive_pool(x, k, s, padding, kind):
    """Channels-last pooling by loops; padding never counts (max ignores it, avg divides by
    the number of real elements), as TensorFlow does."""
    nd = x.ndim - 2
    pads = [same_pads(x.shape[1 + i], k[i], s[i]) if padding == "SAME" else (0, 0)
            for i in range(nd)]
    out_sp = [(x.shape[1 + i] + sum(pads[i]) - k[i]) // s[i] + 1 for i in range(nd)]
    y = np.zeros((x.shape[0],) + tuple(out_sp) + (x.shape[-1],))
    for o in np.ndindex(*out_sp):
        sl = []
        for i in range(nd):
            lo = o[i] * s[i] - pads[i][0]
            sl.append(slice(max(lo, 0), min(lo + k[i], x.shape[1 + i])))
        win = x[(slice(None),) + tuple(sl)].reshape(x.shape[0], -1, x.shape[-1])
        y[(slice(None),) + o] = win.max(axis=1) if kind == "MAX" else win.mean(axis=1)
    return y


def numeric_grad(f, x, dy, eps=1e-6):
    g = np.zeros_like(x)
    flat = x.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        hi = (f(x) * dy).sum()
        flat[i] = old - eps
        lo = (f(x) * dy).sum()
        flat[i] = old
        g.reshape(-1)[i] = (hi - lo) / (2 * eps)
    return g


CASES = [
    ("MAX", (1, 9, 3), (2,), (2,), "VALID"),
    ("AVG", (2, 8, 2), (3,), (2,), "SAME"),
    ("MAX", (2, 6, 7, 3), (2, 2), (2, 2), "VALID"),
    ("MAX", (2, 6, 4, 3), (2, 2), (2, 2), "VALID"),     # windows tile the input exactly
    ("MAX", (2, 5, 7, 2), (3, 3), (2, 1), "SAME"),
    ("AVG", (2, 6, 5, 2), (2, 2), (2, 2), "VALID"),
    ("AVG", (1, 5, 7, 3), (3, 2), (2, 3), "SAME"),
    ("MAX", (1, 4, 5, 4, 2), (2, 2, 2), (2, 2, 1), "SAME"),
    ("AVG", (1, 5, 4, 4, 2), (3, 2, 2), (1, 2, 2), "VALID"),
]


@pytest.mark.parametrize("kind,shape,k,s,padding", CASES)
def test_pool_forward_and_gradient(kind, shape, k, s, padding):
    x = RNG.normal(size=shape)  # continuous values: no ties, max is differentiable
    fn = tf.nn.max_pool if kind == "MAX" else tf.nn.avg_pool
    y = fn(x, k, s, padding).numpy()
    np.testing.assert_allclose(y, naive_pool(x, k, s, padding, kind), atol=1e-12)
    dy = RNG.normal(size=y.shape)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        loss = tf.reduce_sum(fn(xt, k, s, padding) * tf.constant(dy))
    g = tape.gradient(loss, xt).numpy()
    num = numeric_grad(lambda v: naive_pool(v, k, s, padding, kind), x, dy)
    np.testing.assert_allclose(g, num, atol=1e-6)


def test_named_variants_and_channels_first():
    x = RNG.normal(size=(2, 7, 6, 3)).astype(np.float32)
    y = tf.nn.max_pool2d(x, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="VALID")
    assert y.shape == (2, 3, 3, 3) and y.dtype == tf.float32
    np.testing.assert_allclose(y.numpy(), naive_pool(x, (2, 2), (2, 2), "VALID", "MAX"))
    xf = x.transpose(0, 3, 1, 2)
    yf = tf.nn.avg_pool2d(xf, 3, 2, "SAME", data_format="NCHW")
    ref = naive_pool(x, (3, 3), (2, 2), "SAME", "AVG").transpose(0, 3, 1, 2)
    np.testing.assert_allclose(yf.numpy(), ref, rtol=1e-5, atol=1e-6)
    x1 = RNG.normal(size=(2, 9, 2))
    np.testing.assert_allclose(tf.nn.max_pool1d(x1, 3, 2, "SAME").numpy(),
                               naive_pool(x1, (3,), (2,), "SAME", "MAX"))
    x3 = RNG.normal(size=(1, 4, 4, 4, 2))
    np.testing.assert_allclose(tf.nn.avg_pool3d(x3, 2, 2, "VALID").numpy(),
                               naive_pool(x3, (2, 2, 2), (2, 2, 2), "VALID", "AVG"))
    np.testing.assert_allclose(tf.nn.pool(x, [2, 2], "MAX", strides=[2, 2]).numpy(),
                               y.numpy())


def test_max_pool_ties_send_gradient_to_first_maximum():
    x = tf.constant(np.ones((1, 2, 2, 1)))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.max_pool2d(x, 2, 2, "VALID")
    g = tape.gradient(y, x).numpy()
    np.testing.assert_array_equal(g[0, :, :, 0], [[1, 0], [0, 0]])


def test_max_pool_gradient_with_more_window_offsets_than_a_byte_counts():
    """The forward notes each window's argmax offset in the smallest integer type that
    holds them: a 17x17 window (289 offsets) needs more than 8 bits."""
    x = RNG.normal(size=(2, 18, 17, 2))
    x[0, 16, 15, 1] = x[0, 3, 2, 1] = 9.0   # a tie: the earlier offset gets the gradient
    dy = RNG.normal(size=(2, 2, 1, 2))
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = tf.nn.max_pool2d(xt, 17, 1, "VALID")
    g = tape.gradient(y, xt, output_gradients=tf.constant(dy)).numpy()
    expect = np.zeros_like(x)
    for b, i, c in np.ndindex(2, 2, 2):
        win = x[b, i:i + 17, :, c]
        r, q = np.unravel_index(np.argmax(win), win.shape)   # first maximum, row-major
        expect[b, i + r, q, c] += dy[b, i, 0, c]
    np.testing.assert_allclose(y.numpy(), naive_pool(x, (17, 17), (1, 1), "VALID", "MAX"))
    np.testing.assert_array_equal(g, expect)


def test_second_order_through_pooling():
    """Gradient of the gradient: max pool's is its own adjoint; avg pool's is linear."""
    x = RNG.normal(size=(1, 4, 4, 2))
    for fn in (tf.nn.max_pool2d, tf.nn.avg_pool2d):
        xt = tf.constant(x)
        with tf.GradientTape() as outer:
            outer.watch(xt)
            with tf.GradientTape() as inner:
                inner.watch(xt)
                y = fn(xt, 2, 2, "VALID")
                loss = tf.reduce_sum(y * y)
            gx = inner.gradient(loss, xt)
            val = tf.reduce_sum(gx * gx)
        g2 = outer.gradient(val, xt).numpy()

        def first_grad_sq(v):
            t = tf.constant(v)
            with tf.GradientTape() as tp:
                tp.watch(t)
                l2 = tf.reduce_sum(fn(t, 2, 2, "VALID") ** 2)
            return (tp.gradient(l2, t).numpy() ** 2).sum()
        num = numeric_grad(lambda v: np.asarray(first_grad_sq(v)), x, 1.0, eps=1e-5)
        np.testing.assert_allclose(g2, num, rtol=1e-5, atol=1e-5)


def test_pool_errors():
    x = np.ones((1, 4, 4, 1))
    with pytest.raises(tf.errors.InvalidArgumentError, match="padding"):
        tf.nn.max_pool2d(x, 2, 2, "FULL")
    with pytest.raises(tf.errors.InvalidArgumentError, match="rank"):
        tf.nn.max_pool2d(x[0], 2, 2, "VALID")
    with pytest.raises(tf.errors.InvalidArgumentError, match="does not fit"):
        tf.nn.avg_pool2d(x, 5, 1, "VALID")


@pytest.mark.parametrize("fn", [tf.nn.max_pool2d, tf.nn.avg_pool2d])
def test_channels_first_pool_gradient(fn):
    x = RNG.normal(size=(2, 3, 5, 6))   # NCHW

    def f(v):
        return fn(v, 3, 2, "SAME", data_format="NCHW").numpy()
    ref = naive_pool(x.transpose(0, 2, 3, 1), (3, 3), (2, 2), "SAME",
                     "MAX" if fn is tf.nn.max_pool2d else "AVG").transpose(0, 3, 1, 2)
    np.testing.assert_allclose(f(x), ref, atol=1e-12)
    dy = RNG.normal(size=ref.shape)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        loss = tf.reduce_sum(fn(xt, 3, 2, "SAME", data_format="NCHW") * tf.constant(dy))
    np.testing.assert_allclose(tape.gradient(loss, xt).numpy(), numeric_grad(f, x, dy),
                               atol=1e-6)


def test_sliced_threaded_max_pool_with_ties(monkeypatch):
    """One-example slices of the batch on two threads: forward against the loop, gradient
    against finite differences, and ties (whole windows of zeros, as after a relu) sending
    the gradient to the first maximum only, for windows that tile the input, leave a
    remainder, or overlap."""
    from ndflow.ops import conv_ops
    monkeypatch.setattr(conv_ops, "_CHUNK_BYTES", 1)
    old = conv_ops.kernel_threads()
    conv_ops.set_kernel_threads(2)
    try:
        for shape, k, s, padding in [((4, 6, 6, 3), (2, 2), (2, 2), "VALID"),
                                     ((4, 7, 5, 3), (2, 2), (2, 2), "VALID"),
                                     ((3, 5, 6, 2), (3, 3), (2, 2), "SAME")]:
            x = RNG.normal(size=shape)
            y = tf.nn.max_pool2d(x, k, s, padding).numpy()
            np.testing.assert_allclose(y, naive_pool(x, k, s, padding, "MAX"))
            dy = RNG.normal(size=y.shape)
            xt = tf.constant(x)
            with tf.GradientTape() as tape:
                tape.watch(xt)
                loss = tf.reduce_sum(tf.nn.max_pool2d(xt, k, s, padding) * tf.constant(dy))
            num = numeric_grad(lambda v: naive_pool(v, k, s, padding, "MAX"), x, dy)
            np.testing.assert_allclose(tape.gradient(loss, xt).numpy(), num, atol=1e-6)

            zeros = tf.constant(np.maximum(x, 0) * (RNG.random(shape) < 0.5))
            with tf.GradientTape() as tape:
                tape.watch(zeros)
                out = tf.nn.max_pool2d(zeros, k, s, padding)
            g = tape.gradient(out, zeros).numpy()
            # each output's gradient (1) goes to exactly one input: the first maximum of
            # its window in row-major order
            expect = np.zeros(shape)
            zv = zeros.numpy()
            pads = [same_pads(shape[1 + i], k[i], s[i]) if padding == "SAME" else (0, 0)
                    for i in range(2)]
            for o in np.ndindex(*out.shape[1:3]):
                lo = [o[i] * s[i] - pads[i][0] for i in range(2)]
                rows = range(max(lo[0], 0), min(lo[0] + k[0], shape[1]))
                cols = range(max(lo[1], 0), min(lo[1] + k[1], shape[2]))
                for bi in range(shape[0]):
                    for c in range(shape[3]):
                        win = [(r, q) for r in rows for q in cols]
                        vals = [zv[bi, r, q, c] for r, q in win]
                        r, q = win[int(np.argmax(vals))]
                        expect[bi, r, q, c] += 1
            np.testing.assert_array_equal(g, expect)
    finally:
        conv_ops.set_kernel_threads(old)


def test_max_pool_gradient_when_the_forward_was_not_recorded():
    """The forward pass marks the window maxima only while a tape records; an op run
    without one (then recorded by hand, as custom_gradient does) finds them again."""
    from ndflow.core.engine import execute
    from ndflow.ops import pooling_ops as P
    x = np.maximum(RNG.normal(size=(2, 5, 6, 3)), 0)   # zeros: ties
    dy = RNG.normal(size=(2, 2, 3, 3))
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = tf.nn.max_pool2d(xt, 2, 2, "VALID")
    recorded = tape.gradient(y, xt, output_gradients=tf.constant(dy)).numpy()
    op = P.MaxPool(P.pool_config((5, 6), 2, 2, "VALID"))
    op.outputs = execute(op, (xt,))
    op.inputs, op.needs_grad = (xt,), (True,)
    assert op.argmax is None
    np.testing.assert_array_equal(op.backward(tf.constant(dy))[0].numpy(), recorded)
