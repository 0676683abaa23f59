"""ndflow writes Keras 3's weights layout, and the files it writes are what Keras writes.

The files under tests/golden/keras3_layout/ were written by Keras 3.15 with
tests/golden/keras3_layout/make_layout_files.py from the models of layout_models.py (run
in an environment with TensorFlow), with Keras' outputs in expected.npz. Here the same
models are built in ndflow, which must read Keras' files and predict what Keras
predicted, and then write files whose groups, attributes and datasets are Keras' own.
These tests need no TensorFlow.
"""
import io
import json
import os
import sys
import zipfile

import h5py
import numpy as np
import pytest

from ndflow import keras
from ndflow.keras.saving import api, keras3

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(os.path.dirname(HERE), "golden", "keras3_layout")
sys.path.insert(0, GOLDEN)
import layout_models as lm  # noqa: E402

TOL = dict(atol=2e-5, rtol=2e-5)


@pytest.fixture(scope="module")
def exp():
    with np.load(os.path.join(GOLDEN, "expected.npz"), allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}


def case_inputs(name, exp):
    xs = sorted((k for k in exp if k.startswith(name + "_x")), key=lambda k: int(k[-1]))
    return [exp[k] for k in xs] if len(xs) > 1 else exp[xs[0]]


def h5_tree(source):
    """``{path: ('group', attrs) | ('dataset', array)}`` of an HDF5 file or its bytes."""
    out = {}
    f = h5py.File(io.BytesIO(source) if isinstance(source, bytes) else source, "r")
    with f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                out[name] = ("dataset", np.asarray(obj[()]))
            else:
                out[name] = ("group", {k: (v.decode() if isinstance(v, bytes) else v)
                                       for k, v in obj.attrs.items()})
        f.visititems(visit)
    return out


def assert_same_tree(got, want, compare_names=()):
    assert sorted(got) == sorted(want), (
        "only in ndflow's file: %s; only in Keras': %s" % (
            sorted(set(got) - set(want)), sorted(set(want) - set(got))))
    for path, (kind, value) in want.items():
        assert got[path][0] == kind, path
        if kind == "dataset":
            g = got[path][1]
            assert (g.dtype, g.shape) == (value.dtype, value.shape), path
            np.testing.assert_array_equal(g, value, err_msg=path)
        else:
            assert set(got[path][1]) == set(value), path
    for path in compare_names:
        assert got[path][1]["name"] == want[path][1]["name"], path


def ndflow_model_from_keras_file(name):
    model, _ = lm.CASES[name](keras)
    model.load_weights(os.path.join(GOLDEN, name + ".weights.h5"))
    return model


def test_golden_files_were_written_by_keras3():
    with open(os.path.join(GOLDEN, "VERSIONS.json")) as f:
        assert json.load(f)["keras"].startswith("3.")


# ---- reading Keras' files ---------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(lm.CASES))
def test_keras_weights_file_loads_and_predicts_like_keras(name, exp):
    model = ndflow_model_from_keras_file(name)
    out = model(case_inputs(name, exp), training=False)
    np.testing.assert_allclose(np.asarray(out), exp[name], **TOL)


def test_loading_changes_every_weight():
    model, _ = lm.CASES["attention"](keras)
    before = [w.numpy().copy() for w in model.weights]
    model.load_weights(os.path.join(GOLDEN, "attention.weights.h5"))
    assert len(before) == len(model.weights) == 19
    for b, w in zip(before, model.weights):
        assert not np.array_equal(b, w.numpy()), w.path


# ---- writing: the same file Keras writes --------------------------------------------------

NAMED = {"dense_bn": ["vars", "layers/dense/vars", "layers/batch_normalization/vars",
                      "layers/dense_1/vars", "layers/dense_2/vars"],
         "nested": ["vars", "layers/sequential/vars", "layers/functional/vars",
                    "layers/sequential_1/vars", "layers/dense_2/vars"],
         "subclassed": ["vars"]}


