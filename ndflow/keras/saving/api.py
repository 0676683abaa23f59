"""``save_model`` / ``load_model`` and friends, for the ``.keras`` and ``.h5`` formats.

``.keras`` (native, the layout of Keras 3, so that Keras 3 loads it): a zip archive
holding

* ``metadata.json``: Keras version and date (what Keras writes), plus ndflow's format
  name and version and the name of the weights file;
* ``config.json``: ``serialize_keras_object(model)`` plus ``compile_config``;
* ``model.weights.h5``: the weights in Keras 3's object-path layout
  (``layers/<key>/vars/<i>``, sublayers below their layer, the model's own variables in
  ``vars``, the optimizer's in ``optimizer/vars``); see :mod:`ndflow.keras.saving.keras3`.

Archives written by ndflow before (format version 1) hold ``model.weights.npz`` instead
(``w/<group>/<i>``, ``optimizer/<i>``, read back with ``allow_pickle=False``); they keep
loading.

``.h5`` (legacy Keras 2 layout, through h5py): root attributes ``model_config`` and
``training_config`` (JSON), group ``model_weights`` with one subgroup per layer
(attributes ``layer_names`` / ``weight_names``), group ``optimizer_weights``.

``save_weights`` to a ``*.weights.h5`` file writes Keras 3's layout (as in
``model.weights.h5``, optimizer included when the model is compiled); to any other
``.h5``/``.hdf5`` name it writes the legacy ``layer_names`` layout at the file's root,
which is what Keras reads from such names. ``load_weights`` reads both.

Files written by real Keras 3 load too: ``.keras`` archives, legacy ``.h5`` files whose
weight and optimizer names are paths inside their groups, and ``.weights.h5`` files.
Keras 2 ``.h5`` files keep loading.

Every write goes to a temporary file in the same folder, then ``os.replace``: a failed
save leaves the previous file intact. Every load goes through the safe-mode gate of
:mod:`ndflow.keras.saving.serialization`; no file content can run code.
"""
import datetime
import io
import json
import os
import warnings
import zipfile
import zlib

import numpy as np

from ndflow.keras.saving import serialization, weights as _w
from ndflow.keras.saving.atomic import atomic_path

FORMAT_NAME = "ndflow.keras"
FORMAT_VERSION = 2          # 1: weights in model.weights.npz; 2: Keras 3 layout
_ZIP_MAGIC = b"PK\x03\x04"
_H5_MAGIC = b"\x89HDF\r\n\x1a\n"
_WEIGHTS_NPZ = "model.weights.npz"
_KERAS3_WEIGHTS = "model.weights.h5"      # Keras 3 archives


def _versions():
    import ndflow
    from ndflow import keras
    return keras.__version__, ndflow.__version__


def _check_model(model, what):
    if not hasattr(model, "get_config") or not hasattr(model, "weights"):
        raise TypeError("%s expects a Keras model, got %r." % (what, type(model).__name__))


