"""Keras 3's file formats: reading what real Keras 3 writes, and writing its layout.

* **Config keys of newer Keras.** Keras 3 layers write arguments ndflow's layers do not
  take (``quantization_config``, ``lora_rank``, ``optional`` ...). :func:`drop_newer_keys`
  removes such a key when its value leaves the model unchanged, and refuses the file with
  a clear error when the value would change what the model computes.
* **The weights** (``model.weights.h5`` of a ``.keras`` archive, or a ``.weights.h5``
  file) are a tree of groups, one per saved object, at paths made of attribute names and
  container keys: ``layers/<key>/vars/<i>`` for the layers of a Sequential/Functional
  model, sublayers below their layer (``layers/lstm/cell/vars/<i>``), where ``<key>`` is
  the snake-case class name made unique with a counter (``dense``, ``dense_1`` ...) and
  each ``vars`` group carries the object's name as an attribute. :func:`saved_objects`
  lists the objects of an ndflow model with the paths Keras 3 gives them (see the notes
  above it); :func:`write_weights` writes them, and :func:`keras3_weight_groups` reads a
  file back into the per-layer groups that
  :func:`ndflow.keras.saving.weights.set_weight_values` assigns.
* **Optimizer variables** are stored under ``optimizer/vars/<i>`` (or by path under
  ``optimizer_weights`` in legacy ``.h5``) in Keras' order: iteration, learning rate,
  then the slots, grouped as Keras creates them (:func:`optimizer_items`), which for
  some optimizers (Adam with ``amsgrad``, RMSprop with momentum or ``centered``) is not
  ndflow's order.

Only plain numeric arrays are read; nothing in a file is imported or run.
"""
import inspect
import re

import numpy as np


# ---- config keys written by newer Keras ------------------------------------------------

def _none(value, config):
    return value is None


def _none_or_zero(value, config):
    return value is None or value is False or value == 0


def _false(value, config):
    return value is None or value is False


def _anything(value, config):
    return True


def _lora_alpha(value, config):
    # only meaningful together with a LoRA rank
    return _none_or_zero(config.get("lora_rank"), config)


def _renorm_detail(value, config):
    return _false(config.get("renorm"), config)


# key -> (test: does this value leave the model unchanged?, what the key means)
NEWER_KERAS_KEYS = {
    "quantization_config": (_none, "a quantized layer (int8/int4/float8 ...)"),
    "lora_rank": (_none_or_zero, "a LoRA adapter on the layer's kernel"),
    "lora_alpha": (_lora_alpha, "the scale of a LoRA adapter"),
    "optional": (_false, "an optional model input that may be None"),
    "synchronized": (_anything, "batch statistics synchronized across devices "
                                "(no effect on one device)"),
    "renorm": (_false, "batch renormalization"),
    "renorm_clipping": (_renorm_detail, "batch renormalization clipping"),
    "renorm_momentum": (_renorm_detail, "batch renormalization momentum"),
    "use_cudnn": (_anything, "the choice of GPU kernel (same results)"),
    "flash_attention": (_anything, "the choice of attention kernel (same results)"),
    "input_axes": (_none, "fan-in axes of a variance-scaling initializer"),
    "output_axes": (_none, "fan-out axes of a variance-scaling initializer"),
    "use_gate": (_false, "a gate on the output of multi-head attention"),
    "sliding_window": (_none, "sliding-window (banded) attention"),
}

# features ndflow does not implement even where a layer takes (and ignores) the argument
UNIMPLEMENTED = ("quantization_config", "lora_rank", "lora_alpha", "renorm")


def _accepted_arguments(cls):
    """Names ``cls(**config)`` takes explicitly, following ``**kwargs`` up the MRO."""
    names = set()
    for klass in cls.__mro__:
        init = vars(klass).get("__init__")
        if init is None:
            continue
        try:
            params = inspect.signature(init).parameters.values()
        except (TypeError, ValueError):
            return None
        names.update(p.name for p in params
                     if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))
        if not any(p.kind == p.VAR_KEYWORD for p in params):
            break
    return names


