"""TensorArray, scan / foldl / foldr, switch_case, Assert, identity_n, sequence_mask,
bincount, histogram_fixed_width, tf.bitwise, tf.test: ndflow against real TensorFlow.

Every case is a small program written once against a module ``tf`` and run with ndflow
and with TensorFlow; values (and dtypes, shapes) must agree, gradients too, and programs
that fail must fail with the same exception class in both."""
import numpy as np
import pytest

import ndflow as nd
import tensorflow as tf_ref

from _helpers import assert_close, flat

LIBS = {"nd": nd, "tf": tf_ref}


def both(program):
    return program(nd), program(tf_ref)


def check_values(program, **tol):
    got, want = both(program)
    assert_close(got, want, what=program.__name__, **tol)
    for g, w in zip(flat(got), flat(want)):
        if hasattr(w, "dtype") and hasattr(g, "dtype"):
            assert g.dtype.name == w.dtype.name, (program.__name__, g.dtype, w.dtype)


def error_name(program, lib):
    try:
        program(lib)
    except Exception as e:   # noqa: BLE001  (the class is what is compared)
        return type(e).__name__
    return None


# ---- values ---------------------------------------------------------------------------------

X = np.array([0.5, -1.25, 2.0, 0.75], dtype=np.float32)
M = np.arange(12, dtype=np.float32).reshape(3, 4) / 7.0


def ta_write_stack(tf):
    ta = tf.TensorArray(tf.float32, size=4)
    for i in range(4):
        ta = ta.write(i, tf.constant(M[i % 3]) * float(i))
    return ta.stack(), ta.size()


def ta_unwritten_zeros(tf):
    ta = tf.TensorArray(tf.float32, size=3).write(1, M[0])
    return ta.stack(), ta.read(2)


def ta_dynamic(tf):
    ta = tf.TensorArray(tf.int32, size=0, dynamic_size=True).write(3, [1, 2])
    return ta.stack(), ta.size()


def ta_unstack_gather(tf):
    ta = tf.TensorArray(tf.float32, size=3, clear_after_read=False).unstack(M)
    return ta.gather([2, 0, 2]), ta.gather([-1]), ta.read(1), ta.stack()


def ta_scatter_split_concat(tf):
    a = tf.TensorArray(tf.float32, size=5).scatter([4, 1], M[:2]).stack()
    b = tf.TensorArray(tf.float32, size=3).split(M, [1, 0, 2])
    return a, b.concat(), b.read(2)


def ta_clear_after_read(tf):
    ta = tf.TensorArray(tf.float32, size=2).write(0, 1.0).write(1, 2.0)
    first = ta.read(0)
    return first, ta.stack()


def ta_empty_stacks(tf):
    return (tf.TensorArray(tf.float32, size=0).stack(),
            tf.TensorArray(tf.float64, size=0, element_shape=[2, 3]).stack())


def ta_element_shape_from_write(tf):
    ta = tf.TensorArray(tf.float32, size=2, element_shape=[None, 2]).write(0, [[1.0, 2.0]])
    return np.array(ta.element_shape.as_list()), ta.stack()


def ta_numpy_and_python_values(tf):
    a = tf.TensorArray(tf.float32, size=2).write(0, np.array([1.0, 2.0])).write(1, [3, 4])
    b = tf.TensorArray(tf.float64, size=1).write(0, 0.1)
    return a.stack(), b.stack()


def scan_cases(tf):
    x = tf.constant(X)
    return (tf.scan(lambda a, b: a + b, x),
            tf.scan(lambda a, b: a * b + 1.0, x, initializer=0.5),
            tf.scan(lambda a, b: a * 2.0 - b, x, reverse=True),
            tf.scan(lambda a, b: a * 2.0 - b, x, initializer=1.0, reverse=True),
            tf.scan(lambda a, b: tf.matmul(a, b), tf.constant(np.stack([M[:, :3]] * 2))))


def scan_nested(tf):
    x = tf.constant(X)
    y = tf.constant(X[::-1].copy())
    a = tf.scan(lambda acc, e: (acc[0] + e[0] * e[1], acc[1] - e[1]), (x, y),
                initializer=(0.0, 1.0))
    b = tf.scan(lambda acc, e: (acc[0] * e[1] + e[0], tf.tanh(acc[1] + e[0])), (x, y),
                reverse=True)
    c = tf.scan(lambda acc, e: {"s": acc["s"] + e["u"]}, {"u": x}, initializer={"s": 0.0})
    return a, b, c["s"]


