"""Model files across the two libraries: what one writes, can the other read?

ndflow writes Keras 3's layout (``model.weights.h5`` inside ``.keras`` archives, the
``layers/<key>/vars/<i>`` object paths in ``.weights.h5`` files), so every direction is
checked: Keras reads ndflow's files and predicts the same, ndflow reads Keras' files, and
for the same weights the file ndflow writes holds the same groups and datasets as the
file Keras writes.
"""
import io
import os
import zipfile

import h5py
import numpy as np
import pytest

import keras as keras_ref
from ndflow import keras as ndk

from _helpers import assert_close

RNN_TOL = dict(rtol=5e-4, atol=5e-5)


def _build(K):
    inp = K.Input((6,), dtype="int32")
    h = K.layers.Embedding(10, 4)(inp)
    h = K.layers.LSTM(5, return_sequences=True)(h)
    h = K.layers.Conv1D(3, 2, padding="same")(h)
    h = K.layers.BatchNormalization()(h)
    h = K.layers.GlobalAveragePooling1D()(h)
    return K.Model(inp, K.layers.Dense(2, activation="softmax")(h))


X = np.random.default_rng(0).integers(0, 10, (4, 6)).astype(np.int32)


@pytest.fixture
def trained():
    # one per test: Keras' legacy .h5 save drops the optimizer from the model's compile
    # config, which a later .keras save of the same model would then lack
    model = _build(keras_ref)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(X, np.array([0, 1, 1, 0]), epochs=1, verbose=0)
    return model


def test_ndflow_h5_model_loads_in_keras(trained, tmp_path):
    n_model = _build(ndk)
    n_model.set_weights(trained.get_weights())
    path = os.path.join(tmp_path, "n.h5")
    n_model.save(path)
    loaded = keras_ref.models.load_model(path)
    assert_close(loaded.predict(X, verbose=0), trained.predict(X, verbose=0))


def test_keras_legacy_h5_weights_load_in_ndflow(trained, tmp_path):
    path = os.path.join(tmp_path, "k.h5")
    trained.save(path)  # legacy HDF5: model_weights/<layer>/<weight> groups
    n_model = _build(ndk)
    n_model.load_weights(path)
    assert_close(n_model.predict(X, verbose=0), trained.predict(X, verbose=0))


def test_keras_h5_model_loads_in_ndflow(trained, tmp_path):
    path = os.path.join(tmp_path, "k.h5")
    trained.save(path)
    assert_close(ndk.models.load_model(path).predict(X, verbose=0), trained.predict(X, verbose=0))


def test_ndflow_legacy_h5_weights_load_in_keras(trained, tmp_path):
    # a name that does not end in .weights.h5: the legacy layout, which Keras reads there
    path = os.path.join(tmp_path, "n.h5")
    n_model = _build(ndk)
    n_model.set_weights(trained.get_weights())
    n_model.save_weights(path)
    model = _build(keras_ref)
    model.load_weights(path)
    assert_close(model.predict(X, verbose=0), trained.predict(X, verbose=0))


@pytest.mark.parametrize("direction", ["keras-to-ndflow", "ndflow-to-keras"])
def test_dot_keras_files_cross_load(trained, tmp_path, direction):
    path = os.path.join(tmp_path, "m.keras")
    if direction == "keras-to-ndflow":
        trained.save(path)
        loaded = ndk.models.load_model(path)
    else:
        n_model = _build(ndk)
        n_model.set_weights(trained.get_weights())
        n_model.save(path)
        loaded = keras_ref.models.load_model(path)
    assert_close(loaded.predict(X, verbose=0), trained.predict(X, verbose=0))


@pytest.mark.parametrize("direction", ["keras-to-ndflow", "ndflow-to-keras"])
def test_weights_h5_files_cross_load(trained, tmp_path, direction):
    path = os.path.join(tmp_path, "m.weights.h5")
    if direction == "keras-to-ndflow":
        trained.save_weights(path)
        model = _build(ndk)
    else:
        n_model = _build(ndk)
        n_model.set_weights(trained.get_weights())
        n_model.save_weights(path)
        model = _build(keras_ref)
    model.load_weights(path)
    assert_close(model.predict(X, verbose=0), trained.predict(X, verbose=0))


# ---- many layer types, both directions, and the layout itself ---------------------------

def _dense_bn(K):
    return K.Sequential([K.Input((5,)), K.layers.Dense(6, activation="relu"),
                         K.layers.BatchNormalization(), K.layers.Dropout(0.2),
                         K.layers.Dense(3), K.layers.LayerNormalization(),
                         K.layers.Dense(2, use_bias=False)]), ((4, 5), "float32")


