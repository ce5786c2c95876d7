"""OrgMind: the facade that wires the graph, retrieval and synthesis together."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from orgmind.config import Settings
from orgmind.graph import GraphStore, open_graph
from orgmind.importer import ImportReport, import_jsonl
from orgmind.models import Node, parse_record

RecordLike = Node | Mapping[str, Any]


def as_node(obj: RecordLike) -> Node:
    """A record model, or a mapping with a ``type`` field validated into one."""
    if isinstance(obj, Node):
        return obj
    data = dict(obj)
    return parse_record(str(data.pop("type", "")), data)


class OrgMind:
    """The organisation's memory. Open it with ``OrgMind.open(...)``; close it when done."""

    def __init__(self, settings: Settings, graph: GraphStore) -> None:
        self.settings = settings
        self.graph = graph

    @classmethod
    def open(cls, settings: Settings | None = None, **overrides: Any) -> OrgMind:
        """Open the stores named by ``settings`` (or ORGMIND_* environment), with overrides.

        ``OrgMind.open(home="./.orgmind")`` for the embedded default;
        ``OrgMind.open(graph_url="bolt://...", graph_password=..., qdrant_url=...)`` for servers.
        """
        given = {key: value for key, value in overrides.items() if value is not None}
        if settings is None:
            settings = Settings(**given)
        elif given:
            settings = Settings(**{**settings.model_dump(), **given})
        return cls(settings, open_graph(settings))

    def record(self, obj: RecordLike) -> Node:
        """Validate and store one record (idempotent by id); returns the stored model."""
        node = as_node(obj)
        self.graph.upsert([node])
        return node

    def record_many(self, objs: Sequence[RecordLike]) -> list[Node]:
        """Validate and store records in one transaction: all of them or none."""
        nodes = [as_node(obj) for obj in objs]
        self.graph.upsert(nodes)
        return nodes

    def import_jsonl(
        self, path: str | Path, *, batch_size: int = 500, on_commit: Callable[[int], None] | None = None
    ) -> ImportReport:
        """Import a JSONL file (see docs/import-format.md); bad lines are reported, good ones kept."""
        return import_jsonl(self.graph, Path(path), batch_size=batch_size, on_commit=on_commit)

    def close(self) -> None:
        self.graph.close()

    def __enter__(self) -> OrgMind:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

