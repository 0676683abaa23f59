"""``adjoint`` arguments conjugate complex matrices (TF: the conjugate transpose), and
leave real ones merely transposed."""
import numpy as np

import ndflow as tf

RNG = np.random.default_rng(11)


def test_adjoints_of_complex_matrices_are_conjugate_transposes():
    a = RNG.normal(size=(3, 3)) + 1j * RNG.normal(size=(3, 3))
    b = RNG.normal(size=(3, 2)) + 1j * RNG.normal(size=(3, 2))
    A, B = tf.constant(a), tf.constant(b)
    ah = a.conj().T
    np.testing.assert_allclose(tf.matmul(A, B, adjoint_a=True).numpy(), ah @ b)
    np.testing.assert_allclose(tf.matmul(B, A, adjoint_a=True, adjoint_b=True).numpy(),
                               b.conj().T @ ah)
    np.testing.assert_allclose(tf.linalg.inv(A, adjoint=True).numpy(), np.linalg.inv(ah))
    np.testing.assert_allclose(tf.linalg.solve(A, B, adjoint=True).numpy(),
                               np.linalg.solve(ah, b))
    np.testing.assert_allclose(tf.linalg.adjoint(A).numpy(), ah)
    np.testing.assert_allclose(tf.linalg.matrix_transpose(A, conjugate=True).numpy(), ah)
    np.testing.assert_allclose(tf.linalg.matrix_transpose(A).numpy(), a.T)
    r = RNG.normal(size=(3, 3))
    np.testing.assert_allclose(tf.linalg.adjoint(tf.constant(r)).numpy(), r.T)
    np.testing.assert_allclose(tf.matmul(tf.constant(r), tf.constant(r), adjoint_b=True)
                               .numpy(), r @ r.T)
