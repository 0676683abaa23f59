"""``keras.optimizers``: SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam, Lion,
Ftrl, the Keras 3 additions Adafactor, Lamb, Muon, ScheduleFreeAdamW, MultiOptimizer (with
OptimizerMap), the ``schedules`` submodule, and ``get`` / ``serialize`` / ``deserialize``."""
from ndflow.keras.optimizers import schedules  # noqa: F401
from ndflow.keras.optimizers.base import Optimizer
from ndflow.keras.optimizers.optimizers import (SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta,
                                                Adamax, Nadam, Lion, Ftrl)
from ndflow.keras.optimizers.optimizers_extra import (Adafactor, Lamb, Muon, ScheduleFreeAdamW,
                                                      MultiOptimizer, OptimizerMap)

_CLASSES = (SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam, Lion, Ftrl,
            Adafactor, Lamb, Muon, ScheduleFreeAdamW, MultiOptimizer, OptimizerMap)
ALL_OBJECTS = {c.__name__.lower(): c for c in _CLASSES}


class legacy:  # noqa: N801  (``keras.optimizers.legacy.Adam`` of TF 2.11+)
    SGD = SGD
    Adam = Adam
    RMSprop = RMSprop
    Adagrad = Adagrad
    Adadelta = Adadelta
    Adamax = Adamax
    Nadam = Nadam
    Ftrl = Ftrl
    Optimizer = Optimizer


class experimental(legacy):  # noqa: N801  (``keras.optimizers.experimental.AdamW`` of TF 2.11)
    AdamW = AdamW
    Lion = Lion


def __getattr__(name):
    # keras.optimizers.LossScaleOptimizer lives with the mixed-precision policies
    if name == "LossScaleOptimizer":
        from ndflow.keras.mixed_precision.loss_scale_optimizer import LossScaleOptimizer
        return LossScaleOptimizer
    raise AttributeError("module 'keras.optimizers' has no attribute %r" % name)


def serialize(optimizer):
    return {"module": "keras.optimizers", "class_name": type(optimizer).__name__,
            "config": optimizer.get_config(), "registered_name": None}


def deserialize(config, custom_objects=None):
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or ALL_OBJECTS.get(name.lower())
    if cls is None and name == "LossScaleOptimizer":
        cls = __getattr__(name)
    if cls is None:
        from ndflow.keras.saving import registry
        cls = registry.get_registered_object(config.get("registered_name") or name,
                                             custom_objects)
    if cls is None:
        raise ValueError("Unknown optimizer %r. Valid names are: %s."
                         % (name, ", ".join(sorted(ALL_OBJECTS))))
    if cls in (MultiOptimizer, OptimizerMap):     # they rebuild the optimizers they hold
        return cls.from_config(config.get("config", {}), custom_objects=custom_objects)
    return cls.from_config(config.get("config", {}))


def get(identifier):
    """An optimizer from a name ('adam', 'SGD' ...: a new instance), a config or an
    Optimizer (returned as is)."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        cls = ALL_OBJECTS.get(identifier.lower())
        if cls is None:
            raise ValueError("Unknown optimizer %r. Valid names are: %s, or pass a "
                             "keras.optimizers.Optimizer instance."
                             % (identifier, ", ".join(sorted(ALL_OBJECTS))))
        if cls in (MultiOptimizer, OptimizerMap):
            raise ValueError("optimizers.get(%r): a %s cannot be made from its name alone; "
                             "create it with the optimizers it holds, e.g. MultiOptimizer("
                             "OptimizerMap(SGD(), {'dense/.*': Adam()}))."
                             % (identifier, cls.__name__))
        return cls()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    raise ValueError("Could not interpret optimizer identifier: %r (type %s). Pass a name "
                     "such as 'adam' or an optimizer instance."
                     % (identifier, type(identifier).__name__))
