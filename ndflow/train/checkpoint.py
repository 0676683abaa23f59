"""``tf.train.Checkpoint``: save and restore the state of a program's objects.

    ckpt = tf.train.Checkpoint(step=tf.Variable(0), model=model, optimizer=optimizer)
    path = ckpt.save("ckpts/ckpt")           # 'ckpts/ckpt-1'; also updates ckpts/checkpoint
    ...
    status = ckpt.restore(tf.train.latest_checkpoint("ckpts"))
    status.assert_existing_objects_matched()

A checkpoint records an object graph (see ``_graph``): restoring follows the saved edges
through the live objects by name. A value whose variable does not exist yet is kept and
put into the variable when it is created (deferred restoration): the weights of a Keras
layer that is built later, the slots of a Keras optimizer before its first step. Objects
that are themselves created later (a sub-layer made in ``build``) are not waited for.

Files: see ``_io`` (JSON index plus a ``.npz`` of plain arrays; nothing is unpickled).
"""
import os

import numpy as np

from ndflow.backend import to_numpy
from ndflow.core.variable import Variable
from ndflow.train import _graph, _io


class CheckpointOptions:
    """``tf.train.CheckpointOptions``: accepted for compatibility; ndflow writes and reads
    checkpoints on the local file system, synchronously, whatever the options say."""

    def __init__(self, experimental_io_device=None, experimental_enable_async_checkpoint=False,
                 experimental_write_callbacks=None, enable_async=False,
                 experimental_sharding_callback=None, experimental_skip_slot_variables=False):
        self.experimental_io_device = experimental_io_device
        self.experimental_enable_async_checkpoint = experimental_enable_async_checkpoint
        self.experimental_write_callbacks = experimental_write_callbacks
        self.enable_async = enable_async
        self.experimental_sharding_callback = experimental_sharding_callback
        self.experimental_skip_slot_variables = experimental_skip_slot_variables


_RESERVED = frozenset({"save", "write", "read", "restore", "save_counter", "sync", "root"})


class Checkpoint:
    """``tf.train.Checkpoint(root=None, **kwargs)``: groups the objects to save.

    Each keyword names a trackable object: a ``tf.Variable``, a ``tf.Module``, a Keras
    layer, model or optimizer, another ``Checkpoint``, or a list or dict of these. Numbers
    are not trackable (keep them in a ``tf.Variable``). The objects are also attributes
    (``ckpt.step``), and attributes set later are tracked too.
    """

    def __init__(self, root=None, **kwargs):
        object.__setattr__(self, "_tracked", {})
        object.__setattr__(self, "_root", None)
        if root is not None:
            if _graph.kind(root) is None:
                _graph.expand("root", root, [], strict=True, where="tf.train.Checkpoint")
                raise ValueError("tf.train.Checkpoint: `root` must be a single trackable "
                                 "object (a tf.Module, Keras model ...), got %s."
                                 % type(root).__name__)
            object.__setattr__(self, "_root", root)
        object.__setattr__(self, "_save_counter",
                           Variable(np.asarray(0, dtype=np.int64), trainable=False,
                                    name="save_counter"))
        for name, value in kwargs.items():
            setattr(self, name, value)

    def __setattr__(self, name, value):
        if name.startswith("_"):
            object.__setattr__(self, name, value)
            return
        if name in _RESERVED:
            raise ValueError("tf.train.Checkpoint: %r is the name of a Checkpoint method or "
                             "attribute and cannot name a tracked object; choose another "
                             "keyword." % name)
        _graph.expand(name, value, [], strict=True, where="tf.train.Checkpoint")
        self._tracked[name] = value
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        self._tracked.pop(name, None)
        object.__delattr__(self, name)

    def _checkpoint_children(self):
        out = []
        if self._root is not None:
            out.extend(_graph.children(self._root))
        for name, value in self._tracked.items():
            _graph.expand(name, value, out)
        out.append(("save_counter", self._save_counter))
        return _graph._unique(out)

    @property
    def save_counter(self):
        """How many times ``save`` was called (restored along with the rest)."""
        return self._save_counter

    # ---- writing ----
    def write(self, file_prefix, options=None):
        """Write a checkpoint to exactly ``file_prefix`` (no numbering, no ``checkpoint``
        state file); returns ``file_prefix``."""
        prefix = os.fspath(file_prefix)
        index, arrays = _serialize(self)
        _io.write_checkpoint(prefix, index, arrays)
        return prefix

    def save(self, file_prefix, options=None):
        """Save to ``<file_prefix>-<n>`` where n counts the saves (``save_counter``), and
        record it in the directory's ``checkpoint`` file for ``tf.train.latest_checkpoint``.
        Returns the path."""
        from ndflow.train import checkpoint_management as cm
        prefix = os.fspath(file_prefix)
        counter = self._save_counter
        old = counter._value
        counter.assign(old + 1)
        path = "%s-%d" % (prefix, int(counter._value))
        try:
            self.write(path, options=options)
        except BaseException:
            counter.assign(old)
            raise
        cm.update_checkpoint_state(os.path.dirname(path) or ".", path, [path])
        return path

    # ---- reading ----
    def read(self, save_path, options=None):
        """Restore from a checkpoint written by ``write`` or ``save``; returns a status
        object (see ``restore``)."""
        return self.restore(save_path, options=options)

    def restore(self, save_path, options=None):
        """Restore the tracked objects from ``save_path``.

        Values go into existing variables now; values of variables that do not exist yet
        are put in when they are created. Returns a status with ``assert_consumed()``,
        ``assert_existing_objects_matched()``, ``assert_nontrivial_match()`` and
        ``expect_partial()``. ``save_path=None`` (no checkpoint yet, e.g.
        ``manager.latest_checkpoint`` of an empty directory) restores nothing.
        """
        if save_path is None:
            return InitializationOnlyStatus()
        reader = CheckpointReader(save_path, where="tf.train.Checkpoint.restore")
        reader.arrays()     # read (and check) every value before changing any variable
        restoration = _Restoration(reader, self)
        restoration.run()
        return CheckpointLoadStatus(restoration)

    def __repr__(self):
        return "<tf.train.Checkpoint tracking %s>" % (sorted(self._tracked) or "nothing")


