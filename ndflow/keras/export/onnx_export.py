"""Export a Keras model to ONNX, with the graph built here from the model's layers.

The model's layer graph (Sequential, Functional, or a subclassed model whose ``call`` can
be traced on symbolic inputs) is walked in execution order, and each layer becomes a few
ONNX nodes with its weights stored as initializers.  Tensors keep the Keras layout
(channels last); a convolution or pooling transposes to ONNX's channels-first layout
around its node and back, and ONNX Runtime's optimizer removes the transposes that cancel.
The batch dimension stays dynamic.  The result is an inference graph: dropout and noise
layers are identities and BatchNormalization uses its moving statistics.

The ``onnx`` package is needed (``pip install onnx``); it is imported on first use.
"""
import math

import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.keras.engine.keras_tensor import KerasTensor, flatten, map_structure

DEFAULT_OPSET = 17
MIN_OPSET = 13
_INT64_MAX = np.iinfo(np.int64).max
_INT64_MIN = np.iinfo(np.int64).min


class NotExportableError(NotImplementedError):
    """The model uses a layer (or a setting of one) that has no ONNX translation yet."""


def _require_onnx():
    try:
        import onnx
    except ImportError:
        raise ImportError(
            "Exporting a model to ONNX needs the 'onnx' package, which is not installed. "
            "Install it with `pip install onnx` (or `pip install 'ndflow[export]'`); "
            "`pip install onnxruntime` runs the exported file.") from None
    return onnx


def _np(var):
    return np.asarray(getattr(var, "_value", var))


def _fmt_shape(shape):
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


# ---- the graph under construction --------------------------------------------------------

class _Builder:
    """ONNX nodes and initializers, with unique names scoped by the current layer."""

    def __init__(self, onnx, opset):
        self.onnx = onnx
        self.helper = onnx.helper
        self.opset = opset
        self.nodes = []
        self.initializers = []
        self._used = set()
        self._consts = {}
        self.scope = ""

    def fresh(self, base):
        base = (self.scope + "/" + base) if self.scope else base
        name = base
        i = 1
        while name in self._used:
            name = "%s_%d" % (base, i)
            i += 1
        self._used.add(name)
        return name

    def const(self, value, base="const", dtype=None):
        arr = np.asarray(value, dtype=dtype)
        if arr.dtype == np.float64:
            arr = arr.astype(np.float32)
        arr = np.ascontiguousarray(arr)
        key = None
        if arr.size <= 16:
            key = (arr.dtype.str, arr.shape, arr.tobytes())
            if key in self._consts:
                return self._consts[key]
        name = self.fresh(base)
        self.initializers.append(self.onnx.numpy_helper.from_array(arr, name))
        if key is not None:
            self._consts[key] = name
        return name

    def ints(self, values, base="ints"):
        return self.const(np.asarray(list(values), dtype=np.int64), base)

    def op(self, op_type, inputs, n_out=1, base=None, **attrs):
        outs = [self.fresh(base or op_type) for _ in range(n_out)]
        attrs = {k: v for k, v in attrs.items() if v is not None}
        self.nodes.append(self.helper.make_node(op_type, list(inputs), outs,
                                                name=self.fresh((base or op_type) + "_node"),
                                                **attrs))
        return outs[0] if n_out == 1 else outs

    # small helpers over opset differences
    def reduce(self, op_type, x, axes, keepdims=True):
        axes = [int(a) for a in axes]
        if op_type == "ReduceSum" or self.opset >= 18:
            return self.op(op_type, [x, self.ints(axes, "axes")], keepdims=int(keepdims))
        return self.op(op_type, [x], axes=axes, keepdims=int(keepdims))

    def transpose(self, x, perm):
        perm = [int(p) for p in perm]
        if perm == list(range(len(perm))):
            return x
        return self.op("Transpose", [x], perm=perm)

    def squeeze(self, x, axes):
        return self.op("Squeeze", [x, self.ints(axes, "axes")])

    def unsqueeze(self, x, axes):
        return self.op("Unsqueeze", [x, self.ints(axes, "axes")])

    def slice(self, x, starts, ends, axes, steps=None):
        ins = [x, self.ints(starts, "starts"), self.ints(ends, "ends"), self.ints(axes, "axes")]
        if steps is not None:
            ins.append(self.ints(steps, "steps"))
        return self.op("Slice", ins)

    def reverse_time(self, x):
        """Reverse axis 1 (the time axis of a (batch, time, features) tensor)."""
        return self.slice(x, [-1], [_INT64_MIN], [1], [-1])

    def scalar(self, value, base="scalar"):
        return self.const(np.asarray(value, dtype=np.float32), base)


# ---- activations -----------------------------------------------------------------------------

def _activation_table():
    from ndflow.keras import activations as A
    return {
        A.linear: "linear", A.relu: "relu", A.sigmoid: "sigmoid", A.tanh: "tanh",
        A.softmax: "softmax", A.log_softmax: "log_softmax", A.elu: "elu", A.selu: "selu",
        A.softplus: "softplus", A.softsign: "softsign", A.silu: "silu", A.gelu: "gelu",
        A.exponential: "exponential", A.hard_sigmoid: "hard_sigmoid",
        A.hard_silu: "hard_silu", A.leaky_relu: "leaky_relu", A.relu6: "relu6",
        A.mish: "mish",
    }


def _activation_name(fn):
    for f, name in _activation_table().items():
        if f is fn:
            return name
    return None


def _apply_named_activation(b, name, x):
    if name == "linear":
        return x
    if name == "relu":
        return b.op("Relu", [x])
    if name == "sigmoid":
        return b.op("Sigmoid", [x])
    if name == "tanh":
        return b.op("Tanh", [x])
    if name == "softmax":
        return b.op("Softmax", [x], axis=-1)
    if name == "log_softmax":
        return b.op("LogSoftmax", [x], axis=-1)
    if name == "elu":
        return b.op("Elu", [x], alpha=1.0)
    if name == "selu":
        from ndflow.keras import activations as A
        return b.op("Selu", [x], alpha=float(A._SELU_ALPHA), gamma=float(A._SELU_SCALE))
    if name == "softplus":
        return b.op("Softplus", [x])
    if name == "softsign":
        return b.op("Softsign", [x])
    if name == "silu":
        return b.op("Mul", [x, b.op("Sigmoid", [x])])
    if name == "gelu":
        # x / 2 * (1 + erf(x / sqrt(2)))  (Keras' default, approximate=False)
        e = b.op("Erf", [b.op("Mul", [x, b.scalar(1.0 / math.sqrt(2.0))])])
        return b.op("Mul", [b.op("Mul", [x, b.scalar(0.5)]), b.op("Add", [e, b.scalar(1.0)])])
    if name == "exponential":
        return b.op("Exp", [x])
    if name == "hard_sigmoid":
        return b.op("HardSigmoid", [x], alpha=1.0 / 6.0, beta=0.5)
    if name == "hard_silu":
        return b.op("Mul", [x, b.op("HardSigmoid", [x], alpha=1.0 / 6.0, beta=0.5)])
    if name == "leaky_relu":
        return b.op("LeakyRelu", [x], alpha=0.2)
    if name == "relu6":
        return b.op("Clip", [x, b.scalar(0.0), b.scalar(6.0)])
    if name == "mish":
        return b.op("Mul", [x, b.op("Tanh", [b.op("Softplus", [x])])])
    raise AssertionError(name)


