"""Keras 3 augmentation layers of ``preprocessing_augment``: deterministic settings against
NumPy computations, random ones by invariants (shape, range, seeding)."""
import os
import sys

import numpy as np
import pytest

from ndflow.keras.layers import preprocessing_augment as A

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from layer_test_helper import run_layer_test  # noqa: E402

RNG = np.random.default_rng(5)
IMG = RNG.uniform(0, 255, size=(4, 6, 5, 3)).astype("float32")
CUSTOM = {n: getattr(A, n) for n in A.__all__}

LAYERS = [
    (A.RandomGrayscale, {"factor": 0.5}), (A.RandomHue, {"factor": 0.5}),
    (A.RandomSaturation, {"factor": 0.5}),
    (A.RandomColorJitter, {"brightness_factor": 0.2, "contrast_factor": 0.3,
                           "saturation_factor": 0.5, "hue_factor": 0.2}),
    (A.RandomColorDegeneration, {"factor": 0.5}), (A.RandomSharpness, {"factor": 0.5}),
    (A.RandomInvert, {}), (A.RandomPosterization, {"factor": 4}),
    (A.Solarization, {"addition_factor": 0.2, "threshold_factor": 0.5}),
    (A.Equalization, {}), (A.RandomErasing, {}), (A.RandomGaussianBlur, {}),
    (A.RandomShear, {"x_factor": 0.3, "y_factor": 0.2}), (A.RandomPerspective, {}),
    (A.MixUp, {}), (A.CutMix, {}),
]


def gray(x):
    return (x.astype(np.float64) @ np.array([0.2989, 0.5870, 0.1140]))[..., None]


@pytest.mark.parametrize("cls,kw", LAYERS, ids=[c.__name__ for c, _ in LAYERS])
def test_layer_helper_and_invariants(cls, kw):
    # inference: identity (the helper compares calls, so use the deterministic path)
    run_layer_test(cls, dict(kw, seed=3), input_data=IMG, expected_output_shape=IMG.shape,
                   expected_num_trainable_weights=0, expected_output=IMG,
                   call_kwargs={"training": False}, custom_objects=CUSTOM)
    # training: shape, dtype, value range kept; seeded layers reproduce; draws differ per call
    a, b = cls(seed=7, **kw), cls(seed=7, **kw)
    ya, yb = a(IMG, training=True).numpy(), b(IMG, training=True).numpy()
    assert ya.shape == IMG.shape and ya.dtype == np.float32
    np.testing.assert_array_equal(ya, yb)
    assert ya.min() >= -1e-3 and ya.max() <= 255 + 1e-3, (ya.min(), ya.max())
    if cls is not A.Equalization:
        outs = [a(IMG, training=True).numpy() for _ in range(4)]
        assert any(not np.array_equal(o, ya) for o in outs)
    # single image and channels_first give the same transform layout
    one = cls(seed=2, **kw)(IMG[0], training=True).numpy()
    assert one.shape == IMG[0].shape
    cf = cls(seed=2, data_format="channels_first", **kw)(IMG.transpose(0, 3, 1, 2))
    np.testing.assert_allclose(cf.numpy().transpose(0, 2, 3, 1),
                               cls(seed=2, **kw)(IMG).numpy(), rtol=1e-5, atol=1e-4)


def test_autocontrast_always_applies():
    run_layer_test(A.AutoContrast, {}, input_data=IMG, expected_output_shape=IMG.shape,
                   expected_num_trainable_weights=0, custom_objects=CUSTOM)
    x = IMG.astype(np.float64)
    lo, hi = x.min(axis=(1, 2), keepdims=True), x.max(axis=(1, 2), keepdims=True)
    want = (x - lo) / (hi - lo) * 255
    for training in (True, False):
        np.testing.assert_allclose(A.AutoContrast()(IMG, training=training).numpy(), want,
                                   rtol=1e-5, atol=1e-3)
    y = A.AutoContrast(value_range=(0, 1))(IMG / 255.0).numpy()
    np.testing.assert_allclose(y, want / 255, atol=1e-5)
    flat = np.full((1, 3, 3, 1), 7.0, np.float32)      # constant channel unchanged
    np.testing.assert_array_equal(A.AutoContrast()(flat).numpy(), flat)