# ---------------------------------------------------------------- saving
def _serialize(root):
    """(index dict, {array name: array}) describing everything reachable from ``root``."""
    order = _graph.walk(root)
    node_of = {id(obj): i for i, (_, obj) in enumerate(order)}
    nodes = []
    arrays = {}
    for i, (path, obj) in enumerate(order):
        node = {"children": [[name, node_of[id(child)]]
                             for name, child in _graph.children(obj)]}
        k = _graph.kind(obj)
        node["kind"] = k
        if k == "variable":
            arr = to_numpy(obj._value)
            key = "/".join(path) + "/.ATTRIBUTES/VARIABLE_VALUE"
            _io.check_array(key, arr, "tf.train.Checkpoint.save")
            member = "t%d" % len(arrays)
            arrays[member] = arr
            node["variable"] = {"key": key, "array": member, "shape": list(arr.shape),
                                "dtype": arr.dtype.str, "name": str(getattr(obj, "_name", ""))}
        nodes.append(node)
    return {"format": _io.FORMAT, "version": _io.VERSION, "nodes": nodes}, arrays


# ---------------------------------------------------------------- reading
class CheckpointReader:
    """``tf.train.load_checkpoint(path)``: read the values in a checkpoint by key."""

    def __init__(self, save_path, where="tf.train.load_checkpoint"):
        self._prefix = os.fspath(save_path)
        self._where = where
        self._index = _io.read_index(self._prefix, where)
        self.nodes = self._index["nodes"]
        self._by_key = {}
        for node in self.nodes:
            var = node.get("variable")
            if var is not None:
                self._by_key[var["key"]] = var
        self._arrays = None

    @property
    def prefix(self):
        return self._prefix

    def arrays(self):
        if self._arrays is None:
            self._arrays = _io.read_arrays(self._prefix, self._index, self._where)
        return self._arrays

    def _entry(self, name):
        var = self._by_key.get(name)
        if var is None:
            var = self._by_key.get(name.rstrip("/") + "/.ATTRIBUTES/VARIABLE_VALUE")
        if var is None:
            from ndflow.core import errors
            raise errors.NotFoundError(
                "Key %r not found in checkpoint %r. Its keys are listed by "
                "tf.train.list_variables(%r)." % (name, self._prefix, self._prefix))
        return var

    def has_tensor(self, name):
        try:
            self._entry(name)
        except Exception:
            return False
        return True

    def get_tensor(self, name):
        var = self._entry(name)
        return np.array(self.arrays()[var["array"]], copy=True)

    def get_variable_to_shape_map(self):
        return {k: list(v["shape"]) for k, v in self._by_key.items()}

    def get_variable_to_dtype_map(self):
        from ndflow.backend import dtypes
        return {k: dtypes.from_numpy(np.dtype(v["dtype"])) for k, v in self._by_key.items()}

    def value_of(self, node_id):
        var = self.nodes[node_id]["variable"]
        return self.arrays()[var["array"]]

    def node_paths(self):
        """First (breadth-first) path of every node reachable from the root."""
        paths = {0: ()}
        queue = [0]
        while queue:
            nxt = []
            for i in queue:
                for name, child in self.nodes[i].get("children", []):
                    if child not in paths:
                        paths[child] = paths[i] + (name,)
                        nxt.append(child)
            queue = nxt
        return paths


