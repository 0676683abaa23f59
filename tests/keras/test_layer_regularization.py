"""GaussianNoise, GaussianDropout, ActivityRegularization, Rescaling, Normalization."""
import os
import sys

import numpy as np
import pytest

from ndflow import keras
from ndflow.keras import layers as L

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from layer_test_helper import run_layer_test  # noqa: E402

rng = np.random.default_rng(0)


def test_gaussian_noise():
    run_layer_test(L.GaussianNoise, {"stddev": 0.5}, input_shape=(3, 4),
                   expected_output_shape=(3, 4), expected_num_trainable_weights=0,
                   expected_num_non_trainable_weights=0)
    x = np.zeros((400, 50), "float32")
    layer = L.GaussianNoise(0.5, seed=1)
    np.testing.assert_array_equal(layer(x).numpy(), x)
    noise = layer(x, training=True).numpy()
    assert abs(noise.std() - 0.5) < 0.01 and abs(noise.mean()) < 0.01


def test_gaussian_dropout():
    run_layer_test(L.GaussianDropout, {"rate": 0.2}, input_shape=(3, 4),
                   expected_output_shape=(3, 4), expected_num_trainable_weights=0,
                   expected_num_non_trainable_weights=0)
    x = np.ones((400, 50), "float32")
    out = L.GaussianDropout(0.2, seed=2)(x, training=True).numpy()
    assert abs(out.mean() - 1.0) < 0.01
    assert abs(out.std() - np.sqrt(0.2 / 0.8)) < 0.01


def test_activity_regularization_adds_loss():
    layer = L.ActivityRegularization(l1=0.1, l2=0.01)
    x = rng.normal(size=(4, 3)).astype("float32")
    out = layer(x)
    np.testing.assert_array_equal(out.numpy(), x)
    assert len(layer.losses) == 1
    expected = (0.1 * np.abs(x).sum() + 0.01 * (x ** 2).sum()) / 4  # divided by batch size
    np.testing.assert_allclose(float(layer.losses[0]), expected, rtol=1e-5)
    run_layer_test(L.ActivityRegularization, {"l1": 0.1}, input_shape=(2, 3),
                   expected_output_shape=(2, 3), expected_num_trainable_weights=0,
                   expected_num_non_trainable_weights=0)


def test_rescaling():
    x = np.arange(6, dtype="uint8").reshape(2, 3)
    run_layer_test(L.Rescaling, {"scale": 1 / 255.0, "offset": -1.0}, input_shape=(2, 3),
                   expected_output_shape=(2, 3), expected_num_trainable_weights=0,
                   expected_num_non_trainable_weights=0)
    out = L.Rescaling(1 / 255.0)(x)
    assert out.dtype.name == "float32"
    np.testing.assert_allclose(out.numpy(), x / 255.0, rtol=1e-6)


def test_normalization_adapt():
    data = rng.normal(5.0, 3.0, size=(200, 3)).astype("float32")
    layer = L.Normalization()
    layer.adapt(data)
    np.testing.assert_allclose(layer.mean.numpy(), data.astype(np.float64).mean(0), rtol=1e-5)
    np.testing.assert_allclose(layer.variance.numpy(), data.astype(np.float64).var(0),
                               rtol=1e-5)
    out = layer(data).numpy()
    np.testing.assert_allclose(out.mean(0), 0, atol=1e-4)
    np.testing.assert_allclose(out.std(0), 1, atol=1e-4)
    inv = L.Normalization(mean=layer.mean.numpy(), variance=layer.variance.numpy(),
                          invert=True)
    np.testing.assert_allclose(inv(out).numpy(), data, rtol=1e-4, atol=1e-4)
    assert len(layer.non_trainable_weights) == 2 and layer.trainable_weights == []


def test_normalization_with_given_stats_and_batched_adapt():
    run_layer_test(L.Normalization, {"mean": 2.0, "variance": 4.0}, input_shape=(3, 2),
                   expected_output_shape=(3, 2), expected_num_trainable_weights=0,
                   expected_num_non_trainable_weights=2)
    x = np.array([[4.0, 6.0]], "float32")
    np.testing.assert_allclose(L.Normalization(mean=2.0, variance=4.0)(x).numpy(), [[1.0, 2.0]])
    data = rng.normal(size=(50, 2, 3)).astype("float32")
    layer = L.Normalization(axis=-1)
    layer.adapt(data, batch_size=7)
    np.testing.assert_allclose(layer.mean.numpy(), data.reshape(-1, 3).mean(0), rtol=1e-4,
                               atol=1e-6)
    with pytest.raises(ValueError, match="both mean and variance"):
        L.Normalization(mean=1.0)


def test_normalization_in_a_model():
    data = rng.normal(10, 2, size=(100, 4)).astype("float32")
    norm = L.Normalization()
    norm.adapt(data)
    model = keras.Sequential([keras.Input((4,)), norm, L.Dense(1)])
    assert model.output_shape == (None, 1)
    assert model.count_params() == 4 + 4 + 5
