"""Checks the release artifacts in dist/ without installing them (tests/install/test_dist.sh installs).

- Every Linux binary (the extension in each wheel, the addon in each npm platform package) is an ELF
  file of the architecture its name says; a glibc one needs no symbol version newer than GLIBC_2.17
  (manylinux2014, and what the npm gnu packages promise); a musl one needs no glibc at all.
- `auditwheel show` puts each wheel of this machine's libc under the policy of its tag
  (manylinux_2_17 here; musllinux_1_2 when run on Alpine, as the release workflow does).
- Size budgets: a wheel at most 6.5 MB (the core, the Arrow reader, the simulator and the command
  line with its MCP server, in one extension); the installed npm package (main + one platform) at most 16.5 MB.
- The npm main tarball holds no build output (`target/`, `.node`).
- The READMEs users read on PyPI and npm: every relative link names a file shipped in the package
  (PyPI ships none beside the text, so its README has absolute links only), every `#anchor` a heading.

Usage: python3 tests/install/check_dist.py DIST [--auditwheel PATH]
"""

from __future__ import annotations

import argparse
import email
import io
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

# 6.5 MB: the MCP server (rmcp's protocol types) added about 1.2 MB to the 4.6 MB wheel; the server
# ships in the same binary as the command line everywhere (pip, npm), so it is not split out.
WHEEL_BUDGET = 6_500_000
# 16.5 MB installed (main + one platform package): the addon is about 14 MB stripped (text 10 MB:
# the client core, the simulator behind `qualys-cs sim` and the tests' helpers, the command line
# and its MCP server, about 0.8 MB of it rmcp's protocol code even at opt-level "z"), the main
# package 1.9 MB (the JS layer, types, and the Rust sources for `build-from-source`). The MCP
# server took it from 14.3 to 15.9 MB; the budget leaves room for a release's growth, not another
# subsystem.
NPM_BUDGET = 16_500_000
# ELF e_machine values.
MACHINES = {"x86_64": 62, "aarch64": 183}
failures: list[str] = []
HOST_LIBC = "musl" if list(Path("/lib").glob("ld-musl-*")) else "gnu"


def fail(msg: str) -> None:
    failures.append(msg)
    print(f"FAIL {msg}")


def elf_machine(data: bytes) -> int | None:
    if data[:4] != b"\x7fELF":
        return None
    return int.from_bytes(data[18:20], "little")


def glibc_versions(path: Path) -> tuple[list[str], list[str]]:
    """(GLIBC_x.y versions the binary needs, its NEEDED libraries), from readelf (any architecture)."""
    versions = subprocess.run(["readelf", "-V", "-W", str(path)], capture_output=True, text=True, check=True).stdout
    dynamic = subprocess.run(["readelf", "-d", "-W", str(path)], capture_output=True, text=True, check=True).stdout
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dynamic)
    return sorted(set(re.findall(r"Name: GLIBC_([0-9.]+)", versions))), needed


def vkey(v: str) -> tuple[int, ...]:
    return tuple(int(x) for x in v.split("."))


def check_binary(label: str, data: bytes, arch: str, libc: str) -> str:
    machine = elf_machine(data)
    if machine != MACHINES[arch]:
        fail(f"{label}: ELF machine {machine}, expected {arch} ({MACHINES[arch]})")
    with tempfile.NamedTemporaryFile(suffix=".so") as f:
        f.write(data)
        f.flush()
        versions, needed = glibc_versions(Path(f.name))
    if libc == "gnu":
        newest = max(versions, key=vkey) if versions else "none"
        if versions and vkey(newest) > (2, 17):
            fail(f"{label}: needs GLIBC_{newest} (newer than 2.17): {', '.join(versions)}")
        return f"glibc >= {newest}"
    # musllinux: musl's libc.so is the one system library allowed; glibc ones (libc.so.6, ...) are not.
    if versions or set(needed) - {"libc.so"}:
        fail(f"{label}: a musl binary that needs more than musl's libc.so: {versions}, {needed}")
    return "musl libc.so only"


def arch_libc(name: str) -> tuple[str, str]:
    arch = "aarch64" if ("aarch64" in name or "arm64" in name) else "x86_64"
    return arch, "musl" if "musl" in name else "gnu"


def headings(md: str) -> set[str]:
    out = set()
    for h in re.findall(r"^#+\s+(.+)$", md, re.M):
        slug = re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-")
        out.add(slug)
    return out


def check_links(label: str, md: str, shipped: set[str] | None) -> None:
    """`shipped`: the files a relative link may name; None: no relative link may appear (PyPI)."""
    # Inline links and images, not inside code spans or fences.
    text = re.sub(r"```.*?```", "", md, flags=re.S)
    text = re.sub(r"`[^`\n]*`", "", text)
    anchors = headings(md)
    for target in re.findall(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)", text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):
            continue
        if target.startswith("#"):
            if target[1:] not in anchors:
                fail(f"{label}: link {target} names no heading")
            continue
        path = target.split("#")[0]
        if shipped is None:
            fail(f"{label}: relative link {target}: PyPI shows the README alone, so links must be absolute")
        elif path.lstrip("./") not in shipped:
            fail(f"{label}: link {target} names a file the package does not ship")


