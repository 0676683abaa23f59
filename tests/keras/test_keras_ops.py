"""``keras.ops``: values against NumPy in float64, Keras 3's dtype rules and conventions
(constants produced with the real Keras 3.15 / TensorFlow 2.21 and pasted in, marked
"from Keras"), gradients against central finite differences, and symbolic use in a
Functional model that trains."""
import math

import numpy as np
import pytest

import ndflow as tf
from ndflow import keras
from ndflow.keras import ops

rng = np.random.default_rng(7)


def f64(*shape, lo=None, hi=None):
    if lo is not None:
        return rng.uniform(lo, hi, shape)
    return rng.standard_normal(shape)


def val(t):
    if isinstance(t, (list, tuple)):
        return [val(v) for v in t]
    return np.asarray(t.numpy() if hasattr(t, "numpy") else t)


def close(got, want, rtol=1e-10, atol=1e-12):
    got, want = val(got), want
    if isinstance(want, (list, tuple)):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            close(g, w, rtol, atol)
        return
    want = np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    if got.dtype == np.float32:     # a float32 result (Keras' floatx) of float64 maths
        rtol, atol = max(rtol, 1e-6), max(atol, 1e-7)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


# ---- the namespace -----------------------------------------------------------------------

# dir(keras.ops) in Keras 3.15, without the sub-namespaces (from Keras)
KERAS_NAMES = """
abs absolute adaptive_average_pool adaptive_max_pool add all allclose amax amin angle any
append arange arccos arccosh arcsin arcsinh arctan arctan2 arctanh argmax argmin
argpartition argsort array array_split associative_scan average average_pool bartlett
batch_normalization binary_crossentropy bincount bitwise_and bitwise_invert
bitwise_left_shift bitwise_not bitwise_or bitwise_right_shift bitwise_xor blackman
broadcast_to cast categorical_crossentropy cbrt cdist ceil celu cholesky cholesky_inverse
clip concatenate cond conj conjugate conv conv_transpose convert_to_numpy convert_to_tensor
copy corrcoef correlate cos cosh count_nonzero cross ctc_decode ctc_loss cumprod cumsum
custom_gradient deg2rad depth_to_space depthwise_conv det diag diagflat diagonal diff
digitize divide divide_no_nan dot dot_product_attention dsplit dstack dtype eig eigh einsum
elu empty empty_like equal erf erfc erfinv exp exp2 expand_dims expm1 extract_sequences eye
fabs fft fft2 flip fliplr flipud floor floor_divide fmax fmin fmod fold fori_loop full
full_like gcd gelu geomspace get_item glu greater greater_equal hamming hanning hard_shrink
hard_sigmoid hard_silu hard_swish hard_tanh heaviside histogram hsplit hstack hypot i0
identity ifft2 imag in_top_k inner inv irfft is_tensor isclose isfinite isin isinf isnan
isneginf isposinf isreal istft jvp kaiser kron layer_normalization lcm ldexp leaky_relu
left_shift less less_equal linspace log log10 log1p log2 log_sigmoid log_softmax logaddexp
logaddexp2 logdet logical_and logical_not logical_or logical_xor logspace logsumexp lstsq
lu_factor map matmul matrix_rank max max_pool maximum mean median meshgrid min minimum mod
moments moveaxis multi_hot multiply nan_to_num nanargmax nanargmin nancumprod nancumsum
nanmax nanmean nanmedian nanmin nanpercentile nanprod nanquantile nanstd nansum nanvar ndim
negative nextafter nonzero norm normalize not_equal one_hot ones ones_like outer pad
percentile pinv polar power prod psnr ptp qr quantile rad2deg ravel real rearrange
reciprocal relu relu6 repeat reshape rfft right_shift rms_normalization roll rot90 round
rsqrt saturate_cast scan scatter scatter_update searchsorted segment_max segment_min
segment_prod segment_sum select selu separable_conv shape sigmoid sign signbit silu sin sinc
sinh size slice slice_update slogdet soft_shrink softmax softplus softsign solve
solve_triangular sort space_to_depth sparse_categorical_crossentropy sparse_plus
sparse_sigmoid sparsemax split sqrt square squareplus squeeze stack std stft stop_gradient
subtract sum svd swapaxes swish switch take take_along_axis tan tanh tanh_shrink tensordot
threshold tile top_k trace transpose trapezoid tri tril triu true_divide trunc unfold unique
unravel_index unstack vander var vdot vectorize vectorized_map view view_as_complex
view_as_real vsplit vstack where while_loop zeros zeros_like
""".split()

# decompositions ndflow has no primitive for (left out rather than stubbed)
MISSING = {"cholesky_inverse", "i0", "lu_factor"}

KERAS_IMAGE = """affine_transform crop_images elastic_transform extract_patches
extract_patches_3d gaussian_blur hsv_to_rgb map_coordinates pad_images perspective_transform
resize rgb_to_grayscale rgb_to_hsv scale_and_translate sobel_edges ssim""".split()
MISSING_IMAGE = {"elastic_transform", "scale_and_translate"}


def test_keras_ops_is_reachable_and_has_keras_names():
    assert keras.ops is ops and "ops" in dir(keras)
    assert len(KERAS_NAMES) == 337
    have = [n for n in KERAS_NAMES if callable(getattr(ops, n, None))]
    assert sorted(set(KERAS_NAMES) - set(have)) == sorted(MISSING)
    for n in MISSING:
        assert not hasattr(ops, n), "%s should be left out, not stubbed" % n
    for sub in ("nn", "numpy", "linalg", "image", "math", "core"):
        assert getattr(ops, sub).__name__ == "ndflow.keras.ops." + sub
    assert ops.nn.relu is ops.relu and ops.numpy.mean is ops.mean
    assert ops.linalg.solve is ops.solve and ops.math.segment_sum is ops.segment_sum
    assert ops.core.cast is ops.cast and ops.math.logdet is ops.logdet
    assert sorted(n for n in KERAS_IMAGE if not hasattr(ops.image, n)) == sorted(MISSING_IMAGE)


# ---- values against NumPy (float64) ------------------------------------------------------

A34, B34, A5, B5, POS5 = f64(3, 4), f64(3, 4), f64(5), f64(5), f64(5, lo=0.2, hi=3)
U5 = f64(5, lo=-0.9, hi=0.9)
SQ = f64(3, 3) + 3 * np.eye(3)

