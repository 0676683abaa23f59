"""keras.applications, the families added after the first five: MobileNet (v1),
ResNet50V2/101V2/152V2, Xception, InceptionV3, MobileNetV3Small/Large. The architectures
equal Keras' (constants generated with the real Keras 3.15.1 / TF 2.21 and pasted below),
the ImageNet files requested are Keras' (URLs and md5 hashes as Keras 3.15.1 requests
them), preprocess_input against NumPy formulas, and one small forward check per
MobileNetV3 feature that has no equivalent elsewhere (the in-model rescaling, the
squeeze-and-excitation gate)."""
import os
import sys

import numpy as np
import pytest

from ndflow import keras
from ndflow.keras.applications import _common

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from applications_helpers import assert_digest_equals_keras, entry_ids  # noqa: E402

A = keras.applications


# Generated with keras 3.15.1 (TensorFlow 2.21): for each entry, in a fresh session
# (keras.backend.clear_session()), digest(getattr(keras.applications, name)(weights=None,
# **kwargs)) with applications_helpers.digest.
KERAS_DIGESTS = [
    ('MobileNet', {}, ('mobilenet_1.00_224', 4253864, 4231976, (None, 1000), 91, 137, 'f5b6a88d7f602c2f', 'e2cea43c7bc29bab')),
    ('MobileNet', {'alpha': 0.25, 'include_top': False, 'input_shape': (128, 128, 3)}, ('mobilenet_0.25_128', 218544, 213072, (None, 4, 4, 256), 86, 135, '61f7fc097048de32', '1eeb1777ffa304f7')),
    ('MobileNet', {'alpha': 0.5, 'depth_multiplier': 2, 'input_shape': (64, 64, 3), 'classes': 10}, ('mobilenet_0.50_64', 1651802, 1635898, (None, 10), 91, 137, 'f5b6a88d7f602c2f', 'ee8e3d39cfebc225')),
    ('ResNet50V2', {}, ('resnet50v2', 25613800, 25568360, (None, 1000), 192, 272, '842387f5b13d91e2', 'bfac1e88f035e7a0')),
    ('ResNet101V2', {}, ('resnet101v2', 44675560, 44577896, (None, 1000), 379, 544, 'a4ab30d79d26d565', '09d931ee1bf68657')),
    ('ResNet152V2', {'include_top': False, 'pooling': 'avg'}, ('resnet152v2', 58331648, 58187904, (None, 2048), 565, 814, '3d8e601075db6689', 'ec5cfced5c73a7fe')),
    ('ResNet50V2', {'include_top': False, 'input_shape': (64, 64, 3)}, ('resnet50v2', 23564800, 23519360, (None, 2, 2, 2048), 190, 270, '9a23c247b8233d53', '21fd864d6ee04ded')),
    ('Xception', {}, ('xception', 22910480, 22855952, (None, 1000), 134, 236, 'bcbe6f04485da5d6', '393d79cc617898a1')),
    ('Xception', {'include_top': False, 'input_shape': (71, 71, 3), 'pooling': 'max'}, ('xception', 20861480, 20806952, (None, 2048), 133, 234, '278be27e83b5322f', '1e74d26b73966ede')),
    ('InceptionV3', {}, ('inception_v3', 23851784, 23817352, (None, 1000), 313, 378, 'f45dfbfffe02d701', 'e10b139705629209')),
    ('InceptionV3', {'include_top': False, 'input_shape': (75, 75, 3)}, ('inception_v3', 21802784, 21768352, (None, 1, 1, 2048), 311, 376, '01dd0c3f9ae095c1', '8b77198b07a9bcdd')),
    ('MobileNetV3Small', {}, ('MobileNetV3Small', 2554968, 2542856, (None, 1000), 164, 210, 'a4b913f1baa7e3e2', '95434aab475bc2b5')),
    ('MobileNetV3Large', {}, ('MobileNetV3Large', 5507432, 5483032, (None, 1000), 194, 266, 'd38e7e438dad08ce', 'd45724c1d1581216')),
    ('MobileNetV3Small', {'minimalistic': True, 'include_top': False, 'pooling': 'avg'}, ('MobileNetV3Small', 441000, 428888, (None, 576), 104, 170, '59af723a96a76cc7', '6337a73ad79088b1')),
    ('MobileNetV3Large', {'alpha': 0.75, 'include_preprocessing': False, 'input_shape': (64, 64, 3), 'classes': 10, 'dropout_rate': 0.0}, ('MobileNetV3Large', 2744426, 2725338, (None, 10), 192, 266, 'd75876c2202da37f', '9147dc1d6b9108e5')),
]


