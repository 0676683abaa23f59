"""Symbolic tensors for the Functional API.

``keras.Input(shape=(64,))`` returns a ``KerasTensor``: a shape (batch axis ``None``) and a
dtype, no values.  Calling a layer on KerasTensors goes to ``symbolic_call``, which builds
the layer, works out the output shapes and records a ``Node`` linking inputs to outputs.
``Model(inputs, outputs)`` later walks these nodes.

Output shapes come from ``layer.compute_output_shape`` when the layer defines one;
otherwise the layer is run on small zero arrays (``infer_output_spec``): every unknown
dimension is set to 2 in one run and to 3 in another, and a dimension of the result that
differs between the runs is unknown (``None``).
"""
import itertools

import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.core.shape import TensorShape
from ndflow.core.tensor import Tensor

_ids = itertools.count(1)


class KerasHistory:
    __slots__ = ("layer", "node_index", "tensor_index")

    def __init__(self, layer, node_index, tensor_index):
        self.layer = layer
        self.node_index = node_index
        self.tensor_index = tensor_index

    @property
    def node(self):
        return self.layer._inbound_nodes[self.node_index]

    def __iter__(self):
        return iter((self.layer, self.node_index, self.tensor_index))


class KerasTensor:
    """A symbolic tensor: known shape (``None`` for unknown dimensions) and dtype."""

    def __init__(self, shape, dtype="float32", sparse=False, name=None):
        self._shape = tuple(None if d is None else int(d) for d in shape)
        self._dtype = _dt.as_dtype(dtype)
        self.sparse = bool(sparse)
        self.name = name or "keras_tensor_%d" % next(_ids)
        self._keras_history = None

    @property
    def shape(self):
        return TensorShape(self._shape)

    @property
    def dtype(self):
        return self._dtype

    @property
    def ndim(self):
        return len(self._shape)

    def get_shape(self):
        return self.shape

    @property
    def node(self):
        return None if self._keras_history is None else self._keras_history.node

    def __repr__(self):
        return "<KerasTensor shape=%s, dtype=%s, sparse=%s, name=%s>" % (
            self._shape, self._dtype.name, self.sparse, self.name)

    def __len__(self):
        raise TypeError("len() is not defined on a symbolic KerasTensor (shape %s). Use "
                        "x.shape[0] or keras.ops.shape(x)." % (self._shape,))

    def __bool__(self):
        raise TypeError(
            "A symbolic KerasTensor (shape %s) has no truth value: it holds no data while "
            "the model is being defined. Use Python control flow on concrete values inside "
            "a layer's call(), or write the condition with tensor ops." % (self._shape,))

    def __iter__(self):
        raise TypeError("Iterating over a symbolic KerasTensor is not allowed. Index it "
                        "(x[:, 0]) or write a Lambda layer.")

    def __array__(self, *args, **kwargs):
        raise TypeError(
            "A symbolic KerasTensor (shape %s) cannot be converted to a NumPy array: it only "
            "describes the input of a model being defined. Call the model on data "
            "(model(x) or model.predict(x)) to get values." % (self._shape,))

    __hash__ = object.__hash__

    # ---- operators: each becomes a small op layer in the graph ----
    def __add__(self, o):
        return _op(_ops().add, "add", self, o)

    def __radd__(self, o):
        return _op(_ops().add, "add", o, self)

    def __sub__(self, o):
        return _op(_ops().subtract, "subtract", self, o)

    def __rsub__(self, o):
        return _op(_ops().subtract, "subtract", o, self)

    def __mul__(self, o):
        return _op(_ops().multiply, "multiply", self, o)

    def __rmul__(self, o):
        return _op(_ops().multiply, "multiply", o, self)

    def __truediv__(self, o):
        return _op(_ops().divide, "truediv", self, o)

    def __rtruediv__(self, o):
        return _op(_ops().divide, "truediv", o, self)

    def __pow__(self, o):
        return _op(_ops().pow, "pow", self, o)

    def __neg__(self):
        return _op(_ops().negative, "negative", self)

    def __abs__(self):
        return _op(_ops().abs, "abs", self)

    def __matmul__(self, o):
        from ndflow.ops.linalg_ops import matmul
        return _op(matmul, "matmul", self, o)

    def __rmatmul__(self, o):
        from ndflow.ops.linalg_ops import matmul
        return _op(matmul, "matmul", o, self)

    def __floordiv__(self, o):
        return _op(_ops().floordiv, "floordiv", self, o)

    def __mod__(self, o):
        return _op(_ops().floormod, "floormod", self, o)

    def __rpow__(self, o):
        return _op(_ops().pow, "pow", o, self)

    # ordering comparisons (== and != keep Python's identity, which graphs rely on)
    def __lt__(self, o):
        return _op(_ops().less, "less", self, o)

    def __le__(self, o):
        return _op(_ops().less_equal, "less_equal", self, o)

    def __gt__(self, o):
        return _op(_ops().greater, "greater", self, o)

    def __ge__(self, o):
        return _op(_ops().greater_equal, "greater_equal", self, o)

    def __getitem__(self, key):
        from ndflow.ops.array_ops import getitem
        return _op(getitem, "getitem", self, key)


