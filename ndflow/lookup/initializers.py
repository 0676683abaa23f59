"""Table initializers: where a static table's keys and values come from.

* ``KeyValueTensorInitializer(keys, values)`` -- two tensors of the same shape.
* ``TextFileInitializer(filename, key_dtype, key_index, value_dtype, value_index)`` -- one
  entry per line of a text file: a column (split on ``delimiter``), the whole line
  (``TextFileIndex.WHOLE_LINE``) or the line number (``TextFileIndex.LINE_NUMBER``).
* ``DatasetInitializer(dataset)`` -- a dataset of ``(key, value)`` scalar pairs.

An initializer only describes the entries; the table reads them (``_read()``: a 1-D key
array and a value array of the same length) when it is built, so a bad file raises where
TensorFlow raises -- when the table is created.
"""
import os
import re

import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.core import errors
from ndflow.core.tensor import Tensor, convert_to_tensor
from ndflow.lookup import _common as C

__all__ = ["KeyValueTensorInitializer", "TextFileIndex", "TextFileInitializer",
           "DatasetInitializer"]


class TableInitializerBase:
    """Base of the initializers: ``key_dtype`` and ``value_dtype``."""

    def __init__(self, key_dtype, value_dtype):
        self._key_dtype = _dt.as_dtype(key_dtype)
        self._value_dtype = _dt.as_dtype(value_dtype)

    @property
    def key_dtype(self):
        return self._key_dtype

    @property
    def value_dtype(self):
        return self._value_dtype

    def _read(self):
        raise NotImplementedError


# ---- KeyValueTensorInitializer ------------------------------------------------------------

def _as_tensor(value, dtype, arg):
    where = "tf.lookup.KeyValueTensorInitializer"
    if dtype is None:
        if isinstance(value, Tensor):
            return value
        t = convert_to_tensor(value)
        if t.dtype == C.string:
            t = Tensor(C.string_array(t._value))
        return t
    return Tensor(C.to_array(value, _dt.as_dtype(dtype), where, arg))


class KeyValueTensorInitializer(TableInitializerBase):
    """Entries from a keys tensor and a values tensor of the same shape.

    Without ``key_dtype`` / ``value_dtype`` the dtypes are those of the tensors (Python
    ints become int32, floats float32, as ``tf.constant`` makes them); with them, Python
    values are converted and a tensor of another dtype is an error (cast it first).
    """

    def __init__(self, keys, values, key_dtype=None, value_dtype=None, name=None):
        self._keys = _as_tensor(keys, key_dtype, "keys")
        self._values = _as_tensor(values, value_dtype, "values")
        self._name = name
        super().__init__(self._keys.dtype, self._values.dtype)

    def _read(self):
        keys, values = self._keys._value, self._values._value
        if keys.shape != values.shape:
            raise errors.InvalidArgumentError(
                "KeyValueTensorInitializer: expected shape %s for the values (the keys' "
                "shape), got %s. Pass one value per key." % (
                    C.shape_str(keys.shape), C.shape_str(values.shape)))
        if keys.size == 0:
            raise errors.InvalidArgumentError(
                "KeyValueTensorInitializer: keys and values cannot be empty tensors. A "
                "table needs at least one entry; for an all-out-of-vocabulary "
                "StaticVocabularyTable pass initializer=None.")
        return keys.reshape(-1), values.reshape(-1)


# ---- TextFileInitializer ------------------------------------------------------------------

class TextFileIndex:
    """Special column indices of ``TextFileInitializer``."""
    WHOLE_LINE = -2
    LINE_NUMBER = -1


_INT = re.compile(rb"[ \t\n\v\f\r]*[+-]?[0-9]+[ \t\n\v\f\r]*\Z")
_FLOAT = re.compile(rb"[ \t\n\v\f\r]*[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
                    rb"|inf|infinity|nan)[ \t\n\v\f\r]*\Z", re.IGNORECASE)
_HEX_FLOAT = re.compile(rb"[ \t\n\v\f\r]*[+-]?0x(?:[0-9a-f]+\.?[0-9a-f]*|\.[0-9a-f]+)"
                        rb"(?:p[+-]?[0-9]+)?[ \t\n\v\f\r]*\Z", re.IGNORECASE)


