"""tf.scan / foldl / foldr, switch_case, Assert, identity_n, timestamp, sequence_mask,
bincount, histogram_fixed_width, and the tf.bitwise / tf.version / tf.test namespaces.

References are NumPy (float64 where it matters) and central finite differences; the few
constants taken from TensorFlow 2.21 say so next to them."""
import collections
import os
import sys
import time
import unittest

import numpy as np
import pytest

import ndflow as tf
from ndflow.core.errors import InvalidArgumentError, OutOfRangeError, OpError

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from _numeric import numeric_grad  # noqa: E402  (tests/_numeric.py)


# ---- scan -------------------------------------------------------------------------------

def test_scan_values():
    x = tf.constant([1.0, 2.0, 3.0, 4.0])
    np.testing.assert_array_equal(tf.scan(lambda a, b: a + b, x).numpy(), [1, 3, 6, 10])
    np.testing.assert_array_equal(tf.scan(lambda a, b: a + b, x, initializer=10.0).numpy(),
                                  [11, 13, 16, 20])
    # reverse: the output at i belongs to elems[i]
    np.testing.assert_array_equal(tf.scan(lambda a, b: a + b, x, reverse=True).numpy(),
                                  [10, 9, 7, 4])
    out = tf.scan(lambda a, b: a * 2 + b, x, initializer=1.0, reverse=True)
    np.testing.assert_array_equal(out.numpy(), [65, 32, 15, 6])  # 1*2+4, 6*2+3, ...
    ints = tf.scan(lambda a, b: a + b, tf.constant([1, 2, 3]))
    assert ints.dtype == tf.int32 and ints.numpy().tolist() == [1, 3, 6]


def test_scan_matrices():
    m = np.arange(8.0).reshape(2, 2, 2)
    out = tf.scan(lambda a, b: tf.matmul(a, b), tf.constant(m, tf.float64))
    np.testing.assert_allclose(out.numpy(), np.stack([m[0], m[0] @ m[1]]))


def test_scan_nested():
    x = tf.constant([1.0, 2.0, 3.0, 4.0])
    s, p = tf.scan(lambda a, b: (a[0] + b[0], a[1] * b[1]), (x, x), initializer=(0.0, 1.0))
    np.testing.assert_array_equal(s.numpy(), np.cumsum([1, 2, 3, 4]))
    np.testing.assert_array_equal(p.numpy(), np.cumprod([1, 2, 3, 4]))
    # no initializer: the accumulator has elems' structure
    s, p = tf.scan(lambda a, b: (a[0] + b[0], a[1] * b[1]),
                   (tf.constant([1.0, 2.0, 3.0]), tf.constant([2.0, 3.0, 4.0])), reverse=True)
    np.testing.assert_array_equal(s.numpy(), [6, 5, 3])
    np.testing.assert_array_equal(p.numpy(), [24, 12, 4])
    d = tf.scan(lambda a, b: {"s": a["s"] + b["u"]}, {"u": x}, initializer={"s": 0.0})
    assert list(d) == ["s"]
    np.testing.assert_array_equal(d["s"].numpy(), [1, 3, 6, 10])
    # the accumulator's structure may differ from elems'
    plus, minus = tf.scan(lambda a, b: (a[0] + b, a[1] - b), x, initializer=(0.0, 0.0))
    np.testing.assert_array_equal(minus.numpy(), -plus.numpy())
    Pair = collections.namedtuple("Pair", "lo hi")
    out = tf.scan(lambda a, b: Pair(a.lo + b, a.hi + 2 * b), x, initializer=Pair(0.0, 0.0))
    assert isinstance(out, Pair)
    np.testing.assert_array_equal(out.hi.numpy(), 2 * out.lo.numpy())


def test_scan_empty_and_errors():
    out = tf.scan(lambda a, b: a + b, tf.zeros([0]), initializer=1.0)
    assert out.shape == (0,) and out.dtype == tf.float32
    with pytest.raises(OutOfRangeError, match="no initializer"):
        tf.scan(lambda a, b: a + b, tf.zeros([0]))
    with pytest.raises(ValueError, match="rank >= 1"):
        tf.scan(lambda a, b: a + b, tf.constant(1.0))
    with pytest.raises(ValueError, match="same first dimension"):
        tf.scan(lambda a, b: a, (tf.ones([3]), tf.ones([2])), initializer=0.0)
    with pytest.raises(InvalidArgumentError, match="dtype float32 .* accumulator has dtype "
                                                   "int32"):
        tf.scan(lambda a, b: tf.cast(a, tf.float32) + b, tf.ones([3]), initializer=0)
    with pytest.raises(ValueError, match="shape"):
        tf.scan(lambda a, b: a + b, tf.ones([3, 2]), initializer=0.0)
    with pytest.raises(ValueError, match="same structure"):
        tf.scan(lambda a, b: (a, a), tf.ones([3]), initializer=0.0)


def test_scan_python_results_take_accumulator_dtype():
    out = tf.scan(lambda a, b: 1.0, tf.ones([3], tf.float64), initializer=tf.constant(
        0.0, tf.float64))
    assert out.dtype == tf.float64 and out.numpy().tolist() == [1, 1, 1]


