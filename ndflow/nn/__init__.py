"""``tf.nn``: activations, cross-entropies, dropout, moments, normalization helpers."""
from ndflow.nn.activations import (relu, softmax, log_softmax, sigmoid, tanh, relu6,
                                   leaky_relu, elu, selu, softplus, softsign, silu, swish,
                                   gelu, log_sigmoid)
from ndflow.nn.nn_impl import (sigmoid_cross_entropy_with_logits,
                               weighted_cross_entropy_with_logits,
                               softmax_cross_entropy_with_logits,
                               sparse_softmax_cross_entropy_with_logits, l2_loss, l2_normalize,
                               bias_add, moments, batch_normalization, dropout,
                               embedding_lookup, compute_average_loss,
                               scale_regularization_loss)
from ndflow.ops.array_ops import top_k
from ndflow.ops.math_ops import in_top_k
from ndflow.nn.conv import *  # noqa
from ndflow.ops.ctc_ops import ctc_loss
