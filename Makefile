# Set-up and everyday commands. `make run` and `make test` install what they need first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench clean package wheel bundle deb package-test

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
	$(VENV)/bin/mypy  # the packages and settings in pyproject.toml [tool.mypy]

bench: install
	QT_QPA_PLATFORM=offscreen $(PY) benchmarks/predict_speed.py
	QT_QPA_PLATFORM=offscreen $(PY) benchmarks/startup_time.py
	QT_QPA_PLATFORM=offscreen $(PY) benchmarks/gui_latency.py

clean:
	rm -rf $(VENV) build dist *.egg-info

# ---- packaging (README "Install"); offline once the venv has the `package` extra ----
VERSION = $(shell sed -n 's/^__version__ = "\(.*\)"/\1/p' busviewer/__init__.py)
PKG_STAMP := $(VENV)/.packaging

$(PKG_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[package]'
	touch $(PKG_STAMP)

# The wheel carries the shipped model, its card and the resources (setup.py copies them in).
wheel: $(PKG_STAMP)
	rm -f dist/busviewer-*.whl dist/busviewer-*.tar.gz
	$(PY) -m build --no-isolation --outdir dist .  # the sdist, then the wheel built from it

# One-folder PyInstaller bundle with the venv's CPU torch: dist/busviewer/busviewer (minutes; nice'd).
bundle: $(PKG_STAMP)
	rm -rf dist/busviewer
	nice -n 10 $(VENV)/bin/pyinstaller --noconfirm --log-level WARN --distpath dist \
		--workpath build/pyinstaller packaging/busviewer.spec
	du -sh dist/busviewer

deb: bundle
	packaging/linux/build_deb.sh dist/busviewer $(VERSION) dist

package: wheel deb
	ls -l dist

# Installs the wheel in a fresh venv and the .deb with dpkg -i, then runs info, predict and the GUI on each.
package-test: package
	packaging/smoke_test.sh dist
