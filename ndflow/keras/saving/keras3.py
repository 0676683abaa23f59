"""Reading files written by real Keras 3 (``.keras`` archives and legacy ``.h5``).

Three differences from ndflow's own files are handled here:

* **Config keys of newer Keras.** Keras 3 layers write arguments ndflow's layers do not
  take (``quantization_config``, ``lora_rank``, ``optional`` ...). :func:`drop_newer_keys`
  removes such a key when its value leaves the model unchanged, and refuses the file with
  a clear error when the value would change what the model computes.
* **The weights of a ``.keras`` archive** live in ``model.weights.h5`` as
  ``layers/<key>/vars/<i>`` (sublayers nested below their layer, e.g.
  ``layers/lstm/cell/vars/<i>``), where ``<key>`` is the snake-case class name made unique
  with a counter (``dense``, ``dense_1`` ...) and ``vars`` carries the layer's name as an
  attribute. :func:`keras3_weight_groups` turns that tree into the per-layer groups that
  :func:`ndflow.keras.saving.weights.set_weight_values` assigns.
* **Optimizer variables** are stored under ``optimizer/vars/<i>`` (archive) or by path
  under ``optimizer_weights`` (legacy ``.h5``), in the same order as ndflow's optimizer
  variables (iteration, learning rate, then the slots of each trainable variable).

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


def keras3_weight_groups(model, h5file, where):
    """``[(layer_name, [(weight_name, array)])]`` for ``model``'s top-level layers, read
    from a Keras 3 ``model.weights.h5`` (as :func:`weights.get_weight_values` orders them)."""
    from ndflow.keras.saving.weights import _top_layers
    groups = []
    own = _vars_of(h5file, where)
    if own:
        groups.append((model.name, [("vars/%d" % i, a) for i, a in enumerate(own)]))
    container = h5file.get("layers")
    if container is None:
        other = sorted(set(h5file.keys()) - {"vars", "optimizer"})
        if other:
            raise ValueError(
                "%s holds weights in a layout ndflow does not know: expected a Keras 3 "
                "'layers' group (layers/<name>/vars/<i>), found %s." % (
                    where, ", ".join(other[:12])))
        return groups
    layers = _top_layers(model)
    for layer, key in zip(layers, _layer_keys(layers)):
        arrays = _layer_arrays(layer, _find_layer_group(container, layer, key), where)
        groups.append((layer.name, [("vars/%d" % i, a) for i, a in enumerate(arrays)]))
    return groups


def keras3_optimizer_values(h5file, where):
    """``[(name, array)]`` from ``optimizer/vars`` of a Keras 3 weights file."""
    og = h5file.get("optimizer")
    if og is None:
        return []
    return [("optimizer/vars/%d" % i, a) for i, a in enumerate(_vars_of(og, where))]
