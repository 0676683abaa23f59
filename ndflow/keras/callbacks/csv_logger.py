"""``CSVLogger``: write the logs of each epoch as a row of a CSV file."""
import collections
import csv
import os

import numpy as np

from ndflow.keras.callbacks.base import Callback


def _cell(value):
    value = getattr(value, "_value", value)
    if isinstance(value, str):
        return value
    arr = np.asarray(value)
    if arr.ndim == 0:
        return arr.item()
    return "[%s]" % ", ".join(str(v) for v in arr.ravel().tolist())


class CSVLogger(Callback):
    """``CSVLogger('training.log', separator=',', append=False)``: one row per epoch,
    columns ``epoch`` then the sorted log keys. With ``append=True`` an existing file is
    continued (its header is not written again)."""

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename = os.fspath(filename)
        self.sep = separator
        self.append = append
        self.keys = None
        self.writer = None
        self.csv_file = None
        self.append_header = True

    def on_train_begin(self, logs=None):
        mode = "w"
        self.append_header = True
        if self.append:
            if os.path.exists(self.filename) and os.path.getsize(self.filename) > 0:
                with open(self.filename, "r", newline="") as f:
                    self.append_header = not bool(f.readline().strip())
            mode = "a"
        self.csv_file = open(self.filename, mode, newline="")
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs.keys())
        if getattr(self.model, "stop_training", False):
            logs = {k: logs.get(k, "NA") for k in self.keys}
        if self.writer is None:
            fields = ["epoch"] + self.keys
            self.writer = csv.DictWriter(self.csv_file, fieldnames=fields,
                                         delimiter=self.sep, lineterminator="\n")
            if self.append_header:
                self.writer.writeheader()
        row = collections.OrderedDict({"epoch": epoch})
        row.update((k, _cell(logs.get(k, "NA"))) for k in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None:
            self.csv_file.close()
        self.csv_file = None
        self.writer = None
