"""``tf.io.parse_single_example``, ``tf.io.parse_example`` and
``tf.io.parse_single_sequence_example``, with the feature specs ``tf.io.FixedLenFeature``,
``tf.io.VarLenFeature`` and ``tf.io.FixedLenSequenceFeature``.

    spec = {"image": tf.io.FixedLenFeature([], tf.string),
            "label": tf.io.FixedLenFeature([], tf.int64),
            "weights": tf.io.FixedLenFeature([3], tf.float32, default_value=[1., 1., 1.])}
    dataset = tf.data.TFRecordDataset("train.tfrecord").map(
        lambda record: tf.io.parse_single_example(record, spec))

Example features hold only three types, so a spec's dtype is ``tf.string`` (a bytes
list), ``tf.float32`` or ``tf.int64``; parse and ``tf.cast`` afterwards for others.

A ``VarLenFeature`` comes back, as in TensorFlow, as a ``tf.SparseTensor`` (int64
``indices``, ``values`` of the spec's dtype, int64 ``dense_shape``):

* from ``parse_single_example`` (and the context of ``parse_single_sequence_example``):
  indices ``[[0], [1], ...]`` and dense shape ``[number of values]``;
* from ``parse_example``: indices ``[[example, position], ...]`` and dense shape
  ``[batch size, most values in one example]``;
* for the sequence features of ``parse_single_sequence_example``: indices
  ``[[step, position], ...]`` and dense shape ``[steps, most values in one step]``.

``tf.sparse.to_dense(result, default_value)`` gives the padded dense tensor.  ndflow's
``tf.data`` does not carry SparseTensors from one step of a pipeline to the next yet: a
``Dataset.map`` function that parses VarLenFeatures should return
``tf.sparse.to_dense(...)`` (or the SparseTensor's ``values``) instead of the SparseTensor.

The results are returned in TensorFlow's order: VarLenFeatures by name, then the others
by name.
"""
from collections import namedtuple

import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.core import errors
from ndflow.core.tensor import Tensor
from ndflow.io import example_pb as _pb
from ndflow.io._util import _value, string_array, to_bytes
from ndflow.sparse.sparse_tensor import SparseTensor

__all__ = ["FixedLenFeature", "VarLenFeature", "FixedLenSequenceFeature",
           "parse_single_example", "parse_example", "parse_single_sequence_example"]


class FixedLenFeature(namedtuple("FixedLenFeature", ["shape", "dtype", "default_value"])):
    """A feature with a fixed number of values, parsed into a dense tensor of ``shape``.

    ``default_value`` (optional, with exactly ``shape``'s number of values) is used for
    examples that lack the feature; without one such an example is an error.
    """
    __slots__ = ()

    def __new__(cls, shape, dtype, default_value=None):
        return super().__new__(cls, shape, dtype, default_value)


class VarLenFeature(namedtuple("VarLenFeature", ["dtype"])):
    """A feature with any number of values, parsed into a ``tf.SparseTensor`` (see the
    module docstring for its indices and dense shape)."""
    __slots__ = ()


class FixedLenSequenceFeature(namedtuple("FixedLenSequenceFeature",
                                         ["shape", "dtype", "allow_missing",
                                          "default_value"])):
    """A variable number of items of ``shape`` each.

    In a SequenceExample's feature lists: one item per step, parsed into
    ``[steps, *shape]``.  In an Example (``allow_missing=True`` required): the feature's
    values cut into items, ``[items, *shape]``; ``parse_example`` pads the shorter examples
    with ``default_value`` (0 or b'' when None).
    """
    __slots__ = ()

    def __new__(cls, shape, dtype, allow_missing=False, default_value=None):
        return super().__new__(cls, shape, dtype, allow_missing, default_value)


# ---- SparseTensors of VarLenFeatures ------------------------------------------------
def _sparse_1d(spec, vals):
    """The SparseTensor of one example's values: indices [[0], [1], ...]."""
    vals = _as_1d(spec, vals)
    n = len(vals)
    return SparseTensor(Tensor(np.arange(n, dtype=np.int64).reshape(n, 1)), Tensor(vals),
                        Tensor(np.array([n], np.int64)))


