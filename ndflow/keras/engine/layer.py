"""The Keras ``Layer`` base class.

Contract (as in Keras): ``__init__`` stores and validates arguments; ``build(input_shape)``
creates weights with ``add_weight``; ``call(inputs, training=None, mask=None)`` computes;
``get_config`` returns everything ``from_config`` needs to rebuild the layer.

``__call__`` does the bookkeeping around ``call``: symbolic inputs (``keras.Input``) go to
the Functional machinery; concrete inputs are converted to tensors, the layer is built on
first use, the ``training`` flag is passed down to nested layers, and losses added during
the call (activity regularizers, ``add_loss``) are collected.
"""
import inspect

import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.core.tensor import Tensor, convert_to_tensor
from ndflow.core.variable import Variable
from ndflow.keras.engine import naming
from ndflow.keras.engine.masking import input_mask, attach_output_mask
from ndflow.keras.engine.keras_tensor import KerasTensor
from ndflow.keras.ops._base import _leaves
from ndflow.keras.mixed_precision import policy as _mp

# state of the layer call in progress: training flag passed down to nested layers, nesting
# depth, the id of the outermost call (losses added during a call are tagged with it), and
# whether Model.build asked layers to record their output shapes
_call_context = {"training": None, "depth": 0, "record_shapes": False, "call_id": 0}


class KerasVariable(Variable):
    """A Variable made by ``Layer.add_weight``: ``name`` is the short name (``kernel``),
    ``path`` the full one (``dense/kernel``), as in Keras 3.

    Also ``keras.Variable(initializer, shape=None, dtype=None, trainable=True, name=None)``,
    where ``initializer`` is a value or an initializer (name or object) used with ``shape``.
    """

    def __init__(self, initializer=None, shape=None, dtype=None, trainable=True,
                 autocast=True, aggregation=None, name=None, **kwargs):
        if kwargs.get("initial_value") is not None:
            initializer = kwargs.pop("initial_value")
        value = initializer
        if isinstance(initializer, str) or (callable(initializer) and not isinstance(
                initializer, (Tensor, np.ndarray))):
            if shape is None:
                raise ValueError("keras.Variable: an initializer (%r) needs a shape=."
                                 % (initializer,))
            from ndflow.keras import initializers
            value = initializers.get(initializer)(tuple(shape), dtype=dtype or _dt.floatx())
        if dtype is None and not isinstance(value, (Tensor, np.ndarray)):
            dtype = _dt.floatx()
        super().__init__(value, trainable=trainable, name=name, dtype=dtype)

    @property
    def name(self):
        return self._name

    @property
    def path(self):
        return getattr(self, "_path", self._name)


def _is_symbolic(x):
    if isinstance(x, Tensor):
        return False
    if isinstance(x, KerasTensor):
        return True
    if isinstance(x, (list, tuple)):
        return any(_is_symbolic(v) for v in x)
    if isinstance(x, dict):
        return any(_is_symbolic(v) for v in x.values())
    return False


def _shape_of(x):
    if isinstance(x, (list, tuple)):
        return [_shape_of(v) for v in x]
    if isinstance(x, dict):
        return {k: _shape_of(v) for k, v in x.items()}
    shape = getattr(x, "shape", None)
    if shape is None:
        return None
    return tuple(shape)


