"""``tf.strings`` against TensorFlow 2.21.

Every expected value below was produced by real TensorFlow 2.21 (``tf.strings.*``; the
TextVectorization ids by TF 2.21 / Keras 3) and pasted in; TensorFlow returns ``bytes``,
shown here decoded as UTF-8 (invalid bytes as lone surrogates, as ndflow keeps them).
Where ndflow deliberately differs (an error instead of TensorFlow's silent '' for a bad
rewrite, a RaggedList instead of a RaggedTensor) the test says so.  No TensorFlow needed.
"""
import re
import string
import warnings

import numpy as np
import pytest

import ndflow as tf
from ndflow import keras
from ndflow.core.errors import InvalidArgumentError

S = tf.strings
RaggedList = S.RaggedList


def val(t):
    """A tensor's value as plain Python (lists of str / numbers)."""
    assert isinstance(t, tf.Tensor), type(t)
    v = t.numpy()
    return v.tolist() if isinstance(v, np.ndarray) else (v.item() if hasattr(v, "item")
                                                         and not isinstance(v, str) else v)


def check_str(t, expected, shape=None):
    assert isinstance(t, tf.Tensor)
    assert t.dtype == tf.string
    if shape is not None:
        assert tuple(t.shape) == shape
    assert val(t) == expected
    for s in np.asarray(t._value).reshape(-1).tolist():
        assert type(s) is str


# ---- namespace ----------------------------------------------------------------------------------

def test_namespace():
    import ndflow.strings as mod
    assert tf.strings is mod
    for name in ["lower", "upper", "strip", "length", "substr", "join", "reduce_join", "split",
                 "bytes_split", "unicode_split", "regex_replace", "regex_full_match",
                 "to_number", "as_string", "format", "to_hash_bucket_fast",
                 "to_hash_bucket_strong", "to_hash_bucket", "unsorted_segment_join", "ngrams",
                 "unicode_decode", "unicode_encode"]:
        assert callable(getattr(S, name)), name


# ---- case, strip, length ------------------------------------------------------------------------

def test_lower_upper_ascii_only_by_default():
    # TF: lower/upper without an encoding change ASCII letters only
    check_str(S.lower(["HeLLo ÜNÏ Straße ΑΒΓ", ""]), ["hello ÜnÏ straße ΑΒΓ", ""], (2,))
    check_str(S.upper(["hello ünï straße αβγ ß"]), ["HELLO üNï STRAßE αβγ ß"])
    check_str(S.lower([["A", "B"], ["C", "d"]]), [["a", "b"], ["c", "d"]], (2, 2))
    check_str(S.lower("ABC"), "abc", ())
    check_str(S.lower(b"ABC"), "abc", ())
    check_str(S.lower(tf.constant(["X"])), ["x"])
    check_str(S.lower(np.array(["Q", "r"])), ["q", "r"])


def test_lower_upper_utf8():
    # TF with encoding='utf-8': full Unicode case mapping ("ß" -> "SS", "İ" -> "i̇")
    check_str(S.lower(["HeLLo ÜNÏ Straße ΑΒΓ İ"], encoding="utf-8"),
              ["hello ünï straße αβγ i\u0307"])
    check_str(S.upper(["hello ünï straße αβγ ß ﬁ"], encoding="utf-8"),
              ["HELLO ÜNÏ STRASSE ΑΒΓ SS FI"])


def test_lower_errors():
    with pytest.raises(InvalidArgumentError, match=r"tf\.strings\.lower: encoding must be '' "
                       r".*or 'utf-8'.*got 'latin1'"):
        S.lower("ABC", encoding="latin1")
    # TF also accepts only the exact spelling 'utf-8'
    with pytest.raises(InvalidArgumentError, match="got 'UTF-8'"):
        S.upper("a", encoding="UTF-8")
    with pytest.raises(TypeError, match=r"tf\.strings\.lower: `input` must be a string tensor, "
                       r"got a tensor of dtype int32.*as_string"):
        S.lower(tf.constant([1, 2]))
    with pytest.raises(TypeError, match=r"must hold strings, got an element of type int"):
        S.lower(["a", 3])
    with pytest.raises(TypeError, match="ragged nested list"):
        S.lower([["a"], ["b", "c"]])


def test_strip_ascii_whitespace():
    # TF: only ASCII whitespace is stripped (not U+00A0)
    check_str(S.strip([" a b \t\n", "\u00a0x\u00a0", "", "\x0bq\x0c\r"]),
              ["a b", "\u00a0x\u00a0", "", "q"])
    check_str(S.strip(" a "), "a", ())
    check_str(S.strip(" é "), "é", ())


def test_length():
    t = S.length(["héllo", "", "日本", "😀"])
    assert t.dtype == tf.int32 and val(t) == [6, 0, 6, 4]
    assert val(S.length(["héllo", "", "日本", "😀"], unit="UTF8_CHAR")) == [5, 0, 2, 1]
    assert val(S.length([["a", "bb"], ["ccc", ""]])) == [[1, 2], [3, 0]]
    t = S.length("abc")
    assert t.shape == () and val(t) == 3
    assert val(S.length(np.array([], dtype=object))) == []
    # invalid UTF-8 bytes (TF counts a stray continuation byte as part of the character
    # before it, and a truncated sequence as one character)
    assert val(S.length([b"a\x80\x80b", b"a\xe6\x97b", "héllo"], unit="UTF8_CHAR")) == [2, 3, 5]
    assert val(S.length([b"a\x80\x80b", b"a\xe6\x97b", "héllo"])) == [4, 4, 6]
    assert val(S.length([b"a\xff\xfeb"], unit="UTF8_CHAR")) == [4]
    with pytest.raises(InvalidArgumentError, match=r"tf\.strings\.length: unit must be 'BYTE' "
                       r"or 'UTF8_CHAR', got 'CHAR'"):
        S.length("abc", unit="CHAR")


def test_substr():
    check_str(S.substr(["hello", "héllo", "日本語"], 1, 3),
              ["ell", "él", "\udc97\udca5\udce6"])
    check_str(S.substr(["hello", "héllo", "日本語"], 1, 3, unit="UTF8_CHAR"),
              ["ell", "éll", "本語"])
    check_str(S.substr(["hello"], -3, 2), ["ll"])
    check_str(S.substr(["héllo"], -3, 2, unit="UTF8_CHAR"), ["ll"])
    check_str(S.substr(["hello"], 5, 2), [""])
    check_str(S.substr(["hello"], -5, 2), ["he"])
    check_str(S.substr(["hello"], 1, -1), ["ello"])      # negative len: to the end
    check_str(S.substr("hello", 1, -2), "ello")
    check_str(S.substr(["hello"], 1, 100), ["ello"])
    check_str(S.substr("hello", 1, 0), "")
    check_str(S.substr(["hello", "world"], [1, 2], [2, 3]), ["el", "rld"])
    check_str(S.substr("hello", 1, 2), "el", ())
    check_str(S.substr("hello", [1, 2], [2, 2]), ["el", "ll"])
    check_str(S.substr(["héllo"], 1, 1), ["\udcc3"])     # half of "é"
    check_str(S.substr([b"a\x80\x80bc"], 1, 2, unit="UTF8_CHAR"), ["bc"])
    x = [["hello", "world"], ["abc", "xyz"]]
    check_str(S.substr(x, [[1, 0], [2, 1]], [[2, 2], [1, 1]]), [["el", "wo"], ["c", "y"]])
    check_str(S.substr(x, [1, 0], [2, 1]), [["el", "w"], ["bc", "x"]])
    check_str(S.substr(x, [[1], [0]], [[2], [1]]), [["el", "or"], ["a", "x"]])
    check_str(S.substr(["hello"], tf.constant(1, tf.int64), tf.constant(2, tf.int64)), ["el"])


def test_substr_errors():
    with pytest.raises(InvalidArgumentError, match=r"tf\.strings\.substr: pos 6 is out of "
                       r"range for the string 'hello' \(element 0, 5 bytes long\); pos must be "
                       r"in \[-5, 5\]"):
        S.substr(["hello"], 6, 2)
    with pytest.raises(InvalidArgumentError, match="pos -6 is out of range"):
        S.substr(["hello"], -6, 2)
    with pytest.raises(InvalidArgumentError, match=r"5 characters long"):
        S.substr("héllo", 6, 1, unit="UTF8_CHAR")
    with pytest.raises(InvalidArgumentError, match="pos and len must have the same shape"):
        S.substr(["hello", "world"], [1, 2], 2)
    with pytest.raises(InvalidArgumentError, match="does not broadcast"):
        S.substr(["hello", "world"], [1, 2, 3], [1, 1, 1])
    with pytest.raises(TypeError, match=r"`pos` must be integers"):
        S.substr(["hello"], 1.0, 2)
    with pytest.raises(InvalidArgumentError, match="unit must be"):
        S.substr(["hello"], 1, 1, unit="X")