def drop_newer_keys(cls, config, class_name):
    """``config`` without the newer-Keras keys that ``cls`` does not take.

    A key is dropped only when its value keeps the model as it is (``None``, ``False``,
    ``0`` ...); a value that would change the model raises a ``ValueError`` naming the
    layer, the key and the value.
    """
    found = [k for k in NEWER_KERAS_KEYS if k in config]    # main settings first
    if not found or not getattr(cls, "__module__", "").startswith("ndflow."):
        return config
    accepted = _accepted_arguments(cls)
    if accepted is None:
        return config
    out = dict(config)
    for key in found:
        neutral, meaning = NEWER_KERAS_KEYS[key]
        value = out[key]
        if key in accepted and (key not in UNIMPLEMENTED or neutral(value, config)):
            continue        # the class takes it (and, for LoRA/quantization/renorm, it is off)
        if key not in accepted:
            del out[key]
        if not neutral(value, config):
            raise ValueError(
                "Layer %r (%s) in this file has %s=%s: it was saved with %s, which ndflow "
                "does not implement, so loading it would give a different model. Save the "
                "model from Keras without that setting (for example a float model, before "
                "model.quantize(...) or layer.enable_lora(...)), then load that file." % (
                    config.get("name", class_name), class_name, key, _short(value),
                    meaning))
    return out


def _short(value):
    text = repr(value)
    return text if len(text) < 120 else text[:120] + "..."


# ---- weights of a Keras 3 .keras archive ----------------------------------------------

def _snake_case(name):
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def _natural_key(text):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


def _numeric(array, where):
    array = np.asarray(array)
    if array.dtype.kind not in "biuf":
        raise ValueError("%s has dtype %s; only numeric arrays can be loaded." % (
            where, array.dtype))
    return array


def _vars_of(group, where):
    """The arrays of ``group/vars/0..n-1`` in index order."""
    if "vars" not in group:
        return []
    vg = group["vars"]
    out = []
    for i in range(len(vg)):
        if str(i) not in vg:
            raise ValueError("%s is incomplete: %s/vars holds %s but not %d." % (
                where, group.name, sorted(vg.keys(), key=_natural_key), i))
        out.append(_numeric(vg[str(i)][()], "%s in %s" % (vg[str(i)].name, where)))
    return out


def _all_vars(group, where):
    """Every array below ``group``: its own ``vars``, then its children in natural name
    order (the order in which Keras 3 visits a layer's attributes)."""
    out = _vars_of(group, where)
    for key in sorted(group.keys(), key=_natural_key):
        child = group[key]
        if key != "vars" and hasattr(child, "keys"):
            out.extend(_all_vars(child, where))
    return out


def _is_model(layer):
    names = {c.__name__ for c in type(layer).__mro__}
    return bool(names & {"Sequential", "Functional"}) and hasattr(layer, "layers")


def _layer_keys(layers):
    """Keras 3's key for each layer of a list: snake-case class name, numbered."""
    used = {}
    keys = []
    for layer in layers:
        key = _snake_case(type(layer).__name__)
        if key in used:
            used[key] += 1
            key = "%s_%d" % (key, used[key])
        else:
            used[key] = 0
        keys.append(key)
    return keys


def _find_layer_group(container, layer, key):
    """The group of ``layer`` under ``container``: by the layer name stored on its
    ``vars`` group (robust to class names that differ), else by Keras' key."""
    for name in container.keys():
        g = container[name]
        vg = g.get("vars") if hasattr(g, "get") else None
        if vg is not None and _attr(vg.attrs.get("name")) == layer.name:
            return g
    return container.get(key)


def _attr(value):
    return value.decode("utf-8") if isinstance(value, bytes) else value


