"""Functional models: a graph of layer calls from ``Input`` tensors to outputs.

``Model(inputs, outputs)`` walks the ``Node``s recorded by calling layers on KerasTensors,
from the outputs back to the inputs, and keeps them in an order where every node comes
after the nodes it depends on.  Calling the model runs those nodes on concrete tensors.
Inputs and outputs may be one tensor, a list or a dict; layers may be shared and models
may be used as layers.
"""
import numpy as np

from ndflow.core.tensor import Tensor, convert_to_tensor
from ndflow.keras.engine import naming
from ndflow.keras.engine.layer import Layer
from ndflow.keras.engine.model import Model
from ndflow.keras.engine.keras_tensor import (KerasTensor, flatten, map_structure,
                                              encode_constant, decode_constant)
from ndflow.keras.engine.fusion import runs_with_next


def _is_triple(x):
    return isinstance(x, (list, tuple)) and len(x) == 3 and isinstance(x[0], str) and \
        isinstance(x[1], int) and isinstance(x[2], int)


class Functional(Model):
    """A model defined by its input and output KerasTensors."""

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        kwargs.pop("dtype", None)
        if kwargs:
            raise TypeError("Model(inputs, outputs) got unexpected keyword argument(s) %s."
                            % sorted(kwargs))
        Layer.__init__(self, trainable=trainable,
                       name=name or naming.unique_name("model"))
        self._init_model_state()
        self._init_graph(inputs, outputs)

    # ---- graph construction ----
    def _init_graph(self, inputs, outputs):
        if isinstance(inputs, tuple):
            inputs = list(inputs)
        if isinstance(outputs, tuple):
            outputs = list(outputs)
        flat_in = flatten(inputs)
        flat_out = flatten(outputs)
        for what, flat in (("inputs", flat_in), ("outputs", flat_out)):
            if not flat:
                raise ValueError("Model %r: %s must not be empty." % (self.name, what))
            for t in flat:
                if not isinstance(t, KerasTensor):
                    raise TypeError(
                        "Model %r: all %s must be symbolic tensors made from keras.Input "
                        "(e.g. inputs = keras.Input(shape=(64,)); outputs = "
                        "Dense(10)(inputs)); got %r of type %s." % (
                            self.name, what, t, type(t).__name__))
        self._nested_inputs = inputs
        self._nested_outputs = outputs
        self._flat_inputs = flat_in
        self._flat_outputs = flat_out
        input_ids = {id(t) for t in flat_in}
        nodes = []
        seen = set()
        visiting = set()

        def visit(t, path):
            if id(t) in input_ids:
                return
            hist = t._keras_history
            if hist is None:
                raise ValueError("Model %r: tensor %r was not produced by a Keras layer, so "
                                 "the graph cannot be traced." % (self.name, t))
            node = hist.node
            if id(node) in seen:
                return
            if node.is_input:
                raise ValueError(
                    "Graph disconnected: cannot obtain value for tensor %s at layer %r. It "
                    "comes from an Input that is not among the model's inputs. The following "
                    "previous layers were accessed without issue: %s. Pass every Input the "
                    "outputs depend on in Model(inputs=[...])."
                    % (t.name, hist.layer.name, [n.layer.name for n in nodes]))
            if id(node) in visiting:
                raise ValueError("Model %r: the layer graph has a cycle at layer %r."
                                 % (self.name, node.layer.name))
            visiting.add(id(node))
            for parent in node.input_tensors:
                visit(parent, path)
            visiting.discard(id(node))
            seen.add(id(node))
            nodes.append(node)

        for t in flat_out:
            visit(t, [])
        self._graph_nodes = nodes
        # layers: the inputs' InputLayers first, then every layer in execution order
        layers = []
        for t in flat_in:
            if t._keras_history is not None:
                layers.append(t._keras_history.layer)
        for node in nodes:
            layers.append(node.layer)
        unique = []
        for l in layers:
            if not any(l is u for u in unique):
                unique.append(l)
        for l in unique:
            if l is self:
                raise ValueError("Model %r cannot contain itself." % self.name)
        self._layers = keras_layer_order(flat_in, flat_out, unique)
        self._input_layers = [t._keras_history.layer if t._keras_history else None
                              for t in flat_in]
        self._is_graph_network = True
        self.built = True
        self._build_shapes = map_structure(lambda t: t._shape, inputs)
        # fast path data: (layer, input tensor id) for nodes called as layer(x)
        plan = []
        for node in nodes:
            simple = (len(node.call_args) == 1 and not node.call_kwargs and
                      isinstance(node.call_args[0], KerasTensor))
            plan.append([node, id(node.call_args[0]) if simple else None,
                         [id(t) for t in node.output_tensors], None])
        # pairs that may run as one op (keras/engine/fusion.py): a node whose single
        # output only one simple node reads, and which is not a model output
        readers = {}
        for entry in plan:
            for t in entry[0].input_tensors:
                readers.setdefault(id(t), []).append(entry)
        output_ids = {id(t) for t in flat_out}
        for entry in plan:
            node, in_id, out_ids = entry[0], entry[1], entry[2]
            if in_id is None or len(out_ids) != 1 or out_ids[0] in output_ids or \
                    not hasattr(node.layer, "_fuses_with"):
                continue
            users = readers.get(out_ids[0], [])
            if len(users) == 1 and users[0][1] == out_ids[0] and \
                    len(users[0][0].input_tensors) == 1 and len(users[0][2]) == 1:
                entry[3] = (users[0][0].layer, users[0][2][0])
        self._plan = [tuple(entry) for entry in plan]

    # ---- structure ----
    @property
    def inputs(self):
        return list(self._flat_inputs)

    @property
    def outputs(self):
        return list(self._flat_outputs)

    @property
    def input(self):
        return self._nested_inputs

    @property
    def output(self):
        return self._nested_outputs

    @property
    def input_shape(self):
        return map_structure(lambda t: t._shape, self._nested_inputs)

    @property
    def output_shape(self):
        return map_structure(lambda t: t._shape, self._nested_outputs)

    @property
    def input_names(self):
        if isinstance(self._nested_inputs, dict):
            return list(self._nested_inputs)
        return [t._keras_history.layer.name if t._keras_history else t.name
                for t in self._flat_inputs]

    @property
    def output_names(self):
        if isinstance(self._nested_outputs, dict):
            return list(self._nested_outputs)
        names = []
        for t in self._flat_outputs:
            name = t._keras_history.layer.name if t._keras_history else t.name
            if name in names:
                name = "%s_%d" % (name, len(names))
            names.append(name)
        return names

    def build(self, input_shape=None):
        self.built = True

    def _maybe_build(self, inputs):
        self.built = True

    def _maybe_build_symbolic(self, shapes):
        self.built = True

    # ---- running ----
    def _standardize_inputs(self, inputs):
        """The flat list of input values, matched to the model's inputs."""
        nested = self._nested_inputs
        n = len(self._flat_inputs)
        if isinstance(inputs, dict):
            if isinstance(nested, dict):
                missing = [k for k in nested if k not in inputs]
                if missing:
                    raise ValueError("Model %r expects inputs with keys %s; missing %s (got "
                                     "keys %s)." % (self.name, list(nested), missing,
                                                    list(inputs)))
                return flatten({k: inputs[k] for k in nested})
            names = self.input_names
            if all(name in inputs for name in names):
                return [inputs[name] for name in names]
            if n == 1 and len(inputs) == 1:
                return list(inputs.values())
            raise ValueError("Model %r got a dict of inputs with keys %s, but its inputs are "
                             "named %s." % (self.name, list(inputs), names))
        if isinstance(inputs, (list, tuple)):
            if n == 1:
                return [inputs[0]] if len(inputs) == 1 else [inputs]
            flat = flatten(list(inputs))
            if len(flat) != n:
                raise ValueError(
                    "Model %r expects %d input(s), but it received %d input tensor(s). Pass a "
                    "list of %d arrays (one per Input), in the order of model.inputs: %s."
                    % (self.name, n, len(flat), n, self.input_names))
            return flat
        if n != 1:
            raise ValueError(
                "Model %r expects %d inputs (%s), but it received a single tensor. Pass a "
                "list or dict of inputs." % (self.name, n, self.input_names))
        return [inputs]

    def _check_value(self, kt, value, index):
        got = tuple(value._value.shape)
        want = kt._shape
        ok = len(got) == len(want) and all(
            w is None or w == g for w, g in zip(want, got))
        if ok:
            return
        hint = ""
        if len(got) == len(want) + 1:
            hint = (" The data has one more dimension than the Input: check the shape of "
                    "the data, or add a Flatten/Reshape layer.")
        elif len(got) + 1 == len(want):
            hint = (" The batch dimension may be missing: a single sample must be passed as "
                    "a batch of one, e.g. x[None].")
        else:
            hint = " Check Input(shape=...) against the shape of the data (shape excludes " \
                   "the batch dimension)."
        raise ValueError(
            "Input %d of model %r is incompatible with the model: expected shape=%s, found "
            "shape=%s.%s" % (index, self.name, _fmt(want), _fmt(got), hint))

    def call(self, inputs, training=None, mask=None):
        flat = self._standardize_inputs(inputs)
        values = {}
        for i, (kt, v) in enumerate(zip(self._flat_inputs, flat)):
            if not isinstance(v, Tensor):
                v = convert_to_tensor(np.asarray(v))
            want = kt._dtype._np
            if v._value.dtype != want and v._value.dtype.kind == want.kind == "f":
                from ndflow.ops.math_ops import cast
                v = cast(v, want)
            self._check_value(kt, v, i)
            values[id(kt)] = v
        for node, in_id, out_ids, then in self._plan:
            if in_id is not None:
                if out_ids[0] in values:   # computed with the layer before it
                    continue
                if then is not None and runs_with_next(node.layer, then[0], values[in_id]):
                    values[then[1]] = node.layer(values[in_id], _then_pool=then[0])
                    continue
                if training is None:
                    out = node.layer(values[in_id])
                else:
                    out = node.layer(values[in_id], training=training)
            else:
                out = node.run(values, training)
            if len(out_ids) == 1 and isinstance(out, Tensor):
                values[out_ids[0]] = out
            else:
                for oid, o in zip(out_ids, [o for o in flatten(out) if o is not None]):
                    values[oid] = o
        return map_structure(lambda t: values[id(t)], self._nested_outputs)

    def compute_output_shape(self, input_shape):
        return self.output_shape

    # ---- config ----
    def _node_key(self, node):
        """(layer name, index of the node among this model's nodes of that layer)."""
        layer = node.layer
        mine = [n for n in layer._inbound_nodes if n.is_input or any(
            n is m for m in self._graph_nodes)]
        for i, n in enumerate(mine):
            if n is node:
                return layer.name, i
        return layer.name, 0

    def _tensor_ref(self, t):
        hist = t._keras_history
        name, idx = self._node_key(hist.node)
        return [name, idx, hist.tensor_index]

    def get_config(self):
        from ndflow.keras.saving.serialization import serialize_keras_object
        layer_configs = []
        for layer in self._layers:
            cfg = dict(serialize_keras_object(layer))
            cfg["name"] = layer.name
            nodes = []
            for node in self._graph_nodes:
                if node.layer is not layer:
                    continue

                def ref(v):
                    if isinstance(v, KerasTensor):
                        return {"class_name": "__keras_tensor__",
                                "config": {"shape": list(v._shape), "dtype": v._dtype.name,
                                           "keras_history": self._tensor_ref(v)}}
                    if isinstance(v, (slice, tuple, np.ndarray)) or v is Ellipsis:
                        return encode_constant(v)   # an op layer's argument (x[:, 0])
                    return _plain(v)
                def arg(a):
                    # a constant tuple (an index such as x[:, 0]) stays one tuple
                    if isinstance(a, tuple) and not any(isinstance(t, KerasTensor)
                                                        for t in flatten(a)):
                        return encode_constant(a)
                    return map_structure(ref, a)
                nodes.append({"args": [arg(a) for a in node.call_args],
                              "kwargs": {k: map_structure(ref, v)
                                         for k, v in node.call_kwargs.items()}})
            cfg["inbound_nodes"] = nodes
            layer_configs.append(cfg)
        return {
            "name": self.name, "trainable": self.trainable, "layers": layer_configs,
            "input_layers": map_structure(self._tensor_ref, self._nested_inputs)
            if not isinstance(self._nested_inputs, KerasTensor)
            else [self._tensor_ref(self._nested_inputs)],
            "output_layers": map_structure(self._tensor_ref, self._nested_outputs)
            if not isinstance(self._nested_outputs, KerasTensor)
            else [self._tensor_ref(self._nested_outputs)],
            "_single_input": isinstance(self._nested_inputs, KerasTensor),
            "_single_output": isinstance(self._nested_outputs, KerasTensor),
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        layers, inputs, outputs = rebuild_graph(config, custom_objects)
        model = cls.__new__(cls) if cls is not Functional else object.__new__(Functional)
        Functional.__init__(model, inputs, outputs, name=config.get("name"),
                            trainable=config.get("trainable", True))
        return model


def keras_layer_order(flat_inputs, flat_outputs, layers):
    """``layers`` (a graph's) in the order Keras gives a Functional model's ``layers``.

    Keras orders the layers by their depth (the longest path from the layer to an
    output), deepest first, and layers of equal depth by when a depth-first walk from
    the outputs (each node's inputs in call order) first reaches them. Legacy HDF5 weight
    files list the layers in that order and are loaded by position, ``get_weights`` and
    ``set_weights`` use it, and user code indexes ``model.layers``: so ndflow matches it.
    """
    inputs = {id(t) for t in flat_inputs}
    discovered = {}          # id(layer) -> first-discovery index
    finished = set()
    post_order = []          # nodes, inputs before the nodes that use them
    for out in flat_outputs:
        stack = [(out, False)]
        while stack:
            t, expanded = stack.pop()
            hist = t._keras_history
            if hist is None:
                continue
            node = hist.node
            if expanded:
                if id(node) not in finished:
                    finished.add(id(node))
                    post_order.append(node)
                continue
            if id(node) in finished:
                continue
            if not node.is_input and id(t) in inputs:
                finished.add(id(node))
                continue
            discovered.setdefault(id(node.layer), len(discovered))
            stack.append((t, True))
            if not node.is_input:
                for parent in reversed(node.input_tensors):
                    stack.append((parent, False))
    in_graph = {id(n) for n in post_order}
    node_depth, layer_depth = {}, {}
    for node in reversed(post_order):
        depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = depth
        node_depth[id(node)] = depth
        for parent in node.parent_nodes:
            if id(parent) in in_graph:
                node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    for layer in layers:           # an input no output depends on
        if id(layer) not in layer_depth:
            layer_depth[id(layer)] = 0
            discovered[id(layer)] = -1
    return sorted(layers, key=lambda l: (-layer_depth[id(l)], discovered[id(l)]))


def _plain(v):
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, tuple):
        return list(v)
    return v


