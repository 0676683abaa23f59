"""``tf.train.ExponentialMovingAverage``: shadow copies of variables that follow them
slowly (``average -= (1 - decay) * (average - variable)`` on each ``apply``)."""
import numpy as np

from ndflow.core.variable import Variable


class ExponentialMovingAverage:
    """``ExponentialMovingAverage(decay, num_updates=None, zero_debias=False,
    name='ExponentialMovingAverage')``.

    ``apply(var_list)`` creates an average for each new variable (starting at the
    variable's value) and moves every average towards its variable. With ``num_updates``
    (a number or a variable holding the step) the decay used is
    ``min(decay, (1 + num_updates) / (10 + num_updates))``, so early averages move faster.
    ``zero_debias`` concerns averages of plain tensors, which eager code cannot take; for
    variables it changes nothing (as in TensorFlow 2).
    """

    def __init__(self, decay, num_updates=None, zero_debias=False,
                 name="ExponentialMovingAverage"):
        self._decay = decay
        self._num_updates = num_updates
        self._zero_debias = zero_debias
        self._name = name
        self._averages = {}      # id(variable) -> (variable, average)

    @property
    def name(self):
        return self._name

    def _current_decay(self):
        decay = float(np.asarray(getattr(self._decay, "_value", self._decay)))
        if self._num_updates is not None:
            n = float(np.asarray(getattr(self._num_updates, "_value", self._num_updates)))
            decay = min(decay, (1.0 + n) / (10.0 + n))
        return decay

    def apply(self, var_list=None):
        """Create averages for new variables in ``var_list`` and update all of them."""
        if var_list is None:
            raise ValueError("ExponentialMovingAverage.apply: pass the variables to average, "
                             "e.g. ema.apply(model.trainable_variables).")
        var_list = list(var_list)
        for v in var_list:
            if not isinstance(v, Variable):
                raise TypeError(
                    "ExponentialMovingAverage.apply: expected tf.Variable objects, got %s. "
                    "Averages of plain tensors are not supported in eager code."
                    % type(v).__name__)
            if np.dtype(v._value.dtype).kind != "f":
                raise TypeError("ExponentialMovingAverage.apply: the variables must be "
                                "half, float, or double; %r has dtype %s."
                                % (v.name, v.dtype.name))
        for v in var_list:
            if id(v) not in self._averages:
                avg = Variable(v._value.copy(), trainable=False, name=self.average_name(v))
                self._averages[id(v)] = (v, avg)
        one_minus = 1.0 - self._current_decay()
        for v in var_list:
            avg = self._averages[id(v)][1]
            factor = np.asarray(one_minus, dtype=avg._value.dtype)
            avg.assign(avg._value - (avg._value - v._value) * factor)
        return None

    def average(self, var):
        """The average variable of ``var`` (None if ``apply`` never saw it)."""
        entry = self._averages.get(id(var))
        return None if entry is None else entry[1]

    def average_name(self, var):
        """The name of the average of ``var``: ``<variable name>/<this object's name>``."""
        base = str(getattr(var, "_name", None) or "Variable").split(":")[0]
        return "%s/%s" % (base, self._name)