NUMPY_CASES = [
    ("add", lambda o: o.add(A34, B34[0]), lambda: A34 + B34[0]),
    ("subtract", lambda o: o.subtract(A34, 2.0), lambda: A34 - 2),
    ("multiply", lambda o: o.multiply(A34, B34), lambda: A34 * B34),
    ("divide", lambda o: o.divide(A34, B34), lambda: A34 / B34),
    ("floor_divide", lambda o: o.floor_divide(A34, 0.3), lambda: np.floor_divide(A34, 0.3)),
    ("mod", lambda o: o.mod(A34, 0.3), lambda: np.mod(A34, 0.3)),
    ("fmod", lambda o: o.fmod(A34 * 4, B34), lambda: np.fmod(A34 * 4, B34)),
    ("power", lambda o: o.power(POS5, A5), lambda: np.power(POS5, A5)),
    ("maximum", lambda o: o.maximum(A34, B34), lambda: np.maximum(A34, B34)),
    ("fmax", lambda o: o.fmax(np.array([1, np.nan, 2.0]), np.array([np.nan, 3, 1.0])),
     lambda: np.fmax(np.array([1, np.nan, 2.0]), np.array([np.nan, 3, 1.0]))),
    ("fmin", lambda o: o.fmin(np.array([1, np.nan, 2.0]), np.array([np.nan, 3, 1.0])),
     lambda: np.fmin(np.array([1, np.nan, 2.0]), np.array([np.nan, 3, 1.0]))),
    ("cbrt", lambda o: o.cbrt(A5 * 9), lambda: np.cbrt(A5 * 9)),
    ("exp2", lambda o: o.exp2(A5), lambda: np.exp2(A5)),
    ("log2", lambda o: o.log2(POS5), lambda: np.log2(POS5)),
    ("log10", lambda o: o.log10(POS5), lambda: np.log10(POS5)),
    ("logaddexp", lambda o: o.logaddexp(A5 * 400, B5 * 400),
     lambda: np.logaddexp(A5 * 400, B5 * 400)),
    ("logaddexp2", lambda o: o.logaddexp2(A5, B5), lambda: np.logaddexp2(A5, B5)),
    ("arcsinh", lambda o: o.arcsinh(A5 * 50), lambda: np.arcsinh(A5 * 50)),
    ("arccosh", lambda o: o.arccosh(POS5 + 1), lambda: np.arccosh(POS5 + 1)),
    ("arctanh", lambda o: o.arctanh(U5), lambda: np.arctanh(U5)),
    ("arctan2", lambda o: o.arctan2(A5, B5), lambda: np.arctan2(A5, B5)),
    ("hypot", lambda o: o.hypot(A5, B5), lambda: np.hypot(A5, B5)),
    ("sinc", lambda o: o.sinc(np.array([0.0, 0.5, -2.5])), lambda: np.sinc([0.0, 0.5, -2.5])),
    ("deg2rad", lambda o: o.deg2rad(A5), lambda: np.deg2rad(A5)),
    ("heaviside", lambda o: o.heaviside(np.array([-1.0, 0, 2]), np.array([5.0, 0.5, 7])),
     lambda: np.heaviside([-1.0, 0, 2], [5.0, 0.5, 7])),
    ("ldexp", lambda o: o.ldexp(A5, np.array([1, -2, 0, 3, 5])),
     lambda: np.ldexp(A5, [1, -2, 0, 3, 5])),
    ("nextafter", lambda o: o.nextafter(A5, B5), lambda: np.nextafter(A5, B5)),
    ("trunc", lambda o: o.trunc(A5 * 3), lambda: np.trunc(A5 * 3)),
    ("round_half_even", lambda o: o.round(np.array([0.5, 1.5, 2.5, -0.5])),
     lambda: np.round([0.5, 1.5, 2.5, -0.5])),
    ("round_decimals", lambda o: o.round(A5, 2), lambda: np.round(A5, 2)),
    ("round_negative_decimals", lambda o: o.round(np.array([1234, 5678]), -2),
     lambda: np.round([1234, 5678], -2)),
    ("sum", lambda o: o.sum(A34, axis=(0, 1), keepdims=True), lambda: A34.sum((0, 1), keepdims=True)),
    ("prod", lambda o: o.prod(A34, axis=0), lambda: A34.prod(0)),
    ("mean", lambda o: o.mean(A34, axis=-1), lambda: A34.mean(-1)),
    ("var", lambda o: o.var(A34, axis=0), lambda: A34.var(0)),
    ("std", lambda o: o.std(A34), lambda: A34.std()),
    ("max_initial", lambda o: o.max(A34, axis=1, initial=0.3), lambda: A34.max(1, initial=0.3)),
    ("ptp", lambda o: o.ptp(A34, axis=0), lambda: np.ptp(A34, axis=0)),
    ("argmax_flattens", lambda o: o.argmax(A34), lambda: np.argmax(A34)),
    ("argmin_keepdims", lambda o: o.argmin(A34, axis=1, keepdims=True),
     lambda: np.argmin(A34, axis=1, keepdims=True)),
    ("average", lambda o: o.average(A34, axis=1, weights=POS5[:4]),
     lambda: np.average(A34, axis=1, weights=POS5[:4])),
    ("median", lambda o: o.median(A34, axis=0), lambda: np.median(A34, axis=0)),
    ("quantile", lambda o: o.quantile(A34, [0.1, 0.9], axis=1, keepdims=True),
     lambda: np.quantile(A34, [0.1, 0.9], axis=1, keepdims=True)),
    ("percentile_nearest", lambda o: o.percentile(A5, 35, method="nearest"),
     lambda: np.percentile(A5, 35, method="nearest")),
    ("nanmedian", lambda o: o.nanmedian(np.array([[1.0, np.nan, 3, 7], [np.nan] * 4])[:1], axis=1),
     lambda: np.nanmedian([[1.0, np.nan, 3, 7]], axis=1)),
    ("nanquantile", lambda o: o.nanquantile(np.array([1.0, np.nan, 3, 7, 2]), 0.3),
     lambda: np.nanquantile([1.0, np.nan, 3, 7, 2], 0.3)),
    ("nanvar", lambda o: o.nanvar(np.array([1.0, np.nan, 3, 7])),
     lambda: np.nanvar([1.0, np.nan, 3, 7])),
    ("nanmax_all_nan", lambda o: o.nanmax(np.array([[np.nan, np.nan], [1.0, np.nan]]), axis=1),
     lambda: np.array([np.nan, 1.0])),
    ("cumsum_flat", lambda o: o.cumsum(A34), lambda: np.cumsum(A34)),
    ("cumprod", lambda o: o.cumprod(A34, axis=1), lambda: np.cumprod(A34, axis=1)),
    ("diff", lambda o: o.diff(A34, n=2, axis=0), lambda: np.diff(A34, n=2, axis=0)),
    ("trapezoid", lambda o: o.trapezoid(A34, x=np.sort(A5[:4])),
     lambda: np.trapezoid(A34, x=np.sort(A5[:4])) if hasattr(np, "trapezoid")
     else np.trapz(A34, x=np.sort(A5[:4]))),
    ("corrcoef", lambda o: o.corrcoef(A34), lambda: np.corrcoef(A34)),
    ("correlate_same", lambda o: o.correlate(A5, B5[:3], mode="same"),
     lambda: np.correlate(A5, B5[:3], mode="same")),
    ("correlate_full", lambda o: o.correlate(A5[:3], B5, mode="full"),
     lambda: np.correlate(A5[:3], B5, mode="full")),
    ("correlate_valid_swapped", lambda o: o.correlate(A5[:2], B5),
     lambda: np.correlate(A5[:2], B5)),
    ("transpose", lambda o: o.transpose(f64(2, 3, 4).reshape(2, 3, 4)[..., :2], (2, 0, 1)).shape,
     lambda: np.empty((2, 2, 3)).shape),
    ("moveaxis", lambda o: o.moveaxis(A34[None], [0, 2], [2, 0]),
     lambda: np.moveaxis(A34[None], [0, 2], [2, 0])),
    ("rot90_k2", lambda o: o.rot90(A34, k=2), lambda: np.rot90(A34, 2)),
    ("rot90_axes", lambda o: o.rot90(A34[None], k=3, axes=(2, 1)),
     lambda: np.rot90(A34[None], k=3, axes=(2, 1))),
    ("roll", lambda o: o.roll(A34, 5), lambda: np.roll(A34, 5)),
    ("tile", lambda o: o.tile(A5, (2, 2)), lambda: np.tile(A5, (2, 2))),
    ("repeat", lambda o: o.repeat(A34, [1, 0, 2], axis=0), lambda: np.repeat(A34, [1, 0, 2], axis=0)),
    ("array_split", lambda o: o.array_split(A5, 3), lambda: np.array_split(A5, 3)),
    ("split_points", lambda o: o.split(A5, [2, 3]), lambda: np.split(A5, [2, 3])),
    ("vstack_vectors", lambda o: o.vstack([A5, B5]), lambda: np.vstack([A5, B5])),
    ("hstack", lambda o: o.hstack([A34, B34]), lambda: np.hstack([A34, B34])),
    ("dstack", lambda o: o.dstack([A5, B5]), lambda: np.dstack([A5, B5])),
    ("concatenate_none", lambda o: o.concatenate([A34, B5], axis=None),
     lambda: np.concatenate([A34, B5], axis=None)),
    ("append", lambda o: o.append(A34, B5), lambda: np.append(A34, B5)),
    ("pad_edge", lambda o: o.pad(A34, ((1, 2), (3, 0)), mode="edge"),
     lambda: np.pad(A34, ((1, 2), (3, 0)), mode="edge")),
    ("pad_wrap", lambda o: o.pad(A34, 2, mode="wrap"), lambda: np.pad(A34, 2, mode="wrap")),
    ("pad_symmetric", lambda o: o.pad(A34, (1, 2), mode="symmetric"),
     lambda: np.pad(A34, (1, 2), mode="symmetric")),
    ("linspace", lambda o: o.linspace(np.array([0.0, 1]), np.array([1.0, -3]), 5, axis=1),
     lambda: np.linspace([0.0, 1], [1.0, -3], 5, axis=1)),
    ("logspace", lambda o: o.logspace(0.0, 2.0, 5, base=3.0, dtype="float64"),
     lambda: np.logspace(0, 2, 5, base=3.0)),
    ("geomspace", lambda o: o.geomspace(2.0, 200.0, 4, dtype="float64"),
     lambda: np.geomspace(2, 200, 4)),
    ("tri", lambda o: o.tri(3, 5, k=1, dtype="float64"), lambda: np.tri(3, 5, k=1)),
    ("triu", lambda o: o.triu(A34, k=-1), lambda: np.triu(A34, k=-1)),
    ("diagonal", lambda o: o.diagonal(f64(2, 3, 4)[..., :4].reshape(2, 3, 4), 1, 2, 1).shape,
     lambda: (2, 2)),
    ("diag_offset", lambda o: o.diag(A5, k=-2), lambda: np.diag(A5, k=-2)),
    ("trace", lambda o: o.trace(A34, offset=1), lambda: np.trace(A34, offset=1)),
    ("take_negative", lambda o: o.take(A34, [-1, 2, 0], axis=1), lambda: np.take(A34, [-1, 2, 0], axis=1)),
    ("take_along_axis", lambda o: o.take_along_axis(A34, np.argsort(A34, 1), 1),
     lambda: np.sort(A34, 1)),
    ("select", lambda o: o.select([A5 < 0, A5 > 1], [A5, B5], 9.0),
     lambda: np.select([A5 < 0, A5 > 1], [A5, B5], 9.0)),
    ("where", lambda o: o.where(A34 > 0, A34, B34), lambda: np.where(A34 > 0, A34, B34)),
    ("searchsorted", lambda o: o.searchsorted(np.sort(A5), B5, side="right"),
     lambda: np.searchsorted(np.sort(A5), B5, side="right")),
    ("matmul_vec", lambda o: o.matmul(A5[:4], A34.T), lambda: np.matmul(A5[:4], A34.T)),
    ("dot_nd", lambda o: o.dot(f64(2, 3, 4)[:, :, :4] * 0 + 1, A34.T[:, :2].reshape(4, 2)).shape,
     lambda: (2, 3, 2)),
    ("inner", lambda o: o.inner(A34, B34), lambda: np.inner(A34, B34)),
    ("outer", lambda o: o.outer(A34, B5), lambda: np.outer(A34, B5)),
    ("kron", lambda o: o.kron(A34[:2, :2], B34[:2]), lambda: np.kron(A34[:2, :2], B34[:2])),
    ("cross", lambda o: o.cross(A34[:, :3], B34[:, :3]), lambda: np.cross(A34[:, :3], B34[:, :3])),
    ("tensordot", lambda o: o.tensordot(A34, B34, axes=([0, 1], [0, 1])),
     lambda: np.tensordot(A34, B34, axes=([0, 1], [0, 1]))),
    ("einsum", lambda o: o.einsum("ij,kj->ik", A34, B34), lambda: np.einsum("ij,kj->ik", A34, B34)),
    ("vander", lambda o: o.vander(A5, 3), lambda: np.vander(A5, 3)),
    ("slogdet", lambda o: o.slogdet(SQ), lambda: list(np.linalg.slogdet(SQ))),
    ("norm_matrix_inf", lambda o: o.norm(A34, ord=-np.inf), lambda: np.linalg.norm(A34, -np.inf)),
    ("norm_vector_p", lambda o: o.norm(A5, ord=3.5), lambda: np.linalg.norm(A5, 3.5)),
    ("norm_neg_inf", lambda o: o.norm(A5, ord=-np.inf), lambda: np.linalg.norm(A5, -np.inf)),
    ("solve", lambda o: o.linalg.solve(SQ, A34[:, :2]), lambda: np.linalg.solve(SQ, A34[:, :2])),
    ("solve_triangular", lambda o: o.linalg.solve_triangular(SQ, A5[:3]),
     lambda: np.linalg.solve(np.triu(SQ), A5[:3])),
    ("inv", lambda o: o.linalg.inv(SQ), lambda: np.linalg.inv(SQ)),
    ("bincount_weights", lambda o: o.bincount(np.array([0, 2, 2, 5]), weights=A5[:4]),
     lambda: np.bincount([0, 2, 2, 5], weights=A5[:4])),
    ("histogram", lambda o: o.histogram(A5, bins=3), lambda: list(np.histogram(A5, bins=3))),
    ("unique_unsorted", lambda o: o.unique(np.array([3, 1, 3, 2, 1]), sorted=False),
     lambda: np.array([3, 1, 2])),
    ("unravel_index", lambda o: o.unravel_index(np.array([7, 11]), (3, 4)),
     lambda: list(np.unravel_index([7, 11], (3, 4)))),
    ("nan_to_num", lambda o: o.nan_to_num(np.array([np.nan, np.inf, -np.inf])),
     lambda: np.nan_to_num(np.array([np.nan, np.inf, -np.inf]))),
    ("clip", lambda o: o.clip(A5, -0.2, 0.3), lambda: np.clip(A5, -0.2, 0.3)),
    ("meshgrid_ij", lambda o: o.meshgrid(A5, B5[:2], indexing="ij"),
     lambda: np.meshgrid(A5, B5[:2], indexing="ij")),
    ("isin", lambda o: o.isin(np.array([1, 2, 3, 4]), np.array([2, 4]), invert=True),
     lambda: np.isin([1, 2, 3, 4], [2, 4], invert=True)),
    ("digitize", lambda o: o.digitize(A5, np.array([-1.0, 0, 1])),
     lambda: np.digitize(A5, [-1.0, 0, 1])),
]


