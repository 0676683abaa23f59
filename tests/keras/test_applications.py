"""keras.applications: the architectures equal Keras' (layer names and order, weight shapes
and order, parameter counts: constants generated with the real Keras 3.15.1 / TF 2.21,
pasted below), the wiring of each family against a NumPy float64 forward pass, the
preprocessing modes against NumPy formulas, decode_predictions, the download and loading
of Keras-layout weight files (fake files from a temporary directory: no test touches the
network), saving round trips and the argument errors."""
import hashlib
import json
import os
import socket
import sys
import warnings

import h5py
import numpy as np
import pytest

import ndflow as tf
from ndflow import keras
from ndflow.keras.applications import (densenet, efficientnet, imagenet_utils, mobilenet_v2,
                                       resnet, vgg16)
from ndflow.keras.utils import file_utils

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from applications_helpers import assert_digest_equals_keras  # noqa: E402

A = keras.applications


# ---- architectures: constants from the real Keras ---------------------------------------

# Generated with keras 3.15.1 (TensorFlow 2.21): for each entry, in a fresh session
# (keras.backend.clear_session()), digest(getattr(keras.applications, name)(weights=None,
# **kwargs)) with applications_helpers.digest.
KERAS_DIGESTS = [
    ('MobileNetV2', {}, ('mobilenetv2_1.00_224', 3538984, 3504872, (None, 1000), 156, 262, '2e4b5e20d3fcdf7a', '9203114f78a9c494')),
    ('MobileNetV2', {'alpha': 0.35, 'include_top': False, 'input_shape': (96, 96, 3)}, ('mobilenetv2_0.35_96', 410208, 396128, (None, 3, 3, 1280), 154, 260, 'fb47447bf39273f1', '3e8f04f3e8256ca7')),
    ('MobileNetV2', {'alpha': 1.3}, ('mobilenetv2_1.30_224', 5431048, 5386792, (None, 1000), 156, 262, '2e4b5e20d3fcdf7a', 'cca9399ed5e09d01')),
    ('MobileNetV2', {'include_top': False, 'input_shape': (64, 64, 3), 'pooling': 'avg'}, ('mobilenetv2_1.00_64', 2257984, 2223872, (None, 1280), 155, 260, '99caefeffe26265f', '8db65ebdb9c1ab72')),
    ('ResNet50', {}, ('resnet50', 25636712, 25583592, (None, 1000), 177, 320, '028657f9cfbc7c82', 'c7ff81b7cbfe4a95')),
    ('ResNet101', {}, ('resnet101', 44707176, 44601832, (None, 1000), 347, 626, 'ad19167894cc7430', '36444f8acd32236d')),
    ('ResNet152', {}, ('resnet152', 60419944, 60268520, (None, 1000), 517, 932, 'ae5038021c581861', '92b79685bb8a73d2')),
    ('ResNet50', {'include_top': False, 'input_shape': (64, 64, 3), 'pooling': 'max'}, ('resnet50', 23587712, 23534592, (None, 2048), 176, 318, '10505028c06d588f', 'ad8d55bf860e8c95')),
    ('ResNet50', {'input_shape': (64, 64, 3), 'classes': 10, 'classifier_activation': None}, ('resnet50', 23608202, 23555082, (None, 10), 177, 320, '028657f9cfbc7c82', '3270e6458fe006c3')),
    ('VGG16', {'input_shape': (32, 32, 3)}, ('vgg16', 37694248, 37694248, (None, 1000), 23, 32, '53c63f3008e53857', 'f56f8beccb409385')),
    ('VGG19', {'input_shape': (32, 32, 3)}, ('vgg19', 43003944, 43003944, (None, 1000), 26, 38, 'dce24774b43629a6', '0f0e184436f841c2')),
    ('VGG16', {'include_top': False, 'input_shape': (32, 32, 3), 'pooling': 'avg'}, ('vgg16', 14714688, 14714688, (None, 512), 20, 26, '4214022b7c8bb9b2', '7b35f304f09b14c6')),
    ('EfficientNetB0', {}, ('efficientnetb0', 5330571, 5288548, (None, 1000), 240, 314, '1652aec093102d30', 'e7a4e5b4c8b3efa9')),
    ('EfficientNetB1', {}, ('efficientnetb1', 7856239, 7794184, (None, 1000), 342, 442, '98b4b7cf002c70d0', 'cf8d20b6a3f3e598')),
    ('EfficientNetB2', {}, ('efficientnetb2', 9177569, 9109994, (None, 1000), 342, 442, '98b4b7cf002c70d0', 'de3802c2ac6ee193')),
    ('EfficientNetB3', {}, ('efficientnetb3', 12320535, 12233232, (None, 1000), 387, 499, '790393ebcdf965cb', '107ebd03a53beddc')),
    ('EfficientNetB4', {}, ('efficientnetb4', 19466823, 19341616, (None, 1000), 477, 613, '478470a4e985e14a', 'f0de3dff89b37500')),
    ('EfficientNetB5', {}, ('efficientnetb5', 30562527, 30389784, (None, 1000), 579, 741, '8a90ae3af69a41e3', 'a70ba8d9cf6ce216')),
    ('EfficientNetB6', {}, ('efficientnetb6', 43265143, 43040704, (None, 1000), 669, 855, '1183ba437daaf4ae', '753591a509a01a53')),
    ('EfficientNetB7', {}, ('efficientnetb7', 66658687, 66347960, (None, 1000), 816, 1040, '1451cbe45c035af8', '6954e3d7c711bf95')),
    ('EfficientNetB0', {'include_top': False, 'input_shape': (64, 64, 3)}, ('efficientnetb0', 4049571, 4007548, (None, 2, 2, 1280), 237, 312, '1b9e87211ce03ee2', '0c03b70e6810d4ae')),
    ('DenseNet121', {}, ('densenet121', 8062504, 7978856, (None, 1000), 429, 606, '64d57b788af2541f', 'e7978c9334ebfe92')),
    ('DenseNet169', {}, ('densenet169', 14307880, 14149480, (None, 1000), 597, 846, '941d54fb0488a665', 'c577ed429d250cc3')),
    ('DenseNet201', {}, ('densenet201', 20242984, 20013928, (None, 1000), 709, 1006, 'f9cdab6efa36147a', 'e1498cb98084bc72')),
    ('DenseNet121', {'include_top': False, 'input_shape': (64, 64, 3), 'pooling': 'avg'}, ('densenet121', 7037504, 6953856, (None, 1024), 428, 604, '7e922eaaf15910cb', '6f36904dc3e28f4f')),
]


