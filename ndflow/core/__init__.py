"""Tensors, variables, the autodiff engine."""
from ndflow.core.shape import TensorShape
from ndflow.core.tensor import Tensor, convert_to_tensor, is_tensor
from ndflow.core.variable import (Variable, VariableSlice, VariableAggregation,
                                  VariableSynchronization)
from ndflow.core.engine import (Op, execute, record, GradientTape, UnconnectedGradients,
                                stop_gradient, custom_gradient)
from ndflow.core import errors
from ndflow.core.function import function
