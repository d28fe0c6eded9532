# The two commands a new user runs (README): `make demo` and `make test`.
# Everything they need is installed from the package registries by the project's own files.

SHELL := /bin/bash
CARGO ?= cargo
PYTHON ?= python3
VENV ?= .venv

.PHONY: demo test lint test-rust test-python test-node test-install generate bench bench-smoke clean

## The main job: export every image with severity-5 vulnerabilities to inventory.jsonl, with
## progress and a summary. Runs against the embedded simulator unless QUALYS_USERNAME and
## QUALYS_PASSWORD (or QUALYS_TOKEN) are set, then against Qualys (QUALYS_PLATFORM or QUALYS_BASE_URL).
demo: $(VENV)/bin/python
	$(VENV)/bin/maturin develop -q --release
	$(VENV)/bin/python examples/inventory_export.py -o inventory.jsonl

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip "maturin>=1.9.4,<2"

## Every test: generated files fresh, Rust (fmt, clippy, tests), the Python and Node bindings,
## installing the packed npm tarball and sdist into fresh projects, and the benchmarks' smoke mode
## (tiny sizes, so they do not rot).
test: lint test-rust test-python test-node test-install bench-smoke

lint:
	$(PYTHON) codegen/generate.py --check
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

test-rust:
	$(CARGO) test --workspace

test-python:
	VENV=$(VENV) bash bindings-python/test.sh

test-node:
	bash bindings-node/test.sh

test-install:
	VENV=$(VENV) bash tests/install/check.sh

generate:
	$(PYTHON) codegen/generate.py

clean:
	$(CARGO) clean

## Benchmarks (not part of `make test`): the full side-by-side run rewrites benches/README.md.
bench:
	$(PYTHON) benches/run.py

## Every benchmark scenario at tiny sizes: checks they still run and count right, judges no speed.
bench-smoke:
	$(PYTHON) benches/run.py --smoke
