#!/usr/bin/env bash
# What `npm install qualys-cs` and `pip install qualys-cs` do for a user with no prebuilt binary, from
# the packed artifacts, in fresh projects outside the repository: build from source (npm: the explicit
# `npx qualys-cs build-from-source`, after a quiet install), import, and list images from the embedded
# simulator. Called by `make test-install` (part of `make test`); the prebuilt path is
# tests/install/test_dist.sh (`make test-dist`).
# CARGO_TARGET_DIR defaults to the repository's target/, so compiled dependencies are reused.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

echo "== npm: the main tarball alone (no platform package: optional dependencies omitted), then built from source"
(cd "$ROOT" && node bindings-node/scripts/pack.js --out "$WORK" --main-only >/dev/null)
mkdir "$WORK/node-app"
cd "$WORK/node-app"
npm init -y >/dev/null
# The install is quiet and builds nothing (the package has no install script) ...
npm install --no-audit --no-fund --omit=optional "$WORK"/qualys-cs-*.tgz 2>&1 | tee install.log
if grep -Eqi "install-scripts|install script|qualys-cs:" install.log; then echo "the install ran or warned about an install script"; exit 1; fi
# ... the first use says what to do ...
if node -e "require('qualys-cs/testing').startSimulator().catch((e) => { console.error(e.message); process.exit(1) })" 2> load.log; then echo "the addon loaded with no platform package and no build"; exit 1; fi
grep -q "npx qualys-cs build-from-source" load.log || { cat load.log; echo "the load error does not name the build command"; exit 1; }
# ... which builds the addon from the Rust sources in the package.
npx --no qualys-cs build-from-source 2>&1 | tee build.log
grep -q "qualys-cs: building the native addon from source" build.log || { echo "the build did not say it builds from source"; exit 1; }
ls node_modules/qualys-cs/bindings-node/qualys-cs.*.node
[ ! -e node_modules/qualys-cs/target ] || { echo "a build folder was left in the package"; exit 1; }
cp "$ROOT/tests/install/smoke_node.cjs" .
node smoke_node.cjs source "npm install, npx qualys-cs build-from-source"
node --input-type=module -e "import { Client } from 'qualys-cs'; if (typeof Client !== 'function') process.exit(1)"

echo "== pip: build the sdist, install it into a new venv"
[ -x "$VENV/bin/maturin" ] || { python3 -m venv "$VENV" && "$VENV/bin/python" -m pip install -q "maturin>=1.9.4,<2"; }
(cd "$ROOT" && "$VENV/bin/maturin" sdist -o "$WORK/dist")
python3 -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install -q "$WORK"/dist/qualys_cs-*.tar.gz
cd "$WORK"
"$WORK/venv/bin/python" "$ROOT/tests/install/smoke_python.py"