def _sparse_rows(spec, rows):
    """The SparseTensor of several rows of values (examples or steps): indices
    [[row, position], ...] and dense shape [rows, longest row]."""
    lengths = [len(r) for r in rows]
    index_rows = np.repeat(np.arange(len(rows), dtype=np.int64), lengths)
    positions = (np.concatenate([np.arange(n, dtype=np.int64) for n in lengths])
                 if rows else np.zeros(0, np.int64))
    values = np.concatenate(rows) if rows else _empty(spec.dtype, (0,))
    if values.dtype != _empty(spec.dtype, (0,)).dtype:
        values = values.astype(_empty(spec.dtype, (0,)).dtype)
    return SparseTensor(Tensor(np.stack([index_rows, positions], axis=1)), Tensor(values),
                        Tensor(np.array([len(rows), max(lengths, default=0)], np.int64)))


# ---- specs --------------------------------------------------------------------------
_KIND = {1: "string", 2: "float", 3: "int64"}        # the Feature's oneof field number
_WANT = {"string": 1, "float32": 2, "int64": 3}
_KIND_NAME = {1: "bytes_list (string)", 2: "float_list (float32)", 3: "int64_list (int64)"}


def _empty(dtype, shape):
    if dtype == _dt.string:
        out = np.empty(shape, dtype=object)
        out[...] = b""
        return out
    return np.zeros(shape, dtype=dtype._np)


def _spec_dtype(fn, key, feature):
    try:
        dtype = _dt.as_dtype(feature.dtype)
    except (TypeError, ValueError):
        dtype = None
    if dtype is None or dtype.name not in _WANT:
        raise ValueError(
            "%s: feature %r has dtype %s, but Example features hold only tf.string "
            "(bytes), tf.float32 or tf.int64. Parse it as one of those and tf.cast the "
            "result (for example tf.int64 for integers)." % (
                fn, key, getattr(feature.dtype, "name", feature.dtype)))
    return dtype


def _spec_shape(fn, key, feature, what):
    shape = feature.shape
    if shape is None:
        raise ValueError("%s: missing shape for feature %r. Give the shape of one "
                         "example's value ([] for a single value). Received %r."
                         % (fn, key, feature))
    if hasattr(shape, "as_list"):
        shape = shape.as_list()
    elif isinstance(shape, (int, np.integer)):
        shape = [shape]
    shape = list(shape)
    if any(d is None or (d is not None and int(d) < 0) for d in shape):
        hint = (" Consider using FixedLenSequenceFeature." if what == "FixedLenFeature"
                else "")
        raise ValueError("%s: all dimensions of the shape of feature %r must be known, got "
                         "%s.%s Received %r." % (fn, key, shape, hint, feature))
    return tuple(int(d) for d in shape)


def _default_array(fn, key, dtype, shape, default):
    """The default value as an array of ``shape``, or None."""
    if default is None:
        return None
    v = _value(default)
    if dtype == _dt.string:
        arr = string_array(v, fn, "default_value of %r" % key)
    else:
        arr = np.asarray(v)
        if arr.dtype == object or arr.dtype.kind not in "biuf":
            raise ValueError("%s: the default_value of feature %r must be numbers, got %r."
                             % (fn, key, default))
        arr = arr.astype(dtype._np)
    size = int(np.prod(shape, dtype=np.int64))
    if arr.size != size:
        raise ValueError(
            "%s: the default_value of feature %r has %d value(s), but the feature's shape "
            "%s needs %d. Give a default of exactly that shape (for example %s)." % (
                fn, key, arr.size, list(shape), size,
                "[%s] * %d" % ("b''" if dtype == _dt.string else "0", size)
                if len(shape) == 1 else "tf.zeros(%s)" % list(shape)))
    return arr.reshape(shape)


