"""Recurrent layers: run_layer_test, hand-written NumPy references with Keras' gate layout,
masks, go_backwards, states, dropout, fused kernels against the op-by-op cell loop."""
import os
import sys

import numpy as np
import pytest

import ndflow as tf
from ndflow import keras
from ndflow.keras import layers as L

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from layer_test_helper import run_layer_test  # noqa: E402

RNG = np.random.default_rng(11)


def sig(x):
    return 1 / (1 + np.exp(-x))


def np_lstm(x, k, rk, b, h=None, c=None, mask=None):
    """Keras LSTM: gates i, f, c, o; masked steps keep the state and repeat the output."""
    u = rk.shape[0]
    bsz = x.shape[0]
    h = np.zeros((bsz, u)) if h is None else h
    c = np.zeros((bsz, u)) if c is None else c
    outs = []
    for t in range(x.shape[1]):
        z = x[:, t] @ k + h @ rk + b
        i, f, g, o = sig(z[:, :u]), sig(z[:, u:2 * u]), np.tanh(z[:, 2 * u:3 * u]), \
            sig(z[:, 3 * u:])
        c_new = f * c + i * g
        h_new = o * np.tanh(c_new)
        if mask is not None:
            m = mask[:, t:t + 1]
            h_new, c_new = np.where(m, h_new, h), np.where(m, c_new, c)
        h, c = h_new, c_new
        outs.append(h)
    return np.stack(outs, 1), h, c


def np_gru(x, k, rk, b, reset_after=True, h=None):
    u = rk.shape[0]
    h = np.zeros((x.shape[0], u)) if h is None else h
    outs = []
    for t in range(x.shape[1]):
        if reset_after:
            xw = x[:, t] @ k + b[0]
            rec = h @ rk + b[1]
            z = sig(xw[:, :u] + rec[:, :u])
            r = sig(xw[:, u:2 * u] + rec[:, u:2 * u])
            hh = np.tanh(xw[:, 2 * u:] + r * rec[:, 2 * u:])
        else:
            xw = x[:, t] @ k + b
            z = sig(xw[:, :u] + h @ rk[:, :u])
            r = sig(xw[:, u:2 * u] + h @ rk[:, u:2 * u])
            hh = np.tanh(xw[:, 2 * u:] + (r * h) @ rk[:, 2 * u:])
        h = z * h + (1 - z) * hh
        outs.append(h)
    return np.stack(outs, 1), h


def np_simple(x, k, rk, b, act=np.tanh):
    h = np.zeros((x.shape[0], rk.shape[0]))
    outs = []
    for t in range(x.shape[1]):
        h = act(x[:, t] @ k + h @ rk + b)
        outs.append(h)
    return np.stack(outs, 1), h


def randomize(layer, shape, scale=0.5):
    layer.build(shape)
    layer.set_weights([RNG.normal(size=w.shape) * scale for w in layer.get_weights()])
    return [w.astype(np.float64) for w in layer.get_weights()]


# ---- run_layer_test ----------------------------------------------------------------------------

CASES = [
    (L.SimpleRNN, {"units": 3}, (2, 5, 4), (2, 3), 3),
    (L.SimpleRNN, {"units": 3, "activation": "relu", "return_sequences": True}, (2, 5, 4),
     (2, 5, 3), 3),
    (L.LSTM, {"units": 3}, (2, 5, 4), (2, 3), 3),
    (L.LSTM, {"units": 3, "return_sequences": True, "go_backwards": True}, (2, 5, 4),
     (2, 5, 3), 3),
    (L.LSTM, {"units": 3, "return_state": True}, (2, 5, 4), [(2, 3), (2, 3), (2, 3)], 3),
    (L.LSTM, {"units": 2, "dropout": 0.3, "recurrent_dropout": 0.3}, (2, 4, 3),
     (2, 2), 3),
    (L.GRU, {"units": 3, "return_sequences": True}, (2, 5, 4), (2, 5, 3), 3),
    (L.GRU, {"units": 3, "reset_after": False}, (2, 5, 4), (2, 3), 3),
    (L.GRU, {"units": 3, "return_state": True, "unroll": True}, (2, 4, 4), [(2, 3), (2, 3)], 3),
]


