#!/usr/bin/env python3
"""Import cycles between the modules of each Rust crate of the workspace.

The rule is import-linter's `acyclic_siblings`, as the Python package is checked: within each
module, its child modules (each with everything below it) must not depend on each other in a
circle. A parent and its own children are not a cycle (a child using `super::` items is how Rust
modules are built), siblings are: `state` calling into `handlers` while `handlers` uses `state`
ties both, and everything below them, into one unit.

Why not cargo-modules: its graph has the edges of `use` declarations and item signatures only.
The paths written in function bodies (`crate::handlers::generated_exists(..)`,
`super::builder::MAX_RETRIES`) are missing, and most of the cycles this check was written for
were made of exactly those; its `--acyclic` works on items, so a type and its own method are
already a "cycle". Building it also takes over 12 CPU-minutes. So this reads the sources
itself: the module tree from the `mod` declarations (from `cargo metadata`'s target roots), and
every path that names a module of the crate, in `use` declarations, code and macro bodies
alike, and in intra-doc links (rustdoc resolves them: a module's docs break without their
target), with the rest of comments and string literals left out.

Usage: rust_cycles.py [--allow 'PACKAGE: PARENT: A B C' ...]; an allowed cycle is reported but
does not fail, and an allowance that no longer matches a cycle fails (remove it).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
# `[`crate::x`]`, `[text](crate::x)`, `[text][crate::x]`: the path of an intra-doc link.
DOC_LINK = re.compile(r"(?:\[`?|\]\()((?:crate|super|self)::[\w:]+)")
MOD_DECL = re.compile(rf"\bmod\s+(r#)?({IDENT})\s*([;{{])")
PATH = re.compile(rf"\b(?:crate|super|self|{IDENT})(?:\s*::\s*(?:{IDENT}|\{{|\*))+")


def strip(src: str) -> str:
    """`src` with comments and the contents of string and char literals blanked (newlines kept,
    so line numbers hold)."""
    out, i, n = [], 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            comment = blank(src[i:j])
            if src.startswith(("///", "//!"), i):
                # Intra-doc links stay: rustdoc resolves them, so they name a module as code does.
                for m in DOC_LINK.finditer(src, i, j):
                    a, b = m.start(1) - i, m.end(1) - i
                    comment = comment[:a] + src[i + a : i + b] + comment[b:]
            out.append(comment)
            i = j
        elif src.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if src.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif src.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(blank(src[i:j]))
            i = j
        elif m := re.match(r'b?r(#*)"', src[i:]) if c in "br" and (i == 0 or not src[i - 1].isalnum()) else None:
            end = '"' + m.group(1)
            j = src.find(end, i + m.end())
            j = n if j < 0 else j + len(end)
            out.append('""' + blank(src[i + 2 : j]))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            out.append('""' + blank(src[i + 2 : j + 1]))
            i = j + 1
        elif c == "'" and (m := re.match(r"'(\\.[^']*|[^\\'])'", src[i:])):
            out.append("' '" + blank(src[i + 3 : i + m.end()]))
            i += m.end()
        else:
            out.append(c)
            i += 1
    return "".join(out)


def blank(text: str) -> str:
    return "".join(c if c == "\n" else " " for c in text)


def matching_brace(code: str, open_at: int) -> int:
    """The offset just past the `}` closing the `{` at `open_at` (literals are already blank)."""
    depth = 0
    for i in range(open_at, len(code)):
        if code[i] == "{":
            depth += 1
        elif code[i] == "}":
            depth -= 1
            if depth == 0:
                return i + 1
    return len(code)


class Crate:
    def __init__(self, package: str, target: str, root: Path):
        self.name = f"{package} ({target})"
        self.package = package
        self.modules: dict[tuple[str, ...], Path] = {}  # module path -> file
        self.code: dict[tuple[str, ...], str] = {}
        # A crate root's children are beside it (src/lib.rs, src/main.rs, tests/x.rs: tests/y.rs).
        self._load((), root, root.parent, True)

    def _load(self, mod: tuple[str, ...], file: Path, dir_: Path, owns_dir: bool) -> None:
        # A file module's children live in its own folder: src/a.rs -> src/a/, src/a/mod.rs -> src/a/.
        self._module(mod, file, strip(file.read_text()), dir_ if owns_dir else dir_ / file.stem)

    def _module(self, mod: tuple[str, ...], file: Path, code: str, child_dir: Path) -> None:
        """Register `mod` (its code: the file's, with what is not its own blanked) and its children."""
        self.modules[mod] = file
        inline = []
        for m in MOD_DECL.finditer(code):
            name = m.group(2)
            if m.group(3) == "{":
                end = matching_brace(code, m.end() - 1)
                inline.append((name, m.end(), end))
                continue
            for cand, owns in ((child_dir / f"{name}.rs", False), (child_dir / name / "mod.rs", True)):
                if cand.exists():
                    self._load((*mod, name), cand, cand.parent, owns)
                    break
        own = code
        for name, a, b in inline:
            if any(a > a2 and b <= b2 for _, a2, b2 in inline):
                continue  # nested: registered by its own parent
            self._module((*mod, name), file, blank(code[:a]) + code[a:b] + blank(code[b:]), child_dir / name)
            own = own[:a] + blank(code[a:b]) + own[b:]
        self.code[mod] = own

    def resolve(self, mod: tuple[str, ...], path: list[str]) -> tuple[str, ...] | None:
        """The module of the crate a path written in `mod` names (its longest module prefix)."""
        if path[0] == "crate":
            base, rest = (), path[1:]
        elif path[0] in ("self", "super"):
            base, rest = mod, path
            while rest and rest[0] in ("self", "super"):
                if rest[0] == "super":
                    if not base:
                        return None
                    base = base[:-1]
                rest = rest[1:]
        elif (*mod, path[0]) in self.modules:
            base, rest = mod, path  # a child module, by its relative name
        else:
            return None  # an extern crate, a local item or a type's associated item
        target = base
        for seg in rest:
            if (*target, seg) in self.modules:
                target = (*target, seg)
            else:
                break
        return target

    def edges(self):
        """(from module, to module, line) for every path to another module of the crate."""
        for mod, code in self.code.items():
            pos = 0
            while m := PATH.search(code, pos):
                line = code.count("\n", 0, m.start()) + 1
                paths, pos = expand(code, m.start())
                pos = max(pos, m.end())
                for path in paths:
                    target = self.resolve(mod, path)
                    if target is not None and target != mod:
                        yield mod, target, line


TOKEN = re.compile(rf"\s*(::|\{{|\}}|,|\*|{IDENT})")


def expand(code: str, start: int) -> tuple[list[list[str]], int]:
    """The paths written at `start`: `a::b::c`, or each leaf of a `use` tree `a::{b, c::{d, e}}`
    (`self` and `*` leaves name their prefix; `x as y` names x), and where they end."""

    def tok(p: int) -> tuple[str | None, int]:
        m = TOKEN.match(code, p)
        return (m.group(1), m.end()) if m else (None, p)

    def is_ident(t: str | None) -> bool:
        return t is not None and re.fullmatch(IDENT, t) is not None

    def tree(p: int, prefix: list[str]) -> tuple[list[list[str]], int]:
        t, q = tok(p)
        if t == "{":
            return group(q, prefix)
        if t == "*" or not is_ident(t):
            return ([prefix] if prefix else []), (q if t == "*" else p)
        segs, p = [t], q
        while True:
            t, q = tok(p)
            if t != "::":
                break
            t2, q2 = tok(q)
            if t2 == "{":
                return group(q2, prefix + segs)
            if t2 == "*":
                return [prefix + segs], q2
            if not is_ident(t2):
                break  # `::<T>` and the like: the path ends here
            segs.append(t2)
            p = q2
        return [prefix + segs], p

    def group(p: int, prefix: list[str]) -> tuple[list[list[str]], int]:
        paths: list[list[str]] = []
        while True:
            t, q = tok(p)
            if t is None or t == "}":
                return paths, q
            if t == ",":
                p = q
                continue
            sub, p2 = tree(p, prefix)
            paths += sub
            p = p2 if p2 > p else q
            t, q = tok(p)
            if t == "as":  # a renamed leaf: the new name is not a path
                p = tok(q)[1]

    paths, end = tree(start, [])
    return [[s for s in path if s != "self"] or path for path in paths], end


def sibling_cycles(crate: Crate):
    """Per parent module: the strongly connected groups (2 or more) of its children."""
    deps: dict[tuple[str, ...], dict[tuple[str, ...], set]] = defaultdict(lambda: defaultdict(set))
    for src, dst, line in crate.edges():
        common = 0
        while common < min(len(src), len(dst)) and src[common] == dst[common]:
            common += 1
        if common == len(src) or common == len(dst):
            continue  # a module and its own ancestor or descendant
        parent = src[:common]
        a, b = src[: common + 1], dst[: common + 1]
        deps[parent][a].add((b, f"{crate.modules[src]}:{line}"))
    for parent, graph in sorted(deps.items()):
        for scc in tarjan(graph):
            if len(scc) > 1:
                yield parent, sorted(scc), graph


def tarjan(graph):
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]
    nodes = set(graph) | {b for edges in graph.values() for b, _ in edges}

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w, _ in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = []
            while True:
                w = stack.pop()
                on.discard(w)
                scc.append(w)
                if w == v:
                    break
            out.append(scc)

    sys.setrecursionlimit(10000)
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def name(mod: tuple[str, ...]) -> str:
    return "::".join(mod) or "crate"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--allow", action="append", default=[], metavar="'PACKAGE: PARENT: A B ...'")
    args = ap.parse_args()
    allowed = {}
    for a in args.allow:
        package, parent, members = (s.strip() for s in a.split(":", 2))
        allowed[(package, parent, tuple(sorted(members.split())))] = a
    meta = json.loads(
        subprocess.run(
            ["cargo", "metadata", "--no-deps", "--format-version", "1"], check=True, capture_output=True, text=True
        ).stdout
    )
    seen_allowed, failed, crates = set(), False, 0
    for package in meta["packages"]:
        for target in package["targets"]:
            if "custom-build" in target["kind"]:
                continue
            crate = Crate(package["name"], target["name"], Path(target["src_path"]))
            crates += 1
            for parent, scc, graph in sibling_cycles(crate):
                members = tuple(m[-1] for m in scc)
                key = (package["name"], name(parent), tuple(sorted(members)))
                if key in allowed:
                    seen_allowed.add(key)
                else:
                    failed = True
                tag = "allowed (temporary)" if key in allowed else "CYCLE"
                print(f"{tag}: {crate.name}, in {name(parent)}: {' <-> '.join(members)}")
                for a in scc:
                    for b, where in sorted(graph[a]):
                        if b in scc:
                            print(f"    {name(a)} -> {name(b)}  ({where})")
    for key, text in allowed.items():
        if key not in seen_allowed:
            print(f"STALE ALLOWANCE: no such cycle any more, remove it: {text}")
            failed = True
    print(f"rust: {crates} crate targets checked")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
