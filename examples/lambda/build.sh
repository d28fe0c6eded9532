#!/usr/bin/env bash
# Builds the AWS Lambda deployment zips of the two example handlers from the release artifacts in
# dist/ (`make dist`, or the release's wheel and npm tarballs downloaded there):
#   examples/lambda/build.sh [x86_64|arm64]     -> dist/lambda/qualys-cs-{node,python}-<arch>.zip
# Upload either zip as the function's code: Node.js 18+ runtime with handler `index.handler`, or a
# Python 3.10+ runtime with handler `handler.handler`, on the matching architecture. The binaries
# need glibc 2.17, so every current Lambda runtime (Amazon Linux 2 and 2023) runs them.
# Environment: DIST (default dist), OUT (default $DIST/lambda), PYTHON (default python3), KEEP.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
ARCH="${1:-x86_64}"
DIST="$(cd "$ROOT/${DIST:-dist}" && pwd)"
OUT="${OUT:-$DIST/lambda}"
PYTHON="${PYTHON:-python3}"
case "$ARCH" in
    x86_64) NPM_CPU=x64 ;;
    arm64 | aarch64) ARCH=arm64 NPM_CPU=arm64 ;;
    *) echo "usage: $0 [x86_64|arm64]" >&2; exit 2 ;;
esac
WHEEL_ARCH=$([[ $ARCH == arm64 ]] && echo aarch64 || echo x86_64)
VERSION="$(node -p "require('$ROOT/package.json').version")"
MAIN="$DIST/qualys-cs-$VERSION.tgz"
PLATFORM="$DIST/qualys-cs-linux-$NPM_CPU-gnu-$VERSION.tgz"
mkdir -p "$OUT"
# KEEP=DIR keeps the unpacked packages in DIR (the cold-start benchmark runs them from there).
if [[ -n "${KEEP:-}" ]]; then
    STAGE="$KEEP"; rm -rf "$STAGE/node" "$STAGE/python"; mkdir -p "$STAGE"
else
    STAGE="$(mktemp -d)"; trap 'rm -rf "$STAGE"' EXIT
fi

zipdir() { # zipdir DIR ZIP: every file under DIR, paths relative to it, deflated
    "$PYTHON" - "$1" "$2" <<'PY'
import os, sys, zipfile
src, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    for d, _, files in sorted(os.walk(src)):
        for f in sorted(files):
            p = os.path.join(d, f)
            z.write(p, os.path.relpath(p, src))
PY
    echo "$2: $(du -h "$2" | cut -f1) zipped, $(du -sh "$1" | cut -f1) unpacked"
}

echo "== Node.js ($ARCH): index.js + qualys-cs + qualys-cs-linux-$NPM_CPU-gnu"
mkdir "$STAGE/node"
cp "$HERE/node/index.js" "$HERE/node/package.json" "$STAGE/node/"
(cd "$STAGE/node" && npm install --no-audit --no-fund --no-save --omit=dev --ignore-scripts \
    --os=linux --cpu="$NPM_CPU" --libc=glibc "$PLATFORM" "$MAIN" >/dev/null)
# The Rust sources are there for building from source elsewhere; a function never builds.
PKG="$STAGE/node/node_modules/qualys-cs"
node -e "
const fs = require('fs'), path = require('path'), pkg = require('$PKG/package.json')
for (const f of pkg.files) if (!f.startsWith('bindings-node') && f !== 'CHANGELOG.md') fs.rmSync(path.join('$PKG', f), { recursive: true, force: true })
fs.rmSync(path.join('$PKG', 'bindings-node', 'scripts'), { recursive: true, force: true })
"
rm -f "$OUT/qualys-cs-node-$ARCH.zip"
zipdir "$STAGE/node" "$OUT/qualys-cs-node-$ARCH.zip"

echo "== Python ($ARCH): handler.py + qualys_cs from the manylinux2014 $WHEEL_ARCH wheel"
mkdir "$STAGE/python"
PIP_ROOT_USER_ACTION=ignore "$PYTHON" -m pip install -q --no-index --find-links "$DIST" --target "$STAGE/python" \
    --platform "manylinux2014_$WHEEL_ARCH" --implementation cp --python-version 3.12 --only-binary=:all: qualys-cs
cp "$HERE/python/handler.py" "$STAGE/python/"
rm -f "$OUT/qualys-cs-python-$ARCH.zip"
zipdir "$STAGE/python" "$OUT/qualys-cs-python-$ARCH.zip"