def _conv(K):
    L = K.layers
    inp = K.Input((8, 8, 2))
    h = L.Conv2D(3, 3, padding="same", activation="relu")(inp)
    h = L.BatchNormalization()(h)
    h = L.SeparableConv2D(4, 3)(h)
    h = L.DepthwiseConv2D(2, depth_multiplier=2)(h)
    h = L.Conv2DTranspose(2, 2, strides=2)(h)
    h = L.MaxPooling2D()(h)
    h = L.Reshape((-1, 2))(h)
    h = L.Conv1D(3, 2)(h)
    h = L.SeparableConv1D(2, 2)(h)
    h = L.GlobalAveragePooling1D()(h)
    return K.Model(inp, L.Dense(2)(h)), ((3, 8, 8, 2), "float32")


def _rnn(K):
    L = K.layers
    inp = K.Input((7,), dtype="int32")
    h = L.Embedding(12, 4)(inp)
    h = L.LSTM(5, return_sequences=True)(h)
    h = L.GRU(4, return_sequences=True)(h)
    h = L.GRU(3, return_sequences=True, reset_after=False)(h)
    h = L.SimpleRNN(3, return_sequences=True)(h)
    h = L.Bidirectional(L.LSTM(2, return_sequences=True))(h)
    h = L.Bidirectional(L.GRU(2, return_sequences=True),
                        backward_layer=L.GRU(2, return_sequences=True, go_backwards=True,
                                                   reset_after=False))(h)
    h = L.RNN([L.LSTMCell(3), L.GRUCell(2), L.SimpleRNNCell(2)], return_sequences=True)(h)
    h = L.TimeDistributed(L.Dense(2))(h)
    h = L.Bidirectional(L.SimpleRNN(2), merge_mode="sum")(h)
    return K.Model(inp, L.Dense(1)(h)), ((3, 7), "int32")


def _attention(K):
    L = K.layers
    q = K.Input((5, 8))
    v = K.Input((6, 4))
    a = L.MultiHeadAttention(2, 3)(q, q)
    a = L.LayerNormalization()(L.Add()([q, a]))
    c = L.MultiHeadAttention(3, 2, value_dim=4, use_bias=False, output_shape=6)(a, v)
    c = L.LayerNormalization(center=False)(c)
    d = L.Attention(use_scale=True)([c, c])
    e = L.AdditiveAttention()([d, c])
    h = L.GlobalAveragePooling1D()(L.Concatenate()([d, e]))
    return K.Model([q, v], L.Dense(2)(h)), [((2, 5, 8), "float32"), ((2, 6, 4), "float32")]


def _nested(K):
    L = K.layers
    inner = K.Sequential([L.Dense(4, activation="tanh"), L.Dense(4)], name="inner")
    i2 = K.Input((4,))
    late = L.Dense(3)          # created first, called second
    early = L.Dense(5)
    inner2 = K.Model(i2, late(early(i2)), name="inner2")
    deep = K.Sequential([K.Input((3,)), K.Sequential([L.Dense(3), L.BatchNormalization()]),
                         L.Dense(2)], name="deep")
    x = K.Input((6,))
    a = L.Dense(4)(x)
    b = L.Dense(4)(x)
    shared = L.Dense(4, name="shared")
    h = L.Add()([inner(a), shared(b), shared(a)])
    return K.Model(x, deep(inner2(h))), ((3, 6), "float32")


def _preprocessing(K):
    L = K.layers
    norm = L.Normalization()
    norm.adapt(np.random.default_rng(5).normal(size=(20, 4)).astype("float32"))
    return K.Sequential([K.Input((4,)), norm, L.Normalization(mean=0.5, variance=2.0),
                         L.Dense(3), L.PReLU(), L.GroupNormalization(groups=3),
                         L.Dense(2)]), ((4, 4), "float32")


def _residual(K):
    """Branches whose layers are made in one order and listed (by the graph) in another:
    the keys of the file follow the order of ``model.layers``, which must agree."""
    L = K.layers

    def block(x, filters, shortcut):
        sc = L.BatchNormalization()(L.Conv2D(filters, 1)(x)) if shortcut else x
        h = L.Activation("relu")(L.BatchNormalization()(L.Conv2D(filters, 1)(x)))
        h = L.BatchNormalization()(L.Conv2D(filters, 3, padding="same")(h))
        return L.Activation("relu")(L.Add()([sc, h]))
    inp = K.Input((6, 6, 3))
    h = block(block(inp, 4, True), 4, False)
    a = L.Dense(3)(L.Flatten()(h))
    b = L.Dense(3)(L.GlobalAveragePooling2D()(h))
    return K.Model(inp, L.Concatenate()([a, b])), ((2, 6, 6, 3), "float32")


