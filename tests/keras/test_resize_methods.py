"""Resize methods beyond bilinear / nearest ('bicubic', 'area', 'lanczos3', 'lanczos5',
'gaussian', 'mitchellcubic'), antialiasing and the aspect-ratio options of ``resize_images``
(tf.image.resize semantics) and ``keras.layers.Resizing``.

The expected arrays below came from TensorFlow 2.21 (Keras 3.15): ``tf.image.resize`` /
``keras.layers.Resizing`` applied to the fixed input ``X`` defined here, printed to 7
significant digits and pasted in.  TensorFlow is not needed to run these tests."""
import json

import numpy as np
import pytest

import ndflow as tf
from ndflow import keras
from ndflow.keras.layers.preprocessing_image import RESIZE_METHODS, resize_images

# a 5 x 7 single-channel image with irregular values, (batch, height, width, channels)
X = (((np.arange(35) * 37) % 11 - 5) / 4.0).reshape(1, 5, 7, 1).astype(np.float32)

# from TensorFlow 2.21:
#   tf.image.resize(X, size, method=method, antialias=antialias)[0, :, :, 0]
# keyed by (method, antialias, size): (8, 3) upsamples the height by 1.6 and downsamples the
# width by 7/3, (2, 11) the other way round, (3, 2) downsamples both, (1, 1) is one pixel,
# (5, 3) keeps the height (gaussian and mitchellcubic blur even then)
EXPECTED = {
    ('bilinear', False, (8, 3)):
        [[-0.5833334, -1, 0.4166672],
         [0.07291663, -0.34375, 0.2708335],
         [0.8385416, 0.421875, 0.1197914],
         [0.05729163, -0.359375, 0.4843753],
         [-0.4375, -0.28125, 0.5625003],
         [-0.6458333, 0.65625, 0.3541664],
         [-0.3385417, 0.046875, -0.369792],
         [-0.08333337, -0.5, -0.916667]],
    ('bilinear', False, (2, 11)):
        [[-0.125, 0.3295454, 0.7784092, 0.1022727, -0.07386367, 0.125, -0.5511363, -0.664773,
          -0.028409, 0.2329545, 0.375],
         [0.1875, -0.2954545, -0.784091, -0.1477273, 0.2386363, 0.4375, -0.2386362, -0.5397728,
          -0.3409091, 0.2329545, 0.6875]],
    ('bilinear', False, (3, 2)):
        [[0.2708333, 0.3333334],
         [0.25, 1],
         [-2.384186e-07, -0.6249999]],
    ('bilinear', False, (1, 1)):
        [[-0.75]],
    ('nearest', False, (8, 3)):
        [[-0.25, -1, 1],
         [-0.25, -1, 1],
         [1.25, 0.5, -0.25],
         [0, -0.75, 1.25],
         [0, -0.75, 1.25],
         [-1.25, 0.75, 0],
         [0.25, -0.5, -1.25],
         [0.25, -0.5, -1.25]],
    ('nearest', False, (2, 11)):
        [[0.25, 0.25, 1.25, -0.5, -0.5, 0.5, -1.25, -1.25, -0.25, 0.75, 0.75],
         [0.5, 0.5, -1.25, -0.25, -0.25, 0.75, -1, -1, 0, 1, 1]],
    ('nearest', False, (3, 2)):
        [[-0.25, 1],
         [0, 1.25],
         [0.25, -1.25]],
    ('nearest', False, (1, 1)):
        [[-0.75]],
    ('bicubic', False, (8, 3)):
        [[-0.7645276, -1.107934, 0.5360556],
         [0.1001102, -0.3448738, 0.3336026],
         [1.047923, 0.4923706, 0.155799],
         [0.08535097, -0.4701538, 0.6064205],
         [-0.619952, -0.3920288, 0.7538198],
         [-0.765699, 0.7267456, 0.4468529],
         [-0.4046032, 0.0690147, -0.5014211],
         [-0.09804977, -0.5899446, -1.158059]],
    ('bicubic', False, (2, 11)):
        [[-0.06644392, 0.4886054, 0.9633145, -0.03874613, -0.175989, 0.2538168, -0.6844453,
          -0.9605611, -0.1601338, 0.3159644, 0.5445787],
         [0.4197933, -0.2779511, -0.9988877, -0.3089276, 0.3181203, 0.5763359, -0.3170963,
          -0.7928916, -0.4345239, 0.3539503, 0.909871]],
    ('bicubic', False, (3, 2)):
        [[0.3276486, 0.4674187],
         [0.3144531, 1.193359],
         [0.02824341, -0.8205928]],
    ('bicubic', False, (1, 1)):
        [[-0.75]],
    ('bicubic', False, (5, 3)):
        [[-0.6424592, -1, 0.5096352],
         [1.05398, 0.5, 0.1424591],
         [-0.3924592, -0.75, 0.7596352],
         [-0.7596352, 0.75, 0.3924592],
         [-0.1424591, -0.5, -1.05398]],
    ('area', False, (8, 3)):
        [[-0.5357143, -0.2142857, 0.1071429],
         [-0.09285714, -0.2428571, 0.07857139],
         [0.5714286, -0.2857142, 0.0357142],
         [-0.1142857, -0.0285714, 0.2928571],
         [-0.3, 0.0214286, 0.3428572],
         [-0.3571429, -0.03571423, 0.2857142],
         [-0.1642857, 0.1571429, -0.2285714],
         [-0.03571433, 0.2857143, -0.5714285]],
    ('area', False, (2, 11)):
        [[-0.6, -0.1714286, 0.4, 0.3142857, 0.1142858, -0.35, -0.4214286, -0.3071429, 0.55,
          0.1785717, -0.1000001],
         [-0.3, -0.3428571, -0.4, 0.4571428, 0.4142858, -0.05, -0.1214286, -0.1642857, -0.25,
          0.007142663, 0.2000001]],
    ('area', False, (3, 2)):
        [[-0.07142859, -0.1],
         [-0.02857141, 0.09999999],
         [0.01428571, -0.1714286]],
    ('area', False, (1, 1)):
        [[-0.04285714]],
    ('lanczos3', False, (8, 3)):
        [[-1.002832, -1.192256, 0.4928832],
         [0.09527079, -0.2887692, 0.3389727],
         [1.134349, 0.4965104, 0.2726654],
         [0.1290061, -0.4916269, 0.5417566],
         [-0.8488378, -0.4256052, 0.8563276],
         [-0.7449421, 0.7272257, 0.6030335],
         [-0.4197108, 0.1346922, -0.5218223],
         [-0.2089579, -0.6745165, -1.271313]],
    ('lanczos3', False, (2, 11)):
        [[-0.1008854, 0.534555, 0.9139135, -0.1058371, -0.1909721, 0.2808879, -0.6650057, -1.104059,
          -0.2493759, 0.3956155, 0.5643322],
         [0.5208532, -0.2365808, -0.9950324, -0.4533374, 0.4604756, 0.6119869, -0.263217,
          -0.9861463, -0.6220037, 0.3804392, 0.9867378]],
    ('lanczos3', False, (3, 2)):
        [[0.4260688, 0.4361643],
         [0.47132, 1.349362],
         [0.0347402, -0.9633786]],
    ('lanczos3', False, (1, 1)):
        [[-0.7499999]],
    ('lanczos5', False, (8, 3)):
        [[-1.145051, -1.270614, 0.3749808],
         [0.1055408, -0.2081081, 0.3876383],
         [1.213494, 0.4858381, 0.3531777],
         [0.1438213, -0.4971403, 0.4212712],
         [-0.9743301, -0.4620616, 0.87736],
         [-0.6858512, 0.7104453, 0.6893614],
         [-0.3376427, 0.2231658, -0.5407689],
         [-0.3833853, -0.7516378, -1.378404]],
    ('lanczos5', False, (2, 11)):
        [[-0.1016641, 0.6161015, 0.8270772, -0.2342572, -0.1945498, 0.3275661, -0.5841982,
          -1.283246, -0.2762161, 0.5220642, 0.5644465],
         [0.5759076, -0.1165783, -0.9797152, -0.5702166, 0.4892633, 0.6721096, -0.2264721,
          -1.141969, -0.7516633, 0.4394976, 1.037628]],
    ('lanczos5', False, (3, 2)):
        [[0.3630084, 0.3988981],
         [0.5441903, 1.469063],
         [0.06860189, -1.085642]],
    ('lanczos5', False, (1, 1)):
        [[-0.7499999]],
    ('gaussian', False, (8, 3)):
        [[-0.4720776, -0.6521738, 0.3766236],
         [0.07060579, -0.3068424, 0.2487351],
         [0.5986842, 0.04154587, 0.1662542],
         [0.05385112, -0.2260227, 0.4543005],
         [-0.3837852, -0.15429, 0.5260332],
         [-0.5524774, 0.2781828, 0.2566182],
         [-0.3160895, 0.08370162, -0.3587162],
         [-0.09376711, -0.1671956, -0.8069652]],
    ('gaussian', False, (2, 11)):
        [[-0.1217604, 0.2715268, 0.6018865, 0.1444346, -0.03623945, -0.05345535, -0.5152665,
          -0.5652807, -0.01015988, 0.2305567, 0.3052055],
         [0.0652626, -0.3043516, -0.5971876, -0.08907063, 0.2318076, 0.252639, -0.2231691,
          -0.4576939, -0.2577861, 0.2121915, 0.5674959]],
    ('gaussian', False, (3, 2)):
        [[0.2411534, 0.2877537],
         [0.1586585, 0.656723],
         [-0.001725078, -0.5787967]],
    ('gaussian', False, (1, 1)):
        [[-0.2889926]],
    ('gaussian', False, (5, 3)):
        [[-0.3871469, -0.598129, 0.356609],
         [0.5988639, 0.0389927, 0.1571477],
         [-0.218073, -0.2889927, 0.548221],
         [-0.5482207, 0.2889927, 0.2180727],
         [-0.1285608, -0.1279298, -0.7368137]],
    ('mitchellcubic', False, (8, 3)):
        [[-0.6425651, -0.8640226, 0.4451514],
         [0.08310105, -0.3202513, 0.289721],
         [0.8030278, 0.2268658, 0.1814156],
         [0.07686649, -0.3245374, 0.5217392],
         [-0.5205263, -0.2464124, 0.6393491],
         [-0.6473783, 0.4612408, 0.3633593],
         [-0.3679461, 0.08294691, -0.4193319],
         [-0.1121977, -0.3605062, -0.9871375]],
    ('mitchellcubic', False, (2, 11)):
        [[-0.1120322, 0.3704351, 0.7595102, 0.08217771, -0.09880874, 0.06761459, -0.5980013,
          -0.74244, -0.075859, 0.2707605, 0.4049152],
         [0.2330581, -0.2991753, -0.7724925, -0.1920577, 0.2937484, 0.3864768, -0.2550105,
          -0.617766, -0.3629959, 0.2659829, 0.732365]],
    ('mitchellcubic', False, (3, 2)):
        [[0.3014231, 0.3554969],
         [0.2456229, 0.9000037],
         [0.008916144, -0.6953673]],
    ('mitchellcubic', False, (1, 1)):
        [[-0.4783945]],
    ('mitchellcubic', False, (5, 3)):
        [[-0.526778, -0.7769603, 0.421796],
         [0.8056948, 0.2283945, 0.1697124],
         [-0.3136595, -0.4783945, 0.6411529],
         [-0.6411523, 0.4783945, 0.3136592],
         [-0.1537755, -0.2916662, -0.8895728]],
    ('bilinear', True, (8, 3)):
        [[-0.3928572, -0.1911765, 0.1607143],
         [0.005580336, -0.171875, 0.04352675],
         [0.4765625, -0.1341911, -0.07477686],
         [0.06361604, -0.005514707, 0.2488839],
         [-0.2265625, 0.02205882, 0.3270089],
         [-0.3939732, -0.05147057, 0.1595981],
         [-0.1194196, 0.05698529, -0.2287947],
         [0.1071429, 0.1470588, -0.5178571]],
    ('bilinear', True, (3, 2)):
        [[-0.04900332, -0.06229242],
         [-0.02971576, 0.1285529],
         [-0.01245849, -0.1445182]],
    ('bilinear', True, (1, 1)):
        [[-0.02240399]],
    ('bicubic', True, (8, 3)):
        [[-0.5052859, -0.1066975, 0.1439749],
         [0.005480176, -0.192682, 0.02400632],
         [0.5797002, -0.2478143, -0.06710121],
         [0.07348864, 0.04128913, 0.2619955],
         [-0.3076162, 0.07641956, 0.3849046],
         [-0.3857511, -0.1333237, 0.211476],
         [-0.11195, 0.09071458, -0.2886631],
         [0.1115604, 0.2870546, -0.6344744]],
    ('bicubic', True, (3, 2)):
        [[-0.04525222, -0.07625737],
         [-0.03195789, 0.1393485],
         [-0.01367432, -0.1366669]],
    ('bicubic', True, (1, 1)):
        [[-0.0229311]],
    ('lanczos3', True, (8, 3)):
        [[-0.5896055, 0.005868264, 0.1141444],
         [0.03238148, -0.1926253, -0.02469507],
         [0.6482055, -0.2863785, -0.08059421],
         [0.1458443, 0.1155648, 0.1914954],
         [-0.4052484, 0.1198239, 0.4257807],
         [-0.3597539, -0.2117828, 0.2542179],
         [-0.06629422, 0.05822625, -0.3335149],
         [0.1393774, 0.367842, -0.7113663]],
    ('lanczos3', True, (3, 2)):
        [[-0.04173272, -0.08251318],
         [-0.04535386, 0.1517095],
         [-0.03661369, -0.1069322]],
    ('lanczos3', True, (1, 1)):
        [[-0.02500417]],
    ('lanczos5', True, (8, 3)):
        [[-0.6413054, 0.07814696, 0.07088503],
         [0.0371001, -0.2197058, -0.03129362],
         [0.6927686, -0.2988243, -0.09597823],
         [0.1847481, 0.161916, 0.1134235],
         [-0.4762474, 0.1350675, 0.4450716],
         [-0.3364185, -0.2444126, 0.2844564],
         [0.01187261, 0.02261704, -0.3624803],
         [0.1169067, 0.4254652, -0.7567773]],
    ('lanczos5', True, (3, 2)):
        [[-0.03236786, -0.08728397],
         [-0.05243426, 0.1574799],
         [-0.05473728, -0.09034207]],
    ('lanczos5', True, (1, 1)):
        [[-0.02587036]],
    ('gaussian', True, (8, 3)):
        [[-0.3673548, -0.1319751, 0.07114902],
         [-0.02563161, -0.1402496, 0.0110928],
         [0.3194714, -0.1138213, -0.009626523],
         [0.02884734, 0.02822208, 0.1987769],
         [-0.2046133, 0.0377548, 0.2705095],
         [-0.2754044, -0.06451243, 0.1393696],
         [-0.1007779, 0.03351767, -0.1963213],
         [0.0537125, 0.1362263, -0.4436102]],
    ('gaussian', True, (3, 2)):
        [[-0.05052204, -0.0436664],
         [-0.01974281, 0.08400306],
         [-0.0282023, -0.09428406]],
    ('gaussian', True, (1, 1)):
        [[-0.02475673]],
    ('mitchellcubic', True, (8, 3)):
        [[-0.435827, -0.1068922, 0.1017988],
         [-0.003213753, -0.1625071, 0.009189054],
         [0.4410696, -0.1770305, -0.0402381],
         [0.06531587, 0.04136247, 0.2197416],
         [-0.2567291, 0.059808, 0.323911],
         [-0.3220079, -0.1056597, 0.1697311],
         [-0.1014801, 0.05617309, -0.2428747],
         [0.09122117, 0.2175055, -0.5410954]],
    ('mitchellcubic', True, (3, 2)):
        [[-0.05119363, -0.06022958],
         [-0.02730513, 0.1094357],
         [-0.02503621, -0.1081228]],
    ('mitchellcubic', True, (1, 1)):
        [[-0.02471178]],
}

