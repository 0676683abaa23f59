"""Convolution, pooling and spatial reshaping layers: run_layer_test for each, outputs
against NumPy references (channels_first included)."""
import os
import sys

import numpy as np
import pytest

from ndflow import keras
from ndflow.keras import layers as L

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from layer_test_helper import run_layer_test  # noqa: E402

RNG = np.random.default_rng(7)


def ref_conv(x, w, strides, pads, dil=None):
    """Channels-last direct convolution in float64 (explicit loops over output positions)."""
    nd = w.ndim - 2
    dil = dil or (1,) * nd
    xp = np.pad(x.astype(np.float64), [(0, 0)] + list(pads) + [(0, 0)])
    k = w.shape[:nd]
    out_sp = [(xp.shape[1 + i] - (k[i] - 1) * dil[i] - 1) // strides[i] + 1 for i in range(nd)]
    y = np.zeros((x.shape[0],) + tuple(out_sp) + (w.shape[-1],))
    for o in np.ndindex(*out_sp):
        for off in np.ndindex(*k):
            idx = tuple(o[i] * strides[i] + off[i] * dil[i] for i in range(nd))
            y[(slice(None),) + o] += xp[(slice(None),) + idx] @ w[off]
    return y


def same(n, k, s, d=1):
    ke = (k - 1) * d + 1
    out = -(-n // s)
    tot = max((out - 1) * s + ke - n, 0)
    return tot // 2, tot - tot // 2


# ---- run_layer_test for every layer ------------------------------------------------------------

LAYER_CASES = [
    (L.Conv1D, {"filters": 3, "kernel_size": 3}, (2, 7, 4), (2, 5, 3), 2),
    (L.Conv1D, {"filters": 3, "kernel_size": 2, "padding": "causal", "dilation_rate": 2},
     (2, 6, 2), (2, 6, 3), 2),
    (L.Conv2D, {"filters": 4, "kernel_size": 3, "padding": "same", "strides": 2,
                "activation": "relu"}, (2, 7, 6, 3), (2, 4, 3, 4), 2),
    (L.Conv2D, {"filters": 4, "kernel_size": (2, 3), "data_format": "channels_first",
                "use_bias": False}, (2, 3, 6, 5), (2, 4, 5, 3), 1),
    (L.Conv2D, {"filters": 4, "kernel_size": 3, "groups": 2}, (2, 5, 5, 4), (2, 3, 3, 4), 2),
    (L.Conv3D, {"filters": 2, "kernel_size": 2}, (2, 3, 4, 4, 2), (2, 2, 3, 3, 2), 2),
    (L.SeparableConv1D, {"filters": 3, "kernel_size": 3, "depth_multiplier": 2},
     (2, 6, 2), (2, 4, 3), 3),
    (L.SeparableConv2D, {"filters": 5, "kernel_size": 3, "padding": "same"}, (2, 5, 5, 3),
     (2, 5, 5, 5), 3),
    (L.DepthwiseConv2D, {"kernel_size": 3, "depth_multiplier": 2}, (2, 5, 6, 3),
     (2, 3, 4, 6), 2),
    (L.Conv1DTranspose, {"filters": 3, "kernel_size": 3, "strides": 2}, (2, 4, 2),
     (2, 9, 3), 2),
    (L.Conv2DTranspose, {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"},
     (2, 3, 4, 2), (2, 6, 8, 3), 2),
    (L.Conv2DTranspose, {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same",
                         "output_padding": 1, "data_format": "channels_first"},
     (2, 3, 3, 4), (2, 2, 6, 8), 2),
]


@pytest.mark.parametrize("cls,kwargs,in_shape,out_shape,n_weights", LAYER_CASES,
                         ids=["%s-%d" % (c[0].__name__, i) for i, c in enumerate(LAYER_CASES)])
def test_conv_layer(cls, kwargs, in_shape, out_shape, n_weights):
    run_layer_test(cls, kwargs, input_shape=in_shape, expected_output_shape=out_shape,
                   expected_num_trainable_weights=n_weights,
                   expected_num_non_trainable_weights=0)


POOL_CASES = [
    (L.MaxPooling1D, {}, (2, 7, 3), (2, 3, 3)),
    (L.AveragePooling1D, {"pool_size": 3, "strides": 1, "padding": "same"}, (2, 5, 2),
     (2, 5, 2)),
    (L.MaxPooling2D, {"pool_size": 2}, (2, 6, 5, 3), (2, 3, 2, 3)),
    (L.MaxPooling2D, {"pool_size": 3, "strides": 2, "padding": "same",
                      "data_format": "channels_first"}, (2, 3, 7, 5), (2, 3, 4, 3)),
    (L.AveragePooling2D, {"pool_size": (2, 3)}, (2, 6, 6, 2), (2, 3, 2, 2)),
    (L.MaxPooling3D, {}, (1, 4, 4, 5, 2), (1, 2, 2, 2, 2)),
    (L.AveragePooling3D, {"pool_size": 2, "padding": "same"}, (1, 3, 4, 4, 2),
     (1, 2, 2, 2, 2)),
    (L.GlobalMaxPooling1D, {}, (2, 5, 3), (2, 3)),
    (L.GlobalAveragePooling1D, {"keepdims": True}, (2, 5, 3), (2, 1, 3)),
    (L.GlobalMaxPooling2D, {"data_format": "channels_first"}, (2, 3, 4, 5), (2, 3)),
    (L.GlobalAveragePooling2D, {}, (2, 4, 5, 3), (2, 3)),
    (L.GlobalAveragePooling3D, {"keepdims": True}, (2, 2, 3, 4, 3), (2, 1, 1, 1, 3)),
    (L.GlobalMaxPooling3D, {}, (2, 2, 3, 4, 3), (2, 3)),
    (L.UpSampling1D, {"size": 3}, (2, 4, 3), (2, 12, 3)),
    (L.UpSampling2D, {"size": (2, 3)}, (2, 3, 4, 2), (2, 6, 12, 2)),
    (L.UpSampling2D, {"interpolation": "bilinear"}, (2, 3, 4, 2), (2, 6, 8, 2)),
    (L.ZeroPadding1D, {"padding": (1, 2)}, (2, 4, 3), (2, 7, 3)),
    (L.ZeroPadding2D, {"padding": ((1, 0), (2, 3))}, (2, 3, 4, 2), (2, 4, 9, 2)),
    (L.ZeroPadding2D, {"padding": 1, "data_format": "channels_first"}, (2, 2, 3, 4),
     (2, 2, 5, 6)),
    (L.Cropping1D, {"cropping": (1, 2)}, (2, 6, 3), (2, 3, 3)),
    (L.Cropping2D, {"cropping": ((1, 1), (0, 2))}, (2, 5, 6, 2), (2, 3, 4, 2)),
]


@pytest.mark.parametrize("cls,kwargs,in_shape,out_shape", POOL_CASES,
                         ids=["%s-%d" % (c[0].__name__, i) for i, c in enumerate(POOL_CASES)])
def test_pool_and_reshaping_layer(cls, kwargs, in_shape, out_shape):
    run_layer_test(cls, kwargs, input_shape=in_shape, expected_output_shape=out_shape,
                   expected_num_trainable_weights=0, expected_num_non_trainable_weights=0)


# ---- outputs against NumPy ------------------------------------------------------------------------

def test_conv2d_layer_matches_reference_both_formats():
    x = RNG.normal(size=(2, 7, 6, 3)).astype(np.float32)
    layer = L.Conv2D(4, (3, 2), strides=(2, 1), padding="same", dilation_rate=1,
                     activation="relu", bias_initializer="random_normal")
    y = layer(x).numpy()
    k, b = layer.kernel.numpy(), layer.bias.numpy()
    ref = np.maximum(ref_conv(x, k, (2, 1), [same(7, 3, 2), same(6, 2, 1)]) + b, 0)
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-5)
    cf = L.Conv2D(4, (3, 2), strides=(2, 1), padding="same", activation="relu",
                  data_format="channels_first")
    cf.build((None, 3, 7, 6))
    cf.set_weights([k, b])
    yf = cf(x.transpose(0, 3, 1, 2)).numpy()
    np.testing.assert_allclose(yf, ref.transpose(0, 3, 1, 2), rtol=1e-4, atol=1e-5)


def test_conv1d_causal_and_dilation_reference():
    x = RNG.normal(size=(2, 8, 2)).astype(np.float32)
    layer = L.Conv1D(3, 3, padding="causal", dilation_rate=2)
    y = layer(x).numpy()
    ref = ref_conv(x, layer.kernel.numpy(), (1,), [(4, 0)], (2,)) + layer.bias.numpy()
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-5)
    # causal: output t never depends on inputs after t
    x2 = x.copy()
    x2[:, 5:] += 10
    np.testing.assert_allclose(layer(x2).numpy()[:, :5], y[:, :5], rtol=1e-5)


def test_depthwise_and_separable_layers_reference():
    x = RNG.normal(size=(2, 5, 5, 3)).astype(np.float32)
    dw = L.DepthwiseConv2D(3, depth_multiplier=2, padding="same", use_bias=False)
    y = dw(x).numpy()
    k = dw.depthwise_kernel.numpy()          # (3, 3, 3, 2)
    ref = np.zeros((2, 5, 5, 6))
    for c in range(3):
        for m in range(2):
            ref[..., c * 2 + m] = ref_conv(x[..., c:c + 1], k[:, :, c:c + 1, m:m + 1], (1, 1),
                                           [(1, 1), (1, 1)])[..., 0]
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-5)
    sep = L.SeparableConv2D(4, 3, padding="same", depth_multiplier=2)
    sep.build(x.shape)
    sep.set_weights([k, RNG.normal(size=(1, 1, 6, 4)), RNG.normal(size=(4,))])
    ys = sep(x).numpy()
    np.testing.assert_allclose(ys, ref @ sep.pointwise_kernel.numpy()[0, 0] + sep.bias.numpy(),
                               rtol=1e-4, atol=1e-4)