def _named_children(group):
    """``{layer name: group}`` for the sublayer groups directly below ``group`` (also one
    level into the groups of list/dict attributes, which have no ``vars`` of their own)."""
    found = {}
    for key in sorted(group.keys(), key=_natural_key):
        child = group[key]
        if key == "vars" or not hasattr(child, "keys"):
            continue
        if "vars" in child:
            found.setdefault(_attr(child["vars"].attrs.get("name")), child)
        else:
            for sub in sorted(child.keys(), key=_natural_key):
                g = child[sub]
                if hasattr(g, "keys") and "vars" in g:
                    found.setdefault(_attr(g["vars"].attrs.get("name")), g)
    return found


def _layer_arrays(layer, group, where):
    """The arrays of ``layer`` in ndflow's order (own variables, then sublayers)."""
    from ndflow.keras.saving.weights import _layer_variables, _sublayers
    if group is None:
        return []
    if not _is_model(layer):
        subs = [s for s in _sublayers(layer) if _layer_variables(s, set())]
        children = _named_children(group)
        if subs and all(s.name in children for s in subs):
            out = _vars_of(group, where)
            for sub in subs:       # matched by name: the order of the sublayers is ndflow's
                out.extend(_layer_arrays(sub, children[sub.name], where))
            return out
        return _all_vars(group, where)
    out = _vars_of(group, where)     # a nested Sequential/Functional: its layers in order
    container = group.get("layers")
    if container is not None:
        subs = list(layer.layers)
        for sub, key in zip(subs, _layer_keys(subs)):
            out.extend(_layer_arrays(sub, _find_layer_group(container, sub, key), where))
    return out


def _heuristic_weight_groups(model, h5file, where):
    """The weight groups of ``model`` from a Keras 3 file whose tree is not exactly the
    one :func:`saved_objects` describes (another Keras version, a layer ndflow stores
    differently): each top-level layer's group is found by its stored name or its key,
    and the arrays below it are taken in order."""
    from ndflow.keras.saving.weights import _top_layers
    groups = []
    own = _vars_of(h5file, where)
    if own:
        groups.append((model.name, [("vars/%d" % i, a) for i, a in enumerate(own)]))
    container = h5file.get("layers")
    if container is None:
        other = sorted(set(h5file.keys()) - {"vars", "optimizer"})
        objects = _file_objects(h5file, where)
        if other and not objects:
            raise ValueError(
                "%s holds weights in a layout ndflow does not know: expected a Keras 3 "
                "'layers' group (layers/<name>/vars/<i>), found %s." % (
                    where, ", ".join(other[:12])))
        # a subclassed model's file: its layers in attribute groups, taken as they are
        # (set_weight_values checks them against the model and says what differs)
        for name, path, arrays in objects:
            groups.append((name or path, [("%s/%d" % (path, i), a)
                                          for i, a in enumerate(arrays)]))
        return groups
    layers = _top_layers(model)
    for layer, key in zip(layers, _layer_keys(layers)):
        arrays = _layer_arrays(layer, _find_layer_group(container, layer, key), where)
        groups.append((layer.name, [("vars/%d" % i, a) for i, a in enumerate(arrays)]))
    return groups


def _file_objects(h5file, where):
    """``[(stored name, path, arrays)]`` for the objects just below the root of a Keras 3
    file (attribute groups, and the items of container groups) that hold arrays; the
    arrays of each are its own then its sublayers', in name order."""
    out = []
    for key in sorted(h5file.keys(), key=_natural_key):
        g = h5file[key]
        if key in ("vars", "optimizer") or not hasattr(g, "keys"):
            continue
        if "vars" in g:
            candidates = [(key, g)]
        else:
            candidates = [("%s/%s" % (key, sub), g[sub])
                          for sub in sorted(g.keys(), key=_natural_key)
                          if hasattr(g[sub], "keys") and "vars" in g[sub]]
        for path, group in candidates:
            arrays = _all_vars(group, where)
            if arrays:
                out.append((_group_name(group), path, arrays))
    return out


