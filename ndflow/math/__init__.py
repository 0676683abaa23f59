"""``tf.math``."""
from ndflow.ops.math_ops import (
    add, subtract, multiply, divide, truediv, floordiv, floormod, mod, pow, negative, abs,
    sign, square, sqrt, rsqrt, exp, expm1, log, log1p, sin, cos, tan, tanh, sinh, cosh, asin,
    acos, atan, atan2, sigmoid, erf, reciprocal, round, floor, ceil, maximum, minimum,
    squared_difference, equal, not_equal, less, less_equal, greater, greater_equal,
    logical_and, logical_or, logical_xor, logical_not, is_nan, is_inf, is_finite, add_n,
    divide_no_nan, real, imag, conj, angle, cumsum, cumprod, scalar_mul, xlogy, realdiv,
    floor_div, neg,
    confusion_matrix, in_top_k, multiply_no_nan, unsorted_segment_sum, unsorted_segment_mean,
    segment_sum, segment_mean)
from ndflow.ops.reduction_ops import (reduce_sum, reduce_mean, reduce_max, reduce_min,
                                      reduce_prod, reduce_std, reduce_variance,
                                      reduce_logsumexp, reduce_any, reduce_all, argmax,
                                      argmin, count_nonzero, reduce_euclidean_norm)
from ndflow.ops.array_ops import top_k, bincount, histogram_fixed_width
from ndflow.nn.activations import softplus, softsign, log_sigmoid, softmax, log_softmax, sigmoid
from ndflow.nn.nn_impl import l2_normalize