def scan_empty_with_initializer(tf):
    return tf.scan(lambda a, b: a + b, tf.zeros([0, 2]), initializer=tf.ones([2]))


def fold_cases(tf):
    x = tf.constant(X)
    return (tf.foldl(lambda a, b: a - b, x), tf.foldr(lambda a, b: a - b, x),
            tf.foldl(lambda a, b: a * b, x, initializer=2.0),
            tf.foldr(lambda a, b: (a[0] + b[0], a[1] * b[1]), (x, x)),
            tf.foldl(lambda a, b: a + b, tf.ones([3, 2]), initializer=0.0),
            tf.foldl(lambda a, b: a + b, tf.ones([3]), initializer=0),
            tf.foldl(lambda a, b: a + b, tf.zeros([0]), initializer=5.0))


def switch_cases(tf):
    c = tf.constant
    fns = [lambda: c(10.0), lambda: c(20.0), lambda: c(30.0)]
    return (tf.switch_case(c(1), fns), tf.switch_case(c(7), fns), tf.switch_case(c(-1), fns),
            tf.switch_case(c(9), fns, default=lambda: c(-1.0)),
            tf.switch_case(c(2, tf.int64), fns),
            tf.switch_case(c(1), {1: lambda: c(1), 0: lambda: c(3)}),
            tf.switch_case(c(1), [(1, lambda: c(5)), (0, lambda: c(0))]))


def identity_n_cases(tf):
    return (tf.identity_n([tf.constant(X), tf.constant(1)]), tf.identity_n((tf.constant(X), 1.0)),
            tf.identity_n(tf.constant(M)))


def sequence_mask_cases(tf):
    return (tf.sequence_mask([1, 3, 2], 5), tf.sequence_mask([[1, 3], [2, 0]]),
            tf.sequence_mask([1, 3], 4, dtype=tf.float32), tf.sequence_mask(2, 4),
            tf.sequence_mask([-1, 2], 3), tf.sequence_mask([1, 2], 0),
            tf.sequence_mask(tf.constant([1, 2], tf.int64), tf.constant(3)),
            tf.sequence_mask([1], 2, dtype="int32"), tf.sequence_mask(tf.constant([1.0, 2.0]), 3))


def bincount_cases(tf):
    rng = np.random.default_rng(3)
    arr = rng.integers(0, 6, size=(4, 5)).astype(np.int32)
    w = rng.normal(size=(4, 5)).astype(np.float32)
    b = tf.math.bincount
    return (b(arr), b(arr, weights=w), b(arr, minlength=9), b(arr, maxlength=3),
            b(arr, minlength=8, maxlength=4), b(arr, dtype=tf.int64), b(arr, dtype=tf.float32),
            b(arr, weights=w.astype(np.float64)), b(arr, weights=arr),
            b(arr, axis=-1), b(arr, weights=w, axis=-1), b(arr, axis=-1, minlength=8),
            b(arr, axis=-1, maxlength=2), b(arr, axis=-1, binary_output=True),
            b(arr, binary_output=True), b(arr, axis=0), b(tf.constant(2)),
            b(tf.constant([], tf.int32)), b(tf.constant([], tf.int32), minlength=3),
            b(tf.constant([1, 2], tf.int64)), b(tf.constant([1.0, 2.0])),
            b(arr, weights=w, dtype=tf.float64))


def histogram_cases(tf):
    rng = np.random.default_rng(5)
    v32 = rng.uniform(-1.0, 6.0, size=200).astype(np.float32)
    edges = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])
    h = tf.histogram_fixed_width
    return (h(v32, [0.0, 5.0], nbins=7), h(v32, [0.0, 5.0]),
            h(tf.constant(edges, tf.float32), tf.constant([0.0, 1.0]), nbins=10),
            h(tf.constant(edges), tf.constant([0.0, 1.0], tf.float64), nbins=10),
            h([-3, 0, 1, 2, 5, 15, 7], [0, 5], nbins=5),
            h(v32, [0.0, 5.0], nbins=3, dtype=tf.int64),
            h([np.inf, -np.inf, 1.0], [0.0, 5.0], nbins=5),
            h(1.0, [0.0, 5.0], nbins=tf.constant(3)))


