"""The converter every response and list item goes through (`_native.loads`, the list pages) gives
exactly what `json.loads` gives for the same bytes: the same types, values, key order and text."""

from __future__ import annotations

import base64
import json
import math
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest

from qualys_cs import Client, _native
from qualys_cs.testing import Simulator


def same(a: Any, b: Any, where: str = "$") -> None:
    """Equal values of equal types, dicts in the same key order, floats bit for bit (-0.0, nan)."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, dict):
        assert list(a) == list(b), f"{where}: keys {list(a)} != {list(b)}"
        for k in a:
            same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), f"{where}: {len(a)} items != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{where}[{i}]")
    elif isinstance(a, float):
        assert a.hex() == b.hex() or (math.isnan(a) and math.isnan(b)), f"{where}: {a!r} != {b!r}"
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def check(text: str | bytes) -> None:
    data = text.encode() if isinstance(text, str) else text
    same(_native.loads(data), json.loads(data))


ODD: list[str | bytes] = [
    # escapes
    r'"\" \\ \/ \b \f \n \r \t"',
    r'"\u0000\u001f\u007f\u0080\u00e9\u07ff\u0800\uffff"',
    r'{"k\u00e9y": "v\"al", "a\\b": "\/"}',
    r'["plain", "ends with escape\n", "\"", "", "x"]',
    # integers: 64-bit edges, beyond, negative, -0
    "[0, -0, 1, -1, 255, 256, -5, -6, 999999999999999999, -999999999999999999]",
    "[9223372036854775807, 9223372036854775808, -9223372036854775808, -9223372036854775809]",
    "[18446744073709551615, 18446744073709551616, -18446744073709551616]",
    "[123456789012345678901234567890123456789, -98765432109876543210987654321]",
    # floats: extremes, subnormal, rounding, -0.0, exponents, overflow to inf as float() does
    "[1e308, 1.7976931348623157e308, 5e-324, 2.2250738585072014e-308, 0.1, 0.3, -0.0, 0.0]",
    "[1E2, 1e+2, 1e-2, 1.5e300, -2.5E-300, 1.0, 100.0, 123456789.123456789, 1e400, -1e400]",
    "[0.30000000000000004, 3.141592653589793, 2.718281828459045e-10, 9007199254740993.0]",
    # unicode: raw non-ASCII, astral, escaped surrogate pairs, lone surrogates (kept, as json.loads)
    '{"café": "naïve 日本語 😀 𝄞"}',
    r'["\ud83d\ude00", "\uD834\uDD1E", "a\ud83d\ude00b"]',
    r'["\ud800", "\udfff", "x\ud83dy", "\ude00\ud83d", "\ud83d\u0041", "\ud83d\ud83d\ude00"]',
    # a surrogate sent raw (json.loads decodes bytes with surrogatepass), then an escaped one
    '["\ud83d\\ude00 raw high, escaped low", "\udfff"]'.encode("utf-8", "surrogatepass"),
    # duplicate keys: the last value, in the first key's place
    '{"a": 1, "b": 2, "a": 3}',
    '{"a": {"x": 1}, "a": [2], "c": null, "a": "last"}',
    # empty containers, literals, nesting shapes
    '{"o": {}, "l": [], "ol": [{}], "lo": {"l": []}, "ll": [[], [[]]]}',
    '[true, false, null, [true], {"t": false}]',
    "{}",
    "[]",
    '""',
    "0",
    "-1.5",
    "null",
    # whitespace everywhere JSON allows it
    ' \t\n\r{ "a" : [ 1 , 2 ] , "b" : { } }\n ',
    # keys: long (not cached), many distinct, repeated across objects, and one key of 64 bytes
    json.dumps({"k" * 65: 1, "k" * 64: 2, "k" * 63: 3}),
    json.dumps([{f"key{i}": i for i in range(300)}, {f"key{i}": -i for i in range(299, -1, -1)}]),
    json.dumps([{"same": i, "keys": [i], "order": str(i)} for i in range(100)]),
]


@pytest.mark.parametrize("text", ODD)
def test_odd_texts_convert_as_json_loads(text: str) -> None:
    check(text)


def test_long_and_mixed_strings_convert_as_json_loads() -> None:
    # Every length around the scanner's 8-byte steps, with the special byte at every position.
    for n in range(0, 40):
        for special in ("", '\\"', "\\\\", "\\n", "é", "😀", "\\u00e9", "\\ud83d\\ude00"):
            for at in range(0, n + 1, 3):
                body = "x" * at + special + "y" * (n - at)
                check(f'["{body}", {{"{body}": "{body}"}}]')


def test_a_control_character_anywhere_in_a_string_is_refused() -> None:
    # Every position of the scanner's 16- and 8-byte steps, after ASCII and after non-ASCII text.
    for prefix in ("", "é"):
        for n in range(0, 40):
            for c in ("\x00", "\x1f", "\n"):
                text = f'["{prefix}{"x" * n}{c}yz"]'.encode()
                with pytest.raises(ValueError, match="control character"):
                    _native.loads(text)
                with pytest.raises(ValueError):
                    json.loads(text)
            check(f'["{prefix}{"x" * n}\x7f\u00ff{"y" * n}"]')


def test_many_numbers_convert_as_json_loads() -> None:
    values: list[Any] = []
    for e in range(-30, 30):
        values += [10**e if e >= 0 else 10.0**e, -(2**e) if e >= 0 else -(2.0**e)]
    values += [2**63 - 1, 2**63, 2**64 - 1, 2**64, -(2**63), -(2**63) - 1, 10**19, 10**20, -(10**19)]
    values += [1 / 3, 2 / 3, 1e-7, 123e-20, 5e-324, 1e-323, float.fromhex("0x1.fffffffffffffp+1023")]
    check(json.dumps(values))


def test_big_integers_keep_cpythons_digit_limit() -> None:
    ok = "9" * 4300
    check(ok)
    with pytest.raises(ValueError):
        json.loads("9" * 4301)
    with pytest.raises(ValueError):
        _native.loads(("9" * 4301).encode())


def test_nesting_is_bounded_and_reported() -> None:
    # 201 levels convert (the bound the converter has always had); one more is a ValueError
    # naming it, never a crash, however deep the text.
    for opening, inner, closing in (("[", "[]", "]"), ('{"a":', "{}", "}")):
        check(opening * 200 + inner + closing * 200)
        for n in (202, 10_000, 1_000_000):
            with pytest.raises(ValueError, match="recursion limit"):
                _native.loads((opening * (n - 1) + inner + closing * (n - 1)).encode())


@pytest.mark.parametrize(
    "text",
    [
        b"",
        b" ",
        b"{",
        b'{"a": ',
        b'{"a" 1}',
        b'{"a": 1,}',
        b"[1,]",
        b"[1 2]",
        b"{1: 2}",
        b'"unterminated',
        b'"bad \\x escape"',
        b'"\\u12"',
        b'"\\u12G4"',
        b'"tab\tinside"',
        b"01",
        b"1.",
        b".5",
        b"1e",
        b"-",
        b"+1",
        b"NaN",
        b"Infinity",
        b"-Infinity",
        b"tru",
        b"nul",
        b"[1] 2",
        b'"\xff"',
        b'"\xc3"',
        b"\xef\xbb\xbf{}",
    ],
)
def test_malformed_texts_raise_value_error(text: bytes) -> None:
    with pytest.raises(ValueError):
        _native.loads(text)


def test_a_failed_conversion_leaves_the_next_one_whole() -> None:
    # A failure deep in a page releases what it built (keys stay cached) and the next call is whole.
    good = json.dumps([{"a": [1, {"b": "c"}], "d": "e"}] * 50).encode()
    for _ in range(3):
        with pytest.raises(ValueError):
            _native.loads(good[:-7])
        same(_native.loads(good), json.loads(good))


def test_keys_guessed_from_the_last_record_are_checked() -> None:
    # The converter guesses each key from the one that stood there in the last record (after the
    # same key, first under the same key, first at the same depth). Records that change order,
    # drop keys, share a prefix with the guess, or hold different shapes under one key must still
    # give each key its own text, on this call and on the next (the guesses outlive the call).
    records: list[Any] = [
        {"id": 1, "name": "a", "host": {"ip": "1", "name": "h"}, "tags": [{"k": "x"}, {"v": 1}]},
        {"name": "b", "id": 2, "host": {"name": "h", "ip": "2"}, "tags": [{"v": 2}, {"k": "y"}]},
        {"id": 3, "host": [{"ip": "3"}], "nam": "c", "tags": {"k": "z"}},
        {"id": 4, "namE": "d", "host": {"ipAddress": "4"}, "name": "e", "tags": []},
        {"identifier": 5, "id": 6, "host": None, "tags": [{"k": {"k": {"k": "deep"}}}]},
        {"i": 7, "id": 8, "nameLongerThanSixteenBytes": 1, "nameLongerThanSixteenBytez": 2},
    ]
    for _ in range(3):
        check(json.dumps(records))
        check(json.dumps(records[::-1]))
        # An escaped key is the same key: its last value in its first place, as json.loads.
        check(r'[{"id": 1, "n": 0, "\u0069d": 2}, {"id": 3, "n": 0, "\u0069d": 4}]')


def test_more_distinct_keys_than_the_cache_holds_convert_as_json_loads() -> None:
    # Far more distinct keys than the cache's slots: colliding keys replace each other while the
    # objects being built still hold the replaced ones.
    rows = [{f"k{i}_{j}": j for j in range(40)} | {"shared": i} for i in range(200)]
    check(json.dumps(rows))
    check(json.dumps(rows))


def raw(sim: Simulator, path: str) -> bytes:
    auth = base64.b64encode(f"{sim.username}:{sim.password}".encode()).decode()
    headers = {"Authorization": "Basic " + auth, "Accept": "application/json"}
    req = urllib.request.Request(sim.url + path, headers=headers)
    with urllib.request.urlopen(req, timeout=60) as r:
        body: bytes = r.read()
    return body


PAGES: dict[str, tuple[str, Callable[[Client], Any]]] = {
    "images": ("/csapi/v1.3/images?pageNumber=1&pageSize=50", lambda c: c.images.list(page_size=50)),
    "containers": ("/csapi/v1.3/containers?pageNumber=1&pageSize=50", lambda c: c.containers.list(page_size=50)),
    "bulk images": ("/csapi/v1.3/images/list?limit=50", lambda c: c.images.bulk_list(limit=50)),
    "bulk containers": ("/csapi/v1.3/containers/list?limit=50", lambda c: c.containers.bulk_list(limit=50)),
}


@pytest.mark.parametrize("kind", list(PAGES))
def test_real_pages_convert_as_json_loads(kind: str, sim: Simulator, client: Client) -> None:
    path, listing = PAGES[kind]
    body = raw(sim, path)
    expected = json.loads(body)
    assert len(expected["data"]) == 50
    same(_native.loads(body), expected)
    # The list path reads the items in place from the same page: the same dicts.
    page = next(iter(listing(client).pages()))
    same(page.items, expected["data"])


def test_odd_items_convert_as_json_loads_through_a_list(sim: Simulator, client: Client) -> None:
    # The list path parses each item where the core found it in the page: odd values, escapes
    # right at an item's edges, and spacing between items convert as json.loads converts them.
    items = [json.loads(t) for t in ODD if isinstance(t, str) and t.lstrip(" \t\n\r").startswith("{")]
    items += [{"s": '\\"\U0001f600', "n": [2**64, -0.0, 5e-324]}]
    texts = " ,\n ".join(json.dumps(i, ensure_ascii=bool(n % 2)) for n, i in enumerate(items))
    body = f'{{"count": {len(items)}, "data": [ {texts} ]}}'
    sim.inject_fault(status=200, body=body, path_contains="/csapi/v1.3/images")
    page = next(iter(client.images.list(page_size=len(items)).pages()))
    same(page.items, json.loads(body)["data"])
