"""More Keras 3 image augmentation: ``RandAugment``.

``RandAugment(value_range, num_ops, factor, interpolation, seed)`` holds eleven
augmentation layers (shear, translation, rotation, brightness, colour degeneration,
contrast, sharpness, posterization, solarization, auto-contrast, equalization), all built
from the one strength ``factor`` (a number f means the range (0, f), within [0, 1]).  At
each training call it draws ``num_ops`` layer indices for the whole batch and applies
those layers in turn.  As in Keras, every layer's random parameters are drawn once per
call, so a layer picked twice applies the same transformation twice.  At inference the
images pass through unchanged (cast to the layer's dtype).

Images are ``(batch, height, width, channels)`` or one ``(height, width, channels)``
image (channels first with ``data_format="channels_first"``).  All draws come from the
layer's generator (``seed=``) or from ndflow's global stream.
"""
import numpy as np

from ndflow.keras.layers.preprocessing_augment import (
    _AugmentLayer, _factor, _value_range, _check_interpolation, RandomShear,
    RandomColorDegeneration, RandomSharpness, RandomPosterization, Solarization,
    AutoContrast, Equalization)
from ndflow.keras.layers.preprocessing_image import (RandomTranslation, RandomRotation,
                                                     RandomBrightness, RandomContrast)

__all__ = ["RandAugment"]


class RandAugment(_AugmentLayer):
    """Applies ``num_ops`` augmentations picked at random (per batch) from eleven."""

    _AUGMENT_LAYERS = ("random_shear", "random_translation", "random_rotation",
                       "random_brightness", "random_color_degeneration", "random_contrast",
                       "random_sharpness", "random_posterization", "solarization",
                       "auto_contrast", "equalization")
    _CAST_AT_INFERENCE = True

    def __init__(self, value_range=(0, 255), num_ops=2, factor=0.5, interpolation="bilinear",
                 seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.value_range = _value_range(value_range, "RandAugment")
        if isinstance(num_ops, bool) or not isinstance(num_ops, (int, np.integer)) or \
                num_ops < 0:
            raise ValueError("RandAugment: num_ops must be a non-negative int, got %r."
                             % (num_ops,))
        self.num_ops = int(num_ops)
        self.factor = _factor(factor, "factor", "RandAugment", (0, 1))
        _check_interpolation(interpolation, "RandAugment")
        self.interpolation = interpolation
        f = self.factor
        vr = self.value_range
        # the parts only draw through RandAugment's generator (their own seeds unused)
        self._parts = {
            "random_shear": RandomShear(x_factor=f, y_factor=f, interpolation=interpolation),
            "random_translation": RandomTranslation(f, f, interpolation=interpolation),
            "random_rotation": RandomRotation(f, interpolation=interpolation),
            "random_brightness": RandomBrightness(f, value_range=vr),
            "random_color_degeneration": RandomColorDegeneration(f, value_range=vr),
            "random_contrast": RandomContrast(f, value_range=vr),
            "random_sharpness": RandomSharpness(f, value_range=vr),
            "random_posterization": RandomPosterization(max(1, int(8 * f[1])),
                                                        value_range=vr),
            "solarization": Solarization(addition_factor=f, threshold_factor=f,
                                         value_range=vr),
            "auto_contrast": AutoContrast(value_range=vr),
            "equalization": Equalization(value_range=vr),
        }

    def _augment(self, x, gen):
        n = len(self._AUGMENT_LAYERS)
        chosen = gen.integers(0, n, size=self.num_ops)
        # one seed per part and call: a part chosen twice repeats its transformation
        seeds = gen.integers(0, 2 ** 63 - 1, size=n)
        for idx in chosen:
            part = self._parts[self._AUGMENT_LAYERS[idx]]
            y = part._augment(x, np.random.default_rng(int(seeds[idx])))
            x = np.asarray(y, dtype=x.dtype)
        return x

    def get_config(self):
        config = super().get_config()
        seed = config.pop("seed")
        config.update({"value_range": self.value_range, "num_ops": self.num_ops,
                       "factor": self.factor, "interpolation": self.interpolation,
                       "seed": seed})
        return config
