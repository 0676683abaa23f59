"""Hashing and the lookup layers' OOV buckets give TensorFlow's ids.

Every expected number below was generated with real TensorFlow 2.21 / Keras 3.15
(``tf.strings.to_hash_bucket_fast``, ``tf.strings.to_hash_bucket_strong``,
``tf.keras.layers.Hashing``, ``StringLookup`` and ``IntegerLookup``) and pasted in; the
tests need only NumPy.  ``to_hash_bucket_*(s, 2**63 - 1)`` keeps 63 bits of each 64-bit
hash, so those constants pin the hash functions down, not just a few bins.
"""
import numpy as np
import pytest

from ndflow.keras import layers as L
from ndflow.ops.string_hashes import fingerprint64, siphash24

BIG = 2 ** 63 - 1     # the largest bucket count TensorFlow accepts (int64 max)

BASE = "The quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs! "
# every length branch of Fingerprint64: 0, 1-3, 4-7, 8-16, 17-32, 33-64, > 64 (1-3 blocks)
LENGTHS = [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 48, 63, 64, 65, 100, 127,
           128, 129, 200]
STRS = [(BASE * 3)[:n] for n in LENGTHS]
UNI = ["h\u00e9llo w\u00f6rld", "Stra\u00dfe", "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8",
       "\U0001f600\U0001f389" * 9, "\u00dcn\u00efc\u00f6d\u00e9 " * 12, "\u00df"]
INTS = [0, 1, -1, 7, -5, 42, 123456789, -987654321, 2 ** 62, -2 ** 63, 2 ** 63 - 1]
WORDS = np.array([["apple", "kiwi", "durian", "fig"], ["grape", "", "lime", "apple"]])
TOKS = ["apple", "kiwi", "durian", "fig", "grape", "", "lime", "ma\u00f1ana", "x" * 40, "banana"]
IVALS = [1, 2, 5, -7, 12345, 0, 99, -1]

# ---- constants from TensorFlow 2.21 --------------------------------------------------------
# tf.strings.to_hash_bucket_fast(STRS, BIG)
FAST_MAX = [1936946117179621456, 1366698271136253306, 6802249652779214323, 398699863598724094,
            8425543508670559910, 8805132910519014279, 8879765114474867592, 5102859526078303239,
            5536152759197313107, 9032017524180936103, 4320848957565769301, 5162019803258432958,
            6702341905823656245, 259718955123041108, 3916272259504149091, 8241563171161551831,
            8698840823406582693, 8264640597583176448, 3651727585108321787, 401843254309390432,
            8719392402480059340, 2926289832381140453, 1066568076575244726, 8125200165795519244,
            9043650079147881403]
# tf.strings.to_hash_bucket_strong(STRS, BIG, key=[1, 2])
STRONG_MAX_1_2 = [443797209252341628, 8539109249312051502, 2761179273583152410,
                  7531850269785792671, 6040603250372251285, 7735477948065926090,
                  6598655052370010227, 8182414139654459965, 380299065442354698,
                  1228895561025515582, 5242959264365556033, 4458056200643605541,
                  2220651056078363003, 5837821239571160227, 109331205514008138,
                  3923631052423311770, 7887664667157137241, 6459115970346235757,
                  8960975419979548595, 856107148931528837, 4242461228178550114,
                  4439513497995125525, 7745068452468722083, 3494554599821032174,
                  3786766350942603094]
# tf.strings.to_hash_bucket_strong(STRS, BIG, key=[2**63 - 5, 123456789])
STRONG_MAX_BIG = [2171657732941651439, 315407739187509908, 227091388368206630, 3207179246861911283,
                  7388006433607733828, 7123288026700102098, 2233796588648355662,
                  6298342443210033530, 2422953945007400864, 3775734031110813919,
                  4328139511564581635, 7529994614901031329, 4648317978521333950,
                  6454379328821246891, 8360094553312022861, 5472973606975559056,
                  3035415910963506139, 8990129091279676921, 2440236924648615544,
                  3354873338625971091, 3750563839062637319, 1320854420321173254,
                  7158648070033640797, 5604731859516311892, 1720381296272564072]
