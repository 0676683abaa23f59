"""``tf.strings``: string tensors in, string or number tensors out, on NumPy.

A string tensor holds a NumPy object array of Python ``str``.  Every function here also
takes Python strings, ``bytes`` (decoded as UTF-8), lists and NumPy arrays.  Bytes that
are not valid UTF-8 are kept, one lone surrogate (U+DC80..U+DCFF) per byte
(``surrogateescape``), so byte-level ops (``length``, ``substr``, ``bytes_split``, the
hashes) see exactly the bytes TensorFlow would.

Semantics follow TensorFlow 2.21: ``lower``/``upper`` change ASCII letters only unless
``encoding='utf-8'``; ``strip`` and whitespace ``split`` use ASCII whitespace; regular
expressions are RE2 (see ``ndflow/strings/re2.py``); lengths and positions count UTF-8
bytes unless ``unit='UTF8_CHAR'``.

``split``, ``bytes_split``, ``unicode_split``, ``unicode_decode`` (and their
``_with_offsets`` forms) of an input of rank >= 1 return a ``tf.RaggedTensor``, as in
TensorFlow: the input's dimensions stay uniform and the tokens of each string form the
last, ragged, dimension (a ``[2, 2]`` input gives shape ``[2, 2, None]``, ragged_rank 2,
int64 row_splits).  A 0-d input gives a plain 1-D tensor.  The element-wise functions
(``lower``, ``regex_replace``, ``length``, ``to_number``, the hashes...) take a
RaggedTensor and apply themselves to its ``flat_values``, keeping the row partition;
``ngrams``, ``reduce_join`` and ``unicode_encode`` work along its innermost rows.  A
legacy ``RaggedList`` (``ndflow/core/ragged.py``) is accepted too and converted.

String ops have no gradients: their outputs are strings, integers or booleans, and
``to_number`` is not differentiable in TensorFlow either.
"""
import functools
import re
import struct

import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.backend import to_numpy
from ndflow.core.errors import InvalidArgumentError
from ndflow.core.tensor import Tensor, convert_to_tensor
from ndflow.ops.string_hashes import fingerprint64, siphash24
from ndflow.strings import re2 as _re2
from ndflow.core.ragged import RaggedList
from ndflow.ragged.ragged_tensor import RaggedTensor

__all__ = ["lower", "upper", "strip", "length", "substr", "join", "reduce_join", "split",
           "bytes_split", "unicode_split", "regex_replace", "regex_full_match", "to_number",
           "as_string", "format", "to_hash_bucket_fast", "to_hash_bucket_strong",
           "to_hash_bucket", "unsorted_segment_join", "ngrams", "unicode_decode",
           "unicode_encode", "unicode_split_with_offsets", "unicode_decode_with_offsets"]

_ASCII_WS = " \t\n\v\f\r"
_NOT_WS = re.compile("[^ \t\n\v\f\r]+")
_UPPER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_LOWER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


# ---- conversion -----------------------------------------------------------------------------

def _decode(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "surrogateescape")
    return str(v)


def _utf8(s):
    return s.encode("utf-8", "surrogateescape")


def _describe(x):
    if isinstance(x, Tensor):
        return "a tensor of dtype %s and shape %s" % (x.dtype.name, tuple(x._value.shape))
    if isinstance(x, np.ndarray):
        return "a NumPy array of dtype %s and shape %s" % (x.dtype, x.shape)
    return "%s %r" % (type(x).__name__, x) if not isinstance(x, (list, tuple)) else \
        "a %s" % type(x).__name__


def _strings(x, fn, arg="input"):
    """``x`` as a NumPy object array of ``str`` (a new array unless it already is one)."""
    if isinstance(x, (str, bytes, np.str_, np.bytes_)):
        out = np.empty((), dtype=object)
        out[()] = _decode(x)
        return out
    if isinstance(x, Tensor):
        arr = to_numpy(x._value)
    elif isinstance(x, (RaggedList, RaggedTensor)):
        raise TypeError("tf.strings.%s: `%s` is a RaggedTensor (rows of different lengths), "
                        "which this function cannot take as a whole; apply it to the values "
                        "with tf.ragged.map_flat_values, or pad first with .to_tensor()."
                        % (fn, arg))
    elif isinstance(x, (list, tuple)):
        if _has_tensor(x):
            return _strings(convert_to_tensor(x), fn, arg)
        arr = np.array(x, dtype=object)
        if any(isinstance(v, (list, tuple, np.ndarray)) for v in arr.reshape(-1).tolist()):
            raise TypeError("tf.strings.%s: `%s` must be a string tensor or a (nested) list "
                            "of strings with a rectangular shape, got a ragged nested list. "
                            "Pass the rows separately." % (fn, arg))
    else:
        arr = np.asarray(x)
    kind = arr.dtype.kind
    if kind == "U":
        return arr.astype(object)
    if kind == "S":
        out = np.empty(arr.shape, dtype=object)
        out.reshape(-1)[:] = [v.decode("utf-8", "surrogateescape") for v in arr.reshape(-1)]
        return out
    if kind == "O":
        flat = arr.reshape(-1).tolist()
        if all(type(v) is str for v in flat):
            return arr
        for v in flat:
            if not isinstance(v, (str, bytes)):
                raise TypeError(
                    "tf.strings.%s: `%s` must hold strings, got an element of type %s (%r). "
                    "Convert numbers to text first with tf.strings.as_string(x)."
                    % (fn, arg, type(v).__name__, v))
        out = np.empty(arr.shape, dtype=object)
        out.reshape(-1)[:] = [_decode(v) for v in flat]
        return out
    raise TypeError("tf.strings.%s: `%s` must be a string tensor, got %s. Convert numbers "
                    "to text first with tf.strings.as_string(x)." % (fn, arg, _describe(x)))


def _has_tensor(x):
    return any(isinstance(v, Tensor) or (isinstance(v, (list, tuple)) and _has_tensor(v))
               for v in x)


