#!/usr/bin/env bash
# The Node binding's tests from a fresh machine (Rust and Node >= 18 present): install the dev
# dependencies, build the native addon from source when none loads, type-check the TypeScript usage
# example, run node:test.
# Called by the root Makefile's `make test`. Set QUALYS_CS_REBUILD=1 to rebuild the addon.
set -euo pipefail
cd "$(dirname "$0")/.."

npm install --no-audit --no-fund
if [[ "${QUALYS_CS_REBUILD:-0}" == 1 ]]; then node bindings-node/bin/qualys-cs.js build-from-source
else node bindings-node/bin/qualys-cs.js build-from-source --if-missing; fi
npx tsc --noEmit -p tests/node/tsconfig.json
node --test tests/node/
