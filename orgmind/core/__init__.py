"""The store core: the graph, the search indexes that follow it, and the one commit path."""

from __future__ import annotations

from orgmind.core.store import Store, open_store, open_vectors

__all__ = ["Store", "open_store", "open_vectors"]
