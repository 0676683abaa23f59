"""keras.applications against the real Keras: the same architectures (layer names and order,
weight shapes, parameter counts), weight files written by Keras loaded into ndflow give
the same predictions, and the same preprocessing and decoding.

Keras' ImageNet files (``*_tf_dim_ordering_tf_kernels*.h5``) use the legacy HDF5 layout:
``layer_names`` at the root, loaded layer by layer in order. The test writes a model with
random weights in exactly that layout (Keras' own legacy writer) and loads it through the
``weights=`` argument of the ndflow application, as ``weights='imagenet'`` does after the
download; ``.weights.h5`` (Keras 3) and whole-model ``.h5`` files are loaded too.
"""
import os

import h5py
import numpy as np
import pytest

import keras as keras_ref
import tensorflow as tf_ref
from keras.src.applications import imagenet_utils as keras_imagenet_utils
from keras.src.legacy.saving import legacy_h5_format

import ndflow as nd
from ndflow import keras as ndk
from ndflow.keras.applications import imagenet_utils as nd_imagenet_utils

from _helpers import assert_close


def randomize(model, seed=0):
    """Random weights for a Keras model: kernels keep a He-like scale so the deep nets
    neither explode nor vanish; every bias, BN parameter and statistic is non-trivial."""
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
            fan_in = shape[0] * shape[1] if len(shape) == 4 and shape[-1] == 1 else \
                int(np.prod(shape[:-1]))
            values.append(rng.normal(0, np.sqrt(2.0 / fan_in), shape).astype("float32"))
    model.set_weights(values)
    for layer in model.layers:
        # Keras' Normalization computes from its statistics once (build, load): set_weights
        # alone leaves it normalizing with the old ones
        if isinstance(layer, keras_ref.layers.Normalization):
            layer.finalize_state()
    return model


CASES = [
    ("MobileNetV2", {"include_top": False, "input_shape": (64, 64, 3), "pooling": "avg"}),
    ("MobileNetV2", {"input_shape": (64, 64, 3), "classes": 10}),
    ("ResNet50", {"include_top": False, "input_shape": (64, 64, 3), "pooling": "avg"}),
    ("ResNet50", {"input_shape": (64, 64, 3), "classes": 10}),
    ("VGG16", {"include_top": False, "input_shape": (32, 32, 3), "pooling": "max"}),
    ("EfficientNetB0", {"include_top": False, "input_shape": (64, 64, 3), "pooling": "avg"}),
    ("DenseNet121", {"include_top": False, "input_shape": (32, 32, 3), "pooling": "avg"}),
]
# the cases also read from Keras 3 .weights.h5 and whole-model .h5 files (the legacy
# layout of the ImageNet files is read in every case)
ALL_FORMATS = {"MobileNetV2-notop", "ResNet50-notop", "EfficientNetB0-notop"}


def _case_id(case):
    name, kw = case
    return name + ("-top" if kw.get("include_top", True) else "-notop")


def write_legacy_weights(model, path):
    """The layout of Keras' ImageNet weight files (root ``layer_names``)."""
    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_keras_weight_files_give_keras_predictions(case, tmp_path):
    name, kwargs = case
    keras_ref.backend.clear_session()
    k_model = randomize(getattr(keras_ref.applications, name)(weights=None, **kwargs))
    size = kwargs["input_shape"][0]
    x = np.random.default_rng(1).uniform(0, 255, (2, size, size, 3)).astype("float32")
    want = k_model.predict(x, verbose=0)
    scale = float(np.abs(want).max())

    ndk.backend.clear_session()
    legacy = str(tmp_path / "legacy.h5")
    write_legacy_weights(k_model, legacy)
    n_model = getattr(ndk.applications, name)(weights=legacy, **kwargs)
    assert [l.name for l in n_model.layers[1:]] == [l.name for l in k_model.layers[1:]]
    assert [tuple(w.shape) for w in n_model.weights] == [tuple(w.shape)
                                                         for w in k_model.weights]
    assert n_model.count_params() == k_model.count_params()
    assert_close(n_model.predict(x, verbose=0), want, rtol=1e-4, atol=1e-4 * scale,
                 what=name + " legacy .h5")
    if _case_id(case) not in ALL_FORMATS:
        return

    keras3 = str(tmp_path / "k.weights.h5")
    k_model.save_weights(keras3)
    ndk.backend.clear_session()     # Keras 3 files key layers by name: normalization
    n2 = getattr(ndk.applications, name)(weights=None, **kwargs)
    n2.load_weights(keras3)
    assert_close(n2.predict(x, verbose=0), want, rtol=1e-4, atol=1e-4 * scale,
                 what=name + " .weights.h5")

    whole = str(tmp_path / "k.h5")
    k_model.save(whole)
    ndk.backend.clear_session()
    n3 = getattr(ndk.applications, name)(weights=None, **kwargs)
    n3.load_weights(whole)
    assert_close(n3.predict(x, verbose=0), want, rtol=1e-4, atol=1e-4 * scale,
                 what=name + " model .h5")


