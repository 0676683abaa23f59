"""LayerNormalization and BatchNormalization."""
from ndflow.ops import math_ops as M
from ndflow.ops import array_ops as A
from ndflow.ops import reduction_ops as R
from ndflow.keras import initializers, regularizers, constraints
from ndflow.keras.engine.layer import Layer
from ndflow.keras.engine.input_spec import InputSpec


def _ser(obj, module):
    return None if obj is None else module.serialize(obj)


def _axes(axis, ndim, layer):
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError("Layer %r: axis %d is out of range for an input of rank %d."
                             % (layer.name, a, ndim))
        out.append(a % ndim)
    return sorted(out)


class LayerNormalization(Layer):
    """Normalizes each sample over ``axis`` to mean 0 / variance 1, then scales by gamma
    and shifts by beta (both learned, shaped like the normalized axes)."""

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 rms_scaling=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else int(axis)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.rms_scaling = bool(rms_scaling)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        self._axes = _axes(self.axis, len(input_shape), self)
        shape = tuple(input_shape[a] for a in self._axes)
        if any(d is None for d in shape):
            raise ValueError("LayerNormalization %r needs the normalized axes to be known, got "
                             "input shape %s." % (self.name, input_shape))
        self._param_shape = [input_shape[a] if a in self._axes else 1
                             for a in range(len(input_shape))]
        # as in Keras, rms_scaling always has gamma and never beta
        scale = self.scale or self.rms_scaling
        center = self.center and not self.rms_scaling
        self.gamma = self.add_weight(name="gamma", shape=shape,
                                     initializer=self.gamma_initializer,
                                     regularizer=self.gamma_regularizer,
                                     constraint=self.gamma_constraint) if scale else None
        self.beta = self.add_weight(name="beta", shape=shape,
                                    initializer=self.beta_initializer,
                                    regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint) if center else None
        self.built = True

    def _param(self, p, ndim):
        if len(self._axes) == 1 and self._axes[0] == ndim - 1:
            return p
        return A.reshape(p, self._param_shape)

    def call(self, inputs):
        x = inputs
        nd = x._value.ndim
        axes = tuple(self._axes)
        mean = R.reduce_mean(x, axis=axes, keepdims=True)
        centered = M.subtract(x, mean)
        var = R.reduce_mean(M.square(centered), axis=axes, keepdims=True)
        if self.rms_scaling:
            # Keras's (deprecated) rms_scaling: x, NOT centered, divided by the standard
            # deviation (not the root mean square), times gamma
            return M.multiply(M.multiply(x, M.rsqrt(M.add(var, self.epsilon))),
                              self._param(self.gamma, nd))
        y = M.multiply(centered, M.rsqrt(M.add(var, self.epsilon)))
        if self.gamma is not None:
            y = M.multiply(y, self._param(self.gamma, nd))
        if self.beta is not None:
            y = M.add(y, self._param(self.beta, nd))
        return y

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis, "epsilon": self.epsilon, "center": self.center,
            "scale": self.scale, "rms_scaling": self.rms_scaling,
            "beta_initializer": _ser(self.beta_initializer, initializers),
            "gamma_initializer": _ser(self.gamma_initializer, initializers),
            "beta_regularizer": _ser(self.beta_regularizer, regularizers),
            "gamma_regularizer": _ser(self.gamma_regularizer, regularizers),
            "beta_constraint": _ser(self.beta_constraint, constraints),
            "gamma_constraint": _ser(self.gamma_constraint, constraints)})
        return config


