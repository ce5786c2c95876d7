"""Which vector index a graph's "indexed" marks describe.

A node marked indexed is in *one* vector index, so the graph records which: the index's
``identity``, under the meta key ``vector_index``. On open:

- a graph bound to this index is left as it is;
- an embedded graph bound to no index (made before graphs were bound) is bound to its home's
  index as it is;
- a Neo4j graph bound to no index, or any graph bound to one this index may take over, is bound
  to this one and every node is marked unindexed, so the reconcile that follows indexes them all. An index may take over
  when the graph is embedded (the graph and the index then live in one home, owned by one
  process: another identity means the index was lost or rebuilt), when the index is a shared
  Qdrant collection (every process then writes the same index), or on ``reindex``;
- a server graph bound to another *embedded* index is refused with ``IndexMismatch``: another
  process may be indexing the graph into an index of its own, and one set of marks cannot speak
  for both. Processes that share a Neo4j share a Qdrant server; ``orgmind reindex`` makes this
  index the graph's index explicitly.
"""

from __future__ import annotations

from orgmind.errors import IndexMismatch
from orgmind.graph.base import GraphStore
from orgmind.retrieval.vectors import VectorIndex

__all__ = ["BINDING_KEY", "bind"]

BINDING_KEY = "vector_index"


def bind(graph: GraphStore, vectors: VectorIndex, *, take_over: bool = False) -> bool:
    """Bind ``graph`` to ``vectors`` (see the module doc); True when every node was marked unindexed."""
    bound = graph.get_meta(BINDING_KEY)
    if bound == vectors.identity:
        return False
    if bound is not None and graph.shared and not vectors.shared and not take_over:
        raise IndexMismatch(
            f"the graph is indexed by another vector index ({bound}), not by this process's embedded "
            f"index ({vectors.identity}); processes that share a Neo4j must share a Qdrant server "
            "(set ORGMIND_QDRANT_URL), or run `orgmind reindex` to make this index the graph's index"
        )
    first_of_its_home = bound is None and not graph.shared  # the marks were made for this home's index
    if not first_of_its_home:
        graph.mark_all_unindexed()
    graph.put_meta(BINDING_KEY, vectors.identity)
    return not first_of_its_home
