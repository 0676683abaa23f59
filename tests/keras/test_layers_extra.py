"""Keras 3 layers added in layers_extra.py / spatial_extra.py: the standard layer checks
plus numbers against NumPy references written from Keras 3's documented semantics."""
import numpy as np
import pytest

import ndflow as tf
from ndflow import keras
from ndflow.keras import layers
from tests.keras.layer_test_helper import run_layer_test


def _np(x):
    return np.asarray(x)


# ---- RMSNormalization -------------------------------------------------------------------

def test_rms_normalization_layer_checks():
    run_layer_test(layers.RMSNormalization, {"epsilon": 1e-5}, input_shape=(2, 3, 4),
                   expected_output_shape=(2, 3, 4), expected_num_trainable_weights=1,
                   expected_num_non_trainable_weights=0)


def test_rms_normalization_numbers():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 3, 4)).astype("float32")
    layer = layers.RMSNormalization()
    layer.build(x.shape)
    scale = rng.normal(size=(4,)).astype("float32")
    layer.set_weights([scale])
    want = x / np.sqrt(np.mean(x.astype(np.float64) ** 2, axis=-1, keepdims=True) + 1e-6) * scale
    np.testing.assert_allclose(_np(layer(x)), want, rtol=1e-5, atol=1e-6)
    assert layer.get_config()["axis"] == [-1]
    assert layer.weights[0].path.endswith("scale")


# ---- EinsumDense ------------------------------------------------------------------------

def test_einsum_dense_layer_checks():
    run_layer_test(layers.EinsumDense, {"equation": "abc,cd->abd", "output_shape": (None, 5),
                                        "bias_axes": "d", "activation": "relu"},
                   input_shape=(2, 3, 4), expected_output_shape=(2, 3, 5),
                   expected_num_trainable_weights=2, expected_num_non_trainable_weights=0)


def test_einsum_dense_numbers_and_shapes():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 3, 4)).astype("float32")
    layer = layers.EinsumDense("abc,cde->abde", output_shape=(3, 2, 5), bias_axes="d")
    y = layer(x)
    assert tuple(layer.kernel.shape) == (4, 2, 5)
    assert tuple(layer.bias.shape) == (2, 1)       # from the first bias axis to the end
    k, b = layer.get_weights()
    b = rng.normal(size=b.shape).astype("float32")
    layer.set_weights([k, b])
    want = np.einsum("abc,cde->abde", x, k) + b
    np.testing.assert_allclose(_np(layer(x)), want, rtol=1e-5, atol=1e-5)
    assert tuple(y.shape) == (2, 3, 2, 5)
    # leading ellipsis: output_shape names only the explicit output axes
    e = layers.EinsumDense("...b,bc->...c", output_shape=6)
    assert tuple(e(x).shape) == (2, 3, 6)
    assert tuple(e.kernel.shape) == (4, 6)
    assert e.get_config()["output_shape"] == (6,)


def test_einsum_dense_errors():
    with pytest.raises(ValueError, match="output_shape"):
        layers.EinsumDense("abc,cd->abd", output_shape=5)(np.zeros((2, 3, 4), "float32"))
    with pytest.raises(ValueError, match="bias axis"):
        layers.EinsumDense("ab,bc->ac", output_shape=5, bias_axes="z")(
            np.zeros((2, 4), "float32"))
    with pytest.raises(ValueError, match="equation"):
        layers.EinsumDense("ab->ac", output_shape=5)


# ---- GroupQueryAttention ----------------------------------------------------------------

