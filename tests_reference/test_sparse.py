"""tf.SparseTensor, tf.sparse.* and the SparseTensors of tf.io.parse_*: ndflow against the
real TensorFlow.

Every case is one function of the library module (``nd`` or ``tf_ref``), run in both; the
results are compared component by component (indices, values, dense_shape, dtypes, the
order of the entries) or, where TensorFlow raises, ndflow must raise an error of the same
class.  Gradients: ``sum(w * output)`` differentiated with a GradientTape in both.
"""
import numpy as np
import pytest

import ndflow as nd
import tensorflow as tf_ref

from _helpers import assert_close

TF_SPARSE = tf_ref.SparseTensor
ND_SPARSE = nd.SparseTensor


def _np(x):
    v = np.asarray(x.numpy())
    if v.dtype == object:   # ndflow keeps str where TensorFlow has bytes
        v = np.vectorize(lambda s: s.encode("utf-8") if isinstance(s, str) else s,
                         otypes=[object])(v) if v.size else v
    return v


def compare(got, want, what="result"):
    if isinstance(want, TF_SPARSE):
        assert isinstance(got, ND_SPARSE), "%s: TF gives a SparseTensor, ndflow %r" % (
            what, type(got))
        assert got.dtype.name == want.dtype.name, "%s dtype: %s vs TF %s" % (
            what, got.dtype.name, want.dtype.name)
        assert got.indices.dtype.name == "int64" and got.dense_shape.dtype.name == "int64"
        np.testing.assert_array_equal(_np(got.indices), _np(want.indices),
                                      err_msg=what + " indices")
        np.testing.assert_array_equal(_np(got.dense_shape), _np(want.dense_shape),
                                      err_msg=what + " dense_shape")
        assert got.shape.as_list() == want.shape.as_list(), what + " shape"
        compare(got.values, want.values, what + " values")
        return
    if isinstance(want, dict):
        assert list(got) == list(want), "%s keys %s vs TF %s" % (what, list(got), list(want))
        for k in want:
            compare(got[k], want[k], "%s[%r]" % (what, k))
        return
    if isinstance(want, (list, tuple)):
        assert len(got) == len(want), what
        for i, (g, w) in enumerate(zip(got, want)):
            compare(g, w, "%s[%d]" % (what, i))
        return
    assert got.dtype.name == want.dtype.name, "%s dtype: %s vs TF %s" % (
        what, got.dtype.name, want.dtype.name)
    g, w = _np(got), _np(want)
    assert g.shape == w.shape, "%s shape %s vs TF %s" % (what, g.shape, w.shape)
    if w.dtype.kind in "fc":
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-7, err_msg=what)
    else:
        np.testing.assert_array_equal(g, w, err_msg=what)


def run_both(case):
    """(ndflow result or exception, TF result or exception)."""
    out = []
    for lib in (nd, tf_ref):
        try:
            out.append(case(lib))
        except Exception as e:  # noqa: BLE001  (compared below)
            out.append(e)
    return out


# the classes ndflow raises where TF raises (TF's InvalidArgumentError is an OpError)
SAME_ERROR = {"InvalidArgumentError": "InvalidArgumentError", "ValueError": "ValueError",
              "TypeError": "TypeError"}


def check(case, what):
    got, want = run_both(case)
    if isinstance(want, Exception):
        assert isinstance(got, Exception), "%s: TF raises %s: %s; ndflow gives %r" % (
            what, type(want).__name__, want, got)
        assert type(got).__name__ == SAME_ERROR[type(want).__name__], \
            "%s: TF raises %s, ndflow %s: %s" % (what, type(want).__name__,
                                                 type(got).__name__, got)
        return
    if isinstance(got, Exception):
        raise got
    compare(got, want, what)


def S(L, idx, vals, shape, dtype=None):
    return L.SparseTensor(idx, L.constant(vals, dtype) if dtype else vals, shape)


A_IDX, A_VALS, A_SHAPE = [[0, 1], [1, 0], [2, 3]], [1.0, -2.0, 3.0], [3, 4]
B_IDX, B_VALS = [[0, 1], [1, 2], [2, 2]], [-1.0, 0.05, 4.0]
UNSORTED = [[2, 3], [0, 1], [1, 0]]


def a(L):
    return S(L, A_IDX, A_VALS, A_SHAPE)


def b(L):
    return S(L, B_IDX, B_VALS, A_SHAPE)


def u(L):
    return S(L, UNSORTED, A_VALS, A_SHAPE)


