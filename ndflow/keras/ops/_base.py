"""What every ``keras.ops`` function shares: Keras 3's dtype rules, argument conversion,
and the route for symbolic calls.

Dtypes.  Keras ops follow NumPy-style promotion on a lattice (like JAX's): ``bool`` is at
the bottom, then a "weak" Python ``int``, the unsigned and signed integer chains (an
unsigned type meets a signed one in the next wider signed type), a "weak" Python
``float`` above the largest integers, then the float chain and the complex types.  Two
dtypes combine into their lowest common upper bound; a result that is still weak becomes
``int32`` or ``floatx()``.  So ``int32 + 1`` is int32, ``int8 + 1.5`` is float32,
``float16 + 1.5`` is float16 and ``uint8 * int8`` is int16.

Symbolic calls.  When an argument holds a ``KerasTensor`` (a Functional model is being
defined), the function is not run: :func:`symbolic_apply` wraps it in an op layer (the
mechanism the ``KerasTensor`` operators use), works out the output shapes and dtypes by
running it on stand-in values, and records a ``Node`` so that the model replays the call
on real data.
"""
import functools

import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.core.tensor import Tensor, convert_to_tensor
from ndflow.core.errors import InvalidArgumentError
from ndflow.ops import math_ops as M

__all__ = []

# ---- dtypes ------------------------------------------------------------------------------

# each type -> the types directly above it; "int" and "float" are Python's weak scalars
_UP = {
    "bool": ("int",),
    "int": ("uint8", "int8"),
    "uint8": ("uint16", "int16"),
    "uint16": ("uint32", "int32"),
    "uint32": ("uint64", "int64"),
    "uint64": ("float",),
    "int8": ("int16",),
    "int16": ("int32",),
    "int32": ("int64",),
    "int64": ("float",),
    "float": ("float16", "bfloat16", "complex"),
    "bfloat16": ("float32",),
    "float16": ("float32",),
    "float32": ("float64", "complex64"),
    "float64": ("complex128",),
    "complex": ("complex64",),
    "complex64": ("complex128",),
    "complex128": (),
}


def _closure(t):
    seen = {t}
    todo = [t]
    while todo:
        for u in _UP[todo.pop()]:
            if u not in seen:
                seen.add(u)
                todo.append(u)
    return frozenset(seen)


_ABOVE = {t: _closure(t) for t in _UP}
_lub_cache = {}


def _lub(a, b):
    key = (a, b)
    r = _lub_cache.get(key)
    if r is None:
        common = _ABOVE[a] & _ABOVE[b]
        # the common upper bound that every other one lies above
        r = next(c for c in common if common <= _ABOVE[c])
        _lub_cache[key] = r
    return r


def floatx():
    return _dt.floatx()


def standardize_dtype(dtype):
    """A dtype (string, DType, NumPy dtype or Python type) as Keras' name, e.g. 'float32'."""
    if dtype is None:
        return floatx()
    if dtype is int:
        return "int32"
    if dtype is float:
        return floatx()
    if dtype is bool:
        return "bool"
    if isinstance(dtype, str) and dtype in ("int", "float"):
        return "int32" if dtype == "int" else floatx()
    name = getattr(dtype, "name", None)
    if isinstance(name, str) and not isinstance(dtype, np.dtype):
        dtype = name
    try:
        return _dt.as_dtype(dtype).name
    except (TypeError, ValueError):
        raise ValueError("keras.ops: unknown dtype %r. Use a name such as 'float32', "
                         "'int32' or 'bool'." % (dtype,)) from None


def dtype_of(x):
    """Keras' dtype for a value; Python numbers give the weak types 'int' and 'float'."""
    if isinstance(x, Tensor):
        return x._value.dtype.name
    if isinstance(x, (bool, np.bool_)):
        return "bool"
    if isinstance(x, int):
        return "int"
    if isinstance(x, float):
        return "float"
    if isinstance(x, complex):
        return "complex"
    if isinstance(x, (np.ndarray, np.generic)):
        return _np_name(x.dtype)
    d = getattr(x, "dtype", None)
    if d is not None and not isinstance(x, (list, tuple)):
        return standardize_dtype(d)
    return tensor(x)._value.dtype.name


def _np_name(d):
    if d.kind in "US":
        return "string"
    if d.kind == "O":
        return "string"
    return d.name


def result_type(*dtypes):
    """The dtype Keras gives an op combining values of ``dtypes`` (names, Python types or
    the weak markers 'int'/'float')."""
    names = []
    for d in dtypes:
        if d is int:
            names.append("int")
        elif d is float:
            names.append("float")
        elif d is bool:
            names.append("bool")
        elif d in ("int", "float", "complex"):
            names.append(d)
        else:
            names.append(standardize_dtype(d))
    if not names:
        return floatx()
    r = names[0]
    for n in names[1:]:
        if n not in _ABOVE or r not in _ABOVE:
            if n != r:
                raise TypeError("keras.ops: cannot combine dtypes %s." % (names,))
            continue
        r = _lub(r, n)
    if r == "int":
        return "int32"
    if r == "float":
        return floatx()
    if r == "complex":
        return "complex64"
    return r


