"""The optimizers.  Each ``update_step`` is the update rule of Keras 3, written in NumPy.

``g`` is the gradient array, ``v`` the variable, ``lr`` the current learning rate (float).
"""
import math

import numpy as np

from ndflow.keras.optimizers.base import Optimizer


class SGD(Optimizer):
    """Gradient descent with optional (Nesterov) momentum.

    momentum 0: ``v -= lr * g``.  Otherwise ``m = momentum * m - lr * g`` and
    ``v += m`` (or ``v += momentum * m - lr * g`` with ``nesterov``)."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, name="SGD", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if not 0 <= momentum <= 1:
            raise ValueError("SGD: momentum must be in [0, 1], got %r." % (momentum,))
        self.momentum = momentum
        self.nesterov = nesterov
        self._slot_names = ("momentum",) if momentum else ()

    def update_step(self, g, v, lr):
        if not self.momentum:
            v._value = v._value - lr * g
            return
        m = self._slot(v, "momentum")
        new_m = self.momentum * m._value - lr * g
        m._value = new_m
        if self.nesterov:
            v._value = v._value + (self.momentum * new_m - lr * g)
        else:
            v._value = v._value + new_m

    def get_config(self):
        config = super().get_config()
        config.update(momentum=self.momentum, nesterov=self.nesterov)
        return config


class Adam(Optimizer):
    """Adam: ``m += (g - m)(1 - b1)``, ``u += (g^2 - u)(1 - b2)``,
    ``v -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(u) + eps)``."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, name="adam", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad
        self._slot_names = ("momentum", "velocity") + (("velocity_hat",) if amsgrad else ())

    def update_step(self, g, v, lr):
        slots = self._slots[self._index[id(v)]]
        m, u = slots["momentum"], slots["velocity"]
        t = float(self._iterations._value) + 1
        b1, b2 = self.beta_1, self.beta_2
        alpha = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        # every array below is freshly allocated, then updated in place: the old values
        # of m, u and v are never written to (few passes over memory, no shared arrays)
        new_m = g - m._value
        new_m *= 1 - b1
        new_m += m._value
        new_u = np.square(g)
        new_u -= u._value
        new_u *= 1 - b2
        new_u += u._value
        m._value = new_m
        u._value = new_u
        if self.amsgrad:
            vh = slots["velocity_hat"]
            vh._value = np.maximum(vh._value, new_u)
            new_u = vh._value
        step = np.sqrt(new_u)
        step += self.epsilon
        np.divide(new_m, step, out=step)
        step *= alpha
        v._value = v._value - step

    def get_config(self):
        config = super().get_config()
        config.update(beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon,
                      amsgrad=self.amsgrad)
        return config


class AdamW(Adam):
    """Adam with decoupled weight decay (``v -= lr * weight_decay * v`` before each step)."""

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, name="adamw", **kwargs):
        if weight_decay is None:
            raise ValueError("AdamW: weight_decay must be a number, got None.")
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, amsgrad=amsgrad, name=name,
                         weight_decay=weight_decay, **kwargs)


class RMSprop(Optimizer):
    """RMSprop: ``a = rho a + (1 - rho) g^2``; ``v -= lr g / sqrt(a + eps)`` (centered:
    ``a - mean_g^2``; with momentum the increments are accumulated)."""

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, name="rmsprop", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered
        names = ["velocity"]
        if momentum:
            names.append("momentum")
        if centered:
            names.append("average_gradient")
        self._slot_names = tuple(names)

    def update_step(self, g, v, lr):
        rho = self.rho
        vel = self._slot(v, "velocity")
        new_vel = rho * vel._value + (1 - rho) * np.square(g)
        vel._value = new_vel
        if self.centered:
            ag = self._slot(v, "average_gradient")
            new_ag = rho * ag._value + (1 - rho) * g
            ag._value = new_ag
            denom = new_vel - np.square(new_ag) + self.epsilon
        else:
            denom = new_vel + self.epsilon
        increment = lr * g / np.sqrt(denom)
        if self.momentum:
            mom = self._slot(v, "momentum")
            mom._value = self.momentum * mom._value + increment
            v._value = v._value - mom._value
        else:
            v._value = v._value - increment

    def get_config(self):
        config = super().get_config()
        config.update(rho=self.rho, momentum=self.momentum, epsilon=self.epsilon,
                      centered=self.centered)
        return config


class Adagrad(Optimizer):
    """Adagrad: ``a += g^2``; ``v -= lr g / sqrt(a + eps)``."""

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 name="adagrad", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon
        self._slot_names = ("accumulator",)

    def _slot_initial(self, slot):
        return float(self.initial_accumulator_value)

    def update_step(self, g, v, lr):
        acc = self._slot(v, "accumulator")
        acc._value = acc._value + np.square(g)
        v._value = v._value - lr * g / np.sqrt(acc._value + self.epsilon)

    def get_config(self):
        config = super().get_config()
        config.update(initial_accumulator_value=self.initial_accumulator_value,
                      epsilon=self.epsilon)
        return config


class Adadelta(Optimizer):
    """Adadelta: ``a = rho a + (1-rho) g^2``; ``d = -sqrt(b + eps) / sqrt(a + eps) * g``;
    ``b = rho b + (1-rho) d^2``; ``v += lr d``."""

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, name="adadelta", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.rho = rho
        self.epsilon = epsilon
        self._slot_names = ("accumulated_grad", "accumulated_delta_var")

    def update_step(self, g, v, lr):
        rho, eps = self.rho, self.epsilon
        ag = self._slot(v, "accumulated_grad")
        ad = self._slot(v, "accumulated_delta_var")
        ag._value = rho * ag._value + (1 - rho) * np.square(g)
        delta = -np.sqrt(ad._value + eps) * g / np.sqrt(ag._value + eps)
        ad._value = rho * ad._value + (1 - rho) * np.square(delta)
        v._value = v._value + lr * delta

    def get_config(self):
        config = super().get_config()
        config.update(rho=self.rho, epsilon=self.epsilon)
        return config


