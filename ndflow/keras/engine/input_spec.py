"""``InputSpec``: what a layer accepts (rank, dtype, sizes of given axes), and the check
that turns a mismatch into an error naming the layer, the expected and received shapes,
and the likely fix."""
from ndflow.backend import dtypes as _dt


class InputSpec:
    """Rank, dtype and axis sizes a layer expects of one input (``keras.layers.InputSpec``)."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None, allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype = _dt.as_dtype(dtype).name if dtype is not None else None
        self.shape = tuple(shape) if shape is not None else None
        self.ndim = len(self.shape) if self.shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.name = name
        self.optional = optional
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        self.axes = {int(k): v for k, v in (axes or {}).items()}

    def __repr__(self):
        parts = []
        for key in ("dtype", "shape", "ndim", "max_ndim", "min_ndim", "axes"):
            v = getattr(self, key)
            if v:
                parts.append("%s=%s" % (key, v))
        return "InputSpec(%s)" % ", ".join(parts)

    def get_config(self):
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim,
                "max_ndim": self.max_ndim, "min_ndim": self.min_ndim, "axes": self.axes}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _fmt(shape):
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _hint(layer, shape, spec, axis=None):
    """The likely fix for an input of ``shape`` that ``layer`` rejects."""
    cls = type(layer).__name__
    expected_rank = spec.ndim or spec.min_ndim
    if cls == "Dense" and axis is not None and len(shape) > 2:
        return (" The input has %d dimensions: if it is an image or other multi-dimensional "
                "data, add a Flatten layer before %r (e.g. Flatten(input_shape=%s)), or check "
                "the input_shape= of the first layer." % (len(shape), layer.name,
                                                         _fmt(tuple(shape[1:]))))
    if expected_rank is not None and len(shape) < expected_rank:
        if len(shape) == expected_rank - 1:
            return (" The batch dimension may be missing: a single sample of shape %s must "
                    "be passed as a batch of one, e.g. x[None] or np.expand_dims(x, 0)."
                    % _fmt(shape))
        return " Check the input_shape= of the first layer and the shape of the data."
    if expected_rank is not None and len(shape) > expected_rank:
        return (" Check the input_shape= of the first layer (it excludes the batch "
                "dimension) and the shape of the data; a Flatten or Reshape layer may be "
                "missing.")
    return (" Check the input_shape= (or Input(shape=...)) of the model against the shape "
            "of the data, and the output size of the previous layer.")


def _incompatible(layer, index, what, shape, spec, axis=None):
    return ValueError(
        "Input %d of layer %r (%s) is incompatible with the layer: %s, but received input "
        "with shape %s.%s" % (index, layer.name, type(layer).__name__, what, _fmt(shape),
                              _hint(layer, shape, spec, axis)))


def check_input(layer, spec, inputs):
    """Raise a clear ValueError when ``inputs`` do not match ``spec`` (InputSpec or list)."""
    specs = spec if isinstance(spec, (list, tuple)) else [spec]
    if isinstance(inputs, dict):
        flat = list(inputs.values())
    elif isinstance(inputs, (list, tuple)):
        flat = list(inputs)
    else:
        flat = [inputs]
    if len(specs) > 1 and len(flat) != len(specs):
        raise ValueError(
            "Layer %r expects %d input(s), but it received %d input tensor(s). Pass a list "
            "of %d tensors." % (layer.name, len(specs), len(flat), len(specs)))
    for i, (s, x) in enumerate(zip(specs, flat)):
        if s is None:
            continue
        shape = getattr(x, "_shape", None)
        if shape is None:
            v = getattr(x, "_value", None)
            if v is None:
                continue
            shape = v.shape
        shape = tuple(shape)
        nd = len(shape)
        if s.ndim is not None and not s.allow_last_axis_squeeze and nd != s.ndim:
            raise _incompatible(layer, i, "expected ndim=%d, found ndim=%d" % (s.ndim, nd),
                                shape, s)
        if s.max_ndim is not None and nd > s.max_ndim:
            raise _incompatible(layer, i, "expected max_ndim=%d, found ndim=%d"
                                % (s.max_ndim, nd), shape, s)
        if s.min_ndim is not None and nd < s.min_ndim:
            raise _incompatible(layer, i, "expected min_ndim=%d, found ndim=%d"
                                % (s.min_ndim, nd), shape, s)
        if s.dtype is not None:
            dt = getattr(x, "dtype", None)
            name = getattr(dt, "name", None)
            if name is not None and name != s.dtype:
                raise ValueError("Input %d of layer %r is incompatible with the layer: "
                                 "expected dtype=%s, found dtype=%s." % (i, layer.name,
                                                                         s.dtype, name))
        for axis, value in s.axes.items():
            if value is None:
                continue
            if not -nd <= axis < nd:
                raise _incompatible(layer, i, "expected axis %d to exist" % axis, shape, s)
            got = shape[axis]
            if got is not None and got != value:
                raise _incompatible(
                    layer, i, "expected axis %d of input shape to have value %d" % (axis, value),
                    shape, s, axis)
        if s.shape is not None:
            for j, (a, b) in enumerate(zip(s.shape, shape)):
                if a is not None and b is not None and a != b:
                    raise _incompatible(layer, i, "expected shape=%s" % _fmt(s.shape),
                                        shape, s, j)