def _str_tensor(values, shape):
    """A string tensor of ``shape`` from a flat list of ``str``."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return Tensor(out.reshape(shape))


def _scalar_str(v, fn, arg):
    """A Python ``str`` from a str / bytes / 0-d string tensor argument."""
    if isinstance(v, (str, bytes)):
        return _decode(v)
    arr = _strings(v, fn, arg)
    if arr.ndim != 0:
        raise InvalidArgumentError("tf.strings.%s: `%s` must be a single string (a scalar), "
                                   "got shape %s." % (fn, arg, arr.shape))
    return arr[()]


def _int_array(v, fn, arg):
    arr = to_numpy(v._value) if isinstance(v, Tensor) else np.asarray(v)
    if arr.dtype.kind not in "iu":
        raise TypeError("tf.strings.%s: `%s` must be integers (int32 or int64), got %s."
                        % (fn, arg, _describe(v)))
    return arr.astype(np.int64)


def _int_arg(v, fn, arg, minimum=None):
    arr = _int_array(v, fn, arg)
    if arr.ndim != 0:
        raise InvalidArgumentError("tf.strings.%s: `%s` must be a single integer, got shape %s."
                                   % (fn, arg, arr.shape))
    n = int(arr)
    if minimum is not None and n < minimum:
        raise InvalidArgumentError("tf.strings.%s: `%s` must be at least %d, got %d."
                                   % (fn, arg, minimum, n))
    return n


def _as_ragged(x):
    """``x`` as a RaggedTensor when it is one (or a legacy ``RaggedList``), else None."""
    if isinstance(x, RaggedTensor):
        return x
    if isinstance(x, RaggedList):
        return RaggedTensor.from_ragged_list(x)
    return None


def _flat(v):
    """The flat values of a RaggedTensor argument (other arguments unchanged)."""
    rt = _as_ragged(v)
    return v if rt is None else rt.flat_values


def _rewrap(rt, out):
    """``out`` (computed from ``rt.flat_values``) with ``rt``'s row partition."""
    if isinstance(out, RaggedTensor) and out.row_splits_dtype != rt.row_splits_dtype:
        out = out.with_row_splits_dtype(rt.row_splits_dtype)
    return rt.with_flat_values(out)


def _ragged_rows(func):
    """Lets an element-wise function take a RaggedTensor: it is applied to the flat values
    (RaggedTensor arguments besides the first -- e.g. ``substr``'s ``pos`` -- give their
    flat values too) and the result gets the input's row partition back."""
    first = func.__code__.co_varnames[0]

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        x = args[0] if args else kwargs.get(first)
        rt = _as_ragged(x)
        if rt is None:
            return func(*args, **kwargs)
        kwargs = {k: _flat(v) for k, v in kwargs.items()}
        if args:
            out = func(rt.flat_values, *[_flat(a) for a in args[1:]], **kwargs)
        else:
            kwargs[first] = rt.flat_values
            out = func(**kwargs)
        return _rewrap(rt, out)
    return wrapper


def _map(fn, input, f, out_dtype=None):
    """``f`` applied to every string of ``input``: a string tensor (or ``out_dtype``)."""
    arr = _strings(input, fn)
    vals = [f(s) for s in arr.reshape(-1).tolist()]
    if out_dtype is None:
        return _str_tensor(vals, arr.shape)
    return Tensor(np.array(vals, dtype=out_dtype).reshape(arr.shape))


# ---- case, whitespace, lengths --------------------------------------------------------------

def _check_encoding(fn, encoding):
    if encoding not in ("", "utf-8"):
        raise InvalidArgumentError(
            "tf.strings.%s: encoding must be '' (change ASCII letters only) or 'utf-8' (all "
            "of Unicode), got %r." % (fn, encoding))


@_ragged_rows
def lower(input, encoding="", name=None):
    """Lowercase: ASCII letters only, or every letter with ``encoding='utf-8'``."""
    _check_encoding("lower", encoding)
    if encoding:
        return _map("lower", input, str.lower)
    return _map("lower", input, lambda s: s.translate(_UPPER))


@_ragged_rows
def upper(input, encoding="", name=None):
    """Uppercase: ASCII letters only, or every letter with ``encoding='utf-8'`` (where
    "ß" becomes "SS")."""
    _check_encoding("upper", encoding)
    if encoding:
        return _map("upper", input, str.upper)
    return _map("upper", input, lambda s: s.translate(_LOWER))


@_ragged_rows
def strip(input, name=None):
    """Removes leading and trailing ASCII whitespace (space, \\t \\n \\v \\f \\r)."""
    return _map("strip", input, lambda s: s.strip(_ASCII_WS))


def _is_cont(c):
    """A lone UTF-8 continuation byte kept from invalid input (surrogateescape)."""
    return "\udc80" <= c <= "\udcbf"


def _has_raw_bytes(s):
    return not s.isascii() and any("\udc80" <= c <= "\udcff" for c in s)


def _char_units(s):
    """The characters of ``s`` as TensorFlow's UTF8_CHAR unit counts them: a stray
    continuation byte belongs to the character before it."""
    units = []
    for c in s:
        if units and _is_cont(c):
            units[-1] += c
        else:
            units.append(c)
    return units


def _check_unit(fn, unit):
    if unit not in ("BYTE", "UTF8_CHAR"):
        raise InvalidArgumentError("tf.strings.%s: unit must be 'BYTE' or 'UTF8_CHAR', got %r."
                                   % (fn, unit))


def _byte_len(s):
    return len(s) if s.isascii() else len(_utf8(s))


def _char_len(s):
    if _has_raw_bytes(s):
        return sum(1 for c in s if not _is_cont(c))
    return len(s)


@_ragged_rows
def length(input, unit="BYTE", name=None):
    """Length of each string in UTF-8 bytes (``unit='BYTE'``) or characters
    (``unit='UTF8_CHAR'``), as int32."""
    _check_unit("length", unit)
    return _map("length", input, _byte_len if unit == "BYTE" else _char_len, np.int32)


@_ragged_rows
def substr(input, pos, len, unit="BYTE", name=None):
    """``len`` bytes (or characters) of each string from ``pos``.  A negative ``pos``
    counts from the end; ``pos`` must lie in ``[-length, length]``.  A ``len`` past the
    end (or negative) takes the rest of the string.  ``pos`` and ``len`` have the same
    shape and broadcast with ``input``."""
    _check_unit("substr", unit)
    arr = _strings(input, "substr")
    p = _int_array(pos, "substr", "pos")
    n = _int_array(len, "substr", "len")
    if p.shape != n.shape:
        raise InvalidArgumentError("tf.strings.substr: pos and len must have the same shape, "
                                   "got %s and %s." % (p.shape, n.shape))
    try:
        arr, p, n = np.broadcast_arrays(arr, p, n)
    except ValueError:
        raise InvalidArgumentError("tf.strings.substr: input of shape %s does not broadcast "
                                   "with pos and len of shape %s." % (arr.shape, p.shape)) \
            from None
    out = []
    for i, (s, a, k) in enumerate(zip(arr.reshape(-1).tolist(), p.reshape(-1).tolist(),
                                      n.reshape(-1).tolist())):
        if unit == "BYTE":
            raw = s.isascii()
            units = s if raw else _utf8(s)
        else:
            raw = not _has_raw_bytes(s)
            units = s if raw else _char_units(s)
        size = units.__len__()
        start = a + size if a < 0 else a
        if not 0 <= start <= size:
            raise InvalidArgumentError(
                "tf.strings.substr: pos %d is out of range for the string %r (element %d, "
                "%d %s long); pos must be in [-%d, %d]." % (
                    a, s, i, size, "bytes" if unit == "BYTE" else "characters", size, size))
        end = size if k < 0 else min(size, start + k)
        piece = units[start:end]
        if unit == "BYTE" and not raw:
            piece = piece.decode("utf-8", "surrogateescape")
        elif not raw:
            piece = "".join(piece)
        out.append(piece)
    return _str_tensor(out, arr.shape)