# ---------------------------------------------------------------- restoring
class _Restoration:
    """Matches the nodes of a saved graph with live objects; keeps what cannot be matched
    yet and finishes it when the Keras layers and optimizers create their variables."""

    def __init__(self, reader, root):
        self.reader = reader
        self.root = root
        self.bound = {}        # node id -> live object
        self.bound_ids = {}    # id(live object) -> node id
        self.keep = []         # strong references to bound objects (ids stay valid)
        self.pending = []      # [parent object, edge name, node id]
        self.watched = {}      # id(object) -> object with a creation hook

    def run(self):
        self._bind(0, self.root)

    def _bind(self, node_id, obj):
        queue = [(node_id, obj)]
        while queue:
            node_id, obj = queue.pop(0)
            known = self.bound.get(node_id)
            if known is obj:
                continue
            node = self.reader.nodes[node_id]
            var = node.get("variable")
            if var is not None:
                self._assign(node_id, var, obj)
            elif isinstance(obj, Variable):
                raise ValueError(
                    "tf.train.Checkpoint.restore: at %s the checkpoint holds a %s but the "
                    "program has a variable (%r). The object structure changed since the "
                    "checkpoint was written." % (self._where(node_id), node.get("kind", "object"),
                                                 getattr(obj, "name", obj)))
            self.bound[node_id] = obj
            self.bound_ids[id(obj)] = node_id
            self.keep.append(obj)
            edges = node.get("children", [])
            if not edges:
                continue
            live = dict(_graph.children(obj))
            for name, child_id in edges:
                child = live.get(name)
                if child is not None:
                    queue.append((child_id, child))
                else:
                    self.pending.append([obj, name, child_id])
                    self._watch(obj)

    def _where(self, node_id):
        if not hasattr(self, "_paths"):
            self._paths = self.reader.node_paths()
        return _graph.describe(self._paths.get(node_id, ("?",)))

    def _assign(self, node_id, var, obj):
        if not isinstance(obj, Variable):
            raise ValueError(
                "tf.train.Checkpoint.restore: the checkpoint holds a variable at %s but the "
                "program has a %s there. The object structure changed since the checkpoint "
                "was written." % (self._where(node_id), type(obj).__name__))
        value = self.reader.value_of(node_id)
        cur = obj._value
        if tuple(value.shape) != tuple(cur.shape):
            raise ValueError(
                "tf.train.Checkpoint.restore: the value saved for %s (%s) has shape %s but "
                "the variable %r has shape %s. Build the model with the same layer sizes as "
                "when it was saved." % (self._where(node_id), var["key"], tuple(value.shape),
                                        getattr(obj, "name", "?"), tuple(cur.shape)))
        if value.dtype != np.dtype(cur.dtype):
            same_family = value.dtype.kind == np.dtype(cur.dtype).kind == "f"
            if not same_family:
                raise TypeError(
                    "tf.train.Checkpoint.restore: the value saved for %s has dtype %s but "
                    "the variable %r has dtype %s." % (self._where(node_id), value.dtype,
                                                       getattr(obj, "name", "?"), cur.dtype))
            value = value.astype(cur.dtype)
        obj.assign(value)

    # ---- deferred restoration ----
    def _watch(self, obj):
        if id(obj) in self.watched:
            return
        k = _graph.kind(obj)
        if k == "layer":
            _ListHook.install(obj, self)
        elif k == "optimizer":
            _TrackHook.install(obj, self)
        else:
            return      # nothing announces new children of this object; stays pending
        self.watched[id(obj)] = obj

    def _created(self, obj):
        """``obj`` (a watched layer or optimizer) created a variable."""
        mine = [p for p in self.pending if p[0] is obj]
        if not mine:
            return
        live = dict(_graph.children(obj))
        for entry in mine:
            child = live.get(entry[1])
            if child is not None:
                self.pending.remove(entry)
                self._bind(entry[2], child)
        if not any(p[0] is obj for p in self.pending):
            self._unwatch(obj)

    def _unwatch(self, obj):
        if self.watched.pop(id(obj), None) is None:
            return
        k = _graph.kind(obj)
        if k == "layer":
            _ListHook.remove(obj, self)
        elif k == "optimizer":
            _TrackHook.remove(obj, self)

    def unmatched_nodes(self):
        paths = self.reader.node_paths()
        return [(paths[i], i) for i in sorted(paths, key=lambda i: (len(paths[i]), paths[i]))
                if i not in self.bound]

    def unmatched_objects(self):
        return [(path, obj) for path, obj in _graph.walk(self.root)
                if id(obj) not in self.bound_ids]


