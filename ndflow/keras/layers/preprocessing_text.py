"""Text and categorical preprocessing: ``StringLookup``, ``IntegerLookup``,
``TextVectorization``, ``CategoryEncoding``, ``Discretization``, ``Hashing``.

These layers map data to indices (or encodings of indices) with NumPy; their outputs carry
no gradient.  Vocabulary layout follows Keras: ``[mask_token?] + OOV tokens + vocabulary``
(the mask token has an index only in "int" output mode); ``adapt`` orders tokens by
decreasing frequency (ties broken by the token itself).

Hashed bins are TensorFlow's: ``Hashing`` and the OOV buckets of the lookup layers use
FarmHash Fingerprint64 (``tf.strings.to_hash_bucket_fast``) or, with a ``salt``, keyed
SipHash-2-4 (``tf.strings.to_hash_bucket_strong``), and ``HashedCrossing`` chains those
hashes as ``tf.sparse.cross_hashed`` does, so a model trained with TensorFlow Keras gives
the same ids here.
"""
import re
import string as _string

import numpy as np

from ndflow.core.tensor import Tensor
from ndflow.keras.engine.layer import Layer
from ndflow.ops.string_hashes import fingerprint64, siphash24, to_bytes
from ndflow.core.ragged import RaggedList
from ndflow.ragged.ragged_tensor import RaggedTensor

__all__ = ["StringLookup", "IntegerLookup", "TextVectorization", "CategoryEncoding",
           "Discretization", "Hashing", "HashedCrossing"]

_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


def _array(x):
    """Plain NumPy data from a tensor, array, list, or a ``tf.data`` dataset of batches."""
    if isinstance(x, Tensor):
        return np.asarray(x._value)
    rt = _ragged(x)
    if rt is not None:                      # adapt / vocabularies: every value counts
        return np.asarray(rt.flat_values._value)
    if hasattr(x, "element_spec") and hasattr(x, "__iter__"):
        parts = [_array(b) for b in x]
        parts = [p.reshape(-1) if p.ndim == 0 else p for p in parts]
        return np.concatenate(parts) if parts else np.zeros((0,))
    return np.asarray(x)


class _RaggedArg:
    """Carries a RaggedTensor argument through ``Layer.__call__``, whose input conversion
    only knows dense tensors (it would try to make the rows one NumPy array)."""

    __slots__ = ("rt",)

    def __init__(self, rt):
        self.rt = rt

    @property
    def shape(self):
        return self.rt.shape


class _TakesRagged:
    """Mixin for the layers that accept ``tf.RaggedTensor`` inputs (and arguments)."""

    def __call__(self, *args, **kwargs):
        args = tuple(_RaggedArg(a) if isinstance(a, (RaggedTensor, RaggedList)) else a
                     for a in args)
        kwargs = {k: _RaggedArg(v) if isinstance(v, (RaggedTensor, RaggedList)) else v
                  for k, v in kwargs.items()}
        return super().__call__(*args, **kwargs)


def _ragged(x):
    """``x`` as a ``tf.RaggedTensor`` when it is ragged (a legacy ``RaggedList`` is
    converted), else None."""
    if isinstance(x, _RaggedArg):
        x = x.rt
    if isinstance(x, RaggedTensor):
        return x
    if isinstance(x, RaggedList):
        return RaggedTensor.from_ragged_list(x)
    return None


def _ragged_rows_encoded(rt, encode_row, depth, dtype):
    """One encoded vector per innermost row of a ragged_rank-1 RaggedTensor ``rt``
    (``encode_row``: the row's values as a NumPy array -> a vector of ``depth``)."""
    if rt.ragged_rank != 1 or rt.flat_values._value.ndim != 1:
        raise ValueError("expected a RaggedTensor of shape [batch, None] (ragged_rank 1) to "
                         "encode row by row, got shape %s; use output_mode='int' or "
                         "merge the ragged dimensions first." % (rt.shape,))
    vals = np.asarray(rt.flat_values._value)
    sp = rt._splits
    out = np.zeros((rt.nrows_int, depth), dtype)
    for i in range(rt.nrows_int):
        out[i] = encode_row(vals[sp[i]:sp[i + 1]])
    return Tensor(out)


def _to_str(v):
    if isinstance(v, bytes):
        return v.decode("utf-8")
    return str(v)


def _string_batch(texts):
    """A list of ``str`` as a 1-D string tensor."""
    arr = np.empty(len(texts), dtype=object)
    arr[:] = texts
    return Tensor(arr)


def _hash_salt(salt, cls):
    """Keras's ``salt`` argument as the SipHash key ``[k0, k1]`` (``None`` stays ``None``):
    one int is used for both words, a pair gives both."""
    if salt is None:
        return None
    if isinstance(salt, (int, np.integer)) and not isinstance(salt, bool):
        key = [int(salt), int(salt)]
    elif isinstance(salt, (tuple, list)) and len(salt) == 2 and all(
            isinstance(k, (int, np.integer)) and not isinstance(k, bool) for k in salt):
        key = [int(k) for k in salt]
    else:
        raise ValueError("%s: salt must be one int or a pair of ints (the two 64-bit words "
                         "of the SipHash key), got %r." % (cls, salt))
    for k in key:
        if not -2 ** 63 <= k < 2 ** 63:
            raise ValueError("%s: each salt value must fit in a signed 64-bit integer "
                             "(as in TensorFlow), got %r." % (cls, k))
    return key


