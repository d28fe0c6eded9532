#!/usr/bin/env bash
# What a user without Rust gets from the prebuilt artifacts in dist/ (`make test-dist`, part of
# `make test`; `make dist-ci` builds what it needs first):
#  - smoke.sh: pip, a fresh venv, `pip install --no-index --find-links dist qualys-cs` (the x86_64
#    manylinux wheel); npm, fresh projects installing the platform and main tarballs, once normally
#    and once with install scripts off (pnpm's and bun's default); each lists images from the
#    embedded simulator, and no build happened (no `.node` in the main package, no build folder);
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

WHEEL="$(ls "$DIST"/qualys_cs-"$VERSION"-cp310-abi3-*manylinux_2_17_x86_64.whl)"
MAIN="$DIST/qualys-cs-$VERSION.tgz"
PLATFORM="$DIST/qualys-cs-linux-x64-gnu-$VERSION.tgz"
ls -l "$WHEEL" "$MAIN" "$PLATFORM"

# The positive path, as on every release runner, but with no Rust anywhere on the PATH.
nocargo bash "$ROOT/tests/install/smoke.sh" "$DIST" linux-x64-gnu

npm_project() {
    mkdir "$WORK/$1"
    cd "$WORK/$1"
    nocargo npm init -y >/dev/null
}

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

echo "== pip, the sdist with no Rust and no toolchain download allowed: says Rust is needed"
# (By default maturin's build backend downloads a temporary Rust toolchain instead; README, Install.)
SDIST="$DIST/qualys_cs-$VERSION.tar.gz"
nocargo python3 -m venv "$WORK/sdist-venv"
nocargo "$WORK/sdist-venv/bin/python" -m pip install -q "maturin>=1.9.4,<2"
if MATURIN_NO_INSTALL_RUST=1 nocargo "$WORK/sdist-venv/bin/python" -m pip install --no-build-isolation --no-index "$SDIST" > "$WORK/sdist.log" 2>&1; then
    cat "$WORK/sdist.log"; echo "the sdist installed with no Rust"; exit 1
fi
grep -q "Cargo, the Rust package manager, is not installed" "$WORK/sdist.log" || { cat "$WORK/sdist.log"; exit 1; }
grep -m1 "Cargo, the Rust package manager" "$WORK/sdist.log"

echo "== every artifact in dist/"
AUDITWHEEL=()
[[ -x "$DIST_VENV/bin/auditwheel" ]] && AUDITWHEEL=(--auditwheel "$DIST_VENV/bin/auditwheel")
python3 "$ROOT/tests/install/check_dist.py" "$DIST" "${AUDITWHEEL[@]}"
echo "test-dist: ok"
