"""ONNX export (``model.export(path, format="onnx")``): every model is exported, checked
with ``onnx.checker`` and run by ONNX Runtime (an independent implementation of every op)
at two batch sizes; the outputs must equal ``model.predict`` within 1e-5.  The recurrent
layers are also checked against NumPy loops written from Keras' gate equations, so the
gate reordering is verified independently of ndflow's own kernels."""
import sys

import numpy as np
import onnx
import onnxruntime as ort
import pytest

import ndflow as tf
from ndflow import keras
from ndflow.keras import layers as L
from ndflow.keras.export import export_onnx, to_onnx
from ndflow.keras.export.onnx_export import NotExportableError

ATOL = 1e-5


def _randomize(model, seed=0):
    """Non-trivial values for every weight (biases, BN statistics and gammas included)."""
    rng = np.random.default_rng(seed)
    for v in model.weights:
        shape = tuple(v.shape)
        if "variance" in v.name:
            value = rng.uniform(0.5, 1.5, shape)
        elif "embeddings" in v.name:
            value = rng.normal(0, 1, shape)
        else:
            value = rng.normal(0, 0.4, shape)
        v.assign(value.astype(v.dtype if isinstance(v.dtype, str) else "float32"))


def _session(path):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def _export(model, tmp_path, name="model.onnx", **kwargs):
    path = tmp_path / name
    model.export(str(path), format="onnx", verbose=False, **kwargs)
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto, full_check=True)
    return path, proto


def _run(sess, inputs):
    feeds = inputs if isinstance(inputs, (list, tuple)) else [inputs]
    return sess.run(None, {i.name: x for i, x in zip(sess.get_inputs(), feeds)})


def _as_list(y):
    return [np.asarray(v) for v in y] if isinstance(y, (list, tuple)) else [np.asarray(y)]


def check_model(model, make_input, tmp_path, batch_sizes=(1, 7), **kwargs):
    """Export, check, and compare ONNX Runtime with predict at two batch sizes; returns the
    largest absolute difference."""
    path, proto = _export(model, tmp_path, **kwargs)
    for inp in proto.graph.input:
        assert inp.type.tensor_type.shape.dim[0].dim_param == "batch"
    sess = _session(path)
    worst = 0.0
    for n in batch_sizes:
        x = make_input(n)
        got = _run(sess, x)
        want = _as_list(model.predict(x, verbose=0))
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert g.shape == w.shape
            np.testing.assert_allclose(g, w, rtol=0, atol=ATOL)
            worst = max(worst, float(np.max(np.abs(g - w))) if g.size else 0.0)
    return worst


def normal(*shape, seed=1, scale=1.0):
    rng = np.random.default_rng(seed + int(np.prod(shape)))
    return (rng.normal(size=shape) * scale).astype("float32")


def ids(n, t, vocab, seed=2):
    return np.random.default_rng(seed + n).integers(0, vocab, size=(n, t)).astype("int32")


@pytest.fixture(autouse=True)
def _seed():
    keras.utils.set_random_seed(1234)


# ---- the models of the tutorials --------------------------------------------------------------

def test_dense_mlp(tmp_path):
    model = keras.Sequential([L.Input((20,)), L.Dense(32, activation="relu"), L.Dropout(0.3),
                              L.Dense(16, activation="tanh"), L.Dense(5, activation="softmax")])
    _randomize(model)
    check_model(model, lambda n: normal(n, 20), tmp_path)


def test_small_cnn(tmp_path):
    model = keras.Sequential([
        L.Input((28, 28, 1)),
        L.Conv2D(8, 3, activation="relu"), L.MaxPooling2D(),
        L.Conv2D(16, 3, activation="relu"), L.MaxPooling2D(),
        L.Flatten(), L.Dropout(0.5), L.Dense(10, activation="softmax")])
    _randomize(model)
    check_model(model, lambda n: normal(n, 28, 28, 1), tmp_path)