def _hash_bucket(data, num_buckets, key=None):
    """TensorFlow's bucket of the bytes ``data``: ``to_hash_bucket_fast`` (FarmHash
    Fingerprint64) without a key, ``to_hash_bucket_strong`` (SipHash-2-4) with one."""
    if key is None:
        return fingerprint64(data) % num_buckets
    return siphash24(data, key[0], key[1]) % num_buckets


def _hash_text(v):
    """The bytes TensorFlow hashes for one value: ``tf.as_string`` of a number or bool
    (floats were already truncated to int64), the value itself for strings."""
    if isinstance(v, (bool, np.bool_)):
        return b"true" if v else b"false"
    return to_bytes(v)


def _encoded_dtype(mode, layer_dtype):
    """The dtype of a lookup / TextVectorization encoding: int64 counts for one_hot,
    multi_hot and count (Keras 3), the layer's float dtype for tf_idf."""
    return np.int64 if mode in ("one_hot", "multi_hot", "count") else layer_dtype


def _encode(indices, depth, mode, idf=None, dtype="float32"):
    """one_hot / multi_hot / count / tf_idf of integer ``indices`` (last axis = tokens).
    Negative indices (masked tokens of a lookup layer) add nothing."""
    idx = np.asarray(indices)
    if mode == "one_hot":
        if idx.ndim and idx.shape[-1] == 1:
            idx = idx[..., 0]
        out = np.zeros(idx.shape + (depth,), dtype)
        keep = idx >= 0
        np.put_along_axis(out, np.where(keep, idx, 0)[..., None], 1, axis=-1)
        out *= keep[..., None]
        return out
    if idx.ndim == 0:
        idx = idx[None]
    lead = idx.shape[:-1]
    flat = idx.reshape(-1, idx.shape[-1]) if idx.ndim > 1 else idx[None]
    out = np.zeros((flat.shape[0], depth), dtype)
    rows = np.repeat(np.arange(flat.shape[0]), flat.shape[1])
    cols = flat.reshape(-1)
    keep = cols >= 0
    np.add.at(out, (rows[keep], cols[keep]), 1)
    if mode == "multi_hot":
        out = np.minimum(out, 1)
    elif mode == "tf_idf":
        out = out * np.asarray(idf, dtype)
    return out.reshape(lead + (depth,)) if idx.ndim > 1 else out[0]


