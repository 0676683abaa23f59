"""The optimizers that Keras 3 added: Adafactor, Lamb, Muon, ScheduleFreeAdamW, and the
``MultiOptimizer`` / ``OptimizerMap`` pair that hands each variable to its own optimizer.

As in ``optimizers.py``, ``update_step(g, v, lr)`` works on NumPy arrays in the variable's
dtype (scalars stay Python floats so that float32 variables stay float32), and assigns a
fresh array to each ``_value``.

The optimizer variables come in Keras 3's order (saving and ``set_weights`` depend on
it): ``iteration``, ``learning_rate``, then per model variable

* Adafactor: the row and column statistics ``r`` (shape ``v.shape[:-1]``) and ``c``
  (``v.shape[:-2] + v.shape[-1:]``) for variables of rank 2 or more -- two unused int32
  scalars for lower ranks, as Keras keeps them -- then ``velocity``;
* Lamb: ``momentum``, ``velocity``;
* Muon: ``momentum``, plus ``velocity`` for the variables that the AdamW update handles;
* ScheduleFreeAdamW: ``momentum`` (it starts as a copy of the variable), ``velocity``.
"""
import math
import re
from collections.abc import MutableMapping

import numpy as np

from ndflow.keras.optimizers.base import Optimizer, _VariableList, _arr


def _rms(x):
    return math.sqrt(float(np.mean(np.square(x))))


def _var_path(v):
    path = getattr(v, "path", None) or v.name
    return str(path).split(":")[0]


# the arguments that each optimizer here passes on to ``Optimizer.__init__`` unchanged
_BASE_ARG_NAMES = ("weight_decay", "clipnorm", "clipvalue", "global_clipnorm", "use_ema",
                   "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor",
                   "gradient_accumulation_steps", "name")


def _base_args(args):
    """The base-class arguments out of an ``__init__``'s ``locals()``."""
    return {k: args[k] for k in _BASE_ARG_NAMES}


def _adam_moments(m, u, g, b1, b2):
    """Move Adam's first and second moment slots ``m``, ``u`` towards ``g`` and ``g^2``."""
    m._value = m._value + (g - m._value) * (1 - b1)
    u._value = u._value + (np.square(g) - u._value) * (1 - b2)


class _CustomSlots(Optimizer):
    """Optimizers whose slot variables depend on the model variable (shape, name): the
    subclass's ``_create_slots(v)`` makes them (a dict name -> Variable); the moving average
    (``use_ema``) and gradient accumulator come after them, as for the other optimizers."""

    _slot_names = ()

    def _track_variable(self, v):
        if id(v) in self._index:
            return self._index[id(v)]
        mine = self._create_slots(v)
        idx = super()._track_variable(v)
        self._slots[idx].update(mine)
        return idx

    def _create_slots(self, v):
        raise NotImplementedError

    def _short_name(self, v):
        return str(v.name).split(":")[0].split("/")[-1]