def _to_tensors(x, dtype):
    """Convert call inputs to tensors; floating inputs are cast to the layer's dtype."""
    if isinstance(x, Tensor):
        if dtype is not None and x._value.dtype.kind == "f" and x._value.dtype != dtype:
            from ndflow.ops.math_ops import cast
            return cast(x, dtype)
        return x
    if isinstance(x, np.ndarray):
        if dtype is not None and x.dtype.kind in "f" and x.dtype != dtype:
            x = x.astype(dtype)
        elif dtype is not None and x.dtype.kind in "iub" and False:
            x = x.astype(dtype)
        return convert_to_tensor(x)
    if isinstance(x, (list, tuple)):
        if x and _plain_numbers(x):
            # nested Python lists of numbers are one array of data, as in Keras
            return _to_tensors(np.asarray(x, dtype=dtype if dtype is not None and any(
                isinstance(v, float) for v in _leaves(x)) else None), dtype)
        return type(x)(_to_tensors(v, dtype) for v in x)
    if isinstance(x, dict):
        return {k: _to_tensors(v, dtype) for k, v in x.items()}
    if isinstance(x, (int, float)):
        return convert_to_tensor(x, dtype=dtype if isinstance(x, float) else None)
    if getattr(type(x), "_ndflow_ragged", False) or getattr(type(x), "_ndflow_sparse", False):
        return x   # a RaggedTensor / SparseTensor reaches call() as it is
    if hasattr(x, "__array__") and not isinstance(x, str):
        return _to_tensors(np.asarray(x), dtype)
    return x


def _plain_numbers(x):
    """True for a (nested) list/tuple holding only Python numbers."""
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in _leaves(x))


