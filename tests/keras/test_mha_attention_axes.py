"""MultiHeadAttention over any attention axes, for inputs of rank >= 3, against a NumPy
float64 reference written with einsum (given the layer's own weights).

Keras 3 semantics the reference follows (checked with tf.keras 3.15):
- weights do not depend on the input rank: query/key/value kernels (features, heads,
  head_dim) with biases (heads, head_dim); output kernel (heads, value_dim, *out) with
  bias (*out);
- attention_axes=None attends over every axis but the batch and the features; negative
  axes count from the end of the query's shape;
- scores have the layout (batch, *other axes, heads, *query attention dims, *key attention
  dims), attention dims in the order attention_axes gives them; the softmax runs jointly
  over all attention axes;
- an attention_mask gets size-1 axes inserted just before the query attention dims until
  it has the scores' rank.
"""
import json
import string

import numpy as np
import pytest

import ndflow as tf
from ndflow import keras
from ndflow.keras import layers as L

RNG = np.random.default_rng(11)


# ---- NumPy float64 reference -------------------------------------------------------------

def resolve_axes(axes, rank):
    if axes is None:
        return tuple(range(1, rank - 1))
    axes = (axes,) if isinstance(axes, int) else tuple(axes)
    return tuple(a + rank if a < 0 else a for a in axes)


def np_mha(q, v, w, axes, key_dim, k=None, attention_mask=None, allowed=None,
           drop_keep=None, rate=0.0):
    """Output and attention scores of Keras' MultiHeadAttention.

    ``attention_mask`` follows Keras' shape rule; ``allowed`` is a boolean array already
    in the full scores layout (broadcastable); ``drop_keep`` multiplies the probabilities
    (scaled by 1/(1-rate)) before they weight the values."""
    k = v if k is None else k
    qk, qb, kk, kb, vk, vb, ok, ob = w
    r = q.ndim
    axes = resolve_axes(axes, r)
    other = [i for i in range(r - 1) if i not in axes]
    letters = string.ascii_lowercase
    qi = letters[:r - 1]                                  # query positions
    si = "".join(letters[10 + a] if a in axes else letters[a] for a in range(r - 1))
    Q = np.einsum(qi + "z,zyx->" + qi + "yx", q, qk) + qb
    K = np.einsum(si + "z,zyx->" + si + "yx", k, kk) + kb
    V = np.einsum(si + "z,zyx->" + si + "yx", v, vk) + vb
    sc = "".join(qi[i] for i in other) + "y" + "".join(qi[a] for a in axes) + \
        "".join(si[a] for a in axes)
    s = np.einsum(qi + "yx," + si + "yx->" + sc, Q, K) / np.sqrt(key_dim)
    na = len(axes)
    masks = []
    if attention_mask is not None:
        m = np.asarray(attention_mask, bool)
        while m.ndim < s.ndim:
            m = np.expand_dims(m, m.ndim - 2 * na)
        masks.append(m)
    if allowed is not None:
        masks.append(allowed)
    for m in masks:
        s = np.where(m, s, s - 1e9)
    lead = s.shape[:s.ndim - 2 * na]
    t = int(np.prod(s.shape[s.ndim - 2 * na:s.ndim - na]))
    flat = s.reshape(lead + (t, -1))
    e = np.exp(flat - flat.max(-1, keepdims=True))
    p = (e / e.sum(-1, keepdims=True)).reshape(s.shape)
    pd = p if drop_keep is None else p * drop_keep / (1.0 - rate)
    ctx = np.einsum(sc + "," + si + "yx->" + qi + "yx", pd, V)
    out = np.einsum(qi + "yx,yx...->" + qi + "...", ctx, ok) + ob
    return out, p


def make_layer(q, v, k=None, num_heads=2, key_dim=3, value_dim=4, **kwargs):
    layer = L.MultiHeadAttention(num_heads, key_dim, value_dim=value_dim, dtype="float64",
                                 **kwargs)
    if k is None:
        layer(q, v)
    else:
        layer(q, v, key=k)
    layer.set_weights([RNG.normal(size=x.shape) * 0.6 for x in layer.get_weights()])
    return layer, layer.get_weights()


