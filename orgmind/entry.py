"""The ``orgmind`` console entry point.

With ORGMIND_URL set, commands go to that server (with ORGMIND_API_KEY) and nothing heavy is
imported or loaded; otherwise the full command line opens the stores itself.
"""

from __future__ import annotations

import os


def main() -> None:
    if os.environ.get("ORGMIND_URL"):
        from orgmind.service.remote_cli import main as remote_main

        remote_main()
        return
    from orgmind.cli import main as local_main

    local_main()
