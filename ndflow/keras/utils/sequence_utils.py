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
