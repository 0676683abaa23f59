"""Core layers: Dense, Dropout, Flatten, Activation, Reshape, Permute, RepeatVector,
Lambda, Identity."""
import os
import sys

import numpy as np
import pytest

import ndflow as tf
from ndflow import keras
from ndflow.keras import layers as L

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from layer_test_helper import run_layer_test  # noqa: E402


def test_dense_layer_test():
    run_layer_test(L.Dense, {"units": 3}, input_shape=(4, 5), expected_output_shape=(4, 3),
                   expected_num_trainable_weights=2, expected_num_non_trainable_weights=0)


def test_dense_relu_no_bias_rank3():
    run_layer_test(L.Dense, {"units": 3, "activation": "relu", "use_bias": False},
                   input_shape=(2, 6, 5), expected_output_shape=(2, 6, 3),
                   expected_num_trainable_weights=1, expected_num_non_trainable_weights=0)


def test_dense_matches_numpy():
    layer = L.Dense(4, activation="tanh", bias_initializer="random_normal")
    x = np.random.default_rng(1).normal(size=(3, 5)).astype("float32")
    y = layer(x).numpy()
    k, b = layer.kernel.numpy().astype(np.float64), layer.bias.numpy().astype(np.float64)
    np.testing.assert_allclose(y, np.tanh(x.astype(np.float64) @ k + b), rtol=1e-5, atol=1e-6)
    assert y.dtype == np.float32
    assert [w.name for w in layer.weights] == ["kernel", "bias"]
    assert layer.kernel.path == layer.name + "/kernel"


@pytest.mark.parametrize("relu,rank", [(False, 2), (True, 2), (True, 3)])
def test_fused_dense_gradient_matches_composite(relu, rank):
    rng = np.random.default_rng(0)
    shape = (4, 5) if rank == 2 else (2, 3, 5)
    x = tf.constant(rng.normal(size=shape))
    w = tf.Variable(rng.normal(size=(5, 3)))
    b = tf.Variable(rng.normal(size=(3,)))
    from ndflow.keras.layers.core import dense
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        fused = dense(x, w, b, relu=relu)
        comp = tf.matmul(x, w) + b if rank == 2 else tf.reshape(
            tf.matmul(tf.reshape(x, (-1, 5)), w), (2, 3, 3)) + b
        if relu:
            comp = tf.nn.relu(comp)
        lf = tf.reduce_sum(fused * fused)
        lc = tf.reduce_sum(comp * comp)
    np.testing.assert_allclose(fused.numpy(), comp.numpy(), rtol=1e-12)
    for gf, gc in zip(tape.gradient(lf, [x, w, b]), tape.gradient(lc, [x, w, b])):
        np.testing.assert_allclose(gf.numpy(), gc.numpy(), rtol=1e-10, atol=1e-12)


def test_fused_dense_gradient_finite_differences():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3, 4))
    w0 = rng.normal(size=(4, 2))
    b0 = rng.normal(size=(2,))
    from ndflow.keras.layers.core import dense

    def f(w):
        return float(np.sum(np.maximum(x @ w + b0, 0) ** 2))
    w = tf.Variable(w0)
    with tf.GradientTape() as tape:
        y = dense(tf.constant(x), w, tf.constant(b0), relu=True)
        loss = tf.reduce_sum(y * y)
    g = tape.gradient(loss, w).numpy()
    eps = 1e-6
    num = np.zeros_like(w0)
    for i in range(4):
        for j in range(2):
            d = np.zeros_like(w0)
            d[i, j] = eps
            num[i, j] = (f(w0 + d) - f(w0 - d)) / (2 * eps)
    np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-6)


def test_dense_errors_name_layer_and_hint_flatten():
    model = keras.Sequential([L.Dense(4, input_shape=(784,))])
    with pytest.raises(ValueError) as e:
        model(np.zeros((2, 28, 28), "float32"))
    msg = str(e.value)
    assert "dense" in msg and "784" in msg and "(2, 28, 28)" in msg and "Flatten" in msg
    with pytest.raises(ValueError, match="positive integer"):
        L.Dense(0)
    with pytest.raises(ValueError, match="Unknown activation function 'rleu'.*relu"):
        L.Dense(3, activation="rleu")


def test_dense_casts_float64_and_int_inputs():
    layer = L.Dense(2)
    assert layer(np.ones((1, 3))).dtype == tf.float32
    assert layer(np.ones((1, 3), dtype="int32")).dtype == tf.float32


def test_dropout_layer_test():
    run_layer_test(L.Dropout, {"rate": 0.5}, input_shape=(3, 4), expected_output_shape=(3, 4),
                   expected_num_trainable_weights=0, expected_num_non_trainable_weights=0)


def test_dropout_training_semantics():
    layer = L.Dropout(0.25)
    x = np.ones((200, 50), "float32")
    np.testing.assert_array_equal(layer(x).numpy(), x)
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
    y = layer(x, training=True).numpy()
    kept = y != 0
    assert abs(kept.mean() - 0.75) < 0.02
    np.testing.assert_allclose(y[kept], 1 / 0.75, rtol=1e-6)
    # gradient is the same mask
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        out = layer(xt, training=True)
    g = tape.gradient(out, xt).numpy()
    np.testing.assert_array_equal(g, out.numpy())


