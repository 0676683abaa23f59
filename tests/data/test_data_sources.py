"""tf.data sources: from_tensor_slices, from_tensors, from_generator, range, zip,
concatenate; element_spec, cardinality and len()."""
import collections

import numpy as np
import pytest

import ndflow as tf
from ndflow.data import Dataset, TensorSpec


def np_list(ds):
    return list(ds.as_numpy_iterator())


def test_import_alias_and_constants():
    assert tf.data.Dataset is Dataset
    assert tf.data.AUTOTUNE == tf.data.experimental.AUTOTUNE == -1
    assert tf.data.INFINITE_CARDINALITY == -1 and tf.data.UNKNOWN_CARDINALITY == -2


def test_from_tensor_slices_keeps_numpy_dtypes_and_yields_tensors():
    x = np.random.RandomState(0).randn(5, 3)          # float64
    y = np.arange(5, dtype=np.int64)
    ds = Dataset.from_tensor_slices((x, y))
    elems = list(ds)
    assert len(elems) == 5
    xe, ye = elems[2]
    assert isinstance(xe, tf.Tensor) and isinstance(ye, tf.Tensor)
    assert xe.dtype == tf.float64 and ye.dtype == tf.int64
    np.testing.assert_array_equal(xe.numpy(), x[2])
    assert ye.numpy() == 2 and ye.shape == ()
    assert ds.element_spec == (TensorSpec((3,), tf.float64), TensorSpec((), tf.int64))


def test_from_tensor_slices_python_lists_use_tf_default_dtypes():
    ds = Dataset.from_tensor_slices([1.5, 2.5])
    assert ds.element_spec == TensorSpec((), tf.float32)
    ds = Dataset.from_tensor_slices([[1, 2], [3, 4]])  # a list is one tensor, not a tuple
    assert ds.element_spec == TensorSpec((2,), tf.int32)
    assert [e.tolist() for e in np_list(ds)] == [[1, 2], [3, 4]]


def test_from_tensor_slices_dicts_tensors_and_nesting():
    Point = collections.namedtuple("Point", "a b")
    ds = Dataset.from_tensor_slices({"img": tf.ones((4, 2, 2)),
                                     "meta": (np.arange(4), Point(np.zeros(4), np.ones(4)))})
    e = next(iter(ds))
    assert set(e) == {"img", "meta"}
    assert e["img"].shape == (2, 2) and e["img"].dtype == tf.float32
    assert isinstance(e["meta"][1], Point) and float(e["meta"][1].b) == 1.0
    assert len(ds) == 4


def test_from_tensor_slices_strings():
    ds = Dataset.from_tensor_slices(np.array(["a", "bb", "ccc"]))
    assert ds.element_spec.dtype == tf.string
    assert [str(s) for s in np_list(ds)] == ["a", "bb", "ccc"]


def test_from_tensor_slices_errors():
    with pytest.raises(ValueError, match="same size in their first dimension"):
        Dataset.from_tensor_slices((np.zeros((4, 2)), np.zeros(5)))
    with pytest.raises(ValueError, match="at least one dimension"):
        Dataset.from_tensor_slices(np.float32(3))


def test_from_tensors_is_one_element():
    ds = Dataset.from_tensors(([1, 2, 3], 7))
    assert len(ds) == 1
    (a, b), = np_list(ds)
    assert a.tolist() == [1, 2, 3] and b == 7
    assert ds.element_spec == (TensorSpec((3,), tf.int32), TensorSpec((), tf.int32))


def test_range_forms_and_dtype():
    assert np_list(Dataset.range(4)) == [0, 1, 2, 3]
    assert np_list(Dataset.range(2, 8, 3)) == [2, 5]
    assert np_list(Dataset.range(5, 1, -2)) == [5, 3]
    ds = Dataset.range(3)
    assert ds.element_spec == TensorSpec((), tf.int64) and len(ds) == 3
    assert next(iter(ds)).dtype == tf.int64
    assert next(iter(Dataset.range(3, output_type=tf.int32))).dtype == tf.int32


def test_from_generator_with_output_signature_converts_dtypes():
    def gen():
        for i in range(3):
            yield [float(i)] * (i + 1), i

    ds = Dataset.from_generator(gen, output_signature=(
        TensorSpec(shape=(None,), dtype=tf.float32), TensorSpec(shape=(), dtype=tf.int64)))
    out = list(ds)
    assert [x.shape[0] for x, _ in out] == [1, 2, 3]
    assert out[0][0].dtype == tf.float32 and out[0][1].dtype == tf.int64
    assert ds.cardinality() == tf.data.UNKNOWN_CARDINALITY
    with pytest.raises(TypeError, match="length is unknown"):
        len(ds)
    # a generator is called afresh each time the dataset is iterated
    assert len(list(ds)) == 3


def test_from_generator_output_types_and_shapes_and_args():
    def gen(n):
        for i in range(n):
            yield {"x": np.full(2, i), "y": i % 2}

    ds = Dataset.from_generator(gen, output_types={"x": tf.float64, "y": tf.int32},
                                output_shapes={"x": (2,), "y": ()}, args=(4,))
    out = np_list(ds)
    assert len(out) == 4 and out[3]["x"].dtype == np.float64
    assert ds.element_spec["x"] == TensorSpec((2,), tf.float64)