# UTF-8 byte lengths of UNI, and to_hash_bucket_fast / _strong(key=[133, 137]) of UNI
UNI_LEN = [13, 7, 24, 72, 144, 2]
UNI_FAST_MAX = [9001971122424596627, 2010219425622249684, 3319086538622314836, 6058506467255862938,
                912204777053479074, 5603709435334765553]
UNI_STRONG_MAX = [6509798326667381258, 873434995151928828, 3294212070422811956,
                  4266160352663161992, 7846001144204817567, 8792053985730578120]
# to_hash_bucket_fast([b"\xff\xfe\x00", b"\x00" * 20], BIG): bytes that are not UTF-8
RAW_BYTES_FAST = [4141643986626801624, 6971436696028628358]
# keras.layers.Hashing(num_bins=1000) of STRS + UNI, unsalted, salt=7, salt=[133, 137]
HASH_1000 = [263, 306, 323, 901, 717, 279, 399, 239, 107, 103, 301, 765, 245, 915, 898, 638, 693,
             255, 787, 432, 340, 453, 726, 244, 403, 627, 491, 836, 745, 74, 360]
HASH_1000_SALT7 = [358, 739, 993, 210, 573, 672, 816, 689, 272, 431, 660, 911, 427, 453, 898, 715,
                   934, 390, 158, 65, 144, 736, 558, 672, 489, 770, 167, 964, 835, 677, 359]
HASH_1000_SALTPAIR = [900, 50, 858, 804, 373, 106, 48, 731, 723, 333, 198, 190, 589, 560, 380, 626,
                      137, 593, 149, 824, 45, 280, 309, 995, 165, 258, 635, 956, 799, 374, 120]
# Hashing(num_bins=1000, salt=-1) of STRS[:6]
HASH_1000_NEGSALT = [341, 12, 467, 932, 715, 56]
# Hashing(num_bins=8, mask_value="") of STRS + UNI (STRS[0] is "", the mask)
HASH_8_MASK = [0, 7, 5, 2, 3, 1, 1, 6, 2, 1, 2, 5, 7, 3, 2, 6, 6, 6, 6, 1, 6, 5, 1, 5, 4, 4, 4, 6,
               4, 5, 2]
