"""tf.TensorArray: values, shapes, dtypes, errors, and gradients through the tape.

Expected values are worked out with NumPy; gradients are checked against central finite
differences in float64.  The eager-TensorFlow behaviours mirrored here (overwriting an
index, zeros for unwritten elements, read clearing an element) were observed with
TensorFlow 2.21."""
import os
import sys

import numpy as np
import pytest

import ndflow as tf
from ndflow.core.errors import OutOfRangeError, InvalidArgumentError

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from _numeric import numeric_grad  # noqa: E402  (tests/_numeric.py)


# ---- construction and properties -------------------------------------------------------

def test_properties():
    ta = tf.TensorArray(tf.float32, size=3, dynamic_size=True, element_shape=[2])
    assert ta.dtype == tf.float32
    assert ta.dynamic_size is True
    assert ta.element_shape == tf.TensorShape([2])
    assert ta.size().dtype == tf.int32 and int(ta.size()) == 3
    assert tf.TensorArray("float64", size=1).dtype == tf.float64
    assert int(tf.TensorArray(tf.float32, size=tf.constant(4)).size()) == 4
    assert tf.TensorArray(tf.float32, size=1).element_shape.rank is None


def test_size_is_required():
    with pytest.raises(ValueError, match="size must be given"):
        tf.TensorArray(tf.float32)
    with pytest.raises(ValueError, match=">= 0"):
        tf.TensorArray(tf.float32, size=-1)


# ---- write / read / stack ----------------------------------------------------------------

def test_write_read_stack():
    ta = tf.TensorArray(tf.float32, size=3, clear_after_read=False)
    for i in range(3):
        ta = ta.write(i, [float(i), float(i) ** 2])
    np.testing.assert_array_equal(ta.stack().numpy(), [[0, 0], [1, 1], [2, 4]])
    assert ta.stack().dtype == tf.float32
    np.testing.assert_array_equal(ta.read(2).numpy(), [2, 4])
    np.testing.assert_array_equal(ta.read(tf.constant(1, tf.int64)).numpy(), [1, 1])


def test_write_returns_array_sharing_storage():
    ta = tf.TensorArray(tf.float32, size=2)
    ta2 = ta.write(0, 5.0)
    assert float(ta.read(0)) == 5.0       # the original sees the write, as in TF eager
    ident = ta2.identity()
    ident.write(1, 7.0)
    assert float(ta2.read(1)) == 7.0


def test_overwrite_replaces_element():
    # TF eager replaces the element (graph mode would refuse the second write)
    ta = tf.TensorArray(tf.float32, size=1, clear_after_read=False).write(0, 1.0)
    ta = ta.write(0, 2.0)
    assert float(ta.read(0)) == 2.0


def test_unwritten_elements_are_zeros():
    ta = tf.TensorArray(tf.float32, size=3).write(1, [1.0, 2.0])
    np.testing.assert_array_equal(ta.stack().numpy(), [[0, 0], [1, 2], [0, 0]])
    ta = tf.TensorArray(tf.int32, size=2, element_shape=[2])
    out = ta.stack()
    assert out.dtype == tf.int32 and out.shape == (2, 2)
    np.testing.assert_array_equal(out.numpy(), np.zeros((2, 2)))


def test_unwritten_without_known_shape_errors():
    ta = tf.TensorArray(tf.float32, size=2)
    with pytest.raises(ValueError, match="element shape"):
        ta.read(0)
    with pytest.raises(ValueError, match="element shape"):
        ta.stack()


def test_clear_after_read():
    ta = tf.TensorArray(tf.float32, size=2).write(0, 1.0).write(1, 2.0)
    assert float(ta.read(0)) == 1.0
    with pytest.raises(InvalidArgumentError, match="clear_after_read=False"):
        ta.read(0)
    # stack / gather do not clear; the cleared element reads as zeros
    np.testing.assert_array_equal(ta.stack().numpy(), [0.0, 2.0])
    np.testing.assert_array_equal(ta.stack().numpy(), [0.0, 2.0])
    keep = tf.TensorArray(tf.float32, size=1, clear_after_read=False).write(0, 3.0)
    assert float(keep.read(0)) == float(keep.read(0)) == 3.0


def test_dynamic_size_grows():
    ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True).write(4, 1.0)
    assert int(ta.size()) == 5
    np.testing.assert_array_equal(ta.stack().numpy(), [0, 0, 0, 0, 1])
    with pytest.raises(OutOfRangeError, match="index 9 but the array size is 5"):
        ta.read(9)