# ---- joining ------------------------------------------------------------------------------------

def test_join():
    check_str(S.join(["a", "b", "c"], separator="-"), "a-b-c", ())
    check_str(S.join([tf.constant(["a", "b"]), tf.constant(["c", "d"])], separator="-"),
              ["a-c", "b-d"])
    check_str(S.join([tf.constant(["a", "b"]), "x"], separator="-"), ["a-x", "b-x"])
    check_str(S.join([]), "", ())
    check_str(S.join(tf.constant(["a", "b"])), "ab", ())          # a tensor unstacks
    check_str(S.join(tf.constant([["a", "b"], ["c", "d"]]), separator="-"), ["a-c", "b-d"])
    check_str(S.join([["é"], ["日"]], separator="|"), ["é|日"])
    with pytest.raises(InvalidArgumentError, match=r"tf\.strings\.join: the inputs must be "
                       r"scalars or all have the same shape, got shapes \(2,\) and \(3,\)"):
        S.join([tf.constant(["a", "b"]), tf.constant(["c", "d", "e"])])
    with pytest.raises(InvalidArgumentError, match="same shape"):
        S.join([tf.constant([["a", "b"]]), tf.constant([["c"], ["d"]])])
    with pytest.raises(TypeError, match=r"`inputs\[0\]` must be a string tensor"):
        S.join([tf.constant([1, 2])])


def test_reduce_join():
    x = [["a", "b"], ["c", "d"]]
    check_str(S.reduce_join(x), "abcd", ())
    check_str(S.reduce_join(x, axis=0, separator=","), ["a,c", "b,d"])
    check_str(S.reduce_join(x, axis=1, separator=","), ["a,b", "c,d"])
    check_str(S.reduce_join(x, axis=-1, keepdims=True, separator=","), [["a,b"], ["c,d"]])
    # the first listed axis varies fastest (TF)
    check_str(S.reduce_join(x, axis=[0, 1], separator=","), "a,c,b,d")
    check_str(S.reduce_join(x, axis=[1, 0], separator=","), "a,b,c,d")
    check_str(S.reduce_join(x, keepdims=True), [["abcd"]], (1, 1))
    check_str(S.reduce_join("abc"), "abc", ())
    check_str(S.reduce_join(np.array([], dtype=object), separator=","), "")
    check_str(S.reduce_join(np.zeros([2, 0], object), axis=1, separator=","), ["", ""])
    cube = np.array([[["a", "b"], ["c", "d"]], [["e", "f"], ["g", "h"]]])
    check_str(S.reduce_join(cube, axis=[0, 2], separator="."), ["a.e.b.f", "c.g.d.h"])
    check_str(S.reduce_join(cube, axis=[2, 0], separator="."), ["a.b.e.f", "c.d.g.h"])
    check_str(S.reduce_join(x, axis=tf.constant(1)), ["ab", "cd"])
    check_str(S.reduce_join(["a", "b", "c"], separator=", "), "a, b, c")


def test_reduce_join_errors():
    with pytest.raises(InvalidArgumentError, match=r"tf\.strings\.reduce_join: axis 2 is out "
                       r"of range for an input of rank 2 \(valid: -2 to 1\)"):
        S.reduce_join([["a", "b"], ["c", "d"]], axis=2)
    with pytest.raises(InvalidArgumentError, match="axis 0 is out of range for an input of "
                       "rank 0"):
        S.reduce_join("abc", axis=0)
    with pytest.raises(InvalidArgumentError, match="axis 0 is listed twice"):
        S.reduce_join([["a", "b"], ["c", "d"]], axis=[0, 0])
    # TF 2.21: reduce_join(split(["a b", "c"]), axis=0) -> [b'ac', b'b'], axis=None -> b'abc'
    check_str(S.reduce_join(S.split(["a b", "c"]), axis=0), ["ac", "b"], (2,))
    check_str(S.reduce_join(S.split(["a b", "c"]), separator="-"), "a-b-c", ())
    # TF 2.21: axis=1 of split([["a b", "c"], ["d", "e"]]) -> [[b'ac', b'b'], [b'de']]
    got = S.reduce_join(S.split([["a b", "c"], ["d", "e"]]), axis=1)
    assert isinstance(got, tf.RaggedTensor) and got.to_list() == [["ac", "b"], ["de"]]
    with pytest.raises(InvalidArgumentError, match="joins a RaggedTensor along its last axis"):
        S.reduce_join(S.split([["a b", "c"], ["d", "e"]]), axis=0)
    with pytest.raises(InvalidArgumentError, match="keepdims=True is not supported"):
        S.reduce_join(S.split(["a b", "c"]), axis=-1, keepdims=True)


def test_unsorted_segment_join():
    check_str(S.unsorted_segment_join(["a", "b", "c", "d"], [1, 0, 1, 3], 4, separator=","),
              ["b", "a,c", "", "d"])
    check_str(S.unsorted_segment_join([["a", "b"], ["c", "d"], ["e", "f"]], [1, 0, 1], 2,
                                      separator=","), [["c", "d"], ["a,e", "b,f"]])
    check_str(S.unsorted_segment_join([["a", "b"], ["c", "d"]], [[0, 1], [1, 0]], 2,
                                      separator=","), ["a,d", "b,c"])
    check_str(S.unsorted_segment_join(["a", "b"], tf.constant([0, 1], tf.int64),
                                      tf.constant(2, tf.int64)), ["a", "b"])
    with pytest.raises(InvalidArgumentError, match=r"tf\.strings\.unsorted_segment_join: "
                       r"segment id -1 is outside \[0, 2\)"):
        S.unsorted_segment_join(["a", "b", "c"], [0, -1, 1], 2)
    with pytest.raises(InvalidArgumentError, match=r"segment id 5 is outside \[0, 2\)"):
        S.unsorted_segment_join(["a", "b", "c"], [0, 5, 1], 2)
    with pytest.raises(InvalidArgumentError, match=r"shape of segment_ids \(2,\) must be a "
                       r"prefix of the shape of inputs \(3,\)"):
        S.unsorted_segment_join(["a", "b", "c"], [0, 1], 2)
    with pytest.raises(InvalidArgumentError, match="segment_ids must have rank >= 1"):
        S.unsorted_segment_join("a", 0, 1)


# ---- splitting ----------------------------------------------------------------------------------

def test_split_scalar_gives_a_tensor():
    check_str(S.split("  hello  world \t x\n"), ["hello", "world", "x"], (3,))
    # TF splits on ASCII whitespace only
    check_str(S.split("a\u00a0b\u2003c d\x0be\x1cf"), ["a\u00a0b\u2003c", "d", "e\x1cf"])
    check_str(S.split("a,,b,", sep=","), ["a", "", "b", ""])
    check_str(S.split("a<>b<><>c", sep="<>"), ["a", "b", "", "c"])
    check_str(S.split(""), [], (0,))
    check_str(S.split("   "), [], (0,))
    check_str(S.split("", sep=","), [""])
    check_str(S.split("a b", sep=""), ["a", "b"])                # '' means whitespace
    check_str(S.split("a b c d", maxsplit=2), ["a", "b", "c d"])
    check_str(S.split("a,b,c,d", sep=",", maxsplit=1), ["a", "b,c,d"])
    check_str(S.split("  a  b  c  ", maxsplit=1), ["a", "b  c  "])
    check_str(S.split("  a b ", maxsplit=0), ["  a b "])
    check_str(S.split("a,b", sep=",", maxsplit=0), ["a,b"])
    check_str(S.split("", maxsplit=0), [""])
    check_str(S.split("   ", maxsplit=0), ["   "])