def _id(entry):
    name, kw, _ = entry
    return name + "".join("-%s=%s" % (k, "x".join(map(str, v)) if isinstance(v, tuple) else v)
                          for k, v in kw.items())


@pytest.mark.parametrize("entry", KERAS_DIGESTS, ids=[_id(e) for e in KERAS_DIGESTS])
def test_architecture_equals_keras(entry):
    assert_digest_equals_keras(entry)


def test_readable_spot_checks_of_names_and_order():
    # from the real Keras 3.15.1: MobileNetV2(weights=None).layers[1:10] and weights[:6]
    keras.backend.clear_session()
    m = A.MobileNetV2(weights=None)
    assert [l.name for l in m.layers[1:10]] == [
        "Conv1", "bn_Conv1", "Conv1_relu", "expanded_conv_depthwise",
        "expanded_conv_depthwise_BN", "expanded_conv_depthwise_relu", "expanded_conv_project",
        "expanded_conv_project_BN", "block_1_expand"]
    assert [tuple(w.shape) for w in m.weights[:6]] == [
        (3, 3, 3, 32), (32,), (32,), (32,), (32,), (3, 3, 32, 1)]
    # Keras orders layers by depth: the shortcut's 0_conv comes after the 2_relu
    r = A.ResNet50(weights=None, include_top=False, input_shape=(32, 32, 3))
    assert [l.name for l in r.layers[7:19]] == [
        "conv2_block1_1_conv", "conv2_block1_1_bn", "conv2_block1_1_relu",
        "conv2_block1_2_conv", "conv2_block1_2_bn", "conv2_block1_2_relu",
        "conv2_block1_0_conv", "conv2_block1_3_conv", "conv2_block1_0_bn",
        "conv2_block1_3_bn", "conv2_block1_add", "conv2_block1_out"]


# ---- output shapes --------------------------------------------------------------------

SMALL = [("MobileNetV2", 32, 1280), ("ResNet50", 32, 2048), ("VGG16", 32, 512),
         ("VGG19", 32, 512), ("EfficientNetB0", 32, 1280), ("DenseNet121", 32, 1024)]


@pytest.mark.parametrize("name,size,channels", SMALL)
def test_output_shapes_and_forward_pass(name, size, channels):
    x = np.random.default_rng(0).uniform(0, 255, (2, size, size, 3)).astype("float32")
    fmap = getattr(A, name)(weights=None, include_top=False, input_shape=(size, size, 3))
    assert tuple(fmap.output.shape) == (None, 1, 1, channels)
    features = fmap.predict(x, verbose=0)
    assert features.shape == (2, 1, 1, channels) and np.isfinite(features).all()
    for pooling in ("avg", "max"):
        m = getattr(A, name)(weights=None, include_top=False, input_shape=(size, size, 3),
                             pooling=pooling)
        m.set_weights(fmap.get_weights())
        assert tuple(m.output.shape) == (None, channels)
        # on a 1x1 map, average and max pooling both return the map
        np.testing.assert_allclose(m.predict(x, verbose=0), features[:, 0, 0], rtol=1e-6)
    top = getattr(A, name)(weights=None, input_shape=(size, size, 3), classes=7)
    assert tuple(top.output.shape) == (None, 7)
    probs = top.predict(x, verbose=0)
    assert probs.shape == (2, 7)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    logits = getattr(A, name)(weights=None, input_shape=(size, size, 3), classes=7,
                              classifier_activation=None)
    logits.set_weights(top.get_weights())
    z = logits.predict(x, verbose=0).astype(np.float64)
    want = np.exp(z - z.max(axis=1, keepdims=True))
    np.testing.assert_allclose(probs, want / want.sum(axis=1, keepdims=True), rtol=1e-4,
                               atol=1e-6)


def test_unknown_spatial_size_without_top():
    m = A.MobileNetV2(weights=None, include_top=False)
    assert m.name == "mobilenetv2_1.00_None"
    assert tuple(m.input.shape) == (None, None, None, 3)
    # five halvings (the stride-2 padding is planned for even sizes when the size is unknown)
    out = m.predict(np.zeros((1, 64, 96, 3), "float32"), verbose=0)
    assert out.shape == (1, 2, 3, 1280)