@pytest.mark.parametrize("name,fn,ref", NUMPY_CASES, ids=[c[0] for c in NUMPY_CASES])
def test_values_match_numpy_float64(name, fn, ref):
    got = fn(ops)
    want = ref()
    if isinstance(want, tuple) and all(isinstance(d, int) for d in want):
        assert tuple(got) == want
        return
    close(got, list(want) if isinstance(want, (list, tuple)) else np.asarray(want))
    for g in (got if isinstance(got, (list, tuple)) else [got]):
        if np.asarray(val(g)).dtype.kind == "f":
            assert np.asarray(val(g)).dtype == np.float64, name


def test_quantile_methods_match_numpy():
    x = f64(3, 8)
    for method in ("linear", "lower", "higher", "midpoint", "nearest"):
        close(ops.quantile(x, [0.0, 0.33, 0.5, 1.0], axis=1, method=method),
              np.quantile(x, [0.0, 0.33, 0.5, 1.0], axis=1, method=method))


def test_rearrange_patterns():
    x = f64(2, 3, 4, 5)
    close(ops.rearrange(x, "b h w c -> b (h w) c"), x.reshape(2, 12, 5))
    close(ops.rearrange(x, "b h w c -> c b h w"), x.transpose(3, 0, 1, 2))
    close(ops.rearrange(x, "b ... c -> c b ..."), np.moveaxis(x, -1, 0))
    y = f64(2, 12, 5)
    close(ops.rearrange(y, "b (h w) c -> b w h c", w=4), y.reshape(2, 3, 4, 5).transpose(0, 2, 1, 3))
    with pytest.raises(ValueError, match="cannot infer"):
        ops.rearrange(y, "b (h w) c -> b h w c")