class _ListHook(list):
    """Replaces a Keras layer's ``_tracked_variables`` list while values wait for the
    layer's weights: ``add_weight`` appends, and the waiting values go in right away."""

    def __init__(self, items, owner):
        super().__init__(items)
        self._owner = owner
        self._listeners = []

    def append(self, item):
        super().append(item)
        for r in list(self._listeners):
            r._created(self._owner)

    def __reduce_ex__(self, protocol):
        return (list, (list(self),))

    def __deepcopy__(self, memo):
        import copy
        return [copy.deepcopy(v, memo) for v in self]

    def __copy__(self):
        return list(self)

    @staticmethod
    def install(layer, restoration):
        current = layer.__dict__.get("_tracked_variables", [])
        if not isinstance(current, _ListHook):
            current = _ListHook(current, layer)
            layer.__dict__["_tracked_variables"] = current
        if restoration not in current._listeners:
            current._listeners.append(restoration)

    @staticmethod
    def remove(layer, restoration):
        current = layer.__dict__.get("_tracked_variables")
        if not isinstance(current, _ListHook):
            return
        if restoration in current._listeners:
            current._listeners.remove(restoration)
        if not current._listeners:
            layer.__dict__["_tracked_variables"] = list(current)


class _TrackHook:
    """Shadows a Keras optimizer's ``_track_variable`` (which creates the slot variables of
    one model variable) while slot values wait: after the slots exist, they are filled."""

    def __init__(self, opt):
        self._opt = opt
        self._listeners = []

    def __call__(self, variable):
        result = type(self._opt)._track_variable(self._opt, variable)
        for r in list(self._listeners):
            r._created(self._opt)
        return result

    def __deepcopy__(self, memo):
        return _TrackHook(memo.get(id(self._opt), self._opt))

    @staticmethod
    def install(opt, restoration):
        hook = opt.__dict__.get("_track_variable")
        if not isinstance(hook, _TrackHook):
            hook = _TrackHook(opt)
            opt.__dict__["_track_variable"] = hook
        if restoration not in hook._listeners:
            hook._listeners.append(restoration)

    @staticmethod
    def remove(opt, restoration):
        hook = opt.__dict__.get("_track_variable")
        if not isinstance(hook, _TrackHook):
            return
        if restoration in hook._listeners:
            hook._listeners.remove(restoration)
        if not hook._listeners:
            del opt.__dict__["_track_variable"]


def _show(items, limit=10):
    shown = items[:limit]
    more = "" if len(items) <= limit else " ... and %d more" % (len(items) - limit)
    return ", ".join(shown) + more


