#!/usr/bin/env bash
# From a fresh checkout: create the venv, build and install the package, run ruff, mypy and pytest.
# Called by the root Makefile (`make test`). Environment: PYTHON (default python3), VENV (default
# .venv), CARGO_TARGET_DIR (honoured by maturin).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}

if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --upgrade pip
# pyyaml and openapi-schema-validator: the simulator checked against the OpenAPI description
# (tests/python/test_openapi.py); pyright: the README example type-checks (test_readme_types.py).
# The data extras (pyarrow, pandas, polars, tqdm) and the notebook runner are for the tests of
# to_arrow/to_pandas/to_polars, progress (ipywidgets: the notebook widget bar; tests/python/test_progress.py
# also runs without it) and examples/triage.ipynb; orjson for the decode benchmark.
# mcp: the official MCP client that drives `qualys-cs mcp` (tests/python/test_mcp.py).
"$VENV/bin/python" -m pip install -q "maturin>=1.9.4,<2" pytest pytest-asyncio hypothesis mypy ruff pyyaml \
    "openapi-schema-validator>=0.6,<1" pyright "mcp>=2,<3" \
    pyarrow pandas polars tqdm orjson nbclient nbformat ipykernel ipywidgets matplotlib
# The optional Dask extra, for the scale-out example's test (tests/python/test_dask_example.py).
"$VENV/bin/python" -m pip install -q "dask[distributed]>=2024.1"
# An editable install: the Rust extension is built in place, the Python sources are used as they are.
"$VENV/bin/maturin" develop -q

# Freshness of the generated Python files is a pytest test (tests/python/test_codegen.py); the
# whole-repo `codegen/generate.py --check` is the root Makefile's.
"$VENV/bin/ruff" check bindings-python/python codegen tests/python examples benches
"$VENV/bin/ruff" format --check bindings-python/python tests/python examples benches codegen
"$VENV/bin/mypy" --strict bindings-python/python/qualys_cs examples tests/python
"$VENV/bin/python" -m pytest -q "$@"
