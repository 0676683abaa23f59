"""Devices: ``tf.device(...)`` scopes.  Everything runs on the CPU through NumPy for now;
the scope validates the device string and remembers it, so code written for TensorFlow
runs unchanged."""
_SPEC = (r"^(/job:[\w-]+)?(/replica:\d+)?(/task:\d+)?"
         r"(/?(device:)?(?P<type>[A-Za-z_]+):(?P<index>\d+|\*))?$")
_stack = []


def canonical(name):
    """'/job:localhost/replica:0/task:0/device:CPU:0' style name for a device string."""
    if name is None or name == "":
        return None
    import re  # on first use: `re` costs a few ms of `import ndflow`
    m = re.match(_SPEC, str(name))
    if m is None or (m.group("type") is None and "/" not in str(name)):
        raise ValueError(
            "tf.device: cannot parse device specification %r. Use a string such as "
            "'/CPU:0', 'cpu:0' or '/device:GPU:0'." % (name,))
    dtype = (m.group("type") or "CPU").upper()
    index = m.group("index") or "0"
    return "/job:localhost/replica:0/task:0/device:%s:%s" % (dtype, index)


class device:
    """Context manager naming the device ops should run on (``with tf.device('/CPU:0')``)."""

    def __init__(self, device_name):
        if callable(device_name):
            raise ValueError("tf.device does not accept a function in eager mode; pass a "
                             "device string such as '/CPU:0'.")
        self.name = canonical(device_name)

    def __enter__(self):
        _stack.append(self.name)
        return self

    def __exit__(self, *exc):
        _stack.pop()
        return False


def current():
    """The innermost device scope's canonical name (None when outside every scope)."""
    for name in reversed(_stack):
        if name is not None:
            return name
    return None