def _ops():
    from ndflow.ops import math_ops
    return math_ops


def _op(fn, name, *args):
    return OpLayer(fn, name, op=("operator", name))(*args)


# ---- op layers: functions applied to KerasTensors, and how they are saved ----------------
#
# A config names an op layer's function by an allowed name only: one of the operators
# below, or a public ``keras.ops`` function.  Its constant arguments are plain values;
# slices, tuples, Ellipsis and NumPy arrays are encoded (``encode_constant``) so that the
# config stays JSON.  Nothing read from a file is ever imported or evaluated.

def _operators():
    from ndflow.ops import math_ops as M, array_ops as A, linalg_ops as L
    return {"add": M.add, "subtract": M.subtract, "multiply": M.multiply,
            "truediv": M.divide, "floordiv": M.floordiv, "floormod": M.floormod,
            "pow": M.pow, "negative": M.negative, "abs": M.abs, "matmul": L.matmul,
            "getitem": A.getitem, "less": M.less, "less_equal": M.less_equal,
            "greater": M.greater, "greater_equal": M.greater_equal}


def _keras_op(name):
    from ndflow.keras import ops
    fn = getattr(ops, name, None) if isinstance(name, str) and not name.startswith("_") \
        else None
    if fn is None or not getattr(fn, "_keras_op", False):
        raise ValueError("Cannot rebuild an op layer from its config: %r is not a keras.ops "
                         "function." % (name,))
    return fn


class _Unencodable(Exception):
    pass


def encode_constant(v, tensor_index=None):
    """A JSON-able form of an op layer's constant argument (``tensor_index`` maps the
    ids of KerasTensors to placeholders, for keras.ops layers).  Tuples and arrays use
    the markers of Keras' own configs (``__tuple__``, ``__numpy__``)."""
    import numpy as np
    if tensor_index is not None and isinstance(v, KerasTensor):
        return {"class_name": "__op_input__", "config": tensor_index[id(v)]}
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, np.generic):
        return v.item()
    if v is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    if isinstance(v, slice):
        return {"class_name": "__slice__", "config": {
            "start": encode_constant(v.start), "stop": encode_constant(v.stop),
            "step": encode_constant(v.step)}}
    if isinstance(v, tuple):
        return {"class_name": "__tuple__",
                "config": {"value": [encode_constant(x, tensor_index) for x in v]}}
    if isinstance(v, list):
        return [encode_constant(x, tensor_index) for x in v]
    if isinstance(v, dict) and all(isinstance(k, str) for k in v) and "class_name" not in v:
        return {k: encode_constant(x, tensor_index) for k, x in v.items()}
    if isinstance(v, np.ndarray) and v.dtype.kind in "biuf":
        return {"class_name": "__numpy__", "config": {"value": v.tolist(),
                                                      "dtype": v.dtype.name}}
    if hasattr(v, "_np") and hasattr(v, "name"):   # an ndflow DType
        return v.name
    raise _Unencodable(type(v).__name__)


def decode_constant(v, tensors=None):
    """Inverse of ``encode_constant`` (``tensors``: the values of the placeholders)."""
    import numpy as np
    if isinstance(v, list):
        return [decode_constant(x, tensors) for x in v]
    if isinstance(v, tuple):   # already decoded by the config reader
        return tuple(decode_constant(x, tensors) for x in v)
    if not isinstance(v, dict):
        return v
    kind, c = v.get("class_name"), v.get("config")
    if kind == "__op_input__" and tensors is not None:
        return tensors[c]
    if kind == "__ellipsis__":
        return Ellipsis
    if kind == "__slice__":
        return slice(decode_constant(c["start"]), decode_constant(c["stop"]),
                     decode_constant(c["step"]))
    if kind == "__tuple__":
        return tuple(decode_constant(x, tensors) for x in c["value"])
    if kind == "__numpy__":
        dtype = np.dtype(str(c["dtype"]))
        if dtype.kind not in "biuf":
            raise ValueError("An op layer's saved array has dtype %r; only numeric arrays "
                             "can be loaded." % dtype.name)
        return np.asarray(c["value"], dtype=dtype)
    return {k: decode_constant(x, tensors) for k, x in v.items()}