def bitwise_cases(tf):
    out = []
    rng = np.random.default_rng(7)
    for name in ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"):
        npd = np.dtype(name)
        info = np.iinfo(npd)
        a = rng.integers(info.min, info.max, size=12, dtype=npd, endpoint=True)
        b = rng.integers(info.min, info.max, size=12, dtype=npd, endpoint=True)
        bits = 8 * npd.itemsize
        s = np.array([0, 1, bits - 1, bits, bits + 5] + ([-1, -bits] if npd.kind == "i" else
                                                      [2, 3]), dtype=npd)
        v = np.resize(a, s.shape)
        ta, tb = tf.constant(a), tf.constant(b)
        out += [tf.bitwise.bitwise_and(ta, tb), tf.bitwise.bitwise_or(ta, tb),
                tf.bitwise.bitwise_xor(ta, tb), tf.bitwise.invert(ta),
                tf.bitwise.left_shift(tf.constant(v), tf.constant(s)),
                tf.bitwise.right_shift(tf.constant(v), tf.constant(s))]
    out += [tf.bitwise.bitwise_and(tf.constant([5], tf.int64), 3),
            tf.bitwise.bitwise_and([5, 6], [3, 3]),
            tf.bitwise.bitwise_or(tf.constant([[5], [6]]), tf.constant([3, 1]))]
    return out


VALUE_PROGRAMS = [ta_write_stack, ta_unwritten_zeros, ta_dynamic, ta_unstack_gather,
                  ta_scatter_split_concat, ta_clear_after_read, ta_empty_stacks,
                  ta_element_shape_from_write, ta_numpy_and_python_values, scan_cases,
                  scan_nested, scan_empty_with_initializer, fold_cases, switch_cases,
                  identity_n_cases, sequence_mask_cases, bincount_cases, histogram_cases,
                  bitwise_cases]


@pytest.mark.parametrize("program", VALUE_PROGRAMS, ids=lambda p: p.__name__)
def test_values(program):
    check_values(program)


# ---- gradients -----------------------------------------------------------------------------

W = np.array([[0.3, -0.2], [0.1, 0.4]], dtype=np.float32)
SEQ = np.array([[0.1, 0.2], [0.3, -0.4], [0.5, 0.6], [-0.2, 0.1]], dtype=np.float32)


def grad_ta_rnn(tf):
    w = tf.Variable(W)
    x = tf.constant(SEQ)
    with tf.GradientTape() as tape:
        tape.watch(x)
        xs = tf.TensorArray(tf.float32, size=4).unstack(x)
        out = tf.TensorArray(tf.float32, size=4)
        h = tf.zeros([1, 2])
        for t in range(4):
            h = tf.tanh(tf.reshape(xs.read(t), [1, 2]) + tf.matmul(h, w))
            out = out.write(t, tf.reshape(h, [2]))
        loss = tf.reduce_sum(out.stack() ** 2 * tf.constant([[1.0, 2.0]]))
    return [loss] + tape.gradient(loss, [w, x])


def grad_ta_gather_scatter_split(tf):
    x = tf.constant(X)
    with tf.GradientTape() as tape:
        tape.watch(x)
        ta = tf.TensorArray(tf.float32, size=4, clear_after_read=False).unstack(x ** 2)
        g = tf.reduce_sum(ta.gather([3, 3, 0]) * tf.constant([1.0, 2.0, 3.0]))
        sc = tf.TensorArray(tf.float32, size=5).scatter([4, 1], tf.tanh(x[:2])).stack()
        s = tf.reduce_sum(sc * tf.range(5.0))
        parts = tf.TensorArray(tf.float32, size=2).split(x, [1, 3]).concat()
        loss = g + s + tf.reduce_sum(parts ** 3)
    return loss, tape.gradient(loss, x)


def grad_scan_fold(tf):
    x = tf.constant(X)
    init = tf.constant(0.5)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, init])
        ys = tf.scan(lambda a, v: a * v + tf.sin(a), x, initializer=init)
        y1 = tf.reduce_sum(ys * tf.constant([1.0, 2.0, -1.0, 0.5]))
        a, b = tf.scan(lambda acc, e: (acc[0] * e[1] + e[0], tf.tanh(acc[1] + e[0])),
                       (x, x * 2.0), reverse=True)
        y2 = tf.reduce_sum(a) + 2.0 * tf.reduce_sum(b)
        y3 = tf.foldl(lambda acc, v: tf.sin(acc) * v + v ** 2, x, initializer=init)
        y4 = tf.foldr(lambda acc, v: acc * v + 1.0, x)
    out = [y1, y2, y3, y4]
    for y in (y1, y2, y3, y4):
        out += tape.gradient(y, [x, init], unconnected_gradients="zero")
    return out