@pytest.mark.parametrize("cls,kwargs,shape,out,nw", CASES,
                         ids=["%s-%d" % (c[0].__name__, i) for i, c in enumerate(CASES)])
def test_rnn_layer_test(cls, kwargs, shape, out, nw):
    run_layer_test(cls, kwargs, input_shape=shape, expected_output_shape=out,
                   expected_num_trainable_weights=nw, expected_num_non_trainable_weights=0)


def test_wrappers_and_generic_rnn_layer_test():
    run_layer_test(L.Bidirectional, {"layer": L.LSTM(3, return_sequences=True)},
                   input_shape=(2, 4, 3), expected_output_shape=(2, 4, 6),
                   expected_num_trainable_weights=6)
    run_layer_test(L.Bidirectional, {"layer": L.GRU(2), "merge_mode": "sum"},
                   input_shape=(2, 4, 3), expected_output_shape=(2, 2),
                   expected_num_trainable_weights=6)
    run_layer_test(L.TimeDistributed, {"layer": L.Dense(3)}, input_shape=(2, 4, 5),
                   expected_output_shape=(2, 4, 3), expected_num_trainable_weights=2)
    run_layer_test(L.RNN, {"cell": L.LSTMCell(3), "return_sequences": True},
                   input_shape=(2, 4, 5), expected_output_shape=(2, 4, 3),
                   expected_num_trainable_weights=3)
    run_layer_test(L.RNN, {"cell": [L.GRUCell(3), L.SimpleRNNCell(2)]},
                   input_shape=(2, 4, 5), expected_output_shape=(2, 2),
                   expected_num_trainable_weights=6)


# ---- NumPy references ---------------------------------------------------------------------------

def test_lstm_matches_numpy_reference_with_keras_layout():
    x = RNG.normal(size=(3, 6, 4))
    layer = L.LSTM(5, return_sequences=True, return_state=True, dtype="float64")
    k, rk, b = randomize(layer, x.shape)
    assert k.shape == (4, 20) and rk.shape == (5, 20) and b.shape == (20,)
    seq, h, c = layer(x)
    rs, rh, rc = np_lstm(x, k, rk, b)
    np.testing.assert_allclose(seq.numpy(), rs, atol=1e-12)
    np.testing.assert_allclose(h.numpy(), rh, atol=1e-12)
    np.testing.assert_allclose(c.numpy(), rc, atol=1e-12)
    # initial state
    h0, c0 = RNG.normal(size=(3, 5)), RNG.normal(size=(3, 5))
    seq2 = layer(x, initial_state=[h0, c0])[0].numpy()
    np.testing.assert_allclose(seq2, np_lstm(x, k, rk, b, h0, c0)[0], atol=1e-12)


def test_lstm_unit_forget_bias_initialization():
    layer = L.LSTM(4)
    layer.build((None, 3, 2))
    b = layer.get_weights()[2]
    np.testing.assert_array_equal(b, np.r_[np.zeros(4), np.ones(4), np.zeros(8)])


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_matches_numpy_reference(reset_after):
    x = RNG.normal(size=(2, 5, 3))
    layer = L.GRU(4, return_sequences=True, reset_after=reset_after, dtype="float64")
    k, rk, b = randomize(layer, x.shape)
    assert b.shape == ((2, 12) if reset_after else (12,))
    rs, _ = np_gru(x, k, rk, b, reset_after)
    np.testing.assert_allclose(layer(x).numpy(), rs, atol=1e-12)


def test_simple_rnn_matches_numpy_and_go_backwards():
    x = RNG.normal(size=(2, 5, 3))
    layer = L.SimpleRNN(4, return_sequences=True, dtype="float64")
    k, rk, b = randomize(layer, x.shape)
    np.testing.assert_allclose(layer(x).numpy(), np_simple(x, k, rk, b)[0], atol=1e-12)
    back = L.SimpleRNN(4, return_sequences=True, go_backwards=True, dtype="float64")
    back.build(x.shape)
    back.set_weights([k, rk, b])
    # outputs come in processing order (last timestep first), as in Keras
    np.testing.assert_allclose(back(x).numpy(), np_simple(x[:, ::-1], k, rk, b)[0],
                               atol=1e-12)