def test_input_tensor_and_its_source_inputs():
    inp = keras.Input((32, 32, 3))
    scaled = keras.layers.Rescaling(1.0 / 255)(inp)
    m = A.ResNet50(weights=None, include_top=False, input_tensor=scaled, pooling="avg")
    assert m.inputs[0] is inp and m.layers[1].name.startswith("rescaling")
    x = np.random.default_rng(1).uniform(0, 255, (1, 32, 32, 3)).astype("float32")
    plain = A.ResNet50(weights=None, include_top=False, input_shape=(32, 32, 3),
                       pooling="avg")
    plain.set_weights(m.get_weights())
    np.testing.assert_allclose(m.predict(x, verbose=0), plain.predict(x / 255, verbose=0),
                               rtol=1e-5, atol=1e-6)


# ---- the wiring of each family against NumPy ---------------------------------------------

def _randomize(model, seed=0):
    rng = np.random.default_rng(seed)
    values = []
    for w in model.weights:
        leaf = w.path.rsplit("/", 1)[-1]
        shape = tuple(w.shape)
        if leaf == "count":
            values.append(np.zeros(shape, "int64"))
        elif leaf in ("gamma", "moving_variance", "variance"):
            values.append(rng.uniform(0.5, 1.5, shape).astype("float32"))
        elif leaf in ("beta", "moving_mean", "mean", "bias"):
            values.append(rng.uniform(-0.3, 0.3, shape).astype("float32"))
        else:
            fan_in = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
            if len(shape) == 4 and shape[-1] == 1:      # depthwise kernel
                fan_in = shape[0] * shape[1]
            values.append(rng.normal(0, np.sqrt(2.0 / fan_in), shape).astype("float32"))
    model.set_weights(values)
    return model


def _w(model, name):
    return [np.asarray(v, np.float64) for v in model.get_layer(name).get_weights()]


def _pad_same(x, k, s):
    h, w = x.shape[1:3]
    out = []
    for n, kk in ((h, k[0]), (w, k[1])):
        o = -(-n // s)
        total = max((o - 1) * s + kk - n, 0)
        out.append((total // 2, total - total // 2))
    return np.pad(x, ((0, 0), out[0], out[1], (0, 0)))


def np_conv(x, kernel, bias=None, stride=1, padding="valid", depthwise=False):
    kh, kw = kernel.shape[:2]
    if padding == "same":
        x = _pad_same(x, (kh, kw), stride)
    n, h, w, c = x.shape
    oh, ow = (h - kh) // stride + 1, (w - kw) // stride + 1
    out = 0
    for i in range(kh):
        for j in range(kw):
            patch = x[:, i:i + stride * (oh - 1) + 1:stride, j:j + stride * (ow - 1) + 1:stride]
            out = out + (patch * kernel[i, j, :, 0] if depthwise else patch @ kernel[i, j])
    return out if bias is None else out + bias


def np_bn(x, weights, eps):
    gamma, beta, mean, var = weights
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


def np_pool(x, size, stride, op):
    n, h, w, c = x.shape
    oh, ow = (h - size) // stride + 1, (w - size) // stride + 1
    windows = [x[:, i:i + stride * (oh - 1) + 1:stride, j:j + stride * (ow - 1) + 1:stride]
               for i in range(size) for j in range(size)]
    return op(np.stack(windows), axis=0)


def zpad(x, top, bottom, left, right):
    return np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))


def relu(x):
    return np.maximum(x, 0)


def relu6(x):
    return np.clip(x, 0, 6)


def swish(x):
    return x / (1 + np.exp(-x))


def _normalization(model):
    """EfficientNet's Normalization layer (Keras leaves it unnamed: normalization_<n>)."""
    found = [l for l in model.layers if l.name.split("_")[0] == "normalization"]
    assert len(found) == 1, [l.name for l in model.layers[:4]]
    return found[0]


def _submodel_output(model, layer_name, x):
    sub = keras.Model(model.input, model.get_layer(layer_name).output)
    return sub.predict(x, verbose=0)


def _image(size=32, seed=0):
    return np.random.default_rng(seed).uniform(0, 255, (2, size, size, 3)).astype("float32")


def test_mobilenet_v2_wiring_against_numpy():
    m = _randomize(A.MobileNetV2(weights=None, include_top=False, input_shape=(32, 32, 3)))
    x = _image()
    a = x.astype(np.float64)
    conv = lambda t, n, **kw: np_conv(t, _w(m, n)[0], **kw)    # noqa: E731
    bn = lambda t, n: np_bn(t, _w(m, n), 1e-3)                  # noqa: E731
    h = relu6(bn(conv(a, "Conv1", stride=2, padding="same"), "bn_Conv1"))
    h = relu6(bn(conv(h, "expanded_conv_depthwise", padding="same", depthwise=True),
                 "expanded_conv_depthwise_BN"))
    h = bn(conv(h, "expanded_conv_project"), "expanded_conv_project_BN")
    h = relu6(bn(conv(h, "block_1_expand"), "block_1_expand_BN"))
    h = zpad(h, 0, 1, 0, 1)        # even size: one row/column after, none before
    h = relu6(bn(conv(h, "block_1_depthwise", stride=2, depthwise=True),
                 "block_1_depthwise_BN"))
    b1 = bn(conv(h, "block_1_project"), "block_1_project_BN")
    h = relu6(bn(conv(b1, "block_2_expand"), "block_2_expand_BN"))
    h = relu6(bn(conv(h, "block_2_depthwise", padding="same", depthwise=True),
                 "block_2_depthwise_BN"))
    want = b1 + bn(conv(h, "block_2_project"), "block_2_project_BN")
    got = _submodel_output(m, "block_2_add", x)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * np.abs(want).max())