class _IndexLookup(_TakesRagged, Layer):
    """Shared machinery of StringLookup and IntegerLookup.

    With ``num_oov_indices > 1`` an out-of-vocabulary token goes to OOV bucket
    ``to_hash_bucket_fast(token, num_oov_indices)`` (FarmHash Fingerprint64 of the string,
    of the decimal text for integers), or ``to_hash_bucket_strong`` (SipHash-2-4) when a
    ``salt`` is given -- the same buckets as TensorFlow.  IntegerLookup's default
    ``oov_method="floormod"`` uses ``token % num_oov_indices`` instead, as Keras does.
    With a ``mask_token`` and an output mode other than "int", the mask token has no index
    and masked inputs are left out of the encoding (as in Keras)."""

    _is_string = True

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=None,
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, oov_method="floormod", salt=None,
                 **kwargs):
        kwargs.pop("encoding", None)
        kwargs.pop("vocabulary_dtype", None)
        kwargs.pop("vocabulary_size", None)     # written by Keras's get_config; derived
        super().__init__(**kwargs)
        cls = type(self).__name__
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError("%s: oov_method must be 'floormod' or 'farmhash', got %r."
                             % (cls, oov_method))
        if salt is not None and not self._is_string and oov_method != "farmhash":
            raise ValueError("%s: salt only applies with oov_method='farmhash' (got "
                             "oov_method=%r); pass oov_method='farmhash' or drop the salt."
                             % (cls, oov_method))
        self.oov_method = oov_method
        self.salt = _hash_salt(salt, cls)
        if output_mode not in _MODES:
            raise ValueError("%s: output_mode must be one of %s, got %r."
                             % (cls, _MODES, output_mode))
        if invert and output_mode != "int":
            raise ValueError("%s: invert=True needs output_mode='int', got %r."
                             % (cls, output_mode))
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError("%s: max_tokens must be > 1 (or None), got %r." % (cls, max_tokens))
        if num_oov_indices < 0:
            raise ValueError("%s: num_oov_indices must be >= 0, got %r."
                             % (cls, num_oov_indices))
        self.max_tokens = max_tokens
        self.num_oov_indices = int(num_oov_indices)
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.invert = bool(invert)
        self.output_mode = output_mode
        self.pad_to_max_tokens = bool(pad_to_max_tokens)
        self.sparse = sparse
        self._vocab = []
        self._idf = None
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # ---- vocabulary ----
    def _key(self, v):
        return _to_str(v) if self._is_string else int(v)

    def _mask_indexed(self):
        """The mask token has index 0 only in 'int' output mode (as in Keras)."""
        return self.mask_token is not None and self.output_mode == "int"

    def _reserved(self):
        out = []
        if self._mask_indexed():
            out.append(self.mask_token)
        out.extend([self.oov_token] * self.num_oov_indices)
        return out

    def _special(self):
        """Tokens never learned as vocabulary: the mask and the OOV token."""
        out = set(self._reserved())
        if self.mask_token is not None:
            out.add(self.mask_token)
        return out

    def set_vocabulary(self, vocabulary, idf_weights=None):
        if isinstance(vocabulary, str):
            with open(vocabulary, encoding="utf-8") as f:
                vocabulary = [line.rstrip("\n") for line in f]
        vocab = [self._key(v) for v in _array(vocabulary).reshape(-1).tolist()]
        reserved = self._special()
        vocab = [v for v in vocab if v not in reserved] if not self._includes_reserved(vocab) \
            else vocab[len(self._reserved()):]
        if len(set(vocab)) != len(vocab):
            raise ValueError("%s: the vocabulary contains repeated tokens." % type(self).__name__)
        self._vocab = vocab
        self._rebuild_index()
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise ValueError("%s: output_mode='tf_idf' needs idf_weights with the "
                                 "vocabulary (or call adapt())." % type(self).__name__)
            idf = np.asarray(idf_weights, np.float64).reshape(-1)
            self._idf = np.concatenate([np.full(len(self._reserved()), idf.mean()
                                                if idf.size else 0.0), idf])

    def _includes_reserved(self, vocab):
        res = self._reserved()
        return bool(res) and vocab[:len(res)] == res

    def _rebuild_index(self):
        n_res = len(self._reserved())
        self._index = {tok: i + n_res for i, tok in enumerate(self._vocab)}

    def get_vocabulary(self, include_special_tokens=True):
        if include_special_tokens:
            return self._reserved() + list(self._vocab)
        return list(self._vocab)

    def vocabulary_size(self):
        return len(self._reserved()) + len(self._vocab)

    def adapt(self, data, batch_size=None, steps=None):
        values = _array(data).reshape(-1).tolist()
        counts = {}
        for v in values:
            k = self._key(v)
            counts[k] = counts.get(k, 0) + 1
        for r in self._special():
            counts.pop(r, None)
        # as in Keras: most frequent first, ties broken by the token itself, descending
        order = sorted(counts.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)
        if self.max_tokens is not None:
            order = order[:max(0, self.max_tokens - len(self._reserved()))]
        self._vocab = [k for k, _ in order]
        self._rebuild_index()
        if self.output_mode == "tf_idf":
            n_docs = max(1, len(values))
            df = np.array([counts[k] for k in self._vocab], np.float64)
            idf = np.log(1 + n_docs / (1 + df))
            self._idf = np.concatenate([np.full(len(self._reserved()), idf.mean()
                                                if idf.size else 0.0), idf])

    # ---- lookup ----
    def _oov_index(self, k):
        """Index of the out-of-vocabulary token ``k``."""
        n_oov = self.num_oov_indices
        if n_oov == 0:
            raise ValueError("%s %r: token %r is not in the vocabulary and num_oov_indices=0;"
                             " add it to the vocabulary or use num_oov_indices >= 1."
                             % (type(self).__name__, self.name, k))
        first_oov = 1 if self._mask_indexed() else 0
        if n_oov == 1:
            return first_oov
        if not self._is_string and self.oov_method == "floormod":
            return first_oov + k % n_oov        # Python's % is a floor modulo, like TF's
        return first_oov + _hash_bucket(to_bytes(k), n_oov, self.salt)

    def _lookup(self, values):
        """Indices of ``values``; a masked token gives 0 in 'int' mode and -1 (dropped by
        the encoding) otherwise."""
        arr = np.asarray(values)
        flat = arr.reshape(-1).tolist()
        mask_id = 0 if self.output_mode == "int" else -1
        out = np.empty(len(flat), np.int64)
        oov = {}
        for i, v in enumerate(flat):
            k = self._key(v)
            if self.mask_token is not None and k == self.mask_token:
                out[i] = mask_id
                continue
            j = self._index.get(k)
            if j is None:
                j = oov.get(k)
                if j is None:
                    j = oov[k] = self._oov_index(k)
            out[i] = j
        return out.reshape(arr.shape)

    def _invert(self, values):
        idx = np.asarray(values).astype(np.int64)
        table = self.get_vocabulary()
        size = len(table)
        oov = self.oov_token
        flat = [table[i] if 0 <= i < size else oov for i in idx.reshape(-1).tolist()]
        return np.array(flat, dtype=object if self._is_string else np.int64).reshape(idx.shape)

    def _autocast_inputs(self):
        return False

    def call(self, inputs):
        rt = _ragged(inputs)
        if rt is not None:
            # rows of different lengths (tf.strings.split / unicode_split): ids (or tokens,
            # inverted) keep the row partition, encodings give one vector per row
            if self.invert or self.output_mode == "int":
                return rt.with_flat_values(self.call(rt.flat_values))
            depth = self.max_tokens if self.pad_to_max_tokens and self.max_tokens else \
                self.vocabulary_size()
            try:
                return _ragged_rows_encoded(rt, lambda row: self.call(Tensor(row))._value,
                                            depth, self.dtype)
            except ValueError as e:
                raise ValueError("%s %r: %s" % (type(self).__name__, self.name, e)) from None
        values = _array(inputs)
        if self.invert:
            return Tensor(self._invert(values))
        idx = self._lookup(values)
        if self.output_mode == "int":
            return Tensor(idx)
        depth = self.max_tokens if self.pad_to_max_tokens and self.max_tokens else \
            self.vocabulary_size()
        out = _encode(idx, depth, self.output_mode, self._idf)
        return Tensor(out.astype(_encoded_dtype(self.output_mode, self.dtype)))

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        depth = self.max_tokens if self.pad_to_max_tokens and self.max_tokens else \
            self.vocabulary_size()
        s = tuple(input_shape)
        if self.output_mode == "one_hot" and s and s[-1] == 1:
            s = s[:-1]
        return (s + (depth,)) if self.output_mode == "one_hot" else (s[:-1] + (depth,))

    def get_config(self):
        config = super().get_config()
        config.update({
            "max_tokens": self.max_tokens, "num_oov_indices": self.num_oov_indices,
            "mask_token": self.mask_token, "oov_token": self.oov_token,
            "invert": self.invert, "output_mode": self.output_mode,
            "pad_to_max_tokens": self.pad_to_max_tokens, "sparse": self.sparse,
            "oov_method": self.oov_method, "salt": self.salt,
            "vocabulary": list(self._vocab) if self._vocab else None,
            "idf_weights": None if self._idf is None else
            self._idf[len(self._reserved()):].tolist(),
        })
        return config


