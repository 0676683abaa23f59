"""Tensor and Variable behaviour: dtype rules, Python protocols, indexing, repr, errors."""
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

import ndflow as tf


# ---- dtype rules ------------------------------------------------------------------------

@pytest.mark.parametrize("value, dtype", [
    (1.0, "float32"), (1, "int32"), (True, "bool"), ([1.5, 2.0], "float32"),
    ([1, 2], "int32"), (2 ** 40, "int64"), (np.float64(1.0), "float64"),
    (np.array([1.0]), "float64"), (np.array([1], dtype=np.int64), "int64"),
    (np.array([1], dtype=np.uint8), "uint8"), (np.float16(1), "float16"),
])
def test_constant_default_dtypes(value, dtype):
    assert tf.constant(value).dtype == tf.as_dtype(dtype)
    assert tf.convert_to_tensor(value).dtype.name == dtype


def test_constant_with_dtype_and_shape():
    t = tf.constant(1, dtype=tf.float64)
    assert t.dtype == tf.float64 and t.numpy() == 1.0
    np.testing.assert_array_equal(tf.constant(3.0, shape=(2, 2)).numpy(), np.full((2, 2), 3.0))
    np.testing.assert_array_equal(tf.constant([1, 2, 3, 4], shape=[2, 2]).numpy(),
                                  [[1, 2], [3, 4]])
    with pytest.raises(TypeError, match="cannot fill shape"):
        tf.constant([1, 2, 3], shape=[2, 2])
    with pytest.raises(TypeError, match="not an integer"):
        tf.constant(1.5, dtype=tf.int32)


def test_python_scalars_adapt_to_the_tensor_they_meet():
    assert (tf.constant(np.array([1.0])) + 1).dtype == tf.float64
    assert (tf.constant([1, 2]) * 2).dtype == tf.int32
    assert (2.0 * tf.constant([1.0], dtype=tf.float16)).dtype == tf.float16
    assert (np.float64(2.0) * tf.constant([1.0])).dtype == tf.float32


def test_numbers_in_lists_adopt_the_tensor_dtype():
    assert tf.stack([tf.constant(1.0, tf.float64), 2.0]).dtype == tf.float64
    assert tf.concat([[1, 2], tf.constant([3], dtype=tf.int64)], 0).dtype == tf.int64
    assert tf.add(1, np.array([1.5])).dtype == tf.float64
    with pytest.raises(tf.errors.InvalidArgumentError, match="stack.*float32.*int32"):
        tf.stack([tf.constant(1.0), tf.constant(1)])


def test_mixing_tensor_dtypes_raises_naming_op_and_dtypes():
    with pytest.raises(tf.errors.InvalidArgumentError) as e:
        tf.constant([1.0]) + tf.constant([1])
    msg = str(e.value)
    assert "add" in msg and "float32" in msg and "int32" in msg and "tf.cast" in msg
    with pytest.raises(tf.errors.InvalidArgumentError, match="matmul"):
        tf.matmul(tf.ones((2, 2)), tf.ones((2, 2), dtype=tf.float64))


def test_fractional_float_with_int_tensor_raises():
    with pytest.raises(TypeError, match="losing the fraction"):
        tf.constant(1) + 1.5
    assert int(tf.constant(1) + 2.0) == 3


def test_unknown_dtype_lists_valid_names():
    with pytest.raises(TypeError) as e:
        tf.zeros((2,), dtype="flaot32")
    assert "'flaot32'" in str(e.value) and "float32" in str(e.value)


def test_dtype_objects():
    assert tf.float32.name == "float32" and tf.float32.as_numpy_dtype is np.float32
    assert tf.as_dtype(np.int64) is tf.int64 and tf.as_dtype("double") is tf.float64
    assert tf.float32.is_floating and tf.int8.is_integer and not tf.bool.is_floating
    assert tf.float32 == "float32" and tf.float32 != tf.float64
    assert pickle.loads(pickle.dumps(tf.uint8)) is tf.uint8


# ---- Python protocols -------------------------------------------------------------------------

def test_shape_ndim_len_iter_array():
    t = tf.constant(np.arange(6.0).reshape(2, 3))
    assert t.shape == (2, 3) and t.shape.as_list() == [2, 3] and t.shape.rank == 2
    assert t.shape[1] == 3 and t.ndim == 2 and len(t) == 2
    rows = list(t)
    assert len(rows) == 2 and np.array_equal(rows[1].numpy(), [3.0, 4.0, 5.0])
    np.testing.assert_array_equal(np.asarray(t), t.numpy())
    assert np.asarray(t, dtype=np.int64).dtype == np.int64


