"""Python operators on Tensor (``a + b``, ``a[1:]``, ``a @ b`` ...), attached here because
the Tensor class lives in core, which may not import ops."""
from ndflow.core.tensor import Tensor
from ndflow.core.variable import Variable
from ndflow.ops import math_ops as M, array_ops as A, linalg_ops as L


def _r(fn):
    return lambda self, other: fn(other, self)


def install():
    T = Tensor
    T.__add__ = lambda s, o: M.add(s, o)
    T.__radd__ = _r(M.add)
    T.__sub__ = lambda s, o: M.subtract(s, o)
    T.__rsub__ = _r(M.subtract)
    T.__mul__ = lambda s, o: M.multiply(s, o)
    T.__rmul__ = _r(M.multiply)
    T.__truediv__ = lambda s, o: M.divide(s, o)
    T.__rtruediv__ = _r(M.divide)
    T.__floordiv__ = lambda s, o: M.floordiv(s, o)
    T.__rfloordiv__ = _r(M.floordiv)
    T.__mod__ = lambda s, o: M.floormod(s, o)
    T.__rmod__ = _r(M.floormod)
    T.__pow__ = lambda s, o: M.pow(s, o)
    T.__rpow__ = _r(M.pow)
    T.__matmul__ = lambda s, o: L.matmul(s, o)
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
    T.__lt__ = lambda s, o: M.less(s, o)
    T.__le__ = lambda s, o: M.less_equal(s, o)
    T.__gt__ = lambda s, o: M.greater(s, o)
    T.__ge__ = lambda s, o: M.greater_equal(s, o)
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
    try:
        return M.equal(s, o)
    except (TypeError, ValueError):
        return False


def _ne(s, o):
    if o is None:
        return True
    try:
        return M.not_equal(s, o)
    except (TypeError, ValueError):
        return True