def keras3_optimizer_values(h5file, where):
    """``[(name, array)]`` from ``optimizer/vars`` of a Keras 3 weights file, in Keras'
    order (a :class:`KerasOrderedValues`)."""
    og = h5file.get("optimizer")
    if og is None:
        return KerasOrderedValues()
    return KerasOrderedValues(("optimizer/vars/%d" % i, a)
                              for i, a in enumerate(_vars_of(og, where)))


# ---- the object tree of a Keras 3 weights file ------------------------------------------
#
# A Keras 3 weights file (``model.weights.h5`` in a ``.keras`` archive, or a
# ``.weights.h5`` file) holds one group per saved object (the model, each layer, each
# sublayer, the optimizer), at a path made of attribute names and container keys:
#
#   vars                                   the model's own variables (attribute name=model)
#   layers/<key>/vars/<i>                  a layer of a Sequential/Functional model
#   layers/<key>/cell/vars/<i>             the cell of an RNN layer
#   layers/<key>/forward_layer/cell/...    a Bidirectional wrapper
#   layers/<key>/query_dense/vars/<i>      the projections of MultiHeadAttention
#   <attribute>/vars/<i>                   a layer held in an attribute of a subclass
#   <attribute>/<key>/vars/<i>             a layer in a list/dict attribute
#   optimizer/vars/<i>                     the optimizer (iteration, learning rate, slots)
#
# Each ``vars`` group carries the object's name as attribute ``name`` and the object's
# own variables as datasets ``0 .. n-1`` in the order Keras creates them. A container key
# is the snake-case class name, numbered within its container in order (``dense``,
# ``dense_1``, ...), counting objects already saved elsewhere, which are not saved twice.
# The attributes of an object are visited in sorted order; a Model's ``layers`` list is
# visited as if it were an attribute called ``layers``.

# attributes ndflow's engine sets on layers and models: never saved as sublayers
_ENGINE_ATTRS = frozenset({
    "_layers", "_seq_layers", "_input_layer", "_input_layers", "_output_layers",
    "_inbound_nodes", "_outbound_nodes", "_tracked_variables", "layers", "_plan",
    "_graph_nodes", "_nested_inputs", "_nested_outputs", "_flat_inputs", "_flat_outputs",
    "_model_output_shapes", "_autocast_undo", "_distribution", "optimizer", "loss",
    "compiled_loss", "compiled_metrics", "_compile_config"})


class Const:
    """A value Keras 3 stores among a layer's variables that ndflow keeps no variable
    for (``Normalization``'s sample count, ``Nadam``'s momentum product). Written as
    is; ignored when read."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = np.asarray(value)


class SavedObject:
    """One group of a Keras 3 weights file: ``path`` ('' for the root), the object's
    ``name``, and ``items``, its own variables (or :class:`Const`) in Keras' order."""

    __slots__ = ("path", "name", "items", "obj")

    def __init__(self, path, name, items, obj=None):
        self.path = path
        self.name = name
        self.items = items
        self.obj = obj

    def vars_path(self):
        return self.path + "/vars" if self.path else "vars"

    def __repr__(self):
        return "SavedObject(%r, %r, %d items)" % (self.path, self.name, len(self.items))


def _saveable_layer(value):
    from ndflow.keras.engine.layer import Layer
    from ndflow.keras.saving.weights import _is_saveable
    return isinstance(value, Layer) and _is_saveable(value)


def _flat_layers(value):
    """The saveable layers in a list/tuple/dict attribute, in order (one level of
    nesting flattened)."""
    items = value.values() if isinstance(value, dict) else value
    out = []
    for item in items:
        if isinstance(item, (list, tuple, dict)):
            out.extend(_flat_layers(item))
        elif _saveable_layer(item):
            out.append(item)
    return out


