# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# The stamp is rebuilt whenever pyproject.toml changes, so dependencies stay in step.
STAMP  := $(VENV)/.installed

.PHONY: demo test test-thorough bench notebook clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m ad

test: $(STAMP)
	HYPOTHESIS_PROFILE=ci $(PY) -m pytest -q

bench: $(STAMP)
	$(PY) -m ad.bench

# Opens demo.ipynb in Jupyter (installed into the same virtual environment the first time).
notebook: $(STAMP)
	$(PY) -c "import notebook" 2>/dev/null || $(PY) -m pip install --quiet -e ".[dev,notebook]"
	$(PY) -m jupyter notebook demo.ipynb

test-thorough: $(STAMP)
	HYPOTHESIS_PROFILE=thorough $(PY) -m pytest -q

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
