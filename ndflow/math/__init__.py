"""``tf.math``."""
from ndflow.ops.math_ops import (
    add, subtract, multiply, divide, truediv, floordiv, floormod, mod, pow, negative, abs,
    sign, square, sqrt, rsqrt, exp, expm1, log, log1p, sin, cos, tan, tanh, sinh, cosh, asin,
    acos, atan, atan2, sigmoid, erf, reciprocal, round, floor, ceil, maximum, minimum,
    squared_difference, equal, not_equal, less, less_equal, greater, greater_equal,
    logical_and, logical_or, logical_xor, logical_not, is_nan, is_inf, is_finite, add_n,
    divide_no_nan, real)
from ndflow.ops.reduction_ops import (reduce_sum, reduce_mean, reduce_max, reduce_min,
                                      reduce_prod, reduce_std, reduce_variance,
                                      reduce_logsumexp, reduce_any, reduce_all, argmax,
                                      argmin, count_nonzero)