CASES = {"dense_bn": _dense_bn, "conv": _conv, "rnn": _rnn, "attention": _attention,
         "nested": _nested, "preprocessing": _preprocessing, "residual": _residual}


def _inputs(spec, seed=1):
    rng = np.random.default_rng(seed)
    specs = spec if isinstance(spec, list) else [spec]
    out = []
    for shape, dtype in specs:
        if dtype == "int32":
            out.append(rng.integers(0, 10, shape).astype("int32"))
        else:
            out.append(rng.normal(size=shape).astype(dtype))
    return out if isinstance(spec, list) else out[0]


def _randomize(model, seed=2):
    """Random values for every weight, moving statistics included (zeros hide bugs)."""
    rng = np.random.default_rng(seed)
    values = []
    for w in model.weights:
        shape = tuple(w.shape)
        if "variance" in w.path or "moving_variance" in w.path:
            values.append(rng.uniform(0.5, 1.5, shape).astype("float32"))
        else:
            values.append((rng.normal(size=shape) * 0.3).astype(np.dtype(w.dtype)))
    model.set_weights(values)


def _tree(path):
    """``{path: ('group', name attr) or ('dataset', array)}`` of an HDF5 file."""
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                out[name] = ("dataset", np.asarray(obj[()]))
            else:
                out[name] = ("group", dict(obj.attrs))
        f.visititems(visit)
    return out


def _keras_and_ndflow(name, tmp_path):
    """The Keras model of case ``name`` with random weights, saved by Keras, and the same
    architecture in ndflow, loaded from Keras' file."""
    k_model, spec = CASES[name](keras_ref)
    _randomize(k_model)
    n_model, _ = CASES[name](ndk)
    kpath = str(tmp_path / "keras.weights.h5")
    k_model.save_weights(kpath)
    n_model.load_weights(kpath)
    return k_model, n_model, _inputs(spec), kpath


def _tol(name):
    return RNN_TOL if name == "rnn" else {}


@pytest.mark.parametrize("name", sorted(CASES))
def test_keras_weights_h5_loads_in_ndflow(name, tmp_path):
    k_model, n_model, x, _ = _keras_and_ndflow(name, tmp_path)
    assert_close(n_model.predict(x, verbose=0), k_model.predict(x, verbose=0), **_tol(name))


@pytest.mark.parametrize("name", sorted(CASES))
def test_ndflow_weights_h5_loads_in_keras(name, tmp_path):
    k_model, n_model, x, _ = _keras_and_ndflow(name, tmp_path)
    npath = str(tmp_path / "ndflow.weights.h5")
    n_model.save_weights(npath)
    fresh, _ = CASES[name](keras_ref)
    fresh.load_weights(npath)
    assert_close(fresh.predict(x, verbose=0), n_model.predict(x, verbose=0), **_tol(name))


@pytest.mark.parametrize("name", sorted(CASES))
def test_ndflow_writes_the_groups_and_datasets_keras_writes(name, tmp_path):
    _, n_model, _, kpath = _keras_and_ndflow(name, tmp_path)
    npath = str(tmp_path / "ndflow.weights.h5")
    n_model.save_weights(npath)
    keras_tree, nd_tree = _tree(kpath), _tree(npath)
    assert sorted(nd_tree) == sorted(keras_tree)
    for path, (kind, value) in keras_tree.items():
        assert nd_tree[path][0] == kind, path
        if kind == "dataset":
            got = nd_tree[path][1]
            assert got.dtype == value.dtype and got.shape == value.shape, path
            np.testing.assert_array_equal(got, value, err_msg=path)
        else:
            assert set(nd_tree[path][1]) == set(value), path      # the same attributes


@pytest.mark.parametrize("name", sorted(CASES))
def test_ndflow_dot_keras_loads_in_keras(name, tmp_path):
    k_model, n_model, x, _ = _keras_and_ndflow(name, tmp_path)
    path = str(tmp_path / "n.keras")
    n_model.save(path)
    loaded = keras_ref.saving.load_model(path)
    assert_close(loaded.predict(x, verbose=0), k_model.predict(x, verbose=0), **_tol(name))