# Hashing of int64 INTS: num_bins=1000; num_bins=1000, salt=[5, 11]; num_bins=6, mask_value=0
INT_HASH_1000 = [735, 849, 430, 88, 816, 736, 306, 475, 503, 112, 319]
INT_HASH_1000_SALT = [883, 108, 447, 534, 167, 952, 575, 281, 939, 638, 968]
INT_HASH_6_MASK0 = [0, 5, 1, 4, 2, 2, 2, 1, 4, 3, 5]
# Hashing(num_bins=6, mask_value=1) of [1.0, 1.5, -2.7, 3.0, 0.0] (floats -> int64 first)
FLOAT_HASH_6_MASK1 = [0, 5, 1, 2, 1]
# Hashing(num_bins=5) of WORDS in output modes int / multi_hot / count, count with
# mask_value="", and one_hot of [["apple"], ["kiwi"], ["fig"]]
INT_PER_WORD = [[1, 3, 2, 4], [3, 3, 0, 1]]
MULTI_HOT = [[0.0, 1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 0.0, 1.0, 0.0]]
COUNT = [[0.0, 1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 0.0, 2.0, 0.0]]
COUNT_MASK = [[0.0, 0.0, 2.0, 0.0, 2.0], [1.0, 0.0, 2.0, 0.0, 1.0]]
ONE_HOT = [[0.0, 1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0, 1.0]]
# StringLookup(vocabulary=["apple", "banana"], num_oov_indices=3) of TOKS: plain,
# mask_token="", salt=[1, 2]
SL3 = [3, 2, 1, 0, 0, 2, 2, 1, 0, 4]
SL3_MASK = [4, 3, 2, 1, 1, 0, 3, 2, 1, 5]
SL3_SALT = [3, 2, 0, 2, 2, 1, 1, 1, 2, 4]
# the same with mask_token="" and output_mode="multi_hot" of [TOKS[:4], TOKS[4:8]]
# (vocabulary [UNK] x3, apple, banana: no mask index outside "int" mode) and "count"
# of [["", "apple", "kiwi", "", "apple", "fig"]]
SL3_MASK_MULTIHOT = [[1, 1, 1, 1, 0], [1, 1, 1, 0, 0]]
SL3_MASK_COUNT = [[1, 0, 1, 2, 0]]
# IntegerLookup(vocabulary=[1, 2], num_oov_indices=3) of IVALS: default oov_method
# (floormod), oov_method="farmhash", farmhash with salt=5, floormod with mask_token=0
IL3_FLOORMOD = [3, 4, 2, 2, 0, 0, 0, 2]
IL3_FARMHASH = [3, 4, 1, 2, 1, 1, 0, 0]
IL3_FARMHASH_SALT = [3, 4, 0, 1, 2, 0, 0, 1]
IL3_MASK = [4, 5, 3, 3, 1, 0, 1, 3]


# ---- the hash functions ---------------------------------------------------------------------

def test_fingerprint64_every_length_branch():
    assert [len(s) for s in STRS] == LENGTHS
    got = [fingerprint64(s) % BIG for s in STRS]
    assert got == FAST_MAX
    # str and its UTF-8 bytes hash alike; the empty string is FarmHash's constant k2
    assert fingerprint64(STRS[5].encode()) == fingerprint64(STRS[5])
    assert fingerprint64("") == 0x9AE16A3B2F90404F


def test_fingerprint64_non_ascii_and_raw_bytes():
    assert [len(u.encode("utf-8")) for u in UNI] == UNI_LEN
    assert [fingerprint64(u) % BIG for u in UNI] == UNI_FAST_MAX
    assert [fingerprint64(b) % BIG for b in (b"\xff\xfe\x00", b"\x00" * 20)] == RAW_BYTES_FAST


def test_siphash24_keys():
    assert [siphash24(s, 1, 2) % BIG for s in STRS] == STRONG_MAX_1_2
    assert [siphash24(s, 2 ** 63 - 5, 123456789) % BIG for s in STRS] == STRONG_MAX_BIG
    assert [siphash24(u, 133, 137) % BIG for u in UNI] == UNI_STRONG_MAX
    # the key's two words are not interchangeable
    assert siphash24("abc", 1, 2) != siphash24("abc", 2, 1)


def test_hash_values_are_64_bit():
    for s in STRS + UNI:
        assert 0 <= fingerprint64(s) < 2 ** 64
        assert 0 <= siphash24(s, 3, 4) < 2 ** 64


# ---- Hashing ----------------------------------------------------------------------------------

def test_hashing_strings_without_and_with_salt():
    x = np.array(STRS + UNI)
    np.testing.assert_array_equal(L.Hashing(num_bins=1000)(x).numpy(), HASH_1000)
    np.testing.assert_array_equal(L.Hashing(num_bins=1000, salt=7)(x).numpy(), HASH_1000_SALT7)
    np.testing.assert_array_equal(L.Hashing(num_bins=1000, salt=[133, 137])(x).numpy(),
                                  HASH_1000_SALTPAIR)
    np.testing.assert_array_equal(L.Hashing(num_bins=1000, salt=-1)(np.array(STRS[:6])).numpy(),
                                  HASH_1000_NEGSALT)
    # bytes inputs hash like the strings they encode
    xb = np.array([s.encode("utf-8") for s in STRS + UNI], dtype=object)
    np.testing.assert_array_equal(L.Hashing(num_bins=1000)(xb).numpy(), HASH_1000)