def test_split_returns_ragged_tensor():
    # TF returns a RaggedTensor [[b'hello', b'world'], [b'a'], []], shape (3, None),
    # ragged_rank 1, row_splits int64
    r = S.split(["hello world", "a", ""])
    assert isinstance(r, tf.RaggedTensor) and r.ragged_rank == 1
    assert r.row_splits.dtype == tf.int64 and val(r.row_splits) == [0, 2, 3, 3]
    assert int(r.nrows()) == 3
    for row in r:
        assert isinstance(row, tf.Tensor) and row.dtype == tf.string and row.ndim == 1
    assert r.to_list() == [["hello", "world"], ["a"], []]
    assert val(r.row_lengths()) == [2, 1, 0]
    check_str(r.to_tensor(), [["hello", "world"], ["a", ""], ["", ""]], (3, 2))
    check_str(r.to_tensor(default_value="<pad>"),
              [["hello", "world"], ["a", "<pad>"], ["<pad>", "<pad>"]])
    check_str(r.flat_values, ["hello", "world", "a"])
    check_str(r.values, ["hello", "world", "a"])
    assert r.shape.as_list() == [3, None]
    assert r.dtype == tf.string
    assert [a.tolist() for a in r.numpy()] == [["hello", "world"], ["a"], []]
    check_str(r[0], ["hello", "world"])
    r2 = S.split([["a b", "c"], ["d e f", ""]])
    assert r2.to_list() == [[["a", "b"], ["c"]], [["d", "e", "f"], []]]
    # TF 2.21: shape (2, 2, None), ragged_rank 2, the outer splits uniform [0, 2, 4]
    assert r2.ragged_rank == 2 and r2.shape.as_list() == [2, 2, None]
    assert [val(s) for s in r2.nested_row_splits] == [[0, 2, 4], [0, 2, 3, 6, 6]]
    assert all(s.dtype == tf.int64 for s in r2.nested_row_splits)
    # TF 2.21: split of a [2, 1] input has shape (2, 1, None); a scalar gives a 1-D tensor
    assert S.split([["a b"], ["c"]]).shape.as_list() == [2, 1, None]
    assert isinstance(S.split("a b"), tf.Tensor)
    e = S.split(tf.constant([], tf.string))
    assert isinstance(e, tf.RaggedTensor) and e.shape.as_list() == [0, None]
    assert e.dtype == tf.string
    # a RaggedTensor input gains one more ragged dimension
    rr = S.split(tf.ragged.constant([["a b", "c"], []]))
    assert rr.to_list() == [[["a", "b"], ["c"]], []] and rr.ragged_rank == 2
    # a legacy RaggedList is still accepted
    assert S.upper(RaggedList([tf.constant(["a", "b"]), tf.constant(["c"])])).to_list() == \
        [["A", "B"], ["C"]]
    check_str(r2.to_tensor(), [[["a", "b", ""], ["c", "", ""]], [["d", "e", "f"], ["", "", ""]]])
    r3 = S.split(["a b c", "d e"], maxsplit=1)
    assert r3.to_list() == [["a", "b c"], ["d", "e"]]
    assert S.split(["", "a"], sep=",").to_list() == [[""], ["a"]]


def test_ragged_rows_through_elementwise_ops():
    r = S.split(["Hello World", "A", ""])
    low = S.lower(r)
    assert isinstance(low, tf.RaggedTensor) and low.to_list() == [["hello", "world"], ["a"],
                                                                  []]
    assert val(low.row_splits) == val(r.row_splits)
    n = S.length(r)
    assert isinstance(n, tf.RaggedTensor) and n.to_list() == [[5, 5], [1], []]
    assert n.dtype == tf.int32
    check_str(S.reduce_join(r, axis=-1, separator="|"), ["Hello|World", "A", ""])
    # TF: tf.strings.ngrams(ragged [['a','b','c'], ['d'], []], 2, preserve_short_sequences=True)
    g = S.ngrams(S.split(["a b c", "d", ""]), 2, preserve_short_sequences=True)
    assert g.to_list() == [["a b", "b c"], ["d"], []]
    g = S.ngrams(S.split(["a b c", "d", ""]), 2)
    assert g.to_list() == [["a b", "b c"], [], []]
    nums = S.to_number(S.split(["1 2", "3"]), tf.int64)
    assert nums.to_list() == [[1, 2], [3]] and nums.dtype == tf.int64
    assert val(nums.to_tensor()) == [[1, 2], [3, 0]]
    # keyword first argument works too
    assert S.upper(input=S.split(["a b"])).to_list() == [["A", "B"]]
    # TF 2.21 gives each of these as a RaggedTensor with the input's rows
    assert S.join([r, r], separator="+").to_list() == [["Hello+Hello", "World+World"],
                                                       ["A+A"], []]
    assert S.join([r, "!"]).to_list() == [["Hello!", "World!"], ["A!"], []]
    assert S.regex_replace(r, "[lo]", "_").to_list() == [["He___", "W_r_d"], ["A"], []]
    assert S.regex_full_match(r, "H.*").to_list() == [[True, False], [False], []]
    assert S.substr(r, 0, 2).to_list() == [["He", "Wo"], ["A"], []]
    assert S.strip(S.split(["a, b"], sep=",")).to_list() == [["a", "b"]]
    assert S.as_string(tf.ragged.constant([[1, 2], [3]])).to_list() == [["1", "2"], ["3"]]
    assert S.to_hash_bucket_fast(S.split(["a b", "c"]), 5).to_list() == [[4, 2], [2]]
    # n-grams of the innermost rows of a 3-D ragged tensor (TF: [[[b'a b', b'b c'], []]])
    assert S.ngrams(S.split([["a b c", "d"]]), 2).to_list() == [[["a b", "b c"], []]]
    with pytest.raises(InvalidArgumentError, match="rows differ"):
        S.join([r, S.split(["a", "b", "c"])])
    with pytest.raises(TypeError, match="is a RaggedTensor"):
        S.unsorted_segment_join(r, [0, 1, 0], 2)


def test_bytes_split():
    check_str(S.bytes_split("héllo"), ["h", "\udcc3", "\udca9", "l", "l", "o"])
    assert S.bytes_split(["ab", "", "c"]).to_list() == [["a", "b"], [], ["c"]]


def test_unicode_split():
    check_str(S.unicode_split("héllo 日本", "UTF-8"),
              ["h", "é", "l", "l", "o", " ", "日", "本"])
    assert S.unicode_split(["hé", "", "日本"], "UTF-8").to_list() == [
        ["h", "é"], [], ["日", "本"]]
    check_str(S.unicode_split("", "UTF-8"), [], (0,))
    assert S.unicode_split([["ab"], ["c"]], "UTF-8").to_list() == [[["a", "b"]], [["c"]]]
    # invalid UTF-8: TF replaces a truncated sequence by one U+FFFD, each stray byte by one
    bad = [b"a\xffb", b"a\xe6\x97b", b"a\x80\x80b"]
    assert S.unicode_split(bad, "UTF-8").to_list() == [
        ["a", "\ufffd", "b"], ["a", "\ufffd", "b"], ["a", "\ufffd", "\ufffd", "b"]]
    assert S.unicode_split([b"a\xffb"], "UTF-8", errors="ignore").to_list() == [["a", "b"]]
    assert S.unicode_split([b"a\xffb"], "UTF-8",
                           replacement_char=ord("?")).to_list() == [["a", "?", "b"]]
    with pytest.raises(InvalidArgumentError, match=r"tf\.strings\.unicode_split: the string .* "
                       r"is not valid UTF-8 \(byte 0xff\)"):
        S.unicode_split([b"a\xffb"], "UTF-8", errors="strict")
    with pytest.raises(InvalidArgumentError, match="errors must be 'strict', 'replace' or "
                       "'ignore', got 'bogus'"):
        S.unicode_split(["a"], "UTF-8", errors="bogus")
    with pytest.raises(InvalidArgumentError, match="input_encoding must be 'UTF-8'.*got "
                       "'utf-8'"):
        S.unicode_split(["a"], "utf-8")