def _sniff(filepath):
    filepath = os.fspath(filepath)
    if os.path.isdir(filepath):
        raise ValueError(
            "%s is a directory. It may be a TensorFlow SavedModel, which ndflow cannot load; "
            "load_model reads .keras and .h5 files. Save the model with model.save('m.keras')."
            % filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError("No file or directory found at %s." % filepath)
    with open(filepath, "rb") as f:
        head = f.read(8)
    if head[:4] == _ZIP_MAGIC:
        return "zip"
    if head == _H5_MAGIC:
        return "h5"
    if not head:
        raise ValueError("%s is empty (0 bytes): the save that wrote it did not finish."
                         % filepath)
    if head[:1] == b"\x80":
        raise ValueError("%s looks like a Python pickle. ndflow never loads pickles, because "
                         "loading one runs code from the file." % filepath)
    raise ValueError("%s is neither a .keras zip archive nor an HDF5 file (it starts with "
                     "bytes %r). It is corrupt or in a format ndflow cannot read." % (
                         filepath, head))


# ---- compile state -------------------------------------------------------------------

def _compile_config(model):
    if getattr(model, "optimizer", None) is None and getattr(model, "loss", None) is None:
        return None
    getter = getattr(model, "get_compile_config", None)
    cfg = None
    if getter is not None:
        try:
            cfg = getter()
        except NotImplementedError:
            cfg = None
    if cfg is None:
        args = getattr(model, "_compile_args", None) or {}
        cfg = {"optimizer": args.get("optimizer", getattr(model, "optimizer", None)),
               "loss": args.get("loss", getattr(model, "loss", None)),
               "metrics": args.get("metrics"),
               "loss_weights": args.get("loss_weights"),
               "weighted_metrics": args.get("weighted_metrics")}
    if not cfg:
        return None
    cfg = dict(cfg)
    # the values compile() gives to "not set", written out as Keras writes them (Keras 3
    # compares steps_per_execution with 1 and would fail on None)
    for key, default in (("run_eagerly", False), ("steps_per_execution", 1),
                         ("jit_compile", False)):
        if key in cfg and cfg[key] is None:
            cfg[key] = default
    return serialization.serialize_keras_object(cfg)


def _deserialize_compile_arg(value, kind):
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, list):
        return [_deserialize_compile_arg(v, kind) for v in value]
    if isinstance(value, dict) and "class_name" not in value:
        return {k: _deserialize_compile_arg(v, kind) for k, v in value.items()}
    return serialization.deserialize_keras_object(value, kinds=(kind,))


def _compile_from_config(model, config):
    if not config:
        return False
    legacy = "optimizer_config" in config       # a Keras 2 HDF5 training_config
    if not legacy and _defines(model, "compile_from_config") and \
            _defines(model, "get_compile_config"):
        model.compile_from_config(config)
        return True
    if not hasattr(model, "compile"):
        return False
    try:
        kwargs = _compile_kwargs(config)
    except (TypeError, ValueError) as e:
        if not legacy:
            raise
        warnings.warn("The training configuration of this Keras 2 file could not be restored "
                      "(%s); the model is returned uncompiled. Call model.compile(...)." % e,
                      stacklevel=3)
        return False
    model.compile(**kwargs)
    return True


def _compile_kwargs(config):
    optimizer = config.get("optimizer", config.get("optimizer_config"))
    metrics = config.get("metrics")
    if isinstance(metrics, list) and len(metrics) == 1 and isinstance(metrics[0], list):
        metrics = metrics[0]            # Keras 2 stores one list per output
    kwargs = {"optimizer": _deserialize_compile_arg(optimizer, "optimizers"),
              "loss": _deserialize_compile_arg(config.get("loss"), "losses"),
              "metrics": _deserialize_compile_arg(metrics, "metrics")}
    if config.get("loss_weights") is not None:
        kwargs["loss_weights"] = config["loss_weights"]
    if config.get("weighted_metrics") is not None:
        kwargs["weighted_metrics"] = _deserialize_compile_arg(config["weighted_metrics"],
                                                              "metrics")
    if kwargs["optimizer"] is None:
        kwargs.pop("optimizer")
    return kwargs


def _defines(model, name):
    """True when a class of ``model`` (the trainer) implements ``name`` itself."""
    return any(name in vars(klass) for klass in type(model).__mro__)


# ---- .keras --------------------------------------------------------------------------

def _keras3_weights_bytes(model, optimizer=None):
    """``model.weights.h5`` (Keras 3's layout) as bytes."""
    from ndflow.keras.saving import keras3
    h5py = _h5py()
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        keras3.write_weights(f, model, optimizer)
    return buf.getvalue()


def _saved_optimizer(model, include_optimizer):
    """The optimizer whose variables a save stores: Keras stores a compiled model's."""
    if not include_optimizer:
        return None
    opt = getattr(model, "optimizer", None)
    if opt is None or not hasattr(opt, "variables"):
        return None
    return opt