def scores_shape(q, v, axes, num_heads=2):
    r = q.ndim
    axes = resolve_axes(axes, r)
    other = [i for i in range(r - 1) if i not in axes]
    return tuple(q.shape[i] for i in other) + (num_heads,) + \
        tuple(q.shape[a] for a in axes) + tuple(v.shape[a] for a in axes)


# query shape, value shape, attention_axes
CASES = [
    ((2, 3, 5, 6), (2, 3, 5, 6), (1, 2)),
    ((2, 3, 5, 6), (2, 4, 2, 7), (1, 2)),       # other lengths and features in the value
    ((2, 3, 5, 6), (2, 3, 4, 7), 2),            # H acts as a batch axis
    ((2, 3, 5, 6), (2, 2, 5, 6), 1),
    ((2, 3, 5, 6), (2, 4, 2, 6), (2, 1)),       # order of the axes fixes the scores layout
    ((2, 3, 5, 6), (2, 2, 4, 6), None),         # None on rank 4: axes (1, 2)
    ((2, 3, 5, 6), (2, 3, 4, 6), -2),
    ((2, 3, 5, 6), (2, 2, 4, 6), (-3, -2)),
    ((2, 3, 2, 4, 5), (2, 2, 2, 3, 6), (1, 3)),  # axis 2 acts as a batch axis
    ((2, 3, 2, 4, 5), (2, 2, 3, 2, 5), None),    # None on rank 5: axes (1, 2, 3)
    ((2, 3, 2, 4, 5), (2, 3, 3, 4, 5), 2),
    ((2, 3, 2, 4, 5), (2, 2, 2, 3, 5), (-4, -2)),
]


@pytest.mark.parametrize("with_mask", [False, True])
@pytest.mark.parametrize("qshape,vshape,axes", CASES)
def test_matches_numpy_reference(qshape, vshape, axes, with_mask):
    q, v = RNG.normal(size=qshape), RNG.normal(size=vshape)
    layer, w = make_layer(q, v, attention_axes=axes)
    kw, am = {}, None
    if with_mask:
        # Keras' short form (batch, *query dims, *key dims), broadcast over heads and
        # the other axes; every query position keeps at least one key
        full = scores_shape(q, v, axes)
        na = len(resolve_axes(axes, q.ndim))
        am_shape = full[:1] + full[len(full) - 2 * na:]
        am = RNG.random(am_shape) > 0.4
        am.reshape(am_shape[:1 + na] + (-1,))[..., 0] = True
        kw["attention_mask"] = tf.constant(am)
    out, scores = layer(q, v, return_attention_scores=True, **kw)
    ref, p = np_mha(q, v, w, axes, 3, attention_mask=am)
    assert out.shape == qshape
    assert scores.shape == scores_shape(q, v, axes)
    np.testing.assert_allclose(out.numpy(), ref, rtol=0, atol=1e-12)
    np.testing.assert_allclose(scores.numpy(), p, rtol=0, atol=1e-12)
    # the probabilities sum to one over all attention axes jointly
    na = len(resolve_axes(axes, q.ndim))
    sums = scores.numpy().sum(axis=tuple(range(scores.ndim - na, scores.ndim)))
    np.testing.assert_allclose(sums, 1.0, atol=1e-12)


def test_separate_key_and_full_layout_mask():
    q = RNG.normal(size=(2, 3, 2, 4, 5))
    v = RNG.normal(size=(2, 2, 2, 3, 6))
    k = RNG.normal(size=(2, 2, 2, 3, 7))
    layer, w = make_layer(q, v, k, attention_axes=(1, 3), use_bias=True)
    assert [x.shape for x in w] == [(5, 2, 3), (2, 3), (7, 2, 3), (2, 3), (6, 2, 4), (2, 4),
                                    (2, 4, 5), (5,)]
    # a mask with the other axis (2) and the heads: (batch, 2, heads, 3, 4, 2, 3)
    am = RNG.random((2, 2, 2, 3, 4, 2, 3)) > 0.3
    am[..., 0, 0] = True
    out, scores = layer(q, v, key=k, attention_mask=am, return_attention_scores=True)
    ref, p = np_mha(q, v, w, (1, 3), 3, k=k, attention_mask=am)
    np.testing.assert_allclose(out.numpy(), ref, atol=1e-12)
    np.testing.assert_allclose(scores.numpy(), p, atol=1e-12)
    # a mask with the other axis but no heads axis: (batch, 2, 3, 4, 2, 3)
    am2 = am[:, :, 0]
    out2 = layer(q, v, key=k, attention_mask=am2)
    np.testing.assert_allclose(out2.numpy(), np_mha(q, v, w, (1, 3), 3, k=k,
                                                    attention_mask=am2)[0], atol=1e-12)