def test_augmentation_layers_are_the_identity(tmp_path):
    # the image tutorials keep their augmentation inside the model; at inference it
    # passes images through.  RandomCrop resizes at inference, so it is not exported.
    model = keras.Sequential([
        L.Input((12, 12, 3)),
        L.RandomFlip("horizontal"), L.RandomRotation(0.1), L.RandomZoom(0.1),
        L.RandomTranslation(0.1, 0.1), L.RandomContrast(0.2), L.RandomBrightness(0.2),
        L.Rescaling(1 / 255.0), L.Conv2D(4, 3, activation="relu"),
        L.GlobalAveragePooling2D(), L.Dense(2)])
    _randomize(model)
    check_model(model, lambda n: normal(n, 12, 12, 3, scale=50.0) + 128, tmp_path)
    proto = onnx.load(str(tmp_path / "model.onnx"))
    assert not any(n.op_type.startswith("Random") for n in proto.graph.node)
    crop = keras.Sequential([L.Input((12, 12, 3)), L.RandomCrop(8, 8), L.Flatten()])
    with pytest.raises(NotExportableError, match=r"\(RandomCrop\) is not exportable"):
        crop.export(str(tmp_path / "crop.onnx"), format="onnx", verbose=False)


def test_functional_concat_add_batchnorm(tmp_path):
    inp = keras.Input((12,))
    a = L.Dense(8, activation="relu")(inp)
    b = L.Dense(8, activation="elu")(inp)
    s = L.Add()([a, b])
    c = L.Concatenate()([a, s, b])
    h = L.BatchNormalization()(c)
    out = L.Dense(3, activation="sigmoid")(h)
    model = keras.Model(inp, out)
    _randomize(model)
    check_model(model, lambda n: normal(n, 12), tmp_path)


def test_functional_two_inputs_two_outputs(tmp_path):
    x1, x2 = keras.Input((6,), name="left"), keras.Input((6,), name="right")
    merged = [L.Subtract()([x1, x2]), L.Multiply()([x1, x2, x1]), L.Average()([x1, x2]),
              L.Maximum()([x1, x2]), L.Minimum()([x1, x2])]
    h = L.Concatenate(axis=-1)(merged)
    out1 = L.Dense(2, name="first")(h)
    out2 = L.Dot(axes=1, normalize=True)([x1, x2])
    model = keras.Model([x1, x2], [out1, out2])
    _randomize(model)
    path, proto = _export(model, tmp_path)
    assert [i.name for i in proto.graph.input] == ["left", "right"]
    assert len(proto.graph.output) == 2
    check_model(model, lambda n: [normal(n, 6, seed=3), normal(n, 6, seed=4)], tmp_path)


def test_dict_inputs_and_outputs(tmp_path):
    feat = keras.Input((4,), name="feat")
    tok = keras.Input((3,), name="tok", dtype="int64")
    e = L.Flatten()(L.Embedding(10, 2)(tok))
    model = keras.Model({"feat": feat, "tok": tok},
                        {"score": L.Dense(1)(L.Concatenate()([feat, e]))})
    _randomize(model)
    path, proto = _export(model, tmp_path)
    assert [i.name for i in proto.graph.input] == ["feat", "tok"]
    assert proto.graph.input[1].type.tensor_type.elem_type == onnx.TensorProto.INT64
    assert [o.name for o in proto.graph.output] == ["score"]
    sess = _session(path)
    x = {"feat": normal(5, 4), "tok": np.arange(15).reshape(5, 3) % 10}
    got = sess.run(None, x)[0]
    np.testing.assert_allclose(got, model.predict(x, verbose=0)["score"], rtol=0, atol=ATOL)


# ---- recurrent ------------------------------------------------------------------------------

def sig(x):
    return 1 / (1 + np.exp(-x))


def np_lstm(x, k, rk, b):
    """Keras LSTM, gates i, f, c, o side by side: (sequence, last h)."""
    u = rk.shape[0]
    h = np.zeros((x.shape[0], u))
    c = np.zeros((x.shape[0], u))
    seq = []
    for t in range(x.shape[1]):
        z = x[:, t] @ k + h @ rk + b
        i, f, g, o = (sig(z[:, :u]), sig(z[:, u:2 * u]), np.tanh(z[:, 2 * u:3 * u]),
                      sig(z[:, 3 * u:]))
        c = f * c + i * g
        h = o * np.tanh(c)
        seq.append(h)
    return np.stack(seq, 1), h