def test_unicode_decode_and_encode():
    # expected values from TF 2.21 (bytes shown decoded)
    got = S.unicode_decode(["héllo", "€", ""], "UTF-8")
    assert isinstance(got, tf.RaggedTensor) and got.row_splits.dtype == tf.int64
    assert got.to_list() == [[104, 233, 108, 108, 111], [8364], []]
    assert got.dtype == tf.int32 and all(r.dtype == tf.int32 for r in got)
    one = S.unicode_decode("aé", "UTF-8")
    assert one.dtype == tf.int32 and val(one) == [97, 233]
    assert S.unicode_decode([["ab"], ["ç"]], "UTF-8").to_list() == [[[97, 98]], [[231]]]
    assert S.unicode_decode([b"a\xffb"], "UTF-8").to_list() == [[97, 65533, 98]]
    assert S.unicode_decode([b"a\xffb"], "UTF-8", errors="ignore").to_list() == [[97, 98]]
    assert S.unicode_decode([b"a\xffb"], "UTF-8", replacement_char=63).to_list() == \
        [[97, 63, 98]]
    assert S.unicode_decode(["a\tb"], "UTF-8", replace_control_characters=True).to_list() == \
        [[97, 65533, 98]]

    check_str(S.unicode_encode([[104, 105], [0x20AC, 33]], "UTF-8"), ["hi", "€!"], (2,))
    check_str(S.unicode_encode([104, 0x1F600], "UTF-8"), "h\U0001F600", ())
    check_str(S.unicode_encode(tf.constant([[[104], [105]]]), "UTF-8"), [["h", "i"]], (1, 2))
    rows = tf.ragged.constant([[104, 105], [], [-1, 0xD800, 0x110000, 97]], tf.int32)
    check_str(S.unicode_encode(rows, "UTF-8"), ["hi", "", "\ufffd\ufffd\ufffda"], (3,))
    bad = tf.ragged.constant([[-1, 97]])
    # TF 2.21: ragged_rank 2 code points keep a ragged dimension: [[b'hi'], [b'j', b'']]
    deep = S.unicode_encode(tf.ragged.constant([[[104, 105]], [[106], []]]), "UTF-8")
    assert isinstance(deep, tf.RaggedTensor) and deep.to_list() == [["hi"], ["j", ""]]
    check_str(S.unicode_encode(bad, "UTF-8", errors="ignore"), ["a"])
    check_str(S.unicode_encode(bad, "UTF-8", replacement_char=63), ["?a"])
    with pytest.raises(InvalidArgumentError, match="-1 is not a valid Unicode code point"):
        S.unicode_encode(bad, "UTF-8", errors="strict")
    with pytest.raises(InvalidArgumentError, match="output_encoding must be 'UTF-8'"):
        S.unicode_encode([97], "UTF-16-BE")
    # decode then encode gives the text back, row by row
    text = ["héllo 日本", "", "a"]
    check_str(S.unicode_encode(S.unicode_decode(text, "UTF-8"), "UTF-8"), text, (3,))


# ---- regular expressions ------------------------------------------------------------------------

# TF 2.21: tf.strings.regex_replace(inputs, pattern, rewrite, replace_global) -> expected
REGEX_REPLACE_CASES = [
    (['a<br />b<br />', 'xx', ''], '<br />', ' ', True, ['a b ', 'xx', '']),
    (['aaa'], 'a', 'b', False, ['baa']),
    (['hello world'], '(\\w+) (\\w+)', '\\2 \\1', True, ['world hello']),
    (['hello world'], 'o', '[\\0]', True, ['hell[o] w[o]rld']),
    (['2024-01-31'], '(\\d+)-(\\d+)-(\\d+)', '\\3/\\2/\\1', True, ['31/01/2024']),
    (['Hi, there! (ok) Ünï.'], '[[:punct:]]', '', True, ['Hi there ok Ünï']),
    (['!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~ «»—'], '[[:punct:]]', '', True, [' «»—']),
    # re.escape(string.punctuation), as the Keras tutorial builds it
    (['this  is a test. done!'],
     '[!"\\#\\$%\\&\'\\(\\)\\*\\+,\\-\\./:;<=>\\?@\\[\\\\\\]\\^_`\\{\\|\\}\\~]', '', True,
     ['this  is a test done']),
    # Keras's DEFAULT_STRIP_REGEX
    (['Hello, World! It\'s "fine" (ok) [x] {y} a\\b ~`^_|@#$%&*+-./:;<=>?'],
     '[!"#$%&()\\*\\+,-\\./:;<=>?@\\[\\\\\\]^_`{|}~\\\']', '', True,
     ['Hello World Its fine ok x y ab ']),
    (['Hi, Ünï 12 日本'], '\\pL', 'X', True, ['XX, XXX 12 XX']),
    (['Hi, «Ünï» 12 — ¡x!'], '[\\pP]', '', True, ['Hi Ünï 12  x']),
    (['Hi, Ünï 12'], '\\p{L}+', 'X', True, ['X, X 12']),
    (['Hi, Ünï 12'], '\\PL', '_', True, ['Hi__Ünï___']),
    (['ab1'], '\\p{^L}', 'x', True, ['abx']),
    (['ab1,'], '[^\\pL]', 'x', True, ['abxx']),
    (['ab1,'], '[\\p{L}\\d]', 'x', True, ['xxx,']),
    (['a1²٣'], '\\pN', 'x', True, ['axxx']),
    (['aBÉ'], '\\p{Lu}', '<', True, ['a<<']),
    (['a$+€©'], '\\pS', '<', True, ['a<<<<']),
    (['a b\xa0c'], '\\pZ', 'x', True, ['axbxc']),
    (['a\x01\u0378\ue000'], '\\pC', '<', True, ['a<\u0378<']),
    (['héllo, wörld! 123'], '[^\\pL\\pN ]', '', True, ['héllo wörld 123']),
    (['Hi, Ünï 12'], '\\w', '_', True, ['__, Ü_ï __']),
    (['a\tb\xa0c\u2003d\x0be'], '\\s', '_', True, ['a_b\xa0c\u2003d\x0be']),
    (['a\xa0 \x0bb'], '[[:space:]]', 'x', True, ['a\xa0xxb']),
    (['1٣'], '\\d', '_', True, ['_٣']),
    (['the cat'], '\\bc', 'C', True, ['the Cat']),
    (['Ünï cat'], '\\b', '|', True, ['Ü|n|ï |cat|']),
    (['abc'], '\\B', '-', True, ['a-b-c']),
    (['abc'], 'x*', '-', True, ['-a-b-c-']),
    (['abxd', 'xx', ''], 'x*', '-', True, ['-a-b-d-', '-', '-']),
    (['abc'], 'b*', '-', True, ['-a-c-']),
    (['日本'], '', '-', True, ['-日-本-']),
    (['ab'], '', '[\\0]', True, ['[]a[]b[]']),
    (['abc'], 'x*', '-', False, ['-abc']),
    (['abc'], 'z', '-', False, ['abc']),
    (['ABC abc'], '(?i)b', '-', True, ['A-C a-c']),
    (['ÉéΣσς'], '(?i)é|σ', '-', True, ['-----']),
    (['AA Aa'], '(?i)a(?-i)a', '<', True, ['AA <']),
    (['aBc aBC C'], '(a(?i)b)c|d', '<', True, ['< aBC C']),
    (['aB C'], 'a(?i)b|c', '<', True, ['< <']),
    (['ABB'], '(?i:a)B', '-', True, ['-B']),
    (['aB1'], '(?i)[^\\p{Lu}]', '<', True, ['aB<']),
    (['aA1'], '(?i)[^[:lower:]]', '<', True, ['aA<']),
    (['a\n'], '$', '<', True, ['a\n<']),
    (['a\nb\n'], 'b$', '<', True, ['a\nb\n']),
    (['a\nb\n'], '(?m)$', '<', True, ['a<\nb<\n<']),
    (['a\n', 'a\nb'], '(?m)^', '>', True, ['>a\n>', '>a\n>b']),
    (['a\nb'], '^', '>', True, ['>a\nb']),
    (['ab\n'], 'b\\z', 'x', True, ['ab\n']),
    (['a\nb'], '.', 'x', True, ['x\nx']),
    (['a\nb'], '(?s).', 'x', True, ['xxx']),
    (['a😀b'], '.', '[\\0]', True, ['[a][😀][b]']),
    (['aaa'], '(?U)a+', 'x', True, ['xxx']),
    (['aaa'], '(?U)a+?', '<', True, ['<']),
    (['xxxxx'], 'x{2,3}?', '-', True, ['--x']),
    (['<b>x</b> and <i>y</i>'], '<[^>]+?>', '', True, ['x and y']),
    (['a{,2}'], 'a{,2}', '-', True, ['-']),
    (['x{2'], 'x{2', '<', True, ['<']),
    (['a.b'], '\\Q.\\E', 'x', True, ['axb']),
    (['A'], '\\101', '-', True, ['-']),
    (['AB'], '\\x{41}', 'x', True, ['xB']),
    (['a-b]c\\d^e'], '[\\]\\-\\\\^]', '_', True, ['a_b_c_d_e']),
    (['a]'], '[]a]', '<', True, ['<<']),
    (['a]b'], '[^]a]', '<', True, ['a]<']),
    (['a[b'], '[[]', '<', True, ['a<b']),
    (['a-z5'], '[\\d-z]', '<', True, ['a<<<']),
    (['a1b:'], '[:alpha:]', '<', True, ['<1b<']),
    (['aé1_'], '[[:alnum:]]', '<', True, ['<é<_']),
    (['afgF9'], '[[:xdigit:]]', '<', True, ['<<g<<']),
    (['kK\u212a'], '(?i)k', '<', True, ['<<<']),
    (['a'], 'a', '\\\\', True, ['\\']),
    (['a'], 'a', '$1', True, ['$1']),
    (['ab'], '(a)|(b)', '[\\1\\2]', True, ['[a][b]']),
    ([b'a\xffb'], '.', '<', True, ['<\udcff<']),
    ([['ab'], ['cb']], 'b', 'x', True, [['ax'], ['cx']]),
    ('ab', 'b', 'x', True, 'ax'),
    ([], 'a', 'b', True, []),
]
# TF 2.21: tf.strings.regex_full_match(inputs, pattern) -> expected
FULL_MATCH_CASES = [
    (['abc', 'ab', '', 'xabc'], 'a.c|', [True, False, True, False]),
    ('abc', 'a.*', True),
    ([['abc'], ['ab']], 'ab', [[False], [True]]),
    (['ab'], 'a|ab', [True]),
    (['ab\n', 'ab'], 'ab$', [False, True]),
    (['ab\n'], 'ab\n', [True]),
    (['ab\ncd'], '(?m)ab$\ncd', [True]),
    (['abc', 'ABC', 'a1', '', 'ab\n', 'aé'], '(?i)[a-c]+|a\\d|\\pL{2}',
     [True, True, True, False, False, True]),
    (['abc', 'xabc'], '^a.*$', [True, False]),
    (['user@example.com', 'bad@', 'x.y@z.org'], '[\\w.+-]+@\\w+\\.\\w+', [True, False, True]),
    (['日本語', 'abc', ''], '\\p{Lo}*', [True, False, True]),
]


