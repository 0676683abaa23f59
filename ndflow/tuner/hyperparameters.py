"""Hyperparameters: the search space and the values of one trial.

A ``HyperParameters`` object is both: ``space`` lists the declared hyperparameters
(``Int``, ``Float``, ``Choice``, ``Boolean``, ``Fixed``), ``values`` maps the names of
the active ones to their current values.  ``hp.Int("units", 32, 128, step=32)`` inside
a build function registers the hyperparameter the first time and returns its value
(the default until an oracle fills ``values``).

Every numerical hyperparameter maps a "probability" ``p`` in ``[0, 1)`` to a value and
back (``prob_to_value`` / ``value_to_prob``): random search draws ``p`` uniformly,
Bayesian optimization models the objective in this unit cube.
"""
import contextlib
import math

import numpy as np

_SAMPLINGS = ("linear", "log", "reverse_log")


def _clean_float(x):
    """Drop the rounding noise of ``min + i * step`` (0.30000000000000004 -> 0.3)."""
    return float("%.12g" % x)


def _prob_to_index(prob, n):
    return min(int(math.floor(prob * n)), n - 1)


def _index_to_prob(index, n):
    return (index + 0.5) / n


class Condition:
    """``Parent(name, values)``: active when hyperparameter ``name`` has one of ``values``."""

    def __init__(self, name, values):
        if not isinstance(values, (list, tuple)):
            values = [values]
        self.name = name
        self.values = list(values)

    def is_active(self, values):
        return self.name in values and values[self.name] in self.values

    def __eq__(self, other):
        return (isinstance(other, Condition) and self.name == other.name
                and self.values == other.values)

    def __hash__(self):
        return hash((self.name, tuple(map(str, self.values))))

    def __repr__(self):
        return "Parent(name=%r, values=%r)" % (self.name, self.values)

    def get_config(self):
        return {"class_name": "Parent", "config": {"name": self.name, "values": self.values}}

    @classmethod
    def from_config(cls, config):
        config = config.get("config", config)
        return cls(config["name"], config["values"])


Parent = Condition


class HyperParameter:
    """Base class: a name, a default and the conditions under which it is active."""

    def __init__(self, name, default=None, conditions=None):
        if not isinstance(name, str) or not name:
            raise ValueError("HyperParameter: `name` must be a non-empty string, got %r."
                             % (name,))
        self.name = name
        self._default = default
        self.conditions = [c if isinstance(c, Condition) else Condition.from_config(c)
                           for c in (conditions or [])]

    @property
    def default(self):
        return self._default

    def random_sample(self, seed=None):
        """A random value; ``seed`` is an int or a ``numpy.random.Generator``."""
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        return self.prob_to_value(float(rng.random()))

    def get_config(self):
        return {"name": self.name, "default": self._default,
                "conditions": [c.get_config() for c in self.conditions]}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join("%s=%r" % kv for kv in self.get_config().items() if kv[0] != "name")
        return "%s(name=%r, %s)" % (type(self).__name__, self.name, args)


class Choice(HyperParameter):
    """One value among ``values`` (ints, floats, strings or bools, all of one type)."""

    def __init__(self, name, values, ordered=None, default=None, conditions=None):
        super().__init__(name, default, conditions)
        if not isinstance(values, (list, tuple)) or not values:
            raise ValueError("Choice %r: `values` must be a non-empty list, got %r."
                             % (name, values))
        kinds = {bool if isinstance(v, bool) else
                 (int if isinstance(v, (int, np.integer)) else
                  float if isinstance(v, (float, np.floating)) else
                  str if isinstance(v, str) else None) for v in values}
        if None in kinds:
            raise TypeError("Choice %r: values must be int, float, str or bool, got %r."
                            % (name, values))
        if len(kinds) > 1 and kinds != {int, float}:
            raise TypeError("Choice %r: all values must have one type (int/float, str or "
                            "bool), got %r." % (name, values))
        if kinds == {int}:
            values = [int(v) for v in values]
        elif float in kinds:
            values = [float(v) for v in values]
        self.values = list(values)
        numeric = kinds <= {int, float}
        if ordered is None:
            ordered = numeric
        if ordered and not numeric:
            raise ValueError("Choice %r: `ordered=True` needs numerical values, got %r."
                             % (name, values))
        self.ordered = bool(ordered)
        if default is not None and default not in self.values:
            raise ValueError("Choice %r: default %r is not one of the values %r."
                             % (name, default, self.values))

    @property
    def default(self):
        return self.values[0] if self._default is None else self._default

    def prob_to_value(self, prob):
        return self.values[_prob_to_index(prob, len(self.values))]

    def value_to_prob(self, value):
        return _index_to_prob(self.values.index(value), len(self.values))

    @property
    def grid(self):
        return list(self.values)

    def get_config(self):
        config = super().get_config()
        config.update(values=self.values, ordered=self.ordered)
        return config


