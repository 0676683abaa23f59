"""Registry of serializable classes and functions.

A saved config names an object by a *registered name* ("Custom>MyLayer") or, for
ndflow's own objects, by its public class name ("Dense"). Loading turns a name back into
an object only through this module:

* custom objects: ``custom_objects=`` arguments, ``custom_object_scope`` blocks and the
  global registry filled by ``@register_keras_serializable``;
* built-in objects: looked up by name in ndflow's public Keras namespaces
  (``keras.layers``, ``keras.losses`` ...), never by importing a module path read from a
  file.
"""
import importlib
import threading

_GLOBAL_CUSTOM_OBJECTS = {}   # registered name -> object
_GLOBAL_CUSTOM_NAMES = {}     # object -> registered name
_local = threading.local()


def _scope_stack():
    stack = getattr(_local, "scopes", None)
    if stack is None:
        stack = _local.scopes = []
    return stack


def register_keras_serializable(package="Custom", name=None):
    """Decorator registering a class or function under ``"package>name"``.

    A registered class can be rebuilt from a saved config in any later session that
    imports (and so registers) it again::

        @keras.saving.register_keras_serializable(package="my_pkg")
        class MyLayer(keras.layers.Layer): ...
    """
    if not isinstance(package, str) or ">" in package:
        raise ValueError("register_keras_serializable: package must be a string without '>', "
                         "got %r." % (package,))

    def decorator(obj):
        obj_name = name if name is not None else getattr(obj, "__name__", None)
        if not obj_name:
            raise ValueError("register_keras_serializable: cannot find a name for %r; pass "
                             "name='...'." % (obj,))
        registered = "%s>%s" % (package, obj_name)
        if isinstance(obj, type) and not hasattr(obj, "get_config"):
            raise ValueError("register_keras_serializable: class %s has no get_config() method; "
                             "serializable classes must define get_config()." % obj.__name__)
        _GLOBAL_CUSTOM_OBJECTS[registered] = obj
        _GLOBAL_CUSTOM_NAMES[obj] = registered
        return obj
    return decorator


def get_custom_objects():
    """The global dict of custom objects (mutable: ``get_custom_objects()['f'] = f``)."""
    return _GLOBAL_CUSTOM_OBJECTS


class CustomObjectScope:
    """``with custom_object_scope({'MyLayer': MyLayer}):`` makes the names resolvable
    while loading inside the block."""

    def __init__(self, *custom_objects):
        merged = {}
        for d in custom_objects:
            if d is None:
                continue
            if not isinstance(d, dict):
                raise TypeError("custom_object_scope expects dicts mapping names to objects, "
                                "got %r." % type(d).__name__)
            merged.update(d)
        self.custom_objects = merged

    def __enter__(self):
        _scope_stack().append(self.custom_objects)
        return self

    def __exit__(self, *exc):
        _scope_stack().pop()
        return False


custom_object_scope = CustomObjectScope


def get_registered_name(obj):
    """``"package>name"`` for a registered object, else its class/function name."""
    try:
        if obj in _GLOBAL_CUSTOM_NAMES:
            return _GLOBAL_CUSTOM_NAMES[obj]
    except TypeError:       # unhashable
        pass
    return getattr(obj, "__name__", type(obj).__name__)


