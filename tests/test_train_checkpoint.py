"""tf.train.Checkpoint / CheckpointManager: round trips, deferred restoration, status
assertions, the state file, atomic writes and refusing pickled data."""
import builtins
import hashlib
import json
import os
import pickle

import numpy as np
import pytest

import ndflow as tf
from ndflow import keras
from ndflow.core import errors
from ndflow.train import _io

rng = np.random.default_rng(7)
X = rng.normal(size=(6, 16, 5)).astype(np.float32)     # 6 batches of 16 examples
Y = rng.normal(size=(6, 16, 2)).astype(np.float32)


class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.hidden = keras.layers.Dense(8, activation="tanh")
        self.blocks = [keras.layers.Dense(6, activation="relu"), keras.layers.Dense(2)]

    def call(self, x):
        x = self.hidden(x)
        for b in self.blocks:
            x = b(x)
        return x


def make_model(kind, seed):
    keras.utils.set_random_seed(seed)
    if kind == "subclassed":
        return Net()
    if kind == "sequential":
        return keras.Sequential([keras.layers.Dense(8, activation="tanh"),
                                 keras.layers.Dense(2)])
    inp = keras.Input((5,))
    h = keras.layers.Dense(8, activation="tanh")(inp)
    return keras.Model(inp, keras.layers.Dense(2)(h))


OPTIMIZERS = {
    "adam": lambda: keras.optimizers.Adam(0.01),
    "adamw_amsgrad": lambda: keras.optimizers.AdamW(0.01, amsgrad=True),
    "nadam": lambda: keras.optimizers.Nadam(0.01),
    "sgd_nesterov": lambda: keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True),
    "rmsprop_centered": lambda: keras.optimizers.RMSprop(0.01, momentum=0.5, centered=True),
    "adagrad": lambda: keras.optimizers.Adagrad(0.05),
}


def train_step(model, opt, i):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(X[i]) - Y[i]))
    grads = tape.gradient(loss, model.trainable_variables)
    opt.apply_gradients(zip(grads, model.trainable_variables))
    return loss.numpy()


def weights(model):
    return [w.numpy() for w in model.weights]


