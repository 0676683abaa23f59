"""AugMix and RandomElasticTransform (preprocessing_augment3)."""
import numpy as np
import pytest

from ndflow import keras
from ndflow.keras.layers.preprocessing_augment3 import _warp, elastic_params

IMG = np.arange(12, dtype=np.float32).reshape(1, 3, 4, 1)
YS = np.array([[[-1.3, 0.2, 2.6, 2.4, -0.5]]])
XS = np.array([[[-0.6, 4.4, 1.5, -2.2, 3.9]]])


# keras.ops.image.map_coordinates(arange(12).reshape(3, 4), [YS, XS], order, fill_mode,
# fill_value=-1.0) in Keras 3.15 (TensorFlow backend), pasted:
@pytest.mark.parametrize("mode, interp, want", [
    ("constant", "nearest", [-1.0, -1.0, -1.0, -1.0, -1.0]),
    ("constant", "bilinear", [-1.0, -1.0, 3.2, -1.0, -0.8]),
    ("nearest", "nearest", [0.0, 3.0, 10.0, 8.0, 3.0]),
    ("nearest", "bilinear", [0.0, 3.8, 9.5, 8.0, 3.0]),
    ("wrap", "nearest", [11.0, 0.0, 2.0, 10.0, 0.0]),
    ("wrap", "bilinear", [8.6, 1.2, 4.7, 6.6, 4.3]),
])
def test_warp_matches_keras_map_coordinates(mode, interp, want):
    got = _warp(IMG, XS, YS, interp, mode, -1.0)[0, 0, :, 0]
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_warp_reflect_and_mirror_by_hand():
    # reflect (d c b a | a b c d): index -1 -> 0, 4 -> 3, -2 -> 1; mirror (d c b | a b c d):
    # -1 -> 1, 4 -> 2, -2 -> 2, 3 (rows, size 3) -> 1
    img = IMG
    ys = np.array([[[-1.0, 0.0, 2.0, 3.0]]])
    xs = np.array([[[-2.0, 4.0, -1.0, 0.0]]])
    refl = _warp(img, xs, ys, "nearest", "reflect", 0.0)[0, 0, :, 0]
    np.testing.assert_array_equal(refl, [img[0, 0, 1, 0], img[0, 0, 3, 0], img[0, 2, 0, 0],
                                         img[0, 2, 0, 0]])
    mirr = _warp(img, xs, ys, "nearest", "mirror", 0.0)[0, 0, :, 0]
    np.testing.assert_array_equal(mirr, [img[0, 1, 2, 0], img[0, 0, 2, 0], img[0, 2, 1, 0],
                                         img[0, 1, 0, 0]])
    # bilinear between index -1 (-> 0 under reflect) and 0: the edge value
    half = _warp(img, np.array([[[-0.5]]]), np.array([[[1.0]]]), "bilinear", "reflect", 0.)
    assert half[0, 0, 0, 0] == img[0, 1, 0, 0]


def test_elastic_params_formula():
    # alpha = 0.1 * d * max(h, w), sigma = 0.05 * d * min(h, w) (Keras 3.15)
    a, s = elastic_params(32, 48, 0.5)
    assert a == pytest.approx(2.4) and s == pytest.approx(0.8)


def test_elastic_zero_displacement_and_identity_settings():
    rng = np.random.RandomState(0)
    x = rng.uniform(0, 255, (2, 6, 7, 3)).astype(np.float32)
    layer = keras.layers.RandomElasticTransform()
    zero = np.zeros((2, 6, 7))
    np.testing.assert_allclose(layer._displace(x, zero, zero, 3.0), x, rtol=0, atol=1e-4)
    # a shift of one pixel to the right (sampling x + 1): columns move left, edge reflected
    one = np.ones((2, 6, 7))
    shifted = layer._displace(x, one, zero, 1.0)
    np.testing.assert_allclose(shifted[:, :, :-1], x[:, :, 1:], atol=1e-4)
    np.testing.assert_allclose(shifted[:, :, -1], x[:, :, -1], atol=1e-4)
    for kw in (dict(factor=0.0), dict(scale=0.0)):
        out = keras.layers.RandomElasticTransform(seed=3, **kw)(x).numpy()
        np.testing.assert_array_equal(out, x)
    np.testing.assert_array_equal(
        keras.layers.RandomElasticTransform(seed=3)(x, training=False).numpy(), x)


