"""``tf.function``.

For now the decorator runs the function eagerly (the same results, no tracing), so code
written with ``@tf.function`` works unchanged.  Graph tracing is planned (DESIGN.md,
graph mode).
"""
import functools


def function(func=None, input_signature=None, autograph=True, jit_compile=None,
             reduce_retracing=False, experimental_relax_shapes=None, **kwargs):
    if func is None:
        return lambda f: function(f, input_signature=input_signature)

    @functools.wraps(func)
    def wrapper(*args, **kw):
        return func(*args, **kw)
    wrapper.python_function = func
    return wrapper
