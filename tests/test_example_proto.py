"""tf.train.Example & co. (ndflow/io/example_pb.py) and tf.io.parse_*example
(ndflow/io/parsing.py).

Every *_HEX / *_TEXT constant and every expected parse result below was produced with real
TensorFlow 2.21 (protobuf 7.36, upb) by building the same message (the construction is
repeated in each test) and taking ``SerializeToString(deterministic=True).hex()``,
``str(message)``, or the result of ``tf.io.parse_single_example`` / ``parse_example`` /
``parse_single_sequence_example`` on the same records (SparseTensors given by their
``values`` / ``indices`` / ``dense_shape`` / ``tf.sparse.to_dense``).  TensorFlow is not
needed to run these tests.
"""
import copy
import math
import pickle
import struct

import numpy as np
import pytest

import ndflow as tf
from ndflow import keras
from ndflow.core import errors
from ndflow.io.example_pb import DecodeError

T = tf.train

# ---- constants made by real TensorFlow 2.21 (see the module docstring) -----------------
EX_ALL = bytes.fromhex(
    "0ae4010a1d0a05627974657312140a120a0668c3a96c6c6f0a0600ff22275c0a0a000a110a0b656d"
    "7074795f627974657312020a000a110a0d656d7074795f6665617475726512000a120a0c656d7074"
    "795f666c6f617473120212000a100a0a656d7074795f696e747312021a000a2e0a06666c6f617473"
    "122412220a20cdcccc3d000020c00000807f0000c07f01000000e6b1617fa379eb4c54f82d400a1c"
    "0a04696e747312141a120a1000017f8001ac02ffffffffffffffff7f0a290a036e656712221a200a"
    "1effffffffffffffffff01d4fdffffffffffffff0180808080808080808001"
)
EX_ALL_TEXT = (
    'features {\n'
    '  feature {\n'
    '    key: "neg"\n'
    '    value {\n'
    '      int64_list {\n'
    '        value: -1\n'
    '        value: -300\n'
    '        value: -9223372036854775808\n'
    '      }\n'
    '    }\n'
    '  }\n'
    '  feature {\n'
    '    key: "ints"\n'
    '    value {\n'
    '      int64_list {\n'
    '        value: 0\n'
    '        value: 1\n'
    '        value: 127\n'
    '        value: 128\n'
    '        value: 300\n'
    '        value: 9223372036854775807\n'
    '      }\n'
    '    }\n'
    '  }\n'
    '  feature {\n'
    '    key: "floats"\n'
    '    value {\n'
    '      float_list {\n'
    '        value: 0.1\n'
    '        value: -2.5\n'
    '        value: inf\n'
    '        value: nan\n'
    '        value: 1.4013e-45\n'
    '        value: 3e+38\n'
    '        value: 123456792\n'
    '        value: 2.71828175\n'
    '      }\n'
    '    }\n'
    '  }\n'
    '  feature {\n'
    '    key: "empty_ints"\n'
    '    value {\n'
    '      int64_list {\n'
    '      }\n'
    '    }\n'
    '  }\n'
    '  feature {\n'
    '    key: "empty_floats"\n'
    '    value {\n'
    '      float_list {\n'
    '      }\n'
    '    }\n'
    '  }\n'
    '  feature {\n'
    '    key: "empty_feature"\n'
    '    value {\n'
    '    }\n'
    '  }\n'
    '  feature {\n'
    '    key: "empty_bytes"\n'
    '    value {\n'
    '      bytes_list {\n'
    '      }\n'
    '    }\n'
    '  }\n'
    '  feature {\n'
    '    key: "bytes"\n'
    '    value {\n'
    '      bytes_list {\n'
    '        value: "h\\303\\251llo"\n'
    '        value: "\\000\\377\\"\\\'\\\\\\n"\n'
    '        value: ""\n'
    '      }\n'
    '    }\n'
    '  }\n'
    '}\n'
)
EX_KEYS = bytes.fromhex(
    "0a560a0a0a014112051a030a01050a0b0a02616112051a030a01060a0b0a02616212051a030a0102"
    "0a0a0a016112051a030a01010a0a0a016212051a030a01000a0b0a02c3a912051a030a01040a090a"
    "0012051a030a0103"
)
EX_KEYS_TEXT = (
    'features {\n'
    '  feature {\n'
    '    key: ""\n'
    '    value {\n'
    '      int64_list {\n'
    '        value: 3\n'
    '      }\n'
    '    }\n'
    '  }\n'
    '  feature {\n'
    '    key: "é"\n'
    '    value {\n'
    '      int64_list {\n'
    '        value: 4\n'
    '      }\n'
    '    }\n'
    '  }\n'
    '  feature {\n'
    '    key: "b"\n'
    '    value {\n'
    '      int64_list {\n'
    '        value: 0\n'
    '      }\n'
    '    }\n'
    '  }\n'
    '  feature {\n'
    '    key: "a"\n'
    '    value {\n'
    '      int64_list {\n'
    '        value: 1\n'
    '      }\n'
    '    }\n'
    '  }\n'
    '  feature {\n'
    '    key: "ab"\n'
    '    value {\n'
    '      int64_list {\n'
    '        value: 2\n'
    '      }\n'
    '    }\n'
    '  }\n'
    '  feature {\n'
    '    key: "aa"\n'
    '    value {\n'
    '      int64_list {\n'
    '        value: 6\n'
    '      }\n'
    '    }\n'
    '  }\n'
    '  feature {\n'
    '    key: "A"\n'
    '    value {\n'
    '      int64_list {\n'
    '        value: 5\n'
    '      }\n'
    '    }\n'
    '  }\n'
    '}\n'
)
FEATURE_E = b'\x12\x06\n\x04T\xf8-@'
SEQ = bytes.fromhex(
    "0a220a0f0a066c656e67746812051a030a01030a0f0a046e616d6512070a050a0373657112520a1d"
    "0a06746f6b656e7312130a061a040a0201020a051a030a01030a021a000a310a03766563122a0a0c"
    "120a0a080000003f0000c03f0a0c120a0a0800002040000080bf0a0c120a0a080000404000008040"
)
SEQ_TEXT = (
    'context {\n'
    '  feature {\n'
    '    key: "name"\n'
    '    value {\n'
    '      bytes_list {\n'
    '        value: "seq"\n'
    '      }\n'
    '    }\n'
    '  }\n'
    '  feature {\n'
    '    key: "length"\n'
    '    value {\n'
    '      int64_list {\n'
    '        value: 3\n'
    '      }\n'
    '    }\n'
    '  }\n'
    '}\n'
    'feature_lists {\n'
    '  feature_list {\n'
    '    key: "vec"\n'
    '    value {\n'
    '      feature {\n'
    '        float_list {\n'
    '          value: 0.5\n'
    '          value: 1.5\n'
    '        }\n'
    '      }\n'
    '      feature {\n'
    '        float_list {\n'
    '          value: 2.5\n'
    '          value: -1\n'
    '        }\n'
    '      }\n'
    '      feature {\n'
    '        float_list {\n'
    '          value: 3\n'
    '          value: 4\n'
    '        }\n'
    '      }\n'
    '    }\n'
    '  }\n'
    '  feature_list {\n'
    '    key: "tokens"\n'
    '    value {\n'
    '      feature {\n'
    '        int64_list {\n'
    '          value: 1\n'
    '          value: 2\n'
    '        }\n'
    '      }\n'
    '      feature {\n'
    '        int64_list {\n'
    '          value: 3\n'
    '        }\n'
    '      }\n'
    '      feature {\n'
    '        int64_list {\n'
    '        }\n'
    '      }\n'
    '    }\n'
    '  }\n'
    '}\n'
)
RECORDS = [bytes.fromhex(h) for h in (
    "0a480a0c0a016112071a050a030102030a0a0a016212050a030a01780a110a0163120c120a0a0800"
    "00c03f000020400a190a0173121412120a100000803e0000003f0000403f0000803f",
    "0a460a150a016112101a0e0a0c0405faffffffffffffffff010a0b0a016212060a040a0279790a0d"
    "0a0163120812060a04000060400a110a0173120c120a0a080000004000004040",
    "0a1c0a0c0a016112071a050a030708090a0c0a016212070a050a037a7a7a",
)]
SINGLE = {'c': [1.5, 2.5], 'a': [1, 2, 3], 'b': b'x', 'm': [0.5, 1.5],
          's': [[0.25, 0.5], [0.75, 1.0]]}
