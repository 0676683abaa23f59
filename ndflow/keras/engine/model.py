"""``keras.Model``: the one model class behind all three ways of building a model.

* ``Model(inputs, outputs)`` returns a ``Functional`` model (a graph of layer calls);
* ``Sequential([...])`` is a Functional model that stacks layers;
* a subclass defines its layers in ``__init__`` and the forward pass in ``call``.

Training (``compile``/``fit``/...) comes from the ``Trainer`` mixin; saving delegates to
``ndflow.keras.saving.api``.
"""
import numpy as np

from ndflow.keras.engine.layer import Layer, _unique, _call_context
from ndflow.keras.engine.trainer import Trainer
from ndflow.keras.engine.keras_tensor import KerasTensor, map_structure, flatten


def _wants_functional(args, kwargs):
    return bool(args) or "inputs" in kwargs or "outputs" in kwargs


_functional_subclasses = {}


def _functional_subclass(cls):
    """``cls`` mixed with Functional, for subclasses that call
    ``super().__init__(inputs, outputs)``."""
    from ndflow.keras.engine.functional import Functional
    sub = _functional_subclasses.get(cls)
    if sub is None:
        sub = type(cls.__name__, (cls, Functional), {"__module__": cls.__module__})
        _functional_subclasses[cls] = sub
    return sub


def _dummy_inputs(input_shape, dtype):
    """Zeros of ``input_shape`` (unknown dimensions -> 1) in the same structure."""
    if isinstance(input_shape, dict):
        return {k: _dummy_inputs(v, dtype) for k, v in input_shape.items()}
    shape = tuple(input_shape) if input_shape is not None else None
    if shape is not None and all(d is None or isinstance(d, (int, np.integer)) for d in shape):
        return np.zeros(tuple(1 if d is None else int(d) for d in shape), dtype=dtype)
    return [_dummy_inputs(s, dtype) for s in input_shape]


