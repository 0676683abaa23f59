"""Models saved by real Keras 3 load in ndflow and predict what Keras predicted.

The files under tests/golden/keras3/ were written by Keras 3.15 with
tests/golden/keras3/make_keras3_files.py (run in an environment with TensorFlow); the
outputs Keras computed for fixed inputs are stored next to them in expected.npz. These
tests need no TensorFlow.
"""
import json
import os
import shutil
import sys
import zipfile

import h5py
import numpy as np
import pytest

from ndflow import keras
from ndflow.keras.saving import serialization

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(os.path.dirname(HERE), "golden", "keras3")
TOL = dict(atol=1e-5, rtol=1e-5)


@pytest.fixture(scope="module")
def exp():
    with np.load(os.path.join(GOLDEN, "expected.npz"), allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}


def inputs(name, exp):
    return {"sequential": exp["x"], "functional": [exp["xa"], exp["xb"]],
            "cnn": exp["ximg"], "trained": exp["xt"], "rnn": exp["xs"],
            "nested": exp["xn"]}[name]


CASES = [(n, e) for n in ("sequential", "functional", "cnn", "trained", "rnn")
         for e in (".keras", ".h5")] + [("nested", ".keras")]


def test_golden_files_were_written_by_keras3():
    with open(os.path.join(GOLDEN, "VERSIONS.json")) as f:
        assert json.load(f)["keras"].startswith("3.")
    with zipfile.ZipFile(os.path.join(GOLDEN, "sequential.keras")) as zf:
        assert "model.weights.h5" in zf.namelist()
        config = zf.read("config.json").decode()
    # the configs carry the keys of newer Keras that ndflow's layers do not take
    for key in ("quantization_config", "synchronized", "input_axes", "optional"):
        assert '"%s"' % key in config


@pytest.mark.parametrize("name,ext", CASES, ids=["%s%s" % c for c in CASES])
def test_keras3_file_loads_and_predicts_like_keras(name, ext, exp):
    model = keras.models.load_model(os.path.join(GOLDEN, name + ext), compile=False)
    out = model(inputs(name, exp), training=False)
    np.testing.assert_allclose(np.asarray(out), exp[name], **TOL)


@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_keras3_optimizer_state_is_restored(ext, exp):
    model = keras.models.load_model(os.path.join(GOLDEN, "trained" + ext))
    opt = model.optimizer
    assert type(opt).__name__ == "Adam"
    assert int(np.asarray(opt.iterations)) == int(exp["trained_iterations"])
    assert float(np.asarray(opt.learning_rate)) == pytest.approx(0.01, rel=1e-6)
    # moments are non-zero after training: they came from the file
    slots = [np.asarray(v) for v in opt.variables[2:]]
    assert len(slots) == 2 * len(model.trainable_variables)
    assert all(np.abs(s).sum() > 0 for s in slots)
    # one more Adam step from the restored state gives what Keras gave
    model.train_on_batch(exp["xt"], exp["yt"])
    np.testing.assert_allclose(np.asarray(model(exp["xt"], training=False)),
                               exp["trained_after_step"], atol=1e-5, rtol=1e-4)


def test_keras3_compile_false_leaves_the_model_uncompiled(exp):
    model = keras.models.load_model(os.path.join(GOLDEN, "trained.keras"), compile=False)
    assert getattr(model, "optimizer", None) is None


@pytest.mark.parametrize("source", ["sequential.keras", "sequential.h5",
                                    "sequential.weights.h5"])
def test_load_weights_from_keras3_files_into_a_model_built_in_code(source, exp):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dropout(0.1), keras.layers.BatchNormalization(),
                              keras.layers.Dense(3, activation="softmax")])
    before = np.asarray(model(exp["x"], training=False))
    model.load_weights(os.path.join(GOLDEN, source))
    out = np.asarray(model(exp["x"], training=False))
    assert not np.allclose(before, exp["sequential"], atol=1e-3)
    np.testing.assert_allclose(out, exp["sequential"], **TOL)


