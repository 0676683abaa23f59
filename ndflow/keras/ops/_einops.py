"""``keras.ops.rearrange``: einops-style axis rearrangement (``"b (h w) c -> b h w c"``),
done as reshape -> transpose -> reshape."""
import numpy as np

from ndflow.ops import array_ops as A
from ndflow.keras.ops._base import keras_op, tensor as _to_tensor


def _parse_side(side, pattern):
    """A side of the pattern as a list of groups; a group is a list of axis names (an
    ungrouped name is a group of one; '...' stands for the leading/middle extra axes)."""
    groups = []
    current = None
    token = ""
    side = side.replace("...", " … ")

    def flush():
        nonlocal token
        if token:
            (current if current is not None else groups).append(
                token if current is not None else [token])
            token = ""
    for ch in side:
        if ch == "(":
            flush()
            if current is not None:
                raise ValueError("keras.ops.rearrange: nested parentheses in %r." % pattern)
            current = []
        elif ch == ")":
            flush()
            if current is None:
                raise ValueError("keras.ops.rearrange: unbalanced ')' in %r." % pattern)
            groups.append(current)
            current = None
        elif ch.isspace():
            flush()
        else:
            token += ch
    flush()
    if current is not None:
        raise ValueError("keras.ops.rearrange: unbalanced '(' in %r." % pattern)
    return groups


@keras_op
def rearrange(tensor, pattern, **axes_lengths):
    x = _to_tensor(tensor)
    if "->" not in pattern:
        raise ValueError("keras.ops.rearrange: the pattern needs '->', got %r." % (pattern,))
    left_s, right_s = pattern.split("->")
    left, right = _parse_side(left_s, pattern), _parse_side(right_s, pattern)
    shape = x._value.shape
    n_ell = sum(1 for g in left if g == ["…"])
    if n_ell > 1:
        raise ValueError("keras.ops.rearrange: '...' may appear once, in %r." % pattern)
    if n_ell:
        extra = len(shape) - (len(left) - 1)
        if extra < 0:
            raise ValueError("keras.ops.rearrange: pattern %r needs at least %d axes, got "
                             "shape %s." % (pattern, len(left) - 1, shape))
        names = ["…%d" % i for i in range(extra)]

        def expand(groups):
            out = []
            for g in groups:
                if g == ["…"]:
                    out.extend([[n] for n in names])
                elif "…" in g:
                    i = g.index("…")
                    out.append(g[:i] + names + g[i + 1:])
                else:
                    out.append(g)
            return out
        left, right = expand(left), expand(right)
    if len(left) != len(shape):
        raise ValueError("keras.ops.rearrange: pattern %r describes %d axes but the tensor has "
                         "shape %s." % (pattern, len(left), shape))
    sizes = {k: int(v) for k, v in axes_lengths.items()}
    elem = []
    for g, dim in zip(left, shape):
        known = 1
        unknown = []
        for name in g:
            if name == "1":
                continue
            if name in sizes:
                known *= sizes[name]
            else:
                unknown.append(name)
        if len(unknown) > 1:
            raise ValueError("keras.ops.rearrange: cannot infer the sizes of %s in %r; pass "
                             "them as keyword arguments." % (unknown, pattern))
        if unknown:
            if dim % known:
                raise ValueError("keras.ops.rearrange: axis of size %d cannot be split by %d."
                                 % (dim, known))
            sizes[unknown[0]] = dim // known
        elif known != dim:
            raise ValueError("keras.ops.rearrange: group %s has size %d but the axis has "
                             "size %d." % (g, known, dim))
        elem.extend(n for n in g if n != "1")
    right_elem = [n for g in right for n in g if n != "1"]
    if sorted(right_elem) != sorted(elem):
        raise ValueError("keras.ops.rearrange: both sides of %r must name the same axes."
                         % pattern)
    x = A.reshape(x, [sizes[n] for n in elem])
    perm = [elem.index(n) for n in right_elem]
    if perm != list(range(len(perm))):
        x = A.transpose(x, perm)
    out_shape = [int(np.prod([sizes[n] for n in g if n != "1"], dtype=np.int64)) for g in right]
    return A.reshape(x, out_shape)
