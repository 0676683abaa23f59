"""``Trial``: one set of hyperparameter values, its seed, metrics, score and status."""
import json
import os

import numpy as np

from ndflow.tuner import hyperparameters as hp_module
from ndflow.tuner.objective import infer_direction

FORMAT = "ndflow.tuner"
VERSION = 1


class TrialStatus:
    RUNNING = "RUNNING"
    IDLE = "IDLE"
    INVALID = "INVALID"
    STOPPED = "STOPPED"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


class MetricHistory:
    """Values of one metric by step (epoch); several values per step = several executions."""

    def __init__(self, direction="min"):
        if direction not in ("min", "max"):
            raise ValueError("MetricHistory: direction must be 'min' or 'max', got %r."
                             % (direction,))
        self.direction = direction
        self.observations = {}          # step -> list of values

    def update(self, value, step=0):
        self.observations.setdefault(int(step), []).append(float(value))

    def _means(self):
        return {s: float(np.mean(v)) for s, v in sorted(self.observations.items())}

    def get_best_value(self):
        means = [m for m in self._means().values() if not np.isnan(m)]
        if not means:
            return None
        return max(means) if self.direction == "max" else min(means)

    def get_best_step(self):
        best = self.get_best_value()
        for step, m in self._means().items():
            if m == best:
                return step
        return None

    def get_last_value(self):
        means = self._means()
        return list(means.values())[-1] if means else None

    def get_history(self):
        return [{"step": s, "value": v} for s, v in sorted(self.observations.items())]

    def get_config(self):
        return {"direction": self.direction, "observations": self.get_history()}

    @classmethod
    def from_config(cls, config):
        h = cls(config["direction"])
        for obs in config["observations"]:
            h.observations[int(obs["step"])] = [float(v) for v in obs["value"]]
        return h


class MetricsTracker:
    """``name -> MetricHistory`` for every metric a trial reported."""

    def __init__(self):
        self.metrics = {}

    def exists(self, name):
        return name in self.metrics

    def register(self, name, direction=None):
        if direction is None:
            direction = infer_direction(name) or "min"
        self.metrics[name] = MetricHistory(direction)

    def update(self, name, value, step=0):
        if name not in self.metrics:
            self.register(name)
        self.metrics[name].update(value, step)

    def _get(self, name):
        if name not in self.metrics:
            raise ValueError("Unknown metric %r; the trial reported %s."
                             % (name, sorted(self.metrics) or "no metrics"))
        return self.metrics[name]

    def get_best_value(self, name):
        return self._get(name).get_best_value()

    def get_best_step(self, name):
        return self._get(name).get_best_step()

    def get_last_value(self, name):
        return self._get(name).get_last_value()

    def get_history(self, name):
        return self._get(name).get_history()

    def get_config(self):
        return {"metrics": {n: h.get_config() for n, h in self.metrics.items()}}

    @classmethod
    def from_config(cls, config):
        t = cls()
        t.metrics = {n: MetricHistory.from_config(c) for n, c in config["metrics"].items()}
        return t


class Trial:
    """One point of the search: ``trial_id``, ``hyperparameters``, ``seed``, ``status``,
    ``metrics``, ``score`` (the best objective value) and ``best_step`` (its epoch)."""

    def __init__(self, hyperparameters, trial_id=None, status=TrialStatus.RUNNING, seed=None):
        self.hyperparameters = hyperparameters
        self.trial_id = trial_id
        self.status = status
        self.seed = seed
        self.metrics = MetricsTracker()
        self.score = None
        self.best_step = None
        self.message = None

    def summary(self):
        print("Trial %s summary" % self.trial_id)
        print("Hyperparameters:")
        for name, value in self.hyperparameters.values.items():
            print("%s: %s" % (name, value))
        if self.score is not None:
            print("Score: %s" % self.score)
        if self.message:
            print(self.message)

    def display_hyperparameters(self):
        for name, value in self.hyperparameters.values.items():
            print("%s: %s" % (name, value))

    def get_state(self):
        return {
            "format": FORMAT, "version": VERSION,
            "trial_id": self.trial_id,
            "seed": self.seed,
            "hyperparameters": self.hyperparameters.get_config(),
            "metrics": self.metrics.get_config(),
            "score": self.score,
            "best_step": self.best_step,
            "status": self.status,
            "message": self.message,
        }

    def set_state(self, state):
        check_version(state, "trial")
        self.trial_id = state["trial_id"]
        self.seed = state["seed"]
        self.hyperparameters = hp_module.HyperParameters.from_config(state["hyperparameters"])
        self.metrics = MetricsTracker.from_config(state["metrics"])
        self.score = state["score"]
        self.best_step = state["best_step"]
        self.status = state["status"]
        self.message = state.get("message")

    @classmethod
    def from_state(cls, state):
        trial = cls(hp_module.HyperParameters())
        trial.set_state(state)
        return trial

    def save(self, fname):
        write_json(fname, self.get_state())

    @classmethod
    def load(cls, fname):
        return cls.from_state(read_json(fname))

    def __repr__(self):
        return "Trial(trial_id=%r, status=%r, score=%r)" % (self.trial_id, self.status,
                                                           self.score)


def check_version(state, what):
    if state.get("format") != FORMAT or state.get("version") != VERSION:
        raise RuntimeError(
            "This %s state was written by %s version %s, and this ndflow.tuner reads %s "
            "version %s. Pass overwrite=True to the tuner (or another project_name) to "
            "start a new search." % (what, state.get("format"), state.get("version"),
                                     FORMAT, VERSION))


def _default(o):
    if isinstance(o, np.generic):
        return o.item()
    raise TypeError("ndflow.tuner cannot write %r (%s) to JSON." % (o, type(o).__name__))


def write_json(fname, obj):
    """Write atomically: a search killed mid-write never leaves a broken file."""
    tmp = "%s.tmp%d" % (fname, os.getpid())
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=1, default=_default)
    os.replace(tmp, fname)


def read_json(fname):
    with open(fname, encoding="utf-8") as f:
        return json.load(f)