class Layer:
    """Base class of every layer (and of Model)."""

    # a layer class that handles masks sets this to True
    supports_masking = False

    def __init__(self, trainable=True, name=None, dtype=None, input_shape=None,
                 batch_input_shape=None, input_dim=None, batch_size=None, autocast=True,
                 activity_regularizer=None, **kwargs):
        allowed = {"input_dtype", "weights", "dynamic", "sparse", "ragged"}
        bad = set(kwargs) - allowed
        if bad:
            raise TypeError("%s.__init__ got unexpected keyword argument(s) %s. "
                            "Check the spelling against the Keras documentation of %s."
                            % (type(self).__name__, sorted(bad), type(self).__name__))
        object.__setattr__(self, "_layers", [])
        object.__setattr__(self, "_tracked_variables", [])
        self._trainable = bool(trainable)
        self.name = name if name else naming.unique_name(
            naming.to_snake_case(type(self).__name__))
        # the dtype policy is fixed when the layer is made (the global one by default)
        self._set_dtype_policy(dtype)
        self.built = False
        self._losses = []            # losses added during the last call
        self._added_losses = []      # losses added outside of call (constant terms)
        self._build_shapes = None
        self.input_spec = None
        self._inbound_nodes = []
        self._outbound_nodes = []
        self._initial_weights = kwargs.get("weights")
        self.activity_regularizer = activity_regularizer
        if activity_regularizer is not None:
            from ndflow.keras import regularizers
            self.activity_regularizer = regularizers.get(activity_regularizer)
        # input_shape= is accepted on any layer, without a warning (Keras 2 behaviour)
        if batch_input_shape is not None:
            self._batch_input_shape = tuple(batch_input_shape)
        elif input_shape is not None:
            if isinstance(input_shape, int):
                input_shape = (input_shape,)
            self._batch_input_shape = (batch_size,) + tuple(input_shape)
        elif input_dim is not None:
            self._batch_input_shape = (batch_size, int(input_dim))
        else:
            self._batch_input_shape = None
        self._autocast = bool(autocast) and self._autocast_inputs()
        self._call_has_training = "training" in _call_params(type(self).call)
        # Keras: with no training flag given or inherited, the call signature's default
        # applies (the random augmentation layers default to training=True)
        self._call_training_default = _param_default(type(self).call, "training")
        self._call_has_mask = "mask" in _call_params(type(self).call)

    # ---- dtype ----
    def _set_dtype_policy(self, dtype):
        """``dtype``: None (the global policy), a policy, a policy or dtype name, a dtype,
        or a saved policy dict (Keras 3 / tf.keras 2 configs). ``_dtype`` is the compute
        dtype (inputs are cast to it); ``_mixed`` is set when variables are stored in
        another type (``mixed_float16``), see ``_autocast_variables``."""
        policy = _mp.get(dtype, "Layer %s" % type(self).__name__) if dtype is not None \
            else _mp._current() or _mp.DTypePolicy(_dt.floatx())
        self._dtype_policy = policy
        self._dtype = _dt.as_dtype(policy.compute_dtype)
        self._mixed = policy.compute_dtype != policy.variable_dtype

    @property
    def dtype_policy(self):
        return self._dtype_policy

    @dtype_policy.setter
    def dtype_policy(self, value):
        self._set_dtype_policy(value)

    @property
    def dtype(self):
        """The dtype of the layer's variables (as in Keras 3; see ``compute_dtype``)."""
        return self._dtype_policy.variable_dtype

    @property
    def compute_dtype(self):
        return self._dtype_policy.compute_dtype

    @property
    def variable_dtype(self):
        return self._dtype_policy.variable_dtype

    # ---- attribute tracking ----
    def __setattr__(self, name, value):
        if not name.startswith("__"):
            self._track(value)
            if isinstance(value, KerasVariable):
                undo = self.__dict__.get("_autocast_undo")
                if undo is not None:    # a weight made during a mixed-precision call
                    value = _autocast_new(self, name, value, undo)
        object.__setattr__(self, name, value)

    def _track(self, value):
        if isinstance(value, Layer):
            if value is not self and not any(value is l for l in self.__dict__.get("_layers", [])):
                self.__dict__.setdefault("_layers", []).append(value)
        elif isinstance(value, Variable):
            tv = self.__dict__.setdefault("_tracked_variables", [])
            if not any(value is v for v in tv):
                tv.append(value)
        elif isinstance(value, (list, tuple)):
            for v in value:
                if isinstance(v, (Layer, Variable, list, tuple, dict)):
                    self._track(v)
        elif isinstance(value, dict):
            for v in value.values():
                if isinstance(v, (Layer, Variable, list, tuple, dict)):
                    self._track(v)

    def __delattr__(self, name):
        value = self.__dict__.get(name)
        object.__delattr__(self, name)
        if isinstance(value, Layer):
            self._layers = [l for l in self._layers if l is not value]
        elif isinstance(value, Variable):
            self._tracked_variables = [v for v in self._tracked_variables if v is not value]

    @property
    def layers(self):
        return list(self._layers)

    def _flatten_layers(self, include_self=True, recursive=True):
        """This layer and its sublayers (depth first, each once)."""
        out = [self]
        seen = {id(self)}
        stack = list(reversed(self.__dict__["_layers"]))
        while stack:
            layer = stack.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            out.append(layer)
            if recursive:
                stack.extend(reversed(layer.__dict__["_layers"]))
        return out if include_self else out[1:]

    # ---- weights ----
    _K2_WEIGHT_ARGS = ("name", "shape", "dtype", "initializer", "regularizer", "trainable",
                       "constraint")
    _K3_WEIGHT_ARGS = ("shape", "initializer", "dtype", "trainable", "autocast", "regularizer",
                       "constraint", "aggregation", "name")

    def add_weight(self, *args, **kwargs):
        """Create a weight of this layer: ``add_weight(name, shape, dtype, initializer,
        regularizer, trainable, constraint)`` (Keras 2 order) or, when the first positional
        argument is a shape, ``add_weight(shape, initializer, dtype, trainable, ...)``
        (Keras 3 order)."""
        if args:
            first = args[0]
            order = self._K3_WEIGHT_ARGS if isinstance(first, (tuple, list, int)) and \
                not isinstance(first, bool) else self._K2_WEIGHT_ARGS
            if len(args) > len(order):
                raise TypeError("add_weight got %d positional arguments; pass them by name."
                                % len(args))
            for key, value in zip(order, args):
                if key in kwargs:
                    raise TypeError("add_weight got multiple values for argument %r." % key)
                kwargs[key] = value
        return self._add_weight(**kwargs)

    def _add_weight(self, name=None, shape=None, dtype=None, initializer=None,
                    regularizer=None, trainable=True, constraint=None, aggregation=None,
                    synchronization=None, use_resource=None, autocast=True, **kwargs):
        from ndflow.keras import initializers, regularizers, constraints
        if isinstance(shape, int):
            shape = (shape,)
        shape = () if shape is None else tuple(int(d) for d in shape)
        dt = _dt.as_dtype(dtype) if dtype is not None else _dt.as_dtype(self.dtype)
        if initializer is None:
            initializer = "glorot_uniform" if dt.is_floating else "zeros"
        if isinstance(initializer, (Tensor, np.ndarray, list, float, int)) and not callable(
                initializer):
            value = initializer
        else:
            init = initializers.get(initializer)
            value = init(shape, dtype=dt.name)
        value = np.asarray(getattr(value, "_value", value), dtype=dt._np)
        if value.shape != shape:
            value = np.broadcast_to(value, shape).copy()
        var = KerasVariable(value, trainable=trainable, name=name or "variable")
        var._path = "%s/%s" % (self.name, name or "variable")
        var.regularizer = regularizers.get(regularizer) if regularizer is not None else None
        var.constraint = constraints.get(constraint) if constraint is not None else None
        if not autocast:
            var._autocast = False    # read in its own dtype under a mixed policy
        self._tracked_variables.append(var)
        return var

    def add_variable(self, *args, **kwargs):
        return self.add_weight(*args, **kwargs)

    def _own_variables(self):
        return list(self._tracked_variables)

    @property
    def weights(self):
        return self.trainable_weights + self.non_trainable_weights

    @property
    def variables(self):
        return self.weights

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        out = [v for v in self._tracked_variables if v.trainable]
        for sub in self._layers:
            out.extend(sub.trainable_weights)
        return _unique(out)

    @property
    def non_trainable_weights(self):
        out = [v for v in self._tracked_variables if not v.trainable or not self.trainable]
        for sub in self._layers:
            if self.trainable:
                out.extend(sub.non_trainable_weights)
            else:
                out.extend(sub.weights)
        return _unique(out)

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        for sub in self._layers:
            sub.trainable = value

    def get_weights(self):
        return [np.array(v._value, copy=True) for v in self.weights]

    def set_weights(self, weights):
        params = self.weights
        weights = list(weights)
        if len(params) != len(weights):
            raise ValueError(
                "Layer %r: set_weights got a list of %d arrays but the layer has %d weights "
                "(%s)." % (self.name, len(weights), len(params),
                           ", ".join("%s %s" % (v.path if hasattr(v, "path") else v.name,
                                                tuple(v.shape)) for v in params)))
        for v, w in zip(params, weights):
            w = np.asarray(w)
            if tuple(w.shape) != tuple(v._value.shape):
                raise ValueError(
                    "Layer %r: weight %r has shape %s but set_weights got an array of shape %s."
                    % (self.name, getattr(v, "path", v.name), tuple(v._value.shape),
                       tuple(w.shape)))
            v.assign(w)

    def count_params(self):
        if not self.built:
            raise ValueError(
                "You tried to call count_params on layer %r, but the layer isn't built. "
                "Build it first by calling it on data or with build(input_shape)." % self.name)
        return int(sum(int(np.prod(v._value.shape)) for v in self.weights))

    # ---- losses ----
    def add_loss(self, loss):
        if callable(loss) and not isinstance(loss, Tensor):
            self._added_losses.append(loss)
        elif _call_context["depth"] > 0:
            self._add_call_loss(loss)
        else:
            self._added_losses.append(loss)

    def _add_call_loss(self, loss):
        """A loss computed during the current call; it replaces those of earlier calls."""
        tag = _call_context["call_id"]
        d = self.__dict__
        if d.get("_losses_tag") != tag:
            d["_losses"] = []
            d["_losses_tag"] = tag
        d["_losses"].append(loss)

    @property
    def losses(self):
        """Losses from the last call, constant losses and weight regularization penalties."""
        out = []
        tag = self.__dict__.get("_call_tag")
        for layer in self._flatten_layers():
            d = layer.__dict__
            if d["_losses"] and d.get("_losses_tag") == tag:
                out.extend(d["_losses"])
            for l in layer._added_losses:
                out.append(l() if callable(l) and not isinstance(l, Tensor) else l)
            for v in layer._tracked_variables:
                reg = getattr(v, "regularizer", None)
                if reg is not None and v.trainable and layer.trainable:
                    out.append(reg(v))
        return out

    def _clear_call_losses(self):
        for layer in self._flatten_layers():
            layer.__dict__["_losses"] = []

    # ---- building and calling ----
    def build(self, input_shape=None):
        self._build_shapes = input_shape
        self.built = True

    def _maybe_build(self, inputs):
        if self.built:
            return
        shapes = _shape_of(inputs)
        if isinstance(shapes, list) and len(shapes) == 1 and not isinstance(inputs, (list, tuple)):
            shapes = shapes[0]
        self.build(shapes)
        self.built = True
        if self._build_shapes is None:
            self._build_shapes = shapes
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def _maybe_build_symbolic(self, shapes):
        """Build from the shapes of symbolic inputs (batch dimension ``None``)."""
        if self.built:
            return
        self.build(shapes)
        self.built = True
        if self._build_shapes is None:
            self._build_shapes = shapes
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def _check_input_symbolic(self, inputs):
        if self.input_spec is not None:
            from ndflow.keras.engine.input_spec import check_input
            check_input(self, self.input_spec, inputs)

    def call(self, inputs, *args, **kwargs):
        return inputs

    def __call__(self, *args, **kwargs):
        if not args:
            if "inputs" in kwargs:
                args = (kwargs.pop("inputs"),)
            else:
                raise TypeError("Layer %r was called without inputs." % self.name)
        inputs = args[0]
        if type(inputs) is not Tensor and _is_symbolic(inputs) or (
                len(args) > 1 and any(_is_symbolic(a) for a in args[1:])) or (
                kwargs and any(_is_symbolic(v) for v in kwargs.values())):
            from ndflow.keras.engine.keras_tensor import symbolic_call
            return symbolic_call(self, args, kwargs)
        d = self.__dict__
        mixed = d.get("_mixed")
        if not d["_autocast"] or mixed and (d.get("_is_graph_network") or
                                            "_seq_layers" in d):
            # (a mixed Functional/Sequential model casts to its Inputs' dtypes)
            inputs = _to_tensors(inputs, None)
        else:
            inputs = _to_tensors(inputs, d["_dtype"]._np)
            if mixed:   # as in Keras 3, every floating argument enters in the compute dtype
                args = args[:1] + tuple(_cast_floats(a, d["_dtype"]._np) for a in args[1:])
                kwargs = {k: _cast_floats(v, d["_dtype"]._np) for k, v in kwargs.items()}
        if len(args) > 1:
            args = (inputs,) + args[1:]
        else:
            args = (inputs,)
        if d["input_spec"] is not None:
            self._check_input(inputs)
        # training flag: explicit argument, else the enclosing call's, else None
        ctx = _call_context
        outer_training = ctx["training"]
        training = kwargs.get("training")
        if training is None:
            training = outer_training
            if training is None:
                training = d["_call_training_default"]
        if d["_call_has_training"]:
            kwargs["training"] = training
        elif "training" in kwargs:
            del kwargs["training"]
        # masks: an explicit mask= argument, else the one attached to the inputs
        in_mask = kwargs.get("mask")
        if in_mask is None:
            in_mask = input_mask(inputs)
            if in_mask is not None and d["_call_has_mask"]:
                kwargs["mask"] = in_mask
        if "mask" in kwargs and not d["_call_has_mask"]:
            del kwargs["mask"]
        if not d["built"]:
            self._maybe_build(inputs)
        if ctx["depth"] == 0:
            ctx["call_id"] += 1
        d["_call_tag"] = ctx["call_id"]
        ctx["depth"] += 1
        ctx["training"] = training
        if mixed:
            outer_undo = d.get("_autocast_undo")
            d["_autocast_undo"] = undo = _autocast_variables(self)
        try:
            outputs = self.call(*args, **kwargs)
        finally:
            ctx["depth"] -= 1
            ctx["training"] = outer_training
            if mixed:
                d["_autocast_undo"] = outer_undo
                for owner, attr, value in reversed(undo):
                    owner[attr] = value
        if ctx["record_shapes"]:
            from ndflow.keras.engine.keras_tensor import shape_structure
            self._recorded_output_shape = shape_structure(outputs)
        if in_mask is not None or type(self).compute_mask is not Layer.compute_mask:
            attach_output_mask(outputs, self.compute_mask(inputs, in_mask))
        if d["activity_regularizer"] is not None:
            for o in _flat(outputs):
                self._add_call_loss(self.activity_regularizer(o) / max(
                    1, o._value.shape[0] if o._value.ndim else 1))
        return outputs

    def _autocast_inputs(self):
        return True

    def _check_input(self, inputs):
        """Compare concrete inputs with the shape this layer was built for."""
        spec = self.input_spec
        if spec is None:
            return
        from ndflow.keras.engine.input_spec import check_input
        check_input(self, spec, inputs)

    def compute_mask(self, inputs, mask=None):
        """The mask of this layer's output: by default the input mask passes through a
        layer that ``supports_masking`` and stops at any other layer (as in Keras 3)."""
        return mask if self.supports_masking else None

    def compute_output_shape(self, input_shape):
        from ndflow.keras.engine.keras_tensor import infer_output_shape
        return infer_output_shape(self, input_shape)

    # ---- config ----
    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable,
                  "dtype": self._dtype_policy.name}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = list(self._batch_input_shape)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def get_build_config(self):
        if self._build_shapes is not None:
            return {"input_shape": self._build_shapes}
        return None

    def build_from_config(self, config):
        if config and config.get("input_shape") is not None and not self.built:
            self.build(config["input_shape"])
            self.built = True

    # ---- symbolic attributes set by the Functional machinery ----
    @property
    def input(self):
        if not self._inbound_nodes:
            raise AttributeError("Layer %r has never been called on a symbolic input, so it "
                                 "has no defined input." % self.name)
        return self._inbound_nodes[0].input_tensors_structure

    @property
    def output(self):
        if not self._inbound_nodes:
            raise AttributeError("Layer %r has never been called on a symbolic input, so it "
                                 "has no defined output." % self.name)
        return self._inbound_nodes[0].output_tensors_structure

    @property
    def input_shape(self):
        if self._batch_input_shape is not None and not self._inbound_nodes:
            return self._batch_input_shape
        return _nested_shape(self.input)

    @property
    def output_shape(self):
        return _nested_shape(self.output)

    def __repr__(self):
        return "<%s name=%s, built=%s>" % (type(self).__name__, self.name, self.built)


