"""Golden files: models saved by earlier versions must keep loading and predicting the same.

The files under tests/golden/v*/ were written by tests/golden/make_golden.py and are never
regenerated; a failure here means a change broke old files.
"""
import glob
import os
import sys

import numpy as np
import pytest

from ndflow import keras

GOLDEN = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "golden")
sys.path.insert(0, GOLDEN)
import golden_models  # noqa: E402,F401  (registers the custom classes)

VERSIONS = sorted(glob.glob(os.path.join(GOLDEN, "v*")))
CASES = [(v, name, ext) for v in VERSIONS
         for name in ("sequential", "functional", "conv", "subclassed")
         for ext in (".keras", ".h5")]


def expected(version):
    with np.load(os.path.join(version, "expected.npz"), allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}


def test_golden_files_exist():
    assert VERSIONS and all(os.path.exists(os.path.join(v, "expected.npz")) for v in VERSIONS)


@pytest.mark.parametrize("version,name,ext", CASES,
                         ids=["%s-%s%s" % (os.path.basename(v), n, e) for v, n, e in CASES])
def test_golden_model_loads_and_predicts(version, name, ext):
    exp = expected(version)
    model = keras.models.load_model(os.path.join(version, name + ext))
    data = exp["ximg"] if name == "conv" else exp["x"]
    np.testing.assert_allclose(model(data, training=False).numpy(), exp[name],
                               atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("version", VERSIONS)
def test_golden_json_and_weights(version):
    exp = expected(version)
    with open(os.path.join(version, "sequential.json")) as f:
        model = keras.models.model_from_json(f.read())
    model.load_weights(os.path.join(version, "sequential.weights.h5"))
    np.testing.assert_allclose(model(exp["x"], training=False).numpy(), exp["sequential"],
                               atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_golden_trained_model_keeps_its_compile_state(version, ext):
    exp = expected(version)
    model = keras.models.load_model(os.path.join(version, "trained" + ext))
    np.testing.assert_allclose(model(exp["x"]).numpy(), exp["trained"], atol=1e-6)
    loss = model.evaluate(exp["x"], exp["y"], verbose=0)[0]
    assert loss == pytest.approx(float(exp["trained_loss"]), abs=1e-5)
    saved = sorted((k for k in exp if k.startswith("trained_opt_")),
                   key=lambda k: int(k.rsplit("_", 1)[1]))
    assert len(model.optimizer.variables) == len(saved) > 0
    for v, k in zip(model.optimizer.variables, saved):
        np.testing.assert_allclose(v.numpy(), exp[k], atol=1e-7)
