"""ConvLSTM1D/2D/3D against a NumPy float64 reference (explicit loops over kernel offsets),
plus the standard layer checks, masks, states, dropout, gradients and errors.

(The comparison with real Keras, same weights, is in tests_reference/test_conv_recurrent.py.)
"""
import itertools

import numpy as np
import pytest

import ndflow as tf
from ndflow import keras
from tests.keras.layer_test_helper import run_layer_test


# ---- NumPy reference ---------------------------------------------------------------------

def np_conv(x, w, strides, padding, dilation):
    """Channels-last N-d convolution: x (b, *S, C), w (*K, C, O), TF's 'same' padding."""
    rank = w.ndim - 2
    ks = w.shape[:rank]
    pads = []
    for n, k, s, d in zip(x.shape[1:-1], ks, strides, dilation):
        keff = (k - 1) * d + 1
        if padding == "same":
            out = -(-n // s)
            total = max((out - 1) * s + keff - n, 0)
            pads.append((total // 2, total - total // 2))
        else:
            pads.append((0, 0))
    xp = np.pad(x, [(0, 0)] + pads + [(0, 0)])
    out_sp = [(xp.shape[1 + i] - ((ks[i] - 1) * dilation[i] + 1)) // strides[i] + 1
              for i in range(rank)]
    y = np.zeros((x.shape[0],) + tuple(out_sp) + (w.shape[-1],))
    for off in itertools.product(*[range(k) for k in ks]):
        sl = tuple(slice(off[i] * dilation[i],
                         off[i] * dilation[i] + (out_sp[i] - 1) * strides[i] + 1, strides[i])
                   for i in range(rank))
        y += xp[(slice(None),) + sl + (slice(None),)] @ w[off]
    return y


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def np_conv_lstm(x, kernel, rkernel, bias, strides=None, padding="valid", dilation=None,
                 mask=None, go_backwards=False, h0=None, c0=None, act=np.tanh,
                 ract=sigmoid, zero_output_for_mask=False):
    """Channels-last ConvLSTM over x (b, T, *S, C): (outputs (b, T, ...), h, c)."""
    x = x.astype(np.float64)
    rank = kernel.ndim - 2
    strides = strides or (1,) * rank
    dilation = dilation or (1,) * rank
    f = kernel.shape[-1] // 4
    b, t_len = x.shape[:2]
    probe = np_conv(x[:, 0], kernel, strides, padding, dilation)
    h = np.zeros(probe.shape[:-1] + (f,)) if h0 is None else h0.astype(np.float64)
    c = np.zeros_like(h) if c0 is None else c0.astype(np.float64)
    outs, prev = [], np.zeros_like(h)
    order = range(t_len - 1, -1, -1) if go_backwards else range(t_len)
    for t in order:
        z = np_conv(x[:, t], kernel, strides, padding, dilation) + \
            np_conv(h, rkernel, (1,) * rank, "same", (1,) * rank)
        if bias is not None:
            z = z + bias
        zi, zf, zc, zo = np.split(z, 4, axis=-1)
        c_new = ract(zf) * c + ract(zi) * act(zc)
        h_new = ract(zo) * act(c_new)
        if mask is None:
            h, c, out = h_new, c_new, h_new
        else:
            m = mask[:, t].reshape((b,) + (1,) * (rank + 1))
            out = np.where(m, h_new, 0 if zero_output_for_mask else prev)
            h = np.where(m, h_new, h)
            c = np.where(m, c_new, c)
        prev = out
        outs.append(out)
    return np.stack(outs, axis=1), h, c


def set_random_weights(layer, seed=0, scale=0.4):
    rng = np.random.default_rng(seed)
    ws = [(rng.normal(size=w.shape) * scale).astype(np.float32) for w in layer.get_weights()]
    layer.set_weights(ws)
    return ws


def rand(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


CLS = {1: keras.layers.ConvLSTM1D, 2: keras.layers.ConvLSTM2D, 3: keras.layers.ConvLSTM3D}


# ---- weights and outputs ----------------------------------------------------------------

@pytest.mark.parametrize("rank, kw, in_shape", [
    (1, dict(filters=3, kernel_size=3), (2, 4, 7, 2)),
    (1, dict(filters=2, kernel_size=2, padding="same"), (2, 3, 6, 3)),
    (1, dict(filters=2, kernel_size=3, strides=2), (2, 3, 9, 2)),
    (1, dict(filters=2, kernel_size=3, dilation_rate=2, go_backwards=True), (2, 4, 9, 2)),
    (2, dict(filters=3, kernel_size=(3, 2)), (2, 3, 6, 5, 2)),
    (2, dict(filters=2, kernel_size=3, strides=(2, 1), padding="same"), (1, 3, 7, 5, 3)),
    (3, dict(filters=2, kernel_size=2), (1, 3, 4, 4, 3, 2)),
])
def test_matches_numpy_reference(rank, kw, in_shape):
    layer = CLS[rank](return_sequences=True, return_state=True, **kw)
    x = rand(*in_shape)
    layer(x)
    kernel, rkernel, bias = set_random_weights(layer)
    seq, h, c = layer(x)
    ks = layer.kernel_size
    assert kernel.shape == ks + (in_shape[-1], 4 * kw["filters"])
    assert rkernel.shape == ks + (kw["filters"], 4 * kw["filters"])
    assert bias.shape == (4 * kw["filters"],)
    ref_seq, ref_h, ref_c = np_conv_lstm(
        x, kernel, rkernel, bias, layer.strides, layer.padding, layer.dilation_rate,
        go_backwards=kw.get("go_backwards", False))
    np.testing.assert_allclose(seq.numpy(), ref_seq, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(h.numpy(), ref_h, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(c.numpy(), ref_c, rtol=1e-4, atol=1e-5)
    # return_sequences=False gives the last output
    last = CLS[rank](**kw)
    last(x)
    last.set_weights([kernel, rkernel, bias])
    np.testing.assert_allclose(last(x).numpy(), ref_seq[:, -1], rtol=1e-4, atol=1e-5)


def test_weight_names_order_and_unit_forget_bias():
    layer = keras.layers.ConvLSTM2D(3, 3, bias_initializer="zeros", name="conv_lstm2d")
    layer(np.zeros((1, 2, 5, 5, 2), np.float32))
    assert [w.path for w in layer.weights] == [
        "conv_lstm2d/conv_lstm_cell/kernel", "conv_lstm2d/conv_lstm_cell/recurrent_kernel",
        "conv_lstm2d/conv_lstm_cell/bias"]
    np.testing.assert_array_equal(layer.weights[2].numpy(),
                                  [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    plain = keras.layers.ConvLSTM1D(2, 3, unit_forget_bias=False, use_bias=True)
    plain(np.zeros((1, 2, 5, 2), np.float32))
    np.testing.assert_array_equal(plain.weights[2].numpy(), np.zeros(8))
    nobias = keras.layers.ConvLSTM1D(2, 3, use_bias=False)
    nobias(np.zeros((1, 2, 5, 2), np.float32))
    assert [w.path.split("/")[-1] for w in nobias.weights] == ["kernel", "recurrent_kernel"]


def test_activations_and_no_bias_match_reference():
    layer = keras.layers.ConvLSTM1D(2, 2, activation="relu",
                                    recurrent_activation="hard_sigmoid", use_bias=False,
                                    return_sequences=True)
    x = rand(2, 3, 5, 2)
    layer(x)
    k, rk = set_random_weights(layer)

    def hard_sigmoid(z):   # Keras 3: relu6(z + 3) / 6
        return np.clip(z / 6 + 0.5, 0, 1)
    ref, _, _ = np_conv_lstm(x, k, rk, None, act=lambda v: np.maximum(v, 0),
                             ract=hard_sigmoid)
    np.testing.assert_allclose(layer(x).numpy(), ref, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("rank", [1, 2])
def test_channels_first_equals_channels_last_on_transposed_data(rank):
    shape = (2, 3) + (5,) * rank + (2,)
    xl = rand(*shape)
    perm = [0, 1, rank + 2] + list(range(2, rank + 2))
    xf = np.ascontiguousarray(xl.transpose(perm))
    last = CLS[rank](2, 3, padding="same", return_sequences=True, return_state=True)
    first = CLS[rank](2, 3, padding="same", return_sequences=True, return_state=True,
                      data_format="channels_first")
    last(xl)
    first(xf)
    first.set_weights(set_random_weights(last))
    a, b = last(xl), first(xf)
    np.testing.assert_allclose(b[0].numpy(), a[0].numpy().transpose(perm), rtol=1e-5,
                               atol=1e-6)
    sperm = [0, rank + 1] + list(range(1, rank + 1))
    for sa, sb in zip(a[1:], b[1:]):
        np.testing.assert_allclose(sb.numpy(), sa.numpy().transpose(sperm), rtol=1e-5,
                                   atol=1e-6)
    assert first.compute_output_shape((None,) + xf.shape[1:]) == [
        (None,) + xf.shape[1:2] + (2,) + xf.shape[3:], (None, 2) + xf.shape[3:],
        (None, 2) + xf.shape[3:]]


# ---- masks and states ------------------------------------------------------------------

@pytest.mark.parametrize("zero_output", [False, True])
def test_mask_keeps_states_and_repeats_outputs(zero_output):
    # Keras semantics: a masked step keeps h and c; its output is the previous output
    # (zeros before the first unmasked step), or zeros with zero_output_for_mask=True.
    mask = np.array([[1, 1, 0, 1], [0, 1, 1, 0]], bool)
    layer = keras.layers.ConvLSTM1D(2, 3, padding="same", return_sequences=True,
                                    return_state=True, zero_output_for_mask=zero_output)
    x = rand(2, 4, 5, 3)
    layer(x)
    ws = set_random_weights(layer)
    seq, h, c = layer(x, mask=mask)
    ref_seq, ref_h, ref_c = np_conv_lstm(x, *ws, padding="same", mask=mask,
                                         zero_output_for_mask=zero_output)
    np.testing.assert_allclose(seq.numpy(), ref_seq, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(h.numpy(), ref_h, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(c.numpy(), ref_c, rtol=1e-4, atol=1e-5)
    assert np.all(seq.numpy()[1, 0] == 0)                # masked before any step
    if not zero_output:
        np.testing.assert_array_equal(seq.numpy()[0, 2], seq.numpy()[0, 1])
    out_mask = layer.compute_mask(x, tf.constant(mask))
    assert out_mask[1:] == [None, None]
    np.testing.assert_array_equal(np.asarray(out_mask[0]), mask)


def test_mask_from_masking_layer_in_a_model():
    x = rand(2, 4, 5, 2)
    x[0, 3] = 0.0     # a fully padded last step
    x[1, 0] = 0.0
    inp = keras.Input((4, 5, 2))
    out = keras.layers.ConvLSTM1D(2, 3, return_sequences=True)(keras.layers.Masking(0.0)(inp))
    model = keras.Model(inp, out)
    layer = model.layers[-1]
    ws = set_random_weights(layer)
    mask = np.abs(x).reshape(2, 4, -1).max(-1) != 0
    ref, _, _ = np_conv_lstm(x, *ws, mask=mask)
    np.testing.assert_allclose(model(x).numpy(), ref, rtol=1e-4, atol=1e-5)


def test_initial_state_and_stateful():
    x = rand(2, 3, 6, 2)
    h0, c0 = rand(2, 4, 2, seed=1), rand(2, 4, 2, seed=2)
    layer = keras.layers.ConvLSTM1D(2, 3, return_sequences=True)
    layer(x)
    ws = set_random_weights(layer)
    ref, rh, rc = np_conv_lstm(x, *ws, h0=h0, c0=c0)
    np.testing.assert_allclose(layer(x, initial_state=[h0, c0]).numpy(), ref, rtol=1e-4,
                               atol=1e-5)
    # stateful: the second call starts from the first call's final states
    st = keras.layers.ConvLSTM1D(2, 3, stateful=True)
    st(x)
    st.set_weights(ws)
    st.reset_states()
    st(x[:, :2])
    second = st(x[:, 2:])
    _, ref_h, _ = np_conv_lstm(x, *ws)
    np.testing.assert_allclose(second.numpy(), ref_h, rtol=1e-4, atol=1e-5)
    st.reset_states()
    np.testing.assert_allclose(st(x).numpy(), ref_h, rtol=1e-4, atol=1e-5)
    zeros = st.get_initial_state(5)
    assert [tuple(z.shape) for z in zeros] == [(5, 4, 2), (5, 4, 2)]


def test_cell_step_by_step_equals_layer():
    layer = keras.layers.ConvLSTM2D(2, 3, padding="same", return_sequences=True,
                                    data_format="channels_first")
    x = rand(2, 3, 2, 4, 5)
    layer(x)
    set_random_weights(layer)
    cell = layer.cell
    h, c = cell.get_initial_state(2)
    outs = []
    for t in range(3):
        y, (h, c) = cell(tf.constant(x[:, t]), [h, c])
        outs.append(y.numpy())
    np.testing.assert_allclose(layer(x).numpy(), np.stack(outs, 1), rtol=1e-5, atol=1e-6)


# ---- training, gradients, dropout ---------------------------------------------------------

def test_gradients_match_finite_differences():
    layer = keras.layers.ConvLSTM1D(2, 2, padding="same", return_sequences=True,
                                    dtype="float64")
    x = np.random.default_rng(3).normal(size=(1, 3, 4, 2))
    layer(x)
    rng = np.random.default_rng(4)
    layer.set_weights([rng.normal(size=w.shape) * 0.5 for w in layer.get_weights()])
    wsum = rng.normal(size=(1, 3, 4, 2))
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        loss = tf.reduce_sum(layer(xt) * wsum)
    grads = tape.gradient(loss, [xt] + layer.trainable_weights)

    def f():
        return float(np.sum(layer(x).numpy() * wsum))
    eps = 1e-6
    # input gradient
    num = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        up = f()
        x[idx] = old - eps
        down = f()
        x[idx] = old
        num[idx] = (up - down) / (2 * eps)
    np.testing.assert_allclose(grads[0].numpy(), num, rtol=1e-6, atol=1e-8)
    # weight gradients
    for v, g in zip(layer.trainable_weights, grads[1:]):
        val = v.numpy().copy()
        num = np.zeros_like(val)
        for idx in np.ndindex(val.shape):
            p = val.copy()
            p[idx] += eps
            v.assign(p)
            up = f()
            p[idx] -= 2 * eps
            v.assign(p)
            down = f()
            num[idx] = (up - down) / (2 * eps)
        v.assign(val)
        np.testing.assert_allclose(g.numpy(), num, rtol=1e-6, atol=1e-8, err_msg=v.path)


def test_dropout_training_only_and_seeded():
    x = rand(2, 3, 6, 2)
    layer = keras.layers.ConvLSTM1D(2, 3, dropout=0.5, recurrent_dropout=0.5, seed=3,
                                    return_sequences=True)
    plain = keras.layers.ConvLSTM1D(2, 3, return_sequences=True)
    layer(x)
    plain(x)
    plain.set_weights(set_random_weights(layer))
    # inference: no dropout
    np.testing.assert_allclose(layer(x).numpy(), plain(x).numpy(), rtol=1e-6)
    # seed=: a second layer with the same seed draws the same masks
    a = layer(x, training=True).numpy()
    twin = keras.layers.ConvLSTM1D(2, 3, dropout=0.5, recurrent_dropout=0.5, seed=3,
                                   return_sequences=True)
    twin(x)
    twin.set_weights(layer.get_weights())
    np.testing.assert_array_equal(twin(x, training=True).numpy(), a)
    assert not np.allclose(a, plain(x).numpy())
    # no seed: keras.utils.set_random_seed reproduces the draws
    free = keras.layers.ConvLSTM1D(2, 3, dropout=0.5, recurrent_dropout=0.5,
                                   return_sequences=True)
    free(x)
    free.set_weights(layer.get_weights())
    keras.utils.set_random_seed(1)
    c = free(x, training=True).numpy()
    keras.utils.set_random_seed(1)
    np.testing.assert_array_equal(free(x, training=True).numpy(), c)
    # input dropout equals the plain layer on the masked (and 1/(1-rate) scaled) input
    only_in = keras.layers.ConvLSTM1D(2, 3, dropout=0.5, seed=3, return_sequences=True)
    only_in(x)
    only_in.set_weights(plain.get_weights())
    out = only_in(x, training=True).numpy()
    mask = only_in.cell._dp_mask
    assert mask.shape == (2, 6, 2) and set(np.unique(mask)) <= {0.0, 2.0}
    np.testing.assert_allclose(out, plain(x * mask[:, None]).numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("rank, kw, in_shape, out_shape", [
    (1, dict(filters=3, kernel_size=2, return_sequences=True), (2, 3, 6, 2), (2, 3, 5, 3)),
    (2, dict(filters=2, kernel_size=3, padding="same", dropout=0.2, recurrent_dropout=0.2),
     (2, 3, 5, 4, 2), (2, 5, 4, 2)),
    (3, dict(filters=2, kernel_size=2, data_format="channels_first"), (1, 2, 2, 3, 3, 3),
     (1, 2, 2, 2, 2)),
])
def test_layer_helper(rank, kw, in_shape, out_shape):
    run_layer_test(CLS[rank], kw, input_shape=in_shape, expected_output_shape=out_shape,
                   expected_num_trainable_weights=3, expected_num_non_trainable_weights=0)


def test_return_state_shapes_and_symbolic():
    inp = keras.Input((4, 8, 8, 3))
    out = keras.layers.ConvLSTM2D(5, 3, strides=2, return_state=True)(inp)
    assert [tuple(o.shape) for o in out] == [(None, 3, 3, 5)] * 3
    model = keras.Model(inp, out)
    res = model(rand(2, 4, 8, 8, 3))
    assert [tuple(r.shape) for r in res] == [(2, 3, 3, 5)] * 3
    np.testing.assert_array_equal(res[0].numpy(), res[1].numpy())


def test_fit_lowers_loss():
    keras.utils.set_random_seed(0)
    x = rand(16, 3, 6, 2)
    y = x.sum(axis=(1, 2, 3))[:, None] * 0.1
    model = keras.Sequential([keras.Input((3, 6, 2)),
                              keras.layers.ConvLSTM1D(4, 3, padding="same"),
                              keras.layers.Flatten(), keras.layers.Dense(1)])
    model.compile("adam", "mse")
    hist = model.fit(x, y, epochs=5, batch_size=8, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]


# ---- config and errors ------------------------------------------------------------------

def test_get_config_keys_and_defaults():
    # the keys (and order) of Keras 3.15's ConvLSTM2D(3, 3).get_config(), pasted from Keras
    keras_keys = [
        "name", "trainable", "dtype", "return_sequences", "return_state", "go_backwards",
        "stateful", "unroll", "zero_output_for_mask", "filters", "kernel_size", "strides",
        "padding", "data_format", "dilation_rate", "activation", "recurrent_activation",
        "use_bias", "kernel_initializer", "recurrent_initializer", "bias_initializer",
        "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer",
        "bias_regularizer", "activity_regularizer", "kernel_constraint",
        "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout", "seed"]
    cfg = keras.layers.ConvLSTM2D(3, 3).get_config()
    assert list(cfg) == keras_keys
    assert cfg["kernel_size"] == (3, 3) and cfg["strides"] == (1, 1)
    assert cfg["dilation_rate"] == (1, 1) and cfg["padding"] == "valid"
    assert cfg["data_format"] == "channels_last" and cfg["activation"] == "tanh"
    assert cfg["recurrent_activation"] == "sigmoid" and cfg["unit_forget_bias"] is True
    assert cfg["kernel_initializer"]["class_name"] == "GlorotUniform"
    assert cfg["recurrent_initializer"]["class_name"] == "Orthogonal"
    assert cfg["unroll"] is False and cfg["zero_output_for_mask"] is False
    clone = keras.layers.ConvLSTM2D.from_config(cfg)
    assert clone.get_config() == cfg
    assert keras.layers.ConvLSTM3D(2, 2).kernel_size == (2, 2, 2)


def test_errors():
    with pytest.raises(ValueError, match="ConvLSTM2D.*filters"):
        keras.layers.ConvLSTM2D(0, 3)
    with pytest.raises(ValueError, match="ConvLSTM1D.*padding"):
        keras.layers.ConvLSTM1D(2, 3, padding="causal")
    with pytest.raises(ValueError, match="strides > 1 together with dilation_rate > 1"):
        keras.layers.ConvLSTM2D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="ConvLSTM2D.*rank 5"):
        keras.layers.ConvLSTM2D(2, 3)(np.zeros((2, 3, 4, 2), np.float32))
    with pytest.raises(ValueError, match="static spatial"):
        keras.layers.ConvLSTM1D(2, 3)(keras.Input((3, None, 2)))