class Model(Trainer, Layer):
    """A trainable stack or graph of layers (``keras.Model``)."""

    def __new__(cls, *args, **kwargs):
        if cls is Model and _wants_functional(args, kwargs):
            from ndflow.keras.engine.functional import Functional
            return object.__new__(Functional)
        return object.__new__(cls)

    def __init__(self, *args, **kwargs):
        if _wants_functional(args, kwargs):
            from ndflow.keras.engine.functional import Functional
            if not isinstance(self, Functional):
                object.__setattr__(self, "__class__", _functional_subclass(type(self)))
            Functional.__init__(self, *args, **kwargs)
            return
        trainable = kwargs.pop("trainable", True)
        name = kwargs.pop("name", None)
        dtype = kwargs.pop("dtype", None)
        Layer.__init__(self, trainable=trainable, name=name, dtype=dtype, **kwargs)
        self._init_model_state()

    def _init_model_state(self):
        self._is_graph_network = False
        self.stop_training = False
        self._model_output_shapes = None
        if "__init__" in Trainer.__dict__:
            Trainer.__init__(self)

    # ---- structure ----
    @property
    def layers(self):
        return list(self._layers)

    def get_layer(self, name=None, index=None):
        """A layer by ``name`` or by ``index`` (position in ``model.layers``)."""
        if index is not None and name is not None:
            raise ValueError("get_layer: provide either name or index, not both.")
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError("get_layer: index %d is out of range: model %r has %d layers."
                                 % (index, self.name, len(layers)))
            return layers[index]
        if name is not None:
            for layer in layers:
                if layer.name == name:
                    return layer
            raise ValueError("No such layer: %r. Model %r has layers: %s."
                             % (name, self.name, [l.name for l in layers]))
        raise ValueError("get_layer: provide either a layer name or an index.")

    @property
    def inputs(self):
        return None

    @property
    def outputs(self):
        return None

    @property
    def output_names(self):
        return ["output_1"]

    @property
    def input_names(self):
        return ["input_1"]

    @property
    def weights(self):
        out = []
        for layer in self._layers:
            out.extend(layer.weights)
        out.extend(v for v in self._tracked_variables)
        return _unique(out)

    @property
    def variables(self):
        return self.weights

    @property
    def non_trainable_weights(self):
        return Layer.non_trainable_weights.fget(self)

    @property
    def non_trainable_variables(self):
        return self.non_trainable_weights

    @property
    def trainable_weights(self):
        return Layer.trainable_weights.fget(self)

    @property
    def trainable_variables(self):
        return self.trainable_weights

    def get_weights(self):
        return [np.array(v._value, copy=True) for v in self.weights]

    # ---- building ----
    def call(self, inputs, training=None, mask=None):
        raise NotImplementedError(
            "Model %r (%s) has no call() method. A Model subclass must define "
            "call(self, inputs, training=None) returning the outputs, or be built as "
            "Model(inputs, outputs)." % (self.name, type(self).__name__))

    def _own_build(self):
        return type(self).build is not Model.build

    def _maybe_build(self, inputs):
        if self.built:
            return
        if not self._own_build():
            # a subclassed model's sublayers build themselves during this first call
            from ndflow.keras.engine.layer import _shape_of
            self._build_shapes = _shape_of(inputs)
            self.built = True
            return
        Layer._maybe_build(self, inputs)

    def _maybe_build_symbolic(self, shapes):
        if self.built:
            return
        if not self._own_build():
            self._build_shapes = shapes
            self.built = True
            return
        Layer._maybe_build_symbolic(self, shapes)

    def build(self, input_shape=None):
        """Create the model's weights for inputs of ``input_shape`` (batch included).

        As in Keras 2, a subclassed model runs ``call`` once on a zero batch of that
        shape, so every sublayer creates its weights and ``summary()`` can count them.
        """
        if input_shape is None:
            raise ValueError(
                "Model %r: build() needs an input_shape, e.g. model.build((None, 10)) "
                "(batch dimension first)." % self.name)
        if isinstance(input_shape, tuple) and len(input_shape) and isinstance(
                input_shape[0], (list, tuple)) is False and not all(
                d is None or isinstance(d, (int, np.integer)) for d in input_shape):
            raise ValueError("Model %r: build() got an invalid input_shape %r."
                             % (self.name, input_shape))
        self._build_shapes = input_shape
        self.built = True
        dummy = _dummy_inputs(input_shape, self.dtype)
        saved = _call_context.get("record_shapes")
        _call_context["record_shapes"] = True
        try:
            outputs = self(dummy, training=False)
        except Exception as e:
            self.built = False
            raise type(e)(
                "Model %r: build(input_shape=%r) runs call() on a batch of zeros of that "
                "shape to create the weights, and it failed: %s" % (self.name, input_shape, e)
            ) from e
        finally:
            _call_context["record_shapes"] = saved
        batch = _first_dim(input_shape)
        self._model_output_shapes = _with_batch(_shapes(outputs), batch)
        for layer in self._flatten_layers(include_self=False):
            rec = layer.__dict__.get("_recorded_output_shape")
            if rec is not None:
                layer._recorded_output_shape = _with_batch(rec, batch)
        self._clear_call_losses()

    # ---- summary / plotting ----
    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Print the Keras table of layers, output shapes and parameter counts."""
        from ndflow.keras.engine.summary import print_summary
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable,
                      layer_range=layer_range)

    # ---- saving (implemented in ndflow.keras.saving.api) ----
    def save(self, filepath, overwrite=True, **kwargs):
        from ndflow.keras.saving import api
        return api.save_model(self, filepath, overwrite=overwrite, **kwargs)

    def save_weights(self, filepath, overwrite=True, **kwargs):
        from ndflow.keras.saving import api
        return api.save_weights(self, filepath, overwrite, **kwargs)

    def load_weights(self, filepath, skip_mismatch=False, by_name=False, **kwargs):
        from ndflow.keras.saving import api
        return api.load_weights(self, filepath, skip_mismatch=skip_mismatch, by_name=by_name,
                                **kwargs)

    def to_json(self, **kwargs):
        from ndflow.keras.saving import api
        return api.model_to_json(self, **kwargs)

    def export(self, filepath, format="tf_saved_model", verbose=None, input_signature=None,
               **kwargs):
        """Export the model for inference in another runtime.

        ndflow writes ``format="onnx"`` (``opset_version=`` may be passed); the other
        Keras formats raise an error that says so.  See ``ndflow.keras.export``."""
        from ndflow.keras.export import export_model
        return export_model(self, filepath, format=format, verbose=verbose,
                            input_signature=input_signature, **kwargs)

    def to_yaml(self, **kwargs):
        raise RuntimeError("Model.to_yaml() was removed from Keras (loading YAML could run "
                           "arbitrary code). Use model.to_json() instead.")

    # ---- config (subclassed models) ----
    def get_config(self):
        import inspect
        try:
            params = inspect.signature(type(self).__init__).parameters
        except (TypeError, ValueError):
            params = {}
        extra = [p for n, p in params.items() if n != "self" and p.kind not in (
            p.VAR_KEYWORD, p.VAR_POSITIONAL) and p.default is p.empty]
        if extra:
            raise NotImplementedError(
                "Model %r (%s) is a subclassed model whose __init__ takes arguments (%s), so "
                "it cannot be rebuilt from a config automatically. Implement get_config() "
                "returning those arguments (and from_config if needed), or save only the "
                "weights with save_weights()." % (self.name, type(self).__name__,
                                                  ", ".join(p.name for p in extra)))
        return {"name": self.name, "trainable": self.trainable}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        import inspect
        config = dict(config or {})
        if "layers" in config and "input_layers" in config and "output_layers" in config:
            from ndflow.keras.engine.functional import Functional
            target = Functional if cls is Model else _functional_subclass(cls)
            return Functional.from_config.__func__(target, config, custom_objects)
        try:
            params = inspect.signature(cls.__init__).parameters
        except (TypeError, ValueError):
            params = {}
        accepts_kwargs = any(p.kind == p.VAR_KEYWORD for p in params.values())
        kwargs = {k: v for k, v in config.items() if accepts_kwargs or k in params}
        model = cls(**kwargs)
        if "name" in config and not (accepts_kwargs or "name" in params):
            model.name = config["name"]
        return model

    def __repr__(self):
        return "<%s name=%s, built=%s>" % (type(self).__name__, self.name, self.built)


def _first_dim(shape):
    if isinstance(shape, dict):
        shape = next(iter(shape.values()))
    shape = tuple(shape)
    if shape and isinstance(shape[0], (list, tuple)):
        return _first_dim(shape[0])
    return shape[0] if shape else None


def _is_shape_tuple(x):
    return isinstance(x, tuple) and all(d is None or isinstance(d, (int, np.integer)) for d in x)


def _shapes(x):
    return map_structure(lambda t: tuple(t._value.shape) if hasattr(t, "_value") else None, x)


def _with_batch(shapes, batch):
    """Replace the first dimension of every shape in a structure with ``batch``."""
    if _is_shape_tuple(shapes):
        return (batch,) + tuple(shapes[1:]) if shapes else shapes
    if isinstance(shapes, dict):
        return {k: _with_batch(v, batch) for k, v in shapes.items()}
    if isinstance(shapes, (list, tuple)):
        return type(shapes)(_with_batch(v, batch) for v in shapes)
    return shapes


def _flat_kts(x):
    return [t for t in flatten(x) if isinstance(t, KerasTensor)]
