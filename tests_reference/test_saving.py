"""Model files across the two libraries: what one writes, can the other read?

ndflow writes Keras 3's layout (``model.weights.h5`` inside ``.keras`` archives, the
``layers/<key>/vars/<i>`` object paths in ``.weights.h5`` files), so every direction is
checked: Keras reads ndflow's files and predicts the same, ndflow reads Keras' files, and
for the same weights the file ndflow writes holds the same groups and datasets as the
file Keras writes.
"""
import io
import os
import sys
import zipfile

import h5py
import numpy as np
import pytest

import keras as keras_ref
from ndflow import keras as ndk

from _helpers import assert_close

# the models (and their inputs) that tests/golden/keras3_layout stores Keras 3 files of
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tests", "golden", "keras3_layout"))
import layout_models as lm  # noqa: E402

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

# (lm.rnn without the SimpleRNNCell in the stacked cells: kept here for that cell)
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


CASES = {"dense_bn": lm.dense_bn, "conv": lm.conv, "rnn": _rnn, "attention": lm.attention,
         "nested": lm.nested, "preprocessing": lm.preprocessing, "residual": _residual}


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
    return k_model, n_model, lm.inputs(spec), kpath


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

@pytest.mark.parametrize("direction", ["keras-to-ndflow", "ndflow-to-keras"])
def test_subclassed_model_weights_cross_load(tmp_path, direction):
    x = np.random.default_rng(3).normal(size=(3, 4)).astype("float32")
    k_model, n_model = lm.subclassed(keras_ref)[0], lm.subclassed(ndk)[0]
    _randomize(k_model)
    kpath = str(tmp_path / "k.weights.h5")
    k_model.save_weights(kpath)
    n_model.load_weights(kpath)
    assert_close(n_model(x), k_model(x))
    if direction == "ndflow-to-keras":
        npath = str(tmp_path / "n.weights.h5")
        n_model.save_weights(npath)
        assert sorted(_tree(npath)) == sorted(_tree(kpath))
        fresh = lm.subclassed(keras_ref)[0]
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


@pytest.mark.parametrize("opt", sorted(OPTIMIZERS))
def test_optimizer_state_written_by_ndflow_is_what_keras_writes(opt, tmp_path):
    x, y = lm.training_data()
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
    x, y = lm.training_data()
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
    n_model, _ = lm.dense_bn(ndk)
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
    x, y = lm.training_data()
    k_model = _small(keras_ref, opt)
    k_model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    path = str(tmp_path / "k.h5")
    k_model.save(path)
    n_model = ndk.models.load_model(path)
    assert int(n_model.optimizer.iterations.numpy()) == 4
    k_model.train_on_batch(x, y)
    n_model.train_on_batch(x, y)
    assert_close(n_model.predict(x, verbose=0), k_model.predict(x, verbose=0))