ARCHITECTURES = [
    ("MobileNetV2", {}), ("MobileNetV2", {"alpha": 0.75, "include_top": False,
                                          "input_shape": (128, 128, 3)}),
    ("ResNet101", {}), ("VGG19", {"include_top": False, "pooling": "avg"}),
    ("EfficientNetB3", {}), ("DenseNet169", {"include_top": False, "pooling": "max"}),
]


def compare_architectures(case, weight_layers=True):
    """The ndflow and Keras models of ``case``: same name, layer names, weights in order
    (the layer of each and its shape, or only the shape with ``weight_layers=False``),
    parameter count and output shape."""
    name, kwargs = case
    keras_ref.backend.clear_session()
    ndk.backend.clear_session()
    k_model = getattr(keras_ref.applications, name)(weights=None, **kwargs)
    n_model = getattr(ndk.applications, name)(weights=None, **kwargs)

    def weights(model):
        return [(w.path.split("/")[0] if weight_layers else None, tuple(w.shape))
                for w in model.weights]

    assert n_model.name == k_model.name
    assert [l.name for l in n_model.layers[1:]] == [l.name for l in k_model.layers[1:]]
    assert weights(n_model) == weights(k_model)
    assert n_model.count_params() == k_model.count_params()
    assert tuple(n_model.output.shape) == tuple(k_model.output.shape)


@pytest.mark.parametrize("case", ARCHITECTURES, ids=[c[0] for c in ARCHITECTURES])
def test_architectures(case):
    compare_architectures(case)


MODULES = ["mobilenet_v2", "resnet", "resnet50", "vgg16", "vgg19", "densenet",
           "efficientnet"]


@pytest.mark.parametrize("module", MODULES)
def test_preprocess_input(module):
    k_fn = getattr(keras_ref.applications, module).preprocess_input
    n_fn = getattr(ndk.applications, module).preprocess_input
    rng = np.random.default_rng(2)
    x = rng.uniform(0, 255, (2, 5, 4, 3)).astype("float32")
    k_in, n_in = x.copy(), x.copy()
    assert_close(n_fn(n_in), k_fn(k_in), what=module)
    assert_close(n_in, k_in, what=module + " (the input after the call)")   # in place
    ints = rng.integers(0, 256, (5, 4, 3)).astype("uint8")
    assert_close(n_fn(ints), k_fn(ints), what=module + " uint8")
    assert_close(n_fn(nd.constant(x)), k_fn(tf_ref.constant(x)), what=module + " tensor")


@pytest.mark.parametrize("mode", ["caffe", "tf", "torch"])
@pytest.mark.parametrize("data_format", ["channels_first", "channels_last"])
def test_imagenet_utils_preprocess_input(mode, data_format):
    x = np.random.default_rng(3).uniform(0, 255, (2, 3, 4, 3)).astype("float32")
    for batch in (x, x[0]):
        got = nd_imagenet_utils.preprocess_input(batch.copy(), data_format, mode)
        want = keras_imagenet_utils.preprocess_input(batch.copy(), data_format, mode)
        assert_close(got, want, what="%s %s" % (mode, data_format))
        got = nd_imagenet_utils.preprocess_input(nd.constant(batch), data_format, mode)
        want = keras_imagenet_utils.preprocess_input(tf_ref.constant(batch), data_format, mode)
        assert_close(got, want, what="%s %s tensor" % (mode, data_format))