@pytest.mark.parametrize("entry", KERAS_DIGESTS, ids=entry_ids(KERAS_DIGESTS))
def test_architecture_equals_keras(entry):
    assert_digest_equals_keras(entry)


def test_readable_spot_checks_of_names_and_order():
    keras.backend.clear_session()
    m = A.MobileNet(weights=None, input_shape=(64, 64, 3), classes=7)
    names = [l.name for l in m.layers]
    assert names[1:4] == ["conv1", "conv1_bn", "conv1_relu"]
    assert names[-6:] == ["conv_pw_13_relu", "global_average_pooling2d", "dropout",
                          "conv_preds", "reshape_2", "predictions"]
    assert "conv_pad_2" in names and "conv_pad_3" not in names
    keras.backend.clear_session()
    m = A.ResNet50V2(weights=None, include_top=False, input_shape=(64, 64, 3))
    names = [l.name for l in m.layers]
    # the downsampling block of a stage: stride-2 3x3 conv, 1x1 max pooling shortcut
    i = names.index("conv2_block3_2_relu")
    assert names[i + 1:i + 4] == ["max_pooling2d", "conv2_block3_3_conv", "conv2_block3_out"]
    assert names[-2:] == ["post_bn", "post_relu"]
    keras.backend.clear_session()
    m = A.InceptionV3(weights=None, include_top=False, input_shape=(75, 75, 3))
    names = [l.name for l in m.layers]
    assert [n for n in names if n.startswith("mixed")] == [
        "mixed0", "mixed1", "mixed2", "mixed3", "mixed4", "mixed5", "mixed6", "mixed7",
        "mixed8", "mixed9_0", "mixed9", "mixed9_1", "mixed10"]


# The files Keras 3.15.1 requests for weights='imagenet' (name, URL, md5), recorded by
# replacing keras.src.utils.file_utils.get_file in the real Keras.
_K = "https://storage.googleapis.com/tensorflow/keras-applications/"
KERAS_FILES = [
    ("MobileNet", {}, "mobilenet_1_0_224_tf.h5", _K + "mobilenet/mobilenet_1_0_224_tf.h5",
     None),
    ("MobileNet", {"include_top": False, "alpha": 0.5, "input_shape": (160, 160, 3)},
     "mobilenet_5_0_160_tf_no_top.h5", _K + "mobilenet/mobilenet_5_0_160_tf_no_top.h5",
     None),
    ("ResNet50V2", {}, "resnet50v2_weights_tf_dim_ordering_tf_kernels.h5",
     _K + "resnet/resnet50v2_weights_tf_dim_ordering_tf_kernels.h5",
     "3ef43a0b657b3be2300d5770ece849e0"),
    ("ResNet152V2", {"include_top": False},
     "resnet152v2_weights_tf_dim_ordering_tf_kernels_notop.h5",
     _K + "resnet/resnet152v2_weights_tf_dim_ordering_tf_kernels_notop.h5",
     "ed17cf2e0169df9d443503ef94b23b33"),
    ("Xception", {}, "xception_weights_tf_dim_ordering_tf_kernels.h5",
     _K + "xception/xception_weights_tf_dim_ordering_tf_kernels.h5",
     "0a58e3b7378bc2990ea3b43d5981f1f6"),
    ("InceptionV3", {"include_top": False},
     "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
     _K + "inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
     "bcbd6486424b2319ff4ef7d526e38f63"),
    ("MobileNetV3Small", {"input_shape": (224, 224, 3)},
     "weights_mobilenet_v3_small_224_1.0_float.h5",
     _K + "mobilenet_v3/weights_mobilenet_v3_small_224_1.0_float.h5",
     "8768d4c2e7dee89b9d02b2d03d65d862"),
    ("MobileNetV3Large", {"minimalistic": True, "include_top": False,
                          "input_shape": (224, 224, 3)},
     "weights_mobilenet_v3_large_minimalistic_224_1.0_float_no_top_v2.h5",
     _K + "mobilenet_v3/weights_mobilenet_v3_large_minimalistic_224_1.0_float_no_top_v2.h5",
     "ec5221f64a2f6d1ef965a614bdae7973"),
]


class _Stop(Exception):
    pass


@pytest.mark.parametrize("entry", KERAS_FILES,
                         ids=["%s-%d" % (e[0], i) for i, e in enumerate(KERAS_FILES)])
def test_imagenet_weights_are_keras_files(entry, monkeypatch):
    name, kwargs, fname, url, md5 = entry
    calls = []

    def fake_fetch(fn, f, origin, file_hash=None, what="weights"):
        calls.append((f, origin, file_hash))
        raise _Stop()

    monkeypatch.setattr(_common, "fetch", fake_fetch)
    with pytest.raises(_Stop):
        getattr(A, name)(weights="imagenet", **kwargs)
    assert calls == [(fname, url, md5)]


