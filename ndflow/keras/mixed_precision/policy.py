"""Dtype policies: which type a layer stores its variables in and which type it computes in.

``DTypePolicy('float32')`` (and any other dtype name) stores and computes in that type.
``DTypePolicy('mixed_float16')`` stores variables in float32 and computes in float16: the
layer casts its floating inputs to float16, reads its float32 variables as float16 for
the duration of the call (the cast is on the tape, so gradients reach the float32
variables), and returns float16 outputs.

NumPy has no bfloat16 type, so ``'bfloat16'`` and ``'mixed_bfloat16'`` are refused with
an error that names the alternatives.

The global policy (``set_global_policy``) is the policy of every layer created afterwards
without a ``dtype=``; when none was set it follows ``keras.config.floatx()``.
"""
from ndflow.backend import dtypes as _dt

_MIXED = {"mixed_float16": ("float16", "float32")}
_NO_BFLOAT16 = (
    "ndflow computes with NumPy, which has no bfloat16 type. Use 'mixed_float16' (float16 "
    "computations, float32 variables) or 'float32' instead.")

# the policy set with set_global_policy; None: follow floatx()
_global = [None]


def _parse(name):
    """``(compute_dtype, variable_dtype)`` names for a policy name."""
    if name in _MIXED:
        return _MIXED[name]
    if "bfloat16" in name:
        raise ValueError("DTypePolicy %r: %s" % (name, _NO_BFLOAT16))
    try:
        d = _dt.as_dtype(name)
    except TypeError:
        raise ValueError(
            "Cannot convert %r to a dtype policy. Valid policies are 'mixed_float16' and the "
            "name of a dtype such as 'float32', 'float16' or 'float64'." % (name,)) from None
    return d.name, d.name


class DTypePolicy:
    """A layer's dtype policy: ``name``, ``compute_dtype``, ``variable_dtype``.

    ``DTypePolicy('mixed_float16')`` computes in float16 and keeps float32 variables;
    ``DTypePolicy('float32')`` (or any dtype name) uses that type for both. With no name,
    the policy of ``keras.config.floatx()``.
    """

    def __init__(self, name=None):
        if name is None:
            name = _dt.floatx()
        elif not isinstance(name, str):
            raise TypeError(
                "DTypePolicy: 'name' must be a string such as 'mixed_float16' or 'float32', "
                "got %r (of type %s)." % (name, type(name).__name__))
        self._compute_dtype, self._variable_dtype = _parse(name)
        # a dtype alias ('float', 'half') is stored under the dtype's own name
        self._name = name if name in _MIXED else self._compute_dtype

    @property
    def name(self):
        return self._name

    @property
    def compute_dtype(self):
        return self._compute_dtype

    @property
    def variable_dtype(self):
        return self._variable_dtype

    @property
    def quantization_mode(self):
        return None

    def get_config(self):
        return {"name": self._name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __eq__(self, other):
        return isinstance(other, DTypePolicy) and other._name == self._name

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash(("DTypePolicy", self._name))

    def __repr__(self):
        return '<DTypePolicy "%s">' % self._name


Policy = DTypePolicy
FloatDTypePolicy = DTypePolicy

# class names a saved config may give a policy: Keras 3 ("DTypePolicy",
# "FloatDTypePolicy") and tf.keras 2 ("Policy")
_CLASS_NAMES = ("DTypePolicy", "FloatDTypePolicy", "Policy")


def get(identifier, what="dtype"):
    """A ``DTypePolicy`` from a policy, a name, a dtype or a saved config dict."""
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, str):
        return DTypePolicy(identifier)
    if isinstance(identifier, dict):
        cls = identifier.get("class_name")
        config = identifier.get("config")
        if cls in _CLASS_NAMES and isinstance(config, dict) and isinstance(
                config.get("name"), str):
            return DTypePolicy(config["name"])
        raise ValueError(
            "%s: cannot read the dtype policy %r. Expected a policy name such as "
            "'mixed_float16' or a saved policy {'class_name': 'DTypePolicy', 'config': "
            "{'name': ...}}; quantized policies (int8, float8 ...) are not implemented in "
            "ndflow." % (what, identifier))
    name = getattr(identifier, "name", None)     # an ndflow DType
    if isinstance(name, str) and hasattr(identifier, "as_numpy_dtype"):
        return DTypePolicy(name)
    try:
        return DTypePolicy(_dt.as_dtype(identifier).name)    # np.float32, float ...
    except TypeError:
        raise TypeError(
            "%s: expected a dtype policy, a policy name ('mixed_float16', 'float32' ...) or a "
            "dtype, got %r (of type %s)." % (what, identifier, type(identifier).__name__)
        ) from None


def serialize(policy):
    return {"module": "keras", "class_name": "DTypePolicy",
            "config": policy.get_config(), "registered_name": None}


def deserialize(config):
    return get(config)


def set_global_policy(policy):
    """Make ``policy`` (a ``DTypePolicy`` or its name) the policy of every layer created
    from now on without a ``dtype=``. ``set_global_policy('float32')`` restores the
    default (as does ``None``, the tf.keras 2 spelling)."""
    if policy is None:
        _global[0] = None
        return
    if not isinstance(policy, (DTypePolicy, str)):
        raise ValueError(
            "set_global_policy expects the name of a policy (such as 'mixed_float16') or a "
            "DTypePolicy, got %r (of type %s)." % (policy, type(policy).__name__))
    policy = get(policy, "set_global_policy")
    if not _dt.as_dtype(policy.compute_dtype).is_floating:
        raise ValueError(
            "set_global_policy(%r): the global policy must be floating (its compute dtype "
            "is %s). Pass dtype=%r to the layers that need it instead." % (
                policy.name, policy.compute_dtype, policy.name))
    _global[0] = policy


def global_policy():
    """The policy of layers created without a ``dtype=`` (that of ``floatx()`` unless
    ``set_global_policy`` was called)."""
    p = _global[0]
    return p if p is not None else DTypePolicy(_dt.floatx())


def _current():
    """The explicitly set global policy, or None (fast path for ``Layer.__init__``)."""
    return _global[0]


set_dtype_policy = set_global_policy
dtype_policy = global_policy