def _save_keras_zip(model, filepath, overwrite, include_optimizer):
    config = serialization.serialize_keras_object(model)
    compile_config = _compile_config(model) if include_optimizer else None
    if compile_config is not None:
        config["compile_config"] = compile_config
    weights = _keras3_weights_bytes(model, _saved_optimizer(model, include_optimizer))
    keras_version, ndflow_version = _versions()
    metadata = {"keras_version": keras_version,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
                "format": FORMAT_NAME, "format_version": FORMAT_VERSION,
                "ndflow_version": ndflow_version, "weights_file": _KERAS3_WEIGHTS}
    with atomic_path(filepath, overwrite) as tmp:
        # entries in Keras' order, stored uncompressed as Keras stores them (h5py reads
        # the weights file with random access)
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as zf:
            zf.writestr("metadata.json", json.dumps(metadata))
            zf.writestr("config.json", json.dumps(config))
            zf.writestr(_KERAS3_WEIGHTS, weights)


def _read_json(zf, name, filepath):
    try:
        return json.loads(zf.read(name).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError("%s: %s inside the archive is not valid JSON (%s); the file is "
                         "corrupt." % (filepath, name, e)) from None


def _open_zip(filepath):
    try:
        zf = zipfile.ZipFile(filepath)
        bad = zf.testzip()
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error, ValueError) as e:
        raise ValueError("%s is not a readable .keras archive (%s). It is probably truncated "
                         "(a save or download that did not finish) or corrupt." % (
                             filepath, e)) from None
    if bad is not None:
        zf.close()
        raise ValueError("%s is corrupt: the archive entry %r fails its checksum." % (
            filepath, bad))
    return zf


def _read_keras_zip(filepath, need_config=True):
    with _open_zip(filepath) as zf:
        names = set(zf.namelist())
        required = ({"config.json"} if need_config else set()) | {"metadata.json"}
        missing = required - names
        if missing:
            raise ValueError(
                "%s is a zip archive but not a Keras model file: it lacks %s (it holds %s)." % (
                    filepath, ", ".join(sorted(missing)), ", ".join(sorted(names)[:10])))
        metadata = _read_json(zf, "metadata.json", filepath)
        config = _read_json(zf, "config.json", filepath) if "config.json" in names else None
        if metadata.get("format") not in (None, FORMAT_NAME):
            raise ValueError("%s has format %r, not %r." % (filepath, metadata.get("format"),
                                                             FORMAT_NAME))
        if metadata.get("format") == FORMAT_NAME and \
                int(metadata.get("format_version", 1)) > FORMAT_VERSION:
            raise ValueError("%s was written by a newer ndflow (format version %s; this one "
                             "reads up to %d). Upgrade ndflow." % (
                                 filepath, metadata.get("format_version"), FORMAT_VERSION))
        wname = metadata.get("weights_file")
        if wname is None:       # Keras 3 names no weights file; ndflow 1 wrote the npz
            wname = _KERAS3_WEIGHTS if _KERAS3_WEIGHTS in names else _WEIGHTS_NPZ
        if wname not in names:
            raise ValueError("%s lacks its weights: expected %s in the archive, found %s." % (
                filepath, wname, ", ".join(sorted(names))))
        if wname == _KERAS3_WEIGHTS:
            # Keras 3's layout: the weights are matched to layers once the model exists
            return config, metadata, _Keras3Weights(zf.read(wname), filepath), None
        groups, opt = _read_npz(zf.read(wname), metadata, filepath)
    return config, metadata, groups, opt


class _Keras3Weights:
    """The ``model.weights.h5`` of a Keras 3 archive, read once the model is rebuilt
    (Keras 3 names weight groups by layer class and position, not by layer name)."""

    def __init__(self, data, filepath):
        self.data = data
        self.filepath = filepath

    def read(self, model, read_optimizer=True, by_name=False):
        """``(groups, optimizer_values)`` for ``model``."""
        from ndflow.keras.saving import keras3
        h5py = _h5py()
        try:
            with h5py.File(io.BytesIO(self.data), "r") as f:
                read = keras3.keras3_weight_groups_by_name if by_name else \
                    keras3.keras3_weight_groups
                groups = read(model, f, self.filepath)
                opt = keras3.keras3_optimizer_values(f, self.filepath) \
                    if read_optimizer else []
        except (KeyError, OSError, RuntimeError) as e:
            raise ValueError("%s: %s inside the archive is corrupt or truncated (%s)." % (
                self.filepath, _KERAS3_WEIGHTS, e)) from None
        return groups, opt