SINGLE_KEYS = ['c', 'a', 'b', 'm', 's']
BATCH = {'c': [1.5, 2.5, 3.5], 'a': [[1, 2, 3], [4, 5, -6], [7, 8, 9]],
         'b': [b'x', b'yy', b'zzz'], 'm': [[0.5, 1.5], [0.5, 1.5], [0.5, 1.5]],
         's': [[[0.25, 0.5], [0.75, 1.0]], [[2.0, 3.0], [-1.0, -1.0]],
               [[-1.0, -1.0], [-1.0, -1.0]]]}
SINGLE_C_INDICES = [[0], [1]]
SINGLE_C_DENSE_SHAPE = [2]
BATCH_C_INDICES = [[0, 0], [0, 1], [1, 0]]
BATCH_C_DENSE_SHAPE = [3, 2]
BATCH_C_DENSE = [[1.5, 2.5], [3.5, 0.0], [0.0, 0.0]]
BATCH_C_DENSE_MINUS_1 = [[1.5, 2.5], [3.5, -1.0], [-1.0, -1.0]]
BATCH_KEYS = ['c', 'a', 'b', 'm', 's']
SEQ_CONTEXT = {'length': 3, 'name': b'seq', 'other': -1}
SEQ_VEC = [[0.5, 1.5], [2.5, -1.0], [3.0, 4.0]]
SEQ_TOKENS_DENSE = [[1, 2], [3, 0], [0, 0]]
SEQ_TOKENS_INDICES = [[0, 0], [0, 1], [1, 0]]
SEQ_TOKENS_VALUES = [1, 2, 3]
SEQ_TOKENS_DENSE_SHAPE = [3, 2]
SEQ_GONE_SHAPE = [0]


def F(**kw):
    return T.Feature(**kw)


def _ex_all():
    return T.Example(features=T.Features(feature={
        "bytes": F(bytes_list=T.BytesList(value=["héllo".encode(), b"\x00\xff\"'\\\n", b""])),
        "floats": F(float_list=T.FloatList(value=[0.1, -2.5, float("inf"), float("nan"),
                                                  1e-45, 3e38, 123456789.0, np.exp(1)])),
        "ints": F(int64_list=T.Int64List(value=[0, 1, 127, 128, 300, 2**63 - 1])),
        "neg": F(int64_list=T.Int64List(value=[-1, -300, -2**63])),
        "empty_feature": F(),
        "empty_floats": F(float_list=T.FloatList()),
        "empty_ints": F(int64_list=T.Int64List()),
        "empty_bytes": F(bytes_list=T.BytesList()),
    }))


