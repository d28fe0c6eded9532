#!/usr/bin/env bash
# What a user without Rust gets from the prebuilt artifacts in dist/ (`make test-dist`, part of
# `make test`; `make dist-ci` builds what it needs first):
#  - pip: a fresh venv, `pip install --no-index --find-links dist qualys-cs` (the x86_64 manylinux
#    wheel), list images from the embedded simulator;
#  - npm: fresh projects installing the platform and main tarballs, once normally and once with
#    install scripts off (pnpm's and bun's default), list images from the embedded simulator; no
#    build happened (no `.node` in the main package, no build folder);
#  - npm without the platform package (optional dependencies omitted): the install says in one line
#    that Rust is missing; with scripts off, the first call names the platform, the package and the fix;
#  - all with no cargo, rustc or rustup on the PATH;
#  - then check_dist.py over every artifact in dist/ (architecture, glibc <= 2.17 / musl, auditwheel,
#    size budgets, README links).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DIST="$(cd "$ROOT/${DIST:-dist}" && pwd)"
DIST_VENV="$ROOT/${DIST_VENV:-.venv-dist}"
VERSION="$(node -p "require('$ROOT/package.json').version")"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# PATH without any directory holding a Rust toolchain.
NOCARGO=""
IFS=: read -ra dirs <<< "$PATH"
for d in "${dirs[@]}"; do
    [[ -z "$d" || -e "$d/cargo" || -e "$d/rustc" || -e "$d/rustup" ]] && continue
    NOCARGO="${NOCARGO:+$NOCARGO:}$d"
done
nocargo() { env -u CARGO_HOME -u RUSTUP_HOME -u CARGO_TARGET_DIR PATH="$NOCARGO" "$@"; }
if nocargo sh -c 'command -v cargo || command -v rustc'; then echo "cargo still on the PATH"; exit 1; fi
for tool in python3 node npm; do nocargo sh -c "command -v $tool" >/dev/null || { echo "no $tool without cargo's PATH"; exit 1; }; done

WHEEL="$(ls "$DIST"/qualys_cs-"$VERSION"-cp310-abi3-manylinux_2_17_x86_64*.whl)"
MAIN="$DIST/qualys-cs-$VERSION.tgz"
PLATFORM="$DIST/qualys-cs-linux-x64-gnu-$VERSION.tgz"
ls -l "$WHEEL" "$MAIN" "$PLATFORM"

echo "== pip: the manylinux x86_64 wheel into a fresh venv, no index, no cargo"
nocargo python3 -m venv "$WORK/venv"
nocargo "$WORK/venv/bin/python" -m pip install -q --no-index --find-links "$DIST" qualys-cs
cd "$WORK"
nocargo "$WORK/venv/bin/python" - "$WHEEL" <<'PY'
import pathlib
import sys

import qualys_cs
from qualys_cs.testing import Simulator

native = pathlib.Path(qualys_cs._native.__file__)
assert "site-packages" in native.parts, f"loaded from {native}, not the installed wheel"
with Simulator(images=120) as sim:
    client = sim.client()
    assert sum(1 for _ in client.images.list(page_size=50)) == 120
    try:
        client.images.get("0" * 64)
        raise AssertionError("expected NotFoundError")
    except qualys_cs.NotFoundError:
        pass
print(f"pip install {pathlib.Path(sys.argv[1]).name}: listed 120 images from the simulator")
PY

cat > "$WORK/check.cjs" <<'JS'
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { Client, NotFoundError } = require('qualys-cs')
const { startSimulator } = require('qualys-cs/testing')
;(async () => {
  const sim = await startSimulator({ images: 120 })
  try {
    const client = new Client({ baseUrl: sim.url, username: sim.username, password: sim.password, auth: 'basic' })
    assert.equal((await client.images.list({ pageSize: 50 }).toArray()).length, 120)
    await assert.rejects(client.images.get('0'.repeat(64)), NotFoundError)
  } finally {
    await sim.stop()
  }
  // The prebuilt addon was used: nothing was built into the main package.
  const main = path.dirname(require.resolve('qualys-cs/package.json'))
  const built = fs.readdirSync(path.join(main, 'bindings-node')).filter((f) => f.endsWith('.node'))
  assert.deepEqual(built, [], 'a .node was built into the main package')
  assert.ok(!fs.existsSync(path.join(main, 'target')), 'a build folder was left in the package')
  require.resolve('qualys-cs-linux-x64-gnu')
  console.log(`${process.argv[2]}: listed 120 images from the simulator`)
})().catch((e) => { console.error(e); process.exit(1) })
JS

npm_project() {
    mkdir "$WORK/$1"
    cd "$WORK/$1"
    nocargo npm init -y >/dev/null
}

echo "== npm: platform + main tarballs into a fresh project, no cargo"
npm_project node-app
nocargo npm install --no-audit --no-fund "$PLATFORM" "$MAIN"
nocargo node "$WORK/check.cjs" "npm install"
nocargo node --input-type=module -e "import { Client } from 'qualys-cs'; if (typeof Client !== 'function') process.exit(1)"
du -sb node_modules/qualys-cs node_modules/qualys-cs-linux-x64-gnu

echo "== npm --ignore-scripts (pnpm's and bun's default), no cargo"
npm_project node-noscripts
nocargo npm install --no-audit --no-fund --ignore-scripts "$PLATFORM" "$MAIN"
nocargo node "$WORK/check.cjs" "npm install --ignore-scripts"

echo "== npm without the platform package: the install says in one line what to do"
npm_project node-noprebuilt
if nocargo npm install --no-audit --no-fund --omit=optional "$MAIN" > install.log 2>&1; then
    cat install.log; echo "the install succeeded with neither a prebuilt binary nor cargo"; exit 1
fi
grep -q "qualys-cs: the prebuilt package qualys-cs-linux-x64-gnu is not installed .*no cargo on the PATH.*https://rustup.rs" install.log \
    || { cat install.log; echo "the install did not say what to do"; exit 1; }
grep "qualys-cs: " install.log

echo "== npm without the platform package, scripts off: the first call names the platform, package and fix"
npm_project node-noprebuilt-noscripts
nocargo npm install --no-audit --no-fund --omit=optional --ignore-scripts "$MAIN" >/dev/null
nocargo node -e "
const { Client } = require('qualys-cs')
const client = new Client({ baseUrl: 'http://127.0.0.1:9', username: 'u', password: 'p' })
;(async () => client.images.get('0'.repeat(64)))().then(
  () => { console.error('a call succeeded without the addon'); process.exit(1) },
  (e) => {
    const want = ['linux-x64-gnu', 'qualys-cs-linux-x64-gnu@$VERSION', 'npm install qualys-cs-linux-x64-gnu@$VERSION', 'QUALYS_CS_BUILD_FROM_SOURCE=1']
    const missing = want.filter((w) => !e.message.includes(w))
    if (e.code !== 'E_NATIVE_LOAD' || missing.length) { console.error(e); process.exit(1) }
    console.log('load error: ' + e.message)
  })
"

echo "== every artifact in dist/"
AUDITWHEEL=()
[[ -x "$DIST_VENV/bin/auditwheel" ]] && AUDITWHEEL=(--auditwheel "$DIST_VENV/bin/auditwheel")
python3 "$ROOT/tests/install/check_dist.py" "$DIST" "${AUDITWHEEL[@]}"
echo "test-dist: ok"
