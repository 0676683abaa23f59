"""How many replicas share the global batch, for code that runs inside one of them.

``tf.nn.compute_average_loss`` (without ``global_batch_size``) and
``tf.nn.scale_regularization_loss`` divide by it.  A distribution strategy pushes its
replica count while it runs a replica function (``strategy.run``, a ``fit`` step); outside
one, the count is 1.  It lives here, low in the package layers, so that ``ndflow.nn`` can
read it without importing the strategies.
"""
import threading

_tls = threading.local()


def _stack():
    s = getattr(_tls, "stack", None)
    if s is None:
        s = _tls.stack = []
    return s


def push(num_replicas):
    _stack().append(int(num_replicas))


def pop():
    s = _stack()
    if s:
        s.pop()


def num_replicas_in_sync():
    """The replica count of the running replica function (1 outside every one)."""
    s = _stack()
    return s[-1] if s else 1