# ---- Keras 3 dtype rules -----------------------------------------------------------------

# result dtypes of keras.ops.add (from Keras, TF backend)
PROMOTION = [
    ("int32", "float32", "float32"), ("uint8", "int8", "int16"), ("uint16", "int8", "int32"),
    ("uint32", "int16", "int64"), ("int8", "int16", "int16"), ("float16", "int64", "float16"),
    ("float16", "float32", "float32"), ("float64", "float32", "float64"),
    ("bool", "int8", "int8"), ("bool", "bool", "bool"), ("int32", "int64", "int64"),
    ("uint8", "uint16", "uint16"),
]


@pytest.mark.parametrize("a,b,want", PROMOTION)
def test_binary_promotion_follows_keras(a, b, want):
    x = np.ones(2, a)
    y = np.ones(2, b)
    assert ops.multiply(x, y).dtype.name == want
    assert ops.maximum(y, x).dtype.name == want
    assert ops.concatenate([x, y]).dtype.name == want


def test_python_scalars_are_weak():
    # from Keras: int8 + 1.5 -> float32, float16 + 1.5 -> float16, int64 + 3 -> int64,
    # bool + 1 -> int32, 1 + 2.0 -> float32, 1 + 2 -> int32
    assert ops.add(np.ones(2, "int8"), 1.5).dtype.name == "float32"
    assert ops.add(np.ones(2, "float16"), 1.5).dtype.name == "float16"
    assert ops.add(np.ones(2, "int64"), 3).dtype.name == "int64"
    assert ops.add(np.ones(2, bool), 1).dtype.name == "int32"
    assert ops.add(1, 2.0).dtype.name == "float32"
    assert ops.add(1, 2).dtype.name == "int32"
    assert ops.convert_to_tensor([1.0, 2.0]).dtype.name == "float32"
    assert ops.convert_to_tensor([1, 2]).dtype.name == "int32"
    assert ops.convert_to_tensor(np.ones(2)).dtype.name == "float64"


