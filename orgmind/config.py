"""Settings: one object, read from ``ORGMIND_*`` environment variables, built at the entry point."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where orgmind keeps its data and which services it talks to.

    With no ``graph_url`` the graph lives in ``home/graph.sqlite3``; with no ``qdrant_url`` the
    vector index lives in ``home/vectors``. Environment: ORGMIND_HOME, ORGMIND_GRAPH_URL,
    ORGMIND_GRAPH_USER, ORGMIND_GRAPH_PASSWORD, ORGMIND_GRAPH_DATABASE, ORGMIND_QDRANT_URL,
    ORGMIND_QDRANT_API_KEY, ORGMIND_QDRANT_COLLECTION, ORGMIND_QDRANT_TIMEOUT_S, ORGMIND_MODEL, ORGMIND_POLICY_FILE, and the
    Neo4j time limits ORGMIND_GRAPH_CONNECT_TIMEOUT_S, ORGMIND_GRAPH_ACQUIRE_TIMEOUT_S,
    ORGMIND_GRAPH_TRANSACTION_TIMEOUT_S, ORGMIND_GRAPH_RETRY_S.
    """

    model_config = SettingsConfigDict(env_prefix="ORGMIND_", extra="forbid")

    home: Path = Path(".orgmind")
    graph_url: str | None = None
    graph_user: str = "neo4j"
    graph_password: SecretStr = SecretStr("")
    graph_database: str | None = None
    graph_connect_timeout_s: Annotated[float, Field(gt=0)] = 5.0
    """Neo4j: the longest wait to open a connection (TCP and Bolt handshake)."""
    graph_acquire_timeout_s: Annotated[float, Field(gt=0)] = 10.0
    """Neo4j: the longest wait for a connection from the pool (opening one included)."""
    graph_transaction_timeout_s: Annotated[float, Field(gt=0)] = 30.0
    """Neo4j: the longest one transaction may run; past it (a frozen server) the call fails."""
    graph_retry_s: Annotated[float, Field(ge=0)] = 3.0
    """Neo4j: how long transient failures (deadlocks, a lost connection) are retried per call."""
    qdrant_url: str | None = None
    qdrant_api_key: SecretStr | None = None
    qdrant_collection: str = "orgmind"
    qdrant_timeout_s: Annotated[int, Field(gt=0)] = 10
    """Qdrant server: the longest wait for one request."""
    model: str = "all-MiniLM-L6-v2"
    policy_file: Path | None = None

    @property
    def graph_path(self) -> Path:
        """The embedded graph's file."""
        return self.home / "graph.sqlite3"