def test_scalar_conversions():
    assert bool(tf.constant(True)) is True and float(tf.constant(2.5)) == 2.5
    assert int(tf.constant(7)) == 7 and [10, 20, 30][tf.constant(2)] == 30
    assert f"{tf.constant(0.5):.2f}" == "0.50"
    with pytest.raises(ValueError, match="reduce_any"):
        bool(tf.constant([1.0, 2.0]))
    with pytest.raises(TypeError):
        [1, 2][tf.constant(1.0)]
    with pytest.raises(TypeError):
        len(tf.constant(1.0))


@pytest.mark.parametrize("op, ref", [
    (lambda a, b: a + b, np.add), (lambda a, b: a - b, np.subtract),
    (lambda a, b: a * b, np.multiply), (lambda a, b: a / b, np.divide),
    (lambda a, b: a // b, np.floor_divide), (lambda a, b: a % b, np.mod),
    (lambda a, b: a ** b, np.power), (lambda a, b: a < b, np.less),
    (lambda a, b: a <= b, np.less_equal), (lambda a, b: a > b, np.greater),
    (lambda a, b: a >= b, np.greater_equal), (lambda a, b: a == b, np.equal),
    (lambda a, b: a != b, np.not_equal),
])
def test_binary_operators_both_sides(op, ref):
    a = np.array([[1.5, 2.0], [3.0, 4.5]])
    b = np.array([2.0, 0.5])
    np.testing.assert_allclose(op(tf.constant(a), tf.constant(b)).numpy(), ref(a, b))
    np.testing.assert_allclose(op(tf.constant(a), b).numpy(), ref(a, b))
    np.testing.assert_allclose(op(a, tf.constant(b)).numpy(), ref(a, b))
    np.testing.assert_allclose(op(3.0, tf.constant(b)).numpy(), ref(np.float32(3.0), b))


def test_unary_bitwise_and_matmul_operators():
    a = tf.constant([[1.0, -2.0], [3.0, 4.0]])
    np.testing.assert_array_equal((-a).numpy(), -a.numpy())
    np.testing.assert_array_equal(abs(a).numpy(), np.abs(a.numpy()))
    np.testing.assert_array_equal((+a).numpy(), a.numpy())
    np.testing.assert_allclose((a @ a).numpy(), a.numpy() @ a.numpy())
    np.testing.assert_allclose((a.numpy() @ a).numpy(), a.numpy() @ a.numpy())
    p, q = tf.constant([True, False, True]), tf.constant([True, True, False])
    np.testing.assert_array_equal((p & q).numpy(), [True, False, False])
    np.testing.assert_array_equal((p | q).numpy(), [True, True, True])
    np.testing.assert_array_equal((p ^ q).numpy(), [False, True, True])
    np.testing.assert_array_equal((~p).numpy(), [False, True, False])
    i, j = tf.constant([12, 10]), tf.constant([10, 6])
    np.testing.assert_array_equal((i & j).numpy(), [8, 2])
    np.testing.assert_array_equal((i | j).numpy(), [14, 14])
    np.testing.assert_array_equal((i ^ j).numpy(), [6, 12])
    np.testing.assert_array_equal((~i).numpy(), [-13, -11])


def test_equality_with_none_and_unhashable():
    t = tf.constant([1.0])
    assert (t == None) is False and (t != None) is True  # noqa: E711
    with pytest.raises(TypeError):
        hash(t)
    assert {t.ref(): 1}[t.ref()] == 1 and t.ref().deref() is t


def test_repr_and_str_follow_tensorflow():
    assert repr(tf.constant(1)) == "<tf.Tensor: shape=(), dtype=int32, numpy=1>"
    assert repr(tf.constant([1.0, 2.0])) == (
        "<tf.Tensor: shape=(2,), dtype=float32, numpy=array([1., 2.], dtype=float32)>")
    assert repr(tf.ones((2, 2))).startswith(
        "<tf.Tensor: shape=(2, 2), dtype=float32, numpy=\narray([[1., 1.],")
    assert str(tf.constant([1, 2])) == "tf.Tensor([1 2], shape=(2,), dtype=int32)"
    v = tf.Variable([1.0, 2.0], name="w")
    assert repr(v) == ("<tf.Variable 'w:0' shape=(2,) dtype=float32, "
                       "numpy=array([1., 2.], dtype=float32)>")


def test_item_assignment_raises_type_error_with_the_fix():
    t = tf.ones((2, 2))
    with pytest.raises(TypeError) as e:
        t[0, 0] = 0.0
    msg = str(e.value)
    assert "does not support item assignment" in msg
    assert "assign" in msg and "tensor_scatter_nd_update" in msg
    np.testing.assert_array_equal(t.numpy(), np.ones((2, 2)))


# ---- indexing ---------------------------------------------------------------------------

X = np.arange(24.0).reshape(2, 3, 4)


@pytest.mark.parametrize("key", [
    1, -1, (1, 2), (slice(None), 0), (Ellipsis, 1), (None, 0), (0, None, slice(1, 3)),
    (slice(None, None, -1),), (slice(None), slice(None, None, -2)), (Ellipsis, slice(3, 0, -1)),
    ([1, 0, 1],), (slice(None), [2, 0]), (1, [0, 2], slice(1, None)),
], ids=str)
def test_indexing_matches_numpy_and_has_gradient(key):
    x = tf.Variable(X)
    with tf.GradientTape() as tape:
        y = x[key]
        loss = tf.reduce_sum(y * y)
    np.testing.assert_array_equal(y.numpy(), X[key])
    want = np.zeros_like(X)
    np.add.at(want, key, 2 * X[key])
    np.testing.assert_array_equal(tape.gradient(loss, x).numpy(), want)


def test_indexing_with_tensors():
    t = tf.constant(X)
    np.testing.assert_array_equal(t[tf.constant(1)].numpy(), X[1])
    np.testing.assert_array_equal(t[:, tf.constant([2, 0])].numpy(), X[:, [2, 0]])
    np.testing.assert_array_equal(t[t > 20.0].numpy(), X[X > 20])
    np.testing.assert_array_equal(t[tf.constant(0):tf.constant(2), 1].numpy(), X[0:2, 1])


def test_index_out_of_range_names_the_shape():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"shape \(2, 3, 4\)"):
        tf.constant(X)[5]