def test_resnet50_wiring_against_numpy():
    m = _randomize(A.ResNet50(weights=None, include_top=False, input_shape=(32, 32, 3)))
    x = _image()
    a = x.astype(np.float64)

    def cbn(t, n, stride=1, padding="valid"):
        k, b = _w(m, n + "_conv")
        return np_bn(np_conv(t, k, b, stride, padding), _w(m, n + "_bn"), 1.001e-5)

    h = relu(cbn(zpad(a, 3, 3, 3, 3), "conv1", stride=2))
    h = np_pool(zpad(h, 1, 1, 1, 1), 3, 2, np.max)
    shortcut = cbn(h, "conv2_block1_0")
    y = relu(cbn(h, "conv2_block1_1"))
    y = relu(cbn(y, "conv2_block1_2", padding="same"))
    b1 = relu(shortcut + cbn(y, "conv2_block1_3"))
    y = relu(cbn(b1, "conv2_block2_1"))
    y = relu(cbn(y, "conv2_block2_2", padding="same"))
    want = relu(b1 + cbn(y, "conv2_block2_3"))
    got = _submodel_output(m, "conv2_block2_out", x)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * np.abs(want).max())
    # the first block of the next stage halves the size in its 1x1 convolutions
    assert tuple(m.get_layer("conv3_block1_1_conv").output.shape) == (None, 4, 4, 128)
    assert tuple(m.get_layer("conv3_block1_0_conv").output.shape) == (None, 4, 4, 512)


def test_vgg16_forward_against_numpy():
    m = _randomize(A.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3),
                           pooling="max"))
    x = _image()
    h = x.astype(np.float64)
    for block, convs in enumerate((2, 2, 3, 3, 3)):
        for i in range(convs):
            k, b = _w(m, "block%d_conv%d" % (block + 1, i + 1))
            h = relu(np_conv(h, k, b, padding="same"))
        h = np_pool(h, 2, 2, np.max)
    want = h.max(axis=(1, 2))
    got = m.predict(x, verbose=0)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * np.abs(want).max())


def test_efficientnet_b0_wiring_against_numpy():
    m = _randomize(A.EfficientNetB0(weights=None, include_top=False, input_shape=(32, 32, 3)))
    x = _image()
    a = x.astype(np.float64)
    bn = lambda t, n: np_bn(t, _w(m, n), 1e-3)                 # noqa: E731
    mean, var = [np.asarray(v, np.float64) for v in _normalization(m).get_weights()[:2]]
    h = (a / 255.0 - mean) / np.sqrt(var)
    h = zpad(h, 0, 1, 0, 1)
    h = swish(bn(np_conv(h, _w(m, "stem_conv")[0], stride=2), "stem_bn"))

    def se(t, prefix):
        s = t.mean(axis=(1, 2), keepdims=True)
        s = swish(np_conv(s, *_w(m, prefix + "se_reduce")))
        s = np_conv(s, *_w(m, prefix + "se_expand"))
        return t / (1 + np.exp(-s))

    # block1a: no expansion, 3x3 depthwise, SE, projection, no skip (16 != 32 channels)
    h = swish(bn(np_conv(h, _w(m, "block1a_dwconv")[0], padding="same", depthwise=True),
                 "block1a_bn"))
    h = bn(np_conv(se(h, "block1a_"), _w(m, "block1a_project_conv")[0]), "block1a_project_bn")
    # block2a: expansion, stride-2 depthwise after asymmetric padding, no skip
    y = swish(bn(np_conv(h, _w(m, "block2a_expand_conv")[0]), "block2a_expand_bn"))
    y = zpad(y, 0, 1, 0, 1)
    y = swish(bn(np_conv(y, _w(m, "block2a_dwconv")[0], stride=2, depthwise=True),
                 "block2a_bn"))
    b2a = bn(np_conv(se(y, "block2a_"), _w(m, "block2a_project_conv")[0]), "block2a_project_bn")
    # block2b: same shapes, so a skip connection (its dropout is off at inference)
    y = swish(bn(np_conv(b2a, _w(m, "block2b_expand_conv")[0]), "block2b_expand_bn"))
    y = swish(bn(np_conv(y, _w(m, "block2b_dwconv")[0], padding="same", depthwise=True),
                 "block2b_bn"))
    want = b2a + bn(np_conv(se(y, "block2b_"), _w(m, "block2b_project_conv")[0]),
                    "block2b_project_bn")
    got = _submodel_output(m, "block2b_add", x)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * np.abs(want).max())
    assert m.get_layer("block2b_drop").rate == pytest.approx(0.2 * 2 / 16)


def test_densenet121_wiring_against_numpy():
    m = _randomize(A.DenseNet121(weights=None, include_top=False, input_shape=(32, 32, 3)))
    x = _image()
    a = x.astype(np.float64)
    bn = lambda t, n: np_bn(t, _w(m, n), 1.001e-5)             # noqa: E731
    h = relu(bn(np_conv(zpad(a, 3, 3, 3, 3), _w(m, "conv1_conv")[0], stride=2), "conv1_bn"))
    h = np_pool(zpad(h, 1, 1, 1, 1), 3, 2, np.max)
    for i in (1, 2):
        p = "conv2_block%d" % i
        y = relu(bn(h, p + "_0_bn"))
        y = relu(bn(np_conv(y, _w(m, p + "_1_conv")[0]), p + "_1_bn"))
        y = np_conv(y, _w(m, p + "_2_conv")[0], padding="same")
        h = np.concatenate([h, y], axis=-1)
    got = _submodel_output(m, "conv2_block2_concat", x)
    assert got.shape == (2, 8, 8, 128)
    np.testing.assert_allclose(got, h, rtol=1e-4, atol=1e-4 * np.abs(h).max())
    # a transition layer halves the channels and the size
    assert tuple(m.get_layer("pool2_pool").output.shape) == (None, 4, 4, 128)


