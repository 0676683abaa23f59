"""``tf.lookup.experimental``: the mutable tables.

``DatasetInitializer`` (``tf.data.experimental.DatasetInitializer`` in TensorFlow) is
reachable here too.
"""
from ndflow.lookup.mutable_tables import DenseHashTable, MutableHashTable
from ndflow.lookup.initializers import DatasetInitializer

__all__ = ["DenseHashTable", "MutableHashTable", "DatasetInitializer"]