def test_masking_skips_timesteps():
    x = RNG.normal(size=(3, 6, 2))
    mask = np.ones((3, 6), bool)
    mask[0, 4:] = False      # post-padding
    mask[1, :2] = False      # pre-padding
    layer = L.LSTM(3, return_sequences=True, return_state=True, dtype="float64")
    k, rk, b = randomize(layer, x.shape)
    seq, h, c = layer(x, mask=tf.constant(mask))
    rs, rh, rc = np_lstm(x, k, rk, b, mask=mask)
    np.testing.assert_allclose(seq.numpy(), rs, atol=1e-12)
    np.testing.assert_allclose(h.numpy(), rh, atol=1e-12)
    # the final state of the post-padded row equals running on the unpadded prefix
    short = np_lstm(x[:1, :4], k, rk, b)[1]
    np.testing.assert_allclose(h.numpy()[:1], short, atol=1e-12)


def test_embedding_mask_reaches_lstm_and_masking_layer():
    keras.utils.set_random_seed(0)
    ids = np.array([[3, 5, 2, 0, 0], [1, 4, 4, 7, 2]])
    emb = L.Embedding(10, 4, mask_zero=True)
    lstm = L.LSTM(3)
    out = lstm(emb(ids)).numpy()
    ref = lstm(emb(ids[:1, :3])).numpy()
    np.testing.assert_allclose(out[:1], ref, rtol=1e-5, atol=1e-6)
    # the same through a Sequential model
    model = keras.Sequential([emb, lstm])
    np.testing.assert_allclose(model(ids).numpy(), out, rtol=1e-6)
    # Masking: all-zero timesteps are skipped
    x = RNG.normal(size=(2, 5, 3)).astype(np.float32)
    x[0, 3:] = 0
    gru = L.GRU(2)
    masked = gru(L.Masking(0.0)(x)).numpy()
    np.testing.assert_allclose(masked[:1], gru(x[:1, :3]).numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cls", [L.SimpleRNN, L.LSTM, L.GRU])
@pytest.mark.parametrize("opts", [
    {"return_sequences": True},
    {"return_sequences": True, "go_backwards": True},
    {"return_state": True},
    {"return_sequences": True, "zero_output_for_mask": True},
])
def test_fused_kernel_matches_cell_loop_values_and_gradients(cls, opts):
    """The fused NumPy kernels against unroll=True (op-by-op cells), with a mask."""
    x = RNG.normal(size=(3, 5, 4))
    mask = np.ones((3, 5), bool)
    mask[0, 3:] = False
    mask[1, :2] = False
    fused = cls(3, dtype="float64", **opts)
    loop = cls(3, dtype="float64", unroll=True, **opts)
    w = randomize(fused, x.shape)
    loop.build(x.shape)
    loop.set_weights(w)
    results = []
    for layer in (fused, loop):
        xt = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(xt)
            out = layer(xt, mask=tf.constant(mask))
            outs = out if isinstance(out, list) else [out]
            loss = sum(tf.reduce_sum(o * np.cos(np.arange(o.numpy().size)).reshape(o.shape))
                       for o in outs)
        grads = tape.gradient(loss, [xt] + layer.trainable_weights)
        results.append(([o.numpy() for o in outs], [g.numpy() for g in grads]))
    for a, b in zip(results[0][0], results[1][0]):
        np.testing.assert_allclose(a, b, atol=1e-12)
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_allclose(a, b, atol=1e-10)


def test_fused_lstm_gradient_matches_finite_differences():
    x = RNG.normal(size=(2, 4, 3))
    layer = L.LSTM(2, return_sequences=True, dtype="float64")
    k, rk, b = randomize(layer, x.shape)
    dy = RNG.normal(size=(2, 4, 2))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x) * dy)
    g_rk = tape.gradient(loss, layer.cell.recurrent_kernel).numpy()
    num = np.zeros_like(rk)
    eps = 1e-6
    for idx in np.ndindex(*rk.shape):
        p, m = rk.copy(), rk.copy()
        p[idx] += eps
        m[idx] -= eps
        num[idx] = ((np_lstm(x, k, p, b)[0] - np_lstm(x, k, m, b)[0]) * dy).sum() / (2 * eps)
    np.testing.assert_allclose(g_rk, num, atol=1e-7)


