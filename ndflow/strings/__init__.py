"""``tf.strings``: string tensors (NumPy object arrays of ``str``) on NumPy.

Where TensorFlow returns a RaggedTensor (``split``, ``bytes_split``, ``unicode_split`` of
an input of rank >= 1), ndflow returns a ``RaggedList``: a Python list of 1-D string
tensors, one per input string (see ``ndflow/core/ragged.py``).
"""
from ndflow.strings.string_ops import (lower, upper, strip, length, substr, join, reduce_join,
                                       split, bytes_split, unicode_split, regex_replace,
                                       regex_full_match, to_number, as_string, format,
                                       to_hash_bucket_fast, to_hash_bucket_strong,
                                       to_hash_bucket, unsorted_segment_join, ngrams,
                                       unicode_decode, unicode_encode)
from ndflow.core.ragged import RaggedList

__all__ = ["lower", "upper", "strip", "length", "substr", "join", "reduce_join", "split",
           "bytes_split", "unicode_split", "regex_replace", "regex_full_match", "to_number",
           "as_string", "format", "to_hash_bucket_fast", "to_hash_bucket_strong",
           "to_hash_bucket", "unsorted_segment_join", "ngrams", "unicode_decode",
           "unicode_encode", "RaggedList"]
