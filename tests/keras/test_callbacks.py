"""Callbacks driven by scripted sequences of logs (a small fake model stands in for fit)."""
import csv
import math
import os

import numpy as np
import pytest

from ndflow.core.variable import Variable
from ndflow.keras import callbacks as cb
from ndflow.keras.engine.layer import Layer
from ndflow.keras.saving import api


class FakeOptimizer:
    def __init__(self, lr=1.0):
        self.learning_rate = Variable(np.float32(lr), name="learning_rate")


class FakeModel(Layer):
    """One weight whose value the test script sets each epoch."""

    def __init__(self, lr=1.0, **kw):
        super().__init__(**kw)
        self.w = self.add_weight("w", (2,), initializer="zeros")
        self.built = True
        self.optimizer = FakeOptimizer(lr)
        self.stop_training = False

    def call(self, x):
        return x * self.w


def lr_of(model):
    return float(model.optimizer.learning_rate.numpy())


def drive(callbacks, model, epoch_logs, batch_logs=None, weights=None, initial_epoch=0,
          epochs=None):
    """Run the hooks the way fit does; returns the epochs that ran.

    ``epoch_logs[e]`` are the logs of epoch e; ``weights[e]`` is assigned to the model during
    epoch e; ``batch_logs[e]`` is a list of per-batch logs.
    """
    cl = cb.CallbackList(callbacks, model=model, epochs=len(epoch_logs), verbose=0)
    model.stop_training = False
    model._initial_epoch = None
    cl.on_train_begin()
    start = model._initial_epoch or initial_epoch
    ran = []
    for epoch in range(start, epochs or len(epoch_logs)):
        cl.on_epoch_begin(epoch)
        if weights is not None:
            model.w.assign(np.asarray(weights[epoch], dtype=np.float32))
        for b, logs in enumerate((batch_logs or {}).get(epoch, [])):
            cl.on_train_batch_begin(b)
            cl.on_train_batch_end(b, dict(logs))
            if model.stop_training:
                break
        logs = dict(epoch_logs[epoch])
        cl.on_epoch_end(epoch, logs)
        ran.append(epoch)
        if model.stop_training:
            break
    cl.on_train_end()
    return ran


def losses(values, key="val_loss"):
    return [{key: v, "loss": v} for v in values]


# ---- EarlyStopping -----------------------------------------------------------------------

def test_early_stopping_patience_counts_epochs_without_improvement():
    es = cb.EarlyStopping(monitor="val_loss", patience=2)
    ran = drive([es], FakeModel(), losses([1.0, 0.9, 0.95, 0.91, 0.8, 0.7]))
    # best at epoch 1; epochs 2 and 3 do not improve -> stop after epoch 3
    assert ran == [0, 1, 2, 3]
    assert es.stopped_epoch == 3 and es.best == pytest.approx(0.9)


def test_early_stopping_min_delta_needs_a_large_enough_improvement():
    es = cb.EarlyStopping(monitor="val_loss", patience=1, min_delta=0.02)
    ran = drive([es], FakeModel(), losses([1.0, 0.99, 0.985, 0.5]))
    assert ran == [0, 1]
    es = cb.EarlyStopping(monitor="val_loss", patience=1, min_delta=0.005)
    ran = drive([es], FakeModel(), losses([1.0, 0.99, 0.98, 0.97]))
    assert ran == [0, 1, 2, 3]


def test_early_stopping_auto_mode_maximizes_accuracy():
    es = cb.EarlyStopping(monitor="val_accuracy", patience=1)
    logs = [{"val_accuracy": a} for a in (0.5, 0.7, 0.6, 0.9)]
    assert drive([es], FakeModel(), logs) == [0, 1, 2]
    es = cb.EarlyStopping(monitor="val_accuracy", patience=1, mode="min")
    assert drive([es], FakeModel(), logs) == [0, 1]


def test_early_stopping_unknown_direction_asks_for_mode():
    es = cb.EarlyStopping(monitor="val_zork")
    with pytest.raises(ValueError, match="mode='max'"):
        drive([es], FakeModel(), [{"val_zork": 1.0}])
    es = cb.EarlyStopping(monitor="val_zork", mode="max", patience=0)
    assert drive([es], FakeModel(), [{"val_zork": v} for v in (1.0, 2.0, 1.5)]) == [0, 1, 2]


