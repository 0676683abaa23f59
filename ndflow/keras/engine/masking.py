"""Keras masks: a boolean tensor attached to the tensor a masking layer returns
(``tensor._keras_mask``), which the layers downstream receive as ``mask=`` and pass on
through ``compute_mask`` (see ``Layer.__call__``)."""
from ndflow.core.tensor import Tensor


def set_keras_mask(tensor, mask):
    """Attach ``mask`` (a boolean tensor, or None to clear) to ``tensor``; returns it."""
    if not isinstance(tensor, Tensor):
        return tensor
    if mask is None:
        try:
            del tensor._keras_mask
        except AttributeError:
            pass
    else:
        tensor._keras_mask = mask
    return tensor


def get_keras_mask(tensor):
    """The mask attached to ``tensor``, or None."""
    return getattr(tensor, "_keras_mask", None)


def input_mask(inputs):
    """The mask of a call's inputs: one tensor's mask, a list of masks for a list of
    inputs (None when no input has one)."""
    if isinstance(inputs, Tensor):
        return getattr(inputs, "_keras_mask", None)
    if isinstance(inputs, (list, tuple)):
        masks = [getattr(x, "_keras_mask", None) for x in inputs]
        if any(m is not None for m in masks):
            return masks
    return None


def attach_output_mask(outputs, mask):
    """Attach ``mask`` (one mask, or a list matching a list of outputs) to outputs that
    have none yet."""
    if isinstance(outputs, Tensor):
        if isinstance(mask, (list, tuple)):
            mask = mask[0] if mask else None
        if mask is not None and getattr(outputs, "_keras_mask", None) is None:
            outputs._keras_mask = mask
    elif isinstance(outputs, (list, tuple)):
        masks = mask if isinstance(mask, (list, tuple)) else [mask] * len(outputs)
        for o, m in zip(outputs, masks):
            if isinstance(o, Tensor) and m is not None and \
                    getattr(o, "_keras_mask", None) is None:
                o._keras_mask = m
