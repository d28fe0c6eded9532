# The two commands a new user runs (README): `make demo` and `make test`.
# Everything they need is installed from the package registries by the project's own files.

SHELL := /bin/bash
CARGO ?= cargo
PYTHON ?= python3

.PHONY: demo test lint test-rust test-python test-node generate bench bench-smoke clean

## The main job: export the image inventory with severity-5 vulnerabilities. Runs against the
## embedded simulator unless QUALYS_USERNAME/QUALYS_PASSWORD (or QUALYS_TOKEN) are set.
demo:
	$(CARGO) run --quiet --release -p qualys-cs --example inventory

## Every test: generated files fresh, Rust (fmt, clippy, tests), the Python and Node bindings.
test: lint test-rust test-node

lint:
	$(PYTHON) codegen/generate.py --check
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

test-rust:
	$(CARGO) test --workspace

test-node:
	bash bindings-node/test.sh

generate:
	$(PYTHON) codegen/generate.py

clean:
	$(CARGO) clean
