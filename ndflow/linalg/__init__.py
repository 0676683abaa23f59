"""``tf.linalg``."""
from ndflow.ops.linalg_ops import (matmul, matvec, tensordot, einsum, inv, det, solve,
                                   diag_part, diag, trace, norm, l2_normalize,
                                   matrix_transpose, band_part, cholesky,
                                   triangular_solve, cholesky_solve, qr, eigh, eigvalsh,
                                   svd, slogdet, logdet, pinv, lstsq, matrix_rank, eig,
                                   eigvals, expm)
from ndflow.ops.array_ops import eye



def adjoint(matrix, name=None):
    """The conjugate transpose of the last two axes (``tf.linalg.adjoint``)."""
    return matrix_transpose(matrix, conjugate=True)


from ndflow.ops.control_flow_ops import global_norm