def np_gru(x, k, rk, b, reset_after):
    """Keras GRU, gates z, r, h: (sequence, last h)."""
    u = rk.shape[0]
    h = np.zeros((x.shape[0], u))
    seq = []
    for t in range(x.shape[1]):
        if reset_after:
            xw = x[:, t] @ k + b[0]
            hw = h @ rk + b[1]
            z = sig(xw[:, :u] + hw[:, :u])
            r = sig(xw[:, u:2 * u] + hw[:, u:2 * u])
            hh = np.tanh(xw[:, 2 * u:] + r * hw[:, 2 * u:])
        else:
            xw = x[:, t] @ k + b
            z = sig(xw[:, :u] + h @ rk[:, :u])
            r = sig(xw[:, u:2 * u] + h @ rk[:, u:2 * u])
            hh = np.tanh(xw[:, 2 * u:] + (r * h) @ rk[:, 2 * u:])
        h = z * h + (1 - z) * hh
        seq.append(h)
    return np.stack(seq, 1), h


def _text_model(rnn, vocab=30, steps=11):
    model = keras.Sequential([L.Input((steps,), dtype="int32"), L.Embedding(vocab, 8), rnn])
    _randomize(model)
    return model


def _embedded(model, x):
    return model.layers[0].embeddings.numpy()[x].astype(np.float64)


@pytest.mark.parametrize("return_sequences", [False, True])
def test_embedding_lstm(tmp_path, return_sequences):
    model = _text_model(L.LSTM(6, return_sequences=return_sequences))
    check_model(model, lambda n: ids(n, 11, 30), tmp_path)
    cell = model.layers[1].cell
    x = ids(4, 11, 30)
    seq, last = np_lstm(_embedded(model, x), cell.kernel.numpy(), cell.recurrent_kernel.numpy(),
                        cell.bias.numpy())
    got = _run(_session(tmp_path / "model.onnx"), x)[0]
    np.testing.assert_allclose(got, seq if return_sequences else last, rtol=0, atol=ATOL)


@pytest.mark.parametrize("reset_after", [True, False])
def test_embedding_gru(tmp_path, reset_after):
    model = _text_model(L.GRU(5, reset_after=reset_after, return_sequences=True))
    check_model(model, lambda n: ids(n, 11, 30), tmp_path)
    cell = model.layers[1].cell
    x = ids(3, 11, 30)
    seq, _ = np_gru(_embedded(model, x), cell.kernel.numpy(), cell.recurrent_kernel.numpy(),
                    cell.bias.numpy(), reset_after)
    got = _run(_session(tmp_path / "model.onnx"), x)[0]
    np.testing.assert_allclose(got, seq, rtol=0, atol=ATOL)


@pytest.mark.parametrize("rnn", [
    lambda: L.LSTM(5, go_backwards=True, return_sequences=True),
    lambda: L.GRU(4, go_backwards=True),
    lambda: L.SimpleRNN(6, return_sequences=True),
    lambda: L.SimpleRNN(4, activation="relu", go_backwards=True),
    lambda: L.LSTM(4, use_bias=False),
    lambda: L.Bidirectional(L.LSTM(4)),
    lambda: L.Bidirectional(L.GRU(3, return_sequences=True), merge_mode="sum"),
    lambda: L.Bidirectional(L.LSTM(3, return_sequences=True), merge_mode="ave"),
], ids=["lstm_backwards", "gru_backwards", "simple_rnn", "simple_rnn_relu_backwards",
        "lstm_no_bias", "bidirectional_lstm", "bidirectional_gru_sum", "bidirectional_ave"])
def test_recurrent_variants(tmp_path, rnn):
    model = _text_model(rnn())
    check_model(model, lambda n: ids(n, 11, 30), tmp_path)


def test_stacked_recurrent_with_states(tmp_path):
    inp = keras.Input((7, 5))
    seq = L.LSTM(6, return_sequences=True)(inp)
    out, h, c = L.LSTM(4, return_state=True)(seq)
    bi = L.Bidirectional(L.GRU(3, return_sequences=True, return_state=True),
                         merge_mode=None)(seq)
    model = keras.Model(inp, [out, h, c] + list(bi))
    _randomize(model)
    check_model(model, lambda n: normal(n, 7, 5), tmp_path)


# ---- convolution, pooling, reshaping ---------------------------------------------------------

def test_conv1d_model(tmp_path):
    model = keras.Sequential([
        L.Input((30, 4)),
        L.Conv1D(6, 3, padding="causal", dilation_rate=2, activation="relu"),
        L.Conv1D(8, 4, padding="same", strides=2),
        L.MaxPooling1D(2), L.AveragePooling1D(3, strides=1, padding="same"),
        L.SeparableConv1D(5, 3, padding="same", depth_multiplier=2),
        L.UpSampling1D(2), L.ZeroPadding1D((1, 2)), L.Cropping1D((2, 1)),
        L.GlobalMaxPooling1D()])
    _randomize(model)
    check_model(model, lambda n: normal(n, 30, 4), tmp_path)


