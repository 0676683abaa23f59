"""The op library: primitives with their gradients.  Importing it attaches the Python
operators to Tensor."""
from ndflow.core import tensor as _tensor
from ndflow.ops import math_ops, array_ops, reduction_ops, linalg_ops, overloads

overloads.install()
_tensor.pack_hook[0] = array_ops.stack_hook
