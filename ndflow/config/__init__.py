"""``tf.config``: devices.  The CPU is always there; GPUs arrive with CuPy."""


class PhysicalDevice:
    def __init__(self, name, device_type):
        self.name = name
        self.device_type = device_type

    def __repr__(self):
        return "PhysicalDevice(name=%r, device_type=%r)" % (self.name, self.device_type)

    def __eq__(self, other):
        return isinstance(other, PhysicalDevice) and (self.name, self.device_type) == (
            other.name, other.device_type)

    def __hash__(self):
        return hash((self.name, self.device_type))


def list_physical_devices(device_type=None):
    devices = [PhysicalDevice("/physical_device:CPU:0", "CPU")]
    if device_type is None:
        return devices
    return [d for d in devices if d.device_type == str(device_type).upper()]


def list_logical_devices(device_type=None):
    return list_physical_devices(device_type)


def get_visible_devices(device_type=None):
    return list_physical_devices(device_type)


def set_visible_devices(devices, device_type=None):
    """Accepted for compatibility; only the CPU exists, so nothing changes."""
    devices = devices if isinstance(devices, (list, tuple)) else [devices]
    for d in devices:
        if not isinstance(d, PhysicalDevice):
            raise ValueError("set_visible_devices expects PhysicalDevice objects from "
                             "tf.config.list_physical_devices(), got %r." % (d,))


_run_eagerly = [False]


def run_functions_eagerly(run_eagerly):
    """Make ``tf.function`` run its Python function directly (for debugging)."""
    _run_eagerly[0] = bool(run_eagerly)


def functions_run_eagerly():
    return _run_eagerly[0]


class experimental:
    """``tf.config.experimental``: memory settings accepted for compatibility."""

    @staticmethod
    def set_memory_growth(device, enable):
        pass

    @staticmethod
    def get_memory_growth(device):
        return False

    @staticmethod
    def enable_op_determinism():
        pass  # ndflow's CPU kernels are already deterministic

    list_physical_devices = staticmethod(list_physical_devices)
    set_visible_devices = staticmethod(set_visible_devices)
    get_visible_devices = staticmethod(get_visible_devices)


class threading:
    """``tf.config.threading``: the intra-op count is how many threads ndflow's own kernels
    (convolution, pooling) share a batch among; 0 means the default (every core).  The
    BLAS keeps one thread (see ndflow/backend/threads.py)."""
    _intra = [0]
    _inter = [0]

    @staticmethod
    def set_intra_op_parallelism_threads(num_threads):
        from ndflow.backend import threads as _threads
        n = int(num_threads)
        if n < 0:
            raise ValueError("set_intra_op_parallelism_threads expects a count >= 0 (0: the "
                             "default, every core), got %d." % n)
        threading._intra[0] = n
        _threads.set_kernel_threads(n)

    @staticmethod
    def get_intra_op_parallelism_threads():
        return threading._intra[0]

    @staticmethod
    def set_inter_op_parallelism_threads(num_threads):
        threading._inter[0] = int(num_threads)

    @staticmethod
    def get_inter_op_parallelism_threads():
        return threading._inter[0]
