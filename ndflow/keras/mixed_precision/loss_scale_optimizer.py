"""``LossScaleOptimizer``: dynamic loss scaling around another optimizer.

In float16 small gradients underflow to zero. Training multiplies the loss by a large
*loss scale* before differentiating (so every gradient is multiplied by it too), and the
optimizer divides the gradients by the same number before updating the variables.

The scale is adjusted as training goes (Keras 3 semantics):

* a step whose gradients hold an ``inf`` or ``nan`` is skipped: the variables and the
  inner optimizer stay as they are, the scale is halved and the count of good steps
  restarts;
* after ``dynamic_growth_steps`` consecutive steps with finite gradients the scale doubles.

``apply_gradients`` takes the gradients *of the scaled loss* (``scale_loss(loss)``, which
``fit`` uses). The tf.keras 2 spelling of a custom loop works too: ``get_scaled_loss``,
then ``get_unscaled_gradients``, whose result the next ``apply_gradients`` call takes as
already unscaled.
"""
import numpy as np

from ndflow.core.tensor import Tensor
from ndflow.core.variable import Variable
from ndflow.keras.optimizers.base import Optimizer, _VariableList, _arr


def _unscale(g, scale):
    a = _arr(g)
    if a.dtype == np.float16:      # the scale may exceed float16's range
        return (a.astype(np.float32) / np.float32(scale)).astype(np.float16)
    if a.dtype.kind == "f":
        return a / a.dtype.type(scale)
    return a


