"""Hyperband (Li et al., 2018) with keras-tuner's bracket schedule.

With ``R = max_epochs`` and ``f = factor``:

* the number of brackets ``B`` is how many times ``R`` can be divided by ``f`` while it
  stays >= 1 (``R, R/f, R/f**2, ...``);
* brackets are run from ``b = B-1`` (most aggressive) down to 0, and the whole sweep
  ``hyperband_iterations`` times;
* bracket ``b`` has rounds ``r = 0..b``; round ``r`` holds
  ``ceil(ceil(1 + log_f(R)) / (b + 1) * f**(b - r))`` trials trained up to
  ``ceil(R / f**(b - r))`` epochs;
* round 0 draws random values; a later round takes the best unpromoted trials of the
  previous round (as soon as more of them are finished than the round will discard) and
  continues training them from their best checkpoint: ``tuner/initial_epoch`` is the
  previous round's epoch count, ``tuner/epochs`` the new one, ``tuner/trial_id`` the
  parent trial.
"""
import math

from ndflow.tuner.oracle import Oracle
from ndflow.tuner.trial import TrialStatus
from ndflow.tuner.tuner import Tuner, load_checkpoint


class HyperbandOracle(Oracle):
    """The Hyperband schedule; see the module docstring."""

    def __init__(self, objective=None, max_epochs=100, factor=3, hyperband_iterations=1,
                 seed=None, hyperparameters=None, allow_new_entries=True,
                 tune_new_entries=True, max_retries_per_trial=0,
                 max_consecutive_failed_trials=3, max_trials=None):
        super().__init__(objective=objective, max_trials=max_trials,
                         hyperparameters=hyperparameters, allow_new_entries=allow_new_entries,
                         tune_new_entries=tune_new_entries, seed=seed,
                         max_retries_per_trial=max_retries_per_trial,
                         max_consecutive_failed_trials=max_consecutive_failed_trials)
        if int(factor) != factor or factor < 2:
            raise ValueError("Hyperband: factor must be an integer >= 2, got %r." % (factor,))
        if int(max_epochs) != max_epochs or max_epochs < 1:
            raise ValueError("Hyperband: max_epochs must be a positive integer, got %r."
                             % (max_epochs,))
        self.max_epochs = int(max_epochs)
        self.factor = int(factor)
        self.min_epochs = 1
        self.hyperband_iterations = hyperband_iterations or float("inf")
        self._current_iteration = 0
        self._current_bracket = self._num_brackets() - 1
        self._brackets = []
        self._start_bracket()

    # -- the schedule ----------------------------------------------------------------
    def _num_brackets(self):
        epochs, n = self.max_epochs, 0
        while epochs >= self.min_epochs:
            epochs = epochs / self.factor
            n += 1
        return n

    def _size(self, bracket, round_):
        final_size = math.ceil(1 + math.log(self.max_epochs, self.factor)) / (bracket + 1)
        return math.ceil(final_size * self.factor ** (bracket - round_))

    def _epochs(self, bracket, round_):
        return math.ceil(self.max_epochs / self.factor ** (bracket - round_))

    def _start_bracket(self):
        b = self._current_bracket
        self._brackets.append({"bracket_num": b, "rounds": [[] for _ in range(b + 1)]})

    def _next_bracket(self):
        self._current_bracket -= 1
        if self._current_bracket < 0:
            self._current_bracket = self._num_brackets() - 1
            self._current_iteration += 1

    def _bracket_open(self, bracket):
        b, rounds = bracket["bracket_num"], bracket["rounds"]
        return len(rounds[-1]) < self._size(b, b)

    # -- populate ------------------------------------------------------------------------
    def populate_space(self, trial_id):
        self._brackets = [b for b in self._brackets if self._bracket_open(b)]
        for bracket in self._brackets:
            b, rounds = bracket["bracket_num"], bracket["rounds"]
            if len(rounds[0]) < self._size(b, 0):
                return self._random_trial(trial_id, bracket)
            for r in range(1, len(rounds)):
                promoted = {info["past_id"] for info in rounds[r]}
                candidates = [self.trials[info["id"]] for info in rounds[r - 1]
                              if info["id"] not in promoted]
                candidates = [t for t in candidates if t.status == TrialStatus.COMPLETED]
                if len(candidates) > self._size(b, r - 1) - self._size(b, r):
                    best = sorted(candidates, key=lambda t: t.score,
                                  reverse=self.objective.direction == "max")[0]
                    values = dict(best.hyperparameters.values)
                    values.update({"tuner/trial_id": best.trial_id,
                                   "tuner/epochs": self._epochs(b, r),
                                   "tuner/initial_epoch": self._epochs(b, r - 1),
                                   "tuner/bracket": b, "tuner/round": r})
                    rounds[r].append({"past_id": best.trial_id, "id": trial_id})
                    return {"status": TrialStatus.RUNNING, "values": values}
        # nothing to run in the open brackets
        if self._current_bracket == 0 and self._current_iteration + 1 >= self.hyperband_iterations:
            if self.ongoing_trials:
                return {"status": TrialStatus.IDLE}
            return {"status": TrialStatus.STOPPED}
        self._next_bracket()
        self._start_bracket()
        return self._random_trial(trial_id, self._brackets[-1])

    def _random_trial(self, trial_id, bracket):
        values = self._random_values()
        if values is None:
            return {"status": TrialStatus.IDLE if self.ongoing_trials else TrialStatus.STOPPED}
        b = bracket["bracket_num"]
        values.update({"tuner/epochs": self._epochs(b, 0), "tuner/initial_epoch": 0,
                       "tuner/bracket": b, "tuner/round": 0})
        bracket["rounds"][0].append({"past_id": None, "id": trial_id})
        return {"status": TrialStatus.RUNNING, "values": values}

    # -- state ---------------------------------------------------------------------------
    def get_state(self):
        state = super().get_state()
        state.update(max_epochs=self.max_epochs, factor=self.factor,
                     min_epochs=self.min_epochs,
                     hyperband_iterations=(None if self.hyperband_iterations == float("inf")
                                           else self.hyperband_iterations),
                     brackets=self._brackets, current_bracket=self._current_bracket,
                     current_iteration=self._current_iteration)
        return state

    def set_state(self, state):
        super().set_state(state)
        self.max_epochs = state["max_epochs"]
        self.factor = state["factor"]
        self.min_epochs = state["min_epochs"]
        self.hyperband_iterations = state["hyperband_iterations"] or float("inf")
        self._brackets = state["brackets"]
        self._current_bracket = state["current_bracket"]
        self._current_iteration = state["current_iteration"]


