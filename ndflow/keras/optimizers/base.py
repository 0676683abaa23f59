"""The ``Optimizer`` base class.

``apply_gradients(zip(grads, vars))`` clips the gradients (``clipnorm``, ``clipvalue``,
``global_clipnorm``), applies decoupled weight decay, then calls ``update_step`` of the
subclass once per variable.  Updates are plain NumPy: each step assigns a freshly computed
array to ``variable._value`` (never writes into the old one), without recording anything
on a tape.  Slot variables (momentums ...) are ``Variable`` objects too, so
``optimizer.variables`` / ``get_weights`` / ``set_weights`` save and restore the state.
"""
import re
import warnings

import numpy as np

from ndflow.core.tensor import Tensor, convert_to_tensor
from ndflow.core.variable import Variable
from ndflow.keras.optimizers import schedules as _schedules


def _snake(name):
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s).lower()


def _arr(g):
    if isinstance(g, Tensor):
        return g._value
    return np.asarray(g)


class _VariableList(list):
    """A list that can also be called (``optimizer.variables()``, the Keras 2 spelling)."""

    def __call__(self):
        return self


def _is_schedule(lr):
    return isinstance(lr, _schedules.LearningRateSchedule) or (
        callable(lr) and not isinstance(lr, (Tensor, int, float, np.generic, np.ndarray)))


