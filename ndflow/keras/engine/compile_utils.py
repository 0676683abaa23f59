"""What ``compile`` builds: the loss container and the metrics container.

``LossesContainer(y_true, y_pred, sample_weight, regularization_losses)`` computes the
total loss (one loss per output, times ``loss_weights``, plus regularization) and updates
the ``loss`` tracker (and ``<output>_loss`` trackers for several outputs).
``MetricsContainer.update_state`` updates the compiled metrics.  Both resolve names on
first use, when the shapes of targets and outputs are known, and both give targets the
rank of the outputs the way Keras 2 did: a ``(batch,)`` label vector against a
``(batch, 1)`` output becomes ``(batch, 1)`` before any loss or metric sees it.
"""
import numpy as np

from ndflow.core.tensor import Tensor, convert_to_tensor
from ndflow.keras import losses as losses_mod
from ndflow.keras.metrics.base import Metric, Mean, MeanMetricWrapper


def _wrap(a):
    t = Tensor.__new__(Tensor)
    t._value = a
    return t


def _as_tensor(x):
    if x is None or isinstance(x, Tensor):
        return x
    return convert_to_tensor(x)


def match_dtype_and_rank(y_t, y_p, sw):
    """Keras 2's target conformation: rank-1 targets/weights against rank-2 outputs are
    expanded to (batch, 1); integer targets of a float output stay integers."""
    if y_t is not None:
        y_t = _as_tensor(y_t)
        if y_t._value.ndim == 1 and y_p._value.ndim == 2:
            y_t = _wrap(y_t._value[:, None])
        if y_t._value.dtype.kind == "f" and y_p._value.dtype.kind == "f" and \
                y_t._value.dtype != y_p._value.dtype:
            y_t = _wrap(y_t._value.astype(y_p._value.dtype))
    if sw is not None:
        sw = _as_tensor(sw)
        if sw._value.ndim == 1 and y_p._value.ndim == 2:
            sw = _wrap(sw._value[:, None])
    return y_t, y_p, sw


def flatten_outputs(y_pred, output_names):
    """(names, list of output tensors) for a tensor, list or dict of outputs."""
    if isinstance(y_pred, dict):
        if output_names and set(output_names) == set(y_pred):
            names = list(output_names)
        else:
            names = list(y_pred)
        return names, [y_pred[n] for n in names]
    if isinstance(y_pred, (list, tuple)):
        outs = list(y_pred)
        if output_names and len(output_names) == len(outs):
            names = list(output_names)
        else:
            names = ["output_%d" % (i + 1) for i in range(len(outs))]
        return names, outs
    name = output_names[0] if output_names and len(output_names) == 1 else "output_1"
    return [name], [y_pred]


def conform_targets(y_true, names, what="y"):
    """Targets in the order of ``names`` (from a dict by name, a list by position)."""
    n = len(names)
    if y_true is None:
        return [None] * n
    if isinstance(y_true, dict):
        missing = [k for k in names if k not in y_true]
        if missing and n == 1 and len(y_true) == 1:
            return list(y_true.values())
        if missing:
            return [y_true.get(k) for k in names]
        return [y_true[k] for k in names]
    if isinstance(y_true, (list, tuple)) and n > 1:
        if len(y_true) != n:
            raise ValueError("The model has %d outputs (%s) but %s has %d elements. Pass one "
                             "target array per output." % (n, names, what, len(y_true)))
        return list(y_true)
    if n > 1:
        raise ValueError("The model has %d outputs (%s) but %s is a single array. Pass a list "
                         "or a dict of targets, one per output." % (n, names, what))
    if isinstance(y_true, (list, tuple)) and len(y_true) == 1 and \
            isinstance(y_true[0], (np.ndarray, Tensor)):
        return [y_true[0]]
    return [y_true]