def test_depthwise_and_separable_conv(tmp_path):
    model = keras.Sequential([
        L.Input((15, 13, 3)),
        L.DepthwiseConv2D(3, depth_multiplier=2, padding="same", activation="relu6"),
        L.SeparableConv2D(8, 3, strides=2, depth_multiplier=2, activation="swish"),
        L.Conv2D(6, 3, padding="same", groups=2, dilation_rate=2),
        L.DepthwiseConv2D((2, 3), strides=(1, 2), use_bias=False),
        L.GlobalAveragePooling2D()])
    _randomize(model)
    check_model(model, lambda n: normal(n, 15, 13, 3), tmp_path)


def test_global_pooling(tmp_path):
    inp = keras.Input((9, 7, 4))
    seq = L.Reshape((63, 4))(inp)
    outs = [L.GlobalAveragePooling2D()(inp), L.GlobalMaxPooling2D(keepdims=True)(inp),
            L.GlobalAveragePooling1D()(seq), L.GlobalMaxPooling1D(keepdims=True)(seq)]
    model = keras.Model(inp, outs)
    check_model(model, lambda n: normal(n, 9, 7, 4), tmp_path)


def test_pooling_same_padding_and_strides(tmp_path):
    model = keras.Sequential([
        L.Input((11, 10, 3)),
        L.MaxPooling2D(3, strides=2, padding="same"),
        L.AveragePooling2D((2, 3), strides=(1, 2), padding="same"),
        L.AveragePooling2D(2), L.Flatten()])
    check_model(model, lambda n: normal(n, 11, 10, 3), tmp_path)


def test_conv_unknown_spatial_size(tmp_path):
    model = keras.Sequential([L.Input((None, None, 3)),
                              L.Conv2D(4, 3, strides=2, padding="same", activation="relu"),
                              L.MaxPooling2D(padding="same"), L.GlobalAveragePooling2D()])
    _randomize(model)
    path, _ = _export(model, tmp_path)
    sess = _session(path)
    for shape in [(2, 9, 7, 3), (3, 16, 12, 3)]:
        x = normal(*shape)
        np.testing.assert_allclose(_run(sess, x)[0], model.predict(x, verbose=0), rtol=0,
                                   atol=ATOL)


@pytest.mark.parametrize("padding,strides,output_padding", [
    ("valid", 1, None), ("valid", 2, None), ("same", 2, None), ("same", 3, None),
    ("same", 2, 1), ("valid", 2, 1)])
def test_conv2d_transpose(tmp_path, padding, strides, output_padding):
    model = keras.Sequential([L.Input((6, 5, 3)),
                              L.Conv2DTranspose(4, 3, strides=strides, padding=padding,
                                                output_padding=output_padding)])
    _randomize(model)
    check_model(model, lambda n: normal(n, 6, 5, 3), tmp_path)


def test_conv3d_and_channels_first(tmp_path):
    model = keras.Sequential([L.Input((6, 6, 6, 2)), L.Conv3D(3, 3, padding="same"),
                              L.MaxPooling3D(), L.Conv3DTranspose(2, 2, strides=2),
                              L.GlobalAveragePooling3D()])
    _randomize(model)
    check_model(model, lambda n: normal(n, 6, 6, 6, 2, scale=0.5), tmp_path)
    cf = keras.Sequential([L.Input((3, 10, 9)),
                           L.Conv2D(4, 3, padding="same", data_format="channels_first"),
                           L.MaxPooling2D(data_format="channels_first"),
                           L.Flatten(data_format="channels_first"), L.Dense(2)])
    _randomize(cf)
    check_model(cf, lambda n: normal(n, 3, 10, 9, scale=0.5), tmp_path)


def test_normalization_rescaling_padding_cropping_upsampling(tmp_path):
    norm = L.Normalization()
    norm.adapt(np.random.default_rng(5).uniform(-1, 3, size=(50, 8, 8, 3)))
    model = keras.Sequential([
        L.Input((8, 8, 3)), L.Rescaling(1.0 / 127.5, offset=-1.0), norm,
        L.ZeroPadding2D(((1, 2), (0, 1))), L.Cropping2D(((1, 0), (2, 1))),
        L.UpSampling2D(2), L.UpSampling2D((1, 2), interpolation="bilinear"),
        L.Conv2D(3, 3), L.Normalization(mean=[0.5, 0.0, -0.5], variance=[4.0, 1.0, 0.25],
                                        invert=True),
        L.Flatten()])
    check_model(model, lambda n: np.random.default_rng(n).uniform(0, 255, (n, 8, 8, 3))
                .astype("float32"), tmp_path)


