"""Datasets read from files: ``TextLineDataset``, ``TFRecordDataset``,
``FixedLengthRecordDataset`` (``tf.data.*``).

``filenames`` is a path, a list of paths, a string tensor of paths or a Dataset of paths;
the files are read one after another, lazily (a file is opened when iteration reaches
it), and decompressed on the fly with ``compression_type='GZIP'`` or ``'ZLIB'``.

Elements are 0-d string tensors.  A text line comes out as ``str`` (UTF-8; like every ndflow
string, where TensorFlow gives ``bytes``), or as ``bytes`` when it is not valid UTF-8; a
TFRecord or a fixed-length record always comes out as ``bytes``, since it holds binary data
(serialized protos, raw pixels).
"""
import gzip
import os
import zlib

import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.core import errors
from ndflow.data import structure as _s
from ndflow.data.dataset import Dataset, UNKNOWN

__all__ = ["TextLineDataset", "TFRecordDataset", "FixedLengthRecordDataset"]


def _filenames(filenames, where):
    """A callable giving the list of paths (a Dataset of paths is read at iteration)."""
    if isinstance(filenames, Dataset):
        def paths():
            return [_path(e, where) for e in filenames]
        return paths
    if hasattr(filenames, "numpy"):           # a string tensor
        filenames = filenames.numpy()
    if isinstance(filenames, (str, bytes, os.PathLike)):
        filenames = [filenames]
    value = np.asarray(filenames, dtype=object)
    if value.ndim > 1:
        raise errors.InvalidArgumentError(
            "%s: `filenames` must be a path or a 1-D list of paths, got an array of shape "
            "%s." % (where, value.shape))
    listed = [_path(v, where) for v in value.reshape(-1)]
    if not listed:
        raise errors.InvalidArgumentError("%s: `filenames` is empty; pass at least one "
                                          "file." % where)
    return lambda: listed


def _path(value, where):
    if hasattr(value, "numpy"):               # a 0-d string tensor
        value = value.numpy()
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str):
        raise TypeError("%s: file names must be strings, got %r (%s)."
                        % (where, value, type(value).__name__))
    return value


def _compression(value, where):
    name = "" if value is None else str(value).upper()
    if name not in ("", "GZIP", "ZLIB"):
        raise errors.InvalidArgumentError(
            "%s: compression_type must be '', 'GZIP' or 'ZLIB', got %r." % (where, value))
    return name


def _open(path, compression, where):
    """A binary file object over the decompressed contents of ``path``."""
    try:
        raw = open(path, "rb")
    except FileNotFoundError:
        raise errors.NotFoundError("%s: %s: no such file. Check the path (relative paths "
                                   "are relative to %s)." % (where, path, os.getcwd()))
    if compression == "GZIP":
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if compression == "ZLIB":
        return _ZlibReader(raw)
    return raw


class _ZlibReader:
    """Just enough of a binary file for reading a zlib stream: ``read(n)`` and close."""

    def __init__(self, raw):
        self._raw = raw
        self._inflater = zlib.decompressobj()
        self._buf = b""

    def read(self, n=-1):
        while n < 0 or len(self._buf) < n:
            chunk = self._raw.read(1 << 16)
            if not chunk:
                self._buf += self._inflater.flush()
                break
            self._buf += self._inflater.decompress(chunk)
        if n < 0:
            out, self._buf = self._buf, b""
        else:
            out, self._buf = self._buf[:n], self._buf[n:]
        return out

    def __iter__(self):
        data = self.read()
        return iter(data.splitlines(keepends=True))

    def close(self):
        self._raw.close()


def _string(value):
    return np.array(value, dtype=object)


def _text(line):
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return line


class _FileDataset(Dataset):
    _where = "Dataset"

    def __init__(self, filenames, compression_type):
        self._paths = _filenames(filenames, self._where)
        self._compression = _compression(compression_type, self._where)

    def _iter(self):
        for path in self._paths():
            yield from self._records(path)

    def _cardinality(self):
        return UNKNOWN

    def _spec(self):
        return _s.TensorSpec([], _dt.string)


class TextLineDataset(_FileDataset):
    """The lines of text files, without their line ends ("\\n" or "\\r\\n")."""

    _where = "TextLineDataset"

    def __init__(self, filenames, compression_type=None, buffer_size=None,
                 num_parallel_reads=None, name=None):
        super().__init__(filenames, compression_type)

    def _records(self, path):
        f = _open(path, self._compression, self._where)
        try:
            for line in f:
                if line.endswith(b"\n"):
                    line = line[:-2] if line.endswith(b"\r\n") else line[:-1]
                yield _string(_text(line))
        finally:
            f.close()


class TFRecordDataset(_FileDataset):
    """The records of TFRecord files (``bytes`` each), checked against their CRCs."""

    _where = "TFRecordDataset"

    def __init__(self, filenames, compression_type=None, buffer_size=None,
                 num_parallel_reads=None, name=None):
        super().__init__(filenames, compression_type)

    def _records(self, path):
        from ndflow.io.tfrecord import tf_record_iterator
        if not os.path.exists(path):
            _open(path, "", self._where)   # raises NotFoundError
        for record in tf_record_iterator(path, self._compression):
            yield _string(bytes(record))


class FixedLengthRecordDataset(_FileDataset):
    """Records of ``record_bytes`` bytes each, after a header of ``header_bytes`` and
    before a footer of ``footer_bytes`` in every file; an incomplete last record is an
    error, as in TensorFlow."""

    _where = "FixedLengthRecordDataset"

    def __init__(self, filenames, record_bytes, header_bytes=None, footer_bytes=None,
                 buffer_size=None, compression_type=None, num_parallel_reads=None,
                 name=None):
        super().__init__(filenames, compression_type)
        self._record = _size(record_bytes, "record_bytes", 1)
        self._header = _size(header_bytes or 0, "header_bytes", 0)
        self._footer = _size(footer_bytes or 0, "footer_bytes", 0)

    def _records(self, path):
        f = _open(path, self._compression, self._where)
        try:
            data = f.read()
        finally:
            f.close()
        body = data[self._header:len(data) - self._footer]
        n, rest = divmod(len(body), self._record)
        if rest:
            raise errors.InvalidArgumentError(
                "FixedLengthRecordDataset: %s holds %d bytes after its %d-byte header and "
                "before its %d-byte footer, which is not a multiple of record_bytes=%d (%d "
                "bytes left over). Check record_bytes, header_bytes and footer_bytes."
                % (path, len(body), self._header, self._footer, self._record, rest))
        for i in range(n):
            yield _string(body[i * self._record:(i + 1) * self._record])


def _size(value, what, least):
    v = int(_s.to_numpy(value)) if not isinstance(value, int) else value
    if v < least:
        raise errors.InvalidArgumentError("FixedLengthRecordDataset: %s must be >= %d, got %d."
                                          % (what, least, v))
    return v