def test_hashing_mask_value_takes_bin_zero():
    out = L.Hashing(num_bins=8, mask_value="")(np.array(STRS + UNI)).numpy()
    np.testing.assert_array_equal(out, HASH_8_MASK)
    # the unmasked values are the unmasked hash over num_bins - 1 bins, shifted by one
    plain = np.array([fingerprint64(s) % 7 + 1 for s in STRS[1:] + UNI])
    np.testing.assert_array_equal(out[1:], plain)
    # with a single bin there is nothing to shift: everything is 0
    np.testing.assert_array_equal(
        L.Hashing(num_bins=1, mask_value="")(np.array(["", "a", "b"])).numpy(), [0, 0, 0])


def test_hashing_integers_and_floats():
    ints = np.array(INTS, np.int64)
    np.testing.assert_array_equal(L.Hashing(num_bins=1000)(ints).numpy(), INT_HASH_1000)
    np.testing.assert_array_equal(L.Hashing(num_bins=1000, salt=[5, 11])(ints).numpy(),
                                  INT_HASH_1000_SALT)
    np.testing.assert_array_equal(L.Hashing(num_bins=6, mask_value=0)(ints).numpy(),
                                  INT_HASH_6_MASK0)
    # an int hashes as its decimal text
    np.testing.assert_array_equal(L.Hashing(num_bins=1000)(np.array([str(i) for i in INTS]))
                                  .numpy(), INT_HASH_1000)
    # int32 inputs give the same bins as int64
    np.testing.assert_array_equal(L.Hashing(num_bins=1000)(ints[:8].astype(np.int32)).numpy(),
                                  INT_HASH_1000[:8])
    floats = np.array([1.0, 1.5, -2.7, 3.0, 0.0])
    np.testing.assert_array_equal(L.Hashing(num_bins=6, mask_value=1)(floats).numpy(),
                                  FLOAT_HASH_6_MASK1)


def test_hashing_output_modes():
    np.testing.assert_array_equal(L.Hashing(num_bins=5)(WORDS).numpy(), INT_PER_WORD)
    np.testing.assert_array_equal(L.Hashing(num_bins=5, output_mode="multi_hot")(WORDS).numpy(),
                                  MULTI_HOT)
    np.testing.assert_array_equal(L.Hashing(num_bins=5, output_mode="count")(WORDS).numpy(),
                                  COUNT)
    np.testing.assert_array_equal(
        L.Hashing(num_bins=5, mask_value="", output_mode="count")(WORDS).numpy(), COUNT_MASK)
    np.testing.assert_array_equal(
        L.Hashing(num_bins=5, output_mode="one_hot")(np.array([["apple"], ["kiwi"], ["fig"]]))
        .numpy(), ONE_HOT)


def test_hashing_salt_config_and_errors():
    layer = L.Hashing(num_bins=1000, salt=7)
    assert layer.get_config()["salt"] == [7, 7]
    clone = L.Hashing.from_config(layer.get_config())
    np.testing.assert_array_equal(clone(np.array(STRS + UNI)).numpy(), HASH_1000_SALT7)
    for bad in ((1, 2, 3), "seed", 1.5, 2 ** 63):
        with pytest.raises(ValueError, match="Hashing: .*salt"):
            L.Hashing(num_bins=3, salt=bad)


# ---- lookup layers with several OOV indices ---------------------------------------------------