class Adafactor(_CustomSlots):
    """Adafactor (Shazeer & Stern, 2018) with Keras 3's arguments.

    For a variable of rank >= 2 the second moment is kept factored: ``r`` averages
    ``g^2 + epsilon_1`` over the last axis and ``c`` over the second-to-last one, and the
    full estimate is ``r / mean(r) (x) c``; lower-rank variables keep it whole. With
    ``t = iterations + 1``:

    * ``beta_2_t = 1 - t^beta_2_decay`` weighs the new statistics (``t = 1`` ignores the
      old ones);
    * the step size is ``max(epsilon_2, rms(v)) * min(lr, 1/sqrt(t))`` (relative to the
      variable's scale);
    * the update ``g / sqrt(estimate)`` is divided by ``max(1, rms(update) /
      clip_threshold)``.
    """

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30,
                 epsilon_2=1e-3, clip_threshold=1.0, relative_step=True, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **_base_args(locals()), **kwargs)
        self.beta_2_decay = beta_2_decay
        self.epsilon_1 = epsilon_1
        self.epsilon_2 = epsilon_2
        self.clip_threshold = clip_threshold
        self.relative_step = relative_step

    def _create_slots(self, v):
        shape = tuple(v._value.shape)
        short = self._short_name(v)
        if len(shape) < 2:
            # Keras keeps two placeholder int32 scalars here (they are part of its saved
            # optimizer state, so they are part of ours)
            r = self.add_variable((), dtype="int32", name=short)
            c = self.add_variable((), dtype="int32", name=short)
        else:
            dt = v._value.dtype
            r = self.add_variable(shape[:-1], dtype=dt, name="%s/%s" % (self.name, short))
            c = self.add_variable(shape[:-2] + shape[-1:], dtype=dt,
                                  name="%s/%s" % (self.name, short))
        vel = self.add_variable_from_reference(v, "velocity")
        return {"r": r, "c": c, "velocity": vel}

    def update_step(self, g, v, lr):
        slots = self._slots[self._index[id(v)]]
        t = float(self._iterations._value) + 1
        inv_sqrt_t = 1.0 / math.sqrt(t)
        if self._schedule is None and self.relative_step:
            lr = min(lr, inv_sqrt_t)
        rho = min(lr, inv_sqrt_t)
        w = v._value
        alpha = max(float(self.epsilon_2), _rms(w)) * rho
        g2 = np.square(g) + self.epsilon_1
        beta = 1.0 - t ** float(self.beta_2_decay)
        vel = slots["velocity"]
        if w.ndim >= 2:
            r, c = slots["r"], slots["c"]
            r._value = beta * r._value + (1 - beta) * np.mean(g2, axis=-1)
            c._value = beta * c._value + (1 - beta) * np.mean(g2, axis=-2)
            row = r._value / np.mean(r._value, axis=-1, keepdims=True)
            vel._value = row[..., :, None] * c._value[..., None, :]
        else:
            vel._value = beta * vel._value + (1 - beta) * g2
        u = g / np.sqrt(vel._value)
        u = u / max(1.0, _rms(u) / float(self.clip_threshold))
        v._value = (w - alpha * u).astype(w.dtype, copy=False)

    def get_config(self):
        config = super().get_config()
        config.update(beta_2_decay=self.beta_2_decay, epsilon_1=self.epsilon_1,
                      epsilon_2=self.epsilon_2, clip_threshold=self.clip_threshold,
                      relative_step=self.relative_step)
        return config


