"""AWS Lambda handler (Python 3.10+ runtimes): tag the containers a QQL filter selects.

Event: ``{"filter": "state:RUNNING", "tag": "seen-by-lambda", "limit": 100}`` (all optional).
Credentials come from the function's environment: ``QUALYS_USERNAME`` and ``QUALYS_PASSWORD`` (or
``QUALYS_TOKEN``), ``QUALYS_PLATFORM`` (or ``QUALYS_BASE_URL``). The handler setting is
``handler.handler``; ``examples/lambda/build.sh`` builds the deployment zip.
"""

from __future__ import annotations

import os
from typing import Any

from qualys_cs import BadRequestError, Client, ConflictError

# Made once per execution environment, outside the handler: warm invocations reuse its connections,
# its token and its rate-limit state. Making it does no I/O, so a cold start pays only for the import.
client = Client.from_env()


def handler(event: dict[str, Any] | None, context: object = None) -> dict[str, Any]:
    event = event or {}
    tag = str(event.get("tag") or os.environ.get("TAG_NAME", "seen-by-lambda"))
    limit = int(event.get("limit", 100))
    shas: list[str] = []
    for container in client.containers.list(filter=event.get("filter"), page_size=min(limit, 100)):
        if container.get("sha"):
            shas.append(str(container["sha"]))
        if len(shas) >= limit:
            break
    try:
        client.tags.create({"name": tag, "reevaluate": False})
    except (BadRequestError, ConflictError) as e:
        if "exist" not in str(e).lower():  # the API answers 400 "Tag ... already exists"
            raise
    for sha in shas:
        client.tags.assign({"entitySha": sha, "entityType": "CONTAINER", "tagsToAdd": [{"tagName": tag}]})
    return {"tag": tag, "tagged": len(shas)}
