"""``tf.image`` (ndflow.image): every function against NumPy float64 re-derivations where the
result is exact, and against values computed with TensorFlow 2.21 where TensorFlow's own
conventions decide (rounding of integer images, kernel details, box drawing, suppression
order).  Constants marked "from TensorFlow 2.21" were printed by running the same call on
the same input with real TensorFlow and pasted in; TensorFlow is not needed to run these
tests."""
import colorsys

import numpy as np
import pytest

import ndflow as tf
from ndflow.ops import image_ops


def _img(shape, mult=37, mod=101):
    """Deterministic irregular values in [0, 1]."""
    n = int(np.prod(shape))
    return (((np.arange(n) * mult) % mod) / (mod - 1)).reshape(shape).astype(np.float32)


IMG = _img((2, 5, 7, 3))                       # a batch of two 5x7 RGB images
U8 = (IMG * 255).astype(np.uint8)
SMALL = (_img((4, 5, 1), 53, 97) * 255).astype(np.uint8)
F32 = dict(rtol=1e-5, atol=1e-5)


def _grad_check(f, x0, eps, rtol, atol=0.0, seed=0):
    """Gradient of sum(f(x) * r) from the tape against central finite differences."""
    rng = np.random.default_rng(seed)
    x0 = np.asarray(x0)
    y0 = f(tf.constant(x0)).numpy()
    r = rng.normal(size=y0.shape).astype(y0.dtype)

    def loss(v):
        return float((f(tf.constant(v)).numpy().astype(np.float64) * r).sum())

    xt = tf.constant(x0)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        s = tf.reduce_sum(f(xt) * r)
    g = tape.gradient(s, xt).numpy()
    fd = np.zeros(x0.shape)
    for idx in np.ndindex(x0.shape):
        hi, lo = x0.copy(), x0.copy()
        hi[idx] += eps
        lo[idx] -= eps
        fd[idx] = (loss(hi) - loss(lo)) / (2 * eps)
    assert np.abs(fd).max() > 1e-3            # not trivially zero
    np.testing.assert_allclose(g, fd, rtol=rtol, atol=atol * np.abs(fd).max())


def test_tf_image_is_the_ndflow_image_package():
    import ndflow.image
    assert tf.image is ndflow.image
    # the resampling core moved to ops; the Keras module still exports it
    from ndflow.keras.layers import preprocessing_image
    assert preprocessing_image.resize_images is image_ops.resize_images
    assert preprocessing_image.RESIZE_METHODS == image_ops.RESIZE_METHODS


# ---- resize ----------------------------------------------------------------------------------------

# from TensorFlow 2.21: tf.image.resize(SMALL, (3, 7), method=m)[..., 0] (a 3-D uint8 image)
RESIZE_TF = {
    "bilinear": [31.333338, 86.85714, 107.35713, 54.500004, 124.50002, 120.78571, 78.5,
                 153.5, 86.64286, 76.785728, 177.5, 93.928558, 120.92857, 201.5, 61.499989,
                 117.50001, 138.35715, 85.499985, 155.50003, 151.78574, 109.49998],
    "bicubic": [15.763271, 89.937805, 116.46501, 45.314949, 133.66241, 125.71757, 64.221664,
                178.2394, 74.593834, 55.863754, 193.625, 72.992004, 110.7915, 227.7014,
                50.623497, 125.34512, 152.32729, 81.112633, 169.4601, 161.51526, 100.01936],
    "area": [47.000008, 92.449997, 112.24998, 70.250008, 131.45003, 125.74995, 94.250015,
             153.50002, 83.299988, 64.699974, 177.5, 83.899994, 116.89994, 201.50003,
             67.249992, 113.14999, 133.24998, 91.249985, 152.45003, 146.74992, 115.25001],
    "lanczos3": [13.654885, 95.550682, 119.7111, 47.806683, 135.69812, 132.28024, 62.024487,
                 210.91214, 60.857117, 42.829144, 214.35712, 58.657356, 98.064758, 260.38763,
                 44.033306, 126.4675, 151.1653, 79.133408, 167.01624, 163.60701, 93.351204],
    "gaussian": [45.351929, 88.182701, 104.79564, 78.441185, 122.53802, 121.67439, 90.912727,
                 145.19301, 87.945465, 80.714516, 150.02118, 98.480141, 121.77203, 191.489,
                 70.583694, 113.81481, 130.73935, 104.40816, 148.50502, 147.64137, 116.87969],
    "mitchellcubic": [31.836718, 88.857315, 109.59998, 64.560127, 126.76648, 123.89651,
                      79.003342, 162.42357, 81.301247, 69.949165, 170.13422, 87.090988,
                      116.72247, 210.45827, 60.985683, 118.47298, 139.60602, 94.542488,
                      156.74889, 153.87891, 108.98568],
}
# from TensorFlow 2.21: the same with method='nearest' (uint8 stays uint8)
RESIZE_NEAREST_TF = [[0, 140, 140, 23, 164, 164, 47], [119, 2, 2, 143, 26, 26, 167],
                     [50, 191, 191, 74, 215, 215, 98]]


@pytest.mark.parametrize("method", sorted(RESIZE_TF))
def test_resize_uint8_image_matches_tensorflow(method):
    got = tf.image.resize(SMALL, (3, 7), method=method)
    assert got.dtype == tf.float32 and got.shape == (3, 7, 1)
    np.testing.assert_allclose(got.numpy()[..., 0], np.reshape(RESIZE_TF[method], (3, 7)),
                               rtol=1e-5, atol=1e-3)


def test_resize_nearest_keeps_the_dtype_and_picks_pixels():
    got = tf.image.resize(SMALL, (3, 7), method="nearest")
    assert got.dtype == tf.uint8
    np.testing.assert_array_equal(got.numpy()[..., 0], RESIZE_NEAREST_TF)
    # the pixel whose cell holds each output sample's centre: floor((i + 0.5) * old / new)
    rows = np.floor((np.arange(7) + 0.5) * 5 / 7).astype(int)
    cols = np.floor((np.arange(4) + 0.5) * 7 / 4).astype(int)
    for dt in (np.uint8, np.int32, np.float16, np.float64):
        x = (IMG * 100).astype(dt)
        got = tf.image.resize(x, (7, 4), tf.image.ResizeMethod.NEAREST_NEIGHBOR)
        assert got.dtype == tf.as_dtype(dt)
        np.testing.assert_array_equal(got.numpy(), x[:, rows][:, :, cols])


@pytest.mark.parametrize("method", ["bilinear", "bicubic", "area", "lanczos5", "gaussian"])
def test_resize_casts_every_other_method_to_float32(method):
    for dt in (np.uint8, np.int32, np.float16, np.float64):
        got = tf.image.resize((IMG * 100).astype(dt), (3, 4), method=method)
        assert got.dtype == tf.float32, (method, dt)
        want = tf.image.resize((IMG * 100).astype(dt).astype(np.float32), (3, 4), method)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6, atol=1e-5)


def test_resize_antialias_and_preserve_aspect_ratio():
    # from TensorFlow 2.21: tf.image.resize(SMALL, (2, 3), 'bicubic', antialias=True)
    got = tf.image.resize(SMALL, (2, 3), "bicubic", antialias=True)
    np.testing.assert_allclose(got.numpy()[..., 0],
                               [[94.273743, 112.16971, 133.51329],
                                [95.892937, 114.09724, 135.42238]], rtol=1e-5)
    # from TensorFlow 2.21: the 4x5 image fitted into 9x9 keeps its ratio -> 7x9
    got = tf.image.resize(SMALL, (9, 9), "lanczos5", preserve_aspect_ratio=True)
    assert got.shape == (7, 9, 1)
    np.testing.assert_allclose(got.numpy()[0, :, 0],
                               [-62.128815, 39.562389, 136.66429, 76.516907, -3.8473916,
                                85.215385, 164.74493, 82.10939, -13.280397], rtol=1e-5,
                               atol=1e-3)
    # from TensorFlow 2.21: (2, 4, 6, 3) into (10, 10) -> (2, 7, 10, 3)
    assert tf.image.resize(np.zeros((2, 4, 6, 3)), (10, 10),
                           preserve_aspect_ratio=True).shape == (2, 7, 10, 3)
    assert tf.image.resize(U8, (4, 20), "nearest",
                           preserve_aspect_ratio=True).shape == (2, 4, 6, 3)


def test_resize_batch_equals_each_image_and_accepts_tensor_sizes():
    got = tf.image.resize(IMG, tf.constant([4, 9]), tf.image.ResizeMethod.BICUBIC)
    assert got.shape == (2, 4, 9, 3)
    for i in range(2):
        np.testing.assert_allclose(got.numpy()[i],
                                   tf.image.resize(IMG[i], (4, 9), "bicubic").numpy(), **F32)
    methods = [getattr(tf.image.ResizeMethod, n) for n in
               ("BILINEAR", "NEAREST_NEIGHBOR", "BICUBIC", "AREA", "LANCZOS3", "LANCZOS5",
                "GAUSSIAN", "MITCHELLCUBIC")]
    assert methods == ["bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5",
                       "gaussian", "mitchellcubic"]


