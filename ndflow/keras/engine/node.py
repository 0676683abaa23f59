"""A ``Node`` records one call of a layer on symbolic tensors: the call's arguments
(KerasTensors inside them are the inputs) and the KerasTensors it returned."""
from ndflow.keras.engine.keras_tensor import KerasTensor, KerasHistory, flatten, map_structure


class Node:
    def __init__(self, layer, call_args=(), call_kwargs=None, outputs=None):
        self.layer = layer
        self.call_args = tuple(call_args)
        self.call_kwargs = dict(call_kwargs or {})
        self.outputs = outputs
        self.input_tensors = [v for v in flatten(list(self.call_args)) +
                              flatten(list(self.call_kwargs.values()))
                              if isinstance(v, KerasTensor)]
        self.output_tensors = [v for v in flatten(outputs) if isinstance(v, KerasTensor)]
        node_index = len(layer._inbound_nodes)
        layer._inbound_nodes.append(self)
        for t in self.input_tensors:
            if t._keras_history is not None:
                t._keras_history.layer._outbound_nodes.append(self)
        for i, t in enumerate(self.output_tensors):
            t._keras_history = KerasHistory(layer, node_index, i)

    @property
    def is_input(self):
        return not self.input_tensors

    @property
    def parent_nodes(self):
        out = []
        for t in self.input_tensors:
            if t._keras_history is not None:
                node = t._keras_history.node
                if not any(node is n for n in out):
                    out.append(node)
        return out

    @property
    def inbound_layers(self):
        return [t._keras_history.layer for t in self.input_tensors
                if t._keras_history is not None]

    @property
    def input_tensors_structure(self):
        return self.call_args[0] if self.call_args else None

    @property
    def output_tensors_structure(self):
        return self.outputs

    @property
    def input_shapes(self):
        return map_structure(lambda t: t._shape if isinstance(t, KerasTensor) else None,
                             self.input_tensors_structure)

    @property
    def output_shapes(self):
        return map_structure(lambda t: t._shape if isinstance(t, KerasTensor) else None,
                             self.outputs)

    def run(self, values, training=None):
        """Call the layer with KerasTensors replaced by their values (``id -> value``)."""
        def sub(v):
            return values[id(v)] if isinstance(v, KerasTensor) else v
        args = [map_structure(sub, a) for a in self.call_args]
        kwargs = {k: map_structure(sub, v) for k, v in self.call_kwargs.items()}
        if training is not None and "training" not in self.call_kwargs:
            kwargs["training"] = training
        return self.layer(*args, **kwargs)

    def __repr__(self):
        return "<Node layer=%s inputs=%d outputs=%d>" % (
            self.layer.name, len(self.input_tensors), len(self.output_tensors))