def test_early_stopping_baseline_only_resets_patience_when_beaten():
    es = cb.EarlyStopping(monitor="val_loss", patience=2, baseline=0.5)
    # every epoch improves but none beats 0.5: improvements do not stop training, the
    # first non-improving epoch finds wait > patience
    ran = drive([es], FakeModel(), losses([0.9, 0.8, 0.7, 0.75, 0.6]))
    assert ran == [0, 1, 2, 3]
    es = cb.EarlyStopping(monitor="val_loss", patience=2, baseline=0.85)
    ran = drive([es], FakeModel(), losses([0.9, 0.8, 0.7, 0.75, 0.6]))
    assert ran == [0, 1, 2, 3, 4]


def test_early_stopping_restores_best_weights_after_stopping():
    model = FakeModel()
    es = cb.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    weights = [[e, -e] for e in range(6)]
    ran = drive([es], model, losses([1.0, 0.5, 0.7, 0.8, 0.1, 0.1]), weights=weights)
    assert ran == [0, 1, 2, 3]
    np.testing.assert_array_equal(model.w.numpy(), [1, -1])
    assert es.best_epoch == 1


def test_early_stopping_restores_best_weights_even_without_stopping():
    # Keras 3: the best weights come back at the end of training in every case
    model = FakeModel()
    es = cb.EarlyStopping(monitor="val_loss", patience=10, restore_best_weights=True)
    drive([es], model, losses([1.0, 0.2, 0.7, 0.8]), weights=[[e, e] for e in range(4)])
    np.testing.assert_array_equal(model.w.numpy(), [1, 1])


def test_early_stopping_start_from_epoch_ignores_warmup():
    es = cb.EarlyStopping(monitor="val_loss", patience=1, start_from_epoch=2)
    ran = drive([es], FakeModel(), losses([0.1, 0.2, 0.9, 0.95, 0.5]))
    # epochs 0 and 1 are ignored: best starts at epoch 2 (0.9), epoch 3 does not improve
    assert ran == [0, 1, 2, 3]
    assert es.best == pytest.approx(0.9)


def test_early_stopping_missing_monitor_warns_and_continues():
    es = cb.EarlyStopping(monitor="val_loss", patience=0)
    with pytest.warns(UserWarning, match="val_loss"):
        ran = drive([es], FakeModel(), [{"loss": 1.0}, {"loss": 2.0}])
    assert ran == [0, 1]


def test_early_stopping_can_be_reused():
    es = cb.EarlyStopping(monitor="val_loss", patience=1)
    model = FakeModel()
    assert drive([es], model, losses([1.0, 2.0, 0.1])) == [0, 1]
    assert drive([es], model, losses([1.0, 0.5, 0.1])) == [0, 1, 2]


# ---- ReduceLROnPlateau -------------------------------------------------------------------

def reference_reduce_lr(values, lr, factor, patience, min_delta, cooldown, min_lr):
    """Keras 3 semantics written out independently (min mode)."""
    best, wait, cool, out = math.inf, 0, 0, []
    for v in values:
        out.append(lr)
        if cool > 0:
            cool -= 1
            wait = 0
        if v < best - min_delta:
            best, wait = v, 0
        elif cool == 0:
            wait += 1
            if wait >= patience and lr > np.float32(min_lr):
                lr = max(lr * factor, min_lr)
                cool, wait = cooldown, 0
    return out, lr


@pytest.mark.parametrize("cooldown", [0, 2])
def test_reduce_lr_on_plateau_follows_keras_schedule(cooldown):
    values = [1.0, 0.9, 0.9, 0.95, 0.92, 0.8, 0.85, 0.85, 0.85, 0.85, 0.9, 0.9, 0.7]
    model = FakeModel(lr=1.0)
    cbk = cb.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2, min_lr=0.1,
                               cooldown=cooldown, min_delta=1e-4)
    logged = []
    rec = cb.LambdaCallback(on_epoch_end=lambda e, logs: logged.append(logs["learning_rate"]))
    drive([cbk, rec], model, losses(values))
    expected, final = reference_reduce_lr(values, 1.0, 0.5, 2, 1e-4, cooldown, 0.1)
    np.testing.assert_allclose(logged, expected, rtol=1e-6)
    assert lr_of(model) == pytest.approx(final, rel=1e-6)
    assert final < 1.0


