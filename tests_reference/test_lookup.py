"""``tf.lookup`` against the real TensorFlow: each scenario runs on both libraries (``tf``
is ``ndflow`` or ``tensorflow``); results must agree in value, dtype and shape, and where
TensorFlow raises, ndflow raises the same kind of error.

Export order of hash tables is unspecified in TensorFlow, so ``StaticHashTable`` and
``MutableHashTable`` exports are compared sorted by key; ``DenseHashTable`` exports are
compared bucket by bucket (ndflow lays the buckets out as TensorFlow does).
"""
import os
import random

import numpy as np
import pytest

import tensorflow as tf_ref
import ndflow as nd

WORDS = ["the", "cat", "sat", "on", "mat"]
QUERIES = ["the", "dog", "", "a", "hello world", "zzz", "cat", "x" * 20, "y" * 40, "z" * 100,
           "é", "naïve café", "日本語のテキスト", "mat", "MAT", " the", "the\t"]
INT_KEYS = [10, 0, 1, 2, 3, 42, -1, -5, 123456789, 2 ** 40, -2 ** 62, 20, 2 ** 63 - 1,
            -2 ** 63]


def _random_strings(n, seed):
    rng = random.Random(seed)
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789 _-éü中€\t"
    return ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 150)))
            for _ in range(n)]


def _random_ints(n, seed):
    rng = random.Random(seed)
    return [rng.randrange(-2 ** 63, 2 ** 63) if i % 3 else rng.randrange(-1000, 1000)
            for i in range(n)]


# ---- normalisation of results ---------------------------------------------------------

def _text(v):
    return v.decode("utf-8") if isinstance(v, bytes) else v


def norm(x):
    """A comparable plain value: (kind, dtype, shape, nested list) with bytes as str."""
    if x is None:
        return None
    if isinstance(x, (list, tuple)) and not hasattr(x, "numpy"):
        return [norm(v) for v in x]
    if type(x).__name__ == "RaggedTensor" or isinstance(x, nd.strings.RaggedList):
        return ("ragged", x.dtype.name, _map(x.to_list()))
    if hasattr(x, "numpy"):
        a = np.asarray(x.numpy())
        return ("tensor", x.dtype.name, a.shape, _map(a.tolist()))
    if hasattr(x, "name") and hasattr(x, "is_integer"):
        return ("dtype", x.name)
    return ("py", _map(x))


def _map(v):
    if isinstance(v, list):
        return [_map(x) for x in v]
    if isinstance(v, float) and v != v:
        return "nan"
    return _text(v)


def sorted_export(table):
    k, v = table.export()
    pairs = sorted(zip([_text(a) for a in np.asarray(k.numpy()).tolist()],
                       [_map(b) for b in np.asarray(v.numpy()).tolist()]), key=repr)
    return ("export", k.dtype.name, v.dtype.name, pairs)


def run_both(fn, tmp_path):
    out = []
    for lib in (tf_ref, nd):
        d = tmp_path / lib.__name__
        d.mkdir(exist_ok=True)
        cwd = os.getcwd()
        os.chdir(d)
        try:
            out.append(("ok", norm(fn(lib))))
        except Exception as e:  # noqa: BLE001  (compared below)
            out.append(("error", e))
        finally:
            os.chdir(cwd)
    return out


def _same_error_kind(ref_exc, nd_exc):
    names = {c.__name__ for c in type(nd_exc).__mro__}
    return type(ref_exc).__name__ in names


def compare(fn, tmp_path):
    (kr, r), (kn, n) = run_both(fn, tmp_path)
    if kr == "error":
        assert kn == "error", "TF raised %s: %s\nndflow returned %r" % (
            type(r).__name__, r, n)
        assert _same_error_kind(r, n), "TF raised %s (%s), ndflow %s (%s)" % (
            type(r).__name__, r, type(n).__name__, n)
        return
    if kn == "error":
        raise AssertionError("ndflow raised %s: %s; TF gave %r" % (type(n).__name__, n, r))
    assert n == r, "ndflow %r\n    TF %r" % (n, r)


def write(name, data):
    with open(name, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))
    return name


# ---- scenarios -------------------------------------------------------------------------

def kv(tf, keys=("a", "b", "c"), values=(1, 2, 3), **kw):
    def plain(x):
        return list(x) if isinstance(x, tuple) else x
    return tf.lookup.KeyValueTensorInitializer(plain(keys), plain(values), **kw)


def vocab(tf, n=5, words=WORDS):
    return tf.lookup.StaticVocabularyTable(
        tf.lookup.KeyValueTensorInitializer(words, tf.range(len(words), dtype=tf.int64)), n)


