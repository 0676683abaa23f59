"""``Tuner``: runs the trials an oracle proposes (build, fit, checkpoint, score).

The search state lives in ``directory/project_name``: ``oracle.json`` and one
``trial_<id>/`` folder per trial (``trial.json`` and the weights of the trial's best
epoch).  A tuner created again on the same folder resumes the search; trials that were
running when the process died run again with the same values and seed.

Every trial records a seed; before building a model for it the tuner seeds ndflow's
random generators with it (plus the execution number), so any trial can be rerun
exactly, in this process or in a worker process (``max_parallel_trials``).
"""
import copy
import gc
import importlib
import os
import random
import shutil
import time
import traceback

import numpy as np

from ndflow.tuner import errors
from ndflow.tuner import hypermodel as hm_module
from ndflow.tuner.oracle import Oracle
from ndflow.tuner.trial import TrialStatus



class _EpochHistory:
    """What the tuner keeps of a ``History``: the logs per epoch (not the model)."""

    def __init__(self, history, epochs):
        self.history = history
        self.epoch = epochs


def _to_float(v):
    try:
        return float(np.asarray(v.numpy() if hasattr(v, "numpy") else v))
    except (TypeError, ValueError):
        return None


def _detach(results):
    """Replace History objects (which hold the model) by their plain logs."""
    if isinstance(results, list):
        return [_detach(r) for r in results]
    if hasattr(results, "history") and isinstance(getattr(results, "history"), dict):
        hist = {k: [_to_float(x) for x in v] for k, v in results.history.items()}
        n = max((len(v) for v in hist.values()), default=0)
        epochs = list(getattr(results, "epoch", None) or range(n))
        return _EpochHistory(hist, [int(e) for e in epochs])
    if isinstance(results, dict):
        return {k: _to_float(v) for k, v in results.items()}
    return results


def _best_epoch(results, objective):
    """(metrics dict of the best epoch, its epoch number) of one execution's results."""
    if isinstance(results, _EpochHistory):
        if not objective.has_value(results.history):
            raise ValueError(
                "The objective %r is not among the metrics of fit(): %s. Name a logged metric "
                "(validation metrics need validation_data)." % (objective.name,
                                                                sorted(results.history)))
        if objective.name not in results.history:       # a MultiObjective
            n = len(results.epoch)
            results.history[objective.name] = [
                objective.get_value({k: v[i] for k, v in results.history.items()})
                for i in range(n)]
        values = results.history[objective.name]
        best = None
        for i, v in enumerate(values):
            if v is not None and not np.isnan(v) and (best is None or
                                                      objective.better_than(v, values[best])):
                best = i
        if best is None:
            best = len(values) - 1
        metrics = {k: v[best] for k, v in results.history.items()
                   if best < len(v) and v[best] is not None}
        return metrics, results.epoch[best]
    if isinstance(results, (int, float, np.integer, np.floating)) and not isinstance(results,
                                                                                      bool):
        return {objective.name: float(results)}, 0
    if isinstance(results, dict):
        if not objective.has_value(results):
            raise ValueError("The dict returned by HyperModel.fit() lacks the objective %r; "
                             "got %s." % (objective.name, sorted(results)))
        metrics = {k: v for k, v in results.items() if v is not None}
        metrics[objective.name] = objective.get_value(metrics)
        return metrics, 0
    raise TypeError("HyperModel.fit() / Tuner.run_trial() must return a History, a dict of "
                    "metrics, a float, or a list of those; got %r." % (results,))


def convert_to_metrics_dict(results, objective):
    """The metrics of the best epoch, averaged over executions (keras-tuner's rule)."""
    if not isinstance(results, list):
        results = [results]
    dicts = [_best_epoch(r, objective)[0] for r in results]
    keys = [k for k in dicts[0] if all(k in d for d in dicts)]
    return {k: float(np.mean([d[k] for d in dicts])) for k in keys}


def get_best_step(results, objective):
    if not isinstance(results, list):
        results = [results]
    steps = [_best_epoch(r, objective)[1] for r in results]
    return int(steps[-1]) if steps else 0


def _keras_module(name):
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def set_trial_seed(seed):
    """Seed every generator a trial's training may draw from."""
    utils = _keras_module("ndflow.keras.utils")
    setter = None
    if utils is not None:
        try:
            setter = getattr(utils, "set_random_seed")
        except (AttributeError, ImportError):
            setter = None
    if setter is not None:
        setter(seed)
    from ndflow.backend import random as nd_random
    nd_random.set_seed(seed)
    np.random.seed(seed)
    random.seed(seed)


