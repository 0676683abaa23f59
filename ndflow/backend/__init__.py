"""The array backend: NumPy by default, CuPy when asked for (imported lazily)."""
import numpy as np

from ndflow.backend import dtypes
from ndflow.backend.dtypes import DType, as_dtype, floatx, set_floatx

xp = np  # the array module used by kernels

from ndflow.backend import threads as _threads  # noqa: E402
_threads.apply_default()  # one BLAS thread unless the user says otherwise (see threads.py)


def get_array_module(*arrays):
    """NumPy, or CuPy when any argument is a CuPy array (CuPy imported only then)."""
    for a in arrays:
        mod = type(a).__module__
        if mod.startswith("cupy"):
            import cupy
            return cupy
    return np


def to_numpy(array):
    """A NumPy array for any backend array."""
    if type(array).__module__.startswith("cupy"):
        return array.get()
    return np.asarray(array)


__all__ = ["dtypes", "DType", "as_dtype", "floatx", "set_floatx", "xp", "get_array_module",
           "to_numpy"]
