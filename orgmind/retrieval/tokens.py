"""Token counting with the embedding model's tokenizer.

Briefs are packed to token budgets measured with :func:`count_tokens`: the WordPiece tokenizer
of the bundled all-MiniLM-L6-v2, without truncation (a long text counts in full) and without
special tokens. Only the tokenizer file is read; no model is loaded. It is a stable measure of
text size, close to but not the same as the token count of a given LLM.
"""

from __future__ import annotations

from functools import lru_cache

from tokenizers import Tokenizer

from orgmind.retrieval.embedder import packaged_model_path

__all__ = ["count_tokens"]


@lru_cache(maxsize=1)
def _tokenizer() -> Tokenizer:
    tokenizer = Tokenizer.from_file(str(packaged_model_path() / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


@lru_cache(maxsize=8192)
def count_tokens(text: str) -> int:
    """The number of WordPiece tokens in ``text``, counted in full, without special tokens (the
    counts of recent texts are kept: brief lines recur from one wake-up to the next)."""
    if not text:
        return 0
    return len(_tokenizer().encode(text, add_special_tokens=False).ids)
