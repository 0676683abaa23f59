"""Turn what the user passes to ``fit`` / ``evaluate`` / ``predict`` into batches.

* NumPy arrays, tensors, lists and dicts of them, pandas objects: sliced with NumPy
  (float64 is cast to the default float once, up front); shuffled each epoch.
* Python generators / iterators: consumed as they come (one iterator for all epochs).
* ``ndflow.data.Dataset`` (anything with ``element_spec`` that is iterable): already
  batched; a fresh pass each epoch.
* ``keras.utils.Sequence`` / ``PyDataset`` (``__getitem__`` + ``__len__``): one batch per
  index; ``on_epoch_end`` after each epoch.

Every batch reaches ``train_step`` as a tuple ``(x,)``, ``(x, y)`` or
``(x, y, sample_weight)`` of Tensors (or structures of Tensors).
"""
import math
import warnings

import numpy as np

from ndflow.backend import dtypes as _dt
from ndflow.backend import random as _random
from ndflow.core.tensor import Tensor, convert_to_tensor


def _wrap(a):
    t = Tensor.__new__(Tensor)
    t._value = a
    return t


# ---- packing ------------------------------------------------------------------------------

def unpack_x_y_sample_weight(data):
    """``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)`` -> ``(x, y, sample_weight)``."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data[0], data[1], data[2]
    raise ValueError(
        "Data is expected to be in the format `x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)`, "
        "got a tuple of %d elements: %s" % (len(data), [type(d).__name__ for d in data]))


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    if y is None:
        if not isinstance(x, (list, tuple)):
            return x
        return (x,)
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


# ---- structures of arrays -----------------------------------------------------------------

def _is_arraylike_leaf(v):
    return isinstance(v, (np.ndarray, Tensor)) or hasattr(v, "to_numpy") or \
        (hasattr(v, "__array__") and not isinstance(v, (list, tuple, dict, str)))


def _to_array(v, cast_float=True):
    if isinstance(v, Tensor):
        a = v._value
    elif hasattr(v, "to_numpy") and not isinstance(v, np.ndarray):   # pandas
        a = v.to_numpy()
    else:
        a = np.asarray(v)
    if a.dtype == object and a.size and all(isinstance(e, (str, bytes))
                                             for e in a.reshape(-1)):
        return a                                  # a string tensor (raw text for TextVectorization)
    if a.dtype == object:
        try:
            a = a.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError("Could not convert the data to a numeric array (dtype object, "
                             "shape %s). Convert strings or ragged lists to numbers first."
                             % (a.shape,)) from None
    if cast_float and a.dtype.kind == "f" and a.dtype != np.dtype(_dt.floatx()):
        a = a.astype(_dt.floatx())
    return a


def map_structure(fn, s):
    if isinstance(s, dict):
        return {k: map_structure(fn, v) for k, v in s.items()}
    if isinstance(s, (list, tuple)):
        return type(s)(map_structure(fn, v) for v in s)
    return fn(s)


def flatten(s):
    if isinstance(s, dict):
        out = []
        for v in s.values():
            out.extend(flatten(v))
        return out
    if isinstance(s, (list, tuple)):
        out = []
        for v in s:
            out.extend(flatten(v))
        return out
    return [s]


def to_array_structure(x, cast_float=True):
    """Arrays (or lists/dicts of arrays) from user data; a list of numbers is one array."""
    if x is None:
        return None
    if hasattr(x, "to_numpy") and hasattr(x, "columns") and not isinstance(x, np.ndarray):
        return _to_array(x, cast_float)               # pandas DataFrame: one 2-D array
    if isinstance(x, dict):
        return {k: to_array_structure(v, cast_float) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        if x and all(_is_arraylike_leaf(v) or isinstance(v, dict) for v in x):
            return type(x)(to_array_structure(v, cast_float) for v in x) \
                if not isinstance(x, tuple) or not hasattr(x, "_fields") else \
                type(x)(*[to_array_structure(v, cast_float) for v in x])
        return _to_array(x, cast_float)
    return _to_array(x, cast_float)


def _num_samples(structure, what):
    leaves = flatten(structure)
    sizes = set()
    for a in leaves:
        if a.ndim == 0:
            raise ValueError("%s: expected arrays with a batch dimension, got a scalar." % what)
        sizes.add(a.shape[0])
    if len(sizes) > 1:
        raise ValueError("Data cardinality is ambiguous: %s arrays have different numbers of "
                         "samples %s. Make sure all arrays contain the same number of samples."
                         % (what, sorted(sizes)))
    return sizes.pop() if sizes else 0


def is_array_data(x):
    if x is None:
        return False
    if isinstance(x, (np.ndarray, Tensor)) or hasattr(x, "to_numpy"):
        return True
    if isinstance(x, dict):
        return all(is_array_data(v) or isinstance(v, (list, tuple)) for v in x.values())
    if isinstance(x, (list, tuple)):
        return True
    return False


def is_dataset(x):
    return hasattr(x, "element_spec") and hasattr(x, "__iter__")


def is_sequence(x):
    return (hasattr(x, "__getitem__") and hasattr(x, "__len__") and
            not isinstance(x, (np.ndarray, Tensor, list, tuple, dict, str)) and
            not hasattr(x, "to_numpy") and not is_dataset(x))


def is_generator(x):
    return hasattr(x, "__next__") or (hasattr(x, "__iter__") and not is_array_data(x)
                                      and not is_dataset(x) and not is_sequence(x))


def train_validation_split(arrays, validation_split):
    """Split structures of arrays: the last ``validation_split`` fraction is validation."""
    if not 0.0 < validation_split < 1.0:
        raise ValueError("validation_split must be between 0 and 1 (exclusive), got %r."
                         % (validation_split,))
    n = None
    for s in arrays:
        if s is not None:
            n = _num_samples(s, "validation_split")
            break
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError("validation_split=%r leaves an empty training or validation set with "
                         "%d samples." % (validation_split, n))
    train = tuple(None if s is None else map_structure(lambda a: a[:split_at], s)
                  for s in arrays)
    val = tuple(None if s is None else map_structure(lambda a: a[split_at:], s)
                for s in arrays)
    return train, val


# ---- class weights ------------------------------------------------------------------------

def class_weight_to_sample_weight(y, class_weight, sample_weight=None):
    """Per-sample weights ``class_weight[label]`` (labels, or argmax of one-hot rows)."""
    y = y._value if isinstance(y, Tensor) else np.asarray(y)
    if isinstance(y, (dict, list)):
        raise ValueError("`class_weight` is only supported for models with a single output.")
    if y.ndim == 2 and y.shape[1] > 1:
        labels = y.argmax(axis=1)
    elif y.ndim == 2 and y.shape[1] == 1:
        labels = y[:, 0]
    else:
        labels = y
    labels = np.asarray(np.round(labels), dtype=np.int64) if labels.dtype.kind == "f" else \
        labels.astype(np.int64)
    size = max(int(max(class_weight)) + 1, int(labels.max()) + 1 if labels.size else 0)
    table = np.ones(size, dtype=_dt.floatx())
    for k, w in class_weight.items():
        table[int(k)] = w
    sw = table[labels]
    if sample_weight is not None:
        other = sample_weight._value if isinstance(sample_weight, Tensor) else \
            np.asarray(sample_weight)
        sw = sw * other.reshape(sw.shape).astype(sw.dtype)
    return sw


def _to_tensor_structure(s):
    if s is None:
        return None
    if isinstance(s, Tensor):
        return s
    if isinstance(s, np.ndarray):
        return _wrap(s)
    if isinstance(s, dict):
        return {k: _to_tensor_structure(v) for k, v in s.items()}
    if isinstance(s, (list, tuple)):
        return type(s)(_to_tensor_structure(v) for v in s)
    return convert_to_tensor(s)


def _with_class_weight(data, class_weight):
    if not class_weight:
        return data
    x, y, sw = unpack_x_y_sample_weight(data)
    if y is None:
        return data
    if isinstance(y, (dict, list, tuple)) and len(flatten(y)) > 1:
        raise ValueError("`class_weight` is only supported for models with a single output.")
    if isinstance(y, (list, tuple)):
        y = y[0]
    return (x, y, _wrap(class_weight_to_sample_weight(y, class_weight, sw)))


# ---- adapters -----------------------------------------------------------------------------

class ArrayAdapter:
    """Batches NumPy arrays (or structures of them)."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, shuffle=False,
                 steps=None, class_weight=None):
        self.x = to_array_structure(x)
        self.y = to_array_structure(y)
        self.sample_weight = to_array_structure(sample_weight)
        self.num_samples = _num_samples(self.x, "x")
        if self.y is not None:
            ny = _num_samples(self.y, "y")
            if ny != self.num_samples:
                raise ValueError(
                    "Data cardinality is ambiguous: x has %d samples but y has %d. Make sure "
                    "all arrays contain the same number of samples." % (self.num_samples, ny))
        if batch_size is None:
            batch_size = 32
        self.batch_size = int(batch_size)
        if self.batch_size <= 0:
            raise ValueError("batch_size must be a positive integer, got %r." % (batch_size,))
        self.shuffle = shuffle
        self.class_weight = class_weight
        if class_weight and self.y is not None:
            if isinstance(self.y, (dict, list, tuple)) and len(flatten(self.y)) > 1:
                raise ValueError("`class_weight` is only supported for models with a single "
                                 "output.")
            yy = flatten(self.y)[0]
            self.sample_weight = class_weight_to_sample_weight(yy, class_weight,
                                                               self.sample_weight)
        self.batches_per_pass = max(1, int(math.ceil(self.num_samples / self.batch_size)))
        self.steps = int(steps) if steps else self.batches_per_pass
        self._pos = 0                # for steps_per_epoch runs: where the next batch starts
        self._order = None

    def _take(self, idx):
        x = map_structure(lambda a: _wrap(a[idx]), self.x)
        if self.y is None:
            return (x,)
        y = map_structure(lambda a: _wrap(a[idx]), self.y)
        if self.sample_weight is None:
            return (x, y)
        sw = map_structure(lambda a: _wrap(a[idx]), self.sample_weight)
        return (x, y, sw)

    def _new_order(self):
        if self.shuffle == "batch":
            # shuffle whole batches, keep samples inside a batch together
            starts = np.arange(self.batches_per_pass)
            _random.generator(_random.fresh_seed()).shuffle(starts)
            return np.concatenate([np.arange(s * self.batch_size,
                                             min((s + 1) * self.batch_size, self.num_samples))
                                   for s in starts])
        if self.shuffle:
            return _random.generator(_random.fresh_seed()).permutation(self.num_samples)
        return None

    def __iter__(self):
        bs = self.batch_size
        n = self.num_samples
        if self.steps == self.batches_per_pass and self._pos == 0:
            order = self._new_order()
            for i in range(self.steps):
                s = i * bs
                idx = slice(s, min(s + bs, n)) if order is None else order[s:s + bs]
                yield self._take(idx)
            return
        # steps_per_epoch given: continue through the data across epochs, wrapping around
        for _ in range(self.steps):
            if self._pos == 0 or self._order is None:
                self._order = self._new_order()
            s = self._pos
            e = min(s + bs, n)
            idx = slice(s, e) if self._order is None else self._order[s:e]
            self._pos = 0 if e >= n else e
            yield self._take(idx)


