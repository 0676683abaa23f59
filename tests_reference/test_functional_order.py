"""Functional models list their layers (and so their weights) in Keras' order: the order
``get_weights``/``set_weights`` and positional legacy ``.h5`` loading rely on."""
import numpy as np
import pytest

import keras as keras_ref
from ndflow import keras as ndk

from _helpers import assert_close


def _branches(K, p=""):
    i1 = K.Input((8,), name=p + "i1")
    i2 = K.Input((3,), name=p + "i2")
    x = K.layers.Dense(4, name=p + "x")(i2)
    y = K.layers.Dense(4, name=p + "y")(i1)
    y2 = K.layers.Dense(4, name=p + "y2")(y)
    y3 = K.layers.Dense(4, name=p + "y3")(y2)
    z = K.layers.Add(name=p + "z")([x, y3])
    return K.Model([i1, i2], [K.layers.Dense(1, name=p + "o1")(z),
                              K.layers.Dense(1, name=p + "o2")(y)])


def _shared(K, p=""):
    inp = K.Input((8,), name=p + "inp")
    shared = K.layers.Dense(8, name=p + "shared")
    q = K.layers.Dense(8, name=p + "q")(inp)
    s = K.layers.Add(name=p + "s")([shared(inp), shared(q)])
    return K.Model(inp, [K.layers.Dense(2, name=p + "t")(s), q])


def _residual(K, p=""):
    inp = K.Input((8, 8, 3), name=p + "inp")
    x = K.layers.Conv2D(4, 3, padding="same", name=p + "c1")(inp)
    y = K.layers.Conv2D(4, 1, name=p + "short")(inp)
    x = K.layers.BatchNormalization(name=p + "bn")(x)
    x = K.layers.Activation("relu", name=p + "act")(x)
    x = K.layers.Conv2D(4, 3, padding="same", name=p + "c2")(x)
    z = K.layers.Add(name=p + "add")([x, y])
    return K.Model(inp, K.layers.GlobalAveragePooling2D(name=p + "gap")(z))


BUILDERS = {"branches": (_branches, [np.ones((2, 8), "float32"), np.ones((2, 3), "float32")]),
            "shared": (_shared, np.ones((2, 8), "float32")),
            "residual": (_residual, np.ones((2, 8, 8, 3), "float32"))}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_layer_and_weight_order_match_keras(name):
    build, _ = BUILDERS[name]
    k_model, n_model = build(keras_ref), build(ndk)
    assert [l.name for l in n_model.layers] == [l.name for l in k_model.layers]
    assert [w.path for w in n_model.weights] == [w.path for w in k_model.weights]


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_positional_weights_and_legacy_h5_carry_over(name, tmp_path):
    build, x = BUILDERS[name]
    k_model = build(keras_ref)
    rng = np.random.default_rng(1)
    k_model.set_weights([rng.uniform(0.5, 1.5, size=w.shape).astype("float32")
                         for w in k_model.get_weights()])
    n_model = build(ndk)
    n_model.set_weights(k_model.get_weights())
    assert_close(n_model.predict(x, verbose=0), k_model.predict(x, verbose=0), what=name)
    # a legacy HDF5 file read into a model whose layer names all differ: by position
    k_model.save(str(tmp_path / "k.h5"))
    n2 = build(ndk, "other_")
    n2.load_weights(str(tmp_path / "k.h5"))
    assert_close(n2.predict(x, verbose=0), k_model.predict(x, verbose=0), what=name)
