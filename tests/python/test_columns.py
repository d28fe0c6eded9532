"""Columnar results and exports: to_arrow/to_pandas/to_polars and to_jsonl/to_csv/to_parquet against
the same records as dicts, for every list."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import json
import pathlib
from typing import Any

import pytest

from qualys_cs import AsyncClient, Client, DecodeError, PageInfo
from qualys_cs._native import schema_json
from qualys_cs.testing import Simulator

from .conftest import ENDPOINTS

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

LISTS = [e for e in ENDPOINTS if e.get("pagination")]


def _call(client: Client, e: dict[str, Any], samples: dict[str, Any]) -> Any:
    target: Any = client
    for part in e["resource"].split("."):
        target = getattr(target, part)
    args = [samples[p["arg"]] for p in e["path_params"]]
    return getattr(target, e["method"])(*args)


def _expected(value: Any, typ: str) -> Any:
    """A dict value as its column holds it."""
    if value is None:
        return None
    if typ.startswith("timestamp"):
        if value == "":
            return None
        if isinstance(value, str) and not value.lstrip("-").isdigit():
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.timezone.utc)
        return dt.datetime.fromtimestamp(int(value) / 1000, tz=dt.timezone.utc)
    if typ == "int64" and isinstance(value, str):
        return int(value) if value else None
    return value


def _check_value(got: Any, want: Any, typ: str, where: str) -> None:
    if want is None:
        assert got is None, where
    elif typ == "json":
        assert (None if got is None else json.loads(got)) == want, where
    elif typ.startswith("timestamp"):
        assert got == _expected(want, typ), where
    elif typ.startswith("list<") and isinstance(want, list):
        assert got is not None and len(got) == len(want), where
        inner = typ[5:-1]
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            _check_value(g, w, inner, f"{where}[{i}]")
    elif typ.startswith("list<") and isinstance(want, dict):  # one object where a list is declared
        _check_value(got, [want], typ, where)
    elif typ.startswith("struct<"):
        assert isinstance(got, dict) and isinstance(want, dict), where
        for k, w in want.items():
            if k in got:
                sub = _struct_type(typ, k)
                _check_value(got[k], w, sub, f"{where}.{k}")
    else:
        assert got == _expected(want, typ), where


def _struct_type(typ: str, key: str) -> str:
    """The type of field ``key`` in a ``struct<a: t, b: u>`` description."""
    body, depth, start, parts = typ[7:-1], 0, 0, []
    for i, ch in enumerate(body):
        if ch in "<":
            depth += 1
        elif ch in ">":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(body[start:i].strip())
            start = i + 1
    parts.append(body[start:].strip())
    for p in parts:
        name, _, t = p.partition(": ")
        if name == key:
            return t
    raise AssertionError(f"{key} not in {typ}")


def _account(items: list[dict[str, Any]], table: Any, columns: list[dict[str, str]]) -> None:
    """Every field of every record is in a column (its value equal) or in ``extra``."""
    rows = table.to_pylist()
    assert len(rows) == len(items)
    by_name = {c["name"]: c for c in columns}
    for n, (item, row) in enumerate(zip(items, rows, strict=True)):
        extra = json.loads(row["extra"]) if row["extra"] else {}
        for key, value in item.items():
            if key in extra:
                assert extra[key] == value
                continue
            if key in by_name:
                _check_value(row[key], value, by_name[key]["type"], f"record {n}: {key}")
            elif isinstance(value, dict) or value is None:
                subs = [c for c in columns if c["from"].startswith(key + ".")]
                assert subs or value is None, f"record {n}: {key} has no column"
                for sub_key, sub_value in (value or {}).items():
                    name = f"{key}.{sub_key}"
                    assert name in by_name, f"record {n}: {name} has no column and is not in extra"
                    _check_value(row[name], sub_value, by_name[name]["type"], f"record {n}: {name}")
            else:
                raise AssertionError(f"record {n}: {key} is neither a column nor in extra")


@pytest.mark.parametrize("e", LISTS, ids=[f"{e['resource']}.{e['method']}" for e in LISTS])
def test_to_arrow_accounts_for_every_field(client: Client, samples: dict[str, Any], e: dict[str, Any]) -> None:
    items = _call(client, e, samples).to_list()
    table = _call(client, e, samples).to_arrow()
    columns = json.loads(schema_json(e["response"]["model"]))
    assert table.schema.names == [c["name"] for c in columns]
    _account(items, table, columns)


def test_image_schema_types(client: Client) -> None:
    t = client.images.list().to_arrow()
    s = t.schema
    assert str(s.field("created").type) == "timestamp[ms, tz=UTC]"
    assert str(s.field("vulnerabilities.severity5Count").type) == "int64"
    assert str(s.field("lastFoundOnHost.hostname").type) == "string"
    assert str(s.field("repo").type) == "list<item: struct<registry: string, tag: string, repository: string>>"
    row = t.slice(0, 1).to_pylist()[0]
    assert row["repository"] == row["repo"][0]["repository"] and row["tag"] == row["repo"][0]["tag"]


def test_list_and_bulk_list_share_columns(client: Client) -> None:
    a = set(client.images.list().to_arrow().schema.names)
    b = set(client.images.bulk_list().to_arrow().schema.names)
    for name in ("created", "updated", "sha", "uuid", "repository", "tag", "registry", "size", "lastScanned",
                 "lastFoundOnHost.hostname", "imageId", "extra"):  # fmt: skip
        assert name in a and name in b, name


def test_same_schema_on_every_page_and_empty(client: Client) -> None:
    full = client.images.list(page_size=7).to_arrow()
    assert full.num_rows == 250
    empty = client.images.list(filter="sha:nope").to_arrow()
    assert empty.num_rows == 0 and empty.schema == full.schema


def test_to_pandas_and_polars(client: Client) -> None:
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    df = client.images.list().to_pandas()
    assert len(df) == 250 and str(df["created"].dtype) == "datetime64[ms, UTC]"
    assert df.groupby("repository")["vulnerabilities.severity5Count"].sum().sum() >= 0
    assert isinstance(df, pd.DataFrame)
    # Lists and structs stay Arrow-backed; explode and the struct accessor work on them.
    bulk = client.images.bulk_list().to_pandas()
    assert isinstance(bulk["vulnerabilities"].dtype, pd.ArrowDtype)
    qids = bulk["vulnerabilities"].explode().dropna().struct.field("qid")
    assert len(qids) == sum(len(v or []) for v in client.images.bulk_list().to_arrow()["vulnerabilities"].to_pylist())
    assert bulk["vulnerabilities"].explode().dropna().map(lambda v: v["qid"]).tolist() == qids.tolist()
    py = client.images.bulk_list().to_pandas(nested="python")
    assert py["repo"].dtype == object and not isinstance(py["repo"].dtype, pd.ArrowDtype)
    with pytest.raises(ValueError, match="nested: must be 'arrow' or 'python'"):
        client.images.list().to_pandas(nested="lists")  # type: ignore[arg-type]
    p = client.images.bulk_list().to_polars()
    assert isinstance(p, pl.DataFrame) and p.height == 250
    assert str(p.schema["created"]) == "Datetime(time_unit='ms', time_zone='UTC')"


async def test_async_to_arrow(aclient: AsyncClient) -> None:
    t = await asyncio.wait_for(aclient.containers.list(page_size=50).to_arrow(), 30)
    assert t.num_rows == 120 and "host.hostname" in t.schema.names


def test_progress_and_on_page_on_to_arrow(client: Client) -> None:
    seen: list[PageInfo] = []
    t = client.images.list(page_size=100, on_page=seen.append).to_arrow(progress=True)
    assert t.num_rows == 250 and [p.count for p in seen] == [100, 100, 50] and seen[-1].records == 250


def test_a_partly_read_pager_refuses_columns(client: Client) -> None:
    pager = client.images.list(page_size=100)
    next(iter(pager))
    with pytest.raises(RuntimeError, match="read partly"):
        pager.to_arrow()


def test_truth_then_columns(client: Client) -> None:
    pager = client.images.list(page_size=100)
    assert pager
    assert pager.to_arrow().num_rows == 250


def test_a_value_that_does_not_fit_names_the_field(client: Client, sim: Simulator) -> None:
    bad = {"data": [{"sha": "a", "repo": [{"registry": "r", "tag": 5}]}], "count": 1}
    sim.inject_fault("status", status=200, body=json.dumps(bad), path_contains="/csapi/v1.3/images")
    with pytest.raises(DecodeError, match=r"field `repo\[0\]\.tag`: expected a string, got a number"):
        client.images.list().to_arrow()
    bad = {"data": [{"sha": "a", "created": "yesterday"}], "count": 1}
    sim.inject_fault("status", status=200, body=json.dumps(bad), path_contains="/csapi/v1.3/images")
    with pytest.raises(DecodeError, match=r"field `created`: expected epoch milliseconds"):
        client.images.list().to_arrow()


# Records the way a server may send them: keys out of order, escapes, a key said twice, an unknown
# key inside a flattened object, one object where a list is declared, ISO and numeric times, counts
# as text, empty strings for numbers, whitespace everywhere.
ODD_PAGE = """{"count": 3, "data": [
  {"sha": "a\\u00e9\\"q", "created": "2024-04-02T09:26:13.701Z", "size": "42",
   "vulnerabilities": {"severity5Count": "3", "severity6Count": 1}, "sha": "dup",
   "repo": {"registry": "r", "repository": "x/y", "tag": "1"}, "newField": [1, {"b": null}]},
  { "repo" : [ ] , "created" : 1712049973701 , "size" : "" , "vulnerabilities" : null ,
    "lastFoundOnHost": {"hostname": "h", "ipAddress": "10.0.0.1", "odd": true} },
  {"repo": [{"registry": "r2", "tag": "t", "digest": "d"}, {"registry": "r3"}], "weird\\u0041": 1}
]}"""


def test_odd_records_fit_and_nothing_is_lost(client: Client, sim: Simulator, tmp_path: pathlib.Path) -> None:
    sim.inject_fault("status", status=200, body=ODD_PAGE, path_contains="/csapi/v1.3/images", times=2)
    items = client.images.list().to_list()
    rows = client.images.list().to_arrow().to_pylist()
    assert len(rows) == 3
    a, b, c = rows
    assert a["sha"] == 'a\u00e9"q' and a["size"] == 42 and a["vulnerabilities.severity5Count"] == 3
    assert a["created"] == dt.datetime(2024, 4, 2, 9, 26, 13, 701000, tzinfo=dt.timezone.utc)
    assert a["repo"] == [{"registry": "r", "repository": "x/y", "tag": "1"}] and a["repository"] == "x/y"
    extra = json.loads(a["extra"])
    # The second "sha" (json.loads keeps the last) is kept too; the flattened object with an
    # unknown key is kept whole.
    assert extra["sha"] == "dup" and extra["newField"] == [1, {"b": None}]
    assert extra["vulnerabilities"] == {"severity5Count": "3", "severity6Count": 1}
    assert b["repo"] == [] and b["repository"] is None and b["size"] is None
    assert b["created"] == dt.datetime.fromtimestamp(1712049973.701, tz=dt.timezone.utc)
    assert b["vulnerabilities.severity5Count"] is None and b["lastFoundOnHost.hostname"] == "h"
    assert json.loads(b["extra"]) == {"lastFoundOnHost": items[1]["lastFoundOnHost"]}
    assert c["registry"] == "r2" and len(c["repo"]) == 2 and c["repo"][1]["tag"] is None
    assert json.loads(c["extra"]) == {"repo": items[2]["repo"], "weirdA": 1}
    # The CSV export (the core's rules) keeps the same keys in `extra`.
    sim.inject_fault("status", status=200, body=ODD_PAGE, path_contains="/csapi/v1.3/images")
    client.images.list().to_csv(tmp_path / "odd.csv")
    with (tmp_path / "odd.csv").open(newline="") as f:
        csv_rows = list(csv.DictReader(f))
    for got, want in zip(csv_rows, rows, strict=True):
        assert set(json.loads(got["extra"])) - {"sha"} == set(json.loads(want["extra"])) - {"sha"}


@pytest.mark.parametrize(
    ("record", "field", "message"),
    [
        ('{"size": 1.5}', "size", "expected a 64-bit integer"),
        ('{"size": "12kb"}', "size", 'expected an integer, got the string "12kb"'),
        ('{"isInstrumented": "yes"}', "isInstrumented", "expected a boolean, got a string"),
        ('{"vulnerabilities": [1]}', "vulnerabilities", "expected an object, got a list"),
        ('{"repo": "r"}', "repo", "expected a list, got a string"),
        ('{"repo": [{"registry": "r"}, {"tag": {}}]}', r"repo\[1\]\.tag", "expected a string, got an object"),
        ('{"lastFoundOnHost": {"hostname": 7}}', r"lastFoundOnHost\.hostname", "expected a string, got a number"),
        ('{"updated": true}', "updated", "expected a time"),
    ],
)
def test_a_record_that_does_not_fit_names_its_field(
    client: Client, sim: Simulator, record: str, field: str, message: str
) -> None:
    body = '{"count": 2, "data": [{"sha": "ok"}, ' + record + "]}"
    sim.inject_fault("status", status=200, body=body, path_contains="/csapi/v1.3/images")
    with pytest.raises(DecodeError, match=rf"record 1: field `{field}`: {message}"):
        client.images.list().to_arrow()


def test_a_later_page_that_does_not_fit_is_raised(client: Client, sim: Simulator) -> None:
    # Pages are decoded in the background while the next is fetched: a failure on a later page
    # must still reach the caller, and the pages before it must not be returned as a table.
    bad = json.dumps({"data": [{"sha": "a", "size": "big"}], "count": 250})

    def after_first(info: PageInfo) -> None:
        if info.number == 1:
            sim.inject_fault("status", status=200, body=bad, path_contains="/csapi/v1.3/images")

    with pytest.raises(DecodeError, match=r"record 0: field `size`: expected an integer"):
        client.images.list(page_size=50, on_page=after_first).to_arrow()
    assert client.images.list(page_size=50).to_arrow().num_rows == 250


def test_to_jsonl_reads_back_equal(client: Client, tmp_path: pathlib.Path) -> None:
    items = client.images.bulk_list(limit=100).to_list()
    path = tmp_path / "images.jsonl"
    n = client.images.bulk_list(limit=100).to_jsonl(path)
    lines = path.read_text().splitlines()
    assert n == 250 and len(lines) == 250
    assert [json.loads(line) for line in lines] == items


def test_to_csv_reads_back_equal(client: Client, tmp_path: pathlib.Path) -> None:
    table = client.images.list().to_arrow()
    path = tmp_path / "images.csv"
    assert client.images.list().to_csv(path) == 250
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == table.schema.names and len(rows) == 250
    for got, want in zip(rows, table.to_pylist(), strict=True):
        assert got["sha"] == want["sha"]
        assert got["created"] == want["created"].isoformat(timespec="milliseconds").replace("+00:00", "Z")
        assert got["vulnerabilities.severity4Count"] == str(want["vulnerabilities.severity4Count"])
        assert json.loads(got["repo"]) == want["repo"]
        assert got["isInstrumented"] == ("" if want["isInstrumented"] is None else str(want["isInstrumented"]).lower())


def test_to_parquet_reads_back_equal(client: Client, tmp_path: pathlib.Path) -> None:
    table = client.images.bulk_list(limit=100).to_arrow()
    path = tmp_path / "images.parquet"
    assert client.images.bulk_list(limit=100).to_parquet(path) == 250
    back = pq.read_table(path)
    assert back.schema == table.schema and back.to_pylist() == table.to_pylist()


async def test_async_exports(aclient: AsyncClient, tmp_path: pathlib.Path) -> None:
    n = await asyncio.wait_for(aclient.containers.bulk_list().to_jsonl(tmp_path / "c.jsonl"), 30)
    assert n == 120 and len((tmp_path / "c.jsonl").read_text().splitlines()) == 120
    n = await asyncio.wait_for(aclient.containers.bulk_list().to_parquet(tmp_path / "c.parquet"), 30)
    assert n == 120 and pq.read_table(tmp_path / "c.parquet").num_rows == 120


def test_decoding_leaves_the_collector_as_it_found_it(client: Client) -> None:
    # Large pages are decoded with the cyclic GC paused; it must come back on, and stay off when the
    # user had turned it off.
    import gc

    assert len(client.images.list(page_size=250).to_list()) == 250
    assert gc.isenabled()
    gc.disable()
    try:
        assert len(client.images.list(page_size=250).to_list()) == 250
        assert not gc.isenabled()
    finally:
        gc.enable()
