"""Initializers (statistics and seeding), regularizers and constraints."""
import numpy as np
import pytest

import ndflow as tf
from ndflow import keras
from ndflow.keras import initializers, regularizers, constraints

SHAPE = (200, 300)


def test_glorot_uniform_is_default_and_bounded():
    from ndflow.keras import layers as L
    assert isinstance(L.Dense(2).kernel_initializer, initializers.GlorotUniform)
    w = initializers.get("glorot_uniform")(SHAPE).numpy()
    limit = np.sqrt(6 / (200 + 300))
    assert w.dtype == np.float32 and w.shape == SHAPE
    assert np.abs(w).max() <= limit and np.abs(w).max() > 0.95 * limit
    assert abs(w.var() - limit ** 2 / 3) < 0.05 * limit ** 2 / 3


@pytest.mark.parametrize("name,std", [
    ("glorot_normal", np.sqrt(2 / 500)), ("he_normal", np.sqrt(2 / 200)),
    ("lecun_normal", np.sqrt(1 / 200)), ("he_uniform", np.sqrt(2 / 200)),
    ("lecun_uniform", np.sqrt(1 / 200)), ("random_normal", 0.05),
    ("truncated_normal", 0.05 * 0.8796256610342398)])
def test_variance_of_random_initializers(name, std):
    w = initializers.get(name)(SHAPE).numpy()
    assert abs(w.std() - std) < 0.03 * std, (w.std(), std)
    assert abs(w.mean()) < 0.05 * std


def test_truncated_normal_is_truncated():
    w = initializers.TruncatedNormal(stddev=1.0)(SHAPE).numpy()
    assert np.abs(w).max() <= 2.0


def test_constant_zeros_ones_identity_orthogonal():
    np.testing.assert_array_equal(initializers.get("zeros")((2, 3)).numpy(), 0)
    np.testing.assert_array_equal(initializers.get("ones")((2, 3)).numpy(), 1)
    np.testing.assert_array_equal(initializers.Constant(2.5)((2,)).numpy(), [2.5, 2.5])
    np.testing.assert_array_equal(initializers.Identity(gain=2)((3, 3)).numpy(), 2 * np.eye(3))
    q = initializers.Orthogonal()((6, 4)).numpy().astype(np.float64)
    np.testing.assert_allclose(q.T @ q, np.eye(4), atol=1e-5)
    q = initializers.Orthogonal(gain=3.0)((4, 6)).numpy().astype(np.float64)
    np.testing.assert_allclose(q @ q.T, 9 * np.eye(4), atol=1e-4)


def test_seeding_rules():
    init = initializers.RandomNormal(seed=5)
    np.testing.assert_array_equal(init((3, 3)).numpy(), init((3, 3)).numpy())
    keras.utils.set_random_seed(11)
    a = initializers.GlorotUniform()((4, 4)).numpy()
    b = initializers.GlorotUniform()((4, 4)).numpy()
    keras.utils.set_random_seed(11)
    np.testing.assert_array_equal(initializers.GlorotUniform()((4, 4)).numpy(), a)
    assert not np.array_equal(a, b)


def test_initializer_config_round_trip():
    init = initializers.VarianceScaling(scale=2.0, mode="fan_out", distribution="uniform",
                                        seed=3)
    cfg = initializers.serialize(init)
    assert cfg["class_name"] == "VarianceScaling" and cfg["config"]["mode"] == "fan_out"
    back = initializers.deserialize(cfg)
    np.testing.assert_array_equal(back((3, 2)).numpy(), init((3, 2)).numpy())
    with pytest.raises(ValueError, match="Unknown initializer 'glorot_uniformm'"):
        initializers.get("glorot_uniformm")


def test_regularizers():
    w = np.array([[1.0, -2.0], [3.0, -4.0]], "float32")
    assert float(regularizers.L1(0.1)(tf.constant(w))) == pytest.approx(1.0)
    assert float(regularizers.L2(0.01)(tf.constant(w))) == pytest.approx(0.3)
    assert float(regularizers.L1L2(l1=0.1, l2=0.01)(tf.constant(w))) == pytest.approx(1.3)
    assert isinstance(regularizers.get("l2"), regularizers.L2)
    assert regularizers.get("l2").l2 == pytest.approx(0.01)
    reg = regularizers.deserialize(regularizers.serialize(regularizers.L1L2(0.2, 0.3)))
    assert (reg.l1, reg.l2) == pytest.approx((0.2, 0.3))
    with pytest.raises(ValueError, match="non-negative"):
        regularizers.L2(-1)


def test_weight_regularizer_reaches_model_losses():
    from ndflow.keras import layers as L
    layer = L.Dense(2, kernel_regularizer=regularizers.L2(0.5))
    layer(np.ones((1, 3), "float32"))
    k = layer.kernel.numpy()
    assert len(layer.losses) == 1
    np.testing.assert_allclose(float(layer.losses[0]), 0.5 * (k ** 2).sum(), rtol=1e-5)


def test_constraints():
    w = tf.constant(np.array([[3.0, 0.1], [4.0, 0.2]]))
    out = constraints.MaxNorm(max_value=2.0)(w).numpy()
    np.testing.assert_allclose(np.linalg.norm(out, axis=0), [2.0, np.hypot(0.1, 0.2)],
                               rtol=1e-5)
    np.testing.assert_array_equal(constraints.NonNeg()(tf.constant([-1.0, 2.0])).numpy(),
                                  [0.0, 2.0])
    np.testing.assert_allclose(np.linalg.norm(constraints.UnitNorm()(w).numpy(), axis=0), 1.0,
                               rtol=1e-5)
    out = constraints.MinMaxNorm(min_value=1.0, max_value=2.0)(w).numpy()
    np.testing.assert_allclose(np.linalg.norm(out, axis=0), [2.0, 1.0], rtol=1e-5)
    assert isinstance(constraints.get("max_norm"), constraints.MaxNorm)
    c = constraints.deserialize(constraints.serialize(constraints.MaxNorm(3, axis=1)))
    assert (c.max_value, c.axis) == (3, 1)