def _per_output(spec, names, kind):
    """Map a user structure (one item, list or dict) to one entry per output name."""
    n = len(names)
    if isinstance(spec, dict):
        unknown = [k for k in spec if k not in names]
        if unknown:
            raise ValueError("%s: unknown output name(s) %s. The model's outputs are %s."
                             % (kind, unknown, names))
        return [spec.get(k) for k in names]
    if isinstance(spec, (list, tuple)) and kind == "loss":
        if n == 1 and len(spec) == 1:
            return [spec[0]]
        if len(spec) != n:
            raise ValueError("compile: got %d losses for a model with %d outputs (%s). Pass "
                             "one loss per output, or a single loss for all of them."
                             % (len(spec), n, names))
        return list(spec)
    return [spec] * n


def _loss_object(loss):
    if loss is None:
        return None
    obj = losses_mod.get(loss)
    if isinstance(obj, losses_mod.Loss):
        return obj
    if not callable(obj):
        raise ValueError("compile: could not use %r as a loss." % (loss,))
    name = loss if isinstance(loss, str) else getattr(obj, "__name__", "loss")
    return losses_mod.LossFunctionWrapper(obj, name=name)


_BINARY_LOSSES = ("binary_crossentropy", "binary_focal_crossentropy")
_SPARSE_LOSSES = ("sparse_categorical_crossentropy",)
_CATEGORICAL_LOSSES = ("categorical_crossentropy", "categorical_focal_crossentropy")


def _loss_kind(loss_obj):
    if loss_obj is None:
        return None
    fn = getattr(loss_obj, "fn", None)
    name = getattr(fn, "__name__", None) or getattr(loss_obj, "name", None)
    if name in _BINARY_LOSSES:
        return "binary"
    if name in _SPARSE_LOSSES:
        return "sparse"
    if name in _CATEGORICAL_LOSSES:
        return "categorical"
    return None


def _metric_object(metric, y_t, y_p, loss_obj):
    from ndflow.keras import metrics as metrics_mod
    if metric is None:
        return None
    if isinstance(metric, str) and metric.lower() in ("accuracy", "acc", "crossentropy", "ce"):
        kind = _loss_kind(loss_obj)
        y_p_last = y_p._value.shape[-1] if y_p._value.ndim else 1
        if kind is None:
            t = y_t._value if isinstance(y_t, Tensor) else np.asarray(y_t)
            y_t_last = t.shape[-1] if t.ndim else 1
            if y_p_last == 1:
                kind = "binary"
            elif t.ndim < y_p._value.ndim or (y_t_last == 1 and y_p_last > 1):
                kind = "sparse"
            else:
                kind = "categorical"
        if metric.lower() in ("accuracy", "acc"):
            fn = {"binary": metrics_mod.binary_accuracy,
                  "sparse": metrics_mod.sparse_categorical_accuracy,
                  "categorical": metrics_mod.categorical_accuracy}[kind]
        else:
            fn = {"binary": metrics_mod.binary_crossentropy,
                  "sparse": metrics_mod.sparse_categorical_crossentropy,
                  "categorical": metrics_mod.categorical_crossentropy}[kind]
        return MeanMetricWrapper(fn, name=metric)
    obj = metrics_mod.get(metric)
    if isinstance(obj, Metric):
        if isinstance(metric, str):
            obj.name = metric  # as in Keras 3: metrics=["AUC"] logs "AUC", "auc" logs "auc"
        return obj
    if isinstance(obj, losses_mod.Loss):
        return MeanMetricWrapper(lambda t, p, _l=obj: _l.call(t, p), name=obj.name)
    if not callable(obj):
        raise ValueError("compile: could not use %r as a metric." % (metric,))
    name = metric if isinstance(metric, str) else getattr(obj, "__name__", "metric")
    return MeanMetricWrapper(obj, name=name)


def _batch_size(y_pred):
    v = y_pred._value if isinstance(y_pred, Tensor) else np.asarray(y_pred)
    return v.shape[0] if v.ndim else 1