# ---- preprocess_input --------------------------------------------------------------------

def np_preprocess(x, mode, channels_first=False):
    x = np.asarray(x, np.float64)
    axis = (0 if x.ndim == 3 else 1) if channels_first else -1
    shape = [1] * x.ndim
    shape[axis] = 3
    if mode == "tf":
        return x / 127.5 - 1.0
    if mode == "torch":
        return (x / 255.0 - np.reshape([0.485, 0.456, 0.406], shape)) / \
            np.reshape([0.229, 0.224, 0.225], shape)
    return np.flip(x, axis) - np.reshape([103.939, 116.779, 123.68], shape)


@pytest.mark.parametrize("mode", ["tf", "torch", "caffe"])
@pytest.mark.parametrize("channels_first", [False, True])
@pytest.mark.parametrize("batched", [False, True])
def test_preprocess_input_modes(mode, channels_first, batched):
    rng = np.random.default_rng(3)
    shape = (3, 5, 4) if channels_first else (5, 4, 3)
    x = rng.uniform(0, 255, ((2,) + shape) if batched else shape).astype("float32")
    fmt = "channels_first" if channels_first else "channels_last"
    want = np_preprocess(x, mode, channels_first)
    got = imagenet_utils.preprocess_input(x.copy(), data_format=fmt, mode=mode)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-4)
    t = imagenet_utils.preprocess_input(tf.constant(x), data_format=fmt, mode=mode)
    assert isinstance(t, tf.Tensor) and t.dtype == tf.float32
    np.testing.assert_allclose(t.numpy(), want, rtol=1e-5, atol=1e-4)


def test_preprocess_input_numpy_semantics():
    x = np.arange(2 * 2 * 2 * 3, dtype="float32").reshape(2, 2, 2, 3) * 10
    original = x.copy()
    out = mobilenet_v2.preprocess_input(x)
    # like Keras, a float array is preprocessed in place
    assert out is x
    np.testing.assert_allclose(x, original / 127.5 - 1, rtol=1e-6)
    ints = (original.astype("uint8"))
    out = resnet.preprocess_input(ints)
    assert out.dtype == np.float32 and ints.dtype == np.uint8      # input untouched
    np.testing.assert_allclose(out, np_preprocess(ints, "caffe"), rtol=1e-6, atol=1e-4)
    doubles = original.astype("float64")
    assert densenet.preprocess_input(doubles).dtype == np.float64
    lists = vgg16.preprocess_input(original.tolist())
    np.testing.assert_allclose(lists, np_preprocess(original, "caffe"), rtol=1e-6, atol=1e-4)


def test_preprocess_input_per_model_and_in_a_functional_model():
    x = np.random.default_rng(4).uniform(0, 255, (2, 4, 4, 3)).astype("float32")
    modes = {A.mobilenet_v2: "tf", A.resnet: "caffe", A.resnet50: "caffe", A.vgg16: "caffe",
             A.vgg19: "caffe", A.densenet: "torch"}
    for module, mode in modes.items():
        np.testing.assert_allclose(module.preprocess_input(x.copy()), np_preprocess(x, mode),
                                   rtol=1e-5, atol=1e-4, err_msg=module.__name__)
    assert A.efficientnet.preprocess_input(x) is x
    # as the transfer-learning tutorial uses it: on the symbolic input of a model
    for module, mode in modes.items():
        inp = keras.Input((4, 4, 3))
        model = keras.Model(inp, module.preprocess_input(inp))
        np.testing.assert_allclose(model.predict(x, verbose=0), np_preprocess(x, mode),
                                   rtol=1e-5, atol=1e-4, err_msg=module.__name__)


def test_preprocess_input_errors():
    with pytest.raises(ValueError, match="mode.*'caffe', 'tf' or 'torch'.*'pytorch'"):
        imagenet_utils.preprocess_input(np.zeros((1, 2, 2, 3)), mode="pytorch")
    with pytest.raises(ValueError, match="data_format.*'channels_middle'"):
        imagenet_utils.preprocess_input(np.zeros((1, 2, 2, 3)), data_format="channels_middle")
    with pytest.raises(ValueError, match="3 color channels.*shape \\(1, 2, 2, 4\\)"):
        resnet.preprocess_input(np.zeros((1, 2, 2, 4)))


# ---- decode_predictions --------------------------------------------------------------------

def closed_port_url():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return "http://127.0.0.1:%d/" % port


@pytest.fixture
def homes(tmp_path, monkeypatch):
    """Empty ndflow and Keras caches; returns (ndflow home, keras home)."""
    nd, kh = tmp_path / "ndflow_home", tmp_path / "keras_home"
    monkeypatch.setenv("NDFLOW_HOME", str(nd))
    monkeypatch.setenv("KERAS_HOME", str(kh))
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", None)
    return nd, kh


def md5(path):
    return hashlib.md5(open(path, "rb").read()).hexdigest()


def fake_class_index(directory):
    index = {str(i): ["n%08d" % i, "class_%d" % i] for i in range(1000)}
    path = os.path.join(str(directory), "imagenet_class_index.json")
    with open(path, "w") as f:
        json.dump(index, f)
    return path