class Boolean(HyperParameter):
    """``True`` or ``False`` (default ``False``)."""

    def __init__(self, name, default=False, conditions=None):
        if not isinstance(default, bool):
            raise ValueError("Boolean %r: default must be True or False, got %r."
                             % (name, default))
        super().__init__(name, default, conditions)

    def prob_to_value(self, prob):
        return bool(prob >= 0.5)

    def value_to_prob(self, value):
        return 0.75 if value else 0.25

    @property
    def grid(self):
        return [False, True]


class Fixed(HyperParameter):
    """A value that is not tuned (kept in the space so that it is recorded)."""

    def __init__(self, name, value, conditions=None, default=None):
        if isinstance(value, np.generic):
            value = value.item()
        if not isinstance(value, (bool, int, float, str)) and value is not None:
            raise TypeError("Fixed %r: value must be an int, float, str, bool or None, got %r."
                            % (name, value))
        super().__init__(name, value, conditions)
        self.value = value

    def prob_to_value(self, prob):
        return self.value

    def value_to_prob(self, value):
        return 0.5

    @property
    def grid(self):
        return [self.value]

    def get_config(self):
        return {"name": self.name, "value": self.value,
                "conditions": [c.get_config() for c in self.conditions]}


class _Numerical(HyperParameter):
    """``Int`` and ``Float``: a range with optional ``step`` and ``sampling``."""

    def __init__(self, name, min_value, max_value, step=None, sampling="linear",
                 default=None, conditions=None):
        super().__init__(name, default, conditions)
        kind = type(self).__name__
        if sampling is None:
            sampling = "linear"
        sampling = str(sampling).lower()
        if sampling not in _SAMPLINGS:
            raise ValueError("%s %r: `sampling` must be one of %s, got %r."
                             % (kind, name, ", ".join(_SAMPLINGS), sampling))
        if min_value > max_value:
            raise ValueError("%s %r: min_value=%r is larger than max_value=%r."
                             % (kind, name, min_value, max_value))
        if sampling != "linear" and min_value <= 0:
            raise ValueError("%s %r: sampling=%r needs min_value > 0, got %r; use "
                             "sampling='linear' or a positive range."
                             % (kind, name, sampling, min_value))
        if step is not None:
            if step <= 0:
                raise ValueError("%s %r: `step` must be positive, got %r." % (kind, name, step))
            if sampling != "linear" and step <= 1:
                raise ValueError("%s %r: with sampling=%r, `step` is a multiplier and must "
                                 "be > 1, got %r." % (kind, name, sampling, step))
        self.min_value = min_value
        self.max_value = max_value
        self.step = step
        self.sampling = sampling
        if default is not None and not (min_value <= default <= max_value):
            raise ValueError("%s %r: default %r is outside [%r, %r]."
                             % (kind, name, default, min_value, max_value))

    @property
    def default(self):
        return self.min_value if self._default is None else self._default

    # -- continuous mapping [0, 1] <-> [min, hi] ----------------------------------------
    def _continuous(self, prob, hi):
        lo = self.min_value
        if self.sampling == "linear":
            return lo + prob * (hi - lo)
        if self.sampling == "log":
            return lo * (hi / lo) ** prob
        return hi + lo - lo * (hi / lo) ** (1.0 - prob)           # reverse_log

    def _continuous_inverse(self, value, hi):
        lo = self.min_value
        if hi == lo:
            return 0.5
        if self.sampling == "linear":
            return (value - lo) / (hi - lo)
        if self.sampling == "log":
            return math.log(value / lo) / math.log(hi / lo)
        return 1.0 - math.log((hi + lo - value) / lo) / math.log(hi / lo)

    # -- the grid of values when ``step`` is given -------------------------------------
    def _n_steps(self):
        lo, hi, step = self.min_value, self.max_value, self.step
        if self.sampling == "linear":
            return int(math.floor((hi - lo) / step + 1e-9)) + 1
        return int(math.floor(math.log(hi / lo) / math.log(step) + 1e-9)) + 1

    def _step_value(self, index):
        lo, hi, step = self.min_value, self.max_value, self.step
        if self.sampling == "linear":
            return lo + index * step
        if self.sampling == "log":
            return lo * step ** index
        return hi + lo - lo * step ** index                        # reverse_log

    def _step_index(self, value):
        lo, hi, step = self.min_value, self.max_value, self.step
        if self.sampling == "linear":
            x = (value - lo) / step
        elif self.sampling == "log":
            x = math.log(value / lo) / math.log(step)
        else:
            x = math.log((hi + lo - value) / lo) / math.log(step)
        return min(max(int(round(x)), 0), self._n_steps() - 1)

    def get_config(self):
        config = super().get_config()
        config.update(min_value=self.min_value, max_value=self.max_value, step=self.step,
                      sampling=self.sampling)
        return config


