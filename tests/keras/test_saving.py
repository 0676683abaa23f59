"""Saving and loading with small hand-made layers: formats, weights, atomic writes,
errors for damaged files, the registry and custom objects."""
import json
import os
import zipfile

import h5py
import numpy as np
import pytest

import ndflow as tf
from ndflow.keras.engine.layer import Layer
from ndflow.keras.saving import api, registry, serialization


@registry.register_keras_serializable(package="ndtest")
class Affine(Layer):
    def __init__(self, units=2, **kw):
        super().__init__(**kw)
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight("kernel", (input_shape[-1], self.units))
        self.bias = self.add_weight("bias", (self.units,), initializer="random_normal")

    def call(self, x):
        return tf.matmul(x, self.kernel) + self.bias

    def get_config(self):
        config = super().get_config()
        config["units"] = self.units
        return config


@registry.register_keras_serializable(package="ndtest")
class TwoLayer(Layer):
    """A subclassed-style model: sublayers made in __init__, built from build_config."""

    def __init__(self, hidden=4, out=1, **kw):
        super().__init__(**kw)
        self.hidden, self.out = hidden, out
        self.first = Affine(hidden)
        self.second = Affine(out)

    def call(self, x):
        return self.second(tf.nn.relu(self.first(x)))

    def build_from_config(self, config):
        self(np.zeros((1,) + tuple(config["input_shape"][1:]), np.float32))

    def get_config(self):
        config = super().get_config()
        config.update(hidden=self.hidden, out=self.out)
        return config


class Unregistered(Affine):
    pass


X = np.random.default_rng(0).normal(size=(6, 3)).astype(np.float32)


def make(hidden=4):
    m = TwoLayer(hidden)
    m(X)
    return m


@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_round_trip_predicts_the_same(tmp_path, ext):
    m = make()
    path = str(tmp_path / ("m" + ext))
    api.save_model(m, path)
    loaded = api.load_model(path)
    assert type(loaded) is TwoLayer and loaded.hidden == 4
    np.testing.assert_allclose(loaded(X).numpy(), m(X).numpy(), atol=1e-6, rtol=0)
    assert loaded is not m and loaded.first.kernel is not m.first.kernel


def test_keras_file_layout(tmp_path):
    m = make()
    path = str(tmp_path / "m.keras")
    api.save_model(m, path)
    with zipfile.ZipFile(path) as zf:
        assert zf.namelist() == ["metadata.json", "config.json", "model.weights.h5"]
        config = json.loads(zf.read("config.json"))
        metadata = json.loads(zf.read("metadata.json"))
        zf.extract("model.weights.h5", tmp_path)
    assert config["class_name"] == "TwoLayer" and config["registered_name"] == "ndtest>TwoLayer"
    assert config["config"]["hidden"] == 4
    assert metadata["format"] == "ndflow.keras" and metadata["format_version"] == 2
    # Keras 3's layout: one group per object, named by attribute, variables in `vars`
    with h5py.File(tmp_path / "model.weights.h5", "r") as f:
        assert sorted(f.keys()) == ["first", "second", "vars"]
        assert f["first/vars"].attrs["name"] == m.first.name
        np.testing.assert_array_equal(f["first/vars/0"][()], m.first.kernel.numpy())
        np.testing.assert_array_equal(f["second/vars/1"][()], m.second.bias.numpy())


def test_h5_file_layout(tmp_path):
    m = make()
    path = str(tmp_path / "m.h5")
    api.save_model(m, path)
    with h5py.File(path, "r") as f:
        config = json.loads(f.attrs["model_config"])
        names = [n.decode() for n in f["model_weights"].attrs["layer_names"]]
        assert names == [m.first.name, m.second.name]
        g = f["model_weights"][m.first.name]
        wnames = [n.decode() for n in g.attrs["weight_names"]]
        np.testing.assert_array_equal(g[wnames[0]][()], m.first.kernel.numpy())
    assert config["class_name"] == "TwoLayer"


