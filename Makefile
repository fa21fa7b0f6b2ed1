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
# repo2docker, which builds the course's image on mybinder.org, in a venv of its own (make
# test-binder). Pinned to the release the Binder test was written against; move it on as
# mybinder.org does.
BINDER_VENV      := .venv-binder
REPO2DOCKER_SPEC ?= jupyter-repo2docker==2026.4.0
# JupyterLab refuses to run as root (as in some containers) unless told it may.
LAB_FLAGS := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: lab lab-zh test setup dev-setup notebooks translations check-notebooks test-unit \
        test-translations test-second-cpu test-notebooks test-solution-notebooks \
        test-exercise-notebooks test-browser test-binder test-colab \
        bench lint clean site test-site

## make lab: set up (once) and open the course in JupyterLab
lab: $(VENV)/.course-installed
	$(BIN)/jupyter lab --port $(LAB_PORT) $(LAB_FLAGS) \
		--LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb

## make lab-zh: the same, opening the Chinese edition (中文版)
lab-zh: $(VENV)/.course-installed
	@test -f notebooks/zh/00_start_here.ipynb || { \
		echo "notebooks/zh/ is not built yet: it appears once locale/zh/ holds translations"; \
		echo "(make translations, translate, then make notebooks)"; exit 1; }
	$(BIN)/jupyter lab --port $(LAB_PORT) $(LAB_FLAGS) \
		--LabApp.default_url=/lab/tree/notebooks/zh/00_start_here.ipynb

# make test runs the exercise notebooks once: in JupyterLab (test-browser) where Chromium is
# installed or required (CI), else under nbval (test-exercise-notebooks).
BROWSER := $(or $(shell command -v chromium),$(filter 1 true yes,$(COURSE_REQUIRE_BROWSER)))

## make test: set up (once) and run the whole test suite
test: lint test-unit test-translations test-second-cpu test-solution-notebooks \
      $(if $(BROWSER),,test-exercise-notebooks) test-site test-browser test-binder test-colab

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

## make translations: bring the translation files (locale/zh/*.po, course_utils/locale/zh.po)
## in step with the English: new English gets an empty entry, changed English its old
## translation marked fuzzy. `python tools/translations.py status` lists what is left to do.
translations: dev-setup
	$(PY) tools/translations.py update

check-notebooks: dev-setup
	$(PY) tools/build_notebooks.py --check

test-unit: dev-setup
	$(PYTEST) -q -n 2 --dist loadfile -m "not timing" tests/unit tests/test_pipeline.py
	$(PYTEST) -q -m timing tests/unit

## Every English paragraph has a current, faithful translation (on a copy with stand-in
## translations until locale/zh/ exists), and the Chinese edition builds beside the English.
test-translations: dev-setup
	$(PYTEST) -q -n 2 --dist loadfile tests/test_translations.py

## A second CPU, simulated: torch's portable kernels (ATEN_CPU_CAPABILITY=default) round
## differently from the native ones, so every training run takes another path. The claims the
## lessons make about training runs (tests marked `training`) must hold there too.
test-second-cpu: dev-setup
	ATEN_CPU_CAPABILITY=default $(PY) -c "from course_utils.env import machine; print(machine())"
	ATEN_CPU_CAPABILITY=default $(PYTEST) -q -n 2 --dist loadfile -m "training and not timing" \
		tests/unit

## Solution notebooks must pass every checker (COURSE_REQUIRE_CORRECT makes a failed check raise):
## tools/execute_notebooks.py runs each once and keeps it executed in build/executed/, which
## `make site` renders. Exercise notebooks must run top to bottom with their stubs in place
## (under nbval here; test-browser runs them in JupyterLab). Both editions run.
test-notebooks: test-solution-notebooks test-exercise-notebooks

test-solution-notebooks: dev-setup
	$(PYTEST) -q -n 2 --dist load tests/test_solution_notebooks.py

test-exercise-notebooks: dev-setup
	$(PYTEST) -q -n 2 --dist loadscope $(NBVAL) notebooks/*.ipynb $(wildcard notebooks/zh/*.ipynb)

## make site: the course as a website in build/site/ (open build/site/index.html). It renders
## the executed solution notebooks of build/executed/, running only those not yet executed.
site: dev-setup
	$(PY) tools/build_site.py

## The website: its build (a fake two-language course included), then every page in headless
## Chromium with the network closed; screenshots go to build/screenshots/site/.
test-site: site
	$(PYTEST) -q tests/test_site_build.py tests/test_execute_notebooks.py
	$(PYTEST) -q tests/browser/test_site.py

## Each exercise notebook of both editions runs in JupyterLab in headless Chromium, one at a
## time (two at a time took longer: the notebooks' own work competes for the cores).
test-browser: dev-setup
	$(PYTEST) -q tests/browser --ignore=tests/browser/test_site.py

## Binder: the Dockerfile repo2docker would build from binder/ (printed without Docker), and
## binder/requirements.txt resolved by pip against Binder's base environment.
test-binder: dev-setup $(BINDER_VENV)/.installed
	REPO2DOCKER_VENV=$(BINDER_VENV) $(PYTEST) -q tests/test_binder.py

$(BINDER_VENV)/.installed: Makefile
	$(PYTHON) -m venv $(BINDER_VENV)
	$(BINDER_VENV)/bin/python -m pip install --quiet "$(REPO2DOCKER_SPEC)"
	touch $@

## A second environment with Colab's versions (see tools/colab_env.py for which, and the two
## it cannot match: Python and torch).
test-colab: dev-setup
	$(PY) tools/colab_env.py test

## make bench: time every notebook and slider (in the kernel, and end to end in JupyterLab in
## headless Chromium), with a CPU calibration; writes benchmarks/results.md
bench: dev-setup
	$(PY) tools/bench.py

lint: dev-setup
	$(BIN)/ruff check course_utils tests tools lessons conftest.py
	$(BIN)/ruff format --check course_utils tests tools lessons conftest.py

clean:
	rm -rf $(VENV) .venv-colab $(BINDER_VENV) build .pytest_cache