@pytest.mark.parametrize("name", sorted(lm.CASES))
def test_ndflow_writes_the_file_keras_writes(name, tmp_path):
    model = ndflow_model_from_keras_file(name)
    path = str(tmp_path / "w.weights.h5")
    model.save_weights(path)
    assert_same_tree(h5_tree(path), h5_tree(os.path.join(GOLDEN, name + ".weights.h5")),
                     NAMED.get(name, ["vars"]))


def test_layout_details_of_a_sequential_model(tmp_path):
    """The layout spelled out: snake-case class names numbered per container, the layer
    name on each ``vars`` group, a group for every layer (weights or not), no input layer
    in a Sequential model, the model's own ``vars`` at the root."""
    model = ndflow_model_from_keras_file("dense_bn")
    path = str(tmp_path / "w.weights.h5")
    model.save_weights(path)
    with h5py.File(path, "r") as f:
        assert sorted(f.keys()) == ["layers", "vars"]
        assert f["vars"].attrs["name"] == "dense_bn" and len(f["vars"]) == 0
        assert sorted(f["layers"].keys()) == ["batch_normalization", "dense", "dense_1",
                                              "dense_2", "dropout", "layer_normalization"]
        assert f["layers/dense_1/vars"].attrs["name"] == "middle"
        assert len(f["layers/dropout/vars"]) == 0
        bn = f["layers/batch_normalization/vars"]
        np.testing.assert_array_equal(bn["2"][()], model.get_layer("bn").moving_mean.numpy())
        np.testing.assert_array_equal(f["layers/dense_2/vars/0"][()],
                                      model.get_layer("last").kernel.numpy())
        assert list(f["layers/dense_2/vars"].keys()) == ["0"]        # use_bias=False


def test_layout_details_of_sublayers(tmp_path):
    rnn = ndflow_model_from_keras_file("rnn")
    path = str(tmp_path / "rnn.weights.h5")
    rnn.save_weights(path)
    with h5py.File(path, "r") as f:
        lstm = rnn.layers[2]
        np.testing.assert_array_equal(f["layers/lstm/cell/vars/1"][()],
                                      lstm.cell.recurrent_kernel.numpy())
        assert len(f["layers/lstm/vars"]) == 0
        bi = rnn.layers[7]
        np.testing.assert_array_equal(
            f["layers/bidirectional_1/backward_layer/cell/vars/0"][()],
            bi.backward_layer.cell.kernel.numpy())
        assert f["layers/bidirectional_1/backward_layer/cell/vars/2"].shape == (6,)
        assert sorted(f["layers/rnn/cell/cells"].keys()) == ["gru_cell", "lstm_cell"]
        assert "layers/time_distributed/layer/vars/0" in f
    att = ndflow_model_from_keras_file("attention")
    path = str(tmp_path / "att.weights.h5")
    att.save_weights(path)
    with h5py.File(path, "r") as f:
        mha = [l for l in att.layers if type(l).__name__ == "MultiHeadAttention"]
        g = f["layers/multi_head_attention"]
        assert sorted(g.keys()) == ["_dropout_layer", "_softmax", "key_dense", "output_dense",
                                    "query_dense", "value_dense", "vars"]
        np.testing.assert_array_equal(g["value_dense/vars/1"][()], mha[0].value_bias.numpy())
        assert g["output_dense/vars"].attrs["name"] == "attention_output"
        no_bias = f["layers/multi_head_attention_1/query_dense/vars"]
        assert list(no_bias.keys()) == ["0"]