class Lamb(Optimizer):
    """LAMB (You et al., 2019): the bias-corrected Adam direction
    ``d = m_hat / (sqrt(u_hat) + epsilon)`` scaled per variable by the trust ratio
    ``||v|| / ||d||`` (1 when either norm is 0): ``v -= lr * ratio * d``."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, **_base_args(locals()), **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self._slot_names = ("momentum", "velocity")

    def update_step(self, g, v, lr):
        slots = self._slots[self._index[id(v)]]
        m, u = slots["momentum"], slots["velocity"]
        t = float(self._iterations._value) + 1
        b1, b2 = float(self.beta_1), float(self.beta_2)
        _adam_moments(m, u, g, b1, b2)
        direction = (m._value / (1 - b1 ** t)) / (np.sqrt(u._value / (1 - b2 ** t))
                                                    + self.epsilon)
        w = v._value
        w_norm = math.sqrt(float(np.sum(np.square(w))))
        d_norm = math.sqrt(float(np.sum(np.square(direction))))
        ratio = w_norm / d_norm if w_norm > 0 and d_norm > 0 else 1.0
        v._value = (w - (ratio * lr) * direction).astype(w.dtype, copy=False)

    def get_config(self):
        config = super().get_config()
        config.update(beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon)
        return config


def _swap_last_two(x):
    return np.swapaxes(x, -1, -2)


class Muon(_CustomSlots):
    """Muon (Jordan et al., 2024) with the Moonlight scaling, as in Keras 3.

    Variables of rank exactly 2 (except those whose path contains "embedding", with
    ``exclude_embeddings``, or matches one of the ``exclude_layers`` regular expressions)
    take the Muon step: momentum ``m = momentum * m + g``; the direction
    (``g + momentum * m`` with ``nesterov``, else ``m``) is orthogonalized by ``ns_steps``
    Newton-Schulz iterations ``X <- a X + (b A + c A A) X`` with ``A = X X^T`` (on the
    wider orientation, after dividing by the Frobenius norm + 1e-7); the step is
    ``lr * X * sqrt(max(rows, cols)) * rms_rate`` (no scaling when ``rms_rate`` is None).
    All other variables take an AdamW step with ``adam_beta_1``, ``adam_beta_2``,
    ``epsilon`` and learning rate ``lr * adam_lr_ratio``.

    Decoupled weight decay ``v -= v * wd * lr`` uses ``weight_decay`` for the Muon
    variables and ``adam_weight_decay`` for the AdamW ones (either may be None: no decay).
    """

    def __init__(self, learning_rate=0.001, adam_beta_1=0.9, adam_beta_2=0.999,
                 adam_weight_decay=0.004, epsilon=1e-7, weight_decay=0.004, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, exclude_layers=None,
                 exclude_embeddings=True, muon_a=3.4445, muon_b=-4.7750, muon_c=2.0315,
                 adam_lr_ratio=1, momentum=0.95, ns_steps=5, nesterov=True, rms_rate=0.2,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, **_base_args(locals()), **kwargs)
        if exclude_layers is not None and not isinstance(exclude_layers, (list, tuple)):
            raise TypeError("Muon: exclude_layers must be a list of regular expressions "
                            "(matched against variable paths), got %r." % (exclude_layers,))
        self.adam_beta_1 = adam_beta_1
        self.adam_beta_2 = adam_beta_2
        self.epsilon = epsilon
        self.muon_a = muon_a
        self.muon_b = muon_b
        self.muon_c = muon_c
        self.adam_lr_ratio = adam_lr_ratio
        self.momentum = momentum
        self.ns_steps = ns_steps
        self.nesterov = nesterov
        self.exclude_embeddings = exclude_embeddings
        self.exclude_layers = list(exclude_layers or [])
        self.adam_weight_decay = adam_weight_decay
        self.rms_rate = rms_rate

    def _should_use_adamw(self, v):
        """True for the variables that take the AdamW step rather than the Muon step."""
        if np.ndim(v._value) != 2:
            return True
        path = _var_path(v)
        if self.exclude_embeddings and "embedding" in path.lower():
            return True
        return any(re.search(k, path) for k in self.exclude_layers)

    def _create_slots(self, v):
        slots = {"momentum": self.add_variable_from_reference(v, "momentum")}
        if self._should_use_adamw(v):
            slots["velocity"] = self.add_variable_from_reference(v, "velocity")
        return slots

    # weight decay is applied in update_step, with the rate of the variable's kind
    def _decays(self, v):
        return False

    def _decay_rate(self, v, adamw):
        if id(v) in self._exclude_ids:
            return None
        if any(n in _var_path(v) for n in self._exclude_names):
            return None
        wd = self.adam_weight_decay if adamw else self.weight_decay
        return None if wd is None else float(wd)

    def update_step(self, g, v, lr):
        slots = self._slots[self._index[id(v)]]
        adamw = "velocity" in slots
        wd = self._decay_rate(v, adamw)
        if wd:
            v._value = v._value - v._value * (wd * lr)
        if adamw:
            self._adamw_step(g, v, lr * float(self.adam_lr_ratio), slots)
        else:
            self._muon_step(g, v, lr, slots)

    def _adamw_step(self, g, v, lr, slots):
        m, u = slots["momentum"], slots["velocity"]
        t = float(self._iterations._value) + 1
        b1, b2 = float(self.adam_beta_1), float(self.adam_beta_2)
        alpha = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        _adam_moments(m, u, g, b1, b2)
        v._value = v._value - (m._value * alpha) / (np.sqrt(u._value) + self.epsilon)

    def _muon_step(self, g, v, lr, slots):
        m = slots["momentum"]
        mu = float(self.momentum)
        m._value = m._value * mu + g
        direction = g + mu * m._value if self.nesterov else m._value
        step = self.zeropower_via_newtonschulz5(direction, self.ns_steps) * lr
        if self.rms_rate is not None:
            rows, cols = step.shape[0], step.shape[1]
            step = step * (math.sqrt(max(rows, cols)) * float(self.rms_rate))
        v._value = (v._value - step).astype(v._value.dtype, copy=False)

    def zeropower_via_newtonschulz5(self, x, steps):
        """An approximate orthogonalization ``U V^T`` of ``x`` (batched over leading axes)
        by ``steps`` quintic Newton-Schulz iterations."""
        x = _arr(x)
        if x.ndim < 2:
            raise ValueError("Muon: the Newton-Schulz orthogonalization needs a matrix (rank "
                             ">= 2), got shape %s." % (tuple(x.shape),))
        a, b, c = float(self.muon_a), float(self.muon_b), float(self.muon_c)
        tall = x.shape[-2] > x.shape[-1]
        if tall:
            x = _swap_last_two(x)
        norm = np.sqrt(np.sum(np.square(x), axis=(-2, -1), keepdims=True))
        x = x / (norm + 1e-7)
        for _ in range(int(steps)):
            gram = x @ _swap_last_two(x)
            poly = b * gram + c * (gram @ gram)
            x = a * x + poly @ x
        return _swap_last_two(x) if tall else x

    def get_config(self):
        config = super().get_config()
        config.update(adam_beta_1=self.adam_beta_1, adam_beta_2=self.adam_beta_2,
                      epsilon=self.epsilon, exclude_layers=list(self.exclude_layers),
                      muon_a=self.muon_a, muon_b=self.muon_b, muon_c=self.muon_c,
                      adam_lr_ratio=self.adam_lr_ratio, momentum=self.momentum,
                      ns_steps=self.ns_steps, nesterov=self.nesterov,
                      exclude_embeddings=self.exclude_embeddings,
                      adam_weight_decay=self.adam_weight_decay, rms_rate=self.rms_rate)
        return config


class ScheduleFreeAdamW(_CustomSlots):
    """Schedule-free AdamW (Defazio et al., 2024), as Keras 3 computes it.

    The ``momentum`` slot holds the sequence ``z`` that the Adam-scaled gradient steps move
    (it starts at the variable); the variable holds ``y``, an interpolation between ``z`` and
    the running average ``x``.  With ``t = iterations + 1`` and the learning rate times
    ``min(t / warmup_steps, 1)`` when ``warmup_steps > 0``::

        u += (g^2 - u) (1 - beta_2)
        z -= lr g / (sqrt(u / (1 - beta_2^t)) + epsilon)
        x  = (y - (1 - beta_1) z) / beta_1          # the average, recovered from y
        x  = (1 - 1/t) x + z / t
        y  = (1 - beta_1) z + beta_1 x

    (Keras recovers ``x`` from the updated ``z``; so does ndflow, to give the same numbers.)
    As in Keras, the variable keeps ``y`` also for evaluation; there is no train/eval swap.
    """

    def __init__(self, learning_rate=0.0025, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 warmup_steps=0, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **_base_args(locals()), **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.warmup_steps = warmup_steps

    def _create_slots(self, v):
        z = self.add_variable_from_reference(v, "momentum")
        z._value = np.array(v._value, copy=True)
        return {"momentum": z, "velocity": self.add_variable_from_reference(v, "velocity")}

    def update_step(self, g, v, lr):
        slots = self._slots[self._index[id(v)]]
        z, u = slots["momentum"], slots["velocity"]
        t = float(self._iterations._value) + 1
        if self.warmup_steps and self.warmup_steps > 0:
            lr = lr * min(t / float(self.warmup_steps), 1.0)
        b1, b2 = float(self.beta_1), float(self.beta_2)
        u._value = u._value + (np.square(g) - u._value) * (1 - b2)
        denom = np.sqrt(u._value / (1 - b2 ** t)) + self.epsilon
        z._value = z._value - (lr * g) / denom
        w = 1.0 / t
        x = (v._value - (1 - b1) * z._value) / b1
        x = (1 - w) * x + w * z._value
        v._value = ((1 - b1) * z._value + b1 * x).astype(v._value.dtype, copy=False)

    def get_config(self):
        config = super().get_config()
        config.update(beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon,
                      warmup_steps=self.warmup_steps)
        return config


# ---- several optimizers ----------------------------------------------------------------

def _check_inner(opt, who):
    from ndflow.keras.mixed_precision.loss_scale_optimizer import LossScaleOptimizer
    if not isinstance(opt, Optimizer):
        raise ValueError("%s: expected a keras.optimizers.Optimizer instance, got %r (of type "
                         "%s)." % (who, opt, type(opt).__name__))
    if isinstance(opt, LossScaleOptimizer):
        raise ValueError("%s: a LossScaleOptimizer cannot be used inside a MultiOptimizer; "
                         "give the plain optimizers here (loss scaling: pass "
                         "loss_scale_factor= to the MultiOptimizer)." % who)
    if isinstance(opt, MultiOptimizer):
        raise ValueError("%s: a MultiOptimizer cannot be used inside a MultiOptimizer; map "
                         "the variables to plain optimizers." % who)


class OptimizerMap(MutableMapping):
    """Maps variable paths to optimizers: ``omap["encoder/.*"] = Adam()``.

    A lookup (``omap[path]``, or ``omap(variable)`` with the variable's path) first tries
    the keys as exact strings, then as regular expressions that must match the whole path;
    a path that no key matches gets ``default_optimizer``, one that several match is an
    error."""

    def __init__(self, default_optimizer, optimizer_map=None):
        if not isinstance(default_optimizer, Optimizer):
            raise TypeError("OptimizerMap: default_optimizer must be a keras.optimizers."
                            "Optimizer instance, got %r (of type %s)."
                            % (default_optimizer, type(default_optimizer).__name__))
        if optimizer_map is not None and not isinstance(optimizer_map, dict):
            raise TypeError("OptimizerMap: optimizer_map must be a dict {path or regex: "
                            "optimizer}, got %s." % type(optimizer_map).__name__)
        self._default_optimizer = default_optimizer
        self._optimizer_map = dict(optimizer_map or {})

    @property
    def default_optimizer(self):
        return self._default_optimizer

    def __getitem__(self, key):
        if key in self._optimizer_map:
            return self._optimizer_map[key]
        hits = [p for p in self._optimizer_map if re.fullmatch(p, key)]
        if len(hits) > 1:
            raise ValueError("OptimizerMap: variable %r matches several patterns %s; make "
                             "the patterns exclusive." % (key, hits))
        if hits:
            return self._optimizer_map[hits[0]]
        return self._default_optimizer

    def __setitem__(self, key, optimizer):
        if key in self._optimizer_map:
            raise ValueError("OptimizerMap: the key %r is already mapped (to %r); each key "
                             "may be set once." % (key, self._optimizer_map[key]))
        if not isinstance(key, str):
            raise ValueError("OptimizerMap: keys must be strings (variable paths or regular "
                             "expressions), got %r." % (key,))
        _check_inner(optimizer, "OptimizerMap[%r]" % key)
        self._optimizer_map[key] = optimizer

    def __delitem__(self, key):
        del self._optimizer_map[key]

    def __len__(self):
        return len(self._optimizer_map)

    def __iter__(self):
        return iter(self._optimizer_map)

    def __call__(self, variable):
        return self[_var_path(variable)]

    def get_config(self):
        from ndflow.keras.saving.serialization import serialize_keras_object
        return {"default_optimizer": serialize_keras_object(self._default_optimizer),
                "optimizer_map": {k: serialize_keras_object(o)
                                  for k, o in self._optimizer_map.items()}}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ndflow.keras.saving.serialization import deserialize_keras_object

        def de(c):
            return deserialize_keras_object(c, custom_objects=custom_objects,
                                            kinds=("optimizers",))
        mapping = config.get("optimizer_map") or {}
        if isinstance(mapping, dict) and "class_name" in mapping:  # a wrapped dict
            mapping = de(mapping)
        return cls(de(config["default_optimizer"]),
                   {k: de(c) for k, c in dict(mapping).items()})


class MultiOptimizer(Optimizer):
    """Updates each variable with the optimizer that ``optimizer_map`` gives it: an
    :class:`OptimizerMap` (matched on variable paths) or a function ``variable ->
    optimizer``.

    Each sub-optimizer keeps its own state, step counter, learning rate, clipping and weight
    decay and is applied to its own variables; ``iterations`` counts the MultiOptimizer's
    steps. ``variables`` is the MultiOptimizer's ``iteration`` and (unused)
    ``learning_rate``, then each sub-optimizer's variables, in the order the sub-optimizers
    were met (the map's values, its default, then others a function returned). There is no
    ``learning_rate`` of its own: use ``multi.optimizers[i].learning_rate``.
    """

    def __init__(self, optimizer_map, loss_scale_factor=None, name=None):
        if not callable(optimizer_map):
            raise TypeError("MultiOptimizer: optimizer_map must be a keras.optimizers."
                            "OptimizerMap or a function variable -> optimizer, got %r (of "
                            "type %s)." % (optimizer_map, type(optimizer_map).__name__))
        super().__init__(learning_rate=0.0, loss_scale_factor=loss_scale_factor, name=name)
        self._inner_optimizers = []
        self._optimizer_map = optimizer_map
        inner = []
        if hasattr(optimizer_map, "values"):
            inner.extend(optimizer_map.values())
        default = getattr(optimizer_map, "default_optimizer", None)
        if default is not None:
            inner.append(default)
        for opt in inner:
            if not any(opt is o for o in self._inner_optimizers):
                _check_inner(opt, "MultiOptimizer")
                opt.loss_scale_factor = loss_scale_factor
                self._inner_optimizers.append(opt)
        self._var_to_optimizer = {}     # id(variable) -> index in self._inner_optimizers

    # ---- what the sub-optimizers hold ----
    @property
    def optimizers(self):
        return self._inner_optimizers

    # ``variables`` (and so get_weights / set_weights, saving, checkpoints) lists the
    # MultiOptimizer's own variables, then each sub-optimizer's
    @property
    def _variables(self):
        own = self.__dict__.setdefault("_own", _VariableList())
        inner = self.__dict__.get("_inner_optimizers")
        if not inner:
            return own      # (the base class appends its learning rate to this list)
        out = _VariableList(own)
        for opt in inner:
            out.extend(opt.variables)
        return out

    @_variables.setter
    def _variables(self, value):
        self.__dict__["_own"] = _VariableList(value)

    @property
    def learning_rate(self):
        raise AttributeError("MultiOptimizer has no single learning rate: each sub-optimizer "
                             "has its own. Use multi_optimizer.optimizers[i].learning_rate.")

    @learning_rate.setter
    def learning_rate(self, value):
        raise AttributeError("MultiOptimizer has no single learning rate to set: set it on "
                             "the sub-optimizers (multi_optimizer.optimizers[i]"
                             ".learning_rate = ...).")

    lr = learning_rate

    @property
    def loss_scale_factor(self):
        return self.__dict__.get("_loss_scale_factor")

    @loss_scale_factor.setter
    def loss_scale_factor(self, value):
        self.__dict__["_loss_scale_factor"] = value
        for opt in self.__dict__.get("_inner_optimizers", ()):
            opt.loss_scale_factor = value

    @property
    def use_ema(self):
        return any(opt.use_ema for opt in self.__dict__.get("_inner_optimizers", ()))

    @use_ema.setter
    def use_ema(self, value):
        if value:
            raise ValueError("MultiOptimizer: set use_ema on the sub-optimizers.")

    # ---- building and applying ----
    def _assign(self, v):
        idx = self._var_to_optimizer.get(id(v))
        if idx is not None:
            return idx
        opt = self._optimizer_map(v)
        _check_inner(opt, "MultiOptimizer (the optimizer for variable %r)" % _var_path(v))
        for i, o in enumerate(self._inner_optimizers):
            if o is opt:
                idx = i
                break
        else:
            opt.loss_scale_factor = self.loss_scale_factor
            self._inner_optimizers.append(opt)
            idx = len(self._inner_optimizers) - 1
        self._var_to_optimizer[id(v)] = idx
        self._index[id(v)] = len(self._trainables)
        self._trainables.append(v)
        return idx

    def _split(self, var_list):
        groups = [[] for _ in self._inner_optimizers]
        for i, v in enumerate(var_list):
            idx = self._assign(v)
            while len(groups) < len(self._inner_optimizers):
                groups.append([])
            groups[idx].append(i)
        return groups

    def build(self, var_list):
        var_list = list(var_list)
        for opt, members in zip(self._inner_optimizers, self._split(var_list)):
            if members:
                opt.build([var_list[i] for i in members])
        self.built = True

    def apply(self, grads, trainable_variables=None):
        if trainable_variables is None:
            if not self._trainables:
                raise ValueError("MultiOptimizer.apply: gradients without variables need a "
                                 "built optimizer; call optimizer.build(trainable_variables) "
                                 "first, or pass the variables.")
            trainable_variables = self._trainables
        grads = list(grads)
        trainable_variables = list(trainable_variables)
        if len(grads) != len(trainable_variables):
            raise ValueError("MultiOptimizer.apply: got %d gradients for %d variables; give "
                             "one gradient per variable." % (len(grads),
                                                            len(trainable_variables)))
        if not grads:
            return
        groups = self._split(trainable_variables)
        self.built = True
        for opt, members in zip(self._inner_optimizers, groups):
            if members:
                opt.apply([grads[i] for i in members], [trainable_variables[i] for i in members])
        self._iterations._value = self._iterations._value + 1

    def update_step(self, gradient, variable, learning_rate):
        raise NotImplementedError("MultiOptimizer applies its sub-optimizers; it has no update "
                                  "step of its own.")

    def finalize_variable_values(self, var_list):
        var_list = list(var_list)
        groups = [[] for _ in self._inner_optimizers]
        for v in var_list:
            idx = self._var_to_optimizer.get(id(v))
            if idx is not None:
                groups[idx].append(v)
        for opt, members in zip(self._inner_optimizers, groups):
            if members:
                opt.finalize_variable_values(members)

    def _current_lr(self):
        return 0.0

    def __repr__(self):
        return "<MultiOptimizer name=%s optimizers=%s>" % (
            self.name, [o.name for o in self._inner_optimizers])

    # ---- config ----
    def get_config(self):
        from ndflow.keras.saving.serialization import serialize_keras_object
        return {"optimizer_map": serialize_keras_object(self._optimizer_map),
                "loss_scale_factor": self.loss_scale_factor, "name": self.name}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ndflow.keras.saving.serialization import deserialize_keras_object
        config = dict(config)
        omap = config.get("optimizer_map")
        if isinstance(omap, dict):
            omap = deserialize_keras_object(omap, custom_objects=custom_objects,
                                            kinds=("optimizers",))
        if not callable(omap):
            raise ValueError("MultiOptimizer.from_config: the saved optimizer_map (%r) could "
                             "not be rebuilt into an OptimizerMap or a function. A function "
                             "must be passed to load_model through custom_objects={name: "
                             "function}." % (config.get("optimizer_map"),))
        config["optimizer_map"] = omap
        return cls(**config)
