"""keras.utils.load_img / img_to_array / array_to_img / save_img and
keras.preprocessing.image.smart_resize."""
import io
import warnings

import numpy as np
import pytest
from PIL import Image

import ndflow as tf
from ndflow import keras
from ndflow.keras import utils


def test_img_to_array_shapes_and_dtypes():
    gray = np.arange(6, dtype=np.uint8).reshape(2, 3)
    a = utils.img_to_array(gray)
    assert a.shape == (2, 3, 1) and a.dtype == np.float32
    np.testing.assert_array_equal(a[..., 0], gray)
    assert utils.img_to_array(gray, data_format="channels_first").shape == (1, 2, 3)
    rgb = np.zeros((2, 3, 3), np.uint8)
    assert utils.img_to_array(rgb, data_format="channels_first").shape == (3, 2, 3)
    assert utils.img_to_array(rgb, dtype="uint8").dtype == np.uint8
    assert utils.img_to_array(Image.fromarray(rgb)).shape == (2, 3, 3)
    with pytest.raises(ValueError, match="rank 2"):
        utils.img_to_array(np.zeros(4))
    with pytest.raises(ValueError, match="data_format"):
        utils.img_to_array(rgb, data_format="nhwc")


def test_array_to_img_scales_to_0_255():
    x = np.arange(18, dtype=np.float32).reshape(2, 3, 3)
    img = utils.array_to_img(x)
    assert img.mode == "RGB" and img.size == (3, 2)
    # (x - min) / max * 255 = x * 15
    np.testing.assert_array_equal(np.asarray(img), (x * 15).astype(np.uint8))
    raw = utils.array_to_img(x, scale=False)
    np.testing.assert_array_equal(np.asarray(raw), x.astype(np.uint8))
    assert utils.array_to_img(np.zeros((2, 2, 1))).mode == "L"
    assert utils.array_to_img(np.zeros((2, 2, 4))).mode == "RGBA"
    assert utils.array_to_img(np.full((2, 2, 1), 1000.0), scale=False).mode == "I"
    cf = utils.array_to_img(x.transpose(2, 0, 1), data_format="channels_first")
    np.testing.assert_array_equal(np.asarray(cf), np.asarray(img))
    assert utils.array_to_img(tf.constant(x)).size == (3, 2)
    with pytest.raises(ValueError, match="rank 3"):
        utils.array_to_img(np.zeros((1, 2, 2, 3)))
    with pytest.raises(ValueError, match="1, 3 or 4 channels"):
        utils.array_to_img(np.zeros((2, 2, 2)))


def test_save_img_and_load_img_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, size=(6, 8, 3)).astype(np.uint8)
    path = tmp_path / "a.png"
    utils.save_img(path, x, scale=False)
    img = utils.load_img(path)
    assert img.mode == "RGB" and img.size == (8, 6)
    np.testing.assert_array_equal(utils.img_to_array(img), x)
    assert utils.img_to_array(utils.load_img(str(path), color_mode="grayscale")).shape == \
        (6, 8, 1)
    assert utils.load_img(path, color_mode="rgba").mode == "RGBA"
    # target_size is (height, width); nearest (the default) picks whole pixels
    small = utils.img_to_array(utils.load_img(path, target_size=(3, 4)))
    assert small.shape == (3, 4, 3)
    assert all(any((small[i, j] == x.reshape(-1, 3)).all(axis=1)) for i in range(3)
               for j in range(4))
    # keep_aspect_ratio crops the centre 6x6 first; 6x6 -> 6x6 keeps the pixels
    sq = utils.img_to_array(utils.load_img(path, target_size=(6, 6), keep_aspect_ratio=True))
    np.testing.assert_array_equal(sq, x[:, 1:7])
    with open(path, "rb") as f:
        from_bytes = utils.load_img(io.BytesIO(f.read()))
    np.testing.assert_array_equal(np.asarray(from_bytes), x)
    with pytest.raises(ValueError, match="interpolation"):
        utils.load_img(path, target_size=(3, 4), interpolation="cubic")
    with pytest.raises(ValueError, match="color_mode"):
        utils.load_img(path, color_mode="cmyk")
    with pytest.raises(TypeError, match="path"):
        utils.load_img(123)
    # RGBA as JPEG: saved as RGB with a warning
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        utils.save_img(tmp_path / "b.jpg", np.zeros((4, 4, 4)), file_format="jpg")
    assert any("RGB" in str(w.message) for w in caught)
    assert utils.load_img(tmp_path / "b.jpg").size == (4, 4)


def test_smart_resize_crops_to_the_target_aspect_ratio():
    x = np.arange(6 * 9, dtype=np.float32).reshape(6, 9, 1)
    out = keras.preprocessing.image.smart_resize(x, (2, 2))
    assert isinstance(out, np.ndarray) and out.shape == (2, 2, 1)
    # centred 6x6 window (columns 1..6), then 6 -> 2 samples pixels 1 and 4
    np.testing.assert_allclose(out[..., 0], x[[1, 4]][:, [2, 5], 0])
    batch = keras.preprocessing.image.smart_resize(tf.constant(np.stack([x, x])), (3, 3))
    assert isinstance(batch, tf.Tensor) and batch.shape == (2, 3, 3, 1)
    assert keras.preprocessing.image.img_to_array is utils.img_to_array