def test_result_dtypes_of_single_argument_functions():
    i32, i64, u8, i8 = (np.ones((2, 3), d) for d in ("int32", "int64", "uint8", "int8"))
    b = np.ones((2, 3), bool)
    # from Keras: float functions give float32 for integers (int64 too), a few give float64
    assert ops.sqrt(i64).dtype.name == "float32"
    assert ops.exp(b).dtype.name == "float32"
    assert ops.cbrt(i64).dtype.name == "float64"
    assert ops.deg2rad(i64).dtype.name == "float64"
    assert ops.mean(i32).dtype.name == "float32"
    assert ops.floor(i32).dtype.name == "float32"
    assert ops.divide(i32, i32).dtype.name == "float32"
    assert ops.divide(np.ones(2, "float16"), np.ones(2, "int32")).dtype.name == "float16"
    # sums widen small integers like NumPy on 32-bit: bool/int8 -> int32, uint8 -> uint32
    assert ops.sum(i8).dtype.name == "int32"
    assert ops.sum(u8).dtype.name == "uint32"
    assert ops.sum(b).dtype.name == "int32"
    assert ops.prod(i64).dtype.name == "int64"
    assert ops.cumsum(b).dtype.name == "int32"
    assert ops.cumsum(i8).dtype.name == "int8"
    assert ops.square(b).dtype.name == "int32"
    assert ops.argmax(i32).dtype.name == "int32"
    assert ops.count_nonzero(i32).dtype.name == "int32"
    assert ops.matmul(np.ones((2, 2), "int8"), np.ones((2, 2), "int8")).dtype.name == "int32"
    assert ops.full((2,), 3).dtype.name == "float32"
    assert ops.kaiser(7, 3.0).dtype.name == "float32"
    close(ops.kaiser(7, 3.0), np.kaiser(7, 3.0))
    assert ops.full_like(i32, 2.5).dtype.name == "int32"
    assert ops.arange(3).dtype.name == "int32" and ops.arange(0, 3, 0.5).dtype.name == "float32"
    assert ops.clip(b, 0, 1).dtype.name == "int32"
    assert [t.dtype.name for t in ops.moments(i32, axes=[0])] == ["int32", "int32"]


def test_keras_conventions():
    x = np.array([[1.0, 5.0, 3.0], [7.0, 0.0, 2.0]])
    assert int(ops.argmax(x)) == 3                       # axis=None flattens
    assert ops.transpose(np.zeros((2, 3, 4))).shape == (4, 3, 2)
    close(ops.gelu(np.array([1.0])),                     # approximate=True by default
          [0.5 * (1 + np.tanh(math.sqrt(2 / math.pi) * (1 + 0.044715)))])
    close(ops.one_hot(np.array([-1, 2]), 3), np.array([[0, 0, 0], [0, 0, 1.0]]))
    close(ops.multi_hot(np.array([[0, 2], [1, 1]]), 3), np.array([[1, 0, 1], [0, 1, 0.0]]))
    values, idx = ops.top_k(np.array([1.0, 3, 3, 2]), 2)
    close(values, [3.0, 3.0])
    assert idx.numpy().tolist() == [1, 2]                # ties: the lower index first
    assert ops.shape(np.zeros((2, 3))) == (2, 3) and ops.ndim(np.zeros((2, 3))) == 2
    assert ops.dtype(ops.ones((2,))) == "float32" and ops.size(np.zeros((2, 3))).numpy() == 6
    assert isinstance(ops.nonzero(np.array([[0, 1], [1, 0]])), tuple)
    assert [t.numpy().tolist() for t in ops.where(np.array([[0, 1], [1, 0]]))] == [[0, 1], [1, 0]]
    assert ops.switch(7, [lambda a: a + 1, lambda a: a * 10], 2) == 20   # clamped index
    assert ops.while_loop(lambda i, j: i < 3, lambda i, j: (i + 1, j * 2), (0, 1)) == (3, 8)
    assert ops.fori_loop(0, 4, lambda i, v: v + i, 0).numpy() == 6
    carry, ys = ops.scan(lambda c, v: (c + v, c * v), 0.0, np.array([1.0, 2, 3]))
    close(carry, 6.0)
    close(ys, [0.0, 2.0, 9.0])
    close(ops.associative_scan(lambda a, b: a + b, np.array([1.0, 2, 3, 4])), [1.0, 3, 6, 10])
    close(ops.associative_scan(lambda a, b: a * b, np.array([1.0, 2, 3, 4]), reverse=True),
          [24.0, 24, 12, 4])
    out = ops.map(lambda v: {"sq": v * v, "neg": -v}, np.array([1.0, 2.0]))
    close(out["sq"], [1.0, 4.0])
    close(ops.vectorize(lambda a, b: ops.sum(a * b), signature="(n),(n)->()")(
        np.ones((2, 3)), np.arange(3.0)), [3.0, 3.0])


def test_misc_functions_against_numpy():
    x = f64(4).astype("float32")
    close(ops.view(x, "int32"), x.view(np.int32))
    r, th = f64(3, lo=0.5, hi=2), f64(3)
    close(ops.polar(r, th), r * np.exp(1j * th), rtol=1e-12)
    close(ops.view_as_real(ops.view_as_complex(np.stack([r, th], -1))), np.stack([r, th], -1))
    assert ops.cond(ops.less(1, 2), lambda: "yes", lambda: "no") == "yes"
    v = f64(1, 4, 4, 4, 2)
    p = ops.image.extract_patches_3d(v, 2).numpy()
    assert p.shape == (1, 2, 2, 2, 16)
    close(p[0, 1, 0, 1], v[0, 2:4, 0:2, 2:4].reshape(-1))
    assert isinstance(ops.convert_to_numpy(ops.ones(2)), np.ndarray)
    assert ops.saturate_cast(np.array([-5.0, 300.0, 7.6]), "uint8").numpy().tolist() == [0, 255, 7]
    w = tf.Variable(np.array([1.0, 2.0]))
    with tf.GradientTape() as tape:
        y = ops.sum(ops.stop_gradient(w) * w)
    close(tape.gradient(y, w), [1.0, 2.0])


