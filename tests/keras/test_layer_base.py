"""The Layer base class: names, weights, tracking, losses, training flag, errors."""
import numpy as np
import pytest

import ndflow as tf
from ndflow import keras
from ndflow.keras import layers as L


class Scale(L.Layer):
    def __init__(self, **kw):
        super().__init__(**kw)

    def build(self, input_shape):
        self.w = self.add_weight(name="w", shape=(input_shape[-1],), initializer="ones")
        self.count = self.add_weight(name="count", shape=(), initializer="zeros",
                                     trainable=False)

    def call(self, x, training=None):
        self.add_loss(tf.reduce_sum(self.w) * 0.5)
        if training:
            self.count.assign_add(1.0)
        return x * self.w


def test_unique_names_and_snake_case():
    keras.backend.clear_session()
    assert Scale().name == "scale" and Scale().name == "scale_1"
    assert L.BatchNormalization().name == "batch_normalization"
    assert Scale(name="mine").name == "mine"


def test_weights_tracking_and_get_set():
    layer = Scale()
    with pytest.raises(ValueError, match="isn't built"):
        layer.count_params()
    layer(np.ones((2, 3), "float32"))
    assert [w.name for w in layer.weights] == ["w", "count"]
    assert len(layer.trainable_weights) == 1 and len(layer.non_trainable_weights) == 1
    assert layer.count_params() == 4
    layer.set_weights([np.full(3, 2.0), np.array(5.0)])
    np.testing.assert_allclose(layer(np.ones((1, 3), "float32")).numpy(), [[2, 2, 2]])
    with pytest.raises(ValueError, match="2 weights"):
        layer.set_weights([np.ones(3)])
    with pytest.raises(ValueError, match="shape"):
        layer.set_weights([np.ones(4), np.array(0.0)])


def test_losses_are_recomputed_each_call_and_collected_from_sublayers():
    class Outer(keras.Model):
        def __init__(self):
            super().__init__()
            self.a = Scale()
            self.b = L.Dense(2, activity_regularizer="l2")

        def call(self, x):
            return self.b(self.a(x))

    m = Outer()
    x = np.ones((4, 3), "float32")
    m(x)
    assert len(m.losses) == 2
    m(x)
    assert len(m.losses) == 2  # not accumulated across calls
    assert len(m.a.losses) == 1
    np.testing.assert_allclose(float(m.a.losses[0]), 1.5)
    y = m.b(x * 0)  # the Dense called on its own: its activity loss is now 0
    assert float(m.b.losses[0]) == 0.0 and y.shape == (4, 2)


def test_training_flag_propagates_to_nested_layers():
    class Outer(keras.Model):
        def __init__(self):
            super().__init__()
            self.inner = Scale()

        def call(self, x):
            return self.inner(x)  # no training passed explicitly

    m = Outer()
    m(np.ones((1, 2), "float32"), training=True)
    m(np.ones((1, 2), "float32"))
    assert float(m.inner.count.numpy()) == 1.0


def test_training_default_of_the_call_signature_applies_when_no_flag_is_given():
    # Keras: explicit training=, else the enclosing call's flag, else call()'s default
    # (TensorFlow 2.21 prints the same for this program)
    class Noisy(L.Layer):
        def __init__(self, **kw):
            super().__init__(**kw)
            self.drop = L.Dropout(0.5)
            self.seen = []

        def call(self, x, training=True):
            self.seen.append(training)
            return self.drop(x)        # inherits the flag

    layer = Noisy()
    x = np.ones((4, 10), "float32")
    assert (layer(x).numpy() == 0).any() and layer.seen[-1] is True
    assert not (layer(x, training=False).numpy() == 0).any() and layer.seen[-1] is False
    model = keras.Sequential([keras.Input((10,)), layer])
    assert (model(x).numpy() == 0).any() and layer.seen[-1] is True
    assert not (model(x, training=False).numpy() == 0).any() and layer.seen[-1] is False
    assert not (model.predict(x, verbose=0) == 0).any()
    # a call whose default is None still sees None (Dropout then does nothing)
    assert not (keras.Sequential([keras.Input((10,)), L.Dropout(0.5)])(x).numpy() == 0).any()


def test_input_shape_kwargs_and_bad_kwargs():
    layer = L.Dense(3, input_shape=(5,))
    assert layer._batch_input_shape == (None, 5)
    assert L.Dense(3, input_dim=4)._batch_input_shape == (None, 4)
    with pytest.raises(TypeError, match="unexpected keyword"):
        L.Dense(3, unit=4)


def test_weight_regularizer_and_trainable_freeze():
    layer = L.Dense(2, kernel_regularizer="l1")
    layer(np.ones((1, 2), "float32"))
    assert len(layer.losses) == 1
    layer.trainable = False
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 2
    assert layer.losses == []


def test_add_weight_argument_styles():
    layer = L.Layer()
    k2 = layer.add_weight("k", (2, 3), initializer="ones")
    k3 = layer.add_weight((4,), "zeros", name="b")
    arr = layer.add_weight(name="c", shape=(2,), initializer=np.array([1.0, 2.0]))
    assert k2.name == "k" and tuple(k2.shape) == (2, 3) and float(k2.numpy().sum()) == 6
    assert k3.name == "b" and tuple(k3.shape) == (4,) and float(k3.numpy().sum()) == 0
    np.testing.assert_array_equal(arr.numpy(), [1.0, 2.0])
    assert arr.dtype == tf.float32 and k2.path == layer.name + "/k"
    ints = layer.add_weight(name="n", shape=(), dtype="int64", trainable=False)
    assert ints.dtype == tf.int64 and int(ints.numpy()) == 0


def test_keras_variable_constructor():
    v = keras.Variable("ones", shape=(2, 3), name="w")
    assert v.name == "w" and v.dtype == tf.float32 and float(v.numpy().sum()) == 6.0
    v = keras.Variable(keras.initializers.Constant(2.0), shape=(2,))
    np.testing.assert_array_equal(v.numpy(), [2.0, 2.0])
    assert keras.Variable(np.zeros(3)).dtype == tf.float64
    with pytest.raises(ValueError, match="shape"):
        keras.Variable("zeros")