def test_rank3_explicit_axes_equal_default():
    q, v = RNG.normal(size=(2, 4, 6)), RNG.normal(size=(2, 5, 3))
    ref_layer, w = make_layer(q, v)
    ref_out, ref_scores = ref_layer(q, v, return_attention_scores=True)
    for axes in (1, (1,), -2, [-2]):
        layer = L.MultiHeadAttention(2, 3, value_dim=4, attention_axes=axes, dtype="float64")
        layer(q, v)
        layer.set_weights(w)
        out, scores = layer(q, v, return_attention_scores=True)
        np.testing.assert_array_equal(out.numpy(), ref_out.numpy())
        np.testing.assert_array_equal(scores.numpy(), ref_scores.numpy())
    np.testing.assert_allclose(ref_out.numpy(), np_mha(q, v, w, None, 3)[0], atol=1e-12)


def test_matches_constants_from_keras():
    # Output and scores computed with tf.keras 3.15 (TensorFlow 2.21) MultiHeadAttention(2,
    # 2, value_dim=3, attention_axes=(2, 1), dtype="float64") on these inputs, weights and
    # mask, pasted here. Keras casts 1/sqrt(key_dim) through float32, so its float64
    # results carry an error of ~1e-8 relative: hence atol=1e-7 for this one comparison.
    def det(shape, a, b):
        return np.sin(a * np.arange(int(np.prod(shape))) + b).reshape(shape)

    q, v = det((1, 2, 3, 4), 0.7, 0.1), det((1, 3, 2, 5), 1.3, 0.4)
    layer = L.MultiHeadAttention(2, 2, value_dim=3, attention_axes=(2, 1), dtype="float64")
    layer(q, v)
    shapes = [(4, 2, 2), (2, 2), (5, 2, 2), (2, 2), (5, 2, 3), (2, 3), (2, 3, 4), (4,)]
    assert [x.shape for x in layer.get_weights()] == shapes
    layer.set_weights([det(s, 0.37 * (i + 1), 0.2 * i) for i, s in enumerate(shapes)])
    i, j, k, m = np.ogrid[:3, :2, :2, :3]
    mask = ((i + 2 * j + k + m) % 3 != 1)[None]           # (batch, W, H, W', H')
    out, scores = layer(q, v, attention_mask=mask, return_attention_scores=True)
    keras_out = np.array([[[[-1.5195679566, 3.4634725554, -4.1325222065, 3.3487734826],
                            [-1.8479853453, 3.4298736198, -3.7468729970, 2.7254645106],
                            [-1.9928219975, 2.5521975536, -2.1070187643, 0.8098424550]],
                           [[-0.9465161565, 3.2509273859, -4.3435283986, 3.9207427938],
                            [-1.9600003602, 2.9645725228, -2.8422724861, 1.6498854138],
                            [-1.7497864555, 3.4792904394, -3.9292476059, 2.9867013105]]]])
    keras_scores_0120 = np.array([[0.2929072690, 0.2222618839, 0.0],
                                  [0.2477264250, 0.0, 0.2371044222]])
    assert scores.shape == (1, 2, 3, 2, 2, 3)
    np.testing.assert_allclose(out.numpy(), keras_out, rtol=0, atol=1e-7)
    np.testing.assert_allclose(scores.numpy()[0, 1, 2, 0], keras_scores_0120, rtol=0,
                               atol=1e-7)
    # and the float64 reference agrees with ndflow to rounding
    ref, p = np_mha(q, v, layer.get_weights(), (2, 1), 2, attention_mask=mask)
    np.testing.assert_allclose(out.numpy(), ref, atol=1e-12)
    np.testing.assert_allclose(scores.numpy(), p, atol=1e-12)


