"""Tables built from a ``tf.data.Dataset``: what TensorFlow exposes as
``tf.data.experimental.DatasetInitializer``, ``table_from_dataset`` and
``index_table_from_dataset`` (``ndflow.data`` may re-export them from here).
"""
import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.core import errors
from ndflow.core.tensor import Tensor
from ndflow.lookup import _common as C
from ndflow.lookup.initializers import DatasetInitializer, TableInitializerBase
from ndflow.lookup.static_tables import StaticHashTable, StaticVocabularyTable

__all__ = ["DatasetInitializer", "table_from_dataset", "index_table_from_dataset"]


class _FirstN(TableInitializerBase):
    """The first ``n`` entries of another initializer (all of them must exist)."""

    def __init__(self, inner, n):
        self._inner, self._n = inner, n
        super().__init__(inner.key_dtype, inner.value_dtype)

    def _read(self):
        keys, values = self._inner._read()
        if self._n is None:
            return keys, values
        if len(keys) < self._n:
            raise errors.FailedPreconditionError(
                "Input dataset was expected to contain %d elements but contained only %d "
                "elements (vocab_size is larger than the dataset)." % (self._n, len(keys)))
        return keys[:self._n], values[:self._n]


def _check_hasher(hasher_spec):
    if hasher_spec is None or getattr(hasher_spec, "hasher", "fasthash") != "fasthash":
        raise TypeError("table_from_dataset: only the default fast hash (Fingerprint64) is "
                        "supported for out-of-vocabulary buckets, got hasher_spec=%r."
                        % (hasher_spec,))


def table_from_dataset(dataset=None, num_oov_buckets=0, vocab_size=None, default_value=None,
                       hasher_spec="fasthash", key_dtype=_dt.string, name=None):
    """A table from a dataset of ``(key, value)`` pairs: a ``StaticHashTable`` (missing
    keys get ``default_value``), or with ``num_oov_buckets > 0`` a table whose missing keys
    go to ``vocab_size + Fingerprint64(key) % num_oov_buckets``.  ``vocab_size`` keeps
    only the first ``vocab_size`` pairs."""
    if not isinstance(hasher_spec, str):
        _check_hasher(hasher_spec)
    if vocab_size is not None and vocab_size < 1:
        raise ValueError("table_from_dataset: `vocab_size` must be >= 1, got %r."
                         % (vocab_size,))
    if num_oov_buckets < 0:
        raise ValueError("table_from_dataset: `num_oov_buckets` must be >= 0, got %r."
                         % (num_oov_buckets,))
    init = _FirstN(DatasetInitializer(dataset), vocab_size)
    if num_oov_buckets:
        return StaticVocabularyTable(init, num_oov_buckets, name=name)
    if default_value is None:
        default_value = "" if init.value_dtype == C.string else 0
    return StaticHashTable(init, default_value, name=name)


class _Enumerate:
    """A dataset of keys seen as (key, index) pairs."""

    def __init__(self, dataset):
        spec = dataset.element_spec
        self._dataset = dataset
        self.element_spec = (spec, _IndexSpec())

    def __iter__(self):
        for i, k in enumerate(self._dataset):
            yield k, Tensor(np.asarray(i, np.int64))


class _IndexSpec:
    shape = ()
    dtype = _dt.int64


def index_table_from_dataset(dataset=None, num_oov_buckets=0, vocab_size=None,
                             default_value=-1, hasher_spec="fasthash", key_dtype=_dt.string,
                             name=None):
    """A table mapping each element of a dataset of keys to its position (int64)."""
    return table_from_dataset(_Enumerate(dataset), num_oov_buckets, vocab_size,
                              default_value, hasher_spec, key_dtype, name)
