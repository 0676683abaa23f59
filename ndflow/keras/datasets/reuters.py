"""Reuters newswire topics (``keras.datasets.reuters``)."""
import numpy as np

from ndflow.keras.datasets import _common, _text

FILE_HASH = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
WORD_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"

LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply",
    "coffee", "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas",
    "cpi", "money-fx", "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin",
    "strategic-metal", "livestock", "retail", "ipi", "iron-steel", "rubber", "heat", "jobs",
    "lei", "bop", "zinc", "orange", "pet-chem", "dlr", "gas", "silver", "wpi", "hog", "lead")


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2,
              seed=113, start_char=1, oov_char=2, index_from=3):
    """``(x_train, y_train), (x_test, y_test)``: object arrays of word-index lists and
    int topic labels (46 topics); ``test_split`` of the 11228 newswires go to test."""
    path = _common.fetch(path, _common.ORIGIN + "reuters.npz", FILE_HASH)
    f = _common.load_npz(path)
    xs, labels = f["x"], f["y"]
    indices = np.arange(len(xs))
    np.random.RandomState(seed).shuffle(indices)
    xs, labels = _text.offset(list(xs[indices]), labels[indices], maxlen, start_char,
                              index_from, "reuters.load_data")
    xs = _text.clip(xs, num_words, skip_top, oov_char)
    cut = int(len(xs) * (1 - test_split))
    return ((_common.object_array(xs[:cut]), np.array(labels[:cut])),
            (_common.object_array(xs[cut:]), np.array(labels[cut:])))


def get_word_index(path="reuters_word_index.json"):
    """The dict word -> index (index before the ``index_from`` offset)."""
    return _text.word_index(path, WORD_INDEX_HASH)


def get_label_names():
    """The 46 topic names, indexed like the labels."""
    return LABEL_NAMES
