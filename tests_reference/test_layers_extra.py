"""Keras 3 layers of ndflow/keras/layers/layers_extra.py and spatial_extra.py against real
Keras: same weights in, same outputs (and weight shapes/names/order) out."""
import numpy as np
import pytest

import keras as keras_ref
from ndflow import keras as ndk

from _helpers import assert_close, to_np


def _compare(make, inputs, call_kwargs=None, same_weights=True, rtol=1e-4, atol=1e-5):
    call_kwargs = call_kwargs or {}
    ref = make(keras_ref.layers)
    mine = make(ndk.layers)
    args = inputs if isinstance(inputs, tuple) else (inputs,)
    want = ref(*args, **call_kwargs)
    mine(*args, **call_kwargs)
    rw = ref.get_weights()
    assert [tuple(w.shape) for w in mine.weights] == [tuple(w.shape) for w in rw]
    assert [w.path.split("/")[-1] for w in mine.weights] == \
        [w.path.split("/")[-1] for w in ref.weights]
    if same_weights:
        rng = np.random.default_rng(0)
        new = [rng.normal(size=w.shape).astype(w.dtype) * 0.5 for w in rw]
        ref.set_weights(new)
        mine.set_weights(new)
        want = ref(*args, **call_kwargs)
    got = mine(*args, **call_kwargs)
    assert_close(got, want, rtol=rtol, atol=atol, what=type(ref).__name__)
    for k in ref.get_config():
        if k in ("dtype",):
            continue
        assert k in mine.get_config(), "%s: config lacks %r" % (type(ref).__name__, k)
    return mine, ref


RNG = np.random.default_rng(42)
X3 = RNG.normal(size=(2, 5, 6)).astype("float32")
X4 = RNG.normal(size=(2, 7, 6, 3)).astype("float32")
X5 = RNG.normal(size=(2, 5, 4, 6, 2)).astype("float32")


def test_rms_normalization():
    _compare(lambda L: L.RMSNormalization(epsilon=1e-3), X3)


@pytest.mark.parametrize("eq,shape,bias", [
    ("abc,cd->abd", (None, 4), "d"), ("ab,bc->ac", 3, None),
    ("abc,cde->abde", (5, 2, 3), "de"), ("abc,cde->abde", (5, 2, 3), "d"),
    ("...b,bc->...c", 4, "c"), ("abc,cd->abd", (5, 4), None)])
def test_einsum_dense(eq, shape, bias):
    x = X3 if eq != "ab,bc->ac" else X3[:, 0]
    mine, ref = _compare(lambda L: L.EinsumDense(eq, output_shape=shape, bias_axes=bias,
                                                 activation="tanh"), x)
    assert mine.get_config()["output_shape"] == ref.get_config()["output_shape"]


@pytest.mark.parametrize("causal", [False, True])
def test_group_query_attention(causal):
    q = X3
    v = RNG.normal(size=(2, 4, 7)).astype("float32") if not causal else X3
    _compare(lambda L: L.GroupQueryAttention(head_dim=3, num_query_heads=4,
                                             num_key_value_heads=2), (q, v),
             {"use_causal_mask": causal})


def test_group_query_attention_scores_and_mask():
    mask = np.ones((2, 5, 5), bool)
    mask[:, :, 3:] = False
    mine, ref = _compare(lambda L: L.GroupQueryAttention(head_dim=2, num_query_heads=2,
                                                         num_key_value_heads=1), (X3, X3),
                         {"attention_mask": mask, "return_attention_scores": True})


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("kind", ["Average", "Max"])
@pytest.mark.parametrize("fmt", ["channels_last", "channels_first"])
def test_adaptive_pooling(rank, kind, fmt):
    x = {1: X3, 2: X4, 3: X5}[rank]
    out = (3, 4, 2)[:rank]
    _compare(lambda L: getattr(L, "Adaptive%sPooling%dD" % (kind, rank))(out, data_format=fmt),
             x)


def test_3d_reshaping():
    _compare(lambda L: L.UpSampling3D((2, 1, 3)), X5)
    _compare(lambda L: L.ZeroPadding3D(((1, 0), 2, (0, 1))), X5)
    _compare(lambda L: L.Cropping3D(((1, 0), (1, 2), 1)), X5)
    _compare(lambda L: L.Cropping3D(((1, 0), (1, 0), (0, 1)), data_format="channels_first"), X5)


@pytest.mark.parametrize("kwargs", [{"kernel_size": 3}, {"kernel_size": 2, "strides": 2,
                                                         "depth_multiplier": 2,
                                                         "padding": "same"}])
def test_depthwise_conv1d(kwargs):
    _compare(lambda L: L.DepthwiseConv1D(**kwargs), X3)


def test_alpha_dropout_inference():
    _compare(lambda L: L.AlphaDropout(0.3), X3)


def test_spectral_normalization():
    mine, ref = _compare(lambda L: L.SpectralNormalization(L.Dense(4), power_iterations=3),
                         X3, {"training": True})
    assert_close(mine.layer.kernel, ref.layer.kernel, what="normalized kernel")
    assert_close(mine.vector_u, ref.vector_u, what="vector_u")


@pytest.mark.parametrize("tie", [True, False])
def test_reversible_embedding(tie):
    ids = np.array([[1, 2, 9], [0, 3, 3]])
    _compare(lambda L: L.ReversibleEmbedding(10, 6, tie_weights=tie), ids)
    mine = ndk.layers.ReversibleEmbedding(10, 6, tie_weights=tie, logit_soft_cap=2.0)
    ref = keras_ref.layers.ReversibleEmbedding(10, 6, tie_weights=tie, logit_soft_cap=2.0)
    mine(ids)
    ref(ids)
    mine.set_weights(ref.get_weights())
    assert_close(mine(X3, reverse=True), ref(X3, reverse=True), what="reverse")


def test_serialize_matches_keras():
    ref = keras_ref.layers.serialize(keras_ref.layers.EinsumDense("ab,bc->ac", 3))
    got = ndk.layers.deserialize(ref)
    assert isinstance(got, ndk.layers.EinsumDense)
    assert got.partial_output_shape == (3,)
    mine = ndk.layers.serialize(ndk.layers.RMSNormalization())
    back = keras_ref.layers.deserialize(mine)
    assert type(back).__name__ == "RMSNormalization"