def test_save_weights_and_load_by_order_and_by_name(tmp_path):
    m = make()
    path = str(tmp_path / "w.weights.h5")
    api.save_weights(m, path)
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89HDF\r\n\x1a\n"
    other = make()
    assert not np.allclose(other(X).numpy(), m(X).numpy())
    api.load_weights(other, path)      # sublayer names differ: matched by order
    np.testing.assert_allclose(other(X).numpy(), m(X).numpy(), atol=1e-6)
    # by name: only layers whose names match are loaded
    third = make()
    before = third.second.kernel.numpy().copy()
    third.first.name = m.first.name
    api.load_weights(third, path, by_name=True)
    np.testing.assert_array_equal(third.first.kernel.numpy(), m.first.kernel.numpy())
    np.testing.assert_array_equal(third.second.kernel.numpy(), before)
    # load_weights also reads a whole-model file
    full = str(tmp_path / "m.keras")
    api.save_model(m, full)
    fourth = make()
    api.load_weights(fourth, full)
    np.testing.assert_allclose(fourth(X).numpy(), m(X).numpy(), atol=1e-6)


def test_load_weights_shape_mismatch_is_clear_and_changes_nothing(tmp_path):
    m = make(hidden=4)
    path = str(tmp_path / "w.weights.h5")
    api.save_weights(m, path)
    other = make(hidden=5)
    before = [w.copy() for w in other.get_weights()]
    with pytest.raises(ValueError) as e:
        api.load_weights(other, path)
    msg = str(e.value)
    assert "Shape mismatch" in msg and "(3, 5)" in msg and "(3, 4)" in msg
    for a, b in zip(before, other.get_weights()):
        np.testing.assert_array_equal(a, b)
    other.first.name = m.first.name
    other.second.name = m.second.name
    with pytest.warns(UserWarning, match="Skipped"):
        api.load_weights(other, path, by_name=True, skip_mismatch=True)
    # the matching second layer (4 -> 1 vs 5 -> 1) also mismatches; nothing was loaded
    for a, b in zip(before, other.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_load_weights_layer_count_mismatch(tmp_path):
    m = make()
    path = str(tmp_path / "w.weights.h5")
    api.save_weights(m, path)
    single = Affine(1)
    single(X)
    with pytest.raises(ValueError, match="2 layer"):
        api.load_weights(single, path)


def test_unbuilt_model_cannot_load_weights(tmp_path):
    m = make()
    path = str(tmp_path / "w.weights.h5")
    api.save_weights(m, path)
    with pytest.raises(ValueError, match="not been built"):
        api.load_weights(TwoLayer(), path)


def test_save_weights_requires_h5_name(tmp_path):
    with pytest.raises(ValueError, match=".weights.h5"):
        api.save_weights(make(), str(tmp_path / "w.ckpt"))
    with pytest.raises(ValueError, match=".keras"):
        api.save_model(make(), str(tmp_path / "model"))


def test_overwrite_false_refuses(tmp_path):
    path = str(tmp_path / "m.keras")
    api.save_model(make(), path)
    with pytest.raises(FileExistsError, match="overwrite"):
        api.save_model(make(), path, overwrite=False)


# ---- atomic writes -----------------------------------------------------------------------

def _disk_full(*args, **kwargs):
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_failed_save_leaves_previous_file_intact(tmp_path, monkeypatch, ext):
    m = make()
    path = str(tmp_path / ("m" + ext))
    api.save_model(m, path)
    with open(path, "rb") as f:
        original = f.read()
    # fail in the middle of writing the new file
    if ext == ".keras":
        from ndflow.keras.saving import keras3
        monkeypatch.setattr(keras3, "write_weights", _disk_full)
    else:
        real = api._write_h5_groups

        def half_then_fail(group, groups):
            real(group, groups[:1])
            _disk_full()
        monkeypatch.setattr(api, "_write_h5_groups", half_then_fail)
    with pytest.raises(OSError, match="No space"):
        api.save_model(make(), path)
    with open(path, "rb") as f:
        assert f.read() == original
    assert os.listdir(tmp_path) == ["m" + ext]       # no temporary file left behind
    monkeypatch.undo()
    np.testing.assert_allclose(api.load_model(path)(X).numpy(), m(X).numpy(), atol=1e-6)


def test_failed_save_weights_leaves_previous_file_intact(tmp_path, monkeypatch):
    m = make()
    path = str(tmp_path / "w.weights.h5")
    api.save_weights(m, path)
    original = open(path, "rb").read()
    from ndflow.keras.saving import keras3
    monkeypatch.setattr(keras3, "write_weights", _disk_full)    # .weights.h5: Keras 3 layout
    with pytest.raises(OSError):
        api.save_weights(make(), path)
    assert open(path, "rb").read() == original
    assert os.listdir(tmp_path) == ["w.weights.h5"]


# ---- damaged and foreign files -----------------------------------------------------------

def test_truncated_keras_file(tmp_path):
    path = str(tmp_path / "m.keras")
    api.save_model(make(), path)
    data = open(path, "rb").read()
    open(path, "wb").write(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated"):
        api.load_model(path)


def test_truncated_h5_file(tmp_path):
    path = str(tmp_path / "m.h5")
    api.save_model(make(), path)
    data = open(path, "rb").read()
    open(path, "wb").write(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated|corrupt"):
        api.load_model(path)


def test_corrupted_keras_entry_fails_checksum(tmp_path):
    path = str(tmp_path / "m.keras")
    api.save_model(make(), path)
    data = bytearray(open(path, "rb").read())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("model.weights.h5")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + 10] ^= 0xFF
    open(path, "wb").write(bytes(data))
    with pytest.raises(ValueError, match="corrupt|truncated"):
        api.load_model(path)


def test_foreign_files(tmp_path):
    empty = tmp_path / "empty.keras"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="empty"):
        api.load_model(str(empty))
    text = tmp_path / "notes.keras"
    text.write_bytes(b"hello, this is text")
    with pytest.raises(ValueError, match="neither a .keras zip archive nor an HDF5"):
        api.load_model(str(text))
    pickled = tmp_path / "model.pkl"
    pickled.write_bytes(b"\x80\x04\x95" + b"\x00" * 20)
    with pytest.raises(ValueError, match="pickle"):
        api.load_model(str(pickled))
    with pytest.raises(ValueError, match="directory"):
        api.load_model(str(tmp_path))
    with pytest.raises(FileNotFoundError):
        api.load_model(str(tmp_path / "missing.keras"))
    other_zip = tmp_path / "data.keras"
    with zipfile.ZipFile(other_zip, "w") as zf:
        zf.writestr("readme.txt", "not a model")
    with pytest.raises(ValueError, match="lacks config.json, metadata.json"):
        api.load_model(str(other_zip))
    plain_h5 = tmp_path / "data.h5"
    with h5py.File(plain_h5, "w") as f:
        f["x"] = np.arange(3)
    with pytest.raises(ValueError, match="not a Keras model"):
        api.load_model(str(plain_h5))
    weights_only = str(tmp_path / "w.weights.h5")
    api.save_weights(make(), weights_only)
    with pytest.raises(ValueError, match="load_weights"):
        api.load_model(weights_only)
    bad_json = tmp_path / "bad.keras"
    with zipfile.ZipFile(bad_json, "w") as zf:
        zf.writestr("metadata.json", "{}")
        zf.writestr("config.json", "{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        api.load_model(str(bad_json))


# ---- config, JSON, registry ----------------------------------------------------------------

def test_json_round_trip_gives_fresh_weights():
    m = make()
    text = api.model_to_json(m)
    config = json.loads(text)
    assert config["class_name"] == "TwoLayer"
    rebuilt = api.model_from_json(text)
    assert type(rebuilt) is TwoLayer and rebuilt.hidden == 4
    rebuilt(X)
    assert not np.allclose(rebuilt.first.kernel.numpy(), m.first.kernel.numpy())
    rebuilt.set_weights(m.get_weights())
    np.testing.assert_allclose(rebuilt(X).numpy(), m(X).numpy(), atol=1e-6)


def test_unregistered_class_needs_custom_objects(tmp_path):
    layer = Unregistered(2)
    layer(X)
    path = str(tmp_path / "u.keras")
    api.save_model(layer, path)
    with pytest.raises(TypeError) as e:
        api.load_model(path)
    assert "Unregistered" in str(e.value) and "register_keras_serializable" in str(e.value)
    loaded = api.load_model(path, custom_objects={"Unregistered": Unregistered})
    np.testing.assert_allclose(loaded(X).numpy(), layer(X).numpy(), atol=1e-6)
    with registry.custom_object_scope({"Unregistered": Unregistered}):
        loaded = api.load_model(path)
    assert type(loaded) is Unregistered


def test_registry_names_and_lookup():
    assert registry.get_registered_name(TwoLayer) == "ndtest>TwoLayer"
    assert registry.get_registered_object("ndtest>TwoLayer") is TwoLayer
    assert registry.get_registered_name(Unregistered) == "Unregistered"
    assert registry.get_registered_object("Unregistered") is None
    assert registry.get_registered_object("x", custom_objects={"x": 1}) == 1

    @registry.register_keras_serializable(package="ndtest", name="double_it")
    def double(x):
        return x * 2
    assert "ndtest>double_it" in registry.get_custom_objects()
    config = serialization.serialize_keras_object(double)
    assert config == {"module": __name__, "class_name": "function",
                      "config": "ndtest>double_it", "registered_name": "ndtest>double_it"}
    assert serialization.deserialize_keras_object(config) is double
    with pytest.raises(ValueError, match="get_config"):
        registry.register_keras_serializable()(type("NoConfig", (), {}))


def test_serialize_plain_values_and_arrays():
    s = serialization.serialize_keras_object
    d = serialization.deserialize_keras_object
    assert s((1, 2)) == [1, 2]
    assert s({"a": np.float32(1.5), "b": np.int64(3)}) == {"a": 1.5, "b": 3}
    arr = np.arange(6, dtype=np.int32).reshape(2, 3)
    out = d(s(arr))
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, arr)
    assert d({"class_name": "__tuple__", "config": {"value": [1, 2]}}) == (1, 2)


def test_builtin_names_are_not_shadowed_by_registered_suffixes():
    from ndflow.keras.layers import Dense

    @registry.register_keras_serializable(package="ndtest_shadow")
    class Dense2(Dense):
        pass
    registry.get_custom_objects()["ndtest_shadow>Dense"] = Dense2
    try:
        config = serialization.serialize_keras_object(Dense(2))
        assert type(serialization.deserialize_keras_object(config)) is Dense
        # an explicit custom_objects entry does override the built-in, as in Keras
        out = serialization.deserialize_keras_object(config, custom_objects={"Dense": Dense2})
        assert type(out) is Dense2
        # a bare name that is not a built-in finds "package>name"
        obj = serialization.deserialize_keras_object(
            {"class_name": "Dense2", "config": {"units": 3, "name": "d2"}})
        assert type(obj) is Dense2 and obj.units == 3
    finally:
        del registry.get_custom_objects()["ndtest_shadow>Dense"]


def test_user_class_named_like_a_builtin_is_not_replaced_by_it():
    class Dense(Affine):        # the user's own class, unregistered
        pass
    layer = Dense(2)
    config = serialization.serialize_keras_object(layer)
    assert config["module"] == __name__
    with pytest.raises(TypeError, match="Could not locate class 'Dense'"):
        serialization.deserialize_keras_object(config)
    assert type(serialization.deserialize_keras_object(
        config, custom_objects={"Dense": Dense})) is Dense
