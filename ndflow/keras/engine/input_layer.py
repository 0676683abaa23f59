"""``keras.Input`` and ``InputLayer``: the entry points of a Functional model."""
from ndflow.backend import dtypes as _dt
from ndflow.keras.engine import naming
from ndflow.keras.engine.layer import Layer
from ndflow.keras.engine.keras_tensor import KerasTensor
from ndflow.keras.engine.node import Node


def _check_shape(shape, what):
    if isinstance(shape, int):
        shape = (shape,)
    try:
        shape = tuple(shape)
    except TypeError:
        raise TypeError("%s must be a tuple of dimensions (e.g. (28, 28)), got %r."
                        % (what, shape)) from None
    for d in shape:
        if d is not None and (not isinstance(d, int) and not hasattr(d, "__index__") or
                              int(d) < 0):
            raise ValueError("%s must hold non-negative integers or None, got %r."
                             % (what, shape))
    return tuple(None if d is None else int(d) for d in shape)


class InputLayer(Layer):
    """The layer behind ``keras.Input``: it has no weights and outputs its KerasTensor."""

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None,
                 batch_shape=None, input_tensor=None, name=None, input_shape=None,
                 batch_input_shape=None, ragged=None, **kwargs):
        if name is None:
            name = naming.unique_name("input", zero_based=False)
        if input_shape is not None and shape is None:
            shape = input_shape
        if batch_input_shape is not None and batch_shape is None:
            batch_shape = batch_input_shape
        kwargs.pop("input_dtype", None)
        super().__init__(name=name, dtype=dtype, **kwargs)
        if input_tensor is not None:
            batch_shape = tuple(input_tensor.shape)
            dtype = input_tensor.dtype
        if batch_shape is not None:
            batch_shape = _check_shape(batch_shape, "Input batch_shape")
        elif shape is not None:
            batch_shape = (batch_size,) + _check_shape(shape, "Input shape")
        else:
            raise ValueError("Input (layer %r) needs a shape: Input(shape=(features,)), "
                             "e.g. Input(shape=(64,)) for vectors of 64 values." % name)
        self._batch_input_shape = batch_shape
        self.batch_shape = batch_shape
        self.sparse = bool(sparse)
        self._input_dtype = _dt.as_dtype(dtype if dtype is not None else _dt.floatx()).name
        self.built = True
        tensor = KerasTensor(batch_shape, dtype=self._input_dtype, sparse=self.sparse,
                             name=name)
        Node(self, (), {}, tensor)
        self._input_tensor = tensor

    @property
    def dtype(self):
        return self._input_dtype

    def call(self, inputs):
        return inputs

    def get_config(self):
        return {"batch_shape": list(self._batch_input_shape), "dtype": self._input_dtype,
                "sparse": self.sparse, "name": self.name}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("trainable", None)
        config.pop("ragged", None)
        config.pop("optional", None)  # written by Keras >= 3.5 (optional inputs)
        return cls(**config)


def Input(shape=None, batch_size=None, name=None, dtype=None, sparse=None, tensor=None,
          batch_shape=None, ragged=None, optional=False, **kwargs):
    """A symbolic input tensor: ``Input(shape=(64,))`` -> KerasTensor of shape (None, 64)."""
    if "batch_input_shape" in kwargs and batch_shape is None:
        batch_shape = kwargs.pop("batch_input_shape")
    if kwargs:
        raise TypeError("Input got unexpected keyword argument(s) %s." % sorted(kwargs))
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       batch_shape=batch_shape, input_tensor=tensor, name=name)
    return layer._input_tensor
