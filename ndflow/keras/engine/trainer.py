"""Trainer: ``compile`` / ``fit`` / ``evaluate`` / ``predict``, mixed into ``Model``.

The loop is short on purpose, so that it can be read (and stepped through) in one go::

    for epoch in range(initial_epoch, epochs):
        reset the metrics; callbacks.on_epoch_begin
        for step, data in enumerate(batches):          # data = (x, y[, sample_weight])
            logs = self.train_step(data)               # forward, loss, gradients, update
            callbacks.on_train_batch_end(step, logs)
        evaluate on the validation data; callbacks.on_epoch_end(epoch, logs)

``train_step`` records the forward pass on a ``GradientTape``, asks the tape for the
gradients of the loss, and hands them to the optimizer (which updates the variables with
NumPy).  Override ``train_step`` / ``test_step`` / ``predict_step`` to customize a step and
keep everything else (callbacks, progress bar, validation, History).
"""
import contextlib
import warnings

import numpy as np

from ndflow.core.engine import GradientTape
from ndflow.core.tensor import Tensor
from ndflow.keras.engine import data_adapter, distribution
from ndflow.keras.engine.compile_utils import LossesContainer, MetricsContainer
from ndflow.keras.engine.data_adapter import unpack_x_y_sample_weight


def _to_python(v):
    if isinstance(v, Tensor):
        v = v._value
    if isinstance(v, np.ndarray):
        return v.item() if v.ndim == 0 else v
    if isinstance(v, np.generic):
        return v.item()
    return v


def _flat_logs(logs):
    """A metric whose result is a dict (Keras 3's ``compile_metrics``, returned by custom
    ``train_step``s as ``{m.name: m.result() for m in self.metrics}``) gives its entries
    as top-level logs."""
    if isinstance(logs, dict) and any(isinstance(v, dict) for v in logs.values()):
        out = {}
        for k, v in logs.items():
            if isinstance(v, dict):
                out.update(v)
            else:
                out[k] = v
        return out
    return logs


def _logs_to_python(logs):
    if logs is None:
        return {}
    if not isinstance(logs, dict):
        raise TypeError("train_step/test_step must return a dict of metric values "
                        "(e.g. {'loss': loss}), got %s." % type(logs).__name__)
    return {k: _to_python(v) for k, v in _flat_logs(logs).items()}


def _needs_plain_logs(callbacks):
    from ndflow.keras.callbacks.base import History
    from ndflow.keras.callbacks.progbar_logger import ProgbarLogger
    return any(not isinstance(c, (History, ProgbarLogger)) for c in callbacks.callbacks)


def _resolve_verbose(verbose):
    if verbose == "auto":
        return 1
    if verbose is None:
        return 0
    if verbose not in (0, 1, 2, True, False):
        raise ValueError("verbose must be 'auto', 0, 1 or 2, got %r." % (verbose,))
    return int(verbose)


def _structure_to_numpy(s):
    if isinstance(s, Tensor):
        return s._value
    if isinstance(s, dict):
        return {k: _structure_to_numpy(v) for k, v in s.items()}
    if isinstance(s, (list, tuple)):
        return type(s)(_structure_to_numpy(v) for v in s)
    return np.asarray(s)


def _concat(batches):
    first = batches[0]
    if isinstance(first, dict):
        return {k: _concat([b[k] for b in batches]) for k in first}
    if isinstance(first, (list, tuple)):
        return type(first)(_concat([b[i] for b in batches]) for i in range(len(first)))
    if len(batches) == 1:
        return first
    return np.concatenate(batches, axis=0)


def _float32_outputs(s):
    """float16 predictions (mixed precision) cast to float32, so that losses and metrics
    are computed in float32 as in Keras; masks and softmax logits stay attached."""
    if isinstance(s, Tensor):
        if s._value.dtype != np.float16:
            return s
        from ndflow.ops.math_ops import cast
        out = cast(s, "float32")
        mask = getattr(s, "_keras_mask", None)
        if mask is not None:
            out._keras_mask = mask
        logits = getattr(s, "_keras_logits", None)
        if isinstance(logits, Tensor):
            out._keras_logits = cast(logits, "float32")
        return out
    if type(s) in (list, tuple):
        return type(s)(_float32_outputs(v) for v in s)
    if type(s) is dict:
        return {k: _float32_outputs(v) for k, v in s.items()}
    return s


