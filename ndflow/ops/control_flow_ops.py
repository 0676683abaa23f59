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


# ---- scan / foldl / foldr ---------------------------------------------------------------

def _elem_rows(elems, opname):
    """The rows of every tensor in (nested) ``elems``, cut with one differentiable unstack
    per tensor, and their common count."""
    from ndflow.core import nest
    flat = [convert(e) for e in nest.flatten(elems)]
    if not flat:
        raise ValueError("%s: elems holds no tensors." % opname)
    for e in flat:
        if e._value.ndim == 0:
            raise ValueError(
                "%s: every tensor in elems needs rank >= 1 (fn is applied to its rows), got "
                "a scalar %r. A Python list of numbers is a structure of scalars: pass "
                "tf.constant([...]) instead." % (opname, e))
    sizes = [e._value.shape[0] for e in flat]
    if len(set(sizes)) != 1:
        raise ValueError("%s: the tensors in elems must have the same first dimension, got "
                         "shapes %s." % (opname, [tuple(e._value.shape) for e in flat]))
    n = sizes[0]
    rows = [A.unstack(e) if n else [] for e in flat]
    return n, rows


def _accumulate(fn, elems, initializer, reverse, opname, keep_all):
    from ndflow.core import nest
    from ndflow.core.errors import OutOfRangeError
    n, rows = _elem_rows(elems, opname)
    order = list(range(n - 1, -1, -1) if reverse else range(n))
    outs = {}
    if initializer is None:
        if n == 0:
            raise OutOfRangeError(
                "%s: elems has no elements along axis 0 and no initializer was given, so "
                "there is no first value to start from. Pass initializer=..." % opname)
        structure = elems
        first = order.pop(0)
        acc_flat = [r[first] for r in rows]
        outs[first] = acc_flat
    else:
        structure = initializer
        # a fold hands fn the initializer as given (fn(0, x) may add a Python 0 to a float
        # row, as in TensorFlow); scan's accumulator is converted (its dtype is the outputs')
        acc_flat = [convert(v) if keep_all or n == 0 else v
                    for v in nest.flatten(initializer)]
    acc = nest.pack_sequence_as(structure, acc_flat)
    for i in order:
        new = fn(acc, nest.pack_sequence_as(elems, [r[i] for r in rows]))
        if not keep_all:  # a fold may change the accumulator's structure, dtype and shape
            structure = new
            acc_flat = [convert(v) for v in nest.flatten(new)]
            acc = nest.pack_sequence_as(structure, acc_flat)
            continue
        try:
            nest.assert_same_structure(structure, new, check_types=False)
        except (ValueError, TypeError) as e:
            raise ValueError(
                "%s: fn must return the same structure as the accumulator (%s), but it "
                "returned %r. %s" % (opname, "initializer" if initializer is not None
                                     else "elems", new, e)) from None
        new_flat = [v if isinstance(v, Tensor) else convert(v, dtype=old.dtype)
                    for v, old in zip(nest.flatten(new), acc_flat)]
        # scan stacks its outputs: each keeps the accumulator's dtype and shape
        for k, (old, v) in enumerate(zip(acc_flat, new_flat)):
            if v._value.dtype != old._value.dtype:
                raise InvalidArgumentError(
                    "%s: fn returned dtype %s for output %d but the accumulator has dtype "
                    "%s. Give the initializer the dtype fn returns (e.g. 0. instead of 0)."
                    % (opname, v.dtype.name, k, old.dtype.name))
            if v._value.shape != old._value.shape:
                raise ValueError(
                    "%s: fn returned shape %s for output %d but the accumulator has shape "
                    "%s; every step must keep the shape." % (
                        opname, tuple(v._value.shape), k, tuple(old._value.shape)))
        outs[i] = new_flat
        acc_flat = new_flat
        acc = nest.pack_sequence_as(structure, acc_flat)
    if not keep_all:
        return acc
    if not outs:
        stacked = [wrap(np.zeros((0,) + v._value.shape, dtype=v._value.dtype))
                   for v in acc_flat]
    else:
        idx = sorted(outs)
        stacked = [A.stack([outs[i][k] for i in idx]) for k in range(len(acc_flat))]
    return nest.pack_sequence_as(structure, stacked)


def scan(fn, elems, initializer=None, parallel_iterations=10, back_prop=True,
         swap_memory=False, infer_shape=True, reverse=False, name=None):
    """``tf.scan``: ``a = fn(a, x)`` over the rows ``x`` of ``elems`` (from the last row
    when ``reverse``), returning every ``a`` stacked.  ``elems`` and the accumulator may
    be nested structures; without ``initializer`` the first row starts the accumulator."""
    return _accumulate(fn, elems, initializer, bool(reverse), "scan", True)


def foldl(fn, elems, initializer=None, parallel_iterations=10, back_prop=True,
          swap_memory=False, name=None):
    """``tf.foldl``: ``a = fn(a, x)`` over the rows of ``elems`` from first to last; the
    final ``a``."""
    return _accumulate(fn, elems, initializer, False, "foldl", False)


