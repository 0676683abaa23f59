"""Activation layers against NumPy: Softmax, ReLU, LeakyReLU, ELU, PReLU."""
import os
import sys

import numpy as np
import pytest

from ndflow.keras import layers as L

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from layer_test_helper import run_layer_test  # noqa: E402

X = np.linspace(-3, 3, 24).reshape(4, 6).astype("float32")


def _np_softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("cls,kwargs,expected", [
    (L.Softmax, {}, _np_softmax(X)),
    (L.Softmax, {"axis": 0}, _np_softmax(X, axis=0)),
    (L.ReLU, {}, np.maximum(X, 0)),
    (L.ReLU, {"max_value": 1.5}, np.clip(X, 0, 1.5)),
    (L.ReLU, {"negative_slope": 0.1}, np.where(X > 0, X, 0.1 * X)),
    (L.ReLU, {"threshold": 1.0}, np.where(X > 1.0, X, 0.0)),
    (L.LeakyReLU, {}, np.where(X > 0, X, 0.3 * X)),
    (L.LeakyReLU, {"negative_slope": 0.2}, np.where(X > 0, X, 0.2 * X)),
    (L.ELU, {"alpha": 0.5}, np.where(X > 0, X, 0.5 * (np.exp(X) - 1))),
])
def test_activation_layers_match_numpy(cls, kwargs, expected):
    run_layer_test(cls, kwargs, input_data=X, expected_output=expected.astype("float32"),
                   expected_output_shape=(4, 6), expected_num_trainable_weights=0,
                   expected_num_non_trainable_weights=0, rtol=1e-5, atol=1e-6)


def test_leaky_relu_accepts_keras2_alpha():
    assert L.LeakyReLU(alpha=0.1).negative_slope == pytest.approx(0.1)


def test_softmax_mask():
    mask = np.array([[True, True, False, True, False, True]] * 4)
    out = L.Softmax()(X, mask=mask).numpy()
    assert np.all(out[:, [2, 4]] < 1e-6)
    expected = _np_softmax(np.where(mask, X, -np.inf))
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-7)


def test_prelu():
    layer = run_layer_test(L.PReLU, {"alpha_initializer": "constant"}, input_shape=(3, 5),
                           expected_output_shape=(3, 5), expected_num_trainable_weights=1,
                           expected_num_non_trainable_weights=0)
    assert tuple(layer.alpha.shape) == (5,)
    p = L.PReLU(shared_axes=[1])
    x = np.random.default_rng(0).normal(size=(2, 4, 3)).astype("float32")
    p(x)
    assert tuple(p.alpha.shape) == (1, 3)
    p.alpha.assign(np.array([[0.1, 0.2, 0.3]], "float32"))
    np.testing.assert_allclose(p(x).numpy(), np.where(x > 0, x, np.array([0.1, 0.2, 0.3]) * x),
                               rtol=1e-6)


def test_relu_rejects_bad_arguments():
    with pytest.raises(ValueError, match="max_value"):
        L.ReLU(max_value=-1)
    with pytest.raises(ValueError, match="negative_slope"):
        L.LeakyReLU(negative_slope=-0.5)
