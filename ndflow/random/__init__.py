"""``tf.random``."""
from ndflow.ops.random_ops import set_seed, uniform, normal, truncated_normal