def _is_a(obj, class_name):
    """True when ``obj`` is (a subclass of) ndflow's built-in layer ``class_name``."""
    return any(c.__name__ == class_name and c.__module__.startswith("ndflow.keras.layers")
               for c in type(obj).__mro__)


def _is_any_model(obj):
    from ndflow.keras.engine.model import Model
    return isinstance(obj, Model)


def _mha_children(layer):
    """Keras 3's MultiHeadAttention holds its projections in four ``EinsumDense``
    sublayers (kernel, then bias); ndflow's holds the variables directly."""
    out = []
    for attr, name, prefix in (("query_dense", "query", "query"),
                               ("key_dense", "key", "key"),
                               ("value_dense", "value", "value"),
                               ("output_dense", "attention_output", "output")):
        kernel = layer.__dict__.get(prefix + "_kernel")
        bias = layer.__dict__.get(prefix + "_bias")
        items = [v for v in (kernel, bias) if v is not None]
        out.append((attr, SavedObject(None, name, items)))
    out.append(("_dropout_layer", SavedObject(None, "dropout", [])))
    out.append(("_softmax", SavedObject(None, "softmax", [])))
    return sorted(out, key=lambda kv: kv[0])


def _children(obj):
    """``[(attribute, child)]`` in the order Keras visits them: a child is a layer, a
    list of layers (a container), or a :class:`SavedObject` standing for a sublayer that
    ndflow does not have as an object."""
    if _is_a(obj, "MultiHeadAttention") and "query_kernel" in obj.__dict__:
        return _mha_children(obj)
    found = []
    if _is_any_model(obj) and type(obj).__name__ in ("Functional", "Sequential") and \
            getattr(type(obj), "__module__", "").startswith("ndflow."):
        attrs = []          # ndflow's own graph models: only their layers
    else:
        attrs = sorted(obj.__dict__)
    for attr in attrs:
        if attr.startswith("__") or attr in _ENGINE_ATTRS:
            continue
        value = obj.__dict__[attr]
        if _saveable_layer(value):
            if value is not obj:
                found.append((attr, value))
        elif isinstance(value, (list, tuple, dict)):
            layers = [l for l in _flat_layers(value) if l is not obj]
            if layers:
                found.append((attr, layers))
    if _is_any_model(obj):
        try:
            layers = [l for l in obj.layers if _saveable_layer(l)]
        except Exception:    # a model whose layers cannot be listed yet
            layers = []
        if layers:
            found.append(("layers", layers))
            found.sort(key=lambda kv: kv[0])
    # sublayers ndflow tracks but no attribute shows (not expected for Keras' own
    # classes): kept under "layers" so that the file still round-trips in ndflow
    listed = set()
    for _, child in found:
        for l in (child if isinstance(child, list) else [child]):
            listed.add(id(l))
    rest = [l for l in obj.__dict__.get("_layers", [])
            if _saveable_layer(l) and id(l) not in listed and l is not obj]
    if rest:
        if any(attr == "layers" for attr, _ in found):
            for i, (attr, child) in enumerate(found):
                if attr == "layers":
                    found[i] = (attr, child + rest)
        else:
            found.append(("layers", rest))
            found.sort(key=lambda kv: kv[0])
    return found


def _own_items(obj):
    """The variables Keras 3 stores for ``obj`` itself, in Keras' order."""
    own = list(obj.__dict__.get("_tracked_variables", []))
    if _is_a(obj, "MultiHeadAttention") and "query_kernel" in obj.__dict__:
        return []           # held by the projection sublayers
    if _is_a(obj, "Normalization") and "mean" in obj.__dict__ and \
            "variance" in obj.__dict__:
        if obj.__dict__.get("input_mean") is not None:
            return []       # Keras keeps a given mean/variance as constants, not weights
        # Keras also keeps an (unused) sample count after mean and variance; a subclass
        # may hold it as a variable of its own
        rest = [v for v in own if v is not obj.mean and v is not obj.variance]
        has_count = any(str(getattr(v, "path", v.name)).rsplit("/", 1)[-1]
                        .split(":")[0].startswith("count") for v in rest)
        return [obj.mean, obj.variance] + rest + ([] if has_count else
                                                  [Const(np.int64(0))])
    return own


