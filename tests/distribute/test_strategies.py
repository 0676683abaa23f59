"""tf.distribute in one process: the default strategy, OneDeviceStrategy,
MirroredStrategy (one replica), MultiWorkerMirroredStrategy without mpirun, and the
reductions / dataset splitting checked with a stand-in for several replicas.

Expected values come from TensorFlow 2.21's behaviour (run on a CPU-only machine), or
from NumPy for the arithmetic."""
import contextlib
import sys

import numpy as np
import pytest

import ndflow as tf
from ndflow import keras
from ndflow.backend import device as _device
from ndflow.distribute import collectives, input_lib, values
from ndflow.distribute.strategy import Strategy
from ndflow.keras.engine import distribution


class SameValueReplicas:
    """Collectives of ``size`` replicas that all hold this process's values (so a sum
    over the replicas is ``size`` times the local value)."""

    def __init__(self, rank, size):
        self.rank, self.size = rank, size

    def allreduce_sum(self, buf):
        return np.asarray(buf, np.float64) * self.size

    def bcast(self, obj):
        return obj

    def allgather(self, obj):
        return [obj] * self.size


# ---- what is in effect --------------------------------------------------------------------

def test_default_strategy_and_contexts():
    s = tf.distribute.get_strategy()
    assert s.num_replicas_in_sync == 1
    assert tf.distribute.get_strategy() is s           # one default strategy
    assert not tf.distribute.has_strategy()
    assert not tf.distribute.in_cross_replica_context()
    rc = tf.distribute.get_replica_context()
    assert rc is not None and rc.num_replicas_in_sync == 1
    assert int(rc.replica_id_in_sync_group) == 0
    assert rc.replica_id_in_sync_group.dtype == tf.int32
    assert float(rc.all_reduce("SUM", tf.constant(2.0))) == 2.0


def test_mirrored_scope_semantics():
    m = tf.distribute.MirroredStrategy()
    assert m.num_replicas_in_sync == 1
    assert m.extended.worker_devices == ("/job:localhost/replica:0/task:0/device:CPU:0",)
    with m.scope() as entered:
        assert entered is m
        assert tf.distribute.has_strategy()
        assert tf.distribute.get_strategy() is m
        assert tf.distribute.in_cross_replica_context()
        assert tf.distribute.get_replica_context() is None
        with m.scope():                                  # re-entering the same one is fine
            assert tf.distribute.get_strategy() is m
        assert tf.distribute.get_strategy() is m
    assert not tf.distribute.has_strategy()
    with pytest.raises(ZeroDivisionError):
        with m.scope():
            1 / 0
    assert not tf.distribute.has_strategy()              # left even on an exception


def test_mixing_strategies_raises():
    m, o = tf.distribute.MirroredStrategy(), tf.distribute.OneDeviceStrategy("/cpu:0")
    with m.scope():
        with pytest.raises(RuntimeError, match="Mixing different tf.distribute.Strategy"):
            with o.scope():
                pass
        assert tf.distribute.get_strategy() is m


def test_experimental_set_strategy():
    m = tf.distribute.MirroredStrategy()
    tf.distribute.experimental_set_strategy(m)
    try:
        assert tf.distribute.get_strategy() is m
    finally:
        tf.distribute.experimental_set_strategy(None)
    assert not tf.distribute.has_strategy()


def test_mirrored_rejects_several_devices():
    with pytest.raises(ValueError, match="MultiWorkerMirroredStrategy"):
        tf.distribute.MirroredStrategy(["/gpu:0", "/gpu:1"])
    with pytest.raises(TypeError, match="CrossDeviceOps"):
        tf.distribute.MirroredStrategy(cross_device_ops="nccl")
    s = tf.distribute.MirroredStrategy(["/cpu:0"],
                                       cross_device_ops=tf.distribute.HierarchicalCopyAllReduce())
    assert s.num_replicas_in_sync == 1


# ---- run / reduce / gather ----------------------------------------------------------------