@pytest.mark.parametrize("module", ["mobilenet", "resnet_v2", "xception", "inception_v3"])
def test_preprocess_input_scales_to_minus_one_one(module):
    x = np.random.default_rng(0).uniform(0, 255, (2, 3, 4, 3)).astype("float32")
    got = getattr(A, module).preprocess_input(x.copy())
    np.testing.assert_allclose(got, x.astype("float64") / 127.5 - 1.0, rtol=1e-6, atol=1e-6)
    assert getattr(A, module).decode_predictions is not None


def test_mobilenet_v3_preprocess_input_is_identity():
    x = np.random.default_rng(1).uniform(0, 255, (2, 3, 4, 3)).astype("float32")
    assert A.mobilenet_v3.preprocess_input(x) is x


def test_mobilenet_v3_in_model_rescaling_equals_rescaled_input():
    """include_preprocessing=True on [0, 255] pixels == the same weights without it on
    pixels / 127.5 - 1."""
    kw = dict(input_shape=(32, 32, 3), classes=5, weights=None, alpha=0.75)
    keras.backend.clear_session()
    with_pre = A.MobileNetV3Small(**kw)
    without = A.MobileNetV3Small(include_preprocessing=False, **kw)
    rng = np.random.default_rng(2)
    without.set_weights([w + rng.normal(0, 0.05, w.shape).astype(w.dtype)
                         for w in without.get_weights()])
    with_pre.set_weights(without.get_weights())
    x = rng.uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    a = with_pre.predict(x, verbose=0)
    b = without.predict(x / 127.5 - 1.0, verbose=0)
    assert a.shape == (2, 5)
    np.testing.assert_allclose(a.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_mobilenet_v3_squeeze_excite_gate_against_numpy():
    """The SE block: x * relu6(conv2(relu(conv1(mean(x)))) + 3) / 6."""
    keras.backend.clear_session()
    m = A.MobileNetV3Small(weights=None, include_top=False, input_shape=(32, 32, 3))
    pre = "expanded_conv_3_"
    inp = m.get_layer(pre + "squeeze_excite_avg_pool").input
    out = m.get_layer(pre + "squeeze_excite_mul").output
    sub = keras.Model(inp, out)
    rng = np.random.default_rng(3)
    for name in ("squeeze_excite_conv", "squeeze_excite_conv_1"):
        layer = m.get_layer(pre + name)
        layer.set_weights([rng.normal(0, 0.5, w.shape).astype("float32")
                           for w in layer.get_weights()])
    x = rng.normal(0, 1, (2,) + tuple(inp.shape[1:])).astype("float32")
    k1, b1 = [w.astype("float64") for w in m.get_layer(pre + "squeeze_excite_conv").get_weights()]
    k2, b2 = [w.astype("float64") for w in m.get_layer(pre + "squeeze_excite_conv_1").get_weights()]
    s = x.astype("float64").mean(axis=(1, 2))
    h = np.maximum(s @ k1[0, 0] + b1, 0)
    g = np.clip(h @ k2[0, 0] + b2 + 3.0, 0, 6) / 6.0
    want = x * g[:, None, None, :]
    np.testing.assert_allclose(sub.predict(x, verbose=0), want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("call, match", [
    (lambda: A.MobileNet(weights="imagenet", alpha=0.3), "alpha"),
    (lambda: A.MobileNet(weights="imagenet", depth_multiplier=2), "depth_multiplier"),
    (lambda: A.Xception(weights=None, include_top=False, input_shape=(64, 64, 3)), "71"),
    (lambda: A.InceptionV3(weights=None, include_top=False, input_shape=(70, 70, 3)), "75"),
    (lambda: A.MobileNetV3Small(weights="imagenet", minimalistic=True, alpha=0.75), "alpha"),
    (lambda: A.MobileNetV3Large(weights=None, input_shape=(16, 16, 3)), "32x32"),
    (lambda: A.ResNet50V2(weights="imagenet", classes=10), "1000"),
    (lambda: A.MobileNetV3Small(weights=None, include_top=False, pooling="sum"), "pooling"),
])
def test_argument_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_namespace():
    for name in ("MobileNet", "ResNet50V2", "ResNet101V2", "ResNet152V2", "Xception",
                 "InceptionV3", "MobileNetV3Small", "MobileNetV3Large"):
        assert name in dir(A) and callable(getattr(A, name))
    for module in ("mobilenet", "resnet_v2", "xception", "inception_v3", "mobilenet_v3"):
        assert module in dir(A)
        assert callable(getattr(A, module).preprocess_input)