# tf.image.resize(X, (4, 4), method='bicubic', preserve_aspect_ratio=True)[0, :, :, 0]
PRESERVE_BICUBIC_4x4 = [  # shape (3, 4)
    [-0.4776322, 0.2846328, -0.4624234, 0.0363965],
    [-0.7188353, 0.894043, 0.1062012, 0.1046406],
    [-0.3473484, 0.7651494, 0.07264472, -0.2472104]]

# tf.image.resize(X, (9, 20), method='lanczos3', preserve_aspect_ratio=True)[0, :, :, 0]
PRESERVE_LANCZOS3_9x20 = [  # shape (9, 13)
    [-1.542212, -1.343823, -0.772741, 0.4409297, 1.006642, -0.02576052, -1.221536, -0.8789481,
     0.3830751, 1.33205, 0.9205523, -0.3860819, -1.273072],
    [-0.8529923, -0.5109629, 0.06695914, 0.4751361, 0.3368025, -0.06273973, -0.4867392, -0.6922613,
     -0.3827896, 0.3007669, 0.496902, 0.02038945, -0.3676829],
    [0.01959632, 0.5455554, 1.143638, 0.5685406, -0.4404923, -0.07379081, 0.4443842, -0.4278951,
     -1.278327, -0.9178481, 0.01792052, 0.5518629, 0.7710921],
    [-0.4688622, 0.1222906, 0.9461288, 0.9457404, 0.2191011, 0.01003803, -0.01999616, -0.4474761,
     -0.5743372, -0.0480286, 0.4045099, 0.3257349, 0.1826892],
    [-1.08596, -0.8396723, -0.2607092, 0.7080142, 1.054097, 0.2110519, -0.7500004, -0.5729477,
     0.4008262, 1.269542, 1.041785, -0.01382852, -0.7499512],
    [0.01610981, -0.4684595, -1.0458, -0.7149457, 0.1814206, 0.467736, 0.1030813, -0.440546,
     -0.4184947, 0.4386277, 0.9586832, 0.59431, 0.2320029],
    [0.7126203, 0.02719339, -0.9526106, -1.15469, -0.3360327, 0.5708394, 0.7298732, -0.1585224,
     -1.012762, -0.8534479, 0.04126469, 0.7488767, 1.101437],
    [-0.2609036, -0.3479075, -0.3288214, 0.211467, 0.7204422, 0.4704856, -0.03898586, 0.0204085,
     -0.07618942, -0.8177295, -0.9124448, -0.1586397, 0.3978357],
    [-1.088324, -0.6911691, 0.1388144, 1.29128, 1.557103, 0.3677469, -0.7007794, 0.08757775,
     0.6875266, -0.5473128, -1.404509, -0.8258058, -0.2653729]]

