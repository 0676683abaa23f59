"""Which variables a saved model holds, in which order, and how they are put back.

Weights are grouped by top-level layer (as in Keras' HDF5 files): one group per layer
that has variables, holding every variable of that layer and its sublayers, depth first
in creation order. The order does not depend on ``trainable`` flags, so a frozen layer
loads the same as an unfrozen one.
"""
import warnings

import numpy as np


def _is_saveable(obj):
    names = {c.__name__ for c in type(obj).__mro__}
    return not (names & {"Metric", "Loss", "Optimizer", "LossesContainer",
                         "MetricsContainer", "CompileMetrics", "CompileLoss"})


def _sublayers(layer):
    return [l for l in layer.__dict__.get("_layers", []) if _is_saveable(l)]


def _layer_variables(layer, seen):
    out = []
    for v in layer.__dict__.get("_tracked_variables", []):
        if id(v) not in seen:
            seen.add(id(v))
            out.append(v)
    for sub in _sublayers(layer):
        out.extend(_layer_variables(sub, seen))
    return out


def _top_layers(model):
    layers = []
    try:
        layers = [l for l in model.layers if _is_saveable(l)]
    except Exception:        # a model whose .layers cannot be listed yet
        layers = []
    ids = {id(l) for l in layers}
    for l in _sublayers(model):
        if id(l) not in ids:
            layers.append(l)
            ids.add(id(l))
    return layers


def weight_groups(model):
    """``[(group_name, [variables])]``: the model's own variables, then one group per
    top-level layer with variables."""
    seen = set()
    groups = []
    own = [v for v in model.__dict__.get("_tracked_variables", []) if id(v) not in seen]
    for v in own:
        seen.add(id(v))
    if own:
        groups.append((model.name, own))
    names = set()
    for layer in _top_layers(model):
        vs = _layer_variables(layer, seen)
        if vs:
            name = layer.name
            while name in names:
                name += "_"
            names.add(name)
            groups.append((name, vs))
    return groups


def variable_name(v):
    return str(getattr(v, "path", None) or getattr(v, "name", None) or "variable")


def get_weight_values(model):
    """``[(group_name, [(weight_name, array)])]`` for saving."""
    out = []
    for name, vs in weight_groups(model):
        used = set()
        entries = []
        for v in vs:
            wname = variable_name(v)
            base, i = wname, 1
            while wname in used:
                wname = "%s_%d" % (base, i)
                i += 1
            used.add(wname)
            entries.append((wname, np.asarray(v._value)))
        out.append((name, entries))
    return out


def _shape_list(entries):
    return ", ".join("%s %s" % (n, tuple(a.shape)) for n, a in entries)


def set_weight_values(model, saved, by_name=False, skip_mismatch=False, source="the file"):
    """Assign ``saved`` (as from :func:`get_weight_values`) to ``model``'s variables.

    Everything is checked before anything is assigned, so a failed load leaves the model
    as it was.
    """
    if saved and not getattr(model, "built", True) and not weight_groups(model):
        raise ValueError(
            "Cannot load weights into model %r: it has not been built yet, so it has no "
            "weights. Call the model on a batch of data (or model.build(input_shape)) first."
            % getattr(model, "name", model))
    targets = weight_groups(model)
    saved = [(name, entries) for name, entries in saved if entries]   # Keras 2 lists all
    pairs = []
    if by_name:
        saved_by_name = {name: entries for name, entries in saved}
        for name, vs in targets:
            entries = saved_by_name.get(name)
            if entries is None:
                continue
            pairs.extend(_match(name, vs, entries, skip_mismatch, source))
    else:
        if len(saved) != len(targets):
            raise ValueError(
                "%s holds weights for %d layer(s) but model %r has %d layer(s) with weights.\n"
                "  in the file: %s\n  in the model: %s\nThe architecture differs. Build the "
                "same model, or load by name with load_weights(..., by_name=True, "
                "skip_mismatch=True)." % (
                    source, len(saved), model.name, len(targets),
                    ", ".join(n for n, _ in saved) or "(none)",
                    ", ".join(n for n, _ in targets) or "(none)"))
        saved_names = [n for n, _ in saved]
        target_names = [n for n, _ in targets]
        if saved_names != target_names and len(set(saved_names)) == len(saved_names) and \
                set(saved_names) == set(target_names):
            # The same layers listed in another order (Keras and ndflow may order the
            # branches of a Functional graph differently): pair them by name, not position.
            by = dict(saved)
            saved = [(n, by[n]) for n in target_names]
        for (sname, entries), (tname, vs) in zip(saved, targets):
            pairs.extend(_match(tname, vs, entries, skip_mismatch, source, sname))
    for v, value in pairs:
        v.assign(value)