# ---- settings ndflow does not implement ------------------------------------------------

def test_lora_file_gives_a_clear_error():
    with pytest.raises(ValueError) as e:
        keras.models.load_model(os.path.join(GOLDEN, "lora.keras"))
    msg = str(e.value)
    assert "Dense" in msg and "lora_rank=2" in msg and "LoRA" in msg
    assert "dense" in msg       # the layer's name


def edit_keras_config(src, dst, edit):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.namelist():
            data = zin.read(item)
            if item == "config.json":
                config = json.loads(data)
                edit(config)
                data = json.dumps(config).encode()
            zout.writestr(item, data)
    return str(dst)


def edit_h5_config(src, dst, edit):
    shutil.copy(src, dst)
    with h5py.File(dst, "r+") as f:
        config = json.loads(f.attrs["model_config"])
        edit(config)
        f.attrs["model_config"] = json.dumps(config)
    return str(dst)


QUANT = {"module": "keras.quantizers", "class_name": "Int8QuantizationConfig",
         "config": {"weight_quantizer": None, "activation_quantizer": None},
         "registered_name": None}


def set_in_layer(index, key, value):
    def edit(config):
        config["config"]["layers"][index]["config"][key] = value
    return edit


@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_real_quantization_config_gives_a_clear_error(tmp_path, ext):
    editor = edit_keras_config if ext == ".keras" else edit_h5_config
    path = editor(os.path.join(GOLDEN, "sequential" + ext), tmp_path / ("q" + ext),
                  set_in_layer(1, "quantization_config", QUANT))
    with pytest.raises(ValueError) as e:
        keras.models.load_model(path)
    msg = str(e.value)
    assert "quantization_config" in msg and "Int8QuantizationConfig" in msg
    assert "'dense'" in msg and "Dense" in msg


@pytest.mark.parametrize("key,value,layer", [("optional", True, 0), ("renorm", True, 3),
                                             ("lora_rank", 4, 1)])
def test_other_non_default_newer_keys_are_refused(tmp_path, key, value, layer):
    path = edit_keras_config(os.path.join(GOLDEN, "sequential.keras"), tmp_path / "k.keras",
                             set_in_layer(layer, key, value))
    with pytest.raises(ValueError, match="%s=%r" % (key, value)):
        keras.models.load_model(path)


def test_neutral_newer_keys_on_a_nested_initializer_are_dropped():
    config = {"module": "keras.layers", "class_name": "Dense", "registered_name": None,
              "config": {"name": "d", "units": 2, "lora_rank": None,
                         "quantization_config": None,
                         "kernel_initializer": {
                             "module": "keras.initializers", "class_name": "GlorotUniform",
                             "config": {"seed": 3, "input_axes": None, "output_axes": None},
                             "registered_name": None}}}
    layer = serialization.deserialize_keras_object(config)
    assert layer.units == 2 and layer.kernel_initializer.seed == 3
    config["config"]["kernel_initializer"]["config"]["input_axes"] = [0]
    with pytest.raises(ValueError, match="input_axes"):
        serialization.deserialize_keras_object(config)


# ---- layouts ------------------------------------------------------------------------------

def test_unknown_h5_weight_layout_says_what_was_expected_and_found(tmp_path):
    path = str(tmp_path / "odd.h5")
    shutil.copy(os.path.join(GOLDEN, "sequential.h5"), path)
    with h5py.File(path, "r+") as f:
        del f["model_weights"].attrs["layer_names"]
    with pytest.raises(ValueError) as e:
        keras.models.load_model(path)
    msg = str(e.value)
    assert "layer_names" in msg and "Expected" in msg and "found" in msg
    assert "batch_normalization" in msg       # what the group does hold


