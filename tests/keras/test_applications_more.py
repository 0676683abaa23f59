"""keras.applications ConvNeXt and EfficientNetV2: architecture fingerprints against the
real Keras (constants generated with keras 3.15.1 / TensorFlow 2.21, pasted below) and
the private layers these models need, against NumPy."""
import os
import sys

import numpy as np
import pytest

from ndflow import keras
from ndflow.keras.applications import convnext, efficientnet_v2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from applications_helpers import assert_digest_equals_keras, entry_ids  # noqa: E402

A = keras.applications


# Generated with keras 3.15.1 (TensorFlow 2.21): for each entry, after
# keras.backend.clear_session(), digest(getattr(keras.applications, name)(weights=None,
# **kwargs), weight_layers=False) with applications_helpers.digest.
KERAS_DIGESTS = [
    ('ConvNeXtTiny', {'input_shape': (32, 32, 3)}, ('convnext_tiny', 28589128, 28589128, (None, 1000), 135, 182, '8ddb0298a9172ef5', 'a13d16e5cf540ff4')),
    ('ConvNeXtTiny', {'include_top': False, 'input_shape': (32, 32, 3), 'pooling': 'avg'}, ('convnext_tiny', 27820128, 27820128, (None, 768), 134, 180, 'ac5b7d7e020d3d07', '82b49dacb871e3ba')),
    ('ConvNeXtSmall', {'include_top': False, 'include_preprocessing': False, 'input_shape': (32, 32, 3)}, ('convnext_small', 49454688, 49454688, (None, 1, 1, 768), 258, 342, '6aee63a5e126c23b', 'e9d916bb6911519b')),
    ('ConvNeXtBase', {'input_shape': (32, 32, 3), 'classes': 10, 'classifier_activation': None}, ('convnext_base', 87576714, 87576714, (None, 10), 261, 344, 'afed37b2cb5f16a3', '1f2e0b6a704f4773')),
    ('EfficientNetV2B0', {'input_shape': (32, 32, 3)}, ('efficientnetv2-b0', 7200312, 7139704, (None, 1000), 273, 361, '9af14e51ce27f41c', 'fe0e4706f5653de3')),
    ('EfficientNetV2B1', {'include_top': False, 'input_shape': (32, 32, 3), 'pooling': 'max'}, ('efficientnetv2-b1', 6931124, 6860052, (None, 1280), 335, 441, 'f03596c981e8a62e', '18bfabc9d15af836')),
    ('EfficientNetV2B2', {'input_shape': (32, 32, 3), 'include_preprocessing': False}, ('efficientnetv2-b2', 10178374, 10096086, (None, 1000), 350, 462, '04a55568fa97ff7a', '6546f8af3697cef4')),
    ('EfficientNetV2B3', {'include_top': False, 'input_shape': (32, 32, 3)}, ('efficientnetv2-b3', 12930622, 12821406, (None, 1, 1, 1536), 409, 536, '5b6bc63e3facb919', 'aa92d3bdc7e6e6c0')),
    ('EfficientNetV2S', {'input_shape': (32, 32, 3), 'classes': 10}, ('efficientnetv2-s', 20344170, 20190298, (None, 10), 516, 672, '4ab3647487ac3b17', 'daba49f6d8c35e9d')),
]


@pytest.mark.parametrize("entry", KERAS_DIGESTS, ids=entry_ids(KERAS_DIGESTS))
def test_architecture_equals_keras(entry):
    assert_digest_equals_keras(entry, weight_layers=False)


