"""One column engine: ``to_csv``, ``to_arrow``/``to_pandas``/``to_parquet`` and the command line's
``-o csv`` give the same columns and values for the same list (core reads each record once, and
CSV and Arrow are two sinks of that reader), and the simulator's keywords are checked by name."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
import os
import pathlib
import subprocess
import sys
import urllib.error
import urllib.request
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from qualys_cs._native import NativeSimulator
from qualys_cs.testing import Simulator

SHA = "ab" * 32

# Records in the forms the rules care about: an unknown key (to `extra`), times as numbers and as
# digits, keys the nested structs do not declare.
ODD_IMAGES = [
    {
        "sha": SHA,
        "created": 1712049973701,
        "updated": "1712049973701",
        "repo": [{"registry": "r.example", "repository": "team/app", "tag": "1.0", "note": "x"}],
        "newKey": {"a": [1, 2.5, "x,y"]},
        "vulnerabilities": {"severity5Count": 2},
    },
]


def arrow_cell(v: Any, top: bool = True) -> Any:
    """An Arrow value as the CSV writes it: a top-level time in ISO 8601 (ms, UTC), a nested one
    in epoch milliseconds; lists and structs as the JSON they are written as (parsed); an empty
    string is an empty cell, as null is."""
    if v == "" and top:
        return None
    if isinstance(v, dt.datetime):
        ms = int(v.timestamp() * 1000)
        if not top:
            return ms
        return v.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"
    if isinstance(v, list):
        return [arrow_cell(x, False) for x in v]
    if isinstance(v, dict):
        return {k: arrow_cell(x, False) for k, x in v.items()}
    return v


def csv_cell(text: str, ty: pa.DataType) -> Any:
    """A CSV cell read back by its Arrow column's type."""
    if text == "":
        return None
    if pa.types.is_list(ty) or pa.types.is_struct(ty):
        return json.loads(text)
    if pa.types.is_integer(ty):
        return int(text)
    if pa.types.is_floating(ty):
        return float(text)
    if pa.types.is_boolean(ty):
        return {"true": True, "false": False}[text]
    return text


def cli_csv(words: list[str], sim: Simulator, home: pathlib.Path) -> bytes:
    r = subprocess.run(
        [sys.executable, "-m", "qualys_cs._cli", *words, "--all", "-o", "csv"],
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(home), **sim.env()},
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_csv_arrow_parquet_and_cli_agree(tmp_path: pathlib.Path) -> None:
    with Simulator(images=40) as sim:
        sim.add_images(ODD_IMAGES)
        client = sim.client()
        path = tmp_path / "images.csv"
        n = client.images.list(page_size=9).to_csv(path)
        data = path.read_bytes()
        assert cli_csv(["images", "list", "--page-size", "9"], sim, tmp_path) == data
        table = client.images.list(page_size=9).to_arrow()
        client.images.list(page_size=9).to_parquet(tmp_path / "images.parquet")
        frame = client.images.list(page_size=9).to_pandas()

    rows = list(csv.reader(io.StringIO(data.decode(), newline="")))
    header, body = rows[0], rows[1:]
    assert header == table.column_names == list(frame.columns)
    assert len(body) == n == table.num_rows == len(frame) == 41
    assert pq.read_table(tmp_path / "images.parquet").equals(table)
    for name, ty in zip(table.column_names, table.schema.types, strict=True):
        column = table.column(name).to_pylist()
        for i, row in enumerate(body):
            assert csv_cell(row[header.index(name)], ty) == arrow_cell(column[i]), (name, i)

    # The odd record came through the same rules in both.
    odd = table.filter(pa.compute.equal(table.column("sha"), SHA)).to_pylist()[0]
    assert odd["repository"] == "team/app"
    assert odd["created"] == dt.datetime(2024, 4, 2, 9, 26, 13, 701000, tzinfo=dt.timezone.utc)
    assert odd["vulnerabilities.severity5Count"] == 2
    extra = json.loads(odd["extra"])
    assert extra["newKey"] == {"a": [1, 2.5, "x,y"]}
    assert extra["repo"][0]["note"] == "x"


def test_a_misspelt_simulator_option_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"rate_limt.*did you mean `rate_limits`\?"):
        NativeSimulator(rate_limt=True)
    with pytest.raises(ValueError, match=r"unknown rate-limit family `images/lst` \(did you mean `images/list`\?\)"):
        Simulator(rate_limits={"images/lst": (1, 60)})
    with pytest.raises(ValueError, match=r"faults\.eror_rate: .*did you mean `faults\.error_rate`\?"):
        Simulator(faults={"eror_rate": 0.5})
    # Python's names are snake_case, its durations seconds: Node's spelling is refused, not guessed.
    with pytest.raises(ValueError, match=r"latencyMs: .*did you mean `latency_ms`, in milliseconds\?"):
        NativeSimulator(latencyMs=50)
    with pytest.raises(ValueError, match=r"between 0 and 1"):
        Simulator(faults={"error_rate": 2})


def test_simulator_keywords_are_the_options_the_simulator_reads() -> None:
    # The wrapper's signature is what editors and type checkers offer: it names exactly the options
    # of the simulator's one reader, and hands each one on (a value reaches the simulator).
    import inspect

    params = set(inspect.signature(Simulator.__init__).parameters) - {"self"}
    assert params == set(NativeSimulator.option_names())
    with Simulator(
        sensors=3,
        registries=2,
        link_host="http://elsewhere.example",
        rate_limits={"images/list": (1, 60)},
        retry_after=True,
    ) as sim:
        client = sim.client(auth="basic")
        assert sum(1 for _ in client.sensors.list()) == 3
        assert sum(1 for _ in client.registries.list()) == 2
        auth = base64.b64encode(f"{sim.username}:{sim.password}".encode()).decode()
        req = urllib.request.Request(
            f"{sim.url}/csapi/v1.3/images/list?limit=1", headers={"Authorization": f"Basic {auth}"}
        )
        with urllib.request.urlopen(req, timeout=30) as r:
            assert r.headers["link"].startswith("<http://elsewhere.example/")
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req, timeout=30)
        assert e.value.code == 429 and e.value.headers["Retry-After"]


def list_status(sim: Simulator) -> int:
    auth = base64.b64encode(f"{sim.username}:{sim.password}".encode()).decode()
    req = urllib.request.Request(
        f"{sim.url}/csapi/v1.3/images/list?limit=1", headers={"Authorization": f"Basic {auth}"}
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            r.read()
            return int(r.status)
    except urllib.error.HTTPError as e:
        return int(e.code)


def test_a_valid_simulator_option_takes_effect() -> None:
    with Simulator(images=3, rate_limits={"images/list": (1, 60)}) as sim:
        assert [list_status(sim), list_status(sim)] == [200, 429]
    with Simulator(counts={"images": 4}, generated=False) as sim:
        assert sim.client().images.list().to_arrow().num_rows == 4
