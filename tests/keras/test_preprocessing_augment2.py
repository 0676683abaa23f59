"""keras.layers.RandAugment: deterministic settings exactly, random parts by invariants and
seeded reproducibility."""
import json

import numpy as np
import pytest

from ndflow import keras

IMAGES = np.random.default_rng(0).uniform(0, 255, (3, 9, 8, 3)).astype(np.float32)


def test_config_defaults_match_keras():
    # Keras 3.15: RandAugment().get_config() (dtype/name entries aside), pasted
    keras_defaults = {"data_format": "channels_last", "value_range": (0, 255), "num_ops": 2,
                      "factor": (0, 0.5), "interpolation": "bilinear", "seed": None}
    cfg = keras.layers.RandAugment().get_config()
    for key, value in keras_defaults.items():
        got = cfg[key]
        assert (tuple(got) if isinstance(got, list) else got) == value, key
    json.dumps(cfg)
    clone = keras.layers.RandAugment.from_config(cfg)
    assert clone.get_config() == cfg
    assert keras.layers.RandAugment(factor=(0.1, 0.3)).factor == (0.1, 0.3)


def test_inference_and_zero_ops_are_identity():
    layer = keras.layers.RandAugment(seed=0)
    np.testing.assert_array_equal(layer(IMAGES, training=False).numpy(), IMAGES)
    ints = IMAGES.astype(np.uint8)
    out = layer(ints, training=False)
    assert out.dtype == "float32"
    np.testing.assert_array_equal(out.numpy(), ints.astype(np.float32))
    none = keras.layers.RandAugment(num_ops=0, seed=0)
    np.testing.assert_array_equal(none(IMAGES).numpy(), IMAGES)


def test_factor_zero_gives_one_of_the_deterministic_operations():
    # with factor 0 every operation is deterministic: shear/translation/rotation/
    # brightness/contrast/colour degeneration/sharpness/solarization do nothing,
    # posterization keeps 1 bit, auto-contrast and equalization stretch.
    layer = keras.layers.RandAugment(factor=0.0, num_ops=1, seed=3)
    candidates = []
    for name in layer._AUGMENT_LAYERS:
        part = layer._parts[name]
        a = part._augment(IMAGES.copy(), np.random.default_rng(1))
        b = part._augment(IMAGES.copy(), np.random.default_rng(2))
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-4, err_msg=name)
        candidates.append(np.asarray(a, np.float32))
    # shear, translation, rotation, brightness, colour degeneration and contrast at
    # strength 0 are the identity (sharpness 0 is a full blur)
    for i in range(6):
        np.testing.assert_allclose(candidates[i], IMAGES, atol=1e-3,
                                   err_msg=layer._AUGMENT_LAYERS[i])
    lo = IMAGES.min(axis=(1, 2), keepdims=True)
    hi = IMAGES.max(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(candidates[9], (IMAGES - lo) / (hi - lo) * 255, rtol=1e-4,
                               atol=1e-3)       # auto-contrast: each channel to [0, 255]
    seen = set()
    for _ in range(40):
        out = layer(IMAGES).numpy()
        match = [i for i, c in enumerate(candidates) if np.allclose(out, c, atol=1e-3)]
        assert match, "output is none of the eleven operations"
        seen.add(match[-1])
    assert {6, 7, 9, 10} <= seen     # the non-identity operations all occur


def test_seeded_reproducibility_and_invariants():
    a = keras.layers.RandAugment(num_ops=3, factor=0.8, seed=11)
    b = keras.layers.RandAugment(num_ops=3, factor=0.8, seed=11)
    outs_a = [a(IMAGES).numpy() for _ in range(4)]
    outs_b = [b(IMAGES).numpy() for _ in range(4)]
    for x, y in zip(outs_a, outs_b):
        np.testing.assert_array_equal(x, y)
        assert x.shape == IMAGES.shape and x.dtype == np.float32
        assert x.min() >= 0 and x.max() <= 255
    assert any(not np.allclose(o, IMAGES) for o in outs_a)
    # without a seed, keras.utils.set_random_seed reproduces the draws
    c = keras.layers.RandAugment(num_ops=2, factor=0.8)
    keras.utils.set_random_seed(5)
    first = c(IMAGES).numpy()
    keras.utils.set_random_seed(5)
    np.testing.assert_array_equal(c(IMAGES).numpy(), first)


def test_value_range_unit_and_channels_first_and_single_image():
    x = IMAGES / 255.0
    layer = keras.layers.RandAugment(value_range=(0, 1), num_ops=4, factor=1.0, seed=2)
    for _ in range(5):
        out = layer(x).numpy()
        assert out.min() >= 0 and out.max() <= 1
    cl = keras.layers.RandAugment(num_ops=2, factor=0.7, seed=4)
    cf = keras.layers.RandAugment(num_ops=2, factor=0.7, seed=4, data_format="channels_first")
    got = cf(IMAGES.transpose(0, 3, 1, 2)).numpy()
    np.testing.assert_allclose(got, cl(IMAGES).numpy().transpose(0, 3, 1, 2), atol=1e-4)
    single = keras.layers.RandAugment(seed=1)(IMAGES[0])
    assert tuple(single.shape) == IMAGES.shape[1:]


def test_in_a_model_and_errors():
    inp = keras.Input((9, 8, 3))
    model = keras.Model(inp, keras.layers.RandAugment(seed=0)(inp))
    assert tuple(model.output_shape) == (None, 9, 8, 3)
    np.testing.assert_array_equal(model.predict(IMAGES, verbose=0), IMAGES)
    with pytest.raises(ValueError, match="RandAugment.*factor"):
        keras.layers.RandAugment(factor=1.5)
    with pytest.raises(ValueError, match="RandAugment.*num_ops"):
        keras.layers.RandAugment(num_ops=-1)
    with pytest.raises(ValueError, match="RandAugment.*interpolation"):
        keras.layers.RandAugment(interpolation="cubic")
    with pytest.raises(ValueError, match="RandAugment"):
        keras.layers.RandAugment()(np.zeros((2, 3), np.float32))
