"""Python clients of the orgmind service: ``Client`` (blocking) and ``AsyncClient`` (asyncio).

Both mirror ``OrgMind``: the same method names, parameters and return types for what the API
covers, and the same typed errors (a 401 raises AuthenticationFailed, a 403 PermissionDenied,
a 404 NotFound, a 422 the InvalidInput subclass the server raised, naming the field)::

    with Client("http://127.0.0.1:8420", api_key) as mind:
        hits = mind.recall("pricing experiments", venture="lumen")

Differences: ``approve``/``reject`` take no ``by`` (the server records the key's name), and
``synthesize`` takes no summariser (the server's is used).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

import httpx

from orgmind import errors
from orgmind.errors import (
    AuthenticationFailed,
    Conflict,
    InvalidInput,
    InvalidRecord,
    NotFound,
    OrgmindError,
    PermissionDenied,
    StoreUnavailable,
)
from orgmind.importer import ImportReport, RejectedLine
from orgmind.knowledge import KindKnowledge, KindStats, Precedent
from orgmind.summary import VentureStats
from orgmind.models import (
    BrainVersion,
    Decision,
    Escalation,
    Insight,
    Node,
    NodeLabel,
    Pattern,
    import_line,
    parse_record,
)
from orgmind.brief.render import WakeUpBrief
from orgmind.retrieval.hits import Hit
from orgmind.synthesis.result import Scorecard, SynthesisResult, VersionDiff

if TYPE_CHECKING:
    from orgmind.retrieval.tenancy import Scope

__all__ = ["AsyncClient", "Client"]

T = TypeVar("T")
RecordLike = Node | Mapping[str, Any]
_STATUS_ERRORS: dict[int, type[OrgmindError]] = {
    401: AuthenticationFailed, 403: PermissionDenied, 404: NotFound, 409: Conflict, 503: StoreUnavailable,
}


@dataclass(frozen=True)
class _Call(Generic[T]):
    """One HTTP request and how to read its answer."""

    method: str
    path: str
    parse: Callable[[httpx.Response], T]
    json: Any = None
    params: Mapping[str, Any] | None = None
    content: bytes | None = None
    headers: Mapping[str, str] | None = None


def _record_json(obj: RecordLike) -> dict[str, Any]:
    if isinstance(obj, Node):
        return import_line(obj)
    return dict(obj)


def _node(data: Mapping[str, Any]) -> Node:
    data = dict(data)
    return parse_record(str(data.pop("type")), data)


def _nodes(response: httpx.Response) -> list[Node]:
    return [_node(line) for line in response.json()["records"]]


def _hits(response: httpx.Response) -> list[Hit]:
    return [Hit.model_validate(hit) for hit in response.json()]


def _pair(data: Mapping[str, Any]) -> tuple[Escalation, Decision]:
    return Escalation.model_validate(data["escalation"]), Decision.model_validate(data["decision"])


def _brief(response: httpx.Response) -> WakeUpBrief:
    data = response.json()
    data.pop("schema", None)
    return WakeUpBrief.model_validate(data)


def _synthesis(response: httpx.Response) -> SynthesisResult:
    data = response.json()
    return SynthesisResult(
        version=BrainVersion.model_validate(data["version"]) if data["version"] else None,
        insights=[Insight.model_validate(i) for i in data["insights"]],
        diff=VersionDiff(**{name: tuple(keys) for name, keys in data["diff"].items()}),
        created=bool(data["created"]),
    )


def _kind_knowledge(response: httpx.Response) -> KindKnowledge:
    data = response.json()
    return KindKnowledge(kind=data["kind"], stats=KindStats(**data["stats"]) if data["stats"] else None,
                         options=tuple(KindStats(**o) for o in data["options"]),
                         patterns=tuple(Pattern.model_validate(p) for p in data["patterns"]))


def _import_report(response: httpx.Response) -> ImportReport:
    data = response.json()
    return ImportReport(imported=Counter(data["imported"]),
                        rejected=[RejectedLine(r["line"], r["reason"]) for r in data["rejected"]])


def _dt(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def raise_for_problem(response: httpx.Response) -> None:
    """Turn an error answer (RFC 9457 problem details) into orgmind's typed error."""
    if response.status_code < 400:
        return
    try:
        problem = response.json()
    except ValueError:
        problem = {}
    if not isinstance(problem, dict):
        problem = {}
    detail = str(problem.get("detail") or response.text or response.reason_phrase)
    if response.status_code in (400, 422):
        cls = getattr(errors, str(problem.get("error")), None)
        if not (isinstance(cls, type) and issubclass(cls, InvalidInput)) or cls.__name__ == "PolicyError":
            cls = InvalidRecord
        raise cls(str(problem.get("field") or "(request)"), str(problem.get("reason") or detail))
    raise _STATUS_ERRORS.get(response.status_code, OrgmindError)(detail)