def test_resize_errors():
    with pytest.raises(ValueError, match=r"tf.image.resize: images must have rank 3 .* or 4 "
                                         r".*got shape \(5, 7\).*expand_dims"):
        tf.image.resize(IMG[0, ..., 0], (3, 3))
    with pytest.raises(ValueError, match="method must be one of .*'mitchellcubic'.*got "
                                         "'cubic'"):
        tf.image.resize(IMG, (3, 3), "cubic")
    with pytest.raises(ValueError, match=r"size must be a 1-D pair of integers"):
        tf.image.resize(IMG, (3, 3, 1))
    with pytest.raises(ValueError, match=r"size must be a 1-D pair of integers"):
        tf.image.resize(IMG, (2.5, 3))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"output size must be positive, "
                                                             r"got \[0, 3\]"):
        tf.image.resize(IMG, (0, 3))
    with pytest.raises(TypeError, match="images must be numbers .* got bool"):
        tf.image.resize(IMG > 0.5, (3, 3))


def test_resize_bicubic_gradient_matches_finite_differences():
    # resizing is linear, so a large step is exact up to float32 rounding
    x0 = _img((2, 4, 5, 2), 41, 103)
    _grad_check(lambda v: tf.image.resize(v, (7, 3), "bicubic"), x0, eps=0.5, rtol=1e-5,
                atol=1e-6)
    _grad_check(lambda v: tf.image.resize(v, (3, 8), "nearest"), x0, eps=0.5, rtol=1e-5,
                atol=1e-6)


# ---- resize_with_pad / resize_with_crop_or_pad / central_crop / bounding boxes ------------------------

# from TensorFlow 2.21: (height, width, target_height, target_width) ->
#   (pad top, resized height, pad left, resized width); the geometry is float32 in TF, which
#   makes a 1x1 image fitted into 7x7 only 6x6
RESIZE_WITH_PAD_TF = {(4, 6, 6, 6): (1, 4, 0, 6), (4, 6, 4, 8): (0, 4, 1, 6),
                      (4, 6, 7, 4): (2, 2, 0, 4), (1, 1, 7, 7): (0, 6, 0, 6),
                      (1, 1, 7, 8): (0, 6, 0, 6), (1, 2, 3, 3): (0, 1, 0, 3),
                      (1, 2, 4, 7): (0, 3, 0, 6), (5, 3, 8, 2): (2, 3, 0, 2),
                      (8, 8, 3, 5): (0, 3, 1, 3), (2, 7, 8, 8): (2, 2, 0, 8),
                      (3, 8, 2, 5): (0, 1, 0, 5)}


@pytest.mark.parametrize("case", sorted(RESIZE_WITH_PAD_TF))
def test_resize_with_pad_geometry_matches_tensorflow(case):
    h, w, th, tw = case
    top, rh, left, rw = RESIZE_WITH_PAD_TF[case]
    img = _img((h, w, 2)) + 1.0                # no zeros inside the image
    got = tf.image.resize_with_pad(img, th, tw, method="nearest").numpy()
    assert got.shape == (th, tw, 2)
    want = np.zeros((th, tw, 2), np.float32)
    want[top:top + rh, left:left + rw] = tf.image.resize(img, (rh, rw), "nearest").numpy()
    np.testing.assert_array_equal(got, want)


def test_resize_with_pad_values_and_dtypes():
    # 5x7 into 6x6: scaled by 6/7 to 4.29 x 6 -> 4 x 6 rows, top padding floor(1.71 / 2) = 0
    got = tf.image.resize_with_pad(IMG, 6, 6, method="bicubic", antialias=True)
    want = np.zeros((2, 6, 6, 3), np.float32)
    want[:, :4] = tf.image.resize(IMG, (4, 6), "bicubic", antialias=True).numpy()
    np.testing.assert_allclose(got.numpy(), want, **F32)
    assert tf.image.resize_with_pad(IMG[0].astype(np.float64), 9, 4).dtype == tf.float32
    assert tf.image.resize_with_pad(U8[0], 3, 10, method="nearest").dtype == tf.uint8
    with pytest.raises(ValueError, match="resize_with_pad: target_height must be > 0, got 0"):
        tf.image.resize_with_pad(IMG, 0, 4)
    with pytest.raises(tf.errors.InvalidArgumentError, match="becomes empty"):
        tf.image.resize_with_pad(np.zeros((1, 8, 1)), 1, 1)


def test_resize_with_crop_or_pad_matches_tensorflow():
    img = np.arange(30).reshape(5, 6, 1)
    # from TensorFlow 2.21
    np.testing.assert_array_equal(
        tf.image.resize_with_crop_or_pad(img, 3, 9).numpy()[..., 0],
        [[0, 6, 7, 8, 9, 10, 11, 0, 0], [0, 12, 13, 14, 15, 16, 17, 0, 0],
         [0, 18, 19, 20, 21, 22, 23, 0, 0]])
    np.testing.assert_array_equal(
        tf.image.resize_with_crop_or_pad(img, 8, 3).numpy()[..., 0],
        [[0, 0, 0], [1, 2, 3], [7, 8, 9], [13, 14, 15], [19, 20, 21], [25, 26, 27],
         [0, 0, 0], [0, 0, 0]])
    got = tf.image.resize_with_crop_or_pad(U8, 3, 10)
    assert got.dtype == tf.uint8 and got.shape == (2, 3, 10, 3)
    np.testing.assert_array_equal(got.numpy()[:, :, 1:8], U8[:, 1:4])
    with pytest.raises(ValueError, match="target_width must be > 0"):
        tf.image.resize_with_crop_or_pad(U8, 3, 0)


# from TensorFlow 2.21: (height, width, fraction) -> (top, rows, left, cols)
CENTRAL_CROP_TF = {(7, 10, 0.5): (1, 5, 2, 6), (7, 10, 1 / 3): (2, 3, 3, 4),
                   (11, 5, 0.75): (1, 9, 0, 5), (7, 1, 0.01): (3, 1, 0, 1),
                   (9, 10, 0.45): (2, 5, 2, 6), (8, 5, 0.55): (1, 6, 1, 3),
                   (10, 10, 0.95): (0, 10, 0, 10), (3, 10, 0.9): (0, 3, 0, 10),
                   (11, 10, 0.3): (3, 5, 3, 4)}


@pytest.mark.parametrize("case", sorted(CENTRAL_CROP_TF))
def test_central_crop_matches_tensorflow(case):
    h, w, f = case
    top, rows, left, cols = CENTRAL_CROP_TF[case]
    img = np.arange(2 * h * w * 3).reshape(2, h, w, 3)
    np.testing.assert_array_equal(tf.image.central_crop(img, f).numpy(),
                                  img[:, top:top + rows, left:left + cols])
    np.testing.assert_array_equal(tf.image.central_crop(img[1], f).numpy(),
                                  img[1, top:top + rows, left:left + cols])


def test_central_crop_errors_and_identity():
    assert tf.image.central_crop(IMG, 1.0).shape == IMG.shape
    for bad in (0.0, 1.5, -0.2):
        with pytest.raises(ValueError, match=r"central_fraction must be within \(0, 1\]"):
            tf.image.central_crop(IMG, bad)


def test_crop_and_pad_to_bounding_box():
    got = tf.image.crop_to_bounding_box(U8, 1, 2, 3, 4)
    np.testing.assert_array_equal(got.numpy(), U8[:, 1:4, 2:6])
    got = tf.image.pad_to_bounding_box(IMG[0], 1, 2, 8, 10)
    want = np.zeros((8, 10, 3), np.float32)
    want[1:6, 2:9] = IMG[0]
    np.testing.assert_array_equal(got.numpy(), want)
    with pytest.raises(ValueError, match="reaches past the image"):
        tf.image.crop_to_bounding_box(U8, 3, 2, 3, 4)
    with pytest.raises(ValueError, match="offset_height must be >= 0, got -1"):
        tf.image.crop_to_bounding_box(U8, -1, 2, 3, 4)
    with pytest.raises(ValueError, match="target_width must be > 0"):
        tf.image.crop_to_bounding_box(U8, 1, 2, 3, 0)
    with pytest.raises(ValueError, match="does not fit"):
        tf.image.pad_to_bounding_box(U8, 1, 2, 5, 10)
    with pytest.raises(ValueError, match="offset_width must be >= 0"):
        tf.image.pad_to_bounding_box(U8, 1, -2, 8, 10)


def test_crops_and_pads_pass_gradients():
    def f(v):
        a = tf.image.resize_with_crop_or_pad(v, 3, 9)
        b = tf.image.central_crop(v, 0.6)
        c = tf.image.pad_to_bounding_box(v, 1, 0, 6, 7)
        return tf.concat([tf.reshape(a, [-1]), tf.reshape(b, [-1]), tf.reshape(c, [-1])], 0)
    _grad_check(f, _img((1, 4, 5, 2)).astype(np.float64), eps=0.5, rtol=1e-12)