def assert_bitwise_equal(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x.dtype == y.dtype and x.shape == y.shape
        assert np.array_equal(x, y), np.max(np.abs(x - y))


# ---------------------------------------------------------------- round trips
@pytest.mark.parametrize("opt_name", sorted(OPTIMIZERS))
def test_restored_training_continues_bit_exactly(tmp_path, opt_name):
    """Train 6 steps straight; separately train 3, save, restore into a fresh (unbuilt)
    model and a fresh optimizer, train 3 more: identical losses and weights."""
    model, opt = make_model("subclassed", 1), OPTIMIZERS[opt_name]()
    ckpt = tf.train.Checkpoint(model=model, optimizer=opt)
    losses_a = []
    for i in range(6):
        losses_a.append(train_step(model, opt, i))
        if i == 2:
            path = ckpt.save(str(tmp_path / "ckpt"))
    final_a = weights(model)
    slots_a = [v.numpy() for v in opt.variables]

    model_b, opt_b = make_model("subclassed", 99), OPTIMIZERS[opt_name]()
    status = tf.train.Checkpoint(model=model_b, optimizer=opt_b).restore(path)
    assert int(opt_b.iterations.numpy()) == 3           # existed: restored at once
    status.assert_existing_objects_matched()
    losses_b = [train_step(model_b, opt_b, i) for i in range(3, 6)]
    status.assert_consumed()
    assert losses_b == losses_a[3:]
    assert_bitwise_equal(weights(model_b), final_a)
    assert_bitwise_equal([v.numpy() for v in opt_b.variables], slots_a)


@pytest.mark.parametrize("kind", ["sequential", "functional", "subclassed"])
def test_round_trip_into_built_model_and_built_optimizer(tmp_path, kind):
    model, opt = make_model(kind, 1), keras.optimizers.Adam(0.02)
    for i in range(2):
        train_step(model, opt, i)
    saved_w, saved_o = weights(model), [v.numpy() for v in opt.variables]
    path = tf.train.Checkpoint(model=model, opt=opt).write(str(tmp_path / "w"))
    assert path == str(tmp_path / "w")
    assert os.path.isfile(path + ".index") and os.path.isfile(path + ".data-00000-of-00001")

    model_b, opt_b = make_model(kind, 5), keras.optimizers.Adam(0.02)
    model_b(X[0])
    opt_b.build(model_b.trainable_variables)
    assert not np.array_equal(weights(model_b)[0], saved_w[0])
    status = tf.train.Checkpoint(model=model_b, opt=opt_b).read(path)
    status.assert_consumed()
    assert_bitwise_equal(weights(model_b), saved_w)
    assert_bitwise_equal([v.numpy() for v in opt_b.variables], saved_o)


def test_compiled_model_fit_resumes_from_checkpoint(tmp_path):
    def compiled(seed):
        keras.utils.set_random_seed(seed)
        m = keras.Sequential([keras.Input((5,)), keras.layers.Dense(4, activation="relu"),
                              keras.layers.Dense(2)])
        m.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
        return m
    x, y = X.reshape(-1, 5), Y.reshape(-1, 2)
    a = compiled(2)
    a.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    path = tf.train.Checkpoint(model=a).save(str(tmp_path / "fit"))   # model.optimizer too
    a.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)

    b = compiled(3)
    status = tf.train.Checkpoint(model=b).restore(path)
    status.assert_existing_objects_matched()
    b.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    status.assert_consumed()
    assert int(b.optimizer.iterations.numpy()) == int(a.optimizer.iterations.numpy()) == 18
    assert_bitwise_equal(weights(b), weights(a))


# ---------------------------------------------------------------- deferred restoration
def test_deferred_restoration_waits_for_build_and_optimizer_slots(tmp_path):
    model, opt = make_model("sequential", 1), keras.optimizers.Adam(0.01)
    for i in range(2):
        train_step(model, opt, i)
    path = tf.train.Checkpoint(model=model, optimizer=opt).save(str(tmp_path / "c"))
    saved = dict(tf.train.list_variables(path))
    assert saved["optimizer/_slots/0/momentum/.ATTRIBUTES/VARIABLE_VALUE"] == [5, 8]

    fresh, fresh_opt = make_model("sequential", 9), keras.optimizers.Adam(0.01)
    assert not fresh.built and not fresh_opt.variables[2:]
    status = tf.train.Checkpoint(model=fresh, optimizer=fresh_opt).restore(path)
    status.assert_existing_objects_matched()          # the layers exist and were matched
    with pytest.raises(AssertionError, match="kernel"):
        status.assert_consumed()                      # their weights do not exist yet
    fresh.build((None, 5))                            # weights created: restored right away
    assert_bitwise_equal(weights(fresh), weights(model))
    with pytest.raises(AssertionError, match="_slots"):
        status.assert_consumed()
    fresh_opt.build(fresh.trainable_variables)        # slots created: restored right away
    for key in ("optimizer/_slots/0/momentum/.ATTRIBUTES/VARIABLE_VALUE",
                "optimizer/_slots/3/velocity/.ATTRIBUTES/VARIABLE_VALUE"):
        _, idx, slot = key.split("/")[1:4]
        live = fresh_opt._slots[int(idx)][slot].numpy()
        assert np.array_equal(live, tf.train.load_variable(path, key))
        assert np.any(live != 0)
    status.assert_consumed()
    # the creation hooks are gone once nothing waits any more
    for layer in fresh.layers:
        assert type(layer.__dict__["_tracked_variables"]) is list
    assert "_track_variable" not in fresh_opt.__dict__