# from Keras 3.15 (TensorFlow backend): keras.layers.Resizing(**kwargs)(X)[0, :, :, 0]
KERAS_RESIZING = [
    (dict(height=3, width=4, interpolation='lanczos3', crop_to_aspect_ratio=True),
     [[-0.5603275, 0.4250662, -0.6323327, 0.3548702],
      [-0.8759379, 1.076192, -0.8261926, 1.125938],
      [-0.3365139, 0.6239405, -0.07475606, -0.8214987]]),
    (dict(height=2, width=6, interpolation='bicubic', pad_to_aspect_ratio=True, fill_value=-1.0),
     [[-1, -0.8195372, -0.07350305, -0.9803345, -0.6809399, -1],
      [-1, -0.6994126, -0.2789092, -0.7957419, -0.6011599, -1]]),
    (dict(height=2, width=3, interpolation='area'),
     [[-0.04285714, -0.1928571, 0.1285714],
      [-0.2142858, 0.1071429, -0.04285714]]),
    (dict(height=3, width=2, interpolation='bicubic', antialias=True),
     [[-0.04525222, -0.07625737],
      [-0.03195789, 0.1393485],
      [-0.01367432, -0.1366669]]),
    (dict(height=4, width=2, interpolation='lanczos5', antialias=True, crop_to_aspect_ratio=True),
     [[0.2780573, -0.4948585],
      [0.1792246, -0.08791463],
      [0.3379146, 0.07077541],
      [0.7448585, -0.0280573]]),
]