def test_recurrent_dropout_fused_matches_loop_and_inference_is_deterministic():
    x = RNG.normal(size=(3, 4, 2))
    outs = []
    for unroll in (False, True):
        layer = L.LSTM(3, dropout=0.4, recurrent_dropout=0.3, seed=5, unroll=unroll,
                       dtype="float64")
        layer.build(x.shape)
        layer.set_weights([np.full(w.shape, 0.3) for w in layer.get_weights()])
        outs.append(layer(x, training=True).numpy())
        inf = layer(x).numpy()
        np.testing.assert_allclose(inf, layer(x, training=False).numpy())
        assert np.abs(inf - outs[-1]).max() > 1e-3
    np.testing.assert_allclose(outs[0], outs[1], atol=1e-12)


def test_stateful_carries_states_between_calls():
    x = RNG.normal(size=(2, 6, 3))
    layer = L.GRU(4, stateful=True, dtype="float64")
    k, rk, b = randomize(layer, x.shape)
    layer(x[:, :3])
    second = layer(x[:, 3:]).numpy()
    np.testing.assert_allclose(second, np_gru(x, k, rk, b)[1], atol=1e-12)
    layer.reset_states()
    np.testing.assert_allclose(layer(x[:, 3:]).numpy(), np_gru(x[:, 3:], k, rk, b)[1],
                               atol=1e-12)
    with pytest.raises(ValueError, match="batch size"):
        layer(x[:1])


def test_custom_cell_and_stacked_cells():
    class MinimalCell(keras.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units))
            self.recurrent_kernel = self.add_weight(name="recurrent_kernel",
                                                    shape=(self.units, self.units))

        def call(self, inputs, states):
            h = tf.matmul(inputs, self.kernel) + tf.matmul(states[0], self.recurrent_kernel)
            return h, [h]

    x = RNG.normal(size=(2, 4, 3)).astype(np.float32)
    layer = L.RNN(MinimalCell(2), return_sequences=True)
    y = layer(x).numpy()
    k = layer.cell.kernel.numpy().astype(np.float64)
    rk = layer.cell.recurrent_kernel.numpy().astype(np.float64)
    ref = np_simple(x.astype(np.float64), k, rk, 0.0, act=lambda v: v)[0]
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-6)
    stacked = L.RNN([L.SimpleRNNCell(3), L.SimpleRNNCell(2)], return_state=True,
                    dtype="float64")
    xd = x.astype(np.float64)
    out, s1, s2 = stacked(xd)
    w = stacked.get_weights()
    h1 = np_simple(xd, *w[:3])[0]
    ref2 = np_simple(h1, *w[3:])[1]
    np.testing.assert_allclose(out.numpy(), ref2, atol=1e-12)
    np.testing.assert_allclose(s2.numpy(), ref2, atol=1e-12)


def test_bidirectional_and_time_distributed_reference():
    x = RNG.normal(size=(2, 5, 3))
    bi = L.Bidirectional(L.LSTM(2, return_sequences=True, dtype="float64"), dtype="float64")
    w = randomize(bi, x.shape)
    fw = np_lstm(x, *w[:3])[0]
    bw = np_lstm(x[:, ::-1], *w[3:])[0][:, ::-1]
    np.testing.assert_allclose(bi(x).numpy(), np.concatenate([fw, bw], -1), atol=1e-12)
    assert [v.path.split("/")[0] for v in bi.weights][:1] != [None]
    td = L.TimeDistributed(L.Dense(4, dtype="float64"), dtype="float64")
    y = td(x).numpy()
    kd, bd = td.get_weights()
    np.testing.assert_allclose(y, x @ kd + bd, atol=1e-12)