def test_spot_layer_names_and_output_shapes():
    keras.backend.clear_session()
    m = A.ConvNeXtTiny(weights=None, include_top=False, input_shape=(64, 64, 3))
    names = [l.name for l in m.layers]
    # Keras 3.15.1: these names, the Sequential stem, and the 2x2 output at 64x64
    assert names[1:4] == ["convnext_tiny_prestem_normalization", "convnext_tiny_stem",
                          "convnext_tiny_stage_0_block_0_depthwise_conv"]
    assert "convnext_tiny_stage_2_block_8_layer_scale" in names
    assert names[-1] == "layer_normalization"
    assert tuple(m.output.shape) == (None, 2, 2, 768)
    keras.backend.clear_session()
    m = A.EfficientNetV2B0(weights=None, include_top=False, input_shape=(64, 64, 3))
    names = [l.name for l in m.layers]
    assert names[1:4] == ["rescaling", "normalization", "stem_conv"]
    assert "block6h_se_excite" in names and "block2b_drop" in names
    assert tuple(m.output.shape) == (None, 2, 2, 1280)


def test_prestem_normalization_against_numpy():
    x = np.random.default_rng(0).uniform(0, 255, (2, 5, 4, 3)).astype("float32")
    mean = [0.485 * 255, 0.456 * 255, 0.406 * 255]
    var = [(0.229 * 255) ** 2, (0.224 * 255) ** 2, (0.225 * 255) ** 2]
    got = np.asarray(convnext._PreStem(mean, var)(x))
    want = (x.astype("float64") - np.array(mean)) / np.sqrt(np.array(var))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    got_cf = np.asarray(convnext._PreStem(mean, var, axis=1)(x.transpose(0, 3, 1, 2)))
    np.testing.assert_allclose(got_cf, want.transpose(0, 3, 1, 2), rtol=1e-5, atol=1e-5)
    layer = convnext._PreStem(mean, var)
    layer(x)
    assert layer.weights == []


def test_layer_scale_and_residual_against_numpy():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(6, 3, 3, 4)).astype("float32")
    s = rng.normal(size=(6, 3, 3, 4)).astype("float32")
    ls = convnext.LayerScale(0.5, 4)
    np.testing.assert_allclose(np.asarray(ls(x)), 0.5 * x, rtol=1e-6)
    assert [tuple(w.shape) for w in ls.weights] == [(4,)]
    res = convnext._Residual(0.25)
    np.testing.assert_allclose(np.asarray(res([x, s])), x + s, rtol=1e-6)
    xb = rng.normal(size=(400, 2, 2, 3)).astype("float32") + 5.0
    sb = rng.normal(size=(400, 2, 2, 3)).astype("float32")
    out = np.asarray(res([xb, sb], training=True))
    # stochastic depth: each sample keeps the whole branch scaled by 1/(1 - 0.25) or
    # drops it
    dropped = np.array([np.allclose(out[i], sb[i]) for i in range(400)])
    np.testing.assert_allclose(out[~dropped], sb[~dropped] + xb[~dropped] / 0.75,
                               rtol=1e-5, atol=1e-5)
    assert 60 < dropped.sum() < 140      # about a quarter of 400
    out2 = np.asarray(convnext._Residual(0.0)([x, s], training=True))
    np.testing.assert_allclose(out2, x + s, rtol=1e-6)


def test_preprocess_input_and_errors():
    x = np.arange(12, dtype="float32").reshape(1, 2, 2, 3)
    assert convnext.preprocess_input(x) is x
    assert efficientnet_v2.preprocess_input(x) is x
    with pytest.raises(ValueError, match="classes"):
        A.ConvNeXtTiny(weights="imagenet", classes=10)
    with pytest.raises(ValueError, match="32x32"):
        A.EfficientNetV2B0(weights=None, include_top=False, input_shape=(16, 16, 3))
    with pytest.raises(ValueError, match="convnext_tiny"):
        A.ConvNeXtTiny(weights="imagenet", include_top=False, input_shape=(32, 32, 3),
                       name="mine")
    keras.backend.set_image_data_format("channels_first")
    try:
        with pytest.raises(ValueError, match="channels_last"):
            A.ConvNeXtTiny(weights=None)
    finally:
        keras.backend.set_image_data_format("channels_last")