TOL = dict(rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("key", sorted(EXPECTED, key=repr), ids=repr)
def test_resize_matches_tensorflow(key):
    method, antialias, size = key
    want = np.array(EXPECTED[key], np.float32)
    got = resize_images(X, size, method, antialias=antialias)
    assert got.shape == (1,) + size + (1,)
    np.testing.assert_allclose(got.numpy()[0, :, :, 0], want, **TOL)
    # unbatched and channels-first inputs give the same values
    np.testing.assert_allclose(resize_images(X[0], size, method, antialias=antialias)
                               .numpy()[:, :, 0], want, **TOL)
    cf = resize_images(np.transpose(X, (0, 3, 1, 2)), size, method, "channels_first",
                       antialias=antialias)
    np.testing.assert_allclose(cf.numpy()[0, 0], want, **TOL)


def test_method_names_are_case_insensitive_and_channels_are_independent():
    two = np.concatenate([X, -2 * X], axis=-1)
    got = resize_images(two, (3, 2), "LANCZOS5").numpy()
    want = np.array(EXPECTED[("lanczos5", False, (3, 2))])
    np.testing.assert_allclose(got[0, :, :, 0], want, **TOL)
    np.testing.assert_allclose(got[0, :, :, 1], -2 * want, **TOL)


@pytest.mark.parametrize("method", ["nearest", "area"])
def test_antialias_does_not_change_nearest_and_area(method):
    for size in [(8, 3), (3, 2), (1, 1)]:
        got = resize_images(X, size, method, antialias=True).numpy()[0, :, :, 0]
        np.testing.assert_allclose(got, EXPECTED[(method, False, size)], **TOL)


@pytest.mark.parametrize("method", ["bilinear", "lanczos3", "lanczos5", "gaussian",
                                    "mitchellcubic"])
def test_antialias_only_acts_when_downsampling(method):
    # on upsampling the kernel keeps its width, so antialias changes nothing
    a = resize_images(X, (9, 12), method, antialias=True).numpy()
    b = resize_images(X, (9, 12), method, antialias=False).numpy()
    np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
    # on downsampling it must (the expected values differ by more than the tolerance)
    a = resize_images(X, (3, 2), method, antialias=True).numpy()
    b = resize_images(X, (3, 2), method, antialias=False).numpy()
    assert np.abs(a - b).max() > 1e-2


@pytest.mark.parametrize("method", ["bilinear", "nearest", "bicubic", "area", "lanczos3",
                                    "lanczos5"])
def test_interpolating_methods_keep_an_image_of_the_same_size(method):
    for antialias in (False, True):
        np.testing.assert_array_equal(resize_images(X, (5, 7), method,
                                                    antialias=antialias).numpy(), X)


@pytest.mark.parametrize("method", ["gaussian", "mitchellcubic"])
def test_smoothing_methods_blur_an_image_of_the_same_size(method):
    # the (5, 3) constants keep the height; resizing a 5 x 3 image to 5 x 3 applies the same
    # height-wise filter, checked against a 1-D NumPy convolution with the kernel's taps
    got = resize_images(X, (5, 7), method).numpy()[0, :, :, 0]
    # inner rows: weights at distances -1, 0, 1 (the kernels reach less than 2 pixels)
    if method == "gaussian":
        k = np.exp(-2.0 * np.array([1.0, 0.0, 1.0]))      # sigma 1/2
    else:
        k = np.array([1.0 / 18, 8.0 / 9, 1.0 / 18])       # Mitchell-Netravali B = C = 1/3
    k = k / k.sum()

    def blur(a, axis):
        a = np.moveaxis(a, axis, 0)
        out = np.empty_like(a)
        for i in range(a.shape[0]):
            idx = [j for j in (i - 1, i, i + 1) if 0 <= j < a.shape[0]]
            w = np.array([k[j - i + 1] for j in idx])
            out[i] = np.tensordot(w / w.sum(), a[idx], axes=1)
        return np.moveaxis(out, 0, axis)

    want = blur(blur(X[0, :, :, 0].astype(np.float64), 0), 1)
    np.testing.assert_allclose(got, want, **TOL)


def test_preserve_aspect_ratio():
    got = resize_images(X, (4, 4), "bicubic", preserve_aspect_ratio=True).numpy()
    assert got.shape == (1, 3, 4, 1)    # scale min(4/5, 4/7): 5 x 7 -> 3 x 4
    np.testing.assert_allclose(got[0, :, :, 0], PRESERVE_BICUBIC_4x4, **TOL)
    got = resize_images(X, (9, 20), "lanczos3", preserve_aspect_ratio=True).numpy()
    assert got.shape == (1, 9, 13, 1)   # scale 9/5: 7 * 1.8 = 12.6 -> 13
    np.testing.assert_allclose(got[0, :, :, 0], PRESERVE_LANCZOS3_9x20, **TOL)


@pytest.mark.parametrize("case", range(len(KERAS_RESIZING)))
def test_resizing_layer_matches_keras(case):
    kwargs, want = KERAS_RESIZING[case]
    layer = keras.layers.Resizing(**kwargs)
    got = layer(X).numpy()
    assert got.shape == (1, kwargs["height"], kwargs["width"], 1)
    np.testing.assert_allclose(got[0, :, :, 0], want, **TOL)
    # channels_first gives the same values
    cf = keras.layers.Resizing(data_format="channels_first", **kwargs)
    np.testing.assert_allclose(cf(np.transpose(X, (0, 3, 1, 2))).numpy()[0, 0], want, **TOL)


@pytest.mark.parametrize("method", ["bicubic", "area", "lanczos3", "lanczos5"])
@pytest.mark.parametrize("antialias", [False, True])
def test_resizing_config_round_trip(method, antialias):
    layer = keras.layers.Resizing(3, 2, interpolation=method, antialias=antialias)
    config = layer.get_config()
    assert config["interpolation"] == method and config["antialias"] is antialias
    config = json.loads(json.dumps(config))
    clone = keras.layers.Resizing.from_config(config)
    assert clone.interpolation == method and clone.antialias is antialias
    np.testing.assert_array_equal(clone(X).numpy(), layer(X).numpy())
    # 'area' ignores antialias
    key = (method, antialias and method != "area", (3, 2))
    np.testing.assert_allclose(layer(X).numpy()[0, :, :, 0], EXPECTED[key], **TOL)


def test_resizing_in_a_saved_model(tmp_path):
    model = keras.Sequential([keras.Input((5, 7, 1)),
                              keras.layers.Resizing(8, 3, interpolation="lanczos3",
                                                    antialias=True)])
    want = np.array(EXPECTED[("lanczos3", True, (8, 3))])
    np.testing.assert_allclose(model.predict(X, verbose=0)[0, :, :, 0], want, **TOL)
    rebuilt = keras.models.model_from_json(model.to_json())
    np.testing.assert_allclose(rebuilt.predict(X, verbose=0)[0, :, :, 0], want, **TOL)
    path = str(tmp_path / "resize.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    layer = loaded.layers[-1]
    assert (layer.interpolation, layer.antialias) == ("lanczos3", True)
    np.testing.assert_allclose(loaded.predict(X, verbose=0)[0, :, :, 0], want, **TOL)


def _finite_difference_check(method, antialias, size):
    rng = np.random.default_rng(7)
    x0 = rng.normal(size=(2, 4, 5, 2))
    r = rng.normal(size=(2,) + size + (2,))

    def loss(v):
        return float((resize_images(v, size, method, antialias=antialias).numpy() * r).sum())

    xt = tf.constant(x0)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        s = tf.reduce_sum(resize_images(xt, size, method, antialias=antialias) * r)
    g = tape.gradient(s, xt).numpy()
    fd = np.zeros_like(x0)
    eps = 1e-6
    for idx in np.ndindex(x0.shape):
        hi, lo = x0.copy(), x0.copy()
        hi[idx] += eps
        lo[idx] -= eps
        fd[idx] = (loss(hi) - loss(lo)) / (2 * eps)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-7)
    assert np.abs(g).max() > 1e-3   # not trivially zero


@pytest.mark.parametrize("antialias", [False, True])
@pytest.mark.parametrize("size", [(7, 3), (2, 8), (1, 1)])
def test_bicubic_gradient_matches_finite_differences(antialias, size):
    _finite_difference_check("bicubic", antialias, size)


@pytest.mark.parametrize("method", ["area", "lanczos3", "gaussian", "mitchellcubic"])
def test_other_methods_gradient_matches_finite_differences(method):
    _finite_difference_check(method, True, (3, 7))


def test_integer_images_are_resized_as_float32():
    img = (np.arange(35).reshape(1, 5, 7, 1) % 9).astype(np.uint8)
    got = resize_images(img, (3, 2), "lanczos3")
    assert got.dtype == tf.float32
    want = resize_images(img.astype(np.float32), (3, 2), "lanczos3").numpy()
    np.testing.assert_array_equal(got.numpy(), want)


def test_errors_name_the_function_and_the_choices():
    with pytest.raises(ValueError, match="interpolation must be one of .*'mitchellcubic'.*"
                                         "got 'cubic'"):
        resize_images(X, (3, 3), "cubic")
    # Keras' Resizing does not take the two kernels only tf.image.resize has
    for method in ("gaussian", "mitchellcubic"):
        assert method in RESIZE_METHODS
        with pytest.raises(ValueError, match="Resizing: interpolation must be one of "
                                             ".*'lanczos5'.*tf.image.resize"):
            keras.layers.Resizing(3, 3, interpolation=method)
    with pytest.raises(ValueError, match="only one of"):
        resize_images(X, (3, 3), crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)
    with pytest.raises(ValueError, match="preserve_aspect_ratio cannot be combined"):
        resize_images(X, (3, 3), preserve_aspect_ratio=True, crop_to_aspect_ratio=True)
    with pytest.raises(ValueError, match="size must be positive"):
        resize_images(X, (0, 3), "bicubic")
    with pytest.raises(ValueError, match="Resizing: height and width must be positive"):
        keras.layers.Resizing(0, 3)
