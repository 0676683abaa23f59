# ndflow: `make demo` trains the quickstart model, `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
ACCEPTANCE ?= ../shared/acceptance/run.py

.PHONY: demo test unit acceptance bench install system-deps clean

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

$(VENV)/.bench: $(VENV)/.installed
	$(PY) -m pip install -q tensorflow-cpu torch || echo "warning: peers not installed; benchmarks run ndflow alone"
	touch $@

bench: $(VENV)/.bench system-deps
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