def saved_objects(model):
    """Every :class:`SavedObject` of ``model`` (the model first, at path ''), depth
    first, as Keras 3 saves it. The optimizer is not included (see
    :func:`optimizer_items`)."""
    out = []
    visited = set()

    def visit(obj, path):
        visited.add(id(obj))
        out.append(SavedObject(path, obj.name, _own_items(obj), obj))
        for attr, child in _children(obj):
            where = "%s/%s" % (path, attr) if path else attr
            if isinstance(child, SavedObject):
                out.append(SavedObject(where, child.name, child.items, obj))
            elif isinstance(child, list):
                for layer, key in zip(child, _layer_keys(child)):
                    if id(layer) not in visited:
                        visit(layer, "%s/%s" % (where, key))
            elif id(child) not in visited:
                visit(child, where)

    visit(model, "")
    return out


# ---- optimizer variables in Keras 3's order ---------------------------------------------

def _slot_groups(optimizer):
    """The optimizer's slot names grouped as Keras 3 creates them: the slots of one group
    are made variable by variable (interleaved), the groups one after the other."""
    names = tuple(getattr(optimizer, "_slot_names", ()) or ())
    cls = {c.__name__ for c in type(optimizer).__mro__}
    if "RMSprop" in cls:
        return [(n,) for n in names]
    if "Adam" in cls or "AdamW" in cls:
        first = tuple(n for n in names if n != "velocity_hat")
        return [first] + ([("velocity_hat",)] if "velocity_hat" in names else [])
    return [names] if names else []


def optimizer_items(optimizer):
    """The optimizer's variables in the order Keras 3 stores them (``iteration``, the
    learning rate unless it is a schedule, the EMA averages, the gradient accumulators,
    then the slots), with :class:`Const` for values Keras keeps and ndflow computes.
    Falls back to ndflow's own order for an optimizer whose variables are not all
    accounted for (a custom optimizer)."""
    from ndflow.keras.saving.weights import optimizer_variables
    variables = optimizer_variables(optimizer)
    d = optimizer.__dict__ if optimizer is not None else {}
    slots = d.get("_slots")
    if optimizer is None or "_iterations" not in d or slots is None:
        return variables
    items = [d["_iterations"]]
    if d.get("_learning_rate") is not None:
        items.append(d["_learning_rate"])
    for extra in ("_ema", "_accumulator"):
        items.extend(s[extra] for s in slots if extra in s)
    for group in _slot_groups(optimizer):
        for s in slots:
            items.extend(s[n] for n in group if n in s)
    if sorted(id(v) for v in items) != sorted(id(v) for v in variables):
        return variables
    if "Nadam" in {c.__name__ for c in type(optimizer).__mro__}:
        # Keras keeps the running product of the momentum schedule as a variable
        beta_1 = float(getattr(optimizer, "beta_1", 0.9))
        steps = int(np.asarray(d["_iterations"]._value))
        product = 1.0
        for s in range(1, steps + 1):
            product *= beta_1 * (1 - 0.5 * 0.96 ** s)
        items.append(Const(np.float32(product)))
    return items


class KerasOrderedValues(list):
    """Optimizer values read from a Keras 3 file: ``[(name, array)]`` in the order of
    :func:`optimizer_items` (ndflow's own files list them in ndflow's order)."""


def assign_keras_ordered_optimizer(optimizer, values):
    """``[(variable, array)]`` pairing ``values`` (a :class:`KerasOrderedValues`) with the
    variables of ``optimizer`` (built), or ``None`` when they do not fit."""
    items = optimizer_items(optimizer)
    if len(items) != len(values):
        return None
    pairs = []
    for item, (_, array) in zip(items, values):
        if isinstance(item, Const):
            continue
        if tuple(item._value.shape) != tuple(np.shape(array)):
            return None
        pairs.append((item, array))
    return pairs