def test_grayscale_invert_degeneration_fixed_factors():
    g = A.RandomGrayscale(factor=1.0)(IMG).numpy()
    np.testing.assert_allclose(g, np.broadcast_to(gray(IMG), IMG.shape), rtol=1e-5, atol=1e-3)
    np.testing.assert_array_equal(A.RandomGrayscale(factor=0.0)(IMG).numpy(), IMG)
    np.testing.assert_allclose(A.RandomInvert(factor=(1, 1))(IMG).numpy(), 255 - IMG)
    np.testing.assert_array_equal(A.RandomInvert(factor=0.0)(IMG).numpy(), IMG)
    d = A.RandomColorDegeneration(factor=(1, 1))(IMG).numpy()
    np.testing.assert_allclose(d, np.broadcast_to(gray(IMG), IMG.shape), rtol=1e-5, atol=1e-3)
    half = A.RandomColorDegeneration(factor=(0.5, 0.5))(IMG).numpy()
    np.testing.assert_allclose(half, (IMG + gray(IMG)) / 2, rtol=1e-5, atol=1e-3)
    # RandomInvert with factor 1.0: the probability is uniform, so about half are inverted
    layer = A.RandomInvert(seed=0)
    x = np.full((400, 1, 1, 1), 10.0, np.float32)
    frac = np.mean(layer(x).numpy() == 245.0)
    assert 0.4 < frac < 0.6, frac


def test_posterization_solarization_exact():
    ints = RNG.integers(0, 256, size=(2, 4, 4, 3)).astype(np.float32)
    for bits in (1, 3, 8):
        y = A.RandomPosterization(factor=(bits, bits))(ints).numpy()
        mask = 256 - 2 ** (8 - bits)
        np.testing.assert_array_equal(y, (ints.astype(np.uint8) & mask).astype(np.float32))
    y = A.RandomPosterization(factor=(2, 2), value_range=(0, 1))(ints / 255).numpy()
    np.testing.assert_allclose(y, (ints.astype(np.uint8) & 0b11000000) / 255, atol=1e-6)
    # threshold 0: every value is inverted; addition 0
    np.testing.assert_allclose(A.Solarization()(IMG).numpy(), 255 - IMG, atol=1e-4)
    # threshold drawn in [0.5, 0.5*255]: values below it stay, the rest invert
    out = A.Solarization(threshold_factor=(0.5, 0.5), seed=1)(IMG).numpy()
    assert np.all((np.isclose(out, IMG, atol=1e-3)) | np.isclose(out, 255 - IMG, atol=1e-3))
    np.testing.assert_array_equal(A.Solarization()(IMG, training=False).numpy(), IMG)


def equalize_channel(ch, bins=256):
    idx = np.clip((ch * (bins - 1) / 255.0).astype(int), 0, bins - 1)
    hist = np.bincount(idx.ravel(), minlength=bins)
    if np.count_nonzero(hist) <= 1:
        return ch
    cdf = np.cumsum(hist)
    cmin = cdf[cdf > 0][0]
    lut = np.clip(np.round((cdf - cmin) * 255.0 / max(cdf[-1] - cmin, 1)), 0, 255)
    return lut[np.clip(ch / 255.0 * (bins - 1), 0, bins - 1).astype(int)]


def test_equalization():
    ints = RNG.integers(40, 120, size=(2, 5, 5, 3)).astype(np.float32)
    y = A.Equalization()(ints).numpy()
    want = np.stack([equalize_channel(ints[..., c]) for c in range(3)], axis=-1)
    np.testing.assert_allclose(y, want)
    assert y.max() == 255 and y.min() == 0
    y8 = A.Equalization(bins=8)(ints).numpy()
    want8 = np.stack([equalize_channel(ints[..., c], 8) for c in range(3)], axis=-1)
    np.testing.assert_allclose(y8, want8)
    np.testing.assert_array_equal(A.Equalization()(ints, training=False).numpy(), ints)