def _make_op_layer_class():
    from ndflow.keras.engine.layer import Layer

    class OpLayer(Layer):
        """Wraps one tensor function applied to KerasTensors (``x + 1``, ``x[:, 0]``,
        ``keras.ops.mean(x, axis=1)``).  ``op`` names the function for saving:
        ``("operator", name)`` (called with the node's arguments) or ``("keras.ops",
        name)`` with ``arguments`` = the encoded (args, kwargs) whose KerasTensor
        placeholders are filled from the list of tensors the node passes."""

        def __init__(self, function=None, op_name="op", op=None, arguments=None, **kwargs):
            from ndflow.keras.engine import naming
            op_name = op[1] if op is not None else op_name
            kwargs.setdefault("name", naming.unique_name("tf_op_" + op_name))
            super().__init__(**kwargs)
            self.op = None if op is None else tuple(op)
            self.arguments = arguments
            if function is None:
                function = self._rebuild_function()
            self.function = function
            self.op_name = op_name

        def _rebuild_function(self):
            if self.op is None or len(self.op) != 2:
                raise ValueError("Cannot rebuild op layer %r: its config names no op."
                                 % self.name)
            kind, name = self.op
            if kind == "operator":
                fn = _operators().get(name)
                if fn is None:
                    raise ValueError("Cannot rebuild op layer %r: unknown operator %r."
                                     % (self.name, name))
                return fn
            if kind == "keras.ops":
                fn = _keras_op(name)
                args, kwargs = self.arguments

                def call(tensors):
                    return fn(*decode_constant(args, tensors),
                              **decode_constant(kwargs, tensors))
                return call
            raise ValueError("Cannot rebuild op layer %r: unknown op kind %r."
                             % (self.name, kind))

        def call(self, *args):
            return self.function(*args)

        def _autocast_inputs(self):
            return False

        def get_config(self):
            if self.op is None or (self.op[0] == "keras.ops" and self.arguments is None):
                raise NotImplementedError(
                    "Layer %r applies %s to a symbolic tensor with arguments that cannot be "
                    "written to a config. Write the operation as a Layer subclass (or a "
                    "Lambda layer) to save the model." % (self.name, self.op_name))
            config = super().get_config()
            config.update({"op": list(self.op), "arguments": self.arguments})
            return config

    return OpLayer


_op_layer_cls = []


def op_layer_class():
    """The op layer class (made on first use: it subclasses Layer)."""
    if not _op_layer_cls:
        _op_layer_cls.append(_make_op_layer_class())
    return _op_layer_cls[0]


def OpLayer(fn, name, op=None, arguments=None):
    return op_layer_class()(fn, name, op=op, arguments=arguments)


# ---- structure helpers ---------------------------------------------------------------

def flatten(x):
    """Leaves of a nested list/tuple/dict structure, in order."""
    if isinstance(x, (list, tuple)):
        out = []
        for v in x:
            out.extend(flatten(v))
        return out
    if isinstance(x, dict):
        out = []
        for k in x:
            out.extend(flatten(x[k]))
        return out
    return [x]


def map_structure(fn, x):
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return type(x)(*[map_structure(fn, v) for v in x])
    if isinstance(x, (list, tuple)):
        return type(x)(map_structure(fn, v) for v in x)
    if isinstance(x, dict):
        return type(x)((k, map_structure(fn, v)) for k, v in x.items())
    return fn(x)


def shape_structure(x):
    """Shapes (tuples with None) of the KerasTensors/Tensors in a structure."""
    def one(v):
        if isinstance(v, KerasTensor):
            return v._shape
        if isinstance(v, Tensor):
            return tuple(v._value.shape)
        s = getattr(v, "shape", None)
        return tuple(s) if s is not None else None
    return map_structure(one, x)


# ---- symbolic call ---------------------------------------------------------------------

def _zeros_like_spec(kt, size):
    shape = tuple(size if d is None else d for d in kt._shape)
    t = Tensor.__new__(Tensor)
    t._value = np.zeros(shape, dtype=kt._dtype._np)
    return t