def test_value_restored_when_a_layer_creates_its_weight_later(tmp_path):
    layer = keras.layers.Dense(3)
    layer(np.ones((1, 4), np.float32))
    path = tf.train.Checkpoint(layer=layer).write(str(tmp_path / "l"))
    later = keras.layers.Dense(3)
    status = tf.train.Checkpoint(layer=later).read(path)
    later.build((None, 4))
    status.assert_consumed()
    assert np.array_equal(later.kernel.numpy(), layer.kernel.numpy())


# ---------------------------------------------------------------- status assertions
def test_status_assertions_report_unmatched_objects_and_values(tmp_path):
    a, b = tf.Variable([1.0, 2.0]), tf.Variable(3.0)
    path = tf.train.Checkpoint(a=a, b=b).write(str(tmp_path / "s"))

    # the program has an object the checkpoint lacks
    a2, extra = tf.Variable([0.0, 0.0]), tf.Variable(0.0)
    status = tf.train.Checkpoint(a=a2, extra=extra).restore(path)
    assert a2.numpy().tolist() == [1.0, 2.0]
    with pytest.raises(AssertionError, match="extra"):
        status.assert_existing_objects_matched()
    with pytest.raises(AssertionError):
        status.assert_consumed()

    # the checkpoint has a value the program does not use
    a3 = tf.Variable([0.0, 0.0])
    status = tf.train.Checkpoint(a=a3).restore(path)
    assert status.assert_existing_objects_matched() is status
    with pytest.raises(AssertionError, match=r"\(root\)\.b"):
        status.assert_consumed()
    assert status.expect_partial() is status
    assert status.assert_nontrivial_match() is status

    # nothing in common but the root
    status = tf.train.Checkpoint(other=tf.Variable(1.0)).restore(path)
    with pytest.raises(AssertionError):
        status.assert_nontrivial_match()


def test_shape_mismatch_raises_with_the_path(tmp_path):
    path = tf.train.Checkpoint(v=tf.Variable(np.zeros((3, 2), np.float32))).write(
        str(tmp_path / "m"))
    with pytest.raises(ValueError, match=r"\(root\)\.v.*shape \(3, 2\).*\(2, 2\)"):
        tf.train.Checkpoint(v=tf.Variable(np.zeros((2, 2), np.float32))).restore(path)


def test_restore_none_is_initialization_only():
    status = tf.train.Checkpoint(v=tf.Variable(1.0)).restore(None)
    assert status.expect_partial() is status
    for check in (status.assert_consumed, status.assert_existing_objects_matched,
                  status.assert_nontrivial_match):
        with pytest.raises(AssertionError, match="No checkpoint specified"):
            check()


def test_missing_checkpoint_and_directory_errors(tmp_path):
    ckpt = tf.train.Checkpoint(v=tf.Variable(1.0))
    with pytest.raises(errors.NotFoundError, match="no checkpoint"):
        ckpt.restore(str(tmp_path / "nothing-1"))
    with pytest.raises(errors.NotFoundError, match="latest_checkpoint"):
        ckpt.restore(str(tmp_path))


# ---------------------------------------------------------------- what is trackable
def test_only_trackable_objects_are_accepted():
    with pytest.raises(ValueError, match=r"tf\.Variable\(3\)"):
        tf.train.Checkpoint(step=3)
    with pytest.raises(ValueError, match="trackable"):
        tf.train.Checkpoint(x=np.zeros(3))
    with pytest.raises(ValueError, match="tf.Variable"):
        tf.train.Checkpoint(c=tf.constant(1.0))
    with pytest.raises(ValueError, match="ModelCheckpoint"):
        tf.train.Checkpoint(filepath="model.keras")
    cb = keras.callbacks.ModelCheckpoint("m.keras")
    with pytest.raises(ValueError, match="callbacks"):
        tf.train.Checkpoint(cb=cb)
    with pytest.raises(TypeError, match="tf.train.Checkpoint"):
        tf.train.CheckpointManager(cb, "d", max_to_keep=1)
    with pytest.raises(ValueError, match="save_counter"):
        tf.train.Checkpoint(save_counter=tf.Variable(1))
    iterator = iter(tf.data.Dataset.range(5))
    with pytest.raises(ValueError, match="iterator"):
        tf.train.Checkpoint(iterator=iterator)


