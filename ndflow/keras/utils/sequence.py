"""``keras.utils.PyDataset`` (and its older name ``Sequence``): batches by index.

Subclass it, implement ``__len__`` (the number of batches) and ``__getitem__(index)``
(returning ``x``, ``(x, y)`` or ``(x, y, sample_weight)`` for batch ``index``), and pass
an instance to ``fit`` / ``evaluate`` / ``predict``.  ``on_epoch_end`` runs after each
epoch (shuffle the indices there).
"""


class PyDataset:
    """Base class for index-addressable batch sources."""

    workers = 1
    use_multiprocessing = False
    max_queue_size = 10

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self.workers = workers
        self.use_multiprocessing = use_multiprocessing
        self.max_queue_size = max_queue_size

    def __getitem__(self, index):
        raise NotImplementedError("%s must implement __getitem__(index) returning batch "
                                  "`index`." % type(self).__name__)

    def __len__(self):
        nb = type(self).num_batches
        if isinstance(nb, property) and type(self).num_batches is not PyDataset.num_batches:
            return self.num_batches
        raise NotImplementedError("%s must implement __len__() returning the number of "
                                  "batches per epoch." % type(self).__name__)

    @property
    def num_batches(self):
        """The number of batches per epoch (``len(self)``; None if unknown)."""
        try:
            return len(self)
        except NotImplementedError:
            return None

    def on_epoch_begin(self):
        """Called before each epoch."""

    def on_epoch_end(self):
        """Called after each epoch."""

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]


Sequence = PyDataset
