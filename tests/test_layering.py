"""The package's layers may only import the layers above them (DESIGN.md), and
`import ndflow` stays light."""
import ast
import os
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "ndflow")

# folder -> ndflow folders it may import (besides itself)
ALLOWED = {
    "backend": set(),
    "core": {"backend"},
    "ops": {"core", "backend"},
    "nn": {"ops", "core", "backend"},
    "data": {"core", "backend", "io", "lookup", "sparse", "ragged"},
    "keras": {"nn", "ops", "core", "backend", "data", "math", "linalg", "random", "config",
              "strings", "ragged", "audio"},
    "tuner": {"keras", "nn", "ops", "core", "backend", "data"},
    "distribute": {"keras", "nn", "ops", "core", "backend", "data"},
    # thin public namespaces re-export from the implementation folders
    "math": {"ops", "nn", "core", "backend"},
    "linalg": {"ops", "core", "backend"},
    "random": {"ops", "core", "backend"},
    "config": {"backend", "core"},
    "strings": {"ops", "core", "backend", "ragged"},
    "image": {"ops", "nn", "core", "backend", "random", "io"},
    "io": {"ops", "core", "backend", "sparse"},
    "summary": {"ops", "core", "backend"},
    "train": {"keras", "nn", "ops", "core", "backend", "data", "io"},
    "sparse": {"ops", "core", "backend"},
    "ragged": {"ops", "core", "backend", "sparse"},
    "lookup": {"ops", "core", "backend", "io", "ragged"},
    "signal": {"ops", "core", "backend", "math"},
    "audio": {"ops", "core", "backend", "io"},
    "bitwise": {"ops", "core", "backend"},
    "test": {"ops", "core", "backend", "config"},
    "version": set(),
}


def _ndflow_imports(path):
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield node.lineno, a.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
            if node.module == "ndflow":
                for a in node.names:
                    yield node.lineno, "ndflow." + a.name


def test_imports_only_flow_downward():
    bad = []
    for folder in os.listdir(ROOT):
        base = os.path.join(ROOT, folder)
        if not os.path.isdir(base) or folder.startswith("__"):
            continue
        assert folder in ALLOWED, "new package folder %r: add it to ALLOWED and DESIGN.md" % folder
        for dirpath, _, files in os.walk(base):
            for fn in files:
                if not fn.endswith(".py"):
                    continue
                path = os.path.join(dirpath, fn)
                for lineno, mod in _ndflow_imports(path):
                    parts = mod.split(".")
                    if parts[0] != "ndflow" or len(parts) < 2:
                        continue
                    target = parts[1]
                    if target != folder and target not in ALLOWED[folder]:
                        bad.append("%s:%d imports %s" % (os.path.relpath(path, ROOT),
                                                         lineno, mod))
    assert not bad, "upward imports:\n" + "\n".join(bad)


def test_import_ndflow_is_light():
    # numpy.random alone costs ~30 ms: ndflow.backend.random imports it on first use
    code = ("import sys, time; t = time.perf_counter(); import ndflow; "
            "dt = time.perf_counter() - t; "
            "heavy = [m for m in ('h5py', 'scipy', 'cupy', 'mpi4py', 'pydot', 'matplotlib', "
            "'sklearn', 'pandas', 'ndflow.keras', 'ndflow.data', 'ndflow.tuner', "
            "'numpy.random') "
            "if m in sys.modules]; print(repr((dt, heavy)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=os.path.dirname(ROOT)).stdout
    dt, heavy = eval(out)
    assert heavy == [], heavy
    assert dt < 0.5, "import ndflow took %.3f s" % dt