def test_weight_shapes_match_keras_for_rank4_and_rank5():
    # shapes printed by tf.keras 3.15 for MultiHeadAttention(2, 3, value_dim=4) on
    # (2, 3, 5, 6) inputs, and with output_shape=(2, 5)
    for shape, axes in (((2, 3, 5, 6), (1, 2)), ((2, 3, 5, 6), 2), ((2, 3, 5, 6), None),
                        ((2, 3, 2, 4, 6), (1, 3))):
        x = np.zeros(shape)
        layer = L.MultiHeadAttention(2, 3, value_dim=4, attention_axes=axes)
        layer(x, x)
        assert [tuple(w.shape) for w in layer.weights] == [
            (6, 2, 3), (2, 3), (6, 2, 3), (2, 3), (6, 2, 4), (2, 4), (2, 4, 6), (6,)]
    x = np.zeros((2, 3, 5, 6))
    layer = L.MultiHeadAttention(2, 3, value_dim=4, output_shape=(2, 5), attention_axes=(1, 2))
    assert layer(x, x).shape == (2, 3, 5, 2, 5)
    assert [tuple(w.shape) for w in layer.weights][-2:] == [(2, 4, 2, 5), (2, 5)]


# ---- masks ---------------------------------------------------------------------------------

def padding_allowed(mask, axes, other, is_query):
    """A padding mask (input shape without features) in the scores layout."""
    na = len(axes)
    m = np.transpose(mask, list(other) + list(axes))
    lo, pos = m.shape[:len(other)], m.shape[len(other):]
    ones = (1,) * na
    return m.reshape(lo + (1,) + (pos + ones if is_query else ones + pos))


@pytest.mark.parametrize("qshape,vshape,axes", [
    ((2, 3, 5, 6), (2, 3, 4, 6), 2),        # the case Keras' own input masks handle
    ((2, 3, 5, 6), (2, 2, 4, 6), (1, 2)),
    ((2, 3, 5, 6), (2, 4, 5, 6), 1),
    ((2, 3, 2, 4, 5), (2, 2, 2, 3, 5), (1, 3)),
])
def test_value_key_and_query_masks(qshape, vshape, axes):
    q, v = RNG.normal(size=qshape), RNG.normal(size=vshape)
    k = RNG.normal(size=vshape)
    layer, w = make_layer(q, v, k, attention_axes=axes)
    r = q.ndim
    ax = resolve_axes(axes, r)
    other = [i for i in range(r - 1) if i not in ax]
    vm = RNG.random(vshape[:-1]) > 0.3
    km = RNG.random(vshape[:-1]) > 0.3
    first = tuple(slice(None) if i in other else 0 for i in range(r - 1))
    vm[first] = km[first] = True                          # one key allowed everywhere
    qm = RNG.random(qshape[:-1]) > 0.3
    out, scores = layer(q, v, key=k, value_mask=tf.constant(vm), key_mask=tf.constant(km),
                        return_attention_scores=True)
    allowed = padding_allowed(vm, ax, other, False) & padding_allowed(km, ax, other, False)
    ref, p = np_mha(q, v, w, axes, 3, k=k, allowed=allowed)
    np.testing.assert_allclose(out.numpy(), ref, atol=1e-12)
    np.testing.assert_allclose(scores.numpy(), p, atol=1e-12)
    # a query mask: masked query positions attend to nothing (their rows are all masked);
    # the others are unchanged, and the output carries the query mask
    out_q = layer(q, v, key=k, query_mask=tf.constant(qm), value_mask=tf.constant(vm),
                  key_mask=tf.constant(km))
    np.testing.assert_allclose(out_q.numpy()[qm], ref[qm], atol=1e-12)
    np.testing.assert_array_equal(out_q._keras_mask.numpy(), qm)


