"""How many threads the BLAS library behind NumPy uses.

ndflow runs many small matrix products (a batch of 32 through a Dense layer is a
32x784x128 matmul).  A multi-threaded BLAS spends longer waking and synchronising its
threads than computing such products, and its busy-waiting threads compete with Python
for the cores: measured on a 2-core machine, an epoch of the quickstart model ran 7-10x
slower with OpenBLAS's default thread pool than with one thread (benchmarks/RESULTS.md).
So ndflow asks the BLAS for ONE thread when it is imported, unless told otherwise:

* ``NDFLOW_NUM_THREADS=n`` in the environment: use n threads (``0`` or ``auto``: leave the
  BLAS library's own default alone);
* ``OPENBLAS_NUM_THREADS`` / ``OMP_NUM_THREADS`` / ``MKL_NUM_THREADS`` set by the user:
  respected, ndflow changes nothing;
* at run time: ``tf.config.threading.set_intra_op_parallelism_threads(n)``.

The BLAS is found among the shared libraries this process has loaded (Linux
``/proc/self/maps``) and told through its ``*_set_num_threads`` function (OpenBLAS,
NumPy's bundled scipy-openblas, MKL).  Elsewhere this is a no-op.
"""
import os

_SETTERS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
            "openblas_set_num_threads64_", "openblas_set_num_threads", "MKL_Set_Num_Threads")
_GETTERS = ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads",
            "openblas_get_num_threads64_", "openblas_get_num_threads", "MKL_Get_Max_Threads")
_USER_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _blas_libraries():
    try:
        with open("/proc/self/maps") as f:
            return sorted({line.split()[-1] for line in f
                           if ".so" in line and ("blas" in line.lower() or "mkl" in line)})
    except OSError:
        return []


def _call(names, *args):
    import ctypes
    results = []
    for path in _blas_libraries():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for sym in names:
            fn = getattr(lib, sym, None)
            if fn is not None:
                fn.restype = ctypes.c_int
                results.append(fn(*[ctypes.c_int(int(a)) for a in args]))
                break
    return results


def set_blas_threads(n):
    """Ask every loaded BLAS library to use ``n`` threads; returns False if none was found."""
    return bool(_call(_SETTERS, max(1, int(n))))


def get_blas_threads():
    """The thread count of the first BLAS library found (None if none was found)."""
    got = _call(_GETTERS)
    return got[0] if got else None


def apply_default():
    """Called once when ndflow is imported (see the module docstring)."""
    want = os.environ.get("NDFLOW_NUM_THREADS")
    if want is None:
        if any(v in os.environ for v in _USER_VARS):
            return
        want = "1"
    if want.strip().lower() in ("0", "auto", ""):
        return
    try:
        set_blas_threads(int(want))
    except (ValueError, OSError, AttributeError):
        pass