class StringLookup(_IndexLookup):
    """Maps strings to integer indices (or back, with ``invert=True``).  With
    ``num_oov_indices > 1``, unknown strings are spread over the OOV indices by FarmHash
    Fingerprint64 (SipHash-2-4 keyed by ``salt`` when given), giving TensorFlow's ids."""

    _is_string = True

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, salt=None, **kwargs):
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary,
                         idf_weights, invert, output_mode, pad_to_max_tokens, sparse,
                         salt=salt, **kwargs)


class IntegerLookup(_IndexLookup):
    """Maps integer values (e.g. raw category ids) to contiguous indices.  With
    ``num_oov_indices > 1``, unknown values go to OOV index ``value % num_oov_indices``
    (``oov_method="floormod"``, the default) or to TensorFlow's FarmHash bucket of their
    decimal text (``oov_method="farmhash"``; SipHash-2-4 keyed by ``salt`` when given)."""

    _is_string = False

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1,
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, oov_method="floormod", salt=None,
                 **kwargs):
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary,
                         idf_weights, invert, output_mode, pad_to_max_tokens, sparse,
                         oov_method=oov_method, salt=salt, **kwargs)


_PUNCT = re.compile("[%s]" % re.escape(_string.punctuation))
# tf.strings.lower (what TF Keras's TextVectorization uses) lowercases ASCII letters only:
# "Straße" -> "straße" but "Ünïcode" stays "Ünïcode"
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


