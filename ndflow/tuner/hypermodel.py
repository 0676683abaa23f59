"""``HyperModel``: ``build(hp)`` makes a model, ``fit(hp, model, ...)`` trains it."""


class HyperModel:
    """Subclass and override ``build(hp)``; override ``fit`` to tune training too.

    ``fit`` may return the ``History`` of ``model.fit``, a dict of metrics (holding the
    objective) or a single float (the objective), or a list of those.
    """

    def __init__(self, name=None, tunable=True):
        self.name = name
        self.tunable = tunable

    def build(self, hp):
        raise NotImplementedError("%s.build(hp) must create and return a model."
                                  % type(self).__name__)

    def declare_hyperparameters(self, hp):
        raise NotImplementedError

    def fit(self, hp, model, *args, **kwargs):
        return model.fit(*args, **kwargs)


class DefaultHyperModel(HyperModel):
    """Wraps a plain ``build(hp)`` function."""

    def __init__(self, build, name=None, tunable=True):
        super().__init__(name=name, tunable=tunable)
        self._build_fn = build

    def build(self, hp):
        return self._build_fn(hp)


def get_hypermodel(hypermodel):
    if hypermodel is None or isinstance(hypermodel, HyperModel):
        return hypermodel
    if callable(hypermodel):
        return DefaultHyperModel(hypermodel)
    raise TypeError("hypermodel must be a kt.HyperModel or a function build(hp) -> model, "
                    "got %r." % (hypermodel,))