def test_decode_predictions_with_a_downloaded_index(tmp_path, homes, monkeypatch):
    src = tmp_path / "srv"
    src.mkdir()
    path = fake_class_index(src)
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_PATH", (src / "imagenet_class_index.json")
                        .as_uri())
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_HASH", md5(path))
    preds = np.zeros((2, 1000), "float32")
    preds[0, [7, 3, 999]] = [0.5, 0.3, 0.2]
    preds[1, [0, 500]] = [0.1, 0.9]
    out = resnet.decode_predictions(preds, top=3)
    assert [r[:2] for r in out[0]] == [("n00000007", "class_7"), ("n00000003", "class_3"),
                                       ("n00000999", "class_999")]
    assert [float(r[2]) for r in out[0]] == pytest.approx([0.5, 0.3, 0.2])
    assert [r[1] for r in out[1][:2]] == ["class_500", "class_0"]
    assert len(mobilenet_v2.decode_predictions(tf.constant(preds))[1]) == 5
    assert os.path.exists(homes[0] / "models" / "imagenet_class_index.json")
    with pytest.raises(ValueError, match="\\(samples, 1000\\).*\\(2, 10\\)"):
        imagenet_utils.decode_predictions(np.zeros((2, 10)))


def test_decode_predictions_uses_keras_cache_and_explains_offline(tmp_path, homes,
                                                                  monkeypatch):
    nd_home, keras_home = homes
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_PATH",
                        closed_port_url() + "imagenet_class_index.json")
    with pytest.raises(file_utils.DownloadError) as info:
        imagenet_utils.decode_predictions(np.zeros((1, 1000)))
    msg = str(info.value)
    assert "decode_predictions" in msg and "imagenet_class_index.json" in msg
    assert str(nd_home / "models" / "imagenet_class_index.json") in msg and "NDFLOW_HOME" in msg
    # a copy in Keras' cache (~/.keras/models) is used without any download
    (keras_home / "models").mkdir(parents=True)
    path = fake_class_index(keras_home / "models")
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_HASH", md5(path))
    preds = np.zeros((1, 1000))
    preds[0, 42] = 1
    assert imagenet_utils.decode_predictions(preds, top=1) == [[("n00000042", "class_42",
                                                                 1.0)]]


# ---- weights='imagenet': Keras-layout files from a local "server" ----------------------------

def write_keras2_weights(model, path):
    """``model``'s weights in the layout of Keras' ImageNet files (Keras 2 HDF5: root
    attribute ``layer_names`` listing every layer; each group lists ``weight_names``)."""
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([l.name.encode() for l in model.layers])
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.2.4"
        for layer in model.layers:
            g = f.create_group(layer.name)
            names = []
            for w in layer.weights:
                wname = "%s/%s:0" % (layer.name, w.path.rsplit("/", 1)[-1])
                g.create_dataset(wname, data=np.asarray(w.numpy()))
                names.append(wname.encode())
            g.attrs["weight_names"] = np.array(names, dtype="S")


def _serve_weights(tmp_path, monkeypatch, module, attr, model, fname):
    src = tmp_path / "srv"
    src.mkdir(exist_ok=True)
    path = str(src / fname)
    write_keras2_weights(model, path)
    monkeypatch.setattr(module, attr, src.as_uri() + "/")
    return path


def _same_weights(a, b):
    wa, wb = a.get_weights(), b.get_weights()
    return len(wa) == len(wb) and all(np.array_equal(x, y) for x, y in zip(wa, wb))


def test_resnet50_imagenet_weights_download_verify_and_load(tmp_path, homes, monkeypatch):
    kw = dict(include_top=False, input_shape=(32, 32, 3), pooling="avg")
    source = _randomize(A.ResNet50(weights=None, **kw), seed=5)
    fname = "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"
    path = _serve_weights(tmp_path, monkeypatch, resnet, "BASE_WEIGHTS_PATH", source, fname)
    hashes = dict(resnet.WEIGHTS_HASHES)
    hashes["resnet50"] = (hashes["resnet50"][0], md5(path))
    monkeypatch.setattr(resnet, "WEIGHTS_HASHES", hashes)
    model = A.ResNet50(weights="imagenet", **kw)
    assert _same_weights(model, source)
    cached = homes[0] / "models" / fname
    assert md5(cached) == md5(path)
    x = _image()
    np.testing.assert_allclose(model.predict(x, verbose=0), source.predict(x, verbose=0),
                               rtol=1e-6)
    # a file whose hash differs from the published one is refused and not kept
    os.remove(cached)
    hashes["resnet50"] = (hashes["resnet50"][0], "0" * 32)
    with pytest.raises(ValueError, match="hash"):
        A.ResNet50(weights="imagenet", **kw)
    assert not cached.exists()


def test_mobilenet_v2_imagenet_weights_of_the_nearest_size(tmp_path, homes, monkeypatch):
    kw = dict(include_top=False, input_shape=(64, 64, 3))
    source = _randomize(A.MobileNetV2(weights=None, **kw), seed=6)
    # 64x64 has no weights of its own: Keras loads those of 224x224 (with a warning)
    fname = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5"
    _serve_weights(tmp_path, monkeypatch, mobilenet_v2, "BASE_WEIGHT_PATH", source, fname)
    with pytest.warns(UserWarning, match="224x224"):
        model = A.MobileNetV2(weights="imagenet", **kw)
    assert model.name == "mobilenetv2_1.00_224" and _same_weights(model, source)
    # 160x160 has its own file: the transfer-learning tutorial's call
    fname = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_160_no_top.h5"
    _serve_weights(tmp_path, monkeypatch, mobilenet_v2, "BASE_WEIGHT_PATH", source, fname)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        base = A.MobileNetV2(input_shape=(160, 160, 3), include_top=False, weights="imagenet")
    assert base.name == "mobilenetv2_1.00_160" and _same_weights(base, source)
    assert tuple(base.output.shape) == (None, 5, 5, 1280)