# ---- converting the layer graph -----------------------------------------------------------

class _Converter:
    def __init__(self, builder):
        self.b = builder
        self.values = {}     # id(KerasTensor) -> ONNX tensor name
        self.masked = set()  # ids of KerasTensors that carry a Keras mask
        self._traced = []    # (layer, inbound count, outbound count) to restore after tracing

    # -- errors
    def not_exportable(self, layer, what=None):
        if what is None:
            from ndflow.keras.export import SUPPORTED_LAYERS
            raise NotExportableError(
                "Cannot export the model to ONNX: layer %r (%s) is not exportable yet: the "
                "ONNX export has no translation for %s layers. Exportable layers: %s. Replace "
                "or remove this layer, or save the model with model.save() instead."
                % (layer.name, type(layer).__name__, type(layer).__name__,
                   ", ".join(SUPPORTED_LAYERS)))
        raise NotExportableError("Cannot export the model to ONNX: layer %r (%s) is not "
                                 "exportable: %s." % (layer.name, type(layer).__name__, what))

    # -- activation functions (a function, or a layer used as activation=)
    def activation(self, fn, x, layer):
        from ndflow.keras.engine.layer import Layer
        if fn is None:
            return x
        if isinstance(fn, Layer):
            conv = _lookup(fn)
            if conv is None:
                self.not_exportable(layer, "its activation layer %s has no ONNX translation"
                                    % type(fn).__name__)
            return conv(self, fn, None, x)
        name = _activation_name(fn)
        if name is None:
            self.not_exportable(
                layer, "its activation %r is a custom function; exportable activations are "
                "%s" % (getattr(fn, "__name__", fn),
                        ", ".join(sorted(set(_activation_table().values())))))
        return _apply_named_activation(self.b, name, x)

    # -- graph walking
    def run_nodes(self, nodes):
        for node in nodes:
            self.convert_node(node)

    def convert_node(self, node):
        from ndflow.keras.engine.functional import Functional
        from ndflow.keras.engine.model import Model
        layer = node.layer
        for t in node.input_tensors:
            if id(t) not in self.values:
                raise NotExportableError(
                    "Cannot export the model to ONNX: layer %r uses the symbolic tensor %s, "
                    "which the exported graph does not compute (a tensor coming from outside "
                    "the model's inputs)." % (layer.name, t.name))
        extra = list(node.call_args[1:]) + [
            v for k, v in node.call_kwargs.items() if k not in ("training",)]
        if type(layer).__name__ != "OpLayer" and any(
                isinstance(v, KerasTensor) for v in flatten(extra)):
            keys = [k for k, v in node.call_kwargs.items() if any(
                isinstance(t, KerasTensor) for t in flatten([v]))]
            self.not_exportable(
                layer, "it is called with extra tensor arguments (%s); only the main input "
                "can be exported" % (", ".join(keys) or "positional arguments"))
        if node.call_kwargs.get("training") is True:
            self.not_exportable(
                layer, "it is called with training=True, so it behaves as in training even "
                "at inference (e.g. Monte Carlo dropout); an exported graph runs in "
                "inference mode")
        masked_in = any(id(t) in self.masked for t in node.input_tensors)
        if isinstance(layer, Functional) and layer._is_graph_network:
            outs = self.inline_functional(layer, node)
        elif type(layer).__name__ == "OpLayer":
            outs = [_op_layer(self, layer, node)]
        else:
            conv = _lookup(layer)
            builtin = type(layer).__module__.startswith("ndflow.")
            if conv is None and not builtin and (isinstance(layer, Model) or
                                                 layer.__dict__.get("_layers")):
                outs = self.inline_traced(layer, node)
            elif conv is None:
                self.not_exportable(layer)
            else:
                if masked_in and isinstance(layer, _mask_consumers()):
                    self.not_exportable(
                        layer, "it receives a Keras mask (from Embedding(mask_zero=True) or "
                        "Masking), and masked computations cannot be exported yet; build the "
                        "model with mask_zero=False / without Masking for export")
                ins = map_structure(lambda t: self.values[id(t)] if isinstance(
                    t, KerasTensor) else t, node.call_args[0] if node.call_args else None)
                if not getattr(conv, "keeps_dtype", False):
                    ins = self.as_float(ins, node)
                prev = self.b.scope
                self.b.scope = layer.name
                try:
                    res = conv(self, layer, node, ins)
                finally:
                    self.b.scope = prev
                outs = res if isinstance(res, list) else [res]
        if len(outs) != len(node.output_tensors):
            raise NotExportableError(
                "Cannot export the model to ONNX: layer %r produced %d tensors in the ONNX "
                "graph but %d in the Keras graph." % (layer.name, len(outs),
                                                      len(node.output_tensors)))
        for t, name in zip(node.output_tensors, outs):
            self.values[id(t)] = name
        out_masked = _makes_mask(layer) or (masked_in and getattr(layer, "supports_masking",
                                                                  False))
        for t in node.output_tensors:
            if out_masked:
                self.masked.add(id(t))
            else:
                self.masked.discard(id(t))

    def as_float(self, ins, node):
        """Cast integer inputs of a float layer to float32 (as the layer would)."""
        kts = [t for t in flatten(node.call_args[0] if node.call_args else [])
               if isinstance(t, KerasTensor)]
        casts = {}
        for t in kts:
            if t._dtype._np != np.float32:
                casts[self.values[id(t)]] = True
        if not casts:
            return ins

        def cast(name):
            if isinstance(name, str) and name in casts:
                return self.b.op("Cast", [name], to=self.b.onnx.TensorProto.FLOAT)
            return name
        return map_structure(cast, ins)

    def bind_inputs(self, inner_kts, outer_kts):
        """The inputs of an inlined model take the values (and masks) of the tensors it is
        called on."""
        for kt, outer in zip(inner_kts, outer_kts):
            self.values[id(kt)] = self.values[id(outer)]
            if id(outer) in self.masked:
                self.masked.add(id(kt))
            else:
                self.masked.discard(id(kt))

    def _outer_inputs(self, layer, node, n_inner, inner_nested=None):
        arg = node.call_args[0] if node.call_args else None
        if isinstance(arg, dict) and isinstance(inner_nested, dict):
            arg = [arg[k] for k in inner_nested]
        flat = [t for t in flatten(arg) if isinstance(t, KerasTensor)]
        if len(flat) != n_inner:
            self.not_exportable(layer, "it is called on %d tensors but has %d inputs"
                                % (len(flat), n_inner))
        return flat

    def inline_functional(self, model, node):
        outer = self._outer_inputs(model, node, len(model._flat_inputs), model._nested_inputs)
        self.bind_inputs(model._flat_inputs, outer)
        self.run_nodes(model._graph_nodes)
        return [self.values[id(t)] for t in model._flat_outputs]

    def inline_traced(self, layer, node):
        specs = [(t._shape, t._dtype.name) for t in flatten(node.call_args[0])
                 if isinstance(t, KerasTensor)]
        arg = node.call_args[0]
        structure = arg if isinstance(arg, (list, tuple, dict)) else None
        kts, outs, nodes = self.trace(layer, specs, structure)
        self.bind_inputs(kts, [t for t in flatten(arg) if isinstance(t, KerasTensor)])
        self.run_nodes(nodes)
        return [self.values[id(t)] for t in outs]

    def trace(self, layer, specs, structure=None):
        """Call ``layer.call`` on new KerasTensors, so the layers it calls record nodes."""
        from ndflow.keras.engine.model import Model
        kts = [KerasTensor(shape, dtype=dtype) for shape, dtype in specs]
        if isinstance(structure, dict):
            it = iter(kts)
            arg = {k: next(it) for k in structure}
        elif isinstance(structure, (list, tuple)):
            arg = list(kts)
        else:
            arg = kts[0]
        for sub in layer._flatten_layers():
            self._traced.append((sub, len(sub._inbound_nodes), len(sub._outbound_nodes)))
        kwargs = {"training": False} if layer._call_has_training else {}
        kind = "subclassed model" if isinstance(layer, Model) else "custom layer"
        if isinstance(layer, Model):
            fix = ("Build the model with the Sequential or Functional API (keras.Input(...) "
                   "and layer calls) to export it.")
        else:
            fix = ("Write the layer's call() with Keras layers (and + - * / on their "
                   "outputs), or build the model without this layer, to export it.")
        try:
            out = layer.call(arg, **kwargs)
        except NotExportableError:
            raise
        except Exception as e:
            raise NotExportableError(
                "Cannot export %s %r (%s) to ONNX: its call() could not be traced on "
                "symbolic inputs of shape %s (%s: %s). Only call() methods made of Keras layer "
                "calls and the operators + - * / on their results can be traced. %s"
                % (kind, layer.name, type(layer).__name__,
                   ", ".join(_fmt_shape(s) for s, _ in specs), type(e).__name__, e, fix)
            ) from e
        flat_out = flatten(out)
        if not flat_out or not all(isinstance(t, KerasTensor) for t in flat_out):
            raise NotExportableError(
                "Cannot export %s %r (%s) to ONNX: tracing its call() on symbolic inputs did "
                "not give symbolic outputs (got %r). %s" % (kind, layer.name,
                                                           type(layer).__name__, out, fix))
        nodes = _topological_nodes(kts, flat_out, layer, fix)
        return kts, flat_out, nodes

    def restore_traced(self):
        for sub, n_in, n_out in reversed(self._traced):
            del sub._inbound_nodes[n_in:]
            del sub._outbound_nodes[n_out:]
        self._traced = []