def _ex_keys():
    return T.Example(features=T.Features(feature={
        k: F(int64_list=T.Int64List(value=[i]))
        for i, k in enumerate(["b", "a", "ab", "", "é", "A", "aa"])}))


def _seq():
    return T.SequenceExample(
        context=T.Features(feature={
            "length": F(int64_list=T.Int64List(value=[3])),
            "name": F(bytes_list=T.BytesList(value=[b"seq"]))}),
        feature_lists=T.FeatureLists(feature_list={
            "tokens": T.FeatureList(feature=[F(int64_list=T.Int64List(value=[1, 2])),
                                             F(int64_list=T.Int64List(value=[3])),
                                             F(int64_list=T.Int64List(value=[]))]),
            "vec": T.FeatureList(feature=[F(float_list=T.FloatList(value=[0.5, 1.5])),
                                          F(float_list=T.FloatList(value=[2.5, -1.0])),
                                          F(float_list=T.FloatList(value=[3., 4.]))]),
        }))


# ---- serialization: byte-equal with TensorFlow ------------------------------------------
def test_serialize_equals_tensorflow_bytes():
    assert _ex_all().SerializeToString() == EX_ALL
    assert _ex_all().SerializeToString(deterministic=True) == EX_ALL
    assert _ex_keys().SerializeToString() == EX_KEYS
    assert _seq().SerializeToString() == SEQ
    assert F(float_list=T.FloatList(value=[np.exp(1)])).SerializeToString() == FEATURE_E
    assert T.Example().SerializeToString() == b""
    assert T.Example(features=T.Features()).SerializeToString() == b"\n\x00"
    assert T.Example(features=T.Features()).ByteSize() == 2


def test_wire_format_by_hand():
    # Int64List {value: [1, -1]}: packed field 1 = 0x0a, length 11, varint 1, then -1 as a
    # 10-byte varint of its two's complement
    assert T.Int64List(value=[1, -1]).SerializeToString() == (
        b"\x0a\x0b\x01" + b"\xff" * 9 + b"\x01")
    # FloatList: packed little-endian float32
    assert T.FloatList(value=[1.0, -2.0]).SerializeToString() == (
        b"\x0a\x08" + struct.pack("<2f", 1.0, -2.0))
    # BytesList: one length-delimited field per value
    assert T.BytesList(value=[b"ab", b""]).SerializeToString() == b"\x0a\x02ab\x0a\x00"
    # a Feature with an empty list still records which list it is
    assert F(int64_list=T.Int64List()).SerializeToString() == b"\x1a\x00"
    assert F().SerializeToString() == b""


def test_text_format_equals_tensorflow():
    assert str(_ex_all()) == EX_ALL_TEXT
    assert repr(_ex_all()) == EX_ALL_TEXT
    assert str(_ex_keys()) == EX_KEYS_TEXT
    assert str(_seq()) == SEQ_TEXT
    assert str(T.Example()) == ""
    assert str(F(bytes_list=T.BytesList(value=[b"test_string"]))) == (
        'bytes_list {\n  value: "test_string"\n}\n')
    assert str(F(float_list=T.FloatList(value=[np.exp(1)]))) == (
        "float_list {\n  value: 2.71828175\n}\n")


# ---- parsing TensorFlow's bytes ---------------------------------------------------------------
def test_parse_tensorflow_bytes():
    ex = T.Example.FromString(EX_ALL)
    feat = ex.features.feature
    assert sorted(feat) == sorted(["bytes", "floats", "ints", "neg", "empty_feature",
                                   "empty_floats", "empty_ints", "empty_bytes"])
    assert feat["bytes"].bytes_list.value == ["héllo".encode(), b"\x00\xff\"'\\\n", b""]
    floats = list(feat["floats"].float_list.value)
    want = np.array([0.1, -2.5, np.inf, np.nan, 1e-45, 3e38, 123456789.0, np.exp(1)],
                    np.float32)
    np.testing.assert_array_equal(np.array(floats, np.float32), want)
    assert floats[0] == 0.10000000149011612          # float32 rounding, as protobuf gives
    assert floats[6] == 123456792.0
    assert math.isnan(floats[3])
    assert feat["ints"].int64_list.value == [0, 1, 127, 128, 300, 2**63 - 1]
    assert feat["neg"].int64_list.value == [-1, -300, -2**63]
    assert feat["empty_feature"].WhichOneof("kind") is None
    assert feat["empty_floats"].WhichOneof("kind") == "float_list"
    assert len(feat["empty_floats"].float_list.value) == 0
    assert feat["empty_ints"].WhichOneof("kind") == "int64_list"
    assert feat["empty_bytes"].WhichOneof("kind") == "bytes_list"
    assert ex == _ex_all()
    assert T.SequenceExample.FromString(SEQ) == _seq()
    assert T.Feature.FromString(FEATURE_E).float_list.value == [np.float32(np.exp(1))]


def test_parse_any_entry_order_and_unpacked_lists():
    # TF's SerializeToString() (not deterministic) writes map entries in hash order:
    # reversed entries parse to the same message and serialize back sorted
    ex = T.Example.FromString(EX_KEYS)
    entries = []                    # each entry alone, as a serialized Features
    for k in ex.features.feature:
        e = T.Features()
        e.feature[k].CopyFrom(ex.features.feature[k])
        entries.append(e.SerializeToString())
    shuffled = b"".join(reversed(entries))
    assert len(shuffled) < 128      # (one-byte length below)
    again = T.Example.FromString(b"\x0a" + bytes([len(shuffled)]) + shuffled)
    assert again == ex and again.SerializeToString() == EX_KEYS
    # unpacked repeated numbers (another valid encoding) are read too
    unpacked = b"\x08\x05\x08" + b"\xfe" + b"\xff" * 8 + b"\x01"       # int64 5, -2
    assert T.Int64List.FromString(unpacked).value == [5, -2]
    unpacked = b"\x0d" + struct.pack("<f", 1.5) + b"\x0d" + struct.pack("<f", -3.0)
    assert T.FloatList.FromString(unpacked).value == [1.5, -3.0]


