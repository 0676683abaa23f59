"""``keras.utils.set_random_seed``: one call seeds Python, NumPy and ndflow."""
import random

import numpy as np

from ndflow.backend import random as _rnd


def set_random_seed(seed):
    """Seed Python's ``random``, NumPy's global generator and ndflow's random stream
    (weights, dropout, shuffling), so that two runs with the same seed are identical."""
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise ValueError("set_random_seed expects an integer seed, got %r (type %s)."
                         % (seed, type(seed).__name__))
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed % (2 ** 32))
    _rnd.set_seed(seed)