def test_conv2d_transpose_is_the_adjoint_of_conv2d():
    """<conv(x, w), y> == <x, conv_transpose(y, w)> for the layers' own geometry."""
    x = RNG.normal(size=(2, 6, 8, 3))
    ct = L.Conv2DTranspose(3, 3, strides=2, padding="same", use_bias=False, dtype="float64")
    y = RNG.normal(size=(2, 3, 4, 3))
    out = ct(y).numpy()
    assert out.shape == (2, 6, 8, 3)
    w = ct.kernel.numpy()        # (kh, kw, filters, in_channels)
    fwd = ref_conv(x, w, (2, 2), [same(6, 3, 2), same(8, 3, 2)])
    np.testing.assert_allclose((fwd * y).sum(), (x * out).sum(), rtol=1e-10)


def test_pooling_layer_values():
    x = RNG.normal(size=(2, 4, 6, 3)).astype(np.float32)
    y = L.MaxPooling2D((2, 3))(x).numpy()
    ref = x.reshape(2, 2, 2, 2, 3, 3).max(axis=(2, 4))
    np.testing.assert_allclose(y, ref)
    ya = L.AveragePooling2D(2, data_format="channels_first")(x.transpose(0, 3, 1, 2)).numpy()
    refa = x.reshape(2, 2, 2, 3, 2, 3).mean(axis=(2, 4)).transpose(0, 3, 1, 2)
    np.testing.assert_allclose(ya, refa, rtol=1e-6)
    g = L.GlobalAveragePooling2D(keepdims=True)(x).numpy()
    np.testing.assert_allclose(g, x.mean(axis=(1, 2), keepdims=True), rtol=1e-6)