def test_write_and_read_range_errors():
    ta = tf.TensorArray(tf.float32, size=3)
    with pytest.raises(OutOfRangeError, match="index 3 but the array has size 3"):
        ta.write(3, 1.0)
    with pytest.raises(OutOfRangeError, match="negative index"):
        ta.write(-1, 1.0)
    with pytest.raises(OutOfRangeError, match="index 5 but the array size is 3"):
        ta.read(5)
    with pytest.raises(OutOfRangeError, match="negative index"):
        ta.read(-1)
    with pytest.raises(OutOfRangeError):
        tf.TensorArray(tf.float32, size=0).write(0, 1.0)
    with pytest.raises(TypeError, match="integer"):
        ta.read(0.0)


def test_dtype_rules():
    ta = tf.TensorArray(tf.float32, size=3)
    with pytest.raises(InvalidArgumentError, match="dtype float32 but the value has dtype int32"):
        ta.write(0, tf.constant([3, 4]))
    # Python ints and NumPy arrays convert to the array's dtype
    assert ta.write(0, [3, 4]).read(0).dtype == tf.float32
    assert ta.write(1, np.array([1.0, 2.0])).read(1).dtype == tf.float32
    with pytest.raises(InvalidArgumentError, match="int32"):
        tf.TensorArray(tf.int32, size=1).write(0, 1.5)
    with pytest.raises(InvalidArgumentError, match="int64"):
        tf.TensorArray(tf.int32, size=1).write(0, tf.constant(1, tf.int64))
    # a Python float goes straight to float64 (no float32 rounding on the way)
    assert tf.TensorArray(tf.float64, size=1).write(0, 0.1).read(0).numpy() == 0.1
    bools = tf.TensorArray(tf.bool, size=1).write(0, True).stack()
    assert bools.dtype == tf.bool and bools.numpy().tolist() == [True]


def test_element_shape_checks_and_inference():
    ta = tf.TensorArray(tf.float32, size=3, element_shape=[2])
    with pytest.raises(ValueError, match=r"incompatible shape for value \(3,\), expected \(2,\)"):
        ta.write(0, [1.0, 2.0, 3.0])
    partial = tf.TensorArray(tf.float32, size=2, element_shape=[None, 2])
    with pytest.raises(ValueError, match="incompatible shape"):
        partial.write(0, [[1.0, 2.0, 3.0]])
    partial = partial.write(0, [[1.0, 2.0]])
    assert partial.element_shape == tf.TensorShape([1, 2])   # inferred from the first write
    with pytest.raises(ValueError, match="incompatible shape"):
        partial.write(1, [[1.0, 2.0], [3.0, 4.0]])
    # infer_shape=False: elements may differ in shape
    free = tf.TensorArray(tf.float32, size=2, infer_shape=False)
    free = free.write(0, [1.0]).write(1, [2.0, 3.0])
    assert free.element_shape.rank is None
    np.testing.assert_array_equal(free.concat().numpy(), [1, 2, 3])
    with pytest.raises(InvalidArgumentError):
        free.stack()


def test_variable_values():
    v = tf.Variable([1.0, 2.0])
    ta = tf.TensorArray(tf.float32, size=1).write(0, v)
    v.assign([5.0, 6.0])
    np.testing.assert_array_equal(ta.read(0).numpy(), [1, 2])   # a snapshot, not the var


# ---- unstack / gather / scatter / split / concat ---------------------------------------------

def test_unstack_gather():
    x = np.arange(6, dtype=np.float32).reshape(3, 2)
    ta = tf.TensorArray(tf.float32, size=3).unstack(x)
    np.testing.assert_array_equal(ta.stack().numpy(), x)
    np.testing.assert_array_equal(ta.gather([2, 0]).numpy(), x[[2, 0]])
    np.testing.assert_array_equal(ta.gather(tf.constant([1])).numpy(), x[[1]])
    np.testing.assert_array_equal(ta.gather([-1]).numpy(), x[[2]])   # Python-style, as TF
    assert ta.gather([]).shape == (0, 2)
    with pytest.raises(IndexError, match="index 3 is out of range"):
        ta.gather([3])


def test_unstack_sizes():
    rows = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    with pytest.raises(ValueError, match="cannot unstack 3 tensors into a TensorArray of "
                                         "static size 2"):
        tf.TensorArray(tf.float32, size=2).unstack(rows)
    assert int(tf.TensorArray(tf.float32, size=2, dynamic_size=True).unstack(rows).size()) == 3
    # fewer rows replace the elements (the size follows), as in TF eager
    assert int(tf.TensorArray(tf.float32, size=4).unstack(rows).size()) == 3
    with pytest.raises(ValueError, match="rank >= 1"):
        tf.TensorArray(tf.float32, size=2).unstack(1.0)
    with pytest.raises(ValueError, match="incompatible shape"):
        tf.TensorArray(tf.float32, size=3, element_shape=[3]).unstack(rows)