def test_unknown_optimizer_layout_is_reported(tmp_path):
    path = str(tmp_path / "opt.h5")
    shutil.copy(os.path.join(GOLDEN, "trained.h5"), path)
    with h5py.File(path, "r+") as f:
        og = f["optimizer_weights"]
        names = list(og.attrs["weight_names"])
        og.attrs["weight_names"] = np.array([b"nowhere/x"] + names[1:], dtype="S")
    with pytest.raises(ValueError, match="optimizer state is in an unknown layout"):
        keras.models.load_model(path)
    assert keras.models.load_model(path, compile=False) is not None


def test_keras3_weights_for_a_different_architecture_are_refused(tmp_path):
    path = edit_keras_config(os.path.join(GOLDEN, "sequential.keras"), tmp_path / "a.keras",
                             set_in_layer(4, "units", 5))
    with pytest.raises(ValueError, match="[Ss]hape mismatch"):
        keras.models.load_model(path)


# ---- safety: a Keras 3 archive is held to the same rules ----------------------------------

@pytest.fixture
def payload_module(tmp_path, monkeypatch):
    marker = tmp_path / "IMPORTED"
    (tmp_path / "nd_k3_payload.py").write_text(
        "open(%r, 'w').write('imported')\n"
        "class Boom:\n    @classmethod\n    def from_config(cls, c):\n"
        "        open(%r, 'w').write('called')\n" % (str(marker), str(marker)))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield marker
    assert "nd_k3_payload" not in sys.modules
    assert not marker.exists()


def test_keras3_archive_naming_an_unregistered_module_class_is_refused(tmp_path,
                                                                       payload_module):
    def edit(config):
        config["config"]["layers"][1] = {"module": "nd_k3_payload", "class_name": "Boom",
                                         "config": {}, "registered_name": "Boom"}
    path = edit_keras_config(os.path.join(GOLDEN, "sequential.keras"), tmp_path / "p.keras",
                             edit)
    with pytest.raises(TypeError, match="Could not locate class"):
        keras.models.load_model(path)


def test_keras3_archive_naming_a_module_function_is_refused(tmp_path, payload_module):
    fn = {"module": "os", "class_name": "function", "config": "system",
          "registered_name": None}
    path = edit_keras_config(os.path.join(GOLDEN, "sequential.keras"), tmp_path / "f.keras",
                             set_in_layer(1, "activation", fn))
    with pytest.raises((TypeError, ValueError), match="system"):
        keras.models.load_model(path)


def test_keras3_archive_with_lambda_bytecode_is_refused_in_safe_mode(tmp_path):
    marker = tmp_path / "RAN"
    code = compile("lambda x: open(%r, 'w').write('ran') and x" % str(marker), "<p>", "eval")
    import base64
    import marshal
    blob = base64.b64encode(marshal.dumps(eval(code).__code__)).decode("ascii")
    lam = {"module": "keras.layers", "class_name": "Lambda", "registered_name": None,
           "config": {"name": "lam", "function": {"class_name": "__lambda__",
                                                   "config": {"code": blob}},
                      "arguments": {}}}

    def edit(config):
        config["config"]["layers"].insert(2, lam)
    path = edit_keras_config(os.path.join(GOLDEN, "sequential.keras"), tmp_path / "l.keras",
                             edit)
    with pytest.raises(ValueError, match="safe_mode=False"):
        keras.models.load_model(path)
    assert not marker.exists()


def test_unknown_layout_inside_a_keras3_archive_is_reported(tmp_path):
    odd = tmp_path / "odd.weights.h5"
    with h5py.File(odd, "w") as f:
        f.create_dataset("model_weights/dense/kernel", data=np.zeros((4, 8), "float32"))
    src = os.path.join(GOLDEN, "sequential.keras")
    path = tmp_path / "odd.keras"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w") as zout:
        for item in zin.namelist():
            data = odd.read_bytes() if item == "model.weights.h5" else zin.read(item)
            zout.writestr(item, data)
    with pytest.raises(ValueError) as e:
        keras.models.load_model(path)
    msg = str(e.value)
    assert "expected a Keras 3 'layers' group" in msg and "model_weights" in msg