def _topological_nodes(input_kts, output_kts, owner, fix):
    input_ids = {id(t) for t in input_kts}
    nodes, seen = [], set()

    def visit(t):
        if id(t) in input_ids:
            return
        hist = t._keras_history
        if hist is None or hist.node.is_input:
            raise NotExportableError(
                "Cannot export %r to ONNX: the output of its call() depends on a tensor "
                "(%s) that does not come from its inputs. %s" % (owner.name, t.name, fix))
        node = hist.node
        if id(node) in seen:
            return
        seen.add(id(node))
        for parent in node.input_tensors:
            visit(parent)
        nodes.append(node)

    for t in output_kts:
        visit(t)
    return nodes


def _mask_consumers():
    from ndflow.keras.layers import recurrent, activation, merging, pooling
    return (recurrent.RNN, recurrent.Bidirectional, activation.Softmax, merging.Multiply,
            merging.Maximum, merging.Minimum, pooling.GlobalAveragePooling1D)


def _makes_mask(layer):
    from ndflow.keras.layers import embedding
    if isinstance(layer, embedding.Embedding):
        return layer.mask_zero
    return isinstance(layer, embedding.Masking)


# ---- layer converters ------------------------------------------------------------------------
# Each takes (converter, layer, node, inputs) -- inputs are ONNX names in the structure of
# the layer's first call argument -- and returns the output name (or a list of names).
# ``node`` is None when a layer is used as another layer's activation.

def _in_shape(node):
    if node is None:
        return None
    return node.input_tensors[0]._shape


def _out_shape(node):
    return node.output_tensors[0]._shape


def _identity(c, layer, node, x):
    return c.b.op("Identity", [x])


_identity.keeps_dtype = True


def _dense(c, layer, node, x):
    b = c.b
    y = b.op("MatMul", [x, b.const(_np(layer.kernel), "kernel")])
    if layer.use_bias:
        y = b.op("Add", [y, b.const(_np(layer.bias), "bias")])
    return c.activation(layer.activation, y, layer)


def _activation_layer(c, layer, node, x):
    return c.activation(layer.activation, x, layer)


def _softmax(c, layer, node, x):
    b = c.b
    if isinstance(layer.axis, (list, tuple)):
        lse = b.reduce("ReduceLogSumExp", x, layer.axis, keepdims=True)
        return b.op("Exp", [b.op("Sub", [x, lse])])
    return b.op("Softmax", [x], axis=int(layer.axis))


def _relu_layer(c, layer, node, x):
    b = c.b
    slope = float(layer.negative_slope or 0.0)
    mx = layer.max_value
    thr = float(layer.threshold or 0.0)
    if thr == 0.0:
        y = b.op("LeakyRelu", [x], alpha=slope) if slope else b.op("Relu", [x])
        if mx is not None:
            y = b.op("Min", [y, b.scalar(float(mx))])
        return y
    t = b.scalar(thr)
    zero = b.scalar(0.0)
    pos = b.op("Where", [b.op("Greater", [x, t]), x, zero])
    if mx is not None:
        pos = b.op("Min", [pos, b.scalar(float(mx))])
    if not slope:
        return pos
    neg = b.op("Mul", [b.op("Sub", [x, t]), b.scalar(slope)])
    return b.op("Where", [b.op("LessOrEqual", [x, t]), neg, pos])


def _leaky_relu_layer(c, layer, node, x):
    return c.b.op("LeakyRelu", [x], alpha=float(layer.negative_slope))


def _elu_layer(c, layer, node, x):
    return c.b.op("Elu", [x], alpha=float(layer.alpha))


def _prelu(c, layer, node, x):
    return c.b.op("PRelu", [x, c.b.const(_np(layer.alpha), "alpha")])


# -- shapes

def _flatten(c, layer, node, x):
    b = c.b
    shape = _in_shape(node)
    if layer.data_format == "channels_first" and len(shape) > 2:
        x = b.transpose(x, [0] + list(range(2, len(shape))) + [1])
    return b.op("Flatten", [x], axis=1)


_flatten.keeps_dtype = True


def _reshape(c, layer, node, x):
    out = _out_shape(node)
    target = [0] + [-1 if d is None else int(d) for d in out[1:]]
    if target.count(-1) > 1:
        c.not_exportable(layer, "the output shape %s has more than one unknown dimension"
                         % _fmt_shape(out))
    return c.b.op("Reshape", [x, c.b.ints(target, "shape")])


