#!/usr/bin/env bash
# Installs this platform's prebuilt artifacts from a folder as a user would and checks they work:
# the wheel into a fresh venv (`pip install --no-index --find-links DIR qualys-cs`, pip picks the
# wheel of this platform), the npm platform and main tarballs into a fresh project, once normally and
# once with install scripts off (the package has none: npm must not warn about one). Used by the
# release workflow on each platform's own runner (Linux, Alpine, macOS, Windows); test_dist.sh runs
# the same checks here with no cargo on the PATH.
#   bash tests/install/smoke.sh DIR NPM_PLATFORM     (e.g. dist linux-x64-gnu)
set -euo pipefail
# Windows (Git Bash): native programs (python, node, pip) get Windows paths.
abspath() { (cd "$1" && { pwd -W 2>/dev/null || pwd; }); }
HERE="$(abspath "$(dirname "$0")")"
DIST="$(abspath "$1")"
TAG="$2"
PYTHON="${PYTHON:-python3}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
VERSION="$(node -p "require('$HERE/../../package.json').version")"

echo "== pip: a fresh venv, the wheel from $DIST, no index"
"$PYTHON" -m venv "$WORK/venv"
VPY="$WORK/venv/bin/python"
[[ -x "$VPY" ]] || VPY="$WORK/venv/Scripts/python.exe" # Windows
"$VPY" -m pip install -q --no-index --find-links "$DIST" qualys-cs
(cd "$WORK" && "$VPY" "$HERE/smoke_python.py")

for mode in "" "--ignore-scripts"; do
    echo "== npm install ${mode:-(scripts on)}: qualys-cs-$TAG and qualys-cs into a fresh project"
    rm -rf "$WORK/app" && mkdir "$WORK/app" && cd "$WORK/app"
    npm init -y >/dev/null
    npm install --no-audit --no-fund $mode "$DIST/qualys-cs-$TAG-$VERSION.tgz" "$DIST/qualys-cs-$VERSION.tgz" 2>&1 | tee install.log
    # No install script: npm (11.16+) warns about each one on every install, and none is needed.
    if grep -Eqi "install-scripts|install script" install.log; then echo "npm warned about an install script"; exit 1; fi
    node -e "if (require('qualys-cs/package.json').scripts) { console.error('the installed package has scripts'); process.exit(1) }"
    # Run from inside the project: from the repository, `require('qualys-cs')` would be the checkout.
    cp "$HERE/smoke_node.cjs" .
    node smoke_node.cjs "$TAG" "npm install $mode"
    node --input-type=module -e "import { Client } from 'qualys-cs'; if (typeof Client !== 'function') process.exit(1)"
done