def _parse_field(field, dtype, lineno):
    """One text field as a Python value of ``dtype`` (InvalidArgumentError if it is not)."""
    if dtype == C.string:
        return field.decode("utf-8", "surrogateescape")
    if dtype.is_integer:
        if _INT.match(field):
            v = int(field)
            if dtype.min <= v <= dtype.max:
                return v
    elif dtype in (C.float32, C.float64):
        if _FLOAT.match(field):
            return float(field)
        if _HEX_FLOAT.match(field):
            return float.fromhex(field.decode("ascii").strip())
    else:
        raise errors.InvalidArgumentError(
            "TextFileInitializer: values of dtype %s cannot be read from a text file; use "
            "int32, int64, float32, float64 or string." % dtype.name)
    kind = {"float32": "float", "float64": "double"}.get(dtype.name, dtype.name)
    raise errors.InvalidArgumentError(
        "TextFileInitializer: field %r in line %d is not a valid %s." % (
            field.decode("utf-8", "replace"), lineno, kind))


def _check_index(index, dtype, what):
    if index < -2:
        raise ValueError("tf.lookup.TextFileInitializer: `%s_index` should be >= -2 "
                         "(a column, TextFileIndex.WHOLE_LINE = -2 or "
                         "TextFileIndex.LINE_NUMBER = -1), received: %d." % (what, index))
    if index == TextFileIndex.LINE_NUMBER and dtype != C.int64:
        raise ValueError("tf.lookup.TextFileInitializer: `%s_dtype` must be int64 if "
                         "`%s_index` is -1 (LINE_NUMBER), received: %s." % (
                             what, what, dtype.name))
    if index == TextFileIndex.WHOLE_LINE and not (dtype.is_integer or dtype == C.string):
        raise ValueError("tf.lookup.TextFileInitializer: `%s_dtype` should be either integer "
                         "or string for `%s_index` -2 (WHOLE_LINE), received: %s." % (
                             what, what, dtype.name))