_reshape.keeps_dtype = True


def _permute(c, layer, node, x):
    return c.b.op("Transpose", [x], perm=[0] + [int(d) for d in layer.dims])


_permute.keeps_dtype = True


def _repeat_vector(c, layer, node, x):
    b = c.b
    return b.op("Tile", [b.unsqueeze(x, [1]), b.ints([1, layer.n, 1], "repeats")])


_repeat_vector.keeps_dtype = True


def _spatial_axes(rank, data_format):
    return list(range(2, rank + 2)) if data_format == "channels_first" else \
        list(range(1, rank + 1))


def _zero_padding(c, layer, node, x):
    n = layer.rank + 2
    begins, ends = [0] * n, [0] * n
    for a, (lo, hi) in zip(_spatial_axes(layer.rank, layer.data_format), layer.padding):
        begins[a], ends[a] = lo, hi
    return c.b.op("Pad", [x, c.b.ints(begins + ends, "pads")], mode="constant")


def _cropping(c, layer, node, x):
    axes = _spatial_axes(layer.rank, layer.data_format)
    starts = [lo for lo, _ in layer.cropping]
    ends = [(-hi if hi else _INT64_MAX) for _, hi in layer.cropping]
    return c.b.slice(x, starts, ends, axes)


_cropping.keeps_dtype = True


def _to_cf(b, x, rank):
    return b.transpose(x, [0, rank + 1] + list(range(1, rank + 1)))


def _to_cl(b, x, rank):
    return b.transpose(x, [0] + list(range(2, rank + 2)) + [1])


def _upsampling(c, layer, node, x):
    b = c.b
    rank = layer.rank
    cl = layer.data_format == "channels_last"
    if cl:
        x = _to_cf(b, x, rank)
    scales = b.const(np.asarray([1.0, 1.0] + [float(s) for s in layer.size], np.float32),
                     "scales")
    if layer.interpolation == "nearest":
        y = b.op("Resize", [x, "", scales], mode="nearest",
                 coordinate_transformation_mode="asymmetric", nearest_mode="floor")
    else:
        y = b.op("Resize", [x, "", scales], mode="linear",
                 coordinate_transformation_mode="half_pixel")
    return _to_cl(b, y, rank) if cl else y


# -- convolution and pooling

