# Set-up and everyday commands. `make run` and `make test` install what they need first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench clean

install: $(STAMP)

# torch is pinned first to the local CPU wheel so that nothing pulls the CUDA build.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: install
	$(VENV)/bin/busviewer

test: install
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -p no:cacheprovider

lint: install
	$(VENV)/bin/ruff check busviewer tests benchmarks
	$(VENV)/bin/lint-imports

bench: install
	QT_QPA_PLATFORM=offscreen $(PY) benchmarks/predict_speed.py
	QT_QPA_PLATFORM=offscreen $(PY) benchmarks/startup_time.py
	QT_QPA_PLATFORM=offscreen $(PY) benchmarks/gui_latency.py

clean:
	rm -rf $(VENV) build *.egg-info