# ---- writing ------------------------------------------------------------------------------

def _value_of(item):
    if isinstance(item, Const):
        return item.value
    return np.asarray(item._value)


def write_weights(h5file, model, optimizer=None):
    """Write ``model``'s weights (and ``optimizer``'s variables, when given) into the open
    h5py file ``h5file`` in Keras 3's layout."""
    for obj in saved_objects(model):
        group = h5file.require_group(obj.vars_path())
        group.attrs["name"] = str(obj.name)
        for i, item in enumerate(obj.items):
            group.create_dataset(str(i), data=_value_of(item))
    if optimizer is not None:
        group = h5file.require_group("optimizer/vars")
        group.attrs["name"] = str(getattr(optimizer, "name", type(optimizer).__name__))
        for i, item in enumerate(optimizer_items(optimizer)):
            group.create_dataset(str(i), data=_value_of(item))


# ---- reading by path -------------------------------------------------------------------------

def _group_name(group):
    vg = group.get("vars") if hasattr(group, "get") else None
    if vg is None:
        return None
    return _attr(vg.attrs.get("name"))


def _has_datasets(group):
    found = []
    group.visititems(lambda name, obj: found.append(1) if not hasattr(obj, "keys") else None)
    return bool(found)


class _Resolver:
    """Finds the group of each saved object in a Keras 3 file. A layer of a container is
    found by its key (``dense_1``), as Keras does; but when the names stored in the file
    for the container's layers with weights are exactly the names of the model's layers
    with weights, listed in another order (a Functional model whose branches another
    library lists differently), each of those is found by its name."""

    def __init__(self, h5file):
        self.h5file = h5file
        self.renamed = {}       # container path -> {key in ndflow: key in the file}

    def container_map(self, path, layers, keys):
        if path in self.renamed:
            return self.renamed[path]
        mapping = {}
        container = self.h5file.get(path) if path else self.h5file
        if container is not None and hasattr(container, "keys"):
            by_name = {}
            for k in container.keys():
                g = container[k]
                n = _group_name(g)
                if n is not None and _has_datasets(g):
                    by_name.setdefault(n, []).append(k)
            weighted = [(l, key) for l, key in zip(layers, keys) if _has_variables(l)]
            names = [l.name for l, _ in weighted]
            if len(set(names)) == len(names) and set(names) == set(by_name) and \
                    all(len(v) == 1 for v in by_name.values()):
                mapping = {key: by_name[l.name][0] for l, key in weighted}
        self.renamed[path] = mapping
        return mapping


def _has_variables(layer):
    from ndflow.keras.saving.weights import _layer_variables
    return bool(_layer_variables(layer, set()))


def _file_paths(model, h5file, root=""):
    """``[(SavedObject, path in the file)]``: the saved objects of ``model`` (a model, or
    a layer whose group is at ``root``) with the path their group has in ``h5file``."""
    resolver = _Resolver(h5file)
    out = []
    visited = set()

    def visit(obj, path, file_path):
        visited.add(id(obj))
        out.append((SavedObject(path, obj.name, _own_items(obj), obj), file_path))
        for attr, child in _children(obj):
            where = "%s/%s" % (path, attr) if path else attr
            fwhere = "%s/%s" % (file_path, attr) if file_path else attr
            if isinstance(child, SavedObject):
                out.append((SavedObject(where, child.name, child.items, obj), fwhere))
            elif isinstance(child, list):
                keys = _layer_keys(child)
                mapping = resolver.container_map(fwhere, child, keys)
                for layer, key in zip(child, keys):
                    if id(layer) not in visited:
                        visit(layer, "%s/%s" % (where, key),
                              "%s/%s" % (fwhere, mapping.get(key, key)))
            elif id(child) not in visited:
                visit(child, where, fwhere)

    visit(model, "", root)
    return out


