"""The autodiff engine: ``Op`` (one primitive: forward + backward), ``execute`` (the
eager dispatch every op goes through) and ``GradientTape``.

How it fits together:

* An op is a small class.  ``forward`` takes backend arrays and returns an array (or a
  tuple of arrays when ``multi_output``).  ``backward`` takes the gradient(s) of the
  output(s) as Tensors and returns one gradient Tensor (or None) per input, written with
  ndflow ops so that nested tapes give higher-order derivatives.  ``self.inputs`` and
  ``self.outputs`` (Tensors) and ``self.needs_grad`` (a bool per input) are set before
  ``backward`` runs.  An op never undoes broadcasting: the tape sums a gradient back to
  its input's shape.
* ``execute(op, inputs)`` runs the kernel and wraps the result.  Only when a tape is
  recording does it do more: tapes note the op if one of its inputs is watched.
* ``GradientTape.gradient`` walks the recorded ops backwards.
"""
import threading
import weakref

import numpy as np

from ndflow.core.tensor import Tensor, convert_to_tensor

_ndarray = np.ndarray


class _PerThread(threading.local):
    """Tapes are per thread, as in TensorFlow: ops that a tf.data prefetch or map thread
    runs are never recorded on the training thread's tape."""

    def __init__(self):
        self.tapes = []  # tapes that are currently recording, innermost last


_tls = _PerThread()


def active_tapes():
    """The tapes entered in this thread, innermost last."""
    return _tls.tapes


def is_recording():
    """Whether some tape records in this thread: a forward pass may then keep what its
    backward pass will need, and a backward pass must be written with ndflow ops."""
    for tape in _tls.tapes:
        if tape._recording:
            return True
    return False

_holding = weakref.WeakSet()  # tapes that may hold recorded ops (see snapshot_variable)


class Op:
    """Base class of every primitive."""

    multi_output = False
    inputs = ()
    outputs = None
    needs_grad = ()

    def forward(self, *arrays):
        raise NotImplementedError

    def backward(self, *grads):
        raise NotImplementedError(
            "%s has no gradient defined." % type(self).__name__)

    @property
    def name(self):
        return type(self).__name__


_new_tensor = Tensor.__new__


def _wrap(value):
    if type(value) is not _ndarray:
        value = np.asarray(value)
    t = _new_tensor(Tensor)
    t._value = value
    return t


def execute(op, inputs):
    """Run ``op`` on a tuple of Tensors and return its Tensor output(s).

    This is the hot path of every eager program: with no tape recording it only unpacks
    the arrays, runs the kernel and wraps the result.
    """
    n = len(inputs)
    if n == 2:
        out = op.forward(inputs[0]._value, inputs[1]._value)
    elif n == 1:
        out = op.forward(inputs[0]._value)
    else:
        out = op.forward(*[t._value for t in inputs])
    if op.multi_output:
        outs = tuple([_wrap(o) for o in out])
    else:
        if type(out) is not _ndarray:
            out = np.asarray(out)
        outs = _new_tensor(Tensor)
        outs._value = out
    if _tls.tapes:
        record(op, inputs, outs)
    return outs


def record(op, inputs, outs):
    """Let every recording tape note that ``op`` made ``outs`` from ``inputs``."""
    for tape in _tls.tapes:
        if tape._recording:
            tape._record(op, inputs, outs)


class _Pause:
    """Context manager that stops every tape from recording (used by custom_gradient)."""

    def __enter__(self):
        self._saved = [(t, t._recording) for t in _tls.tapes]
        for t, _ in self._saved:
            t._recording = False

    def __exit__(self, *exc):
        for t, rec in self._saved:
            t._recording = rec
        return False


# ---- three tiny primitives the engine itself needs -------------------------------------

class SumToShape(Op):
    """Sum a broadcast gradient back to ``shape`` (the engine's unbroadcast)."""

    def __init__(self, shape):
        self.shape = tuple(shape)

    def forward(self, g):
        shape = self.shape
        extra = g.ndim - len(shape)
        axes = tuple(range(extra)) + tuple(
            i + extra for i, d in enumerate(shape) if d == 1 and g.shape[i + extra] != 1)
        if axes:
            g = g.sum(axis=axes, keepdims=True)
        if extra:
            g = g.reshape(shape)
        return g

    def backward(self, dy):
        return (execute(BroadcastTo(self.inputs[0]._value.shape), (dy,)),)


class BroadcastTo(Op):
    def __init__(self, shape):
        self.shape = tuple(shape)

    def forward(self, x):
        return np.broadcast_to(x, self.shape)

    def backward(self, dy):
        return (execute(SumToShape(self.inputs[0]._value.shape), (dy,)),)