def dense_int(tf, nb=16):
    return tf.lookup.experimental.DenseHashTable(tf.int64, tf.int64, -1, empty_key=-7,
                                                 deleted_key=-8, initial_num_buckets=nb)


def _dense_steps(tf, steps, nb=16, query=(1, 17, 33, 2, 99)):
    d = dense_int(tf, nb)
    for op, keys in steps:
        k = tf.constant(keys, tf.int64)
        if op == "insert":
            d.insert(k, k * 10)
        else:
            d.erase(k)
    return [d.export(), d.size(), d.lookup(tf.constant(list(query), tf.int64))]


def _mutable_seq(tf):
    m = tf.lookup.experimental.MutableHashTable(tf.string, tf.int64, -1)
    out = [m.size()]
    m.insert(tf.constant(["a", "b", "c"]), tf.constant([1, 2, 3], tf.int64))
    m.insert(["d"], [4])
    m.insert("e", 5)
    m.insert(["a"], [100])
    out.append(m.lookup(tf.constant([["a", "z"], ["e", "d"]])))
    m.remove(tf.constant(["b", "nope"]))
    out += [m.size(), m.lookup(tf.constant(["b", "c"])), sorted_export(m)]
    out.append(m.lookup(tf.constant(["a", "zz"]),
                        dynamic_default_values=tf.constant([0, 99], tf.int64)))
    out.append(m.lookup(tf.constant(["a", "zz"]),
                        dynamic_default_values=tf.constant(7, tf.int64)))
    m.insert(["k", "k"], [1, 2])
    out.append(m.lookup(["k"]))
    return out


def _mutable_vec(tf):
    v = tf.lookup.experimental.MutableHashTable(tf.int64, tf.float32, [0.0, -1.0])
    v.insert(tf.constant([1, 2], tf.int64), tf.constant([[1.0, 2.0], [3.0, 4.0]]))
    v.insert(tf.constant(3, tf.int64), tf.constant([5.0, 6.0]))
    return [v.lookup(tf.constant([1, 5], tf.int64)), v.lookup(tf.constant([[1], [3]], tf.int64)),
            v.lookup(tf.constant(3, tf.int64)), sorted_export(v), v.size()]


def _dataset_pipeline(tf):
    table = vocab(tf, 1)
    ds = tf.data.Dataset.from_tensor_slices((["the cat sat", "a dog on the mat", "mat"],
                                             [0, 1, 0]))
    ds = ds.map(lambda text, label: (table.lookup(tf.strings.split(text)), label))
    return [[x, y] for x, y in ds]


def _dataset_init(tf):
    di = (tf.data.experimental if tf is tf_ref else tf.lookup.experimental).DatasetInitializer
    ds = tf.data.Dataset.from_tensor_slices((["a", "b", "c"], tf.constant([1, 2, 3], tf.int64)))
    init = di(ds)
    return [init.key_dtype, init.value_dtype,
            tf.lookup.StaticHashTable(init, -1).lookup(tf.constant(["a", "z", "c"])),
            tf.lookup.StaticVocabularyTable(di(ds), 2).lookup(tf.constant(["a", "zz", "c"]))]


def _textfile(tf, content, key_dtype, key_index, value_dtype, value_index, default=-1,
              query=None, **kw):
    # an absolute path: TensorFlow shares a table between initializers of the same file
    # name and columns within a process (ndflow does not), so each test needs its own file
    name = os.path.abspath(write("vocab.txt", content))
    init = tf.lookup.TextFileInitializer(name, getattr(tf, key_dtype), key_index,
                                         getattr(tf, value_dtype), value_index, **kw)
    table = tf.lookup.StaticHashTable(init, default)
    out = [init.key_dtype, init.value_dtype, table.size(), sorted_export(table)]
    if query is not None:
        out.append(table.lookup(tf.constant(query, dtype=getattr(tf, key_dtype))))
    return out


W, N = -2, -1
F3 = "emerson\t10\tx\nlake\t20\ty\npalmer\t30\tz\n"