def test_metric_state_round_trip(tmp_path):
    mean, acc = keras.metrics.Mean(), keras.metrics.SparseCategoricalAccuracy()
    mean.update_state([1.0, 2.0, 6.0])
    acc.update_state([1, 0], [[0.1, 0.9], [0.2, 0.8]])
    path = tf.train.Checkpoint(loss=mean, acc=acc).write(str(tmp_path / "metrics"))
    mean2, acc2 = keras.metrics.Mean(), keras.metrics.SparseCategoricalAccuracy()
    tf.train.Checkpoint(loss=mean2, acc=acc2).restore(path).assert_consumed()
    assert float(mean2.result()) == 3.0 and float(acc2.result()) == 0.5
    mean2.update_state([7.0])
    assert float(mean2.result()) == 4.0


class Inner(tf.Module):
    def __init__(self):
        super().__init__()
        self.w = tf.Variable(np.arange(4.0, dtype=np.float32))
        self.table = {"b": tf.Variable(2.0), "a": tf.Variable(1.0)}


class Outer(tf.Module):
    def __init__(self):
        super().__init__()
        self.inner = Inner()
        self.layers_ = [Inner(), Inner()]
        self.step = tf.Variable(0, dtype=tf.int64)
        self.alias = self.inner.w              # the same variable twice: saved once


def test_modules_lists_dicts_nested_checkpoints_and_shared_variables(tmp_path):
    outer = Outer()
    outer.inner.w.assign([5.0, 6.0, 7.0, 8.0])
    outer.layers_[1].table["a"].assign(-1.0)
    outer.step.assign(42)
    flag = tf.Variable(True)
    ckpt = tf.train.Checkpoint(net=outer, nested=tf.train.Checkpoint(flag=flag),
                               pair=[tf.Variable(1), tf.Variable(2)])
    ckpt.extra = tf.Variable(9.5)            # attributes set later are tracked too
    path = ckpt.write(str(tmp_path / "mod"))
    keys = [k for k, _ in tf.train.list_variables(path)]
    assert "net/layers_/0/w/.ATTRIBUTES/VARIABLE_VALUE" in keys
    assert "net/layers_/1/table/a/.ATTRIBUTES/VARIABLE_VALUE" in keys
    # a shared variable is stored once, under its shortest (breadth-first) path
    assert "net/alias/.ATTRIBUTES/VARIABLE_VALUE" in keys
    assert "net/inner/w/.ATTRIBUTES/VARIABLE_VALUE" not in keys
    assert tf.train.load_variable(path, "net/step/.ATTRIBUTES/VARIABLE_VALUE") == 42
    assert tf.train.load_variable(path, "extra") == 9.5
    reader = tf.train.load_checkpoint(path)
    assert reader.get_variable_to_shape_map()["net/alias/.ATTRIBUTES/VARIABLE_VALUE"] == [4]
    assert reader.get_tensor("net/alias/.ATTRIBUTES/VARIABLE_VALUE").tolist() == [5, 6, 7, 8]
    assert reader.get_variable_to_dtype_map()["pair/1/.ATTRIBUTES/VARIABLE_VALUE"] == tf.int32
    with pytest.raises(errors.NotFoundError, match="list_variables"):
        reader.get_tensor("no/such/key")

    outer2, flag2 = Outer(), tf.Variable(False)
    pair2 = [tf.Variable(0), tf.Variable(0)]
    ckpt2 = tf.train.Checkpoint(net=outer2, nested=tf.train.Checkpoint(flag=flag2), pair=pair2)
    ckpt2.extra = tf.Variable(0.0)
    ckpt2.restore(path).assert_consumed()
    assert outer2.inner.w.numpy().tolist() == [5.0, 6.0, 7.0, 8.0]
    assert outer2.alias is outer2.inner.w
    assert float(outer2.layers_[1].table["a"].numpy()) == -1.0
    assert int(outer2.step.numpy()) == 42 and bool(flag2.numpy()) is True
    assert [int(v.numpy()) for v in pair2] == [1, 2] and float(ckpt2.extra.numpy()) == 9.5


