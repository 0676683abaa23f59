"""ConvLSTM1D/2D/3D: ndflow against real Keras 3, same inputs, same weights.

Each case builds the layer in both libraries from the same constructor call, gives the
Keras layer random weights, copies them into ndflow with ``set_weights`` (so the weight
shapes and order must match), then compares the outputs and the gradients of
sum(w * outputs) w.r.t. the inputs, the initial states and every weight.

TF's CPU kernels have no channels-first convolution, so ``data_format='channels_first'``
is compared with Keras channels-last on transposed data.
"""
import numpy as np
import pytest

import keras as keras_ref
import tensorflow as tf_ref
import ndflow as nd
from ndflow import keras as ndk

from _helpers import assert_close, dense_grad, flat

LIBS = {"nd": (nd, ndk), "tf": (tf_ref, keras_ref)}
RTOL, ATOL = 5e-4, 5e-5   # recurrent layers: long chains of float32 products


def data(*shape, seed=0):
    return np.random.default_rng(seed + len(shape)).normal(size=shape).astype(np.float32)


def randomize(layer, seed=0):
    rng = np.random.default_rng(seed)
    layer.set_weights([(rng.normal(size=tuple(v.shape)) * 0.4).astype(np.float32)
                       for v in layer.weights])


def run(lib, layer, inputs, kwargs, transpose=None):
    tfm = LIBS[lib][0]
    xs = [tfm.constant(a) for a in inputs]
    with tfm.GradientTape() as tape:
        for v in xs:
            tape.watch(v)
        call_kw = dict(kwargs)
        if len(xs) > 1:
            call_kw["initial_state"] = xs[1:]
        out = layer(xs[0], **call_kw)
        total = 0.0
        rng = np.random.default_rng(7)
        for o in flat(out):
            w = rng.uniform(0.5, 1.5, tuple(o.shape)).astype(np.float32)
            total = total + tfm.reduce_sum(o * tfm.constant(w))
    grads = tape.gradient(total, xs + list(layer.trainable_weights))
    return out, [dense_grad(g) for g in grads]


def compare(make, inputs, **kwargs):
    k_layer, n_layer = make(keras_ref), make(ndk)
    k_layer(tf_ref.constant(inputs[0]))
    n_layer(nd.constant(inputs[0]))
    randomize(k_layer)
    k_w = k_layer.get_weights()
    assert [tuple(w.shape) for w in n_layer.get_weights()] == [w.shape for w in k_w]
    assert [w.path for w in n_layer.weights] == [w.path for w in k_layer.weights]
    n_layer.set_weights(k_w)
    k_out, k_grads = run("tf", k_layer, inputs, kwargs)
    n_out, n_grads = run("nd", n_layer, inputs, kwargs)
    assert_close(n_out, k_out, RTOL, ATOL, what="output")
    assert_close(n_grads, k_grads, RTOL, ATOL, what="gradients (inputs, then weights)")
    return n_layer, k_layer


MASK = np.array([[1, 1, 0, 1], [0, 1, 1, 1]], bool)