def test_scan_gradient():
    x0 = np.array([0.3, -0.7, 1.2, 0.5])
    c = np.array([1.0, 2.0, -1.0, 0.5])

    def f_np(x):
        a, outs = 0.5, []
        for v in x:
            a = a * v + np.sin(a)
            outs.append(a)
        return float(np.sum(np.array(outs) * c))

    x = tf.constant(x0)
    init = tf.constant(0.5, tf.float64)
    with tf.GradientTape() as tape:
        tape.watch([x, init])
        ys = tf.scan(lambda a, v: a * v + tf.sin(a), x, initializer=init)
        y = tf.reduce_sum(ys * tf.constant(c))
    gx, ginit = tape.gradient(y, [x, init])
    np.testing.assert_allclose(float(y), f_np(x0), rtol=1e-12)
    np.testing.assert_allclose(gx.numpy(), numeric_grad(f_np, x0), rtol=1e-6, atol=1e-8)

    def f_init(a0):
        a, total = float(a0), 0.0
        for v, k in zip(x0, c):
            a = a * v + np.sin(a)
            total += a * k
        return total
    np.testing.assert_allclose(float(ginit), numeric_grad(f_init, np.array(0.5)), rtol=1e-6)


def test_scan_reverse_nested_gradient():
    x0 = np.array([0.2, 0.9, -0.4])
    y0 = np.array([1.5, -0.5, 0.7])

    def f_np(flat):
        x, y = flat[:3], flat[3:]
        a, b, total = x[2], y[2], x[2] + 2 * y[2]
        for i in (1, 0):
            a, b = a * y[i] + x[i], np.tanh(b + x[i])
            total += a + 2 * b
        return float(total)

    x, y = tf.constant(x0), tf.constant(y0)
    with tf.GradientTape() as tape:
        tape.watch([x, y])
        a, b = tf.scan(lambda acc, e: (acc[0] * e[1] + e[0], tf.tanh(acc[1] + e[0])),
                       (x, y), reverse=True)
        total = tf.reduce_sum(a) + 2 * tf.reduce_sum(b)
    gx, gy = tape.gradient(total, [x, y])
    num = numeric_grad(f_np, np.concatenate([x0, y0]))
    np.testing.assert_allclose(float(total), f_np(np.concatenate([x0, y0])), rtol=1e-12)
    np.testing.assert_allclose(np.concatenate([gx.numpy(), gy.numpy()]), num, rtol=1e-6,
                               atol=1e-8)