class GeneratorAdapter:
    """A Python generator or iterator of batches; the same iterator serves every epoch."""

    def __init__(self, gen, steps=None, class_weight=None):
        self.iterator = iter(gen)
        self.steps = int(steps) if steps else None
        self.class_weight = class_weight
        self.exhausted = False

    def __iter__(self):
        count = 0
        while self.steps is None or count < self.steps:
            try:
                data = next(self.iterator)
            except StopIteration:
                if self.steps is not None or count == 0:
                    self.exhausted = True
                return
            count += 1
            yield _with_class_weight(_to_tensor_structure(_as_tuple(data)), self.class_weight)


def _as_tuple(data):
    if isinstance(data, list):
        return tuple(data)
    if not isinstance(data, tuple):
        return (data,)
    return data


class DatasetAdapter:
    """An ``ndflow.data.Dataset`` (or anything with ``element_spec`` that iterates batches)."""

    def __init__(self, dataset, steps=None, class_weight=None):
        self.dataset = dataset
        self.class_weight = class_weight
        self._iterator = None
        self.exhausted = False
        card = None
        if hasattr(dataset, "cardinality"):
            try:
                c = dataset.cardinality()
                card = int(c._value) if isinstance(c, Tensor) else int(c)
            except (TypeError, ValueError, NotImplementedError):
                card = None
        if card is not None and card < 0:
            card = None if card == -2 else -1
        self.cardinality = card
        if steps:
            self.steps = int(steps)
            self.persistent = True
        else:
            if card == -1:
                raise ValueError(
                    "The dataset is infinite (it repeats forever); pass steps_per_epoch (or "
                    "steps / validation_steps) to say how many batches make an epoch.")
            self.steps = card
            self.persistent = False

    def __iter__(self):
        if not self.persistent:
            for data in self.dataset:
                yield _with_class_weight(_to_tensor_structure(_as_tuple(data)),
                                         self.class_weight)
            return
        if self._iterator is None:
            self._iterator = iter(self.dataset)
        for _ in range(self.steps):
            try:
                data = next(self._iterator)
            except StopIteration:
                self.exhausted = True
                self._iterator = None
                return
            yield _with_class_weight(_to_tensor_structure(_as_tuple(data)), self.class_weight)


