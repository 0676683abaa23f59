"""``tf.distribute.cluster_resolver``: who is who in a multi-process job.

ndflow's processes find each other through MPI, so a resolver only answers the questions
programs ask (``task_type``, ``task_id``, ``cluster_spec()``), e.g. to let the chief
(rank 0) write checkpoints.
"""
import json
import os


class ClusterSpec:
    """A mapping job name -> list of task addresses (``tf.train.ClusterSpec``)."""

    def __init__(self, cluster):
        if isinstance(cluster, ClusterSpec):
            cluster = cluster.as_dict()
        self._cluster = {str(job): list(tasks) for job, tasks in dict(cluster or {}).items()}

    def as_dict(self):
        return {job: list(tasks) for job, tasks in self._cluster.items()}

    @property
    def jobs(self):
        return list(self._cluster)

    def num_tasks(self, job_name):
        return len(self._cluster[job_name])

    def task_address(self, job_name, task_index):
        return self._cluster[job_name][task_index]

    def __bool__(self):
        return bool(self._cluster)

    def __eq__(self, other):
        return isinstance(other, ClusterSpec) and self.as_dict() == other.as_dict()

    def __repr__(self):
        return "ClusterSpec(%r)" % (self._cluster,)


class ClusterResolver:
    """Base class: ``task_type``, ``task_id``, ``rpc_layer``, ``cluster_spec()``."""

    task_type = None
    task_id = None
    rpc_layer = None
    environment = ""

    def cluster_spec(self):
        return ClusterSpec({})

    def master(self, task_type=None, task_id=None, rpc_layer=None):
        return ""

    def num_accelerators(self, task_type=None, task_id=None, config_proto=None):
        return {}


class SimpleClusterResolver(ClusterResolver):
    def __init__(self, cluster_spec, master="", task_type=None, task_id=None,
                 environment="", num_accelerators=None, rpc_layer=None):
        self._cluster_spec = ClusterSpec(cluster_spec)
        self._master = master
        self.task_type = task_type
        self.task_id = task_id
        self.environment = environment
        self._num_accelerators = dict(num_accelerators or {})
        self.rpc_layer = rpc_layer

    def cluster_spec(self):
        return self._cluster_spec

    def master(self, task_type=None, task_id=None, rpc_layer=None):
        return self._master

    def num_accelerators(self, task_type=None, task_id=None, config_proto=None):
        return dict(self._num_accelerators)


class TFConfigClusterResolver(ClusterResolver):
    """Reads the ``TF_CONFIG`` environment variable (JSON with ``cluster`` and ``task``)."""

    def __init__(self, task_type=None, task_id=None, rpc_layer=None, environment=None):
        raw = os.environ.get("TF_CONFIG", "")
        try:
            config = json.loads(raw) if raw.strip() else {}
        except ValueError as e:
            raise ValueError("TFConfigClusterResolver: TF_CONFIG is not valid JSON (%s): %r"
                             % (e, raw)) from None
        task = config.get("task", {})
        self._cluster_spec = ClusterSpec(config.get("cluster", {}))
        self.task_type = task_type if task_type is not None else task.get("type")
        self.task_id = task_id if task_id is not None else task.get("index")
        self.rpc_layer = rpc_layer if rpc_layer is not None else config.get("rpc_layer")
        self.environment = environment if environment is not None else \
            config.get("environment", "")

    def cluster_spec(self):
        return self._cluster_spec


class MPIClusterResolver(ClusterResolver):
    """The processes of an MPI job: all ``worker`` tasks, rank 0 being the chief.  Run as
    plain ``python`` (no MPI launcher), task_type and task_id are None as in TensorFlow
    without ``TF_CONFIG``."""

    def __init__(self, comm, launched):
        self._size = comm.size
        if launched:
            self.task_type = "worker"
            self.task_id = comm.rank

    def cluster_spec(self):
        if self.task_type is None:
            return ClusterSpec({})
        return ClusterSpec({"worker": ["mpi-rank:%d" % i for i in range(self._size)]})