CASES = {
    # ---- the class
    "construct": lambda L: a(L),
    "construct int values": lambda L: S(L, [[0]], [3], [2]),
    "construct int64 values": lambda L: S(L, [[0]], [3], [2], "int64"),
    "construct np float64": lambda L: L.SparseTensor([[0, 1]], np.array([1.5]), [3, 4]),
    "construct strings": lambda L: L.SparseTensor([[1]], ["ab"], [3]),
    "construct bool": lambda L: L.SparseTensor([[1]], [True], [3]),
    "construct empty": lambda L: L.SparseTensor(np.zeros([0, 2]), [], [3, 4]),
    "construct scalar": lambda L: L.SparseTensor(np.zeros([0, 0], np.int64), [], []),
    "construct kwargs": lambda L: L.SparseTensor(indices=[[0]], values=[1], dense_shape=[2]),
    "construct np int32 indices": lambda L: L.SparseTensor(np.array([[0, 1]], np.int32),
                                                           [1.0], [3, 4]),
    "construct bad indices rank": lambda L: L.SparseTensor([0, 1], [1], [3, 4]),
    "construct bad values rank": lambda L: L.SparseTensor([[0, 1]], [[1]], [3, 4]),
    "construct count mismatch": lambda L: L.SparseTensor([[0, 1]], [1, 2], [3, 4]),
    "construct rank mismatch": lambda L: L.SparseTensor([[0, 1]], [1], [3, 4, 5]),
    "construct float indices": lambda L: L.SparseTensor([[0.0, 1.0]], [1], [3, 4]),
    "construct int32 tensor indices": lambda L: L.SparseTensor(L.constant([[0, 1]]), [1.0],
                                                               [3, 4]),
    "with_values": lambda L: a(L).with_values(L.constant([4, 5, 6])),
    "with_values bad length": lambda L: a(L).with_values([1.0, 2.0]),
    "from_value": lambda L: L.SparseTensor.from_value(a(L)),
    "from_value dense": lambda L: L.SparseTensor.from_value(L.ones([2])),
    "shape": lambda L: L.constant(a(L).shape.as_list()),
    "get_shape": lambda L: L.constant(a(L).get_shape().as_list()),
    "set_shape incompatible": lambda L: a(L).set_shape([5, None]),
    "mul scalar": lambda L: a(L) * 2.0,
    "mul row": lambda L: a(L) * L.constant([1.0, 2.0, 3.0, 4.0]),
    "mul column": lambda L: a(L) * L.constant([[1.0], [2.0], [3.0]]),
    "mul full": lambda L: a(L) * L.reshape(L.range(12.0), [3, 4]),
    "mul list": lambda L: a(L) * [1.0, 2.0, 3.0, 4.0],
    "mul numpy float64": lambda L: a(L) * np.arange(4.0),
    "mul int": lambda L: S(L, [[0], [1]], [3, 4], [2]) * 2,
    "mul int by fraction": lambda L: S(L, [[0]], [3], [2]) * 2.5,
    "mul dtype mismatch": lambda L: a(L) * L.constant([1, 2, 3, 4]),
    "mul higher rank": lambda L: a(L) * L.ones([2, 3, 4]),
    "mul bad shape": lambda L: a(L) * L.ones([3, 5]),
    "rmul": lambda L: 2.0 * a(L),
    "div": lambda L: a(L) / L.constant([1.0, 2.0, 4.0, 8.0]),
    "div int": lambda L: S(L, [[0], [1]], [3, 4], [2]) / L.constant([2, 8]),
    "div int8": lambda L: S(L, [[0]], [3], [2], "int8") / L.constant([2, 8], L.int8),
    "div zero where stored": lambda L: a(L) / L.constant([1.0, 0.0, 1.0, 1.0]),
    "div zero elsewhere": lambda L: a(L) / L.constant([1.0, 1.0, 0.0, 1.0]),
    "div scalar zero": lambda L: a(L) / 0.0,
    "add operator": lambda L: a(L) + a(L),
    "neg operator": lambda L: -a(L),
    "convert_to_tensor": lambda L: L.convert_to_tensor(a(L)),
    # ---- conversion
    "to_dense": lambda L: L.sparse.to_dense(a(L)),
    "to_dense default": lambda L: L.sparse.to_dense(a(L), default_value=-1.5),
    "to_dense default int for float": lambda L: L.sparse.to_dense(a(L), default_value=-1),
    "to_dense default tensor wrong dtype": lambda L: L.sparse.to_dense(
        a(L), default_value=L.constant(-1)),
    "to_dense default vector": lambda L: L.sparse.to_dense(a(L), default_value=[1.0, 2.0]),
    "to_dense unsorted": lambda L: L.sparse.to_dense(u(L)),
    "to_dense unsorted no validation": lambda L: L.sparse.to_dense(u(L),
                                                                   validate_indices=False),
    "to_dense repeated": lambda L: L.sparse.to_dense(S(L, [[0, 1], [0, 1]], [1.0, 2.0],
                                                       [3, 4])),
    "to_dense out of bounds": lambda L: L.sparse.to_dense(S(L, [[0, 7]], [1.0], [3, 4])),
    "to_dense out of bounds no validation": lambda L: L.sparse.to_dense(
        S(L, [[0, 7]], [1.0], [3, 4]), validate_indices=False),
    "to_dense strings": lambda L: L.sparse.to_dense(L.SparseTensor([[1]], ["a"], [3]),
                                                    default_value="z"),
    "to_dense bool": lambda L: L.sparse.to_dense(L.SparseTensor([[1]], [True], [3])),
    "to_dense int": lambda L: L.sparse.to_dense(S(L, [[1]], [4], [3]), default_value=7),
    "to_dense scalar": lambda L: L.sparse.to_dense(L.SparseTensor(np.zeros([1, 0], np.int64),
                                                                  [5.0], [])),
    "to_dense empty": lambda L: L.sparse.to_dense(L.SparseTensor(np.zeros([0, 2], np.int64),
                                                                 L.zeros([0]), [0, 3])),
    "to_dense dense input": lambda L: L.sparse.to_dense(L.ones([2])),
    "to_dense list input": lambda L: L.sparse.to_dense([1, 2]),
    "from_dense": lambda L: L.sparse.from_dense([[0.0, 1.0], [2.0, 0.0]]),
    "from_dense int": lambda L: L.sparse.from_dense(L.constant([[0, 3], [0, 0], [5, 6]])),
    "from_dense strings": lambda L: L.sparse.from_dense(L.constant([["", "a"], ["b", ""]])),
    "from_dense bool": lambda L: L.sparse.from_dense([True, False, True]),
    "from_dense nan and -0": lambda L: L.sparse.from_dense(L.constant([np.nan, 0.0, -0.0])),
    "from_dense scalar": lambda L: L.sparse.from_dense(3.0),
    "from_dense sparse": lambda L: L.sparse.from_dense(a(L)),
    "to_indicator": lambda L: L.sparse.to_indicator(
        S(L, [[0, 0], [0, 1], [1, 0]], [2, 3, 1], [2, 2], "int64"), 5),
    "to_indicator int32": lambda L: L.sparse.to_indicator(
        S(L, [[0, 0], [0, 1], [1, 0]], [2, 3, 1], [2, 2]), 5),
    "to_indicator 3d": lambda L: L.sparse.to_indicator(
        S(L, [[0, 0, 0], [0, 0, 1], [1, 1, 0]], [2, 3, 1], [2, 2, 2], "int64"), 4),
    "to_indicator out of range": lambda L: L.sparse.to_indicator(
        S(L, [[0, 0], [1, 0]], [2, 7], [2, 2], "int64"), 5),
    # ---- rearranging
    "reorder": lambda L: L.sparse.reorder(u(L)),
    "reorder stable": lambda L: L.sparse.reorder(S(L, [[0, 1], [0, 0], [0, 1]],
                                                   [2.0, 1.0, 3.0], [3, 4])),
    "reshape": lambda L: L.sparse.reshape(a(L), [2, -1]),
    "reshape 3d": lambda L: L.sparse.reshape(a(L), [2, 3, 2]),
    "reshape to 1d tensor shape": lambda L: L.sparse.reshape(a(L), L.constant([12])),
    "reshape unsorted": lambda L: L.sparse.reshape(u(L), [6, 2]),
    "reshape not a multiple": lambda L: L.sparse.reshape(a(L), [5, -1]),
    "reshape wrong size": lambda L: L.sparse.reshape(a(L), [5, 3]),
    "reshape two unknown": lambda L: L.sparse.reshape(a(L), [-1, -1]),
    "transpose": lambda L: L.sparse.transpose(a(L)),
    "transpose perm": lambda L: L.sparse.transpose(
        S(L, [[0, 1, 0], [1, 0, 1], [1, 1, 2]], [1.0, 2.0, 3.0], [2, 2, 3]), [2, 0, 1]),
    "transpose bad perm": lambda L: L.sparse.transpose(a(L), [0, 1, 2]),
    "expand_dims 0": lambda L: L.sparse.expand_dims(a(L), 0),
    "expand_dims 1": lambda L: L.sparse.expand_dims(a(L), 1),
    "expand_dims -1": lambda L: L.sparse.expand_dims(a(L), -1),
    "expand_dims -3": lambda L: L.sparse.expand_dims(a(L), -3),
    "expand_dims default": lambda L: L.sparse.expand_dims(a(L)),
    "reset_shape tight": lambda L: L.sparse.reset_shape(S(L, [[0, 1], [1, 0]], [1.0, 2.0],
                                                          [5, 6])),
    "reset_shape empty": lambda L: L.sparse.reset_shape(
        L.SparseTensor(np.zeros([0, 2], np.int64), L.zeros([0]), [5, 6])),
    "reset_shape bigger": lambda L: L.sparse.reset_shape(a(L), [5, 6]),
    "reset_shape smaller": lambda L: L.sparse.reset_shape(a(L), [2, 6]),
    "reset_shape rank": lambda L: L.sparse.reset_shape(a(L), [5, 6, 7]),
    # ---- combining
    "add sparse sparse": lambda L: L.sparse.add(a(L), b(L)),
    "add threshold": lambda L: L.sparse.add(a(L), b(L), threshold=0.1),
    "add threshold exactly": lambda L: L.sparse.add(S(L, [[0]], [0.25], [3]),
                                                    S(L, [[0]], [0.25], [3]), threshold=0.5),
    "add threshold tensor": lambda L: L.sparse.add(a(L), b(L), threshold=L.constant(0.5)),
    "add cancel": lambda L: L.sparse.add(a(L), S(L, [[0, 1]], [-1.0], [3, 4])),
    "add repeated": lambda L: L.sparse.add(S(L, [[0], [0]], [1.0, 2.0], [3]),
                                           S(L, [[0]], [10.0], [3])),
    "add unsorted": lambda L: L.sparse.add(u(L), b(L)),
    "add int": lambda L: L.sparse.add(S(L, [[0]], [1], [3]), S(L, [[0], [2]], [-1, 4], [3]),
                                      threshold=2),
    "add one empty": lambda L: L.sparse.add(
        L.SparseTensor(np.zeros([0, 1], np.int64), L.zeros([0]), [3]),
        S(L, [[1]], [3.0], [3])),
    "add shape mismatch": lambda L: L.sparse.add(a(L), S(L, [[0, 1]], [1.0], [3, 5])),
    "add dtype mismatch": lambda L: L.sparse.add(a(L), S(L, [[0, 1]], [1], [3, 4])),
    "add sparse dense": lambda L: L.sparse.add(a(L), L.ones([3, 4])),
    "add dense sparse": lambda L: L.sparse.add(L.ones([3, 4]), a(L)),
    "add sparse list": lambda L: L.sparse.add(a(L), [[1.0] * 4] * 3),
    "add sparse dense repeated": lambda L: L.sparse.add(S(L, [[0], [0]], [1.0, 2.0], [3]),
                                                        L.zeros([3])),
    "add sparse dense broadcast": lambda L: L.sparse.add(a(L), L.ones([4])),
    "add sparse dense shape": lambda L: L.sparse.add(a(L), L.ones([3, 5])),
    "add sparse dense dtype": lambda L: L.sparse.add(a(L), L.ones([3, 4], L.int32)),
    "add dense dense": lambda L: L.sparse.add(L.ones([3, 4]), L.ones([3, 4])),
    "maximum": lambda L: L.sparse.maximum(a(L), b(L)),
    "minimum": lambda L: L.sparse.minimum(a(L), b(L)),
    "maximum int": lambda L: L.sparse.maximum(S(L, [[0]], [-3], [2]), S(L, [[1]], [-4], [2])),
    "maximum repeated": lambda L: L.sparse.maximum(S(L, [[0], [0]], [1.0, 7.0], [2]),
                                                   S(L, [[0]], [2.0], [2])),
    "maximum unsorted": lambda L: L.sparse.maximum(u(L), b(L)),
    "maximum shape": lambda L: L.sparse.maximum(a(L), S(L, [[0, 1]], [1.0], [3, 5])),
    "concat 0": lambda L: L.sparse.concat(0, [a(L), b(L)]),
    "concat 1": lambda L: L.sparse.concat(1, [a(L), b(L)]),
    "concat -1 keywords": lambda L: L.sparse.concat(axis=-1, sp_inputs=[a(L), b(L), a(L)]),
    "concat 3d": lambda L: L.sparse.concat(1, [
        S(L, [[0, 0, 1], [1, 0, 0], [1, 1, 1]], [1.0, 2.0, 3.0], [2, 2, 2]),
        S(L, [[0, 0, 0], [0, 1, 1], [1, 0, 1]], [4.0, 5.0, 6.0], [2, 2, 2])]),
    "concat repeated": lambda L: L.sparse.concat(0, [S(L, [[0], [0]], [1.0, 2.0], [2]),
                                                     S(L, [[1], [0]], [3.0, 4.0], [2])]),
    "concat unsorted": lambda L: L.sparse.concat(0, [u(L), b(L)]),
    "concat mismatch": lambda L: L.sparse.concat(1, [a(L), S(L, [[0, 0]], [7.0], [2, 2])]),
    "concat expand": lambda L: L.sparse.concat(1, [a(L), S(L, [[0, 0], [1, 1]], [7.0, 8.0],
                                                         [2, 2])],
                                               expand_nonconcat_dims=True),
    "concat dense": lambda L: L.sparse.concat(0, [a(L), L.ones([1, 4])]),
    "concat dtype": lambda L: L.sparse.concat(0, [a(L), S(L, [[0, 1]], [1], [3, 4])]),
    "split": lambda L: L.sparse.split(sp_input=a(L), num_split=2, axis=1),
    "split uneven": lambda L: L.sparse.split(sp_input=a(L), num_split=3, axis=1),
    "split rows": lambda L: L.sparse.split(sp_input=a(L), num_split=3, axis=0),
    "split positional": lambda L: L.sparse.split(a(L), 2, -1),
    "split keeps order": lambda L: L.sparse.split(
        sp_input=S(L, [[1, 3], [0, 1], [0, 0]], [2.0, 1.0, 5.0], [3, 4]), num_split=2, axis=0),
    "split too many": lambda L: L.sparse.split(sp_input=a(L), num_split=5, axis=1),
    "split no axis": lambda L: L.sparse.split(sp_input=a(L), num_split=2),
    "slice": lambda L: L.sparse.slice(b(L), [0, 1], [2, 3]),
    "slice past the end": lambda L: L.sparse.slice(b(L), [1, 0], [5, 5]),
    "slice start past the end": lambda L: L.sparse.slice(b(L), [4, 0], [5, 5]),
    "slice empty": lambda L: L.sparse.slice(b(L), [0, 3], [1, 1]),
    "slice keeps order": lambda L: L.sparse.slice(u(L), [0, 0], [3, 4]),
    "slice negative size": lambda L: L.sparse.slice(b(L), [0, 0], [-1, 2]),
    "slice wrong length": lambda L: L.sparse.slice(b(L), [0], [2, 3]),
    "retain": lambda L: L.sparse.retain(b(L), [True, False, True]),
    "retain ints": lambda L: L.sparse.retain(b(L), np.array([1, 0, 1])),
    "retain wrong length": lambda L: L.sparse.retain(b(L), [True, False]),
    "fill_empty_rows": lambda L: L.sparse.fill_empty_rows(
        S(L, [[0, 1], [2, 3], [4, 0]], [1.0, 2.0, 3.0], [6, 4]), -1.0),
    "fill_empty_rows unsorted rows": lambda L: L.sparse.fill_empty_rows(
        S(L, [[2, 0], [0, 3], [0, 1]], [1.0, 2.0, 3.0], [4, 4]), -1.0),
    "fill_empty_rows strings": lambda L: L.sparse.fill_empty_rows(
        L.SparseTensor([[1]], ["a"], [3]), "z"),
    "fill_empty_rows 3d int": lambda L: L.sparse.fill_empty_rows(
        S(L, [[1, 0, 1]], [4], [3, 2, 2]), 9),
    "fill_empty_rows python int for float": lambda L: L.sparse.fill_empty_rows(
        S(L, [[1]], [1.0], [3]), 9),
    "fill_empty_rows tensor wrong dtype": lambda L: L.sparse.fill_empty_rows(
        S(L, [[1]], [1.0], [3]), L.constant(9)),
    "eye": lambda L: L.sparse.eye(3),
    "eye rectangular int": lambda L: L.sparse.eye(2, 4, dtype=L.int32),
    "eye tall": lambda L: L.sparse.eye(4, 2),
    "eye empty": lambda L: L.sparse.eye(0),
    # ---- products, reductions
    "sparse_dense_matmul": lambda L: L.sparse.sparse_dense_matmul(
        a(L), L.reshape(L.range(8.0), [4, 2])),
    "sparse_dense_matmul adjoint_a": lambda L: L.sparse.sparse_dense_matmul(
        a(L), L.reshape(L.range(6.0), [3, 2]), adjoint_a=True),
    "sparse_dense_matmul adjoint_b": lambda L: L.sparse.sparse_dense_matmul(
        a(L), L.reshape(L.range(8.0), [2, 4]), adjoint_b=True),
    "sparse_dense_matmul both adjoints": lambda L: L.sparse.sparse_dense_matmul(
        a(L), L.reshape(L.range(6.0), [2, 3]), adjoint_a=True, adjoint_b=True),
    "sparse_dense_matmul dense a": lambda L: L.sparse.sparse_dense_matmul(
        L.reshape(L.range(6.0), [2, 3]), a(L)),
    "sparse_dense_matmul dense a adjoints": lambda L: L.sparse.sparse_dense_matmul(
        L.reshape(L.range(8.0), [4, 2]), a(L), adjoint_a=True, adjoint_b=True),
    "sparse_dense_matmul complex": lambda L: L.sparse.sparse_dense_matmul(
        S(L, [[0, 1], [1, 0]], [1 + 2j, 3 - 1j], [2, 2], "complex64"),
        L.constant([[1j, 2], [3, 4 - 1j]], L.complex64), adjoint_a=True, adjoint_b=True),
    "sparse_dense_matmul int": lambda L: L.sparse.sparse_dense_matmul(
        S(L, [[0, 1], [1, 1]], [2, 3], [2, 2]), L.constant([[1, 2], [3, 4]])),
    "sparse_dense_matmul repeated": lambda L: L.sparse.sparse_dense_matmul(
        S(L, [[0, 1], [0, 1]], [2.0, 3.0], [2, 2]), L.ones([2, 2])),
    "sparse_dense_matmul list b": lambda L: L.sparse.sparse_dense_matmul(a(L),
                                                                        [[1.0, 2.0]] * 4),
    "sparse_dense_matmul inner mismatch": lambda L: L.sparse.sparse_dense_matmul(
        a(L), L.ones([3, 2])),
    "sparse_dense_matmul vector": lambda L: L.sparse.sparse_dense_matmul(a(L), L.ones([4])),
    "sparse_dense_matmul dtype": lambda L: L.sparse.sparse_dense_matmul(
        a(L), L.ones([4, 2], L.float64)),
    "sparse_dense_matmul out of bounds": lambda L: L.sparse.sparse_dense_matmul(
        S(L, [[0, 5]], [2.0], [2, 2]), L.ones([2, 2])),
    "sparse_dense_matmul dense dense": lambda L: L.sparse.sparse_dense_matmul(
        L.ones([2, 3]), L.ones([3, 2])),
    "reduce_sum": lambda L: L.sparse.reduce_sum(a(L)),
    "reduce_sum 0": lambda L: L.sparse.reduce_sum(a(L), 0),
    "reduce_sum -1 keepdims": lambda L: L.sparse.reduce_sum(a(L), -1, keepdims=True),
    "reduce_sum all keepdims": lambda L: L.sparse.reduce_sum(a(L), keepdims=True),
    "reduce_sum list axis": lambda L: L.sparse.reduce_sum(a(L), [0, 1]),
    "reduce_sum repeated axis": lambda L: L.sparse.reduce_sum(a(L), [1, 1]),
    "reduce_sum tensor axis": lambda L: L.sparse.reduce_sum(a(L), L.constant(1)),
    "reduce_sum sparse": lambda L: L.sparse.reduce_sum(a(L), 1, output_is_sparse=True),
    "reduce_sum sparse 0": lambda L: L.sparse.reduce_sum(b(L), 0, output_is_sparse=True),
    "reduce_sum sparse all": lambda L: L.sparse.reduce_sum(a(L), output_is_sparse=True),
    "reduce_sum sparse all empty": lambda L: L.sparse.reduce_sum(
        L.SparseTensor(np.zeros([0, 2], np.int64), L.zeros([0]), [2, 2]),
        output_is_sparse=True),
    "reduce_sum sparse keepdims": lambda L: L.sparse.reduce_sum(
        b(L), 1, keepdims=True, output_is_sparse=True),
    "reduce_sum sparse unsorted": lambda L: L.sparse.reduce_sum(u(L), 1,
                                                                output_is_sparse=True),
    "reduce_sum sparse zero sum": lambda L: L.sparse.reduce_sum(
        S(L, [[0, 1], [0, 2]], [1.0, -1.0], [2, 3]), 1, output_is_sparse=True),
    "reduce_sum 3d": lambda L: L.sparse.reduce_sum(
        S(L, [[0, 1, 0], [1, 0, 1], [1, 1, 1]], [1.0, 2.0, 3.0], [2, 2, 2]), [0, 2]),
    "reduce_sum repeated index": lambda L: L.sparse.reduce_sum(
        S(L, [[0, 1], [0, 1]], [2.0, 1.0], [3, 4]), 0),
    "reduce_sum int": lambda L: L.sparse.reduce_sum(S(L, [[0, 1]], [2], [2, 2]), 1),
    "reduce_sum bad axis": lambda L: L.sparse.reduce_sum(a(L), 2),
    "reduce_sum strings": lambda L: L.sparse.reduce_sum(L.SparseTensor([[0, 1]], ["a"],
                                                                       [2, 2]), 1),
    "reduce_max": lambda L: L.sparse.reduce_max(a(L)),
    "reduce_max 0": lambda L: L.sparse.reduce_max(a(L), 0),
    "reduce_max 1": lambda L: L.sparse.reduce_max(
        S(L, [[0, 1], [2, 0], [2, 3]], [-1.0, -4.0, 2.0], [3, 4]), 1),
    "reduce_max sparse": lambda L: L.sparse.reduce_max(
        S(L, [[0, 1], [2, 0], [2, 3]], [-1.0, -4.0, 2.0], [3, 4]), 1, output_is_sparse=True),
    "reduce_max int": lambda L: L.sparse.reduce_max(S(L, [[0, 1]], [-2], [2, 2]), 1),
    "reduce_max uint8": lambda L: L.sparse.reduce_max(S(L, [[0, 1]], [2], [2, 2], "uint8"),
                                                      1),
    "reduce_max nan": lambda L: L.sparse.reduce_max(
        S(L, [[0, 0], [0, 1]], [np.nan, 1.0], [2, 2]), 1),
    "reduce_max empty": lambda L: L.sparse.reduce_max(
        L.SparseTensor(np.zeros([0, 2], np.int64), L.zeros([0]), [2, 2])),
    "reduce_max empty sparse": lambda L: L.sparse.reduce_max(
        L.SparseTensor(np.zeros([0, 2], np.int64), L.zeros([0]), [2, 2]), 1,
        output_is_sparse=True),
    "reduce_max bool": lambda L: L.sparse.reduce_max(L.SparseTensor([[0, 1]], [True], [2, 2]),
                                                     1),
    "softmax": lambda L: L.sparse.softmax(S(L, [[0, 0], [0, 2], [1, 1], [2, 0], [2, 1],
                                                [2, 3]], [1.0, 2.0, 3.0, -1.0, 0.0, 1.0],
                                            [3, 4])),
    "softmax 3d": lambda L: L.sparse.softmax(S(L, [[0, 0, 0], [0, 0, 2], [0, 1, 0],
                                                   [1, 1, 1]], [1.0, 2.0, 4.0, 3.0],
                                               [2, 2, 3])),
    "softmax float64": lambda L: L.sparse.softmax(S(L, [[0, 0], [0, 3]], [1.0, 5.0], [3, 4],
                                                    "float64")),
    "softmax rank 1": lambda L: L.sparse.softmax(S(L, [[0], [2]], [1.0, 2.0], [4])),
    "softmax int": lambda L: L.sparse.softmax(S(L, [[0, 0]], [1], [3, 4])),
    "map_values": lambda L: L.sparse.map_values(L.math.square, a(L)),
    "map_values two": lambda L: L.sparse.map_values(L.add, a(L), a(L)),
    "map_values scalar": lambda L: L.sparse.map_values(L.add, a(L), 5.0),
    "map_values kwargs": lambda L: L.sparse.map_values(L.add, x=a(L), y=5.0),
    "map_values nested": lambda L: L.sparse.map_values(lambda d: d["k"] * 2, {"k": a(L)}),
    "map_values mismatched indices": lambda L: L.sparse.map_values(L.add, a(L), b(L)),
    "map_values mismatched shapes": lambda L: L.sparse.map_values(
        L.add, a(L), S(L, A_IDX, A_VALS, [3, 5])),
    "map_values no sparse": lambda L: L.sparse.map_values(L.add, 1.0, 2.0),
    "map_values changes shape": lambda L: L.sparse.map_values(lambda v: L.concat([v, v], 0),
                                                              a(L)),
    # ---- segments
    "segment_sum": lambda L: L.sparse.segment_sum(D(L), [0, 1, 3], [0, 0, 1]),
    "segment_sum gap": lambda L: L.sparse.segment_sum(D(L), [0, 1, 3], [0, 0, 2]),
    "segment_sum num_segments": lambda L: L.sparse.segment_sum(D(L), [0, 1, 3], [0, 0, 1],
                                                               num_segments=4),
    "segment_sum int64 ids": lambda L: L.sparse.segment_sum(
        D(L), L.constant([0, 1, 3], L.int64), L.constant([0, 0, 1], L.int64)),
    "segment_sum 1d": lambda L: L.sparse.segment_sum(L.constant([1.0, 2.0, 3.0]),
                                                     [0, 2, 2], [0, 1, 1]),
    "segment_sum int data": lambda L: L.sparse.segment_sum(L.constant([[1, 2], [3, 4]]),
                                                           [0, 1], [0, 0]),
    "segment_sum 3d": lambda L: L.sparse.segment_sum(L.ones([3, 2, 2]), [0, 2], [0, 0]),
    "segment_sum empty": lambda L: L.sparse.segment_sum(D(L), L.zeros([0], L.int32),
                                                        L.zeros([0], L.int32)),
    "segment_sum unsorted": lambda L: L.sparse.segment_sum(D(L), [0, 1, 3], [1, 0, 0]),
    "segment_sum index out of range": lambda L: L.sparse.segment_sum(D(L), [0, 1, 7],
                                                                     [0, 0, 1]),
    "segment_sum negative index": lambda L: L.sparse.segment_sum(D(L), [0, 1, -1],
                                                                 [0, 0, 1]),
    "segment_sum size mismatch": lambda L: L.sparse.segment_sum(D(L), [0, 1], [0, 0, 1]),
    "segment_sum too few segments": lambda L: L.sparse.segment_sum(
        D(L), [0, 1, 3], [0, 0, 2], num_segments=2),
    "segment_sum float ids": lambda L: L.sparse.segment_sum(D(L), [0.0, 1.0], [0, 0]),
    "segment_sum 2d ids": lambda L: L.sparse.segment_sum(D(L), [[0, 1]], [[0, 0]]),
    "segment_mean": lambda L: L.sparse.segment_mean(D(L), [0, 1, 3], [0, 0, 2]),
    "segment_mean float64": lambda L: L.sparse.segment_mean(L.ones([3, 2], L.float64),
                                                            [0, 1], [0, 0]),
    "segment_mean int": lambda L: L.sparse.segment_mean(L.constant([[1, 2], [3, 4]]),
                                                        [0, 1], [0, 0]),
    "segment_sqrt_n": lambda L: L.sparse.segment_sqrt_n(D(L), [0, 1, 3], [0, 0, 2]),
    "segment_sqrt_n num_segments": lambda L: L.sparse.segment_sqrt_n(
        D(L), [0, 2, 2, 3], [0, 0, 0, 1], num_segments=3),
    # ---- counting, crossing
    "bincount": lambda L: L.sparse.bincount(BC(L)),
    "bincount axis -1": lambda L: L.sparse.bincount(BC(L), axis=-1),
    "bincount dense": lambda L: L.sparse.bincount(L.constant([[1, 2], [2, 5]])),
    "bincount dense axis -1": lambda L: L.sparse.bincount(L.constant([[1, 2], [2, 5]]),
                                                          axis=-1),
    "bincount weights": lambda L: L.sparse.bincount(
        BC(L), weights=S(L, [[0, 0], [0, 2], [1, 1], [1, 3]], [0.5, 0.5, 1.0, 2.0], [2, 4]),
        axis=-1),
    "bincount dense weights": lambda L: L.sparse.bincount(
        L.constant([1, 1, 3]), weights=L.constant([0.5, 0.25, 2.0])),
    "bincount binary": lambda L: L.sparse.bincount(L.constant([[1, 1, 2]]), axis=-1,
                                                   binary_output=True),
    "bincount minlength": lambda L: L.sparse.bincount(BC(L), minlength=8),
    "bincount maxlength": lambda L: L.sparse.bincount(BC(L), maxlength=3),
    "bincount min above max": lambda L: L.sparse.bincount(L.constant([1, 7]), minlength=6,
                                                          maxlength=5),
    "bincount empty": lambda L: L.sparse.bincount(L.constant([], L.int32)),
    "bincount int64": lambda L: L.sparse.bincount(S(L, [[0]], [3], [2], "int64")),
    "bincount negative": lambda L: L.sparse.bincount(L.constant([-1, 2])),
    "bincount floats": lambda L: L.sparse.bincount(L.constant([1.0])),
    "bincount weights and binary": lambda L: L.sparse.bincount(
        L.constant([1]), weights=L.constant([1.0]), binary_output=True),
    "cross": lambda L: L.sparse.cross([L.SparseTensor([[0, 0], [1, 0], [1, 1]],
                                                      ["a", "b", "c"], [2, 2]),
                                       L.constant([["d"], ["e"]])]),
    "cross three": lambda L: L.sparse.cross([L.constant([["a", "b"]]),
                                             L.constant([["c", "d"]]),
                                             L.constant([["e", "f"]])]),
    "cross separator ints": lambda L: L.sparse.cross([L.constant([[1, 2]]),
                                                      L.constant([["d"]])], separator="-"),
    "cross empty row": lambda L: L.sparse.cross([L.SparseTensor([[0, 0]], ["a"], [2, 1]),
                                                 L.constant([["d"], ["e"]])]),
    "cross 1d": lambda L: L.sparse.cross([L.constant(["a", "b"]), L.constant(["c", "d"])]),
    "cross batch mismatch": lambda L: L.sparse.cross([L.constant([["a"], ["b"]]),
                                                      L.constant([["c"]])]),
    "cross_hashed": lambda L: L.sparse.cross_hashed(
        [L.SparseTensor([[0, 0], [1, 0], [1, 1]], ["a", "b", "c"], [2, 2]),
         L.constant([["d"], ["e"]])], num_buckets=100),
    "cross_hashed no buckets": lambda L: L.sparse.cross_hashed(
        [L.constant([["a", "b"]]), L.constant([["c", "d"]])]),
    "cross_hashed ints": lambda L: L.sparse.cross_hashed(
        [L.constant([[1, -2]], L.int64), L.constant([["c"]])]),
    "cross_hashed key": lambda L: L.sparse.cross_hashed(
        [L.constant([["a"]]), L.constant([["c"]])], num_buckets=1000, hash_key=7),
}


