"""Data-parallel ``model.fit``: the trainer hooks every strategy gives to Keras.

With several replicas (``MultiWorkerMirroredStrategy`` under ``mpirun -n N``), ``fit``
on a model compiled in the strategy's scope runs the same program in every process:

* at the start, every replica takes rank 0's weights, optimizer state and random state
  (so shuffles, dropout masks and weights built later agree too);
* the batch size given to ``fit`` (or the batches of a Dataset) is the GLOBAL batch:
  each replica trains on a contiguous 1/N slice of it (``input_lib.split_bounds``); a
  global batch with fewer samples than replicas is skipped, with a warning;
* the gradients are averaged over the replicas, each weighted by its share of the
  samples, before the optimizer step, so every replica applies the same update (that of
  the mean loss over the global batch) and the weights stay identical;
* the loss and metrics are reduced by summing the metrics' state over the replicas, so
  every process logs and returns the numbers of the whole global batch;
* after each epoch the non-trainable float weights (e.g. BatchNormalization's moving
  statistics, updated from each replica's slice) are averaged over the replicas.

``evaluate`` and ``predict`` (and fit's validation) split every global batch the same
way, each replica running its step on its own slice:

* ``evaluate`` sums the metrics' state (totals and counts, confusion counts at each
  threshold, weighted sums...) over the replicas after every batch, so every process
  logs and returns the loss and metrics of all the data, as one process would;
* ``predict`` gathers the replicas' outputs of every batch, in order, so every process
  returns the predictions for all the data;
* outside fit, they first give every replica rank 0's weights (when they differ) and
  random state, as TensorFlow's mirrored variables would;
* a replica whose slice is empty (a global batch smaller than num_replicas_in_sync)
  runs its step on one sample and discards the result (its metric state is restored),
  so that every replica builds the same model and metrics and joins every collective.
"""
import hashlib
import warnings

import numpy as np

from ndflow.backend import random as _random
from ndflow.core.tensor import Tensor
from ndflow.distribute import input_lib, values
from ndflow.keras.engine.distribution import TrainerHooks


def _arr(v):
    if isinstance(v, Tensor):
        return v._value
    return np.asarray(v)


def _wrap(a):
    t = Tensor.__new__(Tensor)
    t._value = a
    return t


def _unique(variables):
    seen, out = set(), []
    for v in variables:
        if id(v) not in seen:
            seen.add(id(v))
            out.append(v)
    return out


