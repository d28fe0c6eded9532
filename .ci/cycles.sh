#!/usr/bin/env bash
# No import cycle in any crate or package: modules that import each other in a circle are one
# unit in disguise (none can be read, tested or moved without the others). Checked with:
#   Rust:       .ci/rust_cycles.py: the modules of every crate target (why not cargo-modules: there);
#   Python:     import-linter's acyclic_siblings contract over the qualys_cs package (and below);
#   JS and TS:  madge --circular over the Node binding, its tests, the examples and the benches.
# Each rule is about siblings: a module and the modules it contains are not a cycle.
# The tools install themselves when missing: import-linter into $LINT_VENV, madge from
# package.json's devDependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
LINT_VENV=${LINT_VENV:-.venv-lint}
IMPORT_LINTER_VERSION=2.16

# Temporary exceptions (none today), each to name the change that removes it. An exception that
# no longer matches a cycle fails the check, so none outlives its cycle.
#
# Rust: 'PACKAGE: PARENT MODULE: SIBLINGS IN THE CYCLE'.
RUST_ALLOW=()
# Python: import-linter `ignore_imports` lines.
PY_IGNORE=()
# JS/TS: the files of one cycle as madge lists them, space-separated.
JS_ALLOW=()

status=0

echo "== Rust: module cycles in each crate"
rust_args=()
for a in "${RUST_ALLOW[@]}"; do rust_args+=(--allow "$a"); done
"$PYTHON" .ci/rust_cycles.py "${rust_args[@]}" || status=1

echo "== Python: import cycles in qualys_cs (import-linter $IMPORT_LINTER_VERSION)"
if ! "$LINT_VENV/bin/python" -c "import importlib.metadata as m, sys; \
sys.exit(m.version('import-linter') != '$IMPORT_LINTER_VERSION')" 2>/dev/null; then
    "$PYTHON" -m venv "$LINT_VENV"
    "$LINT_VENV/bin/python" -m pip install -q "import-linter==$IMPORT_LINTER_VERSION"
fi
config=$(mktemp)
trap 'rm -f "$config"' EXIT
{
    echo "[importlinter]"
    echo "root_package = qualys_cs"
    # Annotation-only imports count: they tie the modules together for every reader and checker.
    echo "exclude_type_checking_imports = False"
    echo
    echo "[importlinter:contract:acyclic]"
    echo "name = No import cycle between sibling modules of qualys_cs"
    echo "type = acyclic_siblings"
    echo "ancestors = qualys_cs"
    echo "ignore_imports ="
    for i in "${PY_IGNORE[@]}"; do echo "    $i"; done
} >"$config"
PYTHONPATH=bindings-python/python "$LINT_VENV/bin/lint-imports" --config "$config" --no-cache || status=1

echo "== JavaScript/TypeScript: import cycles (madge)"
[[ -x node_modules/.bin/madge ]] || npm install --no-audit --no-fund --ignore-scripts
found=$(npx --no-install madge --circular --json --extensions js,mjs,ts \
    bindings-node tests/node examples benches 2>/dev/null) || true
"$PYTHON" - "$found" "${JS_ALLOW[@]}" <<'EOF' || status=1
import json, sys

found = [sorted(c) for c in json.loads(sys.argv[1])]
allowed = {tuple(sorted(a.split())): a for a in sys.argv[2:]}
failed = False
for cycle in found:
    ok = tuple(cycle) in allowed
    failed |= not ok
    print(f"{'allowed (temporary)' if ok else 'CYCLE'}: {' <-> '.join(cycle)}")
for key, text in allowed.items():
    if list(key) not in found:
        print(f"STALE ALLOWANCE: no such cycle any more, remove it: {text}")
        failed = True
print(f"js: {len(found)} cycle(s), {len(allowed)} allowed")
sys.exit(1 if failed else 0)
EOF

if ((status)); then
    echo "Import cycles found (above): move what both sides use to where it belongs." >&2
fi
exit "$status"