def D(L):
    return L.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]])


def BC(L):
    return S(L, [[0, 0], [0, 2], [1, 1], [1, 3]], [1, 2, 2, 5], [2, 4])


@pytest.mark.parametrize("name", sorted(CASES))
def test_case_matches_tensorflow(name):
    check(CASES[name], name)


def test_harness_detects_a_difference():
    with pytest.raises(AssertionError):
        compare(nd.SparseTensor([[0, 1]], [1.0], [3, 4]),
                tf_ref.SparseTensor([[0, 2]], [1.0], [3, 4]))
    with pytest.raises(AssertionError):
        compare(nd.SparseTensor([[0, 1]], [1.0], [3, 4]),
                tf_ref.SparseTensor([[0, 1]], [1.0], [3, 5]))
    with pytest.raises(AssertionError):
        check(lambda L: L.constant(1.0) if L is nd else L.constant(1), "dtype")


# ---- gradients ---------------------------------------------------------------------------

def _weights(shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


def _grads(L, fn, values, dense):
    v = L.Variable(np.asarray(values, np.float32))
    d = None if dense is None else L.Variable(np.asarray(dense, np.float32))
    with L.GradientTape() as tape:
        out = fn(L, v, d)
        if isinstance(out, (TF_SPARSE, ND_SPARSE)):
            out = out.values
        y = L.reduce_sum(out * _weights(tuple(out.shape)))
    srcs = [v] + ([d] if d is not None else [])
    return [None if g is None else np.asarray(L.convert_to_tensor(g).numpy())
            for g in tape.gradient(y, srcs)]


GRAD_CASES = {
    "sparse_dense_matmul": (lambda L, v, d: L.sparse.sparse_dense_matmul(
        L.SparseTensor(A_IDX, v, A_SHAPE), d), A_VALS, np.arange(8.0).reshape(4, 2)),
    "sparse_dense_matmul adjoints": (lambda L, v, d: L.sparse.sparse_dense_matmul(
        L.SparseTensor(A_IDX, v, A_SHAPE), d, adjoint_a=True, adjoint_b=True),
        A_VALS, np.arange(6.0).reshape(2, 3)),
    "sparse_dense_matmul dense a": (lambda L, v, d: L.sparse.sparse_dense_matmul(
        d, L.SparseTensor(A_IDX, v, A_SHAPE)), A_VALS, np.arange(6.0).reshape(2, 3) - 2),
    "to_dense": (lambda L, v, d: L.sparse.to_dense(L.SparseTensor(A_IDX, v, A_SHAPE)),
                 A_VALS, None),
    "to_dense default": (lambda L, v, d: L.sparse.to_dense(
        L.SparseTensor(A_IDX, v, A_SHAPE), default_value=L.reshape(d, [])), A_VALS, [2.0]),
    "reduce_sum": (lambda L, v, d: L.sparse.reduce_sum(L.SparseTensor(A_IDX, v, A_SHAPE), 1),
                   A_VALS, None),
    "reduce_sum all": (lambda L, v, d: L.sparse.reduce_sum(L.SparseTensor(A_IDX, v, A_SHAPE)),
                       A_VALS, None),
    "add sparse sparse": (lambda L, v, d: L.sparse.add(
        L.SparseTensor(A_IDX, v, A_SHAPE), L.SparseTensor(B_IDX, L.reshape(d, [3]), A_SHAPE)),
        A_VALS, B_VALS),
    "add threshold": (lambda L, v, d: L.sparse.add(
        L.SparseTensor(A_IDX, v, A_SHAPE), L.SparseTensor([[0, 1]], L.reshape(d, [1]),
                                                          A_SHAPE), threshold=0.5),
        A_VALS, [-1.2]),
    "add sparse dense": (lambda L, v, d: L.sparse.add(L.SparseTensor(A_IDX, v, A_SHAPE), d),
                         A_VALS, np.ones((3, 4))),
    "mul dense": (lambda L, v, d: L.SparseTensor(A_IDX, v, A_SHAPE) * d, A_VALS,
                  np.arange(1.0, 5.0)),
    "div dense": (lambda L, v, d: L.SparseTensor(A_IDX, v, A_SHAPE) / d, A_VALS,
                  np.arange(1.0, 13.0).reshape(3, 4)),
    "softmax": (lambda L, v, d: L.sparse.softmax(
        L.SparseTensor([[0, 0], [0, 2], [1, 1], [2, 0], [2, 3]], v, [3, 4])),
        [1.0, 2.0, 3.0, -1.0, 0.5], None),
    "slice": (lambda L, v, d: L.sparse.slice(L.SparseTensor(A_IDX, v, A_SHAPE), [1, 0],
                                             [2, 4]), A_VALS, None),
    "reshape": (lambda L, v, d: L.sparse.reshape(L.SparseTensor(A_IDX, v, A_SHAPE), [2, 6]),
                A_VALS, None),
    "transpose": (lambda L, v, d: L.sparse.transpose(L.SparseTensor(A_IDX, v, A_SHAPE)),
                  A_VALS, None),
    "reorder": (lambda L, v, d: L.sparse.reorder(L.SparseTensor(UNSORTED, v, A_SHAPE)),
                A_VALS, None),
    "fill_empty_rows": (lambda L, v, d: L.sparse.fill_empty_rows(
        L.SparseTensor([[0, 1], [0, 2], [2, 0]], v, [4, 4]), L.reshape(d, []))[0],
        A_VALS, [-1.0]),
    "retain": (lambda L, v, d: L.sparse.retain(L.SparseTensor(A_IDX, v, A_SHAPE),
                                               [True, False, True]), A_VALS, None),
    "expand_dims": (lambda L, v, d: L.sparse.expand_dims(L.SparseTensor(A_IDX, v, A_SHAPE),
                                                         0), A_VALS, None),
    "map_values": (lambda L, v, d: L.sparse.map_values(L.math.square,
                                                       L.SparseTensor(A_IDX, v, A_SHAPE)),
                   A_VALS, None),
    "from_dense": (lambda L, v, d: L.sparse.from_dense(d * L.reduce_sum(v)), [1.0],
                   [[0.0, 1.0], [2.0, 0.0]]),
    "segment_sum": (lambda L, v, d: L.sparse.segment_sum(d, [0, 2, 2], [0, 0, 1]),
                    [0.0], [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]),
    "segment_mean": (lambda L, v, d: L.sparse.segment_mean(d, [0, 2, 2], [0, 0, 2]),
                     [0.0], [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]),
    "segment_sqrt_n": (lambda L, v, d: L.sparse.segment_sqrt_n(d, [0, 1, 2], [0, 0, 0]),
                       [0.0], [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]),
}


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_gradient_matches_tensorflow(name):
    fn, values, dense = GRAD_CASES[name]
    got = _grads(nd, fn, values, dense)
    want = _grads(tf_ref, fn, values, dense)
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want)):
        if w is None:
            assert g is None or not np.any(g), "%s[%d]: TF has no gradient" % (name, i)
            continue
        assert g is not None, "%s[%d]: TF has a gradient, ndflow None" % (name, i)
        assert_close(g, w, rtol=2e-4, atol=2e-5, what="%s grad %d" % (name, i))