# ---- flips, rotations ------------------------------------------------------------------------------

@pytest.mark.parametrize("x", [U8, U8[0], IMG, IMG[1]], ids=["u8-4d", "u8-3d", "f-4d", "f-3d"])
def test_flips_rotations_transpose_against_numpy(x):
    np.testing.assert_array_equal(tf.image.flip_left_right(x).numpy(), np.flip(x, -2))
    np.testing.assert_array_equal(tf.image.flip_up_down(x).numpy(), np.flip(x, -3))
    for k in (0, 1, 2, 3, -1, 6):
        got = tf.image.rot90(x, k)
        assert got.dtype == tf.as_dtype(x.dtype)
        np.testing.assert_array_equal(got.numpy(), np.rot90(x, k, axes=(-3, -2)))
    np.testing.assert_array_equal(tf.image.transpose(x).numpy(), np.swapaxes(x, -3, -2))


def test_rot90_matches_tensorflow_orientation():
    # from TensorFlow 2.21: tf.image.rot90(img, 1) of a 4x6 image starts with img[0, 5]
    img = np.arange(4 * 6 * 3, dtype=np.uint8).reshape(4, 6, 3)
    got = tf.image.rot90(img).numpy()
    assert got.shape == (6, 4, 3)
    np.testing.assert_array_equal(got.ravel()[:6], [15, 16, 17, 33, 34, 35])
    np.testing.assert_array_equal(tf.image.rot90(img, -1).numpy().ravel()[:6],
                                  [54, 55, 56, 36, 37, 38])


def test_flip_errors():
    with pytest.raises(ValueError, match=r"flip_left_right: image must have rank 3 .*got "
                                         r"shape \(5, 7\)"):
        tf.image.flip_left_right(IMG[0, ..., 0])
    with pytest.raises(ValueError, match=r"rot90: image must have rank 3"):
        tf.image.rot90(IMG[None])
    with pytest.raises(TypeError, match="k must be an integer"):
        tf.image.rot90(IMG, 1.5)


def test_random_flips_are_seeded_and_per_image():
    batch = np.arange(64 * 2 * 3 * 1, dtype=np.float32).reshape(64, 2, 3, 1)
    tf.random.set_seed(7)
    a = tf.image.random_flip_left_right(batch, seed=3).numpy()
    b = tf.image.random_flip_up_down(batch).numpy()
    tf.random.set_seed(7)
    np.testing.assert_array_equal(tf.image.random_flip_left_right(batch, seed=3).numpy(), a)
    np.testing.assert_array_equal(tf.image.random_flip_up_down(batch).numpy(), b)
    for out, flipped in ((a, np.flip(batch, 2)), (b, np.flip(batch, 1))):
        same = (out == batch).all(axis=(1, 2, 3))
        flip = (out == flipped).all(axis=(1, 2, 3))
        assert (same | flip).all()
        assert 10 < flip.sum() < 54              # each image decided on its own
    single = tf.image.random_flip_left_right(U8[0]).numpy()
    assert single.dtype == np.uint8
    assert (single == U8[0]).all() or (single == np.flip(U8[0], 1)).all()
    s1 = tf.image.stateless_random_flip_left_right(batch, seed=(1, 2)).numpy()
    np.testing.assert_array_equal(
        tf.image.stateless_random_flip_left_right(batch, seed=(1, 2)).numpy(), s1)
    assert not np.array_equal(
        tf.image.stateless_random_flip_left_right(batch, seed=(1, 3)).numpy(), s1)
    with pytest.raises(ValueError, match=r"seed must be a pair of integers"):
        tf.image.stateless_random_flip_up_down(batch, seed=3)


def test_random_flip_passes_gradients():
    x = tf.constant(_img((4, 2, 3, 1)))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.image.random_flip_left_right(x, seed=1)
        s = tf.reduce_sum(y * np.arange(24, dtype=np.float32).reshape(4, 2, 3, 1))
    g = tape.gradient(s, x).numpy()
    w = np.arange(24, dtype=np.float32).reshape(4, 2, 3, 1)
    for i in range(4):
        flipped = not np.array_equal(y.numpy()[i], x.numpy()[i])
        np.testing.assert_array_equal(g[i], np.flip(w[i], 1) if flipped else w[i])


# ---- convert_image_dtype -------------------------------------------------------------------------

def test_convert_image_dtype_matches_tensorflow():
    u8 = np.array([0, 1, 127, 128, 254, 255], np.uint8)
    c = tf.image.convert_image_dtype
    # from TensorFlow 2.21
    np.testing.assert_allclose(c(u8, tf.float32).numpy(),
                               [0, 0.003921569, 0.49803925, 0.5019608, 0.9960785, 1], rtol=1e-7)
    np.testing.assert_array_equal(c(u8, tf.uint16).numpy(),
                                  [0, 256, 32512, 32768, 65024, 65280])
    np.testing.assert_array_equal(c(u8, tf.int8).numpy(), [0, 0, 63, 64, 127, 127])
    np.testing.assert_array_equal(c(u8, tf.int32).numpy(),
                                  [0, 8388608, 1065353216, 1073741824, 2130706432,
                                   2139095040])
    i32 = np.array([-5, 0, 1, 2 ** 24, 2 ** 30, 2 ** 31 - 1], np.int32)
    np.testing.assert_array_equal(c(i32, tf.uint8).numpy(), [255, 0, 0, 2, 128, 255])
    np.testing.assert_array_equal(c(i32, tf.int16).numpy(), [-1, 0, 0, 256, 16384, 32767])
    np.testing.assert_allclose(c(i32, tf.float64).numpy(),
                               i32 / np.float64(2 ** 31 - 1), rtol=1e-15)
    i8 = np.array([-128, -1, 0, 1, 64, 127], np.int8)
    np.testing.assert_array_equal(c(i8, tf.uint8).numpy(), [0, 254, 0, 2, 128, 254])
    np.testing.assert_array_equal(c(i8, tf.uint8, saturate=True).numpy(),
                                  [0, 0, 0, 2, 128, 254])
    np.testing.assert_array_equal(c(i8, tf.int16).numpy(),
                                  [-32768, -256, 0, 256, 16384, 32512])
    u16 = np.array([0, 1, 255, 256, 32768, 65535], np.uint16)
    np.testing.assert_array_equal(c(u16, tf.uint8).numpy(), [0, 0, 0, 1, 128, 255])
    np.testing.assert_array_equal(c(u16, tf.int16).numpy(), [0, 0, 127, 128, 16384, 32767])
    f = np.array([-0.5, 0.0, 0.2, 0.5, 0.999, 1.0, 1.5, 0.5 / 255], np.float32)
    np.testing.assert_array_equal(c(f, tf.uint8).numpy(), [129, 0, 51, 127, 255, 255, 127, 0])
    np.testing.assert_array_equal(c(f, tf.uint8, saturate=True).numpy(),
                                  [0, 0, 51, 127, 255, 255, 255, 0])
    np.testing.assert_array_equal(c(f, tf.int8).numpy(), [-63, 0, 25, 63, 127, 127, -65, 0])
    np.testing.assert_array_equal(c(f, tf.int32, saturate=True).numpy(),
                                  [-1073741824, 0, 429496736, 1073741824, 2145336192,
                                   2147483520, 2147483520, 4210752])
    np.testing.assert_array_equal(c(f, tf.uint16, saturate=True).numpy(),
                                  [0, 0, 13107, 32767, 65469, 65535, 65535, 128])
    big = np.array([1.5, 3.0, -3.0, 1e10, -1e10], np.float32)
    np.testing.assert_array_equal(c(big, tf.int32).numpy(), [-2 ** 31] * 5)
    np.testing.assert_array_equal(c(big, tf.int16).numpy(), [-16385, 32766, -32766, 0, 0])
    np.testing.assert_array_equal(c(big, tf.uint32).numpy(), [2147483648, 0, 0, 0, 0])


def test_convert_image_dtype_float_to_float_is_a_differentiable_cast():
    x = tf.constant(IMG)
    assert tf.image.convert_image_dtype(x, tf.float32) is x
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.image.convert_image_dtype(x, tf.float64)
        s = tf.reduce_sum(y * 3.0)
    assert y.dtype == tf.float64
    np.testing.assert_array_equal(y.numpy(), IMG.astype(np.float64))
    np.testing.assert_array_equal(tape.gradient(s, x).numpy(), np.full(IMG.shape, 3.0))
    # uint8 -> float -> uint8 round trips exactly
    back = tf.image.convert_image_dtype(tf.image.convert_image_dtype(U8, tf.float32), tf.uint8)
    np.testing.assert_array_equal(back.numpy(), U8)
    assert tf.image.convert_image_dtype(U8, "float16").dtype == tf.float16


