"""Turning Keras objects into JSON-able configs and back, safely.

``serialize_keras_object(obj)`` gives ``{"module", "class_name", "config",
"registered_name"}`` (plus ``"build_config"`` for built layers), the Keras 3 layout.
``deserialize_keras_object(config)`` rebuilds the object.

Safety rules, enforced here for every loading path (``load_model`` for ``.keras`` and
``.h5``, ``model_from_json``, ``from_config``):

* A config can only *name* objects: registered classes/functions (``custom_objects``,
  ``custom_object_scope``, ``@register_keras_serializable``) or ndflow's public built-ins.
  The ``"module"`` field of a file is compared against a fixed list, never imported.
* Nothing named in a config is called while loading except a resolved class's
  ``from_config`` (and ``build_from_config``). Functions are returned as objects.
* Python bytecode (a ``Lambda`` layer's lambda) is refused unless the caller of the load
  passed ``safe_mode=False``. The flag lives in a per-thread stack set by the caller's
  ``SafeModeScope``; ``enable_unsafe_deserialization()`` cannot be called while a load is
  running, so no file content can switch it off.
"""
import base64
import builtins
import marshal
import sys
import threading
import types

import numpy as np

from ndflow.keras.saving import keras3, registry

_state = threading.local()
_unsafe_global = {"enabled": False}


def _stack():
    s = getattr(_state, "safe", None)
    if s is None:
        s = _state.safe = []
    return s


def _depth():
    return getattr(_state, "depth", 0)


class SafeModeScope:
    """``with SafeModeScope(False):`` allows unsafe deserialization inside the block.

    ``SafeModeScope(None)`` keeps the current setting.
    """

    def __init__(self, safe_mode=True):
        if safe_mode is not None and not isinstance(safe_mode, (bool, np.bool_)):
            raise TypeError("safe_mode must be True, False or None, got %r." % (safe_mode,))
        self.safe_mode = None if safe_mode is None else bool(safe_mode)

    def __enter__(self):
        value = in_safe_mode() if self.safe_mode is None else self.safe_mode
        _stack().append(value)
        return self

    def __exit__(self, *exc):
        _stack().pop()
        return False


class loading(SafeModeScope):
    """The scope of one whole load (``load_model``, ``model_from_json``, ``load_weights``):
    sets safe mode to the caller's choice and forbids ``enable_unsafe_deserialization``."""

    def __enter__(self):
        _state.depth = _depth() + 1
        return super().__enter__()

    def __exit__(self, *exc):
        _state.depth -= 1
        return super().__exit__(*exc)


def in_safe_mode():
    """True unless the caller of the current load passed ``safe_mode=False`` (or, outside
    any load, called ``enable_unsafe_deserialization()``)."""
    s = _stack()
    if s:
        return s[-1]
    return not _unsafe_global["enabled"]


def enable_unsafe_deserialization():
    """Allow Lambda bytecode in ``from_config`` calls made outside ``load_model`` and
    ``model_from_json`` (those follow their own ``safe_mode`` argument).

    Refused while a model is being loaded, so that a file can never call it.
    """
    if _depth() > 0:
        raise RuntimeError(
            "enable_unsafe_deserialization() was called while a model was being loaded. A "
            "file cannot switch safe mode off; if you trust the file, pass safe_mode=False "
            "to load_model / model_from_json.")
    _unsafe_global["enabled"] = True


class UnknownObjectError(TypeError, ValueError):
    """A config names a class or function that is neither built in nor registered."""


# ---- serialization -----------------------------------------------------------------------

_PUBLIC_MODULE = {kind: "keras." + kind for kind in registry.BUILTIN_NAMESPACES}
_PUBLIC_MODULE["schedules"] = "keras.optimizers.schedules"
_PUBLIC_MODULE["models"] = "keras"