class LossScaleOptimizer(Optimizer):
    """``LossScaleOptimizer(inner_optimizer, initial_scale=2**15, dynamic_growth_steps=2000)``.

    ``dynamic=False`` (tf.keras 2) keeps the scale fixed at ``initial_scale`` and applies
    every step.
    """

    def __init__(self, inner_optimizer, initial_scale=2.0 ** 15, dynamic_growth_steps=2000,
                 name=None, dynamic=True, **kwargs):
        from ndflow.keras import optimizers
        if isinstance(inner_optimizer, (str, dict)):
            inner_optimizer = optimizers.get(inner_optimizer)
        if not isinstance(inner_optimizer, Optimizer):
            raise TypeError(
                "LossScaleOptimizer: inner_optimizer must be a keras.optimizers.Optimizer "
                "(e.g. keras.optimizers.Adam()), got %r (of type %s)." % (
                    inner_optimizer, type(inner_optimizer).__name__))
        if isinstance(inner_optimizer, LossScaleOptimizer):
            raise ValueError("LossScaleOptimizer: inner_optimizer is already a "
                             "LossScaleOptimizer; wrap the plain optimizer once.")
        if initial_scale is None:           # tf.keras 2 defaults
            initial_scale = 2.0 ** 15
        if dynamic_growth_steps is None:
            dynamic_growth_steps = 2000
        if isinstance(initial_scale, bool) or float(initial_scale) <= 0:
            raise ValueError("LossScaleOptimizer: initial_scale must be a positive number, "
                             "got %r." % (initial_scale,))
        if int(dynamic_growth_steps) < 1:
            raise ValueError("LossScaleOptimizer: dynamic_growth_steps must be at least 1, "
                             "got %r." % (dynamic_growth_steps,))
        if kwargs.get("loss_scale_factor") is not None:
            raise ValueError("LossScaleOptimizer does not take loss_scale_factor: it chooses "
                             "the scale itself. Set loss_scale_factor on a plain optimizer "
                             "for a fixed scale, or pass initial_scale= here.")
        kwargs.pop("loss_scale_factor", None)
        self._own = _VariableList()
        super().__init__(learning_rate=0.0, name=name, **kwargs)
        self.inner_optimizer = inner_optimizer
        self.initial_scale = float(initial_scale)
        self.dynamic_growth_steps = int(dynamic_growth_steps)
        self.dynamic = bool(dynamic)
        # after the base class's own iteration and learning_rate (unused), as in Keras 3
        self.step_counter = Variable(np.asarray(0, dtype=np.int64), trainable=False,
                                     name="step_counter")
        self.dynamic_scale = Variable(np.asarray(self.initial_scale, dtype=np.float32),
                                      trainable=False, name="dynamic_scale")
        self._own.extend([self.step_counter, self.dynamic_scale])
        self.use_ema = inner_optimizer.use_ema
        self._pending_unscaled = False

    # ---- state: own variables, then the inner optimizer's ----
    @property
    def _variables(self):
        return _VariableList(list(self._own) + list(self.inner_optimizer.variables)) \
            if "inner_optimizer" in self.__dict__ else self._own

    @_variables.setter
    def _variables(self, value):
        self._own = _VariableList(value)

    @property
    def iterations(self):
        return self.inner_optimizer.iterations

    @iterations.setter
    def iterations(self, value):
        self.inner_optimizer.iterations = value

    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self.inner_optimizer.learning_rate = value

    lr = learning_rate

    def _current_lr(self):
        return self.inner_optimizer._current_lr()

    def build(self, var_list):
        self.inner_optimizer.build(var_list)
        self.built = True

    @property
    def loss_scale(self):
        """The current loss scale (a scalar tensor; tf.keras 2)."""
        return Tensor(np.asarray(self.dynamic_scale._value))

    @property
    def dynamic_counter(self):
        """Finite steps since the scale last changed (tf.keras 2)."""
        return Tensor(np.asarray(self.step_counter._value))

    # ---- scaling ----
    def scale_loss(self, loss):
        """``loss`` times the current scale (differentiate this; ``fit`` does)."""
        scale = float(self.dynamic_scale._value)
        if callable(loss) and not isinstance(loss, Tensor):
            return lambda: loss() * scale
        return loss * scale

    def get_scaled_loss(self, loss):
        """tf.keras 2 name of :meth:`scale_loss`."""
        return self.scale_loss(loss)

    def get_unscaled_gradients(self, grads):
        """tf.keras 2: the gradients of a scaled loss divided by the scale. The next
        ``apply_gradients`` call takes its gradients as already unscaled."""
        scale = float(self.dynamic_scale._value)
        self._pending_unscaled = True
        return [None if g is None else Tensor(_unscale(g, scale)) for g in grads]

    # ---- applying ----
    def apply_gradients(self, grads_and_vars, name=None, skip_gradients_aggregation=False,
                        **kwargs):
        """Unscale the gradients of the scaled loss and apply them with the inner optimizer,
        or, when one of them is not finite, skip the step and halve the scale."""
        pairs = list(grads_and_vars)
        unscaled = self._pending_unscaled
        self._pending_unscaled = False
        grads = [None if g is None else _arr(g) for g, _ in pairs]
        variables = [v for _, v in pairs]
        if not skip_gradients_aggregation:
            # several replicas (MPI): sum first, so that every replica sees the same
            # (non-)finite gradients and takes the same decision
            from ndflow.keras.engine import distribution
            replica = distribution.current_replica()
            if replica is not None and replica.num_replicas > 1:
                idx = [i for i, g in enumerate(grads) if g is not None]
                summed = replica.replica_gradients([grads[i] for i in idx])
                for i, g in zip(idx, summed):
                    grads[i] = _arr(g)
        finite = all(bool(np.isfinite(g).all()) for g in grads
                     if g is not None and g.dtype.kind in "fc")
        if finite or not self.dynamic:
            scale = 1.0 if unscaled else float(self.dynamic_scale._value)
            grads = [None if g is None else _unscale(g, scale) for g in grads]
            self.inner_optimizer.apply_gradients(zip(grads, variables),
                                                 skip_gradients_aggregation=True)
            if self.dynamic:
                if int(self.step_counter._value) >= self.dynamic_growth_steps - 1:
                    self.step_counter._value = np.asarray(0, dtype=np.int64)
                    self.dynamic_scale._value = np.asarray(
                        self.dynamic_scale._value * 2, dtype=np.float32)
                else:
                    self.step_counter._value = self.step_counter._value + 1
        else:
            self.step_counter._value = np.asarray(0, dtype=np.int64)
            self.dynamic_scale._value = np.asarray(self.dynamic_scale._value / 2,
                                                   dtype=np.float32)
        self.built = True
        return self.iterations

    def apply(self, grads, trainable_variables=None):
        if trainable_variables is None:
            trainable_variables = self.inner_optimizer._trainables
        return self.apply_gradients(zip(grads, trainable_variables))

    def minimize(self, loss, var_list, tape=None):
        """Differentiate the scaled ``loss`` (a callable) and apply; a loss tensor already
        recorded on ``tape`` is differentiated as it is."""
        from ndflow.core.engine import GradientTape
        if callable(var_list):
            var_list = var_list()
        var_list = list(var_list)
        if tape is None:
            if not callable(loss):
                raise ValueError("LossScaleOptimizer.minimize: when `loss` is a tensor, pass "
                                 "the GradientTape that computed it as `tape=`.")
            with GradientTape() as tape:
                for v in var_list:
                    tape.watch(v)
                loss_value = self.scale_loss(loss())
            grads = tape.gradient(loss_value, var_list)
        else:
            grads = tape.gradient(loss() if callable(loss) else loss, var_list)
            self._pending_unscaled = True
        return self.apply_gradients(zip(grads, var_list))

    def update_step(self, gradient, variable, learning_rate):
        self.inner_optimizer.update_step(gradient, variable, learning_rate)

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        self.inner_optimizer.exclude_from_weight_decay(var_list, var_names)

    def finalize_variable_values(self, var_list):
        self.inner_optimizer.finalize_variable_values(var_list)

    # ---- config ----
    def get_config(self):
        from ndflow.keras import optimizers
        return {"name": self.name,
                "inner_optimizer": optimizers.serialize(self.inner_optimizer),
                "initial_scale": self.initial_scale,
                "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ndflow.keras import optimizers
        config = dict(config)
        inner = config.pop("inner_optimizer")
        if isinstance(inner, dict):
            inner = optimizers.deserialize(inner, custom_objects=custom_objects)
        return cls(inner, **config)

    def __repr__(self):
        return "<LossScaleOptimizer inner=%r scale=%s>" % (
            self.inner_optimizer, float(self.dynamic_scale._value))