def _extra_normalization_count(vs, entries):
    """Keras 3's ``Normalization`` saves a third statistic after mean and variance, the
    integer ``count`` of samples ``adapt`` saw; it takes no part in the computation, and
    ndflow's ``Normalization`` has no such weight."""
    if len(entries) != len(vs) + 1 or len(vs) != 2:
        return False
    leaves = [variable_name(v).rsplit("/", 1)[-1] for v in vs]
    last = entries[-1][1]
    return leaves == ["mean", "variance"] and last.ndim == 0 and last.dtype.kind in "iu"


def _match(name, vs, entries, skip_mismatch, source, saved_name=None):
    label = name if saved_name in (None, name) else "%s (saved as %s)" % (name, saved_name)
    if _extra_normalization_count(vs, entries):
        entries = entries[:-1]
    if len(vs) != len(entries):
        msg = ("Layer %s expects %d weight(s) (%s) but %s holds %d (%s)." % (
            label, len(vs), ", ".join("%s %s" % (variable_name(v), tuple(v.shape))
                                      for v in vs),
            source, len(entries), _shape_list(entries)))
        if skip_mismatch:
            warnings.warn(msg + " Skipped (skip_mismatch=True).", stacklevel=4)
            return []
        raise ValueError(msg)
    out = []
    for v, (wname, arr) in zip(vs, entries):
        target_shape = tuple(v._value.shape)
        if tuple(arr.shape) != target_shape:
            msg = ("Shape mismatch in layer %s, weight %s: the model has shape %s but %s holds "
                   "shape %s. The layer was configured differently when the file was saved "
                   "(units, input size, kernel size ...)." % (
                       label, variable_name(v), target_shape, source, tuple(arr.shape)))
            if skip_mismatch:
                warnings.warn(msg + " Skipped (skip_mismatch=True).", stacklevel=4)
                return []
            raise ValueError(msg)
        if arr.dtype.kind not in "biuf":
            raise ValueError("Weight %s of layer %s in %s has dtype %s; only numeric arrays can "
                             "be loaded." % (wname, label, source, arr.dtype))
        out.append((v, np.asarray(arr, dtype=v._value.dtype)))
    return out


# ---- optimizer state -----------------------------------------------------------------

def optimizer_variables(optimizer):
    if optimizer is None:
        return []
    vs = getattr(optimizer, "variables", None)
    if callable(vs):
        vs = vs()
    return list(vs or [])


def get_optimizer_values(optimizer):
    return [(variable_name(v), np.asarray(v._value)) for v in optimizer_variables(optimizer)]


def _build_optimizer(opt, model):
    build = getattr(opt, "build", None)
    if build is not None:
        try:
            build(model.trainable_variables)
        except TypeError:
            pass


def set_optimizer_values(model, values):
    """Restore the optimizer's slots and iteration count (building it if needed)."""
    opt = getattr(model, "optimizer", None)
    if opt is None or not values:
        return False
    from ndflow.keras.saving import keras3
    if isinstance(values, keras3.KerasOrderedValues):
        # a Keras 3 file: its order (slots grouped as Keras makes them) is mapped to ours.
        # As in Keras, the optimizer is built first, so the state of one that was never
        # trained (iteration and learning rate only) does not fit and is skipped.
        if not getattr(opt, "built", True):
            _build_optimizer(opt, model)
        pairs = keras3.assign_keras_ordered_optimizer(opt, values)
        if pairs is None:
            warnings.warn(
                "The optimizer state in the file (%d variables, Keras 3 layout) does not "
                "match optimizer %s (%d variables); the optimizer starts fresh." % (
                    len(values), type(opt).__name__, len(keras3.optimizer_items(opt))),
                stacklevel=3)
            return False
        current = [v for v, _ in pairs]
        values = [(variable_name(v), a) for v, a in pairs]
    else:
        if not getattr(opt, "built", True) or len(optimizer_variables(opt)) < len(values):
            _build_optimizer(opt, model)
        current = optimizer_variables(opt)
    if len(current) != len(values) or any(
            tuple(v._value.shape) != tuple(a.shape) for v, (_, a) in zip(current, values)):
        warnings.warn(
            "The optimizer state in the file (%d variables) does not match optimizer %s "
            "(%d variables); the optimizer starts fresh." % (
                len(values), type(opt).__name__, len(current)), stacklevel=3)
        return False
    for v, (_, a) in zip(current, values):
        if a.dtype.kind not in "biuf":
            raise ValueError("Optimizer variable %s has a non-numeric dtype %s." % (
                variable_name(v), a.dtype))
        v.assign(np.asarray(a, dtype=v._value.dtype))
    return True
