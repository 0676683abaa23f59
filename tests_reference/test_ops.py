"""Ops: forward values, dtypes and tape gradients of ndflow against real TensorFlow.

The op list is the spec table of the unit tests (tests/ops/op_specs.py): the same public
name is called in both libraries with the same float32 inputs; the gradient of
sum(w * op(x)) with a fixed random ``w`` is compared input by input.
"""
import importlib.util
import os
import sys
import types

import numpy as np
import pytest

import ndflow as nd
import tensorflow as tf_ref

from _helpers import assert_close, flat

HERE = os.path.dirname(os.path.abspath(__file__))


def _load_specs():
    # op_specs imports scipy.special only for its float64 references, which this suite
    # does not use; the bench environment may not have SciPy.
    fake = None
    try:
        import scipy.special  # noqa: F401
    except ImportError:  # a stand-in while op_specs imports, removed right after
        fake = types.ModuleType("scipy")
        fake.special = types.SimpleNamespace(erf=None, logsumexp=None)
        sys.modules["scipy"], sys.modules["scipy.special"] = fake, fake.special
    try:
        path = os.path.join(os.path.dirname(HERE), "tests", "ops", "op_specs.py")
        spec = importlib.util.spec_from_file_location("_ndflow_op_specs", path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
    finally:
        if fake is not None:
            del sys.modules["scipy"], sys.modules["scipy.special"]
    return mod


specs = _load_specs()
F = specs.F


def resolve(module, name):
    obj = module
    for part in name.split("."):
        obj = getattr(obj, part, None)
    if obj is None and "." not in name:
        # ndflow also exposes a few tf.math names at top level (tf.ceil is TF 1 spelling)
        obj = getattr(module.math, name)
    return obj


def _sample(spec, seed):
    """Concrete float32 inputs for a spec; returns (values, float_positions)."""
    rng = np.random.default_rng(seed)
    values, floats = [], []
    for i, a in enumerate(spec.args):
        if isinstance(a, F):
            values.append(a.sample(rng).astype(np.float32))
            floats.append((i, None))
        elif isinstance(a, list) and any(isinstance(b, F) for b in a):
            values.append([b.sample(rng).astype(np.float32) for b in a])
            floats.extend((i, j) for j in range(len(a)))
        elif isinstance(a, np.ndarray) and a.dtype == np.float64:
            values.append(a.astype(np.float32))
        elif isinstance(a, np.ndarray) and a.dtype == np.int64:
            values.append(a.astype(np.int32))
        else:
            values.append(a)
    return values, floats


def _as_tensors(lib, values, floats):
    """Wrap each float input in a tensor of ``lib``; everything else passes unchanged."""
    out = [list(v) if isinstance(v, list) else v for v in values]
    watched = []
    for i, j in floats:
        if j is None:
            out[i] = lib.constant(values[i])
            watched.append(out[i])
        else:
            out[i][j] = lib.constant(values[i][j])
            watched.append(out[i][j])
    for i, v in enumerate(out):
        if isinstance(v, np.ndarray):
            out[i] = lib.constant(v)
    return out, watched


def _pick(spec, out):
    if spec.pick is not None:
        return out[spec.pick]
    return out


ALL = [s for s in specs.SPECS + specs.CREATION]


@pytest.mark.parametrize("spec", ALL, ids=[s.id for s in ALL])
def test_forward_matches_tf(spec):
    values, floats = _sample(spec, 0)
    nd_args, _ = _as_tensors(nd, values, floats)
    tf_args, _ = _as_tensors(tf_ref, values, floats)
    got = _pick(spec, resolve(nd, spec.name)(*nd_args, **spec.kwargs))
    want = _pick(spec, resolve(tf_ref, spec.name)(*tf_args, **spec.kwargs))
    assert_close(got, want, what=spec.id)
    for g, w in zip(flat(got), flat(want)):
        assert g.dtype.name == w.dtype.name, "%s: dtype %s, TF %s" % (spec.id, g.dtype.name,
                                                                      w.dtype.name)


GRAD = [s for s in specs.SPECS if s.grad]

# Known, documented differences: spec id -> reason.
GRAD_DIFFERENCES = {
    "nn.softmax_cross_entropy_with_logits":
        "the spec's labels are random in [0, 1] and do not sum to 1 per row. TF's kernel "
        "returns softmax(logits) - labels as the logits gradient, which is the true gradient "
        "only for rows summing to 1 (TF documents that rows must be probability "
        "distributions, else 'the computation of the gradient will be incorrect'); ndflow "
        "returns the exact gradient softmax(logits) * sum(labels) - labels. Normalized "
        "labels: test_softmax_cross_entropy_normalized_labels.",
}


def _params(spec_list, differences):
    return [pytest.param(s, id=s.id, marks=pytest.mark.xfail(strict=True,
                                                              reason=differences[s.id]))
            if s.id in differences else pytest.param(s, id=s.id) for s in spec_list]


def _grads(lib, spec, values, floats):
    args, watched = _as_tensors(lib, values, floats)
    with lib.GradientTape() as tape:
        for w in watched:
            tape.watch(w)
        out = flat(_pick(spec, resolve(lib, spec.name)(*args, **spec.kwargs)))
        rng = np.random.default_rng(1)
        total = 0.0
        for o in out:
            if o.dtype.is_floating:
                weights = rng.uniform(0.5, 1.5, size=tuple(o.shape)).astype(np.float32)
                total = total + lib.reduce_sum(o * lib.constant(weights))
    return tape.gradient(total, watched)


@pytest.mark.parametrize("spec", _params(GRAD, GRAD_DIFFERENCES))
def test_gradient_matches_tf(spec):
    values, floats = _sample(spec, 0)
    got = _grads(nd, spec, values, floats)
    want = _grads(tf_ref, spec, values, floats)
    # TF returns IndexedSlices for gather-like ops: densify
    want = [tf_ref.convert_to_tensor(w) if w is not None else None for w in want]
    assert_close(got, want, rtol=2e-4, atol=2e-5, what=spec.id + " gradient")


def test_softmax_cross_entropy_normalized_labels():
    rng = np.random.default_rng(0)
    z = rng.uniform(0, 1, (3, 5)).astype(np.float32)
    z /= z.sum(-1, keepdims=True)
    x = rng.normal(size=(3, 5)).astype(np.float32)

    def run(lib):
        zt, xt = lib.constant(z), lib.constant(x)
        with lib.GradientTape() as tape:
            tape.watch([zt, xt])
            y = lib.nn.softmax_cross_entropy_with_logits(zt, xt)
            loss = lib.reduce_sum(y * lib.constant([1.0, 2.0, 3.0]))
        return [y] + list(tape.gradient(loss, [zt, xt]))

    assert_close(run(nd), run(tf_ref), what="softmax_cross_entropy")


# ---- tf.nn convolution and pooling, with strides / padding / dilations ----

CONV_CASES = [
    # (input shape, filter shape, strides, padding, dilations)
    ((2, 7, 7, 3), (3, 3, 3, 4), 1, "VALID", 1),
    ((2, 7, 7, 3), (3, 3, 3, 4), 2, "SAME", 1),
    ((2, 8, 6, 2), (2, 3, 2, 3), [1, 2, 1, 1], "SAME", 1),
    ((1, 9, 9, 2), (3, 3, 2, 2), 1, "SAME", 2),
    ((1, 9, 9, 2), (3, 2, 2, 2), 1, "VALID", [1, 2, 3, 1]),
    ((2, 6, 6, 3), (1, 1, 3, 5), 2, "VALID", 1),
    ((1, 7, 7, 2), (3, 3, 2, 2), 1, [[0, 0], [1, 2], [0, 1], [0, 0]], 1),
]


def _conv_grads(lib, x, k, strides, padding, dilations):
    xt, kt = lib.constant(x), lib.constant(k)
    with lib.GradientTape() as tape:
        tape.watch(xt)
        tape.watch(kt)
        if lib is tf_ref and dilations != 1:
            # TF's own CPU Conv2DBackpropInput rejects dilations > 1 (without oneDNN);
            # tf.nn.convolution computes the same thing through space_to_batch
            dil = dilations[1:3] if isinstance(dilations, list) else dilations
            y = lib.nn.convolution(xt, kt, strides=strides, padding=padding, dilations=dil)
        else:
            y = lib.nn.conv2d(xt, kt, strides=strides, padding=padding, dilations=dilations)
        w = np.random.default_rng(3).uniform(0.5, 1.5, tuple(y.shape)).astype(np.float32)
        loss = lib.reduce_sum(y * lib.constant(w))
    return [y] + list(tape.gradient(loss, [xt, kt]))


@pytest.mark.parametrize("case", CONV_CASES, ids=[str(i) for i in range(len(CONV_CASES))])
def test_conv2d_matches_tf(case):
    xs, ks, strides, padding, dil = case
    rng = np.random.default_rng(0)
    x = rng.normal(size=xs).astype(np.float32)
    k = rng.normal(size=ks).astype(np.float32)
    assert_close(_conv_grads(nd, x, k, strides, padding, dil),
                 _conv_grads(tf_ref, x, k, strides, padding, dil), what="conv2d")


def test_conv1d_and_transpose_match_tf():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 9, 3)).astype(np.float32)
    k = rng.normal(size=(3, 3, 4)).astype(np.float32)
    for stride, padding in [(1, "VALID"), (2, "SAME")]:
        assert_close(nd.nn.conv1d(x, k, stride, padding),
                     tf_ref.nn.conv1d(x, k, stride, padding), what="conv1d")
    x2 = rng.normal(size=(2, 4, 4, 3)).astype(np.float32)
    k2 = rng.normal(size=(3, 3, 5, 3)).astype(np.float32)  # (h, w, out, in)
    for strides, padding, out_shape in [(2, "SAME", (2, 8, 8, 5)), (2, "VALID", (2, 9, 9, 5)),
                                        (1, "SAME", (2, 4, 4, 5))]:
        assert_close(nd.nn.conv2d_transpose(x2, k2, out_shape, strides, padding),
                     tf_ref.nn.conv2d_transpose(x2, k2, out_shape, strides, padding),
                     what="conv2d_transpose %s %s" % (strides, padding))
    kd = rng.normal(size=(3, 3, 3, 2)).astype(np.float32)
    x3 = rng.normal(size=(2, 7, 7, 3)).astype(np.float32)
    for strides, padding in [([1, 1, 1, 1], "SAME"), ([1, 2, 2, 1], "VALID")]:
        assert_close(nd.nn.depthwise_conv2d(x3, kd, strides, padding),
                     tf_ref.nn.depthwise_conv2d(x3, kd, strides, padding),
                     what="depthwise_conv2d")


