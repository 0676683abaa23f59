"""keras.backend settings and keras.utils.set_random_seed reproducibility."""
import random

import numpy as np
import pytest

import ndflow as tf
from ndflow import keras
from ndflow.keras import layers as L


def test_clear_session_resets_names():
    keras.backend.clear_session()
    assert L.Dense(1).name == "dense"
    assert L.Dense(1).name == "dense_1"
    keras.backend.clear_session()
    assert L.Dense(1).name == "dense"
    assert keras.Input((2,)).name == "input_1"


def test_floatx_epsilon_image_format():
    assert keras.backend.floatx() == "float32"
    assert keras.backend.epsilon() == pytest.approx(1e-7)
    assert keras.backend.image_data_format() == "channels_last"
    keras.backend.set_epsilon(1e-5)
    try:
        assert keras.backend.epsilon() == 1e-5
    finally:
        keras.backend.set_epsilon(1e-7)
    keras.backend.set_floatx("float64")
    try:
        layer = L.Dense(2)
        assert layer(np.ones((1, 3), "float32")).dtype == tf.float64
        assert layer.kernel.dtype == tf.float64
    finally:
        keras.backend.set_floatx("float32")
    with pytest.raises(ValueError):
        keras.backend.set_image_data_format("channels_middle")


def test_keras2_backend_helpers():
    K = keras.backend
    x = tf.constant([[1.0, -2.0], [3.0, 4.0]])
    assert float(K.sum(K.abs(x))) == 10.0
    np.testing.assert_allclose(K.clip(x, 0.0, 3.0).numpy(), [[1, 0], [3, 3]])
    assert K.int_shape(x) == (2, 2)


def _train_once(seed):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([L.Dense(8, activation="relu", input_shape=(4,)),
                              L.Dropout(0.3), L.Dense(1)])
    x = np.random.normal(size=(32, 4)).astype("float32")  # numpy's global generator
    y = x[:, :1] * 2
    for _ in range(5):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x, training=True) - y))
        grads = tape.gradient(loss, model.trainable_variables)
        for v, g in zip(model.trainable_variables, grads):
            v.assign_sub(0.05 * g)
    return [w.copy() for w in model.get_weights()], random.random()


def test_set_random_seed_gives_bit_identical_training():
    w1, r1 = _train_once(123)
    w2, r2 = _train_once(123)
    w3, _ = _train_once(124)
    assert r1 == r2
    for a, b in zip(w1, w2):
        np.testing.assert_array_equal(a, b)
    assert not all(np.array_equal(a, b) for a, b in zip(w1, w3))
    with pytest.raises(ValueError, match="integer"):
        keras.utils.set_random_seed("x")


def test_set_random_seed_makes_fit_bit_identical():
    def run(seed):
        keras.utils.set_random_seed(seed)
        model = keras.Sequential([L.Dense(16, activation="relu", input_shape=(4,)),
                                  L.Dropout(0.3), L.Dense(1)])
        model.compile("adam", "mse")
        x = np.random.normal(size=(64, 4))
        model.fit(x, x.sum(1), epochs=2, batch_size=16, validation_split=0.25, shuffle=True,
                  verbose=0)
        return model.get_weights()
    a, b, c = run(1), run(1), run(2)
    assert all(np.array_equal(p, q) for p, q in zip(a, b))
    assert not all(np.array_equal(p, q) for p, q in zip(a, c))