class Hyperband(Tuner):
    """Hyperband search: many models trained briefly, the best ones trained longer.

    Args:
        hypermodel: a ``HyperModel`` or ``build(hp)`` function.
        objective: metric name or ``kt.Objective``.
        max_epochs: the most epochs one model is trained.
        factor: reduction factor of models and epochs between rounds (default 3).
        hyperband_iterations: how many times the whole bracket sweep runs (default 1).
        seed, hyperparameters, tune_new_entries, allow_new_entries: as for every tuner.
        **kwargs: the ``Tuner`` arguments (directory, project_name, overwrite, ...).
    """

    def __init__(self, hypermodel=None, objective=None, max_epochs=100, factor=3,
                 hyperband_iterations=1, seed=None, hyperparameters=None,
                 tune_new_entries=True, allow_new_entries=True, max_retries_per_trial=0,
                 max_consecutive_failed_trials=3, **kwargs):
        oracle = HyperbandOracle(
            objective, max_epochs=max_epochs, factor=factor,
            hyperband_iterations=hyperband_iterations, seed=seed,
            hyperparameters=hyperparameters, tune_new_entries=tune_new_entries,
            allow_new_entries=allow_new_entries, max_retries_per_trial=max_retries_per_trial,
            max_consecutive_failed_trials=max_consecutive_failed_trials)
        super().__init__(oracle=oracle, hypermodel=hypermodel, **kwargs)

    def run_trial(self, trial, *fit_args, **fit_kwargs):
        values = trial.hyperparameters.values
        if "tuner/epochs" in values:
            fit_kwargs["epochs"] = values["tuner/epochs"]
            fit_kwargs["initial_epoch"] = values["tuner/initial_epoch"]
        return super().run_trial(trial, *fit_args, **fit_kwargs)

    def _build_hypermodel(self, hp):
        model = super()._build_hypermodel(hp)
        parent = hp.values.get("tuner/trial_id")
        if parent is not None:
            load_checkpoint(model, self._checkpoint_base(parent))
        return model