def test_scan_gradient_value_from_real_tensorflow():
    # TensorFlow 2.21: tf.scan(lambda a, b: a * b + 1., [1, 2, 3], initializer=0.5) gives
    # [1.5, 4, 13] and the gradient of sum(y * [1, 2, 3]) is [11.5, 16.5, 12]
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.scan(lambda a, b: a * b + 1.0, x, initializer=0.5)
        loss = tf.reduce_sum(y * tf.constant([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(y.numpy(), [1.5, 4.0, 13.0])
    np.testing.assert_array_equal(tape.gradient(loss, x).numpy(), [11.5, 16.5, 12.0])


# ---- foldl / foldr ----------------------------------------------------------------------------

def test_fold_values():
    x = tf.constant([1.0, 2.0, 3.0, 4.0])
    assert float(tf.foldl(lambda a, b: a + b, x)) == 10.0
    assert float(tf.foldl(lambda a, b: a * b, x, initializer=2.0)) == 48.0
    assert float(tf.foldl(lambda a, b: a - b, x)) == 1 - 2 - 3 - 4
    assert float(tf.foldr(lambda a, b: a - b, x)) == 4 - 3 - 2 - 1
    s = tf.foldr(lambda a, b: (a[0] + b[0], a[1] * b[1]), (x, x))
    assert isinstance(s, tuple) and [float(v) for v in s] == [10.0, 24.0]
    assert float(tf.foldl(lambda a, b: a + b, tf.zeros([0]), initializer=5.0)) == 5.0
    with pytest.raises(OutOfRangeError):
        tf.foldl(lambda a, b: a + b, tf.zeros([0]))
    # a fold may change the accumulator's shape, and a Python initializer meets the rows
    # as a Python number (TensorFlow 2.21 gives 3.0 float32 here)
    np.testing.assert_array_equal(
        tf.foldl(lambda a, b: a + b, tf.ones([3, 2]), initializer=0.0).numpy(), [3, 3])
    out = tf.foldl(lambda a, b: a + b, tf.ones([3]), initializer=0)
    assert out.dtype == tf.float32 and float(out) == 3.0
    np_elems = tf.foldl(lambda a, b: a + b, np.ones(3))
    assert np_elems.dtype == tf.float64


def test_fold_gradients():
    x0 = np.array([0.5, -1.5, 0.8, 2.0])

    def fl(x):
        a = 0.3
        for v in x:
            a = np.sin(a) * v + v ** 2
        return float(a)

    def fr(x):
        a = x[-1]
        for v in x[-2::-1]:
            a = a * v + 1.0
        return float(a)

    x = tf.constant(x0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        yl = tf.foldl(lambda a, v: tf.sin(a) * v + v ** 2, x,
                      initializer=tf.constant(0.3, tf.float64))
        yr = tf.foldr(lambda a, v: a * v + 1.0, x)
    np.testing.assert_allclose(float(yl), fl(x0), rtol=1e-12)
    np.testing.assert_allclose(float(yr), fr(x0), rtol=1e-12)
    np.testing.assert_allclose(tape.gradient(yl, x).numpy(), numeric_grad(fl, x0), rtol=1e-6,
                               atol=1e-8)
    np.testing.assert_allclose(tape.gradient(yr, x).numpy(), numeric_grad(fr, x0), rtol=1e-6,
                               atol=1e-8)


# ---- switch_case ---------------------------------------------------------------------------

def test_switch_case():
    c = tf.constant
    fns = [lambda: c(10), lambda: c(20), lambda: c(30)]
    assert int(tf.switch_case(c(1), fns)) == 20
    assert int(tf.switch_case(c(2, tf.int64), fns)) == 30
    # out of range: default, else the last branch (TensorFlow's rule)
    assert int(tf.switch_case(c(7), fns)) == 30
    assert int(tf.switch_case(c(-1), fns)) == 30
    assert int(tf.switch_case(c(7), fns, default=lambda: c(-5))) == -5
    assert int(tf.switch_case(c(0), fns, default=lambda: c(-5))) == 10
    assert int(tf.switch_case(c(1), {1: lambda: c(1), 0: lambda: c(3)})) == 1
    assert int(tf.switch_case(c(1), [(1, lambda: c(5)), (0, lambda: c(0))])) == 5
    assert tf.switch_case(c(0), [lambda: (3, c(1.0))])[0] == 3
    called = []
    tf.switch_case(c(0), [lambda: called.append(0), lambda: called.append(1)])
    assert called == [0]   # only the chosen branch runs


def test_switch_case_errors():
    c = tf.constant
    with pytest.raises(TypeError, match="must be a Tensor"):
        tf.switch_case(1, [lambda: c(1)])
    with pytest.raises(TypeError, match="integer tensor"):
        tf.switch_case(c(1.0), [lambda: c(1)])
    with pytest.raises(InvalidArgumentError, match="scalar"):
        tf.switch_case(c([1]), [lambda: c(1)])
    with pytest.raises(ValueError, match="at least one"):
        tf.switch_case(c(0), [])
    with pytest.raises(TypeError, match="callable or a"):
        tf.switch_case(c(0), [1])
    with pytest.raises(TypeError, match="Python ints"):
        tf.switch_case(c(0), {"a": lambda: 1})
    with pytest.raises(ValueError, match=r"exactly 0 \.\. 1"):
        tf.switch_case(c(0), {-1: lambda: c(1), 0: lambda: c(0)})
    with pytest.raises(ValueError, match=r"got \[0, 0\]"):
        tf.switch_case(c(0), [(0, lambda: c(0)), (0, lambda: c(5))])


def test_switch_case_gradient():
    x = tf.constant(1.5)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.switch_case(tf.constant(1), [lambda: x * x, lambda: x * x * x])
    assert float(tape.gradient(y, x)) == 3 * 1.5 ** 2


# ---- Assert ---------------------------------------------------------------------------------

def test_assert_passes():
    assert tf.Assert(True, ["never shown"]) is None
    assert tf.Assert(tf.constant([True]), ["x"]) is None
    assert tf.Assert(tf.constant(1), ["x"]) is None


def test_assert_message_matches_tensorflow():
    # messages as TensorFlow 2.21 prints them (float32 shortest repr, strings as bytes)
    x = tf.constant([1.0, 2.0, 3.0, 4.0])
    with pytest.raises(InvalidArgumentError) as e:
        tf.Assert(tf.constant(False), ["x is", x, 3])
    assert str(e.value) == ("Expected 'tf.Tensor(False, shape=(), dtype=bool)' to be true. "
                            "Summarized data: b'x is'\n1.0, 2.0, 3.0, ...\n3")
    with pytest.raises(InvalidArgumentError) as e:
        tf.Assert(False, [tf.constant(1 / 3), tf.constant(1 / 3, tf.float64),
                          tf.constant(123456789.0)])
    assert str(e.value) == ("Expected 'False' to be true. Summarized data: 0.33333334\n"
                            "0.3333333333333333\n1.2345679e+08")
    with pytest.raises(InvalidArgumentError) as e:
        tf.Assert(False, [tf.range(10)], summarize=2)
    assert str(e.value).endswith("Summarized data: 0, 1, ...")
    with pytest.raises(InvalidArgumentError) as e:
        tf.Assert(False, [tf.range(5)], summarize=-1)
    assert str(e.value).endswith("Summarized data: 0, 1, 2, 3, 4")
    with pytest.raises(InvalidArgumentError) as e:
        tf.Assert(False, [tf.range(5)], summarize=0)
    assert str(e.value).endswith("Summarized data: ...")
    with pytest.raises(InvalidArgumentError) as e:
        tf.Assert(False, [tf.constant(["a", "b"]), tf.constant([True, False]), tf.zeros([0])])
    assert str(e.value).endswith("Summarized data: b'a', b'b'\nTrue, False\n")
    with pytest.raises(OpError):   # catchable as any tf.errors.OpError
        tf.Assert(False, [])


def test_assert_condition_must_be_single():
    with pytest.raises(ValueError, match="single boolean"):
        tf.Assert(tf.constant([True, False]), ["x"])


# ---- identity_n, timestamp ----------------------------------------------------------------------

def test_identity_n():
    x = tf.constant([1.0, 2.0])
    out = tf.identity_n([x, tf.constant(1)])
    assert isinstance(out, list) and len(out) == 2
    np.testing.assert_array_equal(out[0].numpy(), [1, 2])
    assert out[1].dtype == tf.int32
    assert tf.identity_n((x, 1.0))[1].dtype == tf.float32
    rows = tf.identity_n(tf.constant([[1, 2], [3, 4]]))   # a tensor counts as its rows
    assert [r.numpy().tolist() for r in rows] == [[1, 2], [3, 4]]
    with pytest.raises(InvalidArgumentError, match="at least one"):
        tf.identity_n([])
    v = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        a, b = tf.identity_n([v, x])
        y = a * 3.0 + tf.reduce_sum(b)
    assert float(tape.gradient(y, v)) == 3.0


def test_timestamp():
    before = time.time()
    t = tf.timestamp()
    after = time.time()
    assert t.dtype == tf.float64 and t.shape == ()
    assert before <= float(t) <= after


# ---- sequence_mask -------------------------------------------------------------------------------

def test_sequence_mask():
    lengths = np.array([1, 3, 2])
    m = tf.sequence_mask(lengths, 5)
    assert m.dtype == tf.bool
    np.testing.assert_array_equal(m.numpy(), np.arange(5)[None, :] < lengths[:, None])
    np.testing.assert_array_equal(tf.sequence_mask(lengths).numpy(),
                                  np.arange(3)[None, :] < lengths[:, None])
    nd = np.array([[1, 3], [2, 0]])
    np.testing.assert_array_equal(tf.sequence_mask(nd).numpy(), np.arange(3) < nd[..., None])
    f = tf.sequence_mask([1, 3], 4, dtype=tf.float32)
    assert f.dtype == tf.float32
    np.testing.assert_array_equal(f.numpy(), [[1, 0, 0, 0], [1, 1, 1, 0]])
    np.testing.assert_array_equal(tf.sequence_mask(2, 4).numpy(), [True, True, False, False])
    np.testing.assert_array_equal(tf.sequence_mask([-1, 2], 3).numpy(),
                                  [[False] * 3, [True, True, False]])
    np.testing.assert_array_equal(
        tf.sequence_mask(tf.constant([1, 2], tf.int64), tf.constant(3)).numpy(),
        [[True, False, False], [True, True, False]])
    assert tf.sequence_mask([1, 2], 0).shape == (2, 0)
    assert tf.sequence_mask(tf.constant([], tf.int32)).shape == (0, 0)
    assert tf.sequence_mask([1], 2, dtype="int32").dtype == tf.int32
    with pytest.raises(ValueError, match="scalar"):
        tf.sequence_mask([1, 2], [3])
    with pytest.raises(InvalidArgumentError, match=">= 0"):
        tf.sequence_mask([1, 2], -1)


# ---- bincount ----------------------------------------------------------------------------------

def test_bincount_basic():
    assert tf.bincount is tf.math.bincount
    out = tf.math.bincount([1, 1, 3])
    assert out.dtype == tf.int32 and out.numpy().tolist() == [0, 2, 0, 1]
    np.testing.assert_array_equal(tf.math.bincount([[1, 1], [3, 0]]).numpy(),
                                  np.bincount([1, 1, 3, 0]))
    assert tf.math.bincount([1, 1, 3], minlength=6).numpy().tolist() == [0, 2, 0, 1, 0, 0]
    assert tf.math.bincount([1, 1, 3], maxlength=2).numpy().tolist() == [0, 2]
    assert tf.math.bincount([1, 1, 3], minlength=5, maxlength=2).numpy().tolist() == [0, 2]
    assert tf.math.bincount([1, 1, 3], minlength=-1).numpy().tolist() == [0, 2, 0, 1]
    assert tf.math.bincount([1, 1, 3], dtype=tf.float32).dtype == tf.float32
    assert tf.math.bincount([1, 1, 3], dtype=tf.int64).dtype == tf.int64
    assert tf.math.bincount(tf.constant(2)).numpy().tolist() == [0, 0, 1]
    assert tf.math.bincount(tf.constant([], tf.int32)).shape == (0,)
    assert tf.math.bincount(tf.constant([], tf.int32), minlength=3).numpy().tolist() == [0] * 3
    assert tf.math.bincount(tf.constant([1, 2], tf.int64)).dtype == tf.int32
    assert tf.math.bincount(tf.constant([1.0, 2.0])).numpy().tolist() == [0, 1, 1]
    assert tf.math.bincount([1, 1, 3], binary_output=True).numpy().tolist() == [0, 1, 0, 1]


def test_bincount_weights():
    rng = np.random.default_rng(0)
    arr = rng.integers(0, 7, size=50)
    w = rng.normal(size=50)
    out = tf.math.bincount(arr.astype(np.int32), weights=w)
    assert out.dtype == tf.float64
    np.testing.assert_allclose(out.numpy(), np.bincount(arr, weights=w), rtol=1e-12)
    w32 = tf.math.bincount([1, 1, 3], weights=[0.5, 1.0, 2.0], dtype=tf.float64)
    assert w32.dtype == tf.float32   # the weights decide the dtype, as in TF
    np.testing.assert_array_equal(w32.numpy(), [0, 1.5, 0, 2])
    wi = tf.math.bincount([1, 1, 3], weights=[1, 2, 3])
    assert wi.dtype == tf.int32 and wi.numpy().tolist() == [0, 3, 0, 3]


def test_bincount_axis_minus_one():
    arr = np.array([[1, 1, 0], [3, 0, 0]], dtype=np.int32)
    expected = np.stack([np.bincount(r, minlength=4) for r in arr])
    np.testing.assert_array_equal(tf.math.bincount(arr, axis=-1).numpy(), expected)
    w = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=np.float32)
    np.testing.assert_array_equal(tf.math.bincount(arr, weights=w, axis=-1).numpy(),
                                  [[3, 3, 0, 0], [11, 0, 0, 4]])
    assert tf.math.bincount(arr, axis=-1, minlength=6).shape == (2, 6)
    np.testing.assert_array_equal(tf.math.bincount(arr, axis=-1, maxlength=2).numpy(),
                                  expected[:, :2])
    np.testing.assert_array_equal(tf.math.bincount(arr, axis=-1, binary_output=True).numpy(),
                                  [[1, 1, 0, 0], [1, 0, 0, 1]])
    np.testing.assert_array_equal(tf.math.bincount(arr, axis=0).numpy(),
                                  np.bincount(arr.ravel()))
    np.testing.assert_array_equal(tf.math.bincount([1, 1, 3], axis=-1).numpy(), [0, 2, 0, 1])
    assert tf.math.bincount(np.zeros((2, 0), np.int32), axis=-1).shape == (2, 0)


def test_bincount_errors():
    with pytest.raises(InvalidArgumentError, match="non-negative"):
        tf.math.bincount([1, -1, 3])
    with pytest.raises(ValueError, match="axis must be None, 0 or -1"):
        tf.math.bincount([[1]], axis=1)
    with pytest.raises(ValueError, match="cannot be used together"):
        tf.math.bincount([1], weights=[1.0], binary_output=True)
    with pytest.raises(InvalidArgumentError, match="shape of arr"):
        tf.math.bincount([1, 1, 3], weights=[1.0, 2.0])
    with pytest.raises(InvalidArgumentError, match="rank <= 2"):
        tf.math.bincount(tf.ones([2, 2, 3], tf.int32), axis=-1)
    with pytest.raises(InvalidArgumentError, match="int32 or int64"):
        tf.math.bincount(tf.constant([1, 2], tf.uint8))
    with pytest.raises(InvalidArgumentError, match="weights must be"):
        tf.math.bincount([1], weights=tf.constant([1.0], tf.float16))


# ---- histogram_fixed_width -----------------------------------------------------------------------

def test_histogram_fixed_width():
    assert tf.math.histogram_fixed_width is tf.histogram_fixed_width
    h = tf.histogram_fixed_width([-1.0, 0.0, 1.5, 2.0, 5.0, 15.0], [0.0, 5.0], nbins=5)
    assert h.dtype == tf.int32 and h.numpy().tolist() == [2, 1, 1, 0, 2]
    assert tf.histogram_fixed_width([-1.0, 0.0, 1.5, 2.0, 5.0, 15.0], [0.0, 5.0]).shape == (100,)
    assert tf.histogram_fixed_width([-1, 0, 1, 2, 5, 15], [0, 5], nbins=5).numpy().tolist() \
        == [2, 1, 1, 0, 2]
    h64 = tf.histogram_fixed_width([-1.0, 0.0, 1.5], [0.0, 5.0], nbins=5, dtype=tf.int64)
    assert h64.dtype == tf.int64 and h64.numpy().tolist() == [2, 1, 0, 0, 0]
    assert tf.histogram_fixed_width([[-1.0, 0.0], [1.5, 4.99]], [0.0, 5.0],
                                    nbins=5).numpy().tolist() == [2, 1, 0, 0, 1]
    assert tf.histogram_fixed_width([np.inf, -np.inf, 1.0], [0.0, 5.0],
                                    nbins=5).numpy().tolist() == [1, 1, 0, 0, 1]
    assert tf.histogram_fixed_width(1.0, [0.0, 5.0], nbins=tf.constant(3)).numpy().tolist() \
        == [1, 0, 0]


def test_histogram_bin_edges_match_tensorflow():
    # bin = floor((v - lo) / ((hi - lo) / nbins)), the offset in the values' dtype; these
    # counts are TensorFlow 2.21's and differ between float32 and float64 at the edges
    vals = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    h32 = tf.histogram_fixed_width(tf.constant(vals), tf.constant([0.0, 1.0]), nbins=10)
    h64 = tf.histogram_fixed_width(tf.constant(vals, tf.float64),
                                   tf.constant([0.0, 1.0], tf.float64), nbins=10)
    assert h32.numpy().tolist() == [0, 1, 1, 1, 1, 1, 2, 0, 2, 0]
    assert h64.numpy().tolist() == [0, 1, 2, 0, 1, 2, 1, 0, 1, 1]


def test_histogram_errors():
    v = [-1.0, 0.0, 1.5]
    with pytest.raises(InvalidArgumentError, match="value_range\\[0\\] < value_range\\[1\\]"):
        tf.histogram_fixed_width(v, [5.0, 0.0], nbins=5)
    with pytest.raises(InvalidArgumentError, match="value_range\\[0\\] < value_range\\[1\\]"):
        tf.histogram_fixed_width(v, [1.0, 1.0], nbins=5)
    with pytest.raises(InvalidArgumentError, match="nbins must be positive"):
        tf.histogram_fixed_width(v, [0.0, 5.0], nbins=0)
    with pytest.raises(InvalidArgumentError, match="vector of 2"):
        tf.histogram_fixed_width(v, [0.0, 5.0, 6.0], nbins=2)
    with pytest.raises(InvalidArgumentError, match="dtype"):
        tf.histogram_fixed_width(tf.constant(v), tf.constant([0, 5]), nbins=2)
    with pytest.raises(InvalidArgumentError, match="NaN"):
        tf.histogram_fixed_width([np.nan, 1.0], [0.0, 5.0], nbins=5)
    with pytest.raises(InvalidArgumentError, match="int32 or int64"):
        tf.histogram_fixed_width(v, [0.0, 5.0], nbins=5, dtype=tf.float32)
    with pytest.raises(InvalidArgumentError, match="values must be"):
        tf.histogram_fixed_width([True], [False, True], nbins=3)


# ---- tf.bitwise ------------------------------------------------------------------------------

INT_DTYPES = [tf.int8, tf.int16, tf.int32, tf.int64, tf.uint8, tf.uint16, tf.uint32, tf.uint64]


@pytest.mark.parametrize("dtype", INT_DTYPES, ids=lambda d: d.name)
def test_bitwise_against_numpy(dtype):
    npd = dtype.as_numpy_dtype
    rng = np.random.default_rng(1)
    info = np.iinfo(npd)
    a = rng.integers(info.min, info.max, size=20, dtype=npd, endpoint=True)
    b = rng.integers(info.min, info.max, size=20, dtype=npd, endpoint=True)
    ta, tb = tf.constant(a), tf.constant(b)
    for fn, ref in [(tf.bitwise.bitwise_and, np.bitwise_and), (tf.bitwise.bitwise_or,
                                                                np.bitwise_or),
                    (tf.bitwise.bitwise_xor, np.bitwise_xor)]:
        out = fn(ta, tb)
        assert out.dtype == dtype
        np.testing.assert_array_equal(out.numpy(), ref(a, b))
    inv = tf.bitwise.invert(ta)
    assert inv.dtype == dtype
    np.testing.assert_array_equal(inv.numpy(), ~a)
    bits = 8 * np.dtype(npd).itemsize
    shifts = np.arange(bits, dtype=npd)
    ones = np.ones(bits, dtype=npd)
    np.testing.assert_array_equal(tf.bitwise.left_shift(tf.constant(ones), tf.constant(shifts))
                                  .numpy(), np.left_shift(ones, shifts))
    np.testing.assert_array_equal(tf.bitwise.right_shift(ta, tf.constant(np.full(20, 3, npd)))
                                  .numpy(), a >> 3)


def test_shift_amounts_are_clamped_like_tensorflow():
    # values from TensorFlow 2.21
    c = tf.constant
    assert tf.bitwise.left_shift(c([1, 1, 1, 1], tf.int8), c([7, 8, 9, -1], tf.int8)) \
        .numpy().tolist() == [-128, -128, -128, 1]
    assert tf.bitwise.right_shift(c([-128, -128, 64, 64], tf.int8), c([7, 8, 9, -1], tf.int8)) \
        .numpy().tolist() == [-1, -1, 0, 64]
    assert tf.bitwise.right_shift(c([255, 255, 255], tf.uint8), c([1, 8, 9], tf.uint8)) \
        .numpy().tolist() == [127, 1, 1]
    assert tf.bitwise.left_shift(c([255, 1, 1], tf.uint8), c([1, 8, 9], tf.uint8)) \
        .numpy().tolist() == [254, 128, 128]
    assert tf.bitwise.left_shift(c([1, 1, 1, -1]), c([31, 32, 33, 100])).numpy().tolist() \
        == [-2 ** 31] * 4
    assert tf.bitwise.right_shift(c([-8, -8, 8, 8]), c([1, 32, 33, -1])).numpy().tolist() \
        == [-4, -1, 0, 8]


def test_bitwise_dtype_rules():
    c = tf.constant
    out = tf.bitwise.bitwise_and(c([5], tf.int64), 3)   # a Python int adapts
    assert out.dtype == tf.int64 and out.numpy().tolist() == [1]
    out = tf.bitwise.bitwise_and([5, 6], [3, 3])
    assert out.dtype == tf.int32 and out.numpy().tolist() == [1, 2]
    np.testing.assert_array_equal(tf.bitwise.bitwise_and(c([[5], [6]]), c([3, 1])).numpy(),
                                  [[1, 1], [2, 0]])
    with pytest.raises(InvalidArgumentError, match="int32 .* int64"):
        tf.bitwise.bitwise_and(c([5]), c([3], tf.int64))
    for bad in (c([1.0]), c([True])):
        with pytest.raises(InvalidArgumentError, match="integer tensors"):
            tf.bitwise.invert(bad)
        with pytest.raises(InvalidArgumentError, match="integer tensors"):
            tf.bitwise.bitwise_or(bad, bad)
    with pytest.raises(InvalidArgumentError, match="broadcast"):
        tf.bitwise.bitwise_xor(c([1, 2]), c([1, 2, 3]))
    assert sorted(n for n in dir(tf.bitwise) if not n.startswith("_") and n != "bitwise_ops") \
        == ["bitwise_and", "bitwise_or", "bitwise_xor", "invert", "left_shift", "right_shift"]


# ---- tf.version ---------------------------------------------------------------------------------

def test_version():
    assert tf.version.VERSION == tf.__version__ == tf.VERSION
    assert tf.version.GIT_VERSION == "v" + tf.__version__
    assert isinstance(tf.version.COMPILER_VERSION, str) and tf.version.COMPILER_VERSION
    # TensorFlow 2.21's tf.version.GRAPH_DEF_VERSION(_MIN_CONSUMER, _MIN_PRODUCER)
    assert (tf.version.GRAPH_DEF_VERSION, tf.version.GRAPH_DEF_VERSION_MIN_CONSUMER,
            tf.version.GRAPH_DEF_VERSION_MIN_PRODUCER) == (2474, 0, 0)


# ---- tf.test -------------------------------------------------------------------------------------

def test_device_queries_follow_config():
    has_gpu = bool(tf.config.list_physical_devices("GPU"))
    assert tf.test.is_gpu_available() is has_gpu
    assert tf.test.is_gpu_available(cuda_only=True) is has_gpu
    assert tf.test.is_built_with_cuda() is has_gpu
    assert tf.test.is_built_with_gpu_support() is has_gpu
    assert tf.test.is_built_with_rocm() is False
    assert tf.test.is_built_with_xla() is False
    assert tf.test.gpu_device_name() == ("/device:GPU:0" if has_gpu else "")


def test_compute_gradient():
    theo, num = tf.test.compute_gradient(
        lambda a: tf.stack([a[0], a[1], a[0] * a[1]]), [tf.constant([1.0, 2.0], tf.float64)])
    assert len(theo) == len(num) == 1
    expected = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 1.0]])   # [y size, x size]
    np.testing.assert_allclose(theo[0], expected)
    np.testing.assert_allclose(num[0], expected, atol=1e-9)
    theo, num = tf.test.compute_gradient(lambda a: a ** 3, [tf.constant([1.0], tf.float64)],
                                         delta=0.1)
    np.testing.assert_allclose(theo[0], [[3.0]])
    np.testing.assert_allclose(num[0], [[(1.1 ** 3 - 0.9 ** 3) / 0.2]])
    theo, num = tf.test.compute_gradient(lambda a, b: tf.reduce_sum(a * b),
                                         [tf.constant([1.0, 2.0]), tf.constant(3.0)])
    assert theo[0].dtype == np.float32 and theo[0].shape == (1, 2) and theo[1].shape == (1, 1)
    np.testing.assert_allclose(theo[1], [[3.0]])
    with pytest.raises(ValueError, match="list or tuple"):
        tf.test.compute_gradient(lambda a: a, tf.constant([1.0]))
    with pytest.raises(TypeError, match="floating-point"):
        tf.test.compute_gradient(lambda a: a * 2, [tf.constant([1, 2])])