def test_dropout_noise_shape_and_reproducible_with_seed():
    x = np.ones((4, 3, 6), "float32")
    y = L.Dropout(0.5, noise_shape=(None, 1, 6))(x, training=True).numpy()
    assert np.all(y == y[:, :1, :])  # same mask along the broadcast axis
    keras.utils.set_random_seed(7)
    a = L.Dropout(0.5)(x, training=True).numpy()
    keras.utils.set_random_seed(7)
    b = L.Dropout(0.5)(x, training=True).numpy()
    np.testing.assert_array_equal(a, b)
    c = L.Dropout(0.5, seed=3)(x, training=True).numpy()
    d = L.Dropout(0.5, seed=3)(x, training=True).numpy()
    np.testing.assert_array_equal(c, d)


def test_flatten():
    run_layer_test(L.Flatten, {}, input_shape=(2, 3, 4), expected_output_shape=(2, 12),
                   expected_num_trainable_weights=0, expected_num_non_trainable_weights=0)
    x = np.arange(24, dtype="float32").reshape(2, 3, 4)
    np.testing.assert_array_equal(L.Flatten()(x).numpy(), x.reshape(2, 12))
    cf = L.Flatten(data_format="channels_first")(x).numpy()
    np.testing.assert_array_equal(cf, np.transpose(x, (0, 2, 1)).reshape(2, 12))
    assert tuple(L.Flatten()(keras.Input((28, 28))).shape) == (None, 784)


def test_activation_layer():
    run_layer_test(L.Activation, {"activation": "tanh"}, input_shape=(2, 3),
                   expected_output_shape=(2, 3), expected_num_trainable_weights=0,
                   expected_num_non_trainable_weights=0)
    x = np.linspace(-2, 2, 6, dtype="float32").reshape(2, 3)
    np.testing.assert_allclose(L.Activation("sigmoid")(x).numpy(), 1 / (1 + np.exp(-x)),
                               rtol=1e-6)


def test_reshape_permute_repeat():
    run_layer_test(L.Reshape, {"target_shape": (3, -1)}, input_shape=(2, 12),
                   expected_output_shape=(2, 3, 4), expected_num_trainable_weights=0,
                   expected_num_non_trainable_weights=0)
    run_layer_test(L.Permute, {"dims": (2, 1)}, input_shape=(2, 3, 4),
                   expected_output_shape=(2, 4, 3), expected_num_trainable_weights=0,
                   expected_num_non_trainable_weights=0)
    run_layer_test(L.RepeatVector, {"n": 3}, input_shape=(2, 4),
                   expected_output_shape=(2, 3, 4), expected_num_trainable_weights=0,
                   expected_num_non_trainable_weights=0)
    x = np.arange(24, dtype="float32").reshape(2, 3, 4)
    np.testing.assert_array_equal(L.Permute((2, 1))(x).numpy(), x.transpose(0, 2, 1))
    v = np.arange(8, dtype="float32").reshape(2, 4)
    np.testing.assert_array_equal(L.RepeatVector(3)(v).numpy(),
                                  np.repeat(v[:, None, :], 3, axis=1))
    with pytest.raises(ValueError, match="reshape"):
        L.Reshape((5,))(np.zeros((2, 12), "float32"))


def test_identity():
    run_layer_test(L.Identity, {}, input_shape=(2, 3), expected_output_shape=(2, 3),
                   expected_num_trainable_weights=0, expected_num_non_trainable_weights=0)


def test_lambda_layer_and_safe_mode():
    layer = L.Lambda(lambda x: x * 2.0 + 1.0)
    x = np.ones((2, 3), "float32")
    np.testing.assert_allclose(layer(x).numpy(), 3.0)
    out = layer(keras.Input((3,)))
    assert tuple(out.shape) == (None, 3)
    config = layer.get_config()
    with pytest.raises(ValueError, match="safe_mode=False"):
        L.Lambda.from_config(config)
    from ndflow.keras.saving.serialization import SafeModeScope
    with SafeModeScope(False):
        clone = L.Lambda.from_config(config)
    np.testing.assert_allclose(clone(x).numpy(), 3.0)
    run_layer_test(L.Lambda, {"function": keras.activations.relu}, input_shape=(2, 3),
                   expected_output_shape=(2, 3), expected_num_trainable_weights=0,
                   expected_num_non_trainable_weights=0)


def test_lambda_output_shape_and_arguments():
    layer = L.Lambda(lambda x, k: x[:, :k], output_shape=(2,), arguments={"k": 2})
    assert tuple(layer(keras.Input((5,))).shape) == (None, 2)
    np.testing.assert_array_equal(layer(np.arange(10, dtype="float32").reshape(2, 5)).numpy(),
                                  [[0, 1], [5, 6]])
