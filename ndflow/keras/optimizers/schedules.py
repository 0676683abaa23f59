"""Learning-rate schedules (``keras.optimizers.schedules``): ``schedule(step)`` gives the
learning rate for a step; pass one as ``learning_rate=`` to any optimizer."""
import math

import numpy as np

from ndflow.core.tensor import Tensor


def _step(step):
    if isinstance(step, Tensor):
        return float(step._value)
    return float(step)


def _out(value):
    t = Tensor.__new__(Tensor)
    t._value = np.asarray(value, dtype=np.float32)
    return t


class LearningRateSchedule:
    """Base class: implement ``__call__(step)`` and ``get_config()``."""

    def __call__(self, step):
        raise NotImplementedError("%s must implement __call__(step)." % type(self).__name__)

    def _value(self, step):
        """The learning rate at ``step`` as a Python float (used by the optimizers)."""
        out = self(step)
        return float(out._value) if isinstance(out, Tensor) else float(out)

    def get_config(self):
        raise NotImplementedError("%s must implement get_config()." % type(self).__name__)

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class ExponentialDecay(LearningRateSchedule):
    """initial_learning_rate * decay_rate ** (step / decay_steps) (floored when staircase)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        if decay_steps <= 0:
            raise ValueError("ExponentialDecay: decay_steps must be > 0, got %r" % decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        p = _step(step) / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return _out(self.initial_learning_rate * self.decay_rate ** p)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """values[0] for step <= boundaries[0], values[1] up to boundaries[1], ... values[-1]."""

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "PiecewiseConstantDecay: values must have exactly one more element than "
                "boundaries, got %d boundaries and %d values." % (len(boundaries), len(values)))
        self.boundaries = list(boundaries)
        self.values = list(values)
        self.name = name

    def __call__(self, step):
        s = _step(step)
        for b, v in zip(self.boundaries, self.values):
            if s <= b:
                return _out(v)
        return _out(self.values[-1])

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """(initial - end) * (1 - step / decay_steps) ** power + end."""

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        s = _step(step)
        steps = float(self.decay_steps)
        if self.cycle:
            mult = 1.0 if s == 0 else math.ceil(s / steps)
            steps = steps * mult
        else:
            s = min(s, steps)
        frac = 1 - s / steps
        return _out((self.initial_learning_rate - self.end_learning_rate) * frac ** self.power
                    + self.end_learning_rate)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """initial_learning_rate / (1 + decay_rate * step / decay_steps)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        p = _step(step) / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return _out(self.initial_learning_rate / (1 + self.decay_rate * p))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Cosine from the initial rate (or ``warmup_target`` after a linear warmup) down to
    ``alpha`` times it over ``decay_steps``."""

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps

    def __call__(self, step):
        s = _step(step)
        if self.warmup_target is not None and s < self.warmup_steps:
            frac = s / self.warmup_steps
            return _out(self.initial_learning_rate +
                        (self.warmup_target - self.initial_learning_rate) * frac)
        initial = self.initial_learning_rate
        if self.warmup_target is not None:
            initial = self.warmup_target
            s = s - self.warmup_steps
        s = min(s, self.decay_steps)
        cosine = 0.5 * (1.0 + math.cos(math.pi * s / self.decay_steps))
        return _out(initial * ((1 - self.alpha) * cosine + self.alpha))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR): periods grow by ``t_mul``, peaks by ``m_mul``."""

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0,
                 alpha=0.0, name="SGDRDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step):
        frac = _step(step) / self.first_decay_steps
        if self._t_mul == 1.0:
            i = math.floor(frac)
            frac -= i
        else:
            i = math.floor(math.log(1 - frac * (1 - self._t_mul)) / math.log(self._t_mul))
            done = (1 - self._t_mul ** i) / (1 - self._t_mul)
            frac = (frac - done) / self._t_mul ** i
        cosine = 0.5 * self._m_mul ** i * (1 + math.cos(math.pi * frac))
        return _out(self.initial_learning_rate * ((1 - self.alpha) * cosine + self.alpha))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self._t_mul,
                "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}


_CLASSES = {c.__name__: c for c in (LearningRateSchedule, ExponentialDecay,
                                     PiecewiseConstantDecay, PolynomialDecay, InverseTimeDecay,
                                     CosineDecay, CosineDecayRestarts)}


def serialize(schedule):
    return {"module": "keras.optimizers.schedules", "class_name": type(schedule).__name__,
            "config": schedule.get_config(), "registered_name": None}


def deserialize(config, custom_objects=None):
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or _CLASSES.get(name)
    if cls is None:
        from ndflow.keras.saving import registry
        cls = registry.get_registered_object(config.get("registered_name") or name,
                                             custom_objects)
    if cls is None:
        raise ValueError("Unknown learning rate schedule %r. Built-in schedules: %s. Register "
                         "custom ones with keras.saving.register_keras_serializable."
                         % (name, ", ".join(sorted(_CLASSES))))
    return cls.from_config(config["config"])