def test_from_generator_shape_mismatch_names_the_shapes():
    def gen():
        yield np.zeros(3)

    ds = Dataset.from_generator(gen, output_signature=TensorSpec((2,), tf.float32))
    with pytest.raises(ValueError, match=r"shape \(3,\).*\(2,\)"):
        list(ds)
    with pytest.raises(TypeError, match="output_signature"):
        Dataset.from_generator(gen)


def test_generator_that_ends_early_gives_partial_batch_and_repeats():
    calls = []

    def gen():
        calls.append(1)
        for i in range(5):        # fewer elements than a batch of 4 twice
            yield i

    ds = Dataset.from_generator(gen, output_signature=TensorSpec((), tf.int64))
    batches = [b.tolist() for b in ds.batch(4).as_numpy_iterator()]
    assert batches == [[0, 1, 2, 3], [4]]
    assert np_list(ds.repeat(2)) == [0, 1, 2, 3, 4] * 2
    assert len(calls) == 3


def test_generator_exception_propagates():
    def gen():
        yield 1
        raise RuntimeError("disk on fire")

    ds = Dataset.from_generator(gen, output_signature=TensorSpec((), tf.int32))
    with pytest.raises(RuntimeError, match="disk on fire"):
        list(ds)


def test_zip_and_cardinality():
    a, b = Dataset.range(5), Dataset.range(10, 13)
    z = Dataset.zip((a, b))
    assert np_list(z) == [(0, 10), (1, 11), (2, 12)] and len(z) == 3
    z2 = Dataset.zip(a, {"k": b})  # varargs and nested structures
    assert np_list(z2)[1] == (1, {"k": 11})
    assert len(Dataset.zip((a, b.repeat()))) == 5
    assert Dataset.zip((a.repeat(), b.repeat())).cardinality() == -1


def test_concatenate():
    ds = Dataset.range(3).concatenate(Dataset.range(10, 12))
    assert np_list(ds) == [0, 1, 2, 10, 11] and len(ds) == 5
    x = Dataset.from_tensor_slices(np.zeros((2, 3))).concatenate(
        Dataset.from_tensor_slices(np.zeros((2, 4))))
    assert x.element_spec.shape.as_list() == [None]
    with pytest.raises(TypeError, match="different element types"):
        Dataset.range(3).concatenate(Dataset.from_tensor_slices(np.zeros(3)))


def test_len_of_infinite_dataset_is_type_error_and_bool_is_true():
    ds = Dataset.range(3).repeat()
    with pytest.raises(TypeError, match="infinite"):
        len(ds)
    assert bool(Dataset.range(0))
    assert tf.data.experimental.cardinality(ds).numpy() == tf.data.INFINITE_CARDINALITY
    assert Dataset.range(7).cardinality().dtype == tf.int64


def test_tensor_spec_basics():
    s = TensorSpec([None, 3], tf.float32, name="x")
    assert s.shape.as_list() == [None, 3] and s.dtype == tf.float32 and s.name == "x"
    assert s.is_compatible_with(TensorSpec([5, 3], tf.float32))
    assert not s.is_compatible_with(TensorSpec([5, 4], tf.float32))
    assert s.is_compatible_with(np.zeros((2, 3), np.float32))
    assert "TensorSpec(shape=(None, 3), dtype=tf.float32" in repr(s)
    assert TensorSpec.from_tensor(tf.convert_to_tensor([1, 2])) == TensorSpec([2], tf.int32)


def test_iterator_protocol_and_reiteration():
    ds = Dataset.range(3)
    it = iter(ds)
    assert it.get_next().numpy() == 0 and next(it).numpy() == 1
    assert it.element_spec == ds.element_spec
    assert [int(v) for v in ds] == [0, 1, 2]  # a fresh pass
    assert [int(v) for v in it] == [2]


def test_options_are_kept_and_harmless():
    opts = tf.data.Options()
    opts.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF
    opts.threading.private_threadpool_size = 2
    base = Dataset.range(4)
    ds = base.with_options(opts)
    assert ds is not base and base.options().threading.private_threadpool_size is None
    assert ds.options().experimental_distribute.auto_shard_policy == -1
    assert [int(v) for v in ds.batch(2).unbatch()] == [0, 1, 2, 3]


def test_pandas_objects_slice_like_arrays():
    import pandas as pd
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [4, 5, 6]})
    rows = list(Dataset.from_tensor_slices(frame.values).as_numpy_iterator())
    assert rows[1].tolist() == [2.0, 5.0]
    cols = next(iter(Dataset.from_tensor_slices((dict(frame), frame["b"]))))
    assert cols[0]["a"].dtype == tf.float64 and cols[0]["b"].dtype == tf.int64
    assert int(cols[1]) == 4


def test_experimental_counter_is_dataset_counter():
    c = tf.data.experimental.Counter()
    assert np_list(c.take(3)) == [0, 1, 2] and c.element_spec.dtype == tf.int64
    assert np_list(tf.data.experimental.Counter(5, -2, tf.int32).take(3)) == [5, 3, 1]
    assert tf.data.experimental.Counter(dtype=tf.int32).element_spec.dtype == tf.int32