def _read_npz(data, metadata, filepath):
    try:
        npz = np.load(io.BytesIO(data), allow_pickle=False)
        arrays = {k: npz[k] for k in npz.files}
    except ValueError as e:
        raise ValueError("%s: the weights hold data that is not plain numeric arrays (%s); "
                         "ndflow refuses pickled objects." % (filepath, e)) from None
    except Exception as e:  # noqa: BLE001 - any parse failure is a corrupt file
        raise ValueError("%s: the weights archive is corrupt (%s)." % (filepath, e)) from None
    groups = []
    for gi, g in enumerate(metadata.get("weights", [])):
        entries = []
        for i, w in enumerate(g["weights"]):
            key = "w/%d/%d" % (gi, i)
            if key not in arrays:
                raise ValueError("%s is incomplete: weight %s of layer %s is missing." % (
                    filepath, w[0], g["name"]))
            entries.append((w[0], arrays[key]))
        groups.append((g["name"], entries))
    opt = []
    for i, name in enumerate(metadata.get("optimizer_weights", [])):
        opt.append((name, arrays["optimizer/%d" % i]))
    return groups, opt


# ---- .h5 -----------------------------------------------------------------------------

def _h5py():
    try:
        import h5py
    except ImportError:  # pragma: no cover
        raise ImportError("Saving and loading .h5 files needs h5py: pip install h5py") from None
    return h5py


def _write_h5_groups(h5group, groups):
    h5group.attrs["layer_names"] = np.array([n.encode("utf-8") for n, _ in groups],
                                            dtype="S") if groups else np.zeros((0,), "S1")
    for name, entries in groups:
        g = h5group.create_group(name)
        g.attrs["weight_names"] = np.array([wn.encode("utf-8") for wn, _ in entries],
                                           dtype="S") if entries else np.zeros((0,), "S1")
        for wn, a in entries:
            g.create_dataset(wn, data=a)


def _attr_str(v):
    if isinstance(v, bytes):
        return v.decode("utf-8")
    return str(v)


def _describe_h5(h5group):
    keys = sorted(h5group.keys())
    attrs = sorted(h5group.attrs.keys())
    return "groups/datasets [%s], attributes [%s]" % (", ".join(keys[:12]) + (
        " ..." if len(keys) > 12 else ""), ", ".join(attrs[:12]))


def _read_h5_groups(h5group, filepath):
    if "layer_names" not in h5group.attrs:
        where = "its root" if h5group.name == "/" else h5group.name
        raise ValueError(
            "%s holds no weights in a layout ndflow knows. Expected at %s a 'layer_names' "
            "attribute listing one group per layer (Keras 2 / ndflow / Keras 3 legacy .h5), "
            "or a 'layers' group with 'layers/<name>/vars/<i>' (Keras 3 .weights.h5); found "
            "%s." % (filepath, where, _describe_h5(h5group)))
    groups = []
    top = h5group.get("top_level_model_weights")     # Keras 3: the model's own variables
    if top is not None and len(top.attrs.get("weight_names", [])):
        groups.append(("top_level_model_weights", _read_h5_entries(top, filepath,
                                                                   "the model itself")))
    for lname in [_attr_str(n) for n in h5group.attrs["layer_names"]]:
        if lname not in h5group:
            raise ValueError("%s is incomplete: layer %s is listed but missing." % (
                filepath, lname))
        groups.append((lname, _read_h5_entries(h5group[lname], filepath, lname)))
    return groups


def _read_h5_entries(g, filepath, lname):
    """The datasets a layer group lists in ``weight_names``; a name is a path inside the
    group (``kernel:0`` for Keras 2, ``sequential/dense/kernel`` for Keras 3)."""
    entries = []
    for wn in [_attr_str(n) for n in g.attrs.get("weight_names", [])]:
        if wn not in g:
            raise ValueError(
                "%s is incomplete or in an unknown layout: layer %s lists weight %r but "
                "its group holds %s." % (filepath, lname, wn, _describe_h5(g)))
        entries.append((wn, np.asarray(g[wn][()])))
    return entries


