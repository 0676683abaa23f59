"""``tf.io``: files, images, serialized tensors, TFRecord files and parsing
``tf.train.Example`` records."""
from ndflow.io.file_io import read_file, write_file, matching_files
from ndflow.io.image_io import (decode_image, decode_png, decode_jpeg, decode_bmp, decode_gif,
                                encode_png, encode_jpeg, is_jpeg)
from ndflow.io.tensor_io import serialize_tensor, parse_tensor, decode_raw
from ndflow.io.bytes_ops import encode_base64, decode_base64, decode_compressed
from ndflow.io.tfrecord import TFRecordWriter, TFRecordOptions
from ndflow.io.parsing import (FixedLenFeature, VarLenFeature, FixedLenSequenceFeature,
                               parse_single_example, parse_example,
                               parse_single_sequence_example)
from ndflow.io import gfile

__all__ = ["read_file", "write_file", "matching_files", "decode_image", "decode_png",
           "decode_jpeg", "decode_bmp", "decode_gif", "encode_png", "encode_jpeg", "is_jpeg",
           "serialize_tensor", "parse_tensor", "decode_raw", "encode_base64",
           "decode_base64", "decode_compressed", "TFRecordWriter", "TFRecordOptions",
           "gfile", "FixedLenFeature", "VarLenFeature", "FixedLenSequenceFeature",
           "parse_single_example", "parse_example", "parse_single_sequence_example"]