def test_efficientnet_imagenet_weights_hold_normalization_statistics(tmp_path, homes,
                                                                     monkeypatch):
    kw = dict(include_top=False, input_shape=(32, 32, 3))
    source = _randomize(A.EfficientNetB0(weights=None, **kw), seed=7)
    norm = _normalization(source)
    assert [w.path.rsplit("/", 1)[-1] for w in norm.weights] == ["mean", "variance", "count"]
    norm.set_weights([np.array([0.485, 0.456, 0.406], "float32"),
                      np.array([0.229, 0.224, 0.225], "float32"), np.array(1000, "int64")])
    path = _serve_weights(tmp_path, monkeypatch, efficientnet, "BASE_WEIGHTS_PATH", source,
                          "efficientnetb0_notop.h5")
    hashes = dict(efficientnet.WEIGHTS_HASHES)
    hashes["b0"] = (hashes["b0"][0], md5(path))
    monkeypatch.setattr(efficientnet, "WEIGHTS_HASHES", hashes)
    model = A.EfficientNetB0(weights="imagenet", **kw)
    assert _same_weights(model, source)
    # with ImageNet weights one more layer divides by sqrt(std): (x/255 - mean) / std
    probe = keras.Model(model.input, model.get_layer("stem_conv_pad").input)
    x = _image()
    want = (x / 255.0 - np.array([0.485, 0.456, 0.406])) / np.array([0.229, 0.224, 0.225])
    np.testing.assert_allclose(probe.predict(x, verbose=0), want, rtol=1e-5, atol=1e-5)


def test_imagenet_weights_offline_error(homes, monkeypatch):
    monkeypatch.setattr(resnet, "BASE_WEIGHTS_PATH", closed_port_url())
    with pytest.raises(file_utils.DownloadError) as info:
        A.ResNet50(weights="imagenet", include_top=False, input_shape=(32, 32, 3))
    msg = str(info.value)
    fname = "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"
    assert msg.startswith("ResNet50:") and fname in msg
    assert str(homes[0] / "models" / fname) in msg and str(homes[1] / "models" / fname) in msg
    assert "weights=None" in msg and "NDFLOW_HOME" in msg


def test_weights_from_a_path_and_saving_round_trips(tmp_path):
    kw = dict(include_top=False, input_shape=(32, 32, 3), pooling="avg")
    source = _randomize(A.ResNet50(weights=None, **kw), seed=8)
    x = _image()
    want = source.predict(x, verbose=0)
    path = str(tmp_path / "r.weights.h5")
    source.save_weights(path)
    np.testing.assert_array_equal(A.ResNet50(weights=path, **kw).predict(x, verbose=0), want)
    keras2 = str(tmp_path / "k2.h5")
    write_keras2_weights(source, keras2)
    np.testing.assert_array_equal(A.ResNet50(weights=keras2, **kw).predict(x, verbose=0), want)
    # the rebuilt model lists the branches of each block in another order: its weights
    # are matched to the saved ones by layer name
    file = str(tmp_path / "m.keras")
    source.save(file)
    loaded = keras.models.load_model(file)
    assert sorted(l.name for l in loaded.layers) == sorted(l.name for l in source.layers)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), want)
    eff = _randomize(A.EfficientNetB0(weights=None, **kw), seed=9)
    file = str(tmp_path / "e.keras")
    eff.save(file)
    np.testing.assert_array_equal(keras.models.load_model(file).predict(x, verbose=0),
                                  eff.predict(x, verbose=0))


def test_saved_efficientnet_loads_where_the_applications_were_never_imported(tmp_path,
                                                                             monkeypatch):
    kw = dict(include_top=False, input_shape=(32, 32, 3), pooling="avg")
    eff = _randomize(A.EfficientNetB0(weights=None, **kw), seed=10)
    file = str(tmp_path / "e.keras")
    eff.save(file)
    # a fresh session has not registered the applications' Normalization (which adds
    # Keras' `count`): the file's layer rebuilds as the plain one and its count is skipped
    from ndflow.keras.saving import registry
    custom = {k: v for k, v in registry._GLOBAL_CUSTOM_OBJECTS.items()
              if not k.startswith("ndflow.applications>")}
    monkeypatch.setattr(registry, "_GLOBAL_CUSTOM_OBJECTS", custom)
    loaded = keras.models.load_model(file)
    norm = _normalization(loaded)
    assert type(norm) is keras.layers.Normalization and len(norm.weights) == 2
    x = _image()
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), eff.predict(x, verbose=0))


def test_keras_normalization_count_is_skipped_when_loading(tmp_path):
    """Keras 3 saves Normalization's mean, variance and integer count; ndflow's layer has
    no count."""
    model = keras.Sequential([keras.Input((3,)), keras.layers.Normalization(name="norm"),
                              keras.layers.Dense(2, name="out")])
    path = str(tmp_path / "k.h5")
    mean, var = np.array([1.0, 2.0, 3.0], "float32"), np.array([4.0, 1.0, 0.25], "float32")
    kernel, bias = np.arange(6, dtype="float32").reshape(3, 2), np.array([0.5, -0.5], "f4")
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([b"norm", b"out"])
        for lname, ws in (("norm", [("mean", mean), ("variance", var),
                                    ("count", np.array(10, "int64"))]),
                          ("out", [("kernel", kernel), ("bias", bias)])):
            g = f.create_group(lname)
            for wname, value in ws:
                g.create_dataset("%s/%s:0" % (lname, wname), data=value)
            g.attrs["weight_names"] = np.array(["%s/%s:0" % (lname, w) for w, _ in ws], "S")
    model.load_weights(path)
    x = np.array([[3.0, 3.0, 3.0]], "float32")
    want = ((x - mean) / np.sqrt(var)) @ kernel + bias
    np.testing.assert_allclose(model.predict(x, verbose=0), want, rtol=1e-6)
    # any other extra weight is still an error
    with h5py.File(path, "a") as f:
        del f["norm/norm/count:0"]
        f["norm"].create_dataset("norm/count:0", data=np.array(10.0, "float32"))
    with pytest.raises(ValueError, match="Layer norm expects 2 weight"):
        model.load_weights(path)