class _NotThisLayout(Exception):
    pass


def _weights_by_path(model, h5file, where, root=""):
    """``{id(variable): (path, array)}`` for every variable of ``model``, read at the
    exact paths Keras 3 uses; raises :class:`_NotThisLayout` when the file's tree does
    not match."""
    found = {}
    for obj, file_path in _file_paths(model, h5file, root):
        if not obj.items:
            continue
        group = h5file.get(file_path) if file_path else h5file
        if group is None or not hasattr(group, "keys") or "vars" not in group:
            raise _NotThisLayout(file_path)
        arrays = _vars_of(group, where)
        if len(arrays) != len(obj.items):
            if len(arrays) == len(obj.items) - 1 and isinstance(obj.items[-1], Const):
                arrays = arrays + [None]       # a value Keras keeps that ndflow computes
            else:
                raise _NotThisLayout(file_path)
        vpath = (file_path + "/vars") if file_path else "vars"
        for i, (item, array) in enumerate(zip(obj.items, arrays)):
            if isinstance(item, Const):
                continue
            found.setdefault(id(item), ("%s/%d" % (vpath, i), array))
    return found


def _unsaved_variables(model):
    """Variables ndflow has but Keras 3 does not store (the mean and variance of a
    ``Normalization`` given as arguments): they keep their values on loading."""
    out = set()
    for layer in model._flatten_layers() if hasattr(model, "_flatten_layers") else [model]:
        if _is_a(layer, "Normalization") and layer.__dict__.get("input_mean") is not None:
            out.update(id(v) for v in layer.__dict__.get("_tracked_variables", []))
    return out


def keras3_weight_groups(model, h5file, where):
    """``[(group_name, [(path, array)])]`` for ``model``, in the order of
    :func:`ndflow.keras.saving.weights.weight_groups`, read from a Keras 3 weights file
    (``model.weights.h5`` of a ``.keras`` archive, or a ``.weights.h5`` file)."""
    from ndflow.keras.saving.weights import weight_groups
    try:
        found = _weights_by_path(model, h5file, where)
    except _NotThisLayout:
        return _heuristic_weight_groups(model, h5file, where)
    keep = _unsaved_variables(model)
    groups = []
    for name, variables in weight_groups(model):
        entries = []
        for v in variables:
            if id(v) in found:
                entries.append(found[id(v)])
            elif id(v) in keep:
                entries.append((str(getattr(v, "path", v.name)), np.asarray(v._value)))
            else:
                return _heuristic_weight_groups(model, h5file, where)
        groups.append((name, entries))
    return groups


def keras3_weight_groups_by_name(model, h5file, where):
    """Like :func:`keras3_weight_groups`, for ``load_weights(..., by_name=True)``: each
    top-level layer of ``model`` takes the weights of the object of the file that has
    its name (its ``vars`` group's ``name``); layers the file does not name are left
    out."""
    from ndflow.keras.saving.weights import _layer_variables, _top_layers
    named = {}
    for name, path, _ in _file_objects(h5file, where):
        named.setdefault(name, path)
    groups = []
    own = model.__dict__.get("_tracked_variables", [])
    root_vars = _vars_of(h5file, where)
    if own and len(root_vars) == len(own):
        groups.append((model.name, [("vars/%d" % i, a) for i, a in enumerate(root_vars)]))
    seen = {id(v) for v in own}
    for layer in _top_layers(model):
        variables = _layer_variables(layer, seen)
        if not variables or layer.name not in named:
            continue
        path = named[layer.name]
        try:
            found = _weights_by_path(layer, h5file, where, root=path)
            entries = [found[id(v)] for v in variables]
        except (_NotThisLayout, KeyError):
            group = h5file[path]
            arrays = _layer_arrays(layer, group, where)
            entries = [("%s/%d" % (path, i), a) for i, a in enumerate(arrays)]
        groups.append((layer.name, entries))
    return groups
