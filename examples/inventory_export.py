#!/usr/bin/env python3
"""Export every image with severity-5 vulnerabilities to JSONL (default) or CSV.

    python examples/inventory_export.py -o images.jsonl
    python examples/inventory_export.py --format csv -o images.csv

Runs against Qualys when QUALYS_USERNAME/QUALYS_PASSWORD (+ QUALYS_PLATFORM or QUALYS_BASE_URL) are
set, else against the embedded simulator. Uses the cursor-paginated bulk list (no 10,000 cap);
progress goes to stderr.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from typing import Any, TextIO

from _connect import connect
from qualys_cs import QualysError

FIELDS = ["sha", "imageId", "repo", "created", "lastScanned", "vulnerabilities"]


def row(image: dict[str, Any]) -> dict[str, Any]:
    # The bulk list carries the QIDs found; the page-numbered list carries severity counts.
    vulns = image.get("vulnerabilities") or []
    count = len(vulns) if isinstance(vulns, list) else sum(v or 0 for v in vulns.values())
    repos = image.get("repo") or []
    return {
        "sha": image.get("sha"),
        "imageId": image.get("imageId"),
        "repo": ";".join(f"{r.get('registry', '')}/{r.get('repository', '')}:{r.get('tag', '')}" for r in repos),
        "created": image.get("created"),
        "lastScanned": image.get("lastScanned"),
        "vulnerabilities": count,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("-o", "--output", default="-", help="file to write (default: stdout)")
    ap.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    ap.add_argument("--filter", default="vulnerabilities.severity:5", help="QQL filter")
    args = ap.parse_args(argv)

    client, running = connect(images=500)
    out: TextIO = sys.stdout if args.output == "-" else open(args.output, "w", newline="")
    started = time.monotonic()
    count = 0
    with running, out:
        writer = csv.DictWriter(out, fieldnames=FIELDS) if args.format == "csv" else None
        if writer:
            writer.writeheader()
        try:
            for image in client.images.bulk_list(filter=args.filter, limit=250):
                data: dict[str, Any] = dict(image)
                if writer:
                    writer.writerow(row(data))
                else:
                    out.write(json.dumps(data) + "\n")
                count += 1
                if count % 1000 == 0:
                    print(f"\r{count} images...", end="", file=sys.stderr, flush=True)
        except QualysError as e:
            print(f"\nfailed after {count} images: {e}", file=sys.stderr)
            return 1
    elapsed = time.monotonic() - started
    print(f"\r{count} images with severity-5 vulnerabilities exported in {elapsed:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
