"""Progress of a long step, readable wherever the output goes: a bar redrawn in place when a person
watches a terminal, and plain lines every few seconds when the output is a CI log or a file
(carriage-return frames would pile up there as one unreadable line)."""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["Meter", "interactive"]


def interactive() -> bool:
    """True when both stdout and stderr are terminals: `demo.py > log` or `| tee` gets plain lines
    even though stderr may still be a terminal, so the log and the screen tell the same story."""
    if os.environ.get("TERM") == "dumb":
        return False
    return sys.stdout.isatty() and sys.stderr.isatty()


def _seconds(s: float) -> str:
    return f"{s:.1f} s" if s < 10 else f"{s:,.0f} s"


class Meter:
    """Counts one step's items (``advance``) and shows them on ``stream``; ``close`` replaces the
    bar by a summary line. On a terminal the bar is redrawn at most ``fps`` times a second; else a
    line is printed every ``every`` seconds, so a short step prints its summary alone."""

    def __init__(
        self,
        label: str,
        unit: str,
        total: int | None = None,
        *,
        live: bool | None = None,
        every: float = 5.0,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
        fps: float = 15.0,
    ) -> None:
        self.label, self.unit, self.total = label, unit, total
        self.n = 0
        self.live = interactive() if live is None else live
        self._every, self._gap = every, 1.0 / fps
        self._out = stream if stream is not None else sys.stderr
        self._clock = clock
        self.started = clock()
        self._last = self.started
        self._drawn = False
        if self.live:
            self._draw()

    @property
    def elapsed(self) -> float:
        return self._clock() - self.started

    def advance(self, n: int = 1) -> None:
        self.n += n
        now = self._clock()
        if self.live and now - self._last >= self._gap:
            self._draw()
            self._last = now
        elif not self.live and now - self._last >= self._every:
            self._out.write(self.line() + "\n")
            self._out.flush()
            self._last = now

    def line(self) -> str:
        """The plain form: ``inventory: 8,000 / 20,000 images (40%), 12 s``."""
        if self.total:
            count = f"{self.n:,} / {self.total:,} {self.unit} ({100 * self.n // self.total}%)"
        else:
            count = f"{self.n:,} {self.unit}"
        return f"{self.label}: {count}, {_seconds(self.elapsed)}"

    def _frame(self, width: int) -> str:
        """One terminal line, never wider than the terminal: a wrapped line could not be redrawn."""
        elapsed = self.elapsed
        rate = f"{self.n / elapsed:,.0f}/s" if elapsed > 0.5 else ""
        if self.total:
            head = f"{self.label} "
            tail = f" {self.n:,} / {self.total:,} {self.unit}  {100 * self.n // self.total:3}%  {_seconds(elapsed)}"
            tail += f"  {rate}" if rate else ""
            room = min(40, width - len(head) - len(tail) - 3)
            if room >= 10:
                full = "█" if (self._out.encoding or "").lower().replace("-", "") == "utf8" else "#"
                empty = "░" if full == "█" else "-"
                done = min(room, room * self.n // self.total)
                return f"{head}[{full * done}{empty * (room - done)}]{tail}"[: width - 1]
            return (head + tail.lstrip())[: width - 1]
        text = f"{self.label}: {self.n:,} {self.unit}  {_seconds(elapsed)}" + (f"  {rate}" if rate else "")
        return text[: width - 1]

    def _draw(self) -> None:
        width = shutil.get_terminal_size((80, 24)).columns
        # \r back to the line's start, \x1b[K clears what a longer earlier frame left behind.
        self._out.write("\r" + self._frame(width) + "\x1b[K")
        self._out.flush()
        self._drawn = True

    def note(self, text: str) -> None:
        """A message (an error on one item) that must not be overwritten by the next frame."""
        if self.live and self._drawn:
            self._out.write("\r\x1b[K")
        self._out.write(text + "\n")
        if self.live:
            self._draw()
        self._out.flush()

    def close(self, summary: str | None = None) -> None:
        """The step is over: its summary (else the plain line) replaces the bar."""
        if self.live and self._drawn:
            self._out.write("\r\x1b[K")
        self._out.write((summary or self.line()) + "\n")
        self._out.flush()