def test_run_in_replica_context():
    m = tf.distribute.MirroredStrategy()
    seen = {}

    def fn(x, scale=1.0):
        ctx = tf.distribute.get_replica_context()
        seen["ctx"] = ctx
        seen["cross"] = tf.distribute.in_cross_replica_context()
        seen["strategy"] = tf.distribute.get_strategy()
        return x * scale

    out = m.run(fn, args=(tf.constant([1.0, 2.0, 3.0]),), kwargs={"scale": 2.0})
    np.testing.assert_array_equal(out.numpy(), [2.0, 4.0, 6.0])
    assert seen["ctx"].strategy is m and int(seen["ctx"].replica_id_in_sync_group) == 0
    assert seen["cross"] is False and seen["strategy"] is m
    assert tf.distribute.get_strategy() is not m               # run does not leak
    assert m.experimental_local_results(out) == (out,)
    with pytest.raises(TypeError, match="args=\\(x,\\)"):
        m.run(fn, args=tf.constant(1.0))


def test_one_device_strategy_runs_on_its_device():
    o = tf.distribute.OneDeviceStrategy("/cpu:0")
    assert o.num_replicas_in_sync == 1
    assert o.run(_device.current) == "/job:localhost/replica:0/task:0/device:CPU:0"
    assert _device.current() is None
    with pytest.raises(ValueError, match="device"):
        tf.distribute.OneDeviceStrategy("not a device")


def test_reduce_one_replica():
    # TensorFlow 2.21, MirroredStrategy() on a CPU: SUM/MEAN over one replica return the
    # value; with an axis they reduce over it; MEAN of int32 along an axis is float64
    m = tf.distribute.MirroredStrategy()
    v = tf.constant([2.0, 4.0, 6.0])
    np.testing.assert_array_equal(m.reduce("SUM", v, axis=None).numpy(), [2.0, 4.0, 6.0])
    assert float(m.reduce(tf.distribute.ReduceOp.MEAN, v, axis=0)) == 4.0
    assert float(m.reduce("SUM", v, axis=0)) == 12.0
    r = m.reduce("MEAN", tf.constant([1, 2, 4]), axis=0)
    assert r.dtype == tf.float64 and float(r) == pytest.approx(2.3333333333333335, abs=0)
    r = m.reduce("MEAN", tf.constant([1, 2, 4]), axis=None)
    assert r.dtype == tf.int32 and r.numpy().tolist() == [1, 2, 4]
    r = m.reduce("SUM", 3.0, axis=None)
    assert r.dtype == tf.float32 and float(r) == 3.0
    nested = m.reduce("SUM", {"a": tf.constant([1.0, 2.0]), "b": tf.constant(3)}, axis=None)
    assert sorted(nested) == ["a", "b"] and int(nested["b"]) == 3
    np.testing.assert_array_equal(m.gather(v, axis=0).numpy(), [2.0, 4.0, 6.0])
    with pytest.raises(ValueError, match="ReduceOp"):
        m.reduce("MAX", v, axis=None)
    with pytest.raises(ValueError, match="axis=None"):
        m.reduce("SUM", tf.constant(1.0), axis=0)


def test_reduce_op():
    assert tf.distribute.ReduceOp("SUM") is tf.distribute.ReduceOp.SUM
    assert str(tf.distribute.ReduceOp.MEAN) == "ReduceOp.MEAN"
    assert tf.distribute.ReduceOp.from_variable_aggregation(
        tf.VariableAggregation.MEAN) is tf.distribute.ReduceOp.MEAN
    assert tf.distribute.ReduceOp.from_variable_aggregation(
        tf.VariableAggregation.SUM) is tf.distribute.ReduceOp.SUM
    with pytest.raises(ValueError, match="ONLY_FIRST_REPLICA|3"):   # as TensorFlow 2.21
        tf.distribute.ReduceOp.from_variable_aggregation(
            tf.VariableAggregation.ONLY_FIRST_REPLICA)


