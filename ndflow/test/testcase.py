"""``tf.test.TestCase``: ``unittest.TestCase`` plus assertions that understand tensors,
nested structures and tolerances, and ``evaluate`` (tensors to NumPy values)."""
import contextlib
import re
import shutil
import tempfile
import unittest

import numpy as np

from ndflow.core.errors import OpError

_DEFAULT_SEED = 87654321   # the seed TensorFlow's TestCase.setUp gives every test


def _is_tensorlike(x):
    return hasattr(x, "numpy") and callable(x.numpy)


def _array(x):
    """A NumPy array for a tensor, variable, NumPy value, number or (nested) list."""
    if _is_tensorlike(x):
        x = x.numpy()
    elif isinstance(x, (list, tuple)):
        x = [v.numpy() if _is_tensorlike(v) else v for v in x]
    return np.asarray(x)


def _item(v):
    return v.item() if isinstance(v, (np.ndarray, np.generic)) else v


def _text(arr):
    """Byte strings as text, so b'a' equals 'a' (string tensors hold str in ndflow)."""
    if arr.dtype.kind in "SO":
        out = np.empty(arr.shape, dtype=object)
        flat = out.reshape(-1)
        for i, e in enumerate(arr.reshape(-1)):
            flat[i] = e.decode("utf-8") if isinstance(e, bytes) else (
                str(e) if isinstance(e, str) else e)
        return out
    if arr.dtype.kind == "U":
        return arr.astype(object)
    return arr


def _as_leaf_array(x):
    """An array when ``x`` is one (a sequence of numbers counts), else None."""
    if isinstance(x, dict):
        return None
    if isinstance(x, (list, tuple)):
        try:
            arr = _array(x)
        except ValueError:   # ragged
            return None
        return None if arr.dtype == object and any(
            isinstance(v, (list, tuple, dict)) or _is_tensorlike(v) for v in x) else arr
    return _array(x)


class _EagerSession:
    """What ``cached_session()`` yields: ``run`` evaluates tensors (no graph to run)."""

    def __init__(self, case):
        self._case = case

    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        if feed_dict:
            raise ValueError("session.run: feed_dict has no meaning when executing eagerly; "
                             "call the function on the values instead.")
        return self._case.evaluate(fetches)


