"""The graph: records as nodes and relationships, behind one GraphStore contract."""

from __future__ import annotations

from orgmind.config import Settings
from orgmind.graph.base import Direction, DecisionWithOutcomes, GraphStore, NodeQuery, Subgraph

__all__ = ["DecisionWithOutcomes", "Direction", "GraphStore", "NodeQuery", "Subgraph", "open_graph"]


def open_graph(settings: Settings) -> GraphStore:
    """The Neo4j store when ``settings.graph_url`` is set, else the embedded store under home."""
    if settings.graph_url:
        from orgmind.graph.neo4j import Neo4jGraphStore

        return Neo4jGraphStore(
            settings.graph_url,
            settings.graph_user,
            settings.graph_password.get_secret_value(),
            settings.graph_database,
        )
    from orgmind.graph.sqlite import SqliteGraphStore

    return SqliteGraphStore(settings.graph_path)
