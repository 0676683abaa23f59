"""Keras 3 image augmentation, part three: ``AugMix`` and ``RandomElasticTransform``.

``AugMix`` runs ``num_chains`` chains of up to ``chain_depth`` augmentations picked at
random (a pick may also be "nothing") from the layers ``RandAugment`` uses, mixes the
chains with Dirichlet(``alpha``) weights, then mixes the result with the original image
with a Beta(``alpha``, ``alpha``) weight ``w``: ``w * image + (1 - w) * mix``, clipped to
``value_range``.

``RandomElasticTransform`` displaces every pixel by a smooth random field: Gaussian noise
times ``sigma``, blurred with a Gaussian of width ``sigma`` (kernel ``int(6 sigma) | 1``),
scaled by ``alpha``; ``alpha = 0.1 * d * max(h, w)`` and ``sigma = 0.05 * d * min(h, w)``
for a distortion ``d`` drawn from ``scale``.  Each image is transformed with probability
drawn from ``factor``.  Sampling follows ``map_coordinates``: nearest (round half up) or
bilinear, the points outside the image given by ``fill_mode`` ('reflect' d c b a | a b c
d, 'mirror' d c b | a b c d, 'wrap', 'nearest', 'constant' with ``fill_value``).

Both are the identity at inference, draw from the layer's generator (``seed=``) or from
ndflow's global stream, and take ``(batch, h, w, c)`` or one ``(h, w, c)`` image
(channels first with ``data_format="channels_first"``).
"""
import numpy as np

from ndflow.keras.layers.preprocessing_augment import (
    _AugmentLayer, _factor, _value_range, _check_interpolation, _depthwise_same,
    _gaussian_kernel, RandomShear, RandomColorDegeneration, RandomSharpness,
    RandomPosterization, Solarization, AutoContrast, Equalization)
from ndflow.keras.layers.preprocessing_image import (RandomTranslation, RandomRotation,
                                                     RandomBrightness, RandomContrast)

__all__ = ["AugMix", "RandomElasticTransform"]

_AUGMIX_OPS = ("random_shear", "random_translation", "random_rotation",
               "random_posterization", "solarization", "auto_contrast", "equalization")
_AUGMIX_OPS_ALL = _AUGMIX_OPS + ("random_brightness", "random_color_degeneration",
                                 "random_contrast", "random_sharpness")


def _positive_int(value, name, layer, minimum=1):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError("%s: %s must be an int >= %d, got %r." % (layer, name, minimum, value))
    return int(value)


