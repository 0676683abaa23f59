"""Helpers shared by the reference tests: conversion to NumPy and float32 comparisons."""
import numpy as np

import ndflow as nd
import tensorflow as tf_ref

# float32 tolerances: both libraries compute in float32, in different orders.
RTOL = 1e-4
ATOL = 1e-5


def to_np(x):
    """A NumPy value from an ndflow / TF tensor, a variable, a scalar, or nested lists."""
    if x is None:
        return None
    if isinstance(x, (list, tuple)):
        return [to_np(v) for v in x]
    if hasattr(x, "numpy"):
        return np.asarray(x.numpy())
    return np.asarray(x)


def flat(x):
    """Flatten nested lists/tuples (namedtuples included) to a list of leaves."""
    if isinstance(x, (list, tuple)):
        out = []
        for v in x:
            out.extend(flat(v))
        return out
    return [x]


def assert_close(got, want, rtol=RTOL, atol=ATOL, what=""):
    got, want = flat(to_np(got)), flat(to_np(want))
    assert len(got) == len(want), "%s: %d outputs vs TF's %d" % (what, len(got), len(want))
    for i, (g, w) in enumerate(zip(got, want)):
        assert (g is None) == (w is None), "%s[%d]: ndflow %r, TF %r" % (what, i, g, w)
        if g is None:
            continue
        g, w = np.asarray(g), np.asarray(w)
        assert g.shape == w.shape, "%s[%d]: shape %s vs TF %s" % (what, i, g.shape, w.shape)
        if w.dtype.kind in "biuS" or w.dtype == object:
            np.testing.assert_array_equal(g, w, err_msg="%s[%d]" % (what, i))
        else:
            np.testing.assert_allclose(g.astype(np.float64), w.astype(np.float64), rtol=rtol,
                                       atol=atol, err_msg="%s[%d]" % (what, i))


def nd_tensors(arrays):
    return [nd.constant(a) for a in arrays]


def tf_tensors(arrays):
    return [tf_ref.constant(a) for a in arrays]


def dense_grad(g):
    """TF gives IndexedSlices for gathers (Embedding): make every gradient a dense array."""
    if g is None:
        return None
    if isinstance(g, tf_ref.IndexedSlices):
        g = tf_ref.convert_to_tensor(g)
    return to_np(g)