class DataParallelHooks(TrainerHooks):
    """The trainer hooks of a strategy; its collectives say how many replicas there are."""

    def __init__(self, strategy):
        self.strategy = strategy
        self._comm = strategy._comm
        self._presharded = False
        self._local_n = None
        self._warned_small = False
        self._check_pending = False
        self._in_run = 0          # strategy.run calls in progress

    @property
    def num_replicas(self):
        return self._comm.size

    # ---- start of fit: one starting point for every replica ----
    def begin_fit(self, model, x=None):
        comm = self._comm
        self._presharded = bool(getattr(x, "_ndflow_per_replica", False))
        self._local_n = None
        self._warned_small = False
        self._check_pending = True
        variables = _unique(list(model.variables))
        optimizer = getattr(model, "optimizer", None)
        if optimizer is not None:
            variables += _unique(list(optimizer.variables))
        payload = None
        if comm.rank == 0:
            payload = ([v._value for v in variables], _random.get_state())
        root_values, root_state = comm.bcast(payload)
        if comm.rank == 0:
            return
        self._take_root_values(variables, root_values, "fit", "model and optimizer")
        _random.set_state(root_state)

    def _take_root_values(self, variables, root_values, what, kind):
        rank = self._comm.rank
        if len(root_values) != len(variables):
            raise RuntimeError(
                "%s (%s): replica %d has %d %s variables but replica 0 has %d. Every process "
                "must build the same %s before %s (run the same program in every process)."
                % (what, type(self.strategy).__name__, rank, len(variables), kind,
                   len(root_values), kind, what))
        for v, a in zip(variables, root_values):
            if a.shape != v._value.shape:
                raise RuntimeError(
                    "%s (%s): variable %r has shape %s on replica %d but %s on replica 0. "
                    "Every process must build the same model." % (
                        what, type(self.strategy).__name__, getattr(v, "name", "?"),
                        v._value.shape, rank, a.shape))
            v._value = np.array(a, dtype=v._value.dtype, copy=True)

    # ---- each step ----
    def shard(self, data):
        """This replica's slice of a global batch (None: skip this batch everywhere)."""
        comm = self._comm
        if self._presharded:
            self._local_n = input_lib.leading_size(data, "fit")
            return data
        n = input_lib.leading_size(data, "fit")
        if n < comm.size:
            if not self._warned_small:
                self._warned_small = True
                warnings.warn(
                    "fit: a batch of %d samples cannot be split over %d replicas; it is "
                    "skipped. The batch size given to fit is the global batch size: make it "
                    "(and the last batch) at least num_replicas_in_sync, e.g. with "
                    "dataset.batch(..., drop_remainder=True)." % (n, comm.size),
                    UserWarning, stacklevel=4)
            return None
        start, stop = input_lib.split_bounds(n, comm.size, comm.rank)
        self._local_n = stop - start
        return input_lib.take_slice(data, start, stop)

    def aggregate_gradients(self, grads):
        """The replicas' gradients averaged, each weighted by its number of samples: the
        gradient of the mean loss over the global batch."""
        grads = list(grads)
        n = float(self._local_n if self._local_n is not None else 1)
        arrays = [None if g is None else _arr(g) for g in grads]
        size = sum(a.size for a in arrays if a is not None)
        buf = np.empty(size + 1, dtype=np.float64)
        pos = 0
        for a in arrays:
            if a is None:
                continue
            if n:
                np.multiply(a.reshape(-1), n, out=buf[pos:pos + a.size])
            else:   # an empty slice adds nothing (its gradient may be NaN)
                buf[pos:pos + a.size] = 0.0
            pos += a.size
        buf[size] = n
        total = self._comm.allreduce_sum(buf)
        scale = 1.0 / total[size] if total[size] else 0.0
        out, pos = [], 0
        for g, a in zip(grads, arrays):
            if a is None:
                out.append(None)
                continue
            out.append(_wrap((total[pos:pos + a.size] * scale).astype(a.dtype)
                             .reshape(a.shape)))
            pos += a.size
        return out

    def replica_gradients(self, grads):
        """Gradients handed to ``optimizer.apply_gradients`` inside a replica function,
        combined over the replicas as TensorFlow does: summed inside ``strategy.run``
        (the loss there is scaled by the global batch size, e.g. with
        ``tf.nn.compute_average_loss``), averaged inside a ``fit`` step (whose loss is the
        replica's mean loss)."""
        grads = list(grads)
        if self._comm.size == 1:
            return grads
        if not self._in_run:
            return self.aggregate_gradients(grads)
        present = [g for g in grads if g is not None]
        summed = iter(values.reduce_across(self._comm, "SUM", present, None,
                                           "optimizer.apply_gradients"))
        return [None if g is None else next(summed) for g in grads]

    def reduce_logs(self, model, logs):
        """The loss and metrics of the global batch, on every replica."""
        if not isinstance(logs, dict):
            return logs
        if self._check_pending:
            self._check_pending = False
            self._check_in_step(model)
        return self._reduce_logs(model, logs, 1.0)

    def _reduce_logs(self, model, logs, weight):
        """Each metric's result from its state summed over the replicas; any other value
        averaged over the replicas, each weighted by ``weight`` (this replica's)."""
        comm = self._comm
        state = _unique([v for m in model.metrics for v in m.variables])
        with np.errstate(divide="ignore", invalid="ignore"):   # e.g. 0/0 on an empty slice
            local_results = model.get_metrics_result()
        keys, vals = [], []
        for k, v in logs.items():
            a = _arr(v)
            if a.dtype.kind in "fiub":
                keys.append(k)
                vals.append(a)
        parts = [np.asarray(v._value, np.float64).ravel() for v in state]
        parts += [np.asarray(a, np.float64).ravel() * weight if weight
                  else np.zeros(a.size) for a in vals]   # (a NaN from no samples adds 0)
        parts.append(np.array([weight], np.float64))
        total = comm.allreduce_sum(np.concatenate(parts))
        total_weight = total[-1]
        saved = [v._value for v in state]
        pos = 0
        for v in state:
            v._value = total[pos:pos + v._value.size].reshape(v._value.shape).astype(
                v._value.dtype)
            pos += v._value.size
        try:
            global_results = {k: _wrap(np.array(_arr(r), copy=True))
                              for k, r in model.get_metrics_result().items()}
        finally:
            for v, s in zip(state, saved):
                v._value = s
        out = dict(logs)
        for k, a in zip(keys, vals):
            summed = total[pos:pos + a.size]
            pos += a.size
            if k in global_results and k in local_results and _same(a, local_results[k]):
                out[k] = global_results[k]          # a metric's result: from the summed state
            else:                                   # any other value: the replicas' mean
                out[k] = _wrap((summed / total_weight).reshape(a.shape).astype(
                    a.dtype if a.dtype.kind == "f" else np.float64))
        return out

    def _check_in_step(self, model):
        """After the first step every replica must hold the same weights; if not, the
        gradients were not averaged (a custom train_step)."""
        weights = model.trainable_variables
        if not weights:
            return
        mine = np.array([np.sum(v._value, dtype=np.float64) for v in weights])
        everyone = self._comm.allgather(mine)
        if all(np.allclose(e, everyone[0], rtol=1e-9, atol=1e-12) for e in everyone):
            return
        raise RuntimeError(
            "fit (%s): after the first training step the replicas' weights differ, so the "
            "gradients were not averaged over the replicas. The built-in train_step does "
            "this; a custom train_step must do it before the update: "
            "`grads = tf.distribute.get_replica_context().all_reduce('MEAN', grads)` then "
            "`self.optimizer.apply_gradients(zip(grads, variables), "
            "skip_gradients_aggregation=True)`." % type(self.strategy).__name__)

    # ---- evaluate and predict ----
    def begin_inference(self, model, data=None, what="evaluate"):
        """Start of ``evaluate`` / ``predict``: outside fit (which keeps the replicas
        identical), every replica takes rank 0's random state, and its weights if any
        replica's differ."""
        self._inference_what = what
        self._inference_presharded = _per_replica(data)
        self._inference_local_n = None
        self._inference_saved = None
        if model.__dict__.get("_in_fit"):
            return
        comm = self._comm
        variables = _unique(list(model.variables))
        same = len(set(comm.allgather(_fingerprint(variables)))) == 1
        payload = None
        if comm.rank == 0:
            payload = (None if same else [v._value for v in variables], _random.get_state())
        root_values, root_state = comm.bcast(payload)
        if comm.rank == 0:
            return
        if root_values is not None:
            self._take_root_values(variables, root_values, what, "model")
        _random.set_state(root_state)

    def shard_inference(self, model, data):
        """This replica's slice of a global batch.  An empty slice is replaced by the
        batch's first sample (an empty batch of a distributed dataset is kept), whose
        step is then forgotten (``reduce_test_logs``, ``gather_predictions``)."""
        comm, what = self._comm, self._inference_what
        if self._inference_presharded:
            self._inference_local_n = input_lib.leading_size(data, what)
        else:
            n = input_lib.leading_size(data, what)
            start, stop = input_lib.split_bounds(n, comm.size, comm.rank)
            self._inference_local_n = stop - start
            if stop == start:
                start, stop = 0, 1
            data = input_lib.take_slice(data, start, stop)
        if self._inference_local_n == 0:
            self._inference_saved = {id(v): (v, np.array(v._value, copy=True))
                                     for m in model.metrics for v in m.variables}
        return data

    def reduce_test_logs(self, model, logs):
        """The loss and metrics of every batch so far over all replicas, on every replica."""
        saved, self._inference_saved = self._inference_saved, None
        if saved is not None:   # the step ran on a stand-in sample: undo its updates
            for m in model.metrics:
                if any(id(v) not in saved for v in m.variables):
                    m.reset_state()     # built by that step: back to its initial state
            for v, value in saved.values():
                v._value = value
            if isinstance(logs, dict):
                with np.errstate(divide="ignore", invalid="ignore"):   # (no samples)
                    results = model.get_metrics_result()
                logs = {k: results.get(k, v) for k, v in logs.items()}
        if not isinstance(logs, dict):
            return logs
        return self._reduce_logs(model, logs, float(self._inference_local_n))

    def gather_predictions(self, outputs):
        """The outputs for the whole global batch (every replica's slice, in order)."""
        local = None
        if self._inference_local_n:
            local = _to_numpy(outputs)
        parts = [p for p in self._comm.allgather(local) if p is not None]
        if not parts:
            return outputs
        return _concat_wrapped(parts)

    # ---- end of each epoch ----
    def end_epoch(self, model):
        """Average the non-trainable float weights (moving statistics) over the replicas."""
        variables = [v for v in _unique(model.non_trainable_weights)
                     if v._value.dtype.kind == "f"]
        if not variables:
            return
        buf = np.concatenate([np.asarray(v._value, np.float64).ravel() for v in variables])
        total = self._comm.allreduce_sum(buf) / self._comm.size
        pos = 0
        for v in variables:
            v._value = total[pos:pos + v._value.size].reshape(v._value.shape).astype(
                v._value.dtype)
            pos += v._value.size


