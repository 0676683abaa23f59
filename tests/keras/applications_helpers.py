"""Shared by the keras.applications tests: the architecture fingerprint whose values for
the real Keras are pasted into the test files, and the check against them.

tests/keras is not a package: the test files put this directory on ``sys.path`` (as
with ``layer_test_helper``) and import this module by name."""
import hashlib

import numpy as np

from ndflow import keras


def digest(model, weight_layers=True):
    """(name, params, trainable params, output shape, #layers, #weights, sha256[:16] of the
    layer names after the input layer, sha256[:16] of the weights in order: "layer shape"
    for each, or only the shape with ``weight_layers=False``)."""
    names = "\n".join(l.name for l in model.layers[1:])
    if weight_layers:
        weights = "\n".join("%s %s" % (w.path.split("/")[0], tuple(int(d) for d in w.shape))
                            for w in model.weights)
    else:
        weights = "\n".join(str(tuple(int(d) for d in w.shape)) for w in model.weights)
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    return (model.name, model.count_params(), trainable, tuple(model.output.shape),
            len(model.layers), len(model.weights),
            hashlib.sha256(names.encode()).hexdigest()[:16],
            hashlib.sha256(weights.encode()).hexdigest()[:16])


def entry_ids(entries):
    """pytest ids for a list of (builder name, kwargs, digest) entries."""
    return ["%s-%d" % (e[0], i) for i, e in enumerate(entries)]


def assert_digest_equals_keras(entry, weight_layers=True):
    """Builds ``keras.applications.<name>(weights=None, **kwargs)`` in a fresh session and
    compares its :func:`digest` with the one the real Keras gave."""
    name, kwargs, expected = entry
    keras.backend.clear_session()
    model = getattr(keras.applications, name)(weights=None, **kwargs)
    got = digest(model, weight_layers)
    assert got == expected, (
        "%s(%s) differs from Keras: got %s, Keras %s.\nndflow layers: %s" % (
            name, kwargs, got, expected, [l.name for l in model.layers]))