def test_reductions_over_several_replicas():
    # three replicas holding the same value: checked against NumPy
    s = Strategy(SameValueReplicas(rank=1, size=3), ["/cpu:0"])
    assert s.num_replicas_in_sync == 3
    a = np.array([[1.0, 2.0], [3.0, 5.0]], np.float32)
    np.testing.assert_allclose(s.reduce("SUM", tf.constant(a), axis=None).numpy(), 3 * a)
    np.testing.assert_allclose(s.reduce("MEAN", tf.constant(a), axis=None).numpy(), a)
    np.testing.assert_allclose(s.reduce("SUM", tf.constant(a), axis=0).numpy(),
                               3 * a.sum(axis=0))
    np.testing.assert_allclose(s.reduce("MEAN", tf.constant(a), axis=1).numpy(),
                               a.mean(axis=1))
    np.testing.assert_array_equal(s.gather(tf.constant(a), axis=0).numpy(),
                                  np.concatenate([a, a, a]))
    grads = [tf.constant(a), tf.constant([1.0])]
    out = s.run(lambda: tf.distribute.get_replica_context().all_reduce("SUM", grads))
    assert isinstance(out, list)
    np.testing.assert_allclose(out[0].numpy(), 3 * a)
    np.testing.assert_allclose(out[1].numpy(), [3.0])
    assert int(s._replica_context.replica_id_in_sync_group) == 1


# ---- datasets -----------------------------------------------------------------------------

def test_split_bounds():
    assert [input_lib.split_bounds(10, 3, r) for r in range(3)] == [(0, 4), (4, 7), (7, 10)]
    assert [input_lib.split_bounds(16, 2, r) for r in range(2)] == [(0, 8), (8, 16)]
    assert [input_lib.split_bounds(1, 2, r) for r in range(2)] == [(0, 1), (1, 1)]


def test_distribute_dataset_one_replica():
    m = tf.distribute.MirroredStrategy()
    ds = tf.data.Dataset.from_tensor_slices(np.arange(10.0)).batch(4)
    dist = m.experimental_distribute_dataset(ds)
    got = [b.numpy().tolist() for b in dist]
    assert got == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    it = iter(dist)
    assert it.get_next().numpy().tolist() == [0, 1, 2, 3]
    assert int(dist.cardinality()) == 3


def test_distribute_dataset_splits_global_batches():
    s = Strategy(SameValueReplicas(rank=1, size=3), ["/cpu:0"])
    x = np.arange(20.0).reshape(10, 2)
    ds = tf.data.Dataset.from_tensor_slices((x, np.arange(10))).batch(10)
    (xb, yb), = list(s.experimental_distribute_dataset(ds))
    np.testing.assert_array_equal(xb.numpy(), x[4:7])       # rank 1 of 3: samples 4, 5, 6
    np.testing.assert_array_equal(yb.numpy(), [4, 5, 6])
    unbatched = s.experimental_distribute_dataset(tf.data.Dataset.range(3))
    with pytest.raises(ValueError, match="GLOBAL batch size"):
        list(unbatched)


def test_distribute_datasets_from_function():
    seen = []

    def dataset_fn(ctx):
        seen.append((ctx.num_input_pipelines, ctx.input_pipeline_id, ctx.num_replicas_in_sync,
                     ctx.get_per_replica_batch_size(12)))
        return tf.data.Dataset.range(8).shard(ctx.num_input_pipelines,
                                              ctx.input_pipeline_id).batch(2)

    got = [b.numpy().tolist() for b in
           tf.distribute.MirroredStrategy().distribute_datasets_from_function(dataset_fn)]
    assert got == [[0, 1], [2, 3], [4, 5], [6, 7]]
    s = Strategy(SameValueReplicas(rank=2, size=4), ["/cpu:0"])
    got = [b.numpy().tolist() for b in s.distribute_datasets_from_function(dataset_fn)]
    assert got == [[2, 6]]                                   # used as it comes: not split
    assert seen == [(1, 0, 1, 12), (4, 2, 4, 3)]


