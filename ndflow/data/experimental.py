"""``tf.data.experimental``: the names that still live there."""
from ndflow.data.dataset import AUTOTUNE, Dataset
from ndflow.data.dataset import INFINITE as INFINITE_CARDINALITY
from ndflow.data.dataset import UNKNOWN as UNKNOWN_CARDINALITY


def cardinality(dataset):
    """``dataset.cardinality()`` (-1 infinite, -2 unknown) as an int64 scalar tensor."""
    if not isinstance(dataset, Dataset):
        raise TypeError("tf.data.experimental.cardinality expects a Dataset, got %s."
                        % type(dataset).__name__)
    return dataset.cardinality()


class AutoShardPolicy:
    AUTO, FILE, DATA, HINT, OFF = 0, 1, 2, 3, -1


def sample_from_datasets(datasets, weights=None, seed=None, stop_on_empty_dataset=False):
    return Dataset.sample_from_datasets(datasets, weights, seed, stop_on_empty_dataset)


def choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset=True):
    return Dataset.choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset)


def Counter(start=0, step=1, dtype=None):  # noqa: N802  (TensorFlow's spelling)
    """``start, start + step, ...`` forever: ``tf.data.Dataset.counter`` under its old name."""
    if dtype is None:
        return Dataset.counter(start, step)
    return Dataset.counter(start, step, dtype)


class TFRecordWriter:
    """``tf.data.experimental.TFRecordWriter(filename, compression_type)``: ``write(ds)``
    writes every element of a dataset of scalar strings (bytes, e.g. serialized
    ``tf.train.Example`` protos) as one record of a TFRecord file."""

    def __init__(self, filename, compression_type=None):
        self._filename = filename
        self._compression = compression_type

    def write(self, dataset):
        from ndflow.data import structure as _s
        from ndflow.io.tfrecord import TFRecordWriter as _Writer
        if not isinstance(dataset, Dataset):
            raise TypeError("TFRecordWriter.write expects a tf.data.Dataset of scalar "
                            "strings, got %s." % type(dataset).__name__)
        with _Writer(self._filename, self._compression or None) as w:
            for e in dataset._iter():
                value = _s.to_numpy(e)
                if isinstance(value, (tuple, dict)) or getattr(value, "ndim", 0) != 0:
                    raise TypeError("TFRecordWriter.write: every element must be one scalar "
                                    "string (serialize structured data first, e.g. with "
                                    "tf.io.serialize_tensor), got %r." % (value,))
                w.write(value.encode("utf-8") if isinstance(value, str) else bytes(value))


def __getattr__(name):
    # tf.data.experimental's lookup-table helpers live in ndflow.lookup, imported on use
    if name in ("DatasetInitializer", "table_from_dataset", "index_table_from_dataset"):
        from ndflow.lookup import dataset_tables
        return getattr(dataset_tables, name)
    raise AttributeError("module 'ndflow.data.experimental' has no attribute %r" % name)