def test_hue_saturation_fixed():
    # hue factor 0 and saturation factor 0.5 (multiplier ~1) keep the image
    np.testing.assert_allclose(A.RandomHue(factor=0.0)(IMG).numpy(), IMG, atol=2e-3)
    np.testing.assert_allclose(A.RandomSaturation(factor=(0.5, 0.5))(IMG).numpy(), IMG,
                               rtol=1e-5, atol=2e-3)
    # saturation 0: r = g = b = max(r, g, b)
    z = A.RandomSaturation(factor=(0.0, 0.0))(IMG).numpy()
    np.testing.assert_allclose(z, np.broadcast_to(IMG.max(-1, keepdims=True), IMG.shape),
                               rtol=1e-6)
    # a hue shift of a full turn of red: pure red with shift 1/3 becomes green
    red = np.zeros((1, 1, 1, 3), np.float32)
    red[..., 0] = 200
    layer = A.RandomHue(factor=(2 / 3, 2 / 3))
    out = layer._apply(red, np.array([1 / 3]))
    np.testing.assert_allclose(out[0, 0, 0], [0, 200, 0], atol=1e-3)
    # rgb <-> hsv round trip
    hsv = A._rgb_to_hsv(IMG / 255.0)
    assert hsv[..., 0].min() >= 0 and hsv[..., 0].max() < 1
    np.testing.assert_allclose(A._hsv_to_rgb(hsv), IMG / 255.0, atol=1e-5)


def test_sharpness_and_blur_exact():
    x = RNG.uniform(0, 255, size=(1, 5, 6, 2)).astype(np.float64)
    k = np.full((3, 3), 1 / 13.0)
    k[1, 1] = 5 / 13.0
    p = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    smooth = sum(k[i, j] * p[:, i:i + 5, j:j + 6] for i in range(3) for j in range(3))
    for f in (0.0, 0.5, 1.0):
        got = A.RandomSharpness(factor=(f, f), dtype="float64")(x).numpy()
        want = np.clip(x + (1 - 2 * f) * (smooth - x), 0, 255)
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-9)
    # Gaussian blur, sigma fixed to 1 (+1e-6) in both directions, 3x5 kernel
    g = lambda n: np.exp(-0.5 * ((np.arange(n) - (n - 1) / 2) / (1 + 1e-6)) ** 2)
    gy, gx = g(3), g(5)
    # Keras builds outer(k(3), k(5)) and reshapes it (no transpose) to (5, 3)
    kern = np.outer(gy / gy.sum(), gx / gx.sum()).reshape(5, 3)
    p = np.pad(x, ((0, 0), (2, 2), (1, 1), (0, 0)))
    want = sum(kern[i, j] * p[:, i:i + 5, j:j + 6] for i in range(5) for j in range(3))
    got = A.RandomGaussianBlur(factor=(1, 1), kernel_size=(5, 3), sigma=(1, 1),
                               dtype="float64")(x).numpy()
    np.testing.assert_allclose(got, np.clip(want, 0, 255), rtol=1e-10, atol=1e-9)