@pytest.mark.parametrize("name", sorted(CASES))
def test_keras_dot_keras_loads_in_ndflow(name, tmp_path):
    k_model, _, x, _ = _keras_and_ndflow(name, tmp_path)
    path = str(tmp_path / "k.keras")
    k_model.save(path)
    loaded = ndk.models.load_model(path)
    assert_close(loaded.predict(x, verbose=0), k_model.predict(x, verbose=0), **_tol(name))


# ---- subclassed models: attributes, lists and dicts of layers ----------------------------

def _subclassed(K):
    L = K.layers

    class Block(L.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.proj = L.Dense(3)
            self.stack = [self.proj, L.Dense(3), L.LayerNormalization()]

        def build(self, input_shape):
            self.offset = self.add_weight(shape=(3,), initializer="ones", name="offset")

        def call(self, x):
            h = self.proj(x)
            for layer in self.stack[1:]:
                h = layer(h)
            return h + self.offset

    class Net(K.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.zeta = L.Dense(2)
            self.blocks = [Block(), Block()]
            self.heads = {"b": L.Dense(3), "a": L.Dense(3)}
            self.alias = self.zeta

        def build(self, input_shape):
            self.scale = self.add_weight(shape=(1,), initializer="ones", name="scale")

        def call(self, x):
            h = self.blocks[1](self.blocks[0](x))
            h = self.heads["a"](self.heads["b"](h))
            return self.zeta(h) * self.scale

    model = Net()
    model(np.zeros((1, 4), "float32"))
    return model


@pytest.mark.parametrize("direction", ["keras-to-ndflow", "ndflow-to-keras"])
def test_subclassed_model_weights_cross_load(tmp_path, direction):
    x = np.random.default_rng(3).normal(size=(3, 4)).astype("float32")
    k_model, n_model = _subclassed(keras_ref), _subclassed(ndk)
    _randomize(k_model)
    kpath = str(tmp_path / "k.weights.h5")
    k_model.save_weights(kpath)
    n_model.load_weights(kpath)
    assert_close(n_model(x), k_model(x))
    if direction == "ndflow-to-keras":
        npath = str(tmp_path / "n.weights.h5")
        n_model.save_weights(npath)
        assert sorted(_tree(npath)) == sorted(_tree(kpath))
        fresh = _subclassed(keras_ref)
        fresh.load_weights(npath)
        assert_close(fresh(x), n_model(x))


# ---- the optimizer ----------------------------------------------------------------------

OPTIMIZERS = {
    "adam": lambda O: O.Adam(0.01),
    "adam_amsgrad": lambda O: O.Adam(0.01, amsgrad=True),
    "sgd_momentum": lambda O: O.SGD(0.01, momentum=0.9),
    "rmsprop_centered": lambda O: O.RMSprop(0.01, momentum=0.5, centered=True),
    "nadam": lambda O: O.Nadam(0.01),
    "adamw": lambda O: O.AdamW(0.01),
    "adagrad": lambda O: O.Adagrad(0.05),
    "adamax": lambda O: O.Adamax(0.01),
    "ftrl": lambda O: O.Ftrl(0.05),
    "adam_ema": lambda O: O.Adam(0.01, use_ema=True),
}


def _small(K, opt):
    model = K.Sequential([K.Input((4,)), K.layers.Dense(5, activation="relu"),
                          K.layers.BatchNormalization(), K.layers.Dense(3)])
    model.compile(optimizer=OPTIMIZERS[opt](K.optimizers), loss="mse")
    return model


def _data():
    rng = np.random.default_rng(4)
    return rng.normal(size=(8, 4)).astype("float32"), rng.normal(size=(8, 3)).astype("float32")


@pytest.mark.parametrize("opt", sorted(OPTIMIZERS))
def test_optimizer_state_written_by_ndflow_is_what_keras_writes(opt, tmp_path):
    x, y = _data()
    k_model = _small(keras_ref, opt)
    k_model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    kpath = str(tmp_path / "k.keras")
    k_model.save(kpath)
    n_model = ndk.models.load_model(kpath)            # weights and optimizer state
    npath = str(tmp_path / "n.keras")
    n_model.save(npath)
    trees = []
    for path in (kpath, npath):
        with zipfile.ZipFile(path) as zf:
            data = zf.read("model.weights.h5")
        tmp = str(tmp_path / "tree.h5")
        with open(tmp, "wb") as f:
            f.write(data)
        trees.append(_tree(tmp))
    k_tree, n_tree = trees
    k_opt = sorted(p for p in k_tree if p.startswith("optimizer/vars/"))
    assert sorted(p for p in n_tree if p.startswith("optimizer/vars/")) == k_opt
    for p in k_opt:
        np.testing.assert_allclose(n_tree[p][1], k_tree[p][1], rtol=1e-6, err_msg=p)
        assert n_tree[p][1].dtype == k_tree[p][1].dtype, p
    # Keras loads ndflow's archive with that state: one more step gives what Keras gives
    loaded = keras_ref.saving.load_model(npath)
    for a, b in zip(loaded.optimizer.variables, k_model.optimizer.variables):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)
    loaded.train_on_batch(x, y)
    k_model.train_on_batch(x, y)
    assert_close(loaded.predict(x, verbose=0), k_model.predict(x, verbose=0))


def test_ndflow_trained_model_continues_training_in_keras(tmp_path):
    x, y = _data()
    n_model = _small(ndk, "adam")
    n_model.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0)
    path = str(tmp_path / "n.keras")
    n_model.save(path)
    loaded = keras_ref.saving.load_model(path)
    assert int(loaded.optimizer.iterations.numpy()) == 6
    assert_close(loaded.predict(x, verbose=0), n_model.predict(x, verbose=0))
    # the same next step in both: the moments came across
    n_model.train_on_batch(x, y)
    loaded.train_on_batch(x, y)
    assert_close(loaded.predict(x, verbose=0), n_model.predict(x, verbose=0))
    wpath = str(tmp_path / "n.weights.h5")
    n_model.save_weights(wpath)
    k_model = _small(keras_ref, "adam")
    k_model.optimizer.build(k_model.trainable_variables)
    k_model.load_weights(wpath)
    assert int(k_model.optimizer.iterations.numpy()) == 7
    for a, b in zip(k_model.optimizer.variables, n_model.optimizer.variables):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)


