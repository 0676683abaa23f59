"""Merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot,
and their functional forms (``keras.layers.add([a, b])``)."""
from ndflow.ops import math_ops as M
from ndflow.ops import array_ops as A
from ndflow.ops import linalg_ops as L
from ndflow.ops import reduction_ops as R
from ndflow.keras.engine.layer import Layer


def _broadcast_shapes(layer, shapes):
    """The broadcast shape of several input shapes (None = unknown)."""
    rank = max(len(s) for s in shapes)
    out = []
    for i in range(rank):
        dims = [s[len(s) - rank + i] if len(s) - rank + i >= 0 else 1 for s in shapes]
        known = {d for d in dims if d is not None and d != 1}
        if len(known) > 1:
            raise ValueError(
                "Layer %r (%s) received inputs with incompatible shapes %s: dimension %d "
                "differs (%s). The inputs of a merge layer must have the same shape (or "
                "shapes that broadcast)." % (layer.name, type(layer).__name__,
                                             [tuple(s) for s in shapes], i, sorted(known)))
        if known:
            out.append(known.pop())
        elif any(d is None for d in dims):
            out.append(None)
        else:
            out.append(1)
    return tuple(out)


class _Merge(Layer):
    _min_inputs = 2

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _check_list(self, shapes):
        if not isinstance(shapes, (list, tuple)) or not shapes or not isinstance(
                shapes[0], (list, tuple)):
            raise ValueError(
                "A merge layer (%r, %s) must be called on a list of inputs, e.g. "
                "%s()([x1, x2]); got a single input." % (self.name, type(self).__name__,
                                                         type(self).__name__))
        if len(shapes) < self._min_inputs:
            raise ValueError("Layer %r (%s) needs at least %d inputs, got %d."
                             % (self.name, type(self).__name__, self._min_inputs, len(shapes)))

    def build(self, input_shape):
        self._check_list(input_shape)
        _broadcast_shapes(self, [tuple(s) for s in input_shape])
        self.built = True

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            self._check_list(None)
        out = inputs[0]
        for x in inputs[1:]:
            out = self._merge(out, x)
        return out

    def compute_output_shape(self, input_shape):
        self._check_list(input_shape)
        return _broadcast_shapes(self, [tuple(s) for s in input_shape])

    def compute_mask(self, inputs, mask=None):
        # as in Keras: a step is kept when any input keeps it (no mask if an input has none)
        if not isinstance(mask, (list, tuple)):
            return mask
        if any(m is None for m in mask):
            return None
        out = mask[0]
        for m in mask[1:]:
            out = M.logical_or(out, m)
        return out


def _full_mask(m, x):
    """A (batch, steps) mask broadcast to the shape of ``x`` (batch, steps, features)."""
    if len(m.shape) < len(x.shape):
        m = A.expand_dims(m, -1)
    return A.broadcast_to(m, list(x._value.shape))


def _masked_extremum(op, inputs, mask):
    """Keras's Maximum/Minimum with masks: a masked entry takes the other operand's value,
    so it never wins; steps masked in every input stay masked."""
    masks = mask if isinstance(mask, (list, tuple)) else [None] * len(inputs)
    out, out_mask = None, None
    for x, m in zip(inputs, masks):
        if m is not None:
            m = _full_mask(m, x)
        if out is None:
            out, out_mask = x, m
            continue
        if m is not None:
            x = M.where(m, x, out)
        if out_mask is not None:
            out = M.where(out_mask, out, x)
        out_mask = M.logical_or(out_mask, m) if (m is not None and out_mask is not None) \
            else None
        out = op(out, x)
    return out


class Add(_Merge):
    def _merge(self, a, b):
        return M.add(a, b)


class Subtract(_Merge):
    def build(self, input_shape):
        super().build(input_shape)
        if len(input_shape) != 2:
            raise ValueError("Layer %r (Subtract) needs exactly 2 inputs, got %d."
                             % (self.name, len(input_shape)))

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError("Layer %r (Subtract) needs exactly 2 inputs." % self.name)
        return M.subtract(inputs[0], inputs[1])


class Multiply(_Merge):
    def _merge(self, a, b):
        return M.multiply(a, b)

    def call(self, inputs, mask=None):
        if not isinstance(mask, (list, tuple)) or all(m is None for m in mask):
            return super().call(inputs)
        # Keras: masked entries count as 1; steps masked in every input become 0
        all_masked = all(m is not None for m in mask)
        out, keep = None, None
        for x, m in zip(inputs, mask):
            if m is not None:
                m = _full_mask(m, x)
                x = M.where(m, x, M.ones_like(x))
                if all_masked:
                    keep = m if keep is None else M.logical_or(keep, m)
            out = x if out is None else M.multiply(out, x)
        if all_masked:
            out = M.where(keep, out, M.zeros_like(out))
        return out


class Maximum(_Merge):
    def _merge(self, a, b):
        return M.maximum(a, b)

    def call(self, inputs, mask=None):
        if not isinstance(mask, (list, tuple)) or all(m is None for m in mask):
            return super().call(inputs)
        return _masked_extremum(M.maximum, inputs, mask)


