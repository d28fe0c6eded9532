"""`make demo` as its users meet it: the progress in a CI log and on a terminal, and the HTML report
(source and time, severity mix, the running critical images with QIDs, CVEs and fixes, escaping,
labels cut only at word boundaries)."""

from __future__ import annotations

import datetime
import fcntl
import html.parser
import os
import pathlib
import pty
import re
import struct
import subprocess
import sys
import termios
import time

from .conftest import ROOT

DEMO = ROOT / "examples" / "demo.py"
sys.path.insert(0, str(ROOT / "examples"))

#: The first words of every progress line of the demo (its steps).
STEPS = ("inventory", "critical images", "running containers", "vulnerabilities", "plain loop")
PROGRESS = re.compile(rf"^({'|'.join(STEPS)}): ")


def env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("QUALYS_")}


def run_piped(out: pathlib.Path, *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    r = subprocess.run([sys.executable, str(DEMO), "--short", "--out", str(out), *args],
                       capture_output=True, text=True, env=env(), timeout=120)  # fmt: skip
    assert r.returncode == 0, r.stderr
    return r, time.monotonic() - started


def test_piped_progress_is_plain_lines(tmp_path: pathlib.Path) -> None:
    """Output to a pipe (CI logs, `make demo > log`): no carriage-return frames, one summary line per
    step and, at the default 5 s, at most one more line per step and 5 s of run."""
    r, secs = run_piped(tmp_path)
    text = r.stdout + r.stderr
    assert "\r" not in text and "\x1b[" not in text
    lines = [line for line in r.stderr.splitlines() if PROGRESS.match(line)]
    for step in STEPS:
        assert sum(line.startswith(step + ":") for line in lines) >= 1, (step, lines)
    assert len(lines) <= len(STEPS) * (2 + int(secs / 5)), lines
    assert "inventory: 600 images in " in r.stderr


def test_piped_progress_line_format(tmp_path: pathlib.Path) -> None:
    """`--progress-every 0`: a line at every page or image, counted against the total."""
    r, _ = run_piped(tmp_path, "--progress-every", "0")
    assert "\r" not in r.stderr
    inventory = [line for line in r.stderr.splitlines() if re.match(r"^inventory: [\d,]+ / ", line)]
    # 600 images in pages of 250: after each of the 3 pages.
    assert [line.split(",")[0] for line in inventory] == [
        "inventory: 250 / 600 images (41%)",
        "inventory: 500 / 600 images (83%)",
        "inventory: 600 / 600 images (100%)",
    ]
    assert all(re.fullmatch(r"inventory: [\d,]+ / 600 images \(\d+%\), \d+\.\d s", line) for line in inventory)
    vulns = [line for line in r.stderr.splitlines() if re.match(r"^vulnerabilities: \d+ / 30 images", line)]
    assert len(vulns) == 30


def test_terminal_progress_is_redrawn_in_place(tmp_path: pathlib.Path) -> None:
    """stdout and stderr on a terminal (a pty, 100 columns): the bar is redrawn in place (carriage
    return, erase to the end of the line), never wider than the terminal, and each step ends
    with its summary on a line of its own."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    e = env()
    e.pop("COLUMNS", None)
    e["TERM"] = "xterm-256color"
    p = subprocess.Popen([sys.executable, str(DEMO), "--short", "--out", str(tmp_path)],
                         stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=e)  # fmt: skip
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child has exited and closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert p.wait(timeout=120) == 0
    text = b"".join(chunks).decode()
    frames = re.findall(r"\r([^\r\n]*?)\x1b\[K", text)
    inventory = [f for f in frames if f.startswith("inventory ")]
    # The first frame (0 of 600), then the summary replacing the bar in place. Frames between
    # them are drawn at most 15 times a second, so a fast build may draw none (the meter's own
    # pacing is the plain-line test's subject).
    assert len(inventory) >= 1, frames
    assert re.search(r"inventory \[[█░#-]+\] +0 / 600 images", inventory[0]), inventory
    assert all(len(f) < 100 for f in frames)
    assert "\r\x1b[Kinventory: 600 images in " in text
    for step in STEPS:
        assert any(f.startswith(step) for f in frames), step
    # On a terminal the report is written all the same.
    assert (tmp_path / "report.html").stat().st_size > 0


class _Page(html.parser.HTMLParser):
    """The parts of the report the tests look at: text by section, and what each tooltip shortens."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.titled: list[tuple[str, str]] = []
        self._open: list[tuple[str, str | None, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        title = dict(attrs).get("title")
        if tag != "wbr":
            self._open.append((tag, title, []))

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            t, title, text = self._open.pop()
            if self._open:
                self._open[-1][2].extend(text)
            if title is not None and t == "span":
                self.titled.append(("".join(text), title))
            if t == tag:
                break

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._open:
            self._open[-1][2].append(data)


def test_report_acts_on_the_running_critical_images(tmp_path: pathlib.Path) -> None:
    run_piped(tmp_path)
    report = (tmp_path / "report.html").read_text()
    page = _Page()
    page.feed(report)
    text = " ".join(" ".join(page.text).split())
    # The source, labelled as simulated, and the time of the run.
    assert "Simulated data." in text and "embedded simulator at http://127.0.0.1:" in text
    when = re.search(r'<time datetime="([^"]+)">', report)
    assert when is not None
    assert (
        abs(datetime.datetime.fromisoformat(when.group(1)) - datetime.datetime.now().astimezone()).total_seconds() < 300
    )
    # The severity mix as a chart: one segment per level present, a legend entry for each level.
    assert report.count('class="seg"') >= 3 and all(f"{n} · " in text for n in range(1, 6))
    # The table: every row names repository:tag, severity-5 QIDs, CVEs and a fix status.
    body = report.split("<tbody>")[1].split("</tbody>")[0]
    rows = body.split("<tr>")[1:]
    assert rows
    for row in rows:
        image = re.search(r'class="img">(.*?)</div>', row)
        assert image is not None and re.fullmatch(r"[^:\s]+:\S+", re.sub(r"<[^>]+>", "", image.group(1))), row
        assert 'class="qid"' in row and 'class="cve">CVE-' in row
        assert re.search(r'class="badge (ok|part|none)"', row)
    assert "→" in body  # a package's fixed version
    # The sequential-loop comparison is a footnote, referenced from the inventory figure.
    assert 'href="#note-1"' in report
    footer = report.split("<footer>")[1]
    assert "plain sequential loop" in footer and "600 images" in footer
    assert "plain sequential loop" not in report.split("<footer>")[0]
    # Nothing leaves the page: no script, no stylesheet or image fetched.
    assert "<script" not in report and "http" not in re.sub(r"http://127\.0\.0\.1:\d+", "", report)
    # Each shortened label is a whole-word prefix of its tooltip.
    for shown, full in page.titled:
        if shown.endswith("…"):
            head = shown[:-1]
            assert full.startswith(head) and full[len(head)] in " /-_:,.", (shown, full)


def test_report_escapes_and_cuts_at_word_boundaries() -> None:
    from _report import RunningImage, Source, Triage, render, shorten

    # Every string from the API or the environment carries markup that must come out as text.
    def evil(name: str) -> str:
        return f'EVIL{name}"><evil-{name}>&'

    hostile = '<script>alert("x")</script> & more'
    finding = {"qid": 1, "severity": 5, "title": hostile, "cves": [evil("cve")], "patchAvailable": False,
               "fixes": [{"software": evil("lib"), "version": "1", "fixVersion": evil("fix")}]}  # fmt: skip
    t = Triage(
        source=Source(simulated=False, url=evil("url"), platform=evil("platform")),
        started=datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
        seconds=1.0,
        images=1,
        critical=1,
        fetched_images=1,
        findings=[finding],
        running=[
            RunningImage(evil("sha"), [(evil("repo"), evil("registry")), (evil("other"), evil("reg2"))], 2, [finding])
        ],
        by_repo=[(evil("by-repo"), 1)],
        top_qids=[(1, hostile, 1)],
        benchmark=evil("benchmark"),
        files=[evil("file")],
    )
    out = render(t)
    assert "<script" not in out and "<evil" not in out
    names = ("cve", "lib", "fix", "url", "platform", "sha", "repo", "registry", "other", "by-repo", "benchmark", "file")
    for name in names:
        # Shown as text, its quote escaped too: it cannot close an attribute (the tooltips).
        assert f'EVIL{name}"' not in out and f"EVIL{name}&quot;&gt;&lt;evil-{name}&gt;&amp;" in out, name
    assert "&lt;script&gt;" in out and "source: <strong>Qualys platform EVILplatform&quot;" in out
    assert "Simulated" not in out and 'class="banner' not in out

    assert shorten("short title", 20) == "short title"
    cut = shorten("Oracle Java SE Critical Patch Update April 2024", 30)
    assert cut == '<span title="Oracle Java SE Critical Patch Update April 2024">Oracle Java SE Critical Patch…</span>'
    # Long tokens may wrap after path separators instead of overflowing.
    assert shorten("registry.example.com/team/service", 60) == "registry.example.com/<wbr>team/<wbr>service"