class TextVectorization(_TakesRagged, Layer):
    """Turns raw strings into token indices (or multi-hot / count / tf-idf vectors):
    standardize (lowercase, strip punctuation), split on whitespace, optional n-grams,
    look up in a vocabulary learned with ``adapt``.  In 'int' mode index 0 is padding
    and index 1 the OOV token."""

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation",
                 split="whitespace", ngrams=None, output_mode="int",
                 output_sequence_length=None, pad_to_max_tokens=False, vocabulary=None,
                 idf_weights=None, sparse=False, ragged=False, **kwargs):
        kwargs.pop("encoding", None)
        super().__init__(**kwargs)
        if standardize not in (None, "lower_and_strip_punctuation", "lower",
                               "strip_punctuation") and not callable(standardize):
            raise ValueError("TextVectorization: standardize must be None, "
                             "'lower_and_strip_punctuation', 'lower', 'strip_punctuation' or "
                             "a callable, got %r." % (standardize,))
        if split not in (None, "whitespace", "character") and not callable(split):
            raise ValueError("TextVectorization: split must be None, 'whitespace', "
                             "'character' or a callable, got %r." % (split,))
        if output_mode not in ("int", "multi_hot", "count", "tf_idf"):
            raise ValueError("TextVectorization: output_mode must be 'int', 'multi_hot', "
                             "'count' or 'tf_idf', got %r." % (output_mode,))
        if output_sequence_length is not None and output_mode != "int":
            raise ValueError("TextVectorization: output_sequence_length only applies to "
                             "output_mode='int'.")
        if ragged and output_mode != "int":
            raise ValueError("TextVectorization: ragged=True only applies to "
                             "output_mode='int', got output_mode=%r." % (output_mode,))
        self.max_tokens = max_tokens
        self.standardize = standardize
        self.split = split
        if isinstance(ngrams, int):
            ngrams = tuple(range(1, ngrams + 1))
        self.ngrams = tuple(ngrams) if ngrams else None
        self.output_mode = output_mode
        self.output_sequence_length = output_sequence_length
        self.pad_to_max_tokens = bool(pad_to_max_tokens)
        self.sparse = sparse
        self.ragged = bool(ragged)
        self._lookup = StringLookup(
            max_tokens=max_tokens, mask_token="",
            output_mode=output_mode, pad_to_max_tokens=pad_to_max_tokens,
            vocabulary=vocabulary, idf_weights=idf_weights, name=self.name + "_lookup")

    def _autocast_inputs(self):
        return False

    def _standardized(self, texts):
        """The texts after standardization.  A callable gets the whole batch as a 1-D
        string tensor (as in Keras) and may use ``tf.strings`` ops."""
        if callable(self.standardize):
            out = _array(self.standardize(_string_batch(texts))).reshape(-1).tolist()
            if len(out) != len(texts):
                raise ValueError(
                    "TextVectorization %r: the standardize callable must return one string per "
                    "input string (a batch of %d), got %d values."
                    % (self.name, len(texts), len(out)))
            return [_to_str(s) for s in out]
        out = []
        for s in texts:
            if self.standardize in ("lower", "lower_and_strip_punctuation"):
                s = s.translate(_ASCII_LOWER)
            if self.standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
                s = _PUNCT.sub("", s)
            out.append(s)
        return out

    def _split_batch(self, texts):
        """One list of tokens per text.  A callable ``split`` gets the batch as a 1-D string
        tensor (as in Keras) and returns one row of tokens per text: a list of 1-D tensors
        (what ``tf.strings.split`` gives for a 1-D input in ndflow) or a 2-D tensor."""
        if self.split is None:
            return [[s] for s in texts]
        if not callable(self.split):
            if self.split == "character":
                return [list(s) for s in texts]
            return [s.split() for s in texts]
        res = self.split(_string_batch(texts))
        rt = _ragged(res)
        if rt is not None:
            if rt.ragged_rank != 1 or rt.flat_values._value.ndim != 1:
                raise ValueError(
                    "TextVectorization %r: the split callable must return one row of tokens "
                    "per input string, i.e. a RaggedTensor of shape [batch, None]; got "
                    "shape %s." % (self.name, rt.shape))
            rows = rt.to_list()
        elif isinstance(res, (list, tuple)):
            rows = [_array(r).reshape(-1).tolist() for r in res]
        else:
            arr = _array(res)
            if arr.ndim == 2:
                rows = arr.tolist()
            elif arr.ndim == 1 and len(texts) == 1 and arr.shape[0] != 1:
                rows = [arr.tolist()]        # the tokens of a single text
            elif arr.ndim == 1:
                rows = [[t] for t in arr.tolist()]
            else:
                rows = None
        if rows is None or len(rows) != len(texts):
            raise ValueError(
                "TextVectorization %r: the split callable must return one row of tokens per "
                "input string (a batch of %d), e.g. tf.strings.split(x); got %s."
                % (self.name, len(texts), type(res).__name__ if rows is None else
                   "%d rows" % len(rows)))
        return [[_to_str(t) for t in row] for row in rows]

    def _token_lists(self, texts):
        """Standardize, split and form n-grams: one list of tokens per text."""
        out = []
        for toks in self._split_batch(self._standardized([_to_str(t) for t in texts])):
            if self.ngrams:
                grams = []
                for n in self.ngrams:
                    grams.extend(" ".join(toks[i:i + n]) for i in range(len(toks) - n + 1))
                toks = grams
            out.append(toks)
        return out

    def _texts(self, data):
        arr = _array(data)
        if arr.ndim == 2 and arr.shape[-1] == 1:
            arr = arr[:, 0]
        return arr.reshape(-1).tolist(), arr.ndim == 0

    def adapt(self, data, batch_size=None, steps=None):
        texts, _ = self._texts(data)
        token_lists = self._token_lists(texts)
        tokens = [t for toks in token_lists for t in toks]
        self._lookup.adapt(np.array(tokens, dtype=object))
        if self.output_mode == "tf_idf":
            # document frequency: in how many texts each token occurs
            docs = [set(toks) for toks in token_lists]
            vocab = self._lookup.get_vocabulary(include_special_tokens=False)
            df = np.array([sum(tok in d for d in docs) for tok in vocab], np.float64)
            idf = np.log(1 + len(texts) / (1 + df))
            self._lookup._idf = np.concatenate(
                [np.full(len(self._lookup._reserved()), idf.mean() if idf.size else 0.0), idf])

    def get_vocabulary(self, include_special_tokens=True):
        return self._lookup.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        return self._lookup.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        self._lookup.set_vocabulary(vocabulary, idf_weights)

    def call(self, inputs):
        texts, scalar = self._texts(inputs)
        seqs = [self._lookup._lookup(np.array(toks, dtype=object)).tolist()
                for toks in self._token_lists(texts)]
        if self.output_mode == "int" and self.split is None and not \
                self.output_sequence_length:
            # one token per text: the ids keep the input's shape, as in Keras
            ids = np.array([s[0] if s else 0 for s in seqs], np.int64)
            if scalar:
                return Tensor(ids[0])
            return Tensor(ids.reshape(-1, 1) if _array(inputs).ndim == 2 else ids)
        if self.output_mode == "int" and self.ragged:
            # one row of ids per text, each as long as its text (cut to
            # output_sequence_length when given), as a tf.RaggedTensor (as in Keras)
            rows = [s[:self.output_sequence_length] for s in seqs]
            if scalar:
                return Tensor(np.asarray(rows[0], np.int64))
            flat = np.array([i for r in rows for i in r], np.int64)
            lengths = np.array([len(r) for r in rows], np.int64)
            return RaggedTensor.from_row_lengths(Tensor(flat), Tensor(lengths),
                                                 validate=False)
        if self.output_mode == "int":
            length = self.output_sequence_length or max([len(s) for s in seqs] + [0])
            out = np.zeros((len(seqs), length), np.int64)
            for i, s in enumerate(seqs):
                s = s[:length]
                out[i, :len(s)] = s
            return Tensor(out[0] if scalar else out)
        depth = self.max_tokens if self.pad_to_max_tokens and self.max_tokens else \
            self.vocabulary_size()
        out = np.zeros((len(seqs), depth), np.float64)
        for i, s in enumerate(seqs):
            if s:
                out[i] = _encode(np.array(s), depth, self.output_mode, self._lookup._idf,
                                 np.float64)
        out = out.astype(_encoded_dtype(self.output_mode, self.dtype))
        return Tensor(out[0] if scalar else out)

    def compute_output_shape(self, input_shape):
        b = tuple(input_shape)[0] if len(tuple(input_shape)) else None
        if self.output_mode == "int" and self.split is None and not \
                self.output_sequence_length:
            return tuple(input_shape)
        if self.output_mode == "int":
            return (b, self.output_sequence_length)
        depth = self.max_tokens if self.pad_to_max_tokens and self.max_tokens else \
            self.vocabulary_size()
        return (b, depth)

    def get_config(self):
        config = super().get_config()
        vocab = self.get_vocabulary(include_special_tokens=False)
        config.update({
            "max_tokens": self.max_tokens,
            "standardize": _serialize_callable(self.standardize),
            "split": _serialize_callable(self.split),
            "ngrams": list(self.ngrams) if self.ngrams else None,
            "output_mode": self.output_mode,
            "output_sequence_length": self.output_sequence_length,
            "pad_to_max_tokens": self.pad_to_max_tokens, "sparse": self.sparse,
            "ragged": self.ragged, "vocabulary": vocab or None,
            "idf_weights": None if self._lookup._idf is None else
            self._lookup._idf[len(self._lookup._reserved()):].tolist(),
        })
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("standardize", "split"):
            if isinstance(config.get(key), dict):
                # a user function saved by name: found through custom_objects or the registry
                from ndflow.keras.saving.serialization import deserialize_keras_object
                config[key] = deserialize_keras_object(config[key])
        return cls(**config)