class Int(_Numerical):
    """An integer in ``[min_value, max_value]`` (both included).

    ``step`` is the distance between values (a multiplier with ``sampling="log"``);
    without it every integer can be drawn.  Default: ``min_value``.
    """

    def __init__(self, name, min_value, max_value, step=None, sampling="linear",
                 default=None, conditions=None):
        min_value = _as_int(min_value, name, "min_value")
        max_value = _as_int(max_value, name, "max_value")
        if step is not None:
            step = _as_int(step, name, "step")
        elif sampling in (None, "linear"):
            step = 1
        if default is not None:
            default = _as_int(default, name, "default")
        super().__init__(name, min_value, max_value, step, sampling, default, conditions)

    def prob_to_value(self, prob):
        if self.step is None:
            # draw in [min, max + 1) and round down so that max_value can come out
            return min(int(self._continuous(prob, self.max_value + 1)), self.max_value)
        return int(round(self._step_value(_prob_to_index(prob, self._n_steps()))))

    def value_to_prob(self, value):
        if self.step is None:
            return self._continuous_inverse(value + 0.5, self.max_value + 1)
        return _index_to_prob(self._step_index(value), self._n_steps())

    @property
    def grid(self):
        if self.step is not None:
            return [int(round(self._step_value(i))) for i in range(self._n_steps())]
        values = [self.prob_to_value(i / 10.0 + 0.05) for i in range(10)]
        return sorted(set(values))


class Float(_Numerical):
    """A float in ``[min_value, max_value]``; ``step`` as for ``Int``.  Default: ``min_value``."""

    def __init__(self, name, min_value, max_value, step=None, sampling="linear",
                 default=None, conditions=None):
        step = None if step is None else float(step)
        default = None if default is None else float(default)
        super().__init__(name, float(min_value), float(max_value), step, sampling, default,
                         conditions)

    def prob_to_value(self, prob):
        if self.step is None:
            value = self._continuous(prob, self.max_value)
        else:
            value = _clean_float(self._step_value(_prob_to_index(prob, self._n_steps())))
        return min(max(value, self.min_value), self.max_value)

    def value_to_prob(self, value):
        if self.step is None:
            return self._continuous_inverse(value, self.max_value)
        return _index_to_prob(self._step_index(value), self._n_steps())

    @property
    def grid(self):
        if self.step is not None:
            return [_clean_float(self._step_value(i)) for i in range(self._n_steps())]
        return [self._continuous(i / 9.0, self.max_value) for i in range(10)]


def _as_int(value, name, arg):
    if isinstance(value, bool) or int(value) != value:
        raise ValueError("Int %r: `%s` must be an integer, got %r." % (name, arg, value))
    return int(value)


_CLASSES = {c.__name__: c for c in (Int, Float, Choice, Boolean, Fixed)}


def deserialize(config):
    cls = _CLASSES.get(config.get("class_name"))
    if cls is None:
        raise ValueError("Unknown hyperparameter class %r; expected one of %s."
                         % (config.get("class_name"), sorted(_CLASSES)))
    return cls.from_config(config["config"])


def serialize(hp):
    return {"class_name": type(hp).__name__, "config": hp.get_config()}