# ---------------------------------------------------------------- save numbering, state file
def test_save_numbers_files_and_writes_the_state_file(tmp_path):
    v = tf.Variable(1.0)
    ckpt = tf.train.Checkpoint(v=v)
    prefix = str(tmp_path / "ck")
    assert ckpt.save(prefix) == prefix + "-1"
    v.assign(2.0)
    assert ckpt.save(prefix) == prefix + "-2"
    assert int(ckpt.save_counter.numpy()) == 2
    # TensorFlow's text format, paths relative to the directory
    assert (tmp_path / "checkpoint").read_text() == (
        'model_checkpoint_path: "ck-2"\nall_model_checkpoint_paths: "ck-2"\n')
    assert tf.train.latest_checkpoint(str(tmp_path)) == prefix + "-2"
    ckpt.write(str(tmp_path / "other"))              # write() leaves the state file alone
    assert tf.train.latest_checkpoint(str(tmp_path)) == prefix + "-2"
    # the counter is restored, so numbering goes on
    again = tf.train.Checkpoint(v=tf.Variable(0.0))
    again.restore(prefix + "-1")
    assert again.save(prefix) == prefix + "-2"
    assert tf.train.latest_checkpoint(str(tmp_path / "none")) is None


def test_latest_checkpoint_reads_state_files_written_by_tensorflow(tmp_path):
    d = tmp_path / "run"
    d.mkdir()
    weird = str(d / 'we"ird\\ näme-7')
    tf.train.Checkpoint(v=tf.Variable(1.0)).write(weird)
    tf.train.Checkpoint(v=tf.Variable(1.0)).write(str(tmp_path / "abs-3"))
    # escapes as TensorFlow's text format writes them (octal for non-ASCII bytes)
    (d / "checkpoint").write_text(
        'model_checkpoint_path: "we\\"ird\\\\ n\\303\\244me-7"\n'
        'all_model_checkpoint_paths: "%s"\n'
        'all_model_checkpoint_paths: "we\\"ird\\\\ n\\303\\244me-7"\n'
        'all_model_checkpoint_timestamps: 1700000000.5\n'
        'all_model_checkpoint_timestamps: 1700000100.25\n'
        'last_preserved_timestamp: 1699999999.0\n' % str(tmp_path / "abs-3"))
    assert tf.train.latest_checkpoint(str(d)) == weird
    state = tf.train.get_checkpoint_state(str(d))
    assert state.all_model_checkpoint_paths == [str(tmp_path / "abs-3"), weird]
    assert state.all_model_checkpoint_timestamps == [1700000000.5, 1700000100.25]
    manager = tf.train.CheckpointManager(tf.train.Checkpoint(v=tf.Variable(0.0)), str(d),
                                         max_to_keep=5)
    assert manager.checkpoints == [str(tmp_path / "abs-3"), weird]
    assert manager.latest_checkpoint == weird
    manager.save()
    assert tf.train.get_checkpoint_state(str(d)).all_model_checkpoint_paths[1] == weird
    os.remove(weird + ".index")
    (d / "checkpoint").write_text('model_checkpoint_path: "we\\"ird\\\\ n\\303\\244me-7"\n')
    assert tf.train.latest_checkpoint(str(d)) is None          # the files are gone


def _files(d):
    return sorted(f for f in os.listdir(d) if f != "checkpoint")


