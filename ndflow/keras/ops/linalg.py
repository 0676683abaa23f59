"""``keras.ops.linalg``: determinant, inverse, solves, decompositions (Cholesky, QR, SVD,
eigen) and norms, with NumPy's conventions (``norm`` as ``numpy.linalg.norm``)."""
import numpy as np

from ndflow.ops import math_ops as M
from ndflow.ops import array_ops as A
from ndflow.ops import reduction_ops as R
from ndflow.ops import linalg_ops as L
from ndflow.keras.ops._base import keras_op, promote, float_tensor, axis_tuple


def _shape(x):
    return x._value.shape


def _square(x, opname):
    s = _shape(x)
    if len(s) < 2 or s[-1] != s[-2]:
        raise ValueError("keras.ops.%s expects square matrices (shape (..., M, M)), got %s."
                         % (opname, s))
    return x


@keras_op
def det(x):
    return L.det(_square(float_tensor(x), "det"))


@keras_op
def inv(x):
    return L.inv(_square(float_tensor(x), "inv"))


def _solve(a, b, opname):
    a, b = promote(a, b, extra=(float,))
    _square(a, opname)
    vector = b._value.ndim == a._value.ndim - 1
    if vector:
        b = A.expand_dims(b, -1)
    if b._value.ndim < a._value.ndim:
        b = A.broadcast_to(b, _shape(a)[:-2] + _shape(b)[-2:])
    out = L.solve(a, b)
    return A.squeeze(out, -1) if vector else out


@keras_op
def solve(a, b):
    return _solve(a, b, "solve")


@keras_op
def solve_triangular(a, b, lower=False):
    """Solve ``a x = b`` reading only the lower (or upper) triangle of ``a``."""
    a, b = promote(a, b, extra=(float,))
    _square(a, "solve_triangular")
    n = _shape(a)[-1]
    keep = np.tri(n, n, 0, dtype=bool) if lower else ~np.tri(n, n, -1, dtype=bool)
    a = M.where(A.broadcast_to(A.constant(keep), _shape(a)), a, M.zeros_like(a))
    return _solve(a, b, "solve_triangular")


def _vector_norm(x, ord, axes, keepdims):
    axes = list(axes)
    ax = M.abs(x)
    if ord is None or ord == 2:
        return M.sqrt(R.reduce_sum(M.square(x), axis=axes, keepdims=keepdims))
    if ord == np.inf:
        return R.reduce_max(ax, axis=axes, keepdims=keepdims)
    if ord == -np.inf:
        return R.reduce_min(ax, axis=axes, keepdims=keepdims)
    if ord == 0:
        nz = M.cast(M.not_equal(x, 0), x._value.dtype.name)
        return R.reduce_sum(nz, axis=axes, keepdims=keepdims)
    if ord == 1:
        return R.reduce_sum(ax, axis=axes, keepdims=keepdims)
    if isinstance(ord, str):
        raise ValueError("keras.ops.norm: ord=%r is a matrix norm; pass a pair of axes."
                         % (ord,))
    p = float(ord)
    s = R.reduce_sum(M.pow(ax, p), axis=axes, keepdims=keepdims)
    return M.pow(s, 1.0 / p)


def _matrix_norm(x, ord, axes, keepdims):
    r, c = axes
    ax = M.abs(x)
    if ord is None or ord == "fro":
        out = M.sqrt(R.reduce_sum(M.square(x), axis=[r, c], keepdims=True))
    elif ord in (1, -1):
        col = R.reduce_sum(ax, axis=r, keepdims=True)
        out = (R.reduce_max if ord == 1 else R.reduce_min)(col, axis=c, keepdims=True)
    elif ord in (np.inf, -np.inf):
        row = R.reduce_sum(ax, axis=c, keepdims=True)
        out = (R.reduce_max if ord == np.inf else R.reduce_min)(row, axis=r, keepdims=True)
    else:
        raise ValueError("keras.ops.norm: the matrix norm ord=%r needs singular values, which "
                         "ndflow does not compute; use 'fro', 1, -1, inf or -inf." % (ord,))
    if not keepdims:
        out = A.squeeze(out, [r, c])
    return out


@keras_op
def norm(x, ord=None, axis=None, keepdims=False):
    x = float_tensor(x)
    nd = x._value.ndim
    if axis is None:
        if ord is None:
            out = M.sqrt(R.reduce_sum(M.square(x)))
            return A.reshape(out, [1] * nd) if keepdims else out
        if nd == 1:
            return _vector_norm(x, ord, [0], keepdims)
        if nd == 2:
            return _matrix_norm(x, ord, (0, 1), keepdims)
        raise ValueError("keras.ops.norm: with ord=%r, x must be 1-D or 2-D unless axis is "
                         "given; got shape %s." % (ord, _shape(x)))
    if isinstance(axis, (list, tuple)) and len(axis) == 2:
        a = [int(v) % nd for v in axis]
        if a[0] == a[1]:
            raise ValueError("keras.ops.norm: the two axes must differ, got %r." % (axis,))
        return _matrix_norm(x, ord, tuple(a), keepdims)
    axes = axis_tuple(axis, nd, "norm")
    if len(axes) != 1:
        raise ValueError("keras.ops.norm: axis must be an int or a pair, got %r." % (axis,))
    return _vector_norm(x, ord, axes, keepdims)


@keras_op
def logdet(x):
    """log(det(x)) (NaN for a negative determinant)."""
    x = float_tensor(x)
    return M.log(L.det(_square(x, "logdet")))