def test_lstm_text_classifier_learns():
    keras.utils.set_random_seed(1)
    rng = np.random.default_rng(1)
    n, t = 256, 8
    ids = rng.integers(1, 20, size=(n, t))
    y = (ids == 7).any(axis=1).astype(np.int64)      # does token 7 occur?
    lengths = rng.integers(3, t + 1, size=n)
    for i, length in enumerate(lengths):
        ids[i, length:] = 0
    y = np.array([(row[row > 0] == 7).any() for row in ids]).astype(np.int64)
    model = keras.Sequential([L.Embedding(20, 8, mask_zero=True), L.LSTM(8),
                              L.Dense(1, activation="sigmoid")])
    model.compile(keras.optimizers.Adam(0.02), "binary_crossentropy", metrics=["accuracy"])
    hist = model.fit(ids, y, epochs=12, batch_size=32, verbose=0)
    assert hist.history["accuracy"][-1] > 0.9


def test_rnn_errors():
    with pytest.raises(ValueError, match="timesteps"):
        L.LSTM(2)(np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError, match="initial_state"):
        L.LSTM(2)(np.zeros((2, 3, 1), np.float32), initial_state=[np.zeros((2, 2))])
    with pytest.raises(ValueError, match="units"):
        L.GRU(0)
    with pytest.raises(ValueError, match="mask"):
        L.GRU(2)(np.zeros((2, 3, 1), np.float32), mask=np.ones((2, 4), bool))
    with pytest.raises(ValueError, match="RNN layer"):
        L.Bidirectional(L.Dense(3))


def test_second_order_gradients_need_unroll():
    x = tf.constant(RNG.normal(size=(2, 3, 2)))

    def grad_norm(layer):
        with tf.GradientTape() as outer:
            outer.watch(x)
            with tf.GradientTape() as inner:
                inner.watch(x)
                y = tf.reduce_sum(layer(x) ** 2)
            g = inner.gradient(y, x)
            n = tf.reduce_sum(g * g)
        return outer.gradient(n, x)

    fused = L.LSTM(2, dtype="float64")
    with pytest.raises(NotImplementedError, match="unroll=True"):
        grad_norm(fused)
    loop = L.LSTM(2, dtype="float64", unroll=True)
    loop.build(x.shape)
    loop.set_weights(fused.get_weights())
    g2 = grad_norm(loop).numpy()

    def norm_at(xv):
        xt = tf.constant(xv)
        with tf.GradientTape() as tape:
            tape.watch(xt)
            y = tf.reduce_sum(loop(xt) ** 2)
        return float(tf.reduce_sum(tape.gradient(y, xt) ** 2))
    xv = x.numpy()
    eps = 1e-6
    for idx in [(0, 0, 0), (1, 2, 1), (0, 1, 1)]:
        p, m = xv.copy(), xv.copy()
        p[idx] += eps
        m[idx] -= eps
        assert g2[idx] == pytest.approx((norm_at(p) - norm_at(m)) / (2 * eps), rel=1e-5,
                                        abs=1e-8)


def test_get_initial_state_takes_a_batch_size_or_the_inputs():
    # Keras 3 passes the batch size; TF 2 tutorials pass the input tensor
    gru = L.GRU(3, return_sequences=True, return_state=True)
    x = tf.constant(np.ones((4, 5, 2), np.float32))
    for arg in (4, np.int64(4), tf.constant(4), x):
        states = gru.get_initial_state(arg)
        assert [tuple(s.shape) for s in states] == [(4, 3)]
        assert not any(s.numpy().any() for s in states)
    lstm = L.LSTM(2)
    assert [tuple(s.shape) for s in lstm.get_initial_state(x)] == [(4, 2), (4, 2)]
    assert [tuple(s.shape) for s in L.LSTMCell(2).get_initial_state(inputs=x)] == \
        [(4, 2), (4, 2)]
    out, state = gru(x, initial_state=gru.get_initial_state(x))
    np.testing.assert_array_equal(out.numpy(), gru(x)[0].numpy())
    with pytest.raises(TypeError, match="batch size"):
        gru.get_initial_state("four")
