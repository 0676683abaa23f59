"""``tf.strings``: string tensors (NumPy object arrays of ``str``) on NumPy.

Where TensorFlow returns a RaggedTensor (``split``, ``bytes_split``, ``unicode_split``,
``unicode_decode`` of an input of rank >= 1, ``ngrams`` of ragged input...), ndflow returns
a ``tf.RaggedTensor`` too, and the element-wise functions accept RaggedTensors (see
``ndflow/strings/string_ops.py``).
"""
from ndflow.strings.string_ops import (lower, upper, strip, length, substr, join, reduce_join,
                                       split, bytes_split, unicode_split, regex_replace,
                                       regex_full_match, to_number, as_string, format,
                                       to_hash_bucket_fast, to_hash_bucket_strong,
                                       to_hash_bucket, unsorted_segment_join, ngrams,
                                       unicode_decode, unicode_encode,
                                       unicode_split_with_offsets, unicode_decode_with_offsets)
# the list-of-rows type these functions returned before RaggedTensor existed; kept
# importable for old code (every function here still accepts one), not part of tf.strings
from ndflow.core.ragged import RaggedList  # noqa: F401

__all__ = ["lower", "upper", "strip", "length", "substr", "join", "reduce_join", "split",
           "bytes_split", "unicode_split", "regex_replace", "regex_full_match", "to_number",
           "as_string", "format", "to_hash_bucket_fast", "to_hash_bucket_strong",
           "to_hash_bucket", "unsorted_segment_join", "ngrams", "unicode_decode",
           "unicode_encode", "unicode_split_with_offsets", "unicode_decode_with_offsets"]