def _is_registered(obj):
    try:
        return obj in _GLOBAL_CUSTOM_NAMES
    except TypeError:
        return False


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The object registered (or passed/scoped) as ``name``, or None.

    Order: active ``custom_object_scope`` blocks (innermost first), the global registry,
    ``custom_objects``, ``module_objects``.
    """
    if not isinstance(name, str):
        return None
    for scope in reversed(_scope_stack()):
        if name in scope:
            return scope[name]
    if name in _GLOBAL_CUSTOM_OBJECTS:
        return _GLOBAL_CUSTOM_OBJECTS[name]
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return None


def lookup_custom(names, custom_objects=None, by_suffix=False):
    """First custom object (passed, scoped or registered) found under any of ``names``.

    ``custom_objects`` passed by the caller win over scopes and the registry. With
    ``by_suffix``, a plain name also finds an object registered as ``"package>name"``
    (use it after the built-ins were tried, so that "Dense" stays Keras' Dense).
    """
    for n in names:
        if not isinstance(n, str):
            continue
        if custom_objects and n in custom_objects:
            return custom_objects[n]
    for n in names:
        obj = get_registered_object(n)
        if obj is not None:
            return obj
    if not by_suffix:
        return None
    for n in names:
        if isinstance(n, str) and ">" not in n:
            for reg, obj in _GLOBAL_CUSTOM_OBJECTS.items():
                if reg.rpartition(">")[2] == n:
                    return obj
    return None


# ---- built-in objects: public namespaces only ------------------------------------------

# kind -> public namespace module. These module paths are fixed here in the source; a
# file can only choose among these kinds, by name.
BUILTIN_NAMESPACES = {
    "layers": "ndflow.keras.layers",
    "models": "ndflow.keras.models",
    "losses": "ndflow.keras.losses",
    "metrics": "ndflow.keras.metrics",
    "optimizers": "ndflow.keras.optimizers",
    "schedules": "ndflow.keras.optimizers.schedules",
    "initializers": "ndflow.keras.initializers",
    "regularizers": "ndflow.keras.regularizers",
    "constraints": "ndflow.keras.constraints",
    "activations": "ndflow.keras.activations",
}
# kinds whose plain functions (activations, loss and metric functions) may be named in a
# config. The function is returned as an object, never called while loading.
FUNCTION_KINDS = ("activations", "losses", "metrics")
# names that are helpers of a namespace rather than objects a config may name
_NOT_OBJECTS = {"get", "serialize", "deserialize", "load_model", "save_model",
                "model_from_json", "model_from_config", "clone_model",
                "enable_unsafe_deserialization", "serialize_keras_object",
                "deserialize_keras_object", "register_keras_serializable", "get_file"}
# functions defined in these packages are never returned for a name read from a file
_DENIED_FUNCTION_MODULES = ("ndflow.keras.saving", "ndflow.keras.utils", "ndflow.keras.models",
                            "ndflow.keras.callbacks", "ndflow.keras.engine", "ndflow.data",
                            "ndflow.tuner", "ndflow.distribute", "ndflow.backend")
# classes defined by Keras under another class name, and Keras' top-level model names
_ALIASES = {"Functional": ("models", "Functional"), "Sequential": ("models", "Sequential"),
            "Model": ("models", "Model")}


def _namespace(kind):
    modname = BUILTIN_NAMESPACES[kind]
    try:
        return importlib.import_module(modname)
    except ImportError:
        return None


def _public_member(kind, name):
    """``name`` from namespace ``kind`` if it is a public ndflow object, else None."""
    if not isinstance(name, str) or not name or name.startswith("_") or name in _NOT_OBJECTS:
        return None
    mod = _namespace(kind)
    if mod is None:
        return None
    table = getattr(mod, "_TABLE", None)
    if table is not None and name not in table and name not in vars(mod):
        return None
    try:
        obj = getattr(mod, name)
    except (AttributeError, ImportError):
        return None
    if not str(getattr(obj, "__module__", "")).startswith("ndflow."):
        return None
    if isinstance(obj, type):
        return obj
    if callable(obj) and kind in FUNCTION_KINDS and not str(obj.__module__).startswith(
            _DENIED_FUNCTION_MODULES):
        return obj
    return None


def kind_from_module(module):
    """The namespace kind a saved ``"module"`` string points at ("keras.layers" ->
    "layers"), or None. The string is only compared, never imported."""
    if not isinstance(module, str):
        return None
    parts = module.replace("/", ".").split(".")
    for p in reversed(parts):
        if p in BUILTIN_NAMESPACES:
            return p
        if p in ("optimizer", "optimizer_v2", "learning_rate_schedule"):
            return "schedules" if "schedule" in p else "optimizers"
    if "engine" in parts or "models" in parts or module in ("keras", "tensorflow.keras"):
        return "models"
    return None


def find_builtin(name, kinds=None, want_function=False):
    """A built-in class (or, with ``want_function``, a function) named ``name``.

    ``kinds`` orders the namespaces searched (the one the file names first); every other
    namespace is tried after them.
    """
    if name in _ALIASES and not want_function:
        obj = _public_member(*_ALIASES[name])
        if obj is not None:
            return obj
    if name == "OpLayer" and not want_function:   # x + 1, keras.ops.mean(x) in a graph
        from ndflow.keras.engine.keras_tensor import op_layer_class
        return op_layer_class()
    order = [k for k in (kinds or ()) if k in BUILTIN_NAMESPACES]
    order += [k for k in BUILTIN_NAMESPACES if k not in order]
    for kind in order:
        if want_function and kind not in FUNCTION_KINDS:
            continue
        obj = _public_member(kind, name)
        if obj is None:
            continue
        if want_function == (not isinstance(obj, type)):
            return obj
    return None


def builtin_name(obj):
    """(kind, public name) when ``obj`` is one of ndflow's public Keras objects."""
    if not str(getattr(obj, "__module__", "")).startswith("ndflow."):
        return None
    name = getattr(obj, "__name__", None)
    if name is None:
        return None
    for kind in BUILTIN_NAMESPACES:
        if isinstance(obj, type) or kind in FUNCTION_KINDS:
            if _public_member(kind, name) is obj:
                return kind, name
    return None