def test_scatter():
    ta = tf.TensorArray(tf.float32, size=4).scatter([3, 1], [[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(ta.stack().numpy(), [[0, 0], [3, 4], [0, 0], [1, 2]])
    with pytest.raises(OutOfRangeError):
        tf.TensorArray(tf.float32, size=2).scatter([3, 1], [[1.0, 2.0], [3.0, 4.0]])
    assert int(tf.TensorArray(tf.float32, size=2, dynamic_size=True)
               .scatter([3, 1], [[1.0, 2.0], [3.0, 4.0]]).size()) == 4
    with pytest.raises(InvalidArgumentError, match="one row per index"):
        tf.TensorArray(tf.float32, size=2).scatter([0, 1], [[1.0, 2.0]])
    with pytest.raises(OutOfRangeError, match="negative"):
        tf.TensorArray(tf.float32, size=2).scatter([-1], [[1.0, 2.0]])


def test_split_concat():
    x = np.arange(6, dtype=np.float32).reshape(3, 2)
    ta = tf.TensorArray(tf.float32, size=2).split(x, [1, 2])
    np.testing.assert_array_equal(ta.read(1).numpy(), x[1:])
    with pytest.raises(ValueError, match="not fully known"):
        ta.concat()   # element 1 was read (cleared) and pieces have no common shape
    ta = tf.TensorArray(tf.float32, size=2).split(x, [1, 2])
    np.testing.assert_array_equal(ta.concat().numpy(), x)
    with pytest.raises(InvalidArgumentError, match="add up to value.shape\\[0\\] = 3"):
        tf.TensorArray(tf.float32, size=2).split([1.0, 2.0, 3.0], [1, 1])
    with pytest.raises(InvalidArgumentError, match="size 2 but 3 lengths"):
        tf.TensorArray(tf.float32, size=2).split([1.0, 2.0, 3.0], [1, 1, 1])
    assert int(tf.TensorArray(tf.float32, size=1, dynamic_size=True)
               .split([1.0, 2.0, 3.0], [1, 2]).size()) == 2


def test_concat_errors_and_zeros():
    with pytest.raises(InvalidArgumentError, match="rank >= 1"):
        tf.TensorArray(tf.float32, size=2).write(0, 1.0).write(1, 2.0).concat()
    with pytest.raises(InvalidArgumentError, match="empty"):
        tf.TensorArray(tf.float32, size=0).concat()
    ta = tf.TensorArray(tf.float32, size=2, element_shape=[2, 2]).write(0, [[1.0, 2.0],
                                                                            [3.0, 4.0]])
    np.testing.assert_array_equal(ta.concat().numpy(), [[1, 2], [3, 4], [0, 0], [0, 0]])


def test_empty_stack_shapes():
    assert tf.TensorArray(tf.float32, size=0).stack().shape == (0,)
    out = tf.TensorArray(tf.float32, size=0, element_shape=[2, 3]).stack()
    assert out.shape == (0, 2, 3) and out.dtype == tf.float32


def test_close_and_grad():
    ta = tf.TensorArray(tf.float32, size=3).write(0, 1.0)
    assert ta.close() is None
    assert int(ta.size()) == 0
    with pytest.raises(NotImplementedError, match="GradientTape"):
        ta.grad("source")
    assert int(ta.flow) == 0 and ta.handle is None


def test_in_while_loop():
    def body(i, ta):
        return i + 1, ta.write(i, tf.cast(i, tf.float32) * 2.0)

    _, ta = tf.while_loop(lambda i, ta: i < 4, body,
                          (tf.constant(0), tf.TensorArray(tf.float32, size=4)))
    np.testing.assert_array_equal(ta.stack().numpy(), [0, 2, 4, 6])


# ---- gradients ---------------------------------------------------------------------------

def test_gradient_write_stack():
    x0 = np.array([0.3, -1.2, 2.0])
    w0 = 0.7
    coef = np.array([[1.0, -2.0], [0.5, 3.0], [2.0, 1.0]])

    def forward(x, w, lib):
        if lib is np:
            rows = [np.array([x[i] * w, np.sin(x[i])]) for i in range(3)]
            return float(np.sum(np.stack(rows) ** 2 * coef))
        ta = tf.TensorArray(tf.float64, size=3)
        for i in range(3):
            ta = ta.write(i, tf.stack([x[i] * w, tf.sin(x[i])]))
        return tf.reduce_sum(ta.stack() ** 2 * tf.constant(coef))

    x = tf.constant(x0)
    w = tf.Variable(w0, dtype=tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = forward(x, w, tf)
    gx, gw = tape.gradient(loss, [x, w])
    np.testing.assert_allclose(float(loss), forward(x0, w0, np), rtol=1e-12)
    np.testing.assert_allclose(gx.numpy(), numeric_grad(lambda v: forward(v, w0, np), x0),
                               rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(float(gw), numeric_grad(
        lambda v: forward(x0, float(v), np), np.array(w0)), rtol=1e-6)


def test_gradient_unstack_read():
    x0 = np.array([[0.5, 1.5], [-1.0, 2.0], [3.0, 0.25]])

    def f_np(x):
        return float(np.sum(x[1] * x[2]) + np.sum(np.exp(x[0])))

    x = tf.constant(x0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        ta = tf.TensorArray(tf.float64, size=3).unstack(x * 1.0)
        y = tf.reduce_sum(ta.read(1) * ta.read(2)) + tf.reduce_sum(tf.exp(ta.read(0)))
    np.testing.assert_allclose(float(y), f_np(x0), rtol=1e-12)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), numeric_grad(f_np, x0),
                               rtol=1e-6, atol=1e-8)


def test_gradient_gather_scatter_split_concat():
    x0 = np.array([0.4, -0.3, 1.1, 0.8])
    wg = np.array([1.0, 2.0, 3.0])
    wc = np.array([0.5, -1.0, 2.0, 1.5])

    def f_np(x):
        gathered = x[[3, 3, 0]] ** 2
        scattered = np.zeros(5)
        scattered[[4, 1]] = np.tanh(x[:2])
        pieces = np.concatenate([x[:1], x[1:]])   # split + concat is the identity
        return float(np.sum(gathered * wg) + np.sum(scattered * np.arange(5.0))
                     + np.sum(pieces ** 3 * wc))

    def f_tf(x):
        ta = tf.TensorArray(tf.float64, size=4, clear_after_read=False).unstack(x ** 2)
        g = tf.reduce_sum(ta.gather([3, 3, 0]) * tf.constant(wg))
        sc = tf.TensorArray(tf.float64, size=5).scatter([4, 1], tf.tanh(x[:2])).stack()
        s = tf.reduce_sum(sc * tf.constant(np.arange(5.0)))
        parts = tf.TensorArray(tf.float64, size=2).split(x, [1, 3]).concat()
        return g + s + tf.reduce_sum(parts ** 3 * tf.constant(wc))

    x = tf.constant(x0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f_tf(x)
    np.testing.assert_allclose(float(y), f_np(x0), rtol=1e-12)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), numeric_grad(f_np, x0),
                               rtol=1e-6, atol=1e-8)


def test_gradient_rnn_style_loop():
    """The classic use: a recurrent loop writing each state into a TensorArray."""
    x0 = np.array([[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]])
    w0 = np.array([[0.5, -0.2], [0.1, 0.3]])

    def f_np(w):
        h = np.zeros(2)
        states = []
        for t in range(3):
            h = np.tanh(x0[t] + h @ w)
            states.append(h)
        return float(np.sum(np.stack(states) ** 2))

    w = tf.Variable(w0)
    with tf.GradientTape() as tape:
        xs = tf.TensorArray(tf.float64, size=3).unstack(tf.constant(x0))
        out = tf.TensorArray(tf.float64, size=3)
        h = tf.zeros([1, 2], dtype=tf.float64)
        for t in range(3):
            h = tf.tanh(tf.reshape(xs.read(t), [1, 2]) + tf.matmul(h, w))
            out = out.write(t, tf.reshape(h, [2]))
        y = tf.reduce_sum(out.stack() ** 2)
    np.testing.assert_allclose(float(y), f_np(w0), rtol=1e-12)
    np.testing.assert_allclose(tape.gradient(y, w).numpy(), numeric_grad(f_np, w0),
                               rtol=1e-6, atol=1e-8)


def test_gradient_values_from_real_tensorflow():
    # the same program under TensorFlow 2.21 (float32) gave dw = 56, dx = [8, 16, 24]
    x = tf.constant([1.0, 2.0, 3.0])
    w = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        ta = tf.TensorArray(tf.float32, size=3)
        for i in range(3):
            ta = ta.write(i, x[i] * w)
        loss = tf.reduce_sum(ta.stack() ** 2)
    gw, gx = tape.gradient(loss, [w, x])
    assert float(gw) == 56.0
    np.testing.assert_array_equal(gx.numpy(), [8.0, 16.0, 24.0])