def test_convert_image_dtype_rejects_bool():
    with pytest.raises(TypeError, match="convert_image_dtype: image dtype must be a "
                                        "floating-point or integer dtype, got bool"):
        tf.image.convert_image_dtype(U8 > 3, tf.float32)
    with pytest.raises(TypeError, match="dtype must be a floating-point or integer"):
        tf.image.convert_image_dtype(IMG, tf.bool)


# ---- color spaces ----------------------------------------------------------------------------------

GRAY_W = np.array([0.2989, 0.587, 0.114])


def test_rgb_to_grayscale():
    got = tf.image.rgb_to_grayscale(IMG.astype(np.float64))
    assert got.dtype == tf.float64 and got.shape == (2, 5, 7, 1)
    np.testing.assert_allclose(got.numpy()[..., 0], IMG.astype(np.float64) @ GRAY_W,
                               rtol=1e-6)
    np.testing.assert_allclose(tf.image.rgb_to_grayscale(IMG[0, 0, 0]).numpy(),
                               [IMG[0, 0, 0] @ GRAY_W], rtol=1e-6)
    # from TensorFlow 2.21: uint8 pixels are weighed as float and converted back (truncating)
    got = tf.image.rgb_to_grayscale(U8)
    assert got.dtype == tf.uint8
    np.testing.assert_array_equal(got.numpy()[0, 0, :4, 0], [76, 101, 127, 123])
    with pytest.raises(ValueError, match="rgb_to_grayscale: the last dimension of images must "
                                         "hold the 3 color channels"):
        tf.image.rgb_to_grayscale(IMG[..., :2])


def test_grayscale_to_rgb():
    g = IMG[..., :1]
    np.testing.assert_array_equal(tf.image.grayscale_to_rgb(g).numpy(), np.repeat(g, 3, -1))
    np.testing.assert_array_equal(tf.image.grayscale_to_rgb(U8[0, 0, :, :1]).numpy(),
                                  np.repeat(U8[0, 0, :, :1], 3, -1))
    with pytest.raises(ValueError, match="last dimension of a grayscale image must be 1"):
        tf.image.grayscale_to_rgb(IMG[..., :2])
    with pytest.raises(ValueError, match="rank >= 2"):
        tf.image.grayscale_to_rgb(np.zeros(1))


SPECIAL_RGB = np.array([[0, 0, 0], [1, 1, 1], [.5, .5, .5], [1, 0, 0], [0, 1, 0], [0, 0, 1],
                        [1, 1, 0], [0, 1, 1], [1, 0, 1], [.2, .2, .1], [.3, .1, .3],
                        [.1, .4, .4], [.9, .2, .25]])


def _colorsys_map(fn, x):
    flat = x.reshape(-1, 3).astype(np.float64)
    return np.array([fn(*p) for p in flat]).reshape(x.shape)


@pytest.mark.parametrize("x", [SPECIAL_RGB, IMG.astype(np.float64)], ids=["special", "img"])
def test_rgb_hsv_round_trip_against_colorsys(x):
    hsv = tf.image.rgb_to_hsv(x)
    assert hsv.dtype == tf.float64
    np.testing.assert_allclose(hsv.numpy(), _colorsys_map(colorsys.rgb_to_hsv, x), atol=1e-12)
    np.testing.assert_allclose(tf.image.hsv_to_rgb(x).numpy(),
                               _colorsys_map(colorsys.hsv_to_rgb, x), atol=1e-12)
    np.testing.assert_allclose(tf.image.hsv_to_rgb(hsv).numpy(), x, atol=1e-12)
    got32 = tf.image.rgb_to_hsv(x.astype(np.float32))
    assert got32.dtype == tf.float32
    np.testing.assert_allclose(got32.numpy(), hsv.numpy(), atol=1e-6)


def test_hsv_of_integer_pixels_uses_their_raw_values():
    # from TensorFlow 2.21 (a NumPy uint8 array): hue and saturation as for floats, value raw
    got = tf.image.rgb_to_hsv(np.array([[51, 102, 153], [255, 0, 0]], np.uint8))
    assert got.dtype == tf.float32
    np.testing.assert_allclose(got.numpy(), [[0.5833334, 0.6666667, 153], [0, 1, 255]],
                               rtol=1e-6)


def test_hsv_gradients_match_finite_differences():
    x0 = 0.1 + 0.8 * _img((2, 3, 4, 3), 41, 103).astype(np.float64) + 0.001 * np.sqrt(2)
    # away from the kinks: no two channels equal (rgb_to_hsv), no hue on a sixth of a turn
    # (hsv_to_rgb reads x0 as h, s, v)
    assert np.diff(np.sort(x0, -1), axis=-1).min() > 1e-3
    assert np.abs(6 * x0[..., 0] - np.round(6 * x0[..., 0])).min() > 1e-3
    _grad_check(tf.image.rgb_to_hsv, x0, eps=1e-6, rtol=1e-6, atol=1e-8)
    _grad_check(tf.image.hsv_to_rgb, x0, eps=1e-6, rtol=1e-6, atol=1e-8)


def test_yiq_yuv_match_tensorflow_matrices():
    eye = np.eye(3)
    # from TensorFlow 2.21: the conversions applied to the pure red, green and blue pixels
    np.testing.assert_allclose(tf.image.rgb_to_yiq(eye).numpy(),
                               [[0.299, 0.59590059, 0.2115],
                                [0.587, -0.27455667, -0.52273617],
                                [0.114, -0.32134392, 0.31119955]], rtol=1e-12)
    np.testing.assert_allclose(tf.image.rgb_to_yuv(eye).numpy(),
                               [[0.299, -0.14714119, 0.61497538],
                                [0.587, -0.28886916, -0.51496512],
                                [0.114, 0.43601035, -0.10001026]], rtol=1e-12)
    # from TensorFlow 2.21: its inverse matrices (rounded, so a round trip through YIQ is
    # only good to about 1e-4: TensorFlow rounds one entry of the forward matrix to 0.2115)
    np.testing.assert_allclose(tf.image.yiq_to_rgb(eye).numpy(),
                               [[1, 1, 1], [0.95598634, -0.27201283, -1.10674021],
                                [0.6208248, -0.64720424, 1.70423049]], rtol=1e-12)
    np.testing.assert_allclose(tf.image.yuv_to_rgb(eye).numpy(),
                               [[1, 1, 1], [0, -0.394642334, 2.03206185],
                                [1.13988303, -0.58062185, 0]], rtol=1e-12)
    for fwd, inv, tol in ((tf.image.rgb_to_yiq, tf.image.yiq_to_rgb, 1e-4),
                          (tf.image.rgb_to_yuv, tf.image.yuv_to_rgb, 2e-6)):
        y = fwd(IMG)
        assert y.dtype == tf.float32 and y.shape == IMG.shape
        np.testing.assert_allclose(inv(y).numpy(), IMG, atol=tol)
    # luma is the same weighting as grayscale (up to TF's rounding of the weights)
    np.testing.assert_allclose(tf.image.rgb_to_yuv(IMG).numpy()[..., 0],
                               IMG.astype(np.float64) @ [0.299, 0.587, 0.114], rtol=1e-6)


# ---- adjustments ---------------------------------------------------------------------------------

# from TensorFlow 2.21: each adjustment applied to U8, pixels U8[0, 0, :4]
# (U8[0, 0, :4] = [[0, 94, 188], [25, 119, 214], [51, 145, 239], [76, 170, 7]])
ADJUST_U8_TF = {
    "brightness": ([[76, 170, 255], [101, 195, 255], [127, 221, 255], [152, 246, 83]],
                   lambda x: tf.image.adjust_brightness(x, 0.3)),
    "brightness_neg": ([[0, 0, 86], [0, 17, 112], [0, 43, 137], [0, 68, 0]],
                       lambda x: tf.image.adjust_brightness(x, -0.4)),
    "contrast": ([[0, 68, 235], [0, 111, 255], [0, 155, 255], [42, 198, 0]],
                 lambda x: tf.image.adjust_contrast(x, 1.7)),
    "saturation": ([[113, 150, 188], [138, 176, 214], [164, 201, 239], [132, 170, 105]],
                   lambda x: tf.image.adjust_saturation(x, 0.4)),
    "saturation_hi": ([[0, 94, 188], [0, 106, 214], [0, 119, 239], [72, 170, 0]],
                      lambda x: tf.image.adjust_saturation(x, 2.5)),
    "hue": ([[188, 0, 131], [214, 25, 157], [239, 51, 182], [7, 108, 170]],
            lambda x: tf.image.adjust_hue(x, 0.3)),
    "gamma": ([[0, 168, 255], [76, 194, 255], [116, 218, 255], [148, 240, 35]],
              lambda x: tf.image.adjust_gamma(x, 0.6, 1.2)),
}