class Minimum(_Merge):
    def _merge(self, a, b):
        return M.minimum(a, b)

    def call(self, inputs, mask=None):
        if not isinstance(mask, (list, tuple)) or all(m is None for m in mask):
            return super().call(inputs)
        return _masked_extremum(M.minimum, inputs, mask)


class Average(_Merge):
    def call(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = M.add(out, x)
        return M.multiply(out, 1.0 / len(inputs))


class Concatenate(_Merge):
    """Joins the inputs along ``axis`` (all other dimensions must match)."""

    _min_inputs = 1

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)

    def build(self, input_shape):
        self._check_list(input_shape)
        self.compute_output_shape(input_shape)
        self.built = True

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            self._check_list(None)
        return A.concat(list(inputs), axis=self.axis)

    def compute_mask(self, inputs, mask=None):
        # as in Keras: the masks are concatenated like the inputs (an unmasked input counts
        # as all kept), then a step is kept if any of its features is
        if not isinstance(mask, (list, tuple)) or all(m is None for m in mask):
            return None
        full = [A.ones_like(x, dtype="bool") if m is None else _full_mask(m, x)
                for x, m in zip(inputs, mask)]
        return R.reduce_any(A.concat(full, axis=self.axis), axis=-1)

    def compute_output_shape(self, input_shape):
        self._check_list(input_shape)
        shapes = [tuple(s) for s in input_shape]
        rank = len(shapes[0])
        if any(len(s) != rank for s in shapes):
            raise ValueError("Layer %r (Concatenate) needs inputs of the same rank, got "
                             "shapes %s." % (self.name, shapes))
        axis = self.axis % rank
        out = list(shapes[0])
        for s in shapes[1:]:
            for i in range(rank):
                if i == axis:
                    continue
                if out[i] is not None and s[i] is not None and out[i] != s[i]:
                    raise ValueError(
                        "Layer %r (Concatenate) needs inputs with matching shapes except on "
                        "the concatenation axis (%d), got shapes %s." % (self.name,
                                                                        self.axis, shapes))
                if out[i] is None:
                    out[i] = s[i]
        sizes = [s[axis] for s in shapes]
        out[axis] = None if any(d is None for d in sizes) else sum(sizes)
        return tuple(out)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


def _l2_normalize(x, axis):
    sq = R.reduce_sum(M.square(x), axis=axis, keepdims=True)
    return M.multiply(x, M.rsqrt(M.maximum(sq, 1e-12)))


class Dot(_Merge):
    """Dot product of two samples along ``axes`` (cosine similarity with normalize=True)."""

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axes, int):
            axes = (axes, axes)
        self.axes = tuple(int(a) for a in axes)
        self.normalize = bool(normalize)

    def build(self, input_shape):
        self._check_list(input_shape)
        if len(input_shape) != 2:
            raise ValueError("Layer %r (Dot) needs exactly 2 inputs, got %d."
                             % (self.name, len(input_shape)))
        a, b = tuple(input_shape[0]), tuple(input_shape[1])
        ax, ay = self.axes[0] % len(a), self.axes[1] % len(b)
        if a[ax] is not None and b[ay] is not None and a[ax] != b[ay]:
            raise ValueError("Layer %r (Dot): dimension %d of the first input (%d) differs "
                             "from dimension %d of the second (%d); shapes %s and %s."
                             % (self.name, ax, a[ax], ay, b[ay], a, b))
        self.built = True

    def call(self, inputs):
        x, y = inputs
        nx, ny = x._value.ndim, y._value.ndim
        ax, ay = self.axes[0] % nx, self.axes[1] % ny
        if self.normalize:
            x = _l2_normalize(x, ax)
            y = _l2_normalize(y, ay)
        # move the contracted axis of x last and of y to position 1, then batch-matmul
        px = [i for i in range(nx) if i != ax] + [ax]
        py = [0, ay] + [i for i in range(1, ny) if i != ay]
        xt = A.transpose(x, px)
        yt = A.transpose(y, py)
        xs, ys = xt._value.shape, yt._value.shape
        b, n = xs[0], xs[-1]
        x3 = A.reshape(xt, (b, -1, n))
        y3 = A.reshape(yt, (b, n, -1))
        out = L.matmul(x3, y3)
        out_shape = (b,) + tuple(xs[1:-1]) + tuple(ys[2:])
        if len(out_shape) == 1:
            out_shape = (b, 1)
        return A.reshape(out, out_shape)

    def compute_output_shape(self, input_shape):
        a, b = tuple(input_shape[0]), tuple(input_shape[1])
        ax, ay = self.axes[0] % len(a), self.axes[1] % len(b)
        out = (a[0],) + tuple(d for i, d in enumerate(a) if i not in (0, ax)) + tuple(
            d for i, d in enumerate(b) if i not in (0, ay))
        if len(out) == 1:
            out = out + (1,)
        return out

    def get_config(self):
        config = super().get_config()
        config.update({"axes": list(self.axes), "normalize": self.normalize})
        return config


def add(inputs, **kwargs):
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes=-1, normalize=False, **kwargs):
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
