"""``BackupAndRestore``: resume a training run that was interrupted.

At the end of every epoch (or every ``save_freq`` batches) the callback writes one file,
``<backup_dir>/backup.npz``, atomically: the model's weights, the optimizer's variables
(slots and iteration count), the states of the global random generator and of the
layers' own generators (Dropout ...) and the number of the next epoch. When ``fit`` starts again with the same callback directory, the state is put
back and ``fit`` continues from that epoch (the trainer reads ``model._initial_epoch``
after ``on_train_begin``), so that the resumed run ends like an uninterrupted one.
The backup is deleted when training finishes (``delete_checkpoint=True``).
"""
import io
import json
import os
import shutil

import numpy as np

from ndflow.keras.callbacks.base import Callback
from ndflow.keras.saving import weights as _w
from ndflow.keras.saving.atomic import atomic_path

_FILE = "backup.npz"


def _rng_state():
    from ndflow.backend import random as _r
    return _r.get_state()


def _set_rng_state(state):
    from ndflow.backend import random as _r
    if state and "bit_generator" in state:
        _r.set_state(state)


def _layer_rngs(model):
    """``[(index, layer)]`` of the layers holding a random generator (Dropout & co. keep
    theirs in ``_rng``), in a traversal order that is the same for the same model."""
    out = []
    for i, layer in enumerate(model._flatten_layers()):
        gen = layer.__dict__.get("_rng")
        if gen is not None and hasattr(gen, "bit_generator"):
            out.append((i, layer))
    return out


def _get_layer_rng_states(model):
    return [[i, type(layer).__name__, layer._rng.bit_generator.state]
            for i, layer in _layer_rngs(model)]


def _set_layer_rng_states(model, states):
    layers = model._flatten_layers()
    for i, cls_name, state in states or []:
        if i < len(layers) and type(layers[i]).__name__ == cls_name:
            gen = np.random.default_rng()
            try:
                gen.bit_generator.state = state
            except (TypeError, ValueError, KeyError):
                continue
            object.__setattr__(layers[i], "_rng", gen)


class BackupAndRestore(Callback):
    """``BackupAndRestore(backup_dir, save_freq='epoch', delete_checkpoint=True)``."""

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False,
                 delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("BackupAndRestore: backup_dir must be a directory path, got %r."
                             % (backup_dir,))
        if save_freq != "epoch" and not (isinstance(save_freq, int) and save_freq > 0):
            raise ValueError("BackupAndRestore: save_freq must be 'epoch' or a positive number "
                             "of batches, got %r." % (save_freq,))
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._current_epoch = 0
        self._batches_seen = 0
        self._path = os.path.join(self.backup_dir, _FILE)

    # ---- writing ----
    def _save(self, next_epoch):
        arrays = {}
        groups = _w.get_weight_values(self.model)
        index = []
        for gi, (name, entries) in enumerate(groups):
            index.append([name, [wn for wn, _ in entries]])
            for i, (_, a) in enumerate(entries):
                arrays["w/%d/%d" % (gi, i)] = a
        opt = _w.get_optimizer_values(getattr(self.model, "optimizer", None))
        for i, (_, a) in enumerate(opt):
            arrays["optimizer/%d" % i] = a
        meta = {"epoch": int(next_epoch), "weights": index,
                "optimizer": [n for n, _ in opt], "rng": _rng_state(),
                "layer_rngs": _get_layer_rng_states(self.model)}
        arrays["__metadata__"] = np.array(json.dumps(meta))
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint and os.path.exists(self._path):
            shutil.copyfile(self._path, self._path + ".prev")
        with atomic_path(self._path) as tmp:
            with open(tmp, "wb") as f:
                f.write(buf.getvalue())

    # ---- reading ----
    def _load(self):
        for path in (self._path, self._path + ".prev"):
            if not os.path.exists(path):
                continue
            try:
                with np.load(path, allow_pickle=False) as npz:
                    arrays = {k: npz[k] for k in npz.files}
                meta = json.loads(str(arrays["__metadata__"]))
            except Exception as e:  # noqa: BLE001 - fall back to the previous backup
                last_error = e
                continue
            groups = [(name, [(wn, arrays["w/%d/%d" % (gi, i)]) for i, wn in enumerate(wns)])
                      for gi, (name, wns) in enumerate(meta["weights"])]
            opt = [(n, arrays["optimizer/%d" % i]) for i, n in enumerate(meta["optimizer"])]
            return meta, groups, opt
        if os.path.exists(self._path):
            raise ValueError("BackupAndRestore: the backup %s is corrupt (%s). Delete it to "
                             "start training from scratch." % (self._path, last_error))
        return None

    def on_train_begin(self, logs=None):
        self._batches_seen = 0
        found = self._load()
        if found is None:
            return
        meta, groups, opt = found
        _w.set_weight_values(self.model, groups, source=self._path)
        if opt:
            _w.set_optimizer_values(self.model, opt)
        _set_rng_state(meta.get("rng"))
        _set_layer_rng_states(self.model, meta.get("layer_rngs"))
        self.model._initial_epoch = meta["epoch"]
        self._current_epoch = meta["epoch"]

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_seen += 1
        if self._batches_seen >= self.save_freq:
            self._batches_seen = 0
            # a mid-epoch backup resumes at the start of the current epoch
            self._save(self._current_epoch)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch + 1)

    def on_train_end(self, logs=None):
        if getattr(self.model, "_initial_epoch", None) is not None:
            self.model._initial_epoch = None
        if self.delete_checkpoint:
            for path in (self._path, self._path + ".prev"):
                if os.path.exists(path):
                    os.remove(path)
