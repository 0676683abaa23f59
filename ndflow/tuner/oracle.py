"""``Oracle``: decides which hyperparameter values each trial tries, and keeps the search
state in ``directory/project_name/oracle.json`` (plus ``trial_*/trial.json``) so that a
killed search resumes where it stopped.
"""
import collections
import hashlib
import json
import os
import random

import numpy as np

from ndflow.tuner import hyperparameters as hp_module
from ndflow.tuner import objective as obj_module
from ndflow.tuner.trial import (Trial, TrialStatus, check_version, read_json, write_json,
                                FORMAT, VERSION)


class Oracle:
    """Base class of the search algorithms; subclasses implement ``populate_space``.

    Args:
        objective: a metric name (direction inferred) or ``Objective(name, direction)``.
        max_trials: the most trials to create (``None``: until the algorithm stops).
        hyperparameters: an optional ``HyperParameters`` declaring (part of) the space.
        allow_new_entries / tune_new_entries: as in keras-tuner.
        seed: the seed of the search; every trial's own seed derives from it.
        max_retries_per_trial, max_consecutive_failed_trials: failure handling.
    """

    def __init__(self, objective=None, max_trials=None, hyperparameters=None,
                 allow_new_entries=True, tune_new_entries=True, seed=None,
                 max_retries_per_trial=0, max_consecutive_failed_trials=3):
        self.objective = obj_module.create_objective(objective)
        if max_trials is not None and (int(max_trials) != max_trials or max_trials < 1):
            raise ValueError("%s: max_trials must be a positive integer or None, got %r."
                             % (type(self).__name__, max_trials))
        self.max_trials = max_trials
        if hyperparameters is None:
            if not tune_new_entries or not allow_new_entries:
                raise ValueError("%s: with tune_new_entries=False or allow_new_entries=False "
                                 "pass the search space as `hyperparameters=`."
                                 % type(self).__name__)
            hyperparameters = hp_module.HyperParameters()
        self.hyperparameters = hyperparameters.copy()
        self.allow_new_entries = allow_new_entries
        self.tune_new_entries = tune_new_entries
        self.seed = int(seed) if seed is not None else random.randint(1, 10000)
        self._seed_state = 0
        self.max_retries_per_trial = max_retries_per_trial
        self.max_consecutive_failed_trials = max_consecutive_failed_trials
        self._max_collisions = 20

        self.trials = {}
        self.ongoing_trials = {}          # tuner_id -> Trial
        self.start_order = []
        self.end_order = []
        self._run_times = collections.defaultdict(int)
        self._retry_queue = []
        self._tried_so_far = set()
        self._id_to_hash = {}
        self._project_dir = None
        self.verbose = 1

    # -- the algorithm ---------------------------------------------------------------
    def populate_space(self, trial_id):
        """Return ``{"status": "RUNNING"|"IDLE"|"STOPPED", "values": {...}}``."""
        raise NotImplementedError

    def score_trial(self, trial):
        trial.score = trial.metrics.get_best_value(self.objective.name)
        trial.best_step = trial.metrics.get_best_step(self.objective.name)

    def _draw(self):
        """The next number of the oracle's random stream (deterministic given its seed)."""
        u = float(np.random.default_rng([self.seed, self._seed_state]).random())
        self._seed_state += 1
        return u

    def _random_values(self):
        """Random values for the active hyperparameters, not tried before (``None`` when
        ``_max_collisions`` draws in a row repeated earlier trials)."""
        collisions = 0
        while True:
            hps = hp_module.HyperParameters()
            for hp in self.hyperparameters.space:
                hps.merge([hp])
                if hps.is_active(hp):
                    hps.values[hp.name] = hp.prob_to_value(self._draw())
            if self._values_hash(hps.values) in self._tried_so_far:
                collisions += 1
                if collisions > self._max_collisions:
                    return None
                continue
            return hps.values

    # -- trials ----------------------------------------------------------------------
    def _trial_seed(self, values):
        """A trial's seed follows from the search seed and the trial's values, not from
        its id: parallel workers that create trials in another order still give every
        trial with the same values the same seed (and so the same result)."""
        key = json.dumps(sorted((str(k), repr(v)) for k, v in values.items()))
        digest = hashlib.sha256(("%d|%s" % (self.seed, key)).encode("utf-8")).digest()
        return int.from_bytes(digest[:4], "little") & 0x7FFFFFFF

    def _format_id(self, number):
        return "{:0{}d}".format(number, len(str(self.max_trials)))

    def create_trial(self, tuner_id):
        """A new ``Trial`` for the tuner ``tuner_id`` (status RUNNING, IDLE or STOPPED)."""
        if tuner_id in self.ongoing_trials:
            return self.ongoing_trials[tuner_id]
        if self._retry_queue:
            trial = self.trials[self._retry_queue.pop(0)]
            trial.status = TrialStatus.RUNNING
            self.ongoing_trials[tuner_id] = trial
            self._save_trial(trial)
            self.save()
            return trial

        trial_id = self._format_id(len(self.trials))
        if self.max_trials and len(self.trials) >= self.max_trials:
            response = {"status": TrialStatus.STOPPED}
        else:
            response = self.populate_space(trial_id)
        status = response["status"]
        hps = self.hyperparameters.copy()
        hps.values = dict(response.get("values") or {})
        trial = Trial(hps, trial_id=trial_id, status=status, seed=self._trial_seed(hps.values))
        if status == TrialStatus.RUNNING:
            self._record_values(trial)
            self.trials[trial_id] = trial
            self.ongoing_trials[tuner_id] = trial
            self.start_order.append(trial_id)
            self._save_trial(trial)
            self.save()
        return trial

    def update_trial(self, trial_id, metrics, step=0):
        """Record ``metrics`` (a dict with the objective) of a trial at ``step``."""
        trial = self.trials[trial_id]
        if self.objective.name not in metrics:
            raise ValueError("The metrics reported for trial %s lack the objective %r; got %s. "
                             "Check the objective name (e.g. 'val_accuracy' needs "
                             "validation_data and metrics=['accuracy'])."
                             % (trial_id, self.objective.name, sorted(metrics)))
        for name, value in metrics.items():
            if not trial.metrics.exists(name):
                direction = (self.objective.direction if name == self.objective.name
                             else None)
                trial.metrics.register(name, direction)
            trial.metrics.update(name, value, step)
        return trial          # written to disk by end_trial

    def end_trial(self, trial, status=None, message=None):
        """Finish a trial: score it (COMPLETED) or send it for a retry (INVALID)."""
        if isinstance(trial, str):
            trial_id = trial
            trial = self.trials[trial_id]
            trial.status = status or TrialStatus.COMPLETED
            if message is not None:
                trial.message = message
        own = self.trials[trial.trial_id]
        if own is not trial:
            own.hyperparameters = trial.hyperparameters
            own.status = trial.status
            own.message = trial.message
            trial = own
        self.update_space(trial.hyperparameters)
        if trial.status == TrialStatus.COMPLETED:
            self.score_trial(trial)
            if trial.score is None or np.isnan(trial.score):
                trial.status = TrialStatus.INVALID
                trial.message = trial.message or "the objective value is NaN"
        self._record_values(trial)
        self._run_times[trial.trial_id] += 1
        if trial.status == TrialStatus.INVALID:
            if self._run_times[trial.trial_id] <= self.max_retries_per_trial:
                self._retry_queue.append(trial.trial_id)
            else:
                trial.status = TrialStatus.FAILED
        if trial.trial_id not in self._retry_queue:
            self.end_order.append(trial.trial_id)
        for tuner_id, t in list(self.ongoing_trials.items()):
            if t.trial_id == trial.trial_id:
                del self.ongoing_trials[tuner_id]
        self._save_trial(trial)
        self.save()
        self._check_consecutive_failures()
        return trial

    def _check_consecutive_failures(self):
        streak = 0
        for trial_id in self.end_order:
            trial = self.trials[trial_id]
            streak = streak + 1 if trial.status == TrialStatus.FAILED else 0
            if streak >= self.max_consecutive_failed_trials:
                raise RuntimeError("%d trials in a row failed; the last one said:\n%s"
                                   % (streak, trial.message or "(no message)"))

    def update_space(self, hyperparameters):
        """Add hyperparameters that a build registered to the search space."""
        new = [hp for hp in hyperparameters.space
               if self.hyperparameters._find(hp.name, hp.conditions) is None]
        if new and not self.allow_new_entries:
            raise RuntimeError("allow_new_entries=False, but the model requested new "
                               "hyperparameters: %s" % [hp.name for hp in new])
        if new and self.tune_new_entries:
            self.hyperparameters.merge(new)

    def get_space(self):
        return self.hyperparameters.copy()

    def get_trial(self, trial_id):
        return self.trials[trial_id]

    def get_best_trials(self, num_trials=1):
        """The ``num_trials`` best completed trials, best first."""
        done = [t for t in self.trials.values() if t.status == TrialStatus.COMPLETED]
        done.sort(key=lambda t: t.score, reverse=self.objective.direction == "max")
        if len(done) < num_trials:
            done += [t for t in self.trials.values() if t.status != TrialStatus.COMPLETED]
        return done[:num_trials]

    def remaining_trials(self):
        return self.max_trials - len(self.trials) if self.max_trials else None

    def _values_hash(self, values):
        s = "".join("%s=%s" % (k, values[k]) for k in sorted(values))
        return hashlib.sha256(s.encode("utf-8")).hexdigest()[:32]

    def _record_values(self, trial):
        trial.hyperparameters.ensure_active_values()
        h = self._values_hash(trial.hyperparameters.values)
        self._tried_so_far.add(h)
        old = self._id_to_hash.get(trial.trial_id)
        self._id_to_hash[trial.trial_id] = h
        if old is not None and old != h and old not in self._id_to_hash.values():
            self._tried_so_far.discard(old)

    # -- state -----------------------------------------------------------------------
    def get_state(self):
        return {
            "format": FORMAT, "version": VERSION, "oracle": type(self).__name__,
            "objective": self.objective.get_config(),
            "max_trials": self.max_trials,
            "hyperparameters": self.hyperparameters.get_config(),
            "seed": self.seed, "seed_state": self._seed_state,
            "ongoing_trials": {k: t.trial_id for k, t in self.ongoing_trials.items()},
            "start_order": self.start_order, "end_order": self.end_order,
            "run_times": dict(self._run_times), "retry_queue": self._retry_queue,
            "tried_so_far": sorted(self._tried_so_far), "id_to_hash": self._id_to_hash,
        }

    def set_state(self, state):
        check_version(state, "oracle")
        if state["oracle"] != type(self).__name__:
            raise RuntimeError("The project holds a %s search, not a %s one; pass "
                               "overwrite=True or another project_name."
                               % (state["oracle"], type(self).__name__))
        self.hyperparameters = hp_module.HyperParameters.from_config(state["hyperparameters"])
        self.seed = state["seed"]
        self._seed_state = state["seed_state"]
        self.ongoing_trials = {k: self.trials[v] for k, v in state["ongoing_trials"].items()}
        self.start_order = list(state["start_order"])
        self.end_order = list(state["end_order"])
        self._run_times = collections.defaultdict(int, state["run_times"])
        self._retry_queue = list(state["retry_queue"])
        self._tried_so_far = set(state["tried_so_far"])
        self._id_to_hash = dict(state["id_to_hash"])

    def _set_project_dir(self, directory, project_name, overwrite=False):
        self._project_dir = os.path.join(str(directory), str(project_name))
        os.makedirs(self._project_dir, exist_ok=True)

    @property
    def project_dir(self):
        return self._project_dir

    def _oracle_fname(self):
        return os.path.join(self._project_dir, "oracle.json")

    def _trial_dir(self, trial_id):
        d = os.path.join(self._project_dir, "trial_%s" % trial_id)
        os.makedirs(d, exist_ok=True)
        return d

    def _save_trial(self, trial):
        if self._project_dir is not None:
            trial.save(os.path.join(self._trial_dir(trial.trial_id), "trial.json"))

    def save(self):
        if self._project_dir is not None:
            write_json(self._oracle_fname(), self.get_state())

    def reload(self):
        """Load the saved state; trials that were running when the search stopped are
        queued to run again (with the same values and seed)."""
        state = read_json(self._oracle_fname())
        check_version(state, "oracle")
        self.trials = {}
        for name in sorted(os.listdir(self._project_dir)):
            fname = os.path.join(self._project_dir, name, "trial.json")
            if name.startswith("trial_") and os.path.exists(fname):
                trial = Trial.load(fname)
                self.trials[trial.trial_id] = trial
        self.set_state(state)
        for trial in self.ongoing_trials.values():
            if trial.trial_id not in self._retry_queue:
                self._retry_queue.append(trial.trial_id)
        self.ongoing_trials = {}

    def _exists_on_disk(self):
        return self._project_dir is not None and os.path.exists(self._oracle_fname())


class RandomSearchOracle(Oracle):
    """Every trial draws fresh random values (never repeating an earlier trial)."""

    def populate_space(self, trial_id):
        values = self._random_values()
        if values is None:
            return {"status": TrialStatus.STOPPED}
        return {"status": TrialStatus.RUNNING, "values": values}
