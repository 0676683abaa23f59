"""How many threads ndflow computes with.

Two kinds of threads work inside ndflow's ops:

* the BLAS library behind NumPy runs each matrix product on its own threads.  ndflow
  runs many small products (a batch of 32 through a Dense layer is a 32x784x128 matmul),
  and a multi-threaded BLAS's busy-waiting threads fight every other process for the
  cores: on a 2-core machine under load, an epoch of the quickstart model ran 7-10x
  slower with OpenBLAS's default pool than with one thread, and one matmul up to 300x
  slower (benchmarks/RESULTS.md).  So ndflow asks the BLAS for ONE thread when it is
  imported, unless the user set ``OPENBLAS_NUM_THREADS`` / ``OMP_NUM_THREADS`` /
  ``MKL_NUM_THREADS`` (then ndflow changes nothing);
* ndflow's own batch-sliced kernels (convolution and pooling, ``ops/conv_ops.py``)
  share a batch among ``kernel_threads()`` threads, which sleep when idle.  Default:
  every core this process may use, or one when the BLAS itself runs several threads
  (two layers of threads on the same cores only get in each other's way).
  ``NDFLOW_NUM_THREADS=n`` in the environment or, at run time,
  ``tf.config.threading.set_intra_op_parallelism_threads(n)`` set this count.

The BLAS is found among the shared libraries this process has loaded (Linux
``/proc/self/maps``) and told through its ``*_set_num_threads`` function (OpenBLAS,
NumPy's bundled scipy-openblas, MKL).  Elsewhere setting the BLAS count does nothing.
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
    """Called once when ndflow is imported: one BLAS thread unless the user chose."""
    if any(v in os.environ for v in _USER_VARS):
        return
    try:
        set_blas_threads(1)
    except (ValueError, OSError, AttributeError):
        pass


_kernel = {"threads": None}


def kernel_threads():
    """How many threads ndflow's batch-sliced kernels share a batch among (see above)."""
    n = _kernel["threads"]
    if n is None:
        want = os.environ.get("NDFLOW_NUM_THREADS", "").strip().lower()
        n = int(want) if want.isdigit() else 0
        if n == 0:
            try:
                n = len(os.sched_getaffinity(0))
            except (AttributeError, OSError):
                n = os.cpu_count() or 1
            if n > 1 and (get_blas_threads() or 1) > 1:
                n = 1
        _kernel["threads"] = n
    return n


def set_kernel_threads(n):
    """Use ``n`` threads in ndflow's batch-sliced kernels (0: back to the default)."""
    n = int(n)
    if n < 0:
        raise ValueError("set_kernel_threads: expected a thread count >= 0 (0: the "
                         "default), got %d." % n)
    _kernel["threads"] = n or None
