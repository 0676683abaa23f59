# ndflow: `make demo` trains the quickstart model, `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
ACCEPTANCE ?= ../shared/acceptance/run.py

.PHONY: demo test unit acceptance bench reference install system-deps clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed

# Debian packages the tests and the demo use: Fashion-MNIST files and Graphviz's `dot`.
system-deps:
	@need=""; \
	[ -d /usr/share/datasets/fashion-mnist ] || need="$$need dataset-fashion-mnist"; \
	command -v dot >/dev/null 2>&1 || need="$$need graphviz"; \
	if [ -n "$$need" ]; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages:$$need"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$need) >/dev/null \
	      || echo "warning: could not install$$need"; \
	  else echo "warning: missing Debian packages:$$need (apt-get not usable)"; fi; \
	fi

demo: install system-deps
	$(PY) examples/quickstart.py

unit: install system-deps
	$(PY) -m pytest tests

acceptance: install system-deps
	$(PY) tools/run_acceptance.py --acceptance $(ACCEPTANCE) --list tests/acceptance_passing.txt

test: unit acceptance

# benchmarks run in their own environment, beside TensorFlow and PyTorch
BENCH_VENV ?= .venv-bench
BENCH_PEERS ?= tensorflow-cpu torch
$(BENCH_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install -q --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install -q -e '.[bench]'
	$(BENCH_VENV)/bin/python -m pip install -q $(BENCH_PEERS) || echo "warning: peers not installed; benchmarks run ndflow alone"
	touch $@

bench: $(BENCH_VENV)/.installed system-deps
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(BENCH_VENV)/bin/python $$b || exit 1; done

# optional: compare ndflow with the real TensorFlow/Keras (installed in the bench env)
reference: $(BENCH_VENV)/.installed
	$(BENCH_VENV)/bin/python -m pip install -q pytest
	$(BENCH_VENV)/bin/python -m pytest tests_reference

clean:
	rm -rf $(VENV) $(BENCH_VENV) build *.egg-info .pytest_cache