class _Spec:
    __slots__ = ("key", "kind", "dtype", "want", "shape", "size", "default", "pad",
                 "allow_missing")

    def __init__(self, fn, key, feature, sequence=False):
        self.key = key
        if isinstance(feature, FixedLenFeature):
            self.kind = "fixed"
        elif isinstance(feature, VarLenFeature):
            self.kind = "varlen"
        elif isinstance(feature, FixedLenSequenceFeature):
            self.kind = "sequence"
        else:
            raise ValueError(
                "%s: the spec of feature %r must be a tf.io.FixedLenFeature, "
                "tf.io.VarLenFeature or tf.io.FixedLenSequenceFeature, got %s %r."
                % (fn, key, type(feature).__name__, feature))
        self.dtype = _spec_dtype(fn, key, feature)
        self.want = _WANT[self.dtype.name]
        self.default = self.pad = None
        self.allow_missing = False
        self.shape = ()
        self.size = 1
        if self.kind == "varlen":
            return
        self.shape = _spec_shape(fn, key, feature, type(feature).__name__)
        self.size = int(np.prod(self.shape, dtype=np.int64))
        if self.kind == "fixed":
            self.default = _default_array(fn, key, self.dtype, self.shape,
                                          feature.default_value)
        else:
            self.allow_missing = bool(feature.allow_missing)
            if not sequence and not self.allow_missing:
                raise ValueError(
                    "%s: FixedLenSequenceFeature %r needs allow_missing=True in an Example "
                    "(TensorFlow supports it only that way). Write "
                    "tf.io.FixedLenSequenceFeature(%s, %s, allow_missing=True)."
                    % (fn, key, list(self.shape), "tf." + self.dtype.name))
            if self.size == 0:
                raise ValueError("%s: FixedLenSequenceFeature %r has a shape with no "
                                 "elements (%s)." % (fn, key, list(self.shape)))
            pad = feature.default_value
            if pad is None:
                pad = b"" if self.dtype == _dt.string else 0
            pad = _value(pad)
            if isinstance(pad, np.ndarray):
                if pad.size != 1:
                    raise ValueError("%s: the default_value of FixedLenSequenceFeature %r "
                                     "pads missing items and must be one value, got %r."
                                     % (fn, key, feature.default_value))
                pad = pad.reshape(())[()]
            if isinstance(pad, str) and self.dtype == _dt.string:
                pad = pad.encode("utf-8")
            self.pad = pad

    def describe(self):
        return "%s (data type: %s)" % (self.key, self.dtype.name)


def _specs(fn, features, sequence=False):
    """The checked specs, in the order of TensorFlow's result dicts: the VarLenFeatures
    (TensorFlow's sparse outputs) sorted by name, then the others sorted by name."""
    if features is None:
        return []
    if not hasattr(features, "items"):
        raise TypeError("%s: features must be a dict {name: tf.io.FixedLenFeature(...) "
                        "| tf.io.VarLenFeature(...) | ...}, got %s."
                        % (fn, type(features).__name__))
    specs = [_Spec(fn, key, feature, sequence) for key, feature in features.items()]
    return sorted(specs, key=lambda s: (s.kind != "varlen", str(s.key)))


# ---- decoding -------------------------------------------------------------------------
def _where(name, key, index=None):
    parts = [] if name is None else ["Name: %s" % name]
    parts.append("Key: %s" % key)
    if index is not None:
        parts.append("Index: %d" % index)
    return ", ".join(parts)


def _values(fn, buf, found, spec, name, index=None, what="Example"):
    """The feature's values (bytes list or 1-D array) or None when it is missing."""
    if found is None or found[0] == 0:
        return None
    kind, parts = found
    if kind != spec.want:
        raise errors.InvalidArgumentError(
            "%s: %s. Data types don't match: the %s holds a %s, but the spec asks for %s. "
            "Fix the dtype in the spec (or the writer)." % (
                fn, _where(name, spec.key, index), what, _KIND_NAME[kind], spec.dtype.name))
    try:
        vals = _pb.feature_values(buf, kind, parts)
    except (_pb._Corrupt, IndexError, ValueError) as e:
        raise errors.InvalidArgumentError(
            "%s: %s. Could not parse the serialized feature (%s)."
            % (fn, _where(name, spec.key, index), e)) from None
    if kind == 1:
        arr = np.empty(len(vals), dtype=object)
        arr[:] = vals
        return arr
    return vals


def _decode(fn, buf, name):
    try:
        return _pb.decode_example(buf)
    except (_pb._Corrupt, IndexError) as e:
        shown = buf[:64]
        raise errors.InvalidArgumentError(
            "%s: Could not parse example input, value: %r%s (%s). Is this a serialized "
            "tf.train.Example (a record written with example.SerializeToString())?"
            % (fn, shown, "..." if len(buf) > 64 else "", e)) from None


def _fixed(fn, spec, vals, name, index, missing_ok=False):
    """The dense value of a FixedLenFeature for one example."""
    if vals is None:
        if spec.default is not None:
            return spec.default
        raise errors.InvalidArgumentError(
            "%s: %sFeature: %s is required but could not be found. Give it a "
            "default_value in its FixedLenFeature, or make sure every example has it."
            % (fn, "" if name is None else "Name: %s, " % name, spec.describe()))
    if len(vals) != spec.size:
        raise errors.InvalidArgumentError(
            "%s: %s. Number of %s values != expected. Values size: %d but output shape: "
            "%s. Fix the FixedLenFeature's shape, or use tf.io.VarLenFeature (or "
            "FixedLenSequenceFeature with allow_missing=True) for a varying number of "
            "values." % (fn, _where(name, spec.key, index), spec.dtype.name, len(vals),
                         list(spec.shape)))
    return vals.reshape(spec.shape)