def test_reduce_lr_on_plateau_respects_min_lr_and_validates_factor():
    model = FakeModel(lr=1e-3)
    cbk = cb.ReduceLROnPlateau(monitor="loss", factor=0.1, patience=1, min_lr=5e-4)
    drive([cbk], model, [{"loss": 1.0}] * 5)
    assert lr_of(model) == pytest.approx(5e-4)
    with pytest.raises(ValueError, match="factor"):
        cb.ReduceLROnPlateau(factor=1.5)


# ---- LearningRateScheduler ---------------------------------------------------------------

def test_learning_rate_scheduler_two_and_one_argument_schedules():
    model = FakeModel(lr=0.8)
    seen = []
    sched = cb.LearningRateScheduler(lambda epoch, lr: lr if epoch < 2 else lr * 0.5)
    rec = cb.LambdaCallback(on_epoch_begin=lambda e, logs=None: seen.append(lr_of(model)))
    logged = []
    rec2 = cb.LambdaCallback(on_epoch_end=lambda e, logs: logged.append(logs["learning_rate"]))
    drive([sched, rec, rec2], model, [{"loss": 1.0}] * 4)
    np.testing.assert_allclose(seen, [0.8, 0.8, 0.4, 0.2], rtol=1e-6)
    np.testing.assert_allclose(logged, seen, rtol=1e-6)
    model = FakeModel()
    drive([cb.LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1))], model, [{}] * 3)
    assert lr_of(model) == pytest.approx(0.1 / 3)


def test_learning_rate_scheduler_rejects_non_numbers():
    with pytest.raises(ValueError, match="must return a float"):
        drive([cb.LearningRateScheduler(lambda e, lr: "fast")], FakeModel(), [{}])
    with pytest.raises(TypeError, match="function"):
        cb.LearningRateScheduler(0.1)


# ---- CSVLogger ---------------------------------------------------------------------------

def test_csv_logger_writes_rows_and_appends(tmp_path):
    path = tmp_path / "log.csv"
    logs = [{"loss": 0.5, "val_loss": 0.6, "accuracy": np.float32(0.25)},
            {"loss": 0.4, "val_loss": 0.55, "accuracy": np.float32(0.5)}]
    drive([cb.CSVLogger(str(path))], FakeModel(), logs)
    drive([cb.CSVLogger(str(path), append=True)], FakeModel(), logs)
    with open(path) as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["epoch", "accuracy", "loss", "val_loss"]
    assert [r[0] for r in rows[1:]] == ["0", "1", "0", "1"]
    assert [float(x) for x in rows[2][1:]] == [0.5, 0.4, 0.55]
    drive([cb.CSVLogger(str(path), separator=";")], FakeModel(), logs[:1])
    assert open(path).read().splitlines() == ["epoch;accuracy;loss;val_loss", "0;0.25;0.5;0.6"]


# ---- TerminateOnNaN ----------------------------------------------------------------------

def test_terminate_on_nan_stops_at_the_bad_batch(capsys):
    model = FakeModel()
    seen = []
    rec = cb.LambdaCallback(on_train_batch_end=lambda b, logs: seen.append(b))
    batches = {0: [{"loss": 1.0}, {"loss": float("nan")}, {"loss": 0.5}]}
    ran = drive([cb.TerminateOnNaN(), rec], model, [{"loss": 1.0}] * 3, batch_logs=batches)
    assert ran == [0] and seen == [0, 1]
    assert "Invalid loss" in capsys.readouterr().out
    model = FakeModel()
    batches = {0: [{"loss": 1.0}], 1: [{"loss": np.float32(np.inf)}]}
    assert drive([cb.TerminateOnNaN()], model, [{}] * 3, batch_logs=batches) == [0, 1]


# ---- LambdaCallback ----------------------------------------------------------------------

def test_lambda_callback_calls_each_hook():
    calls = []
    lc = cb.LambdaCallback(
        on_train_begin=lambda logs: calls.append("train_begin"),
        on_epoch_begin=lambda e, logs: calls.append(("epoch_begin", e)),
        on_epoch_end=lambda e, logs: calls.append(("epoch_end", e, logs["loss"])),
        on_train_batch_end=lambda b, logs: calls.append(("batch_end", b)),
        on_train_end=lambda logs: calls.append("train_end"))
    drive([lc], FakeModel(), [{"loss": 3.0}, {"loss": 2.0}],
          batch_logs={0: [{"loss": 1}], 1: [{"loss": 1}, {"loss": 1}]})
    assert calls == ["train_begin", ("epoch_begin", 0), ("batch_end", 0), ("epoch_end", 0, 3.0),
                     ("epoch_begin", 1), ("batch_end", 0), ("batch_end", 1),
                     ("epoch_end", 1, 2.0), "train_end"]
    with pytest.raises(TypeError, match="unknown hook"):
        cb.LambdaCallback(on_epoch_ended=print)
    # Keras 2 spelling on_batch_end also fires for training batches
    seen = []
    drive([cb.LambdaCallback(on_batch_end=lambda b, logs: seen.append(b))], FakeModel(),
          [{}], batch_logs={0: [{}, {}]})
    assert seen == [0, 1]