def test_unknown_fields_are_kept_and_merge_semantics():
    data = b"\x08\x01" + T.Example(features=T.Features(feature={"a": F()})).SerializeToString()
    ex = T.Example.FromString(data)
    assert list(ex.features.feature) == ["a"]
    assert ex.SerializeToString() == b"\n\x07\n\x05\n\x01a\x12\x00\x08\x01"  # as protobuf
    # a sub-message given twice is merged; a oneof member given later wins
    twice = b"\x1a\x03\x0a\x01\x07" + b"\x1a\x03\x0a\x01\x08"
    assert T.Feature.FromString(twice).int64_list.value == [7, 8]
    switch = b"\x1a\x03\x0a\x01\x07" + b"\x0a\x03\x0a\x01x"
    f = T.Feature.FromString(switch)
    assert f.WhichOneof("kind") == "bytes_list" and f.bytes_list.value == [b"x"]


def test_corrupt_bytes_raise_decode_error():
    for bad in (b"\x0a\x05", b"\x0a\x02\x0a\x00\x0a", b"\x0f\x00", b"\x0a\x03\x0a\x01\xff"):
        with pytest.raises(DecodeError, match="tensorflow.Example"):
            T.Example.FromString(bad)
    with pytest.raises(DecodeError, match="tensorflow.Int64List"):
        T.Int64List.FromString(bytes.fromhex("0801ff"))
    with pytest.raises(DecodeError, match="multiple of 4"):
        T.FloatList.FromString(b"\x0a\x03abc")
    with pytest.raises(TypeError, match="numpy"):
        T.Example().ParseFromString(tf.constant(EX_ALL))


def test_round_trips():
    for msg in (_ex_all(), _ex_keys(), _seq(), T.Example(), F()):
        data = msg.SerializeToString()
        back = type(msg).FromString(data)
        assert back == msg and back.SerializeToString() == data
        other = type(msg)()
        assert other.ParseFromString(data) == len(data)
        assert other == msg
    big = T.Example(features=T.Features(feature={
        "x": F(int64_list=T.Int64List(value=list(range(-70, 5000, 7)))),
        "y": F(float_list=T.FloatList(value=np.linspace(-3, 3, 101)))}))
    back = T.Example.FromString(big.SerializeToString())
    assert back.features.feature["x"].int64_list.value == list(range(-70, 5000, 7))
    np.testing.assert_array_equal(np.array(back.features.feature["y"].float_list.value),
                                  np.linspace(-3, 3, 101).astype(np.float32))


# ---- values ----------------------------------------------------------------------------------
def test_value_conversion():
    assert T.FloatList(value=[0.1]).value[0] == float(np.float32(0.1))
    assert T.FloatList(value=[1e39, -1e39]).value == [math.inf, -math.inf]
    assert T.FloatList(value=[np.float64(2.5), 3, tf.constant(0.5)]).value == [2.5, 3.0, 0.5]
    assert T.Int64List(value=np.array([1, 2], np.int32)).value == [1, 2]
    assert T.Int64List(value=[np.int64(-5), tf.constant(7)]).value == [-5, 7]
    assert T.Int64List(value=tf.constant([3, 4])).value == [3, 4]
    assert T.FloatList(value=np.array([0.1, 2.0])).value == [float(np.float32(0.1)), 2.0]
    # bools are 0/1 (older protobuf accepted them; the TFRecord tutorial stores bools)
    assert T.Int64List(value=[True, np.bool_(False), tf.constant(True)]).value == [1, 0, 1]
    assert T.BytesList(value=[b"a", "é", np.bytes_(b"z")]).value == [b"a", "é".encode(), b"z"]
    with pytest.raises(TypeError, match="expected an integer, got float"):
        T.Int64List(value=[1.0])
    with pytest.raises(ValueError, match="out of range"):
        T.Int64List(value=[2**63])
    with pytest.raises(TypeError, match="expected a number, got str"):
        T.FloatList(value=["1"])
    with pytest.raises(TypeError, match="expected bytes, got int"):
        T.BytesList(value=[1])
    with pytest.raises(TypeError, match="wrap a single value"):
        T.Int64List(value=5)
    with pytest.raises(TypeError, match=r"t\.numpy\(\)"):
        T.BytesList(value=[tf.constant(b"x")])


def test_numpy_views_of_lists():
    ex = T.Example.FromString(EX_ALL)
    f = ex.features.feature
    assert np.array(f["floats"].float_list.value).dtype == np.float32
    assert np.array(f["ints"].int64_list.value).dtype == np.int64
    assert np.array(f["bytes"].bytes_list.value).dtype.kind == "S"


