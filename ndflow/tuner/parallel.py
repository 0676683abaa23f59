"""Parallel trials on one machine: worker processes train, the oracle stays here.

``Tuner(..., max_parallel_trials=N)`` keeps up to N trials running.  The parent asks the
oracle for trials (as tuners ``worker0`` .. ``worker{N-1}``), sends each trial's state to
a worker process, and reports the worker's metrics back to the oracle.  Workers are
forked, so they inherit the hypermodel and the training data without pickling them; a
trial is seeded from its own seed, so it computes the same result in any worker as in a
serial search.
"""
import concurrent.futures as cf
import multiprocessing
import sys
import traceback

from ndflow.tuner import errors
from ndflow.tuner.hyperparameters import HyperParameters
from ndflow.tuner.trial import Trial, TrialStatus

_WORKER = {}


def _run_in_worker(state):
    tuner, fit_args, fit_kwargs = _WORKER["job"]
    from ndflow.tuner.tuner import _detach, convert_to_metrics_dict, get_best_step
    trial = Trial.from_state(state)
    try:
        results = _detach(tuner.run_trial(trial, *fit_args, **fit_kwargs))
        out = {"metrics": None, "step": 0, "error": None}
        if results is not None:
            out["metrics"] = convert_to_metrics_dict(results, tuner.oracle.objective)
            out["step"] = get_best_step(results, tuner.oracle.objective)
    except Exception as e:
        out = {"metrics": None, "step": 0, "error": traceback.format_exc(),
               "failed": isinstance(e, errors.FailedTrialError),
               "fatal": isinstance(e, errors.FatalError)}
    out["hyperparameters"] = trial.hyperparameters.get_config()
    return out


def _context():
    if sys.platform.startswith("win") or "fork" not in multiprocessing.get_all_start_methods():
        raise RuntimeError("max_parallel_trials > 1 needs the 'fork' start method (Linux, "
                           "macOS); on this platform run the search with "
                           "max_parallel_trials=1.")
    return multiprocessing.get_context("fork")


def run_parallel_search(tuner, fit_args, fit_kwargs):
    oracle = tuner.oracle
    n = tuner.max_parallel_trials
    _WORKER["job"] = (tuner, fit_args, fit_kwargs)
    free = ["worker%d" % i for i in range(n)]
    running = {}
    stopped = False
    try:
        with cf.ProcessPoolExecutor(max_workers=n, mp_context=_context()) as pool:
            while True:
                while free and not stopped:
                    tuner.pre_create_trial()
                    trial = oracle.create_trial(free[0])
                    if trial.status == TrialStatus.STOPPED:
                        stopped = True
                        break
                    if trial.status == TrialStatus.IDLE:
                        break
                    worker = free.pop(0)
                    tuner.on_trial_begin(trial)
                    running[pool.submit(_run_in_worker, trial.get_state())] = (worker, trial)
                if not running:
                    if stopped or not free:
                        break
                    # IDLE with nothing running would wait forever: the oracle is done
                    break
                done, _ = cf.wait(list(running), return_when=cf.FIRST_COMPLETED)
                for future in sorted(done, key=lambda f: running[f][1].trial_id):
                    worker, trial = running.pop(future)
                    out = future.result()
                    trial.hyperparameters = HyperParameters.from_config(out["hyperparameters"])
                    if out["error"] is not None:
                        if out.get("fatal"):
                            raise errors.FatalRuntimeError(
                                "A trial stopped the search:\n" + out["error"])
                        trial.status = (TrialStatus.FAILED if out.get("failed")
                                        else TrialStatus.INVALID)
                        trial.message = out["error"]
                        print(out["error"])
                    else:
                        if out["metrics"] is not None:
                            oracle.update_trial(trial.trial_id, out["metrics"],
                                                step=out["step"])
                        trial.status = TrialStatus.COMPLETED
                    tuner.on_trial_end(trial)
                    free.append(worker)
    finally:
        _WORKER.pop("job", None)
