"""The graph: records as nodes and relationships, behind one GraphStore contract."""

from __future__ import annotations

from orgmind.config import Settings
from orgmind.graph.base import Direction, GraphStore, NodeQuery, OutcomeGroup, Subgraph
from orgmind.models import DecisionWithOutcomes

__all__ = ["DecisionWithOutcomes", "Direction", "GraphStore", "NodeQuery", "OutcomeGroup", "Subgraph", "open_graph"]


def open_graph(settings: Settings, *, read_only: bool = False) -> GraphStore:
    """The Neo4j store when ``settings.graph_url`` is set, else the embedded store under home.

    ``read_only`` opens it for reading only: no schema is created, writes are refused, and the
    embedded file may be open in another process at the same time.
    """
    if settings.graph_url:
        from orgmind.graph.neo4j import Neo4jGraphStore, Neo4jLimits

        return Neo4jGraphStore(
            settings.graph_url,
            settings.graph_user,
            settings.graph_password.get_secret_value(),
            settings.graph_database,
            read_only=read_only,
            limits=Neo4jLimits.of(settings),
        )
    from orgmind.graph.sqlite import SqliteGraphStore

    return SqliteGraphStore(settings.graph_path, read_only=read_only)
