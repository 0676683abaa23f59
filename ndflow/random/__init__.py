"""``tf.random``."""
from ndflow.ops.random_ops import (set_seed, uniform, normal, truncated_normal, shuffle,
                                   categorical, Generator, get_global_generator,
                                   set_global_generator, stateless_uniform, stateless_normal,
                                   stateless_truncated_normal, split, fold_in)