def test_reduce_max_has_no_gradient_in_either():
    for L in (nd, tf_ref):
        v = L.Variable([1.0, 2.0, 3.0])
        with L.GradientTape() as tape:
            y = L.reduce_sum(L.sparse.reduce_max(L.SparseTensor(A_IDX, v, A_SHAPE), 1))
        try:
            g = tape.gradient(y, v)
        except LookupError:   # TF: no gradient registered
            g = None
        assert g is None


# ---- tf.io parsing -------------------------------------------------------------------------

def _example(L, **features):
    T = L.train
    out = {}
    for k, v in features.items():
        if v and isinstance(v[0], bytes):
            out[k] = T.Feature(bytes_list=T.BytesList(value=v))
        elif v and isinstance(v[0], float):
            out[k] = T.Feature(float_list=T.FloatList(value=v))
        else:
            out[k] = T.Feature(int64_list=T.Int64List(value=v))
    return T.Example(features=T.Features(feature=out)).SerializeToString()


def _records(L):
    return [_example(L, v=[1, 2, 3], s=[b"a", b"bb"], f=[0.5]),
            _example(L, v=[4], f=[1.5, 2.5]), _example(L, q=[1])]


def _spec(L):
    return {"v": L.io.VarLenFeature(L.int64), "s": L.io.VarLenFeature(L.string),
            "f": L.io.VarLenFeature(L.float32), "q": L.io.FixedLenFeature([], L.int64,
                                                                         default_value=0)}


