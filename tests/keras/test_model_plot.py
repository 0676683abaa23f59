"""keras.utils.plot_model / model_to_dot."""
import os
import sys

import pytest

from ndflow import keras
from ndflow.keras import layers as L


def _png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def _functional():
    inputs = keras.Input(shape=(64,))
    hidden = L.Dense(64, activation="relu")(inputs)
    return keras.Model(inputs, L.Dense(10, activation="softmax")(hidden))


def test_plot_model_writes_png(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    keras.utils.plot_model(_functional(), show_shapes=True)
    w, h = _png_size("model.png")  # the default file name
    keras.utils.plot_model(keras.Sequential([L.Dense(2, input_shape=(3,))]),
                           to_file=str(tmp_path / "seq.png"))
    w2, h2 = _png_size(tmp_path / "seq.png")
    assert h > h2 > 0  # three stacked boxes are taller than two


def test_model_to_dot_graph_structure():
    a = keras.Input((3,), name="a")
    b = keras.Input((3,), name="b")
    out = L.Dense(1, name="head")(L.add([a, b], name="sum"))
    model = keras.Model([a, b], out)
    dot = keras.utils.model_to_dot(model, show_shapes=True, show_dtype=True)
    labels = [n.get("label") for n in dot.get_nodes() if n.get("label")]
    assert any("sum (Add)" in l and "(None, 3)" in l for l in labels)
    assert any("head (Dense)" in l and "(None, 1)" in l and "float32" in l for l in labels)
    assert len(dot.get_edges()) == 3


def test_subclassed_model_is_one_box(tmp_path):
    class M(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = L.Dense(2)

        def call(self, x):
            return self.d(x)
    m = M()
    m.build((1, 4))
    dot = keras.utils.model_to_dot(m, show_shapes=True)
    boxes = [n for n in dot.get_nodes() if n.get_name() not in ("node", "edge", "graph")]
    assert len(boxes) == 1 and "(1, 2)" in boxes[0].get("label")
    keras.utils.plot_model(m, to_file=str(tmp_path / "m.png"))
    assert os.path.getsize(tmp_path / "m.png") > 0


def test_missing_pydot_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "pydot", None)
    with pytest.raises(ImportError, match="pip install pydot"):
        keras.utils.plot_model(_functional())


def test_missing_dot_program_says_what_to_install(monkeypatch, tmp_path):
    import shutil
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(ImportError, match="graphviz"):
        keras.utils.plot_model(_functional(), to_file=str(tmp_path / "x.png"))
