"""Callbacks inside a real ``fit``: what they log and save matches History."""
import csv
import os

import numpy as np
import pytest

from ndflow import keras

rng = np.random.default_rng(21)
X = rng.normal(size=(96, 4)).astype(np.float32)
Y = (X[:, :1] - X[:, 1:2] > 0).astype(np.float32)
XV, YV = X[:32] + 0.3, Y[:32]


def model_fn(lr=0.05):
    keras.utils.set_random_seed(3)
    m = keras.Sequential([keras.layers.Dense(16, activation="relu", input_shape=(4,)),
                          keras.layers.Dense(1, activation="sigmoid")])
    m.compile(optimizer=keras.optimizers.Adam(lr), loss="binary_crossentropy",
              metrics=["accuracy"])
    return m


def fit(model, callbacks, epochs=12, **kw):
    return model.fit(X, Y, validation_data=(XV, YV), epochs=epochs, batch_size=32,
                     shuffle=False, verbose=0, callbacks=callbacks, **kw)


def test_early_stopping_restores_the_best_epoch_in_fit():
    model = model_fn(lr=0.3)
    es = keras.callbacks.EarlyStopping(monitor="val_loss", patience=2,
                                       restore_best_weights=True)
    hist = fit(model, [es], epochs=40)
    val = hist.history["val_loss"]
    best = int(np.argmin(val))
    if len(val) < 40:
        assert len(val) - 1 - best == 2
    loss = model.evaluate(XV, YV, verbose=0)[0]
    assert loss == pytest.approx(min(val), abs=1e-6)


@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_model_checkpoint_best_model_in_fit(tmp_path, ext):
    model = model_fn(lr=0.3)
    path = str(tmp_path / ("best" + ext))
    hist = fit(model, [keras.callbacks.ModelCheckpoint(path, save_best_only=True)], epochs=10)
    best = keras.models.load_model(path)
    assert best.evaluate(XV, YV, verbose=0)[0] == pytest.approx(
        min(hist.history["val_loss"]), abs=1e-6)


def test_csv_logger_matches_history(tmp_path):
    path = str(tmp_path / "log.csv")
    hist = fit(model_fn(), [keras.callbacks.CSVLogger(path)], epochs=3)
    with open(path) as f:
        rows = list(csv.DictReader(f))
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2]
    for key, values in hist.history.items():
        np.testing.assert_allclose([float(r[key]) for r in rows], values, rtol=1e-6)


def test_reduce_lr_and_scheduler_change_the_optimizer():
    model = model_fn()
    sched = keras.callbacks.LearningRateScheduler(lambda e, lr: 0.05 * 0.5 ** e)
    hist = fit(model, [sched], epochs=3)
    np.testing.assert_allclose(hist.history["learning_rate"], [0.05, 0.025, 0.0125], rtol=1e-6)
    assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(0.0125)
    model = model_fn()
    plateau = keras.callbacks.ReduceLROnPlateau(monitor="loss", patience=0, factor=0.5,
                                                min_delta=10.0)   # never "improves"
    fit(model, [plateau], epochs=3)
    # epoch 0 sets the first best; epochs 1 and 2 halve the rate
    assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(0.0125)


def test_terminate_on_nan_in_fit():
    model = model_fn()
    bad = X.copy()
    bad[40] = np.nan
    hist = model.fit(bad, Y, epochs=3, batch_size=32, shuffle=False, verbose=0,
                     callbacks=[keras.callbacks.TerminateOnNaN()])
    assert len(hist.epoch) == 1


def read_events(directory):
    """Parse the TFRecord event files with the protobuf classes."""
    import struct
    from tensorboardX.proto import event_pb2
    events = []
    for name in sorted(os.listdir(directory)):
        data = open(os.path.join(directory, name), "rb").read()
        pos = 0
        while pos < len(data):
            (length,) = struct.unpack("<Q", data[pos:pos + 8])
            events.append(event_pb2.Event.FromString(data[pos + 12:pos + 12 + length]))
            pos += 12 + length + 4
    return events