def _serialize_callable(value):
    """A string option as it is; a user function (custom standardize/split) as its
    Keras function config, so that loading with ``custom_objects`` restores it."""
    if not callable(value):
        return value
    from ndflow.keras.saving.serialization import serialize_keras_object
    return serialize_keras_object(value)


class CategoryEncoding(_TakesRagged, Layer):
    """Encodes integer category ids in ``[0, num_tokens)`` as one-hot, multi-hot or counts."""

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode not in ("one_hot", "multi_hot", "count"):
            raise ValueError("CategoryEncoding: output_mode must be 'one_hot', 'multi_hot' or "
                             "'count', got %r." % (output_mode,))
        if num_tokens is None or num_tokens < 1:
            raise ValueError("CategoryEncoding: num_tokens must be a positive int, got %r."
                             % (num_tokens,))
        self.num_tokens = int(num_tokens)
        self.output_mode = output_mode
        self.sparse = sparse

    def _autocast_inputs(self):
        return False

    def call(self, inputs, count_weights=None):
        rt = _ragged(inputs)
        if rt is not None:
            # one encoding per row of a [batch, None] RaggedTensor (count_weights, when
            # given, is ragged with the same rows)
            w = _ragged(count_weights)
            if count_weights is not None and w is None:
                raise ValueError("CategoryEncoding %r: with ragged inputs count_weights must "
                                 "be a RaggedTensor with the same rows." % (self.name,))
            wvals = None if w is None else np.asarray(w.flat_values._value)
            sp, pos = rt._splits, [0]

            def row(vals):
                i = pos[0]
                pos[0] += 1
                cw = None if wvals is None else Tensor(wvals[sp[i]:sp[i + 1]])
                return self.call(Tensor(vals), cw)._value
            try:
                return _ragged_rows_encoded(rt, row, self.num_tokens, self.dtype)
            except ValueError as e:
                raise ValueError("CategoryEncoding %r: %s" % (self.name, e)) from None
        idx = _array(inputs)
        if idx.dtype.kind == "f":
            idx = idx.astype(np.int64)
        if idx.size and (idx.min() < 0 or idx.max() >= self.num_tokens):
            raise ValueError("CategoryEncoding %r: values must be in [0, %d), got values from "
                             "%d to %d." % (self.name, self.num_tokens, idx.min(), idx.max()))
        if count_weights is not None and self.output_mode == "count":
            w = _array(count_weights).astype(np.float64)
            flat = idx.reshape(-1, idx.shape[-1]) if idx.ndim > 1 else idx[None]
            out = np.zeros((flat.shape[0], self.num_tokens))
            rows = np.repeat(np.arange(flat.shape[0]), flat.shape[1])
            np.add.at(out, (rows, flat.reshape(-1)), w.reshape(-1))
            out = out.reshape(idx.shape[:-1] + (self.num_tokens,)) if idx.ndim > 1 else out[0]
        else:
            out = _encode(idx, self.num_tokens, self.output_mode, dtype=np.float64)
        return Tensor(out.astype(self.dtype))

    def compute_output_shape(self, input_shape):
        s = tuple(input_shape)
        if self.output_mode == "one_hot":
            if s and s[-1] == 1:
                s = s[:-1]
            return s + (self.num_tokens,)
        return s[:-1] + (self.num_tokens,) if len(s) > 1 else (self.num_tokens,)

    def get_config(self):
        config = super().get_config()
        config.update({"num_tokens": self.num_tokens, "output_mode": self.output_mode,
                       "sparse": self.sparse})
        return config


