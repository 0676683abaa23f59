"""Regression tests for differences from TensorFlow found by the reference suite
(tests_reference/). Expected values are computed with NumPy, not taken from TensorFlow."""
import numpy as np
import pytest

import ndflow as tf


@pytest.mark.parametrize("dtype", ["int32", "int16", "uint8", "int64"])
def test_integer_sums_products_and_cumulations_keep_their_dtype(dtype):
    # NumPy widens small integer sums to int64; TensorFlow keeps the input dtype
    a = np.array([[1, 2, 3], [4, 5, 6]], dtype=dtype)
    x = tf.constant(a)
    cases = [
        (tf.reduce_sum(x), a.sum()), (tf.reduce_sum(x, axis=0), a.sum(0)),
        (tf.reduce_sum(x, axis=1, keepdims=True), a.sum(1, keepdims=True)),
        (tf.reduce_prod(x, axis=1), a.prod(1)), (tf.reduce_prod(x), a.prod()),
        (tf.cumsum(x, axis=1), a.cumsum(1)),
        (tf.cumsum(x, axis=0, exclusive=True), np.stack([np.zeros(3), a[0]])),
        (tf.math.cumprod(x, axis=1, reverse=True), a[:, ::-1].cumprod(1)[:, ::-1]),
    ]
    for got, want in cases:
        assert got.dtype.name == dtype
        np.testing.assert_array_equal(got.numpy(), np.asarray(want).astype(dtype))


def test_float_sums_are_unchanged():
    x = tf.constant(np.array([0.5, 0.25], np.float32))
    assert tf.reduce_sum(x).dtype.name == "float32" and float(tf.reduce_sum(x)) == 0.75
    assert tf.cumsum(x).dtype.name == "float32"


@pytest.mark.parametrize("indexing", ["xy", "ij"])
def test_meshgrid_values_and_gradients(indexing):
    a = np.array([1.0, 2.0, 3.0], np.float32)
    b = np.array([10.0, 20.0], np.float32)
    c = np.array([-1.0, 0.5, 2.0, 4.0], np.float32)
    want = np.meshgrid(a, b, c, indexing=indexing)
    x, y, z = tf.constant(a), tf.constant(b), tf.constant(c)
    with tf.GradientTape() as tape:
        tape.watch([x, y, z])
        grids = tf.meshgrid(x, y, z, indexing=indexing)
        w = [np.arange(g.size, dtype=np.float32).reshape(g.shape) for g in want]
        loss = tf.add_n([tf.reduce_sum(g * wi) for g, wi in zip(grids, w)])
    for g, e in zip(grids, want):
        np.testing.assert_array_equal(g.numpy(), e)
    # d loss / d input_k[j] = sum of the weights at the grid points whose coordinate k is j
    gx, gy, gz = tape.gradient(loss, [x, y, z])
    for grad, inp, wk, k in ((gx, a, w[0], 0), (gy, b, w[1], 1), (gz, c, w[2], 2)):
        grid_k = want[k]
        expected = [wk[grid_k == v].sum() for v in inp]
        np.testing.assert_allclose(grad.numpy(), expected)