def test_decode_predictions(monkeypatch):
    index = {str(i): ["n%08d" % i, "class %d" % i] for i in range(1000)}
    monkeypatch.setattr(keras_imagenet_utils, "CLASS_INDEX", index)
    monkeypatch.setattr(nd_imagenet_utils, "CLASS_INDEX", index)
    preds = np.random.default_rng(4).dirichlet(np.ones(1000), size=3).astype("float32")
    for top in (1, 5, 20):
        got = ndk.applications.resnet50.decode_predictions(preds, top=top)
        want = keras_ref.applications.resnet50.decode_predictions(preds, top=top)
        assert [[r[:2] for r in row] for row in got] == [[r[:2] for r in row] for row in want]
        assert_close([[r[2] for r in row] for row in got], [[r[2] for r in row] for row in want])


def test_keras_rejects_what_ndflow_rejects():
    """The argument errors of ndflow's tests are errors in Keras too."""
    calls = [
        dict(weights="imagenet", input_shape=(64, 64, 3)),
        dict(weights="imagenet", classes=10),
        dict(weights=os.path.join("no", "such", "file.h5")),
        dict(weights=None, include_top=False, input_shape=(16, 16, 3)),
        dict(weights="imagenet", include_top=False, input_shape=(64, 64, 1)),
        dict(weights=None, input_shape=(None, None, 3)),
    ]
    for kwargs in calls:
        with pytest.raises(ValueError):
            keras_ref.applications.ResNet50(**kwargs)
        with pytest.raises(ValueError):
            ndk.applications.ResNet50(**kwargs)


def test_keras_models_with_an_adapted_normalization_load(tmp_path):
    """EfficientNet's first layers: Keras 3 saves Normalization's count too."""
    data = np.random.default_rng(5).uniform(0, 255, (20, 3)).astype("float32")
    norm = keras_ref.layers.Normalization()
    norm.adapt(data)
    k_model = keras_ref.Sequential([keras_ref.Input((3,)), norm, keras_ref.layers.Dense(2)])
    want = k_model.predict(data, verbose=0)
    for name in ("k.keras", "k.h5"):
        path = str(tmp_path / name)
        k_model.save(path)
        assert_close(ndk.models.load_model(path).predict(data, verbose=0), want, what=name)


# MobileNet, ResNetV2, Xception, InceptionV3, MobileNetV3: Keras-written weights give
# Keras' predictions (same layer names / weight shapes checked inside)
EXTRA_CASES = [
    ("MobileNet", {"include_top": False, "input_shape": (64, 64, 3), "pooling": "avg",
                   "alpha": 0.5}),
    ("MobileNet", {"input_shape": (64, 64, 3), "classes": 10}),
    ("ResNet50V2", {"input_shape": (64, 64, 3), "classes": 10}),
    ("Xception", {"include_top": False, "input_shape": (71, 71, 3), "pooling": "avg"}),
    ("InceptionV3", {"include_top": False, "input_shape": (75, 75, 3), "pooling": "max"}),
    ("MobileNetV3Small", {"input_shape": (64, 64, 3), "classes": 10}),
    ("MobileNetV3Large", {"include_top": False, "input_shape": (64, 64, 3),
                          "pooling": "avg", "minimalistic": True}),
]


@pytest.mark.parametrize("case", EXTRA_CASES, ids=[_case_id(c) for c in EXTRA_CASES])
def test_extra_keras_weight_files_give_keras_predictions(case, tmp_path):
    test_keras_weight_files_give_keras_predictions(case, tmp_path)


