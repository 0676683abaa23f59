"""The threaded transformations: ``prefetch`` and ``map(num_parallel_calls=...)``.

Threads overlap input work with training.  NumPy releases the GIL inside most array
kernels, and I/O (reading files, decoding images) releases it too, so a producer thread
keeps batches ready while the training step runs.  Exceptions raised in a thread are
re-raised in the consumer, with their original traceback.
"""
import collections
import os
import queue
import threading
import time

from ndflow.data import structure as _s
from ndflow.data.dataset import AUTOTUNE, Dataset, probing
from ndflow.data.transforms import MapDataset

AUTOTUNE_BUFFER = 8        # elements prefetched with buffer_size=AUTOTUNE
_PROBE_CALLS = 4           # parallel map: calls timed before choosing threads
_MIN_CALL_SECONDS = 2e-4   # below this, thread hand-offs cost more than they save
_POLL = 0.05               # seconds between checks of the stop flag


class _Raised:
    __slots__ = ("exc",)

    def __init__(self, exc):
        self.exc = exc


_END = object()


def _put(q, item, stop):
    """Put ``item`` unless the consumer has gone away; returns False if it has."""
    while not stop.is_set():
        try:
            q.put(item, timeout=_POLL)
            return True
        except queue.Full:
            continue
    return False


def _produce(dataset, q, stop):
    try:
        for e in dataset._iter():
            if not _put(q, e, stop):
                return
        item = _END
    except BaseException as exc:  # noqa: BLE001  (handed to the consumer)
        item = _Raised(exc)
    _put(q, item, stop)


class PrefetchDataset(Dataset):
    def __init__(self, input_dataset, buffer_size):
        if buffer_size < 0 and buffer_size != AUTOTUNE:
            raise ValueError("Dataset.prefetch: buffer_size must be >= 0 or tf.data.AUTOTUNE, "
                             "got %d." % buffer_size)
        self._input = input_dataset
        self._size = AUTOTUNE_BUFFER if buffer_size == AUTOTUNE else buffer_size

    def _iter(self):
        if self._size == 0 or probing():
            yield from self._input._iter()
            return
        q = queue.Queue(maxsize=self._size)
        stop = threading.Event()
        producer = threading.Thread(target=_produce, args=(self._input, q, stop),
                                    name="ndflow-prefetch", daemon=True)
        producer.start()
        try:
            while True:
                item = q.get()
                if item is _END:
                    return
                if type(item) is _Raised:
                    raise item.exc
                yield item
        finally:
            stop.set()  # the producer notices within _POLL seconds and ends

    def _cardinality(self):
        return self._input._cardinality()

    def _spec(self):
        return self._input.element_spec


class ParallelMapDataset(MapDataset):
    """``map`` with ``num_parallel_calls``: results keep the input order.

    The first few calls run inline and are timed; if a call is too quick for threads to
    pay (pure-Python work holds the GIL), the map stays sequential.
    """

    def __init__(self, input_dataset, map_func, num_parallel_calls):
        super().__init__(input_dataset, map_func)
        if num_parallel_calls == AUTOTUNE:
            workers = os.cpu_count() or 1
        else:
            workers = int(num_parallel_calls)
            if workers < 1:
                raise ValueError("Dataset.map: num_parallel_calls must be >= 1 or "
                                 "tf.data.AUTOTUNE, got %d." % workers)
        self._workers = workers

    def _iter(self):
        fn, call, norm = self._fn, _s.call, _s.normalize_output

        def work(e):
            return norm(call(fn, e))

        it = self._input._iter()
        spent = 0.0
        for _ in range(_PROBE_CALLS):
            try:
                e = next(it)
            except StopIteration:
                return
            t0 = time.perf_counter()
            out = work(e)
            spent += time.perf_counter() - t0
            yield out
        if self._workers <= 1 or probing() or spent / _PROBE_CALLS < _MIN_CALL_SECONDS:
            for e in it:
                yield work(e)
            return
        from concurrent.futures import ThreadPoolExecutor
        pool = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="ndflow-map")
        pending = collections.deque()
        try:
            for e in it:
                pending.append(pool.submit(work, e))
                if len(pending) >= 2 * self._workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for f in pending:
                f.cancel()
            pool.shutdown(wait=False)