@keras_op
def cholesky(x, upper=False):
    """Cholesky factor of Hermitian positive-definite matrices: lower ``L`` with
    ``x = L L^H`` (``upper=True``: ``U = L^H``, ``x = U^H U``)."""
    x = _square(float_tensor(x), "cholesky")
    out = L.cholesky(x)
    if bool(np.isnan(out._value).any()) and not bool(np.isnan(x._value).any()):
        raise ValueError("keras.ops.cholesky: the decomposition failed: the input (shape "
                         "%s) is not positive definite. Check that it is symmetric with "
                         "positive eigenvalues (e.g. add a small multiple of the identity)."
                         % (_shape(x),))
    return L._adjoint(out) if upper else out


@keras_op
def qr(x, mode="reduced"):
    """``(q, r)`` of the QR decomposition; ``mode`` 'reduced' or 'complete'."""
    if mode not in ("reduced", "complete"):
        raise ValueError("keras.ops.qr: mode must be 'reduced' or 'complete', got %r."
                         % (mode,))
    x = float_tensor(x)
    if x._value.ndim < 2:
        raise ValueError("keras.ops.qr expects matrices (shape (..., M, N)), got %s."
                         % (_shape(x),))
    return L.qr(x, full_matrices=(mode == "complete"))


@keras_op
def svd(x, full_matrices=True, compute_uv=True):
    """NumPy's convention: ``(u, s, vh)`` with ``x = u @ diag(s) @ vh``, or ``s`` alone."""
    x = float_tensor(x)
    if x._value.ndim < 2:
        raise ValueError("keras.ops.svd expects matrices (shape (..., M, N)), got %s."
                         % (_shape(x),))
    if not compute_uv:
        return L.svd(x, compute_uv=False)
    s, u, v = L.svd(x, full_matrices=full_matrices)
    return u, s, L._adjoint(v)


@keras_op
def eigh(x):
    """``(w, v)``: ascending eigenvalues and eigenvectors of symmetric/Hermitian matrices."""
    return L.eigh(_square(float_tensor(x), "eigh"))


@keras_op
def eig(x):
    """``(w, v)``: complex eigenvalues and eigenvectors of general square matrices."""
    return L.eig(_square(float_tensor(x), "eig"))


@keras_op
def pinv(x, rcond=None):
    """Moore-Penrose pseudo-inverse (singular values <= rcond * max(s) are dropped)."""
    x = float_tensor(x)
    if x._value.ndim < 2:
        raise ValueError("keras.ops.pinv expects matrices (shape (..., M, N)), got %s."
                         % (_shape(x),))
    return L.pinv(x, rcond=rcond)


@keras_op
def lstsq(a, b, rcond=None):
    """Least-squares solution ``x`` of ``a @ x = b`` (NumPy's convention: ``b`` of shape
    (M,) or (M, K); singular values <= rcond * max(s) are dropped, default
    eps * max(M, N))."""
    a, b = promote(a, b, extra=(float,))
    if a._value.ndim != 2:
        raise ValueError("keras.ops.lstsq: a must be a 2-D matrix, got shape %s."
                         % (_shape(a),))
    if b._value.ndim not in (1, 2) or _shape(b)[0] != _shape(a)[0]:
        raise ValueError("keras.ops.lstsq: b must have shape (%d,) or (%d, K) to match a %s, "
                         "got %s." % (_shape(a)[0], _shape(a)[0], _shape(a), _shape(b)))
    if rcond is None:
        rcond = np.finfo(a._value.dtype).eps * max(_shape(a))
    vector = b._value.ndim == 1
    if vector:
        b = A.expand_dims(b, -1)
    out = L.matmul(L.pinv(a, rcond=rcond), b)
    return A.squeeze(out, -1) if vector else out


@keras_op
def matrix_rank(x, tol=None):
    """Number of singular values above ``tol`` (default eps * max(M, N) * max(s)); int32."""
    x = float_tensor(x)
    if x._value.ndim < 2:
        raise ValueError("keras.ops.matrix_rank expects matrices (shape (..., M, N)), got "
                         "%s." % (_shape(x),))
    return L.matrix_rank(x, tol=tol)




def jvp(fun, primals, tangents, has_aux=False):
    """Forward-mode product J(primals) @ tangents of ``fun``, computed as the derivative of
    the (linear) vector-Jacobian product with respect to its cotangent: returns
    ``(fun(*primals), tangents_out)`` (and ``aux`` with ``has_aux``)."""
    from ndflow.core.engine import GradientTape
    from ndflow.keras.ops.core import _flatten, _pack
    from ndflow.keras.ops._base import tensor
    primals = [tensor(p) for p in primals]
    tangents = [tensor(t) for t in tangents]
    if len(primals) != len(tangents):
        raise ValueError("keras.ops.jvp: %d primals but %d tangents." % (len(primals),
                                                                       len(tangents)))
    with GradientTape(persistent=True) as outer:
        with GradientTape(persistent=True) as inner:
            for p in primals:
                inner.watch(p)
            res = fun(*primals)
            out, aux = (res[0], res[1]) if has_aux else (res, None)
        flat = [tensor(o) for o in _flatten(out)]
        cot = [M.zeros_like(o) for o in flat]
        for c in cot:
            outer.watch(c)
        vjp = inner.gradient(flat, primals, output_gradients=cot,
                             unconnected_gradients="zero")
    tang = outer.gradient(vjp, cot, output_gradients=tangents, unconnected_gradients="zero")
    tang = _pack(out, tang)
    return (out, tang, aux) if has_aux else (out, tang)
