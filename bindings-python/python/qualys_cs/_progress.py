"""The progress bar of ``progress=True`` on lists and exports (tqdm, imported on first use)."""

from __future__ import annotations

import os
import sys
from typing import Any, TextIO

__all__ = ["Progress"]


def _in_notebook() -> bool:
    """True in a Jupyter kernel (notebook, JupyterLab, VS Code), where stderr is shown as a pink
    box: the same test as ``tqdm.autonotebook``, without its warnings. Qt console and Spyder run a
    kernel too but draw text bars, so they count as terminals."""
    if "ipykernel.zmqshell" not in sys.modules:
        return False
    return not any(k == "QT_API" or k.startswith("SPYDER") for k in os.environ)


def _tqdm(notebook: bool) -> Any:
    """The tqdm class to use, or None without tqdm. ``tqdm.auto`` would warn (``TqdmWarning:
    IProgress not found``) in a notebook without ipywidgets and fall back anyway; choosing here
    gives the widget bar when ipywidgets is there and the text bar, with no warning, when not."""
    try:
        from tqdm.std import tqdm
    except ImportError:
        return None
    if notebook:
        # tqdm.notebook imports ipywidgets itself and leaves IProgress None when it cannot.
        from tqdm.notebook import IProgress
        from tqdm.notebook import tqdm as notebook_tqdm

        if IProgress is not None:
            return notebook_tqdm
    return tqdm


class Progress:
    """A bar of records fetched: tqdm when installed (a widget in Jupyter with ipywidgets, else
    text), or one line rewritten in place. The text goes to stderr, except in a notebook, where it
    goes to stdout so that the bar is not drawn as an error. The total is the API's ``count``,
    known from the first page of page-numbered lists; cursor lists count up without one."""

    def __init__(self, desc: str, total: int | None) -> None:
        self._n = 0
        self._desc = desc
        self._total = total
        notebook = _in_notebook()
        self._out: TextIO = sys.stdout if notebook else sys.stderr
        self._bar: Any = None
        cls = _tqdm(notebook)
        if cls is not None:
            self._bar = cls(total=total, desc=desc, unit=" records", leave=True, file=self._out)

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
        self._out.write(f"\r{self._desc}: {self._n}{of} records")
        self._out.flush()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        else:
            self._out.write("\n")
            self._out.flush()
