"""``tf.version``: version strings.

``VERSION`` is ndflow's own version (``ndflow.__version__``).  The GraphDef numbers are
those of the TensorFlow release whose API ndflow follows (2.21); ndflow writes no
GraphDefs, they are here for code that reads them."""
import sys as _sys

VERSION = _sys.modules["ndflow"].__version__   # ndflow is always imported before this
GIT_VERSION = "v" + VERSION
# ndflow is pure Python: the compiler that matters is the one that built the interpreter
COMPILER_VERSION = _sys.version.rsplit("[", 1)[-1].rstrip("]") if "[" in _sys.version \
    else "unknown"
# the GraphDef version numbers of TensorFlow 2.21 (read from tf.version in TF 2.21.0)
GRAPH_DEF_VERSION = 2474
GRAPH_DEF_VERSION_MIN_CONSUMER = 0
GRAPH_DEF_VERSION_MIN_PRODUCER = 0

__all__ = ["VERSION", "GIT_VERSION", "COMPILER_VERSION", "GRAPH_DEF_VERSION",
           "GRAPH_DEF_VERSION_MIN_CONSUMER", "GRAPH_DEF_VERSION_MIN_PRODUCER"]
