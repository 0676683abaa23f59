"""``keras.metrics``: metric classes, per-sample metric functions, ``get``."""
from ndflow.keras.metrics.base import Metric, Mean, Sum, MeanMetricWrapper  # noqa: F401
from ndflow.keras.metrics.metrics import (  # noqa: F401
    Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
    TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy, MeanSquaredError, MeanAbsoluteError,
    MeanAbsolutePercentageError, MeanSquaredLogarithmicError, RootMeanSquaredError,
    CosineSimilarity, LogCoshError, BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy, KLDivergence, Poisson, Hinge, SquaredHinge, CategoricalHinge,
    Precision, Recall, TruePositives, FalsePositives, TrueNegatives, FalseNegatives, AUC,
    FBetaScore, F1Score, R2Score,
    accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
    top_k_categorical_accuracy, sparse_top_k_categorical_accuracy, mean_squared_error,
    mean_absolute_error, mean_absolute_percentage_error, mean_squared_logarithmic_error,
    mse, mae, mape, msle, MSE, MAE, MAPE, MSLE, binary_crossentropy, categorical_crossentropy,
    sparse_categorical_crossentropy, binary_focal_crossentropy, categorical_focal_crossentropy,
    hinge, squared_hinge, categorical_hinge, kl_divergence, kld, KLD, kullback_leibler_divergence,
    poisson, log_cosh, logcosh, cosine_similarity, ALL_OBJECTS)


def serialize(metric):
    from ndflow.keras.saving.serialization import serialize_keras_object
    return serialize_keras_object(metric)


def deserialize(config, custom_objects=None):
    if isinstance(config, str):
        return get(config)
    from ndflow.keras.saving.serialization import deserialize_keras_object
    return deserialize_keras_object(config, custom_objects=custom_objects)


def get(identifier):
    """A metric from a name (function names give functions, class names new instances),
    a config dict, a Metric or a callable."""
    if identifier is None:
        return None
    if isinstance(identifier, str):
        obj = ALL_OBJECTS.get(identifier)
        if obj is None:
            from ndflow.keras.saving import registry
            obj = registry.get_registered_object(identifier)
        if obj is None:
            raise ValueError(
                "Unknown metric %r. Valid names are: %s (and in compile() also 'accuracy'/"
                "'acc', 'crossentropy'/'ce', resolved from the loss and output shape)."
                % (identifier, ", ".join(sorted(ALL_OBJECTS))))
        if isinstance(obj, type):
            return obj()
        return obj
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError("Could not interpret metric identifier: %r" % (identifier,))
