"""``Embedding`` and ``Masking``, and the mask side table.

Keras attaches a boolean mask to the tensor a masking layer returns (``_keras_mask``);
layers that consume masks (RNNs, attention, ``GlobalAveragePooling1D``) read it when no
``mask=`` is passed.  ndflow tensors have fixed slots, so the mask lives in a side table
keyed by the tensor's identity (a weak reference drops the entry with the tensor):
``set_keras_mask(tensor, mask)`` / ``get_keras_mask(tensor)``.
"""

import numpy as np

from ndflow.core.tensor import Tensor
from ndflow.keras.engine.layer import Layer
from ndflow.keras.engine.masking import set_keras_mask, get_keras_mask
from ndflow.keras import initializers, regularizers, constraints
from ndflow.ops import array_ops as _A
from ndflow.ops import math_ops as _M
from ndflow.ops import reduction_ops as _R

__all__ = ["Embedding", "Masking", "set_keras_mask", "get_keras_mask"]

def _ser(module, value):
    return module.serialize(value) if value is not None else None


class Embedding(Layer):
    """Maps integer ids in ``[0, input_dim)`` to dense vectors of size ``output_dim``.

    With ``mask_zero=True`` id 0 is padding: the output carries a mask (``ids != 0``) that
    RNN and attention layers downstream use, and ``input_dim`` must count id 0.
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, activity_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, input_length=None,
                 sparse=False, lora_rank=None, **kwargs):
        if input_length is not None and "input_shape" not in kwargs and \
                "batch_input_shape" not in kwargs:
            kwargs["input_shape"] = (input_length,)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        for what, v in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(v, (int, np.integer)) or v <= 0:
                raise ValueError("Embedding: %s must be a positive int, got %r." % (what, v))
        self.input_dim = int(input_dim)
        self.output_dim = int(output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer) \
            if embeddings_regularizer is not None else None
        self.embeddings_constraint = constraints.get(embeddings_constraint) \
            if embeddings_constraint is not None else None
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self.input_length = input_length

    def _autocast_inputs(self):
        return False     # ids stay integers

    def build(self, input_shape=None):
        self.embeddings = self.add_weight(
            name="embeddings", shape=(self.input_dim, self.output_dim),
            initializer=self.embeddings_initializer, regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint)
        self.built = True

    def call(self, inputs):
        ids = inputs
        v = ids._value
        if v.dtype.kind not in "iu":
            if v.dtype.kind == "f" and v.size and not np.all(np.floor(v) == v):
                raise ValueError("Embedding %r expects integer ids, got non-integer values "
                                 "(dtype %s)." % (self.name, v.dtype))
            ids = _M.cast(ids, "int32")
            v = ids._value
        if v.size:
            lo, hi = int(v.min()), int(v.max())
            if lo < 0 or hi >= self.input_dim:
                raise ValueError(
                    "Embedding %r: ids must be in [0, %d) (input_dim=%d), got values from %d "
                    "to %d. Increase input_dim to the vocabulary size (+1 if id 0 is "
                    "padding)." % (self.name, self.input_dim, self.input_dim, lo, hi))
        out = _A.gather(self.embeddings, ids)
        if self.mask_zero:
            set_keras_mask(out, self.compute_mask(ids))
        return out

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        v = inputs._value if isinstance(inputs, Tensor) else np.asarray(inputs)
        return Tensor(v != 0)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "input_dim": self.input_dim, "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": _ser(regularizers, self.embeddings_regularizer),
            "activity_regularizer": _ser(regularizers, self.activity_regularizer),
            "embeddings_constraint": _ser(constraints, self.embeddings_constraint),
            "mask_zero": self.mask_zero,
        })
        return config


class Masking(Layer):
    """Marks timesteps whose features all equal ``mask_value`` as padding: they are zeroed
    and the output carries a mask that downstream RNN/attention layers skip."""

    supports_masking = True

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value

    def compute_mask(self, inputs, mask=None):
        return _R.reduce_any(_M.not_equal(inputs, self.mask_value), axis=-1)

    def call(self, inputs):
        mask = self.compute_mask(inputs)
        out = _M.multiply(inputs, _M.cast(_A.expand_dims(mask, -1), inputs.dtype))
        set_keras_mask(out, mask)
        return out

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config
