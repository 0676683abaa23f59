"""Keeping freed memory for reuse (glibc malloc), asked for by the large-array kernels.

A training step allocates and frees the same large arrays every time (im2col matrices,
layer outputs and their gradients: about 70 MB per step of the small CNN).  With glibc's
default thresholds most of them go back to the operating system when freed and are
page-faulted in again, zero-filled, on the next step: ~6000 faults and 15-20 ms per step
of the small CNN on the development machine (benchmarks/RESULTS.md).  ``keep_freed_memory``
raises the thresholds once per process: blocks under 64 MB then come from the heap, which
keeps up to 256 MB of free memory.  ``NDFLOW_KEEP_FREED_MEMORY=0`` turns this off;
elsewhere than glibc it does nothing.
"""
import os

_done = [False]


def keep_freed_memory():
    if _done[0]:
        return
    _done[0] = True
    if os.environ.get("NDFLOW_KEEP_FREED_MEMORY", "1").strip() == "0":
        return
    try:
        import ctypes
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    mallopt(m_mmap_threshold, 64 << 20)
    mallopt(m_trim_threshold, 256 << 20)
