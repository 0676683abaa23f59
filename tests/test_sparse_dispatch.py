"""The zero-keeping unary ops of tf.math (and tf.cast) accept a tf.SparseTensor and return
one with the same indices and dense shape, applied to its values; tf.is_tensor(sparse) is
True.  Which ops dispatch is what TensorFlow 2.21 does (abs, negative, sqrt, square, sign,
sin, tan, tanh, asin, atan, erf, cast); the values are checked against NumPy."""
import math
import os
import subprocess
import sys

import numpy as np
import pytest

import ndflow as tf

IDX = [[0, 1], [1, 0], [2, 3]]
VALS = np.array([-0.5, 0.25, 0.75], np.float32)
SHAPE = [3, 4]

_erf = np.vectorize(math.erf)
DISPATCHED = {
    "abs": (tf.abs, np.abs),
    "math.abs": (tf.math.abs, np.abs),
    "negative": (tf.math.negative, np.negative),
    "neg": (tf.negative, np.negative),
    "sqrt": (tf.math.sqrt, np.sqrt),
    "square": (tf.math.square, np.square),
    "sign": (tf.math.sign, np.sign),
    "sin": (tf.math.sin, np.sin),
    "tan": (tf.math.tan, np.tan),
    "tanh": (tf.math.tanh, np.tanh),
    "asin": (tf.math.asin, np.arcsin),
    "atan": (tf.math.atan, np.arctan),
    "erf": (tf.math.erf, _erf),
}


def _sparse(values=VALS):
    return tf.SparseTensor(IDX, values, SHAPE)


@pytest.mark.parametrize("name", sorted(DISPATCHED))
def test_unary_op_on_sparse_returns_sparse(name):
    fn, ref = DISPATCHED[name]
    with np.errstate(invalid="ignore"):   # sqrt / asin of a negative value: NaN, as TF
        out = fn(_sparse())
    assert isinstance(out, tf.SparseTensor)
    np.testing.assert_array_equal(out.indices.numpy(), IDX)
    np.testing.assert_array_equal(out.dense_shape.numpy(), SHAPE)
    assert out.values.dtype == tf.float32
    with np.errstate(invalid="ignore"):
        expected = ref(VALS.astype(np.float64)).astype(np.float32)
    np.testing.assert_allclose(out.values.numpy(), expected, rtol=1e-6)
    # zeros stay zeros: the dense result is f applied to the dense input
    dense = tf.sparse.to_dense(out).numpy()
    assert np.count_nonzero(dense) == np.count_nonzero(expected)


def test_integer_and_complex_values():
    ints = tf.SparseTensor(IDX, np.array([-3, 0, 4], np.int32), SHAPE)
    assert tf.abs(ints).values.numpy().tolist() == [3, 0, 4]
    assert tf.math.square(ints).values.numpy().tolist() == [9, 0, 16]
    assert tf.math.negative(ints).values.dtype == tf.int32
    cplx = tf.SparseTensor(IDX, np.array([3 + 4j, -1j, 2], np.complex64), SHAPE)
    mag = tf.abs(cplx)
    assert isinstance(mag, tf.SparseTensor) and mag.values.dtype == tf.float32
    np.testing.assert_allclose(mag.values.numpy(), [5, 1, 2])


def test_cast_of_sparse():
    sp = _sparse()
    as_int = tf.cast(sp, tf.int32)
    assert isinstance(as_int, tf.SparseTensor)
    assert as_int.values.dtype == tf.int32
    assert as_int.values.numpy().tolist() == [0, 0, 0]   # truncated toward zero
    as_c = tf.cast(sp, tf.complex64)
    assert as_c.values.dtype == tf.complex64
    np.testing.assert_array_equal(as_c.values.numpy(), VALS.astype(np.complex64))
    np.testing.assert_array_equal(as_c.indices.numpy(), IDX)


def test_gradient_flows_to_the_values():
    # TF 2.21 printed [-1., 2.] for this program
    x = tf.Variable([-1.5, 4.0])
    with tf.GradientTape() as tape:
        sp = tf.SparseTensor([[0, 1], [2, 3]], x, [3, 4])
        y = tf.reduce_sum(tf.abs(sp).values * tf.constant([1.0, 2.0]))
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [-1.0, 2.0])
    with tf.GradientTape() as tape:
        sp = tf.SparseTensor([[0, 1], [2, 3]], x, [3, 4])
        y = tf.reduce_sum(tf.sparse.to_dense(tf.math.square(sp)))
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [-3.0, 8.0])


def test_is_tensor():
    assert tf.is_tensor(_sparse())
    assert tf.is_tensor(tf.constant(1.0))
    assert tf.is_tensor(tf.Variable(1.0))
    for not_tensor in (1.0, [1.0], np.ones(2), None, "x", tf.SparseTensor):
        assert not tf.is_tensor(not_tensor)


def test_ops_that_do_not_keep_zeros_refuse_a_sparse_tensor():
    """TF 2.21 raises for exp/log/cos/sigmoid of a SparseTensor (f(0) != 0); so does
    ndflow, with a message that points at tf.sparse.to_dense."""
    for fn in (tf.exp, tf.math.log, tf.math.cos, tf.math.sigmoid, tf.math.expm1):
        with pytest.raises(ValueError, match="to_dense"):
            fn(_sparse())


def test_dense_inputs_unchanged_and_sparse_package_not_imported():
    code = (
        "import sys, numpy as np, ndflow as tf\n"
        "x = tf.constant([-1.0, 4.0])\n"
        "v = tf.Variable([-2.0, 9.0])\n"
        "r = [tf.abs(x), tf.math.sqrt(x), tf.math.negative(v), tf.cast(x, tf.int32),\n"
        "     tf.cast([1.5], tf.float64), tf.math.sign(3.0), tf.math.square([2.0])]\n"
        "assert all(isinstance(t, type(x)) for t in r)\n"
        "assert tf.is_tensor(x) and not tf.is_tensor(1)\n"
        "print(r[0].numpy().tolist(), r[2].numpy().tolist(), r[3].numpy().tolist(),\n"
        "      r[6].numpy().tolist())\n"
        "print('ndflow.sparse' in sys.modules)\n")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=root).stdout.split("\n")
    assert out[0] == "[1.0, 4.0] [2.0, -9.0] [-1, 4] [4.0]"
    assert out[1] == "False"