# ---- joining --------------------------------------------------------------------------------

def join(inputs, separator="", name=None):
    """Element-wise concatenation of a list of string tensors with ``separator`` between
    them.  Scalars broadcast; the other inputs must all have the same shape."""
    sep = _scalar_str(separator, "join", "separator")
    if isinstance(inputs, (list, tuple)) and any(_as_ragged(x) is not None for x in inputs):
        return _join_ragged(list(inputs), sep)
    if isinstance(inputs, (Tensor, np.ndarray)):
        arr = _strings(inputs, "join", "inputs")
        items = [arr] if arr.ndim == 0 else list(arr)
    elif isinstance(inputs, (str, bytes)):
        items = [inputs]
    else:
        items = list(inputs)
    arrays = [_strings(x, "join", "inputs[%d]" % i) for i, x in enumerate(items)]
    shape = ()
    for a in arrays:
        if a.ndim:
            if shape and a.shape != shape:
                raise InvalidArgumentError(
                    "tf.strings.join: the inputs must be scalars or all have the same shape, "
                    "got shapes %s and %s." % (shape, a.shape))
            shape = a.shape
    if not arrays:
        return _str_tensor([""], ())
    cols = [a.reshape(-1).tolist() if a.ndim else None for a in arrays]
    size = int(np.prod(shape)) if shape else 1
    cols = [c if c is not None else [a[()]] * size for c, a in zip(cols, arrays)]
    return _str_tensor([sep.join(parts) for parts in zip(*cols)], shape)


def _join_ragged(items, sep):
    """``join`` of RaggedTensors that share one row partition (scalars broadcast)."""
    rts = [_as_ragged(x) for x in items]
    ref = next(rt for rt in rts if rt is not None)
    parts = []
    for i, (x, rt) in enumerate(zip(items, rts)):
        if rt is not None:
            same = len(rt.nested_row_splits) == len(ref.nested_row_splits) and all(
                np.array_equal(a._value, b._value)
                for a, b in zip(rt.nested_row_splits, ref.nested_row_splits))
            if not same:
                raise InvalidArgumentError(
                    "tf.strings.join: inputs[%d] is a RaggedTensor whose rows differ from "
                    "those of inputs[%d]; ragged inputs must have the same row lengths."
                    % (i, rts.index(ref)))
            parts.append(rt.flat_values)
        else:
            arr = _strings(x, "join", "inputs[%d]" % i)
            if arr.ndim:
                raise InvalidArgumentError(
                    "tf.strings.join: inputs[%d] is a dense tensor of shape %s mixed with "
                    "RaggedTensors; only scalars can be joined with ragged inputs."
                    % (i, arr.shape))
            parts.append(x)
    return ref.with_flat_values(join(parts, separator=sep))


def reduce_join(inputs, axis=None, keepdims=False, separator="", name=None):
    """Joins the strings along ``axis`` (all axes when ``None``).  With a list of axes the
    first listed axis varies fastest in the joined order, as in TensorFlow.  A
    RaggedTensor joins each innermost row with ``axis=-1`` (the last axis), each column
    with ``axis=0`` (ragged_rank 1), or everything with ``axis=None``."""
    sep = _scalar_str(separator, "reduce_join", "separator")
    rt = _as_ragged(inputs)
    if rt is not None:
        return _reduce_join_ragged(rt, axis, keepdims, sep)
    arr = _strings(inputs, "reduce_join", "inputs")
    ndim = arr.ndim
    if axis is None:
        axes = list(range(ndim))[::-1]
    else:
        if isinstance(axis, Tensor):
            axis = to_numpy(axis._value).tolist()
        raw = list(axis) if isinstance(axis, (list, tuple, np.ndarray)) else [axis]
        axes = []
        for a in raw:
            a = int(a)
            if not -ndim <= a < ndim:
                raise InvalidArgumentError(
                    "tf.strings.reduce_join: axis %d is out of range for an input of rank %d "
                    "(valid: %d to %d)." % (a, ndim, -ndim, ndim - 1))
            a %= ndim
            if a in axes:
                raise InvalidArgumentError("tf.strings.reduce_join: axis %d is listed twice."
                                           % a)
            axes.append(a)
    kept = [d for d in range(ndim) if d not in axes]
    perm = kept + axes[::-1]
    kept_shape = tuple(arr.shape[d] for d in kept)
    count = int(np.prod([arr.shape[d] for d in axes])) if axes else 1
    rows = np.transpose(arr, perm).reshape((-1, count)) if arr.size else \
        np.empty((int(np.prod(kept_shape)) if kept_shape else 1, 0), dtype=object)
    out = [sep.join(r) for r in rows.tolist()]
    shape = kept_shape
    if keepdims:
        shape = tuple(1 if d in axes else arr.shape[d] for d in range(ndim))
    return _str_tensor(out, shape)