def test_mask_from_masking_layer_on_rank4_inputs():
    x = RNG.normal(size=(2, 3, 4, 5))
    x[0, 1, 2] = 0.0
    x[1, :, 3] = 0.0
    xm = L.Masking(0.0, dtype="float64")(tf.constant(x))
    layer, w = make_layer(x, x, attention_axes=(1, 2))
    out = layer(xm, xm)
    keep = np.abs(x).sum(-1) != 0
    allowed = padding_allowed(keep, (1, 2), [0], False)
    ref = np_mha(x, x, w, (1, 2), 3, allowed=allowed)[0]
    np.testing.assert_allclose(out.numpy()[keep], ref[keep], atol=1e-12)
    np.testing.assert_array_equal(out._keras_mask.numpy(), keep)


@pytest.mark.parametrize("qshape,vshape,axis", [
    ((2, 3, 5, 6), (2, 3, 5, 6), 2),
    ((2, 3, 5, 6), (2, 3, 7, 6), -2),
    ((2, 4, 3, 6), (2, 4, 3, 6), 1),
    ((2, 3, 2, 4, 5), (2, 3, 2, 4, 5), 3),
])
def test_causal_mask_on_one_axis(qshape, vshape, axis):
    q, v = RNG.normal(size=qshape), RNG.normal(size=vshape)
    layer, w = make_layer(q, v, attention_axes=axis)
    a = resolve_axes(axis, q.ndim)[0]
    am = RNG.random((qshape[0], qshape[a], vshape[a])) > 0.3
    am[:, :, 0] = True
    out, scores = layer(q, v, use_causal_mask=True, attention_mask=am,
                        return_attention_scores=True)
    causal = np.tril(np.ones((qshape[a], vshape[a]), bool))
    ref, p = np_mha(q, v, w, axis, 3, attention_mask=am & causal)
    np.testing.assert_allclose(out.numpy(), ref, atol=1e-12)
    np.testing.assert_allclose(scores.numpy(), p, atol=1e-12)
    assert not scores.numpy()[..., ~causal].any()


def test_causal_mask_needs_one_axis():
    x = np.zeros((2, 3, 4, 5))
    layer = L.MultiHeadAttention(2, 3, attention_axes=(1, 2), name="mha_c")
    with pytest.raises(ValueError, match=r"mha_c.*use_causal_mask=True needs a single"):
        layer(x, x, use_causal_mask=True)


# ---- errors --------------------------------------------------------------------------------

@pytest.mark.parametrize("axes,match", [
    (0, r"'mha_e'.*attention_axes=0 includes axis 0, the batch axis.*Fix"),
    (-1, r"'mha_e'.*axis -1, the features axis.*Fix"),
    ((1, 1), r"'mha_e'.*names an axis twice"),
    ((), r"'mha_e'.*names no axis"),
    ("1", r"'mha_e'.*must be None, an int or a tuple of ints"),
    ((1.0,), r"'mha_e'.*must be None, an int or a tuple of ints"),
    (True, r"'mha_e'.*must be None, an int or a tuple of ints"),
])
def test_invalid_axes_at_construction(axes, match):
    with pytest.raises(ValueError, match=match):
        L.MultiHeadAttention(2, 3, attention_axes=axes, name="mha_e")


@pytest.mark.parametrize("axes,match", [
    (3, r"'mha_r'.*attention_axes=\(3,\) does not fit inputs of rank 4 \(query shape "
        r"\(2, 3, 4, 5\)\): axis 3 is the features axis.*1 \.\. 2 \(or -3 \.\. -2\).*Fix"),
    ((1, 5), r"'mha_r'.*rank 4.*axis 5 is out of range.*Fix"),
    (-4, r"'mha_r'.*rank 4.*axis -4 is the batch axis.*Fix"),
    ((1, -3), r"'mha_r'.*same axis twice for inputs of rank 4.*Fix"),
])
def test_invalid_axes_for_the_input_rank(axes, match):
    x = np.zeros((2, 3, 4, 5))
    layer = L.MultiHeadAttention(2, 3, attention_axes=axes, name="mha_r")
    with pytest.raises(ValueError, match=match):
        layer(x, x)


