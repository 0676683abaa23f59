"""Attention layers against NumPy references: masks, causal mask, attention scores."""
import os
import sys

import numpy as np
import pytest

import ndflow as tf
from ndflow import keras
from ndflow.keras import layers as L

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from layer_test_helper import run_layer_test  # noqa: E402

RNG = np.random.default_rng(5)


def np_softmax(s, allowed=None):
    if allowed is not None:
        s = s + np.where(allowed, 0.0, -1e9)
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def np_mha(q, v, k, w, num_heads, key_dim, allowed=None):
    qk, qb, kk, kb, vk, vb, ok, ob = w
    Q = np.einsum("btd,dnh->bnth", q, qk) + qb[None, :, None, :]
    K = np.einsum("bsd,dnh->bnsh", k, kk) + kb[None, :, None, :]
    V = np.einsum("bsd,dnh->bnsh", v, vk) + vb[None, :, None, :]
    s = np.einsum("bnth,bnsh->bnts", Q / np.sqrt(key_dim), K)
    p = np_softmax(s, None if allowed is None else allowed[:, None])
    ctx = np.einsum("bnts,bnsh->btnh", p, V)
    return np.einsum("btnh,nho->bto", ctx, ok) + ob, p


def test_attention_layer_tests():
    run_layer_test(L.Attention, {}, input_shape=[(2, 3, 4), (2, 5, 4)],
                   expected_output_shape=(2, 3, 4), expected_num_trainable_weights=0,
                   run_training_check=False)
    run_layer_test(L.Attention, {"use_scale": True, "score_mode": "concat"},
                   input_shape=[(2, 3, 4), (2, 5, 4), (2, 5, 4)],
                   expected_output_shape=(2, 3, 4), expected_num_trainable_weights=2)
    run_layer_test(L.AdditiveAttention, {}, input_shape=[(2, 3, 4), (2, 5, 4)],
                   expected_output_shape=(2, 3, 4), expected_num_trainable_weights=1)


def test_multi_head_attention_layer_test():
    class SelfAttention(L.MultiHeadAttention):
        """run_layer_test passes one input: attend a sequence to itself."""

        def call(self, x, **kwargs):
            return super().call(x, x, **kwargs)

    run_layer_test(SelfAttention, {"num_heads": 2, "key_dim": 3}, input_shape=(2, 4, 5),
                   expected_output_shape=(2, 4, 5), expected_num_trainable_weights=8,
                   run_saving_check=False, run_symbolic_check=False)


def test_attention_dot_matches_numpy_with_masks():
    q = RNG.normal(size=(2, 3, 4))
    v = RNG.normal(size=(2, 5, 4))
    k = RNG.normal(size=(2, 5, 4))
    layer = L.Attention(dtype="float64")
    qm = np.array([[1, 1, 0], [1, 1, 1]], bool)
    vm = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    out, scores = layer([q, v, k], mask=[tf.constant(qm), tf.constant(vm)],
                        return_attention_scores=True)
    p = np_softmax(q @ k.transpose(0, 2, 1), vm[:, None, :])
    np.testing.assert_allclose(scores.numpy(), p, atol=1e-12)
    np.testing.assert_allclose(out.numpy(), (p @ v) * qm[..., None], atol=1e-12)
    # causal (square)
    x = RNG.normal(size=(2, 4, 3))
    y = L.Attention(dtype="float64")([x, x], use_causal_mask=True).numpy()
    pc = np_softmax(x @ x.transpose(0, 2, 1), np.tril(np.ones((4, 4), bool))[None])
    np.testing.assert_allclose(y, pc @ x, atol=1e-12)


def test_additive_and_concat_scores():
    q = RNG.normal(size=(2, 3, 4))
    v = RNG.normal(size=(2, 5, 4))
    add = L.AdditiveAttention(dtype="float64")
    out = add([q, v]).numpy()
    scale = add.scale.numpy()
    s = (scale * np.tanh(q[:, :, None] + v[:, None])).sum(-1)
    np.testing.assert_allclose(out, np_softmax(s) @ v, atol=1e-12)
    cat = L.Attention(score_mode="concat", use_scale=True, dtype="float64")
    cat.build([q.shape, v.shape])
    cat.set_weights([np.array(0.7), np.array(1.3)])
    s2 = 1.3 * np.tanh(0.7 * (q[:, :, None] + v[:, None])).sum(-1)
    np.testing.assert_allclose(cat([q, v]).numpy(), np_softmax(s2) @ v, atol=1e-12)


