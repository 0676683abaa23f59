"""Running a kernel over slices of its rows on a few threads.

NumPy and the BLAS release the GIL inside their loops, so the slices of one kernel run
at the same time on the calling thread and the threads of a small shared pool (created on
first use; ``kernel_threads()`` sets how many take part).  The threads sleep when idle:
unlike OpenBLAS's own threads they never spin against other processes.
"""
import os

from ndflow.backend.memory import keep_freed_memory
from ndflow.backend.threads import kernel_threads

__all__ = ["run_slices"]

_state = {"pool": None, "pool_size": 0}


def _pool(size):
    """The shared thread pool, with at least ``size`` threads (created on first use)."""
    if _state["pool_size"] < size:
        from concurrent.futures import ThreadPoolExecutor
        if _state["pool"] is not None:
            _state["pool"].shutdown(wait=False)
        _state["pool"] = ThreadPoolExecutor(size, thread_name_prefix="ndflow-kernel")
        _state["pool_size"] = size
    return _state["pool"]


def _forget_pool():   # a forked child has the pool object but not its threads
    _state["pool"] = None
    _state["pool_size"] = 0


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def run_slices(fn, slices):
    """Call ``fn(start, stop)`` for every (start, stop) in ``slices``, shared among the
    calling thread and up to ``kernel_threads() - 1`` pool threads."""
    keep_freed_memory()
    helpers = min(kernel_threads(), len(slices)) - 1
    if helpers <= 0:
        for start, stop in slices:
            fn(start, stop)
        return
    todo = iter(slices)   # next() on a list iterator is atomic under the GIL

    def work():
        for start, stop in todo:
            fn(start, stop)

    futures = [_pool(helpers).submit(work) for _ in range(helpers)]
    try:
        work()
    finally:
        for f in futures:
            f.result()