def test_input_context():
    # TensorFlow 2.21: InputContext() is 1 pipeline, id 0, 1 replica
    ctx = tf.distribute.InputContext()
    assert (ctx.num_input_pipelines, ctx.input_pipeline_id, ctx.num_replicas_in_sync) == \
        (1, 0, 1)
    assert tf.distribute.InputContext(2, 1, 8).get_per_replica_batch_size(16) == 2
    with pytest.raises(ValueError, match="15 is not divisible by num_replicas_in_sync 8"):
        tf.distribute.InputContext(2, 1, 8).get_per_replica_batch_size(15)


# ---- Keras fit ----------------------------------------------------------------------------

def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 4)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64) + (x[:, 2] > 1).astype(np.int64)
    return x, y


def _train(strategy):
    x, y = _data()
    tf.random.set_seed(3)
    with strategy.scope() if strategy is not None else contextlib.nullcontext():
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(6, activation="relu"),
                                  keras.layers.Dropout(0.2),
                                  keras.layers.Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
    hist = model.fit(x, y, batch_size=8, epochs=3, shuffle=True, validation_split=0.25,
                     verbose=0)
    return model, hist.history


@pytest.mark.parametrize("make", [
    lambda: tf.distribute.MirroredStrategy(),
    lambda: tf.distribute.OneDeviceStrategy("/cpu:0"),
    lambda: tf.distribute.MultiWorkerMirroredStrategy(),   # no mpirun: one replica
    lambda: tf.distribute.get_strategy(),
])
def test_fit_in_scope_equals_fit_without(make):
    plain_model, plain_hist = _train(None)
    strategy = make()
    model, hist = _train(strategy)
    assert hist == plain_hist
    for a, b in zip(model.get_weights(), plain_model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert len(model.get_weights()) == 4
    assert plain_hist["loss"][-1] < plain_hist["loss"][0]


def test_compile_in_scope_binds_the_model():
    m = tf.distribute.MirroredStrategy()
    with m.scope():
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
    assert model.__dict__["_distribution"].strategy is m
    assert distribution.for_fit(model) is None               # one replica: plain fit
    s = Strategy(SameValueReplicas(rank=0, size=2), ["/cpu:0"])
    with s.scope():
        model.compile(optimizer="sgd", loss="mse")
    assert distribution.for_fit(model) is s._hooks


def test_custom_training_loop_one_replica():
    x, y = _data()
    m = tf.distribute.MirroredStrategy()
    tf.random.set_seed(5)
    with m.scope():
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
        opt = keras.optimizers.SGD(0.1)
    w0 = [w.copy() for w in model.get_weights()]
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True,
                                                         reduction="none")
    dist = m.experimental_distribute_dataset(
        tf.data.Dataset.from_tensor_slices((x, y)).batch(10))

    def step(xb, yb):
        with tf.GradientTape() as tape:
            loss = tf.nn.compute_average_loss(loss_fn(yb, model(xb)), global_batch_size=10)
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    losses = [float(m.reduce("SUM", m.run(step, args=batch), axis=None)) for batch in dist]
    # the same four steps by hand with NumPy (softmax cross-entropy, SGD)
    k, b = w0
    expected = []
    for i in range(0, 40, 10):
        xb, yb = x[i:i + 10].astype(np.float64), y[i:i + 10]
        z = xb @ k + b
        p = np.exp(z - z.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        expected.append(-np.log(p[np.arange(10), yb]).mean())
        dz = (p - np.eye(3)[yb]) / 10
        k, b = k - 0.1 * xb.T @ dz, b - 0.1 * dz.sum(0)
    np.testing.assert_allclose(losses, expected, rtol=1e-5)
    np.testing.assert_allclose(model.get_weights()[0], k, rtol=1e-5, atol=1e-6)


# ---- MultiWorkerMirroredStrategy without mpirun -------------------------------------------

def test_multi_worker_without_mpirun_is_one_replica(monkeypatch):
    for name in ("PMI_SIZE", "PMI_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK",
                 "MV2_COMM_WORLD_SIZE", "PMIX_RANK", "PMIX_SIZE", "MPI_LOCALNRANKS",
                 "NDFLOW_MPI", "TF_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    w = tf.distribute.experimental.MultiWorkerMirroredStrategy()
    assert isinstance(w, tf.distribute.MultiWorkerMirroredStrategy)
    assert w.num_replicas_in_sync == 1
    # TensorFlow 2.21 without TF_CONFIG: no task type or id; this process checkpoints
    assert w.cluster_resolver.task_type is None and w.cluster_resolver.task_id is None
    assert w.extended.should_checkpoint
    assert isinstance(w._comm, collectives.LocalCollectives)


def test_multi_worker_under_mpirun_needs_mpi4py(monkeypatch):
    monkeypatch.setenv("PMI_SIZE", "2")
    monkeypatch.setenv("PMI_RANK", "0")
    monkeypatch.setitem(sys.modules, "mpi4py", None)         # as if not installed
    monkeypatch.setattr(collectives, "_MPI", [])
    with pytest.raises(ImportError, match=r"pip install ndflow\[mpi\]"):
        tf.distribute.MultiWorkerMirroredStrategy()


def test_tf_config_without_mpi_warns(monkeypatch):
    for name in ("PMI_SIZE", "PMI_RANK", "OMPI_COMM_WORLD_SIZE", "NDFLOW_MPI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TF_CONFIG", '{"cluster": {"worker": ["a:1", "b:1"]}, '
                                    '"task": {"type": "worker", "index": 1}}')
    with pytest.warns(UserWarning, match="mpirun"):
        tf.distribute.MultiWorkerMirroredStrategy()
    r = tf.distribute.cluster_resolver.TFConfigClusterResolver()
    assert (r.task_type, r.task_id) == ("worker", 1)
    assert r.cluster_spec().as_dict() == {"worker": ["a:1", "b:1"]}


def test_values_helpers():
    assert values.ValueContext(1, 4).num_replicas_in_sync == 4
    s = Strategy(SameValueReplicas(rank=3, size=4), ["/cpu:0"])
    assert s.experimental_distribute_values_from_function(
        lambda ctx: ctx.replica_id_in_sync_group) == 3


def test_replica_gradients_sum_in_run_and_average_in_fit():
    # the hook Optimizer.apply_gradients can call inside a replica function: summed over
    # the replicas inside strategy.run (as TensorFlow), averaged inside a fit step
    s = Strategy(SameValueReplicas(rank=0, size=2), ["/cpu:0"])
    g = [tf.constant([1.0, -2.0]), None, tf.constant([[0.5]])]
    summed = s.run(lambda: s._hooks.replica_gradients(g))
    assert summed[1] is None
    np.testing.assert_array_equal(summed[0].numpy(), [2.0, -4.0])
    np.testing.assert_array_equal(summed[2].numpy(), [[1.0]])
    averaged = s._hooks.replica_gradients(g)
    np.testing.assert_array_equal(averaged[0].numpy(), [1.0, -2.0])
    assert averaged[1] is None
    one = tf.distribute.MirroredStrategy()
    assert one.run(lambda: one._hooks.replica_gradients(g)) == g


def test_average_loss_counts_the_replicas_in_sync():
    """compute_average_loss without global_batch_size divides by this replica's batch times
    the replicas in sync, and scale_regularization_loss by the replicas, inside
    strategy.run; outside it (and with one replica) the count is 1."""
    from ndflow.core import replica
    per_example = np.array([1.0, 2.0, 3.0, 4.0])
    assert float(tf.nn.compute_average_loss(per_example)) == 10.0 / 4
    assert float(tf.nn.scale_regularization_loss([3.0, 1.0])) == 4.0
    replica.push(2)      # what strategy.run does with two replicas (MPI)
    try:
        assert float(tf.nn.compute_average_loss(per_example)) == 10.0 / 8
        assert float(tf.nn.compute_average_loss(per_example, global_batch_size=5)) == 2.0
        assert float(tf.nn.scale_regularization_loss([3.0, 1.0])) == 2.0
    finally:
        replica.pop()
    strategy = tf.distribute.MirroredStrategy()
    got = strategy.run(lambda v: tf.nn.compute_average_loss(v), args=(per_example,))
    assert float(got) == 10.0 / 4
    assert replica.num_replicas_in_sync() == 1
