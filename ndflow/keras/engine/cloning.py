"""``keras.models.clone_model``: the same architecture with new layers (new weights)."""
from ndflow.keras.engine.functional import Functional
from ndflow.keras.engine.sequential import Sequential
from ndflow.keras.engine.input_layer import Input, InputLayer
from ndflow.keras.engine.keras_tensor import KerasTensor, flatten, map_structure


def _default_clone(layer):
    return layer.__class__.from_config(layer.get_config())


def clone_model(model, input_tensors=None, clone_function=None, call_function=None,
                recursive=False, **kwargs):
    """A new model with the structure of ``model`` and freshly initialized weights.

    ``clone_function(layer)`` makes each new layer (default: ``from_config(get_config())``);
    ``input_tensors`` optionally gives the new model's inputs.  Subclassed models cannot
    be cloned, since their structure is Python code.
    """
    clone_function = clone_function or _default_clone

    def clone(layer):
        if recursive and isinstance(layer, Functional):
            return clone_model(layer, clone_function=clone_function, recursive=True)
        return clone_function(layer)

    if isinstance(model, Sequential):
        new = Sequential(name=model.name, trainable=model.trainable)
        if input_tensors is not None:
            tensors = flatten(input_tensors)
            if len(tensors) != 1:
                raise ValueError("clone_model: a Sequential model takes one input tensor, got "
                                 "%d." % len(tensors))
            new.add(tensors[0])
        elif model._input_layer is not None:
            il = model._input_layer
            new.add(InputLayer(batch_shape=il._batch_input_shape, dtype=il.dtype,
                               name=il.name))
        elif model._is_graph_network and model._seq_layers[0]._batch_input_shape is None:
            kt = model._flat_inputs[0]
            new.add(InputLayer(batch_shape=kt._shape, dtype=kt._dtype.name))
        for layer in model.layers:
            new.add(clone(layer))
        return new
    if not isinstance(model, Functional):
        raise ValueError(
            "clone_model can only clone Sequential and Functional models. Model %r is a "
            "subclassed model (%s): create a new instance of its class instead."
            % (model.name, type(model).__name__))
    if input_tensors is None:
        new_inputs = map_structure(
            lambda t: Input(batch_shape=t._shape, dtype=t._dtype.name,
                            name=t._keras_history.layer.name if t._keras_history else None),
            model._nested_inputs)
    else:
        new_inputs = input_tensors
    flat_new = flatten(new_inputs)
    if len(flat_new) != len(model._flat_inputs):
        raise ValueError("clone_model: model %r has %d inputs but %d input tensors were given."
                         % (model.name, len(model._flat_inputs), len(flat_new)))
    values = {id(old): new for old, new in zip(model._flat_inputs, flat_new)}
    layers = {}
    for node in model._graph_nodes:
        layer = layers.get(id(node.layer))
        if layer is None:
            layer = clone(node.layer)
            layers[id(node.layer)] = layer

        def sub(v):
            return values[id(v)] if isinstance(v, KerasTensor) else v
        args = [map_structure(sub, a) for a in node.call_args]
        kw = {k: map_structure(sub, v) for k, v in node.call_kwargs.items()}
        out = layer(*args, **kw)
        for old, new in zip(node.output_tensors,
                            [t for t in flatten(out) if isinstance(t, KerasTensor)]):
            values[id(old)] = new
    new_outputs = map_structure(lambda t: values[id(t)], model._nested_outputs)
    if isinstance(new_inputs, tuple):
        new_inputs = list(new_inputs)
    return Functional(new_inputs, new_outputs, name=model.name, trainable=model.trainable)
