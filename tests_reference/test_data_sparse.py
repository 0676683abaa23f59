"""tf.data with SparseTensor elements, and traced element specs: ndflow against the real
TensorFlow.

Every case is one function of the library module (``nd`` or ``tf_ref``) that builds a
dataset; both libraries run it and the element specs (printed form) and every element
(indices, values, dense_shape of SparseTensors; arrays of dense tensors) are compared.
Where TensorFlow raises, ndflow must raise an error of the same kind.
"""
import numpy as np
import pytest

import ndflow as nd
import tensorflow as tf_ref


def _spec_str(spec):
    """A library-neutral description of an element spec."""
    if isinstance(spec, tuple):
        return "(" + ", ".join(_spec_str(s) for s in spec) + ")"
    if isinstance(spec, dict):
        return "{" + ", ".join("%s: %s" % (k, _spec_str(spec[k])) for k in sorted(spec)) + "}"
    kind = type(spec).__name__
    shape = spec.shape
    dims = None if shape.rank is None else [d for d in shape.as_list()]
    return "%s(%s, %s)" % (kind, dims, spec.dtype.name)


def _arr(t):
    v = np.asarray(t.numpy())
    if v.dtype == object or v.dtype.kind in "US":
        v = np.array([s.encode() if isinstance(s, str) else bytes(s) for s in v.ravel()],
                     dtype=object).reshape(v.shape)
    return v


def _value(e):
    if isinstance(e, tuple):
        return tuple(_value(v) for v in e)
    if isinstance(e, dict):
        return {k: _value(v) for k, v in e.items()}
    if isinstance(e, (nd.SparseTensor, tf_ref.SparseTensor)):
        return ("sparse", _arr(e.indices).tolist(), _arr(e.values).tolist(),
                _arr(e.dense_shape).tolist(), e.values.dtype.name)
    v = _arr(e)
    return ("dense", v.tolist(), str(v.dtype))


def _run(lib, build):
    ds = build(lib)
    return _spec_str(ds.element_spec), [_value(e) for e in ds]


def _sp(lib):
    return lib.SparseTensor(indices=[[0, 0], [1, 2], [2, 1], [2, 3]],
                            values=[1.0, 2.0, 3.0, 4.0], dense_shape=[3, 4])


def _example(lib, vals):
    f = lib.train.Feature(int64_list=lib.train.Int64List(value=vals))
    return lib.train.Example(features=lib.train.Features(feature={"v": f})
                             ).SerializeToString()


def _records(lib):
    return lib.data.Dataset.from_tensor_slices(
        [_example(lib, [1, 2]), _example(lib, [3]), _example(lib, [4, 5, 6]),
         _example(lib, [])])


def _mk_sparse(lib, i):
    # a 1 x i SparseTensor holding 1..i (int64)
    n = lib.cast(i, lib.int64)
    cols = lib.range(n, dtype=lib.int64)
    idx = lib.stack([lib.zeros_like(cols), cols], axis=1)
    return lib.SparseTensor(idx, cols + 1, lib.stack([lib.constant(1, lib.int64), n]))