def _serialize_value(value):
    """Plain data stays plain; tuples become lists; arrays become ``__numpy__`` dicts."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [_serialize_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _serialize_value(v) for k, v in value.items()}
    if isinstance(value, np.ndarray) or type(value).__name__ in ("Tensor", "Variable",
                                                                 "KerasVariable"):
        arr = np.asarray(getattr(value, "_value", value))
        return {"class_name": "__numpy__",
                "config": {"value": arr.tolist(), "dtype": arr.dtype.name}}
    if hasattr(value, "as_numpy_dtype") and hasattr(value, "name"):   # DType
        return value.name
    if isinstance(value, np.dtype):
        return value.name
    return serialize_keras_object(value)


def serialize_function(fn):
    """Config of a function: by registered or built-in name; a lambda (or other
    unnamed function) as marshalled bytecode, which only ``safe_mode=False`` loads."""
    if registry._is_registered(fn):
        name = registry.get_registered_name(fn)
        return {"module": getattr(fn, "__module__", None), "class_name": "function",
                "config": name, "registered_name": name}
    found = registry.builtin_name(fn)
    if found is not None:
        kind, name = found
        return {"module": _PUBLIC_MODULE[kind], "class_name": "function", "config": name,
                "registered_name": name}
    code = getattr(fn, "__code__", None)
    if code is not None and (fn.__name__ == "<lambda>" or "<locals>" in fn.__qualname__):
        config = {"code": base64.b64encode(marshal.dumps(code)).decode("ascii"),
                  "defaults": _serialize_value(fn.__defaults__),
                  "python": "%d.%d" % sys.version_info[:2]}
        if fn.__name__ != "<lambda>":
            config["name"] = fn.__name__   # a nested def: custom_objects may supply it
        return {"module": None, "class_name": "__lambda__", "registered_name": None,
                "config": config}
    name = getattr(fn, "__name__", repr(fn))
    return {"module": getattr(fn, "__module__", None), "class_name": "function",
            "config": name, "registered_name": name}


def serialize_keras_object(obj):
    """The Keras 3 config dict of ``obj`` (plain values are returned as they are)."""
    if obj is None or isinstance(obj, (bool, int, float, str, list, tuple, dict, np.ndarray,
                                       np.generic)):
        return _serialize_value(obj)
    if isinstance(obj, types.FunctionType) or (callable(obj) and not hasattr(obj, "get_config")
                                               and hasattr(obj, "__code__")):
        return serialize_function(obj)
    if type(obj).__name__ in ("Tensor", "Variable", "KerasVariable"):
        return _serialize_value(obj)
    if isinstance(obj, type):
        raise TypeError("serialize_keras_object: cannot serialize the class %s itself; "
                        "serialize an instance." % obj.__name__)
    if not hasattr(obj, "get_config"):
        if callable(obj) and hasattr(obj, "__name__"):
            return serialize_function(obj)
        raise TypeError("serialize_keras_object: %r has no get_config() method, so it cannot "
                        "be saved. Give its class a get_config() (and register it with "
                        "@keras.saving.register_keras_serializable())." % (obj,))
    cls = type(obj)
    try:
        config = obj.get_config()
    except NotImplementedError as e:
        if str(e) and "get_config() is not implemented" not in str(e):
            raise   # a specific explanation from a layer inside (e.g. an op layer)
        raise NotImplementedError(
            "%s.get_config() is not implemented, so this object cannot be saved. Implement "
            "get_config() returning the constructor arguments (and register the class with "
            "@keras.saving.register_keras_serializable())." % cls.__name__) from None
    out = {"class_name": cls.__name__, "config": _serialize_value(config)}
    if registry._is_registered(cls):
        out["module"] = cls.__module__
        out["registered_name"] = registry.get_registered_name(cls)
    else:
        found = registry.builtin_name(cls)
        if found is not None:
            out["module"] = _PUBLIC_MODULE[found[0]]
            out["registered_name"] = None
            if cls.__name__ == "Functional" and found[0] == "models":
                # Keras 3 exports no public Functional: it finds the class by this path
                out["module"] = "keras.src.models.functional"
                out["registered_name"] = "Functional"
        else:
            # an unregistered user class: loadable through custom_objects={name: cls}
            out["module"] = cls.__module__
            out["registered_name"] = cls.__name__
    if hasattr(obj, "get_build_config") and getattr(obj, "built", False):
        try:
            build_config = obj.get_build_config()
        except Exception:        # a layer that cannot describe its build is rebuilt lazily
            build_config = None
        if build_config is not None:
            out["build_config"] = _serialize_value(build_config)
    return {"module": out.pop("module"), "class_name": out.pop("class_name"),
            "config": out.pop("config"), "registered_name": out.pop("registered_name"),
            **out}


# ---- deserialization ---------------------------------------------------------------------

def _unwrap_data(value):
    """Undo ``__numpy__`` / ``__tuple__`` markers (pure data, nothing is called)."""
    if isinstance(value, list):
        return [_unwrap_data(v) for v in value]
    if isinstance(value, dict):
        cn = value.get("class_name")
        if cn == "__tuple__" and isinstance(value.get("config"), dict):
            return tuple(_unwrap_data(v) for v in value["config"].get("value", []))
        if cn in ("__numpy__", "__tensor__") and isinstance(value.get("config"), dict):
            cfg = value["config"]
            dtype = np.dtype(str(cfg.get("dtype", "float32")))
            if dtype.kind not in "biufc":
                raise ValueError("A saved array has dtype %r; only numeric arrays can be "
                                 "loaded." % dtype.name)
            return np.asarray(cfg.get("value"), dtype=dtype)
        return {k: _unwrap_data(v) for k, v in value.items()}
    return value


def _describe(config):
    text = repr(config)
    return text if len(text) < 300 else text[:300] + "...}"


def _unknown(kind, name, config):
    module = config.get("module") if isinstance(config, dict) else None
    short = name.rpartition(">")[2] if isinstance(name, str) else name
    where = ""
    if module and registry.kind_from_module(module) is None:
        where = (" The file says it comes from module %r; modules named in a file are never "
                 "imported." % module)
    if kind == "function":
        fix = ("If you trust this file and wrote that function, pass custom_objects={%r: %s} "
               "to the loading function, or decorate it with "
               "@keras.saving.register_keras_serializable()." % (short, short))
    else:
        fix = ("If it is your own class, decorate it with "
               "@keras.saving.register_keras_serializable() (imported before loading), or "
               "pass custom_objects={%r: %s} to the loading function." % (short, short))
    return UnknownObjectError(
        "Could not locate %s %r: it is neither a built-in Keras object nor a registered "
        "custom object.%s %s Config: %s" % (kind, name, where, fix, _describe(config)))


def _resolve_function(config, custom_objects, kinds):
    name = config.get("config")
    reg = config.get("registered_name")
    names = [n for n in (reg, name) if isinstance(n, str)]
    if not names:
        raise ValueError("A function config has no name: %s" % _describe(config))
    fn = registry.lookup_custom(names, custom_objects)
    if fn is None:
        kind = registry.kind_from_module(config.get("module"))
        for n in names:
            fn = registry.find_builtin(n, [kind] + list(kinds or ()), want_function=True)
            if fn is not None:
                break
    if fn is None:
        fn = registry.lookup_custom(names, custom_objects, by_suffix=True)
    if fn is None:
        raise _unknown("function", names[0], config)
    return fn


def _deserialize_lambda(config, custom_objects):
    name = (config.get("config") or {}).get("name")
    if isinstance(name, str):
        # a named nested function: the caller's own object (custom_objects or registered)
        # is used as it is, so no code from the file runs
        fn = registry.lookup_custom([name], custom_objects)
        if fn is not None:
            return fn
    if in_safe_mode():
        raise ValueError(
            "This file contains a Python lambda stored as bytecode (for example in a Lambda "
            "layer). Loading it would run code from the file, so it is refused in safe mode. "
            "If you wrote the file yourself and trust it, pass safe_mode=False to "
            "load_model / model_from_json (or use keras.saving.SafeModeScope(False) around "
            "from_config).")
    cfg = config.get("config") or {}
    version = "%d.%d" % sys.version_info[:2]
    if cfg.get("python") not in (None, version):
        raise ValueError("The lambda in this file was saved by Python %s and cannot be loaded "
                         "by Python %s (bytecode differs between versions). Rebuild the "
                         "Lambda layer in code." % (cfg.get("python"), version))
    code = marshal.loads(base64.b64decode(cfg["code"]))
    import ndflow
    env = {"__builtins__": builtins, "np": np, "tf": ndflow, "ndflow": ndflow}
    try:
        import ndflow.keras as _keras
        env["keras"] = _keras
    except ImportError:  # pragma: no cover
        pass
    env.update(registry.get_custom_objects())
    env.update(custom_objects or {})
    defaults = cfg.get("defaults")
    fn = types.FunctionType(code, env, code.co_name,
                            tuple(_unwrap_data(defaults)) if defaults else None)
    return fn


def deserialize_keras_object(config, custom_objects=None, safe_mode=None, module_objects=None,
                             kinds=None, **kwargs):
    """Rebuild an object from its config (see the module docstring for the safety rules).

    ``safe_mode=None`` keeps the current setting (True unless a caller said otherwise).
    ``kinds`` (e.g. ``("losses",)``) says which public namespace to search first for a
    bare name; ``module_objects`` is an extra dict of allowed names.
    """
    if custom_objects is not None and not isinstance(custom_objects, dict):
        raise TypeError("custom_objects must be a dict mapping names to classes/functions, "
                        "got %r." % type(custom_objects).__name__)
    objects = dict(module_objects or {})
    objects.update(custom_objects or {})
    _state.depth = _depth() + 1
    try:
        with SafeModeScope(safe_mode), registry.CustomObjectScope(objects):
            return _deserialize(config, objects, kinds)
    finally:
        _state.depth -= 1


def _drop_newer_nested(value):
    """Apply :func:`keras3.drop_newer_keys` to the nested configs (initializers ...) that a
    class rebuilds by itself in ``from_config`` rather than through this module."""
    if isinstance(value, list):
        return [_drop_newer_nested(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: _drop_newer_nested(v) for k, v in value.items()}
    name, cfg = out.get("class_name"), out.get("config")
    if isinstance(name, str) and isinstance(cfg, dict) and \
            any(k in keras3.NEWER_KERAS_KEYS for k in cfg) and \
            not _user_module(out.get("module")):
        cls = registry.find_builtin(name.rpartition(">")[2],
                                    [registry.kind_from_module(out.get("module"))])
        if isinstance(cls, type):
            out["config"] = keras3.drop_newer_keys(cls, cfg, name)
    return out


def _user_module(module):
    """True when a config says its class comes from the user's code (``__main__``,
    ``my_pkg.layers``): then a built-in of the same name must not stand in for it."""
    if not isinstance(module, str) or not module:
        return False
    head = module.split(".")[0]
    return head not in ("keras", "tensorflow", "tf_keras", "ndflow") and \
        registry.kind_from_module(module) is None


def _deserialize(config, custom_objects, kinds):
    if config is None or isinstance(config, (bool, int, float)):
        return config
    if isinstance(config, str):
        obj = registry.lookup_custom([config], custom_objects)
        if obj is None and kinds:
            obj = registry.find_builtin(config, kinds, want_function=True)
        if obj is None:
            obj = registry.lookup_custom([config], custom_objects, by_suffix=True)
        return config if obj is None else obj
    if isinstance(config, (list, tuple)):
        return [_deserialize(c, custom_objects, kinds) for c in config]
    if not isinstance(config, dict):
        raise TypeError("Cannot deserialize %r: expected a config dict, a name or plain "
                        "data." % type(config).__name__)
    if "class_name" not in config:
        raise ValueError("This config has no 'class_name', so it does not describe a Keras "
                         "object: %s" % _describe(config))
    class_name = config["class_name"]
    if not isinstance(class_name, str):
        raise ValueError("'class_name' must be a string, got %r." % (class_name,))
    if class_name in ("__numpy__", "__tensor__", "__tuple__"):
        return _unwrap_data(config)
    if class_name == "__lambda__":
        return _deserialize_lambda(config, custom_objects)
    if class_name == "function":
        return _resolve_function(config, custom_objects, kinds)
    if class_name in ("__typespec__", "__keras_tensor__", "__bytes__", "__ellipsis__",
                      "__slice__"):
        raise ValueError("Configs of kind %r are not supported by ndflow." % class_name)
    reg = config.get("registered_name")
    names = [n for n in (reg, class_name) if isinstance(n, str)]
    cls = registry.lookup_custom(names, custom_objects)
    if cls is None and not _user_module(config.get("module")):
        module_kind = registry.kind_from_module(config.get("module"))
        # Keras 2 wrote some built-ins as "Custom>Adam"; only built-ins match the suffix
        cls = registry.find_builtin(class_name.rpartition(">")[2],
                                    [module_kind] + list(kinds or ()))
    if cls is None:
        cls = registry.lookup_custom(names, custom_objects, by_suffix=True)
    if cls is None:
        raise _unknown("class", reg if isinstance(reg, str) and ">" in reg else class_name,
                       config)
    if not isinstance(cls, type):
        # a registered plain function named as if it were a class
        return cls
    inner = _unwrap_data(config.get("config", {}))
    if inner is None:
        inner = {}
    if not isinstance(inner, dict):
        raise ValueError("The config of %s must be a dict, got %r." % (class_name, inner))
    if not hasattr(cls, "from_config"):
        raise TypeError("%s has no from_config(); it cannot be rebuilt from a file."
                        % cls.__name__)
    inner = keras3.drop_newer_keys(cls, {k: _drop_newer_nested(v) for k, v in inner.items()},
                                   class_name)
    try:
        obj = cls.from_config(inner)
    except UnknownObjectError:
        raise
    except TypeError as e:
        raise TypeError(
            "%s.from_config could not rebuild the object from its saved config: %s. If this "
            "is your class, make get_config() return every argument __init__ needs (and "
            "override from_config if __init__ takes objects). Config: %s"
            % (cls.__name__, e, _describe(inner))) from e
    build_config = config.get("build_config")
    if build_config and hasattr(obj, "build_from_config") and not getattr(obj, "built", False):
        obj.build_from_config(_unwrap_data(build_config))
    return obj