class AugMix(_AugmentLayer):
    """Mixes ``num_chains`` randomly augmented copies of each batch with the original."""

    _CAST_AT_INFERENCE = True

    def __init__(self, value_range=(0, 255), num_chains=3, chain_depth=3, factor=0.3,
                 alpha=1.0, all_ops=True, interpolation="bilinear", seed=None,
                 data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.value_range = _value_range(value_range, "AugMix")
        self.num_chains = _positive_int(num_chains, "num_chains", "AugMix")
        self.chain_depth = _positive_int(chain_depth, "chain_depth", "AugMix", minimum=0)
        self.factor = _factor(factor, "factor", "AugMix", (0, 1))
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or alpha <= 0:
            raise ValueError("AugMix: alpha (the Dirichlet/Beta concentration) must be a "
                             "positive number, got %r." % (alpha,))
        self.alpha = float(alpha)
        self.all_ops = bool(all_ops)
        _check_interpolation(interpolation, "AugMix")
        self.interpolation = interpolation
        f, vr = self.factor, self.value_range
        self._ops = _AUGMIX_OPS_ALL if self.all_ops else _AUGMIX_OPS
        # the parts draw only through AugMix's generator (their own seeds are unused)
        self._parts = {
            "random_shear": RandomShear(x_factor=f, y_factor=f, interpolation=interpolation),
            "random_translation": RandomTranslation(f, f, interpolation=interpolation),
            "random_rotation": RandomRotation(f, interpolation=interpolation),
            "random_posterization": RandomPosterization(max(1, int(8 * f[1])),
                                                        value_range=vr),
            "solarization": Solarization(addition_factor=f, threshold_factor=f,
                                         value_range=vr),
            "auto_contrast": AutoContrast(value_range=vr),
            "equalization": Equalization(value_range=vr),
        }
        if self.all_ops:
            self._parts.update({
                "random_brightness": RandomBrightness(f, value_range=vr),
                "random_color_degeneration": RandomColorDegeneration(f, value_range=vr),
                "random_contrast": RandomContrast(f, value_range=vr),
                "random_sharpness": RandomSharpness(f, value_range=vr),
            })

    def _draw(self, gen):
        """The random choices of one call: chain weights, the original's weight and, per
        chain, the (op name, generator seed) steps (a None pick is skipped)."""
        g = gen.gamma(self.alpha, size=self.num_chains)
        weights = g / g.sum()
        weight_sample = gen.beta(self.alpha, self.alpha)
        chains = []
        for _ in range(self.num_chains):
            steps = []
            for _ in range(self.chain_depth):
                k = int(gen.integers(0, len(self._ops) + 1))
                seed = int(gen.integers(0, 2 ** 63 - 1))
                if k < len(self._ops):
                    steps.append((self._ops[k], seed))
            chains.append(steps)
        return weights, weight_sample, chains

    def _mix(self, x, weights, weight_sample, chains):
        aug = np.zeros_like(x)
        for w, steps in zip(weights, chains):
            y = x.copy()
            for name, seed in steps:
                y = np.asarray(self._parts[name]._augment(y, np.random.default_rng(seed)),
                               dtype=x.dtype)
            aug = aug + y * x.dtype.type(w)
        ws = x.dtype.type(weight_sample)
        out = ws * x + (1 - ws) * aug
        return np.clip(out, self.value_range[0], self.value_range[1])

    def _augment(self, x, gen):
        return self._mix(x, *self._draw(gen))

    def get_config(self):
        config = super().get_config()
        seed = config.pop("seed")
        config.update({"value_range": self.value_range, "num_chains": self.num_chains,
                       "chain_depth": self.chain_depth, "factor": self.factor,
                       "alpha": self.alpha, "all_ops": self.all_ops,
                       "interpolation": self.interpolation, "seed": seed})
        return config


_ELASTIC_FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


def _fill_index(i, size, mode):
    """Integer indices ``i`` mapped into [0, size) by ``mode``, and the mask of those that
    are inside (all but the out-of-range ones in 'constant' mode)."""
    if mode == "constant":
        return np.clip(i, 0, size - 1), (i >= 0) & (i < size)
    if mode == "nearest":
        j = np.clip(i, 0, size - 1)
    elif mode == "wrap":
        j = np.mod(i, size)
    elif mode == "reflect":        # half-sample symmetric: d c b a | a b c d | d c b a
        j = np.mod(i, 2 * size)
        j = np.where(j >= size, 2 * size - 1 - j, j)
    else:                          # mirror, whole-sample symmetric: d c b | a b c d | c b a
        if size == 1:
            return np.zeros_like(i), None
        period = 2 * (size - 1)
        j = np.mod(i, period)
        j = np.where(j >= size, period - j, j)
    return j, None


def _warp(images, x_in, y_in, interpolation, fill_mode, fill_value):
    """Sample (B, H, W, C) ``images`` at per-pixel input coordinates (B, H, W), as
    ``map_coordinates`` does (order 0 rounds half up; order 1 is bilinear with each of
    the four neighbours placed by ``fill_mode``)."""
    b, h, w, c = images.shape
    bidx = np.arange(b)[:, None, None]
    src = images.astype(np.float64)

    def gather(yi, xi):
        yy, my = _fill_index(yi, h, fill_mode)
        xx, mx = _fill_index(xi, w, fill_mode)
        v = src[bidx, yy, xx]
        if my is not None:
            v = np.where((my & mx)[..., None], v, fill_value)
        return v

    if interpolation == "nearest":
        out = gather(np.floor(y_in + 0.5).astype(np.int64),
                     np.floor(x_in + 0.5).astype(np.int64))
    else:
        x0, y0 = np.floor(x_in), np.floor(y_in)
        fx, fy = (x_in - x0)[..., None], (y_in - y0)[..., None]
        x0, y0 = x0.astype(np.int64), y0.astype(np.int64)
        out = ((1 - fy) * ((1 - fx) * gather(y0, x0) + fx * gather(y0, x0 + 1))
               + fy * ((1 - fx) * gather(y0 + 1, x0) + fx * gather(y0 + 1, x0 + 1)))
    return out.astype(images.dtype)


def elastic_params(height, width, distortion):
    """``(alpha, sigma)`` of RandomElasticTransform for a distortion factor."""
    return max(height, width) * 0.1 * distortion, min(height, width) * 0.05 * distortion


class RandomElasticTransform(_AugmentLayer):
    """Distorts images with a smooth random displacement field (elastic deformation)."""

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_mode="reflect",
                 fill_value=0.0, value_range=(0, 255), seed=None, data_format=None,
                 **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _factor(factor, "factor", "RandomElasticTransform", (0, 1))
        self.scale = _factor(scale, "scale", "RandomElasticTransform", (0, 1))
        _check_interpolation(interpolation, "RandomElasticTransform")
        if fill_mode not in _ELASTIC_FILL_MODES:
            raise ValueError("RandomElasticTransform: fill_mode must be one of %s, got %r."
                             % (", ".join(repr(m) for m in _ELASTIC_FILL_MODES), fill_mode))
        self.interpolation = interpolation
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.value_range = _value_range(value_range, "RandomElasticTransform")

    def _displace(self, x, dx, dy, alpha):
        """Warp (B, H, W, C) ``x`` by the fields ``alpha * (dx, dy)`` (B, H, W)."""
        b, h, w, _ = x.shape
        ys, xs = np.meshgrid(np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64),
                             indexing="ij")
        return _warp(x, xs + alpha * dx, ys + alpha * dy, self.interpolation,
                     self.fill_mode, self.fill_value)

    def _augment(self, x, gen):
        if self.scale[1] == 0 or self.factor[1] == 0:
            return x                        # as Keras: no transformation, no clipping
        b, h, w, _ = x.shape
        probability = gen.uniform(self.factor[0], self.factor[1], size=b)
        apply = gen.uniform(0.0, 1.0, size=b) < probability
        distortion = float(np.float32(gen.uniform(self.scale[0], self.scale[1])))
        alpha, sigma = elastic_params(h, w, distortion)
        size = int(6 * np.float32(sigma)) | 1
        kernel = _gaussian_kernel((size, size), (sigma, sigma), np.float64)
        fields = []
        for _ in range(2):
            noise = gen.standard_normal((b, h, w)) * sigma
            fields.append(_depthwise_same(noise[..., None], kernel)[..., 0])
        warped = self._displace(x, fields[0], fields[1], alpha)
        out = np.where(apply[:, None, None, None], warped, x)
        return np.clip(out, self.value_range[0], self.value_range[1])

    def get_config(self):
        config = super().get_config()
        seed = config.pop("seed")
        config.update({"factor": self.factor, "scale": self.scale,
                       "interpolation": self.interpolation, "fill_mode": self.fill_mode,
                       "fill_value": self.fill_value, "value_range": self.value_range,
                       "seed": seed})
        return config