def _sequence(L):
    T = L.train
    ints = lambda v: T.Feature(int64_list=T.Int64List(value=v))  # noqa: E731
    return T.SequenceExample(
        context=T.Features(feature={"c": ints([7, 8])}),
        feature_lists=T.FeatureLists(feature_list={"tok": T.FeatureList(
            feature=[ints([1, 2]), ints([]), ints([3])])})).SerializeToString()


PARSE_CASES = {
    "parse_single_example": lambda L: L.io.parse_single_example(_records(L)[0], _spec(L)),
    "parse_single_example missing": lambda L: L.io.parse_single_example(_records(L)[2],
                                                                        _spec(L)),
    "parse_example": lambda L: L.io.parse_example(_records(L), _spec(L)),
    "parse_example scalar": lambda L: L.io.parse_example(_records(L)[1], _spec(L)),
    "parse_example empty batch": lambda L: L.io.parse_example(L.constant([], L.string),
                                                              _spec(L)),
    "parse_example then to_dense": lambda L: L.sparse.to_dense(
        L.io.parse_example(_records(L), _spec(L))["v"], default_value=-1),
    "parse_single_sequence_example": lambda L: L.io.parse_single_sequence_example(
        _sequence(L), context_features={"c": L.io.VarLenFeature(L.int64),
                                        "m": L.io.VarLenFeature(L.float32)},
        sequence_features={"tok": L.io.VarLenFeature(L.int64),
                           "gone": L.io.VarLenFeature(L.string)}),
}


@pytest.mark.parametrize("name", sorted(PARSE_CASES))
def test_parsing_matches_tensorflow(name):
    check(PARSE_CASES[name], name)