def test_ctc_decode_greedy_like_keras():
    # logits (1, 4 frames, 3 classes); from Keras: decoded [[[2, 1, -1, -1]]], score
    # [[-2.6]] (minus the sum of the best raw logit of each frame)
    x = np.array([[[0.1, 0.2, 0.7], [0.0, 0.1, 0.9], [0.6, 0.3, 0.1], [0.1, 0.8, 0.1]]])
    decoded, score = ops.ctc_decode(x, np.array([4]))
    assert decoded.numpy().tolist() == [[[2, 1, -1, -1]]]
    close(score, [[-3.0]])
    decoded, _ = ops.ctc_decode(x, np.array([4]), merge_repeated=False)
    assert decoded.numpy().tolist() == [[[2, 2, 1, -1]]]


def test_sobel_edges_like_keras():
    # from Keras: a ramp 0..29 (5 x 6) gives dy = 48 and dx = 8 inside and 0 on the border
    # (the image is extended by reflection)
    x = np.arange(30.0).reshape(1, 5, 6, 1)
    e = ops.image.sobel_edges(x).numpy()[0, :, :, 0]
    dy = np.zeros((5, 6))
    dy[1:-1] = 48
    dx = np.zeros((5, 6))
    dx[:, 1:-1] = 8
    close(e[..., 0], dy)
    close(e[..., 1], dx)


def test_gaussian_blur_kernel_axes_follow_the_documentation():
    # kernel_size and sigma are (height, width), as Keras documents
    x = np.zeros((1, 9, 9, 1))
    x[0, 4, 4, 0] = 1
    out = ops.image.gaussian_blur(x, kernel_size=(5, 3), sigma=(2.0, 0.7)).numpy()[0, ..., 0]
    g = lambda n, s: np.exp(-0.5 * ((np.arange(n) - (n - 1) / 2) / s) ** 2)  # noqa: E731
    gy, gx = g(5, 2.0), g(3, 0.7)
    want = np.zeros((9, 9))
    want[2:7, 3:6] = np.outer(gy / gy.sum(), gx / gx.sum())
    close(out, want)


def test_map_coordinates_fill_modes_follow_the_documentation():
    x = np.arange(5.0) * 10
    c = np.arange(-7.0, 12.0)[None]

    def take(mode):
        return ops.image.map_coordinates(x, c, 0, fill_mode=mode).numpy() / 10

    assert take("reflect").tolist() == [3, 4, 4, 3, 2, 1, 0, 0, 1, 2, 3, 4, 4, 3, 2, 1, 0, 0, 1]
    assert take("mirror").tolist() == [1, 2, 3, 4, 3, 2, 1, 0, 1, 2, 3, 4, 3, 2, 1, 0, 1, 2, 3]
    assert take("wrap").tolist() == [3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1]
    assert take("nearest").tolist() == [0] * 8 + [1, 2, 3] + [4] * 8


