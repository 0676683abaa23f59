"""Classes needed to load the golden files (a subclassed model and a custom layer).

Their names, registered names and get_config keys are part of the golden files: never
change them, add new classes instead.
"""
from ndflow import keras


@keras.saving.register_keras_serializable(package="golden")
class Scale(keras.layers.Layer):
    """A custom layer with one trainable weight: y = x * alpha."""

    def __init__(self, initial=1.0, **kwargs):
        super().__init__(**kwargs)
        self.initial = initial

    def build(self, input_shape):
        self.alpha = self.add_weight("alpha", (int(input_shape[-1]),),
                                     initializer=keras.initializers.Constant(self.initial))

    def call(self, x):
        return x * self.alpha

    def get_config(self):
        config = super().get_config()
        config["initial"] = self.initial
        return config


@keras.saving.register_keras_serializable(package="golden")
class TwoTower(keras.Model):
    """A subclassed model: two Dense towers added, then a custom Scale layer."""

    def __init__(self, units=5, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.left = keras.layers.Dense(units, activation="tanh")
        self.right = keras.layers.Dense(units, activation="relu")
        self.scale = Scale(0.5)
        self.head = keras.layers.Dense(2)

    def call(self, x, training=None):
        return self.head(self.scale(self.left(x) + self.right(x)))

    def get_config(self):
        config = super().get_config()
        config["units"] = self.units
        return config