# ---- message behaviour ----------------------------------------------------------------------
def test_lazy_submessages_and_oneof():
    f = F()
    lst = f.int64_list                      # reading does not set it
    assert f.WhichOneof("kind") is None and not f.HasField("int64_list")
    assert not f.HasField("kind")
    lst.value.append(3)                     # changing it does
    assert f.WhichOneof("kind") == "int64_list" and f.HasField("kind")
    f.bytes_list.value.append(b"a")         # another member replaces it
    assert f.WhichOneof("kind") == "bytes_list"
    assert not f.HasField("int64_list") and f.int64_list.value == []
    lst.value.append(4)                     # the replaced list is detached
    assert f.WhichOneof("kind") == "bytes_list"
    assert str(f) == 'bytes_list {\n  value: "a"\n}\n'
    # map entries appear on first access, and mark the parents present
    ex = T.Example()
    assert not ex.HasField("features")
    ex.features.feature["z"]
    assert ex.HasField("features") and list(ex.features.feature) == ["z"]
    ex.features.feature["y"].float_list.value.extend([1.0, 2.0])
    assert ex.features.feature["y"].WhichOneof("kind") == "float_list"
    assert "x" not in ex.features.feature and ex.features.feature.get("x") is None
    assert list(ex.features.feature) == ["z", "y"]
    # Feature(float_list=FloatList()) sets the (empty) list
    assert F(float_list=T.FloatList()).WhichOneof("kind") == "float_list"


def test_constructors_take_dicts_and_copy():
    inner = T.Int64List(value=[1])
    f = F(int64_list=inner)
    inner.value.append(2)                   # the constructor copied it
    assert f.int64_list.value == [1]
    assert F(int64_list={"value": [1]}) == f
    feats = T.Features(feature={"a": {"int64_list": {"value": [1]}}})
    assert feats.feature["a"] == f
    with pytest.raises(ValueError, match='no "foo" field'):
        F(foo=1)
    with pytest.raises(TypeError, match="expects a tf.train.Int64List"):
        F(int64_list=[1, 2])


def test_assignment_errors():
    f = F()
    with pytest.raises(AttributeError, match="Assignment not allowed to message field"):
        f.int64_list = T.Int64List()
    with pytest.raises(AttributeError, match="repeated field"):
        f.int64_list.value = [1]
    feats = T.Features()
    with pytest.raises(ValueError, match="CopyFrom"):
        feats.feature["a"] = F()
    with pytest.raises(TypeError, match="keys are strings"):
        feats.feature[1]
    feats.feature[b"bytes_key"].int64_list.value.append(1)
    assert list(feats.feature) == ["bytes_key"]
    with pytest.raises(ValueError, match='no "foo" field'):
        f.HasField("foo")
    with pytest.raises(ValueError, match='no oneof "foo"'):
        f.WhichOneof("foo")
    with pytest.raises(ValueError, match="singular"):
        T.Int64List().HasField("value")


def test_copy_merge_clear():
    a = _ex_all()
    b = T.Example()
    b.CopyFrom(a)
    assert b == a and b is not a
    b.features.feature["ints"].int64_list.value.append(5)
    assert b != a and a.features.feature["ints"].int64_list.value[-1] == 2**63 - 1
    with pytest.raises(TypeError, match="same class"):
        b.CopyFrom(F())
    m = T.Int64List(value=[1])
    m.MergeFrom(T.Int64List(value=[2, 3]))
    assert m.value == [1, 2, 3]
    fs = T.Features(feature={"a": F(int64_list=T.Int64List(value=[1]))})
    fs.MergeFrom(T.Features(feature={"a": F(float_list=T.FloatList(value=[2.0])),
                                     "b": F()}))
    assert fs.feature["a"].float_list.value == [2.0] and sorted(fs.feature) == ["a", "b"]
    fs.ClearField("feature")
    assert len(fs.feature) == 0
    b.Clear()
    assert b == T.Example() and not b.HasField("features")
    # CopyFrom on a sub-message sets it
    ex = T.Example()
    ex.features.CopyFrom(T.Features())
    assert ex.HasField("features")
    f = F(int64_list=T.Int64List(value=[1]))
    f.ClearField("kind")
    assert f.WhichOneof("kind") is None
    assert [fld.name for fld, _ in _ex_all().ListFields()] == ["features"]


def test_repeated_containers():
    lst = T.Int64List(value=[3, 1, 2])
    lst.value.sort()
    assert lst.value == [1, 2, 3] and lst.value[1:] == [2, 3]
    lst.value[0] = 9
    del lst.value[1]
    lst.value.insert(0, -1)
    lst.value.extend([4])
    assert list(lst.value) == [-1, 9, 3, 4] and len(lst.value) == 4 and 9 in lst.value
    with pytest.raises(TypeError):
        lst.value[0] = 1.5
    fl = T.FeatureList()
    added = fl.feature.add(int64_list=T.Int64List(value=[5]))
    added.int64_list.value.append(6)
    src = F(float_list=T.FloatList(value=[1.0]))
    fl.feature.append(src)
    src.float_list.value.append(2.0)        # append copied it
    fl.feature.extend([F()])
    assert len(fl.feature) == 3
    assert fl.feature[0].int64_list.value == [5, 6]
    assert fl.feature[1].float_list.value == [1.0]
    with pytest.raises(TypeError, match="item assignment"):
        fl.feature[0] = F()
    del fl.feature[2]
    assert len(fl.feature) == 2
    assert T.FeatureList.FromString(fl.SerializeToString()) == fl


def test_equality_pickle_copy():
    a, b = _ex_all(), T.Example.FromString(EX_ALL)
    assert a == b and not (a != b)
    assert T.FloatList(value=[float("nan")]) == T.FloatList(value=[float("nan")])
    assert F() != 1 and F() != T.Int64List()
    for c in (pickle.loads(pickle.dumps(a)), copy.deepcopy(a), copy.copy(a)):
        assert c == a and c is not a
    with pytest.raises(TypeError):
        hash(a)


