"""Which objects a checkpoint tracks, and the names of the edges between them.

A checkpoint is a graph: its nodes are the tracked objects (the ``Checkpoint`` itself,
``tf.Variable``, ``tf.Module``, Keras layers and models, Keras optimizers, nested
``Checkpoint`` objects) and each edge has a name that is stable from one run of a program
to the next (an attribute name, ``layer-3``, a weight's short name ...). Restoring walks
the saved graph and the live objects side by side, following edges by name, so a value
finds its variable again in a fresh process however the objects were numbered or named
there.

Edge names, by the kind of parent:

* ``Checkpoint``: the keyword (or attribute) names, ``save_counter``, and the children of
  its ``root`` object when one is given;
* ``tf.Module``: attribute names (``attr/0``, ``attr/key`` inside lists and dicts);
* Keras layers and models: the short names of their own weights (``kernel``, ``bias``; a
  repeated name gets ``_1``, ``_2`` ... in creation order); for sub-layers of a subclassed
  model or layer the attribute that holds them, otherwise ``layer-<i>`` (the position in
  the layer's list of sub-layers, which for ``Sequential`` and Functional models is the
  position in ``model.layers``); public attributes holding an optimizer (``optimizer``
  after ``compile``), a ``tf.Module`` or a ``Checkpoint`` (not metrics);
* Keras metrics (given to a ``Checkpoint`` or held by a ``tf.Module``; a model's own
  metrics are not saved, as in Keras weight files): their state variables by short name,
  and metrics they hold by attribute name;
* Keras optimizers: ``iterations``, ``learning_rate`` (unless it is a schedule), the slot
  variables as ``_slots/<i>/<slot>`` where ``i`` is the position of the model variable in
  the order the optimizer first saw it (as in Keras 3, restoring into a fresh optimizer
  needs the same variables in the same order), and any other variable the optimizer
  created as ``_variables/<i>``.
"""
import sys

from ndflow.core.module import Module
from ndflow.core.variable import Variable

# attributes of a Keras layer that are bookkeeping, never children in a checkpoint
_LAYER_SKIP = frozenset({
    "_layers", "_tracked_variables", "_inbound_nodes", "_outbound_nodes", "_seq_layers",
    "_input_layer", "_input_layers", "_output_layers", "_epoch_trainable", "_initial_weights",
    "_compile_config", "_losses", "_added_losses", "_nested_inputs", "_nested_outputs",
    "_flat_inputs", "_flat_outputs", "_graph_nodes", "_plan", "compiled_loss",
    "compiled_metrics", "history", "input_spec", "_keras_history"})


def keras_types():
    """``(Layer, Optimizer, Functional, Metric)``, each None while Keras has not loaded it
    (then no object of that class can exist, and ``import ndflow.train`` stays light)."""
    layer = opt = functional = metric = None
    if "ndflow.keras.engine.layer" in sys.modules:
        from ndflow.keras.engine.layer import Layer as layer
        from ndflow.keras.engine.functional import Functional as functional
    if "ndflow.keras.optimizers.base" in sys.modules:
        from ndflow.keras.optimizers.base import Optimizer as opt
    if "ndflow.keras.metrics.base" in sys.modules:
        from ndflow.keras.metrics.base import Metric as metric
    return layer, opt, functional, metric


def kind(obj):
    """'variable', 'checkpoint', 'module', 'layer', 'optimizer', 'metric', or None (not
    tracked)."""
    if isinstance(obj, Variable):
        return "variable"
    from ndflow.train.checkpoint import Checkpoint
    if isinstance(obj, Checkpoint):
        return "checkpoint"
    if isinstance(obj, Module):
        return "module"
    layer, opt, _, metric = keras_types()
    if layer is not None and isinstance(obj, layer):
        return "layer"
    if opt is not None and isinstance(obj, opt):
        return "optimizer"
    if metric is not None and isinstance(obj, metric):
        return "metric"
    return None


def expand(name, value, out, strict=False, where=None):
    """Append ``(edge_name, object)`` for ``value`` and, inside lists, tuples and dicts, for
    each tracked element (``name/0``, ``name/key``)."""
    if kind(value) is not None:
        out.append((name, value))
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            expand("%s/%d" % (name, i), v, out, strict, where)
    elif isinstance(value, dict):
        for k, v in value.items():
            expand("%s/%s" % (name, k), v, out, strict, where)
    elif strict:
        raise ValueError(
            "%s: `%s` must be a trackable object (a tf.Variable, a tf.Module, a Keras layer, "
            "model or optimizer, or a tf.train.Checkpoint), or a list or dict of them; got "
            "%r (type %s).%s" % (where or "tf.train.Checkpoint", name, value,
                                 type(value).__name__, _hint(value)))


