"""``keras.random``: seeded random tensors (the same generator as ``tf.random``)."""
from ndflow.ops.random_ops import normal, uniform, truncated_normal, shuffle, categorical