class Optimizer:
    """Base class of optimizers.  Subclasses implement ``build`` (create slots with
    ``add_variable_from_reference``) and ``update_step(gradient, variable, learning_rate)``
    working on NumPy arrays."""

    _slot_names = ()

    def __init__(self, learning_rate=0.001, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if "lr" in kwargs:
            learning_rate = kwargs.pop("lr")
        if "decay" in kwargs:
            if kwargs.pop("decay") not in (0, 0.0, None):
                raise ValueError(
                    "%s: `decay` is deprecated in Keras optimizers. Use a learning-rate "
                    "schedule instead, e.g. learning_rate=keras.optimizers.schedules."
                    "InverseTimeDecay(...)." % type(self).__name__)
        for legacy in ("jit_compile", "is_legacy_optimizer"):
            kwargs.pop(legacy, None)
        if kwargs:
            raise TypeError("%s got unexpected keyword argument(s) %s. Valid arguments: "
                            "learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, "
                            "use_ema, ema_momentum, ema_overwrite_frequency, "
                            "loss_scale_factor, gradient_accumulation_steps, name and the "
                            "optimizer's own hyperparameters." % (type(self).__name__,
                                                                   sorted(kwargs)))
        if sum(c is not None for c in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError("Only one of clipnorm, clipvalue and global_clipnorm can be set.")
        self.name = name if name is not None else _snake(type(self).__name__)
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self._accumulated_calls = 0  # apply() calls, with gradient accumulation
        self._iterations = Variable(np.asarray(0, dtype=np.int64), trainable=False,
                                    name="iteration")
        self._schedule = None
        self._learning_rate = None
        self._set_lr(learning_rate)
        self._index = {}          # id(variable) -> position in self._trainables
        self._trainables = []
        self._slots = []          # per variable: dict slot name -> Variable
        self._variables = _VariableList([self._iterations])
        if self._learning_rate is not None:
            self._variables.append(self._learning_rate)
        self._exclude_ids = set()
        self._exclude_names = ()
        self.built = False

    # ---- learning rate ----
    def _set_lr(self, value):
        if _is_schedule(value):
            self._schedule = value
            self._learning_rate = None
            return
        if isinstance(value, Variable):
            value = value._value
        self._learning_rate = Variable(np.asarray(float(_arr(value)), dtype=np.float32),
                                       trainable=False, name="learning_rate")

    @property
    def learning_rate(self):
        if self._schedule is not None:
            out = self._schedule(self._iterations._value)
            return out if isinstance(out, Tensor) else convert_to_tensor(np.float32(out))
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        if _is_schedule(value):
            self._schedule = value
            return
        if self._schedule is not None:
            raise TypeError(
                "This optimizer was created with a LearningRateSchedule object as its "
                "learning_rate, so its learning rate cannot be set to a number. Create a new "
                "optimizer, or give it a schedule.")
        self._learning_rate._value = np.asarray(float(_arr(value)), dtype=np.float32)

    lr = learning_rate

    def _current_lr(self):
        if self._schedule is not None:
            s = self._schedule
            if isinstance(s, _schedules.LearningRateSchedule):
                return s._value(self._iterations._value)
            out = s(self._iterations._value) if _takes_arg(s) else s()
            return float(_arr(out))
        return float(self._learning_rate._value)

    @property
    def iterations(self):
        return self._iterations

    @iterations.setter
    def iterations(self, value):
        self._iterations._value = np.asarray(int(_arr(value)), dtype=np.int64)

    # ---- state ----
    @property
    def variables(self):
        return self._variables

    def get_weights(self):
        return [np.array(v._value, copy=True) for v in self._variables]

    def set_weights(self, weights):
        weights = list(weights)
        if len(weights) != len(self._variables):
            raise ValueError(
                "%s.set_weights: got %d arrays but the optimizer has %d variables (build it "
                "first with optimizer.build(model.trainable_variables))."
                % (type(self).__name__, len(weights), len(self._variables)))
        for v, w in zip(self._variables, weights):
            w = np.asarray(w)
            if w.shape != v._value.shape:
                raise ValueError("%s.set_weights: variable %r has shape %s, got %s."
                                 % (type(self).__name__, v.name, v._value.shape, w.shape))
            v._value = w.astype(v._value.dtype, copy=True)

    def add_variable(self, shape, initializer="zeros", dtype=None, name=None):
        dt = np.dtype(dtype or "float32")
        if initializer == "zeros":
            value = np.zeros(shape, dt)
        elif initializer == "ones":
            value = np.ones(shape, dt)
        else:
            value = np.full(shape, float(initializer), dt)
        var = Variable(value, trainable=False, name=name or "variable")
        self._variables.append(var)
        return var

    def add_variable_from_reference(self, reference_variable, name=None, initializer="zeros"):
        ref = reference_variable._value
        if initializer == "zeros":
            value = np.zeros_like(ref)
        elif isinstance(initializer, (int, float)):
            value = np.full_like(ref, initializer)
        else:
            value = np.zeros_like(ref)
        base = getattr(reference_variable, "path", None) or reference_variable.name
        base = str(base).split(":")[0].replace("/", "_")
        var = Variable(value, trainable=False, name="%s/%s_%s" % (self.name, base, name))
        self._variables.append(var)
        return var

    def build(self, var_list):
        """Create the slot variables for ``var_list`` (called on the first update)."""
        for v in var_list:
            self._track_variable(v)
        self.built = True

    def _track_variable(self, v):
        if id(v) in self._index:
            return self._index[id(v)]
        idx = len(self._trainables)
        self._index[id(v)] = idx
        self._trainables.append(v)
        slots = {}
        for slot in self._slot_names:
            slots[slot] = self.add_variable_from_reference(
                v, slot, initializer=self._slot_initial(slot))
        if self.use_ema:
            avg = self.add_variable_from_reference(v, "average")
            avg._value = v._value.copy()
            slots["_ema"] = avg
        if self.gradient_accumulation_steps:
            slots["_accumulator"] = self.add_variable_from_reference(v, "gradient_accumulator")
        self._slots.append(slots)
        return idx

    def _slot_initial(self, slot):
        return "zeros"

    def _slot(self, variable, name):
        return self._slots[self._index[id(variable)]][name]

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Variables (or variables whose name contains one of ``var_names``) that weight
        decay leaves alone."""
        if var_list:
            self._exclude_ids.update(id(v) for v in var_list)
        if var_names:
            self._exclude_names = tuple(var_names)

    def _decays(self, v):
        if not self.weight_decay:
            return False
        if id(v) in self._exclude_ids:
            return False
        name = str(getattr(v, "path", None) or v.name)
        return not any(n in name for n in self._exclude_names)

    # ---- applying gradients ----
    def apply_gradients(self, grads_and_vars, name=None, skip_gradients_aggregation=False,
                        **kwargs):
        """Update each variable from its gradient; pairs whose gradient is None are skipped."""
        pairs = []
        missing = []
        for g, v in grads_and_vars:
            if g is None:
                missing.append(v)
                continue
            pairs.append((_arr(g), v))
        if missing and not pairs:
            raise ValueError(
                "%s.apply_gradients: no gradients provided for any variable (all are None): "
                "%s. Check that the loss depends on the variables and was computed inside the "
                "GradientTape." % (type(self).__name__,
                                   [getattr(v, "path", None) or v.name for v in missing]))
        if missing:
            warnings.warn("Gradients do not exist for variables %s when minimizing the loss. "
                          "If using `model.compile()`, did you forget to provide a `loss` "
                          "argument?" % [getattr(v, "path", None) or v.name for v in missing],
                          UserWarning, stacklevel=2)
        if not skip_gradients_aggregation:
            # inside strategy.run with several replicas (MPI), the replicas' gradients are
            # summed first, as TensorFlow's optimizers do, so every replica applies the same
            # update; fit's own step aggregates by itself and skips this
            from ndflow.keras.engine import distribution
            replica = distribution.current_replica()
            if replica is not None and replica.num_replicas > 1:
                grads = replica.replica_gradients([g for g, _ in pairs])
                pairs = list(zip(grads, [v for _, v in pairs]))
        self.apply([g for g, _ in pairs], [v for _, v in pairs])
        return self._iterations

    def apply(self, grads, trainable_variables=None):
        if trainable_variables is None:
            trainable_variables = self._trainables
        grads = [_arr(g) for g in grads]
        index = self._index
        for v in trainable_variables:
            if id(v) not in index:
                self._track_variable(v)
        self.built = True
        if self.gradient_accumulation_steps:
            # as in Keras, `iterations` counts the applied updates (not the calls), so
            # schedules and bias corrections advance once per n accumulated gradients
            n = int(self.gradient_accumulation_steps)
            self._accumulated_calls += 1
            accs = [self._slots[index[id(v)]]["_accumulator"] for v in trainable_variables]
            for a, g in zip(accs, grads):
                a._value = a._value + g
            if self._accumulated_calls % n:
                return
            grads = [a._value / n for a in accs]
            for a in accs:
                a._value = np.zeros_like(a._value)
        grads = self._clip(grads)
        lr = self._current_lr()
        if self.weight_decay:
            wd = float(self.weight_decay)
            for v in trainable_variables:
                if self._decays(v):
                    v._value = v._value - v._value * (wd * lr)
        update = self.update_step
        for g, v in zip(grads, trainable_variables):
            if g.dtype != v._value.dtype:
                g = g.astype(v._value.dtype)
            update(g, v, lr)
        # Keras's order: updates, moving averages, constraints, then the step counter
        if self.use_ema:
            self._update_ema(trainable_variables)
        for v in trainable_variables:
            if v.constraint is not None:
                v._value = _arr(v.constraint(v)).astype(v._value.dtype)
        self._iterations._value = self._iterations._value + 1

    def _clip(self, grads):
        if self.clipvalue is not None:
            c = float(self.clipvalue)
            grads = [np.clip(g, -c, c) for g in grads]
        if self.clipnorm is not None:
            c = float(self.clipnorm)
            out = []
            for g in grads:
                n = float(np.sqrt(np.sum(np.square(g, dtype=np.float64))))
                out.append(g * (c / n) if n > c else g)
            grads = out
        if self.global_clipnorm is not None:
            c = float(self.global_clipnorm)
            n = float(np.sqrt(sum(np.sum(np.square(g, dtype=np.float64)) for g in grads)))
            if n > c:
                grads = [g * (c / n) for g in grads]
        return grads

    def _update_ema(self, variables):
        # called before the step counter advances: ``done`` steps were applied before this
        # one. As in Keras, the first step sets the average to the updated variable.
        done = int(self._iterations._value)
        m = float(self.ema_momentum) if done else 0.0
        overwrite = (self.ema_overwrite_frequency
                     and (done + 1) % int(self.ema_overwrite_frequency) == 0)
        for v in variables:
            avg = self._slot(v, "_ema")
            avg._value = (avg._value * m + v._value * (1 - m)).astype(v._value.dtype)
            if overwrite:
                v._value = avg._value.copy()

    def finalize_variable_values(self, var_list):
        """With ``use_ema``, set the variables to their moving averages (end of fit)."""
        if not self.use_ema:
            return
        for v in var_list:
            if id(v) in self._index:
                v._value = self._slot(v, "_ema")._value.copy()

    def update_step(self, gradient, variable, learning_rate):
        raise NotImplementedError("%s must implement update_step(gradient, variable, "
                                  "learning_rate)." % type(self).__name__)

    def minimize(self, loss, var_list, tape=None):
        """Compute the gradients of ``loss`` (a tensor with ``tape``, or a callable) with
        respect to ``var_list`` and apply them."""
        from ndflow.core.engine import GradientTape
        if callable(var_list):
            var_list = var_list()
        var_list = list(var_list)
        if tape is None:
            if not callable(loss):
                raise ValueError("%s.minimize: when `loss` is a tensor, pass the GradientTape "
                                 "that computed it as `tape=`." % type(self).__name__)
            with GradientTape() as tape:
                for v in var_list:
                    tape.watch(v)
                loss_value = loss()
        else:
            loss_value = loss() if callable(loss) else loss
        grads = tape.gradient(loss_value, var_list)
        return self.apply_gradients(zip(grads, var_list))

    # ---- config ----
    def get_config(self):
        if self._schedule is not None:
            if isinstance(self._schedule, _schedules.LearningRateSchedule):
                lr = _schedules.serialize(self._schedule)
            else:
                lr = self._current_lr()
        else:
            lr = float(self._learning_rate._value)
        return {"name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
                "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
                "clipvalue": self.clipvalue, "use_ema": self.use_ema,
                "ema_momentum": self.ema_momentum,
                "ema_overwrite_frequency": self.ema_overwrite_frequency,
                "loss_scale_factor": self.loss_scale_factor,
                "gradient_accumulation_steps": self.gradient_accumulation_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        lr = config.get("learning_rate")
        if isinstance(lr, dict):
            config["learning_rate"] = _schedules.deserialize(lr, custom_objects)
        return cls(**config)

    def __repr__(self):
        return "<%s name=%s learning_rate=%s>" % (type(self).__name__, self.name,
                                                  self._current_lr())


def _takes_arg(fn):
    import inspect
    try:
        return len(inspect.signature(fn).parameters) > 0
    except (TypeError, ValueError):
        return True