def _save_h5(model, filepath, overwrite, include_optimizer):
    h5py = _h5py()
    config = serialization.serialize_keras_object(model)
    compile_config = _compile_config(model) if include_optimizer else None
    keras_version, ndflow_version = _versions()
    with atomic_path(filepath, overwrite) as tmp:
        with h5py.File(tmp, "w") as f:
            f.attrs["keras_version"] = keras_version
            f.attrs["ndflow_version"] = ndflow_version
            f.attrs["backend"] = "ndflow"
            f.attrs["model_config"] = json.dumps(config)
            if compile_config is not None:
                f.attrs["training_config"] = json.dumps(compile_config)
            mw = f.create_group("model_weights")
            mw.attrs["keras_version"] = keras_version
            mw.attrs["backend"] = "ndflow"
            _write_h5_groups(mw, _w.get_weight_values(model))
            if include_optimizer:
                opt_values = _w.get_optimizer_values(getattr(model, "optimizer", None))
                if opt_values:
                    og = f.create_group("optimizer_weights")
                    og.attrs["weight_names"] = np.array(
                        [("%d:%s" % (i, n)).encode("utf-8") for i, (n, _) in
                         enumerate(opt_values)], dtype="S")
                    for i, (n, a) in enumerate(opt_values):
                        og.create_dataset(str(i), data=a)


def _open_h5(filepath):
    h5py = _h5py()
    try:
        return h5py.File(filepath, "r")
    except OSError as e:
        raise ValueError("%s is not a readable HDF5 file (%s). It is probably truncated or "
                         "corrupt." % (filepath, e)) from None


def _read_h5_model(filepath, read_optimizer=True):
    with _open_h5(filepath) as f:
        try:
            if "model_config" not in f.attrs:
                if "layer_names" in f.attrs or _is_keras3_layout(f):
                    raise ValueError(
                        "%s holds only weights (written by save_weights), not a whole model. "
                        "Build the model in code and call model.load_weights(%r)." % (
                            filepath, os.fspath(filepath)))
                raise ValueError("%s is an HDF5 file but not a Keras model: it has no "
                                 "'model_config' attribute." % filepath)
            config = _parse_json_attr(f.attrs["model_config"], "model_config", filepath)
            compile_config = None
            if "training_config" in f.attrs:
                compile_config = _parse_json_attr(f.attrs["training_config"],
                                                  "training_config", filepath)
            if "model_weights" not in f:
                raise ValueError("%s has no 'model_weights' group." % filepath)
            groups = _read_h5_groups(f["model_weights"], filepath)
            opt = []
            if read_optimizer and "optimizer_weights" in f:
                opt = _read_h5_optimizer(f["optimizer_weights"], filepath)
                if opt and _attr_str(f.attrs.get("keras_version", "")).startswith("3.") and \
                        f.attrs.get("ndflow_version") is None:
                    # Keras 3 lists its optimizer's variables in its own order
                    from ndflow.keras.saving import keras3
                    opt = keras3.KerasOrderedValues(opt)
        except (KeyError, OSError, RuntimeError) as e:
            raise ValueError("%s is corrupt or truncated: %s" % (filepath, e)) from None
    return config, compile_config, groups, opt


def _read_h5_optimizer(og, filepath):
    """``[(name, array)]`` from ``optimizer_weights``: ndflow stores ``"<i>:<name>"`` in
    dataset ``<i>``; Keras 2 and Keras 3 store each variable at the path it is named by."""
    out = []
    for i, n in enumerate(_attr_str(n) for n in og.attrs.get("weight_names", [])):
        index, sep, rest = n.partition(":")
        if sep and index == str(i) and str(i) in og:
            out.append((rest, np.asarray(og[str(i)][()])))
        elif n in og and not hasattr(og[n], "keys"):
            out.append((n, np.asarray(og[n][()])))
        else:
            raise ValueError(
                "%s: the optimizer state is in an unknown layout. Its variable %d is named "
                "%r, expected a dataset at that path (Keras 2/3) or dataset %r named "
                "'%d:<name>' (ndflow); found %s. Load with compile=False to skip it." % (
                    filepath, i, n, str(i), i, _describe_h5(og)))
    return out


