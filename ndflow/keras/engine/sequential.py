"""``Sequential``: a plain stack of layers, each feeding the next.

The input shape comes from an ``Input``/``InputLayer`` added first, from the first
layer's ``input_shape=`` (Keras 2 style), from a first layer that is itself a built
model, from ``model.build(input_shape)``, or, deferred, from the first batch of data.
Once it is known the stack is also recorded as a Functional graph, so ``summary()``,
``inputs``/``outputs`` and ``plot_model`` know every shape.
"""
from ndflow.backend import dtypes as _dt
from ndflow.keras.engine import naming
from ndflow.keras.engine.layer import Layer
from ndflow.keras.engine.model import Model
from ndflow.keras.engine.functional import Functional
from ndflow.keras.engine.input_layer import InputLayer, Input
from ndflow.keras.engine.keras_tensor import KerasTensor
from ndflow.keras.engine.fusion import runs_with_next


class Sequential(Functional):
    """``Sequential([Dense(64, activation='relu', input_shape=(20,)), Dense(1)])``."""

    def __init__(self, layers=None, name=None, trainable=True, **kwargs):
        kwargs.pop("dtype", None)
        if kwargs:
            raise TypeError("Sequential got unexpected keyword argument(s) %s."
                            % sorted(kwargs))
        Layer.__init__(self, trainable=trainable, name=name or naming.unique_name("sequential"))
        self._init_model_state()
        self._seq_layers = []
        self._input_layer = None
        self._graph_built_for = None
        if layers is not None:
            if isinstance(layers, Layer) or not hasattr(layers, "__iter__"):
                layers = [layers]
            for layer in layers:
                self.add(layer, rebuild=False)
        self._rebuild()

    # ---- stacking ----
    def add(self, layer, rebuild=True):
        """Append a layer (or an ``Input`` tensor, which sets the input shape)."""
        if isinstance(layer, KerasTensor):
            hist = layer._keras_history
            if hist is None or not isinstance(hist.layer, InputLayer):
                raise TypeError("Sequential.add got a symbolic tensor that is not a "
                                "keras.Input; add layers, or an Input to set the input shape.")
            layer = hist.layer
        if not isinstance(layer, Layer):
            raise TypeError(
                "Sequential.add: the added layer must be an instance of keras.layers.Layer, "
                "got %r (type %s). Did you forget to instantiate it (Dense(10), not Dense)?"
                % (layer, type(layer).__name__))
        if isinstance(layer, InputLayer):
            if self._seq_layers:
                raise ValueError("Sequential %r: an InputLayer can only be added first, before "
                                 "any other layer." % self.name)
            self._input_layer = layer
        else:
            for other in self._seq_layers:
                if other.name == layer.name:
                    raise ValueError(
                        "All layers added to a Sequential model should have unique names. "
                        "Name %r is already the name of a layer in model %r. Pass a "
                        "different name= to the layer." % (layer.name, self.name))
            self._seq_layers.append(layer)
        self._layers = list(self._seq_layers)
        if rebuild:
            self._rebuild()

    def pop(self, rebuild=True):
        """Remove the last layer."""
        if not self._seq_layers:
            raise TypeError("Sequential %r has no layers to pop." % self.name)
        layer = self._seq_layers.pop()
        self._layers = list(self._seq_layers)
        if rebuild:
            self._rebuild()
        return layer

    @property
    def layers(self):
        return list(self._seq_layers)

    def _known_input(self):
        """(batch shape, dtype) of the model's input if it can be known before data."""
        if self._input_layer is not None:
            return self._input_layer._batch_input_shape, self._input_layer.dtype
        if not self._seq_layers:
            return None
        first = self._seq_layers[0]
        if first._batch_input_shape is not None:
            dtype = first.__dict__.get("_input_dtype_hint") or first.dtype
            return tuple(first._batch_input_shape), dtype
        if isinstance(first, Functional) and first._is_graph_network and \
                len(first._flat_inputs) == 1:
            kt = first._flat_inputs[0]
            return kt._shape, kt._dtype.name
        return None

    def _rebuild(self, input_shape=None, dtype=None):
        self._is_graph_network = False
        self.built = False
        if input_shape is None:
            known = self._known_input()
            if known is None:
                return
            input_shape, dtype = known
        if not self._seq_layers:
            return
        if self._input_layer is not None and tuple(input_shape) == tuple(
                self._input_layer._batch_input_shape):
            x = self._input_layer._input_tensor
        else:
            # Keras 2 names the implicit input after the first layer: "dense_input"
            x = Input(batch_shape=tuple(input_shape), dtype=dtype,
                      name=self._seq_layers[0].name + "_input")
        inputs = x
        for layer in self._seq_layers:
            x = layer(x)
            if isinstance(x, (list, tuple)) and len(x) == 1:
                x = x[0]
        self._init_graph(inputs, x)
        self._layers = list(self._seq_layers)
        self._graph_built_for = tuple(input_shape)

    def build(self, input_shape=None):
        if input_shape is None:
            known = self._known_input()
            if known is None:
                raise ValueError(
                    "Sequential %r: build() needs an input_shape, e.g. model.build((None, 20)) "
                    "(batch dimension first), or give the first layer input_shape=." % self.name)
            input_shape = known[0]
        if not self._seq_layers:
            raise ValueError("Sequential %r has no layers to build." % self.name)
        input_shape = tuple(input_shape)
        self._rebuild(input_shape, self._input_dtype())

    def _input_dtype(self):
        if self._input_layer is not None:
            return self._input_layer.dtype
        return _dt.floatx()

    def _maybe_build(self, inputs):
        if self.built:
            return
        shape = getattr(inputs, "shape", None)
        if shape is None or not self._seq_layers:
            self.built = True
            return
        dtype = inputs.dtype.name if hasattr(inputs, "dtype") else _dt.floatx()
        self._rebuild((None,) + tuple(shape)[1:], dtype)
        self.built = True

    def _maybe_build_symbolic(self, shapes):
        if self.built:
            return
        if isinstance(shapes, tuple) and self._seq_layers:
            self._rebuild((None,) + tuple(shapes)[1:], _dt.floatx())
        self.built = True

    # ---- running ----
    def call(self, inputs, training=None, mask=None):
        if not self._seq_layers:
            raise ValueError("Sequential %r has no layers: add layers before calling it."
                             % self.name)
        x = inputs
        layers = self._seq_layers
        i, n = 0, len(layers)
        while i < n:
            layer = layers[i]
            if i + 1 < n and runs_with_next(layer, layers[i + 1], x):
                # a convolution and its max pooling as one op (keras/engine/fusion.py)
                x = layer(x, _then_pool=layers[i + 1])
                i += 2
                continue
            x = layer(x) if training is None else layer(x, training=training)
            i += 1
        return x

    # ---- structure ----
    @property
    def inputs(self):
        return list(self._flat_inputs) if self._is_graph_network else None

    @property
    def outputs(self):
        return list(self._flat_outputs) if self._is_graph_network else None

    @property
    def input(self):
        if not self._is_graph_network:
            raise AttributeError("Sequential %r has no defined input yet: give the first "
                                 "layer input_shape=, or build/call the model." % self.name)
        return self._nested_inputs

    @property
    def output(self):
        if not self._is_graph_network:
            raise AttributeError("Sequential %r has no defined output yet." % self.name)
        return self._nested_outputs

    @property
    def input_shape(self):
        if not self._is_graph_network:
            raise AttributeError("Sequential %r is not built yet, so its input shape is "
                                 "unknown." % self.name)
        return self._nested_inputs._shape

    @property
    def output_shape(self):
        if not self._is_graph_network:
            raise AttributeError("Sequential %r is not built yet, so its output shape is "
                                 "unknown." % self.name)
        return self._nested_outputs._shape

    @property
    def output_names(self):
        if self._seq_layers:
            return [self._seq_layers[-1].name]
        return ["output_1"]

    @property
    def input_names(self):
        if self._is_graph_network:
            return Functional.input_names.fget(self)
        return ["input_1"]

    def compute_output_shape(self, input_shape):
        return Model.compute_output_shape(self, input_shape)

    # ---- config ----
    def get_config(self):
        from ndflow.keras.saving.serialization import serialize_keras_object
        layers = []
        if self._is_graph_network:
            inp = self._nested_inputs._keras_history.layer
            layers.append(serialize_keras_object(inp))
        for layer in self._seq_layers:
            layers.append(serialize_keras_object(layer))
        config = {"name": self.name, "trainable": self.trainable, "layers": layers}
        if self._graph_built_for is not None:
            config["build_input_shape"] = list(self._graph_built_for)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ndflow.keras.saving.serialization import deserialize_keras_object
        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for lc in config.get("layers", []):
            layer = deserialize_keras_object(lc, custom_objects=custom_objects)
            model.add(layer, rebuild=False)
        model._rebuild()
        shape = config.get("build_input_shape")
        if not model.built and shape is not None and model._seq_layers:
            model.build(tuple(shape))
        return model