def test_keras_archive_metadata_and_entries_are_what_keras_expects(tmp_path):
    n_model, _ = _dense_bn(ndk)
    path = str(tmp_path / "n.keras")
    n_model.save(path)
    with zipfile.ZipFile(path) as zf:
        assert zf.namelist() == ["metadata.json", "config.json", "model.weights.h5"]
        data = zf.read("model.weights.h5")
    with h5py.File(io.BytesIO(data), "r") as f:
        assert sorted(f.keys()) == ["layers", "vars"]
        assert sorted(f["layers"].keys()) == ["batch_normalization", "dense", "dense_1",
                                              "dense_2", "dropout", "layer_normalization"]


@pytest.mark.parametrize("app", ["MobileNetV2", "EfficientNetB0", "ResNet50V2"])
def test_application_weights_cross_load(app, tmp_path):
    """A whole application (a deep graph with many branches): ndflow's file loads in Keras
    and Keras' in ndflow, predicting the same."""
    kw = dict(weights=None, include_top=False, input_shape=(32, 32, 3), pooling="avg")
    if app == "MobileNetV2":
        kw["alpha"] = 0.35
    k_model = getattr(keras_ref.applications, app)(**kw)
    _randomize(k_model)
    n_model = getattr(ndk.applications, app)(**kw)
    kpath = str(tmp_path / "k.weights.h5")
    k_model.save_weights(kpath)
    n_model.load_weights(kpath)
    x = np.random.default_rng(6).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    want = k_model.predict(x, verbose=0)
    assert_close(n_model.predict(x, verbose=0), want, rtol=2e-3, atol=2e-4)
    npath = str(tmp_path / "n.weights.h5")
    n_model.save_weights(npath)
    assert sorted(_tree(npath)) == sorted(_tree(kpath))
    fresh = getattr(keras_ref.applications, app)(**kw)
    fresh.load_weights(npath)
    for a, b in zip(fresh.weights, k_model.weights):     # every weight back in its place
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=b.path)
    assert_close(fresh.predict(x, verbose=0), want)


@pytest.mark.parametrize("opt", ["adam_amsgrad", "rmsprop_centered", "nadam"])
def test_keras_legacy_h5_optimizer_state_loads_in_ndflow(opt, tmp_path):
    """A legacy .h5 from Keras 3 lists the optimizer's variables in Keras' order too."""
    x, y = _data()
    k_model = _small(keras_ref, opt)
    k_model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    path = str(tmp_path / "k.h5")
    k_model.save(path)
    n_model = ndk.models.load_model(path)
    assert int(n_model.optimizer.iterations.numpy()) == 4
    k_model.train_on_batch(x, y)
    n_model.train_on_batch(x, y)
    assert_close(n_model.predict(x, verbose=0), k_model.predict(x, verbose=0))