def _same(a, b):
    b = _arr(b)
    if a.shape != b.shape:
        return False
    try:
        return bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
    except TypeError:
        return bool(np.array_equal(a, b))


def _per_replica(data):
    """Whether ``data`` (or the dataset an adapter reads) already yields this replica's
    batches (``strategy.experimental_distribute_dataset``)."""
    return bool(getattr(data, "_ndflow_per_replica", False) or
                getattr(getattr(data, "dataset", None), "_ndflow_per_replica", False))


def _fingerprint(variables):
    h = hashlib.blake2b(digest_size=16)
    for v in variables:
        a = np.ascontiguousarray(v._value)
        h.update(("%s%s" % (a.dtype.str, a.shape)).encode())
        h.update(a.reshape(-1).view(np.uint8))
    return h.digest()


def _to_numpy(s):
    if isinstance(s, Tensor):
        return s._value
    if isinstance(s, dict):
        return {k: _to_numpy(v) for k, v in s.items()}
    if isinstance(s, (list, tuple)):
        return type(s)(_to_numpy(v) for v in s)
    return np.asarray(s)


def _concat_wrapped(parts):
    """The replicas' output structures joined along the batch dimension, as Tensors."""
    first = parts[0]
    if isinstance(first, dict):
        return {k: _concat_wrapped([p[k] for p in parts]) for k in first}
    if isinstance(first, (list, tuple)):
        return type(first)(_concat_wrapped([p[i] for p in parts]) for i in range(len(first)))
    return _wrap(np.concatenate(parts, axis=0))
