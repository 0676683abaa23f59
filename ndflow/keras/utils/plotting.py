"""``keras.utils.plot_model`` / ``model_to_dot``: draw a model's graph with Graphviz.

Needs the ``pydot`` package and Graphviz's ``dot`` program; both are imported or looked
up on first use, with an error saying what to install when missing.
"""
import os
import shutil

from ndflow.keras.engine.keras_tensor import KerasTensor


def _import_pydot():
    try:
        import pydot
    except ImportError:
        raise ImportError(
            "plot_model / model_to_dot need the pydot package and the Graphviz 'dot' "
            "program. Install them with: pip install pydot, and apt-get install graphviz "
            "(or brew install graphviz / conda install graphviz).") from None
    return pydot


def _check_dot_program():
    if shutil.which("dot") is None:
        raise ImportError(
            "plot_model needs the Graphviz 'dot' program, which was not found on the PATH. "
            "Install Graphviz: apt-get install graphviz (Debian/Ubuntu), brew install "
            "graphviz (macOS) or conda install graphviz; pydot alone is not enough.")


def _shape_text(shape):
    if shape is None:
        return "?"
    if isinstance(shape, KerasTensor):
        shape = shape._shape
    if isinstance(shape, dict):
        return "{" + ", ".join("%s: %s" % (k, _shape_text(v)) for k, v in shape.items()) + "}"
    if isinstance(shape, list):
        return "[" + ", ".join(_shape_text(s) for s in shape) + "]"
    if isinstance(shape, tuple) and shape and not all(
            d is None or isinstance(d, int) for d in shape):
        return "[" + ", ".join(_shape_text(s) for s in shape) + "]"
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _escape(text):
    for ch in "\\{}|<>\"":
        text = text.replace(ch, "\\" + ch)
    return text