def _autocast_variables(layer):
    """Under a mixed policy, for the duration of a call: the float variables that ``layer``
    and its sublayers of the same policy hold in attributes (``self.kernel``, lists of
    variables) are replaced by casts to the compute dtype. The casts are recorded on the
    tape, so gradients reach the float32 variables; non-trainable variables become
    ``_AutocastRead`` views whose assignments write the variable. Variables made with
    ``autocast=False`` keep their dtype, as do plain ``tf.Variable`` attributes (as in
    Keras 3). Weights made during the call are cast as they are assigned
    (``_autocast_new``). Returns ``[(owner __dict__, attribute, original value)]``."""
    compute = layer._dtype
    layers = [l for l in layer._flatten_layers()
              if l.__dict__.get("_mixed") and l.__dict__.get("_dtype") is compute]
    castable = {}
    for l in layers:
        for v in l.__dict__["_tracked_variables"]:
            if _castable(l, v):
                castable[id(v)] = v
    if not castable:
        return []
    casts = {}

    def cast_of(v):
        t = casts.get(id(v))
        if t is None:
            t = casts[id(v)] = _read_as(v, compute)
        return t

    undo = []
    for l in layers:
        ld = l.__dict__
        for attr, value in list(ld.items()):
            if isinstance(value, Variable):
                if id(value) in castable:
                    undo.append((ld, attr, value))
                    ld[attr] = cast_of(value)
            elif type(value) in (list, tuple) and attr != "_tracked_variables" and any(
                    isinstance(x, Variable) and id(x) in castable for x in value):
                undo.append((ld, attr, value))
                ld[attr] = type(value)(cast_of(x) if isinstance(x, Variable) and
                                       id(x) in castable else x for x in value)
    return undo