def test_shape_errors():
    x4 = np.zeros((2, 3, 4, 5))
    with pytest.raises(ValueError, match=r"'mha_s'.*query has rank 4.*value has rank 3.*Fix"):
        L.MultiHeadAttention(2, 3, name="mha_s")(x4, np.zeros((2, 3, 5)))
    with pytest.raises(ValueError, match=r"'mha_s'.*axis 1 is a batch-like axis.*Fix.*add "
                                         r"axis 1 to attention_axes"):
        L.MultiHeadAttention(2, 3, attention_axes=2, name="mha_s")(x4, np.zeros((2, 2, 4, 5)))
    with pytest.raises(ValueError, match=r"'mha_s'.*key shape.*value shape"):
        L.MultiHeadAttention(2, 3, attention_axes=2, name="mha_s")(
            x4, np.zeros((2, 3, 6, 5)), key=np.zeros((2, 3, 4, 5)))
    layer = L.MultiHeadAttention(2, 3, attention_axes=(1, 2), name="mha_s")
    with pytest.raises(ValueError, match=r"'mha_s'.*attention_mask of shape \(2, 12, 12\) "
                                         r"does not broadcast.*\(2, 2, 3, 4, 3, 4\).*Fix.*"
                                         r"\(2, 3, 4, 3, 4\)"):
        layer(x4, x4, attention_mask=np.ones((2, 12, 12), bool))
    with pytest.raises(ValueError, match=r"'mha_s'.*value_mask must have.*\(2, 3, 4\), got "
                                         r"shape \(2, 4\)"):
        layer(x4, x4, value_mask=np.ones((2, 4), bool))
    with pytest.raises(ValueError, match=r"rank >= 3.*batch, time, features"):
        layer(np.zeros((2, 5)), np.zeros((2, 5)))


# ---- gradients, config, training, dropout -----------------------------------------------

@pytest.mark.parametrize("shape,axes", [((1, 2, 3, 3), (1, 2)), ((1, 2, 2, 2, 3), (1, 3))])
def test_gradient_matches_finite_differences(shape, axes):
    q = RNG.normal(size=shape)
    v = RNG.normal(size=shape[:-1] + (2,))
    layer, w = make_layer(q, v, num_heads=2, key_dim=2, value_dim=2, attention_axes=axes)
    full = scores_shape(q, v, axes)
    na = len(resolve_axes(axes, q.ndim))
    am = RNG.random(full[:1] + full[len(full) - 2 * na:]) > 0.3
    am.reshape(am.shape[:1 + na] + (-1,))[..., 0] = True
    c = RNG.normal(size=shape)

    def loss_np(qq, vv):
        return float((np_mha(qq, vv, w, axes, 2, attention_mask=am)[0] * c).sum())

    qt, vt = tf.constant(q), tf.constant(v)
    with tf.GradientTape() as tape:
        tape.watch([qt, vt])
        loss = tf.reduce_sum(layer(qt, vt, attention_mask=am) * c)
    gq, gv = tape.gradient(loss, [qt, vt])
    assert abs(float(loss.numpy()) - loss_np(q, v)) < 1e-12
    eps = 1e-6
    for x, g, which in ((q, gq, 0), (v, gv, 1)):
        num = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            xp, xm = x.copy(), x.copy()
            xp[idx] += eps
            xm[idx] -= eps
            args_p = (xp, v) if which == 0 else (q, xp)
            args_m = (xm, v) if which == 0 else (q, xm)
            num[idx] = (loss_np(*args_p) - loss_np(*args_m)) / (2 * eps)
        np.testing.assert_allclose(g.numpy(), num, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("axes,stored", [((1, 2), (1, 2)), (2, (2,)), ([-3, -2], (-3, -2)),
                                         (None, None)])
def test_config_round_trip_keeps_attention_axes(axes, stored):
    q = RNG.normal(size=(2, 3, 4, 5))
    layer, w = make_layer(q, q, attention_axes=axes)
    config = layer.get_config()
    assert config["attention_axes"] == stored
    config = json.loads(json.dumps(config))
    clone = L.MultiHeadAttention.from_config(config)
    assert clone.attention_axes == stored
    clone(q, q)
    clone.set_weights(w)
    out, scores = layer(q, q, return_attention_scores=True)
    out2, scores2 = clone(q, q, return_attention_scores=True)
    np.testing.assert_array_equal(out.numpy(), out2.numpy())
    np.testing.assert_array_equal(scores.numpy(), scores2.numpy())


def test_one_training_step_lowers_the_loss():
    keras.utils.set_random_seed(3)
    x = RNG.normal(size=(8, 3, 4, 5)).astype(np.float32)
    y = RNG.normal(size=(8, 3, 4, 5)).astype(np.float32)
    layer = L.MultiHeadAttention(2, 4, attention_axes=(1, 2))
    opt = keras.optimizers.SGD(0.05)
    losses = []
    for _ in range(2):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(layer(x, x) - y))
        grads = tape.gradient(loss, layer.trainable_weights)
        assert len(grads) == 8 and all(g is not None for g in grads)
        opt.apply_gradients(zip(grads, layer.trainable_weights))
        losses.append(float(loss.numpy()))
    assert losses[1] < losses[0]


