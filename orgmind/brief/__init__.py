"""Wake-up briefs: gather, pack into a token budget, render, record."""
