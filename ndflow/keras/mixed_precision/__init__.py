"""``keras.mixed_precision``: dtype policies and loss scaling.

Under ``set_global_policy('mixed_float16')`` layers keep their variables in float32 and
compute in float16: floating inputs are cast to float16 where they enter a layer, the
layer reads float16 casts of its float32 variables during the call (gradients flow back
to the float32 variables), and its outputs are float16. Give the last layer
``dtype='float32'`` (``Activation('softmax', dtype='float32')``) so that the model's
outputs, and the loss, are float32. ``model.compile`` wraps the optimizer of a model made
under ``'mixed_float16'`` in a ``LossScaleOptimizer``, which scales the loss so that small
float16 gradients do not underflow, and skips the steps whose gradients overflow.

On ndflow this is for API compatibility (programs written for mixed precision run
unchanged) and for memory (float16 activations take half the space), not for speed: on a
CPU NumPy multiplies float16 matrices without BLAS, tens of times slower than float32
(a 512x784 by 784x256 product: about 90 times), so a mixed-precision model trains much
more slowly than the same model in float32. NumPy has no bfloat16, so the ``'bfloat16'``
and ``'mixed_bfloat16'`` policies raise an error that names the alternatives.
"""
from ndflow.keras.mixed_precision.policy import (DTypePolicy, Policy, FloatDTypePolicy,
                                                 global_policy, set_global_policy,
                                                 dtype_policy, set_dtype_policy)

__all__ = ["DTypePolicy", "Policy", "FloatDTypePolicy", "LossScaleOptimizer",
           "global_policy", "set_global_policy", "dtype_policy", "set_dtype_policy"]


def __getattr__(name):
    # the optimizer module loads on first use: layers import the policies on their own
    if name == "LossScaleOptimizer":
        from ndflow.keras.mixed_precision.loss_scale_optimizer import LossScaleOptimizer
        globals()[name] = LossScaleOptimizer
        return LossScaleOptimizer
    raise AttributeError("module 'ndflow.keras.mixed_precision' has no attribute %r" % name)


def __dir__():
    return sorted(set(globals()) | set(__all__))
