"""``model.summary()``: the Keras 2 table of layers, output shapes and parameter counts.

Sequential-like models (a chain of single-input layers) get three columns: Layer (type),
Output Shape, Param #.  Other Functional models get a fourth, Connected to.  Each row is
followed by a blank line, and long cells wrap onto continuation lines, as in TF 2.x.
"""
import numpy as np

from ndflow.keras.engine.keras_tensor import KerasTensor


def _count(weights):
    seen = set()
    total = 0
    for w in weights:
        if id(w) in seen:
            continue
        seen.add(id(w))
        total += int(np.prod(w._value.shape))
    return total


def _shape_str(shape):
    if shape is None:
        return "multiple"
    if isinstance(shape, tuple) and all(d is None or isinstance(d, (int, np.integer))
                                        for d in shape):
        return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"
    if isinstance(shape, dict):
        return "{" + ", ".join("'%s': %s" % (k, _shape_str(v)) for k, v in shape.items()) + "}"
    return "[" + ", ".join(_shape_str(s) for s in shape) + "]"


def _is_graph(model):
    return getattr(model, "_is_graph_network", False)


def _model_nodes(model):
    return list(getattr(model, "_graph_nodes", []))


def _layer_nodes(model, layer):
    return [n for n in _model_nodes(model) if n.layer is layer]


def _output_shape(model, layer):
    """The output shape shown for ``layer`` inside ``model``."""
    from ndflow.keras.engine.input_layer import InputLayer
    if isinstance(layer, InputLayer):
        return [layer._input_tensor._shape]
    if _is_graph(model):
        nodes = _layer_nodes(model, layer)
        if len(nodes) == 1:
            out = nodes[0].outputs
            return _kt_shapes(out)
        return None
    rec = layer.__dict__.get("_recorded_output_shape")
    return rec


def _kt_shapes(out):
    if isinstance(out, KerasTensor):
        return out._shape
    if isinstance(out, dict):
        return {k: _kt_shapes(v) for k, v in out.items()}
    if isinstance(out, (list, tuple)):
        return [_kt_shapes(v) for v in out]
    return None


def _sequential_like(model):
    from ndflow.keras.engine.sequential import Sequential
    if isinstance(model, Sequential) or not _is_graph(model):
        return True
    nodes = _model_nodes(model)
    if len(model._flat_inputs) != 1 or len(model._flat_outputs) != 1:
        return False
    prev = model._flat_inputs[0]
    layers_seen = set()
    for node in nodes:
        if len(node.input_tensors) != 1 or node.input_tensors[0] is not prev:
            return False
        if len(node.output_tensors) != 1 or id(node.layer) in layers_seen:
            return False
        layers_seen.add(id(node.layer))
        prev = node.output_tensors[0]
    return True


def _connections(model, layer):
    out = []
    nodes = _model_nodes(model)
    for node in _layer_nodes(model, layer):
        for t in node.input_tensors:
            hist = t._keras_history
            if hist is None:
                continue
            inbound = hist.layer
            mine = [n for n in inbound._inbound_nodes if n.is_input or any(
                n is m for m in nodes)]
            idx = next((i for i, n in enumerate(mine) if n is hist.node), 0)
            out.append("%s[%d][%d]" % (inbound.name, idx, hist.tensor_index))
    return out


class _Printer:
    def __init__(self, positions, line_length, print_fn):
        self.positions = positions
        self.line_length = line_length
        self.print_fn = print_fn

    def row(self, fields, nested_level=0):
        left = [str(f) for f in fields]
        positions = self.positions
        while any(left):
            line = ""
            for col in range(len(left)):
                start = positions[col - 1] if col > 0 else 0
                end = positions[col]
                space = 2 if col != len(positions) - 1 else 0
                cutoff = max(1, end - start - space - (1 if col == 0 else 0))
                piece = left[col][:cutoff]
                # prefer breaking after the end of a tuple/list item
                cuts = [piece.find(x) + len(x) for x in ("),", "},", "],", "',")
                        if piece.find(x) >= 0]
                if cuts and len(left[col]) > cutoff:
                    cutoff = min(cuts)
                    piece = piece[:cutoff]
                if col == 0:
                    line += "|" * nested_level + " "
                line += piece
                line += " " * space
                left[col] = left[col][cutoff:].lstrip() if len(left[col]) > cutoff else ""
                line += " " * max(0, end - len(line) - (nested_level if col == len(left) - 1
                                                         else 0))
            line += "|" * nested_level
            self.print_fn(line)


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False, layer_range=None):
    if print_fn is None:
        print_fn = print
    if not model.built:
        raise ValueError(
            "This model (%r) has not yet been built. Build the model first by calling "
            "build() (e.g. model.build((None, 20))), by calling it on a batch of data, or by "
            "giving its first layer an input_shape= argument." % model.name)
    seq = _sequential_like(model)
    if seq:
        line_length = line_length or 65
        positions = positions or [0.45, 0.85, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #"]
    else:
        line_length = line_length or 98
        positions = positions or [0.33, 0.55, 0.67, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    if show_trainable:
        line_length += 11
        positions = list(positions) + [line_length]
        header = header + ["Trainable"]
    p = _Printer(positions, line_length, print_fn)

    layers = list(model.layers)
    if layer_range is not None:
        names = [l.name for l in layers]
        if len(layer_range) != 2:
            raise ValueError("layer_range must be a list of 2 layer names, got %r."
                             % (layer_range,))
        start = next((i for i, n in enumerate(names) if layer_range[0] in n), None)
        end = next((i for i, n in reversed(list(enumerate(names))) if layer_range[1] in n),
                   None)
        if start is None or end is None or start > end:
            raise ValueError("layer_range %r does not match layers of model %r (%s)."
                             % (layer_range, model.name, names))
        layers = layers[start:end + 1]

    print_fn('Model: "%s"' % model.name)
    print_fn("_" * line_length)
    p.row(header)
    print_fn("=" * line_length)

    def layer_row(owner, layer, nested_level):
        name = "%s (%s)" % (layer.name, type(layer).__name__)
        shape = _shape_str(_output_shape(owner, layer))
        if layer.built:
            params = _count(layer.weights)
        else:
            params = "0 (unused)"
        fields = [name, shape, params]
        if not seq:
            conns = _connections(owner, layer)
            fields.append(str(conns) if conns else "[]")
        if show_trainable:
            fields.append("Y" if layer.trainable else "N")
        p.row(fields, nested_level)

    def print_layers(owner, layers, nested_level):
        for i, layer in enumerate(layers):
            layer_row(owner, layer, nested_level)
            if expand_nested and hasattr(layer, "_is_graph_network") and layer.layers:
                print_fn("|" * (nested_level + 1) + "¯" * (line_length - 2 * nested_level - 2)
                         + "|" * (nested_level + 1))
                print_layers(layer, layer.layers, nested_level + 1)
                print_fn("|" * (nested_level + 1) + "¯" * (line_length - 2 * nested_level - 2)
                         + "|" * (nested_level + 1))
            elif nested_level == 0 or i < len(layers) - 1:
                print_fn(" " * line_length if nested_level == 0 else
                         "|" * nested_level + " " * (line_length - 2 * nested_level) +
                         "|" * nested_level)

    print_layers(model, layers, 0)
    print_fn("=" * line_length)
    trainable = _count(model.trainable_weights)
    non_trainable = _count(model.non_trainable_weights)
    print_fn("Total params: {:,}".format(trainable + non_trainable))
    print_fn("Trainable params: {:,}".format(trainable))
    print_fn("Non-trainable params: {:,}".format(non_trainable))
    print_fn("_" * line_length)
