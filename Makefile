# Two commands on a fresh clone: `make demo` and `make test`.
# Both create .venv if it is missing and (re)install only when pyproject.toml changed.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# Quiet TensorFlow's C++ start-up chatter (CUDA probing on a CPU-only machine).
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: demo test test-all install install-dev bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# The flagship lesson, offline: VGG-16 vs VGG-19 on the embedded digits dataset.
demo: $(VENV)/.installed
	$(VENV)/bin/keras-archs compare vgg16 vgg19 --dataset digits --epochs 3 \
		--batch-size 32 --optimizer adam --learning-rate 1e-4 --run-dir runs/demo

# Two pytest workers: most tests are single-threaded graph building, so two workers
# use both cores; `--dist loadgroup` keeps the fuzz file on one worker (it counts its
# cases), and tests marked slow are handed out first (tests/conftest.py). Budget:
# ~12 min on a fresh clone, 2 cores (issue #15). Most of the time is breadth: every
# registry model built, run and saved/reloaded, every keras.applications twin loading
# its file, every model's reference count and feature pyramid. The 24 biggest models
# (tests/_sizes.py: by parameters or by depth) get build + one forward pass + a config
# round trip here, their twins a layout comparison, and no pyramid check; `make
# test-all` runs their full checks, and every model under JAX. Measured 2026-11-28 on
# an idle 2-core machine (fresh clone, `bash .ci/run`, commit 68c67b7): 1,430 tests,
# pytest 11.8 min (706 s); 13.0 min (778 s) with the venv and the install.
PYTEST_WORKERS ?= 2

test: $(VENV)/.installed-dev
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# Also the biggest models' full round trips and keras.applications file loads, and
# every registry model (not one per family) under the JAX backend.
test-all: $(VENV)/.installed-dev
	KERAS_ARCHS_TEST_ALL_MODELS=1 $(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

bench: $(VENV)/.installed-dev
	$(PY) benchmarks/pipeline.py

clean:
	rm -rf $(VENV) runs .pytest_cache