class _Case(tf.test.TestCase):
    def runTest(self):
        pass


@pytest.fixture
def case():
    c = _Case()
    c.setUp()
    yield c
    c.doCleanups()


def test_testcase_is_unittest(case):
    assert issubclass(tf.test.TestCase, unittest.TestCase)
    a = tf.random.uniform([3]).numpy()
    case.setUp()                          # setUp reseeds: the same numbers again
    np.testing.assert_array_equal(tf.random.uniform([3]).numpy(), a)


def test_testcase_evaluate(case):
    out = case.evaluate([tf.constant(1.0), {"a": tf.constant([1, 2])}, (tf.constant(True),)])
    assert isinstance(out, list) and isinstance(out[2], tuple)
    assert out[0] == 1.0 and out[1]["a"].tolist() == [1, 2] and out[2][0]
    assert case.evaluate(tf.Variable(2.0)) == 2.0
    assert case.evaluate(lambda: tf.constant(4.0)) == 4.0
    assert case.evaluate(None) is None
    with pytest.raises(ValueError, match="unsupported type"):
        case.evaluate(3)
    with case.cached_session() as sess:
        assert sess.run(tf.constant(5)) == 5


def test_testcase_all_close_and_equal(case):
    case.assertAllClose(tf.constant([1.0, 2.0]), [1.0, 2.0000001])
    case.assertAllClose({"a": tf.constant(1.0), "b": [tf.constant(2.0)]}, {"a": 1.0, "b": [2.0]})
    case.assertAllClose([np.nan], [np.nan])
    case.assertAllClose((1.0, 2.0), [1.0, 2.0])
    case.assertAllClose(100.0, 100.5, rtol=1e-2)
    case.assertAllClose([tf.ones([2]), tf.ones([3])], [np.ones(2), np.ones(3)])   # ragged
    with pytest.raises(AssertionError, match="rtol=1e-06, atol=1e-06"):
        case.assertAllClose(tf.constant([1.0, 2.0]), [1.0, 2.1])
    with pytest.raises(AssertionError, match="Shape mismatch: expected \\(2,\\), got \\(1, 2\\)"):
        case.assertAllClose(tf.constant([1.0, 2.0]), [[1.0, 2.0]])
    with pytest.raises(AssertionError, match="Shape mismatch"):
        case.assertAllClose(tf.constant([1.0, 1.0]), 1.0)
    with pytest.raises(AssertionError, match="keys"):
        case.assertAllClose({"a": 1.0}, {"b": 1.0})
    with pytest.raises(AssertionError, match="a\\['b'\\]"):
        case.assertAllClose({"a": 1.0, "b": [2.0]}, {"a": 1.0, "b": [3.0]})
    with pytest.raises(AssertionError, match="mymsg"):
        case.assertAllClose(1.0, 2.0, msg="mymsg")
    with pytest.raises(AssertionError):
        case.assertAllClose(0.0, 2e-6)       # atol 1e-6 + rtol * 2e-6 < 2e-6
    case.assertAllClose(0.0, 1e-6)
    case.assertNotAllClose([1.0], [1.1])
    with pytest.raises(AssertionError, match="close at all elements"):
        case.assertNotAllClose([1.0], [1.0])
    case.assertAllCloseAccordingToType(tf.constant([1.0], tf.float16),
                                       tf.constant([1.0005], tf.float16))
    with pytest.raises(AssertionError):
        case.assertAllCloseAccordingToType(np.array([1.0]), np.array([1.0005]))

    case.assertAllEqual(tf.constant([1, 2]), [1, 2])
    case.assertAllEqual([np.nan], [np.nan])
    case.assertAllEqual(tf.constant(["a", "b"]), [b"a", b"b"])
    case.assertAllEqual([tf.constant(1), tf.constant(2)], [1, 2])
    with pytest.raises(AssertionError, match="1 of 2 elements differ; first at index \\[1\\]"):
        case.assertAllEqual(tf.constant([1, 2]), [1, 3])
    with pytest.raises(AssertionError, match="Shape mismatch"):
        case.assertAllEqual(tf.constant([1, 2]), [[1, 2]])
    case.assertNotAllEqual([1], [2])
    with pytest.raises(AssertionError, match="equal at all elements"):
        case.assertNotAllEqual([1], [1])


