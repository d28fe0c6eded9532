#!/usr/bin/env bash
# What `npm install qualys-cs` and `pip install qualys-cs` do for a user with no prebuilt binary, from
# the packed artifacts, in fresh projects outside the repository: build from source, import, and list
# images from the embedded simulator. Called by `make test-install` (part of `make test`); the
# prebuilt path is tests/install/test_dist.sh (`make test-dist`).
# CARGO_TARGET_DIR defaults to the repository's target/, so compiled dependencies are reused.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

echo "== npm: the main tarball alone (no platform package: optional dependencies omitted), built from source"
(cd "$ROOT" && node bindings-node/scripts/pack.js --out "$WORK" --main-only >/dev/null)
mkdir "$WORK/node-app"
cd "$WORK/node-app"
npm init -y >/dev/null
npm install --no-audit --no-fund --omit=optional --foreground-scripts "$WORK"/qualys-cs-*.tgz 2>&1 | tee install.log
grep -q "qualys-cs: building the native addon from source" install.log || { echo "the install did not say it builds from source"; exit 1; }
ls node_modules/qualys-cs/bindings-node/qualys-cs.*.node
[ ! -e node_modules/qualys-cs/target ] || { echo "a build folder was left in the package"; exit 1; }
cp "$ROOT/tests/install/smoke_node.cjs" .
node smoke_node.cjs source "npm install (from source)"
node --input-type=module -e "import { Client } from 'qualys-cs'; if (typeof Client !== 'function') process.exit(1)"

echo "== pip: build the sdist, install it into a new venv"
[ -x "$VENV/bin/maturin" ] || { python3 -m venv "$VENV" && "$VENV/bin/python" -m pip install -q "maturin>=1.9.4,<2"; }
(cd "$ROOT" && "$VENV/bin/maturin" sdist -o "$WORK/dist")
python3 -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install -q "$WORK"/dist/qualys_cs-*.tar.gz
cd "$WORK"
"$WORK/venv/bin/python" "$ROOT/tests/install/smoke_python.py"
