"""``tf.test``: ``TestCase`` for unit tests of ndflow programs, gradient checking, and the
device queries (``is_gpu_available``, ``gpu_device_name``, ...).

ndflow's GPU backend is CuPy: the GPU queries answer through ``tf.config``, so they say
False / "" on a machine where ndflow sees no GPU."""
import functools
import unittest

from ndflow.test.testcase import TestCase
from ndflow.test.gradient_checker import compute_gradient

__all__ = ["TestCase", "main", "compute_gradient", "is_gpu_available", "is_built_with_cuda",
           "is_built_with_rocm", "is_built_with_gpu_support", "is_built_with_xla",
           "gpu_device_name", "disable_with_predicate", "with_eager_op_as_function"]


def _gpus():
    from ndflow import config
    return config.list_physical_devices("GPU")


def is_gpu_available(cuda_only=False, min_cuda_compute_capability=None):
    """Whether ndflow can run on a GPU here (prefer tf.config.list_physical_devices('GPU'))."""
    return bool(_gpus())


def is_built_with_cuda():
    """True when ndflow's CUDA backend (CuPy) is usable on this machine."""
    return bool(_gpus())


def is_built_with_rocm():
    return False


def is_built_with_gpu_support():
    return is_built_with_cuda() or is_built_with_rocm()


def is_built_with_xla():
    return False


def gpu_device_name():
    """``'/device:GPU:0'`` when a GPU is available, else ``''``."""
    return "/device:GPU:0" if _gpus() else ""


def main(argv=None):
    """Run the tests of the calling ``__main__`` module (``unittest.main``)."""
    return unittest.main(module="__main__", argv=argv)


def disable_with_predicate(pred, skip_message):
    """Decorate a test method: skip it when ``pred()`` is true."""
    def decorator(func):
        @functools.wraps(func)
        def wrapper(self, *args, **kwargs):
            if pred():
                self.skipTest(skip_message)
            return func(self, *args, **kwargs)
        return wrapper
    return decorator


def with_eager_op_as_function(cls=None, only_as_function=False):
    """Accepted for compatibility: ndflow always runs ops eagerly, so this returns ``cls``."""
    if cls is None:
        return lambda c: c
    return cls
