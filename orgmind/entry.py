"""The ``orgmind`` console entry point: the command line of ``orgmind.cli``, whose commands run on
the local store or, with ORGMIND_URL set, against that server (chosen in ``orgmind.target``)."""

from __future__ import annotations

from orgmind.cli import main

__all__ = ["main"]