def _reduce_join_ragged(rt, axis, keepdims, sep):
    rank = rt.shape.rank
    if isinstance(axis, Tensor):
        axis = to_numpy(axis._value).tolist()
    if isinstance(axis, (list, tuple, np.ndarray)) and len(axis) == 1:
        axis = list(axis)[0]
    if keepdims:
        raise InvalidArgumentError("tf.strings.reduce_join: keepdims=True is not supported "
                                   "for a RaggedTensor input; pad it with .to_tensor() first.")
    flat = _strings(rt.flat_values, "reduce_join", "inputs")
    if axis is None:
        return _str_tensor([sep.join(flat.reshape(-1).tolist())], ())
    if isinstance(axis, (list, tuple, np.ndarray)):
        raise InvalidArgumentError(
            "tf.strings.reduce_join: a RaggedTensor can be joined along one axis at a time "
            "(or all with axis=None), got axis=%r." % (axis,))
    a = int(axis)
    if not -rank <= a < rank:
        raise InvalidArgumentError(
            "tf.strings.reduce_join: axis %d is out of range for an input of rank %d "
            "(valid: %d to %d)." % (a, rank, -rank, rank - 1))
    a %= rank
    if a > rt.ragged_rank:                      # a dense inner axis of the flat values
        return rt.with_flat_values(reduce_join(rt.flat_values, axis=a - rt.ragged_rank,
                                               separator=sep))
    if a == rt.ragged_rank == rank - 1:
        if rt.ragged_rank > 1:                  # join the innermost rows level by level
            return rt.with_values(reduce_join(rt.values, axis=-1, separator=sep))
        s_ = rt._splits
        vals = flat.tolist()
        return _str_tensor([sep.join(vals[s_[i]:s_[i + 1]]) for i in range(len(s_) - 1)],
                           (len(s_) - 1,))
    if a == 0 and rt.ragged_rank == 1 and rank == 2:
        # column j joins the j-th value of every row long enough to have one
        s_ = rt._splits
        vals = flat.tolist()
        rows = [vals[s_[i]:s_[i + 1]] for i in range(len(s_) - 1)]
        width = max([len(r) for r in rows] + [0])
        return _str_tensor([sep.join(r[j] for r in rows if len(r) > j) for j in range(width)],
                           (width,))
    if 0 < a < rank - 1:
        # join within each outer row, then put the rows back together
        parts = [reduce_join(rt[i], axis=a - 1, separator=sep) for i in range(rt.nrows_int)]
        if all(isinstance(p, Tensor) and p._value.ndim == 1 for p in parts):
            flat_out = [v for p in parts for v in p._value.tolist()]
            lengths = np.array([p._value.shape[0] for p in parts], np.int64)
            splits = np.zeros(lengths.shape[0] + 1, rt._splits.dtype)
            np.cumsum(lengths, out=splits[1:])
            return RaggedTensor._make(_str_tensor(flat_out, (len(flat_out),)), splits)
    raise InvalidArgumentError(
        "tf.strings.reduce_join: ndflow joins a RaggedTensor along its last axis, along "
        "axis 0 when it has rank 2, or along all axes (axis=None); got axis=%r for shape "
        "%s. Pad it with .to_tensor() first to join along other axes." % (axis, rt.shape))


def unsorted_segment_join(inputs, segment_ids, num_segments, separator="", name=None):
    """Joins the slices of ``inputs`` that share a segment id, in input order.  Segments
    with no slice give ''; ``segment_ids`` (shape = a prefix of ``inputs``' shape) must
    lie in ``[0, num_segments)``."""
    arr = _strings(inputs, "unsorted_segment_join", "inputs")
    sep = _scalar_str(separator, "unsorted_segment_join", "separator")
    ids = _int_array(segment_ids, "unsorted_segment_join", "segment_ids")
    num = _int_arg(num_segments, "unsorted_segment_join", "num_segments", 0)
    if ids.ndim == 0:
        raise InvalidArgumentError("tf.strings.unsorted_segment_join: segment_ids must have "
                                   "rank >= 1 (one id per slice of inputs), got a scalar.")
    if arr.shape[:ids.ndim] != ids.shape:
        raise InvalidArgumentError(
            "tf.strings.unsorted_segment_join: the shape of segment_ids %s must be a prefix "
            "of the shape of inputs %s." % (ids.shape, arr.shape))
    flat_ids = ids.reshape(-1)
    if flat_ids.size and (flat_ids.min() < 0 or flat_ids.max() >= num):
        bad = flat_ids[(flat_ids < 0) | (flat_ids >= num)][0]
        raise InvalidArgumentError(
            "tf.strings.unsorted_segment_join: segment id %d is outside [0, %d) "
            "(num_segments=%d)." % (bad, num, num))
    inner = arr.shape[ids.ndim:]
    k = int(np.prod(inner)) if inner else 1
    slices = arr.reshape((flat_ids.size, k)).tolist()
    buckets = [[] for _ in range(num)]
    for sid, row in zip(flat_ids.tolist(), slices):
        buckets[sid].append(row)
    out = []
    for b in buckets:
        out.extend(sep.join(r[j] for r in b) for j in range(k))
    return _str_tensor(out, (num,) + inner)


# ---- splitting ------------------------------------------------------------------------------

def _ragged_over(flat, lengths, shape):
    """A RaggedTensor whose last (ragged) dimension holds ``lengths[i]`` values of ``flat``
    for the i-th element of an input of ``shape`` (rank >= 1); the input's own dimensions
    stay uniform, as ``RaggedTensor.from_tensor`` builds them: shape ``shape + [None]``."""
    lengths = np.asarray(lengths, np.int64)
    splits = np.zeros(lengths.shape[0] + 1, np.int64)
    np.cumsum(lengths, out=splits[1:])
    rt = RaggedTensor._make(flat, splits)
    for level in range(len(shape) - 1, 0, -1):
        n = int(np.prod(shape[:level]))
        width = int(shape[level])
        rt = RaggedTensor._make(rt, np.arange(n + 1, dtype=np.int64) * width, width)
    return rt


def _split_rows(arr, split_one):
    """``split_one`` (str -> list of str) over an array of strings: a 1-D tensor for a
    scalar, a RaggedTensor of shape ``arr.shape + [None]`` otherwise."""
    if arr.ndim == 0:
        toks = split_one(arr[()])
        return _str_tensor(toks, (len(toks),))
    rows = [split_one(s) for s in arr.reshape(-1).tolist()]
    flat = [t for r in rows for t in r]
    return _ragged_over(_str_tensor(flat, (len(flat),)), [len(r) for r in rows], arr.shape)


def _ws_split(s, maxsplit):
    if maxsplit < 0:
        return _NOT_WS.findall(s)
    if maxsplit == 0:               # TF: the string itself, whitespace and all
        return [s]
    out = []
    for m in _NOT_WS.finditer(s):
        if len(out) == maxsplit:
            out.append(s[m.start():])
            break
        out.append(m.group(0))
    return out


