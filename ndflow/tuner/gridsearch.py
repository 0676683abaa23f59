"""Grid search: every combination of the hyperparameters' values, in order.

The first trial uses the defaults; each next trial advances the last registered active
hyperparameter to its next value (like an odometer), resetting the ones after it.  A
hyperparameter's values are its choices, its ``step`` grid, or 10 evenly spread values
when a numerical one has no ``step``; the default comes first.
"""
from ndflow.tuner.oracle import Oracle
from ndflow.tuner.trial import TrialStatus
from ndflow.tuner.tuner import Tuner


def _ordered_grid(hp):
    grid = list(hp.grid)
    if hp.default in grid:
        grid.remove(hp.default)
    return [hp.default] + grid


class GridSearchOracle(Oracle):
    """Enumerates the grid; stops when every combination has been tried."""

    def __init__(self, objective=None, max_trials=None, seed=None, hyperparameters=None,
                 allow_new_entries=True, tune_new_entries=True, max_retries_per_trial=0,
                 max_consecutive_failed_trials=3):
        super().__init__(objective=objective, max_trials=max_trials,
                         hyperparameters=hyperparameters, allow_new_entries=allow_new_entries,
                         tune_new_entries=tune_new_entries, seed=seed,
                         max_retries_per_trial=max_retries_per_trial,
                         max_consecutive_failed_trials=max_consecutive_failed_trials)
        self._last_values = None

    def _next_combination(self, values):
        hps = self.hyperparameters.copy()
        hps.values = dict(values)
        hps.ensure_active_values()
        for hp in reversed(hps.space):
            if hps.is_active(hp):
                grid = _ordered_grid(hp)
                current = hps.values.get(hp.name, hp.default)
                index = grid.index(current) if current in grid else 0
                if index + 1 < len(grid):
                    hps.values[hp.name] = grid[index + 1]
                    hps.ensure_active_values()
                    return dict(hps.values)
            hps.values[hp.name] = hp.default
        return None

    def populate_space(self, trial_id):
        if self._last_values is None:
            hps = self.hyperparameters.copy()
            hps.values = {}
            hps.ensure_active_values()
            values = dict(hps.values)
        else:
            values = self._next_combination(self._last_values)
            while values is not None and self._values_hash(values) in self._tried_so_far:
                values = self._next_combination(values)
        if values is None:
            if self.ongoing_trials:     # a running trial may still add hyperparameters
                return {"status": TrialStatus.IDLE}
            return {"status": TrialStatus.STOPPED}
        self._last_values = values
        return {"status": TrialStatus.RUNNING, "values": values}

    def get_state(self):
        state = super().get_state()
        state["last_values"] = self._last_values
        return state

    def set_state(self, state):
        super().set_state(state)
        self._last_values = state["last_values"]


class GridSearch(Tuner):
    """Tries every combination of hyperparameter values (``max_trials`` caps the count)."""

    def __init__(self, hypermodel=None, objective=None, max_trials=None, seed=None,
                 hyperparameters=None, tune_new_entries=True, allow_new_entries=True,
                 max_retries_per_trial=0, max_consecutive_failed_trials=3, **kwargs):
        self.seed = seed
        oracle = GridSearchOracle(
            objective=objective, max_trials=max_trials, seed=seed,
            hyperparameters=hyperparameters, tune_new_entries=tune_new_entries,
            allow_new_entries=allow_new_entries, max_retries_per_trial=max_retries_per_trial,
            max_consecutive_failed_trials=max_consecutive_failed_trials)
        super().__init__(oracle, hypermodel, **kwargs)