# ---- Variable ----------------------------------------------------------------------------

def test_variable_basics():
    v = tf.Variable([[1.0, 2.0]], name="w")
    assert v.name == "w:0" and v.trainable and v.shape == (1, 2) and v.dtype == tf.float32
    assert isinstance(v, tf.Tensor) and isinstance(v.read_value(), tf.Tensor)
    assert tf.Variable(1.0, trainable=False).trainable is False
    assert tf.Variable(lambda: tf.ones(3)).shape == (3,)
    assert tf.Variable(1, dtype=tf.float64).dtype == tf.float64
    np.testing.assert_array_equal((v * 2).numpy(), [[2.0, 4.0]])


def test_assign_family_replaces_value_without_changing_earlier_reads():
    v = tf.Variable([1.0, 2.0])
    before = v.read_value()
    snapshot = v + 0.0
    v.assign([5.0, 6.0])
    v.assign_add(tf.constant([1.0, 1.0]))
    v.assign_sub([0.5, 0.5])
    np.testing.assert_array_equal(v.numpy(), [5.5, 6.5])
    np.testing.assert_array_equal(before.numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(snapshot.numpy(), [1.0, 2.0])


def test_sliced_assign():
    v = tf.Variable(np.zeros((3, 2), dtype=np.float32))
    v[0, 1].assign(3.0)
    v[2].assign([1.0, 2.0])
    v[:, 0].assign_add([1.0, 1.0, 1.0])
    v[1:, 1].assign_sub([1.0, 1.0])
    np.testing.assert_array_equal(v.numpy(), [[1, 3], [1, -1], [2, 1]])


def test_assign_errors():
    v = tf.Variable(tf.ones((2,)))
    with pytest.raises(ValueError, match=r"shape \(3,\).*shape \(2,\)"):
        v.assign(tf.ones((3,)))
    with pytest.raises(TypeError, match="tf.cast"):
        v.assign(tf.ones((2,), dtype=tf.int32))
    with pytest.raises(ValueError, match="initial_value"):
        tf.Variable()


def test_numpy_of_variable_is_a_copy():
    v = tf.Variable([1.0, 2.0])
    a = v.numpy()
    a[0] = 100.0
    assert v.numpy()[0] == 1.0


def test_tensor_spec():
    spec = tf.TensorSpec(shape=(None, 3), dtype=tf.float32, name="x")
    assert spec.shape.as_list() == [None, 3] and spec.dtype == tf.float32
    assert spec.is_compatible_with(tf.ones((5, 3)))
    assert not spec.is_compatible_with(tf.ones((5, 4)))
    assert not spec.is_compatible_with(tf.ones((5, 3), dtype=tf.float64))
    assert tf.TensorSpec.from_tensor(tf.ones((2,))) == tf.TensorSpec((2,), tf.float32)


def test_device_scope_and_config():
    with tf.device("/CPU:0"):
        t = tf.ones(2) + 1
    assert t.device.endswith("CPU:0")
    with tf.device("gpu:0"):   # no GPU: runs on the CPU like TF's soft placement
        assert float(tf.reduce_sum(tf.ones(3))) == 3.0
    with pytest.raises(ValueError, match="device specification"):
        tf.device("not a device")
    cpus = tf.config.list_physical_devices("CPU")
    assert len(cpus) == 1 and cpus[0].device_type == "CPU"
    assert tf.config.list_physical_devices("GPU") == []


def test_errors_namespace():
    for name in ["OpError", "InvalidArgumentError", "NotFoundError", "OutOfRangeError",
                 "ResourceExhaustedError", "UnimplementedError", "InternalError"]:
        assert issubclass(getattr(tf.errors, name), Exception)
    assert issubclass(tf.errors.InvalidArgumentError, tf.errors.OpError)


def test_small_top_level_utilities():
    assert tf.executing_eagerly() is True
    assert tf.dtypes.float32 is tf.float32 and tf.dtypes.as_dtype("int8") is tf.int8
    with tf.name_scope("block"), tf.control_dependencies([]), tf.init_scope():
        t = tf.ensure_shape(tf.ones((2, 3)), [None, 3])
    with pytest.raises(tf.errors.InvalidArgumentError, match="ensure_shape"):
        tf.ensure_shape(t, [3, 3])
    np.testing.assert_array_equal(tf.get_static_value(t), np.ones((2, 3)))
    out = tf.numpy_function(lambda a: a * 2, [t], tf.float32)
    np.testing.assert_array_equal(out.numpy(), np.full((2, 3), 2.0))
    tf.config.run_functions_eagerly(True)
    assert tf.config.functions_run_eagerly()
    tf.config.run_functions_eagerly(False)
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.experimental.set_memory_growth(cpu, True)
    tf.config.set_visible_devices([cpu])
    with pytest.raises(ValueError, match="PhysicalDevice"):
        tf.config.set_visible_devices(["CPU"])


def test_nest():
    s = {"b": [1, (2, 3)], "a": 4}
    assert tf.nest.flatten(s) == [4, 1, 2, 3]          # dict keys in sorted order
    assert tf.nest.pack_sequence_as(s, [40, 10, 20, 30]) == {"b": [10, (20, 30)], "a": 40}
    assert tf.nest.map_structure(lambda x, y: x + y, [1, (2,)], [10, (20,)]) == [11, (22,)]
    with pytest.raises(ValueError):
        tf.nest.assert_same_structure([1, 2], [1, [2, 3]])
    with pytest.raises(ValueError, match="leaves"):
        tf.nest.pack_sequence_as([1, 2], [1])


def test_debugging_assertions():
    tf.debugging.assert_equal(tf.constant([1, 2]), [1, 2])
    with pytest.raises(tf.errors.InvalidArgumentError, match="x == y"):
        tf.debugging.assert_equal(tf.constant([1, 2]), [1, 3], message="labels")
    tf.debugging.assert_near(tf.constant(1.0), 1.0 + 1e-7)
    with pytest.raises(tf.errors.InvalidArgumentError, match="rank 2"):
        tf.debugging.assert_rank(tf.ones(3), 2)
    with pytest.raises(tf.errors.InvalidArgumentError, match="NaN"):
        tf.debugging.check_numerics(tf.constant([1.0, np.nan]), "loss")
    tf.debugging.assert_shapes([(tf.ones((2, 3)), ("N", 3)), (tf.ones(2), ("N",))])
    with pytest.raises(tf.errors.InvalidArgumentError, match="'N'"):
        tf.debugging.assert_shapes([(tf.ones((2, 3)), ("N", 3)), (tf.ones(3), ("N",))])


def test_thread_defaults_and_settings():
    code = ("import os; import ndflow as tf; from ndflow.backend import threads; "
            "a = threads.get_blas_threads(); k = threads.kernel_threads(); "
            "tf.config.threading.set_intra_op_parallelism_threads(3); "
            "print(a, k, threads.get_blas_threads(), threads.kernel_threads(), "
            "tf.config.threading.get_intra_op_parallelism_threads())")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                        "NDFLOW_NUM_THREADS")}
    env["PYTHONPATH"] = root
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True).stdout.split()
    cores = len(os.sched_getaffinity(0))
    # one BLAS thread; ndflow's kernels on every core; the intra-op count sets the latter
    assert out == ["1", str(cores), "1", "3", "3"]
    env["NDFLOW_NUM_THREADS"] = "5"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True).stdout.split()
    assert out[:2] == ["1", "5"]
    del env["NDFLOW_NUM_THREADS"]
    env["OPENBLAS_NUM_THREADS"] = "2"   # the user's own BLAS setting is left alone
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True).stdout.split()
    assert out[:2] == ["2", "1"]        # and ndflow's kernels then keep to one thread