# ---- tf.io.parse_single_example / parse_example --------------------------------------------
def _spec():
    return {"a": tf.io.FixedLenFeature([3], tf.int64),
            "b": tf.io.FixedLenFeature([], tf.string),
            "c": tf.io.VarLenFeature(tf.float32),
            "m": tf.io.FixedLenFeature([2], tf.float32, default_value=[0.5, 1.5]),
            "s": tf.io.FixedLenSequenceFeature([2], tf.float32, allow_missing=True,
                                               default_value=-1.0)}


def test_records_are_what_ndflow_writes():
    def ex(**kw):
        feats = {}
        for k, v in kw.items():
            if isinstance(v[0], bytes):
                feats[k] = F(bytes_list=T.BytesList(value=v))
            elif isinstance(v[0], float):
                feats[k] = F(float_list=T.FloatList(value=v))
            else:
                feats[k] = F(int64_list=T.Int64List(value=v))
        return T.Example(features=T.Features(feature=feats)).SerializeToString()
    assert [ex(a=[1, 2, 3], b=[b"x"], c=[1.5, 2.5], s=[0.25, 0.5, 0.75, 1.0]),
            ex(a=[4, 5, -6], b=[b"yy"], c=[3.5], s=[2.0, 3.0]),
            ex(a=[7, 8, 9], b=[b"zzz"])] == RECORDS


def test_parse_single_example_matches_tensorflow():
    out = tf.io.parse_single_example(RECORDS[0], _spec())
    assert list(out) == SINGLE_KEYS
    assert out["b"].numpy() == SINGLE["b"] and out["b"].dtype == tf.string
    for k in ("a", "m", "s"):
        assert out[k].numpy().tolist() == SINGLE[k]
    assert out["a"].dtype == tf.int64 and out["m"].dtype == tf.float32
    c = out["c"]        # a VarLenFeature: a SparseTensor, as in TensorFlow
    assert isinstance(c, tf.SparseTensor) and c.dtype == tf.float32
    assert c.values.numpy().tolist() == SINGLE["c"]
    assert c.indices.numpy().tolist() == SINGLE_C_INDICES and c.indices.dtype == tf.int64
    assert c.dense_shape.numpy().tolist() == SINGLE_C_DENSE_SHAPE
    assert c.dense_shape.dtype == tf.int64 and c.shape == (2,)
    assert tf.sparse.to_dense(c).numpy().tolist() == SINGLE["c"]
    assert out["s"].shape == (2, 2)
    # a string tensor as input, as inside Dataset.map
    again = tf.io.parse_single_example(tf.constant(RECORDS[0]), _spec())
    assert again["a"].numpy().tolist() == SINGLE["a"]


def test_parse_example_matches_tensorflow():
    out = tf.io.parse_example(RECORDS, _spec())
    assert list(out) == BATCH_KEYS
    assert out["a"].numpy().tolist() == BATCH["a"] and out["a"].shape == (3, 3)
    assert out["b"].numpy().tolist() == BATCH["b"]
    assert out["m"].numpy().tolist() == BATCH["m"]
    assert out["s"].numpy().tolist() == BATCH["s"] and out["s"].shape == (3, 2, 2)
    c = out["c"]        # a VarLenFeature: a SparseTensor, as in TensorFlow
    assert isinstance(c, tf.SparseTensor) and c.dtype == tf.float32
    assert c.values.numpy().tolist() == BATCH["c"]
    assert c.indices.numpy().tolist() == BATCH_C_INDICES
    assert c.dense_shape.numpy().tolist() == BATCH_C_DENSE_SHAPE and c.shape == (3, 2)
    assert tf.sparse.to_dense(c).numpy().tolist() == BATCH_C_DENSE
    assert tf.sparse.to_dense(c, -1.0).numpy().tolist() == BATCH_C_DENSE_MINUS_1
    same = tf.io.parse_example(tf.constant(RECORDS), _spec())
    assert same["a"].numpy().tolist() == BATCH["a"]


def test_parse_errors():
    spec = {"zz": tf.io.FixedLenFeature([], tf.int64)}
    with pytest.raises(errors.InvalidArgumentError,
                       match="Feature: zz \\(data type: int64\\) is required"):
        tf.io.parse_single_example(RECORDS[0], spec)
    with pytest.raises(errors.InvalidArgumentError, match="Name: <unknown>, Feature: zz"):
        tf.io.parse_example(RECORDS, spec)
    with pytest.raises(errors.InvalidArgumentError, match="Name: rec1, Key: c, Index: 1"):
        tf.io.parse_example(RECORDS, {"c": tf.io.FixedLenFeature([2], tf.float32)},
                            example_names=["rec0", "rec1", "rec2"])
    with pytest.raises(errors.InvalidArgumentError, match="Values size: 3 but output shape"):
        tf.io.parse_single_example(RECORDS[0], {"a": tf.io.FixedLenFeature([2], tf.int64)})
    with pytest.raises(errors.InvalidArgumentError, match="Data types don't match"):
        tf.io.parse_single_example(RECORDS[0], {"a": tf.io.FixedLenFeature([3], tf.float32)})
    with pytest.raises(errors.InvalidArgumentError, match="Data types don't match"):
        tf.io.parse_single_example(RECORDS[0], {"b": tf.io.VarLenFeature(tf.int64)})
    with pytest.raises(ValueError, match="only tf.string"):
        tf.io.parse_single_example(RECORDS[0], {"a": tf.io.FixedLenFeature([3], tf.int32)})
    with pytest.raises(ValueError, match="has 1 value"):
        tf.io.parse_single_example(RECORDS[0], {"q": tf.io.FixedLenFeature([3], tf.int64,
                                                                           default_value=0)})
    with pytest.raises(ValueError, match="Consider using FixedLenSequenceFeature"):
        tf.io.parse_single_example(RECORDS[0], {"a": tf.io.FixedLenFeature([None], tf.int64)})
    with pytest.raises(ValueError, match="allow_missing=True"):
        tf.io.parse_example(RECORDS, {"c": tf.io.FixedLenSequenceFeature([], tf.float32)})
    with pytest.raises(errors.InvalidArgumentError, match="not a multiple of stride"):
        tf.io.parse_example(RECORDS, {"c": tf.io.FixedLenSequenceFeature(
            [2], tf.float32, allow_missing=True)})
    with pytest.raises(ValueError, match="cannot be empty"):
        tf.io.parse_single_example(RECORDS[0], {})
    with pytest.raises(errors.InvalidArgumentError, match="Could not parse example input"):
        tf.io.parse_single_example(b"garbage\x01", spec)
    with pytest.raises(errors.InvalidArgumentError, match="must be a scalar"):
        tf.io.parse_single_example(RECORDS, spec)
    with pytest.raises(ValueError, match="FixedLenFeature, tf.io.VarLenFeature"):
        tf.io.parse_single_example(RECORDS[0], {"a": 3})