def test_wrong_weights_file_names_the_model(tmp_path):
    path = str(tmp_path / "v.weights.h5")
    A.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3)).save_weights(path)
    with pytest.raises(ValueError, match="ResNet50: the weights in .*v.weights.h5 do not fit"):
        A.ResNet50(weights=path, include_top=False, input_shape=(32, 32, 3))


# ---- argument errors ------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["MobileNetV2", "ResNet50", "VGG16", "EfficientNetB0",
                                  "DenseNet121"])
def test_argument_errors(name, homes):
    build = getattr(A, name)
    size = 224
    with pytest.raises(ValueError, match="%s: with include_top=True and weights='imagenet' "
                       "the input shape must be \\(%d, %d, 3\\).*\\(64, 64, 3\\)"
                       % (name, size, size)):
        build(weights="imagenet", input_shape=(64, 64, 3))
    with pytest.raises(ValueError, match="%s: the ImageNet classifier has 1000 classes, got "
                       "classes=10.*include_top=False" % name):
        build(weights="imagenet", classes=10)
    with pytest.raises(ValueError, match="%s: `weights` must be None.*'nowhere.h5' \\(no such "
                       "file\\)" % name):
        build(weights="nowhere.h5")
    with pytest.raises(ValueError, match="%s: `pooling` must be None, 'avg' or 'max', got "
                       "'mean'" % name):
        build(weights=None, include_top=False, pooling="mean")
    with pytest.raises(ValueError, match="%s: the input must be at least 32x32.*\\(16, 16, 3\\)"
                       % name):
        build(weights=None, include_top=False, input_shape=(16, 16, 3))
    with pytest.raises(ValueError, match="%s: the ImageNet weights take 3 input channels"
                       % name):
        build(weights="imagenet", include_top=False, input_shape=(64, 64, 1))
    with pytest.raises(ValueError, match="%s: include_top=True needs a fixed input size"
                       % name):
        build(weights=None, input_shape=(None, None, 3))
    with pytest.raises(ValueError, match="%s: `input_shape` must be a tuple of three" % name):
        build(weights=None, include_top=False, input_shape=(64, 64))
    # nothing was downloaded for any of these
    assert not os.path.exists(homes[0] / "models")


def test_classifier_activation_with_pretrained_weights(tmp_path):
    path = str(tmp_path / "r.weights.h5")
    A.ResNet50(weights=None, input_shape=(32, 32, 3)).save_weights(path)
    with pytest.raises(ValueError, match="ResNet50: with pre-trained weights and "
                       "include_top=True, classifier_activation must be 'softmax' or None"):
        A.ResNet50(weights=path, input_shape=(32, 32, 3), classifier_activation="relu")
    relu_model = A.ResNet50(weights=None, input_shape=(32, 32, 3),
                            classifier_activation="relu")
    assert relu_model.get_layer("predictions").activation is keras.activations.relu


def test_mobilenet_v2_alpha_errors():
    with pytest.raises(ValueError, match="MobileNetV2: ImageNet weights exist for alpha in "
                       "0.35, 0.5, 0.75, 1.0, 1.3, 1.4; got alpha=0.6"):
        A.MobileNetV2(alpha=0.6, include_top=False, input_shape=(96, 96, 3))
    m = A.MobileNetV2(alpha=0.6, weights=None, include_top=False, input_shape=(32, 32, 3))
    assert m.name == "mobilenetv2_0.60_32"
    assert m.get_layer("Conv1").filters == 24          # 32 * 0.6 = 19.2, rounded up to 8s
    with pytest.raises(ValueError, match="MobileNetV2: input_shape=\\(32, 32, 3\\) does not "
                       "match the shape \\(64, 64, 3\\) of input_tensor"):
        A.MobileNetV2(weights=None, include_top=False, input_shape=(32, 32, 3),
                      input_tensor=keras.Input((64, 64, 3)))


def test_namespace():
    assert keras.applications is A and tf.keras.applications.MobileNetV2 is \
        mobilenet_v2.MobileNetV2
    assert A.resnet50.ResNet50 is A.resnet.ResNet50 is A.ResNet50
    assert A.EfficientNetB7.__name__ == "EfficientNetB7"
    for name in ("MobileNetV2", "ResNet50", "ResNet101", "ResNet152", "VGG16", "VGG19",
                 "EfficientNetB0", "EfficientNetB3", "DenseNet121", "DenseNet169",
                 "DenseNet201", "mobilenet_v2", "imagenet_utils", "densenet"):
        assert name in dir(A)
    assert A.ConvNeXtXLarge.__name__ == "ConvNeXtXLarge"
    assert A.EfficientNetV2L.__name__ == "EfficientNetV2L"
    assert A.NASNetLarge.__name__ == "NASNetLarge"
    assert A.InceptionResNetV2.__name__ == "InceptionResNetV2"
    with pytest.raises(AttributeError, match="NoSuchNetV9"):
        A.NoSuchNetV9
