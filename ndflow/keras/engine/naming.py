"""Unique default names for layers and models (``dense``, ``dense_1``, ...)."""
import re

_counts = {}


def to_snake_case(name):
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    s = re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()
    return s.lstrip("_") or "layer"


def unique_name(base, zero_based=True):
    """``base``, ``base_1``, ... (or ``base_1``, ``base_2``, ... when not zero_based)."""
    n = _counts.get(base, 0)
    _counts[base] = n + 1
    if not zero_based:
        return "%s_%d" % (base, n + 1)
    return base if n == 0 else "%s_%d" % (base, n)


def reset():
    _counts.clear()