class HyperParameters:
    """The search space (``space``) and the active values of one trial (``values``)."""

    def __init__(self):
        self._space = []
        self._by_name = {}          # name -> list of hyperparameters (differing conditions)
        self._conditions = []       # conditions of the open conditional_scope()s
        self._name_scopes = []
        self.values = {}
        self.active_scopes = []
        self.inactive_scopes = []

    # -- scopes ---------------------------------------------------------------------
    @contextlib.contextmanager
    def name_scope(self, name):
        self._name_scopes.append(str(name))
        try:
            yield
        finally:
            self._name_scopes.pop()

    @contextlib.contextmanager
    def conditional_scope(self, parent_name, parent_values):
        """Hyperparameters created inside are active only when ``parent_name`` takes one
        of ``parent_values``; when inactive they return ``None``."""
        parent_name = self._full_name(parent_name)
        if parent_name not in self._by_name:
            raise ValueError("conditional_scope: the parent hyperparameter %r is not defined; "
                             "create it (e.g. hp.Choice(%r, [...])) before the scope."
                             % (parent_name, parent_name))
        condition = Condition(parent_name, parent_values)
        self._conditions.append(condition)
        scopes = self.active_scopes if self._active(self._conditions) else self.inactive_scopes
        scopes.append(list(self._conditions))
        try:
            yield
        finally:
            self._conditions.pop()

    @contextlib.contextmanager
    def _maybe_scope(self, parent_name, parent_values):
        if parent_name is None:
            yield
        else:
            with self.conditional_scope(parent_name, parent_values):
                yield

    def _full_name(self, name):
        return "/".join(self._name_scopes + [str(name)])

    def _active(self, conditions):
        return all(c.is_active(self.values) for c in conditions)

    def is_active(self, hp):
        """Whether ``hp`` (a HyperParameter or a name) is active for the current values."""
        if isinstance(hp, HyperParameter):
            return self._active(hp.conditions)
        return any(self._active(h.conditions) for h in self._by_name.get(str(hp), []))

    def _find(self, name, conditions):
        for hp in self._by_name.get(name, []):
            if hp.conditions == conditions:
                return hp
        return None

    # -- registration ---------------------------------------------------------------
    def _retrieve(self, hp):
        existing = self._find(hp.name, hp.conditions)
        if existing is None:
            return self._register(hp)
        if not self._active(existing.conditions):
            return None
        if hp.name not in self.values:
            self.values[hp.name] = existing.default
        return self.values[hp.name]

    def _register(self, hp, overwrite=False):
        for c in self._conditions:
            if c.name == hp.name:
                raise ValueError("A conditional hyperparameter cannot have the same name as "
                                 "its parent: %r." % hp.name)
        hp = deserialize(serialize(hp))          # an independent copy
        self._by_name.setdefault(hp.name, []).append(hp)
        self._space.append(hp)
        if self._active(hp.conditions):
            if overwrite or hp.name not in self.values:
                self.values[hp.name] = hp.default
            return self.values[hp.name]
        return None

    def Int(self, name, min_value, max_value, step=None, sampling="linear", default=None,
            parent_name=None, parent_values=None):
        with self._maybe_scope(parent_name, parent_values):
            return self._retrieve(Int(self._full_name(name), min_value, max_value, step,
                                      sampling, default, list(self._conditions)))

    def Float(self, name, min_value, max_value, step=None, sampling="linear", default=None,
              parent_name=None, parent_values=None):
        with self._maybe_scope(parent_name, parent_values):
            return self._retrieve(Float(self._full_name(name), min_value, max_value, step,
                                        sampling, default, list(self._conditions)))

    def Choice(self, name, values, ordered=None, default=None, parent_name=None,
               parent_values=None):
        with self._maybe_scope(parent_name, parent_values):
            return self._retrieve(Choice(self._full_name(name), values, ordered, default,
                                         list(self._conditions)))

    def Boolean(self, name, default=False, parent_name=None, parent_values=None):
        with self._maybe_scope(parent_name, parent_values):
            return self._retrieve(Boolean(self._full_name(name), default,
                                          list(self._conditions)))

    def Fixed(self, name, value, parent_name=None, parent_values=None):
        with self._maybe_scope(parent_name, parent_values):
            return self._retrieve(Fixed(self._full_name(name), value,
                                        list(self._conditions)))

    # -- access ---------------------------------------------------------------------
    def get(self, name):
        """The current value of ``name``; an error if it is unknown or inactive."""
        name = self._full_name(name)
        if name in self.values:
            return self.values[name]
        if name in self._by_name:
            raise ValueError("Hyperparameter %r is inactive for the current values (its "
                             "parent condition is not met)." % name)
        raise KeyError("Hyperparameter %r does not exist; known: %s"
                       % (name, sorted(self._by_name) or "none"))

    def __getitem__(self, name):
        return self.get(name)

    def __contains__(self, name):
        try:
            self.get(name)
            return True
        except (KeyError, ValueError):
            return False

    @property
    def space(self):
        return self._space

    def ensure_active_values(self):
        """Give active hyperparameters without a value their default; drop inactive ones."""
        for hp in self._space:
            if self.is_active(hp):
                self.values.setdefault(hp.name, hp.default)
            elif hp.name in self.values and not self.is_active(hp.name):
                del self.values[hp.name]

    def merge(self, hps, overwrite=True):
        """Add ``hps`` (a HyperParameters or a list) to this space."""
        if isinstance(hps, HyperParameters):
            hps = hps.space
        for hp in hps:
            existing = self._find(hp.name, hp.conditions)
            if existing is not None:
                if not overwrite:
                    continue
                self._space.remove(existing)
                self._by_name[hp.name].remove(existing)
            self._register(hp, overwrite)

    def get_config(self):
        return {"space": [serialize(hp) for hp in self._space], "values": dict(self.values)}

    @classmethod
    def from_config(cls, config):
        hps = cls()
        for item in config["space"]:
            hp = deserialize(item)
            hps._by_name.setdefault(hp.name, []).append(hp)
            hps._space.append(hp)
        hps.values = dict(config.get("values", {}))
        return hps

    def copy(self):
        return HyperParameters.from_config(self.get_config())

    def __repr__(self):
        return "HyperParameters(values=%r)" % (self.values,)
