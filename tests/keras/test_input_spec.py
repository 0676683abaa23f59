"""InputSpec and check_input: errors that name the layer, the shapes and the fix."""
import numpy as np
import pytest

import ndflow as tf
from ndflow import keras
from ndflow.keras import layers as L
from ndflow.keras.engine.input_spec import InputSpec, check_input


class Needs3D(L.Layer):
    def __init__(self, **kw):
        super().__init__(**kw)
        self.input_spec = InputSpec(ndim=3, axes={-1: 4}, dtype="float32")


def test_ndim_axes_and_dtype_errors():
    layer = Needs3D(name="needs3d")
    with pytest.raises(ValueError) as e:
        layer(np.zeros((2, 4), "float32"))
    msg = str(e.value)
    assert "'needs3d'" in msg and "expected ndim=3, found ndim=2" in msg and "(2, 4)" in msg
    assert "batch" in msg  # one dimension short: the batch dimension may be missing
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 4"):
        layer(np.zeros((2, 3, 5), "float32"))
    with pytest.raises(ValueError, match="expected ndim=3"):
        layer(keras.Input((4,)))  # symbolic inputs are checked too
    assert layer(np.zeros((2, 3, 4), "float32")).shape == (2, 3, 4)
    with pytest.raises(ValueError, match="dtype=float32, found dtype=int32"):
        check_input(layer, layer.input_spec, tf.zeros((2, 3, 4), dtype="int32"))


def test_min_max_ndim_and_lists():
    spec = [InputSpec(min_ndim=2), InputSpec(max_ndim=2)]
    layer = L.Layer(name="pair")
    check_input(layer, spec, [tf.zeros((2, 3)), tf.zeros((2, 3))])
    with pytest.raises(ValueError, match="expected max_ndim=2, found ndim=3"):
        check_input(layer, spec, [tf.zeros((2, 3)), tf.zeros((2, 3, 1))])
    with pytest.raises(ValueError, match="expects 2 input"):
        check_input(layer, spec, [tf.zeros((2, 3))])
    with pytest.raises(ValueError, match="min_ndim=2"):
        check_input(layer, InputSpec(min_ndim=2), tf.zeros((3,)))


def test_input_spec_repr_and_config():
    spec = InputSpec(shape=(None, 3))
    assert spec.ndim == 2 and "shape=(None, 3)" in repr(spec)
    assert InputSpec.from_config(spec.get_config()).shape == (None, 3)
    with pytest.raises(ValueError, match="expected shape=\\(None, 3\\)"):
        check_input(L.Layer(), spec, tf.zeros((2, 4)))
