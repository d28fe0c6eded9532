#!/usr/bin/env bash
# The GitHub workflows' security audit, part of `make lint`: zizmor, offline, failing on any finding
# of medium severity or above (unpinned actions, checkouts that keep credentials, caches in the
# release jobs, template injection, excessive permissions, ...). zizmor comes from PyPI at a fixed
# version, into its own venv (.venv-tools/), installed only when missing or at another version.
# Environment: PYTHON (default python3), TOOLS_VENV (default .venv-tools).
set -euo pipefail
cd "$(dirname "$0")/.."
ZIZMOR_VERSION=1.32.0
PYTHON=${PYTHON:-python3}
TOOLS_VENV=${TOOLS_VENV:-.venv-tools}

if [ "$("$TOOLS_VENV/bin/zizmor" --version 2>/dev/null)" != "zizmor $ZIZMOR_VERSION" ]; then
    [ -x "$TOOLS_VENV/bin/python" ] || "$PYTHON" -m venv "$TOOLS_VENV"
    "$TOOLS_VENV/bin/python" -m pip install -q "zizmor==$ZIZMOR_VERSION"
fi
# --offline: no GitHub API (no token on a developer's machine, and the result must not depend on
# the network); the online audits (e.g. known-vulnerable action versions) are left to GitHub.
exec "$TOOLS_VENV/bin/zizmor" --offline --no-progress --min-severity medium .github/workflows
