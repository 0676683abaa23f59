"""``Objective(name, direction)`` and the Keras rule that infers a metric's direction."""
import re

# metric names (without "val_"/"weighted_") that are better when larger
_MAX_NAMES = {
    "acc", "accuracy", "binary_accuracy", "categorical_accuracy",
    "sparse_categorical_accuracy", "top_k_categorical_accuracy",
    "sparse_top_k_categorical_accuracy", "auc", "precision", "recall", "true_positives",
    "true_negatives", "sensitivity_at_specificity", "specificity_at_sensitivity",
    "precision_at_recall", "recall_at_precision", "f1_score", "fbeta_score", "iou",
    "mean_iou", "r2_score",
}
# names that are better when smaller (losses and error metrics)
_MIN_NAMES = {
    "loss", "ce", "crossentropy", "binary_crossentropy", "categorical_crossentropy",
    "sparse_categorical_crossentropy", "mse", "mae", "mape", "msle", "mean_squared_error",
    "mean_absolute_error", "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error", "root_mean_squared_error", "rmse", "hinge",
    "squared_hinge", "categorical_hinge", "kl_divergence", "kld", "kullback_leibler_divergence",
    "poisson", "log_cosh", "logcosh", "huber", "huber_loss", "cosine_similarity",
    "false_positives", "false_negatives", "error", "default_objective",
}


def infer_direction(metric_name):
    """'max', 'min' or None for a metric name as it appears in ``fit``'s logs."""
    name = str(metric_name)
    if name.startswith("val_"):
        name = name[4:]
    if name.startswith("weighted_"):
        name = name[9:]
    name = re.sub(r"_\d+$", "", name)           # auc_1, precision_2: Keras' unique names
    if name in _MAX_NAMES:
        return "max"
    if name in _MIN_NAMES or name.endswith("_loss"):
        return "min"
    return None


class Objective:
    """The metric to optimize and whether larger (``"max"``) or smaller (``"min"``) is better."""

    def __init__(self, name, direction):
        if direction not in ("min", "max"):
            raise ValueError("Objective(%r): direction must be 'min' or 'max', got %r."
                             % (name, direction))
        self.name = str(name)
        self.direction = direction

    def has_value(self, logs):
        return logs is not None and self.name in logs

    def get_value(self, logs):
        return logs[self.name]

    def better_than(self, a, b):
        return a > b if self.direction == "max" else a < b

    def __eq__(self, other):
        return (isinstance(other, Objective) and self.name == other.name
                and self.direction == other.direction)

    def __repr__(self):
        return 'Objective(name="%s", direction="%s")' % (self.name, self.direction)

    def get_config(self):
        return {"name": self.name, "direction": self.direction}


class MultiObjective(Objective):
    """Several objectives at once: minimizes (sum of the "min" ones) - (sum of the "max"
    ones), reported as the metric ``multi_objective``."""

    def __init__(self, objectives):
        super().__init__("multi_objective", "min")
        self.objectives = list(objectives)
        self.name_to_direction = {o.name: o.direction for o in self.objectives}

    def has_value(self, logs):
        return logs is not None and (self.name in logs or
                                     all(n in logs for n in self.name_to_direction))

    def get_value(self, logs):
        if self.name in logs:
            return logs[self.name]
        return sum(logs[n] if d == "min" else -logs[n]
                   for n, d in self.name_to_direction.items())

    def __repr__(self):
        return "MultiObjective(%r)" % (self.objectives,)

    def get_config(self):
        return {"name": self.name, "direction": self.direction,
                "objectives": [o.get_config() for o in self.objectives]}


class DefaultObjective(Objective):
    """Used when no objective is given: ``HyperModel.fit`` returns the value to minimize."""

    def __init__(self):
        super().__init__("default_objective", "min")


def create_objective(objective):
    if objective is None:
        return DefaultObjective()
    if isinstance(objective, Objective):
        return objective
    if isinstance(objective, dict):
        if "objectives" in objective:
            return MultiObjective([create_objective(o) for o in objective["objectives"]])
        return Objective(objective["name"], objective["direction"])
    if isinstance(objective, str):
        direction = infer_direction(objective)
        if direction is None:
            raise ValueError(
                "Cannot infer whether the objective %r should be maximized or minimized. "
                "Pass kt.Objective(%r, direction='max') or direction='min'."
                % (objective, objective))
        return Objective(objective, direction)
    if isinstance(objective, (list, tuple)):
        if not objective:
            raise ValueError("objective: the list of objectives is empty.")
        return MultiObjective([create_objective(o) for o in objective])
    raise TypeError("objective must be a metric name or kt.Objective(name, direction), got %r."
                    % (objective,))