@pytest.mark.parametrize("name", sorted(ADJUST_U8_TF))
def test_adjustments_of_uint8_images_match_tensorflow(name):
    want, f = ADJUST_U8_TF[name]
    got = f(U8)
    assert got.dtype == tf.uint8 and got.shape == U8.shape
    np.testing.assert_array_equal(got.numpy()[0, 0, :4], want)
    # the same result as adjusting the float image and converting back with saturation
    via_float = tf.image.convert_image_dtype(
        f(tf.image.convert_image_dtype(U8, tf.float32)), tf.uint8, saturate=True)
    np.testing.assert_array_equal(got.numpy(), via_float.numpy())


def test_adjust_brightness_contrast_gamma_against_numpy():
    x = IMG.astype(np.float64)
    np.testing.assert_allclose(tf.image.adjust_brightness(x, 0.3).numpy(), x + 0.3,
                               rtol=1e-15)
    mean = x.mean(axis=(1, 2), keepdims=True)
    got = tf.image.adjust_contrast(x, 1.7)
    assert got.dtype == tf.float64
    np.testing.assert_allclose(got.numpy(), (x - mean) * 1.7 + mean, rtol=1e-13)
    five = tf.image.adjust_contrast(x[None], 0.3).numpy()[0]     # any rank >= 3
    np.testing.assert_allclose(five, (x - mean) * 0.3 + mean, rtol=1e-13)
    np.testing.assert_allclose(tf.image.adjust_gamma(x, 2.2, 0.7).numpy(), 0.7 * x ** 2.2,
                               rtol=1e-13)
    f32 = tf.image.adjust_contrast(IMG, 1.7)
    assert f32.dtype == tf.float32
    np.testing.assert_allclose(f32.numpy(), (x - mean) * 1.7 + mean, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="adjust_gamma: gamma must be a non-negative"):
        tf.image.adjust_gamma(x, -0.5)
    with pytest.raises(ValueError, match=r"adjust_contrast: images must have rank >= 3"):
        tf.image.adjust_contrast(x[0, 0], 2.0)


def test_adjust_saturation_and_hue_against_colorsys():
    x = IMG.astype(np.float64)
    hsv = _colorsys_map(colorsys.rgb_to_hsv, x)
    for factor in (0.4, 2.5):
        h2 = hsv.copy()
        h2[..., 1] = np.clip(h2[..., 1] * factor, 0, 1)
        np.testing.assert_allclose(tf.image.adjust_saturation(x, factor).numpy(),
                                   _colorsys_map(colorsys.hsv_to_rgb, h2), atol=1e-12)
    for delta in (0.3, -0.8, 1.0):
        h2 = hsv.copy()
        h2[..., 0] = np.mod(h2[..., 0] + delta, 1.0)
        np.testing.assert_allclose(tf.image.adjust_hue(x, delta).numpy(),
                                   _colorsys_map(colorsys.hsv_to_rgb, h2), atol=1e-12)
    with pytest.raises(ValueError, match=r"adjust_hue: delta must be in \[-1, 1\]"):
        tf.image.adjust_hue(x, 1.5)
    with pytest.raises(ValueError, match="adjust_saturation: the last dimension of image"):
        tf.image.adjust_saturation(x[..., :2], 0.5)


def test_adjustment_gradients_match_finite_differences():
    x0 = 0.1 + 0.8 * _img((2, 3, 4, 3), 41, 103).astype(np.float64)
    _grad_check(lambda v: tf.image.adjust_contrast(v, 1.7), x0, eps=1e-6, rtol=1e-7,
                atol=1e-9)
    _grad_check(lambda v: tf.image.adjust_contrast(v, 0.4),
                x0.astype(np.float32), eps=0.5, rtol=1e-5, atol=1e-6)
    _grad_check(lambda v: tf.image.adjust_saturation(v, 0.6), x0, eps=1e-6, rtol=1e-6,
                atol=1e-8)
    _grad_check(lambda v: tf.image.adjust_hue(v, 0.3), x0, eps=1e-6, rtol=1e-6, atol=1e-8)


def test_per_image_standardization():
    x = IMG.astype(np.float64)
    mean = x.mean(axis=(1, 2, 3), keepdims=True)
    std = np.maximum(x.std(axis=(1, 2, 3), keepdims=True), 1 / np.sqrt(5 * 7 * 3))
    got = tf.image.per_image_standardization(x)
    assert got.dtype == tf.float32          # always float32, as in TensorFlow
    np.testing.assert_allclose(got.numpy(), (x - mean) / std, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(tf.image.per_image_standardization(x[1]).numpy(),
                               ((x - mean) / std)[1], rtol=1e-5, atol=1e-6)
    # from TensorFlow 2.21: integer images are standardized from their raw values
    np.testing.assert_allclose(tf.image.per_image_standardization(U8).numpy()[0, 0, :2],
                               [[-1.6703078, -0.41538373, 0.83954036],
                                [-1.3365514, -0.081627317, 1.1866471]], rtol=1e-5)
    # a tiny spread is divided by 1 / sqrt(num_elements) instead: [0, 1] over 4 -> -1, 1
    np.testing.assert_array_equal(tf.image.per_image_standardization(
        np.array([[[0], [1]], [[0], [1]]], np.uint8)).numpy().ravel(), [-1, 1, -1, 1])
    const = tf.constant(np.full((3, 4, 2), 7.0, np.float32))
    with tf.GradientTape() as tape:
        tape.watch(const)
        y = tf.image.per_image_standardization(const)
        s = tf.reduce_sum(y * np.arange(24, dtype=np.float32).reshape(3, 4, 2))
    np.testing.assert_array_equal(y.numpy(), 0)
    assert np.isfinite(tape.gradient(s, const).numpy()).all()
    with pytest.raises(ValueError, match=r"per_image_standardization: image must have rank "
                                         r">= 3"):
        tf.image.per_image_standardization(x[0, 0])


# ---- random adjustments and crops ---------------------------------------------------------------

def test_random_adjustments_are_seeded_and_in_range():
    x = IMG.astype(np.float64)
    fns = [lambda: tf.image.random_brightness(x, 0.2, seed=4),
           lambda: tf.image.random_contrast(x, 0.5, 1.5, seed=4),
           lambda: tf.image.random_saturation(x, 0.5, 1.5, seed=4),
           lambda: tf.image.random_hue(x, 0.2, seed=4)]
    tf.random.set_seed(11)
    first = [f().numpy() for f in fns]
    again = [f().numpy() for f in fns]      # the op's stream goes on: new values
    tf.random.set_seed(11)
    np.testing.assert_array_equal(np.stack([f().numpy() for f in fns]), np.stack(first))
    assert not np.array_equal(np.stack(again), np.stack(first))
    # brightness moved every pixel by one delta in [-0.2, 0.2)
    delta = first[0] - x
    np.testing.assert_allclose(delta, delta.flat[0], atol=1e-12)
    assert -0.2 <= delta.flat[0] < 0.2
    # contrast is adjust_contrast with one factor in [0.5, 1.5)
    mean = x.mean(axis=(1, 2), keepdims=True)
    factor = ((first[1] - mean) / (x - mean)).ravel()
    np.testing.assert_allclose(factor, factor[0], rtol=1e-9)
    assert 0.5 <= factor[0] < 1.5
    s1 = tf.image.stateless_random_contrast(x, 0.5, 1.5, seed=(3, 4)).numpy()
    np.testing.assert_array_equal(
        tf.image.stateless_random_contrast(x, 0.5, 1.5, seed=(3, 4)).numpy(), s1)
    assert tf.image.stateless_random_brightness(U8, 0.1, seed=(1, 2)).dtype == tf.uint8
    assert tf.image.stateless_random_hue(x, 0.1, seed=(1, 2)).shape == x.shape
    assert tf.image.stateless_random_saturation(x, 0.5, 0.6, seed=(1, 2)).shape == x.shape


def test_random_adjustment_errors():
    with pytest.raises(ValueError, match="random_brightness: max_delta must be non-negative"):
        tf.image.random_brightness(IMG, -0.2)
    with pytest.raises(ValueError, match="random_contrast: upper must be > lower"):
        tf.image.random_contrast(IMG, 0.5, 0.5)
    with pytest.raises(ValueError, match="random_saturation: lower must be non-negative"):
        tf.image.random_saturation(IMG, -0.5, 0.5)
    with pytest.raises(ValueError, match=r"random_hue: max_delta must be <= 0.5"):
        tf.image.random_hue(IMG, 0.7)


def test_random_crop_is_a_seeded_window():
    x = np.arange(2 * 6 * 7 * 3).reshape(2, 6, 7, 3)
    tf.random.set_seed(5)
    crops = [tf.image.random_crop(x, (2, 3, 4, 3), seed=1).numpy() for _ in range(30)]
    tf.random.set_seed(5)
    np.testing.assert_array_equal(tf.image.random_crop(x, (2, 3, 4, 3), seed=1).numpy(),
                                  crops[0])
    offsets = set()
    for c in crops:
        top, rem = divmod(int(c[0, 0, 0, 0]), 7 * 3)
        left = rem // 3
        np.testing.assert_array_equal(c, x[:, top:top + 3, left:left + 4])
        offsets.add((top, left))
    assert len(offsets) > 5                  # positions vary from call to call
    one = tf.image.random_crop(np.arange(10), [4]).numpy()
    np.testing.assert_array_equal(one, np.arange(one[0], one[0] + 4))
    s = tf.image.stateless_random_crop(x, (1, 2, 2, 3), seed=(4, 5)).numpy()
    np.testing.assert_array_equal(
        tf.image.stateless_random_crop(x, (1, 2, 2, 3), seed=(4, 5)).numpy(), s)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"size \[7, 3, 3\] must fit"):
        tf.image.random_crop(x[0], (7, 3, 3))
    with pytest.raises(tf.errors.InvalidArgumentError, match="one entry per dimension"):
        tf.image.random_crop(x[0], (3, 3))