def is_float(name):
    return name.startswith("float") or name == "bfloat16"


def is_int(name):
    return name.startswith("int") or name.startswith("uint")


# ---- conversion --------------------------------------------------------------------------

def _default_array(x):
    """A nested list / Python scalar as an array with Keras' defaults (int32, floatx)."""
    a = np.asarray(x)
    if a.dtype.kind == "f":
        return a.astype(floatx())
    if a.dtype.kind in "iu" and a.dtype != np.int32 and not isinstance(x, np.ndarray):
        if a.size == 0 or (a.min() >= -2 ** 31 and a.max() < 2 ** 31):
            return a.astype(np.int32)
    if a.dtype.kind in "US":
        return a.astype(object)
    return a


def tensor(x, dtype=None):
    """``x`` as a Tensor: tensors and NumPy arrays keep their dtype, Python floats become
    ``floatx()``, ints int32; with ``dtype``, the result is cast to it."""
    if dtype is not None and not isinstance(x, Tensor):
        return cast(x, dtype)
    if isinstance(x, Tensor):
        t = x
    elif isinstance(x, np.ndarray):
        t = convert_to_tensor(x if x.dtype.kind not in "US" else x.astype(object))
    elif isinstance(x, np.generic):
        t = convert_to_tensor(np.asarray(x))
    elif isinstance(x, (list, tuple)) and any(isinstance(v, Tensor) for v in _leaves(x)):
        t = _pack(x)
    elif hasattr(x, "__array__") and not isinstance(x, (list, tuple)):
        t = convert_to_tensor(np.asarray(x))
    else:
        t = convert_to_tensor(_default_array(x))
    if dtype is not None:
        t = cast(t, dtype)
    return t


def _leaves(x):
    """The non-list, non-tuple items of a nested list/tuple ``x`` (``x`` itself otherwise),
    depth first."""
    if isinstance(x, (list, tuple)):
        for v in x:
            yield from _leaves(v)
    else:
        yield x


def _pack(values):
    """A nested list mixing tensors and numbers, stacked into one tensor (promoted)."""
    from ndflow.ops import array_ops as A
    items = [_pack(v) if isinstance(v, (list, tuple)) else v for v in values]
    dt = result_type(*[dtype_of(v) for v in items])
    return A.stack([tensor(v, dt) for v in items])


def cast(x, dtype):
    """``x`` (any value) as a tensor of ``dtype``; differentiable between float dtypes."""
    name = standardize_dtype(dtype)
    if not isinstance(x, Tensor):
        if isinstance(x, (list, tuple)) and any(isinstance(v, Tensor) for v in _leaves(x)):
            x = _pack(x)
        else:
            arr = np.asarray(x)
            if arr.dtype.kind in "US":
                arr = arr.astype(object)
            return convert_to_tensor(arr.astype(_dt.as_dtype(name)._np))
    if x._value.dtype.name == name:
        return x
    return M.cast(x, name)


def promote(*xs, extra=()):
    """Convert ``xs`` to tensors of their common Keras dtype (with ``extra`` dtypes, such
    as ``float`` for ops whose result is always floating point)."""
    dt = result_type(*([dtype_of(x) for x in xs] + list(extra)))
    return [cast(x, dt) for x in xs]


def float_tensor(x):
    """``x`` as a tensor; integers and bools are cast to ``floatx()`` (int64 as well), the
    result dtype of Keras' floating-point functions."""
    x = tensor(x)
    name = x._value.dtype.name
    if is_float(name) or name.startswith("complex"):
        return x
    return cast(x, result_type(name, float))


def ndarray(x):
    """The NumPy value of ``x`` (for the index and shape arguments ops read on the host)."""
    if isinstance(x, Tensor):
        return x._value
    return np.asarray(x)