class _AutocastRead(Tensor):
    """A non-trainable variable during a mixed-precision call (moving statistics,
    counters): reads give its value in the compute dtype, ``assign*`` write the variable
    in its own dtype (as Keras 3's autocast reads)."""

    __slots__ = ("_variable",)

    def __init__(self, variable, np_dtype):
        self._variable = variable
        self._value = variable._value.astype(np_dtype)

    def _write(self, method, value):
        var = self._variable
        value = getattr(value, "_value", value)
        getattr(var, method)(np.asarray(value).astype(var._value.dtype))
        self._value = var._value.astype(self._value.dtype)
        return self

    def assign(self, value, use_locking=None, name=None, read_value=True):
        return self._write("assign", value)

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        return self._write("assign_add", delta)

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        return self._write("assign_sub", delta)

    @property
    def name(self):
        return self._variable.name

    @property
    def path(self):
        return getattr(self._variable, "path", self._variable.name)

    @property
    def trainable(self):
        return self._variable.trainable


def _castable(layer, v):
    return (isinstance(v, KerasVariable) and getattr(v, "_autocast", True)
            and v._value.dtype.name == layer._dtype_policy.variable_dtype)


def _read_as(v, dtype):
    """``v`` read in ``dtype``: a cast on the tape (trainable), else an _AutocastRead."""
    if v.trainable:
        from ndflow.ops.math_ops import cast
        return cast(v, dtype)
    return _AutocastRead(v, dtype._np)


