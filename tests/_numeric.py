"""Numeric references shared by the test files (tests/keras, tests/ops, ...).

Import it as ``from _numeric import numeric_grad`` after putting this folder on
``sys.path`` (tests/keras is not a package, so pytest does not put ``tests/`` there)."""
import numpy as np


def numeric_grad(f, x, eps=1e-6):
    """Central finite differences of the scalar function ``f`` at ``x`` (as float64); ``x``
    itself is not modified."""
    x = np.array(x, dtype=np.float64)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += eps
        down[i] -= eps
        g[i] = (f(up) - f(down)) / (2 * eps)
    return g
