"""``tf.linalg``."""
from ndflow.ops.linalg_ops import matmul
from ndflow.ops.array_ops import eye
