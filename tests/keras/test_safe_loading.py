"""Loading never runs code from a file unless the caller passes safe_mode=False.

Each test replays the payload pattern of a known Keras vulnerability against every entry
point (load_model for .keras and .h5, model_from_json, from_config, load_weights) and
checks that no code ran: a marker file is not created, a payload module is not imported,
the safe-mode flag is unchanged.
"""
import base64
import io
import json
import marshal
import sys
import zipfile

import h5py
import numpy as np
import pytest

from ndflow.keras.saving import api, registry, serialization


# ---- payload files -----------------------------------------------------------------------

def write_keras(path, config, arrays=None, metadata=None):
    buf = io.BytesIO()
    np.savez(buf, **(arrays or {}))
    meta = {"format": "ndflow.keras", "format_version": 1, "weights": []}
    meta.update(metadata or {})
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("metadata.json", json.dumps(meta))
        zf.writestr("config.json", json.dumps(config))
        zf.writestr("model.weights.npz", buf.getvalue())
    return str(path)


def write_h5(path, config):
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps(config)
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = np.zeros((0,), "S1")
    return str(path)


def entry_points(tmp_path, config):
    """Every way a config reaches the loader: (name, zero-argument loader)."""
    keras_file = write_keras(tmp_path / "payload.keras", config)
    h5_file = write_h5(tmp_path / "payload.h5", config)
    return [
        ("load_model .keras", lambda: api.load_model(keras_file)),
        ("load_model .h5", lambda: api.load_model(h5_file)),
        ("model_from_json", lambda: api.model_from_json(json.dumps(config))),
        ("model_from_config", lambda: api.model_from_config(config)),
        ("deserialize_keras_object", lambda: serialization.deserialize_keras_object(config)),
    ]


@pytest.fixture
def marker(tmp_path):
    path = tmp_path / "PWNED"
    yield path
    assert serialization.in_safe_mode(), "a payload switched safe mode off"
    assert not serialization._unsafe_global["enabled"]


def code_that_writes(marker_path):
    """Bytecode of ``lambda x: open(marker).write('x') or x`` (the CVE-2024-3660 payload)."""
    src = "lambda x: open(%r, 'w').write('pwned') and x" % str(marker_path)
    return eval(compile(src, "<payload>", "eval")).__code__


def b64(code):
    return base64.b64encode(marshal.dumps(code)).decode("ascii")


def lambda_layer_configs(marker_path):
    code_obj = code_that_writes(marker_path)
    code = b64(code_obj)
    payload = eval(compile("lambda x: x", "<payload>", "eval"))
    payload.__code__ = code_obj
    from ndflow.keras.layers import Lambda
    native = serialization.serialize_keras_object(Lambda(payload))["config"]["function"]
    # the same payload in every encoding ndflow and Keras versions have used
    return {
        "native": native,   # what saving a Lambda layer writes today
        "keras3": {"class_name": "__lambda__", "config": {"code": code, "defaults": None,
                                                          "python": "%d.%d" %
                                                          sys.version_info[:2]}},
        "ndflow0": {"function_type": "lambda", "function": code, "defaults": None,
                    "closure": None},
        "keras2": [code, None, None],
    }


def lambda_model(function, extra=None):
    config = {"name": "lambda", "function": function, "arguments": {}}
    config.update(extra or {})
    return {"module": "keras.layers", "class_name": "Lambda", "config": config,
            "registered_name": None}


# ---- CVE-2024-3660: marshalled Lambda bytecode -----------------------------------------

@pytest.mark.parametrize("encoding", ["native", "keras3", "ndflow0", "keras2"])
def test_lambda_bytecode_is_refused_everywhere(tmp_path, marker, encoding):
    function = lambda_layer_configs(marker)[encoding]
    extra = {"function_type": "lambda"} if encoding == "keras2" else None
    config = lambda_model(function, extra)
    for name, load in entry_points(tmp_path, config):
        # foreign encodings are not understood by Lambda.from_config: any error will do,
        # as long as nothing runs
        with pytest.raises((ValueError, TypeError, KeyError)) as e:
            model = load()
            model(np.ones((1, 2), np.float32))      # a loaded model would call it
        if encoding in ("native", "keras3"):
            assert "safe_mode=False" in str(e.value), name
        assert not marker.exists(), name


def test_keras3_lambda_object_is_refused_by_the_serializer(tmp_path, marker):
    payload = lambda_layer_configs(marker)["keras3"]
    with pytest.raises(ValueError, match="safe_mode=False"):
        serialization.deserialize_keras_object(payload)
    assert not marker.exists()


