"""``tf.test.compute_gradient``: the Jacobians of ``f`` from the tape and from central
finite differences, for comparing in gradient tests."""
import numpy as np

from ndflow.core.engine import GradientTape
from ndflow.core.tensor import Tensor, convert_to_tensor


def _call(f, xs):
    y = f(*xs)
    if not isinstance(y, Tensor):
        if isinstance(y, (list, tuple, dict)):
            raise TypeError("compute_gradient: f must return a single tensor, got %s. Check "
                            "one output at a time." % type(y).__name__)
        y = convert_to_tensor(y)
    return y


def compute_gradient(f, x, delta=None):
    """``(theoretical, numerical)``: two tuples with one Jacobian per argument in ``x``.

    Each Jacobian has shape ``[f(*x).size, x[i].size]`` (row j: output element j) and the
    argument's dtype.  ``delta`` (default 1e-3) is the finite-difference step."""
    if not isinstance(x, (list, tuple)):
        raise ValueError("compute_gradient: x must be a list or tuple of the arguments of f, "
                         "got %s. Wrap a single argument: compute_gradient(f, [x])."
                         % type(x).__name__)
    xs = [convert_to_tensor(v) for v in x]
    for i, v in enumerate(xs):
        if v._value.dtype.kind != "f":
            raise TypeError("compute_gradient: argument %d has dtype %s; only floating-point "
                            "arguments have gradients." % (i, v.dtype.name))
    delta = 1e-3 if delta is None else float(delta)

    with GradientTape(persistent=True) as tape:
        for v in xs:
            tape.watch(v)
        y = _call(f, xs)
    ny = y._value.size
    theoretical = [np.zeros((ny, v._value.size), dtype=v._value.dtype) for v in xs]
    for j in range(ny):
        seed = np.zeros(y._value.shape, dtype=y._value.dtype)
        seed.reshape(-1)[j] = 1
        grads = tape.gradient(y, xs, output_gradients=Tensor(seed))
        for i, g in enumerate(grads):
            if g is not None:
                theoretical[i][j] = np.asarray(g._value).reshape(-1)
    del tape

    numerical = []
    for i, v in enumerate(xs):
        jac = np.zeros((ny, v._value.size), dtype=v._value.dtype)
        base = v._value
        for k in range(base.size):
            values = []
            for step in (delta, -delta):
                moved = base.copy()
                moved.reshape(-1)[k] += step
                args = list(xs)
                args[i] = Tensor(moved)
                values.append(np.asarray(_call(f, args)._value, dtype=v._value.dtype))
            jac[:, k] = ((values[0] - values[1]) / v._value.dtype.type(2 * delta)).reshape(-1)
        numerical.append(jac)
    return tuple(theoretical), tuple(numerical)