# ---- total variation, image gradients, Sobel -----------------------------------------------------

def test_total_variation():
    x = IMG.astype(np.float64)
    want = (np.abs(np.diff(x, axis=1)).sum(axis=(1, 2, 3))
            + np.abs(np.diff(x, axis=2)).sum(axis=(1, 2, 3)))
    got = tf.image.total_variation(x)
    assert got.shape == (2,) and got.dtype == tf.float64
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-13)
    one = tf.image.total_variation(x[1])
    assert one.shape == ()
    np.testing.assert_allclose(one.numpy(), want[1], rtol=1e-13)
    i32 = tf.image.total_variation(U8.astype(np.int32))
    assert i32.dtype == tf.int32
    np.testing.assert_array_equal(
        i32.numpy(), (np.abs(np.diff(U8.astype(np.int64), axis=1)).sum(axis=(1, 2, 3))
                      + np.abs(np.diff(U8.astype(np.int64), axis=2)).sum(axis=(1, 2, 3))))
    with pytest.raises(TypeError, match="uint8 images would wrap around"):
        tf.image.total_variation(U8)
    with pytest.raises(ValueError, match="total_variation: images must have rank 3"):
        tf.image.total_variation(x[0, 0])


def test_image_gradients():
    x = _img((2, 4, 5, 3), 41, 103)
    dy, dx = tf.image.image_gradients(x)
    want_dy = np.zeros_like(x)
    want_dy[:, :-1] = x[:, 1:] - x[:, :-1]
    want_dx = np.zeros_like(x)
    want_dx[:, :, :-1] = x[:, :, 1:] - x[:, :, :-1]
    np.testing.assert_array_equal(dy.numpy(), want_dy)
    np.testing.assert_array_equal(dx.numpy(), want_dx)
    # uint8 differences wrap around, as in TensorFlow
    dy8, _ = tf.image.image_gradients(U8)
    assert dy8.dtype == tf.uint8
    np.testing.assert_array_equal(dy8.numpy()[:, :-1], (U8[:, 1:] - U8[:, :-1]))
    with pytest.raises(ValueError, match=r"image_gradients: image must have rank 4 .*"
                                         r"expand_dims\(image, 0\)"):
        tf.image.image_gradients(x[0])


def _sobel_ref(x):
    k = np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], np.float64)
    p = np.pad(x.astype(np.float64), [(0, 0), (1, 1), (1, 1), (0, 0)], mode="reflect")
    h, w = x.shape[1:3]
    out = np.zeros(x.shape + (2,))
    for i in range(3):
        for j in range(3):
            win = p[:, i:i + h, j:j + w]
            out[..., 0] += k[i, j] * win
            out[..., 1] += k.T[i, j] * win
    return out


def test_sobel_edges():
    x = np.arange(1 * 4 * 5 * 2, dtype=np.float32).reshape(1, 4, 5, 2) ** 1.5
    got = tf.image.sobel_edges(x)
    assert got.shape == (1, 4, 5, 2, 2) and got.dtype == tf.float32
    np.testing.assert_allclose(got.numpy(), _sobel_ref(x), rtol=1e-5, atol=2e-4)
    # from TensorFlow 2.21: dy of channel 0 in row 1, dx of channel 1 in row 2
    np.testing.assert_allclose(got.numpy()[0, 1, :, 0, 0],
                               [379.60687, 399.73965, 437.38934, 470.8653, 486.82446],
                               rtol=1e-5)
    np.testing.assert_allclose(got.numpy()[0, 2, :, 1, 1],
                               [0.0, 113.60577, 118.69624, 123.556, 0.0], atol=1e-3)
    x64 = _img((2, 3, 4, 2)).astype(np.float64)
    np.testing.assert_allclose(tf.image.sobel_edges(x64).numpy(), _sobel_ref(x64),
                               rtol=1e-13, atol=1e-14)
    _grad_check(tf.image.sobel_edges, x64, eps=0.5, rtol=1e-12)
    with pytest.raises(TypeError, match="sobel_edges: image must be float, got uint8"):
        tf.image.sobel_edges(U8)


# ---- PSNR / SSIM ----------------------------------------------------------------------------------

A = _img((2, 12, 13, 3))
B = np.clip(A + 0.3 * _img((2, 12, 13, 3), 53, 97) - 0.15, 0, 1).astype(np.float32)


def test_psnr():
    mse = ((A.astype(np.float64) - B) ** 2).mean(axis=(1, 2, 3))
    got = tf.image.psnr(A, B, 1.0)
    assert got.dtype == tf.float32 and got.shape == (2,)
    np.testing.assert_allclose(got.numpy(), 10 * np.log10(1.0 / mse), rtol=1e-5)
    # from TensorFlow 2.21
    np.testing.assert_allclose(got.numpy(), [21.579239, 21.435646], rtol=1e-5)
    np.testing.assert_allclose(tf.image.psnr((A * 255).astype(np.uint8),
                                             (B * 255).astype(np.uint8), 255).numpy(),
                               [21.583178, 21.438745], rtol=1e-5)
    np.testing.assert_allclose(tf.image.psnr(A[1] * 2, B[1] * 2, 2.0).numpy(), got.numpy()[1],
                               rtol=1e-5)
    assert tf.image.psnr(A.astype(np.float64), B, 1.0).dtype == tf.float32
    assert np.isinf(tf.image.psnr(A, A, 1.0).numpy()).all()
    with pytest.raises(tf.errors.InvalidArgumentError, match="psnr: the two images must have "
                                                             "the same shape"):
        tf.image.psnr(A[:, :5], B, 1.0)
    with pytest.raises(ValueError, match="psnr: a must have rank >= 3"):
        tf.image.psnr(A[0, 0], B[0, 0], 1.0)


def _ssim_ref(a, b, max_val, size=11, sigma=1.5, k1=0.01, k2=0.03):
    """SSIM (Wang et al. 2004) of one (height, width, channels) image pair in float64 with
    a normalized 2-D Gaussian window, VALID positions only; returns (mean, map)."""
    a, b = a.astype(np.float64), b.astype(np.float64)
    g = np.exp(-(np.arange(size) - (size - 1) / 2.0) ** 2 / (2 * sigma ** 2))
    win = np.outer(g, g) / np.outer(g, g).sum()
    oh, ow = a.shape[0] - size + 1, a.shape[1] - size + 1

    def filt(x):
        out = np.zeros((oh, ow, x.shape[2]))
        for i in range(size):
            for j in range(size):
                out += win[i, j] * x[i:i + oh, j:j + ow]
        return out

    mu_a, mu_b = filt(a), filt(b)
    var_a = filt(a * a) - mu_a ** 2
    var_b = filt(b * b) - mu_b ** 2
    cov = filt(a * b) - mu_a * mu_b
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    m = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)
         / ((mu_a ** 2 + mu_b ** 2 + c1) * (var_a + var_b + c2)))
    return m.mean(), m.mean(axis=-1)


def test_ssim_matches_tensorflow_and_a_float64_derivation():
    got = tf.image.ssim(A, B, 1.0)
    assert got.dtype == tf.float32 and got.shape == (2,)
    # from TensorFlow 2.21
    np.testing.assert_allclose(got.numpy(), [0.96004838, 0.95772409], rtol=1e-5)
    np.testing.assert_allclose(got.numpy(), [_ssim_ref(A[i], B[i], 1.0)[0] for i in range(2)],
                               rtol=1e-5)
    one = tf.image.ssim(A[1], B[1], 1.0)
    assert one.shape == ()
    np.testing.assert_allclose(one.numpy(), 0.95772409, rtol=1e-5)
    np.testing.assert_allclose(
        tf.image.ssim((A * 255).astype(np.uint8), (B * 255).astype(np.uint8), 255).numpy(),
        [0.96000618, 0.95790505], rtol=1e-5)
    params = tf.image.ssim(A, B, 2.0, filter_size=5, filter_sigma=0.8, k1=0.02, k2=0.05)
    np.testing.assert_allclose(params.numpy(), [0.95736384, 0.95644873], rtol=1e-5)
    np.testing.assert_allclose(params.numpy(),
                               [_ssim_ref(A[i], B[i], 2.0, 5, 0.8, 0.02, 0.05)[0]
                                for i in range(2)], rtol=1e-5)
    m = tf.image.ssim(A, B, 1.0, filter_size=7, return_index_map=True)
    assert m.shape == (2, 6, 7)
    np.testing.assert_allclose(m.numpy()[0, 0], [0.96146297, 0.96021253, 0.95959038,
                                                 0.96053475, 0.96099824, 0.96045381,
                                                 0.95985746], rtol=1e-5)
    np.testing.assert_allclose(m.numpy()[1], _ssim_ref(A[1], B[1], 1.0, 7)[1], rtol=1e-5)
    five = tf.image.ssim(A[None], B[None], 1.0)
    assert five.shape == (1, 2)
    np.testing.assert_allclose(five.numpy()[0], got.numpy(), rtol=1e-6)
    np.testing.assert_allclose(tf.image.ssim(A, A, 1.0).numpy(), [1, 1], rtol=1e-6)


