"""``keras.utils.pad_sequences``."""
import numpy as np


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0):
    """Pad (or cut) a list of sequences to one length: an array ``(n, maxlen, ...)``.

    ``padding`` / ``truncating`` ('pre' or 'post') choose the side that is filled with
    ``value`` or cut off; ``maxlen`` defaults to the longest sequence.
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError("pad_sequences expects a list of sequences (each a list or array), "
                         "got %s." % type(sequences).__name__)
    if padding not in ("pre", "post"):
        raise ValueError("pad_sequences: padding must be 'pre' or 'post', got %r." % (padding,))
    if truncating not in ("pre", "post"):
        raise ValueError("pad_sequences: truncating must be 'pre' or 'post', got %r."
                         % (truncating,))
    lengths, sample_shape = [], ()
    found_shape = False
    for i, s in enumerate(sequences):
        try:
            lengths.append(len(s))
        except TypeError:
            raise ValueError("pad_sequences: sequences[%d] is %r, not a sequence. Every entry "
                             "must be a list or array." % (i, s)) from None
        if not found_shape and len(s):
            sample_shape = np.asarray(s).shape[1:]
            found_shape = True
    n = len(sequences)
    if maxlen is None:
        maxlen = max(lengths) if lengths else 0
    is_text = np.issubdtype(np.dtype(dtype), np.str_) or np.dtype(dtype) == object
    if isinstance(value, str) and dtype != object and not is_text:
        raise ValueError("pad_sequences: dtype %r cannot hold the string padding value %r; "
                         "use dtype=object." % (dtype, value))
    out = np.full((n, maxlen) + tuple(sample_shape), value, dtype=dtype)
    for i, s in enumerate(sequences):
        if not len(s) or maxlen == 0:
            continue
        trunc = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        trunc = np.asarray(trunc, dtype=dtype)
        if trunc.shape[1:] != tuple(sample_shape):
            raise ValueError("pad_sequences: sequences[%d] has elements of shape %s, unlike the "
                             "others' %s." % (i, trunc.shape[1:], tuple(sample_shape)))
        if padding == "post":
            out[i, :len(trunc)] = trunc
        else:
            out[i, maxlen - len(trunc):] = trunc
    return out


def make_sampling_table(size, sampling_factor=1e-5):
    """The word2vec keep-probability of the word of each frequency rank ``0 .. size-1``
    (``keras.preprocessing.sequence.make_sampling_table``), for ``skipgrams``.

    Word frequencies are taken to follow Zipf's law; for rank ``r`` (rank 0 counted as 1)
    the inverse frequency is ``r (ln r + 0.577) + 1/2 - 1/(12 r)``, and with
    ``f = sampling_factor * inverse_frequency`` the probability is ``min(1, sqrt(f))``.
    """
    ranks = np.arange(size, dtype=np.float64)
    if size:
        ranks[0] = 1.0
    inverse_frequency = ranks * (np.log(ranks) + 0.577) + 0.5 - 1.0 / (12.0 * ranks)
    f = sampling_factor * inverse_frequency
    return np.minimum(1.0, f / np.sqrt(f))     # f / sqrt(f): Keras's exact rounding


def skipgrams(sequence, vocabulary_size, window_size=4, negative_samples=1.0, shuffle=True,
              categorical=False, sampling_table=None, seed=None):
    """Skip-gram pairs of a sequence of word ids (``keras.preprocessing.sequence.skipgrams``).

    Every word ``w`` at position ``i`` (id 0 is padding and skipped; with a
    ``sampling_table`` a word is kept with probability ``sampling_table[w]``) is paired with
    each non-zero word at distance ``1 .. window_size``: label 1.  Then
    ``int(negative_samples * positives)`` pairs of a (shuffled) context word and a random id
    in ``[1, vocabulary_size)`` are added with label 0; ``categorical`` labels are
    ``[1, 0]`` / ``[0, 1]``.  Randomness comes from Python's ``random`` module (as in
    Keras), so ``random.seed`` or ``seed`` give Keras's pairs.  Returns ``(couples,
    labels)`` as lists.
    """
    import random
    couples = []
    for i, word in enumerate(sequence):
        if not word:
            continue
        if sampling_table is not None and sampling_table[word] < random.random():
            continue
        for j in range(max(0, i - window_size), min(len(sequence), i + window_size + 1)):
            if j != i and sequence[j]:
                couples.append([word, sequence[j]])
    positive, negative = ([0, 1], [1, 0]) if categorical else (1, 0)
    labels = [positive] * len(couples)
    if negative_samples > 0 and couples:
        n = int(len(couples) * negative_samples)
        words = [c[0] for c in couples]
        random.shuffle(words)
        couples += [[words[k % len(words)], random.randint(1, vocabulary_size - 1)]
                    for k in range(n)]
        labels += [negative] * n
    if shuffle:
        if seed is None:
            seed = random.randint(0, 10 ** 7)
        # the same permutation for both lists
        random.seed(seed)
        random.shuffle(couples)
        random.seed(seed)
        random.shuffle(labels)
    return couples, [list(v) if categorical else v for v in labels]