class TextFileInitializer(TableInitializerBase):
    """Entries from a text file, one per line.

    ``key_index`` / ``value_index`` pick what each line gives: a column number (fields
    split on the one-character ``delimiter``), ``TextFileIndex.WHOLE_LINE`` (the line) or
    ``TextFileIndex.LINE_NUMBER`` (0, 1, 2, ... plus ``value_index_offset`` for values).
    ``vocab_size`` reads only that many lines (the file must have at least that many).
    Lines end at ``\\n``; a trailing ``\\r`` is dropped; an empty line is an error.
    """

    def __init__(self, filename, key_dtype, key_index, value_dtype, value_index,
                 vocab_size=None, delimiter="\t", name=None, value_index_offset=0):
        if isinstance(filename, Tensor):
            filename = filename._value[()]
        if isinstance(filename, bytes):
            filename = filename.decode("utf-8", "surrogateescape")
        if filename is not None and not isinstance(filename, str):
            filename = os.fspath(filename)
        if not filename:
            raise ValueError("`filename` argument required for "
                             "tf.lookup.TextFileInitializer")
        key_dtype, value_dtype = _dt.as_dtype(key_dtype), _dt.as_dtype(value_dtype)
        key_index, value_index = int(key_index), int(value_index)
        _check_index(key_index, key_dtype, "key")
        _check_index(value_index, value_dtype, "value")
        if vocab_size is not None and vocab_size <= 0:
            raise ValueError("tf.lookup.TextFileInitializer: `vocab_size` should be > 0, "
                             "received: %s" % (vocab_size,))
        if delimiter is None:
            delimiter = "\t"
        if isinstance(delimiter, str):
            delimiter = delimiter.encode("utf-8")
        if len(delimiter) != 1:
            raise errors.InvalidArgumentError(
                "tf.lookup.TextFileInitializer: the delimiter should be exactly one "
                "character, got %r." % (delimiter.decode("utf-8", "replace"),))
        self._filename = filename
        self._key_index, self._value_index = key_index, value_index
        self._vocab_size = None if vocab_size is None else int(vocab_size)
        self._delimiter = delimiter
        self._offset = int(value_index_offset)
        self._name = name
        super().__init__(key_dtype, value_dtype)

    def _lines(self):
        """The lines to read (bytes, without line ends)."""
        name = self._filename
        try:
            with open(name, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            raise errors.NotFoundError("TextFileInitializer: %s; No such file or directory"
                                       % name) from None
        except OSError as e:
            raise errors.NotFoundError("TextFileInitializer: cannot read %s: %s"
                                       % (name, e.strerror or e)) from None
        if not data:
            raise errors.OutOfRangeError("TextFileInitializer: %s is empty; a vocabulary "
                                         "file needs at least one line." % name)
        lines = []
        pos = 0
        want = self._vocab_size
        n = len(data)
        while pos < n and (want is None or len(lines) < want):
            end = data.find(b"\n", pos)
            if end < 0:
                end = n
            line = data[pos:end]
            pos = end + 1
            if line.endswith(b"\r"):
                line = line[:-1]
            if not line:
                raise errors.InvalidArgumentError(
                    "Invalid content in %s: empty line found at position %d. Remove empty "
                    "lines from the vocabulary file." % (name, min(pos, n)))
            lines.append(line)
        if want is not None and len(lines) < want:
            raise errors.InvalidArgumentError(
                "Invalid vocab_size in %s: expected %d but got %d (the file has only %d "
                "lines)." % (name, want, len(lines), len(lines)))
        return lines

    def _read(self):
        lines = self._lines()
        ki, vi = self._key_index, self._value_index
        kd, vd = self.key_dtype, self.value_dtype
        if vd == C.bool_ or kd == C.bool_:
            raise errors.InvalidArgumentError(
                "TextFileInitializer: data type bool not supported; use int32, int64, "
                "float32, float64 or string.")
        need = max(ki, vi) + 1
        delim = self._delimiter
        keys, values = [], []
        for i, line in enumerate(lines):
            cols = line.split(delim) if need > 0 else None
            if need > 0 and len(cols) < need:
                raise errors.InvalidArgumentError(
                    "Invalid number of columns in %s line %d (%s) : expected at least %d got "
                    "%d" % (self._filename, i, line.decode("utf-8", "replace"), need,
                            len(cols)))
            keys.append(i if ki == TextFileIndex.LINE_NUMBER else _parse_field(
                line if ki == TextFileIndex.WHOLE_LINE else cols[ki], kd, i))
            values.append(i + self._offset if vi == TextFileIndex.LINE_NUMBER else
                          _parse_field(line if vi == TextFileIndex.WHOLE_LINE else cols[vi],
                                       vd, i))
        return _column(keys, kd), _column(values, vd)


def _column(items, dtype):
    if dtype == C.string:
        out = np.empty(len(items), dtype=object)
        out[:] = items
        return out
    return np.array(items, dtype=dtype._np)


# ---- DatasetInitializer -------------------------------------------------------------------

class DatasetInitializer(TableInitializerBase):
    """Entries from a ``tf.data.Dataset`` of ``(key, value)`` pairs of scalars
    (``tf.data.experimental.DatasetInitializer``)."""

    def __init__(self, dataset):
        spec = getattr(dataset, "element_spec", None)
        if spec is None:
            raise TypeError("DatasetInitializer: expected a tf.data.Dataset of (key, value) "
                            "pairs, got %s." % type(dataset).__name__)
        if not isinstance(spec, tuple) or len(spec) != 2:
            n = len(spec) if isinstance(spec, (tuple, list, dict)) else 1
            raise ValueError(
                "Datasets used to initialize lookup tables must produce elements in the form "
                "(key, value), where the keys and values are scalar tensors. However, the "
                "given dataset produces %d components instead of two (key, value) "
                "components. Full dataset element spec: %r." % (n, spec))
        for what, s in zip(("key", "value"), spec):
            rank = len(s.shape) if getattr(s, "shape", None) is not None else None
            if rank:
                raise ValueError(
                    "Datasets used to initialize lookup tables must produce elements in the "
                    "form (key, value), where the keys and values are scalar tensors. "
                    "However, the given dataset produces non-scalar %s Tensors of rank %d."
                    % (what, rank))
        self._dataset = dataset
        super().__init__(spec[0].dtype, spec[1].dtype)

    def _read(self):
        keys, values = [], []
        for k, v in self._dataset:
            keys.append(k._value[()] if isinstance(k, Tensor) else k)
            values.append(v._value[()] if isinstance(v, Tensor) else v)
        if not keys:
            raise errors.InvalidArgumentError(
                "DatasetInitializer: the dataset is empty; a table needs at least one entry.")
        if self.key_dtype == C.string:
            keys = C.string_array(np.array(keys, dtype=object))
        else:
            keys = np.array(keys, dtype=self.key_dtype._np)
        if self.value_dtype == C.string:
            values = C.string_array(np.array(values, dtype=object))
        else:
            values = np.array(values, dtype=self.value_dtype._np)
        return keys, values