@_ragged_rows
def split(input, sep=None, maxsplit=-1, name=None):
    """Splits each string on ``sep`` (on runs of ASCII whitespace, ignoring leading and
    trailing whitespace, when ``sep`` is None or '') at most ``maxsplit`` times.

    A scalar gives a 1-D string tensor.  An input of rank >= 1 gives a RaggedTensor of
    shape ``input.shape + [None]`` (int64 row_splits): the tokens of each string form the
    last, ragged, dimension.  A RaggedTensor input gains one more ragged dimension."""
    arr = _strings(input, "split")
    sep = "" if sep is None else _scalar_str(sep, "split", "sep")
    maxsplit = _int_arg(maxsplit, "split", "maxsplit")
    if sep == "":
        return _split_rows(arr, lambda s: _ws_split(s, maxsplit))
    return _split_rows(arr, lambda s: s.split(sep, maxsplit))


@_ragged_rows
def bytes_split(input, name=None):
    """Each string as a sequence of one-byte strings (a 1-D tensor for a scalar, a
    RaggedTensor otherwise).  Bytes of multi-byte characters come out one by one, as
    lone surrogates where they are not ASCII."""
    arr = _strings(input, "bytes_split")

    def one(s):
        if s.isascii():
            return list(s)
        return [bytes([b]).decode("utf-8", "surrogateescape") for b in _utf8(s)]

    return _split_rows(arr, one)


_UTF8_LEAD = {c: n for lo, hi, n in ((0xC2, 0xDF, 1), (0xE0, 0xEF, 2), (0xF0, 0xF4, 3))
              for c in range(lo, hi + 1)}


def _check_unicode_args(fn, input_encoding, errors):
    if input_encoding != "UTF-8":
        raise InvalidArgumentError(
            "tf.strings.%s: input_encoding must be 'UTF-8' (ndflow's string tensors hold "
            "UTF-8 text; TensorFlow also spells it exactly so), got %r." % (fn, input_encoding))
    if errors not in ("strict", "replace", "ignore"):
        raise InvalidArgumentError("tf.strings.%s: errors must be 'strict', 'replace' or "
                                   "'ignore', got %r." % (fn, errors))


def _chars(s, errors, repl, fn):
    """The characters of ``s`` and the UTF-8 byte offset where each starts.  Invalid UTF-8
    (lone surrogates from surrogateescape) becomes ``repl``, is dropped or raises."""
    if s.isascii():
        return list(s), list(range(len(s)))
    chars, offsets = [], []
    i = pos = 0
    while i < len(s):
        c = s[i]
        if not "\udc80" <= c <= "\udcff":
            chars.append(c)
            offsets.append(pos)
            pos += len(c.encode("utf-8"))
            i += 1
            continue
        if errors == "strict":
            raise InvalidArgumentError(
                "tf.strings.%s: the string %r is not valid UTF-8 (byte 0x%02x); use "
                "errors='replace' or 'ignore'." % (fn, s, ord(c) - 0xDC00))
        # a truncated multi-byte sequence counts as one invalid character
        start = pos
        need = _UTF8_LEAD.get(ord(c) - 0xDC00, 0)
        i += 1
        pos += 1
        while need and i < len(s) and _is_cont(s[i]):
            i += 1
            pos += 1
            need -= 1
        if errors == "replace":
            chars.append(repl)
            offsets.append(start)
    return chars, offsets


def _unicode_rows(fn, input, input_encoding, errors, replacement_char, decode=False,
                  replace_control_characters=False):
    """(characters or code points, byte offsets) of every string of ``input``: 1-D tensors
    for a scalar, RaggedTensors of shape ``input.shape + [None]`` otherwise (a RaggedTensor
    input keeps its rows and gains a ragged dimension)."""
    _check_unicode_args(fn, input_encoding, errors)
    rt = _as_ragged(input)
    if rt is not None:
        vals, offs = _unicode_rows(fn, rt.flat_values, input_encoding, errors,
                                   replacement_char, decode, replace_control_characters)
        return _rewrap(rt, vals), _rewrap(rt, offs)
    repl = chr(int(replacement_char))
    arr = _strings(input, fn)
    rows = [_chars(x, errors, repl, fn) for x in arr.reshape(-1).tolist()]
    chars = [c for r, _ in rows for c in r]
    offsets = Tensor(np.array([o for _, r in rows for o in r], np.int64))
    if decode:
        cps = [ord(c) for c in chars]
        if replace_control_characters:
            r = int(replacement_char)
            cps = [r if c < 0x20 else c for c in cps]
        values = Tensor(np.array(cps, np.int32))
    else:
        values = _str_tensor(chars, (len(chars),))
    if arr.ndim == 0:
        return values, offsets
    lengths = [len(r) for r, _ in rows]
    return _ragged_over(values, lengths, arr.shape), _ragged_over(offsets, lengths, arr.shape)


def unicode_split(input, input_encoding, errors="replace", replacement_char=65533,
                  name=None):
    """Each string as a sequence of characters (a 1-D tensor for a scalar, a
    RaggedTensor of shape ``input.shape + [None]`` otherwise).  Only
    ``input_encoding='UTF-8'`` is supported: ndflow's string tensors hold text.  Invalid
    UTF-8 bytes become ``chr(replacement_char)`` (``errors='replace'``), are dropped
    (``'ignore'``) or raise (``'strict'``)."""
    return _unicode_rows("unicode_split", input, input_encoding, errors, replacement_char)[0]


def unicode_split_with_offsets(input, input_encoding, errors="replace",
                               replacement_char=65533, name=None):
    """``unicode_split`` plus the UTF-8 byte offset (int64) where each character starts."""
    return _unicode_rows("unicode_split_with_offsets", input, input_encoding, errors,
                         replacement_char)


def unicode_decode(input, input_encoding, errors="replace", replacement_char=65533,
                   replace_control_characters=False, name=None):
    """The Unicode code points (int32) of each string: a 1-D tensor for a scalar, a
    RaggedTensor otherwise.  Invalid UTF-8 is handled as in ``unicode_split``; with
    ``replace_control_characters`` the C0 control characters become ``replacement_char``."""
    return _unicode_rows("unicode_decode", input, input_encoding, errors, replacement_char,
                         True, replace_control_characters)[0]


def unicode_decode_with_offsets(input, input_encoding, errors="replace",
                                replacement_char=65533, replace_control_characters=False,
                                name=None):
    """``unicode_decode`` plus the UTF-8 byte offset (int64) where each character starts."""
    return _unicode_rows("unicode_decode_with_offsets", input, input_encoding, errors,
                         replacement_char, True, replace_control_characters)


