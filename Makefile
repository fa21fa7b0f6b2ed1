# The course's commands. `make lab` and `make test` are the two a learner needs.
# Each creates .venv on first use and skips what is already installed.

PYTHON   ?= python3
VENV     ?= .venv
BIN      := $(VENV)/bin
PY       := $(BIN)/python
# torch is installed on its own, first, so that pip never resolves it to the CUDA build:
# on Linux it comes from PyTorch's CPU-only index (a ~200 MB wheel instead of several GB).
TORCH_SPEC ?= torch==2.13.0
ifeq ($(shell uname -s),Linux)
TORCH_INDEX ?= --extra-index-url https://download.pytorch.org/whl/cpu
endif
PYTEST   := $(PY) -m pytest
NBVAL    := --nbval-lax --nbval-current-env
LAB_PORT ?= 8888
# JupyterLab refuses to run as root (as in some containers) unless told it may.
LAB_FLAGS := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: lab test setup dev-setup notebooks check-notebooks test-unit test-second-cpu \
        test-notebooks test-browser test-colab bench lint clean

## make lab: set up (once) and open the course in JupyterLab
lab: $(VENV)/.course-installed
	$(BIN)/jupyter lab --port $(LAB_PORT) $(LAB_FLAGS) \
		--LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb

## make test: set up (once) and run the whole test suite
test: lint test-unit test-second-cpu test-notebooks test-browser test-colab

setup: $(VENV)/.course-installed
dev-setup: $(VENV)/.dev-installed

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.torch-installed: | $(PY)
	$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install $(TORCH_INDEX) "$(TORCH_SPEC)"
	touch $@

$(VENV)/.course-installed: requirements.txt pyproject.toml $(VENV)/.torch-installed
	$(PY) -m pip install --quiet -r requirements.txt -e .
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.course-installed
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

## make notebooks: regenerate notebooks/ (and the README's generated parts) from lessons/
notebooks: dev-setup
	$(PY) tools/build_notebooks.py

check-notebooks: dev-setup
	$(PY) tools/build_notebooks.py --check

test-unit: dev-setup
	$(PYTEST) -q -n 2 --dist loadfile -m "not timing" tests/unit tests/test_pipeline.py
	$(PYTEST) -q -m timing tests/unit

## A second CPU, simulated: torch's portable kernels (ATEN_CPU_CAPABILITY=default) round
## differently from the native ones, so every training run takes another path. The claims the
## lessons make about training runs (tests marked `training`) must hold there too.
test-second-cpu: dev-setup
	ATEN_CPU_CAPABILITY=default $(PY) -c "from course_utils.env import machine; print(machine())"
	ATEN_CPU_CAPABILITY=default $(PYTEST) -q -n 2 --dist loadfile -m "training and not timing" \
		tests/unit

## Solution notebooks must pass every checker (COURSE_REQUIRE_CORRECT makes a failed check raise);
## exercise notebooks must run top to bottom with their stubs in place.
test-notebooks: dev-setup
	COURSE_REQUIRE_CORRECT=1 $(PYTEST) -q -n 2 --dist loadscope $(NBVAL) notebooks/solutions
	$(PYTEST) -q -n 2 --dist loadscope $(NBVAL) notebooks/*.ipynb

test-browser: dev-setup
	$(PYTEST) -q tests/browser

## A second environment with Colab's versions (ipywidgets 7.7.1, IPython 7.34, ipykernel 6.17).
test-colab: dev-setup
	$(PY) tools/colab_env.py test

## make bench: time every notebook and slider; writes benchmarks/results.md
bench: dev-setup
	$(PY) tools/bench.py

lint: dev-setup
	$(BIN)/ruff check course_utils tests tools lessons
	$(BIN)/ruff format --check course_utils tests tools lessons

clean:
	rm -rf $(VENV) .venv-colab build .pytest_cache