class _Calls:
    """The requests behind each method, shared by the blocking and the async client."""

    @staticmethod
    def record_many(objs: Sequence[RecordLike]) -> _Call[list[Node]]:
        return _Call("POST", "/v1/records", _nodes, json={"records": [_record_json(o) for o in objs]})

    @staticmethod
    def import_jsonl(path: str | Path) -> _Call[ImportReport]:
        return _Call("POST", "/v1/import", _import_report, content=Path(path).read_bytes(),
                     headers={"Content-Type": "application/x-ndjson"})

    @staticmethod
    def get(record_id: str) -> _Call[Node]:
        return _Call("GET", f"/v1/records/{record_id}", lambda r: _node(r.json()))

    @staticmethod
    def delete_venture(venture_id: str) -> _Call[dict[str, int]]:
        return _Call("DELETE", f"/v1/ventures/{venture_id}", lambda r: dict(r.json()))

    @staticmethod
    def recall(query: str, venture: str | None, k: int, kinds: Sequence[str] | None, scope: Scope,
               roles: Sequence[str] | None, labels: Sequence[NodeLabel | str] | None, since: datetime | None,
               until: datetime | None, now: datetime | None) -> _Call[list[Hit]]:
        body = {"query": query, "venture": venture, "k": k, "kinds": kinds, "scope": scope, "roles": roles,
                "labels": [NodeLabel(label).value for label in labels] if labels else None,
                "since": _dt(since), "until": _dt(until), "now": _dt(now)}
        return _Call("POST", "/v1/recall", _hits, json=body)

    @staticmethod
    def similar_decisions(decision_id: str | None, text: str | None, venture: str | None, scope: Scope, k: int,
                          now: datetime | None) -> _Call[list[Hit]]:
        body = {"decision_id": decision_id, "text": text, "venture": venture, "scope": scope, "k": k,
                "now": _dt(now)}
        return _Call("POST", "/v1/similar-decisions", _hits, json=body)

    @staticmethod
    def wake_up(venture: str, role: str, task: str | None, budget_tokens: int, agent_id: str | None,
                ref: str | None, now: datetime | None) -> _Call[WakeUpBrief]:
        body = {"venture": venture, "role": role, "task": task, "budget_tokens": budget_tokens,
                "agent_id": agent_id, "ref": ref, "now": _dt(now)}
        return _Call("POST", "/v1/wake-up", _brief, json=body, headers={"Accept": "application/json"})

    @staticmethod
    def synthesize(venture: str, role: str | None, now: datetime | None) -> _Call[SynthesisResult]:
        return _Call("POST", "/v1/synthesize", _synthesis, json={"venture": venture, "role": role, "now": _dt(now)})

    @staticmethod
    def scorecard(venture: str, role: str | None) -> _Call[Scorecard]:
        params = {"role": role} if role else None
        return _Call("GET", f"/v1/ventures/{venture}/scorecard", lambda r: Scorecard.model_validate(r.json()),
                     params=params)

    @staticmethod
    def list_patterns(kind: str | None) -> _Call[list[Pattern]]:
        return _Call("GET", "/v1/patterns", lambda r: [Pattern.model_validate(p) for p in r.json()],
                     params={"kind": kind} if kind else None)

    @staticmethod
    def mine_patterns(now: datetime | None, min_ventures: int, similarity: float) -> _Call[list[Pattern]]:
        return _Call("POST", "/v1/patterns/mine", lambda r: [Pattern.model_validate(p) for p in r.json()],
                     json={"now": _dt(now), "min_ventures": min_ventures, "similarity": similarity})

    @staticmethod
    def kind_stats(ventures: Sequence[str] | None) -> _Call[list[KindStats]]:
        return _Call("GET", "/v1/platform/kinds", lambda r: [KindStats(**row) for row in r.json()],
                     params={"venture": list(ventures)} if ventures else None)

    @staticmethod
    def platform_knowledge(kind: str) -> _Call[KindKnowledge]:
        return _Call("GET", f"/v1/platform/kinds/{kind}", _kind_knowledge)

    @staticmethod
    def similar_elsewhere(decision_id: str, k: int) -> _Call[list[Precedent]]:
        return _Call("GET", f"/v1/decisions/{decision_id}/precedents", lambda r: [Precedent(**p) for p in r.json()],
                     params={"k": k})

    @staticmethod
    def pending_approvals(venture: str | None) -> _Call[list[tuple[Escalation, Decision]]]:
        return _Call("GET", "/v1/approvals", lambda r: [_pair(p) for p in r.json()],
                     params={"venture": venture} if venture else None)

    @staticmethod
    def resolve(escalation_id: str, approve: bool, note: str | None) -> _Call[tuple[Escalation, Decision]]:
        verb = "approve" if approve else "reject"
        return _Call("POST", f"/v1/approvals/{escalation_id}/{verb}", lambda r: _pair(r.json()), json={"note": note})

    @staticmethod
    def export(venture: str) -> _Call[list[dict[str, Any]]]:
        return _Call("GET", f"/v1/ventures/{venture}/export",
                     lambda r: [json.loads(line) for line in r.text.splitlines() if line.strip()])

    @staticmethod
    def stats(ventures: Sequence[str] | None) -> _Call[list[VentureStats]]:
        def parse(response: httpx.Response) -> list[VentureStats]:
            rows = [VentureStats.from_json_dict(row) for row in response.json()]
            return [row for row in rows if ventures is None or row.venture.id in ventures]

        return _Call("GET", "/v1/stats", parse)


