"""Linear algebra primitives (``tf.linalg``)."""
import numpy as np

from ndflow.ops._base import (Op, execute, convert, binary_args, InvalidArgumentError,
                              Tensor)
from ndflow.ops import array_ops as A
from ndflow.ops._parallel import run_slices


def _t(x):
    """Swap the last two axes of an array (a view)."""
    return x.swapaxes(-1, -2)


def matmul_arrays(a, b):
    """``np.matmul``, except that float16 operands are multiplied in float32 and the
    product rounded to float16: NumPy has no BLAS for float16 and its own loop was ~90x
    slower than float32 (mixed-precision models); accumulating in float32 is also what
    GPUs do for float16 products.  Large products with a 2-D right operand run on the
    kernel threads (``_threaded_matmul``)."""
    if a.dtype == np.float16 and b.dtype == np.float16:
        return np.matmul(a.astype(np.float32), b.astype(np.float32)).astype(np.float16)
    if b.ndim == 2 and a.ndim >= 2 and a.shape[-1] * b.shape[1] * (a.size // max(
            a.shape[-1], 1)) >= _THREADED_MACS and a.dtype == b.dtype and \
            a.dtype.kind == "f":
        return _threaded_matmul(a, b)
    return np.matmul(a, b)


# Products of at least this many multiply-adds are split among the kernel threads: ndflow
# keeps the BLAS on one thread (its threads spin against other processes, see
# ndflow/backend/threads.py), so without this a large Dense or the input projection of a
# recurrent layer ran on one core.  The split depends on the shapes only, never on the
# thread count, so results do not change with the number of threads.
_THREADED_MACS = 1 << 22
_SPLITS = 4


