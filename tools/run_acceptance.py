"""Run the seed acceptance scripts listed in tests/acceptance_passing.txt (a ratchet:
every script listed there must keep passing).  Prints run.py's output, including its
closing 'N passed, M failed' line; exits non-zero if any listed script fails."""
import argparse
import os
import subprocess
import sys


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--acceptance", default="../shared/acceptance/run.py")
    p.add_argument("--list", default="tests/acceptance_passing.txt")
    args, rest = p.parse_known_args()
    with open(args.list) as f:
        names = [ln.split("#")[0].strip() for ln in f]
    names = [n for n in names if n]
    if not names:
        print("acceptance: no scripts listed in %s yet" % args.list)
        return 0
    if not os.path.exists(args.acceptance):
        print("acceptance: %s not found (the shared/ folder must sit beside the repo)"
              % args.acceptance, file=sys.stderr)
        return 1
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return subprocess.call([sys.executable, args.acceptance] + rest + names, env=env)


if __name__ == "__main__":
    sys.exit(main())