class AccumulateAdd(Op):
    """a + b for gradients that meet at one tensor."""

    def forward(self, a, b):
        return a + b

    def backward(self, dy):
        return dy, dy


def unbroadcast(grad, shape):
    if grad._value.shape == shape:
        return grad
    return execute(SumToShape(shape), (grad,))


# ---- GradientTape ----------------------------------------------------------------------

class UnconnectedGradients:
    NONE = "none"
    ZERO = "zero"


def _flatten(structure):
    if isinstance(structure, dict):
        out = []
        for k in structure:
            out.extend(_flatten(structure[k]))
        return out
    if isinstance(structure, (list, tuple)):
        out = []
        for s in structure:
            out.extend(_flatten(s))
        return out
    return [structure]


def _pack_like(structure, flat_iter):
    if isinstance(structure, dict):
        return type(structure)((k, _pack_like(structure[k], flat_iter)) for k in structure)
    if isinstance(structure, tuple) and hasattr(structure, "_fields"):
        return type(structure)(*[_pack_like(s, flat_iter) for s in structure])
    if isinstance(structure, (list, tuple)):
        return type(structure)(_pack_like(s, flat_iter) for s in structure)
    return next(flat_iter)


def _is_trainable_variable(t):
    return getattr(t, "_is_variable", False) and t.trainable


