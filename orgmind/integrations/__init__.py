"""Adapters that give agent frameworks orgmind as their memory.

Each framework has its own module and optional extra; importing ``orgmind`` imports none of them:

- ``orgmind.integrations.langgraph`` (``pip install orgmind[langgraph]``): a LangGraph store,
  a LangChain retriever, a wake-up node and decision tools.
- ``orgmind.integrations.crewai`` (``pip install orgmind[crewai]``): CrewAI external memory,
  briefs for every agent at kickoff, decisions and outcomes from task results.
- ``orgmind.integrations.autogen`` (``pip install orgmind[autogen]``): an AutoGen ``Memory``.

All of them work over an embedded ``OrgMind`` or the HTTP ``orgmind.Client`` alike
(see ``MemoryBackend``). The guide is docs/integrations.md.
"""

from orgmind.integrations._memory import MemoryBackend, VentureMemory

__all__ = ["MemoryBackend", "VentureMemory"]
