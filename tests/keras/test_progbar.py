"""Progress output of fit / evaluate / predict and keras.utils.Progbar (stdout captured)."""
import io
import re
import sys

import numpy as np

import ndflow as tf
from ndflow import keras
from ndflow.keras import layers
from ndflow.keras.utils.progbar import Progbar

rng = np.random.default_rng(4)
X = rng.normal(size=(40, 4)).astype("float32")
Y = (X[:, 0] > 0).astype("int64")

NUM = r"\d+\.\d{4}"
TIME = r"\d+(s|ms|us)"


def _model():
    tf.random.set_seed(0)
    m = keras.Sequential([layers.Dense(6, activation="relu", input_shape=(4,)),
                          layers.Dense(2, activation="softmax")])
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return m


def test_fit_verbose_1_without_terminal_prints_one_final_line_per_epoch(capsys):
    m = _model()
    h = m.fit(X, Y, epochs=2, batch_size=10, verbose=1, validation_data=(X, Y))
    out = capsys.readouterr().out
    assert "\r" not in out and "\b" not in out
    lines = out.splitlines()
    assert len(lines) == 4 and lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    pat = (r"^4/4 \[==============================\] - \d+s %s/step - loss: (%s) - "
           r"accuracy: (%s) - val_loss: (%s) - val_accuracy: (%s)$" % (TIME, NUM, NUM, NUM, NUM))
    for epoch, line in enumerate((lines[1], lines[3])):
        mt = re.match(pat, line)
        assert mt, line
        # what the bar prints is what History logged
        for i, key in zip((2, 3, 4, 5), ("loss", "accuracy", "val_loss", "val_accuracy")):
            assert mt.group(i) == "%.4f" % h.history[key][epoch]


def test_auto_verbose_and_single_epoch_has_no_header(capsys):
    m = _model()
    m.fit(X, Y, epochs=1, batch_size=40)
    out = capsys.readouterr().out
    assert re.match(r"^1/1 \[=+\] - \d+s %s/step - loss: %s - accuracy: %s\n$"
                    % (TIME, NUM, NUM), out), out


def test_fit_verbose_2_and_0(capsys):
    m = _model()
    m.fit(X, Y, epochs=2, batch_size=10, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2" and len(lines) == 4
    assert re.match(r"^4/4 - \d+s - loss: %s - accuracy: %s - %s/epoch - %s/step$"
                    % (NUM, NUM, TIME, TIME), lines[1]), lines[1]
    m.fit(X, Y, epochs=2, verbose=0)
    assert capsys.readouterr().out == ""


def test_evaluate_and_predict_output(capsys):
    m = _model()
    res = m.evaluate(X, Y, verbose=2)
    out = capsys.readouterr().out
    mt = re.match(r"^2/2 - \d+s - loss: (%s) - accuracy: (%s) - %s/epoch - %s/step\n$"
                  % (NUM, NUM, TIME, TIME), out)
    assert mt, out
    assert mt.group(1) == "%.4f" % res[0]
    m.evaluate(X, Y, verbose=0)
    m.predict(X, verbose=0)
    assert capsys.readouterr().out == ""
    m.predict(X[:5])
    out = capsys.readouterr().out
    assert re.match(r"^1/1 \[=+\] - \d+s %s/step\n$" % TIME, out), out


def test_tiny_values_use_scientific_notation(capsys):
    bar = Progbar(2, verbose=2, stateful_metrics=["loss"], dynamic=False)
    bar.update(2, [("loss", 0.00001234)])
    assert "loss: 1.2340e-05" in capsys.readouterr().out


def test_progbar_redraws_in_place_at_most_every_interval(monkeypatch):
    buf = io.StringIO()
    monkeypatch.setattr(sys, "stdout", buf)
    bar = Progbar(1000, verbose=1, interval=10.0, dynamic=True)
    for i in range(1, 1001):
        bar.update(i, [("loss", 1.0 / i)])
    out = buf.getvalue()
    # the first update draws (no previous draw), then only the final one
    assert out.count("\r") == 2 and out.endswith("\n")
    final = out.split("\r")[-1]
    avg = sum(1.0 / i for i in range(1, 1001)) / 1000
    assert re.match(r"^1000/1000 \[=+\] - \d+s %s/step - loss: %.4f *\n$" % (TIME, avg), final)


def test_progbar_partial_bar_and_eta(monkeypatch):
    buf = io.StringIO()
    monkeypatch.setattr(sys, "stdout", buf)
    bar = Progbar(10, width=10, verbose=1, interval=0.0, dynamic=True)
    bar.update(4)
    assert re.match(r"^\r 4/10 \[===>\.\.\.\.\.\.\] - ETA: \d+s$", buf.getvalue()), buf.getvalue()


def test_progbar_public_and_add(capsys):
    bar = keras.utils.Progbar(target=3, verbose=2)
    bar.add(1, values=[("x", 1.0)])
    bar.add(2, values=[("x", 4.0)])     # averaged over steps: (1*1 + 4*2) / 3
    out = capsys.readouterr().out
    assert re.match(r"^3/3 - \d+s - x: 3\.0000 - %s/epoch - %s/step\n$" % (TIME, TIME), out), out


def test_unknown_target(capsys):
    def gen():
        for s in range(0, 40, 10):
            yield X[s:s + 10], Y[s:s + 10]

    m = _model()
    m.fit(gen(), epochs=1, verbose=2)
    out = capsys.readouterr().out
    assert out.startswith("4/4 - ")
