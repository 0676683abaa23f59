"""BatchNormalization and LayerNormalization against NumPy."""
import os
import sys

import numpy as np
import pytest

import ndflow as tf
from ndflow import keras
from ndflow.keras import layers as L

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from layer_test_helper import run_layer_test  # noqa: E402

rng = np.random.default_rng(0)


def test_layer_normalization_layer_test():
    run_layer_test(L.LayerNormalization, {}, input_shape=(3, 5), expected_output_shape=(3, 5),
                   expected_num_trainable_weights=2, expected_num_non_trainable_weights=0)
    run_layer_test(L.LayerNormalization, {"axis": [1, 2], "center": False},
                   input_shape=(2, 3, 4), expected_output_shape=(2, 3, 4),
                   expected_num_trainable_weights=1, expected_num_non_trainable_weights=0)


def test_layer_normalization_numerics():
    x = rng.normal(3, 2, size=(4, 6)).astype("float32")
    layer = L.LayerNormalization(epsilon=1e-3)
    layer(x)
    g = rng.normal(size=6).astype("float32")
    b = rng.normal(size=6).astype("float32")
    layer.set_weights([g, b])
    x64 = x.astype(np.float64)
    mean = x64.mean(-1, keepdims=True)
    var = x64.var(-1, keepdims=True)
    expected = (x64 - mean) / np.sqrt(var + 1e-3) * g + b
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-4, atol=1e-5)
    # over two axes
    x3 = rng.normal(size=(2, 3, 4)).astype("float32")
    out = L.LayerNormalization(axis=[1, 2], epsilon=1e-5)(x3).numpy()
    m = x3.mean(axis=(1, 2), keepdims=True)
    v = x3.var(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(out, (x3 - m) / np.sqrt(v + 1e-5), rtol=1e-4, atol=1e-5)


def test_layer_normalization_gradient_finite_differences():
    x0 = rng.normal(size=(2, 4))
    w = rng.normal(size=(2, 4))
    layer = L.LayerNormalization(dtype="float64")

    def f(x):
        m = x.mean(-1, keepdims=True)
        v = x.var(-1, keepdims=True)
        return float(np.sum((x - m) / np.sqrt(v + 1e-3) * w))
    xt = tf.constant(x0)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        loss = tf.reduce_sum(layer(xt) * w)
    g = tape.gradient(loss, xt).numpy()
    num = np.zeros_like(x0)
    for idx in np.ndindex(*x0.shape):
        d = np.zeros_like(x0)
        d[idx] = 1e-6
        num[idx] = (f(x0 + d) - f(x0 - d)) / 2e-6
    np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-7)


def test_batch_normalization_layer_test():
    run_layer_test(L.BatchNormalization, {}, input_shape=(8, 5), expected_output_shape=(8, 5),
                   expected_num_trainable_weights=2, expected_num_non_trainable_weights=2)
    run_layer_test(L.BatchNormalization, {"axis": 1, "scale": False},
                   input_shape=(4, 3, 5), expected_output_shape=(4, 3, 5),
                   expected_num_trainable_weights=1, expected_num_non_trainable_weights=2)


def test_batch_normalization_training_and_inference():
    x = rng.normal(2.0, 3.0, size=(16, 3)).astype("float32")
    layer = L.BatchNormalization(momentum=0.9, epsilon=1e-3)
    # inference before training: moving mean 0, variance 1
    np.testing.assert_allclose(layer(x).numpy(), x / np.sqrt(1 + 1e-3), rtol=1e-5)
    assert [w.name for w in layer.weights] == ["gamma", "beta", "moving_mean",
                                               "moving_variance"]
    out = layer(x, training=True).numpy()
    x64 = x.astype(np.float64)
    mean, var = x64.mean(0), x64.var(0)
    np.testing.assert_allclose(out, (x64 - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.1 * mean, rtol=1e-5)
    np.testing.assert_allclose(layer.moving_variance.numpy(), 0.9 + 0.1 * var, rtol=1e-5)
    # inference uses the moving statistics
    mm, mv = layer.moving_mean.numpy(), layer.moving_variance.numpy()
    np.testing.assert_allclose(layer(x, training=False).numpy(), (x - mm) / np.sqrt(mv + 1e-3),
                               rtol=1e-4, atol=1e-5)
    # a frozen layer runs in inference mode and does not update its statistics
    layer.trainable = False
    layer(x, training=True)
    np.testing.assert_allclose(layer.moving_mean.numpy(), mm)
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 4


def test_batch_normalization_channels_first_axis():
    x = rng.normal(size=(4, 3, 2, 2)).astype("float32")
    layer = L.BatchNormalization(axis=1)
    out = layer(x, training=True).numpy()
    mean = x.mean(axis=(0, 2, 3), keepdims=True)
    var = x.var(axis=(0, 2, 3), keepdims=True)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-5)
    assert tuple(layer.gamma.shape) == (3,)


def test_batch_normalization_in_a_model_updates_during_fit_only():
    model = keras.Sequential([L.Dense(4, input_shape=(3,)), L.BatchNormalization()])
    x = rng.normal(size=(10, 3)).astype("float32")
    bn = model.layers[1]
    before = bn.moving_mean.numpy().copy()
    model(x)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), before)
    model(x, training=True)
    assert not np.allclose(bn.moving_mean.numpy(), before)


def test_batch_normalization_rejects_unknown_axis():
    with pytest.raises(ValueError, match="known size"):
        L.BatchNormalization()(keras.Input(batch_shape=(None, None)))