class Discretization(Layer):
    """Buckets continuous values: ``bin_boundaries`` [b0, b1, ...] give bins
    (-inf, b0), [b0, b1), ...; ``adapt`` picks ``num_bins`` quantile boundaries."""

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int",
                 sparse=False, **kwargs):
        super().__init__(**kwargs)
        if bin_boundaries is not None and num_bins is not None:
            raise ValueError("Discretization: give bin_boundaries or num_bins, not both.")
        if output_mode not in ("int", "one_hot", "multi_hot", "count"):
            raise ValueError("Discretization: output_mode must be 'int', 'one_hot', "
                             "'multi_hot' or 'count', got %r." % (output_mode,))
        self.bin_boundaries = None if bin_boundaries is None else \
            [float(b) for b in bin_boundaries]
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = sparse

    def adapt(self, data, batch_size=None, steps=None):
        if not self.num_bins:
            raise ValueError("Discretization.adapt needs num_bins (given at construction).")
        values = np.sort(_array(data).astype(np.float64).reshape(-1))
        qs = np.linspace(0, 1, self.num_bins + 1)[1:-1]
        self.bin_boundaries = np.quantile(values, qs).tolist()

    def _autocast_inputs(self):
        return False

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError("Discretization %r has no bin boundaries: pass bin_boundaries= "
                             "or call adapt() first." % self.name)
        x = _array(inputs)
        idx = np.searchsorted(np.asarray(self.bin_boundaries), x, side="right").astype(np.int64)
        if self.output_mode == "int":
            return Tensor(idx)
        depth = len(self.bin_boundaries) + 1
        return Tensor(_encode(idx, depth, self.output_mode).astype(self.dtype))

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        depth = (len(self.bin_boundaries) + 1) if self.bin_boundaries is not None else \
            self.num_bins
        return tuple(input_shape)[:-1] + (depth,)

    def get_config(self):
        config = super().get_config()
        config.update({"bin_boundaries": self.bin_boundaries, "num_bins": self.num_bins,
                       "epsilon": self.epsilon, "output_mode": self.output_mode,
                       "sparse": self.sparse})
        return config


class Hashing(_TakesRagged, Layer):
    """Hashes strings or integers into ``num_bins`` bins, giving the same bin numbers as
    TensorFlow Keras.  Numbers are hashed as their decimal text (floats truncated to
    int64 first, bools as "true"/"false"); strings as their UTF-8 bytes.  Without a
    ``salt`` the bin is FarmHash Fingerprint64 modulo the number of bins
    (``tf.strings.to_hash_bucket_fast``); with a ``salt`` (one int, or a pair of ints
    forming the 128-bit key) it is SipHash-2-4 (``tf.strings.to_hash_bucket_strong``).
    With a ``mask_value`` (and ``num_bins > 1``) masked inputs get bin 0 and the others
    bins ``1 .. num_bins - 1``."""

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False,
                 **kwargs):
        super().__init__(**kwargs)
        if num_bins is None or num_bins < 1:
            raise ValueError("Hashing: num_bins must be a positive int, got %r." % (num_bins,))
        if output_mode not in ("int", "one_hot", "multi_hot", "count"):
            raise ValueError("Hashing: output_mode must be 'int', 'one_hot', 'multi_hot' or "
                             "'count', got %r." % (output_mode,))
        self.num_bins = int(num_bins)
        self.mask_value = mask_value
        self.salt = _hash_salt(salt, "Hashing")
        self.output_mode = output_mode
        self.sparse = sparse

    def _autocast_inputs(self):
        return False

    def _is_mask(self, v):
        m = self.mask_value
        if isinstance(v, (str, bytes)) or isinstance(m, (str, bytes)):
            return _hash_text(v) == _hash_text(m)
        return v == m

    def call(self, inputs):
        rt = _ragged(inputs)
        if rt is not None:
            if self.output_mode == "int":
                return rt.with_flat_values(self.call(rt.flat_values))
            return _ragged_rows_encoded(rt, lambda row: self.call(Tensor(row))._value,
                                        self.num_bins, self.dtype)
        arr = _array(inputs)
        flat = arr.reshape(-1).tolist()
        # floats are truncated to int64 before hashing (the mask compares the raw value)
        src = arr.astype(np.int64).reshape(-1).tolist() if arr.dtype.kind == "f" else flat
        # with one bin there is nothing to reserve: everything is bin 0
        masked = self.mask_value is not None and self.num_bins > 1
        n = self.num_bins - 1 if masked else self.num_bins
        shift = 1 if masked else 0
        out = np.empty(len(flat), np.int64)
        bins = {}
        for i, (v, h) in enumerate(zip(flat, src)):
            if masked and self._is_mask(v):
                out[i] = 0
                continue
            data = _hash_text(h)
            b = bins.get(data)
            if b is None:
                b = bins[data] = _hash_bucket(data, n, self.salt) + shift
            out[i] = b
        out = out.reshape(arr.shape)
        if self.output_mode == "int":
            return Tensor(out)
        return Tensor(_encode(out, self.num_bins, self.output_mode).astype(self.dtype))

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        return tuple(input_shape)[:-1] + (self.num_bins,)

    def get_config(self):
        config = super().get_config()
        config.update({"num_bins": self.num_bins, "mask_value": self.mask_value,
                       "salt": self.salt, "output_mode": self.output_mode,
                       "sparse": self.sparse})
        return config