CASES = {
    "slices": lambda lib: lib.data.Dataset.from_tensor_slices(_sp(lib)),
    "slices_batch": lambda lib: lib.data.Dataset.from_tensor_slices(_sp(lib)).batch(2),
    "slices_batch_drop": lambda lib: lib.data.Dataset.from_tensor_slices(_sp(lib)).batch(
        2, drop_remainder=True),
    "batch_unbatch": lambda lib: lib.data.Dataset.from_tensor_slices(_sp(lib)).batch(
        2).unbatch(),
    "slices_tuple_batch": lambda lib: lib.data.Dataset.from_tensor_slices(
        (_sp(lib), lib.constant([1, 2, 3]))).batch(3),
    "shuffle_batch": lambda lib: lib.data.Dataset.from_tensor_slices(_sp(lib)).shuffle(
        1).batch(3),
    "from_tensors": lambda lib: lib.data.Dataset.from_tensors(_sp(lib)),
    "rebatch": lambda lib: lib.data.Dataset.from_tensor_slices(_sp(lib)).batch(2).rebatch(3),
    "zip_batch": lambda lib: lib.data.Dataset.zip(
        (lib.data.Dataset.from_tensor_slices(_sp(lib)), lib.data.Dataset.range(3))).batch(2),
    "map_sparse_batch": lambda lib: lib.data.Dataset.range(1, 4).map(
        lambda i: _mk_sparse(lib, i)).batch(2),
    "map_sparse_values": lambda lib: lib.data.Dataset.from_tensor_slices(_sp(lib)).map(
        lambda s: s.values * 2.0),
    "parse_example": lambda lib: _records(lib).batch(2).map(
        lambda b: lib.io.parse_example(b, {"v": lib.io.VarLenFeature(lib.int64)})),
    "parse_example_unbatch": lambda lib: _records(lib).batch(2).map(
        lambda b: lib.io.parse_example(b, {"v": lib.io.VarLenFeature(lib.int64)})).unbatch(),
    "parse_single_batch": lambda lib: _records(lib).map(
        lambda r: lib.io.parse_single_example(r, {"v": lib.io.VarLenFeature(lib.int64)})
    ).batch(3),
    "strings_split": lambda lib: lib.data.Dataset.from_tensor_slices(
        ["a b c", "b c", "a"]).map(lambda x: lib.strings.split(x)),
    "strings_split_batch": lambda lib: lib.data.Dataset.from_tensor_slices(
        ["a b c", "b c", "a", "c c c c"]).map(lambda x: lib.strings.split(x)).padded_batch(2),
    "strings_split_padded_drop": lambda lib: lib.data.Dataset.from_tensor_slices(
        ["a b c", "b c", "a"]).map(lambda x: lib.strings.length(lib.strings.split(x))
                                   ).padded_batch(2, drop_remainder=True),
    "split_and_length": lambda lib: lib.data.Dataset.from_tensor_slices(
        ["a b c", "b c"]).map(lambda x: (lib.strings.split(x), lib.strings.length(x))),
    "flat_map_spec": lambda lib: lib.data.Dataset.from_tensor_slices(["a b c", "b c"]).flat_map(
        lambda x: lib.data.Dataset.from_tensors(lib.strings.split(x))),
    "interleave_spec": lambda lib: lib.data.Dataset.from_tensor_slices(
        ["a b c", "b c"]).interleave(
        lambda x: lib.data.Dataset.from_tensors(lib.strings.split(x)), cycle_length=2),
    "scan_spec": lambda lib: lib.data.Dataset.from_tensor_slices(["a b c", "b c"]).scan(
        lib.constant(0, lib.int64), lambda st, x: (st + 1, lib.strings.split(x))),
    "map_fixed_shape": lambda lib: lib.data.Dataset.range(4).map(
        lambda i: lib.fill([3], i)).batch(2),
    "batched_map": lambda lib: lib.data.Dataset.range(5).batch(2).map(lambda x: x * 2),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_spec_and_elements(name):
    want = _run(tf_ref, CASES[name])
    got = _run(nd, CASES[name])
    assert got[0] == want[0], "element_spec: ndflow %s, TensorFlow %s" % (got[0], want[0])
    assert got[1] == want[1]


def test_sparse_spec_class():
    for lib in (nd, tf_ref):
        s = lib.SparseTensorSpec([2, 3], lib.float32)
        assert s == lib.SparseTensorSpec([2, 3])
        assert hash(s) == hash(lib.SparseTensorSpec([2, 3], lib.float32))
        assert s.is_compatible_with(lib.SparseTensorSpec([None, 3]))
        assert not s.is_compatible_with(lib.SparseTensorSpec([2, 3], lib.int32))
        assert s != lib.TensorSpec([2, 3])
        assert _spec_str(lib.SparseTensorSpec.from_value(_sp(lib))) == \
            "SparseTensorSpec([3, 4], float32)"
        assert _spec_str(lib.SparseTensorSpec()) == "SparseTensorSpec(None, float32)"
    assert repr(nd.SparseTensorSpec([None, 4], nd.int64)) == repr(
        tf_ref.SparseTensorSpec([None, 4], tf_ref.int64))


def test_as_numpy_iterator_gives_dense():
    want = list(tf_ref.data.Dataset.from_tensor_slices(_sp(tf_ref)).as_numpy_iterator())
    got = list(nd.data.Dataset.from_tensor_slices(_sp(nd)).as_numpy_iterator())
    assert [g.tolist() for g in got] == [w.tolist() for w in want]


def _gen(lib):
    def g():
        yield lib.SparseTensor([[0]], [1.0], [3])
        yield lib.SparseTensor([[1], [4]], [2.0, 3.0], [5])
    return lib.data.Dataset.from_generator(
        g, output_signature=lib.SparseTensorSpec([None], lib.float32)).batch(2)


def test_from_generator_sparse_signature():
    assert _run(nd, _gen) == _run(tf_ref, _gen)


@pytest.mark.parametrize("build", [
    lambda lib: lib.data.Dataset.from_tensor_slices(_sp(lib)).padded_batch(2),
    lambda lib: lib.data.Dataset.from_tensor_slices(_sp(lib)).concatenate(
        lib.data.Dataset.range(3)),
])
def test_raises_type_error_like_tf(build):
    with pytest.raises(TypeError):
        build(tf_ref)
    with pytest.raises(TypeError):
        build(nd)


def test_unordered_indices_raise_like_tf():
    def build(lib):
        sp = lib.SparseTensor([[2, 0], [0, 1], [0, 0]], [1, 2, 3], [3, 2])
        return list(lib.data.Dataset.from_tensor_slices(sp))
    with pytest.raises(tf_ref.errors.InvalidArgumentError):
        build(tf_ref)
    with pytest.raises(nd.errors.InvalidArgumentError):
        build(nd)
