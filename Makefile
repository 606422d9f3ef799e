# The newcomer's two commands: `make run` and `make test`. Both set themselves up.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
READY  := $(VENV)/.ready
DEBS   := $(VENV)/.debian-packages

.PHONY: run lint test bench debian-packages clean

# The editable install is a plain path entry (compat mode): the import hook of the default
# mode costs ~20 ms at every start of virtuald, virtexec and the mail programs.
# python3-venv is all `make run` needs from Debian (ensurepip); as root it is installed when absent.
$(READY): pyproject.toml
	tools/install-debian-packages tools/debian-packages-run.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --config-settings editable_mode=compat -e '.[test]'
	touch $@

# As root, install the Debian packages the integration tests drive (see tools/debian-packages.txt).
$(DEBS): tools/debian-packages.txt tools/install-debian-packages
	tools/install-debian-packages tools/debian-packages.txt
	@mkdir -p $(VENV) && touch $@

debian-packages: $(DEBS)

# The log search's compiled part is built by the install where the machine has gcc and
# Python's headers (as root `make test` installs them first); tools/build-compiled builds it
# again when its source changed, and says so when it cannot.
# The app on the configured root (/virtual by default); on ./demo-root when that root is absent.
run: $(READY)
	tools/build-compiled $(PY)
	$(VENV)/bin/virttui open --demo-if-missing demo-root

# Lint and types first (seconds), then the suite: ruff's default rules plus import sorting,
# mypy over the packages (both configured in pyproject.toml).
lint: $(READY)
	$(PY) -m ruff check .
	$(PY) -m mypy

test: $(DEBS) $(READY) lint
	tools/build-compiled $(PY)
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(DEBS) $(READY)
	tools/build-compiled $(PY)
	for b in bench/*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis .mypy_cache .ruff_cache demo-root virttui/syslog/_needle_lines.*.so
