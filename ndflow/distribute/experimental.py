"""``tf.distribute.experimental``."""
from ndflow.distribute.multi_worker import (CollectiveCommunication,  # noqa: F401
                                            CommunicationImplementation,
                                            CommunicationOptions,
                                            MultiWorkerMirroredStrategy)
from ndflow.distribute.values import ValueContext  # noqa: F401