def test_checkpoint_manager_keeps_the_newest(tmp_path):
    d = str(tmp_path / "m")
    v = tf.Variable(0.0)
    ckpt = tf.train.Checkpoint(v=v)
    manager = tf.train.CheckpointManager(ckpt, d, max_to_keep=2)
    assert manager.latest_checkpoint is None and manager.checkpoints == []
    assert ckpt.restore(manager.latest_checkpoint).expect_partial() is not None
    for i in range(1, 5):
        v.assign(float(i))
        assert manager.save() == os.path.join(d, "ckpt-%d" % i)
    assert _files(d) == ["ckpt-3.data-00000-of-00001", "ckpt-3.index",
                         "ckpt-4.data-00000-of-00001", "ckpt-4.index"]
    assert manager.checkpoints == [os.path.join(d, "ckpt-3"), os.path.join(d, "ckpt-4")]
    assert manager.latest_checkpoint == tf.train.latest_checkpoint(d) == os.path.join(d,
                                                                                      "ckpt-4")
    text = open(os.path.join(d, "checkpoint")).read()
    assert text.startswith('model_checkpoint_path: "ckpt-4"\n'
                           'all_model_checkpoint_paths: "ckpt-3"\n'
                           'all_model_checkpoint_paths: "ckpt-4"\n'
                           'all_model_checkpoint_timestamps: ')
    # an explicit number; the save counter still advances
    assert manager.save(checkpoint_number=100) == os.path.join(d, "ckpt-100")
    assert int(ckpt.save_counter.numpy()) == 5
    # a new manager takes over the directory's list and deletes in save order
    v.assign(-1.0)
    manager2 = tf.train.CheckpointManager(ckpt, d, max_to_keep=2)
    assert manager2.checkpoints == [os.path.join(d, "ckpt-4"), os.path.join(d, "ckpt-100")]
    assert manager2.save() == os.path.join(d, "ckpt-6")
    assert _files(d) == ["ckpt-100.data-00000-of-00001", "ckpt-100.index",
                         "ckpt-6.data-00000-of-00001", "ckpt-6.index"]
    fresh = tf.Variable(5.0)
    tf.train.Checkpoint(v=fresh).restore(tf.train.latest_checkpoint(d)).assert_consumed()
    assert float(fresh.numpy()) == -1.0
    fresh.assign(0.0)
    restorer = tf.train.CheckpointManager(tf.train.Checkpoint(v=fresh), d, max_to_keep=2)
    assert restorer.restore_or_initialize() == os.path.join(d, "ckpt-6")
    assert float(fresh.numpy()) == -1.0


def test_checkpoint_manager_arguments_and_unlimited(tmp_path):
    ckpt = tf.train.Checkpoint(v=tf.Variable(0.0))
    for bad in (0, -1, 1.5):
        with pytest.raises(ValueError, match="max_to_keep"):
            tf.train.CheckpointManager(ckpt, str(tmp_path), max_to_keep=bad)
    manager = tf.train.CheckpointManager(ckpt, str(tmp_path / "all"), max_to_keep=None,
                                         checkpoint_name="model")
    paths = [manager.save() for _ in range(4)]
    assert paths[-1].endswith("model-4") and manager.checkpoints == paths
    assert len(_files(str(tmp_path / "all"))) == 8
    calls = []
    empty = tf.train.CheckpointManager(ckpt, str(tmp_path / "empty"), max_to_keep=1,
                                       init_fn=lambda: calls.append(1))
    assert empty.restore_or_initialize() is None and calls == [1]


def test_keep_checkpoint_every_n_hours_preserves_old_ones(tmp_path, monkeypatch):
    import ndflow.train.checkpoint_management as cm
    clock = [1000.0]
    monkeypatch.setattr(cm.time, "time", lambda: clock[0])
    d = str(tmp_path)
    manager = tf.train.CheckpointManager(tf.train.Checkpoint(v=tf.Variable(0.0)), d,
                                         max_to_keep=1, keep_checkpoint_every_n_hours=1)
    for minutes in (10, 20, 70, 80, 200):            # saves at these minutes after start
        clock[0] = 1000.0 + 60 * minutes
        manager.save()
    # ckpt-1 (10 min) is less than an hour after the start; ckpt-2 (20 min) neither;
    # ckpt-3 (70 min) is preserved; ckpt-4 (80 min) is not an hour after ckpt-3
    assert sorted(f for f in _files(d) if f.endswith(".index")) == ["ckpt-3.index",
                                                                    "ckpt-5.index"]
    assert manager.checkpoints == [os.path.join(d, "ckpt-5")]