@pytest.mark.parametrize("program", [grad_ta_rnn, grad_ta_gather_scatter_split,
                                     grad_scan_fold], ids=lambda p: p.__name__)
def test_gradients(program):
    got, want = both(program)
    assert_close(got, want, rtol=2e-4, atol=2e-5, what=program.__name__)


# ---- errors ----------------------------------------------------------------------------------

def _ta(tf, **kw):
    return tf.TensorArray(tf.float32, size=3, **kw)


ERROR_PROGRAMS = {
    "ta_no_size": lambda tf: tf.TensorArray(tf.float32),
    "ta_write_out_of_range": lambda tf: _ta(tf).write(3, 1.0),
    "ta_write_negative": lambda tf: _ta(tf).write(-1, 1.0),
    "ta_read_out_of_range": lambda tf: _ta(tf).write(0, 1.0).read(5),
    "ta_read_negative": lambda tf: _ta(tf).write(0, 1.0).read(-1),
    "ta_read_twice": lambda tf: (lambda t: (t.read(0), t.read(0)))(_ta(tf).write(0, 1.0)),
    "ta_write_bad_shape": lambda tf: _ta(tf).write(0, [1.0, 2.0]).write(1, [1.0]),
    "ta_declared_shape": lambda tf: _ta(tf, element_shape=[2]).write(0, [1.0, 2.0, 3.0]),
    "ta_write_bad_dtype": lambda tf: _ta(tf).write(0, tf.constant([1, 2])),
    "ta_write_float_into_int": lambda tf: tf.TensorArray(tf.int32, size=1).write(0, 1.5),
    "ta_unstack_too_many": lambda tf: tf.TensorArray(tf.float32, size=2).unstack(M),
    "ta_scatter_out_of_range": lambda tf: tf.TensorArray(tf.float32, size=2).scatter(
        [3], M[:1]),
    "ta_split_lengths_sum": lambda tf: _ta(tf).split(X, [1, 1, 1]),
    "ta_split_lengths_count": lambda tf: tf.TensorArray(tf.float32, size=2).split(X, [1, 1,
                                                                                      2]),
    "ta_concat_scalars": lambda tf: _ta(tf).write(0, 1.0).write(1, 2.0).write(2, 3.0).concat(),
    "ta_gather_out_of_range": lambda tf: _ta(tf).unstack(M).gather([3]),
    "scan_no_init_empty": lambda tf: tf.scan(lambda a, b: a + b, tf.zeros([0])),
    "scan_changes_shape": lambda tf: tf.scan(lambda a, b: a + b, tf.ones([3, 2]),
                                             initializer=0.0),
    "scan_changes_dtype": lambda tf: tf.scan(lambda a, b: tf.cast(a, tf.float32) + b,
                                             tf.ones([3]), initializer=0),
    "foldl_no_init_empty": lambda tf: tf.foldl(lambda a, b: a + b, tf.zeros([0])),
    "switch_python_index": lambda tf: tf.switch_case(1, [lambda: tf.constant(1)]),
    "switch_float_index": lambda tf: tf.switch_case(tf.constant(1.0), [lambda: tf.constant(1)]),
    "switch_empty": lambda tf: tf.switch_case(tf.constant(0), []),
    "switch_bad_keys": lambda tf: tf.switch_case(tf.constant(0), {1: lambda: 1, 3: lambda: 3}),
    "switch_str_key": lambda tf: tf.switch_case(tf.constant(0), {"a": lambda: 1}),
    "assert_false": lambda tf: tf.Assert(False, ["x", tf.range(5)]),
    "assert_vector_condition": lambda tf: tf.Assert(tf.constant([True, False]), ["x"]),
    "identity_n_empty": lambda tf: tf.identity_n([]),
    "sequence_mask_vector_maxlen": lambda tf: tf.sequence_mask([1, 2], [3]),
    "sequence_mask_negative_maxlen": lambda tf: tf.sequence_mask([1, 2], -1),
    "bincount_negative": lambda tf: tf.math.bincount([1, -1]),
    "bincount_axis_1": lambda tf: tf.math.bincount([[1]], axis=1),
    "bincount_weights_and_binary": lambda tf: tf.math.bincount([1], weights=[1.0],
                                                               binary_output=True),
    "bincount_weight_shape": lambda tf: tf.math.bincount([1, 2], weights=[1.0]),
    "bincount_rank3_axis": lambda tf: tf.math.bincount(tf.ones([2, 2, 2], tf.int32), axis=-1),
    "bincount_uint8": lambda tf: tf.math.bincount(tf.constant([1], tf.uint8)),
    "histogram_bad_range": lambda tf: tf.histogram_fixed_width([1.0], [5.0, 0.0]),
    "histogram_zero_bins": lambda tf: tf.histogram_fixed_width([1.0], [0.0, 5.0], nbins=0),
    "histogram_nan": lambda tf: tf.histogram_fixed_width([np.nan], [0.0, 5.0]),
    "histogram_dtype_mismatch": lambda tf: tf.histogram_fixed_width(
        tf.constant([1.0]), tf.constant([0, 5])),
    "histogram_float_out": lambda tf: tf.histogram_fixed_width([1.0], [0.0, 5.0],
                                                               dtype=tf.float32),
    "bitwise_mixed_dtypes": lambda tf: tf.bitwise.bitwise_and(tf.constant([1]),
                                                              tf.constant([1], tf.int64)),
    "bitwise_float": lambda tf: tf.bitwise.invert(tf.constant([1.0])),
    "compute_gradient_not_list": lambda tf: tf.test.compute_gradient(lambda a: a,
                                                                     tf.constant([1.0])),
}