def _autocast_new(layer, attr, v, undo):
    """``v`` (assigned to ``layer.attr`` during a mixed call) read in the compute dtype."""
    if not _castable(layer, v):
        return v
    undo.append((layer.__dict__, attr, v))
    return _read_as(v, layer._dtype)


def _cast_floats(x, np_dtype):
    """Floating tensors/arrays in ``x`` (nested lists/tuples/dicts) cast to ``np_dtype``."""
    if isinstance(x, Tensor):
        if x._value.dtype.kind == "f" and x._value.dtype != np_dtype:
            from ndflow.ops.math_ops import cast
            return cast(x, np_dtype)
        return x
    if isinstance(x, np.ndarray):
        return convert_to_tensor(x.astype(np_dtype)) if x.dtype.kind == "f" else x
    if type(x) in (list, tuple):
        return type(x)(_cast_floats(v, np_dtype) for v in x)
    if type(x) is dict:
        return {k: _cast_floats(v, np_dtype) for k, v in x.items()}
    return x


def _nested_shape(x):
    if isinstance(x, (list, tuple)):
        return [_nested_shape(v) for v in x]
    if isinstance(x, dict):
        return {k: _nested_shape(v) for k, v in x.items()}
    return tuple(x.shape)


def _flat(x):
    if isinstance(x, Tensor):
        return [x]
    if isinstance(x, (list, tuple)):
        out = []
        for v in x:
            out.extend(_flat(v))
        return out
    if isinstance(x, dict):
        out = []
        for v in x.values():
            out.extend(_flat(v))
        return out
    return []


def _unique(vs):
    seen = set()
    out = []
    for v in vs:
        if id(v) not in seen:
            seen.add(id(v))
            out.append(v)
    return out


def _call_params(fn):
    try:
        return inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return {}


def _param_default(fn, name):
    p = _call_params(fn).get(name)
    if p is None or p.default is inspect.Parameter.empty:
        return None
    return p.default


def in_training_phase():
    return _call_context["training"]