def test_normalization_count_and_given_statistics(tmp_path):
    model = ndflow_model_from_keras_file("preprocessing")
    path = str(tmp_path / "w.weights.h5")
    model.save_weights(path)
    with h5py.File(path, "r") as f:
        adapted = f["layers/normalization/vars"]
        assert sorted(adapted.keys()) == ["0", "1", "2"]
        assert adapted["2"].dtype == np.int64 and adapted["2"][()] == 0
        assert len(f["layers/normalization_1/vars"]) == 0      # mean/variance given
    fresh, _ = lm.CASES["preprocessing"](keras)
    fresh.load_weights(path)
    given = fresh.layers[1]
    np.testing.assert_allclose(given.mean.numpy(), 0.5)      # kept from the arguments
    np.testing.assert_allclose(given.variance.numpy(), 2.0)


def test_subclassed_model_layout(tmp_path):
    model = ndflow_model_from_keras_file("subclassed")
    path = str(tmp_path / "w.weights.h5")
    model.save_weights(path)
    with h5py.File(path, "r") as f:
        # attributes in sorted order: zeta is saved as `alias` (visited first), and not
        # again as `zeta` nor in the model's layer list, which holds nothing new
        assert sorted(f.keys()) == ["alias", "blocks", "heads", "vars"]
        np.testing.assert_array_equal(f["alias/vars/0"][()], model.zeta.kernel.numpy())
        assert sorted(f["blocks"].keys()) == ["block", "block_1"]
        # proj is both an attribute and the first of `stack`: saved once, as `proj`; the
        # list's keys still count it
        assert sorted(f["blocks/block"].keys()) == ["proj", "stack", "vars"]
        assert sorted(f["blocks/block/stack"].keys()) == ["dense_1", "layer_normalization"]
        # a dict's layers are keyed by class, in the dict's order
        assert sorted(f["heads"].keys()) == ["dense", "dense_1"]
        np.testing.assert_array_equal(f["heads/dense/vars/0"][()],
                                      model.heads["b"].kernel.numpy())
        np.testing.assert_array_equal(f["vars/0"][()], model.scale.numpy())


# ---- round trips in ndflow ----------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(lm.CASES))
def test_weights_round_trip_into_a_model_built_in_code(name, exp, tmp_path):
    model = ndflow_model_from_keras_file(name)
    path = str(tmp_path / "w.weights.h5")
    model.save_weights(path)
    fresh, _ = lm.CASES[name](keras)          # other layer names (fresh counters)
    fresh.load_weights(path)
    np.testing.assert_allclose(np.asarray(fresh(case_inputs(name, exp), training=False)),
                               exp[name], **TOL)


@pytest.mark.parametrize("name", sorted(set(lm.CASES) - {"subclassed"}))
def test_dot_keras_round_trip(name, exp, tmp_path):
    model = ndflow_model_from_keras_file(name)
    path = str(tmp_path / "m.keras")
    model.save(path)
    with zipfile.ZipFile(path) as zf:
        assert zf.namelist() == ["metadata.json", "config.json", "model.weights.h5"]
        metadata = json.loads(zf.read("metadata.json"))
        weights = zf.read("model.weights.h5")
    assert metadata["format_version"] == 2 and metadata["weights_file"] == "model.weights.h5"
    assert "keras_version" in metadata and "date_saved" in metadata
    assert_same_tree(h5_tree(weights), h5_tree(os.path.join(GOLDEN, name + ".weights.h5")))
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(np.asarray(loaded(case_inputs(name, exp), training=False)),
                               exp[name], **TOL)


def test_layers_matched_by_key_not_by_name(tmp_path):
    """A model built in code whose layer names are those of other layers of the file
    (made in another order) gets each layer's weights by its key, as Keras does."""
    a = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3, name="x"),
                          keras.layers.Dense(3, name="y")])
    path = str(tmp_path / "w.weights.h5")
    a.save_weights(path)
    b = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3, name="y"),
                          keras.layers.Dense(3, name="z")])
    b.load_weights(path)
    np.testing.assert_array_equal(b.layers[0].kernel.numpy(), a.layers[0].kernel.numpy())
    np.testing.assert_array_equal(b.layers[1].kernel.numpy(), a.layers[1].kernel.numpy())