def test_upsampling_zero_padding_cropping_values():
    x = RNG.normal(size=(1, 2, 3, 1)).astype(np.float32)
    up = L.UpSampling2D((2, 2))(x).numpy()
    np.testing.assert_array_equal(up[0, :, :, 0], np.repeat(np.repeat(x[0, :, :, 0], 2, 0),
                                                            2, 1))
    zp = L.ZeroPadding2D(((1, 0), (0, 2)))(x).numpy()
    assert zp.shape == (1, 3, 5, 1) and zp[0, 0].sum() == 0 and zp[0, :, 3:].sum() == 0
    np.testing.assert_array_equal(zp[0, 1:, :3], x[0])
    cr = L.Cropping2D(((1, 0), (1, 1)))(x).numpy()
    np.testing.assert_array_equal(cr, x[:, 1:, 1:2])
    # bilinear with half-pixel centres: upsampling a ramp by 2 interpolates between samples
    ramp = np.arange(4, dtype=np.float32).reshape(1, 1, 4, 1)
    bl = L.UpSampling2D((1, 2), interpolation="bilinear")(ramp).numpy()[0, 0, :, 0]
    np.testing.assert_allclose(bl, [0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3], rtol=1e-6)


def test_small_cnn_trains_and_flattens():
    keras.utils.set_random_seed(3)
    x = RNG.normal(size=(64, 8, 8, 1)).astype(np.float32)
    y = (x[:, :4].mean(axis=(1, 2, 3)) > x[:, 4:].mean(axis=(1, 2, 3))).astype(np.int64)
    model = keras.Sequential([
        keras.Input((8, 8, 1)),
        L.Conv2D(8, 3, padding="same", activation="relu"),
        L.MaxPooling2D(),
        L.Conv2D(8, 3, activation="relu"),
        L.Flatten(),
        L.Dense(2, activation="softmax"),
    ])
    assert model.output_shape == (None, 2)
    assert model.layers[1].output_shape == (None, 4, 4, 8)
    assert model.layers[2].output_shape == (None, 2, 2, 8)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    hist = model.fit(x, y, epochs=40, batch_size=16, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0] * 0.7
    assert hist.history["accuracy"][-1] > 0.8