def test_multi_head_attention_matches_numpy():
    q = RNG.normal(size=(2, 4, 6))
    v = RNG.normal(size=(2, 5, 3))
    layer = L.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=2, dtype="float64")
    out, scores = layer(q, v, return_attention_scores=True)
    w = [x.astype(np.float64) for x in layer.get_weights()]
    assert [x.shape for x in w] == [(6, 2, 3), (2, 3), (3, 2, 3), (2, 3), (3, 2, 2), (2, 2),
                                    (2, 2, 6), (6,)]
    layer.set_weights([RNG.normal(size=x.shape) * 0.5 for x in w])
    w = layer.get_weights()
    out, scores = layer(q, v, return_attention_scores=True)
    ref, p = np_mha(q, v, v, w, 2, 3)
    np.testing.assert_allclose(out.numpy(), ref, atol=1e-12)
    np.testing.assert_allclose(scores.numpy(), p, atol=1e-12)
    # masks: value padding + causal + explicit attention_mask, combined with AND
    vm = np.array([[1, 1, 1, 1, 0], [1, 1, 0, 0, 0]], bool)
    am = RNG.random((2, 4, 5)) > 0.2
    am[:, :, 0] = True
    x = RNG.normal(size=(2, 5, 6))
    self_layer = L.MultiHeadAttention(num_heads=3, key_dim=2, dtype="float64")
    self_layer(x, x)
    wx = self_layer.get_weights()
    y = self_layer(x[:, :4], x, value_mask=tf.constant(vm), attention_mask=tf.constant(am),
                   use_causal_mask=True).numpy()
    allowed = vm[:, None, :] & am & np.tril(np.ones((4, 5), bool))[None]
    np.testing.assert_allclose(y, np_mha(x[:, :4], x, x, wx, 3, 2, allowed)[0], atol=1e-12)


def test_mha_uses_embedding_mask_and_gradients_flow():
    keras.utils.set_random_seed(2)
    ids = np.array([[4, 2, 0, 0], [1, 3, 5, 2]])
    emb = L.Embedding(8, 6, mask_zero=True)
    mha = L.MultiHeadAttention(2, 3)
    e = emb(ids)
    full = mha(e, e).numpy()
    # padding keys are ignored: row 0's first two outputs equal attending over 2 tokens only
    e2 = emb(ids[:1, :2])
    np.testing.assert_allclose(full[:1, :2], mha(e2, e2).numpy(), rtol=1e-5, atol=1e-6)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(mha(emb(ids), emb(ids)))
    grads = tape.gradient(loss, mha.trainable_weights + emb.trainable_weights)
    assert all(g is not None for g in grads)


def test_tiny_transformer_block_trains_and_saves(tmp_path):
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 6, 8)).astype(np.float32)
    y = (x[:, :, 0].sum(axis=1) > 0).astype(np.int64)
    inp = keras.Input((6, 8))
    att = L.MultiHeadAttention(2, 4)(inp, inp)
    h = L.LayerNormalization()(L.Add()([inp, att]))
    out = L.Dense(2, activation="softmax")(L.GlobalAveragePooling1D()(h))
    model = keras.Model(inp, out)
    model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    hist = model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    assert hist.history["accuracy"][-1] > 0.85
    path = str(tmp_path / "transformer.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_attention_errors():
    with pytest.raises(ValueError, match="list"):
        L.Attention()(np.zeros((2, 3, 4), np.float32))
    with pytest.raises(ValueError, match="score_mode"):
        L.Attention(score_mode="cosine")
    with pytest.raises(ValueError, match="batch, time, features"):
        L.MultiHeadAttention(2, 2)(np.zeros((2, 3), np.float32), np.zeros((2, 3), np.float32))