class TestCase(unittest.TestCase):
    """Base class for tests of ndflow code (``tf.test.TestCase``).

    ``setUp`` seeds Python's, NumPy's and ndflow's random generators, so every test starts
    from the same random state."""

    def setUp(self):
        super().setUp()
        import random
        from ndflow.backend import random as _nd_random
        random.seed(_DEFAULT_SEED)
        np.random.seed(_DEFAULT_SEED)
        _nd_random.set_seed(_DEFAULT_SEED)

    # ---- values ---------------------------------------------------------------------
    def evaluate(self, tensors):
        """The NumPy value(s) of ``tensors`` (nested lists, tuples and dicts keep their
        structure; a callable is called first; None stays None)."""
        if tensors is None:
            return None
        if _is_tensorlike(tensors):
            return tensors.numpy()
        if isinstance(tensors, dict):
            return type(tensors)((k, self.evaluate(v)) for k, v in tensors.items())
        if isinstance(tensors, tuple) and hasattr(tensors, "_fields"):
            return type(tensors)(*[self.evaluate(v) for v in tensors])
        if isinstance(tensors, (list, tuple)):
            return type(tensors)(self.evaluate(v) for v in tensors)
        if callable(tensors):
            return self.evaluate(tensors())
        raise ValueError("evaluate: unsupported type %r; pass tensors, variables, or lists/"
                         "tuples/dicts of them." % type(tensors).__name__)

    @contextlib.contextmanager
    def cached_session(self, graph=None, config=None, use_gpu=True, force_gpu=False):
        """A stand-in for TF 1 sessions: ``sess.run(t)`` is ``self.evaluate(t)``."""
        yield _EagerSession(self)

    session = cached_session   # (no test_session: unittest would collect it as a test)

    def get_temp_dir(self):
        """A temporary directory for this test, removed when the test ends."""
        d = getattr(self, "_ndflow_tempdir", None)
        if d is None:
            d = self._ndflow_tempdir = tempfile.mkdtemp(prefix="ndflow_test_")
            self.addCleanup(shutil.rmtree, d, True)
        return d

    # ---- closeness and equality -----------------------------------------------------
    def _fail(self, text, msg):
        raise self.failureException(text + ("" if not msg else " : %s" % msg))

    def _compare(self, a, b, path, msg, leaf):
        """Walk two structures together and call ``leaf(arr_a, arr_b, path)``."""
        if isinstance(a, dict) or isinstance(b, dict):
            if not (isinstance(a, dict) and isinstance(b, dict)):
                self._fail("Mismatched structure at %s: %s vs %s."
                           % (path or "the top", type(a).__name__, type(b).__name__), msg)
            if set(a) != set(b):
                self._fail("Mismatched keys at %s: a has %s, b has %s."
                           % (path or "the top", sorted(a, key=str), sorted(b, key=str)), msg)
            for k in a:
                self._compare(a[k], b[k], "%s[%r]" % (path, k), msg, leaf)
            return
        arr_a, arr_b = _as_leaf_array(a), _as_leaf_array(b)
        if arr_a is None or arr_b is None:
            if not (isinstance(a, (list, tuple)) and isinstance(b, (list, tuple))):
                self._fail("Mismatched structure at %s: %r vs %r." % (path or "the top", a, b),
                           msg)
            if len(a) != len(b):
                self._fail("Mismatched length at %s: %d vs %d." % (path or "the top", len(a),
                                                                   len(b)), msg)
            for i, (x, y) in enumerate(zip(a, b)):
                self._compare(x, y, "%s[%d]" % (path, i), msg, leaf)
            return
        if arr_a.shape != arr_b.shape:
            self._fail("Shape mismatch%s: expected %s, got %s with contents %s."
                       % (" at " + path if path else "", arr_a.shape, arr_b.shape, arr_b), msg)
        leaf(arr_a, arr_b, path)

    def _close_leaf(self, rtol, atol, msg):
        def leaf(a, b, path):
            where = "Mismatched value: a%s is different from b%s. " % (path, path)
            if a.dtype.kind in "biufc" and b.dtype.kind in "biufc":
                try:
                    np.testing.assert_allclose(
                        a.astype(np.complex128 if "c" in (a.dtype.kind + b.dtype.kind)
                                 else np.float64),
                        b.astype(np.complex128 if "c" in (a.dtype.kind + b.dtype.kind)
                                 else np.float64),
                        rtol=rtol, atol=atol, equal_nan=True, err_msg=where + (msg or ""))
                except AssertionError as e:
                    raise self.failureException(str(e)) from None
            else:
                a, b = _text(a), _text(b)
                if not np.array_equal(a, b):
                    self._fail(where + "a = %s, b = %s." % (a, b), msg)
        return leaf

    def assertAllClose(self, a, b, rtol=1e-6, atol=1e-6, msg=None):
        """``|a - b| <= atol + rtol * |b|`` elementwise, for tensors, arrays, numbers and
        nested lists / tuples / dicts of them; shapes must match exactly, NaN equals NaN."""
        self._compare(a, b, "", msg, self._close_leaf(rtol, atol, msg))

    def assertAllCloseAccordingToType(self, a, b, rtol=1e-6, atol=1e-6, float_rtol=1e-6,
                                      float_atol=1e-6, half_rtol=1e-3, half_atol=1e-3,
                                      bfloat16_rtol=1e-2, bfloat16_atol=1e-2, msg=None):
        """``assertAllClose`` with the tolerance widened for float32 / float16 values."""
        kinds = set()
        for v in (a, b):
            arr = _as_leaf_array(v)
            if arr is not None:
                kinds.add(arr.dtype)
        if np.dtype(np.float16) in kinds:
            rtol, atol = max(rtol, half_rtol), max(atol, half_atol)
        elif kinds & {np.dtype(np.float32), np.dtype(np.complex64)}:
            rtol, atol = max(rtol, float_rtol), max(atol, float_atol)
        self.assertAllClose(a, b, rtol=rtol, atol=atol, msg=msg)

    def assertNotAllClose(self, a, b, rtol=1e-6, atol=1e-6, msg=None):
        try:
            self.assertAllClose(a, b, rtol=rtol, atol=atol)
        except self.failureException:
            return
        self._fail("The two values are close at all elements.", msg)

    def _equal_leaf(self, msg):
        def leaf(a, b, path):
            a, b = _text(a), _text(b)
            same = a == b
            if a.dtype.kind in "fc" and b.dtype.kind in "fc":
                same = same | (np.isnan(a) & np.isnan(b))
            if not np.all(same):
                bad = np.argwhere(~np.asarray(same))
                first = tuple(bad[0]) if bad.size else ()
                self._fail("Arrays%s are not equal: %d of %d elements differ; first at index "
                           "%s: %r (a) vs %r (b).\n a = %s\n b = %s"
                           % (" at " + path if path else "", len(bad), a.size,
                              [int(i) for i in first], _item(a[first]), _item(b[first]), a, b),
                           msg)
        return leaf

    def assertAllEqual(self, a, b, msg=None):
        """Exact equality of values and shapes (NaN equals NaN; b'x' equals 'x')."""
        self._compare(a, b, "", msg, self._equal_leaf(msg))

    def assertNotAllEqual(self, a, b, msg=None):
        try:
            self.assertAllEqual(a, b)
        except self.failureException:
            return
        self._fail("The two values are equal at all elements.", msg)

    # ---- orderings and ranges -----------------------------------------------------------
    def _all_hold(self, a, target, op, word):
        arr = _array(a)
        ok = op(arr, target)
        if not np.all(ok):
            bad = np.argwhere(~np.asarray(ok))
            first = tuple(bad[0]) if arr.ndim else ()
            self._fail("%d of %d element(s) are not %s %r; first at index %s: %r."
                       % (max(len(bad), 1), max(arr.size, 1), word, target,
                          [int(i) for i in first], _item(arr[first])), None)

    def assertAllGreater(self, a, comparison_target):
        self._all_hold(a, comparison_target, np.greater, "greater than")

    def assertAllGreaterEqual(self, a, comparison_target):
        self._all_hold(a, comparison_target, np.greater_equal, "greater than or equal to")

    def assertAllLess(self, a, comparison_target):
        self._all_hold(a, comparison_target, np.less, "less than")

    def assertAllLessEqual(self, a, comparison_target):
        self._all_hold(a, comparison_target, np.less_equal, "less than or equal to")

    def assertAllInRange(self, target, lower_bound, upper_bound, open_lower_bound=False,
                         open_upper_bound=False):
        """Every element within the bounds (closed by default); NaN fails."""
        arr = _array(target)
        if arr.dtype.kind not in "iuf":
            raise TypeError("assertAllInRange: target must be numeric, got dtype %s."
                            % arr.dtype)
        nan = np.isnan(arr) if arr.dtype.kind == "f" else np.zeros(arr.shape, bool)
        if np.any(nan):
            self._fail("%d of the %d element(s) are NaN, at %s."
                       % (int(nan.sum()), arr.size, np.argwhere(nan).tolist()), None)
        low = arr > lower_bound if open_lower_bound else arr >= lower_bound
        high = arr < upper_bound if open_upper_bound else arr <= upper_bound
        bad = ~(low & high)
        if np.any(bad):
            self._fail("%d of the %d element(s) are outside the range %s%s, %s%s; "
                       "offending subscripts and values: %s."
                       % (int(bad.sum()), arr.size, "(" if open_lower_bound else "[",
                          lower_bound, upper_bound, ")" if open_upper_bound else "]",
                          [([int(k) for k in i], _item(arr[tuple(i)]))
                           for i in np.argwhere(bad)[:10]]),
                       None)

    def assertAllInSet(self, target, expected_set):
        """Every element is one of ``expected_set``."""
        arr = _text(_array(target))
        allowed = set(_text(np.asarray(list(expected_set))).tolist())
        extra = sorted({v for v in arr.reshape(-1).tolist() if v not in allowed}, key=repr)
        if extra:
            self._fail("%d unique element(s) are not in the set %s: %s."
                       % (len(extra), sorted(allowed, key=repr), extra), None)

    # ---- shapes and dtypes ------------------------------------------------------------
    def assertShapeEqual(self, input_a, input_b, msg=None):
        """``input_a`` and ``input_b`` (NumPy arrays or tensors) have the same shape."""
        shapes = []
        for name, v in (("input_a", input_a), ("input_b", input_b)):
            if isinstance(v, (np.ndarray, np.generic)):
                shapes.append(tuple(np.shape(v)))
            elif _is_tensorlike(v) and hasattr(v, "shape"):
                shapes.append(tuple(v.shape))
            else:
                raise TypeError("assertShapeEqual: %s must be a NumPy array or a tensor, got "
                                "%s." % (name, type(v).__name__))
        if shapes[0] != shapes[1]:
            self._fail("Shape mismatch: %s vs %s." % (shapes[0], shapes[1]), msg)

    def assertDTypeEqual(self, target, expected_dtype):
        """The elements of ``target`` have ``expected_dtype`` (a tf or NumPy dtype)."""
        from ndflow.backend import dtypes
        want = dtypes.as_dtype(expected_dtype)
        have = dtypes.from_numpy(_array(target).dtype)
        if have != want:
            self._fail("dtype %s != expected %s." % (have.name, want.name), None)

    # ---- scalar closeness -----------------------------------------------------------------
    def assertNear(self, f1, f2, err, msg=None):
        """``|f1 - f2| <= err``."""
        f1, f2 = float(_array(f1)), float(_array(f2))
        if not (f1 == f2 or abs(f1 - f2) <= err):
            self._fail("%f != %f +/- %f (difference: %g)" % (f1, f2, err, abs(f1 - f2)), msg)

    def assertArrayNear(self, farray1, farray2, err, msg=None):
        """Two equally long sequences, element by element within ``err``."""
        a, b = list(farray1), list(farray2)
        self.assertEqual(len(a), len(b), msg)
        for x, y in zip(a, b):
            self.assertNear(x, y, err, msg)

    def assertNDArrayNear(self, ndarray1, ndarray2, err, msg=None):
        """The Euclidean norm of the difference is below ``err``."""
        d = float(np.linalg.norm(_array(ndarray1) - _array(ndarray2)))
        if not d < err:
            self._fail("The arrays differ by %g (norm of the difference), not below %g."
                       % (d, err), msg)

    # ---- errors -------------------------------------------------------------------------------
    @contextlib.contextmanager
    def assertRaisesWithPredicateMatch(self, exception_type, expected_err_re_or_predicate):
        """The block raises ``exception_type`` and the predicate (a callable on the error,
        or a regular expression searched in its message) holds."""
        pred = expected_err_re_or_predicate
        if not callable(pred):
            pattern = pred

            def pred(e):
                return re.search(pattern, str(e)) is not None
        try:
            yield
        except exception_type as e:
            if not pred(e):
                self._fail("Exception of type %s: %s" % (type(e).__name__, e), None)
            return
        self._fail("%s not raised" % exception_type.__name__, None)

    def assertRaisesOpError(self, expected_err_re_or_predicate):
        """The block raises one of ``tf.errors`` (an OpError) matching the pattern."""
        return self.assertRaisesWithPredicateMatch(OpError, expected_err_re_or_predicate)

    # ---- small absltest conveniences -----------------------------------------------------------
    def assertLen(self, container, expected_len, msg=None):
        if len(container) != expected_len:
            self._fail("%r has length of %d, expected %d." % (container, len(container),
                                                              expected_len), msg)

    def assertEmpty(self, container, msg=None):
        self.assertLen(container, 0, msg)

    def assertNotEmpty(self, container, msg=None):
        if len(container) == 0:
            self._fail("%r has length of 0." % (container,), msg)

    def assertBetween(self, value, minv, maxv, msg=None):
        if not minv <= value <= maxv:
            self._fail("%r is not between %r and %r." % (value, minv, maxv), msg)

    def assertStartsWith(self, actual, expected_start, msg=None):
        if not actual.startswith(expected_start):
            self._fail("%r does not start with %r." % (actual, expected_start), msg)

    def assertEndsWith(self, actual, expected_end, msg=None):
        if not actual.endswith(expected_end):
            self._fail("%r does not end with %r." % (actual, expected_end), msg)

    def assertSameElements(self, expected_seq, actual_seq, msg=None):
        if set(expected_seq) != set(actual_seq):
            self._fail("Elements differ: %r vs %r." % (sorted(set(expected_seq), key=repr),
                                                       sorted(set(actual_seq), key=repr)), msg)

    def assertItemsEqual(self, expected_seq, actual_seq, msg=None):
        self.assertCountEqual(expected_seq, actual_seq, msg)