class LossesContainer:
    """The compiled loss: ``container(y_true, y_pred, sample_weight, regularization_losses)``."""

    def __init__(self, losses, loss_weights=None, output_names=None):
        self._user_losses = losses
        self._user_loss_weights = loss_weights
        self._output_names = output_names
        self._loss_metric = Mean(name="loss")
        self._per_output_metrics = None
        self._losses = None
        self._weights = None
        self._names = None
        self._built = False

    @property
    def metrics(self):
        if not self._built:
            return []
        out = [self._loss_metric]
        if self._per_output_metrics:
            out.extend(m for m in self._per_output_metrics if m is not None)
        return out

    def build(self, y_pred):
        names, outs = flatten_outputs(y_pred, self._output_names)
        self._names = names
        self._losses = [_loss_object(l) for l in _per_output(self._user_losses, names, "loss")]
        lw = self._user_loss_weights
        if lw is None:
            self._weights = [1.0] * len(names)
        elif isinstance(lw, dict):
            self._weights = [float(lw.get(n, 1.0)) for n in names]
        elif isinstance(lw, (list, tuple)):
            if len(lw) != len(names):
                raise ValueError("compile: got %d loss_weights for %d outputs (%s)."
                                 % (len(lw), len(names), names))
            self._weights = [float(w) for w in lw]
        else:
            self._weights = [float(lw)] * len(names)
        if len(names) > 1:
            self._per_output_metrics = [Mean(name=n + "_loss") if l is not None else None
                                        for n, l in zip(names, self._losses)]
        self._built = True

    @property
    def loss_objects(self):
        return self._losses

    def __call__(self, y_true, y_pred, sample_weight=None, regularization_losses=None):
        if not self._built:
            self.build(y_pred)
        names = self._names
        if len(names) == 1 and not isinstance(y_pred, (list, tuple, dict)):
            outs = [y_pred]
            if isinstance(y_true, dict):
                y_trues = conform_targets(y_true, names)
            elif isinstance(y_true, (list, tuple)) and len(y_true) == 1:
                y_trues = [y_true[0]]
            else:
                y_trues = [y_true]
            sws = [sample_weight]
        else:
            _, outs = flatten_outputs(y_pred, self._output_names)
            y_trues = conform_targets(y_true, names)
            if sample_weight is None:
                sws = [None] * len(names)
            elif isinstance(sample_weight, (dict, list, tuple)):
                sws = conform_targets(sample_weight, names, "sample_weight")
            else:
                sws = [sample_weight] * len(names)
        batch = _batch_size(outs[0])
        total = None
        from ndflow.ops import math_ops as M
        for i, (loss_obj, w, y_t, y_p, sw) in enumerate(
                zip(self._losses, self._weights, y_trues, outs, sws)):
            if loss_obj is None:
                continue
            if y_t is None:
                raise ValueError(
                    "No target given for output %r: fit/evaluate got no `y` for it. Pass "
                    "targets for every output that has a loss." % names[i])
            y_t, y_p, sw = match_dtype_and_rank(y_t, y_p, sw)
            value = loss_obj(y_t, y_p, sample_weight=sw)
            if self._per_output_metrics:
                self._per_output_metrics[i]._update_scalar(float(value._value), batch)
            if w != 1.0:
                value = M.multiply(value, w)
            total = value if total is None else M.add(total, value)
        if regularization_losses:
            reg = None
            for r in regularization_losses:
                r = _as_tensor(r)
                if r._value.dtype.kind != "f":
                    r = _wrap(r._value.astype(np.float32))
                reg = r if reg is None else M.add(reg, r)
            if reg is not None:
                if total is not None and reg._value.dtype != total._value.dtype:
                    reg = M.cast(reg, total.dtype)
                total = reg if total is None else M.add(total, reg)
        if total is None:
            total = _wrap(np.asarray(0.0, dtype=np.float32))
        self._loss_metric._update_scalar(float(total._value), batch)
        return total

    def reset_state(self):
        for m in self.metrics:
            m.reset_state()