def scalars(events):
    out = {}
    for e in events:
        for v in e.summary.value:
            if v.HasField("simple_value"):
                out.setdefault(v.tag, []).append((e.step, v.simple_value))
    return out


def test_tensorboard_event_values_match_history(tmp_path):
    model = model_fn()
    hist = fit(model, [keras.callbacks.TensorBoard(str(tmp_path), histogram_freq=1)], epochs=2)
    train = scalars(read_events(tmp_path / "train"))
    val = scalars(read_events(tmp_path / "validation"))
    for key in ("loss", "accuracy"):
        np.testing.assert_allclose([v for _, v in train["epoch_" + key]],
                                   hist.history[key], atol=1e-5)
        np.testing.assert_allclose([v for _, v in val["epoch_" + key]],
                                   hist.history["val_" + key], atol=1e-5)
    np.testing.assert_allclose([v for _, v in train["epoch_learning_rate"]], [0.05, 0.05])
    events = read_events(tmp_path / "train")
    graph = [e.graph_def for e in events if e.graph_def]
    from tensorboardX.proto import graph_pb2
    nodes = graph_pb2.GraphDef.FromString(graph[0]).node
    assert [n.op for n in nodes] == ["Dense", "Dense"]


@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_checkpoint_then_resume_equals_uninterrupted_run(tmp_path, ext):
    reference = model_fn()
    fit(reference, [], epochs=5)
    pattern = str(tmp_path / ("ckpt-{epoch:02d}" + ext))
    first = model_fn()
    fit(first, [keras.callbacks.ModelCheckpoint(pattern)], epochs=3)
    assert sorted(os.listdir(tmp_path)) == ["ckpt-0%d%s" % (e, ext) for e in (1, 2, 3)]
    # "a new process": only the checkpoint file survives
    resumed = keras.models.load_model(str(tmp_path / ("ckpt-03" + ext)))
    hist = fit(resumed, [], epochs=5, initial_epoch=3)
    assert hist.epoch == [3, 4]
    for a, b in zip(reference.get_weights(), resumed.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6, rtol=0)


def test_progress_bar_prints_the_logged_values(capsys):
    import re
    model = model_fn()
    hist = model.fit(X, Y, validation_data=(XV, YV), epochs=2, batch_size=32, verbose=2,
                     callbacks=[keras.callbacks.ReduceLROnPlateau(patience=1)])
    lines = [l for l in capsys.readouterr().out.splitlines() if " - loss: " in l]
    assert len(lines) == 2
    for epoch, line in enumerate(lines):
        printed = dict(re.findall(r"(\w+): ([0-9.e+-]+)", line))
        for key in ("loss", "accuracy", "val_loss", "val_accuracy", "learning_rate"):
            assert float(printed[key]) == pytest.approx(hist.history[key][epoch], abs=6e-5)


class _KillAtEpoch(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.kill_epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.kill_epoch:
            raise KeyboardInterrupt()


@pytest.mark.parametrize("shuffle", [False, True])
def test_backup_and_restore_resume_equals_uninterrupted(tmp_path, shuffle):
    def make():
        keras.utils.set_random_seed(9)
        m = keras.Sequential([keras.layers.Dense(8, activation="relu", input_shape=(4,)),
                              keras.layers.Dropout(0.3),
                              keras.layers.Dense(1, activation="sigmoid")])
        m.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy")
        return m

    ref = make()
    h_ref = ref.fit(X, Y, epochs=5, batch_size=16, shuffle=shuffle, verbose=0)
    backup = str(tmp_path / "backup")
    with pytest.raises(KeyboardInterrupt):
        make().fit(X, Y, epochs=5, batch_size=16, shuffle=shuffle, verbose=0,
                   callbacks=[keras.callbacks.BackupAndRestore(backup), _KillAtEpoch(3)])
    resumed = make()
    h = resumed.fit(X, Y, epochs=5, batch_size=16, shuffle=shuffle, verbose=0,
                    callbacks=[keras.callbacks.BackupAndRestore(backup)])
    assert h.epoch == [3, 4]
    np.testing.assert_allclose(h.history["loss"], h_ref.history["loss"][3:], rtol=1e-6)
    for a, b in zip(ref.get_weights(), resumed.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)