def test_layers_listed_in_another_order_are_matched_by_name(tmp_path):
    """A Keras file whose container lists the same layers (by name) under other keys
    (another library's order of a Functional model's branches) still loads each layer's
    own weights."""
    x = keras.Input((3,))
    p = keras.layers.Dense(2, name="p")(x)
    q = keras.layers.Dense(2, name="q")(x)
    model = keras.Model(x, keras.layers.Add(name="add")([p, q]))
    path = str(tmp_path / "w.weights.h5")
    model.save_weights(path)
    with h5py.File(path, "r+") as f:       # swap the keys, as another order would give
        f.move("layers/dense", "layers/tmp")
        f.move("layers/dense_1", "layers/dense")
        f.move("layers/tmp", "layers/dense_1")
    x2 = keras.Input((3,))
    p2 = keras.layers.Dense(2, name="p")(x2)
    q2 = keras.layers.Dense(2, name="q")(x2)
    fresh = keras.Model(x2, keras.layers.Add(name="add")([p2, q2]))
    fresh.load_weights(path)
    np.testing.assert_array_equal(fresh.get_layer("p").kernel.numpy(),
                                  model.get_layer("p").kernel.numpy())
    np.testing.assert_array_equal(fresh.get_layer("q").kernel.numpy(),
                                  model.get_layer("q").kernel.numpy())


def test_legacy_h5_name_keeps_the_legacy_layout(tmp_path):
    model = ndflow_model_from_keras_file("dense_bn")
    legacy = str(tmp_path / "w.h5")
    model.save_weights(legacy)
    with h5py.File(legacy, "r") as f:
        assert "layer_names" in f.attrs and "layers" not in f
    fresh, _ = lm.CASES["dense_bn"](keras)
    fresh.load_weights(legacy)
    for a, b in zip(fresh.weights, model.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


# ---- the optimizer -----------------------------------------------------------------------

@pytest.mark.parametrize("opt", sorted(lm.OPTIMIZERS))
def test_keras_optimizer_state_loads_and_is_written_back_unchanged(opt, exp, tmp_path):
    src = os.path.join(GOLDEN, "trained_%s.keras" % opt)
    model = keras.models.load_model(src)
    x, y = lm.training_data()
    np.testing.assert_allclose(model.predict(x, verbose=0), exp["trained_" + opt], **TOL)
    assert int(model.optimizer.iterations.numpy()) == int(exp["trained_%s_iterations" % opt])
    path = str(tmp_path / "m.keras")
    model.save(path)
    with zipfile.ZipFile(src) as zf:
        want = h5_tree(zf.read("model.weights.h5"))
    with zipfile.ZipFile(path) as zf:
        got = h5_tree(zf.read("model.weights.h5"))
    opt_paths = sorted(p for p in want if p.startswith("optimizer/vars/"))
    assert sorted(p for p in got if p.startswith("optimizer/vars/")) == opt_paths
    for p in opt_paths:
        assert got[p][1].dtype == want[p][1].dtype, p
        np.testing.assert_allclose(got[p][1], want[p][1], rtol=1e-6, err_msg=p)
    # one more step from the restored state gives what Keras gave
    model.train_on_batch(x, y)
    np.testing.assert_allclose(model.predict(x, verbose=0), exp["trained_%s_after_step" % opt],
                               atol=1e-5, rtol=1e-4)


def test_optimizer_slots_are_written_in_keras_order(tmp_path):
    """Keras makes Adam's momentum and velocity variable by variable, then every
    velocity_hat; RMSprop's velocities, then momentums, then average gradients."""
    x, y = lm.training_data()
    for opt, groups in (("adam_amsgrad", [("momentum", "velocity"), ("velocity_hat",)]),
                        ("rmsprop_centered", [("velocity",), ("momentum",),
                                              ("average_gradient",)])):
        model = lm.trainable(keras, opt)
        model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
        path = str(tmp_path / ("%s.weights.h5" % opt))
        model.save_weights(path)
        o = model.optimizer
        expected = [o.iterations, o.learning_rate]
        for group in groups:
            for v in model.trainable_variables:
                expected.extend(o._slot(v, name) for name in group)
        with h5py.File(path, "r") as f:
            og = f["optimizer/vars"]
            assert len(og) == len(expected) == 2 + 3 * 6
            for i, v in enumerate(expected):
                np.testing.assert_array_equal(og[str(i)][()], v.numpy(), err_msg=str(i))
            assert og["0"].dtype == np.int64


def test_nadam_momentum_product_is_written(tmp_path):
    x, y = lm.training_data()
    model = lm.trainable(keras, "nadam")
    model.fit(x, y, batch_size=2, epochs=1, shuffle=False, verbose=0)
    path = str(tmp_path / "n.weights.h5")
    model.save_weights(path)
    with h5py.File(path, "r") as f:
        og = f["optimizer/vars"]
        count = len(og)
        last = og[str(count - 1)][()]
    # the product over the 4 steps of 0.9 * (1 - 0.5 * 0.96^t), computed here by hand
    want = np.prod([0.9 * (1 - 0.5 * 0.96 ** t) for t in range(1, 5)])
    assert count == 2 + 2 * 6 + 1
    np.testing.assert_allclose(last, want, rtol=1e-6)


@pytest.mark.parametrize("opt", ["adam", "sgd", "rmsprop", "adagrad", "adamax", "nadam",
                                 "ftrl", "lion", "adadelta", "adamw"])
def test_optimizer_state_round_trips_in_ndflow(opt, tmp_path):
    x, y = lm.training_data()
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    model.compile(optimizer=opt, loss="mse")
    model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert len(loaded.optimizer.variables) == len(model.optimizer.variables)
    for a, b in zip(loaded.optimizer.variables, model.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    model.train_on_batch(x, y)
    loaded.train_on_batch(x, y)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               atol=1e-6)


def test_load_weights_restores_a_compiled_models_optimizer(tmp_path):
    x, y = lm.training_data()
    model = lm.trainable(keras, "adam_amsgrad")
    model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    path = str(tmp_path / "w.weights.h5")
    model.save_weights(path)
    other = lm.trainable(keras, "adam_amsgrad")
    other.load_weights(path)
    assert int(other.optimizer.iterations.numpy()) == 4
    for a, b in zip(other.optimizer.variables, model.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    plain = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5, activation="relu"),
                              keras.layers.BatchNormalization(), keras.layers.Dense(3)])
    plain.load_weights(path)        # not compiled: the weights only
    np.testing.assert_array_equal(plain.predict(x, verbose=0), model.predict(x, verbose=0))