def _headers(api_key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}


class Client:
    """A blocking client of an orgmind server (see the module docstring)."""

    def __init__(self, url: str, api_key: str | None = None, *, timeout: float = 60.0) -> None:
        self.url = url.rstrip("/")
        self._http = httpx.Client(base_url=self.url, headers=_headers(api_key), timeout=timeout)

    def _run(self, call: _Call[T]) -> T:
        try:
            response = self._http.request(call.method, call.path, json=call.json, params=call.params,
                                          content=call.content, headers=call.headers)
        except httpx.TransportError as exc:
            raise StoreUnavailable(f"cannot reach orgmind at {self.url}: {exc}") from exc
        raise_for_problem(response)
        return call.parse(response)

    def record(self, obj: RecordLike) -> Node:
        return self.record_many([obj])[0]

    def record_many(self, objs: Sequence[RecordLike]) -> list[Node]:
        return self._run(_Calls.record_many(objs))

    def import_jsonl(self, path: str | Path) -> ImportReport:
        return self._run(_Calls.import_jsonl(path))

    def get(self, record_id: str) -> Node:
        return self._run(_Calls.get(record_id))

    def delete_venture(self, venture_id: str) -> dict[str, int]:
        return self._run(_Calls.delete_venture(venture_id))

    def recall(self, query: str, venture: str | None = None, k: int = 10, kinds: Sequence[str] | None = None,
               scope: Scope = "venture", *, roles: Sequence[str] | None = None,
               labels: Sequence[NodeLabel | str] | None = None, since: datetime | None = None,
               until: datetime | None = None, now: datetime | None = None) -> list[Hit]:
        return self._run(_Calls.recall(query, venture, k, kinds, scope, roles, labels, since, until, now))

    def similar_decisions(self, decision_id: str | None = None, text: str | None = None, venture: str | None = None,
                          scope: Scope = "venture", k: int = 10, *, now: datetime | None = None) -> list[Hit]:
        return self._run(_Calls.similar_decisions(decision_id, text, venture, scope, k, now))

    def wake_up(self, venture: str, role: str, task: str | None = None, budget_tokens: int = 1200, *,
                agent_id: str | None = None, ref: str | None = None, now: datetime | None = None) -> WakeUpBrief:
        return self._run(_Calls.wake_up(venture, role, task, budget_tokens, agent_id, ref, now))

    def synthesize(self, venture: str, role: str | None = None, *, now: datetime | None = None) -> SynthesisResult:
        return self._run(_Calls.synthesize(venture, role, now))

    def scorecard(self, venture: str, role: str | None = None) -> Scorecard:
        return self._run(_Calls.scorecard(venture, role))

    def list_patterns(self, kind: str | None = None) -> list[Pattern]:
        return self._run(_Calls.list_patterns(kind))

    def mine_patterns(self, *, now: datetime | None = None, min_ventures: int = 2,
                      similarity: float = 0.75) -> list[Pattern]:
        return self._run(_Calls.mine_patterns(now, min_ventures, similarity))

    def kind_stats(self, ventures: Sequence[str] | None = None) -> list[KindStats]:
        return self._run(_Calls.kind_stats(ventures))

    def platform_knowledge(self, kind: str) -> KindKnowledge:
        return self._run(_Calls.platform_knowledge(kind))

    def similar_elsewhere(self, decision_id: str, k: int = 5) -> list[Precedent]:
        return self._run(_Calls.similar_elsewhere(decision_id, k))

    def pending_approvals(self, venture: str | None = None) -> list[tuple[Escalation, Decision]]:
        return self._run(_Calls.pending_approvals(venture))

    def approve(self, escalation_id: str, note: str | None = None) -> tuple[Escalation, Decision]:
        return self._run(_Calls.resolve(escalation_id, True, note))

    def reject(self, escalation_id: str, note: str | None = None) -> tuple[Escalation, Decision]:
        return self._run(_Calls.resolve(escalation_id, False, note))

    def export(self, venture: str) -> list[dict[str, Any]]:
        return self._run(_Calls.export(venture))

    def stats(self, ventures: Sequence[str] | None = None) -> list[VentureStats]:
        return self._run(_Calls.stats(ventures))

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