def _concrete_outputs(layer, args, kwargs, size):
    """Run ``layer`` on zeros standing in for the KerasTensors (unknown dims -> size)."""
    from ndflow.core.engine import _Pause
    from ndflow.keras.engine.layer import _call_params

    def sub(v):
        return _zeros_like_spec(v, size) if isinstance(v, KerasTensor) else v

    cargs = map_structure(sub, list(args))
    ckwargs = {k: map_structure(sub, v) for k, v in kwargs.items()}
    if "training" in _call_params(type(layer).call) or "training" in ckwargs:
        ckwargs["training"] = False
    with _Pause():
        out = layer(*cargs, **ckwargs)
    layer._clear_call_losses()
    return out


def _has_unknown(args, kwargs):
    for v in flatten(list(args)) + flatten(list(kwargs.values())):
        if isinstance(v, KerasTensor) and None in v._shape:
            return True
    return False


def infer_output_spec(layer, args, kwargs):
    """Output structure of ``_Spec`` leaves (shape, dtype) found by running on zeros."""
    out2 = _concrete_outputs(layer, args, kwargs, 2)
    if _has_unknown(args, kwargs):
        out3 = _concrete_outputs(layer, args, kwargs, 3)
    else:
        out3 = out2
    flat2, flat3 = flatten(out2), flatten(out3)
    specs = []
    for a, b in zip(flat2, flat3):
        if not isinstance(a, Tensor):
            specs.append(None)
            continue
        sa, sb = a._value.shape, b._value.shape
        if len(sa) != len(sb):
            shape = tuple([None] * len(sa))
        else:
            shape = tuple(x if x == y else None for x, y in zip(sa, sb))
        specs.append(_Spec(shape, a.dtype.name))
    it = iter(specs)
    return map_structure(lambda _: next(it), out2)


class _Spec:
    __slots__ = ("shape", "dtype")

    def __init__(self, shape, dtype):
        self.shape = shape
        self.dtype = dtype


def _input_kts(layer, input_shape):
    dtype = layer.dtype if layer._autocast_inputs() else "float32"
    if isinstance(input_shape, dict):
        return {k: _input_kts(layer, s) for k, s in input_shape.items()}
    if isinstance(input_shape, TensorShape):
        input_shape = tuple(input_shape)
    if _is_shape(input_shape):
        return KerasTensor(tuple(input_shape), dtype=dtype)
    return [_input_kts(layer, s) for s in input_shape]


def infer_output_shape(layer, input_shape):
    """Default ``compute_output_shape``: run the layer on zeros of ``input_shape``."""
    spec = infer_output_spec(layer, (_input_kts(layer, input_shape),), {})
    return map_structure(lambda s: None if s is None else s.shape, spec)


def _overrides_compute_output_shape(layer):
    from ndflow.keras.engine.layer import Layer
    fn = getattr(type(layer), "compute_output_shape", None)
    return fn is not None and fn is not Layer.compute_output_shape


def symbolic_call(layer, args, kwargs):
    """Call ``layer`` on KerasTensors: build it, infer the outputs, record a Node."""
    from ndflow.keras.engine.node import Node
    args = tuple(args)
    inputs = args[0] if args else None
    if not layer.built:
        layer._maybe_build_symbolic(shape_structure(inputs))
    layer._check_input_symbolic(inputs)
    outputs = None
    if _overrides_compute_output_shape(layer) and len(args) == 1 and not any(
            isinstance(v, KerasTensor) for v in flatten(list(kwargs.values()))):
        try:
            out_shape = layer.compute_output_shape(shape_structure(inputs))
        except NotImplementedError:
            out_shape = None
        if out_shape is not None:
            outputs = _shapes_to_kts(out_shape, layer.compute_dtype)
    if outputs is None:
        spec = infer_output_spec(layer, args, kwargs)
        outputs = map_structure(
            lambda s: None if s is None else KerasTensor(s.shape, dtype=s.dtype), spec)
    Node(layer, args, kwargs, outputs)
    return outputs


def _is_shape(s):
    return isinstance(s, (tuple, list, TensorShape)) and all(
        d is None or isinstance(d, (int, np.integer)) for d in s)


def _shapes_to_kts(shape, dtype):
    if isinstance(shape, TensorShape):
        shape = tuple(shape)
    if _is_shape(shape):
        return KerasTensor(tuple(shape), dtype=dtype)
    if isinstance(shape, dict):
        return {k: _shapes_to_kts(v, dtype) for k, v in shape.items()}
    return [_shapes_to_kts(s, dtype) for s in shape]