def test_uncompiled_and_untrained_models(tmp_path):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    path = str(tmp_path / "w.weights.h5")
    model.save_weights(path)
    with h5py.File(path, "r") as f:
        assert "optimizer" not in f
    model.compile("adam", "mse")       # compiled, never trained: iteration, learning rate
    model.save_weights(path)
    with h5py.File(path, "r") as f:
        assert sorted(f["optimizer/vars"].keys()) == ["0", "1"]
        assert f["optimizer/vars"].attrs["name"] == "adam"
    keras_path = str(tmp_path / "m.keras")
    model.save(keras_path)
    # as in Keras: the loaded optimizer is built, and the state of one never trained
    # does not fit it, so it starts fresh
    with pytest.warns(UserWarning, match="optimizer starts fresh"):
        loaded = keras.models.load_model(keras_path)
    assert int(loaded.optimizer.iterations.numpy()) == 0
    assert loaded.predict(np.ones((1, 4), "float32"), verbose=0).shape == (1, 3)
    model.save(keras_path, include_optimizer=False)
    with zipfile.ZipFile(keras_path) as zf:
        with h5py.File(io.BytesIO(zf.read("model.weights.h5")), "r") as f:
            assert "optimizer" not in f


# ---- ndflow's own older archives ----------------------------------------------------------

