"""Seeded random number generation with TensorFlow's global/op seed rules.

* No seeds at all: numbers come from a generator seeded by the operating system.
* ``set_seed(g)``: every random op without its own seed draws from one stream
  derived from ``g``, so a program's sequence of random ops repeats exactly.
* An op seed ``s``: the op draws from a stream keyed by (global seed, s); calling the
  same op twice continues that stream (different numbers, same sequence every run).
"""
import numpy as np

# numpy.random is imported on first use (it costs about half of `import ndflow`)
_DEFAULT_GLOBAL_SEED = 87654321
_state = {"global_seed": None, "global_gen": None, "op_gens": {}}


def set_seed(seed):
    """Set the global seed (``tf.random.set_seed``); ``None`` clears it."""
    if seed is not None:
        seed = int(seed)
    _state["global_seed"] = seed
    _state["global_gen"] = np.random.default_rng(seed)
    _state["op_gens"] = {}


def get_global_seed():
    return _state["global_seed"]


def _global_gen():
    gen = _state["global_gen"]
    if gen is None:
        gen = _state["global_gen"] = np.random.default_rng()
    return gen


def generator(seed=None):
    """The NumPy Generator a random op with op seed ``seed`` should draw from."""
    if seed is None:
        return _global_gen()
    g = _state["global_seed"]
    key = (_DEFAULT_GLOBAL_SEED if g is None else g, int(seed))
    gen = _state["op_gens"].get(key)
    if gen is None:
        gen = np.random.default_rng(list(key))
        _state["op_gens"][key] = gen
    return gen


def fresh_seed():
    """A 63-bit integer drawn from the global stream (seeds layers, shuffles, ...)."""
    return int(_global_gen().integers(0, 2 ** 63 - 1))


def get_state():
    """A snapshot of the global random state (for checkpoints such as BackupAndRestore)."""
    return {"global_seed": _state["global_seed"],
            "bit_generator": _global_gen().bit_generator.state}


def set_state(state):
    """Restore a snapshot taken by ``get_state``."""
    _state["global_seed"] = state.get("global_seed")
    gen = _global_gen()
    if "bit_generator" in state:
        gen.bit_generator.state = state["bit_generator"]
