#!/usr/bin/env python3
"""Generate every per-endpoint surface from the one endpoint table (spec/endpoints.json).

    python3 codegen/generate.py          # write the generated files
    python3 codegen/generate.py --check  # exit 1 if any generated file is stale (run by `make test`)

Each target module in this folder (rust.py, python.py, node.py, docs.py) exposes
`generate(table: dict, root: pathlib.Path) -> dict[str, str]`, mapping repository-relative paths to
their full content. Standard library only, so it runs on any machine with Python 3.10+.
"""

from __future__ import annotations

import importlib
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
TARGETS = ["spec", "shapes", "options", "rust", "python", "node", "docs", "reference"]


def load_table() -> dict:
    return json.loads((ROOT / "spec" / "endpoints.json").read_text())


def outputs() -> dict[str, str]:
    sys.path.insert(0, str(pathlib.Path(__file__).parent))
    table = load_table()
    out: dict[str, str] = {}
    for name in TARGETS:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name == name:  # target not written yet
                continue
            raise
        out.update(mod.generate(table, ROOT))
    return out


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for rel, content in sorted(outputs().items()):
        path = ROOT / rel
        current = path.read_text() if path.exists() else None
        if current == content:
            continue
        if check:
            stale.append(rel)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content)
            print(f"wrote {rel}")
    if stale:
        print("stale generated files (run `python3 codegen/generate.py`):", *stale, sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