def _items(fn, spec, vals, name, index):
    """The values of a FixedLenSequenceFeature in an Example, cut into items."""
    if vals is None:
        return _empty(spec.dtype, (0,) + spec.shape)
    if len(vals) % spec.size:
        raise errors.InvalidArgumentError(
            "%s: %s. Number of %s values is not a multiple of stride length. Saw %d values "
            "but output shape is: %s." % (fn, _where(name, spec.key, index),
                                          spec.dtype.name, len(vals),
                                          [None] + list(spec.shape)))
    return vals.reshape((-1,) + spec.shape)


def _as_1d(spec, vals):
    return _empty(spec.dtype, (0,)) if vals is None else vals


# ---- the public functions -------------------------------------------------------------
def parse_single_example(serialized, features, name=None, example_names=None):
    """Parse one serialized ``tf.train.Example`` into a dict of tensors.

    ``features`` maps names to ``FixedLenFeature`` (a tensor of its shape),
    ``VarLenFeature`` (a SparseTensor with indices ``[[0], [1], ...]`` and dense shape
    ``[number of values]``) or ``FixedLenSequenceFeature(allow_missing=True)`` (a
    tensor ``[items, *shape]``).  Features of the Example that are not in ``features``
    are ignored.
    """
    fn = "tf.io.parse_single_example"
    specs = _specs(fn, features)
    if not specs:
        raise ValueError("%s: features cannot be empty; give at least one "
                         "{name: tf.io.FixedLenFeature(...)}." % fn)
    buf = to_bytes(serialized, fn, "serialized")
    found = _decode(fn, buf, None)
    out = {}
    for spec in specs:
        vals = _values(fn, buf, found.get(spec.key), spec, None)
        if spec.kind == "fixed":
            out[spec.key] = Tensor(_fixed(fn, spec, vals, None, None))
        elif spec.kind == "varlen":
            out[spec.key] = _sparse_1d(spec, vals)
        else:
            out[spec.key] = Tensor(_items(fn, spec, vals, None, None))
    return out


def parse_example(serialized, features, example_names=None, name=None):
    """Parse a batch (1-D) of serialized ``tf.train.Example`` into a dict of tensors with
    a leading batch dimension.

    ``FixedLenFeature`` -> ``[batch, *shape]``; ``FixedLenSequenceFeature`` (with
    ``allow_missing=True``) -> ``[batch, most items, *shape]``, padded with its
    ``default_value``; ``VarLenFeature`` -> a SparseTensor with indices
    ``[[example, position], ...]`` and dense shape ``[batch, most values]``.  A scalar
    ``serialized`` is parsed as by ``parse_single_example``.
    """
    fn = "tf.io.parse_example"
    specs = _specs(fn, features)
    if not specs:
        raise ValueError("%s: features cannot be empty; give at least one "
                         "{name: tf.io.FixedLenFeature(...)}." % fn)
    records = string_array(serialized, fn, "serialized")
    if records.ndim == 0:
        return parse_single_example(records[()], features)
    if records.ndim != 1:
        raise ValueError("%s: serialized must be a vector (1-D) of serialized Examples, "
                         "got shape %s. Reshape it to [-1] first." % (
                             fn, tuple(records.shape)))
    names = None
    if example_names is not None:
        names = [n.decode("utf-8", "replace") if isinstance(n, bytes) else str(n)
                 for n in string_array(example_names, fn, "example_names").reshape(-1)]
    columns = {spec.key: [] for spec in specs}
    for i, buf in enumerate(records):
        label = names[i] if names else "<unknown>"
        found = _decode(fn, buf, label)
        for spec in specs:
            vals = _values(fn, buf, found.get(spec.key), spec, label, i)
            if spec.kind == "fixed":
                v = _fixed(fn, spec, vals, label, i)
            elif spec.kind == "varlen":
                v = _as_1d(spec, vals)
            else:
                v = _items(fn, spec, vals, label, i)
            columns[spec.key].append(v)
    out = {}
    for spec in specs:
        col = columns[spec.key]
        if spec.kind == "fixed":
            out[spec.key] = Tensor(np.stack(col) if col else
                                   _empty(spec.dtype, (0,) + spec.shape))
        elif spec.kind == "varlen":
            out[spec.key] = _sparse_rows(spec, col)
        else:
            most = max((len(v) for v in col), default=0)
            dense = _empty(spec.dtype, (len(col), most) + spec.shape)
            dense[...] = spec.pad
            for i, v in enumerate(col):
                dense[i, :len(v)] = v
            out[spec.key] = Tensor(dense)
    return out


