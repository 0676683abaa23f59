"""Where a random layer (Dropout variants, noise, augmentation) draws its numbers from."""
import numpy as np

from ndflow.backend import random as _rnd


def layer_generator(layer):
    """A layer built with ``seed=`` owns a generator seeded with it; otherwise draws come
    from ndflow's global stream, so ``keras.utils.set_random_seed`` reproduces them."""
    if getattr(layer, "seed", None) is None:
        return _rnd.generator(None)
    gen = layer.__dict__.get("_rng")
    if gen is None:
        gen = np.random.default_rng(int(layer.seed))
        object.__setattr__(layer, "_rng", gen)
    return gen
