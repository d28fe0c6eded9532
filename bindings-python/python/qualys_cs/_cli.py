"""The ``qualys-cs`` command line (the console script installed with the package).

Every endpoint is a command (``qualys-cs images list --all --output table``); see
``qualys-cs --help``. The implementation is the Rust one every install shares.
"""

from __future__ import annotations

import sys

from ._native import cli_main


def main() -> None:
    """Run ``qualys-cs`` with this process's arguments and exit with its code."""
    try:
        code = cli_main(["qualys-cs", *sys.argv[1:]])
    except KeyboardInterrupt:
        # Ctrl-C in the moment before or after the command runs (during it, the command stops
        # itself with the same code): the exit status a shell gives for SIGINT, no traceback.
        code = 130
    sys.exit(code)


if __name__ == "__main__":
    main()