def test_testcase_orderings_ranges_shapes(case):
    x = tf.constant([1, 2])
    case.assertAllGreaterEqual(x, 1)
    case.assertAllLessEqual(x, 2)
    case.assertAllGreater(x, 0)
    case.assertAllLess(x, 3)
    with pytest.raises(AssertionError, match="not greater than 1"):
        case.assertAllGreater(x, 1)
    with pytest.raises(AssertionError, match="not less than 2"):
        case.assertAllLess(x, 2)
    with pytest.raises(AssertionError, match="not less than or equal to 1"):
        case.assertAllLessEqual(x, 1)
    case.assertAllInRange(tf.constant([1.0, 2.0]), 1.0, 2.0)
    with pytest.raises(AssertionError, match="outside the range \\(1.0, 2.0\\]"):
        case.assertAllInRange(tf.constant([1.0, 2.0]), 1.0, 2.0, open_lower_bound=True)
    with pytest.raises(AssertionError, match="NaN"):
        case.assertAllInRange(tf.constant([np.nan]), 1.0, 2.0)
    case.assertAllInSet(x, [1, 2, 3])
    with pytest.raises(AssertionError, match="not in the set"):
        case.assertAllInSet(tf.constant([1, 4]), [1, 2, 3])
    case.assertShapeEqual(np.ones([2, 3]), tf.ones([2, 3]))
    with pytest.raises(AssertionError, match="Shape mismatch"):
        case.assertShapeEqual(np.ones([2, 3]), tf.ones([3, 2]))
    with pytest.raises(TypeError, match="input_a"):
        case.assertShapeEqual([1, 2], tf.constant([1, 2]))
    case.assertDTypeEqual(tf.constant([1.0]), tf.float32)
    case.assertDTypeEqual(np.ones(2), np.float64)
    with pytest.raises(AssertionError, match="float32 != expected float64"):
        case.assertDTypeEqual(tf.constant([1.0]), tf.float64)
    case.assertNear(1.0, 1.05, 0.1)
    with pytest.raises(AssertionError, match="1.000000 != 1.500000"):
        case.assertNear(1.0, 1.5, 0.1)
    case.assertArrayNear([1.0, 2.0], [1.05, 2.0], 0.1)
    with pytest.raises(AssertionError):
        case.assertArrayNear([1.0, 2.0], [1.5, 2.0], 0.1)
    case.assertNDArrayNear(np.ones(2), np.ones(2) * 1.05, 0.1)
    with pytest.raises(AssertionError):
        case.assertNDArrayNear(np.ones(2), np.ones(2) * 1.5, 0.1)
    case.assertLen([1, 2], 2)
    with pytest.raises(AssertionError, match="has length of 2, expected 3"):
        case.assertLen([1, 2], 3)