def test_conv_layer_errors():
    with pytest.raises(ValueError, match="rank 4"):
        L.Conv2D(2, 3)(np.zeros((2, 5, 5), np.float32))
    with pytest.raises(ValueError, match="padding"):
        L.Conv2D(2, 3, padding="causal")
    with pytest.raises(ValueError, match="kernel_size"):
        L.Conv2D(2, (3, 3, 3))
    with pytest.raises(ValueError, match="groups"):
        L.Conv2D(3, 3, groups=2)
    with pytest.raises(ValueError, match="data_format"):
        L.MaxPooling2D(data_format="NHWC")


# ---- normalization and spatial dropout --------------------------------------------------------

def test_group_unit_normalization_and_spatial_dropout_layer_tests():
    run_layer_test(L.GroupNormalization, {"groups": 2}, input_shape=(2, 3, 3, 4),
                   expected_output_shape=(2, 3, 3, 4), expected_num_trainable_weights=2)
    run_layer_test(L.GroupNormalization, {"groups": 3, "axis": 1, "scale": False},
                   input_shape=(2, 6, 5), expected_output_shape=(2, 6, 5),
                   expected_num_trainable_weights=1)
    run_layer_test(L.UnitNormalization, {"axis": [1, 2]}, input_shape=(2, 3, 4),
                   expected_output_shape=(2, 3, 4), expected_num_trainable_weights=0)
    run_layer_test(L.SpatialDropout1D, {"rate": 0.5}, input_shape=(2, 5, 3),
                   expected_output_shape=(2, 5, 3), expected_num_trainable_weights=0)
    run_layer_test(L.SpatialDropout2D, {"rate": 0.3, "data_format": "channels_first"},
                   input_shape=(2, 3, 4, 4), expected_output_shape=(2, 3, 4, 4),
                   expected_num_trainable_weights=0)


def test_group_normalization_reference():
    x = RNG.normal(size=(2, 3, 4, 6)) * 3 + 1
    layer = L.GroupNormalization(groups=3, epsilon=1e-3, dtype="float64")
    layer.build(x.shape)
    gamma, beta = RNG.normal(size=6), RNG.normal(size=6)
    layer.set_weights([gamma, beta])
    xg = x.reshape(2, 3, 4, 3, 2)
    mean = xg.mean(axis=(1, 2, 4), keepdims=True)
    var = xg.var(axis=(1, 2, 4), keepdims=True)
    ref = ((xg - mean) / np.sqrt(var + 1e-3)).reshape(x.shape) * gamma + beta
    np.testing.assert_allclose(layer(x).numpy(), ref, atol=1e-10)
    with pytest.raises(ValueError, match="multiple of groups"):
        L.GroupNormalization(groups=4)(np.zeros((1, 2, 6), np.float32))


def test_unit_normalization_and_spatial_dropout_values():
    x = RNG.normal(size=(3, 5)).astype(np.float32)
    y = L.UnitNormalization()(x).numpy()
    np.testing.assert_allclose(y, x / np.linalg.norm(x, axis=1, keepdims=True), rtol=1e-5)
    keras.utils.set_random_seed(0)
    z = np.ones((4, 6, 5, 8), np.float32)
    out = L.SpatialDropout2D(0.5)(z, training=True).numpy()
    # each (sample, channel) map is all kept (scaled by 2) or all dropped
    per_map = out.reshape(4, 30, 8)
    assert np.all((per_map == per_map[:, :1]).all(axis=1))
    assert set(np.unique(out)) <= {0.0, 2.0} and 0 < out.mean() < 2
    np.testing.assert_array_equal(L.SpatialDropout1D(0.5)(z[:, 0]).numpy(), z[:, 0])