class GradientTape:
    """Records operations for automatic differentiation (``tf.GradientTape``)."""

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self._persistent = persistent
        self._watch_accessed = watch_accessed_variables
        self._recording = False
        self._records = []
        self._tracked = set()  # ids of tensors that depend on a watched tensor
        self._watched = []     # the watched tensors/variables themselves (kept alive)
        self._used = False
        self._entered = False

    # ---- recording ----
    def __enter__(self):
        if self._entered:
            raise RuntimeError("This GradientTape is already active (entered twice).")
        self._entered = True
        self._recording = True
        _tls.tapes.append(self)
        _holding.add(self)
        return self

    def __exit__(self, *exc):
        self._recording = False
        self._entered = False
        if self in _tls.tapes:
            _tls.tapes.remove(self)
        return False

    def watch(self, tensor):
        """Ensure ``tensor`` (or every tensor in a nested structure) is traced."""
        for t in _flatten(tensor):
            if not isinstance(t, Tensor):
                raise ValueError(
                    "GradientTape.watch expects tensors or variables, got %r (type %s). "
                    "Convert it first with tf.convert_to_tensor." % (t, type(t).__name__))
            if t._value.dtype.kind not in "fc":
                continue  # like TF: integer tensors are not differentiable
            if id(t) not in self._tracked:
                self._tracked.add(id(t))
                self._watched.append(t)

    def _record(self, op, inputs, outs):
        tracked = self._tracked
        needs = [id(t) in tracked for t in inputs]
        if self._watch_accessed:
            for i, t in enumerate(inputs):
                # a trainable float variable is watched the first time an op reads it
                if t._is_variable and not needs[i] and t.trainable and \
                        t._value.dtype.kind == "f":
                    tracked.add(id(t))
                    self._watched.append(t)
                    needs[i] = True
        if True not in needs:
            return
        op.inputs = inputs
        op.outputs = outs
        if op.multi_output:
            for o in outs:
                if o._value.dtype.kind in "fc":
                    tracked.add(id(o))
        elif outs._value.dtype.kind in "fc":
            tracked.add(id(outs))
        # (op, inputs the backward reads, outputs, needs, tensors the gradients belong to)
        self._records.append((op, inputs, outs, tuple(needs), inputs))

    def stop_recording(self):
        tape = self

        class _Stop:
            def __enter__(self):
                self._was = tape._recording
                tape._recording = False

            def __exit__(self, *exc):
                tape._recording = self._was
                return False
        return _Stop()

    def reset(self):
        self._records = []
        self._tracked = set()
        self._watched = []
        self._used = False

    def watched_variables(self):
        return tuple(t for t in self._watched if getattr(t, "_is_variable", False))

    # ---- differentiation ----
    def gradient(self, target, sources, output_gradients=None,
                 unconnected_gradients=UnconnectedGradients.NONE):
        """Gradients of ``target`` (summed when not scalar) with respect to ``sources``."""
        if self._used and not self._persistent:
            raise RuntimeError(
                "A non-persistent GradientTape can only be used to compute one set of "
                "gradients (or jacobians). Create the tape with "
                "tf.GradientTape(persistent=True) to call gradient() more than once.")
        unconnected = getattr(unconnected_gradients, "value", unconnected_gradients)
        if unconnected not in ("none", "zero"):
            raise ValueError("unconnected_gradients must be 'none' or 'zero', got %r"
                             % (unconnected_gradients,))
        targets = _flatten(target)
        flat_sources = _flatten(sources)
        for s in flat_sources:
            if not isinstance(s, Tensor):
                raise ValueError(
                    "GradientTape.gradient: every source must be a tensor or variable, got "
                    "%r (type %s)." % (s, type(s).__name__))
        if output_gradients is not None:
            out_grads = _flatten(output_gradients)
            if len(out_grads) != len(targets):
                raise ValueError(
                    "GradientTape.gradient: got %d output_gradients for %d targets."
                    % (len(out_grads), len(targets)))
        else:
            out_grads = [None] * len(targets)
        grads = self._backprop(targets, out_grads)
        if not self._persistent:
            self._used = True
            self._records = []
            _holding.discard(self)
        result = []
        for s in flat_sources:
            g = grads.get(id(s))
            if g is None and unconnected == "zero":
                g = _wrap(np.zeros_like(s._value))
            result.append(g)
        return _pack_like(sources, iter(result))

    def _backprop(self, targets, out_grads):
        was_recording = self._recording
        self._recording = False
        try:
            grads = {}
            for t, og in zip(targets, out_grads):
                if not isinstance(t, Tensor):
                    t = convert_to_tensor(t)
                if og is None:
                    g = _wrap(np.ones_like(t._value))
                else:
                    g = convert_to_tensor(og, dtype=t.dtype)
                _accumulate(grads, id(t), g)
            for op, inputs, outs, needs, keys in reversed(self._records):
                if op.multi_output:
                    gs = [grads.get(id(o)) for o in outs]
                    if all(g is None for g in gs):
                        continue
                    gs = [_wrap(np.zeros_like(o._value)) if g is None else g
                          for g, o in zip(gs, outs)]
                else:
                    g = grads.get(id(outs))
                    if g is None:
                        continue
                    gs = (g,)
                op.inputs = inputs
                op.outputs = outs
                op.needs_grad = needs
                in_grads = op.backward(*gs)
                if len(in_grads) != len(inputs):
                    raise RuntimeError("%s.backward returned %d gradients for %d inputs"
                                       % (type(op).__name__, len(in_grads), len(inputs)))
                for x, key, need, gx in zip(inputs, keys, needs, in_grads):
                    if need and gx is not None:
                        if not isinstance(gx, Tensor):
                            gx = _wrap(gx)
                        gx = unbroadcast(gx, x._value.shape)
                        if gx._value.dtype != x._value.dtype:
                            gx = _wrap(gx._value.astype(x._value.dtype))
                        _accumulate(grads, id(key), gx)
            return grads
        finally:
            self._recording = was_recording

    def jacobian(self, target, sources, unconnected_gradients=UnconnectedGradients.NONE,
                 parallel_iterations=None, experimental_use_pfor=True):
        """d target[i...] / d source[j...], shaped target.shape + source.shape."""
        if self._used and not self._persistent:
            raise RuntimeError(
                "A non-persistent GradientTape can only be used to compute one set of "
                "gradients (or jacobians). Create it with persistent=True.")
        target = convert_to_tensor(target)
        flat_sources = _flatten(sources)
        n = target._value.size
        rows = [[] for _ in flat_sources]
        for i in range(n):
            seed = np.zeros(target._value.size, dtype=target._value.dtype)
            seed[i] = 1
            g = self._backprop([target], [_wrap(seed.reshape(target._value.shape))])
            for k, s in enumerate(flat_sources):
                gi = g.get(id(s))
                rows[k].append(None if gi is None else gi._value)
        out = []
        for k, s in enumerate(flat_sources):
            if all(r is None for r in rows[k]):
                if getattr(unconnected_gradients, "value", unconnected_gradients) == "zero":
                    out.append(_wrap(np.zeros(target._value.shape + s._value.shape,
                                              dtype=s._value.dtype)))
                else:
                    out.append(None)
                continue
            stack = [np.zeros_like(s._value) if r is None else r for r in rows[k]]
            out.append(_wrap(np.stack(stack).reshape(target._value.shape + s._value.shape)))
        if not self._persistent:
            self._used = True
            self._records = []
            _holding.discard(self)
        return _pack_like(sources, iter(out))

    def batch_jacobian(self, target, source, unconnected_gradients=UnconnectedGradients.NONE,
                       parallel_iterations=None, experimental_use_pfor=True):
        """Per-example jacobian: result[b, i..., j...] = d target[b, i...] / d source[b, j...]."""
        if self._used and not self._persistent:
            raise RuntimeError(
                "A non-persistent GradientTape can only be used to compute one set of "
                "gradients (or jacobians). Create it with persistent=True.")
        target = convert_to_tensor(target)
        tv = target._value
        if tv.ndim < 1 or tv.shape[0] != source._value.shape[0]:
            raise ValueError("batch_jacobian: target and source must share the first "
                             "(batch) dimension, got %s and %s"
                             % (tuple(tv.shape), tuple(source._value.shape)))
        b = tv.shape[0]
        per = int(np.prod(tv.shape[1:], dtype=np.int64))
        cols = []
        for j in range(per):
            seed = np.zeros((b, per), dtype=tv.dtype)
            seed[:, j] = 1
            g = self._backprop([target], [_wrap(seed.reshape(tv.shape))]).get(id(source))
            cols.append(np.zeros_like(source._value) if g is None else g._value)
        if not self._persistent:
            self._used = True
            self._records = []
            _holding.discard(self)
        res = np.stack(cols, axis=1).reshape(tv.shape + source._value.shape[1:])
        return _wrap(res)


