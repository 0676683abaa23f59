"""``tf.nn``: activations, cross-entropies, dropout, moments, normalization helpers."""
from ndflow.nn.activations import relu, softmax, log_softmax, sigmoid, tanh