def test_shape_layers(tmp_path):
    model = keras.Sequential([
        L.Input((4, 6)), L.Permute((2, 1)), L.Reshape((3, -1)), L.Flatten(),
        L.RepeatVector(2), L.Reshape((2, 6, 4)), L.Identity(), L.Flatten()])
    check_model(model, lambda n: normal(n, 4, 6), tmp_path)


# ---- normalization and activations ---------------------------------------------------------

@pytest.mark.parametrize("opset", [13, 17, 18])
def test_layer_normalization_opsets(tmp_path, opset):
    model = keras.Sequential([
        L.Input((5, 6)), L.LayerNormalization(), L.LayerNormalization(axis=1),
        L.LayerNormalization(axis=[1, 2], center=False), L.LayerNormalization(rms_scaling=True),
        L.UnitNormalization(), L.GlobalAveragePooling1D(), L.Dense(3)])
    _randomize(model)
    check_model(model, lambda n: normal(n, 5, 6, scale=2.0), tmp_path, opset_version=opset)
    proto = onnx.load(str(tmp_path / "model.onnx"))
    assert proto.opset_import[0].version == opset
    has_ln_op = any(n.op_type == "LayerNormalization" for n in proto.graph.node)
    assert has_ln_op == (opset >= 17)


def test_batch_normalization_4d(tmp_path):
    model = keras.Sequential([L.Input((6, 6, 3)), L.BatchNormalization(),
                              L.Conv2D(4, 3), L.BatchNormalization(center=False),
                              L.BatchNormalization(axis=1, scale=False)])
    _randomize(model)
    check_model(model, lambda n: normal(n, 6, 6, 3), tmp_path)


ACTIVATIONS = ["relu", "sigmoid", "tanh", "softmax", "gelu", "elu", "selu", "swish", "silu",
               "softplus", "softsign", "leaky_relu", "relu6", "hard_sigmoid", "hard_silu",
               "linear", "exponential", "mish", "log_softmax", None]


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_activations(tmp_path, activation):
    model = keras.Sequential([L.Input((7,)), L.Dense(9, activation=activation),
                              L.Dense(5, activation="tanh"),
                              L.Activation(activation or "linear")])
    _randomize(model)
    # exp grows fast: keep its outputs small, where float32 rounding stays below 1e-5
    scale = 0.5 if activation == "exponential" else 2.0
    check_model(model, lambda n: normal(n, 7, scale=scale), tmp_path)


def test_activation_layers(tmp_path):
    model = keras.Sequential([
        L.Input((5, 6)), L.ReLU(), L.Dense(6), L.ReLU(max_value=1.5, negative_slope=0.1),
        L.Dense(6), L.ReLU(threshold=0.2, negative_slope=0.3, max_value=2.0),
        L.Dense(6), L.ReLU(threshold=0.1), L.Dense(6), L.LeakyReLU(0.2), L.Dense(6),
        L.PReLU(shared_axes=[1]), L.Dense(6), L.ELU(0.7), L.Softmax(axis=1),
        L.Softmax(axis=[1, 2]), L.Dense(4, activation=L.LeakyReLU(0.1))])
    _randomize(model)
    check_model(model, lambda n: normal(n, 5, 6, scale=2.0), tmp_path)


def test_inference_identities(tmp_path):
    model = keras.Sequential([
        L.Input((5, 6)), L.GaussianNoise(0.5), L.GaussianDropout(0.3), L.SpatialDropout1D(0.4),
        L.ActivityRegularization(l1=0.1), L.Dropout(0.9), L.Dense(3)])
    _randomize(model)
    check_model(model, lambda n: normal(n, 5, 6), tmp_path)


def test_masking_layer_values(tmp_path):
    model = keras.Sequential([L.Input((5, 3)), L.Masking(0.0), L.Dense(2)])
    _randomize(model)

    def make(n):
        x = normal(n, 5, 3)
        x[:, 1] = 0.0
        return x
    check_model(model, make, tmp_path)