def test_ssim_multiscale_matches_tensorflow():
    a = _img((1, 40, 44, 2), 41, 103)
    b = np.clip(a + 0.4 * _img((1, 40, 44, 2), 59, 89) - 0.2, 0, 1).astype(np.float32)
    # from TensorFlow 2.21
    np.testing.assert_allclose(tf.image.ssim_multiscale(a, b, 1.0, filter_size=3).numpy(),
                               [0.90506059], rtol=1e-5)
    # odd sizes are padded before halving
    got = tf.image.ssim_multiscale(a[:, :37, :43], b[:, :37, :43], 1.0,
                                   power_factors=(0.2, 0.3, 0.5), filter_size=5)
    np.testing.assert_allclose(got.numpy(), [0.94741029], rtol=1e-5)


def test_ssim_gradient_matches_finite_differences():
    a = 0.1 + 0.8 * _img((1, 5, 6, 2), 41, 103)
    ref = tf.constant(B[:1, :5, :6, :2])
    # float32 throughout (as in TensorFlow): a small step, a float32-sized tolerance
    _grad_check(lambda v: tf.image.ssim(v, ref, 1.0, filter_size=3), a, eps=3e-3,
                rtol=2e-3, atol=2e-3)


def test_ssim_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"ssim: the images \(height 5, "
                                                             r"width 7\) must be at least "
                                                             r"filter_size=11"):
        tf.image.ssim(IMG, IMG, 1.0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="same shape"):
        tf.image.ssim(A[:, :11], B, 1.0)
    with pytest.raises(TypeError, match="same kind of dtype, got uint8 and float32"):
        tf.image.ssim((A * 255).astype(np.uint8), B, 255)
    with pytest.raises(ValueError, match="img1 must have rank >= 3"):
        tf.image.ssim(A[0, :, :, 0], B[0, :, :, 0], 1.0)


# ---- extract_patches -------------------------------------------------------------------------------

def _patches_ref(x, k, s, r, padding):
    b, h, w, c = x.shape
    eff = [(k[i] - 1) * r[i] + 1 for i in range(2)]
    if padding == "VALID":
        out = [(n - e) // st + 1 for n, e, st in zip((h, w), eff, s)]
        before = [0, 0]
    else:
        out = [-(-n // st) for n, st in zip((h, w), s)]
        before = [max((o - 1) * st + e - n, 0) // 2
                  for o, st, e, n in zip(out, s, eff, (h, w))]
    res = np.zeros((b, out[0], out[1], k[0] * k[1] * c), x.dtype)
    for i in range(out[0]):
        for j in range(out[1]):
            vals = []
            for a in range(k[0]):
                for bb in range(k[1]):
                    y = i * s[0] + a * r[0] - before[0]
                    xx = j * s[1] + bb * r[1] - before[1]
                    inside = 0 <= y < h and 0 <= xx < w
                    vals.append(x[:, y, xx] if inside else np.zeros((b, c), x.dtype))
            res[:, i, j] = np.concatenate(vals, axis=-1)
    return res


@pytest.mark.parametrize("k,s,r,padding", [
    ((2, 3), (2, 2), (1, 1), "VALID"), ((2, 3), (2, 2), (1, 1), "SAME"),
    ((2, 2), (1, 1), (2, 3), "SAME"), ((2, 2), (3, 2), (2, 2), "VALID"),
    ((4, 5), (3, 4), (1, 1), "SAME"), ((1, 1), (1, 1), (1, 1), "VALID")])
def test_extract_patches_against_numpy(k, s, r, padding):
    x = _img((2, 6, 7, 2))
    got = tf.image.extract_patches(x, [1, k[0], k[1], 1], [1, s[0], s[1], 1],
                                   [1, r[0], r[1], 1], padding)
    np.testing.assert_array_equal(got.numpy(), _patches_ref(x, k, s, r, padding))


def test_extract_patches_matches_tensorflow_and_keeps_dtype():
    x = _img((1, 6, 7, 2))
    got = tf.image.extract_patches(x, [1, 2, 3, 1], [1, 2, 2, 1], [1, 2, 1, 1], "SAME")
    assert got.shape == (1, 3, 4, 12)
    # from TensorFlow 2.21: the patches at output row 1, columns 0 and 1
    np.testing.assert_allclose(got.numpy()[0, 1, :2].ravel(),
                               [0, 0, 0.26, 0.63, 1, 0.36, 0, 0, 0.52, 0.89, 0.25, 0.62,
                                1, 0.36, 0.73, 0.09, 0.46, 0.83, 0.25, 0.62, 0.99, 0.35, 0.72,
                                0.08], rtol=1e-6)
    u = tf.image.extract_patches(U8, [1, 3, 3, 1], [1, 1, 2, 1], [1, 1, 1, 1], "SAME")
    assert u.dtype == tf.uint8
    np.testing.assert_array_equal(u.numpy(), _patches_ref(U8, (3, 3), (1, 2), (1, 1), "SAME"))


def test_extract_patches_gradient_and_errors():
    x0 = _img((1, 5, 6, 2)).astype(np.float64)
    _grad_check(lambda v: tf.image.extract_patches(v, [1, 3, 2, 1], [1, 2, 1, 1],
                                                   [1, 1, 2, 1], "SAME"),
                x0, eps=0.5, rtol=1e-12)
    f = tf.image.extract_patches
    with pytest.raises(ValueError, match=r"images must have rank 4"):
        f(x0[0], [1, 2, 2, 1], [1, 1, 1, 1], [1, 1, 1, 1], "VALID")
    with pytest.raises(ValueError, match=r"sizes must be 1 for the batch and channel"):
        f(x0, [2, 2, 2, 1], [1, 1, 1, 1], [1, 1, 1, 1], "VALID")
    with pytest.raises(ValueError, match=r"strides must be a list of 4 integers"):
        f(x0, [1, 2, 2, 1], [1, 1], [1, 1, 1, 1], "VALID")
    with pytest.raises(ValueError, match="padding must be 'SAME' or 'VALID', got 'FULL'"):
        f(x0, [1, 2, 2, 1], [1, 1, 1, 1], [1, 1, 1, 1], "FULL")
    with pytest.raises(tf.errors.InvalidArgumentError, match="larger than the image's height"):
        f(x0, [1, 6, 2, 1], [1, 1, 1, 1], [1, 1, 1, 1], "VALID")


# ---- non-max suppression ---------------------------------------------------------------------------

BOXES = np.array([[0, 0, 1, 1], [0, 0.1, 1, 1.1], [0, -0.1, 1, 0.9], [0, 10, 1, 11],
                  [0, 10.1, 1, 11.1], [0, 100, 1, 101], [0.5, 0.5, 0.2, 0.2],
                  [0.1, 0.1, 0.45, 0.45]], np.float32)
SCORES = np.array([.9, .75, .6, .95, .5, .3, .8, .85], np.float32)


def test_non_max_suppression_matches_tensorflow():
    nms = tf.image.non_max_suppression
    # from TensorFlow 2.21
    got = nms(BOXES, SCORES, 10, 0.5)
    assert got.dtype == tf.int32
    np.testing.assert_array_equal(got.numpy(), [3, 0, 7, 6, 5])
    np.testing.assert_array_equal(nms(BOXES, SCORES, 3, 0.5).numpy(), [3, 0, 7])
    np.testing.assert_array_equal(nms(BOXES, SCORES, 10, 0.3, score_threshold=0.7).numpy(),
                                  [3, 0, 7])
    np.testing.assert_array_equal(nms(BOXES, SCORES, 10, 0.0).numpy(), [3, 0, 5])
    np.testing.assert_array_equal(nms(BOXES, SCORES, 10, 1.0).numpy(),
                                  [3, 0, 7, 6, 1, 2, 4, 5])
    np.testing.assert_array_equal(nms(BOXES, np.ones(8, np.float32), 10, 0.5).numpy(),
                                  [0, 3, 5, 6, 7])          # ties: lower index first
    np.testing.assert_array_equal(nms(BOXES[:, [2, 3, 0, 1]], SCORES, 10, 0.5).numpy(),
                                  [3, 0, 7, 6, 5])          # corners in either order
    # an IoU equal to the threshold does not suppress; a score equal to its threshold does
    two = np.array([[0, 0, 2, 2], [0, 0, 2, 1]], np.float32)
    np.testing.assert_array_equal(nms(two, [.6, .5], 10, 0.5).numpy(), [0, 1])
    np.testing.assert_array_equal(nms(two, [.6, .5], 10, 0.4, score_threshold=0.5).numpy(),
                                  [0])
    assert nms(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), 5).shape == (0,)
    np.testing.assert_array_equal(nms(np.zeros((3, 4)), [.1, .2, .3], 10, 0.5).numpy(),
                                  [2, 1, 0])                # empty boxes overlap nothing
    assert nms(BOXES, SCORES, 0).shape == (0,)


def test_soft_nms_and_overlaps_match_tensorflow():
    f = tf.image.non_max_suppression_with_scores
    # from TensorFlow 2.21
    idx, sc = f(BOXES, SCORES, 10, 0.5, soft_nms_sigma=0.5)
    np.testing.assert_array_equal(idx.numpy(), [3, 0, 7, 6, 1, 5, 4, 2])
    np.testing.assert_allclose(sc.numpy(), [0.95, 0.9, 0.83733994, 0.66707379, 0.37523237,
                                            0.3, 0.2560026, 0.19247332], rtol=1e-6)
    assert sc.dtype == tf.float32
    idx, sc = f(BOXES, SCORES, 10, 0.5, score_threshold=0.4, soft_nms_sigma=0.3)
    np.testing.assert_array_equal(idx.numpy(), [3, 0, 7, 6])
    np.testing.assert_allclose(sc.numpy(), [0.95, 0.9, 0.82900482, 0.59096688], rtol=1e-6)
    idx, sc = f(BOXES, SCORES, 4, 0.5)
    np.testing.assert_array_equal(idx.numpy(), [3, 0, 7, 6])
    np.testing.assert_allclose(sc.numpy(), [0.95, 0.9, 0.85, 0.8], rtol=1e-7)
    ov = np.abs(np.sin(np.arange(16).reshape(4, 4))).astype(np.float32)
    np.testing.assert_array_equal(
        tf.image.non_max_suppression_overlaps(ov, SCORES[:4], 10, 0.5).numpy(), [3, 0])


def test_non_max_suppression_errors():
    nms = tf.image.non_max_suppression
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"iou_threshold must be in "
                                                             r"\[0, 1\], got 1.5"):
        nms(BOXES, SCORES, 10, 1.5)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"boxes must have shape "
                                                             r"\[num_boxes, 4\]"):
        nms(BOXES[:, :3], SCORES, 10)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"scores must have shape "
                                                             r"\[num_boxes\] = \[8\]"):
        nms(BOXES, SCORES[:5], 10)
    with pytest.raises(tf.errors.InvalidArgumentError, match="max_output_size must be "
                                                             "non-negative"):
        nms(BOXES, SCORES, -1)
    with pytest.raises(tf.errors.InvalidArgumentError, match="soft_nms_sigma must be >= 0"):
        tf.image.non_max_suppression_with_scores(BOXES, SCORES, 10, soft_nms_sigma=-1.0)