def unicode_encode(input, output_encoding, errors="replace", replacement_char=65533,
                   name=None):
    """Strings from Unicode code points: each innermost row of ``input`` (an int tensor of
    rank >= 1, or a RaggedTensor) becomes one string, so the result has one dimension
    less (a RaggedTensor of ragged_rank 1 gives a dense vector, deeper ones stay ragged).
    Code points that are not valid (negative, surrogates, above U+10FFFF) become
    ``replacement_char`` (``errors='replace'``), are dropped (``'ignore'``) or raise
    (``'strict'``).  Only ``output_encoding='UTF-8'`` is supported."""
    fn = "tf.strings.unicode_encode"
    if output_encoding != "UTF-8":
        raise InvalidArgumentError(
            "%s: output_encoding must be 'UTF-8' (ndflow's string tensors hold UTF-8 text), "
            "got %r." % (fn, output_encoding))
    if errors not in ("strict", "replace", "ignore"):
        raise InvalidArgumentError("%s: errors must be 'strict', 'replace' or 'ignore', got "
                                   "%r." % (fn, errors))
    repl = chr(int(replacement_char))

    def text(cps):
        out = []
        for c in cps:
            if 0 <= c <= 0x10FFFF and not 0xD800 <= c <= 0xDFFF:
                out.append(chr(c))
            elif errors == "strict":
                raise InvalidArgumentError("%s: %d is not a valid Unicode code point; use "
                                           "errors='replace' or 'ignore'." % (fn, c))
            elif errors == "replace":
                out.append(repl)
        return "".join(out)

    def encode(x):
        rt = _as_ragged(x)
        if rt is not None:
            if isinstance(rt.values, RaggedTensor) or rt.values._value.ndim > 1:
                return rt.with_values(encode(rt.values))
            cps = _int_array(rt.values, "unicode_encode", "input").tolist()
            sp = rt._splits
            return _str_tensor([text(cps[sp[i]:sp[i + 1]]) for i in range(len(sp) - 1)],
                               (len(sp) - 1,))
        arr = _int_array(x, "unicode_encode", "input")
        if arr.ndim == 0:
            raise InvalidArgumentError("%s: input must have rank >= 1 (the code points of a "
                                       "string), got a scalar." % fn)
        flat = arr.reshape(int(np.prod(arr.shape[:-1])), arr.shape[-1]).tolist()
        return _str_tensor([text(r) for r in flat], arr.shape[:-1])

    return encode(input)


# ---- regular expressions --------------------------------------------------------------------

def _compile(fn, pattern):
    pat = _scalar_str(pattern, fn, "pattern")
    try:
        return _re2.compile_re2(pat)
    except _re2.RE2Error as e:
        raise InvalidArgumentError("tf.strings.%s: invalid RE2 pattern %r: %s." % (fn, pat, e)) \
            from None


@_ragged_rows
def regex_replace(input, pattern, rewrite, replace_global=True, name=None):
    """Replaces the matches of the RE2 ``pattern`` with ``rewrite`` (every match, or only
    the first with ``replace_global=False``).  In ``rewrite``, ``\\0`` is the whole match,
    ``\\1`` .. ``\\9`` the groups, ``\\\\`` a backslash.  A rewrite with another escape,
    or naming a group the pattern lacks, raises (TensorFlow silently returns '' or the
    unchanged string)."""
    compiled = _compile("regex_replace", pattern)
    rw = _scalar_str(rewrite, "regex_replace", "rewrite")
    try:
        parts = _re2.parse_rewrite(rw, compiled.groups)
    except _re2.RE2Error as e:
        raise InvalidArgumentError("tf.strings.regex_replace: %s." % e) from None
    if replace_global:
        template = _re2.python_template(parts)
        return _map("regex_replace", input,
                    lambda s: _re2.replace_all(compiled, parts, s, template))
    return _map("regex_replace", input, lambda s: _re2.replace_first(compiled, parts, s))


@_ragged_rows
def regex_full_match(input, pattern, name=None):
    """True where the whole string matches the RE2 ``pattern``."""
    full = _compile("regex_full_match", pattern).rx.fullmatch
    return _map("regex_full_match", input, lambda s: full(s) is not None, np.bool_)


# ---- numbers <-> text -----------------------------------------------------------------------

_FLOAT_TEXT = re.compile(r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
                         r"|inf(?:inity)?|nan)\Z", re.IGNORECASE)
_HEX_FLOAT = re.compile(r"[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)"
                        r"(?:[pP][+-]?[0-9]+)?\Z")
_INT_TEXT = re.compile(r"[+-]?[0-9]+\Z")
_NUMBER_TYPES = ("float32", "float64", "int32", "int64", "uint32", "uint64")


@_ragged_rows
def to_number(input, out_type=_dt.float32, name=None):
    """Parses each string as a number of ``out_type`` (float32, float64, int32, int64,
    uint32 or uint64).  Surrounding ASCII whitespace is allowed; floats accept decimal
    and hexadecimal notation, ``inf`` and ``nan``; a value out of a float's range becomes
    +-inf, out of an integer's range is an error, as is any other text."""
    dt = _dt.as_dtype(out_type)
    if dt.name not in _NUMBER_TYPES:
        raise InvalidArgumentError("tf.strings.to_number: out_type must be one of %s, got %s."
                                   % (", ".join(_NUMBER_TYPES), dt.name))
    arr = _strings(input, "to_number")
    flat = arr.reshape(-1).tolist()
    is_float = dt.name.startswith("float")
    vals = []
    for i, raw in enumerate(flat):
        s = raw.strip(_ASCII_WS)
        v = None
        if is_float:
            if _FLOAT_TEXT.match(s):
                v = float(s)
            elif _HEX_FLOAT.match(s):
                v = float.fromhex(s)
        elif _INT_TEXT.match(s):
            v = int(s)
            if not dt.min <= v <= dt.max:
                v = None
        if v is None:
            raise InvalidArgumentError(
                "tf.strings.to_number: cannot convert the string %r (element %d) to %s: "
                "expected %s." % (raw, i, dt.name, "a decimal or hexadecimal number such as "
                                  "'3', '-2.5', '1e-3', 'inf' or 'nan'" if is_float else
                                  "a whole decimal number in [%d, %d]" % (dt.min, dt.max)))
        vals.append(v)
    if is_float:
        with np.errstate(over="ignore"):
            out = np.array(vals, np.float64).astype(dt._np)
    else:
        out = np.array(vals, dtype=dt._np)
    return Tensor(out.reshape(arr.shape))