def snapshot_variable(var):
    """Called by Variable just before its value is replaced: every recorded op that read
    ``var`` keeps reading the old value in its backward pass (as in TensorFlow, where a
    gradient uses the value an op saw), while its gradient still goes to ``var``."""
    snap = None
    for tape in list(_holding):
        records = tape._records
        for i, rec in enumerate(records):
            inputs = rec[1]
            for t in inputs:
                if t is var:
                    break
            else:
                continue
            if snap is None:
                snap = _wrap(var._value)
            records[i] = (rec[0], tuple(snap if t is var else t for t in inputs)) + rec[2:]


def _accumulate(grads, key, g):
    prev = grads.get(key)
    if prev is None:
        grads[key] = g
    else:
        if prev._value.shape != g._value.shape:
            shape = np.broadcast_shapes(prev._value.shape, g._value.shape)
            if prev._value.shape != shape:
                prev = execute(BroadcastTo(shape), (prev,))
            if g._value.shape != shape:
                g = execute(BroadcastTo(shape), (g,))
        grads[key] = execute(AccumulateAdd(), (prev, g))


# ---- stop_gradient and custom_gradient ----------------------------------------------------

def stop_gradient(x, name=None):
    """The same value, cut from every tape."""
    x = convert_to_tensor(x)
    return _wrap(x._value)


class _CustomGradientOp(Op):
    def __init__(self, grad_fn, n_inputs, variables):
        self.grad_fn = grad_fn
        self.n_inputs = n_inputs
        self.variables = variables

    @property
    def multi_output(self):
        return isinstance(self.outputs, tuple)

    def backward(self, *dys):
        dy = dys if len(dys) > 1 else dys[0]
        if self.variables:
            res = self.grad_fn(dy, variables=list(self.variables))
            input_grads, var_grads = res
        else:
            input_grads = self.grad_fn(dy)
            var_grads = []
        if not isinstance(input_grads, (list, tuple)):
            input_grads = [input_grads]
        input_grads = list(input_grads) + list(var_grads)
        return tuple(None if g is None else convert_to_tensor(g) for g in input_grads)


def custom_gradient(f=None):
    """Decorator: ``f(*x)`` returns ``(y, grad_fn)``; the tape uses ``grad_fn(dy)``."""
    if f is None:
        return custom_gradient

    def wrapper(*args, **kwargs):
        tensors = [convert_to_tensor(a) if not isinstance(a, Tensor) else a for a in args]
        variables = []
        if _tls.tapes:
            # run f with the outer tapes paused; a probe tape sees which variables f reads
            with _Pause():
                probe = GradientTape()
                with probe:
                    result, grad_fn = f(*tensors, **kwargs)
            variables = [v for v in probe.watched_variables() if not any(v is t for t in tensors)]
        else:
            result, grad_fn = f(*tensors, **kwargs)
        if not _tls.tapes:
            return result
        import inspect
        try:
            accepts_vars = "variables" in inspect.signature(grad_fn).parameters
        except (TypeError, ValueError):
            accepts_vars = False
        op = _CustomGradientOp(grad_fn, len(tensors), variables if accepts_vars else [])
        outs = tuple(result) if isinstance(result, (list, tuple)) else result
        outs = tuple(_wrap(o._value) for o in outs) if isinstance(outs, tuple) else \
            _wrap(convert_to_tensor(outs)._value)
        op.outputs = outs
        record(op, tuple(tensors) + tuple(op.variables), outs)
        if isinstance(result, list):
            return list(outs)
        return outs
    wrapper.__name__ = getattr(f, "__name__", "custom_gradient")
    wrapper.__doc__ = getattr(f, "__doc__", None)
    return wrapper