@pytest.mark.parametrize("inputs,pattern,rewrite,replace_global,expected", REGEX_REPLACE_CASES)
def test_regex_replace_matches_tensorflow(inputs, pattern, rewrite, replace_global, expected):
    with warnings.catch_warnings():
        warnings.simplefilter("error")      # the translation must not trip re's warnings
        out = S.regex_replace(inputs, pattern, rewrite, replace_global=replace_global)
    check_str(out, expected)


@pytest.mark.parametrize("inputs,pattern,expected", FULL_MATCH_CASES)
def test_regex_full_match_matches_tensorflow(inputs, pattern, expected):
    out = S.regex_full_match(inputs, pattern)
    assert out.dtype == tf.bool
    assert val(out) == expected


def test_tutorial_custom_standardization():
    # the Keras text-classification tutorial's standardization; TF gives exactly this
    x = tf.constant(["This <br /> IS a TEST.<br /><br />Done!", "It's \"fine\" (ok)"])
    lowercase = tf.strings.lower(x)
    stripped_html = tf.strings.regex_replace(lowercase, "<br />", " ")
    out = tf.strings.regex_replace(stripped_html, "[%s]" % re.escape(string.punctuation), "")
    check_str(out, ["this   is a test  done", "its fine ok"])


def test_regex_tensor_pattern_and_scalars():
    check_str(S.regex_replace(["ab"], tf.constant("a"), "<"), ["<b"])
    check_str(S.regex_replace(["ab"], b"a", b"<"), ["<b"])
    with pytest.raises(InvalidArgumentError, match=r"tf\.strings\.regex_replace: `pattern` must "
                       r"be a single string \(a scalar\), got shape \(2,\)"):
        S.regex_replace(["ab", "ab"], ["a", "b"], "x")
    with pytest.raises(InvalidArgumentError, match="`rewrite` must be a single string"):
        S.regex_replace(["ab"], "a", ["<"])


@pytest.mark.parametrize("pattern,message", [
    ("(", "missing \\)"),
    ("a)", "unexpected \\)"),
    ("[a", "missing \\]"),
    ("[]", "missing \\]"),
    ("[z-a]", "invalid character class range: z-a"),
    ("[[:foo:]]", "invalid character class range: \\[:foo:\\]"),
    ("*a", "no argument for repetition operator: \\*"),
    ("a|*", "no argument for repetition operator"),
    ("a**", "bad repetition operator: \\*\\*"),
    ("a++", "bad repetition operator: \\+\\+"),
    ("a{1001}", "invalid repetition size: \\{1001\\}"),
    ("a{2,1}", "invalid repetition size: \\{2,1\\}"),
    ("(a)\\1", "no backreferences"),
    ("a(?=a)", "no lookaround"),
    ("(?<n>a)", "invalid or unsupported group"),
    ("(?P<n>a)(?P=n)", "invalid or unsupported group"),
    ("(?x) a", "only flags are i, m, s and U"),
    ("b\\Z", "invalid escape sequence: \\\\Z \\(use \\\\z"),
    ("\\u0041", "invalid escape sequence: \\\\u"),
    ("[\\b]", "invalid escape sequence: \\\\b"),
    ("[a-\\d]", "invalid escape sequence: \\\\d"),
    ("\\pX", "invalid character class range: \\\\pX"),
    ("\\p{Greek}", "not script names"),
    ("\\C", "\\\\C \\(match one byte\\) is not supported"),
])
def test_regex_invalid_patterns(pattern, message):
    # TF 2.21 rejects every one of these with InvalidArgumentError ("Invalid pattern");
    # \p{Greek} (a script) and \C (one byte) are ones TF accepts and ndflow does not
    with pytest.raises(InvalidArgumentError, match=r"tf\.strings\.regex_replace: invalid RE2 "
                       r"pattern .*" + message):
        S.regex_replace(["abc"], pattern, "x")
    with pytest.raises(InvalidArgumentError, match="regex_full_match: invalid RE2 pattern"):
        S.regex_full_match(["abc"], pattern)


def test_regex_bad_rewrites_raise():
    # TF returns '' for a rewrite with an unknown escape and leaves the string unchanged for
    # a missing group; ndflow says what is wrong instead
    with pytest.raises(InvalidArgumentError, match=r"invalid rewrite '\\\\g<1>': after a "
                       r"backslash RE2 accepts only a digit"):
        S.regex_replace(["a"], "(a)", "\\g<1>")
    with pytest.raises(InvalidArgumentError, match=r"refers to group \\2 but the pattern has "
                       r"only 1 capturing group"):
        S.regex_replace(["a"], "(a)", "\\2")


# ---- numbers <-> text ---------------------------------------------------------------------------

def test_to_number_float():
    t = S.to_number(["1", "2.5", "-3e2", " 4 ", "inf", "-inf", "nan", "0x10", "1e40", "+7",
                     ".5", "5.", "0x1p3", "3\x0b", "-1e40", "1e-50", "Infinity", "  -0  "])
    assert t.dtype == tf.float32
    got = np.asarray(t._value)
    want = np.array([1, 2.5, -300, 4, np.inf, -np.inf, np.nan, 16, np.inf, 7, 0.5, 5, 8, 3,
                     -np.inf, 0, np.inf, -0.0], np.float32)
    np.testing.assert_array_equal(got, want)
    assert np.signbit(got[-1])
    t = S.to_number("1.1", tf.float64)
    assert t.dtype == tf.float64 and val(t) == 1.1
    assert val(S.to_number("1e-320", tf.float64)) == 1e-320
    assert val(S.to_number("3.4028236e38")) == np.inf          # rounds past float32's max


def test_to_number_int():
    t = S.to_number(["1", " -2 ", "2147483647", "-2147483648", "010", "+3"], tf.int32)
    assert t.dtype == tf.int32 and val(t) == [1, -2, 2147483647, -2147483648, 10, 3]
    t = S.to_number([["1", "2"], ["3", "4"]], tf.int64)
    assert t.dtype == tf.int64 and val(t) == [[1, 2], [3, 4]]
    assert val(S.to_number("9223372036854775807", tf.int64)) == 2 ** 63 - 1
    assert val(S.to_number("4294967295", tf.uint32)) == 2 ** 32 - 1
    assert val(S.to_number("18446744073709551615", tf.uint64)) == 2 ** 64 - 1
    assert val(S.to_number("5", "int32")) == 5
    assert val(S.to_number(np.array([], dtype=object))) == []


@pytest.mark.parametrize("text,out_type", [
    ("1_000", tf.float32), ("１２", tf.float32), ("", tf.float32), (" ", tf.float32),
    ("1.5f", tf.float32), ("1,5", tf.float32), ("1e", tf.float32), ("e1", tf.float32),
    ("2147483648", tf.int32), ("1.5", tf.int32), ("0x10", tf.int32), ("1e2", tf.int32),
    ("1_0", tf.int32), ("9223372036854775808", tf.int64), ("-1", tf.uint32)])
def test_to_number_rejects_what_tensorflow_rejects(text, out_type):
    with pytest.raises(InvalidArgumentError, match=r"tf\.strings\.to_number: cannot convert the "
                       r"string .* \(element 1\) to %s: expected" % tf.as_dtype(out_type).name):
        S.to_number(["1", text], out_type)