def test_parse_defaults_and_empty_features():
    empty = T.Example(features=T.Features(feature={
        "e": F(), "l": F(int64_list=T.Int64List())})).SerializeToString()
    # a Feature with no list counts as missing: the default is used
    out = tf.io.parse_single_example(empty, {
        "e": tf.io.FixedLenFeature([], tf.int64, default_value=5),
        "s": tf.io.FixedLenFeature([2], tf.string, default_value=["u", b"v"]),
        "v": tf.io.VarLenFeature(tf.int64),
        "l": tf.io.FixedLenFeature([0], tf.int64)})
    assert out["e"].numpy() == 5
    assert out["s"].numpy().tolist() == [b"u", b"v"]
    v = out["v"]        # TF: no values, indices of shape (0, 1), dense shape [0]
    assert isinstance(v, tf.SparseTensor) and v.dtype == tf.int64
    assert v.values.numpy().tolist() == [] and v.indices.shape == (0, 1)
    assert v.dense_shape.numpy().tolist() == [0]
    assert out["l"].shape == (0,)
    # an empty list is present: with shape [] it has the wrong size (TF errors too)
    with pytest.raises(errors.InvalidArgumentError, match="Values size: 0"):
        tf.io.parse_single_example(empty, {"l": tf.io.FixedLenFeature([], tf.int64,
                                                                      default_value=1)})
    assert tf.io.FixedLenFeature([3], tf.int64) == ([3], tf.int64, None)
    assert tf.io.FixedLenSequenceFeature([], tf.float32).allow_missing is False


def test_parse_single_sequence_example_matches_tensorflow():
    ctx, seq = tf.io.parse_single_sequence_example(
        SEQ,
        context_features={"length": tf.io.FixedLenFeature([], tf.int64),
                          "name": tf.io.FixedLenFeature([], tf.string),
                          "other": tf.io.FixedLenFeature([], tf.int64, default_value=-1)},
        sequence_features={"vec": tf.io.FixedLenSequenceFeature([2], tf.float32),
                           "tokens": tf.io.VarLenFeature(tf.int64),
                           "gone": tf.io.FixedLenSequenceFeature([], tf.int64,
                                                                 allow_missing=True)})
    assert {k: (v.numpy() if k == "name" else v.numpy().tolist())
            for k, v in ctx.items()} == SEQ_CONTEXT
    assert seq["vec"].numpy().tolist() == SEQ_VEC
    tokens = seq["tokens"]
    assert isinstance(tokens, tf.SparseTensor) and tokens.dtype == tf.int64
    assert tf.sparse.to_dense(tokens).numpy().tolist() == SEQ_TOKENS_DENSE
    assert tokens.indices.numpy().tolist() == SEQ_TOKENS_INDICES
    assert tokens.values.numpy().tolist() == SEQ_TOKENS_VALUES
    assert tokens.dense_shape.numpy().tolist() == SEQ_TOKENS_DENSE_SHAPE
    assert list(seq["gone"].shape) == SEQ_GONE_SHAPE
    with pytest.raises(errors.InvalidArgumentError, match="Feature list 'missing' is required"):
        tf.io.parse_single_sequence_example(SEQ, sequence_features={
            "missing": tf.io.FixedLenSequenceFeature([2], tf.float32)})
    with pytest.raises(errors.InvalidArgumentError, match="Number of values != expected"):
        tf.io.parse_single_sequence_example(SEQ, sequence_features={
            "tokens": tf.io.FixedLenSequenceFeature([], tf.int64)})
    with pytest.raises(ValueError, match="at least one"):
        tf.io.parse_single_sequence_example(SEQ)


