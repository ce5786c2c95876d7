"""Retrieval: embeddings, lexical (BM25) search and token counting over stored records."""
