"""``tf.Module``: a container that finds the variables and sub-modules in its attributes."""
from ndflow.core.variable import Variable


class Module:
    def __init__(self, name=None):
        self._name = name or _snake(type(self).__name__)

    @property
    def name(self):
        return self._name

    def _walk(self, seen):
        for value in list(vars(self).values()):
            yield from _items(value, seen)

    @property
    def variables(self):
        return tuple(v for v in self._walk(set()) if isinstance(v, Variable))

    @property
    def trainable_variables(self):
        return tuple(v for v in self.variables if v.trainable)

    @property
    def non_trainable_variables(self):
        return tuple(v for v in self.variables if not v.trainable)

    @property
    def submodules(self):
        return tuple(m for m in self._walk(set()) if isinstance(m, Module))


def _items(value, seen):
    if id(value) in seen:
        return
    if isinstance(value, Variable):
        seen.add(id(value))
        yield value
    elif isinstance(value, Module):
        seen.add(id(value))
        yield value
        yield from value._walk(seen)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _items(v, seen)
    elif isinstance(value, dict):
        for k in sorted(value, key=str):
            yield from _items(value[k], seen)


def _snake(name):
    out = []
    for i, c in enumerate(name):
        if c.isupper() and i and not name[i - 1].isupper():
            out.append("_")
        out.append(c.lower())
    return "".join(out)