class AsyncClient:
    """The asyncio client of an orgmind server: ``Client``'s methods, awaitable."""

    def __init__(self, url: str, api_key: str | None = None, *, timeout: float = 60.0) -> None:
        self.url = url.rstrip("/")
        self._http = httpx.AsyncClient(base_url=self.url, headers=_headers(api_key), timeout=timeout)

    async def _run(self, call: _Call[T]) -> T:
        try:
            response = await self._http.request(call.method, call.path, json=call.json, params=call.params,
                                                content=call.content, headers=call.headers)
        except httpx.TransportError as exc:
            raise StoreUnavailable(f"cannot reach orgmind at {self.url}: {exc}") from exc
        raise_for_problem(response)
        return call.parse(response)

    async def record(self, obj: RecordLike) -> Node:
        return (await self.record_many([obj]))[0]

    async def record_many(self, objs: Sequence[RecordLike]) -> list[Node]:
        return await self._run(_Calls.record_many(objs))

    async def import_jsonl(self, path: str | Path) -> ImportReport:
        return await self._run(_Calls.import_jsonl(path))

    async def get(self, record_id: str) -> Node:
        return await self._run(_Calls.get(record_id))

    async def delete_venture(self, venture_id: str) -> dict[str, int]:
        return await self._run(_Calls.delete_venture(venture_id))

    async def recall(self, query: str, venture: str | None = None, k: int = 10, kinds: Sequence[str] | None = None,
                     scope: Scope = "venture", *, roles: Sequence[str] | None = None,
                     labels: Sequence[NodeLabel | str] | None = None, since: datetime | None = None,
                     until: datetime | None = None, now: datetime | None = None) -> list[Hit]:
        return await self._run(_Calls.recall(query, venture, k, kinds, scope, roles, labels, since, until, now))

    async def similar_decisions(self, decision_id: str | None = None, text: str | None = None,
                                venture: str | None = None, scope: Scope = "venture", k: int = 10, *,
                                now: datetime | None = None) -> list[Hit]:
        return await self._run(_Calls.similar_decisions(decision_id, text, venture, scope, k, now))

    async def wake_up(self, venture: str, role: str, task: str | None = None, budget_tokens: int = 1200, *,
                      agent_id: str | None = None, ref: str | None = None,
                      now: datetime | None = None) -> WakeUpBrief:
        return await self._run(_Calls.wake_up(venture, role, task, budget_tokens, agent_id, ref, now))

    async def synthesize(self, venture: str, role: str | None = None, *,
                         now: datetime | None = None) -> SynthesisResult:
        return await self._run(_Calls.synthesize(venture, role, now))

    async def scorecard(self, venture: str, role: str | None = None) -> Scorecard:
        return await self._run(_Calls.scorecard(venture, role))

    async def list_patterns(self, kind: str | None = None) -> list[Pattern]:
        return await self._run(_Calls.list_patterns(kind))

    async def mine_patterns(self, *, now: datetime | None = None, min_ventures: int = 2,
                            similarity: float = 0.75) -> list[Pattern]:
        return await self._run(_Calls.mine_patterns(now, min_ventures, similarity))

    async def kind_stats(self, ventures: Sequence[str] | None = None) -> list[KindStats]:
        return await self._run(_Calls.kind_stats(ventures))

    async def platform_knowledge(self, kind: str) -> KindKnowledge:
        return await self._run(_Calls.platform_knowledge(kind))

    async def similar_elsewhere(self, decision_id: str, k: int = 5) -> list[Precedent]:
        return await self._run(_Calls.similar_elsewhere(decision_id, k))

    async def pending_approvals(self, venture: str | None = None) -> list[tuple[Escalation, Decision]]:
        return await self._run(_Calls.pending_approvals(venture))

    async def approve(self, escalation_id: str, note: str | None = None) -> tuple[Escalation, Decision]:
        return await self._run(_Calls.resolve(escalation_id, True, note))

    async def reject(self, escalation_id: str, note: str | None = None) -> tuple[Escalation, Decision]:
        return await self._run(_Calls.resolve(escalation_id, False, note))

    async def export(self, venture: str) -> list[dict[str, Any]]:
        return await self._run(_Calls.export(venture))

    async def stats(self, ventures: Sequence[str] | None = None) -> list[VentureStats]:
        return await self._run(_Calls.stats(ventures))

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.aclose()