# ---- nested models, operators, subclassed models ----------------------------------------------

def test_nested_models_and_operators(tmp_path):
    inner = keras.Sequential([L.Input((6,)), L.Dense(5, activation="relu"), L.Dense(4)])
    x = keras.Input((3, 6))
    last = x[:, -1, :]
    first = x[:, 0]
    h = inner(last) * 2.0 - inner(first) + 1.0
    picked = -x[..., 1:5][:, ::2]
    out = L.Activation("sigmoid")(h / 3.0) + abs(picked[:, 0])
    model = keras.Model(x, out)
    _randomize(model)
    check_model(model, lambda n: normal(n, 3, 6), tmp_path)


class _Classifier(keras.Model):
    def __init__(self):
        super().__init__()
        self.conv = L.Conv2D(4, 3, activation="relu")
        self.pool = L.GlobalAveragePooling2D()
        self.drop = L.Dropout(0.5)
        self.bn = L.BatchNormalization()
        self.out = L.Dense(3, activation="softmax")

    def call(self, x, training=None):
        h = self.pool(self.conv(x))
        h = self.drop(h, training=training)
        return self.out(self.bn(h, training=training) + h)


def test_subclassed_model(tmp_path):
    model = _Classifier()
    model(normal(2, 8, 8, 3))
    _randomize(model)
    check_model(model, lambda n: normal(n, 8, 8, 3), tmp_path)
    # tracing left no symbolic nodes behind on the model's layers
    assert model.conv._inbound_nodes == [] and model.out._inbound_nodes == []


def test_subclassed_model_with_input_signature(tmp_path):
    model = _Classifier()
    path = tmp_path / "sig.onnx"
    export_onnx(model, path, verbose=False,
                input_signature=[keras.InputSpec(shape=(None, 10, 9, 3), dtype="float32")])
    x = normal(4, 10, 9, 3)
    np.testing.assert_allclose(_run(_session(path), x)[0], model.predict(x, verbose=0),
                               rtol=0, atol=ATOL)


def test_subclassed_model_inside_functional(tmp_path):
    sub = _Classifier()
    x = keras.Input((8, 8, 3))
    model = keras.Model(x, L.Dense(2)(sub(x)))
    _randomize(model)
    check_model(model, lambda n: normal(n, 8, 8, 3), tmp_path)