def _gqa_reference(layer, q, v, causal=False):
    w = [np.asarray(a, np.float64) for a in layer.get_weights()]
    qk, qb, kk, kb, vk, vb, ok, ob = w
    Q = np.einsum("btm,muh->btuh", q, qk) + qb
    K = np.einsum("bsm,muh->bsuh", v, kk) + kb
    V = np.einsum("bsm,muh->bsuh", v, vk) + vb
    rep = qk.shape[1] // kk.shape[1]
    K = np.repeat(K, rep, axis=2)
    V = np.repeat(V, rep, axis=2)
    s = np.einsum("btuh,bsuh->buts", Q / np.sqrt(qk.shape[2]), K)
    if causal:
        s = s + np.where(np.tril(np.ones(s.shape[-2:], bool)), 0.0, -1e9)
    p = np.exp(s - s.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    ctx = np.einsum("buts,bsuh->btuh", p, V)
    return np.einsum("btuh,uhm->btm", ctx, ok) + ob, p


def test_group_query_attention_numbers():
    rng = np.random.default_rng(3)
    q = rng.normal(size=(2, 3, 6)).astype("float32")
    v = rng.normal(size=(2, 5, 7)).astype("float32")
    layer = layers.GroupQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2)
    out, scores = layer(q, v, return_attention_scores=True)
    assert ["/".join(w.path.split("/")[-2:]) for w in layer.weights] == [
        "query/kernel", "query/bias", "key/kernel", "key/bias", "value/kernel", "value/bias",
        "attention_output/kernel", "attention_output/bias"]
    assert [tuple(w.shape) for w in layer.weights] == [
        (6, 4, 4), (4, 4), (7, 2, 4), (2, 4), (7, 2, 4), (2, 4), (4, 4, 6), (6,)]
    layer.set_weights([rng.normal(size=w.shape).astype("float32") * 0.3
                       for w in layer.get_weights()])
    out, scores = layer(q, v, return_attention_scores=True)
    want, p = _gqa_reference(layer, q, v)
    np.testing.assert_allclose(_np(out), want, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(_np(scores), p, rtol=1e-4, atol=1e-5)
    q2 = rng.normal(size=(2, 5, 6)).astype("float32")
    lay2 = layers.GroupQueryAttention(head_dim=2, num_query_heads=2, num_key_value_heads=1)
    lay2(q2, q2)
    out = lay2(q2, q2, use_causal_mask=True)
    np.testing.assert_allclose(_np(out), _gqa_reference(lay2, q2, q2, causal=True)[0],
                               rtol=1e-4, atol=1e-4)


def test_group_query_attention_functional_and_saving(tmp_path):
    qi = keras.Input((3, 6))
    vi = keras.Input((5, 7))
    layer = layers.GroupQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2)
    out = layer(qi, vi)
    assert tuple(out.shape) == (None, 3, 6)
    model = keras.Model([qi, vi], out)
    rng = np.random.default_rng(4)
    q = rng.normal(size=(2, 3, 6)).astype("float32")
    v = rng.normal(size=(2, 5, 7)).astype("float32")
    y = _np(model([q, v]))
    path = str(tmp_path / "gqa.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(_np(loaded([q, v])), y, rtol=1e-6, atol=1e-6)
    cfg = layer.get_config()
    again = layers.GroupQueryAttention.from_config(cfg)
    assert again.get_config() == cfg


def test_group_query_attention_errors():
    with pytest.raises(ValueError, match="multiple of num_key_value_heads"):
        layers.GroupQueryAttention(head_dim=4, num_query_heads=3, num_key_value_heads=2)
    with pytest.raises(ValueError, match="head_dim"):
        layers.GroupQueryAttention(head_dim=0, num_query_heads=2, num_key_value_heads=1)


# ---- adaptive pooling ---------------------------------------------------------------------

def _adaptive_ref(x, sizes, kind):
    axes = list(range(1, 1 + len(sizes)))
    for a, m in zip(axes, sizes):
        n = x.shape[a]
        parts = []
        for i in range(m):
            s, e = (i * n) // m, -(-((i + 1) * n) // m)
            sl = np.take(x, range(s, e), axis=a)
            parts.append(sl.mean(axis=a, keepdims=True) if kind == "avg"
                         else sl.max(axis=a, keepdims=True))
        x = np.concatenate(parts, axis=a)
    return x


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("kind", ["avg", "max"])
def test_adaptive_pooling(rank, kind):
    cls = getattr(layers, "Adaptive%sPooling%dD" % ("Average" if kind == "avg" else "Max",
                                                     rank))
    spatial = (7, 5, 6)[:rank]
    out = (3, 2, 4)[:rank]
    layer = run_layer_test(cls, {"output_size": out}, input_shape=(2,) + spatial + (3,),
                           expected_output_shape=(2,) + out + (3,),
                           expected_num_trainable_weights=0)
    x = np.random.default_rng(5).normal(size=(2,) + spatial + (3,)).astype("float32")
    np.testing.assert_allclose(_np(layer(x)), _adaptive_ref(x, out, kind), rtol=1e-5,
                               atol=1e-6)
    # channels_first gives the same numbers with the channel axis moved
    cf = cls(out, data_format="channels_first")
    xcf = np.moveaxis(x, -1, 1)
    np.testing.assert_allclose(np.moveaxis(_np(cf(xcf)), 1, -1), _adaptive_ref(x, out, kind),
                               rtol=1e-5, atol=1e-6)


def test_adaptive_pooling_gradient():
    x = tf.constant(np.random.default_rng(6).normal(size=(1, 5, 2)).astype("float32"))
    layer = layers.AdaptiveAveragePooling1D(2)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(layer(x))
    g = _np(tape.gradient(y, x))
    # bins [0, 3) and [2, 5): position 2 is in both
    np.testing.assert_allclose(g[0, :, 0], [1 / 3, 1 / 3, 2 / 3, 1 / 3, 1 / 3], rtol=1e-6)


# ---- 3-D reshaping, DepthwiseConv1D, aliases -----------------------------------------------

def test_upsampling3d():
    layer = run_layer_test(layers.UpSampling3D, {"size": (2, 1, 3)}, input_shape=(1, 2, 3, 2, 2),
                           expected_output_shape=(1, 4, 3, 6, 2))
    x = np.arange(24, dtype="float32").reshape(1, 2, 3, 2, 2)
    want = x.repeat(2, 1).repeat(3, 3)
    np.testing.assert_array_equal(_np(layer(x)), want)


def test_zero_padding3d_and_cropping3d():
    run_layer_test(layers.ZeroPadding3D, {"padding": ((1, 0), 2, (0, 1))},
                   input_shape=(1, 2, 2, 2, 3), expected_output_shape=(1, 3, 6, 3, 3))
    x = np.random.default_rng(7).normal(size=(1, 4, 5, 6, 2)).astype("float32")
    z = layers.ZeroPadding3D(1, data_format="channels_first")(x)
    assert tuple(z.shape) == (1, 4, 7, 8, 4)   # axes 2..4 padded
    layer = run_layer_test(layers.Cropping3D, {"cropping": ((1, 0), (1, 2), 1)},
                           input_shape=(1, 4, 5, 6, 2), expected_output_shape=(1, 3, 2, 4, 2))
    np.testing.assert_array_equal(_np(layer(x)), x[:, 1:, 1:3, 1:5])
    assert layers.ZeroPadding3D().get_config()["padding"] == ((1, 1), (1, 1), (1, 1))
    assert layers.Cropping3D().get_config()["cropping"] == ((1, 1), (1, 1), (1, 1))


def test_depthwise_conv1d():
    layer = run_layer_test(layers.DepthwiseConv1D, {"kernel_size": 3, "depth_multiplier": 2},
                           input_shape=(2, 7, 3), expected_output_shape=(2, 5, 6),
                           expected_num_trainable_weights=2)
    assert layer.weights[0].path.endswith("/kernel")
    assert tuple(layer.weights[0].shape) == (3, 3, 2)
    k, b = layer.get_weights()
    b = np.random.default_rng(8).normal(size=b.shape).astype("float32")
    layer.set_weights([k, b])
    x = np.random.default_rng(9).normal(size=(2, 7, 3)).astype("float32")
    want = np.zeros((2, 5, 3, 2))
    for t in range(5):
        want[:, t] = np.einsum("bkc,kcm->bcm", x[:, t:t + 3], k)
    want = want.reshape(2, 5, 6) + b
    np.testing.assert_allclose(_np(layer(x)), want, rtol=1e-5, atol=1e-5)


def test_aliases():
    assert layers.Convolution1DTranspose is layers.Conv1DTranspose
    assert layers.Convolution2DTranspose is layers.Conv2DTranspose
    assert layers.Convolution3DTranspose is layers.Conv3DTranspose
    assert layers.SeparableConvolution1D is layers.SeparableConv1D
    assert layers.SeparableConvolution2D is layers.SeparableConv2D
    assert layers.GroupQueryAttention is layers.GroupedQueryAttention


# ---- AlphaDropout -------------------------------------------------------------------------

def test_alpha_dropout():
    run_layer_test(layers.AlphaDropout, {"rate": 0.3, "seed": 1}, input_shape=(3, 4),
                   expected_output_shape=(3, 4), expected_num_trainable_weights=0)
    x = np.random.default_rng(10).normal(size=(200, 50)).astype("float32")
    layer = layers.AlphaDropout(0.2, seed=3)
    np.testing.assert_array_equal(_np(layer(x)), x)                 # inference: identity
    y = _np(layer(x, training=True))
    alpha_p = -1.6732632423543772 * 1.0507009873554805
    a = ((1 - 0.2) * (1 + 0.2 * alpha_p ** 2)) ** -0.5
    b = -a * alpha_p * 0.2
    kept = np.isclose(y, a * x + b, atol=1e-5)
    dropped = np.isclose(y, a * alpha_p + b, atol=1e-5)
    assert np.all(kept | dropped)
    assert abs(dropped.mean() - 0.2) < 0.02
    # mean and variance of unit-normal inputs are kept (about)
    assert abs(y.mean()) < 0.05 and abs(y.var() - 1) < 0.1
    with pytest.raises(ValueError, match="rate"):
        layers.AlphaDropout(1.5)


# ---- Wrapper / SpectralNormalization ------------------------------------------------------

def test_spectral_normalization():
    layer = run_layer_test(layers.SpectralNormalization, {"layer": layers.Dense(3)},
                           input_shape=(2, 4), expected_output_shape=(2, 3),
                           expected_num_trainable_weights=2,
                           expected_num_non_trainable_weights=1, run_training_check=False)
    names = [w.path.split("/")[-1] for w in layer.weights]
    assert names == ["kernel", "vector_u", "bias"]     # Keras 3's order


def test_spectral_normalization_numbers():
    rng = np.random.default_rng(11)
    x = rng.normal(size=(2, 4)).astype("float32")
    layer = layers.SpectralNormalization(layers.Dense(3), power_iterations=20)
    layer(x)
    k = rng.normal(size=(4, 3)).astype("float32")
    u = rng.normal(size=(1, 3)).astype("float32")
    layer.set_weights([k, u, np.zeros(3, "float32")])
    np.testing.assert_allclose(_np(layer(x)), x @ k, rtol=1e-5)      # inference: as is
    y = _np(layer(x, training=True))
    sigma = np.linalg.svd(k.astype(np.float64), compute_uv=False)[0]
    np.testing.assert_allclose(y, x @ (k / sigma), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(np.linalg.svd(_np(layer.layer.kernel), compute_uv=False)[0],
                               1.0, rtol=1e-4)
    with pytest.raises(ValueError, match="kernel"):
        layers.SpectralNormalization(layers.ReLU())(x)
    with pytest.raises(ValueError, match="must be a Keras layer"):
        layers.SpectralNormalization("dense")


def test_wrapper_base_class():
    w = layers.Wrapper(layers.Dense(2))
    x = np.ones((1, 3), "float32")
    y = w(x)
    assert tuple(y.shape) == (1, 2)
    cfg = w.get_config()
    assert cfg["layer"]["class_name"] == "Dense"
    assert isinstance(layers.Wrapper.from_config(cfg).layer, layers.Dense)


# ---- ReversibleEmbedding ------------------------------------------------------------------

def test_reversible_embedding():
    run_layer_test(layers.ReversibleEmbedding, {"input_dim": 10, "output_dim": 4},
                   input_shape=(2, 3), input_dtype="int32", expected_output_shape=(2, 3, 4),
                   expected_num_trainable_weights=1)
    run_layer_test(layers.ReversibleEmbedding, {"input_dim": 10, "output_dim": 4,
                                                "logit_soft_cap": 5.0},
                   input_shape=(2, 3, 4), call_kwargs={"reverse": True},
                   expected_output_shape=(2, 3, 10), expected_num_trainable_weights=1,
                   run_symbolic_check=False)
    # untied: reverse uses reverse_embeddings (output_dim, input_dim)
    untied = layers.ReversibleEmbedding(10, 4, tie_weights=False)
    untied(np.array([[1, 2]]))
    assert [w.path.split("/")[-1] for w in untied.weights] == ["embeddings",
                                                               "reverse_embeddings"]
    h0 = np.random.default_rng(13).normal(size=(2, 4)).astype("float32")
    np.testing.assert_allclose(_np(untied(h0, reverse=True)),
                               h0 @ _np(untied.reverse_embeddings), rtol=1e-5, atol=1e-6)
    rng = np.random.default_rng(12)
    layer = layers.ReversibleEmbedding(10, 4, logit_soft_cap=2.0)
    ids = np.array([[1, 2, 9]])
    e = _np(layer(ids))
    emb = _np(layer.embeddings)
    np.testing.assert_allclose(e, emb[ids])
    h = rng.normal(size=(1, 3, 4)).astype("float32")
    np.testing.assert_allclose(_np(layer(h, reverse=True)), np.tanh(h @ emb.T / 2) * 2,
                               rtol=1e-5, atol=1e-6)
    cfg = layer.get_config()
    assert cfg["tie_weights"] is True and cfg["logit_soft_cap"] == 2.0


# ---- serialize / deserialize --------------------------------------------------------------

def test_serialize_deserialize():
    d = layers.Dense(3, activation="relu", name="dd")
    cfg = layers.serialize(d)
    assert cfg["class_name"] == "Dense" and cfg["config"]["units"] == 3
    back = layers.deserialize(cfg)
    assert isinstance(back, layers.Dense) and back.units == 3 and back.name == "dd"
    e = layers.deserialize(layers.serialize(layers.EinsumDense("ab,bc->ac", 4)))
    assert isinstance(e, layers.EinsumDense) and e.partial_output_shape == (4,)
    with pytest.raises(ValueError, match="class_name"):
        layers.deserialize("Dense")
    with pytest.raises(ValueError, match="Layer"):
        layers.serialize("Dense")
