"""``tf.lookup``: tables that map keys (strings or integers) to values, on NumPy.

    vocab = tf.lookup.StaticVocabularyTable(
        tf.lookup.KeyValueTensorInitializer(words, tf.range(len(words), dtype=tf.int64)),
        num_oov_buckets=1)
    ids = vocab.lookup(tf.strings.split(text))

Tables run eagerly on NumPy arrays, so they work anywhere ndflow code runs, inside
``tf.data.Dataset.map`` included.  Out-of-vocabulary ids and ``DenseHashTable`` bucket
layouts match TensorFlow's (see ``static_tables.py`` and ``mutable_tables.py``).
"""
from ndflow.lookup.initializers import (KeyValueTensorInitializer, TextFileIndex,
                                        TextFileInitializer)
from ndflow.lookup.static_tables import StaticHashTable, StaticVocabularyTable
from ndflow.lookup import experimental

__all__ = ["KeyValueTensorInitializer", "StaticHashTable", "StaticVocabularyTable",
           "TextFileIndex", "TextFileInitializer", "experimental"]
