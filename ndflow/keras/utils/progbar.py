"""``keras.utils.Progbar``: the progress bar of ``fit`` / ``evaluate`` / ``predict``.

Formats, as the TensorFlow 2 documents show them::

    verbose=1   1875/1875 [==============================] - 5s 3ms/step - loss: 0.2945 - accuracy: 0.9138
    verbose=2   313/313 - 1s - loss: 0.0695 - accuracy: 0.9790 - 504ms/epoch - 2ms/step

With ``verbose=1`` the bar is redrawn in place (carriage return) only when the output is
a terminal or a notebook, and then at most once per ``interval`` seconds; anywhere else
(a log file, a pipe) only the final line is written, with no control characters.
"""
import math
import os
import sys
import time

import numpy as np


def _dynamic_display():
    out = sys.stdout
    try:
        if out.isatty():
            return True
    except (AttributeError, ValueError):
        pass
    return "ipykernel" in sys.modules or "PYCHARM_HOSTED" in os.environ


def _format_time(seconds, unit):
    if seconds >= 1 or seconds == 0:
        return " %.0fs/%s" % (seconds, unit)
    if seconds >= 1e-3:
        return " %.0fms/%s" % (seconds * 1e3, unit)
    return " %.0fus/%s" % (seconds * 1e6, unit)


def _format_value(v):
    if abs(v) > 1e-3:
        return " %.4f" % v
    return " %.4e" % v


def _to_float(v):
    if hasattr(v, "_value"):
        v = v._value
    if isinstance(v, np.ndarray):
        if v.size != 1:
            return None
        return float(v.reshape(()))
    if isinstance(v, (int, float, np.generic)):
        return float(v)
    return None


class Progbar:
    """A progress bar.

    Args:
        target: total number of steps (None when unknown).
        width: width of the bar in characters.
        verbose: 0 silent, 1 bar, 2 one line when finished.
        interval: minimum seconds between two redraws of the bar.
        stateful_metrics: names whose values are shown as given (not averaged over steps).
        unit_name: 'step' or 'sample'.
        dynamic: force (True/False) or auto-detect (None) in-place redrawing.
    """

    def __init__(self, target, width=30, verbose=1, interval=0.05, stateful_metrics=None,
                 unit_name="step", dynamic=None):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = set(stateful_metrics) if stateful_metrics else set()
        self._dynamic_display = _dynamic_display() if dynamic is None else bool(dynamic)
        self._total_width = 0
        self._seen_so_far = 0
        self._values = {}
        self._values_order = []
        self._start = time.time()
        self._last_update = 0.0
        self._time_after_first_step = None
        self._finalized = False

    def update(self, current, values=None, finalize=None):
        """Move the bar to step ``current``; ``values`` is a list of (name, number)."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for k, v in values or []:
            if k not in self._values_order:
                self._values_order.append(k)
            if k not in self.stateful_metrics:
                base = max(current - self._seen_so_far, 1)
                if k not in self._values:
                    self._values[k] = [v * base, base]
                else:
                    self._values[k][0] += v * base
                    self._values[k][1] += base
            else:
                self._values[k] = [v, 1]
        self._seen_so_far = current
        now = time.time()
        if self._time_after_first_step is None and current == 1:
            self._time_after_first_step = now
        if self.verbose == 1:
            if finalize:
                if self._finalized:
                    return
                self._finalized = True
            elif not self._dynamic_display or now - self._last_update < self.interval:
                return
            self._write(self._line(current, now, finalize), finalize)
            self._last_update = now
        elif self.verbose == 2 and finalize and not self._finalized:
            self._finalized = True
            self._write(self._line2(current, now), True)

    def add(self, n, values=None):
        self.update(self._seen_so_far + n, values)

    # ---- formatting ----
    def _step_time(self, current, now):
        if not current:
            return 0.0
        if self._time_after_first_step is not None and current > 1:
            return (now - self._time_after_first_step) / (current - 1)
        return (now - self._start) / current

    def _values_str(self):
        info = ""
        for k in self._values_order:
            total, count = self._values[k]
            v = _to_float(total)
            if v is None:
                continue
            info += " - %s:%s" % (k, _format_value(v / max(1, count)))
        return info

    def _bar(self, current):
        if self.target is None:
            return "%7d/Unknown" % current
        digits = int(math.log10(self.target)) + 1 if self.target > 0 else 1
        bar = ("%" + str(digits) + "d/%d [") % (current, self.target)
        prog = float(current) / self.target if self.target else 1.0
        prog_width = int(self.width * prog)
        if prog_width > 0:
            bar += "=" * (prog_width - 1)
            bar += ">" if current < self.target else "="
        bar += "." * (self.width - prog_width)
        return bar + "]"

    def _line(self, current, now, finalize):
        line = self._bar(current)
        per = self._step_time(current, now)
        if self.target is None or finalize:
            line += " - %.0fs" % (now - self._start) + _format_time(per, self.unit_name)
        else:
            eta = per * (self.target - current)
            if eta > 3600:
                fmt = "%d:%02d:%02d" % (eta // 3600, (eta % 3600) // 60, eta % 60)
            elif eta > 60:
                fmt = "%d:%02d" % (eta // 60, eta % 60)
            else:
                fmt = "%ds" % eta
            line += " - ETA: " + fmt
        return line + self._values_str()

    def _line2(self, current, now):
        if self.target is not None and self.target > 0:
            digits = int(math.log10(self.target)) + 1
            count = ("%" + str(digits) + "d/%d") % (current, self.target)
        else:
            count = "%d/Unknown" % current
        elapsed = now - self._start
        line = "%s - %.0fs" % (count, elapsed) + self._values_str()
        steps = self.target if self.target else max(current, 1)
        line += " -" + _format_time(elapsed, "epoch")
        line += " -" + _format_time(elapsed / steps, self.unit_name)
        return line

    def _write(self, line, finalize):
        from ndflow.keras.utils.utils_extra import _logging
        if not _logging["interactive"]:    # keras.utils.disable_interactive_logging()
            return
        out = sys.stdout
        if self._dynamic_display and self.verbose == 1:
            pad = max(0, self._total_width - len(line))
            out.write("\r" + line + " " * pad)
            self._total_width = len(line)
            if finalize:
                out.write("\n")
        else:
            out.write(line + "\n")
        out.flush()