def test_erasing_cutmix_mixup_invariants():
    x = np.arange(2 * 8 * 8, dtype=np.float32).reshape(2, 8, 8, 1)
    y = A.RandomErasing(factor=(1, 1), scale=(0.25, 0.25), fill_value=-5.0,
                        value_range=(-10, 255), seed=0)(x).numpy()
    erased = y == -5.0
    assert erased.sum(axis=(1, 2, 3)).tolist() == [16, 16]  # a 4x4 box per image
    np.testing.assert_array_equal(y[~erased], x[~erased])
    assert np.array_equal(A.RandomErasing(factor=0.0)(x).numpy(), x)
    # MixUp: a convex combination of the image and another image of the batch
    m = A.MixUp(alpha=0.5, seed=3)
    out = m({"images": IMG, "labels": np.eye(4, dtype=np.float32)})
    lab = out["labels"].numpy()
    np.testing.assert_allclose(lab.sum(axis=1), 1.0, rtol=1e-6)
    # CutMix: every pixel comes from the image itself or its partner, labels by area
    c = A.CutMix(seed=4)
    res = c({"images": x, "labels": np.eye(2, dtype=np.float32)})
    imgs, lab = res["images"].numpy(), res["labels"].numpy()
    assert np.all((imgs == x) | (imgs == x[::-1]))
    for i in range(2):
        own = np.mean(imgs[i] == x[i])
        np.testing.assert_allclose(lab[i, i] if own < 1 else 1.0, own, atol=0.2)
    single = A.CutMix(seed=1)(x[0]).numpy()
    np.testing.assert_array_equal(single, x[0])


def test_shear_and_perspective_fixed():
    x = RNG.uniform(0, 255, size=(1, 6, 7, 1)).astype(np.float32)
    np.testing.assert_allclose(A.RandomShear()(x).numpy(), x, atol=1e-4)
    np.testing.assert_allclose(A.RandomPerspective(scale=0.0)(x).numpy(), x, atol=1e-3)
    np.testing.assert_allclose(A.RandomPerspective(factor=0.0)(x).numpy(), x, atol=1e-3)
    # integer shear of 1 with nearest: output (x, y) = input (x + y, y) or (x - y, y)
    s = A.RandomShear(x_factor=(1, 1), interpolation="nearest", fill_mode="constant",
                      fill_value=-1, seed=0)(x).numpy()[0, :, :, 0]
    ok_pos = all(s[r, c] == (x[0, r, c + r, 0] if c + r < 7 else -1)
                 for r in range(6) for c in range(7))
    ok_neg = all(s[r, c] == (x[0, r, c - r, 0] if c - r >= 0 else -1)
                 for r in range(6) for c in range(7))
    assert ok_pos or ok_neg


def test_pipeline_and_jitter():
    p = A.Pipeline([A.RandomInvert(factor=(1, 1)), A.AutoContrast()])
    want = A.AutoContrast()(255 - IMG).numpy()
    np.testing.assert_allclose(p(IMG).numpy(), want, rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(p(IMG, training=False).numpy(), A.AutoContrast()(IMG).numpy())
    clone = A.Pipeline.from_config(p.get_config(), custom_objects=CUSTOM)
    np.testing.assert_allclose(clone(IMG).numpy(), want, rtol=1e-5, atol=1e-3)
    assert p.compute_output_shape((None, 6, 5, 3)) == (None, 6, 5, 3)
    j = A.RandomColorJitter(brightness_factor=(0, 0), contrast_factor=0.0, hue_factor=0.0)
    np.testing.assert_allclose(j(IMG).numpy(), IMG, atol=2e-3)


def test_config_defaults_and_errors():
    assert A.RandomHue(0.5).get_config()["factor"] == (0, 0.5)
    assert A.RandomSaturation(0.5).get_config()["factor"] == (-0.5, 0.5)
    assert A.RandomPosterization(4).get_config()["factor"] == (1, 4)
    c = A.Solarization().get_config()
    assert c["addition_factor"] == (0, 0.0) and c["value_range"] == [0, 255]
    assert "seed" not in A.AutoContrast().get_config()
    assert A.RandomGaussianBlur().get_config()["kernel_size"] == (3, 3)
    assert A.RandomShear().get_config()["x_factor"] == (-0.0, 0.0)
    with pytest.raises(ValueError, match="RandomHue"):
        A.RandomHue(1.5)
    with pytest.raises(ValueError, match="kernel_size"):
        A.RandomGaussianBlur(kernel_size=4)
    with pytest.raises(ValueError, match="RandomGrayscale"):
        A.RandomGrayscale(factor=2)
    with pytest.raises(ValueError, match="expects images"):
        A.RandomInvert()(np.zeros((3, 3), np.float32))
