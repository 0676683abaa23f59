"""IMDB movie-review sentiment (``keras.datasets.imdb``)."""
import numpy as np

from ndflow.keras.datasets import _common, _text

FILE_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113,
              start_char=1, oov_char=2, index_from=3, **kwargs):
    """``(x_train, y_train), (x_test, y_test)``: object arrays of word-index lists and
    int labels (1 positive, 0 negative), 25000 reviews each before ``maxlen`` filtering.

    ``num_words`` keeps the most frequent words (others become ``oov_char``),
    ``skip_top`` drops the most frequent ones, ``maxlen`` removes longer reviews, and
    real words are numbered from ``index_from``.
    """
    if kwargs:
        raise TypeError("imdb.load_data: unexpected arguments %s." % sorted(kwargs))
    path = _common.fetch(path, _common.ORIGIN + "imdb.npz", FILE_HASH)
    f = _common.load_npz(path)
    rng = np.random.RandomState(seed)
    parts = []
    for xk, yk in (("x_train", "y_train"), ("x_test", "y_test")):
        x, y = f[xk], f[yk]
        indices = np.arange(len(x))
        rng.shuffle(indices)
        parts.append((x[indices], y[indices]))
    (x_train, y_train), (x_test, y_test) = parts
    xs_train, y_train = _text.offset(list(x_train), y_train, maxlen, start_char, index_from,
                                     "imdb.load_data")
    xs_test, y_test = _text.offset(list(x_test), y_test, maxlen, start_char, index_from,
                                   "imdb.load_data")
    xs = _text.clip(xs_train + xs_test, num_words, skip_top, oov_char)
    n = len(xs_train)
    return ((_common.object_array(xs[:n]), np.asarray(y_train)),
            (_common.object_array(xs[n:]), np.asarray(y_test)))


def get_word_index(path="imdb_word_index.json"):
    """The dict word -> index (index before the ``index_from`` offset)."""
    return _text.word_index(path, WORD_INDEX_HASH)