def _threaded_matmul(a, b):
    """``a @ b`` (``a`` (..., M, K) with its leading axes folded into M, ``b`` (K, N)) as
    ``_SPLITS`` row blocks, or, when M is too small to split, as ``_SPLITS`` blocks of
    the inner dimension whose partial products are summed in order."""
    lead, k = a.shape[:-1], a.shape[-1]
    n = b.shape[1]
    a2 = a.reshape(-1, k)   # a copy only for a non-contiguous batched operand
    m = a2.shape[0]
    # np.matmul keeps the GIL when a dimension is under 16; np.dot releases it
    gemm = np.matmul if min(m // _SPLITS, k, n) >= 16 else np.dot
    if m >= 16 * _SPLITS:
        out = np.empty((m, n), np.result_type(a, b))

        def rows(r0, r1):
            gemm(a2[r0:r1], b, out=out[r0:r1])
        run_slices(rows, [(i * m // _SPLITS, (i + 1) * m // _SPLITS) for i in range(_SPLITS)])
        return out.reshape(lead + (n,))
    if k < 16 * _SPLITS:
        return np.matmul(a, b)
    parts = {}

    def inner(k0, k1):
        parts[k0] = np.dot(a2[:, k0:k1], b[k0:k1])
    run_slices(inner, [(i * k // _SPLITS, (i + 1) * k // _SPLITS) for i in range(_SPLITS)])
    out = parts[0]
    for k0 in sorted(parts)[1:]:
        out += parts[k0]
    return out.reshape(lead + (n,))


class MatMul(Op):
    """a @ b over the last two axes, with optional transposes folded into the kernel."""

    def __init__(self, transpose_a=False, transpose_b=False):
        self.transpose_a = transpose_a
        self.transpose_b = transpose_b

    def forward(self, a, b):
        return matmul_arrays(_t(a) if self.transpose_a else a,
                             _t(b) if self.transpose_b else b)

    def backward(self, dy):
        a, b = self.inputs
        if a._value.dtype.kind == "c":
            # complex operands: d(a') = dy b'^H, d(b') = a'^H dy (TensorFlow's convention)
            from ndflow.ops.math_ops import _cj
            a, b = _cj(a), _cj(b)
        ta, tb = self.transpose_a, self.transpose_b
        ga = gb = None
        if self.needs_grad[0]:   # d(a') = dy b'^T, then undo a's transpose
            ga = matmul(b, dy, transpose_a=tb, transpose_b=True) if ta else \
                matmul(dy, b, transpose_b=not tb)
        if self.needs_grad[1]:   # d(b') = a'^T dy, then undo b's transpose
            gb = matmul(dy, a, transpose_a=True, transpose_b=ta) if tb else \
                matmul(a, dy, transpose_a=not ta)
        return ga, gb


def _swap_last(x):
    nd = x._value.ndim
    if nd < 2:
        return x
    perm = list(range(nd - 2)) + [nd - 1, nd - 2]
    return A.transpose(x, perm)


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, output_type=None, name=None):
    """Matrix product of the last two axes, batched and broadcast over the leading ones."""
    if type(a) is not Tensor or type(b) is not Tensor or a._value.dtype is not b._value.dtype:
        a, b = binary_args(a, b, "matmul")
    if a._value.dtype.kind == "c":   # the adjoint is the conjugate transpose
        from ndflow.ops.math_ops import conj
        if adjoint_a:
            a = conj(a)
        if adjoint_b:
            b = conj(b)
    ta = bool(transpose_a or adjoint_a)
    tb = bool(transpose_b or adjoint_b)
    sa, sb = a._value.shape, b._value.shape
    if len(sa) < 2 or len(sb) < 2:
        raise InvalidArgumentError(
            "matmul: both arguments must have rank >= 2, got shapes %s and %s. For a "
            "matrix-vector product use tf.linalg.matvec, or expand_dims the vector."
            % (tuple(sa), tuple(sb)))
    k_a = sa[-2] if ta else sa[-1]
    k_b = sb[-1] if tb else sb[-2]
    if k_a != k_b:
        raise InvalidArgumentError(
            "matmul: incompatible shapes %s and %s%s: the inner dimensions differ (%d vs "
            "%d). Check transpose_a/transpose_b or the layer sizes." % (
                tuple(sa), tuple(sb),
                " (transpose_a=%s, transpose_b=%s)" % (ta, tb) if ta or tb else "", k_a, k_b))
    try:
        return execute(MatMul(ta, tb), (a, b))
    except ValueError:
        raise InvalidArgumentError(
            "matmul: the batch dimensions of shapes %s and %s cannot be broadcast together."
            % (tuple(sa), tuple(sb))) from None


def matrix_transpose(a, name=None, conjugate=False):
    """Swap the last two axes (``tf.linalg.matrix_transpose``); ``conjugate=True`` also
    conjugates a complex tensor (``tf.linalg.adjoint``)."""
    a = convert(a)
    if a._value.ndim < 2:
        raise InvalidArgumentError("matrix_transpose needs rank >= 2, got shape %s."
                                   % (tuple(a._value.shape),))
    return _adjoint(a) if conjugate else _swap_last(a)


def matvec(a, b, transpose_a=False, adjoint_a=False, a_is_sparse=False, b_is_sparse=False,
           name=None):
    """Matrix-vector product over the last axes: ``a[..., i, j] * b[..., j]``."""
    a, b = binary_args(a, b, "matvec")
    if b._value.ndim < 1:
        raise InvalidArgumentError("matvec: b must be a vector (rank >= 1), got a scalar.")
    return A.squeeze(matmul(a, A.expand_dims(b, -1), transpose_a=transpose_a,
                            adjoint_a=adjoint_a), axis=-1)


def tensordot(a, b, axes, name=None):
    """Sum over ``axes`` of ``a`` and ``b`` (an int N: the last N of a with the first N of b;
    or a pair of axis lists), built from transpose, reshape and matmul."""
    a, b = binary_args(a, b, "tensordot")
    na, nb = a._value.ndim, b._value.ndim
    if isinstance(axes, Tensor):
        axes = axes._value.tolist()
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        if n > min(na, nb) or n < 0:
            raise InvalidArgumentError("tensordot: axes=%d is more than the ranks %d and %d "
                                       "allow." % (n, na, nb))
        ax_a, ax_b = list(range(na - n, na)), list(range(n))
    else:
        ax_a, ax_b = axes
        ax_a = [ax_a] if isinstance(ax_a, (int, np.integer)) else list(ax_a)
        ax_b = [ax_b] if isinstance(ax_b, (int, np.integer)) else list(ax_b)
        ax_a = [int(x) % na for x in ax_a]
        ax_b = [int(x) % nb for x in ax_b]
    sa, sb = a._value.shape, b._value.shape
    if len(ax_a) != len(ax_b) or any(sa[i] != sb[j] for i, j in zip(ax_a, ax_b)):
        raise InvalidArgumentError(
            "tensordot: contracted dimensions differ: a %s over axes %s, b %s over axes %s."
            % (tuple(sa), ax_a, tuple(sb), ax_b))
    free_a = [i for i in range(na) if i not in ax_a]
    free_b = [i for i in range(nb) if i not in ax_b]
    k = int(np.prod([sa[i] for i in ax_a], dtype=np.int64))
    a2 = A.reshape(A.transpose(a, free_a + ax_a), [-1, k])
    b2 = A.reshape(A.transpose(b, ax_b + free_b), [k, -1])
    out_shape = [sa[i] for i in free_a] + [sb[i] for i in free_b]
    return A.reshape(matmul(a2, b2), out_shape)


# ---- einsum ----------------------------------------------------------------------------------

def _parse_einsum(equation, n):
    eq = equation.replace(" ", "")
    if "->" in eq:
        lhs, out = eq.split("->")
    else:
        lhs = eq
        letters = lhs.replace(",", "").replace(".", "")
        out = ("..." if "..." in lhs else "") + "".join(
            sorted(c for c in set(letters) if letters.count(c) == 1))
    ins = lhs.split(",")
    if len(ins) != n:
        raise InvalidArgumentError("einsum: equation %r names %d operands but %d were given."
                                   % (equation, len(ins), n))
    return ins, out


class Einsum(Op):
    def __init__(self, ins, out):
        self.ins = ins
        self.out = out

    def forward(self, *xs):
        return np.einsum(",".join(self.ins) + "->" + self.out, *xs)

    def backward(self, dy):
        from ndflow.ops.math_ops import _cj
        grads = []
        for i, sub in enumerate(self.ins):
            if not self.needs_grad[i]:
                grads.append(None)
                continue
            if len(set(sub.replace("...", ""))) != len(sub.replace("...", "")):
                raise NotImplementedError(
                    "einsum: no gradient for operand %r with a repeated index (a diagonal); "
                    "use tf.linalg.diag_part first." % sub)
            others = [s for j, s in enumerate(self.ins) if j != i]
            avail = set(self.out + "".join(others))
            # letters summed inside this operand alone are restored by broadcasting
            kept = "".join(c for c in sub if c in avail or c == ".")
            # complex operands: the other operands enter conjugated (TF's convention)
            g = einsum(",".join([self.out] + others) + "->" + kept,
                       dy, *[_cj(t) for j, t in enumerate(self.inputs) if j != i])
            if kept != sub:
                shape = self.inputs[i]._value.shape
                expand = [1 if c not in kept else None for c in sub]
                target = [d if e is None else 1 for d, e in zip(shape, expand)] \
                    if "..." not in sub else None
                if target is None:
                    raise NotImplementedError(
                        "einsum: no gradient for %r: it both uses '...' and sums an index "
                        "that appears nowhere else." % sub)
                g = A.broadcast_to(A.reshape(g, target), shape)
            grads.append(g)
        return tuple(grads)


def einsum(equation, *inputs, **kwargs):
    """Einstein summation (``tf.einsum``), e.g. ``einsum('bij,bjk->bik', a, b)``."""
    xs = [convert(x) for x in inputs]
    if len(xs) > 1:
        d = xs[0]._value.dtype
        for x in xs[1:]:
            if x._value.dtype != d:
                raise InvalidArgumentError(
                    "einsum: all operands must have the same dtype, got %s; cast first."
                    % [t.dtype.name for t in xs])
    ins, out = _parse_einsum(equation, len(xs))
    try:
        return execute(Einsum(ins, out), tuple(xs))
    except ValueError as e:
        raise InvalidArgumentError("einsum %r on shapes %s: %s" % (
            equation, [tuple(x._value.shape) for x in xs], e)) from None


# ---- inverse, determinant, solve ------------------------------------------------------------

def _square_float(x, opname):
    x = convert(x)
    s = x._value.shape
    if len(s) < 2 or s[-1] != s[-2]:
        raise InvalidArgumentError("%s expects square matrices (shape [..., M, M]), got %s."
                                   % (opname, tuple(s)))
    if x._value.dtype.kind not in "fc":
        raise InvalidArgumentError("%s expects a floating-point tensor, got %s."
                                   % (opname, x.dtype.name))
    return x


def _linalg_error(opname, x):
    return InvalidArgumentError("%s: the matrix (shape %s) is singular (not invertible)."
                                % (opname, tuple(x.shape)))


class MatrixInverse(Op):
    def forward(self, x):
        try:
            return np.linalg.inv(x)
        except np.linalg.LinAlgError:
            raise _linalg_error("linalg.inv", x) from None

    def backward(self, dy):
        # d(A^-1) = -A^-1 dA A^-1; the adjoint uses A^-H (A^-T for a real A)
        from ndflow.ops.math_ops import _cj
        inv_t = _cj(_swap_last(self.outputs))
        return (_neg(matmul(inv_t, matmul(dy, inv_t))),)


def _neg(x):
    from ndflow.ops.math_ops import negative
    return negative(x)


def _adjoint(x):
    """The conjugate transpose of the last two axes (the transpose for a real tensor)."""
    from ndflow.ops.math_ops import conj
    return conj(_swap_last(x))


def inv(input, adjoint=False, name=None):
    x = _square_float(input, "linalg.inv")
    if adjoint:
        x = _adjoint(x)
    return execute(MatrixInverse(), (x,))


class MatrixDeterminant(Op):
    def forward(self, x):
        return np.asarray(np.linalg.det(x), dtype=x.dtype)

    def backward(self, dy):
        # d det(A) / dA = det(A) * A^-T (conjugated for a complex A)
        from ndflow.ops.math_ops import multiply, _cj
        x = self.inputs[0]
        scale = A.expand_dims(A.expand_dims(multiply(dy, _cj(self.outputs)), -1), -1)
        return (multiply(scale, _cj(_swap_last(inv(x)))),)


def det(input, name=None):
    x = _square_float(input, "linalg.det")
    return execute(MatrixDeterminant(), (x,))


class MatrixSolve(Op):
    def forward(self, a, b):
        try:
            return np.linalg.solve(a, b)
        except np.linalg.LinAlgError:
            raise _linalg_error("linalg.solve", a) from None

    def backward(self, dy):
        # gb = A^-H dy, ga = -gb X^H (plain transposes for real A)
        from ndflow.ops.math_ops import _cj
        a, b = self.inputs
        gb = solve(_cj(_swap_last(a)), dy)
        ga = _neg(matmul(gb, _cj(self.outputs), transpose_b=True)) \
            if self.needs_grad[0] else None
        return ga, (gb if self.needs_grad[1] else None)


def solve(matrix, rhs, adjoint=False, name=None):
    """X with ``matrix @ X = rhs`` (``tf.linalg.solve``)."""
    a = _square_float(matrix, "linalg.solve")
    a, b = binary_args(a, rhs, "linalg.solve")
    if b._value.ndim < 2 or b._value.shape[-2] != a._value.shape[-1]:
        raise InvalidArgumentError(
            "linalg.solve: rhs must have shape [..., %d, K] to match the matrix %s, got %s."
            % (a._value.shape[-1], tuple(a._value.shape), tuple(b._value.shape)))
    if adjoint:
        a = _adjoint(a)
    return execute(MatrixSolve(), (a, b))


def diag_part(input, name="diag_part", k=0, padding_value=0, align="RIGHT_LEFT"):
    """The main diagonal of the last two axes (``tf.linalg.diag_part``)."""
    from ndflow.ops.array_ops import GetItem
    x = convert(input)
    if x._value.ndim < 2:
        raise InvalidArgumentError("linalg.diag_part needs rank >= 2, got shape %s."
                                   % (tuple(x._value.shape),))
    if k != 0:
        raise InvalidArgumentError("linalg.diag_part: only k=0 (the main diagonal) is "
                                   "supported, got k=%r." % (k,))
    n = min(x._value.shape[-2:])
    r = np.arange(n)
    return execute(GetItem((Ellipsis, r, r)), (x,))


def diag(diagonal, name="diag", k=0, num_rows=-1, num_cols=-1, padding_value=0,
         align="RIGHT_LEFT"):
    """Square matrices with ``diagonal`` (last axis) on the main diagonal."""
    from ndflow.ops.array_ops import _ScatterIntoZeros
    d = convert(diagonal)
    if d._value.ndim < 1 or k != 0:
        raise InvalidArgumentError("linalg.diag needs a tensor of rank >= 1 and k=0.")
    n = d._value.shape[-1]
    r = np.arange(n)
    return execute(_ScatterIntoZeros((Ellipsis, r, r), d._value.shape + (n,)), (d,))


def trace(x, name=None):
    from ndflow.ops.reduction_ops import reduce_sum
    return reduce_sum(diag_part(x), axis=-1)


def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None):
    from ndflow.ops.reduction_ops import norm as _norm
    return _norm(tensor, ord=ord, axis=axis, keepdims=keepdims)


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    from ndflow.ops.reduction_ops import reduce_sum
    from ndflow.ops.math_ops import multiply, rsqrt, maximum, square
    x = convert(x)
    axis = dim if axis is None else axis
    s = reduce_sum(square(x), axis=axis, keepdims=True)
    return multiply(x, rsqrt(maximum(s, epsilon)))


# ---- decompositions (cholesky, triangular solves, qr, eigh, svd, ...) -----------------------
# Each gradient below is written with ndflow ops, so nested tapes differentiate it again.

def _m():
    from ndflow.ops import math_ops
    return math_ops


def _float_matrix(x, opname, square=True, complex_ok=True):
    x = convert(x)
    s = x._value.shape
    if len(s) < 2 or (square and s[-1] != s[-2]):
        raise InvalidArgumentError(
            "%s expects %s (shape [..., M, %s]), got shape %s." % (
                opname, "square matrices" if square else "matrices",
                "M" if square else "N", tuple(s)))
    kinds = "fc" if complex_ok else "f"
    if x._value.dtype.kind not in kinds or x._value.dtype == np.float16:
        raise InvalidArgumentError(
            "%s expects a float32/float64%s tensor, got %s; cast it first." % (
                opname, "/complex" if complex_ok else "", x.dtype.name))
    return x


def _tri_mask(n, m, lower, strict=False):
    """Boolean (n, m) mask of the lower (or upper) triangle."""
    k = -1 if strict else 0
    return np.tri(n, m, k, dtype=bool) if lower else ~np.tri(n, m, -1 - k, dtype=bool)


def _keep(x, mask):
    """``x`` where ``mask`` (a NumPy bool array broadcast over the batch), else 0."""
    M = _m()
    return M.where(A.broadcast_to(A.constant(mask), x._value.shape), x, M.zeros_like(x))


def _tril(x, strict=False):
    n, m = x._value.shape[-2:]
    return _keep(x, _tri_mask(n, m, True, strict))


def _set_diag_scale(x, scale):
    """``x`` with its diagonal multiplied by ``scale``."""
    n = x._value.shape[-1]
    f = np.ones((n, n), x._value.dtype)
    np.fill_diagonal(f, scale)
    return _m().multiply(x, A.constant(f))


def _eye_like(x, n=None):
    n = x._value.shape[-1] if n is None else n
    return A.constant(np.eye(n, dtype=x._value.dtype))


def band_part(input, num_lower, num_upper, name=None):
    """Keep the band of each matrix: ``num_lower`` subdiagonals and ``num_upper``
    superdiagonals (a negative count keeps that whole triangle); zero elsewhere."""
    x = convert(input)
    if x._value.ndim < 2:
        raise InvalidArgumentError("linalg.band_part needs rank >= 2, got shape %s."
                                   % (tuple(x._value.shape),))
    lo = int(np.asarray(getattr(num_lower, "_value", num_lower)))
    up = int(np.asarray(getattr(num_upper, "_value", num_upper)))
    n, m = x._value.shape[-2:]
    if lo > n or up > m:
        raise InvalidArgumentError(
            "linalg.band_part: num_lower must be <= %d and num_upper <= %d (the matrix "
            "shape), got %d and %d." % (n, m, lo, up))
    i = np.arange(n)[:, None]
    j = np.arange(m)[None, :]
    mask = ((lo < 0) | (i - j <= lo)) & ((up < 0) | (j - i <= up))
    return _keep(x, mask)


class Cholesky(Op):
    """Lower Cholesky factor, reading only the lower triangle of the input."""

    def forward(self, x):
        if x.shape[-1] == 0:
            return x.copy()
        n = x.shape[-1]
        flat = x.reshape((-1, n, n))
        out = np.zeros_like(flat)
        bad = np.tril(np.full((n, n), np.nan, x.dtype))
        lower = np.tril(flat)
        herm = lower + np.conj(np.swapaxes(np.tril(flat, -1), -1, -2))
        for b in range(flat.shape[0]):
            try:
                out[b] = np.linalg.cholesky(herm[b])
            except np.linalg.LinAlgError:
                # as TensorFlow: a matrix that is not positive definite gives NaNs in the
                # lower triangle instead of an error
                out[b] = bad
        return out.reshape(x.shape)

    def backward(self, dy):
        # Ā = ½ sym(L^-H Φ(L^H L̄) L^-1), Φ: lower triangle with the diagonal halved
        M = _m()
        L = self.outputs
        phi = _set_diag_scale(_tril(matmul(L, dy, adjoint_a=True)), 0.5)
        eye = A.broadcast_to(_eye_like(L), L._value.shape)
        l_inv = triangular_solve(L, eye, lower=True)
        g = matmul(l_inv, matmul(phi, l_inv), adjoint_a=True)
        return (M.multiply(M.add(g, _adjoint(g)), A.constant(np.asarray(0.5, g.dtype.name))),)


def cholesky(input, name=None):
    """Lower-triangular L with ``L @ L^H == input`` for Hermitian positive-definite
    matrices (only the lower triangle is read; a non-positive-definite matrix gives NaNs)."""
    x = _float_matrix(input, "linalg.cholesky")
    return execute(Cholesky(), (x,))


class TriangularSolve(Op):
    def __init__(self, lower, adjoint):
        self.lower = lower
        self.adjoint = adjoint

    def forward(self, a, b):
        n = a.shape[-1]
        t = np.tril(a) if self.lower else np.triu(a)
        if self.adjoint:
            t = np.conj(_t(t))
        lead = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        t = np.broadcast_to(t, lead + (n, n))
        b = np.broadcast_to(b, lead + b.shape[-2:])
        with np.errstate(all="ignore"):
            try:
                return np.linalg.solve(t, b).astype(np.result_type(a, b), copy=False)
            except np.linalg.LinAlgError:
                # a zero on the diagonal: substitution divides by it (inf/NaN, no error)
                return _substitute(t, b, self.lower != self.adjoint)

    def backward(self, dy):
        a, b = self.inputs
        x = self.outputs
        gb = triangular_solve(a, dy, lower=self.lower, adjoint=not self.adjoint)
        ga = None
        if self.needs_grad[0]:
            ga = _neg(matmul(x, gb, adjoint_b=True) if self.adjoint
                      else matmul(gb, x, adjoint_b=True))
            n = a._value.shape[-1]
            ga = _keep(ga, _tri_mask(n, n, self.lower))
        return ga, (gb if self.needs_grad[1] else None)


def _substitute(t, b, lower):
    """Forward/back substitution (for a singular triangular matrix)."""
    n = t.shape[-1]
    x = np.zeros(np.broadcast_shapes(t.shape[:-1], b.shape[:-1]) + b.shape[-1:],
                 np.result_type(t, b))
    order = range(n) if lower else range(n - 1, -1, -1)
    for i in order:
        acc = b[..., i, :] - np.einsum("...j,...jk->...k", t[..., i, :], x)
        x[..., i, :] = acc / t[..., i, i, None]
    return x


def triangular_solve(matrix, rhs, lower=True, adjoint=False, name=None):
    """X with ``T @ X = rhs`` where T is the lower (or upper) triangle of ``matrix``
    (``adjoint=True`` solves with T^H)."""
    a = _float_matrix(matrix, "linalg.triangular_solve")
    a, b = binary_args(a, rhs, "linalg.triangular_solve")
    if b._value.ndim < 2 or b._value.shape[-2] != a._value.shape[-1]:
        raise InvalidArgumentError(
            "linalg.triangular_solve: rhs must have shape [..., %d, K] to match the matrix "
            "%s, got %s." % (a._value.shape[-1], tuple(a._value.shape),
                             tuple(b._value.shape)))
    try:
        np.broadcast_shapes(a._value.shape[:-2], b._value.shape[:-2])
    except ValueError:
        raise InvalidArgumentError(
            "linalg.triangular_solve: the batch shapes of matrix %s and rhs %s do not "
            "broadcast." % (tuple(a._value.shape), tuple(b._value.shape))) from None
    return execute(TriangularSolve(bool(lower), bool(adjoint)), (a, b))


def cholesky_solve(chol, rhs, name=None):
    """X with ``A X = rhs`` given ``chol = cholesky(A)``: two triangular solves."""
    y = triangular_solve(chol, rhs, lower=True, adjoint=False)
    return triangular_solve(chol, y, lower=True, adjoint=True)


class Qr(Op):
    multi_output = True

    def __init__(self, full):
        self.full = full

    def forward(self, x):
        return np.linalg.qr(x, mode="complete" if self.full else "reduced")

    def backward(self, dq, dr):
        # reduced QR with M >= N: Ā = (Q̄ + Q copyltu(C)) R^-H, C = R R̄^H - Q̄^H Q,
        # copyltu mirrors the strict lower triangle onto the upper one
        q, r = self.outputs
        m, n = self.inputs[0]._value.shape[-2:]
        if m < n or (self.full and m != n):
            raise NotImplementedError(
                "linalg.qr: the gradient is defined for full_matrices=False with M >= N "
                "(as in TensorFlow); got an input of shape %s%s." % (
                    tuple(self.inputs[0]._value.shape),
                    " with full_matrices=True" if self.full else ""))
        M = _m()
        c = M.subtract(matmul(r, dr, adjoint_b=True), matmul(dq, q, adjoint_a=True))
        low = _tril(c, strict=True)
        cl = M.add(M.add(low, _adjoint(low)), _keep(c, np.eye(n, dtype=bool)))
        b = M.add(dq, matmul(q, cl))
        # b R^-H = (R^-1 b^H)^H
        return (_adjoint(triangular_solve(r, _adjoint(b), lower=False)),)


def qr(input, full_matrices=False, name=None):
    """``(q, r)`` with ``input = q @ r``, q with orthonormal columns, r upper triangular."""
    x = _float_matrix(input, "linalg.qr", square=False)
    return execute(Qr(bool(full_matrices)), (x,))


class SelfAdjointEig(Op):
    multi_output = True

    def forward(self, x):
        e, v = np.linalg.eigh(x)   # reads the lower triangle, as TensorFlow
        return e.astype(x.real.dtype, copy=False), v

    def backward(self, de, dv):
        # G = V (diag(ē) + F ∘ (V^H V̄)) V^H, F_ij = 1/(λ_j - λ_i); then the gradient of the
        # lower triangle: tril(G + G^H) with the diagonal halved
        M = _m()
        e, v = self.outputs
        n = e._value.shape[-1]
        diff = M.subtract(A.expand_dims(e, -2), A.expand_dims(e, -1))
        off = ~np.eye(n, dtype=bool)
        safe = M.where(A.broadcast_to(A.constant(off), diff._value.shape), diff,
                       M.add(M.zeros_like(diff), A.constant(np.asarray(1, e.dtype.name))))
        f = _keep(M.reciprocal(safe), off)
        if v._value.dtype.kind == "c":
            f = M.cast(f, v.dtype.name)
            de = M.cast(de, v.dtype.name)
        inner = M.add(diag(de), M.multiply(f, matmul(v, dv, adjoint_a=True)))
        g = matmul(v, matmul(inner, v, adjoint_b=True))
        return (_set_diag_scale(_tril(M.add(g, _adjoint(g))), 0.5),)


def eigh(tensor, name=None):
    """``(e, v)``: ascending eigenvalues and eigenvectors (columns) of self-adjoint
    matrices; only the lower triangle is read."""
    x = _float_matrix(tensor, "linalg.eigh")
    e, v = execute(SelfAdjointEig(), (x,))
    return e, v


def eigvalsh(tensor, name=None):
    return eigh(tensor)[0]


class Svd(Op):
    multi_output = True

    def __init__(self, full, compute_uv):
        self.full = full
        self.compute_uv = compute_uv

    def forward(self, x):
        u, s, vh = np.linalg.svd(x, full_matrices=self.full)
        s = s.astype(x.real.dtype, copy=False)
        v = np.conj(_t(vh))
        if not self.compute_uv:
            self._uv = (u, v)   # kept for the gradient of s
            return (s,)
        return s, u, v

    def backward(self, ds, du=None, dv=None):
        if self.inputs[0]._value.dtype.kind == "c":
            raise NotImplementedError("linalg.svd: no gradient for complex matrices in "
                                      "ndflow; use a real matrix.")
        M = _m()
        s = self.outputs[0]
        if not self.compute_uv:
            u, v = (A.constant(a) for a in self._uv)
            m, n = self.inputs[0]._value.shape[-2:]
            k = min(m, n)
            u, v = u[..., :k], v[..., :k]
            return (matmul(M.multiply(u, A.expand_dims(ds, -2)), v, adjoint_b=True),)
        u, v = self.outputs[1], self.outputs[2]
        m, n = self.inputs[0]._value.shape[-2:]
        k = min(m, n)
        if self.full and m != n:
            raise NotImplementedError(
                "linalg.svd: the gradient with full_matrices=True needs a square matrix (as "
                "in TensorFlow); got shape %s." % (tuple(self.inputs[0]._value.shape),))
        if m < n:   # work on A^T = V S U^T
            return (_swap_last(_svd_grad(s, v, u, ds, dv, du)),)
        return (_svd_grad(s, u, v, ds, du, dv),)


def _svd_grad(s, u, v, ds, du, dv):
    """Gradient of A = U diag(s) V^T (M >= N, reduced U) for distinct singular values."""
    M = _m()
    k = s._value.shape[-1]
    one = A.constant(np.asarray(1, s.dtype.name))
    s2 = M.square(s)
    diff = M.subtract(A.expand_dims(s2, -2), A.expand_dims(s2, -1))   # s_j^2 - s_i^2
    off = ~np.eye(k, dtype=bool)
    safe = M.where(A.broadcast_to(A.constant(off), diff._value.shape), diff,
                   M.add(M.zeros_like(diff), one))
    f = _keep(M.reciprocal(safe), off)
    s_row = A.expand_dims(s, -2)   # multiplies columns
    s_col = A.expand_dims(s, -1)   # multiplies rows
    utdu = matmul(u, du, transpose_a=True)
    vtdv = matmul(v, dv, transpose_a=True)
    j = M.multiply(f, M.subtract(utdu, _swap_last(utdu)))
    kk = M.multiply(f, M.subtract(vtdv, _swap_last(vtdv)))
    inner = M.add(M.add(M.multiply(j, s_row), diag(ds)), M.multiply(s_col, kk))
    g = matmul(u, matmul(inner, v, transpose_b=True))
    # the part of Ū outside the column space of U: (I - U U^T) Ū S^-1 V^T
    m = u._value.shape[-2]
    if m > k:
        proj = M.subtract(du, matmul(u, utdu))
        g = M.add(g, matmul(M.multiply(proj, M.reciprocal(s_row)), v, transpose_b=True))
    return g


def svd(tensor, full_matrices=False, compute_uv=True, name=None):
    """Singular values (descending), and with ``compute_uv`` also ``u`` and ``v`` (not
    v^H): returns ``s`` or ``(s, u, v)`` with ``tensor = u @ diag(s) @ v^H``."""
    x = _float_matrix(tensor, "linalg.svd", square=False)
    out = execute(Svd(bool(full_matrices), bool(compute_uv)), (x,))
    return out if compute_uv else out[0]


class LogMatrixDeterminant(Op):
    multi_output = True

    def forward(self, x):
        sign, logabs = np.linalg.slogdet(x)
        return sign.astype(x.dtype, copy=False), logabs.astype(x.real.dtype, copy=False)

    def backward(self, dsign, dlog):
        # d log|det A| / dA = A^-H (the sign is piecewise constant)
        from ndflow.ops.math_ops import _cj, multiply, cast
        x = self.inputs[0]
        if x._value.dtype.kind == "c":
            dlog = cast(dlog, x.dtype.name)
        scale = A.expand_dims(A.expand_dims(dlog, -1), -1)
        return (multiply(scale, _cj(_swap_last(inv(x)))),)


def slogdet(input, name=None):
    """``(sign, log_abs_determinant)`` of square matrices."""
    x = _float_matrix(input, "linalg.slogdet")
    return execute(LogMatrixDeterminant(), (x,))


def logdet(matrix, name=None):
    """log(det(matrix)) of Hermitian positive-definite matrices, through the Cholesky
    factor: 2 * sum(log(diag(L)))."""
    from ndflow.ops.reduction_ops import reduce_sum
    M = _m()
    x = _float_matrix(matrix, "linalg.logdet")
    d = diag_part(cholesky(x))
    if d._value.dtype.kind == "c":
        d = M.real(d)
    out = M.multiply(A.constant(np.asarray(2, d.dtype.name)), reduce_sum(M.log(d), axis=-1))
    return M.cast(out, x.dtype.name) if x._value.dtype.kind == "c" else out


def _default_rcond(x):
    m, n = x._value.shape[-2:]
    return 10.0 * max(m, n) * np.finfo(x._value.dtype).eps


def pinv(a, rcond=None, validate_args=False, name=None):
    """Moore-Penrose pseudo-inverse through the SVD: singular values at most
    ``rcond * max(s)`` (default 10 * max(M, N) * eps) count as zero."""
    from ndflow.ops.reduction_ops import reduce_max
    M = _m()
    x = _float_matrix(a, "linalg.pinv", square=False)
    if rcond is None:
        rcond = _default_rcond(x)
    s, u, v = svd(x)
    cutoff = M.multiply(M.cast(convert(rcond), s.dtype.name),
                        reduce_max(s, axis=-1, keepdims=True))
    big = M.greater(s, cutoff)
    one = M.add(M.zeros_like(s), A.constant(np.asarray(1, s.dtype.name)))
    s_inv = M.where(big, M.reciprocal(M.where(big, s, one)), M.zeros_like(s))
    if u._value.dtype.kind == "c":
        s_inv = M.cast(s_inv, u.dtype.name)
    return matmul(M.multiply(v, A.expand_dims(s_inv, -2)), u, adjoint_b=True)


def lstsq(matrix, rhs, l2_regularizer=0.0, fast=True, name=None):
    """Least-squares X minimising ||matrix X - rhs||^2 + l2 ||X||^2.  ``fast=True`` solves
    the (regularised) normal equations with a Cholesky factorisation; ``fast=False`` uses
    the pseudo-inverse (l2_regularizer must then be 0)."""
    M = _m()
    a = _float_matrix(matrix, "linalg.lstsq", square=False)
    a, b = binary_args(a, rhs, "linalg.lstsq")
    m, n = a._value.shape[-2:]
    if b._value.ndim < 2 or b._value.shape[-2] != m:
        raise InvalidArgumentError(
            "linalg.lstsq: rhs must have shape [..., %d, K] to match the matrix %s, got %s."
            % (m, tuple(a._value.shape), tuple(b._value.shape)))
    l2 = float(np.asarray(getattr(l2_regularizer, "_value", l2_regularizer)))
    if not fast:
        if l2 != 0.0:
            raise InvalidArgumentError("linalg.lstsq: l2_regularizer must be 0 with "
                                       "fast=False, got %r." % (l2,))
        return matmul(pinv(a), b)
    reg = A.constant((l2 * np.eye(min(m, n))).astype(a._value.dtype))
    if m >= n:
        gram = M.add(matmul(a, a, adjoint_a=True), reg)
        return cholesky_solve(cholesky(gram), matmul(a, b, adjoint_a=True))
    gram = M.add(matmul(a, a, adjoint_b=True), reg)
    return matmul(a, cholesky_solve(cholesky(gram), b), adjoint_a=True)


def matrix_rank(a, tol=None, validate_args=False, name=None):
    """Number of singular values above ``tol`` (default eps * max(M, N) * max(s)), int32."""
    from ndflow.ops.reduction_ops import reduce_sum, reduce_max
    M = _m()
    x = _float_matrix(a, "linalg.matrix_rank", square=False)
    s = svd(x, compute_uv=False)
    if tol is None:
        m, n = x._value.shape[-2:]
        eps = np.finfo(x._value.dtype).eps
        tol = M.multiply(A.constant(np.asarray(eps * max(m, n), s.dtype.name)),
                         reduce_max(s, axis=-1, keepdims=True))
    else:
        tol = M.cast(convert(tol), s.dtype.name)
    return reduce_sum(M.cast(M.greater(s, tol), "int32"), axis=-1)


def _complex_of(dtype):
    return np.complex64 if dtype in (np.float32, np.complex64) else np.complex128


def eig(tensor, name=None):
    """``(e, v)`` eigenvalues and eigenvectors of general square matrices, always complex
    (complex64 for float32, complex128 for float64); no gradient."""
    x = _float_matrix(tensor, "linalg.eig")
    e, v = np.linalg.eig(x._value)
    c = _complex_of(x._value.dtype)
    return A.constant(e.astype(c)), A.constant(v.astype(c))


def eigvals(tensor, name=None):
    """Eigenvalues of general square matrices (complex); no gradient."""
    x = _float_matrix(tensor, "linalg.eigvals")
    e = np.linalg.eigvals(x._value)
    return A.constant(e.astype(_complex_of(x._value.dtype)))


# Padé [13/13] coefficients of exp (Higham's scaling and squaring), and the 1-norm bound
# up to which that approximant is accurate to double precision.
_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0,
           1187353796428800.0, 129060195264000.0, 10559470521600.0, 670442572800.0,
           33522128640.0, 1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_THETA13 = 5.371920351148152


def expm(input, name=None):
    """Matrix exponential by scaling and squaring with a Padé [13/13] approximant, built
    from matmul and solve (so tapes differentiate it)."""
    M = _m()
    x = _float_matrix(input, "linalg.expm")
    n = x._value.shape[-1]
    if n == 0 or x._value.size == 0:
        return x
    norm1 = float(np.max(np.abs(x._value).sum(axis=-2))) if x._value.size else 0.0
    s = 0 if not np.isfinite(norm1) or norm1 <= _THETA13 else \
        int(np.ceil(np.log2(norm1 / _THETA13)))
    dt = x._value.dtype

    def c(v):
        return A.constant(np.asarray(v, dt))
    a = M.multiply(x, c(2.0 ** -s)) if s else x
    eye = A.broadcast_to(_eye_like(x), x._value.shape)
    b = _PADE13
    a2 = matmul(a, a)
    a4 = matmul(a2, a2)
    a6 = matmul(a4, a2)

    def lin(*terms):
        out = None
        for coef, t in terms:
            v = M.multiply(t, c(coef))
            out = v if out is None else M.add(out, v)
        return out
    u = matmul(a, M.add(matmul(a6, lin((b[13], a6), (b[11], a4), (b[9], a2))),
                        lin((b[7], a6), (b[5], a4), (b[3], a2), (b[1], eye))))
    v = M.add(matmul(a6, lin((b[12], a6), (b[10], a4), (b[8], a2))),
              lin((b[6], a6), (b[4], a4), (b[2], a2), (b[0], eye)))
    r = solve(M.subtract(v, u), M.add(v, u))
    for _ in range(s):
        r = matmul(r, r)
    return r
