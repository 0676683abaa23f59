"""model.summary(): the Keras 2 table for Sequential, Functional and subclassed models."""
import numpy as np
import pytest

from ndflow import keras
from ndflow.keras import layers as L


def _capture(model, **kw):
    lines = []
    model.summary(print_fn=lines.append, **kw)
    return lines


SEQUENTIAL_EXPECTED = """\
Model: "sequential"
_________________________________________________________________
 Layer (type)                Output Shape              Param #   
=================================================================
 dense (Dense)               (None, 64)                1344      
                                                                 
 dropout (Dropout)           (None, 64)                0         
                                                                 
 dense_1 (Dense)             (None, 1)                 65        
                                                                 
=================================================================
Total params: 1,409
Trainable params: 1,409
Non-trainable params: 0
_________________________________________________________________"""


def test_sequential_summary_text():
    keras.backend.clear_session()
    model = keras.Sequential([L.Dense(64, activation="relu", input_shape=(20,)),
                              L.Dropout(0.2), L.Dense(1, activation="sigmoid")])
    assert "\n".join(_capture(model)) == SEQUENTIAL_EXPECTED


def test_functional_summary_connected_to_and_non_trainable():
    keras.backend.clear_session()
    a = keras.Input((4,), name="a")
    b = keras.Input((4,), name="b")
    h = L.BatchNormalization(name="bn")(L.concatenate([a, b], name="cat"))
    model = keras.Model([a, b], L.Dense(2, name="out")(h), name="two_inputs")
    lines = _capture(model)
    text = "\n".join(lines)
    assert lines[0] == 'Model: "two_inputs"'
    assert all(len(l) == 98 for l in lines[1:4])
    header = lines[2]
    assert header.startswith(" Layer (type)") and "Connected to" in header
    row = next(l for l in lines if l.startswith(" cat (Concatenate)"))
    assert "(None, 8)" in row and "['a[0][0]', 'b[0][0]']" in row
    assert any(l.startswith(" a (InputLayer)") and "[(None, 4)]" in l for l in lines)
    assert "Total params: 50" in text  # bn: 4 * 8 = 32 (16 trainable), dense: 18
    assert "Trainable params: 34" in text and "Non-trainable params: 16" in text


def test_subclassed_summary_and_line_length():
    class M(keras.Model):
        def __init__(self):
            super().__init__()
            self.d1 = L.Dense(8)
            self.d2 = L.Dense(2)

        def call(self, x):
            return self.d2(self.d1(x))

    m = M()
    with pytest.raises(ValueError, match="not yet been built"):
        m.summary()
    m.build((None, 3))
    lines = _capture(m, line_length=80)
    assert lines[0] == 'Model: "m"'
    assert all(len(l) == 80 for l in lines[1:4])
    assert any("(None, 8)" in l and "32" in l for l in lines)
    assert "Total params: 50" in lines


def test_expand_nested_and_show_trainable():
    inner = keras.Sequential([L.Dense(3, input_shape=(2,))], name="inner")
    outer = keras.Sequential([inner, L.Dense(1)], name="outer")
    inner.trainable = False
    lines = _capture(outer, expand_nested=True, show_trainable=True)
    text = "\n".join(lines)
    assert "inner (Sequential)" in text and "|" in text
    assert any(l.lstrip("| ").startswith("dense") and "|" in l for l in lines)
    assert "Trainable" in lines[2]
    assert "Non-trainable params: 9" in text


def test_print_goes_to_stdout(capsys):
    keras.Sequential([L.Dense(2, input_shape=(3,))]).summary()
    out = capsys.readouterr().out
    assert "Layer (type)" in out and "Total params: 8" in out


def test_large_counts_use_thousands_separator():
    model = keras.Sequential([L.Dense(1000, input_shape=(1000,))])
    assert "Total params: 1,001,000" in _capture(model)
    assert np.isclose(model.count_params(), 1001000)