def test_testcase_raises_helpers_and_tempdir(case):
    with case.assertRaisesOpError("cleared"):
        ta = tf.TensorArray(tf.float32, size=1).write(0, 1.0)
        ta.read(0)
        ta.read(0)
    with pytest.raises(AssertionError, match="not raised"):
        with case.assertRaisesOpError("x"):
            pass
    with pytest.raises(AssertionError, match="InvalidArgumentError"):
        with case.assertRaisesOpError("no such text"):
            tf.Assert(False, ["x"])
    with case.assertRaisesWithPredicateMatch(ValueError, lambda e: "xyz" in str(e)):
        raise ValueError("xyz")
    d = case.get_temp_dir()
    assert os.path.isdir(d) and case.get_temp_dir() == d
    case.doCleanups()
    assert not os.path.exists(d)


def test_testcase_runs_under_unittest():
    class Sample(tf.test.TestCase):
        def test_ok(self):
            self.assertAllClose(tf.constant([1.0]), [1.0])

        def test_fails(self):
            self.assertAllEqual(tf.constant([1]), [2])

    result = unittest.TestResult()
    unittest.defaultTestLoader.loadTestsFromTestCase(Sample).run(result)
    assert result.testsRun == 2
    assert len(result.failures) == 1 and "test_fails" in str(result.failures[0][0])
    assert not result.errors
