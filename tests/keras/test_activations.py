"""keras.activations: every function against NumPy, lookup by name, serialization."""
import math

import numpy as np
import pytest

import ndflow as tf
from ndflow.keras import activations

X = np.linspace(-4, 4, 17)
_erf = np.vectorize(math.erf)


def _softplus(x):
    return np.log1p(np.exp(x))


EXPECTED = {
    "relu": np.maximum(X, 0),
    "sigmoid": 1 / (1 + np.exp(-X)),
    "tanh": np.tanh(X),
    "linear": X,
    "elu": np.where(X > 0, X, np.exp(X) - 1),
    "selu": 1.0507009873554805 * np.where(X > 0, X, 1.6732632423543772 * (np.exp(X) - 1)),
    "softplus": _softplus(X),
    "softsign": X / (1 + np.abs(X)),
    "swish": X / (1 + np.exp(-X)),
    "silu": X / (1 + np.exp(-X)),
    "gelu": 0.5 * X * (1 + _erf(X / np.sqrt(2))),
    "exponential": np.exp(X),
    "hard_sigmoid": np.clip(X + 3, 0, 6) / 6,
    "leaky_relu": np.where(X > 0, X, 0.2 * X),
    "relu6": np.clip(X, 0, 6),
    "mish": X * np.tanh(_softplus(X)),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_activation_matches_numpy(name):
    fn = activations.get(name)
    out = fn(tf.constant(X)).numpy()
    np.testing.assert_allclose(out, EXPECTED[name], rtol=1e-6, atol=1e-7)
    assert activations.get(activations.serialize(fn)) is fn or name in ("swish",)


@pytest.mark.parametrize("name", ["relu", "elu", "selu", "softplus", "gelu", "mish",
                                  "hard_sigmoid", "leaky_relu", "softsign"])
def test_activation_gradient_finite_differences(name):
    fn = activations.get(name)
    x0 = np.array([-2.5, -0.7, 0.3, 1.9])
    x = tf.constant(x0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(fn(x))
    g = tape.gradient(y, x).numpy()
    eps = 1e-6
    num = (fn(tf.constant(x0 + eps)).numpy() - fn(tf.constant(x0 - eps)).numpy()) / (2 * eps)
    np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-6)


def test_softmax_and_log_softmax():
    x = np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 5.0]])
    e = np.exp(x - x.max(-1, keepdims=True))
    p = e / e.sum(-1, keepdims=True)
    np.testing.assert_allclose(activations.softmax(tf.constant(x)).numpy(), p, rtol=1e-12)
    np.testing.assert_allclose(activations.log_softmax(tf.constant(x)).numpy(), np.log(p),
                               rtol=1e-12)
    with pytest.raises(ValueError, match="scalar"):
        activations.softmax(tf.constant(1.0))


def test_relu_options_and_gelu_approximate():
    x = tf.constant(X)
    np.testing.assert_allclose(activations.relu(x, negative_slope=0.1, max_value=2.0).numpy(),
                               np.where(X > 0, np.minimum(X, 2.0), 0.1 * X))
    approx = 0.5 * X * (1 + np.tanh(np.sqrt(2 / np.pi) * (X + 0.044715 * X ** 3)))
    np.testing.assert_allclose(activations.gelu(x, approximate=True).numpy(), approx,
                               rtol=1e-6)


def test_get_serialize_deserialize():
    assert activations.get(None) is activations.linear
    assert activations.get("relu") is activations.relu
    assert activations.get(activations.tanh) is activations.tanh
    assert activations.serialize(activations.relu) == "relu"
    assert activations.deserialize("sigmoid") is activations.sigmoid
    custom = lambda x: x * 2  # noqa: E731
    assert activations.get(custom) is custom
    with pytest.raises(ValueError, match="Unknown activation function 'rellu'.*relu"):
        activations.get("rellu")
    with pytest.raises(TypeError):
        activations.get(3)