class SequenceAdapter:
    """A ``keras.utils.Sequence`` / ``PyDataset``: batch ``i`` is ``seq[i]``."""

    def __init__(self, seq, steps=None, shuffle=False, class_weight=None):
        self.seq = seq
        self.shuffle = shuffle
        self.class_weight = class_weight
        n = len(seq)
        self.steps = min(int(steps), n) if steps else n
        self.exhausted = False

    def __iter__(self):
        order = np.arange(len(self.seq))
        if self.shuffle:
            _random.generator(_random.fresh_seed()).shuffle(order)
        for i in order[:self.steps]:
            yield _with_class_weight(_to_tensor_structure(_as_tuple(self.seq[int(i)])),
                                     self.class_weight)

    def on_epoch_end(self):
        if hasattr(self.seq, "on_epoch_end"):
            self.seq.on_epoch_end()


def get_adapter(x, y=None, sample_weight=None, batch_size=None, steps=None, shuffle=False,
                class_weight=None, what="fit"):
    """Pick the adapter for ``x`` and check the arguments that only arrays support."""
    if is_dataset(x) or is_sequence(x) or (is_generator(x) and not is_array_data(x)):
        kind = "a Dataset" if is_dataset(x) else "a Sequence/PyDataset" if is_sequence(x) \
            else "a generator"
        if y is not None:
            raise ValueError(
                "%s: `y` argument is not supported when `x` is %s; the batches of x must "
                "contain the targets, e.g. (x, y) tuples." % (what, kind))
        if sample_weight is not None:
            raise ValueError(
                "%s: `sample_weight` argument is not supported when `x` is %s; yield "
                "(x, y, sample_weight) tuples instead." % (what, kind))
        if batch_size is not None and what != "predict":
            warnings.warn("%s: batch_size=%r is ignored because x is %s, which is already "
                          "batched." % (what, batch_size, kind), UserWarning, stacklevel=3)
        if is_dataset(x):
            return DatasetAdapter(x, steps, class_weight)
        if is_sequence(x):
            return SequenceAdapter(x, steps, shuffle, class_weight)
        return GeneratorAdapter(x, steps, class_weight)
    if x is None:
        raise ValueError("%s: no input data `x` was given." % what)
    return ArrayAdapter(x, y, sample_weight, batch_size if batch_size else 32, shuffle, steps,
                        class_weight)
