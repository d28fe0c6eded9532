#!/usr/bin/env python3
"""Tag every image matching a QQL filter (creating the tag if needed).

python examples/tag_assign.py --tag prod --filter "repo.repository:nginx"
"""

from __future__ import annotations

import argparse
import sys

from _connect import connect
from qualys_cs import ConflictError, QualysError


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Tag every image matching a QQL filter.")
    ap.add_argument("--tag", required=True)
    ap.add_argument("--filter", default=None, help="QQL filter on images (default: all)")
    ap.add_argument("--dry-run", action="store_true")
    args = ap.parse_args(argv)

    client, running = connect(images=30)
    with running:
        try:
            try:
                client.tags.create({"name": args.tag, "reevaluate": False})
            except ConflictError:
                pass  # the tag exists already
            tagged = 0
            for image in client.images.list(filter=args.filter, page_size=200):
                sha = image.get("sha")
                if not sha:
                    continue
                if not args.dry_run:
                    client.tags.assign({"entitySha": sha, "entityType": "IMAGE", "tagsToAdd": [{"tagName": args.tag}]})
                tagged += 1
        except QualysError as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
    print(f"{'would tag' if args.dry_run else 'tagged'} {tagged} images with {args.tag!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