def test_to_number_bad_out_type():
    with pytest.raises(InvalidArgumentError, match="out_type must be one of float32, float64, "
                       "int32, int64, uint32, uint64, got float16"):
        S.to_number("1.5", tf.float16)
    with pytest.raises(TypeError, match="must be a string tensor"):
        S.to_number(tf.constant([5]))


F32 = [0.0, 1.0, -2.5, 3.14159265, 1e10, 1.5e-7, 123456789.0, float("inf"), float("-inf"),
       float("nan"), 0.1, 100.0]


@pytest.mark.parametrize("kwargs,expected", [
    ({}, ["0.000000", "1.000000", "-2.500000", "3.141593", "10000000000.000000", "0.000000",
          "123456792.000000", "inf", "-inf", "nan", "0.100000", "100.000000"]),
    ({"precision": 2}, ["0.00", "1.00", "-2.50", "3.14", "10000000000.00", "0.00",
                        "123456792.00", "inf", "-inf", "nan", "0.10", "100.00"]),
    ({"scientific": True}, ["0.000000e+00", "1.000000e+00", "-2.500000e+00", "3.141593e+00",
                            "1.000000e+10", "1.500000e-07", "1.234568e+08", "inf", "-inf",
                            "nan", "1.000000e-01", "1.000000e+02"]),
    ({"scientific": True, "precision": 3}, ["0.000e+00", "1.000e+00", "-2.500e+00",
                                            "3.142e+00", "1.000e+10", "1.500e-07", "1.235e+08",
                                            "inf", "-inf", "nan", "1.000e-01", "1.000e+02"]),
    ({"shortest": True}, ["0", "1", "-2.5", "3.14159", "1e+10", "1.5e-07", "1.23457e+08",
                          "inf", "-inf", "nan", "0.1", "100"]),
    ({"width": 12}, ["    0.000000", "    1.000000", "   -2.500000", "    3.141593",
                     "10000000000.000000", "    0.000000", "123456792.000000", "         inf",
                     "        -inf", "         nan", "    0.100000", "  100.000000"]),
    ({"width": 12, "fill": "0"}, ["00000.000000", "00001.000000", "-0002.500000",
                                  "00003.141593", "10000000000.000000", "00000.000000",
                                  "123456792.000000", "         inf", "        -inf",
                                  "         nan", "00000.100000", "00100.000000"]),
    ({"width": 12, "fill": " "}, ["    0.000000", "    1.000000", "   -2.500000",
                                  "    3.141593", " 10000000000.000000", "    0.000000",
                                  " 123456792.000000", "         inf", "        -inf",
                                  "         nan", "    0.100000", "  100.000000"]),
    ({"precision": 1, "width": 8, "fill": "0"}, ["000000.0", "000001.0", "-00002.5",
                                                 "000003.1", "10000000000.0", "000000.0",
                                                 "123456792.0", "     inf", "    -inf",
                                                 "     nan", "000000.1", "000100.0"]),
])
def test_as_string_float32(kwargs, expected):
    check_str(S.as_string(tf.constant(F32, tf.float32), **kwargs), expected)


def test_as_string_other_types():
    f64 = tf.constant([3.14159265358979, 123456789.0, 1e100, 1e-300], tf.float64)
    check_str(S.as_string(f64), [
        "3.141593", "123456789.000000",
        "10000000000000000159028911097599180468360808563945281389781327557747838772170381060"
        "813469985856815104.000000", "0.000000"])
    check_str(S.as_string(f64, shortest=True), ["3.14159", "1.23457e+08", "1e+100", "1e-300"])
    ints = tf.constant([0, 1, -5, 123456, 2147483647, -2147483648], tf.int32)
    check_str(S.as_string(ints), ["0", "1", "-5", "123456", "2147483647", "-2147483648"])
    check_str(S.as_string(ints, width=8), ["       0", "       1", "      -5", "  123456",
                                           "2147483647", "-2147483648"])
    check_str(S.as_string(ints, width=8, fill="0"), ["00000000", "00000001", "-0000005",
                                                     "00123456", "2147483647", "-2147483648"])
    check_str(S.as_string(tf.constant([2 ** 63 - 1, -2 ** 63], tf.int64)),
              ["9223372036854775807", "-9223372036854775808"])
    check_str(S.as_string(tf.constant([255, 0], tf.uint8)), ["255", "0"])
    check_str(S.as_string(tf.constant([2 ** 64 - 1], tf.uint64)), ["18446744073709551615"])
    check_str(S.as_string(tf.constant([True, False])), ["true", "false"])
    check_str(S.as_string(tf.constant([True, False]), width=7), ["true", "false"])
    check_str(S.as_string(tf.constant([1.5, 0.1], tf.float16)), ["1.500000", "0.099976"])
    check_str(S.as_string(tf.constant([1 + 2j], tf.complex64)), ["(1.000000,2.000000)"])
    check_str(S.as_string(tf.constant([1 + 2j], tf.complex64), precision=1, width=5),
              ["(  1.0,  2.0)"])
    check_str(S.as_string(tf.constant(["a"])), ["a"])
    check_str(S.as_string(tf.constant(["ab"]), width=6), ["    ab"])
    check_str(S.as_string(3), "3", ())
    check_str(S.as_string(3.5), "3.500000", ())
    check_str(S.as_string([[1, 2], [3, 4]]), [["1", "2"], ["3", "4"]])
    for fill, f_want, i_want in [("+", ["-1.500000", "+2.000000"], ["   -1", "   +2"]),
                                 ("-", ["-1.500000", "2.000000"], ["-1   ", "2    "]),
                                 ("#", ["-1.500000", "2.000000"], ["   -1", "    2"]),
                                 (" ", ["-1.500000", " 2.000000"], ["   -1", "    2"]),
                                 ("0", ["-1.500000", "2.000000"], ["-0001", "00002"])]:
        check_str(S.as_string(tf.constant([-1.5, 2.0]), width=8, fill=fill), f_want)
        check_str(S.as_string(tf.constant([-1, 2]), width=5, fill=fill), i_want)
    check_str(S.as_string(tf.constant([2.0]), shortest=True, fill="#"), ["2.00000"])
    check_str(S.as_string(tf.constant([2.5, 3.5, -0.0]), precision=0), ["2", "4", "-0"])
    check_str(S.as_string(tf.constant([12345.0]), scientific=True, precision=0), ["1e+04"])
    check_str(S.as_string(tf.constant([1.23456789]), shortest=True, precision=3), ["1.23"])
    check_str(S.as_string(tf.constant([1.5]), scientific=True, width=15, fill="0"),
              ["0001.500000e+00"])
    check_str(S.as_string(tf.constant([], tf.float32)), [])


def test_as_string_errors():
    with pytest.raises(InvalidArgumentError, match=r"tf\.strings\.as_string: fill must be one of "
                       r".*got 'x'"):
        S.as_string(tf.constant([1.0]), fill="x")
    with pytest.raises(InvalidArgumentError, match="fill must be one of"):
        S.as_string(tf.constant([1.0]), fill="00")
    with pytest.raises(InvalidArgumentError, match="scientific and shortest cannot both"):
        S.as_string(tf.constant([1.0]), scientific=True, shortest=True)
    with pytest.raises(InvalidArgumentError, match="precision applies to floating point values "
                       "only, got dtype int32"):
        S.as_string(tf.constant([1]), precision=2)
    with pytest.raises(InvalidArgumentError, match="apply to floating point values only, got "
                       "dtype bool"):
        S.as_string(tf.constant([True]), scientific=True)


