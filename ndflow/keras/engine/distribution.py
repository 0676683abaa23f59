"""The slot through which a distribution strategy reaches the Keras trainer.

``ndflow.distribute`` sits below Keras in the package layers (it imports Keras, never the
other way round), so the trainer cannot ask for "the strategy".  Instead each strategy
owns a ``TrainerHooks`` object, and ``strategy.scope()`` pushes it here.  ``compile()``
remembers the hooks of the scope it runs in; ``fit`` calls them around each step:

    hooks.begin_fit(model, x)         # same starting weights (and random state) everywhere
    data = hooks.shard(data)          # this replica's part of the global batch (None: skip)
    grads = hooks.aggregate_gradients(grads)   # inside train_step, before the update
    logs = hooks.reduce_logs(model, logs)      # loss/metrics over all replicas
    hooks.end_epoch(model)            # e.g. average the non-trainable statistics

``evaluate`` and ``predict`` (fit's validation too) split the batches the same way:

    hooks.begin_inference(model, adapter, "evaluate")   # rank 0's weights everywhere
    data = hooks.shard_inference(model, data)           # this replica's part (never None)
    logs = hooks.reduce_test_logs(model, logs)          # evaluate: loss/metrics of all
    outputs = hooks.gather_predictions(outputs)         # predict: the whole batch, in order

With one replica (the default, ``OneDeviceStrategy``, ``MirroredStrategy`` on one device)
``for_fit`` returns ``None`` and the trainer runs exactly as without a strategy.
"""


class TrainerHooks:
    """What the trainer asks of a strategy.  This base class is one replica: no-ops."""

    num_replicas = 1
    strategy = None          # the public strategy object (set by ndflow.distribute)

    def begin_fit(self, model, x=None):
        pass

    def shard(self, data):
        return data

    def aggregate_gradients(self, grads):
        return grads

    def reduce_logs(self, model, logs):
        return logs

    def end_epoch(self, model):
        pass

    def begin_inference(self, model, data=None, what="evaluate"):
        pass

    def shard_inference(self, model, data):
        return data

    def reduce_test_logs(self, model, logs):
        return logs

    def gather_predictions(self, outputs):
        return outputs

    def replica_gradients(self, grads):
        """For ``Optimizer.apply_gradients`` called inside a replica function: the
        gradients combined over the replicas (see ndflow.distribute.training)."""
        return grads


_scopes = []     # hooks of the strategies whose scope() is open, innermost last
_replicas = []   # hooks of the strategies running a replica function (strategy.run, fit)


def enter_scope(hooks):
    _scopes.append(hooks)


def exit_scope(hooks):
    if not _scopes or _scopes[-1] is not hooks:
        raise RuntimeError("strategy.scope() exited out of order: scopes must be nested "
                           "(`with strategy.scope():` blocks).")
    _scopes.pop()


def current():
    """The hooks of the innermost open strategy scope, or None outside every scope."""
    return _scopes[-1] if _scopes else None


def enter_replica(hooks):
    _replicas.append(hooks)


def exit_replica(hooks):
    if _replicas and _replicas[-1] is hooks:
        _replicas.pop()


def current_replica():
    """The hooks of the strategy whose replica function is running, or None."""
    return _replicas[-1] if _replicas else None


def for_fit(model):
    """The hooks ``fit``, ``evaluate`` and ``predict`` must call for ``model``, or None
    when it runs as one replica.

    The strategy is the one whose scope was open when the model was compiled, else the
    one whose scope is open now."""
    hooks = model.__dict__.get("_distribution") or current()
    if hooks is None or hooks.num_replicas <= 1:
        return None
    return hooks