_FILLS = ("", " ", "+", "-", "#", "0")


@_ragged_rows
def as_string(input, precision=-1, scientific=False, shortest=False, width=-1, fill="",
              name=None):
    """Numbers (and bools) as text, with C printf rules: floats as ``%f`` (``%e`` with
    ``scientific``, ``%g`` with ``shortest``) with ``precision`` digits, every value
    right-aligned in ``width`` characters; ``fill`` is a printf flag: '0' (zero-pad),
    ' ', '+', '-' (left-align) or '#'.  Bools give "true"/"false"."""
    fill = _scalar_str(fill, "as_string", "fill") if not isinstance(fill, str) else fill
    if fill not in _FILLS:
        raise InvalidArgumentError(
            "tf.strings.as_string: fill must be one of '', ' ', '+', '-', '#', '0' (a printf "
            "flag), got %r." % (fill,))
    if scientific and shortest:
        raise InvalidArgumentError("tf.strings.as_string: scientific and shortest cannot both "
                                   "be True.")
    x = input if isinstance(input, Tensor) else convert_to_tensor(input)
    arr = to_numpy(x._value)
    kind = arr.dtype.kind
    width_txt = str(int(width)) if width is not None and width > -1 else ""
    prec_txt = ".%d" % int(precision) if precision is not None and precision > -1 else ""
    if kind in "biu":
        what = "bool" if kind == "b" else x.dtype.name
        if prec_txt:
            raise InvalidArgumentError("tf.strings.as_string: precision applies to floating "
                                       "point values only, got dtype %s." % what)
        if scientific or shortest:
            raise InvalidArgumentError("tf.strings.as_string: scientific and shortest apply "
                                       "to floating point values only, got dtype %s." % what)
    flat = arr.reshape(-1).tolist()
    if kind == "b":
        vals = ["true" if v else "false" for v in flat]
    elif kind in "iu":
        fmt = "%" + fill + width_txt + "d"
        vals = [fmt % v for v in flat]
    elif kind in "fc":
        spec = width_txt + prec_txt + ("e" if scientific else "g" if shortest else "f")
        fmt = "%" + fill + spec
        # C pads inf and nan with spaces even under the '0' flag
        odd = "%" + spec if fill == "0" else fmt

        def one(v):
            return (fmt if v - v == 0 else odd) % v

        if kind == "f":
            vals = [one(v) for v in flat]
        else:
            vals = ["(%s,%s)" % (one(v.real), one(v.imag)) for v in flat]
    elif kind == "O":
        strs = _strings(arr, "as_string")
        fmt = "%" + fill + width_txt + "s"
        vals = [fmt % s for s in strs.reshape(-1).tolist()]
    else:
        raise TypeError("tf.strings.as_string: cannot format values of dtype %s."
                        % x.dtype.name)
    return _str_tensor(vals, arr.shape)


def _c_escape(s):
    out = []
    for c in s:
        o = ord(c)
        if c in '"\'\\':
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\n")
        elif c == "\r":
            out.append("\\r")
        elif c == "\t":
            out.append("\\t")
        elif o < 0x20 or o == 0x7F:
            out.append("\\%03o" % o)
        elif 0xDC80 <= o <= 0xDCFF:         # a raw byte of invalid UTF-8
            out.append("\\%03o" % (o - 0xDC00))
        else:
            out.append(c)
    return "".join(out)


def _float_text(v, single):
    """The shortest of %.Ng that reads back to ``v`` (N = 6 or 9 for float32, 15 or 17
    for float64), as TensorFlow prints tensor values."""
    f = float(v)
    if f != f:
        return "nan"
    if f in (float("inf"), float("-inf")):
        return "inf" if f > 0 else "-inf"
    if single:
        s = "%.6g" % f
        return s if np.float32(float(s)) == np.float32(f) else "%.9g" % f
    s = "%.15g" % f
    return s if float(s) == f else "%.17g" % f


def _value_text(arr):
    kind = arr.dtype.kind
    if kind == "b":
        return lambda v: "1" if v else "0"
    if kind in "iu":
        return str
    if kind == "f":
        single = arr.dtype.itemsize <= 4
        return lambda v: _float_text(v, single)
    if kind == "c":
        single = arr.dtype.itemsize <= 8
        return lambda v: "(%s,%s)" % (_float_text(v.real, single), _float_text(v.imag, single))
    return lambda v: '"%s"' % _c_escape(_decode(v))


def _summarize(arr, limit):
    text = _value_text(arr)
    if arr.ndim == 0:
        return text(arr[()])

    def rec(a, depth):
        n = a.shape[0]
        if limit >= 0 and n > 2 * limit:
            idx = list(range(limit)) + [None] + list(range(n - limit, n))
        else:
            idx = list(range(n))
        if a.ndim == 1:
            items = ["..." if i is None else text(a[i]) for i in idx]
            return "[" + " ".join(items) + "]"
        items = ["..." if i is None else rec(a[i], depth + 1) for i in idx]
        return "[" + ("\n" * (a.ndim - 1) + " " * (depth + 1)).join(items) + "]"

    return rec(arr, 0)


def format(template, inputs, placeholder="{}", summarize=3, name=None):
    """``template`` with each ``placeholder`` replaced by the next input, printed as
    TensorFlow prints tensors: ``[1 2 3]``, strings quoted, the first and last
    ``summarize`` entries of long dimensions around ``...`` (all with -1)."""
    template = _scalar_str(template, "format", "template")
    placeholder = _scalar_str(placeholder, "format", "placeholder")
    items = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    pieces = template.split(placeholder)
    if len(pieces) - 1 != len(items):
        raise ValueError("tf.strings.format: the template has %d placeholder(s) %r but %d "
                         "input(s) were given; pass one input per placeholder."
                         % (len(pieces) - 1, placeholder, len(items)))
    limit = int(summarize)
    out = [pieces[0]]
    for x, after in zip(items, pieces[1:]):
        arr = to_numpy(x._value) if isinstance(x, Tensor) else convert_to_tensor(x)._value
        out.append(_summarize(np.asarray(arr), limit))
        out.append(after)
    return _str_tensor(["".join(out)], ())


# ---- hashing --------------------------------------------------------------------------------

_M64 = 0xFFFFFFFFFFFFFFFF


