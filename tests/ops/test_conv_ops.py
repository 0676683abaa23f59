"""Convolution ops: forward against a naive NumPy loop, gradients against central finite
differences (float64), channels_first, groups, depthwise/separable, transposed conv."""
import numpy as np
import pytest

import ndflow as tf
from ndflow.ops import conv_ops

RNG = np.random.default_rng(1234)


def naive_conv(x, w, strides, pads, dil, groups=1):
    """Channels-last direct convolution by explicit loops."""
    nd = w.ndim - 2
    xp = np.pad(x, [(0, 0)] + [tuple(p) for p in pads] + [(0, 0)])
    k = w.shape[:nd]
    cg, cout = w.shape[-2:]
    og = cout // groups
    out_sp = [(xp.shape[1 + i] - (k[i] - 1) * dil[i] - 1) // strides[i] + 1 for i in range(nd)]
    y = np.zeros((x.shape[0],) + tuple(out_sp) + (cout,))
    for o in np.ndindex(*out_sp):
        for off in np.ndindex(*k):
            idx = tuple(o[i] * strides[i] + off[i] * dil[i] for i in range(nd))
            patch = xp[(slice(None),) + idx]
            for g in range(groups):
                y[(slice(None),) + o + (slice(g * og, (g + 1) * og),)] += \
                    patch[:, g * cg:(g + 1) * cg] @ w[off][:, g * og:(g + 1) * og]
    return y


def tf_same_pads(n, k, s, d):
    ke = (k - 1) * d + 1
    out = -(-n // s)
    tot = max((out - 1) * s + ke - n, 0)
    return (tot // 2, tot - tot // 2)


def numeric_grad(f, arrays, index, dy, eps=1e-6):
    """d sum(f(*arrays) * dy) / d arrays[index] by central differences."""
    a = arrays[index]
    g = np.zeros_like(a)
    flat = a.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        hi = (f(*arrays) * dy).sum()
        flat[i] = old - eps
        lo = (f(*arrays) * dy).sum()
        flat[i] = old
        g.reshape(-1)[i] = (hi - lo) / (2 * eps)
    return g


def tape_grads(f, arrays, dy):
    ts = [tf.constant(a) for a in arrays]
    with tf.GradientTape() as tape:
        tape.watch(ts)
        y = f(*ts)
        loss = tf.reduce_sum(y * tf.constant(dy))
    return [g.numpy() for g in tape.gradient(loss, ts)]


CASES = [
    # nd, spatial, kernel, strides, dilations, padding, groups
    (1, (7,), (3,), 1, 1, "VALID", 1),
    (1, (8,), (3,), 2, 1, "SAME", 2),
    (1, (9,), (2,), 1, 3, "SAME", 1),
    (2, (6, 5), (3, 2), 1, 1, "VALID", 1),
    (2, (7, 6), (3, 3), 2, 1, "SAME", 1),
    (2, (7, 7), (2, 3), (1, 2), (2, 1), "SAME", 2),
    (2, (6, 6), (3, 3), 3, 1, [(1, 2), (0, 1)], 1),
    (3, (4, 5, 4), (2, 3, 2), 1, 1, "SAME", 1),
    (3, (5, 4, 5), (3, 2, 2), 2, 1, "VALID", 2),
]


# every case with 4 input channels, and the ungrouped ones with 1 input channel too (its
# im2col matrix is stored offset-major and filled from a transposed window view)
CASES_CIN = [(c, 4) for c in CASES] + [(c, 1) for c in CASES if c[-1] == 1]


@pytest.mark.parametrize("case,cin", CASES_CIN,
                         ids=["%d-cin%d" % (CASES.index(c), n) for c, n in CASES_CIN])
def test_conv_forward_and_gradients(case, cin):
    nd, sp, k, strides, dil, padding, groups = case
    cout = 6
    x = RNG.normal(size=(2,) + sp + (cin,))
    w = RNG.normal(size=k + (cin // groups, cout))
    st = (strides,) * nd if isinstance(strides, int) else strides
    dl = (dil,) * nd if isinstance(dil, int) else dil
    if padding == "SAME":
        pads = [tf_same_pads(n, kk, s, d) for n, kk, s, d in zip(sp, k, st, dl)]
    elif padding == "VALID":
        pads = [(0, 0)] * nd
    else:
        pads = padding

    def ref(xv, wv):
        return naive_conv(xv, wv, st, pads, dl, groups)

    def ours(xt, wt):
        return conv_ops.conv(xt, wt, strides, padding, dil)

    y = ours(x, w).numpy()
    np.testing.assert_allclose(y, ref(x, w), rtol=1e-10, atol=1e-10)
    dy = RNG.normal(size=y.shape)
    gx, gw = tape_grads(ours, [x, w], dy)

    def fwd(xv, wv):  # the forward just checked against the loop, as plain NumPy
        return ours(xv, wv).numpy()
    np.testing.assert_allclose(gx, numeric_grad(fwd, [x, w], 0, dy), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(gw, numeric_grad(fwd, [x, w], 1, dy), rtol=1e-6, atol=1e-6)


def test_conv2d_channels_first_matches_channels_last_and_gradients():
    x = RNG.normal(size=(2, 3, 6, 5))  # NCHW
    w = RNG.normal(size=(3, 2, 3, 4))

    def f(xt, wt):
        return tf.nn.conv2d(xt, wt, strides=[1, 1, 2, 1], padding="SAME", data_format="NCHW")

    y = f(x, w).numpy()
    x_last = x.transpose(0, 2, 3, 1)
    ref = naive_conv(x_last, w, (2, 1), [tf_same_pads(6, 3, 2, 1), tf_same_pads(5, 2, 1, 1)],
                     (1, 1)).transpose(0, 3, 1, 2)
    np.testing.assert_allclose(y, ref, atol=1e-10)
    dy = RNG.normal(size=y.shape)
    gx, gw = tape_grads(f, [x, w], dy)

    def fr(xv, wv):
        return f(xv, wv).numpy()
    np.testing.assert_allclose(gx, numeric_grad(fr, [x, w], 0, dy), atol=1e-6)
    np.testing.assert_allclose(gw, numeric_grad(fr, [x, w], 1, dy), atol=1e-6)


def test_tf_nn_conv1d_conv3d_and_convolution_agree():
    x1 = RNG.normal(size=(2, 9, 3)).astype(np.float32)
    w1 = RNG.normal(size=(3, 3, 5)).astype(np.float32)
    y1 = tf.nn.conv1d(x1, w1, stride=2, padding="VALID")
    assert y1.dtype == tf.float32 and y1.shape == (2, 4, 5)
    np.testing.assert_allclose(y1.numpy(), naive_conv(x1, w1, (2,), [(0, 0)], (1,)), rtol=1e-5,
                               atol=1e-5)
    np.testing.assert_allclose(tf.nn.convolution(x1, w1, strides=2).numpy(), y1.numpy())
    x3 = RNG.normal(size=(1, 3, 4, 4, 2))
    w3 = RNG.normal(size=(2, 2, 2, 2, 3))
    y3 = tf.nn.conv3d(x3, w3, strides=[1, 1, 1, 1, 1], padding="SAME",
                      dilations=[1, 1, 2, 1, 1])
    pads = [tf_same_pads(3, 2, 1, 1), tf_same_pads(4, 2, 1, 2), tf_same_pads(4, 2, 1, 1)]
    np.testing.assert_allclose(y3.numpy(), naive_conv(x3, w3, (1, 1, 1), pads, (1, 2, 1)),
                               atol=1e-10)
    # channels_first 1-D
    y1f = tf.nn.conv1d(x1.transpose(0, 2, 1), w1, stride=2, padding="VALID",
                       data_format="NCW")
    np.testing.assert_allclose(y1f.numpy(), y1.numpy().transpose(0, 2, 1), rtol=1e-6)


def naive_conv_transpose(x, w, out_sp, strides, pads):
    """Scatter each input element through the kernel (the definition of the transposed
    convolution), then crop the padding."""
    nd = w.ndim - 2
    k = w.shape[:nd]
    full = [out_sp[i] + pads[i][0] + pads[i][1] for i in range(nd)]
    y = np.zeros((x.shape[0],) + tuple(full) + (w.shape[-2],))
    for i in np.ndindex(*x.shape[1:-1]):
        for off in np.ndindex(*k):
            o = tuple(i[d] * strides[d] + off[d] for d in range(nd))
            if all(o[d] < full[d] for d in range(nd)):
                y[(slice(None),) + o] += x[(slice(None),) + i] @ w[off].T
    sl = tuple(slice(p[0], p[0] + n) for p, n in zip(pads, out_sp))
    return y[(slice(None),) + sl]


@pytest.mark.parametrize("padding,strides,out", [("VALID", 2, (9, 7)), ("SAME", 2, (8, 6)),
                                                 ("SAME", 1, (4, 3)), ("VALID", 2, (10, 7))])
def test_conv2d_transpose_forward_and_gradients(padding, strides, out):
    x = RNG.normal(size=(2, 4, 3, 3))
    w = RNG.normal(size=(3, 2, 5, 3))   # (kh, kw, out_channels, in_channels)
    if padding == "SAME":
        pads = [tf_same_pads(n, k, strides, 1) for n, k in zip(out, (3, 2))]
    else:
        pads = [(0, 0), (0, 0)]

    def ours(xt, wt):
        return tf.nn.conv2d_transpose(xt, wt, (2,) + out + (5,), strides, padding)

    def ref(xv, wv):
        return naive_conv_transpose(xv, wv, out, (strides, strides), pads)

    y = ours(x, w).numpy()
    assert y.shape == (2,) + out + (5,)
    np.testing.assert_allclose(y, ref(x, w), atol=1e-10)
    dy = RNG.normal(size=y.shape)
    gx, gw = tape_grads(ours, [x, w], dy)

    def fwd(xv, wv):
        return ours(xv, wv).numpy()
    np.testing.assert_allclose(gx, numeric_grad(fwd, [x, w], 0, dy), atol=1e-6)
    np.testing.assert_allclose(gw, numeric_grad(fwd, [x, w], 1, dy), atol=1e-6)


def test_depthwise_and_separable_conv2d():
    x = RNG.normal(size=(2, 5, 6, 3))
    dw = RNG.normal(size=(3, 3, 3, 2))
    pw = RNG.normal(size=(1, 1, 6, 4))
    y = tf.nn.depthwise_conv2d(x, dw, strides=[1, 1, 1, 1], padding="SAME").numpy()
    pads = [tf_same_pads(5, 3, 1, 1), tf_same_pads(6, 3, 1, 1)]
    ref = np.zeros((2, 5, 6, 6))
    for c in range(3):
        for j in range(2):
            ref[..., c * 2 + j] = naive_conv(x[..., c:c + 1], dw[:, :, c:c + 1, j:j + 1],
                                             (1, 1), pads, (1, 1))[..., 0]
    np.testing.assert_allclose(y, ref, atol=1e-10)
    s = tf.nn.separable_conv2d(x, dw, pw, strides=[1, 1, 1, 1], padding="SAME").numpy()
    np.testing.assert_allclose(s, ref @ pw[0, 0], atol=1e-10)

    def f(xt, wt):
        return tf.nn.depthwise_conv2d(xt, wt, strides=[1, 2, 2, 1], padding="VALID")

    yv = f(x, dw).numpy()
    d_out = RNG.normal(size=yv.shape)
    gx, gw = tape_grads(f, [x, dw], d_out)

    def fr(xv, wv):
        return f(xv, wv).numpy()
    np.testing.assert_allclose(gx, numeric_grad(fr, [x, dw], 0, d_out), atol=1e-6)
    np.testing.assert_allclose(gw, numeric_grad(fr, [x, dw], 1, d_out), atol=1e-6)


def test_second_order_gradient_through_conv():
    """d/dw of sum((d loss/dx)^2): exercises the gradients of the backprop ops."""
    x = RNG.normal(size=(1, 5, 5, 2))
    w = RNG.normal(size=(3, 3, 2, 3))

    def gnorm(xv, wv):
        xt, wt = tf.constant(xv), tf.constant(wv)
        with tf.GradientTape() as outer:
            outer.watch(wt)
            with tf.GradientTape() as inner:
                inner.watch(xt)
                y = tf.nn.conv2d(xt, wt, 2, "SAME")
                loss = tf.reduce_sum(y * y)
            gx = inner.gradient(loss, xt)
            val = tf.reduce_sum(gx * gx)
        return val.numpy(), outer.gradient(val, wt).numpy()

    _, gw = gnorm(x, w)
    num = numeric_grad(lambda xv, wv: np.asarray(gnorm(xv, wv)[0]), [x, w], 1, 1.0, eps=1e-5)
    np.testing.assert_allclose(gw, num, rtol=1e-5, atol=1e-5)


def test_float32_stays_float32_and_bad_inputs_raise():
    x = np.ones((1, 4, 4, 2), np.float32)
    w = np.ones((3, 3, 2, 1), np.float32)
    assert tf.nn.conv2d(x, w, 1, "VALID").dtype == tf.float32
    with pytest.raises(tf.errors.InvalidArgumentError, match="channels"):
        tf.nn.conv2d(x, np.ones((3, 3, 3, 1), np.float32), 1, "VALID")
    with pytest.raises(tf.errors.InvalidArgumentError, match="does not fit"):
        tf.nn.conv2d(x, np.ones((5, 5, 2, 1), np.float32), 1, "VALID")
    with pytest.raises(tf.errors.InvalidArgumentError, match="padding"):
        tf.nn.conv2d(x, w, 1, "FULL")
    with pytest.raises(tf.errors.InvalidArgumentError, match="rank"):
        tf.nn.conv2d(x[0], w, 1, "VALID")
    with pytest.raises(tf.errors.InvalidArgumentError, match="float32"):
        tf.nn.conv2d(x, w.astype(np.float64), 1, "VALID")


def test_fused_bias_relu_matches_composite():
    """conv(..., bias=b, relu=True) is one op; it must equal relu(conv + b), gradients
    included (and second order through the relu mask)."""
    x = RNG.normal(size=(2, 5, 6, 3))
    w = RNG.normal(size=(3, 3, 3, 4))
    b = RNG.normal(size=(4,))
    dy = RNG.normal(size=(2, 5, 6, 4))

    def fused(xt, wt, bt):
        return conv_ops.conv(xt, wt, 1, "SAME", bias=bt, relu=True)

    def composite(xt, wt, bt):
        return tf.nn.relu(conv_ops.conv(xt, wt, 1, "SAME") + bt)

    np.testing.assert_allclose(fused(x, w, b).numpy(), composite(x, w, b).numpy(), atol=1e-12)
    for ga, gb in zip(tape_grads(fused, [x, w, b], dy), tape_grads(composite, [x, w, b], dy)):
        np.testing.assert_allclose(ga, gb, atol=1e-10)
    with pytest.raises(tf.errors.InvalidArgumentError, match="bias"):
        conv_ops.conv(x, w, 1, "SAME", bias=np.zeros(3))


@pytest.mark.parametrize("multiplier,strides,dil", [(1, 1, 2), (1, 2, 1), (3, 1, 1)])
def test_depthwise_kernel_against_loop_and_finite_differences(multiplier, strides, dil):
    """The depthwise fast path (one input channel per group) against the loop reference."""
    x = RNG.normal(size=(2, 6, 5, 3))
    w = RNG.normal(size=(3, 2, 1, 3 * multiplier))   # grouped form: (kh, kw, 1, C * m)
    pads = [tf_same_pads(6, 3, strides, dil), tf_same_pads(5, 2, strides, dil)]

    def ours(xt, wt):
        return conv_ops.conv(xt, wt, strides, "SAME", dil)

    y = ours(x, w).numpy()
    np.testing.assert_allclose(
        y, naive_conv(x, w, (strides,) * 2, pads, (dil,) * 2, groups=3), atol=1e-10)
    dy = RNG.normal(size=y.shape)
    gx, gw = tape_grads(ours, [x, w], dy)

    def fwd(xv, wv):
        return ours(xv, wv).numpy()
    np.testing.assert_allclose(gx, numeric_grad(fwd, [x, w], 0, dy), atol=1e-6)
    np.testing.assert_allclose(gw, numeric_grad(fwd, [x, w], 1, dy), atol=1e-6)


@pytest.fixture
def sliced_threads(monkeypatch):
    """Run the kernels over one-example slices of the batch on two threads, so that the
    slicing, the thread pool and the per-slice partial sums are exercised by small data."""
    monkeypatch.setattr(conv_ops, "_CHUNK_BYTES", 1)
    old = conv_ops.kernel_threads()
    conv_ops.set_kernel_threads(2)
    yield
    conv_ops.set_kernel_threads(old)


@pytest.mark.parametrize("cin,strides,padding", [(1, 1, "VALID"), (1, 2, "SAME"),
                                                  (3, 1, "SAME"), (3, 2, "VALID")])
def test_sliced_threaded_conv_bias_relu_against_loop_and_finite_differences(
        sliced_threads, cin, strides, padding):
    """The bias rides in the GEMM (a column of ones), one input channel uses the
    offset-major im2col layout; forward and the gradients of x, w and b are checked."""
    x = RNG.normal(size=(5, 6, 5, cin))
    w = RNG.normal(size=(3, 2, cin, 4))
    b = RNG.normal(size=(4,))
    if padding == "SAME":
        pads = [tf_same_pads(6, 3, strides, 1), tf_same_pads(5, 2, strides, 1)]
    else:
        pads = [(0, 0), (0, 0)]

    def ours(xt, wt, bt):
        return conv_ops.conv(xt, wt, strides, padding, bias=bt, relu=True)

    ref = np.maximum(naive_conv(x, w, (strides,) * 2, pads, (1, 1)) + b, 0)
    y = ours(x, w, b).numpy()
    np.testing.assert_allclose(y, ref, rtol=1e-10, atol=1e-10)
    dy = RNG.normal(size=y.shape)
    grads = tape_grads(ours, [x, w, b], dy)

    def fwd(xv, wv, bv):
        return ours(xv, wv, bv).numpy()
    for i, g in enumerate(grads):
        np.testing.assert_allclose(g, numeric_grad(fwd, [x, w, b], i, dy), atol=1e-6)


def test_thread_count_does_not_change_results(monkeypatch):
    """Slices depend on the shapes only, and partial filter gradients are summed in slice
    order, so one and two threads give bit-identical float32 results."""
    monkeypatch.setattr(conv_ops, "_CHUNK_BYTES", 4096)
    x = RNG.normal(size=(16, 9, 9, 3)).astype(np.float32)
    w = RNG.normal(size=(3, 3, 3, 8)).astype(np.float32)
    b = RNG.normal(size=(8,)).astype(np.float32)
    dy = RNG.normal(size=(16, 7, 7, 8)).astype(np.float32)
    assert_thread_count_invariant(lambda xt, wt, bt: conv_ops.conv(xt, wt, bias=bt, relu=True),
                                  [x, w, b], dy)


def assert_thread_count_invariant(f, arrays, dy):
    """``f(*arrays)`` and its gradients are bit-identical float32 on one and two threads."""
    old = conv_ops.kernel_threads()
    results = []
    try:
        for n in (1, 2):
            conv_ops.set_kernel_threads(n)
            results.append([f(*arrays).numpy(), *tape_grads(f, arrays, dy)])
    finally:
        conv_ops.set_kernel_threads(old)
    for one, two in zip(*results):
        assert one.dtype == np.float32
        np.testing.assert_array_equal(one, two)


def test_second_order_through_fused_bias_relu():
    """d/dw of sum(db^2), where db = d loss/d b: goes through BiasGrad's gradient and the
    relu mask."""
    x = RNG.normal(size=(2, 5, 5, 2))
    w = RNG.normal(size=(3, 3, 2, 3))
    b = RNG.normal(size=(3,))

    def gnorm(xv, wv):
        xt, wt, bt = tf.constant(xv), tf.constant(wv), tf.constant(b)
        with tf.GradientTape() as outer:
            outer.watch(wt)
            with tf.GradientTape() as inner:
                inner.watch(bt)
                y = conv_ops.conv(xt, wt, 1, "SAME", bias=bt, relu=True)
                loss = tf.reduce_sum(y * y)
            gb = inner.gradient(loss, bt)
            val = tf.reduce_sum(gb * gb)
        return val.numpy(), outer.gradient(val, wt).numpy()

    _, gw = gnorm(x, w)
    num = numeric_grad(lambda xv, wv: np.asarray(gnorm(xv, wv)[0]), [x, w], 1, 1.0, eps=1e-6)
    np.testing.assert_allclose(gw, num, rtol=1e-5, atol=1e-5)


def test_parallel_batches_covers_the_batch_and_reraises(monkeypatch):
    monkeypatch.setattr(conv_ops, "_CHUNK_BYTES", 10)
    old = conv_ops.kernel_threads()
    conv_ops.set_kernel_threads(2)
    try:
        seen = []
        # 10 bytes hold 2 examples of 4 bytes: 4 slices, sizes differing by at most one
        conv_ops.parallel_batches(lambda b0, b1: seen.append((b0, b1)), 7, 4)
        assert sorted(seen) == [(0, 1), (1, 3), (3, 5), (5, 7)]
        # 5 slices of 2 are needed for 10 examples: rounded up to 8, so that 2 or 4
        # threads get equal shares
        seen = []
        conv_ops.parallel_batches(lambda b0, b1: seen.append((b0, b1)), 10, 4)
        assert sorted(seen) == [(0, 1), (1, 2), (2, 3), (3, 5), (5, 6), (6, 7), (7, 8),
                                (8, 10)]
        assert conv_ops.batch_slices(3, 4) == [(0, 1), (1, 2), (2, 3)]   # at most batch
        assert conv_ops.batch_slices(2, 1) == [(0, 2)]                    # one slice

        def boom(b0, b1):
            if b0 == 3:
                raise RuntimeError("slice 4 failed")
        with pytest.raises(RuntimeError, match="slice 4"):
            conv_ops.parallel_batches(boom, 7, 4)
    finally:
        conv_ops.set_kernel_threads(old)
    with pytest.raises(ValueError, match="set_kernel_threads"):
        conv_ops.set_kernel_threads(-1)


@pytest.mark.parametrize("cin", [1, 3])
def test_gradients_under_an_outer_recording_tape_match(cin):
    """With no tape recording the backward pass, Conv's gradients come from one fused sweep;
    under an outer recording tape they are built from differentiable ops.  Same values."""
    x = RNG.normal(size=(3, 6, 5, cin))
    w = RNG.normal(size=(3, 3, cin, 4))
    b = RNG.normal(size=(4,))
    dy = RNG.normal(size=(3, 6, 5, 4))

    def f(xt, wt, bt):
        return conv_ops.conv(xt, wt, 1, "SAME", bias=bt, relu=True)

    plain = tape_grads(f, [x, w, b], dy)
    with tf.GradientTape() as outer:
        outer.watch(tf.constant(0.0))
        recorded = tape_grads(f, [x, w, b], dy)
    for p, r in zip(plain, recorded):
        np.testing.assert_allclose(r, p, rtol=1e-12, atol=1e-12)


def test_kernel_threads_policy(monkeypatch):
    """NDFLOW_NUM_THREADS sets the count; a BLAS that runs several threads itself gets the
    cores alone (one kernel thread)."""
    from ndflow.backend import threads
    monkeypatch.setitem(threads._kernel, "threads", None)
    monkeypatch.setenv("NDFLOW_NUM_THREADS", "3")
    monkeypatch.setattr(threads, "get_blas_threads", lambda: 1)
    assert conv_ops.kernel_threads() == 3
    monkeypatch.setitem(threads._kernel, "threads", None)
    monkeypatch.delenv("NDFLOW_NUM_THREADS")
    monkeypatch.setattr(threads, "get_blas_threads", lambda: 4)
    assert conv_ops.kernel_threads() == 1
    conv_ops.set_kernel_threads(2)
    assert conv_ops.kernel_threads() == 2