POOL_CASES = [
    ("max_pool2d", 2, 2, "VALID"), ("max_pool2d", 3, 2, "SAME"), ("max_pool2d", 3, 1, "SAME"),
    ("avg_pool2d", 2, 2, "VALID"), ("avg_pool2d", 3, 2, "SAME"), ("avg_pool2d", [2, 3], [1, 2],
                                                                 "SAME"),
    ("max_pool", 2, 2, "SAME"), ("avg_pool", 3, 1, "VALID"),
]


@pytest.mark.parametrize("case", POOL_CASES, ids=["%s-%s-%s-%s" % c for c in POOL_CASES])
def test_pool2d_matches_tf(case):
    name, ksize, strides, padding = case
    # distinct values: no ties, so max-pool gradients are unambiguous
    x = np.random.default_rng(0).permutation(2 * 7 * 7 * 3).reshape(2, 7, 7, 3)
    x = (x / 50.0).astype(np.float32)

    def run(lib):
        xt = lib.constant(x)
        with lib.GradientTape() as tape:
            tape.watch(xt)
            y = getattr(lib.nn, name)(xt, ksize, strides, padding)
            w = np.random.default_rng(3).uniform(0.5, 1.5, tuple(y.shape)).astype(np.float32)
            loss = lib.reduce_sum(y * lib.constant(w))
        return [y, tape.gradient(loss, xt)]

    assert_close(run(nd), run(tf_ref), what=name)


