"""``import ndflow`` time in fresh interpreters (NumPy's own import shown separately).

    python benchmarks/bench_import.py [--runs 10]

Each run starts a new Python process and times ``import numpy`` and then
``import ndflow`` with time.perf_counter (wall) and time.process_time (CPU: less
sensitive to other load on the machine); the best and median of ``--runs`` are printed,
with the ndflow modules loaded and any heavy module (h5py, scipy, ...) that slipped in.
"""
import argparse
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CODE = """
import sys, time
t0 = time.perf_counter(); import numpy; t1 = time.perf_counter()
c1 = time.process_time(); import ndflow; c2 = time.process_time(); t2 = time.perf_counter()
heavy = [m for m in ('h5py', 'scipy', 'cupy', 'mpi4py', 'pydot', 'matplotlib', 'sklearn',
                     'pandas', 'ndflow.keras', 'ndflow.data', 'ndflow.tuner') if m in sys.modules]
mods = sum(1 for m in sys.modules if m == 'ndflow' or m.startswith('ndflow.'))
print(t1 - t0, t2 - t1, c2 - c1, mods, ','.join(heavy))
"""


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=10)
    args = p.parse_args()
    env = dict(os.environ, PYTHONPATH=ROOT)
    np_times, nd_times, nd_cpu = [], [], []
    for _ in range(args.runs):
        out = subprocess.run([sys.executable, "-X", "frozen_modules=on", "-c", CODE], env=env,
                             capture_output=True, text=True, check=True).stdout.split()
        np_times.append(float(out[0]) * 1e3)
        nd_times.append(float(out[1]) * 1e3)
        nd_cpu.append(float(out[2]) * 1e3)
        mods, heavy = out[3], out[4] if len(out) > 4 else ""
    print("import numpy : best %.1f ms, median %.1f ms" % (min(np_times),
                                                         statistics.median(np_times)))
    print("import ndflow: best %.1f ms, median %.1f ms wall; best %.1f ms CPU (after numpy; "
          "%s ndflow modules; heavy modules: %s)" % (
              min(nd_times), statistics.median(nd_times), min(nd_cpu), mods, heavy or "none"))


if __name__ == "__main__":
    main()