def foldr(fn, elems, initializer=None, parallel_iterations=10, back_prop=True,
          swap_memory=False, name=None):
    """``tf.foldr``: ``a = fn(a, x)`` over the rows of ``elems`` from last to first; the
    final ``a``."""
    return _accumulate(fn, elems, initializer, True, "foldr", False)


# ---- switch_case ------------------------------------------------------------------------

def _branch_list(branch_fns):
    if isinstance(branch_fns, dict):
        pairs = list(branch_fns.items())
    else:
        pairs = []
        for item in branch_fns:
            if callable(item):
                pairs.append((len(pairs), item))
            elif isinstance(item, tuple) and len(item) == 2:
                pairs.append(item)
            else:
                raise TypeError("switch_case: each entry of branch_fns must be a callable or a "
                                "(key, callable) 2-tuple, got %r." % (item,))
    if not pairs:
        raise ValueError("switch_case: branch_fns must hold at least one branch.")
    for key, fn in pairs:
        if not isinstance(key, int) or isinstance(key, bool):
            raise TypeError("switch_case: branch keys must be Python ints, got %r (%s)."
                            % (key, type(key).__name__))
        if not callable(fn):
            raise TypeError("switch_case: the branch for key %d must be callable, got %r."
                            % (key, fn))
    keys = sorted(k for k, _ in pairs)
    if keys != list(range(len(pairs))):
        raise ValueError("switch_case: branch keys must be exactly 0 .. %d (one branch per "
                         "index), got %s." % (len(pairs) - 1, keys))
    return [fn for _, fn in sorted(pairs, key=lambda p: p[0])]


def switch_case(branch_index, branch_fns, default=None, name=None):
    """``tf.switch_case``: run ``branch_fns[branch_index]()``; an index outside
    ``[0, len(branch_fns))`` runs ``default`` (the last branch when there is none)."""
    if not isinstance(branch_index, Tensor):
        raise TypeError("switch_case: branch_index must be a Tensor, got %s. Wrap it: "
                        "tf.constant(%r)." % (type(branch_index).__name__, branch_index))
    v = branch_index._value
    if v.dtype.kind not in "iu":
        raise TypeError("switch_case: branch_index must be an integer tensor, got dtype %s."
                        % branch_index.dtype.name)
    if v.ndim != 0:
        raise InvalidArgumentError("switch_case: branch_index must be a scalar, got shape %s."
                                   % (tuple(v.shape),))
    fns = _branch_list(branch_fns)
    if default is not None and not callable(default):
        raise TypeError("switch_case: default must be callable, got %r." % (default,))
    i = int(v)
    if 0 <= i < len(fns):
        return fns[i]()
    return default() if default is not None else fns[-1]()


# ---- Assert, identity_n, timestamp ----------------------------------------------------------

def _summarize_value(x, summarize):
    flat = x._value.reshape(-1)
    k = flat.size if summarize < 0 else min(summarize, flat.size)
    parts = []
    for e in flat[:k]:
        if isinstance(e, bytes):
            parts.append(repr(e))
        elif isinstance(e, str):
            parts.append(repr(e.encode("utf-8")))
        else:
            parts.append(str(e))
    text = ", ".join(parts)
    if k < flat.size:
        text = text + ", ..." if parts else "..."
    return text


def Assert(condition, data, summarize=None, name=None):
    """``tf.Assert``: raise InvalidArgumentError, listing ``data`` (each tensor's first
    ``summarize`` elements, default 3, all when negative), if ``condition`` is False."""
    c = np.asarray(condition._value if isinstance(condition, Tensor) else condition)
    if c.size != 1:
        raise ValueError("Assert: condition must be a single boolean, got shape %s. Reduce it "
                         "first, e.g. tf.reduce_all(condition)." % (tuple(c.shape),))
    if bool(c.reshape(())):
        return None
    summarize = 3 if summarize is None else int(summarize)
    items = list(data) if isinstance(data, (list, tuple)) else [data]
    lines = []
    for k, d in enumerate(items):
        if d is None:
            raise ValueError("Assert: data[%d] is None; data must hold tensors, numbers or "
                             "strings." % k)
        lines.append(_summarize_value(convert(d), summarize))
    raise InvalidArgumentError("Expected '%s' to be true. Summarized data: %s"
                               % (condition, "\n".join(lines)))


def identity_n(input, name=None):
    """``tf.identity_n``: a list with an identity of every tensor in ``input`` (a tensor
    counts as the list of its rows)."""
    if isinstance(input, Tensor):
        if input._value.ndim == 0:
            raise TypeError("identity_n: input must be a list of tensors, got a scalar tensor.")
        items = A.unstack(input)
    else:
        items = list(input)
    if not items:
        raise InvalidArgumentError("identity_n: input must hold at least one tensor.")
    return [A.identity(convert(x)) for x in items]


def timestamp(name=None):
    """``tf.timestamp``: seconds since the Unix epoch, a float64 scalar."""
    import time
    return wrap(np.asarray(time.time(), dtype=np.float64))