def check_wheel(whl: Path, auditwheel: str | None) -> list[str]:
    arch, libc = arch_libc(whl.name)
    size = whl.stat().st_size
    if size > WHEEL_BUDGET:
        fail(f"{whl.name}: {size / 1e6:.2f} MB, budget {WHEEL_BUDGET / 1e6:.1f} MB")
    if "linux" not in whl.name:  # macOS, Windows: the budget only (their runners test the install)
        return ["Python " + whl.name.split("-")[-1].removesuffix(".whl"), whl.name, f"{size / 1e6:.2f} MB", "-", "-"]
    with zipfile.ZipFile(whl) as z:
        libs = [n for n in z.namelist() if n.endswith(".so")]
        if len(libs) != 1:
            fail(f"{whl.name}: expected one extension module, found {libs}")
        need = check_binary(whl.name, z.read(libs[0]), arch, libc) if libs else "?"
        meta_name = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        meta = email.message_from_bytes(z.read(meta_name))
        check_links(f"{whl.name} README (PyPI)", str(meta.get_payload()), None)
    policy = "-"
    # auditwheel resolves the wheel's libc on this machine, so it can judge only wheels of its own
    # libc (a musl wheel's libc.so is not found on glibc, and the other way round); the release
    # workflow runs this script in Alpine too.
    if auditwheel and libc == HOST_LIBC:
        out = subprocess.run([auditwheel, "show", str(whl)], capture_output=True, text=True).stdout
        m = re.search(r'consistent with the following platform tag:\s*"([^"]+)"', out.replace("\n", " "))
        policy = m.group(1) if m else "?"
        want = "musllinux_1_2" if libc == "musl" else "manylinux_2_17"
        if not policy.startswith(want):
            fail(f"{whl.name}: auditwheel says {policy!r}, expected {want}_*\n{out}")
    return [f"Python {arch} {libc}", whl.name, f"{size / 1e6:.2f} MB", need, f"auditwheel: {policy}"]


def members(tgz: Path) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(tgz) as t:
        return {m.name.removeprefix("package/"): m for m in t.getmembers() if m.isfile()}


def read_member(tgz: Path, name: str) -> bytes:
    with tarfile.open(tgz) as t:
        f = t.extractfile(f"package/{name}")
        assert f is not None
        return f.read()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("dist", type=Path)
    ap.add_argument("--auditwheel")
    args = ap.parse_args()
    dist: Path = args.dist
    rows: list[list[str]] = []

    for whl in sorted(dist.glob("qualys_cs-*.whl")):
        rows.append(check_wheel(whl, args.auditwheel))

    mains = sorted(p for p in dist.glob("qualys-cs-[0-9]*.tgz"))
    if len(mains) != 1:
        fail(f"expected one npm main tarball in {dist}, found {[p.name for p in mains]}")
        return report(rows)
    main_tgz = mains[0]
    main_files = members(main_tgz)
    bad = [n for n in main_files if n.startswith("target/") or "/target/" in n or n.endswith(".node")]
    if bad:
        fail(f"{main_tgz.name} ships build output: {bad[:5]}")
    readme = read_member(main_tgz, "README.md").decode()
    check_links(f"{main_tgz.name} README (npm)", readme, set(main_files))
    main_size = sum(m.size for m in main_files.values())
    rows.append(
        [
            "npm main (all platforms)",
            main_tgz.name,
            f"{main_tgz.stat().st_size / 1e6:.2f} MB",
            "-",
            f"{main_size / 1e6:.2f} MB unpacked",
        ]
    )

    for tgz in sorted(set(dist.glob("qualys-cs-*.tgz")) - {main_tgz}):
        arch, libc = arch_libc(tgz.name)
        files = members(tgz)
        nodes = [n for n in files if n.endswith(".node")]
        if len(nodes) != 1:
            fail(f"{tgz.name}: expected one .node, found {nodes}")
            continue
        linux = tgz.name.startswith("qualys-cs-linux-")
        need = check_binary(tgz.name, read_member(tgz, nodes[0]), arch, libc) if linux else "-"
        installed = main_size + sum(m.size for m in files.values())
        if installed > NPM_BUDGET:
            fail(f"{tgz.name}: main + platform {installed / 1e6:.2f} MB installed, budget {NPM_BUDGET / 1e6:.0f} MB")
        rows.append(
            [
                f"Node {tgz.name.split('-')[2]}-{tgz.name.split('-')[3]}" + (f"-{libc}" if linux else ""),
                tgz.name,
                f"{tgz.stat().st_size / 1e6:.2f} MB",
                need,
                f"installed with main: {installed / 1e6:.2f} MB",
            ]
        )
    return report(rows)


def report(rows: list[list[str]]) -> int:
    out = io.StringIO()
    for r in rows:
        out.write("  " + " | ".join(r) + "\n")
    print(out.getvalue(), end="")
    if failures:
        print(f"check_dist: {len(failures)} failed")
        return 1
    print(f"check_dist: {len(rows)} artifacts ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