def test_functional_cross_attention_on_rank4_trains_and_saves(tmp_path):
    keras.utils.set_random_seed(4)
    q_in, v_in = keras.Input((3, 4, 5)), keras.Input((2, 6, 7))
    mha = L.MultiHeadAttention(2, 4, attention_axes=(1, 2))
    att = mha(q_in, v_in)
    assert att.shape == (None, 3, 4, 5)
    out = L.Dense(1)(L.GlobalAveragePooling2D()(att))
    model = keras.Model([q_in, v_in], out)
    assert mha.get_build_config() == {"shapes_dict": {"query_shape": (None, 3, 4, 5),
                                                      "value_shape": (None, 2, 6, 7)}}
    xq = RNG.normal(size=(16, 3, 4, 5)).astype(np.float32)
    xv = RNG.normal(size=(16, 2, 6, 7)).astype(np.float32)
    y = (xq.mean((1, 2, 3)) + xv.mean((1, 2, 3)))[:, None].astype(np.float32)
    model.compile(keras.optimizers.Adam(0.01), "mse")
    before = model.evaluate([xq, xv], y, verbose=0)
    model.fit([xq, xv], y, epochs=5, batch_size=8, verbose=0)
    assert model.evaluate([xq, xv], y, verbose=0) < before
    path = str(tmp_path / "cross.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict([xq, xv], verbose=0),
                               model.predict([xq, xv], verbose=0), rtol=1e-6, atol=1e-6)
    lm = [lyr for lyr in loaded.layers if isinstance(lyr, L.MultiHeadAttention)][0]
    assert lm.attention_axes == (1, 2)


def test_dropout_on_scores():
    q, v = RNG.normal(size=(2, 3, 4, 5)), RNG.normal(size=(2, 2, 3, 5))
    layer, w = make_layer(q, v, attention_axes=(1, 2), dropout=0.4, seed=7)
    out_inf, scores_inf = layer(q, v, return_attention_scores=True, training=False)
    np.testing.assert_allclose(out_inf.numpy(), np_mha(q, v, w, (1, 2), 3)[0], atol=1e-12)
    out_tr, scores_tr = layer(q, v, return_attention_scores=True, training=True)
    # the returned scores are the probabilities before dropout, as in Keras
    np.testing.assert_array_equal(scores_tr.numpy(), scores_inf.numpy())
    # the layer's generator is seeded (seed=7) and draws one uniform number per score,
    # in the scores' layout, at its first training call
    keep = np.random.default_rng(7).random(scores_shape(q, v, (1, 2))) >= 0.4
    ref = np_mha(q, v, w, (1, 2), 3, drop_keep=keep, rate=0.4)[0]
    np.testing.assert_allclose(out_tr.numpy(), ref, atol=1e-12)
    assert np.abs(out_tr.numpy() - out_inf.numpy()).max() > 1e-3