class Adamax(Optimizer):
    """Adamax: ``m += (g - m)(1-b1)``; ``u = max(b2 u, |g|)``;
    ``v -= lr m / ((1 - b1^t)(u + eps))``."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 name="adamax", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self._slot_names = ("m", "u")

    def update_step(self, g, v, lr):
        t = float(self._iterations._value) + 1
        m = self._slot(v, "m")
        u = self._slot(v, "u")
        m._value = m._value + (g - m._value) * (1 - self.beta_1)
        u._value = np.maximum(self.beta_2 * u._value, np.abs(g))
        v._value = v._value - lr * m._value / ((1 - self.beta_1 ** t) * (u._value + self.epsilon))

    def get_config(self):
        config = super().get_config()
        config.update(beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon)
        return config


class Nadam(Optimizer):
    """Adam with Nesterov momentum (Dozat 2016), with the momentum-decay schedule of
    Keras 3 / TF >= 2.11 ``u_t = b1 (1 - 0.5 * 0.96^t)`` (the legacy Keras 2 optimizer used
    ``0.96^(0.004 t)``)."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 name="nadam", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self._slot_names = ("momentum", "velocity")
        self._u_product = 1.0
        self._u_product_step = 0

    def apply(self, grads, trainable_variables=None):
        t = int(self._iterations._value) + 1
        if self._u_product_step != t:
            # the running product of the momentum schedule advances once per step; after
            # `iterations` was set from outside (set_weights, a checkpoint restore) it is
            # recomputed from step 1, multiplying in the same order
            if self._u_product_step != t - 1:
                self._u_product = 1.0
                for s in range(1, t):
                    self._u_product *= self.beta_1 * (1 - 0.5 * 0.96 ** s)
            self._u_product *= self.beta_1 * (1 - 0.5 * 0.96 ** t)
            self._u_product_step = t
        return super().apply(grads, trainable_variables)

    def update_step(self, g, v, lr):
        t = float(self._iterations._value) + 1
        b1, b2 = self.beta_1, self.beta_2
        u_t = b1 * (1 - 0.5 * 0.96 ** t)
        u_t1 = b1 * (1 - 0.5 * 0.96 ** (t + 1))
        u_prod_t = self._u_product
        u_prod_t1 = u_prod_t * u_t1
        m = self._slot(v, "momentum")
        u = self._slot(v, "velocity")
        m._value = m._value + (g - m._value) * (1 - b1)
        u._value = u._value + (np.square(g) - u._value) * (1 - b2)
        m_hat = u_t1 * m._value / (1 - u_prod_t1) + (1 - u_t) * g / (1 - u_prod_t)
        u_hat = u._value / (1 - b2 ** t)
        v._value = v._value - (m_hat * lr) / (np.sqrt(u_hat) + self.epsilon)

    def get_config(self):
        config = super().get_config()
        config.update(beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon)
        return config


class Lion(Optimizer):
    """Lion: ``v -= lr * sign(b1 m + (1-b1) g)``; ``m = b2 m + (1-b2) g``."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, name="lion", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if not 0 < beta_1 <= 1:
            raise ValueError("Lion: beta_1 must be in (0, 1], got %r." % (beta_1,))
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self._slot_names = ("momentum",)

    def update_step(self, g, v, lr):
        m = self._slot(v, "momentum")
        v._value = v._value - lr * np.sign(self.beta_1 * m._value + (1 - self.beta_1) * g)
        m._value = self.beta_2 * m._value + (1 - self.beta_2) * g

    def get_config(self):
        config = super().get_config()
        config.update(beta_1=self.beta_1, beta_2=self.beta_2)
        return config


class Ftrl(Optimizer):
    """Follow-the-regularized-leader (McMahan et al. 2013), as in Keras."""

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5,
                 initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0,
                 beta=0.0, name="ftrl", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta
        self._slot_names = ("accumulator", "linear")

    def _slot_initial(self, slot):
        return float(self.initial_accumulator_value) if slot == "accumulator" else "zeros"

    def update_step(self, g, v, lr):
        acc = self._slot(v, "accumulator")
        lin = self._slot(v, "linear")
        p = self.learning_rate_power
        l1 = self.l1_regularization_strength
        l2 = self.l2_regularization_strength + self.beta / (2.0 * lr)
        g_shrunk = g + 2 * self.l2_shrinkage_regularization_strength * v._value
        new_acc = acc._value + np.square(g)
        sigma = (np.power(new_acc, -p) - np.power(acc._value, -p)) / lr
        lin._value = lin._value + g_shrunk - sigma * v._value
        quadratic = np.power(new_acc, -p) / lr + 2 * l2
        clipped = np.clip(lin._value, -l1, l1)
        v._value = ((clipped - lin._value) / quadratic).astype(v._value.dtype)
        acc._value = new_acc

    def get_config(self):
        config = super().get_config()
        config.update(learning_rate_power=self.learning_rate_power,
                      initial_accumulator_value=self.initial_accumulator_value,
                      l1_regularization_strength=self.l1_regularization_strength,
                      l2_regularization_strength=self.l2_regularization_strength,
                      l2_shrinkage_regularization_strength=(
                          self.l2_shrinkage_regularization_strength),
                      beta=self.beta)
        return config