# ---- draw_bounding_boxes ----------------------------------------------------------------------------

def test_draw_bounding_boxes_matches_tensorflow():
    img = np.full((2, 7, 9, 1), 0.25, np.float32)
    boxes = np.array([[[0.2, 0.15, 0.8, 0.6], [0.5, 0.5, 1.5, 1.2], [-0.2, -0.1, 0.3, 0.4]],
                      [[0, 0, 1, 1], [0.5, 0.5, 0.5, 0.5], [-0.1, -0.1, 0.9, 0.2]]],
                     np.float32)
    got = tf.image.draw_bounding_boxes(img, boxes, np.array([[1, 0, 0, 1], [0.5, 1, 0, 1]],
                                                            np.float32))
    assert got.dtype == tf.float32
    q = 0.25
    # from TensorFlow 2.21: edges at trunc(coordinate * (size - 1)), clipped to the image;
    # edges outside are skipped; later boxes paint over earlier ones; colors cycle
    want = [[[1, q, q, 1, q, q, q, q, q], [1, 1, 1, 1, 1, q, q, q, q],
             [q, 1, q, q, 1, q, q, q, q], [q, 1, q, q, .5, .5, .5, .5, .5],
             [q, 1, 1, 1, .5, q, q, q, q], [q, q, q, q, .5, q, q, q, q],
             [q, q, q, q, .5, q, q, q, q]],
            [[1, 1, 1, 1, 1, 1, 1, 1, 1], [1, 1, q, q, q, q, q, q, 1],
             [1, 1, q, q, q, q, q, q, 1], [1, 1, q, q, .5, q, q, q, 1],
             [1, 1, q, q, q, q, q, q, 1], [1, 1, q, q, q, q, q, q, 1],
             [1, 1, 1, 1, 1, 1, 1, 1, 1]]]
    np.testing.assert_array_equal(got.numpy()[..., 0], want)


def test_draw_bounding_boxes_default_palette_and_errors():
    got = tf.image.draw_bounding_boxes(
        np.zeros((1, 5, 6, 4), np.float32),
        np.array([[[0., 0., 0.5, 0.5], [0.5, 0.5, 1, 1], [0.3, 0.3, 0.6, 0.6]]], np.float32),
        None).numpy()[0]
    # from TensorFlow 2.21: yellow, blue, red (RGBA), the third box drawn last
    np.testing.assert_array_equal(got[0, 0], [1, 1, 0, 1])
    np.testing.assert_array_equal(got[4, 5], [0, 0, 1, 1])
    np.testing.assert_array_equal(got[1, 1], [1, 0, 0, 1])
    np.testing.assert_array_equal(got[..., 3], [[1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 0, 0],
                                                [1, 1, 1, 1, 1, 1], [0, 0, 1, 0, 0, 1],
                                                [0, 0, 1, 1, 1, 1]])
    u8 = tf.image.draw_bounding_boxes(np.full((1, 5, 6, 1), 100, np.uint8),
                                      np.array([[[0., 0., 0.5, 0.5]]], np.float32),
                                      np.array([[0.5, 0, 0, 1]], np.float32))
    assert u8.dtype == tf.float32               # as in TensorFlow; colors are not rescaled
    assert u8.numpy()[0, 0, 0, 0] == 0.5 and u8.numpy()[0, 4, 5, 0] == 100
    f = tf.image.draw_bounding_boxes
    with pytest.raises(tf.errors.InvalidArgumentError, match="images must have rank 4"):
        f(IMG[0], np.zeros((1, 1, 4)), None)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"1 \(gray\), 3 \(RGB\) or 4 "
                                                             r"\(RGBA\) channels, got 2"):
        f(IMG[..., :2], np.zeros((2, 1, 4)), None)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"boxes must have shape "
                                                             r"\(batch=2"):
        f(IMG, np.zeros((1, 1, 4)), None)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"channels >= 3"):
        f(IMG, np.zeros((2, 1, 4)), np.ones((1, 1)))


# ---- in a tf.data pipeline ----------------------------------------------------------------------------

def test_preprocessing_pipeline_with_tf_data():
    images = (_img((6, 8, 10, 3)) * 255).astype(np.uint8)
    labels = np.arange(6)

    def prep(image, label):
        image = tf.image.convert_image_dtype(image, tf.float32)
        image = tf.image.resize(image, (6, 6))
        image = tf.image.random_flip_left_right(image, seed=1)
        image = tf.image.random_brightness(image, 0.1, seed=2)
        image = tf.image.random_crop(image, (4, 4, 3), seed=3)
        return tf.image.per_image_standardization(image), label

    ds = tf.data.Dataset.from_tensor_slices((images, labels)).map(prep).batch(4)
    batches = list(ds)
    assert [tuple(b[0].shape) for b in batches] == [(4, 4, 4, 3), (2, 4, 4, 3)]
    assert batches[0][0].dtype == tf.float32
    np.testing.assert_allclose(batches[0][0].numpy().mean(axis=(1, 2, 3)), 0, atol=1e-5)


def test_image_codecs_are_the_tf_io_ones():
    """tf.image.decode_png etc. are tf.io's (TensorFlow exports them under both names)."""
    import ndflow as tf_
    for name in ("decode_image", "decode_png", "decode_jpeg", "decode_bmp", "decode_gif",
                 "encode_png", "encode_jpeg", "is_jpeg"):
        assert getattr(tf_.image, name) is getattr(tf_.io, name)
    img = (np.arange(4 * 5 * 3) * 7 % 256).astype(np.uint8).reshape(4, 5, 3)
    np.testing.assert_array_equal(tf_.image.decode_png(tf_.image.encode_png(img)).numpy(), img)
