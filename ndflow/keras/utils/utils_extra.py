"""Keras 3 ``keras.utils`` helpers: ``get_source_inputs``, ``is_keras_tensor``,
``pack_x_y_sample_weight`` / ``unpack_x_y_sample_weight``, ``standardize_dtype``,
``clear_session``, interactive-logging switches, and ``Config``."""
import numpy as np

__all__ = ["get_source_inputs", "is_keras_tensor", "pack_x_y_sample_weight",
           "unpack_x_y_sample_weight", "standardize_dtype", "clear_session",
           "enable_interactive_logging", "disable_interactive_logging",
           "is_interactive_logging_enabled", "Config"]

_logging = {"interactive": True}


def enable_interactive_logging():
    """Turn progress bars (``Progbar``, ``fit(verbose=1)``) back on."""
    _logging["interactive"] = True


def disable_interactive_logging():
    """Silence ndflow's progress bars (``Progbar`` output, including fit/evaluate/predict)."""
    _logging["interactive"] = False


def is_interactive_logging_enabled():
    return _logging["interactive"]


def is_keras_tensor(x):
    """Whether ``x`` is a symbolic ``KerasTensor`` (from ``keras.Input`` or a layer call on
    one)."""
    from ndflow.keras.engine.keras_tensor import KerasTensor
    return isinstance(x, KerasTensor)


def get_source_inputs(tensor):
    """The ``keras.Input`` tensors that ``tensor`` (a KerasTensor) was computed from, in
    first-visit order; an input tensor gives ``[tensor]``."""
    if not is_keras_tensor(tensor):
        raise ValueError("get_source_inputs expects a KerasTensor (from keras.Input or a "
                         "layer called on one), got %r." % (type(tensor).__name__,))
    out, seen, stack = [], set(), [tensor]
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        node = t.node
        parents = [] if node is None else list(node.input_tensors)
        if not parents:
            out.append(t)
        else:
            stack.extend(reversed(parents))
    return out


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``, as ``fit`` unpacks them (a tuple
    ``x`` alone is wrapped so it is not read as (x, y))."""
    if y is None:
        if not isinstance(x, (tuple, list)):
            return x
        return (x,)
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def unpack_x_y_sample_weight(data):
    """``data`` -> ``(x, y, sample_weight)`` (missing parts ``None``)."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return (data, None, None)
    if len(data) == 1:
        return (data[0], None, None)
    if len(data) == 2:
        return (data[0], data[1], None)
    if len(data) == 3:
        return (data[0], data[1], data[2])
    raise ValueError("unpack_x_y_sample_weight: data must be x, (x,), (x, y) or "
                     "(x, y, sample_weight), got a tuple of %d elements." % len(data))


_DTYPE_ALIASES = {"float": "float32", "int": "int64", "double": "float64",
                  "half": "float16"}


def standardize_dtype(dtype):
    """A dtype (string, NumPy/ndflow dtype, Python type) as Keras' canonical string:
    ``None`` -> the default float, Python ``float`` -> 'float32', ``int`` -> 'int64'."""
    if dtype is None:
        from ndflow.keras import backend
        return backend.floatx()
    if dtype is float:
        return "float32"
    if dtype is int:
        return "int64"
    if dtype is bool:
        return "bool"
    if isinstance(dtype, str) and dtype in _DTYPE_ALIASES:
        raise ValueError("standardize_dtype: %r is ambiguous; name the width, e.g. %r."
                         % (dtype, _DTYPE_ALIASES[dtype]))
    name = getattr(dtype, "name", None)
    if isinstance(name, str) and not isinstance(dtype, (str, type)):
        dtype = name
    if isinstance(dtype, str) and dtype in ("bfloat16", "string"):
        return dtype
    try:
        out = np.dtype(dtype).name
    except TypeError:
        raise ValueError("standardize_dtype: %r is not a dtype (expected e.g. 'float32', "
                         "'int32', np.float64)." % (dtype,)) from None
    if out.startswith("str") or out == "object":
        return "string"
    return out


def clear_session(free_memory=True):
    """Reset Keras' global state: automatic layer names start again at ``dense``."""
    from ndflow.keras import backend
    backend.clear_session()


class Config:
    """A dict-like bag of settings with attribute access (``cfg.lr`` / ``cfg["lr"]``) that
    can be frozen with ``freeze()``; ``as_dict()`` and ``to_json()`` export it."""

    __frozen = False

    def __init__(self, **kwargs):
        object.__setattr__(self, "_config", dict(kwargs))

    def freeze(self):
        object.__setattr__(self, "_Config__frozen", True)

    def unfreeze(self):
        object.__setattr__(self, "_Config__frozen", False)

    @property
    def frozen(self):
        return self.__frozen

    def _check(self, name):
        if self.__frozen:
            raise ValueError("Config is frozen: cannot set %r. Call unfreeze() first." % name)

    def __setattr__(self, name, value):
        self._check(name)
        self._config[name] = value

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return self.__dict__["_config"][name]
        except KeyError:
            raise AttributeError("Config has no attribute %r." % name) from None

    def __delattr__(self, name):
        self._check(name)
        del self._config[name]

    __setitem__ = __setattr__

    def __getitem__(self, key):
        return self._config[key]

    def __delitem__(self, key):
        self.__delattr__(key)

    def __contains__(self, key):
        return key in self._config

    def __len__(self):
        return len(self._config)

    def __iter__(self):
        return iter(self._config)

    def keys(self):
        return self._config.keys()

    def values(self):
        return self._config.values()

    def items(self):
        return self._config.items()

    def get(self, key, default=None):
        return self._config.get(key, default)

    def update(self, *args, **kwargs):
        self._check("update")
        self._config.update(*args, **kwargs)

    def pop(self, *args):
        self._check("pop")
        return self._config.pop(*args)

    def as_dict(self):
        return dict(self._config)

    def to_json(self):
        import json
        return json.dumps(self._config)

    def __repr__(self):
        return "<Config %r>" % (self._config,)