def test_elastic_random_invariants_and_seed():
    rng = np.random.RandomState(1)
    x = rng.uniform(0, 255, (4, 16, 16, 3)).astype(np.float32)
    a = keras.layers.RandomElasticTransform(factor=1.0, seed=7)(x).numpy()
    b = keras.layers.RandomElasticTransform(factor=1.0, seed=7)(x).numpy()
    np.testing.assert_array_equal(a, b)
    assert a.shape == x.shape and a.dtype == np.float32
    assert a.min() >= 0 and a.max() <= 255
    assert np.abs(a - x).max() > 1.0   # something moved
    # a constant image stays constant under any displacement (reflect fill)
    c = np.full((2, 16, 16, 1), 42.0, np.float32)
    np.testing.assert_allclose(keras.layers.RandomElasticTransform(seed=2)(c).numpy(), c,
                               atol=1e-4)
    # channels_first gives the transposed result of channels_last
    cf = keras.layers.RandomElasticTransform(factor=1.0, seed=7, data_format="channels_first")
    np.testing.assert_allclose(cf(x.transpose(0, 3, 1, 2)).numpy(), a.transpose(0, 3, 1, 2),
                               atol=1e-4)
    # nearest interpolation only produces values taken from the image
    n = keras.layers.RandomElasticTransform(interpolation="nearest", seed=5)(x[:1]).numpy()
    assert np.isin(n, x[:1]).all()


def test_elastic_config_and_errors():
    layer = keras.layers.RandomElasticTransform(factor=0.4, scale=(0.2, 0.6),
                                                fill_mode="constant", fill_value=3.0,
                                                seed=9)
    cfg = layer.get_config()
    assert cfg["factor"] == (0, 0.4) and cfg["scale"] == (0.2, 0.6)
    assert cfg["fill_mode"] == "constant" and cfg["fill_value"] == 3.0 and cfg["seed"] == 9
    again = keras.layers.RandomElasticTransform.from_config(cfg)
    assert again.get_config() == cfg
    with pytest.raises(ValueError, match="fill_mode"):
        keras.layers.RandomElasticTransform(fill_mode="edge")
    with pytest.raises(ValueError, match="interpolation"):
        keras.layers.RandomElasticTransform(interpolation="bicubic")
    with pytest.raises(ValueError, match="scale"):
        keras.layers.RandomElasticTransform(scale=1.5)


def test_augmix_with_no_steps_returns_the_image():
    rng = np.random.RandomState(0)
    x = rng.uniform(0, 255, (2, 5, 5, 3)).astype(np.float32)
    # chain_depth=0: every chain is the image, so the mix is the image again
    out = keras.layers.AugMix(chain_depth=0, seed=1)(x).numpy()
    np.testing.assert_allclose(out, x, rtol=1e-5, atol=1e-3)
    np.testing.assert_array_equal(keras.layers.AugMix(seed=1)(x, training=False).numpy(), x)


def test_augmix_mixing_formula():
    layer = keras.layers.AugMix(num_chains=2, seed=0)
    x = np.array([[[[10.0], [200.0]]]], np.float32)
    # chain 0: auto_contrast stretches [10, 200] to [0, 255]; chain 1: nothing
    out = layer._mix(x, np.array([0.25, 0.75]), 0.4, [[("auto_contrast", 0)], []])
    stretched = np.array([0.0, 255.0])
    want = 0.4 * np.array([10.0, 200.0]) + 0.6 * (0.25 * stretched + 0.75 * np.array([10.0,
                                                                                      200.0]))
    np.testing.assert_allclose(out[0, 0, :, 0], want, rtol=1e-6)


def test_augmix_random_invariants_and_seed():
    rng = np.random.RandomState(2)
    x = rng.uniform(0, 255, (3, 12, 12, 3)).astype(np.float32)
    a = keras.layers.AugMix(seed=4)(x).numpy()
    b = keras.layers.AugMix(seed=4)(x).numpy()
    np.testing.assert_array_equal(a, b)
    assert a.shape == x.shape and a.dtype == np.float32
    assert a.min() >= 0 and a.max() <= 255
    layer = keras.layers.AugMix(seed=4)
    w, ws, chains = layer._draw(np.random.default_rng(0))
    assert w.shape == (3,) and abs(w.sum() - 1) < 1e-12 and (w > 0).all()
    assert 0 < ws < 1 and len(chains) == 3 and all(len(c) <= 3 for c in chains)
    assert all(name in layer._parts for c in chains for name, _ in c)
    small = keras.layers.AugMix(all_ops=False)
    assert sorted(small._parts) == sorted(["random_shear", "random_translation",
                                           "random_rotation", "random_posterization",
                                           "solarization", "auto_contrast", "equalization"])


def test_augmix_config_and_errors():
    layer = keras.layers.AugMix(value_range=(0, 1), num_chains=2, chain_depth=1, factor=0.5,
                                alpha=0.5, all_ops=False, interpolation="nearest", seed=3)
    cfg = layer.get_config()
    for k, v in dict(value_range=[0, 1], num_chains=2, chain_depth=1, factor=(0, 0.5),
                     alpha=0.5, all_ops=False, interpolation="nearest", seed=3).items():
        assert cfg[k] == v, k
    assert keras.layers.AugMix.from_config(cfg).get_config() == cfg
    with pytest.raises(ValueError, match="factor"):
        keras.layers.AugMix(factor=2.0)
    with pytest.raises(ValueError, match="num_chains"):
        keras.layers.AugMix(num_chains=0)
    with pytest.raises(ValueError, match="alpha"):
        keras.layers.AugMix(alpha=0)