def test_safe_mode_false_is_the_only_way_and_really_loads(tmp_path, marker):
    """The gate is real: with safe_mode=False from the caller, the same payload loads."""
    config = lambda_model(lambda_layer_configs(marker)["native"])
    path = write_keras(tmp_path / "trusted.keras", config)
    layer = api.load_model(path, safe_mode=False)
    assert not marker.exists()
    layer(np.ones((1, 2), np.float32))
    assert marker.exists()
    marker.unlink()
    with serialization.SafeModeScope(False):
        assert not serialization.in_safe_mode()
        serialization.deserialize_keras_object(lambda_layer_configs(marker)["keras3"])
    assert serialization.in_safe_mode()


# ---- CVE-2025-1550: a config naming an arbitrary module and function ---------------------

@pytest.fixture
def payload_module(tmp_path, monkeypatch):
    """A module that would write a marker if it were ever imported."""
    marker_path = tmp_path / "IMPORTED"
    (tmp_path / "nd_payload_mod.py").write_text(
        "open(%r, 'w').write('imported')\n"
        "def boom(*a, **k):\n    open(%r, 'w').write('called')\n"
        "class Boom:\n    @classmethod\n    def from_config(cls, c):\n        boom()\n"
        % (str(marker_path), str(marker_path)))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield marker_path
    assert "nd_payload_mod" not in sys.modules
    assert not marker_path.exists()


GADGETS = [("os", "system"), ("builtins", "exec"), ("builtins", "eval"),
           ("subprocess", "Popen"), ("nd_payload_mod", "boom"), ("nd_payload_mod", "Boom"),
           ("keras.utils", "get_file"), ("keras.src.saving.saving_lib", "load_model"),
           ("importlib", "import_module")]


@pytest.mark.parametrize("module,name", GADGETS)
def test_config_naming_a_module_class_is_refused(tmp_path, payload_module, module, name):
    config = {"module": module, "class_name": name,
              "config": {"command": "touch %s" % payload_module}, "registered_name": None}
    for where, load in entry_points(tmp_path, config):
        with pytest.raises(TypeError, match="Could not locate") as e:
            load()
        assert "never imported" in str(e.value) or module.startswith("keras"), where


@pytest.mark.parametrize("module,name", GADGETS)
def test_config_naming_a_module_function_is_refused(tmp_path, payload_module, module, name):
    function = {"module": module, "class_name": "function", "config": name,
                "registered_name": None}
    dense = {"module": "keras.layers", "class_name": "Dense",
             "config": {"name": "d", "units": 2, "activation": function},
             "registered_name": None}
    for where, load in entry_points(tmp_path, dense):
        with pytest.raises((TypeError, ValueError)):
            load()
    with pytest.raises(TypeError, match="Could not locate function"):
        serialization.deserialize_keras_object(function)
    # as the function of a Lambda layer, by name
    lam = lambda_model({"function_type": "function", "function": name, "module": module})
    for where, load in entry_points(tmp_path, lam):
        with pytest.raises((TypeError, ValueError)):
            load()


def test_module_field_is_never_imported_even_for_registered_names(tmp_path, payload_module):
    # a config that names a real registered class but a payload module still loads the
    # registered class, and the module named in the file is not imported
    @registry.register_keras_serializable(package="safetest")
    class Harmless:
        def __init__(self, value=0):
            self.value = value

        def get_config(self):
            return {"value": self.value}

        @classmethod
        def from_config(cls, config):
            return cls(**config)
    obj = serialization.deserialize_keras_object(
        {"module": "nd_payload_mod", "class_name": "Harmless", "config": {"value": 3},
         "registered_name": "safetest>Harmless"})
    assert isinstance(obj, Harmless) and obj.value == 3


# ---- CVE-2025-8747 / CVE-2025-9906: a config switching unsafe mode on ----------------------

def test_config_cannot_call_enable_unsafe_deserialization(tmp_path, marker):
    enable = {"module": "keras.config", "class_name": "function",
              "config": "enable_unsafe_deserialization", "registered_name": None}
    second = lambda_model(lambda_layer_configs(marker)["native"])
    for first in (lambda_model(enable),
                  lambda_model({"function_type": "function",
                                "function": "enable_unsafe_deserialization",
                                "module": "keras.config"}),
                  enable):
        seq = {"module": "keras", "class_name": "Sequential",
               "config": {"name": "s", "layers": [first, second]}, "registered_name": None}
        for config in (first, seq):
            for where, load in entry_points(tmp_path, config):
                with pytest.raises((TypeError, ValueError, KeyError)):
                    load()
                assert serialization.in_safe_mode() and not marker.exists(), where