def test_string_lookup_oov_buckets():
    vocab = ["apple", "banana"]
    toks = np.array(TOKS)
    np.testing.assert_array_equal(
        L.StringLookup(vocabulary=vocab, num_oov_indices=3)(toks).numpy(), SL3)
    np.testing.assert_array_equal(
        L.StringLookup(vocabulary=vocab, num_oov_indices=3, mask_token="")(toks).numpy(),
        SL3_MASK)
    salted = L.StringLookup(vocabulary=vocab, num_oov_indices=3, salt=[1, 2])
    np.testing.assert_array_equal(salted(toks).numpy(), SL3_SALT)
    # the OOV buckets are to_hash_bucket_fast(token, 3) after the reserved indices
    oov = [t not in vocab for t in TOKS]
    expect = [fingerprint64(t) % 3 for t, o in zip(TOKS, oov) if o]
    np.testing.assert_array_equal(np.array(SL3)[oov], expect)
    # config round trip keeps the salt
    clone = L.StringLookup.from_config(salted.get_config())
    np.testing.assert_array_equal(clone(toks).numpy(), SL3_SALT)


def test_string_lookup_mask_outside_int_mode_has_no_index():
    vocab = ["apple", "banana"]
    mh = L.StringLookup(vocabulary=vocab, num_oov_indices=3, mask_token="",
                        output_mode="multi_hot")
    assert mh.get_vocabulary() == ["[UNK]", "[UNK]", "[UNK]", "apple", "banana"]
    np.testing.assert_array_equal(mh(np.array([TOKS[:4], TOKS[4:8]])).numpy(),
                                  SL3_MASK_MULTIHOT)
    cnt = L.StringLookup(vocabulary=vocab, num_oov_indices=3, mask_token="",
                         output_mode="count")
    np.testing.assert_array_equal(
        cnt(np.array([["", "apple", "kiwi", "", "apple", "fig"]])).numpy(), SL3_MASK_COUNT)
    oh = L.StringLookup(vocabulary=vocab, num_oov_indices=3, mask_token="",
                        output_mode="one_hot")
    np.testing.assert_array_equal(oh(np.array(["", "apple"])).numpy(),
                                  [[0, 0, 0, 0, 0], [0, 0, 0, 1, 0]])


def test_integer_lookup_oov_methods():
    vals = np.array(IVALS)
    np.testing.assert_array_equal(
        L.IntegerLookup(vocabulary=[1, 2], num_oov_indices=3)(vals).numpy(), IL3_FLOORMOD)
    np.testing.assert_array_equal(
        L.IntegerLookup(vocabulary=[1, 2], num_oov_indices=3, oov_method="farmhash")(vals)
        .numpy(), IL3_FARMHASH)
    np.testing.assert_array_equal(
        L.IntegerLookup(vocabulary=[1, 2], num_oov_indices=3, oov_method="farmhash", salt=5)(
            vals).numpy(), IL3_FARMHASH_SALT)
    np.testing.assert_array_equal(
        L.IntegerLookup(vocabulary=[1, 2], num_oov_indices=3, mask_token=0)(vals).numpy(),
        IL3_MASK)
    with pytest.raises(ValueError, match="IntegerLookup: salt .*farmhash"):
        L.IntegerLookup(vocabulary=[1, 2], num_oov_indices=3, salt=5)
    with pytest.raises(ValueError, match="IntegerLookup: oov_method"):
        L.IntegerLookup(num_oov_indices=3, oov_method="md5")


def test_lookup_accepts_a_keras_config():
    # keys TensorFlow Keras 3.15 writes into a StringLookup config (vocabulary_size, ...)
    config = {"name": "string_lookup", "trainable": True, "invert": False,
              "max_tokens": None, "num_oov_indices": 3, "oov_token": "[UNK]",
              "mask_token": None, "output_mode": "int", "sparse": False,
              "pad_to_max_tokens": False, "idf_weights": None,
              "vocabulary": ["apple", "banana"], "vocabulary_size": 5,
              "oov_method": "floormod", "salt": [1, 2], "encoding": "utf-8"}
    layer = L.StringLookup.from_config(config)
    np.testing.assert_array_equal(layer(np.array(TOKS)).numpy(), SL3_SALT)