CASES = {
    "1d": (lambda K: K.layers.ConvLSTM1D(3, 3), [data(2, 4, 7, 2)], {}),
    "1d-seq-same": (lambda K: K.layers.ConvLSTM1D(2, 2, padding="same",
                                                  return_sequences=True),
                    [data(2, 4, 6, 3)], {}),
    "1d-strides-state": (lambda K: K.layers.ConvLSTM1D(3, 3, strides=2, return_state=True),
                         [data(2, 3, 9, 2)], {}),
    "1d-dilated-backwards": (lambda K: K.layers.ConvLSTM1D(2, 3, dilation_rate=2,
                                                           go_backwards=True,
                                                           return_sequences=True),
                             [data(2, 4, 9, 2)], {}),
    "1d-mask": (lambda K: K.layers.ConvLSTM1D(2, 3, padding="same", return_sequences=True,
                                              return_state=True),
                [data(2, 4, 5, 3)], {"mask": MASK}),
    "1d-mask-last": (lambda K: K.layers.ConvLSTM1D(2, 3), [data(2, 4, 5, 3)],
                     {"mask": MASK[::-1]}),
    "1d-initial-state": (lambda K: K.layers.ConvLSTM1D(2, 3, return_sequences=True),
                         [data(2, 3, 6, 2), data(2, 4, 2, seed=1), data(2, 4, 2, seed=2)],
                         {}),
    "1d-hard-sigmoid-no-bias": (lambda K: K.layers.ConvLSTM1D(
        2, 2, activation="relu", recurrent_activation="hard_sigmoid", use_bias=False),
        [data(2, 3, 5, 2)], {}),
    "2d": (lambda K: K.layers.ConvLSTM2D(3, 3, return_sequences=True),
           [data(2, 3, 6, 5, 2)], {}),
    "2d-same-strides": (lambda K: K.layers.ConvLSTM2D(2, (3, 2), strides=(2, 1),
                                                      padding="same", return_state=True),
                        [data(1, 3, 7, 5, 3)], {}),
    "2d-even-kernel": (lambda K: K.layers.ConvLSTM2D(2, 2, padding="same"),
                       [data(2, 3, 4, 4, 2)], {}),
    "3d": (lambda K: K.layers.ConvLSTM3D(2, 2, return_sequences=True),
           [data(1, 3, 4, 4, 3, 2)], {}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_conv_lstm_matches_keras(name):
    make, inputs, kwargs = CASES[name]
    if "mask" in kwargs:
        kwargs = {"mask": kwargs["mask"]}
    compare(make, inputs, **kwargs)


@pytest.mark.parametrize("rank", [1, 2])
def test_channels_first_matches_keras_on_transposed_data(rank):
    shape = (2, 3) + (5,) * rank + (2,)
    xl = data(*shape)
    cls = "ConvLSTM%dD" % rank
    k_layer = getattr(keras_ref.layers, cls)(2, 3, padding="same", return_sequences=True,
                                             return_state=True)
    n_layer = getattr(ndk.layers, cls)(2, 3, padding="same", return_sequences=True,
                                       return_state=True, data_format="channels_first")
    k_layer(tf_ref.constant(xl))
    randomize(k_layer)
    perm = [0, 1, rank + 2] + list(range(2, rank + 2))
    xf = np.ascontiguousarray(xl.transpose(perm))
    n_layer(nd.constant(xf))
    n_layer.set_weights(k_layer.get_weights())
    k_out = k_layer(tf_ref.constant(xl))
    n_out = n_layer(nd.constant(xf))
    state_perm = [0, rank + 1] + list(range(1, rank + 1))
    assert_close(n_out[0], np.transpose(k_out[0].numpy(), perm), RTOL, ATOL, what="seq")
    for a, b in zip(n_out[1:], k_out[1:]):
        assert_close(a, np.transpose(b.numpy(), state_perm), RTOL, ATOL, what="state")


@pytest.mark.parametrize("cls, kw", [
    ("ConvLSTM1D", {"filters": 3, "kernel_size": 2}),
    ("ConvLSTM2D", {"filters": 4, "kernel_size": (3, 2), "strides": 2, "padding": "same",
                    "return_sequences": True, "dropout": 0.1}),
    ("ConvLSTM3D", {"filters": 2, "kernel_size": 3, "dilation_rate": 2,
                    "data_format": "channels_first", "go_backwards": True,
                    "unit_forget_bias": False}),
])
def test_get_config_matches_keras(cls, kw):
    def plain(v):
        if isinstance(v, dict) and "class_name" in v:
            # initializers: Keras 3.15 adds input_axes/output_axes to GlorotUniform's
            # config (ndflow's initializers module does not); compare the class
            return v["class_name"]
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()
                    if k not in ("module", "registered_name", "dtype", "name")}
        if isinstance(v, (list, tuple)):
            return [plain(x) for x in v]
        return v
    k_cfg = getattr(keras_ref.layers, cls)(**kw).get_config()
    n_cfg = getattr(ndk.layers, cls)(**kw).get_config()
    assert plain(n_cfg) == plain(k_cfg)
    assert list(n_cfg) == list(k_cfg)   # the same keys in the same order


def test_keras_saved_model_loads_in_ndflow(tmp_path):
    k_model = keras_ref.Sequential([keras_ref.Input((3, 6, 5, 2)),
                                    keras_ref.layers.ConvLSTM2D(2, 3, padding="same"),
                                    keras_ref.layers.Flatten(),
                                    keras_ref.layers.Dense(1)])
    randomize(k_model.layers[0])
    path = str(tmp_path / "m.keras")
    k_model.save(path)
    n_model = ndk.models.load_model(path)
    xv = data(2, 3, 6, 5, 2)
    assert_close(n_model(xv), k_model(xv), RTOL, ATOL, what="loaded model")