SCENARIOS = {
    # ---- KeyValueTensorInitializer + StaticHashTable --------------------------------
    "kv-dtypes": lambda tf: [kv(tf).key_dtype, kv(tf).value_dtype,
                             kv(tf, [1, 2], [1.0, 2.0]).key_dtype,
                             kv(tf, [1, 2], [1.0, 2.0]).value_dtype,
                             kv(tf, [1, 2], [1, 2], key_dtype=tf.int64,
                                value_dtype=tf.int64).key_dtype],
    "kv-tensor-needs-cast": lambda tf: kv(tf, tf.constant([1, 2]), [1, 2], key_dtype=tf.int64),
    "kv-numpy-int64": lambda tf: tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(
        np.array([1, 2]), np.array([5, 6])), -1).lookup(tf.constant([1, 2, 3], tf.int64)),
    "static-lookup": lambda tf: [
        tf.lookup.StaticHashTable(kv(tf), -1).lookup(tf.constant(["a", "z", "c"])),
        tf.lookup.StaticHashTable(kv(tf), -1).lookup(tf.constant([["a", "z"], ["c", "b"]])),
        tf.lookup.StaticHashTable(kv(tf), -1).lookup(tf.constant("b")),
        tf.lookup.StaticHashTable(kv(tf), -1).lookup(tf.constant([b"a", b"q"])),
        tf.lookup.StaticHashTable(kv(tf), -1).lookup(tf.constant([], tf.string))],
    "static-props": lambda tf: [
        tf.lookup.StaticHashTable(kv(tf), -1).size(),
        tf.lookup.StaticHashTable(kv(tf), -1).key_dtype,
        tf.lookup.StaticHashTable(kv(tf), -1).value_dtype,
        tf.lookup.StaticHashTable(kv(tf), -1).default_value,
        sorted_export(tf.lookup.StaticHashTable(kv(tf), -1))],
    "static-name": lambda tf: ("py", tf.lookup.StaticHashTable(kv(tf), -1, name="t").name),
    "static-wrong-key-dtype": lambda tf: tf.lookup.StaticHashTable(kv(tf), -1).lookup(
        tf.constant([1])),
    "static-int32-table-int64-keys": lambda tf: tf.lookup.StaticHashTable(
        kv(tf, [1, 2], [1.0, 2.0]), -1.0).lookup(tf.constant([1, 5], tf.int64)),
    "static-int32-table": lambda tf: tf.lookup.StaticHashTable(
        kv(tf, [1, 2], [1.0, 2.0]), -1.0).lookup(tf.constant([[1, 5], [2, 2]])),
    "static-default-float-for-int": lambda tf: tf.lookup.StaticHashTable(kv(tf), -1.5),
    "static-default-str-for-int": lambda tf: tf.lookup.StaticHashTable(kv(tf), "x"),
    "static-default-vector": lambda tf: tf.lookup.StaticHashTable(kv(tf), [1, 2]),
    "static-default-tensor-dtype": lambda tf: tf.lookup.StaticHashTable(
        kv(tf), tf.constant(-1, tf.int64)),
    "static-dup-same": lambda tf: tf.lookup.StaticHashTable(
        kv(tf, ["a", "a"], [1, 1]), -1).lookup(tf.constant(["a"])),
    "static-dup-different": lambda tf: tf.lookup.StaticHashTable(kv(tf, ["a", "a"], [1, 2]), -1),
    "static-length-mismatch": lambda tf: tf.lookup.StaticHashTable(kv(tf, ["a", "b"],
                                                                      [1, 2, 3]), -1),
    "static-empty": lambda tf: tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(
        tf.constant([], tf.string), tf.constant([], tf.int64)), -1),
    "static-string-values": lambda tf: tf.lookup.StaticHashTable(
        kv(tf, [1, 2], ["x", "y"], key_dtype=tf.int64), "UNK").lookup(
        tf.constant([1, 3], tf.int64)),
    "static-2d-initializer": lambda tf: tf.lookup.StaticHashTable(
        kv(tf, [["a", "b"]], [[1, 2]]), -1).lookup(tf.constant(["b", "q"])),
    "static-bool-values": lambda tf: tf.lookup.StaticHashTable(
        kv(tf, ["a"], [True]), False).lookup(tf.constant(["a", "b"])),
    "static-float64-values": lambda tf: tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(["a"], np.array([1.5])), -1.0).lookup(
        tf.constant(["a", "b"])),
    "static-float-keys-unsupported": lambda tf: tf.lookup.StaticHashTable(
        kv(tf, [1.0, 2.0], [1, 2]), -1),
    "static-bool-keys-unsupported": lambda tf: tf.lookup.StaticHashTable(
        kv(tf, [True], [1]), -1),
    "static-int32-key-int64-value-unsupported": lambda tf: tf.lookup.StaticHashTable(
        kv(tf, [1], tf.constant([1], tf.int64)), -1),
    "static-ragged": lambda tf: tf.lookup.StaticHashTable(kv(tf), -1).lookup(
        tf.strings.split(tf.constant(["a b", "", "z c a"]))),
    # ---- StaticVocabularyTable ------------------------------------------------------
    "vocab-oov-strings": lambda tf: [vocab(tf).lookup(tf.constant(QUERIES)), vocab(tf).size(),
                                     vocab(tf).key_dtype, vocab(tf).value_dtype],
    "vocab-oov-random-strings": lambda tf: [
        vocab(tf, 7).lookup(tf.constant(_random_strings(300, 1))),
        vocab(tf, 1000).lookup(tf.constant(_random_strings(300, 2)))],
    "vocab-oov-2d-and-scalar": lambda tf: [
        vocab(tf, 3).lookup(tf.constant([["the", "dog"], ["sat", "cow"]])),
        vocab(tf, 3).lookup(tf.constant("unknown"))],
    "vocab-oov-int64": lambda tf: tf.lookup.StaticVocabularyTable(
        tf.lookup.KeyValueTensorInitializer(tf.constant([10, 20, 30], tf.int64),
                                            tf.constant([0, 1, 2], tf.int64)), 7).lookup(
        tf.constant(INT_KEYS, tf.int64)),
    "vocab-oov-random-int64": lambda tf: tf.lookup.StaticVocabularyTable(
        tf.lookup.KeyValueTensorInitializer(tf.constant([10, 20, 30], tf.int64),
                                            tf.constant([0, 1, 2], tf.int64)), 97).lookup(
        tf.constant(_random_ints(300, 3), tf.int64)),
    "vocab-lookup-int32": lambda tf: (lambda t: [t.key_dtype, t.lookup(
        tf.constant([10, 42, -1, 2 ** 31 - 1]))])(tf.lookup.StaticVocabularyTable(
            tf.lookup.KeyValueTensorInitializer(tf.constant([10, 20], tf.int64),
                                                tf.constant([0, 1], tf.int64)), 7,
            lookup_key_dtype=tf.int32)),
    "vocab-lookup-int32-given-int64": lambda tf: tf.lookup.StaticVocabularyTable(
        tf.lookup.KeyValueTensorInitializer(tf.constant([10], tf.int64),
                                            tf.constant([0], tf.int64)), 7,
        lookup_key_dtype=tf.int32).lookup(tf.constant([10], tf.int64)),
    "vocab-lookup-string-on-int": lambda tf: tf.lookup.StaticVocabularyTable(
        tf.lookup.KeyValueTensorInitializer(tf.constant([10], tf.int64),
                                            tf.constant([0], tf.int64)), 7,
        lookup_key_dtype=tf.string),
    "vocab-lookup-int-on-string": lambda tf: tf.lookup.StaticVocabularyTable(
        tf.lookup.KeyValueTensorInitializer(["a"], tf.constant([0], tf.int64)), 2,
        lookup_key_dtype=tf.int64),
    "vocab-int-table-int32-keys": lambda tf: tf.lookup.StaticVocabularyTable(
        tf.lookup.KeyValueTensorInitializer(tf.constant([10], tf.int64),
                                            tf.constant([0], tf.int64)), 7).lookup(
        tf.constant([10, 42])),
    "vocab-none": lambda tf: (lambda t: [t.lookup(tf.constant(["a", "b", "the", ""])),
                                         t.size(), t.key_dtype])(
        tf.lookup.StaticVocabularyTable(None, 3, lookup_key_dtype=tf.string)),
    "vocab-none-int32-dtype-ignored": lambda tf: tf.lookup.StaticVocabularyTable(
        None, 5, lookup_key_dtype=tf.int32).key_dtype,
    "vocab-none-int-keys": lambda tf: tf.lookup.StaticVocabularyTable(
        None, 5, lookup_key_dtype=tf.int32).lookup(tf.constant([1, 2])),
    "vocab-zero-buckets": lambda tf: vocab(tf, 0),
    "vocab-negative-buckets": lambda tf: vocab(tf, -1),
    "vocab-float-buckets": lambda tf: vocab(tf, 2.0).lookup(tf.constant(["a", "the"])),
    "vocab-int32-values": lambda tf: tf.lookup.StaticVocabularyTable(kv(tf), 1),
    "vocab-string-values": lambda tf: tf.lookup.StaticVocabularyTable(
        kv(tf, ["a"], ["x"]), 1),
    "vocab-int32-keys": lambda tf: tf.lookup.StaticVocabularyTable(
        kv(tf, [1, 2], tf.constant([0, 1], tf.int64)), 1),
    "vocab-float-keys": lambda tf: tf.lookup.StaticVocabularyTable(
        kv(tf, [1.0, 2.0], tf.constant([0, 1], tf.int64)), 1),
    "vocab-sparse-ids": lambda tf: tf.lookup.StaticVocabularyTable(
        tf.lookup.KeyValueTensorInitializer(WORDS[:3], tf.constant([5, 9, 100], tf.int64)),
        2).lookup(tf.constant(["the", "q", "r", "sat"])),
    "vocab-wrong-key-dtype": lambda tf: vocab(tf).lookup(tf.constant([1, 2], tf.int64)),
    "vocab-ragged": lambda tf: vocab(tf).lookup(tf.strings.split(
        tf.constant(["the cat sat", "dog the", ""]))),
    "vocab-ragged-to-tensor": lambda tf: vocab(tf).lookup(tf.strings.split(
        tf.constant(["the cat sat", "dog the"]))).to_tensor(),
    # ---- TextFileInitializer ------------------------------------------------------------
    "text-col-to-col": lambda tf: _textfile(tf, F3, "string", 0, "int64", 1,
                                            query=["lake", "x"]),
    "text-col-to-string-col": lambda tf: _textfile(tf, F3, "string", 0, "string", 2, "UNK",
                                                   query=["lake", "x"]),
    "text-int-col-to-line": lambda tf: _textfile(tf, F3, "int64", 1, "int64", N,
                                                 query=[20, 1]),
    "text-line-to-whole": lambda tf: _textfile(tf, F3, "int64", N, "string", W, "?"),
    "text-whole-to-line": lambda tf: _textfile(tf, "a\nb\nc\n", "string", W, "int64", N,
                                               query=["a", "c", "d"]),
    "text-float-values": lambda tf: _textfile(tf, "a\t1.5\nb\t1e3\nc\tnan\nd\t 2\ne\t0x1p3\n"
                                              "f\t-inf\ng\t.5\n", "string", 0, "float32", 1,
                                              -1.0),
    "text-double-values": lambda tf: _textfile(tf, F3, "string", 0, "float64", 1, -1.0),
    "text-int32-values": lambda tf: _textfile(tf, F3, "string", 0, "int32", 1),
    "text-int32-overflow": lambda tf: _textfile(tf, "a\t99999999999\n", "string", 0, "int32",
                                                1),
    "text-int-fields": lambda tf: _textfile(tf, "a\t8 \nb\t -3 \nc\t+7\nd\t007\n", "string",
                                            0, "int64", 1),
    "text-int-bad-field": lambda tf: _textfile(tf, F3, "string", 0, "int64", 2),
    "text-int-float-field": lambda tf: _textfile(tf, "a\t1.0\n", "string", 0, "int64", 1),
    "text-float-bad-field": lambda tf: _textfile(tf, "a\t1e\n", "string", 0, "float32", 1,
                                                 -1.0),
    "text-no-final-newline": lambda tf: _textfile(tf, "a\nb\nc", "string", W, "int64", N),
    "text-crlf": lambda tf: _textfile(tf, b"a\t1\r\nb\t2\r\n", "string", 0, "int64", 1),
    "text-cr-inside": lambda tf: _textfile(tf, b"a\rb\nc\n", "string", W, "int64", N),
    "text-whitespace-kept": lambda tf: _textfile(tf, " a \nb\n", "string", W, "int64", N),
    "text-unicode": lambda tf: _textfile(tf, "é\nü\n日本\n", "string", W, "int64", N,
                                         query=["é", "日本", "x"]),
    "text-empty-line": lambda tf: _textfile(tf, "a\n\nc\n", "string", W, "int64", N),
    "text-trailing-blank-line": lambda tf: _textfile(tf, "a\nb\n\n", "string", W, "int64", N),
    "text-duplicate": lambda tf: _textfile(tf, "a\nb\na\n", "string", W, "int64", N),
    "text-vocab-size": lambda tf: _textfile(tf, "a\nb\nc\n", "string", W, "int64", N,
                                            vocab_size=2),
    "text-vocab-size-too-big": lambda tf: _textfile(tf, "a\nb\nc\n", "string", W, "int64", N,
                                                    vocab_size=5),
    "text-vocab-size-zero": lambda tf: _textfile(tf, "a\n", "string", W, "int64", N,
                                                 vocab_size=0),
    "text-columns-missing": lambda tf: _textfile(tf, F3, "string", 0, "int64", 5),
    "text-delimiter": lambda tf: _textfile(tf, "a b\nc d\n", "string", 1, "string", 0, "?",
                                           delimiter=" "),
    "text-delimiter-none": lambda tf: _textfile(tf, F3, "string", 0, "int64", 1,
                                                delimiter=None),
    "text-delimiter-long": lambda tf: _textfile(tf, "a::1\n", "string", 0, "int64", 1,
                                                delimiter="::"),
    "text-empty-fields": lambda tf: _textfile(tf, "a\tb\n\tq\nc\t\n", "string", 0, "string",
                                              1, "?"),
    "text-extra-columns": lambda tf: _textfile(tf, "a\tb\tc\n", "string", 0, "string", 1, "?"),
    "text-whole-int-keys": lambda tf: _textfile(tf, "5\n7\n9\n", "int64", W, "int64", N,
                                                query=[7, 8]),
    "text-whole-int-values": lambda tf: _textfile(tf, "5\n7\n9\n", "int64", N, "int64", W),
    "text-offset": lambda tf: _textfile(tf, "a\nb\nc\n", "string", W, "int64", N,
                                        value_index_offset=10),
    "text-offset-ignored-for-columns": lambda tf: _textfile(tf, F3, "string", 0, "int64", 1,
                                                            value_index_offset=10),
    "text-missing-file": lambda tf: tf.lookup.StaticHashTable(tf.lookup.TextFileInitializer(
        "nofile.txt", tf.string, W, tf.int64, N), -1),
    "text-empty-filename": lambda tf: tf.lookup.TextFileInitializer("", tf.string, W,
                                                                    tf.int64, N),
    "text-bad-key-index": lambda tf: tf.lookup.TextFileInitializer("v", tf.string, -3,
                                                                   tf.int64, N),
    "text-bad-value-index": lambda tf: tf.lookup.TextFileInitializer("v", tf.string, W,
                                                                     tf.int64, -3),
    "text-line-key-string": lambda tf: tf.lookup.TextFileInitializer("v", tf.string, N,
                                                                     tf.int64, W),
    "text-line-value-string": lambda tf: tf.lookup.TextFileInitializer("v", tf.string, W,
                                                                       tf.string, N),
    "text-whole-key-float": lambda tf: tf.lookup.TextFileInitializer("v", tf.float32, W,
                                                                     tf.int64, N),
    "text-whole-value-float": lambda tf: tf.lookup.TextFileInitializer("v", tf.int64, N,
                                                                       tf.float32, W),
    "text-index-constants": lambda tf: ("py", [tf.lookup.TextFileIndex.WHOLE_LINE,
                                               tf.lookup.TextFileIndex.LINE_NUMBER]),
    "text-vocabulary-table": lambda tf: (lambda t: [t.lookup(tf.constant(["a", "c", "zz",
                                                                          "q"])), t.size()])(
        tf.lookup.StaticVocabularyTable(tf.lookup.TextFileInitializer(
            write("v.txt", "a\nb\nc\n"), tf.string, W, tf.int64, N), 2)),
    # ---- MutableHashTable ---------------------------------------------------------------
    "mutable-sequence": _mutable_seq,
    "mutable-vector-values": _mutable_vec,
    "mutable-empty": lambda tf: (lambda m: [m.size(), m.export(), m.lookup(
        tf.constant([], tf.string))])(
        tf.lookup.experimental.MutableHashTable(tf.string, tf.int64, -1)),
    "mutable-int32": lambda tf: (lambda m: (m.insert([1], [2.0]), m.lookup([1, 3]))[1])(
        tf.lookup.experimental.MutableHashTable(tf.int32, tf.float32, 0.0)),
    "mutable-int64-string-values": lambda tf: (lambda m: (
        m.insert(tf.constant([1, 2], tf.int64), ["x", "y"]),
        m.lookup(tf.constant([2, 3], tf.int64)))[1])(
        tf.lookup.experimental.MutableHashTable(tf.int64, tf.string, "?")),
    "mutable-string-string-unsupported": lambda tf: tf.lookup.experimental.MutableHashTable(
        tf.string, tf.string, ""),
    "mutable-int64-bool-unsupported": lambda tf: tf.lookup.experimental.MutableHashTable(
        tf.int64, tf.bool, False),
    "mutable-default-matrix": lambda tf: tf.lookup.experimental.MutableHashTable(
        tf.string, tf.float32, np.zeros((2, 3), np.float32)),
    "mutable-default-wrong-type": lambda tf: tf.lookup.experimental.MutableHashTable(
        tf.string, tf.int64, "x"),
    "mutable-insert-wrong-values": lambda tf: tf.lookup.experimental.MutableHashTable(
        tf.string, tf.int64, -1).insert(["q"], tf.constant([1])),
    "mutable-insert-wrong-keys": lambda tf: tf.lookup.experimental.MutableHashTable(
        tf.string, tf.int64, -1).insert(tf.constant([1], tf.int64), tf.constant([1], tf.int64)),
    "mutable-lookup-wrong-keys": lambda tf: tf.lookup.experimental.MutableHashTable(
        tf.string, tf.int64, -1).lookup(tf.constant([1], tf.int64)),
    "mutable-remove-wrong-keys": lambda tf: tf.lookup.experimental.MutableHashTable(
        tf.string, tf.int64, -1).remove(tf.constant([1])),
    "mutable-insert-shape-mismatch": lambda tf: tf.lookup.experimental.MutableHashTable(
        tf.string, tf.int64, -1).insert(["x", "y"], [1, 2, 3]),
    "mutable-vector-insert-wrong-shape": lambda tf: tf.lookup.experimental.MutableHashTable(
        tf.int64, tf.float32, [0.0, 0.0]).insert(tf.constant([1], tf.int64),
                                                 tf.constant([1.0, 2.0])),
    "mutable-dynamic-default-bad-shape": lambda tf: tf.lookup.experimental.MutableHashTable(
        tf.string, tf.int64, -1).lookup(tf.constant(["a", "b"]),
                                        dynamic_default_values=tf.constant([7, 8, 9],
                                                                           tf.int64)),
    "mutable-2d-keys": lambda tf: (lambda m: (m.insert([["x", "y"]], [[7, 8]]),
                                              m.lookup(["x", "y", "z"]), m.size())[1:])(
        tf.lookup.experimental.MutableHashTable(tf.string, tf.int64, -1)),
    # ---- DenseHashTable -----------------------------------------------------------------
    "dense-int-layout": lambda tf: _dense_steps(tf, [("insert", [5, 7, 9]), ("insert", [11])],
                                                8),
    "dense-probe-chain": lambda tf: _dense_steps(tf, [("insert", [1]), ("insert", [17]),
                                                      ("insert", [33]), ("insert", [49]),
                                                      ("insert", [65])]),
    "dense-negative-large": lambda tf: _dense_steps(
        tf, [("insert", [0, -1, -2, 2 ** 40, 2 ** 40 + 3, 12345678901, 100])], 16),
    "dense-grow": lambda tf: _dense_steps(tf, [("insert", [5, 7, 9, 11]),
                                               ("insert", [12, 13, 14, 15])], 8),
    "dense-grow-batch": lambda tf: _dense_steps(tf, [("insert", list(range(1, 27)))], 4),
    "dense-grow-existing-keys": lambda tf: _dense_steps(tf, [("insert", [1, 2, 3, 4, 5, 6]),
                                                             ("insert", [1])], 8),
    "dense-no-grow": lambda tf: _dense_steps(tf, [("insert", [1, 2, 3, 4, 5, 6])], 8),
    "dense-erase": lambda tf: _dense_steps(tf, [("insert", [1, 17, 33, 2]),
                                                ("erase", [17, 100])]),
    "dense-erase-then-insert": lambda tf: _dense_steps(tf, [("insert", [1, 2, 3]),
                                                            ("erase", [2]), ("insert", [17])]),
    # (TensorFlow cannot look up a missing key once no bucket is free: query present keys)
    "dense-erase-then-fill": lambda tf: _dense_steps(tf, [("insert", [1, 2, 3, 4, 5]),
                                                          ("erase", [2, 3]),
                                                          ("insert", [6, 7, 8])], 8,
                                                     query=(1, 8, 6)),
    "dense-erase-then-grow": lambda tf: _dense_steps(tf, [("insert", [1, 2, 3, 4, 5]),
                                                          ("erase", [2, 3]),
                                                          ("insert", [6, 7, 8, 9])], 8),
    "dense-string-layout": lambda tf: (lambda d: (
        d.insert(["a", "b", "c", "d", "e", "hello", "world", "the", "quick", "brown", "fox",
                  "x" * 9, "y" * 20, "é", "日本語"], list(range(15))),
        d.export(), d.lookup(tf.constant(["hello", "nah"])), d.size())[1:])(
        tf.lookup.experimental.DenseHashTable(tf.string, tf.int64, -1, empty_key="<E>",
                                              deleted_key="<D>", initial_num_buckets=64)),
    "dense-string-grow": lambda tf: (lambda d: (
        d.insert(["a", "b"], [1.0, 2.0]), d.insert(["c", "d", "e"], [3.0, 4.0, 5.0]),
        d.export())[2])(
        tf.lookup.experimental.DenseHashTable(tf.string, tf.float32, -1.0, empty_key="",
                                              deleted_key="$", initial_num_buckets=4)),
    "dense-random-strings": lambda tf: (lambda d: (
        d.insert(_random_strings(200, 5)[1:], list(range(199))),
        d.export()[0], d.size())[1:])(
        tf.lookup.experimental.DenseHashTable(tf.string, tf.int64, -1, empty_key="\x00",
                                              deleted_key="\x01", initial_num_buckets=256)),
    "dense-vector-keys": lambda tf: (lambda d: (
        d.insert(tf.constant([[1, 2], [3, 4], [0, 0], [5, 6], [100, 7]], tf.int64),
                 tf.constant([1, 2, 3, 4, 5], tf.int64)),
        d.export(), d.lookup(tf.constant([[1, 2], [9, 9]], tf.int64)),
        d.lookup(tf.constant([[[1, 2]]], tf.int64)))[1:])(
        tf.lookup.experimental.DenseHashTable(tf.int64, tf.int64, -1, empty_key=[-1, -1],
                                              deleted_key=[-2, -2], initial_num_buckets=16)),
    "dense-vector-string-keys": lambda tf: (lambda d: (
        d.insert(tf.constant([["a", "b"], ["c", "d"], ["hello", "w"]]),
                 tf.constant([1, 2, 3], tf.int64)), d.export()[0])[1])(
        tf.lookup.experimental.DenseHashTable(tf.string, tf.int64, -1, empty_key=["", ""],
                                              deleted_key=["$", "$"], initial_num_buckets=16)),
    "dense-vector-key-1d-lookup": lambda tf: tf.lookup.experimental.DenseHashTable(
        tf.int64, tf.int64, -1, empty_key=[-1, -1], deleted_key=[-2, -2]).lookup(
        tf.constant([1, 2], tf.int64)),
    "dense-vector-values": lambda tf: (lambda d: (
        d.insert(tf.constant([-3, 7]), tf.ones((2, 3))), d.export(),
        d.lookup(tf.constant([-3, 1])))[1:])(
        tf.lookup.experimental.DenseHashTable(tf.int32, tf.float32, np.zeros(3, np.float32),
                                              empty_key=5, deleted_key=6,
                                              initial_num_buckets=16)),
    "dense-bool-values": lambda tf: (lambda d: (
        d.insert([1], [True]), d.lookup([1, 2]), d.export())[1:])(
        tf.lookup.experimental.DenseHashTable(tf.int64, tf.bool, False, -1, -2,
                                              initial_num_buckets=4)),
    "dense-scalar-keys": lambda tf: (lambda d: (
        d.insert(tf.constant(1, tf.int64), tf.constant(3, tf.int64)),
        d.lookup(tf.constant(1, tf.int64)))[1])(dense_int(tf)),
    "dense-2d-keys": lambda tf: dense_int(tf).lookup(tf.constant([[1, 2]], tf.int64)),
    "dense-insert-empty-key": lambda tf: dense_int(tf).insert(tf.constant([-7], tf.int64),
                                                              tf.constant([1], tf.int64)),
    "dense-insert-deleted-key": lambda tf: dense_int(tf).insert(tf.constant([-8], tf.int64),
                                                                tf.constant([1], tf.int64)),
    "dense-lookup-empty-key": lambda tf: dense_int(tf).lookup(tf.constant([-7], tf.int64)),
    "dense-erase-deleted-key": lambda tf: dense_int(tf).erase(tf.constant([-8], tf.int64)),
    "dense-insert-shape-mismatch": lambda tf: dense_int(tf).insert([1, 2], [3]),
    "dense-lookup-int32-keys": lambda tf: dense_int(tf).lookup(tf.constant([5, 6])),
    "dense-same-reserved-keys": lambda tf: tf.lookup.experimental.DenseHashTable(
        tf.int64, tf.int64, -1, empty_key=0, deleted_key=0),
    "dense-reserved-shape-mismatch": lambda tf: tf.lookup.experimental.DenseHashTable(
        tf.int64, tf.int64, -1, empty_key=[-1, -1], deleted_key=-2),
    "dense-matrix-key": lambda tf: tf.lookup.experimental.DenseHashTable(
        tf.int64, tf.int64, -1, empty_key=[[-1]], deleted_key=[[-2]]),
    "dense-matrix-default": lambda tf: tf.lookup.experimental.DenseHashTable(
        tf.int32, tf.float32, np.zeros((2, 3), np.float32), empty_key=5, deleted_key=6),
    "dense-buckets-not-power-of-two": lambda tf: dense_int(tf, 10),
    "dense-default-buckets": lambda tf: tf.lookup.experimental.DenseHashTable(
        tf.int64, tf.int64, -1, empty_key=0, deleted_key=-1).export()[0].shape.as_list(),
    "dense-key-type-mismatch": lambda tf: tf.lookup.experimental.DenseHashTable(
        tf.int64, tf.int64, 0, "a", "b"),
    "dense-int32-int64-unsupported": lambda tf: tf.lookup.experimental.DenseHashTable(
        tf.int32, tf.int64, 0, -1, -2),
    "dense-float-keys-unsupported": lambda tf: tf.lookup.experimental.DenseHashTable(
        tf.float32, tf.float32, 0.0, -1.0, -2.0),
    # ---- tf.data ------------------------------------------------------------------------
    "dataset-map-pipeline": _dataset_pipeline,
    "dataset-initializer": _dataset_init,
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_lookup_matches_tensorflow(name, tmp_path):
    compare(SCENARIOS[name], tmp_path)


def test_harness_detects_a_difference(tmp_path):
    def differs(tf):
        table = tf.lookup.StaticHashTable(kv(tf), -1 if tf is tf_ref else -2)
        return table.lookup(tf.constant(["zz"]))
    with pytest.raises(AssertionError):
        compare(differs, tmp_path)