def _hash64_legacy(data, seed=0xDECAFCAFFE):
    """The 64-bit hash behind ``tf.strings.to_hash_bucket`` (a MurmurHash64A-style
    multiply/xor-shift hash of the bytes with TensorFlow's fixed seed)."""
    mul = 0xC6A4A7935BD1E995
    n = len(data)
    h = (seed ^ (n * mul)) & _M64
    whole = n - (n & 7)
    for (k,) in struct.iter_unpack("<Q", data[:whole]):
        k = (k * mul) & _M64
        k ^= k >> 47
        k = (k * mul) & _M64
        h = ((h ^ k) * mul) & _M64
    if n & 7:
        h = ((h ^ int.from_bytes(data[whole:], "little")) * mul) & _M64
    h ^= h >> 47
    h = (h * mul) & _M64
    return h ^ (h >> 47)


def _buckets(fn, input, num_buckets, hash_fn):
    n = _int_arg(num_buckets, fn, "num_buckets", 1)
    return _map(fn, input, lambda s: hash_fn(_utf8(s)) % n, np.int64)


@_ragged_rows
def to_hash_bucket_fast(input, num_buckets, name=None):
    """FarmHash Fingerprint64 of each string's UTF-8 bytes modulo ``num_buckets`` (int64):
    the same buckets as TensorFlow."""
    return _buckets("to_hash_bucket_fast", input, num_buckets, fingerprint64)


@_ragged_rows
def to_hash_bucket_strong(input, num_buckets, key, name=None):
    """Keyed SipHash-2-4 of each string modulo ``num_buckets`` (int64); ``key`` is a list
    of two 64-bit integers."""
    k = _int_array(key, "to_hash_bucket_strong", "key").reshape(-1) \
        if isinstance(key, (Tensor, np.ndarray)) else list(key)
    k = [int(v) for v in k]
    if len(k) != 2:
        raise InvalidArgumentError("tf.strings.to_hash_bucket_strong: key must have 2 "
                                   "elements (the two 64-bit words of the SipHash key), got "
                                   "%d." % len(k))
    for v in k:
        if not -2 ** 63 <= v < 2 ** 63:
            raise InvalidArgumentError("tf.strings.to_hash_bucket_strong: each key element "
                                       "must fit in a signed 64-bit integer, got %d." % v)
    k0, k1 = k
    return _buckets("to_hash_bucket_strong", input, num_buckets,
                    lambda b: siphash24(b, k0, k1))


@_ragged_rows
def to_hash_bucket(input, num_buckets, name=None):
    """TensorFlow's legacy string hash modulo ``num_buckets`` (int64).  Prefer
    ``to_hash_bucket_fast``."""
    return _buckets("to_hash_bucket", input, num_buckets, _hash64_legacy)


# ---- n-grams --------------------------------------------------------------------------------

def ngrams(data, ngram_width, separator=" ", pad_values=None, padding_width=None,
           preserve_short_sequences=False, name=None):
    """The n-grams of each sequence along the last axis, joined with ``separator``, for
    each width in ``ngram_width`` (an int or a list).  ``pad_values`` (a string, or a
    (left, right) pair) pads each side with ``padding_width`` values (default: width - 1,
    never more).  With ``preserve_short_sequences`` a sequence too short for any n-gram
    gives one n-gram of the whole (padded) sequence."""
    widths = [ngram_width] if isinstance(ngram_width, (int, np.integer)) else \
        [int(w) for w in ngram_width]
    for w in widths:
        if w < 1:
            raise ValueError("tf.strings.ngrams: every ngram width must be greater than 0, "
                             "got %d." % w)
    if pad_values is None:
        left = right = None
    elif isinstance(pad_values, (str, bytes)):
        left = right = _decode(pad_values)
    elif isinstance(pad_values, (tuple, list)) and len(pad_values) == 2 and all(
            isinstance(v, (str, bytes)) for v in pad_values):
        left, right = (_decode(v) for v in pad_values)
    else:
        raise TypeError("tf.strings.ngrams: pad_values must be a string, a (left, right) "
                        "pair of strings, or None; got %r." % (pad_values,))
    if padding_width is not None:
        if left is None:
            raise ValueError("tf.strings.ngrams: padding_width needs pad_values (the strings "
                             "to pad with).")
        if padding_width < 1:
            raise ValueError("tf.strings.ngrams: padding_width must be greater than 0, got "
                             "%r." % (padding_width,))
    sep = _scalar_str(separator, "ngrams", "separator")
    rt = _as_ragged(data)
    if rt is not None and (isinstance(rt.values, RaggedTensor) or rt.values._value.ndim > 1):
        # n-grams of the innermost rows, one ragged level at a time
        return rt.with_values(ngrams(rt.values, ngram_width, separator, pad_values,
                                     padding_width, preserve_short_sequences))
    arr = _strings(rt.values if rt is not None else data, "ngrams", "data")
    if arr.ndim == 0:
        raise ValueError("tf.strings.ngrams: data must have rank >= 1 (a sequence of "
                         "tokens), got a scalar string. Split it first, e.g. "
                         "tf.strings.split(text).")

    def pads(w):
        if left is None:
            return 0
        return w - 1 if padding_width is None else min(int(padding_width), w - 1)

    def one(seq):
        out = []
        if not seq:                 # an empty sequence has no n-grams, padded or not
            return out
        for w in widths:
            p = pads(w)
            padded = [left] * p + seq + [right] * p
            out.extend(sep.join(padded[i:i + w]) for i in range(len(padded) - w + 1))
        if not out and preserve_short_sequences and seq and widths:
            p = pads(min(widths))
            out.append(sep.join([left] * p + seq + [right] * p))
        return out

    if rt is not None:
        # the innermost rows of the RaggedTensor are the sequences
        sp = rt._splits
        toks = arr.tolist()
        rows = [one(toks[sp[i]:sp[i + 1]]) for i in range(len(sp) - 1)]
        flat = [t for r in rows for t in r]
        lengths = np.array([len(r) for r in rows], np.int64)
        splits = np.zeros(lengths.shape[0] + 1, sp.dtype)
        np.cumsum(lengths, out=splits[1:])
        return RaggedTensor._make(_str_tensor(flat, (len(flat),)), splits)
    lead = arr.shape[:-1]
    nrows = int(np.prod(lead)) if lead else 1
    seqs = arr.reshape((nrows, arr.shape[-1])).tolist() if arr.size else \
        [[] for _ in range(nrows)]
    rows = [one(s) for s in seqs]
    # a dense input has rows of one length, so every row has as many n-grams
    k = len(rows[0]) if rows else 0
    return _str_tensor([t for r in rows for t in r], lead + (k,))
