"""Complex tensors in the core math ops: tf.abs gives the magnitude, products and the
real/imag/conj parts have TensorFlow's gradients (d/dz of a real loss is
conj(df/dz) * dL/df).  Expected values printed by TensorFlow 2.21 for the same program."""
import numpy as np

import ndflow as tf


def test_complex_abs_product_and_parts_match_tensorflow():
    z = tf.constant(np.array([1 + 2j, -3 + 0.5j, 0j], np.complex64))
    w = tf.constant(np.array([0.5 - 1j, 2 + 2j, 1j], np.complex64))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([z, w])
        a = tf.reduce_sum(tf.abs(z * w))
        r = tf.reduce_sum(tf.math.real(z * w) + tf.math.imag(tf.math.conj(z)))
    assert a.dtype == tf.float32
    np.testing.assert_allclose(a.numpy(), 11.102325, rtol=1e-6)
    np.testing.assert_allclose(tape.gradient(a, z).numpy(),
                               [0.5 + 1j, -2.7899432 + 0.4649905j, 0], rtol=1e-6)
    np.testing.assert_allclose(tape.gradient(r, z).numpy(), [0.5, 2 - 3j, -2j], rtol=1e-6)
    np.testing.assert_allclose(tape.gradient(r, w).numpy(), [1 - 2j, -3 - 0.5j, 0],
                               rtol=1e-6)
    np.testing.assert_allclose(tf.math.angle(z).numpy(), [1.1071488, 2.976444, 0], rtol=1e-6)
    c = tf.complex(tf.constant([1.0]), tf.constant([2.0]))
    assert c.dtype == tf.complex64 and c.numpy()[0] == 1 + 2j


def test_abs_gradient_against_finite_differences():
    """d |z|^2-weighted loss / d(re, im) by central differences on the real and imaginary
    parts: TF's complex gradient is (dL/dre) + 1j * (dL/dim)."""
    rng = np.random.default_rng(3)
    zv = rng.normal(size=5) + 1j * rng.normal(size=5)
    wv = rng.normal(size=5)

    def loss(v):
        return float(np.sum(np.abs(v) * wv))
    z = tf.constant(zv)
    with tf.GradientTape() as tape:
        tape.watch(z)
        out = tf.reduce_sum(tf.abs(z) * tf.constant(wv))
    g = tape.gradient(out, z).numpy()
    eps = 1e-6
    num = np.array([(loss(zv + eps * e) - loss(zv - eps * e)) / (2 * eps) +
                    1j * (loss(zv + 1j * eps * e) - loss(zv - 1j * eps * e)) / (2 * eps)
                    for e in np.eye(5)])
    np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-8)
    # real inputs keep the real path
    x = tf.constant([-2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.abs(x))
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [-1.0, 1.0])