def test_enable_unsafe_deserialization_is_refused_during_a_load(tmp_path, marker):
    """Even a trusted registered class cannot switch the flag while loading."""
    @registry.register_keras_serializable(package="safetest")
    class Sneaky:
        def get_config(self):
            return {}

        @classmethod
        def from_config(cls, config):
            serialization.enable_unsafe_deserialization()
            return cls()
    config = {"module": "x", "class_name": "Sneaky", "config": {},
              "registered_name": "safetest>Sneaky"}
    for where, load in entry_points(tmp_path, config)[2:]:
        with pytest.raises(RuntimeError, match="cannot switch safe mode off"):
            load()
        assert serialization.in_safe_mode()


def test_no_class_can_switch_safe_mode_off_during_compile_restore(tmp_path):
    """A registered object rebuilt while the compile state is restored (after the model
    itself) is still inside the load: the switch is refused there too."""
    from ndflow import keras

    @registry.register_keras_serializable(package="safetest")
    class SneakyMetric(keras.metrics.Mean):
        @classmethod
        def from_config(cls, config):
            serialization.enable_unsafe_deserialization()
            return cls(**config)

    model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])
    model.compile(optimizer="sgd", loss="mse", metrics=[SneakyMetric()])
    model.fit(np.ones((4, 2), np.float32), np.ones((4, 1), np.float32), verbose=0)
    path = str(tmp_path / "sneaky.keras")
    model.save(path)
    with pytest.raises(RuntimeError, match="cannot switch safe mode off"):
        api.load_model(path)
    assert serialization.in_safe_mode() and not serialization._unsafe_global["enabled"]


def test_user_enable_unsafe_does_not_weaken_load_model(tmp_path, marker):
    config = lambda_model(lambda_layer_configs(marker)["native"])
    path = write_keras(tmp_path / "p.keras", config)
    serialization.enable_unsafe_deserialization()
    try:
        assert not serialization.in_safe_mode()
        with pytest.raises(ValueError, match="safe_mode=False"):
            api.load_model(path)              # default safe_mode=True still applies
        with pytest.raises(ValueError, match="safe_mode=False"):
            api.model_from_json(json.dumps(config))
    finally:
        serialization._unsafe_global["enabled"] = False
    assert not marker.exists()


# ---- CVE-2025-9905: the .h5 path ignoring safe mode ------------------------------------------

def test_h5_path_honours_safe_mode(tmp_path, marker):
    config = lambda_model(lambda_layer_configs(marker)["native"])
    path = write_h5(tmp_path / "p.h5", config)
    with pytest.raises(ValueError, match="safe_mode=False"):
        api.load_model(path)
    with pytest.raises(ValueError, match="safe_mode=False"):
        api.load_model(path, safe_mode=True)
    assert not marker.exists()
    layer = api.load_model(path, safe_mode=False)       # the caller's explicit choice
    assert callable(layer.function)


# ---- weights never hold code ---------------------------------------------------------------

class _Evil:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_pickled_arrays_in_weights_are_refused(tmp_path, marker):
    from ndflow.keras.layers import Dense
    evil = np.array([_Evil(str(marker))], dtype=object)
    dense = Dense(2)
    dense(np.ones((1, 3), np.float32))
    config = serialization.serialize_keras_object(dense)
    path = write_keras(tmp_path / "evil.keras", config, arrays={"w/0/0": evil},
                       metadata={"weights": [{"name": "dense", "weights": [["k", [1], "O"]]}]})
    with pytest.raises(ValueError, match="pickle"):
        api.load_model(path)
    with pytest.raises(ValueError, match="pickle"):
        api.load_weights(dense, path)
    assert not marker.exists()


def test_h5_weights_of_non_numeric_type_are_refused(tmp_path):
    from ndflow.keras.layers import Dense
    dense = Dense(2)
    dense(np.ones((1, 3), np.float32))
    path = str(tmp_path / "w.weights.h5")
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([b"dense"])
        g = f.create_group("dense")
        g.attrs["weight_names"] = np.array([b"kernel", b"bias"])
        g["kernel"] = np.array([[b"abc", b"def"]] * 3)
        g["bias"] = np.zeros(2, np.float32)
    with pytest.raises(ValueError, match="numeric"):
        api.load_weights(dense, path)
