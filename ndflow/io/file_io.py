"""``tf.io.read_file``, ``tf.io.write_file``, ``tf.io.matching_files``."""
import glob as _glob
import os
import sys

import numpy as np

from ndflow.core.tensor import Tensor
from ndflow.io._util import (bytes_tensor, local_path, os_error, string_array, to_bytes,
                             to_path)


def read_file(filename, name=None):
    """The whole content of ``filename`` as a 0-d ``tf.string`` tensor holding ``bytes``."""
    path = local_path(to_path(filename, "tf.io.read_file"), "tf.io.read_file")
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise os_error(e, "tf.io.read_file", path) from None
    return bytes_tensor(data)


def write_file(filename, contents, name=None):
    """Write ``contents`` (a scalar string) to ``filename``, creating missing parent
    directories, replacing an existing file.  Returns None (eager)."""
    path = local_path(to_path(filename, "tf.io.write_file"), "tf.io.write_file")
    data = to_bytes(contents, "tf.io.write_file", "contents")
    parent = os.path.dirname(path)
    try:
        if parent:
            os.makedirs(parent, exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    except OSError as e:
        raise os_error(e, "tf.io.write_file", path) from None
    return None


def _glob_one(pattern):
    if sys.version_info >= (3, 11):
        return _glob.glob(pattern, include_hidden=True)
    return _glob.glob(pattern)


def glob_patterns(patterns, fn):
    """Sorted matches of one pattern, or the matches of each pattern in turn."""
    if isinstance(patterns, (list, tuple)) or (
            isinstance(patterns, (Tensor, np.ndarray)) and np.ndim(patterns) > 0):
        pats = [p.decode("utf-8") if isinstance(p, bytes) else p
                for p in string_array(patterns, fn, "pattern").reshape(-1)]
    else:
        pats = [to_path(patterns, fn, "pattern")]
    out = []
    for p in pats:
        out.extend(sorted(_glob_one(local_path(p, fn))))
    return out


def matching_files(pattern, name=None):
    """File names matching a glob pattern (or list of patterns): a 1-D string tensor."""
    names = glob_patterns(pattern, "tf.io.matching_files")
    arr = np.empty(len(names), dtype=object)
    for i, n in enumerate(sorted(names)):
        arr[i] = n.encode("utf-8")
    return Tensor(arr)