def write_v1_archive(model, path):
    """An archive as ndflow wrote it before the Keras 3 layout (format version 1):
    weights in model.weights.npz under w/<group>/<i>, the optimizer under optimizer/<i>,
    an index of the groups in metadata.json."""
    from ndflow.keras.saving import serialization, weights as W
    config = serialization.serialize_keras_object(model)
    config["compile_config"] = api._compile_config(model)
    arrays, index = {}, []
    for gi, (name, entries) in enumerate(W.get_weight_values(model)):
        index.append({"name": name, "weights": [[n, list(a.shape), a.dtype.name]
                                                 for n, a in entries]})
        for i, (_, a) in enumerate(entries):
            arrays["w/%d/%d" % (gi, i)] = a
    opt = W.get_optimizer_values(model.optimizer)
    for i, (_, a) in enumerate(opt):
        arrays["optimizer/%d" % i] = a
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    metadata = {"format": "ndflow.keras", "format_version": 1, "keras_version": "3.0.0",
                "weights_file": "model.weights.npz", "weights": index,
                "optimizer_weights": [n for n, _ in opt]}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("metadata.json", json.dumps(metadata))
        zf.writestr("config.json", json.dumps(config))
        zf.writestr("model.weights.npz", buf.getvalue())


def test_ndflow_version_1_archives_still_load(tmp_path):
    x, y = lm.training_data()
    model = lm.trainable(keras, "adam_amsgrad")
    model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    path = str(tmp_path / "old.keras")
    write_v1_archive(model, path)
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    for a, b in zip(loaded.optimizer.variables, model.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    fresh = lm.trainable(keras, "adam_amsgrad")
    fresh.load_weights(path)
    np.testing.assert_array_equal(fresh.predict(x, verbose=0), model.predict(x, verbose=0))


def test_an_archive_from_a_newer_ndflow_is_refused(tmp_path):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    path = str(tmp_path / "m.keras")
    model.save(path)
    newer = str(tmp_path / "newer.keras")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(newer, "w") as zout:
        for item in zin.namelist():
            data = zin.read(item)
            if item == "metadata.json":
                meta = json.loads(data)
                meta["format_version"] = 99
                data = json.dumps(meta).encode()
            zout.writestr(item, data)
    with pytest.raises(ValueError, match="newer ndflow"):
        keras.models.load_model(newer)


# ---- saving stays atomic -------------------------------------------------------------------

def _disk_full(*args, **kwargs):
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize("filename", ["m.keras", "w.weights.h5"])
def test_a_failed_save_leaves_the_previous_file_intact(tmp_path, monkeypatch, filename):
    model = ndflow_model_from_keras_file("dense_bn")
    path = str(tmp_path / filename)
    save = model.save if filename.endswith(".keras") else model.save_weights
    save(path)
    original = open(path, "rb").read()
    real = keras3.write_weights

    def half_then_fail(h5file, m, optimizer=None):
        h5file.create_dataset("layers/dense/vars/0", data=np.zeros(3))
        _disk_full()
    monkeypatch.setattr(keras3, "write_weights", half_then_fail)
    with pytest.raises(OSError, match="No space"):
        save(path)
    assert open(path, "rb").read() == original
    assert os.listdir(tmp_path) == [filename]         # no temporary file left behind
    monkeypatch.setattr(keras3, "write_weights", real)
    fresh, _ = lm.CASES["dense_bn"](keras)
    fresh.load_weights(path)
    for a, b in zip(fresh.weights, model.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_a_corrupted_weights_entry_fails_its_checksum(tmp_path):
    model = ndflow_model_from_keras_file("dense_bn")
    path = str(tmp_path / "m.keras")
    model.save(path)
    data = bytearray(open(path, "rb").read())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("model.weights.h5")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF
    open(path, "wb").write(bytes(data))
    with pytest.raises(ValueError, match="corrupt|truncated"):
        keras.models.load_model(path)
