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


# ---- InceptionResNetV2 and NASNet ----
from ndflow.keras.applications import inception_resnet_v2, nasnet  # noqa: E402

# Generated with keras 3.15.1 (TensorFlow 2.21): for each entry, after
# keras.backend.clear_session(), digest(getattr(keras.applications, name)(weights=None,
# **kwargs), weight_layers=True) with applications_helpers.digest.
KERAS_DIGESTS_IRV2 = [
    ('InceptionResNetV2', {'input_shape': (75, 75, 3)}, ('inception_resnet_v2', 55873736, 55813192, (None, 1000), 782, 898, 'ca4549c904127f6c', 'ae73fae3dadd1321')),
    ('InceptionResNetV2', {'include_top': False, 'input_shape': (75, 75, 3), 'pooling': 'avg'}, ('inception_resnet_v2', 54336736, 54276192, (None, 1536), 781, 896, '488393dd0d0f0d3f', 'e359508f37d3d39b')),
    ('InceptionResNetV2', {'include_top': False, 'input_shape': (96, 80, 3), 'classes': 7}, ('inception_resnet_v2', 54336736, 54276192, (None, 1, 1, 1536), 780, 896, 'a04ea97c6f7f5b48', 'e359508f37d3d39b')),
]

# Same, with weight_layers=False (Keras puts NASNet's weights under name scopes such as
# 'reduction_A_block_stem_1/', which are not layer names; layer names are compared).
KERAS_DIGESTS_NASNET = [
    ('NASNetMobile', {'input_shape': (32, 32, 3)}, ('nasnet_mobile', 5326716, 5289978, (None, 1000), 771, 1126, '7eb84cee33754946', '5dd51a6c270f7e12')),
    ('NASNetMobile', {'include_top': False, 'input_shape': (48, 40, 3), 'pooling': 'max'}, ('nasnet_mobile', 4269716, 4232978, (None, 1056), 770, 1124, '9245749c12d2e1b1', '30904d3efaa4d6cf')),
    ('NASNetLarge', {'input_shape': (32, 32, 3), 'classes': 10, 'classifier_activation': None}, ('nasnet_large', 84957148, 84760480, (None, 10), 1041, 1546, '1ca023ac10d8969e', '81731c47f7777e22')),
    ('NASNetLarge', {'include_top': False, 'input_shape': (32, 32, 3)}, ('nasnet_large', 84916818, 84720150, (None, 1, 1, 4032), 1039, 1544, '851b79185474220c', 'b034462a3a98aad1')),
]


@pytest.mark.parametrize("entry", KERAS_DIGESTS_IRV2, ids=entry_ids(KERAS_DIGESTS_IRV2))
def test_inception_resnet_v2_equals_keras(entry):
    assert_digest_equals_keras(entry, weight_layers=True)


@pytest.mark.parametrize("entry", KERAS_DIGESTS_NASNET, ids=entry_ids(KERAS_DIGESTS_NASNET))
def test_nasnet_equals_keras(entry):
    assert_digest_equals_keras(entry, weight_layers=False)


def test_inception_resnet_v2_and_nasnet_spot_names():
    keras.backend.clear_session()
    m = A.InceptionResNetV2(weights=None, include_top=False, input_shape=(75, 75, 3))
    names = [l.name for l in m.layers]
    # Keras 3.15.1: these names and the 1x1 output at 75x75
    assert names[1:4] == ["conv2d", "batch_normalization", "activation"]
    for n in ("mixed_5b", "block35_1_mixed", "block35_1_conv", "custom_scale_layer",
              "block35_1_ac", "mixed_6a", "block17_20_ac", "mixed_7a",
              "custom_scale_layer_39", "block8_10_conv", "conv_7b_bn", "conv_7b_ac"):
        assert n in names
    assert "block8_10_ac" not in names          # the last block has no activation
    assert names[-1] == "conv_7b_ac" and tuple(m.output.shape) == (None, 1, 1, 1536)
    keras.backend.clear_session()
    m = A.NASNetMobile(weights=None, include_top=False)
    names = [l.name for l in m.layers]
    assert names[1:3] == ["stem_conv1", "stem_bn1"]
    assert "adjust_conv_projection_reduce_4" in names and "normal_concat_11" in names
    assert tuple(m.input.shape) == (None, 224, 224, 3)      # Keras' default without top
    assert tuple(m.output.shape) == (None, 7, 7, 1056)


def test_custom_scale_layer_against_numpy():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 3, 3, 4)).astype("float32")
    r = rng.normal(size=(2, 3, 3, 4)).astype("float32")
    layer = inception_resnet_v2.CustomScaleLayer(0.17)
    got = np.asarray(layer([x, r]))
    np.testing.assert_allclose(got, x.astype("float64") + 0.17 * r.astype("float64"),
                               rtol=1e-6, atol=1e-6)
    assert layer.weights == [] and layer.get_config()["scale"] == 0.17
    assert layer.name.startswith("custom_scale_layer")
    with pytest.raises(ValueError, match="shortcut, residual"):
        layer(x)


def test_inception_resnet_v2_block_wiring_against_numpy():
    # one block35 of a tiny model: out = relu(x + 0.17 * conv1x1(concat(branches)))
    keras.backend.clear_session()
    inp = keras.Input((5, 5, 320))
    out = inception_resnet_v2._residual_block(inp, 0.17, "block35", 1)
    model = keras.Model(inp, out)
    x = np.random.default_rng(3).normal(size=(1, 5, 5, 320)).astype("float32")
    mixed = model.get_layer("block35_1_mixed")
    sub = keras.Model(inp, mixed.output)
    conv = model.get_layer("block35_1_conv")
    kernel, bias = [np.asarray(w, dtype="float64") for w in conv.get_weights()]
    up = np.asarray(sub(x), dtype="float64") @ kernel[0, 0] + bias
    want = np.maximum(x.astype("float64") + 0.17 * up, 0.0)
    np.testing.assert_allclose(np.asarray(model(x)), want, rtol=1e-4, atol=1e-4)


def test_inception_resnet_v2_and_nasnet_preprocess_and_errors():
    x = np.array([[[[0.0, 127.5, 255.0]]]], dtype="float32")
    want = np.array([[[[-1.0, 0.0, 1.0]]]])
    np.testing.assert_allclose(inception_resnet_v2.preprocess_input(x.copy()), want)
    np.testing.assert_allclose(nasnet.preprocess_input(x.copy()), want)
    with pytest.raises(ValueError, match="75x75"):
        A.InceptionResNetV2(weights=None, include_top=False, input_shape=(64, 64, 3))
    with pytest.raises(ValueError, match="classes"):
        A.NASNetMobile(weights="imagenet", classes=10)
    with pytest.raises(ValueError, match="fully known"):
        A.NASNetLarge(weights="imagenet", include_top=False, input_shape=(None, None, 3))
    with pytest.raises(ValueError, match="32x32"):
        A.NASNetMobile(weights=None, input_shape=(20, 20, 3))
    keras.backend.set_image_data_format("channels_first")
    try:
        with pytest.raises(ValueError, match="channels_last"):
            A.NASNetMobile(weights=None)
    finally:
        keras.backend.set_image_data_format("channels_last")
    assert A.nasnet.NASNetLarge is A.NASNetLarge
    assert A.inception_resnet_v2.InceptionResNetV2.__name__ == "InceptionResNetV2"