def _tensorize(s):
    """User data for *_on_batch: arrays (float64 cast to floatx) as Tensors."""
    if s is None:
        return None
    return data_adapter._to_tensor_structure(data_adapter.to_array_structure(s))


def _check_names(spec, kind):
    """Resolve the strings in a compile argument now, so a typo fails in compile()."""
    from ndflow.keras import losses, metrics
    if isinstance(spec, dict):
        spec = list(spec.values())
    if isinstance(spec, (list, tuple)):
        for s in spec:
            _check_names(s, kind)
        return
    if isinstance(spec, str):
        if kind == "loss":
            losses.get(spec)
        elif spec.lower() not in ("accuracy", "acc", "crossentropy", "ce"):
            metrics.get(spec)


class Trainer:
    """Mixin providing the Keras training API to ``Model``."""

    # ---- compile ----
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None,
                weighted_metrics=None, run_eagerly=None, steps_per_execution=None,
                jit_compile=None, auto_scale_loss=True, **kwargs):
        """Configure training: the optimizer, the loss(es) and the metrics to report."""
        from ndflow.keras import optimizers
        for legacy in ("sample_weight_mode", "target_tensors", "distribute", "pss_evaluation_shards"):
            kwargs.pop(legacy, None)
        if kwargs:
            raise TypeError("compile() got unexpected keyword argument(s) %s. Valid: optimizer, "
                            "loss, metrics, loss_weights, weighted_metrics, run_eagerly, "
                            "steps_per_execution, jit_compile." % sorted(kwargs))
        self.optimizer = optimizers.get(optimizer) if optimizer is not None else \
            optimizers.get("rmsprop")
        # as in Keras 3: a model made under the 'mixed_float16' policy scales its loss
        self._auto_loss_scale = False
        policy = getattr(self, "dtype_policy", None)
        if auto_scale_loss and policy is not None and policy.name == "mixed_float16":
            from ndflow.keras.mixed_precision import LossScaleOptimizer
            if not isinstance(self.optimizer, LossScaleOptimizer):
                self.optimizer = LossScaleOptimizer(self.optimizer)
                self._auto_loss_scale = True
        _check_names(loss, "loss")
        _check_names(metrics, "metric")
        _check_names(weighted_metrics, "metric")
        self.loss = loss
        self.compiled_loss = LossesContainer(loss, loss_weights, self._trainer_output_names())
        self.compiled_metrics = MetricsContainer(metrics, weighted_metrics,
                                                 self._trainer_output_names(),
                                                 loss=self.compiled_loss)
        self._compile_config = {"optimizer": optimizer, "loss": loss, "metrics": metrics,
                                "loss_weights": loss_weights,
                                "weighted_metrics": weighted_metrics,
                                "run_eagerly": run_eagerly,
                                "steps_per_execution": steps_per_execution,
                                "jit_compile": jit_compile}
        self._run_eagerly = bool(run_eagerly)
        # the strategy whose scope() is open (tf.distribute); fit trains through it
        object.__setattr__(self, "_distribution", distribution.current())
        self.steps_per_execution = steps_per_execution or 1
        self.jit_compile = bool(jit_compile)
        self.compiled = True
        self._is_compiled = True
        self.stop_training = False
        self.train_function = None
        self.test_function = None
        self.predict_function = None

    def _trainer_output_names(self):
        names = getattr(self, "output_names", None)
        if names is None:
            return None
        try:
            return list(names)
        except TypeError:
            return None

    @property
    def run_eagerly(self):
        return getattr(self, "_run_eagerly", False)

    @run_eagerly.setter
    def run_eagerly(self, value):
        self._run_eagerly = bool(value)

    def _assert_compiled(self, what):
        if not getattr(self, "_is_compiled", False):
            raise RuntimeError(
                "You must compile your model before %s. Call `model.compile(optimizer, loss)` "
                "first, e.g. model.compile(optimizer='adam', "
                "loss='sparse_categorical_crossentropy', metrics=['accuracy'])." % what)

    def get_compile_config(self):
        if not getattr(self, "_is_compiled", False):
            return None
        from ndflow.keras.saving.serialization import serialize_keras_object

        def ser(v):
            if v is None or isinstance(v, (str, int, float, bool)):
                return v
            if isinstance(v, (list, tuple)):
                return [ser(i) for i in v]
            if isinstance(v, dict):
                return {k: ser(i) for k, i in v.items()}
            return serialize_keras_object(v)
        cfg = dict(self._compile_config)
        opt = self.optimizer
        if getattr(self, "_auto_loss_scale", False):
            # a LossScaleOptimizer that compile added is added again by compile on loading
            opt = getattr(opt, "inner_optimizer", opt)
        cfg["optimizer"] = ser(opt)
        for k in ("loss", "metrics", "weighted_metrics", "loss_weights"):
            cfg[k] = ser(cfg[k])
        return cfg

    def compile_from_config(self, config):
        from ndflow.keras.saving.serialization import deserialize_keras_object

        def de(v):
            if isinstance(v, dict) and "class_name" in v:
                return deserialize_keras_object(v)
            if isinstance(v, list):
                return [de(i) for i in v]
            if isinstance(v, dict):
                return {k: de(i) for k, i in v.items()}
            return v
        config = dict(config)
        opt = config.get("optimizer")
        if isinstance(opt, dict) and opt.get("class_name") == "LossScaleOptimizer":
            from ndflow.keras.mixed_precision import LossScaleOptimizer
            config["optimizer"] = LossScaleOptimizer.from_config(opt.get("config", {}))
        elif isinstance(opt, dict):
            from ndflow.keras import optimizers
            config["optimizer"] = optimizers.deserialize(opt)
        for k in ("loss", "metrics", "weighted_metrics"):
            if k in config:
                config[k] = de(config[k])
        self.compile(**config)

    # ---- metrics ----
    @property
    def metrics(self):
        """The loss tracker(s) first, then the compiled metrics, then Metric attributes."""
        from ndflow.keras.metrics.base import Metric
        out = []
        if getattr(self, "_is_compiled", False):
            out.extend(self.compiled_loss.metrics)
            out.extend(self.compiled_metrics.metrics)
            if self.compiled_metrics.pending():
                # not built yet: a Keras 3 style custom train_step updates it with
                # (y, y_pred), which builds the compiled metrics ("compile_metrics")
                out.append(self.compiled_metrics)
        for v in self.__dict__.values():
            if isinstance(v, Metric) and not any(v is m for m in out):
                out.append(v)
        return out

    @property
    def metrics_names(self):
        return [m.name for m in self.metrics]

    def reset_metrics(self):
        for m in self.metrics:
            m.reset_state()

    def get_metrics_result(self):
        out = {}
        for m in self.metrics:
            r = m.result()
            if isinstance(r, dict):
                out.update(r)
            else:
                out[m.name] = r
        return out

    # ---- the steps ----
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """Total loss of a batch: compiled loss(es) + the model's losses (regularization,
        add_loss).  Also updates the ``loss`` tracker."""
        reg = self.losses
        if self.loss is None and not reg:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`, "
                             "e.g. model.compile(optimizer='adam', loss='mse').")
        if self.loss is not None and y is None:
            raise ValueError(
                "Target data is missing. The model was compiled with loss=%r and therefore "
                "expects target data (y) in fit() / evaluate()." % (self.loss,))
        return self.compiled_loss(y, _float32_outputs(y_pred), sample_weight,
                                  regularization_losses=reg)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Update the compiled metrics and return every metric's current result."""
        if y is not None:
            self.compiled_metrics.update_state(y, _float32_outputs(y_pred), sample_weight)
        return self.get_metrics_result()

    def train_step(self, data):
        """One optimization step: forward on a tape, loss, gradients, optimizer update."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        # a LossScaleOptimizer (mixed precision) scales the loss; float16 overflows are
        # expected then (the optimizer skips those steps), so NumPy does not warn of them
        scale_loss = getattr(self.optimizer, "scale_loss", None)
        quiet = (lambda: np.errstate(over="ignore", invalid="ignore")) \
            if scale_loss is not None else contextlib.nullcontext
        with quiet(), GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x, y, y_pred, sample_weight)
            if scale_loss is not None:
                loss = scale_loss(loss)
        variables = self.__dict__.get("_epoch_trainable")
        if variables is None:
            variables = self.trainable_variables
            if self.__dict__.get("_in_fit"):
                # fit looks the list up once per epoch (after the first step has built
                # the model); changing `trainable` takes effect at the next epoch
                object.__setattr__(self, "_epoch_trainable", variables)
        with quiet():
            grads = tape.gradient(loss, variables)
        dist = self.__dict__.get("_fit_distribution")
        if dist is None:
            self.optimizer.apply_gradients(zip(grads, variables))
        else:   # data-parallel fit: every replica applies the replicas' mean gradient
            self.optimizer.apply_gradients(zip(dist.aggregate_gradients(grads), variables),
                                           skip_gradients_aggregation=True)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data):
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        self.compute_loss(x, y, y_pred, sample_weight, training=False)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data):
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    def make_train_function(self, force=False):
        if self.train_function is None or force:
            self.train_function = self.train_step
        return self.train_function

    def make_test_function(self, force=False):
        if self.test_function is None or force:
            self.test_function = self.test_step
        return self.test_function

    def make_predict_function(self, force=False):
        if getattr(self, "predict_function", None) is None or force:
            self.predict_function = self.predict_step
        return self.predict_function

    # ---- fit ----
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1, max_queue_size=10, workers=1,
            use_multiprocessing=False):
        """Train for ``epochs`` epochs; returns a ``History`` (``history.history['loss']``)."""
        from ndflow.keras.callbacks.base import CallbackList
        self._assert_compiled("training it (fit)")
        verbose = _resolve_verbose(verbose)
        if validation_split and validation_data is None:
            if not data_adapter.is_array_data(x):
                raise ValueError(
                    "validation_split is only supported for NumPy arrays and tensors, not for "
                    "%s. Pass validation_data instead." % type(x).__name__)
            x = data_adapter.to_array_structure(x)
            y = data_adapter.to_array_structure(y)
            sample_weight = data_adapter.to_array_structure(sample_weight)
            (x, y, sample_weight), validation_data = data_adapter.train_validation_split(
                (x, y, sample_weight), validation_split)
        train = data_adapter.get_adapter(x, y, sample_weight, batch_size, steps_per_epoch,
                                         shuffle, class_weight, "fit")
        val = None
        if validation_data is not None:
            val = self._validation_adapter(validation_data, validation_batch_size or batch_size,
                                           validation_steps)
        if not isinstance(callbacks, CallbackList):
            callbacks = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0,
                                     model=self, verbose=verbose, epochs=epochs,
                                     steps=train.steps)
        history = getattr(callbacks, "_history", None)
        if history is not None:
            self.history = history
        self.stop_training = False
        train_fn = self.make_train_function()
        callbacks.on_train_begin()
        # BackupAndRestore sets the epoch a restored run resumes from
        resumed = getattr(self, "_initial_epoch", None)
        if resumed is not None:
            initial_epoch = resumed
        dist = distribution.for_fit(self)   # None: one replica
        if dist is not None:
            dist.begin_fit(self, x)
            distribution.enter_replica(dist)
        object.__setattr__(self, "_in_fit", True)
        object.__setattr__(self, "_fit_distribution", dist)
        try:
            epoch_logs = self._fit_epochs(train, val, callbacks, train_fn, initial_epoch,
                                          epochs, validation_freq, dist)
        finally:
            object.__setattr__(self, "_in_fit", False)
            object.__setattr__(self, "_epoch_trainable", None)
            object.__setattr__(self, "_fit_distribution", None)
            if dist is not None:
                distribution.exit_replica(dist)
        if self.optimizer is not None and getattr(self.optimizer, "use_ema", False):
            self.optimizer.finalize_variable_values(self.trainable_variables)
        callbacks.on_train_end(epoch_logs)
        return self.history if history is None else history

    def _fit_epochs(self, train, val, callbacks, train_fn, initial_epoch, epochs,
                    validation_freq, dist=None):
        on_batch_begin = callbacks.on_train_batch_begin
        on_batch_end = callbacks.on_train_batch_end
        # the built-in History and progress bar read tensors lazily; other callbacks get
        # plain Python numbers every batch, as in Keras
        plain = _needs_plain_logs(callbacks)
        epoch_logs = {}
        for epoch in range(initial_epoch, epochs):
            object.__setattr__(self, "_epoch_trainable", None)
            self.reset_metrics()
            callbacks.on_epoch_begin(epoch)
            logs = None
            for step, data in enumerate(train):
                if dist is not None:   # this replica's share of the global batch
                    data = dist.shard(data)
                    if data is None:
                        continue
                on_batch_begin(step)
                logs = _flat_logs(train_fn(data))
                if dist is not None:
                    logs = dist.reduce_logs(self, logs)
                on_batch_end(step, _logs_to_python(logs) if plain else logs)
                if self.stop_training:
                    break
            if logs is None:
                warnings.warn(
                    "Your input ran out of data; interrupting training. Make sure that your "
                    "dataset or generator can generate at least `steps_per_epoch * epochs` "
                    "batches (a generator cannot be restarted: pass steps_per_epoch, or use a "
                    "keras.utils.Sequence or a Dataset).", UserWarning, stacklevel=2)
                break
            if dist is not None:
                dist.end_epoch(self)
            epoch_logs = _logs_to_python(logs)
            if val is not None and self._should_validate(epoch, validation_freq):
                val_logs = self.evaluate(callbacks=callbacks, return_dict=True, _adapter=val,
                                         verbose=0)
                epoch_logs.update({"val_" + k: v for k, v in val_logs.items()})
            callbacks.on_epoch_end(epoch, epoch_logs)
            if isinstance(train, data_adapter.SequenceAdapter):
                train.on_epoch_end()
            if getattr(train, "exhausted", False) and train.steps is not None:
                warnings.warn("Your input ran out of data; interrupting training.",
                              UserWarning, stacklevel=2)
                break
            if self.stop_training:
                break
        return epoch_logs

    def _validation_adapter(self, validation_data, batch_size, steps):
        if isinstance(validation_data, (tuple, list)) and not data_adapter.is_dataset(
                validation_data):
            if len(validation_data) not in (2, 3):
                raise ValueError(
                    "validation_data must be a tuple (x_val, y_val) or (x_val, y_val, "
                    "val_sample_weight), a Dataset, a generator or a Sequence; got a %s of "
                    "length %d." % (type(validation_data).__name__, len(validation_data)))
            vx, vy, vsw = unpack_x_y_sample_weight(tuple(validation_data))
            return data_adapter.get_adapter(vx, vy, vsw, batch_size, steps, False, None,
                                            "fit (validation_data)")
        return data_adapter.get_adapter(validation_data, None, None, None, steps, False, None,
                                        "fit (validation_data)")

    @staticmethod
    def _should_validate(epoch, validation_freq):
        if isinstance(validation_freq, int):
            return (epoch + 1) % validation_freq == 0
        return (epoch + 1) in validation_freq

    # ---- evaluate ----
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, max_queue_size=10, workers=1,
                 use_multiprocessing=False, return_dict=False, **kwargs):
        """Loss and metrics on the given data: a scalar (loss only), a list
        ``[loss, metric, ...]`` in ``metrics_names`` order, or a dict."""
        from ndflow.keras.callbacks.base import CallbackList
        self._assert_compiled("evaluating it")
        adapter = kwargs.pop("_adapter", None)
        if kwargs:
            raise TypeError("evaluate() got unexpected keyword argument(s) %s" % sorted(kwargs))
        verbose = _resolve_verbose(verbose)
        if adapter is None:
            adapter = data_adapter.get_adapter(x, y, sample_weight, batch_size, steps, False,
                                               None, "evaluate")
        if not isinstance(callbacks, CallbackList):
            callbacks = CallbackList(callbacks, add_progbar=verbose != 0, model=self,
                                     verbose=verbose, epochs=1, steps=adapter.steps)
        test_fn = self.make_test_function()
        plain = _needs_plain_logs(callbacks)
        dist = distribution.for_fit(self)   # None: one replica
        if dist is not None:
            dist.begin_inference(self, adapter, "evaluate")
        self.reset_metrics()
        callbacks.on_test_begin()
        logs = None
        for step, data in enumerate(adapter):
            callbacks.on_test_batch_begin(step)
            if dist is not None:   # this replica's share of the global batch
                data = dist.shard_inference(self, data)
            logs = _flat_logs(test_fn(data))
            if dist is not None:   # the loss and metrics over all replicas
                logs = dist.reduce_test_logs(self, logs)
            callbacks.on_test_batch_end(step, _logs_to_python(logs) if plain else logs)
        logs = _logs_to_python(logs if logs is not None else self.get_metrics_result())
        callbacks.on_test_end(logs)
        if return_dict:
            return logs
        return self._flatten_logs(logs)

    def _flatten_logs(self, logs):
        names = self.metrics_names
        out = [logs[n] for n in names if n in logs]
        out.extend(v for k, v in logs.items() if k not in names)
        if len(out) == 1:
            return out[0]
        return out

    # ---- predict ----
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None,
                max_queue_size=10, workers=1, use_multiprocessing=False):
        """Model outputs for ``x`` as NumPy arrays (batched, concatenated)."""
        from ndflow.keras.callbacks.base import CallbackList
        verbose = _resolve_verbose(verbose)
        adapter = data_adapter.get_adapter(x, None, None, batch_size, steps, False, None,
                                           "predict")
        if not isinstance(callbacks, CallbackList):
            callbacks = CallbackList(callbacks, add_progbar=verbose != 0, model=self,
                                     verbose=verbose, epochs=1, steps=adapter.steps)
        predict_fn = self.make_predict_function()
        dist = distribution.for_fit(self)   # None: one replica
        if dist is not None:
            dist.begin_inference(self, adapter, "predict")
        callbacks.on_predict_begin()
        outputs = []
        for step, data in enumerate(adapter):
            callbacks.on_predict_batch_begin(step)
            if dist is not None:   # this replica's share of the global batch
                data = dist.shard_inference(self, data)
            batch_out = predict_fn(data)
            if dist is not None:   # the outputs of the whole batch, in order
                batch_out = dist.gather_predictions(batch_out)
            outputs.append(_structure_to_numpy(batch_out))
            callbacks.on_predict_batch_end(step, {"outputs": batch_out})
        callbacks.on_predict_end()
        if not outputs:
            raise ValueError("predict: the input produced no batches (is it empty?).")
        return _concat(outputs)

    # ---- single batches ----
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       reset_metrics=True, return_dict=False):
        """One training step on one batch; returns the loss (and metrics)."""
        self._assert_compiled("training it (train_on_batch)")
        if reset_metrics:
            self.reset_metrics()
        x, y, sample_weight = _tensorize(x), _tensorize(y), _tensorize(sample_weight)
        if class_weight:
            sample_weight = data_adapter._wrap(data_adapter.class_weight_to_sample_weight(
                y, class_weight, sample_weight))
        logs = _logs_to_python(self.make_train_function()(
            data_adapter.pack_x_y_sample_weight(x, y, sample_weight)
            if y is not None else (x,)))
        return logs if return_dict else self._flatten_logs(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, reset_metrics=True,
                      return_dict=False):
        self._assert_compiled("evaluating it (test_on_batch)")
        if reset_metrics:
            self.reset_metrics()
        x, y, sample_weight = _tensorize(x), _tensorize(y), _tensorize(sample_weight)
        logs = _logs_to_python(self.make_test_function()(
            data_adapter.pack_x_y_sample_weight(x, y, sample_weight)
            if y is not None else (x,)))
        return logs if return_dict else self._flatten_logs(logs)

    def predict_on_batch(self, x):
        return _structure_to_numpy(self.make_predict_function()((_tensorize(x),)))
