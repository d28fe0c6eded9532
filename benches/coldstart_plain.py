"""The cold-start peer of examples/lambda/python/handler.py: the same calls with only urllib.

List the containers (first page), create the tag (400 if it exists), assign it to each container.
Basic auth, as the benchmark's simulator is reached with; no retries, no rate limiting, no paging
beyond the first page: the least a hand-written handler does.
"""

from __future__ import annotations

import base64
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

BASE = os.environ["QUALYS_BASE_URL"].rstrip("/")
AUTH = "Basic " + base64.b64encode(f"{os.environ['QUALYS_USERNAME']}:{os.environ['QUALYS_PASSWORD']}".encode()).decode()


def call(method: str, path: str, query: dict[str, Any] | None = None, body: Any = None) -> Any:
    url = BASE + path + ("?" + urllib.parse.urlencode(query) if query else "")
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        url, data=data, method=method, headers={"Authorization": AUTH, "Accept": "application/json"}
    )
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=30) as r:
        raw = r.read()
    return json.loads(raw) if raw else None


def handler(event: dict[str, Any] | None, context: object = None) -> dict[str, Any]:
    event = event or {}
    tag = str(event.get("tag") or "seen-by-lambda")
    limit = int(event.get("limit", 100))
    query: dict[str, Any] = {"pageSize": min(limit, 100), "pageNumber": 1}
    if event.get("filter"):
        query["filter"] = event["filter"]
    page = call("GET", "/csapi/v1.3/containers", query)
    shas = [str(c["sha"]) for c in page.get("data", []) if c.get("sha")][:limit]
    try:
        call("POST", "/csapi/v1.3/tag/create", body={"name": tag, "reevaluate": False})
    except urllib.error.HTTPError as e:
        if e.code not in (400, 409) or b"exist" not in e.read().lower():  # 400 "Tag ... already exists"
            raise
    for sha in shas:
        call(
            "POST",
            "/csapi/v1.3/tag/assign",
            body={"entitySha": sha, "entityType": "CONTAINER", "tagsToAdd": [{"tagName": tag}]},
        )
    return {"tag": tag, "tagged": len(shas)}