def _parse_json_attr(value, name, filepath):
    try:
        return json.loads(_attr_str(value))
    except json.JSONDecodeError as e:
        raise ValueError("%s: the %s attribute is not valid JSON (%s)." % (filepath, name,
                                                                          e)) from None


# ---- public API ----------------------------------------------------------------------

def _format_for_save(filepath, save_format=None):
    path = os.fspath(filepath)
    if save_format in ("h5", "keras"):
        return save_format
    if save_format == "tf":
        raise ValueError("save_format='tf' (SavedModel) is not supported by ndflow; save as "
                         "'%s.keras' (recommended) or '.h5'." % os.path.splitext(path)[0])
    lower = path.lower()
    if lower.endswith(".keras"):
        return "keras"
    if lower.endswith((".h5", ".hdf5")):
        return "h5"
    raise ValueError(
        "Invalid filepath extension for saving: %r. Add a '.keras' extension for the native "
        "format (recommended) or '.h5' for HDF5, e.g. model.save('%s.keras')." % (
            path, os.path.splitext(path)[0] or "model"))


def save_model(model, filepath, overwrite=True, include_optimizer=True, save_format=None,
               **kwargs):
    """Save architecture, weights and (with ``include_optimizer``) the compile state."""
    _check_model(model, "save_model")
    fmt = _format_for_save(filepath, save_format)
    if not getattr(model, "built", True) and not model.weights:
        raise ValueError(
            "Model %r has not been built, so there are no weights to save. Call it on data "
            "(or fit it, or call model.build(input_shape)) before saving." % model.name)
    if fmt == "keras":
        _save_keras_zip(model, filepath, overwrite, include_optimizer)
    else:
        _save_h5(model, filepath, overwrite, include_optimizer)