def axis_tuple(axis, ndim, opname):
    """``axis`` (None, an int or a sequence) as a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, Tensor):
        axis = axis._value.tolist()
    if isinstance(axis, (list, tuple)):
        axes = [int(a) for a in axis]
    else:
        axes = [int(axis)]
    out = []
    for a in axes:
        if not -ndim <= a < max(ndim, 1):
            raise ValueError("keras.ops.%s: axis %d is out of range for a tensor of rank %d "
                             "(valid: %d to %d)." % (opname, a, ndim, -ndim, ndim - 1))
        a = a % ndim if ndim else 0
        if a in out:
            raise ValueError("keras.ops.%s: axis %d is repeated in %r." % (opname, a, axis))
        out.append(a)
    return tuple(sorted(out))


def one_axis(axis, ndim, opname):
    (a,) = axis_tuple(int(axis), ndim, opname)
    return a


def check_float(x, opname):
    name = x._value.dtype.name
    if not is_float(name):
        raise InvalidArgumentError(
            "keras.ops.%s expects a floating-point tensor, got dtype %s. Cast first: "
            "keras.ops.cast(x, 'float32')." % (opname, name))
    return x


# ---- symbolic calls ----------------------------------------------------------------------

def _kt_class():
    from ndflow.keras.engine.keras_tensor import KerasTensor
    return KerasTensor


_KT = []


def _is_kt(v):
    if not _KT:
        _KT.append(_kt_class())
    kt = _KT[0]
    if isinstance(v, kt):
        return True
    if type(v) in (list, tuple):
        for e in v:
            if _is_kt(e):
                return True
    elif type(v) is dict:
        for e in v.values():
            if _is_kt(e):
                return True
    return False


def keras_op(fn):
    """Decorator: run ``fn`` eagerly, or record it in the graph when an argument is a
    KerasTensor."""
    name = fn.__name__

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        for a in args:
            if type(a) is not Tensor and _is_kt(a):
                return symbolic_apply(fn, name, args, kwargs)
        if kwargs:
            for a in kwargs.values():
                if type(a) is not Tensor and _is_kt(a):
                    return symbolic_apply(fn, name, args, kwargs)
        return fn(*args, **kwargs)
    wrapper._keras_op = True
    return wrapper


def _stand_in(kt, size, fill):
    shape = tuple(size if d is None else d for d in kt._shape)
    np_dtype = kt._dtype._np
    if fill == "zeros":
        value = np.zeros(shape, dtype=np_dtype)
    elif len(shape) >= 2:
        value = np.broadcast_to(np.eye(shape[-2], shape[-1]), shape).astype(np_dtype)
    else:
        value = np.ones(shape, dtype=np_dtype)
    t = Tensor.__new__(Tensor)
    t._value = value
    return t


def _run_on_stand_ins(call, kts, size, fill):
    from ndflow.core.engine import _Pause
    with _Pause(), np.errstate(all="ignore"):
        return call([_stand_in(k, size, fill) for k in kts])


def _infer_outputs(call, kts, name):
    from ndflow.keras.engine.keras_tensor import KerasTensor, flatten, map_structure
    sizes = (2, 3) if any(None in k._shape for k in kts) else (2,)
    first_error = None
    for fill in ("zeros", "eye"):
        try:
            runs = [_run_on_stand_ins(call, kts, s, fill) for s in sizes]
            break
        except Exception as e:  # noqa: BLE001  (a stand-in the op rejects: try the next)
            if first_error is None:
                first_error = e
    else:
        raise type(first_error)(
            "keras.ops.%s on symbolic inputs %s: %s" % (
                name, [k._shape for k in kts], first_error)) from first_error
    flats = [flatten(r) for r in runs]
    specs = []
    for i, a in enumerate(flats[0]):
        if not isinstance(a, Tensor):
            specs.append(a)
            continue
        shapes = [f[i]._value.shape for f in flats]
        if any(len(s) != len(shapes[0]) for s in shapes):
            shape = (None,) * len(shapes[0])
        else:
            shape = tuple(d if all(s[j] == d for s in shapes) else None
                          for j, d in enumerate(shapes[0]))
        specs.append(KerasTensor(shape, dtype=a._value.dtype.name))
    it = iter(specs)
    return map_structure(lambda _: next(it), runs[0])


def symbolic_apply(fn, name, args, kwargs):
    """Record ``fn(*args, **kwargs)`` on KerasTensors as an op layer of the Functional graph;
    returns KerasTensors of the inferred shapes and dtypes."""
    from ndflow.keras.engine.keras_tensor import (KerasTensor, OpLayer, map_structure,
                                                  shape_structure, encode_constant,
                                                  _Unencodable)
    from ndflow.keras.engine.node import Node
    kts = []
    seen = set()

    def collect(v):
        if isinstance(v, KerasTensor) and id(v) not in seen:
            seen.add(id(v))
            kts.append(v)
        return v

    for a in args:
        map_structure(collect, a)
    for v in kwargs.values():
        map_structure(collect, v)
    positions = {id(k): i for i, k in enumerate(kts)}

    def call(tensors):
        def sub(v):
            return tensors[positions[id(v)]] if isinstance(v, KerasTensor) else v
        return fn(*[map_structure(sub, a) for a in args],
                  **{k: map_structure(sub, v) for k, v in kwargs.items()})

    try:   # what a config needs to rebuild the call (None: not savable)
        index = {id(k): i for i, k in enumerate(kts)}
        arguments = ([encode_constant(a, index) for a in args],
                     {k: encode_constant(v, index) for k, v in kwargs.items()})
    except _Unencodable:
        arguments = None
    layer = OpLayer(call, name, op=("keras.ops", name), arguments=arguments)
    layer._maybe_build_symbolic(shape_structure(kts))
    outputs = _infer_outputs(call, kts, name)
    Node(layer, (kts,), {}, outputs)
    return outputs