def test_dot_product_attention_against_numpy():
    q, k, v = f64(2, 3, 2, 4), f64(2, 5, 2, 4), f64(2, 5, 2, 4)
    mask = rng.random((2, 1, 3, 5)) > 0.3
    mask[..., 0] = True
    out = ops.dot_product_attention(q, k, v, mask=mask, attn_logits_soft_cap=2.0)
    logits = np.einsum("btnh,bsnh->bnts", q, k) / 2.0
    logits = np.tanh(logits / 2.0) * 2.0
    logits = np.where(mask, logits, -np.inf)
    p = np.exp(logits - logits.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    close(out, np.einsum("bnts,bsnh->btnh", p, v), rtol=1e-9)


def test_channels_first_convolution_matches_channels_last():
    x, k = f64(2, 7, 6, 3), f64(3, 3, 3, 4)
    last = ops.conv(x, k, padding="same").numpy()
    first = ops.conv(x.transpose(0, 3, 1, 2), k, padding="same", data_format="channels_first")
    close(first, last.transpose(0, 3, 1, 2), rtol=1e-9)


def test_unfold_fold_are_adjoint():
    x, y = f64(2, 3, 5, 6), f64(2, 3 * 4, 20)
    u = ops.unfold(x, 2, padding=1, stride=(2, 2))
    assert u.shape == (2, 12, 12)
    y = f64(*u.shape)
    lhs = float(np.sum(u.numpy() * y))
    rhs = float(np.sum(x * ops.fold(y, (5, 6), 2, padding=1, stride=2).numpy()))
    assert abs(lhs - rhs) < 1e-9 * max(1, abs(lhs))


def test_stft_istft_round_trip():
    sig = f64(2, 64)
    spec = ops.stft(sig, 16, 4, 16)
    back = ops.istft(spec, 16, 4, 16, length=64)
    close(back, sig, rtol=1e-9, atol=1e-9)


def test_errors_name_the_op_and_the_fix():
    with pytest.raises(ValueError, match="array_split"):
        ops.split(np.zeros(5), 2)
    with pytest.raises(ValueError, match="both x1 and x2"):
        ops.where(np.ones(2, bool), np.ones(2))
    with pytest.raises(ValueError, match="matmul.*scalars"):
        ops.matmul(np.ones(2), 2.0)
    with pytest.raises(ValueError, match="quantiles must be in"):
        ops.quantile(np.ones(3), 1.5)
    with pytest.raises(ValueError, match="singular values"):
        ops.norm(np.ones((2, 2)), ord=2)


# ---- gradients against finite differences ------------------------------------------------

def _fd_check(fn, args, eps=1e-6, tol=1e-6):
    """d/dargs of sum(w * fn(args)) against central differences (float64)."""
    args = [np.array(a, dtype=np.float64) for a in args]
    out0 = fn(*[tf.constant(a) for a in args])
    w = rng.standard_normal(np.shape(val(out0)))

    def scalar(*xs):
        return float(np.sum(w * val(fn(*[tf.constant(x) for x in xs]))))

    vs = [tf.Variable(a) for a in args]
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(fn(*vs) * tf.constant(w))
    grads = tape.gradient(loss, vs)
    for i, a in enumerate(args):
        num = np.zeros_like(a)
        for j in np.ndindex(a.shape):
            hi, lo = [x.copy() for x in args], [x.copy() for x in args]
            hi[i][j] += eps
            lo[i][j] -= eps
            num[j] = (scalar(*hi) - scalar(*lo)) / (2 * eps)
        np.testing.assert_allclose(val(grads[i]), num, rtol=tol, atol=tol)


GRADIENTS = [
    ("sort", lambda a: ops.sort(a, axis=0), [f64(3, 4)]),
    ("quantile", lambda a: ops.quantile(a, [0.2, 0.7], axis=1), [f64(3, 6)]),
    ("median", lambda a: ops.median(a), [f64(7)]),
    ("logaddexp", lambda a, b: ops.logaddexp(a, b), [f64(5), f64(5)]),
    ("arcsinh", lambda a: ops.arcsinh(a), [f64(6) * 3]),
    ("cbrt", lambda a: ops.cbrt(a), [f64(6, lo=0.3, hi=2) * np.sign(f64(6))]),
    ("arctanh", lambda a: ops.arctanh(a), [f64(5, lo=-0.8, hi=0.8)]),
    ("sinc", lambda a: ops.sinc(a), [f64(5)]),
    ("erfinv", lambda a: ops.erfinv(a), [f64(6, lo=-0.9, hi=0.9)]),
    ("fmod", lambda a, b: ops.fmod(a, b), [f64(5) * 3, f64(5, lo=0.7, hi=2)]),
    ("take_along_axis", lambda a: ops.take_along_axis(a, np.array([[0, 0, 2], [1, 3, 3]]), 1),
     [f64(2, 4)]),
    ("segment_max", lambda a: ops.segment_max(a, np.array([0, 1, 1, 2]), num_segments=3),
     [f64(4, 2)]),
    ("segment_prod", lambda a: ops.segment_prod(a, np.array([0, 1, 1, 2]), num_segments=3),
     [f64(4, 2)]),
    ("linspace", lambda a, b: ops.linspace(a, b, 5), [f64(3), f64(3)]),
    ("kron", lambda a, b: ops.kron(a, b), [f64(2, 3), f64(2, 2)]),
    ("cross", lambda a, b: ops.cross(a, b), [f64(2, 3), f64(2, 3)]),
    ("correlate", lambda a, b: ops.correlate(a, b, mode="full"), [f64(5), f64(3)]),
    ("diag", lambda a: ops.diag(a, k=1), [f64(3)]),
    ("slice_update", lambda a, b: ops.slice_update(a, (1, 1), b), [f64(3, 4), f64(2, 2)]),
    ("norm_mat1", lambda a: ops.norm(a, ord=1), [f64(3, 4)]),
    ("solve_triangular", lambda a, b: ops.solve_triangular(a, b, lower=True),
     [np.tril(f64(3, 3)) + 3 * np.eye(3), f64(3, 2)]),
    ("logdet", lambda a: ops.logdet(a), [f64(3, 3) * 0.1 + np.eye(3)]),
    ("cdist", lambda a, b: ops.cdist(a, b), [f64(3, 2), f64(4, 2)]),
    ("affine_transform", lambda x: ops.image.affine_transform(
        x, np.array([1.1, 0.2, -0.5, -0.1, 0.9, 0.7, 0, 0])), [f64(1, 5, 4, 2)]),
    ("map_coordinates", lambda x: ops.image.map_coordinates(
        x, np.array([[0.3, 2.7, 4.5], [1.2, 0.5, 5.9]]), 1, fill_mode="reflect"), [f64(5, 6)]),
    ("extract_patches", lambda x: ops.image.extract_patches(x, 2, strides=1, padding="same"),
     [f64(1, 4, 5, 2)]),
    ("rgb_to_hsv", lambda x: ops.image.rgb_to_hsv(x), [f64(1, 2, 2, 3, lo=0.1, hi=0.9)]),
    ("fold", lambda x: ops.fold(x, (3, 4), 2), [f64(1, 8, 6)]),
    ("dot_product_attention", lambda q, k, v: ops.dot_product_attention(q, k, v, is_causal=True),
     [f64(1, 3, 2, 2), f64(1, 3, 2, 2), f64(1, 3, 2, 2)]),
    ("layer_normalization", lambda x, g: ops.layer_normalization(x, g, epsilon=1e-3),
     [f64(2, 4), f64(4)]),
    ("adaptive_average_pool", lambda x: ops.adaptive_average_pool(x, 2), [f64(1, 5, 3, 2)]),
    ("depthwise_conv", lambda x, k: ops.depthwise_conv(x, k, padding="same"),
     [f64(1, 4, 4, 2), f64(3, 3, 2, 2)]),
    ("conv_transpose", lambda x, k: ops.conv_transpose(x, k, strides=2),
     [f64(1, 3, 3, 2), f64(2, 2, 3, 2)]),
    ("fft", lambda a, b: ops.fft((a, b))[1], [f64(2, 6), f64(2, 6)]),
    ("rfft", lambda a: ops.rfft(a)[0], [f64(2, 6)]),
]


@pytest.mark.parametrize("name,fn,args", GRADIENTS, ids=[g[0] for g in GRADIENTS])
def test_gradient_matches_finite_differences(name, fn, args):
    _fd_check(fn, args)


def test_jvp_is_the_forward_mode_product():
    x, t = f64(4), f64(4)
    out, tangent = ops.jvp(lambda a: ops.sin(a) * a, (x,), (t,))
    close(out, np.sin(x) * x)
    close(tangent, (np.cos(x) * x + np.sin(x)) * t)


def test_custom_gradient():
    @ops.custom_gradient
    def clipped(v):
        def grad(*args, upstream=None):
            if upstream is None:
                (upstream,) = args
            return upstream * 0.5
        return v * 2.0, grad

    v = tf.Variable(np.array([1.0, 2.0]))
    with tf.GradientTape() as tape:
        y = ops.sum(clipped(v))
    close(tape.gradient(y, v), [0.5, 0.5])


# ---- symbolic use: Functional models -----------------------------------------------------

def test_ops_on_keras_tensors_record_layers():
    x = keras.Input((4,))
    ids = keras.Input((3,), dtype="int32")
    assert ops.shape(x) == (None, 4) and ops.dtype(ids) == "int32" and ops.ndim(x) == 2
    s = ops.sum(x, axis=-1)
    assert isinstance(s, keras.KerasTensor) and tuple(s.shape) == (None,)
    a = ops.argmax(x, axis=-1)
    assert a.dtype.name == "int32"
    values, idx = ops.top_k(x, 2)
    assert tuple(values.shape) == (None, 2) and idx.dtype.name == "int32"
    parts = ops.split(x, 2, axis=-1)
    assert len(parts) == 2 and tuple(parts[0].shape) == (None, 2)
    oh = ops.one_hot(ids, 5)
    assert tuple(oh.shape) == (None, 3, 5)
    m = keras.Input((3, 3))
    inv = ops.linalg.inv(m)          # zeros are singular: the shapes come from identities
    assert tuple(inv.shape) == (None, 3, 3)
    model = keras.Model([x, ids, m], [s, a, oh, inv, values])
    xv = f64(2, 4).astype("float32")
    iv = np.array([[0, 1, 4], [2, 2, 3]], "int32")
    mv = np.broadcast_to(np.eye(3, dtype="float32") * 2, (2, 3, 3))
    out = model.predict([xv, iv, mv], verbose=0)
    close(out[0], xv.sum(-1), rtol=1e-6)
    assert out[1].tolist() == xv.argmax(-1).tolist()
    close(out[2], np.eye(5)[iv])
    close(out[3], np.broadcast_to(np.eye(3) / 2, (2, 3, 3)))
    close(out[4], -np.sort(-xv, axis=-1)[:, :2], rtol=1e-6)


def test_functional_model_with_ops_trains_and_predicts():
    keras.utils.set_random_seed(3)
    inp = keras.Input((6,))
    h = keras.layers.Dense(8)(inp)
    h = ops.relu(h)
    feats = ops.concatenate([h, ops.expand_dims(ops.logsumexp(h, axis=-1), -1),
                             ops.square(inp)], axis=-1)
    out = keras.layers.Dense(1)(ops.where(ops.greater(feats, 5.0), 5.0, feats))
    model = keras.Model(inp, out)
    x = rng.standard_normal((128, 6)).astype("float32")
    y = (np.sum(x ** 2, axis=1, keepdims=True) * 0.3 + x[:, :1]).astype("float32")
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="mse")
    hist = model.fit(x, y, epochs=40, batch_size=32, verbose=0)
    assert hist.history["loss"][-1] < 0.25 * hist.history["loss"][0]
    # predict equals the same computation done eagerly with the trained weights
    w1, b1, w2, b2 = [w.numpy() for w in model.weights]
    hh = np.maximum(x @ w1 + b1, 0)
    lse = np.log(np.sum(np.exp(hh - hh.max(-1, keepdims=True)), -1)) + hh.max(-1)
    f = np.concatenate([hh, lse[:, None], x ** 2], axis=-1)
    want = np.minimum(f, 5.0) @ w2 + b2
    close(model.predict(x, verbose=0), want, rtol=1e-4, atol=1e-4)


