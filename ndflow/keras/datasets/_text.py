"""What IMDB and Reuters share: re-indexing word sequences the way Keras does."""
import json

from ndflow.keras.datasets import _common


def offset(xs, labels, maxlen, start_char, index_from, what):
    """Shift word indexes by ``index_from``, prepend ``start_char`` and drop sequences
    that are not shorter than ``maxlen``."""
    if start_char is not None:
        xs = [[start_char] + [w + index_from for w in x] for x in xs]
    else:
        xs = [[w + index_from for w in x] for x in xs]
    if maxlen:
        keep = [i for i, x in enumerate(xs) if len(x) < maxlen]
        xs = [xs[i] for i in keep]
        labels = labels[keep]
        if not xs:
            raise ValueError("%s: after removing sequences longer than maxlen=%d none is "
                             "left; increase maxlen." % (what, maxlen))
    return xs, labels


def clip(xs, num_words, skip_top, oov_char):
    """Words outside ``[skip_top, num_words)`` become ``oov_char`` (dropped if None).
    Without ``num_words`` the largest index seen is the bound (as in Keras)."""
    if not num_words:
        num_words = max(max(x) for x in xs if x)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    return [[w for w in x if skip_top <= w < num_words] for x in xs]


def word_index(fname, file_hash):
    path = _common.fetch(fname, _common.ORIGIN + fname, file_hash)
    with open(path, encoding="utf-8") as f:
        return json.load(f)
