"""The progress bar of ``progress=True`` on lists and exports (tqdm, imported on first use)."""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["Progress"]


class Progress:
    """A bar of records fetched: tqdm when installed (``tqdm.auto``: a widget in Jupyter, text in
    a terminal), else one line on stderr rewritten in place. The total is the API's ``count``, known
    from the first page of page-numbered lists; cursor lists count up without one."""

    def __init__(self, desc: str, total: int | None) -> None:
        self._n = 0
        self._desc = desc
        self._total = total
        self._bar: Any = None
        try:
            from tqdm.auto import tqdm
        except ImportError:
            return
        self._bar = tqdm(total=total, desc=desc, unit=" records", leave=True)

    def update(self, n: int, total: int | None) -> None:
        self._n += n
        if self._bar is not None:
            if total is not None and self._bar.total != total:
                self._bar.total = total
                self._bar.refresh()
            self._bar.update(n)
            return
        self._total = total if total is not None else self._total
        of = f"/{self._total}" if self._total is not None else ""
        sys.stderr.write(f"\r{self._desc}: {self._n}{of} records")
        sys.stderr.flush()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        else:
            sys.stderr.write("\n")
            sys.stderr.flush()