class MetricsContainer:
    """The compiled metrics (and weighted metrics), built on the first update."""

    def __init__(self, metrics=None, weighted_metrics=None, output_names=None, loss=None):
        self._user_metrics = metrics
        self._user_weighted = weighted_metrics
        self._output_names = output_names
        self._losses_container = loss
        self._built = False
        self._metrics = None
        self._weighted = None
        self._names = None

    def _spec_per_output(self, spec, names):
        if spec is None:
            return [[] for _ in names]
        if isinstance(spec, dict):
            per = _per_output(spec, names, "metrics")
        elif isinstance(spec, (list, tuple)) and len(names) > 1 and len(spec) == len(names) \
                and any(isinstance(s, (list, tuple, dict)) or s is None for s in spec):
            per = list(spec)
        else:
            per = [spec] * len(names)
        out = []
        for p in per:
            if p is None:
                out.append([])
            elif isinstance(p, (list, tuple)):
                out.append(list(p))
            else:
                out.append([p])
        return out

    def build(self, y_true, y_pred):
        names, outs = flatten_outputs(y_pred, self._output_names)
        self._names = names
        y_trues = conform_targets(y_true, names)
        loss_objs = None
        if self._losses_container is not None:
            if not self._losses_container._built:
                self._losses_container.build(y_pred)
            loss_objs = self._losses_container.loss_objects
        multi = len(names) > 1
        seen = set()
        self._metrics = []
        self._weighted = []
        for kind, spec, target in (("m", self._user_metrics, self._metrics),
                                   ("w", self._user_weighted, self._weighted)):
            per = self._spec_per_output(spec, names)
            for i, (name, y_t, y_p, specs) in enumerate(zip(names, y_trues, outs, per)):
                objs = []
                for s in specs:
                    if y_t is None:
                        continue
                    m = _metric_object(s, y_t, y_p, loss_objs[i] if loss_objs else None)
                    if multi and m is not None:
                        m.name = "%s_%s" % (name, m.name)
                    if kind == "w" and m.name in seen:
                        m.name = "weighted_" + m.name
                    seen.add(m.name)
                    objs.append(m)
                target.append(objs)
        self._built = True

    @property
    def metrics(self):
        if not self._built:
            return []
        out = []
        ids = set()
        for group in self._metrics + self._weighted:
            for m in group:
                if id(m) not in ids:
                    ids.add(id(m))
                    out.append(m)
        return out

    # Keras 3 lists this container in ``model.metrics`` as one metric, "compile_metrics";
    # ndflow lists it only until it is built (then the metrics themselves)
    name = "compile_metrics"

    def pending(self):
        """True while metrics were asked for but are not built (no update yet)."""
        return not self._built and bool(self._user_metrics or self._user_weighted)

    @property
    def variables(self):
        return [v for m in self.metrics for v in m.variables]

    def result(self):
        """``{metric name: result}`` of the compiled metrics."""
        return {m.name: m.result() for m in self.metrics}

    def update_state(self, y_true, y_pred, sample_weight=None):
        if not self._built:
            self.build(y_true, y_pred)
        names = self._names
        if len(names) == 1 and not isinstance(y_pred, (list, tuple, dict)):
            outs = [y_pred]
            y_trues = conform_targets(y_true, names)
            sws = [sample_weight]
        else:
            _, outs = flatten_outputs(y_pred, self._output_names)
            y_trues = conform_targets(y_true, names)
            if sample_weight is None:
                sws = [None] * len(names)
            elif isinstance(sample_weight, (dict, list, tuple)):
                sws = conform_targets(sample_weight, names, "sample_weight")
            else:
                sws = [sample_weight] * len(names)
        for y_t, y_p, sw, ms, ws in zip(y_trues, outs, sws, self._metrics, self._weighted):
            if y_t is None or (not ms and not ws):
                continue
            y_t, y_p, sw = match_dtype_and_rank(y_t, y_p, sw)
            for m in ms:
                m.update_state(y_t, y_p)
            for m in ws:
                m.update_state(y_t, y_p, sample_weight=sw)

    def reset_state(self):
        for m in self.metrics:
            m.reset_state()
