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
from ndflow.keras.metrics.metrics_extra import (  # noqa: F401
    IoU, MeanIoU, BinaryIoU, OneHotIoU, OneHotMeanIoU, PearsonCorrelation,
    ConcordanceCorrelation, PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity,
    SpecificityAtSensitivity, pearson_correlation, concordance_correlation)
from ndflow.keras.losses import huber  # noqa: F401,E402  (keras.metrics.huber)


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
            missing = _required_args(obj)
            if missing:
                raise ValueError(
                    "Metric %r cannot be made from its name alone: %s() needs %s. Pass an "
                    "instance instead, e.g. metrics=[keras.metrics.%s(%s)]."
                    % (identifier, obj.__name__, ", ".join(missing), obj.__name__,
                       ", ".join("%s=..." % m for m in missing)))
            return obj()
        return obj
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError("Could not interpret metric identifier: %r" % (identifier,))


def _required_args(cls):
    """Names of the constructor arguments of ``cls`` that have no default."""
    import inspect
    try:
        params = inspect.signature(cls.__init__).parameters.values()
    except (TypeError, ValueError):
        return []
    return [p.name for p in list(params)[1:]
            if p.default is inspect.Parameter.empty
            and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