def _same_pads(spatial, kernel, strides, dilations):
    """Explicit (begin..., end...) pads of TensorFlow's 'same' padding, or None if a
    spatial size is unknown."""
    if any(n is None for n in spatial):
        return None
    begins, ends = [], []
    for n, k, s, d in zip(spatial, kernel, strides, dilations):
        k_eff = (k - 1) * d + 1
        out = -(-n // s)
        total = max((out - 1) * s + k_eff - n, 0)
        begins.append(total // 2)
        ends.append(total - total // 2)
    return begins + ends


def _pad_attrs(layer, spatial, kernel, strides, dilations):
    rank = len(kernel)
    if layer.padding == "valid":
        return {"pads": [0] * (2 * rank)}
    if layer.padding == "causal":
        return {"pads": [(kernel[0] - 1) * dilations[0], 0]}
    pads = _same_pads(spatial, kernel, strides, dilations)
    if pads is None:
        return {"auto_pad": "SAME_UPPER"}
    return {"pads": pads}


def _spatial(node, layer):
    shape = _in_shape(node)
    return shape[2:] if layer.data_format == "channels_first" else shape[1:-1]


def _conv_nodes(c, layer, node, x, body):
    """Run ``body(x_channels_first)`` in ONNX's layout, then the layer's activation."""
    b = c.b
    rank = layer.rank
    cl = layer.data_format == "channels_last"
    if cl:
        x = _to_cf(b, x, rank)
    y = body(x)
    if cl:
        y = _to_cl(b, y, rank)
    return c.activation(layer.activation, y, layer) if hasattr(layer, "activation") else y


def _conv(c, layer, node, x):
    b = c.b
    rank = layer.rank
    k = _np(layer.kernel)                                      # (*k, cin/groups, cout)
    w = b.const(k.transpose([rank + 1, rank] + list(range(rank))), "kernel")
    ins = [w] + ([b.const(_np(layer.bias), "bias")] if layer.use_bias else [])
    attrs = _pad_attrs(layer, _spatial(node, layer), layer.kernel_size, layer.strides,
                       layer.dilation_rate)
    return _conv_nodes(c, layer, node, x, lambda xc: b.op(
        "Conv", [xc] + ins, kernel_shape=list(layer.kernel_size), strides=list(layer.strides),
        dilations=list(layer.dilation_rate), group=int(layer.groups), **attrs))


def _depthwise_conv(b, layer, node, xc):
    rank = layer.rank
    k = _np(layer.depthwise_kernel)                            # (*k, cin, dm)
    cin, dm = k.shape[-2], k.shape[-1]
    w = k.reshape(k.shape[:rank] + (cin * dm,))
    w = w.transpose([rank] + list(range(rank)))[:, None]       # (cin*dm, 1, *k)
    attrs = _pad_attrs(layer, _spatial(node, layer), layer.kernel_size, layer.strides,
                       layer.dilation_rate)
    return [b.const(w, "depthwise_kernel")], dict(
        kernel_shape=list(layer.kernel_size), strides=list(layer.strides),
        dilations=list(layer.dilation_rate), group=int(cin), **attrs)


def _depthwise(c, layer, node, x):
    b = c.b
    ins, attrs = _depthwise_conv(b, layer, node, x)
    if layer.use_bias:
        ins.append(b.const(_np(layer.bias), "bias"))
    return _conv_nodes(c, layer, node, x, lambda xc: b.op("Conv", [xc] + ins, **attrs))


def _separable(c, layer, node, x):
    b = c.b
    rank = layer.rank
    ins, attrs = _depthwise_conv(b, layer, node, x)
    pk = _np(layer.pointwise_kernel)                           # (1.., cin*dm, filters)
    pw = b.const(pk.transpose([rank + 1, rank] + list(range(rank))), "pointwise_kernel")
    pins = [pw] + ([b.const(_np(layer.bias), "bias")] if layer.use_bias else [])

    def body(xc):
        y = b.op("Conv", [xc] + ins, **attrs)
        return b.op("Conv", [y] + pins, kernel_shape=[1] * rank)
    return _conv_nodes(c, layer, node, x, body)


def _conv_transpose(c, layer, node, x):
    b = c.b
    rank = layer.rank
    k = _np(layer.kernel)                                      # (*k, filters, cin)
    w = b.const(k.transpose([rank + 1, rank] + list(range(rank))), "kernel")
    ins = [w] + ([b.const(_np(layer.bias), "bias")] if layer.use_bias else [])
    sp_in = _spatial(node, layer)
    out = _out_shape(node)
    sp_out = out[2:] if layer.data_format == "channels_first" else out[1:-1]
    if any(d is None for d in tuple(sp_in) + tuple(sp_out)):
        c.not_exportable(layer, "its spatial input size must be known (got input shape %s)"
                         % _fmt_shape(_in_shape(node)))
    begins, ends, extra = [], [], []
    for n, m, kk, s, d in zip(sp_in, sp_out, layer.kernel_size, layer.strides,
                              layer.dilation_rate):
        k_eff = (kk - 1) * d + 1
        # the forward convolution of an output of size m gives n: pads as TensorFlow's
        total = 0 if layer.padding == "valid" else max((n - 1) * s + k_eff - m, 0)
        begins.append(total // 2)
        ends.append(total - total // 2)
        extra.append(m - ((n - 1) * s + k_eff - total))
    return _conv_nodes(c, layer, node, x, lambda xc: b.op(
        "ConvTranspose", [xc] + ins, kernel_shape=list(layer.kernel_size),
        strides=list(layer.strides), dilations=list(layer.dilation_rate),
        pads=begins + ends, output_padding=extra))


def _pooling(c, layer, node, x):
    b = c.b
    attrs = _pad_attrs(layer, _spatial(node, layer), layer.pool_size, layer.strides,
                       (1,) * layer.rank)
    if layer.kind == "MAX":
        return _conv_nodes(c, layer, node, x, lambda xc: b.op(
            "MaxPool", [xc], kernel_shape=list(layer.pool_size), strides=list(layer.strides),
            **attrs))
    return _conv_nodes(c, layer, node, x, lambda xc: b.op(
        "AveragePool", [xc], kernel_shape=list(layer.pool_size), strides=list(layer.strides),
        count_include_pad=0, **attrs))


def _global_pooling(c, layer, node, x):
    op = "ReduceMax" if layer.kind == "MAX" else "ReduceMean"
    return c.b.reduce(op, x, layer._axes(), keepdims=layer.keepdims)


# -- normalization

def _batch_norm(c, layer, node, x):
    b = c.b
    shape = tuple(layer._param_shape)

    def p(v):
        return np.asarray(_np(v), np.float32).reshape(shape)
    inv = (np.float32(1.0) / np.sqrt(p(layer.moving_variance) + np.float32(layer.epsilon))
           ).astype(np.float32)
    y = b.op("Sub", [x, b.const(p(layer.moving_mean), "moving_mean")])
    y = b.op("Mul", [y, b.const(inv, "inv_std")])
    if layer.gamma is not None:
        y = b.op("Mul", [y, b.const(p(layer.gamma), "gamma")])
    if layer.beta is not None:
        y = b.op("Add", [y, b.const(p(layer.beta), "beta")])
    return y


def _layer_norm(c, layer, node, x):
    b = c.b
    axes = list(layer._axes)
    nd = len(layer._param_shape)
    trailing = axes == list(range(axes[0], nd))
    if b.opset >= 17 and trailing and not layer.rms_scaling:
        # the LayerNormalization op normalizes over axes[0]..last; its scale is required
        shape = tuple(layer._param_shape[a] for a in axes)
        gamma = _np(layer.gamma) if layer.gamma is not None else np.ones(shape, np.float32)
        ins = [x, b.const(gamma, "gamma")]
        if layer.beta is not None:
            ins.append(b.const(_np(layer.beta), "beta"))
        return b.op("LayerNormalization", ins, axis=axes[0], epsilon=float(layer.epsilon))
    pshape = tuple(layer._param_shape)
    mean = b.reduce("ReduceMean", x, axes, keepdims=True)
    centered = b.op("Sub", [x, mean])
    var = b.reduce("ReduceMean", b.op("Mul", [centered, centered]), axes, keepdims=True)
    inv = b.op("Reciprocal", [b.op("Sqrt", [b.op("Add", [var, b.scalar(layer.epsilon)])])])
    if layer.rms_scaling:
        y = b.op("Mul", [x, inv])
        return b.op("Mul", [y, b.const(_np(layer.gamma).reshape(pshape), "gamma")])
    y = b.op("Mul", [centered, inv])
    if layer.gamma is not None:
        y = b.op("Mul", [y, b.const(_np(layer.gamma).reshape(pshape), "gamma")])
    if layer.beta is not None:
        y = b.op("Add", [y, b.const(_np(layer.beta).reshape(pshape), "beta")])
    return y


def _unit_norm(c, layer, node, x):
    b = c.b
    axes = layer.axis if isinstance(layer.axis, list) else [layer.axis]
    sq = b.reduce("ReduceSum", b.op("Mul", [x, x]), axes, keepdims=True)
    inv = b.op("Reciprocal", [b.op("Sqrt", [b.op("Max", [sq, b.scalar(1e-12)])])])
    return b.op("Mul", [x, inv])


def _rescaling(c, layer, node, x):
    b = c.b
    scale = np.asarray(_np(layer.scale), np.float32)
    offset = np.asarray(_np(layer.offset), np.float32)
    return b.op("Add", [b.op("Mul", [x, b.const(scale, "scale")]), b.const(offset, "offset")])


def _normalization(c, layer, node, x):
    b = c.b
    shape = tuple(layer._stat_shape)
    mean = _np(layer.mean).reshape(shape).astype(np.float32)
    std = np.maximum(np.sqrt(_np(layer.variance).reshape(shape)), 1e-7).astype(np.float32)
    if layer.invert:
        return b.op("Add", [b.op("Mul", [x, b.const(std, "std")]), b.const(mean, "mean")])
    return b.op("Div", [b.op("Sub", [x, b.const(mean, "mean")]), b.const(std, "std")])


# -- merging

def _pairwise(op_type):
    def conv(c, layer, node, xs):
        y = xs[0]
        for x in xs[1:]:
            y = c.b.op(op_type, [y, x])
        return y
    return conv


def _subtract(c, layer, node, xs):
    return c.b.op("Sub", [xs[0], xs[1]])


def _average(c, layer, node, xs):
    y = _pairwise("Add")(c, layer, node, xs)
    return c.b.op("Mul", [y, c.b.scalar(1.0 / len(xs))])


def _concatenate(c, layer, node, xs):
    return c.b.op("Concat", list(xs), axis=int(layer.axis))


_concatenate.keeps_dtype = True


def _dot(c, layer, node, xs):
    b = c.b
    x, y = xs
    sx, sy = node.input_tensors[0]._shape, node.input_tensors[1]._shape
    nx, ny = len(sx), len(sy)
    ax, ay = layer.axes[0] % nx, layer.axes[1] % ny

    def l2(v, axis):
        sq = b.reduce("ReduceSum", b.op("Mul", [v, v]), [axis], keepdims=True)
        return b.op("Mul", [v, b.op("Reciprocal", [b.op("Sqrt", [
            b.op("Max", [sq, b.scalar(1e-12)])])])])
    if layer.normalize:
        x, y = l2(x, ax), l2(y, ay)
    # one letter per axis ("z" for the batch), the contracted axes sharing theirs
    letters = "abcdefghijklmnopqrstuvwxy"
    lx = ["z"] + [letters[i] for i in range(nx - 1)]
    ly = ["z"] + [letters[nx - 1 + i] for i in range(ny - 1)]
    ly[ay] = lx[ax]
    out = ["z"] + [l for i, l in enumerate(lx) if i not in (0, ax)] + \
        [l for i, l in enumerate(ly) if i not in (0, ay)]
    eq = "%s,%s->%s" % ("".join(lx), "".join(ly), "".join(out))
    r = b.op("Einsum", [x, y], equation=eq)
    if len(out) == 1:
        r = b.unsqueeze(r, [1])
    return r


# -- embedding, masking

def _embedding(c, layer, node, x):
    b = c.b
    if node is not None and node.input_tensors[0]._dtype._np.kind == "f":
        x = b.op("Cast", [x], to=b.onnx.TensorProto.INT64)
    return b.op("Gather", [b.const(_np(layer.embeddings), "embeddings"), x], axis=0)


_embedding.keeps_dtype = True


def _masking(c, layer, node, x):
    b = c.b
    keep = b.op("Not", [b.op("Equal", [x, b.scalar(float(layer.mask_value))])])
    keep = b.reduce("ReduceMax", b.op("Cast", [keep], to=b.onnx.TensorProto.FLOAT), [-1],
                    keepdims=True)
    return b.op("Mul", [x, keep])


# -- recurrent

_RNN_ACTS = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "Relu"}


def _rnn_act(c, layer, fn, what):
    name = _activation_name(fn)
    if name not in _RNN_ACTS:
        c.not_exportable(layer, "its %s %r has no ONNX recurrent equivalent (supported: %s)"
                         % (what, getattr(fn, "__name__", fn), ", ".join(sorted(_RNN_ACTS))))
    return _RNN_ACTS[name]


def _rnn_core(c, layer, x):
    """(sequence output (batch, time, units) or None, final states list) of one RNN."""
    from ndflow.keras.layers import recurrent as R
    b = c.b
    if layer.stateful:
        c.not_exportable(layer, "stateful=True keeps states between calls, which an ONNX "
                         "graph cannot; rebuild the layer with stateful=False for export")
    cell = layer.cell
    u = cell.units
    if layer.go_backwards:
        x = b.reverse_time(x)
    xt = b.transpose(x, [1, 0, 2])
    kernel, rk = _np(cell.kernel), _np(cell.recurrent_kernel)
    bias = _np(cell.bias) if cell.bias is not None else None
    attrs = {"hidden_size": int(u)}
    if isinstance(layer, R.LSTM):
        order = [0, 3, 1, 2]                 # Keras i, f, c, o -> ONNX i, o, f, c

        def gates(m):
            return np.concatenate([m[..., g * u:(g + 1) * u] for g in order], axis=-1)
        W, Rm = gates(kernel).T[None], gates(rk).T[None]
        B = None if bias is None else np.concatenate([gates(bias), np.zeros(4 * u,
                                                                            np.float32)])
        acts = [_rnn_act(c, layer, cell.recurrent_activation, "recurrent_activation"),
                _rnn_act(c, layer, cell.activation, "activation"),
                _rnn_act(c, layer, cell.activation, "activation")]
        op, n_out = "LSTM", 3
    elif isinstance(layer, R.GRU):
        W, Rm = kernel.T[None], rk.T[None]   # gates z, r, h in both
        if bias is None:
            B = None
        elif cell.reset_after:
            B = np.concatenate([bias[0], bias[1]])
        else:
            B = np.concatenate([bias, np.zeros(3 * u, np.float32)])
        attrs["linear_before_reset"] = 1 if cell.reset_after else 0
        acts = [_rnn_act(c, layer, cell.recurrent_activation, "recurrent_activation"),
                _rnn_act(c, layer, cell.activation, "activation")]
        op, n_out = "GRU", 2
    else:
        W, Rm = kernel.T[None], rk.T[None]
        B = None if bias is None else np.concatenate([bias, np.zeros(u, np.float32)])
        acts = [_rnn_act(c, layer, cell.activation, "activation")]
        op, n_out = "RNN", 2
    if (op, acts) not in (("LSTM", ["Sigmoid", "Tanh", "Tanh"]), ("GRU", ["Sigmoid", "Tanh"]),
                          ("RNN", ["Tanh"])):
        attrs["activations"] = acts
    ins = [xt, b.const(W.astype(np.float32), "W"), b.const(Rm.astype(np.float32), "R")]
    if B is not None:
        ins.append(b.const(B.astype(np.float32)[None], "B"))
    outs = b.op(op, ins, n_out=n_out, **attrs)
    y, states = outs[0], outs[1:]
    seq = None
    if layer.return_sequences:
        seq = b.transpose(b.squeeze(y, [1]), [1, 0, 2])
    states = [b.squeeze(s, [0]) for s in states]
    return seq, states


def _rnn(c, layer, node, x):
    seq, states = _rnn_core(c, layer, x)
    out = seq if layer.return_sequences else states[0]
    if layer.return_state:
        if not layer.return_sequences:
            out = c.b.op("Identity", [out])
        return [out] + states
    return out


def _bidirectional(c, layer, node, x):
    b = c.b
    fl, bl = layer.forward_layer, layer.backward_layer
    for sub in (fl, bl):
        if _lookup(sub) is not _rnn:
            c.not_exportable(layer, "its wrapped layer %s is not exportable"
                             % type(sub).__name__)
    fs, fst = _rnn_core(c, fl, x)
    bs, bst = _rnn_core(c, bl, x)
    if layer.return_sequences:
        fw, bw = fs, b.reverse_time(bs)
    else:
        fw, bw = fst[0], bst[0]
    mode = layer.merge_mode
    if mode == "concat":
        outs = [b.op("Concat", [fw, bw], axis=-1)]
    elif mode == "sum":
        outs = [b.op("Add", [fw, bw])]
    elif mode == "ave":
        outs = [b.op("Mul", [b.op("Add", [fw, bw]), b.scalar(0.5)])]
    elif mode == "mul":
        outs = [b.op("Mul", [fw, bw])]
    else:
        outs = [b.op("Identity", [fw]), b.op("Identity", [bw])]
    if layer.return_state:
        return outs + fst + bst
    return outs if len(outs) > 1 else outs[0]


# -- operators applied to symbolic tensors (x + 1, x * y, x[:, 0])

def _op_layer(c, layer, node):
    b = c.b
    name = layer.op_name
    prev = b.scope
    b.scope = layer.name
    try:
        kts = [a for a in node.call_args if isinstance(a, KerasTensor)]
        dtype = kts[0]._dtype._np if kts else np.float32

        def operand(a):
            if isinstance(a, KerasTensor):
                if a._dtype._np != dtype:
                    return b.op("Cast", [c.values[id(a)]],
                                to=b.onnx.helper.np_dtype_to_tensor_dtype(dtype))
                return c.values[id(a)]
            return b.const(np.asarray(_np(a), dtype=dtype), "constant")
        binary = {"add": "Add", "subtract": "Sub", "multiply": "Mul", "truediv": "Div",
                  "pow": "Pow", "matmul": "MatMul"}
        unary = {"negative": "Neg", "abs": "Abs"}
        if name in binary and len(node.call_args) == 2:
            return b.op(binary[name], [operand(a) for a in node.call_args])
        if name in unary and len(node.call_args) == 1:
            return b.op(unary[name], [operand(node.call_args[0])])
        if name == "getitem":
            return _getitem(c, layer, node)
        c.not_exportable(layer, "the operator %r on a symbolic tensor has no ONNX translation"
                         % name)
    finally:
        b.scope = prev


def _getitem(c, layer, node):
    b = c.b
    x_kt, key = node.call_args
    x = c.values[id(x_kt)]
    rank = len(x_kt._shape)
    key = key if isinstance(key, tuple) else (key,)
    if any(k is None for k in key) or any(not isinstance(k, (int, np.integer, slice))
                                          and k is not Ellipsis for k in key):
        c.not_exportable(layer, "only integer, slice and ... indexing can be exported, got "
                         "%r" % (key,))
    if sum(1 for k in key if k is Ellipsis) > 1:
        c.not_exportable(layer, "more than one ... in an index")
    if Ellipsis in key:
        i = key.index(Ellipsis)
        key = key[:i] + (slice(None),) * (rank - len(key) + 1) + key[i + 1:]
    starts, ends, axes, steps, squeeze = [], [], [], [], []
    for axis, k in enumerate(key):
        if isinstance(k, slice):
            if k == slice(None):
                continue
            step = 1 if k.step is None else int(k.step)
            start = k.start if k.start is not None else (0 if step > 0 else -1)
            stop = k.stop if k.stop is not None else (_INT64_MAX if step > 0 else _INT64_MIN)
            starts.append(int(start))
            ends.append(int(stop))
            steps.append(step)
        else:
            i = int(k)
            starts.append(i)
            ends.append(i + 1 if i != -1 else _INT64_MAX)
            steps.append(1)
            squeeze.append(axis)
        axes.append(axis)
    y = b.slice(x, starts, ends, axes, steps) if axes else b.op("Identity", [x])
    if squeeze:
        y = b.squeeze(y, squeeze)
    return y


# ---- the table of layer classes ----------------------------------------------------------

_TABLE = None


def _table():
    global _TABLE
    if _TABLE is not None:
        return _TABLE
    from ndflow.keras.layers import (core, activation, convolutional as conv, pooling,
                                     normalization, normalization_extra, merging, embedding,
                                     recurrent, reshaping, regularization,
                                     regularization_extra, preprocessing_core,
                                     preprocessing_image)
    from ndflow.keras.engine import input_layer
    t = [
        (core.Dense, _dense), (core.Activation, _activation_layer), (core.Flatten, _flatten),
        (core.Reshape, _reshape), (core.Permute, _permute),
        (core.RepeatVector, _repeat_vector), (core.Dropout, _identity),
        (core.Identity, _identity), (input_layer.InputLayer, _identity),
        (activation.Softmax, _softmax), (activation.ReLU, _relu_layer),
        (activation.LeakyReLU, _leaky_relu_layer), (activation.ELU, _elu_layer),
        (activation.PReLU, _prelu),
        (conv.Conv1D, _conv), (conv.Conv2D, _conv), (conv.Conv3D, _conv),
        (conv.DepthwiseConv2D, _depthwise), (conv.SeparableConv1D, _separable),
        (conv.SeparableConv2D, _separable), (conv.Conv1DTranspose, _conv_transpose),
        (conv.Conv2DTranspose, _conv_transpose), (conv.Conv3DTranspose, _conv_transpose),
        (pooling._Pooling, _pooling), (pooling._GlobalPooling, _global_pooling),
        (normalization.BatchNormalization, _batch_norm),
        (normalization.LayerNormalization, _layer_norm),
        (normalization_extra.UnitNormalization, _unit_norm),
        (preprocessing_core.Rescaling, _rescaling),
        (preprocessing_core.Normalization, _normalization),
        (merging.Add, _pairwise("Add")), (merging.Subtract, _subtract),
        (merging.Multiply, _pairwise("Mul")), (merging.Maximum, _pairwise("Max")),
        (merging.Minimum, _pairwise("Min")), (merging.Average, _average),
        (merging.Concatenate, _concatenate), (merging.Dot, _dot),
        (embedding.Embedding, _embedding), (embedding.Masking, _masking),
        (recurrent.LSTM, _rnn), (recurrent.GRU, _rnn), (recurrent.SimpleRNN, _rnn),
        (recurrent.Bidirectional, _bidirectional),
        (reshaping._ZeroPadding, _zero_padding), (reshaping._Cropping, _cropping),
        (reshaping._UpSampling, _upsampling),
        (regularization.GaussianNoise, _identity), (regularization.GaussianDropout, _identity),
        (regularization.ActivityRegularization, _identity),
        (regularization_extra._SpatialDropout, _identity),
        # random augmentation layers pass images through unchanged at inference
        (preprocessing_image._RandomImageLayer, _identity),
    ]
    _TABLE = t
    return t


def _lookup(layer):
    """The converter of ``layer``'s class, if the class computes what that class computes:
    a subclass that overrides ``call`` (or the RNN kernels) has no converter."""
    for cls, conv in _table():
        if isinstance(layer, cls):
            own = type(layer)
            for attr in ("call", "_fused"):
                if getattr(own, attr, None) is not getattr(cls, attr, None):
                    return None
            return conv
    return None


# ---- model -> ONNX ---------------------------------------------------------------------------

def _spec_of(s):
    """(shape tuple, dtype name or None) of one entry of ``input_signature``."""
    if isinstance(s, KerasTensor):
        return tuple(s._shape), s._dtype.name
    shape = getattr(s, "shape", None)
    dtype = getattr(s, "dtype", None)
    if shape is None and isinstance(s, (tuple, list)) and all(
            d is None or isinstance(d, (int, np.integer)) for d in s):
        shape = s
    if shape is None:
        raise TypeError("export: input_signature entries must be keras.InputSpec, "
                        "tf.TensorSpec, KerasTensor, arrays or shape tuples, got %r." % (s,))
    shape = tuple(None if d is None else int(d) for d in (
        shape.as_list() if hasattr(shape, "as_list") else shape))
    if dtype is not None:
        dtype = _dt.as_dtype(getattr(dtype, "name", dtype)).name
    return shape, dtype


def _is_single_spec(sig):
    if isinstance(sig, (tuple, list)):
        return all(d is None or isinstance(d, (int, np.integer)) for d in sig)
    return not isinstance(sig, dict)


def _signature(sig):
    """input_signature -> (list of (shape, dtype), structure: None, list or dict keys)."""
    if isinstance(sig, dict):
        return [_spec_of(v) for v in sig.values()], dict.fromkeys(sig)
    if _is_single_spec(sig):
        return [_spec_of(sig)], None
    sig = list(sig)
    if len(sig) == 1:
        # [spec] is the signature of a one-input model; [[spec, spec]] or [{...}] of a
        # model taking a list or dict
        return _signature(sig[0])
    return [_spec_of(s) for s in sig], list(range(len(sig)))


def _build_shapes_signature(model):
    shapes = model._build_shapes
    if shapes is None:
        return None

    def one(s):
        s = tuple(s)
        return ((None,) + s[1:] if s else s), None
    if isinstance(shapes, dict):
        return [one(v) for v in shapes.values()], dict.fromkeys(shapes)
    if isinstance(shapes, (list, tuple)) and shapes and isinstance(shapes[0], (list, tuple)):
        return [one(s) for s in shapes], list(range(len(shapes)))
    return [one(shapes)], None


def _safe_name(name, used):
    out = "".join(ch if ch.isalnum() or ch in "_-./:" else "_" for ch in str(name)) or "t"
    base, i = out, 1
    while out in used:
        out = "%s_%d" % (base, i)
        i += 1
    used.add(out)
    return out


def to_onnx(model, input_signature=None, opset_version=None):
    """The ``onnx.ModelProto`` of ``model`` (see ``export_onnx``)."""
    from ndflow.keras.engine.functional import Functional
    from ndflow.keras.engine.model import Model
    onnx = _require_onnx()
    opset = DEFAULT_OPSET if opset_version is None else int(opset_version)
    newest = onnx.defs.onnx_opset_version()
    if not MIN_OPSET <= opset <= newest:
        raise ValueError("export: opset_version must be between %d and %d (the newest opset "
                         "of the installed onnx %s), got %r." % (MIN_OPSET, newest,
                                                                 onnx.__version__,
                                                                 opset_version))
    if not isinstance(model, Model):
        raise TypeError("export: expected a keras Model, got %r." % (model,))
    for v in model.weights:
        if _np(v).dtype.kind == "f" and _np(v).dtype != np.float32:
            raise NotExportableError(
                "Cannot export model %r to ONNX: weight %s has dtype %s; only float32 models "
                "can be exported. Build the model with the default float32 dtype."
                % (model.name, getattr(v, "path", v.name), _np(v).dtype))
    b = _Builder(onnx, opset)
    c = _Converter(b)
    sig = _signature(input_signature) if input_signature is not None else None
    try:
        if isinstance(model, Functional):
            if not model._is_graph_network:
                raise ValueError(
                    "Cannot export model %r: it is not built yet, so its input shape is "
                    "unknown. Give the first layer input_shape= (or start with keras.Input), "
                    "call the model on data once, or call model.build(input_shape) before "
                    "exporting." % model.name)
            in_kts, out_kts, nodes = model._flat_inputs, model._flat_outputs, \
                model._graph_nodes
            in_names, out_names = model.input_names, model.output_names
            if isinstance(model._nested_outputs, dict):
                out_names = list(model._nested_outputs)
            specs = [(kt._shape, kt._dtype.name) for kt in in_kts]
            if sig is not None:
                if len(sig[0]) != len(in_kts):
                    raise ValueError("export: input_signature has %d entries but model %r has "
                                     "%d inputs (%s)." % (len(sig[0]), model.name,
                                                          len(in_kts), in_names))
                specs = []
                for kt, (shape, dtype) in zip(in_kts, sig[0]):
                    ok = len(shape) == len(kt._shape) and all(
                        a is None or b_ is None or a == b_ for a, b_ in zip(shape, kt._shape))
                    if not ok:
                        raise ValueError(
                            "export: input_signature shape %s does not match the model's "
                            "input %s of shape %s." % (_fmt_shape(shape), kt.name,
                                                       _fmt_shape(kt._shape)))
                    specs.append((tuple(s if s is not None else k for s, k in
                                        zip(shape, kt._shape)), kt._dtype.name))
        else:
            if sig is None:
                sig = _build_shapes_signature(model)
            if sig is None:
                raise ValueError(
                    "Cannot export subclassed model %r: its input shape is unknown. Call it "
                    "on data once (or model.build(input_shape)), or pass input_signature="
                    "[keras.InputSpec(shape=(None, ...), dtype='float32')]." % model.name)
            specs = [(shape, dtype or _dt.floatx()) for shape, dtype in sig[0]]
            in_kts, out_kts, nodes = c.trace(model, specs, sig[1])
            if isinstance(sig[1], dict):
                in_names = list(sig[1])
            else:
                in_names = ["input_%d" % (i + 1) for i in range(len(in_kts))] \
                    if len(in_kts) > 1 else ["input_1"]
            out_names = ["output_%d" % (i + 1) for i in range(len(out_kts))]
        graph_inputs = []
        for kt, name, (shape, dtype) in zip(in_kts, in_names, specs):
            name = _safe_name(name, b._used)
            c.values[id(kt)] = name
            dims = [("batch" if j == 0 else "%s_dim%d" % (name, j)) if d is None else int(d)
                    for j, d in enumerate(shape)]
            graph_inputs.append(onnx.helper.make_tensor_value_info(
                name, onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype)), dims))
        c.run_nodes(nodes)
        graph_outputs = []
        for kt, name in zip(out_kts, out_names):
            name = _safe_name(name, b._used)
            b.nodes.append(onnx.helper.make_node("Identity", [c.values[id(kt)]], [name],
                                                 name=name + "_identity"))
            dims = [("batch" if j == 0 else "%s_dim%d" % (name, j)) if d is None else int(d)
                    for j, d in enumerate(kt._shape)]
            graph_outputs.append(onnx.helper.make_tensor_value_info(
                name, onnx.helper.np_dtype_to_tensor_dtype(kt._dtype._np), dims))
    finally:
        c.restore_traced()
    graph = onnx.helper.make_graph(b.nodes, model.name, graph_inputs, graph_outputs,
                                   initializer=b.initializers)
    opsets = [onnx.helper.make_opsetid("", opset)]
    proto = onnx.helper.make_model(graph, opset_imports=opsets, producer_name="ndflow",
                                   ir_version=onnx.helper.find_min_ir_version_for(opsets))
    try:
        import ndflow
        proto.producer_version = str(getattr(ndflow, "__version__", ""))
    except Exception:
        pass
    onnx.checker.check_model(proto)
    return proto


def export_onnx(model, filepath, verbose=None, input_signature=None, opset_version=None,
                **kwargs):
    """Write ``model`` to ``filepath`` as an ONNX file for inference.

    ``input_signature``: optional shapes/dtypes of the inputs (``keras.InputSpec``,
    ``tf.TensorSpec``, KerasTensors or shape tuples, batch dimension first), needed for a
    subclassed model that was never called, and usable to fix dimensions of a Functional
    model's inputs.  ``opset_version``: the ONNX opset (default 17).  The batch dimension
    stays dynamic unless the signature fixes it.
    """
    if kwargs:
        raise TypeError("export_onnx got unexpected keyword argument(s) %s; it accepts "
                        "verbose, input_signature and opset_version." % sorted(kwargs))
    import os
    filepath = os.fspath(filepath)
    proto = to_onnx(model, input_signature=input_signature, opset_version=opset_version)
    onnx = _require_onnx()
    onnx.save_model(proto, filepath)
    if verbose is None or verbose:
        print("Saved artifact at '%s'." % filepath)