def test_a_model_with_op_layers_saves_and_loads(tmp_path):
    inp = keras.Input((3,))
    model = keras.Model(inp, ops.mean(inp, axis=-1))
    model.save(str(tmp_path / "m.keras"))
    loaded = keras.models.load_model(str(tmp_path / "m.keras"))
    x = np.arange(6, dtype="float32").reshape(2, 3)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), x.mean(axis=-1))


# ---- decompositions (cholesky, qr, svd, eigh, eig, lstsq, pinv, matrix_rank) -------------

def test_linalg_decompositions_numpy_conventions():
    x = np.random.default_rng(11).standard_normal((2, 4, 3))
    spd = np.swapaxes(x, -1, -2) @ x + 3 * np.eye(3)
    low = ops.cholesky(spd)
    np.testing.assert_allclose(val(low), np.linalg.cholesky(spd), rtol=1e-12)
    np.testing.assert_allclose(val(ops.cholesky(spd, upper=True)),
                               np.swapaxes(np.linalg.cholesky(spd), -1, -2), rtol=1e-12)
    with pytest.raises(ValueError, match="positive definite"):
        ops.cholesky(np.array([[1.0, 2.0], [2.0, 1.0]]))
    q, r = ops.qr(x)
    assert val(q).shape == (2, 4, 3) and val(r).shape == (2, 3, 3)
    np.testing.assert_allclose(val(q) @ val(r), x, atol=1e-12)
    assert val(ops.qr(x, mode="complete")[0]).shape == (2, 4, 4)
    with pytest.raises(ValueError, match="mode"):
        ops.qr(x, mode="raw")
    u, s, vh = ops.svd(x)               # full_matrices=True by default, vh not v
    assert val(u).shape == (2, 4, 4) and val(vh).shape == (2, 3, 3)
    us, ss, vhs = ops.svd(x, full_matrices=False)
    np.testing.assert_allclose((val(us) * val(ss)[..., None, :]) @ val(vhs), x, atol=1e-12)
    np.testing.assert_allclose(val(ops.svd(x, compute_uv=False)),
                               np.linalg.svd(x, compute_uv=False), rtol=1e-12)
    w, v = ops.eigh(spd)
    np.testing.assert_allclose(val(w), np.linalg.eigvalsh(spd), rtol=1e-12)
    we, ve = ops.eig(np.float32([[0, -1], [1, 0]]))
    assert val(we).dtype == np.complex64          # from Keras: complex64 for float32
    np.testing.assert_allclose(np.sort_complex(val(we)), [-1j, 1j], atol=1e-6)
    a, b = x[0], np.random.default_rng(12).standard_normal(4)
    np.testing.assert_allclose(val(ops.lstsq(a, b)), np.linalg.lstsq(a, b, rcond=None)[0],
                               rtol=1e-10)
    np.testing.assert_allclose(val(ops.pinv(x)), np.linalg.pinv(x), atol=1e-12)
    rank = ops.matrix_rank(np.ones((3, 3)))
    assert val(rank).dtype == np.int32 and int(val(rank)) == 1    # from Keras: int32
    assert int(val(ops.matrix_rank(np.diag([3.0, 1.0, 0.2]), tol=0.5))) == 2
    assert val(ops.cholesky(np.eye(2, dtype=np.int32))).dtype == np.float32


def test_linalg_decomposition_gradient_through_keras_ops():
    x = np.random.default_rng(13).standard_normal((4, 3))

    def f(t):
        u, s, vh = ops.svd(t, full_matrices=False)
        return ops.sum(s * s) + ops.sum(ops.square(ops.qr(t)[1]))
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = f(xt)
    g = val(tape.gradient(y, xt))
    # sum(s^2) = ||x||_F^2 and sum(r^2) = ||x||_F^2 (r = q^T x): the gradient is 4 x
    np.testing.assert_allclose(g, 4 * x, rtol=1e-10)
