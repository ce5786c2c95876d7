"""Settings: one object, read from ``ORGMIND_*`` environment variables, built at the entry point."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where orgmind keeps its data and which services it talks to.

    With no ``graph_url`` the graph lives in ``home/graph.sqlite3``; with no ``qdrant_url`` the
    vector index lives in ``home/vectors``. Environment: ORGMIND_HOME, ORGMIND_GRAPH_URL,
    ORGMIND_GRAPH_USER, ORGMIND_GRAPH_PASSWORD, ORGMIND_GRAPH_DATABASE, ORGMIND_QDRANT_URL,
    ORGMIND_QDRANT_API_KEY, ORGMIND_QDRANT_COLLECTION, ORGMIND_MODEL, ORGMIND_POLICY_FILE.
    """

    model_config = SettingsConfigDict(env_prefix="ORGMIND_", extra="forbid")

    home: Path = Path(".orgmind")
    graph_url: str | None = None
    graph_user: str = "neo4j"
    graph_password: SecretStr = SecretStr("")
    graph_database: str | None = None
    qdrant_url: str | None = None
    qdrant_api_key: SecretStr | None = None
    qdrant_collection: str = "orgmind"
    model: str = "all-MiniLM-L6-v2"
    policy_file: Path | None = None

    @property
    def graph_path(self) -> Path:
        """The embedded graph's file."""
        return self.home / "graph.sqlite3"
