"""Bayesian optimization with a Gaussian-process surrogate.

Each trial's values are mapped into the unit cube (``value_to_prob`` per
hyperparameter).  After ``num_initial_points`` random trials, a Gaussian process with a
Matern-5/2 kernel (length scale chosen by marginal likelihood, outputs standardized) is
fitted to the scores, and the next point minimizes the lower confidence bound
``mean - beta * std`` of the (to-be-minimized) objective over many candidate points:
uniform ones plus perturbations of the best points seen so far.
"""
import numpy as np

from ndflow.tuner import hyperparameters as hp_module
from ndflow.tuner.oracle import Oracle
from ndflow.tuner.trial import TrialStatus
from ndflow.tuner.tuner import Tuner

_LENGTH_SCALES = (0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5, 2.5)


def _matern52(a, b, length_scale):
    d = np.sqrt(np.maximum(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1), 0.0)) / length_scale
    s = np.sqrt(5.0) * d
    return (1.0 + s + s * s / 3.0) * np.exp(-s)


class GaussianProcess:
    """A small exact GP regressor (NumPy): ``fit(X, y)``, ``predict(X) -> (mean, std)``."""

    def __init__(self, alpha=1e-4):
        self.alpha = alpha

    def fit(self, x, y):
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        self.x = x
        self.y_mean = y.mean()
        self.y_std = y.std() if y.std() > 0 else 1.0
        yn = (y - self.y_mean) / self.y_std
        best = None
        for ls in _LENGTH_SCALES:
            k = _matern52(x, x, ls) + (self.alpha + 1e-8) * np.eye(len(x))
            try:
                chol = np.linalg.cholesky(k)
            except np.linalg.LinAlgError:
                continue
            coef = np.linalg.solve(chol.T, np.linalg.solve(chol, yn))
            lml = -0.5 * yn @ coef - np.log(np.diag(chol)).sum()
            if best is None or lml > best[0]:
                best = (lml, ls, chol, coef)
        if best is None:
            raise np.linalg.LinAlgError("GaussianProcess: the kernel matrix is singular.")
        _, self.length_scale, self.chol, self.coef = best
        return self

    def predict(self, xs):
        xs = np.asarray(xs, dtype=np.float64)
        ks = _matern52(xs, self.x, self.length_scale)
        mean = ks @ self.coef
        v = np.linalg.solve(self.chol, ks.T)
        var = np.maximum(1.0 - (v * v).sum(0), 1e-12)
        return mean * self.y_std + self.y_mean, np.sqrt(var) * self.y_std


class BayesianOptimizationOracle(Oracle):
    """Gaussian-process Bayesian optimization.

    Args:
        num_initial_points: random trials before the GP is used (default: 3 per tuned
            hyperparameter, at least 2).
        alpha: noise variance added to the standardized scores.
        beta: exploration weight of the confidence bound (default 2.6).
    """

    def __init__(self, objective=None, max_trials=10, num_initial_points=None, alpha=1e-4,
                 beta=2.6, seed=None, hyperparameters=None, allow_new_entries=True,
                 tune_new_entries=True, max_retries_per_trial=0,
                 max_consecutive_failed_trials=3, num_candidates=2000):
        super().__init__(objective=objective, max_trials=max_trials,
                         hyperparameters=hyperparameters, allow_new_entries=allow_new_entries,
                         tune_new_entries=tune_new_entries, seed=seed,
                         max_retries_per_trial=max_retries_per_trial,
                         max_consecutive_failed_trials=max_consecutive_failed_trials)
        self.num_initial_points = num_initial_points
        self.alpha = alpha
        self.beta = beta
        self.num_candidates = num_candidates

    def _tuned(self):
        return [hp for hp in self.hyperparameters.space
                if not isinstance(hp, hp_module.Fixed)]

    def _to_vector(self, values, tuned):
        vec = []
        for hp in tuned:
            value = values.get(hp.name, hp.default)
            try:
                vec.append(hp.value_to_prob(value))
            except (ValueError, TypeError):
                vec.append(hp.value_to_prob(hp.default))
        return vec

    def _to_values(self, vector, tuned):
        index = {hp.name: i for i, hp in enumerate(tuned)}
        hps = hp_module.HyperParameters()
        for hp in self.hyperparameters.space:
            hps.merge([hp])
            if hps.is_active(hp) and hp.name in index and not isinstance(hp, hp_module.Fixed):
                prob = min(max(float(vector[index[hp.name]]), 0.0), 1.0 - 1e-12)
                hps.values[hp.name] = hp.prob_to_value(prob)
        return hps.values

    def populate_space(self, trial_id):
        tuned = self._tuned()
        n_init = self.num_initial_points or max(3 * len(tuned), 2)
        done = [t for t in self.trials.values()
                if t.status == TrialStatus.COMPLETED and t.score is not None]
        if not tuned or len(done) < n_init:
            values = self._random_values()
            if values is None:
                return {"status": TrialStatus.STOPPED}
            return {"status": TrialStatus.RUNNING, "values": values}

        x = np.array([self._to_vector(t.hyperparameters.values, tuned) for t in done])
        sign = -1.0 if self.objective.direction == "max" else 1.0
        y = sign * np.array([t.score for t in done], dtype=np.float64)
        gp = GaussianProcess(self.alpha).fit(x, y)

        rng = np.random.default_rng([self.seed, self._seed_state, 7])
        self._seed_state += 1
        d = len(tuned)
        best = x[np.argsort(y)[:5]]
        local = (best[:, None, :] + rng.normal(0.0, 0.05, (len(best), 100, d))).reshape(-1, d)
        cands = np.clip(np.vstack([rng.random((self.num_candidates, d)), local]), 0.0, 1.0)
        mean, std = gp.predict(cands)
        for i in np.argsort(mean - self.beta * std)[:500]:
            values = self._to_values(cands[i], tuned)
            if self._values_hash(values) not in self._tried_so_far:
                return {"status": TrialStatus.RUNNING, "values": values}
        values = self._random_values()
        if values is None:
            return {"status": TrialStatus.STOPPED}
        return {"status": TrialStatus.RUNNING, "values": values}


class BayesianOptimization(Tuner):
    """Bayesian optimization tuner (Gaussian process + confidence bound).

    Args: hypermodel, objective, max_trials (default 10), num_initial_points, alpha,
    beta, seed, hyperparameters, tune_new_entries, allow_new_entries, and the ``Tuner``
    arguments.
    """

    def __init__(self, hypermodel=None, objective=None, max_trials=10, num_initial_points=None,
                 alpha=1e-4, beta=2.6, seed=None, hyperparameters=None, tune_new_entries=True,
                 allow_new_entries=True, max_retries_per_trial=0,
                 max_consecutive_failed_trials=3, **kwargs):
        oracle = BayesianOptimizationOracle(
            objective=objective, max_trials=max_trials, num_initial_points=num_initial_points,
            alpha=alpha, beta=beta, seed=seed, hyperparameters=hyperparameters,
            tune_new_entries=tune_new_entries, allow_new_entries=allow_new_entries,
            max_retries_per_trial=max_retries_per_trial,
            max_consecutive_failed_trials=max_consecutive_failed_trials)
        super().__init__(oracle=oracle, hypermodel=hypermodel, **kwargs)