def clear_session(collect=True):
    """``keras.backend.clear_session()`` when it exists, then (``collect``) a garbage
    collection that frees the finished trial's model, whose layers form reference cycles."""
    backend = _keras_module("ndflow.keras.backend")
    fn = getattr(backend, "clear_session", None) if backend is not None else None
    if fn is not None:
        fn()
    if collect:
        gc.collect()


# -- checkpoints: weights of a trial's best epoch --------------------------------------
def _checkpoint_base(project_dir, trial_id):
    return os.path.join(project_dir, "trial_%s" % trial_id, "checkpoint")


def save_checkpoint(model, base):
    """Keras models: ``model.save_weights(base + ".weights.h5")`` (a file users can load
    with ``load_weights``); other models with ``get_weights``: ``base + ".npz"``."""
    os.makedirs(os.path.dirname(base), exist_ok=True)
    if hasattr(model, "save_weights"):
        model.save_weights(base + ".weights.h5")
        return
    if hasattr(model, "get_weights"):
        weights = [np.asarray(w) for w in model.get_weights()]
        tmp = base + ".tmp.npz"
        np.savez(tmp, *weights)
        os.replace(tmp, base + ".npz")
        return
    raise TypeError("ndflow.tuner cannot checkpoint %r: it has neither save_weights() nor "
                    "get_weights()." % (model,))


def checkpoint_exists(base):
    return os.path.exists(base + ".weights.h5") or os.path.exists(base + ".npz")


def load_checkpoint(model, base):
    """Load the weights ``save_checkpoint`` wrote into ``model`` (built the same way)."""
    if os.path.exists(base + ".weights.h5"):
        model.load_weights(base + ".weights.h5")
        return model
    if os.path.exists(base + ".npz"):
        with np.load(base + ".npz") as f:
            weights = [f["arr_%d" % i] for i in range(len(f.files))]
        model.set_weights(weights)
        return model
    raise FileNotFoundError("No checkpoint at %s(.weights.h5|.npz): the trial saved no "
                            "weights (did its fit() run any epoch?)." % base)


def _make_trial_callback(tuner, trial, base):
    """A Keras callback that saves the weights of the best epoch (objective permitting)
    and forwards epoch hooks to the tuner; one instance serves all executions."""
    from ndflow.keras.callbacks.base import Callback

    class _TrialCallback(Callback):
        def __init__(self):
            super().__init__()
            obj = tuner.oracle.objective
            self.best = -np.inf if obj.direction == "max" else np.inf
            self.saved = False

        def on_epoch_begin(self, epoch, logs=None):
            tuner.on_epoch_begin(trial, self.model, epoch, logs=logs)

        def on_epoch_end(self, epoch, logs=None):
            tuner.on_epoch_end(trial, self.model, epoch, logs=logs)
            obj = tuner.oracle.objective
            if not obj.has_value(logs):
                save_checkpoint(self.model, base)
                self.saved = True
                return
            value = _to_float(obj.get_value(logs))
            if value is not None and obj.better_than(value, self.best):
                self.best = value
                save_checkpoint(self.model, base)
                self.saved = True

    return _TrialCallback()


