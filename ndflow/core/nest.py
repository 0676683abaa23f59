"""``tf.nest``: flatten and rebuild nested structures of lists, tuples, namedtuples and
dicts (dict values in sorted-key order, as TensorFlow does)."""


def is_nested(structure):
    return isinstance(structure, (list, tuple, dict))


is_sequence = is_nested


def _children(s):
    if isinstance(s, dict):
        return [s[k] for k in sorted(s)]
    return list(s)


def flatten(structure, expand_composites=False):
    if not is_nested(structure):
        return [structure]
    out = []
    for c in _children(structure):
        out.extend(flatten(c))
    return out


def _rebuild(s, values):
    if isinstance(s, dict):
        keys = sorted(s)
        return type(s)((k, v) for k, v in zip(keys, values)) if type(s) is not dict else \
            {k: v for k, v in zip(keys, values)}
    if isinstance(s, tuple) and hasattr(s, "_fields"):
        return type(s)(*values)
    return type(s)(values)


def pack_sequence_as(structure, flat_sequence, expand_composites=False):
    flat = list(flat_sequence)
    pos = [0]

    def rec(s):
        if not is_nested(s):
            v = flat[pos[0]]
            pos[0] += 1
            return v
        return _rebuild(s, [rec(c) for c in _children(s)])
    n = len(flatten(structure))
    if n != len(flat):
        raise ValueError("pack_sequence_as: the structure has %d leaves but %d values were "
                         "given." % (n, len(flat)))
    return rec(structure)


def assert_same_structure(nest1, nest2, check_types=True, expand_composites=False):
    def rec(a, b, path):
        if is_nested(a) != is_nested(b):
            raise ValueError("The two structures don't have the same nested structure: %r "
                             "and %r differ at %s." % (nest1, nest2, path or "the top"))
        if not is_nested(a):
            return
        if check_types and type(a) is not type(b) and not (
                isinstance(a, list) and isinstance(b, list)):
            raise TypeError("The two structures don't have the same sequence type: %s and "
                            "%s at %s." % (type(a).__name__, type(b).__name__, path or "the top"))
        if isinstance(a, dict) and sorted(a) != sorted(b):
            raise ValueError("The two dictionaries don't have the same keys: %s and %s."
                             % (sorted(a), sorted(b)))
        ca, cb = _children(a), _children(b)
        if len(ca) != len(cb):
            raise ValueError("The two structures don't have the same number of elements at "
                             "%s: %d and %d." % (path or "the top", len(ca), len(cb)))
        for i, (x, y) in enumerate(zip(ca, cb)):
            rec(x, y, "%s[%d]" % (path, i))
    rec(nest1, nest2, "")


def map_structure(func, *structures, **kwargs):
    check_types = kwargs.pop("check_types", True)
    if not structures:
        raise ValueError("map_structure needs at least one structure.")
    for s in structures[1:]:
        assert_same_structure(structures[0], s, check_types=check_types)
    flats = [flatten(s) for s in structures]
    return pack_sequence_as(structures[0], [func(*xs) for xs in zip(*flats)])