def test_format():
    check_str(S.format("x={} y={}", (3, "ab")), 'x=3 y="ab"', ())
    check_str(S.format("x={}", [3]), "x=3")
    check_str(S.format("t: {}", tf.constant([1, 2, 3])), "t: [1 2 3]")
    check_str(S.format("t: {}", tf.range(10)), "t: [0 1 2 ... 7 8 9]")
    check_str(S.format("t: {}", tf.range(10), summarize=2), "t: [0 1 ... 8 9]")
    check_str(S.format("t: {}", tf.range(10), summarize=-1), "t: [0 1 2 3 4 5 6 7 8 9]")
    check_str(S.format("{}", tf.range(6)), "[0 1 2 3 4 5]")
    check_str(S.format("{}", tf.range(7)), "[0 1 2 ... 4 5 6]")
    check_str(S.format("{}", tf.reshape(tf.range(6), [2, 3])), "[[0 1 2]\n [3 4 5]]")
    check_str(S.format("{}", tf.reshape(tf.range(20), [2, 10])),
              "[[0 1 2 ... 7 8 9]\n [10 11 12 ... 17 18 19]]")
    check_str(S.format("{}", tf.reshape(tf.range(14), [7, 2])),
              "[[0 1]\n [2 3]\n [4 5]\n ...\n [8 9]\n [10 11]\n [12 13]]")
    check_str(S.format("{}", tf.reshape(tf.range(100), [10, 10])),
              "[[0 1 2 ... 7 8 9]\n [10 11 12 ... 17 18 19]\n [20 21 22 ... 27 28 29]\n ...\n"
              " [70 71 72 ... 77 78 79]\n [80 81 82 ... 87 88 89]\n [90 91 92 ... 97 98 99]]")
    check_str(S.format("{}", tf.reshape(tf.range(8), [2, 2, 2])),
              "[[[0 1]\n  [2 3]]\n\n [[4 5]\n  [6 7]]]")
    check_str(S.format("{}", tf.reshape(tf.range(42), [3, 2, 7]), summarize=1),
              "[[[0 ... 6]\n  [7 ... 13]]\n\n ...\n\n [[28 ... 34]\n  [35 ... 41]]]")
    check_str(S.format("{}", tf.constant([1.5, 2.0, 1e-8, 123456789.0])),
              "[1.5 2 1e-08 123456792]")
    check_str(S.format("{}", tf.constant(0.1)), "0.1")
    check_str(S.format("{}", tf.constant([0.1, 1 / 3], tf.float64)), "[0.1 0.33333333333333331]")
    check_str(S.format("{}", tf.constant([0.1, 1 / 3, 100.5, 1e20, 2.0 ** 60], tf.float64)),
              "[0.1 0.33333333333333331 100.5 1e+20 1.152921504606847e+18]")
    check_str(S.format("{}", tf.constant([0.1, 1 / 3, 100.5, 1e20, 16777217.0, 3.4e38])),
              "[0.1 0.333333343 100.5 1e+20 16777216 3.4e+38]")
    check_str(S.format("{}", tf.constant([0.1, 1 / 3], tf.float16)), "[0.0999755859 0.333251953]")
    check_str(S.format("{}", tf.constant(["a", "b"])), '["a" "b"]')
    check_str(S.format("{}", tf.constant("a")), '"a"')
    check_str(S.format("{}", tf.constant(['a"b', "c\nd", "é", "\\"])),
              '["a\\"b" "c\\nd" "é" "\\\\"]')
    check_str(S.format("{}", tf.constant([True, False])), "[1 0]")
    check_str(S.format("x=%s", [1], placeholder="%s"), "x=1")
    check_str(S.format("abc", []), "abc")
    check_str(S.format("{}", tf.zeros([0])), "[]")
    check_str(S.format("{}", tf.constant([float("nan"), float("inf"), -0.0])), "[nan inf -0]")
    check_str(S.format("{}", tf.constant([0.001, 1e5, 1e6, 1e7])), "[0.001 100000 1e+06 1e+07]")
    check_str(S.format("{} and {}", (tf.constant(1), tf.constant([2.5]))), "1 and [2.5]")
    check_str(S.format("{}", [np.array([1, 2])]), "[1 2]")
    check_str(S.format("{}", tf.constant([2 ** 40], tf.int64)), "[1099511627776]")
    with pytest.raises(ValueError, match=r"tf\.strings\.format: the template has 2 "
                       r"placeholder\(s\) '\{\}' but 1 input\(s\) were given"):
        S.format("{} {}", [1])


# ---- hashing ------------------------------------------------------------------------------------

WORDS = ["", "a", "hello", "héllo wörld", "日本語",
         "The quick brown fox jumps over the lazy dog", b"a\xffb", "x" * 17, "y" * 100]


def test_hash_buckets():
    # TF 2.21: to_hash_bucket_fast(WORDS, 1000), to_hash_bucket_strong(WORDS, 1000, [1, 2]),
    # to_hash_bucket(WORDS, 2**62)
    t = S.to_hash_bucket_fast(WORDS, 1000)
    assert t.dtype == tf.int64 and val(t) == [263, 939, 296, 627, 783, 284, 74, 581, 355]
    assert val(S.to_hash_bucket_strong(WORDS, 1000, [1, 2])) == [
        435, 646, 622, 560, 286, 536, 168, 32, 281]
    assert val(S.to_hash_bucket(WORDS, 2 ** 62)) == [
        105434511174508091, 2996632905371535868, 1331861223480393034, 687603440920701714,
        4002368662949098438, 1687480807060433122, 3249710589931316146, 4161156153655800118,
        1367365306250348836]
    assert val(S.to_hash_bucket(WORDS[:7], 1000)) == [899, 868, 938, 426, 438, 26, 858]
    assert val(S.to_hash_bucket("hello", 2 ** 40)) == 798522768714
    assert val(S.to_hash_bucket_strong(WORDS[:7], 1000, [2 ** 63 - 1, -5])) == [
        338, 960, 466, 645, 195, 579, 540]
    assert val(S.to_hash_bucket_fast([["a", "b"], ["c", "d"]], 10)) == [[9, 2], [2, 5]]
    t = S.to_hash_bucket_fast("a", 10)
    assert t.shape == () and val(t) == 9
    assert val(S.to_hash_bucket_fast(["a", "b"], 1)) == [0, 0]
    assert val(S.to_hash_bucket_fast(["a"], 2 ** 63 - 1)) == [3694432073954588132]


def test_hash_bucket_errors():
    with pytest.raises(InvalidArgumentError, match=r"tf\.strings\.to_hash_bucket_fast: "
                       r"`num_buckets` must be at least 1, got 0"):
        S.to_hash_bucket_fast(["a"], 0)
    with pytest.raises(InvalidArgumentError, match="key must have 2 elements .* got 1"):
        S.to_hash_bucket_strong(["a"], 10, [1])
    with pytest.raises(InvalidArgumentError, match="must fit in a signed 64-bit integer"):
        S.to_hash_bucket_strong(["a"], 10, [2 ** 64 - 1, 0])
    with pytest.raises(TypeError, match="must be a string tensor"):
        S.to_hash_bucket_fast(tf.constant([1]), 10)


# ---- n-grams ------------------------------------------------------------------------------------

@pytest.mark.parametrize("data,args,kwargs,expected", [
    (["a", "b", "c", "d"], (2,), {}, ["a b", "b c", "c d"]),
    (["a", "b", "c", "d"], (3,), {"separator": "_"}, ["a_b_c", "b_c_d"]),
    (["a", "b", "c"], ([1, 2],), {}, ["a", "b", "c", "a b", "b c"]),
    (["a", "b", "c"], ((2, 3),), {}, ["a b", "b c", "a b c"]),
    (["a", "b"], (3,), {}, []),
    (["a", "b"], (3,), {"preserve_short_sequences": True}, ["a b"]),
    (["a", "b", "c"], (2,), {"pad_values": "#"}, ["# a", "a b", "b c", "c #"]),
    (["a", "b", "c"], (3,), {"pad_values": ("<", ">")},
     ["< < a", "< a b", "a b c", "b c >", "c > >"]),
    (["a", "b", "c"], (3,), {"pad_values": "#", "padding_width": 1},
     ["# a b", "a b c", "b c #"]),
    (["a"], (3,), {"pad_values": "#"}, ["# # a", "# a #", "a # #"]),
    (["a"], (3,), {"pad_values": "#", "padding_width": 1}, ["# a #"]),
    (["a", "b"], (2,), {"pad_values": "#", "padding_width": 2}, ["# a", "a b", "b #"]),
    (["a"], ([2, 3],), {"preserve_short_sequences": True}, ["a"]),
    (["a", "b"], ([2, 3],), {"preserve_short_sequences": True}, ["a b"]),
    (["a", "b"], ([3, 4],), {"preserve_short_sequences": True}, ["a b"]),
    (["a"], ([3, 4],), {"pad_values": "#", "padding_width": 1,
                        "preserve_short_sequences": True}, ["# a #"]),
    (["a", "b"], (2,), {"separator": ""}, ["ab"]),
    (["a", "b"], ([],), {}, []),
    ([["a", "b", "c"], ["d", "e", "f"]], (2,), {}, [["a b", "b c"], ["d e", "e f"]]),
    ([["a", "b"], ["c", "d"]], (2,), {"pad_values": "#"},
     [["# a", "a b", "b #"], ["# c", "c d", "d #"]]),
    ([[["a", "b"], ["c", "d"]]], (2,), {}, [[["a b"], ["c d"]]]),
    ([["a"], ["b"]], (3,), {"preserve_short_sequences": True}, [["a"], ["b"]]),
])
def test_ngrams(data, args, kwargs, expected):
    check_str(S.ngrams(data, *args, **kwargs), expected)