class Tuner:
    """Base tuner for Keras models.

    Args:
        oracle: an ``Oracle``.
        hypermodel: a ``HyperModel`` or a function ``build(hp) -> compiled model``.
        directory, project_name: where the search state lives (``./untitled_project``).
        overwrite: start over instead of resuming a search found there.
        executions_per_trial: models trained per trial; the score is the mean of their
            best-epoch values.
        max_parallel_trials: run this many trials at once in worker processes (the
            oracle stays in this process).
        optimizer, loss, metrics: override the ``compile`` arguments of built models.
        max_model_size: reject models with more parameters.
    """

    def __init__(self, oracle, hypermodel=None, max_model_size=None, optimizer=None, loss=None,
                 metrics=None, distribution_strategy=None, directory=None, project_name=None,
                 logger=None, tuner_id=None, overwrite=False, executions_per_trial=1,
                 max_parallel_trials=1):
        if hypermodel is None and type(self).run_trial is Tuner.run_trial:
            raise ValueError("%s: pass a hypermodel (a HyperModel or a function build(hp)), "
                             "or subclass the tuner and override run_trial()."
                             % type(self).__name__)
        if not isinstance(oracle, Oracle):
            raise TypeError("%s: `oracle` must be a kt.Oracle, got %r."
                            % (type(self).__name__, oracle))
        if int(executions_per_trial) < 1 or int(max_parallel_trials) < 1:
            raise ValueError("%s: executions_per_trial and max_parallel_trials must be >= 1, "
                             "got %r and %r." % (type(self).__name__, executions_per_trial,
                                                 max_parallel_trials))
        self.directory = str(directory) if directory is not None else "."
        self.project_name = project_name or "untitled_project"
        if overwrite and os.path.exists(self.project_dir):
            shutil.rmtree(self.project_dir)
        self.oracle = oracle
        self.oracle._set_project_dir(self.directory, self.project_name, overwrite=overwrite)
        self.hypermodel = hm_module.get_hypermodel(hypermodel)
        self.max_model_size = max_model_size
        self.optimizer = optimizer
        self.loss = loss
        self.metrics = metrics
        self.distribution_strategy = distribution_strategy
        self.logger = logger
        self.tuner_id = tuner_id or "tuner0"
        self.executions_per_trial = int(executions_per_trial)
        self.max_parallel_trials = int(max_parallel_trials)
        self._verbose = 1
        self._search_start = None
        self._trial_start = {}
        self._trial_number = {}
        self._seed_for_build = None
        self._model = None
        if not overwrite and self.oracle._exists_on_disk():
            self.oracle.reload()
            print("Reloading Tuner from %s" % os.path.join(self.project_dir, "oracle.json"))
        else:
            self._populate_initial_space()
            self.oracle.save()

    # -- folders ---------------------------------------------------------------------
    @property
    def project_dir(self):
        return os.path.join(self.directory, self.project_name)

    def get_trial_dir(self, trial_id):
        d = os.path.join(self.project_dir, "trial_%s" % trial_id)
        os.makedirs(d, exist_ok=True)
        return d

    def _checkpoint_base(self, trial_id):
        return _checkpoint_base(self.project_dir, trial_id)

    @property
    def remaining_trials(self):
        return self.oracle.remaining_trials()

    # -- the search space ------------------------------------------------------------
    def _populate_initial_space(self):
        """Build the hypermodel with default values (and again with each conditional scope
        switched on) so that the oracle knows the space before the first trial."""
        if self.hypermodel is None:
            return
        hp = self.oracle.get_space()
        try:
            self.hypermodel.declare_hyperparameters(hp)
        except NotImplementedError:
            never, once = [], []
            for _ in range(100):
                hp.active_scopes, hp.inactive_scopes = [], []
                self.hypermodel.build(hp)
                for scope in hp.active_scopes:
                    if scope not in once:
                        once.append(scope)
                    if scope in never:
                        never.remove(scope)
                for scope in hp.inactive_scopes:
                    if scope not in once and scope not in never:
                        never.append(scope)
                if not never:
                    break
                for condition in never.pop(0):
                    hp.values[condition.name] = condition.values[0]
            clear_session()
        self.oracle.update_space(hp)

    def search_space_summary(self, extended=False):
        """Print the hyperparameters of the search space."""
        hp = self.oracle.get_space()
        print("Search space summary")
        print("Default search space size: %d" % len(hp.space))
        for p in hp.space:
            config = p.get_config()
            name = config.pop("name")
            print("%s (%s)" % (name, type(p).__name__))
            print(config)

    def results_summary(self, num_trials=10):
        """Print the best trials, best first."""
        print("Results summary")
        print("Results in %s" % self.project_dir)
        print("Showing %d best trials" % num_trials)
        print(self.oracle.objective)
        for trial in self.oracle.get_best_trials(num_trials):
            print()
            trial.summary()

    # -- search ----------------------------------------------------------------------
    def search(self, *fit_args, **fit_kwargs):
        """Run trials until the oracle stops; every argument goes to ``model.fit``."""
        if "verbose" in fit_kwargs:
            v = fit_kwargs["verbose"]
            self._verbose = 1 if v == "auto" else int(v)
        self.on_search_begin()
        if self.max_parallel_trials > 1:
            self._search_parallel(fit_args, fit_kwargs)
        else:
            while True:
                self.pre_create_trial()
                trial = self.oracle.create_trial(self.tuner_id)
                if trial.status == TrialStatus.STOPPED:
                    break
                if trial.status == TrialStatus.IDLE:
                    if not self.oracle.ongoing_trials:
                        break
                    continue
                self.on_trial_begin(trial)
                self._run_and_report(trial, fit_args, fit_kwargs)
                self.on_trial_end(trial)
        self.on_search_end()

    def _run_and_report(self, trial, fit_args, fit_kwargs):
        try:
            results = self.run_trial(trial, *fit_args, **fit_kwargs)
            if results is not None:
                results = _detach(results)
                self.oracle.update_trial(
                    trial.trial_id, convert_to_metrics_dict(results, self.oracle.objective),
                    step=get_best_step(results, self.oracle.objective))
            trial.status = TrialStatus.COMPLETED
        except errors.FatalError:
            raise
        except Exception as e:
            trial.status = (TrialStatus.FAILED if isinstance(e, errors.FailedTrialError)
                            else TrialStatus.INVALID)
            trial.message = traceback.format_exc()
            print(trial.message)

    def run_trial(self, trial, *args, **kwargs):
        """Train ``executions_per_trial`` models with the trial's values; return their
        results (a list of History logs / dicts / floats)."""
        kwargs = dict(kwargs)
        user_callbacks = list(kwargs.pop("callbacks", None) or [])
        base = self._checkpoint_base(trial.trial_id)
        trial_callback = _make_trial_callback(self, trial, base) if _has_keras() else None
        results = []
        try:
            self._run_executions(trial, args, kwargs, user_callbacks, base, trial_callback,
                                 results)
        finally:
            if trial_callback is not None:
                trial_callback.model = None
            gc.collect()      # free this trial's models (their layers form cycles)
        return results

    def _run_executions(self, trial, args, kwargs, user_callbacks, base, trial_callback,
                        results):
        for execution in range(self.executions_per_trial):
            kw = dict(kwargs)
            callbacks = self._deepcopy_callbacks(user_callbacks)
            for cb in callbacks:      # one TensorBoard log folder per trial and execution
                if type(cb).__name__ == "TensorBoard" and hasattr(cb, "log_dir"):
                    cb.log_dir = os.path.join(str(cb.log_dir), "trial_%s" % trial.trial_id,
                                              "execution%d" % execution)
            if trial_callback is not None:
                callbacks.append(trial_callback)
            kw["callbacks"] = callbacks
            self._seed_for_build = (trial.seed or 0) + execution
            try:
                result = self._build_and_fit_model(trial, *args, **kw)
                model = self._model
                if (model is not None and not (trial_callback and trial_callback.saved)
                        and not checkpoint_exists(base)
                        and (hasattr(model, "save_weights") or hasattr(model, "get_weights"))):
                    save_checkpoint(model, base)
                results.append(_detach(result))
            finally:
                self._model = None
                self._seed_for_build = None
                clear_session(collect=False)

    def _build_and_fit_model(self, trial, *args, **kwargs):
        hp = trial.hyperparameters
        model = self._try_build(hp)
        self._model = model
        return self.hypermodel.fit(hp, model, *args, **kwargs)

    def _build_hypermodel(self, hp):
        model = self.hypermodel.build(hp)
        if model is None:
            raise ValueError("The hypermodel's build(hp) returned None; it must return a "
                             "(compiled) model.")
        self._override_compile_args(model)
        return model

    def _try_build(self, hp):
        """Build a model for ``hp`` after clearing the session and seeding the trial."""
        clear_session(collect=False)
        if self._seed_for_build is not None:
            set_trial_seed(self._seed_for_build)
        model = self._build_hypermodel(hp)
        if self.max_model_size and hasattr(model, "count_params"):
            size = model.count_params()
            if size > self.max_model_size:
                raise ValueError("Oversized model: %d parameters > max_model_size=%d."
                                 % (size, self.max_model_size))
        return model

    def _override_compile_args(self, model):
        if self.optimizer or self.loss or self.metrics:
            kwargs = {"optimizer": self.optimizer or getattr(model, "optimizer", None),
                      "loss": self.loss or getattr(model, "loss", None)}
            if self.metrics:
                kwargs["metrics"] = self.metrics
            model.compile(**kwargs)

    def _deepcopy_callbacks(self, callbacks):
        try:
            return copy.deepcopy(callbacks)
        except Exception as e:
            raise ValueError("The callbacks given to search() must be deep-copyable (each "
                             "trial gets fresh copies); copy.deepcopy(%r) failed: %s"
                             % (callbacks, e))

    # -- hooks -----------------------------------------------------------------------
    def pre_create_trial(self):
        pass

    def on_search_begin(self):
        if self._search_start is None:
            self._search_start = time.time()

    def on_search_end(self):
        pass

    def on_epoch_begin(self, trial, model, epoch, logs=None):
        pass

    def on_epoch_end(self, trial, model, epoch, logs=None):
        pass

    def on_batch_begin(self, trial, model, batch, logs=None):
        pass

    def on_batch_end(self, trial, model, batch, logs=None):
        pass

    def on_trial_begin(self, trial):
        self._trial_start[trial.trial_id] = time.time()
        self._trial_number[trial.trial_id] = len(self.oracle.trials)
        if self._verbose >= 1:
            print("\nSearch: Running Trial #%d\n" % self._trial_number[trial.trial_id])
            self._show_values(trial)

    def on_trial_end(self, trial):
        self.oracle.end_trial(trial)
        if self._verbose >= 1:
            took = time.time() - self._trial_start.get(trial.trial_id, time.time())
            print("Trial %s Complete [%s]" % (self._trial_number.get(trial.trial_id,
                                                                     trial.trial_id),
                                               _fmt_time(took)))
            if trial.score is not None:
                print("%s: %s" % (self.oracle.objective.name, trial.score))
            best = self.oracle.get_best_trials(1)
            if best and best[0].score is not None:
                print("\nBest %s So Far: %s" % (self.oracle.objective.name, best[0].score))
            print("Total elapsed time: %s" % _fmt_time(time.time() - self._search_start))

    def _show_values(self, trial):
        best = self.oracle.get_best_trials(1)
        best_values = best[0].hyperparameters.values if best and best[0].score is not None \
            else {}
        if not trial.hyperparameters.values:
            print("default configuration")
            return
        print("%-18s|%-18s|%s" % ("Value", "Best Value So Far", "Hyperparameter"))
        for name, value in trial.hyperparameters.values.items():
            print("%-18s|%-18s|%s" % (_fmt_value(value), _fmt_value(best_values.get(name, "?")),
                                       name))
        print()

    # -- results ---------------------------------------------------------------------
    def load_model(self, trial):
        """The model of ``trial`` with the weights of its best epoch."""
        self._seed_for_build = trial.seed
        try:
            model = self._try_build(trial.hyperparameters)
        finally:
            self._seed_for_build = None
        return load_checkpoint(model, self._checkpoint_base(trial.trial_id))

    def get_best_models(self, num_models=1):
        """The best ``num_models`` models, with the weights of their best epoch."""
        return [self.load_model(t) for t in self.oracle.get_best_trials(num_models)]

    def get_best_hyperparameters(self, num_trials=1):
        """The ``HyperParameters`` of the best ``num_trials`` trials, best first."""
        return [t.hyperparameters for t in self.oracle.get_best_trials(num_trials)]

    # -- parallel trials -------------------------------------------------------------
    def _search_parallel(self, fit_args, fit_kwargs):
        from ndflow.tuner import parallel
        parallel.run_parallel_search(self, fit_args, fit_kwargs)