EXTRA_ARCHITECTURES = [
    ("MobileNet", {}), ("MobileNet", {"alpha": 0.75, "depth_multiplier": 2,
                                      "include_top": False, "pooling": "max"}),
    ("ResNet50V2", {}), ("ResNet101V2", {"include_top": False}),
    ("ResNet152V2", {"include_top": False, "pooling": "avg"}),
    ("Xception", {}), ("InceptionV3", {}),
    ("MobileNetV3Small", {}), ("MobileNetV3Large", {}),
    ("MobileNetV3Small", {"minimalistic": True, "alpha": 0.75, "include_top": False,
                          "pooling": "max", "include_preprocessing": False}),
    ("MobileNetV3Large", {"alpha": 1.25, "dropout_rate": 0.0}),
]


@pytest.mark.parametrize("case", EXTRA_ARCHITECTURES,
                         ids=["%s-%d" % (c[0], i) for i, c in enumerate(EXTRA_ARCHITECTURES)])
def test_extra_architectures(case):
    compare_architectures(case)


@pytest.mark.parametrize("module", ["mobilenet", "resnet_v2", "xception", "inception_v3",
                                    "mobilenet_v3"])
def test_extra_preprocess_input(module):
    test_preprocess_input(module)


# ConvNeXt, EfficientNetV2, InceptionResNetV2, NASNet: Keras-written weights give Keras'
# predictions (layer names, weight shapes and parameter counts checked inside). ndflow
# names the weights of a nested Sequential (ConvNeXt's stem and downsampling blocks)
# after their own layer, Keras after the Sequential too: the architecture check below
# compares weight shapes in order.
MORE_CASES = [
    ("ConvNeXtTiny", {"include_top": False, "input_shape": (64, 64, 3), "pooling": "avg"}),
    ("ConvNeXtTiny", {"input_shape": (32, 32, 3), "classes": 10}),
    ("EfficientNetV2B0", {"input_shape": (64, 64, 3), "classes": 10}),

]
# (EfficientNetV2S is checked by architecture only: with these random weights its
# activations reach 1e5 and float32 rounding alone moves its squeeze-and-excitation
# gates by more than the tolerance)


@pytest.mark.parametrize("case", MORE_CASES, ids=[_case_id(c) for c in MORE_CASES])
def test_more_keras_weight_files_give_keras_predictions(case, tmp_path):
    test_keras_weight_files_give_keras_predictions(case, tmp_path)


MORE_ARCHITECTURES = [
    ("ConvNeXtTiny", {}), ("ConvNeXtSmall", {"include_top": False, "pooling": "max"}),
    ("ConvNeXtBase", {"include_preprocessing": False}),
    ("ConvNeXtLarge", {"include_top": False}), ("ConvNeXtXLarge", {}),
    ("EfficientNetV2B0", {}), ("EfficientNetV2B1", {"include_top": False}),
    ("EfficientNetV2B2", {"include_preprocessing": False}),
    ("EfficientNetV2B3", {"include_top": False, "pooling": "max"}),
    ("EfficientNetV2S", {}), ("EfficientNetV2M", {"include_top": False}),
    ("EfficientNetV2L", {}),
]


@pytest.mark.parametrize("case", MORE_ARCHITECTURES,
                         ids=["%s-%d" % (c[0], i) for i, c in enumerate(MORE_ARCHITECTURES)])
def test_more_architectures(case):
    compare_architectures(case, weight_layers=False)


@pytest.mark.parametrize("module", ["convnext", "efficientnet_v2"])
def test_more_preprocess_input(module):
    test_preprocess_input(module)


IRV2_NASNET_ARCHITECTURES = [
    ("InceptionResNetV2", {}), ("InceptionResNetV2", {"include_top": False, "pooling": "avg"}),
    ("NASNetMobile", {}), ("NASNetMobile", {"include_top": False}),
    ("NASNetLarge", {"include_top": False, "pooling": "max"}),
]


@pytest.mark.parametrize("case", IRV2_NASNET_ARCHITECTURES,
                         ids=["%s-%d" % (c[0], i)
                              for i, c in enumerate(IRV2_NASNET_ARCHITECTURES)])
def test_inception_resnet_v2_and_nasnet_architectures(case):
    # NASNet's Keras weights live under name scopes, not layer names: shapes only
    compare_architectures(case, weight_layers=case[0] == "InceptionResNetV2")