# ---- the TFRecord tutorial's flow, with a tiny model -------------------------------------------
def test_tfrecord_tutorial_flow_trains_a_model(tmp_path):
    rng = np.random.default_rng(0)
    n = 48
    labels = rng.integers(0, 2, n)
    images = np.where(labels[:, None, None, None] == 1,
                      rng.integers(150, 256, (n, 6, 6, 1)),
                      rng.integers(0, 100, (n, 6, 6, 1))).astype(np.uint8)
    extra = rng.normal(size=(n, 3)).astype(np.float32)

    def _bytes_feature(value):
        if isinstance(value, type(tf.constant(0))):
            value = value.numpy()
        return T.Feature(bytes_list=T.BytesList(value=[value]))

    def _float_feature(values):
        return T.Feature(float_list=T.FloatList(value=values))

    def _int64_feature(value):
        return T.Feature(int64_list=T.Int64List(value=[value]))

    path = str(tmp_path / "images.tfrecord")
    with tf.io.TFRecordWriter(path) as writer:
        for i in range(n):
            png = tf.io.encode_png(tf.constant(images[i]))
            example = T.Example(features=T.Features(feature={
                "image_raw": _bytes_feature(png),
                "label": _int64_feature(labels[i]),
                "extra": _float_feature(extra[i]),
                "height": _int64_feature(images[i].shape[0]),
            }))
            writer.write(example.SerializeToString())

    spec = {"image_raw": tf.io.FixedLenFeature([], tf.string),
            "label": tf.io.FixedLenFeature([], tf.int64),
            "extra": tf.io.FixedLenFeature([3], tf.float32),
            "height": tf.io.FixedLenFeature([], tf.int64, default_value=0)}
    parsed = tf.data.TFRecordDataset([path]).map(
        lambda r: tf.io.parse_single_example(r, spec))

    first = next(iter(parsed))
    np.testing.assert_array_equal(tf.io.decode_png(first["image_raw"]).numpy(), images[0])
    assert first["label"].numpy() == labels[0] and first["height"].numpy() == 6
    np.testing.assert_array_equal(first["extra"].numpy(), extra[0])

    # the same records read back as tf.train.Example
    for i, raw in enumerate(tf.data.TFRecordDataset(path).take(2)):
        ex = T.Example()
        ex.ParseFromString(raw.numpy())
        kinds = {k: f.WhichOneof("kind") for k, f in ex.features.feature.items()}
        assert kinds == {"image_raw": "bytes_list", "label": "int64_list",
                         "extra": "float_list", "height": "int64_list"}
        assert ex.features.feature["label"].int64_list.value == [labels[i]]

    def to_xy(features):
        image = tf.cast(tf.io.decode_png(features["image_raw"], channels=1), tf.float32)
        return image / 255.0 - 0.5, features["label"]

    ds = parsed.map(to_xy).batch(8)
    x0, y0 = next(iter(ds))
    assert x0.shape == (8, 6, 6, 1) and y0.shape == (8,)
    np.testing.assert_allclose(x0.numpy(), images[:8] / 255.0 - 0.5, rtol=1e-6, atol=1e-7)

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((6, 6, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(2)])
    model.compile(optimizer=keras.optimizers.Adam(0.05),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    before = model.evaluate(ds, verbose=0)[0]
    history = model.fit(ds, epochs=1, verbose=0)
    after = model.evaluate(ds, verbose=0)
    assert len(history.history["loss"]) == 1 and np.isfinite(history.history["loss"][0])
    assert after[0] < before
    assert after[1] > 0.9           # bright vs dark images: easy after one epoch

    # parse_example on batches of records gives the same values
    batched = next(iter(tf.data.TFRecordDataset(path).batch(5).map(
        lambda r: tf.io.parse_example(r, spec))))
    assert batched["label"].numpy().tolist() == labels[:5].tolist()
    np.testing.assert_array_equal(batched["extra"].numpy(), extra[:5])


def test_varlen_sparse_tensors_of_strings_and_empty_batches():
    """String VarLenFeatures, and the shapes TensorFlow 2.21 gives for an empty batch and
    a missing feature list (indices (0, 2), dense shape [0, 0])."""
    rec = T.Example(features=T.Features(feature={
        "w": F(bytes_list=T.BytesList(value=[b"ab", b"c"]))})).SerializeToString()
    spec = {"w": tf.io.VarLenFeature(tf.string)}
    w = tf.io.parse_example([rec, RECORDS[2]], spec)["w"]
    assert w.values.numpy().tolist() == [b"ab", b"c"] and w.dtype == tf.string
    assert w.indices.numpy().tolist() == [[0, 0], [0, 1]]
    assert w.dense_shape.numpy().tolist() == [2, 2]
    assert tf.sparse.to_dense(w).numpy().tolist() == [[b"ab", b"c"], [b"", b""]]
    empty = tf.io.parse_example(tf.constant([], tf.string), spec)["w"]
    assert empty.indices.shape == (0, 2) and empty.dense_shape.numpy().tolist() == [0, 0]
    assert empty.values.shape == (0,) and empty.dtype == tf.string
    _, seq = tf.io.parse_single_sequence_example(
        SEQ, sequence_features={"missing": tf.io.VarLenFeature(tf.float32)})
    assert seq["missing"].indices.shape == (0, 2)
    assert seq["missing"].dense_shape.numpy().tolist() == [0, 0]
    assert seq["missing"].dtype == tf.float32


def test_binary_strings_keep_trailing_nul_bytes_through_constants_and_datasets():
    """A serialized Example ending in a 0 byte (last int64 value 0) must survive
    tf.constant and Dataset.from_tensor_slices (NumPy's fixed-width bytes strip it)."""
    ex = tf.train.Example(features=tf.train.Features(feature={
        "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[0]))}))
    data = ex.SerializeToString()
    assert data.endswith(b"\x00")
    assert tf.constant([data, data]).numpy().tolist() == [data, data]
    ds = tf.data.Dataset.from_tensor_slices([data, b"x\x00\x00"])
    assert [e.numpy() for e in ds] == [data, b"x\x00\x00"]
    parsed = tf.io.parse_single_example(next(iter(ds)),
                                        {"label": tf.io.FixedLenFeature([], tf.int64)})
    assert int(parsed["label"]) == 0