def _fmt(shape):
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _rebuild_structure(struct, resolve):
    if _is_triple(struct):
        return resolve(struct)
    if isinstance(struct, dict):
        return {k: _rebuild_structure(v, resolve) for k, v in struct.items()}
    if isinstance(struct, (list, tuple)):
        return [_rebuild_structure(v, resolve) for v in struct]
    return struct


def rebuild_graph(config, custom_objects=None):
    """Recreate the layers of a Functional config and replay their calls."""
    from ndflow.keras.saving.serialization import deserialize_keras_object
    created = {}
    order = []
    for lc in config["layers"]:
        lc = dict(lc)
        inbound = lc.pop("inbound_nodes", [])
        name = lc.pop("name", None) or lc.get("config", {}).get("name")
        layer = deserialize_keras_object(lc, custom_objects=custom_objects)
        created[name] = layer
        order.append((name, layer, inbound))
    produced = {}   # (layer name, node index) -> flat list of output KerasTensors
    for name, layer, inbound in order:
        if hasattr(layer, "_input_tensor") and not inbound:
            produced[(name, 0)] = [layer._input_tensor]

    def lookup(ref):
        key = (ref[0], ref[1])
        if key not in produced:
            raise KeyError(key)
        return produced[key][ref[2]]

    def resolve_arg(v):
        if isinstance(v, dict) and v.get("class_name") == "__keras_tensor__":
            return lookup(v["config"]["keras_history"])
        if isinstance(v, tuple):   # a __tuple__ marker the config reader decoded
            return tuple(resolve_arg(x) for x in v)
        if isinstance(v, dict) and v.get("class_name") in ("__slice__", "__ellipsis__",
                                                           "__tuple__", "__numpy__"):
            if v["class_name"] == "__tuple__":
                return tuple(resolve_arg(x) for x in v["config"]["value"])
            return decode_constant(v)
        if isinstance(v, dict):
            return {k: resolve_arg(x) for k, x in v.items()}
        if isinstance(v, list):
            return [resolve_arg(x) for x in v]
        return v

    pending = [(name, layer, i, node) for name, layer, inbound in order
               for i, node in enumerate(inbound)]
    while pending:
        progress = False
        rest = []
        for name, layer, i, node in pending:
            try:
                args = [resolve_arg(a) for a in node.get("args", [])]
                kwargs = {k: resolve_arg(v) for k, v in node.get("kwargs", {}).items()}
            except KeyError:
                rest.append((name, layer, i, node))
                continue
            out = layer(*args, **kwargs)
            produced[(name, i)] = [t for t in flatten(out) if isinstance(t, KerasTensor)]
            progress = True
        if not progress:
            raise ValueError("Cannot rebuild the model from its config: the calls of layers %s "
                             "depend on tensors that are never produced."
                             % sorted({p[0] for p in rest}))
        pending = rest
    inputs = _rebuild_structure(config["input_layers"], lookup)
    outputs = _rebuild_structure(config["output_layers"], lookup)
    if config.get("_single_input") or (isinstance(inputs, list) and len(inputs) == 1 and
                                       "_single_input" not in config):
        inputs = inputs[0]
    if config.get("_single_output") or (isinstance(outputs, list) and len(outputs) == 1 and
                                        "_single_output" not in config):
        outputs = outputs[0]
    return [l for _, l, _ in order], inputs, outputs