@pytest.mark.parametrize("name", sorted(ERROR_PROGRAMS))
def test_errors(name):
    program = ERROR_PROGRAMS[name]
    got, want = error_name(program, nd), error_name(program, tf_ref)
    assert want is not None, "TensorFlow accepted %s" % name
    assert got == want, "%s: ndflow raised %s, TensorFlow %s" % (name, got, want)


def test_assert_message():
    def program(tf):
        try:
            tf.Assert(tf.constant(False), ["x is", tf.constant([1.0, 2.0, 3.0, 4.0]), 3,
                                           tf.constant(1 / 3), tf.constant(["a", "b"])])
        except tf.errors.InvalidArgumentError as e:
            return str(e.message)
    assert program(nd) == program(tf_ref)


# ---- known differences ------------------------------------------------------------------------

@pytest.mark.xfail(strict=True, reason="TF eager TensorArray.scatter silently drops rows or "
                   "indices when their counts differ; ndflow raises InvalidArgumentError")
def test_scatter_count_mismatch():
    def program(tf):
        return tf.TensorArray(tf.float32, size=2).scatter([0, 1], [[1.0, 2.0]]).size()
    assert error_name(program, nd) == error_name(program, tf_ref)


@pytest.mark.xfail(strict=True, reason="TF eager infers element_shape only on write; ndflow "
                   "also infers it on unstack (as graph-mode TF does)")
def test_element_shape_after_unstack():
    es = [lib.TensorArray(lib.float32, size=3).unstack(M).element_shape.rank for lib in
          (nd, tf_ref)]
    assert es[0] == es[1]


# ---- namespaces ---------------------------------------------------------------------------------

def test_namespaces():
    assert sorted(n for n in dir(nd.bitwise) if not n.startswith("_") and n != "bitwise_ops") \
        == sorted(n for n in dir(tf_ref.bitwise) if not n.startswith("_"))
    assert {n for n in dir(tf_ref.version) if not n.startswith("_")} <= set(dir(nd.version))
    assert nd.version.GRAPH_DEF_VERSION == tf_ref.version.GRAPH_DEF_VERSION
    assert nd.test.is_gpu_available() == tf_ref.test.is_gpu_available()
    assert nd.test.gpu_device_name() == tf_ref.test.gpu_device_name()


def test_compute_gradient_matches():
    def program(tf):
        return tf.test.compute_gradient(lambda a, b: tf.stack([a[0] * b, tf.exp(a[1]), a[0]]),
                                        [tf.constant([1.0, 2.0], tf.float64),
                                         tf.constant(0.5, tf.float64)])
    got, want = both(program)
    assert_close(got, want, rtol=1e-6, atol=1e-8)
