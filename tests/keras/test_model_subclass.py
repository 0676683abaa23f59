"""Subclassed models: layers in __init__, forward pass in call."""
import numpy as np
import pytest

import ndflow as tf
from ndflow import keras
from ndflow.keras import layers as L

rng = np.random.default_rng(0)


class MyModel(keras.Model):
    def __init__(self):
        super(MyModel, self).__init__()
        self.dense1 = L.Dense(64, activation="relu")
        self.dropout = L.Dropout(0.5)
        self.dense2 = L.Dense(10, activation="softmax")

    def call(self, x, training=None):
        return self.dense2(self.dropout(self.dense1(x), training=training))


def test_build_creates_weights_keras2_style():
    model = MyModel()
    assert not model.built and model.weights == []
    model.build(input_shape=(1, 10))
    assert model.built
    assert tuple(model.dense1.kernel.shape) == (10, 64)
    assert tuple(model.dense2.kernel.shape) == (64, 10)
    assert len(model.trainable_weights) == 4
    assert model.count_params() == 10 * 64 + 64 + 64 * 10 + 10
    assert model.name == "my_model"


def test_call_training_flag_and_layers():
    model = MyModel()
    x = rng.normal(size=(5, 10)).astype("float32")
    a = model(x).numpy()
    np.testing.assert_array_equal(a, model(x, training=False).numpy())
    assert not np.allclose(a, model(x, training=True).numpy())
    np.testing.assert_allclose(a.sum(1), 1.0, rtol=1e-5)
    assert model.layers == [model.dense1, model.dropout, model.dense2]
    assert model.get_layer(model.dense2.name) is model.dense2


def test_call_on_keras_input_inside_functional_model():
    model = MyModel()
    model.build((None, 10))
    inputs = keras.Input((1, 10))
    functional = keras.Model(inputs, model.call(inputs))
    assert functional.output_shape == (None, 1, 10)
    out = model(keras.Input((10,)))
    assert tuple(out.shape) == (None, 10)


def test_lists_and_dicts_of_layers_are_tracked_and_trainable_freezes():
    class Stack(keras.Model):
        def __init__(self):
            super().__init__()
            self.blocks = [L.Dense(4), L.Dense(4)]
            self.heads = {"a": L.Dense(1)}

        def call(self, x):
            for b in self.blocks:
                x = b(x)
            return self.heads["a"](x)

    m = Stack()
    m(np.zeros((2, 3), "float32"))
    assert len(m.trainable_weights) == 6
    m.blocks[0].trainable = False
    assert len(m.trainable_weights) == 4 and len(m.non_trainable_weights) == 2
    m.trainable = False
    assert m.trainable_weights == [] and len(m.weights) == 6


def test_missing_call_and_build_errors():
    class NoCall(keras.Model):
        pass
    with pytest.raises(NotImplementedError, match="call"):
        NoCall()(np.zeros((1, 2), "float32"))
    with pytest.raises(ValueError, match="input_shape"):
        MyModel().build()


def test_gradient_tape_training_loop_lowers_loss():
    model = MyModel()
    x = rng.normal(size=(64, 10)).astype("float32")
    y = np.argmax(x @ rng.normal(size=(10, 10)), axis=1)
    onehot = np.eye(10, dtype="float32")[y]
    first = last = None
    for _ in range(20):
        with tf.GradientTape() as tape:
            p = model(x, training=True)
            loss = -tf.reduce_mean(tf.reduce_sum(onehot * tf.math.log(p + 1e-7), axis=1))
        grads = tape.gradient(loss, model.trainable_variables)
        for v, g in zip(model.trainable_variables, grads):
            v.assign_sub(0.1 * g)
        first = float(loss) if first is None else first
        last = float(loss)
    assert last < first


def test_subclass_get_config_rules():
    cfg = MyModel().get_config()
    assert set(cfg) >= {"name", "trainable"}

    class WithArgs(keras.Model):
        def __init__(self, units):
            super().__init__()
            self.d = L.Dense(units)

        def call(self, x):
            return self.d(x)
    with pytest.raises(NotImplementedError, match="get_config"):
        WithArgs(3).get_config()