# ---- ModelCheckpoint ---------------------------------------------------------------------

def test_model_checkpoint_fills_placeholders(tmp_path):
    model = FakeModel()
    pattern = str(tmp_path / "ckpt" / "m.{epoch:02d}-{val_loss:.2f}.weights.h5")
    mc = cb.ModelCheckpoint(pattern, save_weights_only=True)
    drive([mc], model, losses([0.5, 0.25]), weights=[[1, 1], [2, 2]])
    assert sorted(os.listdir(tmp_path / "ckpt")) == ["m.01-0.50.weights.h5",
                                                     "m.02-0.25.weights.h5"]
    fresh = FakeModel()
    api.load_weights(fresh, str(tmp_path / "ckpt" / "m.01-0.50.weights.h5"))
    np.testing.assert_array_equal(fresh.w.numpy(), [1, 1])


def test_model_checkpoint_save_best_only_keeps_best_epoch(tmp_path):
    model = FakeModel()
    path = str(tmp_path / "best.weights.h5")
    mc = cb.ModelCheckpoint(path, monitor="val_loss", save_best_only=True,
                            save_weights_only=True)
    drive([mc], model, losses([0.5, 0.3, 0.4, 0.35]), weights=[[e, e] for e in range(4)])
    fresh = FakeModel()
    api.load_weights(fresh, path)
    np.testing.assert_array_equal(fresh.w.numpy(), [1, 1])
    # mode='max' keeps the largest
    mc = cb.ModelCheckpoint(path, monitor="val_auc", save_best_only=True,
                            save_weights_only=True)
    drive([mc], model, [{"val_auc": a} for a in (0.6, 0.9, 0.7)],
          weights=[[e, e] for e in range(3)])
    api.load_weights(fresh, path)
    np.testing.assert_array_equal(fresh.w.numpy(), [1, 1])


def test_model_checkpoint_save_freq_in_batches(tmp_path):
    model = FakeModel()
    pattern = str(tmp_path / "b{epoch}-{batch}.weights.h5")
    mc = cb.ModelCheckpoint(pattern, save_weights_only=True, save_freq=2)
    drive([mc], model, [{}] * 2, batch_logs={0: [{}] * 3, 1: [{}] * 3})
    # batches seen: 1..6 over both epochs; every 2nd triggers a save
    assert sorted(os.listdir(tmp_path)) == ["b1-2.weights.h5", "b2-1.weights.h5",
                                            "b2-3.weights.h5"]


def test_model_checkpoint_validates_arguments(tmp_path):
    with pytest.raises(ValueError, match=".weights.h5"):
        cb.ModelCheckpoint(str(tmp_path / "w.keras"), save_weights_only=True)
    with pytest.raises(ValueError, match=".keras"):
        cb.ModelCheckpoint(str(tmp_path / "model.ckpt"))
    with pytest.raises(ValueError, match="save_freq"):
        cb.ModelCheckpoint(str(tmp_path / "m.keras"), save_freq="sometimes")
    mc = cb.ModelCheckpoint(str(tmp_path / "m{val_acc}.weights.h5"), save_weights_only=True)
    with pytest.raises(KeyError, match="val_acc"):
        drive([mc], FakeModel(), [{"loss": 1.0}])


# ---- BackupAndRestore --------------------------------------------------------------------

class Killed(Exception):
    pass


