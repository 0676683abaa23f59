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


class optimizer:
    """``tf.config.optimizer``: graph optimizer options.  ndflow has one such optimization,
    ``remapping`` (TensorFlow's name for running known op patterns as one fused op): a
    Keras model runs a convolution and the max pooling that alone reads its output as one
    op (``ndflow.ops.conv_pool_ops``).  ``set_experimental_options({'remapping': False})``
    turns it off; the other TensorFlow options are kept and reported, with no effect."""

    _known = ("layout_optimizer", "constant_folding", "shape_optimization", "remapping",
              "arithmetic_optimization", "dependency_optimization", "loop_optimization",
              "function_optimization", "debug_stripper", "disable_model_pruning",
              "scoped_allocator_optimization", "pin_to_host_optimization",
              "implementation_selector", "auto_mixed_precision", "disable_meta_optimizer",
              "auto_parallel", "min_graph_nodes")
    _options = {"disable_model_pruning": False, "disable_meta_optimizer": False}

    @staticmethod
    def set_experimental_options(options):
        if not isinstance(options, dict):
            raise TypeError("tf.config.optimizer.set_experimental_options expects a dict "
                            "such as {'remapping': False}, got %r." % (options,))
        unknown = sorted(k for k in options if k not in optimizer._known)
        if unknown:
            raise ValueError("tf.config.optimizer.set_experimental_options: unknown option(s) "
                             "%s; the options are %s." % (unknown, ", ".join(optimizer._known)))
        optimizer._options.update(options)

    @staticmethod
    def get_experimental_options():
        return dict(optimizer._options)


def remapping_enabled():
    """Whether fused ops may replace op patterns (``tf.config.optimizer``'s 'remapping'
    and 'disable_meta_optimizer' options)."""
    opts = optimizer._options
    return opts.get("remapping", True) is not False and not opts["disable_meta_optimizer"]