def _has_keras():
    try:
        importlib.import_module("ndflow.keras.callbacks.base")
        return True
    except ImportError:
        return False


def _fmt_time(seconds):
    s = int(round(seconds))
    return "%02dh %02dm %02ds" % (s // 3600, s % 3600 // 60, s % 60)


def _fmt_value(v):
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return "%.5g" % v
    s = str(v)
    return s if len(s) <= 18 else s[:15] + "..."


class RandomSearch(Tuner):
    """Random search: every trial draws new random values.

    Args: hypermodel, objective, max_trials (default 10), seed, hyperparameters,
    tune_new_entries, allow_new_entries, and the ``Tuner`` arguments.
    """

    def __init__(self, hypermodel=None, objective=None, max_trials=10, seed=None,
                 hyperparameters=None, tune_new_entries=True, allow_new_entries=True,
                 max_retries_per_trial=0, max_consecutive_failed_trials=3, **kwargs):
        from ndflow.tuner.oracle import RandomSearchOracle
        self.seed = seed
        oracle = RandomSearchOracle(
            objective=objective, max_trials=max_trials, seed=seed,
            hyperparameters=hyperparameters, tune_new_entries=tune_new_entries,
            allow_new_entries=allow_new_entries, max_retries_per_trial=max_retries_per_trial,
            max_consecutive_failed_trials=max_consecutive_failed_trials)
        super().__init__(oracle, hypermodel, **kwargs)

