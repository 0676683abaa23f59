"""Eager control flow and small utilities: ``tf.cond``, ``tf.while_loop``, ``tf.map_fn``,
``tf.clip_by_global_norm``, ``tf.print``, ``tf.ensure_shape``, scopes.

In eager mode these are plain Python loops and branches over ndflow ops, so gradients
flow through whatever branch actually ran."""
import sys

import numpy as np

from ndflow.core.tensor import Tensor
from ndflow.ops._base import convert, wrap, InvalidArgumentError
from ndflow.ops import math_ops as M, array_ops as A


def _flatten(x):
    if isinstance(x, (list, tuple)):
        out = []
        for v in x:
            out.extend(_flatten(v))
        return out
    if isinstance(x, dict):
        out = []
        for k in sorted(x):
            out.extend(_flatten(x[k]))
        return out
    return [x]


def _pack(structure, flat):
    it = iter(flat)

    def rec(s):
        if isinstance(s, tuple) and hasattr(s, "_fields"):
            return type(s)(*[rec(v) for v in s])
        if isinstance(s, (list, tuple)):
            return type(s)(rec(v) for v in s)
        if isinstance(s, dict):
            return {k: rec(s[k]) for k in sorted(s)}
        return next(it)
    return rec(structure)


def cond(pred, true_fn=None, false_fn=None, name=None):
    """Run ``true_fn()`` if ``pred`` holds, else ``false_fn()``."""
    if true_fn is None or false_fn is None:
        raise TypeError("cond needs both true_fn and false_fn.")
    return true_fn() if bool(pred) else false_fn()


def case(pred_fn_pairs, default=None, exclusive=False, strict=False, name=None):
    for pred, fn in pred_fn_pairs:
        if bool(pred):
            return fn()
    if default is None:
        raise InvalidArgumentError("case: no predicate was true and no default was given.")
    return default()


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10,
               back_prop=True, swap_memory=False, maximum_iterations=None, name=None):
    """Repeat ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)``."""
    single = not isinstance(loop_vars, (list, tuple))
    vars_ = [loop_vars] if single else list(loop_vars)
    i = 0
    while bool(cond(*vars_)):
        if maximum_iterations is not None and i >= int(maximum_iterations):
            break
        out = body(*vars_)
        vars_ = [out] if single or not isinstance(out, (list, tuple)) else list(out)
        i += 1
    if single:
        return vars_[0]
    return type(loop_vars)(vars_) if isinstance(loop_vars, tuple) else vars_


def map_fn(fn, elems, dtype=None, parallel_iterations=None, back_prop=True,
           swap_memory=False, infer_shape=True, name=None, fn_output_signature=None):
    """Apply ``fn`` to each slice along the first axis of ``elems`` and stack the results."""
    flat = [convert(e) for e in _flatten(elems)]
    n = flat[0]._value.shape[0]
    results = []
    for i in range(n):
        results.append(fn(_pack(elems, [A.getitem(e, i) for e in flat])))
    if not results:
        raise InvalidArgumentError("map_fn: elems has no elements along axis 0.")
    out_flat = [_flatten(r) for r in results]
    stacked = [A.stack([r[k] for r in out_flat]) for k in range(len(out_flat[0]))]
    return _pack(results[0], stacked)


def vectorized_map(fn, elems, fallback_to_while_loop=True, warn=False):
    return map_fn(fn, elems)


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """Scale every tensor by clip_norm / max(global_norm, clip_norm); returns the clipped
    list and the global norm (None entries stay None)."""
    from ndflow.ops.reduction_ops import reduce_sum
    tensors = list(t_list)
    present = [convert(t) for t in tensors if t is not None]
    if use_norm is None:
        if not present:
            return tensors, wrap(np.asarray(0.0, dtype=np.float32))
        sq = [reduce_sum(M.square(t)) for t in present]
        total = sq[0]
        for s in sq[1:]:
            total = M.add(total, M.cast(s, total.dtype))
        use_norm = M.sqrt(total)
    use_norm = convert(use_norm)
    scale = M.divide(M.cast(clip_norm, use_norm.dtype),
                     M.maximum(use_norm, M.cast(clip_norm, use_norm.dtype)))
    out = [None if t is None else M.multiply(convert(t), M.cast(scale, convert(t).dtype))
           for t in tensors]
    return out, use_norm


def global_norm(t_list, name=None):
    return clip_by_global_norm(t_list, 1.0)[1]


def _format(x, summarize):
    if isinstance(x, Tensor):
        v = x._value
        if v.ndim == 0:
            return str(v[()])
        return np.array2string(v, threshold=summarize * 2 if summarize else 1000,
                               edgeitems=summarize or 3, separator=" ")
    return str(x)


def print_(*inputs, output_stream=None, summarize=3, sep=" ", end="\n", name=None):
    """``tf.print``: print tensors by value (as TensorFlow does, to stderr by default)."""
    if output_stream is None:
        output_stream = sys.stderr
    text = sep.join(_format(x, summarize) for x in inputs) + end
    if isinstance(output_stream, str) and output_stream.startswith("file://"):
        with open(output_stream[7:], "a") as f:
            f.write(text)
        return
    output_stream.write(text)


def ensure_shape(x, shape, name=None):
    """``x`` unchanged if its shape is compatible with ``shape``, else an error."""
    from ndflow.core.shape import TensorShape
    x = convert(x)
    if not TensorShape(shape).is_compatible_with(x._value.shape):
        raise InvalidArgumentError("ensure_shape: tensor of shape %s is not compatible with "
                                   "the expected shape %s." % (tuple(x._value.shape),
                                                               TensorShape(shape)))
    return x


def get_static_value(tensor, partial=False):
    return convert(tensor).numpy() if tensor is not None else None


def searchsorted(sorted_sequence, values, side="left", out_type=None, name=None):
    """Insertion indices of ``values`` into the innermost dimension of ``sorted_sequence``."""
    from ndflow.backend import dtypes as _dt
    s, v = convert(sorted_sequence)._value, convert(values)._value
    itype = _dt.as_dtype(out_type or "int32")._np
    if s.ndim == 1:
        return wrap(np.searchsorted(s, v, side=side).astype(itype))
    flat_s = s.reshape(-1, s.shape[-1])
    flat_v = v.reshape(-1, v.shape[-1])
    out = np.stack([np.searchsorted(a, b, side=side) for a, b in zip(flat_s, flat_v)])
    return wrap(out.reshape(v.shape).astype(itype))


class _NullScope:
    """A context manager that does nothing (graph-mode scopes have no eager effect)."""

    def __init__(self, *args, **kwargs):
        self.name = args[0] if args else None

    def __enter__(self):
        return self.name

    def __exit__(self, *exc):
        return False


name_scope = _NullScope
control_dependencies = _NullScope
init_scope = _NullScope


def executing_eagerly():
    return True


def py_function(func, inp, Tout=None, name=None):
    """Call ``func`` on the inputs (eager: a plain call); results become tensors."""
    out = func(*inp)
    if isinstance(out, (list, tuple)):
        return [convert(o) for o in out]
    return convert(out) if out is not None else None


def numpy_function(func, inp, Tout=None, stateful=True, name=None):
    out = func(*[convert(x).numpy() for x in inp])
    if isinstance(out, (list, tuple)):
        return [convert(o) for o in out]
    return convert(out)