class BatchNormalization(Layer):
    """Normalizes with the batch's statistics while training (and updates moving averages
    of them: ``moving = moving * momentum + batch * (1 - momentum)``), and with the moving
    averages at inference.  A frozen layer (``trainable = False``) always runs in
    inference mode, as in Keras."""

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, synchronized=False, renorm=False, fused=None,
                 **kwargs):
        kwargs.pop("virtual_batch_size", None)
        kwargs.pop("adjustment", None)
        kwargs.pop("renorm_clipping", None)
        kwargs.pop("renorm_momentum", None)
        super().__init__(**kwargs)
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else int(axis)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.synchronized = bool(synchronized)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        nd = len(input_shape)
        self._axes = _axes(self.axis, nd, self)
        shape = tuple(input_shape[a] for a in self._axes)
        if any(d is None for d in shape):
            raise ValueError("BatchNormalization %r: the normalized axis %s must have a known "
                             "size, got input shape %s." % (self.name, self.axis, input_shape))
        self._reduce_axes = tuple(a for a in range(nd) if a not in self._axes)
        self._param_shape = tuple(input_shape[a] if a in self._axes else 1 for a in range(nd))
        self._needs_reshape = not (len(self._axes) == 1 and self._axes[0] == nd - 1)
        # autocast=False: under a mixed policy the statistics and the affine parameters
        # are read in their own (float32) dtype, and ``call`` computes in float32 (as
        # Keras 3 does: float16 batch statistics overflow and lose small updates)
        self.gamma = self.add_weight(name="gamma", shape=shape,
                                     initializer=self.gamma_initializer,
                                     regularizer=self.gamma_regularizer,
                                     constraint=self.gamma_constraint,
                                     autocast=False) if self.scale else None
        self.beta = self.add_weight(name="beta", shape=shape,
                                    initializer=self.beta_initializer,
                                    regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint,
                                    autocast=False) if self.center else None
        self.moving_mean = self.add_weight(name="moving_mean", shape=shape,
                                           initializer=self.moving_mean_initializer,
                                           trainable=False, autocast=False)
        self.moving_variance = self.add_weight(name="moving_variance", shape=shape,
                                               initializer=self.moving_variance_initializer,
                                               trainable=False, autocast=False)
        self.input_spec = InputSpec(ndim=nd, axes={a: input_shape[a] for a in self._axes})
        self.built = True

    def _p(self, t):
        if t.dtype != self._work_dtype:
            t = M.cast(t, self._work_dtype)
        return A.reshape(t, self._param_shape) if self._needs_reshape else t

    def call(self, inputs, training=None, mask=None):
        x = inputs
        in_dtype = x.dtype
        if in_dtype == "float16":     # computed in float32, the result rounded back
            x = M.cast(x, "float32")
        self._work_dtype = x.dtype
        y = self._normalize(x, training)
        return M.cast(y, in_dtype) if y.dtype != in_dtype else y

    def _normalize(self, x, training):
        if training and self.trainable:
            axes = self._reduce_axes
            mean = R.reduce_mean(x, axis=axes, keepdims=True)
            centered = M.subtract(x, mean)
            var = R.reduce_mean(M.square(centered), axis=axes, keepdims=True)
            inv = M.rsqrt(M.add(var, self.epsilon))
            y = M.multiply(centered, inv)
            m = self.momentum
            shape = self.moving_mean._value.shape
            dt = self.moving_mean._value.dtype
            bm = mean._value.reshape(shape).astype(dt)
            bv = var._value.reshape(shape).astype(dt)
            self.moving_mean.assign(self.moving_mean._value * m + bm * (1 - m))
            self.moving_variance.assign(self.moving_variance._value * m + bv * (1 - m))
        else:
            mean = self._p(self.moving_mean)
            inv = M.rsqrt(M.add(self._p(self.moving_variance), self.epsilon))
            y = M.multiply(M.subtract(x, mean), inv)
        if self.gamma is not None:
            y = M.multiply(y, self._p(self.gamma))
        if self.beta is not None:
            y = M.add(y, self._p(self.beta))
        return y

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon,
            "center": self.center, "scale": self.scale, "synchronized": self.synchronized,
            "beta_initializer": _ser(self.beta_initializer, initializers),
            "gamma_initializer": _ser(self.gamma_initializer, initializers),
            "moving_mean_initializer": _ser(self.moving_mean_initializer, initializers),
            "moving_variance_initializer": _ser(self.moving_variance_initializer,
                                                initializers),
            "beta_regularizer": _ser(self.beta_regularizer, regularizers),
            "gamma_regularizer": _ser(self.gamma_regularizer, regularizers),
            "beta_constraint": _ser(self.beta_constraint, constraints),
            "gamma_constraint": _ser(self.gamma_constraint, constraints)})
        return config