class _Residual(L.Layer):
    """A custom layer made of Keras layers: exported by tracing its call()."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.inner = L.Dense(units, activation="relu")
        self.outer = L.Dense(units)
        self.norm = L.LayerNormalization()

    def call(self, x):
        return self.norm(x + self.outer(self.inner(x)))


class _Scale(L.Layer):
    """A custom layer with its own weight and computation: not exportable."""

    def build(self, input_shape):
        self.w = self.add_weight(name="w", shape=(input_shape[-1],))

    def call(self, x):
        return x * self.w


def test_custom_layer_made_of_layers(tmp_path):
    x = keras.Input((5, 6))
    h = _Residual(6)(x)
    a, b = keras.Input((4, 5)), keras.Input((5, 3))
    model = keras.Model([x, a, b], [_Residual(6)(h), L.Dot(axes=(2, 1))([a, b])])
    _randomize(model)
    check_model(model, lambda n: [normal(n, 5, 6), normal(n, 4, 5), normal(n, 5, 3)],
                tmp_path)


def test_custom_layer_with_own_computation():
    model = keras.Sequential([L.Input((4,)), _Scale(), L.Dense(2)])
    with pytest.raises(NotExportableError, match=r"\(_Scale\) is not exportable yet"):
        to_onnx(model)


def test_mask_reaching_a_nested_model():
    inner = keras.Sequential([L.Input((5, 4)), L.GlobalAveragePooling1D()])
    x = keras.Input((5,))
    model = keras.Model(x, inner(L.Embedding(10, 4, mask_zero=True)(x)))
    with pytest.raises(NotExportableError, match=r"GlobalAveragePooling1D.*mask"):
        to_onnx(model)


def test_input_signature_fixes_batch(tmp_path):
    model = keras.Sequential([L.Input((4,)), L.Dense(2)])
    proto = to_onnx(model, input_signature=[keras.InputSpec(shape=(3, 4))])
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    assert [d.dim_value for d in dims] == [3, 4]
    with pytest.raises(ValueError, match=r"does not match the model's input"):
        to_onnx(model, input_signature=[keras.InputSpec(shape=(None, 5))])


def test_sequential_built_by_fit_and_verbose(tmp_path, capsys):
    model = keras.Sequential([L.Dense(4, activation="relu"), L.Dense(1)])
    model.compile("adam", "mse")
    model.fit(normal(16, 3), normal(16, 1), epochs=1, verbose=0)
    path = tmp_path / "fit.onnx"
    model.export(str(path), format="onnx")
    assert "Saved artifact at" in capsys.readouterr().out
    x = normal(5, 3)
    np.testing.assert_allclose(_run(_session(path), x)[0], model.predict(x, verbose=0),
                               rtol=0, atol=ATOL)


# ---- errors -----------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["tf_saved_model", "openvino", "litert"])
def test_other_formats_name_onnx(tmp_path, fmt):
    model = keras.Sequential([L.Input((4,)), L.Dense(2)])
    with pytest.raises(ValueError, match=r"format=%r.*'onnx'" % fmt):
        model.export(str(tmp_path / "m"), format=fmt)


def test_default_format_and_unknown_format(tmp_path):
    model = keras.Sequential([L.Input((4,)), L.Dense(2)])
    with pytest.raises(ValueError, match=r"'tf_saved_model'.*supports is 'onnx'"):
        model.export(str(tmp_path / "m"))         # Keras' default format
    with pytest.raises(ValueError, match=r"unknown format 'pb'.*'onnx'"):
        model.export(str(tmp_path / "m"), format="pb")
    assert not (tmp_path / "m").exists()


def test_unsupported_layer(tmp_path):
    model = keras.Sequential([L.Input((5, 6)), L.Lambda(lambda t: t * 2), L.Dense(2)])
    with pytest.raises(NotExportableError, match=r"'lambda.*' \(Lambda\) is not exportable "
                                                 r"yet.*Exportable layers: InputLayer, Dense"):
        model.export(str(tmp_path / "m.onnx"), format="onnx")
    assert not (tmp_path / "m.onnx").exists()
    td = keras.Sequential([L.Input((5, 6)), L.TimeDistributed(L.Dense(3))])
    with pytest.raises(NotExportableError, match=r"TimeDistributed"):
        to_onnx(td)


def test_unsupported_settings():
    masked = keras.Sequential([L.Input((5,)), L.Embedding(10, 4, mask_zero=True), L.LSTM(3)])
    with pytest.raises(NotExportableError, match=r"LSTM.*mask"):
        to_onnx(masked)
    stateful = keras.Sequential([L.Input((5, 2), batch_size=2), L.GRU(3, stateful=True)])
    with pytest.raises(NotExportableError, match=r"stateful=True"):
        to_onnx(stateful)
    custom = keras.Sequential([L.Input((5,)), L.Dense(3, activation=lambda t: t * 2)])
    with pytest.raises(NotExportableError, match=r"custom function.*exportable activations"):
        to_onnx(custom)
    x = keras.Input((4,))
    mc = keras.Model(x, L.Dropout(0.5)(x, training=True))
    with pytest.raises(NotExportableError, match=r"training=True"):
        to_onnx(mc)
    with pytest.raises(ValueError, match=r"opset_version must be between 13"):
        to_onnx(keras.Sequential([L.Input((4,)), L.Dense(2)]), opset_version=9)


def test_untraceable_subclassed_model():
    class Branchy(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = L.Dense(2)

        def call(self, x):
            y = self.d(x)
            return y if tf.reduce_mean(y) > 0 else -y     # Python control flow on a tensor

    model = Branchy()
    model(np.ones((2, 3), "float32"))
    with pytest.raises(NotExportableError, match=r"subclassed model.*could not be traced.*"
                                                 r"Sequential or Functional"):
        to_onnx(model)
    assert model.d._inbound_nodes == []
    never_called = Branchy()
    with pytest.raises(ValueError, match=r"input shape is unknown.*input_signature"):
        to_onnx(never_called)


def test_unbuilt_sequential():
    with pytest.raises(ValueError, match=r"not built yet"):
        to_onnx(keras.Sequential([L.Dense(2)]))


def test_missing_onnx_package(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    model = keras.Sequential([L.Input((4,)), L.Dense(2)])
    with pytest.raises(ImportError, match=r"pip install onnx"):
        model.export(str(tmp_path / "m.onnx"), format="onnx")
