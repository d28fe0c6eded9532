#!/usr/bin/env python3
"""Accept the risk of one vulnerability on one image for a while: create a vulnerability exception,
assign it to the image, see the QID leave the image's vulnerability list (and still there with
``apply_exception=False``), then take the exception off again.

python examples/exception_workflow.py                      # the first image, its first QID
python examples/exception_workflow.py --sha SHA --qid 12345 --list-id LIST_UUID --days 30 --keep

An exception covers the QIDs of a Qualys search list (``--list-id``, made in the Qualys UI). On the
embedded simulator, which has no search lists, the exception carries the QID itself.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

from _connect import connect
from qualys_cs import Client, QualysError

DAY_MS = 86_400_000


def qids(client: Client, sha: str, apply_exception: bool = True) -> set[int]:
    details = client.images.vulnerabilities(sha, apply_exception=apply_exception)["details"]
    return {v["qid"] for v in details if v.get("qid") is not None}


def run(client: Client, args: argparse.Namespace, simulated: bool) -> int:
    if args.sha:
        image: Any = client.images.get(args.sha)
    else:
        image = next(iter(client.images.list(filter="vulnerabilities.severity:5", page_size=1)))
    sha, uuid = image["sha"], image["uuid"]
    everything = qids(client, sha, apply_exception=False)
    qid = args.qid or min(everything)
    print(f"image {sha[:12]} (uuid {uuid}): {len(everything)} QIDs, excepting {qid}")

    now = int(time.time() * 1000)
    body: Any = {
        "name": f"accepted-{qid}-{sha[:12]}",
        "reason": "RISK_ACCEPTED",
        "explanation": args.explanation,
        "scope": "IMAGE",
        "listId": args.list_id or "00000000-0000-0000-0000-000000000000",
        "exceptionType": "VULNERABILITY",
        "entityAssignmentRequest": {"idsToAdd": [], "additionFilter": None},
        "startDate": str(now),
        "endDate": str(now + args.days * DAY_MS),
    }
    if simulated:
        body["qids"] = [qid]  # the simulator's stand-in for the search list's QIDs
    exception_id = client.exceptions.create(body)["exceptionId"]
    print(f"created exception {exception_id}, valid {args.days} days")

    # The assignment takes the image's UUID; the reads take its sha.
    client.images.update_exceptions(uuid, {"exceptionEvent": "ASSIGN", "exceptionIds": [exception_id]})
    listed = client.images.exceptions(sha)
    print(f"assigned: the image has {listed['count']} exception(s)")
    hidden = qid not in qids(client, sha)
    print(f"QID {qid} {'hidden from' if hidden else 'still in'} the vulnerability list")
    print(f"QID {qid} with apply_exception=False: {'listed' if qid in qids(client, sha, False) else 'missing'}")

    if args.keep:
        print(f"kept: deassign with PUT /csapi/v1.3/images/{uuid}/exceptions (DEASSIGN {exception_id})")
        return 0
    client.images.update_exceptions(uuid, {"exceptionEvent": "DEASSIGN", "exceptionIds": [exception_id]})
    back = qid in qids(client, sha)
    print(f"deassigned: QID {qid} {'back in' if back else 'still missing from'} the vulnerability list")
    return 0 if hidden and back else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Create, assign and remove a vulnerability exception.")
    ap.add_argument("--sha", help="the image (default: the first with severity-5 vulnerabilities)")
    ap.add_argument("--qid", type=int, help="the QID to except (default: the image's lowest)")
    ap.add_argument("--list-id", help="the Qualys search list holding the QID (required on a tenant)")
    ap.add_argument("--days", type=int, default=30, help="how long the exception lasts")
    ap.add_argument("--explanation", default="Mitigated; accepted until the next base image")
    ap.add_argument("--keep", action="store_true", help="leave the exception assigned")
    args = ap.parse_args(argv)

    simulated = not (os.environ.get("QUALYS_USERNAME") or os.environ.get("QUALYS_TOKEN"))
    if not simulated and not args.list_id:
        ap.error("--list-id is required against Qualys: an exception covers the QIDs of a search list")
    client, running = connect(images=20)
    with running:
        try:
            return run(client, args, simulated)
        except QualysError as e:
            print(f"error: {e}", file=sys.stderr)
            return 1


if __name__ == "__main__":
    sys.exit(main())