def _hint(value):
    if isinstance(value, (bool, int, float)):
        return (" To checkpoint a number, keep it in a variable: tf.Variable(%r), and "
                "update it with .assign()." % (value,))
    if isinstance(value, str):
        return (" tf.train.Checkpoint takes the objects to save, not a file name: pass the "
                "path to .save()/.write(). To save a model during fit(), use "
                "keras.callbacks.ModelCheckpoint(filepath).")
    names = {c.__name__ for c in type(value).__mro__}
    if "Callback" in names:
        return (" A Keras callback (such as keras.callbacks.ModelCheckpoint) is not saved in "
                "a tf.train.Checkpoint; pass it to model.fit(callbacks=[...]) instead.")
    if "Tensor" in names:
        return " A constant tensor has no state to save; use a tf.Variable."
    if "Iterator" in names and type(value).__module__.startswith("ndflow.data"):
        return (" ndflow cannot save the position of a tf.data iterator yet: leave it out of "
                "the Checkpoint, and after restoring continue with a new iterator (e.g. over "
                "dataset.skip(number_of_batches_done)).")
    return ""


def short_name(v):
    return str(getattr(v, "_name", None) or "Variable").split(":")[0]


def _dedupe(name, used):
    out = name
    k = 1
    while out in used:
        out = "%s_%d" % (name, k)
        k += 1
    used.add(out)
    return out


def children(obj):
    """The ``(edge_name, child)`` pairs of a tracked object, in a deterministic order."""
    k = kind(obj)
    if k == "variable" or k is None:
        return []
    if k == "checkpoint":
        return obj._checkpoint_children()
    if k == "optimizer":
        return _optimizer_children(obj)
    if k == "layer":
        return _layer_children(obj)
    if k == "metric":
        return _metric_children(obj)
    out = []
    for name, value in vars(obj).items():
        if name.startswith("__") or name == "_name":
            continue
        expand(name, value, out)
    return _unique(out)


def _unique(pairs):
    seen_names = set()
    out = []
    for name, value in pairs:
        if name in seen_names:
            continue
        seen_names.add(name)
        out.append((name, value))
    return out


def _layer_children(layer):
    layer_cls, _, functional, metric_cls = keras_types()
    d = layer.__dict__
    sublayers = [l for l in d.get("_layers", ()) if isinstance(l, layer_cls)]
    sub_ids = {id(l) for l in sublayers}
    graph_network = functional is not None and isinstance(layer, functional) and (
        d.get("_is_graph_network") or "_seq_layers" in d)
    named = {}
    extras = []
    for attr, value in list(d.items()):
        if attr in _LAYER_SKIP or attr.startswith("__"):
            continue
        found = []
        expand(attr, value, found)
        for name, obj in found:
            if isinstance(obj, layer_cls):
                if not graph_network and id(obj) in sub_ids and id(obj) not in named:
                    named[id(obj)] = name
            elif not isinstance(obj, Variable) and not attr.startswith("_") and not (
                    metric_cls is not None and isinstance(obj, metric_cls)):
                extras.append((name, obj))
    used = set()
    out = []
    for i, l in enumerate(sublayers):
        out.append((_dedupe(named.get(id(l), "layer-%d" % i), used), l))
    seen_extra = set()
    for name, obj in extras:
        if id(obj) in seen_extra or id(obj) in sub_ids:
            continue
        seen_extra.add(id(obj))
        out.append((_dedupe(name, used), obj))
    for v in d.get("_tracked_variables", ()):
        out.append((_dedupe(short_name(v), used), v))
    return out


def _metric_children(metric):
    used = set()
    out = []
    for name, value in list(metric.__dict__.items()):
        if kind(value) == "metric" and value is not metric:
            out.append((_dedupe(name, used), value))
    for v in metric.__dict__.get("_variables", ()):
        out.append((_dedupe(short_name(v), used), v))
    return out


def _optimizer_children(opt):
    out = [("iterations", opt._iterations)]
    covered = {id(opt._iterations)}
    lr = getattr(opt, "_learning_rate", None)
    if isinstance(lr, Variable):
        out.append(("learning_rate", lr))
        covered.add(id(lr))
    for i, slots in enumerate(getattr(opt, "_slots", ())):
        for name, var in slots.items():
            out.append(("_slots/%d/%s" % (i, name), var))
            covered.add(id(var))
    for i, var in enumerate(getattr(opt, "_variables", ())):
        if id(var) not in covered:
            out.append(("_variables/%d" % i, var))
            covered.add(id(var))
    return out


def walk(root):
    """Breadth-first ``[(path, object)]`` of every object reachable from ``root`` (each
    object once, under the first path found; ``root`` itself has the path ``()``)."""
    order = [((), root)]
    seen = {id(root)}
    i = 0
    while i < len(order):
        path, obj = order[i]
        i += 1
        for name, child in children(obj):
            if id(child) in seen:
                continue
            seen.add(id(child))
            order.append((path + (name,), child))
    return order


def describe(path):
    return "(root)." + ".".join(path) if path else "(root)"
