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