def _build_model(config, custom_objects, safe_mode, source):
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError("%s does not hold a model config (expected a dict with 'class_name', "
                         "got %r)." % (source, type(config).__name__))
    model = serialization.deserialize_keras_object(config, custom_objects=custom_objects,
                                                   safe_mode=safe_mode)
    if not hasattr(model, "weights"):
        raise ValueError("%s describes a %s, not a model." % (source, config["class_name"]))
    return model


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a model saved by ``model.save`` (``.keras`` or ``.h5``).

    ``safe_mode=True`` (the default) refuses anything in the file that would run code
    (a Lambda layer's bytecode); only pass ``False`` for files you trust.
    """
    kind = _sniff(filepath)
    path = os.fspath(filepath)
    with serialization.loading(bool(safe_mode)):
        if kind == "zip":
            config, _, groups, opt = _read_keras_zip(path)
            compile_config = config.pop("compile_config", None) if isinstance(config, dict) \
                else None
        else:
            config, compile_config, groups, opt = _read_h5_model(path, bool(compile))
        model = _build_model(config, custom_objects, safe_mode, path)
        if isinstance(groups, _Keras3Weights):
            groups, opt = groups.read(model, read_optimizer=bool(compile))
        _ensure_built(model, groups, path)
        _w.set_weight_values(model, groups, source=path)
        if compile and compile_config:
            with _scope(custom_objects):
                compiled = _compile_from_config(model, compile_config)
            if compiled and opt:
                _w.set_optimizer_values(model, opt)
    return model


def _scope(custom_objects):
    from ndflow.keras.saving.registry import CustomObjectScope
    return CustomObjectScope(custom_objects or {})


def _ensure_built(model, groups, source):
    if groups and not _w.weight_groups(model):
        raise ValueError(
            "%s holds weights but the model rebuilt from its config has none: the model "
            "could not be built from its config. For a subclassed model, make sure "
            "get_config()/from_config() recreate it and that it can be built (define "
            "build(), or call it in from_config)." % source)


def save_weights(model, filepath, overwrite=True, **kwargs):
    """Write the weights as HDF5: Keras 3's layout for ``*.weights.h5`` (the optimizer's
    variables included when the model is compiled, as Keras does), the legacy
    ``layer_names`` layout for other ``.h5``/``.hdf5`` names."""
    _check_model(model, "save_weights")
    path = os.fspath(filepath)
    lower = path.lower()
    if lower.endswith(".keras"):
        raise ValueError("save_weights writes weights only; %r ends with .keras. Use "
                         "model.save(%r) for a whole model, or a name ending in '.weights.h5'."
                         % (path, path))
    if not lower.endswith((".h5", ".hdf5")):
        raise ValueError("The filename must end in '.weights.h5' for save_weights, got %r. "
                         "For example: model.save_weights('%s.weights.h5')." % (
                             path, os.path.splitext(path)[0]))
    h5py = _h5py()
    if lower.endswith(".weights.h5"):
        from ndflow.keras.saving import keras3
        optimizer = _saved_optimizer(model, True)
        with atomic_path(path, overwrite) as tmp:
            with h5py.File(tmp, "w") as f:
                keras3.write_weights(f, model, optimizer)
        return
    keras_version, ndflow_version = _versions()
    groups = _w.get_weight_values(model)
    with atomic_path(path, overwrite) as tmp:
        with h5py.File(tmp, "w") as f:
            f.attrs["keras_version"] = keras_version
            f.attrs["ndflow_version"] = ndflow_version
            f.attrs["backend"] = "ndflow"
            _write_h5_groups(f, groups)


def load_weights(model, filepath, skip_mismatch=False, by_name=False, **kwargs):
    """Load weights saved by ``save_weights`` or ``save`` (``.h5`` or ``.keras``).

    By default weights are matched layer by layer in order; ``by_name=True`` matches
    layers by name (layers missing from the file keep their weights).
    """
    _check_model(model, "load_weights")
    path = os.fspath(filepath)
    kind = _sniff(path)
    with serialization.loading(True):   # nothing here may run code from the file
        if not getattr(model, "built", True) and not _w.weight_groups(model):
            raise ValueError(
                "Model %r has not been built, so its weights do not exist yet and cannot be "
                "loaded. Call the model on a batch of data or model.build(input_shape) first, "
                "then load_weights." % model.name)
        if kind == "zip":
            _, _, groups, _ = _read_keras_zip(path, need_config=False)
            if isinstance(groups, _Keras3Weights):
                groups, _ = groups.read(model, read_optimizer=False, by_name=by_name)
        else:
            from ndflow.keras.saving import keras3
            with _open_h5(path) as f:
                try:
                    opt = []
                    if _is_keras3_layout(f):       # a Keras 3 .weights.h5
                        read = keras3.keras3_weight_groups_by_name if by_name else \
                            keras3.keras3_weight_groups
                        groups = read(model, f, path)
                        if getattr(model, "optimizer", None) is not None:
                            opt = keras3.keras3_optimizer_values(f, path)
                    else:
                        root = f["model_weights"] if "model_weights" in f else f
                        groups = _read_h5_groups(root, path)
                except (KeyError, OSError, RuntimeError) as e:
                    raise ValueError("%s is corrupt or truncated: %s" % (path, e)) from None
        _w.set_weight_values(model, groups, by_name=by_name, skip_mismatch=skip_mismatch,
                             source=path)
        if kind != "zip" and opt:
            _w.set_optimizer_values(model, opt)     # Keras restores it too


def _is_keras3_layout(f):
    """True for an HDF5 file in Keras 3's object-path layout (``vars`` groups), false for
    the legacy ``layer_names`` layout."""
    if "layer_names" in f.attrs or "model_weights" in f:
        return False
    return "layers" in f or "vars" in f or any(
        hasattr(f[k], "keys") and "vars" in f[k] for k in f.keys())


def model_to_json(model, **kwargs):
    _check_model(model, "to_json")
    return json.dumps(serialization.serialize_keras_object(model), **kwargs)


def model_from_config(config, custom_objects=None, safe_mode=True):
    with serialization.loading(bool(safe_mode)):
        return _build_model(config, custom_objects, safe_mode, "the config")


def model_from_json(json_string, custom_objects=None, safe_mode=True):
    """Rebuild a model (fresh weights) from ``model.to_json()``."""
    try:
        config = json.loads(json_string)
    except (TypeError, json.JSONDecodeError) as e:
        raise ValueError("model_from_json: the string is not valid JSON (%s)." % e) from None
    return model_from_config(config, custom_objects=custom_objects, safe_mode=safe_mode)
