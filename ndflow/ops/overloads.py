"""Python operators on Tensor (``a + b``, ``a[1:]``, ``a @ b`` ...), attached here because
the Tensor class lives in core, which may not import ops."""
from ndflow.core.tensor import Tensor
from ndflow.core.variable import Variable
from ndflow.ops import math_ops as M, array_ops as A, linalg_ops as L


def _r(fn):
    return lambda self, other: fn(other, self)


def _defers(fn):
    """``a <op> b`` for a Tensor ``a``; NotImplemented when ``b``'s type handles the
    operator itself (``_ndflow_defer_ops``, e.g. RaggedTensor), so that Python calls
    ``b``'s reflected operator, as TensorFlow's dispatch does."""
    def op(s, o):
        if getattr(type(o), "_ndflow_defer_ops", False):
            return NotImplemented
        return fn(s, o)
    return op


def install():
    T = Tensor
    T.__add__ = _defers(M.add)
    T.__radd__ = _r(M.add)
    T.__sub__ = _defers(M.subtract)
    T.__rsub__ = _r(M.subtract)
    T.__mul__ = _defers(M.multiply)
    T.__rmul__ = _r(M.multiply)
    T.__truediv__ = _defers(M.divide)
    T.__rtruediv__ = _r(M.divide)
    T.__floordiv__ = _defers(M.floordiv)
    T.__rfloordiv__ = _r(M.floordiv)
    T.__mod__ = _defers(M.floormod)
    T.__rmod__ = _r(M.floormod)
    T.__pow__ = _defers(M.pow)
    T.__rpow__ = _r(M.pow)
    T.__matmul__ = _defers(L.matmul)
    T.__rmatmul__ = _r(L.matmul)
    T.__neg__ = lambda s: M.negative(s)
    T.__pos__ = lambda s: s
    T.__abs__ = lambda s: M.abs(s)
    T.__invert__ = _invert
    T.__and__ = lambda s, o: _logic(s, o, M.logical_and, M.bitwise_and)
    T.__rand__ = lambda s, o: _logic(o, s, M.logical_and, M.bitwise_and)
    T.__or__ = lambda s, o: _logic(s, o, M.logical_or, M.bitwise_or)
    T.__ror__ = lambda s, o: _logic(o, s, M.logical_or, M.bitwise_or)
    T.__xor__ = lambda s, o: _logic(s, o, M.logical_xor, M.bitwise_xor)
    T.__rxor__ = lambda s, o: _logic(o, s, M.logical_xor, M.bitwise_xor)
    T.__lt__ = _defers(M.less)
    T.__le__ = _defers(M.less_equal)
    T.__gt__ = _defers(M.greater)
    T.__ge__ = _defers(M.greater_equal)
    T.__eq__ = _eq
    T.__ne__ = _ne
    T.__getitem__ = A.getitem
    Variable.__getitem__ = A.variable_getitem
    # Python sets __hash__ = None when __eq__ is assigned in a class body only; keep TF's
    # rule (unhashable) explicitly.
    T.__hash__ = None
    Variable.__hash__ = None


def _invert(s):
    if s._value.dtype.kind == "b":
        return M.logical_not(s)
    return M.invert(s)


def _logic(a, b, logical, bitwise):
    from ndflow.ops._base import convert
    a = convert(a)
    if a._value.dtype.kind == "b":
        return logical(a, b)
    return bitwise(a, b)


def _eq(s, o):
    if o is None:
        return False
    if getattr(type(o), "_ndflow_defer_ops", False):
        return NotImplemented
    try:
        return M.equal(s, o)
    except (TypeError, ValueError):
        return False


def _ne(s, o):
    if o is None:
        return True
    if getattr(type(o), "_ndflow_defer_ops", False):
        return NotImplemented
    try:
        return M.not_equal(s, o)
    except (TypeError, ValueError):
        return True
