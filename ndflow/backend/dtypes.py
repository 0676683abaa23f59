"""ndflow dtypes: thin named wrappers around NumPy dtypes, spelled like TensorFlow's."""
import numpy as np


class DType:
    """A tensor element type (``ndflow.float32``, ``ndflow.int64``, ...)."""

    __slots__ = ("name", "as_numpy_dtype", "_np")

    def __init__(self, name, np_dtype):
        self.name = name
        self._np = np.dtype(np_dtype)
        self.as_numpy_dtype = self._np.type

    @property
    def is_floating(self):
        return self._np.kind == "f"

    @property
    def is_integer(self):
        return self._np.kind in "iu"

    @property
    def is_unsigned(self):
        return self._np.kind == "u"

    @property
    def is_bool(self):
        return self._np.kind == "b"

    @property
    def is_complex(self):
        return self._np.kind == "c"

    @property
    def is_numeric(self):
        return self._np.kind in "iufc"

    @property
    def base_dtype(self):
        return self

    @property
    def size(self):
        return self._np.itemsize

    @property
    def min(self):
        if self.is_floating:
            return float(np.finfo(self._np).min)
        if self.is_bool:
            return False
        return int(np.iinfo(self._np).min)

    @property
    def max(self):
        if self.is_floating:
            return float(np.finfo(self._np).max)
        if self.is_bool:
            return True
        return int(np.iinfo(self._np).max)

    def __repr__(self):
        return "tf.%s" % self.name

    def __str__(self):
        return "<dtype: %r>" % self.name

    def __eq__(self, other):
        if other is self:
            return True
        if other is None:
            return False
        try:
            return as_dtype(other) is self
        except (TypeError, ValueError):
            return False

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash(self.name)

    def __reduce__(self):
        return (as_dtype, (self.name,))


float16 = DType("float16", np.float16)
float32 = DType("float32", np.float32)
float64 = DType("float64", np.float64)
int8 = DType("int8", np.int8)
int16 = DType("int16", np.int16)
int32 = DType("int32", np.int32)
int64 = DType("int64", np.int64)
uint8 = DType("uint8", np.uint8)
uint16 = DType("uint16", np.uint16)
uint32 = DType("uint32", np.uint32)
uint64 = DType("uint64", np.uint64)
bool_ = DType("bool", np.bool_)
complex64 = DType("complex64", np.complex64)
complex128 = DType("complex128", np.complex128)
string = DType("string", np.object_)

half = float16
double = float64

ALL = (float16, float32, float64, int8, int16, int32, int64, uint8, uint16, uint32,
       uint64, bool_, complex64, complex128, string)
_BY_NAME = {d.name: d for d in ALL}
_BY_NAME.update({"half": float16, "float": float32, "double": float64, "bool_": bool_})
_BY_NP = {d._np: d for d in ALL}
# NumPy strings map onto ndflow.string
_BY_NP_KIND = {"U": string, "S": string, "O": string}


def from_numpy(np_dtype):
    """DType for a NumPy dtype (fast path used when wrapping arrays)."""
    d = _BY_NP.get(np_dtype)
    if d is None:
        d = _BY_NP_KIND.get(np_dtype.kind)
        if d is None:
            raise TypeError("ndflow has no dtype for NumPy dtype %s" % np_dtype)
    return d


def as_dtype(value):
    """Convert a DType, NumPy dtype, Python type or name into an ndflow DType.

    Raises TypeError naming the value and listing the valid names.
    """
    if isinstance(value, DType):
        return value
    if isinstance(value, str):
        d = _BY_NAME.get(value)
        if d is None:
            raise TypeError(
                "Unknown dtype %r. Valid names: %s." % (value, ", ".join(sorted(_BY_NAME))))
        return d
    if value is float:
        return float32
    if value is int:
        return int32
    if value is bool:
        return bool_
    if value is str or value is bytes:
        return string
    try:
        np_dtype = np.dtype(value)
    except TypeError:
        raise TypeError("Cannot convert %r to an ndflow dtype. Pass a name such as "
                        "'float32', a NumPy dtype, or an ndflow dtype such as tf.float32."
                        % (value,)) from None
    return from_numpy(np_dtype)


_default_float = [float32]


def floatx():
    return _default_float[0].name


def set_floatx(name):
    d = as_dtype(name)
    if not d.is_floating:
        raise ValueError("set_floatx expects a floating dtype name, got %r" % (name,))
    _default_float[0] = d
