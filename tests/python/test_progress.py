"""`progress=True` in Jupyter (a real kernel, run by nbclient): the widget bar with ipywidgets, the
text bar without it, and in neither case a warning or anything on stderr (a pink box in the
notebook)."""

from __future__ import annotations

from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("tqdm")  # the [progress] extra

SETUP = """\
from qualys_cs.testing import Simulator
sim = Simulator(images=250)
client = sim.client()
"""
LIST = """\
rows = client.images.list(page_size=100).to_list(progress=True)
print("rows:", len(rows))
"""


def run(cells: list[str]) -> list[dict[str, Any]]:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nbclient.NotebookClient(nb, timeout=120, startup_timeout=60, kernel_name="python3").execute()
    return [dict(o) for c in nb.cells for o in c.get("outputs", [])]


def test_without_ipywidgets_a_text_bar_on_stdout_and_no_warning() -> None:
    # ipywidgets may be installed here: the first cell makes its import fail, as when it is not.
    outputs = run(["import sys\nsys.modules['ipywidgets'] = None", SETUP, LIST])
    stderr = [o for o in outputs if o.get("name") == "stderr"]
    assert not stderr, stderr
    assert not [o for o in outputs if o["output_type"] == "error"]
    text = "".join(str(o.get("text", "")) for o in outputs if o.get("name") == "stdout")
    assert "IProgress" not in text and "Warning" not in text
    assert "images.list(page_size=100): 100%" in text and "250/250" in text
    assert "rows: 250" in text
    assert not [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]


def test_with_ipywidgets_the_widget_bar() -> None:
    pytest.importorskip("ipywidgets")
    outputs = run([SETUP, LIST])
    assert not [o for o in outputs if o.get("name") == "stderr"]
    widgets = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(widgets) == 1
    # The widget's text form (for frontends without widgets) names the query.
    assert "images.list(page_size=100)" in str(widgets[0]["data"].get("text/plain", ""))
    text = "".join(str(o.get("text", "")) for o in outputs if o.get("name") == "stdout")
    assert "rows: 250" in text