def test_pool1d_matches_tf():
    x = np.random.default_rng(1).permutation(2 * 9 * 2).reshape(2, 9, 2).astype(np.float32)
    for name in ("max_pool1d", "avg_pool1d"):
        for k, s, p in [(2, 2, "VALID"), (3, 2, "SAME")]:
            assert_close(getattr(nd.nn, name)(x, k, s, p), getattr(tf_ref.nn, name)(x, k, s, p),
                         what=name)


# ---- ops outside the spec table: composites, control flow, custom gradients ----
rng = np.random.default_rng(11)
A34 = rng.normal(size=(3, 4)).astype(np.float32)
B34 = rng.normal(size=(3, 4)).astype(np.float32)
P4 = rng.uniform(0.5, 1.5, 4).astype(np.float32)
LAB = rng.uniform(0, 1, (3, 4)).astype(np.float32)

EXTRA = {
    "nn.batch_normalization": lambda tf, a, b: tf.nn.batch_normalization(
        a, tf.reduce_mean(b, 0), tf.constant(P4), b[0], tf.constant(P4) * 2, 1e-3),
    "nn.weighted_cross_entropy_with_logits": lambda tf, a, b: (
        tf.nn.weighted_cross_entropy_with_logits(tf.constant(LAB), a, pos_weight=2.5)),
    "nn.embedding_lookup": lambda tf, a, b: tf.nn.embedding_lookup(a, [[2, 0], [2, 1]]),
    "nn.compute_average_loss": lambda tf, a, b: tf.nn.compute_average_loss(
        tf.reduce_sum(a * b, 1), sample_weight=tf.constant([1.0, 0.5, 2.0])),
    "nn.scale_regularization_loss": lambda tf, a, b: tf.nn.scale_regularization_loss(
        tf.reduce_sum(a * a)),
    "nn.moments-keepdims": lambda tf, a, b: tf.nn.moments(a * b, axes=[1], keepdims=True),
    "nn.l2_normalize-all": lambda tf, a, b: tf.nn.l2_normalize(a),
    "math.softplus-log_softmax": lambda tf, a, b: [tf.math.softplus(a),
                                                   tf.math.log_softmax(b, axis=0)],
    "math.segment_mean": lambda tf, a, b: tf.math.segment_mean(a, [0, 0, 2]),
    "math.mod": lambda tf, a, b: tf.math.mod(a, 0.7),
    "linalg.adjoint-transpose": lambda tf, a, b: [tf.linalg.adjoint(a),
                                                  tf.linalg.matrix_transpose(a[None])],
    "tensor_scatter_nd_sub": lambda tf, a, b: tf.tensor_scatter_nd_sub(a, [[0], [2]], b[:2]),
    "saturate_cast": lambda tf, a, b: tf.saturate_cast(a * 200, tf.uint8),
    "meshgrid": lambda tf, a, b: tf.meshgrid(a[0], b[1, :3]),
    "meshgrid-ij": lambda tf, a, b: tf.meshgrid(a[0], b[1, :3], indexing="ij"),
    "cond": lambda tf, a, b: tf.cond(tf.reduce_sum(a) > 0, lambda: a * b, lambda: a - b),
    "cond-false": lambda tf, a, b: tf.cond(tf.reduce_sum(a) > 1e6, lambda: a * b,
                                           lambda: a - b),
    "while_loop": lambda tf, a, b: tf.while_loop(
        lambda i, x: i < 3, lambda i, x: (i + 1, tf.tanh(x) * b), [tf.constant(0), a])[1],
    "map_fn": lambda tf, a, b: tf.map_fn(lambda r: tf.reduce_sum(r * r), a),
    "vectorized_map": lambda tf, a, b: tf.vectorized_map(lambda r: r * tf.reduce_max(r), a),
    "clip_by_global_norm-with-none": lambda tf, a, b: tf.clip_by_global_norm(
        [a, None, b], 1.0),
    "function": lambda tf, a, b: tf.function(lambda x, y: tf.nn.relu(x) * tf.sin(y))(a, b),
    "custom_gradient": lambda tf, a, b: _clip_grad(tf)(a) * b,
    "stop_gradient-mix": lambda tf, a, b: a * tf.stop_gradient(b) + tf.stop_gradient(a) * b,
    "identity_n-like": lambda tf, a, b: tf.unstack(tf.stack([a, b]), axis=0),
    "ensure_shape": lambda tf, a, b: tf.ensure_shape(a, [3, None]),
}


def _clip_grad(tf):
    @tf.custom_gradient
    def f(x):
        def grad(dy):
            return tf.clip_by_value(dy, -0.5, 0.5) * 3.0
        return tf.square(x), grad
    return f


@pytest.mark.parametrize("name", list(EXTRA))
def test_extra_op_matches_tf(name):
    def run(lib):
        a, b = lib.constant(A34), lib.constant(B34)
        with lib.GradientTape() as tape:
            tape.watch([a, b])
            out = EXTRA[name](lib, a, b)
            total = 0.0
            for i, o in enumerate(flat(out)):
                if o is not None and o.dtype.is_floating:
                    total = total + lib.reduce_sum(o * (1.0 + 0.25 * i)) + lib.reduce_sum(
                        o * o) * 0.1
        grads = tape.gradient(total, [a, b]) if not isinstance(total, float) else []
        return out, [None if g is None else lib.convert_to_tensor(g) for g in grads]

    got, want = run(nd), run(tf_ref)
    assert_close(got[0], want[0], what=name + " forward")
    assert_close(got[1], want[1], rtol=2e-4, atol=2e-5, what=name + " gradients")