_M64 = (1 << 64) - 1
_CAT_MUL = 0xC6A4A7935BD1E995
# the key tf.sparse.cross_hashed starts from when none is given
_CROSS_KEY = 0xDECAFCAFFE


def _fingerprint_cat64(fp1, fp2):
    """Combines two 64-bit fingerprints into one (TensorFlow's ``FingerprintCat64``)."""
    def shift_mix(v):
        return v ^ (v >> 47)
    r = fp1 ^ _CAT_MUL
    r ^= (shift_mix((fp2 * _CAT_MUL) & _M64) * _CAT_MUL) & _M64
    r = (r * _CAT_MUL) & _M64
    r = (shift_mix(r) * _CAT_MUL) & _M64
    return shift_mix(r)


class HashedCrossing(Layer):
    """Crosses two or more categorical features into ``num_bins`` hashed bins, giving the
    bins of TensorFlow Keras (``tf.sparse.cross_hashed``): each feature is hashed (strings
    by FarmHash Fingerprint64 of their UTF-8 bytes, integers as their own int64 value), the
    hashes are chained with ``FingerprintCat64`` starting from TensorFlow's default key,
    and the result is taken modulo ``num_bins``.  Inputs: a tuple or list of tensors of
    one shape, ``()``, ``(batch,)`` or ``(batch, 1)``; the output has that shape ('int'
    mode) or gains a last axis of ``num_bins`` ('one_hot')."""

    def __init__(self, num_bins, output_mode="int", sparse=False, **kwargs):
        if output_mode == "int" and kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64"
        super().__init__(**kwargs)
        if not isinstance(num_bins, (int, np.integer)) or isinstance(num_bins, bool) or \
                num_bins < 1:
            raise ValueError("HashedCrossing: num_bins must be a positive int, got %r."
                             % (num_bins,))
        if output_mode not in ("int", "one_hot"):
            raise ValueError("HashedCrossing: output_mode must be 'int' or 'one_hot', got %r."
                             % (output_mode,))
        self.num_bins = int(num_bins)
        self.output_mode = output_mode
        self.sparse = sparse

    def _autocast_inputs(self):
        return False

    def _arrays(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
            raise ValueError(
                "HashedCrossing %r expects a tuple or list of at least two feature tensors, "
                "e.g. layer((colors, sizes)); got %s."
                % (self.name, "%d tensor(s)" % len(inputs) if isinstance(inputs, (list, tuple))
                   else type(inputs).__name__))
        arrays = [_array(x) for x in inputs]
        shape = arrays[0].shape
        if len(shape) > 2 or (len(shape) == 2 and shape[-1] != 1):
            raise ValueError("HashedCrossing %r: every input must have shape (), (batch,) or "
                             "(batch, 1), got %s." % (self.name, shape))
        for a in arrays:
            if a.shape != shape:
                raise ValueError("HashedCrossing %r: all inputs must have the same shape, got "
                                 "%s." % (self.name, [b.shape for b in arrays]))
            if a.dtype.kind not in "iuOUS":
                raise ValueError("HashedCrossing %r: inputs must be integer or string "
                                 "tensors, got dtype %s." % (self.name, a.dtype))
        return arrays, shape

    def call(self, inputs):
        arrays, shape = self._arrays(inputs)
        columns = []
        for a in arrays:
            flat = a.reshape(-1).tolist()
            if a.dtype.kind in "iu":
                columns.append([int(v) & _M64 for v in flat])   # an int is its own hash
            else:
                columns.append([fingerprint64(to_bytes(v)) for v in flat])
        out = np.empty(len(columns[0]), np.int64)
        for i, feats in enumerate(zip(*columns)):
            h = _CROSS_KEY
            for f in feats:
                h = _fingerprint_cat64(h, f)
            out[i] = h % self.num_bins
        out = out.reshape(shape)
        if self.output_mode == "int":
            return Tensor(out)
        return Tensor(_encode(out, self.num_bins, "one_hot").astype(self.dtype))

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape[0])
        if self.output_mode == "int":
            return shape
        if shape and shape[-1] == 1:
            shape = shape[:-1]
        return shape + (self.num_bins,)

    def get_config(self):
        config = super().get_config()
        config.update({"num_bins": self.num_bins, "output_mode": self.output_mode,
                       "sparse": self.sparse})
        return config
