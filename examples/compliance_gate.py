#!/usr/bin/env python3
"""CI gate: exit 1 when an image has FAIL compliance controls (2 on API errors), 0 otherwise.

    python examples/compliance_gate.py <image-sha> [<image-sha> ...]

With no sha, checks the first image the account lists (handy against the simulator).
"""

from __future__ import annotations

import sys

from _connect import connect
from qualys_cs import NotFoundError, QualysError


def failing_controls(posture: dict[str, object]) -> list[str]:
    controls = posture.get("controls") or []
    assert isinstance(controls, list)
    return [f"{c.get('controlId')} ({c.get('criticality')})" for c in controls if c.get("posture") == "FAIL"]


def main(argv: list[str]) -> int:
    client, running = connect(images=20)
    with running:
        try:
            shas = argv or [next(iter(client.images.list(page_size=1)))["sha"]]
            failed = 0
            for sha in shas:
                try:
                    result = client.images.compliance(sha)
                except NotFoundError:
                    print(f"{sha[:12]}: not found", file=sys.stderr)
                    return 2
                bad = failing_controls(dict(result))
                status = "FAIL" if bad else "PASS"
                print(f"{sha[:12]}: {status} ({len(result.get('controls') or [])} controls)")
                for control in bad:
                    print(f"  failing control {control}")
                failed += bool(bad)
        except QualysError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