def parse_single_sequence_example(serialized, context_features=None,
                                  sequence_features=None, example_name=None, name=None):
    """Parse one serialized ``tf.train.SequenceExample``; returns ``(context, sequences)``.

    ``context_features`` are parsed from ``context`` as ``parse_single_example`` parses
    an Example's features.  ``sequence_features`` name feature lists of
    ``feature_lists``: ``FixedLenSequenceFeature(shape)`` -> ``[steps, *shape]`` (every
    step must hold exactly ``shape``'s number of values; a missing list is an error
    unless ``allow_missing=True``, which gives zero steps); ``VarLenFeature`` -> a
    SparseTensor with indices ``[[step, position], ...]`` and dense shape
    ``[steps, most values in one step]``.
    """
    fn = "tf.io.parse_single_sequence_example"
    cspecs = _specs(fn, context_features)
    sspecs = _specs(fn, sequence_features, sequence=True)
    if context_features is None and sequence_features is None:
        raise ValueError("%s: both context_features and sequence_features are None; give "
                         "at least one of them." % fn)
    for s in cspecs:
        if s.kind == "sequence":
            raise ValueError("%s: context feature %r is a FixedLenSequenceFeature; the "
                             "context holds single features: use FixedLenFeature or "
                             "VarLenFeature." % (fn, s.key))
    for s in sspecs:
        if s.kind == "fixed":
            raise ValueError("%s: sequence feature %r is a FixedLenFeature; use "
                             "tf.io.FixedLenSequenceFeature(%s, tf.%s) for one value of "
                             "that shape per step." % (fn, s.key, list(s.shape),
                                                       s.dtype.name))
    buf = to_bytes(serialized, fn, "serialized")
    label = None if example_name is None else (
        to_bytes(example_name, fn, "example_name").decode("utf-8", "replace"))
    try:
        context, lists = _pb.decode_sequence_example(buf)
    except (_pb._Corrupt, IndexError) as e:
        raise errors.InvalidArgumentError(
            "%s: Could not parse the serialized SequenceExample: %r%s (%s)."
            % (fn, buf[:64], "..." if len(buf) > 64 else "", e)) from None
    ctx = {}
    for spec in cspecs:
        vals = _values(fn, buf, context.get(spec.key), spec, label)
        if spec.kind == "fixed":
            ctx[spec.key] = Tensor(_fixed(fn, spec, vals, label, None))
        else:
            ctx[spec.key] = _sparse_1d(spec, vals)
    seq = {}
    for spec in sspecs:
        steps = lists.get(spec.key)
        if spec.kind == "varlen":
            rows = [] if steps is None else [
                _as_1d(spec, _values(fn, buf, step, spec, label, t, "feature list"))
                for t, step in enumerate(steps)]
            seq[spec.key] = _sparse_rows(spec, rows)
            continue
        if steps is None:
            if not spec.allow_missing:
                raise errors.InvalidArgumentError(
                    "%s: %sFeature list %r is required but could not be found. Pass "
                    "allow_missing=True to its FixedLenSequenceFeature to get zero steps "
                    "instead." % (fn, "" if label is None else "Name: %s, " % label,
                                  spec.key))
            seq[spec.key] = Tensor(_empty(spec.dtype, (0,) + spec.shape))
            continue
        dense = _empty(spec.dtype, (len(steps),) + spec.shape)
        for t, step in enumerate(steps):
            vals = _values(fn, buf, step, spec, label, t, "feature list")
            n = 0 if vals is None else len(vals)
            if n != spec.size:
                raise errors.InvalidArgumentError(
                    "%s: %s. Number of values != expected. Values size: %d but output "
                    "shape: %s. Every step of feature list %r must hold exactly %d "
                    "value(s); use tf.io.VarLenFeature for a varying number." % (
                        fn, _where(label, spec.key, t), n, list(spec.shape), spec.key,
                        spec.size))
            dense[t] = vals.reshape(spec.shape)
        seq[spec.key] = Tensor(dense)
    return ctx, seq