def test_ngrams_shapes_and_errors():
    t = S.ngrams([["a", "b"], ["d", "e"]], 3)
    assert tuple(t.shape) == (2, 0)
    check_str(S.ngrams(np.array([], dtype=object), 2, pad_values="#"), [])
    with pytest.raises(ValueError, match=r"tf\.strings\.ngrams: data must have rank >= 1"):
        S.ngrams("a", 2)
    with pytest.raises(ValueError, match="every ngram width must be greater than 0, got 0"):
        S.ngrams(["a", "b"], 0)
    with pytest.raises(TypeError, match="pad_values must be a string, a \\(left, right\\) pair"):
        S.ngrams(["a"], 2, pad_values=3)
    with pytest.raises(ValueError, match="padding_width needs pad_values"):
        S.ngrams(["a", "b"], 2, padding_width=1)
    with pytest.raises(ValueError, match="padding_width must be greater than 0"):
        S.ngrams(["a", "b"], 2, pad_values="#", padding_width=0)
    with pytest.raises(TypeError, match=r"`data` must hold strings, got an element of type int"):
        S.ngrams([1, 2, 3], 2)


# ---- Keras TextVectorization with tf.strings callables ------------------------------------------

def custom_standardization(input_data):
    lowercase = tf.strings.lower(input_data)
    stripped_html = tf.strings.regex_replace(lowercase, "<br />", " ")
    return tf.strings.regex_replace(stripped_html, "[%s]" % re.escape(string.punctuation), "")


REVIEWS = ["The movie was GREAT!<br /><br />Great acting, great plot.",
           "Terrible movie. The plot was terrible<br />and boring...",
           "An okay film; the acting was okay-ish.",
           "GREAT great Great: a must-see movie!"]
# After custom_standardization the reviews read
#   "the movie was great  great acting great plot"
#   "terrible movie the plot was terrible and boring"
#   "an okay film the acting was okayish"
#   "great great great a mustsee movie"
# Token counts: great 6; the, movie, was 3; terrible, plot, acting 2; the rest 1.  Keras
# orders by count, ties by the token descending, after '' (padding) and '[UNK]'; with
# max_tokens=12 ten tokens fit.  (Keras 3 on TensorFlow 2.21 gives the same vocabulary and ids.)
VOCAB = ["", "[UNK]", "great", "was", "the", "movie", "terrible", "plot", "acting", "okayish",
         "okay", "mustsee"]


def test_text_vectorization_tutorial_standardization():
    layer = keras.layers.TextVectorization(max_tokens=12, output_mode="int",
                                           output_sequence_length=8,
                                           standardize=custom_standardization)
    layer.adapt(REVIEWS)
    assert layer.get_vocabulary() == VOCAB
    ids = {tok: i for i, tok in enumerate(VOCAB)}

    def expect(text):
        toks = [ids.get(t, 1) for t in text.split()][:8]
        return toks + [0] * (8 - len(toks))

    standardized = ["the movie was great  great acting great plot",
                    "terrible movie the plot was terrible and boring",
                    "an okay film the acting was okayish",
                    "great great great a mustsee movie"]
    out = layer(tf.constant(REVIEWS))
    assert out.dtype == tf.int64
    assert val(out) == [expect(t) for t in standardized]
    assert val(out) == [[4, 5, 3, 2, 2, 8, 2, 7], [6, 5, 4, 7, 3, 6, 1, 1],
                        [1, 10, 1, 4, 8, 3, 9, 0], [2, 2, 2, 1, 11, 5, 0, 0]]
    assert val(layer(tf.constant([["Great plot, boring film"]]))) == [[2, 7, 1, 1, 0, 0, 0, 0]]
    # adapt on a batched tf.data pipeline gives the same vocabulary
    layer2 = keras.layers.TextVectorization(max_tokens=12, output_sequence_length=8,
                                            standardize=custom_standardization)
    layer2.adapt(tf.data.Dataset.from_tensor_slices(REVIEWS).batch(3))
    assert layer2.get_vocabulary() == VOCAB


def test_text_vectorization_split_callable():
    # split=callable gets the standardized batch and returns a RaggedTensor; '' tokens (from
    # the double space) are the mask token and are not counted (as in Keras)
    layer = keras.layers.TextVectorization(standardize=custom_standardization,
                                           split=lambda x: tf.strings.split(x, sep=" "),
                                           output_mode="count")
    layer.adapt(tf.data.Dataset.from_tensor_slices(REVIEWS).batch(2))
    assert layer.get_vocabulary() == ["[UNK]", "great", "was", "the", "movie", "terrible",
                                      "plot", "acting", "okayish", "okay", "mustsee", "film",
                                      "boring", "and", "an", "a"]
    assert val(layer(tf.constant(REVIEWS[:2]))) == [
        [0, 3, 1, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0],
        [0, 0, 1, 1, 1, 2, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0]]
    chars = keras.layers.TextVectorization(
        standardize=lambda x: tf.strings.lower(x), max_tokens=10, output_sequence_length=12,
        split=lambda x: tf.strings.unicode_split(x, "UTF-8"))
    chars.adapt(tf.constant(["Ab cd", "aaB"]))
    assert chars.get_vocabulary() == ["", "[UNK]", "a", "b", "d", "c", " "]
    assert val(chars(tf.constant(["ab", "DCx  a"]))) == [
        [2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [4, 5, 1, 6, 6, 2, 0, 0, 0, 0, 0, 0]]
    # a split callable returning a dense 2-D tensor works too
    dense = keras.layers.TextVectorization(
        split=lambda x: tf.strings.split(x).to_tensor(), output_sequence_length=4)
    dense.adapt(["b a a", "c"])
    assert dense.get_vocabulary() == ["", "[UNK]", "a", "c", "b"]
    assert val(dense(tf.constant(["a b", "c d c"]))) == [[2, 4, 0, 0], [3, 1, 3, 0]]


def test_text_vectorization_callable_errors():
    layer = keras.layers.TextVectorization(standardize=lambda x: tf.constant(["only one"]))
    with pytest.raises(ValueError, match="standardize callable must return one string per "
                       "input string \\(a batch of 2\\), got 1"):
        layer.adapt(["a b", "c"])
    layer = keras.layers.TextVectorization(split=lambda x: [tf.constant(["a"])])
    with pytest.raises(ValueError, match="split callable must return one row of tokens per "
                       "input string \\(a batch of 2\\)"):
        layer.adapt(["a b", "c"])


def test_tf_data_pipeline_with_strings():
    ds = tf.data.Dataset.from_tensor_slices((REVIEWS, [1, 0, 1, 1])).batch(2).map(
        lambda x, y: (custom_standardization(x), y))
    got = [(val(x), val(y)) for x, y in ds]
    assert got == [(["the movie was great  great acting great plot",
                     "terrible movie the plot was terrible and boring"], [1, 0]),
                   (["an okay film the acting was okayish",
                     "great great great a mustsee movie"], [1, 1])]
    # per-element map: a scalar string splits into a 1-D tensor
    ds = tf.data.Dataset.from_tensor_slices(["a b", "c d e"]).map(
        lambda s: tf.strings.length(tf.strings.reduce_join(tf.strings.split(s))))
    assert [val(v) for v in ds] == [2, 3]


def test_unicode_with_offsets():
    # TF 2.21: unicode_split_with_offsets(["ab", "é"]) -> ([[b'a', b'b'], [b'\xc3\xa9']],
    # [[0, 1], [0]]); offsets are int64 UTF-8 byte positions
    chars, offs = S.unicode_split_with_offsets(["ab", "é日x", ""], "UTF-8")
    assert chars.to_list() == [["a", "b"], ["é", "日", "x"], []]
    assert offs.to_list() == [[0, 1], [0, 2, 5], []] and offs.dtype == tf.int64
    cps, offs = S.unicode_decode_with_offsets("é日", "UTF-8")
    assert val(cps) == [233, 26085] and val(offs) == [0, 2]
    # an invalid byte is replaced where it starts; with errors='ignore' it is skipped
    cps, offs = S.unicode_decode_with_offsets([b"a\xffb"], "UTF-8")
    assert cps.to_list() == [[97, 65533, 98]] and offs.to_list() == [[0, 1, 2]]
    cps, offs = S.unicode_decode_with_offsets([b"a\xe6\x97b"], "UTF-8", errors="ignore")
    assert cps.to_list() == [[97, 98]] and offs.to_list() == [[0, 3]]