class CheckpointLoadStatus:
    """What ``Checkpoint.restore`` matched. The assertions raise ``AssertionError`` and
    return the status when they pass, so they can be chained."""

    def __init__(self, restoration):
        self._r = restoration

    def assert_consumed(self):
        """Every value in the checkpoint went into a variable, and every tracked object
        of the program has a value in the checkpoint."""
        missing = self._r.unmatched_nodes()
        if missing:
            names = [_graph.describe(p) for p, _ in missing]
            raise AssertionError(
                "Unresolved objects in checkpoint %r: %d value(s) or object(s) were not "
                "matched with the program's objects: %s. Values of variables not created yet "
                "are restored when they are created (build the model, run one optimizer "
                "step); use assert_existing_objects_matched() to check only what exists now, "
                "or expect_partial() when restoring a part on purpose."
                % (self._r.reader.prefix, len(names), _show(names)))
        return self.assert_existing_objects_matched()

    def assert_existing_objects_matched(self):
        """Every tracked object that exists now was matched with the checkpoint (values of
        objects that do not exist yet may still be waiting)."""
        unmatched = self._r.unmatched_objects()
        if unmatched:
            names = ["%s (%s)" % (_graph.describe(p), _label(o)) for p, o in unmatched]
            raise AssertionError(
                "Found %d Python object(s) that were not bound to checkpointed values, "
                "likely because the program changed since checkpoint %r was written: %s."
                % (len(names), self._r.reader.prefix, _show(names)))
        return self

    def assert_nontrivial_match(self):
        """Something besides the root object (and its ``save_counter``) was matched."""
        root = self._r.root
        trivial = (root, getattr(root, "_save_counter", None))
        if not any(all(o is not t for t in trivial) for o in self._r.bound.values()):
            raise AssertionError(
                "Nothing except the root object was matched with checkpoint %r: the object "
                "names differ from the ones used when it was saved." % self._r.reader.prefix)
        return self

    def expect_partial(self):
        """Declare that part of the checkpoint is not going to be used (ndflow does not
        warn about unused values, so this only returns the status)."""
        return self

    def run_restore_ops(self, session=None):
        """Restoration is immediate in ndflow; nothing to run."""

    def initialize_or_restore(self, session=None):
        """Restoration is immediate in ndflow; nothing to run."""


def _label(obj):
    if isinstance(obj, Variable):
        return "variable %r shape %s" % (str(getattr(obj, "name", "?")), tuple(obj.shape))
    return type(obj).__name__ + (" %r" % obj.name if isinstance(getattr(obj, "name", None),
                                                                 str) else "")


class InitializationOnlyStatus:
    """The status of ``restore(None)``: nothing was restored."""

    def _fail(self):
        raise AssertionError("No checkpoint specified (save_path=None); nothing is being "
                             "restored.")

    def assert_consumed(self):
        self._fail()

    def assert_existing_objects_matched(self):
        self._fail()

    def assert_nontrivial_match(self):
        self._fail()

    def expect_partial(self):
        return self

    def run_restore_ops(self, session=None):
        """Nothing to run."""

    def initialize_or_restore(self, session=None):
        """Variables are created initialized in ndflow; nothing to run."""


# ---------------------------------------------------------------- inspection helpers
def _resolve(ckpt_dir_or_file, where):
    path = os.fspath(ckpt_dir_or_file)
    if os.path.isdir(path):
        from ndflow.train.checkpoint_management import latest_checkpoint
        latest = latest_checkpoint(path)
        if latest is None:
            from ndflow.core import errors
            raise errors.NotFoundError("%s: no checkpoint found in directory %r."
                                       % (where, path))
        return latest
    return path


def load_checkpoint(ckpt_dir_or_file):
    """A reader for a checkpoint (or the latest one in a directory): ``get_tensor(key)``,
    ``get_variable_to_shape_map()``, ``get_variable_to_dtype_map()``, ``has_tensor(key)``."""
    return CheckpointReader(_resolve(ckpt_dir_or_file, "tf.train.load_checkpoint"))


def list_variables(ckpt_dir_or_file):
    """``[(key, shape)]`` of every value in a checkpoint, sorted by key."""
    reader = load_checkpoint(ckpt_dir_or_file)
    return sorted((k, list(s)) for k, s in reader.get_variable_to_shape_map().items())


def load_variable(ckpt_dir_or_file, name):
    """The NumPy value saved under key ``name`` (as listed by ``list_variables``)."""
    return load_checkpoint(ckpt_dir_or_file).get_tensor(name)