def _structure_shapes(x):
    if isinstance(x, KerasTensor):
        return x._shape
    if isinstance(x, dict):
        return {k: _structure_shapes(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_structure_shapes(v) for v in x]
    return None


def _layer_io(model, layer):
    """(input shapes, output shapes, input dtype, output dtype) of ``layer`` in ``model``."""
    from ndflow.keras.engine.input_layer import InputLayer
    if isinstance(layer, InputLayer):
        t = layer._input_tensor
        return t._shape, t._shape, t._dtype.name, t._dtype.name
    nodes = [n for n in getattr(model, "_graph_nodes", []) if n.layer is layer]
    if len(nodes) == 1:
        node = nodes[0]
        ins = [t for t in node.input_tensors]
        outs = node.output_tensors
        in_shape = ins[0]._shape if len(ins) == 1 else [t._shape for t in ins]
        out_shape = outs[0]._shape if len(outs) == 1 else [t._shape for t in outs]
        return in_shape, out_shape, (ins[0]._dtype.name if ins else "?"), \
            (outs[0]._dtype.name if outs else "?")
    if nodes:
        return "multiple", "multiple", "?", "?"
    build = layer.__dict__.get("_build_shapes")
    rec = layer.__dict__.get("_recorded_output_shape") or layer.__dict__.get(
        "_model_output_shapes")
    return build, rec, layer.dtype, layer.dtype


def _label(layer, model, show_shapes, show_dtype, show_layer_names, show_layer_activations,
           show_trainable):
    cls = type(layer).__name__
    title = _escape("%s (%s)" % (layer.name, cls) if show_layer_names else cls)
    if show_layer_activations:
        act = getattr(getattr(layer, "activation", None), "__name__", None)
        if act:
            title += "\\nactivation: " + _escape(act)
    if show_trainable:
        title += "\\ntrainable: " + ("Y" if layer.trainable else "N")
    if not (show_shapes or show_dtype):
        return title
    in_shape, out_shape, in_dt, out_dt = _layer_io(model, layer)
    rows_in, rows_out = [], []
    if show_shapes:
        rows_in.append(_shape_text(in_shape) if in_shape != "multiple" else "multiple")
        rows_out.append(_shape_text(out_shape) if out_shape != "multiple" else "multiple")
    if show_dtype:
        rows_in.append(str(in_dt))
        rows_out.append(str(out_dt))
    cell_in = "\\n".join(_escape(r) for r in rows_in)
    cell_out = "\\n".join(_escape(r) for r in rows_out)
    return "{%s|{input:|output:}|{{%s}|{%s}}}" % (title, cell_in, cell_out)


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True,
                 rankdir="TB", expand_nested=False, dpi=96, subgraph=False,
                 show_layer_activations=False, show_trainable=False, **kwargs):
    """A ``pydot.Dot`` graph of ``model``: one box per layer, one arrow per connection."""
    pydot = _import_pydot()
    if not getattr(model, "built", False):
        raise ValueError(
            "This model (%r) has not yet been built, so it cannot be plotted. Build it first "
            "(model.build(input_shape), call it on data, or give the first layer "
            "input_shape=)." % model.name)
    if subgraph:
        dot = pydot.Cluster(style="dashed", graph_name=model.name, label=model.name)
    else:
        dot = pydot.Dot()
        dot.set("rankdir", rankdir)
        dot.set("concentrate", True)
        dot.set("dpi", dpi)
        dot.set_node_defaults(shape="record")
    opts = dict(show_shapes=show_shapes, show_dtype=show_dtype,
                show_layer_names=show_layer_names,
                show_layer_activations=show_layer_activations, show_trainable=show_trainable)

    if not getattr(model, "_is_graph_network", False):
        # a subclassed model: its call() is Python code, so it is drawn as one box
        node = pydot.Node(str(id(model)), label=_label(model, model, **opts))
        dot.add_node(node)
        return dot

    from ndflow.keras.engine.sequential import Sequential
    layers = list(model.layers)
    if isinstance(model, Sequential):
        inp = model._flat_inputs[0]._keras_history.layer
        layers = [inp] + layers
    entry = {}   # id(layer) -> (first node id, last node id) for expanded sub-models
    for layer in layers:
        if expand_nested and getattr(layer, "_is_graph_network", False):
            sub = model_to_dot(layer, rankdir=rankdir, expand_nested=True, subgraph=True,
                               **opts)
            dot.add_subgraph(sub)
            inner = _all_layers(layer)
            first = str(id(inner[0])) if inner else str(id(layer))
            last = str(id(inner[-1])) if inner else str(id(layer))
            entry[id(layer)] = (first, last)
            continue
        dot.add_node(pydot.Node(str(id(layer)), label=_label(layer, model, **opts)))
        entry[id(layer)] = (str(id(layer)), str(id(layer)))
    edges = set()
    for node in getattr(model, "_graph_nodes", []):
        dst = entry.get(id(node.layer))
        if dst is None:
            continue
        for t in node.input_tensors:
            hist = t._keras_history
            if hist is None:
                continue
            src = entry.get(id(hist.layer))
            if src is None:
                continue
            key = (src[1], dst[0])
            if key not in edges:
                edges.add(key)
                dot.add_edge(pydot.Edge(src[1], dst[0]))
    return dot


def _all_layers(model):
    from ndflow.keras.engine.sequential import Sequential
    layers = list(model.layers)
    if isinstance(model, Sequential) and model._is_graph_network:
        layers = [model._flat_inputs[0]._keras_history.layer] + layers
    return layers


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=True, rankdir="TB", expand_nested=False, dpi=96,
               layer_range=None, show_layer_activations=False, show_trainable=False,
               **kwargs):
    """Write a picture of the model's graph to ``to_file`` (format from the extension)."""
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype,
                       show_layer_names=show_layer_names, rankdir=rankdir,
                       expand_nested=expand_nested, dpi=dpi,
                       show_layer_activations=show_layer_activations,
                       show_trainable=show_trainable)
    _check_dot_program()
    to_file = os.fspath(to_file)
    ext = os.path.splitext(to_file)[1]
    fmt = ext[1:].lower() if ext else "png"
    dot.write(to_file, format=fmt)
    if fmt != "pdf":
        try:
            from IPython import display  # noqa: F401
            import sys
            if "ipykernel" in sys.modules:
                return display.Image(filename=to_file)
        except ImportError:
            pass
    return None
