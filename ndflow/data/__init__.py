"""``tf.data``: input pipelines (``ndflow.data.Dataset``)."""
from ndflow.data.dataset import AUTOTUNE, Dataset, Iterator, Options
from ndflow.data.dataset import INFINITE as INFINITE_CARDINALITY
from ndflow.data.dataset import UNKNOWN as UNKNOWN_CARDINALITY
from ndflow.data.structure import TensorSpec, DatasetSpec
from ndflow.data.files import TextLineDataset, TFRecordDataset, FixedLengthRecordDataset
from ndflow.data import experimental

__all__ = ["AUTOTUNE", "Dataset", "Iterator", "Options", "INFINITE_CARDINALITY",
           "UNKNOWN_CARDINALITY", "TensorSpec", "DatasetSpec", "experimental",
           "TextLineDataset", "TFRecordDataset", "FixedLengthRecordDataset"]