def test_checkpoint_interval_skips_saves(tmp_path):
    step = tf.Variable(0, dtype=tf.int64)
    manager = tf.train.CheckpointManager(tf.train.Checkpoint(step=step), str(tmp_path),
                                         max_to_keep=None, step_counter=step,
                                         checkpoint_interval=10)
    saved = []
    for s in range(0, 35, 5):
        step.assign(s)
        saved.append(manager.save() is not None)
    assert saved == [True, False, True, False, True, False, True]


# ---------------------------------------------------------------- atomic writes
def _snapshot(d):
    return {f: open(os.path.join(d, f), "rb").read() for f in sorted(os.listdir(d))}


def test_failed_write_leaves_the_previous_checkpoint_intact(tmp_path, monkeypatch):
    v = tf.Variable(np.arange(1000, dtype=np.float32))
    ckpt = tf.train.Checkpoint(v=v)
    prefix = str(tmp_path / "same")
    ckpt.write(prefix)
    before = _snapshot(str(tmp_path))
    v.assign(np.zeros(1000, np.float32))

    real_write_data = _io.write_data

    def dies_half_way(f, arrays):
        real_write_data(f, arrays)
        f.truncate(f.tell() // 2)
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(_io, "write_data", dies_half_way)
    with pytest.raises(OSError, match="No space"):
        ckpt.write(prefix)
    monkeypatch.undo()
    assert _snapshot(str(tmp_path)) == before          # no temporary files left either

    # the data file is already replaced when moving the index into place fails
    real_replace = os.replace

    def index_replace_fails(src, dst):
        if str(dst).endswith(".index"):
            raise OSError(5, "I/O error")
        return real_replace(src, dst)
    monkeypatch.setattr(os, "replace", index_replace_fails)
    with pytest.raises(OSError, match="I/O error"):
        ckpt.write(prefix)
    monkeypatch.undo()
    assert _snapshot(str(tmp_path)) == before
    fresh = tf.Variable(np.zeros(1000, np.float32))
    tf.train.Checkpoint(v=fresh).restore(prefix).assert_consumed()
    assert np.array_equal(fresh.numpy(), np.arange(1000, dtype=np.float32))


def test_failed_manager_save_keeps_state_and_counter(tmp_path, monkeypatch):
    d = str(tmp_path)
    ckpt = tf.train.Checkpoint(v=tf.Variable(1.0))
    manager = tf.train.CheckpointManager(ckpt, d, max_to_keep=1)
    first = manager.save()
    before = _snapshot(d)

    def boom(f, arrays):
        raise KeyboardInterrupt
    monkeypatch.setattr(_io, "write_data", boom)
    with pytest.raises(KeyboardInterrupt):
        manager.save()
    monkeypatch.undo()
    assert _snapshot(d) == before
    assert tf.train.latest_checkpoint(d) == first and int(ckpt.save_counter.numpy()) == 1
    assert manager.save().endswith("ckpt-2")


def test_data_file_from_another_save_is_detected(tmp_path):
    a = str(tmp_path / "a")
    b = str(tmp_path / "b")
    tf.train.Checkpoint(v=tf.Variable([1.0, 2.0])).write(a)
    tf.train.Checkpoint(v=tf.Variable([3.0, 4.0])).write(b)
    os.replace(b + ".data-00000-of-00001", a + ".data-00000-of-00001")
    with pytest.raises(errors.DataLossError, match="checksum"):
        tf.train.Checkpoint(v=tf.Variable([0.0, 0.0])).restore(a)


# ---------------------------------------------------------------- safety
def _payload(marker):
    class Evil:
        def __reduce__(self):
            return (builtins.open, (marker, "w"))
    return Evil()


def test_pickled_data_is_refused_and_never_unpickled(tmp_path):
    good = str(tmp_path / "good")
    tf.train.Checkpoint(v=tf.Variable([1.0, 2.0])).write(good)
    index = json.load(open(good + ".index"))
    marker = str(tmp_path / "pwned")
    evil = np.empty((2,), dtype=object)
    evil[0] = _payload(marker)
    evil[1] = 1.0
    # a data file whose member is a pickled object array; the index carries its checksum
    bad = str(tmp_path / "bad")
    np.savez(bad + ".data-00000-of-00001", t0=evil)
    os.replace(bad + ".data-00000-of-00001.npz", bad + ".data-00000-of-00001")
    with open(bad + ".data-00000-of-00001", "rb") as f:
        index["data_sha256"] = hashlib.sha256(f.read()).hexdigest()
    with open(bad + ".index", "w") as f:
        json.dump(index, f)
    assert pickle.dumps(evil)                      # the payload really is pickled data
    v = tf.Variable([0.0, 0.0])
    with pytest.raises(errors.DataLossError, match="pickled"):
        tf.train.Checkpoint(v=v).restore(bad)
    assert not os.path.exists(marker)
    assert v.numpy().tolist() == [0.0, 0.0]
    with pytest.raises(errors.DataLossError, match="pickled"):
        tf.train.load_variable(bad, "v/.ATTRIBUTES/VARIABLE_VALUE")
    assert not os.path.exists(marker)


def test_object_variables_are_not_saved_and_foreign_indexes_are_rejected(tmp_path):
    v = tf.Variable(1.0)
    v._value = np.array([object()], dtype=object)
    with pytest.raises(TypeError, match="never Python objects"):
        tf.train.Checkpoint(v=v).write(str(tmp_path / "obj"))
    assert os.listdir(str(tmp_path)) == []
    # TensorFlow's own .index is a binary table, not JSON
    (tmp_path / "tf-1.index").write_bytes(b"\x00\x01binary table\xff")
    with pytest.raises(errors.DataLossError, match="TensorFlow"):
        tf.train.Checkpoint(v=tf.Variable(1.0)).restore(str(tmp_path / "tf-1"))
    (tmp_path / "j-1.index").write_text(json.dumps({"format": "something else"}))
    with pytest.raises(errors.DataLossError, match="format"):
        tf.train.Checkpoint(v=tf.Variable(1.0)).restore(str(tmp_path / "j-1"))


# ---------------------------------------------------------------- moving averages
def test_exponential_moving_average():
    v = tf.Variable(1.0)
    ema = tf.train.ExponentialMovingAverage(0.9)
    ema.apply([v])
    avg = ema.average(v)
    assert float(avg.numpy()) == 1.0                 # starts at the variable's value
    assert ema.average_name(v) == "Variable/ExponentialMovingAverage"
    v.assign(2.0)
    ema.apply([v])
    assert float(avg.numpy()) == pytest.approx(1.0 - 0.1 * (1.0 - 2.0), abs=1e-7)
    assert ema.average(tf.Variable(0.0)) is None
    # with num_updates the decay is min(decay, (1 + n) / (10 + n)): n = 0 gives 0.1
    u = tf.Variable(1.0)
    ema2 = tf.train.ExponentialMovingAverage(0.99, num_updates=tf.Variable(0))
    ema2.apply([u])
    u.assign(3.0)
    ema2.apply([u])
    assert float(ema2.average(u).numpy()) == pytest.approx(1.0 - 0.9 * (1.0 - 3.0), abs=1e-6)
    with pytest.raises(TypeError, match="float"):
        ema.apply([tf.Variable(1)])