def test_backup_and_restore_resumes_from_last_epoch(tmp_path):
    model = FakeModel()
    backup = cb.BackupAndRestore(str(tmp_path / "backup"))

    def kill(epoch, logs=None):
        if epoch == 2:
            raise Killed()
    with pytest.raises(Killed):
        drive([backup, cb.LambdaCallback(on_epoch_begin=kill)], model, [{}] * 4,
              weights=[[e, 10 * e] for e in range(4)])
    assert os.path.exists(tmp_path / "backup" / "backup.npz")
    # a new process: fresh model and callback, same directory
    model2 = FakeModel()
    started = []
    ran = drive([cb.BackupAndRestore(str(tmp_path / "backup")),
                 cb.LambdaCallback(on_train_begin=lambda logs: started.append(
                     model2.w.numpy().tolist()))], model2, [{}] * 4)
    assert started == [[1.0, 10.0]]      # weights of the last finished epoch (1)
    assert ran == [2, 3]
    assert not os.path.exists(tmp_path / "backup" / "backup.npz")  # deleted at the end


def test_backup_and_restore_refuses_a_corrupt_backup(tmp_path):
    d = tmp_path / "b"
    d.mkdir()
    (d / "backup.npz").write_bytes(b"PK\x03\x04garbage")
    with pytest.raises(ValueError, match="corrupt"):
        drive([cb.BackupAndRestore(str(d))], FakeModel(), [{}])


# ---- TensorBoard -------------------------------------------------------------------------

def read_events(directory):
    """Parse TFRecord event files with the protobuf classes (independent of the writer)."""
    import struct
    from tensorboardX.proto import event_pb2
    events = []
    for name in sorted(os.listdir(directory)):
        data = open(os.path.join(directory, name), "rb").read()
        pos = 0
        while pos < len(data):
            (length,) = struct.unpack("<Q", data[pos:pos + 8])
            pos += 12
            events.append(event_pb2.Event.FromString(data[pos:pos + length]))
            pos += length + 4
    return events


def scalars(events):
    out = {}
    for e in events:
        for v in e.summary.value:
            if v.HasField("simple_value"):
                out.setdefault(v.tag, []).append((e.step, round(v.simple_value, 6)))
            elif v.HasField("tensor") and v.tensor.float_val:
                out.setdefault(v.tag, []).append((e.step, round(v.tensor.float_val[0], 6)))
    return out


def test_tensorboard_writes_scalars_histograms_and_graph(tmp_path):
    model = FakeModel(lr=0.5)
    tb = cb.TensorBoard(log_dir=str(tmp_path), histogram_freq=1, update_freq="batch")
    logs = [{"loss": 0.5, "accuracy": 0.25, "val_loss": 0.75},
            {"loss": 0.25, "accuracy": 0.5, "val_loss": 0.625}]
    drive([tb], model, logs, batch_logs={0: [{"loss": 1.0}, {"loss": 0.5}], 1: [{"loss": 0.25}]})
    train = read_events(tmp_path / "train")
    val = read_events(tmp_path / "validation")
    s = scalars(train)
    assert s["epoch_loss"] == [(0, 0.5), (1, 0.25)]
    assert s["epoch_accuracy"] == [(0, 0.25), (1, 0.5)]
    assert s["epoch_learning_rate"] == [(0, 0.5), (1, 0.5)]
    assert s["batch_loss"] == [(1, 1.0), (2, 0.5), (3, 0.25)]
    assert scalars(val)["epoch_loss"] == [(0, 0.75), (1, 0.625)]
    hist_tags = {v.tag for e in train for v in e.summary.value if v.HasField("histo")}
    assert any(t.endswith("/histogram") and "w" in t for t in hist_tags)
    assert any(e.graph_def for e in train)


def test_tensorboard_graph_follows_functional_connections(tmp_path):
    from ndflow import keras
    from tensorboardX.proto import graph_pb2
    inp = keras.Input((4,), name="x_in")
    h = keras.layers.Dense(3, name="h")(inp)
    a = keras.layers.Dense(2, name="a")(h)
    b = keras.layers.Dense(2, name="b")(h)
    model = keras.Model(inp, keras.layers.Add(name="sum")([a, b]))
    drive([cb.TensorBoard(log_dir=str(tmp_path))], model, [{"loss": 1.0}])
    graph = [e.graph_def for e in read_events(tmp_path / "train") if e.graph_def]
    nodes = {n.name: (n.op, list(n.input)) for n in graph_pb2.GraphDef.FromString(graph[0]).node}
    assert nodes["h"] == ("Dense", ["x_in"])
    assert nodes["sum"] == ("Add", ["a", "b"])
    texts = [v.tag for e in read_events(tmp_path / "train") for v in e.summary.value]
    assert any(t.startswith("keras") for t in texts)      # the model config as text
